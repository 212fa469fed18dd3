/* SPDX-License-Identifier: MIT */
/*
 * What does the CPU side of a TLB flush cost, as a function of its size?
 *
 * For an mprotect() to read-only of N pages, N from 1 to 2^21
 * (MAX_TLBI_RANGE_PAGES) covering every power of two and its neighbours
 * (2^k - 1, 2^k, 2^k + 1), under these configurations, one after another:
 *
 *   per-page    cpu.feat_tlbirange=off: one TLBI VALE1IS per page, and
 *               flush_tlb_mm (ASIDE1IS) from policy.cpu.max_tlbi_ops
 *               (512) pages on, as Linux does
 *   range       cpu.feat_tlbirange=on, policy.cpu.range_split=descending
 *               (6.14+): range TLBIs, flush_tlb_mm from 2^21 pages on
 *   range-asc   the same with range_split=ascending (6.6's split)
 *   asid        policy.cpu.max_tlbi_ops=1, cpu.feat_tlbirange=off: every
 *               flush is one ASIDE1IS
 *
 * Each point is a fresh simulator (public API only): mm_create, mmap of N
 * pages rw, a write to the first and to the last page, then the mprotect.
 * Only those two pages need to be faulted in: change_protection's
 * mmu_gather flushes the span from the first to the last PTE it changed,
 * so the flush, hence every TLBI count and cycle, is the same as for a
 * fully populated range (--verify checks that for every N up to
 * --verify-max).  The deltas of the stats across the mprotect give the
 * TLBIs issued, the DSB ISHs (must be exactly 1: anything else exits 1)
 * and the cycles of the flush itself: os.flush.flush_tlb_range.cycles +
 * os.flush.flush_tlb_mm.cycles, which run from the DSB ISHST to the DSB
 * ISH completing (and the notifier hook, which has no subscriber here).
 *
 *   cpu-flush-cost [--csv FILE] [--max-pages N] [--policy P]
 *                  [--no-ascending] [--verify] [--verify-max N]
 *                  [-o key=value]...
 *
 * CSV on stdout (or FILE): pages,config,per_page_ops,range_ops,asid_ops,
 * dsb,flush_cycles.  A summary goes to stderr: where forced-ASID flushing
 * becomes cheaper than each other config, and where Linux switches.
 *
 * Exit status: 0 done, 1 a library call failed or a check failed (a DSB
 * count other than 1, a TLBI form the flush should not use, a --verify
 * mismatch), 2 bad usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <smmusim/smmusim.h>

#include "bench_util.h"

#define PAGE 4096ull
#define MAX_PAGES (1ull << 21) /* MAX_TLBI_RANGE_PAGES */
/* 64 GiB: room for 8 GiB of mapping, far from 0. */
#define BASE_VA (1ull << 36)
#define MAX_O 32
#define MAX_POINTS 128

struct flush_config {
	const char *name;
	const char *keys[4];
};

static const struct flush_config configs[] = {
    {"per-page", {"cpu.feat_tlbirange=off", NULL}},
    {"range",
     {"cpu.feat_tlbirange=on", "policy.cpu.range_split=descending", NULL}},
    {"asid", {"cpu.feat_tlbirange=off", "policy.cpu.max_tlbi_ops=1", NULL}},
    {"range-asc",
     {"cpu.feat_tlbirange=on", "policy.cpu.range_split=ascending", NULL}},
};
#define N_CONFIGS (sizeof(configs) / sizeof(configs[0]))
enum { C_PER_PAGE, C_RANGE, C_ASID, C_RANGE_ASC };

/* The counters read around the mprotect. */
static const char *const per_page_stats[] = {
    "cpu.tlbi.issued.vae1",
    "cpu.tlbi.issued.vae1is",
    "cpu.tlbi.issued.vale1",
    "cpu.tlbi.issued.vale1is",
};
static const char *const range_stats[] = {
    "cpu.tlbi.issued.rvae1",
    "cpu.tlbi.issued.rvae1is",
    "cpu.tlbi.issued.rvale1",
    "cpu.tlbi.issued.rvale1is",
};
static const char *const asid_stats[] = {
    "cpu.tlbi.issued.aside1",
    "cpu.tlbi.issued.aside1is",
};
/* Forms no flush of a user range uses: any of these is a model change. */
static const char *const other_stats[] = {
    "cpu.tlbi.issued.vaae1",   "cpu.tlbi.issued.vaae1is",
    "cpu.tlbi.issued.vaale1",  "cpu.tlbi.issued.vaale1is",
    "cpu.tlbi.issued.vmalle1", "cpu.tlbi.issued.vmalle1is",
    "cpu.tlbi.issued.rvaae1",  "cpu.tlbi.issued.rvaae1is",
    "cpu.tlbi.issued.rvaale1", "cpu.tlbi.issued.rvaale1is",
};
static const char *const cycle_stats[] = {
    "os.flush.flush_tlb_range.cycles",
    "os.flush.flush_tlb_mm.cycles",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct result {
	uint64_t per_page_ops, range_ops, asid_ops, other_ops, dsb, cycles;
};

struct opts {
	const char *policy;
	const char *assign[MAX_O];
	int nassign;
};

static int sum_stats(smmusim_t *sim, const char *const *names, size_t n,
		     uint64_t *out)
{
	*out = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t v;
		int rc = smmusim_stat_get(sim, names[i], &v);
		if (rc < 0) {
			fprintf(stderr, "cpu-flush-cost: no stat %s\n",
				names[i]);
			return rc;
		}
		*out += v;
	}
	return 0;
}

static int snapshot(smmusim_t *sim, struct result *r)
{
	int rc;
	if ((rc = sum_stats(sim, per_page_stats, NELEM(per_page_stats),
			    &r->per_page_ops)) < 0 ||
	    (rc = sum_stats(sim, range_stats, NELEM(range_stats),
			    &r->range_ops)) < 0 ||
	    (rc = sum_stats(sim, asid_stats, NELEM(asid_stats), &r->asid_ops)) <
		0 ||
	    (rc = sum_stats(sim, other_stats, NELEM(other_stats),
			    &r->other_ops)) < 0 ||
	    (rc = sum_stats(sim, cycle_stats, NELEM(cycle_stats), &r->cycles)) <
		0)
		return rc;
	const char *dsb = "cpu.dsb.ish";
	return sum_stats(sim, &dsb, 1, &r->dsb);
}

static int submit(smmusim_t *sim, const struct smmusim_event *ev)
{
	smmusim_set_next_start(sim, UINT64_MAX); /* no `@` events here */
	int rc = smmusim_submit(sim, ev);
	if (rc < 0)
		fprintf(stderr, "cpu-flush-cost: %s (%s)\n",
			smmusim_last_error(sim), smmusim_errname(rc));
	return rc;
}

/*
 * One point: N pages under config `c`.  full: touch every page rather
 * than the first and the last.
 */
static int measure(const struct opts *o, const struct flush_config *c,
		   uint64_t pages, bool full, struct result *out)
{
	smmusim_config_t *cfg;
	smmusim_t *sim = NULL;
	char err[256];
	int rc = smmusim_config_new(&cfg, NULL);
	if (rc < 0) {
		fprintf(stderr, "cpu-flush-cost: %s\n", smmusim_strerror(rc));
		return rc;
	}
	rc = smmusim_config_apply_preset(cfg, "policy", o->policy);
	/* Only a few pages are ever allocated, so a small RAM keeps creating
	 * hundreds of simulators cheap (the frame table is 16 bytes per
	 * frame); a fully touched range needs its pages plus tables. */
	char mem[32];
	snprintf(mem, sizeof(mem), "%" PRIu64,
		 (uint64_t)((full ? pages * PAGE : 0) + (64ull << 20)));
	if (rc == 0)
		rc = smmusim_config_set(cfg, "mem.size", mem);
	for (int i = 0; rc == 0 && i < o->nassign; i++)
		rc = smmusim_config_set_assignment(cfg, o->assign[i]);
	for (int i = 0; rc == 0 && c->keys[i]; i++)
		rc = smmusim_config_set_assignment(cfg, c->keys[i]);
	if (rc < 0) {
		fprintf(stderr, "cpu-flush-cost: %s\n",
			smmusim_config_error(cfg));
		smmusim_config_free(cfg);
		return rc;
	}
	rc = smmusim_new_ex(&sim, cfg, NULL, err, sizeof(err));
	smmusim_config_free(cfg);
	if (rc < 0) {
		fprintf(stderr, "cpu-flush-cost: %s\n", err);
		return rc;
	}

	uint64_t len = pages * PAGE, last = BASE_VA + len - PAGE;
	struct smmusim_event ev[] = {
	    {.type = SMMUSIM_EV_MM_CREATE, .mm = 1},
	    {.type = SMMUSIM_EV_MMAP,
	     .mm = 1,
	     .va = BASE_VA,
	     .len = len,
	     .prot = SMMUSIM_PROT_R | SMMUSIM_PROT_W,
	     .map = SMMUSIM_MAP_PRIVATE},
	    /* A memset of the first page (of everything with --verify)... */
	    {.type = SMMUSIM_EV_TOUCH,
	     .mm = 1,
	     .va = BASE_VA,
	     .len = full ? len : PAGE,
	     .op = SMMUSIM_ACC_WRITE},
	    /* ...and of the last one. */
	    {.type = SMMUSIM_EV_TOUCH,
	     .mm = 1,
	     .va = last,
	     .len = PAGE,
	     .op = SMMUSIM_ACC_WRITE},
	};
	for (size_t i = 0; rc == 0 && i < NELEM(ev); i++)
		if (i < 3 || (!full && pages > 1))
			rc = submit(sim, &ev[i]);

	struct result before, after;
	if (rc == 0)
		rc = snapshot(sim, &before);
	struct smmusim_event mp = {.type = SMMUSIM_EV_MPROTECT,
				   .mm = 1,
				   .va = BASE_VA,
				   .len = len,
				   .prot = SMMUSIM_PROT_R};
	if (rc == 0)
		rc = submit(sim, &mp);
	if (rc == 0)
		rc = snapshot(sim, &after);
	if (rc == 0) {
		out->per_page_ops = after.per_page_ops - before.per_page_ops;
		out->range_ops = after.range_ops - before.range_ops;
		out->asid_ops = after.asid_ops - before.asid_ops;
		out->other_ops = after.other_ops - before.other_ops;
		out->dsb = after.dsb - before.dsb;
		out->cycles = after.cycles - before.cycles;
	}
	smmusim_free(sim);
	return rc;
}

/* 2^k - 1, 2^k, 2^k + 1 for every k, within [1, max], sorted, unique. */
static size_t sweep_points(uint64_t max, uint64_t *pts)
{
	size_t n = 0;
	for (unsigned k = 0; k <= 63 && (1ull << k) - 1 <= max; k++) {
		uint64_t p = 1ull << k;
		uint64_t cand[3] = {p - 1, p, p + 1};
		for (int j = 0; j < 3; j++) {
			uint64_t v = cand[j];
			if (v < 1 || v > max || (n && v <= pts[n - 1]))
				continue;
			if (n < MAX_POINTS)
				pts[n++] = v;
		}
	}
	return n;
}

/* Smallest point where config `a` is strictly cheaper than config `b`,
 * 0 if none. */
static uint64_t first_cheaper(const uint64_t *pts, size_t n,
			      struct result (*res)[N_CONFIGS], int a, int b)
{
	for (size_t i = 0; i < n; i++)
		if (res[i][a].cycles < res[i][b].cycles)
			return pts[i];
	return 0;
}

/* Smallest point where config `c` flushed the whole ASID, 0 if none. */
static uint64_t first_asid(const uint64_t *pts, size_t n,
			   struct result (*res)[N_CONFIGS], int c)
{
	for (size_t i = 0; i < n; i++)
		if (res[i][c].asid_ops)
			return pts[i];
	return 0;
}

static void print_point(const char *what, uint64_t n)
{
	if (n)
		fprintf(stderr, "  %-58s %" PRIu64 "\n", what, n);
	else
		fprintf(stderr, "  %-58s never (up to the largest N)\n", what);
}

static const char usage[] =
    "usage: cpu-flush-cost [--csv FILE] [--max-pages N] [--policy P]\n"
    "                      [--no-ascending] [--verify] [--verify-max N]\n"
    "                      [-o key=value]...\n"
    "  --csv FILE      write the CSV there (default stdout)\n"
    "  --max-pages N   largest N of the sweep (default 2097152 = 2^21)\n"
    "  --policy P      policy preset under the configs (default "
    "linux-6.15)\n"
    "  --no-ascending  skip the range-asc config\n"
    "  --verify        also compare, for N up to --verify-max, against a\n"
    "                  run with every page touched (same numbers "
    "expected)\n"
    "  --verify-max N  default 4097\n"
    "  -o key=value    any configuration key, before each config's own "
    "keys\n";

int main(int argc, char **argv)
{
	struct opts o = {.policy = "linux-6.15"};
	uint64_t max_pages = MAX_PAGES, verify_max = 4097;
	const char *csv_path = NULL;
	bool verify = false, ascending = true;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		int rc = 0;
		if (bench_help(a, usage)) {
			return 0;
		} else if (!strcmp(a, "--verify")) {
			verify = true;
			continue;
		} else if (!strcmp(a, "--no-ascending")) {
			ascending = false;
			continue;
		}
		if (!v)
			return bench_bad_option("cpu-flush-cost", a, v, usage);
		if (!strcmp(a, "--csv"))
			csv_path = v;
		else if (!strcmp(a, "--max-pages"))
			rc = bench_parse_u64("cpu-flush-cost", a, v, 1,
					     MAX_PAGES, &max_pages);
		else if (!strcmp(a, "--verify-max"))
			rc = bench_parse_u64("cpu-flush-cost", a, v, 1,
					     MAX_PAGES, &verify_max);
		else if (!strcmp(a, "--policy"))
			o.policy = v;
		else if (!strcmp(a, "-o") && o.nassign < MAX_O)
			o.assign[o.nassign++] = v;
		else
			return bench_bad_option("cpu-flush-cost", a, v, usage);
		if (rc < 0)
			return 2;
		i++;
	}

	FILE *csv = stdout;
	if (csv_path && !(csv = fopen(csv_path, "w"))) {
		fprintf(stderr, "cpu-flush-cost: %s: %s\n", csv_path,
			strerror(errno));
		return 1;
	}

	static uint64_t pts[MAX_POINTS];
	static struct result res[MAX_POINTS][N_CONFIGS];
	size_t n = sweep_points(max_pages, pts);
	size_t ncfg = ascending ? N_CONFIGS : N_CONFIGS - 1;
	int status = 0;
	uint64_t verified = 0, sims = 0;
	double t0 = bench_now_seconds();

	fprintf(csv, "pages,config,per_page_ops,range_ops,asid_ops,dsb,"
		     "flush_cycles\n");
	/* The configs one after another, each over the whole sweep. */
	for (size_t c = 0; c < ncfg && status == 0; c++) {
		for (size_t i = 0; i < n; i++) {
			struct result *r = &res[i][c];
			if (measure(&o, &configs[c], pts[i], false, r) < 0) {
				status = 1;
				break;
			}
			sims++;
			fprintf(csv,
				"%" PRIu64 ",%s,%" PRIu64 ",%" PRIu64
				",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n",
				pts[i], configs[c].name, r->per_page_ops,
				r->range_ops, r->asid_ops, r->dsb, r->cycles);
			if (r->dsb != 1) {
				fprintf(stderr,
					"cpu-flush-cost: %s, %" PRIu64
					" pages: %" PRIu64
					" DSB ISH in the mprotect, expected "
					"1\n",
					configs[c].name, pts[i], r->dsb);
				status = 1;
			}
			if (r->other_ops) {
				fprintf(stderr,
					"cpu-flush-cost: %s, %" PRIu64
					" pages: %" PRIu64
					" TLBIs of a form a user range flush "
					"does not use (VAA, VMALL)\n",
					configs[c].name, pts[i], r->other_ops);
				status = 1;
			}
			if (!verify || pts[i] > verify_max)
				continue;
			struct result full;
			if (measure(&o, &configs[c], pts[i], true, &full) < 0) {
				status = 1;
				break;
			}
			sims++;
			verified++;
			if (full.per_page_ops != r->per_page_ops ||
			    full.range_ops != r->range_ops ||
			    full.asid_ops != r->asid_ops ||
			    full.dsb != r->dsb || full.cycles != r->cycles) {
				fprintf(
				    stderr,
				    "cpu-flush-cost: --verify: %s, "
				    "%" PRIu64
				    " pages: first+last touched gives "
				    "%" PRIu64 "/%" PRIu64 "/%" PRIu64
				    " ops, %" PRIu64 " cycles; all "
				    "touched %" PRIu64 "/%" PRIu64 "/%" PRIu64
				    " ops, %" PRIu64 " cycles\n",
				    configs[c].name, pts[i], r->per_page_ops,
				    r->range_ops, r->asid_ops, r->cycles,
				    full.per_page_ops, full.range_ops,
				    full.asid_ops, full.cycles);
				status = 1;
			}
		}
	}
	double secs = bench_now_seconds() - t0;
	if (csv != stdout && fclose(csv) != 0) {
		fprintf(stderr, "cpu-flush-cost: %s: write error\n", csv_path);
		status = 1;
	}
	if (status)
		return status;

	fprintf(stderr,
		"cpu-flush-cost: %zu sizes (1..%" PRIu64 ") x %zu configs, "
		"policy %s, %" PRIu64 " simulators in %.2f s\n",
		n, pts[n - 1], ncfg, o.policy, sims, secs);
	if (verify)
		fprintf(stderr,
			"  --verify: %" PRIu64 " points up to N=%" PRIu64
			" match a fully touched range\n",
			verified, verify_max);
	print_point("forced ASID cheaper than per-page from N =",
		    first_cheaper(pts, n, res, C_ASID, C_PER_PAGE));
	print_point("forced ASID cheaper than range (descending) from N =",
		    first_cheaper(pts, n, res, C_ASID, C_RANGE));
	if (ascending)
		print_point(
		    "forced ASID cheaper than range (ascending) from N =",
		    first_cheaper(pts, n, res, C_ASID, C_RANGE_ASC));
	print_point("Linux switches to flush_tlb_mm, no ranges, at N =",
		    first_asid(pts, n, res, C_PER_PAGE));
	print_point("Linux switches to flush_tlb_mm, with ranges, at N =",
		    first_asid(pts, n, res, C_RANGE));
	/* The largest per-config cost, for scale. */
	for (size_t c = 0; c < ncfg; c++) {
		uint64_t worst = 0, at = 0;
		for (size_t i = 0; i < n; i++)
			if (res[i][c].cycles > worst) {
				worst = res[i][c].cycles;
				at = pts[i];
			}
		fprintf(stderr,
			"  %-10s most expensive flush: %" PRIu64
			" cycles at N = %" PRIu64 "\n",
			configs[c].name, worst, at);
	}
	return 0;
}
