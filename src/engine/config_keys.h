/* SPDX-License-Identifier: MIT */
/*
 * The configuration keys' IDs (SM_K_...), made from the one key table,
 * engine/config_keys.def, and the words of enum keys that models compare
 * against.
 */
#ifndef SM_ENGINE_CONFIG_KEYS_H
#define SM_ENGINE_CONFIG_KEYS_H

enum sm_key_id {
#define B(id, ...) SM_K_##id,
#define U(id, ...) SM_K_##id,
#define E(id, ...) SM_K_##id,
#include "engine/config_keys.def"
#undef B
#undef U
#undef E
	SM_K_COUNT_
};

/* The keys from here to the end bound the host's work and memory, not the
 * model (config_keys.def, "Host limits"): reports leave them out. */
#define SM_K_FIRST_HOST_LIMIT SM_K_SIM_MAX_EVENT_PAGES

/* Enum values (index into the allowed words). */
enum { SM_PLACEMENT_RANGE_END = 0, SM_PLACEMENT_ARCH_FLUSH = 1 };
enum { SM_RANGE_SPLIT_ASCENDING = 0, SM_RANGE_SPLIT_DESCENDING = 1 };
enum { SM_SVA_ASID_SHARED = 0, SM_SVA_ASID_OWN = 1 };
/* Replacement keys' words are in enum sm_tc_repl order (lru, rr, random). */

#endif
