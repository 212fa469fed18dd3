/* SPDX-License-Identifier: MIT */
/*
 * The stats table expanded (engine/stat_defs.h explains it), name matching
 * for families, and the public listing API of <smmusim/stats.h>.
 */
#include "engine/stat_defs.h"

#include <string.h>

#define SM_UNIT_COUNT_ "count"
#define SM_UNIT_CYCLES_ "cycles"

/* Both arrays expand the same list as enum sm_stat_id, so row i is ID i. */
const struct smmusim_stat_def sm_stat_defs[SM_STAT_COUNT_] = {
#define SM_COUNTER(id, nm, unit, desc)                                         \
	{nm, SMMUSIM_STAT_COUNTER, SM_UNIT_##unit##_, "", desc},
#define SM_HISTOGRAM(id, nm, sample, desc)                                     \
	{nm, SMMUSIM_STAT_HISTOGRAM, SM_UNIT_CYCLES_, sample, desc},
#include "engine/stat_defs/list.def"
#undef SM_COUNTER
#undef SM_HISTOGRAM
};

static const char *const id_names[SM_STAT_COUNT_] = {
#define SM_COUNTER(id, nm, unit, desc) "SM_STAT_" #id,
#define SM_HISTOGRAM(id, nm, sample, desc) "SM_HIST_" #id,
#include "engine/stat_defs/list.def"
#undef SM_COUNTER
#undef SM_HISTOGRAM
};

const char *sm_stat_id_name(enum sm_stat_id id)
{
	return (unsigned)id < SM_STAT_COUNT_ ? id_names[id] : NULL;
}

bool sm_stat_def_is_family(const struct smmusim_stat_def *d)
{
	return strchr(d->name, '<') != NULL;
}

static bool member_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
	       c == '-';
}

bool sm_stat_def_matches(const struct smmusim_stat_def *d, const char *name)
{
	const char *lt = strchr(d->name, '<');
	if (!lt)
		return !strcmp(d->name, name);
	const char *suffix = strchr(lt, '>') + 1;
	size_t plen = (size_t)(lt - d->name), slen = strlen(suffix);
	size_t n = strlen(name);
	if (n <= plen + slen || strncmp(name, d->name, plen) ||
	    strcmp(name + n - slen, suffix))
		return false;
	for (size_t i = plen; i < n - slen; i++)
		if (!member_char(name[i]))
			return false;
	return true;
}

const struct smmusim_stat_def *
sm_stat_def_lookup(const struct smmusim_stat_def *defs, size_t n,
		   enum smmusim_stat_kind kind, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (defs[i].kind == kind && sm_stat_def_matches(&defs[i], name))
			return &defs[i];
	return NULL;
}

/* ---- public listing API ------------------------------------------------- */

size_t smmusim_stat_def_count(void)
{
	return SM_STAT_COUNT_;
}

const struct smmusim_stat_def *smmusim_stat_def_at(size_t i)
{
	return i < SM_STAT_COUNT_ ? &sm_stat_defs[i] : NULL;
}

const struct smmusim_stat_def *
smmusim_stat_def_find(enum smmusim_stat_kind kind, const char *name)
{
	return name ? sm_stat_def_lookup(sm_stat_defs, SM_STAT_COUNT_, kind,
					 name)
		    : NULL;
}

const char *smmusim_stat_kind_name(enum smmusim_stat_kind kind)
{
	switch (kind) {
	case SMMUSIM_STAT_COUNTER:
		return "counter";
	case SMMUSIM_STAT_HISTOGRAM:
		return "histogram";
	}
	return "?";
}
