/* SPDX-License-Identifier: MIT */
/*
 * Internal stats registry: named counters and latency histograms.
 *
 * Every row of the stats table (engine/stat_defs.h) that is one name is
 * registered when the registry is created, and stored by its ID: a model
 * takes the registry's arrays once, in its init,
 *
 *	s->ctr = sm_stats_ctrs(st);
 *	s->hist = sm_stats_hists(st);
 *
 * and counts with SM_INC(s->ctr, SMMU_IOTLB_HITS), which is
 * `s->ctr[SM_STAT_SMMU_IOTLB_HITS]++`: no pointer field and no registration
 * line per stat, and the hot path is one add at a constant offset.  The
 * macros take the ID without its SM_STAT_/SM_HIST_ prefix, so a counter
 * macro cannot be given a histogram row.
 *
 * A family row ("smmu.cmd.<op>") has its members registered one by one,
 * from the model's own table, with sm_stats_family_counter(); a member is a
 * plain `uint64_t *` that stays valid until sm_stats_free().  A member that
 * is no [a-z0-9_-]+ gives NULL and records SMMUSIM_EINTERNAL with a message
 * naming it (sm_stats_error()).
 *
 * Reading by name (sm_stats_find(), the reports' iteration in name order)
 * sees rows and members alike.
 */
#ifndef SM_ENGINE_STATS_H
#define SM_ENGINE_STATS_H

#include <stddef.h>
#include <stdint.h>

#include <smmusim/alloc.h>
#include <smmusim/stats.h>

#include "engine/stat_defs.h"

struct sm_stats;
struct sm_hist;

/* A registry with every one-name row of the stats table registered, at 0
 * (SMMUSIM_ENOMEM, *out NULL, when out of memory). */
int sm_stats_new(struct sm_stats **out, const struct smmusim_allocator *a);
void sm_stats_free(struct sm_stats *s);

/* The counters by ID (enum sm_stat_id), SM_STAT_COUNT_ of them; a slot
 * whose row is a histogram or a family is never reported.  Valid until
 * sm_stats_free(). */
uint64_t *sm_stats_ctrs(struct sm_stats *s);
/* The histograms by ID: a histogram row's slot is its histogram, the
 * others are NULL. */
struct sm_hist *const *sm_stats_hists(struct sm_stats *s);

/* The counter of row ID (without its SM_STAT_ prefix) in `ctr`, as an
 * lvalue; count one, count n. */
#define SM_CTR(ctr, id) ((ctr)[SM_STAT_##id])
#define SM_INC(ctr, id) ((void)SM_CTR(ctr, id)++)
#define SM_ADD(ctr, id, n) ((void)(SM_CTR(ctr, id) += (n)))
/* Record a sample in the histogram of row ID (without its SM_HIST_
 * prefix) in `hist`. */
#define SM_HIST_REC(hist, id, v) sm_hist_record((hist)[SM_HIST_##id], (v))

/* The first registration error (SMMUSIM_EINTERNAL: a family without a
 * member, or a member that is no [a-z0-9_-]+; SMMUSIM_ENOMEM), 0 if none,
 * and its message ("" if none). */
int sm_stats_error(const struct sm_stats *s);
const char *sm_stats_errmsg(const struct sm_stats *s);

/* Register (or find) one member of the family row `id`: the placeholder is
 * replaced by the printf-style member, e.g.
 * sm_stats_family_counter(st, SM_STAT_SMMU_CMD_OP, "%s", "sync") is
 * "smmu.cmd.sync", and (st, SM_STAT_CPU_PEN_BYSTANDER_CYCLES, "%u", 2) is
 * "cpu.pe2.bystander_cycles".  NULL on error (see sm_stats_error()): also
 * for an ID that is no family counter row. */
uint64_t *sm_stats_family_counter(struct sm_stats *s, enum sm_stat_id id,
				  const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Lookup by name; NULL if absent. */
const uint64_t *sm_stats_find(const struct sm_stats *s, const char *name);
const struct sm_hist *sm_stats_find_hist(const struct sm_stats *s,
					 const char *name);
/* The table row of a registered stat; NULL if `name` is not registered. */
const struct smmusim_stat_def *sm_stats_def(const struct sm_stats *s,
					    enum smmusim_stat_kind kind,
					    const char *name);

/* Histograms of non-negative integer samples (cycles): exact below 16,
 * then 16 buckets per power of two (an upper bound within 1/16).
 *
 * (Host time: a sample below SM_HIST_SMALL, most latencies, is only counted
 * by value in small[]; count, sum, min, max and buckets[] hold the others,
 * and sm_hist_summary() adds both up when read.  Recording is then one
 * compare and one add per sample.) */
#define SM_HIST_SUB_BITS 4
#define SM_HIST_SUB (1u << SM_HIST_SUB_BITS)			    /* 16 */
#define SM_HIST_BUCKETS (SM_HIST_SUB * (64 - SM_HIST_SUB_BITS + 1)) /* 976 */
#define SM_HIST_SMALL 1024u /* a power of two >= 32: whole buckets */

struct sm_hist {
	uint64_t count; /* of the samples >= SM_HIST_SMALL, and so on */
	uint64_t sum;
	uint64_t min;
	uint64_t max;
	uint64_t buckets[SM_HIST_BUCKETS];
	uint64_t small[SM_HIST_SMALL]; /* samples below, by value */
};

static inline unsigned sm_hist_bucket(uint64_t v)
{
	if (v < SM_HIST_SUB)
		return (unsigned)v;
	unsigned e = 63u - (unsigned)__builtin_clzll(v);
	unsigned sub =
	    (unsigned)(v >> (e - SM_HIST_SUB_BITS)) & (SM_HIST_SUB - 1);
	return SM_HIST_SUB * (e - SM_HIST_SUB_BITS + 1) + sub;
}

/* A sample of SM_HIST_SMALL or more. */
static inline void sm_hist_record_large(struct sm_hist *h, uint64_t value)
{
	if (h->count == 0 || value < h->min)
		h->min = value;
	if (value > h->max)
		h->max = value;
	h->count++;
	if (__builtin_add_overflow(h->sum, value, &h->sum))
		h->sum = UINT64_MAX;
	h->buckets[sm_hist_bucket(value)]++;
}
/* Inline: the models record a sample per access and per command (host
 * time). */
static inline void sm_hist_record(struct sm_hist *h, uint64_t value)
{
	if (value < SM_HIST_SMALL)
		h->small[value]++;
	else
		sm_hist_record_large(h, value);
}
/* The least and greatest samples bucket b counts. */
static inline void sm_hist_bucket_range(unsigned b, uint64_t *lo, uint64_t *hi)
{
	if (b < SM_HIST_SUB) {
		*lo = *hi = b;
		return;
	}
	unsigned sh = b / SM_HIST_SUB - 1; /* bits below the bucket's */
	*lo = (uint64_t)(SM_HIST_SUB + b % SM_HIST_SUB) << sh;
	*hi = *lo + ((1ull << sh) - 1);
}
/* sm_hist_record of v0, v0 + d, ..., v0 + (n - 1) * d in turn (the last
 * must not wrap): a bucket's count added once for the samples in it, the
 * sum computed at once (host time: the queue cycles of a run of broadcast
 * TLBIs, hw/cpu/tlbi_run.c). */
static inline void sm_hist_record_arith(struct sm_hist *h, uint64_t v0,
					uint64_t d, uint64_t n)
{
	/* The samples below SM_HIST_SMALL first, each where
	 * sm_hist_record puts it. */
	for (; n && v0 < SM_HIST_SMALL; v0 += d, n--) {
		if (!d) {
			h->small[v0] += n;
			return;
		}
		h->small[v0]++;
	}
	if (!n)
		return;
	uint64_t last = v0 + (n - 1) * d, x = n, y = n - 1, a, b, tri;
	if (x % 2 == 0)
		x /= 2;
	else
		y /= 2;
	/* n * v0 + d * n (n - 1) / 2, saturated as each sample's add is */
	int ov = __builtin_mul_overflow(n, v0, &a);
	ov |= __builtin_mul_overflow(x, y, &tri);
	ov |= __builtin_mul_overflow(tri, d, &b);
	ov |= __builtin_add_overflow(a, b, &a);
	ov |= __builtin_add_overflow(h->sum, a, &a);
	h->sum = ov ? UINT64_MAX : a;
	if (h->count == 0 || v0 < h->min)
		h->min = v0;
	if (last > h->max)
		h->max = last;
	h->count += n;
	for (uint64_t v = v0, left = n, k; left;) {
		if (v < SM_HIST_SUB || !d) { /* a bucket of one value */
			k = d ? 1 : left;
			h->buckets[sm_hist_bucket(v)] += k;
			left -= k;
			v += k * d;
			continue;
		}
		/* The samples in v's power of two (those whose v >> sh is
		 * below 2 SM_HIST_SUB), whose buckets are 2^sh wide and
		 * numbered SM_HIST_SUB sh + (v >> sh) (sm_hist_bucket): one
		 * each when d is at least that wide, else several a bucket
		 * (host time: TLBI runs, hw/cpu/tlbi_run.c). */
		unsigned sh =
		    63u - (unsigned)__builtin_clzll(v) - SM_HIST_SUB_BITS;
		uint64_t *bk = &h->buckets[SM_HIST_SUB * sh];
		if (d >> sh) {
			for (; left && v >> sh < 2 * SM_HIST_SUB; left--) {
				bk[v >> sh]++;
				if (left > 1) /* (the last must not wrap) */
					v += d;
			}
			continue;
		}
		/* Samples from v to its bucket's last value: k = D / d + 1
		 * for D = (v | (w - 1)) - v.  In the next bucket D is
		 * D % d + w - d, so with rem = D % d and w = q d + r, k is
		 * q + (rem + r >= d) and rem (rem + r) % d: one division
		 * per power of two, not one per bucket (host time: a
		 * 64-bit division was the most sampled instruction of
		 * sm_cpu_tlbi_pages). */
		uint64_t w = 1ull << sh, q = w / d, r = w % d;
		uint64_t dist = (v | (w - 1)) - v, rem = dist % d;
		k = dist / d + 1;
		while (left && v >> sh < 2 * SM_HIST_SUB) {
			k = k < left ? k : left;
			bk[v >> sh] += k;
			left -= k;
			v += k * d;
			uint64_t s = rem + r; /* below 2 d */
			k = q + (s >= d);
			rem = s >= d ? s - d : s;
		}
	}
}
void sm_hist_summary(const struct sm_hist *h, struct smmusim_hist_summary *out);

/* Iteration in strcmp order of the names (stable across runs). */
size_t sm_stats_counter_count(const struct sm_stats *s);
void sm_stats_counter_at(const struct sm_stats *s, size_t i, const char **name,
			 uint64_t *value);
size_t sm_stats_hist_count(const struct sm_stats *s);
void sm_stats_hist_at(const struct sm_stats *s, size_t i, const char **name,
		      struct smmusim_hist_summary *summary);

#endif
