/* SPDX-License-Identifier: MIT */
/*
 * The arm64 TLB flush routines (arch/arm64/include/asm/tlbflush.h and the
 * batched flush of reclaim): DSBs and TLBIs on a PE, and, with the 6.6
 * notifier placement, the secondary-TLB hook.  Code: arm64/tlbflush.c.
 */
#ifndef SM_KERNEL_TLBFLUSH_H
#define SM_KERNEL_TLBFLUSH_H

#include <stdbool.h>
#include <stdint.h>

#include <smmusim/config.h>

struct sm_os;
struct sm_mm;
struct sm_stats;

/* The flush routines the stats count (os.flush.<routine> and
 * os.flush.<routine>.cycles). */
enum sm_flush_routine {
	SM_FLUSH_TLB_MM,
	SM_FLUSH_TLB_PAGE,
	SM_FLUSH_TLB_RANGE,
	SM_TLBBATCH_ADD_PENDING,
	SM_TLBBATCH_FLUSH,
	SM_FLUSH_ROUTINE_COUNT_
};

/* The flush side of the kernel object (struct sm_os.tlb). */
struct sm_tlb_state {
	uint64_t max_tlbi_ops; /* policy.cpu.max_tlbi_ops (MAX_TLBI_OPS) */
	unsigned range_split;  /* SM_RANGE_SPLIT_* */
	bool range_start_bug;  /* policy.notifier.range_start_bug */
	bool batch_x86;	       /* policy.cpu.batch_flush=x86 */
	bool reclaim_batch;    /* policy.cpu.reclaim_batch */
	uint64_t *ctr;	       /* the stats by ID (engine/stats.h) */
	uint64_t *st_cycles[SM_FLUSH_ROUTINE_COUNT_]; /* ...<routine>.cycles */
};

int sm_tlbflush_init(struct sm_os *os, const smmusim_config_t *cfg,
		     struct sm_stats *st);

int sm_flush_tlb_mm(struct sm_os *os, struct sm_mm *mm, unsigned pe,
		    uint64_t *t);
int sm_flush_tlb_page(struct sm_os *os, struct sm_mm *mm, unsigned pe,
		      uint64_t va, uint64_t *t);
/* flush_tlb_range(): all levels, no level hint. */
int sm_flush_tlb_range(struct sm_os *os, struct sm_mm *mm, unsigned pe,
		       uint64_t start, uint64_t end, uint64_t *t);
/* __flush_tlb_range(vma, start, end, PAGE_SIZE, last_level, tlb_level), as
 * mmu_gather's tlb_flush calls it (tlb_level 3: only PTEs changed). */
int sm_flush_tlb_range_ex(struct sm_os *os, struct sm_mm *mm, unsigned pe,
			  uint64_t start, uint64_t end, bool last_level,
			  unsigned tlb_level, uint64_t *t);
/* Batched (deferred) flush of reclaim and migration, used when
 * os->tlb.reclaim_batch (ARCH_WANT_BATCHED_UNMAP_TLB_FLUSH, v6.6-rc1). */
int sm_tlbbatch_add_pending(struct sm_os *os, struct sm_mm *mm, unsigned pe,
			    uint64_t va, uint64_t *t);
void sm_tlbbatch_flush(struct sm_os *os, unsigned pe, uint64_t *t);

/*
 * The op loop of __flush_tlb_range_op: how to cover `pages` pages from
 * `start` with range ops and single-page ops.  Calls emit() for each op, in
 * order: range = false for a single-page op (va, 1 page), true for a range
 * op (va, scale, num).  `descending` selects the newer algorithm (scale from
 * 3 down, single op only when one page is left) over 6.6's (odd page first,
 * scale rising from 0).  Without range support every page is a single op.
 * Returns the number of ops.
 */
typedef void (*sm_tlb_range_emit_fn)(void *ctx, bool range, uint64_t va,
				     unsigned scale, unsigned num);
uint64_t sm_flush_tlb_range_op(uint64_t start, uint64_t pages, bool range_ok,
			       bool descending, sm_tlb_range_emit_fn emit,
			       void *ctx);

#endif
