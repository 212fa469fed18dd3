/* SPDX-License-Identifier: MIT */
/* The kernel policy presets (--policy linux-6.x): which Linux release's
 * behaviour the policy.* keys reproduce (src/kernel/policies.c). */
#ifndef SM_KERNEL_POLICIES_H
#define SM_KERNEL_POLICIES_H

#include <stddef.h>

#include "engine/config.h"

extern const struct sm_preset sm_policy_presets[];
extern const size_t sm_policy_preset_count;

#endif
