/* SPDX-License-Identifier: MIT */
/*
 * Page reclaim of a range, modelled on mm/vmscan.c (shrink_folio_list) and
 * mm/rmap.c (try_to_unmap_one, set_tlb_ubc_flush_pending,
 * try_to_unmap_flush) as of v6.6: each present page is unmapped under its
 * own notifier bracket with its TLBI queued but not waited for
 * (arch_tlbbatch_add_pending), then one DSB completes the whole batch
 * (arch_tlbbatch_flush) before the pages are freed.
 *
 * Where the secondary-TLB hook runs for a reclaimed page: before 6.6
 * (range_end placement) from the bracket's invalidate_range_end, with the
 * page's range; from 6.6 inside arch_tlbbatch_add_pending, with the page's
 * range on arm64 and (0, -1UL) with policy.cpu.batch_flush=x86 (x86's
 * arch_tlbbatch_add_pending; arm64/tlbflush.c).  arch_tlbbatch_flush never
 * calls it.  Not modelled: the folio ranges of 6.15's range-based
 * arch_tlbbatch_add_pending, and kernels whose arm64 reclaim is not
 * batched (ptep_clear_flush per page).
 */
#include "hw/mem/pgtable.h"
#include "kernel/mm/internal.h"

struct reclaim_ctx {
	struct sm_os *os;
	struct sm_mm *mm;
	unsigned pe;
	uint64_t *t;
	struct sm_span sp;
	struct sm_page_list free;
	int rc;
};

/* try_to_unmap_one() for one page. */
static int reclaim_leaf(void *vctx, uint64_t va, int level, uint64_t desc,
			uint64_t desc_pa)
{
	struct reclaim_ctx *c = vctx;
	struct sm_os *os = c->os;
	struct sm_mm *mm = c->mm;
	uint64_t end = va + SM_PAGE_SIZE;
	(void)level;
	if (!(desc & PTE_VALID))
		return 0;
	uint64_t pa = desc & PTE_ADDR_MASK;
	if (pa == os->mm.zero_page)
		return 0; /* nothing to reclaim */
	/* A notifier bracket per folio; the PTE cleared; the TLBI queued
	 * without waiting (set_tlb_ubc_flush_pending ->
	 * arch_tlbbatch_add_pending), which with the 6.6 placement also
	 * calls the secondary-TLB hook, per page. */
	sm_mn_invalidate_range_start(os, mm, SM_MN_CLEAR, va, end, c->t);
	sm_physmem_write64(os->pm, desc_pa, 0);
	*c->t += os->mm.lat_pte;
	sm_span_add(&c->sp, va);
	int rc = sm_tlbbatch_add_pending(os, mm, c->pe, va, c->t);
	if (rc == 0)
		rc = sm_mn_invalidate_range_end(os, mm, va, end, false, c->t);
	if (rc < 0)
		return c->rc = rc;
	/* The page leaves memory: an anonymous page is swapped out (swap
	 * is not modelled: a later fault gets a fresh page), a file page is
	 * dropped from the page cache. */
	struct sm_vma *v = sm_find_vma(mm, va);
	if (v && v->shared) {
		uint64_t idx = v->pgoff + ((va - v->start) >> SM_PAGE_SHIFT);
		v->file->pages[idx] = 0;
	} else if (mm->rss) {
		mm->rss--;
	}
	if ((rc = sm_page_list_add(os, &c->free, pa)) < 0)
		return c->rc = rc;
	return 0;
}

int sm_os_reclaim(struct sm_os *os, uint32_t id, unsigned pe, uint64_t va,
		  uint64_t len, uint64_t *t)
{
	struct sm_mm *mm;
	uint64_t end;
	/* reclaim is the kernel's own work, not a syscall: no syscall cost */
	int rc = sm_syscall_enter(os, id, pe, va, len, 0, &mm, &end, t);
	if (rc < 0)
		return rc;
	struct reclaim_ctx c = {
	    .os = os, .mm = mm, .pe = pe, .t = t, .sp.lo = UINT64_MAX};
	/* One window over the range: each page's PTE is cleared inside it,
	 * and it closes when the batch's DSB has completed. */
	sm_mm_window_open(os, mm, va, end, *t);
	rc = sm_pgt_for_each_leaf(os->pm, mm->pgd, va, end, reclaim_leaf, &c);
	if (rc >= 0 && c.rc < 0)
		rc = c.rc;
	/* try_to_unmap_flush(): one DSB for the whole batch, then the
	 * pages may be freed. */
	if (c.sp.ptes)
		sm_tlbbatch_flush(os, pe, t);
	sm_mm_window_close(os, mm, va, end, *t);
	sm_page_list_release(os, &c.free);
	return rc < 0 ? rc : 0;
}
