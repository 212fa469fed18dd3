/* SPDX-License-Identifier: MIT */
/*
 * The one input layer under the trace reader and the importers (private to
 * src/trace): a file by path ("-" is standard input), an open stream or
 * bytes in memory, plain or compressed (xz, gzip, zstd: recognised by their
 * magic bytes, never by the file's name), handed out in large blocks and
 * cut into lines (docs/trace-format.md, "Compressed traces").
 *
 * The decoders are Debian's liblzma, zlib and libzstd, called in-process
 * (no program is spawned); every allocation, theirs included, goes through
 * the injected allocator.  A damaged or truncated compressed stream is an
 * error naming the input and the byte of the compressed data where it was
 * found, given only after every line decoded before the damage.
 */
#ifndef SM_TRACE_TRACE_INPUT_H
#define SM_TRACE_TRACE_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <smmusim/alloc.h>

#include "base/errbuf.h"

struct sm_input_codec; /* the decoder's state (trace_input.c) */

struct sm_input {
	const struct smmusim_allocator *a;
	struct sm_errbuf *eb; /* where messages go */
	const char *name;     /* the input in messages (not owned) */

	/* source: a FILE, or mem[0..mem_len) */
	FILE *f;
	bool own_f; /* fclose() at sm_input_close() */
	const uint8_t *mem;
	size_t mem_len;
	void *map; /* mem is this read-only mapping of the file: munmap() */

	/* raw bytes as read (compressed, or the plain blocks) */
	uint8_t *raw;
	const uint8_t *next_in;
	size_t avail_in;
	uint64_t in_off; /* raw bytes the decoder has consumed */
	bool in_eof;	 /* no more raw bytes */
	bool started;	 /* the first block was handed out */

	/* decoder (NULL for plain input) and its output */
	struct sm_input_codec *dec;
	uint8_t *out;
	bool dec_end; /* every stream of the input has ended */
	/* an error found with bytes still to hand out: reported after them */
	int pend; /* 0 = none */
	const char *pend_why;
	uint64_t pend_off;

	/* lines */
	const char *cur, *end; /* the rest of the current block */
	char *line;	       /* a line split across blocks */
	size_t line_len, line_cap;
	uint64_t lineno;   /* lines handed out */
	bool unterminated; /* the last line handed out had no newline */
	bool line_oom;	   /* the SMMUSIM_ENOMEM was the line buffer's */
	/* Called on each piece of a line before it is kept across blocks
	 * (col: the 1-based column of s[0]); a non-zero return stops the
	 * read with it.  The reader refuses control bytes there, the importers
	 * over-long lines, so that a file without newlines is never read into
	 * memory whole. */
	int (*on_piece)(void *ctx, const char *s, size_t n, size_t col);
	void *ctx;
};

/* Open `path` ("-": standard input, not closed), named `name` in messages;
 * the first bytes say whether and how it is compressed.  A regular file is
 * mapped read-only and read as a buffer (no copy into a block: the reader's
 * share of a replay, issue 12 goal 2); a stream, or a file that cannot be
 * mapped, is read in blocks.  As with any mapping, a file truncated by
 * another process while it is read faults (SIGBUS). */
int sm_input_open(struct sm_input *in, const char *path, const char *name,
		  const struct smmusim_allocator *a, struct sm_errbuf *eb);
/* Read an open stream from where it is (never closed here). */
int sm_input_open_stream(struct sm_input *in, FILE *f, const char *name,
			 const struct smmusim_allocator *a,
			 struct sm_errbuf *eb);
/* Read data[0..len) (not copied: keep it until the close). */
int sm_input_open_buffer(struct sm_input *in, const void *data, size_t len,
			 const char *name, const struct smmusim_allocator *a,
			 struct sm_errbuf *eb);

/* The next block of (decompressed) bytes in *p: their count, 0 at the end,
 * or < 0 on error (message in eb). */
long sm_input_read(struct sm_input *in, const char **p);

/*
 * The next line in *s, *n, without its "\n" (valid until the next call):
 * 1, or 0 at the end, or < 0 on error.  A last line without "\n" is handed
 * out with in->unterminated set.  Only a line split across two blocks is
 * copied; SMMUSIM_ENOMEM with in->line_oom set when it cannot grow (no
 * message; in->line_len: the bytes of the line known then).
 */
int sm_input_line(struct sm_input *in, const char **s, size_t *n);

/* "zstd", "gzip", "xz" or "plain" (for tests and messages). */
const char *sm_input_format(const struct sm_input *in);

void sm_input_close(struct sm_input *in);

#endif
