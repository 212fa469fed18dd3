/* SPDX-License-Identifier: MIT */
#include "hw/mem/xlate.h"

/* Out of line for the CPU's MMU (cpu.c): the SMMU inlines it. */
unsigned sm_xlate_walk(const struct sm_physmem *pm, struct sm_tcache *wc,
		       uint16_t vmid, uint32_t asid, uint64_t root, uint64_t va,
		       struct sm_walk *w, bool *wc_hit)
{
	return sm_xlate_walk_inline(pm, wc, vmid, asid, root, va, w, wc_hit);
}
