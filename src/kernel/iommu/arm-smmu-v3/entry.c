/* SPDX-License-Identifier: MIT */
/*
 * STE / CD used bits and the Linux driver's hitless / breaking entry writer.
 * See entry.h for the algorithm and the Linux version it follows.
 */
#include "kernel/iommu/arm-smmu-v3/entry.h"

#include <string.h>

#include "arch/smmu_regs.h"

/* Values Linux's builders put in fields we have no named constant for. */
#define SM_SH_ISH 3   /* ARM_SMMU_SH_ISH / ARM_LPAE_TCR_SH_IS */
#define SM_RGN_WBWA 1 /* ARM_LPAE_TCR_RGN_WBWA */
#define SM_TG0_4K 0   /* ARM_LPAE_TCR_TG0_4K */

void sm_ste_used(const uint64_t ste[SM_ENTRY_QWORDS],
		 uint64_t used[SM_ENTRY_QWORDS])
{
	unsigned cfg = (unsigned)sm_field_get(STRTAB_STE_0_CFG, ste[0]);

	memset(used, 0, SM_ENTRY_QWORDS * sizeof(used[0]));
	used[0] = STRTAB_STE_0_V;
	if (!(ste[0] & STRTAB_STE_0_V))
		return;
	used[0] |= STRTAB_STE_0_CFG;

	/* Config bit 0: stage 1 translates (S1 and nested). */
	if (cfg & 1) {
		used[0] |= STRTAB_STE_0_S1FMT | STRTAB_STE_0_S1CTXPTR_MASK |
			   STRTAB_STE_0_S1CDMAX;
		used[1] |= STRTAB_STE_1_S1DSS | STRTAB_STE_1_S1CIR |
			   STRTAB_STE_1_S1COR | STRTAB_STE_1_S1CSH |
			   STRTAB_STE_1_S1STALLD | STRTAB_STE_1_STRW |
			   STRTAB_STE_1_EATS | STRTAB_STE_1_MEV;
		used[2] |= STRTAB_STE_2_S2VMID;
		/* Non-substream traffic bypassing stage 1 takes SHCFG (spec
		 * 13.5, attribute/permission configuration fields). */
		if (sm_field_get(STRTAB_STE_1_S1DSS, ste[1]) ==
		    STRTAB_STE_1_S1DSS_BYPASS)
			used[1] |= STRTAB_STE_1_SHCFG;
	}

	/* Config bit 1: stage 2 translates (S2 and nested). */
	if (cfg & 2) {
		used[1] |= STRTAB_STE_1_S2FWB | STRTAB_STE_1_EATS |
			   STRTAB_STE_1_SHCFG | STRTAB_STE_1_MEV;
		used[2] |= STRTAB_STE_2_S2VMID | STRTAB_STE_2_VTCR |
			   STRTAB_STE_2_S2AA64 | STRTAB_STE_2_S2ENDI |
			   STRTAB_STE_2_S2PTW | STRTAB_STE_2_S2S |
			   STRTAB_STE_2_S2R;
		used[3] |= STRTAB_STE_3_S2TTB_MASK;
	}

	if (cfg == STRTAB_STE_0_CFG_BYPASS)
		used[1] |= STRTAB_STE_1_SHCFG;
}

void sm_cd_used(const uint64_t cd[SM_ENTRY_QWORDS],
		uint64_t used[SM_ENTRY_QWORDS])
{
	memset(used, 0, SM_ENTRY_QWORDS * sizeof(used[0]));
	used[0] = CTXDESC_CD_0_V;
	if (!(cd[0] & CTXDESC_CD_0_V))
		return;
	/* A valid CD: every bit counts ... */
	memset(used, 0xff, SM_ENTRY_QWORDS * sizeof(used[0]));
	/* ... except that EPD0 makes the TTB0 walk parameters IGNORED. */
	if (cd[0] & CTXDESC_CD_0_TCR_EPD0) {
		used[0] &= ~(CTXDESC_CD_0_TCR_T0SZ | CTXDESC_CD_0_TCR_TG0 |
			     CTXDESC_CD_0_TCR_IRGN0 | CTXDESC_CD_0_TCR_ORGN0 |
			     CTXDESC_CD_0_TCR_SH0);
		used[1] &= ~CTXDESC_CD_1_TTB0_MASK;
	}
}

void sm_ste_update_safe(const uint64_t cur[SM_ENTRY_QWORDS],
			const uint64_t target[SM_ENTRY_QWORDS],
			uint64_t safe[SM_ENTRY_QWORDS])
{
	const uint64_t eats_s1chk =
	    sm_field_prep(STRTAB_STE_1_EATS, STRTAB_STE_1_EATS_S1CHK);
	const uint64_t eats_trans =
	    sm_field_prep(STRTAB_STE_1_EATS, STRTAB_STE_1_EATS_TRANS);

	memset(safe, 0, SM_ENTRY_QWORDS * sizeof(safe[0]));
	/* EATS_TRANS may flip in any order: the driver disables ATS at the
	 * device around the change.  Not with S1CHK (0b11 would be a bad
	 * value on the way) nor with S2S (S2S=1 with EATS=1 on the way is a
	 * bad STE, spec 5.2). */
	if (!((cur[1] | target[1]) & eats_s1chk) &&
	    !((cur[2] | target[2]) & STRTAB_STE_2_S2S))
		safe[1] |= eats_trans;
	/* MEV only changes how many event records are merged; the SMMU may
	 * merge even with MEV=0. */
	safe[1] |= STRTAB_STE_1_MEV;
}

/*
 * Per word, the value the entry can take now without changing anything the
 * SMMU reads in its current configuration (the bits it ignores, plus the
 * safe ones, take the target's value), and a bitmap of the words whose bits
 * used by the target still differ after that.
 */
static unsigned qword_diff(const struct sm_entry_writer_ops *ops,
			   const uint64_t *entry, const uint64_t *target,
			   uint64_t *unused_update)
{
	uint64_t cur_used[SM_ENTRY_QWORDS], target_used[SM_ENTRY_QWORDS];
	uint64_t safe[SM_ENTRY_QWORDS] = {0};
	unsigned diff = 0;

	ops->used(entry, cur_used);
	ops->used(target, target_used);
	if (ops->safe)
		ops->safe(entry, target, safe);

	for (unsigned i = 0; i < SM_ENTRY_QWORDS; i++) {
		/* A safe bit counts only if both configurations read it;
		 * otherwise the unused-bit ordering already covers it. */
		uint64_t cu =
		    cur_used[i] & ~(safe[i] & target_used[i] & cur_used[i]);

		unused_update[i] = (entry[i] & cu) | (target[i] & ~cu);
		if ((unused_update[i] & target_used[i]) != target[i])
			diff |= 1u << i;
	}
	return diff;
}

struct writer {
	uint64_t *entry;
	const struct sm_entry_writer_ops *ops;
	void *ctx;
	unsigned syncs;
	bool broke;
};

static void entry_set(struct writer *w, const uint64_t *val, unsigned start,
		      unsigned len)
{
	bool changed = false;

	for (unsigned i = start; i < start + len; i++) {
		if (w->entry[i] != val[i]) {
			w->entry[i] = val[i];
			changed = true;
		}
	}
	if (!changed)
		return;

	/* What the SMMU may fetch after this sync: is it invalid? */
	uint64_t used[SM_ENTRY_QWORDS];

	w->ops->used(w->entry, used);
	if (!(w->entry[0] & used[0]))
		w->broke = true;
	w->syncs++;
	w->ops->sync(w->ctx);
}

/* Words 1.. first, then word 0 with V: what the SMMU may fetch between
 * the two syncs is the old (or invalid) word 0 over complete other words.
 * Linux's breaking update and 6.1's "bypass/fault -> translation" STE
 * and new CD both end this way. */
static void entry_set_rest_then_word0(struct writer *w, const uint64_t *target)
{
	entry_set(w, target, 1, SM_ENTRY_QWORDS - 1);
	entry_set(w, target, 0, 1);
}

/* The writer's result: how many syncs, and whether the entry was invalid
 * in between. */
static unsigned writer_done(const struct writer *w, bool *broke)
{
	if (broke)
		*broke = w->broke;
	return w->syncs;
}

unsigned sm_entry_write(uint64_t entry[SM_ENTRY_QWORDS],
			const uint64_t target[SM_ENTRY_QWORDS],
			const struct sm_entry_writer_ops *ops, void *ctx,
			bool *broke)
{
	uint64_t unused_update[SM_ENTRY_QWORDS];
	struct writer w = {.entry = entry, .ops = ops, .ctx = ctx};
	unsigned diff = qword_diff(ops, entry, target, unused_update);

	if (diff && !(diff & (diff - 1))) {
		/* Hitless: one critical word. */
		unsigned crit = (unsigned)__builtin_ctz(diff);

		/* The critical word is written whole in the next step; leave
		 * it alone here (saves a sync when only it changes). */
		unused_update[crit] = entry[crit];
		entry_set(&w, unused_update, 0, SM_ENTRY_QWORDS);
		entry_set(&w, target, crit, 1);
		entry_set(&w, target, 0, SM_ENTRY_QWORDS);
	} else if (diff) {
		/* Breaking: V=0 (the whole of word 0, as Linux does), the
		 * other words, then word 0. */
		unused_update[0] = 0;
		entry_set(&w, unused_update, 0, 1);
		entry_set_rest_then_word0(&w, target);
	} else {
		/* No used bit changes; only ignored or safe bits may. */
		entry_set(&w, target, 0, SM_ENTRY_QWORDS);
	}
	return writer_done(&w, broke);
}

/*
 * Linux 6.1's writers (drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c of
 * 6.1.192; the same through 6.8): no used-bit analysis, one fixed order.
 * A translating target over an entry the SMMU does not translate with
 * (arm_smmu_write_strtab_ent's "bypass/fault -> translation": dwords 1-3,
 * sync, dword 0, sync; arm_smmu_write_ctx_desc's new CD: dwords 1-3, sync,
 * dword 0 with V, sync) takes two steps; anything else is written at once
 * with one sync (an abort or bypass STE, arm_smmu_write_ctx_desc's cases
 * 3-5 on a live CD: only dword 0 changes there).  6.1 never rewrites a
 * translating STE in place (BUG_ON(ste_live)): its attach makes the STE
 * abort first (arm_smmu_detach_dev), so the caller does too.
 */
static unsigned write_v61(uint64_t entry[SM_ENTRY_QWORDS],
			  const uint64_t target[SM_ENTRY_QWORDS], bool cur_live,
			  bool target_live,
			  const struct sm_entry_writer_ops *ops, void *ctx,
			  bool *broke)
{
	struct writer w = {.entry = entry, .ops = ops, .ctx = ctx};

	if (target_live && !cur_live)
		entry_set_rest_then_word0(&w, target);
	else
		entry_set(&w, target, 0, SM_ENTRY_QWORDS);
	return writer_done(&w, broke);
}

/* An STE the SMMU translates with: stage 1, stage 2 or nested (Config
 * 0b101, 0b110, 0b111; 6.1's ste_live). */
static bool ste_translates(const uint64_t ste[SM_ENTRY_QWORDS])
{
	return (ste[0] & STRTAB_STE_0_V) &&
	       (sm_field_get(STRTAB_STE_0_CFG, ste[0]) & 3);
}

unsigned sm_ste_write_v61(uint64_t entry[SM_ENTRY_QWORDS],
			  const uint64_t target[SM_ENTRY_QWORDS],
			  const struct sm_entry_writer_ops *ops, void *ctx,
			  bool *broke)
{
	return write_v61(entry, target, ste_translates(entry),
			 ste_translates(target), ops, ctx, broke);
}

unsigned sm_cd_write_v61(uint64_t entry[SM_ENTRY_QWORDS],
			 const uint64_t target[SM_ENTRY_QWORDS],
			 const struct sm_entry_writer_ops *ops, void *ctx,
			 bool *broke)
{
	return write_v61(entry, target, entry[0] & CTXDESC_CD_0_V,
			 target[0] & CTXDESC_CD_0_V, ops, ctx, broke);
}

/* Builders. */

void sm_ste_make_abort(uint64_t ste[SM_ENTRY_QWORDS])
{
	memset(ste, 0, SM_ENTRY_QWORDS * sizeof(ste[0]));
	ste[0] = STRTAB_STE_0_V |
		 sm_field_prep(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_ABORT);
}

void sm_ste_make_bypass(uint64_t ste[SM_ENTRY_QWORDS])
{
	memset(ste, 0, SM_ENTRY_QWORDS * sizeof(ste[0]));
	ste[0] = STRTAB_STE_0_V |
		 sm_field_prep(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_BYPASS);
	ste[1] = sm_field_prep(STRTAB_STE_1_SHCFG, STRTAB_STE_1_SHCFG_INCOMING);
}

void sm_ste_make_cdtable(uint64_t ste[SM_ENTRY_QWORDS], uint64_t cdtab_pa,
			 unsigned s1fmt, unsigned s1cdmax, unsigned s1dss,
			 unsigned flags)
{
	memset(ste, 0, SM_ENTRY_QWORDS * sizeof(ste[0]));
	ste[0] = STRTAB_STE_0_V |
		 sm_field_prep(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_S1_TRANS) |
		 sm_field_prep(STRTAB_STE_0_S1FMT, s1fmt) |
		 (cdtab_pa & STRTAB_STE_0_S1CTXPTR_MASK) |
		 sm_field_prep(STRTAB_STE_0_S1CDMAX, s1cdmax);

	ste[1] =
	    sm_field_prep(STRTAB_STE_1_S1DSS, s1dss) |
	    sm_field_prep(STRTAB_STE_1_S1CIR, STRTAB_STE_1_S1C_CACHE_WBRA) |
	    sm_field_prep(STRTAB_STE_1_S1COR, STRTAB_STE_1_S1C_CACHE_WBRA) |
	    sm_field_prep(STRTAB_STE_1_S1CSH, SM_SH_ISH) |
	    sm_field_prep(STRTAB_STE_1_EATS, (flags & SM_ENTRY_F_ATS)
						 ? STRTAB_STE_1_EATS_TRANS
						 : STRTAB_STE_1_EATS_ABT);
	/* Stall faults disabled unless the master may stall. */
	if (!(flags & (SM_ENTRY_F_STALL | SM_ENTRY_F_NO_STALLS)))
		ste[1] |= STRTAB_STE_1_S1STALLD;
	if (s1dss == STRTAB_STE_1_S1DSS_BYPASS)
		ste[1] |= sm_field_prep(STRTAB_STE_1_SHCFG,
					STRTAB_STE_1_SHCFG_INCOMING);
	if (flags & SM_ENTRY_F_E2H) {
		/* EL2-E2H stream world so BTM matches the kernel's TLBIs. */
		ste[1] |=
		    sm_field_prep(STRTAB_STE_1_STRW, STRTAB_STE_1_STRW_EL2);
	} else {
		/* NS-EL1; VMID 0 is kept for stage-2-bypass EL1 STEs. */
		ste[1] |=
		    sm_field_prep(STRTAB_STE_1_STRW, STRTAB_STE_1_STRW_NSEL1);
		ste[2] = sm_field_prep(STRTAB_STE_2_S2VMID, 0);
	}
}

void sm_ste_make_s2(uint64_t ste[SM_ENTRY_QWORDS], uint16_t vmid,
		    uint64_t s2ttb, uint64_t vtcr, unsigned flags)
{
	memset(ste, 0, SM_ENTRY_QWORDS * sizeof(ste[0]));
	ste[0] = STRTAB_STE_0_V |
		 sm_field_prep(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_S2_TRANS);
	ste[1] = sm_field_prep(STRTAB_STE_1_EATS, (flags & SM_ENTRY_F_ATS)
						      ? STRTAB_STE_1_EATS_TRANS
						      : STRTAB_STE_1_EATS_ABT) |
		 sm_field_prep(STRTAB_STE_1_SHCFG, STRTAB_STE_1_SHCFG_INCOMING);
	ste[2] = sm_field_prep(STRTAB_STE_2_S2VMID, vmid) |
		 sm_field_prep(STRTAB_STE_2_VTCR, vtcr) | STRTAB_STE_2_S2AA64 |
		 STRTAB_STE_2_S2PTW | STRTAB_STE_2_S2R;
	if (flags & SM_ENTRY_F_STALL)
		ste[2] |= STRTAB_STE_2_S2S;
	ste[3] = s2ttb & STRTAB_STE_3_S2TTB_MASK;
}

void sm_ste_make_nested(uint64_t ste[SM_ENTRY_QWORDS],
			const uint64_t s1[SM_ENTRY_QWORDS],
			const uint64_t s2[SM_ENTRY_QWORDS])
{
	uint64_t w0 = s1[0] & ~STRTAB_STE_0_CFG;
	uint64_t w1 = s1[1] | s2[1];

	ste[0] = w0 | sm_field_prep(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_NESTED);
	/* Merge events: a guest's faulting device must not flood the host's
	 * event queue. */
	ste[1] = w1 | STRTAB_STE_1_MEV;
	for (unsigned i = 2; i < SM_ENTRY_QWORDS; i++)
		ste[i] = s2[i];
}

static uint64_t cd_word0_common(uint16_t asid, unsigned flags)
{
	uint64_t w0 = CTXDESC_CD_0_TCR_EPD1 | CTXDESC_CD_0_V |
		      CTXDESC_CD_0_AA64 | CTXDESC_CD_0_R | CTXDESC_CD_0_A |
		      sm_field_prep(CTXDESC_CD_0_ASID, asid);

	if (flags & SM_ENTRY_F_STALL)
		w0 |= CTXDESC_CD_0_S;
	if (flags & SM_ENTRY_F_HTTU)
		w0 |= CTXDESC_CD_0_TCR_HA | CTXDESC_CD_0_TCR_HD;
	return w0;
}

void sm_cd_make_s1(uint64_t cd[SM_ENTRY_QWORDS], uint16_t asid, uint64_t ttb0,
		   uint64_t tcr, uint64_t mair, unsigned flags)
{
	memset(cd, 0, SM_ENTRY_QWORDS * sizeof(cd[0]));
	/* Private ASIDs are never shared with the CPU: always ASET. */
	cd[0] = cd_word0_common(asid, flags) | CTXDESC_CD_0_ASET |
		(tcr & (CTXDESC_CD_0_TCR_T0SZ | CTXDESC_CD_0_TCR_TG0 |
			CTXDESC_CD_0_TCR_IRGN0 | CTXDESC_CD_0_TCR_ORGN0 |
			CTXDESC_CD_0_TCR_SH0 | CTXDESC_CD_0_TCR_IPS));
	cd[1] = ttb0 & CTXDESC_CD_1_TTB0_MASK;
	cd[3] = mair;
}

static void cd_make_sva_common(uint64_t cd[SM_ENTRY_QWORDS], uint16_t asid,
			       unsigned ips, uint64_t mair, unsigned flags)
{
	memset(cd, 0, SM_ENTRY_QWORDS * sizeof(cd[0]));
	cd[0] = cd_word0_common(asid, flags) |
		sm_field_prep(CTXDESC_CD_0_TCR_IPS, ips);
	if (!(flags & SM_ENTRY_F_BTM))
		cd[0] |= CTXDESC_CD_0_ASET;
	cd[3] = mair;
}

void sm_cd_make_sva(uint64_t cd[SM_ENTRY_QWORDS], uint16_t asid, uint64_t pgd,
		    unsigned va_bits, unsigned ips, uint64_t mair,
		    unsigned flags)
{
	cd_make_sva_common(cd, asid, ips, mair, flags);
	cd[0] |= sm_cd_tcr(64 - va_bits, SM_TG0_4K, SM_RGN_WBWA, SM_RGN_WBWA,
			   SM_SH_ISH, 0);
	cd[1] = pgd & CTXDESC_CD_1_TTB0_MASK;
}

void sm_cd_make_sva_release(uint64_t cd[SM_ENTRY_QWORDS], uint16_t asid,
			    unsigned ips, uint64_t mair, unsigned flags)
{
	cd_make_sva_common(cd, asid, ips, mair, flags);
	/* Fault everything: no TTB0 walk. */
	cd[0] |= CTXDESC_CD_0_TCR_EPD0;
	/* Abort at once rather than stall when the SMMU allows it: nobody is
	 * left to resolve the faults. */
	if (!(flags & SM_ENTRY_F_STALL_FORCE))
		cd[0] &= ~(CTXDESC_CD_0_S | CTXDESC_CD_0_R);
}

void sm_cd_clear(uint64_t cd[SM_ENTRY_QWORDS])
{
	memset(cd, 0, SM_ENTRY_QWORDS * sizeof(cd[0]));
}
