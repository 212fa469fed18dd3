/* SPDX-License-Identifier: MIT */
/*
 * Deterministic discrete-event engine.
 *
 * One simulated clock in cycles.  Events are kept in a binary min-heap
 * ordered by (cycle, sequence number): two events due in the same cycle run
 * in the order they were scheduled, so a run never depends on heap layout or
 * on anything outside the simulator.  Callbacks may schedule further events
 * (at the current cycle or later) and may fail: the first error stops the
 * run and is returned to whoever drove the engine.
 */
#ifndef SM_ENGINE_ENGINE_H
#define SM_ENGINE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <smmusim/alloc.h>

#include "base/errbuf.h"

/* The last cycle at which an event may start (2^62).  No event lasts
 * anywhere near 2^62 cycles (latencies are at most 10^8 cycles and the work
 * of one event is bounded), so a clock that starts events no later than
 * this never wraps.  The engine refuses to schedule past twice this. */
#define SM_CYCLE_MAX ((uint64_t)1 << 62)
#define SM_ENGINE_CYCLE_LIMIT (SM_CYCLE_MAX * 2)

typedef int (*sm_event_fn)(void *ctx, uint64_t arg);

struct sm_event_slot {
	uint64_t cycle;
	uint64_t seq;
	sm_event_fn fn;
	void *ctx;
	uint64_t arg;
};

struct sm_engine {
	const struct smmusim_allocator *alloc;
	struct sm_event_slot *heap;
	size_t n, cap;
	uint64_t now;
	uint64_t seq;
	uint64_t executed;
	/* The last cycle the engine may reach before its driver can submit
	 * another event (docs/design/timed-kernel.md 1.3): a kernel
	 * operation may run its steps ahead up to it without going through
	 * the heap.  UINT64_MAX: no new event can start first. */
	uint64_t horizon;
	/* Where a refused schedule says why (the owner's last-error buffer,
	 * so the message reaches smmusim_last_error()); NULL: no message. */
	struct sm_errbuf *eb;
};

void sm_engine_init(struct sm_engine *e, const struct smmusim_allocator *a);
void sm_engine_fini(struct sm_engine *e);
/* sm_engine_at (below) when it refuses or the queue grows. */
int sm_engine_at_slow(struct sm_engine *e, uint64_t cycle, sm_event_fn fn,
		      void *ctx, uint64_t arg);
/* Queue the event (there is room): its seq is above every queued event's,
 * so it goes before a parent of a later cycle only (host time: no seq
 * compared). */
static inline void sm_engine_push(struct sm_engine *e, uint64_t cycle,
				  sm_event_fn fn, void *ctx, uint64_t arg)
{
	struct sm_event_slot *h = e->heap;
	size_t i = e->n++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (cycle >= h[parent].cycle)
			break;
		h[i] = h[parent];
		i = parent;
	}
	h[i] = (struct sm_event_slot){cycle, e->seq++, fn, ctx, arg};
}
/* Schedule fn(ctx, arg) at `cycle` (>= now, else SMMUSIM_EINVAL; past
 * SM_ENGINE_CYCLE_LIMIT, SMMUSIM_ERANGE); out of memory growing the queue:
 * SMMUSIM_ENOMEM.  Each with a message in eb.
 * (Host time: inline, the devices and the event thread schedule an event
 * per retry and per fault; sm_engine_at_slow, engine.c, refuses or grows
 * the queue, and then pushes as this does.) */
static inline int sm_engine_at(struct sm_engine *e, uint64_t cycle,
			       sm_event_fn fn, void *ctx, uint64_t arg)
{
	if (!fn || cycle < e->now || cycle > SM_ENGINE_CYCLE_LIMIT ||
	    e->n >= e->cap)
		return sm_engine_at_slow(e, cycle, fn, ctx, arg);
	sm_engine_push(e, cycle, fn, ctx, arg);
	return 0;
}
/* Run every event due at or before `cycle`, then set now = cycle (if later).
 * Returns the first callback error.  (Host time: the test that nothing is
 * due, the common case, inline; sm_engine_run_due does the rest.) */
int sm_engine_run_due(struct sm_engine *e, uint64_t cycle);
static inline int sm_engine_run_until(struct sm_engine *e, uint64_t cycle)
{
	if (e->n && e->heap[0].cycle <= cycle)
		return sm_engine_run_due(e, cycle);
	if (cycle > e->now)
		e->now = cycle;
	return 0;
}
/* After the first event was taken off (n decremented, n > 0 left): the
 * last one, heap[n], sinks from the root to its place (host time: moved
 * once, at the end). */
void sm_engine_sift(struct sm_engine *e);
/* Run one event (advancing now to it).  1 = ran, 0 = queue empty, <0 error.
 * (Host time: inline, the replay runs the queue between its events; the
 * heap's sift is engine.c's.) */
static inline int sm_engine_step(struct sm_engine *e)
{
	if (!e->n)
		return 0;
	const struct sm_event_slot *first = e->heap;
	sm_event_fn fn = first->fn;
	void *ctx = first->ctx;
	uint64_t arg = first->arg;
	e->now = first->cycle;
	if (--e->n)
		sm_engine_sift(e);
	e->executed++;
	int rc = fn(ctx, arg);
	return rc < 0 ? rc : 1;
}
static inline bool sm_engine_empty(const struct sm_engine *e)
{
	return e->n == 0;
}
static inline uint64_t sm_engine_next(const struct sm_engine *e)
{
	return e->n ? e->heap[0].cycle : UINT64_MAX;
}

/* Is the first queued event ordered before (cycle, seq)? */
static inline bool sm_engine_before(const struct sm_engine *e, uint64_t cycle,
				    uint64_t seq)
{
	return e->n && (e->heap[0].cycle < cycle ||
			(e->heap[0].cycle == cycle && e->heap[0].seq < seq));
}
/* May the clock move to t now, with nothing else happening first?  Only
 * strictly before the next queued event (one due at t was queued earlier
 * and runs first) and not past the horizon. */
static inline bool sm_engine_may_advance(const struct sm_engine *e, uint64_t t)
{
	return t <= e->horizon && t < sm_engine_next(e);
}

#endif
