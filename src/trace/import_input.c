/* SPDX-License-Identifier: MIT */
/*
 * The importers' input: the log (or ftrace file) through the input layer
 * (trace_input.c: plain, xz, gzip or zstd by magic bytes, "-" for standard
 * input), cut into lines, each line handed to its handler and forgotten.
 *
 * What is the importers' own: the longest line they take (MAX_LINE), and a
 * last line without its newline, which is refused (a cut log), where the
 * trace reader takes it.
 */
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include <smmusim/error.h>

#include "base/alloc.h"
#include "trace/import_qemu.h"

/* The longest log line: QEMU 7.2's SMMU lines are under 300 bytes, and
 * without a bound a small compressed file could expand into one line that
 * fills the host's memory. */
#define MAX_LINE (64u * 1024u)

void sm_import_init(struct sm_importer *im, const struct smmusim_allocator *a,
		    struct sm_errbuf *eb, const char *log_name)
{
	memset(im, 0, sizeof(*im));
	im->a = a;
	im->eb = eb;
	im->log_name = log_name;
	im->walk_sid = -1;
	im->walk_asid = -1;
}

/* A line too long to be a line of the log (`long_line_why` says why, or
 * QEMU's reason when it is NULL), at its column MAX_LINE + 1. */
static int long_line(struct sm_importer *im)
{
	return sm_import_line_err(
	    im, MAX_LINE + 1, "line longer than %u bytes (%s)", MAX_LINE,
	    im->long_line_why ? im->long_line_why
			      : "QEMU 7.2's SMMU trace lines are short");
}

/* A piece of a line split across blocks: a line already too long fails
 * now, not at its end. */
static int on_piece(void *ctx, const char *s, size_t n, size_t col)
{
	struct sm_importer *im = ctx;

	(void)s;
	if (col - 1 + n <= MAX_LINE)
		return 0;
	im->lineno = im->in.lineno + 1;
	return long_line(im);
}

int sm_import_open_input(struct sm_importer *im, const char *path)
{
	int rc = sm_input_open(&im->in, path, im->log_name, im->a, im->eb);

	im->in.on_piece = on_piece;
	im->in.ctx = im;
	return rc;
}

/*
 * The next line of the log in *s, *n (without its newline; valid until the
 * next call): 1, or 0 at the end of the log, or < 0 on error.
 */
int sm_import_next_line(struct sm_importer *im, const char **s, size_t *n)
{
	int rc = sm_input_line(&im->in, s, n);

	if (rc == SMMUSIM_ENOMEM && im->in.line_oom)
		return sm_import_nomem(im);
	if (rc <= 0)
		return rc;
	im->lineno = im->in.lineno;
	if (im->in.unterminated)
		return sm_import_line_err(
		    im, *n + 1,
		    "truncated line (no newline at the end of the log)");
	im->st.lines++;
	if (*n > MAX_LINE)
		return long_line(im);
	return 1;
}

int sm_import_run(struct sm_importer *im)
{
	const char *s;
	size_t n;
	int rc;

	while ((rc = sm_import_next_line(im, &s, &n)) > 0) {
		rc = sm_import_line(im, s, n);
		if (rc)
			return rc;
	}
	return rc;
}

void sm_import_close_input(struct sm_importer *im)
{
	sm_input_close(&im->in);
}
