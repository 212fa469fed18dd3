/* SPDX-License-Identifier: MIT */
/*
 * Steps every translating agent shares: turn a successful walk into a cache
 * entry, and describe the entry that decided an access in the report the
 * oracle reads.  The CPU's TLBs and the SMMU's IOTLB differ in what they do
 * around these steps (stats, the SMMU's configuration), not in them.
 */
#ifndef SM_HW_MEM_XLATE_H
#define SM_HW_MEM_XLATE_H

#include "hw/mem/observe.h"
#include "hw/mem/pgtable.h"
#include "hw/mem/tcache.h"

/* The entry a walk of `root` for va produces (w->fault must be OK).  It is
 * cached even when the access faults on permission: the architecture allows
 * it, and it is why a permission upgrade needs an invalidation. */
static inline struct sm_tc_entry sm_xlate_entry(const struct sm_walk *w,
						uint64_t va, uint64_t root,
						uint32_t asid, uint8_t flags)
{
	return (struct sm_tc_entry){
	    .va = va & ~(w->page_size - 1),
	    .pa = w->pa & ~(w->page_size - 1),
	    .root = root,
	    .asid = asid,
	    .level = (uint8_t)w->level,
	    .perm = (uint8_t)w->perm,
	    .global = !(w->desc & PTE_NG),
	    .flags = flags,
	};
}

/* The regime an entry or a report was walked under. */
static inline struct sm_regime sm_regime_of(uint8_t kind, uint64_t root,
					    uint64_t root2, int s2_level)
{
	return (struct sm_regime){(enum sm_regime_kind)kind, root, root2,
				  s2_level};
}

static inline void sm_xlate_report_entry(struct sm_xlate_report *r,
					 const struct sm_tc_entry *e)
{
	r->root2 = e->root2;
	r->regime = e->regime;
	r->s2_level = e->s2_level;
	r->entry_va = e->va;
	r->entry_pa = e->pa;
	r->entry_size = sm_tc_size(e);
	r->entry_perm = e->perm;
}

/*
 * Walk va from `root`, starting at the deepest table the walk cache `wc`
 * (NULL: none) holds for (vmid, asid), and fill it.  Returns the number of
 * walk-cache lookups made; *wc_hit says whether one hit.
 *
 * Walk-cache entries are the table descriptors of levels 0-2: entry (level
 * L, va) holds the address of the level L+1 table.  Entries are tagged like
 * TLB entries (by ASID): a stale one is used as real hardware would use it,
 * and the oracle then judges the translation it produced.  Inline: the SMMU
 * and the CPU's MMU walk on most of their TLB misses (host time: the call's
 * arguments and saved registers were a sixth of a walk from level 3).
 */
static inline __attribute__((always_inline)) unsigned
sm_xlate_walk(const struct sm_physmem *pm, struct sm_tcache *wc, uint16_t vmid,
	      uint32_t asid, uint64_t root, uint64_t va, struct sm_walk *w,
	      bool *wc_hit)
{
	uint64_t table = root;
	/* The deepest table held, levels 2, 1, 0 looked up in turn: one
	 * lookup made for each level down to the hit. */
	struct sm_tc_walk q;
	q.va = va;
	q.vmid = vmid;
	q.asid = asid;
	int hit = wc ? sm_tc_walk_lookup(wc, &q, &table) : -1;
	int start = hit + 1;
	unsigned lookups = !wc ? 0 : hit >= 0 ? 3u - (unsigned)hit : 3u;
	*wc_hit = start > 0;
	sm_pgt_walk_from(pm, table, start, va, w);
	/* Remember every table descriptor followed (start .. leaf-1): the
	 * lookups above missed each of those levels (host time: their fills
	 * do not search for an entry to replace, and reuse the lookups'
	 * keys). */
	if (!wc || start >= w->level || start >= 3)
		return lookups;
	struct sm_tc_entry ne = {
	    .va = va,
	    .root = root,
	    .asid = asid,
	    .vmid = vmid,
	};
	sm_tc_walk_fill(wc, &q, &ne, start, w->level < 3 ? w->level : 3,
			w->table);
	return lookups;
}

#endif
