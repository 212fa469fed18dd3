/* SPDX-License-Identifier: MIT */
/*
 * Internal stats registry: named counters and latency histograms.
 *
 * Models register their counters once, when the simulator is built, and keep
 * the returned pointers: the hot path is a plain `(*ctr)++`, never a lookup by
 * name.  Pointers stay valid until sm_stats_free() (counters are never moved).
 * Names are copied.  Registering an existing name returns the same object.
 *
 * Every name must be in the stats table (engine/stat_defs.h): registering
 * one that is not gives NULL and records SMMUSIM_EINTERNAL with a message
 * naming it (sm_stats_error()), so the table cannot drift from the code.
 * Register by ID, not by string: sm_stats_counter_id() for one stat,
 * sm_stats_family_counter() for a member of a family, sm_stats_bind() for a
 * model's whole set of pointer fields at once (src/check/oracle.c is the
 * worked example).  sm_stats_counter(st, "name") stays for call sites not
 * converted yet, checked against the table all the same.
 */
#ifndef SM_ENGINE_STATS_H
#define SM_ENGINE_STATS_H

#include <stddef.h>
#include <stdint.h>

#include <smmusim/alloc.h>
#include <smmusim/stats.h>

#include "engine/stat_defs.h"

struct sm_stats;
struct sm_hist;

/* A registry checked against the stats table (sm_stat_defs). */
int sm_stats_new(struct sm_stats **out, const struct smmusim_allocator *a);
/* The same, checked against another table (the registry's unit tests). */
int sm_stats_new_table(struct sm_stats **out, const struct smmusim_allocator *a,
		       const struct smmusim_stat_def *defs, size_t n);
void sm_stats_free(struct sm_stats *s);

/* The first registration error (SMMUSIM_EINTERNAL: a name not in the table,
 * a family without a member, or a member that is no [a-z0-9_-]+;
 * SMMUSIM_ENOMEM), 0 if none, and its message ("" if none). */
int sm_stats_error(const struct sm_stats *s);
const char *sm_stats_errmsg(const struct sm_stats *s);

/* Register (or find) the counter or histogram of a row that is one name;
 * NULL on error (see sm_stats_error()). */
uint64_t *sm_stats_counter_id(struct sm_stats *s, enum sm_stat_id id);
struct sm_hist *sm_stats_hist_id(struct sm_stats *s, enum sm_stat_id id);
/* Register (or find) one member of a family row: the placeholder is
 * replaced by the printf-style member, e.g.
 * sm_stats_family_counter(st, SM_STAT_SMMU_CMD_OP, "%s", "sync") is
 * "smmu.cmd.sync", and (st, SM_STAT_CPU_PEN_BYSTANDER_CYCLES, "%u", 2) is
 * "cpu.pe2.bystander_cycles". */
uint64_t *sm_stats_family_counter(struct sm_stats *s, enum sm_stat_id id,
				  const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Table-driven registration: a model lists its pointer fields with the row
 * each one counts, and one call fills them all.
 *
 *	static const struct sm_stat_bind oracle_stats[] = {
 *		SM_STAT_BIND(struct sm_oracle, st_lingering, CHECK_LINGERING),
 *		SM_HIST_BIND(struct sm_foo, h_lat, FOO_LATENCY),
 *	};
 *	rc = sm_stats_bind(st, o, oracle_stats,
 *			   sizeof(oracle_stats) / sizeof(oracle_stats[0]));
 *
 * The ID is given without its SM_STAT_/SM_HIST_ prefix, so a counter field
 * can only be bound to a counter row and a histogram field to a histogram
 * row; the field's type is checked at compile time (uint64_t *, or struct
 * sm_hist *).  Family rows are registered member by member with
 * sm_stats_family_counter() instead (sm_stats_bind() refuses them).
 */
struct sm_stat_bind {
	enum sm_stat_id id;
	size_t offset; /* of the pointer field in the model's struct */
};

#define SM_STAT_FIELD_(type, field, ftype)                                     \
	(offsetof(type, field) +                                               \
	 0 * sizeof(struct {                                                   \
		 _Static_assert(__builtin_types_compatible_p(                  \
				    __typeof__(((type *)0)->field), ftype),    \
				#field " has the wrong type for its stat");    \
		 char c_;                                                      \
	 }))
#define SM_STAT_BIND(type, field, id)                                          \
	{                                                                      \
		SM_STAT_##id, SM_STAT_FIELD_(type, field, uint64_t *)          \
	}
#define SM_HIST_BIND(type, field, id)                                          \
	{                                                                      \
		SM_HIST_##id, SM_STAT_FIELD_(type, field, struct sm_hist *)    \
	}

/* Fill obj's fields; 0, or the first error (the other fields are still
 * filled where they can be). */
int sm_stats_bind(struct sm_stats *s, void *obj, const struct sm_stat_bind *b,
		  size_t n);

/* Register (or find) a counter by name; NULL if the name is not in the
 * table or when out of memory (see sm_stats_error()). */
uint64_t *sm_stats_counter(struct sm_stats *s, const char *name);
/* printf-style name, e.g. sm_stats_counterf(s, "smmu.faults.%s", name). */
uint64_t *sm_stats_counterf(struct sm_stats *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Lookup without registering; NULL if absent. */
const uint64_t *sm_stats_find(const struct sm_stats *s, const char *name);

/* Register (or find) a histogram of non-negative integer samples (cycles)
 * by name; NULL as sm_stats_counter(). */
struct sm_hist *sm_stats_hist(struct sm_stats *s, const char *name);
void sm_hist_record(struct sm_hist *h, uint64_t value);
void sm_hist_summary(const struct sm_hist *h, struct smmusim_hist_summary *out);
const struct sm_hist *sm_stats_find_hist(const struct sm_stats *s,
					 const char *name);

/* The table row a registered stat was checked against; NULL if `name` is
 * not registered. */
const struct smmusim_stat_def *sm_stats_def(const struct sm_stats *s,
					    enum smmusim_stat_kind kind,
					    const char *name);

/* Iteration in strcmp order of the names (stable across runs). */
size_t sm_stats_counter_count(const struct sm_stats *s);
void sm_stats_counter_at(const struct sm_stats *s, size_t i, const char **name,
			 uint64_t *value);
size_t sm_stats_hist_count(const struct sm_stats *s);
void sm_stats_hist_at(const struct sm_stats *s, size_t i, const char **name,
		      struct smmusim_hist_summary *summary);

#endif
