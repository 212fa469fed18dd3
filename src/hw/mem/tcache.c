/* SPDX-License-Identifier: MIT */
#include "hw/mem/tcache.h"

#include <smmusim/error.h>

#include <string.h>

#include "base/alloc.h"
#include "base/ops.h"
#include "hw/mem/tcache_index.h"

/* Bytes of the index heads, va_head[] then tag_head[]: all zero when
 * empty (SM_TC_LINK(-1)), as the rest of the block is: it comes zeroed
 * from sm_calloc and is not touched until used.  They start the block, padded
 * to whole entries (heads_span): a prev link refers to a head by its
 * place counted from e (tcache_index.h va_ref). */
static size_t heads_size(const struct sm_tcache *tc)
{
	return (tc->va_mask + 1ull + tc->tag_mask + 1ull) * sizeof(int32_t);
}

static size_t heads_span(const struct sm_tcache *tc)
{
	size_t line = sizeof(*tc->e);
	return (heads_size(tc) + line - 1) / line * line;
}

/* Bytes of the block holding the heads, the entries (after a scratch one,
 * e[-1]), their use stamps, their links (after a scratch one, link[-1]),
 * and with SM_TC_HINT_WAYS ways or more the per-set LRU candidates and
 * hints (tcache.h), in that order. */
static size_t block_size(const struct sm_tcache *tc)
{
	size_t total = (size_t)tc->sets * tc->ways;
	size_t size =
	    total * (sizeof(*tc->e) + sizeof(*tc->use) + sizeof(*tc->link)) +
	    sizeof(*tc->e) + sizeof(*tc->link) + heads_span(tc);
	if (tc->ways >= SM_TC_HINT_WAYS)
		size += (size_t)tc->sets *
			(sizeof(*tc->cands) +
			 valid_words(tc) * sizeof(*tc->valid_ways));
	return size;
}

int sm_tc_init(struct sm_tcache *tc, const struct smmusim_allocator *a,
	       uint64_t entries, uint64_t ways, const char *what,
	       struct sm_errbuf *eb)
{
	*tc = (struct sm_tcache){.alloc = a};
	if (!entries || !ways || entries % ways)
		return sm_err(eb, SMMUSIM_ERANGE,
			      "%s: %llu entries is not a non-zero multiple of "
			      "%llu ways",
			      what, (unsigned long long)entries,
			      (unsigned long long)ways);
	tc->sets = (uint32_t)(entries / ways);
	tc->ways = (uint32_t)ways;
	tc->min_level = 1;
	/* Twice as many page chains as entries (host time: a lookup or a
	 * TLBI of a page the cache does not hold, most of them, finds its
	 * chain empty more often, with no entry line read; on replay-speed
	 * fewer instructions and about 3 % less CPU time than as many). */
	tc->va_mask = pow2_at_least(2 * entries) - 1;
	tc->tag_mask = pow2_at_least(entries < 4096 ? entries : 4096) - 1;
	char *block = sm_calloc(a, block_size(tc));
	if (!block) {
		*tc = (struct sm_tcache){.alloc = a};
		return sm_err(eb, SMMUSIM_ENOMEM,
			      "%s: cannot allocate %llu "
			      "entries",
			      what, (unsigned long long)entries);
	}
	tc->va_head = (int32_t *)block;
	tc->tag_head = tc->va_head + tc->va_mask + 1;
	tc->e = (struct sm_tc_entry *)(block + heads_span(tc)) + 1;
	tc->use = (uint64_t *)(tc->e + entries);
	tc->link = (struct sm_tc_link *)(tc->use + entries) + 1;
	if (tc->ways >= SM_TC_HINT_WAYS) {
		tc->cands = (struct sm_tc_lru_cands *)(tc->link + entries);
		tc->valid_ways = (uint64_t *)(tc->cands + tc->sets);
	}
	tc->va_ref0 = (int32_t)(tc->va_head - (int32_t *)tc->e);
	tc->tag_ref0 = (int32_t)(tc->tag_head - (int32_t *)tc->link);
	sm_tc_note_policy(tc);
	return 0;
}

int sm_tc_set_repl(struct sm_tcache *tc, enum sm_tc_repl repl,
		   struct sm_rng *rng)
{
	tc->repl = repl;
	tc->rng = rng;
	if (repl == SM_TC_RR && !tc->rr)
		tc->rr = sm_calloc(tc->alloc, tc->sets * sizeof(*tc->rr));
	if (repl == SM_TC_RR && !tc->rr) {
		tc->repl = SM_TC_LRU;
		sm_tc_note_policy(tc);
		return SMMUSIM_ENOMEM;
	}
	if (repl == SM_TC_RANDOM && !rng)
		tc->repl = SM_TC_LRU; /* degrade, never crash */
	sm_tc_note_policy(tc);
	return 0;
}

void sm_tc_fini(struct sm_tcache *tc)
{
	if (tc->e)
		sm_free(tc->alloc, tc->va_head, block_size(tc));
	sm_free(tc->alloc, tc->rr, tc->sets * sizeof(*tc->rr));
	tc->e = NULL;
	tc->use = NULL;
	tc->rr = NULL;
	tc->link = NULL;
	tc->cands = NULL;
	tc->valid_ways = NULL;
	tc->va_head = tc->tag_head = NULL;
}

/* An exact lookup at one level; a hit becomes the most recently used. */
static inline __attribute__((always_inline)) struct sm_tc_entry *
lookup_at(struct sm_tcache *tc, uint32_t vmid, uint32_t asid, uint64_t va,
	  int level, bool tagged)
{
	struct sm_tc_entry *t;
	if (!(tc->lv_mask & (1u << level)))
		return NULL;
	t = probe(tc, base_of(va, level), level, vmid, asid,
		  SM_TC_ASID_OR_GLOBAL, tagged);
	if (t)
		touch(tc, (int32_t)(t - tc->e));
	return t;
}

/* sm_tc_lookup_level, one case per level so that its shifts are
 * constants (host time). */
static inline __attribute__((always_inline)) struct sm_tc_entry *
lookup_level(struct sm_tcache *tc, uint32_t vmid, uint32_t asid, uint64_t va,
	     int level, bool tagged)
{
	switch (level) {
	case 0:
		return lookup_at(tc, vmid, asid, va, 0, tagged);
	case 1:
		return lookup_at(tc, vmid, asid, va, 1, tagged);
	case 2:
		return lookup_at(tc, vmid, asid, va, 2, tagged);
	default:
		return lookup_at(tc, vmid, asid, va, level, tagged);
	}
}

static __attribute__((noinline)) struct sm_tc_entry *
lookup_level_paged(struct sm_tcache *tc, uint32_t vmid, uint32_t asid,
		   uint64_t va, int level)
{
	return lookup_level(tc, vmid, asid, va, level, false);
}

struct sm_tc_entry *sm_tc_lookup_level(struct sm_tcache *tc, uint32_t vmid,
				       uint32_t asid, uint64_t va, int level)
{
	/* Walk caches chain by tags; a leaf cache out of line. */
	if (!tag_chains(tc))
		return lookup_level_paged(tc, vmid, asid, va, level);
	return lookup_level(tc, vmid, asid, va, level, true);
}

/* sm_tc_lookup of a cache whose chains are `tagged` (tag_chains). */
static inline __attribute__((always_inline)) struct sm_tc_entry *
lookup_any(struct sm_tcache *tc, uint32_t vmid, uint32_t asid, uint64_t va,
	   bool tagged)
{
	/* Smallest page size first: each size lives in its own set.  Only
	 * the sizes it holds (levels below min_level hold none), each level
	 * unrolled so that its shifts are constants (host time). */
	struct sm_tc_entry *t;
#define SM_TC_TRY_(lv)                                                         \
	if ((tc->lv_mask & (1u << (lv))) &&                                    \
	    (t = probe(tc, base_of(va, (lv)), (lv), vmid, asid,                \
		       SM_TC_ASID_OR_GLOBAL, tagged)))                         \
		goto hit;
	SM_TC_TRY_(3)
	SM_TC_TRY_(2)
	SM_TC_TRY_(1)
	SM_TC_TRY_(0)
#undef SM_TC_TRY_
	return NULL;
hit:
	touch(tc, (int32_t)(t - tc->e));
	return t;
}

static __attribute__((noinline)) struct sm_tc_entry *
lookup_tagged(struct sm_tcache *tc, uint32_t vmid, uint32_t asid, uint64_t va)
{
	return lookup_any(tc, vmid, asid, va, true);
}

struct sm_tc_entry *sm_tc_lookup(struct sm_tcache *tc, uint32_t vmid,
				 uint32_t asid, uint64_t va)
{
	/* Leaf caches chain by page; a walk cache out of line. */
	if (tag_chains(tc))
		return lookup_tagged(tc, vmid, asid, va);
	return lookup_any(tc, vmid, asid, va, false);
}

/* Where a fill of an entry goes: its page or block, that page's
 * sm_tc_page_key (of the set), its set and its chain_hash. */
struct place {
	uint64_t base, key;
	uint32_t si, h, vb;
	int level;
};

/* The place of `in`, of `level` (in->level); its set's use stamps and
 * first way are fetched while the caller searches the index chain (host
 * time). */
static inline __attribute__((always_inline)) struct place
place_of(struct sm_tcache *tc, const struct sm_tc_entry *in, int level)
{
	struct place p;
	p.base = base_of(in->va, level);
	p.key = sm_tc_page_key(p.base, level);
	p.level = level;
	p.si = set_of(tc, p.key);
	/* (Host time: the hash of the tags only where it is used.) */
	if (tag_chains(tc)) {
		p.h = chain_hash(p.key, in->vmid, tag_of(in));
		p.vb = p.h & tc->va_mask;
	} else {
		p.h = 0;
		p.vb = page_bucket(tc, p.key);
	}
	size_t first = (size_t)p.si * tc->ways;
	__builtin_prefetch(&tc->use[first]);
	__builtin_prefetch(&tc->e[first]);
	return p;
}

/* The entry holding the same translation as `in` (same page, VMID, nG and,
 * if not global, ASID), which a fill replaces; NULL if none. */
static struct sm_tc_entry *same_translation(struct sm_tcache *tc,
					    const struct sm_tc_entry *in,
					    const struct place *p)
{
	struct sm_tc_entry *best = NULL;
	uint64_t base = p->base;
	for (int32_t i = SM_TC_LINK(tc->va_head[p->vb]); i >= 0;
	     i = SM_TC_LINK(tc->e[i].va_next)) {
		struct sm_tc_entry *t = &tc->e[i];
		if (t->level == in->level && t->va == base &&
		    t->vmid == in->vmid && t->global == in->global &&
		    (t->global || t->asid == in->asid) && (!best || t < best))
			best = t;
	}
	return best;
}

/* victim_of's way in a set of `ways` ways of LRU replacement without
 * first-way hints, whose use stamps are u: the first of the least stamps
 * (the first invalid way when there is one, its stamp 0). */
static inline __attribute__((always_inline)) uint32_t lru_way(const uint64_t *u,
							      uint32_t ways)
{
	uint32_t w = 0;
	uint64_t oldest = UINT64_MAX;
#pragma GCC unroll 4
	for (uint32_t k = 0; k < ways; k++)
		if (u[k] < oldest) {
			oldest = u[k];
			w = k;
			if (!oldest)
				break;
		}
	return w;
}

/* The way a fill of set `si` takes when no entry holds its translation:
 * the first invalid way, else the replacement policy's victim. */
static inline __attribute__((always_inline)) struct sm_tc_entry *
victim_of(struct sm_tcache *tc, uint32_t si)
{
	struct sm_tc_entry *set = &tc->e[(size_t)si * tc->ways];
	const uint64_t *use = &tc->use[set - tc->e];
	if (tc->lru_scan) {
		/* LRU (also a full set of a FLUSHALL cache that is not full)
		 * without the first-way hint: the first invalid way is the
		 * first of the least stamps when there is one (its stamp is
		 * 0, a valid entry's is not), so one scan finds both (host
		 * time). */
		return &set[lru_way(use, tc->ways)];
	}
	if (tc->valid_ways) {
		/* The lowest clear bit of the set's valid ways: the first
		 * invalid way, which a scan from way 0 finds. */
		if (tc->ways <= 64) {
			uint64_t *v = &tc->valid_ways[si];
			uint64_t free = ~*v & (~0ull >> (64 - tc->ways));
			if (free) {
				uint32_t w = (uint32_t)__builtin_ctzll(free);
				*v |= 1ull << w; /* the fill makes it valid */
				return &set[w];
			}
			return &set[sm_tc_full_set_victim(tc, si, use)];
		}
		uint32_t nw = valid_words(tc);
		uint64_t *v = &tc->valid_ways[(size_t)si * nw];
		for (uint32_t k = 0; k < nw; k++) {
			uint32_t left = tc->ways - 64 * k;
			uint64_t free =
			    ~v[k] & (left < 64 ? (1ull << left) - 1 : ~0ull);
			if (free) {
				uint32_t b = (uint32_t)__builtin_ctzll(free);
				v[k] |= 1ull << b; /* the fill makes it valid */
				return &set[64 * k + b];
			}
		}
		return &set[sm_tc_full_set_victim(tc, si, use)];
	}
	for (uint32_t w = 0; w < tc->ways; w++)
		if (!use[w])
			return &set[w];
	return &set[sm_tc_full_set_victim(tc, si, use)];
}

/* A fill of `in` (at place p) into `victim`, the entry that held its
 * translation, or NULL when none does. */
static inline __attribute__((always_inline)) bool
fill_at(struct sm_tcache *tc, const struct sm_tc_entry *in,
	const struct place *p, struct sm_tc_entry *victim)
{
	bool evicted = false, flushed = false;

	if (!victim && tc->repl == SM_TC_FLUSHALL &&
	    tc->live >= (uint64_t)tc->sets * tc->ways) {
		sm_tc_inv_all(tc);
		tc->flushes++;
		flushed = true;
	}
	if (!victim) {
		victim = victim_of(tc, p->si);
		evicted = flushed || victim->valid;
	}
	int32_t i = (int32_t)(victim - tc->e);
	if (victim->valid)
		index_del(tc, i);
	*victim = *in;
	victim->va = p->base;
	victim->valid = true;
	tc->use[i] = ++tc->tick;
	index_add(tc, i, p->vb, p->level);
	return evicted;
}

/* A fill of `in`, of `level` (in->level): of an entry whose lookup has
 * just missed (`missed`, sm_tc_fill_missed), else replacing the entry
 * holding the same translation, if any. */
static inline __attribute__((always_inline)) bool
fill_level(struct sm_tcache *tc, const struct sm_tc_entry *in, int level,
	   bool missed)
{
	struct place p = place_of(tc, in, level);
	return fill_at(tc, in, &p,
		       missed ? NULL : same_translation(tc, in, &p));
}

/* fill_level with in->level, one case per level so that its shifts are
 * constants (host time). */
static inline __attribute__((always_inline)) bool
fill_any(struct sm_tcache *tc, const struct sm_tc_entry *in, bool missed)
{
	switch (in->level) {
	case 0:
		return fill_level(tc, in, 0, missed);
	case 1:
		return fill_level(tc, in, 1, missed);
	case 2:
		return fill_level(tc, in, 2, missed);
	case 3:
		return fill_level(tc, in, 3, missed);
	default:
		return fill_level(tc, in, in->level, missed);
	}
}

bool sm_tc_fill(struct sm_tcache *tc, const struct sm_tc_entry *in)
{
	return fill_any(tc, in, false);
}

bool sm_tc_fill_missed(struct sm_tcache *tc, const struct sm_tc_entry *in)
{
	/* The entry a fill replaces has in's page, level, VMID and nG, and
	 * in's ASID unless global: a lookup of (in->vmid, in->asid, in->va)
	 * at in->level would have found it, so after its miss there is none
	 * (host time: no chain search). */
	return fill_any(tc, in, true);
}

/* One cache's part of fill2_level: fill_at's steps for a missed fill of
 * `in` (not FLUSHALL: the victim is victim_of's, evicted if valid), its
 * page at `base` of sm_tc_page_key `key`, its tags' tag_key `tkey`; the
 * filter's counts are the caller's.  The entry filled. */
static inline __attribute__((always_inline)) struct sm_tc_entry *
fill2_one(struct sm_tcache *tc, const struct sm_tc_entry *in, uint64_t base,
	  uint64_t key, uint64_t tkey, int level, bool *evicted)
{
	struct sm_tc_entry *victim = victim_of(tc, set_of(tc, key));
	int32_t i = (int32_t)(victim - tc->e);
	*evicted = victim->valid;
	if (victim->valid)
		index_del(tc, i);
	*victim = *in;
	victim->va = base;
	victim->valid = true;
	tc->use[i] = ++tc->tick;
	index_link(tc, i, page_bucket(tc, key), tag_bucket_of(tc, tkey), level);
	return victim;
}

/* sm_tc_fill_missed2's common case at `level` (in->level): fill_at into
 * a, then into b, with the page's key, the tags' key and the filter's
 * hash computed once, and the two entries counted in the filter at once
 * (counts only add up: the same counts as index_add counting each once
 * after the victims' filter_del). */
static inline __attribute__((always_inline)) bool
fill2_level(struct sm_tcache *a, struct sm_tcache *b,
	    const struct sm_tc_entry *in, int level)
{
	uint64_t base = base_of(in->va, level);
	uint64_t key = sm_tc_page_key(base, level);
	uint64_t tkey = tag_key(in->vmid, in->asid);
	bool evicted, b_evicted;
	struct sm_tc_entry *ta =
	    fill2_one(a, in, base, key, tkey, level, &evicted);
	struct sm_tc_entry *tb =
	    fill2_one(b, in, base, key, tkey, level, &b_evicted);
	if (a->filter) {
		ta->hash = tb->hash = sm_tc_filter_hash(
		    base, level, sm_tc_filter_tags(in->vmid, tag_of(in)));
		filter_add_n(a->filter, ta, 2);
	}
	return evicted;
}

bool sm_tc_fill_missed2(struct sm_tcache *a, struct sm_tcache *b,
			const struct sm_tc_entry *in)
{
	/* The general path: the two calls (walk caches chain by tags;
	 * FLUSHALL may empty a cache first). */
	if (a->filter != b->filter || tag_chains(a) || tag_chains(b) ||
	    a->repl == SM_TC_FLUSHALL || b->repl == SM_TC_FLUSHALL) {
		bool evicted = sm_tc_fill_missed(a, in);
		sm_tc_fill_missed(b, in);
		return evicted;
	}
	/* One case per level so that its shifts are constants. */
	switch (in->level) {
	case 1:
		return fill2_level(a, b, in, 1);
	case 2:
		return fill2_level(a, b, in, 2);
	case 3:
		return fill2_level(a, b, in, 3);
	default:
		return fill2_level(a, b, in, in->level);
	}
}

/* lru_way of 4 ways, without a branch on the stamps (host time: the
 * default CPU and SMMU walk caches; their victims are hard to predict).
 * Each way's key is its stamp then its number (stamps count uses and
 * fills from 1: they stay far below 2^62), so the least key is the least
 * stamp's, of the lowest way on a tie: the first of the least stamps, as
 * lru_way's scan in way order finds. */
static inline __attribute__((always_inline)) uint32_t
lru4_way(const uint64_t *u)
{
	uint64_t k01 = sm_min_u64(u[0] << 2, u[1] << 2 | 1);
	uint64_t k23 = sm_min_u64(u[2] << 2 | 2, u[3] << 2 | 3);
	return (uint32_t)(sm_min_u64(k01, k23) & 3);
}

/* *t = *in, in moves of 16 bytes (base/ops.h; host time: where a fill is
 * inlined several times, GCC 12 may copy the entry with a `rep movs`). */
static inline __attribute__((always_inline)) void
entry_copy(struct sm_tc_entry *t, const struct sm_tc_entry *in)
{
	sm_copy_chunks(t, in, sizeof(*t));
}

/* One level of walk_fill_lru, `lv` a constant (host time: its shifts and
 * count offsets are then constants): the entry of `lv` for q's page,
 * table address `pa`, use stamp `stamp`, tag chain bucket tb; `four`: the
 * cache has 4 ways and a power-of-two count of sets (set_of's mask and
 * lru4_way, what the general forms compute for it). */
static inline __attribute__((always_inline)) void
walk_fill_lru_at(struct sm_tcache *tc, const struct sm_tc_walk *q,
		 const struct sm_tc_entry *in, int lv, uint64_t pa, uint32_t tb,
		 uint64_t stamp, bool four)
{
	struct sm_tc_entry *e = tc->e;
	struct sm_tc_link *link = tc->link;
	uint64_t *use = tc->use;
	uint32_t ways = four ? 4 : tc->ways;
	size_t first =
	    (size_t)(four ? (uint32_t)(q->pkey[lv] >> 32) & (tc->sets - 1)
			  : set_of(tc, q->pkey[lv])) *
	    ways;
	uint32_t w = four ? lru4_way(&use[first]) : lru_way(&use[first], ways);
	int32_t i = (int32_t)(first + w);
	struct sm_tc_entry *t = &e[i];
	if (!t->valid) {
		tc->live++;
		tc->lv_live[lv]++;
		tc->lv_mask |= (uint8_t)(1u << lv);
	} else {
		/* index_unlink then index_add's counts: a victim of the same
		 * level leaves them as they are. */
		tc->global_live -= t->global;
		if (t->level != lv) {
			tc->lv_live[lv]++;
			tc->lv_mask |= (uint8_t)(1u << lv);
			if (!--tc->lv_live[t->level])
				tc->lv_mask &= (uint8_t) ~(1u << t->level);
		}
		index_unlink_chains(tc, i, false);
	}
	entry_copy(t, in);
	t->va = base_of(q->va, lv);
	t->pa = pa;
	t->level = (uint8_t)lv;
	t->valid = true;
	use[i] = stamp;
	uint32_t vb = q->h[lv] & tc->va_mask;
	int32_t vh = tc->va_head[vb];
	t->va_next = vh;
	e[SM_TC_LINK(vh)].va_prev = va_ref(i); /* (e[-1] when none) */
	t->va_prev = tc->va_ref0 + (int32_t)vb;
	tc->va_head[vb] = SM_TC_LINK(i);
	int32_t th = tc->tag_head[tb];
	link[i].tag_next = th;
	link[SM_TC_LINK(th)].tag_prev = tag_ref(i);
	link[i].tag_prev = tc->tag_ref0 + (int32_t)tb;
	tc->tag_head[tb] = SM_TC_LINK(i);
	/* (in is not global: global_live stays.) */
}

/* walk_fill_lru's levels from `from` to `to` - 1 (to at most 3), each
 * its own copy of walk_fill_lru_at. */
static inline __attribute__((always_inline)) void
walk_fill_lru_levels(struct sm_tcache *tc, const struct sm_tc_walk *q,
		     const struct sm_tc_entry *in, int from, int to,
		     const uint64_t *tables, bool four)
{
	uint32_t tb = tag_bucket(tc, in->vmid, in->asid);
	uint64_t tick = tc->tick;
	switch (from) {
	case 0:
		walk_fill_lru_at(tc, q, in, 0, tables[1], tb, ++tick, four);
		if (to == 1)
			break;
		/* fall through */
	case 1:
		walk_fill_lru_at(tc, q, in, 1, tables[2], tb, ++tick, four);
		if (to == 2)
			break;
		/* fall through */
	case 2:
		walk_fill_lru_at(tc, q, in, 2, tables[3], tb, ++tick, four);
		break;
	}
	tc->tick = tick;
}

/* sm_tc_walk_fill of a walk cache of LRU replacement with neither
 * first-way hints (fewer than SM_TC_HINT_WAYS ways) nor a filter (the
 * default geometries of the CPU's and the SMMU's walk caches):
 * each level's fill as fill_at makes it, in one pass, with what is the
 * same for every level computed once (host time).  The steps per level
 * are fill_at's: the victim (victim_of: the first of the least use stamps,
 * an invalid way's being 0), unlinked if valid, the entry written, its
 * stamp the next tick, linked at its chains' heads.  (A victim of in's
 * VMID and ASID is unlinked from their tag chain and linked again at its
 * head, as fill_at does: keeping its place cost a test on every eviction,
 * and on replay-speed such a victim is rare.) */
static void walk_fill_lru(struct sm_tcache *tc, const struct sm_tc_walk *q,
			  const struct sm_tc_entry *in, int from, int to,
			  const uint64_t *tables)
{
	if (from < to)
		walk_fill_lru_levels(tc, q, in, from, to, tables, false);
}

void sm_tc_walk_fill(struct sm_tcache *tc, const struct sm_tc_walk *q,
		     struct sm_tc_entry *in, int from, int to,
		     const uint64_t *tables)
{
	/* (The default walk caches' geometry, its own copy: tc->lru4 is
	 * walk_fill_lru's condition with 4 ways and a power-of-two count of
	 * sets.) */
	if (!q->leaf && tc->lru4) {
		if (from < to)
			walk_fill_lru_levels(tc, q, in, from, to, tables, true);
		return;
	}
	if (!q->leaf && tc->repl == SM_TC_LRU && !tc->valid_ways &&
	    !tc->filter) {
		walk_fill_lru(tc, q, in, from, to, tables);
		return;
	}
	for (int lv = from; lv < to; lv++) {
		in->pa = tables[lv + 1];
		in->level = (uint8_t)lv;
		if (q->leaf) {
			sm_tc_fill_missed(tc, in);
			continue;
		}
		/* The place of each level as sm_tc_walk_lookup computed it
		 * (in is not global: its tag is q's ASID). */
		struct place p = {
		    .base = base_of(q->va, lv),
		    .key = q->pkey[lv],
		    .si = set_of(tc, q->pkey[lv]),
		    .h = q->h[lv],
		    .vb = q->h[lv] & tc->va_mask,
		    .level = lv,
		};
		fill_at(tc, in, &p, NULL);
	}
}
