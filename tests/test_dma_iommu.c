/* SPDX-License-Identifier: MIT */
/*
 * Tests for the DMA API's invalidation policies (src/kernel/iommu/
 * dma-iommu.c, 6.1's __iommu_dma_unmap): strict gathers an unmap and
 * invalidates its range with one CMD_SYNC (early syncs for a disjoint
 * leaf); lazy queues IOVAs per CPU, flushes a full ring of 256 slots (255
 * entries) with TLBI_NH_ASID + CMD_SYNC, and the 10 ms timer fires on the
 * jiffy boundary (HZ 250, 2 GHz: 3 jiffies, run one jiffy later by the
 * timer wheel: 32,000,000 cycles) without any later call.  Built on the kernel
 * model over the hardware models (tests/kernel_world.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <smmusim/event.h>

#include "helpers.h"
#include "kernel_world.h"

#define IOVA 0x100000ull
#define PG 0x1000ull
#define PA 0x50000000ull

static struct kworld *world(const char *mode)
{
	const char *kv[] = {"policy.dma.mode", mode, NULL};
	struct kworld *k = kworld_new("linux-6.5", kv);
	kw_must(k, sm_drv_domain_create(&k->os, 1, 1, 0, 0, false, 0, &k->now));
	kw_must(k, sm_drv_attach(&k->os, 0x10, 1, true, &k->now));
	return k;
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
	assert_int_equal(counter(k->st, "os.dma.fq.flush_timer"), 1);
	assert_int_equal(counter(k->st, "smmu.cmd.tlbi_nh_asid"), 1);
	assert_int_equal(counter(k->st, "os.dma.fq.freed"), 1);
	/* Re-armed by the next unmap only. */
	assert_true(sm_engine_empty(&k->eng));
}

int main(void)
{
#define T(fn) cmocka_unit_test_teardown(fn, kworld_teardown)
	const struct CMUnitTest tests[] = {
	    T(test_strict),
	    T(test_lazy_full),
	    T(test_lazy_timer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
