/* SPDX-License-Identifier: MIT */
/*
 * docs/stats.md against the stats table (src/engine/stat_defs/).
 *
 * The per-part tables of docs/stats.md ("### cpu.", ..., "## Latency
 * histograms") are generated from the table's rows, between marker lines
 *
 *   <!-- stats-doc: counters cpu. -->   or   <!-- stats-doc: histograms -->
 *   ...
 *   <!-- /stats-doc -->
 *
 * and the prose around them is the file's own.  Counters are listed in the
 * table's order, histograms in name order (the order of the reports).
 *
 *   stats_doc --check docs/stats.md    TAP: fails when a generated table
 *                                      differs from the rows, when a row is
 *                                      in no generated table, when the file
 *                                      lists a stat outside them, or when a
 *                                      simulator registers a stat the table
 *                                      lacks or no member of a family row
 *   stats_doc --update docs/stats.md   rewrites the generated tables
 *
 * It goes through the public API only (<smmusim/stats.h>'s listing), as
 * `smmusim stats --list` will.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <smmusim/config.h>
#include <smmusim/smmusim.h>
#include <smmusim/stats.h>

#define BEGIN "<!-- stats-doc: "
#define END "<!-- /stats-doc -->"

static int failed;
static int ntap;

static void tap(bool ok, const char *what, const char *why)
{
	ntap++;
	printf("%s %d - %s\n", ok ? "ok" : "not ok", ntap, what);
	if (!ok) {
		printf("# %s\n", why);
		failed = 1;
	}
}

/* The table of the counters named "PREFIX..."; how many rows it has. */
static size_t counter_table(FILE *out, const char *prefix, bool *done)
{
	size_t rows = 0;
	fputs("| name | what it counts |\n|------|----------------|\n", out);
	for (size_t i = 0; i < smmusim_stat_def_count(); i++) {
		const struct smmusim_stat_def *d = smmusim_stat_def_at(i);
		if (d->kind != SMMUSIM_STAT_COUNTER ||
		    strncmp(d->name, prefix, strlen(prefix)))
			continue;
		fprintf(out, "| `%s` | %s |\n", d->name, d->description);
		done[i] = true;
		rows++;
	}
	return rows;
}

static int by_name(const void *a, const void *b)
{
	const struct smmusim_stat_def *x = smmusim_stat_def_at(*(size_t *)a);
	const struct smmusim_stat_def *y = smmusim_stat_def_at(*(size_t *)b);
	return strcmp(x->name, y->name);
}

static void hist_table(FILE *out, bool *done)
{
	size_t n = smmusim_stat_def_count(), k = 0;
	size_t *idx = calloc(n, sizeof(*idx));
	for (size_t i = 0; i < n; i++)
		if (smmusim_stat_def_at(i)->kind == SMMUSIM_STAT_HISTOGRAM)
			idx[k++] = i;
	qsort(idx, k, sizeof(*idx), by_name);
	fputs("| name | one sample per | what it measures |\n"
	      "|------|----------------|------------------|\n",
	      out);
	for (size_t j = 0; j < k; j++) {
		const struct smmusim_stat_def *d = smmusim_stat_def_at(idx[j]);
		fprintf(out, "| `%s` | %s | %s |\n", d->name, d->sample,
			d->description);
		done[idx[j]] = true;
	}
	free(idx);
}

/* Does a table row outside the generated tables name a stat?  Its first
 * cell starts with the first part of some row's name ("cpu."). */
static bool names_a_stat(const char *line)
{
	if (strncmp(line, "| `", 3))
		return false;
	for (size_t i = 0; i < smmusim_stat_def_count(); i++) {
		const char *nm = smmusim_stat_def_at(i)->name;
		size_t part = (size_t)(strchr(nm, '.') - nm) + 1;
		if (!strncmp(line + 3, nm, part))
			return true;
	}
	return false;
}

/*
 * Copy `in` to `out` with every generated table regenerated.  Returns 0, or
 * -1 with a message in why (an unknown region, an unterminated one, or a
 * stat listed outside the generated tables).
 */
static int regenerate(char *in, FILE *out, bool *done, char *why, size_t len)
{
	bool inside = false;
	unsigned lineno = 0;
	for (char *line = in, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		if (inside) {
			if (!strcmp(line, END)) {
				fprintf(out, "%s\n", line);
				inside = false;
			}
			continue;
		}
		fprintf(out, "%s\n", line);
		char prefix[32];
		if (!strcmp(line, BEGIN "histograms -->")) {
			hist_table(out, done);
			inside = true;
		} else if (sscanf(line, BEGIN "counters %31[a-z.] -->",
				  prefix) == 1 &&
			   counter_table(out, prefix, done)) {
			inside = true;
		} else if (!strncmp(line, BEGIN, strlen(BEGIN))) {
			snprintf(why, len,
				 "line %u: unknown region (or no row of the "
				 "stats table in it): %s",
				 lineno, line);
			return -1;
		} else if (names_a_stat(line)) {
			snprintf(
			    why, len,
			    "line %u lists a stat outside the generated "
			    "tables (add it to src/engine/stat_defs/): %.60s",
			    lineno, line);
			return -1;
		}
	}
	if (inside) {
		snprintf(why, len, "a region has no closing %s", END);
		return -1;
	}
	return 0;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t cap = 0;
	FILE *m = open_memstream(&buf, &cap);
	int c;
	while ((c = getc(f)) != EOF)
		putc(c, m);
	fclose(f);
	fclose(m);
	*len = cap;
	return buf;
}

/* Where a and b first differ, as "line N: want ... / have ...". */
static void first_difference(const char *want, const char *have, char *why,
			     size_t len)
{
	unsigned line = 1;
	const char *ws = want, *hs = have;
	for (; *want && *want == *have; want++, have++)
		if (*want == '\n') {
			line++;
			ws = want + 1;
			hs = have + 1;
		}
	snprintf(why, len,
		 "line %u differs from the stats table; want: %.*s / have: %.*s"
		 " (edit src/engine/stat_defs/, then run stats_doc --update)",
		 line, (int)strcspn(ws, "\n"), ws, (int)strcspn(hs, "\n"), hs);
}

/* A simulator with the default config registers a member of every family
 * row, and nothing but rows.  (The registry registers every row that is one
 * name itself; that each is counted somewhere is tests/stats_used.py's
 * check.) */
static void check_registered(void)
{
	char why[512] = "";
	smmusim_config_t *cfg = NULL;
	smmusim_t *sim = NULL;
	size_t n = smmusim_stat_def_count();
	bool *used = calloc(n, sizeof(*used));
	if (smmusim_config_new(&cfg, NULL) ||
	    smmusim_new_ex(&sim, cfg, NULL, why, sizeof(why))) {
		tap(false, "a default simulator registers every family", why);
		goto out;
	}
	for (int kind = 0; kind < 2; kind++) {
		size_t k =
		    kind ? smmusim_hist_count(sim) : smmusim_stat_count(sim);
		for (size_t i = 0; i < k; i++) {
			const char *nm;
			uint64_t v;
			struct smmusim_hist_summary sum;
			if (kind)
				smmusim_hist_at(sim, i, &nm, &sum);
			else
				smmusim_stat_at(sim, i, &nm, &v);
			const struct smmusim_stat_def *d =
			    smmusim_stat_def_find(kind, nm);
			if (!d) {
				snprintf(why, sizeof(why), "%s is no row", nm);
				break;
			}
			used[d - smmusim_stat_def_at(0)] = true;
		}
	}
	for (size_t i = 0; i < n && !why[0]; i++)
		if (!used[i])
			snprintf(why, sizeof(why), "%s %s is never registered",
				 strchr(smmusim_stat_def_at(i)->name, '<')
				     ? "family"
				     : "row",
				 smmusim_stat_def_at(i)->name);
	tap(!why[0],
	    "a default simulator registers a member of every family of the "
	    "stats table, and only rows of it",
	    why);
out:
	smmusim_free(sim);
	smmusim_config_free(cfg);
	free(used);
}

int main(int argc, char **argv)
{
	if (argc != 3 ||
	    (strcmp(argv[1], "--check") && strcmp(argv[1], "--update"))) {
		fprintf(stderr, "usage: %s --check|--update docs/stats.md\n",
			argv[0]);
		return 2;
	}
	const char *path = argv[2];
	size_t len;
	char *text = slurp(path, &len);
	if (!text) {
		perror(path);
		return 2;
	}
	char *orig = strdup(text);
	size_t n = smmusim_stat_def_count();
	bool *done = calloc(n, sizeof(*done));
	char *gen = NULL, why[1024] = "";
	size_t glen = 0;
	FILE *out = open_memstream(&gen, &glen);
	int rc = regenerate(text, out, done, why, sizeof(why));
	fclose(out);

	tap(rc == 0, "docs/stats.md lists no stat outside its generated tables",
	    why);
	why[0] = '\0';
	for (size_t i = 0; i < n && !why[0]; i++)
		if (!done[i])
			snprintf(why, sizeof(why),
				 "%s %s is in no generated table (add a region "
				 "'" BEGIN "counters PART. -->' ... '" END "')",
				 smmusim_stat_kind_name(
				     smmusim_stat_def_at(i)->kind),
				 smmusim_stat_def_at(i)->name);
	tap(!why[0], "every row of the stats table is in a generated table",
	    why);
	bool same = rc == 0 && !strcmp(gen, orig);
	if (rc == 0 && !same && !strcmp(argv[1], "--update")) {
		FILE *f = fopen(path, "wb");
		same = f && fwrite(gen, 1, glen, f) == glen;
		if (f)
			fclose(f);
		snprintf(why, sizeof(why), "could not write %s", path);
	} else if (!same) {
		first_difference(gen, orig, why, sizeof(why));
	}
	tap(same, "docs/stats.md's generated tables match the stats table",
	    why);
	check_registered();
	printf("1..%d\n", ntap);
	free(text);
	free(orig);
	free(gen);
	free(done);
	return failed;
}
