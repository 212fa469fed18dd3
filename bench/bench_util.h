/* SPDX-License-Identifier: MIT */
/*
 * What the benchmarks share: a seeded xorshift64 workload generator, a
 * monotonic clock in seconds, the parsing of options and their messages,
 * event submission that names a refused event, the events that start and
 * end a process with its SVA stream, and jemalloc's counters when the
 * benchmark is built with it.  Header-only: each benchmark is one program.
 *
 * Included outside any #if: bench/meson.build defines
 * SMMUSIM_HAVE_JEMALLOC=1 only where jemalloc was found (the fuzz build,
 * -Djemalloc=disabled, compiles the benchmarks without it).
 */
#ifndef SMMUSIM_BENCH_UTIL_H
#define SMMUSIM_BENCH_UTIL_H

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <smmusim/smmusim.h>

#if defined(SMMUSIM_HAVE_JEMALLOC) && SMMUSIM_HAVE_JEMALLOC
#include <jemalloc/jemalloc.h>
#define BENCH_HAVE_JEMALLOC 1
#else
#define BENCH_HAVE_JEMALLOC 0
#endif

/* xorshift64 (Marsaglia 2003): small, fast, the same on every libc. */
static inline uint64_t bench_rand(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

/* Uniform enough in [0, n) for a workload mix (n is small). */
static inline uint32_t bench_rand_below(uint64_t *state, uint32_t n)
{
	return (uint32_t)((bench_rand(state) >> 32) % n);
}

static inline double bench_now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Option `opt` of program `prog`: a number in [min, max] (decimal or 0x
 * hex), else a message on stderr and -1. */
static inline int bench_parse_u64(const char *prog, const char *opt,
				  const char *s, uint64_t min, uint64_t max,
				  uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (!*s || *end || errno || s[0] == '-' || v < min || v > max) {
		fprintf(stderr,
			"%s: %s: bad value '%s' (allowed %" PRIu64 "..%" PRIu64
			")\n",
			prog, opt, s, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

/* Whether option `a` asks for the usage (--help, -h): then it is printed
 * on stdout. */
static inline bool bench_help(const char *a, const char *usage)
{
	if (strcmp(a, "--help") && strcmp(a, "-h"))
		return false;
	fputs(usage, stdout);
	return true;
}

/* Option `a` of `prog` is unknown, or (v NULL) the last argument and
 * without its value: the message and the usage on stderr; returns 2, the
 * exit status of bad usage. */
static inline int bench_bad_option(const char *prog, const char *a,
				   const char *v, const char *usage)
{
	fprintf(stderr, "%s: unknown option%s: %s\n%s", prog,
		v ? "" : " or missing value", a, usage);
	return 2;
}

/* smmusim_submit(); *submitted counts the accepted events, and a refusal
 * is printed as "PROG: event N (NAME): MESSAGE (ERRNAME)". */
static inline int bench_submit(const char *prog, smmusim_t *sim,
			       uint64_t *submitted, struct smmusim_event *ev)
{
	/* The benches' events all start after the previous one ends: a
	 * kernel operation runs to its end in one go. */
	smmusim_set_next_start(sim, UINT64_MAX);
	int rc = smmusim_submit(sim, ev);
	if (rc < 0) {
		fprintf(stderr, "%s: event %" PRIu64 " (%s): %s (%s)\n", prog,
			*submitted + 1, smmusim_event_name(ev->type),
			smmusim_last_error(sim), smmusim_errname(rc));
		return rc;
	}
	(*submitted)++;
	return 0;
}

static inline int bench_submit_all(const char *prog, smmusim_t *sim,
				   uint64_t *submitted,
				   struct smmusim_event *evs, int n)
{
	for (int k = 0; k < n; k++) {
		int rc = bench_submit(prog, sim, submitted, &evs[k]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* A process of the workloads: mm_create, a private rw buffer [va, va +
 * len) mapped from PE `cpu`, and the SVA stream `sid` (SSID 1, PRI) bound
 * to it; at its end, unbind and mm_exit. */
static inline void bench_proc_start(struct smmusim_event evs[3], uint32_t mm,
				    uint32_t sid, uint32_t cpu, uint64_t va,
				    uint64_t len)
{
	evs[0] = (struct smmusim_event){.type = SMMUSIM_EV_MM_CREATE, .mm = mm};
	evs[1] = (struct smmusim_event){.type = SMMUSIM_EV_MMAP,
					.mm = mm,
					.va = va,
					.len = len,
					.prot = SMMUSIM_PROT_R | SMMUSIM_PROT_W,
					.map = SMMUSIM_MAP_PRIVATE,
					.cpu = cpu};
	evs[2] = (struct smmusim_event){.type = SMMUSIM_EV_BIND,
					.sid = sid,
					.ssid = 1,
					.mm = mm,
					.pri = true};
}

static inline void bench_proc_end(struct smmusim_event evs[2], uint32_t mm,
				  uint32_t sid, uint32_t cpu)
{
	evs[0] = (struct smmusim_event){
	    .type = SMMUSIM_EV_UNBIND, .sid = sid, .ssid = 1};
	evs[1] = (struct smmusim_event){
	    .type = SMMUSIM_EV_MM_EXIT, .mm = mm, .cpu = cpu};
}

/* The configuration of a run: the policy preset, dev.fault_mode=stall, the -o
 * assignments in order, then check.enable=off with no_check.  Returns 0, or the
 * exit status with its message printed: 1 (the library failed), 2 (a bad key or
 * value). */
static inline int bench_config(const char *prog, const char *policy,
			       const char *const *assign, int nassign,
			       bool no_check, smmusim_config_t **out)
{
	smmusim_config_t *cfg;
	int rc = smmusim_config_new(&cfg, NULL);
	if (rc < 0) {
		fprintf(stderr, "%s: %s\n", prog, smmusim_strerror(rc));
		return 1;
	}
	rc = smmusim_config_apply_preset(cfg, "policy", policy);
	/* The bound devices recover their faults as Linux's SVA does: by stall
	 * (mainline arm-smmu-v3 denies page requests; -o may say otherwise). */
	if (rc == 0)
		rc = smmusim_config_set(cfg, "dev.fault_mode", "stall");
	for (int i = 0; rc == 0 && i < nassign; i++)
		rc = smmusim_config_set_assignment(cfg, assign[i]);
	if (rc == 0 && no_check)
		rc = smmusim_config_set(cfg, "check.enable", "off");
	if (rc < 0) {
		fprintf(stderr, "%s: %s\n", prog, smmusim_config_error(cfg));
		smmusim_config_free(cfg);
		return 2;
	}
	*out = cfg;
	return 0;
}

/* jemalloc's counter `name` (stats.allocated, stats.resident), refreshed
 * first (the "epoch" control); 0 without jemalloc or that counter. */
static inline uint64_t bench_jemalloc_stat(const char *name)
{
#if BENCH_HAVE_JEMALLOC
	uint64_t epoch = 1;
	size_t v, sz = sizeof(epoch);
	mallctl("epoch", &epoch, &sz, &epoch, sz);
	sz = sizeof(v);
	if (mallctl(name, &v, &sz, NULL, 0) == 0)
		return v;
#else
	(void)name;
#endif
	return 0;
}

#endif
