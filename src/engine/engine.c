/* SPDX-License-Identifier: MIT */
/*
 * The clock and its event heap (see engine.h for the ordering rule).
 */
#include "engine/engine.h"

#include <inttypes.h>
#include <stdarg.h>

#include <smmusim/error.h>

#include "base/alloc.h"
#include "base/vec.h"

void sm_engine_init(struct sm_engine *e, const struct smmusim_allocator *a)
{
	*e = (struct sm_engine){.alloc = a, .horizon = UINT64_MAX};
}

void sm_engine_fini(struct sm_engine *e)
{
	sm_free(e->alloc, e->heap, e->cap * sizeof(*e->heap));
	e->heap = NULL;
	e->n = e->cap = 0;
}

/* The code, with a message in the owner's buffer when it has one. */
__attribute__((format(printf, 3, 4))) static int
engine_err(struct sm_engine *e, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sm_verr(e->eb, code, fmt, ap);
	va_end(ap);
	return code;
}

static bool before(const struct sm_event_slot *a, const struct sm_event_slot *b)
{
	return a->cycle < b->cycle || (a->cycle == b->cycle && a->seq < b->seq);
}

/* sm_engine_at when it refuses or the queue grows (out of line: the
 * common case makes no call). */
int sm_engine_at_slow(struct sm_engine *e, uint64_t cycle, sm_event_fn fn,
		      void *ctx, uint64_t arg)
{
	if (!fn)
		return engine_err(e, SMMUSIM_EINVAL,
				  "engine: event without a callback");
	if (cycle < e->now)
		return engine_err(e, SMMUSIM_EINVAL,
				  "engine: event scheduled at cycle %" PRIu64
				  ", in the past (now %" PRIu64 ")",
				  cycle, e->now);
	if (cycle > SM_ENGINE_CYCLE_LIMIT)
		return engine_err(e, SMMUSIM_ERANGE,
				  "engine: event scheduled at cycle %" PRIu64
				  ", past the last cycle the clock may reach "
				  "(%" PRIu64 ")",
				  cycle, SM_ENGINE_CYCLE_LIMIT);
	if (SM_VEC_RESERVE(e->alloc, e->heap, e->cap, e->n + 1, 64))
		return engine_err(e, SMMUSIM_ENOMEM,
				  "engine: out of memory growing the event "
				  "queue beyond %zu events",
				  e->n);
	sm_engine_push(e, cycle, fn, ctx, arg);
	return 0;
}

/* The rest of sm_engine_step's removal of heap[0] (engine.h). */
void sm_engine_sift(struct sm_engine *e)
{
	struct sm_event_slot *h = e->heap;
	size_t n = e->n;
	const struct sm_event_slot *last = &h[n];
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		const struct sm_event_slot *best = last;
		if (l < n && before(&h[l], best)) {
			m = l;
			best = &h[l];
		}
		if (r < n && before(&h[r], best))
			m = r;
		if (m == i)
			break;
		h[i] = h[m];
		i = m;
	}
	h[i] = *last;
}

int sm_engine_run_due(struct sm_engine *e, uint64_t cycle)
{
	while (e->n && e->heap[0].cycle <= cycle) {
		int rc = sm_engine_step(e);
		if (rc < 0)
			return rc;
	}
	if (cycle > e->now)
		e->now = cycle;
	return 0;
}
