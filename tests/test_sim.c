/* SPDX-License-Identifier: MIT */
/*
 * DMA domains through the public API: domain_create, attach, iommu_map,
 * iommu_unmap, a trace's own SMMU commands (`cmd`), and device accesses
 * without a substream (through CD 0).  The oracle's windows for unmapped
 * IOVAs close at the next completed CMD_SYNC: a stale entry used before
 * that is tolerated, after it a violation.  Also a trace replayed under the
 * qemu-7.2 hardware preset, with IOTLB hits and misses counted by hand.
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

#include <smmusim/smmusim.h>

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

/* ---- helpers ---- */

/* A simulator from the defaults, an optional hw preset and key=value
 * settings (NULL terminated). */
static smmusim_t *sim_new(const char *hw, ...)
{
	smmusim_config_t *cfg;
	smmusim_t *sim;
	char err[512];
	va_list ap;
	assert_int_equal(smmusim_config_new(&cfg, NULL), 0);
	if (hw)
		assert_int_equal(smmusim_config_apply_preset(cfg, "hw", hw), 0);
	va_start(ap, hw);
	for (const char *kv; (kv = va_arg(ap, const char *));)
		assert_int_equal(smmusim_config_set_assignment(cfg, kv), 0);
	va_end(ap);
	if (smmusim_new_ex(&sim, cfg, NULL, err, sizeof(err)) != 0)
		fail_msg("smmusim_new: %s", err);
	smmusim_config_free(cfg);
	return sim;
}

static uint64_t stat(const smmusim_t *sim, const char *name)
{
	uint64_t v = 0;
	if (smmusim_stat_get(sim, name, &v))
		fail_msg("no stat %s", name);
	return v;
}

static void ok(smmusim_t *sim, struct smmusim_event ev)
{
	int rc = smmusim_submit(sim, &ev);
	if (rc)
		fail_msg("%s: %d: %s", smmusim_event_name(ev.type), rc,
			 smmusim_last_error(sim));
}

/* The event fails with `rc`; the message names each of up to two words. */
static void refused(smmusim_t *sim, struct smmusim_event ev, int rc,
		    const char *w1, const char *w2)
{
	uint64_t events = stat(sim, "sim.events");
	assert_int_equal(smmusim_submit(sim, &ev), rc);
	const char *msg = smmusim_last_error(sim);
	if (w1 && !strstr(msg, w1))
		fail_msg("'%s' does not name '%s'", msg, w1);
	if (w2 && !strstr(msg, w2))
		fail_msg("'%s' does not name '%s'", msg, w2);
	/* The keyword of the event prefixes the message. */
	assert_ptr_equal(strstr(msg, smmusim_event_name(ev.type)), msg);
	assert_int_equal(stat(sim, "sim.events"), events + 1);
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
	uint64_t ok0 = stat(sim, "dev.access.ok");
	uint64_t failed0 = stat(sim, "dev.access.failed");
	ok(sim, ev_dev(sid, va, write));
	uint64_t oks = stat(sim, "dev.access.ok") - ok0;
	uint64_t fails = stat(sim, "dev.access.failed") - failed0;
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
	ok(sim, ev_domain(1, 2));
	ok(sim, ev_attach(SID, 1, true));
	ok(sim, ev_map(1, IOVA, 0x1000, 0, SMMUSIM_PROT_R | SMMUSIM_PROT_W));
	assert_true(dev(sim, SID, IOVA + 0x10, false));
	assert_true(dev(sim, SID, IOVA + 0x20, true));
	assert_int_equal(stat(sim, "smmu.walks"), 1);
	return sim;
}

/* ============================== domains ============================== */

static void domain_create_and_duplicates(void **state)
{
	(void)state;
	smmusim_t *sim = sim_new(NULL, NULL);

	ok(sim, ev_domain(1, 0)); /* lowest free ASID: 1 */
	ok(sim, ev_domain(2, 5));
	ok(sim, ev_domain(3, 0)); /* 1 is taken: 2 */
	assert_non_null(find_dom(sim, 1));
	assert_int_equal(find_dom(sim, 1)->asid, 1);
	assert_int_equal(find_dom(sim, 2)->asid, 5);
	assert_int_equal(find_dom(sim, 3)->asid, 2);
	assert_true(find_dom(sim, 1)->pgd != find_dom(sim, 3)->pgd);

	refused(sim, ev_domain(1, 0), SMMUSIM_EEXIST, "dom=1", NULL);
	refused(sim, ev_domain(2, 9), SMMUSIM_EEXIST, "dom=2", NULL);
	refused(sim, ev_domain(4, 5), SMMUSIM_EEXIST, "asid=5", "dom=2");
	refused(sim, ev_domain(4, 1), SMMUSIM_EEXIST, "asid=1", "dom=1");
	refused(sim, ev_domain(4, 0x10000), SMMUSIM_ERANGE, "asid=65536", NULL);
	assert_null(find_dom(sim, 4));

	/* After the refusals dom 4 can still be created. */
	ok(sim, ev_domain(4, 0));
	assert_int_equal(find_dom(sim, 4)->asid, 3);
	assert_int_equal(smmusim_finish(sim), 0);
	assert_int_equal(smmusim_violation_total(sim), 0);
	smmusim_free(sim);
}

static void attach_cmds_on_and_off(void **state)
{
	(void)state;
	smmusim_t *sim = sim_new(NULL, NULL);
	ok(sim, ev_domain(1, 2));

	uint64_t ste0 = stat(sim, "smmu.cmd.cfgi_ste");
	uint64_t cd0 = stat(sim, "smmu.cmd.cfgi_cd");
	uint64_t sync0 = stat(sim, "smmu.cmd.sync");
	uint64_t es0 = stat(sim, "os.smmu.entry_syncs");
	uint64_t sub0 = stat(sim, "os.smmu.submissions");
	ok(sim, ev_attach(SID, 1, true));
	uint64_t dste = stat(sim, "smmu.cmd.cfgi_ste") - ste0;
	uint64_t dcd = stat(sim, "smmu.cmd.cfgi_cd") - cd0;
	/* The STE (abort -> CD table) and CD 0 were each written and
	 * invalidated at least once; every writer step is one CFGI + one
	 * CMD_SYNC. */
	assert_true(dste >= 1);
	assert_true(dcd >= 1);
	assert_int_equal(stat(sim, "os.smmu.entry_syncs") - es0, dste + dcd);
	assert_int_equal(stat(sim, "smmu.cmd.sync") - sync0, dste + dcd);
	assert_int_equal(stat(sim, "os.smmu.submissions") - sub0, dste + dcd);
	assert_int_equal(stat(sim, "smmu.cmdq.errors"), 0);

	/* cmds=false: the trace carries the commands; the driver issues
	 * none. */
	ste0 = stat(sim, "smmu.cmd.cfgi_ste");
	cd0 = stat(sim, "smmu.cmd.cfgi_cd");
	sync0 = stat(sim, "smmu.cmd.sync");
	sub0 = stat(sim, "os.smmu.submissions");
	ok(sim, ev_attach(SID + 1, 1, false));
	assert_int_equal(stat(sim, "smmu.cmd.cfgi_ste"), ste0);
	assert_int_equal(stat(sim, "smmu.cmd.cfgi_cd"), cd0);
	assert_int_equal(stat(sim, "smmu.cmd.sync"), sync0);
	assert_int_equal(stat(sim, "os.smmu.submissions"), sub0);

	/* Both streams translate through the domain (nothing was cached for
	 * sid 0x11, so no CFGI was needed). */
	ok(sim, ev_map(1, IOVA, 0x1000, 0, SMMUSIM_PROT_R | SMMUSIM_PROT_W));
	assert_true(dev(sim, SID, IOVA, true));
	assert_true(dev(sim, SID + 1, IOVA, false));

	refused(sim, ev_attach(SID, 7, true), SMMUSIM_ENOENT, "dom=7", NULL);
	/* smmu.sid_bits = 8: sid 0x100 is outside the stream table. */
	refused(sim, ev_attach(0x100, 1, true), SMMUSIM_ERANGE, "sid=0x100",
		"smmu.sid_bits");
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
	ok(sim, ev_domain(1, 2));
	ok(sim, ev_attach(SID, 1, true));

	/* Output addresses are bounded by the 48-bit physical address space
	 * only (RAM or device memory such as an MSI doorbell; since
	 * 6420e4c an address outside RAM, i.e. beyond mem.size, is
	 * accepted). */
	refused(sim, ev_map(1, IOVA, 0x1000, 1ull << 48, rw), SMMUSIM_ERANGE,
		"pa=0x1000000000000", "48-bit");
	/* Starts below 2^48, ends beyond it. */
	refused(sim, ev_map(1, IOVA, 0x2000, (1ull << 48) - 0x1000, rw),
		SMMUSIM_ERANGE, "pa=0xfffffffff000", "48-bit");
	/* A PA near 2^64 must not wrap the bound check. */
	refused(sim, ev_map(1, IOVA, 0x1000, 0xfffffffffffff000ull, rw),
		SMMUSIM_ERANGE, "pa=0xfffffffffffff000", "48-bit");
	refused(sim, ev_map(1, IOVA, 0x1000, 0x48023800, rw), SMMUSIM_EINVAL,
		"pa=0x48023800", "aligned");
	refused(sim, ev_map(1, IOVA + 0x800, 0x1000, 0x48023000, rw),
		SMMUSIM_EINVAL, "va=0xffffb800", "aligned");
	refused(sim, ev_map(1, IOVA, 0x1000, 0x48023000, SMMUSIM_PROT_W),
		SMMUSIM_EINVAL, "prot", NULL);
	refused(sim, ev_map(1, IOVA, 0x1000, 0x48023000, 0), SMMUSIM_EINVAL,
		"prot", NULL);
	refused(sim, ev_map(9, IOVA, 0x1000, 0x48023000, rw), SMMUSIM_ENOENT,
		"dom=9", NULL);
	refused(sim, ev_map(1, IOVA, 0, 0x48023000, rw), SMMUSIM_ERANGE, NULL,
		NULL);
	assert_int_equal(stat(sim, "os.iommu.map"), 0);

	/* Nothing was mapped by the refused events. */
	assert_false(dev(sim, SID, IOVA, false));

	/* The last page of RAM; a page given by address; device memory
	 * outside RAM (below it, and the last page below 2^48). */
	ok(sim, ev_map(1, IOVA + 0x10000, 0x1000, RAM_END - 0x1000, rw));
	ok(sim, ev_map(1, IOVA, 0x1000, 0x48023000, rw));
	ok(sim, ev_map(1, IOVA + 0x20000, 0x1000, 0x08090000, rw));
	ok(sim, ev_map(1, IOVA + 0x30000, 0x1000, (1ull << 48) - 0x1000, rw));
	/* Without pa: fresh pages, read-only. */
	ok(sim, ev_map(1, 0x200000, 0x2000, 0, SMMUSIM_PROT_R));
	assert_int_equal(stat(sim, "os.iommu.map"), 5);

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
	uint64_t ok0 = stat(sim, "dev.access.ok");
	assert_true(dev(sim, SID, IOVA + 0x8, true));
	assert_true(dev(sim, SID, 0x200000, false));
	assert_true(dev(sim, SID, 0x201ff8, false));
	assert_true(dev(sim, SID, IOVA + 0x10000, true));
	/* Device memory: no address-size fault for an OA outside RAM. */
	assert_true(dev(sim, SID, IOVA + 0x20040, true));
	assert_true(dev(sim, SID, IOVA + 0x30000, false));
	assert_int_equal(stat(sim, "dev.access.ok"), ok0 + 6);
	assert_int_equal(stat(sim, "smmu.faults.address_size"), 0);
	struct sm_smmu_xlate x;
	sm_smmu_translate(&sim->smmu, SID, SMMUSIM_NO_SSID, IOVA + 0x456, false,
			  smmusim_now(sim), 0, &x);
	assert_int_equal(x.outcome, SM_XLATE_OK);
	assert_int_equal(x.pa, 0x48023456ull);
	assert_int_equal(x.asid, 2);

	/* prot=r: a device write faults on permission. */
	uint64_t perm0 = stat(sim, "smmu.faults.permission");
	assert_false(dev(sim, SID, 0x200000, true));
	assert_int_equal(stat(sim, "smmu.faults.permission"), perm0 + 1);
	assert_int_equal(smmusim_finish(sim), 0);
	assert_int_equal(smmusim_violation_total(sim), 0);
	smmusim_free(sim);
}

/* ============================== unmap windows ============================ */

static void unmap_stale_tolerated_then_tlbi_sync(void **state)
{
	(void)state;
	smmusim_t *sim = dma_setup();
	ok(sim, ev_unmap(1, IOVA, 0x1000));
	assert_int_equal(stat(sim, "os.iommu.unmap"), 1);

	/* Before any command the stale entry serves the read: tolerated,
	 * the driver has not had its chance to invalidate yet. */
	assert_true(dev(sim, SID, IOVA + 0x30, false));
	assert_int_equal(stat(sim, "check.tolerated_in_window"), 1);
	assert_int_equal(smmusim_violation_total(sim), 0);
	assert_int_equal(stat(sim, "smmu.walks"), 1);

	ok(sim, ev_tlbi_va(2, IOVA));
	ok(sim, ev_cmd(OP_SYNC));
	assert_int_equal(stat(sim, "smmu.cmd.tlbi_nh_va"), 1);
	assert_int_equal(stat(sim, "os.smmu.trace_commands"), 2);
	assert_int_equal(stat(sim, "smmu.cmdq.errors"), 0);

	/* Now the access walks and faults cleanly. */
	uint64_t tf0 = stat(sim, "smmu.faults.translation");
	assert_false(dev(sim, SID, IOVA + 0x30, false));
	assert_int_equal(stat(sim, "smmu.walks"), 2);
	assert_int_equal(stat(sim, "smmu.faults.translation"), tf0 + 1);
	assert_int_equal(stat(sim, "check.tolerated_in_window"), 1);
	assert_int_equal(smmusim_violation_total(sim), 0);
	assert_int_equal(smmusim_finish(sim), 0);
	assert_int_equal(smmusim_violation_total(sim), 0);
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
	assert_int_equal(stat(sim, "check.violations.stale-translation"), 1);
}

static void unmap_sync_without_tlbi_is_violation(void **state)
{
	(void)state;
	smmusim_t *sim = dma_setup();
	ok(sim, ev_unmap(1, IOVA, 0x1000));
	assert_true(dev(sim, SID, IOVA, false));
	assert_int_equal(stat(sim, "check.tolerated_in_window"), 1);
	assert_int_equal(smmusim_violation_total(sim), 0);

	/* The trace forgets the TLBI: the SYNC closes the window. */
	ok(sim, ev_cmd(OP_SYNC));
	assert_true(dev(sim, SID, IOVA + 0x40, false));
	assert_int_equal(stat(sim, "check.tolerated_in_window"), 1);
	check_stale_violation(sim);
	assert_int_equal(smmusim_finish(sim), 0);
	smmusim_free(sim);
}

static void driver_sync_closes_window_too(void **state)
{
	(void)state;
	smmusim_t *sim = dma_setup();
	ok(sim, ev_unmap(1, IOVA, 0x1000));
	/* Any completed CMD_SYNC closes the windows, also the driver's own
	 * (here: attaching another stream with driver commands). */
	ok(sim, ev_attach(SID + 1, 1, true));
	assert_true(dev(sim, SID, IOVA, false));
	assert_int_equal(stat(sim, "check.tolerated_in_window"), 0);
	check_stale_violation(sim);
	assert_int_equal(smmusim_finish(sim), 0);
	smmusim_free(sim);
}

/* ============================== raw commands ============================= */

static void raw_cmd_unknown_opcode_acknowledged(void **state)
{
	(void)state;
	smmusim_t *sim = dma_setup();
	uint64_t asid0 = stat(sim, "smmu.cmd.tlbi_nh_asid");
	uint64_t sync0 = stat(sim, "smmu.cmd.sync");

	ok(sim, ev_cmd(0x7f));
	assert_int_equal(stat(sim, "os.smmu.cerror_ill_acks"), 1);
	assert_int_equal(stat(sim, "smmu.cmdq.errors"), 1);
	assert_int_equal(stat(sim, "os.smmu.trace_commands"), 1);
	assert_false(sim->smmu.cmdq_halted);

	/* The queue goes on: the following commands execute. */
	struct smmusim_event ev = ev_cmd(OP_TLBI_NH_ASID);
	ev.asid = 2;
	ok(sim, ev);
	ok(sim, ev_cmd(OP_SYNC));
	assert_int_equal(stat(sim, "smmu.cmd.tlbi_nh_asid"), asid0 + 1);
	assert_int_equal(stat(sim, "smmu.cmd.sync"), sync0 + 1);
	assert_int_equal(stat(sim, "smmu.cmdq.errors"), 1);
	assert_int_equal(stat(sim, "os.smmu.cerror_ill_acks"), 1);
	/* ... with effect: the next access walks again. */
	assert_true(dev(sim, SID, IOVA, false));
	assert_int_equal(stat(sim, "smmu.walks"), 2);
	assert_int_equal(smmusim_finish(sim), 0);
	assert_int_equal(smmusim_violation_total(sim), 0);
	smmusim_free(sim);
}

static void raw_cmd_illegal_range_tlbi(void **state)
{
	(void)state;
	smmusim_t *sim = dma_setup();
	ok(sim, ev_unmap(1, IOVA, 0x1000));

	/* TG = 1 with TTL = NUM = SCALE = 0: CERROR_ILL, skipped. */
	struct smmusim_event ev = ev_tlbi_va(2, IOVA);
	ev.ttl = 0;
	ok(sim, ev);
	assert_int_equal(stat(sim, "os.smmu.cerror_ill_acks"), 1);
	assert_int_equal(stat(sim, "smmu.cmdq.errors"), 1);
	assert_int_equal(stat(sim, "smmu.cmd.tlbi_nh_va"), 0);
	assert_false(sim->smmu.cmdq_halted);

	ok(sim, ev_cmd(OP_SYNC));
	assert_int_equal(stat(sim, "smmu.cmdq.errors"), 1);
	/* The invalidation never happened: the SYNC closed the window and
	 * the stale entry still serves the read. */
	assert_true(dev(sim, SID, IOVA, false));
	check_stale_violation(sim);

	/* The same TLBI with TTL = 3 is legal and removes it. */
	ok(sim, ev_tlbi_va(2, IOVA));
	ok(sim, ev_cmd(OP_SYNC));
	assert_int_equal(stat(sim, "smmu.cmd.tlbi_nh_va"), 1);
	assert_int_equal(stat(sim, "smmu.cmdq.errors"), 1);
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
	assert_int_equal(stat(sim, "os.smmu.trace_commands"), 0);
	assert_int_equal(stat(sim, "smmu.cmdq.errors"), 0);
	assert_int_equal(stat(sim, "smmu.cmd.tlbi_nh_va"), 0);
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
	smmusim_t *sim = sim_new("qemu-7.2", NULL);
	char buf[64];
	assert_int_equal(smmusim_config_get(smmusim_config(sim),
					    "smmu.iotlb.replacement", buf,
					    sizeof(buf)),
			 0);
	assert_string_equal(buf, "flushall");
	uint64_t sync0 = stat(sim, "smmu.cmd.sync");

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

	assert_int_equal(stat(sim, "dev.access.ok"), 8);
	assert_int_equal(stat(sim, "dev.access.failed"), 0);
	/* No micro-TLB in QEMU 7.2: every access looks up the IOTLB. */
	assert_int_equal(stat(sim, "smmu.utlb.hits"), 0);
	assert_int_equal(stat(sim, "smmu.iotlb.hits"), 4);
	assert_int_equal(stat(sim, "smmu.iotlb.misses"), 4);
	assert_int_equal(stat(sim, "smmu.iotlb.fills"), 4);
	assert_int_equal(stat(sim, "smmu.walks"), 4);
	assert_int_equal(stat(sim, "smmu.iotlb.flush_full"), 0);
	assert_int_equal(stat(sim, "smmu.cmd.tlbi_nh_va"), 1);
	assert_int_equal(stat(sim, "smmu.cmd.sync"), sync0 + 1);
	assert_int_equal(stat(sim, "os.smmu.trace_commands"), 2);
	assert_int_equal(stat(sim, "os.iommu.map"), 2);
	assert_int_equal(stat(sim, "check.lingering"), 0);
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
	smmusim_t *sim = sim_new("qemu-7.2", NULL);
	ok(sim, ev_domain(1, 3));
	ok(sim, ev_attach(SID, 1, true));
	ok(sim, ev_map(1, base, 257 * 0x1000ull, 0, SMMUSIM_PROT_R));

	for (uint64_t i = 0; i < 256; i++)
		assert_true(dev(sim, SID, base + i * 0x1000, false));
	assert_int_equal(stat(sim, "smmu.iotlb.misses"), 256);
	assert_int_equal(stat(sim, "smmu.iotlb.hits"), 0);
	assert_int_equal(stat(sim, "smmu.iotlb.flush_full"), 0);
	/* Still all cached. */
	assert_true(dev(sim, SID, base + 0x1000, false));
	assert_int_equal(stat(sim, "smmu.iotlb.hits"), 1);

	/* The 257th distinct page finds 256 entries: QEMU empties the
	 * IOTLB before inserting it. */
	assert_true(dev(sim, SID, base + 256 * 0x1000, false));
	assert_int_equal(stat(sim, "smmu.iotlb.flush_full"), 1);
	assert_int_equal(stat(sim, "smmu.iotlb.misses"), 257);
	assert_int_equal(stat(sim, "smmu.iotlb.fills"), 257);

	/* Page 1 was cached before the flush: it misses now. */
	assert_true(dev(sim, SID, base, false));
	assert_int_equal(stat(sim, "smmu.iotlb.misses"), 258);
	assert_int_equal(stat(sim, "smmu.iotlb.hits"), 1);
	/* The 257th page is the one that stayed. */
	assert_true(dev(sim, SID, base + 256 * 0x1000, false));
	assert_int_equal(stat(sim, "smmu.iotlb.hits"), 2);
	assert_int_equal(stat(sim, "smmu.iotlb.flush_full"), 1);
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
	smmusim_t *sim = sim_new(NULL, "smmu.utlb.entries=0", NULL);
	ok(sim, ev_domain(1, 3));
	ok(sim, ev_attach(SID, 1, true));
	ok(sim, ev_map(1, base, 257 * 0x1000ull, 0, SMMUSIM_PROT_R));
	for (uint64_t i = 0; i < 257; i++)
		assert_true(dev(sim, SID, base + i * 0x1000, false));
	assert_int_equal(stat(sim, "smmu.iotlb.flush_full"), 0);
	assert_int_equal(stat(sim, "smmu.iotlb.misses"), 257);
	assert_true(dev(sim, SID, base, false));
	assert_int_equal(stat(sim, "smmu.iotlb.hits"), 1);
	assert_int_equal(stat(sim, "smmu.iotlb.misses"), 257);
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
	smmusim_t *sim = sim_new(NULL, "smmu.utlb.entries=0", NULL);
	ok(sim, ev_domain(1, 5));
	ok(sim, ev_domain(2, 6));
	ok(sim, ev_attach(0x1, 1, true));
	ok(sim, ev_attach(0x2, 2, true));
	ok(sim, ev_map(1, IOVA, 0x1000, 0, SMMUSIM_PROT_R | SMMUSIM_PROT_W));
	ok(sim, ev_map(2, IOVA, 0x1000, 0, SMMUSIM_PROT_R | SMMUSIM_PROT_W));
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
	ok(sim, c);
	ok(sim, ev_cmd(OP_SYNC));
	uint64_t walks = stat(sim, "smmu.walks");
	assert_true(dev(sim, 0x2, IOVA, false));
	assert_int_equal(stat(sim, "smmu.walks"), walks); /* an IOTLB hit */
	assert_int_equal(smmusim_violation_total(sim), 1);
	const struct smmusim_violation *v = smmusim_violation_at(sim, 0);
	assert_int_equal(v->kind, SMMUSIM_VIOLATION_STALE_TRANSLATION);
	assert_int_equal(v->sid, 0x2);
	smmusim_free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(domain_create_and_duplicates),
	    cmocka_unit_test(asid_alias_hit_is_stale),
	    cmocka_unit_test(attach_cmds_on_and_off),
	    cmocka_unit_test(iommu_map_checks),
	    cmocka_unit_test(unmap_stale_tolerated_then_tlbi_sync),
	    cmocka_unit_test(unmap_sync_without_tlbi_is_violation),
	    cmocka_unit_test(driver_sync_closes_window_too),
	    cmocka_unit_test(raw_cmd_unknown_opcode_acknowledged),
	    cmocka_unit_test(raw_cmd_illegal_range_tlbi),
	    cmocka_unit_test(raw_cmd_field_out_of_range),
	    cmocka_unit_test(replay_trace_qemu_7_2),
	    cmocka_unit_test(qemu_7_2_flushes_at_257th_page),
	    cmocka_unit_test(default_hw_no_flush),
	};
	return cmocka_run_group_tests_name("sim", tests, NULL, NULL);
}
