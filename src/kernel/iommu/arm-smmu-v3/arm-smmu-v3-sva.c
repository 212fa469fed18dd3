/* SPDX-License-Identifier: MIT */
/*
 * Shared virtual addressing, modelled on drivers/iommu/arm/arm-smmu-v3/
 * arm-smmu-v3-sva.c: binding a (StreamID, SubstreamID) to a process's mm
 * (arm_smmu_sva_bind, arm_smmu_mmu_notifier_get / _put), the mm notifier
 * that keeps the SMMU's TLB in step with the CPU's page table
 * (arm_smmu_mm_invalidate_range in 6.1 and 6.5,
 * arm_smmu_mm_arch_invalidate_secondary_tlbs from 6.6; arm_smmu_mm_release)
 * and the SVA ASID: shared with the CPU, moving a DMA domain off it
 * (arm_smmu_share_asid, 6.1-6.10), or the SVA domain's own
 * (arm_smmu_sva_domain_alloc, d7b2d2ba1b84, v6.11; policy.smmu.sva_asid).
 *
 * The notifier (sva_invalidate), per version (docs/linux-versions.md 3):
 * size = end - start; without range invalidation (smmu.ril off) a range of
 * policy.smmu.max_tlbi_ops pages or more becomes size 0 (CMDQ_MAX_TLBI_OPS:
 * d5afb4b47e13 in v6.6 and its 6.1.y backport; v6.5.0 has no fallback,
 * max_tlbi_ops = 0); with it, the full range (0, -1UL) becomes size 0 from
 * v6.6 (policy.smmu.sva_flush_all).  Size 0 is one TLBI_NH_ASID +
 * CMD_SYNC; anything else is the driver's range invalidation
 * (sm_drv_tlb_inv_range: non-leaf, 4K granule, so range commands with the
 * one-page overshoot under RIL, one TLBI_NH_VA per page without).  Where
 * the real kernel would never return -- (0, -1UL) with RIL before 6.6
 * (__arm_smmu_tlb_inv_range ends its windows short of `end` and loops with
 * num_pages = 0), or 2^52 per-page commands in v6.5.0 -- the model stops
 * with a "kernel-lockup" error naming the presets and the call, instead
 * of hanging.  With BTM (a research what-if: mainline never sets
 * ARM_SMMU_FEAT_BTM, d38c28dbefee removed the branch in v6.11) the
 * explicit TLB invalidation is skipped, since the SMMU snoops the CPU's
 * TLBIs.  With ATS the ATCs of the mm's bonds are invalidated after it
 * either way (arm_smmu_atc_inv_domain), because BTM does not reach them.
 *
 * Two switches that are not mainline behaviour (docs/policies.md):
 * - BTM (d->btm: IDR0.BTM and policy.smmu.btm).  Mainline never sets
 *   ARM_SMMU_FEAT_BTM (6.1's notifier tests it as dead code; 6.12's no
 *   longer does).  The what-if follows the unmerged "iommu/arm-smmu-v3:
 *   Bring back SVA BTM support" (J. Gunthorpe, v3 24/27, Dec 2023):
 *   btm_invalidation skips the explicit TLBIs, the SVA CD has ASET = 0;
 *   the ATC invalidation stays, since BTM does not reach ATCs.
 * - policy.smmu.flushall_overflow_bug: the page count computed as
 *   (end - start + PAGE_SIZE - 1) >> PAGE_SHIFT, as intel/svm.c did before
 *   "iommu/vt-d: Fix incorrect cache invalidation for mm notification"
 *   (v6.7): for the flush-all range (0, -1UL) it wraps to 0 pages, and
 *   nothing, IOTLB or ATC, is invalidated.  The fixed form (this driver's
 *   size = end - start, and VT-d's explicit start == 0 && end == -1UL
 *   test) flushes the whole ASID.
 */
#include <inttypes.h>

#include <smmusim/error.h>

#include "base/alloc.h"
#include "arch/smmu_cmd.h"
#include "arch/smmu_cmd_decode.h"
#include "arch/smmu_regs.h"
#include "engine/config_keys.h"
#include "kernel/iommu/arm-smmu-v3/internal.h"

/* Per-page commands the model issues before it calls a range a kernel
 * lockup (the real loop would take hours of host time). */
#define SM_SVA_MAX_PAGE_OPS (1ull << 24)

/* ---- invalidation ---- */

/* arm_smmu_tlb_inv_asid from the notifier: TLBI_NH_ASID + CMD_SYNC, the
 * command's words made inline (host time: the words sm_smmu_cmd_build
 * makes, test_smmu_cmd checks). */
static int inv_asid(struct sm_os *os, uint16_t asid, uint64_t *t)
{
	uint64_t c[2];
	sm_smmu_cmd_build_tlbi_nh_asid(c, asid);
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

/* The real kernel never returns from __arm_smmu_tlb_inv_range over
 * [start, start + size) (non-leaf, 4K): with RIL when the windows of
 * size >> 12 pages (one more when the lowest is 1) end short of the range,
 * as for size = ULONG_MAX; without RIL when the per-page loop is longer
 * than the model issues (2^52 pages for (0, -1UL)).  Reported, not hung. */
static int check_lockup(struct sm_os *os, uint64_t start, uint64_t end,
			uint64_t size)
{
	struct sm_smmu_drv *d = &os->drv;
	uint64_t pages = size >> SM_PAGE_SHIFT;
	bool hang;
	if (d->ril) {
		if ((pages & 31) == 1)
			pages++;
		hang = pages < (1ull << (64 - SM_PAGE_SHIFT)) &&
		       pages << SM_PAGE_SHIFT < size;
	} else {
		hang = pages > SM_SVA_MAX_PAGE_OPS;
	}
	if (!hang)
		return 0;
	return sm_err(
	    os->eb, SMMUSIM_ESTATE,
	    "kernel-lockup: under presets '%s' (smmu.ril=%s, "
	    "policy.smmu.max_tlbi_ops=%" PRIu64
	    ", policy.smmu.sva_flush_all=%s) %s(start=0x%" PRIx64
	    ", end=0x%" PRIx64 ") never returns in the real kernel: %s; the "
	    "model stops here",
	    d->presets[0] ? d->presets : "(none)", d->ril ? "on" : "off",
	    d->max_tlbi_ops, d->sva_flush_all ? "on" : "off",
	    os->mn.placement == SM_PLACEMENT_RANGE_END
		? "arm_smmu_mm_invalidate_range"
		: "arm_smmu_mm_arch_invalidate_secondary_tlbs",
	    start, end,
	    d->ril ? "__arm_smmu_tlb_inv_range's range commands stop short of "
		     "the end and it loops with num_pages = 0"
		   : "__arm_smmu_tlb_inv_range would issue one TLBI_NH_VA per "
		     "page, more than 2^24");
}

static int sva_invalidate(struct sm_mn_sub *sub, struct sm_mm *mm,
			  uint64_t start, uint64_t end, uint64_t *t)
{
	struct sm_smmu_sva_mn *m = sub->ctx;
	struct sm_os *os = m->os;
	struct sm_smmu_drv *d = &os->drv;
	/* arm_smmu_mm_arch_invalidate_secondary_tlbs (6.6+; 6.1/6.5:
	 * arm_smmu_mm_invalidate_range): size = end - start; size 0 means
	 * "the whole ASID". */
	uint64_t size = end - start;
	bool empty = !size;
	int rc = 0;
	if (d->flushall_overflow_bug &&
	    ((end - start + SM_PAGE_SIZE - 1) >> SM_PAGE_SHIFT) == 0) {
		/* The bug: 0 pages to invalidate, so nothing at all. */
		SM_INC(d->ctr, OS_SMMU_SVA_INV_SKIPPED);
		return 0;
	}
	if (!d->ril) {
		if (d->max_tlbi_ops && size / SM_PAGE_SIZE >= d->max_tlbi_ops)
			size = 0; /* CMDQ_MAX_TLBI_OPS */
	} else if (d->sva_flush_all && size == UINT64_MAX) {
		size = 0; /* (0, -1UL), v6.6 */
	}
	if (d->skip_inv || d->btm) {
		SM_INC(d->ctr, OS_SMMU_SVA_INV_SKIPPED);
	} else if (!size) {
		/* v6.5.0 has no size-0 branch: an empty range reaches
		 * __arm_smmu_tlb_inv_range, which returns at once. */
		if (!(empty && !d->max_tlbi_ops))
			rc = inv_asid(os, m->asid, t);
	} else if ((rc = check_lockup(os, start, end, size)) == 0) {
		SM_INC(d->ctr, OS_SMMU_SVA_INV_RANGE);
		rc = sm_drv_tlb_inv_range(os, m->asid, start, size,
					  SM_PAGE_SIZE, false, t);
	}
	if (rc < 0)
		return rc;
	return atc_inv_mm(os, mm, start, size, t);
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
		sm_cd_make_sva_release(cd, m->asid, SM_IPS_48, SM_MAIR,
				       os->drv.btm ? SM_ENTRY_F_BTM : 0);
		if ((rc = sm_drv_write_cd(os, b->sid, b->ssid, cd, true, t)) <
		    0)
			return rc;
	}
	if (os->drv.skip_inv) {
		SM_INC(os->drv.ctr, OS_SMMU_SVA_INV_SKIPPED);
		return 0;
	}
	if ((rc = inv_asid(os, m->asid, t)) < 0)
		return rc;
	return atc_inv_mm(os, mm, 0, 0, t);
}

static const struct sm_mn_ops sva_mn_ops = {
    .arch_invalidate_secondary_tlbs = sva_invalidate,
    .release = sva_release,
};

/* ---- bind / unbind ---- */

/* arm_smmu_write_ctx_desc's case (3), "update ASID of a live CD": one
 * 64-bit write of word 0 of CD 0 (the domain's) with the new ASID, V
 * staying 1; arm_smmu_sync_cd then adds a CFGI_CD (leaf) per stream to the
 * batch. */
static int move_cd0_asid(struct sm_os *os, uint32_t sid, uint16_t asid,
			 uint64_t *t)
{
	struct sm_sid_cfg *sc = &os->drv.sids[sid];
	uint64_t pa = os->drv.cd_2lvl ? sc->cdl2[0] : sc->cdtab, c[2];
	uint64_t w0 = sm_physmem_read64(os->pm, pa);
	w0 = (w0 & ~CTXDESC_CD_0_ASID) | sm_field_prep(CTXDESC_CD_0_ASID, asid);
	sm_physmem_write64(os->pm, pa, w0);
	sm_smmu_cmd_build(
	    &(struct sm_smmu_cmd){
		.op = CMDQ_OP_CFGI_CD, .sid = sid, .ssid = 0, .leaf = true},
	    c, NULL);
	return sm_drv_cmdq_batch_add(os, c, t);
}

/* arm_smmu_share_asid (6.1-6.10, policy.smmu.sva_asid=shared): SVA pins
 * the mm's CPU ASID in the SMMU's ASID space; a stage-1 DMA domain holding
 * it moves to the lowest free one (xa_alloc), in Linux's order
 * (docs/linux-versions.md 3): the domain's ASID changes first (from here
 * its unmaps invalidate the new ASID), then word 0 of its CD 0 with one
 * CFGI_CD per stream and one CMD_SYNC, then TLBI_NH_ASID of the old ASID +
 * CMD_SYNC (the new ASID is never invalidated).  The window in which the
 * old ASID is still live (FACTS.md 4.3) is there: each step happens at its
 * cycle and the SMMU acts on a command when it consumes it
 * (traces/scenarios/asid-move-*.trace). */
static int share_asid(struct sm_os *os, uint16_t asid, uint64_t *t)
{
	struct sm_smmu_drv *d = &os->drv;
	/* policy.smmu.asid_move_order: where the old ASID's invalidation
	 * goes (0 linux: after the CD sync; 1: before the CD rewrite; 2:
	 * nowhere). */
	bool inv_first = d->asid_move_order == 1;
	bool inv_after = d->asid_move_order == 0;
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
		/* Each step at its own cycle: from here the domain's unmaps
		 * on other PEs invalidate the new ASID, while its streams
		 * still use their cached CDs (the old one) until the
		 * CFGI_CD is consumed: the hole the 6.1 comment dismisses. */
		sm_os_step(os, *t);
		dm->asid = (uint16_t)na;
		SM_INC(d->ctr, OS_SMMU_ASID_MOVES);
		int rc;
		if (inv_first && !d->skip_inv &&
		    (rc = inv_asid(os, asid, t)) < 0)
			return rc;
		for (uint32_t sid = 0; sid < (1u << d->sid_bits); sid++)
			if (d->sids[sid].has_dom &&
			    d->sids[sid].dom_s1 == dm->id &&
			    (rc = move_cd0_asid(os, sid, dm->asid, t)) < 0)
				return rc;
		SM_INC(d->ctr, OS_SMMU_ENTRY_SYNCS);
		if ((rc = sm_drv_cmdq_batch_submit(os, t)) < 0)
			return rc;
		if (inv_after && !d->skip_inv &&
		    (rc = inv_asid(os, asid, t)) < 0)
			return rc;
	}
	return 0;
}

/* The ASID of a new SVA notifier: the mm's CPU ASID, moving a DMA domain
 * off it (shared, 6.1-6.10), or the lowest free one in [1, 2^16 - 1]
 * (own: arm_smmu_sva_domain_alloc's xa_alloc, v6.11+). */
static int sva_asid(struct sm_os *os, struct sm_mm *mm, uint16_t *asid,
		    uint64_t *t)
{
	if (!os->drv.sva_own_asid) {
		*asid = mm->asid;
		return share_asid(os, mm->asid, t);
	}
	uint32_t a = sm_drv_lowest_free_tag(os, 1);
	if (!a)
		return sm_err(os->eb, SMMUSIM_ERANGE,
			      "no free ASID for the SVA domain of mm=%" PRIu32,
			      mm->id);
	*asid = (uint16_t)a;
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
	*b = (struct sm_bond){.sid = sid,
			      .ssid = ssid,
			      .mm = mm,
			      .pri = pri,
			      .next = d->bonds,
			      .sid_next = d->sids[sid].bonds};
	if (d->bonds)
		d->bonds->prev = b;
	d->bonds = b;
	d->sids[sid].bonds = b;

	/* One notifier per mm (arm_smmu_mmu_notifier_get). */
	struct sm_smmu_sva_mn *m = d->mns;
	while (m && m->mm != mm)
		m = m->next;
	if (!m) {
		uint16_t asid = 0;
		if ((rc = sva_asid(os, mm, &asid, t)) < 0)
			return rc;
		m = sm_calloc(os->alloc, sizeof(*m));
		if (!m)
			return sm_err(os->eb, SMMUSIM_ENOMEM, "out of memory");
		*m = (struct sm_smmu_sva_mn){
		    .os = os, .mm = mm, .asid = asid, .next = d->mns};
		m->sub.ops = &sva_mn_ops;
		m->sub.ctx = m;
		d->mns = m;
		sm_mn_register(mm, &m->sub);
		sm_mm_context_get(mm);
	}
	m->bonds++;

	/* The SVA CD: the mm's page table and ASID; ASET = 0 only with the
	 * BTM what-if, so that broadcast TLBIs for the mm's ASID reach it. */
	uint64_t cd[SM_ENTRY_QWORDS];
	/* A stall-capable device that recovers faults gets CD.S = 1
	 * (arm_smmu_make_sva_cd with master->stall_enabled). */
	sm_cd_make_sva(cd, m->asid, mm->pgd, SM_VA_BITS, SM_IPS_48, SM_MAIR,
		       (d->btm ? SM_ENTRY_F_BTM : 0) |
			   (d->stall && pri ? SM_ENTRY_F_STALL : 0));
	return sm_drv_write_cd(os, sid, ssid, cd, true, t);
}

/* Take b off the list of every bond and its stream's list. */
static void unlink_bond(struct sm_smmu_drv *d, struct sm_bond *b)
{
	struct sm_bond **ps = &d->sids[b->sid].bonds;
	while (*ps != b)
		ps = &(*ps)->sid_next;
	*ps = b->sid_next;
	if (b->prev)
		b->prev->next = b->next;
	else
		d->bonds = b->next;
	if (b->next)
		b->next->prev = b->prev;
}

int sm_drv_sva_unbind(struct sm_os *os, uint32_t sid, uint32_t ssid,
		      uint64_t *t)
{
	struct sm_smmu_drv *d = &os->drv;
	struct sm_bond *b = sm_drv_find_bond(os, sid, ssid);
	if (!b)
		return sm_err(os->eb, SMMUSIM_ENOENT,
			      "sid=0x%" PRIx32 " ssid=%" PRIu32 " is not bound",
			      sid, ssid);
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
	unlink_bond(d, b);
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
			rc = inv_asid(os, m->asid, t);
		*pm = m->next;
		sm_mm_context_put(os, mm);
		/* Last use of mm: this may free an exited one. */
		sm_mn_unregister(os, mm, &m->sub);
		sm_free(os->alloc, m, sizeof(*m));
	}
	return rc;
}
