/* SPDX-License-Identifier: MIT */
/*
 * How long does a simulator take to start, and to bind many streams?
 * (issue 12, goal 4.)
 *
 * Start-up: smmusim_new_ex() then smmusim_finish() and smmusim_free() of a
 * simulator with the default configuration (policy linux-6.6, as the CLI),
 * plus the -o assignments, --runs times; the median and the fastest are
 * printed.  Run it with -o mem.size=1099511627776 to see that the size of
 * simulated RAM does not matter (its frame table is made as RAM comes into
 * use, hw/mem/physmem.c).
 *
 * Binding: --streams N SVA streams are bound (sid 0 .. N - 1, ssid 1), N
 * up to 2^20, stream i to process i % M (--procs M, default N: one process
 * each, made by mm_create before its first bind); smmu.sid_bits is raised
 * to fit, and mem.size and sim.max_host_memory to 16 GiB unless -o sets
 * either (each stream's CD table takes 16 KiB of simulated RAM).  The wall time
 * of the N binds and of the whole run (new, binds, finish, free) is printed.
 *
 *   startup [--runs N] [--streams N] [--procs M] [-o key=value]...
 *
 * Exit status: 0 done, 1 a library call failed, 2 bad usage.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <smmusim/smmusim.h>

#include "bench_util.h"

#define MAX_O 32
#define MAX_RUNS 10000

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int new_sim(smmusim_config_t *cfg, smmusim_t **sim)
{
	char err[256];
	int rc = smmusim_new_ex(sim, cfg, NULL, err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, "startup: %s\n", err);
	return rc;
}

/* --runs simulators made, finished and freed; the median and fastest. */
static int time_startup(smmusim_config_t *cfg, uint64_t runs)
{
	static double t[MAX_RUNS];
	for (uint64_t i = 0; i < runs; i++) {
		smmusim_t *sim;
		double t0 = bench_now_seconds();
		if (new_sim(cfg, &sim) < 0)
			return 1;
		int rc = smmusim_finish(sim);
		smmusim_free(sim);
		t[i] = bench_now_seconds() - t0;
		if (rc < 0)
			return 1;
	}
	qsort(t, runs, sizeof(t[0]), cmp_double);
	printf("start-up (new + finish + free): median %.3f ms, fastest "
	       "%.3f ms, %" PRIu64 " runs\n",
	       t[runs / 2] * 1e3, t[0] * 1e3, runs);
	return 0;
}

/* One simulator; `streams` processes, each binding one stream. */
static int time_binds(smmusim_config_t *cfg, uint64_t streams, uint64_t mms,
		      bool own_mem)
{
	char bits[16];
	unsigned b = 1;
	while ((1ull << b) < streams)
		b++;
	snprintf(bits, sizeof(bits), "%u", b < 8 ? 8 : b);
	/* Each bound stream has its own CD table, 16 KiB of simulated RAM
	 * (smmu.ssid_bits=8) and 4 KiB of host memory at least: over the
	 * default RAM and host-memory cap from about 60,000 streams. */
	if (smmusim_config_set(cfg, "smmu.sid_bits", bits) < 0 ||
	    (!own_mem &&
	     (smmusim_config_set(cfg, "sim.max_host_memory", "17179869184") <
		  0 ||
	      smmusim_config_set(cfg, "mem.size", "17179869184") < 0))) {
		fprintf(stderr, "startup: %s\n", smmusim_config_error(cfg));
		return 2;
	}
	smmusim_t *sim;
	double t0 = bench_now_seconds();
	if (new_sim(cfg, &sim) < 0)
		return 1;
	uint64_t submitted = 0;
	double t1 = bench_now_seconds();
	int rc = 0;
	for (uint64_t i = 0; rc == 0 && i < streams; i++) {
		uint32_t mm = (uint32_t)(i % mms) + 1;
		struct smmusim_event evs[2] = {
		    {.type = SMMUSIM_EV_MM_CREATE, .mm = mm},
		    {.type = SMMUSIM_EV_BIND,
		     .sid = (uint32_t)i,
		     .ssid = 1,
		     .mm = mm},
		};
		if (i < mms)
			rc = bench_submit_all("startup", sim, &submitted, evs,
					      2);
		else
			rc = bench_submit("startup", sim, &submitted, &evs[1]);
	}
	double t2 = bench_now_seconds();
	if (rc == 0 && (rc = smmusim_finish(sim)) < 0)
		fprintf(stderr, "startup: finish: %s\n",
			smmusim_last_error(sim));
	smmusim_free(sim);
	double t3 = bench_now_seconds();
	if (rc < 0)
		return 1;
	printf("bind %" PRIu64 " streams of %" PRIu64
	       " processes (smmu.sid_bits=%s): %.3f s; whole run %.3f s\n",
	       streams, mms < streams ? mms : streams, bits, t2 - t1, t3 - t0);
	return 0;
}

static const char usage[] =
    "usage: startup [--runs N] [--streams N] [--procs M] [-o key=value]...\n"
    "  --runs N     simulators to make and free (default 100)\n"
    "  --streams N  then bind N streams (default 0)\n"
    "  --procs M    ... stream i to process i % M (default: one each)\n"
    "  -o key=value any configuration key (smmusim config --list)\n";

int main(int argc, char **argv)
{
	uint64_t runs = 100, streams = 0, procs = 0;
	const char *assign[MAX_O];
	int nassign = 0;
	bool own_mem = false;

	for (int i = 1; i < argc; i += 2) { /* OPTION VALUE pairs */
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		int rc = 0;
		if (bench_help(a, usage))
			return 0;
		if (!v)
			return bench_bad_option("startup", a, v, usage);
		if (!strcmp(a, "--runs"))
			rc = bench_parse_u64("startup", a, v, 1, MAX_RUNS,
					     &runs);
		else if (!strcmp(a, "--streams"))
			rc = bench_parse_u64("startup", a, v, 0, 1u << 20,
					     &streams);
		else if (!strcmp(a, "--procs"))
			rc = bench_parse_u64("startup", a, v, 1, 1u << 20,
					     &procs);
		else if (!strcmp(a, "-o") && nassign < MAX_O) {
			assign[nassign++] = v;
			own_mem |= !strncmp(v, "sim.max_host_memory", 19) ||
				   !strncmp(v, "mem.size", 8);
		} else
			return bench_bad_option("startup", a, v, usage);
		if (rc < 0)
			return 2;
	}
	smmusim_config_t *cfg;
	int rc =
	    bench_config("startup", "linux-6.6", assign, nassign, false, &cfg);
	if (rc)
		return rc;
	rc = time_startup(cfg, runs);
	if (rc == 0 && streams)
		rc = time_binds(cfg, streams, procs ? procs : streams, own_mem);
	smmusim_config_free(cfg);
	return rc;
}
