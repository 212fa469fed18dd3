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

int sm_engine_at(struct sm_engine *e, uint64_t cycle, sm_event_fn fn, void *ctx,
		 uint64_t arg)
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
	struct sm_event_slot s = {cycle, e->seq++, fn, ctx, arg};
	size_t i = e->n++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!before(&s, &e->heap[parent]))
			break;
		e->heap[i] = e->heap[parent];
		i = parent;
	}
	e->heap[i] = s;
	return 0;
}

static struct sm_event_slot pop(struct sm_engine *e)
{
	struct sm_event_slot top = e->heap[0];
	struct sm_event_slot last = e->heap[--e->n];
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		const struct sm_event_slot *best = &last;
		if (l < e->n && before(&e->heap[l], best)) {
			m = l;
			best = &e->heap[l];
		}
		if (r < e->n && before(&e->heap[r], best))
			m = r;
		if (m == i)
			break;
		e->heap[i] = e->heap[m];
		i = m;
	}
	if (e->n)
		e->heap[i] = last;
	return top;
}

int sm_engine_step(struct sm_engine *e)
{
	if (!e->n)
		return 0;
	struct sm_event_slot s = pop(e);
	e->now = s.cycle;
	e->executed++;
	int rc = s.fn(s.ctx, s.arg);
	return rc < 0 ? rc : 1;
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
