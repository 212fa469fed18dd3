/* SPDX-License-Identifier: MIT */
/* Internal typed access to a config: models read their keys once, when the
 * simulator is built, never by name on a hot path. */
#ifndef SM_ENGINE_CONFIG_H
#define SM_ENGINE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <smmusim/config.h>

#include "engine/config_keys.h"

uint64_t sm_cfg_u64(const smmusim_config_t *cfg, enum sm_key_id id);
static inline bool sm_cfg_bool(const smmusim_config_t *cfg, enum sm_key_id id)
{
	return sm_cfg_u64(cfg, id) != 0;
}
/* Enum keys: index of the word in the key's allowed list. */
static inline unsigned sm_cfg_enum(const smmusim_config_t *cfg,
				   enum sm_key_id id)
{
	return (unsigned)sm_cfg_u64(cfg, id);
}
/* A model's numeric settings as a table of (field, key), read in one call
 * (the latencies of the CPU and the SMMU). */
struct sm_cfg_u64_field {
	uint64_t *field;
	enum sm_key_id key;
};
static inline void sm_cfg_read_u64s(const smmusim_config_t *cfg,
				    const struct sm_cfg_u64_field *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		*f[i].field = sm_cfg_u64(cfg, f[i].key);
}
#define SM_CFG_READ_U64S(cfg, table)                                           \
	sm_cfg_read_u64s((cfg), (table), sizeof(table) / sizeof((table)[0]))

/* Name of key id, and its current value as text (buf of >= 64 bytes). */
const char *sm_cfg_key_name(enum sm_key_id id);
void sm_cfg_format(const smmusim_config_t *cfg, enum sm_key_id id, char *buf,
		   size_t len);
/* Names of presets applied, in order, "+"-joined ("" if none). */
const char *sm_cfg_presets(const smmusim_config_t *cfg);
#define SM_CFG_PRESETS_LEN 128
/* The allocator the config was created with. */
const struct smmusim_allocator *sm_cfg_alloc(const smmusim_config_t *cfg);

/* Every value and the list of presets, saved to undo a group of settings
 * that failed half-way (a config file, a set of layers). */
struct sm_cfg_saved {
	uint64_t val[SM_K_COUNT_];
	char presets[SM_CFG_PRESETS_LEN];
};
void sm_cfg_save(const smmusim_config_t *cfg, struct sm_cfg_saved *out);
void sm_cfg_restore(smmusim_config_t *cfg, const struct sm_cfg_saved *in);

/* A preset: a named list of "key=value" assignments.  The tables live with
 * what they model (kernel/policies.c, hw/presets.c); the composition root
 * hands one to sm_cfg_apply_preset. */
struct sm_preset {
	const char *name;
	const char *desc;
	const char *const *set;
	size_t n;
	/* Per assignment, where its value comes from (kernel file, function,
	 * commit or release), or NULL for a preset without sources. */
	const char *const *why;
};
#define SM_PRESET(name, desc, set)                                             \
	{                                                                      \
		(name), (desc), (set), sizeof(set) / sizeof((set)[0]), NULL    \
	}
/* A preset whose every assignment cites its source: `why` has one entry
 * per entry of `set` (checked at compile time). */
#define SM_PRESET_CITED(name, desc, set, why)                                  \
	{                                                                      \
		(name), (desc), (set),                                         \
		    sizeof(set) / sizeof((set)[0]) +                           \
			0 * sizeof(char[sizeof(set) == sizeof(why) ? 1 : -1]), \
		    (why)                                                      \
	}

/* Apply preset `name` of tab[0..n), a table of `kind` ("policy", "hw":
 * for messages), and add its name to the config's list of presets.  An
 * unknown name fails with a message listing the table's names. */
int sm_cfg_apply_preset(smmusim_config_t *cfg, const char *kind,
			const struct sm_preset *tab, size_t n,
			const char *name);
/* Leave a message in cfg (see smmusim_config_error); returns code. */
int sm_cfg_error(smmusim_config_t *cfg, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
