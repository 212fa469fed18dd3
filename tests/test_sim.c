/* SPDX-License-Identifier: MIT */
/*
 * Tests for the composition root (src/sim): events go in through the public
 * API and run through every model wired as smmusim_new() wires them; the
 * test then looks inside the simulator object (sim/sim_internal.h) where
 * the public results do not show enough.
 *
 * DMA domains: domain_create, attach, iommu_map, iommu_unmap, a trace's own
 * SMMU commands (`cmd`), and device accesses without a substream (through
 * CD 0).  The oracle's windows for unmapped IOVAs close at the next
 * completed CMD_SYNC: a stale entry used before that is tolerated, after it
 * a violation.  A trace replayed under the qemu-7.2 hardware preset, with
 * IOTLB hits and misses counted by hand.
 *
 * Raw `tlbi` and `dsb` events: every operand field checked before the
 * instruction reaches a PE, the instruction's effect on the PEs' TLBs, the
 * same through trace replay.  KPTI: the kernel's even ASIDs and the odd
 * user ASID the simulator tags user accesses with.  Event errors: unknown
 * mms, partial ranges, a refused event taking no time.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <smmusim/config.h>
#include <smmusim/error.h>
#include <smmusim/event.h>
#include <smmusim/smmusim.h>

#include "helpers.h"

#include "sim/sim_internal.h"
#include "hw/mem/pgtable.h"
#include "arch/smmu_regs.h"

#define SID 0x10u
#define IOVA 0xffffb000ull
#define RAM_BASE 0x40000000ull
#define RAM_END (RAM_BASE + (1ull << 30)) /* default mem.size: 1 GiB */

/* Command opcodes as a trace writes them (spec 4). */
#define OP_CFGI_CD 0x05u
#define OP_TLBI_NH_ASID 0x11u
#define OP_TLBI_NH_VA 0x12u
#define OP_SYNC 0x46u

#define PAGE 0x1000ull
#define PG PAGE
#define BASE 0x10000000ull
#define RW (SMMUSIM_PROT_R | SMMUSIM_PROT_W)

static const char *const no_utlb[] = {"smmu.utlb.entries=0", NULL};

/* ---- helpers ---- */

/* The clock to the end of the previous event: the SMMU has consumed the
 * commands it waited for, so their effects and smmu.cmd.<op> counts are
 * visible (docs/model.md, Time).  Between submits the SMMU is seen as the
 * simulator's clock sees it, which may be before the event's end. */
static void settle(smmusim_t *sim)
{
	assert_int_equal(smmusim_run_until(sim, sim->prev_finish), 0);
}

/* The tests' events start after the previous one ends unless a test says
 * otherwise (smmusim_set_next_start before its submit). */
static int submit(smmusim_t *sim, struct smmusim_event ev)
{
	smmusim_set_next_start(sim, UINT64_MAX);
	return smmusim_submit(sim, &ev);
}

/* The sum of the cpu.tlbi.issued.* counters. */
static uint64_t tlbis_issued(const smmusim_t *sim)
{
	uint64_t issued = 0;
	for (size_t i = 0; i < smmusim_stat_count(sim); i++) {
		const char *name;
		uint64_t v;
		smmusim_stat_at(sim, i, &name, &v);
		if (!strncmp(name, "cpu.tlbi.issued.", 16))
			issued += v;
	}
	return issued;
}

/* Submitting ev fails with rc and a message that starts with the event's
 * keyword and names each of `words` (NULL terminated); the refused event
 * counts as an event but issues no TLBI. */
static void refused(smmusim_t *sim, struct smmusim_event ev, int rc, ...)
{
	uint64_t events = sim_stat(sim, "sim.events");
	uint64_t issued = tlbis_issued(sim);
	assert_int_equal(smmusim_submit(sim, &ev), rc);
	const char *msg = smmusim_last_error(sim);
	va_list ap;
	va_start(ap, rc);
	for (const char *w; (w = va_arg(ap, const char *));)
		if (!strstr(msg, w))
			fail_msg("'%s' does not name '%s'", msg, w);
	va_end(ap);
	assert_ptr_equal(strstr(msg, smmusim_event_name(ev.type)), msg);
	assert_int_equal(sim_stat(sim, "sim.events"), events + 1);
	assert_int_equal(tlbis_issued(sim), issued);
}

static struct smmusim_event ev_domain(uint32_t dom, uint32_t asid)
{
	return (struct smmusim_event){
	    .type = SMMUSIM_EV_DOMAIN_CREATE, .dom = dom, .asid = asid};
}

static struct smmusim_event ev_attach(uint32_t sid, uint32_t dom, bool cmds)
{
	return (struct smmusim_event){
	    .type = SMMUSIM_EV_ATTACH, .sid = sid, .dom = dom, .cmds = cmds};
}

static struct smmusim_event ev_map(uint32_t dom, uint64_t va, uint64_t len,
				   uint64_t pa, unsigned prot)
{
	return (struct smmusim_event){.type = SMMUSIM_EV_IOMMU_MAP,
				      .dom = dom,
				      .va = va,
				      .len = len,
				      .pa = pa,
				      .prot = prot};
}

static struct smmusim_event ev_unmap(uint32_t dom, uint64_t va, uint64_t len)
{
	return (struct smmusim_event){
	    .type = SMMUSIM_EV_IOMMU_UNMAP, .dom = dom, .va = va, .len = len};
}

/* dev_access without a substream (SMMUSIM_NO_SSID). */
static struct smmusim_event ev_dev(uint32_t sid, uint64_t va, bool write)
{
	return (struct smmusim_event){.type = SMMUSIM_EV_DEV_ACCESS,
				      .sid = sid,
				      .ssid = SMMUSIM_NO_SSID,
				      .va = va,
				      .op = write ? SMMUSIM_ACC_WRITE
						  : SMMUSIM_ACC_READ};
}

static struct smmusim_event ev_cmd(unsigned opcode)
{
	return (struct smmusim_event){.type = SMMUSIM_EV_CMD, .opcode = opcode};
}

/* TLBI_NH_VA, range form for one 4K page at level 3 (tg=1 num=0 scale=0
 * ttl=3), leaf=1. */
static struct smmusim_event ev_tlbi_va(uint32_t asid, uint64_t va)
{
	struct smmusim_event ev = ev_cmd(OP_TLBI_NH_VA);
	ev.asid = asid;
	ev.va = va;
	ev.tg = 1;
	ev.num = 0;
	ev.scale = 0;
	ev.ttl = 3;
	ev.leaf = 1;
	return ev;
}

/* Submit a device access; returns whether it completed successfully. */
static bool dev(smmusim_t *sim, uint32_t sid, uint64_t va, bool write)
{
	uint64_t ok0 = sim_stat(sim, "dev.access.ok");
	uint64_t failed0 = sim_stat(sim, "dev.access.failed");
	submit_ok(sim, ev_dev(sid, va, write));
	uint64_t oks = sim_stat(sim, "dev.access.ok") - ok0;
	uint64_t fails = sim_stat(sim, "dev.access.failed") - failed0;
	assert_int_equal(oks + fails, 1);
	return oks == 1;
}

static const struct sm_domain *find_dom(const smmusim_t *sim, uint32_t id)
{
	for (const struct sm_domain *d = sim->os.drv.domains; d; d = d->next)
		if (d->id == id)
			return d;
	return NULL;
}

/* dom 1 with ASID 2, sid 0x10 attached (driver commands on), IOVA mapped
 * to fresh pages and read once by the device (now cached). */
static smmusim_t *dma_setup(void)
{
	smmusim_t *sim = sim_new(NULL, NULL);
	submit_ok(sim, ev_domain(1, 2));
	submit_ok(sim, ev_attach(SID, 1, true));
	submit_ok(sim,
		  ev_map(1, IOVA, 0x1000, 0, SMMUSIM_PROT_R | SMMUSIM_PROT_W));
	assert_true(dev(sim, SID, IOVA + 0x10, false));
	assert_true(dev(sim, SID, IOVA + 0x20, true));
	assert_int_equal(sim_stat(sim, "smmu.walks"), 1);
	return sim;
}

/* ============================== domains ============================== */

static void domain_create_and_duplicates(void **state)
{
	(void)state;
	smmusim_t *sim = sim_new(NULL, NULL);

	submit_ok(sim, ev_domain(1, 0)); /* lowest free ASID: 1 */
	submit_ok(sim, ev_domain(2, 5));
	submit_ok(sim, ev_domain(3, 0)); /* 1 is taken: 2 */
	assert_non_null(find_dom(sim, 1));
	assert_int_equal(find_dom(sim, 1)->asid, 1);
	assert_int_equal(find_dom(sim, 2)->asid, 5);
	assert_int_equal(find_dom(sim, 3)->asid, 2);
	assert_true(find_dom(sim, 1)->pgd != find_dom(sim, 3)->pgd);

	refused(sim, ev_domain(1, 0), SMMUSIM_EEXIST, "dom=1", NULL);
	refused(sim, ev_domain(2, 9), SMMUSIM_EEXIST, "dom=2", NULL);
	refused(sim, ev_domain(4, 5), SMMUSIM_EEXIST, "asid=5", "dom=2", NULL);
	refused(sim, ev_domain(4, 1), SMMUSIM_EEXIST, "asid=1", "dom=1", NULL);
	refused(sim, ev_domain(4, 0x10000), SMMUSIM_ERANGE, "asid=65536", NULL);
	assert_null(find_dom(sim, 4));

	/* After the refusals dom 4 can still be created. */
	submit_ok(sim, ev_domain(4, 0));
	assert_int_equal(find_dom(sim, 4)->asid, 3);
	assert_int_equal(smmusim_finish(sim), 0);
	assert_int_equal(smmusim_violation_total(sim), 0);
	smmusim_free(sim);
}

static void attach_cmds_on_and_off(void **state)
{
	(void)state;
	smmusim_t *sim = sim_new(NULL, NULL);
	submit_ok(sim, ev_domain(1, 2));
	settle(sim);

	uint64_t ste0 = sim_stat(sim, "smmu.cmd.cfgi_ste");
	uint64_t cd0 = sim_stat(sim, "smmu.cmd.cfgi_cd");
	uint64_t sync0 = sim_stat(sim, "smmu.cmd.sync");
	uint64_t es0 = sim_stat(sim, "os.smmu.entry_syncs");
	uint64_t sub0 = sim_stat(sim, "os.smmu.submissions");
	submit_ok(sim, ev_attach(SID, 1, true));
	settle(sim);
	uint64_t dste = sim_stat(sim, "smmu.cmd.cfgi_ste") - ste0;
	uint64_t dcd = sim_stat(sim, "smmu.cmd.cfgi_cd") - cd0;
	/* The STE (abort -> CD table) and CD 0 were each written and
	 * invalidated at least once; every writer step is one CFGI + one
	 * CMD_SYNC. */
	assert_true(dste >= 1);
	assert_true(dcd >= 1);
	assert_int_equal(sim_stat(sim, "os.smmu.entry_syncs") - es0,
			 dste + dcd);
	assert_int_equal(sim_stat(sim, "smmu.cmd.sync") - sync0, dste + dcd);
	assert_int_equal(sim_stat(sim, "os.smmu.submissions") - sub0,
			 dste + dcd);
	assert_int_equal(sim_stat(sim, "smmu.cmdq.errors"), 0);

	/* cmds=false: the trace carries the commands; the driver issues
	 * none. */
	ste0 = sim_stat(sim, "smmu.cmd.cfgi_ste");
	cd0 = sim_stat(sim, "smmu.cmd.cfgi_cd");
	sync0 = sim_stat(sim, "smmu.cmd.sync");
	sub0 = sim_stat(sim, "os.smmu.submissions");
	submit_ok(sim, ev_attach(SID + 1, 1, false));
	assert_int_equal(sim_stat(sim, "smmu.cmd.cfgi_ste"), ste0);
	assert_int_equal(sim_stat(sim, "smmu.cmd.cfgi_cd"), cd0);
	assert_int_equal(sim_stat(sim, "smmu.cmd.sync"), sync0);
	assert_int_equal(sim_stat(sim, "os.smmu.submissions"), sub0);

	/* Both streams translate through the domain (nothing was cached for
	 * sid 0x11, so no CFGI was needed). */
	submit_ok(sim,
		  ev_map(1, IOVA, 0x1000, 0, SMMUSIM_PROT_R | SMMUSIM_PROT_W));
	assert_true(dev(sim, SID, IOVA, true));
	assert_true(dev(sim, SID + 1, IOVA, false));

	refused(sim, ev_attach(SID, 7, true), SMMUSIM_ENOENT, "dom=7", NULL);
	/* smmu.sid_bits = 8: sid 0x100 is outside the stream table. */
	refused(sim, ev_attach(0x100, 1, true), SMMUSIM_ERANGE, "sid=0x100",
		"smmu.sid_bits", NULL);
	assert_int_equal(smmusim_finish(sim), 0);
	assert_int_equal(smmusim_violation_total(sim), 0);
	smmusim_free(sim);
}

/* ============================== iommu_map ============================== */

static void iommu_map_checks(void **state)
{
	(void)state;
	const unsigned rw = SMMUSIM_PROT_R | SMMUSIM_PROT_W;
	smmusim_t *sim = sim_new(NULL, NULL);
	submit_ok(sim, ev_domain(1, 2));
	submit_ok(sim, ev_attach(SID, 1, true));

	/* Output addresses are bounded by the 48-bit physical address space
	 * only (RAM or device memory such as an MSI doorbell; since
	 * 6420e4c an address outside RAM, i.e. beyond mem.size, is
	 * accepted). */
	refused(sim, ev_map(1, IOVA, 0x1000, 1ull << 48, rw), SMMUSIM_ERANGE,
		"pa=0x1000000000000", "48-bit", NULL);
	/* Starts below 2^48, ends beyond it. */
	refused(sim, ev_map(1, IOVA, 0x2000, (1ull << 48) - 0x1000, rw),
		SMMUSIM_ERANGE, "pa=0xfffffffff000", "48-bit", NULL);
	/* A PA near 2^64 must not wrap the bound check. */
	refused(sim, ev_map(1, IOVA, 0x1000, 0xfffffffffffff000ull, rw),
		SMMUSIM_ERANGE, "pa=0xfffffffffffff000", "48-bit", NULL);
	refused(sim, ev_map(1, IOVA, 0x1000, 0x48023800, rw), SMMUSIM_EINVAL,
		"pa=0x48023800", "aligned", NULL);
	refused(sim, ev_map(1, IOVA + 0x800, 0x1000, 0x48023000, rw),
		SMMUSIM_EINVAL, "va=0xffffb800", "aligned", NULL);
	refused(sim, ev_map(1, IOVA, 0x1000, 0x48023000, SMMUSIM_PROT_W),
		SMMUSIM_EINVAL, "prot", NULL);
	refused(sim, ev_map(1, IOVA, 0x1000, 0x48023000, 0), SMMUSIM_EINVAL,
		"prot", NULL);
	refused(sim, ev_map(9, IOVA, 0x1000, 0x48023000, rw), SMMUSIM_ENOENT,
		"dom=9", NULL);
	refused(sim, ev_map(1, IOVA, 0, 0x48023000, rw), SMMUSIM_ERANGE, NULL);
	assert_int_equal(sim_stat(sim, "os.iommu.map"), 0);

	/* Nothing was mapped by the refused events. */
	assert_false(dev(sim, SID, IOVA, false));

	/* The last page of RAM; a page given by address; device memory
	 * outside RAM (below it, and the last page below 2^48). */
	submit_ok(sim, ev_map(1, IOVA + 0x10000, 0x1000, RAM_END - 0x1000, rw));
	submit_ok(sim, ev_map(1, IOVA, 0x1000, 0x48023000, rw));
	submit_ok(sim, ev_map(1, IOVA + 0x20000, 0x1000, 0x08090000, rw));
	submit_ok(sim,
		  ev_map(1, IOVA + 0x30000, 0x1000, (1ull << 48) - 0x1000, rw));
	/* Without pa: fresh pages, read-only. */
	submit_ok(sim, ev_map(1, 0x200000, 0x2000, 0, SMMUSIM_PROT_R));
	assert_int_equal(sim_stat(sim, "os.iommu.map"), 5);

	const struct sm_domain *d = find_dom(sim, 1);
	struct sm_walk w;
	assert_int_equal(sm_pgt_walk(sim->pm, d->pgd, IOVA + 0x123, &w),
			 SM_WALK_OK);
	assert_int_equal(w.pa, 0x48023123ull);
	assert_int_equal(w.perm, SMMUSIM_PROT_R | SMMUSIM_PROT_W);
	uint64_t p0, p1;
	assert_int_equal(sm_pgt_walk(sim->pm, d->pgd, 0x200000, &w),
			 SM_WALK_OK);
	p0 = w.pa;
	assert_int_equal(w.perm, SMMUSIM_PROT_R);
	assert_int_equal(sm_pgt_walk(sim->pm, d->pgd, 0x201000, &w),
			 SM_WALK_OK);
	p1 = w.pa;
	assert_true(p0 >= RAM_BASE && p0 < RAM_END);
	assert_true(p1 >= RAM_BASE && p1 < RAM_END);
	assert_true(p0 != p1);

	/* A device access without a substream goes through CD 0: the
	 * domain's table. */
	uint64_t ok0 = sim_stat(sim, "dev.access.ok");
	assert_true(dev(sim, SID, IOVA + 0x8, true));
	assert_true(dev(sim, SID, 0x200000, false));
	assert_true(dev(sim, SID, 0x201ff8, false));
	assert_true(dev(sim, SID, IOVA + 0x10000, true));
	/* Device memory: no address-size fault for an OA outside RAM. */
	assert_true(dev(sim, SID, IOVA + 0x20040, true));
	assert_true(dev(sim, SID, IOVA + 0x30000, false));
	assert_int_equal(sim_stat(sim, "dev.access.ok"), ok0 + 6);
	assert_int_equal(sim_stat(sim, "smmu.faults.address_size"), 0);
	struct sm_smmu_xlate x;
	sm_smmu_translate(&sim->smmu, SID, SMMUSIM_NO_SSID, IOVA + 0x456, false,
			  smmusim_now(sim), 0, &x);
	assert_int_equal(x.outcome, SM_XLATE_OK);
	assert_int_equal(x.pa, 0x48023456ull);
	assert_int_equal(x.asid, 2);

	/* prot=r: a device write faults on permission. */
	uint64_t perm0 = sim_stat(sim, "smmu.faults.permission");
	assert_false(dev(sim, SID, 0x200000, true));
	assert_int_equal(sim_stat(sim, "smmu.faults.permission"), perm0 + 1);
	assert_int_equal(smmusim_finish(sim), 0);
	assert_int_equal(smmusim_violation_total(sim), 0);
	smmusim_free(sim);
}

/* ============================== unmap windows ============================ */

static void unmap_stale_tolerated_then_tlbi_sync(void **state)
{
	(void)state;
	smmusim_t *sim = dma_setup();
	submit_ok(sim, ev_unmap(1, IOVA, 0x1000));
	assert_int_equal(sim_stat(sim, "os.iommu.unmap"), 1);

	/* Before any command the stale entry serves the read: tolerated,
	 * the driver has not had its chance to invalidate yet. */
	assert_true(dev(sim, SID, IOVA + 0x30, false));
	assert_int_equal(sim_stat(sim, "check.tolerated_in_window"), 1);
	assert_int_equal(smmusim_violation_total(sim), 0);
	assert_int_equal(sim_stat(sim, "smmu.walks"), 1);

	submit_ok(sim, ev_tlbi_va(2, IOVA));
	submit_ok(sim, ev_cmd(OP_SYNC));
	settle(sim);
	assert_int_equal(sim_stat(sim, "smmu.cmd.tlbi_nh_va"), 1);
	assert_int_equal(sim_stat(sim, "os.smmu.trace_commands"), 2);
	assert_int_equal(sim_stat(sim, "smmu.cmdq.errors"), 0);

	/* Now the access walks and faults cleanly. */
	uint64_t tf0 = sim_stat(sim, "smmu.faults.translation");
	assert_false(dev(sim, SID, IOVA + 0x30, false));
	assert_int_equal(sim_stat(sim, "smmu.walks"), 2);
	assert_int_equal(sim_stat(sim, "smmu.faults.translation"), tf0 + 1);
	assert_int_equal(sim_stat(sim, "check.tolerated_in_window"), 1);
	assert_int_equal(smmusim_violation_total(sim), 0);
	assert_int_equal(smmusim_finish(sim), 0);
	assert_int_equal(smmusim_violation_total(sim), 0);
	smmusim_free(sim);
}

/* iommu_map with pa=0: the model owns the pages and frees them once their
 * leaves are unmapped and a CMD_SYNC has closed the window, not before;
 * a page given by pa= is never freed. */
static void unmap_frees_fresh_pages_at_sync(void **state)
{
	(void)state;
	smmusim_t *sim = dma_setup();
	const struct sm_domain *d = find_dom(sim, 1);
	struct sm_walk w;
	assert_int_equal(sm_pgt_walk(sim->pm, d->pgd, IOVA, &w), SM_WALK_OK);
	uint64_t fresh = w.pa & SM_PAGE_MASK;
	submit_ok(sim, ev_map(1, IOVA + 0x1000, 0x1000, fresh, RW));
	submit_ok(sim, ev_unmap(1, IOVA + 0x1000, 0x1000));
	submit_ok(sim, ev_unmap(1, IOVA, 0x1000));
	/* The window is open: the page stays allocated. */
	assert_int_equal(sm_physmem_kind(sim->pm, fresh), SM_PAGE_DATA);
	submit_ok(sim, ev_tlbi_va(2, IOVA));
	assert_int_equal(sm_physmem_kind(sim->pm, fresh), SM_PAGE_DATA);
	submit_ok(sim, ev_cmd(OP_SYNC));
	settle(sim);
	assert_int_equal(sm_physmem_kind(sim->pm, fresh), SM_PAGE_FREE);
	assert_int_equal(sm_physmem_usage(sim->pm).bad_frees, 0);
	/* Freed frames are reused first (LIFO). */
	submit_ok(sim, ev_map(1, IOVA, 0x1000, 0, RW));
	assert_int_equal(sm_pgt_walk(sim->pm, d->pgd, IOVA, &w), SM_WALK_OK);
	assert_int_equal(w.pa & SM_PAGE_MASK, fresh);

	/* A page given by pa= stays allocated after unmap and sync. */
	uint64_t given = RAM_END - 0x1000;
	submit_ok(sim, ev_map(1, 0x200000, 0x1000, given, RW));
	submit_ok(sim, ev_unmap(1, 0x200000, 0x1000));
	submit_ok(sim, ev_cmd(OP_SYNC));
	settle(sim);
	assert_int_equal(sm_physmem_usage(sim->pm).bad_frees, 0);
	assert_int_equal(smmusim_finish(sim), 0);
	assert_int_equal(smmusim_violation_total(sim), 0);
	smmusim_free(sim);
}

/* Remapping fresh pages again and again does not exhaust RAM (16 MiB:
 * 4096 frames; 20,000 maps of 64 KiB would need 320,000). */
static void remap_fresh_pages_does_not_leak(void **state)
{
	(void)state;
	static const char *const small[] = {"mem.size=16M", NULL};
	smmusim_t *sim = sim_new(NULL, small);
	submit_ok(sim, ev_domain(1, 2));
	submit_ok(sim, ev_attach(SID, 1, true));
	for (int i = 0; i < 20000; i++) {
		submit_ok(sim, ev_map(1, IOVA, 0x10000, 0, RW));
		submit_ok(sim, ev_unmap(1, IOVA, 0x10000));
		submit_ok(sim, ev_cmd(OP_SYNC));
		settle(sim);
	}
	assert_int_equal(smmusim_finish(sim), 0);
	smmusim_free(sim);
}

static void check_stale_violation(const smmusim_t *sim)
{
	assert_int_equal(smmusim_violation_total(sim), 1);
	const struct smmusim_violation *v = smmusim_violation_at(sim, 0);
	assert_non_null(v);
	assert_int_equal(v->kind, SMMUSIM_VIOLATION_STALE_TRANSLATION);
	assert_int_equal(v->agent_kind, SMMUSIM_AGENT_DEVICE);
	assert_string_equal(v->agent, "sid=0x10");
	assert_int_equal(v->sid, SID);
	assert_int_equal(v->ssid, SMMUSIM_NO_SSID);
	assert_int_equal(v->va, IOVA);
	assert_int_equal(v->asid, 2);
	assert_false(v->truth_valid);
	assert_true(strncmp(v->cache, "smmu.", 5) == 0);
	assert_int_equal(sim_stat(sim, "check.violations.stale-translation"),
			 1);
}

static void unmap_sync_without_tlbi_is_violation(void **state)
{
	(void)state;
	smmusim_t *sim = dma_setup();
	submit_ok(sim, ev_unmap(1, IOVA, 0x1000));
	assert_true(dev(sim, SID, IOVA, false));
	assert_int_equal(sim_stat(sim, "check.tolerated_in_window"), 1);
	assert_int_equal(smmusim_violation_total(sim), 0);

	/* The trace forgets the TLBI: the SYNC closes the window. */
	submit_ok(sim, ev_cmd(OP_SYNC));
	settle(sim);
	assert_true(dev(sim, SID, IOVA + 0x40, false));
	assert_int_equal(sim_stat(sim, "check.tolerated_in_window"), 1);
	check_stale_violation(sim);
	assert_int_equal(smmusim_finish(sim), 0);
	smmusim_free(sim);
}

static void driver_sync_closes_window_too(void **state)
{
	(void)state;
	smmusim_t *sim = dma_setup();
	submit_ok(sim, ev_unmap(1, IOVA, 0x1000));
	/* Any completed CMD_SYNC closes the windows, also the driver's own
	 * (here: attaching another stream with driver commands). */
	submit_ok(sim, ev_attach(SID + 1, 1, true));
	assert_true(dev(sim, SID, IOVA, false));
	assert_int_equal(sim_stat(sim, "check.tolerated_in_window"), 0);
	check_stale_violation(sim);
	assert_int_equal(smmusim_finish(sim), 0);
	smmusim_free(sim);
}

/* ============================== raw commands ============================= */

static void raw_cmd_unknown_opcode_acknowledged(void **state)
{
	(void)state;
	smmusim_t *sim = dma_setup();
	uint64_t asid0 = sim_stat(sim, "smmu.cmd.tlbi_nh_asid");
	uint64_t sync0 = sim_stat(sim, "smmu.cmd.sync");

	submit_ok(sim, ev_cmd(0x7f));
	assert_int_equal(sim_stat(sim, "os.smmu.cerror_ill_acks"), 1);
	assert_int_equal(sim_stat(sim, "smmu.cmdq.errors"), 1);
	assert_int_equal(sim_stat(sim, "os.smmu.trace_commands"), 1);
	assert_false(sim->smmu.cmdq_halted);

	/* The queue goes on: the following commands execute. */
	struct smmusim_event ev = ev_cmd(OP_TLBI_NH_ASID);
	ev.asid = 2;
	submit_ok(sim, ev);
	submit_ok(sim, ev_cmd(OP_SYNC));
	settle(sim);
	assert_int_equal(sim_stat(sim, "smmu.cmd.tlbi_nh_asid"), asid0 + 1);
	assert_int_equal(sim_stat(sim, "smmu.cmd.sync"), sync0 + 1);
	assert_int_equal(sim_stat(sim, "smmu.cmdq.errors"), 1);
	assert_int_equal(sim_stat(sim, "os.smmu.cerror_ill_acks"), 1);
	/* ... with effect: the next access walks again. */
	assert_true(dev(sim, SID, IOVA, false));
	assert_int_equal(sim_stat(sim, "smmu.walks"), 2);
	assert_int_equal(smmusim_finish(sim), 0);
	assert_int_equal(smmusim_violation_total(sim), 0);
	smmusim_free(sim);
}

static void raw_cmd_illegal_range_tlbi(void **state)
{
	(void)state;
	smmusim_t *sim = dma_setup();
	submit_ok(sim, ev_unmap(1, IOVA, 0x1000));

	/* TG = 1 with TTL = NUM = SCALE = 0: CERROR_ILL, skipped. */
	struct smmusim_event ev = ev_tlbi_va(2, IOVA);
	ev.ttl = 0;
	submit_ok(sim, ev);
	assert_int_equal(sim_stat(sim, "os.smmu.cerror_ill_acks"), 1);
	assert_int_equal(sim_stat(sim, "smmu.cmdq.errors"), 1);
	assert_int_equal(sim_stat(sim, "smmu.cmd.tlbi_nh_va"), 0);
	assert_false(sim->smmu.cmdq_halted);

	submit_ok(sim, ev_cmd(OP_SYNC));
	settle(sim);
	assert_int_equal(sim_stat(sim, "smmu.cmdq.errors"), 1);
	/* The invalidation never happened: the SYNC closed the window and
	 * the stale entry still serves the read. */
	assert_true(dev(sim, SID, IOVA, false));
	check_stale_violation(sim);

	/* The same TLBI with TTL = 3 is legal and removes it. */
	submit_ok(sim, ev_tlbi_va(2, IOVA));
	submit_ok(sim, ev_cmd(OP_SYNC));
	settle(sim);
	assert_int_equal(sim_stat(sim, "smmu.cmd.tlbi_nh_va"), 1);
	assert_int_equal(sim_stat(sim, "smmu.cmdq.errors"), 1);
	assert_false(dev(sim, SID, IOVA, false));
	assert_int_equal(smmusim_violation_total(sim), 1);
	assert_int_equal(smmusim_finish(sim), 0);
	smmusim_free(sim);
}

static void raw_cmd_field_out_of_range(void **state)
{
	(void)state;
	smmusim_t *sim = sim_new(NULL, NULL);
	struct smmusim_event ev = ev_tlbi_va(0x10000, IOVA);
	refused(sim, ev, SMMUSIM_ERANGE, "asid", NULL);
	ev = ev_cmd(OP_CFGI_CD);
	ev.ssid = 1u << 20;
	refused(sim, ev, SMMUSIM_ERANGE, "ssid", NULL);
	ev = ev_tlbi_va(2, IOVA + 0x800);
	refused(sim, ev, SMMUSIM_EINVAL, "addr", NULL);
	ev = ev_cmd(0x100);
	refused(sim, ev, SMMUSIM_ERANGE, "op", NULL);
	/* Refused before reaching the queue. */
	assert_int_equal(sim_stat(sim, "os.smmu.trace_commands"), 0);
	assert_int_equal(sim_stat(sim, "smmu.cmdq.errors"), 0);
	assert_int_equal(sim_stat(sim, "smmu.cmd.tlbi_nh_va"), 0);
	smmusim_free(sim);
}

/* ============================== qemu-7.2 ============================== */

static void replay_trace_qemu_7_2(void **state)
{
	(void)state;
	static const char trace[] =
	    "smmusim-trace 1\n"
	    "domain_create dom=1 asid=2\n"
	    "attach sid=0x10 dom=1 cmds=off\n"
	    "iommu_map dom=1 va=0xffffb000 len=4K pa=0x48023000 prot=rw\n"
	    "iommu_map dom=1 va=0xffffc000 len=8K\n"
	    "dev_access sid=0x10 va=0xffffb002 op=w  # miss 1\n"
	    "dev_access sid=0x10 va=0xffffb800 op=r  # hit 1\n"
	    "dev_access sid=0x10 va=0xffffc000 op=r  # miss 2\n"
	    "dev_access sid=0x10 va=0xffffd010 op=w  # miss 3\n"
	    "dev_access sid=0x10 va=0xffffc008 op=w  # hit 2\n"
	    "cmd op=tlbi_nh_va vmid=0 asid=2 addr=0xffffb000 tg=1 num=0 "
	    "scale=0 ttl=3 leaf=1\n"
	    "cmd op=sync\n"
	    "dev_access sid=0x10 va=0xffffb000 op=r  # miss 4\n"
	    "dev_access sid=0x10 va=0xffffd000 op=r  # hit 3\n"
	    "dev_access sid=0x10 va=0xffffc000 op=r  # hit 4\n";
	smmusim_t *sim = sim_new("hw=qemu-7.2", NULL);
	char buf[64];
	assert_int_equal(smmusim_config_get(smmusim_config(sim),
					    "smmu.iotlb.replacement", buf,
					    sizeof(buf)),
			 0);
	assert_string_equal(buf, "flushall");
	uint64_t sync0 = sim_stat(sim, "smmu.cmd.sync");

	/* Nothing may fail between creating the file and removing it. */
	char path[] = "/tmp/smmusim-test-dma-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *fp = fdopen(fd, "w");
	if (!fp)
		close(fd);
	bool written = fp && fputs(trace, fp) >= 0;
	written = fp && fclose(fp) == 0 && written;
	int rc = written ? smmusim_replay_file(sim, path) : SMMUSIM_EIO;
	unlink(path);
	assert_true(written);
	if (rc)
		fail_msg("%s", smmusim_last_error(sim));

	assert_int_equal(sim_stat(sim, "dev.access.ok"), 8);
	assert_int_equal(sim_stat(sim, "dev.access.failed"), 0);
	/* No micro-TLB in QEMU 7.2: every access looks up the IOTLB. */
	assert_int_equal(sim_stat(sim, "smmu.utlb.hits"), 0);
	assert_int_equal(sim_stat(sim, "smmu.iotlb.hits"), 4);
	assert_int_equal(sim_stat(sim, "smmu.iotlb.misses"), 4);
	assert_int_equal(sim_stat(sim, "smmu.iotlb.fills"), 4);
	assert_int_equal(sim_stat(sim, "smmu.walks"), 4);
	assert_int_equal(sim_stat(sim, "smmu.iotlb.flush_full"), 0);
	assert_int_equal(sim_stat(sim, "smmu.cmd.tlbi_nh_va"), 1);
	assert_int_equal(sim_stat(sim, "smmu.cmd.sync"), sync0 + 1);
	assert_int_equal(sim_stat(sim, "os.smmu.trace_commands"), 2);
	assert_int_equal(sim_stat(sim, "os.iommu.map"), 2);
	assert_int_equal(sim_stat(sim, "check.lingering"), 0);
	assert_int_equal(smmusim_violation_total(sim), 0);

	/* The write went to the page the trace named. */
	struct sm_walk w;
	assert_int_equal(
	    sm_pgt_walk(sim->pm, find_dom(sim, 1)->pgd, 0xffffb002, &w),
	    SM_WALK_OK);
	assert_int_equal(w.pa, 0x48023002ull);
	smmusim_free(sim);
}

static void qemu_7_2_flushes_at_257th_page(void **state)
{
	(void)state;
	const uint64_t base = 0x100000000ull;
	smmusim_t *sim = sim_new("hw=qemu-7.2", NULL);
	submit_ok(sim, ev_domain(1, 3));
	submit_ok(sim, ev_attach(SID, 1, true));
	submit_ok(sim, ev_map(1, base, 257 * 0x1000ull, 0, SMMUSIM_PROT_R));

	for (uint64_t i = 0; i < 256; i++)
		assert_true(dev(sim, SID, base + i * 0x1000, false));
	assert_int_equal(sim_stat(sim, "smmu.iotlb.misses"), 256);
	assert_int_equal(sim_stat(sim, "smmu.iotlb.hits"), 0);
	assert_int_equal(sim_stat(sim, "smmu.iotlb.flush_full"), 0);
	/* Still all cached. */
	assert_true(dev(sim, SID, base + 0x1000, false));
	assert_int_equal(sim_stat(sim, "smmu.iotlb.hits"), 1);

	/* The 257th distinct page finds 256 entries: QEMU empties the
	 * IOTLB before inserting it. */
	assert_true(dev(sim, SID, base + 256 * 0x1000, false));
	assert_int_equal(sim_stat(sim, "smmu.iotlb.flush_full"), 1);
	assert_int_equal(sim_stat(sim, "smmu.iotlb.misses"), 257);
	assert_int_equal(sim_stat(sim, "smmu.iotlb.fills"), 257);

	/* Page 1 was cached before the flush: it misses now. */
	assert_true(dev(sim, SID, base, false));
	assert_int_equal(sim_stat(sim, "smmu.iotlb.misses"), 258);
	assert_int_equal(sim_stat(sim, "smmu.iotlb.hits"), 1);
	/* The 257th page is the one that stayed. */
	assert_true(dev(sim, SID, base + 256 * 0x1000, false));
	assert_int_equal(sim_stat(sim, "smmu.iotlb.hits"), 2);
	assert_int_equal(sim_stat(sim, "smmu.iotlb.flush_full"), 1);
	assert_int_equal(smmusim_finish(sim), 0);
	assert_int_equal(smmusim_violation_total(sim), 0);
	smmusim_free(sim);
}

/* The same 257 accesses with the default hardware (2048 x 4 LRU): no
 * flush, and page 1 still hits. */
static void default_hw_no_flush(void **state)
{
	(void)state;
	const uint64_t base = 0x100000000ull;
	smmusim_t *sim = sim_new(NULL, no_utlb);
	submit_ok(sim, ev_domain(1, 3));
	submit_ok(sim, ev_attach(SID, 1, true));
	submit_ok(sim, ev_map(1, base, 257 * 0x1000ull, 0, SMMUSIM_PROT_R));
	for (uint64_t i = 0; i < 257; i++)
		assert_true(dev(sim, SID, base + i * 0x1000, false));
	assert_int_equal(sim_stat(sim, "smmu.iotlb.flush_full"), 0);
	assert_int_equal(sim_stat(sim, "smmu.iotlb.misses"), 257);
	assert_true(dev(sim, SID, base, false));
	assert_int_equal(sim_stat(sim, "smmu.iotlb.hits"), 1);
	assert_int_equal(sim_stat(sim, "smmu.iotlb.misses"), 257);
	smmusim_free(sim);
}

/* Two streams whose CDs carry the same ASID over different tables (what a
 * driver that reuses an ASID without invalidating it leaves behind): the
 * second stream hits the first one's IOTLB entry.  The oracle judges a hit
 * against the tables the stream's configuration names now, so this is a
 * stale translation, not a hit that "agrees with its own table". */
static void asid_alias_hit_is_stale(void **state)
{
	(void)state;
	smmusim_t *sim = sim_new(NULL, no_utlb);
	submit_ok(sim, ev_domain(1, 5));
	submit_ok(sim, ev_domain(2, 6));
	submit_ok(sim, ev_attach(0x1, 1, true));
	submit_ok(sim, ev_attach(0x2, 2, true));
	submit_ok(sim,
		  ev_map(1, IOVA, 0x1000, 0, SMMUSIM_PROT_R | SMMUSIM_PROT_W));
	submit_ok(sim,
		  ev_map(2, IOVA, 0x1000, 0, SMMUSIM_PROT_R | SMMUSIM_PROT_W));
	assert_true(dev(sim, 0x1, IOVA, false));
	/* Stream 2's CD 0 now says ASID 5 (its table unchanged), and the
	 * SMMU is told about the CD, not about the ASID. */
	uint64_t cd = sim->os.drv.sids[2].cdtab;
	uint64_t w0 = sm_physmem_read64(sim->pm, cd);
	w0 = (w0 & ~CTXDESC_CD_0_ASID) | sm_field_prep(CTXDESC_CD_0_ASID, 5);
	sm_physmem_write64(sim->pm, cd, w0);
	struct smmusim_event c = ev_cmd(OP_CFGI_CD);
	c.sid = 0x2;
	c.ssid = 0;
	c.leaf = 1;
	submit_ok(sim, c);
	submit_ok(sim, ev_cmd(OP_SYNC));
	settle(sim);
	uint64_t walks = sim_stat(sim, "smmu.walks");
	assert_true(dev(sim, 0x2, IOVA, false));
	assert_int_equal(sim_stat(sim, "smmu.walks"), walks); /* an IOTLB hit */
	assert_int_equal(smmusim_violation_total(sim), 1);
	const struct smmusim_violation *v = smmusim_violation_at(sim, 0);
	assert_int_equal(v->kind, SMMUSIM_VIOLATION_STALE_TRANSLATION);
	assert_int_equal(v->sid, 0x2);
	smmusim_free(sim);
}

/* ============================== raw TLBI and DSB
 * ============================== */

/* Range TLBIs need FEAT_TLBIRANGE and TTL hints FEAT_TTL; the tests that
 * want them off say so. */
static const char *const feat_tlbi[] = {"cpu.feat_tlbirange=on",
					"cpu.feat_ttl=on", NULL};

static struct smmusim_event raw(enum smmusim_tlbi_op op, uint32_t asid,
				uint64_t va)
{
	return (struct smmusim_event){
	    .type = SMMUSIM_EV_TLBI, .tlbi = op, .asid = asid, .va = va};
}

static void test_raw_tlbi_refused(void **state)
{
	(void)state;
	smmusim_t *sim = sim_new(NULL, feat_tlbi);
	struct smmusim_event ev;

	/* Range op with TG = 0 (reserved; also when tg is left out). */
	ev = raw(SMMUSIM_TLBI_RVAE1IS, 1, 0x400000);
	ev.num = 1;
	refused(sim, ev, SMMUSIM_EINVAL, "tg", "tg=0", NULL);
	/* TG = 2 and 3: not the granule in use. */
	ev.tg = 2;
	refused(sim, ev, SMMUSIM_EINVAL, "tg", "tg=2", NULL);
	ev.tg = 3;
	ev.tlbi = SMMUSIM_TLBI_RVAALE1;
	refused(sim, ev, SMMUSIM_EINVAL, "tg", "tg=3", NULL);
	/* TG out of its 2 bits. */
	ev.tg = 5;
	refused(sim, ev, SMMUSIM_ERANGE, "tg", NULL);

	/* tg, scale or num on a non-range op. */
	ev = raw(SMMUSIM_TLBI_VAE1IS, 1, 0x400000);
	ev.tg = 1;
	refused(sim, ev, SMMUSIM_EINVAL, "vae1is", "not a range op", NULL);
	ev = raw(SMMUSIM_TLBI_VALE1, 1, 0x400000);
	ev.scale = 1;
	refused(sim, ev, SMMUSIM_EINVAL, "vale1", "not a range op", NULL);
	ev = raw(SMMUSIM_TLBI_ASIDE1IS, 1, 0);
	ev.num = 3;
	refused(sim, ev, SMMUSIM_EINVAL, "aside1is", "not a range op", NULL);

	/* ASID beyond cpu.asid_bits (16 by default). */
	ev = raw(SMMUSIM_TLBI_VAE1IS, 1u << 16, 0x400000);
	refused(sim, ev, SMMUSIM_ERANGE, "asid=65536", NULL);
	ev = raw(SMMUSIM_TLBI_ASIDE1, 0x10000, 0);
	refused(sim, ev, SMMUSIM_ERANGE, "asid", NULL);

	/* Other field checks of the table in docs/trace-format.md. */
	ev = raw(SMMUSIM_TLBI_VAE1IS, 1, 0x400000);
	ev.cpu = 4;
	refused(sim, ev, SMMUSIM_ERANGE, "cpu=4", NULL);
	ev = raw(SMMUSIM_TLBI_ASIDE1IS, 1, 0x1000);
	refused(sim, ev, SMMUSIM_EINVAL, "takes no va", NULL);
	ev = raw(SMMUSIM_TLBI_VMALLE1IS, 1, 0);
	refused(sim, ev, SMMUSIM_EINVAL, "takes no asid", NULL);
	ev = raw(SMMUSIM_TLBI_VAE1, 1, 1ull << 48);
	refused(sim, ev, SMMUSIM_ERANGE, "beyond 48 bits", NULL);
	ev = raw(SMMUSIM_TLBI_VAE1, 1, 0x1000);
	ev.ttl = 16;
	refused(sim, ev, SMMUSIM_ERANGE, "ttl=16", NULL);
	ev = raw(SMMUSIM_TLBI_RVAE1, 1, 0x1000);
	ev.tg = 1;
	ev.scale = 4;
	refused(sim, ev, SMMUSIM_ERANGE, "scale", NULL);
	ev.scale = 0;
	ev.num = 32;
	refused(sim, ev, SMMUSIM_ERANGE, "num", NULL);
	ev.num = 0;
	ev.ttl = 4;
	refused(sim, ev, SMMUSIM_ERANGE, "ttl", NULL);
	ev.ttl = 0;
	ev.va = 0x1001;
	refused(sim, ev, SMMUSIM_EINVAL, "not 4K aligned", NULL);
	ev = raw((enum smmusim_tlbi_op)SMMUSIM_TLBI_COUNT_, 1, 0);
	refused(sim, ev, SMMUSIM_EINVAL, "unknown TLBI", NULL);

	/* A refused event took no time and the next one runs. */
	ev = raw(SMMUSIM_TLBI_RVAE1IS, 1, 0x400000);
	ev.tg = 1;
	submit_ok(sim, ev);
	assert_int_equal(sim_stat(sim, "cpu.tlbi.issued.rvae1is"), 1);
	assert_int_equal(smmusim_finish(sim), 0);
	smmusim_free(sim);

	/* With 8-bit ASIDs, 255 is the last. */
	const char *sets[] = {"cpu.feat_tlbirange=on", "cpu.feat_ttl=on",
			      "cpu.asid_bits=8", NULL};
	sim = sim_new(NULL, sets);
	ev = raw(SMMUSIM_TLBI_VAE1IS, 256, 0x400000);
	refused(sim, ev, SMMUSIM_ERANGE, "asid=256", "0..255", NULL);
	ev = raw(SMMUSIM_TLBI_RVALE1IS, 256, 0x400000);
	ev.tg = 1;
	refused(sim, ev, SMMUSIM_ERANGE, "asid", NULL);
	ev = raw(SMMUSIM_TLBI_VAE1IS, 255, 0x400000);
	submit_ok(sim, ev);
	assert_int_equal(sim_stat(sim, "cpu.tlbi.issued.vae1is"), 1);
	smmusim_free(sim);
}

static void test_raw_tlbi_and_dsb(void **state)
{
	(void)state;
	smmusim_t *sim = sim_new(NULL, feat_tlbi);
	struct smmusim *s = sim;
	const uint64_t va = 0x400000, len = 8 * PAGE;
	submit_ok(sim, ev_mm_create(1));
	submit_ok(sim, ev_mmap(1, va, len, RW, false));
	submit_ok(sim, ev_touch(1, 2, va, len));
	const uint16_t asid = sm_os_find_mm(&s->os, 1)->asid;
	assert_int_equal(asid, 1);
	assert_true(sm_cpu_holds(&s->cpu, asid, va, va + len));

	uint64_t dsb0 = sim_stat(sim, "cpu.dsb.ish");
	uint64_t rx0 = sim_stat(sim, "cpu.tlbi.received.vale1is");
	/* VALE1IS with a 4K level-3 hint from PE 0 reaches PE 2. */
	struct smmusim_event ev = raw(SMMUSIM_TLBI_VALE1IS, asid, va);
	ev.ttl = 7;
	submit_ok(sim, ev);
	sm_cpu_rx_catch_up_all(&s->cpu, UINT64_MAX); /* PE 2 applied it */
	assert_false(sm_cpu_holds(&s->cpu, asid, va, va + PAGE));
	assert_true(sm_cpu_holds(&s->cpu, asid, va + PAGE, va + 2 * PAGE));
	assert_int_equal(sim_stat(sim, "cpu.tlbi.issued.vale1is"), 1);
	assert_int_equal(sim_stat(sim, "cpu.tlbi.received.vale1is") - rx0,
			 sm_cpu_count(&s->cpu));
	/* A range op: 4 pages from va + 4K (scale 0, num 1). */
	ev = raw(SMMUSIM_TLBI_RVAE1IS, asid, va + PAGE);
	ev.tg = 1;
	ev.num = 1;
	submit_ok(sim, ev);
	sm_cpu_rx_catch_up_all(&s->cpu, UINT64_MAX); /* PE 2 applied it */
	assert_false(sm_cpu_holds(&s->cpu, asid, va, va + 5 * PAGE));
	assert_true(sm_cpu_holds(&s->cpu, asid, va + 5 * PAGE, va + len));
	assert_int_equal(sim_stat(sim, "cpu.tlbi.issued.rvae1is"), 1);
	/* A local op on PE 1 does not broadcast. */
	uint64_t bc = sim_stat(sim, "cpu.dvm.broadcasts");
	ev = raw(SMMUSIM_TLBI_ASIDE1, asid, 0);
	ev.cpu = 1;
	submit_ok(sim, ev);
	sm_cpu_rx_catch_up_all(&s->cpu, UINT64_MAX); /* PE 2 applied it */
	assert_int_equal(sim_stat(sim, "cpu.tlbi.issued.aside1"), 1);
	assert_int_equal(sim_stat(sim, "cpu.dvm.broadcasts"), bc);
	assert_true(sm_cpu_holds(&s->cpu, asid, va + 5 * PAGE, va + len));
	/* A 16K hint: counted as issued, removes nothing. */
	uint64_t ne = sim_stat(sim, "cpu.tlbi.no_effect");
	ev = raw(SMMUSIM_TLBI_VAE1IS, asid, va + 6 * PAGE);
	ev.ttl = 0xb;
	submit_ok(sim, ev);
	sm_cpu_rx_catch_up_all(&s->cpu, UINT64_MAX); /* PE 2 applied it */
	assert_true(sm_cpu_holds(&s->cpu, asid, va + 6 * PAGE, va + 7 * PAGE));
	assert_int_equal(sim_stat(sim, "cpu.tlbi.no_effect") - ne,
			 sm_cpu_count(&s->cpu));
	assert_int_equal(sim_stat(sim, "cpu.tlbi.issued.vae1is"), 1);

	/* DSB on PE 0 waits for its broadcasts. */
	uint64_t before = smmusim_now(sim);
	(void)before;
	submit_ok(sim, (struct smmusim_event){.type = SMMUSIM_EV_DSB});
	assert_int_equal(sim_stat(sim, "cpu.dsb.ish") - dsb0, 1);
	struct smmusim_hist_summary h;
	assert_int_equal(smmusim_hist_get(sim, "cpu.dsb.wait_cycles", &h), 0);
	assert_true(h.count >= 1);
	/* DSB on a PE that does not exist. */
	assert_int_equal(
	    smmusim_submit(
		sim, &(struct smmusim_event){.type = SMMUSIM_EV_DSB, .cpu = 4}),
	    SMMUSIM_ERANGE);
	assert_non_null(strstr(smmusim_last_error(sim), "cpu=4"));
	assert_int_equal(sim_stat(sim, "cpu.dsb.ish") - dsb0, 1);
	assert_int_equal(smmusim_finish(sim), 0);
	assert_int_equal(smmusim_violation_total(sim), 0);
	smmusim_free(sim);
}

/* Replay `text` from a file in /tmp; returns the simulator (finished if
 * the replay succeeded) and its return code in *rc. */
static smmusim_t *replay_text(const char *text, int *rc)
{
	char path[128];
	snprintf(path, sizeof(path), "/tmp/smmusim-test-tlbi-%ld.trace",
		 (long)getpid());
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	smmusim_t *sim = sim_new(NULL, feat_tlbi);
	*rc = smmusim_replay_file(sim, path);
	remove(path);
	return sim;
}

/* Without FEAT_TLBIRANGE a range op is undefined: refused, naming the key. */
static void test_raw_range_needs_feature(void **state)
{
	(void)state;
	const char *sets[] = {"cpu.feat_tlbirange=off", "cpu.feat_ttl=on",
			      NULL};
	smmusim_t *sim = sim_new(NULL, sets);
	struct smmusim_event ev = {.type = SMMUSIM_EV_MM_CREATE, .mm = 1};
	assert_int_equal(smmusim_submit(sim, &ev), 0);
	ev = (struct smmusim_event){.type = SMMUSIM_EV_TLBI,
				    .tlbi = SMMUSIM_TLBI_RVAE1IS,
				    .asid = 1,
				    .va = 0x400000,
				    .tg = 1};
	assert_int_equal(smmusim_submit(sim, &ev), SMMUSIM_EINVAL);
	assert_non_null(
	    strstr(smmusim_last_error(sim), "cpu.feat_tlbirange=on"));
	uint64_t v = 1;
	assert_int_equal(smmusim_stat_get(sim, "cpu.tlbi.issued.rvae1is", &v),
			 0);
	assert_int_equal(v, 0);
	smmusim_free(sim);
}

static void test_raw_tlbi_trace(void **state)
{
	(void)state;
	int rc;
	smmusim_t *sim = replay_text(
	    "smmusim-trace 1\n"
	    "mm_create mm=1\n"
	    "mmap      mm=1 va=0x400000 len=16K prot=rw\n"
	    "touch     mm=1 va=0x400000 len=16K\n"
	    "tlbi      cpu=0 op=rvale1is asid=1 va=0x400000 tg=1 scale=0 "
	    "num=1 ttl=3\n"
	    "tlbi      cpu=0 op=vae1is asid=1 va=0x404000 ttl=0xb\n"
	    "dsb       cpu=0\n",
	    &rc);
	if (rc)
		fail_msg("replay: %d %s", rc, smmusim_last_error(sim));
	assert_int_equal(sim_stat(sim, "cpu.tlbi.issued.rvale1is"), 1);
	assert_int_equal(sim_stat(sim, "cpu.tlbi.issued.vae1is"), 1);
	assert_true(sim_stat(sim, "cpu.dsb.ish") >= 1);
	assert_int_equal(sim_stat(sim, "cpu.tlbi.no_effect"), 4);
	assert_int_equal(smmusim_violation_total(sim), 0);
	smmusim_free(sim);

	/* tg left out of a range op: the error names the field and the
	 * line. */
	sim = replay_text("smmusim-trace 1\n"
			  "tlbi cpu=0 op=rvae1is asid=1 va=0x400000 num=1\n",
			  &rc);
	assert_int_equal(rc, SMMUSIM_EINVAL);
	assert_non_null(strstr(smmusim_last_error(sim), "tg=0"));
	assert_non_null(strstr(smmusim_last_error(sim), ":2:"));
	smmusim_free(sim);
	sim =
	    replay_text("smmusim-trace 1\n"
			"tlbi cpu=0 op=rvae1is asid=1 va=0x400000 tg=2 num=1\n",
			&rc);
	assert_int_equal(rc, SMMUSIM_EINVAL);
	assert_non_null(strstr(smmusim_last_error(sim), "tg=2"));
	smmusim_free(sim);
	sim = replay_text("smmusim-trace 1\n"
			  "tlbi cpu=0 op=vae1 asid=1 va=0x400000 scale=1\n",
			  &rc);
	assert_int_equal(rc, SMMUSIM_EINVAL);
	assert_non_null(strstr(smmusim_last_error(sim), "not a range op"));
	smmusim_free(sim);
}

/* ============================== KPTI ============================== */

struct kpti_result {
	uint16_t asid, asid2;
	bool user_held, kernel_held, user_l1d, held_after_munmap;
	uint64_t vale1is, aside1is, inv_munmap;
};

/* mm 1 maps and touches 4 pages on PE 0, munmaps them, exits. */
static void kpti_run(bool kpti, struct kpti_result *r)
{
	const char *sets[] = {kpti ? "cpu.kpti=on" : "cpu.kpti=off", NULL};
	smmusim_t *sim = sim_new(NULL, sets);
	struct smmusim *s = sim;
	const uint64_t va = 0x400000, len = 4 * PAGE;
	assert_int_equal(sm_cpu_kpti(&s->cpu), kpti);
	*r = (struct kpti_result){0};
	submit_ok(sim, ev_mm_create(1));
	submit_ok(sim, ev_mm_create(2));
	submit_ok(sim, ev_mmap(1, va, len, RW, false));
	submit_ok(sim, ev_touch(1, 0, va, len));
	submit_ok(sim, ev_cpu(1, 0, va + 0x10, false));
	struct sm_mm *mm = sm_os_find_mm(&s->os, 1);
	assert_non_null(mm);
	r->asid = mm->asid;
	r->asid2 = sm_os_find_mm(&s->os, 2)->asid;
	uint16_t user = (uint16_t)(r->asid | 1);
	r->user_held = sm_cpu_holds(&s->cpu, user, va, va + len);
	r->kernel_held = sm_cpu_holds(&s->cpu, r->asid, va, va + len);
	r->user_l1d = tc_has(&s->cpu.pe[0].l1d, user, va);

	uint64_t v0 = sim_stat(sim, "cpu.tlbi.issued.vale1is");
	uint64_t i0 = sim_stat(sim, "cpu.tlb.invalidated");
	submit_ok(sim, ev_munmap(1, va, len));
	r->vale1is = sim_stat(sim, "cpu.tlbi.issued.vale1is") - v0;
	r->inv_munmap = sim_stat(sim, "cpu.tlb.invalidated") - i0;
	r->held_after_munmap = sm_cpu_holds(&s->cpu, user, va, va + len);

	uint64_t a0 = sim_stat(sim, "cpu.tlbi.issued.aside1is");
	submit_ok(sim, ev_mm_exit(1));
	r->aside1is = sim_stat(sim, "cpu.tlbi.issued.aside1is") - a0;
	assert_int_equal(smmusim_finish(sim), 0);
	assert_int_equal(smmusim_violation_total(sim), 0);
	smmusim_free(sim);
}

static void test_kpti_through_sim(void **state)
{
	(void)state;
	struct kpti_result off, on;
	kpti_run(false, &off);
	kpti_run(true, &on);

	/* Without KPTI the user mappings are tagged with the mm's ASID. */
	assert_true(off.user_held);
	assert_true(off.kernel_held);
	assert_true(off.user_l1d);
	assert_false(off.held_after_munmap);
	assert_true(off.vale1is > 0);
	assert_true(off.aside1is > 0);

	/* With KPTI every mm gets an even ASID; user entries carry the odd
	 * user ASID (asid | 1), none the kernel one. */
	assert_int_not_equal(on.asid, 0);
	assert_int_equal(on.asid % 2, 0);
	assert_int_equal(on.asid2 % 2, 0);
	assert_int_not_equal(on.asid, on.asid2);
	assert_true(on.user_held);
	assert_true(on.user_l1d);
	assert_false(on.kernel_held);
	/* Every flush TLBI is issued twice (kernel then user ASID), and
	 * the user one removes the entries. */
	assert_int_equal(on.vale1is, 2 * off.vale1is);
	assert_int_equal(on.aside1is, 2 * off.aside1is);
	assert_false(on.held_after_munmap);
	/* The kernel-ASID TLBIs find nothing: the same entries went. */
	assert_int_equal(on.inv_munmap, off.inv_munmap);
}

/* ============================ events and errors ============================
 */

static void test_mprotect_partial_range_fails(void **state)
{
	(void)state;
	smmusim_t *sim = sim_new(NULL, NULL);
	submit_ok(sim, ev_mm_create(1));
	submit_ok(sim, ev_mmap(1, BASE, 2 * PG, RW, false));
	uint64_t sys = sim_stat(sim, "os.syscalls");
	int rc = submit(sim, ev_mprotect(1, BASE, 4 * PG, SMMUSIM_PROT_R));
	assert_true(rc < 0);
	const char *msg = smmusim_last_error(sim);
	assert_non_null(strstr(msg, "mprotect"));
	assert_non_null(strstr(msg, "not mapped"));
	assert_non_null(strstr(msg, "mm=1"));
	assert_int_equal(sim_stat(sim, "os.syscalls"), sys);

	/* The fully mapped part works, and the error message is cleared. */
	submit_ok(sim, ev_mprotect(1, BASE, 2 * PG, SMMUSIM_PROT_R));
	assert_string_equal(smmusim_last_error(sim), "");
	smmusim_free(sim);
}

static void test_unknown_mm(void **state)
{
	(void)state;
	smmusim_t *sim = sim_new(NULL, NULL);
	submit_ok(sim, ev_mm_create(1));
	int rc = submit(sim, ev_munmap(42, BASE, PG));
	assert_int_equal(rc, SMMUSIM_ENOENT);
	assert_non_null(strstr(smmusim_last_error(sim), "mm=42"));
	rc = submit(sim, ev_mmap(43, BASE, PG, RW, false));
	assert_int_equal(rc, SMMUSIM_ENOENT);
	assert_non_null(strstr(smmusim_last_error(sim), "mm=43"));
	rc = submit(sim, ev_cpu(44, 0, BASE, false));
	assert_int_equal(rc, SMMUSIM_ENOENT);
	assert_non_null(strstr(smmusim_last_error(sim), "mm=44"));
	rc = submit(sim, ev_bind(45, 1, 1, false));
	assert_int_equal(rc, SMMUSIM_ENOENT);
	assert_non_null(strstr(smmusim_last_error(sim), "mm=45"));
	rc = submit(sim, ev_mm_exit(46));
	assert_int_equal(rc, SMMUSIM_ENOENT);
	assert_non_null(strstr(smmusim_last_error(sim), "mm=46"));
	/* An exited mm is gone too. */
	submit_ok(sim, ev_mm_exit(1));
	rc = submit(sim, ev_mmap(1, BASE, PG, RW, false));
	assert_int_equal(rc, SMMUSIM_ENOENT);
	assert_non_null(strstr(smmusim_last_error(sim), "mm=1"));
	smmusim_free(sim);
}

/* A kernel operation run inline as one that never waits (dma_map:
 * sim_dispatch.c's sm_sim_never_waits) whose model waits after all, past
 * where the next event may start: refused as an internal error, never run
 * out of order.  (The model is replaced by one that takes a step.) */
static int stepping_run(void *ctx, struct sm_kop *op, uint64_t *t)
{
	struct smmusim *s = ctx;
	(void)op;
	*t += 1000;
	sm_os_step(&s->os, *t);
	return 0;
}

static void test_never_waits_op_that_waits(void **state)
{
	(void)state;
	smmusim_t *sim = sim_new(NULL, NULL);
	struct smmusim_event ev = {.type = SMMUSIM_EV_DMA_MAP,
				   .timing = SMMUSIM_AT,
				   .time = 100000,
				   .line = 7};
	sim->os.sched.ops.run = stepping_run;
	smmusim_set_next_start(sim, ev.time + 10);
	assert_int_equal(smmusim_submit(sim, &ev), SMMUSIM_EINTERNAL);
	assert_non_null(strstr(smmusim_last_error(sim),
			       "dma_map (trace line 7) was run as an operation "
			       "that never waits"));
	assert_false(sim->os.sched.kt[0].busy);
	/* With no next event before it ends, the same step is in order. */
	ev.time = 200000;
	smmusim_set_next_start(sim, UINT64_MAX);
	assert_int_equal(smmusim_submit(sim, &ev), 0);
	smmusim_free(sim);
}

static void test_failed_event_takes_no_time(void **state)
{
	(void)state;
	smmusim_t *sim = sim_new(NULL, NULL);
	submit_ok(sim, ev_mm_create(1));
	assert_int_equal(submit(sim, ev_munmap(42, BASE, PG)), SMMUSIM_ENOENT);
	struct smmusim_event ev = {.type = SMMUSIM_EV_MM_CREATE,
				   .timing = SMMUSIM_AFTER_PREV,
				   .mm = 2};
	/* A refused event takes no time; the next one starts normally. */
	int rc = smmusim_submit(sim, &ev);
	assert_int_equal(rc, 0);
	smmusim_free(sim);
}

/* ---- issue 8: the clock, the work of one event, host memory ---- */

static struct smmusim_event ev_at(struct smmusim_event ev, uint64_t cycle)
{
	ev.timing = SMMUSIM_AT;
	ev.time = cycle;
	return ev;
}

static void clock_never_wraps(void **state)
{
	(void)state;
	smmusim_t *sim = sim_new(NULL, NULL);
	/* @2^64-1 is refused with a message, before anything runs. */
	assert_int_equal(submit(sim, ev_at(ev_mm_create(1), UINT64_MAX)),
			 SMMUSIM_ERANGE);
	assert_non_null(strstr(smmusim_last_error(sim), "2^62"));
	/* The clock cannot be run there either. */
	assert_int_equal(smmusim_run_until(sim, UINT64_MAX), SMMUSIM_ERANGE);
	assert_non_null(strstr(smmusim_last_error(sim), "cycle="));
	/* +N that would pass 2^62 (or wrap) is refused the same way. */
	struct smmusim_event ev = ev_mm_create(1);
	ev.time = UINT64_MAX - 10;
	assert_int_equal(submit(sim, ev), SMMUSIM_ERANGE);
	assert_true(smmusim_last_error(sim)[0] != '\0');
	/* The last start cycle itself is fine; the event after it is not. */
	submit_ok(sim, ev_at(ev_mm_create(1), SM_CYCLE_MAX));
	assert_int_equal(submit(sim, ev_mm_create(2)), SMMUSIM_ERANGE);
	assert_non_null(strstr(smmusim_last_error(sim), "last start cycle"));
	assert_true(smmusim_now(sim) <= SM_ENGINE_CYCLE_LIMIT);
	assert_int_equal(smmusim_finish(sim), 0);
	smmusim_free(sim);
}

static void event_pages_bounded(void **state)
{
	(void)state;
	static const char *const sets[] = {"sim.max_event_pages=4", NULL};
	smmusim_t *sim = sim_new(NULL, sets);
	submit_ok(sim, ev_mm_create(1));
	submit_ok(sim, ev_mmap(1, BASE, 8 * PG, RW, false));
	submit_ok(sim, ev_touch(1, 0, BASE, 4 * PG));
	uint64_t faults = sim_stat(sim, "os.faults.cpu");
	assert_int_equal(submit(sim, ev_touch(1, 0, BASE, 5 * PG)),
			 SMMUSIM_ERANGE);
	assert_non_null(
	    strstr(smmusim_last_error(sim), "1..4 (sim.max_event_pages)"));
	/* A shared mmap too large for the bound is refused before its
	 * MAP_FIXED unmaps the private pages below it. */
	assert_int_equal(submit(sim, ev_mmap(1, BASE, 8 * PG, RW, true)),
			 SMMUSIM_ERANGE);
	assert_non_null(strstr(smmusim_last_error(sim), "map=shared"));
	submit_ok(sim, ev_touch(1, 0, BASE, 4 * PG));
	assert_int_equal(sim_stat(sim, "os.faults.cpu"), faults);
	/* iommu_map counts what it would write, and writes nothing. */
	submit_ok(sim, ev_domain(1, 0));
	assert_int_equal(submit(sim, ev_map(1, IOVA, 5 * PG, 0, RW)),
			 SMMUSIM_ERANGE);
	assert_non_null(strstr(smmusim_last_error(sim), "descriptors"));
	assert_int_equal(sim_stat(sim, "os.iommu.map"), 0);
	smmusim_free(sim);
}

static void host_memory_capped(void **state)
{
	(void)state;
	struct counting c;
	struct smmusim_allocator a = counting_allocator(&c);
	smmusim_config_t *cfg;
	smmusim_t *sim;
	char err[512];
	assert_int_equal(smmusim_config_new(&cfg, NULL), 0);
	/* 2 MiB: the default configuration takes about 1 MB when made
	 * (sim.max_host_memory's description); the frame table of what is
	 * touched then passes the cap. */
	assert_int_equal(
	    smmusim_config_set_assignment(cfg, "sim.max_host_memory=2M"), 0);
	assert_int_equal(smmusim_new_ex(&sim, cfg, &a, err, sizeof(err)), 0);
	smmusim_config_free(cfg);
	submit_ok(sim, ev_mm_create(1));
	submit_ok(sim, ev_mmap(1, BASE, 768ull << 20, RW, false));
	/* 65536 frames a touch: 16 chunks of frame table, 1 MiB. */
	int rc = 0;
	for (unsigned i = 0; i < 3 && rc == 0; i++)
		rc = submit(sim, ev_touch(1, 0, BASE + ((uint64_t)i << 28),
					  256ull << 20));
	assert_int_equal(rc, SMMUSIM_ENOMEM);
	assert_non_null(
	    strstr(smmusim_last_error(sim), "sim.max_host_memory=2097152"));
	assert_true(sim->mem.peak <= (2u << 20));
	/* The state may have drifted: every later event is refused. */
	assert_int_equal(submit(sim, ev_mm_create(2)), SMMUSIM_ENOMEM);
	assert_non_null(strstr(smmusim_last_error(sim), "sim.max_host_memory"));
	smmusim_free(sim);
	assert_int_equal(c.blocks, 0);
	assert_int_equal(c.size_mismatch, 0);
}

/* ---- issue 10: a device access inside a kernel operation ---- */

/* A read by the SVA stream (SID, ssid 1) at `cycle`. */
static struct smmusim_event ev_sva_read(uint64_t va, uint64_t cycle)
{
	struct smmusim_event ev = ev_dev(SID, va, false);
	ev.ssid = 1;
	return ev_at(ev, cycle);
}

/*
 * The device has cached both pages of a bound process buffer; the process
 * unmaps it at cycle T.  A read scheduled at T + 1 is simulated after the
 * munmap returned, but at a cycle between its PTE clear and the completion
 * of its CMD_SYNC: the SMMU has not consumed the TLBI yet, the IOTLB
 * serves the old page, and the oracle counts it inside the window.  A read
 * long after the munmap walks and faults, unless the driver skipped the
 * invalidation (policy.smmu.skip_invalidation): then it is stale.
 */
static void dma_during_unmap(bool skip)
{
	static const uint64_t T = 1000000;
	const char *const sets[] = {
	    "dev.fault_mode=stall",
	    skip ? "policy.smmu.skip_invalidation=on" : NULL, NULL};
	smmusim_t *sim = sim_new("policy=linux-6.1", sets);
	submit_ok(sim, ev_mm_create(1));
	submit_ok(sim, ev_mmap(1, BASE, 2 * PG, RW, false));
	submit_ok(sim, ev_bind(1, SID, 1, false));
	submit_ok(sim, ev_touch(1, 0, BASE, 2 * PG));
	submit_ok(sim, ev_sva_read(BASE, 500000));
	submit_ok(sim, ev_sva_read(BASE + PG, 500100));
	/* The read at T + 1 comes while the munmap (on PE 0) runs. */
	submit_ok_next(sim, ev_at(ev_munmap(1, BASE, 2 * PG), T), T + 1);
	assert_true(sim->os.sched.kt[0].busy);
	uint64_t walks = sim_stat(sim, "smmu.walks");

	submit_ok(sim, ev_sva_read(BASE + 0x40, T + 1));
	uint64_t end = T + 2000000; /* long after the munmap */
	assert_int_equal(smmusim_run_until(sim, end), 0);
	assert_false(sim->os.sched.kt[0].busy);
	assert_int_equal(sim_stat(sim, "smmu.walks"), walks);
	assert_int_equal(sim_stat(sim, "check.tolerated_in_window"), 1);
	assert_int_equal(smmusim_violation_total(sim), 0);

	submit_ok(sim, ev_sva_read(BASE + PG, end + 100000));
	assert_int_equal(smmusim_finish(sim), 0);
	assert_int_equal(sim_stat(sim, "check.tolerated_in_window"), 1);
	assert_int_equal(smmusim_violation_total(sim), skip ? 1 : 0);
	assert_int_equal(sim_stat(sim, "check.violations.stale-translation"),
			 skip ? 1 : 0);
	assert_int_equal(sim_stat(sim, "smmu.walks"), walks + (skip ? 0 : 1));
	smmusim_free(sim);
}

static void dma_during_unmap_tolerated(void **state)
{
	(void)state;
	dma_during_unmap(false);
}

static void dma_during_unmap_skipped_invalidation_stale(void **state)
{
	(void)state;
	dma_during_unmap(true);
}

/* The set-up of the two tests below: PE `toucher` has cached both pages of
 * a buffer; PE 0 munmaps it at cycle SLOW_T, its TLBI crossing an
 * interconnect of cpu.lat.dvm = SLOW_DVM cycles; the next event comes at
 * SLOW_T + 1, while the munmap runs. */
#define SLOW_T 1000000
#define SLOW_DVM 100000
static smmusim_t *munmap_over_slow_dvm(uint32_t toucher)
{
	const char *const sets[] = {"cpu.count=2", "cpu.lat.dvm=100000", NULL};
	smmusim_t *sim = sim_new("policy=linux-6.1", sets);
	submit_ok(sim, ev_mm_create(1));
	submit_ok(sim, ev_mmap(1, BASE, 2 * PG, RW, false));
	submit_ok(sim, ev_touch(1, toucher, BASE, 2 * PG));
	struct smmusim_event un = ev_munmap(1, BASE, 2 * PG);
	un.cpu = 0;
	submit_ok_next(sim, ev_at(un, SLOW_T), SLOW_T + 1);
	return sim;
}

/*
 * A broadcast TLBI takes effect at another PE when that PE has applied it
 * (issue 10, increment 3).  PE 1 has cached both pages of a buffer; at
 * cycle T PE 0 munmaps it.  With a slow interconnect (cpu.lat.dvm) PE 0's
 * TLBI VALE1IS reaches PE 1 long after the PTEs were cleared: PE 1's load
 * at T + 1 still hits its TLB, inside the munmap's window (tolerated); its
 * load when the munmap is done (the DSB waited for PE 1) misses, walks and
 * faults.
 */
static void tlbi_acts_at_receiver(void **state)
{
	(void)state;
	static const uint64_t T = SLOW_T, DVM = SLOW_DVM;
	smmusim_t *sim = munmap_over_slow_dvm(1);
	uint64_t walks = sim_stat(sim, "cpu.walks");

	/* Issued, not yet applied at PE 1: the old entry still serves. */
	submit_ok_next(sim, ev_at(ev_cpu(1, 1, BASE + 0x40, false), T + 1),
		       T + 1);
	assert_true(sim->os.sched.kt[0].busy); /* the DSB waits for PE 1 */
	assert_int_equal(smmusim_run_until(sim, T + DVM), 0);
	assert_true(sim->os.sched.kt[0].busy);
	uint64_t end = T + 3 * DVM;
	assert_int_equal(smmusim_run_until(sim, end), 0);
	assert_false(sim->os.sched.kt[0].busy);
	assert_int_equal(sim_stat(sim, "cpu.walks"), walks);
	assert_int_equal(sim_stat(sim, "check.tolerated_in_window"), 1);
	assert_int_equal(smmusim_violation_total(sim), 0);

	/* Applied by the end of the munmap: a miss, a walk, a fault. */
	submit_ok(sim, ev_at(ev_cpu(1, 1, BASE + PG, false), end));
	assert_int_equal(sim_stat(sim, "cpu.walks"), walks + 1);
	assert_int_equal(sim_stat(sim, "cpu.access.segv"), 1);
	assert_int_equal(smmusim_finish(sim), 0);
	assert_int_equal(sim_stat(sim, "check.tolerated_in_window"), 1);
	assert_int_equal(smmusim_violation_total(sim), 0);
	smmusim_free(sim);
}

/*
 * Two PEs in the kernel at once (issue 10, increment 4).  PE 0 munmaps at
 * T; PE 1 munmaps another range of the same mm at T + 1, while PE 0 still
 * holds the mmap_lock (its DSB and the SMMU's CMD_SYNC take thousands of
 * cycles): PE 1 waits, counted in os.lock.mmap_lock.*.  The same with two
 * processes: nobody waits.  The order of lines decides nothing else: both
 * runs end with the same pages gone.
 */
static void two_pes(bool same_mm, uint64_t *waits, uint64_t *wait_cycles)
{
	static const uint64_t T = 1000000;
	const char *const sets[] = {"cpu.count=2", NULL};
	smmusim_t *sim = sim_new("policy=linux-6.1", sets);
	for (uint32_t mm = 1; mm <= 2; mm++) {
		submit_ok(sim, ev_mm_create(mm));
		submit_ok(sim, ev_mmap(mm, BASE, 4 * PG, RW, false));
		submit_ok(sim, ev_touch(mm, 0, BASE, 4 * PG));
	}
	submit_ok(sim, ev_bind(1, SID, 1, false));
	struct smmusim_event a = ev_munmap(1, BASE, 2 * PG);
	struct smmusim_event b = ev_munmap(same_mm ? 1 : 2, BASE + 2 * PG, PG);
	a.cpu = 0;
	b.cpu = 1;
	submit_ok_next(sim, ev_at(a, T), T + 1);
	assert_true(sim->os.sched.kt[0].busy);
	submit_ok(sim, ev_at(b, T + 1));
	assert_int_equal(smmusim_finish(sim), 0);
	assert_false(sim->os.sched.kt[0].busy || sim->os.sched.kt[1].busy);
	assert_int_equal(smmusim_violation_total(sim), 0);
	*waits = sim_stat(sim, "os.lock.mmap_lock.contended");
	*wait_cycles = sim_stat(sim, "os.lock.mmap_lock.wait_cycles");
	smmusim_free(sim);
}

/*
 * A PE runs one thing at a time: a load on PE 0 at T + 1, while PE 0's
 * munmap (from T) still waits for its DSB, runs after the munmap ends
 * (kernel/sched.h, the busy PE's queue).  Its TLB entry is gone by then:
 * it misses, walks, faults (no VMA) -- not the tolerated hit the same load
 * on PE 1 gets in tlbi_acts_at_receiver.
 */
static void busy_pe_runs_events_in_order(void **state)
{
	(void)state;
	static const uint64_t T = SLOW_T, DVM = SLOW_DVM;
	smmusim_t *sim = munmap_over_slow_dvm(0);
	uint64_t walks = sim_stat(sim, "cpu.walks");
	submit_ok(sim, ev_at(ev_cpu(1, 0, BASE + 0x40, false), T + 1));
	assert_true(sim->os.sched.kt[0].qn == 1); /* queued behind it */
	assert_int_equal(smmusim_run_until(sim, T + 3 * DVM), 0);
	assert_false(sim->os.sched.kt[0].busy); /* both done, in order */
	assert_true(sim->prev_done && sim->prev_finish > T + DVM);
	assert_int_equal(sim_stat(sim, "cpu.walks"), walks + 1);
	assert_int_equal(sim_stat(sim, "cpu.access.segv"), 1);
	assert_int_equal(sim_stat(sim, "check.tolerated_in_window"), 0);
	assert_int_equal(smmusim_finish(sim), 0);
	assert_int_equal(smmusim_violation_total(sim), 0);
	smmusim_free(sim);
}

static void pes_wait_for_the_mmap_lock(void **state)
{
	(void)state;
	uint64_t n, cyc;
	two_pes(true, &n, &cyc);
	assert_int_equal(n, 1);
	assert_true(cyc > 100); /* PE 0's whole munmap, less one cycle */
	two_pes(false, &n, &cyc);
	assert_int_equal(n, 0);
	assert_int_equal(cyc, 0);
}

/*
 * A simulator freed while one PE's mm_exit holds the mmap_lock (asleep in
 * its flush) and another PE's mm_exit of the same mm waits for it
 * (tests/fuzz/findings/events-exit-waiter-cancelled): smmusim_free ends
 * the suspended operations, and the waiter, never granted the lock, must
 * fail before its exit_mmap, not run it beside the holder (it freed the mm
 * the holder then read: a host use-after-free, seen under ASan).
 */
static void free_with_exit_waiting_for_exit(void **state)
{
	(void)state;
	static const uint64_t T = 1000000;
	const char *const sets[] = {"cpu.count=2", NULL};
	smmusim_t *sim = sim_new("policy=linux-6.1", sets);
	submit_ok(sim, ev_mm_create(1));
	submit_ok(sim, ev_mmap(1, BASE, 4 * PG, RW, false));
	submit_ok(sim, ev_touch(1, 0, BASE, 4 * PG));
	/* The waiter on PE 0: sm_sched_cancel ends PE 0's operation first. */
	struct smmusim_event a = ev_mm_exit(1), b = ev_mm_exit(1);
	a.cpu = 1;
	b.cpu = 0;
	submit_ok_next(sim, ev_at(a, T), T + 1);
	assert_true(sim->os.sched.kt[1].busy);
	submit_ok_next(sim, ev_at(b, T + 1), T + 2);
	assert_true(sim->os.sched.kt[0].busy);
	assert_non_null(sim->os.sched.kt[0].blocked_on); /* waits for PE 1 */
	smmusim_free(sim); /* no finish: both still suspended */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(domain_create_and_duplicates),
	    cmocka_unit_test(asid_alias_hit_is_stale),
	    cmocka_unit_test(attach_cmds_on_and_off),
	    cmocka_unit_test(iommu_map_checks),
	    cmocka_unit_test(unmap_frees_fresh_pages_at_sync),
	    cmocka_unit_test(remap_fresh_pages_does_not_leak),
	    cmocka_unit_test(unmap_stale_tolerated_then_tlbi_sync),
	    cmocka_unit_test(unmap_sync_without_tlbi_is_violation),
	    cmocka_unit_test(driver_sync_closes_window_too),
	    cmocka_unit_test(raw_cmd_unknown_opcode_acknowledged),
	    cmocka_unit_test(raw_cmd_illegal_range_tlbi),
	    cmocka_unit_test(raw_cmd_field_out_of_range),
	    cmocka_unit_test(replay_trace_qemu_7_2),
	    cmocka_unit_test(qemu_7_2_flushes_at_257th_page),
	    cmocka_unit_test(default_hw_no_flush),
	    cmocka_unit_test(test_raw_tlbi_refused),
	    cmocka_unit_test(test_raw_tlbi_and_dsb),
	    cmocka_unit_test(test_raw_range_needs_feature),
	    cmocka_unit_test(test_raw_tlbi_trace),
	    cmocka_unit_test(test_kpti_through_sim),
	    cmocka_unit_test(test_mprotect_partial_range_fails),
	    cmocka_unit_test(test_unknown_mm),
	    cmocka_unit_test(test_failed_event_takes_no_time),
	    cmocka_unit_test(test_never_waits_op_that_waits),
	    cmocka_unit_test(clock_never_wraps),
	    cmocka_unit_test(event_pages_bounded),
	    cmocka_unit_test(host_memory_capped),
	    cmocka_unit_test(dma_during_unmap_tolerated),
	    cmocka_unit_test(dma_during_unmap_skipped_invalidation_stale),
	    cmocka_unit_test(tlbi_acts_at_receiver),
	    cmocka_unit_test(pes_wait_for_the_mmap_lock),
	    cmocka_unit_test(free_with_exit_waiting_for_exit),
	    cmocka_unit_test(busy_pe_runs_events_in_order),
	};
	return cmocka_run_group_tests_name("sim", tests, NULL, NULL);
}
