/* SPDX-License-Identifier: MIT */
/*
 * The one table of stats: every counter and histogram the simulator can
 * report, with its name, kind, unit and description, written once.
 *
 * Why a table
 * -----------
 * A stat used to be written in three places: the registration call in its
 * model's init (the name as a string), the model's pointer field, and a row
 * of docs/stats.md.  Nothing tied the three together, so a renamed counter
 * or a new one could silently leave the docs behind.  Now the table is the
 * only place that spells a name or describes it:
 *
 *  - the registry (engine/stats.c) registers every row that is one name
 *    when it is created, stored by ID, and a family's members are checked
 *    against their row;
 *  - models count by ID, SM_INC(s->ctr, SMMU_IOTLB_HITS) (engine/stats.h),
 *    with no field and no registration line of their own per stat;
 *  - smmusim_stat_def_at() (<smmusim/stats.h>) lists it for
 *    `smmusim stats --list`;
 *  - docs/stats.md's per-part tables are generated from it, and the test
 *    `stats-doc` fails when they differ (tests/stats_doc.c);
 *  - the test `stats-used` fails when a row that is one name is counted
 *    nowhere in src/ (tests/stats_used.py): a row nobody counts is stale.
 *
 * Shape
 * -----
 * One part per name prefix, in src/engine/stat_defs/PART.def (sim, cpu,
 * smmu, os, dev, check: the sections of docs/stats.md and the model a
 * reader looks for), referenced from one list, stat_defs/list.def.  A row is
 *
 *   SM_COUNTER(ID, "name", COUNT or CYCLES, "description")
 *   SM_HISTOGRAM(ID, "name", "one sample per", "description")
 *
 * and the list is expanded X-macro style: an includer defines the two
 * macros, includes list.def, and undefines them.  The rows are included
 * files rather than one backslash-continued macro because each carries a
 * paragraph of prose.  ID is the name in capitals with '.' and '-' made '_'
 * and a placeholder's angle brackets dropped (tests/test_stats.c checks
 * it); a counter's enum constant is SM_STAT_ID, a histogram's SM_HIST_ID,
 * since a counter and a histogram may share a name (cpu.dsb.wait_cycles is
 * both: the sum, and the distribution).
 *
 * A family of names that differ in one part (one counter per TLBI form, per
 * SMMU command, per PE, per flush routine) is one row whose name is a
 * pattern with one placeholder, "smmu.cmd.<op>"; the placeholder stands for
 * one or more of [a-z0-9_-].  Its members come from the model's own tables
 * (the TLBI operands, the SMMU opcodes, cpu.count), which live in higher
 * layers and are not repeated here.
 *
 * The table lives in the engine layer although it describes every model:
 * the registry registers its rows, and the engine is below the models, so
 * it cannot include a table kept beside them.
 */
#ifndef SM_ENGINE_STAT_DEFS_H
#define SM_ENGINE_STAT_DEFS_H

#include <stdbool.h>
#include <stddef.h>

#include <smmusim/stats.h>

enum sm_stat_id {
#define SM_COUNTER(id, name, unit, desc) SM_STAT_##id,
#define SM_HISTOGRAM(id, name, sample, desc) SM_HIST_##id,
#include "engine/stat_defs/list.def"
#undef SM_COUNTER
#undef SM_HISTOGRAM
	SM_STAT_COUNT_
};

/* The table, indexed by enum sm_stat_id. */
extern const struct smmusim_stat_def sm_stat_defs[SM_STAT_COUNT_];

/* The enum constant's name, "SM_STAT_SMMU_IOTLB_HITS" (for the test that
 * IDs follow names); NULL for an ID out of range. */
const char *sm_stat_id_name(enum sm_stat_id id);

/* Is the row a family ("smmu.cmd.<op>") rather than one name? */
bool sm_stat_def_is_family(const struct smmusim_stat_def *d);
/* Is `name` the row's name, or a member of the row's family? */
bool sm_stat_def_matches(const struct smmusim_stat_def *d, const char *name);
/* The first row of defs[0..n) of that kind that `name` matches, or NULL. */
const struct smmusim_stat_def *
sm_stat_def_lookup(const struct smmusim_stat_def *defs, size_t n,
		   enum smmusim_stat_kind kind, const char *name);

#endif
