/* SPDX-License-Identifier: MIT */
/*
 * Running a sweep's points (docs/sweeps.md).  Each point runs in a worker
 * process of its own (fork: one simulator each, -j at a time, nothing
 * shared), which writes its row as one JSON Lines line into a temporary
 * file; the parent appends the rows to the table in point order, however
 * the workers finish, so the table is the same for any -j.  A point whose
 * key is in the table already is skipped: running the sweep again goes on
 * where it stopped.  SIGINT or SIGTERM stop the sweep: no new point
 * starts, the running ones are stopped and not written (they run again
 * next time), the rows finished before them are kept.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sweep.h"

/* The provenance of point p: the key, the swept values, the labels, then
 * the version, revision, command, and the trace's digest. */
static int point_fields(struct study *st, const struct point *p,
			struct fields *f)
{
	size_t t = 0;

	while (strcmp(st->traces.v[t], p->trace))
		t++;
	if (!st->digested[t] && trace_digest(p->trace, st->sha[t], st->size[t]))
		return EXIT_USAGE;
	st->digested[t] = true;
	if (fields_add(f, "point", p->key))
		return EXIT_USAGE;
	for (size_t i = 0; i < st->n_axes; i++)
		if (fields_add(f, st->axes[i].key, p->values[i]))
			return EXIT_USAGE;
	for (size_t i = 0; i < st->labels.n; i++)
		if (fields_add_label(f, st->labels.v[i]))
			return EXIT_USAGE;
	if (fields_add(f, "version", SMMUSIM_VERSION_STRING) ||
	    fields_add(f, "revision", cli_revision()) ||
	    fields_add(f, "command", st->command.s) ||
	    fields_add(f, "trace_sha256", st->sha[t]) ||
	    fields_add(f, "trace_size", st->size[t]))
		return EXIT_USAGE;
	return 0;
}

/* Simulate point p under cfg and write its row. */
static int simulate(struct study *st, const struct point *p,
		    smmusim_config_t *cfg, struct fields *f, FILE *out)
{
	smmusim_t *sim = NULL;
	char msg[512];
	int rc = smmusim_new_ex(&sim, cfg, NULL, msg, sizeof(msg));

	if (rc < 0)
		return fail("sweep: point %zu (%s): %s", p->index, p->key,
			    msg_or(msg, rc));
	rc = smmusim_set_labels(sim, p->policy ? p->policy : "default",
				p->trace);
	if (rc == 0)
		rc = smmusim_replay_file(sim, p->trace);
	if (rc < 0) {
		fail("sweep: point %zu: %s", p->index,
		     msg_or(smmusim_last_error(sim), rc));
		smmusim_free(sim);
		return EXIT_USAGE;
	}
	struct smmusim_report_options ro =
	    fields_options(f, st->stats.v, st->stats.n);
	rc = smmusim_write_report_ex(out, &sim, 1, SMMUSIM_FORMAT_JSONL, &ro);
	int status = rc < 0 || fflush(out) ? fail("sweep: cannot write a row")
		     : smmusim_violation_total(sim) ? EXIT_VIOLATIONS
						    : EXIT_CLEAN;
	smmusim_free(sim);
	return status;
}

int sweep_run_point(struct study *st, size_t k, FILE *out)
{
	struct point *p = malloc(sizeof(*p));
	struct fields *f = calloc(1, sizeof(*f));
	smmusim_config_t *cfg = NULL;
	int status = EXIT_USAGE;

	if (!p || !f)
		fail("out of memory");
	else if (!study_point(st, k, p, &cfg) && !point_fields(st, p, f))
		status = simulate(st, p, cfg, f, out);
	smmusim_config_free(cfg);
	if (f)
		fields_free(f);
	free(f);
	free(p);
	return status;
}

/* A running worker: its point and the file its row goes to. */
struct worker {
	pid_t pid;
	size_t slot; /* index into the pending points */
	FILE *row;
};

struct run {
	struct study *st;
	struct table table;
	size_t *pending; /* the points to run, in order */
	size_t n_pending, next, written;
	char **rows; /* their rows once finished ("" when failed) */
	struct worker *w;
	size_t n_w;
	int status;
};

static int start_worker(struct run *r)
{
	struct worker *w = &r->w[r->n_w];
	fflush(NULL);
	w->row = tmpfile();
	if (!w->row)
		return fail("sweep: no temporary file: %s", strerror(errno));
	w->slot = r->next;
	w->pid = fork();
	if (w->pid < 0) {
		fclose(w->row);
		return fail("sweep: cannot fork: %s", strerror(errno));
	}
	if (w->pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		_exit(sweep_run_point(r->st, r->pending[w->slot], w->row));
	}
	r->next++;
	r->n_w++;
	return 0;
}

/* The row a finished worker left ("" when it failed or was stopped). */
static char *worker_row(struct worker *w, int wstatus, int *status)
{
	char *line = NULL;
	size_t cap = 0;
	int code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : EXIT_USAGE;

	if (code == EXIT_VIOLATIONS && *status == EXIT_CLEAN)
		*status = EXIT_VIOLATIONS;
	if (code > EXIT_VIOLATIONS && !cli_signal_caught())
		*status = EXIT_USAGE;
	rewind(w->row);
	if (code > EXIT_VIOLATIONS || getline(&line, &cap, w->row) <= 0) {
		free(line);
		line = strdup("");
	}
	fclose(w->row);
	return line;
}

/* Wait for one worker; its row joins the others. */
static int reap(struct run *r)
{
	int wstatus;
	pid_t pid = waitpid(-1, &wstatus, 0);

	if (pid < 0)
		return errno == EINTR
			   ? 0
			   : fail("sweep: wait: %s", strerror(errno));
	for (size_t i = 0; i < r->n_w; i++) {
		if (r->w[i].pid != pid)
			continue;
		r->rows[r->w[i].slot] =
		    worker_row(&r->w[i], wstatus, &r->status);
		if (!r->rows[r->w[i].slot])
			return fail("out of memory");
		r->w[i] = r->w[--r->n_w];
		break;
	}
	return 0;
}

/* Rows finished in order go to the table. */
static int write_ready(struct run *r)
{
	while (r->written < r->n_pending && r->rows[r->written]) {
		char *row = r->rows[r->written];
		if (*row && table_append(&r->table, row))
			return EXIT_USAGE;
		free(row);
		r->rows[r->written++] = NULL;
	}
	return 0;
}

/* Stop: the running points are not written (they run again next time). */
static void stop_workers(struct run *r)
{
	for (size_t i = 0; i < r->n_w; i++)
		kill(r->w[i].pid, SIGTERM);
	while (r->n_w) {
		int wstatus;
		pid_t pid = waitpid(-1, &wstatus, 0);
		for (size_t i = 0; i < r->n_w; i++)
			if (pid < 0 || r->w[i].pid == pid) {
				fclose(r->w[i].row);
				r->w[i] = r->w[--r->n_w];
				break;
			}
	}
}

static int run_pending(struct run *r)
{
	unsigned jobs = r->st->o.jobs ? r->st->o.jobs : 1;

	while (r->written < r->n_pending && !cli_signal_caught()) {
		while (r->n_w < jobs && r->next < r->n_pending &&
		       !cli_signal_caught())
			if (start_worker(r))
				return EXIT_USAGE;
		if (r->n_w && reap(r))
			return EXIT_USAGE;
		if (write_ready(r))
			return EXIT_USAGE;
	}
	return 0;
}

/* The points of the study not in the table yet. */
static int find_pending(struct run *r)
{
	struct point *p = malloc(sizeof(*p));
	size_t n = r->st->n_points;

	r->pending = calloc(n ? n : 1, sizeof(*r->pending));
	r->rows = calloc(n ? n : 1, sizeof(*r->rows));
	r->w = calloc(r->st->o.jobs ? r->st->o.jobs : 1, sizeof(*r->w));
	if (!p || !r->pending || !r->rows || !r->w) {
		free(p);
		return fail("out of memory");
	}
	for (size_t k = 0; k < n; k++) {
		if (r->st->o.point >= 0 && (long)k != r->st->o.point)
			continue;
		if (study_point(r->st, k, p, NULL)) {
			free(p);
			return EXIT_USAGE;
		}
		if (!table_has(&r->table, p->key))
			r->pending[r->n_pending++] = k;
	}
	free(p);
	return 0;
}

int sweep_run_all(struct study *st)
{
	struct run r = {.st = st};
	int rc;

	if (st->o.point >= 0 && (size_t)st->o.point >= st->n_points)
		return fail("--point %ld: the study has points 0..%zu",
			    st->o.point, st->n_points - 1);
	cli_signals_install();
	rc = table_open(&r.table, st->o.out_path, false) || find_pending(&r);
	if (!rc && !st->o.quiet && st->o.point < 0)
		fprintf(stderr, "sweep: %zu points, %zu to run, %zu done\n",
			st->n_points, r.n_pending,
			st->o.point >= 0 ? 0 : st->n_points - r.n_pending);
	/* each trace hashed once, here, not once per point */
	for (size_t t = 0; !rc && st->o.point < 0 && t < st->traces.n; t++) {
		rc = trace_digest(st->traces.v[t], st->sha[t], st->size[t]);
		st->digested[t] = true;
	}
	if (!rc)
		rc = run_pending(&r);
	stop_workers(&r);
	for (size_t i = 0; r.rows && i < r.n_pending; i++)
		free(r.rows[i]);
	if (table_close(&r.table))
		rc = EXIT_USAGE;
	free(r.pending);
	free(r.rows);
	free(r.w);
	if (cli_signal_caught()) {
		fprintf(stderr,
			"sweep: interrupted: %zu of %zu points written, "
			"run it again to go on\n",
			r.written, r.n_pending);
		return 128 + cli_signal_caught();
	}
	return rc ? EXIT_USAGE : r.status;
}
