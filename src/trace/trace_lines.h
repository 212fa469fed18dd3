/* SPDX-License-Identifier: MIT */
/*
 * The trace reader's input side (private to src/trace): the reader object,
 * its line buffer, the space/tab tokenizer and the "NAME:LINE:COLUMN:"
 * errors of docs/trace-format.md ("Lexical rules", "Errors").
 *
 * trace_lines.c reads lines and cuts them into tokens (the common line
 * is cut here, inline in the reader's loop: sm_trace_fast_line());
 * trace_keys.c knows the events and their keys; trace_values.c parses one
 * value; trace_reader.c puts an event together from these.
 */
#ifndef SM_TRACE_TRACE_LINES_H
#define SM_TRACE_TRACE_LINES_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <smmusim/alloc.h>

#include "base/errbuf.h"
#include "trace/trace_input.h"
#include "trace/trace_keys.h"
#include "trace/trace_shape.h"

/* The keyword of the last line read whose keyword the reader's fast path
 * found (trace_reader.c): packed (sm_trace_pack), the masks of its bytes,
 * its length and 1 + its event's row (0: none yet). */
struct sm_trace_last_kw {
	uint64_t w[2], mask[2];
	unsigned len, row;
};

struct sm_trace_reader {
	struct smmusim_allocator alloc;
	struct sm_input in; /* plain or compressed, in blocks (trace_input.h) */
	struct sm_trace_index idx; /* keyword and key lookups */
	char *name;
	uint32_t line; /* number of the current line (1-based) */
	bool header_done;
	bool eof;
	bool have_at; /* an @N event has been read */
	uint64_t last_at;
	uint32_t last_at_line;
	int err; /* sticky error code, 0 if none */
	struct sm_errbuf errmsg;
	/* The form is told by the first bytes (sm_trace_sniff()): the binary
	 * form's decoder (trace_binary_read.c), NULL for text. */
	bool sniffed;
	struct sm_trace_bin_state *bin;
	/* The flags (control bytes and '#', bit i for byte i) of the 64
	 * bytes of the input's block from scan_at, kept from one line to the
	 * next (sm_trace_fast_line()); NULL: none. */
	const char *scan_at;
	uint64_t scan_mask;
	/* How far the bytes after the current line may be read: the end of
	 * the input's block for a line cut by sm_trace_fast_line() (the byte
	 * after such a line is a blank, '#', CR or LF: never a digit), the
	 * line's end for any other (no bytes after it).  The value parser
	 * reads sixteen bytes at a time when they are there. */
	const char *readable_end;
	struct sm_trace_last_kw last_kw;
	/* The first eight digits of the last long time prefix, packed, and
	 * their value (sm_trace_long_dec_at()); 0: none (no digit packs to
	 * 0). */
	uint64_t time_hi_w, time_hi_v;
	/* The shape of the last line of each length (trace_shape.h), and the
	 * length of the last event's line (0: none). */
	struct sm_trace_shape shapes[SM_TRACE_SHAPES];
	size_t last_len;
};

/* Look at the first bytes of the input, once: the binary magic hands the
 * reader to trace_binary_read.c, anything else is read as text.  0, or the
 * (sticky) error of the input or of the binary header. */
int sm_trace_sniff(struct sm_trace_reader *r, struct sm_errbuf *eb);

/* Give the reader's sticky message to the caller's eb too. */
void sm_trace_copy_err(const struct sm_trace_reader *r, struct sm_errbuf *eb);

/* Record a sticky error of class `code`: "WHERE: message". */
int sm_trace_verr(struct sm_trace_reader *r, struct sm_errbuf *eb, int code,
		  const char *where, const char *fmt, va_list ap);
/* Record a sticky error of class `code` at the current line, `col`. */
int sm_trace_err(struct sm_trace_reader *r, struct sm_errbuf *eb, int code,
		 size_t col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Quote a possibly long token in a message: "'" TOKF "'" with TOKA(s, n). */
#define TOK_MAX 64
#define TOKF "%.*s%s"
#define TOKA(s, n)                                                             \
	(int)((n) > TOK_MAX ? TOK_MAX : (n)), (s), ((n) > TOK_MAX ? "..." : "")

/*
 * The next line (without its "\n" or "\r\n") in *sp, *lenp, valid until
 * the next call; it holds no control byte; *hashp: the offset of its first
 * '#' (*lenp if none).  1 = a line, 0 = end of file, < 0 = error.  Any
 * line, with its messages; the common one is cut inline, in the reader's
 * loop, by sm_trace_fast_line() below.
 */
int sm_trace_slow_line(struct sm_trace_reader *r, const char **sp, size_t *lenp,
		       size_t *hashp, struct sm_errbuf *eb);

/* A byte a line may not hold: C0 controls but tab, and DEL.  A NUL would
 * end the line early for the C string functions behind the reader (a
 * comment hiding what follows), the others are invisible in an editor. */
static inline bool sm_trace_is_control(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

/* Sixteen bytes s[0..16) hold a control byte or a '#' (GCC vector
 * extensions: one compare per kind on every target, SIMD where there is
 * some). */
static inline bool sm_trace_flagged16(const char *s)
{
	sm_v16 x, m;
	uint64_t half[2];

	memcpy(&x, s, 16);
	m = (sm_v16)((x < 0x20) | (x == 0x7f) | (x == '#'));
	memcpy(half, &m, 16);
	return (half[0] | half[1]) != 0;
}

/* The bytes of s[0..16) that may be control bytes (sm_trace_is_control()) or
 * '#', bit i for s[i]: every one of them, and perhaps tabs and bytes of 0x80 or
 * more, which the caller skips.  The newline that ends a line is a control
 * byte too, so that one pass finds the line's end, its comment and any
 * byte it may not hold.  With SSE2, x + 1 below 0x21 as a signed byte
 * tells 0x00..0x1f and DEL (and 0x80..0xff) in one compare. */
static inline unsigned sm_trace_flags16(const char *s)
{
#if defined(__SSE2__) && !defined(SM_TRACE_NO_SIMD)
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)s);
	__m128i low = _mm_cmplt_epi8(_mm_add_epi8(x, _mm_set1_epi8(1)),
				     _mm_set1_epi8(0x21));
	__m128i hash = _mm_cmpeq_epi8(x, _mm_set1_epi8('#'));

	return (unsigned)_mm_movemask_epi8(_mm_or_si128(low, hash));
#else
	unsigned m = 0;

	if (sm_trace_flagged16(s))
		for (unsigned i = 0; i < 16; i++)
			if (s[i] == '#' ||
			    sm_trace_is_control((unsigned char)s[i]))
				m |= 1u << i;
	return m;
#endif
}

/* The flags of s[0..64) (sm_trace_flags16()), bit i for s[i]. */
static inline uint64_t sm_trace_flags64(const char *s)
{
	return (uint64_t)sm_trace_flags16(s) |
	       (uint64_t)sm_trace_flags16(s + 16) << 16 |
	       (uint64_t)sm_trace_flags16(s + 32) << 32 |
	       (uint64_t)sm_trace_flags16(s + 48) << 48;
}

/*
 * The common case of a line, cut from the input's current block in the
 * same pass that checks it: no control byte before its "\n" or "\r\n",
 * both in the block.  The line is then handed out as sm_input_line() and
 * sm_trace_slow_line() would (the input moved past its newline); else
 * false, nothing changed but the flags kept, and they read it, with its
 * messages.  The flags of a 64-byte window of the block are kept from one
 * line to the next (r->scan_at, r->scan_mask): a short line costs no new
 * scan of its bytes but those past the window.
 */
static inline bool sm_trace_fast_line(struct sm_trace_reader *r,
				      const char **sp, size_t *lenp,
				      size_t *hashp)
{
	struct sm_input *in = &r->in;
	const char *s = in->cur, *at = r->scan_at;
	size_t hash = SIZE_MAX, n;
	uint64_t m = r->scan_mask, live;

	if (in->line_len || s == in->end)
		return false;
	if (!at || s < at || s >= at + 64) {
		if (in->end - s < 64)
			return false; /* the block's last bytes: the full path
				       */
		at = s;
		m = sm_trace_flags64(at);
	}
	live = m & (~0ull << (s - at));
	for (;;) {
		for (; live; live &= live - 1) {
			const char *c = at + __builtin_ctzll(live);

			if (*c == '\t' || (unsigned char)*c >= 0x80)
				continue; /* sm_trace_flags16() may flag these
					   */
			if (*c != '#')
				break;
			if (hash == SIZE_MAX)
				hash = (size_t)(c - s);
		}
		if (live)
			break;
		if (in->end - at < 128) {
			r->scan_at = NULL;
			return false; /* the line goes past the block's end */
		}
		at += 64;
		live = m = sm_trace_flags64(at);
	}
	r->scan_at = at;
	r->scan_mask = m;
	n = (size_t)(at + __builtin_ctzll(live) - s);
	if (s[n] == '\r' && s + n + 1 < in->end && s[n + 1] == '\n')
		in->cur = s + n + 2;
	else if (s[n] == '\n')
		in->cur = s + n + 1;
	else
		return false;
	in->lineno++;
	if (r->line < UINT32_MAX)
		r->line++;
	*sp = s;
	*lenp = n;
	*hashp = hash == SIZE_MAX ? n : hash;
	r->readable_end = in->end;
	return true;
}

struct sm_trace_tok {
	const char *s;
	size_t len;
	size_t col; /* 1-based */
};

/* A blank (space or tab) of a line: the lines that sm_trace_fast_line()
 * and sm_trace_slow_line() hand out hold no other byte below 0x21, so one
 * comparison tells. */
static inline bool sm_trace_is_blank(char c)
{
	return (unsigned char)c <= ' ';
}

/* The first blank of line[i..len), or len.  Eight bytes at a time: the
 * lowest byte flagged by the "has a byte less than 0x21" test is exactly
 * the first blank (a false flag can only sit above a true one). */
static inline size_t sm_trace_blank_at(const char *line, size_t i, size_t len)
{
	const uint64_t ones = 0x0101010101010101ull;
	const uint64_t highs = 0x8080808080808080ull;

	for (; i + 8 <= len; i += 8) {
		uint64_t x, m;

		memcpy(&x, line + i, 8);
		m = (x - ones * 0x21) & ~x & highs;
		if (m)
			return i + ((unsigned)__builtin_ctzll(m) >> 3);
	}
	while (i < len && !sm_trace_is_blank(line[i]))
		i++;
	return i;
}

/* Next space/tab separated token of line[*pos..len). */
static inline bool sm_trace_next_tok(const char *line, size_t len, size_t *pos,
				     struct sm_trace_tok *t)
{
	size_t i = *pos;

	while (i < len && sm_trace_is_blank(line[i]))
		i++;
	if (i >= len)
		return false;
	t->s = line + i;
	t->col = i + 1;
	i = sm_trace_blank_at(line, i, len);
	t->len = (size_t)(line + i - t->s);
	*pos = i;
	return true;
}

/* s[0..n) is exactly the C string `word`.  Byte by byte, stopping at the
 * first difference: the words are short and most comparisons fail at
 * once.  (A NUL of `word` before n differs from s, which holds none.) */
static inline bool sm_trace_tok_eq(const char *s, size_t n, const char *word)
{
	for (size_t i = 0; i < n; i++)
		if (word[i] != s[i] || !word[i])
			return false;
	return word[n] == '\0';
}

#endif
