/* SPDX-License-Identifier: MIT */
/*
 * Results of a simulation: named counters, latency histograms, violations,
 * and the report writers (text table, JSON).
 *
 * Stat names are dotted and stable API (e.g. "smmu.iotlb.hits",
 * "cpu.tlbi.issued.vae1is"); docs/stats.md lists them.  Every counter a model
 * can produce is registered when the simulator is created, so a counter that
 * stayed 0 is still reported and columns of different runs line up.
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
};

/*
 * Write the results of one or more finished runs (typically the same trace
 * under several policies).  JSON: one object {"runs": [RUN, ...]}; text: a
 * table with one column per run, then each run's violations.  Writes only to
 * `out`, which the caller owns.
 */
int smmusim_write_report(FILE *out, smmusim_t *const *runs, size_t n,
			 enum smmusim_format format);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
