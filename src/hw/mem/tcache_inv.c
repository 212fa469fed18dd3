/* SPDX-License-Identifier: MIT */
/*
 * Invalidation of the translation cache (tcache.h): by page (the VA forms,
 * one page or a range, with or without a level hint), by ASID, by VMID,
 * everything, or by a predicate.  Each removes exactly the valid entries
 * whose tags and pages match, as a scan of the whole cache in way order
 * would; the host-side indexes (tcache_index.h) only make it visit fewer
 * of them.
 */
#include "hw/mem/tcache.h"

#include <string.h>

#include "hw/mem/tcache_index.h"

/* Entry i, out of the indexes, becomes invalid: its use stamp 0, its
 * bit of its set's valid ways clear. */
static inline __attribute__((always_inline)) void
drop_rest(struct sm_tcache *tc, int32_t i)
{
	tc->e[i].valid = false;
	tc->use[i] = 0;
	if (tc->valid_ways) {
		uint32_t si = (uint32_t)i / tc->ways,
			 w = (uint32_t)i % tc->ways;
		tc->valid_ways[(size_t)si * valid_words(tc) + w / 64] &=
		    ~(1ull << (w % 64));
	}
}

/* Drop valid entry i: out of both indexes, then drop_rest.  Inline where
 * entries are dropped most (host time: the page and ASID forms' chains),
 * else drop. */
static inline __attribute__((always_inline)) void drop_at(struct sm_tcache *tc,
							  int32_t i)
{
	index_unlink(tc, i);
	drop_rest(tc, i);
}

static __attribute__((noinline)) void drop(struct sm_tcache *tc,
					   struct sm_tc_entry *t)
{
	drop_at(tc, (int32_t)(t - tc->e));
}

/* Drop the entries of the chain of bucket vb of exactly `level` for the
 * page or block at `base` with matching tags. */
static inline __attribute__((always_inline)) unsigned
inv_chain(struct sm_tcache *tc, uint32_t vb, uint64_t base, int level,
	  uint32_t vmid, uint32_t asid, enum sm_tc_asid_match m)
{
	unsigned n = 0;
	int32_t i = SM_TC_LINK(tc->va_head[vb]);
	while (i >= 0) {
		const struct sm_tc_entry *t = &tc->e[i];
		int32_t next = SM_TC_LINK(t->va_next);
		if (t->va == base && t->level == level &&
		    tags_match(t, vmid, asid, m)) {
			drop_at(tc, i);
			n++;
		}
		i = next;
	}
	return n;
}

/* inv_at in a walk cache (tag_chains): the chains of the page with its
 * ASID and of global entries (as probe), or for every ASID the ways of its
 * set; out of line, so that the leaf caches' common path stays small (host
 * time). */
static __attribute__((noinline)) unsigned
inv_at_tagged(struct sm_tcache *tc, uint64_t base, int level, uint32_t vmid,
	      uint32_t asid, enum sm_tc_asid_match m)
{
	uint64_t pkey = sm_tc_page_key(base, level);
	unsigned n = 0;
	if (m == SM_TC_ASID_ANY) {
		struct sm_tc_entry *set =
		    &tc->e[(size_t)set_of(tc, pkey) * tc->ways];
		for (uint32_t w = 0; w < tc->ways; w++)
			if (set[w].valid && set[w].va == base &&
			    set[w].level == level &&
			    tags_match(&set[w], vmid, asid, m)) {
				drop(tc, &set[w]);
				n++;
			}
		return n;
	}
	n = inv_chain(tc, chain_hash(pkey, vmid, asid) & tc->va_mask, base,
		      level, vmid, asid, m);
	if (m == SM_TC_ASID_OR_GLOBAL && tc->global_live)
		n += inv_chain(tc,
			       chain_hash(pkey, vmid, SM_TC_FILTER_GLOBAL) &
				   tc->va_mask,
			       base, level, vmid, asid, m);
	return n;
}

/* Drop the entries of exactly `level` for the page or block at `base`
 * with matching tags: that page's chain (leaf caches), or inv_at_tagged. */
static inline __attribute__((always_inline)) unsigned
inv_at(struct sm_tcache *tc, uint64_t base, int level, uint32_t vmid,
       uint32_t asid, enum sm_tc_asid_match m)
{
	if (tag_chains(tc))
		return inv_at_tagged(tc, base, level, vmid, asid, m);
	return inv_chain(tc, page_bucket(tc, sm_tc_page_key(base, level)), base,
			 level, vmid, asid, m);
}

/* Drop the matching entries of the page or block holding va at each level
 * of `mask` (bit per level; only levels held: a subset of lv_mask), the
 * largest level number (smallest size) first, each level unrolled so that
 * its shifts are constants (host time; levels below min_level hold no
 * entry). */
static inline __attribute__((always_inline)) unsigned
inv_page(struct sm_tcache *tc, uint32_t vmid, uint32_t asid,
	 enum sm_tc_asid_match m, uint64_t va, unsigned mask)
{
	unsigned n = 0;
#define SM_TC_INV_(lv)                                                         \
	if (mask & (1u << (lv)))                                               \
		n += inv_at(tc, base_of(va, (lv)), (lv), vmid, asid, m);
	SM_TC_INV_(3)
	SM_TC_INV_(2)
	SM_TC_INV_(1)
	SM_TC_INV_(0)
#undef SM_TC_INV_
	return n;
}

unsigned sm_tc_inv_va(struct sm_tcache *tc, uint32_t vmid, uint32_t asid,
		      enum sm_tc_asid_match m, uint64_t va)
{
	/* Every level held (lv_mask has the bit of a level iff lv_live
	 * counts an entry of it). */
	return inv_page(tc, vmid, asid, m, va, tc->lv_mask);
}

struct range_ctx {
	uint32_t vmid;
	uint32_t asid;
	enum sm_tc_asid_match m;
	uint64_t start, end;
	int level;
};

static bool match_range(void *ctx, const struct sm_tc_entry *t)
{
	const struct range_ctx *c = ctx;
	return tags_match(t, c->vmid, c->asid, c->m) &&
	       (!c->level || t->level == c->level) && t->va < c->end &&
	       t->va + sm_tc_size(t) > c->start;
}

/* Pages and blocks of `level` from the one holding `first` to the one
 * holding `last`. */
static uint64_t blocks(uint64_t first, uint64_t last, int level)
{
	unsigned sh = sm_level_shift(level);
	return (last >> sh) - (first >> sh) + 1;
}

/* Drop the matching entries of each page and block, of the levels
 * allowed, from the one holding `first` to the one holding `last`. */
static unsigned inv_blocks(struct sm_tcache *tc, const struct range_ctx *c,
			   uint64_t first, uint64_t last)
{
	unsigned n = 0;
	for (int lv = 3; lv >= tc->min_level; lv--) {
		if ((c->level && lv != c->level) || !tc->lv_live[lv])
			continue;
		uint64_t size = sm_level_size(lv);
		uint64_t b = base_of(first, lv), nb = blocks(first, last, lv);
		for (uint64_t k = 0; k < nb && tc->lv_live[lv]; k++, b += size)
			n += inv_at(tc, b, lv, c->vmid, c->asid, c->m);
	}
	return n;
}

/* A range other than one aligned page (tcache.h). */
static __attribute__((noinline)) unsigned
inv_range(struct sm_tcache *tc, uint32_t vmid, uint32_t asid,
	  enum sm_tc_asid_match m, uint64_t start, uint64_t pages, int level)
{
	struct range_ctx c = {vmid, asid, m, start, start + pages * 4096,
			      level};
	/* The entries removed are those of the pages [start, end) overlaps
	 * (a scan), except that a small range has always been probed page
	 * by page from `start`: from an unaligned start that leaves out the
	 * page holding end - 1.  Both name the same entries otherwise. */
	bool scan = pages * 3 > tc->sets;
	if (c.end <= c.start)
		return scan ? sm_tc_inv_if(tc, match_range, &c) : 0;
	uint64_t last = scan ? c.end - 1 : start + (pages - 1) * 4096;
	if (scan) {
		/* Whichever visits fewer entries: the chains or the cache. */
		uint64_t visits = 0;
		for (int lv = 3; lv >= tc->min_level; lv--)
			if ((!level || lv == level) && tc->lv_live[lv])
				visits += blocks(start, last, lv);
		if (visits > tc->live)
			return sm_tc_inv_if(tc, match_range, &c);
	}
	return inv_blocks(tc, &c, start, last);
}

unsigned sm_tc_inv_range(struct sm_tcache *tc, uint32_t vmid, uint32_t asid,
			 enum sm_tc_asid_match m, uint64_t start,
			 uint64_t pages, int level)
{
	if (!tc->live || !pages)
		return 0;
	if (pages != 1 || (start & 4095))
		return inv_range(tc, vmid, asid, m, start, pages, level);
	/* One page (the VA forms): one chain per size held. */
	return inv_page(tc, vmid, asid, m, start,
			tc->lv_mask & (level ? 1u << level : 0xfu));
}

static inline __attribute__((always_inline)) unsigned
inv_page_each(struct sm_tcache *const *tcs, unsigned n, uint32_t vmid,
	      uint32_t asid, enum sm_tc_asid_match m, uint64_t va, int level)
{
	unsigned sel = level ? 1u << level : 0xfu, removed = 0;
	/* sm_tc_inv_range's one-page path in each (lv_mask is 0 iff the
	 * cache holds nothing: then it returns at once). */
	for (unsigned c = 0; c < n; c++) {
		unsigned mask = tcs[c]->lv_mask & sel;
		if (mask)
			removed += inv_page(tcs[c], vmid, asid, m, va, mask);
	}
	return removed;
}

unsigned sm_tc_inv_page_each(struct sm_tcache *const *tcs, unsigned n,
			     uint32_t vmid, uint32_t asid,
			     enum sm_tc_asid_match m, uint64_t va, int level)
{
	/* (Host time: the VA forms' match, the common one, made a constant
	 * in its own copy, and in another the count of a PE's leaf TLBs,
	 * hw/cpu/cpu.h: its loop unrolled.) */
	if (m == SM_TC_ASID_OR_GLOBAL && n == 3)
		return inv_page_each(tcs, 3, vmid, asid, SM_TC_ASID_OR_GLOBAL,
				     va, level);
	if (m == SM_TC_ASID_OR_GLOBAL)
		return inv_page_each(tcs, n, vmid, asid, SM_TC_ASID_OR_GLOBAL,
				     va, level);
	return inv_page_each(tcs, n, vmid, asid, m, va, level);
}

unsigned sm_tc_inv_if(struct sm_tcache *tc,
		      bool (*fn)(void *ctx, const struct sm_tc_entry *e),
		      void *ctx)
{
	unsigned n = 0;
	size_t total = (size_t)tc->sets * tc->ways;
	for (size_t i = 0; i < total && tc->live; i++) {
		struct sm_tc_entry *t = &tc->e[i];
		if (t->valid && fn(ctx, t)) {
			drop(tc, t);
			n++;
		}
	}
	return n;
}

/* ASID forms: the non-global entries of (vmid, asid), from their tag
 * chain.  (Host time: the chain is relinked once, of the entries it
 * keeps in their order, instead of unlinking each entry dropped: the
 * same chain.) */
unsigned sm_tc_inv_asid(struct sm_tcache *tc, uint32_t vmid, uint32_t asid)
{
	unsigned n = 0;
	uint32_t b = tag_bucket(tc, vmid, asid);
	int32_t i = SM_TC_LINK(tc->tag_head[b]);
	int32_t *last = &tc->tag_head[b]; /* where the next kept one goes */
	int32_t prev = tc->tag_ref0 + (int32_t)b; /* the last one kept */
	while (i >= 0) {
		const struct sm_tc_entry *t = &tc->e[i];
		int32_t next = SM_TC_LINK(tc->link[i].tag_next);
		if (t->vmid == vmid && !t->global && t->asid == asid) {
			index_unlink_chains(tc, i, true);
			index_uncount(tc, i);
			drop_rest(tc, i);
			n++;
		} else {
			*last = SM_TC_LINK(i);
			tc->link[i].tag_prev = prev;
			last = &tc->link[i].tag_next;
			prev = tag_ref(i);
		}
		i = next;
	}
	*last = SM_TC_LINK(-1);
	return n;
}

static bool match_vmid(void *ctx, const struct sm_tc_entry *t)
{
	const uint32_t *vmid = ctx;
	return t->vmid == *vmid;
}

static bool match_all(void *ctx, const struct sm_tc_entry *t)
{
	(void)ctx;
	(void)t;
	return true;
}

unsigned sm_tc_inv_vmid(struct sm_tcache *tc, uint32_t vmid)
{
	return sm_tc_inv_if(tc, match_vmid, &vmid);
}

unsigned sm_tc_inv_all(struct sm_tcache *tc)
{
	size_t total = (size_t)tc->sets * tc->ways;
	unsigned n = (unsigned)tc->live;
	/* A shared filter counts each entry, and a cache mostly empty is
	 * quicker dropped entry by entry: then one at a time. */
	if (tc->filter || tc->live * 4 < total)
		return sm_tc_inv_if(tc, match_all, NULL);
	/* Else at once, into the state dropping each valid entry leaves
	 * (host time: a full FLUSHALL cache is emptied on a fill): every
	 * entry invalid with a zero use stamp, the index chains and counts
	 * empty, no way of any set valid in its valid_ways bits. */
	for (size_t i = 0; i < total; i++)
		tc->e[i].valid = false;
	memset(tc->use, 0, total * sizeof(*tc->use));
	memset(tc->va_head, 0, /* SM_TC_LINK(-1): no entry */
	       (tc->va_mask + 1ull + tc->tag_mask + 1ull) * sizeof(int32_t));
	if (tc->valid_ways)
		memset(tc->valid_ways, 0,
		       (size_t)tc->sets * valid_words(tc) *
			   sizeof(*tc->valid_ways));
	memset(tc->lv_live, 0, sizeof(tc->lv_live));
	tc->lv_mask = 0;
	tc->live = 0;
	tc->global_live = 0;
	return n;
}

void sm_tc_for_each(const struct sm_tcache *tc,
		    void (*fn)(void *ctx, const struct sm_tc_entry *e),
		    void *ctx)
{
	size_t total = (size_t)tc->sets * tc->ways;
	for (size_t i = 0; i < total && tc->live; i++)
		if (tc->e[i].valid)
			fn(ctx, &tc->e[i]);
}
