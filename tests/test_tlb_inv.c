/* SPDX-License-Identifier: MIT */
/*
 * Tests for the driver's TLB invalidation
 * (src/kernel/iommu/arm-smmu-v3/arm-smmu-v3-tlb.c): the exact command words
 * sm_drv_tlb_inv_range writes into the command queue for 1, 2, 31, 32, 33,
 * 37, 511, 512 and 513 pages, leaf and non-leaf, with and without range
 * invalidation (smmu.ril), against NUM/SCALE/TG/TTL computed by hand from
 * Debian 6.1.192's __arm_smmu_tlb_inv_range (FACTS.md, "Linux SMMUv3 driver
 * invalidation"), and what the SMMU does with a range-form command when it
 * has no RIL.  Built on the kernel model over the hardware models
 * (tests/kernel_world.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "helpers.h"
#include "kernel_world.h"

#include "arch/smmu_regs.h"
#include "kernel/arm-smmu-v3.h"

#define IOVA 0x40000000ull
#define PG 0x1000ull
#define ASID 2

/* One expected command: its first page (from IOVA), NUM field, SCALE, TTL.
 * TG is 1 (4K) with RIL and 0 without. */
struct want {
	uint64_t page;
	unsigned num, scale, ttl;
};

struct tcase {
	uint64_t pages;
	bool leaf;
	unsigned n;
	struct want w[2];
};

/* With RIL (TG = 1): windows of 5 bits of the page count, lowest first.
 * Leaf: TTL 3 (a 4K granule is at level 3).  Non-leaf: TTL 0, and a
 * count whose lowest window is 1 gets one page more (1 -> 2, 33 -> 34,
 * 513 -> 514). */
static const struct tcase ril_cases[] = {
    {1, true, 1, {{0, 0, 0, 3}}},		     /* 1 x 2^0 */
    {2, true, 1, {{0, 0, 1, 3}}},		     /* 1 x 2^1 */
    {31, true, 1, {{0, 30, 0, 3}}},		     /* 31 x 2^0 */
    {32, true, 1, {{0, 0, 5, 3}}},		     /* 1 x 2^5 */
    {33, true, 2, {{0, 0, 0, 3}, {1, 0, 5, 3}}},     /* 1 + 32 */
    {37, true, 2, {{0, 4, 0, 3}, {5, 0, 5, 3}}},     /* 5 + 32 */
    {511, true, 2, {{0, 30, 0, 3}, {31, 14, 5, 3}}}, /* 31 + 15 x 32 */
    {512, true, 1, {{0, 0, 9, 3}}},		     /* 1 x 2^9 */
    {513, true, 2, {{0, 0, 0, 3}, {1, 0, 9, 3}}},    /* 1 + 512 */
    {1, false, 1, {{0, 0, 1, 0}}},		     /* 2 pages: 1 x 2^1 */
    {2, false, 1, {{0, 0, 1, 0}}},
    {31, false, 1, {{0, 30, 0, 0}}},
    {32, false, 1, {{0, 0, 5, 0}}},
    {33, false, 1, {{0, 16, 1, 0}}}, /* 34 pages: 17 x 2^1 */
    {37, false, 2, {{0, 4, 0, 0}, {5, 0, 5, 0}}},
    {511, false, 2, {{0, 30, 0, 0}, {31, 14, 5, 0}}},
    {512, false, 1, {{0, 0, 9, 0}}},
    {513, false, 2, {{0, 0, 1, 0}, {2, 0, 9, 0}}}, /* 514: 2 + 512 */
};

static struct kworld *world(bool ril)
{
	static const char *const on[] = {"smmu.ril", "on", NULL};
	static const char *const off[] = {"smmu.ril", "off", NULL};
	return kworld_new("linux-6.5", ril ? on : off);
}

/* The n-th command in the queue from index `from`. */
static void queued(struct kworld *k, uint32_t from, uint32_t n, uint64_t w[2])
{
	uint32_t q = 1u << k->os.drv.cmdq_log2size;
	uint64_t pa = k->os.drv.cmdq + (uint64_t)((from + n) & (q - 1)) * 16;
	w[0] = sm_physmem_read64(k->pm, pa);
	w[1] = sm_physmem_read64(k->pm, pa + 8);
}

static uint32_t queue_index(struct kworld *k)
{
	return k->os.drv.prod & ((1u << k->os.drv.cmdq_log2size) - 1);
}

/* The words of TLBI_NH_VA ASID 2 as the spec lays them out (word 0: OP
 * [7:0], NUM [16:12], SCALE [24:20], ASID [63:48]; word 1: LEAF [0], TTL
 * [9:8], TG [11:10], address [63:12]). */
static void expect_cmd(struct kworld *k, uint32_t from, uint32_t i,
		       const struct want *w, bool leaf, unsigned tg)
{
	uint64_t got[2];
	queued(k, from, i, got);
	uint64_t w0 = 0x12ull | (uint64_t)w->num << 12 |
		      (uint64_t)w->scale << 20 | (uint64_t)ASID << 48;
	uint64_t w1 = (leaf ? 1ull : 0) | (uint64_t)w->ttl << 8 |
		      (uint64_t)tg << 10 | (IOVA + w->page * PG);
	assert_int_equal(got[0], w0);
	assert_int_equal(got[1], w1);
}

static void expect_sync(struct kworld *k, uint32_t from, uint32_t i)
{
	uint64_t got[2];
	queued(k, from, i, got);
	assert_int_equal(got[0] & 0xff, CMDQ_OP_CMD_SYNC);
}

static void test_ril_windows(void **state)
{
	struct kworld *k = *state = world(true);
	for (size_t i = 0; i < sizeof(ril_cases) / sizeof(ril_cases[0]); i++) {
		const struct tcase *c = &ril_cases[i];
		uint32_t from = queue_index(k);
		uint64_t va = counter(k->st, "smmu.cmd.tlbi_nh_va");
		uint64_t sync = counter(k->st, "smmu.cmd.sync");
		kw_must(k,
			sm_drv_tlb_inv_range(&k->os, ASID, IOVA, c->pages * PG,
					     PG, c->leaf, &k->now));
		print_message("# %llu pages %s\n", (unsigned long long)c->pages,
			      c->leaf ? "leaf" : "non-leaf");
		for (unsigned j = 0; j < c->n; j++)
			expect_cmd(k, from, j, &c->w[j], c->leaf, 1);
		expect_sync(k, from, c->n);
		/* The SMMU accepted them (no CERROR_ILL). */
		assert_int_equal(counter(k->st, "smmu.cmd.tlbi_nh_va"),
				 va + c->n);
		assert_int_equal(counter(k->st, "smmu.cmd.sync"), sync + 1);
	}
	assert_int_equal(counter(k->st, "smmu.cmdq.errors"), 0);
}

/* Without RIL: one command per page, TG = TTL = NUM = SCALE = 0; 513 pages
 * take 9 batches (64 per batch, policy.smmu.batch) and one CMD_SYNC. */
static void test_per_granule(void **state)
{
	static const uint64_t sizes[] = {1, 2, 31, 32, 33, 37, 511, 512, 513};
	struct kworld *k = *state = world(false);
	for (int leaf = 0; leaf < 2; leaf++)
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			uint32_t from = queue_index(k);
			uint64_t va = counter(k->st, "smmu.cmd.tlbi_nh_va");
			uint64_t sync = counter(k->st, "smmu.cmd.sync");
			kw_must(k, sm_drv_tlb_inv_range(&k->os, ASID, IOVA,
							sizes[i] * PG, PG, leaf,
							&k->now));
			uint64_t n = sizes[i];
			if (n <= 64) { /* the queue holds 256: check all */
				for (uint32_t j = 0; j < n; j++)
					expect_cmd(k, from, j,
						   &(struct want){j, 0, 0, 0},
						   leaf, 0);
				expect_sync(k, from, (uint32_t)n);
			}
			assert_int_equal(counter(k->st, "smmu.cmd.tlbi_nh_va"),
					 va + n);
			assert_int_equal(counter(k->st, "smmu.cmd.sync"),
					 sync + 1);
		}
}

/* A size of 0 issues nothing; TLBI_NH_ASID + CMD_SYNC for the ASID. */
static void test_empty_and_asid(void **state)
{
	struct kworld *k = *state = world(true);
	uint32_t from = queue_index(k);
	kw_must(k,
		sm_drv_tlb_inv_range(&k->os, ASID, IOVA, 0, PG, true, &k->now));
	assert_int_equal(queue_index(k), from);
	kw_must(k, sm_drv_tlb_inv_asid(&k->os, ASID, &k->now));
	uint64_t got[2];
	queued(k, from, 0, got);
	assert_int_equal(got[0], 0x11ull | (uint64_t)ASID << 48);
	assert_int_equal(got[1], 0);
	expect_sync(k, from, 1);
	assert_int_equal(counter(k->st, "os.smmu.tlb_inv.asid"), 1);
}

/* An SMMU without RIL ignores TG, TTL, NUM and SCALE (RES0, spec 4.1.5):
 * the form an SMMU with RIL refuses (TG != 0, TTL = NUM = SCALE = 0) is
 * accepted as a single-address invalidation. */
static void test_smmu_without_ril(void **state)
{
	struct kworld *k = *state = world(false);
	uint64_t w[2];
	sm_smmu_cmd_build(
	    &(struct sm_smmu_cmd){
		.op = CMDQ_OP_TLBI_NH_VA, .asid = ASID, .addr = IOVA, .tg = 1},
	    w, NULL);
	kw_must(k, sm_drv_raw_cmd(&k->os, w, &k->now));
	kw_drain(k); /* no CMD_SYNC: consumed after the call returned */
	assert_int_equal(counter(k->st, "smmu.cmdq.errors"), 0);
	assert_int_equal(counter(k->st, "smmu.cmd.tlbi_nh_va"), 1);

	struct kworld *r = world(true);
	kw_must(r, sm_drv_raw_cmd(&r->os, w, &r->now));
	assert_int_equal(counter(r->st, "smmu.cmdq.errors"), 1);
	kworld_free(r);
}

int main(void)
{
#define T(fn) cmocka_unit_test_teardown(fn, kworld_teardown)
	const struct CMUnitTest tests[] = {
	    T(test_ril_windows),
	    T(test_per_granule),
	    T(test_empty_and_asid),
	    T(test_smmu_without_ril),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
