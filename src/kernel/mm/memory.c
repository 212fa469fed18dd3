/* SPDX-License-Identifier: MIT */
/*
 * Page faults and the zapping of page ranges, modelled on mm/memory.c
 * (handle_mm_fault -> handle_pte_fault, do_anonymous_page, do_read_fault /
 * do_shared_fault, do_wp_page with wp_page_copy and wp_page_reuse,
 * zap_pte_range), mm/mmu_gather.c (the gather, flush, free order of
 * tlb_finish_mmu; tlb_flush_mmu_tlbonly of include/asm-generic/tlb.h, with
 * its pre-6.6 secondary-TLB call) and arch/arm64/mm/fault.c
 * (ptep_set_access_flags) as of v6.6.  PTE bits: arm64/pgtable.h.
 *
 * A clean page of a shared file mapping is read-only to every walker until
 * the first write fault upgrades it through ptep_set_access_flags() and
 * flush_tlb_page(): the flush the SMMU must hear about.
 *
 * Private anonymous memory: a read fault maps the shared zero page
 * read-only; a write fault allocates a page, or copies the zero page (COW,
 * through ptep_clear_flush).  There is no fork, so every other private page
 * is exclusive.
 */
#include <string.h>

#include <smmusim/error.h>

#include "base/alloc.h"
#include "base/vec.h"
#include "hw/mem/pgtable.h"
#include "kernel/arm64/pgtable.h"
#include "kernel/mm/internal.h"

/* ---- pages ---- */

int sm_alloc_page(struct sm_os *os, enum sm_page_kind kind, uint64_t *pa)
{
	int rc = sm_physmem_alloc(os->pm, kind, pa, os->eb);
	if (rc == 0 && kind == SM_PAGE_DATA)
		SM_INC(os->mm.ctr, OS_PAGES_ALLOCATED);
	return rc;
}

void sm_free_data_page(struct sm_os *os, uint64_t root, uint64_t va,
		       uint64_t pa, uint64_t t)
{
	sm_os_page_freed(os, root, va, pa, t);
	sm_physmem_free_page(os->pm, pa);
	SM_INC(os->mm.ctr, OS_PAGES_FREED);
}

int sm_page_list_spill(struct sm_os *os, struct sm_page_list *l, uint64_t va,
		       uint64_t pa)
{
	/* Past the local bundle every page is in p: the bundle's are copied
	 * there first when p is made. */
	bool spill = !l->p;
	if (SM_VEC_RESERVE(os->alloc, l->p, l->cap, l->n + 1, 64))
		return sm_err(os->eb, SMMUSIM_ENOMEM, "out of memory");
	if (spill)
		memcpy(l->p, l->local, l->n * sizeof(*l->p));
	l->p[l->n++] = (struct sm_gathered_page){va, pa};
	return 0;
}

void sm_page_list_release(struct sm_os *os, struct sm_page_list *l,
			  uint64_t root, uint64_t t)
{
	const struct sm_gathered_page *p = l->p ? l->p : l->local;
	for (size_t i = 0; i < l->n; i++)
		sm_free_data_page(os, root, p[i].va, p[i].pa, t);
	sm_free(os->alloc, l->p, l->cap * sizeof(*l->p));
	l->p = NULL;
	l->n = l->cap = 0;
}

/* ---- zapping: unmap, madvise(DONTNEED), exit ---- */

/* zap_pte_range() for one non-zero PTE, `desc` at va, held in *slot of
 * its table's words. */
static int zap_pte(struct sm_zap *z, uint64_t va, uint64_t desc,
		   const uint64_t *slot)
{
	struct sm_os *os = z->os;
	sm_physmem_table_write(os->pm, slot, 0);
	sm_span_add(&z->sp, va);
	if (!sm_pte_present(desc))
		return 0;
	uint64_t pa = desc & PTE_ADDR_MASK;
	struct sm_vma *v = sm_find_vma_from(z->mm, &z->vma, va);
	/* Private pages are freed once the TLBs are flushed; shared pages
	 * stay in their file's page cache; the zero page is never freed. */
	if (pa == os->mm.zero_page || (v && v->shared))
		return 0;
	if ((z->rc = sm_page_list_add(os, &z->free, va, pa)) < 0)
		return z->rc;
	return 0;
}

/* zap_pte_range() over a run of PTEs, in address order: each non-zero
 * one is cleared (only the run's own descriptors are written), visited 64
 * slots at a time as prot_run does (mprotect.c): the non-zero slots in
 * ascending order, the ones the test of each would take (a write changes
 * only its own slot, already visited). */
static int zap_run(void *vctx, const struct sm_pgt_run *r)
{
	/* The run's fields in locals, as prot_run (mprotect.c). */
	const uint64_t *w = r->words;
	uint64_t size = sm_level_size(r->level), va0 = r->va;
	unsigned lo = r->first, hi = r->last + 1;
	for (unsigned b = lo & ~3u; b < hi; b += 64) {
		uint64_t m = sm_pgt_slots_with(w, b < lo ? lo : b, hi, ~0ull);
		for (; m; m &= m - 1) {
			unsigned i = b + (unsigned)__builtin_ctzll(m);
			int rc = zap_pte(vctx, va0 + i * size, w[i], w + i);
			if (rc)
				return rc;
		}
	}
	return 0;
}

int sm_zap_range(struct sm_os *os, struct sm_mm *mm, uint64_t start,
		 uint64_t end, struct sm_zap *z, uint64_t *t)
{
	*z = (struct sm_zap){.os = os, .mm = mm, .sp.lo = UINT64_MAX};
	int rc = sm_pgt_for_each_leaf_run_path(os->pm, &mm->pte_path, mm->pgd,
					       start, end, zap_run, z);
	*t += z->sp.ptes * os->mm.lat_pte;
	return rc < 0 ? rc : z->rc;
}

void sm_zap_finish(struct sm_os *os, struct sm_zap *z, uint64_t t)
{
	if (z->mm->rss >= z->free.n)
		z->mm->rss -= z->free.n;
	sm_page_list_release(os, &z->free, z->mm->pgd, t);
}

/* tlb_flush_mmu_tlbonly() (include/asm-generic/tlb.h) of an mmu_gather
 * over the changed PTEs [lo, hi): the CPU flush, last level only (tlb_flush
 * -> __flush_tlb_range with level 3), then, before 6.6, the secondary-TLB
 * hook over the same range (mmu_notifier_invalidate_range, removed by
 * 6bbd42e2df8f in v6.6-rc1). */
int sm_tlb_flush_mmu_tlbonly(struct sm_os *os, struct sm_mm *mm, unsigned pe,
			     uint64_t lo, uint64_t hi, uint64_t *t)
{
	int rc = sm_flush_tlb_range_ex(os, mm, pe, lo, hi, true, 3, t);
	return rc < 0 ? rc : sm_mn_tlb_flush_mmu_tlbonly(os, mm, lo, hi, t);
}

/* Notify the range start, clear the PTEs (the oracle's window opens),
 * notify the end, then tlb_finish_mmu flushes what was cleared, last level
 * only (page-table pages are not freed before exit in this model), the
 * window closes, and the pages are freed: tlb_flush_mmu frees the batch
 * (tlb_flush_mmu_free -> tlb_batch_pages_flush) only after
 * tlb_flush_mmu_tlbonly, whose flush reaches the secondary TLBs (6.1
 * mm/mmu_gather.c:259, 6.12 :371).  The bug switch
 * policy.mm.free_before_secondary_flush frees the batch as soon as the PTEs
 * are cleared instead, before any of those invalidations. */
int sm_zap_and_flush(struct sm_os *os, struct sm_mm *mm, unsigned pe,
		     enum sm_mn_event ev, uint64_t start, uint64_t end,
		     uint64_t *t)
{
	struct sm_zap z;
	sm_mn_invalidate_range_start(os, mm, ev, start, end, t);
	int rc = sm_zap_range(os, mm, start, end, &z, t);
	if (rc == 0 && z.sp.ptes)
		sm_mm_window_open(os, mm, z.sp.lo, z.sp.hi, *t);
	if (rc == 0 && os->mm.free_before_secondary_flush)
		sm_zap_finish(os, &z, *t); /* the bug: freed too early */
	if (rc == 0)
		rc = sm_mn_invalidate_range_end(os, mm, start, end, false, t);
	if (rc == 0 && z.sp.ptes)
		rc = sm_tlb_flush_mmu_tlbonly(os, mm, pe, z.sp.lo, z.sp.hi, t);
	if (rc == 0 && z.sp.ptes)
		sm_mm_window_close(os, mm, z.sp.lo, z.sp.hi, *t);
	sm_zap_finish(os, &z, *t);
	return rc;
}

/* ---- page faults ---- */

/* ptep_set_access_flags() (arch/arm64/mm/fault.c): only ever relaxes
 * RDONLY/AF/WRITE/DIRTY; if the PTE changed and `dirty`, flush_tlb_page()
 * "to invalidate a stale read-only entry".  Returns whether it changed. */
static int ptep_set_access_flags(struct sm_os *os, struct sm_mm *mm,
				 unsigned pe, uint64_t va, uint64_t desc_pa,
				 uint64_t old, uint64_t entry, bool dirty,
				 bool *changed, uint64_t *t)
{
	uint64_t nv = old | (entry & (PTE_AF | PTE_WRITE | PTE_DIRTY));
	if (!(entry & PTE_RDONLY))
		nv &= ~PTE_RDONLY;
	*changed = nv != old;
	if (!*changed)
		return 0;
	sm_physmem_write64(os->pm, desc_pa, nv);
	*t += os->mm.lat_pte;
	if (dirty)
		return sm_flush_tlb_page(os, mm, pe, va, t);
	return 0;
}

/* Where handle_pte_fault found the PTE (sm_pgt_get_slot): its level, its
 * address (0: no slot) and its word in the table's words (NULL: none). */
struct pte_at {
	int level;
	uint64_t desc_pa;
	const uint64_t *slot;
};

/* Write the new PTE of an empty slot, as sm_pgt_set(level 3) would.  Host
 * time: when the walk found the level-3 slot, every table down to it
 * exists and the PTE (a page descriptor, its OA aligned) is written there
 * at once, as sm_pgt_set would after walking again; otherwise (a table to
 * allocate, a block above) sm_pgt_set does it all. */
static int set_pte(struct sm_os *os, struct sm_mm *mm, uint64_t page,
		   const struct pte_at *at, uint64_t desc)
{
	if (at->level != 3 || !at->desc_pa)
		return sm_pgt_set(os->pm, mm->pgd, page, 3, desc, NULL, os->eb);
	if (at->slot)
		sm_physmem_table_write(os->pm, at->slot, desc);
	else
		sm_physmem_write64(os->pm, at->desc_pa, desc);
	return 0;
}

/* do_anonymous_page / do_read_fault / do_shared_fault: an empty PTE
 * becomes valid; nothing to flush (no agent caches an invalid entry in this
 * slice). */
static int do_pte_missing(struct sm_os *os, struct sm_mm *mm, struct sm_vma *v,
			  uint64_t page, const struct pte_at *at, bool write,
			  bool *ok, uint64_t *t)
{
	uint64_t pa;
	int rc;
	if (v->shared) {
		uint64_t idx = v->pgoff + ((page - v->start) >> SM_PAGE_SHIFT);
		if (!v->file->pages[idx] &&
		    (rc = sm_alloc_page(os, SM_PAGE_DATA,
					&v->file->pages[idx])) < 0)
			return rc;
		pa = v->file->pages[idx];
	} else if (!write) {
		pa = os->mm.zero_page;
	} else {
		if ((rc = sm_alloc_page(os, SM_PAGE_DATA, &pa)) < 0)
			return rc;
		mm->rss++;
	}
	rc = set_pte(os, mm, page, at, sm_mk_user_pte(pa, v->prot, write));
	*t += os->mm.lat_pte;
	*ok = rc == 0;
	return rc;
}

/* wp_page_copy(): COW of the zero page, through ptep_clear_flush_notify
 * (clear, flush, notify), then the new page's PTE. */
static int wp_page_copy(struct sm_os *os, struct sm_mm *mm, struct sm_vma *v,
			unsigned pe, uint64_t page, uint64_t desc_pa, bool *ok,
			uint64_t *t)
{
	uint64_t npa, end = page + SM_PAGE_SIZE;
	SM_INC(os->mm.ctr, OS_FAULTS_COW);
	int rc = sm_alloc_page(os, SM_PAGE_DATA, &npa);
	if (rc < 0)
		return rc;
	mm->rss++;
	sm_mn_invalidate_range_start(os, mm, SM_MN_CLEAR, page, end, t);
	sm_physmem_write64(os->pm, desc_pa, 0);
	*t += os->mm.lat_pte;
	sm_mm_window_open(os, mm, page, end, *t);
	rc = sm_flush_tlb_page(os, mm, pe, page, t);
	if (rc == 0)
		rc = sm_mn_clear_flush_notify(os, mm, page, end, t);
	sm_mm_window_close(os, mm, page, end, *t);
	if (rc == 0) {
		sm_physmem_write64(os->pm, desc_pa,
				   sm_mk_user_pte(npa, v->prot, true));
		*t += os->mm.lat_pte;
		rc = sm_mn_invalidate_range_end(os, mm, page, end, true, t);
	}
	*ok = rc == 0;
	return rc;
}

/* do_wp_page: a write to a present, hardware read-only PTE. */
static int do_wp_page(struct sm_os *os, struct sm_mm *mm, struct sm_vma *v,
		      unsigned pe, uint64_t page, uint64_t desc,
		      uint64_t desc_pa, bool *ok, uint64_t *t)
{
	uint64_t pa = desc & PTE_ADDR_MASK;
	if (!v->shared && pa == os->mm.zero_page)
		return wp_page_copy(os, mm, v, pe, page, desc_pa, ok, t);
	/* wp_page_reuse() (exclusive anonymous page, or a shared page after
	 * page_mkwrite): make it writable and dirty. */
	bool changed;
	SM_INC(os->mm.ctr, OS_FAULTS_UPGRADE);
	uint64_t entry = desc | PTE_AF | PTE_WRITE | PTE_DIRTY;
	entry &= ~PTE_RDONLY;
	int rc = ptep_set_access_flags(os, mm, pe, page, desc_pa, desc, entry,
				       true, &changed, t);
	*ok = rc == 0;
	return rc;
}

/* The PTE already allows the access: a spurious fault (a stale TLB entry
 * somewhere).  handle_pte_fault() marks it young (and dirty for a write)
 * through ptep_set_access_flags(); when nothing changes it does nothing
 * more, because arm64's flush_tlb_fix_spurious_fault() is empty. */
static int spurious_fault(struct sm_os *os, struct sm_mm *mm, unsigned pe,
			  uint64_t page, uint64_t desc, uint64_t desc_pa,
			  bool write, bool *ok, uint64_t *t)
{
	bool changed;
	SM_INC(os->mm.ctr, OS_FAULTS_SPURIOUS);
	uint64_t entry = desc | PTE_AF;
	if (write)
		entry |= PTE_DIRTY;
	int rc = ptep_set_access_flags(os, mm, pe, page, desc_pa, desc, entry,
				       write, &changed, t);
	*ok = rc == 0;
	return rc;
}

static int handle_pte_fault(struct sm_os *os, struct sm_mm *mm,
			    struct sm_vma *v, unsigned pe, uint64_t page,
			    bool write, bool *ok, uint64_t *t)
{
	struct pte_at at;
	uint64_t desc = sm_pgt_get_path(os->pm, &mm->pte_path, mm->pgd, page,
					&at.level, &at.desc_pa, &at.slot);
	uint64_t desc_pa = at.desc_pa;
	if (!sm_pte_present(desc) || !desc_pa)
		return do_pte_missing(os, mm, v, page, &at, write, ok, t);
	if (write && !sm_pte_hw_writable(desc))
		return do_wp_page(os, mm, v, pe, page, desc, desc_pa, ok, t);
	return spurious_fault(os, mm, pe, page, desc, desc_pa, write, ok, t);
}

int sm_os_handle_mm_fault(struct sm_os *os, struct sm_mm *mm, unsigned pe,
			  uint64_t va, enum smmusim_access acc, bool remote,
			  bool *ok, uint64_t *t)
{
	uint64_t t0 = *t;
	bool write = acc == SMMUSIM_ACC_WRITE;
	/* An instruction fetch needs VM_EXEC; a fetch from a mapping without
	 * it is a SIGSEGV at once, never a "spurious" fault. */
	unsigned need = acc == SMMUSIM_ACC_EXEC ? SMMUSIM_PROT_X
			: write			? SMMUSIM_PROT_W
						: SMMUSIM_PROT_R;
	int rc = 0;

	os->mm.ctr[remote ? SM_STAT_OS_FAULTS_DEVICE : SM_STAT_OS_FAULTS_CPU]++;
	*t += os->mm.lat_fault;
	*ok = false;
	struct sm_vma *v = mm && mm->live ? sm_find_vma(mm, va) : NULL;
	if (!v || !(v->prot & need))
		SM_INC(os->mm.ctr, OS_FAULTS_UNRESOLVED);
	else
		rc = handle_pte_fault(os, mm, v, pe, va & SM_PAGE_MASK, write,
				      ok, t);
	SM_HIST_REC(os->mm.hist, OS_FAULT_LATENCY, *t - t0);
	return rc;
}
