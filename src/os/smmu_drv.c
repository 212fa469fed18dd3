/* SPDX-License-Identifier: MIT */
/*
 * The Linux SMMUv3 driver as the kernel model needs it
 * (drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c and arm-smmu-v3-sva.c, 6.1
 * era): device reset, command submission in batches with CMD_SYNC, stream
 * table and CD writes, SVA bind/unbind with its mmu notifier, and the page
 * fault path that resolves a device's page request.
 *
 * Command submission (arm_smmu_cmdq_issue_cmdlist): commands are written
 * into the queue memory at the shadow PROD, a CMD_SYNC is appended when the
 * caller waits, PROD is written, and the CPU polls until the SYNC has
 * completed.  A full batch of policy.smmu.batch commands (CMDQ_BATCH_ENTRIES)
 * is issued without a sync.  A full queue makes the producer wait for the
 * SMMU to consume.
 *
 * The SVA notifier (arm_smmu_mm_invalidate_range in 6.1, backported fix for
 * the 26 s soft lockup): without range invalidation, a range of
 * policy.smmu.max_tlbi_ops pages or more (and (0, -1UL)) becomes one
 * TLBI_NH_ASID; otherwise one TLBI_NH_VA per page with leaf=0.  With BTM the
 * explicit invalidation is skipped (6.6-6.9 behaviour), since the SMMU snoops
 * the CPU's TLBIs.  ATC invalidation is not issued: ATS is not modelled yet.
 */
#include <inttypes.h>
#include <string.h>

#include <smmusim/error.h>

#include "core/alloc.h"
#include "core/config.h"
#include "mem/pgtable.h"
#include "os/os.h"
#include "smmu/entry.h"
#include "smmu/regs.h"

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* ---- command builders (one 16-byte command each) ---- */

static void cmd_cfgi_ste(uint64_t c[2], uint32_t sid)
{
	c[0] = sm_field_prep(CMDQ_0_OP, CMDQ_OP_CFGI_STE) |
	       sm_field_prep(CMDQ_CFGI_0_SID, sid);
	c[1] = CMDQ_CFGI_1_LEAF;
}

static void cmd_cfgi_cd(uint64_t c[2], uint32_t sid, uint32_t ssid)
{
	c[0] = sm_field_prep(CMDQ_0_OP, CMDQ_OP_CFGI_CD) |
	       sm_field_prep(CMDQ_CFGI_0_SSID, ssid) |
	       sm_field_prep(CMDQ_CFGI_0_SID, sid);
	c[1] = CMDQ_CFGI_1_LEAF;
}

static void cmd_tlbi_nh_asid(uint64_t c[2], uint16_t asid)
{
	c[0] = sm_field_prep(CMDQ_0_OP, CMDQ_OP_TLBI_NH_ASID) |
	       sm_field_prep(CMDQ_TLBI_0_ASID, asid);
	c[1] = 0;
}

static void cmd_tlbi_nh_va(uint64_t c[2], uint16_t asid, uint64_t va, bool leaf)
{
	/* TG = 0: the single-granule form (no range invalidation). */
	c[0] = sm_field_prep(CMDQ_0_OP, CMDQ_OP_TLBI_NH_VA) |
	       sm_field_prep(CMDQ_TLBI_0_ASID, asid);
	c[1] = (va & CMDQ_TLBI_1_VA_MASK) | (leaf ? CMDQ_TLBI_1_LEAF : 0);
}

static void cmd_sync(uint64_t c[2])
{
	c[0] = sm_field_prep(CMDQ_0_OP, CMDQ_OP_CMD_SYNC) |
	       sm_field_prep(CMDQ_SYNC_0_CS, CMDQ_SYNC_0_CS_SEV);
	c[1] = 0;
}

/* ---- queue ---- */

static uint32_t q_used(const struct sm_smmu_drv *d)
{
	uint32_t n2 = 2u << d->cmdq_log2size;
	return (d->prod - d->smmu->cmdq_cons + n2) & (n2 - 1);
}

/* The windows of unmapped IOVAs close when a CMD_SYNC has completed after
 * the unmap: by then the driver has issued whatever invalidation it was
 * going to (docs/model.md, oracle). */
static void dma_windows_close(struct sm_os *os, uint64_t t)
{
	struct sm_smmu_drv *d = &os->drv;
	for (size_t i = 0; i < d->nwin; i++)
		if (os->hooks.window_close)
			os->hooks.window_close(os->hooks.ctx, d->win[i].root,
					       d->win[i].start, d->win[i].end,
					       t);
	d->nwin = 0;
}

static int publish(struct sm_os *os, uint64_t *t, uint64_t *done)
{
	struct sm_smmu_drv *d = &os->drv;
	*done = sm_smmu_write_prod(d->smmu, d->prod, *t);
	if (d->smmu->cmdq_halted && d->raw) {
		/* A trace's illegal command: acknowledge as Linux does
		 * (arm_smmu_cmdq_skip_err) and let the queue go on. */
		while (d->smmu->cmdq_halted) {
			(*d->st_cerror_ill)++;
			sm_smmu_ack_cmdq_error(d->smmu);
			*done = sm_smmu_write_prod(d->smmu, d->prod, *done);
		}
	}
	if (d->smmu->cmdq_halted) {
		sm_smmu_ack_cmdq_error(d->smmu);
		return sm_err(os->eb, SMMUSIM_EINTERNAL,
			      "SMMU stopped on a command the driver model "
			      "wrote (CERROR_ILL): model bug");
	}
	return 0;
}

static int q_write(struct sm_os *os, const uint64_t c[2], uint64_t *t)
{
	struct sm_smmu_drv *d = &os->drv;
	uint32_t n = 1u << d->cmdq_log2size;
	if (q_used(d) >= n) {
		/* Queue full: publish what is there and wait for space. */
		uint64_t done;
		int rc = publish(os, t, &done);
		if (rc < 0)
			return rc;
		(*d->st_full_stalls)++;
		if (done > *t)
			*d->st_full_stall_cycles += done - *t;
		*t = max_u64(*t, done);
	}
	uint64_t pa = d->cmdq + (uint64_t)(d->prod & (n - 1)) * 16;
	sm_physmem_write64(os->pm, pa, c[0]);
	sm_physmem_write64(os->pm, pa + 8, c[1]);
	d->prod = (d->prod + 1) & ((n << 1) - 1);
	*t += d->lat_cmd_write;
	return 0;
}

/* When does the CPU see a CMD_SYNC that the SMMU completes at `done`,
 * having published it at `t_pub`?  MSI: the SMMU writes the MSI payload to
 * memory and the CPU, spinning on that cache line, sees it at once after;
 * CONS: the CPU reads CMDQ_CONS over MMIO again and again until it has
 * moved past the sync (arm_smmu_cmdq_poll_until_sync). */
static uint64_t sync_seen(struct sm_os *os, uint64_t t_pub, uint64_t done)
{
	struct sm_smmu_drv *d = &os->drv;
	if (d->sync_msi)
		return max_u64(t_pub, done + d->lat_msi) + d->lat_sync_poll;
	uint64_t polls = 1;
	if (done > t_pub)
		polls = (done - t_pub + d->lat_mmio - 1) / d->lat_mmio;
	*d->st_sync_polls += polls;
	return t_pub + polls * d->lat_mmio;
}

/* Issue cmds[0..n) and, with `sync`, a CMD_SYNC, then wait for it. */
static int issue(struct sm_os *os, uint64_t (*cmds)[2], uint32_t n, bool sync,
		 uint64_t *t)
{
	struct sm_smmu_drv *d = &os->drv;
	int rc;
	(*d->st_submits)++;
	for (uint32_t i = 0; i < n; i++)
		if ((rc = q_write(os, cmds[i], t)) < 0)
			return rc;
	if (sync) {
		uint64_t c[2];
		cmd_sync(c);
		if ((rc = q_write(os, c, t)) < 0)
			return rc;
	}
	uint64_t done, t_pub = *t;
	if ((rc = publish(os, t, &done)) < 0)
		return rc;
	if (sync) {
		*t = sync_seen(os, t_pub, done);
		sm_hist_record(d->h_sync_wait, *t - t_pub);
		dma_windows_close(os, *t);
	}
	return 0;
}

static int batch_add(struct sm_os *os, const uint64_t c[2], uint64_t *t)
{
	struct sm_smmu_drv *d = &os->drv;
	if (d->nbatch == d->batch_max) {
		int rc = issue(os, d->batch, d->nbatch, false, t);
		d->nbatch = 0;
		if (rc < 0)
			return rc;
	}
	d->batch[d->nbatch][0] = c[0];
	d->batch[d->nbatch][1] = c[1];
	d->nbatch++;
	return 0;
}

static int batch_submit(struct sm_os *os, uint64_t *t)
{
	struct sm_smmu_drv *d = &os->drv;
	int rc = issue(os, d->batch, d->nbatch, true, t);
	d->nbatch = 0;
	return rc;
}

static int issue_one_sync(struct sm_os *os, const uint64_t c[2], uint64_t *t)
{
	uint64_t cmds[1][2] = {{c[0], c[1]}};
	return issue(os, cmds, 1, true, t);
}

/* ---- init ---- */

int sm_drv_init(struct sm_os *os, const smmusim_config_t *cfg,
		struct sm_stats *st, uint64_t *t)
{
	struct sm_smmu_drv *d = &os->drv;
	int rc;
	*d = (struct sm_smmu_drv){.smmu = os->smmu};
	d->sid_bits = (unsigned)sm_cfg_u64(cfg, SM_K_SMMU_SID_BITS);
	d->ssid_bits = (unsigned)sm_cfg_u64(cfg, SM_K_SMMU_SSID_BITS);
	d->cmdq_log2size = (unsigned)sm_cfg_u64(cfg, SM_K_SMMU_CMDQ_LOG2SIZE);
	d->batch_max = (uint32_t)sm_cfg_u64(cfg, SM_K_POLICY_SMMU_BATCH);
	d->max_tlbi_ops = sm_cfg_u64(cfg, SM_K_POLICY_SMMU_MAX_TLBI_OPS);
	d->skip_inv = sm_cfg_bool(cfg, SM_K_POLICY_SMMU_SKIP_INVALIDATION);
	d->ats = sm_cfg_bool(cfg, SM_K_DEV_ATS);
	d->lat_cmd_write = sm_cfg_u64(cfg, SM_K_SMMU_LAT_CMD_WRITE);
	d->lat_sync_poll = sm_cfg_u64(cfg, SM_K_SMMU_LAT_SYNC_POLL);
	d->lat_msi = sm_cfg_u64(cfg, SM_K_SMMU_LAT_MSI);
	d->lat_mmio = sm_cfg_u64(cfg, SM_K_SMMU_LAT_MMIO_READ);
	d->sync_msi = sm_cfg_enum(cfg, SM_K_POLICY_SMMU_SYNC_WAIT) == 0;
	d->st_submits = sm_stats_counter(st, "os.smmu.submissions");
	d->st_sva_inv_range = sm_stats_counter(st, "os.smmu.sva_inv.range");
	d->st_sva_inv_asid = sm_stats_counter(st, "os.smmu.sva_inv.asid");
	d->st_sva_inv_skipped = sm_stats_counter(st, "os.smmu.sva_inv.skipped");
	d->st_full_stalls = sm_stats_counter(st, "smmu.cmdq.full_stalls");
	d->st_full_stall_cycles =
	    sm_stats_counter(st, "smmu.cmdq.full_stall_cycles");
	d->st_sync_polls = sm_stats_counter(st, "os.smmu.cons_polls");
	d->st_cerror_ill = sm_stats_counter(st, "os.smmu.cerror_ill_acks");
	d->st_entry_syncs = sm_stats_counter(st, "os.smmu.entry_syncs");
	d->st_entry_breaking = sm_stats_counter(st, "os.smmu.entry_breaking");
	d->st_raw_cmds = sm_stats_counter(st, "os.smmu.trace_commands");
	d->st_dma_maps = sm_stats_counter(st, "os.iommu.map");
	d->st_dma_unmaps = sm_stats_counter(st, "os.iommu.unmap");
	d->h_sync_wait = sm_stats_hist(st, "smmu.sync.wait_cycles");
	if (!d->h_sync_wait)
		return sm_err(os->eb, SMMUSIM_ENOMEM, "out of memory");

	d->batch = sm_calloc(os->alloc, d->batch_max * sizeof(*d->batch));
	d->cdtab = sm_calloc(os->alloc,
			     ((size_t)1 << d->sid_bits) * sizeof(*d->cdtab));
	if (!d->batch || !d->cdtab)
		return sm_err(os->eb, SMMUSIM_ENOMEM, "out of memory");

	/* Linear stream table of 2^sid_bits STEs; every STE starts as
	 * "abort" (arm_smmu_init_bypass_stes with disable_bypass). */
	uint64_t st_pages =
	    (((uint64_t)64 << d->sid_bits) + SM_PAGE_SIZE - 1) >> SM_PAGE_SHIFT;
	uint64_t q_pages =
	    (((uint64_t)16 << d->cmdq_log2size) + SM_PAGE_SIZE - 1) >>
	    SM_PAGE_SHIFT;
	if ((rc = sm_physmem_alloc_contig(os->pm, st_pages, st_pages,
					  SM_PAGE_SMMU, &d->strtab, os->eb)) <
		0 ||
	    (rc = sm_physmem_alloc_contig(os->pm, q_pages, q_pages,
					  SM_PAGE_SMMU, &d->cmdq, os->eb)) < 0)
		return rc;
	for (uint64_t sid = 0; sid < (1ull << d->sid_bits); sid++)
		sm_physmem_write64(os->pm, d->strtab + sid * 64, /* abort */
				   STRTAB_STE_0_V |
				       sm_field_prep(STRTAB_STE_0_CFG,
						     STRTAB_STE_0_CFG_ABORT));
	sm_smmu_set_strtab(d->smmu, d->strtab, d->sid_bits);
	sm_smmu_set_cmdq(d->smmu, d->cmdq, d->cmdq_log2size);
	/* The event and PRI queues the SMMU writes records into. */
	unsigned elog = (unsigned)sm_cfg_u64(cfg, SM_K_SMMU_EVTQ_LOG2SIZE);
	unsigned plog = (unsigned)sm_cfg_u64(cfg, SM_K_SMMU_PRIQ_LOG2SIZE);
	uint64_t eq, pq;
	uint64_t epages = ((32ull << elog) + SM_PAGE_SIZE - 1) >> SM_PAGE_SHIFT;
	uint64_t ppages = ((16ull << plog) + SM_PAGE_SIZE - 1) >> SM_PAGE_SHIFT;
	if ((rc = sm_physmem_alloc_contig(os->pm, epages, epages, SM_PAGE_SMMU,
					  &eq, os->eb)) < 0 ||
	    (rc = sm_physmem_alloc_contig(os->pm, ppages, ppages, SM_PAGE_SMMU,
					  &pq, os->eb)) < 0)
		return rc;
	sm_smmu_set_evtq(d->smmu, eq, elog);
	sm_smmu_set_priq(d->smmu, pq, plog);

	/* arm_smmu_device_reset(): invalidate cached configuration and any
	 * stale TLB entries, each followed by a sync. */
	uint64_t c[2];
	c[0] = sm_field_prep(CMDQ_0_OP, CMDQ_OP_CFGI_ALL);
	c[1] = sm_field_prep(CMDQ_CFGI_1_RANGE, 31);
	if ((rc = issue_one_sync(os, c, t)) < 0)
		return rc;
	c[0] = sm_field_prep(CMDQ_0_OP, CMDQ_OP_TLBI_NSNH_ALL);
	c[1] = 0;
	return issue_one_sync(os, c, t);
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
	d->domains = NULL;
	d->win = NULL;
	if (d->batch)
		sm_free(os->alloc, d->batch, d->batch_max * sizeof(*d->batch));
	if (d->cdtab)
		sm_free(os->alloc, d->cdtab,
			((size_t)1 << d->sid_bits) * sizeof(*d->cdtab));
	d->bonds = NULL;
	d->mns = NULL;
	d->batch = NULL;
	d->cdtab = NULL;
}

/* ---- SVA invalidation (the notifier) ---- */

static int inv_asid(struct sm_os *os, uint16_t asid, uint64_t *t)
{
	uint64_t c[2];
	cmd_tlbi_nh_asid(c, asid);
	(*os->drv.st_sva_inv_asid)++;
	return issue_one_sync(os, c, t);
}

/* arm_smmu_atc_inv_domain: an ATC_INV for every ATS-enabled bond of the
 * mm, then one CMD_SYNC.  size 0 = everything.  (BTM does not reach ATCs,
 * so this is issued with BTM too.) */
static int atc_inv_mm(struct sm_os *os, struct sm_mm *mm, uint64_t start,
		      uint64_t size, uint64_t *t)
{
	struct sm_smmu_drv *d = &os->drv;
	bool any = false;
	if (!d->ats || d->skip_inv)
		return 0;
	for (struct sm_bond *b = d->bonds; b; b = b->next) {
		if (b->mm != mm)
			continue;
		uint64_t c[2];
		sm_smmu_atc_inv_cmd(c, b->sid, b->ssid, start, size);
		int rc = batch_add(os, c, t);
		if (rc < 0)
			return rc;
		any = true;
	}
	return any ? batch_submit(os, t) : 0;
}

static int sva_invalidate(struct sm_mn_sub *sub, struct sm_mm *mm,
			  uint64_t start, uint64_t end, uint64_t *t)
{
	struct sm_smmu_sva_mn *m = sub->ctx;
	struct sm_os *os = m->os;
	struct sm_smmu_drv *d = &os->drv;
	/* arm_smmu_mm_arch_invalidate_secondary_tlbs: size = end - start;
	 * too many pages, (0, -1UL), or an empty range mean "the whole
	 * ASID". */
	uint64_t size = end - start;
	bool all = !size || size / SM_PAGE_SIZE >= d->max_tlbi_ops;
	int rc = 0;
	if (d->skip_inv || d->smmu->btm) {
		(*d->st_sva_inv_skipped)++;
	} else if (all) {
		rc = inv_asid(os, mm->asid, t);
	} else {
		(*d->st_sva_inv_range)++;
		for (uint64_t va = start & SM_PAGE_MASK; va < end && rc == 0;
		     va += SM_PAGE_SIZE) {
			uint64_t c[2];
			cmd_tlbi_nh_va(c, mm->asid, va, false);
			rc = batch_add(os, c, t);
		}
		if (rc == 0)
			rc = batch_submit(os, t);
	}
	if (rc < 0)
		return rc;
	return atc_inv_mm(os, mm, start, all ? 0 : size, t);
}

/* CFGI + CMD_SYNC, unless the trace carries the commands itself. */
static int cfgi_sync(struct sm_os *os, const uint64_t c[2], bool cmds,
		     uint64_t *t)
{
	return cmds ? issue_one_sync(os, c, t) : 0;
}

/*
 * Every STE and CD update goes through the driver's entry writer
 * (src/smmu/entry.c, arm_smmu_write_entry): it rewrites the live entry in
 * steps and asks for a CFGI + CMD_SYNC after each, so that the SMMU only
 * ever sees the old or the new configuration on the bits it uses.
 */
struct entry_ctx {
	struct sm_os *os;
	uint64_t pa;
	const uint64_t *entry;
	uint64_t cmd[2];
	bool cmds;
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
		c->rc = cfgi_sync(c->os, c->cmd, c->cmds, c->t);
}

static int write_entry(struct sm_os *os, uint64_t pa,
		       const uint64_t target[SM_ENTRY_QWORDS], bool ste,
		       const uint64_t cmd[2], bool cmds, uint64_t *t)
{
	uint64_t cur[SM_ENTRY_QWORDS];
	bool broke = false;
	for (int i = 0; i < SM_ENTRY_QWORDS; i++)
		cur[i] = sm_physmem_read64(os->pm, pa + 8 * (uint64_t)i);
	struct entry_ctx c = {os, pa, cur, {cmd[0], cmd[1]}, cmds, t, 0};
	const struct sm_entry_writer_ops ops = {
	    .used = ste ? sm_ste_used : sm_cd_used,
	    .sync = entry_sync,
	    .safe = ste ? sm_ste_update_safe : NULL,
	};
	*os->drv.st_entry_syncs +=
	    sm_entry_write(cur, target, &ops, &c, &broke);
	if (broke)
		(*os->drv.st_entry_breaking)++;
	return c.rc;
}

static int write_cd(struct sm_os *os, uint32_t sid, uint32_t ssid,
		    const uint64_t cd[SM_ENTRY_QWORDS], bool cmds, uint64_t *t)
{
	uint64_t c[2];
	cmd_cfgi_cd(c, sid, ssid);
	return write_entry(os, os->drv.cdtab[sid] + (uint64_t)ssid * 64, cd,
			   false, c, cmds, t);
}

#define SM_MAIR 0x000000000044ff04ull
#define SM_IPS_48 5

static int sva_release(struct sm_mn_sub *sub, struct sm_mm *mm, uint64_t *t)
{
	struct sm_smmu_sva_mn *m = sub->ctx;
	struct sm_os *os = m->os;
	int rc;
	/* arm_smmu_mm_release(): the process is exiting but devices may
	 * still use the PASID; make the CD fault quietly (EPD0: no walks)
	 * and drop what the SMMU cached for the ASID. */
	for (struct sm_bond *b = os->drv.bonds; b; b = b->next) {
		if (b->mm != mm)
			continue;
		uint64_t cd[SM_ENTRY_QWORDS];
		sm_cd_make_sva_release(cd, mm->asid, SM_IPS_48, SM_MAIR,
				       os->smmu->btm ? SM_ENTRY_F_BTM : 0);
		if ((rc = write_cd(os, b->sid, b->ssid, cd, true, t)) < 0)
			return rc;
	}
	if (os->drv.skip_inv) {
		(*os->drv.st_sva_inv_skipped)++;
		return 0;
	}
	if ((rc = inv_asid(os, mm->asid, t)) < 0)
		return rc;
	return atc_inv_mm(os, mm, 0, 0, t);
}

static const struct sm_mn_ops sva_mn_ops = {
    .arch_invalidate_secondary_tlbs = sva_invalidate,
    .release = sva_release,
};

/* ---- bind / unbind ---- */

struct sm_bond *sm_drv_find_bond(struct sm_os *os, uint32_t sid, uint32_t ssid)
{
	for (struct sm_bond *b = os->drv.bonds; b; b = b->next)
		if (b->sid == sid && b->ssid == ssid)
			return b;
	return NULL;
}

static int ensure_cd_table(struct sm_os *os, uint32_t sid, bool cmds,
			   uint64_t *t)
{
	struct sm_smmu_drv *d = &os->drv;
	if (d->cdtab[sid])
		return 0;
	uint64_t pages = (((uint64_t)64 << d->ssid_bits) + SM_PAGE_SIZE - 1) >>
			 SM_PAGE_SHIFT;
	int rc = sm_physmem_alloc_contig(os->pm, pages, pages, SM_PAGE_SMMU,
					 &d->cdtab[sid], os->eb);
	if (rc < 0)
		return rc;
	/* The STE goes from abort to "translate through this CD table";
	 * S1DSS = SSID0: traffic without a substream uses CD 0 (a DMA
	 * domain's), as Linux sets it up. */
	uint64_t ste[SM_ENTRY_QWORDS], c[2];
	sm_ste_make_cdtable(ste, d->cdtab[sid], STRTAB_STE_0_S1FMT_LINEAR,
			    d->ssid_bits, STRTAB_STE_1_S1DSS_SSID0,
			    d->ats ? SM_ENTRY_F_ATS : 0);
	cmd_cfgi_ste(c, sid);
	return write_entry(os, d->strtab + (uint64_t)sid * 64, ste, true, c,
			   cmds, t);
}

int sm_drv_sva_bind(struct sm_os *os, uint32_t sid, uint32_t ssid,
		    struct sm_mm *mm, bool pri, uint64_t *t)
{
	struct sm_smmu_drv *d = &os->drv;
	int rc;
	if (sid >> d->sid_bits)
		return sm_err(os->eb, SMMUSIM_ERANGE,
			      "sid=0x%" PRIx32 " is outside the stream table "
			      "(smmu.sid_bits=%u: 0..0x%x)",
			      sid, d->sid_bits, (1u << d->sid_bits) - 1);
	if (ssid == 0 || ssid >> d->ssid_bits)
		return sm_err(os->eb, SMMUSIM_ERANGE,
			      "ssid=%" PRIu32 " is out of range (1..%u; "
			      "smmu.ssid_bits=%u; SSID 0 is kept for DMA "
			      "without PASID, Linux IOMMU_NO_PASID)",
			      ssid, (1u << d->ssid_bits) - 1, d->ssid_bits);
	if (sm_drv_find_bond(os, sid, ssid))
		return sm_err(os->eb, SMMUSIM_EEXIST,
			      "sid=0x%" PRIx32 " ssid=%" PRIu32
			      " is already bound",
			      sid, ssid);
	if ((rc = ensure_cd_table(os, sid, true, t)) < 0)
		return rc;

	struct sm_bond *b = sm_calloc(os->alloc, sizeof(*b));
	if (!b)
		return sm_err(os->eb, SMMUSIM_ENOMEM, "out of memory");
	*b = (struct sm_bond){
	    .sid = sid, .ssid = ssid, .mm = mm, .pri = pri, .next = d->bonds};
	d->bonds = b;

	/* One notifier per mm (arm_smmu_mmu_notifier_get). */
	struct sm_smmu_sva_mn *m = d->mns;
	while (m && m->mm != mm)
		m = m->next;
	if (!m) {
		m = sm_calloc(os->alloc, sizeof(*m));
		if (!m)
			return sm_err(os->eb, SMMUSIM_ENOMEM, "out of memory");
		*m =
		    (struct sm_smmu_sva_mn){.os = os, .mm = mm, .next = d->mns};
		m->sub.ops = &sva_mn_ops;
		m->sub.ctx = m;
		d->mns = m;
		sm_mn_register(mm, &m->sub);
		mm->asid_pins++;
	}
	m->bonds++;

	/* The SVA CD: the mm's page table and ASID; ASET = 0 only with BTM,
	 * so that broadcast TLBIs for the mm's ASID reach it. */
	uint64_t cd[SM_ENTRY_QWORDS];
	sm_cd_make_sva(cd, mm->asid, mm->pgd, SM_VA_BITS, SM_IPS_48, SM_MAIR,
		       d->smmu->btm ? SM_ENTRY_F_BTM : 0);
	return write_cd(os, sid, ssid, cd, true, t);
}

int sm_drv_sva_unbind(struct sm_os *os, uint32_t sid, uint32_t ssid,
		      uint64_t *t)
{
	struct sm_smmu_drv *d = &os->drv;
	struct sm_bond **pb = &d->bonds;
	while (*pb && ((*pb)->sid != sid || (*pb)->ssid != ssid))
		pb = &(*pb)->next;
	if (!*pb)
		return sm_err(os->eb, SMMUSIM_ENOENT,
			      "sid=0x%" PRIx32 " ssid=%" PRIu32 " is not bound",
			      sid, ssid);
	struct sm_bond *b = *pb;
	struct sm_mm *mm = b->mm;
	/* Clear the CD (V=0), sync. */
	uint64_t cd[SM_ENTRY_QWORDS];
	sm_cd_clear(cd);
	int rc = write_cd(os, b->sid, b->ssid, cd, true, t);
	/* The device's ATC may still hold the PASID's translations. */
	if (rc == 0 && d->ats && !d->skip_inv) {
		uint64_t c[2];
		sm_smmu_atc_inv_cmd(c, b->sid, b->ssid, 0, 0);
		rc = issue_one_sync(os, c, t);
	}
	*pb = b->next;
	sm_free(os->alloc, b, sizeof(*b));
	if (rc < 0)
		return rc;

	struct sm_smmu_sva_mn **pm = &d->mns;
	while (*pm && (*pm)->mm != mm)
		pm = &(*pm)->next;
	if (*pm && --(*pm)->bonds == 0) {
		struct sm_smmu_sva_mn *m = *pm;
		/* Last bond of this mm: invalidate its ASID, drop the
		 * notifier (arm_smmu_mmu_notifier_put). */
		if (!d->skip_inv)
			rc = inv_asid(os, mm->asid, t);
		sm_mn_unregister(mm, &m->sub);
		*pm = m->next;
		sm_free(os->alloc, m, sizeof(*m));
		mm->asid_pins--;
		sm_os_put_asid(os, mm);
	}
	return rc;
}

int sm_drv_page_request(struct sm_os *os, uint32_t sid, uint32_t ssid,
			uint64_t va, bool write, bool *ok, uint64_t *t)
{
	struct sm_bond *b = sm_drv_find_bond(os, sid, ssid);
	int rc = 0;
	*ok = false;
	/* iommu_sva_handle_iopf(): handle_mm_fault on the bound mm, run by
	 * a kernel worker (on PE 0 in this model). */
	if (b && b->mm->live)
		rc = sm_os_handle_mm_fault(
		    os, b->mm, 0, va,
		    write ? SMMUSIM_ACC_WRITE : SMMUSIM_ACC_READ, true, ok, t);
	if (rc < 0)
		return rc;
	/* The page response goes back through the command queue, without a
	 * sync (arm_smmu_page_response). */
	uint64_t c[2], done;
	c[0] = sm_field_prep(CMDQ_0_OP, CMDQ_OP_PRI_RESP) | CMDQ_0_SSV |
	       sm_field_prep(CMDQ_PRI_0_SSID, ssid) |
	       sm_field_prep(CMDQ_PRI_0_SID, sid);
	c[1] = sm_field_prep(CMDQ_PRI_1_RESP,
			     *ok ? CMDQ_PRI_1_RESP_SUCC : CMDQ_PRI_1_RESP_FAIL);
	if ((rc = q_write(os, c, t)) < 0)
		return rc;
	if ((rc = publish(os, t, &done)) < 0)
		return rc;
	*t = max_u64(*t, done);
	return 0;
}

/* ---- DMA domains (iommu_domain_alloc, attach, iommu_map/unmap) ---- */

static struct sm_domain *find_domain(struct sm_os *os, uint32_t id)
{
	for (struct sm_domain *d = os->drv.domains; d; d = d->next)
		if (d->id == id)
			return d;
	return NULL;
}

static int need_domain(struct sm_os *os, uint32_t id, struct sm_domain **out)
{
	*out = find_domain(os, id);
	if (!*out)
		return sm_err(os->eb, SMMUSIM_ENOENT,
			      "dom=%" PRIu32 " does not exist (domain_create "
			      "it first)",
			      id);
	return 0;
}

int sm_drv_domain_create(struct sm_os *os, uint32_t id, uint32_t asid,
			 uint64_t *t)
{
	(void)t;
	if (find_domain(os, id))
		return sm_err(os->eb, SMMUSIM_EEXIST,
			      "dom=%" PRIu32 " already exists", id);
	if (asid > 0xffff)
		return sm_err(os->eb, SMMUSIM_ERANGE,
			      "asid=%" PRIu32 " is out of range (1..65535)",
			      asid);
	if (!asid) {
		/* arm_smmu_domain_finalise_s1: the lowest ASID no domain
		 * uses (SVA's mm ASIDs share the space: see docs/model.md). */
		for (asid = 1; asid <= 0xffff; asid++) {
			bool used = false;
			for (struct sm_domain *d = os->drv.domains; d;
			     d = d->next)
				used |= d->asid == asid;
			if (!used)
				break;
		}
	} else {
		for (struct sm_domain *d = os->drv.domains; d; d = d->next)
			if (d->asid == asid)
				return sm_err(os->eb, SMMUSIM_EEXIST,
					      "asid=%" PRIu32 " is used by "
					      "dom=%" PRIu32,
					      asid, d->id);
	}
	struct sm_domain *d = sm_calloc(os->alloc, sizeof(*d));
	if (!d)
		return sm_err(os->eb, SMMUSIM_ENOMEM, "out of memory");
	int rc = sm_pgt_new_root(os->pm, &d->pgd, os->eb);
	if (rc < 0) {
		sm_free(os->alloc, d, sizeof(*d));
		return rc;
	}
	d->id = id;
	d->asid = (uint16_t)asid;
	d->next = os->drv.domains;
	os->drv.domains = d;
	return 0;
}

int sm_drv_attach(struct sm_os *os, uint32_t sid, uint32_t dom, bool cmds,
		  uint64_t *t)
{
	struct sm_smmu_drv *d = &os->drv;
	struct sm_domain *dm;
	int rc;
	if ((rc = need_domain(os, dom, &dm)) < 0)
		return rc;
	if (sid >> d->sid_bits)
		return sm_err(os->eb, SMMUSIM_ERANGE,
			      "sid=0x%" PRIx32 " is outside the stream table "
			      "(smmu.sid_bits=%u: 0..0x%x)",
			      sid, d->sid_bits, (1u << d->sid_bits) - 1);
	if ((rc = ensure_cd_table(os, sid, cmds, t)) < 0)
		return rc;
	/* CD 0 of the stream: the domain's table and ASID.  A private
	 * ASID: ASET = 1, out of reach of broadcast TLBIs. */
	uint64_t cd[SM_ENTRY_QWORDS];
	sm_cd_make_s1(cd, dm->asid, dm->pgd,
		      sm_cd_tcr(64 - SM_VA_BITS, 0, 1, 1, 3, SM_IPS_48),
		      SM_MAIR, 0);
	return write_cd(os, sid, 0, cd, cmds, t);
}

static int check_iova(struct sm_os *os, uint64_t va, uint64_t len,
		      uint64_t *end)
{
	if (va & (SM_PAGE_SIZE - 1))
		return sm_err(os->eb, SMMUSIM_EINVAL,
			      "va=0x%" PRIx64 " is not page aligned (4K)", va);
	uint64_t n = (len + SM_PAGE_SIZE - 1) & SM_PAGE_MASK;
	if (!len || n < len || va + n < va || va + n > (1ull << SM_VA_BITS))
		return sm_err(os->eb, SMMUSIM_ERANGE,
			      "[0x%" PRIx64 ", +0x%" PRIx64
			      ") is not a non-empty range below 2^48",
			      va, len);
	*end = va + n;
	return 0;
}

int sm_drv_iommu_map(struct sm_os *os, uint32_t dom, uint64_t va, uint64_t len,
		     uint64_t pa, unsigned prot, uint64_t *t)
{
	struct sm_domain *dm;
	uint64_t end;
	int rc;
	if ((rc = need_domain(os, dom, &dm)) < 0 ||
	    (rc = check_iova(os, va, len, &end)) < 0)
		return rc;
	if (pa & (SM_PAGE_SIZE - 1))
		return sm_err(os->eb, SMMUSIM_EINVAL,
			      "pa=0x%" PRIx64 " is not page aligned", pa);
	/* RAM or device memory (an imported log maps the GIC's MSI frame);
	 * only the 48-bit physical address space bounds it. */
	if (pa && (pa >= (1ull << 48) || end - va > (1ull << 48) - pa))
		return sm_err(os->eb, SMMUSIM_ERANGE,
			      "pa=0x%" PRIx64 " is beyond the 48-bit physical "
			      "address space",
			      pa);
	if (!(prot & SMMUSIM_PROT_R))
		return sm_err(
		    os->eb, SMMUSIM_EINVAL,
		    "prot must include r (io-pgtable has no write-only "
		    "stage-1 mapping)");
	(*os->drv.st_dma_maps)++;
	/* arm_lpae_map: a leaf per page; existing leaves are replaced (an
	 * import rebuilds mappings as the walker saw them). */
	for (uint64_t a = va; a < end; a += SM_PAGE_SIZE) {
		uint64_t page = pa ? pa + (a - va) : 0;
		if (!page && (rc = sm_physmem_alloc(os->pm, SM_PAGE_DATA, &page,
						    os->eb)) < 0)
			return rc;
		uint64_t desc = (page & PTE_ADDR_MASK) | PTE_TYPE_PAGE |
				PTE_USER | PTE_AF | PTE_NG | PTE_SHARED |
				PTE_PXN | PTE_UXN;
		if (!(prot & SMMUSIM_PROT_W))
			desc |= PTE_RDONLY;
		if ((rc = sm_pgt_set(os->pm, dm->pgd, a, 3, desc, NULL,
				     os->eb)) < 0)
			return rc;
		*t += os->lat_pte;
	}
	return 0;
}

int sm_drv_iommu_unmap(struct sm_os *os, uint32_t dom, uint64_t va,
		       uint64_t len, uint64_t *t)
{
	struct sm_smmu_drv *d = &os->drv;
	struct sm_domain *dm;
	uint64_t end;
	int rc;
	if ((rc = need_domain(os, dom, &dm)) < 0 ||
	    (rc = check_iova(os, va, len, &end)) < 0)
		return rc;
	(*d->st_dma_unmaps)++;
	for (uint64_t a = va; a < end; a += SM_PAGE_SIZE) {
		int level;
		uint64_t dpa;
		sm_pgt_get(os->pm, dm->pgd, a, &level, &dpa);
		if (dpa && level == 3) {
			sm_physmem_write64(os->pm, dpa, 0);
			*t += os->lat_pte;
		}
	}
	/* The window stays open until a CMD_SYNC completes. */
	if (d->nwin == d->capwin) {
		size_t ncap = d->capwin ? d->capwin * 2 : 16;
		void *p =
		    sm_realloc(os->alloc, d->win, d->capwin * sizeof(*d->win),
			       ncap * sizeof(*d->win));
		if (!p)
			return sm_err(os->eb, SMMUSIM_ENOMEM, "out of memory");
		d->win = p;
		d->capwin = ncap;
	}
	d->win[d->nwin++] = (struct sm_window_rec){dm->pgd, va, end};
	if (os->hooks.window_open)
		os->hooks.window_open(os->hooks.ctx, dm->pgd, va, end, *t);
	return 0;
}

int sm_drv_raw_cmd(struct sm_os *os, const uint64_t cmd[2], uint64_t *t)
{
	struct sm_smmu_drv *d = &os->drv;
	bool sync = sm_field_get(CMDQ_0_OP, cmd[0]) == CMDQ_OP_CMD_SYNC;
	uint64_t done, t_pub;
	int rc;
	(*d->st_raw_cmds)++;
	d->raw = true;
	if ((rc = q_write(os, cmd, t)) < 0)
		goto out;
	t_pub = *t;
	if ((rc = publish(os, t, &done)) < 0)
		goto out;
	if (sync) {
		*t = sync_seen(os, t_pub, done);
		sm_hist_record(d->h_sync_wait, *t - t_pub);
		dma_windows_close(os, *t);
	}
out:
	d->raw = false;
	return rc;
}
