/* SPDX-License-Identifier: MIT */
#include "hw/mem/xlate.h"

/*
 * A walk that starts from the deepest table a walk cache remembers for
 * (vmid, asid, va), then remembers the tables it went through.  Walk-cache
 * entries are the table descriptors of levels 0-2: entry (level L, va) holds
 * the address of the level L+1 table.  Entries are tagged like TLB entries
 * (by ASID): a stale one is used as real hardware would use it, and the
 * oracle then judges the translation it produced.
 */
unsigned sm_xlate_walk(const struct sm_physmem *pm, struct sm_tcache *wc,
		       uint16_t vmid, uint32_t asid, uint64_t root, uint64_t va,
		       struct sm_walk *w, bool *wc_hit)
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
