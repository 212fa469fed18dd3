/* SPDX-License-Identifier: MIT */
/*
 * Tests for the oracle's use-after-free check (issue 10, increment 2 of
 * docs/design/timed-kernel.md): the kernel model reports every page it
 * frees (sm_oracle_page_freed); a page freed while an invalidation window
 * over its address is open is a use-after-free, reported at the free, and
 * a cached access reaching it is a stale-translation even inside the
 * window.  Then the bug switch policy.mm.free_before_secondary_flush end to
 * end, on traces/scenarios/free-before-flush.trace: it must keep mattering.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <smmusim/error.h>
#include <smmusim/hooks.h>
#include <smmusim/smmusim.h>

#include "helpers.h"

#include "base/alloc.h"
#include "check/oracle.h"
#include "engine/stats.h"
#include "hw/mem/observe.h"
#include "hw/mem/pgtable.h"
#include "hw/mem/physmem.h"

#define RAM_BASE 0x40000000ull
#define RAM_SIZE (16ull << 20)
#define VA 0x400000ull
#define WIN_END (VA + 4 * SM_PAGE_SIZE)

struct fx {
	struct sm_stats *st;
	struct sm_physmem *pm;
	struct sm_errbuf eb;
	struct sm_oracle o;
	uint64_t root, pa, pa_new;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	assert_int_equal(sm_stats_new(&f->st, NULL), 0);
	assert_int_equal(
	    sm_physmem_new(&f->pm, NULL, RAM_BASE, RAM_SIZE, &f->eb), 0);
	assert_int_equal(sm_oracle_init(&f->o, sm_default_allocator(), f->pm,
					true, 4, f->st),
			 0);
	assert_int_equal(sm_pgt_new_root(f->pm, &f->root, &f->eb), 0);
	/* VA's page was mapped to pa; its PTE is cleared already (the
	 * table maps nothing), pa_new is another page. */
	f->pa = page_alloc(f->pm, SM_PAGE_DATA);
	f->pa_new = page_alloc(f->pm, SM_PAGE_DATA);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	sm_oracle_fini(&f->o);
	sm_physmem_free(f->pm);
	sm_stats_free(f->st);
	free(f);
	return 0;
}

static uint64_t n_uaf(const struct fx *f)
{
	return counter(f->st, "check.violations.use-after-free");
}

static uint64_t n_stale_tr(const struct fx *f)
{
	return counter(f->st, "check.violations.stale-translation");
}

/* A device read of VA served by the IOTLB from an entry VA -> pa. */
static void dev_read(struct fx *f, uint64_t pa)
{
	struct sm_xlate_report r = {
	    .agent_kind = SMMUSIM_AGENT_DEVICE,
	    .sid = 0x10,
	    .ssid = 1,
	    .cache = "smmu.iotlb",
	    .tag = 77,
	    .cycle = 500,
	    .root = f->root,
	    .va = VA + 0x20,
	    .outcome = SM_XLATE_OK,
	    .from_cache = true,
	    .entry_va = VA,
	    .entry_pa = pa,
	    .entry_size = SM_PAGE_SIZE,
	    .entry_perm = SMMUSIM_PROT_R,
	};
	sm_oracle_observe(&f->o, &r);
}

/* A free after the window closed (Linux's order), or of a page whose
 * mapping is not known: nothing. */
static void test_free_after_flush_is_clean(void **state)
{
	struct fx *f = *state;
	sm_oracle_page_freed(&f->o, f->root, VA, f->pa, 10);
	sm_oracle_window_open(&f->o, f->root, VA, WIN_END, 20);
	sm_oracle_window_close(&f->o, f->root, VA, WIN_END, 30);
	sm_oracle_page_freed(&f->o, f->root, VA, f->pa, 40);
	sm_oracle_window_open(&f->o, f->root, VA, WIN_END, 50);
	sm_oracle_page_freed(&f->o, 0, 0, f->pa, 60);		  /* root 0 */
	sm_oracle_page_freed(&f->o, f->root, WIN_END, f->pa, 60); /* outside */
	assert_int_equal(n_uaf(f), 0);
	assert_int_equal(f->o.total, 0);
}

/* A free inside the window: reported at the free, on the line of the
 * operation the simulator dispatched. */
static void test_free_inside_window_reported(void **state)
{
	struct fx *f = *state;
	sm_oracle_set_op_line(&f->o, 39);
	sm_oracle_window_open(&f->o, f->root, VA, WIN_END, 20);
	sm_oracle_page_freed(&f->o, f->root, VA + SM_PAGE_SIZE + 8, f->pa, 25);
	assert_int_equal(n_uaf(f), 1);
	assert_int_equal(f->o.total, 1);
	assert_int_equal(f->o.nkept, 1);
	const struct smmusim_violation *v = &f->o.kept[0];
	assert_int_equal(v->kind, SMMUSIM_VIOLATION_USE_AFTER_FREE);
	assert_string_equal(smmusim_violation_name(v->kind), "use-after-free");
	assert_int_equal(v->line, 39);
	assert_int_equal(v->cycle, 25);
	assert_string_equal(v->agent, "kernel");
	assert_int_equal(v->va, VA + SM_PAGE_SIZE);
	assert_int_equal(v->entry_pa, f->pa);
	assert_string_equal(v->cache, "");
	assert_false(v->truth_valid);
	/* No other kind counted. */
	assert_int_equal(n_stale_tr(f), 0);
	assert_int_equal(counter(f->st, "check.translations_checked"), 0);
}

/* A cached access reaching the freed page is not tolerated inside the
 * window; an access through another stale entry still is. */
static void test_access_to_freed_page_not_tolerated(void **state)
{
	struct fx *f = *state;
	sm_oracle_window_open(&f->o, f->root, VA, WIN_END, 20);
	dev_read(f, f->pa); /* before the free: tolerated */
	assert_int_equal(counter(f->st, "check.tolerated_in_window"), 1);
	assert_int_equal(n_stale_tr(f), 0);

	sm_oracle_page_freed(&f->o, f->root, VA, f->pa, 25);
	dev_read(f, f->pa);
	assert_int_equal(n_stale_tr(f), 1);
	assert_int_equal(counter(f->st, "check.tolerated_in_window"), 1);
	const struct smmusim_violation *v = &f->o.kept[1];
	assert_int_equal(v->kind, SMMUSIM_VIOLATION_STALE_TRANSLATION);
	assert_int_equal(v->line, 77);
	assert_int_equal(v->entry_pa, f->pa);
	dev_read(f, f->pa_new); /* not freed: tolerated */
	assert_int_equal(counter(f->st, "check.tolerated_in_window"), 2);
	assert_int_equal(n_stale_tr(f), 1);
}

/* Once the window has closed and no access can come from before its
 * close, its freed pages are forgotten: the frame, reused and unmapped
 * again in order, is tolerated in its new window.  Until then an access
 * from inside the closed window that reaches the freed page is stale. */
static void test_window_close_forgets_freed(void **state)
{
	struct fx *f = *state;
	sm_oracle_window_open(&f->o, f->root, VA, WIN_END, 20);
	sm_oracle_page_freed(&f->o, f->root, VA, f->pa, 25);
	sm_oracle_window_close(&f->o, f->root, VA, WIN_END, 600);
	dev_read(f, f->pa); /* at 500: inside the closed window, freed */
	assert_int_equal(n_stale_tr(f), 1);
	assert_int_equal(f->o.nfreed, 1);
	sm_oracle_advance(&f->o, 599);
	assert_int_equal(f->o.nfreed, 1);
	sm_oracle_advance(&f->o, 600);
	assert_int_equal(f->o.nfreed, 0);
	assert_int_equal(f->o.nwin, 0);
	sm_oracle_window_open(&f->o, f->root, VA, WIN_END, 40);
	dev_read(f, f->pa);
	assert_int_equal(counter(f->st, "check.tolerated_in_window"), 1);
	assert_int_equal(n_stale_tr(f), 1);
	assert_int_equal(n_uaf(f), 1);
}

static void test_disabled_oracle_reports_no_free(void **state)
{
	struct fx *f = *state;
	f->o.enabled = false;
	sm_oracle_window_open(&f->o, f->root, VA, WIN_END, 20);
	sm_oracle_page_freed(&f->o, f->root, VA, f->pa, 25);
	assert_int_equal(n_uaf(f), 0);
	assert_int_equal(f->o.nfreed, 0);
}

/* ---- the bug switch, end to end ---- */

static char trace_path[512];

static smmusim_t *replay(const char *policy, bool bug)
{
	const char *dir = getenv("SMMUSIM_TRACES");
	char preset[64];
	const char *sets[] = {
	    "dev.fault_mode=stall",
	    bug ? "policy.mm.free_before_secondary_flush=on" : NULL, NULL};
	snprintf(trace_path, sizeof(trace_path),
		 "%s/scenarios/free-before-flush.trace", dir ? dir : "traces");
	snprintf(preset, sizeof(preset), "policy=%s", policy);
	smmusim_t *sim = sim_new(preset, sets);
	int rc = smmusim_replay_file(sim, trace_path);
	if (rc)
		fail_msg("%s", smmusim_last_error(sim));
	return sim;
}

static void test_switch_matters(void **state)
{
	(void)state;
	const char *pol[] = {"linux-6.1", "linux-6.5", "linux-6.6",
			     "linux-6.12"};
	for (size_t i = 0; i < ARRAY_LEN(pol); i++) {
		smmusim_t *sim = replay(pol[i], false);
		assert_int_equal(smmusim_violation_total(sim), 0);
		assert_int_equal(sim_stat(sim, "os.pages.freed"), 6);
		smmusim_free(sim);

		sim = replay(pol[i], true);
		assert_int_equal(smmusim_violation_total(sim), 4);
		assert_int_equal(
		    sim_stat(sim, "check.violations.use-after-free"), 4);
		assert_int_equal(sim_stat(sim, "os.pages.freed"), 6);
		for (size_t k = 0; k < 4; k++) {
			const struct smmusim_violation *v =
			    smmusim_violation_at(sim, k);
			assert_int_equal(v->kind,
					 SMMUSIM_VIOLATION_USE_AFTER_FREE);
			assert_int_equal(v->line, 39); /* the munmap */
			assert_int_equal(v->va, VA + k * SM_PAGE_SIZE);
			assert_string_equal(v->agent, "kernel");
		}
		smmusim_free(sim);
	}
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_free_after_flush_is_clean),
	    T(test_free_inside_window_reported),
	    T(test_access_to_freed_page_not_tolerated),
	    T(test_window_close_forgets_freed),
	    T(test_disabled_oracle_reports_no_free),
	    cmocka_unit_test(test_switch_matters),
	};
#undef T
	return cmocka_run_group_tests_name("use_after_free", tests, NULL, NULL);
}
