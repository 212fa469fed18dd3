/* SPDX-License-Identifier: MIT */
/*
 * Shared virtual addressing, modelled on drivers/iommu/arm/arm-smmu-v3/
 * arm-smmu-v3-sva.c: binding a (StreamID, SubstreamID) to a process's mm
 * (arm_smmu_sva_bind, arm_smmu_mmu_notifier_get / _put), the mm notifier
 * that keeps the SMMU's TLB in step with the CPU's page table
 * (arm_smmu_mm_arch_invalidate_secondary_tlbs, arm_smmu_mm_invalidate_range
 * before 6.6; arm_smmu_mm_release), and the ASID sharing that moves a DMA
 * domain off the mm's CPU ASID (arm_smmu_share_asid, 6.1-6.12).
 *
 * Where the notifier decides between per-page and whole-ASID invalidation
 * (sva_invalidate): without range invalidation, a range of
 * policy.smmu.max_tlbi_ops pages or more (and (0, -1UL), or an empty range)
 * becomes one TLBI_NH_ASID, the 6.1 backport of the fix for the 26 s soft
 * lockup; otherwise one TLBI_NH_VA per page with leaf=0.  With BTM the
 * explicit TLB invalidation is skipped (6.6-6.9 behaviour), since the SMMU
 * snoops the CPU's TLBIs.  With ATS the ATCs of the mm's bonds are
 * invalidated after it either way (arm_smmu_atc_inv_domain), because BTM
 * does not reach them.
 */
#include <inttypes.h>

#include <smmusim/error.h>

#include "base/alloc.h"
#include "arch/smmu_cmd.h"
#include "arch/smmu_regs.h"
#include "kernel/iommu/arm-smmu-v3/internal.h"

/* ---- invalidation ---- */

static void cmd_tlbi_nh_asid(uint64_t c[2], uint16_t asid)
{
	sm_smmu_cmd_build(
	    &(struct sm_smmu_cmd){.op = CMDQ_OP_TLBI_NH_ASID, .asid = asid}, c,
	    NULL);
}

/* TG = 0: the single-granule form (no range invalidation). */
static void cmd_tlbi_nh_va(uint64_t c[2], uint16_t asid, uint64_t va, bool leaf)
{
	sm_smmu_cmd_build(
	    &(struct sm_smmu_cmd){.op = CMDQ_OP_TLBI_NH_VA,
				  .asid = asid,
				  .addr = va & CMDQ_TLBI_1_VA_MASK,
				  .leaf = leaf},
	    c, NULL);
}

static int inv_asid(struct sm_os *os, uint16_t asid, uint64_t *t)
{
	uint64_t c[2];
	cmd_tlbi_nh_asid(c, asid);
	SM_INC(os->drv.ctr, OS_SMMU_SVA_INV_ASID);
	return sm_drv_cmdq_issue_sync(os, c, t);
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
		int rc = sm_drv_cmdq_batch_add(os, c, t);
		if (rc < 0)
			return rc;
		any = true;
	}
	return any ? sm_drv_cmdq_batch_submit(os, t) : 0;
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
		SM_INC(d->ctr, OS_SMMU_SVA_INV_SKIPPED);
	} else if (all) {
		rc = inv_asid(os, mm->asid, t);
	} else {
		SM_INC(d->ctr, OS_SMMU_SVA_INV_RANGE);
		for (uint64_t va = start & SM_PAGE_MASK; va < end && rc == 0;
		     va += SM_PAGE_SIZE) {
			uint64_t c[2];
			cmd_tlbi_nh_va(c, mm->asid, va, false);
			rc = sm_drv_cmdq_batch_add(os, c, t);
		}
		if (rc == 0)
			rc = sm_drv_cmdq_batch_submit(os, t);
	}
	if (rc < 0)
		return rc;
	return atc_inv_mm(os, mm, start, all ? 0 : size, t);
}

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
		if ((rc = sm_drv_write_cd(os, b->sid, b->ssid, cd, true, t)) <
		    0)
			return rc;
	}
	if (os->drv.skip_inv) {
		SM_INC(os->drv.ctr, OS_SMMU_SVA_INV_SKIPPED);
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

/* arm_smmu_share_asid (Linux 6.1-6.12): SVA pins the mm's CPU ASID in the
 * SMMU's ASID space; a stage-1 DMA domain holding that ASID moves to a free
 * one: its CDs are rewritten, then the old ASID is invalidated.  The
 * window in which the old ASID is still live (FACTS.md 4.3, BTM) is not
 * modelled: commands take effect at their PROD write. */
static int share_asid(struct sm_os *os, uint16_t asid, uint64_t *t)
{
	struct sm_smmu_drv *d = &os->drv;
	for (struct sm_domain *dm = d->domains; dm; dm = dm->next) {
		/* A nested domain's ASID lives in its VMID's space, apart
		 * from the host's (VMID 0): no conflict. */
		if (dm->stage != 1 || dm->parent || dm->asid != asid)
			continue;
		uint32_t na = sm_drv_lowest_free_tag(os, 1);
		if (!na || na == asid)
			return sm_err(os->eb, SMMUSIM_ERANGE,
				      "no free ASID to move dom=%" PRIu32
				      " off asid=%u",
				      dm->id, asid);
		dm->asid = (uint16_t)na;
		SM_INC(d->ctr, OS_SMMU_ASID_MOVES);
		int rc;
		for (uint32_t sid = 0; sid < (1u << d->sid_bits); sid++)
			if (d->sids[sid].has_dom &&
			    d->sids[sid].dom_s1 == dm->id &&
			    (rc = sm_drv_write_domain_cd(os, sid, dm, true,
							 t)) < 0)
				return rc;
		if (!d->skip_inv && (rc = inv_asid(os, asid, t)) < 0)
			return rc;
	}
	return 0;
}

int sm_drv_sva_bind(struct sm_os *os, uint32_t sid, uint32_t ssid,
		    struct sm_mm *mm, bool pri, uint64_t *t)
{
	struct sm_smmu_drv *d = &os->drv;
	int rc;
	if ((rc = sm_drv_check_sid(os, sid)) < 0)
		return rc;
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
	if ((rc = sm_drv_ensure_cd_table(os, sid, true, t)) < 0)
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
	return sm_drv_write_cd(os, sid, ssid, cd, true, t);
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
	int rc = sm_drv_write_cd(os, b->sid, b->ssid, cd, true, t);
	/* The device's ATC may still hold the PASID's translations. */
	if (rc == 0 && d->ats && !d->skip_inv) {
		uint64_t c[2];
		sm_smmu_atc_inv_cmd(c, b->sid, b->ssid, 0, 0);
		rc = sm_drv_cmdq_issue_sync(os, c, t);
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
		*pm = m->next;
		sm_mm_context_put(os, mm);
		/* Last use of mm: this may free an exited one. */
		sm_mn_unregister(os, mm, &m->sub);
		sm_free(os->alloc, m, sizeof(*m));
	}
	return rc;
}
