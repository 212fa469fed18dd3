/* SPDX-License-Identifier: MIT */
/*
 * Stats registry: named counters and latency histograms.
 *
 * Registry
 * --------
 * Every row of the stats table (engine/stat_defs.h) that is one name is
 * registered when the registry is created: a counter row's value is slot ID
 * of the array ctr[], inside struct sm_stats, and a histogram row's
 * histogram is allocated then and pointed to by slot ID of hist[].  Models
 * keep the two arrays (sm_stats_ctrs(), sm_stats_hists()) and count by ID,
 * so the table is the only place a stat is written; a family row's members
 * are registered later, one by one, by the models that know them (the TLBI
 * operands, the SMMU commands, the PEs, the flush routines).
 *
 * Counters and histograms have two independent name indexes (a counter and
 * a histogram may share a name), for the reports and sm_stats_find().  An
 * index item holds the name (flexible array member), its row and where the
 * value is: ctr[ID] for a row, the item itself for a family member; a
 * histogram item points to its histogram.  The rows' items are made
 * together, in one block per index, and the histograms in one more (their
 * buckets are then pages not touched until recorded into); a member is
 * allocated on its own; none is moved or freed before sm_stats_free(), so a
 * member's `uint64_t *` stays valid.  Lookup by name goes
 * through a small open-addressing hash table (FNV-1a, linear probing, load
 * factor <= 1/2, power-of-two capacity) whose slots only hold pointers, so
 * rehashing never moves the items themselves.
 *
 * Iteration is in strcmp order of the names, which makes reports stable
 * across runs regardless of registration order.  The sorted index is built
 * lazily: registration only marks it stale, and the first iteration call
 * after that rebuilds it (collect, then a merge sort, O(n log n), whose
 * comparisons look at the names' first 16 bytes as two words and call
 * strcmp only past them).  The index array (with the sort's scratch half)
 * is grown at registration time, so the rebuild itself never allocates and the
 * iteration functions cannot fail.  Because they take a const registry, the
 * rebuild writes through a cast; the registry is always heap-allocated as a
 * non-const object, so this is well defined, but it does mean that iterating
 * is a write and two threads must not iterate the same registry concurrently
 * without a lock (nothing in the simulator does).
 *
 * Histogram buckets
 * -----------------
 * Latencies span many orders of magnitude: an IOTLB hit costs a few cycles,
 * a full two-stage walk that misses in every cache costs thousands, and a
 * faulting access waiting for software can cost millions.  Linear buckets
 * either waste memory on the tail or smear all the interesting short
 * latencies into one bucket; pure power-of-two buckets are cheap but only
 * accurate to a factor of 2, which is useless for telling 600 from 1000.
 *
 * So we use the log-linear scheme of HdrHistogram: split the range into
 * power-of-two "octaves" [2^e, 2^(e+1)) and each octave into 16 linear
 * sub-buckets of width 2^(e-4).  Concretely:
 *
 *   v <  16 : bucket v (exact; the octaves 1..8 have fewer than 16 values)
 *   v >= 16 : e = 63 - clz(v)               (e in 4..63)
 *             sub = (v >> (e - 4)) & 15     (the 4 bits below the top one)
 *             bucket = 16 * (e - 3) + sub
 *
 * For e = 4 this gives bucket = v, so values 0..31 are in fact all exact.
 * The last bucket is 16 * 60 + 15 = 975, so 976 buckets (7.8 KiB of counts
 * per histogram) cover the whole uint64_t range, and recording is O(1): one
 * clz, two shifts, an add.  (Host time: a sample below SM_HIST_SMALL, 1024,
 * is only counted by value, one add, and joins its bucket, the count, the
 * sum, min and max when the histogram is read: sm_hist_summary.)
 *
 * Bucket (e, sub) holds [(16 + sub) << (e - 4), (17 + sub) << (e - 4) - 1].
 * Its width is 2^(e-4) and its smallest member is at least 16 * 2^(e-4), so
 * any value in it differs from the bucket's upper bound by less than 1/16
 * of the value (relative error < 6.25%).  Percentiles are reported as that
 * upper bound, i.e. they never under-estimate, and are then clamped to the
 * exact [min, max] recorded, so p100-like tails and single-sample histograms
 * come out exact.
 *
 * Percentile p is the upper bound of the first bucket at which the
 * cumulative count reaches ceil(p * count), computed in integers
 * (p = k / 100) so that it stays exact for any count.  The sum saturates at
 * UINT64_MAX rather than wrapping.
 */
#include "engine/stats.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <smmusim/error.h>

#include "base/alloc.h"
#include "base/errbuf.h"
#include "base/vec.h"

/* Longest family member name accepted (excluding the NUL). */
#define SM_STATS_NAME_MAX 255

struct sm_counter_item {
	uint64_t *value; /* &ctr[ID] for a row, &own for a family member */
	uint64_t own;
	const struct smmusim_stat_def *def;
	char name[];
};

struct sm_hist_item {
	struct sm_hist *hist; /* in the registry's block of histograms */
	const struct smmusim_stat_def *def;
	char name[];
};

struct sm_reg_slot {
	uint64_t hash;
	void *obj; /* NULL: empty */
};

/* A sorted index entry: the name's first 16 bytes as two big-endian words
 * (zero-padded) order most pairs without strcmp. */
struct sm_reg_ent {
	const char *name;
	void *obj;
	uint64_t k0, k1;
};

struct sm_reg {
	size_t size;   /* of an item without its name */
	size_t hdr;    /* offsetof(item, name) */
	size_t defoff; /* offsetof(item, def) */
	struct sm_reg_slot *slots;
	size_t cap; /* 0 or a power of two */
	size_t n;
	/* sorted[0..n) and a scratch half for the merge sort: capacity
	 * sorted_cap >= 2n */
	struct sm_reg_ent *sorted;
	size_t sorted_cap;
	bool dirty; /* sorted[] is stale */
	/* The one-name rows' items, one block (reserve_rows); a family
	 * member is allocated on its own. */
	char *rows;
	size_t rows_size;
};

struct sm_stats {
	const struct smmusim_allocator *a;
	struct sm_reg ctrs;
	struct sm_reg hists;
	int err; /* the first registration error, 0 if none */
	struct sm_errbuf eb;
	struct sm_hist *hist[SM_STAT_COUNT_]; /* by ID; NULL: no histogram */
	struct sm_hist *hist_block;	      /* the histograms themselves */
	size_t nhist;
	uint64_t ctr[SM_STAT_COUNT_]; /* by ID */
};

/* ---- generic name registry -------------------------------------------- */

static uint64_t sm_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	/* Mix the high bits down: we index with the low bits. */
	h ^= h >> 32;
	return h;
}

static const char *reg_name(const struct sm_reg *r, const void *obj)
{
	return (const char *)obj + r->hdr;
}

static void *reg_find(const struct sm_reg *r, const char *name, uint64_t h)
{
	if (!r->cap)
		return NULL;
	size_t mask = r->cap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		const struct sm_reg_slot *sl = &r->slots[i];
		if (!sl->obj)
			return NULL;
		if (sl->hash == h && !strcmp(reg_name(r, sl->obj), name))
			return sl->obj;
	}
}

static void reg_place(struct sm_reg_slot *slots, size_t cap, uint64_t h,
		      void *obj)
{
	size_t mask = cap - 1;
	size_t i = h & mask;
	while (slots[i].obj)
		i = (i + 1) & mask;
	slots[i].hash = h;
	slots[i].obj = obj;
}

/* Make room for `more` entries; on failure nothing changes. */
static int reg_reserve(struct sm_reg *r, const struct smmusim_allocator *a,
		       size_t more)
{
	if ((r->n + more) * 2 > r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 64;
		while ((r->n + more) * 2 > ncap)
			ncap *= 2;
		struct sm_reg_slot *ns = sm_calloc(a, ncap * sizeof(*ns));
		if (!ns)
			return SMMUSIM_ENOMEM;
		for (size_t i = 0; i < r->cap; i++)
			if (r->slots[i].obj)
				reg_place(ns, ncap, r->slots[i].hash,
					  r->slots[i].obj);
		sm_free(a, r->slots, r->cap * sizeof(*r->slots));
		r->slots = ns;
		r->cap = ncap;
	}
	return SM_VEC_RESERVE(a, r->sorted, r->sorted_cap, 2 * (r->n + more),
			      64);
}

/* Register obj, whose name and row are written, under hash h. */
static void reg_insert(struct sm_reg *r, void *obj, uint64_t h)
{
	reg_place(r->slots, r->cap, h, obj);
	r->n++;
	r->dirty = true;
}

/* Write the name and row of the zeroed item obj. */
static void reg_label(const struct sm_reg *r, void *obj, const char *name,
		      size_t len, const struct smmusim_stat_def *def)
{
	memcpy((char *)obj + r->hdr, name, len + 1);
	*(const struct smmusim_stat_def **)((char *)obj + r->defoff) = def;
}

/* Add the item named `name` (hash h, not registered yet) of row `def`,
 * zeroed otherwise; NULL only when out of memory, with nothing changed. */
static void *reg_add(struct sm_reg *r, const struct smmusim_allocator *a,
		     const char *name, uint64_t h,
		     const struct smmusim_stat_def *def)
{
	if (reg_reserve(r, a, 1))
		return NULL;
	size_t len = strlen(name);
	void *obj = sm_calloc(a, r->size + len + 1);
	if (!obj)
		return NULL;
	reg_label(r, obj, name, len, def);
	reg_insert(r, obj, h);
	return obj;
}

/* Bytes of a row's item in the block: aligned for the next one. */
static size_t row_item_size(const struct sm_reg *r, const char *name)
{
	size_t n = r->size + strlen(name) + 1;
	return (n + _Alignof(max_align_t) - 1) & ~(_Alignof(max_align_t) - 1);
}

static bool reg_owns_row(const struct sm_reg *r, const void *obj)
{
	return (uintptr_t)obj - (uintptr_t)r->rows < r->rows_size;
}

static void reg_free(struct sm_reg *r, const struct smmusim_allocator *a)
{
	for (size_t i = 0; i < r->cap; i++) {
		void *obj = r->slots[i].obj;
		if (obj && !reg_owns_row(r, obj))
			sm_free(a, obj, r->size + strlen(reg_name(r, obj)) + 1);
	}
	sm_free(a, r->rows, r->rows_size);
	sm_free(a, r->slots, r->cap * sizeof(*r->slots));
	sm_free(a, r->sorted, r->sorted_cap * sizeof(*r->sorted));
}

/* Bytes [from, from + 8) of s (len bytes; zero past its end), big-endian:
 * comparing two such words compares those bytes as strcmp does. */
static uint64_t name_word(const char *s, size_t len, size_t from)
{
	uint64_t w = 0;
	for (size_t i = from; i < from + 8; i++)
		w = w << 8 | (i < len ? (unsigned char)s[i] : 0u);
	return w;
}

static inline bool ent_less(const struct sm_reg_ent *a,
			    const struct sm_reg_ent *b)
{
	if (a->k0 != b->k0)
		return a->k0 < b->k0;
	if (a->k1 != b->k1)
		return a->k1 < b->k1;
	return strcmp(a->name, b->name) < 0;
}

/* Sort e[0..n) by name (merge sort, tmp[0..n) as scratch): the report's
 * iteration, once per run (host time: qsort's strcmp calls were 12 % of
 * an empty replay). */
static void ent_sort(struct sm_reg_ent *e, struct sm_reg_ent *tmp, size_t n)
{
	if (n < 2)
		return;
	size_t h = n / 2;
	ent_sort(e, tmp, h);
	ent_sort(e + h, tmp, n - h);
	if (!ent_less(&e[h], &e[h - 1]))
		return; /* already in order */
	memcpy(tmp, e, h * sizeof(*e));
	size_t i = 0, j = h, k = 0;
	while (i < h && j < n)
		e[k++] = ent_less(&e[j], &tmp[i]) ? e[j++] : tmp[i++];
	while (i < h)
		e[k++] = tmp[i++];
}

/* The sorted index, rebuilt if a registration happened since last time. */
static const struct sm_reg_ent *reg_sorted(const struct sm_reg *cr)
{
	struct sm_reg *r = (struct sm_reg *)cr; /* lazily maintained cache */
	if (r->dirty) {
		size_t k = 0;
		for (size_t i = 0; i < r->cap; i++) {
			void *obj = r->slots[i].obj;
			if (obj) {
				const char *name = reg_name(r, obj);
				size_t len = strlen(name);
				r->sorted[k++] = (struct sm_reg_ent){
				    name, obj, name_word(name, len, 0),
				    name_word(name, len, 8)};
			}
		}
		ent_sort(r->sorted, r->sorted + k, k);
		r->dirty = false;
	}
	return r->sorted;
}

/* ---- registry API ------------------------------------------------------- */

/* Room for the one-name rows: their items in one zeroed block per index
 * (host time: not ~250 small allocations), their slots and sorted
 * entries, and the histograms in one zeroed block of their own, whose
 * 7.8 KiB of buckets each are pages not touched until recorded into. */
static int reserve_rows(struct sm_stats *s)
{
	size_t n[2] = {0, 0};
	struct sm_reg *regs[2] = {&s->ctrs, &s->hists};
	for (size_t id = 0; id < SM_STAT_COUNT_; id++) {
		const struct smmusim_stat_def *d = &sm_stat_defs[id];
		if (sm_stat_def_is_family(d))
			continue;
		unsigned k = d->kind == SMMUSIM_STAT_HISTOGRAM;
		regs[k]->rows_size += row_item_size(regs[k], d->name);
		n[k]++;
	}
	for (unsigned k = 0; k < 2; k++) {
		struct sm_reg *r = regs[k];
		if (reg_reserve(r, s->a, n[k]) < 0)
			return SMMUSIM_ENOMEM;
		if (!(r->rows = sm_calloc(s->a, r->rows_size))) {
			r->rows_size = 0;
			return SMMUSIM_ENOMEM;
		}
	}
	s->hist_block = sm_calloc(s->a, n[1] * sizeof(*s->hist_block));
	if (!s->hist_block)
		return SMMUSIM_ENOMEM;
	s->nhist = n[1];
	return 0;
}

/* Register every row of the table that is one name, under its ID. */
static int register_rows(struct sm_stats *s)
{
	int rc = reserve_rows(s);
	char *next[2] = {s->ctrs.rows, s->hists.rows};
	struct sm_reg *regs[2] = {&s->ctrs, &s->hists};
	size_t nhist = 0;
	for (size_t id = 0; rc == 0 && id < SM_STAT_COUNT_; id++) {
		const struct smmusim_stat_def *d = &sm_stat_defs[id];
		if (sm_stat_def_is_family(d))
			continue;
		unsigned k = d->kind == SMMUSIM_STAT_HISTOGRAM;
		void *obj = next[k];
		next[k] += row_item_size(regs[k], d->name);
		reg_label(regs[k], obj, d->name, strlen(d->name), d);
		reg_insert(regs[k], obj, sm_hash(d->name));
		if (k)
			s->hist[id] = ((struct sm_hist_item *)obj)->hist =
			    &s->hist_block[nhist++];
		else
			((struct sm_counter_item *)obj)->value = &s->ctr[id];
	}
	return rc;
}

int sm_stats_new(struct sm_stats **out, const struct smmusim_allocator *a)
{
	if (!out)
		return SMMUSIM_EINVAL;
	*out = NULL;
	a = sm_alloc_or_default(a);
	struct sm_stats *s = sm_calloc(a, sizeof(*s));
	if (!s)
		return SMMUSIM_ENOMEM;
	s->a = a;
	s->ctrs.size = sizeof(struct sm_counter_item);
	s->ctrs.hdr = offsetof(struct sm_counter_item, name);
	s->ctrs.defoff = offsetof(struct sm_counter_item, def);
	s->hists.size = sizeof(struct sm_hist_item);
	s->hists.hdr = offsetof(struct sm_hist_item, name);
	s->hists.defoff = offsetof(struct sm_hist_item, def);
	int rc = register_rows(s);
	if (rc) {
		sm_stats_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void sm_stats_free(struct sm_stats *s)
{
	if (!s)
		return;
	const struct smmusim_allocator *a = s->a;
	reg_free(&s->ctrs, a);
	reg_free(&s->hists, a);
	sm_free(a, s->hist_block, s->nhist * sizeof(*s->hist_block));
	sm_free(a, s, sizeof(*s));
}

uint64_t *sm_stats_ctrs(struct sm_stats *s)
{
	return s->ctr;
}

struct sm_hist *const *sm_stats_hists(struct sm_stats *s)
{
	return s->hist;
}

int sm_stats_error(const struct sm_stats *s)
{
	return s->err;
}

const char *sm_stats_errmsg(const struct sm_stats *s)
{
	return s->eb.msg;
}

/* Record the registry's first error (later ones are consequences, or at
 * least not news); NULL, for the caller to return. */
static void *stat_fail(struct sm_stats *s, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void *stat_fail(struct sm_stats *s, int code, const char *fmt, ...)
{
	if (!s->err) {
		va_list ap;
		va_start(ap, fmt);
		s->err = sm_verr(&s->eb, code, fmt, ap);
		va_end(ap);
	}
	return NULL;
}

/* "smmu.cmd.<op>" with the placeholder replaced by `member` in `name`;
 * false if the result is no member of the row (or too long). */
static bool member_name(const struct smmusim_stat_def *row, const char *member,
			char name[SM_STATS_NAME_MAX + 1])
{
	const char *lt = strchr(row->name, '<');
	const char *suffix = strchr(lt, '>') + 1;
	size_t p = (size_t)(lt - row->name), m = strlen(member);
	size_t n = strlen(suffix);
	if (p + m + n > SM_STATS_NAME_MAX)
		return false;
	memcpy(name, row->name, p);
	memcpy(name + p, member, m);
	memcpy(name + p + m, suffix, n + 1);
	return sm_stat_def_matches(row, name);
}

uint64_t *sm_stats_family_counter(struct sm_stats *s, enum sm_stat_id id,
				  const char *fmt, ...)
{
	if ((unsigned)id >= SM_STAT_COUNT_)
		return stat_fail(s, SMMUSIM_EINTERNAL,
				 "stat ID %d is out of range", (int)id);
	const struct smmusim_stat_def *row = &sm_stat_defs[id];
	if (row->kind != SMMUSIM_STAT_COUNTER || !sm_stat_def_is_family(row))
		return stat_fail(s, SMMUSIM_EINTERNAL,
				 "%s \"%s\" is no family of counters",
				 smmusim_stat_kind_name(row->kind), row->name);
	char buf[SM_STATS_NAME_MAX + 1], name[SM_STATS_NAME_MAX + 1];
	const char *member = buf;
	va_list ap;
	va_start(ap, fmt);
	int m = 0;
	if (!strcmp(fmt, "%s")) { /* the common form, without vsnprintf */
		member = va_arg(ap, const char *);
		if (!member)
			member = "(null)"; /* as glibc's printf */
	} else
		m = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (m < 0 || !member_name(row, member, name))
		return stat_fail(s, SMMUSIM_EINTERNAL,
				 "\"%.*s\" is no member of the family %s (a "
				 "member is one or more of [a-z0-9_-], a name "
				 "at most %d characters)",
				 SM_STATS_NAME_MAX, m < 0 ? "" : member,
				 row->name, SM_STATS_NAME_MAX);
	uint64_t h = sm_hash(name);
	struct sm_counter_item *c = reg_find(&s->ctrs, name, h);
	if (!c) {
		c = reg_add(&s->ctrs, s->a, name, h, row);
		if (!c)
			return stat_fail(s, SMMUSIM_ENOMEM,
					 "out of memory registering counter "
					 "\"%s\"",
					 name);
		c->value = &c->own;
	}
	return c->value;
}

/* ---- lookup and iteration ----------------------------------------------- */

const struct smmusim_stat_def *sm_stats_def(const struct sm_stats *s,
					    enum smmusim_stat_kind kind,
					    const char *name)
{
	const struct sm_reg *r =
	    kind == SMMUSIM_STAT_HISTOGRAM ? &s->hists : &s->ctrs;
	const void *obj = reg_find(r, name, sm_hash(name));
	return obj ? *(const struct smmusim_stat_def *const *)((const char *)
								   obj +
							       r->defoff)
		   : NULL;
}

const uint64_t *sm_stats_find(const struct sm_stats *s, const char *name)
{
	const struct sm_counter_item *c =
	    reg_find(&s->ctrs, name, sm_hash(name));
	return c ? c->value : NULL;
}

const struct sm_hist *sm_stats_find_hist(const struct sm_stats *s,
					 const char *name)
{
	const struct sm_hist_item *h = reg_find(&s->hists, name, sm_hash(name));
	return h ? h->hist : NULL;
}

size_t sm_stats_counter_count(const struct sm_stats *s)
{
	return s->ctrs.n;
}

void sm_stats_counter_at(const struct sm_stats *s, size_t i, const char **name,
			 uint64_t *value)
{
	if (i >= s->ctrs.n) {
		if (name)
			*name = NULL;
		if (value)
			*value = 0;
		return;
	}
	const struct sm_reg_ent *e = &reg_sorted(&s->ctrs)[i];
	if (name)
		*name = e->name;
	if (value)
		*value = *((const struct sm_counter_item *)e->obj)->value;
}

size_t sm_stats_hist_count(const struct sm_stats *s)
{
	return s->hists.n;
}

void sm_stats_hist_at(const struct sm_stats *s, size_t i, const char **name,
		      struct smmusim_hist_summary *summary)
{
	if (i >= s->hists.n) {
		if (name)
			*name = NULL;
		if (summary)
			memset(summary, 0, sizeof(*summary));
		return;
	}
	const struct sm_reg_ent *e = &reg_sorted(&s->hists)[i];
	if (name)
		*name = e->name;
	if (summary)
		sm_hist_summary(((const struct sm_hist_item *)e->obj)->hist,
				summary);
}

/* ---- histograms --------------------------------------------------------- */

/* Largest value that falls in bucket b. */
static uint64_t hist_upper(unsigned b)
{
	if (b < SM_HIST_SUB)
		return b;
	unsigned e = b / SM_HIST_SUB + SM_HIST_SUB_BITS - 1;
	unsigned sub = b % SM_HIST_SUB;
	unsigned shift = e - SM_HIST_SUB_BITS;
	uint64_t lo = (uint64_t)(SM_HIST_SUB + sub) << shift;
	return lo + ((UINT64_C(1) << shift) - 1);
}

/* ceil(count * k / 100) without overflow. */
static uint64_t rank(uint64_t count, unsigned k)
{
	return count / 100 * k + ((count % 100) * k + 99) / 100;
}

/* Bucket b's count: the large samples in it, and the small ones counted by
 * value (a bucket below SM_HIST_SMALL holds only small ones). */
static uint64_t bucket_count(const struct sm_hist *h, unsigned b)
{
	uint64_t lo, hi, c = h->buckets[b];
	sm_hist_bucket_range(b, &lo, &hi);
	for (uint64_t v = lo; v <= hi && v < SM_HIST_SMALL; v++)
		c += h->small[v];
	return c;
}

/* count, sum, min and max of every sample, small and large (the sum
 * saturates as each sample's add would: the samples are not negative). */
static void summarize_counts(const struct sm_hist *h,
			     struct smmusim_hist_summary *out)
{
	out->count = h->count;
	out->sum = h->sum;
	out->min = h->min;
	out->max = h->max;
	for (uint64_t v = 0; v < SM_HIST_SMALL; v++) {
		uint64_t c = h->small[v], add;
		if (!c)
			continue;
		if (out->count == 0 || v < out->min)
			out->min = v;
		if (v > out->max)
			out->max = v;
		out->count += c;
		if (__builtin_mul_overflow(c, v, &add) ||
		    __builtin_add_overflow(out->sum, add, &out->sum))
			out->sum = UINT64_MAX;
	}
}

void sm_hist_summary(const struct sm_hist *h, struct smmusim_hist_summary *out)
{
	memset(out, 0, sizeof(*out));
	if (!h)
		return;
	summarize_counts(h, out);
	if (out->count == 0)
		return;

	static const unsigned pct[3] = {50, 90, 99};
	uint64_t *dst[3] = {&out->p50, &out->p90, &out->p99};
	uint64_t cum = 0;
	unsigned j = 0;
	for (unsigned b = 0; b < SM_HIST_BUCKETS && j < 3; b++) {
		cum += bucket_count(h, b);
		while (j < 3 && cum >= rank(out->count, pct[j])) {
			uint64_t v = hist_upper(b);
			if (v < out->min)
				v = out->min;
			if (v > out->max)
				v = out->max;
			*dst[j++] = v;
		}
	}
	/* Unreachable unless the counts wrapped: report max. */
	for (; j < 3; j++)
		*dst[j] = out->max;
}
