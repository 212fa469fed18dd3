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
	int start = 0;
	unsigned lookups = 0;
	for (int lv = 2; wc && lv >= 0; lv--) {
		lookups++;
		struct sm_tc_entry *e =
		    sm_tc_lookup_level(wc, vmid, asid, va, lv);
		if (e) {
			table = e->pa;
			start = lv + 1;
			break;
		}
	}
	*wc_hit = start > 0;
	sm_pgt_walk_from(pm, table, start, va, w);
	/* Remember every table descriptor followed (start .. leaf-1): the
	 * lookups above missed each of those levels (host time: their fills
	 * do not search for an entry to replace). */
	if (!wc || start >= w->level || start >= 3)
		return lookups;
	/* (Host time: one entry made, its table and level set per fill.) */
	struct sm_tc_entry ne = {
	    .va = va,
	    .root = root,
	    .asid = asid,
	    .vmid = vmid,
	};
	for (int lv = start; lv < w->level && lv < 3; lv++) {
		ne.pa = w->table[lv + 1];
		ne.level = (uint8_t)lv;
		sm_tc_fill_missed(wc, &ne);
	}
	return lookups;
}
