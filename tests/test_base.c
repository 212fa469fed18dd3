/* SPDX-License-Identifier: MIT */
/* Tests for the ground floor (src/base): the seeded PRNG every random
 * choice of the models draws from (rng.c, xoshiro256**). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "helpers.h"

#include "base/rng.h"

/* ---- rng ---- */

static void test_rng_known_answer(void **state)
{
	(void)state;
	/* xoshiro256** reference output for state {1, 2, 3, 4}. */
	static const uint64_t want[] = {
	    11520u,
	    0u,
	    1509978240u,
	    1215971899390074240u,
	    1216172134540287360u,
	    607988272756665600u,
	    16172922978634559625u,
	    8476171486693032832u,
	    10595114339597558777u,
	    2904607092377533576u,
	};
	struct sm_rng r = {{1, 2, 3, 4}};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_true(sm_rng_next(&r) == want[i]);

	/* Seeding goes through splitmix64: its first output from 0. */
	sm_rng_seed(&r, 0);
	assert_true(r.s[0] == 0xe220a8397b1dcdafull);
}

static void test_rng_same_seed_same_sequence(void **state)
{
	(void)state;
	struct sm_rng a, b;
	sm_rng_seed(&a, 0xdeadbeef);
	sm_rng_seed(&b, 0xdeadbeef);
	for (int i = 0; i < 1000; i++)
		assert_true(sm_rng_next(&a) == sm_rng_next(&b));
	/* Re-seeding restarts the stream. */
	sm_rng_seed(&a, 7);
	uint64_t first[16];
	for (int i = 0; i < 16; i++)
		first[i] = sm_rng_next(&a);
	sm_rng_seed(&a, 7);
	for (int i = 0; i < 16; i++)
		assert_true(sm_rng_next(&a) == first[i]);
}

static void test_rng_different_seeds_differ(void **state)
{
	(void)state;
	static const uint64_t seeds[] = {0, 1, 2, 3, 0xffffffffffffffffull};
	enum { NS = sizeof(seeds) / sizeof(seeds[0]), K = 64 };
	uint64_t out[NS][K];
	for (size_t s = 0; s < NS; s++) {
		struct sm_rng r;
		sm_rng_seed(&r, seeds[s]);
		for (int i = 0; i < K; i++)
			out[s][i] = sm_rng_next(&r);
	}
	for (size_t a = 0; a < NS; a++)
		for (size_t b = a + 1; b < NS; b++) {
			/* Nearby seeds give unrelated streams: almost no
			 * position agrees. */
			int same = 0;
			for (int i = 0; i < K; i++)
				same += out[a][i] == out[b][i];
			assert_true(same <= 1);
		}
	/* A stream is not stuck. */
	int distinct_adjacent = 0;
	for (int i = 1; i < K; i++)
		distinct_adjacent += out[1][i] != out[1][i - 1];
	assert_int_equal(distinct_adjacent, K - 1);
}

static void test_rng_below_range_and_coverage(void **state)
{
	(void)state;
	struct sm_rng r;
	sm_rng_seed(&r, 2024);

	for (int i = 0; i < 1000; i++)
		assert_int_equal(sm_rng_below(&r, 1), 0);

	static const uint64_t bounds[] = {2, 3, 5, 7, 10, 16, 33};
	for (size_t b = 0; b < sizeof(bounds) / sizeof(bounds[0]); b++) {
		uint64_t bound = bounds[b];
		unsigned hits[64] = {0};
		for (int i = 0; i < 4000; i++) {
			uint64_t v = sm_rng_below(&r, bound);
			assert_true(v < bound);
			hits[v]++;
		}
		/* Every value is drawn, and none wildly more than its share
		 * (deterministic for this seed). */
		for (uint64_t v = 0; v < bound; v++) {
			assert_true(hits[v] > 0);
			assert_true(hits[v] < 2 * 4000 / bound);
		}
	}

	/* Large and awkward bounds stay in range. */
	static const uint64_t big[] = {(1ull << 63) + 1, UINT64_MAX,
				       0x5555555555555555ull, 1000000007ull};
	for (size_t b = 0; b < sizeof(big) / sizeof(big[0]); b++)
		for (int i = 0; i < 1000; i++)
			assert_true(sm_rng_below(&r, big[b]) < big[b]);

	/* With bound 2^63 + 1 about half the draws land in the top half. */
	unsigned top = 0;
	for (int i = 0; i < 2000; i++)
		top += sm_rng_below(&r, (1ull << 63) + 1) >= (1ull << 62);
	assert_true(top > 800 && top < 1200);
}

/* Unbiased for large bounds.  With bound = 3 * 2^62, a plain multiply-shift
 * without rejection gives multiples of 3 half of the time (two preimages
 * each), and a plain modulo gives [0, 2^62) half of the time; uniform draws
 * give a third in both cases. */
static void test_rng_below_unbiased(void **state)
{
	(void)state;
	const uint64_t bound = 3ull << 62;
	struct sm_rng r;
	sm_rng_seed(&r, 77);
	unsigned mult3 = 0, low = 0;
	enum { N = 6000 };
	for (int i = 0; i < N; i++) {
		uint64_t v = sm_rng_below(&r, bound);
		assert_true(v < bound);
		mult3 += v % 3 == 0;
		low += v < (1ull << 62);
	}
	/* Expect 2000 each; the biased variants give about 3000. */
	assert_true(mult3 > 1700 && mult3 < 2300);
	assert_true(low > 1700 && low < 2300);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rng_known_answer),
	    cmocka_unit_test(test_rng_same_seed_same_sequence),
	    cmocka_unit_test(test_rng_different_seeds_differ),
	    cmocka_unit_test(test_rng_below_range_and_coverage),
	    cmocka_unit_test(test_rng_below_unbiased),
	};
	return cmocka_run_group_tests_name("base", tests, NULL, NULL);
}
