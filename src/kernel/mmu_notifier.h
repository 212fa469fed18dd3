/* SPDX-License-Identifier: MIT */
/*
 * The mmu-notifier chain (include/linux/mmu_notifier.h): subscribers of an
 * mm hear about changes to its page table.  The SMMU driver's SVA notifier
 * is the one subscriber in this model (iommu/arm-smmu-v3/arm-smmu-v3-sva.c).
 * The chain itself is mm/mmu_notifier.c.
 */
#ifndef SM_KERNEL_MMU_NOTIFIER_H
#define SM_KERNEL_MMU_NOTIFIER_H

#include <stdbool.h>
#include <stdint.h>

#include <smmusim/config.h>

struct sm_os;
struct sm_mm;
struct sm_stats;

/* enum mmu_notifier_event */
enum sm_mn_event {
	SM_MN_UNMAP,
	SM_MN_CLEAR,
	SM_MN_PROTECTION_VMA,
	SM_MN_PROTECTION_PAGE,
	SM_MN_RELEASE,
};

struct sm_mn_sub;
/* struct mmu_notifier_ops */
struct sm_mn_ops {
	void (*invalidate_range_start)(struct sm_mn_sub *sub, struct sm_mm *mm,
				       uint64_t start, uint64_t end,
				       uint64_t *t);
	void (*invalidate_range_end)(struct sm_mn_sub *sub, struct sm_mm *mm,
				     uint64_t start, uint64_t end, uint64_t *t);
	/* Before 6.6 this op was ->invalidate_range(); where it is called
	 * from is policy.notifier.placement (and, before 6.6, also
	 * policy.notifier.mmu_gather_hook). */
	int (*arch_invalidate_secondary_tlbs)(struct sm_mn_sub *sub,
					      struct sm_mm *mm, uint64_t start,
					      uint64_t end, uint64_t *t);
	int (*release)(struct sm_mn_sub *sub, struct sm_mm *mm, uint64_t *t);
};

/* struct mmu_notifier: one subscription to one mm. */
struct sm_mn_sub {
	const struct sm_mn_ops *ops;
	void *ctx;
	struct sm_mn_sub *next;
};

/* The notifier side of the kernel object (struct sm_os.mn). */
struct sm_mn_state {
	unsigned placement;   /* SM_PLACEMENT_* */
	bool mmu_gather_hook; /* policy.notifier.mmu_gather_hook */
	uint64_t *ctr;	      /* the stats by ID (engine/stats.h) */
};

int sm_mn_init(struct sm_os *os, const smmusim_config_t *cfg,
	       struct sm_stats *st);

/* Subscribe / unsubscribe; a subscription holds the mm (mmgrab), so
 * unregistering may free an exited mm: mm must not be used after. */
void sm_mn_register(struct sm_mm *mm, struct sm_mn_sub *sub);
void sm_mn_unregister(struct sm_os *os, struct sm_mm *mm,
		      struct sm_mn_sub *sub);
/* sm_mn_invalidate_range_start and _end are kernel.h's (inline, on os->mn:
 * every unmap, mprotect and reclaim of a range brackets its PTE changes
 * with them, host time).  The subscriptions' arch_invalidate_secondary_tlbs
 * hooks in turn, each counted, up to the first failure (mmu_notifier.c). */
int sm_mn_call_secondary(struct sm_os *os, struct sm_mm *mm, uint64_t start,
			 uint64_t end, uint64_t *t);
/* sm_mn_arch_invalidate_secondary_tlbs (called by the arm64 flush
 * routines, 6.6+ placement) and sm_mn_tlb_flush_mmu_tlbonly (the CPU flush
 * of an mmu_gather) are kernel.h's too, inline: every flush asks them. */
/* mmu_notifier_invalidate_range(): before 6.6 (range_end placement) an
 * explicit call of the hook, as try_to_unmap_one makes after clearing an
 * anonymous page's PTE ("Invalidate as we cleared the pte", mm/rmap.c,
 * 6.1.192); no-op with the 6.6+ placement. */
int sm_mn_invalidate_range(struct sm_os *os, struct sm_mm *mm, uint64_t start,
			   uint64_t end, uint64_t *t);
/* ptep_clear_flush_notify(): the pre-6.6 call site next to a PTE clear. */
int sm_mn_clear_flush_notify(struct sm_os *os, struct sm_mm *mm, uint64_t start,
			     uint64_t end, uint64_t *t);
int sm_mn_release(struct sm_os *os, struct sm_mm *mm, uint64_t *t);

#endif
