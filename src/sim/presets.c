/* SPDX-License-Identifier: MIT */
/*
 * The public preset API over the two tables it joins: kernel policies
 * (src/kernel/policies.c, kind "policy") and hardware models
 * (src/hw/presets.c, kind "hw").  Only the composition root knows both;
 * the engine applies whichever preset it is given.
 */
#include "hw/presets.h"
#include "kernel/policies.h"

#include <string.h>

#include <smmusim/config.h>
#include <smmusim/error.h>

#include "engine/config.h"

static int preset_table(const char *kind, const struct sm_preset **tab,
			size_t *n)
{
	if (kind && strcmp(kind, "policy") == 0) {
		*tab = sm_policy_presets;
		*n = sm_policy_preset_count;
		return 0;
	}
	if (kind && strcmp(kind, "hw") == 0) {
		*tab = sm_hw_presets;
		*n = sm_hw_preset_count;
		return 0;
	}
	return SMMUSIM_EINVAL;
}

int smmusim_config_apply_preset(smmusim_config_t *cfg, const char *kind,
				const char *name)
{
	const struct sm_preset *tab;
	size_t n;
	if (!cfg || !name)
		return SMMUSIM_EINVAL;
	if (preset_table(kind, &tab, &n) < 0)
		return sm_cfg_error(
		    cfg, SMMUSIM_EINVAL,
		    "unknown preset kind '%s' (allowed: policy, hw)",
		    kind ? kind : "(null)");
	if (strcmp(kind, "policy") == 0)
		for (size_t i = 0; i < sm_policy_retired_count; i++)
			if (strcmp(name, sm_policy_retired[i].name) == 0)
				return sm_cfg_error(
				    cfg, SMMUSIM_EINVAL,
				    "policy preset '%s' was removed: use "
				    "'%s' (%s)",
				    name, sm_policy_retired[i].use,
				    sm_policy_retired[i].why);
	return sm_cfg_apply_preset(cfg, kind, tab, n, name);
}

size_t smmusim_preset_count(const char *kind)
{
	const struct sm_preset *tab;
	size_t n;
	if (preset_table(kind, &tab, &n) < 0)
		return 0;
	return n;
}

int smmusim_preset_info(const char *kind, size_t i, const char **name,
			const char **description,
			const char *const **assignments, size_t *n_assignments)
{
	const struct sm_preset *tab;
	size_t n;
	if (preset_table(kind, &tab, &n) < 0 || i >= n)
		return SMMUSIM_EINVAL;
	if (name)
		*name = tab[i].name;
	if (description)
		*description = tab[i].desc;
	if (assignments)
		*assignments = tab[i].set;
	if (n_assignments)
		*n_assignments = tab[i].n;
	return 0;
}

const char *smmusim_preset_source(const char *kind, size_t i, size_t j)
{
	const struct sm_preset *tab;
	size_t n;
	if (preset_table(kind, &tab, &n) < 0 || i >= n || j >= tab[i].n ||
	    !tab[i].why)
		return NULL;
	return tab[i].why[j];
}
