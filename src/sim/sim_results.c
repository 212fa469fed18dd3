/* SPDX-License-Identifier: MIT */
/*
 * Results of a run: counters and latency histograms (the stats registry,
 * docs/stats.md) and the coherence oracle's violation reports, as the
 * public API (include/smmusim/stats.h, hooks.h) gives them.
 */
#include "sim/sim_internal.h"

const char *smmusim_violation_name(enum smmusim_violation_kind kind)
{
	static const char *const names[] = {
#define SM_VK_NAME_(n, s) s,
	    SMMUSIM_VIOLATION_KINDS(SM_VK_NAME_)
#undef SM_VK_NAME_
	};
	return (unsigned)kind < SMMUSIM_VIOLATION_COUNT_ ? names[kind] : "?";
}

int smmusim_stat_get(const smmusim_t *s, const char *name, uint64_t *value)
{
	const uint64_t *c = s && name ? sm_stats_find(s->stats, name) : NULL;
	if (!c)
		return SMMUSIM_ENOENT;
	if (value)
		*value = *c;
	return 0;
}

size_t smmusim_stat_count(const smmusim_t *s)
{
	return s ? sm_stats_counter_count(s->stats) : 0;
}

int smmusim_stat_at(const smmusim_t *s, size_t i, const char **name,
		    uint64_t *value)
{
	if (!s || i >= sm_stats_counter_count(s->stats))
		return SMMUSIM_EINVAL;
	sm_stats_counter_at(s->stats, i, name, value);
	return 0;
}

size_t smmusim_hist_count(const smmusim_t *s)
{
	return s ? sm_stats_hist_count(s->stats) : 0;
}

int smmusim_hist_at(const smmusim_t *s, size_t i, const char **name,
		    struct smmusim_hist_summary *summary)
{
	if (!s || i >= sm_stats_hist_count(s->stats))
		return SMMUSIM_EINVAL;
	sm_stats_hist_at(s->stats, i, name, summary);
	return 0;
}

int smmusim_hist_get(const smmusim_t *s, const char *name,
		     struct smmusim_hist_summary *summary)
{
	const struct sm_hist *h =
	    s && name ? sm_stats_find_hist(s->stats, name) : NULL;
	if (!h)
		return SMMUSIM_ENOENT;
	if (summary)
		sm_hist_summary(h, summary);
	return 0;
}

void smmusim_set_violation_hook(smmusim_t *s, smmusim_violation_fn fn,
				void *ctx)
{
	if (s)
		sm_oracle_set_hook(&s->oracle, fn, ctx);
}

uint64_t smmusim_violation_total(const smmusim_t *s)
{
	return s ? sm_oracle_total(&s->oracle) : 0;
}

size_t smmusim_violation_count(const smmusim_t *s)
{
	return s ? sm_oracle_kept_count(&s->oracle) : 0;
}

const struct smmusim_violation *smmusim_violation_at(const smmusim_t *s,
						     size_t i)
{
	return s ? sm_oracle_kept_at(&s->oracle, i) : NULL;
}
