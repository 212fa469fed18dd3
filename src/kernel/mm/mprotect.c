/* SPDX-License-Identifier: MIT */
/*
 * mprotect(), modelled on mm/mprotect.c (mprotect_fixup, change_protection,
 * change_pte_range, can_change_pte_writable) as of v6.6: split the VMAs at
 * the range's ends, set their protection, rewrite every present PTE in the
 * range, and flush what changed through the mmu_gather, last level only.
 */
#include "hw/mem/pgtable.h"
#include "kernel/arm64/pgtable.h"
#include "kernel/mm/internal.h"

struct prot_ctx {
	struct sm_os *os;
	struct sm_mm *mm;
	struct sm_span sp;  /* changed PTEs */
	struct sm_vma *vma; /* of the last PTE visited (NULL: none yet) */
	bool narrowed;
};

/* change_pte_range() for one PTE, the present descriptor `desc` at va,
 * held in *slot of its table's words. */
static void prot_leaf(struct prot_ctx *c, uint64_t va, uint64_t desc,
		      const uint64_t *slot)
{
	struct sm_os *os = c->os;
	struct sm_vma *v = sm_find_vma_from(c->mm, &c->vma, va);
	uint64_t pa = desc & PTE_ADDR_MASK;
	uint64_t nd;
	if (!v->prot) {
		nd = sm_mk_prot_none(desc);
	} else {
		/* can_change_pte_writable(): an exclusive anonymous page
		 * may become writable at once; a shared page only if it is
		 * already dirty (write-notify); the zero page never. */
		bool w = (v->prot & SMMUSIM_PROT_W) && pa != os->mm.zero_page &&
			 (!v->shared || sm_pte_dirty(desc));
		nd = sm_mk_user_pte(pa, v->prot, w);
		if (!w && sm_pte_dirty(desc))
			nd |= PTE_DIRTY;
	}
	if (nd == desc)
		return;
	unsigned old_perm = (desc & PTE_VALID) ? sm_pte_perm(desc) : 0;
	unsigned new_perm = (nd & PTE_VALID) ? sm_pte_perm(nd) : 0;
	if (old_perm & ~new_perm)
		c->narrowed = true;
	sm_physmem_table_write(os->pm, slot, nd);
	sm_span_add(&c->sp, va);
}

/* change_pte_range() over a run of PTEs (a leaf table's part of the
 * range), in address order.  The run's words hold every write: only its
 * own descriptors are written. */
static int prot_run(void *vctx, const struct sm_pgt_run *r)
{
	/* The run's fields in locals: a PTE write could alias them, and the
	 * sweep of empty slots is most of the loop (host time). */
	const uint64_t *w = r->words, *end = r->words + r->last + 1;
	uint64_t size = sm_level_size(r->level), va0 = r->va;
	for (const uint64_t *s = w + r->first; s < end; s++)
		if (sm_pte_present(*s))
			prot_leaf(vctx, va0 + (uint64_t)(s - w) * size, *s, s);
	return 0;
}

int sm_os_mprotect(struct sm_os *os, uint32_t id, unsigned pe, uint64_t va,
		   uint64_t len, unsigned prot, uint64_t *t)
{
	struct sm_mm *mm;
	uint64_t end;
	int rc = sm_syscall_enter(os, id, pe, va, len,
				  SM_SYS_MAPPED | SM_SYS_COST, &mm, &end, t);
	if (rc < 0 || (rc = sm_split_vma(os, mm, va)) < 0 ||
	    (rc = sm_split_vma(os, mm, end)) < 0)
		return rc;
	/* The VMAs inside [va, end): split at both ends, a run from the
	 * first ending above va. */
	for (size_t i = sm_vma_lower_bound(mm, va);
	     i < mm->nvma && mm->vma[i].start < end; i++)
		if (mm->vma[i].start >= va && mm->vma[i].end <= end)
			mm->vma[i].prot = prot;

	struct prot_ctx c = {.os = os, .mm = mm, .sp.lo = UINT64_MAX};
	sm_mn_invalidate_range_start(os, mm, SM_MN_PROTECTION_VMA, va, end, t);
	rc = sm_pgt_for_each_leaf_run(os->pm, mm->pgd, va, end, prot_run, &c);
	if (rc < 0)
		return rc;
	*t += c.sp.ptes * os->mm.lat_pte;
	if (c.narrowed)
		sm_mm_window_open(os, mm, c.sp.lo, c.sp.hi, *t);
	rc = sm_mn_invalidate_range_end(os, mm, va, end, false, t);
	/* change_protection's mmu_gather flushes every changed PTE with
	 * last-level TLBIs. */
	if (rc == 0 && c.sp.ptes)
		rc = sm_tlb_flush_mmu_tlbonly(os, mm, pe, c.sp.lo, c.sp.hi, t);
	if (rc == 0 && c.narrowed)
		sm_mm_window_close(os, mm, c.sp.lo, c.sp.hi, *t);
	return rc;
}
