/* SPDX-License-Identifier: MIT */
/*
 * Seeded PRNG: xoshiro256** (Blackman and Vigna, 2018), state seeded from
 * the 64-bit `sim.seed` through splitmix64 so that nearby seeds give
 * unrelated streams.  Each simulator owns one; nothing is global, so a run is
 * reproducible from its seed alone.
 */
#ifndef SM_BASE_RNG_H
#define SM_BASE_RNG_H

#include <stdint.h>

struct sm_rng {
	uint64_t s[4];
};

void sm_rng_seed(struct sm_rng *r, uint64_t seed);
uint64_t sm_rng_next(struct sm_rng *r);
/* Uniform in [0, bound), bound > 0 (Lemire's multiply-shift, unbiased). */
uint64_t sm_rng_below(struct sm_rng *r, uint64_t bound);

#endif
