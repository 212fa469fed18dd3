/* SPDX-License-Identifier: MIT */
/*
 * The arm64 TLB flush routines (arch/arm64/include/asm/tlbflush.h), as the
 * kernel model uses them.
 *
 * Every flush is DSB ISHST (make the PTE stores visible to walkers), the
 * TLBIs, DSB ISH (wait until every receiver has completed them).  With the
 * 6.6 notifier placement the secondary-TLB hook runs from here, after the
 * TLBIs (as __flush_tlb_range and __flush_tlb_page_nosync do).
 *
 * This slice issues per-page TLBIs only (no FEAT_TLBIRANGE, no KPTI): a range
 * of policy.cpu.max_tlbi_ops pages or more becomes flush_tlb_mm, as
 * __flush_tlb_range does on a CPU without range support (MAX_TLBI_OPS =
 * PTRS_PER_PTE).
 */
#include "os/os.h"

#include "cpu/tlbi.h"

int sm_flush_tlb_mm(struct sm_os *os, struct sm_mm *mm, unsigned pe,
		    uint64_t *t)
{
	uint64_t t0 = *t;
	(*os->st_flush_mm)++;
	*t = sm_cpu_dsb_ishst(os->cpu, pe, *t);
	*t = sm_cpu_tlbi(os->cpu, pe, SM_TLBI_ASIDE1, true,
			 sm_tlbi_operand_asid(mm->asid), *t);
	*t = sm_cpu_dsb_ish(os->cpu, pe, *t);
	/* flush_tlb_mm passes (0, -1UL): "everything". */
	int rc = sm_mn_arch_invalidate_secondary_tlbs(os, mm, 0, UINT64_MAX, t);
	*os->st_flush_mm_cyc += *t - t0;
	return rc;
}

int sm_flush_tlb_page(struct sm_os *os, struct sm_mm *mm, unsigned pe,
		      uint64_t va, uint64_t *t)
{
	uint64_t t0 = *t, page = va & SM_PAGE_MASK;
	(*os->st_flush_page)++;
	*t = sm_cpu_dsb_ishst(os->cpu, pe, *t);
	*t = sm_cpu_tlbi(os->cpu, pe, SM_TLBI_VALE1, true,
			 sm_tlbi_operand_va(mm->asid, page, 0), *t);
	int rc = sm_mn_arch_invalidate_secondary_tlbs(os, mm, page,
						      page + SM_PAGE_SIZE, t);
	*t = sm_cpu_dsb_ish(os->cpu, pe, *t);
	*os->st_flush_page_cyc += *t - t0;
	return rc;
}

int sm_flush_tlb_range(struct sm_os *os, struct sm_mm *mm, unsigned pe,
		       uint64_t start, uint64_t end, bool last_level,
		       uint64_t *t)
{
	uint64_t t0 = *t;
	start &= SM_PAGE_MASK;
	end = (end + SM_PAGE_SIZE - 1) & SM_PAGE_MASK;
	uint64_t pages = (end - start) >> SM_PAGE_SHIFT;
	if (pages >= os->cpu_max_tlbi_ops)
		return sm_flush_tlb_mm(os, mm, pe, t);

	(*os->st_flush_range)++;
	*t = sm_cpu_dsb_ishst(os->cpu, pe, *t);
	enum sm_tlbi_op op = last_level ? SM_TLBI_VALE1 : SM_TLBI_VAE1;
	for (uint64_t va = start; va < end; va += SM_PAGE_SIZE)
		*t = sm_cpu_tlbi(os->cpu, pe, op, true,
				 sm_tlbi_operand_va(mm->asid, va, 0), *t);
	int rc = sm_mn_arch_invalidate_secondary_tlbs(os, mm, start, end, t);
	*t = sm_cpu_dsb_ish(os->cpu, pe, *t);
	*os->st_flush_range_cyc += *t - t0;
	return rc;
}
