/* SPDX-License-Identifier: MIT */
/*
 * The library API's edges (issue 8): every public function given NULL
 * returns SMMUSIM_EINVAL or its documented neutral value; every failure
 * leaves a message; the trace reader API reads event by event and lets a
 * program go on after a refused event; replay from a stream or from memory
 * equals replay from the file; and with an allocator that fails the Nth
 * allocation, for every N of a whole run (config, simulator, two replays,
 * finish, report), each call succeeds or returns SMMUSIM_ENOMEM with a
 * message, and nothing leaks.  Public API only.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <smmusim/smmusim.h>

#include "helpers.h"

static char path_buf[2][512];

static const char *trace(int slot, const char *name)
{
	const char *dir = getenv("SMMUSIM_TRACES");
	snprintf(path_buf[slot], sizeof(path_buf[slot]), "%s/%s",
		 dir ? dir : "traces", name);
	return path_buf[slot];
}

static smmusim_t *new_sim(const char *policy)
{
	smmusim_config_t *cfg;
	smmusim_t *sim;
	char msg[256];
	assert_int_equal(smmusim_config_new(&cfg, NULL), 0);
	assert_int_equal(smmusim_config_apply_preset(cfg, "policy", policy), 0);
	int rc = smmusim_new_ex(&sim, cfg, NULL, msg, sizeof(msg));
	if (rc < 0)
		fail_msg("smmusim_new_ex: %s", msg);
	smmusim_config_free(cfg);
	return sim;
}

/* ---- NULL arguments ---- */

static void null_config_functions(void **state)
{
	(void)state;
	smmusim_config_t *cfg;
	char buf[64];
	const char *s;
	size_t n;
	assert_int_equal(smmusim_config_new(NULL, NULL), SMMUSIM_EINVAL);
	smmusim_config_free(NULL);
	assert_int_equal(smmusim_config_new(&cfg, NULL), 0);
	assert_int_equal(smmusim_config_copy(NULL, cfg), SMMUSIM_EINVAL);
	assert_int_equal(smmusim_config_copy(cfg, NULL), SMMUSIM_EINVAL);
	assert_int_equal(smmusim_config_set(NULL, "a", "b"), SMMUSIM_EINVAL);
	assert_int_equal(smmusim_config_set(cfg, NULL, "b"), SMMUSIM_EINVAL);
	assert_int_equal(smmusim_config_set(cfg, "cpu.count", NULL),
			 SMMUSIM_EINVAL);
	assert_int_equal(smmusim_config_set_assignment(NULL, "a=b"),
			 SMMUSIM_EINVAL);
	assert_int_equal(smmusim_config_set_assignment(cfg, NULL),
			 SMMUSIM_EINVAL);
	assert_int_equal(smmusim_config_get(NULL, "cpu.count", buf, 8),
			 SMMUSIM_EINVAL);
	assert_int_equal(smmusim_config_get(cfg, NULL, buf, 8), SMMUSIM_EINVAL);
	assert_int_equal(smmusim_config_get(cfg, "cpu.count", NULL, 8),
			 SMMUSIM_EINVAL);
	assert_string_equal(smmusim_config_error(NULL), "");
	assert_int_equal(smmusim_config_key_info(0, NULL), SMMUSIM_EINVAL);
	assert_int_equal(smmusim_config_load_file(NULL, "x"), SMMUSIM_EINVAL);
	assert_int_equal(smmusim_config_load_file(cfg, NULL), SMMUSIM_EINVAL);
	assert_int_equal(smmusim_config_load_string(NULL, NULL, "a=b"),
			 SMMUSIM_EINVAL);
	assert_int_equal(smmusim_config_load_string(cfg, NULL, NULL),
			 SMMUSIM_EINVAL);
	assert_int_equal(smmusim_config_apply_layers(NULL, NULL),
			 SMMUSIM_EINVAL);
	assert_int_equal(smmusim_config_apply_layers(cfg, NULL),
			 SMMUSIM_EINVAL);
	assert_int_equal(smmusim_config_apply_preset(NULL, "policy", "x"),
			 SMMUSIM_EINVAL);
	assert_int_equal(smmusim_config_apply_preset(cfg, NULL, "x"),
			 SMMUSIM_EINVAL);
	assert_int_equal(smmusim_config_apply_preset(cfg, "policy", NULL),
			 SMMUSIM_EINVAL);
	assert_int_equal(smmusim_preset_count(NULL), 0);
	assert_int_equal(smmusim_preset_info(NULL, 0, &s, &s, NULL, &n),
			 SMMUSIM_EINVAL);
	assert_int_equal(
	    smmusim_preset_info("policy", 0, NULL, NULL, NULL, NULL), 0);
	smmusim_config_free(cfg);
}

static void null_sim_functions(void **state)
{
	(void)state;
	struct smmusim_hist_summary hs;
	struct smmusim_event ev = {0};
	const char *name;
	uint64_t v;
	char msg[128];
	smmusim_t *sim = (smmusim_t *)0x1;
	smmusim_config_t *cfg;

	assert_int_equal(smmusim_new(NULL, NULL, NULL), SMMUSIM_EINVAL);
	assert_int_equal(smmusim_new(&sim, NULL, NULL), SMMUSIM_EINVAL);
	assert_null(sim);
	msg[0] = '\0';
	assert_int_equal(smmusim_new_ex(&sim, NULL, NULL, msg, sizeof(msg)),
			 SMMUSIM_EINVAL);
	assert_true(msg[0] != '\0');
	assert_int_equal(smmusim_config_new(&cfg, NULL), 0);
	msg[0] = '\0';
	assert_int_equal(smmusim_new_ex(NULL, cfg, NULL, msg, sizeof(msg)),
			 SMMUSIM_EINVAL);
	assert_true(msg[0] != '\0');
	smmusim_config_free(cfg);

	smmusim_free(NULL);
	assert_int_equal(smmusim_set_labels(NULL, "a", "b"), SMMUSIM_EINVAL);
	assert_string_equal(smmusim_last_error(NULL), "");
	assert_int_equal(smmusim_submit(NULL, &ev), SMMUSIM_EINVAL);
	assert_int_equal(smmusim_run_until(NULL, 5), SMMUSIM_EINVAL);
	assert_int_equal(smmusim_finish(NULL), SMMUSIM_EINVAL);
	assert_int_equal(smmusim_replay_file(NULL, "x"), SMMUSIM_EINVAL);
	assert_int_equal(smmusim_replay_stream(NULL, "x", stdin),
			 SMMUSIM_EINVAL);
	assert_int_equal(smmusim_replay_buffer(NULL, "x", "", 0),
			 SMMUSIM_EINVAL);
	assert_int_equal(smmusim_now(NULL), 0);
	assert_null(smmusim_config(NULL));
	assert_int_equal(smmusim_stat_get(NULL, "sim.events", &v),
			 SMMUSIM_ENOENT);
	assert_int_equal(smmusim_stat_count(NULL), 0);
	assert_int_equal(smmusim_stat_at(NULL, 0, &name, &v), SMMUSIM_EINVAL);
	assert_int_equal(smmusim_hist_count(NULL), 0);
	assert_int_equal(smmusim_hist_at(NULL, 0, &name, &hs), SMMUSIM_EINVAL);
	assert_int_equal(smmusim_hist_get(NULL, "x", &hs), SMMUSIM_ENOENT);
	smmusim_set_violation_hook(NULL, NULL, NULL);
	assert_int_equal(smmusim_violation_total(NULL), 0);
	assert_int_equal(smmusim_violation_count(NULL), 0);
	assert_null(smmusim_violation_at(NULL, 0));
	assert_null(smmusim_stat_def_find(SMMUSIM_STAT_COUNTER, NULL));
	assert_null(smmusim_stat_def_at(smmusim_stat_def_count()));
	assert_int_equal(smmusim_write_report(NULL, NULL, 1, 0),
			 SMMUSIM_EINVAL);
	assert_int_equal(smmusim_write_report(stdout, NULL, 1, 0),
			 SMMUSIM_EINVAL);
	smmusim_t *none[1] = {NULL};
	assert_int_equal(smmusim_write_report(stdout, none, 1, 0),
			 SMMUSIM_EINVAL);
	assert_int_equal(smmusim_import_qemu(NULL, NULL, NULL, NULL, NULL, 0),
			 SMMUSIM_EINVAL);
	assert_null(smmusim_event_name(SMMUSIM_EV_COUNT_));

	/* A live simulator given NULL pointers. */
	sim = new_sim("linux-6.6");
	assert_int_equal(smmusim_submit(sim, NULL), SMMUSIM_EINVAL);
	assert_int_equal(smmusim_replay_file(sim, NULL), SMMUSIM_EINVAL);
	assert_true(smmusim_last_error(sim)[0] != '\0');
	assert_int_equal(smmusim_replay_stream(sim, NULL, NULL),
			 SMMUSIM_EINVAL);
	assert_true(smmusim_last_error(sim)[0] != '\0');
	assert_int_equal(smmusim_replay_buffer(sim, NULL, NULL, 3),
			 SMMUSIM_EINVAL);
	assert_int_equal(smmusim_stat_get(sim, NULL, &v), SMMUSIM_ENOENT);
	assert_int_equal(smmusim_stat_get(sim, "sim.events", NULL), 0);
	assert_int_equal(smmusim_stat_at(sim, 0, NULL, NULL), 0);
	assert_int_equal(smmusim_hist_at(sim, 0, NULL, NULL), 0);
	assert_int_equal(smmusim_hist_get(sim, NULL, &hs), SMMUSIM_ENOENT);
	assert_true(smmusim_hist_count(sim) > 0);
	assert_int_equal(smmusim_stat_at(sim, 0, &name, NULL), 0);
	assert_int_equal(smmusim_hist_get(sim, name, NULL), SMMUSIM_ENOENT);
	assert_int_equal(smmusim_hist_at(sim, 0, &name, NULL), 0);
	assert_int_equal(smmusim_hist_get(sim, name, NULL), 0);
	assert_int_equal(smmusim_set_labels(sim, NULL, NULL), 0);
	smmusim_free(sim);
}

static void null_trace_functions(void **state)
{
	(void)state;
	smmusim_trace_t *t = (smmusim_trace_t *)0x1;
	struct smmusim_event ev;
	char msg[128];
	msg[0] = '\0';
	assert_int_equal(
	    smmusim_trace_open_file(&t, NULL, NULL, msg, sizeof(msg)),
	    SMMUSIM_EINVAL);
	assert_null(t);
	assert_true(msg[0] != '\0');
	assert_int_equal(smmusim_trace_open_file(NULL, "x", NULL, NULL, 0),
			 SMMUSIM_EINVAL);
	assert_int_equal(
	    smmusim_trace_open_stream(&t, "x", NULL, NULL, NULL, 0),
	    SMMUSIM_EINVAL);
	assert_int_equal(
	    smmusim_trace_open_stream(NULL, "x", stdin, NULL, NULL, 0),
	    SMMUSIM_EINVAL);
	assert_int_equal(
	    smmusim_trace_open_buffer(&t, "x", NULL, 1, NULL, NULL, 0),
	    SMMUSIM_EINVAL);
	assert_int_equal(
	    smmusim_trace_open_buffer(NULL, "x", "a", 1, NULL, NULL, 0),
	    SMMUSIM_EINVAL);
	assert_int_equal(smmusim_trace_next(NULL, &ev), SMMUSIM_EINVAL);
	assert_string_equal(smmusim_trace_error(NULL), "");
	assert_null(smmusim_trace_name(NULL));
	smmusim_trace_close(NULL);
	/* NULL data of length 0 is an empty trace. */
	assert_int_equal(
	    smmusim_trace_open_buffer(&t, NULL, NULL, 0, NULL, NULL, 0), 0);
	assert_int_equal(smmusim_trace_next(t, NULL), SMMUSIM_EINVAL);
	assert_true(smmusim_trace_error(t)[0] != '\0');
	assert_int_equal(smmusim_trace_next(t, &ev), SMMUSIM_EPARSE);
	assert_string_equal(smmusim_trace_error(t),
			    "<buffer>:1:1: expected 'smmusim-trace 1' header, "
			    "found end of file");
	smmusim_trace_close(t);
}

/* ---- messages ---- */

static void new_ex_message_on_bad_config(void **state)
{
	(void)state;
	smmusim_config_t *cfg;
	smmusim_t *sim;
	char msg[256], small[8];
	assert_int_equal(smmusim_config_new(&cfg, NULL), 0);
	assert_int_equal(smmusim_config_set(cfg, "cpu.tlb.ways", "3"), 0);
	assert_true(smmusim_new_ex(&sim, cfg, NULL, msg, sizeof(msg)) < 0);
	assert_null(sim);
	assert_non_null(strstr(msg, "cpu.tlb"));
	/* A short buffer still gets a terminated start of the message. */
	assert_true(smmusim_new_ex(&sim, cfg, NULL, small, sizeof(small)) < 0);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	smmusim_config_free(cfg);
}

static void run_and_finish_messages(void **state)
{
	(void)state;
	smmusim_t *sim = new_sim("linux-6.6");
	struct smmusim_event ev = {.type = SMMUSIM_EV_MM_CREATE, .mm = 1};
	assert_int_equal(smmusim_finish(sim), 0);
	assert_int_equal(smmusim_run_until(sim, 10), SMMUSIM_ESTATE);
	assert_true(smmusim_last_error(sim)[0] != '\0');
	assert_int_equal(smmusim_submit(sim, &ev), SMMUSIM_ESTATE);
	assert_true(smmusim_last_error(sim)[0] != '\0');
	assert_int_equal(
	    smmusim_replay_buffer(sim, "b", "smmusim-trace 1\n", 16), 0);
	smmusim_free(sim);
}

/* ---- the trace reader ---- */

static void trace_reader_buffer_positions(void **state)
{
	(void)state;
	static const char text[] = "smmusim-trace 1\n"
				   "# a comment\n"
				   "mm_create mm=1\n"
				   "  @100 mm_exit mm=1\n"
				   "mm_create mm=2 bogus=1\n";
	smmusim_trace_t *t;
	struct smmusim_event ev;
	assert_int_equal(smmusim_trace_open_buffer(&t, "mem.trace", text,
						   strlen(text), NULL, NULL, 0),
			 0);
	assert_string_equal(smmusim_trace_name(t), "mem.trace");
	assert_int_equal(smmusim_trace_next(t, &ev), 1);
	assert_int_equal(ev.type, SMMUSIM_EV_MM_CREATE);
	assert_int_equal(ev.line, 3);
	assert_int_equal(ev.column, 1);
	assert_int_equal(smmusim_trace_next(t, &ev), 1);
	assert_int_equal(ev.type, SMMUSIM_EV_MM_EXIT);
	assert_int_equal(ev.timing, SMMUSIM_AT);
	assert_int_equal(ev.time, 100);
	assert_int_equal(ev.line, 4);
	assert_int_equal(ev.column, 8);
	int rc = smmusim_trace_next(t, &ev);
	assert_true(rc < 0);
	assert_true(strncmp(smmusim_trace_error(t), "mem.trace:5:16: ", 16) ==
		    0);
	/* A reader error is final. */
	assert_int_equal(smmusim_trace_next(t, &ev), rc);
	smmusim_trace_close(t);

	/* The buffer need not be NUL-terminated: only len bytes are read. */
	assert_int_equal(
	    smmusim_trace_open_buffer(&t, NULL, text, 16, NULL, NULL, 0), 0);
	assert_int_equal(smmusim_trace_next(t, &ev), 0);
	smmusim_trace_close(t);
}

static void trace_reader_nul_byte_refused(void **state)
{
	(void)state;
	static const char text[] = "smmusim-trace 1\nmm_create\0 mm=1\n";
	smmusim_trace_t *t;
	struct smmusim_event ev;
	assert_int_equal(smmusim_trace_open_buffer(
			     &t, "nul", text, sizeof(text) - 1, NULL, NULL, 0),
			 0);
	assert_true(smmusim_trace_next(t, &ev) < 0);
	assert_true(strncmp(smmusim_trace_error(t), "nul:2:10: ", 10) == 0);
	smmusim_trace_close(t);
}

static void trace_reader_missing_file(void **state)
{
	(void)state;
	smmusim_trace_t *t;
	char msg[256];
	assert_int_equal(smmusim_trace_open_file(&t, "/nonexistent/x.trace",
						 NULL, msg, sizeof(msg)),
			 SMMUSIM_EIO);
	assert_null(t);
	assert_non_null(strstr(msg, "/nonexistent/x.trace"));
}

/* The progress hook: called after every progress_every-th event and once
 * at the end with the events read; a stop asked for at the k-th call ends
 * the replay there, the run marked interrupted. */
struct progress_log {
	uint64_t seen[16];
	unsigned n, stop_at;
};

static int log_progress(void *ctx, const struct smmusim_replay_progress *p)
{
	struct progress_log *l = ctx;
	if (l->n < 16)
		l->seen[l->n] = p->events;
	return ++l->n == l->stop_at;
}

static void progress_hook_cadence(void **state)
{
	(void)state;
	char path[] = "/tmp/smmusim-progress-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fputs("smmusim-trace 1\nmm_create mm=1\n", f);
	for (int i = 0; i < 9; i++) /* 10 events in all */
		fputs("mmap mm=1 va=0x400000 len=4K prot=rw\n", f);
	fclose(f);
	for (unsigned stop_at = 0; stop_at <= 2; stop_at += 2) {
		smmusim_t *sim = new_sim("linux-6.6");
		struct progress_log l = {.stop_at = stop_at};
		struct smmusim_replay_hooks h = {.size = sizeof(h),
						 .progress_every = 3,
						 .progress = log_progress,
						 .ctx = &l};
		assert_int_equal(
		    smmusim_replay_file_each_ex(&sim, 1, path, &h, NULL), 0);
		if (!stop_at) {
			static const uint64_t want[] = {3, 6, 9, 10};
			assert_int_equal(l.n, 4);
			assert_memory_equal(l.seen, want, sizeof(want));
			assert_int_equal(smmusim_interrupted(sim), 0);
		} else {
			assert_int_equal(l.n, 2); /* stopped after 6 events */
			assert_int_equal(smmusim_interrupted(sim), 1);
		}
		smmusim_free(sim);
	}
	unlink(path);
}

/* A program that submits the events itself counts a refused one as the
 * replay's --keep-going does (smmusim_skip_refused) and marks a run it
 * stopped early (smmusim_set_interrupted); what ends a run is not
 * skipped. */
static void skip_refused_and_interrupt(void **state)
{
	(void)state;
	smmusim_t *sim = new_sim("linux-6.6");
	struct smmusim_event ev = {.type = SMMUSIM_EV_TOUCH,
				   .cpu = 0,
				   .mm = 7,
				   .va = 0x400000,
				   .len = 4096};
	int rc = smmusim_submit(sim, &ev);
	assert_true(rc < 0);
	assert_true(smmusim_last_error(sim)[0] != '\0');
	assert_int_equal(smmusim_skip_refused(sim, rc), 0);
	assert_string_equal(smmusim_last_error(sim), "");
	assert_int_equal(smmusim_refused_events(sim), 1);
	/* out of host memory or an internal error end the run: kept */
	assert_int_equal(smmusim_skip_refused(sim, SMMUSIM_ENOMEM),
			 SMMUSIM_ENOMEM);
	assert_int_equal(smmusim_skip_refused(sim, SMMUSIM_EINTERNAL),
			 SMMUSIM_EINTERNAL);
	assert_int_equal(smmusim_skip_refused(sim, 0), SMMUSIM_EINVAL);
	assert_int_equal(smmusim_skip_refused(NULL, rc), SMMUSIM_EINVAL);
	assert_int_equal(smmusim_refused_events(sim), 1);
	assert_int_equal(smmusim_interrupted(sim), 0);
	assert_int_equal(smmusim_set_interrupted(sim), 0);
	assert_int_equal(smmusim_set_interrupted(NULL), SMMUSIM_EINVAL);
	assert_int_equal(smmusim_finish(sim), 0);
	assert_int_equal(smmusim_interrupted(sim), 1);
	/* a finished run takes no more events: nothing to skip */
	assert_int_equal(smmusim_skip_refused(sim, SMMUSIM_ENOENT),
			 SMMUSIM_ENOENT);
	assert_int_equal(smmusim_refused_events(sim), 1);
	smmusim_free(sim);
}

/* A program reads the events itself, a refused one (an unknown mm) does
 * not stop it, and the run ends as the same trace without that line. */
static void continue_after_refused_event(void **state)
{
	(void)state;
	static const char text[] = "smmusim-trace 1\n"
				   "mm_create mm=1\n"
				   "touch mm=7 cpu=0 va=0x400000 len=4K\n"
				   "mmap mm=1 va=0x400000 len=16K prot=rw\n"
				   "touch mm=1 cpu=0 va=0x400000 len=16K\n";
	static const char good[] = "smmusim-trace 1\n"
				   "mm_create mm=1\n"
				   "mmap mm=1 va=0x400000 len=16K prot=rw\n"
				   "touch mm=1 cpu=0 va=0x400000 len=16K\n";
	smmusim_t *sim = new_sim("linux-6.6"), *ref = new_sim("linux-6.6");
	smmusim_trace_t *t;
	struct smmusim_event ev;
	int rc, refused = 0;
	assert_int_equal(smmusim_trace_open_buffer(&t, "t", text, strlen(text),
						   NULL, NULL, 0),
			 0);
	while ((rc = smmusim_trace_next(t, &ev)) > 0) {
		if (smmusim_submit(sim, &ev) < 0) {
			refused++;
			assert_int_equal(ev.line, 3);
			assert_true(smmusim_last_error(sim)[0] != '\0');
		}
	}
	assert_int_equal(rc, 0);
	smmusim_trace_close(t);
	assert_int_equal(refused, 1);
	assert_int_equal(smmusim_finish(sim), 0);
	assert_int_equal(smmusim_replay_buffer(ref, "g", good, strlen(good)),
			 0);
	assert_int_equal(smmusim_stat_count(sim), smmusim_stat_count(ref));
	for (size_t i = 0; i < smmusim_stat_count(sim); i++) {
		const char *n1, *n2;
		uint64_t v1, v2;
		smmusim_stat_at(sim, i, &n1, &v1);
		smmusim_stat_at(ref, i, &n2, &v2);
		assert_string_equal(n1, n2);
		if (strcmp(n1, "sim.events") != 0)
			assert_int_equal(v1, v2);
	}
	smmusim_free(sim);
	smmusim_free(ref);
}

/* ---- replay from memory and from a stream ---- */

/* The JSON report of one finished run, into a malloc'd string. */
static char *report_of(smmusim_t *sim)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(smmusim_write_report(f, &sim, 1, SMMUSIM_FORMAT_JSON),
			 0);
	fclose(f);
	return buf;
}

static void replay_buffer_and_stream_equal_file(void **state)
{
	(void)state;
	const char *path = trace(0, "samples/dma-domain.trace");
	size_t len;
	char *text = slurp(path, &len);
	smmusim_t *a = new_sim("linux-6.6"), *b = new_sim("linux-6.6"),
		  *c = new_sim("linux-6.6");
	assert_int_equal(smmusim_replay_file(a, path), 0);
	assert_int_equal(smmusim_replay_buffer(b, path, text, len), 0);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(smmusim_replay_stream(c, path, f), 0);
	fclose(f);
	char *ra = report_of(a), *rb = report_of(b), *rc = report_of(c);
	assert_string_equal(ra, rb);
	assert_string_equal(ra, rc);
	free(ra);
	free(rb);
	free(rc);
	free(text);
	smmusim_free(a);
	smmusim_free(b);
	smmusim_free(c);
}

static void replay_buffer_error_position(void **state)
{
	(void)state;
	static const char text[] = "smmusim-trace 1\n"
				   "mm_create mm=1\n"
				   "mm_exit mm=2\n";
	smmusim_t *sim = new_sim("linux-6.6");
	assert_true(smmusim_replay_buffer(sim, "mem", text, strlen(text)) < 0);
	assert_true(strncmp(smmusim_last_error(sim), "mem:3:1: ", 9) == 0);
	smmusim_free(sim);

	sim = new_sim("linux-6.6");
	assert_int_equal(smmusim_replay_buffer(sim, NULL, "junk", 4),
			 SMMUSIM_EPARSE);
	assert_true(strncmp(smmusim_last_error(sim), "<buffer>:1:1: ", 14) ==
		    0);
	smmusim_free(sim);
}

/* ---- allocation failure ---- */

/* Fails exactly the `fail_at`-th allocation (malloc or realloc), counting
 * from 0, or every one from it on (sticky); the rest go to a counting
 * allocator that checks sizes and live blocks (helpers.h). */
struct failing {
	struct counting cnt;
	struct smmusim_allocator inner;
	long calls, fail_at;
	bool sticky, failed;
};

static bool fail_now(struct failing *f)
{
	long n = f->calls++;
	bool fail = n == f->fail_at || (f->sticky && n > f->fail_at);
	if (fail)
		f->failed = true;
	return fail;
}

static void *f_malloc(size_t n, void *ctx)
{
	struct failing *f = ctx;
	return fail_now(f) ? NULL : f->inner.malloc(n, f->inner.ctx);
}

static void *f_realloc(void *p, size_t o, size_t n, void *ctx)
{
	struct failing *f = ctx;
	return fail_now(f) ? NULL : f->inner.realloc(p, o, n, f->inner.ctx);
}

static void f_free(void *p, size_t n, void *ctx)
{
	struct failing *f = ctx;
	f->inner.free(p, n, f->inner.ctx);
}

/* A call's result under a failing allocator: fine, or out of memory with
 * a message.  Returns whether the run may go on. */
static bool check_call(const char *what, long n, int rc, const char *msg)
{
	if (rc == 0)
		return true;
	if (rc != SMMUSIM_ENOMEM)
		fail_msg("N=%ld %s: %d (%s) instead of SMMUSIM_ENOMEM", n, what,
			 rc, msg ? msg : "");
	if (msg && !msg[0])
		fail_msg("N=%ld %s: SMMUSIM_ENOMEM without a message", n, what);
	return false;
}

/* Two runs that between them reach every model: the issue's, and one with
 * ATS and round-robin replacement over nested and SVA DMA traces. */
struct workload {
	const char *const *sets; /* "key=value", NULL terminated */
	const char *traces[2];
};

static const char *const ats_rr_sets[] = {
    "dev.ats=on", "cpu.tlb.replacement=rr", "cpu.l1d.replacement=rr",
    "smmu.iotlb.replacement=rr", NULL};

static const struct workload workloads[] = {
    {NULL, {"scenarios/perm-upgrade.trace", "samples/dma-domain.trace"}},
    {ats_rr_sets, {"samples/nested.trace", "scenarios/munmap-dma.trace"}},
};

static bool configure(long n, smmusim_config_t *cfg, const struct workload *w)
{
	bool ok =
	    check_call("smmusim_config_apply_preset", n,
		       smmusim_config_apply_preset(cfg, "policy", "linux-6.6"),
		       smmusim_config_error(cfg));
	for (size_t i = 0; ok && w->sets && w->sets[i]; i++)
		ok = check_call("smmusim_config_set_assignment", n,
				smmusim_config_set_assignment(cfg, w->sets[i]),
				smmusim_config_error(cfg));
	return ok;
}

/* The whole run once; returns whether any allocation failed. */
static bool run_once(long n, bool sticky, const struct workload *w)
{
	struct failing f = {.fail_at = n, .sticky = sticky};
	f.inner = counting_allocator(&f.cnt);
	struct smmusim_allocator a = {f_malloc, f_realloc, f_free, &f};
	smmusim_config_t *cfg = NULL;
	smmusim_t *sims[2] = {NULL, NULL};
	const char *const *names = w->traces;
	char msg[256];
	bool ok = check_call("smmusim_config_new", n,
			     smmusim_config_new(&cfg, &a), NULL);
	if (ok)
		ok = configure(n, cfg, w);
	for (int i = 0; ok && i < 2; i++) {
		msg[0] = '\0';
		ok = check_call(
		    "smmusim_new_ex", n,
		    smmusim_new_ex(&sims[i], cfg, &a, msg, sizeof(msg)), msg);
		if (ok)
			ok = check_call(
			    names[i], n,
			    smmusim_replay_file(sims[i], trace(i, names[i])),
			    smmusim_last_error(sims[i]));
		if (ok)
			ok = check_call("smmusim_finish", n,
					smmusim_finish(sims[i]),
					smmusim_last_error(sims[i]));
	}
	if (ok) {
		FILE *out = fopen("/dev/null", "w");
		assert_non_null(out);
		for (int fmt = 0; ok && fmt < 2; fmt++)
			ok = check_call("smmusim_write_report", n,
					smmusim_write_report(out, sims, 2, fmt),
					"");
		fclose(out);
	}
	smmusim_free(sims[0]);
	smmusim_free(sims[1]);
	smmusim_config_free(cfg);
	if (f.cnt.blocks != 0 || f.cnt.bytes != 0 || f.cnt.size_mismatch)
		fail_msg("N=%ld%s: %lld blocks / %lld bytes leaked, %lu "
			 "frees of the wrong size",
			 n, sticky ? " (sticky)" : "", f.cnt.blocks,
			 f.cnt.bytes, f.cnt.size_mismatch);
	return f.failed;
}

/* Every allocation of each workload, failed alone or (sticky) with every
 * one after it. */
static void alloc_failure(bool sticky)
{
	for (size_t i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++) {
		long n = 0;
		while (run_once(n, sticky, &workloads[i]))
			n++;
		assert_true(n > 200); /* the run does allocate */
		print_message("# workload %zu: %ld allocations, each failed "
			      "%s\n",
			      i, n, sticky ? "with all later ones" : "alone");
	}
}

static void alloc_failure_every_n(void **state)
{
	(void)state;
	alloc_failure(false);
}

static void alloc_failure_every_n_sticky(void **state)
{
	(void)state;
	alloc_failure(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(null_config_functions),
	    cmocka_unit_test(null_sim_functions),
	    cmocka_unit_test(null_trace_functions),
	    cmocka_unit_test(new_ex_message_on_bad_config),
	    cmocka_unit_test(run_and_finish_messages),
	    cmocka_unit_test(trace_reader_buffer_positions),
	    cmocka_unit_test(trace_reader_nul_byte_refused),
	    cmocka_unit_test(trace_reader_missing_file),
	    cmocka_unit_test(continue_after_refused_event),
	    cmocka_unit_test(skip_refused_and_interrupt),
	    cmocka_unit_test(progress_hook_cadence),
	    cmocka_unit_test(replay_buffer_and_stream_equal_file),
	    cmocka_unit_test(replay_buffer_error_position),
	    cmocka_unit_test(alloc_failure_every_n),
	    cmocka_unit_test(alloc_failure_every_n_sticky),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
