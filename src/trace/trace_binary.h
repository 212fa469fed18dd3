/* SPDX-License-Identifier: MIT */
/*
 * The binary form of a trace (private to src/trace; docs/trace-format.md,
 * "Binary form"): the events of a text trace, each as a tag byte and
 * LEB128 varints, read by the same reader object (told apart by the magic
 * of its first bytes, after any decompression) and yielding the same
 * struct smmusim_event, line and column of the text line included.
 *
 * An event is stored as the values of its keys (trace_keys.h), not as the
 * fields of the struct: the reader then checks each value against its key
 * exactly as the text reader does, so a binary trace can only hold events
 * that a text trace can, and `smmusim convert` can always write it back.
 *
 * trace_binary_layout.c: the per-event plans and the layout fingerprint;
 * trace_binary_read.c: the staging and the full decoder, and
 * trace_binary_fast.c: the fast path every record tries first (their
 * shared state: trace_binary_state.h); trace_binary_write.c: the encoder,
 * the text writer and smmusim_trace_convert().
 */
#ifndef SM_TRACE_TRACE_BINARY_H
#define SM_TRACE_TRACE_BINARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <smmusim/event.h>

#include "base/errbuf.h"
#include "trace/trace_keys.h"

/* "\x89SMT\r\n\x1a\n": a high byte first (no text trace starts so), then a
 * CR LF, a ^Z and a LF that a text-mode copy would mangle (as PNG's). */
#define SM_TRACE_BIN_MAGIC "\x89SMT\r\n\x1a\n"
#define SM_TRACE_BIN_MAGIC_LEN 8
/* The container: header, records, end record. */
#define SM_TRACE_BIN_VERSION 1
/* The event layout: event type numbers (enum smmusim_event_type) and each
 * event's keys in documented order, with their kinds and defaults.  Bump
 * it when trace_keys.c's tables change; the fingerprint in the header
 * catches a forgotten bump. */
#define SM_TRACE_BIN_LAYOUT 1
#define SM_TRACE_BIN_HEADER_LEN 16
/* The tag byte of the end record, and the parts of an event's tag. */
#define SM_TRACE_BIN_END 0xffu
#define SM_TRACE_BIN_TYPE_MASK 0x1fu
#define SM_TRACE_BIN_TIME_SHIFT 5
#define SM_TRACE_BIN_TIME_NONE 0u  /* after the previous event, time 0 */
#define SM_TRACE_BIN_TIME_AFTER 1u /* "+N": N follows */
#define SM_TRACE_BIN_TIME_AT 2u	   /* "@N": N - the last @ follows */
#define SM_TRACE_BIN_COLUMN 0x80u  /* the column follows */
/* How far right of its canonical place a keyword may stand (the text form
 * puts that many spaces in front of it). */
#define SM_TRACE_BIN_MAX_PAD 65536u
/* The longest record: a tag, then column, time, line, mask and up to
 * SM_TRACE_MAX_EV_KEYS values, each a varint of at most 10 bytes. */
#define SM_TRACE_BIN_MAX_RECORD (1 + 10 * (4 + SM_TRACE_MAX_EV_KEYS))

/* One key of an event's plan. */
struct sm_trace_bin_key {
	uint8_t key;  /* enum sm_trace_key */
	uint8_t kind; /* enum sm_trace_key_kind */
	bool required;
	uint8_t opt_bit;   /* optional keys: the bit in the mask */
	bool delta;	   /* numbers: stored as the change to the last value */
	uint64_t min, max; /* the range of a value, from its kind */
	uint64_t span;	   /* max - min: one unsigned compare of v - min */
	uint64_t words;	   /* KK_ENUM: the values of its words (all < 64) */
	uint64_t dflt;
	/* Where sm_trace_set_field() stores it, found by trying it: a bool
	 * (width 1), a 32- or 64-bit field; width 0: call it (a key that sets
	 * two fields). */
	uint16_t off;
	uint8_t width;
};

/* A key as the decoder reads it: what the loop needs. */
struct sm_trace_bin_fkey {
	uint64_t min, span, words; /* as in struct sm_trace_bin_key */
	uint32_t opt;		   /* its bit in the mask; 0: required */
	uint16_t off;
	uint8_t width, key;
	bool delta;
	bool check; /* min, span or words can refuse a value */
};

/* How an event type is stored: its keys in documented order. */
struct sm_trace_bin_plan {
	const struct sm_trace_event_def *def;
	unsigned n_keys, n_opt;
	struct sm_trace_bin_key keys[SM_TRACE_MAX_EV_KEYS];
	/* For the decoder: keys[] packed. */
	struct sm_trace_bin_fkey fk[SM_TRACE_MAX_EV_KEYS];
	/* The event before its keys: type and, when no two keys share a
	 * field (dflt_in_tmpl), the defaults of the optional keys, which a
	 * key given then overwrites; else the decoder stores each default
	 * in key order. */
	bool dflt_in_tmpl;
	/* the decoder's fast path reads it: defaults in the template, every
	 * key stored at a field of width 1, 4 or 8, and not a cmd event
	 * (whose keys depend on its opcode) */
	bool fast;
	struct smmusim_event tmpl;
};

struct sm_trace_bin_layout {
	struct sm_trace_bin_plan plan[SMMUSIM_EV_COUNT_];
	uint32_t fingerprint; /* FNV-1a of the tables the plans come from */
};

void sm_trace_bin_layout_init(struct sm_trace_bin_layout *lay,
			      const struct sm_trace_index *idx);

/* The value of key k in *ev: the inverse of sm_trace_set_field(). */
uint64_t sm_trace_get_field(const struct smmusim_event *ev,
			    enum sm_trace_key k);

/* Store value v of key bk in *ev, as sm_trace_set_field() does. */
static inline void sm_trace_bin_set(struct smmusim_event *ev,
				    const struct sm_trace_bin_key *bk,
				    uint64_t v)
{
	sm_trace_store_field(ev, (enum sm_trace_key)bk->key, bk->off, bk->width,
			     v);
}

/* The keyword column of an event written canonically: 1, or after "+N "
 * or "@N " with N in decimal (inline: the decoder needs it per event). */
static inline uint32_t sm_trace_bin_canon_column(const struct smmusim_event *ev)
{
	static const uint64_t pow10[20] = {
	    1ull,
	    10ull,
	    100ull,
	    1000ull,
	    10000ull,
	    100000ull,
	    1000000ull,
	    10000000ull,
	    100000000ull,
	    1000000000ull,
	    10000000000ull,
	    100000000000ull,
	    1000000000000ull,
	    10000000000000ull,
	    100000000000000ull,
	    1000000000000000ull,
	    10000000000000000ull,
	    100000000000000000ull,
	    1000000000000000000ull,
	    10000000000000000000ull,
	};
	/* t | 1 has the digits of t (t + 1 is a power of ten only for odd t) */
	uint64_t t = ev->time | 1;
	uint32_t e;

	if (ev->timing == SMMUSIM_AFTER_PREV && ev->time == 0)
		return 1;
	/* floor(log10(t)) from log2 (1233 / 4096 ~ log10(2)), which may be
	 * one too big, then one comparison (Bit Twiddling Hacks) */
	e = (uint32_t)(64 - __builtin_clzll(t)) * 1233 >> 12;
	e -= t < pow10[e];
	return e + 1 + 3; /* "+N " then the keyword */
}

/* Do the n bytes at p (n > 0) begin a binary trace, as far as they go? */
bool sm_trace_bin_is_magic(const void *p, size_t n);

struct sm_trace_reader;
/* The reader's input is a binary trace; `first`, n: its first block. */
int sm_trace_bin_start(struct sm_trace_reader *r, const char *first, size_t n,
		       struct sm_errbuf *eb);
/* The next event: 1, 0 at the end, or a negative error (sticky, in
 * r->err); trace_binary_fast.c. */
int sm_trace_bin_next(struct sm_trace_reader *r, struct smmusim_event *ev,
		      struct sm_errbuf *eb);
void sm_trace_bin_free(struct sm_trace_reader *r);

/* Writing a binary trace to f: the header, an event at a time, the end. */
struct sm_trace_bin_writer {
	FILE *f;
	const struct sm_trace_bin_layout *lay;
	uint64_t prev[K_COUNT_]; /* the last value of each number key */
	uint64_t last_at;
	uint32_t line;
	uint64_t events;
};

void sm_trace_bin_write_header(struct sm_trace_bin_writer *w);
/* 0, or SMMUSIM_ERANGE (nothing written) for an event whose keyword
 * stands further right than SM_TRACE_BIN_MAX_PAD past its canonical
 * column. */
int sm_trace_bin_write_event(struct sm_trace_bin_writer *w,
			     const struct smmusim_event *ev);
void sm_trace_bin_write_end(struct sm_trace_bin_writer *w);

#endif
