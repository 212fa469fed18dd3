/* SPDX-License-Identifier: MIT */
/*
 * Report writers: the results of one or more runs as JSON (one object,
 * {"runs": [RUN, ...]}, for pandas and friends) or as a side-by-side text
 * table.  Output depends only on the runs' results, never on addresses or
 * time of day, so the same trace, config and seed give the same bytes.
 */
#define _GNU_SOURCE /* fopencookie: the report into a caller's buffer */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <smmusim/smmusim.h>

#include "engine/config.h"
#include "base/json.h"
#include "sim/report_rows.h"
#include "sim/sim_internal.h"

static const char *perm_text(unsigned p)
{
	static const char *const t[] = {"none", "r",  "w",  "rw",
					"x",	"rx", "wx", "rwx"};
	return t[p & 7];
}

static void json_key(FILE *f, const char *k)
{
	sm_json_string(f, k);
	fputc(':', f);
}

static void json_config(FILE *f, const struct smmusim *s)
{
	fputc('{', f);
	/* the host limits are not the model's: not reported */
	for (size_t i = 0; i < SM_K_FIRST_HOST_LIMIT; i++) {
		struct smmusim_key_info ki;
		char val[64];
		smmusim_config_key_info(i, &ki);
		sm_cfg_format(s->cfg, (enum sm_key_id)i, val, sizeof(val));
		if (i)
			fputc(',', f);
		json_key(f, ki.name);
		switch (ki.type) {
		case SMMUSIM_KEY_U64:
			fputs(val, f);
			break;
		case SMMUSIM_KEY_BOOL:
			fputs(strcmp(val, "on") == 0 ? "true" : "false", f);
			break;
		case SMMUSIM_KEY_ENUM:
			sm_json_string(f, val);
			break;
		}
	}
	fputc('}', f);
}

static void json_violation(FILE *f, const struct smmusim_violation *v)
{
	fputc('{', f);
	json_key(f, "kind");
	sm_json_string(f, smmusim_violation_name(v->kind));
	fprintf(f, ",\"line\":%" PRIu32 ",\"cycle\":%" PRIu64, v->line,
		v->cycle);
	fputc(',', f);
	json_key(f, "agent");
	sm_json_string(f, v->agent);
	if (v->agent_kind == SMMUSIM_AGENT_CPU)
		fprintf(f, ",\"cpu\":%" PRIu32, v->cpu);
	else if (v->ssid == SMMUSIM_NO_SSID)
		fprintf(f, ",\"sid\":%" PRIu32, v->sid);
	else
		fprintf(f, ",\"sid\":%" PRIu32 ",\"ssid\":%" PRIu32, v->sid,
			v->ssid);
	fputc(',', f);
	json_key(f, "cache");
	sm_json_string(f, v->cache);
	fprintf(f, ",\"va\":%" PRIu64 ",\"access\":\"%s\",\"asid\":%" PRIu32,
		v->va, v->write ? "w" : "r", v->asid);
	fprintf(f, ",\"entry\":{\"pa\":%" PRIu64 ",\"perm\":\"%s\"",
		v->entry_pa, perm_text(v->entry_perm));
	if (v->entry_page[0]) {
		fputs(",\"page_now\":", f);
		sm_json_string(f, v->entry_page);
	}
	fputc('}', f);
	if (v->truth_valid)
		fprintf(f,
			",\"page_table\":{\"pa\":%" PRIu64 ",\"perm\":\"%s\"}",
			v->truth_pa, perm_text(v->truth_perm));
	else
		fputs(",\"page_table\":null", f);
	if (v->kind == SMMUSIM_VIOLATION_FAULT_LIVELOCK)
		fprintf(f, ",\"faults\":%" PRIu32, v->faults);
	fputc('}', f);
}

static void json_run(FILE *f, const struct smmusim *s)
{
	fputc('{', f);
	json_key(f, "policy");
	sm_json_string(f, s->policy ? s->policy : "default");
	fputc(',', f);
	json_key(f, "presets");
	sm_json_string(f, sm_cfg_presets(s->cfg));
	fputc(',', f);
	json_key(f, "trace");
	sm_json_string(f, s->trace ? s->trace : "");
	fprintf(f, ",\"seed\":%" PRIu64 ",\"cycles\":%" PRIu64,
		sm_cfg_u64(s->cfg, SM_K_SIM_SEED), s->last_cycle);
	/* Only when they happened, so that a complete run's report keeps
	 * the layout it always had. */
	if (s->interrupted)
		fputs(",\"interrupted\":true", f);
	if (s->refused)
		fprintf(f, ",\"refused_events\":%" PRIu64, s->refused);
	fputs(",\"config\":", f);
	json_config(f, s);

	fputs(",\"stats\":{", f);
	for (size_t i = 0; i < sm_stats_counter_count(s->stats); i++) {
		const char *name;
		uint64_t v;
		sm_stats_counter_at(s->stats, i, &name, &v);
		if (i)
			fputc(',', f);
		json_key(f, name);
		sm_json_u64(f, v);
	}
	fputs("},\"latency\":{", f);
	for (size_t i = 0; i < sm_stats_hist_count(s->stats); i++) {
		const char *name;
		struct smmusim_hist_summary h;
		sm_stats_hist_at(s->stats, i, &name, &h);
		if (i)
			fputc(',', f);
		json_key(f, name);
		fprintf(f,
			"{\"count\":%" PRIu64 ",\"sum\":%" PRIu64
			",\"min\":%" PRIu64 ",\"p50\":%" PRIu64
			",\"p90\":%" PRIu64 ",\"p99\":%" PRIu64
			",\"max\":%" PRIu64 "}",
			h.count, h.sum, h.min, h.p50, h.p90, h.p99, h.max);
	}
	fprintf(f, "},\"violations_total\":%" PRIu64 ",\"violations\":[",
		sm_oracle_total(&s->oracle));
	for (size_t i = 0; i < sm_oracle_kept_count(&s->oracle); i++) {
		if (i)
			fputc(',', f);
		json_violation(f, sm_oracle_kept_at(&s->oracle, i));
	}
	fputs("]}", f);
}

/* ---- text ---- */

static const char *run_label(const struct smmusim *s)
{
	return s->policy ? s->policy : "default";
}

static void text_violation(FILE *f, const struct smmusim_violation *v)
{
	fprintf(f,
		"    %s: line %" PRIu32 ", cycle %" PRIu64
		", %s, %s va=0x%" PRIx64,
		smmusim_violation_name(v->kind), v->line, v->cycle, v->agent,
		v->kind == SMMUSIM_VIOLATION_USE_AFTER_FREE ? "frees"
		: v->write				    ? "write"
							    : "read",
		v->va);
	if (v->kind == SMMUSIM_VIOLATION_USE_AFTER_FREE)
		fprintf(f,
			" pa=0x%" PRIx64 " before its invalidation completed",
			v->entry_pa);
	if (v->cache[0])
		fprintf(
		    f, ", %s entry asid=%" PRIu32 " pa=0x%" PRIx64 " perm=%s",
		    v->cache, v->asid, v->entry_pa, perm_text(v->entry_perm));
	if (v->cache[0] && v->entry_page[0])
		fprintf(f, " (page now: %s)", v->entry_page);
	if (v->truth_valid)
		fprintf(f, "; page table: pa=0x%" PRIx64 " perm=%s",
			v->truth_pa, perm_text(v->truth_perm));
	else
		fputs("; page table: not mapped", f);
	if (v->kind == SMMUSIM_VIOLATION_FAULT_LIVELOCK)
		fprintf(f, "; %" PRIu32 " faults in a row", v->faults);
	fputc('\n', f);
}

enum { W0 = 40, W = 16 }; /* widths: row names, one run's column */

static void text_header(FILE *f, const struct smmusim *s0,
			const struct smmusim_report_options *o)
{
	for (size_t i = 0; o && i < o->n_fields; i++)
		fprintf(f, "%s: %s\n", o->field_names[i], o->field_values[i]);
	fprintf(f, "trace: %s   seed: %" PRIu64 "\n",
		s0->trace ? s0->trace : "(api)",
		sm_cfg_u64(s0->cfg, SM_K_SIM_SEED));
}

/* Whether config key id has different values in the runs. */
static bool key_differs(smmusim_t *const *runs, size_t n, enum sm_key_id id)
{
	char first[64], val[64];
	sm_cfg_format(runs[0]->cfg, id, first, sizeof(first));
	for (size_t r = 1; r < n; r++) {
		sm_cfg_format(runs[r]->cfg, id, val, sizeof(val));
		if (strcmp(val, first) != 0)
			return true;
	}
	return false;
}

static void text_column_heads(FILE *f, smmusim_t *const *runs, size_t n)
{
	fprintf(f, "\n%-*s", W0, "");
	for (size_t r = 0; r < n; r++)
		fprintf(f, " %*s", W, run_label(runs[r]));
	fputc('\n', f);
}

/* The config keys that differ between runs, one row each, then a blank
 * line; nothing when every run has the same config. */
static void text_config_diff(FILE *f, smmusim_t *const *runs, size_t n)
{
	size_t nk = smmusim_config_key_count();
	bool any = false;
	for (size_t k = 0; k < nk && n > 1 && !any; k++)
		any = key_differs(runs, n, (enum sm_key_id)k);
	if (!any)
		return;
	for (size_t k = 0; k < nk; k++) {
		enum sm_key_id id = (enum sm_key_id)k;
		char val[64];
		if (!key_differs(runs, n, id))
			continue;
		fprintf(f, "%-*s", W0, sm_cfg_key_name(id));
		for (size_t r = 0; r < n; r++) {
			sm_cfg_format(runs[r]->cfg, id, val, sizeof(val));
			fprintf(f, " %*s", W, val);
		}
		fputc('\n', f);
	}
	fputc('\n', f);
}

/* Counters: the first run's names (every run registers the same set),
 * rows where some run is non-zero. */
static void text_counters(FILE *f, smmusim_t *const *runs, size_t n)
{
	const struct smmusim *s0 = runs[0];
	size_t nc = sm_stats_counter_count(s0->stats), hidden = 0;
	for (size_t i = 0; i < nc; i++) {
		const char *name;
		uint64_t v;
		bool nonzero = false;
		sm_stats_counter_at(s0->stats, i, &name, &v);
		for (size_t r = 0; r < n; r++) {
			uint64_t x = 0;
			smmusim_stat_get(runs[r], name, &x);
			nonzero |= x != 0;
		}
		if (!nonzero) {
			hidden++;
			continue;
		}
		fprintf(f, "%-*s", W0, name);
		for (size_t r = 0; r < n; r++) {
			uint64_t x = 0;
			smmusim_stat_get(runs[r], name, &x);
			fprintf(f, " %*" PRIu64, W, x);
		}
		fputc('\n', f);
	}
	if (hidden)
		fprintf(f,
			"(%zu counters are 0 in every run; --format json "
			"lists them all)\n",
			hidden);
}

/* Latency histograms some run recorded into: p50/p99/max per run. */
static void text_latency(FILE *f, smmusim_t *const *runs, size_t n)
{
	const struct smmusim *s0 = runs[0];
	fprintf(f, "\n%-*s", W0, "latency p50/p99/max (cycles)");
	fputc('\n', f);
	size_t nh = sm_stats_hist_count(s0->stats);
	for (size_t i = 0; i < nh; i++) {
		const char *name;
		struct smmusim_hist_summary h;
		bool used = false;
		sm_stats_hist_at(s0->stats, i, &name, &h);
		for (size_t r = 0; r < n; r++) {
			struct smmusim_hist_summary hr;
			if (smmusim_hist_get(runs[r], name, &hr) == 0 &&
			    hr.count)
				used = true;
		}
		if (!used)
			continue;
		fprintf(f, "%-*s", W0, name);
		for (size_t r = 0; r < n; r++) {
			struct smmusim_hist_summary hr = {0};
			char cell[64];
			smmusim_hist_get(runs[r], name, &hr);
			snprintf(cell, sizeof(cell),
				 "%" PRIu64 "/%" PRIu64 "/%" PRIu64, hr.p50,
				 hr.p99, hr.max);
			fprintf(f, " %*s", W, cell);
		}
		fputc('\n', f);
	}
}

static void text_violations(FILE *f, smmusim_t *const *runs, size_t n)
{
	fputs("\nviolations\n", f);
	for (size_t r = 0; r < n; r++) {
		const struct sm_oracle *o = &runs[r]->oracle;
		const char *label = run_label(runs[r]);
		uint64_t total = sm_oracle_total(o);
		size_t kept = sm_oracle_kept_count(o);
		if (!sm_oracle_enabled(o)) {
			fprintf(f, "  %s: not checked (check.enable=off)\n",
				label);
			continue;
		}
		if (!total) {
			fprintf(f, "  %s: none\n", label);
			continue;
		}
		fprintf(f, "  %s: %" PRIu64 "\n", label, total);
		for (size_t i = 0; i < kept; i++)
			text_violation(f, sm_oracle_kept_at(o, i));
		if (total > kept)
			fprintf(f, "    (%" PRIu64 " more not kept)\n",
				total - kept);
	}
}

/* The side-by-side table: one column per run. */
static void text_report(FILE *f, smmusim_t *const *runs, size_t n,
			const struct smmusim_report_options *o)
{
	text_header(f, runs[0], o);
	text_column_heads(f, runs, n);
	text_config_diff(f, runs, n);
	text_counters(f, runs, n);
	text_latency(f, runs, n);
	text_violations(f, runs, n);
}

/* The runs' state a reader must not miss: an interrupted or keep-going
 * run measured less than the whole trace. */
static void text_run_notes(FILE *f, smmusim_t *const *runs, size_t n)
{
	for (size_t r = 0; r < n; r++) {
		if (runs[r]->interrupted)
			fprintf(f,
				"%s: interrupted: results up to cycle %" PRIu64
				" only\n",
				run_label(runs[r]), runs[r]->last_cycle);
		if (runs[r]->refused)
			fprintf(f, "%s: %" PRIu64 " refused events skipped\n",
				run_label(runs[r]), runs[r]->refused);
	}
}

static void json_report(FILE *out, smmusim_t *const *runs, size_t n,
			const struct smmusim_report_options *o)
{
	fputc('{', out);
	if (o && o->n_fields) {
		json_key(out, "fields");
		fputc('{', out);
		for (size_t i = 0; i < o->n_fields; i++) {
			if (i)
				fputc(',', out);
			json_key(out, o->field_names[i]);
			sm_json_string(out, o->field_values[i]);
		}
		fputs("},", out);
	}
	fputs("\"runs\":[", out);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputc(',', out);
		json_run(out, runs[i]);
	}
	fputs("]}\n", out);
}

int smmusim_write_report_ex(FILE *out, smmusim_t *const *runs, size_t n,
			    enum smmusim_format format,
			    const struct smmusim_report_options *o)
{
	if (!out || !runs || !n || (o && o->size != sizeof(*o)))
		return SMMUSIM_EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!runs[i])
			return SMMUSIM_EINVAL;
	switch (format) {
	case SMMUSIM_FORMAT_JSON:
		json_report(out, runs, n, o);
		break;
	case SMMUSIM_FORMAT_TEXT:
		text_report(out, runs, n, o);
		text_run_notes(out, runs, n);
		break;
	case SMMUSIM_FORMAT_CSV:
	case SMMUSIM_FORMAT_JSONL:
		sm_report_rows(out, runs, n, format == SMMUSIM_FORMAT_CSV, o);
		break;
	default:
		return SMMUSIM_EINVAL;
	}
	return ferror(out) ? SMMUSIM_EIO : 0;
}

int smmusim_write_report(FILE *out, smmusim_t *const *runs, size_t n,
			 enum smmusim_format format)
{
	return smmusim_write_report_ex(out, runs, n, format, NULL);
}

/* The buffer writer behind smmusim_write_report_buffer(): counts every
 * byte, keeps those that fit (one byte stays free for the NUL). */
struct report_sink {
	char *buf;
	size_t size, len;
};

static ssize_t sink_write(void *cookie, const char *data, size_t n)
{
	struct report_sink *k = cookie;
	if (k->size && k->len < k->size - 1) {
		size_t room = k->size - 1 - k->len;
		memcpy(k->buf + k->len, data, n < room ? n : room);
	}
	k->len += n;
	return (ssize_t)n;
}

int smmusim_write_report_buffer(char *buf, size_t size, size_t *len,
				smmusim_t *const *runs, size_t n,
				enum smmusim_format format)
{
	struct report_sink k = {buf, size, 0};
	if (len)
		*len = 0;
	if (!buf && size)
		return SMMUSIM_EINVAL;
	if (size)
		buf[0] = '\0';
	FILE *f =
	    fopencookie(&k, "w", (cookie_io_functions_t){.write = sink_write});
	if (!f)
		return SMMUSIM_ENOMEM;
	int rc = smmusim_write_report(f, runs, n, format);
	if (fclose(f) != 0 && rc == 0)
		rc = SMMUSIM_EIO;
	if (rc < 0) {
		if (size)
			buf[0] = '\0';
		return rc;
	}
	if (len)
		*len = k.len;
	if (k.len >= size) {
		if (size)
			buf[0] = '\0';
		return SMMUSIM_ERANGE;
	}
	buf[k.len] = '\0';
	return 0;
}
