/* SPDX-License-Identifier: MIT */
/*
 * How fast does the simulator itself run?
 *
 * A synthetic workload, generated in memory and fed to smmusim_submit() (no
 * trace file, so the trace reader is not measured): --procs processes, each
 * with a 2 MiB private read-write buffer and one SVA device stream bound to
 * it (sid = process index, ssid = 1).  Then a loop of events drawn from a
 * fixed-seed xorshift generator:
 *
 *   43%  dev_access  a device reads or writes a page of its buffer
 *        (first touches fault and are recovered by stall, as Linux's
 *        SVA does: dev.fault_mode=stall; writes to a read-only range are
 *        refused)
 *   43%  cpu_access  a CPU writes (3/4) or reads a page of a buffer
 *        (first touches fault the page in)
 *    8%  mprotect    a 64 KiB sub-range (1 time in 8 the whole buffer)
 *                    becomes r or rw
 *    6%  munmap + mmap of a 64 KiB sub-range (freed and fresh pages)
 *
 * Each event starts 0..63 cycles after the previous one has finished.  The
 * same seed gives the same events, hence the same simulated results.
 *
 * Wall time (CLOCK_MONOTONIC) covers every submit and smmusim_finish(), not
 * creating or freeing the simulator.  Built with jemalloc
 * (-DSMMUSIM_HAVE_JEMALLOC), the peak memory allocated by this thread from
 * just before smmusim_new() to just after smmusim_finish() is printed too.
 *
 *   replay-speed [--events N] [--policy P] [--no-check] [--procs N]
 *                [--seed S] [-o key=value]... [--report text|json]
 *
 * --report appends the simulator's report (docs/stats.md) after the timing
 * lines, to see what the workload did.
 *
 * Exit status: 0 done (violations are results, not failures), 1 a library
 * call failed, 2 bad usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <smmusim/smmusim.h>

#include "bench_util.h"

#define DEFAULT_EVENTS 1000000ull
#define BUF_VA 0x40000000ull
#define BUF_PAGES 512u /* 2 MiB */
#define SUB_PAGES 16u  /* 64 KiB */
#define PAGE 4096ull
#define MAX_O 32

struct bench {
	smmusim_t *sim;
	uint64_t rng;
	uint64_t submitted;
	unsigned procs;
	unsigned cpus;
};

static int submit(struct bench *b, struct smmusim_event *ev)
{
	return bench_submit("replay-speed", b->sim, &b->submitted, ev);
}

static int setup(struct bench *b)
{
	for (unsigned i = 0; i < b->procs; i++) {
		struct smmusim_event evs[3];
		int rc;

		bench_proc_start(evs, i + 1, i, i % b->cpus, BUF_VA,
				 BUF_PAGES * PAGE);
		rc = bench_submit_all("replay-speed", b->sim, &b->submitted,
				      evs, 3);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int teardown(struct bench *b)
{
	for (unsigned i = 0; i < b->procs; i++) {
		struct smmusim_event evs[2];
		int rc;

		bench_proc_end(evs, i + 1, i, i % b->cpus);
		rc = bench_submit_all("replay-speed", b->sim, &b->submitted,
				      evs, 2);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* One step of the mix: one event, or two for munmap + mmap. */
static int step(struct bench *b)
{
	uint32_t r = bench_rand_below(&b->rng, 100);
	uint32_t p = bench_rand_below(&b->rng, b->procs);
	struct smmusim_event ev = {
	    .timing = SMMUSIM_AFTER_PREV,
	    .time = bench_rand(&b->rng) & 63,
	    .mm = p + 1,
	    .cpu = bench_rand_below(&b->rng, b->cpus),
	};

	if (r < 86) {
		ev.va = BUF_VA + bench_rand_below(&b->rng, BUF_PAGES) * PAGE;
		if (r < 43) {
			ev.type = SMMUSIM_EV_DEV_ACCESS;
			ev.sid = p;
			ev.ssid = 1;
			ev.op = bench_rand_below(&b->rng, 2) ? SMMUSIM_ACC_WRITE
							     : SMMUSIM_ACC_READ;
		} else {
			ev.type = SMMUSIM_EV_CPU_ACCESS;
			ev.op = bench_rand_below(&b->rng, 4) ? SMMUSIM_ACC_WRITE
							     : SMMUSIM_ACC_READ;
		}
		return submit(b, &ev);
	}

	uint32_t sub = bench_rand_below(&b->rng, BUF_PAGES / SUB_PAGES);
	ev.va = BUF_VA + (uint64_t)sub * SUB_PAGES * PAGE;
	ev.len = SUB_PAGES * PAGE;
	if (r < 94) {
		ev.type = SMMUSIM_EV_MPROTECT;
		if (bench_rand_below(&b->rng, 8) == 0) {
			ev.va = BUF_VA;
			ev.len = BUF_PAGES * PAGE;
		}
		ev.prot = bench_rand_below(&b->rng, 2)
			      ? SMMUSIM_PROT_R | SMMUSIM_PROT_W
			      : SMMUSIM_PROT_R;
		return submit(b, &ev);
	}
	ev.type = SMMUSIM_EV_MUNMAP;
	int rc = submit(b, &ev);
	if (rc < 0)
		return rc;
	ev.type = SMMUSIM_EV_MMAP;
	ev.time = 0;
	ev.prot = SMMUSIM_PROT_R | SMMUSIM_PROT_W;
	ev.map = SMMUSIM_MAP_PRIVATE;
	return submit(b, &ev);
}

static void peak_reset(void)
{
#if BENCH_HAVE_JEMALLOC
	mallctl("thread.peak.reset", NULL, NULL, NULL, 0);
#endif
}

static void print_peak(void)
{
#if BENCH_HAVE_JEMALLOC
	uint64_t epoch = 1, peak = 0;
	size_t allocated, sz = sizeof(epoch);

	mallctl("epoch", &epoch, &sz, &epoch, sz);
	sz = sizeof(peak);
	if (mallctl("thread.peak.read", &peak, &sz, NULL, 0) == 0 && peak) {
		printf("peak memory:        %" PRIu64 " bytes (%.1f MiB, "
		       "thread.peak.read)\n",
		       peak, (double)peak / (1024.0 * 1024.0));
		return;
	}
	sz = sizeof(allocated);
	if (mallctl("stats.allocated", &allocated, &sz, NULL, 0) == 0)
		printf("peak memory:        %zu bytes (%.1f MiB, "
		       "stats.allocated at the end)\n",
		       allocated, (double)allocated / (1024.0 * 1024.0));
	else
		printf("peak memory:        unavailable (jemalloc without "
		       "stats)\n");
#else
	printf("peak memory:        unavailable (built without jemalloc)\n");
#endif
}

static const char usage[] =
    "usage: replay-speed [--events N] [--policy P] [--no-check] "
    "[--procs N]\n"
    "                    [--seed S] [-o key=value]... [--report F]\n"
    "  --events N   events to submit, setup and teardown included "
    "(default 1000000)\n"
    "  --policy P   policy preset (default linux-6.6)\n"
    "  --no-check   disable the coherence oracle (check.enable=off)\n"
    "  --procs N    processes, each with a bound device stream (default "
    "8)\n"
    "  --seed S     seed of the workload generator (default 1)\n"
    "  -o key=value any configuration key (smmusim config --list)\n"
    "  --report F   then print the simulator's report, F = text or json\n";

int main(int argc, char **argv)
{
	uint64_t events = DEFAULT_EVENTS, procs = 8, seed = 1;
	const char *policy = "linux-6.6";
	const char *assign[MAX_O];
	int nassign = 0, no_check = 0, report = -1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		int rc = 0;
		if (bench_help(a, usage)) {
			return 0;
		} else if (!strcmp(a, "--no-check")) {
			no_check = 1;
			continue;
		}
		if (!v)
			return bench_bad_option("replay-speed", a, v, usage);
		if (!strcmp(a, "--events"))
			rc = bench_parse_u64("replay-speed", a, v, 1,
					     UINT64_MAX, &events);
		else if (!strcmp(a, "--procs"))
			rc = bench_parse_u64("replay-speed", a, v, 1, 256,
					     &procs);
		else if (!strcmp(a, "--seed"))
			rc = bench_parse_u64("replay-speed", a, v, 0,
					     UINT64_MAX, &seed);
		else if (!strcmp(a, "--policy"))
			policy = v;
		else if (!strcmp(a, "-o") && nassign < MAX_O)
			assign[nassign++] = v;
		else if (!strcmp(a, "--report")) {
			if (!strcmp(v, "text"))
				report = SMMUSIM_FORMAT_TEXT;
			else if (!strcmp(v, "json"))
				report = SMMUSIM_FORMAT_JSON;
			else {
				fprintf(stderr,
					"replay-speed: --report: '%s' "
					"is not text or json\n",
					v);
				return 2;
			}
		} else {
			return bench_bad_option("replay-speed", a, v, usage);
		}
		if (rc < 0)
			return 2;
		i++;
	}

	smmusim_config_t *cfg;
	int rc = bench_config("replay-speed", policy, assign, nassign, no_check,
			      &cfg);
	if (rc)
		return rc;
	char cpus_text[32], check_text[8];
	smmusim_config_get(cfg, "cpu.count", cpus_text, sizeof(cpus_text));
	smmusim_config_get(cfg, "check.enable", check_text, sizeof(check_text));

	struct bench b = {
	    .rng = seed * 0x9e3779b97f4a7c15ull + 0x2545f4914f6cdd1dull,
	    .procs = (unsigned)procs,
	    .cpus = (unsigned)strtoul(cpus_text, NULL, 10),
	};
	if (!b.rng)
		b.rng = 1; /* xorshift's one fixed point */
	char err[256];
	peak_reset();
	rc = smmusim_new_ex(&b.sim, cfg, NULL, err, sizeof(err));
	smmusim_config_free(cfg);
	if (rc < 0) {
		fprintf(stderr, "replay-speed: %s\n", err);
		return 1;
	}
	smmusim_set_labels(b.sim, policy, "replay-speed");

	uint64_t fixed = 5 * procs;
	uint64_t loop_events = events > fixed ? events - fixed : 0;
	double t0 = bench_now_seconds();
	rc = setup(&b);
	while (rc == 0 && b.submitted < 3 * procs + loop_events)
		rc = step(&b);
	if (rc == 0)
		rc = teardown(&b);
	if (rc == 0 && (rc = smmusim_finish(b.sim)) < 0)
		fprintf(stderr, "replay-speed: finish: %s (%s)\n",
			smmusim_last_error(b.sim), smmusim_errname(rc));
	double secs = bench_now_seconds() - t0;
	if (rc < 0) {
		smmusim_free(b.sim);
		return 1;
	}

	uint64_t cycles = 0, dev = 0, cpu = 0, sys = 0;
	smmusim_stat_get(b.sim, "sim.cycles", &cycles);
	smmusim_stat_get(b.sim, "dev.accesses", &dev);
	smmusim_stat_get(b.sim, "cpu.accesses", &cpu);
	smmusim_stat_get(b.sim, "os.syscalls", &sys);
	printf("replay-speed: policy %s, check.enable=%s, %" PRIu64
	       " processes, cpu.count=%u, seed %" PRIu64 "\n",
	       policy, check_text, procs, b.cpus, seed);
	printf("events:             %" PRIu64 " (dev %" PRIu64 ", cpu %" PRIu64
	       ", syscalls %" PRIu64 ")\n",
	       b.submitted, dev, cpu, sys);
	printf("seconds:            %.3f\n", secs);
	printf("events/s:           %.0f\n",
	       secs > 0 ? (double)b.submitted / secs : 0.0);
	printf("simulated cycles:   %" PRIu64 "\n", cycles);
	printf("violations total:   %" PRIu64 "\n",
	       smmusim_violation_total(b.sim));
	print_peak();
	if (report >= 0) {
		fflush(stdout);
		rc = smmusim_write_report(stdout, &b.sim, 1,
					  (enum smmusim_format)report);
	}
	smmusim_free(b.sim);
	return rc < 0 ? 1 : 0;
}
