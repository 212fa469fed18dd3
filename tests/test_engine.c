/* SPDX-License-Identifier: MIT */
/* Tests for the discrete-event engine (src/engine/engine.c): the clock and
 * the event heap, in cycle order with ties in scheduling order. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <smmusim/error.h>

#include "helpers.h"

#include "base/alloc.h"
#include "engine/engine.h"
#include "base/rng.h"

/* Internal modules take a real allocator (no NULL default). */
#define ALLOC sm_default_allocator()

/* ---- a log of executed events ---- */

struct rec {
	uint64_t cycle; /* engine clock when the callback ran */
	uint64_t arg;
};

struct log {
	struct sm_engine *e;
	struct rec *r;
	size_t n, cap;
	/* optional behaviour, keyed by arg */
	uint64_t fail_arg; /* callback with this arg returns fail_rc */
	int fail_rc;
};

static void log_init(struct log *l, struct sm_engine *e, size_t cap)
{
	memset(l, 0, sizeof(*l));
	l->e = e;
	l->cap = cap;
	l->r = calloc(cap, sizeof(*l->r));
	assert_non_null(l->r);
	l->fail_arg = UINT64_MAX;
}

static void log_fini(struct log *l)
{
	free(l->r);
}

static int record(void *ctx, uint64_t arg)
{
	struct log *l = ctx;
	assert_true(l->n < l->cap);
	l->r[l->n].cycle = l->e->now;
	l->r[l->n].arg = arg;
	l->n++;
	if (arg == l->fail_arg)
		return l->fail_rc;
	return 0;
}

/* ---- ordering ---- */

static void test_order_by_cycle_then_sequence(void **state)
{
	(void)state;
	struct sm_engine e;
	struct log l;
	sm_engine_init(&e, ALLOC);
	log_init(&l, &e, 16);

	/* (cycle, arg): args give the expected order among ties. */
	static const uint64_t cyc[] = {30, 10, 20, 10, 20, 10, 0, 30};
	for (uint64_t i = 0; i < sizeof(cyc) / sizeof(cyc[0]); i++)
		assert_int_equal(sm_engine_at(&e, cyc[i], record, &l, i), 0);
	assert_false(sm_engine_empty(&e));
	assert_int_equal(sm_engine_next(&e), 0);

	assert_int_equal(sm_engine_run_until(&e, 100), 0);
	static const uint64_t want_arg[] = {6, 1, 3, 5, 2, 4, 0, 7};
	static const uint64_t want_cyc[] = {0, 10, 10, 10, 20, 20, 30, 30};
	assert_int_equal(l.n, 8);
	for (size_t i = 0; i < 8; i++) {
		assert_int_equal(l.r[i].arg, want_arg[i]);
		assert_int_equal(l.r[i].cycle, want_cyc[i]);
	}
	assert_true(sm_engine_empty(&e));
	assert_int_equal(sm_engine_next(&e), UINT64_MAX);
	assert_int_equal(e.executed, 8);
	assert_int_equal(e.now, 100);

	log_fini(&l);
	sm_engine_fini(&e);
}

static void test_run_until_stops_at_cycle(void **state)
{
	(void)state;
	struct sm_engine e;
	struct log l;
	sm_engine_init(&e, ALLOC);
	log_init(&l, &e, 8);

	assert_int_equal(sm_engine_at(&e, 5, record, &l, 0), 0);
	assert_int_equal(sm_engine_at(&e, 10, record, &l, 1), 0);
	assert_int_equal(sm_engine_at(&e, 11, record, &l, 2), 0);

	/* Events due exactly at the bound run; later ones do not. */
	assert_int_equal(sm_engine_run_until(&e, 10), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(e.now, 10);
	assert_int_equal(sm_engine_next(&e), 11);

	assert_int_equal(sm_engine_run_until(&e, 11), 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.r[2].arg, 2);
	assert_true(sm_engine_empty(&e));

	log_fini(&l);
	sm_engine_fini(&e);
}

static void test_run_until_sets_now(void **state)
{
	(void)state;
	struct sm_engine e;
	sm_engine_init(&e, ALLOC);
	assert_int_equal(e.now, 0);

	/* Empty queue: the clock still advances to the bound. */
	assert_int_equal(sm_engine_run_until(&e, 42), 0);
	assert_int_equal(e.now, 42);
	/* The clock never goes backwards. */
	assert_int_equal(sm_engine_run_until(&e, 7), 0);
	assert_int_equal(e.now, 42);
	assert_int_equal(sm_engine_run_until(&e, 42), 0);
	assert_int_equal(e.now, 42);
	assert_int_equal(e.executed, 0);

	sm_engine_fini(&e);
}

/* A callback that schedules more work: arg 100 schedules two events at the
 * current cycle (args 101, 102) and one a cycle later (103). */
static int spawner(void *ctx, uint64_t arg)
{
	struct log *l = ctx;
	int rc = record(ctx, arg);
	if (arg == 100) {
		uint64_t now = l->e->now;
		assert_int_equal(sm_engine_at(l->e, now, record, l, 101), 0);
		assert_int_equal(sm_engine_at(l->e, now, spawner, l, 102), 0);
		assert_int_equal(sm_engine_at(l->e, now + 1, record, l, 103),
				 0);
	} else if (arg == 102) {
		/* A second generation at the same cycle. */
		assert_int_equal(sm_engine_at(l->e, l->e->now, record, l, 104),
				 0);
	}
	return rc;
}

static void test_schedule_from_callback_same_cycle(void **state)
{
	(void)state;
	struct sm_engine e;
	struct log l;
	sm_engine_init(&e, ALLOC);
	log_init(&l, &e, 16);

	assert_int_equal(sm_engine_at(&e, 5, spawner, &l, 100), 0);
	/* Already queued at cycle 5: runs before anything the spawner adds,
	 * because it was scheduled first. */
	assert_int_equal(sm_engine_at(&e, 5, record, &l, 1), 0);

	assert_int_equal(sm_engine_run_until(&e, 5), 0);
	static const uint64_t want[] = {100, 1, 101, 102, 104};
	assert_int_equal(l.n, 5);
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(l.r[i].arg, want[i]);
		assert_int_equal(l.r[i].cycle, 5);
	}
	/* The one at now + 1 is still pending. */
	assert_int_equal(sm_engine_next(&e), 6);
	assert_int_equal(e.now, 5);

	assert_int_equal(sm_engine_run_until(&e, 6), 0);
	assert_int_equal(l.n, 6);
	assert_int_equal(l.r[5].arg, 103);
	assert_int_equal(l.r[5].cycle, 6);

	log_fini(&l);
	sm_engine_fini(&e);
}

static int schedule_in_past(void *ctx, uint64_t arg)
{
	struct sm_engine *e = ctx;
	(void)arg;
	assert_int_equal(sm_engine_at(e, e->now - 1, schedule_in_past, e, 0),
			 SMMUSIM_EINVAL);
	return 0;
}

static void test_at_in_past_is_einval(void **state)
{
	(void)state;
	struct sm_engine e;
	struct log l;
	sm_engine_init(&e, ALLOC);
	log_init(&l, &e, 4);

	assert_int_equal(sm_engine_run_until(&e, 100), 0);
	assert_int_equal(sm_engine_at(&e, 99, record, &l, 0), SMMUSIM_EINVAL);
	assert_int_equal(sm_engine_at(&e, 0, record, &l, 0), SMMUSIM_EINVAL);
	assert_true(sm_engine_empty(&e));
	/* The current cycle itself is allowed. */
	assert_int_equal(sm_engine_at(&e, 100, record, &l, 1), 0);
	/* A NULL callback is rejected. */
	assert_int_equal(sm_engine_at(&e, 200, NULL, &l, 0), SMMUSIM_EINVAL);
	/* Past the engine's cycle limit (2^63): refused, never wrapped. */
	assert_int_equal(
	    sm_engine_at(&e, SM_ENGINE_CYCLE_LIMIT + 1, record, &l, 0),
	    SMMUSIM_ERANGE);
	assert_int_equal(sm_engine_at(&e, UINT64_MAX, record, &l, 0),
			 SMMUSIM_ERANGE);
	/* From inside a callback, too. */
	assert_int_equal(sm_engine_at(&e, 150, schedule_in_past, &e, 0), 0);

	assert_int_equal(sm_engine_run_until(&e, 1000), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.r[0].cycle, 100);
	assert_int_equal(e.executed, 2);
	assert_true(sm_engine_empty(&e));

	log_fini(&l);
	sm_engine_fini(&e);
}

static void test_callback_error_stops_run(void **state)
{
	(void)state;
	struct sm_engine e;
	struct log l;
	sm_engine_init(&e, ALLOC);
	log_init(&l, &e, 8);
	l.fail_arg = 2;
	l.fail_rc = SMMUSIM_EINTERNAL;

	assert_int_equal(sm_engine_at(&e, 10, record, &l, 1), 0);
	assert_int_equal(sm_engine_at(&e, 20, record, &l, 2), 0);
	assert_int_equal(sm_engine_at(&e, 20, record, &l, 3), 0);
	assert_int_equal(sm_engine_at(&e, 30, record, &l, 4), 0);

	assert_int_equal(sm_engine_run_until(&e, 100), SMMUSIM_EINTERNAL);
	/* Ran up to and including the failing event, nothing after it. */
	assert_int_equal(l.n, 2);
	assert_int_equal(l.r[1].arg, 2);
	assert_int_equal(e.now, 20);
	assert_int_equal(sm_engine_next(&e), 20);

	/* The rest is still queued and runs on the next call. */
	l.fail_arg = UINT64_MAX;
	assert_int_equal(sm_engine_run_until(&e, 100), 0);
	assert_int_equal(l.n, 4);
	assert_int_equal(l.r[2].arg, 3);
	assert_int_equal(l.r[3].arg, 4);
	assert_int_equal(e.now, 100);

	log_fini(&l);
	sm_engine_fini(&e);
}

static void test_step(void **state)
{
	(void)state;
	struct sm_engine e;
	struct log l;
	sm_engine_init(&e, ALLOC);
	log_init(&l, &e, 4);
	l.fail_arg = 9;
	l.fail_rc = SMMUSIM_ESTATE;

	assert_int_equal(sm_engine_step(&e), 0);
	assert_int_equal(sm_engine_at(&e, 7, record, &l, 1), 0);
	assert_int_equal(sm_engine_at(&e, 3, record, &l, 9), 0);

	/* Errors come back from step too; the clock moved to the event. */
	assert_int_equal(sm_engine_step(&e), SMMUSIM_ESTATE);
	assert_int_equal(e.now, 3);
	assert_int_equal(sm_engine_step(&e), 1);
	assert_int_equal(e.now, 7);
	assert_int_equal(sm_engine_step(&e), 0);
	assert_int_equal(e.now, 7);
	assert_int_equal(e.executed, 2);

	log_fini(&l);
	sm_engine_fini(&e);
}

/* ---- errors carry a message (issue 8) ---- */

static void test_errors_have_messages(void **state)
{
	(void)state;
	struct sm_engine e;
	struct sm_errbuf eb = {{0}};
	struct counting cnt;
	struct log l;
	struct smmusim_allocator ca = counting_allocator(&cnt);
	sm_engine_init(&e, &ca);
	e.eb = &eb;
	log_init(&l, &e, 4);
	assert_int_equal(sm_engine_run_until(&e, 50), 0);
	assert_int_equal(sm_engine_at(&e, 10, record, &l, 0), SMMUSIM_EINVAL);
	assert_string_equal(eb.msg, "engine: event scheduled at cycle 10, in "
				    "the past (now 50)");
	assert_int_equal(sm_engine_at(&e, 60, NULL, &l, 0), SMMUSIM_EINVAL);
	assert_non_null(strstr(eb.msg, "callback"));
	cnt.fail_after = 0;
	assert_int_equal(sm_engine_at(&e, 60, record, &l, 0), SMMUSIM_ENOMEM);
	assert_non_null(strstr(eb.msg, "out of memory"));
	cnt.fail_after = -1;
	/* Without a buffer the codes are the same. */
	e.eb = NULL;
	assert_int_equal(sm_engine_at(&e, 10, record, &l, 0), SMMUSIM_EINVAL);
	log_fini(&l);
	sm_engine_fini(&e);
}

/* ---- heap growth, random order ---- */

static void test_many_events_random_order(void **state)
{
	(void)state;
	enum { N = 5000 };
	struct sm_engine e;
	struct log l;
	struct sm_rng rng;
	uint64_t *cyc = calloc(N, sizeof(*cyc));
	assert_non_null(cyc);

	struct counting cnt;
	struct smmusim_allocator ca = counting_allocator(&cnt);
	sm_engine_init(&e, &ca);
	log_init(&l, &e, N);
	sm_rng_seed(&rng, 12345);

	/* Few distinct cycles, so plenty of ties. */
	for (uint64_t i = 0; i < N; i++) {
		cyc[i] = sm_rng_below(&rng, 700);
		assert_int_equal(sm_engine_at(&e, cyc[i], record, &l, i), 0);
	}
	assert_true(e.cap >= N);
	assert_int_equal(e.n, N);
	/* The heap grew several times, through the caller's allocator. */
	assert_true(cnt.reallocs >= 5);
	assert_true(cnt.bytes >= (long long)(N * sizeof(struct sm_event_slot)));

	assert_int_equal(sm_engine_run_until(&e, UINT64_MAX - 1), 0);
	assert_int_equal(l.n, N);
	assert_int_equal(e.executed, N);
	for (size_t i = 0; i < N; i++) {
		/* Each ran at its own cycle... */
		assert_int_equal(l.r[i].cycle, cyc[l.r[i].arg]);
		if (i == 0)
			continue;
		/* ...sorted by cycle, ties in scheduling order. */
		assert_true(l.r[i - 1].cycle <= l.r[i].cycle);
		if (l.r[i - 1].cycle == l.r[i].cycle)
			assert_true(l.r[i - 1].arg < l.r[i].arg);
	}
	/* Every event ran exactly once. */
	unsigned char *seen = calloc(N, 1);
	assert_non_null(seen);
	for (size_t i = 0; i < N; i++) {
		assert_int_equal(seen[l.r[i].arg], 0);
		seen[l.r[i].arg] = 1;
	}
	free(seen);

	free(cyc);
	log_fini(&l);
	sm_engine_fini(&e);
	assert_int_equal(cnt.bytes, 0);
	assert_null(e.heap);
}

/* Interleaved pushes and pops: each event schedules up to two more at a
 * random later cycle; the clock as seen by callbacks never goes back. */
struct chain {
	struct sm_engine *e;
	struct sm_rng rng;
	uint64_t last;
	unsigned ran, budget;
	bool monotonic;
};

static int chain_fn(void *ctx, uint64_t arg)
{
	struct chain *c = ctx;
	(void)arg;
	if (c->e->now < c->last)
		c->monotonic = false;
	c->last = c->e->now;
	c->ran++;
	for (int k = 0; k < 2 && c->budget; k++) {
		if (sm_rng_below(&c->rng, 3) == 0)
			continue;
		c->budget--;
		int rc =
		    sm_engine_at(c->e, c->e->now + sm_rng_below(&c->rng, 50),
				 chain_fn, c, 0);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static void test_interleaved_push_pop(void **state)
{
	(void)state;
	struct sm_engine e;
	struct chain c = {.e = &e, .monotonic = true, .budget = 20000};
	sm_engine_init(&e, ALLOC);
	sm_rng_seed(&c.rng, 99);
	for (int i = 0; i < 64; i++)
		assert_int_equal(
		    sm_engine_at(&e, sm_rng_below(&c.rng, 10), chain_fn, &c, 0),
		    0);
	unsigned scheduled = 64;
	assert_int_equal(sm_engine_run_until(&e, UINT64_MAX - 1), 0);
	scheduled += 20000 - c.budget;
	assert_true(c.monotonic);
	assert_int_equal(c.ran, scheduled);
	assert_int_equal(e.executed, scheduled);
	assert_true(sm_engine_empty(&e));
	sm_engine_fini(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_order_by_cycle_then_sequence),
	    cmocka_unit_test(test_run_until_stops_at_cycle),
	    cmocka_unit_test(test_run_until_sets_now),
	    cmocka_unit_test(test_schedule_from_callback_same_cycle),
	    cmocka_unit_test(test_at_in_past_is_einval),
	    cmocka_unit_test(test_callback_error_stops_run),
	    cmocka_unit_test(test_step),
	    cmocka_unit_test(test_many_events_random_order),
	    cmocka_unit_test(test_interleaved_push_pop),
	    cmocka_unit_test(test_errors_have_messages),
	};
	return cmocka_run_group_tests_name("engine", tests, NULL, NULL);
}
