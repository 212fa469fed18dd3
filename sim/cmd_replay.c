/* SPDX-License-Identifier: MIT */
/*
 * smmusim replay FILE [options]: replay a trace once per --policy (or once
 * with the defaults), reading it once for all of them (FILE may be "-" or
 * compressed), and print one report with a column per run.  Every
 * configuration is built and the output opened before anything runs, so a
 * bad key, policy name or output path fails at once instead of after the
 * first replays.
 *
 * Every report carries its provenance (version, git revision, command
 * line, the trace's SHA-256 and size) and the --label fields.  A long run
 * shows progress on a terminal; SIGINT or SIGTERM stop it cleanly, the
 * report then says what was measured so far and marks it interrupted.
 * --keep-going reports a refused event on stderr and goes on.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#if defined(SMMUSIM_HAVE_JEMALLOC) && SMMUSIM_HAVE_JEMALLOC
#include <jemalloc/jemalloc.h>
#define CLI_HAVE_JEMALLOC 1
#else
#define CLI_HAVE_JEMALLOC 0
#endif

/* The runs of one replay, one per policy. */
struct replay {
	struct opts o;
	const char *trace;
	size_t n_runs;
	smmusim_config_t **cfgs;
	smmusim_t **sims;
	FILE *out;
	int argc;
	char **argv;
	struct fields fields;
	struct strbuf command;
	struct trace_digest digest; /* ended before the report */
	char sha[65], size[24];
};

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

static const char *run_policy(const struct replay *r, size_t i)
{
	return r->o.n_policies ? r->o.policies[i] : NULL;
}

/* The one trace FILE, and a configuration for every run. */
static int prepare_runs(struct replay *r)
{
	if (r->o.n_args == 0)
		return fail(
		    "replay: missing trace FILE (see 'smmusim --help')");
	if (r->o.n_args > 1)
		return fail(
		    "replay: one trace FILE expected, got '%s' and '%s'",
		    r->o.args[0], r->o.args[1]);
	r->trace = r->o.args[0];
	r->n_runs = r->o.n_policies ? r->o.n_policies : 1;
	r->cfgs = calloc(r->n_runs, sizeof(*r->cfgs));
	r->sims = calloc(r->n_runs, sizeof(*r->sims));
	if (!r->cfgs || !r->sims)
		return fail("out of memory");
	for (size_t i = 0; i < r->n_runs; i++)
		if (build_config(&r->o, run_policy(r, i), &r->cfgs[i]))
			return EXIT_USAGE;
	return 0;
}

/* Provenance, then the labels: the report's fields (docs/cli.md). */
static int prepare_fields(struct replay *r)
{
	struct fields *f = &r->fields;

	strbuf_add(&r->command, "smmusim");
	shell_words(&r->command, (const char *const *)r->argv + 1,
		    (size_t)r->argc - 1);
	if (r->command.oom)
		return fail("out of memory");
	/* r->sha and r->size are filled when the replay has run
	 * (trace_digest_end()), before the report that prints them */
	if (trace_digest_begin(&r->digest, r->trace, true))
		return EXIT_USAGE;
	if (fields_add(f, "version", SMMUSIM_VERSION_STRING) ||
	    fields_add(f, "revision", cli_revision()) ||
	    fields_add(f, "command", r->command.s) ||
	    fields_add(f, "trace_sha256", r->sha) ||
	    fields_add(f, "trace_size", r->size))
		return EXIT_USAGE;
	for (size_t i = 0; i < r->o.n_labels; i++)
		if (fields_add_label(f, r->o.labels[i]))
			return EXIT_USAGE;
	return 0;
}

/* Open the output before replaying.  Truncating it now means a failed
 * replay leaves an empty file rather than a stale report. */
static int open_output(struct replay *r)
{
	if (!r->o.out_path) {
		r->out = stdout;
		return 0;
	}
	r->out = fopen(r->o.out_path, "w");
	if (!r->out)
		return fail("cannot open '%s': %s", r->o.out_path,
			    strerror(errno));
	return 0;
}

/* Create simulator i and label it. */
static int create_one(struct replay *r, size_t i)
{
	const char *label = r->o.n_policies ? r->o.policies[i] : "default";
	char msg[512];
	int rc;

	/* The _ex form says which key combination the model refuses (e.g. a
	 * TLB size that is not a multiple of its ways). */
	rc = smmusim_new_ex(&r->sims[i], r->cfgs[i], NULL, msg, sizeof(msg));
	if (rc < 0) {
		r->sims[i] = NULL;
		if (r->o.n_policies > 1)
			return fail("--policy %s: %s", label, msg_or(msg, rc));
		return fail("%s", msg_or(msg, rc));
	}
	rc = smmusim_set_labels(r->sims[i], label, r->trace);
	if (rc < 0)
		return fail("%s", msg_or(smmusim_last_error(r->sims[i]), rc));
	return 0;
}

/* The trace is read and parsed once, each event going to every run in
 * turn: standard input works for several policies, and a big trace is
 * parsed once, not once per policy.  With -j N the runs go on N threads
 * (cmd_replay_jobs.c), with the same result. */
/* --keep-going: the refused event's message, the run named when there
 * are several; the library counts it. */
static void refused(void *ctx, size_t run, int rc, const char *msg)
{
	struct progress *pr = ctx;
	const struct replay *r = pr->user;

	(void)rc;
	progress_end(pr); /* the line is drawn again at the next update */
	if (r->n_runs > 1)
		fprintf(stderr, "--policy %s: %s\n", r->o.policies[run], msg);
	else
		fprintf(stderr, "%s\n", msg);
}

static int replay_all(struct replay *r)
{
	struct progress pr;
	struct smmusim_replay_hooks h;
	size_t failed = 0;
	char msg[512];
	int rc;

	for (size_t i = 0; i < r->n_runs; i++)
		if (create_one(r, i))
			return EXIT_USAGE;
	progress_init(&pr, r->o.quiet, r->trace);
	pr.user = r;
	h = progress_hooks(&pr);
	if (r->o.keep_going)
		h.refused = refused;
	if (r->o.jobs > 1 && r->n_runs > 1) {
		rc = replay_jobs(r->sims, r->n_runs, r->trace, r->o.jobs, &h,
				 msg, sizeof(msg));
		progress_end(&pr);
		return rc < 0 ? fail("%s", msg_or(msg, rc)) : 0;
	}
	rc = smmusim_replay_file_each_ex(r->sims, r->n_runs, r->trace, &h,
					 &failed);
	progress_end(&pr);
	if (rc < 0)
		return fail("%s",
			    msg_or(smmusim_last_error(r->sims[failed]), rc));
	return 0;
}

static int write_report(struct replay *r)
{
	struct smmusim_report_options ro = fields_options(&r->fields, NULL, 0);
	int rc = smmusim_write_report_ex(r->out, r->sims, r->n_runs,
					 r->o.format, &ro);

	if (rc < 0)
		return fail("cannot write the report: %s",
			    smmusim_strerror(rc));
	/* A full disk or a closed pipe shows up only at flush time. */
	if (fflush(r->out) != 0 || ferror(r->out))
		return fail("cannot write the report to %s: %s",
			    r->o.out_path ? r->o.out_path : "standard output",
			    strerror(errno ? errno : EIO));
	return 0;
}

/* Clean, or violations when a checked run reported some; after an
 * interrupt, 128 + the signal as a shell reports it.  Refused events
 * skipped under --keep-going are summed up on stderr. */
static int run_status(const struct replay *r)
{
	uint64_t skipped = 0;

	for (size_t i = 0; i < r->n_runs; i++)
		skipped += smmusim_refused_events(r->sims[i]);
	if (skipped)
		fprintf(stderr,
			"smmusim: %llu refused events skipped (--keep-going)\n",
			(unsigned long long)skipped);
	if (cli_signal_caught()) {
		fprintf(stderr, "smmusim: interrupted: the report has what "
				"was measured so far\n");
		return 128 + cli_signal_caught();
	}
	for (size_t i = 0; i < r->n_runs; i++)
		if (checking_enabled(r->sims[i], r->o.no_check) &&
		    smmusim_violation_total(r->sims[i]) > 0)
			return EXIT_VIOLATIONS;
	return EXIT_CLEAN;
}

static int replay_close(struct replay *r, int status)
{
	char sha[65], size[24];

	/* a digest still running when the replay failed */
	if (r->digest.f && trace_digest_end(&r->digest, sha, size) &&
	    status != EXIT_USAGE)
		status = EXIT_USAGE;
	if (r->out && r->out != stdout && fclose(r->out) != 0 &&
	    status != EXIT_USAGE)
		status = fail("cannot write '%s': %s", r->o.out_path,
			      strerror(errno));
	for (size_t i = 0; r->sims && i < r->n_runs; i++)
		smmusim_free(r->sims[i]);
	for (size_t i = 0; r->cfgs && i < r->n_runs; i++)
		smmusim_config_free(r->cfgs[i]);
	free(r->sims);
	free(r->cfgs);
	fields_free(&r->fields);
	free(r->command.s);
	opts_free(&r->o);
	return status;
}

/* --parse-only: every event read and checked as a replay reads it, none
 * simulated; the count on stdout.  What the reader costs is then the
 * difference to a plain `wc -l` and to a replay of the same file
 * (docs/performance.md, "Trace reader"). */
static int parse_only(struct replay *r)
{
	smmusim_trace_t *t;
	struct smmusim_event ev;
	unsigned long long n = 0;
	char msg[512];
	int rc;

	if (r->o.n_args != 1)
		return prepare_runs(r);
	rc = smmusim_trace_open_file(&t, r->o.args[0], NULL, msg, sizeof(msg));
	if (rc < 0)
		return fail("%s", msg_or(msg, rc));
	while ((rc = smmusim_trace_next(t, &ev)) > 0)
		n++;
	if (rc < 0)
		fail("%s", msg_or(smmusim_trace_error(t), rc));
	else
		printf("%llu events\n", n);
	smmusim_trace_close(t);
	return rc < 0 ? EXIT_USAGE : 0;
}

int cmd_replay(int argc, char **argv)
{
	struct replay r = {
	    .o = {.cmd = "replay",
		  .allowed = O_POLICY | O_HW | O_SET | O_CFILE | O_FORMAT |
			     O_OUT | O_NOCHECK | O_STATSMEM | O_PARSEONLY |
			     O_LABEL | O_QUIET | O_KEEPGOING | O_JOBS,
		  .format = SMMUSIM_FORMAT_TEXT},
	    .argc = argc,
	    .argv = argv,
	};
	int status;

	if (cli_parse_command(&r.o, argc, argv, &status))
		return replay_close(&r, status);
	if (r.o.parse_only)
		return replay_close(&r, parse_only(&r) ? EXIT_USAGE : 0);
	cli_signals_install(); /* before the trace's digest, which reads it */
	if (prepare_runs(&r) || prepare_fields(&r) || open_output(&r))
		return replay_close(&r, EXIT_USAGE);
	if (replay_all(&r) || trace_digest_end(&r.digest, r.sha, r.size) ||
	    write_report(&r))
		return replay_close(&r, EXIT_USAGE);
	status = run_status(&r);
	if (r.o.stats_memory)
		print_memory();
	return replay_close(&r, status);
}
