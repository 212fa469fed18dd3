/* SPDX-License-Identifier: MIT */
/*
 * Tests for the DMA API's invalidation policies (src/kernel/iommu/
 * dma-iommu.c, 6.1's __iommu_dma_unmap): strict gathers an unmap and
 * invalidates its range with one CMD_SYNC (early syncs for a disjoint
 * leaf); lazy queues IOVAs per CPU, flushes a full ring of 256 slots (255
 * entries) with TLBI_NH_ASID + CMD_SYNC, and the 10 ms timer fires on the
 * jiffy boundary (HZ 250, 2 GHz: 3 jiffies, run one jiffy later by the
 * timer wheel: 32,000,000 cycles) without any later call.  The timer's
 * mechanism (6.1 queue_iova / fq_flush_timeout): armed only when not
 * pending, by a queue_iova and never by a full flush, re-armed by the first
 * queue_iova after it ran; the jiffy grid starts at
 * policy.dma.jiffies_phase_ns; a CPU's ring frees what another CPU's flush
 * covered only at its own next queue_iova or at the timer.  Built on the
 * kernel model over the hardware models (tests/kernel_world.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include <smmusim/event.h>
#include <smmusim/smmusim.h>

#include "helpers.h"
#include "kernel_world.h"

#define IOVA 0x100000ull
#define PG 0x1000ull
#define PA 0x50000000ull

static struct kworld *world_phase(const char *mode, const char *phase_ns)
{
	const char *kv[] = {"policy.dma.mode", mode,
			    "policy.dma.jiffies_phase_ns", phase_ns, NULL};
	struct kworld *k = kworld_new("linux-6.5", kv);
	kw_must(k, sm_drv_domain_create(&k->os, 1, 1, 0, 0, false, 0, &k->now));
	kw_must(k, sm_drv_attach(&k->os, 0x10, 1, true, &k->now));
	return k;
}

static struct kworld *world(const char *mode)
{
	return world_phase(mode, "0");
}

static void map(struct kworld *k, uint64_t iova, uint64_t pages)
{
	kw_must(k, sm_dma_map(&k->os, 1, iova, pages * PG, PA,
			      SMMUSIM_PROT_R | SMMUSIM_PROT_W, &k->now));
}

static void test_strict(void **state)
{
	struct kworld *k = *state = world("strict");
	uint64_t sync = counter(k->st, "smmu.cmd.sync");
	map(k, IOVA, 37);
	kw_must(k, sm_dma_unmap(&k->os, 1, IOVA, 37 * PG, 0, &k->now));
	/* 37 = 5 + 32: two range commands, one sync. */
	assert_int_equal(counter(k->st, "smmu.cmd.tlbi_nh_va"), 2);
	assert_int_equal(counter(k->st, "smmu.cmd.sync"), sync + 1);
	assert_int_equal(counter(k->st, "os.dma.strict_syncs"), 1);

	/* A hole makes the next leaf disjoint: an early sync. */
	map(k, IOVA, 1);
	map(k, IOVA + 2 * PG, 1);
	kw_must(k, sm_dma_unmap(&k->os, 1, IOVA, 3 * PG, 0, &k->now));
	assert_int_equal(counter(k->st, "os.dma.strict_syncs"), 3);
	assert_int_equal(counter(k->st, "smmu.cmd.tlbi_nh_va"), 4);
	/* Nothing mapped: nothing issued. */
	kw_must(k, sm_dma_unmap(&k->os, 1, IOVA, PG, 0, &k->now));
	assert_int_equal(counter(k->st, "os.dma.strict_syncs"), 3);
	/* A range whose first page is not mapped, in one leaf table; one
	 * across two leaf tables (0x200000); each leaf cleared once. */
	map(k, IOVA + PG, 1);
	kw_must(k, sm_dma_unmap(&k->os, 1, IOVA, 2 * PG, 0, &k->now));
	assert_int_equal(counter(k->st, "os.dma.strict_syncs"), 4);
	assert_int_equal(counter(k->st, "smmu.cmd.tlbi_nh_va"), 5);
	map(k, 0x1ff000, 2);
	for (int i = 0; i < 2; i++)
		kw_must(k,
			sm_dma_unmap(&k->os, 1, 0x1ff000, 2 * PG, 0, &k->now));
	assert_int_equal(counter(k->st, "os.dma.strict_syncs"), 5);
	assert_int_equal(counter(k->st, "smmu.cmd.tlbi_nh_va"), 6);
}

static void test_lazy_full(void **state)
{
	struct kworld *k = *state = world("lazy");
	for (unsigned i = 0; i < 255; i++) {
		map(k, IOVA, 1);
		kw_must(k, sm_dma_unmap(&k->os, 1, IOVA, PG, 1, &k->now));
	}
	assert_int_equal(counter(k->st, "os.dma.fq.flush_full"), 0);
	assert_int_equal(counter(k->st, "smmu.cmd.tlbi_nh_va"), 0);
	/* Another CPU's queue is not full. */
	map(k, IOVA, 1);
	kw_must(k, sm_dma_unmap(&k->os, 1, IOVA, PG, 0, &k->now));
	assert_int_equal(counter(k->st, "os.dma.fq.flush_full"), 0);
	/* The 256th entry of CPU 1's ring: flush, free, queue. */
	map(k, IOVA, 1);
	kw_must(k, sm_dma_unmap(&k->os, 1, IOVA, PG, 1, &k->now));
	assert_int_equal(counter(k->st, "os.dma.fq.flush_full"), 1);
	assert_int_equal(counter(k->st, "smmu.cmd.tlbi_nh_asid"), 1);
	assert_int_equal(counter(k->st, "os.dma.fq.freed"), 255);
	assert_int_equal(counter(k->st, "os.dma.fq.entries"), 257);
	assert_int_equal(counter(k->st, "smmu.cmd.tlbi_nh_va"), 0);
}

static void test_lazy_timer(void **state)
{
	struct kworld *k = *state = world("lazy");
	map(k, IOVA, 1);
	kw_must(k, sm_dma_unmap(&k->os, 1, IOVA, PG, 0, &k->now));
	assert_true(k->now < 8000000); /* in jiffy 0 */
	/* msecs_to_jiffies(10) at HZ 250 = 3, expiring at jiffy 3, run by
	 * the timer wheel when jiffy 4 begins: cycle 32,000,000 at 2 GHz. */
	assert_int_equal(sm_engine_next(&k->eng), 32000000);
	kw_must(k, sm_engine_run_until(&k->eng, 31999999));
	assert_int_equal(counter(k->st, "os.dma.fq.flush_timer"), 0);
	kw_must(k, sm_engine_run_until(&k->eng, 32000000));
	kw_drain(k); /* the timer's commands, consumed after it fired */
	assert_int_equal(counter(k->st, "os.dma.fq.flush_timer"), 1);
	assert_int_equal(counter(k->st, "smmu.cmd.tlbi_nh_asid"), 1);
	assert_int_equal(counter(k->st, "os.dma.fq.freed"), 1);
	/* Re-armed by the next unmap only. */
	assert_true(sm_engine_empty(&k->eng));
}

/* One page mapped, then unmapped on `cpu` from cycle `at` (0: when the
 * map is done); queue_iova runs after the page-table work, a few thousand
 * cycles later. */
static void unmap_at(struct kworld *k, uint64_t at, unsigned cpu)
{
	map(k, IOVA, 1);
	if (at) {
		assert_true(k->now <= at);
		k->now = at;
	}
	kw_must(k, sm_dma_unmap(&k->os, 1, IOVA, PG, cpu, &k->now));
}

/* HZ 250 at 2 GHz: a tick is 8,000,000 cycles; with the grid 3 ms after
 * cycle 0 the boundaries are at 6,000,000 + n * 8,000,000. */
static void test_lazy_timer_phase(void **state)
{
	struct kworld *k = *state = world_phase("lazy", "3000000");
	/* Just before the first boundary: runs when the jiffy 3 + 1 later
	 * begins, 6,000,000 + 3 * 8,000,000. */
	unmap_at(k, 5900000, 0);
	assert_true(k->now < 6000000);
	assert_int_equal(sm_engine_next(&k->eng), 30000000);
	kw_must(k, sm_engine_run_until(&k->eng, 30000000));
	assert_int_equal(counter(k->st, "os.dma.fq.flush_timer"), 1);
	/* Armed just after a boundary: that jiffy counts, 4 ticks later. */
	unmap_at(k, 38000000, 0);
	assert_int_equal(sm_engine_next(&k->eng), 70000000);
	/* A phase of a whole tick or more is refused. */
	smmusim_config_t *cfg;
	smmusim_t *sim = NULL;
	char msg[256];
	assert_int_equal(smmusim_config_new(&cfg, NULL), 0);
	assert_int_equal(
	    smmusim_config_set(cfg, "policy.dma.jiffies_phase_ns", "4000000"),
	    0);
	assert_int_equal(smmusim_new_ex(&sim, cfg, NULL, msg, sizeof(msg)),
			 SMMUSIM_ERANGE);
	assert_non_null(strstr(msg, "policy.dma.jiffies_phase_ns"));
	smmusim_config_free(cfg);
}

/* mod_timer only when fq_timer_on is clear: later unmaps do not push the
 * pending timer back; the first one after it ran re-arms it from its own
 * jiffy. */
static void test_lazy_timer_arming(void **state)
{
	struct kworld *k = *state = world("lazy");
	unmap_at(k, 1000000, 0);  /* jiffy 0: runs at jiffy 4 */
	unmap_at(k, 20000000, 1); /* jiffy 2, pending: no change */
	assert_int_equal(sm_engine_next(&k->eng), 32000000);
	kw_must(k, sm_engine_run_until(&k->eng, 40000000));
	assert_int_equal(counter(k->st, "os.dma.fq.flush_timer"), 1);
	assert_int_equal(counter(k->st, "os.dma.fq.freed"), 2);
	assert_true(sm_engine_empty(&k->eng));
	unmap_at(k, 47900000, 1); /* jiffy 5: runs at jiffy 9 */
	assert_true(k->now < 48000000);
	assert_int_equal(sm_engine_next(&k->eng), 72000000);
}

/* A full flush on CPU 1 neither arms nor moves the timer, and frees only
 * CPU 1's ring: CPU 0's covered entry stays until CPU 0 queues again. */
static void test_lazy_full_other_cpu(void **state)
{
	struct kworld *k = *state = world("lazy");
	unmap_at(k, 1000000, 0);
	for (unsigned i = 0; i < 256; i++)
		unmap_at(k, 0, 1);
	assert_true(k->now < 32000000);
	assert_int_equal(counter(k->st, "os.dma.fq.flush_full"), 1);
	assert_int_equal(counter(k->st, "os.dma.fq.freed"), 255);
	assert_int_equal(sm_engine_next(&k->eng), 32000000);
	unmap_at(k, 0, 0);
	assert_int_equal(counter(k->st, "os.dma.fq.freed"), 256);
	assert_int_equal(counter(k->st, "os.dma.fq.flush_full"), 1);
}

int main(void)
{
#define T(fn) cmocka_unit_test_teardown(fn, kworld_teardown)
	const struct CMUnitTest tests[] = {
	    T(test_strict),
	    T(test_lazy_full),
	    T(test_lazy_timer),
	    T(test_lazy_timer_phase),
	    T(test_lazy_timer_arming),
	    T(test_lazy_full_other_cpu),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
