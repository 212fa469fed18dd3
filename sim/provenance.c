/* SPDX-License-Identifier: MIT */
/*
 * Where a result comes from, carried in every report the command writes
 * (docs/cli.md, "Provenance"): the simulator's version and git revision,
 * the trace's SHA-256 and size, and the command line.  A result file then
 * names the code, the input and the options that made it.
 *
 * SHA-256 is in sha256.c; the revision comes from revision.c, generated at
 * build time by meson's vcs_tag ("unknown" when the sources are no git
 * checkout).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* The digest of a regular file through a read-only mapping: its pages are
 * hashed where the page cache holds them, not copied first (host time: the
 * replay reads the file again).  False when it cannot be mapped. */
static bool digest_mapped(FILE *f, struct sha256 *c)
{
	struct stat st;
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size <= 0 || (uint64_t)st.st_size > SIZE_MAX)
		return false;
	size_t len = (size_t)st.st_size;
	void *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fileno(f), 0);
	if (m == MAP_FAILED)
		return false;
	madvise(m, len, MADV_SEQUENTIAL);
	sha256_update(c, m, len);
	munmap(m, len);
	return true;
}

/* Hash d->f into d->c: through a mapping, else by reads (d->read_err then
 * the errno of a failed read). */
static void digest_file(struct trace_digest *d)
{
	size_t n;

	sha256_init(&d->c);
	if (digest_mapped(d->f, &d->c))
		return;
	while ((n = fread(d->buf, 1, sizeof(d->buf), d->f)) > 0)
		sha256_update(&d->c, d->buf, n);
	if (ferror(d->f))
		d->read_err = EIO;
}

static void *digest_thread(void *arg)
{
	digest_file(arg);
	return NULL;
}

/* Start the thread that hashes d->f, with SIGINT and SIGTERM blocked in it
 * (the main thread's handler takes them, progress.c); false if it cannot
 * be made, the caller then hashes in its own thread. */
static bool digest_spawn(struct trace_digest *d)
{
	sigset_t block, old;
	bool ok;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	if (pthread_sigmask(SIG_BLOCK, &block, &old) != 0)
		return false;
	ok = pthread_create(&d->thread, NULL, digest_thread, d) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ok;
}

int trace_digest_begin(struct trace_digest *d, const char *path,
		       bool concurrent)
{
	*d = (struct trace_digest){.path = path};
	if (strcmp(path, "-") == 0)
		return 0; /* standard input is read once, by the replay */
	/* A pipe or a terminal named by path (/dev/stdin, <(cmd)) can be read
	 * once only, by the replay: no digest, as for "-". */
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return 0;
	d->f = fopen(path, "rb");
	if (!d->f)
		return fail("cannot open '%s': %s", path, strerror(errno));
	/* Host time: with another CPU the hash runs beside the replay, which
	 * it would otherwise precede (for a text trace it costs a sixth of a
	 * replay's CPU time, docs/performance.md); the report is the same. */
	if (concurrent && sysconf(_SC_NPROCESSORS_ONLN) > 1 && digest_spawn(d))
		d->threaded = true;
	else
		digest_file(d);
	return 0;
}

int trace_digest_end(struct trace_digest *d, char sha[65], char size[24])
{
	int rc = 0;

	sha[0] = size[0] = '\0';
	if (!d->f)
		return 0;
	if (d->threaded)
		pthread_join(d->thread, NULL);
	if (d->read_err) {
		rc = fail("cannot read '%s': %s", d->path,
			  strerror(d->read_err));
	} else {
		snprintf(size, 24, "%llu", (unsigned long long)d->c.len);
		sha256_hex(&d->c, sha);
	}
	fclose(d->f);
	d->f = NULL;
	return rc;
}

int trace_digest(const char *path, char sha[65], char size[24])
{
	struct trace_digest d;

	sha[0] = size[0] = '\0';
	if (trace_digest_begin(&d, path, false))
		return EXIT_USAGE;
	return trace_digest_end(&d, sha, size);
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
