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

/* What change_pte_range() needs of one VMA, worked out once for all its
 * PTEs (Linux too calls it per VMA, from change_protection() with the
 * VMA's vm_page_prot: mm/mprotect.c of 6.1; host time). */
struct prot_new {
	bool none;	    /* PROT_NONE: sm_mk_prot_none */
	bool shared;	    /* write-notify: writable only when dirty */
	uint64_t ro;	    /* sm_mk_user_pte(0, prot, false) */
	uint64_t rw;	    /* sm_mk_user_pte(0, prot, true) with VM_WRITE,
			     * else ro: what a page that may be writable
			     * gets */
	uint64_t zero_page; /* never made writable */
	unsigned perm_ro;   /* sm_pte_perm(ro) */
	unsigned perm_rw;   /* sm_pte_perm(rw) */
};

static struct prot_new prot_new_of(const struct sm_os *os,
				   const struct sm_vma *v)
{
	return (struct prot_new){
	    .none = !v->prot,
	    .shared = v->shared,
	    .ro = sm_mk_user_pte(0, v->prot, false),
	    .rw = sm_mk_user_pte(0, v->prot, v->prot & SMMUSIM_PROT_W),
	    .zero_page = os->mm.zero_page,
	    .perm_ro = sm_pte_perm(sm_mk_user_pte(0, v->prot, false)),
	    .perm_rw = sm_pte_perm(
		sm_mk_user_pte(0, v->prot, v->prot & SMMUSIM_PROT_W)),
	};
}

/* change_pte_range() for one present PTE `desc`: the new descriptor.
 * can_change_pte_writable(): an exclusive anonymous page may become
 * writable at once (VM_WRITE: n->rw); a shared page only if it is already
 * dirty (write-notify); the zero page never.  A page that stays read-only
 * keeps its dirty state in PTE_DIRTY (which a writable PTE has too). */
static inline uint64_t prot_pte(const struct prot_new *n, uint64_t desc)
{
	if (n->none)
		return sm_mk_prot_none(desc);
	uint64_t pa = desc & PTE_ADDR_MASK;
	bool dirty = sm_pte_dirty(desc);
	bool w = pa != n->zero_page && (dirty || !n->shared);
	return pa | (w ? n->rw : n->ro) | (dirty ? PTE_DIRTY : 0);
}

/* The EL0 permissions of a valid nd = prot_pte(n, desc): its AP and UXN
 * bits are those of the template it took, n->ro (PTE_RDONLY) or n->rw
 * (without PTE_RDONLY, unless n->rw is n->ro): sm_pte_perm(nd) without
 * decoding it (host time). */
static inline unsigned prot_new_perm(const struct prot_new *n, uint64_t nd)
{
	return nd & PTE_RDONLY ? n->perm_ro : n->perm_rw;
}

/* Write the changed PTE nd = prot_pte(n, desc) over desc, held in *slot
 * of its run's words, one write of the run (prot_run counts them and adds
 * their generation steps and span at its end). */
static inline void prot_write(struct prot_ctx *c, const struct prot_new *n,
			      uint64_t desc, uint64_t nd, const uint64_t *slot)
{
	if (!c->narrowed) {
		unsigned old_perm = (desc & PTE_VALID) ? sm_pte_perm(desc) : 0;
		unsigned new_perm = (nd & PTE_VALID) ? prot_new_perm(n, nd) : 0;
		c->narrowed = old_perm & ~new_perm;
	}
	sm_physmem_table_write_in_run(slot, nd);
}

/* change_pte_range() over a run of PTEs (a leaf table's part of the
 * range), in address order, a VMA at a time: the first slot finds its VMA,
 * and the slots up to that VMA's end in the run are its own.  The
 * run's words hold every write: only its own descriptors are written.
 * The writes' generation steps and span are added once, at the end of
 * the run: in it nothing walks the tables or reads the span, and its
 * slots ascend, so the first written and the last bound the span as
 * sm_span_add of each would (host time). */
static int prot_run(void *vctx, const struct sm_pgt_run *r)
{
	struct prot_ctx *c = vctx;
	/* The run's fields in locals: a PTE write could alias them, and the
	 * sweep of empty slots is most of the loop (host time). */
	const uint64_t *w = r->words, *end = r->words + r->last + 1;
	unsigned shift = sm_level_shift(r->level);
	uint64_t va0 = r->va;
	const uint64_t *first = NULL, *last = NULL;
	uint64_t writes = 0;
	for (const uint64_t *s = w + r->first; s < end;) {
		/* mprotect's range is mapped: the slot's VMA (none only
		 * for a block's base below the range, never in a user mm). */
		uint64_t va = va0 + ((uint64_t)(s - w) << shift);
		const struct sm_vma *v = sm_find_vma_from(c->mm, &c->vma, va);
		if (!v) {
			s++;
			continue;
		}
		/* The slots below the VMA's end (each maps an address in
		 * it: the same VMA a look-up would find). */
		const uint64_t *vend = end;
		if (v->end - va0 < ((uint64_t)(end - w) << shift))
			vend =
			    w + ((v->end - va0 + (1ull << shift) - 1) >> shift);
		/* mprotect_fixup() leaves a VMA whose flags do not change
		 * alone (newflags == oldflags: 6.1 mm/mprotect.c:560), and so
		 * may the model: each of its PTEs is already what
		 * prot_pte() makes of it.  (The fault paths build PTEs with
		 * sm_mk_user_pte from the VMA's prot and upgrade a
		 * read-only one to the writable template; mprotect leaves
		 * every PTE of a VMA in prot_pte's form, which it maps to
		 * itself; zap and reclaim only clear PTEs.  Host time.) */
		if (v->prot_same) {
			s = vend;
			continue;
		}
		struct prot_new n = prot_new_of(c->os, v);
		/* The present slots, 64 at a time, in ascending order: the
		 * slots the test of each would take (a write changes only
		 * its own slot, already visited). */
		unsigned lo = (unsigned)(s - w), hi = (unsigned)(vend - w);
		for (unsigned b = lo & ~3u; b < hi; b += 64) {
			uint64_t m = sm_pgt_slots_with(w, b < lo ? lo : b, hi,
						       SM_PTE_PRESENT_BITS);
			for (; m; m &= m - 1) {
				const uint64_t *p = w + b + __builtin_ctzll(m);
				uint64_t desc = *p;
				uint64_t nd = prot_pte(&n, desc);
				if (nd == desc)
					continue;
				prot_write(c, &n, desc, nd, p);
				first = first ? first : p;
				last = p;
				writes++;
			}
		}
		s = vend;
	}
	if (writes) {
		sm_physmem_table_writes_done(c->os->pm, writes);
		sm_span_add_run(&c->sp, va0 + ((uint64_t)(first - w) << shift),
				va0 + ((uint64_t)(last - w) << shift), writes);
	}
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
	 * first ending above va (the one holding va: the range is mapped). */
	struct sm_vma *first = sm_find_vma(mm, va);
	for (size_t i = first ? (size_t)(first - mm->vma)
			      : sm_vma_lower_bound(mm, va);
	     i < mm->nvma && mm->vma[i].start < end; i++)
		if (mm->vma[i].start >= va && mm->vma[i].end <= end) {
			mm->vma[i].prot_same = mm->vma[i].prot == prot;
			mm->vma[i].prot = prot;
		}

	struct prot_ctx c = {.os = os, .mm = mm, .sp.lo = UINT64_MAX};
	sm_mn_invalidate_range_start(os, mm, SM_MN_PROTECTION_VMA, va, end, t);
	rc = sm_pgt_for_each_leaf_run_path(os->pm, &mm->pte_path, mm->pgd, va,
					   end, prot_run, &c);
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
