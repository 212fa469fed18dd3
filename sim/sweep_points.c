/* SPDX-License-Identifier: MIT */
/*
 * The study of a sweep (docs/sweeps.md): traces x policies x the grid of
 * the --set KEY=V1,V2,... values, from the command line and a --spec file,
 * and its points in a fixed order: point K = ((trace * P) + policy) * G +
 * grid, the grid counted with the last --set varying fastest.  The same
 * study gives the same points and the same keys whichever way it is run
 * (-j, the emitted jobs), which is what makes its table resumable and
 * mergeable.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sweep.h"

/* "directive value" lines of a spec file; '#' starts a comment. */
static int spec_line(struct study *st, const char *file, size_t lineno,
		     char *line)
{
	static const char *const names[] = {"trace", "policy", "hw",	"set",
					    "stat",  "label",  "config"};
	struct strlist *lists[] = {&st->traces, &st->policies, &st->hws,
				   &st->sets,	&st->stats,    &st->labels,
				   &st->files};
	char *p = line + strspn(line, " \t"), *v;
	size_t n;

	if (!*p || *p == '#')
		return 0;
	n = strcspn(p, " \t");
	v = p + n + strspn(p + n, " \t");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strlen(names[i]) != n || strncmp(p, names[i], n))
			continue;
		char *end = v + strlen(v);
		while (end > v &&
		       (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
			*--end = '\0';
		if (!*v)
			return fail("%s:%zu:%zu: '%s' needs a value", file,
				    lineno, (size_t)(p - line) + 1, names[i]);
		return strlist_push(lists[i], v);
	}
	p[n] = '\0';
	return fail("%s:%zu:%zu: unknown directive '%s' (allowed: trace, "
		    "policy, hw, set, stat, label, config)",
		    file, lineno, (size_t)(p - line) + 1, p);
}

static int read_spec(struct study *st, const char *path)
{
	FILE *f = fopen(path, "rb");
	size_t len = 0, lineno = 0;
	char *p;

	if (!f)
		return fail("cannot open '%s': %s", path, strerror(errno));
	if (fseek(f, 0, SEEK_END) == 0 && ftell(f) > 0)
		len = (size_t)ftell(f);
	rewind(f);
	st->spec_text = calloc(1, len + 1);
	if (!st->spec_text || fread(st->spec_text, 1, len, f) != len) {
		fclose(f);
		return fail("cannot read '%s'", path);
	}
	fclose(f);
	for (p = st->spec_text; p;) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		if (spec_line(st, path, ++lineno, p))
			return EXIT_USAGE;
		p = nl ? nl + 1 : NULL;
	}
	return 0;
}

/* --set KEY=V1,V2,... into an axis of the grid. */
static int make_axis(struct axis *a, const char *set)
{
	char *eq, *v;

	a->key = strdup(set);
	if (!a->key)
		return fail("out of memory");
	eq = strchr(a->key, '=');
	if (!eq || eq == a->key || !eq[1])
		return fail("bad --set '%s' (KEY=VALUE or KEY=V1,V2,...)", set);
	*eq = '\0';
	for (v = strtok(eq + 1, ","); v; v = strtok(NULL, ","))
		if (strlist_push(&a->values, v))
			return EXIT_USAGE;
	if (!a->values.n)
		return fail("--set %s: no value", set);
	return 0;
}

/* A --stat name the table of stats knows (or a prefix with '*'). */
static int check_stat(const char *name)
{
	size_t n = strlen(name), count = smmusim_stat_def_count();

	if (smmusim_stat_def_find(SMMUSIM_STAT_COUNTER, name) ||
	    smmusim_stat_def_find(SMMUSIM_STAT_HISTOGRAM, name))
		return 0;
	for (size_t i = 0; n && name[n - 1] == '*' && i < count; i++)
		if (!strncmp(smmusim_stat_def_at(i)->name, name, n - 1))
			return 0;
	return fail("unknown stat '%s' (see 'smmusim stats --list'; a "
		    "prefix ends in '*')",
		    name);
}

/* The study's command line: what defines its rows, without how it is run
 * (-j, --out, --point, --emit, -q), so that every way of running it writes
 * the same rows. */
static int study_command(struct study *st, int argc, char **argv)
{
	static const char *const valued[] = {"-j", "--jobs", "--out", "--point",
					     "--emit"};
	strbuf_add(&st->command, "smmusim sweep");
	for (int i = 2; i < argc; i++) {
		const char *v, *a = argv[i];
		bool drop = opt_flag(a, "-q") || opt_flag(a, "--quiet");
		for (size_t k = 0; !drop && k < 5; k++) {
			int j = i;
			if (opt_value(argc, argv, &j, valued[k], &v) == 1) {
				drop = true;
				i = j + (k == 4); /* --emit KIND DIR */
			}
		}
		if (!drop)
			shell_words(&st->command, (const char *const *)&a, 1);
	}
	return st->command.oom ? fail("out of memory") : 0;
}

/* Command-line values after the spec file's. */
static int add_options(struct study *st)
{
	struct {
		struct strlist *l;
		const char **v;
		size_t n;
	} from[] = {
	    {&st->traces, st->o.args, st->o.n_args},
	    {&st->policies, st->o.policies, st->o.n_policies},
	    {&st->hws, st->o.hws, st->o.n_hws},
	    {&st->sets, st->o.sets, st->o.n_sets},
	    {&st->stats, st->o.stats, st->o.n_stats},
	    {&st->labels, st->o.labels, st->o.n_labels},
	    {&st->files, st->o.files, st->o.n_files},
	};
	for (size_t i = 0; i < sizeof(from) / sizeof(from[0]); i++)
		for (size_t k = 0; k < from[i].n; k++)
			if (strlist_push(from[i].l, from[i].v[k]))
				return EXIT_USAGE;
	return 0;
}

static int size_grid(struct study *st)
{
	if (!st->traces.n)
		return fail("sweep: no trace (TRACE... or 'trace' in --spec)");
	for (size_t i = 0; i < st->traces.n; i++)
		if (strcmp(st->traces.v[i], "-") == 0)
			return fail("sweep: a trace cannot be '-' (every "
				    "point reads its trace again)");
	if (st->sets.n > FIELDS_MAX / 2)
		return fail("sweep: more than %d --set keys", FIELDS_MAX / 2);
	st->axes = calloc(st->sets.n + 1, sizeof(*st->axes));
	if (!st->axes)
		return fail("out of memory");
	st->n_grid = 1;
	for (size_t i = 0; i < st->sets.n; i++, st->n_axes++) {
		if (make_axis(&st->axes[i], st->sets.v[i]))
			return EXIT_USAGE;
		st->n_grid *= st->axes[i].values.n;
		if (st->n_grid > 100000000)
			return fail("sweep: more than 10^8 points");
	}
	st->n_points =
	    st->traces.n * (st->policies.n ? st->policies.n : 1) * st->n_grid;
	return 0;
}

int study_prepare(struct study *st, int argc, char **argv)
{
	int status;

	if (cli_parse_command(&st->o, argc, argv, &status))
		return status == EXIT_CLEAN ? -1 : EXIT_USAGE;
	if (st->o.spec && read_spec(st, st->o.spec))
		return EXIT_USAGE;
	if (add_options(st) || size_grid(st) || study_command(st, argc, argv))
		return EXIT_USAGE;
	for (size_t i = 0; i < st->stats.n; i++)
		if (check_stat(st->stats.v[i]))
			return EXIT_USAGE;
	st->sha = calloc(st->traces.n, sizeof(*st->sha));
	st->size = calloc(st->traces.n, sizeof(*st->size));
	st->digested = calloc(st->traces.n, sizeof(*st->digested));
	if (!st->sha || !st->size || !st->digested)
		return fail("out of memory");
	/* the options of every point are the study's lists */
	free(st->o.hws);
	free(st->o.files);
	st->o.hws = st->hws.v;
	st->o.n_hws = st->hws.n;
	st->o.files = st->files.v;
	st->o.n_files = st->files.n;
	return 0;
}

/* "KEY=VALUE;" onto the key (cut short keys are refused). */
static int key_add(struct point *p, const char *k, const char *v)
{
	size_t len = strlen(p->key);
	int n = snprintf(p->key + len, sizeof(p->key) - len, "%s%s=%s",
			 len ? ";" : "", k, v);
	if (n < 0 || (size_t)n >= sizeof(p->key) - len)
		return fail("sweep: point %zu: its key is longer than %zu "
			    "bytes",
			    p->index, sizeof(p->key));
	return 0;
}

int study_point(struct study *st, size_t k, struct point *p,
		smmusim_config_t **cfg)
{
	size_t n_pol = st->policies.n ? st->policies.n : 1, g = k % st->n_grid;
	struct opts po = st->o;
	smmusim_config_t *c = NULL;
	char seed[32] = "", hw[1024] = "";

	memset(p, 0, sizeof(*p));
	p->index = k;
	p->trace = st->traces.v[k / st->n_grid / n_pol];
	p->policy =
	    st->policies.n ? st->policies.v[k / st->n_grid % n_pol] : NULL;
	for (size_t i = st->n_axes; i-- > 0;) {
		struct axis *a = &st->axes[i];
		p->values[i] = a->values.v[g % a->values.n];
		g /= a->values.n;
	}
	for (size_t i = 0; i < st->n_axes; i++) {
		snprintf(p->set_buf[i], sizeof(p->set_buf[i]), "%s=%s",
			 st->axes[i].key, p->values[i]);
		p->sets[i] = p->set_buf[i];
	}
	po.sets = p->sets;
	po.n_sets = st->n_axes;
	if (build_config(&po, p->policy, &c))
		return EXIT_USAGE;
	smmusim_config_get(c, "sim.seed", seed, sizeof(seed));
	for (size_t i = 0; i < st->hws.n; i++)
		snprintf(hw + strlen(hw), sizeof(hw) - strlen(hw), "%s%s",
			 i ? "+" : "", st->hws.v[i]);
	int rc = key_add(p, "trace", p->trace) ||
		 key_add(p, "policy", p->policy ? p->policy : "default") ||
		 key_add(p, "hw", hw);
	for (size_t i = 0; !rc && i < st->n_axes; i++)
		rc = key_add(p, st->axes[i].key, p->values[i]);
	if (!rc)
		rc = key_add(p, "seed", seed);
	if (rc || !cfg)
		smmusim_config_free(c);
	else
		*cfg = c;
	return rc ? EXIT_USAGE : 0;
}

void study_free(struct study *st)
{
	for (size_t i = 0; i < st->n_axes; i++) {
		free(st->axes[i].key);
		free(st->axes[i].values.v);
	}
	if (st->axes) { /* a --set refused half-made */
		free(st->axes[st->n_axes].key);
		free(st->axes[st->n_axes].values.v);
	}
	free(st->axes);
	struct strlist *l[] = {&st->traces, &st->policies, &st->hws,
			       &st->files,  &st->sets,	   &st->labels,
			       &st->stats};
	if (st->o.hws == st->hws.v) /* the study's lists, freed below */
		st->o.hws = NULL;
	if (st->o.files == st->files.v)
		st->o.files = NULL;
	for (size_t i = 0; i < sizeof(l) / sizeof(l[0]); i++)
		free(l[i]->v);
	free(st->spec_text);
	free(st->command.s);
	free(st->sha);
	free(st->size);
	free(st->digested);
	opts_free(&st->o);
}
