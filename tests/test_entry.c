/* SPDX-License-Identifier: MIT */
/*
 * Tests for src/kernel/iommu/arm-smmu-v3/entry.c: STE / CD used bits and the
 * hitless / breaking entry writer.
 *
 * The 24 transition tests reproduce Linux's KUnit suite
 * drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3-test.c as of v6.19 / v7.0-rc
 * (the version with the nested cases and get_update_safe; the 24
 * arm_smmu_v3_write_{ste,cd}_test_* cases, same names below): each entry is
 * built the way that suite builds it (its SMMU has STALLS and
 * ATTR_TYPES_OVR, no E2H / STALL_FORCE / HTTU), and each transition must take
 * the suite's number of syncs, write V=0 exactly in its non-hitless cases,
 * and end equal to the target.  At every sync where the entry is valid it
 * must equal the old or the new entry on the bits the SMMU reads, checked
 * two ways: as the KUnit suite does (bits used by the entry as it now is,
 * less the safe bits), and strictly (the old entry on the old entry's used
 * bits, or the new entry on the new one's, less the safe bits both use).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "kernel/iommu/arm-smmu-v3/entry.h"
#include "arch/smmu_regs.h"

#define Q SM_ENTRY_QWORDS

/* KUnit master features (ARM_SMMU_MASTER_TEST_*). */
#define T_ATS SM_ENTRY_F_ATS
#define T_STALL SM_ENTRY_F_STALL
#define T_NESTED (1u << 16)

static const uint64_t fake_cdtab = 0xF0F0F0F0F0F0ull;
static const uint64_t fake_ttb = 0xdaedbeefdeadbeefull;
static const uint64_t fake_mair = 0xabcdef012345678ull;
static const uint64_t fake_pgd = 0x0000beefdead0000ull;

struct test_writer {
	const struct sm_entry_writer_ops *ops;
	const uint64_t *init;
	const uint64_t *target;
	const uint64_t *entry;
	unsigned syncs;
	bool invalid_seen;
	unsigned unsafe_kunit;	/* syncs failing the KUnit check */
	unsigned unsafe_strict; /* syncs failing the strict check */
};

static bool differs(const uint64_t *entry, const uint64_t *used,
		    const uint64_t *ref, const uint64_t *safe)
{
	for (unsigned i = 0; i < Q; i++) {
		uint64_t m = used[i] & ~safe[i];

		if ((entry[i] & m) != (ref[i] & m))
			return true;
	}
	return false;
}

static void get_safe(const struct sm_entry_writer_ops *ops, const uint64_t *a,
		     const uint64_t *b, uint64_t *safe)
{
	memset(safe, 0, Q * sizeof(safe[0]));
	if (ops->safe)
		ops->safe(a, b, safe);
}

static void record_sync(void *ctx)
{
	struct test_writer *tw = ctx;
	const struct sm_entry_writer_ops *ops = tw->ops;
	uint64_t used[Q], safe_init[Q], safe_target[Q];

	tw->syncs++;
	ops->used(tw->entry, used);
	if (!(tw->entry[0] & used[0])) {
		/* V=0: the SMMU sees an invalid entry (no hit at all). */
		tw->invalid_seen = true;
		return;
	}

	/* Linux KUnit: on the bits the entry now uses, it is the initial or
	 * the target entry. */
	get_safe(ops, tw->entry, tw->init, safe_init);
	get_safe(ops, tw->entry, tw->target, safe_target);
	if (differs(tw->entry, used, tw->init, safe_init) &&
	    differs(tw->entry, used, tw->target, safe_target))
		tw->unsafe_kunit++;

	/* Strict: it is the initial entry on the initial entry's used bits,
	 * or the target on the target's. */
	uint64_t used_init[Q], used_target[Q], safe[Q];

	ops->used(tw->init, used_init);
	ops->used(tw->target, used_target);
	get_safe(ops, tw->init, tw->target, safe);
	for (unsigned i = 0; i < Q; i++)
		safe[i] &= used_init[i] & used_target[i];
	if (differs(tw->entry, used_init, tw->init, safe) &&
	    differs(tw->entry, used_target, tw->target, safe))
		tw->unsafe_strict++;
}

static const struct sm_entry_writer_ops ste_ops = {
    .used = sm_ste_used,
    .sync = record_sync,
    .safe = sm_ste_update_safe,
};

static const struct sm_entry_writer_ops cd_ops = {
    .used = sm_cd_used,
    .sync = record_sync,
};

/* Write @cur -> @target; check the sync count, V=0 iff !@hitless, safety at
 * every sync and the final value. */
static void expect_transition(const struct sm_entry_writer_ops *ops,
			      const uint64_t *cur, const uint64_t *target,
			      unsigned syncs, bool hitless)
{
	uint64_t entry[Q];
	struct test_writer tw = {
	    .ops = ops, .init = cur, .target = target, .entry = entry};
	bool broke = !hitless;

	memcpy(entry, cur, sizeof(entry));
	unsigned n = sm_entry_write(entry, target, ops, &tw, &broke);

	assert_int_equal(n, syncs);
	assert_int_equal(tw.syncs, syncs);
	assert_int_equal(broke, !hitless);
	assert_int_equal(tw.invalid_seen, !hitless);
	assert_int_equal(tw.unsafe_kunit, 0);
	assert_int_equal(tw.unsafe_strict, 0);
	assert_memory_equal(entry, target, sizeof(entry));
}

static void expect_hitless(const struct sm_entry_writer_ops *ops,
			   const uint64_t *cur, const uint64_t *target,
			   unsigned syncs)
{
	expect_transition(ops, cur, target, syncs, true);
}

static void expect_non_hitless(const struct sm_entry_writer_ops *ops,
			       const uint64_t *cur, const uint64_t *target,
			       unsigned syncs)
{
	expect_transition(ops, cur, target, syncs, false);
}

/* Entries built as the KUnit suite builds them. */

static uint64_t abort_ste[Q], bypass_ste[Q];

static int setup(void **state)
{
	(void)state;
	sm_ste_make_abort(abort_ste);
	sm_ste_make_bypass(bypass_ste);
	return 0;
}

static void make_s2_ste(uint64_t *ste, unsigned feat)
{
	/* vtcr: tsz 4, sl 3, irgn 2, orgn 1, sh 3, tg 2, ps 1 */
	sm_ste_make_s2(ste, 0, fake_ttb, sm_ste_vtcr(4, 3, 2, 1, 3, 2, 1),
		       feat & (T_ATS | T_STALL));
}

static void make_cdtable_ste(uint64_t *ste, unsigned s1dss, uint64_t cdtab,
			     unsigned feat)
{
	sm_ste_make_cdtable(ste, cdtab, STRTAB_STE_0_S1FMT_64K_L2, 0xff, s1dss,
			    feat & (T_ATS | T_STALL));
	if (feat & T_NESTED) {
		uint64_t s2[Q];

		make_s2_ste(s2, feat & ~T_NESTED);
		sm_ste_make_nested(ste, ste, s2);
	}
}

static void make_s1_cd(uint64_t *cd, uint16_t asid)
{
	/* tcr: tsz 4, tg 2, irgn 2, orgn 1, sh 3, ips 1 */
	sm_cd_make_s1(cd, asid, fake_ttb, sm_cd_tcr(4, 2, 2, 1, 3, 1),
		      fake_mair, 0);
}

static void make_sva_cd(uint64_t *cd, uint16_t asid)
{
	sm_cd_make_sva(cd, asid, fake_pgd, 48, 5, fake_mair, 0);
}

static void make_sva_release_cd(uint64_t *cd, uint16_t asid)
{
	sm_cd_make_sva_release(cd, asid, 5, fake_mair, 0);
}

/* The 24 KUnit cases. */

static void write_ste_test_bypass_to_abort(void **state)
{
	(void)state;
	/* SHCFG in word 1 is cleaned up after word 0 turns into abort. */
	expect_hitless(&ste_ops, bypass_ste, abort_ste, 2);
}

static void write_ste_test_abort_to_bypass(void **state)
{
	(void)state;
	expect_hitless(&ste_ops, abort_ste, bypass_ste, 2);
}

static void write_ste_test_cdtable_to_abort(void **state)
{
	uint64_t ste[Q];

	(void)state;
	make_cdtable_ste(ste, STRTAB_STE_1_S1DSS_SSID0, fake_cdtab, T_ATS);
	expect_hitless(&ste_ops, ste, abort_ste, 2);
}

static void write_ste_test_abort_to_cdtable(void **state)
{
	uint64_t ste[Q];

	(void)state;
	make_cdtable_ste(ste, STRTAB_STE_1_S1DSS_SSID0, fake_cdtab, T_ATS);
	expect_hitless(&ste_ops, abort_ste, ste, 2);
}

static void write_ste_test_cdtable_to_bypass(void **state)
{
	uint64_t ste[Q];

	(void)state;
	make_cdtable_ste(ste, STRTAB_STE_1_S1DSS_SSID0, fake_cdtab, T_ATS);
	expect_hitless(&ste_ops, ste, bypass_ste, 3);
}

static void write_ste_test_bypass_to_cdtable(void **state)
{
	uint64_t ste[Q];

	(void)state;
	make_cdtable_ste(ste, STRTAB_STE_1_S1DSS_SSID0, fake_cdtab, T_ATS);
	expect_hitless(&ste_ops, bypass_ste, ste, 3);
}

static void write_ste_test_cdtable_s1dss_change(void **state)
{
	uint64_t ste[Q], s1dss_bypass[Q];

	(void)state;
	make_cdtable_ste(ste, STRTAB_STE_1_S1DSS_SSID0, fake_cdtab, T_ATS);
	make_cdtable_ste(s1dss_bypass, STRTAB_STE_1_S1DSS_BYPASS, fake_cdtab,
			 T_ATS);
	/* Only word 1 changes: one write. */
	expect_hitless(&ste_ops, ste, s1dss_bypass, 1);
	expect_hitless(&ste_ops, s1dss_bypass, ste, 1);
}

static void write_ste_test_s1dssbypass_to_stebypass(void **state)
{
	uint64_t s1dss_bypass[Q];

	(void)state;
	make_cdtable_ste(s1dss_bypass, STRTAB_STE_1_S1DSS_BYPASS, fake_cdtab,
			 T_ATS);
	expect_hitless(&ste_ops, s1dss_bypass, bypass_ste, 2);
}

static void write_ste_test_stebypass_to_s1dssbypass(void **state)
{
	uint64_t s1dss_bypass[Q];

	(void)state;
	make_cdtable_ste(s1dss_bypass, STRTAB_STE_1_S1DSS_BYPASS, fake_cdtab,
			 T_ATS);
	expect_hitless(&ste_ops, bypass_ste, s1dss_bypass, 2);
}

static void write_ste_test_s2_to_abort(void **state)
{
	uint64_t ste[Q];

	(void)state;
	make_s2_ste(ste, T_ATS);
	expect_hitless(&ste_ops, ste, abort_ste, 2);
}

static void write_ste_test_abort_to_s2(void **state)
{
	uint64_t ste[Q];

	(void)state;
	make_s2_ste(ste, T_ATS);
	expect_hitless(&ste_ops, abort_ste, ste, 2);
}

static void write_ste_test_s2_to_bypass(void **state)
{
	uint64_t ste[Q];

	(void)state;
	make_s2_ste(ste, T_ATS);
	expect_hitless(&ste_ops, ste, bypass_ste, 2);
}

static void write_ste_test_bypass_to_s2(void **state)
{
	uint64_t ste[Q];

	(void)state;
	make_s2_ste(ste, T_ATS);
	expect_hitless(&ste_ops, bypass_ste, ste, 2);
}

static void write_ste_test_s1_to_s2(void **state)
{
	uint64_t s1[Q], s2[Q];

	(void)state;
	make_cdtable_ste(s1, STRTAB_STE_1_S1DSS_SSID0, fake_cdtab, T_ATS);
	make_s2_ste(s2, T_ATS);
	expect_hitless(&ste_ops, s1, s2, 3);
}

static void write_ste_test_s2_to_s1(void **state)
{
	uint64_t s1[Q], s2[Q];

	(void)state;
	make_cdtable_ste(s1, STRTAB_STE_1_S1DSS_SSID0, fake_cdtab, T_ATS);
	make_s2_ste(s2, T_ATS);
	expect_hitless(&ste_ops, s2, s1, 3);
}

static void write_ste_test_non_hitless(void **state)
{
	uint64_t ste[Q], ste_2[Q];

	(void)state;
	/* CD table pointer (word 0) and S1DSS (word 1) both change. */
	make_cdtable_ste(ste, STRTAB_STE_1_S1DSS_SSID0, fake_cdtab, T_ATS);
	make_cdtable_ste(ste_2, STRTAB_STE_1_S1DSS_BYPASS, 0x4B4B4b4B4Bull,
			 T_ATS);
	expect_non_hitless(&ste_ops, ste, ste_2, 3);
}

static void write_cd_test_s1_clear(void **state)
{
	uint64_t cd[Q], cd_2[Q];

	(void)state;
	sm_cd_clear(cd);
	make_s1_cd(cd_2, 1997);
	expect_non_hitless(&cd_ops, cd, cd_2, 2);
	expect_non_hitless(&cd_ops, cd_2, cd, 2);
}

static void write_cd_test_s1_change_asid(void **state)
{
	uint64_t cd[Q], cd_2[Q];

	(void)state;
	make_s1_cd(cd, 778);
	make_s1_cd(cd_2, 1997);
	expect_hitless(&cd_ops, cd, cd_2, 1);
	expect_hitless(&cd_ops, cd_2, cd, 1);
}

static void write_ste_test_s1_to_s2_stall(void **state)
{
	uint64_t s1[Q], s2[Q];

	(void)state;
	make_cdtable_ste(s1, STRTAB_STE_1_S1DSS_SSID0, fake_cdtab, T_STALL);
	make_s2_ste(s2, T_STALL);
	expect_hitless(&ste_ops, s1, s2, 3);
}

static void write_ste_test_s2_to_s1_stall(void **state)
{
	uint64_t s1[Q], s2[Q];

	(void)state;
	make_cdtable_ste(s1, STRTAB_STE_1_S1DSS_SSID0, fake_cdtab, T_STALL);
	make_s2_ste(s2, T_STALL);
	expect_hitless(&ste_ops, s2, s1, 3);
}

static void write_ste_test_nested_s1dssbypass_to_s1bypass(void **state)
{
	uint64_t s1[Q], s2[Q];

	(void)state;
	make_cdtable_ste(s1, STRTAB_STE_1_S1DSS_BYPASS, fake_cdtab,
			 T_ATS | T_NESTED);
	make_s2_ste(s2, 0);
	/* One more sync to clear the bits stage 2 alone ignores. */
	expect_hitless(&ste_ops, s1, s2, 3);
}

static void write_ste_test_nested_s1bypass_to_s1dssbypass(void **state)
{
	uint64_t s1[Q], s2[Q];

	(void)state;
	make_cdtable_ste(s1, STRTAB_STE_1_S1DSS_BYPASS, fake_cdtab,
			 T_ATS | T_NESTED);
	make_s2_ste(s2, 0);
	expect_hitless(&ste_ops, s2, s1, 2);
}

static void write_cd_test_sva_clear(void **state)
{
	uint64_t cd[Q], cd_2[Q];

	(void)state;
	sm_cd_clear(cd);
	make_sva_cd(cd_2, 1997);
	expect_non_hitless(&cd_ops, cd, cd_2, 2);
	expect_non_hitless(&cd_ops, cd_2, cd, 2);
}

static void write_cd_test_sva_release(void **state)
{
	uint64_t cd[Q], cd_2[Q];

	(void)state;
	make_sva_cd(cd, 1997);
	make_sva_release_cd(cd_2, 1997);
	expect_hitless(&cd_ops, cd, cd_2, 2);
	expect_hitless(&cd_ops, cd_2, cd, 2);
}

/* Beyond the KUnit suite. */

static void write_no_change(void **state)
{
	uint64_t ste[Q], cd[Q];

	(void)state;
	make_cdtable_ste(ste, STRTAB_STE_1_S1DSS_SSID0, fake_cdtab, T_ATS);
	expect_hitless(&ste_ops, ste, ste, 0);
	expect_hitless(&ste_ops, abort_ste, abort_ste, 0);
	make_s1_cd(cd, 42);
	expect_hitless(&cd_ops, cd, cd, 0);
	sm_cd_clear(cd);
	expect_hitless(&cd_ops, cd, cd, 0);
}

static void write_ignored_bits_only(void **state)
{
	uint64_t dirty[Q];

	(void)state;
	/* Stale stage-2 words behind a bypass STE: nothing used changes, one
	 * write cleans them up. */
	make_s2_ste(dirty, 0);
	dirty[0] = bypass_ste[0];
	dirty[1] = bypass_ste[1];
	expect_hitless(&ste_ops, dirty, bypass_ste, 1);
}

static void write_without_safe_bits_breaks_nested(void **state)
{
	/* Before Linux's update_safe fix the MEV / EATS change made word 1
	 * critical too, so stage-2 -> nested was a breaking update (the
	 * C_BAD_STE report that motivated the fix). */
	static const struct sm_entry_writer_ops old_ops = {
	    .used = sm_ste_used,
	    .sync = record_sync,
	};
	uint64_t s1[Q], s2[Q];

	(void)state;
	make_cdtable_ste(s1, STRTAB_STE_1_S1DSS_BYPASS, fake_cdtab,
			 T_ATS | T_NESTED);
	make_s2_ste(s2, 0);
	expect_non_hitless(&old_ops, s2, s1, 3);
	expect_non_hitless(&old_ops, s1, s2, 3);
}

static void write_broke_may_be_null(void **state)
{
	uint64_t ste[Q], ste_2[Q];
	struct test_writer tw = {.ops = &ste_ops};

	(void)state;
	make_cdtable_ste(ste, STRTAB_STE_1_S1DSS_SSID0, fake_cdtab, T_ATS);
	make_cdtable_ste(ste_2, STRTAB_STE_1_S1DSS_BYPASS, 0x4B4B4b4B4Bull,
			 T_ATS);
	tw.init = ste;
	tw.target = ste_2;
	uint64_t entry[Q];

	memcpy(entry, ste, sizeof(entry));
	tw.entry = entry;
	assert_int_equal(sm_entry_write(entry, ste_2, &ste_ops, &tw, NULL), 3);
	assert_memory_equal(entry, ste_2, sizeof(entry));
}

static void ste_used_bits(void **state)
{
	uint64_t ste[Q] = {0}, used[Q];

	(void)state;
	/* V=0: only V, whatever else is set. */
	ste[0] = sm_field_prep(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_S2_TRANS);
	ste[3] = ~0ull;
	sm_ste_used(ste, used);
	assert_true(used[0] == STRTAB_STE_0_V);
	for (unsigned i = 1; i < Q; i++)
		assert_true(used[i] == 0);

	sm_ste_used(abort_ste, used);
	assert_true(used[0] == (STRTAB_STE_0_V | STRTAB_STE_0_CFG));
	assert_true(used[1] == 0);

	sm_ste_used(bypass_ste, used);
	assert_true(used[1] == STRTAB_STE_1_SHCFG);
	assert_true(used[2] == 0);

	/* S1: SHCFG only with S1DSS=bypass; no stage-2 words but VMID. */
	make_cdtable_ste(ste, STRTAB_STE_1_S1DSS_SSID0, fake_cdtab, 0);
	sm_ste_used(ste, used);
	assert_true((used[1] & STRTAB_STE_1_SHCFG) == 0);
	assert_true(used[2] == STRTAB_STE_2_S2VMID);
	assert_true(used[3] == 0);
	make_cdtable_ste(ste, STRTAB_STE_1_S1DSS_BYPASS, fake_cdtab, 0);
	sm_ste_used(ste, used);
	assert_true((used[1] & STRTAB_STE_1_SHCFG) != 0);

	/* Nested: both stages' fields. */
	make_cdtable_ste(ste, STRTAB_STE_1_S1DSS_SSID0, fake_cdtab, T_NESTED);
	sm_ste_used(ste, used);
	assert_true((used[0] & STRTAB_STE_0_S1CTXPTR_MASK) != 0);
	assert_true(used[3] == STRTAB_STE_3_S2TTB_MASK);
	assert_true((used[1] & STRTAB_STE_1_SHCFG) != 0);
	for (unsigned i = 4; i < Q; i++)
		assert_true(used[i] == 0);
}

static void cd_used_bits(void **state)
{
	uint64_t cd[Q], used[Q];

	(void)state;
	sm_cd_clear(cd);
	cd[1] = ~0ull;
	sm_cd_used(cd, used);
	assert_true(used[0] == CTXDESC_CD_0_V);
	for (unsigned i = 1; i < Q; i++)
		assert_true(used[i] == 0);

	make_s1_cd(cd, 1);
	sm_cd_used(cd, used);
	for (unsigned i = 0; i < Q; i++)
		assert_true(used[i] == ~0ull);

	make_sva_release_cd(cd, 1);
	sm_cd_used(cd, used);
	assert_true((used[0] & CTXDESC_CD_0_TCR_T0SZ) == 0);
	assert_true((used[0] & CTXDESC_CD_0_TCR_SH0) == 0);
	assert_true((used[0] & CTXDESC_CD_0_TCR_EPD0) != 0);
	assert_true((used[0] & CTXDESC_CD_0_ASID) == CTXDESC_CD_0_ASID);
	assert_true(used[1] == ~CTXDESC_CD_1_TTB0_MASK);
	assert_true(used[3] == ~0ull);
}

static void ste_safe_bits(void **state)
{
	uint64_t a[Q], b[Q], safe[Q];

	(void)state;
	make_cdtable_ste(a, STRTAB_STE_1_S1DSS_BYPASS, fake_cdtab,
			 T_ATS | T_NESTED);
	make_s2_ste(b, 0);
	sm_ste_update_safe(a, b, safe);
	assert_true(safe[1] == (STRTAB_STE_1_MEV |
				sm_field_prep(STRTAB_STE_1_EATS,
					      STRTAB_STE_1_EATS_TRANS)));
	/* S2S rules out EATS. */
	make_s2_ste(b, T_STALL);
	sm_ste_update_safe(a, b, safe);
	assert_true(safe[1] == STRTAB_STE_1_MEV);
	/* So does S1CHK. */
	make_s2_ste(b, 0);
	b[1] |= sm_field_prep(STRTAB_STE_1_EATS, STRTAB_STE_1_EATS_S1CHK);
	sm_ste_update_safe(a, b, safe);
	assert_true(safe[1] == STRTAB_STE_1_MEV);
	for (unsigned i = 0; i < Q; i++)
		if (i != 1)
			assert_true(safe[i] == 0);
}

/* Linux's WARN_ON_ONCE in arm_smmu_entry_qword_diff: a builder may not set
 * a bit its used function calls unused. */
static void assert_within_used(void (*used_fn)(const uint64_t *, uint64_t *),
			       const uint64_t *e)
{
	uint64_t used[Q];

	used_fn(e, used);
	for (unsigned i = 0; i < Q; i++)
		assert_true((e[i] & ~used[i]) == 0);
}

static void builders_set_only_used_bits(void **state)
{
	static const unsigned s1dss[] = {STRTAB_STE_1_S1DSS_TERMINATE,
					 STRTAB_STE_1_S1DSS_BYPASS,
					 STRTAB_STE_1_S1DSS_SSID0};
	uint64_t e[Q];

	(void)state;
	assert_within_used(sm_ste_used, abort_ste);
	assert_within_used(sm_ste_used, bypass_ste);
	for (unsigned f = 0; f < 16; f++) {
		for (unsigned d = 0; d < 3; d++) {
			sm_ste_make_cdtable(e, fake_cdtab,
					    STRTAB_STE_0_S1FMT_LINEAR, 10,
					    s1dss[d], f);
			assert_within_used(sm_ste_used, e);
			make_cdtable_ste(e, s1dss[d], fake_cdtab,
					 (f & (T_ATS | T_STALL)) | T_NESTED);
			assert_within_used(sm_ste_used, e);
		}
		sm_ste_make_s2(e, 7, fake_ttb,
			       sm_ste_vtcr(24, 1, 1, 1, 3, 0, 5), f);
		assert_within_used(sm_ste_used, e);
	}
	for (unsigned f = 0; f < 128; f++) {
		sm_cd_make_s1(e, 5, fake_ttb, sm_cd_tcr(16, 0, 1, 1, 3, 5),
			      fake_mair, f);
		assert_within_used(sm_cd_used, e);
		sm_cd_make_sva(e, 5, fake_pgd, 48, 5, fake_mair, f);
		assert_within_used(sm_cd_used, e);
		sm_cd_make_sva_release(e, 5, 5, fake_mair, f);
		assert_within_used(sm_cd_used, e);
	}
}

static void builders_fields(void **state)
{
	uint64_t e[Q];

	(void)state;
	sm_cd_make_sva(e, 0x1234, fake_pgd, 48, 5, fake_mair, SM_ENTRY_F_BTM);
	assert_true(sm_field_get(CTXDESC_CD_0_ASID, e[0]) == 0x1234);
	assert_true(sm_field_get(CTXDESC_CD_0_TCR_T0SZ, e[0]) == 16);
	assert_true((e[0] & CTXDESC_CD_0_ASET) == 0);
	assert_true(e[1] == (fake_pgd & CTXDESC_CD_1_TTB0_MASK));
	sm_cd_make_sva(e, 0x1234, fake_pgd, 48, 5, fake_mair, 0);
	assert_true((e[0] & CTXDESC_CD_0_ASET) != 0);
	sm_cd_make_sva_release(e, 0x1234, 5, fake_mair,
			       SM_ENTRY_F_STALL | SM_ENTRY_F_STALL_FORCE);
	assert_true((e[0] & (CTXDESC_CD_0_S | CTXDESC_CD_0_R)) ==
		    (CTXDESC_CD_0_S | CTXDESC_CD_0_R));
	assert_true(e[1] == 0);

	sm_ste_make_cdtable(e, fake_cdtab, STRTAB_STE_0_S1FMT_LINEAR, 0xff,
			    STRTAB_STE_1_S1DSS_SSID0, 0);
	assert_true(sm_field_get(STRTAB_STE_0_S1CDMAX, e[0]) == 0x1f);
	assert_true((e[1] & STRTAB_STE_1_S1STALLD) != 0);
	sm_ste_make_cdtable(e, fake_cdtab, STRTAB_STE_0_S1FMT_LINEAR, 3,
			    STRTAB_STE_1_S1DSS_SSID0,
			    SM_ENTRY_F_NO_STALLS | SM_ENTRY_F_E2H);
	assert_true((e[1] & STRTAB_STE_1_S1STALLD) == 0);
	assert_true(sm_field_get(STRTAB_STE_1_STRW, e[1]) ==
		    STRTAB_STE_1_STRW_EL2);

	sm_ste_make_s2(e, 9, fake_ttb, sm_ste_vtcr(4, 3, 2, 1, 3, 2, 1), 0);
	assert_true(sm_field_get(STRTAB_STE_2_S2VMID, e[2]) == 9);
	assert_true(sm_field_get(STRTAB_STE_2_VTCR, e[2]) ==
		    sm_ste_vtcr(4, 3, 2, 1, 3, 2, 1));
	assert_true(e[3] == (fake_ttb & STRTAB_STE_3_S2TTB_MASK));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    /* Linux KUnit arm-smmu-v3-test.c, in its order. */
	    cmocka_unit_test(write_ste_test_bypass_to_abort),
	    cmocka_unit_test(write_ste_test_abort_to_bypass),
	    cmocka_unit_test(write_ste_test_cdtable_to_abort),
	    cmocka_unit_test(write_ste_test_abort_to_cdtable),
	    cmocka_unit_test(write_ste_test_cdtable_to_bypass),
	    cmocka_unit_test(write_ste_test_bypass_to_cdtable),
	    cmocka_unit_test(write_ste_test_cdtable_s1dss_change),
	    cmocka_unit_test(write_ste_test_s1dssbypass_to_stebypass),
	    cmocka_unit_test(write_ste_test_stebypass_to_s1dssbypass),
	    cmocka_unit_test(write_ste_test_s2_to_abort),
	    cmocka_unit_test(write_ste_test_abort_to_s2),
	    cmocka_unit_test(write_ste_test_s2_to_bypass),
	    cmocka_unit_test(write_ste_test_bypass_to_s2),
	    cmocka_unit_test(write_ste_test_s1_to_s2),
	    cmocka_unit_test(write_ste_test_s2_to_s1),
	    cmocka_unit_test(write_ste_test_non_hitless),
	    cmocka_unit_test(write_cd_test_s1_clear),
	    cmocka_unit_test(write_cd_test_s1_change_asid),
	    cmocka_unit_test(write_ste_test_s1_to_s2_stall),
	    cmocka_unit_test(write_ste_test_s2_to_s1_stall),
	    cmocka_unit_test(write_ste_test_nested_s1dssbypass_to_s1bypass),
	    cmocka_unit_test(write_ste_test_nested_s1bypass_to_s1dssbypass),
	    cmocka_unit_test(write_cd_test_sva_clear),
	    cmocka_unit_test(write_cd_test_sva_release),
	    /* Ours. */
	    cmocka_unit_test(write_no_change),
	    cmocka_unit_test(write_ignored_bits_only),
	    cmocka_unit_test(write_without_safe_bits_breaks_nested),
	    cmocka_unit_test(write_broke_may_be_null),
	    cmocka_unit_test(ste_used_bits),
	    cmocka_unit_test(cd_used_bits),
	    cmocka_unit_test(ste_safe_bits),
	    cmocka_unit_test(builders_set_only_used_bits),
	    cmocka_unit_test(builders_fields),
	};

	return cmocka_run_group_tests_name("entry", tests, setup, NULL);
}
