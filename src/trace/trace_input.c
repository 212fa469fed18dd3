/* SPDX-License-Identifier: MIT */
/*
 * The input layer of the trace reader and the importers: open a file, a
 * stream or a buffer; tell plain from compressed by the first bytes; hand
 * the (decompressed) bytes out in large blocks; cut them into lines.
 *
 * Formats are told apart by their magic numbers, as the file(1) magic and
 * each format's specification give them: xz (FD 37 7A 58 5A 00, the
 * .xz file format 1.0.4, section 2.1.1.1), gzip (1F 8B, RFC 1952 section
 * 2.3.1) and zstd (28 B5 2F FD, RFC 8878 section 3.1.1); anything else is
 * plain text.  Concatenated streams are read to their end, as xz -dc,
 * gzip -dc and zstd -dc do.  The decoders are liblzma, zlib and libzstd.
 *
 * A regular file is mapped and read as a buffer; other plain input is read
 * RAW_BLOCK bytes at a time straight into the block handed out (a buffer is
 * handed out as it is, with no copy); compressed input is read (or mapped)
 * and decoded OUT_BLOCK bytes at a time.  Lines are found with memchr(); only a
 * line split across two blocks is copied, into a growable buffer (base/vec.h).
 *
 * Errors: the decoder's verdict on damaged data is kept until the bytes
 * decoded before it have been handed out, so that a message can say how
 * many lines were good; a stream that stops before its end (a truncated
 * file) is found when the input ends with the decoder still wanting more.
 */
#include "trace/trace_input.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <sys/mman.h>
#include <sys/stat.h>

#include <lzma.h>
#include <zlib.h>
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_createDStream_advanced() */
#include <zstd.h>
#include <zstd_errors.h>

#include <smmusim/error.h>

#include "base/alloc.h"
#include "base/vec.h"

#define RAW_BLOCK (64u * 1024u) /* bytes read from the file at a time */
#define OUT_BLOCK (64u * 1024u) /* decompressed bytes handed out at a time */

/* ---------------------------------------------------------------------- */
/* The decoders' allocations                                              */
/* ---------------------------------------------------------------------- */

/* The decoders free without giving the size, which the injected allocator
 * needs: each block carries it in a header. */
#define HDR (_Alignof(max_align_t))

static void *hdr_alloc(void *opaque, size_t nmemb, size_t size)
{
	const struct smmusim_allocator *a = opaque;
	unsigned char *p;
	size_t n;

	if (size && nmemb > (SIZE_MAX - HDR) / size)
		return NULL;
	n = nmemb * size + HDR;
	p = sm_malloc(a, n);
	if (!p)
		return NULL;
	memcpy(p, &n, sizeof(n));
	return p + HDR;
}

static void hdr_free(void *opaque, void *ptr)
{
	unsigned char *p = ptr;
	size_t n;

	if (!p)
		return;
	p -= HDR;
	memcpy(&n, p, sizeof(n));
	sm_free(opaque, p, n);
}

static void *z_alloc(void *opaque, unsigned items, unsigned size)
{
	return hdr_alloc(opaque, items, size);
}

static void *zstd_alloc(void *opaque, size_t size)
{
	return hdr_alloc(opaque, 1, size);
}

/* ---------------------------------------------------------------------- */
/* Decoders                                                               */
/* ---------------------------------------------------------------------- */

enum step_res {
	STEP_OK = 0,	   /* progress, or more input wanted */
	STEP_END = 1,	   /* the last stream ended */
	STEP_CORRUPT = -1, /* damaged data: why in *why */
	STEP_NOMEM = -2,
};

enum codec_kind { CODEC_XZ, CODEC_GZIP, CODEC_ZSTD };

struct sm_input_codec {
	enum codec_kind kind;
	bool member_end; /* gzip/zstd: the last member ended, none begun */
	union {
		struct {
			lzma_stream strm;
			lzma_allocator la;
		} xz;
		struct {
			z_stream strm;
		} gz;
		struct {
			ZSTD_DStream *ds;
		} zs;
	} u;
};

static const char *const codec_names[] = {
    [CODEC_XZ] = "xz", [CODEC_GZIP] = "gzip", [CODEC_ZSTD] = "zstd"};

/* The format whose magic starts b[0..n), or -1 for plain input. */
static int detect(const uint8_t *b, size_t n)
{
	static const uint8_t xz[6] = {0xfd, '7', 'z', 'X', 'Z', 0x00};
	static const uint8_t gz[2] = {0x1f, 0x8b};
	static const uint8_t zs[4] = {0x28, 0xb5, 0x2f, 0xfd};

	if (n >= sizeof(xz) && !memcmp(b, xz, sizeof(xz)))
		return CODEC_XZ;
	if (n >= sizeof(gz) && !memcmp(b, gz, sizeof(gz)))
		return CODEC_GZIP;
	if (n >= sizeof(zs) && !memcmp(b, zs, sizeof(zs)))
		return CODEC_ZSTD;
	return -1;
}

static int codec_init(struct sm_input *in, struct sm_input_codec *c)
{
	switch (c->kind) {
	case CODEC_XZ:
		c->u.xz.la = (lzma_allocator){.alloc = hdr_alloc,
					      .free = hdr_free,
					      .opaque = (void *)in->a};
		c->u.xz.strm = (lzma_stream)LZMA_STREAM_INIT;
		c->u.xz.strm.allocator = &c->u.xz.la;
		return lzma_stream_decoder(&c->u.xz.strm, UINT64_MAX,
					   LZMA_CONCATENATED) == LZMA_OK
			   ? 0
			   : -1;
	case CODEC_GZIP:
		c->u.gz.strm.zalloc = z_alloc;
		c->u.gz.strm.zfree = hdr_free;
		c->u.gz.strm.opaque = (void *)in->a;
		/* 16 + 15: a gzip wrapper, windows up to 32 KiB. */
		return inflateInit2(&c->u.gz.strm, 16 + MAX_WBITS) == Z_OK ? 0
									   : -1;
	case CODEC_ZSTD:
		c->u.zs.ds = ZSTD_createDStream_advanced(
		    (ZSTD_customMem){zstd_alloc, hdr_free, (void *)in->a});
		return c->u.zs.ds ? 0 : -1;
	}
	return -1;
}

static void codec_end(struct sm_input_codec *c)
{
	switch (c->kind) {
	case CODEC_XZ:
		lzma_end(&c->u.xz.strm);
		break;
	case CODEC_GZIP:
		inflateEnd(&c->u.gz.strm);
		break;
	case CODEC_ZSTD:
		ZSTD_freeDStream(c->u.zs.ds);
		break;
	}
}

static const char *xz_why(lzma_ret r)
{
	switch (r) {
	case LZMA_FORMAT_ERROR:
		return "not an xz stream";
	case LZMA_OPTIONS_ERROR:
		return "unsupported xz options";
	case LZMA_DATA_ERROR:
		return "compressed data is corrupt";
	default:
		return "decoder error";
	}
}

static enum step_res step_xz(struct sm_input *in, struct sm_input_codec *c,
			     size_t *got, const char **why)
{
	lzma_stream *s = &c->u.xz.strm;
	lzma_ret r;

	s->next_in = in->next_in;
	s->avail_in = in->avail_in;
	s->next_out = in->out;
	s->avail_out = OUT_BLOCK;
	r = lzma_code(s, in->in_eof ? LZMA_FINISH : LZMA_RUN);
	*got = OUT_BLOCK - s->avail_out;
	in->in_off += in->avail_in - s->avail_in;
	in->next_in = s->next_in;
	in->avail_in = s->avail_in;
	switch (r) {
	case LZMA_OK:
	case LZMA_BUF_ERROR: /* no progress: the caller sees it */
		return STEP_OK;
	case LZMA_STREAM_END:
		return STEP_END;
	case LZMA_MEM_ERROR:
		return STEP_NOMEM;
	default:
		*why = xz_why(r);
		return STEP_CORRUPT;
	}
}

static enum step_res step_gz(struct sm_input *in, struct sm_input_codec *c,
			     size_t *got, const char **why)
{
	z_stream *s = &c->u.gz.strm;
	uInt avail =
	    in->avail_in > UINT32_MAX ? UINT32_MAX : (uInt)in->avail_in;
	int r;

	if (c->member_end && in->avail_in == 0) /* members all read */
		return in->in_eof ? STEP_END : STEP_OK;
	s->next_in = (Bytef *)in->next_in;
	s->avail_in = avail;
	s->next_out = in->out;
	s->avail_out = OUT_BLOCK;
	r = inflate(s, Z_NO_FLUSH);
	*got = OUT_BLOCK - s->avail_out;
	in->in_off += avail - s->avail_in;
	in->avail_in -= avail - s->avail_in;
	in->next_in = s->next_in;
	if (avail != s->avail_in)
		c->member_end = false;
	switch (r) {
	case Z_OK:
	case Z_BUF_ERROR: /* no progress: the caller sees it */
		return STEP_OK;
	case Z_STREAM_END:
		/* Another member may follow (RFC 1952 section 2.2). */
		c->member_end = true;
		return inflateReset(s) == Z_OK ? STEP_OK : STEP_NOMEM;
	case Z_MEM_ERROR:
		return STEP_NOMEM;
	default:
		*why = s->msg ? s->msg : "compressed data is corrupt";
		return STEP_CORRUPT;
	}
}

static enum step_res step_zstd(struct sm_input *in, struct sm_input_codec *c,
			       size_t *got, const char **why)
{
	ZSTD_inBuffer ib = {in->next_in, in->avail_in, 0};
	ZSTD_outBuffer ob = {in->out, OUT_BLOCK, 0};
	size_t r;

	if (c->member_end && in->avail_in == 0) /* frames all read */
		return in->in_eof ? STEP_END : STEP_OK;
	r = ZSTD_decompressStream(c->u.zs.ds, &ob, &ib);
	*got = ob.pos;
	in->in_off += ib.pos;
	in->next_in += ib.pos;
	in->avail_in -= ib.pos;
	if (ZSTD_isError(r)) {
		if (ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation)
			return STEP_NOMEM;
		*why = ZSTD_getErrorName(r);
		return STEP_CORRUPT;
	}
	/* 0: a frame ended and all of it was handed out; another may follow
	 * (RFC 8878 section 3.1). */
	c->member_end = r == 0;
	return STEP_OK;
}

/* ---------------------------------------------------------------------- */
/* Opening                                                                */
/* ---------------------------------------------------------------------- */

static int init(struct sm_input *in, const char *name,
		const struct smmusim_allocator *a, struct sm_errbuf *eb)
{
	memset(in, 0, sizeof(*in));
	in->a = sm_alloc_or_default(a);
	in->eb = eb;
	in->name = name;
	return 0;
}

static int read_error(struct sm_input *in, int e)
{
	return sm_err(in->eb, SMMUSIM_EIO, "%s:%" PRIu64 ": read error: %s",
		      in->name, in->lineno + 1, strerror(e ? e : EIO));
}

/* Raw bytes into in->raw: their count, or < 0 on a read error. */
static long read_raw(struct sm_input *in)
{
	size_t n;

	errno = 0;
	n = fread(in->raw, 1, RAW_BLOCK, in->f);
	if (n == 0 && ferror(in->f))
		return read_error(in, errno);
	if (n == 0)
		in->in_eof = true;
	in->next_in = in->raw;
	in->avail_in = n;
	return (long)n;
}

/* The first bytes are in next_in[0..avail_in): start their decoder. */
static int start_decoder(struct sm_input *in)
{
	int kind = detect(in->next_in, in->avail_in);
	struct sm_input_codec *c;

	if (kind < 0)
		return 0;
	c = sm_calloc(in->a, sizeof(*c));
	in->out = sm_malloc(in->a, OUT_BLOCK);
	if (!c || !in->out) {
		sm_free(in->a, c, sizeof(*c));
		return sm_err(in->eb, SMMUSIM_ENOMEM, "%s: out of memory",
			      in->name);
	}
	c->kind = (enum codec_kind)kind;
	if (codec_init(in, c) < 0) {
		sm_free(in->a, c, sizeof(*c));
		return sm_err(in->eb, SMMUSIM_ENOMEM,
			      "%s: out of memory starting the %s decoder",
			      in->name, codec_names[kind]);
	}
	in->dec = c;
	return 0;
}

int sm_input_open_stream(struct sm_input *in, FILE *f, const char *name,
			 const struct smmusim_allocator *a,
			 struct sm_errbuf *eb)
{
	long n;

	init(in, name, a, eb);
	in->f = f;
	in->raw = sm_malloc(in->a, RAW_BLOCK);
	if (!in->raw)
		return sm_err(eb, SMMUSIM_ENOMEM, "%s: out of memory", name);
	n = read_raw(in);
	if (n < 0)
		return (int)n;
	return start_decoder(in);
}

/* A regular file of f's size mapped read-only, or NULL (not regular,
 * empty, too large for the address space, or mmap() failed: then it is
 * read in blocks).  The kernel's page cache is read in place: a read()
 * copied every byte into the block first, about a fifth of the text
 * reader's CPU time on the ddmix captures (docs/performance.md).
 * Up to POPULATE_MAX the pages are mapped at once (MAP_POPULATE: fewer
 * page faults; parse-only 0.92x CPU time on a 5.5 MB capture); a larger
 * file is faulted in as it is read, so that its mapping never asks for all
 * of it at once.  MADV_SEQUENTIAL: the reader goes through it once, front
 * to back. */
#define POPULATE_MAX (64u << 20)
static void *map_file(FILE *f, size_t *len)
{
	struct stat st;
	void *m;

	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size <= 0 || (uint64_t)st.st_size > SIZE_MAX)
		return NULL;
	m = mmap(NULL, (size_t)st.st_size, PROT_READ,
		 MAP_PRIVATE | (st.st_size <= POPULATE_MAX ? MAP_POPULATE : 0),
		 fileno(f), 0);
	if (m == MAP_FAILED)
		return NULL;
	(void)madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
	*len = (size_t)st.st_size;
	return m;
}

int sm_input_open(struct sm_input *in, const char *path, const char *name,
		  const struct smmusim_allocator *a, struct sm_errbuf *eb)
{
	FILE *f;
	void *m;
	size_t len = 0;
	int rc;

	if (strcmp(path, "-") == 0)
		return sm_input_open_stream(in, stdin, name, a, eb);
	f = fopen(path, "rb");
	if (!f) {
		init(in, name, a, eb);
		return sm_err(eb, SMMUSIM_EIO, "%s: cannot open: %s", name,
			      strerror(errno));
	}
	m = map_file(f, &len);
	if (m) {
		/* The mapping outlives the stream's descriptor. */
		fclose(f);
		rc = sm_input_open_buffer(in, m, len, name, a, eb);
		in->map = m;
		return rc;
	}
	rc = sm_input_open_stream(in, f, name, a, eb);
	in->own_f = true;
	return rc;
}

int sm_input_open_buffer(struct sm_input *in, const void *data, size_t len,
			 const char *name, const struct smmusim_allocator *a,
			 struct sm_errbuf *eb)
{
	init(in, name, a, eb);
	in->mem = data;
	in->mem_len = len;
	in->next_in = data;
	in->avail_in = len;
	in->in_eof = true;
	return start_decoder(in);
}

const char *sm_input_format(const struct sm_input *in)
{
	return in->dec ? codec_names[in->dec->kind] : "plain";
}

void sm_input_close(struct sm_input *in)
{
	if (!in->a) /* never opened */
		return;
	if (in->dec) {
		codec_end(in->dec);
		sm_free(in->a, in->dec, sizeof(*in->dec));
	}
	if (in->own_f && in->f)
		fclose(in->f);
	if (in->map)
		munmap(in->map, in->mem_len);
	sm_free(in->a, in->raw, in->raw ? RAW_BLOCK : 0);
	sm_free(in->a, in->out, in->out ? OUT_BLOCK : 0);
	sm_free(in->a, in->line, in->line_cap);
	memset(in, 0, sizeof(*in));
}

/* ---------------------------------------------------------------------- */
/* Blocks                                                                 */
/* ---------------------------------------------------------------------- */

/* Plain input: the bytes already read, then the next RAW_BLOCK. */
static long read_plain(struct sm_input *in, const char **p)
{
	long n;

	if (!in->started || in->mem) {
		in->started = true;
		n = (long)in->avail_in;
		*p = (const char *)in->next_in;
		in->avail_in = 0;
		return n;
	}
	if (in->in_eof)
		return 0;
	n = read_raw(in);
	if (n > 0) {
		*p = (const char *)in->raw;
		in->avail_in = 0;
	}
	return n;
}

enum fail { FAIL_NOMEM = 1, FAIL_CORRUPT, FAIL_TRUNCATED };

/* The message of a decoding failure found at byte `off` of the input:
 * where it stands in the text, after the last good line, or before the
 * first one when none was decoded (a binary trace has no lines: always
 * that). */
static long fail_msg(struct sm_input *in, int f, const char *why, uint64_t off)
{
	const char *what = codec_names[in->dec->kind];
	char where[48];

	if (in->lineno)
		snprintf(where, sizeof(where), "after line %" PRIu64,
			 in->lineno);
	else
		snprintf(where, sizeof(where), "before the first line");
	if (f == FAIL_NOMEM)
		return sm_err(in->eb, SMMUSIM_ENOMEM,
			      "%s: out of memory (%s decoder)", in->name, what);
	if (f == FAIL_CORRUPT)
		return sm_err(in->eb, SMMUSIM_EPARSE,
			      "%s: corrupt %s data past byte %" PRIu64
			      " of the compressed input, %s: %s",
			      in->name, what, off, where, why);
	return sm_err(in->eb, SMMUSIM_EPARSE,
		      "%s: truncated %s data: the compressed input ends at "
		      "byte %" PRIu64 " in the middle of a stream, %s",
		      in->name, what, off, where);
}

/* A failure now, or, when `got` bytes were decoded before it, after them:
 * the message then counts the lines they hold. */
static long decode_fail(struct sm_input *in, size_t got, int f, const char *why)
{
	if (!got)
		return fail_msg(in, f, why, in->in_off);
	in->pend = f;
	in->pend_why = why;
	in->pend_off = in->in_off;
	return (long)got;
}

static long read_decoded(struct sm_input *in, const char **p)
{
	static enum step_res (*const step[])(
	    struct sm_input *, struct sm_input_codec *, size_t *,
	    const char **) = {[CODEC_XZ] = step_xz,
			      [CODEC_GZIP] = step_gz,
			      [CODEC_ZSTD] = step_zstd};

	if (in->pend)
		return fail_msg(in, in->pend, in->pend_why, in->pend_off);
	*p = (const char *)in->out;
	for (;;) {
		const char *why = NULL;
		size_t got = 0;
		enum step_res r;
		long n;

		if (in->dec_end)
			return 0;
		if (in->avail_in == 0 && !in->in_eof && in->f &&
		    (n = read_raw(in)) < 0)
			return n;
		r = step[in->dec->kind](in, in->dec, &got, &why);
		if (r == STEP_END)
			in->dec_end = true;
		else if (r == STEP_NOMEM)
			return decode_fail(in, got, FAIL_NOMEM, NULL);
		else if (r == STEP_CORRUPT)
			return decode_fail(in, got, FAIL_CORRUPT, why);
		else if (!got && in->in_eof && in->avail_in == 0)
			return decode_fail(in, got, FAIL_TRUNCATED, NULL);
		if (got)
			return (long)got;
	}
}

long sm_input_read(struct sm_input *in, const char **p)
{
	return in->dec ? read_decoded(in, p) : read_plain(in, p);
}

/* ---------------------------------------------------------------------- */
/* Lines                                                                  */
/* ---------------------------------------------------------------------- */

/* Keep s[0..n), a piece of a line split across blocks. */
static int keep_piece(struct sm_input *in, const char *s, size_t n)
{
	int rc;

	if (in->on_piece) {
		rc = in->on_piece(in->ctx, s, n, in->line_len + 1);
		if (rc)
			return rc;
	}
	if (SM_VEC_RESERVE(in->a, in->line, in->line_cap, in->line_len + n,
			   256)) {
		in->line_oom = true;
		in->line_len += n; /* what it would have held */
		return SMMUSIM_ENOMEM;
	}
	memcpy(in->line + in->line_len, s, n);
	in->line_len += n;
	return 0;
}

int sm_input_line(struct sm_input *in, const char **s, size_t *n)
{
	for (;;) {
		const char *nl, *p = NULL;
		long got;
		int rc;

		if (in->cur < in->end) {
			nl = memchr(in->cur, '\n', (size_t)(in->end - in->cur));
			if (!nl) {
				rc = keep_piece(in, in->cur,
						(size_t)(in->end - in->cur));
				in->cur = in->end;
				if (rc)
					return rc;
				continue;
			}
			if (in->line_len) {
				rc = keep_piece(in, in->cur,
						(size_t)(nl - in->cur));
				if (rc)
					return rc;
				*s = in->line;
				*n = in->line_len;
				in->line_len = 0;
			} else {
				*s = in->cur;
				*n = (size_t)(nl - in->cur);
			}
			in->cur = nl + 1;
			in->lineno++;
			return 1;
		}
		/* in->cur only moves to a block that has bytes: at the end a
		 * buffer's read hands its start back, with no bytes, which
		 * must not be read again (its last line, unterminated, would
		 * come back forever). */
		got = sm_input_read(in, &p);
		if (got < 0)
			return (int)got;
		if (got == 0)
			break;
		in->cur = p;
		in->end = p + got;
	}
	if (!in->line_len)
		return 0;
	*s = in->line;
	*n = in->line_len;
	in->line_len = 0;
	in->lineno++;
	in->unterminated = true;
	return 1;
}
