/* SPDX-License-Identifier: MIT */
/*
 * The replacement policy's victim in a full set of a translation cache
 * (tcache.h; victim_of in tcache.c takes an invalid way first): LRU's
 * least use stamp, found from the candidates a scan kept when the set has
 * many ways, round robin, or uniformly random.
 */
#include "hw/mem/tcache.h"

#include "hw/mem/tcache_index.h"

/* lru_victim's scan of a set of at most 64 ways (host time; it shortcuts
 * the general scan there): the SM_TC_LRU_CANDS least keys in order, a
 * way's key its stamp then its number (stamps count uses and fills from 1:
 * they stay far below 2^58).  The least keys are the least stamps in
 * order, the first of equal ones first: what the general scan keeps.  Each
 * key below the fourth is put in place by selects, not by a loop whose
 * exits, on a set's stamps in random order, mispredict. */
static inline __attribute__((always_inline)) void
lru_scan64(struct sm_tc_lru_cands *n, const uint64_t *use, uint32_t ways)
{
	/* (A cache with candidates has SM_TC_HINT_WAYS ways or more: the
	 * four keys kept are ways'.) */
	_Static_assert(SM_TC_LRU_CANDS == 4 && SM_TC_HINT_WAYS >= 4,
		       "lru_scan64 keeps 4 ways' keys");
	uint64_t s0 = UINT64_MAX, s1 = UINT64_MAX, s2 = UINT64_MAX,
		 s3 = UINT64_MAX;
	/* s3's stamp: a later way's key is below s3 iff its stamp is below
	 * this (on equal stamps its number is the larger). */
	uint64_t last = UINT64_MAX;
#pragma GCC unroll 4
	for (uint32_t w = 0; w < ways; w++) {
		if (use[w] >= last)
			continue;
		uint64_t x = use[w] << 6 | w;
		/* x in the sorted s0 <= s1 <= s2 <= s3, the last dropped. */
		s3 = sm_max_u64(s2, x);
		s2 = sm_max_u64(s1, sm_min_u64(s2, x));
		s1 = sm_max_u64(s0, sm_min_u64(s1, x));
		s0 = sm_min_u64(s0, x);
		last = s3 >> 6;
	}
	uint64_t s[SM_TC_LRU_CANDS] = {s0, s1, s2, s3};
	for (int k = 0; k < SM_TC_LRU_CANDS; k++) {
		n->stamp[k] = s[k] >> 6;
		n->way[k] = (uint32_t)(s[k] & 63);
	}
}

/*
 * LRU's victim in full set si of a cache with valid_ways (many ways): the
 * way of the least use stamp (valid entries' stamps are distinct), found
 * without scanning the set on most fills (host time).
 *
 * A scan keeps the SM_TC_LRU_CANDS ways of least stamps, oldest first,
 * with their stamps.  Later, the first of them whose stamp is unchanged is
 * the set's least, if any is: every stamp given since the scan (a use or a
 * fill) is above every stamp the scan saw, and a way whose stamp is 0
 * (invalid) leaves the set not full, so the ways not among the candidates
 * and the candidates whose stamp changed all hold stamps above the
 * candidates' (a changed candidate's stamp is new; it cannot come back to
 * its old value, stamps only grow).  When none is unchanged, scan again.
 * Zeroed candidates never match: no way of a full set has stamp 0.
 */
static __attribute__((noinline)) uint32_t
lru_victim(struct sm_tcache *tc, uint32_t si, const uint64_t *use)
{
	struct sm_tc_lru_cands *c = &tc->cands[si];
	for (int k = 0; k < SM_TC_LRU_CANDS; k++)
		if (use[c->way[k]] == c->stamp[k])
			return c->way[k];
	struct sm_tc_lru_cands n;
	if (tc->ways <= 64) {
		lru_scan64(&n, use, tc->ways);
		*c = n;
		return c->way[0];
	}
	uint64_t last = UINT64_MAX; /* n.stamp[SM_TC_LRU_CANDS - 1] */
	for (int k = 0; k < SM_TC_LRU_CANDS; k++)
		n.stamp[k] = UINT64_MAX;
#pragma GCC unroll 4
	for (uint32_t w = 0; w < tc->ways; w++) {
		uint64_t u = use[w];
		if (u >= last)
			continue;
		/* Insert in order (a strict '<': the first of equal stamps
		 * first, though valid entries' stamps never tie). */
		int k = SM_TC_LRU_CANDS - 1;
		for (; k > 0 && u < n.stamp[k - 1]; k--) {
			n.stamp[k] = n.stamp[k - 1];
			n.way[k] = n.way[k - 1];
		}
		n.stamp[k] = u;
		n.way[k] = w;
		last = n.stamp[SM_TC_LRU_CANDS - 1];
	}
	*c = n;
	return c->way[0];
}

uint32_t sm_tc_full_set_victim(struct sm_tcache *tc, uint32_t si,
			       const uint64_t *use)
{
	uint32_t victim = 0;
	uint64_t oldest = UINT64_MAX;
	if (tc->repl != SM_TC_RR && tc->repl != SM_TC_RANDOM) {
		/* (A full set of many ways when it has hints.) */
		if (tc->cands)
			return lru_victim(tc, si, use);
#pragma GCC unroll 4
		for (uint32_t w = 0; w < tc->ways; w++)
			if (use[w] < oldest) {
				oldest = use[w]; /* LRU candidate */
				victim = w;
			}
	} else if (tc->repl == SM_TC_RR) {
		victim = tc->rr[si];
		tc->rr[si] = (tc->rr[si] + 1) % tc->ways;
	} else {
		victim = (uint32_t)sm_rng_below(tc->rng, tc->ways);
	}
	return victim;
}
