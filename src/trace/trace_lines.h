/* SPDX-License-Identifier: MIT */
/*
 * The trace reader's input side (private to src/trace): the reader object,
 * its line buffer, the space/tab tokenizer and the "NAME:LINE:COLUMN:"
 * errors of docs/trace-format.md ("Lexical rules", "Errors").
 *
 * trace_lines.c reads lines and cuts them into tokens; trace_keys.c knows
 * the events and their keys; trace_values.c parses one value;
 * trace_reader.c puts an event together from these.
 */
#ifndef SM_TRACE_TRACE_LINES_H
#define SM_TRACE_TRACE_LINES_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <smmusim/alloc.h>

#include "base/errbuf.h"
#include "trace/trace_input.h"
#include "trace/trace_keys.h"

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
	 * next (fast_line() in trace_lines.c); NULL: none. */
	const char *scan_at;
	uint64_t scan_mask;
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
 * '#' (*lenp if none).  1 = a line, 0 = end of file, < 0 = error.
 */
int sm_trace_read_line(struct sm_trace_reader *r, const char **sp, size_t *lenp,
		       size_t *hashp, struct sm_errbuf *eb);

struct sm_trace_tok {
	const char *s;
	size_t len;
	size_t col; /* 1-based */
};

/* A blank (space or tab) of a line: the lines that sm_trace_read_line()
 * hands out hold no other byte below 0x21, so one comparison tells. */
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
