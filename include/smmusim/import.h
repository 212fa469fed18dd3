/* SPDX-License-Identifier: MIT */
/*
 * Importers: turn logs of other tools into smmusim traces
 * (docs/trace-format.md).
 *
 * smmusim_import_qemu() reads a trace log of QEMU 7.2's emulated SMMUv3
 * (QEMU run with -trace 'smmuv3_*' -trace 'smmu_*' -D LOG, the "log" trace
 * backend: one "EVENTNAME ARGS" line per event), plain or .xz-compressed,
 * and writes a trace that replays the same device accesses, page-table
 * mappings (as the walker saw them) and SMMU commands in the same order:
 *
 *   domain_create / attach  before the first translation of a stream
 *                           (and again when its ASID changes)
 *   iommu_map               a page (4K, 2M or 1G) whose output address or
 *                           permission the walker saw for the first time
 *   dev_access              each smmuv3_translate_success
 *   cmd                     each command the SMMU consumed
 *
 * QEMU's own IOTLB counts are kept at the end of the trace as a comment
 * ("# qemu: translations=N iotlb_hits=N iotlb_misses=N").  Logs of other
 * QEMU versions, whose SMMU event names or formats differ, are refused.
 */
#ifndef SMMUSIM_IMPORT_H
#define SMMUSIM_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include <smmusim/alloc.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Public API: exported from the shared library, which hides everything
 * else (-fvisibility=hidden). */
#pragma GCC visibility push(default)

struct smmusim_import_stats {
	uint64_t lines;	       /* lines read from the log */
	uint64_t translations; /* smmuv3_translate_success (dev_access) */
	uint64_t iotlb_hits;   /* smmu_iotlb_lookup_hit */
	uint64_t iotlb_misses; /* smmu_iotlb_lookup_miss */
	uint64_t commands;     /* cmd events written */
	uint64_t mappings;     /* iommu_map events written */
	uint64_t skipped;      /* lines that produced no event: SMMU events
				* with no trace equivalent (MMIO, walk steps,
				* cache bookkeeping) and other QEMU events */
};

/*
 * Import the QEMU 7.2 SMMUv3 trace log `log_path` (".xz" files, or any file
 * that starts with the xz magic, are decompressed on the fly) into the
 * smmusim trace `trace_path` ("-" writes standard output).  Both are
 * streamed: memory use does not grow with the log.  `alloc` may be NULL;
 * `stats` and `errmsg` are optional.
 *
 * Returns 0, or SMMUSIM_EPARSE (a line that is not QEMU 7.2's, or that
 * the trace could not reproduce exactly, a truncated line or .xz stream, a
 * log without SMMU events), SMMUSIM_EIO (cannot open, read or write),
 * SMMUSIM_ENOMEM, SMMUSIM_EINVAL (NULL path).  The message in errmsg is
 * "LOG:LINE:COLUMN: message" (lines and byte columns numbered from 1).
 * On error the
 * trace written so far is left in place, incomplete.
 */
int smmusim_import_qemu(const char *log_path, const char *trace_path,
			const struct smmusim_allocator *alloc,
			struct smmusim_import_stats *stats, char *errmsg,
			size_t errlen);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
