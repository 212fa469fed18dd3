/* SPDX-License-Identifier: MIT */
/*
 * The translation cache's host-side indexes (tcache.h, top of file), shared
 * by its lookups and fills (tcache.c, tcache_walk.c) and its invalidations
 * (tcache_inv.c): the set function, the hash chains by (page, level[,
 * tags]) and by (vmid, asid), the counts per level, the presence filter's
 * counts and their bitmaps, and the probe of a page's chains.  Host time only:
 * none of it changes which entry a lookup, fill or invalidation finds.  Private
 * to src/hw/mem/tcache*.c.
 */
#ifndef SM_HW_MEM_TCACHE_INDEX_H
#define SM_HW_MEM_TCACHE_INDEX_H

#include <stddef.h>

#include "base/ops.h"
#include "hw/mem/tcache.h"

/* A power of two at least n (n <= 2^31), at least 16. */
static inline uint32_t pow2_at_least(uint64_t n)
{
	uint32_t p = 16;
	while (p < n)
		p <<= 1;
	return p;
}

/* Set of a page number at a level: a multiplicative hash so that strided
 * pages and different page sizes spread over the sets. */
/* The set of the page whose sm_tc_page_key is `key`. */
static inline uint32_t set_of(const struct sm_tcache *tc, uint64_t key)
{
	uint64_t h = key >> 32;
	/* (Host time: a power-of-two count of sets needs no division.) */
	return (uint32_t)(tc->sets & (tc->sets - 1) ? h % tc->sets
						    : h & (tc->sets - 1));
}

/* The tag an entry is indexed and counted under: its ASID, or
 * SM_TC_FILTER_GLOBAL for a global entry. */
static inline uint32_t tag_of(const struct sm_tc_entry *t)
{
	return t->global ? SM_TC_FILTER_GLOBAL : t->asid;
}

/* The hash of a (page, level, tags) key, from the page's sm_tc_page_key
 * and the tag (chain_hash_of: and the tags' sm_tc_filter_tags): a walk
 * cache entry's `hash`, of its index bucket.  (A filtered cache's entry
 * keeps sm_tc_filter_hash instead: its filter count's.) */
static inline uint32_t chain_hash_of(uint64_t pkey, uint64_t tags)
{
	return (uint32_t)((pkey + tags) >> 40);
}

static inline uint32_t chain_hash(uint64_t pkey, uint32_t vmid, uint32_t tag)
{
	return chain_hash_of(pkey, sm_tc_filter_tags(vmid, tag));
}

/* Walk caches (min_level 0) chain their entries by page, level and tags:
 * the few table descriptors of levels 0-2 covering a range are held for
 * every address space using it.  Leaf caches chain by page and level only
 * (their lookups mostly find an empty chain; one hash less). */
static inline bool tag_chains(const struct sm_tcache *tc)
{
	return tc->min_level == 0;
}

/* The chain bucket of a page of sm_tc_page_key `pkey` (leaf caches). */
static inline uint32_t page_bucket(const struct sm_tcache *tc, uint64_t pkey)
{
	return (uint32_t)(pkey >> 40) & tc->va_mask;
}

/* A prev link (tcache.h) is where the link to its entry is, in int32_t
 * from e (va_prev) or link (tag_prev): its previous entry's next link, or
 * its bucket's head, which are before e[-1] in the block (so a head's
 * ref is negative: va_ref0 + bucket, tag_ref0 + bucket).  (Host time:
 * an unlink writes there without testing which of the two it is; on
 * replay-speed that test mispredicted often.)  The prev ref of an entry
 * after entry p: */
static inline int32_t va_ref(int32_t p)
{
	return p * (int32_t)(sizeof(struct sm_tc_entry) / sizeof(int32_t)) +
	       (int32_t)(offsetof(struct sm_tc_entry, va_next) /
			 sizeof(int32_t));
}

static inline int32_t tag_ref(int32_t p)
{
	return p * (int32_t)(sizeof(struct sm_tc_link) / sizeof(int32_t)) +
	       (int32_t)(offsetof(struct sm_tc_link, tag_next) /
			 sizeof(int32_t));
}

/* Count n entries like t (n caches sharing f each hold one), t->hash
 * their sm_tc_filter_hash. */
static inline __attribute__((always_inline)) void
filter_add_n(struct sm_tc_filter *f, const struct sm_tc_entry *t, unsigned n)
{
	if (!f->off) {
		uint32_t b = t->hash & f->mask;
		f->cnt[b] += (uint16_t)n;
		f->bits[b >> 6] |= 1ull << (b & 63);
	}
	f->global_live += t->global * n;
	f->lv_live[t->level] += n;
	f->lv_mask |= (uint8_t)(1u << t->level);
}

static inline void filter_del(struct sm_tc_filter *f,
			      const struct sm_tc_entry *t)
{
	if (!f->off) {
		/* (Its bit cleared when its count drops to zero.) */
		uint32_t b = t->hash & f->mask;
		if (!--f->cnt[b])
			f->bits[b >> 6] &= ~(1ull << (b & 63));
	}
	f->global_live -= t->global;
	if (!--f->lv_live[t->level])
		f->lv_mask &= (uint8_t) ~(1u << t->level);
}

/* The hash of (vmid, asid) whose bits pick a tag chain's bucket in every
 * cache (tag_bucket). */
static inline uint64_t tag_key(uint32_t vmid, uint32_t asid)
{
	return ((uint64_t)vmid << 17 | asid) * 0x9e3779b97f4a7c15ull;
}

static inline uint32_t tag_bucket_of(const struct sm_tcache *tc, uint64_t tkey)
{
	return (uint32_t)(tkey >> 40) & tc->tag_mask;
}

static inline uint32_t tag_bucket(const struct sm_tcache *tc, uint32_t vmid,
				  uint32_t asid)
{
	return tag_bucket_of(tc, tag_key(vmid, asid));
}

static inline uint64_t base_of(uint64_t va, int level)
{
	return va & ~((1ull << sm_level_shift(level)) - 1);
}

/* Link entry i, just made valid, into both index chains (at their heads:
 * their order does not matter, the lowest way is chosen by number), vb its
 * page chain's bucket, tb its tag chain's, and count it, of `level`, in
 * the cache's counts (not its filter's: index_add). */
static inline __attribute__((always_inline)) void
index_link(struct sm_tcache *tc, int32_t i, uint32_t vb, uint32_t tb, int level)
{
	struct sm_tc_entry *t = &tc->e[i];
	struct sm_tc_link *l = &tc->link[i];
	int32_t vh = tc->va_head[vb], th = tc->tag_head[tb];

	/* (Unconditional: a chain's first entry's prev link is written to
	 * the scratch record, e[-1] or link[-1], when the chain was empty.) */
	t->va_next = vh;
	tc->e[SM_TC_LINK(vh)].va_prev = va_ref(i);
	t->va_prev = tc->va_ref0 + (int32_t)vb;
	l->tag_next = th;
	tc->link[SM_TC_LINK(th)].tag_prev = tag_ref(i);
	l->tag_prev = tc->tag_ref0 + (int32_t)tb;
	tc->va_head[vb] = tc->tag_head[tb] = SM_TC_LINK(i);
	tc->lv_live[level]++;
	tc->lv_mask |= (uint8_t)(1u << level);
	tc->live++;
	tc->global_live += t->global;
}

/* Link entry i, just made valid, into both indexes: index_link, and its
 * filter's counts; vb is its chain bucket, `level` its level. */
static inline __attribute__((always_inline)) void
index_add(struct sm_tcache *tc, int32_t i, uint32_t vb, int level)
{
	struct sm_tc_entry *t = &tc->e[i];
	index_link(tc, i, vb, tag_bucket(tc, t->vmid, t->asid), level);
	if (tc->filter) {
		t->hash = sm_tc_filter_hash(
		    t->va, level, sm_tc_filter_tags(t->vmid, tag_of(t)));
		filter_add_n(tc->filter, t, 1);
	}
}

/* Unlink valid entry i from both index chains, or (keep_tag) from its
 * page chain only, keeping its place in its tag chain for the entry of
 * the same tags that replaces it (host time: a chain's first entry names
 * its bucket, so no hash is computed).  The counts are the caller's. */
static inline __attribute__((always_inline)) void
index_unlink_chains(struct sm_tcache *tc, int32_t i, bool keep_tag)
{
	const struct sm_tc_entry *t = &tc->e[i];
	const struct sm_tc_link *l = &tc->link[i];

	/* (The stored link is copied as it is: both places hold SM_TC_LINK.) */
	((int32_t *)tc->e)[t->va_prev] = t->va_next;
	tc->e[SM_TC_LINK(t->va_next)].va_prev = t->va_prev; /* e[-1]: none */
	if (keep_tag)
		return; /* its tag chain keeps it */
	((int32_t *)tc->link)[l->tag_prev] = l->tag_next;
	tc->link[SM_TC_LINK(l->tag_next)].tag_prev =
	    l->tag_prev; /* link[-1]: none */
}

/* Take valid entry i, unlinked from its chains, out of the counts. */
static inline __attribute__((always_inline)) void
index_uncount(struct sm_tcache *tc, int32_t i)
{
	const struct sm_tc_entry *t = &tc->e[i];

	if (!--tc->lv_live[t->level])
		tc->lv_mask &= (uint8_t) ~(1u << t->level);
	tc->live--;
	tc->global_live -= t->global;
	if (tc->filter)
		filter_del(tc->filter, t);
}

/* Unlink valid entry i from both indexes: its chains and its counts. */
static inline __attribute__((always_inline)) void
index_unlink(struct sm_tcache *tc, int32_t i)
{
	index_unlink_chains(tc, i, false);
	index_uncount(tc, i);
}

/* The words of a set's valid_ways bits (tcache.h). */
static inline uint32_t valid_words(const struct sm_tcache *tc)
{
	return (tc->ways + 63) / 64;
}

/* Entry i, valid, is used: it becomes the most recently used. */
static inline __attribute__((always_inline)) void touch(struct sm_tcache *tc,
							int32_t i)
{
	tc->use[i] = ++tc->tick;
}

static inline bool tags_match(const struct sm_tc_entry *t, uint32_t vmid,
			      uint32_t asid, enum sm_tc_asid_match m)
{
	if (!t->valid || t->vmid != vmid)
		return false;
	switch (m) {
	case SM_TC_ASID_ANY:
		return t->asid != SM_TC_ASID_STAGE2;
	case SM_TC_ASID_OR_GLOBAL:
		return t->global || t->asid == asid;
	case SM_TC_ASID_ONLY:
		return !t->global && t->asid == asid;
	}
	return false;
}

/* The lowest of `best` and the entries of the chain of bucket vb of exactly
 * `level` for the page or block at `base` with matching tags. */
static inline __attribute__((always_inline)) struct sm_tc_entry *
chain_min(struct sm_tcache *tc, uint32_t vb, uint64_t base, int level,
	  uint32_t vmid, uint32_t asid, enum sm_tc_asid_match m,
	  struct sm_tc_entry *best)
{
	for (int32_t i = SM_TC_LINK(tc->va_head[vb]); i >= 0;
	     i = SM_TC_LINK(tc->e[i].va_next)) {
		struct sm_tc_entry *t = &tc->e[i];
		if (t->va == base && t->level == level &&
		    tags_match(t, vmid, asid, m) && (!best || t < best))
			best = t;
	}
	return best;
}

/* The entry of exactly `level` for the page or block at `base` with
 * matching tags (of `asid`, or global: m is not SM_TC_ASID_ANY), in the
 * lowest way (what a probe of its set in way order finds); NULL if none.
 * Visits the index chain of that page or, `tagged` (tag_chains), those of
 * that page with the ASID and, if the cache holds global entries, with the
 * global tag. */
static inline __attribute__((always_inline)) struct sm_tc_entry *
probe(struct sm_tcache *tc, uint64_t base, int level, uint32_t vmid,
      uint32_t asid, enum sm_tc_asid_match m, bool tagged)
{
	uint64_t pkey = sm_tc_page_key(base, level);
	uint32_t mask = tc->va_mask;
	if (!tagged)
		return chain_min(tc, page_bucket(tc, pkey), base, level, vmid,
				 asid, m, NULL);
	struct sm_tc_entry *best =
	    chain_min(tc, chain_hash(pkey, vmid, asid) & mask, base, level,
		      vmid, asid, m, NULL);
	if (m != SM_TC_ASID_ONLY && tc->global_live)
		best = chain_min(
		    tc, chain_hash(pkey, vmid, SM_TC_FILTER_GLOBAL) & mask,
		    base, level, vmid, asid, m, best);
	return best;
}

/* The replacement policy's victim in full set si, whose use stamps are
 * `use` (tcache_victim.c; out of line: host time, the fills of a free
 * way, most of them, keep fewer values live). */
uint32_t sm_tc_full_set_victim(struct sm_tcache *tc, uint32_t si,
			       const uint64_t *use);

/* index_unlink out of line (host time: a fill's eviction, off its common
 * path, keeps the fill's code small). */
static __attribute__((noinline, unused)) void index_del(struct sm_tcache *tc,
							int32_t i)
{
	index_unlink(tc, i);
}

#endif
