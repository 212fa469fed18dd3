/* SPDX-License-Identifier: MIT */
/*
 * arm64 ASID allocation, modelled on arch/arm64/mm/context.c (new_context,
 * arm64_mm_context_get / arm64_mm_context_put) as of v6.6, without the
 * generation counter: ASIDs are handed out round-robin from a bitmap and
 * never rolled over, so running out is an error the user sees.
 */
#include <ck_bitmap.h>

#include <smmusim/error.h>

#include "base/alloc.h"
#include "engine/config.h"
#include "kernel/kernel.h"

int sm_asid_init(struct sm_os *os, const smmusim_config_t *cfg)
{
	struct sm_asid_state *as = &os->asid;
	/* ASIDs 1 .. 2^bits - 1; ASID 0 is reserved (Linux arm64 keeps it
	 * for init_mm and the reserved TTBR0). */
	as->count = 1u << sm_cfg_u64(cfg, SM_K_CPU_ASID_BITS);
	as->used = sm_calloc(os->alloc, ck_bitmap_size(as->count));
	if (!as->used)
		return sm_err(os->eb, SMMUSIM_ENOMEM, "out of memory");
	ck_bitmap_init((ck_bitmap_t *)as->used, as->count, false);
	ck_bitmap_set((ck_bitmap_t *)as->used, 0);
	as->next = os->cpu->kpti ? 2 : 1;
	return 0;
}

void sm_asid_fini(struct sm_os *os)
{
	if (os->asid.used)
		sm_free(os->alloc, os->asid.used,
			ck_bitmap_size(os->asid.count));
	os->asid.used = NULL;
}

int sm_asid_alloc(struct sm_os *os, uint16_t *asid)
{
	struct sm_asid_state *as = &os->asid;
	ck_bitmap_t *bm = (ck_bitmap_t *)as->used;
	/* With KPTI ASIDs come in pairs: the kernel one even, the user one
	 * odd (asid | 1, USER_ASID_BIT); only even ones are handed out. */
	uint32_t step = os->cpu->kpti ? 2 : 1;
	for (uint32_t n = 0; n < as->count; n++) {
		uint32_t a = as->next;
		as->next = a + step < as->count ? a + step : step;
		if (a % step)
			continue;
		if (!ck_bitmap_test(bm, a)) {
			ck_bitmap_set(bm, a);
			*asid = (uint16_t)a;
			return 0;
		}
	}
	return sm_err(os->eb, SMMUSIM_ERANGE,
		      "out of ASIDs (cpu.asid_bits gives %u); rollover is not "
		      "modelled",
		      as->count - 1);
}

void sm_asid_free(struct sm_os *os, uint16_t asid)
{
	ck_bitmap_reset((ck_bitmap_t *)os->asid.used, asid);
}

void sm_mm_context_get(struct sm_mm *mm)
{
	mm->asid_pins++;
}

void sm_mm_context_put(struct sm_os *os, struct sm_mm *mm)
{
	mm->asid_pins--;
	sm_os_put_asid(os, mm);
}

void sm_os_put_asid(struct sm_os *os, struct sm_mm *mm)
{
	if (!mm->live && !mm->asid_pins && mm->asid) {
		sm_asid_free(os, mm->asid);
		mm->asid = 0;
	}
}
