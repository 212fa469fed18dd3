/* SPDX-License-Identifier: MIT */
/* Tests for the stats registry (src/engine/stats.c): counters, histograms
 * and their error bound, sorted iteration, allocation failures; and the JSON
 * writer (src/base/json.c) the reports use. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <smmusim/error.h>

#include "helpers.h"

#include "base/json.h"
#include "engine/stat_defs.h"
#include "engine/stats.h"

#define NDEFS(d) (sizeof(d) / sizeof((d)[0]))

/* ---- counters ----------------------------------------------------------- */

/* Rows of the table that are one name, of `kind`. */
static size_t rows_of(enum smmusim_stat_kind kind)
{
	size_t n = 0;
	for (size_t i = 0; i < SM_STAT_COUNT_; i++)
		n += sm_stat_defs[i].kind == kind &&
		     !sm_stat_def_is_family(&sm_stat_defs[i]);
	return n;
}

static void test_counter_basic(void **state)
{
	(void)state;
	struct sm_stats *s;
	assert_int_equal(sm_stats_new(&s, NULL), 0);
	assert_int_equal(sm_stats_new(NULL, NULL), SMMUSIM_EINVAL);

	uint64_t *ctr = sm_stats_ctrs(s);
	const uint64_t *a = sm_stats_find(s, "smmu.iotlb.hits");
	assert_ptr_equal(a, &ctr[SM_STAT_SMMU_IOTLB_HITS]);
	assert_int_equal(*a, 0);
	SM_INC(ctr, SMMU_IOTLB_HITS);
	SM_ADD(ctr, SMMU_IOTLB_HITS, 2);
	assert_int_equal(*a, 3);
	SM_CTR(ctr, SMMU_IOTLB_HITS) = 7;
	assert_int_equal(*sm_stats_find(s, "smmu.iotlb.hits"), 7);
	assert_null(sm_stats_find(s, "smmu.iotlb.hitz"));
	assert_null(sm_stats_find(s, "smmu.cmd.<op>"));
	assert_int_equal(sm_stats_counter_count(s),
			 rows_of(SMMUSIM_STAT_COUNTER));
	assert_int_equal(sm_stats_hist_count(s),
			 rows_of(SMMUSIM_STAT_HISTOGRAM));

	/* Counters and histograms are separate namespaces; a counter and a
	 * histogram may share a name. */
	assert_null(sm_stats_find_hist(s, "smmu.iotlb.hits"));
	struct sm_hist *const *hist = sm_stats_hists(s);
	assert_null(hist[SM_STAT_SMMU_IOTLB_HITS]);
	assert_ptr_equal(sm_stats_find_hist(s, "cpu.dsb.wait_cycles"),
			 hist[SM_HIST_CPU_DSB_WAIT_CYCLES]);
	assert_ptr_equal(sm_stats_find(s, "cpu.dsb.wait_cycles"),
			 &ctr[SM_STAT_CPU_DSB_WAIT_CYCLES]);
	SM_HIST_REC(hist, CPU_DSB_WAIT_CYCLES, 5);
	struct smmusim_hist_summary sum;
	sm_hist_summary(hist[SM_HIST_CPU_DSB_WAIT_CYCLES], &sum);
	assert_int_equal(sum.count, 1);
	assert_int_equal(sum.max, 5);
	assert_int_equal(sm_stats_error(s), 0);
	assert_string_equal(sm_stats_errmsg(s), "");
	sm_stats_free(s);
	sm_stats_free(NULL);
}

/* Every row that is one name is registered under its ID, with its row;
 * a family has no member until a model registers one. */
static void test_rows_registered_by_id(void **state)
{
	(void)state;
	struct sm_stats *s;
	assert_int_equal(sm_stats_new(&s, NULL), 0);
	uint64_t *ctr = sm_stats_ctrs(s);
	struct sm_hist *const *hist = sm_stats_hists(s);
	for (size_t id = 0; id < SM_STAT_COUNT_; id++) {
		const struct smmusim_stat_def *d = &sm_stat_defs[id];
		if (sm_stat_def_is_family(d)) {
			assert_null(sm_stats_def(s, d->kind, d->name));
			assert_null(hist[id]);
		} else if (d->kind == SMMUSIM_STAT_COUNTER) {
			assert_ptr_equal(sm_stats_find(s, d->name), &ctr[id]);
			assert_ptr_equal(sm_stats_def(s, d->kind, d->name), d);
			assert_null(hist[id]);
		} else {
			assert_ptr_equal(sm_stats_find_hist(s, d->name),
					 hist[id]);
			assert_ptr_equal(sm_stats_def(s, d->kind, d->name), d);
		}
	}
	sm_stats_free(s);
}

static void test_family_many_stable(void **state)
{
	(void)state;
	enum { N = 5000 };
	struct counting c;
	struct smmusim_allocator al = counting_allocator(&c);
	struct sm_stats *s;
	assert_int_equal(sm_stats_new(&s, &al), 0);
	size_t rows = sm_stats_counter_count(s);

	static uint64_t *ptrs[N];
	char name[64];
	for (int i = 0; i < N; i++) {
		ptrs[i] =
		    sm_stats_family_counter(s, SM_STAT_SMMU_CMD_OP, "c%d", i);
		assert_non_null(ptrs[i]);
		*ptrs[i] = (uint64_t)i * 3;
	}
	assert_int_equal(sm_stats_counter_count(s), rows + N);
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "smmu.cmd.c%d", i);
		assert_ptr_equal(
		    sm_stats_family_counter(s, SM_STAT_SMMU_CMD_OP, "c%d", i),
		    ptrs[i]);
		assert_ptr_equal(sm_stats_find(s, name), ptrs[i]);
		assert_int_equal(*ptrs[i], (uint64_t)i * 3);
	}
	assert_int_equal(sm_stats_counter_count(s), rows + N);

	/* Sorted iteration: strictly increasing, values match. */
	const char *prev = NULL;
	for (size_t i = 0; i < rows + N; i++) {
		const char *nm;
		uint64_t v;
		sm_stats_counter_at(s, i, &nm, &v);
		assert_non_null(nm);
		if (prev)
			assert_true(strcmp(prev, nm) < 0);
		prev = nm;
		assert_int_equal(v, *sm_stats_find(s, nm));
	}
	sm_stats_free(s);
	assert_int_equal(c.blocks, 0);
	assert_int_equal(c.bytes, 0);
	assert_int_equal(c.size_mismatch, 0);
}

static void test_oom_no_leak(void **state)
{
	(void)state;
	struct counting c;
	struct smmusim_allocator al = counting_allocator(&c);
	/* Fail the k-th allocation for every k until a full run succeeds. */
	for (long k = 0;; k++) {
		counting_allocator(&c);
		c.fail_after = k;
		struct sm_stats *s;
		int rc = sm_stats_new(&s, &al);
		bool ok = rc == 0;
		if (ok) {
			for (int i = 0; i < 100 && ok; i++)
				ok = sm_stats_family_counter(
					 s, SM_STAT_CPU_PEN_BYSTANDER_CYCLES,
					 "%d", i) != NULL;
			assert_int_equal(sm_stats_error(s),
					 ok ? 0 : SMMUSIM_ENOMEM);
			sm_stats_free(s);
		} else {
			assert_int_equal(rc, SMMUSIM_ENOMEM);
			assert_null(s);
		}
		assert_int_equal(c.blocks, 0);
		assert_int_equal(c.size_mismatch, 0);
		if (ok)
			break;
		assert_true(k < 10000);
	}
}

static void test_family_long_member(void **state)
{
	(void)state;
	struct sm_stats *s;
	assert_int_equal(sm_stats_new(&s, NULL), 0);
	size_t rows = sm_stats_counter_count(s);
	uint64_t *p = sm_stats_family_counter(s, SM_STAT_CPU_TLBI_ISSUED_OP,
					      "%s", "vae1is");
	assert_non_null(p);
	assert_ptr_equal(sm_stats_find(s, "cpu.tlbi.issued.vae1is"), p);
	assert_ptr_equal(sm_stats_family_counter(s, SM_STAT_CPU_TLBI_ISSUED_OP,
						 "%c%s", 'v', "ae1is"),
			 p);

	/* "smmu.cmd." is 9 characters: a name of 256 is refused, of 255
	 * accepted. */
	char longname[300];
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	longname[247] = 0;
	assert_null(
	    sm_stats_family_counter(s, SM_STAT_SMMU_CMD_OP, "%s", longname));
	assert_int_equal(sm_stats_error(s), SMMUSIM_EINTERNAL);
	longname[246] = 0;
	assert_non_null(
	    sm_stats_family_counter(s, SM_STAT_SMMU_CMD_OP, "%s", longname));
	assert_int_equal(sm_stats_counter_count(s), rows + 2);
	sm_stats_free(s);
}

static void test_sorted_order(void **state)
{
	(void)state;
	struct sm_stats *s;
	assert_int_equal(sm_stats_new(&s, NULL), 0);
	size_t rows = sm_stats_counter_count(s);
	const char *nm, *prev = NULL;
	uint64_t v;
	for (size_t i = 0; i < rows; i++, prev = nm) {
		sm_stats_counter_at(s, i, &nm, &v);
		if (prev)
			assert_true(strcmp(prev, nm) < 0);
	}
	sm_stats_counter_at(s, 0, &nm, &v);
	assert_string_equal(nm, "check.lingering");
	sm_stats_counter_at(s, rows, &nm, &v);
	assert_null(nm);
	assert_int_equal(v, 0);

	/* Registration after iteration re-sorts: "cpu.pe0..." comes right
	 * after "cpu.l1i.misses" ("cpu.l" < "cpu.p" < "cpu.t"). */
	*sm_stats_family_counter(s, SM_STAT_CPU_PEN_BYSTANDER_CYCLES, "%u",
				 0u) = 42;
	size_t at = rows;
	for (size_t i = 0; i < rows + 1; i++) {
		sm_stats_counter_at(s, i, &nm, &v);
		if (!strcmp(nm, "cpu.pe0.bystander_cycles"))
			at = i;
	}
	assert_true(at > 0 && at < rows);
	sm_stats_counter_at(s, at, &nm, &v);
	assert_int_equal(v, 42);
	sm_stats_counter_at(s, at - 1, &nm, &v);
	assert_string_equal(nm, "cpu.l1i.misses");

	/* Histograms too. */
	SM_HIST_REC(sm_stats_hists(s), DEV_ACCESS_LATENCY, 7);
	struct smmusim_hist_summary sum;
	sm_stats_hist_at(s, 0, &nm, &sum);
	assert_string_equal(nm, "cpu.access.latency");
	assert_int_equal(sum.count, 0);
	sm_stats_hist_at(s, 3, &nm, &sum);
	assert_string_equal(nm, "dev.access.latency");
	assert_int_equal(sum.count, 1);
	assert_int_equal(sum.p99, 7);
	sm_stats_hist_at(s, sm_stats_hist_count(s), &nm, &sum);
	assert_null(nm);
	sm_stats_free(s);
}

/* ---- families ----------------------------------------------------------- */

static void test_family_members(void **state)
{
	(void)state;
	struct sm_stats *s;
	assert_int_equal(sm_stats_new(&s, NULL), 0);

	/* One member at a time; the row is kept for each. */
	uint64_t *c =
	    sm_stats_family_counter(s, SM_STAT_SMMU_CMD_OP, "%s", "sync");
	assert_ptr_equal(sm_stats_find(s, "smmu.cmd.sync"), c);
	c = sm_stats_family_counter(s, SM_STAT_CPU_PEN_BYSTANDER_CYCLES, "%u",
				    3u);
	assert_ptr_equal(sm_stats_find(s, "cpu.pe3.bystander_cycles"), c);
	assert_ptr_equal(
	    sm_stats_def(s, SMMUSIM_STAT_COUNTER, "cpu.pe3.bystander_cycles"),
	    &sm_stat_defs[SM_STAT_CPU_PEN_BYSTANDER_CYCLES]);
	c = sm_stats_family_counter(s, SM_STAT_OS_FLUSH_ROUTINE_CYCLES, "%s",
				    "flush_tlb_mm");
	assert_ptr_equal(sm_stats_find(s, "os.flush.flush_tlb_mm.cycles"), c);
	assert_int_equal(sm_stats_error(s), 0);
	sm_stats_free(s);

	/* Misuse: each is refused with an error, and registers nothing. */
	static const struct {
		enum sm_stat_id id;
		const char *member;
	} bad[] = {
	    {SM_STAT_SMMU_IOTLB_HITS, "x"},	/* no family */
	    {SM_HIST_CPU_DSB_WAIT_CYCLES, "x"}, /* a histogram */
	    {SM_STAT_SMMU_CMD_OP, ""},		/* empty member */
	    {SM_STAT_SMMU_CMD_OP, "Sync"},	/* not [a-z0-9_-] */
	    {SM_STAT_SMMU_CMD_OP, "a.b"},
	    {SM_STAT_COUNT_, "x"}, /* out of range */
	};
	for (size_t i = 0; i < NDEFS(bad); i++) {
		struct sm_stats *t;
		assert_int_equal(sm_stats_new(&t, NULL), 0);
		size_t rows = sm_stats_counter_count(t);
		assert_null(
		    sm_stats_family_counter(t, bad[i].id, "%s", bad[i].member));
		assert_int_equal(sm_stats_error(t), SMMUSIM_EINTERNAL);
		assert_true(sm_stats_errmsg(t)[0] != '\0');
		assert_int_equal(sm_stats_counter_count(t), rows);
		/* The first error is kept. */
		char first[256];
		snprintf(first, sizeof(first), "%s", sm_stats_errmsg(t));
		assert_null(
		    sm_stats_family_counter(t, SM_STAT_SMMU_CMD_OP, "%s", "X"));
		assert_string_equal(sm_stats_errmsg(t), first);
		sm_stats_free(t);
	}
}

/* "smmu.cmd.<op>" -> "SM_STAT_SMMU_CMD_OP" */
static void id_of(const struct smmusim_stat_def *d, char *out, size_t len)
{
	size_t k = (size_t)snprintf(
	    out, len, "%s",
	    d->kind == SMMUSIM_STAT_COUNTER ? "SM_STAT_" : "SM_HIST_");
	for (const char *p = d->name; *p && k + 1 < len; p++) {
		if (*p == '<' || *p == '>')
			continue;
		out[k++] = *p == '.' || *p == '-'   ? '_'
			   : *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A')
						    : *p;
	}
	out[k] = 0;
}

/* A name of the row: itself, or its family's member "x". */
static void instance_of(const struct smmusim_stat_def *d, char *out, size_t len)
{
	const char *lt = strchr(d->name, '<');
	if (!lt)
		snprintf(out, len, "%s", d->name);
	else
		snprintf(out, len, "%.*sx%s", (int)(lt - d->name), d->name,
			 strchr(lt, '>') + 1);
}

static void test_table_rows(void **state)
{
	(void)state;
	assert_int_equal(smmusim_stat_def_count(), SM_STAT_COUNT_);
	for (size_t i = 0; i < SM_STAT_COUNT_; i++) {
		const struct smmusim_stat_def *d = smmusim_stat_def_at(i);
		assert_ptr_equal(d, &sm_stat_defs[i]);
		char id[128], inst[128];
		id_of(d, id, sizeof(id));
		assert_string_equal(sm_stat_id_name((enum sm_stat_id)i), id);
		/* A family has one placeholder of lower-case letters. */
		const char *lt = strchr(d->name, '<');
		if (lt) {
			const char *gt = strchr(lt, '>');
			assert_non_null(gt);
			assert_true(gt > lt + 1);
			for (const char *p = lt + 1; p < gt; p++)
				assert_true(*p >= 'a' && *p <= 'z');
			assert_null(strchr(gt, '<'));
		}
		/* A paragraph: one or more sentences. */
		size_t dl = strlen(d->description);
		assert_true(dl > 1);
		assert_true(d->description[dl - 1] == '.' ||
			    !strcmp(d->description + dl - 2, ".)"));
		size_t n = strlen(d->name);
		bool cyc = n >= 6 && !strcmp(d->name + n - 6, "cycles");
		if (d->kind == SMMUSIM_STAT_COUNTER) {
			assert_string_equal(d->unit, cyc ? "cycles" : "count");
			assert_string_equal(d->sample, "");
		} else {
			assert_int_equal(d->kind, SMMUSIM_STAT_HISTOGRAM);
			assert_string_equal(d->unit, "cycles");
			assert_true(d->sample[0] != '\0');
		}
		/* Each name (or member) belongs to its row alone. */
		instance_of(d, inst, sizeof(inst));
		assert_ptr_equal(smmusim_stat_def_find(d->kind, inst), d);
		for (size_t j = 0; j < SM_STAT_COUNT_; j++)
			if (j != i && sm_stat_defs[j].kind == d->kind)
				assert_false(sm_stat_def_matches(
				    &sm_stat_defs[j], inst));
	}
	assert_null(smmusim_stat_def_at(SM_STAT_COUNT_));
	assert_ptr_equal(
	    smmusim_stat_def_find(SMMUSIM_STAT_COUNTER, "smmu.cmd.sync"),
	    &sm_stat_defs[SM_STAT_SMMU_CMD_OP]);
	assert_ptr_equal(smmusim_stat_def_find(SMMUSIM_STAT_COUNTER,
					       "cpu.tlbi.received.vale1is"),
			 &sm_stat_defs[SM_STAT_CPU_TLBI_RECEIVED_OP]);
	assert_null(smmusim_stat_def_find(SMMUSIM_STAT_COUNTER, "nope"));
	assert_null(smmusim_stat_def_find(SMMUSIM_STAT_COUNTER, NULL));
	assert_string_equal(smmusim_stat_kind_name(SMMUSIM_STAT_COUNTER),
			    "counter");
	assert_string_equal(smmusim_stat_kind_name(SMMUSIM_STAT_HISTOGRAM),
			    "histogram");
	assert_string_equal(smmusim_stat_kind_name((enum smmusim_stat_kind)7),
			    "?");
}

/* ---- histograms --------------------------------------------------------- */

static struct sm_stats *hist_fixture(struct sm_hist **h)
{
	struct sm_stats *s;
	assert_int_equal(sm_stats_new(&s, NULL), 0);
	*h = sm_stats_hists(s)[SM_HIST_SMMU_TRANSLATION_LATENCY];
	assert_non_null(*h);
	return s;
}

static void test_hist_small_exact(void **state)
{
	(void)state;
	for (uint64_t v = 0; v < 32; v++) {
		struct sm_hist *h;
		struct sm_stats *s = hist_fixture(&h);
		/* Half the samples at v, half far above: p50 must be v. */
		for (int i = 0; i < 10; i++)
			sm_hist_record(h, v);
		for (int i = 0; i < 10; i++)
			sm_hist_record(h, 1000000);
		struct smmusim_hist_summary sum;
		sm_hist_summary(h, &sum);
		assert_int_equal(sum.p50, v);
		assert_int_equal(sum.min, v);
		assert_int_equal(sum.max, 1000000);
		assert_int_equal(sum.count, 20);
		assert_int_equal(sum.sum, v * 10 + 10000000);
		sm_stats_free(s);
	}
}

/* sm_hist_record_arith gives what recording each sample in turn gives
 * (buckets, count, sum, min, max), across bucket widths and steps. */
static void test_hist_record_arith(void **state)
{
	(void)state;
	static const uint64_t v0s[] = {
	    0,	 1,    15,   16,	 17,
	    100, 4095, 4607, 1ull << 40, (1ull << 62) + 12345};
	static const uint64_t ds[] = {0, 1, 7, 30, 256, 1000, 1ull << 20};
	static const uint64_t ns[] = {1, 2, 23, 32, 300, 5000};
	for (size_t i = 0; i < sizeof(v0s) / sizeof(v0s[0]); i++)
		for (size_t j = 0; j < sizeof(ds) / sizeof(ds[0]); j++)
			for (size_t k = 0; k < sizeof(ns) / sizeof(ns[0]);
			     k++) {
				struct sm_hist *a, *b;
				struct sm_stats *sa = hist_fixture(&a);
				struct sm_stats *sb = hist_fixture(&b);
				sm_hist_record(a, 3);
				sm_hist_record(b, 3);
				sm_hist_record_arith(a, v0s[i], ds[j], ns[k]);
				for (uint64_t n = 0; n < ns[k]; n++)
					sm_hist_record(b, v0s[i] + n * ds[j]);
				assert_memory_equal(a, b, sizeof(*a));
				sm_stats_free(sa);
				sm_stats_free(sb);
			}
}

static void test_hist_uniform(void **state)
{
	(void)state;
	struct sm_hist *h;
	struct sm_stats *s = hist_fixture(&h);
	for (uint64_t v = 1; v <= 1000; v++)
		sm_hist_record(h, v);
	struct smmusim_hist_summary sum;
	sm_hist_summary(h, &sum);
	assert_int_equal(sum.count, 1000);
	assert_int_equal(sum.sum, 500500);
	assert_int_equal(sum.min, 1);
	assert_int_equal(sum.max, 1000);
	assert_true(sum.p50 >= 500);
	assert_true(sum.p50 - 500 <= 500 / 16);
	assert_true(sum.p90 >= 900);
	assert_true(sum.p90 - 900 <= 900 / 16);
	assert_true(sum.p99 >= 990);
	assert_true(sum.p99 <= 1000);
	sm_stats_free(s);
}

static void test_hist_error_bound(void **state)
{
	(void)state;
	/* A single sample is exact (clamping); a sample v among larger ones
	 * reports its bucket's upper bound: >= v and within v/16. */
	uint64_t vals[] = {
	    33, 100, 1000, 4097, 123456789, 1ull << 40, 0xdeadbeefcafeull};
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		struct sm_hist *h;
		struct sm_stats *s = hist_fixture(&h);
		sm_hist_record(h, vals[i]);
		sm_hist_record(h, UINT64_MAX);
		struct smmusim_hist_summary sum;
		sm_hist_summary(h, &sum);
		assert_true(sum.p50 >= vals[i]);
		assert_true(sum.p50 - vals[i] <= vals[i] / 16);
		assert_int_equal(sum.p99, UINT64_MAX);
		sm_stats_free(s);
	}
}

static void test_hist_single(void **state)
{
	(void)state;
	struct sm_hist *h;
	struct sm_stats *s = hist_fixture(&h);
	sm_hist_record(h, 777);
	struct smmusim_hist_summary sum;
	sm_hist_summary(h, &sum);
	assert_int_equal(sum.count, 1);
	assert_int_equal(sum.sum, 777);
	assert_int_equal(sum.min, 777);
	assert_int_equal(sum.max, 777);
	assert_int_equal(sum.p50, 777);
	assert_int_equal(sum.p90, 777);
	assert_int_equal(sum.p99, 777);
	sm_stats_free(s);
}

static void test_hist_huge(void **state)
{
	(void)state;
	struct sm_hist *h;
	struct sm_stats *s = hist_fixture(&h);
	sm_hist_record(h, UINT64_MAX);
	sm_hist_record(h, UINT64_MAX - 1);
	sm_hist_record(h, 1ull << 63);
	struct smmusim_hist_summary sum;
	sm_hist_summary(h, &sum);
	assert_int_equal(sum.count, 3);
	assert_int_equal(sum.sum, UINT64_MAX); /* saturated */
	assert_int_equal(sum.min, 1ull << 63);
	assert_int_equal(sum.max, UINT64_MAX);
	assert_true(sum.p50 >= UINT64_MAX - 1);
	assert_int_equal(sum.p99, UINT64_MAX);
	sm_stats_free(s);
}

static void test_hist_empty(void **state)
{
	(void)state;
	struct sm_hist *h;
	struct sm_stats *s = hist_fixture(&h);
	struct smmusim_hist_summary sum;
	memset(&sum, 0xa5, sizeof(sum));
	sm_hist_summary(h, &sum);
	struct smmusim_hist_summary zero = {0};
	assert_memory_equal(&sum, &zero, sizeof(sum));
	sm_stats_free(s);
}

/* ---- JSON --------------------------------------------------------------- */

static char *json_of(void (*fn)(FILE *, const void *), const void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	fn(f, arg);
	fclose(f);
	return buf;
}

static void wr_str(FILE *f, const void *s)
{
	sm_json_string(f, s);
}

static void wr_u64(FILE *f, const void *v)
{
	sm_json_u64(f, *(const uint64_t *)v);
}

static void test_json(void **state)
{
	(void)state;
	struct {
		const char *in, *out;
	} cases[] = {
	    {"plain.name", "\"plain.name\""},
	    {"", "\"\""},
	    {"a\"b", "\"a\\\"b\""},
	    {"back\\slash", "\"back\\\\slash\""},
	    {"line\nbreak\ttab\r", "\"line\\nbreak\\ttab\\r\""},
	    {"\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\""},
	    {"\b\f", "\"\\b\\f\""},
	    {"caf\xc3\xa9", "\"caf\xc3\xa9\""},
	    {NULL, "null"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = json_of(wr_str, cases[i].in);
		assert_string_equal(got, cases[i].out);
		free(got);
	}
	uint64_t v = UINT64_MAX;
	char *got = json_of(wr_u64, &v);
	assert_string_equal(got, "18446744073709551615");
	free(got);
	v = 0;
	got = json_of(wr_u64, &v);
	assert_string_equal(got, "0");
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_counter_basic),
	    cmocka_unit_test(test_rows_registered_by_id),
	    cmocka_unit_test(test_family_many_stable),
	    cmocka_unit_test(test_oom_no_leak),
	    cmocka_unit_test(test_family_long_member),
	    cmocka_unit_test(test_sorted_order),
	    cmocka_unit_test(test_family_members),
	    cmocka_unit_test(test_table_rows),
	    cmocka_unit_test(test_hist_small_exact),
	    cmocka_unit_test(test_hist_record_arith),
	    cmocka_unit_test(test_hist_uniform),
	    cmocka_unit_test(test_hist_error_bound),
	    cmocka_unit_test(test_hist_single),
	    cmocka_unit_test(test_hist_huge),
	    cmocka_unit_test(test_hist_empty),
	    cmocka_unit_test(test_json),
	};
	return cmocka_run_group_tests_name("stats", tests, NULL, NULL);
}
