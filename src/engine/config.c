/* SPDX-License-Identifier: MIT */
/*
 * Config registry.
 *
 * The key table (config_keys.def) is constant data; a config object is just one
 * uint64_t per key (booleans 0/1, enums the index of their word), so copying
 * a config is a memcpy and reading a key on the model side is an array load.
 * Every setter validates against the table and, on failure, leaves a message
 * that names the key and what it allows: "cpu.count: 0 is out of range
 * 1..256".
 */
#include "engine/config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <smmusim/error.h>

#include "base/alloc.h"
#include "base/errbuf.h"
#include "base/parse.h"

struct key_def {
	const char *name;
	enum smmusim_key_type type;
	uint64_t def, min, max;
	const char *words; /* enum: "a|b|c" */
	const char *desc;
};

static const struct key_def keys[SM_K_COUNT_] = {
#define B(id, nm, d, ds)                                                       \
	[SM_K_##id] = {nm, SMMUSIM_KEY_BOOL, d, 0, 1, NULL, ds},
#define U(id, nm, d, lo, hi, ds)                                               \
	[SM_K_##id] = {nm, SMMUSIM_KEY_U64, d, lo, hi, NULL, ds},
#define E(id, nm, d, w, ds)                                                    \
	[SM_K_##id] = {nm, SMMUSIM_KEY_ENUM, d, 0, 0, w, ds},
#include "engine/config_keys.def"
#undef B
#undef U
#undef E
};

struct smmusim_config {
	const struct smmusim_allocator *alloc;
	uint64_t val[SM_K_COUNT_];
	char presets[SM_CFG_PRESETS_LEN];
	struct sm_errbuf err;
};

static int find_key(const char *name, size_t n)
{
	for (int i = 0; i < SM_K_COUNT_; i++)
		if (strlen(keys[i].name) == n &&
		    strncmp(keys[i].name, name, n) == 0)
			return i;
	return -1;
}

static void allowed_text(const struct key_def *k, char *buf, size_t len)
{
	switch (k->type) {
	case SMMUSIM_KEY_BOOL:
		snprintf(buf, len, "on|off");
		break;
	case SMMUSIM_KEY_U64:
		snprintf(buf, len, "%" PRIu64 "..%" PRIu64, k->min, k->max);
		break;
	case SMMUSIM_KEY_ENUM:
		snprintf(buf, len, "%s", k->words);
		break;
	}
}

/* Index of word w[0..n) in "a|b|c", or -1. */
static int enum_index(const char *words, const char *w, size_t n)
{
	int idx = 0;
	const char *p = words;
	for (;;) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);
		if (len == n && strncmp(p, w, n) == 0)
			return idx;
		if (!bar)
			return -1;
		p = bar + 1;
		idx++;
	}
}

static void enum_word(const char *words, uint64_t idx, char *buf, size_t len)
{
	const char *p = words;
	for (uint64_t i = 0; i < idx && p; i++) {
		p = strchr(p, '|');
		if (p)
			p++;
	}
	if (!p) {
		snprintf(buf, len, "?");
		return;
	}
	const char *bar = strchr(p, '|');
	size_t n = bar ? (size_t)(bar - p) : strlen(p);
	snprintf(buf, len, "%.*s", (int)n, p);
}

static void format_value(const struct key_def *k, uint64_t v, char *buf,
			 size_t len)
{
	switch (k->type) {
	case SMMUSIM_KEY_BOOL:
		snprintf(buf, len, "%s", v ? "on" : "off");
		break;
	case SMMUSIM_KEY_U64:
		snprintf(buf, len, "%" PRIu64, v);
		break;
	case SMMUSIM_KEY_ENUM:
		enum_word(k->words, v, buf, len);
		break;
	}
}

int smmusim_config_new(smmusim_config_t **out,
		       const struct smmusim_allocator *alloc)
{
	if (!out)
		return SMMUSIM_EINVAL;
	alloc = sm_alloc_or_default(alloc);
	smmusim_config_t *c = sm_calloc(alloc, sizeof(*c));
	if (!c)
		return SMMUSIM_ENOMEM;
	c->alloc = alloc;
	for (int i = 0; i < SM_K_COUNT_; i++)
		c->val[i] = keys[i].def;
	*out = c;
	return 0;
}

void smmusim_config_free(smmusim_config_t *cfg)
{
	if (cfg)
		sm_free(cfg->alloc, cfg, sizeof(*cfg));
}

int smmusim_config_copy(smmusim_config_t *dst, const smmusim_config_t *src)
{
	if (!dst || !src)
		return SMMUSIM_EINVAL;
	memcpy(dst->val, src->val, sizeof(dst->val));
	memcpy(dst->presets, src->presets, sizeof(dst->presets));
	return 0;
}

/* A value its key does not take: "KEY: 'VALUE' WHY (allowed: ...HINT)",
 * the value unquoted where it parsed (out of range). */
static int reject(smmusim_config_t *cfg, int code, const struct key_def *k,
		  const char *value, bool quote, const char *why,
		  const char *hint)
{
	const char *q = quote ? "'" : "";
	char allowed[160];
	allowed_text(k, allowed, sizeof(allowed));
	return sm_err(&cfg->err, code, "%s: %s%s%s %s (allowed: %s%s)", k->name,
		      q, value, q, why, allowed, hint);
}

static int set_n(smmusim_config_t *cfg, const char *key, size_t klen,
		 const char *value)
{
	int id = find_key(key, klen);
	if (id < 0)
		return sm_err(&cfg->err, SMMUSIM_ENOKEY,
			      "unknown config key '%.*s' (smmusim config "
			      "--list shows them all)",
			      (int)klen, key);
	const struct key_def *k = &keys[id];
	size_t vlen = strlen(value);
	uint64_t v = 0;

	switch (k->type) {
	case SMMUSIM_KEY_BOOL: {
		int b = sm_parse_bool(value, vlen);
		if (b < 0)
			return reject(cfg, SMMUSIM_EINVAL, k, value, true,
				      "is not a boolean", "");
		v = (uint64_t)b;
		break;
	}
	case SMMUSIM_KEY_U64: {
		enum sm_parse_status st =
		    sm_parse_u64(value, vlen, true, &v, NULL);
		if (st == SM_PARSE_OVERFLOW)
			return reject(cfg, SMMUSIM_ERANGE, k, value, true,
				      "does not fit in 64 bits", "");
		if (st != SM_PARSE_OK)
			return reject(cfg, SMMUSIM_EINVAL, k, value, true,
				      "is not a number",
				      "; decimal or 0x hex, K/M/G suffix");
		if (v < k->min || v > k->max)
			return reject(cfg, SMMUSIM_ERANGE, k, value, false,
				      "is out of range", "");
		break;
	}
	case SMMUSIM_KEY_ENUM: {
		int idx = enum_index(k->words, value, vlen);
		if (idx < 0)
			return reject(cfg, SMMUSIM_EINVAL, k, value, true,
				      "is not allowed", "");
		v = (uint64_t)idx;
		break;
	}
	}
	cfg->val[id] = v;
	return 0;
}

int smmusim_config_set(smmusim_config_t *cfg, const char *key,
		       const char *value)
{
	if (!cfg || !key || !value)
		return SMMUSIM_EINVAL;
	return set_n(cfg, key, strlen(key), value);
}

int smmusim_config_set_assignment(smmusim_config_t *cfg, const char *kv)
{
	if (!cfg || !kv)
		return SMMUSIM_EINVAL;
	const char *eq = strchr(kv, '=');
	if (!eq || eq == kv)
		return sm_err(&cfg->err, SMMUSIM_EINVAL,
			      "'%s': expected key=value", kv);
	return set_n(cfg, kv, (size_t)(eq - kv), eq + 1);
}

int smmusim_config_get(const smmusim_config_t *cfg, const char *key, char *buf,
		       size_t len)
{
	if (!cfg || !key || !buf)
		return SMMUSIM_EINVAL;
	int id = find_key(key, strlen(key));
	if (id < 0)
		return SMMUSIM_ENOKEY;
	/* Never hand back a silently truncated value: a short buffer gets ""
	 * and SMMUSIM_ERANGE (SMMUSIM_CONFIG_VALUE_MAX always suffices). */
	char text[SMMUSIM_CONFIG_VALUE_MAX];
	format_value(&keys[id], cfg->val[id], text, sizeof(text));
	size_t need = strlen(text) + 1;
	if (need > len) {
		if (len)
			buf[0] = '\0';
		return SMMUSIM_ERANGE;
	}
	memcpy(buf, text, need);
	return 0;
}

const char *smmusim_config_error(const smmusim_config_t *cfg)
{
	return cfg ? cfg->err.msg : "";
}

size_t smmusim_config_key_count(void)
{
	return SM_K_COUNT_;
}

int smmusim_config_key_info(size_t i, struct smmusim_key_info *out)
{
	static const char *const type_names[] = {"bool", "u64", "enum"};
	if (i >= SM_K_COUNT_ || !out)
		return SMMUSIM_EINVAL;
	const struct key_def *k = &keys[i];
	out->name = k->name;
	out->type = k->type;
	out->type_name = type_names[k->type];
	out->description = k->desc;
	format_value(k, k->def, out->def, sizeof(out->def));
	allowed_text(k, out->allowed, sizeof(out->allowed));
	return 0;
}

uint64_t sm_cfg_u64(const smmusim_config_t *cfg, enum sm_key_id id)
{
	return cfg->val[id];
}

const char *sm_cfg_key_name(enum sm_key_id id)
{
	return keys[id].name;
}

void sm_cfg_format(const smmusim_config_t *cfg, enum sm_key_id id, char *buf,
		   size_t len)
{
	format_value(&keys[id], cfg->val[id], buf, len);
}

const char *sm_cfg_presets(const smmusim_config_t *cfg)
{
	return cfg->presets;
}

const struct smmusim_allocator *sm_cfg_alloc(const smmusim_config_t *cfg)
{
	return cfg->alloc;
}

void sm_cfg_save(const smmusim_config_t *cfg, struct sm_cfg_saved *out)
{
	memcpy(out->val, cfg->val, sizeof(out->val));
	memcpy(out->presets, cfg->presets, sizeof(out->presets));
}

void sm_cfg_restore(smmusim_config_t *cfg, const struct sm_cfg_saved *in)
{
	memcpy(cfg->val, in->val, sizeof(cfg->val));
	memcpy(cfg->presets, in->presets, sizeof(cfg->presets));
}

int sm_cfg_error(smmusim_config_t *cfg, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sm_verr(&cfg->err, code, fmt, ap);
	va_end(ap);
	return code;
}

int sm_cfg_apply_preset(smmusim_config_t *cfg, const char *kind,
			const struct sm_preset *tab, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(tab[i].name, name) != 0)
			continue;
		for (size_t j = 0; j < tab[i].n; j++) {
			int rc =
			    smmusim_config_set_assignment(cfg, tab[i].set[j]);
			if (rc < 0)
				return rc;
		}
		size_t used = strlen(cfg->presets);
		snprintf(cfg->presets + used, sizeof(cfg->presets) - used,
			 "%s%s", used ? "+" : "", name);
		return 0;
	}
	char list[256] = "";
	size_t used = 0;
	for (size_t i = 0; i < n && used < sizeof(list); i++)
		used += (size_t)snprintf(list + used, sizeof(list) - used,
					 "%s%s", i ? ", " : "", tab[i].name);
	return sm_err(&cfg->err, SMMUSIM_EINVAL,
		      "unknown %s preset '%s' (allowed: %s)", kind, name,
		      n ? list : "none yet");
}
