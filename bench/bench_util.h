/* SPDX-License-Identifier: MIT */
/*
 * What the benchmarks share: a seeded xorshift64 workload generator, a
 * monotonic clock in seconds, and one parser of numeric options with its
 * message.  Header-only: each benchmark is one program.
 */
#ifndef SMMUSIM_BENCH_UTIL_H
#define SMMUSIM_BENCH_UTIL_H

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

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

#endif
