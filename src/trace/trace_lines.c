/* SPDX-License-Identifier: MIT */
/*
 * The trace reader's input side: opening a trace, reading it one line at a
 * time, cutting a line into tokens, and the positions of error messages
 * (docs/trace-format.md, "Lexical rules" and "Errors").
 *
 * Lines come from the input layer (trace_input.c) in place, in large
 * blocks; only a line split across two blocks is copied (through the
 * injected allocator), so lines of any length work and the whole file is
 * never held in memory.  Errors are sticky: once
 * sm_trace_next() has failed it keeps returning the same code and message,
 * "NAME:LINE:COLUMN: message" with 1-based lines and byte columns.
 */
#include "trace/trace_lines.h"

#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include <smmusim/error.h>

#include "base/alloc.h"
#include "base/vec.h"
#include "trace/trace_binary.h"
#include "trace/trace_reader.h"

/* ---------------------------------------------------------------------- */
/* Reader object                                                          */
/* ---------------------------------------------------------------------- */

const char *sm_trace_name(const struct sm_trace_reader *r)
{
	return r ? r->name : NULL;
}

void sm_trace_close(struct sm_trace_reader *r)
{
	if (!r)
		return;
	sm_trace_bin_free(r);
	sm_input_close(&r->in);
	sm_strfree(&r->alloc, r->name);
	sm_free(&r->alloc, r, sizeof(*r));
}

static int on_piece(void *ctx, const char *s, size_t n, size_t col);

/* The reader, before its input is opened. */
static int create(struct sm_trace_reader **out, const char *name,
		  const struct smmusim_allocator *a, struct sm_errbuf *eb)
{
	struct sm_trace_reader *r;

	a = sm_alloc_or_default(a);
	r = sm_calloc(a, sizeof(*r));
	if (!r)
		return sm_err(eb, SMMUSIM_ENOMEM, "%s: out of memory", name);
	r->alloc = *a;
	sm_trace_index_init(&r->idx);
	r->name = sm_strdup(a, name);
	if (!r->name) {
		sm_free(a, r, sizeof(*r));
		return sm_err(eb, SMMUSIM_ENOMEM, "%s: out of memory", name);
	}
	*out = r;
	return 0;
}

/* The input's open returned rc: the reader, or its error. */
static int opened(struct sm_trace_reader **out, struct sm_trace_reader *r,
		  int rc, struct sm_errbuf *eb)
{
	if (rc < 0) {
		sm_trace_copy_err(r, eb);
		sm_trace_close(r);
		*out = NULL;
		return rc;
	}
	r->in.on_piece = on_piece;
	r->in.ctx = r;
	return 0;
}

int sm_trace_open_stream(struct sm_trace_reader **out, FILE *f,
			 const char *name, const struct smmusim_allocator *a,
			 struct sm_errbuf *eb)
{
	int rc;

	if (!out || !f)
		return sm_err(eb, SMMUSIM_EINVAL,
			      "sm_trace_open_stream: NULL argument");
	*out = NULL;
	rc = create(out, name ? name : "<stream>", a, eb);
	if (rc < 0)
		return rc;
	rc = sm_input_open_stream(&(*out)->in, f, (*out)->name, &(*out)->alloc,
				  &(*out)->errmsg);
	return opened(out, *out, rc, eb);
}

int sm_trace_open_buffer(struct sm_trace_reader **out, const void *data,
			 size_t len, const char *name,
			 const struct smmusim_allocator *a,
			 struct sm_errbuf *eb)
{
	int rc;

	if (!out || (!data && len))
		return sm_err(eb, SMMUSIM_EINVAL,
			      "sm_trace_open_buffer: NULL argument");
	*out = NULL;
	rc = create(out, name ? name : "<buffer>", a, eb);
	if (rc < 0)
		return rc;
	rc =
	    sm_input_open_buffer(&(*out)->in, data ? data : "", len,
				 (*out)->name, &(*out)->alloc, &(*out)->errmsg);
	return opened(out, *out, rc, eb);
}

int sm_trace_open(struct sm_trace_reader **out, const char *path,
		  const struct smmusim_allocator *a, struct sm_errbuf *eb)
{
	int rc;

	if (!out || !path)
		return sm_err(eb, SMMUSIM_EINVAL,
			      "sm_trace_open: NULL argument");
	*out = NULL;
	rc = create(out, strcmp(path, "-") ? path : "<stdin>", a, eb);
	if (rc < 0)
		return rc;
	rc = sm_input_open(&(*out)->in, path, (*out)->name, &(*out)->alloc,
			   &(*out)->errmsg);
	return opened(out, *out, rc, eb);
}

/* ---------------------------------------------------------------------- */
/* Errors                                                                 */
/* ---------------------------------------------------------------------- */

void sm_trace_copy_err(const struct sm_trace_reader *r, struct sm_errbuf *eb)
{
	if (eb && eb != &r->errmsg)
		memcpy(eb->msg, r->errmsg.msg, sizeof(eb->msg));
}

int sm_trace_verr(struct sm_trace_reader *r, struct sm_errbuf *eb, int code,
		  const char *where, const char *fmt, va_list ap)
{
	char msg[SM_ERRBUF_LEN];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	sm_err(&r->errmsg, code, "%s: %s", where, msg);
	r->err = code;
	sm_trace_copy_err(r, eb);
	return code;
}

int sm_trace_err(struct sm_trace_reader *r, struct sm_errbuf *eb, int code,
		 size_t col, const char *fmt, ...)
{
	char where[SM_ERRBUF_LEN];
	va_list ap;

	snprintf(where, sizeof(where), "%s:%" PRIu32 ":%zu", r->name, r->line,
		 col);
	va_start(ap, fmt);
	code = sm_trace_verr(r, eb, code, where, fmt, ap);
	va_end(ap);
	return code;
}

/* ---------------------------------------------------------------------- */
/* Lines and tokens                                                       */
/* ---------------------------------------------------------------------- */

/* Eight bytes at a time: a word with no byte below 0x20 and no DEL holds
 * no control byte (the classic "has a byte less than n" test, which may
 * flag a word falsely but never misses one: the word is then looked at
 * byte by byte).  The offset of the first control byte of s[0..n), or n. */
static size_t first_control(const char *s, size_t n)
{
	const uint64_t ones = 0x0101010101010101ull;
	const uint64_t highs = 0x8080808080808080ull;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t x, del;

		memcpy(&x, s + i, 8);
		del = x ^ (ones * 0x7f);
		if ((((x - ones * 0x20) & ~x) | ((del - ones) & ~del)) & highs)
			break;
	}
	for (; i < n; i++)
		if (sm_trace_is_control((unsigned char)s[i]))
			return i;
	return n;
}

/* One pass over a line s[0..n): the offset of its first control byte (n
 * if none) and, in *hashp, of its first '#' (n if none), which starts its
 * comment.  A line with neither, the common case, is looked at sixteen
 * bytes at a time, its last sixteen overlapping. */
static size_t scan_line(const char *s, size_t n, size_t *hashp)
{
	size_t i = 0, hash = n;

	while (i + 16 <= n && !sm_trace_flagged16(s + i))
		i += 16;
	if (i < n && n >= 16 && i + 16 > n && !sm_trace_flagged16(s + n - 16))
		i = n;
	for (; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '#') {
			if (hash == n)
				hash = i;
		} else if (sm_trace_is_control(c)) {
			break;
		}
	}
	*hashp = hash;
	return i;
}

/* The control byte c at column col of the line being read. */
static int control_err(struct sm_trace_reader *r, struct sm_errbuf *eb,
		       size_t col, int c)
{
	if (r->line < UINT32_MAX)
		r->line++;
	if (c == '\0')
		return sm_trace_err(r, eb, SMMUSIM_EPARSE, col,
				    "NUL byte in line");
	return sm_trace_err(r, eb, SMMUSIM_EPARSE, col,
			    "control byte 0x%02x in line (only tab; lines end "
			    "with \\n or \\r\\n)",
			    (unsigned)c);
}

/* A piece of a line split across blocks, before it is kept: a control byte
 * fails now, so that a file of NULs is never read into memory whole.  A CR
 * at its very end may be the first half of a "\r\n". */
static int on_piece(void *ctx, const char *s, size_t n, size_t col)
{
	struct sm_trace_reader *r = ctx;
	size_t bad = first_control(s, n);

	if (bad == n || (bad == n - 1 && s[bad] == '\r'))
		return 0;
	return control_err(r, &r->errmsg, col + bad, (unsigned char)s[bad]);
}

/* The input failed (rc): a control byte was reported by on_piece(); a line
 * that cannot grow is reported here; the input's own message (a read or
 * decoding error) is in r->errmsg, made sticky here. */
static int input_failed(struct sm_trace_reader *r, int rc, struct sm_errbuf *eb)
{
	if (r->err) {
		sm_trace_copy_err(r, eb);
		return r->err;
	}
	if (rc == SMMUSIM_ENOMEM && r->in.line_oom) {
		/* Reported on the line being read. */
		if (r->line < UINT32_MAX)
			r->line++;
		return sm_trace_err(r, eb, SMMUSIM_ENOMEM, 1,
				    "out of memory reading a line of %zu "
				    "bytes or more",
				    r->in.line_len);
	}
	r->err = rc;
	sm_trace_copy_err(r, eb);
	return rc;
}

/* Lines come from the input layer (trace_input.c) in place.  A control
 * byte anywhere in the line, comments included, is an error at its column
 * (docs/trace-format.md, "Lexical rules"); a CR ends the line when "\n" or
 * the end of the file comes right after it. */
int sm_trace_slow_line(struct sm_trace_reader *r, const char **sp, size_t *lenp,
		       size_t *hashp, struct sm_errbuf *eb)
{
	const char *s;
	size_t n, bad;
	int rc;

	r->scan_at = NULL; /* the input may read its next block */
	rc = sm_input_line(&r->in, &s, &n);
	if (rc < 0)
		return input_failed(r, rc, eb);
	if (rc == 0)
		return 0;
	if (n && s[n - 1] == '\r')
		n--;
	bad = scan_line(s, n, hashp);
	if (bad < n)
		return control_err(r, eb, bad + 1, (unsigned char)s[bad]);
	if (r->line < UINT32_MAX)
		r->line++;
	*sp = s;
	*lenp = n;
	r->readable_end = s + n;
	return 1;
}

/* The first block is read here and, for text, left in the input's line
 * state (in.cur, in.end) for sm_input_line() to cut, as if it had read it
 * itself.  A first block shorter than the magic is binary when it is the
 * magic's beginning (no text trace starts with its first byte, 0x89): the
 * header check then finds it short. */
int sm_trace_sniff(struct sm_trace_reader *r, struct sm_errbuf *eb)
{
	const char *p = NULL;
	long n;

	if (r->sniffed)
		return 0;
	r->sniffed = true;
	n = sm_input_read(&r->in, &p);
	if (n < 0)
		return input_failed(r, (int)n, eb);
	if (n > 0 && sm_trace_bin_is_magic(p, (size_t)n))
		return sm_trace_bin_start(r, p, (size_t)n, eb);
	r->in.cur = p;
	r->in.end = p + n;
	return 0;
}
