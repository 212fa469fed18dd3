/* SPDX-License-Identifier: MIT */
#include "base/rng.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void sm_rng_seed(struct sm_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t sm_rng_next(struct sm_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t sm_rng_below(struct sm_rng *r, uint64_t bound)
{
	/* Rejection on the low half of the 128-bit product removes the bias
	 * of a plain modulo. */
	uint64_t x = sm_rng_next(r);
	__uint128_t m = (__uint128_t)x * bound;
	uint64_t low = (uint64_t)m;
	if (low < bound) {
		uint64_t threshold = -bound % bound;
		while (low < threshold) {
			x = sm_rng_next(r);
			m = (__uint128_t)x * bound;
			low = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}
