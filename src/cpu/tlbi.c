/* SPDX-License-Identifier: MIT */
#include "cpu/tlbi.h"

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

void sm_tlbi_decode(enum sm_tlbi_op op, bool is, uint64_t operand,
		    struct sm_tlbi *out)
{
	*out = (struct sm_tlbi){.op = op, .is = is};
	switch (op) {
	case SM_TLBI_VAE1:
	case SM_TLBI_VALE1: {
		/* VA[55:12] from [43:0]; bits 63:56 of the VA are not in the
		 * operand (TBI), and user VAs are below 2^48, so the page
		 * address is the field shifted back. */
		out->va = (operand & TLBI_VADDR_MASK) << 12;
		out->ttl =
		    (unsigned)((operand & TLBI_TTL_MASK) >> TLBI_TTL_SHIFT);
		out->asid = (uint16_t)(operand >> TLBI_ASID_SHIFT);
		break;
	}
	case SM_TLBI_ASIDE1:
		out->asid = (uint16_t)(operand >> TLBI_ASID_SHIFT);
		break;
	case SM_TLBI_VMALLE1:
	case SM_TLBI_OP_COUNT_:
		break;
	}
}

const char *sm_tlbi_name(enum sm_tlbi_op op, bool is)
{
	static const char *const names[][2] = {
#define SM_TLBI_NAME_(n, s) {s, s "is"},
	    SM_TLBI_OPS(SM_TLBI_NAME_)
#undef SM_TLBI_NAME_
	};
	if (op >= SM_TLBI_OP_COUNT_)
		return "?";
	return names[op][is ? 1 : 0];
}
