/* SPDX-License-Identifier: MIT */
/*
 * The translation caches' shared presence filter (struct sm_tc_filter,
 * tcache.h): its counts and their bitmap, made and freed here, kept by
 * the caches' fills and invalidations (tcache_index.h, filter_add_n and
 * filter_del).  Host time only.
 */
#include "hw/mem/tcache.h"

#include <smmusim/error.h>

#include "base/alloc.h"
#include "hw/mem/tcache_index.h"

/* The one count of a filter that is off, and its bitmap word (the count
 * non-zero): never changed. */
static uint16_t filter_always = 1;
static uint64_t filter_always_bits = 1;

/* Words of the bitmap of the (mask + 1) counts (at least 16). */
static size_t bits_words(const struct sm_tc_filter *f)
{
	return (f->mask + 64ull) / 64;
}

/* Bytes of the block holding the bitmap, then the counts (the bitmap's
 * 64-bit words first, aligned): all zero when every cache sharing the
 * filter is empty. */
static size_t filter_size(const struct sm_tc_filter *f)
{
	return bits_words(f) * sizeof(uint64_t) +
	       (f->mask + 1ull) * sizeof(uint16_t);
}

int sm_tc_filter_init(struct sm_tc_filter *f, const struct smmusim_allocator *a,
		      uint64_t entries)
{
	/* About four buckets per entry (a power of two; a collision only
	 * costs host time: replay-speed's TLBIs and walks probe fewer pages
	 * that no cache holds than with one or two, as fast as with eight),
	 * 16-bit counts: no bucket can overflow while the caches hold fewer
	 * than 2^16 entries in all; past that the filter is off. */
	*f = (struct sm_tc_filter){.alloc = a};
	if (entries >= UINT16_MAX) {
		f->off = true;
		f->cnt = &filter_always;
		f->bits = &filter_always_bits;
		return 0;
	}
	f->mask = pow2_at_least(4 * entries) - 1;
	f->bits = sm_calloc(a, filter_size(f));
	if (!f->bits)
		return SMMUSIM_ENOMEM;
	f->cnt = (uint16_t *)(f->bits + bits_words(f));
	return 0;
}

void sm_tc_filter_fini(struct sm_tc_filter *f)
{
	if (f->bits && !f->off)
		sm_free(f->alloc, f->bits, filter_size(f));
	f->cnt = NULL;
	f->bits = NULL;
}
