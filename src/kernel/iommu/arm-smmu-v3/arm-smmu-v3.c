/* SPDX-License-Identifier: MIT */
/*
 * The Linux SMMUv3 driver's core, modelled on drivers/iommu/arm/arm-smmu-v3/
 * arm-smmu-v3.c as of v6.6 (with the entry writer of later kernels,
 * entry.c): probe and device reset (arm_smmu_device_probe,
 * arm_smmu_init_strtab, arm_smmu_init_queues, arm_smmu_device_reset), the
 * stream table and CD tables with their 2-level forms
 * (arm_smmu_init_l2_strtab, arm_smmu_alloc_cd_tables,
 * arm_smmu_alloc_cd_ptr), STE and CD writes through the entry writer,
 * and attach (arm_smmu_attach_dev, with the ATC invalidation a device with
 * ATS needs).
 *
 * Elsewhere: command submission in arm-smmu-v3-cmdq.c, the answers to
 * device page faults in arm-smmu-v3-irq.c, DMA domains and
 * their ASID / VMID in arm-smmu-v3-domain.c, SVA and its mm notifier in
 * arm-smmu-v3-sva.c, iommu_map / unmap in ../io-pgtable-arm.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <smmusim/error.h>

#include "base/alloc.h"
#include "engine/config.h"
#include "hw/mem/pgtable.h"
#include "arch/smmu_cmd.h"
#include "arch/smmu_regs.h"
#include "kernel/iommu/arm-smmu-v3/internal.h"

/* ---- commands, by the one builder (arch/smmu_cmd.h) ---- */

static void cmd_cfgi_ste(uint64_t c[2], uint32_t sid)
{
	sm_smmu_cmd_build(&(struct sm_smmu_cmd){.op = CMDQ_OP_CFGI_STE,
						.sid = sid,
						.leaf = 1},
			  c, NULL);
}

static void cmd_cfgi_cd(uint64_t c[2], uint32_t sid, uint32_t ssid, bool leaf)
{
	sm_smmu_cmd_build(
	    &(struct sm_smmu_cmd){
		.op = CMDQ_OP_CFGI_CD, .sid = sid, .ssid = ssid, .leaf = leaf},
	    c, NULL);
}

static void cmd_prefetch_cfg(uint64_t c[2], uint32_t sid)
{
	sm_smmu_cmd_build(
	    &(struct sm_smmu_cmd){.op = CMDQ_OP_PREFETCH_CFG, .sid = sid}, c,
	    NULL);
}

/* CMD_CFGI_ALL: CFGI_STE_RANGE with Range = 31. */
static void cmd_cfgi_all(uint64_t c[2])
{
	sm_smmu_cmd_build(
	    &(struct sm_smmu_cmd){.op = CMDQ_OP_CFGI_ALL, .range = 31}, c,
	    NULL);
}

static void cmd_tlbi_nsnh_all(uint64_t c[2])
{
	sm_smmu_cmd_build(&(struct sm_smmu_cmd){.op = CMDQ_OP_TLBI_NSNH_ALL}, c,
			  NULL);
}

/* ---- stream table ---- */

/* Linux's table geometry: STRTAB_SPLIT (256 STEs per L2 table, L1 Span
 * 9), CTXDESC_LINEAR_CDMAX (linear CD tables up to 2^10 CDs) and
 * CTXDESC_SPLIT (64 KiB leaves of 1024 CDs, S1Fmt 64K_L2). */
#define STRTAB_SPLIT 8
#define SM_CTXDESC_LINEAR_CDMAX 10
#define SM_CTXDESC_SPLIT_64K 10

static void write_abort_ste(struct sm_os *os, uint64_t pa)
{
	sm_physmem_write64(
	    os->pm, pa,
	    STRTAB_STE_0_V |
		sm_field_prep(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_ABORT));
}

/* Where the STE of `sid` is; with a 2-level table, the L2 table of its
 * range is made first (arm_smmu_init_l2_strtab: abort STEs, then the L1
 * descriptor; an L1 descriptor with Span 0 is never cached, so no CFGI). */
static int ste_pa(struct sm_os *os, uint32_t sid, uint64_t *pa)
{
	struct sm_smmu_drv *d = &os->drv;
	if (!d->strtab_2lvl) {
		*pa = d->strtab + (uint64_t)sid * 64;
		return 0;
	}
	uint32_t i1 = sid >> STRTAB_SPLIT;
	if (!d->strtab_l2[i1]) {
		uint64_t l2;
		uint64_t pages = (64ull << STRTAB_SPLIT) >> SM_PAGE_SHIFT;
		int rc = sm_physmem_alloc_contig(os->pm, pages, pages,
						 SM_PAGE_SMMU, &l2, os->eb);
		if (rc < 0)
			return rc;
		for (uint32_t i = 0; i < (1u << STRTAB_SPLIT); i++)
			write_abort_ste(os, l2 + (uint64_t)i * 64);
		sm_physmem_write64(
		    os->pm, d->strtab + (uint64_t)i1 * 8,
		    (l2 & STRTAB_L1_DESC_L2PTR_MASK) |
			sm_field_prep(STRTAB_L1_DESC_SPAN, STRTAB_SPLIT + 1));
		d->strtab_l2[i1] = l2;
		SM_INC(d->ctr, OS_SMMU_L2_TABLES);
	}
	*pa = d->strtab_l2[i1] +
	      (uint64_t)(sid & ((1u << STRTAB_SPLIT) - 1)) * 64;
	return 0;
}

/* ---- probe ---- */

/* dmam_alloc_coherent for the SMMU's tables and queues: whole pages,
 * aligned to their own size. */
static int alloc_coherent(struct sm_os *os, uint64_t bytes, uint64_t *pa)
{
	uint64_t pages = (bytes + SM_PAGE_SIZE - 1) >> SM_PAGE_SHIFT;
	return sm_physmem_alloc_contig(os->pm, pages, pages, SM_PAGE_SMMU, pa,
				       os->eb);
}

static size_t strtab_l1_entries(const struct sm_smmu_drv *d)
{
	return (size_t)1 << (d->sid_bits > STRTAB_SPLIT
				 ? d->sid_bits - STRTAB_SPLIT
				 : 0);
}

/* A 2-level CD table's L1 descriptors (leaves of 1024 CDs). */
static size_t cd_l1_entries(const struct sm_smmu_drv *d)
{
	return (size_t)1 << (d->ssid_bits - SM_CTXDESC_SPLIT_64K);
}

/* The research what-ifs and the bug switch (docs/policies.md, "What we
 * know is not Linux").  ARM_SMMU_FEAT_BTM needs IDR0.BTM too. */
static void read_whatifs(struct sm_smmu_drv *d, const smmusim_config_t *cfg)
{
	d->btm =
	    sm_smmu_has_btm(d->smmu) && sm_cfg_bool(cfg, SM_K_POLICY_SMMU_BTM);
	d->pri_service = sm_cfg_enum(cfg, SM_K_POLICY_SMMU_PRI) == 1;
	d->flushall_overflow_bug =
	    sm_cfg_bool(cfg, SM_K_POLICY_SMMU_FLUSHALL_OVERFLOW_BUG);
	d->asid_move_order = sm_cfg_enum(cfg, SM_K_POLICY_SMMU_ASID_MOVE_ORDER);
}

static void read_config(struct sm_smmu_drv *d, const smmusim_config_t *cfg)
{
	d->sid_bits = (unsigned)sm_cfg_u64(cfg, SM_K_SMMU_SID_BITS);
	d->ssid_bits = (unsigned)sm_cfg_u64(cfg, SM_K_SMMU_SSID_BITS);
	d->cmdq_log2size = (unsigned)sm_cfg_u64(cfg, SM_K_SMMU_CMDQ_LOG2SIZE);
	d->batch_max = (uint32_t)sm_cfg_u64(cfg, SM_K_POLICY_SMMU_BATCH);
	d->max_tlbi_ops = sm_cfg_u64(cfg, SM_K_POLICY_SMMU_MAX_TLBI_OPS);
	d->sva_flush_all = sm_cfg_bool(cfg, SM_K_POLICY_SMMU_SVA_FLUSH_ALL);
	d->sva_own_asid =
	    sm_cfg_enum(cfg, SM_K_POLICY_SMMU_SVA_ASID) == SM_SVA_ASID_OWN;
	snprintf(d->presets, sizeof(d->presets), "%s", sm_cfg_presets(cfg));
	d->skip_inv = sm_cfg_bool(cfg, SM_K_POLICY_SMMU_SKIP_INVALIDATION);
	d->writer_v61 = sm_cfg_enum(cfg, SM_K_POLICY_SMMU_ENTRY_WRITER) == 1;
	d->prefetch = sm_cfg_bool(cfg, SM_K_POLICY_SMMU_PREFETCH_CFG);
	d->ats = sm_cfg_bool(cfg, SM_K_DEV_ATS);
	d->stall = sm_cfg_enum(cfg, SM_K_DEV_FAULT_MODE) == 1;
	read_whatifs(d, cfg);
	d->lat_cmd_write = sm_cfg_u64(cfg, SM_K_SMMU_LAT_CMD_WRITE);
	d->lat_sync_poll = sm_cfg_u64(cfg, SM_K_SMMU_LAT_SYNC_POLL);
	d->lat_msi = sm_cfg_u64(cfg, SM_K_SMMU_LAT_MSI);
	d->lat_mmio = sm_cfg_u64(cfg, SM_K_SMMU_LAT_MMIO_READ);
	d->lat_evtq_irq = sm_cfg_u64(cfg, SM_K_OS_LAT_EVTQ_IRQ);
	d->sync_msi = sm_cfg_enum(cfg, SM_K_POLICY_SMMU_SYNC_WAIT) == 0;
	d->cmdq_spinlock = sm_cfg_enum(cfg, SM_K_POLICY_SMMU_CMDQ_LOCK) == 1;
	d->lat_cmdq_lock = sm_cfg_u64(cfg, SM_K_OS_LAT_CMDQ_LOCK);
	d->lat_cmdq_waiter = sm_cfg_u64(cfg, SM_K_OS_LAT_CMDQ_LOCK_WAITER);
	d->strtab_2lvl = sm_cfg_enum(cfg, SM_K_SMMU_STRTAB_FORMAT) == 1;
	d->cd_2lvl = d->ssid_bits > SM_CTXDESC_LINEAR_CDMAX;
}

/* arm_smmu_init_strtab */
static int init_strtab(struct sm_os *os)
{
	struct sm_smmu_drv *d = &os->drv;
	int rc;
	if (d->strtab_2lvl) {
		/* arm_smmu_init_strtab_2lvl: an L1 table of 2^(sid_bits -
		 * STRTAB_SPLIT) descriptors, all invalid (Span 0); the L2
		 * tables come with the first device of their range. */
		size_t n1 = strtab_l1_entries(d);
		d->strtab_l2 = sm_calloc(os->alloc, n1 * sizeof(uint64_t));
		if (!d->strtab_l2)
			return sm_err(os->eb, SMMUSIM_ENOMEM, "out of memory");
		if ((rc = alloc_coherent(os, n1 * 8, &d->strtab)) < 0)
			return rc;
		sm_smmu_set_strtab_2lvl(d->smmu, d->strtab, d->sid_bits,
					STRTAB_SPLIT);
		return 0;
	}
	/* Linear stream table of 2^sid_bits STEs; every STE starts as
	 * "abort" (arm_smmu_init_bypass_stes, disable_bypass). */
	if ((rc = alloc_coherent(os, (uint64_t)64 << d->sid_bits, &d->strtab)) <
	    0)
		return rc;
	for (uint64_t sid = 0; sid < (1ull << d->sid_bits); sid++)
		write_abort_ste(os, d->strtab + sid * 64);
	sm_smmu_set_strtab(d->smmu, d->strtab, d->sid_bits);
	return 0;
}

/* arm_smmu_init_queues: the command queue the driver writes, the event and
 * PRI queues the SMMU writes records into. */
static int init_queues(struct sm_os *os, const smmusim_config_t *cfg)
{
	struct sm_smmu_drv *d = &os->drv;
	unsigned elog = (unsigned)sm_cfg_u64(cfg, SM_K_SMMU_EVTQ_LOG2SIZE);
	unsigned plog = (unsigned)sm_cfg_u64(cfg, SM_K_SMMU_PRIQ_LOG2SIZE);
	uint64_t eq, pq;
	int rc;
	if ((rc = alloc_coherent(os, 16ull << d->cmdq_log2size, &d->cmdq)) < 0)
		return rc;
	if (sm_smmu_set_cmdq(d->smmu, d->cmdq, d->cmdq_log2size) < 0)
		return sm_err(os->eb, SMMUSIM_ENOMEM, "out of memory");
	if ((rc = alloc_coherent(os, 32ull << elog, &eq)) < 0 ||
	    (rc = alloc_coherent(os, 16ull << plog, &pq)) < 0)
		return rc;
	sm_smmu_set_evtq(d->smmu, eq, elog);
	sm_smmu_set_priq(d->smmu, pq, plog);
	return 0;
}

/* arm_smmu_device_reset(): CR2 (PTM), then invalidate cached
 * configuration and any stale TLB entries, each followed by a sync. */
static int device_reset(struct sm_os *os, uint64_t *t)
{
	uint64_t c[2];
	int rc;
	/* Linux writes CR2_PTM | CR2_RECINVSID (arm_smmu_device_reset, 6.1
	 * and 6.12 alike): the SMMU ignores broadcast TLBIs whatever IDR0.BTM
	 * says.  Only the BTM what-if clears PTM. */
	sm_smmu_write_cr2_ptm(os->smmu, !os->drv.btm);
	cmd_cfgi_all(c);
	if ((rc = sm_drv_cmdq_issue_sync(os, c, t)) < 0)
		return rc;
	cmd_tlbi_nsnh_all(c);
	return sm_drv_cmdq_issue_sync(os, c, t);
}

int sm_drv_init(struct sm_os *os, const smmusim_config_t *cfg,
		struct sm_stats *st, uint64_t *t)
{
	struct sm_smmu_drv *d = &os->drv;
	int rc;
	*d = (struct sm_smmu_drv){.smmu = os->smmu,
				  .ctr = sm_stats_ctrs(st),
				  .hist = sm_stats_hists(st)};
	read_config(d, cfg);
	/* arm_smmu_device_hw_probe: IDR3.RIL -> ARM_SMMU_FEAT_RANGE_INV. */
	d->ril = d->smmu->ril;
	if (d->sid_bits > 16 && !d->strtab_2lvl)
		return sm_err(os->eb, SMMUSIM_EINVAL,
			      "smmu.sid_bits=%u needs smmu.strtab.format=2lvl "
			      "(a linear stream table is limited to 16 bits, "
			      "4 MiB)",
			      d->sid_bits);
	d->batch = sm_calloc(os->alloc, d->batch_max * sizeof(*d->batch));
	d->sids =
	    sm_calloc(os->alloc, ((size_t)1 << d->sid_bits) * sizeof(*d->sids));
	if (!d->batch || !d->sids)
		return sm_err(os->eb, SMMUSIM_ENOMEM, "out of memory");
	if ((rc = init_strtab(os)) < 0 || (rc = init_queues(os, cfg)) < 0)
		return rc;
	return device_reset(os, t);
}

void sm_drv_fini(struct sm_os *os)
{
	struct sm_smmu_drv *d = &os->drv;
	for (struct sm_bond *b = d->bonds, *n; b; b = n) {
		n = b->next;
		sm_free(os->alloc, b, sizeof(*b));
	}
	for (struct sm_smmu_sva_mn *m = d->mns, *n; m; m = n) {
		n = m->next;
		sm_free(os->alloc, m, sizeof(*m));
	}
	for (struct sm_domain *m = d->domains, *n; m; m = n) {
		n = m->next;
		sm_free(os->alloc, m, sizeof(*m));
	}
	sm_free(os->alloc, d->win, d->capwin * sizeof(*d->win));
	sm_free(os->alloc, d->frames, d->capframes * sizeof(*d->frames));
	d->domains = NULL;
	d->win = NULL;
	d->frames = NULL;
	sm_drv_cmdq_fini(os);
	if (d->sids) {
		for (size_t i = 0; i < ((size_t)1 << d->sid_bits); i++)
			if (d->sids[i].cdl2)
				sm_free(os->alloc, d->sids[i].cdl2,
					cd_l1_entries(d) * sizeof(uint64_t));
		sm_free(os->alloc, d->sids,
			((size_t)1 << d->sid_bits) * sizeof(*d->sids));
	}
	if (d->strtab_l2)
		sm_free(os->alloc, d->strtab_l2,
			strtab_l1_entries(d) * sizeof(uint64_t));
	d->bonds = NULL;
	d->mns = NULL;
	d->sids = NULL;
	d->strtab_l2 = NULL;
}

/* ---- STE and CD writes ---- */

/* CFGI + CMD_SYNC, unless the trace carries the commands itself. */
static int cfgi_sync(struct sm_os *os, const uint64_t c[2], bool cmds,
		     uint64_t *t)
{
	return cmds ? sm_drv_cmdq_issue_sync(os, c, t) : 0;
}

/* arm_smmu_sync_cd: CFGI_CD for the streams that may have cached the CD,
 * in one batch with a CMD_SYNC.  6.12 names the master's own streams; 6.1
 * (policy.smmu.entry_writer=v6.1) the masters on the domain's device list,
 * which the stream joins only once its STE is installed: until then the
 * batch is empty and the driver sends a bare CMD_SYNC (6.1's
 * arm_smmu_domain_finalise_s1: "this will end up calling
 * arm_smmu_sync_cd() before the master has been added to the devices
 * list"). */
static int cd_sync(struct sm_os *os, uint32_t sid, const uint64_t c[2],
		   bool cmds, uint64_t *t)
{
	struct sm_smmu_drv *d = &os->drv;
	uint8_t mode = d->sids[sid].mode;
	if (!cmds)
		return 0;
	if (d->writer_v61 && mode != SM_SID_CDTAB && mode != SM_SID_NESTED)
		return sm_drv_cmdq_batch_submit(os, t);
	return sm_drv_cmdq_issue_sync(os, c, t);
}

/*
 * Every STE and CD update goes through the driver's entry writer: the
 * hitless one of 6.9+ (entry.c, arm_smmu_write_entry), or 6.1's fixed
 * order (policy.smmu.entry_writer=v6.1, sm_ste_write_v61 /
 * sm_cd_write_v61).  Either rewrites the live entry in steps and asks for
 * a CFGI + CMD_SYNC after each, so that the SMMU only ever sees the old or
 * the new configuration on the bits it uses.
 */
struct entry_ctx {
	struct sm_os *os;
	uint64_t pa;
	const uint64_t *entry;
	uint64_t cmd[2];
	uint32_t sid;
	bool cmds, ste;
	uint64_t *t;
	int rc;
};

static void entry_sync(void *vctx)
{
	struct entry_ctx *c = vctx;
	for (int i = 0; i < SM_ENTRY_QWORDS; i++)
		sm_physmem_write64(c->os->pm, c->pa + 8 * (uint64_t)i,
				   c->entry[i]);
	if (c->rc == 0)
		c->rc = c->ste ? cfgi_sync(c->os, c->cmd, c->cmds, c->t)
			       : cd_sync(c->os, c->sid, c->cmd, c->cmds, c->t);
}

static int write_entry(struct sm_os *os, uint64_t pa, uint32_t sid,
		       const uint64_t target[SM_ENTRY_QWORDS], bool ste,
		       const uint64_t cmd[2], bool cmds, uint64_t *t)
{
	uint64_t cur[SM_ENTRY_QWORDS];
	bool broke = false;
	unsigned syncs;
	for (int i = 0; i < SM_ENTRY_QWORDS; i++)
		cur[i] = sm_physmem_read64(os->pm, pa + 8 * (uint64_t)i);
	struct entry_ctx c = {os,  pa, cur, {cmd[0], cmd[1]}, sid, cmds,
			      ste, t,  0};
	const struct sm_entry_writer_ops ops = {
	    .used = ste ? sm_ste_used : sm_cd_used,
	    .sync = entry_sync,
	    .safe = ste ? sm_ste_update_safe : NULL,
	};
	if (!os->drv.writer_v61)
		syncs = sm_entry_write(cur, target, &ops, &c, &broke);
	else if (ste)
		syncs = sm_ste_write_v61(cur, target, &ops, &c, &broke);
	else
		syncs = sm_cd_write_v61(cur, target, &ops, &c, &broke);
	SM_ADD(os->drv.ctr, OS_SMMU_ENTRY_SYNCS, syncs);
	if (broke)
		SM_INC(os->drv.ctr, OS_SMMU_ENTRY_BREAKING);
	return c.rc;
}

/* The STE write, then PREFETCH_CONFIG without a sync ("It's likely that
 * we'll want to use the new STE soon"; policy.smmu.prefetch_cfg): 6.12's
 * arm_smmu_write_ste after every STE, 6.1's arm_smmu_write_strtab_ent
 * only after a translating one (its abort / bypass path returns first). */
static int write_ste(struct sm_os *os, uint32_t sid,
		     const uint64_t ste[SM_ENTRY_QWORDS], bool cmds,
		     uint64_t *t)
{
	struct sm_smmu_drv *d = &os->drv;
	uint64_t pa, c[2];
	int rc = ste_pa(os, sid, &pa);
	if (rc < 0)
		return rc;
	cmd_cfgi_ste(c, sid);
	if ((rc = write_entry(os, pa, sid, ste, true, c, cmds, t)) < 0)
		return rc;
	bool translates = sm_field_get(STRTAB_STE_0_CFG, ste[0]) & 3;
	if (!cmds || !d->prefetch || (d->writer_v61 && !translates))
		return 0;
	cmd_prefetch_cfg(c, sid);
	return sm_drv_cmdq_issue_nosync(os, c, t);
}

/* Where CD `ssid` of `sid` is.  A 2-level CD table gets the leaf of the
 * SSID's range on first use (arm_smmu_alloc_cd_ptr): 1024 zeroed CDs, the
 * L1 descriptor, then CFGI_CD with Leaf = 0 and a sync, since an invalid
 * L1 descriptor may have been cached. */
static int cd_pa(struct sm_os *os, uint32_t sid, uint32_t ssid, bool cmds,
		 uint64_t *t, uint64_t *pa)
{
	struct sm_smmu_drv *d = &os->drv;
	struct sm_sid_cfg *sc = &d->sids[sid];
	if (!d->cd_2lvl) {
		*pa = sc->cdtab + (uint64_t)ssid * 64;
		return 0;
	}
	uint32_t i1 = ssid >> SM_CTXDESC_SPLIT_64K;
	if (!sc->cdl2[i1]) {
		uint64_t leaf, c[2];
		int rc =
		    alloc_coherent(os, 64ull << SM_CTXDESC_SPLIT_64K, &leaf);
		if (rc < 0)
			return rc;
		sm_physmem_write64(os->pm, sc->cdtab + (uint64_t)i1 * 8,
				   (leaf & CTXDESC_L1_DESC_L2PTR_MASK) |
				       CTXDESC_L1_DESC_V);
		sc->cdl2[i1] = leaf;
		SM_INC(d->ctr, OS_SMMU_L2_TABLES);
		cmd_cfgi_cd(c, sid, ssid, false);
		if ((rc = cd_sync(os, sid, c, cmds, t)) < 0)
			return rc;
	}
	*pa = sc->cdl2[i1] +
	      (uint64_t)(ssid & ((1u << SM_CTXDESC_SPLIT_64K) - 1)) * 64;
	return 0;
}

int sm_drv_write_cd(struct sm_os *os, uint32_t sid, uint32_t ssid,
		    const uint64_t cd[SM_ENTRY_QWORDS], bool cmds, uint64_t *t)
{
	uint64_t c[2], pa;
	int rc = cd_pa(os, sid, ssid, cmds, t, &pa);
	if (rc < 0)
		return rc;
	cmd_cfgi_cd(c, sid, ssid, true);
	return write_entry(os, pa, sid, cd, false, c, cmds, t);
}

/* ---- STEs over CD tables or stage 2; CD tables ---- */

/* Stage 2 as arm_smmu_make_s2_domain_ste sets it for 48-bit IPAs with a
 * 4K granule: T0SZ 16, SL0 2 (walks start at level 0), WBWA inner
 * shareable, PS 48 bits. */
static void make_s2_ste(const struct sm_domain *s2,
			uint64_t ste[SM_ENTRY_QWORDS])
{
	sm_ste_make_s2(ste, s2->vmid, s2->pgd,
		       sm_ste_vtcr(64 - SM_VA_BITS, 2, 1, 1, 3, 0, SM_IPS_48),
		       0);
}

/* The stage-1 STE of `sid` over its CD table, nested over stage-2 domain
 * `s2` when non-NULL.  S1DSS = SSID0: traffic without a substream uses CD
 * 0 (a DMA domain's), as Linux sets it up. */
static void make_cdtable_ste(struct sm_os *os, uint32_t sid,
			     const struct sm_domain *s2,
			     uint64_t ste[SM_ENTRY_QWORDS])
{
	struct sm_smmu_drv *d = &os->drv;
	sm_ste_make_cdtable(ste, d->sids[sid].cdtab,
			    d->cd_2lvl ? STRTAB_STE_0_S1FMT_64K_L2
				       : STRTAB_STE_0_S1FMT_LINEAR,
			    d->ssid_bits, STRTAB_STE_1_S1DSS_SSID0,
			    d->ats ? SM_ENTRY_F_ATS : 0);
	if (s2) {
		/* arm_smmu_make_nested_domain_ste: the (guest's) CD-table
		 * words over the parent's stage-2 words; the CD table
		 * address is an IPA, equal to its PA here (docs/model.md:
		 * the parent identity-maps what the driver allocates). */
		uint64_t s1[SM_ENTRY_QWORDS], st2[SM_ENTRY_QWORDS];
		memcpy(s1, ste, sizeof(s1));
		make_s2_ste(s2, st2);
		sm_ste_make_nested(ste, s1, st2);
	}
}

/* The CD table of `sid`, allocated on first use. */
static int alloc_cd_table(struct sm_os *os, uint32_t sid)
{
	struct sm_smmu_drv *d = &os->drv;
	struct sm_sid_cfg *sc = &d->sids[sid];
	int rc;
	if (!sc->cdtab) {
		/* Linear: 2^ssid_bits CDs; 2-level: the L1 table of
		 * 2^(ssid_bits - 10) descriptors (arm_smmu_alloc_cd_tables).
		 */
		uint64_t bytes = d->cd_2lvl ? 8ull * cd_l1_entries(d)
					    : 64ull << d->ssid_bits;
		if (d->cd_2lvl && !sc->cdl2) {
			sc->cdl2 = sm_calloc(os->alloc, cd_l1_entries(d) *
							    sizeof(uint64_t));
			if (!sc->cdl2)
				return sm_err(os->eb, SMMUSIM_ENOMEM,
					      "out of memory");
		}
		if ((rc = alloc_coherent(os, bytes, &sc->cdtab)) < 0)
			return rc;
	}
	return 0;
}

/* Make sure `sid` translates through its CD table: a stream in another
 * mode goes to plain stage 1, except that nesting stays. */
int sm_drv_ensure_cd_table(struct sm_os *os, uint32_t sid, bool cmds,
			   uint64_t *t)
{
	struct sm_sid_cfg *sc = &os->drv.sids[sid];
	int rc;
	if ((rc = alloc_cd_table(os, sid)) < 0)
		return rc;
	if (sc->mode == SM_SID_CDTAB || sc->mode == SM_SID_NESTED)
		return 0;
	uint64_t ste[SM_ENTRY_QWORDS];
	make_cdtable_ste(os, sid, NULL, ste);
	if ((rc = write_ste(os, sid, ste, cmds, t)) < 0)
		return rc;
	sc->mode = SM_SID_CDTAB;
	return 0;
}

/* ---- attach (domains: arm-smmu-v3-domain.c) ---- */

/* CD 0 of a stream attached to stage-1 domain dm: its table and ASID.  A
 * private ASID: ASET = 1, out of reach of broadcast TLBIs. */
int sm_drv_write_domain_cd(struct sm_os *os, uint32_t sid,
			   const struct sm_domain *dm, bool cmds, uint64_t *t)
{
	uint64_t cd[SM_ENTRY_QWORDS];
	sm_cd_make_s1(cd, dm->asid, dm->pgd,
		      sm_cd_tcr(64 - SM_VA_BITS, 0, 1, 1, 3, SM_IPS_48),
		      SM_MAIR, 0);
	return sm_drv_write_cd(os, sid, 0, cd, cmds, t);
}

/* A device with ATS may still hold translations of the stream's previous
 * domain: arm_smmu_attach_dev invalidates its ATC (arm_smmu_atc_inv_master)
 * once the new configuration is in place. */
static int atc_flush_stream(struct sm_os *os, uint32_t sid, bool cmds,
			    uint64_t *t)
{
	if (!os->drv.ats || !cmds || os->drv.skip_inv)
		return 0;
	uint64_t c[2];
	sm_smmu_atc_inv_cmd(c, sid, SMMUSIM_NO_SSID, 0, 0);
	return sm_drv_cmdq_issue_sync(os, c, t);
}

int sm_drv_check_sid(struct sm_os *os, uint32_t sid)
{
	struct sm_smmu_drv *d = &os->drv;
	if (sid >> d->sid_bits)
		return sm_err(os->eb, SMMUSIM_ERANGE,
			      "sid=0x%" PRIx32 " is outside the stream table "
			      "(smmu.sid_bits=%u: 0..0x%x)",
			      sid, d->sid_bits, (1u << d->sid_bits) - 1);
	return 0;
}

/*
 * 6.1's order for a stage-1 (or nested) domain (arm_smmu_attach_dev of
 * 6.1.192): arm_smmu_detach_dev makes a translating STE abort (one
 * CFGI_STE + sync: 6.1's writer never rewrites a live STE); on the
 * domain's first attach arm_smmu_domain_finalise_s1 writes CD 0
 * (arm_smmu_write_ctx_desc) while the stream is on no device list, so its
 * two syncs are bare CMD_SYNCs; then arm_smmu_install_ste_for_dev (two
 * steps and PREFETCH_CONFIG), and only then list_add.  In 6.1 the CD table
 * belongs to the domain: a later stream of the same domain sends no CD
 * command (here each stream has its own table, written without commands).
 */
static int detach_v61(struct sm_os *os, uint32_t sid, bool cmds, uint64_t *t)
{
	struct sm_sid_cfg *sc = &os->drv.sids[sid];
	uint64_t ste[SM_ENTRY_QWORDS];
	int rc = 0;
	if (sc->mode != SM_SID_NONE) {
		sm_ste_make_abort(ste);
		rc = write_ste(os, sid, ste, cmds, t);
		sc->mode = SM_SID_NONE;
	}
	return rc;
}

static int attach_s1_v61(struct sm_os *os, uint32_t sid, struct sm_domain *dm,
			 bool cmds, uint64_t *t)
{
	struct sm_sid_cfg *sc = &os->drv.sids[sid];
	uint64_t ste[SM_ENTRY_QWORDS];
	int rc;
	if ((rc = detach_v61(os, sid, cmds, t)) < 0 ||
	    (rc = alloc_cd_table(os, sid)) < 0 ||
	    (rc = sm_drv_write_domain_cd(os, sid, dm, cmds && !dm->finalised,
					 t)) < 0)
		return rc;
	make_cdtable_ste(os, sid, dm->parent, ste);
	if ((rc = write_ste(os, sid, ste, cmds, t)) < 0)
		return rc;
	sc->mode = dm->parent ? SM_SID_NESTED : SM_SID_CDTAB;
	if (dm->parent)
		sc->dom_s2 = dm->parent->id;
	sc->has_dom = true;
	sc->dom_s1 = dm->id;
	dm->finalised = true;
	return atc_flush_stream(os, sid, cmds, t);
}

int sm_drv_attach(struct sm_os *os, uint32_t sid, uint32_t dom, bool cmds,
		  uint64_t *t)
{
	struct sm_smmu_drv *d = &os->drv;
	struct sm_domain *dm;
	uint64_t ste[SM_ENTRY_QWORDS];
	int rc;
	if ((rc = sm_drv_need_domain(os, dom, &dm)) < 0 ||
	    (rc = sm_drv_check_sid(os, sid)) < 0)
		return rc;
	struct sm_sid_cfg *sc = &d->sids[sid];
	if (dm->stage == 2 || dm->parent) {
		/* The reverse of sm_drv_sva_bind's rule. */
		for (struct sm_bond *b = sc->bonds; b; b = b->sid_next)
			if (b->sid == sid)
				return sm_err(
				    os->eb, SMMUSIM_EINVAL,
				    "sid=0x%" PRIx32
				    " has SVA bonds (ssid=%" PRIu32
				    "); a %s domain needs them unbound first",
				    sid, b->ssid,
				    dm->stage == 2 ? "stage-2" : "nested");
	}
	sc->has_dom = false;
	if (d->writer_v61 && dm->stage == 1)
		return attach_s1_v61(os, sid, dm, cmds, t);
	if (d->writer_v61 && (rc = detach_v61(os, sid, cmds, t)) < 0)
		return rc;
	dm->finalised = true;
	if (dm->stage == 2) {
		/* arm_smmu_attach_dev of an S2 domain: the STE alone. */
		make_s2_ste(dm, ste);
		if ((rc = write_ste(os, sid, ste, cmds, t)) < 0)
			return rc;
		sc->mode = SM_SID_S2;
		sc->dom_s2 = dm->id;
		return atc_flush_stream(os, sid, cmds, t);
	}
	if (dm->parent) {
		/* Nested: the CD table (made if need be) under the parent's
		 * stage 2; switching from another STE kind is breaking. */
		if ((rc = alloc_cd_table(os, sid)) < 0)
			return rc;
		make_cdtable_ste(os, sid, dm->parent, ste);
		if ((rc = write_ste(os, sid, ste, cmds, t)) < 0)
			return rc;
		sc->mode = SM_SID_NESTED;
		sc->dom_s2 = dm->parent->id;
	} else {
		/* 6.12 arm_smmu_attach_dev: CD 0 (arm_smmu_write_cd_entry)
		 * before the STE (arm_smmu_install_ste_for_dev). */
		if (sc->mode == SM_SID_NESTED)
			sc->mode = SM_SID_S2; /* leave nesting: rewrite */
		if ((rc = alloc_cd_table(os, sid)) < 0 ||
		    (rc = sm_drv_write_domain_cd(os, sid, dm, cmds, t)) < 0 ||
		    (rc = sm_drv_ensure_cd_table(os, sid, cmds, t)) < 0)
			return rc;
		sc->has_dom = true;
		sc->dom_s1 = dm->id;
		return atc_flush_stream(os, sid, cmds, t);
	}
	sc->has_dom = true;
	sc->dom_s1 = dm->id;
	if ((rc = sm_drv_write_domain_cd(os, sid, dm, cmds, t)) < 0)
		return rc;
	return atc_flush_stream(os, sid, cmds, t);
}
