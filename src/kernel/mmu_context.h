/* SPDX-License-Identifier: MIT */
/*
 * arm64 ASIDs (arch/arm64/mm/context.c, arch/arm64/include/asm/
 * mmu_context.h): every mm gets one when it is created; SVA pins it
 * (arm64_mm_context_get) so that an SMMU context descriptor may name it.
 * Rollover is not modelled: running out of ASIDs is an error.  Code:
 * arm64/context.c.
 */
#ifndef SM_KERNEL_MMU_CONTEXT_H
#define SM_KERNEL_MMU_CONTEXT_H

#include <stdint.h>

#include <smmusim/config.h>

struct sm_os;
struct sm_mm;

/* The ASID allocator of the kernel object (struct sm_os.asid). */
struct sm_asid_state {
	uint8_t *used; /* ck_bitmap of ASIDs in use */
	uint32_t count, next;
};

int sm_asid_init(struct sm_os *os, const smmusim_config_t *cfg);
void sm_asid_fini(struct sm_os *os);
/* A free ASID for a new mm (with KPTI an even one: the pair's user half is
 * asid | 1). */
int sm_asid_alloc(struct sm_os *os, uint16_t *asid);
void sm_asid_free(struct sm_os *os, uint16_t asid);

/* arm64_mm_context_get / _put: SVA pins the mm's ASID while a CD names
 * it. */
void sm_mm_context_get(struct sm_mm *mm);
void sm_mm_context_put(struct sm_os *os, struct sm_mm *mm);
/* Free mm's ASID once it has exited and no SVA bond pins it. */
void sm_os_put_asid(struct sm_os *os, struct sm_mm *mm);

#endif
