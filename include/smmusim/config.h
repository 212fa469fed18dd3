/* SPDX-License-Identifier: MIT */
/*
 * One key space for every knob: `-o key=value` on the command line, lines of
 * a config file, and smmusim_config_set() here.  Every key has a type, a
 * default, an allowed range or set of values, and a one-line description;
 * `smmusim config --list` prints them all.  Presets ("--policy linux-6.6")
 * are named sets of keys applied in order; smmusim_config_apply_layers()
 * is the rule for which of presets, files and single keys wins.
 */
#ifndef SMMUSIM_CONFIG_H
#define SMMUSIM_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include <smmusim/alloc.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Public API: exported from the shared library, which hides everything
 * else (-fvisibility=hidden). */
#pragma GCC visibility push(default)

typedef struct smmusim_config smmusim_config_t;

enum smmusim_key_type {
	SMMUSIM_KEY_BOOL = 0, /* on|off (also true|false, yes|no, 1|0) */
	SMMUSIM_KEY_U64 = 1,  /* decimal or 0x hex, optional K/M/G suffix */
	SMMUSIM_KEY_ENUM = 2, /* one of the allowed words */
};

struct smmusim_key_info {
	const char *name;
	enum smmusim_key_type type;
	const char *type_name;	 /* "bool", "u64", "enum" */
	char def[32];		 /* default, as text */
	char allowed[128];	 /* "on|off", "1..64", "range_end|arch_flush" */
	const char *description; /* one line, ends with its source */
};

/* A config holding every key's default. `alloc` may be NULL. */
int smmusim_config_new(smmusim_config_t **out,
		       const struct smmusim_allocator *alloc);
void smmusim_config_free(smmusim_config_t *cfg);
int smmusim_config_copy(smmusim_config_t *dst, const smmusim_config_t *src);

/* Set one key from text.  On error the message names the key and what is
 * allowed (see smmusim_config_error()). */
int smmusim_config_set(smmusim_config_t *cfg, const char *key,
		       const char *value);
/* Parse "key=value". */
int smmusim_config_set_assignment(smmusim_config_t *cfg, const char *kv);
/* Current value of a key as text, NUL-terminated in buf[0..len).  A value
 * never needs more than SMMUSIM_CONFIG_VALUE_MAX bytes (with its NUL); into
 * a shorter buffer that cannot hold it, buf gets "" (never a truncated
 * value) and the call returns SMMUSIM_ERANGE.  SMMUSIM_ENOKEY for an
 * unknown key, SMMUSIM_EINVAL for a NULL argument. */
#define SMMUSIM_CONFIG_VALUE_MAX 32
int smmusim_config_get(const smmusim_config_t *cfg, const char *key, char *buf,
		       size_t len);
const char *smmusim_config_error(const smmusim_config_t *cfg);

/* The static key table. */
size_t smmusim_config_key_count(void);
int smmusim_config_key_info(size_t i, struct smmusim_key_info *out);

/*
 * Config files: one "key = value" a line; '#' starts a comment; blank lines
 * are skipped; spaces and tabs around key and value are trimmed.  The whole
 * file is read and its syntax checked, then its settings apply in order (a
 * later line wins).  On any error cfg is left as it was and
 * smmusim_config_error() says "FILE:LINE:COLUMN: message" (or why the file
 * could not be read: SMMUSIM_EIO; SMMUSIM_ERANGE for a file over 1 MiB).
 * A control byte (a NUL included; tab and the CR of CRLF are fine) is an
 * error at its column.
 */
int smmusim_config_load_file(smmusim_config_t *cfg, const char *path);
/* The same from memory; `name` stands for FILE in messages (NULL:
 * "(string)"). */
int smmusim_config_load_string(smmusim_config_t *cfg, const char *name,
			       const char *text);

/*
 * Which setting wins.  A configuration is built from layers applied in this
 * fixed order, so that the more specific setting always wins: the key's
 * default, then hardware presets (in order), then the policy preset, then
 * config files (in order), then single "key=value" assignments (in order).
 * Any pointer may be NULL when its count is 0.
 */
struct smmusim_config_layers {
	const char *const *hw; /* hardware preset names */
	size_t n_hw;
	const char *policy;	  /* a policy preset name, or NULL */
	const char *const *files; /* config file paths */
	size_t n_files;
	const char *const *sets; /* "key=value" */
	size_t n_sets;
};
/* Apply the layers to cfg (usually fresh from smmusim_config_new()).  On
 * error cfg is left as it was; smmusim_config_error() says which layer
 * failed and why. */
int smmusim_config_apply_layers(smmusim_config_t *cfg,
				const struct smmusim_config_layers *layers);

/* Presets.  kind is "policy" (kernel behaviour) or "hw" (hardware). */
int smmusim_config_apply_preset(smmusim_config_t *cfg, const char *kind,
				const char *name);
size_t smmusim_preset_count(const char *kind);
/* name, description, and the preset's "key=value" assignments. */
int smmusim_preset_info(const char *kind, size_t i, const char **name,
			const char **description,
			const char *const **assignments, size_t *n_assignments);
/* Where assignment j of preset i comes from (for kernel presets: the
 * kernel file, function and commit or release), or NULL if the preset does
 * not say. */
const char *smmusim_preset_source(const char *kind, size_t i, size_t j);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
