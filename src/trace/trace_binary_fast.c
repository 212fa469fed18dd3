/* SPDX-License-Identifier: MIT */
/*
 * The fast path of the binary trace decoder (docs/trace-format.md, "Binary
 * form"): sm_trace_bin_next() decodes the common record when a longest
 * record's bytes (SM_TRACE_BIN_MAX_RECORD) are staged after its tag, so
 * that no varint needs a bounds check.  Anything unusual (a column given,
 * an end record, a cmd event, a plan whose defaults are not in its
 * template, a varint of more than 64 bits or a value out of its key's
 * range) gives up before the decoder's state has changed, and the full
 * decoder of trace_binary_read.c then decodes the record again and
 * reports exactly what it reports.  *ev may be half written when it gives
 * up: the full decoder writes all of it again.
 *
 * The keys of a record are those its plan requires and those its mask
 * names.  Each event type keeps the program of the last mask a record of
 * it came with: one op per key present, whose kind says how the value is
 * checked and stored, each op's code jumping straight to the next op's
 * (threaded code, GNU C labels as values), so the loop over the keys of a
 * record tests neither the mask, nor the width, nor whether a key is a
 * delta, nor whether it is the last.
 */
#include "trace/trace_binary_state.h"

#include <string.h>

#include "trace/trace_lines.h"

/* ---------------------------------------------------------------------- */
/* Varints                                                                */
/* ---------------------------------------------------------------------- */

/* A varint of three bytes or more (fast_varint; GETV: five or more): the cursor
 * past it and its value, in registers (a pointer to the cursor would keep it in
 * memory); NULL: too long. */
struct long_vi {
	const uint8_t *q;
	uint64_t v;
};

static __attribute__((noinline)) struct long_vi long_varint(const uint8_t *q)
{
	/* its first two bytes have bit 7 set (the callers read them) */
	uint64_t x = (q[0] & 0x7fu) | (uint64_t)(q[1] & 0x7fu) << 7, c;

	q += 2;
	for (unsigned shift = 14; shift < 63; shift += 7) {
		c = *q++;
		x |= (c & 0x7f) << shift;
		if (c < 0x80)
			return (struct long_vi){q, x};
	}
	c = *q++; /* bit 63 */
	if (c > 1)
		return (struct long_vi){NULL, 0};
	return (struct long_vi){q, x | c << 63};
}

/* An unsigned LEB128 number at *pp with room for its longest form (10
 * bytes): false if it is longer than 64 bits. */
static inline bool fast_varint(const uint8_t **pp, uint64_t *v)
{
	const uint8_t *p = *pp;

	if (p[0] < 0x80) {
		*v = p[0];
		*pp = p + 1;
	} else if (p[1] < 0x80) {
		*v = (p[0] & 0x7fu) | (uint64_t)p[1] << 7;
		*pp = p + 2;
	} else {
		struct long_vi l = long_varint(p);
		if (!l.q)
			return false;
		*v = l.v;
		*pp = l.q;
	}
	return true;
}

/* A varint into v from q: one to four bytes inline (most are; the
 * deltas of addresses often take three or four), else `fail`. */
#define GETV(fail)                                                             \
	do {                                                                   \
		v = q[0];                                                      \
		if (__builtin_expect(v < 0x80, 1)) {                           \
			q++;                                                   \
		} else if (q[1] < 0x80) {                                      \
			v = (v & 0x7f) | (uint64_t)q[1] << 7;                  \
			q += 2;                                                \
		} else if (q[2] < 0x80) {                                      \
			v = (v & 0x7f) | (uint64_t)(q[1] & 0x7f) << 7 |        \
			    (uint64_t)q[2] << 14;                              \
			q += 3;                                                \
		} else if (q[3] < 0x80) {                                      \
			v = (v & 0x7f) | (uint64_t)(q[1] & 0x7f) << 7 |        \
			    (uint64_t)(q[2] & 0x7f) << 14 |                    \
			    (uint64_t)q[3] << 21;                              \
			q += 4;                                                \
		} else {                                                       \
			struct long_vi l_ = long_varint(q);                    \
			if (!l_.q)                                             \
				goto fail;                                     \
			q = l_.q;                                              \
			v = l_.v;                                              \
		}                                                              \
	} while (0)

/* ---------------------------------------------------------------------- */
/* Programs                                                               */
/* ---------------------------------------------------------------------- */

void sm_trace_bin_prog_init(struct sm_trace_bin_state *b)
{
	for (unsigned t = 0; t < SMMUSIM_EV_COUNT_; t++) {
		const struct sm_trace_bin_plan *p = &b->lay.plan[t];

		b->prog[t].tmpl = p->fast ? &p->tmpl : NULL;
		b->prog[t].n_opt = p->n_opt;
		b->prog[t].mask = UINT64_MAX;
	}
	for (unsigned tag = 0; tag < 256; tag++) {
		unsigned type = tag & SM_TRACE_BIN_TYPE_MASK;
		unsigned tform = tag >> SM_TRACE_BIN_TIME_SHIFT;

		b->by_tag[tag] = type < SMMUSIM_EV_COUNT_ &&
					 tform <= SM_TRACE_BIN_TIME_AT &&
					 b->prog[type].tmpl
				     ? &b->prog[type]
				     : NULL;
	}
	/* the times of one digit: "@N " puts the keyword at column 4 */
	b->col_lo = 0;
	b->col_span = 9;
	b->col = 4;
}

/* The program of event type `type` for `mask` (checked against its plan
 * already), each op's code from go[] by its kind. */
static __attribute__((noinline)) void make_prog(struct sm_trace_bin_state *b,
						unsigned type, uint64_t mask,
						const void *const go[OP_COUNT_])
{
	const struct sm_trace_bin_plan *p = &b->lay.plan[type];
	struct sm_trace_bin_prog *g = &b->prog[type];
	struct sm_trace_bin_op *o = g->op;

	for (unsigned i = 0; i < p->n_keys; i++) {
		const struct sm_trace_bin_fkey *k = &p->fk[i];
		unsigned w = k->width == 8 ? 2 : k->width == 4 ? 1 : 0;

		if (k->opt & ~mask)
			continue; /* its default is in the template */
		o->off = k->off;
		o->key = k->key;
		o->prev = &b->prev[k->key];
		if (k->words) { /* min 0, span all: the words only */
			o->kind = (uint8_t)(OP_W1 + w);
			o->a = k->words;
		} else {
			o->kind = (uint8_t)((k->delta ? OP_D1 : OP_P1) + w);
			if (o->kind == OP_D8 && !k->check)
				o->kind = OP_D8U;
			o->a = k->min;
			o->b = k->span;
		}
		o->go = go[o->kind];
		o++;
	}
	o->kind = OP_END;
	o->go = go[OP_END];
	g->mask = mask;
}

/* Undo the changes the first n ops of program g made to b->prev[], their
 * values read again from q: the full decoder must start from the state
 * before the record. */
static __attribute__((cold, noinline)) void
undo_deltas(struct sm_trace_bin_state *b, const struct sm_trace_bin_prog *g,
	    const uint8_t *q, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++) {
		const struct sm_trace_bin_op *o = &g->op[i];

		fast_varint(&q, &v); /* read before: it is not too long */
		if (o->kind >= OP_D1 && o->kind <= OP_D8U)
			b->prev[o->key] -= sm_trace_bin_unzigzag(v);
	}
}

/* Undo what fast_position() and the first n ops of program g did to b
 * for the record at b->pos, its time, line, mask and values read again:
 * the full decoder must start from the state before the record. */
static __attribute__((cold, noinline)) void
undo_record(struct sm_trace_bin_state *b, const struct sm_trace_bin_prog *g,
	    unsigned n)
{
	const uint8_t *q = b->buf + b->pos;
	unsigned tform = *q++ >> SM_TRACE_BIN_TIME_SHIFT;
	uint64_t v = 0;

	/* each read before: none is too long */
	if (tform == SM_TRACE_BIN_TIME_AT) {
		fast_varint(&q, &v);
		b->last_at -= v;
	} else if (tform == SM_TRACE_BIN_TIME_AFTER) {
		fast_varint(&q, &v);
	}
	b->line -= *q++;
	if (!n)
		return; /* the mask may not have been read */
	if (g->n_opt)
		fast_varint(&q, &v);
	undo_deltas(b, g, q, n);
}

/* ---------------------------------------------------------------------- */
/* Records                                                                */
/* ---------------------------------------------------------------------- */

/* The keyword column of an event whose time has other digits than the
 * last one's (or was 0): sm_trace_bin_canon_column(), and the times of
 * as many digits, which give the same column, remembered. */
static __attribute__((noinline)) uint32_t
column_of(struct sm_trace_bin_state *b, const struct smmusim_event *ev)
{
	uint32_t col = sm_trace_bin_canon_column(ev);
	uint64_t lo = 0, hi = 9;

	for (uint32_t d = 1; d < col - 3; d++) { /* col: digits + 3 */
		lo = hi + 1;
		hi = hi > UINT64_MAX / 10 ? UINT64_MAX : hi * 10 + 9;
	}
	b->col_lo = lo;
	b->col_span = hi - lo;
	b->col = col;
	return col;
}

/* The column of an event with a time prefix ("+N " or "@N ", N = t). */
static inline uint32_t fast_column(struct sm_trace_bin_state *b,
				   const struct smmusim_event *ev, uint64_t t)
{
	if (__builtin_expect(t - b->col_lo <= b->col_span, 1))
		return b->col;
	return column_of(b, ev);
}

/* Time, keyword column and line of the record at *qp (time form tform,
 * its type has a fast path) into *ev, and the new last @ time and line
 * into b (undo_position() takes them back).  False: leave it to the full
 * decoder, b unchanged. */
static inline bool fast_position(struct sm_trace_bin_state *b,
				 const uint8_t **qp, unsigned tform,
				 struct smmusim_event *ev)
{
	const uint8_t *q = *qp;
	uint64_t v, line, at = b->last_at;

	if (tform == SM_TRACE_BIN_TIME_AT) {
		GETV(no);
		if (v > UINT64_MAX - at)
			return false;
		ev->timing = SMMUSIM_AT;
		ev->time = at += v;
		ev->column = fast_column(b, ev, at);
	} else if (tform == SM_TRACE_BIN_TIME_AFTER) {
		GETV(no);
		ev->time = v;
		/* "+0" is written as no prefix */
		ev->column = v ? fast_column(b, ev, v) : 1;
	} else {
		ev->column = 1; /* the template's time: 0 after the last */
	}
	/* the line: one byte, not 0, giving a line in 2..UINT32_MAX (one
	 * compare: line - 2 wraps below 2) */
	v = *q++;
	line = b->line + v;
	if (v - 1 >= 0x7f || line - 2 > UINT32_MAX - 2)
		return false;
	ev->line = b->line = (uint32_t)line;
	b->last_at = at;
	*qp = q;
	return true;
no:
	return false;
}

/* Check value v of op o: in its range, or one of its words. */
#define RANGE(o) (__builtin_expect(v - (o)->a > (o)->b, 0))
#define WORD(o) (__builtin_expect(v >= 64 || !((o)->a >> v & 1), 0))
#define DELTA(o) (v = *(o)->prev += sm_trace_bin_unzigzag(v))
#define PUT8(o) memcpy(e + (o)->off, &v, 8)
#define PUT4(o) (v32 = (uint32_t)v, memcpy(e + (o)->off, &v32, 4))
#define PUT1(o) (on = v != 0, memcpy(e + (o)->off, &on, 1))
/* Op o: its value (`fail` if too long), `pre`, then `fail` if `bad`, else
 * `put` and on to the next op. */
#define KEY(pre, bad, fail, put)                                               \
	do {                                                                   \
		GETV(long_);                                                   \
		pre;                                                           \
		if (bad)                                                       \
			goto fail;                                             \
		put;                                                           \
		goto *(++o)->go;                                               \
	} while (0)

int sm_trace_bin_next(struct sm_trace_reader *r, struct smmusim_event *ev,
		      struct sm_errbuf *eb)
{
	static const void *const go[OP_COUNT_] = {
	    [OP_P1] = &&p1, [OP_P4] = &&p4, [OP_P8] = &&p8,   [OP_D1] = &&d1,
	    [OP_D4] = &&d4, [OP_D8] = &&d8, [OP_D8U] = &&d8u, [OP_W1] = &&w1,
	    [OP_W4] = &&w4, [OP_W8] = &&w8, [OP_END] = &&end,
	};
	struct sm_trace_bin_state *b = r->bin;
	unsigned char *e = (unsigned char *)ev;
	const struct sm_trace_bin_prog *g;
	const struct sm_trace_bin_op *o;
	const uint8_t *q;
	uint64_t v, mask = 0;
	unsigned tag, type, tform, undo;
	uint32_t v32;
	bool on;

	if (__builtin_expect(b->pos >= b->fast_end, 0))
		return sm_trace_bin_next_slow(r, ev, eb);
	q = b->buf + b->pos;
	tag = *q++;
	g = b->by_tag[tag];
	if (!g)
		goto slow; /* also the end record */
	type = tag & SM_TRACE_BIN_TYPE_MASK;
	tform = tag >> SM_TRACE_BIN_TIME_SHIFT;
	memcpy(ev, g->tmpl, sizeof(*ev));
	if (!fast_position(b, &q, tform, ev))
		goto slow;
	if (g->n_opt) {
		GETV(unpos);
		mask = v;
	}
	/* g->mask is one its plan allows (or UINT64_MAX, which none is) */
	if (__builtin_expect(g->mask != mask, 0)) {
		if (mask >> g->n_opt)
			goto unpos;
		make_prog(b, type, mask, go);
	}
	o = g->op;
	goto * o->go;
	/* each op: its value, checked, stored, then the next op */
p1:
	KEY((void)0, RANGE(o), bad, PUT1(o));
p4:
	KEY((void)0, RANGE(o), bad, PUT4(o));
p8:
	KEY((void)0, RANGE(o), bad, PUT8(o));
d1:
	KEY(DELTA(o), RANGE(o), bad_d, PUT1(o));
d4:
	KEY(DELTA(o), RANGE(o), bad_d, PUT4(o));
d8:
	KEY(DELTA(o), RANGE(o), bad_d, PUT8(o));
d8u:
	KEY(DELTA(o), 0, bad_d, PUT8(o));
w1:
	KEY((void)0, WORD(o), bad, PUT1(o));
w4:
	KEY((void)0, WORD(o), bad, PUT4(o));
w8:
	KEY((void)0, WORD(o), bad, PUT8(o));
end:
	b->pos = (size_t)(q - b->buf);
	b->events++;
	return 1;
bad_d: /* its delta is undone too */
	undo = (unsigned)(o - g->op) + 1;
	goto undo;
bad:
long_:
	undo = (unsigned)(o - g->op);
	goto undo;
unpos:
	undo = 0;
undo:
	undo_record(b, g, undo);
slow:
	return sm_trace_bin_next_slow(r, ev, eb);
}
