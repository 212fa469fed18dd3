/* SPDX-License-Identifier: MIT */
/*
 * The trace reader's input side: opening a trace, reading it one line at a
 * time, cutting a line into tokens, and the positions of error messages
 * (docs/trace-format.md, "Lexical rules" and "Errors").
 *
 * The file is read one line at a time into a growable buffer (allocated
 * through the injected allocator), so lines of any length work and the
 * whole file is never held in memory.  Errors are sticky: once
 * sm_trace_next() has failed it keeps returning the same code and message,
 * "NAME:LINE:COLUMN: message" with 1-based lines and byte columns.
 */
#include "trace/trace_lines.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include <smmusim/error.h>

#include "base/alloc.h"
#include "base/vec.h"
#include "trace/trace_reader.h"

#define SM_TRACE_INITIAL_BUF 256

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
	if (r->own_file && r->f)
		fclose(r->f);
	sm_free(&r->alloc, r->buf, r->cap);
	sm_strfree(&r->alloc, r->name);
	sm_free(&r->alloc, r, sizeof(*r));
}

static int create(struct sm_trace_reader **out, FILE *f, bool own_file,
		  const char *name, const struct smmusim_allocator *a,
		  struct sm_errbuf *eb)
{
	struct sm_trace_reader *r;

	a = sm_alloc_or_default(a);
	r = sm_calloc(a, sizeof(*r));
	if (!r)
		return sm_err(eb, SMMUSIM_ENOMEM, "%s: out of memory", name);
	r->alloc = *a;
	r->f = f;
	r->own_file = own_file;
	r->name = sm_strdup(a, name);
	r->cap = SM_TRACE_INITIAL_BUF;
	r->buf = sm_malloc(a, r->cap);
	if (!r->name || !r->buf) {
		if (!r->buf)
			r->cap = 0;
		r->own_file = false; /* the caller closes f on failure */
		sm_trace_close(r);
		return sm_err(eb, SMMUSIM_ENOMEM, "%s: out of memory", name);
	}
	*out = r;
	return 0;
}

int sm_trace_open_stream(struct sm_trace_reader **out, FILE *f,
			 const char *name, const struct smmusim_allocator *a,
			 struct sm_errbuf *eb)
{
	if (!out || !f)
		return sm_err(eb, SMMUSIM_EINVAL,
			      "sm_trace_open_stream: NULL argument");
	*out = NULL;
	return create(out, f, false, name ? name : "<stream>", a, eb);
}

int sm_trace_open(struct sm_trace_reader **out, const char *path,
		  const struct smmusim_allocator *a, struct sm_errbuf *eb)
{
	FILE *f;
	int rc;

	if (!out || !path)
		return sm_err(eb, SMMUSIM_EINVAL,
			      "sm_trace_open: NULL argument");
	*out = NULL;
	if (strcmp(path, "-") == 0)
		return create(out, stdin, false, "<stdin>", a, eb);
	f = fopen(path, "r");
	if (!f)
		return sm_err(eb, SMMUSIM_EIO, "%s: cannot open: %s", path,
			      strerror(errno));
	rc = create(out, f, true, path, a, eb);
	if (rc < 0)
		fclose(f);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Errors                                                                 */
/* ---------------------------------------------------------------------- */

void sm_trace_copy_err(const struct sm_trace_reader *r, struct sm_errbuf *eb)
{
	if (eb && eb != &r->errmsg)
		memcpy(eb->msg, r->errmsg.msg, sizeof(eb->msg));
}

int sm_trace_err(struct sm_trace_reader *r, struct sm_errbuf *eb, int code,
		 size_t col, const char *fmt, ...)
{
	char msg[SM_ERRBUF_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sm_err(&r->errmsg, code, "%s:%" PRIu32 ":%zu: %s", r->name, r->line,
	       col, msg);
	r->err = code;
	sm_trace_copy_err(r, eb);
	return code;
}

/* ---------------------------------------------------------------------- */
/* Lines and tokens                                                       */
/* ---------------------------------------------------------------------- */

/* A byte a line may not hold: C0 controls but tab, and DEL.  A NUL would
 * end the line early for the C string functions behind the reader (a
 * comment hiding what follows), the others are invisible in an editor. */
static bool is_control(int c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
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

/* getline-like: stdio does the buffering, the line buffer grows by
 * doubling (base/vec.h).  A control byte anywhere in the line, comments
 * included, is an error at its column (docs/trace-format.md, "Lexical
 * rules"), found as the line is read, so a file of NULs is not read into
 * memory whole; a CR ends the line when "\n" or the end of the file comes
 * right after it. */
int sm_trace_read_line(struct sm_trace_reader *r, size_t *lenp,
		       struct sm_errbuf *eb)
{
	size_t n = 0;
	int c;

	for (;;) {
		c = getc(r->f);
		if (c == '\r') {
			c = getc(r->f);
			if (c != '\n' && c != EOF)
				return control_err(r, eb, n + 1, '\r');
		}
		if (c == EOF || c == '\n')
			break;
		if (is_control(c))
			return control_err(r, eb, n + 1, c);
		/* Room for this byte and the final NUL. */
		if (SM_VEC_RESERVE(&r->alloc, r->buf, r->cap, n + 2,
				   SM_TRACE_INITIAL_BUF)) {
			/* Reported on the line being read. */
			if (r->line < UINT32_MAX)
				r->line++;
			return sm_trace_err(r, eb, SMMUSIM_ENOMEM, 1,
					    "out of memory reading a line "
					    "longer than %zu bytes",
					    n);
		}
		r->buf[n++] = (char)c;
	}
	if (c == EOF) {
		if (ferror(r->f)) {
			int e = errno;

			r->err = sm_err(&r->errmsg, SMMUSIM_EIO,
					"%s:%" PRIu32 ": read error: %s",
					r->name, r->line + 1, strerror(e));
			sm_trace_copy_err(r, eb);
			return r->err;
		}
		if (n == 0) {
			r->eof = true;
			return 0;
		}
	}
	if (r->line < UINT32_MAX)
		r->line++;
	r->buf[n] = '\0';
	*lenp = n;
	return 1;
}

bool sm_trace_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

bool sm_trace_next_tok(const char *line, size_t len, size_t *pos,
		       struct sm_trace_tok *t)
{
	size_t i = *pos;

	while (i < len && sm_trace_is_blank(line[i]))
		i++;
	if (i >= len)
		return false;
	t->s = line + i;
	t->col = i + 1;
	while (i < len && !sm_trace_is_blank(line[i]))
		i++;
	t->len = (size_t)(line + i - t->s);
	*pos = i;
	return true;
}

bool sm_trace_tok_eq(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && memcmp(s, word, n) == 0;
}
