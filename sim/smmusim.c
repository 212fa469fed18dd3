/* SPDX-License-Identifier: MIT */
/*
 * smmusim: the command-line front end of libsmmusim.
 *
 * Deliberately thin.  Everything that decides behaviour -- key names, their
 * allowed values, presets, the trace format, the report layout, the wording
 * of errors -- lives in the library, so a program that links libsmmusim and
 * this tool can never disagree.  This file only turns argv into calls of the
 * public API (include/smmusim/) and prints what comes back; it includes
 * nothing from src/.
 *
 * Exit status: 0 clean, 1 when a checked run reported coherence violations,
 * 2 for bad usage or bad input (the message is on stderr).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <smmusim/smmusim.h>

#if defined(SMMUSIM_HAVE_JEMALLOC) && SMMUSIM_HAVE_JEMALLOC
#include <jemalloc/jemalloc.h>
#define CLI_HAVE_JEMALLOC 1
#else
#define CLI_HAVE_JEMALLOC 0
#endif

enum {
	EXIT_CLEAN = 0,
	EXIT_VIOLATIONS = 1,
	EXIT_USAGE = 2,
};

static const char usage_text[] =
    "usage: smmusim COMMAND [OPTIONS]\n"
    "\n"
    "commands:\n"
    "  replay FILE [options]   replay a trace (docs/trace-format.md; '-'\n"
    "                          reads stdin) and print a report; one run\n"
    "                          per --policy\n"
    "  config --list           list every configuration key:\n"
    "                          name, type, default, allowed, description\n"
    "  config --get KEY        print the effective value of KEY under the\n"
    "                          given --policy/--hw/-c/-o options\n"
    "  policies                list the policy and hardware presets\n"
    "  import qemu LOG -o TRACE\n"
    "                          convert a QEMU 7.2 SMMUv3 trace log (plain\n"
    "                          or .xz; QEMU run with -trace 'smmuv3_*'\n"
    "                          -trace 'smmu_*' -D LOG) into a trace; '-o -'\n"
    "                          writes stdout; a summary goes to stderr\n"
    "  help                    this text (also -h, --help)\n"
    "  version                 print the version (also --version)\n"
    "\n"
    "replay options (may come before or after FILE; -- ends options):\n"
    "  --policy NAME           replay under kernel policy preset NAME;\n"
    "                          repeat to compare several policies side by\n"
    "                          side (default: one run, 'default')\n"
    "  --hw NAME               apply hardware preset NAME to every run\n"
    "  -c FILE                 read settings from FILE: 'key = value'\n"
    "                          lines, '#' comments\n"
    "  -o KEY=VALUE            set a key (also --set KEY=VALUE); applied\n"
    "                          to every run after the presets and -c files,\n"
    "                          in command-line order\n"
    "  --no-check              disable the coherence oracle\n"
    "                          (same as -o check.enable=off)\n"
    "  --format text|json      report format (default: text)\n"
    "  --out FILE              write the report to FILE instead of stdout\n"
    "  --stats-memory          print the allocator's peak memory to stderr\n"
    "\n"
    "Options taking a value also accept --name=VALUE.\n"
    "\n"
    "exit status:\n"
    "  0  success, no coherence violation\n"
    "  1  a run reported coherence violations (checking on)\n"
    "  2  bad usage or bad input (unknown option or key, bad value,\n"
    "     malformed trace, unreadable file); the reason is on stderr\n";

/* Print "smmusim: MESSAGE" on stderr; returns EXIT_USAGE for `return fail()`.
 */
static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int fail(const char *fmt, ...)
{
	va_list ap;

	fputs("smmusim: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

/* The library leaves its messages in per-object buffers; fall back to the
 * generic text of the code if a failing call left none. */
static const char *msg_or(const char *msg, int rc)
{
	return msg && *msg ? msg : smmusim_strerror(rc);
}

/* One `key = value` line of a -c file, kept with its position so that a
 * value the library refuses is reported as FILE:LINE. */
struct file_setting {
	const char *file;
	unsigned line;
	char *key;
	char *value;
};

/* Options of every command; each command accepts a subset (opt_allowed). */
struct opts {
	const char *cmd;
	unsigned allowed;
	const char **policies;
	size_t n_policies;
	const char **hws;
	size_t n_hws;
	const char **sets; /* -o / --set, in order */
	size_t n_sets;
	struct file_setting *fsets; /* from -c files, in order */
	size_t n_fsets;
	const char **args; /* positional arguments */
	size_t n_args;
	const char *out_path;
	enum smmusim_format format;
	const char *get_key;
	bool no_check;
	bool stats_memory;
	bool list;
	bool help;
};

enum {
	O_POLICY = 1u << 0,
	O_HW = 1u << 1,
	O_SET = 1u << 2,
	O_CFILE = 1u << 3,
	O_FORMAT = 1u << 4,
	O_OUT = 1u << 5,
	O_NOCHECK = 1u << 6,
	O_STATSMEM = 1u << 7,
	O_LIST = 1u << 8,
	O_GET = 1u << 9,
};

static void opts_free(struct opts *o)
{
	for (size_t i = 0; i < o->n_fsets; i++) {
		free(o->fsets[i].key);
		free(o->fsets[i].value);
	}
	free(o->fsets);
	free(o->policies);
	free(o->hws);
	free(o->sets);
	free(o->args);
}

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
			   end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

static int add_file_setting(struct opts *o, const char *file, unsigned line,
			    const char *key, const char *value)
{
	struct file_setting *fs;

	fs = realloc(o->fsets, (o->n_fsets + 1) * sizeof(*fs));
	if (!fs)
		return fail("out of memory");
	o->fsets = fs;
	fs = &o->fsets[o->n_fsets];
	fs->file = file;
	fs->line = line;
	fs->key = strdup(key);
	fs->value = strdup(value);
	if (!fs->key || !fs->value) {
		free(fs->key);
		free(fs->value);
		return fail("out of memory");
	}
	o->n_fsets++;
	return 0;
}

/*
 * Read a settings file.  Only the syntax is checked here; keys and values
 * are checked by the library when applied, where the message can name the
 * key and what it allows.  The whole file is read before any run starts, so
 * a typo on the last line does not cost a long replay first.
 */
static int read_config_file(struct opts *o, const char *path)
{
	FILE *f;
	char *buf = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	int rc = 0;

	f = fopen(path, "r");
	if (!f)
		return fail("cannot open config file '%s': %s", path,
			    strerror(errno));
	errno = 0;
	while (getline(&buf, &cap, f) >= 0) {
		char *line, *eq, *hash, *key, *value;

		lineno++;
		hash = strchr(buf, '#');
		if (hash)
			*hash = '\0';
		line = trim(buf);
		if (!*line)
			continue;
		eq = strchr(line, '=');
		if (!eq) {
			rc =
			    fail("%s:%u: expected 'key = value'", path, lineno);
			break;
		}
		*eq = '\0';
		key = trim(line);
		value = trim(eq + 1);
		if (!*key || !*value) {
			rc =
			    fail("%s:%u: expected 'key = value'", path, lineno);
			break;
		}
		rc = add_file_setting(o, path, lineno, key, value);
		if (rc)
			break;
	}
	if (!rc && ferror(f))
		rc = fail("cannot read config file '%s': %s", path,
			  strerror(errno ? errno : EIO));
	free(buf);
	fclose(f);
	return rc;
}

/*
 * Match argv[*i] against an option that takes a value.  A long option is
 * spelt "--name VALUE" or "--name=VALUE"; a short one "-x VALUE" or
 * "-xVALUE".  Returns 1 with *val set on a match, 0 when argv[*i] is
 * something else, -1 (already reported) when the value is missing.
 */
static int opt_value(int argc, char **argv, int *i, const char *name,
		     const char **val)
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

static bool opt_flag(const char *a, const char *name)
{
	return strcmp(a, name) == 0;
}

static int parse_format(const char *s, enum smmusim_format *out)
{
	if (strcmp(s, "text") == 0)
		*out = SMMUSIM_FORMAT_TEXT;
	else if (strcmp(s, "json") == 0)
		*out = SMMUSIM_FORMAT_JSON;
	else
		return fail("bad --format '%s' (allowed: text, json)", s);
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

/*
 * Parse argv[first..argc) of a command.  Options and positional arguments
 * may be mixed; "--" makes everything after it positional.  Every array is
 * sized for the worst case (argc entries) up front, so parsing never has to
 * grow one.
 */
static int parse_opts(struct opts *o, int argc, char **argv, int first)
{
	size_t cap = (size_t)argc + 1;
	bool dashdash = false;

	o->policies = calloc(cap, sizeof(*o->policies));
	o->hws = calloc(cap, sizeof(*o->hws));
	o->sets = calloc(cap, sizeof(*o->sets));
	o->args = calloc(cap, sizeof(*o->args));
	if (!o->policies || !o->hws || !o->sets || !o->args)
		return fail("out of memory");

	for (int i = first; i < argc; i++) {
		const char *a = argv[i];
		const char *v = NULL;
		unsigned bit = 0;
		int m;

		if (dashdash || a[0] != '-' || a[1] == '\0') {
			/* A lone "-" is positional, as is customary. */
			o->args[o->n_args++] = a;
			continue;
		}
		if (opt_flag(a, "--")) {
			dashdash = true;
			continue;
		}
		if (opt_flag(a, "-h") || opt_flag(a, "--help")) {
			o->help = true;
			continue;
		}
		if (opt_flag(a, "--no-check"))
			bit = O_NOCHECK;
		else if (opt_flag(a, "--stats-memory"))
			bit = O_STATSMEM;
		else if (opt_flag(a, "--list"))
			bit = O_LIST;
		if (bit) {
			if (check_allowed(o, bit, a))
				return EXIT_USAGE;
			o->no_check |= bit == O_NOCHECK;
			o->stats_memory |= bit == O_STATSMEM;
			o->list |= bit == O_LIST;
			continue;
		}

		/* Options with a value: try each spelling in turn. */
		if ((m = opt_value(argc, argv, &i, "--policy", &v)) != 0)
			bit = O_POLICY;
		else if ((m = opt_value(argc, argv, &i, "--hw", &v)) != 0)
			bit = O_HW;
		else if ((m = opt_value(argc, argv, &i, "--set", &v)) != 0 ||
			 (m = opt_value(argc, argv, &i, "-o", &v)) != 0)
			bit = O_SET;
		else if ((m = opt_value(argc, argv, &i, "-c", &v)) != 0 ||
			 (m = opt_value(argc, argv, &i, "--config", &v)) != 0)
			bit = O_CFILE;
		else if ((m = opt_value(argc, argv, &i, "--format", &v)) != 0)
			bit = O_FORMAT;
		else if ((m = opt_value(argc, argv, &i, "--out", &v)) != 0)
			bit = O_OUT;
		else if ((m = opt_value(argc, argv, &i, "--get", &v)) != 0)
			bit = O_GET;
		if (m < 0)
			return EXIT_USAGE;
		if (!bit && strchr(a, '='))
			return fail("unknown option '%s' (flags such as "
				    "--no-check take no value)",
				    a);
		if (!bit)
			return fail(
			    "unknown option '%s' (see 'smmusim --help')", a);
		if (check_allowed(o, bit, a))
			return EXIT_USAGE;

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
			if (read_config_file(o, v))
				return EXIT_USAGE;
			break;
		case O_FORMAT:
			if (parse_format(v, &o->format))
				return EXIT_USAGE;
			break;
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
		}
	}
	return 0;
}

/*
 * Build the configuration of one run.  The order is fixed and documented:
 * hardware presets, then the policy preset, then -c files, then -o options,
 * so that the more specific setting always wins.  --no-check comes last of
 * all because it is an explicit request to turn the oracle off.
 */
static int build_config(const struct opts *o, const char *policy,
			smmusim_config_t **out)
{
	smmusim_config_t *cfg = NULL;
	int rc;

	*out = NULL;
	rc = smmusim_config_new(&cfg, NULL);
	if (rc < 0)
		return fail("cannot create a configuration: %s",
			    smmusim_strerror(rc));

	for (size_t i = 0; i < o->n_hws; i++) {
		rc = smmusim_config_apply_preset(cfg, "hw", o->hws[i]);
		if (rc < 0)
			goto bad;
	}
	if (policy) {
		rc = smmusim_config_apply_preset(cfg, "policy", policy);
		if (rc < 0)
			goto bad;
	}
	for (size_t i = 0; i < o->n_fsets; i++) {
		const struct file_setting *fs = &o->fsets[i];

		rc = smmusim_config_set(cfg, fs->key, fs->value);
		if (rc < 0) {
			fail("%s:%u: %s", fs->file, fs->line,
			     msg_or(smmusim_config_error(cfg), rc));
			smmusim_config_free(cfg);
			return EXIT_USAGE;
		}
	}
	for (size_t i = 0; i < o->n_sets; i++) {
		rc = smmusim_config_set_assignment(cfg, o->sets[i]);
		if (rc < 0)
			goto bad;
	}
	if (o->no_check) {
		rc = smmusim_config_set_assignment(cfg, "check.enable=off");
		if (rc < 0)
			goto bad;
	}
	*out = cfg;
	return 0;
bad:
	fail("%s", msg_or(smmusim_config_error(cfg), rc));
	smmusim_config_free(cfg);
	return EXIT_USAGE;
}

/* Whether the coherence oracle ran, read back from the simulator's own copy
 * of its configuration so that -c files and -o spellings are all honoured. */
static bool checking_enabled(const smmusim_t *sim, bool no_check)
{
	char buf[32];

	if (smmusim_config_get(smmusim_config(sim), "check.enable", buf,
			       sizeof(buf)) < 0)
		return !no_check;
	return strcmp(buf, "off") != 0 && strcmp(buf, "0") != 0 &&
	       strcmp(buf, "false") != 0 && strcmp(buf, "no") != 0;
}

/*
 * Memory use as jemalloc sees it.  jemalloc's counters are cached and only
 * refreshed when "epoch" is written.  "thread.peak.read" (jemalloc >= 5.3) is
 * a true high-water mark for this single-threaded program; without it fall
 * back to "stats.allocated", sampled by the caller while every simulator is
 * still alive.
 */
static void print_memory(void)
{
#if CLI_HAVE_JEMALLOC
	uint64_t epoch = 1, peak;
	size_t allocated, sz = sizeof(epoch);

	mallctl("epoch", &epoch, &sz, &epoch, sz);
	sz = sizeof(peak);
	if (mallctl("thread.peak.read", &peak, &sz, NULL, 0) == 0 && peak) {
		fprintf(stderr, "peak memory: %llu bytes\n",
			(unsigned long long)peak);
		return;
	}
	sz = sizeof(allocated);
	if (mallctl("stats.allocated", &allocated, &sz, NULL, 0) == 0)
		fprintf(stderr, "peak memory: %zu bytes\n", allocated);
	else
		fputs("peak memory: unavailable (jemalloc without stats)\n",
		      stderr);
#else
	fputs("peak memory: unavailable (built without jemalloc)\n", stderr);
#endif
}

static int cmd_replay(int argc, char **argv)
{
	struct opts o = {.cmd = "replay",
			 .allowed = O_POLICY | O_HW | O_SET | O_CFILE |
				    O_FORMAT | O_OUT | O_NOCHECK | O_STATSMEM,
			 .format = SMMUSIM_FORMAT_TEXT};
	smmusim_config_t **cfgs = NULL;
	smmusim_t **sims = NULL;
	FILE *out = NULL;
	size_t n_runs = 0;
	const char *trace;
	char msg[512];
	int status = EXIT_USAGE;
	int rc;

	if (parse_opts(&o, argc, argv, 2))
		goto done;
	if (o.help) {
		fputs(usage_text, stdout);
		status = EXIT_CLEAN;
		goto done;
	}
	if (o.n_args == 0) {
		fail("replay: missing trace FILE (see 'smmusim --help')");
		goto done;
	}
	if (o.n_args > 1) {
		fail("replay: one trace FILE expected, got '%s' and '%s'",
		     o.args[0], o.args[1]);
		goto done;
	}
	trace = o.args[0];

	n_runs = o.n_policies ? o.n_policies : 1;
	cfgs = calloc(n_runs, sizeof(*cfgs));
	sims = calloc(n_runs, sizeof(*sims));
	if (!cfgs || !sims) {
		fail("out of memory");
		goto done;
	}

	/* Every configuration is built before anything runs, so a bad key or
	 * policy name fails at once instead of after the first replays. */
	for (size_t i = 0; i < n_runs; i++)
		if (build_config(&o, o.n_policies ? o.policies[i] : NULL,
				 &cfgs[i]))
			goto done;

	/* Likewise open the output before replaying.  Truncating it now means
	 * a failed replay leaves an empty file rather than a stale report. */
	if (o.out_path) {
		out = fopen(o.out_path, "w");
		if (!out) {
			fail("cannot open '%s': %s", o.out_path,
			     strerror(errno));
			goto done;
		}
	} else {
		out = stdout;
	}

	for (size_t i = 0; i < n_runs; i++) {
		const char *label = o.n_policies ? o.policies[i] : "default";

		/* The _ex form says which key combination the model refuses
		 * (e.g. a TLB size that is not a multiple of its ways). */
		rc = smmusim_new_ex(&sims[i], cfgs[i], NULL, msg, sizeof(msg));
		if (rc < 0) {
			sims[i] = NULL;
			if (o.n_policies > 1)
				fail("--policy %s: %s", label, msg_or(msg, rc));
			else
				fail("%s", msg_or(msg, rc));
			goto done;
		}
		rc = smmusim_set_labels(sims[i], label, trace);
		if (rc < 0) {
			fail("%s", msg_or(smmusim_last_error(sims[i]), rc));
			goto done;
		}
		rc = smmusim_replay_file(sims[i], trace);
		if (rc < 0) {
			fail("%s", msg_or(smmusim_last_error(sims[i]), rc));
			goto done;
		}
	}

	rc = smmusim_write_report(out, sims, n_runs, o.format);
	if (rc < 0) {
		fail("cannot write the report: %s", smmusim_strerror(rc));
		goto done;
	}
	/* A full disk or a closed pipe shows up only at flush time. */
	if (fflush(out) != 0 || ferror(out)) {
		fail("cannot write the report to %s: %s",
		     o.out_path ? o.out_path : "standard output",
		     strerror(errno ? errno : EIO));
		goto done;
	}

	status = EXIT_CLEAN;
	for (size_t i = 0; i < n_runs; i++)
		if (checking_enabled(sims[i], o.no_check) &&
		    smmusim_violation_total(sims[i]) > 0)
			status = EXIT_VIOLATIONS;

	if (o.stats_memory)
		print_memory();
done:
	if (out && out != stdout && fclose(out) != 0 && status != EXIT_USAGE)
		status =
		    fail("cannot write '%s': %s", o.out_path, strerror(errno));
	for (size_t i = 0; sims && i < n_runs; i++)
		smmusim_free(sims[i]);
	for (size_t i = 0; cfgs && i < n_runs; i++)
		smmusim_config_free(cfgs[i]);
	free(sims);
	free(cfgs);
	opts_free(&o);
	return status;
}

static void list_keys(void)
{
	size_t n = smmusim_config_key_count();

	for (size_t i = 0; i < n; i++) {
		struct smmusim_key_info k;

		if (smmusim_config_key_info(i, &k) < 0)
			continue;
		printf("%s\t%s\t%s\t%s\t%s\n", k.name,
		       k.type_name ? k.type_name : "", k.def, k.allowed,
		       k.description ? k.description : "");
	}
}

static int cmd_config(int argc, char **argv)
{
	struct opts o = {.cmd = "config",
			 .allowed = O_LIST | O_GET | O_POLICY | O_HW | O_SET |
				    O_CFILE | O_NOCHECK};
	smmusim_config_t *cfg = NULL;
	char buf[256];
	int status = EXIT_USAGE;
	int rc;

	if (parse_opts(&o, argc, argv, 2))
		goto done;
	if (o.help) {
		fputs(usage_text, stdout);
		status = EXIT_CLEAN;
		goto done;
	}
	if (o.n_args) {
		fail("config: unexpected argument '%s'", o.args[0]);
		goto done;
	}
	if (o.list == !!o.get_key) {
		fail("config: use either --list or --get KEY");
		goto done;
	}
	if (o.list) {
		list_keys();
		status = EXIT_CLEAN;
		goto done;
	}
	if (o.n_policies > 1) {
		fail("config --get: at most one --policy");
		goto done;
	}
	if (build_config(&o, o.n_policies ? o.policies[0] : NULL, &cfg))
		goto done;
	rc = smmusim_config_get(cfg, o.get_key, buf, sizeof(buf));
	if (rc < 0) {
		const char *m = smmusim_config_error(cfg);

		if (m && *m)
			fail("%s", m);
		else
			fail("unknown configuration key '%s' "
			     "(see 'smmusim config --list')",
			     o.get_key);
		goto done;
	}
	printf("%s\n", buf);
	status = EXIT_CLEAN;
done:
	smmusim_config_free(cfg);
	opts_free(&o);
	return status;
}

/* Print `text` word-wrapped to 79 columns, each line indented by `indent`. */
static void print_wrapped(const char *text, int indent)
{
	const int width = 79 - indent;
	const char *p = text;

	while (*p) {
		int len = (int)strlen(p), cut = len;

		if (len > width) {
			cut = width;
			while (cut > 0 && p[cut] != ' ')
				cut--;
			if (cut == 0) /* one long word: let it overflow */
				cut = (int)strcspn(p, " ");
		}
		printf("%*s%.*s\n", indent, "", cut, p);
		p += cut;
		while (*p == ' ')
			p++;
	}
}

static void list_presets(const char *kind, const char *option)
{
	size_t n = smmusim_preset_count(kind);

	if (n == 0) {
		printf("%s presets: none yet\n", kind);
		return;
	}
	printf("%s presets (%s NAME):\n", kind, option);
	for (size_t i = 0; i < n; i++) {
		const char *name = NULL, *desc = NULL;
		const char *const *set = NULL;
		size_t n_set = 0;

		if (smmusim_preset_info(kind, i, &name, &desc, &set, &n_set) <
		    0)
			continue;
		printf("  %s\n", name ? name : "?");
		if (desc && *desc)
			print_wrapped(desc, 6);
		for (size_t j = 0; j < n_set; j++)
			printf("      -o %s\n", set[j]);
	}
}

static int cmd_policies(int argc, char **argv)
{
	for (int i = 2; i < argc; i++) {
		if (opt_flag(argv[i], "-h") || opt_flag(argv[i], "--help")) {
			fputs(usage_text, stdout);
			return EXIT_CLEAN;
		}
		return fail("policies: unexpected argument '%s'", argv[i]);
	}
	list_presets("policy", "--policy");
	putchar('\n');
	list_presets("hw", "--hw");
	return EXIT_CLEAN;
}

/*
 * smmusim import qemu LOG -o TRACE.  Its own small parser: -o names the
 * output here, not a KEY=VALUE setting as for replay.
 */
static int cmd_import(int argc, char **argv)
{
	struct smmusim_import_stats st;
	const char *args[3] = {NULL, NULL, NULL};
	const char *out_path = NULL;
	char msg[512];
	size_t n_args = 0;
	bool dashdash = false;
	int rc;

	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		const char *v = NULL;
		int m;

		if (dashdash || a[0] != '-' || a[1] == '\0') {
			if (n_args == 2)
				return fail("import: unexpected argument '%s' "
					    "(see 'smmusim --help')",
					    a);
			args[n_args++] = a;
			continue;
		}
		if (opt_flag(a, "--")) {
			dashdash = true;
			continue;
		}
		if (opt_flag(a, "-h") || opt_flag(a, "--help")) {
			fputs(usage_text, stdout);
			return EXIT_CLEAN;
		}
		if ((m = opt_value(argc, argv, &i, "-o", &v)) == 0)
			m = opt_value(argc, argv, &i, "--out", &v);
		if (m < 0)
			return EXIT_USAGE;
		if (m == 0)
			return fail("import: unknown option '%s' (see 'smmusim "
				    "--help')",
				    a);
		if (!*v)
			return fail("import: option '%s' needs a file name", a);
		if (out_path)
			return fail("import: only one -o TRACE");
		out_path = v;
	}
	if (n_args == 0)
		return fail("import: missing the log format (usage: smmusim "
			    "import qemu LOG -o TRACE)");
	if (strcmp(args[0], "qemu") != 0)
		return fail("import: unknown log format '%s' (known: qemu)",
			    args[0]);
	if (n_args < 2)
		return fail("import qemu: missing LOG (usage: smmusim import "
			    "qemu LOG -o TRACE)");
	if (!out_path)
		return fail("import qemu: missing -o TRACE ('-o -' writes "
			    "standard output)");

	rc =
	    smmusim_import_qemu(args[1], out_path, NULL, &st, msg, sizeof(msg));
	if (rc < 0)
		return fail("%s", msg_or(msg, rc));
	fprintf(stderr,
		"smmusim: imported %s: %llu lines, %llu translations "
		"(QEMU IOTLB: %llu hits, %llu misses), %llu commands, "
		"%llu mappings, %llu lines skipped\n",
		args[1], (unsigned long long)st.lines,
		(unsigned long long)st.translations,
		(unsigned long long)st.iotlb_hits,
		(unsigned long long)st.iotlb_misses,
		(unsigned long long)st.commands,
		(unsigned long long)st.mappings,
		(unsigned long long)st.skipped);
	return EXIT_CLEAN;
}

static int cmd_version(void)
{
	const char *lib = smmusim_version();

	if (lib && strcmp(lib, SMMUSIM_VERSION_STRING) != 0)
		printf("smmusim %s (libsmmusim %s)\n", SMMUSIM_VERSION_STRING,
		       lib);
	else
		printf("smmusim %s\n", SMMUSIM_VERSION_STRING);
	return EXIT_CLEAN;
}

int main(int argc, char **argv)
{
	const char *cmd;
	int status;

	if (argc < 2 || !argv[1]) {
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "replay"))
		status = cmd_replay(argc, argv);
	else if (!strcmp(cmd, "config"))
		status = cmd_config(argc, argv);
	else if (!strcmp(cmd, "policies"))
		status = cmd_policies(argc, argv);
	else if (!strcmp(cmd, "import"))
		status = cmd_import(argc, argv);
	else if (!strcmp(cmd, "help") || !strcmp(cmd, "-h") ||
		 !strcmp(cmd, "--help")) {
		fputs(usage_text, stdout);
		status = EXIT_CLEAN;
	} else if (!strcmp(cmd, "version") || !strcmp(cmd, "--version"))
		status = cmd_version();
	else
		status = fail("unknown command '%s' (commands: replay, config, "
			      "policies, import, help, version)",
			      cmd);

	/* Output to stdout that could not be written is an error too, and the
	 * exit status is the only way a script learns about it. */
	if (fflush(stdout) != 0 && status == EXIT_CLEAN)
		status = fail("cannot write to standard output: %s",
			      strerror(errno));
	return status;
}
