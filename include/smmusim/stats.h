/* SPDX-License-Identifier: MIT */
/*
 * Results of a simulation: named counters, latency histograms, violations,
 * and the report writers (text table, JSON).
 *
 * Stat names are dotted and stable API (e.g. "smmu.iotlb.hits",
 * "cpu.tlbi.issued.vae1is"); docs/stats.md lists them.  Every counter a model
 * can produce is registered when the simulator is created, so a counter that
 * stayed 0 is still reported and columns of different runs line up.
 *
 * The definitions of every stat (name, kind, unit, description) are one table
 * in the library, which smmusim_stat_def_at() lists without a simulator (for
 * `smmusim stats --list`) and from which docs/stats.md is generated.  A
 * family of names that differ in one part, such as one counter per SMMU
 * command, is one definition whose name is a pattern: "smmu.cmd.<op>".
 */
#ifndef SMMUSIM_STATS_H
#define SMMUSIM_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Public API: exported from the shared library, which hides everything
 * else (-fvisibility=hidden). */
#pragma GCC visibility push(default)

typedef struct smmusim smmusim_t;

struct smmusim_hist_summary {
	uint64_t count;
	uint64_t sum;
	uint64_t min; /* 0 when count == 0 */
	uint64_t max;
	uint64_t p50; /* percentiles are upper bounds of the bucket that */
	uint64_t p90; /* holds them (relative error <= 1/16), clamped to */
	uint64_t p99; /* [min, max] */
};

enum smmusim_stat_kind {
	SMMUSIM_STAT_COUNTER = 0,
	SMMUSIM_STAT_HISTOGRAM = 1,
};

/* One row of the stats table.  The strings are static. */
struct smmusim_stat_def {
	/* A name ("smmu.iotlb.hits"), or a family's pattern with one
	 * placeholder in angle brackets ("smmu.cmd.<op>",
	 * "cpu.pe<n>.bystander_cycles") standing for one or more of
	 * [a-z0-9_-]. */
	const char *name;
	enum smmusim_stat_kind kind;
	const char *unit; /* "count" or "cycles" */
	const char
	    *sample; /* histograms: what one sample is; "" for counters */
	const char *description; /* one paragraph, Markdown */
};

/* Every stat the library can register, part by part (sim., cpu., smmu.,
 * os., dev., check.), each part's counters in the order of docs/stats.md,
 * then its histograms.  smmusim_stat_def_at() gives NULL past the end. */
size_t smmusim_stat_def_count(void);
const struct smmusim_stat_def *smmusim_stat_def_at(size_t i);
/* The definition of a stat as a run reports it (a counter and a histogram
 * may share a name), e.g. "smmu.cmd.sync" -> the row "smmu.cmd.<op>";
 * NULL if the table has no such stat. */
const struct smmusim_stat_def *
smmusim_stat_def_find(enum smmusim_stat_kind kind, const char *name);
/* "counter" or "histogram" ("?" for anything else). */
const char *smmusim_stat_kind_name(enum smmusim_stat_kind kind);

/* Value of counter `name`; SMMUSIM_ENOENT if no such counter. */
int smmusim_stat_get(const smmusim_t *sim, const char *name, uint64_t *value);
/* Counters in name order: i in [0, smmusim_stat_count()). */
size_t smmusim_stat_count(const smmusim_t *sim);
int smmusim_stat_at(const smmusim_t *sim, size_t i, const char **name,
		    uint64_t *value);
/* Histograms in name order. */
size_t smmusim_hist_count(const smmusim_t *sim);
int smmusim_hist_at(const smmusim_t *sim, size_t i, const char **name,
		    struct smmusim_hist_summary *summary);
int smmusim_hist_get(const smmusim_t *sim, const char *name,
		     struct smmusim_hist_summary *summary);

enum smmusim_format {
	SMMUSIM_FORMAT_TEXT = 0,
	SMMUSIM_FORMAT_JSON = 1,
	SMMUSIM_FORMAT_CSV = 2,	  /* one row per run, a header line first */
	SMMUSIM_FORMAT_JSONL = 3, /* one flat JSON object per run and line */
};

/*
 * Write the results of one or more finished runs (typically the same trace
 * under several policies).  JSON: one object {"runs": [RUN, ...]}; text: a
 * table with one column per run, then each run's violations.  Writes only to
 * `out`, which the caller owns.
 */
int smmusim_write_report(FILE *out, smmusim_t *const *runs, size_t n,
			 enum smmusim_format format);
/*
 * The same report into memory, snprintf's way: *len (if non-NULL) is set to
 * the report's length without its NUL; when it fits (len < size) it is in
 * buf, NUL-terminated, and the call returns 0; otherwise buf gets "" (when
 * size > 0) and the call returns SMMUSIM_ERANGE: call again with a buffer
 * of *len + 1 bytes.  buf may be NULL when size is 0.
 */
int smmusim_write_report_buffer(char *buf, size_t size, size_t *len,
				smmusim_t *const *runs, size_t n,
				enum smmusim_format format);

/*
 * What smmusim_write_report_ex() adds to a report.  Fields are name/value
 * strings carried into the result (provenance, user labels, the swept keys
 * of a sweep): JSON: a top-level object "fields"; text: header lines; CSV
 * and JSON Lines: the first columns of every row (a value written as a
 * decimal integer becomes a JSON number).  `stats` selects the stat columns
 * of CSV and JSON Lines rows: a counter or histogram name, or a prefix
 * ending in '*' ("smmu.iotlb.*"); NULL: every stat.  `no_header`: CSV
 * without its header line (appending to a table).  `size` must be
 * sizeof(struct smmusim_report_options), so that a binding built against
 * another layout fails (SMMUSIM_EINVAL) instead of misreading it.
 */
struct smmusim_report_options {
	size_t size;
	const char *const *field_names;
	const char *const *field_values;
	size_t n_fields;
	const char *const *stats;
	size_t n_stats;
	int no_header;
};
int smmusim_write_report_ex(FILE *out, smmusim_t *const *runs, size_t n,
			    enum smmusim_format format,
			    const struct smmusim_report_options *opts);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
