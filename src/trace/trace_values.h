/* SPDX-License-Identifier: MIT */
/*
 * Values of trace format 1 (private to src/trace): a key's value and an
 * event's time prefix, checked and converted as docs/trace-format.md says
 * ("Values", "Time prefix"), with its error messages.
 */
#ifndef SM_TRACE_TRACE_VALUES_H
#define SM_TRACE_TRACE_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <smmusim/event.h>

#include "base/errbuf.h"
#include "trace/trace_keys.h"
#include "trace/trace_lines.h"

/*
 * The plain number at the start of s[0..n): decimal of up to 19 digits, or
 * 0x (0X) and up to 16 hex digits, which cannot overflow 64 bits; its
 * length (it ends at the first byte that is not one of its digits), or 0
 * when there is none or it is longer.  Anything else (a suffix, more
 * digits, an error) is left to the full parser, whose answer for these
 * inputs is the same.  Eight digits at a time, with no branch per digit
 * (trace_values.c).
 */
size_t sm_trace_number_at(const char *s, size_t n, uint64_t *out);

/* The whole of s[0..n) is a plain number (sm_trace_number_at()). */
static inline bool sm_trace_plain_number(const char *s, size_t n, uint64_t *out)
{
	return n && sm_trace_number_at(s, n, out) == n;
}

/* The largest value of a number of kind `kind` (the binary form's reader
 * checks its numbers against it too). */
static inline uint64_t sm_trace_kind_max(enum sm_trace_key_kind kind)
{
	return kind == KK_U32	 ? UINT32_MAX
	       : kind == KK_SSID ? 0xfffff
				 : UINT64_MAX;
}

/* The fast path of a value: the value of key k at the start of s[0..n)
 * (the rest of the line) when it is a word of the key of up to 8 bytes or
 * a plain number in range, that a blank or the end follows: its length,
 * with *out set; else 0, and sm_trace_parse_value() on the whole token
 * decides and gives the message. */
static inline size_t sm_trace_fast_value(const struct sm_trace_index *ix,
					 enum sm_trace_key k, const char *s,
					 size_t n, uint64_t *out)
{
	const struct sm_trace_key_def *kd = &sm_trace_key_defs[k];
	size_t len;

	if (kd->kind == KK_ENUM || kd->kind == KK_ENUM_NUM) {
		uint64_t w;

		len = sm_trace_blank_at(s, 0, n);
		if (len == 0 || len > 8)
			return 0; /* longer words: the full parser */
		w = sm_trace_pack(s, len);
		for (unsigned i = ix->word_at[k]; i < ix->word_at[k + 1]; i++)
			if (ix->word[i] == w) {
				*out = ix->word_val[i];
				return len;
			}
		return 0;
	}
	len = sm_trace_number_at(s, n, out);
	if (!len || (len < n && !sm_trace_is_blank(s[len])) ||
	    *out > sm_trace_kind_max(kd->kind) ||
	    (kd->kind == KK_LEN && *out == 0))
		return 0;
	return len;
}

/* Parse the value `v` of key `k` into *out. */
int sm_trace_parse_value(struct sm_trace_reader *r, enum sm_trace_key k,
			 const struct sm_trace_tok *v, uint64_t *out,
			 struct sm_errbuf *eb);

/* Parse the "+N" or "@N" prefix `t` into ev->timing and ev->time; an @N
 * must not be earlier than the last @M read. */
int sm_trace_parse_time(struct sm_trace_reader *r, const struct sm_trace_tok *t,
			struct smmusim_event *ev, struct sm_errbuf *eb);

#endif
