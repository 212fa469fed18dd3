/* SPDX-License-Identifier: MIT */
#include "arch/tlbi.h"

#include <smmusim/error.h>

uint64_t sm_tlbi_operand_va(uint16_t asid, uint64_t va, unsigned ttl)
{
	return ((va >> 12) & TLBI_VADDR_MASK) |
	       ((uint64_t)(ttl & 0xf) << TLBI_TTL_SHIFT) |
	       ((uint64_t)asid << TLBI_ASID_SHIFT);
}

uint64_t sm_tlbi_operand_asid(uint16_t asid)
{
	return (uint64_t)asid << TLBI_ASID_SHIFT;
}

uint64_t sm_tlbi_operand_range(uint16_t asid, unsigned tg, unsigned scale,
			       unsigned num, unsigned ttl, uint64_t base)
{
	return ((base >> 12) & TLBIR_BADDR_MASK) |
	       ((uint64_t)(ttl & 3) << TLBIR_TTL_SHIFT) |
	       ((uint64_t)(num & 31) << TLBIR_NUM_SHIFT) |
	       ((uint64_t)(scale & 3) << TLBIR_SCALE_SHIFT) |
	       ((uint64_t)(tg & 3) << TLBIR_TG_SHIFT) |
	       ((uint64_t)asid << TLBI_ASID_SHIFT);
}

void sm_tlbi_decode(enum sm_tlbi_op op, bool is, uint64_t operand,
		    struct sm_tlbi *out)
{
	*out = (struct sm_tlbi){.op = op, .is = is};
	if (op == SM_TLBI_VMALLE1)
		return;
	out->asid = (uint16_t)(operand >> TLBI_ASID_SHIFT);
	if (op == SM_TLBI_ASIDE1)
		return;
	if (sm_tlbi_is_range(op)) {
		out->tg = (unsigned)(operand >> TLBIR_TG_SHIFT) & 3;
		out->scale = (unsigned)(operand >> TLBIR_SCALE_SHIFT) & 3;
		out->num = (unsigned)(operand >> TLBIR_NUM_SHIFT) & 31;
		out->ttl = (unsigned)(operand >> TLBIR_TTL_SHIFT) & 3;
		out->va = (operand & TLBIR_BADDR_MASK) << 12;
		out->pages = SM_TLBI_RANGE_PAGES(out->num, out->scale);
		/* TTL[1:0] of a range op is the level of the leaves. */
		out->level = out->ttl;
		out->no_effect = out->tg != SM_TLBI_TG_4K;
		return;
	}
	/* VA[55:12]; user VAs are below 2^48 and TBI bits are not in the
	 * operand, so the page address is the field shifted back. */
	out->va = (operand & TLBI_VADDR_MASK) << 12;
	out->pages = 1;
	out->ttl = (unsigned)((operand & TLBI_TTL_MASK) >> TLBI_TTL_SHIFT);
	unsigned tg = out->ttl >> 2, level = out->ttl & 3;
	if (tg == SM_TLBI_TG_4K && level >= 1) {
		out->level = level;
	} else if (tg != 0 && tg != SM_TLBI_TG_4K) {
		/* A hint for another granule: no 4K entry needs to go. */
		out->no_effect = true;
	}
	/* tg = 0 (no hint) and 4K with level 0 (reserved) invalidate at
	 * every level. */
}

int sm_tlbi_check(enum sm_tlbi_op op, uint64_t operand, const char **field,
		  const char **why)
{
	if (!sm_tlbi_is_range(op))
		return 0;
	unsigned tg = (unsigned)(operand >> TLBIR_TG_SHIFT) & 3;
	if (tg == 0) {
		*field = "tg";
		*why = "TG=0 is reserved in a range TLBI";
		return SMMUSIM_EINVAL;
	}
	if (tg != SM_TLBI_TG_4K) {
		*field = "tg";
		*why = "the translation granule in use is 4K (tg=1)";
		return SMMUSIM_EINVAL;
	}
	return 0;
}

const char *sm_tlbi_name(enum sm_tlbi_op op, bool is)
{
	static const char *const names[][2] = {
#define SM_TLBI_NAME_(n, s) {s, s "is"},
	    SM_TLBI_OPS(SM_TLBI_NAME_)
#undef SM_TLBI_NAME_
	};
	if ((unsigned)op >= SM_TLBI_OP_COUNT_)
		return "?";
	return names[op][is ? 1 : 0];
}
