/* SPDX-License-Identifier: MIT */
/*
 * Tests for the mmu-notifier chain (src/kernel/mm/mmu_notifier.c) and its
 * subscriber, the SMMUv3 driver's SVA notifier
 * (src/kernel/iommu/arm-smmu-v3/arm-smmu-v3-sva.c): where the secondary-TLB
 * invalidation is called from in each Linux version (placement), when the
 * driver invalidates per page and when the whole ASID
 * (arm_smmu_mm_arch_invalidate_secondary_tlbs), the BTM shortcut, and the
 * bond's lifetime (bind, unbind, release at exit).  Built on the kernel
 * model over the hardware models (tests/kernel_world.h), no simulator.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include <smmusim/error.h>
#include <smmusim/event.h>

#include "helpers.h"
#include "kernel_world.h"

#include "arch/smmu_regs.h"
#include "engine/config_keys.h"

#define BASE 0x10000000ull
#define PG 0x1000ull

#define RW (SMMUSIM_PROT_R | SMMUSIM_PROT_W)

/* ============================== placement ============================== */

static void placement(struct kworld *k, bool upgrade_notifies)
{
	kw_mm_with_vma(k, BASE, 4, RW, true);
	kw_must(k, kw_bind(k, 1, 1, 1, true));
	kw_must(k, kw_cpu(k, 1, 0, BASE, false));
	uint64_t calls = counter(k->st, "os.notifier.calls");
	uint64_t va_cmds = counter(k->st, "smmu.cmd.tlbi_nh_va");

	/* Permission upgrade through ptep_set_access_flags +
	 * flush_tlb_page. */
	kw_must(k, kw_cpu(k, 1, 0, BASE, true));
	assert_int_equal(counter(k->st, "os.faults.upgrade"), 1);
	assert_int_equal(counter(k->st, "os.notifier.calls"),
			 calls + (upgrade_notifies ? 1 : 0));
	assert_int_equal(counter(k->st, "smmu.cmd.tlbi_nh_va"),
			 va_cmds + (upgrade_notifies ? 1 : 0));

	/* munmap reaches the hook either way: before 6.6 twice, from
	 * invalidate_range_end and from tlb_flush_mmu_tlbonly. */
	calls = counter(k->st, "os.notifier.calls");
	kw_must(k, kw_munmap(k, 1, BASE, PG));
	assert_int_equal(counter(k->st, "os.notifier.calls"),
			 calls + (upgrade_notifies ? 1 : 2));
}

static void test_placement_linux_6_5(void **state)
{
	struct kworld *k = *state = kworld_new("linux-6.5", NULL);
	assert_int_equal(k->os.mn.placement, SM_PLACEMENT_RANGE_END);
	placement(k, false);
}

static void test_placement_linux_6_6(void **state)
{
	struct kworld *k = *state = kworld_new("linux-6.6", NULL);
	assert_int_equal(k->os.mn.placement, SM_PLACEMENT_ARCH_FLUSH);
	placement(k, true);
}

/* =========================== SVA invalidation =========================== */

struct munmap_case {
	const char *policy;
	uint64_t pages;
};

/* Populate `pages` pages, munmap them all, check the invalidations. */
static void sva_munmap(void **state, const struct munmap_case *c)
{
	/* v6.6.0 hands the notifier an empty range (range_start_bug, tested
	 * separately); these cases check the per-page/ASID switch itself. */
	static const char *const fixed[] = {"policy.notifier.range_start_bug",
					    "off", "smmu.ril", "off", NULL};
	struct kworld *k = *state = kworld_new(c->policy, fixed);
	/* Before 6.6 the hook runs twice per munmap (range_end and
	 * tlb_flush_mmu_tlbonly). */
	uint64_t hooks = k->os.mn.placement == SM_PLACEMENT_RANGE_END ? 2 : 1;
	assert_int_equal(k->os.drv.max_tlbi_ops, 512);
	assert_int_equal(k->os.tlb.max_tlbi_ops, 512);
	kw_mm_with_vma(k, BASE, c->pages, RW, false);
	kw_must(k, kw_bind(k, 1, 3, 1, false));
	kw_touch(k, BASE, 0, c->pages, true);

	uint64_t va0 = counter(k->st, "smmu.cmd.tlbi_nh_va");
	uint64_t as0 = counter(k->st, "smmu.cmd.tlbi_nh_asid");
	uint64_t vale0 = counter(k->st, "cpu.tlbi.issued.vale1is");
	uint64_t aside0 = counter(k->st, "cpu.tlbi.issued.aside1is");
	kw_must(k, kw_munmap(k, 1, BASE, c->pages * PG));
	uint64_t dva = counter(k->st, "smmu.cmd.tlbi_nh_va") - va0;
	uint64_t das = counter(k->st, "smmu.cmd.tlbi_nh_asid") - as0;
	uint64_t dvale = counter(k->st, "cpu.tlbi.issued.vale1is") - vale0;
	uint64_t daside = counter(k->st, "cpu.tlbi.issued.aside1is") - aside0;
	if (c->pages < 512) {
		assert_int_equal(dva, hooks * c->pages);
		assert_int_equal(das, 0);
		assert_int_equal(dvale, c->pages);
		assert_int_equal(daside, 0);
	} else {
		assert_int_equal(dva, 0);
		assert_int_equal(das, hooks);
		assert_int_equal(dvale, 0);
		assert_int_equal(daside, 1);
	}
	assert_int_equal(counter(k->st, "smmu.cmdq.errors"), 0);
}

static void test_sva_511_pages_6_1(void **state)
{
	sva_munmap(state, &(struct munmap_case){"linux-6.1", 511});
}

static void test_sva_512_pages_6_1(void **state)
{
	sva_munmap(state, &(struct munmap_case){"linux-6.1", 512});
}

static void test_sva_511_pages_6_6(void **state)
{
	sva_munmap(state, &(struct munmap_case){"linux-6.6", 511});
}

static void test_sva_512_pages_6_6(void **state)
{
	sva_munmap(state, &(struct munmap_case){"linux-6.6", 512});
}

static void test_sva_max_tlbi_ops_knob(void **state)
{
	static const char *const kv[] = {"policy.smmu.max_tlbi_ops", "4",
					 "smmu.ril", "off", NULL};
	struct kworld *k = *state = kworld_new("linux-6.12", kv);
	kw_mm_with_vma(k, BASE, 8, RW, false);
	kw_must(k, kw_bind(k, 1, 3, 1, false));
	kw_touch(k, BASE, 0, 7, true); /* 6.6+: the hook follows a flush */
	uint64_t va0 = counter(k->st, "smmu.cmd.tlbi_nh_va");
	uint64_t as0 = counter(k->st, "smmu.cmd.tlbi_nh_asid");
	kw_must(k, kw_munmap(k, 1, BASE, 3 * PG));
	assert_int_equal(counter(k->st, "smmu.cmd.tlbi_nh_va") - va0, 3);
	kw_must(k, kw_munmap(k, 1, BASE + 3 * PG, 4 * PG));
	assert_int_equal(counter(k->st, "smmu.cmd.tlbi_nh_va") - va0, 3);
	assert_int_equal(counter(k->st, "smmu.cmd.tlbi_nh_asid") - as0, 1);
}

/* The BTM what-if (policy.smmu.btm=on over an SMMU with IDR0.BTM): the
 * driver clears CR2.PTM and skips the SVA TLBIs; the SMMU applies the
 * CPU's broadcast TLBIs. */
static void test_btm_skips_sva_invalidation(void **state)
{
	static const char *const kv[] = {"smmu.btm", "on", "policy.smmu.btm",
					 "on", NULL};
	struct kworld *k = *state = kworld_new("linux-6.6", kv);
	kw_mm_with_vma(k, BASE, 4, RW, false);
	kw_must(k, kw_bind(k, 1, 1, 1, true));
	kw_touch(k, BASE, 0, 4, true);
	/* The device caches the pages. */
	for (uint64_t p = 0; p < 4; p++)
		kw_must(k, kw_dev(k, 1, 1, BASE + p * PG, false));
	assert_int_equal(counter(k->st, "dev.access.ok"), 4);

	uint64_t skipped = counter(k->st, "os.smmu.sva_inv.skipped");
	uint64_t rx0 = counter(k->st, "smmu.btm.received");
	uint64_t vale0 = counter(k->st, "cpu.tlbi.issued.vale1is");
	uint64_t va0 = counter(k->st, "smmu.cmd.tlbi_nh_va");
	uint64_t as0 = counter(k->st, "smmu.cmd.tlbi_nh_asid");
	uint64_t inv0 = counter(k->st, "smmu.iotlb.invalidated");
	kw_must(k, kw_munmap(k, 1, BASE, 4 * PG));
	assert_true(counter(k->st, "os.smmu.sva_inv.skipped") > skipped);
	assert_int_equal(counter(k->st, "smmu.cmd.tlbi_nh_va"), va0);
	assert_int_equal(counter(k->st, "smmu.cmd.tlbi_nh_asid"), as0);
	uint64_t dvale = counter(k->st, "cpu.tlbi.issued.vale1is") - vale0;
	assert_int_equal(dvale, 4);
	assert_int_equal(counter(k->st, "smmu.btm.received") - rx0, dvale);
	/* The snooped TLBIs removed the device's entries. */
	assert_int_equal(counter(k->st, "smmu.iotlb.invalidated") - inv0, 4);
}

/* Linux: IDR0.BTM alone changes nothing.  arm_smmu_device_reset sets
 * CR2.PTM, so the SMMU ignores the broadcast TLBIs and the SVA notifier
 * invalidates with commands. */
static void test_btm_hw_only_linux_sets_ptm(void **state)
{
	/* Without RIL: one TLBI_NH_VA per page, easy to count. */
	static const char *const kv[] = {"smmu.btm", "on", "smmu.ril", "off",
					 NULL};
	struct kworld *k = *state = kworld_new("linux-6.15", kv);
	assert_true(k->smmu.btm);
	assert_true(k->smmu.ptm);
	assert_false(k->os.drv.btm);
	kw_mm_with_vma(k, BASE, 4, RW, false);
	kw_must(k, kw_bind(k, 1, 1, 1, true));
	kw_touch(k, BASE, 0, 4, true);
	for (uint64_t p = 0; p < 4; p++)
		kw_must(k, kw_dev(k, 1, 1, BASE + p * PG, false));
	uint64_t va0 = counter(k->st, "smmu.cmd.tlbi_nh_va");
	uint64_t inv0 = counter(k->st, "smmu.iotlb.invalidated");
	kw_must(k, kw_munmap(k, 1, BASE, 4 * PG));
	assert_int_equal(counter(k->st, "smmu.btm.received"), 0);
	assert_int_equal(counter(k->st, "os.smmu.sva_inv.skipped"), 0);
	assert_int_equal(counter(k->st, "smmu.cmd.tlbi_nh_va") - va0, 4);
	assert_int_equal(counter(k->st, "smmu.iotlb.invalidated") - inv0, 4);
}

/* ==================== flush-all (0, -1UL) and its sources ====================
 */

/* mm 1 with 4 pages the device has cached, bound to (1, 1). */
static struct kworld *cached_world(const char *policy, const char *const *kv)
{
	struct kworld *k = kworld_new(policy, kv);
	kw_mm_with_vma(k, BASE, 4, RW, false);
	kw_must(k, kw_bind(k, 1, 1, 1, true));
	kw_touch(k, BASE, 0, 4, true);
	for (uint64_t p = 0; p < 4; p++)
		kw_must(k, kw_dev(k, 1, 1, BASE + p * PG, false));
	return k;
}

/* flush_tlb_mm hands the hook (0, -1UL): fixed, one TLBI_NH_ASID (and the
 * ATC invalidated whole); with the overflow bug, 0 pages: nothing. */
static void flush_tlb_mm_case(void **state, bool bug)
{
	static const char *const fixed[] = {"dev.ats", "on", NULL};
	static const char *const buggy[] = {
	    "dev.ats", "on", "policy.smmu.flushall_overflow_bug", "on", NULL};
	struct kworld *k = *state =
	    cached_world("linux-6.15", bug ? buggy : fixed);
	uint64_t as0 = counter(k->st, "smmu.cmd.tlbi_nh_asid");
	uint64_t atc0 = counter(k->st, "smmu.cmd.atc_inv");
	uint64_t inv0 = counter(k->st, "smmu.iotlb.invalidated");
	uint64_t ainv0 = counter(k->st, "smmu.atc.invalidated");
	kw_must(k, sm_flush_tlb_mm(&k->os, kw_mm(k, 1), 0, &k->now));
	assert_int_equal(counter(k->st, "os.notifier.calls") > 0, 1);
	assert_int_equal(counter(k->st, "smmu.cmd.tlbi_nh_asid") - as0,
			 bug ? 0 : 1);
	assert_int_equal(counter(k->st, "smmu.cmd.atc_inv") - atc0,
			 bug ? 0 : 1);
	if (bug) {
		assert_int_equal(counter(k->st, "smmu.iotlb.invalidated"),
				 inv0);
		assert_int_equal(counter(k->st, "smmu.atc.invalidated"), ainv0);
		assert_int_equal(counter(k->st, "os.smmu.sva_inv.skipped"), 1);
	} else {
		assert_true(counter(k->st, "smmu.atc.invalidated") - ainv0 >=
			    4);
	}
}

static void test_flush_tlb_mm_flushall_fixed(void **state)
{
	flush_tlb_mm_case(state, false);
}

static void test_flush_tlb_mm_flushall_overflow_bug(void **state)
{
	flush_tlb_mm_case(state, true);
}

/* A page range is unaffected by the bug: (end - start + 4095) >> 12 = 1. */
static void test_overflow_bug_spares_page_ranges(void **state)
{
	static const char *const kv[] = {"policy.smmu.flushall_overflow_bug",
					 "on", "smmu.ril", "off", NULL};
	struct kworld *k = *state = cached_world("linux-6.15", kv);
	uint64_t va0 = counter(k->st, "smmu.cmd.tlbi_nh_va");
	kw_must(k, kw_munmap(k, 1, BASE, 2 * PG));
	assert_int_equal(counter(k->st, "smmu.cmd.tlbi_nh_va") - va0, 2);
}

/* Reclaim of 4 pages: arm64's arch_tlbbatch_add_pending hands the hook
 * each page (TLBI_NH_VA each); the x86 style hands it (0, -1UL) per page
 * (TLBI_NH_ASID each), and with the overflow bug nothing at all. */
static void reclaim_case(void **state, const char *batch, bool bug,
			 uint64_t want_va, uint64_t want_asid)
{
	const char *const kv[] = {"policy.cpu.batch_flush", batch,
				  "policy.smmu.flushall_overflow_bug",
				  bug ? "on" : "off", NULL};
	struct kworld *k = *state = cached_world("linux-6.15", kv);
	uint64_t va0 = counter(k->st, "smmu.cmd.tlbi_nh_va");
	uint64_t as0 = counter(k->st, "smmu.cmd.tlbi_nh_asid");
	uint64_t calls0 = counter(k->st, "os.notifier.calls");
	kw_must(k, sm_os_reclaim(&k->os, 1, 0, BASE, 4 * PG, &k->now));
	assert_int_equal(counter(k->st, "os.flush.arch_tlbbatch_add_pending"),
			 4);
	assert_int_equal(counter(k->st, "os.notifier.calls") - calls0, 4);
	assert_int_equal(counter(k->st, "smmu.cmd.tlbi_nh_va") - va0, want_va);
	assert_int_equal(counter(k->st, "smmu.cmd.tlbi_nh_asid") - as0,
			 want_asid);
}

static void test_reclaim_batch_arm64(void **state)
{
	reclaim_case(state, "arm64", false, 4, 0);
}

static void test_reclaim_batch_x86_flush_all_per_page(void **state)
{
	reclaim_case(state, "x86", false, 0, 4);
}

static void test_reclaim_batch_x86_overflow_bug(void **state)
{
	reclaim_case(state, "x86", true, 0, 0);
}

/* What a 4-page reclaim of anonymous pages the device has cached costs,
 * per kernel (no KPTI, SMMU without ATS). */
struct reclaim_want {
	uint64_t dsb_ishst, dsb_ish, vale1is;
	uint64_t flush_tlb_page, add_pending, batch_flush;
	uint64_t hooks, tlbi_nh_va, sync;
};

static void reclaim_version_case(void **state, const char *policy,
				 const struct reclaim_want *w)
{
	struct kworld *k = *state = cached_world(policy, NULL);
	static const char *const names[] = {
	    "cpu.dsb.ishst",
	    "cpu.dsb.ish",
	    "cpu.tlbi.issued.vale1is",
	    "os.flush.flush_tlb_page",
	    "os.flush.arch_tlbbatch_add_pending",
	    "os.flush.arch_tlbbatch_flush",
	    "os.notifier.calls",
	    "smmu.cmd.tlbi_nh_va",
	    "smmu.cmd.sync",
	    "smmu.cmd.tlbi_nh_asid",
	    "smmu.iotlb.invalidated",
	};
	enum { N = ARRAY_LEN(names) };
	uint64_t before[N];
	for (size_t i = 0; i < N; i++)
		before[i] = counter(k->st, names[i]);
	kw_must(k, sm_os_reclaim(&k->os, 1, 0, BASE, 4 * PG, &k->now));
	uint64_t d[N];
	for (size_t i = 0; i < N; i++)
		d[i] = counter(k->st, names[i]) - before[i];
	assert_int_equal(d[0], w->dsb_ishst);
	assert_int_equal(d[1], w->dsb_ish);
	assert_int_equal(d[2], w->vale1is);
	assert_int_equal(d[3], w->flush_tlb_page);
	assert_int_equal(d[4], w->add_pending);
	assert_int_equal(d[5], w->batch_flush);
	assert_int_equal(d[6], w->hooks);
	assert_int_equal(d[7], w->tlbi_nh_va);
	assert_int_equal(d[8], w->sync);
	assert_int_equal(d[9], 0);
	/* Clean: every page the device cached left the IOTLB, and the
	 * device's reads of the reclaimed pages fault instead of hitting a
	 * stale entry (Linux denies the page requests). */
	assert_true(d[10] >= 4);
	uint64_t failed0 = counter(k->st, "dev.access.failed");
	for (uint64_t p = 0; p < 4; p++)
		kw_must(k, kw_dev(k, 1, 1, BASE + p * PG, false));
	assert_int_equal(counter(k->st, "dev.access.failed") - failed0, 4);
	assert_int_equal(counter(k->st, "smmu.cmdq.errors"), 0);
}

/* 6.1 and 6.5: arm64 reclaim is not batched.  Per page ptep_clear_flush
 * = flush_tlb_page (DSB ISHST, TLBI, DSB ISH), then the hook twice:
 * try_to_unmap_one's explicit mmu_notifier_invalidate_range and the
 * bracket's invalidate_range_end; each call is one TLBI_NH_VA (RIL: the
 * page, rounded up to 2 by the non-leaf overshoot) + CMD_SYNC. */
static const struct reclaim_want reclaim_unbatched = {
    .dsb_ishst = 4,
    .dsb_ish = 4,
    .vale1is = 4,
    .flush_tlb_page = 4,
    .hooks = 8,
    .tlbi_nh_va = 8,
    .sync = 8,
};

/* 6.6+: arch_tlbbatch_add_pending per page (DSB ISHST, TLBI, the hook for
 * the page), one DSB ISH in arch_tlbbatch_flush. */
static const struct reclaim_want reclaim_batched = {
    .dsb_ishst = 4,
    .dsb_ish = 1,
    .vale1is = 4,
    .add_pending = 4,
    .batch_flush = 1,
    .hooks = 4,
    .tlbi_nh_va = 4,
    .sync = 4,
};

static void test_reclaim_unbatched_linux_6_1(void **state)
{
	reclaim_version_case(state, "linux-6.1", &reclaim_unbatched);
}

static void test_reclaim_unbatched_linux_6_5(void **state)
{
	reclaim_version_case(state, "linux-6.5", &reclaim_unbatched);
}

static void test_reclaim_batched_linux_6_6(void **state)
{
	reclaim_version_case(state, "linux-6.6", &reclaim_batched);
}

static void test_reclaim_batched_linux_6_12(void **state)
{
	reclaim_version_case(state, "linux-6.12", &reclaim_batched);
}

static void test_reclaim_batched_linux_6_15(void **state)
{
	reclaim_version_case(state, "linux-6.15", &reclaim_batched);
}

/* A file page gets no explicit call in 6.1's try_to_unmap_one: the hook
 * runs from invalidate_range_end only. */
static void test_reclaim_unbatched_file_page_linux_6_1(void **state)
{
	struct kworld *k = *state = kworld_new("linux-6.1", NULL);
	kw_mm_with_vma(k, BASE, 4, RW, true);
	kw_must(k, kw_bind(k, 1, 1, 1, true));
	kw_touch(k, BASE, 0, 4, true);
	uint64_t calls0 = counter(k->st, "os.notifier.calls");
	uint64_t page0 = counter(k->st, "os.flush.flush_tlb_page");
	kw_must(k, sm_os_reclaim(&k->os, 1, 0, BASE, 4 * PG, &k->now));
	assert_int_equal(counter(k->st, "os.notifier.calls") - calls0, 4);
	assert_int_equal(counter(k->st, "os.flush.flush_tlb_page") - page0, 4);
}

/* Page requests: Linux denies them (arm_smmu_handle_ppr), no fault
 * handling; the service what-if resolves them. */
static void pri_case(void **state, const char *mode, bool want_ok)
{
	const char *const kv[] = {"policy.smmu.pri", mode, NULL};
	struct kworld *k = *state = kworld_new("linux-6.15", kv);
	kw_mm_with_vma(k, BASE, 4, RW, false);
	kw_must(k, kw_bind(k, 1, 1, 1, true));
	kw_must(k, kw_dev(k, 1, 1, BASE, true)); /* not faulted in yet */
	assert_int_equal(counter(k->st, "smmu.pri.requests"), 1);
	assert_int_equal(counter(k->st, "smmu.cmd.pri_resp"), 1);
	assert_int_equal(counter(k->st, "dev.access.ok"), want_ok ? 1 : 0);
	assert_int_equal(counter(k->st, "dev.access.failed"), want_ok ? 0 : 1);
	assert_int_equal(kw_pte(k, 1, BASE) != 0, want_ok);
}

static void test_pri_deny_is_linux(void **state)
{
	pri_case(state, "deny", false);
}

static void test_pri_service_what_if(void **state)
{
	pri_case(state, "service", true);
}

/* ============================== bonds ============================== */

static void test_bind_range_errors(void **state)
{
	struct kworld *k = *state = kworld_new(NULL, NULL);
	assert_int_equal(k->os.drv.sid_bits, 8);
	kw_must(k, kw_mm_create(k, 1));

	int rc = kw_bind(k, 1, 1, 0, false);
	assert_int_equal(rc, SMMUSIM_ERANGE);
	const char *msg = k->eb.msg;
	assert_non_null(strstr(msg, "ssid=0"));
	assert_non_null(strstr(msg, "1..255"));

	rc = kw_bind(k, 1, 1, 256, false);
	assert_int_equal(rc, SMMUSIM_ERANGE);
	assert_non_null(strstr(k->eb.msg, "1..255"));

	rc = kw_bind(k, 1, 0x100, 1, false);
	assert_int_equal(rc, SMMUSIM_ERANGE);
	msg = k->eb.msg;
	assert_non_null(strstr(msg, "sid=0x100"));
	assert_non_null(strstr(msg, "0..0xff"));

	/* Limits: sid 0xff and ssid 255 are fine. */
	kw_must(k, kw_bind(k, 1, 0xff, 255, false));
}

static void test_double_bind_fails(void **state)
{
	struct kworld *k = *state = kworld_new(NULL, NULL);
	kw_must(k, kw_mm_create(k, 1));
	kw_must(k, kw_mm_create(k, 2));
	kw_must(k, kw_bind(k, 1, 4, 1, false));
	int rc = kw_bind(k, 2, 4, 1, false);
	assert_int_equal(rc, SMMUSIM_EEXIST);
	assert_non_null(strstr(k->eb.msg, "already bound"));
	/* Another ssid of the same stream is fine. */
	kw_must(k, kw_bind(k, 2, 4, 2, false));
	assert_non_null(sm_drv_find_bond(&k->os, 4, 1));
	assert_ptr_equal(sm_drv_find_bond(&k->os, 4, 1)->mm, kw_mm(k, 1));
	assert_ptr_equal(sm_drv_find_bond(&k->os, 4, 2)->mm, kw_mm(k, 2));
}

static void test_unbind(void **state)
{
	struct kworld *k = *state = kworld_new(NULL, NULL);
	kw_mm_with_vma(k, BASE, 1, RW, false);
	kw_must(k, kw_bind(k, 1, 2, 1, true));
	kw_must(k, kw_cpu(k, 1, 0, BASE, true));
	kw_must(k, kw_dev(k, 2, 1, BASE, false));
	assert_int_equal(counter(k->st, "dev.access.ok"), 1);

	uint64_t cd0 = counter(k->st, "smmu.cmd.cfgi_cd");
	uint64_t as0 = counter(k->st, "smmu.cmd.tlbi_nh_asid");
	kw_must(k, kw_unbind(k, 2, 1));
	/* Clearing a live SVA CD is a breaking update: 2 syncs (Linux's
	 * KUnit "CD SVA clear"). */
	assert_int_equal(counter(k->st, "smmu.cmd.cfgi_cd") - cd0, 2);
	assert_int_equal(counter(k->st, "smmu.cmd.tlbi_nh_asid") - as0, 1);
	assert_null(sm_drv_find_bond(&k->os, 2, 1));
	assert_null(kw_mm(k, 1)->subs); /* notifier dropped */

	/* The CD is invalid now: a device access fails on configuration. */
	uint64_t bad_cd = counter(k->st, "smmu.faults.c_bad_cd");
	kw_must(k, kw_dev(k, 2, 1, BASE, false));
	assert_int_equal(counter(k->st, "smmu.faults.c_bad_cd"), bad_cd + 1);
	assert_int_equal(counter(k->st, "dev.access.failed"), 1);

	/* Unbinding again fails. */
	int rc = kw_unbind(k, 2, 1);
	assert_int_equal(rc, SMMUSIM_ENOENT);
	assert_non_null(strstr(k->eb.msg, "not bound"));
}

static void test_mm_exit_quiets_cd(void **state)
{
	struct kworld *k = *state = kworld_new(NULL, NULL);
	kw_mm_with_vma(k, BASE, 2, RW, false);
	kw_must(k, kw_bind(k, 1, 5, 3, true));
	kw_must(k, kw_cpu(k, 1, 0, BASE, true));
	kw_must(k, kw_dev(k, 5, 3, BASE, true));
	assert_int_equal(counter(k->st, "dev.access.ok"), 1);
	assert_int_equal(counter(k->st, "os.notifier.release"), 0);

	uint64_t as0 = counter(k->st, "smmu.cmd.tlbi_nh_asid");
	uint64_t cd0 = counter(k->st, "smmu.cmd.cfgi_cd");
	kw_must(k, kw_mm_exit(k, 1));
	assert_int_equal(counter(k->st, "os.notifier.release"), 1);
	/* SVA CD -> release CD: hitless, 2 syncs (KUnit "CD SVA release"). */
	assert_int_equal(counter(k->st, "smmu.cmd.cfgi_cd") - cd0, 2);
	assert_int_equal(counter(k->st, "smmu.cmd.tlbi_nh_asid") - as0, 1);
	uint64_t cd_pa = k->os.drv.sids[5].cdtab + 3 * 64;
	uint64_t cd = sm_physmem_read64(k->pm, cd_pa);
	assert_true(cd & CTXDESC_CD_0_V);
	assert_true(cd & CTXDESC_CD_0_TCR_EPD0);

	/* The device faults (EPD0: no walk), its page request fails. */
	uint64_t walks = counter(k->st, "smmu.walks");
	uint64_t prq = counter(k->st, "smmu.pri.requests");
	uint64_t tf = counter(k->st, "smmu.faults.translation");
	kw_must(k, kw_dev(k, 5, 3, BASE, false));
	assert_int_equal(counter(k->st, "dev.access.failed"), 1);
	assert_int_equal(counter(k->st, "dev.access.ok"), 1);
	assert_int_equal(counter(k->st, "smmu.walks"), walks);
	assert_int_equal(counter(k->st, "smmu.faults.translation"), tf + 1);
	assert_int_equal(counter(k->st, "smmu.pri.requests"), prq + 1);
	assert_int_equal(counter(k->st, "os.notifier.release"), 1);
}

/* An exited mm leaves the live list at once; while the SVA notifier still
 * holds it (mmgrab) it is kept, and the last unbind frees it. */
static void test_exited_mm_freed_at_last_unbind(void **state)
{
	struct kworld *k = *state = kworld_new(NULL, NULL);
	kw_mm_with_vma(k, BASE, 2, RW, false);
	kw_must(k, kw_bind(k, 1, 5, 3, true));
	kw_must(k, kw_bind(k, 1, 6, 3, true));
	assert_int_equal(k->os.mm.nmm, 1);
	kw_must(k, kw_mm_exit(k, 1));
	assert_null(sm_os_find_mm(&k->os, 1));
	assert_int_equal(k->os.mm.nmm, 0);
	assert_int_equal(k->os.mm.ndead, 1);
	/* The id may be created again while the old mm is still held. */
	kw_mm_with_vma(k, BASE, 2, RW, false);
	assert_int_equal(k->os.mm.nmm, 1);
	kw_must(k, kw_unbind(k, 5, 3));
	assert_int_equal(k->os.mm.ndead, 1);
	kw_must(k, kw_unbind(k, 6, 3));
	assert_int_equal(k->os.mm.ndead, 0);
	/* Without a bond the struct goes at exit. */
	kw_must(k, kw_mm_exit(k, 1));
	assert_int_equal(k->os.mm.nmm, 0);
	assert_int_equal(k->os.mm.ndead, 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_teardown(fn, kworld_teardown)
	const struct CMUnitTest tests[] = {
	    T(test_placement_linux_6_5),
	    T(test_placement_linux_6_6),
	    T(test_sva_511_pages_6_1),
	    T(test_sva_512_pages_6_1),
	    T(test_sva_511_pages_6_6),
	    T(test_sva_512_pages_6_6),
	    T(test_sva_max_tlbi_ops_knob),
	    T(test_btm_skips_sva_invalidation),
	    T(test_btm_hw_only_linux_sets_ptm),
	    T(test_flush_tlb_mm_flushall_fixed),
	    T(test_flush_tlb_mm_flushall_overflow_bug),
	    T(test_overflow_bug_spares_page_ranges),
	    T(test_reclaim_batch_arm64),
	    T(test_reclaim_batch_x86_flush_all_per_page),
	    T(test_reclaim_batch_x86_overflow_bug),
	    T(test_reclaim_unbatched_linux_6_1),
	    T(test_reclaim_unbatched_linux_6_5),
	    T(test_reclaim_batched_linux_6_6),
	    T(test_reclaim_batched_linux_6_12),
	    T(test_reclaim_batched_linux_6_15),
	    T(test_reclaim_unbatched_file_page_linux_6_1),
	    T(test_pri_deny_is_linux),
	    T(test_pri_service_what_if),
	    T(test_bind_range_errors),
	    T(test_double_bind_fails),
	    T(test_unbind),
	    T(test_mm_exit_quiets_cd),
	    T(test_exited_mm_freed_at_last_unbind),
	};
#undef T
	return cmocka_run_group_tests_name("mmu_notifier", tests, NULL, NULL);
}
