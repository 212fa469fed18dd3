/* SPDX-License-Identifier: MIT */
/*
 * Reading a line by its shape (private to src/trace; trace_shape.h says
 * what a shape is): inline in the reader's loop (trace_reader.c), for
 * which it is most of the work of a line.  One masked comparison of the
 * line's bytes (sixteen at a time) with the shape's, then each value that
 * differs from the last line's at its place: a chunk of up to eight digits
 * checked and converted with word (or SSE2) operations (trace_values.h),
 * stored into the shape's event, which the line's event is a copy of.
 */
#ifndef SM_TRACE_TRACE_SHAPE_READ_H
#define SM_TRACE_TRACE_SHAPE_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <smmusim/event.h>

#include "trace/trace_keys.h"
#include "trace/trace_shape.h"
#include "trace/trace_values.h"

/* The value of the first chunk of v (the bytes `keep` of w: its first 1
 * to 8 digits, or its word: one of its slot's), or false. */
__attribute__((always_inline)) static inline bool
shape_chunk(const struct sm_trace_index *ix, const struct sm_trace_shape_val *v,
	    uint64_t w, uint64_t *out)
{
	const struct sm_trace_key_slot *ks;

	if (v->kind == SV_HEX)
		return sm_trace_hex_chunk(w, v->first, v->keep, out);
	if (v->kind == SV_DEC)
		return sm_trace_dec_chunk(w, v->first, v->keep, out);
	ks = &ix->slot[v->slot];
	for (unsigned i = ks->word_lo; i < ks->word_hi; i++)
		if (ix->word[i] == w) {
			*out = ix->word_val[i];
			return true;
		}
	return false;
}

/* A len's suffix applied to *v, or false when it overflows
 * (sm_parse_u64()). */
static inline bool shape_shift(const struct sm_trace_shape_val *v,
			       uint64_t *val)
{
	if (!v->shift)
		return true;
	if (*val > UINT64_MAX >> v->shift)
		return false;
	*val <<= v->shift;
	return true;
}

/* The bytes of the last eight digits of a longer number v in line. */
static inline uint64_t low_chunk(const struct sm_trace_shape_val *v,
				 const char *line)
{
	uint64_t lo;

	memcpy(&lo, line + v->off + v->len - 8, 8);
	return lo;
}

/* Does v differ from the last line's, whose value the shape's event holds?
 * w: its first chunk in line (its bytes v->keep). */
static inline bool shape_changed(const struct sm_trace_shape_val *v,
				 const char *line, uint64_t w)
{
	return w != v->last_w || (v->two && low_chunk(v, line) != v->last_lo);
}

/* The value of v (in its range) in line, whose first chunk is w (its bytes
 * v->keep) and which differs from the last line's, or false.  Only its
 * chunks that differ are converted (the high digits of a time repeat).
 * v->last_w and v->last_lo are those of the value returned (the caller
 * stores it in the shape's event); when it fails, those of the value the
 * event holds, or a last_lo of 0 (none): the next line converts it
 * again. */
__attribute__((always_inline)) static inline bool
shape_value(const struct sm_trace_index *ix, struct sm_trace_shape_val *v,
	    const char *line, uint64_t w, uint64_t *out)
{
	uint64_t lo, lo_v, val;

	if (w != v->last_w) {
		if (!shape_chunk(ix, v, w, &val))
			return false;
		if (!v->two) {
			if (!shape_shift(v, &val) || val - v->min > v->span)
				return false;
			v->last_w = w;
			*out = val;
			return true;
		}
		v->last_w = w;
		v->last_v = val;
		v->last_lo = 0; /* none, until read */
	}
	/* the last eight digits of a longer number */
	lo = low_chunk(v, line);
	if (v->kind == SV_HEX) {
		if (!sm_trace_hex_chunk(lo, 8, ~0ull, &lo_v))
			return false;
		val = v->last_v << 32 | lo_v;
	} else {
		if (!sm_trace_dec_chunk(lo, 8, ~0ull, &lo_v))
			return false;
		val = v->last_v * 100000000u + lo_v;
	}
	if (!shape_shift(v, &val) || val - v->min > v->span)
		return false;
	v->last_lo = lo;
	*out = val;
	return true;
}

/* The bytes of chunk i of the line that differ from the shape's, into
 * acc (sm_trace_shape_read(), whose switch has a case per chunk). */
_Static_assert(SM_TRACE_SHAPE_CHUNKS == 8, "a case per chunk");
#define SM_SHAPE_CHUNK(i)                                                      \
	do {                                                                   \
		memcpy(&x, line + 16 * (i), 16);                               \
		acc |= (x ^ sh->bytes[i]) & sh->mask[i];                       \
	} while (0)

/*
 * The event of line[0..len) (line[0..readable_end - line) may be read)
 * when it has the shape learnt for its length: *ev whole (but its line),
 * the @N check against the last left to the caller; else false (*ev then
 * undefined) for the token path to read the line.
 */
__attribute__((always_inline)) static inline bool
sm_trace_shape_read(struct sm_trace_shape *shapes,
		    const struct sm_trace_index *ix, const char *line,
		    size_t len, const char *readable_end,
		    struct smmusim_event *ev)
{
	struct sm_trace_shape *sh = &shapes[len & (SM_TRACE_SHAPES - 1)];
	struct sm_trace_shape_val *v = sh->val;
	const struct sm_trace_shape_val *e = sh->val + sh->n_vals;
	sm_v16 acc = {0}, x;
	uint64_t half[2], w, val;

	if (sh->len != len || readable_end - line < (ptrdiff_t)sh->reach)
		return false;
	/* the chunks from the last to the first, entered at the line's
	 * last (one jump, no test per chunk) */
	switch (sh->chunks) {
	case 8:
		SM_SHAPE_CHUNK(7);
		/* fall through */
	case 7:
		SM_SHAPE_CHUNK(6);
		/* fall through */
	case 6:
		SM_SHAPE_CHUNK(5);
		/* fall through */
	case 5:
		SM_SHAPE_CHUNK(4);
		/* fall through */
	case 4:
		SM_SHAPE_CHUNK(3);
		/* fall through */
	case 3:
		SM_SHAPE_CHUNK(2);
		/* fall through */
	case 2:
		SM_SHAPE_CHUNK(1);
		/* fall through */
	default:
		SM_SHAPE_CHUNK(0);
	}
	memcpy(half, &acc, 16);
	if (half[0] | half[1])
		return false;
	/* each value that differs from the last line's, into the shape's
	 * event (a value that fails leaves the others as they are: each
	 * stays its last chunks') */
	if (sh->timing) {
		memcpy(&w, line + v->off, 8);
		w &= v->keep;
		if (shape_changed(v, line, w) &&
		    !shape_value(ix, v, line, w, &sh->ev.time))
			return false;
		v++;
	}
	for (; v < e; v++) {
		memcpy(&w, line + v->off, 8);
		w &= v->keep;
		if (!shape_changed(v, line, w))
			continue;
		if (!shape_value(ix, v, line, w, &val))
			return false;
		sm_trace_store_field(&sh->ev, (enum sm_trace_key)v->key,
				     v->foff, v->fwidth, val);
	}
	*ev = sh->ev;
	return true;
}

#undef SM_SHAPE_CHUNK

#endif
