/* SPDX-License-Identifier: MIT */
/*
 * What the files of mm/ share and nobody else needs, as Linux's
 * mm/internal.h: VMA lookup and splitting, the checks every range syscall
 * starts with, page allocation counted as the kernel counts it, and the
 * mmu_gather sequence (zap the PTEs, flush, then free the pages) that
 * munmap, madvise(MADV_DONTNEED) and exit share.
 */
#ifndef SM_KERNEL_MM_INTERNAL_H
#define SM_KERNEL_MM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/vmsa.h"
#include "hw/mem/physmem.h"
#include "kernel/kernel.h"

#define SM_USER_VA_END (1ull << SM_VA_BITS)

/* ---- mmap.c: VMAs and syscall entry ---- */

/* sm_find_vma's search when its cache slot *slot does not hold va: the
 * binary search, its index kept in *slot. */
struct sm_vma *sm_find_vma_search(struct sm_mm *mm, uint64_t va,
				  uint32_t *slot);
/* find_vma, but only a VMA that contains va.  Host time: the VMA found
 * last in va's 64 KiB slot is tried first, as Linux's per-thread vmacache
 * did (mm/vmacache.c, vmacache_find, hashed by address; removed in 6.1
 * with the maple tree).  The VMAs are sorted and disjoint, so a VMA that
 * holds va is the one the search finds: a slot is trusted only when its
 * index is in range and its VMA holds va, and a VMA change (an insert or
 * removal moves the indices) needs no invalidation. */
static inline unsigned sm_vma_cache_slot(uint64_t va)
{
	return (va >> SM_VMA_CACHE_SHIFT) & (SM_VMA_CACHE_SLOTS - 1);
}

static inline struct sm_vma *sm_find_vma(struct sm_mm *mm, uint64_t va)
{
	uint32_t *slot = &mm->vma_cache[sm_vma_cache_slot(va)];
	if (*slot < mm->nvma) {
		struct sm_vma *v = &mm->vma[*slot];
		if (v->start <= va && va < v->end)
			return v;
	}
	return sm_find_vma_search(mm, va, slot);
}
/* sm_find_vma for a walk over PTEs in address order that changes no VMA:
 * *last (the VMA the walk found last, NULL at first) when it holds va, else
 * the VMA after it when that one does (the VMAs are sorted and disjoint:
 * the one the search would find), else the search; kept in *last (host
 * time: most PTEs are in the VMA of the one before, most others in the
 * next). */
static inline struct sm_vma *sm_find_vma_from(struct sm_mm *mm,
					      struct sm_vma **last, uint64_t va)
{
	struct sm_vma *v = *last;
	if (v && va >= v->start && va < v->end)
		return v;
	if (v && v + 1 < mm->vma + mm->nvma && va >= v[1].start &&
	    va < v[1].end)
		return *last = v + 1;
	return *last = sm_find_vma(mm, va);
}
/* The index of the first VMA ending above va (mm->nvma if none). */
size_t sm_vma_lower_bound(const struct sm_mm *mm, uint64_t va);
/* Make `addr` a VMA boundary (split_vma). */
int sm_split_vma(struct sm_os *os, struct sm_mm *mm, uint64_t addr);
/* How a range syscall enters (sm_syscall_enter's flags). */
enum {
	SM_SYS_MAPPED = 1u << 0, /* every page must be mapped (mprotect,
				  * madvise: ENOMEM otherwise) */
	SM_SYS_COST = 1u << 1,	 /* charge the syscall's fixed cost to *t */
};

/* The checks every range syscall starts with: mm `id` exists, `pe` is a
 * PE, [va, va + len) is a page-aligned user range ending at *end; then what
 * `flags` ask for, in that order.  Nothing is charged when a check fails. */
int sm_syscall_enter(struct sm_os *os, uint32_t id, unsigned pe, uint64_t va,
		     uint64_t len, unsigned flags, struct sm_mm **mm,
		     uint64_t *end, uint64_t *t);
/* A syscall's fixed cost. */
void sm_syscall_cost(struct sm_os *os, uint64_t *t);
/* The whole range must be mapped: mprotect and madvise return ENOMEM
 * otherwise. */
int sm_need_mapped(struct sm_os *os, struct sm_mm *mm, uint64_t va,
		   uint64_t end);

/* ---- memory.c: pages, zapping, mmu_gather ---- */

int sm_alloc_page(struct sm_os *os, enum sm_page_kind kind, uint64_t *pa);
/* Free data page `pa`, last mapped at `va` of the table at `root` (0: not
 * known, as for a file's page-cache pages), at cycle t; the oracle hears of
 * it (sm_os_page_freed). */
void sm_free_data_page(struct sm_os *os, uint64_t root, uint64_t va,
		       uint64_t pa, uint64_t t);

/* Pages to free once the TLBs no longer hold them (mmu_gather's batch,
 * reclaim's free list), with the address each was mapped at, in the order
 * they were added.  The first SM_GATHER_BUNDLE are kept in the list itself
 * (p NULL), as struct mmu_gather keeps its first batch, `local` with
 * MMU_GATHER_BUNDLE (8) pages, and allocates more only when it fills
 * (tlb_next_batch, include/asm-generic/tlb.h and mm/mmu_gather.c); then
 * all of them are in p (host time: most zaps free a few pages).  Zeroed:
 * empty. */
#define SM_GATHER_BUNDLE 8
struct sm_page_list {
	struct sm_gathered_page {
		uint64_t va, pa;
	} * p, local[SM_GATHER_BUNDLE];
	size_t n, cap;
};
int sm_page_list_spill(struct sm_os *os, struct sm_page_list *l, uint64_t va,
		       uint64_t pa);
/* Add the page mapped at va, in the local bundle while it has room (inline:
 * once per page zapped, host time), else through sm_page_list_spill. */
static inline int sm_page_list_add(struct sm_os *os, struct sm_page_list *l,
				   uint64_t va, uint64_t pa)
{
	if (l->p || l->n == SM_GATHER_BUNDLE)
		return sm_page_list_spill(os, l, va, pa);
	l->local[l->n++] = (struct sm_gathered_page){va, pa};
	return 0;
}
/* Free every page of the list (mapped in the table at `root`) at cycle t,
 * and the list. */
void sm_page_list_release(struct sm_os *os, struct sm_page_list *l,
			  uint64_t root, uint64_t t);

/* The span [lo, hi) of PTEs an operation changed: what mmu_gather flushes.
 * Start with lo = UINT64_MAX. */
struct sm_span {
	uint64_t lo, hi, ptes;
};

static inline void sm_span_add(struct sm_span *sp, uint64_t va)
{
	if (va < sp->lo)
		sp->lo = va;
	if (va + SM_PAGE_SIZE > sp->hi)
		sp->hi = va + SM_PAGE_SIZE;
	sp->ptes++;
}
/* sm_span_add of n (> 0) addresses in ascending order, from lo_va to
 * hi_va, at once. */
static inline void sm_span_add_run(struct sm_span *sp, uint64_t lo_va,
				   uint64_t hi_va, uint64_t n)
{
	if (lo_va < sp->lo)
		sp->lo = lo_va;
	if (hi_va + SM_PAGE_SIZE > sp->hi)
		sp->hi = hi_va + SM_PAGE_SIZE;
	sp->ptes += n;
}

/* One zap of a range: the PTEs it cleared, the pages it will free. */
struct sm_zap {
	struct sm_os *os;
	struct sm_mm *mm;
	struct sm_page_list free;
	struct sm_span sp;  /* cleared PTEs */
	struct sm_vma *vma; /* of the last present PTE (NULL: none) */
	int rc;
};

/* An mmu_gather's flush of the changed PTEs [lo, hi) (memory.c). */
int sm_tlb_flush_mmu_tlbonly(struct sm_os *os, struct sm_mm *mm, unsigned pe,
			     uint64_t lo, uint64_t hi, uint64_t *t);

/* zap_page_range over [start, end): clears the PTEs; the caller flushes,
 * then sm_zap_finish() frees the pages. */
int sm_zap_range(struct sm_os *os, struct sm_mm *mm, uint64_t start,
		 uint64_t end, struct sm_zap *z, uint64_t *t);
void sm_zap_finish(struct sm_os *os, struct sm_zap *z, uint64_t t);
/* The mmu_gather sequence of munmap and madvise(MADV_DONTNEED). */
int sm_zap_and_flush(struct sm_os *os, struct sm_mm *mm, unsigned pe,
		     enum sm_mn_event ev, uint64_t start, uint64_t end,
		     uint64_t *t);

/* The oracle's window over [start, end) of mm's page table. */
static inline void sm_mm_window_open(struct sm_os *os, struct sm_mm *mm,
				     uint64_t start, uint64_t end, uint64_t t)
{
	sm_os_window_open(os, mm->pgd, start, end, t);
}

static inline void sm_mm_window_close(struct sm_os *os, struct sm_mm *mm,
				      uint64_t start, uint64_t end, uint64_t t)
{
	sm_os_window_close(os, mm->pgd, start, end, t);
}

#endif
