/* SPDX-License-Identifier: MIT */
#include "hw/mem/tcache.h"

#include <smmusim/error.h>

#include <string.h>

#include "base/alloc.h"

/* A power of two at least n (n <= 2^31), at least 16. */
static uint32_t pow2_at_least(uint64_t n)
{
	uint32_t p = 16;
	while (p < n)
		p <<= 1;
	return p;
}

/* Bytes of the block holding the entries, their use stamps, their links
 * and the per-set hints (tcache.h), in that order: all zero when empty. */
static size_t block_size(const struct sm_tcache *tc)
{
	size_t total = (size_t)tc->sets * tc->ways;
	return total * (sizeof(*tc->e) + sizeof(*tc->use) + sizeof(*tc->link)) +
	       (tc->ways >= SM_TC_HINT_WAYS ? (size_t)tc->sets : 0) *
		   sizeof(*tc->free_from);
}

/* Bytes of the index heads, va_head[] then tag_head[]: all -1 when empty.
 * (Host time: apart from the block, which comes zeroed from sm_calloc
 * and is not touched until used; a zeroed block that the allocator
 * recycled is zeroed by dropping its pages, which writing -1 into would
 * fault in again, each time a simulator is made.) */
static size_t heads_size(const struct sm_tcache *tc)
{
	return (tc->va_mask + 1ull + tc->tag_mask + 1ull) * sizeof(int32_t);
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
	tc->va_mask = pow2_at_least(entries) - 1;
	tc->tag_mask = pow2_at_least(entries < 4096 ? entries : 4096) - 1;
	char *block = sm_calloc(a, block_size(tc));
	tc->va_head = sm_malloc(a, heads_size(tc));
	if (!block || !tc->va_head) {
		sm_free(a, block, block ? block_size(tc) : 0);
		sm_free(a, tc->va_head, heads_size(tc));
		*tc = (struct sm_tcache){.alloc = a};
		return sm_err(eb, SMMUSIM_ENOMEM,
			      "%s: cannot allocate %llu "
			      "entries",
			      what, (unsigned long long)entries);
	}
	tc->e = (struct sm_tc_entry *)block;
	tc->use = (uint64_t *)(tc->e + entries);
	tc->link = (struct sm_tc_link *)(tc->use + entries);
	if (tc->ways >= SM_TC_HINT_WAYS)
		tc->free_from = (uint32_t *)(tc->link + entries);
	tc->tag_head = tc->va_head + tc->va_mask + 1;
	memset(tc->va_head, 0xff, heads_size(tc));
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
	if (tc->e) {
		sm_free(tc->alloc, tc->e, block_size(tc));
		sm_free(tc->alloc, tc->va_head, heads_size(tc));
	}
	sm_free(tc->alloc, tc->rr, tc->sets * sizeof(*tc->rr));
	tc->e = NULL;
	tc->use = NULL;
	tc->rr = NULL;
	tc->link = NULL;
	tc->va_head = tc->tag_head = NULL;
}

/* Set of a page number at a level: a multiplicative hash so that strided
 * pages and different page sizes spread over the sets. */
/* The set of the page whose sm_tc_page_key is `key`. */
static uint32_t set_of(const struct sm_tcache *tc, uint64_t key)
{
	uint64_t h = key >> 32;
	/* (Host time: a power-of-two count of sets needs no division.) */
	return (uint32_t)(tc->sets & (tc->sets - 1) ? h % tc->sets
						    : h & (tc->sets - 1));
}

/* The (va, level) index bucket of the page whose sm_tc_page_key is
 * `key`. */
static inline uint32_t key_bucket(const struct sm_tcache *tc, uint64_t key)
{
	return (uint32_t)(key >> 40) & tc->va_mask;
}

static inline uint32_t va_bucket(const struct sm_tcache *tc, uint64_t base,
				 int level)
{
	return key_bucket(tc, sm_tc_page_key(base, level));
}

static inline uint16_t *filter_count(struct sm_tc_filter *f,
				     const struct sm_tc_entry *t)
{
	return &f->cnt[sm_tc_filter_bucket(
	    f, t->va, t->level,
	    sm_tc_filter_tags(t->vmid,
			      t->global ? SM_TC_FILTER_GLOBAL : t->asid))];
}

/* The one count of a filter that is off: never changed. */
static uint16_t filter_always = 1;

int sm_tc_filter_init(struct sm_tc_filter *f, const struct smmusim_allocator *a,
		      uint64_t entries)
{
	/* About one bucket per entry (a power of two; a collision only
	 * costs host time), 16-bit counts: no bucket can overflow while the
	 * caches hold fewer than 2^16 entries in all; past that the filter
	 * is off. */
	*f = (struct sm_tc_filter){.alloc = a};
	if (entries >= UINT16_MAX) {
		f->off = true;
		f->cnt = &filter_always;
		return 0;
	}
	f->mask = pow2_at_least(entries) - 1;
	f->cnt =
	    sm_calloc(a, (f->mask + 1ull + SM_TC_REGIONS) * sizeof(*f->cnt));
	f->rcnt = f->cnt ? f->cnt + f->mask + 1 : NULL;
	return f->cnt ? 0 : SMMUSIM_ENOMEM;
}

void sm_tc_filter_fini(struct sm_tc_filter *f)
{
	if (f->cnt && !f->off)
		sm_free(f->alloc, f->cnt,
			(f->mask + 1ull + SM_TC_REGIONS) * sizeof(*f->cnt));
	f->cnt = f->rcnt = NULL;
}

/* The region count of a level-3 entry (NULL for a block entry). */
static inline uint16_t *region_count(struct sm_tc_filter *f,
				     const struct sm_tc_entry *t)
{
	if (t->level != 3)
		return NULL;
	return &f->rcnt[sm_tc_filter_region(
	    t->va, sm_tc_filter_tags(t->vmid, t->global ? SM_TC_FILTER_GLOBAL
							: t->asid))];
}

static inline void filter_add(struct sm_tc_filter *f,
			      const struct sm_tc_entry *t)
{
	uint16_t *r;
	if (!f->off) {
		(*filter_count(f, t))++;
		if ((r = region_count(f, t)))
			++*r;
	}
	f->global_live += t->global;
	f->lv_live[t->level]++;
	f->lv_mask |= (uint8_t)(1u << t->level);
}

static inline void filter_del(struct sm_tc_filter *f,
			      const struct sm_tc_entry *t)
{
	uint16_t *r;
	if (!f->off) {
		(*filter_count(f, t))--;
		if ((r = region_count(f, t)))
			--*r;
	}
	f->global_live -= t->global;
	if (!--f->lv_live[t->level])
		f->lv_mask &= (uint8_t) ~(1u << t->level);
}

static inline uint32_t tag_bucket(const struct sm_tcache *tc, uint32_t vmid,
				  uint32_t asid)
{
	uint64_t key = ((uint64_t)vmid << 17 | asid) * 0x9e3779b97f4a7c15ull;
	return (uint32_t)(key >> 40) & tc->tag_mask;
}

static inline uint64_t base_of(uint64_t va, int level)
{
	return va & ~((1ull << sm_level_shift(level)) - 1);
}

/* Link entry i, just made valid, into both indexes (at the chains' heads:
 * their order does not matter, the lowest way is chosen by number); `key`
 * is its page's sm_tc_page_key, `level` its level. */
static inline __attribute__((always_inline)) void
index_add(struct sm_tcache *tc, int32_t i, uint64_t key, int level)
{
	const struct sm_tc_entry *t = &tc->e[i];
	struct sm_tc_link *l = &tc->link[i];
	int32_t *vh = &tc->va_head[key_bucket(tc, key)];
	int32_t *th = &tc->tag_head[tag_bucket(tc, t->vmid, t->asid)];

	tc->e[i].va_next = *vh;
	tc->e[i].va_prev = -1;
	*l = (struct sm_tc_link){*th, -1};
	if (*vh >= 0)
		tc->e[*vh].va_prev = i;
	if (*th >= 0)
		tc->link[*th].tag_prev = i;
	*vh = *th = i;
	tc->lv_live[level]++;
	tc->lv_mask |= (uint8_t)(1u << level);
	tc->live++;
	if (tc->filter)
		filter_add(tc->filter, t);
}

/* Unlink valid entry i from both indexes. */
static void index_del(struct sm_tcache *tc, int32_t i)
{
	const struct sm_tc_entry *t = &tc->e[i];
	const struct sm_tc_link *l = &tc->link[i];

	if (t->va_prev >= 0)
		tc->e[t->va_prev].va_next = t->va_next;
	else
		tc->va_head[va_bucket(tc, t->va, t->level)] = t->va_next;
	if (t->va_next >= 0)
		tc->e[t->va_next].va_prev = t->va_prev;
	if (l->tag_prev >= 0)
		tc->link[l->tag_prev].tag_next = l->tag_next;
	else
		tc->tag_head[tag_bucket(tc, t->vmid, t->asid)] = l->tag_next;
	if (l->tag_next >= 0)
		tc->link[l->tag_next].tag_prev = l->tag_prev;
	if (!--tc->lv_live[t->level])
		tc->lv_mask &= (uint8_t) ~(1u << t->level);
	tc->live--;
	if (tc->filter)
		filter_del(tc->filter, t);
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

/* The entry of exactly `level` for the page or block at `base` with
 * matching tags, in the lowest way (what a probe of its set in way order
 * finds); NULL if none.  Visits that page's index chain only. */
static inline __attribute__((always_inline)) struct sm_tc_entry *
probe(struct sm_tcache *tc, uint64_t base, int level, uint32_t vmid,
      uint32_t asid, enum sm_tc_asid_match m)
{
	struct sm_tc_entry *best = NULL;
	for (int32_t i = tc->va_head[va_bucket(tc, base, level)]; i >= 0;
	     i = tc->e[i].va_next) {
		struct sm_tc_entry *t = &tc->e[i];
		if (t->level == level && t->va == base &&
		    tags_match(t, vmid, asid, m) && (!best || t < best))
			best = t;
	}
	return best;
}

/* An exact lookup at one level; a hit becomes the most recently used. */
static inline __attribute__((always_inline)) struct sm_tc_entry *
lookup_at(struct sm_tcache *tc, uint32_t vmid, uint32_t asid, uint64_t va,
	  int level)
{
	struct sm_tc_entry *t;
	if (!(tc->lv_mask & (1u << level)))
		return NULL;
	t = probe(tc, base_of(va, level), level, vmid, asid,
		  SM_TC_ASID_OR_GLOBAL);
	if (t)
		tc->use[t - tc->e] = ++tc->tick;
	return t;
}

struct sm_tc_entry *sm_tc_lookup_level(struct sm_tcache *tc, uint32_t vmid,
				       uint32_t asid, uint64_t va, int level)
{
	/* One case per level, so that its shifts are constants (host
	 * time). */
	switch (level) {
	case 0:
		return lookup_at(tc, vmid, asid, va, 0);
	case 1:
		return lookup_at(tc, vmid, asid, va, 1);
	case 2:
		return lookup_at(tc, vmid, asid, va, 2);
	default:
		return lookup_at(tc, vmid, asid, va, level);
	}
}

struct sm_tc_entry *sm_tc_lookup(struct sm_tcache *tc, uint32_t vmid,
				 uint32_t asid, uint64_t va)
{
	/* Smallest page size first: each size lives in its own set.  Only
	 * the sizes it holds (levels below min_level hold none), each level
	 * unrolled so that its shifts are constants (host time). */
	struct sm_tc_entry *t;
#define SM_TC_TRY_(lv)                                                         \
	if ((tc->lv_mask & (1u << (lv))) &&                                    \
	    (t = probe(tc, base_of(va, (lv)), (lv), vmid, asid,                \
		       SM_TC_ASID_OR_GLOBAL)))                                 \
		goto hit;
	SM_TC_TRY_(3)
	SM_TC_TRY_(2)
	SM_TC_TRY_(1)
	SM_TC_TRY_(0)
#undef SM_TC_TRY_
	return NULL;
hit:
	tc->use[t - tc->e] = ++tc->tick;
	return t;
}

/* Where a fill of an entry goes: its page or block, that page's
 * sm_tc_page_key (of the set and of the index bucket) and its set. */
struct place {
	uint64_t base, key;
	uint32_t si;
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
	for (int32_t i = tc->va_head[key_bucket(tc, p->key)]; i >= 0;
	     i = tc->e[i].va_next) {
		struct sm_tc_entry *t = &tc->e[i];
		if (t->level == in->level && t->va == base &&
		    t->vmid == in->vmid && t->global == in->global &&
		    (t->global || t->asid == in->asid) && (!best || t < best))
			best = t;
	}
	return best;
}

/* The way a fill of set `si` takes when no entry holds its translation:
 * the first invalid way, else the replacement policy's victim. */
static inline __attribute__((always_inline)) struct sm_tc_entry *
victim_of(struct sm_tcache *tc, uint32_t si)
{
	struct sm_tc_entry *set = &tc->e[(size_t)si * tc->ways];
	const uint64_t *use = &tc->use[set - tc->e];
	uint32_t victim = 0;
	uint64_t oldest = UINT64_MAX;
	if (!tc->free_from && tc->repl != SM_TC_RR &&
	    tc->repl != SM_TC_RANDOM) {
		/* LRU (also a full set of a FLUSHALL cache that is not full)
		 * without the first-way hint: the first invalid way is the
		 * first of the least stamps when there is one (its stamp is
		 * 0, a valid entry's is not), so one scan finds both (host
		 * time). */
		for (uint32_t w = 0; w < tc->ways; w++)
			if (use[w] < oldest) {
				oldest = use[w];
				victim = w;
				if (!oldest)
					break;
			}
		return &set[victim];
	}
	/* Ways below free_from are valid: the first invalid way is at or
	 * after it (the same way a scan from way 0 finds). */
	uint32_t *hint = tc->free_from ? &tc->free_from[si] : NULL;
	for (uint32_t w = hint ? *hint : 0; w < tc->ways; w++)
		if (!use[w]) {
			if (hint)
				*hint = w + 1; /* the fill makes it valid */
			return &set[w];
		}
	if (hint)
		*hint = tc->ways;
	if (tc->repl != SM_TC_RR && tc->repl != SM_TC_RANDOM)
		for (uint32_t w = 0; w < tc->ways; w++)
			if (use[w] < oldest) {
				oldest = use[w]; /* LRU candidate */
				victim = w;
			}
	if (tc->repl == SM_TC_RR) {
		victim = tc->rr[si];
		tc->rr[si] = (tc->rr[si] + 1) % tc->ways;
	} else if (tc->repl == SM_TC_RANDOM) {
		victim = (uint32_t)sm_rng_below(tc->rng, tc->ways);
	}
	return &set[victim];
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
	index_add(tc, i, p->key, p->level);
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

static void drop(struct sm_tcache *tc, struct sm_tc_entry *t)
{
	size_t i = (size_t)(t - tc->e);
	index_del(tc, (int32_t)i);
	t->valid = false;
	tc->use[i] = 0;
	if (tc->free_from) {
		uint32_t si = (uint32_t)(i / tc->ways),
			 w = (uint32_t)(i % tc->ways);
		if (w < tc->free_from[si])
			tc->free_from[si] = w;
	}
}

/* Drop the entries of exactly `level` for the page or block at `base`
 * with matching tags: one index chain. */
static inline __attribute__((always_inline)) unsigned
inv_at(struct sm_tcache *tc, uint64_t base, int level, uint32_t vmid,
       uint32_t asid, enum sm_tc_asid_match m)
{
	unsigned n = 0;
	int32_t i = tc->va_head[va_bucket(tc, base, level)];
	while (i >= 0) {
		struct sm_tc_entry *t = &tc->e[i];
		i = tc->e[i].va_next;
		if (t->level == level && t->va == base &&
		    tags_match(t, vmid, asid, m)) {
			drop(tc, t);
			n++;
		}
	}
	return n;
}

unsigned sm_tc_inv_va(struct sm_tcache *tc, uint32_t vmid, uint32_t asid,
		      enum sm_tc_asid_match m, uint64_t va)
{
	/* Each level unrolled, so that its shifts are constants (host time;
	 * levels below min_level hold no entry). */
	unsigned n = 0;
#define SM_TC_INV_(lv)                                                         \
	if (tc->lv_live[lv])                                                   \
		n += inv_at(tc, base_of(va, (lv)), (lv), vmid, asid, m);
	SM_TC_INV_(3)
	SM_TC_INV_(2)
	SM_TC_INV_(1)
	SM_TC_INV_(0)
#undef SM_TC_INV_
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
	unsigned n = 0;
	if (!tc->live || !pages)
		return 0;
	if (pages != 1 || (start & 4095))
		return inv_range(tc, vmid, asid, m, start, pages, level);
	/* One page (the VA forms): one chain per size held, the largest
	 * level number (smallest size) first, each level unrolled so that
	 * its shifts are constants (host time). */
	unsigned mask = tc->lv_mask & (level ? 1u << level : 0xfu);
#define SM_TC_INV_(lv)                                                         \
	if (mask & (1u << (lv)))                                               \
		n += inv_at(tc, base_of(start, (lv)), (lv), vmid, asid, m);
	SM_TC_INV_(3)
	SM_TC_INV_(2)
	SM_TC_INV_(1)
	SM_TC_INV_(0)
#undef SM_TC_INV_
	return n;
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
 * chain. */
unsigned sm_tc_inv_asid(struct sm_tcache *tc, uint32_t vmid, uint32_t asid)
{
	unsigned n = 0;
	int32_t i = tc->tag_head[tag_bucket(tc, vmid, asid)];
	while (i >= 0) {
		struct sm_tc_entry *t = &tc->e[i];
		i = tc->link[i].tag_next;
		if (t->vmid == vmid && !t->global && t->asid == asid) {
			drop(tc, t);
			n++;
		}
	}
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
	 * empty, the first invalid way of each set its first. */
	for (size_t i = 0; i < total; i++)
		tc->e[i].valid = false;
	memset(tc->use, 0, total * sizeof(*tc->use));
	memset(tc->va_head, 0xff,
	       (tc->va_mask + 1ull + tc->tag_mask + 1ull) * sizeof(int32_t));
	if (tc->free_from)
		memset(tc->free_from, 0,
		       (size_t)tc->sets * sizeof(*tc->free_from));
	memset(tc->lv_live, 0, sizeof(tc->lv_live));
	tc->lv_mask = 0;
	tc->live = 0;
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
