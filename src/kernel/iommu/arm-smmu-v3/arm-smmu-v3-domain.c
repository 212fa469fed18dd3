/* SPDX-License-Identifier: MIT */
/*
 * DMA domains of the Linux SMMUv3 driver (struct arm_smmu_domain): creation
 * and their ASID (stage 1) or VMID (stage 2), the lowest free one as
 * arm_smmu_domain_finalise_s1 / _s2 allocate them (xa_alloc / ida_alloc
 * from 1), and nesting over a stage-2 parent (IOMMU_DOMAIN_NESTED).  The
 * attach of a stream to a domain is in arm-smmu-v3.c.
 */
#include <inttypes.h>

#include <smmusim/error.h>

#include "base/alloc.h"
#include "hw/mem/pgtable.h"
#include "kernel/iommu/arm-smmu-v3/internal.h"

static struct sm_domain *find_domain(struct sm_os *os, uint32_t id)
{
	for (struct sm_domain *d = os->drv.domains; d; d = d->next)
		if (d->id == id)
			return d;
	return NULL;
}

int sm_drv_need_domain(struct sm_os *os, uint32_t id, struct sm_domain **out)
{
	*out = find_domain(os, id);
	return *out ? 0
		    : sm_os_no_such(os, "dom", id, "domain_create it first");
}

/* The lowest id in 1..65535 that no domain of `stage` uses (arm_smmu_
 * domain_finalise_s1's ASID, _s2's VMID allocators). */
uint32_t sm_drv_lowest_free_tag(const struct sm_os *os, unsigned stage)
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
		used[m->asid / 64] |= 1ull << (m->asid % 64);
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
		if ((rc = sm_drv_need_domain(os, parent, &par)) < 0)
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
		if (!(tag = sm_drv_lowest_free_tag(os, stage)))
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
			if (m->asid == tag)
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
