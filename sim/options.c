/* SPDX-License-Identifier: MIT */
/*
 * The options of the smmusim command, and the configuration they describe.
 * Options and positional arguments may be mixed; "--" makes everything
 * after it positional; an option taking a value is spelt "--name VALUE",
 * "--name=VALUE", "-x VALUE" or "-xVALUE".  Which setting wins is the
 * library's rule (smmusim_config_apply_layers): this file only collects the
 * layers in command-line order.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int fail(const char *fmt, ...)
{
	va_list ap;

	fputs("smmusim: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

const char *msg_or(const char *msg, int rc)
{
	return msg && *msg ? msg : smmusim_strerror(rc);
}

void opts_free(struct opts *o)
{
	free(o->policies);
	free(o->hws);
	free(o->sets);
	free(o->files);
	free(o->args);
	free(o->labels);
	free(o->stats);
}

int opt_value(int argc, char **argv, int *i, const char *name, const char **val)
{
	const char *a = argv[*i];
	size_t n = strlen(name);
	bool is_short = n == 2;

	if (strncmp(a, name, n) != 0)
		return 0;
	if (a[n] != '\0') {
		if (is_short) {
			*val = a + n;
			return 1;
		}
		if (a[n] != '=')
			return 0;
		*val = a + n + 1;
		return 1;
	}
	if (*i + 1 >= argc) {
		fail("option '%s' needs an argument", name);
		return -1;
	}
	*i += 1;
	*val = argv[*i];
	return 1;
}

bool opt_flag(const char *a, const char *name)
{
	return strcmp(a, name) == 0;
}

static int parse_format(const char *s, enum smmusim_format *out)
{
	if (strcmp(s, "text") == 0)
		*out = SMMUSIM_FORMAT_TEXT;
	else if (strcmp(s, "json") == 0)
		*out = SMMUSIM_FORMAT_JSON;
	else if (strcmp(s, "csv") == 0)
		*out = SMMUSIM_FORMAT_CSV;
	else if (strcmp(s, "jsonl") == 0)
		*out = SMMUSIM_FORMAT_JSONL;
	else
		return fail("bad --format '%s' (allowed: text, json, csv, "
			    "jsonl)",
			    s);
	return 0;
}

/* Reject an option the current command does not take, naming both. */
static int check_allowed(const struct opts *o, unsigned bit, const char *a)
{
	if (o->allowed & bit)
		return 0;
	return fail("option '%s' is not valid for '%s' (see 'smmusim --help')",
		    a, o->cmd);
}

/* A flag without a value: its bit, or 0 when `a` is no such flag. */
static unsigned flag_bit(const char *a)
{
	if (opt_flag(a, "--no-check"))
		return O_NOCHECK;
	if (opt_flag(a, "--stats-memory"))
		return O_STATSMEM;
	if (opt_flag(a, "--list"))
		return O_LIST;
	if (opt_flag(a, "--parse-only"))
		return O_PARSEONLY;
	if (opt_flag(a, "-q") || opt_flag(a, "--quiet"))
		return O_QUIET;
	if (opt_flag(a, "--keep-going"))
		return O_KEEPGOING;
	return 0;
}

/* An option with a value: try each spelling in turn.  Its bit (0: none
 * matched), or -1 when its value is missing (reported). */
static int valued_bit(int argc, char **argv, int *i, const char **v)
{
	static const struct {
		const char *name;
		unsigned bit;
	} names[] = {
	    {"--policy", O_POLICY}, {"--hw", O_HW},	{"--set", O_SET},
	    {"-o", O_SET},	    {"-c", O_CFILE},	{"--config", O_CFILE},
	    {"--format", O_FORMAT}, {"--out", O_OUT},	{"--get", O_GET},
	    {"--label", O_LABEL},   {"--stat", O_STAT}, {"-j", O_JOBS},
	    {"--jobs", O_JOBS},	    {"--spec", O_SPEC}, {"--emit", O_EMIT},
	    {"--point", O_POINT},
	};
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		int m = opt_value(argc, argv, i, names[k].name, v);
		if (m != 0)
			return m < 0 ? -1 : (int)names[k].bit;
	}
	return 0;
}

/* A whole decimal number in [min, max]. */
static int parse_count(const char *opt, const char *v, long min, long max,
		       long *out)
{
	char *end;
	long n = strtol(v, &end, 10);

	if (!*v || *end || n < min || n > max)
		return fail("bad %s '%s' (allowed: %ld..%ld)", opt, v, min,
			    max);
	*out = n;
	return 0;
}

/* The options of `sweep` (docs/sweeps.md). */
static int store_sweep_value(struct opts *o, unsigned bit, const char *v)
{
	long n = 0;

	switch (bit) {
	case O_JOBS:
		if (parse_count("-j", v, 1, 1024, &n))
			return EXIT_USAGE;
		o->jobs = (unsigned)n;
		break;
	case O_SPEC:
		if (o->spec)
			return fail("only one --spec FILE");
		o->spec = v;
		break;
	case O_EMIT:
		if (strcmp(v, "parallel") && strcmp(v, "slurm"))
			return fail("bad --emit '%s' (allowed: parallel DIR, "
				    "slurm DIR)",
				    v);
		o->emit = v;
		break;
	case O_POINT:
		if (parse_count("--point", v, 0, 100000000, &n))
			return EXIT_USAGE;
		o->point = n;
		break;
	}
	return 0;
}

/* Record option `bit` with value v. */
static int store_value(struct opts *o, unsigned bit, const char *v)
{
	switch (bit) {
	case O_POLICY:
		o->policies[o->n_policies++] = v;
		break;
	case O_HW:
		o->hws[o->n_hws++] = v;
		break;
	case O_SET:
		o->sets[o->n_sets++] = v;
		break;
	case O_CFILE:
		o->files[o->n_files++] = v;
		break;
	case O_FORMAT:
		return parse_format(v, &o->format);
	case O_OUT:
		if (!*v)
			return fail("option '--out' needs a file name");
		o->out_path = v;
		break;
	case O_GET:
		if (o->get_key)
			return fail("only one --get KEY at a time");
		o->get_key = v;
		break;
	case O_LABEL:
		o->labels[o->n_labels++] = v;
		break;
	case O_STAT:
		o->stats[o->n_stats++] = v;
		break;
	default:
		return store_sweep_value(o, bit, v);
	}
	return 0;
}

/* One option argv[*i] (it starts with '-' and is not "-" or "--"). */
static int parse_option(struct opts *o, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	const char *v = NULL;
	unsigned bit = flag_bit(a);
	int m;

	if (opt_flag(a, "-h") || opt_flag(a, "--help")) {
		o->help = true;
		return 0;
	}
	if (bit) {
		if (check_allowed(o, bit, a))
			return EXIT_USAGE;
		o->no_check |= bit == O_NOCHECK;
		o->stats_memory |= bit == O_STATSMEM;
		o->list |= bit == O_LIST;
		o->parse_only |= bit == O_PARSEONLY;
		o->quiet |= bit == O_QUIET;
		o->keep_going |= bit == O_KEEPGOING;
		return 0;
	}
	if ((m = valued_bit(argc, argv, i, &v)) < 0)
		return EXIT_USAGE;
	if (!m && strchr(a, '='))
		return fail("unknown option '%s' (flags such as --no-check "
			    "take no value)",
			    a);
	if (!m)
		return fail("unknown option '%s' (see 'smmusim --help')", a);
	if (check_allowed(o, (unsigned)m, a))
		return EXIT_USAGE;
	if (store_value(o, (unsigned)m, v))
		return EXIT_USAGE;
	if (m == O_EMIT) { /* --emit KIND DIR */
		if (*i + 1 >= argc || !*argv[*i + 1])
			return fail("--emit %s needs a folder", v);
		o->emit_dir = argv[++*i];
	}
	return 0;
}

/*
 * Parse argv[first..argc) of a command.  Every array is sized for the worst
 * case (argc entries) up front, so parsing never has to grow one.
 */
static int parse_opts(struct opts *o, int argc, char **argv, int first)
{
	size_t cap = (size_t)argc + 1;
	bool dashdash = false;

	o->policies = calloc(cap, sizeof(*o->policies));
	o->hws = calloc(cap, sizeof(*o->hws));
	o->sets = calloc(cap, sizeof(*o->sets));
	o->files = calloc(cap, sizeof(*o->files));
	o->args = calloc(cap, sizeof(*o->args));
	o->labels = calloc(cap, sizeof(*o->labels));
	o->stats = calloc(cap, sizeof(*o->stats));
	o->point = -1;
	if (!o->policies || !o->hws || !o->sets || !o->files || !o->args ||
	    !o->labels || !o->stats)
		return fail("out of memory");

	for (int i = first; i < argc; i++) {
		const char *a = argv[i];

		if (dashdash || a[0] != '-' || a[1] == '\0') {
			/* A lone "-" is positional, as is customary. */
			o->args[o->n_args++] = a;
			continue;
		}
		if (opt_flag(a, "--")) {
			dashdash = true;
			continue;
		}
		if (parse_option(o, argc, argv, &i))
			return EXIT_USAGE;
	}
	return 0;
}

bool cli_parse_command(struct opts *o, int argc, char **argv, int *status)
{
	*status = EXIT_USAGE;
	if (parse_opts(o, argc, argv, 2))
		return true;
	if (o->help) {
		fputs(cli_usage_text, stdout);
		*status = EXIT_CLEAN;
		return true;
	}
	return false;
}

/*
 * The configuration of one run.  The layers apply in the library's order
 * (hardware presets, the policy preset, -c files, -o options), so that the
 * more specific setting always wins.  --no-check comes last of all because
 * it is an explicit request to turn the oracle off.
 */
int build_config(const struct opts *o, const char *policy,
		 smmusim_config_t **out)
{
	const struct smmusim_config_layers layers = {
	    .hw = o->hws,
	    .n_hw = o->n_hws,
	    .policy = policy,
	    .files = o->files,
	    .n_files = o->n_files,
	    .sets = o->sets,
	    .n_sets = o->n_sets,
	};
	smmusim_config_t *cfg = NULL;
	int rc;

	*out = NULL;
	rc = smmusim_config_new(&cfg, NULL);
	if (rc < 0)
		return fail("cannot create a configuration: %s",
			    smmusim_strerror(rc));
	rc = smmusim_config_apply_layers(cfg, &layers);
	if (rc == 0 && o->no_check)
		rc = smmusim_config_set_assignment(cfg, "check.enable=off");
	if (rc < 0) {
		fail("%s", msg_or(smmusim_config_error(cfg), rc));
		smmusim_config_free(cfg);
		return EXIT_USAGE;
	}
	*out = cfg;
	return 0;
}
