/* SPDX-License-Identifier: MIT */
/*
 * The QEMU importer's input: the log, plain or .xz, read in chunks and cut
 * into lines.
 *
 * QEMU's "log" trace backend (-D LOG) writes one "EVENTNAME ARGS\n" line
 * per event; such logs are large, so the log is streamed: read IN_CHUNK
 * bytes at a time (through liblzma's stream decoder for .xz files, or any
 * file that starts with the xz magic), cut into lines, each line handed to
 * sm_import_line() and forgotten.  Only a line split across two chunks is
 * copied, into a growable buffer.  Every allocation, liblzma's included,
 * goes through the injected allocator.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include <smmusim/error.h>

#include "base/alloc.h"
#include "base/vec.h"
#include "trace/import_qemu.h"

#define IN_CHUNK (64u * 1024u)	 /* compressed bytes read at a time */
#define OUT_CHUNK (256u * 1024u) /* log bytes handled at a time */
/* The longest log line: QEMU 7.2's SMMU lines are under 300 bytes, and
 * without a bound a small .xz file could expand into one line that fills
 * the host's memory. */
#define MAX_LINE (64u * 1024u)

/* liblzma allocates through the injected allocator too; its free does not
 * give the size, so each block carries it in a header. */
#define LZ_HDR (_Alignof(max_align_t))

static void *lz_alloc(void *opaque, size_t nmemb, size_t size)
{
	const struct smmusim_allocator *a = opaque;
	size_t n;
	unsigned char *p;

	if (size && nmemb > (SIZE_MAX - LZ_HDR) / size)
		return NULL;
	n = nmemb * size + LZ_HDR;
	p = sm_malloc(a, n);
	if (!p)
		return NULL;
	memcpy(p, &n, sizeof(n));
	return p + LZ_HDR;
}

static void lz_free(void *opaque, void *ptr)
{
	const struct smmusim_allocator *a = opaque;
	unsigned char *p = ptr;
	size_t n;

	if (!p)
		return;
	p -= LZ_HDR;
	memcpy(&n, p, sizeof(n));
	sm_free(a, p, n);
}

static bool has_xz_suffix(const char *path)
{
	size_t n = strlen(path);

	return n >= 3 && strcmp(path + n - 3, ".xz") == 0;
}

static int xz_error(struct sm_importer *im, lzma_ret r)
{
	if (r == LZMA_MEM_ERROR)
		return sm_import_err(im, SMMUSIM_ENOMEM,
				     "%s: out of memory (xz)", im->log_name);
	return sm_import_err(
	    im, SMMUSIM_EPARSE,
	    "%s: truncated or corrupt .xz data after line %" PRIu64,
	    im->log_name, im->lineno);
}

static int read_error(struct sm_importer *im)
{
	return sm_import_err(im, SMMUSIM_EIO, "%s:%" PRIu64 ": read error: %s",
			     im->log_name, im->lineno + 1,
			     strerror(errno ? errno : EIO));
}

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

int sm_import_open_input(struct sm_importer *im, const char *path)
{
	static const uint8_t magic[6] = {0xfd, '7', 'z', 'X', 'Z', 0x00};
	size_t n;

	im->in = fopen(path, "rb");
	if (!im->in)
		return sm_import_err(im, SMMUSIM_EIO, "%s: cannot open: %s",
				     path, strerror(errno));
	im->own_in = true;
	im->inbuf = sm_malloc(im->a, IN_CHUNK);
	im->outbuf = sm_malloc(im->a, OUT_CHUNK);
	if (!im->inbuf || !im->outbuf)
		return sm_import_nomem(im);
	errno = 0;
	n = fread(im->inbuf, 1, sizeof(magic), im->in);
	if (n < sizeof(magic) && ferror(im->in))
		return read_error(im);
	im->xz = has_xz_suffix(path) ||
		 (n == sizeof(magic) && !memcmp(im->inbuf, magic, n));
	if (!im->xz) {
		memcpy(im->outbuf, im->inbuf, n);
		im->pre_n = n;
		return 0;
	}
	im->lza = (lzma_allocator){
	    .alloc = lz_alloc, .free = lz_free, .opaque = (void *)im->a};
	im->strm = (lzma_stream)LZMA_STREAM_INIT;
	im->strm.allocator = &im->lza;
	if (lzma_stream_decoder(&im->strm, UINT64_MAX, LZMA_CONCATENATED) !=
	    LZMA_OK)
		return sm_import_err(im, SMMUSIM_ENOMEM,
				     "%s: cannot start the xz decoder", path);
	im->xz_init = true;
	im->strm.next_in = im->inbuf;
	im->strm.avail_in = n;
	return 0;
}

/* Next chunk of log bytes in outbuf: > 0 bytes, 0 at the end, < 0 error. */
static long fill(struct sm_importer *im)
{
	size_t n;

	if (!im->xz) {
		if (im->pre_n) {
			n = im->pre_n;
			im->pre_n = 0;
			return (long)n;
		}
		errno = 0;
		n = fread(im->outbuf, 1, OUT_CHUNK, im->in);
		if (n == 0 && ferror(im->in))
			return read_error(im);
		return (long)n;
	}
	if (im->xz_err != LZMA_OK)
		return xz_error(im, im->xz_err);
	for (;;) {
		lzma_ret r;

		if (im->xz_end)
			return 0;
		if (im->strm.avail_in == 0 && !im->in_eof) {
			errno = 0;
			n = fread(im->inbuf, 1, IN_CHUNK, im->in);
			if (n == 0) {
				if (ferror(im->in))
					return read_error(im);
				im->in_eof = true;
			}
			im->strm.next_in = im->inbuf;
			im->strm.avail_in = n;
		}
		im->strm.next_out = im->outbuf;
		im->strm.avail_out = OUT_CHUNK;
		r = lzma_code(&im->strm, im->in_eof ? LZMA_FINISH : LZMA_RUN);
		n = OUT_CHUNK - im->strm.avail_out;
		if (r == LZMA_STREAM_END)
			im->xz_end = true;
		else if (r != LZMA_OK) {
			/* Hand out what was decoded; fail on the next call,
			 * so the message counts the lines before the damage. */
			if (n)
				im->xz_err = r;
			else
				return xz_error(im, r);
		}
		if (n)
			return (long)n;
	}
}

/* Add s[0..n) to the line split across chunks. */
static int line_append(struct sm_importer *im, const char *s, size_t n)
{
	/* Past MAX_LINE + 1 bytes the rest is dropped: the line is refused
	 * when it ends (check_length). */
	if (n > MAX_LINE + 1 - im->line_len)
		n = MAX_LINE + 1 - im->line_len;
	if (SM_VEC_RESERVE(im->a, im->line, im->line_cap, im->line_len + n,
			   256))
		return sm_import_nomem(im);
	memcpy(im->line + im->line_len, s, n);
	im->line_len += n;
	return 0;
}

/* A line too long to be a line of the log (`long_line_why` says why, or
 * QEMU's reason when it is NULL). */
static int check_length(struct sm_importer *im, size_t n)
{
	if (n > MAX_LINE)
		return sm_import_line_err(
		    im, MAX_LINE + 1, "line longer than %u bytes (%s)",
		    MAX_LINE,
		    im->long_line_why
			? im->long_line_why
			: "QEMU 7.2's SMMU trace lines are short");
	return 0;
}

/*
 * The next line of the log in *s, *n (without its newline; valid until the
 * next call): 1, or 0 at the end of the log, or < 0 on error.  Only a line
 * split across two chunks is copied.
 */
int sm_import_next_line(struct sm_importer *im, const char **s, size_t *n)
{
	for (;;) {
		const char *nl;
		long got;
		int rc;

		if (im->cur < im->cur_end) {
			nl = memchr(im->cur, '\n',
				    (size_t)(im->cur_end - im->cur));
			if (!nl) {
				/* The rest of the line is in the next chunk;
				 * a line already too long fails now, not at
				 * its end. */
				rc = line_append(
				    im, im->cur,
				    (size_t)(im->cur_end - im->cur));
				im->cur = im->cur_end;
				if (!rc && im->line_len > MAX_LINE) {
					im->lineno++;
					rc = check_length(im, im->line_len);
				}
				if (rc)
					return rc;
				continue;
			}
			im->lineno++;
			im->st.lines++;
			if (im->line_len) {
				rc = line_append(im, im->cur,
						 (size_t)(nl - im->cur));
				im->cur = nl + 1;
				*s = im->line;
				*n = im->line_len;
				im->line_len = 0;
				if (rc)
					return rc;
			} else {
				*s = im->cur;
				*n = (size_t)(nl - im->cur);
				im->cur = nl + 1;
			}
			rc = check_length(im, *n);
			return rc ? rc : 1;
		}
		got = fill(im);
		if (got < 0)
			return (int)got;
		if (got == 0)
			break;
		im->cur = (const char *)im->outbuf;
		im->cur_end = im->cur + got;
	}
	if (im->line_len) {
		im->lineno++;
		return sm_import_line_err(
		    im, im->line_len + 1,
		    "truncated line (no newline at the end of "
		    "the log)");
	}
	return 0;
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
	if (im->xz_init)
		lzma_end(&im->strm);
	if (im->own_in && im->in)
		fclose(im->in);
	sm_free(im->a, im->inbuf, IN_CHUNK);
	sm_free(im->a, im->outbuf, OUT_CHUNK);
	sm_free(im->a, im->line, im->line_cap);
}
