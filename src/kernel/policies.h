/* SPDX-License-Identifier: MIT */
/* The kernel policy presets (--policy linux-6.x): which Linux release's
 * behaviour the policy.* keys reproduce (src/kernel/policies.c). */
#ifndef SM_KERNEL_POLICIES_H
#define SM_KERNEL_POLICIES_H

#include <stddef.h>

#include "engine/config.h"

extern const struct sm_preset sm_policy_presets[];
extern const size_t sm_policy_preset_count;

/* A preset name that no longer names a distinct kernel: applying it fails
 * with a message naming the preset that replaces it. */
struct sm_preset_retired {
	const char *name, *use, *why;
};
extern const struct sm_preset_retired sm_policy_retired[];
extern const size_t sm_policy_retired_count;

#endif
