/* SPDX-License-Identifier: MIT */
/*
 * Page reclaim of a range, modelled on mm/vmscan.c (shrink_folio_list) and
 * mm/rmap.c (try_to_unmap_one, should_defer_flush,
 * set_tlb_ubc_flush_pending, try_to_unmap_flush).  Each present page is
 * unmapped under its own notifier bracket; how its TLB entry goes depends on
 * whether the architecture batches reclaim (policy.cpu.reclaim_batch,
 * CONFIG_ARCH_WANT_BATCHED_UNMAP_TLB_FLUSH):
 *
 *   on  (arm64 from v6.6: "arm64: support batched/deferred tlb shootdown
 *       during page reclamation/migration", 43b3dfdd0455, v6.6-rc1): the
 *       page's TLBI is queued but not waited for (arch_tlbbatch_add_pending),
 *       then one DSB completes the whole batch (arch_tlbbatch_flush) before
 *       the pages are freed.
 *   off (arm64 6.1, 6.5: arch/arm64/Kconfig does not select it, so
 *       should_defer_flush is the stub returning false, 6.1.192):
 *       ptep_clear_flush per page, i.e. flush_tlb_page with its own DSB ISH;
 *       try_to_unmap_flush is an empty stub.
 *
 * Where the secondary-TLB hook runs for a reclaimed page:
 *   - before 6.6 (range_end placement): from the explicit
 *     mmu_notifier_invalidate_range(page) that try_to_unmap_one makes after
 *     clearing an anonymous page's PTE ("Invalidate as we cleared the pte";
 *     a file page has none), then again from the bracket's
 *     invalidate_range_end: twice per anonymous page, once per file page
 *     (mm/rmap.c and mm/mmu_notifier.c mn_hlist_invalidate_end, 6.1.192);
 *   - from 6.6 (arch_flush placement): inside arch_tlbbatch_add_pending,
 *     with the page's range on arm64 and (0, -1UL) with
 *     policy.cpu.batch_flush=x86 (x86's arch_tlbbatch_add_pending;
 *     arm64/tlbflush.c); unbatched, inside flush_tlb_page.
 *     arch_tlbbatch_flush never calls it.
 * Not modelled: the folio ranges of 6.15's range-based
 * arch_tlbbatch_add_pending, should_defer_flush's "only when another CPU
 * may cache the mm" test (a batching kernel always batches here), dirty
 * pages' try_to_unmap_flush_dirty.
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

/* The PTE is cleared: its TLB entry goes.  Batched: queued
 * (set_tlb_ubc_flush_pending -> arch_tlbbatch_add_pending).  Unbatched:
 * ptep_clear_flush -> flush_tlb_page, waited for, under the page's own
 * oracle window, which reclaim_leaf closes after the page's last SMMU
 * invalidation. */
static int unmap_flush_page(struct reclaim_ctx *c, uint64_t va)
{
	struct sm_os *os = c->os;
	if (os->tlb.reclaim_batch)
		return sm_tlbbatch_add_pending(os, c->mm, c->pe, va, c->t);
	sm_mm_window_open(os, c->mm, va, va + SM_PAGE_SIZE, *c->t);
	return sm_flush_tlb_page(os, c->mm, c->pe, va, c->t);
}

/* The page leaves memory: an anonymous page is swapped out (swap is not
 * modelled: a later fault gets a fresh page), a file page is dropped from
 * the page cache. */
static int release_page(struct reclaim_ctx *c, struct sm_vma *v, uint64_t va,
			uint64_t pa)
{
	if (v && v->shared) {
		uint64_t idx = v->pgoff + ((va - v->start) >> SM_PAGE_SHIFT);
		v->file->pages[idx] = 0;
	} else if (c->mm->rss) {
		c->mm->rss--;
	}
	return sm_page_list_add(c->os, &c->free, va, pa);
}

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
	struct sm_vma *v = sm_find_vma(mm, va);
	bool anon = !(v && v->shared);
	/* A notifier bracket per folio; the PTE cleared and its TLB entry
	 * queued or flushed; for an anonymous page the explicit pre-6.6
	 * mmu_notifier_invalidate_range(); the bracket's end. */
	sm_mn_invalidate_range_start(os, mm, SM_MN_CLEAR, va, end, c->t);
	sm_physmem_write64(os->pm, desc_pa, 0);
	*c->t += os->mm.lat_pte;
	sm_span_add(&c->sp, va);
	int rc = unmap_flush_page(c, va);
	if (rc == 0 && anon)
		rc = sm_mn_invalidate_range(os, mm, va, end, c->t);
	if (rc == 0)
		rc = sm_mn_invalidate_range_end(os, mm, va, end, false, c->t);
	if (!os->tlb.reclaim_batch)
		sm_mm_window_close(os, mm, va, end, *c->t);
	if (rc == 0)
		rc = release_page(c, v, va, pa);
	return rc < 0 ? (c->rc = rc) : 0;
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
	/* Batched: one window over the range; each page's PTE is cleared
	 * inside it, and it closes when the batch's DSB has completed.
	 * Unbatched: a window per page (unmap_flush_page). */
	bool batch = os->tlb.reclaim_batch;
	if (batch)
		sm_mm_window_open(os, mm, va, end, *t);
	rc = sm_pgt_for_each_leaf(os->pm, mm->pgd, va, end, reclaim_leaf, &c);
	if (rc >= 0 && c.rc < 0)
		rc = c.rc;
	/* try_to_unmap_flush(): one DSB for the whole batch, then the
	 * pages may be freed (an empty stub without batching). */
	if (batch && c.sp.ptes)
		sm_tlbbatch_flush(os, pe, t);
	if (batch)
		sm_mm_window_close(os, mm, va, end, *t);
	sm_page_list_release(os, &c.free, mm->pgd, *t);
	return rc < 0 ? rc : 0;
}
