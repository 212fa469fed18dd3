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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <smmusim/alloc.h>

#include "base/errbuf.h"
#include "trace/trace_input.h"

struct sm_trace_reader {
	struct smmusim_allocator alloc;
	struct sm_input in; /* plain or compressed, in blocks (trace_input.h) */
	char *name;
	uint32_t line; /* number of the current line (1-based) */
	bool header_done;
	bool eof;
	bool have_at; /* an @N event has been read */
	uint64_t last_at;
	uint32_t last_at_line;
	int err; /* sticky error code, 0 if none */
	struct sm_errbuf errmsg;
};

/* Give the reader's sticky message to the caller's eb too. */
void sm_trace_copy_err(const struct sm_trace_reader *r, struct sm_errbuf *eb);

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
 * the next call; it holds no control byte.  1 = a line, 0 = end of file,
 * < 0 = error.
 */
int sm_trace_read_line(struct sm_trace_reader *r, const char **sp, size_t *lenp,
		       struct sm_errbuf *eb);

struct sm_trace_tok {
	const char *s;
	size_t len;
	size_t col; /* 1-based */
};

bool sm_trace_is_blank(char c);
/* Next space/tab separated token of line[*pos..len). */
bool sm_trace_next_tok(const char *line, size_t len, size_t *pos,
		       struct sm_trace_tok *t);
/* s[0..n) is exactly `word`. */
bool sm_trace_tok_eq(const char *s, size_t n, const char *word);

#endif
