/* SPDX-License-Identifier: MIT */
/*
 * Report rows: the result of each run as one row of a table, for
 * spreadsheets, pandas (read_csv, read_json(lines=True)) and the sweep
 * command, which appends one row per point.  CSV (RFC 4180: a header line,
 * fields quoted when they hold a comma, a quote or a line break) and JSON
 * Lines (one flat object per line, the same columns in the same order).
 *
 * Columns, in order: the caller's fields (provenance, labels, swept keys),
 * then policy, presets, trace, seed, cycles, interrupted, refused_events,
 * violations_total, then every selected counter under its name and every
 * selected histogram as NAME.count, .sum, .min, .p50, .p90, .p99, .max.
 * Like the JSON report, a row depends only on the run and the fields.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include <smmusim/smmusim.h>

#include "base/json.h"
#include "engine/config.h"
#include "sim/report_rows.h"
#include "sim/sim_internal.h"

/* One writer: CSV or JSON Lines, the first column or a later one. */
struct row {
	FILE *f;
	bool csv;
	bool header; /* writing the column names (CSV's first line) */
	size_t col;
};

static bool csv_needs_quotes(const char *s)
{
	return strpbrk(s, ",\"\r\n") != NULL;
}

static void csv_text(FILE *f, const char *s)
{
	if (!csv_needs_quotes(s)) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* A decimal integer without leading zeros (JSON's own spelling). */
static bool is_json_integer(const char *s)
{
	size_t n = strspn(s, "0123456789");
	return n > 0 && n <= 19 && s[n] == '\0' && (s[0] != '0' || n == 1);
}

static void row_sep(struct row *r)
{
	if (r->col++)
		fputc(',', r->f);
}

/* Column `name` with a string value (a number when it spells one). */
static void row_str(struct row *r, const char *name, const char *v)
{
	row_sep(r);
	if (r->csv) {
		csv_text(r->f, r->header ? name : v);
		return;
	}
	sm_json_string(r->f, name);
	fputc(':', r->f);
	if (is_json_integer(v))
		fputs(v, r->f);
	else
		sm_json_string(r->f, v);
}

static void row_u64(struct row *r, const char *name, uint64_t v)
{
	row_sep(r);
	if (r->csv && r->header) {
		csv_text(r->f, name);
		return;
	}
	if (!r->csv) {
		sm_json_string(r->f, name);
		fputc(':', r->f);
	}
	fprintf(r->f, "%" PRIu64, v);
}

static void row_bool(struct row *r, const char *name, bool v)
{
	row_sep(r);
	if (r->csv && r->header)
		csv_text(r->f, name);
	else if (r->csv)
		fputs(v ? "true" : "false", r->f);
	else
		fprintf(r->f, "\"%s\":%s", name, v ? "true" : "false");
}

bool sm_report_stat_selected(const struct smmusim_report_options *o,
			     const char *name)
{
	if (!o || !o->stats)
		return true;
	for (size_t i = 0; i < o->n_stats; i++) {
		const char *sel = o->stats[i];
		size_t n = strlen(sel);
		if (n && sel[n - 1] == '*' ? strncmp(name, sel, n - 1) == 0
					   : strcmp(name, sel) == 0)
			return true;
	}
	return false;
}

static void row_hist(struct row *r, const char *name,
		     const struct smmusim_hist_summary *h)
{
	static const char *const part[] = {"count", "sum", "min", "p50",
					   "p90",   "p99", "max"};
	const uint64_t v[] = {h->count, h->sum, h->min, h->p50,
			      h->p90,	h->p99, h->max};
	char col[256];
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		snprintf(col, sizeof(col), "%s.%s", name, part[i]);
		row_u64(r, col, v[i]);
	}
}

/* The run's columns (or their names when r->header). */
static void row_run(struct row *r, const struct smmusim *s,
		    const struct smmusim_report_options *o)
{
	for (size_t i = 0; o && i < o->n_fields; i++)
		row_str(r, o->field_names[i], o->field_values[i]);
	row_str(r, "policy", s->policy ? s->policy : "default");
	row_str(r, "presets", sm_cfg_presets(s->cfg));
	row_str(r, "trace", s->trace ? s->trace : "");
	row_u64(r, "seed", sm_cfg_u64(s->cfg, SM_K_SIM_SEED));
	row_u64(r, "cycles", s->last_cycle);
	row_bool(r, "interrupted", s->interrupted);
	row_u64(r, "refused_events", s->refused);
	row_u64(r, "violations_total", sm_oracle_total(&s->oracle));
	for (size_t i = 0; i < sm_stats_counter_count(s->stats); i++) {
		const char *name;
		uint64_t v;
		sm_stats_counter_at(s->stats, i, &name, &v);
		if (sm_report_stat_selected(o, name))
			row_u64(r, name, v);
	}
	for (size_t i = 0; i < sm_stats_hist_count(s->stats); i++) {
		const char *name;
		struct smmusim_hist_summary h;
		sm_stats_hist_at(s->stats, i, &name, &h);
		if (sm_report_stat_selected(o, name))
			row_hist(r, name, &h);
	}
}

void sm_report_rows(FILE *f, smmusim_t *const *runs, size_t n, bool csv,
		    const struct smmusim_report_options *o)
{
	struct row r = {.f = f, .csv = csv};
	if (csv && !(o && o->no_header)) {
		r.header = true;
		row_run(&r, runs[0], o);
		fputc('\n', f);
		r.header = false;
	}
	for (size_t i = 0; i < n; i++) {
		r.col = 0;
		if (!csv)
			fputc('{', f);
		row_run(&r, runs[i], o);
		fputs(csv ? "\n" : "}\n", f);
	}
}
