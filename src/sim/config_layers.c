/* SPDX-License-Identifier: MIT */
/*
 * Which setting wins: a configuration is built in layers, each overriding
 * the ones before it -- the keys' defaults, hardware presets, the policy
 * preset, config files, single "key=value" assignments.  The order is the
 * library's, so every program that links it (the smmusim command among
 * them) gets the same configuration from the same inputs.  It lives in the
 * composition root because it joins the kernel's and the hardware's preset
 * tables (presets.c).
 */
#include <smmusim/config.h>
#include <smmusim/error.h>

#include "engine/config.h"

static int apply_all(smmusim_config_t *cfg,
		     const struct smmusim_config_layers *l)
{
	int rc;
	for (size_t i = 0; i < l->n_hw; i++)
		if ((rc = smmusim_config_apply_preset(cfg, "hw", l->hw[i])) < 0)
			return rc;
	if (l->policy &&
	    (rc = smmusim_config_apply_preset(cfg, "policy", l->policy)) < 0)
		return rc;
	for (size_t i = 0; i < l->n_files; i++)
		if ((rc = smmusim_config_load_file(cfg, l->files[i])) < 0)
			return rc;
	for (size_t i = 0; i < l->n_sets; i++)
		if ((rc = smmusim_config_set_assignment(cfg, l->sets[i])) < 0)
			return rc;
	return 0;
}

int smmusim_config_apply_layers(smmusim_config_t *cfg,
				const struct smmusim_config_layers *l)
{
	struct sm_cfg_saved saved;
	if (!cfg || !l || (l->n_hw && !l->hw) || (l->n_files && !l->files) ||
	    (l->n_sets && !l->sets))
		return SMMUSIM_EINVAL;
	sm_cfg_save(cfg, &saved);
	int rc = apply_all(cfg, l);
	if (rc < 0)
		sm_cfg_restore(cfg, &saved);
	return rc;
}
