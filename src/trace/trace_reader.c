/* SPDX-License-Identifier: MIT */
/*
 * Streaming reader of smmusim trace format v1 (docs/trace-format.md): the
 * header, then one event per line, put together from its tokens.
 *
 * Lines come from trace_lines.c, which also tokenizes them and positions
 * the messages; the events and their keys are the tables of trace_keys.c;
 * each value is parsed by trace_values.c.  What is left here is the shape
 * of a line: comments and blank lines dropped, the "smmusim-trace 1"
 * header, and "[TIME] KEYWORD key=value ..." with each key given at most
 * once and every required key present.  A line with the shape of the last
 * line of its length is read by that shape (trace_shape_read.h), first of
 * all; the token path here reads the others, gives every message, and has
 * each line it reads learnt.
 */
#include "trace/trace_reader.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <smmusim/error.h>

#include "trace/trace_binary.h"
#include "trace/trace_keys.h"
#include "trace/trace_lines.h"
#include "trace/trace_shape.h"
#include "trace/trace_shape_read.h"
#include "trace/trace_values.h"

/* ---------------------------------------------------------------------- */
/* Header                                                                 */
/* ---------------------------------------------------------------------- */

static int check_header(struct sm_trace_reader *r, const char *line, size_t len,
			struct sm_errbuf *eb)
{
	static const char expected[] =
	    "expected '" SM_TRACE_MAGIC " " SM_TRACE_VERSION "' header";
	struct sm_trace_tok magic = {0}, ver = {0}, extra = {0};
	size_t pos = 0, i;

	sm_trace_next_tok(line, len, &pos, &magic); /* the line is not blank */
	if (!sm_trace_tok_eq(magic.s, magic.len, SM_TRACE_MAGIC))
		return sm_trace_err(r, eb, SMMUSIM_EPARSE, magic.col, "%s",
				    expected);
	if (!sm_trace_next_tok(line, len, &pos, &ver))
		return sm_trace_err(r, eb, SMMUSIM_EPARSE, magic.col, "%s",
				    expected);
	for (i = 0; i < ver.len; i++)
		if (ver.s[i] < '0' || ver.s[i] > '9')
			return sm_trace_err(r, eb, SMMUSIM_EPARSE, ver.col,
					    "%s", expected);
	if (!sm_trace_tok_eq(ver.s, ver.len, SM_TRACE_VERSION))
		return sm_trace_err(
		    r, eb, SMMUSIM_EPARSE, ver.col,
		    "unsupported trace version " TOKF
		    " (this reader reads version " SM_TRACE_VERSION ")",
		    TOKA(ver.s, ver.len));
	if (sm_trace_next_tok(line, len, &pos, &extra))
		return sm_trace_err(r, eb, SMMUSIM_EPARSE, extra.col, "%s",
				    expected);
	r->header_done = true;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Events                                                                 */
/* ---------------------------------------------------------------------- */

/* The common case of a time prefix at the start of line[0..len): "+" or
 * "@", a plain number that a blank follows, and an @N not before the last;
 * *pos after the number, or false (nothing changed), and
 * sm_trace_parse_time() on the token decides and gives the message. */
static bool fast_time(struct sm_trace_reader *r, const char *line, size_t len,
		      size_t *pos, struct smmusim_event *ev)
{
	uint64_t v;
	size_t n = 0;

	if (len > 16)
		n = sm_trace_long_dec_at(line + 1, &r->time_hi_w, &r->time_hi_v,
					 &v);
	if (!n)
		n = sm_trace_number_at(line + 1, len - 1, &v);

	if (!n || n + 1 >= len || !sm_trace_is_blank(line[n + 1]))
		return false;
	if (line[0] == '+') {
		ev->timing = SMMUSIM_AFTER_PREV;
	} else {
		if (r->have_at && v < r->last_at)
			return false;
		ev->timing = SMMUSIM_AT;
	}
	ev->time = v;
	*pos = n + 1;
	return true;
}

/* The keyword of the line before, again (a trace holds runs of one
 * event): the sixteen bytes at line[i] (all in the line) start with it
 * and a blank follows; 1 + its row, or 0. */
static unsigned same_keyword(const struct sm_trace_reader *r, const char *line,
			     size_t i)
{
	const struct sm_trace_last_kw *c = &r->last_kw;
	uint64_t w0, w1;

	memcpy(&w0, line + i, 8);
	memcpy(&w1, line + i + 8, 8);
	if ((w0 & c->mask[0]) != c->w[0] || (w1 & c->mask[1]) != c->w[1] ||
	    !sm_trace_is_blank(line[i + c->len]))
		return 0;
	return c->row;
}

/* The keyword after a time prefix fast_time() read, from line[*pos] (a
 * blank, and a keyword: the line does not end with a blank), packed in the
 * pass that finds its end: *kw, and 1 + the row of its event, or 0 when
 * none (or longer than 15 bytes, for sm_trace_find_event() to decide). */
static unsigned fast_keyword(struct sm_trace_reader *r, const char *line,
			     size_t len, size_t *pos, struct sm_trace_tok *kw)
{
	const uint64_t ones = 0x0101010101010101ull, highs = ones * 0x80;
	struct sm_trace_last_kw *c = &r->last_kw;
	size_t i = *pos, n;
	uint64_t w0, w1 = 0, m;
	unsigned v;

	while (sm_trace_is_blank(line[i]))
		i++;
	if (c->row && len - i > 16 && (v = same_keyword(r, line, i))) {
		n = c->len;
		goto found;
	}
	/* the blanks, and the zeros past the line, flagged as in
	 * sm_trace_blank_at() (the lowest flag exact) */
	w0 = sm_trace_pack(line + i, len - i);
	m = (w0 - ones * 0x21) & ~w0 & highs;
	if (m) {
		n = (unsigned)__builtin_ctzll(m) >> 3;
		w0 &= (1ull << (8 * n)) - 1;
	} else {
		w1 = sm_trace_pack(line + i + 8, len - i - 8);
		m = (w1 - ones * 0x21) & ~w1 & highs;
		if (!m) {
			*kw = (struct sm_trace_tok){0};
			sm_trace_next_tok(line, len, pos, kw);
			return 0;
		}
		n = 8 + ((unsigned)__builtin_ctzll(m) >> 3);
		w1 &= (1ull << (8 * (n - 8))) - 1;
	}
	v = sm_trace_event_packed(&r->idx, w0, w1);
	if (v) {
		c->w[0] = w0;
		c->w[1] = w1;
		c->mask[0] = n >= 8 ? ~0ull : (1ull << (8 * n)) - 1;
		c->mask[1] = n > 8 ? (1ull << (8 * (n - 8))) - 1 : 0;
		c->len = (unsigned)n;
		c->row = v;
	}
found:
	kw->s = line + i;
	kw->len = n;
	kw->col = i + 1;
	*pos = i + n;
	return v;
}

/* The optional time prefix and the keyword: *kw and the event's row. */
static int parse_keyword(struct sm_trace_reader *r, const char *line,
			 size_t len, size_t *pos, struct smmusim_event *ev,
			 struct sm_trace_tok *kw,
			 const struct sm_trace_event_def **dp, unsigned *rowp,
			 struct sm_errbuf *eb)
{
	const struct sm_trace_event_def *d;
	struct sm_trace_tok t;
	char list[1024];
	unsigned v;
	int rc;

	if ((line[0] == '+' || line[0] == '@') &&
	    fast_time(r, line, len, pos, ev)) {
		v = fast_keyword(r, line, len, pos, kw);
		goto found;
	}
	sm_trace_next_tok(line, len, pos, &t); /* the line is not blank */
	if (t.s[0] == '+' || t.s[0] == '@') {
		rc = sm_trace_parse_time(r, &t, ev, eb);
		if (rc < 0)
			return rc;
		if (!sm_trace_next_tok(line, len, pos, kw))
			return sm_trace_err(r, eb, SMMUSIM_EPARSE, t.col,
					    "time prefix '" TOKF
					    "' without an event keyword",
					    TOKA(t.s, t.len));
	} else {
		*kw = t;
	}
	v = kw->len - 1 < 16 ? sm_trace_event_at(&r->idx, kw->s, kw->len) : 0;
found:
	d = v ? &r->idx.defs[v - 1]
	      : sm_trace_find_event(&r->idx, kw->s, kw->len);
	if (!d) {
		sm_trace_list_events(list, sizeof(list));
		return sm_trace_err(r, eb, SMMUSIM_EPARSE, kw->col,
				    "unknown event '" TOKF
				    "' (known events: %s)",
				    TOKA(kw->s, kw->len), list);
	}
	ev->type = d->type;
	ev->column = kw->col > UINT32_MAX ? UINT32_MAX : (uint32_t)kw->col;
	*dp = d;
	*rowp = v ? v - 1 : sm_trace_event_row(d);
	return 0;
}

/* One "key=value" token `t` of event `d`; seen[] holds the column of each
 * key already given (0 = none), *given their positions in d->keys. */
__attribute__((cold, noinline)) static int
parse_key_value(struct sm_trace_reader *r, const struct sm_trace_event_def *d,
		const struct sm_trace_tok *t, size_t *seen, uint32_t *given,
		struct smmusim_event *ev, struct sm_errbuf *eb)
{
	const char *eq = memchr(t->s, '=', t->len);
	const struct sm_trace_ev_key *k;
	const char *name;
	char list[1024];
	size_t klen;
	struct sm_trace_tok v;
	uint64_t val;
	int rc;

	if (!eq || eq == t->s)
		return sm_trace_err(r, eb, SMMUSIM_EPARSE, t->col,
				    "malformed token '" TOKF
				    "': expected key=value",
				    TOKA(t->s, t->len));
	klen = (size_t)(eq - t->s);
	k = sm_trace_find_key(&r->idx, d, t->s, klen);
	if (!k) {
		sm_trace_list_keys(d, false, list, sizeof(list));
		return sm_trace_err(
		    r, eb, SMMUSIM_EPARSE, t->col,
		    "unknown key '" TOKF "' for %s (allowed keys: %s)",
		    TOKA(t->s, klen), smmusim_event_name(d->type), list);
	}
	name = sm_trace_key_defs[k->key].name;
	if (seen[k->key])
		return sm_trace_err(r, eb, SMMUSIM_EPARSE, t->col,
				    "duplicate key '%s' (first given at "
				    "column %zu)",
				    name, seen[k->key]);
	seen[k->key] = t->col;
	v.s = eq + 1;
	v.len = t->len - klen - 1;
	v.col = t->col + klen + 1;
	if (v.len == 0)
		return sm_trace_err(r, eb, SMMUSIM_EPARSE, t->col,
				    "empty value for key '%s'", name);
	rc = sm_trace_parse_value(r, (enum sm_trace_key)k->key, &v, &val, eb);
	if (rc < 0)
		return rc;
	sm_trace_set_field(ev, (enum sm_trace_key)k->key, val);
	*given |= 1u << (k - d->keys);
	return 0;
}

/* The offset of the first '=', blank or NUL (padding) byte of the packed
 * w, 8 if none: the exact "has a zero byte" test of each, whose lowest
 * flag is the first such byte. */
static unsigned key_end(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ull, low7 = ones * 0x7f;
#define ZERO_BYTES(y) (~((((y)&low7) + low7) | (y) | low7))
	uint64_t m = ZERO_BYTES(w ^ (ones * '=')) |
		     ZERO_BYTES(w ^ (ones * ' ')) |
		     ZERO_BYTES(w ^ (ones * '\t')) | ZERO_BYTES(w);
#undef ZERO_BYTES

	return m ? (unsigned)__builtin_ctzll(m) >> 3 : 8;
}

/* The common case of the token at p[0..end - p): a key of event row `row`
 * (its slots; *next, the slot tried first) of up to 7 bytes given once,
 * '=', and a value sm_trace_fast_value() takes, read in one pass; the end
 * of the value (the blank after it, or `end`), or NULL (nothing changed
 * but *next) for parse_key_value() to decide and give the message. */
static const char *fast_key_value(const struct sm_trace_reader *r, unsigned row,
				  const struct sm_trace_key_slot *slots,
				  const char *p, const char *end,
				  const struct sm_trace_key_slot **next,
				  uint32_t *given, struct smmusim_event *ev)
{
	const struct sm_trace_index *ix = &r->idx;
	uint64_t w = sm_trace_pack(p, (size_t)(end - p)), val;
	const struct sm_trace_key_slot *ks = *next;
	unsigned klen, hint;
	uint32_t bit;
	size_t vlen;
	int pos;

	if ((w & ks->mask) == ks->eq) {
		/* the key after the last one, as documented (the end slots
		 * match nothing) */
	} else if ((w & ks[1].mask) == ks[1].eq) {
		/* the one after it: an optional key left out */
		ks++;
	} else {
		klen = key_end(w);
		if (klen == 0 || klen == 8 || (w >> (8 * klen) & 0xff) != '=')
			return NULL;
		hint = (unsigned)(ks - slots);
		pos = sm_trace_key_pos(ix, row, w & ((1ull << (8 * klen)) - 1),
				       &hint);
		if (pos < 0)
			return NULL;
		ks = &slots[pos];
	}
	*next = ks + 1;
	bit = 1u << (ks - slots);
	if (*given & bit)
		return NULL; /* given twice */
	p += ks->klen + 1;
	vlen = sm_trace_fast_value(ix, ks, p, (size_t)(end - p),
				   r->readable_end, &val);
	if (!vlen)
		return NULL;
	*given |= bit;
	sm_trace_store_field(ev, (enum sm_trace_key)ks->key, ks->off, ks->width,
			     val);
	return p + vlen;
}

/* Keys not given: an error if required (the first in documented order),
 * else their default (the template's already). */
__attribute__((cold, noinline)) static int
fill_defaults(struct sm_trace_reader *r, const struct sm_trace_event_def *d,
	      const struct sm_trace_tok *kw, const size_t *seen,
	      struct smmusim_event *ev, struct sm_errbuf *eb)
{
	char list[1024];

	for (const struct sm_trace_ev_key *k = d->keys; k->key != K_NONE; k++) {
		if (seen[k->key])
			continue;
		if (k->required) {
			sm_trace_list_keys(d, true, list, sizeof(list));
			return sm_trace_err(r, eb, SMMUSIM_EPARSE, kw->col,
					    "missing required key '%s' for %s "
					    "(required: %s)",
					    sm_trace_key_defs[k->key].name,
					    smmusim_event_name(d->type), list);
		}
		sm_trace_set_field(ev, (enum sm_trace_key)k->key,
				   sm_trace_key_defs[k->key].dflt);
	}
	return 0;
}

/* A cmd line's keys must be fields of its command: leaf=1 on
 * cfgi_ste_range names a bit that command does not have (its word 1 bit 0
 * is Range's), so it is refused rather than dropped. */
__attribute__((cold, noinline)) static int
check_cmd_keys(struct sm_trace_reader *r, const struct sm_trace_event_def *d,
	       const size_t *seen, const struct smmusim_event *ev,
	       struct sm_errbuf *eb)
{
	enum sm_trace_key k = sm_trace_cmd_stray_key(d, ev->opcode, seen);
	char list[256];

	if (k == K_NONE)
		return 0;
	sm_trace_list_cmd_keys(d, ev->opcode, list, sizeof(list));
	return sm_trace_err(r, eb, SMMUSIM_EPARSE, seen[k],
			    "%s has no field for key '%s' (its keys: %s)",
			    sm_trace_cmd_name(ev->opcode),
			    sm_trace_key_defs[k].name, list);
}

/* seen[] of the keys of event d as the tokens of line[from..to) give them
 * (each one a key of d given once, as parsed so far), 0 for the others:
 * for the paths that read seen[] (columns for their messages), which the
 * fast path does not write. */
__attribute__((cold, noinline)) static void
rebuild_seen(const struct sm_trace_reader *r,
	     const struct sm_trace_event_def *d, const char *line, size_t from,
	     size_t to, size_t *seen)
{
	struct sm_trace_tok t;
	const struct sm_trace_ev_key *k;
	const char *eq;

	for (unsigned i = 0; d->keys[i].key != K_NONE; i++)
		seen[d->keys[i].key] = 0;
	while (sm_trace_next_tok(line, to, &from, &t)) {
		eq = memchr(t.s, '=', t.len);
		k = eq ? sm_trace_find_key(&r->idx, d, t.s, (size_t)(eq - t.s))
		       : NULL;
		if (k)
			seen[k->key] = t.col;
	}
}

/* Does a key given (`given`, positions in d->keys) name no field of
 * command `op`?  Then check_cmd_keys() finds the leftmost. */
static bool cmd_stray(const struct sm_trace_event_def *d, unsigned op,
		      uint32_t given)
{
	for (unsigned i = 0; d->keys[i].key != K_NONE; i++)
		if ((given & (1u << i)) &&
		    !sm_trace_cmd_has_key(op,
					  (enum sm_trace_key)d->keys[i].key))
			return true;
	return false;
}

/* The event starts from its template (trace_keys.h: its type and the
 * defaults of its optional keys); the keys given overwrite their fields. */
__attribute__((always_inline)) static inline int
parse_event(struct sm_trace_reader *r, const char *line, size_t len,
	    struct smmusim_event *ev, unsigned *rowp, struct sm_errbuf *eb)
{
	/* The column of each key given, 0 = none: only the entries of the
	 * event's own keys are read, and only by the slow paths, which fill
	 * it from the tokens parsed first (rebuild_seen()). */
	size_t seen[K_COUNT_];
	const struct sm_trace_event_def *d = NULL;
	struct sm_trace_tok t, kw;
	struct smmusim_event head;
	size_t pos = 0, keys_at;
	const struct sm_trace_key_slot *slots, *next;
	unsigned row = 0;
	uint32_t given = 0;
	int rc;

	head.timing = SMMUSIM_AFTER_PREV;
	head.time = 0;
	rc = parse_keyword(r, line, len, &pos, &head, &kw, &d, &row, eb);
	if (rc < 0)
		return rc;
	keys_at = pos;
	slots = r->idx.slot_at[row] == SM_TRACE_NO_SLOTS
		    ? NULL
		    : &r->idx.slot[r->idx.slot_at[row]];
	next = slots;
	*ev = r->idx.tmpl[row];
	ev->timing = head.timing;
	ev->time = head.time;
	ev->line = r->line;
	ev->column = head.column;
	for (const char *p = line + pos, *end = line + len, *q;;) {
		uint32_t g;

		while (p < end && sm_trace_is_blank(*p))
			p++;
		if (p >= end)
			break;
		/* keys the fast path reads, one after the other while one
		 * blank separates them (the line does not end with a blank:
		 * a token follows the blank after a value) */
		while (slots && (q = fast_key_value(r, row, slots, p, end,
						    &next, &given, ev))) {
			if (q == end)
				goto keys_read;
			p = q + 1;
			if (sm_trace_is_blank(*p))
				goto next_token;
		}
		pos = (size_t)(p - line);
		rebuild_seen(r, d, line, keys_at, pos, seen);
		sm_trace_next_tok(line, len, &pos, &t);
		g = given; /* given itself stays out of memory */
		rc = parse_key_value(r, d, &t, seen, &g, ev, eb);
		if (rc < 0)
			return rc;
		given = g;
		p = line + pos;
	next_token:;
	}
keys_read:
	if ((given & r->idx.required[row]) != r->idx.required[row]) {
		rebuild_seen(r, d, line, keys_at, len, seen);
		rc = fill_defaults(r, d, &kw, seen, ev, eb);
		if (rc < 0)
			return rc;
	}
	if (ev->type == SMMUSIM_EV_CMD && cmd_stray(d, ev->opcode, given)) {
		rebuild_seen(r, d, line, keys_at, len, seen);
		rc = check_cmd_keys(r, d, seen, ev, eb);
		if (rc < 0)
			return rc;
	}

	if (ev->timing == SMMUSIM_AT) {
		r->have_at = true;
		r->last_at = ev->time;
		r->last_at_line = r->line;
	}
	*rowp = row;
	return 1;
}

/* ---------------------------------------------------------------------- */
/* Shapes (trace_shape.h)                                                 */
/* ---------------------------------------------------------------------- */

/* The event of line[0..len) by its shape, an @N not earlier than the
 * last (else the token path gives the message), or false. */
static inline bool shape_event(struct sm_trace_reader *r, const char *line,
			       size_t len, const char *readable_end,
			       struct smmusim_event *ev)
{
	return sm_trace_shape_read(r->shapes, &r->idx, line, len, readable_end,
				   ev) &&
	       (ev->timing != SMMUSIM_AT || !r->have_at ||
		ev->time >= r->last_at);
}

/* The event that shape_event() read, of line r->line: 1. */
static inline int shape_done(struct sm_trace_reader *r,
			     struct smmusim_event *ev)
{
	ev->line = r->line;
	if (ev->timing == SMMUSIM_AT) {
		r->have_at = true;
		r->last_at = ev->time;
		r->last_at_line = r->line;
	}
	return 1;
}

/*
 * The common case of all: the next line is as long as the last event's
 * line (r->last_len: a trace holds runs of one event) and has its shape.
 * The shape's bytes hold no control byte and no '#' and its values are
 * digits or words, so that a line of its length ended by "\n" needs no
 * scan of its own (sm_trace_fast_line()): it is handed out as that would
 * (the input past its newline, the flags kept), with its event; else
 * false, nothing changed but *ev.
 */
__attribute__((always_inline)) static inline bool
same_length_line(struct sm_trace_reader *r, struct smmusim_event *ev)
{
	struct sm_input *in = &r->in;
	const char *s = in->cur;
	size_t len = r->last_len;

	if (!len || in->line_len || in->end - s <= (ptrdiff_t)len ||
	    s[len] != '\n' || !shape_event(r, s, len, in->end, ev))
		return false;
	in->cur = s + len + 1;
	in->lineno++;
	if (r->line < UINT32_MAX)
		r->line++;
	r->readable_end = in->end;
	return true;
}

/* ---------------------------------------------------------------------- */
/* Lines                                                                  */
/* ---------------------------------------------------------------------- */

/* Drop the comment (from offset `hash`, the line's first '#') and the
 * blanks around what is left: the text is then
 * line[*startp..*lenp), empty for a blank or comment-only line.  (The line
 * holds no control byte: the line's reader refused it.) */
static void strip_line(const char *line, size_t hash, size_t *lenp,
		       size_t *startp)
{
	size_t len = hash, i;

	/* the comment dropped */
	while (len > 0 && sm_trace_is_blank(line[len - 1]))
		len--;
	for (i = 0; i < len && sm_trace_is_blank(line[i]); i++)
		;
	*startp = i;
	*lenp = len;
}

/* A line the input's block does not hold whole (sm_trace_fast_line() did
 * not cut it), or the end: *lp, and 1; 0 at the end; < 0 on error. */
__attribute__((noinline)) static int slow_next_line(struct sm_trace_reader *r,
						    struct sm_trace_tok *lp,
						    size_t *hashp,
						    struct sm_errbuf *eb)
{
	int rc = sm_trace_slow_line(r, &lp->s, &lp->len, hashp, eb);

	if (rc != 0)
		return rc;
	if (r->header_done)
		return 0;
	if (r->line < UINT32_MAX)
		r->line++;
	return sm_trace_err(r, eb, SMMUSIM_EPARSE, 1,
			    "expected '" SM_TRACE_MAGIC " " SM_TRACE_VERSION
			    "' header, found end of file");
}

/* sm_trace_next() but for its most common line (same_length_line()). */
__attribute__((noinline)) static int next_event(struct sm_trace_reader *r,
						struct smmusim_event *ev,
						struct sm_errbuf *eb)
{
	unsigned row;
	int rc;

	if (!r || !ev)
		return sm_err(eb, SMMUSIM_EINVAL,
			      "sm_trace_next: NULL argument");
	if (r->err) {
		sm_trace_copy_err(r, eb);
		return r->err;
	}
	if (!r->sniffed && (rc = sm_trace_sniff(r, eb)) < 0)
		return rc;
	if (r->bin)
		return sm_trace_bin_next(r, ev, eb);
	for (;;) {
		/* the line in locals the slow path does not see (they stay
		 * in registers) */
		size_t len, hash, start = 0;
		const char *line;

		if (!sm_trace_fast_line(r, &line, &len, &hash)) {
			struct sm_trace_tok l;
			size_t h;

			rc = slow_next_line(r, &l, &h, eb);
			if (rc <= 0)
				return rc;
			line = l.s;
			len = l.len;
			hash = h;
		}
		if (hash && !sm_trace_is_blank(line[hash - 1])) {
			len = hash; /* not blank: nothing to strip */
		} else {
			strip_line(line, hash, &len, &start);
			if (start == len)
				continue; /* blank or comment-only line */
		}
		if (!r->header_done) {
			rc = check_header(r, line, len, eb);
			if (rc < 0)
				return rc;
			continue;
		}
		r->last_len = len;
		if (shape_event(r, line, len, r->readable_end, ev))
			return shape_done(r, ev);
		rc = parse_event(r, line, len, ev, &row, eb);
		if (rc > 0)
			sm_trace_shape_learn(r->shapes, &r->idx, line, len, row,
					     ev);
		return rc;
	}
}

/* A line as long as the last event's (r->last_len: past the header of a
 * text trace) is tried first, with no other work; next_event() reads any
 * other line and gives every error. */
int sm_trace_next(struct sm_trace_reader *r, struct smmusim_event *ev,
		  struct sm_errbuf *eb)
{
	if (r && ev && !r->err && same_length_line(r, ev))
		return shape_done(r, ev);
	return next_event(r, ev, eb);
}
