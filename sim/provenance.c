/* SPDX-License-Identifier: MIT */
/*
 * Where a result comes from, carried in every report the command writes
 * (docs/cli.md, "Provenance"): the simulator's version and git revision,
 * the trace's SHA-256 and size, and the command line.  A result file then
 * names the code, the input and the options that made it.
 *
 * SHA-256 is FIPS 180-4 section 6.2, written from the standard; the
 * revision comes from revision.c, generated at build time by meson's
 * vcs_tag ("unknown" when the sources are no git checkout).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static const uint32_t sha_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

struct sha256 {
	uint32_t h[8];
	uint8_t buf[64];
	size_t n;
	uint64_t len;
};

static uint32_t ror(uint32_t x, unsigned r)
{
	return (x >> r) | (x << (32 - r));
}

/* One 512-bit block (section 6.2.2, steps 1-4). */
static void sha256_block(struct sha256 *c, const uint8_t *p)
{
	uint32_t w[64], v[8];
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 =
		    ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 =
		    ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	memcpy(v, c->h, sizeof(v));
	for (int i = 0; i < 64; i++) {
		uint32_t e = v[4], a = v[0];
		uint32_t t1 = v[7] + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) +
			      ((e & v[5]) ^ (~e & v[6])) + sha_k[i] + w[i];
		uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) +
			      ((a & v[1]) ^ (a & v[2]) ^ (v[1] & v[2]));
		memmove(v + 1, v, 7 * sizeof(v[0]));
		v[4] += t1;
		v[0] = t1 + t2;
	}
	for (int i = 0; i < 8; i++)
		c->h[i] += v[i];
}

static void sha256_init(struct sha256 *c)
{
	static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372,
				       0xa54ff53a, 0x510e527f, 0x9b05688c,
				       0x1f83d9ab, 0x5be0cd19};
	memcpy(c->h, h0, sizeof(h0));
	c->n = 0;
	c->len = 0;
}

static void sha256_update(struct sha256 *c, const uint8_t *p, size_t n)
{
	c->len += n;
	while (n) {
		size_t take = 64 - c->n < n ? 64 - c->n : n;
		memcpy(c->buf + c->n, p, take);
		c->n += take;
		p += take;
		n -= take;
		if (c->n == 64) {
			sha256_block(c, c->buf);
			c->n = 0;
		}
	}
}

/* Padding (section 5.1.1), then the digest in hex. */
static void sha256_hex(struct sha256 *c, char hex[65])
{
	uint64_t bits = c->len * 8;
	uint8_t pad = 0x80, len[8];
	sha256_update(c, &pad, 1);
	pad = 0;
	while (c->n != 56)
		sha256_update(c, &pad, 1);
	for (int i = 0; i < 8; i++)
		len[i] = (uint8_t)(bits >> (56 - 8 * i));
	sha256_update(c, len, 8);
	for (int i = 0; i < 8; i++)
		snprintf(hex + 8 * i, 9, "%08x", (unsigned)c->h[i]);
}

int trace_digest(const char *path, char sha[65], char size[24])
{
	static uint8_t buf[1 << 16];
	struct sha256 c;
	size_t n;
	FILE *f;

	sha[0] = size[0] = '\0';
	if (strcmp(path, "-") == 0)
		return 0; /* standard input is read once, by the replay */
	f = fopen(path, "rb");
	if (!f)
		return fail("cannot open '%s': %s", path, strerror(errno));
	sha256_init(&c);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sha256_update(&c, buf, n);
	if (ferror(f)) {
		fclose(f);
		return fail("cannot read '%s': %s", path, strerror(EIO));
	}
	snprintf(size, 24, "%llu", (unsigned long long)c.len);
	sha256_hex(&c, sha);
	fclose(f);
	return 0;
}

const char *cli_revision(void)
{
	return cli_revision_tag[0] ? cli_revision_tag : "unknown";
}

/* A word as the shell reads it back: as is when it is plain, else in
 * single quotes. */
static void shell_word(struct strbuf *b, const char *w)
{
	if (*w &&
	    strspn(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789-_./=:,+@%") == strlen(w)) {
		strbuf_add(b, w);
		return;
	}
	strbuf_add(b, "'");
	for (; *w; w++) {
		char c[2] = {*w, 0};
		strbuf_add(b, *w == '\'' ? "'\\''" : c);
	}
	strbuf_add(b, "'");
}

void shell_words(struct strbuf *b, const char *const *argv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (b->len)
			strbuf_add(b, " ");
		shell_word(b, argv[i]);
	}
}

void strbuf_add(struct strbuf *b, const char *s)
{
	size_t n = strlen(s);
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *p = realloc(b->s, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n + 1);
	b->len += n;
}

/* Provenance, then the labels: the fields of a report. */
int fields_add(struct fields *f, const char *name, const char *value)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->names[i], name) == 0)
			return fail("field '%s' given twice", name);
	if (f->n == FIELDS_MAX)
		return fail("more than %d fields (labels and swept keys)",
			    FIELDS_MAX);
	f->names[f->n] = name;
	f->values[f->n++] = value;
	return 0;
}

/* "key=value" of --label: the key a plain word (it becomes a column). */
int fields_add_label(struct fields *f, const char *kv)
{
	static const char *const reserved[] = {
	    "point",	    "policy",	      "presets",
	    "trace",	    "seed",	      "cycles",
	    "interrupted",  "refused_events", "violations_total",
	    "version",	    "revision",	      "command",
	    "trace_sha256", "trace_size",
	};
	const char *eq = strchr(kv, '=');
	size_t n = eq ? (size_t)(eq - kv) : 0;
	char *key;

	if (!eq || !n ||
	    strspn(kv, "abcdefghijklmnopqrstuvwxyz"
		       "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != n)
		return fail("bad --label '%s' (KEY=VALUE, KEY of letters, "
			    "digits, '_' and '-')",
			    kv);
	key = strndup(kv, n);
	if (!key)
		return fail("out of memory");
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strcmp(key, reserved[i]) == 0) {
			fail("--label %s: '%s' is a column of every result "
			     "already",
			     kv, key);
			free(key);
			return EXIT_USAGE;
		}
	f->owned[f->n_owned++] = key;
	return fields_add(f, key, eq + 1);
}

void fields_free(struct fields *f)
{
	for (size_t i = 0; i < f->n_owned; i++)
		free(f->owned[i]);
	f->n_owned = 0;
	f->n = 0;
}

/* The report options of these fields (and a stat selection). */
struct smmusim_report_options
fields_options(const struct fields *f, const char *const *stats, size_t n_stats)
{
	struct smmusim_report_options ro = {
	    .size = sizeof(ro),
	    .field_names = f->names,
	    .field_values = f->values,
	    .n_fields = f->n,
	    .stats = n_stats ? stats : NULL,
	    .n_stats = n_stats,
	};
	return ro;
}
