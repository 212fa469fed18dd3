/* SPDX-License-Identifier: MIT */
/*
 * Config files: the same keys as `-o key=value`, one setting a line.
 *
 *     # a comment, to the end of the line
 *     cpu.count = 8
 *     smmu.btm  = on     # spaces and tabs around key and value are trimmed
 *
 * Blank lines and comments are skipped; a value may contain '=' (only the
 * first one separates).  The file is read whole and its syntax checked
 * before any setting applies, then the settings apply in file order (a
 * later line wins).  Any error leaves the config as it was, with a message
 * "FILE:LINE:COLUMN: ..." in smmusim_config_error(): the column of the
 * line's first character for a syntax error, of the key for an unknown
 * key, of the value for a value the key does not allow, of the byte for a
 * control byte (a NUL included; only tab is allowed, and the CR of CRLF).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <smmusim/config.h>
#include <smmusim/error.h>

#include "base/alloc.h"
#include "base/errbuf.h"
#include "base/vec.h"
#include "engine/config.h"

/* One setting line, split; pointers into the text. */
struct setting {
	char *key, *value;
	size_t klen, vlen;
	unsigned key_col, value_col;
};

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Trim [*b, *e): spaces and tabs before, and also CR/LF after. */
static void trim(char **b, char **e)
{
	while (*b < *e && blank(**b))
		(*b)++;
	while (*e > *b &&
	       (blank((*e)[-1]) || (*e)[-1] == '\r' || (*e)[-1] == '\n'))
		(*e)--;
}

/*
 * The column of the first control byte of line [line, end) (C0 but tab,
 * or DEL; the CR of a "\r\n" line end excepted), 0 if none.  A NUL would
 * otherwise cut the value short when it is handed on as a C string, and
 * the rest of the line would be ignored without a word.
 */
static unsigned control_col(const char *line, const char *end)
{
	if (end > line && end[-1] == '\r')
		end--;
	for (const char *p = line; p < end; p++) {
		unsigned char c = (unsigned char)*p;

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return (unsigned)(p - line) + 1;
	}
	return 0;
}

/*
 * Split line [line, end) (no '\n') into key and value.  Returns 1 for a
 * setting, 0 for a blank or comment line, or a syntax error (message left).
 */
static int split_line(smmusim_config_t *cfg, const char *name, unsigned lineno,
		      char *line, char *end, struct setting *out)
{
	unsigned bad = control_col(line, end);
	if (bad)
		return sm_cfg_error(cfg, SMMUSIM_EINVAL,
				    "%s:%u:%u: %s in a config line (only tab; "
				    "lines end with \\n or \\r\\n)",
				    name, lineno, bad,
				    line[bad - 1] ? "control byte"
						  : "NUL byte");
	/* (end >= line: a bound GCC's -O3 cannot see without the test.) */
	char *hash =
	    end > line ? memchr(line, '#', (size_t)(end - line)) : NULL;
	char *b = line, *e = hash ? hash : end;
	trim(&b, &e);
	if (b == e)
		return 0;
	char *eq = memchr(b, '=', (size_t)(e - b));
	char *kb = b, *ke = eq ? eq : e, *vb = eq ? eq + 1 : e, *ve = e;
	trim(&kb, &ke);
	trim(&vb, &ve);
	if (!eq || kb == ke || vb == ve)
		return sm_cfg_error(cfg, SMMUSIM_EINVAL,
				    "%s:%u:%u: expected 'key = value'", name,
				    lineno, (unsigned)(b - line) + 1);
	*out = (struct setting){kb,
				vb,
				(size_t)(ke - kb),
				(size_t)(ve - vb),
				(unsigned)(kb - line) + 1,
				(unsigned)(vb - line) + 1};
	return 1;
}

/* Apply one setting; a refusal gets the position prefixed. */
static int apply_setting(smmusim_config_t *cfg, const char *name,
			 unsigned lineno, struct setting *st)
{
	char msg[SM_ERRBUF_LEN];
	st->key[st->klen] = '\0';
	st->value[st->vlen] = '\0';
	int rc = smmusim_config_set(cfg, st->key, st->value);
	if (rc >= 0)
		return 0;
	snprintf(msg, sizeof(msg), "%s", smmusim_config_error(cfg));
	return sm_cfg_error(cfg, rc, "%s:%u:%u: %s", name, lineno,
			    rc == SMMUSIM_ENOKEY ? st->key_col : st->value_col,
			    msg);
}

/* One pass over text[0..len): check the syntax of every line, or (apply)
 * set every key.  Applying writes NULs into the text, line by line. */
static int each_line(smmusim_config_t *cfg, const char *name, char *text,
		     size_t len, bool apply)
{
	char *p = text, *end = text + len;
	for (unsigned lineno = 1; p < end; lineno++) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *le = nl ? nl : end;
		struct setting st;
		int rc = split_line(cfg, name, lineno, p, le, &st);
		if (rc > 0 && apply)
			rc = apply_setting(cfg, name, lineno, &st);
		if (rc < 0)
			return rc;
		p = nl ? nl + 1 : end;
	}
	return 0;
}

/* Check, then apply; any error restores the config as it was. */
static int load_text(smmusim_config_t *cfg, const char *name, char *text,
		     size_t len)
{
	struct sm_cfg_saved saved;
	int rc = each_line(cfg, name, text, len, false);
	if (rc < 0)
		return rc;
	sm_cfg_save(cfg, &saved);
	if ((rc = each_line(cfg, name, text, len, true)) < 0)
		sm_cfg_restore(cfg, &saved);
	return rc;
}

/* The largest config file: a setting of every key is a few KiB, and the
 * file is read whole, so `--config /dev/zero` must stop somewhere. */
#define SM_CONFIG_FILE_MAX (1u << 20)

/* The whole of f into *buf (NUL-terminated), through the allocator;
 * SMMUSIM_ERANGE past SM_CONFIG_FILE_MAX bytes. */
static int read_all(const struct smmusim_allocator *a, FILE *f, char **buf,
		    size_t *cap, size_t *len)
{
	*len = 0;
	for (;;) {
		if (SM_VEC_RESERVE(a, *buf, *cap, *len + 4096 + 1, 4096) < 0)
			return SMMUSIM_ENOMEM;
		size_t got = fread(*buf + *len, 1, 4096, f);
		*len += got;
		if (*len > SM_CONFIG_FILE_MAX)
			return SMMUSIM_ERANGE;
		if (got < 4096)
			break;
	}
	(*buf)[*len] = '\0';
	return ferror(f) ? SMMUSIM_EIO : 0;
}

int smmusim_config_load_file(smmusim_config_t *cfg, const char *path)
{
	if (!cfg || !path)
		return SMMUSIM_EINVAL;
	const struct smmusim_allocator *a = sm_cfg_alloc(cfg);
	char *buf = NULL;
	size_t cap = 0, len = 0;
	FILE *f = fopen(path, "r");
	if (!f)
		return sm_cfg_error(cfg, SMMUSIM_EIO,
				    "cannot open config file '%s': %s", path,
				    strerror(errno));
	errno = 0;
	int rc = read_all(a, f, &buf, &cap, &len);
	if (rc == SMMUSIM_EIO)
		sm_cfg_error(cfg, rc, "cannot read config file '%s': %s", path,
			     strerror(errno ? errno : EIO));
	else if (rc == SMMUSIM_ERANGE)
		sm_cfg_error(cfg, rc,
			     "%s: config file larger than %u bytes (the "
			     "largest allowed)",
			     path, SM_CONFIG_FILE_MAX);
	else if (rc < 0)
		sm_cfg_error(cfg, rc, "%s: out of memory", path);
	fclose(f);
	if (rc == 0)
		rc = load_text(cfg, path, buf, len);
	sm_free(a, buf, cap);
	return rc;
}

int smmusim_config_load_string(smmusim_config_t *cfg, const char *name,
			       const char *text)
{
	if (!cfg || !text)
		return SMMUSIM_EINVAL;
	const struct smmusim_allocator *a = sm_cfg_alloc(cfg);
	char *copy = sm_strdup(a, text);
	if (!copy)
		return sm_cfg_error(cfg, SMMUSIM_ENOMEM, "out of memory");
	int rc = load_text(cfg, name ? name : "(string)", copy, strlen(copy));
	sm_strfree(a, copy);
	return rc;
}
