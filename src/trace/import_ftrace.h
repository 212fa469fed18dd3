/* SPDX-License-Identifier: MIT */
/*
 * The ftrace importer's parts (private to src/trace; the entry point is
 * smmusim_import_ftrace() of include/smmusim/import.h).
 *
 *   import_ftrace.c        the entry point, the output, one line to its
 *                          handler
 *   import_ftrace_line.c   the tracefs text: header, columns (task-pid,
 *                          [cpu], flags, timestamp), the iommu tracepoints'
 *                          formats (include/trace/events/iommu.h)
 *   import_ftrace_dma.c    devices and their StreamIDs, domains, the pages
 *                          mapped, map and unmap
 *   import_ftrace_qemu.c   the QEMU log of the same run: its invalidation
 *                          points paired with ftrace's, and its
 *                          translations placed between them
 *
 * Both files are read through the QEMU importer's input (import_input.c),
 * one struct sm_importer each: it streams plain or compressed files (xz,
 * gzip, zstd; trace_input.c) and gives
 * "FILE:LINE:COLUMN: " errors for the line it handed out last.  The trace
 * is written through the QEMU importer's output (import_emit.c), and
 * lines are matched with its sm_qemu_match_fmt (qemu_log_line.c).
 */
#ifndef SM_TRACE_IMPORT_FTRACE_H
#define SM_TRACE_IMPORT_FTRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <smmusim/import.h>

#include "trace/import_qemu.h"

#define SM_FT_PAGE_SHIFT 12
#define SM_FT_PAGE ((uint64_t)1 << SM_FT_PAGE_SHIFT)
#define SM_FT_VA_LIMIT                                                         \
	((uint64_t)1 << 48) /* the trace's DMA domains: 48 bits */
#define SM_FT_MAX_CYCLE                                                        \
	((uint64_t)1 << 62)	    /* the simulator's last start cycle */
#define SM_FT_MAP_PAGES 65536u	    /* sim.max_event_pages's default */
#define SM_FT_LIVE_PAGES (1u << 20) /* pages mapped at once (4 GiB) */
#define SM_FT_NAME_MAX 64	    /* longest device name */
#define SM_FT_MAX_DEVICES 256
/* CPUs a dma_map/dma_unmap may name: cpu.count's largest (engine/
 * config_keys.def), or no configuration could replay the trace. */
#define SM_FT_MAX_CPUS 256u

/* What an ftrace line is. */
enum sm_ft_kind {
	FT_SKIP,      /* a header line or a blank line */
	FT_FUNC,      /* function tracer: "func <-parent" */
	FT_MARK,      /* tracing_mark_write: TEXT */
	FT_ADD_GROUP, /* iommu:add_device_to_group */
	FT_ATTACH,    /* iommu:attach_device_to_domain */
	FT_MAP,	      /* iommu:map */
	FT_UNMAP,     /* iommu:unmap */
	FT_FAULT,     /* iommu:io_page_fault */
};

/* One parsed line; caps are the tracepoint's fields in format order. */
struct sm_ft_line {
	enum sm_ft_kind kind;
	uint32_t cpu;
	size_t cpu_col; /* column of the CPU number */
	uint64_t cycles;
	size_t ts_col;
	const char *text; /* FT_MARK: the marker; FT_FUNC: "func <-parent" */
	size_t text_len;
	const char *func, *parent; /* FT_FUNC */
	size_t func_len, parent_len;
	struct sm_qemu_cap c[SM_QEMU_MAX_CAPS];
};

/* A device seen in the file. */
struct sm_ft_device {
	char name[SM_FT_NAME_MAX + 1];
	uint32_t sid;
	int64_t group;	 /* -1 until add_device_to_group */
	uint64_t attach; /* line of its attach, 0 if none */
};

/* A page mapped (open addressing, key = IOVA page + 1, 0 = empty). */
struct sm_ft_page {
	uint64_t key;
	uint64_t pa_page;
	uint64_t line; /* of its map */
};

/* A translation of the QEMU log, waiting for its place. */
struct sm_ft_xlate {
	uint64_t line;
	uint64_t va, out;
	uint32_t sid;
	bool write;
	size_t sid_col, out_col;
};

/* An invalidation point of the QEMU log. */
enum sm_ft_point {
	PT_NONE, /* the end of the log */
	PT_VA,	 /* a batch of TLBI_NH_VA closed by CMD_SYNC */
	PT_ASID, /* a TLBI_NH_ASID */
};

struct sm_ft_qpoint {
	enum sm_ft_point kind;
	uint64_t line; /* of its first command */
	uint64_t lo, hi, pages;
	size_t seg_end; /* translations before it: xl[xl_head..seg_end) */
};

struct sm_ftrace_importer {
	const struct smmusim_allocator *a;
	struct sm_errbuf *eb;
	const struct smmusim_import_ftrace_opts *opts;
	uint64_t clock_hz;

	struct sm_importer fin; /* the ftrace file */
	struct sm_importer qin; /* the QEMU log (qemu_log) */
	bool have_qemu;

	struct sm_import_out out;

	/* header */
	uint32_t ncpus; /* from "#P:N", 0 if not seen */

	/* time: the last line's, and the last written */
	uint64_t last_cycles, last_cycles_line, last_out;

	struct sm_ft_device *devs;
	size_t n_devs, cap_devs;
	int64_t last_attached; /* index into devs, -1 */
	uint32_t domains[SM_FT_MAX_DEVICES];
	size_t n_domains;

	struct sm_ft_page *pages;
	size_t n_pages, cap_pages;

	/* an unmap written when the next line is read (strict: its
	 * arm_smmu_iotlb_sync line is its invalidation point) */
	struct {
		bool held;
		uint64_t line, cycles, va, len;
		uint32_t cpu, dom;
	} unmap;
	bool prev_unmap_line; /* the line before was that unmap */

	/* QEMU side */
	struct sm_ft_xlate *xl;
	size_t xl_head, n_xl, cap_xl;
	struct sm_ft_qpoint qpt;   /* the point that ends this segment */
	struct sm_ft_qpoint batch; /* a TLBI_NH_VA batch being read */
	bool batch_open, last_op_va;
	uint64_t qpoints;

	struct smmusim_import_ftrace_stats st;
};

/* Output (import_ftrace.c). */
#define sm_ft_emit(ft, ...)                                                    \
	sm_import_out_printf(&(ft)->out, (ft)->eb, __VA_ARGS__)
/* "@N " for an event at `cycles` (never before the last one written). */
int sm_ft_emit_time(struct sm_ftrace_importer *ft, uint64_t cycles);
/* A comment "# FTRACE:LINE: TEXT" with control bytes as \xNN. */
int sm_ft_emit_note(struct sm_ftrace_importer *ft, const char *what,
		    const char *s, size_t n);

/* Lines (import_ftrace_line.c): 0 and *l filled, or < 0 (line error). */
int sm_ft_parse_line(struct sm_ftrace_importer *ft, const char *s, size_t n,
		     struct sm_ft_line *l);

/* Devices, domains, mappings (import_ftrace_dma.c). */
int sm_ft_on_add_group(struct sm_ftrace_importer *ft,
		       const struct sm_ft_line *l);
int sm_ft_on_attach(struct sm_ftrace_importer *ft, const struct sm_ft_line *l);
int sm_ft_on_map(struct sm_ftrace_importer *ft, const struct sm_ft_line *l);
/* Checked, then held in ft->unmap until the next line. */
int sm_ft_on_unmap(struct sm_ftrace_importer *ft, const struct sm_ft_line *l);
int sm_ft_write_unmap(struct sm_ftrace_importer *ft);
int sm_ft_on_fault(struct sm_ftrace_importer *ft, const struct sm_ft_line *l,
		   const char *s, size_t n);
/* The device whose domain maps go to now: its index, or -1. */
int64_t sm_ft_dma_index(const struct sm_ftrace_importer *ft);
/* The same, or a line error "WHAT before ..." if there is none. */
int sm_ft_dma_device(struct sm_ftrace_importer *ft, size_t col,
		     const char *what, size_t *idx);
/* The page's mapping, or NULL. */
const struct sm_ft_page *sm_ft_page_find(const struct sm_ftrace_importer *ft,
					 uint64_t page);
void sm_ft_free_dma(struct sm_ftrace_importer *ft);

/* The QEMU log (import_ftrace_qemu.c). */
int sm_ftq_open(struct sm_ftrace_importer *ft, const char *path);
/* Write the translations of this segment that can go before an event at
 * `cycles`. */
int sm_ftq_drain(struct sm_ftrace_importer *ft, uint64_t cycles);
/* An invalidation point of the ftrace file at line `line`: PT_VA (the
 * held unmap's arm_smmu_iotlb_sync) or PT_ASID (arm_smmu_flush_iotlb_all). */
int sm_ftq_point(struct sm_ftrace_importer *ft, enum sm_ft_point kind,
		 size_t col);
/* The end of the ftrace file: the last translations, nothing left over. */
int sm_ftq_finish(struct sm_ftrace_importer *ft);
void sm_ftq_close(struct sm_ftrace_importer *ft);

#endif
