/* SPDX-License-Identifier: MIT */
/*
 * The SVA munmap command table of docs/policies.md ("SMMU commands of an
 * SVA munmap, per preset"; derived by hand in docs/linux-versions.md 8):
 * for each kernel preset, with and without range invalidation (smmu.ril),
 * the TLBI_NH_VA, TLBI_NH_ASID and CMD_SYNC commands the SMMU receives for
 * a munmap of 1, 511, 512 and 513 present pages, and for one call of the
 * secondary-TLB hook with (0, -1UL) -- from invalidate_range_end (a
 * full-range notifier such as clear_refs) before 6.6, from flush_tlb_mm
 * from 6.6.  Where the real kernel never returns, the model must stop with
 * a kernel-lockup error naming the presets and the call.  CPU with
 * FEAT_TLBIRANGE, no ATS (so no ATC_INV), 4K pages, the range inside a
 * larger VMA.  Built on the kernel model over the hardware models
 * (tests/kernel_world.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <smmusim/error.h>

#include "helpers.h"
#include "kernel_world.h"

#include "engine/config_keys.h"

#define BASE 0x10000000ull
#define PG 0x1000ull
#define RW (SMMUSIM_PROT_R | SMMUSIM_PROT_W)
#define LOCKUP UINT64_MAX

struct counts {
	uint64_t va, asid, sync; /* va = LOCKUP: kernel-lockup error */
};

/* Per preset: [ril][row], rows 1, 511, 512, 513 pages, (0, -1UL). */
struct table_row {
	const char *policy;
	struct counts c[2][5];
};

static const struct table_row table[] = {
    {"linux-6.1",
     {{{2, 0, 2}, {1022, 0, 2}, {0, 2, 2}, {0, 2, 2}, {0, 1, 1}},
      {{2, 0, 2}, {4, 0, 2}, {2, 0, 2}, {4, 0, 2}, {LOCKUP, 0, 0}}}},
    {"linux-6.5",
     {{{2, 0, 2}, {1022, 0, 2}, {1024, 0, 2}, {1026, 0, 2}, {LOCKUP, 0, 0}},
      {{2, 0, 2}, {4, 0, 2}, {2, 0, 2}, {4, 0, 2}, {LOCKUP, 0, 0}}}},
    {"linux-6.6",
     {{{0, 1, 1}, {0, 1, 1}, {0, 1, 1}, {0, 1, 1}, {0, 1, 1}},
      {{0, 1, 1}, {0, 1, 1}, {0, 1, 1}, {0, 1, 1}, {0, 1, 1}}}},
    {"linux-6.12",
     {{{1, 0, 1}, {511, 0, 1}, {0, 1, 1}, {0, 1, 1}, {0, 1, 1}},
      {{1, 0, 1}, {2, 0, 1}, {1, 0, 1}, {2, 0, 1}, {0, 1, 1}}}},
    {"linux-6.15",
     {{{1, 0, 1}, {511, 0, 1}, {0, 1, 1}, {0, 1, 1}, {0, 1, 1}},
      {{1, 0, 1}, {2, 0, 1}, {1, 0, 1}, {2, 0, 1}, {0, 1, 1}}}},
};

static const uint64_t row_pages[] = {1, 511, 512, 513, 0};

static struct counts snap(struct kworld *k)
{
	return (struct counts){counter(k->st, "smmu.cmd.tlbi_nh_va"),
			       counter(k->st, "smmu.cmd.tlbi_nh_asid"),
			       counter(k->st, "smmu.cmd.sync")};
}

/* One cell: a fresh world under `policy`, an SVA bond, then the munmap
 * (pages > 0) or the (0, -1UL) hook call. */
static void cell(const char *policy, bool ril, uint64_t pages,
		 const struct counts *want)
{
	const char *const kv[] = {"smmu.ril", ril ? "on" : "off",
				  "cpu.feat_tlbirange", "on", NULL};
	struct kworld *k = kworld_new(policy, kv);
	uint64_t n = pages ? pages : 1;
	kw_mm_with_vma(k, BASE, n + 1, RW, false);
	kw_must(k, kw_bind(k, 1, 3, 1, false));
	kw_touch(k, BASE, 0, n, true);
	struct sm_mm *mm = kw_mm(k, 1);
	struct counts c0 = snap(k);
	int rc;
	if (pages)
		rc = kw_munmap(k, 1, BASE, pages * PG);
	else if (k->os.mn.placement == SM_PLACEMENT_RANGE_END)
		rc = sm_mn_invalidate_range_end(&k->os, mm, 0, UINT64_MAX,
						false, &k->now);
	else
		rc = sm_mn_arch_invalidate_secondary_tlbs(&k->os, mm, 0,
							  UINT64_MAX, &k->now);
	kw_settle(k); /* its commands, consumed by its CMD_SYNC */
	struct counts c1 = snap(k);
	char what[96];
	snprintf(what, sizeof(what), "%s smmu.ril=%s %s%" PRIu64, policy,
		 ril ? "on" : "off", pages ? "pages=" : "(0, -1UL)", pages);
	if (want->va == LOCKUP) {
		if (rc != SMMUSIM_ESTATE ||
		    !strstr(k->eb.msg, "kernel-lockup") ||
		    !strstr(k->eb.msg, policy))
			fail_msg("%s: want a kernel-lockup error, got rc=%d "
				 "'%s'",
				 what, rc, k->eb.msg);
	} else {
		if (rc != 0)
			fail_msg("%s: rc=%d '%s'", what, rc, k->eb.msg);
		struct counts d = {c1.va - c0.va, c1.asid - c0.asid,
				   c1.sync - c0.sync};
		if (d.va != want->va || d.asid != want->asid ||
		    d.sync != want->sync)
			fail_msg("%s: VA %" PRIu64 " ASID %" PRIu64
				 " SYNC %" PRIu64 ", want %" PRIu64 " %" PRIu64
				 " %" PRIu64,
				 what, d.va, d.asid, d.sync, want->va,
				 want->asid, want->sync);
	}
	kworld_free(k);
}

static void test_table(void **state)
{
	(void)state;
	for (size_t p = 0; p < sizeof(table) / sizeof(table[0]); p++)
		for (int ril = 0; ril < 2; ril++)
			for (size_t r = 0; r < 5; r++)
				cell(table[p].policy, ril, row_pages[r],
				     &table[p].c[ril][r]);
}

/* Every policy preset is in the table. */
static void test_table_covers_presets(void **state)
{
	(void)state;
	size_t n = smmusim_preset_count("policy");
	for (size_t i = 0; i < n; i++) {
		const char *name = NULL;
		assert_int_equal(
		    smmusim_preset_info("policy", i, &name, NULL, NULL, NULL),
		    0);
		bool found = false;
		for (size_t p = 0; p < sizeof(table) / sizeof(table[0]); p++)
			found |= strcmp(table[p].policy, name) == 0;
		if (!found && strncmp(name, "linux-", 6) == 0)
			fail_msg("preset %s is not in the SVA table", name);
	}
}

/*
 * The command queue fills (issue 10, "Must hold"): a sparse 1 GiB SVA
 * munmap on linux-6.5 without range invalidation issues one TLBI_NH_VA per
 * page (262,144, and again from the second invalidation, as the table's
 * linux-6.5 row; no 512-page fallback before 6.6), in batches of 64
 * without a sync.  The SMMU consumes each in smmu.lat.cmd + lat.cmd_tlbi +
 * a lookup, slower than the CPU writes one (smmu.lat.cmd_write), so a
 * 128-entry queue (smmu.cmdq.log2size=7) fills and the driver waits for
 * the slots to free: smmu.cmdq.full_stalls and the wait histogram.
 */
static void test_sparse_munmap_fills_cmdq(void **state)
{
	(void)state;
	const char *const kv[] = {
	    "smmu.ril", "off", "cpu.feat_tlbirange", "on", "smmu.cmdq.log2size",
	    "7",	NULL};
	const uint64_t pages = (1ull << 30) / PG;
	struct kworld *k = kworld_new("linux-6.5", kv);
	kw_mm_with_vma(k, BASE, pages + 1, RW, false);
	kw_must(k, kw_bind(k, 1, 3, 1, false));
	kw_touch(k, BASE, 0, 1, true);
	kw_touch(k, BASE, pages - 1, 1, true);
	kw_must(k, kw_munmap(k, 1, BASE, pages * PG));
	/* Twice per page, as the table's linux-6.5 row (1022 for 511). */
	assert_int_equal(counter(k->st, "smmu.cmd.tlbi_nh_va"), 2 * pages);
	uint64_t stalls = counter(k->st, "smmu.cmdq.full_stalls");
	assert_true(stalls > 0);
	assert_true(counter(k->st, "smmu.cmdq.full_stall_cycles") > 0);
	const struct sm_hist *h =
	    sm_stats_find_hist(k->st, "smmu.cmdq.full_wait_cycles");
	assert_non_null(h);
	struct smmusim_hist_summary sum;
	sm_hist_summary(h, &sum);
	assert_int_equal(sum.count, stalls);
	assert_int_equal(sum.sum,
			 counter(k->st, "smmu.cmdq.full_stall_cycles"));
	assert_true(sum.max > 0);
	kworld_free(k);
}

/* A munmap that never fills the queue records no wait. */
static void test_small_munmap_no_wait(void **state)
{
	(void)state;
	const char *const kv[] = {"smmu.ril", "off", "smmu.cmdq.log2size", "7",
				  NULL};
	struct kworld *k = kworld_new("linux-6.5", kv);
	kw_mm_with_vma(k, BASE, 9, RW, false);
	kw_must(k, kw_bind(k, 1, 3, 1, false));
	kw_touch(k, BASE, 0, 8, true);
	kw_must(k, kw_munmap(k, 1, BASE, 8 * PG));
	assert_int_equal(counter(k->st, "smmu.cmdq.full_stalls"), 0);
	const struct sm_hist *h =
	    sm_stats_find_hist(k->st, "smmu.cmdq.full_wait_cycles");
	assert_non_null(h);
	struct smmusim_hist_summary sum;
	sm_hist_summary(h, &sum);
	assert_int_equal(sum.count, 0);
	kworld_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_table_covers_presets),
	    cmocka_unit_test(test_sparse_munmap_fills_cmdq),
	    cmocka_unit_test(test_small_munmap_no_wait),
	};
	return cmocka_run_group_tests_name("sva_table", tests, NULL, NULL);
}
