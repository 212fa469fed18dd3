/* SPDX-License-Identifier: MIT */
/*
 * SHA-256 of a trace file, for the provenance of every report
 * (provenance.c, docs/cli.md "Provenance").
 *
 * The hash is FIPS 180-4 section 6.2, written from the standard.  It is
 * not on the simulation's path, but every replay of a file hashes the
 * whole file once, and for a text trace of real DMA traffic that pass
 * cost as many host instructions as the replay itself (docs/performance.md,
 * "Issue 12: the replay of an imported real trace").  Hence two ways to
 * compress a block, same result:
 *
 *  - portable C: the eight working variables a..h of section 6.2.2 step 3
 *    kept in locals (the compiler renames them, no array shuffling);
 *  - on x86-64 hosts whose CPU has the SHA extensions (CPUID.(EAX=7,
 *    ECX=0):EBX bit 29; Intel SDM vol. 2, SHA256RNDS2, SHA256MSG1,
 *    SHA256MSG2), chosen at run time: two rounds per SHA256RNDS2 on the
 *    state held as (A,B,E,F) and (C,D,G,H), the message schedule of
 *    section 6.2.2 step 1 four words at a time.
 *
 * Whole blocks are compressed straight from the caller's buffer; only a
 * partial block is copied.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>
#define SHA256_X86 1
#if defined(__has_include)
#if __has_include(<sys/platform/x86.h>)
#include <sys/platform/x86.h> /* glibc >= 2.33 */
#endif
#endif
#endif

#include "sha256.h"

static const uint32_t sha_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror(uint32_t x, unsigned r)
{
	return (x >> r) | (x << (32 - r));
}

/* n 512-bit blocks (section 6.2.2, steps 1-4), portable C. */
static void blocks_c(uint32_t h[8], const uint8_t *p, size_t n)
{
	for (; n; n--, p += 64) {
		uint32_t w[64];
		for (int i = 0; i < 16; i++)
			w[i] = (uint32_t)p[4 * i] << 24 |
			       (uint32_t)p[4 * i + 1] << 16 |
			       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
		for (int i = 16; i < 64; i++) {
			uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^
				      (w[i - 15] >> 3);
			uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^
				      (w[i - 2] >> 10);
			w[i] = w[i - 16] + s0 + w[i - 7] + s1;
		}
		uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
		uint32_t e = h[4], f = h[5], g = h[6], hh = h[7];
		for (int i = 0; i < 64; i++) {
			uint32_t t1 = hh +
				      (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) +
				      ((e & f) ^ (~e & g)) + sha_k[i] + w[i];
			uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) +
				      ((a & b) ^ (a & c) ^ (b & c));
			hh = g;
			g = f;
			f = e;
			e = d + t1;
			d = c;
			c = b;
			b = a;
			a = t1 + t2;
		}
		h[0] += a;
		h[1] += b;
		h[2] += c;
		h[3] += d;
		h[4] += e;
		h[5] += f;
		h[6] += g;
		h[7] += hh;
	}
}

#ifdef SHA256_X86
/* n blocks with the SHA extensions.  The instructions keep the state as
 * two vectors, (A,B,E,F) and (C,D,G,H), highest lane first; the message
 * words are byte-swapped to big-endian order (section 3.1) on load. */
__attribute__((target("sha,sse4.1,ssse3"))) static void
blocks_x86(uint32_t h[8], const uint8_t *p, size_t n)
{
	const __m128i bswap =
	    _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
	__m128i dcba = _mm_loadu_si128((const __m128i *)&h[0]);
	__m128i hgfe = _mm_loadu_si128((const __m128i *)&h[4]);
	__m128i badc = _mm_shuffle_epi32(dcba, 0xb1);
	__m128i efgh = _mm_shuffle_epi32(hgfe, 0x1b);
	__m128i abef = _mm_alignr_epi8(badc, efgh, 8);
	__m128i cdgh = _mm_blend_epi16(efgh, badc, 0xf0);

	for (; n; n--, p += 64) {
		__m128i abef0 = abef, cdgh0 = cdgh, m[4];
		for (int j = 0; j < 16; j++) {
			__m128i *w = &m[j & 3];
			if (j < 4) {
				*w = _mm_shuffle_epi8(
				    _mm_loadu_si128(
					(const __m128i *)(p + 16 * j)),
				    bswap);
			} else {
				/* W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) +
				 * W[t-16], t = 4j .. 4j+3 */
				__m128i x =
				    _mm_sha256msg1_epu32(*w, m[(j + 1) & 3]);
				x = _mm_add_epi32(
				    x, _mm_alignr_epi8(m[(j + 3) & 3],
						       m[(j + 2) & 3], 4));
				*w = _mm_sha256msg2_epu32(x, m[(j + 3) & 3]);
			}
			__m128i wk = _mm_add_epi32(
			    *w,
			    _mm_loadu_si128((const __m128i *)&sha_k[4 * j]));
			cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
			abef = _mm_sha256rnds2_epu32(
			    abef, cdgh, _mm_shuffle_epi32(wk, 0x0e));
		}
		abef = _mm_add_epi32(abef, abef0);
		cdgh = _mm_add_epi32(cdgh, cdgh0);
	}

	__m128i feba = _mm_shuffle_epi32(abef, 0x1b);
	__m128i dchg = _mm_shuffle_epi32(cdgh, 0xb1);
	_mm_storeu_si128((__m128i *)&h[0], _mm_blend_epi16(feba, dchg, 0xf0));
	_mm_storeu_si128((__m128i *)&h[4], _mm_alignr_epi8(dchg, feba, 8));
}

static bool cpu_has_sha(void)
{
#ifdef CPU_FEATURE_ACTIVE
	/* What the C library found at start-up (host time: a CPUID is a
	 * trap to the hypervisor in a virtual machine, four of them 2 % of
	 * an empty replay's start-up). */
	return CPU_FEATURE_ACTIVE(SSE4_1) && CPU_FEATURE_ACTIVE(SSSE3) &&
	       CPU_FEATURE_ACTIVE(SHA);
#else
	unsigned a, b, c, d;
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSE4_1) ||
	    !(c & bit_SSSE3))
		return false;
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return false;
	return (b & (1u << 29)) != 0; /* SHA */
#endif
}
#endif

static void blocks(uint32_t h[8], const uint8_t *p, size_t n)
{
#ifdef SHA256_X86
	static int has_sha = -1;
	if (has_sha < 0)
		has_sha = cpu_has_sha();
	if (has_sha) {
		blocks_x86(h, p, n);
		return;
	}
#endif
	blocks_c(h, p, n);
}

void sha256_init(struct sha256 *c)
{
	static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372,
				       0xa54ff53a, 0x510e527f, 0x9b05688c,
				       0x1f83d9ab, 0x5be0cd19};
	memcpy(c->h, h0, sizeof(h0));
	c->n = 0;
	c->len = 0;
}

void sha256_update(struct sha256 *c, const uint8_t *p, size_t n)
{
	c->len += n;
	if (c->n) {
		size_t take = 64 - c->n < n ? 64 - c->n : n;
		memcpy(c->buf + c->n, p, take);
		c->n += take;
		p += take;
		n -= take;
		if (c->n < 64)
			return;
		blocks(c->h, c->buf, 1);
		c->n = 0;
	}
	if (n >= 64) {
		blocks(c->h, p, n / 64);
		p += n & ~(size_t)63;
		n &= 63;
	}
	memcpy(c->buf, p, n);
	c->n = n;
}

/* Padding (section 5.1.1), then the digest in hex. */
void sha256_hex(struct sha256 *c, char hex[65])
{
	uint64_t bits = c->len * 8;
	uint8_t pad = 0x80, len[8];
	sha256_update(c, &pad, 1);
	pad = 0;
	while (c->n != 56)
		sha256_update(c, &pad, 1);
	for (int i = 0; i < 8; i++)
		len[i] = (uint8_t)(bits >> (56 - 8 * i));
	sha256_update(c, len, 8);
	for (int i = 0; i < 8; i++)
		snprintf(hex + 8 * i, 9, "%08x", (unsigned)c->h[i]);
}
