/* SPDX-License-Identifier: MIT */
/*
 * Values of smmusim trace format 1 (docs/trace-format.md, "Values", "Time
 * prefix" and "Errors"): numbers in decimal or 0x hex, len with an optional
 * K, M or G suffix, words from a key's list, and the +N / @N time prefix.
 * The range a number may take follows from its key's kind
 * (trace_keys.h); each failure has its own message, at the column of the
 * value or of its first bad character.
 */
#include "trace/trace_values.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <smmusim/error.h>

#include "base/parse.h"

enum num_res {
	NUM_OK,
	NUM_NODIGITS, /* not a number at all */
	NUM_TRAILING, /* digits followed by garbage at *bad */
	NUM_RANGE,    /* does not fit in uint64 */
};

/*
 * Plain numbers, eight digits at a time: the digits of a packed chunk
 * (sm_trace_pack: digit i in byte i) are checked and converted with word
 * operations, so that a number costs no branch per digit.  The flags are
 * exact per byte (no carry crosses a byte): NONZERO(y) sets bit 7 of each
 * non-zero byte of y.
 */
#define SM_ONES 0x0101010101010101ull
#define SM_HIGHS (SM_ONES * 0x80)
#define SM_LOW7 (SM_ONES * 0x7f)
#define SM_NONZERO(y) (((((y)&SM_LOW7) + SM_LOW7) | (y)) & SM_HIGHS)

/* The number of leading decimal digits of the chunk w (8: all). */
static unsigned sm_trace_dec_digits(uint64_t w)
{
	uint64_t lo = w & (SM_ONES * 0x0f);
	uint64_t bad = (SM_NONZERO((w & (SM_ONES * 0xf0)) ^ (SM_ONES * 0x30)) |
			(lo + SM_ONES * 0x76)) &
		       SM_HIGHS;

	return bad ? (unsigned)__builtin_ctzll(bad) >> 3 : 8;
}

/* The number of leading hex digits (0-9, a-f, A-F) of the chunk w. */
static unsigned sm_trace_hex_digits(uint64_t w)
{
	uint64_t lo = w & (SM_ONES * 0x0f);
	uint64_t digit = SM_NONZERO((w & (SM_ONES * 0xf0)) ^ (SM_ONES * 0x30)) |
			 (lo + SM_ONES * 0x76);
	uint64_t letter =
	    SM_NONZERO(((w | (SM_ONES * 0x20)) & (SM_ONES * 0xf0)) ^
		       (SM_ONES * 0x60)) |
	    ~(lo + SM_LOW7) | (lo + SM_ONES * 0x79);
	uint64_t bad = digit & letter & SM_HIGHS;

	return bad ? (unsigned)__builtin_ctzll(bad) >> 3 : 8;
}

/* The value of the first n (1..8) decimal digits of the chunk w: shifted
 * so that they end in byte 7, then combined pairwise (10, 100, 10^4). */
static uint64_t sm_trace_dec_value(uint64_t w, unsigned n)
{
	uint64_t d = (w - SM_ONES * '0') << (8 * (8 - n));

	d = d * 10 + (d >> 8);
	d = (((d & 0x000000ff000000ffull) * (100 + (1000000ull << 32))) +
	     (((d >> 16) & 0x000000ff000000ffull) * (1 + (10000ull << 32)))) >>
	    32;
	return (uint32_t)d;
}

/* The value of the first n (1..8) hex digits of the chunk w. */
static uint64_t sm_trace_hex_value(uint64_t w, unsigned n)
{
	uint64_t d = (w & (SM_ONES * 0x0f)) + ((w >> 6) & SM_ONES) * 9;

	d <<= 8 * (8 - n);
	d = (d & 0x000f000f000f000full) << 4 | (d >> 8 & 0x000f000f000f000full);
	d = (d & 0x000000ff000000ffull) << 8 |
	    (d >> 16 & 0x000000ff000000ffull);
	return (d & 0xffff) << 16 | (d >> 32 & 0xffff);
}

size_t sm_trace_number_at(const char *s, size_t n, uint64_t *out)
{
	static const uint64_t pow10[9] = {
	    1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};
	uint64_t w, v;
	unsigned k, more;

	if (n > 2 && s[0] == '0' && (s[1] | 0x20) == 'x') {
		w = sm_trace_pack(s + 2, n - 2);
		k = sm_trace_hex_digits(w);
		if (!k)
			return 0;
		v = sm_trace_hex_value(w, k);
		/* a second chunk only when a ninth digit follows */
		if (k == 8 && n > 10 &&
		    sm_trace_hex_digits((unsigned char)s[10])) {
			w = sm_trace_pack(s + 10, n - 10);
			more = sm_trace_hex_digits(w);
			if (more == 8 && n > 18 &&
			    sm_trace_hex_digits((unsigned char)s[18]))
				return 0; /* a 17th digit */
			v = v << (4 * more) | sm_trace_hex_value(w, more);
			k += more;
		}
		*out = v;
		return 2 + k;
	}
	w = sm_trace_pack(s, n);
	k = sm_trace_dec_digits(w);
	if (!k)
		return 0;
	v = sm_trace_dec_value(w, k);
	while (k % 8 == 0 && n > k &&
	       sm_trace_dec_digits((unsigned char)s[k])) {
		w = sm_trace_pack(s + k, n - k);
		more = sm_trace_dec_digits(w);
		if (k + more > 19)
			return 0; /* a 20th digit */
		v = v * pow10[more] + sm_trace_dec_value(w, more);
		k += more;
	}
	*out = v;
	return k;
}

static bool parse_plain_u64(const char *s, size_t len, uint64_t *out)
{
	return sm_trace_plain_number(s, len, out);
}

/* Decimal or 0x hex, no sign; with `suffix`, one of K M G (any case) may
 * follow (binary multiples).  The grammar is src/base/parse.c's, shared with
 * config values; this maps its verdicts onto the reader's messages. */
static enum num_res parse_u64(const char *s, size_t len, bool suffix,
			      uint64_t *out, size_t *bad)
{
	size_t at = 0;

	if (parse_plain_u64(s, len, out))
		return NUM_OK;
	size_t first =
	    len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 2 : 0;
	switch (sm_parse_u64(s, len, suffix, out, &at)) {
	case SM_PARSE_OK:
		return NUM_OK;
	case SM_PARSE_EMPTY:
		return NUM_NODIGITS;
	case SM_PARSE_OVERFLOW:
		return NUM_RANGE;
	case SM_PARSE_BAD:
	case SM_PARSE_SUFFIX:
		if (at == first)
			return NUM_NODIGITS;
		*bad = at;
		return NUM_TRAILING;
	}
	return NUM_NODIGITS;
}

static bool is_size_suffix(const char *s, size_t n)
{
	return n == 1 && strchr("kKmMgG", s[0]) != NULL;
}

/* A word of kd->words (or, for KK_ENUM_NUM, an opcode 0..255). */
static int parse_word(struct sm_trace_reader *r,
		      const struct sm_trace_key_def *kd,
		      const struct sm_trace_tok *v, uint64_t *out,
		      struct sm_errbuf *eb)
{
	char list[1024];
	size_t bad = 0;

	for (size_t i = 0; kd->words[i].word; i++) {
		if (sm_trace_tok_eq(v->s, v->len, kd->words[i].word)) {
			*out = kd->words[i].val;
			return 0;
		}
	}
	if (kd->kind == KK_ENUM_NUM &&
	    parse_u64(v->s, v->len, false, out, &bad) == NUM_OK && *out <= 255)
		return 0;
	sm_trace_list_words(kd->words, list, sizeof(list));
	return sm_trace_err(
	    r, eb, SMMUSIM_EPARSE, v->col,
	    "bad value for key '%s': '" TOKF "' (allowed: %s%s)", kd->name,
	    TOKA(v->s, v->len), list,
	    kd->kind == KK_ENUM_NUM ? ", or an opcode 0..255" : "");
}

/* A number within the range of kd->kind. */
static int parse_number(struct sm_trace_reader *r,
			const struct sm_trace_key_def *kd,
			const struct sm_trace_tok *v, uint64_t *out,
			struct sm_errbuf *eb)
{
	size_t bad = 0;
	uint64_t max;

	max = sm_trace_kind_max(kd->kind);
	switch (parse_u64(v->s, v->len, kd->kind == KK_LEN, out, &bad)) {
	case NUM_NODIGITS:
		return sm_trace_err(
		    r, eb, SMMUSIM_EPARSE, v->col,
		    "bad number for key '%s': '" TOKF
		    "' (expected decimal or 0x hex%s)",
		    kd->name, TOKA(v->s, v->len),
		    kd->kind == KK_LEN ? ", optional K, M or G suffix" : "");
	case NUM_TRAILING:
		if (is_size_suffix(v->s + bad, v->len - bad))
			return sm_trace_err(
			    r, eb, SMMUSIM_EPARSE, v->col + bad,
			    "trailing garbage '%c' after number for "
			    "key '%s' (K, M, G suffixes are for len "
			    "only)",
			    v->s[bad], kd->name);
		return sm_trace_err(r, eb, SMMUSIM_EPARSE, v->col + bad,
				    "trailing garbage '" TOKF
				    "' after number for key '%s'",
				    TOKA(v->s + bad, v->len - bad), kd->name);
	case NUM_RANGE:
		*out = UINT64_MAX;
		goto range;
	case NUM_OK:
		break;
	}
	if (*out > max || (kd->kind == KK_LEN && *out == 0))
		goto range;
	return 0;
range:
	return sm_trace_err(r, eb, SMMUSIM_EPARSE, v->col,
			    "value out of range for key '%s': " TOKF
			    " (allowed %u..%" PRIu64 ")",
			    kd->name, TOKA(v->s, v->len),
			    kd->kind == KK_LEN ? 1u : 0u, max);
}

int sm_trace_parse_value(struct sm_trace_reader *r, enum sm_trace_key k,
			 const struct sm_trace_tok *v, uint64_t *out,
			 struct sm_errbuf *eb)
{
	const struct sm_trace_key_def *kd = &sm_trace_key_defs[k];

	/* A plain number within range: most values of most traces. */
	if (kd->kind != KK_ENUM && kd->kind != KK_ENUM_NUM &&
	    parse_plain_u64(v->s, v->len, out) &&
	    *out <= sm_trace_kind_max(kd->kind) &&
	    (kd->kind != KK_LEN || *out != 0))
		return 0;

	if (kd->kind == KK_ENUM || kd->kind == KK_ENUM_NUM)
		return parse_word(r, kd, v, out, eb);
	return parse_number(r, kd, v, out, eb);
}

int sm_trace_parse_time(struct sm_trace_reader *r, const struct sm_trace_tok *t,
			struct smmusim_event *ev, struct sm_errbuf *eb)
{
	size_t bad;

	ev->timing = t->s[0] == '@' ? SMMUSIM_AT : SMMUSIM_AFTER_PREV;
	switch (parse_u64(t->s + 1, t->len - 1, false, &ev->time, &bad)) {
	case NUM_OK:
		break;
	case NUM_RANGE:
		return sm_trace_err(r, eb, SMMUSIM_EPARSE, t->col,
				    "time prefix '" TOKF
				    "' out of range (allowed %c0..%" PRIu64 ")",
				    TOKA(t->s, t->len), t->s[0], UINT64_MAX);
	default:
		return sm_trace_err(r, eb, SMMUSIM_EPARSE, t->col,
				    "bad time prefix '" TOKF
				    "': expected +N or @N, N a decimal or 0x "
				    "hex number",
				    TOKA(t->s, t->len));
	}
	if (ev->timing == SMMUSIM_AT && r->have_at && ev->time < r->last_at)
		return sm_trace_err(r, eb, SMMUSIM_EPARSE, t->col,
				    "out-of-order time stamp @%" PRIu64
				    ": earlier than @%" PRIu64
				    " on line %" PRIu32,
				    ev->time, r->last_at, r->last_at_line);
	return 0;
}
