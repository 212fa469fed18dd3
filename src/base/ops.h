/* SPDX-License-Identifier: MIT */
/*
 * Small operations the hot paths of several layers share, written once:
 * the larger and smaller of two uint64_t, and a struct copied or zeroed
 * in 16-byte moves.  (Host time: GCC 12 copies and zeroes a struct of
 * 64-odd bytes with `rep movs` / `rep stos`, an instruction per 8 bytes
 * whose start-up costs more than the copy; four or five vector moves do
 * it.  The size is a constant where these are inlined, so the loops
 * unroll away.)
 */
#ifndef SM_BASE_OPS_H
#define SM_BASE_OPS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline __attribute__((always_inline)) uint64_t sm_min_u64(uint64_t a,
								 uint64_t b)
{
	return b < a ? b : a;
}

static inline __attribute__((always_inline)) uint64_t sm_max_u64(uint64_t a,
								 uint64_t b)
{
	return b > a ? b : a;
}

/* dst[0..n) = src[0..n), in 16-byte chunks and a tail; they must not
 * overlap. */
static inline __attribute__((always_inline)) void
sm_copy_chunks(void *restrict dst, const void *restrict src, size_t n)
{
	typedef char chunk __attribute__((vector_size(16)));
	size_t o = 0;
#pragma GCC unroll 16
	for (; o + sizeof(chunk) <= n; o += sizeof(chunk)) {
		chunk c;
		memcpy(&c, (const char *)src + o, sizeof(c));
		memcpy((char *)dst + o, &c, sizeof(c));
	}
	if (o < n)
		memcpy((char *)dst + o, (const char *)src + o, n - o);
}

/* dst[0..n) = 0, in 16-byte chunks and a tail. */
static inline __attribute__((always_inline)) void sm_zero_chunks(void *dst,
								 size_t n)
{
	typedef char chunk __attribute__((vector_size(16)));
	const chunk zero = {0};
	size_t o = 0;
#pragma GCC unroll 16
	for (; o + sizeof(zero) <= n; o += sizeof(zero))
		memcpy((char *)dst + o, &zero, sizeof(zero));
	if (o < n)
		memset((char *)dst + o, 0, n - o);
}

#endif
