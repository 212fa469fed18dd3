/* SPDX-License-Identifier: MIT */
/*
 * Writing the two forms of a trace (docs/trace-format.md, "Binary form"),
 * and smmusim_trace_convert(), which reads one form through the reader
 * object (so every check of the reader applies) and writes the other.
 *
 * Binary: the header, then per event its tag byte, column (only when it
 * is not the canonical one), time, line delta, optional-key mask and key
 * values as LEB128 varints, numbers as the zigzag of their difference to
 * the last value of the same key; then the end record with the count.
 *
 * Text: the header on line 1, then each event on its original line (blank
 * lines fill the gaps, comments are not kept), its keyword at its
 * original column (spaces in front), the required keys and the optional
 * ones that differ from their default.  Reading it back gives every field
 * of every event, line and column included.
 */
#include "trace/trace_binary.h"

#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>

#include <smmusim/error.h>
#include <smmusim/trace.h>

#include "base/alloc.h"
#include "trace/import_qemu.h"
#include "trace/trace_lines.h"
#include "trace/trace_reader.h"

/* ---------------------------------------------------------------------- */
/* Binary                                                                 */
/* ---------------------------------------------------------------------- */

static uint8_t *put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

static uint64_t zigzag(uint64_t d)
{
	return d << 1 ^ (0 - (d >> 63));
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> 8 * i);
}

void sm_trace_bin_write_header(struct sm_trace_bin_writer *w)
{
	uint8_t h[SM_TRACE_BIN_HEADER_LEN];

	memcpy(h, SM_TRACE_BIN_MAGIC, SM_TRACE_BIN_MAGIC_LEN);
	put_le(h + 8, SM_TRACE_BIN_VERSION, 2);
	put_le(h + 10, SM_TRACE_BIN_LAYOUT, 2);
	put_le(h + 12, w->lay->fingerprint, 4);
	fwrite(h, 1, sizeof(h), w->f);
}

/* Is optional key k of event ev written: its value is not the default. */
static bool key_given(const struct sm_trace_bin_key *k,
		      const struct smmusim_event *ev)
{
	return k->required ||
	       sm_trace_get_field(ev, (enum sm_trace_key)k->key) != k->dflt;
}

int sm_trace_bin_write_event(struct sm_trace_bin_writer *w,
			     const struct smmusim_event *ev)
{
	const struct sm_trace_bin_plan *p = &w->lay->plan[ev->type];
	uint8_t rec[SM_TRACE_BIN_MAX_RECORD], *q = rec + 1;
	unsigned tag = (unsigned)ev->type;
	uint32_t canon = sm_trace_bin_canon_column(ev);
	uint64_t mask = 0;

	if (ev->column < canon || ev->column - canon > SM_TRACE_BIN_MAX_PAD)
		return SMMUSIM_ERANGE;
	if (ev->column != canon) {
		tag |= SM_TRACE_BIN_COLUMN;
		q = put_varint(q, ev->column);
	}
	if (ev->timing == SMMUSIM_AT) {
		tag |= SM_TRACE_BIN_TIME_AT << SM_TRACE_BIN_TIME_SHIFT;
		q = put_varint(q, ev->time - w->last_at);
		w->last_at = ev->time;
	} else if (ev->time) {
		tag |= SM_TRACE_BIN_TIME_AFTER << SM_TRACE_BIN_TIME_SHIFT;
		q = put_varint(q, ev->time);
	}
	rec[0] = (uint8_t)tag;
	q = put_varint(q, ev->line - w->line);
	w->line = ev->line;
	for (unsigned i = 0; i < p->n_keys; i++)
		if (!p->keys[i].required && key_given(&p->keys[i], ev))
			mask |= 1ull << p->keys[i].opt_bit;
	if (p->n_opt)
		q = put_varint(q, mask);
	for (unsigned i = 0; i < p->n_keys; i++) {
		const struct sm_trace_bin_key *k = &p->keys[i];
		uint64_t v = sm_trace_get_field(ev, (enum sm_trace_key)k->key);

		if (!key_given(k, ev))
			continue;
		if (k->kind == KK_ENUM || k->kind == KK_ENUM_NUM) {
			q = put_varint(q, v);
			continue;
		}
		q = put_varint(q, zigzag(v - w->prev[k->key]));
		w->prev[k->key] = v;
	}
	fwrite(rec, 1, (size_t)(q - rec), w->f);
	w->events++;
	return 0;
}

void sm_trace_bin_write_end(struct sm_trace_bin_writer *w)
{
	uint8_t rec[11];

	rec[0] = SM_TRACE_BIN_END;
	fwrite(rec, 1, (size_t)(put_varint(rec + 1, w->events) - rec), w->f);
}

/* ---------------------------------------------------------------------- */
/* Text                                                                   */
/* ---------------------------------------------------------------------- */

static const char *word_of(const struct sm_trace_word *w, uint64_t v)
{
	for (; w && w->word; w++)
		if (w->val == v)
			return w->word;
	return NULL;
}

/* " key=value", numbers as the importers write them: StreamIDs and
 * addresses in hex, lengths with a K/M/G suffix when exact. */
static void put_key(FILE *f, const struct sm_trace_bin_key *k, uint64_t v)
{
	const struct sm_trace_key_def *kd = &sm_trace_key_defs[k->key];
	const char *word = word_of(kd->words, v);

	if (word) {
		fprintf(f, " %s=%s", kd->name, word);
	} else if (k->key == K_VA || k->key == K_ADDR || k->key == K_PA ||
		   k->key == K_SID) {
		fprintf(f, " %s=0x%" PRIx64, kd->name, v);
	} else if (k->kind == KK_LEN && v % (1u << 10) == 0) {
		unsigned s = v % (1u << 30) == 0   ? 30
			     : v % (1u << 20) == 0 ? 20
						   : 10;

		fprintf(f, " %s=%" PRIu64 "%c", kd->name, v >> s,
			s == 30	  ? 'G'
			: s == 20 ? 'M'
				  : 'K');
	} else {
		fprintf(f, " %s=%" PRIu64, kd->name, v);
	}
}

/* Event ev on its line (*line: the last line written). */
static void put_event(FILE *f, const struct sm_trace_bin_layout *lay,
		      const struct smmusim_event *ev, uint32_t *line)
{
	const struct sm_trace_bin_plan *p = &lay->plan[ev->type];
	uint32_t canon = sm_trace_bin_canon_column(ev);

	for (; *line + 1 < ev->line; ++*line)
		putc('\n', f);
	if (ev->column > canon) /* at most SM_TRACE_BIN_MAX_PAD */
		fprintf(f, "%*s", (int)(ev->column - canon), "");
	if (ev->timing == SMMUSIM_AT)
		fprintf(f, "@%" PRIu64 " ", ev->time);
	else if (ev->time)
		fprintf(f, "+%" PRIu64 " ", ev->time);
	fputs(smmusim_event_name(ev->type), f);
	for (unsigned i = 0; i < p->n_keys; i++) {
		const struct sm_trace_bin_key *k = &p->keys[i];

		if (key_given(k, ev) &&
		    (ev->type != SMMUSIM_EV_CMD ||
		     sm_trace_cmd_has_key(ev->opcode,
					  (enum sm_trace_key)k->key)))
			put_key(
			    f, k,
			    sm_trace_get_field(ev, (enum sm_trace_key)k->key));
	}
	putc('\n', f);
	++*line;
}

/* ---------------------------------------------------------------------- */
/* Conversion                                                             */
/* ---------------------------------------------------------------------- */

/* Writing over the input would destroy it before it is read. */
static int same_file(const char *in, const char *out, struct sm_errbuf *eb)
{
	struct stat a, b;

	if (!strcmp(in, "-") || !strcmp(out, "-") || stat(in, &a) ||
	    stat(out, &b) || a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		return 0;
	return sm_err(eb, SMMUSIM_EINVAL,
		      "%s: the output is the input: convert into another file",
		      out);
}

/* Every event of r into o, in the other form. */
static int convert_events(struct sm_trace_reader *r, struct sm_import_out *o,
			  uint64_t *n, struct sm_errbuf *eb)
{
	struct sm_trace_bin_layout *lay = sm_malloc(&r->alloc, sizeof(*lay));
	struct sm_trace_bin_writer w = {.f = o->f, .lay = lay};
	bool to_text = r->bin != NULL;
	struct smmusim_event ev;
	uint32_t line = 1;
	int rc;

	if (!lay)
		return sm_err(eb, SMMUSIM_ENOMEM, "%s: out of memory", r->name);
	sm_trace_bin_layout_init(lay, &r->idx);
	if (to_text)
		fputs(SM_TRACE_MAGIC " " SM_TRACE_VERSION "\n", o->f);
	else
		sm_trace_bin_write_header(&w);
	while ((rc = sm_trace_next(r, &ev, eb)) > 0) {
		if (to_text)
			put_event(o->f, lay, &ev, &line);
		else if (sm_trace_bin_write_event(&w, &ev) < 0) {
			rc = sm_err(eb, SMMUSIM_ERANGE,
				    "%s:%" PRIu32 ":%" PRIu32
				    ": the binary form keeps a keyword at most "
				    "%u columns right of its place",
				    r->name, ev.line, ev.column,
				    SM_TRACE_BIN_MAX_PAD);
			break;
		}
		++*n;
	}
	if (rc == 0 && !to_text)
		sm_trace_bin_write_end(&w);
	sm_free(&r->alloc, lay, sizeof(*lay));
	return rc;
}

int smmusim_trace_convert(const char *in, const char *out,
			  const struct smmusim_allocator *alloc,
			  uint64_t *n_events, bool *to_binary, char *errmsg,
			  size_t errlen)
{
	struct sm_import_out o = {0};
	struct sm_trace_reader *r = NULL;
	struct sm_errbuf eb;
	uint64_t n = 0;
	int rc;

	sm_err_clear(&eb);
	if (!in || !out)
		rc = sm_err(&eb, SMMUSIM_EINVAL,
			    "smmusim_trace_convert: NULL argument");
	else if ((rc = same_file(in, out, &eb)) == 0 &&
		 (rc = sm_trace_open(&r, in, alloc, &eb)) == 0 &&
		 (rc = sm_trace_sniff(r, &eb)) == 0 &&
		 (rc = sm_import_out_open(&o, &eb, out)) == 0) {
		if (to_binary)
			*to_binary = r->bin == NULL;
		rc = sm_import_out_close(&o, &eb,
					 convert_events(r, &o, &n, &eb));
		if (rc < 0 && strcmp(out, "-") != 0)
			remove(out); /* no half-written trace */
	}
	sm_trace_close(r);
	if (n_events)
		*n_events = n;
	if (rc < 0 && errmsg && errlen)
		snprintf(errmsg, errlen, "%s",
			 eb.msg[0] ? eb.msg : smmusim_strerror(rc));
	return rc;
}
