/* SPDX-License-Identifier: MIT */
/*
 * Kernel threads and locks (sched.h says what they model and the one
 * ordering rule; docs/design/timed-kernel.md, sections 1 and 3).
 *
 * An operation runs inline when its PE is idle and it is submitted with no
 * horizon (no new event can start before it ends) or as one that never
 * waits (its model has no step: nothing can come between its parts);
 * otherwise on its PE's fiber.  A step that must wait schedules `kt_resume` at
 * its cycle (fiber) or runs the engine's earlier events itself (inline): the
 * order is the same, because the inline operation reserves the sequence number
 * its resume event would have had and holds every fiber back at its cycle
 * (sched.held_at) while those events run.
 */
#include "kernel/kernel.h"

#include <inttypes.h>

#include <smmusim/error.h>

#include "base/alloc.h"
#include "base/vec.h"

struct sm_klock {
	enum sm_klock_class cls;
	uint64_t key;
	int holders; /* readers, or -1: a writer */
	struct {
		struct sm_kthread *k;
		enum sm_klock_mode m;
	} * w;
	size_t wn, wcap;
};

static const char *const class_names[SM_KLOCK_CLASS_COUNT_] = {
    [SM_KLOCK_MMAP] = "mmap_lock",
    [SM_KLOCK_ASID] = "asid_lock",
    [SM_KLOCK_CMDQ] = "cmdq",
};

static int kt_resume(void *ctx, uint64_t arg);
static int kt_start(void *ctx, uint64_t arg);
static int settle(struct sm_os *os, struct sm_kthread *k);

int sm_sched_init(struct sm_os *os, unsigned npe, size_t stack,
		  bool always_yield, struct sm_stats *st)
{
	struct sm_sched *s = &os->sched;
	s->npe = npe;
	s->stack = stack;
	s->always_yield = always_yield;
	s->held_at = UINT64_MAX;
	if (!(s->kt = sm_calloc(os->alloc, npe * sizeof(*s->kt))))
		return sm_err(os->eb, SMMUSIM_ENOMEM, "out of memory");
	for (unsigned i = 0; i < npe; i++) {
		s->kt[i].os = os;
		s->kt[i].pe = i;
	}
	for (int c = 0; c < SM_KLOCK_CLASS_COUNT_; c++)
		if (!(s->acquires[c] = sm_stats_family_counter(
			  st, SM_STAT_OS_LOCK_LOCK_ACQUIRES, "%s",
			  class_names[c])) ||
		    !(s->contended[c] = sm_stats_family_counter(
			  st, SM_STAT_OS_LOCK_LOCK_CONTENDED, "%s",
			  class_names[c])) ||
		    !(s->wait_cycles[c] = sm_stats_family_counter(
			  st, SM_STAT_OS_LOCK_LOCK_WAIT_CYCLES, "%s",
			  class_names[c])))
			return sm_err(os->eb, SMMUSIM_ENOMEM, "out of memory");
	s->wait_hist = sm_stats_hists(st)[SM_HIST_OS_LOCK_WAIT_CYCLES];
	return 0;
}

static void free_lock(struct sm_os *os, struct sm_klock *l)
{
	sm_free(os->alloc, l->w, l->wcap * sizeof(*l->w));
	sm_free(os->alloc, l, sizeof(*l));
}

void sm_sched_fini(struct sm_os *os)
{
	struct sm_sched *s = &os->sched;
	for (unsigned i = 0; s->kt && i < s->npe; i++) {
		sm_fiber_free(s->kt[i].fiber);
		sm_free(os->alloc, s->kt[i].queue,
			s->kt[i].qcap * sizeof(*s->kt[i].queue));
	}
	sm_free(os->alloc, s->kt, s->npe * sizeof(*s->kt));
	for (size_t i = 0; i < s->nlocks; i++)
		free_lock(os, s->locks[i]);
	if (s->idle_lock)
		free_lock(os, s->idle_lock);
	sm_free(os->alloc, s->locks, s->caplocks * sizeof(*s->locks));
	*s = (struct sm_sched){0};
}

/* ---- running an operation ---- */

static void enter(struct sm_os *os, struct sm_kthread *k)
{
	os->sched.cur = k;
	if (os->sched.ops.op_line)
		*os->sched.ops.op_line = k->op.ev->line;
}

/* The kernel thread: one operation after another on the same fiber,
 * which parks between them (yields with k->parked set) instead of
 * returning, so that the next starts with one switch and not a new start
 * of the fiber (host time).  A parked fiber holds nothing. */
static int fiber_main(void *arg)
{
	struct sm_kthread *k = arg;
	for (;;) {
		struct sm_sched *s = &k->os->sched;
		uint64_t t = k->op.start;
		int rc = s->ops.run(s->ops.ctx, &k->op, &t);
		k->op.start = t; /* the end, for finish() */
		k->err = rc < 0 ? rc : k->err;
		k->parked = true;
		sm_fiber_yield(k->fiber);
	}
	return 0;
}

/* A lock an operation has not released when it ends (a model error) stays
 * held, in the list (settle). */
static __attribute__((noinline, cold)) int
settle_at_end(struct sm_os *os, struct sm_kthread *k, int rc)
{
	int r = settle(os, k);
	return rc < 0 ? rc : r;
}

/* The operation has ended at t: tell the submitter, start the next. */
static inline __attribute__((always_inline)) int
finish(struct sm_os *os, struct sm_kthread *k, uint64_t t, int rc)
{
	struct sm_sched *s = &os->sched;
	bool async = k->async;
	if (k->pend)
		rc = settle_at_end(os, k, rc);
	k->busy = k->async = false;
	k->err = 0;
	/* (k->op stays as it was until the next operation starts.) */
	if (s->ops.done)
		s->ops.done(s->ops.ctx, &k->op, t, rc, async);
	/* The next queued operation runs whatever this one's fate: an
	 * operation refused takes no time and blocks nobody. */
	if (k->qn) {
		struct sm_kop *next = &k->queue[k->qhead];
		if (next->start < t)
			next->start = t;
		int r = sm_engine_at(os->eng, next->start, kt_start, k, 0);
		if (r < 0)
			return r;
		k->busy = k->async = true; /* reserved for the queued op */
	}
	return rc;
}

/* Run (or go on running) k's operation on its fiber until it yields or
 * ends.  Returns the op's error when it ended with one. */
static int run_fiber(struct sm_os *os, struct sm_kthread *k)
{
	struct sm_sched *s = &os->sched;
	int rc = 0;
	if (!k->fiber &&
	    (rc = sm_fiber_new(&k->fiber, os->alloc, s->stack, os->eb)) < 0)
		return rc;
	struct sm_kthread *prev = s->cur;
	enter(os, k);
	k->parked = false; /* a parked fiber resumes with k->op */
	int ran = sm_fiber_run(k->fiber, fiber_main, k, &rc);
	s->cur = prev;
	if (ran == SM_FIBER_OVERFLOW)
		return sm_err(os->eb, SMMUSIM_EINTERNAL,
			      "cpu%u's kernel thread overflowed its stack "
			      "(sim.kthread_stack=%zu bytes)",
			      k->pe, s->stack);
	if (!k->parked)
		return 0; /* waiting: a step or a lock */
	return finish(os, k, k->op.start, k->err);
}

static int kt_resume(void *ctx, uint64_t arg)
{
	struct sm_kthread *k = ctx;
	(void)arg;
	return run_fiber(k->os, k);
}

/* A queued operation's turn. */
static int kt_start(void *ctx, uint64_t arg)
{
	struct sm_kthread *k = ctx;
	(void)arg;
	k->op = k->queue[k->qhead];
	k->op.ev = &k->op.own;
	k->qhead = (k->qhead + 1) % k->qcap;
	k->qn--;
	k->on_fiber = true;
	return run_fiber(k->os, k);
}

static int enqueue(struct sm_os *os, struct sm_kthread *k,
		   const struct smmusim_event *ev, uint64_t seq, uint64_t start)
{
	if (k->qn == k->qcap) {
		size_t cap = k->qcap ? 2 * k->qcap : 8;
		struct sm_kop *q = sm_malloc(os->alloc, cap * sizeof(*q));
		if (!q)
			return sm_err(os->eb, SMMUSIM_ENOMEM, "out of memory");
		for (size_t i = 0; i < k->qn; i++)
			q[i] = k->queue[(k->qhead + i) % k->qcap];
		sm_free(os->alloc, k->queue, k->qcap * sizeof(*q));
		k->queue = q;
		k->qcap = cap;
		k->qhead = 0;
	}
	struct sm_kop *op = &k->queue[(k->qhead + k->qn++) % k->qcap];
	op->own = *ev; /* (op->ev is set when it starts: kt_start) */
	op->seq = seq;
	op->start = start;
	op->pe = k->pe;
	return 0;
}

int sm_sched_submit(struct sm_os *os, const struct smmusim_event *ev,
		    uint64_t seq, uint64_t start, bool never_waits)
{
	struct sm_sched *s = &os->sched;
	if (ev->cpu >= s->npe)
		return sm_err(os->eb, SMMUSIM_EINVAL,
			      "cpu=%u is out of range (0..%u: cpu.count - 1)",
			      ev->cpu, s->npe - 1);
	struct sm_kthread *k = &s->kt[ev->cpu];
	if (k->busy)
		return enqueue(os, k, ev, seq, start);
	k->op.seq = seq;
	k->op.start = start;
	k->op.pe = k->pe;
	k->busy = true;
	k->err = 0;
	if (!s->always_yield && !s->cur &&
	    (never_waits || os->eng->horizon == UINT64_MAX)) {
		/* Inline: nothing new can start before it ends, or nothing
		 * can come between its steps.  It ends before this call
		 * returns: the submitter's event serves. */
		uint64_t t = start;
		k->op.ev = ev;
		k->on_fiber = false;
		enter(os, k);
		int rc = s->ops.run(s->ops.ctx, &k->op, &t);
		s->cur = NULL;
		rc = finish(os, k, t, rc < 0 ? rc : k->err);
		k->op.ev = &k->op.own; /* the submitter's is no longer ours */
		return rc;
	}
	k->op.own = *ev;
	k->op.ev = &k->op.own;
	k->on_fiber = true;
	int rc = run_fiber(os, k);
	if (k->busy && k->op.seq == seq)
		k->async = true;
	return rc;
}

/* ---- steps ---- */

/* An operation run inline as one that never waits (sm_sched_submit) that
 * waits after all, past where the next event may start: a model error,
 * reported rather than run out of order. */
static int overtaken(struct sm_os *os, const struct sm_kthread *k, uint64_t t)
{
	const char *kw = smmusim_event_name(k->op.ev->type);
	return sm_err(
	    os->eb, SMMUSIM_EINTERNAL,
	    "cpu%u's %s (trace line %" PRIu32 ") was run as an "
	    "operation that never waits, but waits at cycle %" PRIu64
	    ", past where the next event may start (cycle %" PRIu64 ")",
	    k->pe, kw ? kw : "operation", k->op.ev->line, t, os->eng->horizon);
}

/* An inline operation's turn at (t, seq): run every queued event ordered
 * before it, with no fiber running ahead of t meanwhile. */
static void inline_turn(struct sm_os *os, struct sm_kthread *k, uint64_t t,
			uint64_t seq)
{
	struct sm_sched *s = &os->sched;
	struct sm_engine *e = os->eng;
	uint64_t held = s->held_at;
	s->held_at = t;
	s->cur = NULL;
	while (sm_engine_before(e, t, seq)) {
		int rc = sm_engine_step(e);
		if (rc < 0) {
			k->err = rc;
			break;
		}
	}
	s->held_at = held;
	if (t > e->now)
		e->now = t;
	enter(os, k);
}

void sm_kt_wait_slow(struct sm_os *os, struct sm_kthread *k, uint64_t t)
{
	struct sm_engine *e = os->eng;
	int rc;
	if (t < e->now)
		t = e->now;
	if (k->pend && !k->err && (rc = settle(os, k)) < 0)
		k->err = rc;
	if (k->err) {
		/* Failing: run to the end without waiting for anyone. */
		e->now = t;
		return;
	}
	if (!k->on_fiber) {
		if (t > e->horizon) {
			k->err = overtaken(os, k, t);
			e->now = t;
			return;
		}
		inline_turn(os, k, t, e->seq++);
		return;
	}
	if ((rc = sm_engine_at(e, t, kt_resume, k, 0)) < 0) {
		k->err = rc;
		return;
	}
	os->sched.cur = NULL;
	sm_fiber_yield(k->fiber);
}

/* ---- locks ---- */

static bool compatible(const struct sm_klock *l, enum sm_klock_mode m)
{
	return m == SM_KLOCK_SHARED ? l->holders >= 0 : l->holders == 0;
}

static void take(struct sm_klock *l, enum sm_klock_mode m)
{
	l->holders = m == SM_KLOCK_SHARED ? l->holders + 1 : -1;
}

/* The lock (c, key) if someone holds or waits for it, else NULL. */
static inline struct sm_klock *lock_of(const struct sm_sched *s,
				       enum sm_klock_class c, uint64_t key)
{
	for (size_t i = 0; i < s->nlocks; i++)
		if (s->locks[i]->cls == c && s->locks[i]->key == key)
			return s->locks[i];
	return NULL;
}
/* The lock (c, key) that lock_of did not find (host time: out of line, the
 * look-up makes no call). */
static __attribute__((noinline)) int make_lock(struct sm_os *os,
					       enum sm_klock_class c,
					       uint64_t key,
					       struct sm_klock **out)
{
	struct sm_sched *s = &os->sched;
	/* The lock last forgotten, else a new one. */
	struct sm_klock *l = s->idle_lock;
	s->idle_lock = NULL;
	if (!l)
		l = sm_calloc(os->alloc, sizeof(*l));
	if (!l || SM_VEC_RESERVE(os->alloc, s->locks, s->caplocks,
				 s->nlocks + 1, 8)) {
		if (l)
			free_lock(os, l);
		return sm_err(os->eb, SMMUSIM_ENOMEM, "out of memory");
	}
	l->cls = c;
	l->key = key;
	s->locks[s->nlocks++] = l;
	*out = l;
	return 0;
}

/* Host time: a lock that nobody holds or waits for, taken by the running
 * operation, stays out of the locks' list (no lock made, nothing searched
 * when it is released) for as long as nobody else can run: until the
 * operation's next step that lets others run first (sm_kt_wait_slow), its
 * wait for another lock, or its end.  Then it is put in the list, held, as
 * if taken there: nobody could have looked for it before. */
static int settle(struct sm_os *os, struct sm_kthread *k)
{
	struct sm_klock *l;
	k->pend = false;
	int rc = make_lock(os, k->pend_cls, k->pend_key, &l);
	if (rc < 0)
		return rc;
	take(l, k->pend_mode);
	return 0;
}

/* A lock nobody holds or waits for is forgotten (the mm it belonged to may
 * be gone; its id may come again).  (Host time: one forgotten lock is kept,
 * with its waiters' array, for the next lock taken: most locks are taken
 * and released without contention, once per page fault.) */
static void drop_if_idle(struct sm_os *os, struct sm_klock *l)
{
	struct sm_sched *s = &os->sched;
	if (l->holders || l->wn)
		return;
	for (size_t i = 0; i < s->nlocks; i++)
		if (s->locks[i] == l) {
			s->locks[i] = s->locks[--s->nlocks];
			break;
		}
	if (s->idle_lock)
		free_lock(os, l);
	else
		s->idle_lock = l; /* nobody holds or waits for it */
}

/* A waiter resumed without being granted l: sm_sched_cancel ends the
 * operation (k->err set).  It never held l, so it leaves l's queue and
 * fails here, before the section l guards: running that section unlocked
 * beside l's holder, itself suspended, let one mm_exit free the mm
 * another still walked (tests/fuzz/findings/events-exit-waiter-cancelled).
 * An operation may then still hold other locks of its own: their holders
 * run to their ends (sm_sched_cancel). */
static int cancelled_wait(struct sm_kthread *k, struct sm_klock *l)
{
	size_t n = 0;
	for (size_t i = 0; i < l->wn; i++)
		if (l->w[i].k != k)
			l->w[n++] = l->w[i];
	l->wn = n;
	k->blocked_on = NULL;
	return k->err;
}

/* Sleep until granted.  Fiber: yield, the releaser schedules the resume.
 * Inline: run the engine until the releaser has granted it, then take the
 * turn it was given. */
static int block(struct sm_os *os, struct sm_kthread *k, struct sm_klock *l,
		 uint64_t *t)
{
	struct sm_engine *e = os->eng;
	k->blocked_on = l;
	k->woken = false;
	if (k->on_fiber) {
		os->sched.cur = NULL;
		sm_fiber_yield(k->fiber);
		if (!k->woken && k->err)
			return cancelled_wait(k, l);
	} else {
		uint64_t held = os->sched.held_at;
		if (e->horizon != UINT64_MAX)
			return k->err = overtaken(os, k, *t);
		os->sched.cur = NULL;
		while (!k->woken) {
			int rc = sm_engine_step(e);
			if (rc <= 0) {
				enter(os, k);
				return k->err = rc < 0
						    ? rc
						    : sm_sched_check_idle(os);
			}
		}
		inline_turn(os, k, k->wake_at, k->wake_seq);
		os->sched.held_at = held;
	}
	k->blocked_on = NULL;
	*t = k->wake_at;
	return 0;
}

/* sm_klock when a lock is in the list or k already has one pending. */
int sm_kt_lock_listed(struct sm_os *os, struct sm_kthread *k,
		      enum sm_klock_class c, uint64_t key, enum sm_klock_mode m,
		      uint64_t *t)
{
	struct sm_sched *s = &os->sched;
	struct sm_klock *l;
	int rc;
	if (k->pend && (rc = settle(os, k)) < 0)
		return rc; /* (one pending lock at a time) */
	if (!(l = lock_of(s, c, key)))
		return sm_kt_take_pending(s, k, c, key, m);
	if (!l->wn && compatible(l, m)) {
		take(l, m);
		sm_kt_account(s, c, 0);
		return 0;
	}
	if (SM_VEC_RESERVE(os->alloc, l->w, l->wcap, l->wn + 1, 4))
		return sm_err(os->eb, SMMUSIM_ENOMEM, "out of memory");
	l->w[l->wn].k = k;
	l->w[l->wn++].m = m;
	uint64_t t0 = *t;
	if ((rc = block(os, k, l, t)) < 0)
		return rc;
	sm_kt_account(s, c, *t - t0);
	return 0;
}

/* Grant l to its first waiter(s) at t: one writer, or every reader up to
 * the next writer. */
static void grant(struct sm_os *os, struct sm_klock *l, uint64_t t)
{
	struct sm_engine *e = os->eng;
	size_t n = 0;
	while (n < l->wn && compatible(l, l->w[n].m)) {
		struct sm_kthread *k = l->w[n].k;
		take(l, l->w[n].m);
		k->woken = true;
		k->wake_at = t;
		if (k->on_fiber) {
			if (sm_engine_at(e, t, kt_resume, k, 0) < 0)
				k->err = SMMUSIM_ENOMEM;
		} else {
			/* The inline waiter's turn: no fiber runs past it. */
			k->wake_seq = e->seq++;
			if (t < os->sched.held_at)
				os->sched.held_at = t;
		}
		n++;
		if (l->holders < 0)
			break;
	}
	for (size_t i = n; i < l->wn; i++)
		l->w[i - n] = l->w[i];
	l->wn -= n;
}

/* sm_kunlock of a lock in the list (or of none: nothing to do). */
void sm_kt_unlock_listed(struct sm_os *os, enum sm_klock_class c, uint64_t key,
			 uint64_t t)
{
	struct sm_klock *l;
	if (!(l = lock_of(&os->sched, c, key)))
		return;
	l->holders = l->holders > 0 ? l->holders - 1 : 0;
	if (!l->holders)
		grant(os, l, t);
	drop_if_idle(os, l);
}

void sm_sched_cancel(struct sm_os *os)
{
	struct sm_sched *s = &os->sched;
	s->ops = (struct sm_sched_ops){0};
	for (unsigned i = 0; s->kt && i < s->npe; i++) {
		struct sm_kthread *k = &s->kt[i];
		k->qn = 0; /* queued operations never start */
		/* With err set, steps and locks no longer wait: one run
		 * reaches the end. */
		for (int guard = 0; k->fiber && !k->parked &&
				    sm_fiber_suspended(k->fiber) && guard < 2;
		     guard++) {
			k->err = k->err ? k->err : SMMUSIM_ESTATE;
			k->blocked_on = NULL;
			run_fiber(os, k);
		}
	}
}

int sm_sched_check_idle(struct sm_os *os)
{
	struct sm_sched *s = &os->sched;
	for (unsigned i = 0; i < s->npe; i++) {
		const struct sm_kthread *k = &s->kt[i];
		if (k->busy && k->blocked_on && !k->woken)
			return sm_err(
			    os->eb, SMMUSIM_EINTERNAL,
			    "kernel deadlock: cpu%u waits for %s %" PRIu64
			    " (trace line %" PRIu32 ") and nothing will "
			    "release it",
			    i, class_names[k->blocked_on->cls],
			    k->blocked_on->key, k->op.ev->line);
	}
	return 0;
}
