/* SPDX-License-Identifier: MIT */
/*
 * Importers: turn logs of other tools into smmusim traces
 * (docs/trace-format.md).
 *
 * smmusim_import_qemu() reads a trace log of QEMU 7.2's emulated SMMUv3
 * (QEMU run with -trace 'smmuv3_*' -trace 'smmu_*' -D LOG, the "log" trace
 * backend: one "EVENTNAME ARGS" line per event), plain or compressed (xz,
 * gzip, zstd: told by the magic bytes; "-" reads standard input),
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

/*
 * smmusim_import_ftrace() reads the text of a Linux ftrace ring buffer
 * (tracefs's `trace` file, as `cat /sys/kernel/tracing/trace` or
 * `trace-cmd show` print it), plain or compressed (xz, gzip, zstd), holding the
 * iommu tracepoints (include/trace/events/iommu.h of Linux 6.1 to 6.12:
 * add_device_to_group, attach_device_to_domain, map, unmap, io_page_fault),
 * function-tracer lines and tracing_mark_write markers, and writes a trace of
 * the DMA API calls it saw (docs/trace-format.md, "Traces imported from
 * ftrace"):
 *
 *   domain_create / attach   one DMA domain per IOMMU group (dom = the
 *                            groupID), at the device's attach line
 *   dma_map / dma_unmap      each iommu:map / iommu:unmap, with its CPU and
 *                            the time in cycles (@N = seconds * clock_hz)
 *   dev_access               with `qemu_log`: each translation of the
 *                            device in QEMU's log of the same run, placed
 *                            between the same invalidation points
 *   comments                 markers, flush-alls, io_page_fault
 */

/* Cycles per second when the options give none: the default of the
 * simulator's sim.clock_hz. */
#define SMMUSIM_IMPORT_CLOCK_HZ_DEFAULT 2000000000ull
/* The clock_hz accepted: sim.clock_hz's range (1 kHz..1 THz), so that the
 * trace replays at the clock it was written with. */
#define SMMUSIM_IMPORT_CLOCK_HZ_MIN 1000ull
#define SMMUSIM_IMPORT_CLOCK_HZ_MAX 1000000000000ull

/* A device name as ftrace prints it (a PCI BDF "0000:00:02.0", or any
 * other dev_name()) and the StreamID it gets. */
struct smmusim_import_sid {
	const char *device;
	uint32_t sid;
};

struct smmusim_import_ftrace_opts {
	uint64_t
	    clock_hz; /* 0: SMMUSIM_IMPORT_CLOCK_HZ_DEFAULT; else MIN..MAX */
	/* StreamIDs of devices; a PCI device not listed gets its Requester
	 * ID (bus << 8 | device << 3 | function), as QEMU virt's identity
	 * iommu-map gives it. */
	const struct smmusim_import_sid *sids;
	size_t n_sids;
	/* The device whose domain every map and unmap goes to (ftrace's
	 * iommu:map/unmap name no device); NULL: the device attached last
	 * before the map or unmap. */
	const char *dma_device;
	/* QEMU 7.2's SMMU trace log of the same run (or NULL): its
	 * translations are merged in as dev_access lines. */
	const char *qemu_log;
};

struct smmusim_import_ftrace_stats {
	uint64_t lines;	       /* lines of the ftrace file */
	uint64_t devices;      /* attach lines */
	uint64_t maps;	       /* dma_map written */
	uint64_t map_pages;    /* their 4K pages */
	uint64_t unmaps;       /* dma_unmap written */
	uint64_t unmap_pages;  /* their 4K pages */
	uint64_t functions;    /* function-tracer lines (checked) */
	uint64_t markers;      /* tracing_mark_write lines (comments) */
	uint64_t faults;       /* io_page_fault lines (comments) */
	uint64_t points;       /* invalidation points paired (qemu_log) */
	uint64_t translations; /* dev_access written (qemu_log) */
	uint64_t iotlb_hits;   /* QEMU's smmu_iotlb_lookup_hit (qemu_log) */
	uint64_t iotlb_misses; /* QEMU's smmu_iotlb_lookup_miss (qemu_log) */
};

/*
 * Import the ftrace text `ftrace_path` (".xz" or xz magic: decompressed on
 * the fly) into the trace `trace_path` ("-": standard output), both
 * streamed.  `opts`, `alloc`, `stats` and `errmsg` may be NULL.
 *
 * Returns 0, or SMMUSIM_EPARSE (a line that is not ftrace's or not one the
 * importer knows, a value the trace cannot reproduce, time going
 * backwards, lost events, a QEMU log that does not pair with the ftrace
 * file), SMMUSIM_EINVAL (bad options), SMMUSIM_EIO, SMMUSIM_ENOMEM.  The
 * message is "FILE:LINE:COLUMN: message" for a line of either file.
 */
int smmusim_import_ftrace(const char *ftrace_path, const char *trace_path,
			  const struct smmusim_import_ftrace_opts *opts,
			  const struct smmusim_allocator *alloc,
			  struct smmusim_import_ftrace_stats *stats,
			  char *errmsg, size_t errlen);

/*
 * smmusim_import_strace() reads the output of `strace -f -ttt` (with or
 * without -f, -t/-tt/-ttt; plain or compressed) of a real program's memory
 * and process calls (`-e trace=memory,process`) and writes an SVA workload
 * trace (docs/trace-format.md, "Traces imported from strace"): one mm per
 * address space (a new one at each fork and execve, threads and vfork share
 * their parent's), mmap/munmap/mprotect/madvise(MADV_DONTNEED)/mremap/brk
 * as mmap, munmap, mprotect and madvise events, the CPU's writes to each new
 * writable range as touch, and optionally a device bound to every mm.
 */

/* The device's accesses to the pages of each new accessible range. */
enum smmusim_import_strace_pattern {
	SMMUSIM_STRACE_DEV_NONE = 0, /* no device */
	SMMUSIM_STRACE_DEV_ALL,	     /* every page */
	SMMUSIM_STRACE_DEV_FRACTION, /* each page with probability fraction */
	SMMUSIM_STRACE_DEV_FAULTS,   /* the pages the CPU touched first */
};

struct smmusim_import_strace_opts {
	/* /proc/PID/maps of the first process at the start of the log (or
	 * NULL): its mappings are made before the first event. */
	const char *maps_path;
	/* CPUs the processes and threads are spread over (round robin in the
	 * order of their first line); 0: 4 (cpu.count's default); 1..256. */
	unsigned ncpus;
	/* The device: each mm gets a bind of stream sid, substream the lowest
	 * free from ssid up (unbound when the mm exits). */
	enum smmusim_import_strace_pattern pattern;
	uint32_t sid;
	uint32_t ssid;	 /* 0..0xfffff */
	double fraction; /* SMMUSIM_STRACE_DEV_FRACTION: 0..1 */
	uint64_t seed;	 /* of the fraction's choices */
	/* Skip malformed lines instead of stopping at the first: each is
	 * counted in stats->malformed and given to `skipped` (may be NULL)
	 * with its "FILE:LINE:COLUMN: message". */
	int keep_going;
	void (*skipped)(void *ctx, const char *msg);
	void *ctx;
};

struct smmusim_import_strace_stats {
	uint64_t lines;	      /* lines of the log */
	uint64_t calls;	      /* complete calls (unfinished ones joined) */
	uint64_t processes;   /* pids seen */
	uint64_t mms;	      /* mm_create written */
	uint64_t mmaps;	      /* mmap written (calls, brk, mremap, maps) */
	uint64_t munmaps;     /* munmap written */
	uint64_t mprotects;   /* mprotect written */
	uint64_t madvises;    /* madvise advice=dontneed written */
	uint64_t touches;     /* touch written */
	uint64_t touch_pages; /* their pages */
	uint64_t dev_accesses; /* dev_access written */
	uint64_t implicit;    /* mappings made for ranges a call needed
			       * mapped but the log never mapped (made by
			       * execve or before the log) */
	uint64_t failed;      /* calls that returned an error: skipped */
	uint64_t no_return;   /* calls without a result ("= ?"), and
			       * unfinished calls never resumed: skipped */
	uint64_t ignored;     /* other calls and advices: no page-table
			       * effect the trace models */
	uint64_t signals;     /* "--- SIG ---" lines */
	uint64_t malformed;   /* lines skipped with keep_going */
};

/*
 * Import the strace log `strace_path` ("-": standard input; plain, xz,
 * gzip or zstd) into the trace `trace_path` ("-": standard output), both
 * streamed.  `opts`, `alloc`, `stats` and `errmsg` may be NULL.
 *
 * Returns 0, or SMMUSIM_EPARSE (a line that is not strace's, a call whose
 * arguments or result are not what the importer knows, an address beyond
 * 48 bits; without keep_going the first one stops the import), SMMUSIM_EINVAL
 * (bad options), SMMUSIM_EIO, SMMUSIM_ENOMEM.  Messages are
 * "FILE:LINE:COLUMN: message".
 */
int smmusim_import_strace(const char *strace_path, const char *trace_path,
			  const struct smmusim_import_strace_opts *opts,
			  const struct smmusim_allocator *alloc,
			  struct smmusim_import_strace_stats *stats,
			  char *errmsg, size_t errlen);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
