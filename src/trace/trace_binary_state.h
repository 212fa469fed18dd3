/* SPDX-License-Identifier: MIT */
/*
 * The state of the binary trace decoder (private to trace_binary_read.c,
 * the staging and the full decoder, and trace_binary_fast.c, the fast path
 * every record tries first).
 */
#ifndef SM_TRACE_TRACE_BINARY_STATE_H
#define SM_TRACE_TRACE_BINARY_STATE_H

#include "trace/trace_binary.h"

/* One key of a record as the fast path decodes it (sm_trace_bin_prog_make):
 * how it is checked (D: a delta in a range, P: a value in a range, W: one
 * of a KK_ENUM key's words) and stored (a bool, a 32- or a 64-bit field);
 * OP_END after the last key. */
enum {
	OP_P1,
	OP_P4,
	OP_P8,
	OP_D1,
	OP_D4,
	OP_D8,
	OP_D8U, /* OP_D8 whose range is all 64-bit values: no check */
	OP_W1,
	OP_W4,
	OP_W8,
	OP_END,
	OP_COUNT_
};

struct sm_trace_bin_op {
	uint64_t a, b;	/* D, P: min and span; W: the words (a) */
	const void *go; /* the fast path's code for its kind */
	uint64_t *prev; /* D: the last value of its key (in prev[]) */
	uint16_t off;	/* in struct smmusim_event */
	uint8_t kind, key;
};

/* What the fast path needs of an event type: its template (NULL: no fast
 * path for it, see struct sm_trace_bin_plan's `fast`) and the keys a
 * record holds for the last mask one came with. */
struct sm_trace_bin_prog {
	const struct smmusim_event *tmpl;
	uint64_t mask; /* UINT64_MAX: none made yet (no mask is) */
	unsigned n_opt;
	struct sm_trace_bin_op op[SM_TRACE_MAX_EV_KEYS + 1];
};

struct sm_trace_bin_state {
	struct sm_trace_bin_layout lay;
	uint8_t *buf; /* staging: buf[pos..len) not decoded yet */
	size_t pos, len;
	/* len - SM_TRACE_BIN_MAX_RECORD, or 0: a record at pos below it is
	 * staged whole with room for its longest form (the fast path) */
	size_t fast_end;
	uint64_t base;	 /* offset of buf[0] in the binary data */
	const char *src; /* the rest of the input's current block */
	size_t src_len;
	bool in_eof;
	int in_err; /* the input failed after the bytes staged: reported
		     * when they run out */
	bool ended; /* the end record has been read */
	uint64_t prev[K_COUNT_];
	uint64_t last_at;
	uint32_t line;
	uint64_t events;
	struct sm_trace_bin_prog prog[SMMUSIM_EV_COUNT_];
	/* The program of a tag's event type, or NULL: the tag is one the
	 * fast path leaves to the full decoder (a column given, the end
	 * record, a bad type or time form, a type without a fast path). */
	struct sm_trace_bin_prog *by_tag[256];
	/* the keyword column of the times col_lo..col_lo + col_span (those
	 * of as many digits as the last one's) */
	uint64_t col_lo, col_span;
	uint32_t col;
};

static inline uint64_t sm_trace_bin_unzigzag(uint64_t z)
{
	return (z >> 1) ^ (0 - (z & 1));
}

/* The fast path's programs, none made yet (after the layout), and its
 * column cache. */
void sm_trace_bin_prog_init(struct sm_trace_bin_state *b);

/* The next record by the full decoder (trace_binary_read.c): any record,
 * every error; sm_trace_bin_next() when it finds a whole record staged
 * after a refill. */
int sm_trace_bin_next_slow(struct sm_trace_reader *r, struct smmusim_event *ev,
			   struct sm_errbuf *eb);

#endif
