/* SPDX-License-Identifier: MIT */
/*
 * The decoder of the binary trace form (docs/trace-format.md, "Binary
 * form"), behind the same reader object as the text form: the reader
 * looks at the first (decompressed) bytes of its input and, when they are
 * the binary magic, hands every later sm_trace_next() (and
 * smmusim_trace_next() goes there directly) to sm_trace_bin_next(), the
 * fast path of trace_binary_fast.c, which leaves any record it does not
 * take, and every error, to sm_trace_bin_next_slow() here.
 *
 * The input layer (trace_input.c) hands out blocks; records are decoded
 * from a staging buffer that always holds a whole record unless the input
 * has ended, so the decoding loop tests bounds once per varint byte and
 * never waits for input in the middle of a record.  Each value is checked
 * against its key as the text reader checks it (trace_binary_layout.c), so
 * the events are those a text trace can hold.  Errors name the input and
 * the byte offset in the (decompressed) binary data where the bad field
 * begins, "NAME: byte N: message", and are sticky like the text reader's.
 */
#include "trace/trace_binary_state.h"

#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include <smmusim/error.h>

#include "base/alloc.h"
#include "trace/trace_lines.h"

/* Small: a replay from binary needs no more host memory than from text
 * (sim.max_host_memory counts the reader); a refill per 8 KiB costs
 * nothing measurable. */
#define STAGE_SIZE (8u * 1024u + SM_TRACE_BIN_MAX_RECORD)

/* ---------------------------------------------------------------------- */
/* Errors                                                                 */
/* ---------------------------------------------------------------------- */

static int bin_err(struct sm_trace_reader *r, struct sm_errbuf *eb, int code,
		   uint64_t off, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int bin_err(struct sm_trace_reader *r, struct sm_errbuf *eb, int code,
		   uint64_t off, const char *fmt, ...)
{
	char where[SM_ERRBUF_LEN];
	va_list ap;

	snprintf(where, sizeof(where), "%s: byte %" PRIu64, r->name, off);
	va_start(ap, fmt);
	code = sm_trace_verr(r, eb, code, where, fmt, ap);
	va_end(ap);
	return code;
}

/* The input's own failure (a read or decompression error), its message
 * already in r->errmsg. */
static int input_err(struct sm_trace_reader *r, struct sm_errbuf *eb, int rc)
{
	r->err = rc;
	sm_trace_copy_err(r, eb);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Staging                                                                */
/* ---------------------------------------------------------------------- */

/* Move what is left to the front and top the buffer up from the input.  An
 * input failure is kept for when the bytes before it have been decoded. */
static __attribute__((noinline)) void refill(struct sm_trace_reader *r,
					     struct sm_trace_bin_state *b)
{
	if (b->pos) {
		memmove(b->buf, b->buf + b->pos, b->len - b->pos);
		b->base += b->pos;
		b->len -= b->pos;
		b->pos = 0;
	}
	while (b->len < STAGE_SIZE && !b->in_eof) {
		size_t n;

		if (!b->src_len) {
			long got = sm_input_read(&r->in, &b->src);

			if (got <= 0) {
				b->in_eof = true;
				b->in_err = got < 0 ? (int)got : 0;
				break;
			}
			b->src_len = (size_t)got;
		}
		n = STAGE_SIZE - b->len;
		if (n > b->src_len)
			n = b->src_len;
		memcpy(b->buf + b->len, b->src, n);
		b->len += n;
		b->src += n;
		b->src_len -= n;
	}
	b->fast_end = b->len > SM_TRACE_BIN_MAX_RECORD
			  ? b->len - SM_TRACE_BIN_MAX_RECORD
			  : 0;
}

/* ---------------------------------------------------------------------- */
/* Varints                                                                */
/* ---------------------------------------------------------------------- */

enum { VI_OK, VI_SHORT, VI_LONG };

/* An unsigned LEB128 number of at most 64 bits at *pp. */
static inline int get_varint(const uint8_t **pp, const uint8_t *end,
			     uint64_t *v)
{
	const uint8_t *p = *pp;
	uint64_t x = 0;

	for (unsigned shift = 0; p < end; shift += 7) {
		uint8_t c = *p++;

		if (shift == 63 && c > 1)
			return VI_LONG;
		x |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*v = x;
			*pp = p;
			return VI_OK;
		}
		if (shift == 63)
			return VI_LONG;
	}
	return VI_SHORT;
}

/* ---------------------------------------------------------------------- */
/* Header                                                                 */
/* ---------------------------------------------------------------------- */

static unsigned le16(const uint8_t *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static int check_header(struct sm_trace_reader *r, struct sm_trace_bin_state *b,
			struct sm_errbuf *eb)
{
	const uint8_t *h = b->buf;
	unsigned ver, layout;
	uint32_t fp;

	if (b->len < SM_TRACE_BIN_HEADER_LEN)
		return b->in_err ? input_err(r, eb, b->in_err)
				 : bin_err(r, eb, SMMUSIM_EPARSE, b->len,
					   "truncated binary trace: the "
					   "header needs %u bytes",
					   SM_TRACE_BIN_HEADER_LEN);
	if (memcmp(h, SM_TRACE_BIN_MAGIC, SM_TRACE_BIN_MAGIC_LEN))
		return bin_err(r, eb, SMMUSIM_EPARSE, 0,
			       "not a trace: neither the text header "
			       "'" SM_TRACE_MAGIC " " SM_TRACE_VERSION
			       "' nor the binary magic");
	ver = le16(h + 8);
	layout = le16(h + 10);
	fp = le32(h + 12);
	if (ver != SM_TRACE_BIN_VERSION)
		return bin_err(r, eb, SMMUSIM_EPARSE, 8,
			       "unsupported binary trace version %u (this "
			       "reader reads version %u)",
			       ver, SM_TRACE_BIN_VERSION);
	if (layout != SM_TRACE_BIN_LAYOUT || fp != b->lay.fingerprint)
		return bin_err(r, eb, SMMUSIM_EPARSE, 10,
			       "binary trace of event layout %u (fingerprint "
			       "0x%08" PRIx32 "); this reader reads layout %u "
			       "(0x%08" PRIx32 "): convert it again from its "
			       "text",
			       layout, fp, SM_TRACE_BIN_LAYOUT,
			       b->lay.fingerprint);
	b->pos = SM_TRACE_BIN_HEADER_LEN;
	return 0;
}

int sm_trace_bin_start(struct sm_trace_reader *r, const char *first, size_t n,
		       struct sm_errbuf *eb)
{
	struct sm_trace_bin_state *b = sm_calloc(&r->alloc, sizeof(*b));

	if (b)
		b->buf = sm_malloc(&r->alloc, STAGE_SIZE);
	if (!b || !b->buf) {
		sm_free(&r->alloc, b, b ? sizeof(*b) : 0);
		r->err = SMMUSIM_ENOMEM;
		sm_err(&r->errmsg, SMMUSIM_ENOMEM, "%s: out of memory",
		       r->name);
		sm_trace_copy_err(r, eb);
		return SMMUSIM_ENOMEM;
	}
	r->bin = b;
	sm_trace_bin_layout_init(&b->lay, &r->idx);
	sm_trace_bin_prog_init(b);
	b->src = first;
	b->src_len = n;
	refill(r, b);
	return check_header(r, b, eb);
}

void sm_trace_bin_free(struct sm_trace_reader *r)
{
	if (!r->bin)
		return;
	sm_free(&r->alloc, r->bin->buf, STAGE_SIZE);
	sm_free(&r->alloc, r->bin, sizeof(*r->bin));
	r->bin = NULL;
}

/* ---------------------------------------------------------------------- */
/* Records                                                                */
/* ---------------------------------------------------------------------- */

/* A decoding context: where the record and the field being read begin. */
struct rec {
	const uint8_t *p, *end, *start, *field;
};

static uint64_t at(const struct sm_trace_bin_state *b, const uint8_t *p)
{
	return b->base + (uint64_t)(p - b->buf);
}

/* A varint of the record failed (vi): the data ended, or it is too long. */
static int varint_err(struct sm_trace_reader *r, struct sm_trace_bin_state *b,
		      const struct rec *c, int vi, const char *what,
		      struct sm_errbuf *eb)
{
	if (vi == VI_LONG)
		return bin_err(r, eb, SMMUSIM_EPARSE, at(b, c->field),
			       "%s: a number longer than 64 bits", what);
	if (b->in_err)
		return input_err(r, eb, b->in_err);
	return bin_err(r, eb, SMMUSIM_EPARSE, at(b, c->field),
		       "truncated binary trace: the data ends inside the "
		       "event that begins at byte %" PRIu64 " (its %s)",
		       at(b, c->start), what);
}

#define GET(c, v, what)                                                        \
	do {                                                                   \
		int vi_;                                                       \
		(c)->field = (c)->p;                                           \
		if ((c)->p < (c)->end && *(c)->p < 0x80) {                     \
			*(v) = *(c)->p++; /* most are one byte */              \
			break;                                                 \
		}                                                              \
		vi_ = get_varint(&(c)->p, (c)->end, (v));                      \
		if (vi_ != VI_OK)                                              \
			return varint_err(r, b, (c), vi_, (what), eb);         \
	} while (0)

/* The end record: the event count, then nothing. */
static __attribute__((noinline)) int read_end(struct sm_trace_reader *r,
					      struct sm_trace_bin_state *b,
					      struct rec *c,
					      struct sm_errbuf *eb)
{
	uint64_t n;

	GET(c, &n, "event count");
	if (n != b->events)
		return bin_err(r, eb, SMMUSIM_EPARSE, at(b, c->field),
			       "the end record counts %" PRIu64
			       " events, %" PRIu64 " were read",
			       n, b->events);
	b->pos = (size_t)(c->p - b->buf);
	if (b->pos < b->len || (!b->in_eof && (refill(r, b), b->len > 0)))
		return bin_err(r, eb, SMMUSIM_EPARSE, at(b, b->buf + b->pos),
			       "data after the end record");
	if (b->in_err)
		return input_err(r, eb, b->in_err);
	b->ended = true;
	return 0;
}

/* The column of an event (tag bit 7: given, at offset col_at) must be
 * one the text form can give back: its canonical column, or up to
 * SM_TRACE_BIN_MAX_PAD further right. */
static int set_column(struct sm_trace_reader *r, struct sm_trace_bin_state *b,
		      bool given, uint64_t col, const uint8_t *col_at,
		      struct smmusim_event *ev, struct sm_errbuf *eb)
{
	uint32_t canon = sm_trace_bin_canon_column(ev);

	if (!given) {
		ev->column = canon;
		return 0;
	}
	if (col < canon || col - canon > SM_TRACE_BIN_MAX_PAD)
		return bin_err(r, eb, SMMUSIM_EPARSE, at(b, col_at),
			       "column %" PRIu64 " out of range (%" PRIu32
			       "..%" PRIu32 " for this time prefix)",
			       col, canon, canon + SM_TRACE_BIN_MAX_PAD);
	ev->column = (uint32_t)col;
	return 0;
}

/* Each event has a line of its own after the header's (line 1), but for
 * the last line number, which the text reader keeps for every line past
 * it. */
static int set_line(struct sm_trace_reader *r, struct sm_trace_bin_state *b,
		    const struct rec *c, uint64_t v, struct smmusim_event *ev,
		    struct sm_errbuf *eb)
{
	uint64_t line = b->line + v;

	if (line > UINT32_MAX || line < 2 || (v == 0 && line != UINT32_MAX))
		return bin_err(r, eb, SMMUSIM_EPARSE, at(b, c->field),
			       "line %" PRIu32 "+%" PRIu64 " out of range "
			       "(%" PRIu32 "..%" PRIu32 ", after the previous "
			       "event's)",
			       b->line, v, b->line < 2 ? 2 : b->line + 1,
			       UINT32_MAX);
	ev->line = b->line = (uint32_t)line;
	return 0;
}

/* Time, column and line of an event of tag `tag`. */
static int read_position(struct sm_trace_reader *r,
			 struct sm_trace_bin_state *b, struct rec *c,
			 unsigned tag, struct smmusim_event *ev,
			 struct sm_errbuf *eb)
{
	unsigned tform = tag >> SM_TRACE_BIN_TIME_SHIFT & 3;
	const uint8_t *col_at = NULL;
	uint64_t v = 0, col = 0;
	int rc;

	if (tag & SM_TRACE_BIN_COLUMN) {
		GET(c, &col, "column");
		col_at = c->field;
	}
	if (tform == SM_TRACE_BIN_TIME_AFTER) {
		GET(c, &ev->time, "time");
	} else if (tform == SM_TRACE_BIN_TIME_AT) {
		GET(c, &v, "time");
		if (v > UINT64_MAX - b->last_at)
			return bin_err(r, eb, SMMUSIM_EPARSE, at(b, c->field),
				       "time stamp @%" PRIu64 "+%" PRIu64
				       " out of range (allowed @0..%" PRIu64
				       ")",
				       b->last_at, v, UINT64_MAX);
		ev->timing = SMMUSIM_AT;
		ev->time = b->last_at += v;
	}
	rc = set_column(r, b, col_at != NULL, col, col_at, ev, eb);
	if (rc < 0)
		return rc;
	GET(c, &v, "line");
	return set_line(r, b, c, v, ev, eb);
}

/* A value of key k out of its range, or not one of its words. */
static inline bool bad_value(const struct sm_trace_bin_fkey *k, uint64_t v)
{
	return v - k->min > k->span ||
	       (k->words && (v >= 64 || !(k->words >> v & 1)));
}

/* The keys of event plan p, in order: a varint for each one given.  The
 * defaults of the others are in p->tmpl already, unless two keys share a
 * field (then each default is stored in turn). */
static int read_keys(struct sm_trace_reader *r, struct sm_trace_bin_state *b,
		     struct rec *c, const struct sm_trace_bin_plan *p,
		     struct smmusim_event *ev, uint64_t *maskp,
		     struct sm_errbuf *eb)
{
	const uint8_t *q, *end = c->end;
	uint64_t mask = 0, v;
	unsigned n = p->n_keys;

	if (p->n_opt) {
		GET(c, &mask, "key mask");
		if (mask >> p->n_opt)
			return bin_err(r, eb, SMMUSIM_EPARSE, at(b, c->field),
				       "key mask 0x%" PRIx64 " names keys %s "
				       "does not have (it has %u optional)",
				       mask, smmusim_event_name(ev->type),
				       p->n_opt);
	}
	/* The cursor in a local: a store into *ev may alias anything in
	 * memory, c included. */
	q = c->p;
	for (unsigned i = 0; i < n; i++) {
		const struct sm_trace_bin_fkey *k = &p->fk[i];
		const uint8_t *f = q;

		if (k->opt & ~mask) { /* an optional key not given */
			if (!p->dflt_in_tmpl)
				sm_trace_bin_set(ev, &p->keys[i],
						 p->keys[i].dflt);
			continue;
		}
		if (q < end && *q < 0x80) {
			v = *q++; /* most are one byte */
		} else {
			int vi = get_varint(&q, end, &v);

			if (vi != VI_OK) {
				c->field = f;
				return varint_err(
				    r, b, c, vi, sm_trace_key_defs[k->key].name,
				    eb);
			}
		}
		if (k->delta)
			v = b->prev[k->key] += sm_trace_bin_unzigzag(v);
		if (__builtin_expect(bad_value(k, v), 0))
			return bin_err(r, eb, SMMUSIM_EPARSE, at(b, f),
				       "value %" PRIu64 " out of range for "
				       "key '%s' of %s",
				       v, sm_trace_key_defs[k->key].name,
				       smmusim_event_name(ev->type));
		sm_trace_store_field(ev, (enum sm_trace_key)k->key, k->off,
				     k->width, v);
	}
	c->p = q;
	*maskp = mask;
	return 0;
}

/* A cmd event's keys (the optional ones given: `mask`) must be fields of
 * its command, as in the text. */
static int check_cmd(struct sm_trace_reader *r, struct sm_trace_bin_state *b,
		     const struct rec *c, const struct sm_trace_bin_plan *p,
		     const struct smmusim_event *ev, uint64_t mask,
		     struct sm_errbuf *eb)
{
	for (unsigned i = 0; mask && i < p->n_keys; i++) {
		const struct sm_trace_bin_key *k = &p->keys[i];

		if (!k->required && (mask >> k->opt_bit & 1) &&
		    !sm_trace_cmd_has_key(ev->opcode,
					  (enum sm_trace_key)k->key))
			return bin_err(r, eb, SMMUSIM_EPARSE, at(b, c->start),
				       "%s has no field for key '%s'",
				       sm_trace_cmd_name(ev->opcode),
				       sm_trace_key_defs[k->key].name);
	}
	return 0;
}

static __attribute__((noinline)) int read_event(struct sm_trace_reader *r,
						struct sm_trace_bin_state *b,
						struct rec *c, unsigned tag,
						struct smmusim_event *ev,
						struct sm_errbuf *eb)
{
	const struct sm_trace_bin_plan *p;
	unsigned type = tag & SM_TRACE_BIN_TYPE_MASK;
	uint64_t mask = 0;
	int rc;

	if (type >= SMMUSIM_EV_COUNT_ ||
	    (tag >> SM_TRACE_BIN_TIME_SHIFT & 3) == 3)
		return bin_err(r, eb, SMMUSIM_EPARSE, at(b, c->start),
			       "bad event tag 0x%02x (event types 0..%u, "
			       "time forms 0..2)",
			       tag, SMMUSIM_EV_COUNT_ - 1);
	p = &b->lay.plan[type];
	/* A copy of the type's template (a handful of vector moves, where
	 * memset() of this size becomes a slow-starting `rep stos`). */
	memcpy(ev, &p->tmpl, sizeof(*ev));
	rc = read_position(r, b, c, tag, ev, eb);
	if (rc == 0)
		rc = read_keys(r, b, c, p, ev, &mask, eb);
	if (rc == 0 && ev->type == SMMUSIM_EV_CMD)
		rc = check_cmd(r, b, c, p, ev, mask, eb);
	if (rc < 0)
		return rc;
	b->pos = (size_t)(c->p - b->buf);
	b->events++;
	return 1;
}

/* ---------------------------------------------------------------------- */
/* The next record                                                        */
/* ---------------------------------------------------------------------- */

int sm_trace_bin_next_slow(struct sm_trace_reader *r, struct smmusim_event *ev,
			   struct sm_errbuf *eb)
{
	struct sm_trace_bin_state *b = r->bin;
	struct rec c;
	unsigned tag;

	if (b->ended)
		return 0;
	if (b->len - b->pos < SM_TRACE_BIN_MAX_RECORD && !b->in_eof) {
		refill(r, b);
		if (b->len - b->pos > SM_TRACE_BIN_MAX_RECORD)
			return sm_trace_bin_next(r, ev, eb);
	}
	if (b->pos == b->len) {
		if (b->in_err)
			return input_err(r, eb, b->in_err);
		return bin_err(r, eb, SMMUSIM_EPARSE, at(b, b->buf + b->pos),
			       "truncated binary trace: no end record after "
			       "%" PRIu64 " events",
			       b->events);
	}
	c.start = c.p = b->buf + b->pos;
	c.end = b->buf + b->len;
	tag = *c.p++;
	if (tag == SM_TRACE_BIN_END)
		return read_end(r, b, &c, eb);
	return read_event(r, b, &c, tag, ev, eb);
}
