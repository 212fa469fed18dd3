/* SPDX-License-Identifier: MIT */
/*
 * Running the clock: up to a cycle, to the end (finish: every device access
 * in flight completes, then the end-of-run checks), or through a trace file
 * (docs/trace-format.md: a file, a stream or bytes in memory), one
 * submitted event per line.
 */
#include "sim/sim_internal.h"

#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>

/* A failing call always leaves a message: the models and the engine write
 * theirs into s->err; a code that came back without one gets its name. */
static int run_failed(struct smmusim *s, int rc)
{
	if (!s->err.msg[0])
		sm_err(&s->err, rc, "%s", smmusim_strerror(rc));
	return rc;
}

/* sm_sim_check_host_memory (sim_internal.h) once something failed. */
int sm_sim_host_memory_failed(struct smmusim *s, int rc)
{
	/* sim.max_host_memory reached, or the host refused: named first */
	if ((rc = sm_sim_mem_check(s, rc)) < 0 && s->mem.refused)
		return rc;
	if (s->pm && sm_physmem_lost_write(s->pm))
		return sm_err(&s->err, SMMUSIM_ENOMEM,
			      "out of host memory: a write to simulated "
			      "memory was lost, the simulation cannot go on");
	if (s->smmu_ok && s->smmu.host_oom)
		return sm_err(&s->err, SMMUSIM_ENOMEM,
			      "out of host memory: a device's ATC could not "
			      "be allocated, the simulation cannot go on");
	return rc;
}

int smmusim_run_until(smmusim_t *s, uint64_t cycle)
{
	if (!s)
		return SMMUSIM_EINVAL;
	sm_err_clear(&s->err);
	if (s->finished)
		return sm_err(&s->err, SMMUSIM_ESTATE, "run after finish");
	if (cycle > SM_CYCLE_MAX)
		return sm_err(&s->err, SMMUSIM_ERANGE,
			      "cycle=%" PRIu64 " is out of range (0..%" PRIu64
			      ": the last start cycle, 2^62)",
			      cycle, SM_CYCLE_MAX);
	int rc = sm_sim_check_host_memory(s, 0);
	s->eng.horizon = cycle;
	if (rc == 0)
		rc = sm_sim_check_host_memory(
		    s, sm_engine_run_until(&s->eng, cycle));
	if (rc < 0)
		return run_failed(s, rc);
	/* No later event starts before `cycle`: the commands consumed by
	 * then take effect and are counted (docs/model.md, Time). */
	sm_smmu_cmdq_catch_up(&s->smmu, cycle);
	sm_cpu_rx_catch_up_all(&s->cpu, cycle);
	sm_oracle_advance(&s->oracle, cycle);
	return 0;
}

static void scan_cache(void *oracle, const struct sm_tcache *tc)
{
	sm_oracle_scan_cache(oracle, tc);
}

/* check.lingering: every entry still cached at the end must agree with
 * the page tables (CPU TLBs first, then the SMMU's and the ATCs). */
static void scan_caches(struct smmusim *s)
{
	/* Every broadcast TLBI takes effect at its receivers, and the SMMU
	 * drains its queue: every command published takes effect. */
	sm_cpu_rx_catch_up_all(&s->cpu, UINT64_MAX);
	sm_cpu_for_each_tlb(&s->cpu, scan_cache, &s->oracle);
	sm_smmu_cmdq_catch_up(&s->smmu, UINT64_MAX);
	sm_smmu_for_each_tlb(&s->smmu, scan_cache, &s->oracle);
}

int smmusim_finish(smmusim_t *s)
{
	int rc;
	if (!s)
		return SMMUSIM_EINVAL;
	if (s->finished)
		return 0;
	sm_err_clear(&s->err);
	if ((rc = sm_sim_check_host_memory(s, 0)) < 0)
		return rc;
	s->eng.horizon = UINT64_MAX;
	while ((rc = sm_engine_step(&s->eng)) > 0)
		;
	if (rc == 0)
		rc = sm_sched_check_idle(&s->os);
	if ((rc = sm_sim_check_host_memory(s, rc)) < 0)
		return run_failed(s, rc);
	s->finished = true;
	if (s->eng.now > s->last_cycle)
		s->last_cycle = s->eng.now;
	SM_CTR(s->ctr, SIM_CYCLES) = s->last_cycle;
	scan_caches(s);
	return 0;
}

/* A reader error becomes the simulator's; when the reader ran out of memory
 * because this simulator's cap refused it (a line longer than what
 * sim.max_host_memory leaves), the message names the cap after the line. */
static void trace_failed(struct smmusim *s, int rc, const char *msg)
{
	char line[sizeof(s->err.msg)];
	snprintf(line, sizeof(line), "%s", msg);
	if (rc == SMMUSIM_ENOMEM && s->mem.refused) {
		sm_sim_mem_check(s, rc);
		char cap[sizeof(s->err.msg)];
		snprintf(cap, sizeof(cap), "%s", s->err.msg);
		sm_err(&s->err, rc, "%s: %s", line, cap);
		return;
	}
	sm_err(&s->err, rc, "%s", line);
}

/* The source of a replay and its caller's hooks. */
struct replay_src {
	smmusim_trace_t *t;
	const char *label;
	const struct smmusim_replay_hooks *hooks;
	FILE *f; /* the file under the reader when known: bytes read */
	struct smmusim_replay_progress p;
};

/* A refused event is skipped (keep-going) unless the run can no longer go
 * on: out of host memory, an internal error, a failed read. */
static bool skippable(int rc)
{
	return rc != SMMUSIM_ENOMEM && rc != SMMUSIM_EINTERNAL &&
	       rc != SMMUSIM_EIO;
}

/* Tell the caller how far the replay is (every progress_every events, and
 * when forced); true when it asks to stop. */
static uint64_t progress_every(const struct smmusim_replay_hooks *h)
{
	return h && h->progress_every ? h->progress_every : 4096;
}

static bool progress_stop(struct replay_src *src)
{
	const struct smmusim_replay_hooks *h = src->hooks;
	if (!h || !h->progress)
		return false;
	if (src->f) {
		long off = ftell(src->f);
		src->p.bytes_read = off > 0 ? (uint64_t)off : 0;
	}
	return h->progress(h->ctx, &src->p) != 0;
}

/* Event ev into sims[i]: 0, or its error (*who = i) unless skipped. */
static int submit_one(struct smmusim *const *sims, size_t i,
		      struct replay_src *src, const struct smmusim_event *ev,
		      size_t *who)
{
	struct smmusim *s = sims[i];
	int rc = smmusim_submit(s, ev);
	if (rc >= 0)
		return 0;
	run_failed(s, rc);
	sm_sim_prefix_error(s, rc, "%s:%" PRIu32 ":%" PRIu32,
			    smmusim_trace_name(src->t), ev->line, ev->column);
	if (src->hooks && src->hooks->refused && skippable(rc)) {
		s->refused++;
		src->hooks->refused(src->hooks->ctx, i, rc, s->err.msg);
		sm_err_clear(&s->err);
		return 0;
	}
	*who = i;
	return rc;
}

/* Every event of an open trace into each of sims[0..n) in turn, then
 * finish them; the trace is closed.  The first reader error (given to
 * sims[0], whose allocator reads the trace) or refused event (unless the
 * hooks skip it) stops the replay, *failed says whose it is; the progress
 * hook may stop it early, every run then marked interrupted. */
static int replay_each(struct smmusim *const *sims, size_t n,
		       struct replay_src *src, size_t *failed)
{
	/* Two buffers, swapped: the event submitted and the one read ahead
	 * (host time: no copy of an event per line). */
	struct smmusim_event buf[2], *ev = &buf[0], *next = &buf[1];
	smmusim_trace_t *t = src->t;
	size_t who = 0;
	int rc = 0, more;
	bool stop = false;
	/* Events to the next progress call (host time: a count down in a
	 * local, not a division per event). */
	uint64_t every = progress_every(src->hooks), left = every;
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (!sims[i]->trace &&
		    (rc = smmusim_set_labels(sims[i], NULL, src->label)) < 0) {
			who = i;
			sm_err(&sims[i]->err, rc, "%s: out of memory",
			       src->label);
		}
	/* One line ahead: when the next event cannot start before this one
	 * ends (no `@`), a kernel operation runs to its end in one go. */
	more = rc == 0 ? smmusim_trace_next(t, next) : 0;
	while (rc == 0 && more > 0 && !stop) {
		struct smmusim_event *tmp = ev;
		ev = next;
		next = tmp;
		more = smmusim_trace_next(t, next);
		uint64_t next_start = more > 0 && next->timing == SMMUSIM_AT
					  ? next->time
					  : UINT64_MAX;
		for (size_t i = 0; rc == 0 && i < n; i++) {
			sm_sim_set_next_start(sims[i], next_start);
			rc = submit_one(sims, i, src, ev, &who);
		}
		src->p.events++;
		if (--left == 0) {
			left = every;
			stop = progress_stop(src);
		}
	}
	if (rc == 0 && !stop)
		stop = progress_stop(src) && more > 0;
	for (size_t i = 0; stop && i < n; i++)
		sims[i]->interrupted = true;
	bool reader_failed = rc == 0 && more < 0 && !stop;
	if (reader_failed)
		rc = more;
	if (reader_failed && smmusim_trace_error(t)[0])
		trace_failed(sims[who = 0], rc, smmusim_trace_error(t));
	smmusim_trace_close(t);
	for (size_t i = 0; rc == 0 && i < n; i++)
		if ((rc = smmusim_finish(sims[i])) < 0)
			who = i;
	if (rc < 0 && failed)
		*failed = who;
	return rc;
}

static int replay(struct smmusim *s, smmusim_trace_t *t, const char *label)
{
	struct replay_src src = {.t = t, .label = label};
	return replay_each(&s, 1, &src, NULL);
}

/* The open of a replay: its message goes to the simulator's last error. */
static int replay_open(struct smmusim *s, int rc, smmusim_trace_t *t,
		       const char *label)
{
	if (rc < 0)
		return run_failed(s, rc);
	return replay(s, t, label);
}

int smmusim_replay_file(smmusim_t *s, const char *path)
{
	smmusim_trace_t *t = NULL;
	if (!s)
		return SMMUSIM_EINVAL;
	sm_err_clear(&s->err);
	int rc = smmusim_trace_open_file(&t, path, s->alloc, s->err.msg,
					 sizeof(s->err.msg));
	return replay_open(s, rc, t, path);
}

/* With a progress hook, a named file is opened here so that the bytes
 * read can be told (ftell of the stream under the reader); standard input
 * tells them when it is a file. */
static FILE *progress_file(const char *path,
			   const struct smmusim_replay_hooks *h,
			   uint64_t *total)
{
	struct stat st;
	FILE *f;
	*total = 0;
	if (!h || !h->progress)
		return NULL;
	f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (f && fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode))
		*total = (uint64_t)st.st_size;
	return f;
}

int smmusim_replay_file_each_ex(smmusim_t *const *sims, size_t n,
				const char *path,
				const struct smmusim_replay_hooks *hooks,
				size_t *failed)
{
	struct replay_src src = {.label = path, .hooks = hooks};
	if (failed)
		*failed = 0;
	if (!sims || n == 0 || !path ||
	    (hooks && hooks->size != sizeof(*hooks)))
		return SMMUSIM_EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!sims[i])
			return SMMUSIM_EINVAL;
		sm_err_clear(&sims[i]->err);
	}
	src.f = progress_file(path, hooks, &src.p.bytes_total);
	bool own = src.f && src.f != stdin;
	int rc = own ? smmusim_trace_open_stream(
			   &src.t, path, src.f, sims[0]->alloc,
			   sims[0]->err.msg, sizeof(sims[0]->err.msg))
		     : smmusim_trace_open_file(&src.t, path, sims[0]->alloc,
					       sims[0]->err.msg,
					       sizeof(sims[0]->err.msg));
	if (rc < 0) {
		/* Refused by sims[0]'s cap: the message names it. */
		char msg[sizeof(sims[0]->err.msg)];
		snprintf(msg, sizeof(msg), "%s", sims[0]->err.msg);
		trace_failed(sims[0], rc, msg);
		if (own)
			fclose(src.f);
		return run_failed(sims[0], rc);
	}
	rc = replay_each(sims, n, &src, failed);
	if (own)
		fclose(src.f);
	return rc;
}

int smmusim_replay_file_each(smmusim_t *const *sims, size_t n, const char *path,
			     size_t *failed)
{
	return smmusim_replay_file_each_ex(sims, n, path, NULL, failed);
}

int smmusim_interrupted(const smmusim_t *s)
{
	return s && s->interrupted;
}

int smmusim_skip_refused(smmusim_t *s, int rc)
{
	if (!s || rc >= 0)
		return SMMUSIM_EINVAL;
	if (!skippable(rc) || s->finished)
		return rc;
	s->refused++;
	sm_err_clear(&s->err);
	return 0;
}

int smmusim_set_interrupted(smmusim_t *s)
{
	if (!s)
		return SMMUSIM_EINVAL;
	s->interrupted = true;
	return 0;
}

uint64_t smmusim_refused_events(const smmusim_t *s)
{
	return s ? s->refused : 0;
}

int smmusim_replay_stream(smmusim_t *s, const char *name, FILE *f)
{
	smmusim_trace_t *t = NULL;
	if (!s)
		return SMMUSIM_EINVAL;
	sm_err_clear(&s->err);
	int rc = smmusim_trace_open_stream(&t, name, f, s->alloc, s->err.msg,
					   sizeof(s->err.msg));
	return replay_open(s, rc, t, smmusim_trace_name(t));
}

int smmusim_replay_buffer(smmusim_t *s, const char *name, const char *data,
			  size_t len)
{
	smmusim_trace_t *t = NULL;
	if (!s)
		return SMMUSIM_EINVAL;
	sm_err_clear(&s->err);
	int rc = smmusim_trace_open_buffer(&t, name, data, len, s->alloc,
					   s->err.msg, sizeof(s->err.msg));
	return replay_open(s, rc, t, smmusim_trace_name(t));
}
