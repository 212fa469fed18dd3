/* SPDX-License-Identifier: MIT */
/*
 * Importer of strace logs (include/smmusim/import.h,
 * smmusim_import_strace): the memory behaviour of a real program, as
 * `strace -f -ttt -e trace=memory,process -o LOG PROGRAM` records it, as
 * an SVA workload trace (docs/trace-format.md, "Traces imported from
 * strace").
 *
 * The log is streamed line by line (import_input.c: plain or compressed).
 * strace -f prints a call that another thread's line interrupts in two
 * halves, "NAME(ARGS <unfinished ...>" and later, from the same pid,
 * "<... NAME resumed>REST": the first half is kept per pid and the call is
 * handled when it is whole, at its second line.  Each complete call is
 *
 *   a memory call (import_strace_calls.c)   trace events
 *   clone, clone3, fork, vfork              a new pid: the same mm or a
 *                                           copy (import_strace_mm.c)
 *   execve, execveat                        a new mm for the pid
 *   exit, exit_group                        nothing: "+++ exited" ends
 *                                           the pid
 *   any other call                          ignored (counted)
 *
 * and only a call that succeeded changes anything: one that returned an
 * error ("= -1 ENOMEM (...)") is skipped and noted in a comment, one
 * without a result ("= ?", a pid that died in the call) skipped.  A line
 * that is not strace's is an error "LOG:LINE:COLUMN: message"; with
 * keep_going it is skipped, noted in the trace, counted and given to the
 * caller's callback, and the import goes on.
 *
 * Events are written without time prefixes, each after the one before:
 * strace's times include its own overhead (it stops the program at every
 * call), so they are not the program's.
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include <smmusim/error.h>
#include <smmusim/import.h>

#include "base/alloc.h"
#include "base/errbuf.h"
#include "base/vec.h"
#include "trace/import_strace.h"
#include "trace/trace_keys.h"

#define MAX_LINE (64u * 1024u) /* import_input.c's bound */

static bool is(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && memcmp(s, w, n) == 0;
}

/* ---------------------------------------------------------------------- */
/* Header and footer                                                      */
/* ---------------------------------------------------------------------- */

static const char *pattern_name(enum smmusim_import_strace_pattern p)
{
	switch (p) {
	case SMMUSIM_STRACE_DEV_ALL:
		return "all";
	case SMMUSIM_STRACE_DEV_FRACTION:
		return "fraction";
	case SMMUSIM_STRACE_DEV_FAULTS:
		return "faults";
	case SMMUSIM_STRACE_DEV_NONE:
		break;
	}
	return "none";
}

static int emit_path(struct sm_strace_importer *im, const char *what,
		     const char *path)
{
	int rc = sm_st_emit(im, "# %s: ", what);

	if (!rc)
		rc = sm_import_out_text(&im->out, im->eb, path, strlen(path));
	return rc ? rc : sm_st_emit(im, "\n");
}

static int emit_header(struct sm_strace_importer *im, const char *path)
{
	const struct smmusim_import_strace_opts *o = &im->o;
	int rc = sm_st_emit(im, SM_TRACE_MAGIC " " SM_TRACE_VERSION "\n");

	if (!rc)
		rc = emit_path(im, "source", path);
	if (!rc)
		rc = sm_st_emit(
		    im,
		    "# imported from strace -f (memory and process calls) by "
		    "smmusim import strace; comments '# N:' name its lines\n"
		    "# cpus: %u (pids round robin in the order of their first "
		    "line; replay with -o cpu.count=%u or more)\n",
		    o->ncpus, o->ncpus);
	if (!rc && o->pattern == SMMUSIM_STRACE_DEV_NONE)
		rc = sm_st_emit(im, "# device: none\n");
	else if (!rc)
		rc = sm_st_emit(im,
				"# device: sid=0x%" PRIx32 ", each mm bound "
				"to the lowest free ssid from %" PRIu32
				", pattern=%s",
				o->sid, o->ssid, pattern_name(o->pattern));
	if (!rc && o->pattern == SMMUSIM_STRACE_DEV_FRACTION)
		rc = sm_st_emit(im, ":%g seed=%" PRIu64, o->fraction, o->seed);
	if (!rc && o->pattern != SMMUSIM_STRACE_DEV_NONE)
		rc = sm_st_emit(im, "\n");
	if (!rc && o->maps_path)
		rc = emit_path(im, "maps", o->maps_path);
	return rc;
}

static int emit_footer(struct sm_strace_importer *im)
{
	const struct smmusim_import_strace_stats *s = &im->st;

	return sm_st_emit(
	    im,
	    "# strace: lines=%" PRIu64 " calls=%" PRIu64 " processes=%" PRIu64
	    " mms=%" PRIu64 " mmaps=%" PRIu64 " munmaps=%" PRIu64
	    " mprotects=%" PRIu64 " madvises=%" PRIu64 " touches=%" PRIu64
	    " touch_pages=%" PRIu64 " dev_accesses=%" PRIu64
	    " implicit=%" PRIu64 "\n# strace: failed=%" PRIu64
	    " no_return=%" PRIu64 " ignored=%" PRIu64 " signals=%" PRIu64
	    " malformed=%" PRIu64 "\n",
	    s->lines, s->calls, s->processes, s->mms, s->mmaps, s->munmaps,
	    s->mprotects, s->madvises, s->touches, s->touch_pages,
	    s->dev_accesses, s->implicit, s->failed, s->no_return, s->ignored,
	    s->signals, s->malformed);
}

/* ---------------------------------------------------------------------- */
/* One call                                                               */
/* ---------------------------------------------------------------------- */

static int handle_call(struct sm_strace_importer *im, struct sm_st_proc *p,
		       const struct sm_st_call *c)
{
	int mem = sm_st_memory_call(c->name, c->name_len);
	bool clone = is(c->name, c->name_len, "clone") ||
		     is(c->name, c->name_len, "clone3") ||
		     is(c->name, c->name_len, "fork") ||
		     is(c->name, c->name_len, "vfork");
	bool exec = is(c->name, c->name_len, "execve") ||
		    is(c->name, c->name_len, "execveat");

	im->st.calls++;
	if (mem < 0 && !clone && !exec) {
		if (!is(c->name, c->name_len, "exit") &&
		    !is(c->name, c->name_len, "exit_group"))
			im->st.ignored++;
		return 0;
	}
	if (c->ret_unknown) {
		im->st.no_return++;
		return 0;
	}
	if (c->failed) {
		im->st.failed++;
		return sm_st_note(im, "%.*s failed (%.*s): skipped",
				  (int)c->name_len, c->name, (int)c->err_len,
				  c->err);
	}
	if (clone)
		return sm_st_on_clone(im, p, c);
	if (exec)
		return sm_st_on_execve(im, p);
	return sm_st_on_memory_call(im, p, c, mem);
}

/* "NAME(ARGS" of an unfinished call, kept until it resumes. */
static int keep_pending(struct sm_strace_importer *im, struct sm_st_proc *p,
			const struct sm_st_line *l)
{
	size_t need = l->name_len + 1 + l->rest_len;

	if (p->pend_len)
		im->st.no_return++; /* strace never resumed it */
	if (SM_VEC_RESERVE(im->a, p->pend, p->pend_cap, need, 64))
		return sm_import_nomem(&im->in);
	memcpy(p->pend, l->name, l->name_len);
	p->pend[l->name_len] = '(';
	memcpy(p->pend + l->name_len + 1, l->rest, l->rest_len);
	p->pend_len = need;
	p->pend_name_len = l->name_len;
	p->pend_line = im->in.lineno;
	return 0;
}

/* The two halves of a call as one: parsed and handled. */
static int resume(struct sm_strace_importer *im, struct sm_st_proc *p,
		  const struct sm_st_line *l)
{
	size_t n = p->pend_len + l->rest_len;
	struct sm_st_call c;
	int rc;

	if (!p->pend_len || p->pend_name_len != l->name_len ||
	    memcmp(p->pend, l->name, l->name_len) != 0)
		return sm_st_err(im, l->body_col,
				 "'<... %.*s resumed>' without an unfinished "
				 "%.*s of pid %" PRId64 " before it",
				 (int)l->name_len, l->name, (int)l->name_len,
				 l->name, p->pid);
	if (n > MAX_LINE)
		return sm_st_err(im, l->rest_col,
				 "the call is longer than %u bytes with its "
				 "unfinished half (line %" PRIu64 ")",
				 MAX_LINE, p->pend_line);
	if (SM_VEC_RESERVE(im->a, im->join, im->join_cap, n, 256))
		return sm_import_nomem(&im->in);
	memcpy(im->join, p->pend, p->pend_len);
	memcpy(im->join + p->pend_len, l->rest, l->rest_len);
	p->pend_len = 0;
	/* columns past the first half are the resumed line's */
	rc = sm_st_parse_call(
	    im, im->join, n,
	    l->rest_col > n - l->rest_len ? l->rest_col - (n - l->rest_len) : 1,
	    &c);
	return rc ? rc : handle_call(im, p, &c);
}

static int one_line(struct sm_strace_importer *im, const char *s, size_t n)
{
	struct sm_st_line l;
	struct sm_st_proc *p;
	struct sm_st_call c;
	int64_t pid;
	int rc = sm_st_parse_line(im, s, n, &l);

	if (rc)
		return rc;
	pid = l.pid < 0 ? 0 : l.pid; /* no pid column: one process */
	if (l.kind == ST_EXITED)
		return sm_st_on_exited(im, pid);
	if (l.kind == ST_SIGNAL) {
		im->st.signals++;
		return 0;
	}
	if (l.kind == ST_CALL &&
	    (rc = sm_st_parse_call(im, l.body, l.body_len, l.body_col, &c)))
		return rc;
	if ((rc = sm_st_proc(im, pid, &p)))
		return rc;
	if (l.kind == ST_UNFINISHED)
		return keep_pending(im, p, &l);
	if (l.kind == ST_RESUMED)
		return resume(im, p, &l);
	return handle_call(im, p, &c);
}

/* A malformed line with keep_going: noted, counted, given to the
 * caller, and the import goes on. */
static int skip_line(struct sm_strace_importer *im)
{
	char msg[SM_ERRBUF_LEN];
	int rc;

	snprintf(msg, sizeof(msg), "%s", im->eb->msg);
	sm_err_clear(im->eb);
	im->st.malformed++;
	if (im->o.skipped)
		im->o.skipped(im->o.ctx, msg);
	rc = sm_st_emit(im,
			"# %" PRIu64 ": skipped (keep going): ", im->in.lineno);
	if (!rc)
		rc = sm_import_out_text(&im->out, im->eb, msg, strlen(msg));
	return rc ? rc : sm_st_emit(im, "\n");
}

static int run(struct sm_strace_importer *im)
{
	const char *s;
	size_t n;
	int rc;

	for (;;) {
		rc = sm_import_next_line(&im->in, &s, &n);
		if (rc == SMMUSIM_EPARSE && im->o.keep_going &&
		    im->in.in.unterminated) {
			rc = skip_line(im); /* a cut last line */
			break;
		}
		if (rc <= 0)
			break;
		rc = one_line(im, s, n);
		if (rc == SMMUSIM_EPARSE && im->o.keep_going && !im->fatal)
			rc = skip_line(im);
		if (rc)
			break;
	}
	im->st.lines = im->in.st.lines;
	return rc ? rc : sm_st_finish(im);
}

/* ---------------------------------------------------------------------- */
/* Entry point                                                            */
/* ---------------------------------------------------------------------- */

static int check_opts(struct sm_strace_importer *im,
		      const struct smmusim_import_strace_opts *o)
{
	if (o)
		im->o = *o;
	if (!im->o.ncpus)
		im->o.ncpus = SM_ST_DEFAULT_CPUS;
	if (im->o.ncpus > SM_ST_MAX_CPUS)
		return sm_err(im->eb, SMMUSIM_EINVAL,
			      "ncpus=%u is out of range (1..%u, as cpu.count)",
			      im->o.ncpus, SM_ST_MAX_CPUS);
	if ((unsigned)im->o.pattern > SMMUSIM_STRACE_DEV_FAULTS)
		return sm_err(im->eb, SMMUSIM_EINVAL,
			      "pattern=%d is not a device pattern",
			      (int)im->o.pattern);
	if (im->o.pattern != SMMUSIM_STRACE_DEV_NONE &&
	    im->o.ssid > SM_ST_SSID_MAX)
		return sm_err(im->eb, SMMUSIM_EINVAL,
			      "ssid=%" PRIu32 " is out of range (0..%u: 20 "
			      "bits)",
			      im->o.ssid, SM_ST_SSID_MAX);
	if (im->o.pattern == SMMUSIM_STRACE_DEV_FRACTION &&
	    !(im->o.fraction >= 0 && im->o.fraction <= 1))
		return sm_err(im->eb, SMMUSIM_EINVAL,
			      "fraction=%g is out of range (0..1)",
			      im->o.fraction);
	sm_rng_seed(&im->rng, im->o.seed);
	return 0;
}

int smmusim_import_strace(const char *strace_path, const char *trace_path,
			  const struct smmusim_import_strace_opts *opts,
			  const struct smmusim_allocator *alloc,
			  struct smmusim_import_strace_stats *stats,
			  char *errmsg, size_t errlen)
{
	struct sm_errbuf eb;
	struct sm_strace_importer im;
	int rc;

	memset(&im, 0, sizeof(im));
	im.a = sm_alloc_or_default(alloc);
	im.eb = &eb;
	rc = sm_import_begin(&eb, "smmusim_import_strace", "strace",
			     strace_path, trace_path);
	if (!rc)
		rc = check_opts(&im, opts);
	if (!rc) {
		sm_import_init(&im.in, im.a, &eb, strace_path);
		im.in.long_line_why = "strace shortens long arguments";
		rc = sm_import_open_input(&im.in, strace_path);
	}
	if (!rc)
		rc = sm_import_out_open(&im.out, &eb, trace_path);
	if (!rc)
		rc = emit_header(&im, strace_path);
	if (!rc)
		rc = run(&im);
	if (!rc)
		rc = emit_footer(&im);
	rc = sm_import_out_close(&im.out, &eb, rc);
	sm_import_close_input(&im.in);
	sm_st_free(&im);
	if (stats)
		*stats = im.st;
	return sm_import_end(&eb, rc, errmsg, errlen);
}
