/* SPDX-License-Identifier: MIT */
/*
 * Line shapes (private to src/trace): the reader's fastest path, for the
 * lines that a program wrote.  An imported trace repeats a few line shapes
 * -- "@9497303999 dev_access sid=0x10 va=0xffffb002 op=w" differs from the
 * line before only in the digits of its values -- so the reader keeps, for
 * each line length (modulo SM_TRACE_SHAPES), the shape of the last line of
 * that length it parsed: every byte that is not a value digit (the time
 * prefix's sign, the keyword, the blanks, each "key=" and "0x"), and where
 * each value lies.  A line of that length whose other bytes are those, and
 * whose values are digits of the same count (or words of the key of the
 * same length), gives its keys in the same order as the line learnt, each
 * once, with every required key: only its values are left to convert and
 * check, at places known in advance.  Anything else (a value out of range,
 * an @N earlier than the last, a byte that differs) leaves the line to the
 * token-by-token path of trace_reader.c, which gives the messages: a shape
 * never decides that a line is wrong, so events and errors are those of
 * the token path (docs/trace-format.md).
 */
#ifndef SM_TRACE_TRACE_SHAPE_H
#define SM_TRACE_TRACE_SHAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <smmusim/event.h>

#include "trace/trace_keys.h"

/* Sixteen bytes, for GCC's vector extensions (SIMD where there is some). */
typedef unsigned char sm_v16 __attribute__((vector_size(16)));

#define SM_TRACE_SHAPES 16	/* a power of 2: lines by length */
#define SM_TRACE_SHAPE_CHUNKS 8 /* 16-byte chunks: lines up to 128 */
#define SM_TRACE_SHAPE_VALS 12	/* values of a line */

/* The kinds of a value's digits. */
enum { SV_DEC, SV_HEX, SV_WORD };

/* One value of a shape: its digits at line[off..off + len) (after the 0x
 * of a hex number), of slot `slot` of the index (the time prefix's: none,
 * UINT16_MAX).  A number of 9 to 16 digits is read in two chunks, the
 * last eight digits apart. */
struct sm_trace_shape_val {
	/* the bytes of its first chunk (its first 1 to 8 digits: those
	 * before the last eight of a longer number; its word) */
	uint64_t keep;
	/* the last first chunk read (its bytes `keep`; 0: none, since no
	 * digit or word packs to 0) and its value; the shape's event holds
	 * the whole value then */
	uint64_t last_w, last_v;
	/* the same for the last eight digits of a longer number (0: none) */
	uint64_t last_lo;
	/* its range: v - min <= span (its slot's; the time prefix's: all) */
	uint64_t span;
	uint8_t min;
	uint8_t off, len, kind;
	uint8_t first; /* the digits of its first chunk: 1 to 8 */
	uint8_t shift; /* a len's K, M or G suffix: 10, 20 or 30 */
	bool two;      /* 9 to 16 digits: two chunks */
	uint16_t slot;
	/* its slot's key and field (sm_trace_store_field()) */
	uint8_t key, foff, fwidth;
};

struct sm_trace_shape {
	/* the line's bytes that are not value digits, and their mask (0xff
	 * for such a byte, 0 for a digit and past the line) */
	sm_v16 bytes[SM_TRACE_SHAPE_CHUNKS], mask[SM_TRACE_SHAPE_CHUNKS];
	uint16_t len;	/* the line's length; 0: no shape */
	uint16_t reach; /* bytes from the line's start the reading reads */
	uint8_t chunks; /* 16-byte chunks that hold the line */
	uint8_t n_vals;

	uint8_t timing; /* '@', '+' or 0 (no time prefix: vals[0] is a key) */
	/* The event of the last line read (but its line): the event's
	 * template (trace_keys.h) with the fields the shape's bytes fix -- its
	 * timing, the keyword's column, a cmd's command, op=NAME, one of those
	 * bytes (its keys are then those of the line learnt,
	 * sm_trace_cmd_stray_key()) -- and the value of each value's last
	 * chunks read: a line stores only the values that differ from the
	 * last line's. */
	struct smmusim_event ev;
	/* Lines of this length whose shape is not learnt (skip) after the
	 * last `fails` lines had none in a row: a trace whose lines have
	 * none (a 4096-byte len written 0x1000 is learnt, one of 12 digits
	 * and 5 letters is not) costs no learning per line. */
	uint16_t skip;
	uint8_t fails;
	struct sm_trace_shape_val val[SM_TRACE_SHAPE_VALS + 1];
};

/* Learn the shape of line[0..len), which the token path has just read as
 * event `ev` of row `row` with no error; nothing when it has none that
 * the shape's reading takes (a value it does not take, a line too long). */
void sm_trace_shape_learn(struct sm_trace_shape *shapes,
			  const struct sm_trace_index *ix, const char *line,
			  size_t len, unsigned row,
			  const struct smmusim_event *ev);

#endif
