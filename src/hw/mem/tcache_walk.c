/* SPDX-License-Identifier: MIT */
/*
 * A walk cache's look-ups for one walk (tcache.h, sm_tc_walk_lookup): the
 * deepest table descriptor held for a VA, levels 2, 1, 0 in turn, with
 * each level's keys kept for the walk's fills (sm_tc_walk_fill, in
 * tcache.c).  Each finds what sm_tc_lookup_level of that level finds.
 */
#include "hw/mem/tcache.h"

#include "hw/mem/tcache_index.h"

/* One level of sm_tc_walk_lookup: its keys, then the lookup. */
static inline __attribute__((always_inline)) struct sm_tc_entry *
walk_lookup_at(struct sm_tcache *tc, struct sm_tc_walk *q, int level)
{
	uint64_t base = base_of(q->va, level);
	uint64_t pkey = sm_tc_page_key(base, level);
	struct sm_tc_entry *t = NULL;
	q->pkey[level] = pkey;
	q->h[level] = chain_hash(pkey, q->vmid, q->asid);
	if (!(tc->lv_mask & (1u << level)))
		return NULL;
	t = chain_min(tc, q->h[level] & tc->va_mask, base, level, q->vmid,
		      q->asid, SM_TC_ASID_OR_GLOBAL, NULL);
	if (tc->global_live)
		t = chain_min(tc,
			      chain_hash(pkey, q->vmid, SM_TC_FILTER_GLOBAL) &
				  tc->va_mask,
			      base, level, q->vmid, q->asid,
			      SM_TC_ASID_OR_GLOBAL, t);
	if (t)
		touch(tc, (int32_t)(t - tc->e));
	return t;
}

/* sm_tc_walk_lookup of a cache that is not a walk cache: one
 * sm_tc_lookup_level per level (out of line: host time, the walk caches'
 * path saves fewer registers). */
static __attribute__((noinline)) int
walk_lookup_leaf(struct sm_tcache *tc, struct sm_tc_walk *q, uint64_t *table)
{
	struct sm_tc_entry *t;
	q->leaf = true;
	for (int lv = 2; lv >= 0; lv--)
		if ((t = sm_tc_lookup_level(tc, q->vmid, q->asid, q->va, lv))) {
			*table = t->pa;
			return lv;
		}
	return -1;
}

/* Each level unrolled, so that its shifts are constants. */
#define SM_TC_WALK_TRY_(lv)                                                    \
	if ((t = walk_lookup_at(tc, q, (lv)))) {                               \
		*table = t->pa;                                                \
		return (lv);                                                   \
	}

/* sm_tc_walk_lookup of a walk cache after its level-2 look-up missed
 * (out of line: host time, the common hit at level 2 saves fewer
 * registers). */
static __attribute__((noinline)) int
walk_lookup_upper(struct sm_tcache *tc, struct sm_tc_walk *q, uint64_t *table)
{
	struct sm_tc_entry *t;
	SM_TC_WALK_TRY_(1)
	SM_TC_WALK_TRY_(0)
	return -1;
}

int sm_tc_walk_lookup(struct sm_tcache *tc, struct sm_tc_walk *q,
		      uint64_t *table)
{
	struct sm_tc_entry *t;
	if (!tag_chains(tc))
		return walk_lookup_leaf(tc, q, table);
	q->leaf = false;
	SM_TC_WALK_TRY_(2)
	return walk_lookup_upper(tc, q, table);
}
#undef SM_TC_WALK_TRY_
