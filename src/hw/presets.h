/* SPDX-License-Identifier: MIT */
/* The hardware presets (--hw qemu-7.2, gem5-default): what other
 * simulators model, as sets of smmu.* keys (src/hw/presets.c). */
#ifndef SM_HW_PRESETS_H
#define SM_HW_PRESETS_H

#include <stddef.h>

#include "engine/config.h"

extern const struct sm_preset sm_hw_presets[];
extern const size_t sm_hw_preset_count;

#endif
