/* SPDX-License-Identifier: MIT */
/*
 * Values of trace format 1 (private to src/trace): a key's value and an
 * event's time prefix, checked and converted as docs/trace-format.md says
 * ("Values", "Time prefix"), with its error messages.
 */
#ifndef SM_TRACE_TRACE_VALUES_H
#define SM_TRACE_TRACE_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <smmusim/event.h>

#include "base/errbuf.h"
#include "trace/trace_keys.h"
#include "trace/trace_lines.h"

/*
 * Plain numbers, eight digits at a time: the digits of a packed chunk
 * (sm_trace_pack: digit i in byte i) are checked and converted with word
 * operations, so that a number costs no branch per digit.
 *
 * The flags set bit 7 of each byte that is not a digit, exactly for the
 * lowest such byte: a byte below 0x80 is compared by adding a constant
 * that carries into its bit 7 at the bound (y + 0x50 reaches 0x80 exactly
 * when y >= 0x30), which never carries out of the byte; a byte of 0x80 or
 * more is flagged by its own bit 7 and may carry into the bytes above it
 * only, whose flags then do not matter.
 */
#define SM_ONES 0x0101010101010101ull
#define SM_HIGHS (SM_ONES * 0x80)

/* The bytes of w that are not decimal digits (bit 7 of each). */
static inline uint64_t sm_trace_dec_flags(uint64_t w)
{
	return (w | ~(w + SM_ONES * 0x50) | (w + SM_ONES * 0x46)) & SM_HIGHS;
}

/* The bytes of w that are not hex digits (0-9, a-f, A-F): a digit is in
 * 0x30..0x39, a letter with its case bit (0x20) set in 0x61..0x66. */
static inline uint64_t sm_trace_hex_flags(uint64_t w)
{
	uint64_t y = w | SM_ONES * 0x20;
	uint64_t digit = (w + SM_ONES * 0x50) & ~(w + SM_ONES * 0x46);
	uint64_t letter = (y + SM_ONES * 0x1f) & ~(y + SM_ONES * 0x19);

	return (w | ~(digit | letter)) & SM_HIGHS;
}

/* The number of leading digits of a chunk whose flags are f (8: all). */
static inline unsigned sm_trace_digits(uint64_t f)
{
	return f ? (unsigned)__builtin_ctzll(f) >> 3 : 8;
}

static inline bool sm_trace_is_dec(char c)
{
	return (unsigned char)(c - '0') < 10;
}

static inline bool sm_trace_is_hex(char c)
{
	return (unsigned char)(c - '0') < 10 ||
	       (unsigned char)((c | 0x20) - 'a') < 6;
}

/* The value of the first n (1..8) decimal digits of the chunk w: shifted
 * so that they end in byte 7, then combined pairwise (10, 100, 10^4). */
static inline uint64_t sm_trace_dec_value(uint64_t w, unsigned n)
{
	uint64_t d = (w - SM_ONES * '0') << (8 * (8 - n));

	d = d * 10 + (d >> 8);
	d = (((d & 0x000000ff000000ffull) * (100 + (1000000ull << 32))) +
	     (((d >> 16) & 0x000000ff000000ffull) * (1 + (10000ull << 32)))) >>
	    32;
	return (uint32_t)d;
}

/* The value of the first n (1..8) hex digits of the chunk w: each digit's
 * value in its byte, the bytes reversed so that the last digit is in byte
 * 0 (the bytes after the digits shifted out), then neighbours merged
 * (nibbles into bytes, bytes into 16 bits, into 32). */
static inline uint64_t sm_trace_hex_merge(uint64_t d, unsigned n)
{
	d = __builtin_bswap64(d) >> (8 * (8 - n));
	d = (d | d >> 4) & 0x00ff00ff00ff00ffull;
	d = (d | d >> 8) & 0x0000ffff0000ffffull;
	return (uint32_t)(d | d >> 16);
}

static inline uint64_t sm_trace_hex_value(uint64_t w, unsigned n)
{
	return sm_trace_hex_merge(
	    (w & (SM_ONES * 0x0f)) + ((w >> 6) & SM_ONES) * 9, n);
}

/* 0x and up to 16 hex digits at s[0..n): a second chunk only when a ninth
 * digit follows. */
static inline size_t sm_trace_hex_at(const char *s, size_t n, uint64_t *out)
{
	uint64_t w = sm_trace_pack(s + 2, n - 2), v;
	unsigned k = sm_trace_digits(sm_trace_hex_flags(w)), more;

	if (!k)
		return 0;
	v = sm_trace_hex_value(w, k);
	if (k == 8 && n > 10 && !sm_trace_is_blank(s[10]) &&
	    sm_trace_is_hex(s[10])) {
		w = sm_trace_pack(s + 10, n - 10);
		more = sm_trace_digits(sm_trace_hex_flags(w));
		if (more == 8 && n > 18 && sm_trace_is_hex(s[18]))
			return 0; /* a 17th digit */
		v = v << (4 * more) | sm_trace_hex_value(w, more);
		k += more;
	}
	*out = v;
	return 2 + k;
}

#if defined(__SSE2__) && !defined(SM_TRACE_NO_SIMD)
/* The same as sm_trace_hex_at() for 1 to 15 hex digits after the 0x at s,
 * when the sixteen bytes s[2..18) may be read and no digit follows the
 * number's line (struct sm_trace_reader, readable_end): the digits told
 * and converted sixteen at a time (SSE2), each byte's nibble, neighbours
 * merged into bytes, the bytes put in order; 0 for none or sixteen, which
 * sm_trace_hex_at() reads. */
static inline size_t sm_trace_hex16_at(const char *s, uint64_t *out)
{
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + 2));
	__m128i d = _mm_sub_epi8(x, _mm_set1_epi8('0'));
	__m128i l = _mm_sub_epi8(_mm_or_si128(x, _mm_set1_epi8(0x20)),
				 _mm_set1_epi8('a'));
	/* unsigned d <= 9, l <= 5: digits 0-9, letters a-f and A-F */
	__m128i isd = _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d);
	__m128i isl = _mm_cmpeq_epi8(_mm_min_epu8(l, _mm_set1_epi8(5)), l);
	__m128i nib, pair;
	unsigned k = (unsigned)__builtin_ctz(
	    ~(unsigned)_mm_movemask_epi8(_mm_or_si128(isd, isl)));

	if (k == 0 || k == 16)
		return 0;
	/* each digit's value, 0 past the digits; then byte 2i of each pair
	 * is its high nibble */
	nib = _mm_or_si128(
	    _mm_and_si128(isd, d),
	    _mm_and_si128(isl, _mm_add_epi8(l, _mm_set1_epi8(10))));
	pair = _mm_or_si128(_mm_slli_epi16(nib, 4), _mm_srli_epi16(nib, 8));
	pair =
	    _mm_packus_epi16(_mm_and_si128(pair, _mm_set1_epi16(0xff)), pair);
	*out = __builtin_bswap64((uint64_t)_mm_cvtsi128_si64(pair)) >>
	       (4 * (16 - k));
	return 2 + k;
}
#endif

/*
 * The plain number at the start of s[0..n): decimal of up to 19 digits, or
 * 0x (0X) and up to 16 hex digits, which cannot overflow 64 bits; its
 * length (it ends at the first byte that is not one of its digits), or 0
 * when there is none or it is longer (*out then undefined).  Anything else (a
 * suffix, more digits, an error) is left to the full parser, whose answer for
 * these inputs is the same.  Eight digits at a time, with no branch per digit.
 */
__attribute__((always_inline)) static inline size_t
sm_trace_number_at(const char *s, size_t n, uint64_t *out)
{
	static const uint64_t pow10[9] = {
	    1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};
	uint64_t w, v;
	unsigned k, more;

	if (n > 2 && s[0] == '0' && (s[1] | 0x20) == 'x')
		return sm_trace_hex_at(s, n, out);
	w = sm_trace_pack(s, n);
	k = sm_trace_digits(sm_trace_dec_flags(w));
	if (k <= 1) {
		/* one digit (an id, a PE number): its own value */
		*out = w & 0x0f;
		return k;
	}
	v = sm_trace_dec_value(w, k);
	while (k % 8 == 0 && n > k && sm_trace_is_dec(s[k])) {
		w = sm_trace_pack(s + k, n - k);
		more = sm_trace_digits(sm_trace_dec_flags(w));
		if (k + more > 19)
			return 0; /* a 20th digit */
		v = v * pow10[more] + sm_trace_dec_value(w, more);
		k += more;
	}
	*out = v;
	return k;
}

/* The same for a decimal number of 9 to 15 digits at the start of s[0..n)
 * with n >= 16 (a time prefix's cycle count, "@9497303999"): both chunks
 * read at once, no loop; 0 for any other number (sm_trace_number_at()
 * decides).  The first eight digits repeat from one time to the next
 * (times grow slowly): *hi_w is the chunk converted last, *hi_v its value. */
static inline size_t sm_trace_long_dec_at(const char *s, uint64_t *hi_w,
					  uint64_t *hi_v, uint64_t *out)
{
	static const uint64_t pow10[8] = {1,	 10,	 100,	  1000,
					  10000, 100000, 1000000, 10000000};
	uint64_t w0, w1, f1;
	unsigned k;

	memcpy(&w0, s, 8);
	memcpy(&w1, s + 8, 8);
	f1 = sm_trace_dec_flags(w1);
	if (!f1 || !(k = sm_trace_digits(f1)))
		return 0;
	if (w0 != *hi_w) {
		if (sm_trace_dec_flags(w0))
			return 0;
		*hi_w = w0;
		*hi_v = sm_trace_dec_value(w0, 8);
	}
	*out = *hi_v * pow10[k] + sm_trace_dec_value(w1, k);
	return 8 + k;
}

/* A value whose length is known (a line's shape, trace_shape.h): the
 * value of the n (1..8) decimal digits at the start of the chunk w, whose
 * bytes `keep` are the digits', or false when one is not a digit. */
static inline bool sm_trace_dec_chunk(uint64_t w, unsigned n, uint64_t keep,
				      uint64_t *out)
{
	if (sm_trace_dec_flags(w) & keep)
		return false;
	*out = sm_trace_dec_value(w, n);
	return true;
}

/* The same for n (1..8) hex digits (keep: the bytes of n digits). */
static inline bool sm_trace_hex_chunk(uint64_t w, unsigned n, uint64_t keep,
				      uint64_t *out)
{
#if defined(__SSE2__) && !defined(SM_TRACE_NO_SIMD)
	/* as sm_trace_hex16_at(), in fewer instructions than the word
	 * operations */
	__m128i x = _mm_cvtsi64_si128((long long)w);
	__m128i d = _mm_sub_epi8(x, _mm_set1_epi8('0'));
	__m128i l = _mm_sub_epi8(_mm_or_si128(x, _mm_set1_epi8(0x20)),
				 _mm_set1_epi8('a'));
	__m128i isd = _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d);
	__m128i isl = _mm_cmpeq_epi8(_mm_min_epu8(l, _mm_set1_epi8(5)), l);
	unsigned digits = (unsigned)_mm_movemask_epi8(_mm_or_si128(isd, isl));
	__m128i nib, pair;

	(void)keep;
	if (~digits & ((1u << n) - 1))
		return false;
	/* each digit's value (0 past the digits), neighbours merged into
	 * bytes in order (the first digit high): the n digits and zeros
	 * after them, big endian */
	nib = _mm_or_si128(
	    _mm_and_si128(isd, d),
	    _mm_and_si128(isl, _mm_add_epi8(l, _mm_set1_epi8(10))));
	pair = _mm_or_si128(_mm_slli_epi16(nib, 4), _mm_srli_epi16(nib, 8));
	pair = _mm_packus_epi16(_mm_and_si128(pair, _mm_set1_epi16(0xff)),
				_mm_setzero_si128());
	*out = __builtin_bswap32((uint32_t)_mm_cvtsi128_si32(pair)) >>
	       (4 * (8 - n));
	return true;
#else
	if (sm_trace_hex_flags(w) & keep)
		return false;
	*out = sm_trace_hex_value(w, n);
	return true;
#endif
}

/* The whole of s[0..n) is a plain number (sm_trace_number_at()). */
static inline bool sm_trace_plain_number(const char *s, size_t n, uint64_t *out)
{
	return n && sm_trace_number_at(s, n, out) == n;
}

/* The largest value of a number of kind `kind` (the binary form's reader
 * checks its numbers against it too). */
static inline uint64_t sm_trace_kind_max(enum sm_trace_key_kind kind)
{
	return kind == KK_U32	 ? UINT32_MAX
	       : kind == KK_SSID ? 0xfffff
				 : UINT64_MAX;
}

/* The fast path of a value: the value of the key of slot ks at the start
 * of s[0..n) (the rest of the line) when it is a word of the key of up to
 * 8 bytes or a plain number in range, that a blank or the end follows
 * (s[0..readable_end - s) may be read: struct sm_trace_reader): its
 * length, with *out set; else 0, and sm_trace_parse_value() on the whole
 * token decides and gives the message. */
static inline size_t sm_trace_fast_value(const struct sm_trace_index *ix,
					 const struct sm_trace_key_slot *ks,
					 const char *s, size_t n,
					 const char *readable_end,
					 uint64_t *out)
{
	size_t len;

	if (ks->words) {
		/* the word's end: its first blank, or the zeros past the
		 * line, flagged as in sm_trace_blank_at() */
		uint64_t w = sm_trace_pack(s, n);
		uint64_t m = (w - SM_ONES * 0x21) & ~w & SM_HIGHS;

		if (m) {
			len = (unsigned)__builtin_ctzll(m) >> 3;
			w &= (1ull << (8 * len)) - 1;
		} else {
			len = 8;
			if (n > 8 && !sm_trace_is_blank(s[8]))
				return 0; /* longer words: the full parser */
		}
		if (len == 0)
			return 0;
		for (unsigned i = ks->word_lo; i < ks->word_hi; i++)
			if (ix->word[i] == w) {
				*out = ix->word_val[i];
				return len;
			}
		return 0;
	}
	len = 0;
#if defined(__SSE2__) && !defined(SM_TRACE_NO_SIMD)
	if (readable_end - s >= 18) {
		uint16_t h;

		memcpy(&h, s, 2);
		if ((h | 0x2000) == ('0' | 'x' << 8))
			len = sm_trace_hex16_at(s, out);
	}
#else
	(void)readable_end;
#endif
	if (!len && n && sm_trace_is_dec(s[0]) &&
	    (n == 1 || sm_trace_is_blank(s[1]))) {
		*out = (uint64_t)(s[0] - '0'); /* one digit: an id, a PE */
		len = 1;
	}
	if (!len)
		len = sm_trace_number_at(s, n, out);
	if (!len || (len < n && !sm_trace_is_blank(s[len])) ||
	    *out - ks->min > ks->span)
		return 0;
	return len;
}

/* Parse the value `v` of key `k` into *out. */
int sm_trace_parse_value(struct sm_trace_reader *r, enum sm_trace_key k,
			 const struct sm_trace_tok *v, uint64_t *out,
			 struct sm_errbuf *eb);

/* Parse the "+N" or "@N" prefix `t` into ev->timing and ev->time; an @N
 * must not be earlier than the last @M read. */
int sm_trace_parse_time(struct sm_trace_reader *r, const struct sm_trace_tok *t,
			struct smmusim_event *ev, struct sm_errbuf *eb);

#endif
