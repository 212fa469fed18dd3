/* SPDX-License-Identifier: MIT */
/*
 * Tests for the coherence oracle (src/check/oracle.c), fed with synthetic
 * translation reports against a page table the test builds.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <smmusim/error.h>
#include <smmusim/event.h>
#include <smmusim/hooks.h>

#include "helpers.h"

#include "check/oracle.h"
#include "base/alloc.h"
#include "engine/stats.h"
#include "hw/mem/observe.h"
#include "hw/mem/pgtable.h"
#include "hw/mem/physmem.h"
#include "hw/mem/tcache.h"

#define RAM_BASE 0x40000000ull
#define RAM_SIZE (64ull << 20)
#define K 4 /* check.livelock_faults */

#define VA_RO 0x0000000000400000ull
#define VA_RW 0x0000000000401000ull
#define VA_NONE 0x0000000000402000ull /* never mapped */

#define R SMMUSIM_PROT_R
#define W SMMUSIM_PROT_W

struct hook_log {
	unsigned calls;
	struct smmusim_violation last;
};

struct fx {
	struct sm_stats *st;
	struct sm_physmem *pm;
	struct sm_errbuf eb;
	struct sm_oracle o;
	bool oracle_ok;
	uint64_t root, root2;
	uint64_t pa_ro, pa_rw, pa_other;
	struct hook_log log;
};

static struct fx *fx_new(bool enabled)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	assert_int_equal(sm_stats_new(&f->st, NULL), 0);
	assert_int_equal(
	    sm_physmem_new(&f->pm, NULL, RAM_BASE, RAM_SIZE, &f->eb), 0);
	assert_int_equal(sm_oracle_init(&f->o, sm_default_allocator(), f->pm,
					enabled, K, f->st),
			 0);
	f->oracle_ok = true;
	assert_int_equal(sm_pgt_new_root(f->pm, &f->root, &f->eb), 0);
	assert_int_equal(sm_pgt_new_root(f->pm, &f->root2, &f->eb), 0);
	f->pa_ro = page_alloc(f->pm, SM_PAGE_DATA);
	f->pa_rw = page_alloc(f->pm, SM_PAGE_DATA);
	f->pa_other = page_alloc(f->pm, SM_PAGE_DATA);
	assert_int_equal(sm_pgt_set(f->pm, f->root, VA_RO, 3,
				    mk_pte(f->pa_ro, false), NULL, &f->eb),
			 0);
	assert_int_equal(sm_pgt_set(f->pm, f->root, VA_RW, 3,
				    mk_pte(f->pa_rw, true), NULL, &f->eb),
			 0);
	return f;
}

static int setup(void **state)
{
	*state = fx_new(true);
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	if (f->oracle_ok)
		sm_oracle_fini(&f->o);
	sm_physmem_free(f->pm);
	sm_stats_free(f->st);
	free(f);
	return 0;
}

static uint64_t n_stale_tr(const struct fx *f)
{
	return counter(f->st, "check.violations.stale-translation");
}

static uint64_t n_stale_perm(const struct fx *f)
{
	return counter(f->st, "check.violations.stale-permission");
}

static uint64_t n_livelock(const struct fx *f)
{
	return counter(f->st, "check.violations.fault-livelock");
}

/* ---- reports ---- */

/* A device access (sid 0x10, ssid 1) served from the IOTLB by an entry
 * mapping va's page to entry_pa with entry_perm. */
static struct sm_xlate_report dev_hit(const struct fx *f, uint64_t va,
				      bool write, uint64_t entry_pa,
				      unsigned entry_perm)
{
	return (struct sm_xlate_report){
	    .agent_kind = SMMUSIM_AGENT_DEVICE,
	    .sid = 0x10,
	    .ssid = 1,
	    .cache = "smmu.iotlb",
	    .tag = 42,
	    .cycle = 1000,
	    .root = f->root,
	    .asid = 3,
	    .va = va,
	    .write = write,
	    .outcome = SM_XLATE_OK,
	    .from_cache = true,
	    .entry_va = va & SM_PAGE_MASK,
	    .entry_pa = entry_pa,
	    .entry_size = SM_PAGE_SIZE,
	    .entry_perm = entry_perm,
	};
}

/* A CPU access on PE 2. */
static struct sm_xlate_report cpu_hit(const struct fx *f, uint64_t va,
				      bool write, uint64_t entry_pa,
				      unsigned entry_perm)
{
	struct sm_xlate_report r = dev_hit(f, va, write, entry_pa, entry_perm);
	r.agent_kind = SMMUSIM_AGENT_CPU;
	r.cpu = 2;
	r.sid = r.ssid = 0;
	r.cache = "cpu2.tlb";
	return r;
}

/* A fault on (agent of r, va, write). */
static struct sm_xlate_report fault(struct sm_xlate_report r,
				    enum sm_xlate_outcome outcome)
{
	r.outcome = outcome;
	return r;
}

static void observe(struct fx *f, struct sm_xlate_report r)
{
	sm_oracle_observe(&f->o, &r);
}

static void hook(void *ctx, const struct smmusim_violation *v)
{
	struct hook_log *l = ctx;
	l->calls++;
	l->last = *v;
}

/* ============================== stale translation
 * ============================== */

static void test_stale_translation_reported_and_kept(void **state)
{
	struct fx *f = *state;
	/* Agreeing hit: nothing. */
	observe(f, dev_hit(f, VA_RO + 0x10, false, f->pa_ro, R));
	assert_int_equal(n_stale_tr(f), 0);
	assert_int_equal(counter(f->st, "check.translations_checked"), 1);
	assert_int_equal(f->o.nkept, 0);

	/* The entry points elsewhere than the table. */
	observe(f, dev_hit(f, VA_RO + 0x123, false, f->pa_other, R));
	assert_int_equal(n_stale_tr(f), 1);
	assert_int_equal(n_stale_perm(f), 0);
	assert_int_equal(f->o.total, 1);
	assert_int_equal(f->o.nkept, 1);
	const struct smmusim_violation *v = &f->o.kept[0];
	assert_int_equal(v->kind, SMMUSIM_VIOLATION_STALE_TRANSLATION);
	assert_string_equal(v->agent, "sid=0x10 ssid=1");
	assert_int_equal(v->agent_kind, SMMUSIM_AGENT_DEVICE);
	assert_int_equal(v->sid, 0x10);
	assert_int_equal(v->ssid, 1);
	assert_string_equal(v->cache, "smmu.iotlb");
	assert_int_equal(v->va, VA_RO);
	assert_int_equal(v->line, 42);
	assert_int_equal(v->cycle, 1000);
	assert_int_equal(v->asid, 3);
	assert_false(v->write);
	assert_int_equal(v->entry_pa, f->pa_other);
	assert_int_equal(v->entry_perm, R);
	assert_true(v->truth_valid);
	assert_int_equal(v->truth_pa, f->pa_ro);
	assert_int_equal(v->truth_perm, R);

	/* A page no longer mapped at all. */
	observe(f, cpu_hit(f, VA_NONE, true, f->pa_other, R | W));
	assert_int_equal(n_stale_tr(f), 2);
	assert_int_equal(f->o.nkept, 2);
	v = &f->o.kept[1];
	assert_string_equal(v->agent, "cpu2");
	assert_int_equal(v->agent_kind, SMMUSIM_AGENT_CPU);
	assert_int_equal(v->cpu, 2);
	assert_string_equal(v->cache, "cpu2.tlb");
	assert_int_equal(v->va, VA_NONE);
	assert_true(v->write);
	assert_false(v->truth_valid);
	assert_int_equal(v->truth_pa, 0);
}

static void test_block_entry_offset(void **state)
{
	struct fx *f = *state;
	/* A 2 MiB entry covering VA_RO whose pa, at VA_RO's offset, is the
	 * table's: no violation.  One page off: a violation whose entry_pa is
	 * the page the entry served. */
	uint64_t base_va = VA_RO & ~((2ull << 20) - 1);
	struct sm_xlate_report r = dev_hit(f, VA_RO + 8, false, 0, R);
	r.entry_va = base_va;
	r.entry_size = 2ull << 20;
	r.entry_pa = f->pa_ro - (VA_RO - base_va);
	observe(f, r);
	assert_int_equal(n_stale_tr(f), 0);
	r.entry_pa += SM_PAGE_SIZE;
	observe(f, r);
	assert_int_equal(n_stale_tr(f), 1);
	assert_int_equal(f->o.kept[0].entry_pa, f->pa_ro + SM_PAGE_SIZE);
	assert_int_equal(f->o.kept[0].va, VA_RO);
}

static void test_window_tolerates(void **state)
{
	struct fx *f = *state;
	/* A window over another root does not cover it. */
	sm_oracle_window_open(&f->o, f->root2, VA_RO, VA_RO + SM_PAGE_SIZE, 1);
	observe(f, dev_hit(f, VA_RO, false, f->pa_other, R));
	assert_int_equal(n_stale_tr(f), 1);
	/* Nor one over the next page of the same root. */
	sm_oracle_window_open(&f->o, f->root, VA_RO + SM_PAGE_SIZE,
			      VA_RO + 2 * SM_PAGE_SIZE, 1);
	observe(f, dev_hit(f, VA_RO, false, f->pa_other, R));
	assert_int_equal(n_stale_tr(f), 2);
	assert_int_equal(counter(f->st, "check.tolerated_in_window"), 0);

	sm_oracle_window_open(&f->o, f->root, VA_RO - SM_PAGE_SIZE,
			      VA_RO + SM_PAGE_SIZE, 2);
	observe(f, dev_hit(f, VA_RO + 0x40, false, f->pa_other, R));
	observe(f, cpu_hit(f, VA_RO, false, f->pa_other, R));
	assert_int_equal(counter(f->st, "check.tolerated_in_window"), 2);
	assert_int_equal(n_stale_tr(f), 2);
	assert_int_equal(f->o.total, 2);
	/* A stale permission inside the window is tolerated too. */
	observe(f, dev_hit(f, VA_RO, true, f->pa_ro, R | W));
	assert_int_equal(counter(f->st, "check.tolerated_in_window"), 3);
	assert_int_equal(n_stale_perm(f), 0);

	sm_oracle_window_close(&f->o, f->root, VA_RO - SM_PAGE_SIZE,
			       VA_RO + SM_PAGE_SIZE, 3);
	observe(f, dev_hit(f, VA_RO, false, f->pa_other, R));
	assert_int_equal(n_stale_tr(f), 3);
	assert_int_equal(counter(f->st, "check.tolerated_in_window"), 3);

	/* Closing a window that is not open changes nothing. */
	sm_oracle_window_close(&f->o, f->root, VA_RO, VA_RO + 7, 4);
	assert_int_equal(f->o.nwin, 3);
	/* The closed window is dropped once no access can come before its
	 * close. */
	sm_oracle_advance(&f->o, 3);
	assert_int_equal(f->o.nwin, 2);
}

/* A window closes at the cycle its flush was seen complete: an access
 * observed afterwards but issued at an earlier cycle is still inside it
 * (an `@N` device access between an unmap's PTE clear and its CMD_SYNC). */
static void test_window_closes_at_its_cycle(void **state)
{
	struct fx *f = *state;
	sm_oracle_window_open(&f->o, f->root, VA_RO, VA_RO + SM_PAGE_SIZE, 10);
	sm_oracle_window_close(&f->o, f->root, VA_RO, VA_RO + SM_PAGE_SIZE,
			       1001);
	observe(f, dev_hit(f, VA_RO, false, f->pa_other, R)); /* at 1000 */
	assert_int_equal(counter(f->st, "check.tolerated_in_window"), 1);
	assert_int_equal(f->o.total, 0);
	sm_oracle_advance(&f->o, 1000); /* not yet past the close */
	assert_int_equal(f->o.nwin, 1);
	sm_oracle_window_open(&f->o, f->root, VA_RO, VA_RO + SM_PAGE_SIZE, 10);
	sm_oracle_window_close(&f->o, f->root, VA_RO, VA_RO + SM_PAGE_SIZE,
			       1000);
	sm_oracle_advance(&f->o, 1001);
	assert_int_equal(f->o.nwin, 0);
	/* At its closing cycle the access is outside: a violation. */
	sm_oracle_window_open(&f->o, f->root, VA_RO, VA_RO + SM_PAGE_SIZE, 10);
	sm_oracle_window_close(&f->o, f->root, VA_RO, VA_RO + SM_PAGE_SIZE,
			       1000);
	observe(f, dev_hit(f, VA_RO, false, f->pa_other, R));
	assert_int_equal(n_stale_tr(f), 1);
	assert_int_equal(counter(f->st, "check.tolerated_in_window"), 1);
}

static void test_nested_windows(void **state)
{
	struct fx *f = *state;
	/* Two windows over the same page: closing one leaves the other. */
	sm_oracle_window_open(&f->o, f->root, VA_RO, VA_RO + SM_PAGE_SIZE, 1);
	sm_oracle_window_open(&f->o, f->root, 0, 1ull << 40, 2);
	sm_oracle_window_close(&f->o, f->root, VA_RO, VA_RO + SM_PAGE_SIZE, 3);
	observe(f, dev_hit(f, VA_RO, false, f->pa_other, R));
	assert_int_equal(n_stale_tr(f), 0);
	assert_int_equal(counter(f->st, "check.tolerated_in_window"), 1);
	sm_oracle_window_close(&f->o, f->root, 0, 1ull << 40, 4);
	observe(f, dev_hit(f, VA_RO, false, f->pa_other, R));
	assert_int_equal(n_stale_tr(f), 1);
}

/* A close marks exactly one open window of its range, whatever the order
 * of the closes and wherever the search for it starts (the close hint):
 * eight ranges with two windows each, closed in a shuffled order, a third
 * close of a range finding nothing. */
static void test_window_close_any_order(void **state)
{
	struct fx *f = *state;
	enum { RANGES = 8 };
	unsigned order[2 * RANGES], closed[RANGES] = {0};
	for (unsigned i = 0; i < 2 * RANGES; i++) {
		uint64_t va = VA_RO + (i % RANGES) * SM_PAGE_SIZE;
		sm_oracle_window_open(&f->o, f->root, va, va + SM_PAGE_SIZE, i);
		order[i] = (i * 7 + 3) % (2 * RANGES) % RANGES;
	}
	for (unsigned k = 0; k <= 2 * RANGES; k++) {
		unsigned r = k < 2 * RANGES ? order[k] : order[0];
		uint64_t va = VA_RO + r * SM_PAGE_SIZE;
		sm_oracle_window_close(&f->o, f->root, va, va + SM_PAGE_SIZE,
				       100 + k);
		if (closed[r] < 2)
			closed[r]++;
		size_t n = 0;
		for (unsigned q = 0; q < RANGES; q++) {
			unsigned c = 0;
			for (size_t i = 0; i < f->o.nwin; i++)
				c += f->o.win[i].start ==
					 VA_RO + q * SM_PAGE_SIZE &&
				     f->o.win[i].closes_at != UINT64_MAX;
			assert_int_equal(c, closed[q]);
			n += c;
		}
		assert_int_equal(f->o.nclosed, n);
	}
	sm_oracle_advance(&f->o, 1000);
	assert_int_equal(f->o.nwin, 0);
}

/* ============================== stale permission
 * ============================== */

static void test_stale_permission(void **state)
{
	struct fx *f = *state;
	/* RW entry, RO table, write: stale-permission. */
	observe(f, dev_hit(f, VA_RO, true, f->pa_ro, R | W));
	assert_int_equal(n_stale_perm(f), 1);
	assert_int_equal(n_stale_tr(f), 0);
	assert_int_equal(f->o.nkept, 1);
	const struct smmusim_violation *v = &f->o.kept[0];
	assert_int_equal(v->kind, SMMUSIM_VIOLATION_STALE_PERMISSION);
	assert_true(v->write);
	assert_int_equal(v->entry_perm, R | W);
	assert_int_equal(v->truth_perm, R);
	assert_int_equal(v->truth_pa, f->pa_ro);
	assert_int_equal(v->entry_pa, f->pa_ro);

	/* A read through the same entry is allowed by the table. */
	observe(f, dev_hit(f, VA_RO, false, f->pa_ro, R | W));
	assert_int_equal(n_stale_perm(f), 1);
	/* A write through an RW entry on an RW page: fine. */
	observe(f, cpu_hit(f, VA_RW, true, f->pa_rw, R | W));
	assert_int_equal(n_stale_perm(f), 1);
	assert_int_equal(f->o.total, 1);
}

static void test_walks_never_violate(void **state)
{
	struct fx *f = *state;
	struct sm_xlate_report r = dev_hit(f, VA_RO, true, f->pa_other, R | W);
	r.from_cache = false;
	r.cache = NULL;
	observe(f, r);
	r = dev_hit(f, VA_NONE, false, f->pa_other, R);
	r.from_cache = false;
	observe(f, r);
	/* A cached hit without a recorded root cannot be checked. */
	r = dev_hit(f, VA_RO, false, f->pa_other, R);
	r.root = 0;
	observe(f, r);
	assert_int_equal(f->o.total, 0);
	assert_int_equal(n_stale_tr(f) + n_stale_perm(f), 0);
	assert_int_equal(counter(f->st, "check.translations_checked"), 3);
}

/* ============================== fault livelock ==============================
 */

static void test_fault_livelock(void **state)
{
	struct fx *f = *state;
	struct sm_xlate_report w = fault(dev_hit(f, VA_RW, true, f->pa_rw, R),
					 SM_XLATE_FAULT_PERMISSION);

	for (int i = 0; i < K - 1; i++)
		observe(f, w);
	assert_int_equal(n_livelock(f), 0);
	observe(f, w);
	assert_int_equal(n_livelock(f), 1);
	assert_int_equal(f->o.nkept, 1);
	const struct smmusim_violation *v = &f->o.kept[0];
	assert_int_equal(v->kind, SMMUSIM_VIOLATION_FAULT_LIVELOCK);
	assert_int_equal(v->faults, K);
	assert_string_equal(v->agent, "sid=0x10 ssid=1");
	assert_int_equal(v->va, VA_RW);
	assert_true(v->write);
	assert_true(v->truth_valid);
	assert_int_equal(v->truth_perm, R | W);

	/* It goes on: reported once. */
	for (int i = 0; i < 3 * K; i++)
		observe(f, w);
	assert_int_equal(n_livelock(f), 1);

	/* A success resets the streak: K - 1 more are fine, the K-th is a
	 * new report. */
	struct sm_xlate_report ok = dev_hit(f, VA_RW, true, f->pa_rw, R | W);
	ok.from_cache = false;
	observe(f, ok);
	for (int i = 0; i < K - 1; i++)
		observe(f, w);
	assert_int_equal(n_livelock(f), 1);
	observe(f, w);
	assert_int_equal(n_livelock(f), 2);
	assert_int_equal(f->o.kept[1].faults, K);
	assert_int_equal(n_stale_tr(f) + n_stale_perm(f), 0);
}

static void test_fault_not_permitted_does_not_count(void **state)
{
	struct fx *f = *state;
	/* Writes to a read-only page and reads of an unmapped one: the
	 * kernel has a reason to refuse them. */
	struct sm_xlate_report w_ro = fault(
	    dev_hit(f, VA_RO, true, f->pa_ro, R), SM_XLATE_FAULT_PERMISSION);
	struct sm_xlate_report r_none =
	    fault(dev_hit(f, VA_NONE, false, 0, 0), SM_XLATE_FAULT_TRANSLATION);
	for (int i = 0; i < 4 * K; i++) {
		observe(f, w_ro);
		observe(f, r_none);
	}
	/* A fault without a root (a config fault) neither. */
	struct sm_xlate_report cfg =
	    fault(dev_hit(f, VA_RW, false, 0, 0), SM_XLATE_FAULT_CONFIG);
	cfg.root = 0;
	for (int i = 0; i < 4 * K; i++)
		observe(f, cfg);
	assert_int_equal(n_livelock(f), 0);
	assert_int_equal(f->o.total, 0);
}

static void test_fault_not_permitted_resets(void **state)
{
	struct fx *f = *state;
	struct sm_xlate_report w = fault(dev_hit(f, VA_RW, true, f->pa_rw, R),
					 SM_XLATE_FAULT_PERMISSION);
	for (int i = 0; i < K - 1; i++)
		observe(f, w);
	/* The page becomes read-only: a legitimate fault in between. */
	assert_int_equal(sm_pgt_set(f->pm, f->root, VA_RW, 3,
				    mk_pte(f->pa_rw, false), NULL, &f->eb),
			 0);
	observe(f, w);
	assert_int_equal(sm_pgt_set(f->pm, f->root, VA_RW, 3,
				    mk_pte(f->pa_rw, true), NULL, &f->eb),
			 0);
	for (int i = 0; i < K - 1; i++)
		observe(f, w);
	assert_int_equal(n_livelock(f), 0);
	observe(f, w);
	assert_int_equal(n_livelock(f), 1);
}

static void test_fault_streaks_are_separate(void **state)
{
	struct fx *f = *state;
	uint64_t va2 = VA_RW + 0x100000;
	assert_int_equal(sm_pgt_set(f->pm, f->root, va2, 3,
				    mk_pte(f->pa_other, true), NULL, &f->eb),
			 0);
	struct sm_xlate_report a =
	    fault(dev_hit(f, VA_RW, true, 0, 0), SM_XLATE_FAULT_PERMISSION);
	struct sm_xlate_report a_read = a;
	a_read.write = false;
	struct sm_xlate_report page2 = a;
	page2.va = va2;
	struct sm_xlate_report sid2 = a;
	sid2.sid = 0x11;
	struct sm_xlate_report ssid2 = a;
	ssid2.ssid = 2;
	struct sm_xlate_report cpu =
	    fault(cpu_hit(f, VA_RW, true, 0, 0), SM_XLATE_FAULT_PERMISSION);
	struct sm_xlate_report cpu3 = cpu;
	cpu3.cpu = 3;

	for (int i = 0; i < K - 1; i++) {
		observe(f, a);
		observe(f, a_read);
		observe(f, page2);
		observe(f, sid2);
		observe(f, ssid2);
		observe(f, cpu);
		observe(f, cpu3);
	}
	assert_int_equal(n_livelock(f), 0);
	/* Same page, other offset: same streak. */
	a.va += 0x80;
	observe(f, a);
	assert_int_equal(n_livelock(f), 1);
	assert_string_equal(f->o.kept[0].agent, "sid=0x10 ssid=1");
	observe(f, cpu3);
	assert_int_equal(n_livelock(f), 2);
	assert_string_equal(f->o.kept[1].agent, "cpu3");
	assert_int_equal(f->o.kept[1].faults, K);
}

static void test_many_streaks(void **state)
{
	struct fx *f = *state;
	/* More keys than the initial table holds (it grows), each with
	 * K - 1 faults: none reported, and each is still tracked. */
	struct sm_xlate_report w =
	    fault(dev_hit(f, VA_RW, true, 0, 0), SM_XLATE_FAULT_PERMISSION);
	for (uint32_t sid = 0; sid < 200; sid++) {
		w.sid = sid;
		for (int i = 0; i < K - 1; i++)
			observe(f, w);
	}
	assert_int_equal(n_livelock(f), 0);
	for (uint32_t sid = 0; sid < 200; sid++) {
		w.sid = sid;
		observe(f, w);
	}
	assert_int_equal(n_livelock(f), 200);
}

/* ============================== misc ============================== */

static void test_disabled_reports_nothing(void **state)
{
	struct fx *f = *state;
	sm_oracle_fini(&f->o);
	f->oracle_ok = false;
	assert_int_equal(sm_oracle_init(&f->o, sm_default_allocator(), f->pm,
					false, K, f->st),
			 0);
	f->oracle_ok = true;
	f->o.hook = hook;
	f->o.hook_ctx = &f->log;

	observe(f, dev_hit(f, VA_RO, false, f->pa_other, R));
	observe(f, dev_hit(f, VA_RO, true, f->pa_ro, R | W));
	struct sm_xlate_report w =
	    fault(dev_hit(f, VA_RW, true, 0, 0), SM_XLATE_FAULT_PERMISSION);
	for (int i = 0; i < 2 * K; i++)
		observe(f, w);
	assert_int_equal(f->o.total, 0);
	assert_int_equal(f->o.nkept, 0);
	assert_int_equal(f->log.calls, 0);
	assert_int_equal(counter(f->st, "check.translations_checked"), 0);
	assert_int_equal(n_stale_tr(f) + n_stale_perm(f) + n_livelock(f), 0);

	struct sm_tcache tc;
	assert_int_equal(
	    sm_tc_init(&tc, sm_default_allocator(), 16, 4, "tc", &f->eb), 0);
	struct sm_tc_entry e = {.va = VA_RO,
				.pa = f->pa_other,
				.root = f->root,
				.level = 3,
				.perm = R};
	sm_tc_fill(&tc, &e);
	sm_oracle_scan_cache(&f->o, &tc);
	assert_int_equal(counter(f->st, "check.lingering"), 0);
	sm_tc_fini(&tc);
}

static void test_hook_called_with_each_violation(void **state)
{
	struct fx *f = *state;
	f->o.hook = hook;
	f->o.hook_ctx = &f->log;

	observe(f, cpu_hit(f, VA_RO, false, f->pa_other, R));
	assert_int_equal(f->log.calls, 1);
	assert_int_equal(f->log.last.kind, SMMUSIM_VIOLATION_STALE_TRANSLATION);
	assert_string_equal(f->log.last.agent, "cpu2");

	observe(f, dev_hit(f, VA_RO, true, f->pa_ro, R | W));
	assert_int_equal(f->log.calls, 2);
	assert_int_equal(f->log.last.kind, SMMUSIM_VIOLATION_STALE_PERMISSION);
	assert_string_equal(f->log.last.agent, "sid=0x10 ssid=1");

	struct sm_xlate_report w =
	    fault(dev_hit(f, VA_RW, true, 0, 0), SM_XLATE_FAULT_PERMISSION);
	for (int i = 0; i < K; i++)
		observe(f, w);
	assert_int_equal(f->log.calls, 3);
	assert_int_equal(f->log.last.kind, SMMUSIM_VIOLATION_FAULT_LIVELOCK);
	assert_int_equal(f->log.last.faults, K);

	/* Not called for agreeing or tolerated translations. */
	observe(f, dev_hit(f, VA_RW, true, f->pa_rw, R | W));
	sm_oracle_window_open(&f->o, f->root, VA_RO, VA_RO + SM_PAGE_SIZE, 0);
	observe(f, dev_hit(f, VA_RO, false, f->pa_other, R));
	assert_int_equal(f->log.calls, 3);
	assert_int_equal(f->o.total, 3);
	assert_int_equal(f->o.nkept, 3);
}

static void test_kept_is_bounded(void **state)
{
	struct fx *f = *state;
	f->o.hook = hook;
	f->o.hook_ctx = &f->log;
	for (int i = 0; i < SMMUSIM_MAX_KEPT_VIOLATIONS + 5; i++)
		observe(f, dev_hit(f, VA_RO, false, f->pa_other, R));
	assert_int_equal(f->o.total, SMMUSIM_MAX_KEPT_VIOLATIONS + 5);
	assert_int_equal(f->o.nkept, SMMUSIM_MAX_KEPT_VIOLATIONS);
	assert_int_equal(n_stale_tr(f), SMMUSIM_MAX_KEPT_VIOLATIONS + 5);
	assert_int_equal(f->log.calls, SMMUSIM_MAX_KEPT_VIOLATIONS + 5);
}

static void test_scan_cache_lingering(void **state)
{
	struct fx *f = *state;
	struct sm_tcache tc;
	struct sm_walk w;
	assert_int_equal(
	    sm_tc_init(&tc, sm_default_allocator(), 16, 4, "tc", &f->eb), 0);
	assert_int_equal(sm_pgt_walk(f->pm, f->root, VA_RW, &w), SM_WALK_OK);
	assert_int_equal(w.perm, R | W);

	/* Agrees with the table. */
	struct sm_tc_entry e = {.va = VA_RW,
				.pa = f->pa_rw,
				.root = f->root,
				.asid = 3,
				.level = 3,
				.perm = (uint8_t)w.perm};
	sm_tc_fill(&tc, &e);
	sm_oracle_scan_cache(&f->o, &tc);
	assert_int_equal(counter(f->st, "check.lingering"), 0);

	/* Wrong pa. */
	e = (struct sm_tc_entry){.va = VA_RO,
				 .pa = f->pa_other,
				 .root = f->root,
				 .asid = 3,
				 .level = 3,
				 .perm = R};
	sm_tc_fill(&tc, &e);
	/* Wrong permission (RW cached, RO in the table); other ASID. */
	e = (struct sm_tc_entry){.va = VA_RO,
				 .pa = f->pa_ro,
				 .root = f->root,
				 .asid = 4,
				 .level = 3,
				 .perm = R | W};
	sm_tc_fill(&tc, &e);
	sm_oracle_scan_cache(&f->o, &tc);
	assert_int_equal(counter(f->st, "check.lingering"), 2);
	/* Lingering entries are a count, not violations. */
	assert_int_equal(f->o.total, 0);

	/* An entry for a page that is no longer mapped. */
	sm_tc_inv_all(&tc);
	e = (struct sm_tc_entry){.va = VA_NONE,
				 .pa = f->pa_other,
				 .root = f->root,
				 .asid = 3,
				 .level = 3,
				 .perm = R};
	sm_tc_fill(&tc, &e);
	sm_oracle_scan_cache(&f->o, &tc);
	assert_int_equal(counter(f->st, "check.lingering"), 3);
	sm_tc_fini(&tc);
}

/* The oracle's counters are rows of the stats table, registered with the
 * registry and at 0 before it counts. */
static void test_counters_from_the_table(void **state)
{
	struct fx *f = *state;
	static const char *const names[] = {
	    "check.translations_checked",
	    "check.tolerated_in_window",
	    "check.lingering",
	    "check.violations.stale-translation",
	    "check.violations.stale-permission",
	    "check.violations.fault-livelock",
	    "check.violations.use-after-free"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		assert_int_equal(counter(f->st, names[i]), 0);
		assert_non_null(
		    sm_stats_def(f->st, SMMUSIM_STAT_COUNTER, names[i]));
	}
	assert_int_equal(sm_stats_error(f->st), 0);
}

/* ============================== the walk memo
 * ============================== */

/* The violations a hook saw: how many, and a hash of what each said, in
 * order. */
struct vlog {
	unsigned n;
	uint64_t hash;
};

static void vlog_hook(void *ctx, const struct smmusim_violation *v)
{
	struct vlog *l = ctx;
	uint64_t said[] = {v->kind,
			   v->line,
			   v->cycle,
			   v->agent_kind,
			   v->cpu,
			   v->sid,
			   v->va,
			   (uint64_t)v->write,
			   v->entry_pa,
			   v->entry_perm,
			   (uint64_t)v->truth_valid,
			   v->truth_pa,
			   v->truth_perm,
			   v->faults};
	l->n++;
	for (size_t i = 0; i < sizeof(said) / sizeof(said[0]); i++)
		l->hash = (l->hash ^ said[i]) * 0x100000001b3ull;
}

static uint64_t xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

#define MEMO_PAGES 4 /* pages of one level-3 table, and of one more */

static uint64_t memo_va(uint64_t x)
{
	uint64_t i = x % (2 * MEMO_PAGES);
	return i < MEMO_PAGES ? VA_RO + i * SM_PAGE_SIZE
			      : 0x40000000ull + (i - MEMO_PAGES) * SM_PAGE_SIZE;
}

/* One change of the tables: what the kernel models do (PTE writes through
 * sm_pgt_set and straight through write64, clears, AF), and what they do
 * more rarely (a level-3 table freed under its descriptor and a table
 * allocated again, the stage-2 tables freed and rebuilt). */
/* The tables the reports name: two of stage 1 (f->root and s1b), two of
 * stage 2 (f->root2 and s2b), and the stage-2 root before the last
 * rebuild (s2_was: freed, its frames handed out again). */
struct memo_roots {
	uint64_t s1b, s2b, s2_was;
};

/* A new table root 16 frames (or a multiple) from `like`: the memo's slot
 * of a page may then be the same under both roots, so that the memo must
 * tell the roots apart, not only its hash. */
static uint64_t root_like(struct fx *f, uint64_t like)
{
	uint64_t t;
	do
		assert_int_equal(sm_pgt_new_root(f->pm, &t, &f->eb), 0);
	while ((t - like) >> SM_PAGE_SHIFT & 15);
	return t;
}

static void memo_change(struct fx *f, uint64_t x, struct memo_roots *mr)
{
	uint64_t va = memo_va(x >> 8),
		 pas[3] = {f->pa_ro, f->pa_rw, f->pa_other};
	uint64_t roots[4] = {f->root, f->root2, mr->s1b, mr->s2b};
	uint64_t root = roots[x >> 20 & 3], desc_pa, t;
	int level;
	switch (x % 16) {
	case 0:
	case 1:
	case 2:
		sm_pgt_set(f->pm, root, va, 3,
			   mk_pte(pas[(x >> 4) % 3], x >> 6 & 1), NULL, &f->eb);
		break;
	case 3:
		sm_pgt_set(f->pm, root, va, 3, 0, NULL, &f->eb);
		break;
	case 4:
	case 5: /* toggle AF, or a permission bit, in place */
		sm_pgt_get(f->pm, root, va, &level, &desc_pa);
		if (desc_pa)
			sm_physmem_write64(
			    f->pm, desc_pa,
			    sm_physmem_read64(f->pm, desc_pa) ^
				(x >> 5 & 1 ? PTE_AF : PTE_RDONLY));
		break;
	case 6: /* free the level-3 table under its descriptor */
		if (x >> 5 & 1)
			break;
		sm_pgt_get(f->pm, root, va, &level, &desc_pa);
		if (desc_pa && level == 3)
			sm_physmem_free_page(f->pm, desc_pa & SM_PAGE_MASK);
		break;
	case 7: /* a frame handed out again: as a table, or as data for a
		 * while (which changes no table) */
		assert_int_equal(sm_physmem_alloc(f->pm,
						  x >> 5 & 1 ? SM_PAGE_PGTABLE
							     : SM_PAGE_DATA,
						  &t, &f->eb),
				 0);
		if (!(x >> 5 & 1))
			sm_physmem_free_page(f->pm, t);
		break;
	case 8: /* the stage-2 tables freed (reports to the old root go on)
		 * and a new root */
		if (x >> 5 & 3)
			break;
		mr->s2_was = f->root2;
		assert_int_equal(sm_pgt_new_root(f->pm, &f->root2, &f->eb), 0);
		sm_pgt_free_tables(f->pm, mr->s2_was);
		break;
	default:
		break; /* nothing changes: the memo answers */
	}
}

/* A report on one of the pages: a cached hit (entry to one of the data
 * pages, with R or RW) or a fault, by a CPU or a device; stage 1 (with or
 * without a stage-2 table named), stage 2, or nested (whose stage-1 tables
 * stage 2 does not map: a stage-2 fault), over the same tables. */
static struct sm_xlate_report memo_report(const struct fx *f, uint64_t x,
					  const struct memo_roots *mr)
{
	uint64_t pas[4] = {f->pa_ro, f->pa_rw, f->pa_other, f->pa_rw};
	uint64_t va = memo_va(x) + (x >> 4 & 0xff8);
	struct sm_xlate_report r = (x >> 12 & 1 ? dev_hit : cpu_hit)(
	    f, va, x >> 13 & 1, pas[x >> 14 & 3], x >> 16 & 1 ? R | W : R);
	r.cycle = x >> 20 & 0xffff;
	uint64_t s1[2] = {f->root, mr->s1b},
		 s2[4] = {f->root2, mr->s2b, mr->s2_was, f->root2};
	r.root = s1[x >> 36 & 1];
	r.root2 = x >> 37 & 1 ? s2[x >> 38 & 3] : 0;
	switch (x >> 17 & 3) {
	case 0:
		r.regime = SM_REGIME_S2;
		r.root = 0;
		r.root2 = s2[x >> 38 & 3];
		break;
	case 1:
		if (r.root2)
			r.regime = SM_REGIME_NESTED;
		break;
	default:
		break;
	}
	r.s2_level = (int8_t)(x >> 40 & 1); /* stage 2 from level 0 or 1 */
	if (x >> 19 & 3)
		r = fault(r, SM_XLATE_FAULT_PERMISSION);
	return r;
}

/*
 * The oracle remembers walks while the page tables do not change
 * (sm_physmem_pgt_gen).  Two oracles over the same memory, one with the
 * memo and one walking every time, see the same reports between random
 * changes of the tables: they must say the same, counter for counter and
 * violation for violation.  (Remove a step of sm_physmem_pgt_gen, e.g. the
 * one of write64's fast path or of a table's free, and this fails.)
 */
static void test_memo_says_what_walks_say(void **state)
{
	struct fx *f = *state;
	struct sm_stats *st2;
	struct sm_oracle o2;
	struct vlog l1 = {0}, l2 = {0};
	uint64_t x = 0x9e3779b97f4a7c15ull;
	struct memo_roots mr = {.s2_was = f->root2};

	assert_int_equal(sm_stats_new(&st2, NULL), 0);
	assert_int_equal(
	    sm_oracle_init(&o2, sm_default_allocator(), f->pm, true, K, st2),
	    0);
	o2.memo_off = true;
	sm_oracle_set_hook(&f->o, vlog_hook, &l1);
	sm_oracle_set_hook(&o2, vlog_hook, &l2);
	mr.s1b = root_like(f, f->root);
	mr.s2b = root_like(f, f->root2);
	for (unsigned i = 0; i < MEMO_PAGES; i++) {
		sm_pgt_set(f->pm, f->root2, memo_va(i), 3,
			   mk_pte(f->pa_rw, true), NULL, &f->eb);
		sm_pgt_set(f->pm, mr.s2b, memo_va(i), 3,
			   mk_pte(f->pa_ro, false), NULL, &f->eb);
		sm_pgt_set(f->pm, mr.s1b, memo_va(i), 3,
			   mk_pte(f->pa_other, true), NULL, &f->eb);
	}

	for (unsigned round = 0; round < 20000; round++) {
		memo_change(f, xorshift(&x), &mr);
		for (unsigned k = xorshift(&x) % 10; k > 0; k--) {
			struct sm_xlate_report r =
			    memo_report(f, xorshift(&x), &mr);
			sm_oracle_observe(&f->o, &r);
			sm_oracle_observe(&o2, &r);
		}
		assert_int_equal(sm_oracle_total(&f->o), sm_oracle_total(&o2));
	}
	/* Both ways saw some of everything. */
	assert_true(n_stale_tr(f) > 500 && n_stale_perm(f) > 10 &&
		    n_livelock(f) > 5);
	static const char *const names[] = {
	    "check.translations_checked", "check.tolerated_in_window",
	    "check.violations.stale-translation",
	    "check.violations.stale-permission",
	    "check.violations.fault-livelock"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_int_equal(counter(f->st, names[i]),
				 counter(st2, names[i]));
	assert_int_equal(l1.n, l2.n);
	assert_int_equal(l1.hash, l2.hash);
	sm_oracle_fini(&o2);
	sm_stats_free(st2);
}

/* The same report to the oracle with the memo (f->o) and to one without:
 * they must say the same.  Returns the number of violations so far. */
static uint64_t both(struct fx *f, struct sm_oracle *o2,
		     struct sm_xlate_report r)
{
	sm_oracle_observe(&f->o, &r);
	sm_oracle_observe(o2, &r);
	assert_int_equal(sm_oracle_total(&f->o), sm_oracle_total(o2));
	return sm_oracle_total(o2);
}

/* Each change the memo must see, one at a time between two reports of the
 * same page: a PTE write (write64's fast path), the level-3 table freed
 * under its descriptor, a table allocated in its place, its first write
 * (the slow path). */
static void test_memo_sees_each_change(void **state)
{
	struct fx *f = *state;
	struct sm_stats *st2;
	struct sm_oracle o2;
	uint64_t desc_pa, tab;
	int level;

	assert_int_equal(sm_stats_new(&st2, NULL), 0);
	assert_int_equal(
	    sm_oracle_init(&o2, sm_default_allocator(), f->pm, true, K, st2),
	    0);
	o2.memo_off = true;
	struct sm_xlate_report r = cpu_hit(f, VA_RW, true, f->pa_rw, R | W);

	assert_int_equal(both(f, &o2, r), 0);
	assert_int_equal(both(f, &o2, r), 0); /* from the memo */
	assert_int_equal(sm_pgt_set(f->pm, f->root, VA_RW, 3,
				    mk_pte(f->pa_other, true), NULL, &f->eb),
			 0);
	assert_int_equal(both(f, &o2, r), 1);
	assert_int_equal(sm_pgt_set(f->pm, f->root, VA_RW, 3,
				    mk_pte(f->pa_rw, true), NULL, &f->eb),
			 0);
	assert_int_equal(both(f, &o2, r), 1);

	sm_pgt_get(f->pm, f->root, VA_RW, &level, &desc_pa);
	assert_int_equal(level, 3);
	sm_physmem_free_page(f->pm, desc_pa & SM_PAGE_MASK);
	assert_int_equal(both(f, &o2, r), 2); /* not a table: ADDR_SIZE */
	assert_int_equal(sm_physmem_alloc(f->pm, SM_PAGE_PGTABLE, &tab, &f->eb),
			 0);
	assert_int_equal(tab, desc_pa & SM_PAGE_MASK);
	assert_int_equal(both(f, &o2, r), 3); /* an empty table */
	assert_int_equal(sm_pgt_set(f->pm, f->root, VA_RW, 3,
				    mk_pte(f->pa_rw, true), NULL, &f->eb),
			 0);
	assert_int_equal(both(f, &o2, r), 3); /* mapped again */
	sm_oracle_fini(&o2);
	sm_stats_free(st2);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_stale_translation_reported_and_kept),
	    T(test_block_entry_offset),
	    T(test_window_tolerates),
	    T(test_window_closes_at_its_cycle),
	    T(test_nested_windows),
	    T(test_window_close_any_order),
	    T(test_stale_permission),
	    T(test_walks_never_violate),
	    T(test_fault_livelock),
	    T(test_fault_not_permitted_does_not_count),
	    T(test_fault_not_permitted_resets),
	    T(test_fault_streaks_are_separate),
	    T(test_many_streaks),
	    T(test_disabled_reports_nothing),
	    T(test_hook_called_with_each_violation),
	    T(test_kept_is_bounded),
	    T(test_scan_cache_lingering),
	    T(test_counters_from_the_table),
	    T(test_memo_says_what_walks_say),
	    T(test_memo_sees_each_change),
	};
#undef T
	return cmocka_run_group_tests_name("oracle", tests, NULL, NULL);
}
