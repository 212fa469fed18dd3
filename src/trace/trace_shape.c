/* SPDX-License-Identifier: MIT */
/*
 * Line shapes (trace_shape.h): learning and reading them.
 *
 * Learning: after the token path of trace_reader.c has read a line with
 * no error, its bytes are split into the value digits, which the next line
 * of its shape may change, and the rest, which it must repeat.  Only values
 * that the reading takes are learnt -- a time prefix of 1 to 16 decimal
 * digits; a number of 1 to 16 decimal digits, or 0x and 1 to 16 hex
 * digits, with a len's K, M or G suffix; a word of its key of up to 8
 * bytes -- each read to the value that the token path gives
 * (trace_values.h: sm_trace_fast_value(), and sm_parse_u64() for a
 * suffix); a line with any other value (a name longer than 7 bytes, a
 * command's opcode) keeps no shape.
 *
 * Reading (trace_shape_read.h, inline in the reader's loop): one masked
 * comparison of the line's bytes (sixteen at a time) with the shape's,
 * then each value at its place: a chunk of up to eight digits checked and
 * converted with word (or SSE2) operations (trace_values.h), or not at all
 * when it repeats the last line's.
 */
#include "trace/trace_shape.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/parse.h"
#include "trace/trace_lines.h"
#include "trace/trace_values.h"

/* ---- learning ---- */

/* Are s[0..n) all digits of the kind? */
static bool all_digits(const char *s, size_t n, bool hex)
{
	for (size_t i = 0; i < n; i++)
		if (!(hex ? sm_trace_is_hex(s[i]) : sm_trace_is_dec(s[i])))
			return false;
	return true;
}

/* Add the value line[off..off + n) of kind `kind` (slot `slot`) to sh,
 * its digits out of the bytes it must repeat; false when it holds no
 * more. */
static bool add_value(struct sm_trace_shape *sh,
		      const struct sm_trace_index *ix, size_t off, size_t n,
		      unsigned kind, uint16_t slot, unsigned shift)
{
	struct sm_trace_shape_val *v = &sh->val[sh->n_vals];
	size_t first = n > 8 ? n - 8 : n;
	unsigned char *mask = (unsigned char *)sh->mask;

	if (sh->n_vals == SM_TRACE_SHAPE_VALS + 1 || n == 0 || n > 16)
		return false;
	v->off = (uint8_t)off;
	v->len = (uint8_t)n;
	v->kind = (uint8_t)kind;
	v->slot = slot;
	v->shift = (uint8_t)shift;
	v->two = n > 8;
	v->first = (uint8_t)first;
	v->span = UINT64_MAX;
	if (slot != UINT16_MAX) {
		v->span = ix->slot[slot].span;
		v->min = ix->slot[slot].min;
		v->key = ix->slot[slot].key;
		v->foff = ix->slot[slot].off;
		v->fwidth = ix->slot[slot].width;
	}
	v->keep = first == 8 ? ~0ull : (1ull << (8 * first)) - 1;
	memset(mask + off, 0, n);
	if (off + 16 > sh->reach)
		sh->reach = (uint16_t)(off + 16);
	sh->n_vals++;
	return true;
}

/* The value of key=value token t of event row `row` into sh: false when
 * the shape's reading does not take it. */
static bool learn_key(struct sm_trace_shape *sh,
		      const struct sm_trace_index *ix, unsigned row,
		      const char *line, const struct sm_trace_tok *t)
{
	unsigned first = ix->slot_at[row], i;
	uint64_t w = sm_trace_pack(t->s, t->len), word;
	const struct sm_trace_key_slot *ks = NULL;
	const char *v;
	size_t n;
	unsigned shift = 0;

	for (i = 0; i < ix->n_keys[row]; i++) {
		ks = &ix->slot[first + i];
		if ((w & ks->mask) == ks->eq)
			break;
	}
	if (i == ix->n_keys[row])
		return false;
	v = t->s + ks->klen + 1;
	n = t->len - ks->klen - 1;
	if (ks->key == K_CMD_OP)
		return true; /* the command stays in the line's bytes */
	if (ks->words) {
		if (n == 0 || n > 8)
			return false;
		word = sm_trace_pack(v, n);
		for (unsigned j = ks->word_lo; j < ks->word_hi; j++)
			if (ix->word[j] == word)
				return add_value(sh, ix, (size_t)(v - line), n,
						 SV_WORD, (uint16_t)(first + i),
						 0);
		return false;
	}
	/* a len's suffix stays in the line's bytes (KK_LEN: min 1) */
	if (ks->min == 1 && n > 1 && (shift = sm_parse_suffix_shift(v[n - 1])))
		n--;
	if (n > 2 && v[0] == '0' && (v[1] | 0x20) == 'x')
		return all_digits(v + 2, n - 2, true) &&
		       add_value(sh, ix, (size_t)(v + 2 - line), n - 2, SV_HEX,
				 (uint16_t)(first + i), shift);
	return all_digits(v, n, false) &&
	       add_value(sh, ix, (size_t)(v - line), n, SV_DEC,
			 (uint16_t)(first + i), shift);
}

/* The shape of line[0..len) into *sh (zeroed), or false. */
static bool learn(struct sm_trace_shape *sh, const struct sm_trace_index *ix,
		  const char *line, size_t len, unsigned row,
		  const struct smmusim_event *ev)
{
	struct sm_trace_tok t = {0};
	size_t pos = 0;

	memcpy(sh->bytes, line, len);
	memset(sh->mask, 0xff, len);
	sh->chunks = (uint8_t)((len + 15) / 16);
	sh->reach = (uint16_t)(16 * sh->chunks);
	sh->ev = ix->tmpl[row];
	sh->ev.opcode = ev->opcode; /* a cmd's (else the template's) */
	sh->ev.column = ev->column;
	sh->ev.timing = SMMUSIM_AFTER_PREV;
	sh->ev.time = 0;
	if (!sm_trace_next_tok(line, len, &pos, &t))
		return false;
	if (t.s[0] == '@' || t.s[0] == '+') {
		if (!all_digits(t.s + 1, t.len - 1, false) ||
		    !add_value(sh, ix, t.col, t.len - 1, SV_DEC, UINT16_MAX, 0))
			return false;
		sh->timing = (uint8_t)t.s[0];
		if (sh->timing == '@')
			sh->ev.timing = SMMUSIM_AT;
		if (!sm_trace_next_tok(line, len, &pos, &t)) /* the keyword */
			return false;
	}
	while (sm_trace_next_tok(line, len, &pos, &t))
		if (!learn_key(sh, ix, row, line, &t))
			return false;
	sh->len = (uint16_t)len;
	return true;
}

void sm_trace_shape_learn(struct sm_trace_shape *shapes,
			  const struct sm_trace_index *ix, const char *line,
			  size_t len, unsigned row,
			  const struct smmusim_event *ev)
{
	struct sm_trace_shape *sh = &shapes[len & (SM_TRACE_SHAPES - 1)];
	struct sm_trace_shape learnt;

	if (len == 0 || len > 16 * SM_TRACE_SHAPE_CHUNKS ||
	    ix->slot_at[row] == SM_TRACE_NO_SLOTS)
		return;
	if (sh->skip) {
		sh->skip--;
		return;
	}
	memset(&learnt, 0, sizeof(learnt));
	if (learn(&learnt, ix, line, len, row, ev)) {
		*sh = learnt; /* skip and fails 0 */
		return;
	}
	/* the shape of another line of this length, if any, is kept */
	if (sh->fails < 10)
		sh->fails++;
	sh->skip = (uint16_t)((1u << sh->fails) - 1);
}
