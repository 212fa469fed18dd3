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

#include "base/alloc.h"
#include "engine/config.h"
#include "hw/mem/pgtable.h"
#include "kernel/kernel.h"
#include "kernel/iommu/arm-smmu-v3/entry.h"
#include "arch/smmu_regs.h"

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
		(*d->st_l2_tables)++;
	}
	*pa = d->strtab_l2[i1] +
	      (uint64_t)(sid & ((1u << STRTAB_SPLIT) - 1)) * 64;
	return 0;
}

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
	d->stall = sm_cfg_enum(cfg, SM_K_DEV_FAULT_MODE) == 1;
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

	d->strtab_2lvl = sm_cfg_enum(cfg, SM_K_SMMU_STRTAB_FORMAT) == 1;
	d->cd_2lvl = d->ssid_bits > SM_CTXDESC_LINEAR_CDMAX;
	d->st_l2_tables = sm_stats_counter(st, "os.smmu.l2_tables");
	d->st_asid_moves = sm_stats_counter(st, "os.smmu.asid_moves");
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

	if (d->strtab_2lvl) {
		/* arm_smmu_init_strtab_2lvl: an L1 table of 2^(sid_bits -
		 * STRTAB_SPLIT) descriptors, all invalid (Span 0); the L2
		 * tables come with the first device of their range. */
		uint64_t n1 = 1ull << (d->sid_bits > STRTAB_SPLIT
					   ? d->sid_bits - STRTAB_SPLIT
					   : 0);
		uint64_t pages = (n1 * 8 + SM_PAGE_SIZE - 1) >> SM_PAGE_SHIFT;
		d->strtab_l2 = sm_calloc(os->alloc, n1 * sizeof(uint64_t));
		if (!d->strtab_l2)
			return sm_err(os->eb, SMMUSIM_ENOMEM, "out of memory");
		if ((rc = sm_physmem_alloc_contig(os->pm, pages, pages,
						  SM_PAGE_SMMU, &d->strtab,
						  os->eb)) < 0)
			return rc;
		sm_smmu_set_strtab_2lvl(d->smmu, d->strtab, d->sid_bits,
					STRTAB_SPLIT);
	} else {
		/* Linear stream table of 2^sid_bits STEs; every STE starts
		 * as "abort" (arm_smmu_init_bypass_stes, disable_bypass). */
		uint64_t st_pages =
		    (((uint64_t)64 << d->sid_bits) + SM_PAGE_SIZE - 1) >>
		    SM_PAGE_SHIFT;
		if ((rc = sm_physmem_alloc_contig(os->pm, st_pages, st_pages,
						  SM_PAGE_SMMU, &d->strtab,
						  os->eb)) < 0)
			return rc;
		for (uint64_t sid = 0; sid < (1ull << d->sid_bits); sid++)
			write_abort_ste(os, d->strtab + sid * 64);
		sm_smmu_set_strtab(d->smmu, d->strtab, d->sid_bits);
	}
	uint64_t q_pages =
	    (((uint64_t)16 << d->cmdq_log2size) + SM_PAGE_SIZE - 1) >>
	    SM_PAGE_SHIFT;
	if ((rc = sm_physmem_alloc_contig(os->pm, q_pages, q_pages,
					  SM_PAGE_SMMU, &d->cmdq, os->eb)) < 0)
		return rc;
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
	if (d->sids) {
		size_t nl = (size_t)1 << (d->ssid_bits -
					  SM_CTXDESC_SPLIT_64K * d->cd_2lvl);
		for (size_t i = 0; i < ((size_t)1 << d->sid_bits); i++)
			if (d->sids[i].cdl2)
				sm_free(os->alloc, d->sids[i].cdl2,
					nl * sizeof(uint64_t));
		sm_free(os->alloc, d->sids,
			((size_t)1 << d->sid_bits) * sizeof(*d->sids));
	}
	if (d->strtab_l2)
		sm_free(os->alloc, d->strtab_l2,
			((size_t)1 << (d->sid_bits > STRTAB_SPLIT
					   ? d->sid_bits - STRTAB_SPLIT
					   : 0)) *
			    sizeof(uint64_t));
	d->bonds = NULL;
	d->mns = NULL;
	d->batch = NULL;
	d->sids = NULL;
	d->strtab_l2 = NULL;
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

static int write_ste(struct sm_os *os, uint32_t sid,
		     const uint64_t ste[SM_ENTRY_QWORDS], bool cmds,
		     uint64_t *t)
{
	uint64_t pa, c[2];
	int rc = ste_pa(os, sid, &pa);
	if (rc < 0)
		return rc;
	cmd_cfgi_ste(c, sid);
	return write_entry(os, pa, ste, true, c, cmds, t);
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
		uint64_t pages =
		    (64ull << SM_CTXDESC_SPLIT_64K) >> SM_PAGE_SHIFT;
		int rc = sm_physmem_alloc_contig(os->pm, pages, pages,
						 SM_PAGE_SMMU, &leaf, os->eb);
		if (rc < 0)
			return rc;
		sm_physmem_write64(os->pm, sc->cdtab + (uint64_t)i1 * 8,
				   (leaf & CTXDESC_L1_DESC_L2PTR_MASK) |
				       CTXDESC_L1_DESC_V);
		sc->cdl2[i1] = leaf;
		(*d->st_l2_tables)++;
		cmd_cfgi_cd(c, sid, ssid);
		c[1] &= ~CMDQ_CFGI_1_LEAF;
		if ((rc = cfgi_sync(os, c, cmds, t)) < 0)
			return rc;
	}
	*pa = sc->cdl2[i1] +
	      (uint64_t)(ssid & ((1u << SM_CTXDESC_SPLIT_64K) - 1)) * 64;
	return 0;
}

static int write_cd(struct sm_os *os, uint32_t sid, uint32_t ssid,
		    const uint64_t cd[SM_ENTRY_QWORDS], bool cmds, uint64_t *t)
{
	uint64_t c[2], pa;
	int rc = cd_pa(os, sid, ssid, cmds, t, &pa);
	if (rc < 0)
		return rc;
	cmd_cfgi_cd(c, sid, ssid);
	return write_entry(os, pa, cd, false, c, cmds, t);
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

/* The stage-1 STE of `sid` over its CD table, nested over stage-2 domain
 * `s2` when non-NULL.  S1DSS = SSID0: traffic without a substream uses CD
 * 0 (a DMA domain's), as Linux sets it up. */
static void make_cdtable_ste(struct sm_os *os, uint32_t sid,
			     const struct sm_domain *s2,
			     uint64_t ste[SM_ENTRY_QWORDS]);

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
		uint64_t bytes =
		    d->cd_2lvl ? 8ull << (d->ssid_bits - SM_CTXDESC_SPLIT_64K)
			       : 64ull << d->ssid_bits;
		uint64_t pages = (bytes + SM_PAGE_SIZE - 1) >> SM_PAGE_SHIFT;
		if (d->cd_2lvl && !sc->cdl2) {
			sc->cdl2 = sm_calloc(
			    os->alloc, ((size_t)1 << (d->ssid_bits -
						      SM_CTXDESC_SPLIT_64K)) *
					   sizeof(uint64_t));
			if (!sc->cdl2)
				return sm_err(os->eb, SMMUSIM_ENOMEM,
					      "out of memory");
		}
		if ((rc = sm_physmem_alloc_contig(os->pm, pages, pages,
						  SM_PAGE_SMMU, &sc->cdtab,
						  os->eb)) < 0)
			return rc;
	}
	return 0;
}

/* Make sure `sid` translates through its CD table: a stream in another
 * mode goes to plain stage 1, except that nesting stays. */
static int ensure_cd_table(struct sm_os *os, uint32_t sid, bool cmds,
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

static int share_asid(struct sm_os *os, uint16_t asid, uint64_t *t);

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
	/* The host's SVA shares a CPU page table with the device: a
	 * stage-1-only stream.  Under stage 2 (alone or nested) the host's
	 * notifier invalidations (VMID 0) would miss what the SMMU caches. */
	if (d->sids[sid].mode == SM_SID_S2 ||
	    d->sids[sid].mode == SM_SID_NESTED)
		return sm_err(
		    os->eb, SMMUSIM_EINVAL,
		    "sid=0x%" PRIx32 " is attached to %s dom=%" PRIu32
		    "; SVA needs a stage-1 stream",
		    sid, d->sids[sid].mode == SM_SID_S2 ? "stage-2" : "nested",
		    d->sids[sid].mode == SM_SID_S2 ? d->sids[sid].dom_s2
						   : d->sids[sid].dom_s1);
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
		if ((rc = share_asid(os, mm->asid, t)) < 0)
			return rc;
		m = sm_calloc(os->alloc, sizeof(*m));
		if (!m)
			return sm_err(os->eb, SMMUSIM_ENOMEM, "out of memory");
		*m =
		    (struct sm_smmu_sva_mn){.os = os, .mm = mm, .next = d->mns};
		m->sub.ops = &sva_mn_ops;
		m->sub.ctx = m;
		d->mns = m;
		sm_mn_register(mm, &m->sub);
		sm_mm_context_get(mm);
	}
	m->bonds++;

	/* The SVA CD: the mm's page table and ASID; ASET = 0 only with BTM,
	 * so that broadcast TLBIs for the mm's ASID reach it. */
	uint64_t cd[SM_ENTRY_QWORDS];
	/* A stall-capable device that recovers faults gets CD.S = 1
	 * (arm_smmu_make_sva_cd with master->stall_enabled). */
	sm_cd_make_sva(cd, mm->asid, mm->pgd, SM_VA_BITS, SM_IPS_48, SM_MAIR,
		       (d->smmu->btm ? SM_ENTRY_F_BTM : 0) |
			   (d->stall && pri ? SM_ENTRY_F_STALL : 0));
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
		sm_mm_context_put(os, mm);
	}
	return rc;
}

/* iommu_sva_handle_iopf(): handle_mm_fault on the bound mm, run by a
 * kernel worker (on PE 0 in this model); *ok says whether it resolved. */
static int iopf_handle(struct sm_os *os, uint32_t sid, uint32_t ssid,
		       uint64_t va, bool write, bool *ok, uint64_t *t)
{
	struct sm_bond *b = sm_drv_find_bond(os, sid, ssid);
	*ok = false;
	if (!b || !b->mm->live)
		return 0;
	return sm_os_handle_mm_fault(
	    os, b->mm, 0, va, write ? SMMUSIM_ACC_WRITE : SMMUSIM_ACC_READ,
	    true, ok, t);
}

/* A fault response goes back through the command queue, without a sync
 * (arm_smmu_page_response); *t becomes when the SMMU has consumed it. */
static int respond(struct sm_os *os, const uint64_t c[2], uint64_t *t)
{
	uint64_t done;
	int rc;
	if ((rc = q_write(os, c, t)) < 0 || (rc = publish(os, t, &done)) < 0)
		return rc;
	*t = max_u64(*t, done);
	return 0;
}

int sm_drv_page_request(struct sm_os *os, uint32_t sid, uint32_t ssid,
			uint64_t va, bool write, bool *ok, uint64_t *t)
{
	int rc = iopf_handle(os, sid, ssid, va, write, ok, t);
	if (rc < 0)
		return rc;
	uint64_t c[2];
	c[0] = sm_field_prep(CMDQ_0_OP, CMDQ_OP_PRI_RESP) | CMDQ_0_SSV |
	       sm_field_prep(CMDQ_PRI_0_SSID, ssid) |
	       sm_field_prep(CMDQ_PRI_0_SID, sid);
	c[1] = sm_field_prep(CMDQ_PRI_1_RESP,
			     *ok ? CMDQ_PRI_1_RESP_SUCC : CMDQ_PRI_1_RESP_FAIL);
	return respond(os, c, t);
}

/* The stall model's answer (arm_smmu_handle_evt -> iopf -> page
 * response): CMD_RESUME with RETRY or ABORT. */
int sm_drv_stall_resume(struct sm_os *os, uint32_t sid, uint32_t ssid,
			uint64_t va, bool write, uint16_t stag, bool give_up,
			bool *ok, uint64_t *t)
{
	int rc = 0;
	*ok = false;
	if (!give_up && (rc = iopf_handle(os, sid, ssid, va, write, ok, t)) < 0)
		return rc;
	uint64_t c[2];
	c[0] =
	    sm_field_prep(CMDQ_0_OP, CMDQ_OP_RESUME) |
	    sm_field_prep(CMDQ_RESUME_0_SID, sid) |
	    sm_field_prep(CMDQ_RESUME_0_RESP, *ok ? CMDQ_RESUME_0_RESP_RETRY
						  : CMDQ_RESUME_0_RESP_ABORT);
	c[1] = sm_field_prep(CMDQ_RESUME_1_STAG, stag);
	return respond(os, c, t);
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

/* The lowest id in 1..65535 that no domain of `stage` uses (arm_smmu_
 * domain_finalise_s1's ASID, _s2's VMID allocators). */
static uint32_t lowest_free(const struct sm_os *os, unsigned stage)
{
	/* One pass to mark the ids in use, one to find the first free: a
	 * trace with thousands of domains must stay linear. */
	uint64_t used[(0xffff + 64) / 64] = {0};
	for (const struct sm_domain *d = os->drv.domains; d; d = d->next)
		if (d->stage == stage) {
			uint32_t v = stage == 2 ? d->vmid : d->asid;
			used[v / 64] |= 1ull << (v % 64);
		}
	for (const struct sm_smmu_sva_mn *m = os->drv.mns; m && stage == 1;
	     m = m->next)
		used[m->mm->asid / 64] |= 1ull << (m->mm->asid % 64);
	used[0] |= 1; /* 0 is "choose one", never an id */
	for (uint32_t w = 0; w < sizeof(used) / sizeof(used[0]); w++)
		if (~used[w]) {
			uint32_t v =
			    w * 64 + (uint32_t)__builtin_ctzll(~used[w]);
			return v <= 0xffff ? v : 0;
		}
	return 0;
}

int sm_drv_domain_create(struct sm_os *os, uint32_t id, unsigned stage,
			 uint32_t asid, uint32_t vmid, bool nested,
			 uint32_t parent, uint64_t *t)
{
	struct sm_domain *par = NULL;
	int rc;
	(void)t;
	if (!stage)
		stage = 1;
	if (find_domain(os, id))
		return sm_err(os->eb, SMMUSIM_EEXIST,
			      "dom=%" PRIu32 " already exists", id);
	if (stage > 2)
		return sm_err(os->eb, SMMUSIM_ERANGE,
			      "stage=%u is out of range (1 or 2)", stage);
	if (stage == 1 && vmid)
		return sm_err(os->eb, SMMUSIM_EINVAL,
			      "vmid= is for stage=2 domains (a nested "
			      "domain uses its parent's VMID)");
	if (stage == 2 && (asid || nested))
		return sm_err(os->eb, SMMUSIM_EINVAL,
			      "a stage=2 domain takes vmid=, not %s",
			      asid ? "asid=" : "parent=");
	if (nested) {
		if ((rc = need_domain(os, parent, &par)) < 0)
			return rc;
		if (par->stage != 2)
			return sm_err(os->eb, SMMUSIM_EINVAL,
				      "parent=%" PRIu32 " is a stage-1 domain; "
				      "nesting needs a stage=2 parent",
				      parent);
	}
	uint32_t tag = stage == 2 ? vmid : asid;
	const char *tname = stage == 2 ? "vmid" : "asid";
	if (tag > 0xffff)
		return sm_err(os->eb, SMMUSIM_ERANGE,
			      "%s=%" PRIu32 " is out of range (1..65535)",
			      tname, tag);
	if (!tag) {
		if (!(tag = lowest_free(os, stage)))
			return sm_err(os->eb, SMMUSIM_ERANGE, "no free %s left",
				      tname);
	} else {
		for (struct sm_domain *d = os->drv.domains; d; d = d->next)
			if (d->stage == stage &&
			    (stage == 2 ? d->vmid : d->asid) == tag)
				return sm_err(os->eb, SMMUSIM_EEXIST,
					      "%s=%" PRIu32
					      " is used by dom=%" PRIu32,
					      tname, tag, d->id);
		for (struct sm_smmu_sva_mn *m = os->drv.mns;
		     m && stage == 1 && !nested; m = m->next)
			if (m->mm->asid == tag)
				return sm_err(os->eb, SMMUSIM_EEXIST,
					      "asid=%" PRIu32 " is used by SVA "
					      "(mm=%" PRIu32 " is bound)",
					      tag, m->mm->id);
	}
	struct sm_domain *d = sm_calloc(os->alloc, sizeof(*d));
	if (!d)
		return sm_err(os->eb, SMMUSIM_ENOMEM, "out of memory");
	if ((rc = sm_pgt_new_root(os->pm, &d->pgd, os->eb)) < 0) {
		sm_free(os->alloc, d, sizeof(*d));
		return rc;
	}
	d->id = id;
	d->stage = (uint8_t)stage;
	if (stage == 2)
		d->vmid = (uint16_t)tag;
	else
		d->asid = (uint16_t)tag;
	d->parent = par;
	d->next = os->drv.domains;
	os->drv.domains = d;
	return 0;
}

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

/* CD 0 of a stream attached to stage-1 domain dm: its table and ASID.  A
 * private ASID: ASET = 1, out of reach of broadcast TLBIs. */
static int write_domain_cd(struct sm_os *os, uint32_t sid,
			   const struct sm_domain *dm, bool cmds, uint64_t *t)
{
	uint64_t cd[SM_ENTRY_QWORDS];
	sm_cd_make_s1(cd, dm->asid, dm->pgd,
		      sm_cd_tcr(64 - SM_VA_BITS, 0, 1, 1, 3, SM_IPS_48),
		      SM_MAIR, 0);
	return write_cd(os, sid, 0, cd, cmds, t);
}

/* arm_smmu_share_asid (Linux 6.1-6.12): SVA pins the mm's CPU ASID in the
 * SMMU's ASID space; a stage-1 DMA domain holding that ASID moves to a free
 * one: its CDs are rewritten, then the old ASID is invalidated.  The
 * window in which the old ASID is still live (FACTS 4.3, BTM) is not
 * modelled: commands take effect at their PROD write. */
static int share_asid(struct sm_os *os, uint16_t asid, uint64_t *t)
{
	struct sm_smmu_drv *d = &os->drv;
	for (struct sm_domain *dm = d->domains; dm; dm = dm->next) {
		/* A nested domain's ASID lives in its VMID's space, apart
		 * from the host's (VMID 0): no conflict. */
		if (dm->stage != 1 || dm->parent || dm->asid != asid)
			continue;
		uint32_t na = lowest_free(os, 1);
		if (!na || na == asid)
			return sm_err(os->eb, SMMUSIM_ERANGE,
				      "no free ASID to move dom=%" PRIu32
				      " off asid=%u",
				      dm->id, asid);
		dm->asid = (uint16_t)na;
		(*d->st_asid_moves)++;
		int rc;
		for (uint32_t sid = 0; sid < (1u << d->sid_bits); sid++)
			if (d->sids[sid].has_dom &&
			    d->sids[sid].dom_s1 == dm->id &&
			    (rc = write_domain_cd(os, sid, dm, true, t)) < 0)
				return rc;
		if (!d->skip_inv && (rc = inv_asid(os, asid, t)) < 0)
			return rc;
	}
	return 0;
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
	return issue_one_sync(os, c, t);
}

int sm_drv_attach(struct sm_os *os, uint32_t sid, uint32_t dom, bool cmds,
		  uint64_t *t)
{
	struct sm_smmu_drv *d = &os->drv;
	struct sm_domain *dm;
	uint64_t ste[SM_ENTRY_QWORDS];
	int rc;
	if ((rc = need_domain(os, dom, &dm)) < 0)
		return rc;
	if (sid >> d->sid_bits)
		return sm_err(os->eb, SMMUSIM_ERANGE,
			      "sid=0x%" PRIx32 " is outside the stream table "
			      "(smmu.sid_bits=%u: 0..0x%x)",
			      sid, d->sid_bits, (1u << d->sid_bits) - 1);
	struct sm_sid_cfg *sc = &d->sids[sid];
	if (dm->stage == 2 || dm->parent) {
		/* The reverse of sm_drv_sva_bind's rule. */
		for (struct sm_bond *b = d->bonds; b; b = b->next)
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
		if (sc->mode == SM_SID_NESTED)
			sc->mode = SM_SID_S2; /* leave nesting: rewrite */
		if ((rc = ensure_cd_table(os, sid, cmds, t)) < 0)
			return rc;
	}
	sc->has_dom = true;
	sc->dom_s1 = dm->id;
	if ((rc = write_domain_cd(os, sid, dm, cmds, t)) < 0)
		return rc;
	return atc_flush_stream(os, sid, cmds, t);
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
	if (dm->stage == 1 && !(prot & SMMUSIM_PROT_R))
		return sm_err(
		    os->eb, SMMUSIM_EINVAL,
		    "prot must include r (io-pgtable has no write-only "
		    "stage-1 mapping)");
	if (dm->stage == 2 && !(prot & (SMMUSIM_PROT_R | SMMUSIM_PROT_W)))
		return sm_err(os->eb, SMMUSIM_EINVAL,
			      "prot must include r or w");
	(*os->drv.st_dma_maps)++;
	/* arm_lpae_map: existing leaves are replaced (an import rebuilds
	 * mappings as the walker saw them).  Stage 1 maps a leaf per page;
	 * stage 2 with a given pa takes 1 GiB / 2 MiB blocks where va, pa
	 * and the remaining length allow (iommu_pgsize), so that a VMM's
	 * identity map of guest RAM stays small. */
	for (uint64_t a = va; a < end;) {
		int level = 3;
		if (dm->stage == 2 && pa) {
			uint64_t p = pa + (a - va);
			for (int l = 1; l <= 2 && level == 3; l++) {
				uint64_t sz = sm_level_size(l);
				if (!((a | p) & (sz - 1)) && end - a >= sz)
					level = l;
			}
		}
		uint64_t page = pa ? pa + (a - va) : 0;
		if (!page && (rc = sm_physmem_alloc(os->pm, SM_PAGE_DATA, &page,
						    os->eb)) < 0)
			return rc;
		uint64_t desc = (page & PTE_ADDR_MASK) | PTE_AF | PTE_SHARED |
				(level == 3 ? PTE_TYPE_PAGE : PMD_TYPE_SECT);
		if (dm->stage == 2) {
			/* ARM_LPAE_PTE_HAP_READ / _WRITE, and XN: devices do
			 * not fetch instructions. */
			desc |= PTE_S2_XN;
			if (prot & SMMUSIM_PROT_R)
				desc |= PTE_S2_HAP_READ;
			if (prot & SMMUSIM_PROT_W)
				desc |= PTE_S2_HAP_WRITE;
		} else {
			desc |= PTE_USER | PTE_NG | PTE_PXN | PTE_UXN;
			if (!(prot & SMMUSIM_PROT_W))
				desc |= PTE_RDONLY;
		}
		rc = sm_pgt_set(os->pm, dm->pgd, a, level, desc, NULL, os->eb);
		if (rc == SMMUSIM_EEXIST)
			/* Leaves are replaced; a leaf at another level is
			 * not (io-pgtable would return -EEXIST too). */
			return sm_err(
			    os->eb, rc,
			    "[0x%" PRIx64 ", 0x%" PRIx64 ") of dom=%" PRIu32
			    " overlaps a mapping of another size (%s); "
			    "iommu_unmap it first",
			    a, a + sm_level_size(level), dom,
			    level == 3
				? "a 2 MiB or 1 GiB block covers it"
				: "a table for smaller mappings is there");
		if (rc < 0)
			return rc;
		*t += os->mm.lat_pte;
		a += sm_level_size(level);
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
	/* A block is unmapped whole or not at all: io-pgtable would split
	 * it (arm_lpae_split_blk_unmap), which is not modelled. */
	for (uint64_t a = va; a < end;) {
		int level = 3;
		uint64_t dpa = 0;
		uint64_t desc = sm_pgt_get(os->pm, dm->pgd, a, &level, &dpa);
		uint64_t sz = sm_level_size(level);
		if (level < 3 && (desc & PTE_VALID) &&
		    ((a & (sz - 1)) || end - a < sz))
			return sm_err(
			    os->eb, SMMUSIM_EINVAL,
			    "[0x%" PRIx64 ", 0x%" PRIx64
			    ") unmaps part of the %s block at 0x%" PRIx64
			    " (splitting blocks is not modelled)",
			    va, end, level == 1 ? "1 GiB" : "2 MiB",
			    a & ~(sz - 1));
		a = (a & ~(sz - 1)) + sz;
	}
	(*d->st_dma_unmaps)++;
	for (uint64_t a = va; a < end;) {
		int level = 3;
		uint64_t dpa = 0;
		uint64_t desc = sm_pgt_get(os->pm, dm->pgd, a, &level, &dpa);
		if (dpa && (desc & PTE_VALID)) {
			sm_physmem_write64(os->pm, dpa, 0);
			*t += os->mm.lat_pte;
		}
		a = (a & ~(sm_level_size(level) - 1)) + sm_level_size(level);
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
