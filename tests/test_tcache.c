/* SPDX-License-Identifier: MIT */
/*
 * A differential test of the translation cache (src/hw/mem/tcache.c)
 * against a reference model written the plain way: every lookup, fill and
 * invalidation scans the set (or the cache) in way order, and a fill takes
 * the first invalid way, else the victim of the replacement policy (LRU:
 * the first of the least use stamps; round robin per set; uniform from the
 * PRNG; FLUSHALL: a full cache emptied first).  The cache's host-side
 * indexes (hash chains, first-free hints, presence filter, the walk
 * lookups' keys) must never change which entry is found, evicted or
 * removed: after every operation of a long random sequence both hold the
 * same entries in the same ways with the same use stamps.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/rng.h"
#include "hw/mem/tcache.h"

#define ALLOC sm_default_allocator()

struct ref {
	struct sm_tc_entry *e;
	uint64_t *use;
	uint32_t sets, ways, *rr;
	uint64_t tick, live, flushes;
	enum sm_tc_repl repl;
	struct sm_rng rng;
};

static uint64_t base_of(uint64_t va, int level)
{
	return va & ~(sm_level_size(level) - 1);
}

static uint32_t ref_set(const struct ref *r, uint64_t base, int level)
{
	uint64_t h = sm_tc_page_key(base, level) >> 32;
	return (uint32_t)(h % r->sets);
}

static bool ref_tags(const struct sm_tc_entry *t, uint32_t vmid, uint32_t asid,
		     enum sm_tc_asid_match m)
{
	if (!t->valid || t->vmid != vmid)
		return false;
	if (m == SM_TC_ASID_ANY)
		return t->asid != SM_TC_ASID_STAGE2;
	if (m == SM_TC_ASID_OR_GLOBAL)
		return t->global || t->asid == asid;
	return !t->global && t->asid == asid;
}

/* The first way of the set of (base, level) matching, or -1. */
static long ref_find(struct ref *r, uint64_t base, int level, uint32_t vmid,
		     uint32_t asid, enum sm_tc_asid_match m)
{
	size_t first = (size_t)ref_set(r, base, level) * r->ways;
	for (uint32_t w = 0; w < r->ways; w++) {
		struct sm_tc_entry *t = &r->e[first + w];
		if (t->level == level && t->va == base &&
		    ref_tags(t, vmid, asid, m))
			return (long)(first + w);
	}
	return -1;
}

static long ref_lookup_level(struct ref *r, uint32_t vmid, uint32_t asid,
			     uint64_t va, int level)
{
	long i = ref_find(r, base_of(va, level), level, vmid, asid,
			  SM_TC_ASID_OR_GLOBAL);
	if (i >= 0)
		r->use[i] = ++r->tick;
	return i;
}

static long ref_lookup(struct ref *r, uint32_t vmid, uint32_t asid, uint64_t va)
{
	for (int lv = 3; lv >= 0; lv--) {
		long i = ref_lookup_level(r, vmid, asid, va, lv);
		if (i >= 0)
			return i;
	}
	return -1;
}

static void ref_drop(struct ref *r, size_t i)
{
	r->e[i].valid = false;
	r->use[i] = 0;
	r->live--;
}

static unsigned ref_inv_all(struct ref *r)
{
	unsigned n = 0;
	for (size_t i = 0; i < (size_t)r->sets * r->ways; i++)
		if (r->e[i].valid) {
			ref_drop(r, i);
			n++;
		}
	return n;
}

static bool ref_fill(struct ref *r, const struct sm_tc_entry *in)
{
	uint64_t base = base_of(in->va, in->level);
	uint32_t si = ref_set(r, base, in->level);
	struct sm_tc_entry *set = &r->e[(size_t)si * r->ways];
	long v = -1;
	bool evicted = false, flushed = false;
	for (uint32_t w = 0; w < r->ways && v < 0; w++)
		if (set[w].valid && set[w].level == in->level &&
		    set[w].va == base && set[w].vmid == in->vmid &&
		    set[w].global == in->global &&
		    (set[w].global || set[w].asid == in->asid))
			v = w;
	if (v < 0 && r->repl == SM_TC_FLUSHALL &&
	    r->live >= (uint64_t)r->sets * r->ways) {
		ref_inv_all(r);
		r->flushes++;
		flushed = true;
	}
	if (v < 0) {
		for (uint32_t w = 0; w < r->ways && v < 0; w++)
			if (!set[w].valid)
				v = w;
		if (v < 0 && r->repl == SM_TC_RR) {
			v = r->rr[si];
			r->rr[si] = (r->rr[si] + 1) % r->ways;
		} else if (v < 0 && r->repl == SM_TC_RANDOM) {
			v = (long)sm_rng_below(&r->rng, r->ways);
		} else if (v < 0) {
			uint64_t oldest = UINT64_MAX;
			for (uint32_t w = 0; w < r->ways; w++)
				if (r->use[(size_t)si * r->ways + w] < oldest) {
					oldest =
					    r->use[(size_t)si * r->ways + w];
					v = w;
				}
		}
		evicted = flushed || set[v].valid;
	}
	size_t i = (size_t)si * r->ways + (size_t)v;
	if (!r->e[i].valid)
		r->live++;
	r->e[i] = *in;
	r->e[i].va = base;
	r->e[i].valid = true;
	r->use[i] = ++r->tick;
	return evicted;
}

/* Drop the valid entries fn selects. */
static unsigned ref_inv_where(struct ref *r,
			      bool (*fn)(const void *c,
					 const struct sm_tc_entry *t),
			      const void *c)
{
	unsigned n = 0;
	for (size_t i = 0; i < (size_t)r->sets * r->ways; i++)
		if (r->e[i].valid && fn(c, &r->e[i])) {
			ref_drop(r, i);
			n++;
		}
	return n;
}

struct inv {
	uint32_t vmid, asid;
	enum sm_tc_asid_match m;
	uint64_t lo, hi; /* blocks from the one holding lo to hi's */
	uint64_t start, end;
	bool overlap; /* [start, end) overlap rule (a scan) */
	int level;
};

static bool inv_match(const void *c, const struct sm_tc_entry *t)
{
	const struct inv *v = c;
	if (!ref_tags(t, v->vmid, v->asid, v->m) ||
	    (v->level && t->level != v->level))
		return false;
	if (v->overlap)
		return t->va < v->end &&
		       t->va + sm_level_size(t->level) > v->start;
	return t->va >= base_of(v->lo, t->level) &&
	       t->va <= base_of(v->hi, t->level);
}

/* sm_tc_inv_range as specified in tcache.h/.c: one page, the pages from
 * `start` (a small range) or the overlap with [start, end) (a scan). */
static unsigned ref_inv_range(struct ref *r, struct inv *v, uint64_t pages)
{
	if (!r->live || !pages)
		return 0;
	v->start = v->lo;
	v->end = v->lo + pages * 4096;
	v->overlap = pages * 3 > r->sets && (pages != 1 || (v->lo & 4095));
	if (v->end <= v->start && !(pages == 1 && !(v->lo & 4095)))
		return v->overlap ? ref_inv_where(r, inv_match, v) : 0;
	v->hi = v->lo + (pages - 1) * 4096;
	return ref_inv_where(r, inv_match, v);
}

static bool asid_match(const void *c, const struct sm_tc_entry *t)
{
	const uint32_t *k = c;
	return t->vmid == k[0] && !t->global && t->asid == k[1];
}

static bool vmid_match(const void *c, const struct sm_tc_entry *t)
{
	return t->vmid == *(const uint32_t *)c;
}

static bool odd_page(void *c, const struct sm_tc_entry *t)
{
	(void)c;
	return (t->va >> 12) & 1;
}

static bool odd_page_c(const void *c, const struct sm_tc_entry *t)
{
	return odd_page((void *)c, t);
}

static void same_state(const struct sm_tcache *tc, const struct ref *r)
{
	assert_int_equal(tc->live, r->live);
	assert_int_equal(tc->flushes, r->flushes);
	for (size_t i = 0; i < (size_t)r->sets * r->ways; i++) {
		const struct sm_tc_entry *a = &tc->e[i], *b = &r->e[i];
		assert_int_equal(a->valid, b->valid);
		assert_int_equal(tc->use[i], r->use[i]);
		if (!a->valid)
			continue;
		assert_int_equal(a->va, b->va);
		assert_int_equal(a->pa, b->pa);
		assert_int_equal(a->level, b->level);
		assert_int_equal(a->asid, b->asid);
		assert_int_equal(a->vmid, b->vmid);
		assert_int_equal(a->global, b->global);
		assert_int_equal(a->flags, b->flags);
	}
}

static uint64_t rnd(struct sm_rng *g, uint64_t n)
{
	return sm_rng_below(g, n);
}

static uint64_t rnd_va(struct sm_rng *g)
{
	return rnd(g, 2) << 39 | rnd(g, 3) << 30 | rnd(g, 4) << 21 |
	       rnd(g, 24) << 12 | rnd(g, 4096);
}

static struct sm_tc_entry rnd_entry(struct sm_rng *g, int min_level)
{
	struct sm_tc_entry e = {
	    .va = rnd_va(g),
	    .pa = rnd(g, 1ull << 30) << 12,
	    .vmid = (uint32_t)rnd(g, 2),
	    .asid = rnd(g, 16) ? (uint32_t)rnd(g, 5) : SM_TC_ASID_STAGE2,
	    .level = (uint8_t)(min_level + (int)rnd(g, 4 - min_level)),
	    .perm = (uint8_t)rnd(g, 8),
	    .global = rnd(g, 6) == 0,
	    .flags = (uint8_t)rnd(g, 4),
	};
	if (e.asid == SM_TC_ASID_STAGE2)
		e.global = false;
	return e;
}

/* The presence filter of tc never says "none" of an entry tc holds: a
 * look-up of any level (level 0, as the CPU's access asks before its
 * look-ups) of a page in a held entry, with its tags (any ASID when
 * global), checked for a few entries picked at random. */
static void filter_holds(const struct sm_tcache *tc, struct sm_rng *g)
{
	size_t total = (size_t)tc->sets * tc->ways;
	for (int k = 0; k < 4; k++) {
		const struct sm_tc_entry *t = &tc->e[rnd(g, total)];
		if (!t->valid || t->level < 1)
			continue;
		uint64_t va = t->va + rnd(g, sm_level_size(t->level));
		uint32_t asid = t->global ? (uint32_t)rnd(g, 5) : t->asid;
		assert_true(
		    sm_tc_filter_may_hold(tc->filter, va, 0, t->vmid, asid));
		assert_true(sm_tc_filter_may_hold(tc->filter, va, t->level,
						  t->vmid, asid));
	}
}

/* The bitmap of n counts: bit b set when count b is non-zero. */
static void nonzero_bits(const uint16_t *cnt, size_t n, uint64_t *bits)
{
	for (size_t b = 0; b < n; b++)
		bits[b / 64] |= (uint64_t)(cnt[b] != 0) << (b % 64);
}

/* The counts of filter f are those of the valid entries of the n caches
 * sharing it: a removed entry takes away what its fill added (its bucket,
 * sm_tc_filter_bucket, kept in the entry).  Its bitmap is that of its
 * non-zero counts: every bucket's bit, and none past the counts. */
static void filter_exact(const struct sm_tc_filter *f,
			 const struct sm_tcache *const *tcs, unsigned n)
{
	size_t nb = f->mask + 1ull, nw = (f->mask + 64ull) / 64;
	uint16_t *want = calloc(nb, sizeof(*want));
	uint64_t *bits = calloc(nw, sizeof(*bits));
	assert_non_null(want);
	assert_non_null(bits);
	for (unsigned c = 0; c < n; c++) {
		size_t total = (size_t)tcs[c]->sets * tcs[c]->ways;
		for (size_t i = 0; i < total; i++) {
			const struct sm_tc_entry *t = &tcs[c]->e[i];
			if (!t->valid)
				continue;
			uint64_t tags = sm_tc_filter_tags(
			    t->vmid, t->global ? SM_TC_FILTER_GLOBAL : t->asid);
			want[sm_tc_filter_bucket(f, t->va, t->level, tags)]++;
		}
	}
	assert_memory_equal(f->cnt, want, nb * sizeof(*want));
	nonzero_bits(want, nb, bits);
	assert_memory_equal(f->bits, bits, nw * sizeof(*bits));
	free(bits);
	free(want);
}

/* One operation of the random sequence on both, results compared. */
static void step(struct sm_tcache *tc, struct ref *r, struct sm_rng *g,
		 int min_level)
{
	uint32_t vmid = (uint32_t)rnd(g, 2), asid = (uint32_t)rnd(g, 5);
	uint64_t va = rnd_va(g);
	enum sm_tc_asid_match m = (enum sm_tc_asid_match)rnd(g, 3);
	unsigned op = (unsigned)rnd(g, 100);
	if (op < 25) {
		struct sm_tc_entry *t = sm_tc_lookup(tc, vmid, asid, va);
		long i = ref_lookup(r, vmid, asid, va);
		assert_int_equal(t ? (long)(t - tc->e) : -1, i);
	} else if (op < 35) {
		int lv = min_level + (int)rnd(g, 4 - min_level);
		struct sm_tc_entry *t =
		    sm_tc_lookup_level(tc, vmid, asid, va, lv);
		long i = ref_lookup_level(r, vmid, asid, va, lv);
		assert_int_equal(t ? (long)(t - tc->e) : -1, i);
	} else if (op < 50 && min_level == 0) {
		/* A walk: table entries of levels 0-2 (not global). */
		struct sm_tc_walk q = {.va = va, .vmid = vmid, .asid = asid};
		uint64_t table = 0, tables[4] = {0, 0x1000, 0x2000, 0x3000};
		int hit = sm_tc_walk_lookup(tc, &q, &table), rhit = -1;
		for (int lv = 2; lv >= 0 && rhit < 0; lv--) {
			long i = ref_lookup_level(r, vmid, asid, va, lv);
			if (i >= 0) {
				rhit = lv;
				assert_int_equal(table, r->e[i].pa);
			}
		}
		assert_int_equal(hit, rhit);
		int to = 1 + (int)rnd(g, 3);
		struct sm_tc_entry in = {
		    .va = va, .vmid = vmid, .asid = asid, .root = 7};
		tables[1] += rnd(g, 8) << 20;
		sm_tc_walk_fill(tc, &q, &in, hit + 1, to, tables);
		for (int lv = hit + 1; lv < to; lv++) {
			in.pa = tables[lv + 1];
			in.level = (uint8_t)lv;
			ref_fill(r, &in);
		}
	} else if (op < 75) {
		struct sm_tc_entry e = rnd_entry(g, min_level);
		/* fill_missed only where a lookup of (vmid, asid, va) at
		 * that level misses (its contract); sm_tc_fill anywhere. */
		bool same = ref_find(r, base_of(e.va, e.level), e.level, e.vmid,
				     e.asid, SM_TC_ASID_OR_GLOBAL) >= 0;
		bool a = (!same && rnd(g, 2)) ? sm_tc_fill_missed(tc, &e)
					      : sm_tc_fill(tc, &e);
		assert_int_equal(a, ref_fill(r, &e));
	} else if (op < 85) {
		struct inv v = {vmid, asid, m, va, va, 0, 0, false, 0};
		int lv = rnd(g, 3) ? 0 : min_level + (int)rnd(g, 4 - min_level);
		uint64_t pages = rnd(g, 4) ? 1 : 1 + rnd(g, 40);
		if (pages == 1 && rnd(g, 3))
			v.lo = va & ~4095ull;
		v.level = lv;
		unsigned n =
		    sm_tc_inv_range(tc, vmid, asid, m, v.lo, pages, lv);
		assert_int_equal(n, ref_inv_range(r, &v, pages));
	} else if (op < 90) {
		struct inv v = {vmid, asid, m, va, va, 0, 0, false, 0};
		assert_int_equal(sm_tc_inv_va(tc, vmid, asid, m, va),
				 ref_inv_where(r, inv_match, &v));
	} else if (op < 95) {
		uint32_t k[2] = {vmid, asid};
		assert_int_equal(sm_tc_inv_asid(tc, vmid, asid),
				 ref_inv_where(r, asid_match, k));
	} else if (op < 97) {
		assert_int_equal(sm_tc_inv_vmid(tc, vmid),
				 ref_inv_where(r, vmid_match, &vmid));
	} else if (op < 99) {
		assert_int_equal(sm_tc_inv_if(tc, odd_page, NULL),
				 ref_inv_where(r, odd_page_c, NULL));
	} else {
		assert_int_equal(sm_tc_inv_all(tc), ref_inv_all(r));
	}
	same_state(tc, r);
	/* The presence filter never says "none" of an entry held. */
	if (tc->filter)
		filter_holds(tc, g);
	if (tc->filter) {
		struct sm_tc_entry e = rnd_entry(g, 1);
		long i = ref_find(r, base_of(e.va, e.level), e.level, e.vmid,
				  e.asid, SM_TC_ASID_OR_GLOBAL);
		if (i >= 0)
			assert_true(sm_tc_filter_may_hold(
			    tc->filter, e.va, e.level, e.vmid, e.asid));
	}
}

static void run(uint32_t sets, uint32_t ways, enum sm_tc_repl repl,
		int min_level, bool filter, uint64_t seed)
{
	struct sm_tcache tc;
	struct sm_tc_filter f;
	struct sm_errbuf eb = {0};
	struct sm_rng grng, crng;
	struct ref r = {.sets = sets, .ways = ways, .repl = repl};
	size_t total = (size_t)sets * ways;

	sm_rng_seed(&grng, seed);
	sm_rng_seed(&crng, seed * 31 + 7);
	sm_rng_seed(&r.rng, seed * 31 + 7);
	assert_int_equal(sm_tc_init(&tc, ALLOC, total, ways, "t", &eb), 0);
	assert_int_equal(sm_tc_set_repl(&tc, repl, &crng), 0);
	tc.min_level = min_level;
	if (filter) {
		assert_int_equal(sm_tc_filter_init(&f, ALLOC, total), 0);
		sm_tc_attach_filter(&tc, &f);
	}
	r.e = calloc(total, sizeof(*r.e));
	r.use = calloc(total, sizeof(*r.use));
	r.rr = calloc(sets, sizeof(*r.rr));
	assert_non_null(r.e);
	assert_non_null(r.use);
	assert_non_null(r.rr);
	for (int k = 0; k < 20000; k++) {
		step(&tc, &r, &grng, min_level);
		if (filter) {
			const struct sm_tcache *tcs[1] = {&tc};
			filter_exact(&f, tcs, 1);
		}
	}
	free(r.e);
	free(r.use);
	free(r.rr);
	sm_tc_fini(&tc);
	if (filter)
		sm_tc_filter_fini(&f);
}

/* The geometries of the default CPU and SMMU caches, and of the other
 * policies, with odd set counts and small sets for ties and collisions. */
static void test_tcache_matches_reference(void **state)
{
	(void)state;
	run(1, 48, SM_TC_LRU, 1, true, 1);  /* CPU L1 */
	run(256, 5, SM_TC_LRU, 1, true, 2); /* CPU TLB */
	run(16, 4, SM_TC_LRU, 0, false, 3); /* walk caches */
	/* Walk caches of other geometries (walk_fill_lru's general copy). */
	run(5, 4, SM_TC_LRU, 0, false, 15);
	run(8, 6, SM_TC_LRU, 0, false, 16);
	run(64, 4, SM_TC_LRU, 1, false, 4); /* IOTLB (smaller) */
	run(1, 32, SM_TC_LRU, 1, false, 5); /* SMMU micro-TLB */
	run(4, 16, SM_TC_RR, 1, false, 6);  /* round robin, hints */
	run(5, 3, SM_TC_RR, 0, false, 7);   /* round robin, small */
	run(3, 20, SM_TC_RANDOM, 0, false, 8);
	run(7, 2, SM_TC_RANDOM, 1, true, 9);
	run(1, 16, SM_TC_FLUSHALL, 1, false, 10); /* QEMU 7.2 IOTLB */
	run(2, 8, SM_TC_FLUSHALL, 1, false, 11);
	run(3, 24, SM_TC_LRU, 0, false, 12);
	/* LRU candidates (SM_TC_HINT_WAYS ways or more) in several sets,
	 * and in full sets of a FLUSHALL cache that is not full. */
	run(4, 16, SM_TC_LRU, 1, true, 13);
	run(2, 16, SM_TC_FLUSHALL, 1, false, 14);
}

/* Two caches sharing a filter (a PE's TLB and L1, both LRU). */
struct pair {
	struct sm_tcache tlb, l1;
	struct sm_tc_filter f;
};

static void pair_init(struct pair *p, enum sm_tc_repl repl, struct sm_rng *rng)
{
	struct sm_errbuf eb = {0};
	assert_int_equal(sm_tc_init(&p->tlb, ALLOC, 40, 5, "t", &eb), 0);
	assert_int_equal(sm_tc_init(&p->l1, ALLOC, 20, 20, "l", &eb), 0);
	assert_int_equal(sm_tc_set_repl(&p->tlb, repl, rng), 0);
	assert_int_equal(sm_tc_set_repl(&p->l1, repl, rng), 0);
	assert_int_equal(sm_tc_filter_init(&p->f, ALLOC, 60), 0);
	sm_tc_attach_filter(&p->tlb, &p->f);
	sm_tc_attach_filter(&p->l1, &p->f);
}

static void pair_fini(struct pair *p)
{
	sm_tc_fini(&p->tlb);
	sm_tc_fini(&p->l1);
	sm_tc_filter_fini(&p->f);
}

static void same_cache(const struct sm_tcache *a, const struct sm_tcache *b)
{
	size_t total = (size_t)a->sets * a->ways;
	assert_int_equal(a->live, b->live);
	assert_int_equal(a->tick, b->tick);
	assert_int_equal(a->lv_mask, b->lv_mask);
	assert_int_equal(a->global_live, b->global_live);
	assert_memory_equal(a->use, b->use, total * sizeof(*a->use));
	for (size_t i = 0; i < total; i++) {
		assert_int_equal(a->e[i].valid, b->e[i].valid);
		if (!a->e[i].valid)
			continue;
		assert_int_equal(a->e[i].va, b->e[i].va);
		assert_int_equal(a->e[i].pa, b->e[i].pa);
		assert_int_equal(a->e[i].level, b->e[i].level);
		assert_int_equal(a->e[i].asid, b->e[i].asid);
		assert_int_equal(a->e[i].global, b->e[i].global);
		assert_int_equal(a->e[i].hash, b->e[i].hash);
	}
}

static void same_pair(const struct pair *x, const struct pair *y)
{
	same_cache(&x->tlb, &y->tlb);
	same_cache(&x->l1, &y->l1);
	assert_memory_equal(x->f.cnt, y->f.cnt,
			    (x->f.mask + 1ull) * sizeof(*x->f.cnt));
	assert_int_equal(x->f.lv_mask, y->f.lv_mask);
	assert_int_equal(x->f.global_live, y->f.global_live);
	assert_memory_equal(x->f.lv_live, y->f.lv_live, sizeof(x->f.lv_live));
}

/* sm_tc_fill_missed2 of a TLB and an L1 gives what sm_tc_fill_missed of
 * each in turn gives (victims, evictions, use stamps, filter counts),
 * through fills, lookups and invalidations of both. */
static void pair_run(enum sm_tc_repl repl, uint64_t seed)
{
	struct pair x, y;
	struct sm_rng g, rx, ry;
	sm_rng_seed(&g, seed);
	sm_rng_seed(&rx, seed + 1);
	sm_rng_seed(&ry, seed + 1);
	pair_init(&x, repl, &rx);
	pair_init(&y, repl, &ry);
	for (int k = 0; k < 20000; k++) {
		struct sm_tc_entry e = rnd_entry(&g, 1);
		unsigned op = (unsigned)rnd(&g, 10);
		if (op < 6) {
			e.vmid = 0;
			bool hx = sm_tc_lookup(&x.tlb, 0, e.asid, e.va) ||
				  sm_tc_lookup(&x.l1, 0, e.asid, e.va);
			bool hy = sm_tc_lookup(&y.tlb, 0, e.asid, e.va) ||
				  sm_tc_lookup(&y.l1, 0, e.asid, e.va);
			assert_int_equal(hx, hy);
			if (!hx &&
			    !sm_tc_lookup_level(&x.tlb, 0, e.asid, e.va,
						e.level) &&
			    !sm_tc_lookup_level(&y.tlb, 0, e.asid, e.va,
						e.level) &&
			    !sm_tc_lookup_level(&x.l1, 0, e.asid, e.va,
						e.level) &&
			    !sm_tc_lookup_level(&y.l1, 0, e.asid, e.va,
						e.level)) {
				bool ev = sm_tc_fill_missed(&y.tlb, &e);
				sm_tc_fill_missed(&y.l1, &e);
				assert_int_equal(
				    sm_tc_fill_missed2(&x.tlb, &x.l1, &e), ev);
			}
		} else if (op < 8) {
			assert_int_equal(sm_tc_inv_va(&x.l1, 0, e.asid,
						      SM_TC_ASID_ANY, e.va),
					 sm_tc_inv_va(&y.l1, 0, e.asid,
						      SM_TC_ASID_ANY, e.va));
		} else if (op < 9) {
			assert_int_equal(sm_tc_inv_asid(&x.tlb, 0, e.asid),
					 sm_tc_inv_asid(&y.tlb, 0, e.asid));
		} else {
			sm_tc_fill(&x.tlb, &e);
			sm_tc_fill(&y.tlb, &e);
		}
		same_pair(&x, &y);
		filter_holds(&x.tlb, &g);
		filter_holds(&x.l1, &g);
		const struct sm_tcache *xs[2] = {&x.tlb, &x.l1};
		filter_exact(&x.f, xs, 2);
	}
	pair_fini(&x);
	pair_fini(&y);
}

static void test_tcache_fill_missed2(void **state)
{
	(void)state;
	pair_run(SM_TC_LRU, 21);
	pair_run(SM_TC_RANDOM, 22);
	pair_run(SM_TC_RR, 23);
	pair_run(SM_TC_FLUSHALL, 24); /* the general path: the two calls */
}

/* A cache (LRU) of the given geometry, with its reference, sharing the
 * filter f if not NULL. */
static void cache_new(struct sm_tcache *tc, struct ref *r, uint32_t sets,
		      uint32_t ways, int min_level, struct sm_tc_filter *f)
{
	struct sm_errbuf eb = {0};
	*r = (struct ref){.sets = sets, .ways = ways, .repl = SM_TC_LRU};
	assert_int_equal(
	    sm_tc_init(tc, ALLOC, (uint64_t)sets * ways, ways, "t", &eb), 0);
	tc->min_level = min_level;
	if (f)
		sm_tc_attach_filter(tc, f);
	r->e = calloc((size_t)sets * ways, sizeof(*r->e));
	r->use = calloc((size_t)sets * ways, sizeof(*r->use));
	r->rr = calloc(sets, sizeof(*r->rr));
	assert_true(r->e && r->use && r->rr);
}

static void cache_free(struct sm_tcache *tc, struct ref *r)
{
	free(r->e);
	free(r->use);
	free(r->rr);
	sm_tc_fini(tc);
}

/* sm_tc_inv_page_each over a PE's caches (two leaf caches sharing a
 * filter, a walk cache) and over one: what the reference's one-page
 * sm_tc_inv_range removes from each, with random histories between. */
static void test_tcache_inv_page_each(void **state)
{
	static const struct {
		uint32_t sets, ways;
		int min_level;
		bool filter;
	} geo[3] = {{1, 48, 1, true}, {256, 5, 1, true}, {16, 4, 0, false}};
	struct sm_tcache tc[3];
	struct sm_tcache *tcs[3];
	struct ref r[3];
	struct sm_tc_filter f;
	struct sm_rng g;
	(void)state;
	sm_rng_seed(&g, 99);
	assert_int_equal(sm_tc_filter_init(&f, ALLOC, 48 + 1280), 0);
	for (int c = 0; c < 3; c++) {
		cache_new(&tc[c], &r[c], geo[c].sets, geo[c].ways,
			  geo[c].min_level, geo[c].filter ? &f : NULL);
		tcs[c] = &tc[c];
	}
	for (int k = 0; k < 30000; k++) {
		unsigned c = (unsigned)rnd(&g, 3);
		step(&tc[c], &r[c], &g, geo[c].min_level);
		uint32_t vmid = (uint32_t)rnd(&g, 2),
			 asid = (uint32_t)rnd(&g, 5);
		enum sm_tc_asid_match m = (enum sm_tc_asid_match)rnd(&g, 3);
		int lv = rnd(&g, 2) ? 0 : 1 + (int)rnd(&g, 3);
		uint64_t va = rnd_va(&g) & ~4095ull;
		/* All three, or the one just used (from c). */
		unsigned first = rnd(&g, 2) ? 0 : c, n = first ? 1 : 3;
		unsigned want = 0;
		for (unsigned i = first; i < first + n; i++) {
			struct inv v = {vmid, asid, m, va, va, 0, 0, false, lv};
			want += ref_inv_range(&r[i], &v, 1);
		}
		assert_int_equal(
		    sm_tc_inv_page_each(&tcs[first], n, vmid, asid, m, va, lv),
		    want);
		for (unsigned i = 0; i < 3; i++)
			same_state(&tc[i], &r[i]);
		const struct sm_tcache *leaf[2] = {&tc[0], &tc[1]};
		filter_exact(&f, leaf, 2);
	}
	for (int c = 0; c < 3; c++)
		cache_free(&tc[c], &r[c]);
	sm_tc_filter_fini(&f);
}

/* Sets of 64 ways or more, filled past a word of their valid_ways bits
 * (tcache.h) by fills with a few invalidations between: the ways each
 * fill takes and evicts are the reference's. */
static void test_tcache_many_ways(void **state)
{
	static const uint32_t geo[][2] = {{2, 64}, {1, 100}, {2, 130}};
	struct sm_rng g;
	(void)state;
	sm_rng_seed(&g, 41);
	for (size_t k = 0; k < sizeof(geo) / sizeof(geo[0]); k++) {
		struct sm_tcache tc;
		struct ref r;
		cache_new(&tc, &r, geo[k][0], geo[k][1], 1, NULL);
		for (int i = 0; i < 4000; i++) {
			struct sm_tc_entry e = rnd_entry(&g, 1);
			uint32_t vmid = e.vmid, asid = e.asid;
			struct inv v = {vmid, asid, SM_TC_ASID_ANY, e.va, e.va,
					0,    0,    false,	    0};
			if (rnd(&g, 10))
				assert_int_equal(sm_tc_fill(&tc, &e),
						 ref_fill(&r, &e));
			else
				assert_int_equal(
				    sm_tc_inv_va(&tc, vmid, asid,
						 SM_TC_ASID_ANY, e.va),
				    ref_inv_where(&r, inv_match, &v));
			same_state(&tc, &r);
		}
		assert_true(tc.live > 64);
		cache_free(&tc, &r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tcache_matches_reference),
	    cmocka_unit_test(test_tcache_fill_missed2),
	    cmocka_unit_test(test_tcache_inv_page_each),
	    cmocka_unit_test(test_tcache_many_ways),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
