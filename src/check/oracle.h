/* SPDX-License-Identifier: MIT */
/*
 * The coherence oracle (docs/model.md, "Oracle (src/check)").
 *
 * It sees every translation a PE or the SMMU serves (through the
 * sm_xlate_observer the hardware models call) and compares the ones a cached
 * entry decided with the page tables at that cycle:
 *
 *  - stale-translation: a cached entry let an access through although the
 *    page is no longer mapped, or mapped elsewhere (use-after-free DMA);
 *  - stale-permission: a cached entry allowed an access the PTE no longer
 *    allows (a write after write-protect);
 *  - fault-livelock: the same (agent, page, access) faulted K times in a row
 *    while the page table permitted the access;
 *  - use-after-free: the kernel freed a page while an invalidation window
 *    over its address was still open, so a cache could still translate to
 *    it (reported at the free, on the freeing operation's trace line);
 *  - lingering (end of run, a count): cached entries that disagree with the
 *    page tables.
 *
 * Windows.  When the kernel model removes or narrows a mapping it opens a
 * window over the pages, and closes it when its flush has completed.  A
 * stale use inside an open window is the kernel's business still (counted as
 * check.tolerated_in_window); after the window closed, or with no flush at
 * all, it is a violation.  Except for a page the kernel has already freed:
 * Linux frees a page only after the invalidation completed (mmu_gather,
 * mm/mmu_gather.c tlb_flush_mmu), so a cached access that reaches a page
 * freed inside its window is a stale-translation, never tolerated.
 */
#ifndef SM_CHECK_ORACLE_H
#define SM_CHECK_ORACLE_H

#include <stdbool.h>
#include <stdint.h>

#include <smmusim/hooks.h>

#include "engine/stats.h"
#include "hw/mem/observe.h"
#include "hw/mem/pgtable.h"
#include "hw/mem/physmem.h"
#include "hw/mem/tcache.h"

/* An invalidation window: open from `opened` until the cycle its flush
 * was seen complete, `closes_at` (UINT64_MAX while open).  A closed window
 * is kept until no access can come at an earlier cycle
 * (sm_oracle_advance): an access at a cycle before `closes_at` is inside
 * it even when it reaches the oracle after the close. */
struct sm_window {
	uint64_t root, start, end, opened, closes_at;
};

/* A page freed while its window was open: use-after-free was reported; a
 * cached access reaching `pa` is not tolerated until that window is
 * dropped (sm_oracle_advance past its close).  Only a kernel that frees too
 * early fills this. */
struct sm_freed {
	uint64_t root, va, pa;
};

struct sm_streak {
	uint64_t k1, k2;
	uint32_t count;
	bool used, reported;
};

/* The page tables' translation of a page as the oracle uses it (oracle.c,
 * "the truth"): a walk's outcome (enum sm_walk_fault), and for an OK one
 * the page's PA and permissions; ipa for the stage-2 windows.  Remembered
 * for (regime, root, root2, s2_level, page), walked when the page-table
 * write generation (sm_physmem_pgt_gen) was `gen`. */
struct sm_truth {
	uint64_t root, root2, page, gen;
	uint64_t pa, ipa; /* page-aligned; ipa SM_NO_IPA when none */
	uint8_t regime, fault, perm;
	int8_t s2_level;
};
/* 16 slots: on the imported linux61-ddmix-strict trace 8 already hit as
 * often as 64 (94.3% of the walks); fixed, 896 bytes. */
#define SM_ORACLE_MEMO_BITS 4
#define SM_ORACLE_MEMO_SLOTS (1u << SM_ORACLE_MEMO_BITS)
/* 16 paths: bench/replay-speed's 8 processes have one 2 MiB region each. */
#define SM_ORACLE_PATH_SLOTS 16u

struct sm_oracle {
	const struct smmusim_allocator *alloc;
	const struct sm_physmem *pm;
	bool enabled;
	uint32_t livelock_faults;

	struct sm_window *win;
	size_t nwin, capwin;
	size_t nclosed; /* windows of win[] with closes_at set */
	/* Where the next close starts looking (host time only): windows are
	 * closed in the order they were opened by a flush queue's flush. */
	size_t close_hint;

	struct sm_freed *freed;
	size_t nfreed, capfreed;
	uint32_t op_line; /* trace line of the event being dispatched */

	struct sm_streak *streak;
	size_t nstreak, capstreak; /* capstreak is a power of two */

	struct smmusim_violation *kept;
	size_t nkept, capkept;
	uint64_t total;
	smmusim_violation_fn hook;
	void *hook_ctx;

	uint64_t *ctr; /* the stats by ID (engine/stats.h) */

	/* Walk results by page, direct-mapped (host time only: the checks
	 * of a cached translation re-walk the same pages again and again).
	 * memo_off: walk every time (the tests compare both ways). */
	bool memo_off;
	struct sm_truth memo[SM_ORACLE_MEMO_SLOTS];
	/* The tables stage-1 truth walks went down to a level-3 table, by
	 * (root, 2 MiB region), direct-mapped (host time only, off with
	 * memo_off: oracle.c, truth_walk). */
	struct sm_pgt_path path[SM_ORACLE_PATH_SLOTS];
};

int sm_oracle_init(struct sm_oracle *o, const struct smmusim_allocator *a,
		   const struct sm_physmem *pm, bool enabled,
		   uint32_t livelock_faults, struct sm_stats *st);
void sm_oracle_fini(struct sm_oracle *o);

/* The observer the hardware models call. */
void sm_oracle_observe(void *oracle, const struct sm_xlate_report *r);
/* The kernel model's window hooks. */
void sm_oracle_window_open(void *oracle, uint64_t root, uint64_t start,
			   uint64_t end, uint64_t cycle);
/* The flush of the window was seen complete at `cycle` (the CPU saw its
 * CMD_SYNC or its DSB complete): accesses at earlier cycles stay inside. */
void sm_oracle_window_close(void *oracle, uint64_t root, uint64_t start,
			    uint64_t end, uint64_t cycle);
/* No translation will be observed at a cycle before `cycle` any more (the
 * simulator calls it at each event's start): drop the windows closed by
 * then, and forget the pages freed early inside them. */
void sm_oracle_advance_slow(struct sm_oracle *o, uint64_t cycle);
static inline void sm_oracle_advance(struct sm_oracle *o, uint64_t cycle)
{
	if (o->nclosed)
		sm_oracle_advance_slow(o, cycle);
}
/* The kernel model's free hook: frame `pa`, mapped at `va` of the table
 * at `root` until its PTE was cleared (root 0: no mapping known, nothing to
 * check), goes back to the allocator at `cycle`.  Cheap when no window is
 * open, which is every free of a kernel that frees after its flush. */
void sm_oracle_page_freed(void *oracle, uint64_t root, uint64_t va, uint64_t pa,
			  uint64_t cycle);
/* The trace line of the event the simulator dispatches next: the line a
 * use-after-free names (the kernel does not know lines). */
static inline void sm_oracle_set_op_line(struct sm_oracle *o, uint32_t line)
{
	o->op_line = line;
}
/* End of run: count cached entries that disagree with the tables. */
void sm_oracle_scan_cache(struct sm_oracle *o, const struct sm_tcache *tc);

/* Read-only views and the hook, for the composition root (src/sim). */
static inline bool sm_oracle_enabled(const struct sm_oracle *o)
{
	return o->enabled;
}
static inline uint64_t sm_oracle_total(const struct sm_oracle *o)
{
	return o->total;
}
/* The violations kept (the first SMMUSIM_MAX_KEPT_VIOLATIONS). */
static inline size_t sm_oracle_kept_count(const struct sm_oracle *o)
{
	return o->nkept;
}
static inline const struct smmusim_violation *
sm_oracle_kept_at(const struct sm_oracle *o, size_t i)
{
	return i < o->nkept ? &o->kept[i] : NULL;
}
static inline void sm_oracle_set_hook(struct sm_oracle *o,
				      smmusim_violation_fn fn, void *ctx)
{
	o->hook = fn;
	o->hook_ctx = ctx;
}

#endif
