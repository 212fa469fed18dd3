/* SPDX-License-Identifier: MIT */
/*
 * Internal stats registry: named counters and latency histograms.
 *
 * Models register their counters once, when the simulator is built, and keep
 * the returned pointers: the hot path is a plain `(*ctr)++`, never a lookup by
 * name.  Pointers stay valid until sm_stats_free() (counters are never moved).
 * Names are copied.  Registering an existing name returns the same object.
 */
#ifndef SM_ENGINE_STATS_H
#define SM_ENGINE_STATS_H

#include <stddef.h>
#include <stdint.h>

#include <smmusim/alloc.h>
#include <smmusim/stats.h>

struct sm_stats;
struct sm_hist;

int sm_stats_new(struct sm_stats **out, const struct smmusim_allocator *a);
void sm_stats_free(struct sm_stats *s);

/* Register (or find) a counter; NULL only when out of memory. */
uint64_t *sm_stats_counter(struct sm_stats *s, const char *name);
/* printf-style name, e.g. sm_stats_counterf(s, "cpu.tlbi.issued.%s", op). */
uint64_t *sm_stats_counterf(struct sm_stats *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Lookup without registering; NULL if absent. */
const uint64_t *sm_stats_find(const struct sm_stats *s, const char *name);

/* Register (or find) a histogram of non-negative integer samples (cycles). */
struct sm_hist *sm_stats_hist(struct sm_stats *s, const char *name);
void sm_hist_record(struct sm_hist *h, uint64_t value);
void sm_hist_summary(const struct sm_hist *h, struct smmusim_hist_summary *out);
const struct sm_hist *sm_stats_find_hist(const struct sm_stats *s,
					 const char *name);

/* Iteration in strcmp order of the names (stable across runs). */
size_t sm_stats_counter_count(const struct sm_stats *s);
void sm_stats_counter_at(const struct sm_stats *s, size_t i, const char **name,
			 uint64_t *value);
size_t sm_stats_hist_count(const struct sm_stats *s);
void sm_stats_hist_at(const struct sm_stats *s, size_t i, const char **name,
		      struct smmusim_hist_summary *summary);

#endif
