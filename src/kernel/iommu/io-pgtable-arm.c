/* SPDX-License-Identifier: MIT */
/*
 * iommu_map / iommu_unmap of a DMA domain, modelled on drivers/iommu/
 * iommu.c (iommu_map, iommu_unmap, iommu_pgsize) and drivers/iommu/
 * io-pgtable-arm.c (arm_lpae_map, arm_lpae_prot_to_pte, arm_lpae_unmap) as
 * of v6.6, over the domain's own LPAE table in simulated memory (the same
 * descriptor format as the CPU's; one walker reads both).
 *
 * Stage-1 leaves are user pages (nG, AP[1], RDONLY for read-only); stage-2
 * leaves carry HAP and XN.  Unmapping clears the leaves and leaves the IOTLB
 * invalidation to the caller: in this model a trace's own commands, as an
 * imported log carries them.  The unmapped range stays in the oracle's
 * window until the next CMD_SYNC completes (arm-smmu-v3-cmdq.c).
 *
 * Who owns the pages: with Linux's DMA API the caller does (iommu_unmap
 * never frees what it maps; dma_free_* or the caller frees after the
 * unmap's iotlb_sync).  A map with pa=0 has no caller to own them, so the
 * model does: such a leaf carries SM_IOPTE_FRESH, and its page is freed
 * when the leaf is unmapped and the CMD_SYNC that closes the unmap's window
 * has completed (sm_drv_dma_frame_defer), never before: a page freed while
 * the IOTLB may still hold it is the use-after-free the oracle looks for.
 * Pages given by pa= are never freed here.
 */
#include <inttypes.h>

#include <smmusim/error.h>

#include "hw/mem/pgtable.h"
#include "kernel/iommu/arm-smmu-v3/internal.h"

/* A software bit of the leaf (Arm ARM D8.3: descriptor bits [58:55] are
 * reserved for software use, in stage-1 and stage-2 descriptors alike,
 * and ignored by the walk): the model allocated this leaf's page (pa=0)
 * and frees it after the unmap's CMD_SYNC. */
#define SM_IOPTE_FRESH (1ull << 55)

static int check_iova(struct sm_os *os, uint64_t va, uint64_t len,
		      uint64_t *end)
{
	if (va & (SM_PAGE_SIZE - 1))
		return sm_err(os->eb, SMMUSIM_EINVAL,
			      "va=0x%" PRIx64 " is not page aligned (4K)", va);
	uint64_t n = (len + SM_PAGE_SIZE - 1) & SM_PAGE_MASK;
	if (!len || n < len || va + n < va || va + n > (1ull << SM_VA_BITS))
		return sm_err(os->eb, SMMUSIM_ERANGE,
			      "[0x%" PRIx64 ", +0x%" PRIx64
			      ") is not a non-empty range below 2^48",
			      va, len);
	*end = va + n;
	return 0;
}

/* What iommu_map and io-pgtable refuse before touching the table. */
static int check_map(struct sm_os *os, const struct sm_domain *dm, uint64_t va,
		     uint64_t end, uint64_t pa, unsigned prot)
{
	if (pa & (SM_PAGE_SIZE - 1))
		return sm_err(os->eb, SMMUSIM_EINVAL,
			      "pa=0x%" PRIx64 " is not page aligned", pa);
	/* RAM or device memory (an imported log maps the GIC's MSI frame);
	 * only the 48-bit physical address space bounds it. */
	if (pa && (pa >= (1ull << 48) || end - va > (1ull << 48) - pa))
		return sm_err(os->eb, SMMUSIM_ERANGE,
			      "pa=0x%" PRIx64 " is beyond the 48-bit physical "
			      "address space",
			      pa);
	if (dm->stage == 1 && !(prot & SMMUSIM_PROT_R))
		return sm_err(
		    os->eb, SMMUSIM_EINVAL,
		    "prot must include r (io-pgtable has no write-only "
		    "stage-1 mapping)");
	if (dm->stage == 2 && !(prot & (SMMUSIM_PROT_R | SMMUSIM_PROT_W)))
		return sm_err(os->eb, SMMUSIM_EINVAL,
			      "prot must include r or w");
	return 0;
}

/* iommu_pgsize(): stage 2 with a given pa takes a 1 GiB or 2 MiB block
 * where va, pa and the remaining length allow, so that a VMM's identity map
 * of guest RAM stays small; everything else maps a leaf per page. */
static int map_level(const struct sm_domain *dm, uint64_t a, uint64_t va,
		     uint64_t end, uint64_t pa)
{
	int level = 3;
	if (dm->stage == 2 && pa) {
		uint64_t p = pa + (a - va);
		for (int l = 1; l <= 2 && level == 3; l++) {
			uint64_t sz = sm_level_size(l);
			if (!((a | p) & (sz - 1)) && end - a >= sz)
				level = l;
		}
	}
	return level;
}

/* The descriptors a map of [va, end) writes, a leaf per page or a block,
 * are bounded by sim.max_event_pages before any is written (counting
 * stops past the bound, so the count itself is bounded too). */
static int check_map_work(struct sm_os *os, const struct sm_domain *dm,
			  uint64_t va, uint64_t len, uint64_t end, uint64_t pa)
{
	uint64_t max = os->mm.max_event_pages, n = 0;
	if (dm->stage != 2 || !pa) /* a leaf per page (map_level) */
		n = (end - va) >> SM_PAGE_SHIFT;
	else
		for (uint64_t a = va; a < end && n <= max; n++)
			a += sm_level_size(map_level(dm, a, va, end, pa));
	if (n > max)
		return sm_err(os->eb, SMMUSIM_ERANGE,
			      "len=0x%" PRIx64 " needs more than %" PRIu64
			      " descriptors; one event may write 1..%" PRIu64
			      " (sim.max_event_pages)",
			      len, max, max);
	return 0;
}

/*
 * The slot that maps va (< 2^48) in the table at root, as sm_pgt_get
 * finds it (__arm_lpae_map / __arm_lpae_unmap descend the same way): down
 * through table descriptors to the first that is not one, whose level,
 * address and value it gives; 0 with *desc_pa = 0 when there is no slot (a
 * root, or a table descriptor's output, that is not a table page; *level
 * is then that descriptor's).  *slot is the word in its table's words
 * (NULL when they read as zero), for a write without a second look-up of
 * the frame (sm_physmem_table_write).
 *
 * Host time: through the path of the last walk that reached a leaf table
 * (sm_pgt_get_path), so that the next one in the same 2 MiB region of the
 * same table, the common case of DMA maps and unmaps, only checks that the
 * path still holds instead of looking the frames up again.
 */
static inline __attribute__((always_inline)) uint64_t
iopte_slot(struct sm_os *os, uint64_t root, uint64_t va, int *level,
	   uint64_t *desc_pa, const uint64_t **slot)
{
	return sm_pgt_get_path(os->pm, &os->drv.iopte_path, root, va, level,
			       desc_pa, slot);
}

/* arm_lpae_prot_to_pte() and the leaf's type for `level`. */
static uint64_t prot_to_pte(const struct sm_domain *dm, uint64_t page,
			    int level, unsigned prot)
{
	uint64_t desc = (page & PTE_ADDR_MASK) | PTE_AF | PTE_SHARED |
			(level == 3 ? PTE_TYPE_PAGE : PMD_TYPE_SECT);
	if (dm->stage == 2) {
		/* ARM_LPAE_PTE_HAP_READ / _WRITE, and XN: devices do not
		 * fetch instructions. */
		desc |= PTE_S2_XN;
		if (prot & SMMUSIM_PROT_R)
			desc |= PTE_S2_HAP_READ;
		if (prot & SMMUSIM_PROT_W)
			desc |= PTE_S2_HAP_WRITE;
	} else {
		desc |= PTE_USER | PTE_NG | PTE_PXN | PTE_UXN;
		if (!(prot & SMMUSIM_PROT_W))
			desc |= PTE_RDONLY;
	}
	return desc;
}

/* Write a leaf as sm_pgt_set does.  A page whose tables all exist (the
 * common case: the leaf table of a 2 MiB region is made by its first map)
 * is written in its slot, found by one look-up per level (host time):
 * sm_pgt_set would find the same slot, the descriptor being a page's with
 * its OA aligned (prot_to_pte) and va below 2^48 (check_iova).  Anything
 * else (a table to allocate, a block, an error) is sm_pgt_set's.
 *
 * *next is the slot of the page after va when it is in the same leaf
 * table and this one was written through its slot, else NULL: what
 * iopte_slot would find for it while only leaves are written, as a map
 * does between two pages (host time: a map of several pages walks from
 * the root once per leaf table).  A non-NULL *next on entry is va's. */
static int set_leaf(struct sm_os *os, const struct sm_domain *dm, uint64_t va,
		    int level, uint64_t desc, const uint64_t **next)
{
	uint64_t desc_pa = 0;
	const uint64_t *slot = *next;
	int at = 3;
	*next = NULL;
	if (level == 3) {
		if (!slot)
			iopte_slot(os, dm->pgd, va, &at, &desc_pa, &slot);
		if (at == 3 && slot) {
			sm_physmem_table_write(os->pm, slot, desc);
			if (sm_level_index(va, 3) != SM_PAGE_SIZE / 8 - 1)
				*next = slot + 1;
			return 0;
		}
		if (at == 3 && desc_pa) {
			sm_physmem_write64(os->pm, desc_pa, desc);
			return 0;
		}
	}
	return sm_pgt_set(os->pm, dm->pgd, va, level, desc, NULL, os->eb);
}

int sm_drv_iommu_map(struct sm_os *os, uint32_t dom, uint64_t va, uint64_t len,
		     uint64_t pa, unsigned prot, uint64_t *t)
{
	struct sm_domain *dm;
	int rc = sm_drv_need_domain(os, dom, &dm);
	return rc < 0 ? rc
		      : sm_io_pgtable_map(os, dm, dom, va, len, pa, prot, t);
}

int sm_io_pgtable_map(struct sm_os *os, const struct sm_domain *dm,
		      uint32_t dom, uint64_t va, uint64_t len, uint64_t pa,
		      unsigned prot, uint64_t *t)
{
	uint64_t end = 0;
	int rc;
	if ((rc = check_iova(os, va, len, &end)) < 0 ||
	    (rc = check_map(os, dm, va, end, pa, prot)) < 0 ||
	    (rc = check_map_work(os, dm, va, len, end, pa)) < 0)
		return rc;
	SM_INC(os->drv.ctr, OS_IOMMU_MAP);
	/* arm_lpae_map: existing leaves are replaced (an import rebuilds
	 * mappings as the walker saw them). */
	const uint64_t *next = NULL;
	for (uint64_t a = va; a < end;) {
		int level = map_level(dm, a, va, end, pa);
		uint64_t page = pa ? pa + (a - va) : 0;
		if (!page && (rc = sm_physmem_alloc(os->pm, SM_PAGE_DATA, &page,
						    os->eb)) < 0)
			return rc;
		rc = set_leaf(os, dm, a, level,
			      prot_to_pte(dm, page, level, prot) |
				  (pa ? 0 : SM_IOPTE_FRESH),
			      &next);
		if (rc == SMMUSIM_EEXIST)
			/* Leaves are replaced; a leaf at another level is
			 * not (io-pgtable would return -EEXIST too). */
			return sm_err(
			    os->eb, rc,
			    "[0x%" PRIx64 ", 0x%" PRIx64 ") of dom=%" PRIu32
			    " overlaps a mapping of another size (%s); "
			    "iommu_unmap it first",
			    a, a + sm_level_size(level), dom,
			    level == 3
				? "a 2 MiB or 1 GiB block covers it"
				: "a table for smaller mappings is there");
		if (rc < 0)
			return rc;
		*t += os->mm.lat_pte;
		a += sm_level_size(level);
	}
	return 0;
}

/* An unmap walks only the tables that exist (sm_pgt_for_each_leaf), so
 * its work is bounded by what earlier maps wrote, whatever its length. */

/* The slot that maps one address, as sm_pgt_get finds it: a leaf, an empty
 * or invalid slot, or nothing (no table down to it); base is the address
 * its level's descriptor maps from, as sm_pgt_for_each_leaf passes it. */
struct edge_slot {
	uint64_t base, desc, desc_pa;
	const uint64_t *slot; /* iopte_slot's: the word in its table */
	int level;
};

struct unmap_walk {
	struct sm_os *os;
	uint64_t va, end;    /* the range asked */
	struct edge_slot lo; /* the slot mapping va */
	uint64_t cleared;    /* leaves cleared */
	int rc;		     /* clear: an error deferring a page's free */
};

static inline __attribute__((always_inline)) void
edge_slot(struct sm_os *os, uint64_t root, uint64_t va, struct edge_slot *e)
{
	e->desc = iopte_slot(os, root, va, &e->level, &e->desc_pa, &e->slot);
	e->base = va & ~(sm_level_size(e->level) - 1);
}

/* A valid block must lie wholly inside the range. */
static bool partly_covered(const struct unmap_walk *w,
			   const struct edge_slot *e)
{
	return e->level < 3 && (e->desc & PTE_VALID) &&
	       (e->base < w->va || w->end - e->base < sm_level_size(e->level));
}

static int unmap_clear_leaf(void *ctx, uint64_t va, int level, uint64_t desc,
			    uint64_t desc_pa)
{
	struct unmap_walk *w = ctx;
	(void)va;
	(void)level;
	if (!(desc & PTE_VALID))
		return 0;
	sm_physmem_write64(w->os->pm, desc_pa, 0);
	w->cleared++;
	if (desc & SM_IOPTE_FRESH)
		w->rc = sm_drv_dma_frame_defer(w->os, desc & PTE_ADDR_MASK);
	return w->rc < 0;
}

/* The first step of both unmaps: the domain, the IOVA range checked, and
 * a block unmapped whole or not at all (io-pgtable would split it,
 * arm_lpae_split_blk_unmap, which is not modelled).  A block the range
 * covers only in part holds one of its two ends, so only the slots of va
 * and end - 1 are looked at, va's first (the lower block is the one
 * named).  *w is ready for the walk that clears the leaves. */
/* A block the range unmaps in part: the error, out of line (host time). */
__attribute__((noinline, cold)) static int
unmap_split_err(struct sm_os *os, uint64_t va, uint64_t end,
		const struct edge_slot *bad)
{
	return sm_err(os->eb, SMMUSIM_EINVAL,
		      "[0x%" PRIx64 ", 0x%" PRIx64
		      ") unmaps part of the %s block at 0x%" PRIx64
		      " (splitting blocks is not modelled)",
		      va, end, bad->level == 1 ? "1 GiB" : "2 MiB", bad->base);
}

/* Inline in its two callers, once per unmap (host time). */
static inline __attribute__((always_inline)) int
unmap_prepare(struct sm_os *os, const struct sm_domain *dm, uint64_t va,
	      uint64_t len, struct unmap_walk *w)
{
	uint64_t end = 0;
	int rc;
	if ((rc = check_iova(os, va, len, &end)) < 0)
		return rc;
	*w = (struct unmap_walk){.os = os, .va = va, .end = end};
	struct edge_slot hi;
	const struct edge_slot *bad = &w->lo;
	edge_slot(os, dm->pgd, va, &w->lo);
	if (!partly_covered(w, bad)) {
		bad = NULL;
		/* end - 1 in the same slot: the same descriptor. */
		if (end - 1 - w->lo.base >= sm_level_size(w->lo.level)) {
			edge_slot(os, dm->pgd, end - 1, &hi);
			if (partly_covered(w, &hi))
				bad = &hi;
		}
	}
	if (bad)
		return unmap_split_err(os, va, end, bad);
	return 0;
}

/* The leaves of a range of more than one page within the leaf table that
 * holds the slot of its first page (unmap_prepare found it, level 3):
 * visited in that table as sm_pgt_for_each_leaf would after descending to
 * it (host time: no walk from the root), each non-zero slot, the table's
 * words read again after each visit (a visit may write them).  Out of line
 * so that the one-page case stays small. */
__attribute__((noinline)) static int
leaves_in_table(struct unmap_walk *w, sm_pgt_leaf_fn fn, void *ctx)
{
	uint64_t table = w->lo.desc_pa & SM_PAGE_MASK;
	for (uint64_t va = w->va; va < w->end; va += SM_PAGE_SIZE) {
		const uint64_t *words = sm_physmem_words(w->os->pm, table);
		unsigned i = sm_level_index(va, 3);
		int rc;
		if (!words)
			return 0;
		if (words[i] &&
		    (rc = fn(ctx, va, 3, words[i], table + 8ull * i)) != 0)
			return rc;
	}
	return 0;
}

/* Visit the leaves of the range in ascending order, as
 * sm_pgt_for_each_leaf does.  A one-page range has one slot, the one
 * unmap_prepare found (nothing was written since); a range within that
 * slot's leaf table is visited there (leaves_in_table). */
static inline __attribute__((always_inline)) int
for_each_leaf(const struct sm_domain *dm, struct unmap_walk *w,
	      sm_pgt_leaf_fn fn, void *ctx)
{
	const struct edge_slot *lo = &w->lo;
	if (w->end - w->va == SM_PAGE_SIZE)
		return lo->desc
			   ? fn(ctx, lo->base, lo->level, lo->desc, lo->desc_pa)
			   : 0;
	if (lo->level == 3 && lo->desc_pa &&
	    !((w->va ^ (w->end - 1)) & ~(sm_level_size(2) - 1)))
		return leaves_in_table(w, fn, ctx);
	return sm_pgt_for_each_leaf(w->os->pm, dm->pgd, w->va, w->end, fn, ctx);
}

int sm_drv_iommu_unmap(struct sm_os *os, uint32_t dom, uint64_t va,
		       uint64_t len, uint64_t *t)
{
	struct sm_smmu_drv *d = &os->drv;
	struct sm_domain *dm;
	struct unmap_walk w;
	int rc;
	if ((rc = sm_drv_need_domain(os, dom, &dm)) < 0 ||
	    (rc = unmap_prepare(os, dm, va, len, &w)) < 0)
		return rc;
	SM_INC(d->ctr, OS_IOMMU_UNMAP);
	for_each_leaf(dm, &w, unmap_clear_leaf, &w);
	*t += w.cleared * os->mm.lat_pte;
	if (w.rc < 0)
		return w.rc;
	/* The window stays open until a CMD_SYNC completes. */
	return sm_drv_dma_window_add(os, dm->pgd, va, w.end, *t);
}

/* ---- the DMA API's unmap (dma-iommu.c): leaves into an iotlb gather ---- */

struct gather_walk {
	struct unmap_walk w;
	sm_unmap_leaf_fn fn;
	void *ctx;
	uint64_t *t;
};

/* __arm_lpae_unmap: clear the leaf, then io_pgtable_tlb_add_page (the
 * driver's arm_smmu_tlb_inv_page_nosync, iommu_iotlb_gather_add_page).
 * With the leaf's slot (NULL: not known), the word is written there as
 * sm_physmem_write64 would write it (a valid descriptor is in the words of
 * a table frame; host time: no look-up of the frame). */
static inline __attribute__((always_inline)) int
gather_clear_slot(struct gather_walk *g, uint64_t va, int level, uint64_t desc,
		  uint64_t desc_pa, const uint64_t *slot)
{
	if (!(desc & PTE_VALID))
		return 0;
	if (slot)
		sm_physmem_table_write(g->w.os->pm, slot, 0);
	else
		sm_physmem_write64(g->w.os->pm, desc_pa, 0);
	g->w.cleared++;
	*g->t += g->w.os->mm.lat_pte;
	int rc = g->fn(g->ctx, va, sm_level_size(level), g->t);
	return rc < 0 ? rc : 0;
}

static int gather_clear_leaf(void *ctx, uint64_t va, int level, uint64_t desc,
			     uint64_t desc_pa)
{
	return gather_clear_slot(ctx, va, level, desc, desc_pa, NULL);
}

int sm_io_pgtable_unmap(struct sm_os *os, uint32_t dom, uint64_t va,
			uint64_t len, sm_unmap_leaf_fn fn, void *ctx,
			uint64_t *t)
{
	struct sm_domain *dm;
	int rc = sm_drv_need_domain(os, dom, &dm);
	return rc < 0 ? rc
		      : sm_io_pgtable_unmap_dm(os, dm, va, len, fn, ctx, t);
}

int sm_io_pgtable_unmap_dm(struct sm_os *os, const struct sm_domain *dm,
			   uint64_t va, uint64_t len, sm_unmap_leaf_fn fn,
			   void *ctx, uint64_t *t)
{
	struct gather_walk g = {.fn = fn, .ctx = ctx, .t = t};
	int rc = unmap_prepare(os, dm, va, len, &g.w);
	if (rc < 0)
		return rc;
	/* One page: its one slot, which unmap_prepare found (for_each_leaf
	 * would visit it alone), cleared through its word. */
	const struct edge_slot *lo = &g.w.lo;
	if (g.w.end - g.w.va == SM_PAGE_SIZE)
		rc = lo->desc
			 ? gather_clear_slot(&g, lo->base, lo->level, lo->desc,
					     lo->desc_pa, lo->slot)
			 : 0;
	else
		rc = for_each_leaf(dm, &g.w, gather_clear_leaf, &g);
	return rc < 0 ? rc : 0;
}
