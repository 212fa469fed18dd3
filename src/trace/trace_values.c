/* SPDX-License-Identifier: MIT */
/*
 * Values of smmusim trace format 1 (docs/trace-format.md, "Values", "Time
 * prefix" and "Errors"): numbers in decimal or 0x hex, len with an optional
 * K, M or G suffix, words from a key's list, and the +N / @N time prefix.
 * The range a number may take follows from its key's kind
 * (trace_keys.h); each failure has its own message, at the column of the
 * value or of its first bad character.
 */
#include "trace/trace_values.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <smmusim/error.h>

#include "base/parse.h"

enum num_res {
	NUM_OK,
	NUM_NODIGITS, /* not a number at all */
	NUM_TRAILING, /* digits followed by garbage at *bad */
	NUM_RANGE,    /* does not fit in uint64 */
};

static bool parse_plain_u64(const char *s, size_t len, uint64_t *out)
{
	return sm_trace_plain_number(s, len, out);
}

/* Decimal or 0x hex, no sign; with `suffix`, one of K M G (any case) may
 * follow (binary multiples).  The grammar is src/base/parse.c's, shared with
 * config values; this maps its verdicts onto the reader's messages. */
static enum num_res parse_u64(const char *s, size_t len, bool suffix,
			      uint64_t *out, size_t *bad)
{
	size_t at = 0;

	if (parse_plain_u64(s, len, out))
		return NUM_OK;
	size_t first =
	    len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 2 : 0;
	switch (sm_parse_u64(s, len, suffix, out, &at)) {
	case SM_PARSE_OK:
		return NUM_OK;
	case SM_PARSE_EMPTY:
		return NUM_NODIGITS;
	case SM_PARSE_OVERFLOW:
		return NUM_RANGE;
	case SM_PARSE_BAD:
	case SM_PARSE_SUFFIX:
		if (at == first)
			return NUM_NODIGITS;
		*bad = at;
		return NUM_TRAILING;
	}
	return NUM_NODIGITS;
}

static bool is_size_suffix(const char *s, size_t n)
{
	return n == 1 && strchr("kKmMgG", s[0]) != NULL;
}

/* A word of kd->words (or, for KK_ENUM_NUM, an opcode 0..255). */
static int parse_word(struct sm_trace_reader *r,
		      const struct sm_trace_key_def *kd,
		      const struct sm_trace_tok *v, uint64_t *out,
		      struct sm_errbuf *eb)
{
	char list[1024];
	size_t bad = 0;

	for (size_t i = 0; kd->words[i].word; i++) {
		if (sm_trace_tok_eq(v->s, v->len, kd->words[i].word)) {
			*out = kd->words[i].val;
			return 0;
		}
	}
	if (kd->kind == KK_ENUM_NUM &&
	    parse_u64(v->s, v->len, false, out, &bad) == NUM_OK && *out <= 255)
		return 0;
	sm_trace_list_words(kd->words, list, sizeof(list));
	return sm_trace_err(
	    r, eb, SMMUSIM_EPARSE, v->col,
	    "bad value for key '%s': '" TOKF "' (allowed: %s%s)", kd->name,
	    TOKA(v->s, v->len), list,
	    kd->kind == KK_ENUM_NUM ? ", or an opcode 0..255" : "");
}

/* A number within the range of kd->kind. */
static int parse_number(struct sm_trace_reader *r,
			const struct sm_trace_key_def *kd,
			const struct sm_trace_tok *v, uint64_t *out,
			struct sm_errbuf *eb)
{
	size_t bad = 0;
	uint64_t max;

	max = sm_trace_kind_max(kd->kind);
	switch (parse_u64(v->s, v->len, kd->kind == KK_LEN, out, &bad)) {
	case NUM_NODIGITS:
		return sm_trace_err(
		    r, eb, SMMUSIM_EPARSE, v->col,
		    "bad number for key '%s': '" TOKF
		    "' (expected decimal or 0x hex%s)",
		    kd->name, TOKA(v->s, v->len),
		    kd->kind == KK_LEN ? ", optional K, M or G suffix" : "");
	case NUM_TRAILING:
		if (is_size_suffix(v->s + bad, v->len - bad))
			return sm_trace_err(
			    r, eb, SMMUSIM_EPARSE, v->col + bad,
			    "trailing garbage '%c' after number for "
			    "key '%s' (K, M, G suffixes are for len "
			    "only)",
			    v->s[bad], kd->name);
		return sm_trace_err(r, eb, SMMUSIM_EPARSE, v->col + bad,
				    "trailing garbage '" TOKF
				    "' after number for key '%s'",
				    TOKA(v->s + bad, v->len - bad), kd->name);
	case NUM_RANGE:
		*out = UINT64_MAX;
		goto range;
	case NUM_OK:
		break;
	}
	if (*out > max || (kd->kind == KK_LEN && *out == 0))
		goto range;
	return 0;
range:
	return sm_trace_err(r, eb, SMMUSIM_EPARSE, v->col,
			    "value out of range for key '%s': " TOKF
			    " (allowed %u..%" PRIu64 ")",
			    kd->name, TOKA(v->s, v->len),
			    kd->kind == KK_LEN ? 1u : 0u, max);
}

int sm_trace_parse_value(struct sm_trace_reader *r, enum sm_trace_key k,
			 const struct sm_trace_tok *v, uint64_t *out,
			 struct sm_errbuf *eb)
{
	const struct sm_trace_key_def *kd = &sm_trace_key_defs[k];

	/* A plain number within range: most values of most traces. */
	if (kd->kind != KK_ENUM && kd->kind != KK_ENUM_NUM &&
	    parse_plain_u64(v->s, v->len, out) &&
	    *out <= sm_trace_kind_max(kd->kind) &&
	    (kd->kind != KK_LEN || *out != 0))
		return 0;

	if (kd->kind == KK_ENUM || kd->kind == KK_ENUM_NUM)
		return parse_word(r, kd, v, out, eb);
	return parse_number(r, kd, v, out, eb);
}

int sm_trace_parse_time(struct sm_trace_reader *r, const struct sm_trace_tok *t,
			struct smmusim_event *ev, struct sm_errbuf *eb)
{
	size_t bad;

	ev->timing = t->s[0] == '@' ? SMMUSIM_AT : SMMUSIM_AFTER_PREV;
	switch (parse_u64(t->s + 1, t->len - 1, false, &ev->time, &bad)) {
	case NUM_OK:
		break;
	case NUM_RANGE:
		return sm_trace_err(r, eb, SMMUSIM_EPARSE, t->col,
				    "time prefix '" TOKF
				    "' out of range (allowed %c0..%" PRIu64 ")",
				    TOKA(t->s, t->len), t->s[0], UINT64_MAX);
	default:
		return sm_trace_err(r, eb, SMMUSIM_EPARSE, t->col,
				    "bad time prefix '" TOKF
				    "': expected +N or @N, N a decimal or 0x "
				    "hex number",
				    TOKA(t->s, t->len));
	}
	if (ev->timing == SMMUSIM_AT && r->have_at && ev->time < r->last_at)
		return sm_trace_err(r, eb, SMMUSIM_EPARSE, t->col,
				    "out-of-order time stamp @%" PRIu64
				    ": earlier than @%" PRIu64
				    " on line %" PRIu32,
				    ev->time, r->last_at, r->last_at_line);
	return 0;
}
