/* SPDX-License-Identifier: MIT */
/*
 * Fibers: stackful coroutines, so that a kernel operation of the model can
 * stop in the middle (waiting for a cycle, a lock, a CMD_SYNC) and resume
 * later while other agents run in between, and still read like the Linux
 * code it models (docs/design/timed-kernel.md, section 1).
 *
 * A fiber runs only when someone calls sm_fiber_run() and runs until it
 * yields or returns: there are no host threads and nothing preemptive, so
 * a run is as deterministic as the code that decides when to switch.
 * Stacks come from the injected allocator, so they count against
 * sim.max_host_memory.
 */
#ifndef SM_ENGINE_FIBER_H
#define SM_ENGINE_FIBER_H

#include <stddef.h>

#include <smmusim/alloc.h>

#include "base/errbuf.h"

struct sm_fiber;
typedef int (*sm_fiber_fn)(void *arg);

/* A fiber with a stack of `stack` bytes (rounded up to 16); not started. */
int sm_fiber_new(struct sm_fiber **f, const struct smmusim_allocator *a,
		 size_t stack, struct sm_errbuf *eb);
/* Free a fiber that has returned, or one suspended in a yield: its stack
 * is dropped, never unwound (whatever it held must be owned elsewhere). */
void sm_fiber_free(struct sm_fiber *f);
/* Start fn(arg) on f, or resume f where it yielded (fn and arg are then
 * ignored).  1: it yielded; 0: fn returned (its return code in *rc);
 * SM_FIBER_OVERFLOW: either, but the stack canary is broken (as
 * sm_fiber_stack_ok; host time: checked here, not by another call). */
#define SM_FIBER_OVERFLOW (-1)
int sm_fiber_run(struct sm_fiber *f, sm_fiber_fn fn, void *arg, int *rc);
/* From inside f: back to the sm_fiber_run() that entered it. */
void sm_fiber_yield(struct sm_fiber *f);
/* True while f has started and not returned (it is suspended in a yield
 * when nobody is running it). */
int sm_fiber_suspended(const struct sm_fiber *f);
/* True when the stack canary at f's far end is intact (checked at each
 * switch by the caller that cares: an overflow would corrupt the heap). */
int sm_fiber_stack_ok(const struct sm_fiber *f);

#endif
