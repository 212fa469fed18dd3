/* SPDX-License-Identifier: MIT */
/*
 * The mmu-notifier chain (mm/mmu_notifier.c), reduced to what decides which
 * secondary TLB invalidations happen and when.
 *
 * Placement of the secondary-TLB hook (policy.notifier.placement):
 *
 *   range_end  (Linux before 6.6: 6.1, 6.5).  The hook was
 *              ->invalidate_range().  It ran from
 *              mmu_notifier_invalidate_range_end() (mn_hlist_invalidate_end:
 *              for every subscriber, over the whole range, populated or
 *              not), from the *_clear_flush_notify() helpers next to a PTE
 *              clear, and from tlb_flush_mmu_tlbonly()
 *              (include/asm-generic/tlb.h) right after the CPU flush of an
 *              mmu_gather, over the gathered range
 *              (policy.notifier.mmu_gather_hook): so a munmap invalidates
 *              the SMMU twice, first before the CPU (range_end), then after
 *              it.  The arch flush routines did not call it, so the flush
 *              that ptep_set_access_flags() does after a permission upgrade
 *              never reached the SMMU: the bug of Alistair Popple's series
 *              "Invalidate secondary IOMMU TLB on permission upgrade".
 *
 *   arch_flush (6.6 and later).  The hook is
 *              ->arch_invalidate_secondary_tlbs() and runs from the arm64
 *              flush routines (flush_tlb_mm, flush_tlb_page,
 *              __flush_tlb_range and the batched variants); range_end no
 *              longer calls it, nor tlb_flush_mmu_tlbonly (6bbd42e2df8f,
 *              "mmu_notifiers: call invalidate_range() when invalidating
 *              TLBs", v6.6-rc1).
 */
#include "kernel/kernel.h"

#include "engine/config.h"

int sm_mn_init(struct sm_os *os, const smmusim_config_t *cfg,
	       struct sm_stats *st)
{
	struct sm_mn_state *mn = &os->mn;
	mn->placement = sm_cfg_enum(cfg, SM_K_POLICY_NOTIFIER_PLACEMENT);
	mn->mmu_gather_hook =
	    sm_cfg_bool(cfg, SM_K_POLICY_NOTIFIER_MMU_GATHER_HOOK);
	mn->ctr = sm_stats_ctrs(st);
	return 0;
}

/* __mmu_notifier_register grabs the mm (mmgrab) so that the struct
 * outlives an exit; mmu_notifier_unregister / _put drop it (mmdrop),
 * mm/mmu_notifier.c, v6.12. */
void sm_mn_register(struct sm_mm *mm, struct sm_mn_sub *sub)
{
	sub->next = mm->subs;
	mm->subs = sub;
	sm_mmgrab(mm);
}

void sm_mn_unregister(struct sm_os *os, struct sm_mm *mm, struct sm_mn_sub *sub)
{
	/* After exit the subscription is already unhooked (release). */
	for (struct sm_mn_sub **p = &mm->subs; *p; p = &(*p)->next)
		if (*p == sub) {
			*p = sub->next;
			sub->next = NULL;
			break;
		}
	sm_mmdrop(os, mm);
}

int sm_mn_call_secondary(struct sm_os *os, struct sm_mm *mm, uint64_t start,
			 uint64_t end, uint64_t *t)
{
	for (struct sm_mn_sub *s = mm->subs; s; s = s->next) {
		if (!s->ops->arch_invalidate_secondary_tlbs)
			continue;
		SM_INC(os->mn.ctr, OS_NOTIFIER_CALLS);
		int rc = s->ops->arch_invalidate_secondary_tlbs(s, mm, start,
								end, t);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int sm_mn_invalidate_range(struct sm_os *os, struct sm_mm *mm, uint64_t start,
			   uint64_t end, uint64_t *t)
{
	/* Before 6.6, mmu_notifier_invalidate_range() called
	 * ->invalidate_range() at once (__mmu_notifier_invalidate_range,
	 * mm/mmu_notifier.c, 6.1.192).  6.6-rc1's notifier series removed
	 * the explicit calls: the flush routines call the hook instead. */
	if (os->mn.placement != SM_PLACEMENT_RANGE_END)
		return 0;
	return sm_mn_call_secondary(os, mm, start, end, t);
}

int sm_mn_clear_flush_notify(struct sm_os *os, struct sm_mm *mm, uint64_t start,
			     uint64_t end, uint64_t *t)
{
	/* ptep_clear_flush_notify() = ptep_clear_flush() then
	 * mmu_notifier_invalidate_range() for the page
	 * (include/linux/mmu_notifier.h, 6.1.192).  6.6 turned it into
	 * ptep_clear_flush(), whose flush_tlb_page() reaches the hook through
	 * the arch path. */
	return sm_mn_invalidate_range(os, mm, start, end, t);
}

int sm_mn_release(struct sm_os *os, struct sm_mm *mm, uint64_t *t)
{
	/* mmu_notifier_release(): every subscriber's ->release, then the
	 * subscriptions are unhooked so exit_mmap's unmapping notifies no
	 * one. */
	struct sm_mn_sub *s = mm->subs;
	mm->subs = NULL;
	while (s) {
		struct sm_mn_sub *next = s->next;
		SM_INC(os->mn.ctr, OS_NOTIFIER_RELEASE);
		s->next = NULL;
		if (s->ops->release) {
			int rc = s->ops->release(s, mm, t);
			if (rc < 0)
				return rc;
		}
		s = next;
	}
	return 0;
}
