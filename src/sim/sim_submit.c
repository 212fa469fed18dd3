/* SPDX-License-Identifier: MIT */
/*
 * Submitting an event: when it starts, and when it has finished.
 *
 * An event without a time stamp starts when the previous one has finished;
 * "+N" starts N cycles after that; "@N" at cycle N, which may overlap an
 * event still in progress (a device retrying after a page request).  A
 * device access is a chain of engine events (src/hw/device) that ends with
 * sm_sim_note_finish().  Everything else, CPU accesses included, is a
 * kernel operation on its PE's kernel thread (kernel/sched.h): behind what
 * that PE still does, and possibly still running when submit returns, as
 * a device access may (sm_sim_dispatch, sim_internal.h).  Before the event
 * runs, the clock runs up to its start, and the SMMU commands consumed by
 * then take effect.  An event its checks refuse took no time: the next one
 * may start where it would have.
 */
#include "sim/sim_internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

int sm_sim_prefix_error(struct smmusim *s, int rc, const char *fmt, ...)
{
	char msg[SM_ERRBUF_LEN], prefix[SM_ERRBUF_LEN];
	va_list ap;
	snprintf(msg, sizeof(msg), "%s", s->err.msg);
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	sm_err(&s->err, rc, "%s: %s", prefix, msg);
	return rc;
}

/* "+N": wait until the previous event has finished (a device access may
 * still be retrying), then N cycles more. */
static int start_after_prev(struct smmusim *s, const struct smmusim_event *ev,
			    uint64_t *start)
{
	/* Nothing new starts before the previous event ends: its kernel
	 * thread may run ahead (kernel/sched.h). */
	s->eng.horizon = UINT64_MAX;
	while (!s->prev_done) {
		int rc = sm_engine_step(&s->eng);
		if (rc < 0)
			return rc;
		if (rc == 0)
			return sm_err(&s->err, SMMUSIM_EINTERNAL,
				      "previous event never finished");
	}
	/* Checked: prev_finish + N must not wrap, nor pass SM_CYCLE_MAX. */
	if (__builtin_add_overflow(s->prev_finish, ev->time, start) ||
	    *start > SM_CYCLE_MAX)
		return sm_err(&s->err, SMMUSIM_ERANGE,
			      "+%" PRIu64 " after the previous event's end "
			      "(cycle %" PRIu64 ") is past the last start "
			      "cycle %" PRIu64 " (2^62)%s",
			      ev->time, s->prev_finish, SM_CYCLE_MAX,
			      ev->time ? ""
				       : " (an event without time stamp "
					 "starts at +0)");
	return 0;
}

/* "@N": at cycle N, no earlier than the previous event started. */
static int start_at(struct smmusim *s, const struct smmusim_event *ev,
		    uint64_t *start)
{
	/* (Before the first event prev_start is 0: nothing is earlier.) */
	if (ev->time < s->prev_start)
		return sm_err(&s->err, SMMUSIM_EINVAL,
			      "out-of-order time stamp: @%" PRIu64
			      " is earlier than the start of the "
			      "previous event (cycle %" PRIu64 ")",
			      ev->time, s->prev_start);
	if (ev->time > SM_CYCLE_MAX)
		return sm_err(&s->err, SMMUSIM_ERANGE,
			      "@%" PRIu64 " is out of range (0..%" PRIu64
			      ": the last start cycle, 2^62)",
			      ev->time, SM_CYCLE_MAX);
	*start = ev->time;
	return 0;
}

/* The cycle at which ev starts: never past SM_CYCLE_MAX, so that what
 * the event adds to it cannot wrap the clock. */
static int event_start(struct smmusim *s, const struct smmusim_event *ev,
		       uint64_t *start)
{
	int rc;
	if (ev->timing == SMMUSIM_AFTER_PREV)
		rc = start_after_prev(s, ev, start);
	else if (ev->timing == SMMUSIM_AT)
		rc = start_at(s, ev, start);
	else
		rc = sm_err(&s->err, SMMUSIM_EINVAL, "unknown timing %d",
			    (int)ev->timing);
	if (rc < 0)
		return rc;
	/* (Both checked that *start is no later than SM_CYCLE_MAX.) */
	if (*start >= s->eng.now)
		return 0;
	*start = s->eng.now; /* @N before driver probe finished */
	if (*start > SM_CYCLE_MAX)
		return sm_err(&s->err, SMMUSIM_ERANGE,
			      "the clock is at cycle %" PRIu64
			      ", past the last start cycle %" PRIu64 " (2^62)",
			      *start, SM_CYCLE_MAX);
	return 0;
}

void smmusim_set_next_start(smmusim_t *s, uint64_t cycle)
{
	if (s)
		sm_sim_set_next_start(s, cycle);
}

int smmusim_submit(smmusim_t *s, const struct smmusim_event *ev)
{
	uint64_t start = 0;
	int rc;
	if (!s || !ev)
		return SMMUSIM_EINVAL;
	sm_err_clear(&s->err);
	if (s->finished)
		return sm_err(&s->err, SMMUSIM_ESTATE,
			      "submit after smmusim_finish()");
	if ((rc = sm_sim_check_host_memory_built(s, 0)) < 0)
		return rc;
	if ((unsigned)ev->type >= SMMUSIM_EV_COUNT_)
		return sm_err(&s->err, SMMUSIM_EINVAL, "unknown event type %d",
			      (int)ev->type);
	if ((rc = sm_sim_mem_check(s, event_start(s, ev, &start))) < 0)
		return rc;
	s->eng.horizon = start;
	if ((rc = sm_sim_mem_check(s, sm_engine_run_until(&s->eng, start))) < 0)
		return rc;
	if ((rc = sm_sim_cosim_reserve(s)) < 0)
		return rc;
	/* Nothing starts before `start` any more: the commands the SMMU
	 * consumed by then take effect, and the oracle drops the windows
	 * closed by then (docs/model.md, Time). */
	sm_smmu_cmdq_catch_up(&s->smmu, start);
	sm_cpu_rx_catch_up_all(&s->cpu, start);
	sm_oracle_advance(&s->oracle, start);
	s->prev_start = start;
	s->prev_done = false;
	s->seq++;
	SM_INC(s->ctr, SIM_EVENTS);
	sm_sim_cosim_begin(s, ev, start);
	/* How far a kernel operation may run before this call returns: up
	 * to where the next event may start (replay knows it), else only to
	 * this one's start. */
	s->eng.horizon = s->have_hint ? s->horizon_hint : start;
	s->have_hint = false;
	rc = sm_sim_check_host_memory_built(s, sm_sim_dispatch(s, ev, start));
	if (rc < 0) {
		/* A refused event took no time: the next one may start;
		 * its submit said so, not the completion hook. */
		sm_sim_cosim_drop(s, s->seq);
		sm_sim_note_finish(s, s->seq, start);
		const char *kw = smmusim_event_name(ev->type);
		return sm_sim_prefix_error(s, rc, "%s", kw ? kw : "event");
	}
	return 0;
}
