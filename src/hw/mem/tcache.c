/* SPDX-License-Identifier: MIT */
#include "hw/mem/tcache.h"

#include <smmusim/error.h>

#include "base/alloc.h"

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
	tc->e = sm_calloc(a, entries * sizeof(*tc->e));
	if (!tc->e)
		return sm_err(eb, SMMUSIM_ENOMEM,
			      "%s: cannot allocate %llu "
			      "entries",
			      what, (unsigned long long)entries);
	tc->sets = (uint32_t)(entries / ways);
	tc->ways = (uint32_t)ways;
	tc->min_level = 1;
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
		return SMMUSIM_ENOMEM;
	}
	if (repl == SM_TC_RANDOM && !rng)
		tc->repl = SM_TC_LRU; /* degrade, never crash */
	return 0;
}

void sm_tc_fini(struct sm_tcache *tc)
{
	sm_free(tc->alloc, tc->e, (size_t)tc->sets * tc->ways * sizeof(*tc->e));
	sm_free(tc->alloc, tc->rr, tc->sets * sizeof(*tc->rr));
	tc->e = NULL;
	tc->rr = NULL;
}

/* Set of a page number at a level: a multiplicative hash so that strided
 * pages and different page sizes spread over the sets. */
static uint32_t set_of(const struct sm_tcache *tc, uint64_t va, int level)
{
	uint64_t key = ((va >> sm_level_shift(level)) << 2) | (uint64_t)level;
	key *= 0x9e3779b97f4a7c15ull;
	return (uint32_t)((key >> 32) % tc->sets);
}

static bool tags_match(const struct sm_tc_entry *t, uint32_t vmid,
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

/* The next way, from `*w` on, of the set of the page or block at `base`
 * that holds an entry of exactly `level` with matching tags; NULL when
 * none is left.  Every exact lookup and per-page invalidation is this one
 * set probe. */
static inline __attribute__((always_inline)) struct sm_tc_entry *
probe(struct sm_tcache *tc, uint64_t base, int level, uint32_t vmid,
      uint32_t asid, enum sm_tc_asid_match m, uint32_t *w)
{
	struct sm_tc_entry *set =
	    &tc->e[(size_t)set_of(tc, base, level) * tc->ways];
	for (; *w < tc->ways; (*w)++) {
		struct sm_tc_entry *t = &set[*w];
		if (t->level == level && t->va == base &&
		    tags_match(t, vmid, asid, m))
			return t;
	}
	return NULL;
}

/* An exact lookup at one level; a hit becomes the most recently used. */
static inline __attribute__((always_inline)) struct sm_tc_entry *
lookup_at(struct sm_tcache *tc, uint32_t vmid, uint32_t asid, uint64_t va,
	  int level)
{
	uint64_t base = va & ~((1ull << sm_level_shift(level)) - 1);
	uint32_t w = 0;
	struct sm_tc_entry *t =
	    probe(tc, base, level, vmid, asid, SM_TC_ASID_OR_GLOBAL, &w);
	if (t)
		t->stamp = ++tc->tick;
	return t;
}

struct sm_tc_entry *sm_tc_lookup_level(struct sm_tcache *tc, uint32_t vmid,
				       uint32_t asid, uint64_t va, int level)
{
	return lookup_at(tc, vmid, asid, va, level);
}

struct sm_tc_entry *sm_tc_lookup(struct sm_tcache *tc, uint32_t vmid,
				 uint32_t asid, uint64_t va)
{
	/* smallest page size first: each size lives in its own set */
	for (int level = 3; level >= tc->min_level; level--) {
		struct sm_tc_entry *t = lookup_at(tc, vmid, asid, va, level);
		if (t)
			return t;
	}
	return NULL;
}

bool sm_tc_fill(struct sm_tcache *tc, const struct sm_tc_entry *in)
{
	uint64_t base = in->va & ~((1ull << sm_level_shift(in->level)) - 1);
	struct sm_tc_entry *set =
	    &tc->e[(size_t)set_of(tc, base, in->level) * tc->ways];
	struct sm_tc_entry *victim = NULL;
	bool evicted = false, flushed = false;

	for (uint32_t w = 0; w < tc->ways; w++) {
		struct sm_tc_entry *t = &set[w];
		if (t->valid && t->level == in->level && t->va == base &&
		    t->vmid == in->vmid && t->global == in->global &&
		    (t->global || t->asid == in->asid)) {
			victim = t; /* refill of the same translation */
			break;
		}
	}
	if (!victim && tc->repl == SM_TC_FLUSHALL &&
	    tc->live >= (uint64_t)tc->sets * tc->ways) {
		sm_tc_inv_all(tc);
		tc->flushes++;
		flushed = true;
	}
	if (!victim) {
		for (uint32_t w = 0; w < tc->ways; w++) {
			struct sm_tc_entry *t = &set[w];
			if (!t->valid) {
				victim = t;
				break;
			}
			if (!victim || t->stamp < victim->stamp)
				victim = t; /* LRU candidate */
		}
		if (victim->valid && tc->repl == SM_TC_RR) {
			uint32_t si =
			    (uint32_t)((size_t)(set - tc->e) / tc->ways);
			victim = &set[tc->rr[si]];
			tc->rr[si] = (tc->rr[si] + 1) % tc->ways;
		} else if (victim->valid && tc->repl == SM_TC_RANDOM) {
			victim = &set[sm_rng_below(tc->rng, tc->ways)];
		}
		evicted = flushed || victim->valid;
		if (!victim->valid)
			tc->live++;
	}
	*victim = *in;
	victim->va = base;
	victim->valid = true;
	victim->stamp = ++tc->tick;
	return evicted;
}

static void drop(struct sm_tcache *tc, struct sm_tc_entry *t)
{
	t->valid = false;
	tc->live--;
}

/* Drop the entries of exactly `level` for the page or block at `base`
 * with matching tags: one set probe. */
static inline __attribute__((always_inline)) unsigned
inv_at(struct sm_tcache *tc, uint64_t base, int level, uint32_t vmid,
       uint32_t asid, enum sm_tc_asid_match m)
{
	unsigned n = 0;
	struct sm_tc_entry *t;
	for (uint32_t w = 0;
	     (t = probe(tc, base, level, vmid, asid, m, &w)) != NULL; w++) {
		drop(tc, t);
		n++;
	}
	return n;
}

unsigned sm_tc_inv_va(struct sm_tcache *tc, uint32_t vmid, uint32_t asid,
		      enum sm_tc_asid_match m, uint64_t va)
{
	unsigned n = 0;
	for (int level = 3; level >= tc->min_level; level--)
		n += inv_at(tc, va & ~((1ull << sm_level_shift(level)) - 1),
			    level, vmid, asid, m);
	return n;
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

unsigned sm_tc_inv_range(struct sm_tcache *tc, uint32_t vmid, uint32_t asid,
			 enum sm_tc_asid_match m, uint64_t start,
			 uint64_t pages, int level)
{
	struct range_ctx c = {vmid, asid, m, start, start + pages * 4096,
			      level};
	unsigned n = 0;
	if (!tc->live || !pages)
		return 0;
	if (pages * 3 > tc->sets)
		return sm_tc_inv_if(tc, match_range, &c);
	/* Few pages: probe each page's set at each size. */
	for (uint64_t va = start; va < c.end; va += 4096)
		for (int lv = 3; lv >= tc->min_level; lv--) {
			if (level && lv != level)
				continue;
			n +=
			    inv_at(tc, va & ~((1ull << sm_level_shift(lv)) - 1),
				   lv, vmid, asid, m);
		}
	return n;
}

unsigned sm_tc_inv_if(struct sm_tcache *tc,
		      bool (*fn)(void *ctx, const struct sm_tc_entry *e),
		      void *ctx)
{
	unsigned n = 0;
	size_t total = (size_t)tc->sets * tc->ways;
	if (!tc->live)
		return 0;
	for (size_t i = 0; i < total; i++) {
		struct sm_tc_entry *t = &tc->e[i];
		if (t->valid && fn(ctx, t)) {
			drop(tc, t);
			n++;
		}
	}
	return n;
}

struct tag_ctx {
	uint32_t vmid;
	uint32_t asid;
};

static bool match_asid(void *ctx, const struct sm_tc_entry *t)
{
	const struct tag_ctx *c = ctx;
	return t->vmid == c->vmid && !t->global && t->asid == c->asid;
}

static bool match_vmid(void *ctx, const struct sm_tc_entry *t)
{
	const struct tag_ctx *c = ctx;
	return t->vmid == c->vmid;
}

static bool match_all(void *ctx, const struct sm_tc_entry *t)
{
	(void)ctx;
	(void)t;
	return true;
}

unsigned sm_tc_inv_asid(struct sm_tcache *tc, uint32_t vmid, uint32_t asid)
{
	struct tag_ctx c = {vmid, asid};
	return sm_tc_inv_if(tc, match_asid, &c);
}

unsigned sm_tc_inv_vmid(struct sm_tcache *tc, uint32_t vmid)
{
	struct tag_ctx c = {vmid, 0};
	return sm_tc_inv_if(tc, match_vmid, &c);
}

unsigned sm_tc_inv_all(struct sm_tcache *tc)
{
	return sm_tc_inv_if(tc, match_all, NULL);
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
