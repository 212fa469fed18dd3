/* SPDX-License-Identifier: MIT */
/*
 * Kernel threads: every kernel operation (a system call, a fault, a DMA API
 * call, an SVA bind) runs on the kernel thread of the PE that makes it, and
 * its steps (a TLBI, a DSB's completion, a command-queue submission, a
 * CMD_SYNC's completion, a page free, an ASID-move step, a lock) happen at
 * their own cycles, with other PEs' operations, device and CPU accesses
 * interleaved between them (docs/design/timed-kernel.md; docs/model.md,
 * Time).
 *
 * A step is sm_kt_at(os, t): "what follows happens at cycle t".  It costs a
 * compare when nothing else can happen first (the run-ahead rule: t is
 * before the next queued event and not past the engine's horizon);
 * otherwise the operation waits for its turn:
 *
 *   - on a fiber (engine/fiber.h) it schedules its resumption at t and
 *     yields to whoever runs the clock;
 *   - run inline (on the caller's stack, chosen when no new event can start
 *     before the operation ends: a trace whose next line has no `@`; or
 *     for an operation that never waits, sm_sched_submit), it runs the
 *     queued events that come before it, then goes on.
 *
 * Both give the same order: (cycle, sequence number), as if the step were
 * an engine event scheduled at t (sim.debug.always_yield runs every
 * operation on a fiber and every step through the heap; the golden tests
 * compare the two).  With no operation running (driver probe, timers and
 * the device's upcalls, unit tests calling the kernel directly) a step does
 * nothing: the kernel is atomic as before.
 *
 * Locks (struct sm_klock) are FIFO and sleep: a PE that finds one held
 * waits until its holder releases it, and the wait is counted per lock.
 */
#ifndef SM_KERNEL_SCHED_H
#define SM_KERNEL_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <smmusim/event.h>

#include "engine/engine.h"
#include "engine/fiber.h"
#include "engine/stats.h"

struct sm_os;
struct sm_kop;

/* One operation: the trace event a PE's kernel thread runs.  (Host time:
 * an operation that runs inline, to its end before sm_sched_submit
 * returns, reads the submitter's event; any other is copied once, into
 * `own` of the kernel thread's slot or queue.) */
struct sm_kop {
	const struct smmusim_event *ev; /* the trace event */
	struct smmusim_event own;	/* ... when the op keeps a copy */
	uint64_t seq;			/* its sequence number */
	uint64_t start; /* the cycle it was submitted to start at */
	unsigned pe;	/* ev->cpu */
};

/* The submitter's side: run an operation (from *t, which it advances),
 * where to write the trace line of the one that starts or resumes (the
 * line the oracle blames; NULL: nowhere), and that one has finished
 * (`async`: after the call that submitted it returned, so its error has
 * nobody else to report it). */
struct sm_sched_ops {
	int (*run)(void *ctx, struct sm_kop *op, uint64_t *t);
	uint32_t *op_line;
	void (*done)(void *ctx, const struct sm_kop *op, uint64_t t, int rc,
		     bool async);
	void *ctx;
};

/* The kernel's locks that the model has, one row each: its name in the
 * stats (os.lock.<name>.*) and what it protects. */
enum sm_klock_class {
	SM_KLOCK_MMAP, /* an mm's mmap_lock, keyed by the trace's mm id */
	SM_KLOCK_ASID, /* arm_smmu_asid_lock (with sva_lock): the SVA binds */
	SM_KLOCK_CMDQ, /* the command queue: spinlock or ownership protocol */
	SM_KLOCK_CLASS_COUNT_
};

enum sm_klock_mode { SM_KLOCK_SHARED, SM_KLOCK_EXCL };

struct sm_klock; /* sched.c */

struct sm_kthread {
	struct sm_os *os;
	unsigned pe;
	struct sm_fiber *fiber; /* made on first need, kept */
	struct sm_kop op;	/* the running operation */
	bool busy;		/* op is running or waiting */
	bool on_fiber;		/* ... on the fiber (else inline) */
	bool parked;		/* the fiber waits for the next op */
	bool async;		/* op's submitter has returned */
	int err;		/* a step's failure, returned at op's end */
	/* A lock taken while nobody held or waited for it, not yet in the
	 * locks' list (host time: sm_kt_take_pending). */
	bool pend;
	enum sm_klock_class pend_cls;
	uint64_t pend_key;
	enum sm_klock_mode pend_mode;
	/* Waiting for a lock (NULL: not); woken: its turn, at (wake_at,
	 * wake_seq). */
	struct sm_klock *blocked_on;
	bool woken;
	uint64_t wake_at, wake_seq;
	/* Operations submitted while busy, in order (a ring). */
	struct sm_kop *queue;
	size_t qhead, qn, qcap;
};

struct sm_sched {
	struct sm_kthread *kt; /* one per PE */
	unsigned npe;
	struct sm_kthread *cur; /* running now; NULL: the kernel is atomic */
	size_t stack;		/* sim.kthread_stack */
	bool always_yield;	/* sim.debug.always_yield */
	/* An inline operation's position while it runs queued events: no
	 * fiber may run ahead past it. */
	uint64_t held_at;
	struct sm_sched_ops ops;
	struct sm_klock **locks; /* held or waited for, any class */
	size_t nlocks, caplocks;
	struct sm_klock *idle_lock; /* one forgotten, for the next (sched.c) */
	uint64_t *acquires[SM_KLOCK_CLASS_COUNT_];
	uint64_t *contended[SM_KLOCK_CLASS_COUNT_];
	uint64_t *wait_cycles[SM_KLOCK_CLASS_COUNT_];
	struct sm_hist *wait_hist;
};

int sm_sched_init(struct sm_os *os, unsigned npe, size_t stack,
		  bool always_yield, struct sm_stats *st);
void sm_sched_fini(struct sm_os *os);
/* Run event ev (sequence number seq) on the kernel thread of its PE
 * (ev->cpu) from cycle `start`, or queue it behind the operation that PE
 * is running.  Returns the op's error when it failed before this call
 * returned; later failures come out of the engine (the resume event's
 * return code) after ops.done has been told.
 *
 * `never_waits`: the caller knows that the operation takes no step and no
 * lock (its model code has none).  It then runs inline even when a new
 * event may start before it ends (host time: no fiber switch), as nothing
 * can come between its steps; should it wait past the engine's horizon
 * after all, it fails with SMMUSIM_EINTERNAL instead of running out of
 * order. */
int sm_sched_submit(struct sm_os *os, const struct smmusim_event *ev,
		    uint64_t seq, uint64_t start, bool never_waits);
/* Before the models go (smmusim_free): run every operation suspended on a
 * fiber to its end at once, waiting for nothing and telling nobody, so
 * that it frees what it holds. */
void sm_sched_cancel(struct sm_os *os);
/* A kernel thread still waiting for a lock when everything else has
 * finished: a deadlock of the model, SMMUSIM_EINTERNAL naming it. */
int sm_sched_check_idle(struct sm_os *os);

void sm_kt_wait_slow(struct sm_os *os, struct sm_kthread *k, uint64_t t);

/* A step: what follows happens at cycle t (see the top of this file).
 * True when others may have run meanwhile (what the operation saw before
 * may have changed). */
static inline bool sm_kt_at(struct sm_os *os, struct sm_sched *s,
			    struct sm_engine *e, uint64_t t)
{
	struct sm_kthread *k = s->cur;
	if (!k)
		return false;
	if (!s->always_yield && sm_engine_may_advance(e, t) && t < s->held_at) {
		if (t > e->now)
			e->now = t;
		return false;
	}
	sm_kt_wait_slow(os, k, t);
	return true;
}

/* Would a step at every cycle up to t take the fast path of sm_kt_at (run
 * at once, nothing else first)?  Then a caller may do the work of those
 * steps in one go and call sm_kt_ran_to(t) (host time: a run of TLBIs,
 * arm64/tlbflush.c).  The test holds for every cycle before t if it holds
 * for t, as long as that work queues no engine event. */
static inline bool sm_kt_runs_ahead(const struct sm_sched *s,
				    const struct sm_engine *e, uint64_t t)
{
	return !s->cur || (!s->always_yield && sm_engine_may_advance(e, t) &&
			   t < s->held_at);
}
/* After such a run: where the clock is, as the steps would have left it. */
static inline void sm_kt_ran_to(const struct sm_sched *s, struct sm_engine *e,
				uint64_t t)
{
	if (s->cur && t > e->now)
		e->now = t;
}

/* ---- locks ---- */

/* Take the lock (class, key) at *t, waiting (*t moves to when it is
 * granted, FIFO) while it is held in a conflicting mode.  Outside a
 * kernel thread (probe, timers, the device's upcalls) it is granted at
 * once: those paths are atomic and never wait.  0, SMMUSIM_ENOMEM, or
 * SMMUSIM_EINTERNAL on a deadlock. */
/* An acquisition of a lock of class c after `wait` cycles (the
 * os.lock.* counters and histogram). */
static inline void sm_kt_account(struct sm_sched *s, enum sm_klock_class c,
				 uint64_t wait)
{
	(*s->acquires[c])++;
	if (!wait)
		return;
	(*s->contended[c])++;
	*s->wait_cycles[c] += wait;
	sm_hist_record(s->wait_hist, wait);
}
/* (sm_klock and sm_kunlock are kernel.h's, on os->sched: their common
 * case is inline here, the lock's list is sched.c's.  Host time: every
 * fault and every locked event takes and releases the mmap lock.) */
int sm_kt_lock_listed(struct sm_os *os, struct sm_kthread *k,
		      enum sm_klock_class c, uint64_t key, enum sm_klock_mode m,
		      uint64_t *t);
void sm_kt_unlock_listed(struct sm_os *os, enum sm_klock_class c, uint64_t key,
			 uint64_t t);
/* Nobody holds or waits for lock (c, key): k takes it, kept out of the
 * locks' list while nobody else asks (sched.c, settle); an acquisition
 * without a wait. */
static inline int sm_kt_take_pending(struct sm_sched *s, struct sm_kthread *k,
				     enum sm_klock_class c, uint64_t key,
				     enum sm_klock_mode m)
{
	k->pend = true;
	k->pend_cls = c;
	k->pend_key = key;
	k->pend_mode = m;
	sm_kt_account(s, c, 0);
	return 0;
}
static inline int sm_kt_lock(struct sm_os *os, struct sm_sched *s,
			     enum sm_klock_class c, uint64_t key,
			     enum sm_klock_mode m, uint64_t *t)
{
	struct sm_kthread *k = s->cur;
	if (!k || k->err)
		return 0; /* atomic context (above), or failing: no wait */
	if (k->pend || s->nlocks)
		return sm_kt_lock_listed(os, k, c, key, m, t);
	/* Nobody holds or waits for any lock, so none for (c, key). */
	return sm_kt_take_pending(s, k, c, key, m);
}
/* Release at t: the waiters that can go next are granted it from t. */
static inline void sm_kt_unlock(struct sm_os *os, struct sm_sched *s,
				enum sm_klock_class c, uint64_t key, uint64_t t)
{
	struct sm_kthread *k = s->cur;
	if (!k)
		return;
	if (k->pend && k->pend_cls == c && k->pend_key == key) {
		k->pend = false; /* nobody waits for it (sched.c, settle) */
		return;
	}
	sm_kt_unlock_listed(os, c, key, t);
}
/* A spinlock whose critical section never waits: it is free again at
 * *busy_until.  Taken at *t: *t moves past the holder's section, counted
 * as a wait of class c.  The caller sets *busy_until when it releases.
 * Outside a kernel thread nothing waits.  (sm_kspin_wait, kernel.h, on
 * os->sched; inline, host time: every command submission takes it.) */
static inline void sm_kt_spin_wait(struct sm_sched *s, enum sm_klock_class c,
				   const uint64_t *busy_until, uint64_t *t)
{
	uint64_t wait = *busy_until > *t ? *busy_until - *t : 0;
	if (!s->cur)
		return;
	sm_kt_account(s, c, wait);
	*t += wait;
}

#endif
