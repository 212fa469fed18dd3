/* SPDX-License-Identifier: MIT */
/*
 * Tests for the kernel model (src/kernel): page faults, the arm64 flush
 * routines, the mmu-notifier chain and its placement per Linux version, and
 * the SMMU driver's SVA notifier, driven through the simulator object so
 * that every model is wired as in a real run.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <smmusim/smmusim.h>

#include "engine/config_keys.h"
#include "sim/sim_internal.h"
#include "hw/mem/pgtable.h"
#include "arch/smmu_regs.h"

#define BASE 0x10000000ull
#define PG 0x1000ull

#define RW (SMMUSIM_PROT_R | SMMUSIM_PROT_W)

/* ---- simulator construction ---- */

/* policy: "linux-6.5", "linux-6.6" or NULL (defaults); kv: key, value pairs
 * ending with NULL. */
static smmusim_t *mk(const char *policy, const char *const *kv)
{
	smmusim_config_t *cfg;
	smmusim_t *sim = NULL;
	char msg[256];
	assert_int_equal(smmusim_config_new(&cfg, NULL), 0);
	if (policy)
		assert_int_equal(
		    smmusim_config_apply_preset(cfg, "policy", policy), 0);
	for (; kv && kv[0]; kv += 2)
		assert_int_equal(smmusim_config_set(cfg, kv[0], kv[1]), 0);
	int rc = smmusim_new_ex(&sim, cfg, NULL, msg, sizeof(msg));
	if (rc != 0)
		fail_msg("smmusim_new_ex: %s", msg);
	smmusim_config_free(cfg);
	return sim;
}

static int teardown(void **state)
{
	smmusim_free(*state);
	*state = NULL;
	return 0;
}

static uint64_t stat(const smmusim_t *sim, const char *name)
{
	uint64_t v = 0;
	if (smmusim_stat_get(sim, name, &v) != 0)
		fail_msg("no counter %s", name);
	return v;
}

/* ---- events ---- */

static int submit(smmusim_t *sim, struct smmusim_event ev)
{
	ev.timing = SMMUSIM_AFTER_PREV;
	return smmusim_submit(sim, &ev);
}

static void must(smmusim_t *sim, int rc)
{
	if (rc != 0)
		fail_msg("rc=%d: %s", rc, smmusim_last_error(sim));
}

static int ev_mm_create(smmusim_t *sim, uint32_t mm)
{
	return submit(sim, (struct smmusim_event){.type = SMMUSIM_EV_MM_CREATE,
						  .mm = mm});
}

static int ev_mmap(smmusim_t *sim, uint32_t mm, uint64_t va, uint64_t len,
		   unsigned prot, bool shared)
{
	return submit(
	    sim, (struct smmusim_event){.type = SMMUSIM_EV_MMAP,
					.mm = mm,
					.va = va,
					.len = len,
					.prot = prot,
					.map = shared ? SMMUSIM_MAP_SHARED
						      : SMMUSIM_MAP_PRIVATE});
}

static int ev_munmap(smmusim_t *sim, uint32_t mm, uint64_t va, uint64_t len)
{
	return submit(sim, (struct smmusim_event){.type = SMMUSIM_EV_MUNMAP,
						  .mm = mm,
						  .va = va,
						  .len = len});
}

static int ev_mm_exit(smmusim_t *sim, uint32_t mm)
{
	return submit(
	    sim, (struct smmusim_event){.type = SMMUSIM_EV_MM_EXIT, .mm = mm});
}

static int ev_cpu(smmusim_t *sim, uint32_t mm, uint32_t cpu, uint64_t va,
		  bool write)
{
	return submit(sim,
		      (struct smmusim_event){.type = SMMUSIM_EV_CPU_ACCESS,
					     .mm = mm,
					     .cpu = cpu,
					     .va = va,
					     .op = write ? SMMUSIM_ACC_WRITE
							 : SMMUSIM_ACC_READ});
}

static int ev_dev(smmusim_t *sim, uint32_t sid, uint32_t ssid, uint64_t va,
		  bool write)
{
	return submit(sim,
		      (struct smmusim_event){.type = SMMUSIM_EV_DEV_ACCESS,
					     .sid = sid,
					     .ssid = ssid,
					     .va = va,
					     .op = write ? SMMUSIM_ACC_WRITE
							 : SMMUSIM_ACC_READ});
}

static int ev_bind(smmusim_t *sim, uint32_t mm, uint32_t sid, uint32_t ssid,
		   bool pri)
{
	return submit(sim, (struct smmusim_event){.type = SMMUSIM_EV_BIND,
						  .mm = mm,
						  .sid = sid,
						  .ssid = ssid,
						  .pri = pri});
}

static int ev_unbind(smmusim_t *sim, uint32_t sid, uint32_t ssid)
{
	return submit(sim, (struct smmusim_event){.type = SMMUSIM_EV_UNBIND,
						  .sid = sid,
						  .ssid = ssid});
}

/* Let device accesses in flight (page requests, retries) finish. */
static void settle(smmusim_t *sim)
{
	must(sim, smmusim_run_until(sim, smmusim_now(sim) + 100000000ull));
}

/* ---- looking inside ---- */

static struct sm_mm *mm_of(smmusim_t *sim, uint32_t id)
{
	struct sm_mm *mm = sm_os_find_mm(&sim->os, id);
	assert_non_null(mm);
	return mm;
}

static uint64_t pte(smmusim_t *sim, uint32_t id, uint64_t va)
{
	return sm_pgt_get(sim->pm, mm_of(sim, id)->pgd, va, NULL, NULL);
}

static uint64_t pte_pa(uint64_t d)
{
	return d & PTE_ADDR_MASK;
}

/* mm 1 with [BASE, BASE + npages) mapped. */
static void mm_with_vma(smmusim_t *sim, uint64_t npages, unsigned prot,
			bool shared)
{
	must(sim, ev_mm_create(sim, 1));
	must(sim, ev_mmap(sim, 1, BASE, npages * PG, prot, shared));
}

static void touch(smmusim_t *sim, uint64_t first, uint64_t n, bool write)
{
	for (uint64_t p = first; p < first + n; p++)
		must(sim, ev_cpu(sim, 1, 0, BASE + p * PG, write));
}

/* ============================== faults ============================== */

static void test_private_read_zero_page_then_cow(void **state)
{
	smmusim_t *sim = *state = mk(NULL, NULL);
	mm_with_vma(sim, 4, RW, false);

	must(sim, ev_cpu(sim, 1, 0, BASE + 0x10, false));
	uint64_t d = pte(sim, 1, BASE);
	assert_true(d & PTE_VALID);
	assert_true(d & PTE_RDONLY);
	assert_int_equal(pte_pa(d), sim->os.mm.zero_page);
	assert_int_equal(sm_physmem_kind(sim->pm, sim->os.mm.zero_page),
			 SM_PAGE_ZERO);
	assert_int_equal(stat(sim, "os.faults.cpu"), 1);
	assert_int_equal(stat(sim, "os.faults.cow"), 0);
	assert_int_equal(stat(sim, "os.pages.allocated"), 0);

	must(sim, ev_cpu(sim, 1, 0, BASE + 0x20, true));
	d = pte(sim, 1, BASE);
	assert_int_equal(stat(sim, "os.faults.cow"), 1);
	assert_int_equal(stat(sim, "os.pages.allocated"), 1);
	assert_true(d & PTE_VALID);
	assert_false(d & PTE_RDONLY);
	assert_true(d & PTE_DIRTY);
	assert_int_not_equal(pte_pa(d), sim->os.mm.zero_page);
	assert_int_equal(sm_physmem_kind(sim->pm, pte_pa(d)), SM_PAGE_DATA);
	/* The CPU cached the read-only zero-page entry: COW flushed it. */
	assert_int_equal(stat(sim, "os.flush.flush_tlb_page"), 1);
	assert_int_equal(stat(sim, "cpu.access.segv"), 0);

	/* A write to a fresh page allocates at once, no COW. */
	must(sim, ev_cpu(sim, 1, 1, BASE + PG, true));
	d = pte(sim, 1, BASE + PG);
	assert_false(d & PTE_RDONLY);
	assert_int_equal(stat(sim, "os.faults.cow"), 1);
	assert_int_equal(stat(sim, "os.pages.allocated"), 2);
}

static void test_shared_read_then_upgrade(void **state)
{
	smmusim_t *sim = *state = mk(NULL, NULL);
	mm_with_vma(sim, 4, RW, true);

	must(sim, ev_cpu(sim, 1, 0, BASE, false));
	uint64_t d = pte(sim, 1, BASE);
	assert_true(d & PTE_VALID);
	assert_true(d & PTE_RDONLY); /* clean: read-only to the hardware */
	assert_false(d & PTE_DIRTY);
	assert_int_not_equal(pte_pa(d), sim->os.mm.zero_page);
	uint64_t pa = pte_pa(d);
	uint64_t flushes = stat(sim, "os.flush.flush_tlb_page");

	must(sim, ev_cpu(sim, 1, 0, BASE, true));
	d = pte(sim, 1, BASE);
	assert_int_equal(stat(sim, "os.faults.upgrade"), 1);
	assert_int_equal(stat(sim, "os.faults.cow"), 0);
	assert_false(d & PTE_RDONLY);
	assert_true(d & PTE_DIRTY);
	assert_true(d & PTE_WRITE);
	assert_int_equal(pte_pa(d), pa); /* same page-cache page */
	assert_int_equal(stat(sim, "os.flush.flush_tlb_page"), flushes + 1);
	assert_int_equal(stat(sim, "cpu.access.segv"), 0);
}

/* ============================== placement ============================== */

static void placement(smmusim_t *sim, bool upgrade_notifies)
{
	mm_with_vma(sim, 4, RW, true);
	must(sim, ev_bind(sim, 1, 1, 1, true));
	must(sim, ev_cpu(sim, 1, 0, BASE, false));
	uint64_t calls = stat(sim, "os.notifier.calls");
	uint64_t va_cmds = stat(sim, "smmu.cmd.tlbi_nh_va");

	/* Permission upgrade through ptep_set_access_flags +
	 * flush_tlb_page. */
	must(sim, ev_cpu(sim, 1, 0, BASE, true));
	assert_int_equal(stat(sim, "os.faults.upgrade"), 1);
	assert_int_equal(stat(sim, "os.notifier.calls"),
			 calls + (upgrade_notifies ? 1 : 0));
	assert_int_equal(stat(sim, "smmu.cmd.tlbi_nh_va"),
			 va_cmds + (upgrade_notifies ? 1 : 0));

	/* munmap reaches the hook either way. */
	calls = stat(sim, "os.notifier.calls");
	must(sim, ev_munmap(sim, 1, BASE, PG));
	assert_int_equal(stat(sim, "os.notifier.calls"), calls + 1);
}

static void test_placement_linux_6_5(void **state)
{
	smmusim_t *sim = *state = mk("linux-6.5", NULL);
	assert_int_equal(sim->os.mn.placement, SM_PLACEMENT_RANGE_END);
	placement(sim, false);
}

static void test_placement_linux_6_6(void **state)
{
	smmusim_t *sim = *state = mk("linux-6.6", NULL);
	assert_int_equal(sim->os.mn.placement, SM_PLACEMENT_ARCH_FLUSH);
	placement(sim, true);
}

/* ============================== SVA invalidation
 * ============================== */

struct munmap_case {
	const char *policy;
	uint64_t pages;
};

/* Populate `pages` pages, munmap them all, return the deltas. */
static void sva_munmap(void **state, const struct munmap_case *c)
{
	/* v6.6.0 hands the notifier an empty range (range_start_bug, tested
	 * separately); these cases check the per-page/ASID switch itself. */
	static const char *const fixed[] = {"policy.notifier.range_start_bug",
					    "off", NULL};
	smmusim_t *sim = *state = mk(c->policy, fixed);
	assert_int_equal(sim->os.drv.max_tlbi_ops, 512);
	assert_int_equal(sim->os.tlb.max_tlbi_ops, 512);
	mm_with_vma(sim, c->pages, RW, false);
	must(sim, ev_bind(sim, 1, 3, 1, false));
	touch(sim, 0, c->pages, true);

	uint64_t va0 = stat(sim, "smmu.cmd.tlbi_nh_va");
	uint64_t as0 = stat(sim, "smmu.cmd.tlbi_nh_asid");
	uint64_t vale0 = stat(sim, "cpu.tlbi.issued.vale1is");
	uint64_t aside0 = stat(sim, "cpu.tlbi.issued.aside1is");
	must(sim, ev_munmap(sim, 1, BASE, c->pages * PG));
	uint64_t dva = stat(sim, "smmu.cmd.tlbi_nh_va") - va0;
	uint64_t das = stat(sim, "smmu.cmd.tlbi_nh_asid") - as0;
	uint64_t dvale = stat(sim, "cpu.tlbi.issued.vale1is") - vale0;
	uint64_t daside = stat(sim, "cpu.tlbi.issued.aside1is") - aside0;
	if (c->pages < 512) {
		assert_int_equal(dva, c->pages);
		assert_int_equal(das, 0);
		assert_int_equal(dvale, c->pages);
		assert_int_equal(daside, 0);
	} else {
		assert_int_equal(dva, 0);
		assert_int_equal(das, 1);
		assert_int_equal(dvale, 0);
		assert_int_equal(daside, 1);
	}
	assert_int_equal(stat(sim, "smmu.cmdq.errors"), 0);
}

static void test_sva_511_pages_6_5(void **state)
{
	sva_munmap(state, &(struct munmap_case){"linux-6.5", 511});
}

static void test_sva_512_pages_6_5(void **state)
{
	sva_munmap(state, &(struct munmap_case){"linux-6.5", 512});
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
	static const char *const kv[] = {"policy.smmu.max_tlbi_ops", "4", NULL};
	smmusim_t *sim = *state = mk("linux-6.5", kv);
	mm_with_vma(sim, 8, RW, false);
	must(sim, ev_bind(sim, 1, 3, 1, false));
	uint64_t va0 = stat(sim, "smmu.cmd.tlbi_nh_va");
	uint64_t as0 = stat(sim, "smmu.cmd.tlbi_nh_asid");
	must(sim, ev_munmap(sim, 1, BASE, 3 * PG));
	assert_int_equal(stat(sim, "smmu.cmd.tlbi_nh_va") - va0, 3);
	must(sim, ev_munmap(sim, 1, BASE + 3 * PG, 4 * PG));
	assert_int_equal(stat(sim, "smmu.cmd.tlbi_nh_va") - va0, 3);
	assert_int_equal(stat(sim, "smmu.cmd.tlbi_nh_asid") - as0, 1);
}

static void test_cpu_flush_per_populated_page(void **state)
{
	smmusim_t *sim = *state = mk("linux-6.6", NULL);
	mm_with_vma(sim, 100, RW, false);
	touch(sim, 10, 10, true); /* pages 10..19 */
	uint64_t vale0 = stat(sim, "cpu.tlbi.issued.vale1is");
	uint64_t range0 = stat(sim, "os.flush.flush_tlb_range");
	must(sim, ev_munmap(sim, 1, BASE, 100 * PG));
	assert_int_equal(stat(sim, "cpu.tlbi.issued.vale1is") - vale0, 10);
	assert_int_equal(stat(sim, "os.flush.flush_tlb_range") - range0, 1);
	assert_int_equal(stat(sim, "cpu.tlbi.issued.aside1is"), 0);

	/* Nothing populated: nothing to flush. */
	must(sim, ev_mmap(sim, 1, BASE, 8 * PG, RW, false));
	vale0 = stat(sim, "cpu.tlbi.issued.vale1is");
	must(sim, ev_munmap(sim, 1, BASE, 8 * PG));
	assert_int_equal(stat(sim, "cpu.tlbi.issued.vale1is"), vale0);
}

static void test_btm_skips_sva_invalidation(void **state)
{
	static const char *const kv[] = {"smmu.btm", "on", NULL};
	smmusim_t *sim = *state = mk("linux-6.6", kv);
	mm_with_vma(sim, 4, RW, false);
	must(sim, ev_bind(sim, 1, 1, 1, true));
	touch(sim, 0, 4, true);
	/* The device caches the pages. */
	for (uint64_t p = 0; p < 4; p++)
		must(sim, ev_dev(sim, 1, 1, BASE + p * PG, false));
	settle(sim);
	assert_int_equal(stat(sim, "dev.access.ok"), 4);

	uint64_t skipped = stat(sim, "os.smmu.sva_inv.skipped");
	uint64_t rx0 = stat(sim, "smmu.btm.received");
	uint64_t vale0 = stat(sim, "cpu.tlbi.issued.vale1is");
	uint64_t va0 = stat(sim, "smmu.cmd.tlbi_nh_va");
	uint64_t as0 = stat(sim, "smmu.cmd.tlbi_nh_asid");
	uint64_t inv0 = stat(sim, "smmu.iotlb.invalidated");
	must(sim, ev_munmap(sim, 1, BASE, 4 * PG));
	assert_true(stat(sim, "os.smmu.sva_inv.skipped") > skipped);
	assert_int_equal(stat(sim, "smmu.cmd.tlbi_nh_va"), va0);
	assert_int_equal(stat(sim, "smmu.cmd.tlbi_nh_asid"), as0);
	uint64_t dvale = stat(sim, "cpu.tlbi.issued.vale1is") - vale0;
	assert_int_equal(dvale, 4);
	assert_int_equal(stat(sim, "smmu.btm.received") - rx0, dvale);
	/* The snooped TLBIs removed the device's entries. */
	assert_int_equal(stat(sim, "smmu.iotlb.invalidated") - inv0, 4);
}

/* ============================== page freeing ============================== */

struct free_probe {
	smmusim_t *sim;
	uint64_t pa;
	unsigned calls;
	unsigned seen_allocated;
};

/* A DVM receiver: at each broadcast TLBI, is the page still allocated? */
static uint64_t probe_apply(void *ctx, const struct sm_tlbi *t, uint64_t arrive)
{
	struct free_probe *p = ctx;
	(void)t;
	p->calls++;
	if (sm_physmem_kind(p->sim->pm, p->pa) == SM_PAGE_DATA)
		p->seen_allocated++;
	return arrive;
}

static void test_munmap_frees_after_flush_and_reuses(void **state)
{
	smmusim_t *sim = *state = mk(NULL, NULL);
	mm_with_vma(sim, 2, RW, false);
	must(sim, ev_cpu(sim, 1, 0, BASE, true));
	uint64_t pa = pte_pa(pte(sim, 1, BASE));
	assert_int_equal(sm_physmem_kind(sim->pm, pa), SM_PAGE_DATA);

	struct free_probe probe = {.sim = sim, .pa = pa};
	struct sm_dvm_receiver r = {probe_apply, &probe};
	assert_int_equal(sm_cpu_add_receiver(&sim->cpu, &r), 0);

	uint64_t freed = stat(sim, "os.pages.freed");
	must(sim, ev_munmap(sim, 1, BASE, 2 * PG));
	assert_int_equal(stat(sim, "os.pages.freed"), freed + 1);
	assert_int_equal(sm_physmem_kind(sim->pm, pa), SM_PAGE_FREE);
	assert_int_equal(pte(sim, 1, BASE), 0);
	/* The flush's TLBI saw the page still allocated. */
	assert_int_equal(probe.calls, 1);
	assert_int_equal(probe.seen_allocated, 1);

	/* LIFO reuse: the next page handed out is the one just freed. */
	must(sim, ev_mmap(sim, 1, BASE + 64 * PG, PG, RW, false));
	must(sim, ev_cpu(sim, 1, 2, BASE + 64 * PG, true));
	assert_int_equal(pte_pa(pte(sim, 1, BASE + 64 * PG)), pa);
}

/* ============================== errors ============================== */

static void test_bind_range_errors(void **state)
{
	smmusim_t *sim = *state = mk(NULL, NULL);
	assert_int_equal(sim->os.drv.sid_bits, 8);
	must(sim, ev_mm_create(sim, 1));

	int rc = ev_bind(sim, 1, 1, 0, false);
	assert_int_equal(rc, SMMUSIM_ERANGE);
	const char *msg = smmusim_last_error(sim);
	assert_non_null(strstr(msg, "ssid=0"));
	assert_non_null(strstr(msg, "1..255"));

	rc = ev_bind(sim, 1, 1, 256, false);
	assert_int_equal(rc, SMMUSIM_ERANGE);
	assert_non_null(strstr(smmusim_last_error(sim), "1..255"));

	rc = ev_bind(sim, 1, 0x100, 1, false);
	assert_int_equal(rc, SMMUSIM_ERANGE);
	msg = smmusim_last_error(sim);
	assert_non_null(strstr(msg, "sid=0x100"));
	assert_non_null(strstr(msg, "0..0xff"));

	/* Limits: sid 0xff and ssid 255 are fine. */
	must(sim, ev_bind(sim, 1, 0xff, 255, false));
}

static void test_double_bind_fails(void **state)
{
	smmusim_t *sim = *state = mk(NULL, NULL);
	must(sim, ev_mm_create(sim, 1));
	must(sim, ev_mm_create(sim, 2));
	must(sim, ev_bind(sim, 1, 4, 1, false));
	int rc = ev_bind(sim, 2, 4, 1, false);
	assert_int_equal(rc, SMMUSIM_EEXIST);
	assert_non_null(strstr(smmusim_last_error(sim), "already bound"));
	/* Another ssid of the same stream is fine. */
	must(sim, ev_bind(sim, 2, 4, 2, false));
	assert_non_null(sm_drv_find_bond(&sim->os, 4, 1));
	assert_ptr_equal(sm_drv_find_bond(&sim->os, 4, 1)->mm, mm_of(sim, 1));
	assert_ptr_equal(sm_drv_find_bond(&sim->os, 4, 2)->mm, mm_of(sim, 2));
}

static void test_unbind(void **state)
{
	smmusim_t *sim = *state = mk(NULL, NULL);
	mm_with_vma(sim, 1, RW, false);
	must(sim, ev_bind(sim, 1, 2, 1, true));
	must(sim, ev_cpu(sim, 1, 0, BASE, true));
	must(sim, ev_dev(sim, 2, 1, BASE, false));
	settle(sim);
	assert_int_equal(stat(sim, "dev.access.ok"), 1);

	uint64_t cd0 = stat(sim, "smmu.cmd.cfgi_cd");
	uint64_t as0 = stat(sim, "smmu.cmd.tlbi_nh_asid");
	must(sim, ev_unbind(sim, 2, 1));
	/* Clearing a live SVA CD is a breaking update: 2 syncs (Linux's
	 * KUnit "CD SVA clear"). */
	assert_int_equal(stat(sim, "smmu.cmd.cfgi_cd") - cd0, 2);
	assert_int_equal(stat(sim, "smmu.cmd.tlbi_nh_asid") - as0, 1);
	assert_null(sm_drv_find_bond(&sim->os, 2, 1));
	assert_null(mm_of(sim, 1)->subs); /* notifier dropped */

	/* The CD is invalid now: a device access fails on configuration. */
	uint64_t bad_cd = stat(sim, "smmu.faults.c_bad_cd");
	must(sim, ev_dev(sim, 2, 1, BASE, false));
	settle(sim);
	assert_int_equal(stat(sim, "smmu.faults.c_bad_cd"), bad_cd + 1);
	assert_int_equal(stat(sim, "dev.access.failed"), 1);

	/* Unbinding again fails. */
	int rc = ev_unbind(sim, 2, 1);
	assert_int_equal(rc, SMMUSIM_ENOENT);
	assert_non_null(strstr(smmusim_last_error(sim), "not bound"));
}

static void test_mm_exit_quiets_cd(void **state)
{
	smmusim_t *sim = *state = mk(NULL, NULL);
	mm_with_vma(sim, 2, RW, false);
	must(sim, ev_bind(sim, 1, 5, 3, true));
	must(sim, ev_cpu(sim, 1, 0, BASE, true));
	must(sim, ev_dev(sim, 5, 3, BASE, true));
	settle(sim);
	assert_int_equal(stat(sim, "dev.access.ok"), 1);
	assert_int_equal(stat(sim, "os.notifier.release"), 0);

	uint64_t as0 = stat(sim, "smmu.cmd.tlbi_nh_asid");
	uint64_t cd0 = stat(sim, "smmu.cmd.cfgi_cd");
	must(sim, ev_mm_exit(sim, 1));
	assert_int_equal(stat(sim, "os.notifier.release"), 1);
	/* SVA CD -> release CD: hitless, 2 syncs (KUnit "CD SVA release"). */
	assert_int_equal(stat(sim, "smmu.cmd.cfgi_cd") - cd0, 2);
	assert_int_equal(stat(sim, "smmu.cmd.tlbi_nh_asid") - as0, 1);
	uint64_t cd_pa = sim->os.drv.sids[5].cdtab + 3 * 64;
	uint64_t cd = sm_physmem_read64(sim->pm, cd_pa);
	assert_true(cd & CTXDESC_CD_0_V);
	assert_true(cd & CTXDESC_CD_0_TCR_EPD0);

	/* The device faults (EPD0: no walk), its page request fails. */
	uint64_t walks = stat(sim, "smmu.walks");
	uint64_t prq = stat(sim, "smmu.pri.requests");
	uint64_t tf = stat(sim, "smmu.faults.translation");
	must(sim, ev_dev(sim, 5, 3, BASE, false));
	settle(sim);
	assert_int_equal(stat(sim, "dev.access.failed"), 1);
	assert_int_equal(stat(sim, "dev.access.ok"), 1);
	assert_int_equal(stat(sim, "smmu.walks"), walks);
	assert_int_equal(stat(sim, "smmu.faults.translation"), tf + 1);
	assert_int_equal(stat(sim, "smmu.pri.requests"), prq + 1);
	assert_int_equal(stat(sim, "os.notifier.release"), 1);
}

int main(void)
{
#define T(fn) cmocka_unit_test_teardown(fn, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_private_read_zero_page_then_cow),
	    T(test_shared_read_then_upgrade),
	    T(test_placement_linux_6_5),
	    T(test_placement_linux_6_6),
	    T(test_sva_511_pages_6_5),
	    T(test_sva_512_pages_6_5),
	    T(test_sva_511_pages_6_6),
	    T(test_sva_512_pages_6_6),
	    T(test_sva_max_tlbi_ops_knob),
	    T(test_cpu_flush_per_populated_page),
	    T(test_btm_skips_sva_invalidation),
	    T(test_munmap_frees_after_flush_and_reuses),
	    T(test_bind_range_errors),
	    T(test_double_bind_fails),
	    T(test_unbind),
	    T(test_mm_exit_quiets_cd),
	};
#undef T
	return cmocka_run_group_tests_name("notifier", tests, NULL, NULL);
}
