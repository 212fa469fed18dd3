/* SPDX-License-Identifier: MIT */
/*
 * Values of trace format 1 (private to src/trace): a key's value and an
 * event's time prefix, checked and converted as docs/trace-format.md says
 * ("Values", "Time prefix"), with its error messages.
 */
#ifndef SM_TRACE_TRACE_VALUES_H
#define SM_TRACE_TRACE_VALUES_H

#include <stdint.h>

#include <smmusim/event.h>

#include "base/errbuf.h"
#include "trace/trace_keys.h"
#include "trace/trace_lines.h"

/* The fast path of a value: the value of kd's key at the start of
 * s[0..n) (the rest of the line) when it is a word of the key or a plain
 * number in range that a blank or the end follows: its length, with *out
 * set; else 0, and sm_trace_parse_value() on the whole token decides and
 * gives the message. */
size_t sm_trace_fast_value(const struct sm_trace_key_def *kd, const char *s,
			   size_t n, uint64_t *out);

/* The largest value of a number of kind `kind` (the binary form's reader
 * checks its numbers against it too). */
uint64_t sm_trace_kind_max(enum sm_trace_key_kind kind);

/* Parse the value `v` of key `k` into *out. */
int sm_trace_parse_value(struct sm_trace_reader *r, enum sm_trace_key k,
			 const struct sm_trace_tok *v, uint64_t *out,
			 struct sm_errbuf *eb);

/* Parse the "+N" or "@N" prefix `t` into ev->timing and ev->time; an @N
 * must not be earlier than the last @M read. */
int sm_trace_parse_time(struct sm_trace_reader *r, const struct sm_trace_tok *t,
			struct smmusim_event *ev, struct sm_errbuf *eb);

#endif
