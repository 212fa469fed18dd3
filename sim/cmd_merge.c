/* SPDX-License-Identifier: MIT */
/*
 * smmusim merge DIR -o FILE.csv|FILE.jsonl: the rows of a sweep run as
 * jobs (DIR/K.jsonl, one point each: `sweep --emit`) joined into one table,
 * in point order (K), the same table `sweep --out` writes.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sweep.h"

/* K.jsonl files in K order (numeric), then any other *.jsonl by name. */
static int by_point(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	char *ex, *ey;
	unsigned long kx = strtoul(x, &ex, 10), ky = strtoul(y, &ey, 10);
	bool nx = ex != x && !strcmp(ex, ".jsonl");
	bool ny = ey != y && !strcmp(ey, ".jsonl");

	if (nx && ny)
		return kx < ky ? -1 : kx > ky;
	if (nx != ny)
		return nx ? -1 : 1;
	return strcmp(x, y);
}

static int list_rows(const char *dir, struct strlist *names)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return fail("cannot open '%s': %s", dir, strerror(errno));
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		char *name;
		if (n <= 6 || strcmp(e->d_name + n - 6, ".jsonl"))
			continue;
		if (!(name = strdup(e->d_name)) || strlist_push(names, name)) {
			free(name);
			closedir(d);
			return fail("out of memory");
		}
	}
	closedir(d);
	qsort(names->v, names->n, sizeof(*names->v), by_point);
	return 0;
}

/* Every line of DIR/name into the table. */
static int merge_file(struct table *t, const char *dir, const char *name)
{
	size_t len = strlen(dir) + strlen(name) + 2, cap = 0;
	char *path = malloc(len), *line = NULL;
	FILE *f;
	int rc = 0;

	if (!path)
		return fail("out of memory");
	snprintf(path, len, "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (!f)
		rc = fail("cannot open '%s': %s", path, strerror(errno));
	while (!rc && getline(&line, &cap, f) > 0)
		if (line[0] != '\n')
			rc = table_append(t, line);
	if (f)
		fclose(f);
	free(line);
	free(path);
	return rc;
}

int cmd_merge(int argc, char **argv)
{
	struct strlist names = {0};
	struct table t = {0};
	const char *dir = NULL, *out = NULL;
	int rc = 0;

	for (int i = 2; i < argc && !rc; i++) {
		const char *v;
		int m = opt_value(argc, argv, &i, "-o", &v);
		if (m == 0)
			m = opt_value(argc, argv, &i, "--out", &v);
		if (m < 0)
			rc = EXIT_USAGE;
		else if (m > 0)
			out = v;
		else if (opt_flag(argv[i], "-h") || opt_flag(argv[i], "--help"))
			return fputs(cli_usage_text, stdout), EXIT_CLEAN;
		else if (argv[i][0] == '-' || dir)
			rc = fail("merge: unexpected '%s' (usage: smmusim "
				  "merge DIR -o FILE.csv|FILE.jsonl)",
				  argv[i]);
		else
			dir = argv[i];
	}
	if (!rc && (!dir || !out))
		rc = fail("usage: smmusim merge DIR -o FILE.csv|FILE.jsonl");
	if (!rc)
		rc = list_rows(dir, &names);
	if (!rc)
		rc = table_open(&t, out, true);
	for (size_t i = 0; !rc && i < names.n; i++)
		rc = merge_file(&t, dir, names.v[i]);
	if (t.f && table_close(&t))
		rc = EXIT_USAGE;
	for (size_t i = 0; i < names.n; i++)
		free((char *)names.v[i]);
	free(names.v);
	return rc ? EXIT_USAGE : EXIT_CLEAN;
}
