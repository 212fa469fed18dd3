/* SPDX-License-Identifier: MIT */
/*
 * Tests for the SMMUv3 model alone (src/hw/smmu): the test plays the driver,
 * writing STEs, CDs, page tables and commands into simulated memory and
 * "writing registers", and checks translations, events, caches, the command
 * queue and broadcast TLB maintenance.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <smmusim/config.h>
#include <smmusim/error.h>
#include <smmusim/event.h>

#include "helpers.h"

#include "base/alloc.h"
#include "engine/stats.h"
#include "arch/tlbi.h"
#include "hw/mem/pgtable.h"
#include "hw/mem/physmem.h"
#include "arch/smmu_regs.h"
#include "hw/smmu/smmu.h"

#define RAM_BASE 0x40000000ull
#define RAM_SIZE (64ull << 20)

#define STRTAB_LOG2 4 /* 16 STEs */
#define CMDQ_LOG2 3   /* 8 commands */

#define VA0 0x0000000012340000ull

struct fx {
	smmusim_config_t *cfg;
	struct sm_stats *st;
	struct sm_physmem *pm;
	struct sm_errbuf eb;
	struct sm_smmu s;
	bool smmu_ok;
	uint64_t strtab;
	uint64_t cdtab[1u << STRTAB_LOG2];
	uint64_t cmdq;
	uint32_t prod;
	uint64_t root;
	uint64_t now;
};

/* ---- fixture ---- */

static struct fx *fx_new(const char *const *kv)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	assert_int_equal(smmusim_config_new(&f->cfg, NULL), 0);
	/* These tests are about the IOTLB: no micro-TLB or walk cache in
	 * front of it unless a test asks for one. */
	assert_int_equal(smmusim_config_set(f->cfg, "smmu.utlb.entries", "0"),
			 0);
	assert_int_equal(
	    smmusim_config_set(f->cfg, "smmu.walkcache.entries", "0"), 0);
	for (; kv && kv[0]; kv += 2)
		assert_int_equal(smmusim_config_set(f->cfg, kv[0], kv[1]), 0);
	assert_int_equal(sm_stats_new(&f->st, NULL), 0);
	assert_int_equal(
	    sm_physmem_new(&f->pm, NULL, RAM_BASE, RAM_SIZE, &f->eb), 0);
	assert_int_equal(sm_smmu_init(&f->s, sm_default_allocator(), f->cfg,
				      f->pm, f->st, NULL, &f->eb),
			 0);
	f->smmu_ok = true;

	/* Linear stream table: 16 STEs of 64 bytes, all V = 0. */
	assert_int_equal(sm_physmem_alloc_contig(f->pm, 1, 1, SM_PAGE_SMMU,
						 &f->strtab, &f->eb),
			 0);
	sm_smmu_set_strtab(&f->s, f->strtab, STRTAB_LOG2);
	/* Command queue: 8 x 16 bytes. */
	assert_int_equal(sm_physmem_alloc_contig(f->pm, 1, 1, SM_PAGE_SMMU,
						 &f->cmdq, &f->eb),
			 0);
	assert_int_equal(sm_smmu_set_cmdq(&f->s, f->cmdq, CMDQ_LOG2), 0);
	assert_int_equal(sm_pgt_new_root(f->pm, &f->root, &f->eb), 0);
	f->now = 1000;
	return f;
}

static int setup(void **state)
{
	*state = fx_new(NULL);
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	if (!f)
		return 0;
	if (f->smmu_ok)
		sm_smmu_fini(&f->s);
	sm_physmem_free(f->pm);
	sm_stats_free(f->st);
	smmusim_config_free(f->cfg);
	free(f);
	return 0;
}

/* Replace the default fixture by one with config overrides. */
static struct fx *fx_reinit(void **state, const char *const *kv)
{
	teardown(state);
	*state = fx_new(kv);
	return *state;
}

/* ---- stream table, CDs, page tables ---- */

static uint64_t ste_pa(const struct fx *f, uint32_t sid)
{
	return f->strtab + (uint64_t)sid * 64;
}

static void ste_write0(struct fx *f, uint32_t sid, uint64_t ste0)
{
	sm_physmem_write64(f->pm, ste_pa(f, sid), ste0);
}

/* S1 translate STE with a linear CD table of 2^cdmax CDs (one page). */
static void ste_s1(struct fx *f, uint32_t sid, unsigned cdmax)
{
	if (!f->cdtab[sid])
		assert_int_equal(
		    sm_physmem_alloc_contig(f->pm, 1, 1, SM_PAGE_SMMU,
					    &f->cdtab[sid], &f->eb),
		    0);
	ste_write0(
	    f, sid,
	    STRTAB_STE_0_V |
		sm_field_prep(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_S1_TRANS) |
		sm_field_prep(STRTAB_STE_0_S1FMT, STRTAB_STE_0_S1FMT_LINEAR) |
		(f->cdtab[sid] & STRTAB_STE_0_S1CTXPTR_MASK) |
		sm_field_prep(STRTAB_STE_0_S1CDMAX, cdmax));
}

static void ste_cfg(struct fx *f, uint32_t sid, unsigned cfg)
{
	ste_write0(f, sid,
		   STRTAB_STE_0_V | sm_field_prep(STRTAB_STE_0_CFG, cfg));
}

#define CD_ASET 0x1u
#define CD_EPD0 0x2u
#define CD_INVALID 0x4u

static uint64_t cd_pa(const struct fx *f, uint32_t sid, uint32_t ssid)
{
	return f->cdtab[sid] + (uint64_t)ssid * 64;
}

static uint64_t mk_cd0(uint16_t asid, unsigned flags)
{
	uint64_t cd0 = sm_field_prep(CTXDESC_CD_0_TCR_T0SZ, 16) |
		       sm_field_prep(CTXDESC_CD_0_TCR_TG0, 0) |
		       CTXDESC_CD_0_AA64 | CTXDESC_CD_0_R |
		       sm_field_prep(CTXDESC_CD_0_ASID, asid);
	if (!(flags & CD_INVALID))
		cd0 |= CTXDESC_CD_0_V;
	if (flags & CD_ASET)
		cd0 |= CTXDESC_CD_0_ASET;
	if (flags & CD_EPD0)
		cd0 |= CTXDESC_CD_0_TCR_EPD0;
	return cd0;
}

static void cd_write(struct fx *f, uint32_t sid, uint32_t ssid, uint16_t asid,
		     uint64_t ttb0, unsigned flags)
{
	sm_physmem_write64(f->pm, cd_pa(f, sid, ssid) + 8,
			   ttb0 & CTXDESC_CD_1_TTB0_MASK);
	sm_physmem_write64(f->pm, cd_pa(f, sid, ssid), mk_cd0(asid, flags));
}

static uint64_t map(struct fx *f, uint64_t va, bool rw)
{
	uint64_t pa = page_alloc(f->pm, SM_PAGE_DATA);
	assert_int_equal(
	    sm_pgt_set(f->pm, f->root, va, 3, mk_pte(pa, rw), NULL, &f->eb), 0);
	return pa;
}

static void remap(struct fx *f, uint64_t va, uint64_t pa, bool rw)
{
	assert_int_equal(
	    sm_pgt_set(f->pm, f->root, va, 3, mk_pte(pa, rw), NULL, &f->eb), 0);
}

/* The usual stream: sid 1, CD table of 4, ssid 1 with ASID 1. */
static void stream(struct fx *f, uint32_t sid, uint32_t ssid, uint16_t asid,
		   unsigned cdflags)
{
	ste_s1(f, sid, 2);
	cd_write(f, sid, ssid, asid, f->root, cdflags);
}

static struct sm_smmu_xlate xl(struct fx *f, uint32_t sid, uint32_t ssid,
			       uint64_t va, bool write)
{
	struct sm_smmu_xlate x;
	memset(&x, 0xa5, sizeof(x));
	f->now += 100;
	sm_smmu_translate(&f->s, sid, ssid, va, write, f->now, 7, &x);
	return x;
}

/* ---- command queue ---- */

static void cmd(struct fx *f, uint64_t c0, uint64_t c1)
{
	uint32_t n = 1u << CMDQ_LOG2;
	uint64_t pa = f->cmdq + (uint64_t)(f->prod & (n - 1)) * 16;
	sm_physmem_write64(f->pm, pa, c0);
	sm_physmem_write64(f->pm, pa + 8, c1);
	f->prod = (f->prod + 1) & ((n << 1) - 1);
}

static void publish(struct fx *f)
{
	uint64_t done = sm_smmu_write_prod(&f->s, f->prod, f->now);
	assert_true(done >= f->now);
	/* The tests look at the caches once the queue has drained. */
	sm_smmu_cmdq_catch_up(&f->s, done);
	f->now = done;
}

static uint64_t op(unsigned opcode)
{
	return sm_field_prep(CMDQ_0_OP, opcode);
}

static void cmd_sync(struct fx *f)
{
	cmd(f, op(CMDQ_OP_CMD_SYNC), 0);
}

static void cmd_cfgi_cd(struct fx *f, uint32_t sid, uint32_t ssid)
{
	cmd(f,
	    op(CMDQ_OP_CFGI_CD) | sm_field_prep(CMDQ_CFGI_0_SSID, ssid) |
		sm_field_prep(CMDQ_CFGI_0_SID, sid),
	    CMDQ_CFGI_1_LEAF);
}

static void cmd_cfgi_ste(struct fx *f, uint32_t sid)
{
	cmd(f, op(CMDQ_OP_CFGI_STE) | sm_field_prep(CMDQ_CFGI_0_SID, sid),
	    CMDQ_CFGI_1_LEAF);
}

static void cmd_tlbi_asid(struct fx *f, uint16_t asid)
{
	cmd(f, op(CMDQ_OP_TLBI_NH_ASID) | sm_field_prep(CMDQ_TLBI_0_ASID, asid),
	    0);
}

static void cmd_tlbi_va(struct fx *f, uint16_t asid, uint64_t va, unsigned tg,
			unsigned num, unsigned scale, unsigned ttl)
{
	cmd(f,
	    op(CMDQ_OP_TLBI_NH_VA) | sm_field_prep(CMDQ_TLBI_0_ASID, asid) |
		sm_field_prep(CMDQ_TLBI_0_NUM, num) |
		sm_field_prep(CMDQ_TLBI_0_SCALE, scale),
	    (va & CMDQ_TLBI_1_VA_MASK) | sm_field_prep(CMDQ_TLBI_1_TG, tg) |
		sm_field_prep(CMDQ_TLBI_1_TTL, ttl));
}

/* ============================== translation ============================== */

static void test_translate_ok_then_iotlb_hit(void **state)
{
	struct fx *f = *state;
	uint64_t pa = map(f, VA0, true);
	stream(f, 1, 1, 1, 0);

	struct sm_smmu_xlate x = xl(f, 1, 1, VA0 + 0x123, false);
	assert_int_equal(x.outcome, SM_XLATE_OK);
	assert_int_equal(x.event, SM_EVT_NONE);
	assert_false(x.hit);
	assert_false(x.recorded);
	assert_int_equal(x.pa, pa + 0x123);
	assert_int_equal(x.asid, 1);
	assert_true(x.done > f->now);
	assert_int_equal(counter(f->st, "smmu.iotlb.misses"), 1);
	assert_int_equal(counter(f->st, "smmu.iotlb.hits"), 0);
	assert_int_equal(counter(f->st, "smmu.iotlb.fills"), 1);
	assert_int_equal(counter(f->st, "smmu.walks"), 1);
	assert_int_equal(counter(f->st, "smmu.walk.reads"), 4);
	assert_int_equal(counter(f->st, "smmu.cfgcache.misses"), 1);

	x = xl(f, 1, 1, VA0 + 0x456, true);
	assert_int_equal(x.outcome, SM_XLATE_OK);
	assert_true(x.hit);
	assert_int_equal(x.pa, pa + 0x456);
	assert_int_equal(counter(f->st, "smmu.iotlb.hits"), 1);
	assert_int_equal(counter(f->st, "smmu.iotlb.misses"), 1);
	assert_int_equal(counter(f->st, "smmu.walks"), 1);
	assert_int_equal(counter(f->st, "smmu.cfgcache.hits"), 1);
	assert_int_equal(counter(f->st, "smmu.cfgcache.misses"), 1);
	assert_int_equal(counter(f->st, "smmu.translations"), 2);

	/* An unmapped page: translation fault after a walk, recorded (CD.R). */
	x = xl(f, 1, 1, VA0 + 0x100000, false);
	assert_int_equal(x.outcome, SM_XLATE_FAULT_TRANSLATION);
	assert_int_equal(x.event, SM_EVT_F_TRANSLATION);
	assert_true(x.recorded);
	assert_int_equal(counter(f->st, "smmu.walks"), 2);
	assert_int_equal(counter(f->st, "smmu.faults.translation"), 1);
	assert_int_equal(counter(f->st, "smmu.evtq.records"), 1);
}

static void test_bad_streamid(void **state)
{
	struct fx *f = *state;
	map(f, VA0, true);
	stream(f, 15, 1, 1, 0);

	/* 2^STRTAB_LOG2 = 16: sid 16 is outside the table. */
	struct sm_smmu_xlate x = xl(f, 16, 1, VA0, false);
	assert_int_equal(x.outcome, SM_XLATE_FAULT_CONFIG);
	assert_int_equal(x.event, SM_EVT_C_BAD_STREAMID);
	assert_true(x.recorded);
	x = xl(f, 0x12345, 1, VA0, false);
	assert_int_equal(x.event, SM_EVT_C_BAD_STREAMID);
	assert_int_equal(counter(f->st, "smmu.faults.c_bad_streamid"), 2);
	assert_int_equal(counter(f->st, "smmu.evtq.records"), 2);
	assert_int_equal(counter(f->st, "smmu.walks"), 0);

	/* The last STE of the table is fine. */
	x = xl(f, 15, 1, VA0, false);
	assert_int_equal(x.outcome, SM_XLATE_OK);
}

/* Event records land in the queue memory word for word, wherever the
 * record lies: in a frame never written (the first write backs it), in
 * one that has content, across two frames, and in a freed frame (the
 * writes are dropped, as any write to a free frame is; the record still
 * takes its slot). */
static void test_evtq_records_in_memory(void **state)
{
	struct fx *f = *state;
	uint64_t q;
	assert_int_equal(
	    sm_physmem_alloc_contig(f->pm, 2, 1, SM_PAGE_SMMU, &q, &f->eb), 0);
	/* Two records of 32 bytes, the second across the frames. */
	uint64_t base = q + SM_PAGE_SIZE - 48;
	sm_smmu_set_evtq(&f->s, base, 1);
	for (unsigned i = 0; i < 2; i++) {
		uint32_t sid = 16 + i;
		assert_true(xl(f, sid, 1, VA0 + i, i == 1).recorded);
		uint64_t pa = base + 32 * i;
		uint64_t w0 = sm_physmem_read64(f->pm, pa);
		assert_int_equal(sm_field_get(EVTQ_0_ID, w0), 0x02);
		assert_int_equal(sm_field_get(EVTQ_0_SID, w0), sid);
		assert_int_equal(sm_field_get(EVTQ_0_SSID, w0), 1);
		assert_int_equal(sm_physmem_read64(f->pm, pa + 8),
				 i == 1 ? 0 : EVTQ_1_RNW);
		assert_int_equal(sm_physmem_read64(f->pm, pa + 16), VA0 + i);
		assert_int_equal(sm_physmem_read64(f->pm, pa + 24), 0);
	}
	/* The queue is full: the third is lost (OVFLG). */
	xl(f, 18, 1, VA0, false);
	assert_true(f->s.evtq.ovflg);
	assert_int_equal(counter(f->st, "smmu.evtq.overflows"), 1);
	sm_smmu_evtq_drain(&f->s);

	/* A queue in a frame that has content; then in a freed one. */
	sm_smmu_set_evtq(&f->s, q, 1);
	assert_true(xl(f, 20, 1, VA0, false).recorded);
	assert_int_equal(sm_field_get(EVTQ_0_SID, sm_physmem_read64(f->pm, q)),
			 20);
	assert_int_equal(sm_physmem_read64(f->pm, q + 16), VA0);
	sm_physmem_free_page(f->pm, q);
	assert_true(xl(f, 21, 1, VA0, false).recorded);
	for (unsigned w = 0; w < 4; w++)
		assert_int_equal(sm_physmem_read64(f->pm, q + 32 + 8 * w), 0);
	assert_int_equal(sm_smmu_evtq_drain(&f->s), 2);
}

static void test_ste_invalid(void **state)
{
	struct fx *f = *state;
	map(f, VA0, true);

	/* STE of sid 2 left at V = 0. */
	struct sm_smmu_xlate x = xl(f, 2, 1, VA0, false);
	assert_int_equal(x.outcome, SM_XLATE_FAULT_CONFIG);
	assert_int_equal(x.event, SM_EVT_C_BAD_STE);
	assert_true(x.recorded);
	assert_int_equal(counter(f->st, "smmu.faults.c_bad_ste"), 1);
	assert_int_equal(counter(f->st, "smmu.walks"), 0);

	/* Illegal configurations are not cached: once the STE is written,
	 * the next access fetches it again without any CFGI. */
	stream(f, 2, 1, 1, 0);
	x = xl(f, 2, 1, VA0, false);
	assert_int_equal(x.outcome, SM_XLATE_OK);
	assert_int_equal(counter(f->st, "smmu.cfgcache.misses"), 2);
}

static void test_cd_invalid(void **state)
{
	struct fx *f = *state;
	map(f, VA0, true);
	stream(f, 1, 1, 1, CD_INVALID);

	struct sm_smmu_xlate x = xl(f, 1, 1, VA0, false);
	assert_int_equal(x.outcome, SM_XLATE_FAULT_CONFIG);
	assert_int_equal(x.event, SM_EVT_C_BAD_CD);
	assert_true(x.recorded);
	assert_int_equal(counter(f->st, "smmu.faults.c_bad_cd"), 1);
	assert_int_equal(counter(f->st, "smmu.walks"), 0);

	/* A 64K granule CD is unusable too. */
	cd_write(f, 1, 2, 2, f->root, 0);
	sm_physmem_write64(f->pm, cd_pa(f, 1, 2),
			   mk_cd0(2, 0) |
			       sm_field_prep(CTXDESC_CD_0_TCR_TG0, 1));
	x = xl(f, 1, 2, VA0, false);
	assert_int_equal(x.event, SM_EVT_C_BAD_CD);
}

static void test_bad_substreamid(void **state)
{
	struct fx *f = *state;
	map(f, VA0, true);
	stream(f, 1, 3, 1, 0); /* S1CDMAX = 2: ssids 0..3 */

	struct sm_smmu_xlate x = xl(f, 1, 3, VA0, false);
	assert_int_equal(x.outcome, SM_XLATE_OK);
	x = xl(f, 1, 4, VA0, false);
	assert_int_equal(x.outcome, SM_XLATE_FAULT_CONFIG);
	assert_int_equal(x.event, SM_EVT_C_BAD_SUBSTREAMID);
	assert_true(x.recorded);
	x = xl(f, 1, 0x80, VA0, false);
	assert_int_equal(x.event, SM_EVT_C_BAD_SUBSTREAMID);
	assert_int_equal(counter(f->st, "smmu.faults.c_bad_substreamid"), 2);
}

static void test_abort_and_bypass(void **state)
{
	struct fx *f = *state;
	map(f, VA0, true);
	ste_cfg(f, 3, STRTAB_STE_0_CFG_ABORT);
	ste_cfg(f, 4, STRTAB_STE_0_CFG_BYPASS);

	struct sm_smmu_xlate x = xl(f, 3, 0, VA0, false);
	assert_int_equal(x.outcome, SM_XLATE_FAULT_CONFIG);
	assert_false(x.recorded); /* abort records no event */
	assert_int_equal(counter(f->st, "smmu.evtq.records"), 0);

	x = xl(f, 4, 0, 0x7654321ull, true);
	assert_int_equal(x.outcome, SM_XLATE_OK);
	assert_int_equal(x.event, SM_EVT_NONE);
	assert_int_equal(x.pa, 0x7654321ull);
	x = xl(f, 4, 0, VA0 + 8, false);
	assert_int_equal(x.pa, VA0 + 8);
	assert_int_equal(counter(f->st, "smmu.walks"), 0);
	assert_int_equal(counter(f->st, "smmu.iotlb.fills"), 0);
}

static void test_epd0_faults_without_walk(void **state)
{
	struct fx *f = *state;
	map(f, VA0, true);
	stream(f, 1, 1, 1, CD_EPD0);

	struct sm_smmu_xlate x = xl(f, 1, 1, VA0, false);
	assert_int_equal(x.outcome, SM_XLATE_FAULT_TRANSLATION);
	assert_int_equal(x.event, SM_EVT_F_TRANSLATION);
	assert_true(x.recorded);
	assert_false(x.hit);
	assert_int_equal(counter(f->st, "smmu.walks"), 0);
	assert_int_equal(counter(f->st, "smmu.iotlb.fills"), 0);

	/* Without EPD0 the same CD walks and succeeds (after CFGI_CD). */
	cd_write(f, 1, 1, 1, f->root, 0);
	cmd_cfgi_cd(f, 1, 1);
	publish(f);
	x = xl(f, 1, 1, VA0, false);
	assert_int_equal(x.outcome, SM_XLATE_OK);
	assert_int_equal(counter(f->st, "smmu.walks"), 1);
}

static void test_perm_fault_from_cache(void **state)
{
	struct fx *f = *state;
	uint64_t pa = map(f, VA0, false);
	stream(f, 1, 1, 1, 0);

	struct sm_smmu_xlate x = xl(f, 1, 1, VA0, false);
	assert_int_equal(x.outcome, SM_XLATE_OK);
	assert_int_equal(counter(f->st, "smmu.walks"), 1);

	x = xl(f, 1, 1, VA0, true);
	assert_int_equal(x.outcome, SM_XLATE_FAULT_PERMISSION);
	assert_int_equal(x.event, SM_EVT_F_PERMISSION);
	assert_true(x.hit);
	assert_int_equal(counter(f->st, "smmu.walks"), 1);

	/* The PTE becomes writable without an invalidation: the cached
	 * read-only entry still decides. */
	remap(f, VA0, pa, true);
	x = xl(f, 1, 1, VA0, true);
	assert_int_equal(x.outcome, SM_XLATE_FAULT_PERMISSION);
	assert_true(x.hit);
	assert_int_equal(counter(f->st, "smmu.walks"), 1);
	assert_int_equal(counter(f->st, "smmu.faults.permission"), 2);

	/* After TLBI_NH_VA the write walks and succeeds. */
	cmd_tlbi_va(f, 1, VA0, 0, 0, 0, 0);
	cmd_sync(f);
	publish(f);
	x = xl(f, 1, 1, VA0, true);
	assert_int_equal(x.outcome, SM_XLATE_OK);
	assert_false(x.hit);
	assert_int_equal(x.pa, pa);
	assert_int_equal(counter(f->st, "smmu.walks"), 2);
}

static void test_perm_rewalk_when_off(void **state)
{
	static const char *const kv[] = {"smmu.iotlb.perm_fault_from_cache",
					 "off", NULL};
	struct fx *f = fx_reinit(state, kv);
	uint64_t pa = map(f, VA0, false);
	stream(f, 1, 1, 1, 0);

	struct sm_smmu_xlate x = xl(f, 1, 1, VA0, false);
	assert_int_equal(x.outcome, SM_XLATE_OK);
	assert_int_equal(counter(f->st, "smmu.walks"), 1);

	/* Still read-only: the write re-walks, then faults. */
	x = xl(f, 1, 1, VA0, true);
	assert_int_equal(x.outcome, SM_XLATE_FAULT_PERMISSION);
	assert_false(x.hit);
	assert_int_equal(counter(f->st, "smmu.walks"), 2);

	/* The PTE became RW meanwhile: the re-walk finds it. */
	remap(f, VA0, pa, true);
	x = xl(f, 1, 1, VA0, true);
	assert_int_equal(x.outcome, SM_XLATE_OK);
	assert_false(x.hit);
	assert_int_equal(x.pa, pa);
	assert_int_equal(counter(f->st, "smmu.walks"), 3);

	/* And the new entry is writable. */
	x = xl(f, 1, 1, VA0, true);
	assert_int_equal(x.outcome, SM_XLATE_OK);
	assert_true(x.hit);
	assert_int_equal(counter(f->st, "smmu.walks"), 3);
}

/* ============================== config cache ============================== */

static void test_cfgcache_stale_until_cfgi_cd(void **state)
{
	struct fx *f = *state;
	map(f, VA0, true);
	stream(f, 1, 1, 1, 0);
	cd_write(f, 1, 2, 7, f->root, 0);

	assert_int_equal(xl(f, 1, 1, VA0, false).asid, 1);
	assert_int_equal(xl(f, 1, 2, VA0, false).asid, 7);

	/* The CD changes in memory only. */
	sm_physmem_write64(f->pm, cd_pa(f, 1, 1), mk_cd0(5, 0));
	assert_int_equal(xl(f, 1, 1, VA0, false).asid, 1);

	/* CFGI_CD for other (sid, ssid) pairs leaves it alone. */
	cmd_cfgi_cd(f, 1, 2);
	cmd_cfgi_cd(f, 2, 1);
	cmd_sync(f);
	publish(f);
	assert_int_equal(xl(f, 1, 1, VA0, false).asid, 1);

	cmd_cfgi_cd(f, 1, 1);
	assert_int_equal(xl(f, 1, 1, VA0, false).asid, 1); /* not consumed */
	cmd_sync(f);
	publish(f);
	assert_int_equal(xl(f, 1, 1, VA0, false).asid, 5);
	assert_int_equal(counter(f->st, "smmu.cmd.cfgi_cd"), 3);
}

static void test_cfgcache_cfgi_ste(void **state)
{
	struct fx *f = *state;
	map(f, VA0, true);
	stream(f, 1, 1, 1, 0);
	cd_write(f, 1, 2, 2, f->root, 0);
	stream(f, 3, 1, 3, 0);

	assert_int_equal(xl(f, 1, 1, VA0, false).asid, 1);
	assert_int_equal(xl(f, 1, 2, VA0, false).asid, 2);
	assert_int_equal(xl(f, 3, 1, VA0, false).asid, 3);
	sm_physmem_write64(f->pm, cd_pa(f, 1, 1), mk_cd0(11, 0));
	sm_physmem_write64(f->pm, cd_pa(f, 1, 2), mk_cd0(12, 0));
	sm_physmem_write64(f->pm, cd_pa(f, 3, 1), mk_cd0(13, 0));

	/* CFGI_STE drops every substream of that sid only. */
	cmd_cfgi_ste(f, 1);
	cmd_sync(f);
	publish(f);
	assert_int_equal(xl(f, 1, 1, VA0, false).asid, 11);
	assert_int_equal(xl(f, 1, 2, VA0, false).asid, 12);
	assert_int_equal(xl(f, 3, 1, VA0, false).asid, 3);
	assert_int_equal(counter(f->st, "smmu.cmd.cfgi_ste"), 1);
}

static void test_cfgi_ste_range_all(void **state)
{
	struct fx *f = *state;
	map(f, VA0, true);
	stream(f, 1, 1, 1, 0);
	stream(f, 9, 1, 9, 0);
	assert_int_equal(xl(f, 1, 1, VA0, false).asid, 1);
	assert_int_equal(xl(f, 9, 1, VA0, false).asid, 9);
	sm_physmem_write64(f->pm, cd_pa(f, 1, 1), mk_cd0(21, 0));
	sm_physmem_write64(f->pm, cd_pa(f, 9, 1), mk_cd0(29, 0));

	/* A range of 2 (Range = 0) around sid 8 misses sid 1 and covers 9. */
	cmd(f, op(CMDQ_OP_CFGI_ALL) | sm_field_prep(CMDQ_CFGI_0_SID, 8),
	    sm_field_prep(CMDQ_CFGI_1_RANGE, 0));
	cmd_sync(f);
	publish(f);
	assert_int_equal(xl(f, 1, 1, VA0, false).asid, 1);
	assert_int_equal(xl(f, 9, 1, VA0, false).asid, 29);

	sm_physmem_write64(f->pm, cd_pa(f, 9, 1), mk_cd0(39, 0));
	uint64_t inv0 = counter(f->st, "smmu.cfgcache.invalidated");
	cmd(f, op(CMDQ_OP_CFGI_ALL), sm_field_prep(CMDQ_CFGI_1_RANGE, 31));
	cmd_sync(f);
	publish(f);
	assert_int_equal(counter(f->st, "smmu.cfgcache.invalidated") - inv0, 2);
	assert_int_equal(xl(f, 1, 1, VA0, false).asid, 21);
	assert_int_equal(xl(f, 9, 1, VA0, false).asid, 39);
	assert_int_equal(counter(f->st, "smmu.cmd.cfgi_ste_range"), 2);
}

/* ============================== TLB invalidation
 * ============================== */

/* Two ASIDs (ssid 1: ASID 1, ssid 2: ASID 2) over the same table. */
static void two_asids(struct fx *f)
{
	stream(f, 1, 1, 1, 0);
	cd_write(f, 1, 2, 2, f->root, 0);
}

static void test_tlbi_nh_va_single(void **state)
{
	struct fx *f = *state;
	map(f, VA0, true);
	map(f, VA0 + 0x1000, true);
	two_asids(f);
	for (uint32_t ssid = 1; ssid <= 2; ssid++)
		for (uint64_t p = 0; p < 2; p++)
			assert_false(
			    xl(f, 1, ssid, VA0 + p * 0x1000, false).hit);
	for (uint32_t ssid = 1; ssid <= 2; ssid++)
		for (uint64_t p = 0; p < 2; p++)
			assert_true(
			    xl(f, 1, ssid, VA0 + p * 0x1000, false).hit);

	uint64_t inv0 = counter(f->st, "smmu.iotlb.invalidated");
	cmd_tlbi_va(f, 1, VA0 + 0x10, 0, 0, 0, 0);
	cmd_sync(f);
	publish(f);
	assert_int_equal(counter(f->st, "smmu.iotlb.invalidated") - inv0, 1);
	assert_int_equal(counter(f->st, "smmu.cmd.tlbi_nh_va"), 1);
	assert_int_equal(counter(f->st, "smmu.cmd.sync"), 1);

	/* Other ASID, same VA: stays.  Same ASID, next page: stays. */
	assert_true(xl(f, 1, 2, VA0, false).hit);
	assert_true(xl(f, 1, 1, VA0 + 0x1000, false).hit);
	assert_true(xl(f, 1, 2, VA0 + 0x1000, false).hit);
	/* That page for that ASID: gone. */
	assert_false(xl(f, 1, 1, VA0, false).hit);
}

static void test_tlbi_nh_asid(void **state)
{
	struct fx *f = *state;
	for (uint64_t p = 0; p < 4; p++)
		map(f, VA0 + p * 0x1000, true);
	two_asids(f);
	for (uint32_t ssid = 1; ssid <= 2; ssid++)
		for (uint64_t p = 0; p < 4; p++)
			xl(f, 1, ssid, VA0 + p * 0x1000, false);

	uint64_t inv0 = counter(f->st, "smmu.iotlb.invalidated");
	cmd_tlbi_asid(f, 1);
	cmd_sync(f);
	publish(f);
	assert_int_equal(counter(f->st, "smmu.iotlb.invalidated") - inv0, 4);
	assert_int_equal(counter(f->st, "smmu.cmd.tlbi_nh_asid"), 1);
	for (uint64_t p = 0; p < 4; p++)
		assert_true(xl(f, 1, 2, VA0 + p * 0x1000, false).hit);
	for (uint64_t p = 0; p < 4; p++)
		assert_false(xl(f, 1, 1, VA0 + p * 0x1000, false).hit);
}

static void test_tlbi_nh_va_range(void **state)
{
	struct fx *f = *state;
	const unsigned npages = 12;
	for (uint64_t p = 0; p < npages; p++)
		map(f, VA0 + p * 0x1000, true);
	two_asids(f);
	for (uint64_t p = 0; p < npages; p++) {
		xl(f, 1, 1, VA0 + p * 0x1000, false);
		xl(f, 1, 2, VA0 + p * 0x1000, false);
	}

	/* TG = 1 (4K), NUM = 3, SCALE = 1: (3 + 1) * 2^1 = 8 pages. */
	uint64_t inv0 = counter(f->st, "smmu.iotlb.invalidated");
	cmd_tlbi_va(f, 1, VA0, 1, 3, 1, 0);
	cmd_sync(f);
	publish(f);
	assert_false(f->s.cmdq_halted);
	assert_int_equal(counter(f->st, "smmu.iotlb.invalidated") - inv0, 8);
	for (uint64_t p = 0; p < npages; p++) {
		bool hit = xl(f, 1, 1, VA0 + p * 0x1000, false).hit;
		if (p < 8)
			assert_false(hit);
		else
			assert_true(hit);
		assert_true(xl(f, 1, 2, VA0 + p * 0x1000, false).hit);
	}
}

static void test_illegal_range_halts_queue(void **state)
{
	struct fx *f = *state;
	map(f, VA0, true);
	two_asids(f);
	xl(f, 1, 1, VA0, false);
	xl(f, 1, 2, VA0, false);

	cmd_tlbi_asid(f, 2);		    /* 0: legal */
	cmd_tlbi_va(f, 1, VA0, 1, 0, 0, 0); /* 1: TG=1, NUM=SCALE=TTL=0 */
	cmd_tlbi_asid(f, 1);		    /* 2 */
	cmd_sync(f);			    /* 3 */
	publish(f);

	assert_true(f->s.cmdq_halted);
	assert_int_equal(f->s.cmdq_cerror, CMDQ_ERR_CERROR_ILL_IDX);
	assert_int_equal(f->s.cmdq_cons, 1);
	assert_int_equal(f->s.cmdq_prod, 4);
	assert_int_equal(counter(f->st, "smmu.cmdq.errors"), 1);
	assert_int_equal(counter(f->st, "smmu.cmd.tlbi_nh_asid"), 1);
	/* The illegal command is counted as an error, not as executed. */
	assert_int_equal(counter(f->st, "smmu.cmd.tlbi_nh_va"), 0);
	assert_int_equal(counter(f->st, "smmu.cmd.sync"), 0);
	/* The command before it ran, the ones after it did not. */
	assert_true(xl(f, 1, 1, VA0, false).hit);
	assert_false(xl(f, 1, 2, VA0, false).hit);

	/* Writing PROD again while halted does nothing. */
	publish(f);
	assert_true(f->s.cmdq_halted);
	assert_int_equal(f->s.cmdq_cons, 1);
	assert_int_equal(counter(f->st, "smmu.cmdq.errors"), 1);
	assert_true(xl(f, 1, 1, VA0, false).hit);

	sm_smmu_ack_cmdq_error(&f->s);
	assert_false(f->s.cmdq_halted);
	assert_int_equal(f->s.cmdq_cerror, CMDQ_ERR_CERROR_NONE_IDX);
	assert_int_equal(f->s.cmdq_cons, 2);
	assert_true(xl(f, 1, 1, VA0, false).hit); /* ack executes nothing */

	publish(f);
	assert_false(f->s.cmdq_halted);
	assert_int_equal(f->s.cmdq_cons, 4);
	assert_int_equal(counter(f->st, "smmu.cmd.tlbi_nh_asid"), 2);
	assert_int_equal(counter(f->st, "smmu.cmd.sync"), 1);
	assert_false(xl(f, 1, 1, VA0, false).hit);
	/* A second ack with nothing pending changes nothing. */
	sm_smmu_ack_cmdq_error(&f->s);
	assert_int_equal(f->s.cmdq_cons, 4);
}

static void test_unknown_opcode_illegal(void **state)
{
	struct fx *f = *state;
	assert_null(sm_smmu_cmd_name(0x7f));
	assert_string_equal(sm_smmu_cmd_name(CMDQ_OP_CMD_SYNC), "sync");

	cmd_sync(f);
	cmd(f, op(0x7f), 0);
	cmd_sync(f);
	publish(f);
	assert_true(f->s.cmdq_halted);
	assert_int_equal(f->s.cmdq_cerror, CMDQ_ERR_CERROR_ILL_IDX);
	assert_int_equal(f->s.cmdq_cons, 1);
	assert_int_equal(counter(f->st, "smmu.cmd.sync"), 1);
	assert_int_equal(counter(f->st, "smmu.cmdq.errors"), 1);
	sm_smmu_ack_cmdq_error(&f->s);
	publish(f);
	assert_int_equal(f->s.cmdq_cons, 3);
	assert_int_equal(counter(f->st, "smmu.cmd.sync"), 2);

	/* Opcode 0 is not a command either. */
	cmd(f, 0, 0);
	publish(f);
	assert_true(f->s.cmdq_halted);
	assert_int_equal(counter(f->st, "smmu.cmdq.errors"), 2);
}

static void test_cmd_counters(void **state)
{
	struct fx *f = *state;
	cmd_sync(f);
	cmd_tlbi_va(f, 1, VA0, 0, 0, 0, 0);
	cmd_tlbi_va(f, 1, VA0 + 0x1000, 0, 0, 0, 0);
	cmd_tlbi_asid(f, 3);
	cmd_cfgi_cd(f, 1, 1);
	cmd(f, op(CMDQ_OP_PREFETCH_CFG), 0);
	cmd(f, op(CMDQ_OP_TLBI_NSNH_ALL), 0);
	cmd_sync(f);
	publish(f);
	assert_false(f->s.cmdq_halted);
	assert_int_equal(counter(f->st, "smmu.cmd.sync"), 2);
	assert_int_equal(counter(f->st, "smmu.cmd.tlbi_nh_va"), 2);
	assert_int_equal(counter(f->st, "smmu.cmd.tlbi_nh_asid"), 1);
	assert_int_equal(counter(f->st, "smmu.cmd.cfgi_cd"), 1);
	assert_int_equal(counter(f->st, "smmu.cmd.prefetch_config"), 1);
	assert_int_equal(counter(f->st, "smmu.cmd.tlbi_nsnh_all"), 1);
	assert_int_equal(counter(f->st, "smmu.cmd.cfgi_ste"), 0);
	assert_int_equal(counter(f->st, "smmu.cmd.pri_resp"), 0);
	assert_int_equal(counter(f->st, "smmu.cmdq.errors"), 0);
}

static void test_cmdq_wrap(void **state)
{
	struct fx *f = *state;
	const uint32_t n = 1u << CMDQ_LOG2;
	/* Batches of 5, 8 (a full queue) and 7: 20 commands, wrapping the
	 * 8-entry queue twice. */
	static const unsigned batch[] = {5, 8, 7};
	unsigned total = 0;
	map(f, VA0, true);
	stream(f, 1, 1, 1, 0);

	for (unsigned b = 0; b < 3; b++) {
		for (unsigned i = 0; i < batch[b]; i++)
			cmd_sync(f);
		total += batch[b];
		publish(f);
		assert_false(f->s.cmdq_halted);
		assert_int_equal(f->s.cmdq_cons, f->prod);
		assert_int_equal(f->s.cmdq_cons, total & (2 * n - 1));
		assert_int_equal(counter(f->st, "smmu.cmd.sync"), total);
	}
	/* 20 = 2 * 8 + 4: the wrap bit is clear again, index 4. */
	assert_int_equal(f->s.cmdq_cons, 4);

	/* A full queue whose last command does something: the content comes
	 * from the right slots after wrapping. */
	xl(f, 1, 1, VA0, false);
	assert_true(xl(f, 1, 1, VA0, false).hit);
	for (unsigned i = 0; i < n - 1; i++)
		cmd_sync(f);
	cmd_tlbi_asid(f, 1);
	assert_int_equal(f->prod, (4 + n) & (2 * n - 1)); /* wrap bit set */
	publish(f);
	assert_int_equal(f->s.cmdq_cons, 12);
	assert_int_equal(counter(f->st, "smmu.cmd.tlbi_nh_asid"), 1);
	assert_false(xl(f, 1, 1, VA0, false).hit);
}

/* ============================== BTM ============================== */

/* ssid 1: ASET = 0, ASID 5, page A.  ssid 2: ASET = 1, ASID 5, page B.
 * ssid 3: ASET = 0, ASID 6, page A. */
static void btm_streams(struct fx *f, uint64_t a, uint64_t b)
{
	map(f, a, true);
	map(f, b, true);
	stream(f, 1, 1, 5, 0);
	cd_write(f, 1, 2, 5, f->root, CD_ASET);
	cd_write(f, 1, 3, 6, f->root, 0);
	assert_false(xl(f, 1, 1, a, false).hit);
	assert_false(xl(f, 1, 2, b, false).hit);
	assert_false(xl(f, 1, 3, a, false).hit);
}

static void test_btm_on(void **state)
{
	static const char *const kv[] = {"smmu.btm", "on", NULL};
	struct fx *f = fx_reinit(state, kv);
	const uint64_t a = VA0, b = VA0 + 0x1000;
	assert_true(f->s.btm);
	btm_streams(f, a, b);

	/* VALE1IS ASID 5, page B: B was filled through an ASET=1 CD. */
	struct sm_tlbi t = {
	    .op = SM_TLBI_VALE1, .is = true, .asid = 5, .va = b, .pages = 1};
	uint64_t done = sm_smmu_dvm_apply(&f->s, &t, f->now);
	sm_smmu_cmdq_catch_up(&f->s, UINT64_MAX); /* applied */
	assert_true(done >= f->now);
	assert_int_equal(counter(f->st, "smmu.btm.received"), 1);
	assert_true(xl(f, 1, 2, b, false).hit);

	/* ASIDE1IS 5: removes A of ASID 5 (ASET=0), not B (ASET=1), not A of
	 * ASID 6. */
	t = (struct sm_tlbi){.op = SM_TLBI_ASIDE1, .is = true, .asid = 5};
	uint64_t inv0 = counter(f->st, "smmu.iotlb.invalidated");
	sm_smmu_dvm_apply(&f->s, &t, f->now);
	sm_smmu_cmdq_catch_up(&f->s, UINT64_MAX); /* applied */
	assert_int_equal(counter(f->st, "smmu.btm.received"), 2);
	assert_int_equal(counter(f->st, "smmu.iotlb.invalidated") - inv0, 1);
	assert_true(xl(f, 1, 2, b, false).hit);
	assert_true(xl(f, 1, 3, a, false).hit);
	assert_false(xl(f, 1, 1, a, false).hit);

	/* VALE1IS ASID 5, page A: the refilled entry goes again. */
	t = (struct sm_tlbi){
	    .op = SM_TLBI_VALE1, .is = true, .asid = 5, .va = a, .pages = 1};
	sm_smmu_dvm_apply(&f->s, &t, f->now);
	sm_smmu_cmdq_catch_up(&f->s, UINT64_MAX); /* applied */
	assert_true(xl(f, 1, 3, a, false).hit);
	assert_false(xl(f, 1, 1, a, false).hit);

	/* VMALLE1IS: every ASET=0 entry, ASET=1 ones stay. */
	t = (struct sm_tlbi){.op = SM_TLBI_VMALLE1, .is = true};
	sm_smmu_dvm_apply(&f->s, &t, f->now);
	sm_smmu_cmdq_catch_up(&f->s, UINT64_MAX); /* applied */
	assert_true(xl(f, 1, 2, b, false).hit);
	assert_false(xl(f, 1, 3, a, false).hit);
	assert_int_equal(counter(f->st, "smmu.btm.received"), 4);
}

/* Under BTM a broadcast takes effect when the SMMU has applied it (issue
 * 10, increment 3): a translation before that cycle still hits, one after
 * it misses. */
static void test_btm_applies_at_its_cycle(void **state)
{
	static const char *const kv[] = {"smmu.btm", "on", "smmu.lat.cmd",
					 "1000", NULL};
	struct fx *f = fx_reinit(state, kv);
	const uint64_t a = VA0, b = VA0 + 0x1000;
	btm_streams(f, a, b);
	struct sm_tlbi t = {
	    .op = SM_TLBI_VALE1, .is = true, .asid = 5, .va = a, .pages = 1};
	uint64_t done = sm_smmu_dvm_apply(&f->s, &t, f->now);
	assert_true(done > f->now + 100);
	assert_true(xl(f, 1, 1, a, false).hit); /* at f->now + 100 */
	f->now = done;
	assert_false(xl(f, 1, 1, a, false).hit);
}

static void test_btm_off(void **state)
{
	struct fx *f = *state;
	const uint64_t a = VA0, b = VA0 + 0x1000;
	assert_false(f->s.btm);
	btm_streams(f, a, b);

	struct sm_tlbi t = {.op = SM_TLBI_ASIDE1, .is = true, .asid = 5};
	uint64_t done = sm_smmu_dvm_apply(&f->s, &t, 12345);
	assert_int_equal(done, 12345);
	t = (struct sm_tlbi){.op = SM_TLBI_VMALLE1, .is = true};
	sm_smmu_dvm_apply(&f->s, &t, 12345);
	assert_int_equal(counter(f->st, "smmu.btm.received"), 0);
	assert_true(xl(f, 1, 1, a, false).hit);
	assert_true(xl(f, 1, 2, b, false).hit);
	assert_true(xl(f, 1, 3, a, false).hit);
}

/* ============================== micro-TLB ============================== */

static const char *const utlb_kv[] = {"smmu.utlb.entries", "8",
				      "smmu.utlb.ways", "8", NULL};

static void test_utlb_second_access_hits(void **state)
{
	struct fx *f = fx_reinit(state, utlb_kv);
	assert_true(f->s.has_utlb);
	uint64_t pa = map(f, VA0, true);
	stream(f, 1, 1, 1, 0);

	struct sm_smmu_xlate x = xl(f, 1, 1, VA0 + 0x10, false);
	assert_int_equal(x.outcome, SM_XLATE_OK);
	assert_false(x.hit);
	assert_int_equal(counter(f->st, "smmu.utlb.misses"), 1);
	assert_int_equal(counter(f->st, "smmu.utlb.hits"), 0);
	assert_int_equal(counter(f->st, "smmu.iotlb.misses"), 1);
	assert_int_equal(counter(f->st, "smmu.walks"), 1);

	/* The second access is served by the micro-TLB: the IOTLB is not
	 * even looked up. */
	x = xl(f, 1, 1, VA0 + 0x20, true);
	assert_int_equal(x.outcome, SM_XLATE_OK);
	assert_true(x.hit);
	assert_int_equal(x.pa, pa + 0x20);
	assert_int_equal(counter(f->st, "smmu.utlb.hits"), 1);
	assert_int_equal(counter(f->st, "smmu.utlb.misses"), 1);
	assert_int_equal(counter(f->st, "smmu.iotlb.hits"), 0);
	assert_int_equal(counter(f->st, "smmu.iotlb.misses"), 1);
	assert_int_equal(counter(f->st, "smmu.walks"), 1);
}

static void test_utlb_tagged_by_streamid(void **state)
{
	struct fx *f = fx_reinit(state, utlb_kv);
	uint64_t pa = map(f, VA0, true);
	/* Two streams, same ASID, same table, same VA. */
	stream(f, 1, 1, 1, 0);
	stream(f, 2, 1, 1, 0);

	assert_false(xl(f, 1, 1, VA0, false).hit);
	assert_true(xl(f, 1, 1, VA0, false).hit);
	assert_int_equal(counter(f->st, "smmu.utlb.hits"), 1);

	/* sid 2 misses in the micro-TLB (its tag is the StreamID) and hits
	 * the shared IOTLB. */
	struct sm_smmu_xlate x = xl(f, 2, 1, VA0, false);
	assert_int_equal(x.outcome, SM_XLATE_OK);
	assert_true(x.hit);
	assert_int_equal(x.pa, pa);
	assert_int_equal(counter(f->st, "smmu.utlb.hits"), 1);
	assert_int_equal(counter(f->st, "smmu.utlb.misses"), 2);
	assert_int_equal(counter(f->st, "smmu.iotlb.hits"), 1);
	assert_int_equal(counter(f->st, "smmu.walks"), 1);

	/* From then on each stream hits its own copy. */
	assert_true(xl(f, 2, 1, VA0, false).hit);
	assert_true(xl(f, 1, 1, VA0, false).hit);
	assert_int_equal(counter(f->st, "smmu.utlb.hits"), 3);
	assert_int_equal(counter(f->st, "smmu.iotlb.hits"), 1);
}

static void test_utlb_emptied_by_any_tlbi(void **state)
{
	struct fx *f = fx_reinit(state, utlb_kv);
	map(f, VA0, true);
	map(f, VA0 + 0x200000, true);
	stream(f, 1, 1, 1, 0);
	assert_false(xl(f, 1, 1, VA0, false).hit);

	/* None of these TLBIs concerns (ASID 1, VA0), yet each empties the
	 * micro-TLB; the IOTLB entry survives all but TLBI_NH_ALL. */
	for (int i = 0; i < 4; i++) {
		assert_true(xl(f, 1, 1, VA0, false).hit);
		uint64_t um = counter(f->st, "smmu.utlb.misses");
		uint64_t ih = counter(f->st, "smmu.iotlb.hits");
		uint64_t w = counter(f->st, "smmu.walks");
		switch (i) {
		case 0: /* another ASID */
			cmd_tlbi_va(f, 9, VA0, 0, 0, 0, 0);
			break;
		case 1: /* another page */
			cmd_tlbi_va(f, 1, VA0 + 0x200000, 0, 0, 0, 0);
			break;
		case 2:
			cmd_tlbi_asid(f, 9);
			break;
		case 3:
			cmd(f, op(CMDQ_OP_TLBI_NH_ALL), 0);
			break;
		}
		cmd_sync(f);
		publish(f);
		struct sm_smmu_xlate x = xl(f, 1, 1, VA0, false);
		assert_int_equal(x.outcome, SM_XLATE_OK);
		assert_int_equal(counter(f->st, "smmu.utlb.misses"), um + 1);
		if (i < 3) {
			assert_true(x.hit);
			assert_int_equal(counter(f->st, "smmu.iotlb.hits"),
					 ih + 1);
			assert_int_equal(counter(f->st, "smmu.walks"), w);
		} else {
			assert_false(x.hit);
			assert_int_equal(counter(f->st, "smmu.walks"), w + 1);
		}
	}

	/* A CMD_SYNC alone is not an invalidation: the micro-TLB stays. */
	assert_true(xl(f, 1, 1, VA0, false).hit);
	uint64_t uh = counter(f->st, "smmu.utlb.hits");
	cmd_sync(f);
	publish(f);
	assert_true(xl(f, 1, 1, VA0, false).hit);
	assert_int_equal(counter(f->st, "smmu.utlb.hits"), uh + 1);
}

/* ============================== walk cache ============================== */

static const char *const wc_kv[] = {"smmu.walkcache.entries", "16", NULL};

/* Pages VA0 + i * 4K, i < n: all in one 2 MiB region (one last-level
 * table). */
static void map_pages(struct fx *f, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		map(f, VA0 + (uint64_t)i * 0x1000, true);
}

/* Translate a page not in the IOTLB; returns the descriptor reads. */
static uint64_t walk_reads(struct fx *f, uint32_t ssid, uint64_t va)
{
	uint64_t r0 = counter(f->st, "smmu.walk.reads");
	uint64_t w0 = counter(f->st, "smmu.walks");
	struct sm_smmu_xlate x = xl(f, 1, ssid, va, false);
	assert_int_equal(x.outcome, SM_XLATE_OK);
	assert_false(x.hit);
	assert_int_equal(counter(f->st, "smmu.walks"), w0 + 1);
	return counter(f->st, "smmu.walk.reads") - r0;
}

static void test_walkcache_neighbour_one_read(void **state)
{
	struct fx *f = fx_reinit(state, wc_kv);
	assert_true(f->s.has_walk);
	map_pages(f, 3);
	stream(f, 1, 1, 1, 0);

	assert_int_equal(walk_reads(f, 1, VA0), 4);
	assert_int_equal(counter(f->st, "smmu.walkcache.misses"), 1);
	assert_int_equal(counter(f->st, "smmu.walkcache.hits"), 0);
	/* The next page of the same 2 MiB region: only the leaf is read. */
	assert_int_equal(walk_reads(f, 1, VA0 + 0x1000), 1);
	assert_int_equal(counter(f->st, "smmu.walkcache.hits"), 1);
	assert_int_equal(counter(f->st, "smmu.walkcache.misses"), 1);
	assert_int_equal(walk_reads(f, 1, VA0 + 0x2000), 1);
	assert_int_equal(counter(f->st, "smmu.walkcache.hits"), 2);

	/* The walk cache is tagged by ASID: another ASID over the same
	 * table walks in full. */
	cd_write(f, 1, 2, 2, f->root, 0);
	assert_int_equal(walk_reads(f, 2, VA0), 4);
}

static void test_walkcache_tlbi_leaf(void **state)
{
	struct fx *f = fx_reinit(state, wc_kv);
	map_pages(f, 4);
	stream(f, 1, 1, 1, 0);
	assert_int_equal(walk_reads(f, 1, VA0), 4);

	/* TLBI_NH_VA, LEAF = 1: only the IOTLB entry goes. */
	cmd(f, op(CMDQ_OP_TLBI_NH_VA) | sm_field_prep(CMDQ_TLBI_0_ASID, 1),
	    (VA0 & CMDQ_TLBI_1_VA_MASK) | CMDQ_TLBI_1_LEAF);
	cmd_sync(f);
	publish(f);
	assert_int_equal(walk_reads(f, 1, VA0), 1);
	assert_int_equal(walk_reads(f, 1, VA0 + 0x1000), 1);

	/* LEAF = 0: the table descriptors for VA0 go too. */
	cmd(f, op(CMDQ_OP_TLBI_NH_VA) | sm_field_prep(CMDQ_TLBI_0_ASID, 1),
	    VA0 & CMDQ_TLBI_1_VA_MASK);
	cmd_sync(f);
	publish(f);
	assert_int_equal(walk_reads(f, 1, VA0 + 0x2000), 4);
	/* ... and the walk cache is refilled by that walk. */
	assert_int_equal(walk_reads(f, 1, VA0 + 0x3000), 1);
}

static void test_walkcache_tlbi_asid_and_all(void **state)
{
	struct fx *f = fx_reinit(state, wc_kv);
	map_pages(f, 5);
	stream(f, 1, 1, 1, 0);
	assert_int_equal(walk_reads(f, 1, VA0), 4);

	/* Another ASID's TLBI_NH_ASID leaves ASID 1's descriptors. */
	cmd_tlbi_asid(f, 7);
	cmd_sync(f);
	publish(f);
	assert_int_equal(walk_reads(f, 1, VA0 + 0x1000), 1);

	cmd_tlbi_asid(f, 1);
	cmd_sync(f);
	publish(f);
	assert_int_equal(walk_reads(f, 1, VA0 + 0x2000), 4);
	assert_int_equal(walk_reads(f, 1, VA0 + 0x3000), 1);

	cmd(f, op(CMDQ_OP_TLBI_NH_ALL), 0);
	cmd_sync(f);
	publish(f);
	assert_int_equal(walk_reads(f, 1, VA0 + 0x4000), 4);
	assert_int_equal(counter(f->st, "smmu.cmd.tlbi_nh_all"), 1);
}

/* ======================= negative caching ======================= */

static void test_negative_cache_on(void **state)
{
	static const char *const kv[] = {"smmu.iotlb.cache_translation_faults",
					 "on", NULL};
	struct fx *f = fx_reinit(state, kv);
	map(f, VA0 + 0x1000, true); /* tables exist; VA0's leaf is empty */
	stream(f, 1, 1, 1, 0);

	struct sm_smmu_xlate x = xl(f, 1, 1, VA0, false);
	assert_int_equal(x.outcome, SM_XLATE_FAULT_TRANSLATION);
	assert_false(x.hit);
	assert_int_equal(counter(f->st, "smmu.walks"), 1);
	assert_int_equal(counter(f->st, "smmu.iotlb.negative_fills"), 1);
	assert_int_equal(counter(f->st, "smmu.iotlb.negative_hits"), 0);

	/* The page is mapped without any invalidation: the cached fault
	 * still answers, without a walk. */
	uint64_t pa = map(f, VA0, true);
	x = xl(f, 1, 1, VA0 + 0x8, true);
	assert_int_equal(x.outcome, SM_XLATE_FAULT_TRANSLATION);
	assert_int_equal(x.event, SM_EVT_F_TRANSLATION);
	assert_true(x.hit);
	assert_int_equal(counter(f->st, "smmu.walks"), 1);
	assert_int_equal(counter(f->st, "smmu.iotlb.negative_hits"), 1);
	assert_int_equal(counter(f->st, "smmu.iotlb.negative_fills"), 1);
	assert_int_equal(counter(f->st, "smmu.faults.translation"), 2);

	/* A TLBI for another page leaves the negative entry. */
	cmd_tlbi_va(f, 1, VA0 + 0x1000, 0, 0, 0, 0);
	cmd_sync(f);
	publish(f);
	assert_int_equal(xl(f, 1, 1, VA0, false).outcome,
			 SM_XLATE_FAULT_TRANSLATION);
	assert_int_equal(counter(f->st, "smmu.iotlb.negative_hits"), 2);

	/* TLBI_NH_VA for the page: the access walks and translates. */
	cmd_tlbi_va(f, 1, VA0, 0, 0, 0, 0);
	cmd_sync(f);
	publish(f);
	x = xl(f, 1, 1, VA0 + 0x8, true);
	assert_int_equal(x.outcome, SM_XLATE_OK);
	assert_false(x.hit);
	assert_int_equal(x.pa, pa + 0x8);
	assert_int_equal(counter(f->st, "smmu.walks"), 2);
	assert_int_equal(counter(f->st, "smmu.iotlb.negative_hits"), 2);
	assert_true(xl(f, 1, 1, VA0, false).hit);
}

static void test_negative_cache_off(void **state)
{
	struct fx *f = *state;
	map(f, VA0 + 0x1000, true);
	stream(f, 1, 1, 1, 0);

	struct sm_smmu_xlate x = xl(f, 1, 1, VA0, false);
	assert_int_equal(x.outcome, SM_XLATE_FAULT_TRANSLATION);
	assert_int_equal(counter(f->st, "smmu.iotlb.negative_fills"), 0);
	assert_int_equal(counter(f->st, "smmu.iotlb.fills"), 0);

	uint64_t pa = map(f, VA0, true);
	x = xl(f, 1, 1, VA0 + 0x8, true);
	assert_int_equal(x.outcome, SM_XLATE_OK);
	assert_false(x.hit);
	assert_int_equal(x.pa, pa + 0x8);
	assert_int_equal(counter(f->st, "smmu.walks"), 2);
	assert_int_equal(counter(f->st, "smmu.iotlb.negative_hits"), 0);
}

/* ======================= IOTLB replacement ======================= */

/* A 4-entry fully associative IOTLB; pages P0..P4 = VA0 + i * 4K. */
static struct fx *small_iotlb(void **state, const char *repl)
{
	const char *const kv[] = {"smmu.iotlb.entries",
				  "4",
				  "smmu.iotlb.ways",
				  "4",
				  "smmu.iotlb.replacement",
				  repl,
				  NULL};
	struct fx *f = fx_reinit(state, kv);
	map_pages(f, 5);
	stream(f, 1, 1, 1, 0);
	return f;
}

static bool hit_page(struct fx *f, unsigned i)
{
	struct sm_smmu_xlate x = xl(f, 1, 1, VA0 + (uint64_t)i * 0x1000, false);
	assert_int_equal(x.outcome, SM_XLATE_OK);
	return x.hit;
}

static void test_iotlb_flushall(void **state)
{
	struct fx *f = small_iotlb(state, "flushall");
	for (unsigned i = 0; i < 4; i++)
		assert_false(hit_page(f, i));
	for (unsigned i = 0; i < 4; i++)
		assert_true(hit_page(f, i));
	assert_int_equal(counter(f->st, "smmu.iotlb.fills"), 4);
	assert_int_equal(counter(f->st, "smmu.iotlb.flush_full"), 0);
	assert_int_equal(counter(f->st, "smmu.iotlb.evictions"), 0);

	/* The fifth page finds the cache full: it is emptied first. */
	assert_false(hit_page(f, 4));
	assert_int_equal(counter(f->st, "smmu.iotlb.fills"), 5);
	assert_int_equal(counter(f->st, "smmu.iotlb.flush_full"), 1);
	assert_true(hit_page(f, 4));
	for (unsigned i = 1; i < 4; i++)
		assert_false(hit_page(f, i));
	/* P4, P1, P2, P3: full again, without another flush yet. */
	assert_int_equal(counter(f->st, "smmu.iotlb.flush_full"), 1);
	assert_true(hit_page(f, 4));
	assert_false(hit_page(f, 0));
	assert_int_equal(counter(f->st, "smmu.iotlb.flush_full"), 2);
	assert_false(hit_page(f, 1));
}

/* P0 P1 P2 P3 P0 P4 P2 P3 P0 P1: 'h' for a hit, 'm' for a miss. */
static void run_repl(void **state, const char *repl, const char *expect,
		     uint64_t flushes, uint64_t evictions)
{
	static const unsigned seq[] = {0, 1, 2, 3, 0, 4, 2, 3, 0, 1};
	char got[sizeof(seq) / sizeof(seq[0]) + 1] = {0};
	struct fx *f = small_iotlb(state, repl);
	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++)
		got[i] = hit_page(f, seq[i]) ? 'h' : 'm';
	assert_string_equal(got, expect);
	assert_int_equal(counter(f->st, "smmu.iotlb.flush_full"), flushes);
	if (evictions != UINT64_MAX)
		assert_int_equal(counter(f->st, "smmu.iotlb.evictions"),
				 evictions);
}

static void test_iotlb_repl_policies_differ(void **state)
{
	/* LRU: P4 replaces P1 (P0 was used again). */
	run_repl(state, "lru", "mmmmhmhhhm", 0, 2);
	/* Round robin: P4 replaces way 0 (P0), then P0 replaces P1. */
	run_repl(state, "rr", "mmmmhmhhmm", 0, 3);
	/* Flush-all: P4 empties the cache, P1 at the end again; each flush
	 * counts as an eviction. */
	run_repl(state, "flushall", "mmmmhmmmmm", 2, 2);
}

/* ===================== 2-level tables, stage 2 ====================== */

/* A 2-level stream table with SPLIT 4 (16 STEs per L2 table) over 2^8
 * StreamIDs: L1 descriptors at f->strtab. */
static uint64_t l2_strtab(struct fx *f, uint32_t l1_index, unsigned span)
{
	uint64_t l2 = page_alloc(f->pm, SM_PAGE_SMMU);
	sm_physmem_write64(f->pm, f->strtab + (uint64_t)l1_index * 8,
			   (l2 & STRTAB_L1_DESC_L2PTR_MASK) |
			       sm_field_prep(STRTAB_L1_DESC_SPAN, span));
	return l2;
}

static void test_strtab_2lvl(void **state)
{
	struct fx *f = *state;
	map(f, VA0, true);
	sm_smmu_set_strtab_2lvl(&f->s, f->strtab, 8, 4);
	uint64_t l2 = l2_strtab(f, 1, 5);
	uint64_t cdt = page_alloc(f->pm, SM_PAGE_SMMU);
	/* sid 0x13: L1 index 1, STE 3 of its L2 table. */
	sm_physmem_write64(
	    f->pm, l2 + 3 * 64,
	    STRTAB_STE_0_V |
		sm_field_prep(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_S1_TRANS) |
		(cdt & STRTAB_STE_0_S1CTXPTR_MASK) |
		sm_field_prep(STRTAB_STE_0_S1CDMAX, 2));
	f->cdtab[0] = cdt; /* cd_write() through slot 0 */
	cd_write(f, 0, 1, 1, f->root, 0);
	struct sm_smmu_xlate x = xl(f, 0x13, 1, VA0, false);
	assert_int_equal(x.outcome, SM_XLATE_OK);
	/* The walk reads 4 levels (the L1 descriptor, STE and CD are
	 * configuration fetches, not walk reads). */
	assert_int_equal(counter(f->st, "smmu.walk.reads"), 4);

	/* An invalid L1 descriptor (Span 0): C_BAD_STREAMID. */
	x = xl(f, 0x23, 1, VA0, false);
	assert_int_equal(x.event, SM_EVT_C_BAD_STREAMID);
	/* A Span that does not reach the StreamID: C_BAD_STE (Span 2 covers
	 * 2 STEs). */
	l2_strtab(f, 3, 2);
	x = xl(f, 0x35, 1, VA0, false);
	assert_int_equal(x.event, SM_EVT_C_BAD_STE);
	/* An L2 table outside RAM: F_STE_FETCH. */
	sm_physmem_write64(f->pm, f->strtab + 4 * 8,
			   (0x1000000000ull & STRTAB_L1_DESC_L2PTR_MASK) |
			       sm_field_prep(STRTAB_L1_DESC_SPAN, 5));
	x = xl(f, 0x41, 1, VA0, false);
	assert_int_equal(x.event, SM_EVT_F_STE_FETCH);
	assert_int_equal(counter(f->st, "smmu.faults.f_ste_fetch"), 1);
	/* Beyond LOG2SIZE 8. */
	x = xl(f, 0x100, 1, VA0, false);
	assert_int_equal(x.event, SM_EVT_C_BAD_STREAMID);
}

static void test_cd_table_2lvl(void **state)
{
	struct fx *f = *state;
	map(f, VA0, true);
	/* S1Fmt 4K_L2: 64 CDs per leaf; SSID 70 is CD 6 of leaf 1. */
	uint64_t l1 = page_alloc(f->pm, SM_PAGE_SMMU);
	uint64_t leaf = page_alloc(f->pm, SM_PAGE_SMMU);
	ste_write0(
	    f, 1,
	    STRTAB_STE_0_V |
		sm_field_prep(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_S1_TRANS) |
		sm_field_prep(STRTAB_STE_0_S1FMT, STRTAB_STE_0_S1FMT_4K_L2) |
		(l1 & STRTAB_STE_0_S1CTXPTR_MASK) |
		sm_field_prep(STRTAB_STE_0_S1CDMAX, 8));
	f->cdtab[2] = leaf;
	cd_write(f, 2, 6, 1, f->root, 0);
	/* Leaf 1 not there yet (L1 descriptor V=0): C_BAD_CD. */
	struct sm_smmu_xlate x = xl(f, 1, 70, VA0, false);
	assert_int_equal(x.event, SM_EVT_C_BAD_CD);
	sm_physmem_write64(f->pm, l1 + 8,
			   (leaf & CTXDESC_L1_DESC_L2PTR_MASK) |
			       CTXDESC_L1_DESC_V);
	x = xl(f, 1, 70, VA0, false);
	assert_int_equal(x.outcome, SM_XLATE_OK);
	/* A leaf outside RAM: F_CD_FETCH. */
	sm_physmem_write64(f->pm, l1 + 16,
			   (0x1000000000ull & CTXDESC_L1_DESC_L2PTR_MASK) |
			       CTXDESC_L1_DESC_V);
	x = xl(f, 1, 130, VA0, false);
	assert_int_equal(x.event, SM_EVT_F_CD_FETCH);
	assert_int_equal(counter(f->st, "smmu.faults.f_cd_fetch"), 1);
}

/* A stage-2-only STE (Config = S2 translate) for VMID vmid over the table
 * at root: AArch64 tables, S2PTW, S2R (faults recorded), no ATS, SHCFG
 * incoming -- the fields Linux's arm_smmu_make_s2_domain_ste() sets. */
static void s2_ste(struct fx *f, uint32_t sid, uint16_t vmid, uint64_t root,
		   uint64_t vtcr)
{
	uint64_t ste[STRTAB_STE_DWORDS] = {0};
	ste[0] = STRTAB_STE_0_V |
		 sm_field_prep(STRTAB_STE_0_CFG, STRTAB_STE_0_CFG_S2_TRANS);
	ste[1] = sm_field_prep(STRTAB_STE_1_EATS, STRTAB_STE_1_EATS_ABT) |
		 sm_field_prep(STRTAB_STE_1_SHCFG, STRTAB_STE_1_SHCFG_INCOMING);
	ste[2] = sm_field_prep(STRTAB_STE_2_S2VMID, vmid) |
		 sm_field_prep(STRTAB_STE_2_VTCR, vtcr) | STRTAB_STE_2_S2AA64 |
		 STRTAB_STE_2_S2PTW | STRTAB_STE_2_S2R;
	ste[3] = root & STRTAB_STE_3_S2TTB_MASK;
	for (int i = 0; i < STRTAB_STE_DWORDS; i++)
		sm_physmem_write64(f->pm, ste_pa(f, sid) + 8 * (uint64_t)i,
				   ste[i]);
}

static void test_stage2_ste_checks_and_vmid(void **state)
{
	struct fx *f = *state;
	uint64_t s2 = f->root;
	uint64_t pa = page_alloc(f->pm, SM_PAGE_DATA);
	assert_int_equal(sm_pgt_set(f->pm, s2, VA0, 3,
				    (pa & PTE_ADDR_MASK) | PTE_TYPE_PAGE |
					PTE_AF | PTE_SHARED | PTE_S2_HAP_READ,
				    NULL, &f->eb),
			 0);
	uint64_t good = sm_ste_vtcr(16, 2, 1, 1, 3, 0, 5);
	s2_ste(f, 2, 9, s2, good);
	s2_ste(f, 3, 9, s2, sm_ste_vtcr(16, 2, 1, 1, 3, 1, 5)); /* 64K */
	s2_ste(f, 4, 9, s2, sm_ste_vtcr(16, 3, 1, 1, 3, 0, 5)); /* SL0 3 */
	s2_ste(f, 5, 9, s2, sm_ste_vtcr(12, 2, 1, 1, 3, 0, 5)); /* T0SZ */
	assert_int_equal(xl(f, 3, SMMUSIM_NO_SSID, VA0, false).event,
			 SM_EVT_C_BAD_STE);
	assert_int_equal(xl(f, 4, SMMUSIM_NO_SSID, VA0, false).event,
			 SM_EVT_C_BAD_STE);
	assert_int_equal(xl(f, 5, SMMUSIM_NO_SSID, VA0, false).event,
			 SM_EVT_C_BAD_STE);
	/* T0SZ 16 (48 bits) needs a level-0 start: SL0 1 (level 1, 39 bits)
	 * would need concatenated tables, not modelled. */
	s2_ste(f, 6, 9, s2, sm_ste_vtcr(16, 1, 1, 1, 3, 0, 5));
	assert_int_equal(xl(f, 6, SMMUSIM_NO_SSID, VA0, false).event,
			 SM_EVT_C_BAD_STE);

	/* Read-only IPA: read OK, write a permission fault of stage 2,
	 * recorded (STE.S2R) with S2 = 1, CLASS = IN and the IPA. */
	uint64_t evtq = page_alloc(f->pm, SM_PAGE_SMMU);
	sm_smmu_set_evtq(&f->s, evtq, 3);
	struct sm_smmu_xlate x = xl(f, 2, SMMUSIM_NO_SSID, VA0, false);
	assert_int_equal(x.outcome, SM_XLATE_OK);
	assert_int_equal(x.pa, pa);
	x = xl(f, 2, SMMUSIM_NO_SSID, VA0, true);
	assert_int_equal(x.event, SM_EVT_F_PERMISSION);
	assert_true(x.recorded);
	uint64_t r1 = sm_physmem_read64(f->pm, evtq + 8);
	assert_true(r1 & EVTQ_1_S2);
	assert_false(r1 & EVTQ_1_RNW);
	assert_int_equal(sm_field_get(EVTQ_1_CLASS, r1), EVTQ_1_CLASS_IN);
	assert_int_equal(sm_physmem_read64(f->pm, evtq + 24), VA0);
	assert_int_equal(counter(f->st, "smmu.faults.stage2"), 1);

	/* The entry is VMID 9's: TLBI_NH_ASID / S12_VMALL of VMID 8 leave it,
	 * S12_VMALL of VMID 9 removes it. */
	uint64_t walks = counter(f->st, "smmu.walks");
	cmd(f, op(CMDQ_OP_TLBI_S12_VMALL) | sm_field_prep(CMDQ_TLBI_0_VMID, 8),
	    0);
	publish(f);
	assert_int_equal(xl(f, 2, SMMUSIM_NO_SSID, VA0, false).outcome,
			 SM_XLATE_OK);
	assert_int_equal(counter(f->st, "smmu.walks"), walks);
	cmd(f, op(CMDQ_OP_TLBI_S2_IPA) | sm_field_prep(CMDQ_TLBI_0_VMID, 9),
	    (VA0 + 0x1000) & CMDQ_TLBI_1_VA_MASK);
	publish(f);
	assert_int_equal(xl(f, 2, SMMUSIM_NO_SSID, VA0, false).outcome,
			 SM_XLATE_OK);
	assert_int_equal(counter(f->st, "smmu.walks"), walks); /* other IPA */
	cmd(f, op(CMDQ_OP_TLBI_S2_IPA) | sm_field_prep(CMDQ_TLBI_0_VMID, 9),
	    VA0 & CMDQ_TLBI_1_VA_MASK);
	publish(f);
	assert_int_equal(xl(f, 2, SMMUSIM_NO_SSID, VA0, false).outcome,
			 SM_XLATE_OK);
	assert_int_equal(counter(f->st, "smmu.walks"), walks + 1);
}

static void test_cmd_service_times(void **state)
{
	/* 16 sets x 4 ways; lat.cmd 20 (default) + class extras + scan. */
	const char *kv[] = {"smmu.iotlb.entries",
			    "64",
			    "smmu.iotlb.ways",
			    "4",
			    "smmu.lat.cmd_tlbi",
			    "100",
			    "smmu.lat.inv_scan",
			    "10",
			    "smmu.lat.cmd_sync",
			    "7",
			    "smmu.lat.cmd_cfgi",
			    "3",
			    NULL};
	struct fx *f = fx_reinit(state, kv);
	uint64_t t0 = f->now;
	cmd_tlbi_va(f, 1, VA0, 1, 3, 0, 3); /* 4 pages: 4 sets */
	publish(f);
	assert_int_equal(f->now - t0, 20 + 100 + 4 * 10);
	t0 = f->now;
	cmd_tlbi_va(f, 1, VA0, 1, 31, 3, 3); /* 256 pages: all 16 sets */
	publish(f);
	assert_int_equal(f->now - t0, 20 + 100 + 16 * 10);
	t0 = f->now;
	cmd_tlbi_asid(f, 1);
	publish(f);
	assert_int_equal(f->now - t0, 20 + 100 + 16 * 10);
	t0 = f->now;
	cmd_cfgi_ste(f, 1);
	cmd_sync(f);
	publish(f);
	assert_int_equal(f->now - t0, 20 + 3 + 20 + 7);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_translate_ok_then_iotlb_hit),
	    T(test_bad_streamid),
	    T(test_evtq_records_in_memory),
	    T(test_ste_invalid),
	    T(test_cd_invalid),
	    T(test_bad_substreamid),
	    T(test_abort_and_bypass),
	    T(test_epd0_faults_without_walk),
	    T(test_perm_fault_from_cache),
	    T(test_perm_rewalk_when_off),
	    T(test_cfgcache_stale_until_cfgi_cd),
	    T(test_cfgcache_cfgi_ste),
	    T(test_cfgi_ste_range_all),
	    T(test_tlbi_nh_va_single),
	    T(test_tlbi_nh_asid),
	    T(test_tlbi_nh_va_range),
	    T(test_illegal_range_halts_queue),
	    T(test_unknown_opcode_illegal),
	    T(test_cmd_counters),
	    T(test_cmdq_wrap),
	    T(test_btm_on),
	    T(test_btm_applies_at_its_cycle),
	    T(test_btm_off),
	    T(test_utlb_second_access_hits),
	    T(test_utlb_tagged_by_streamid),
	    T(test_utlb_emptied_by_any_tlbi),
	    T(test_walkcache_neighbour_one_read),
	    T(test_walkcache_tlbi_leaf),
	    T(test_walkcache_tlbi_asid_and_all),
	    T(test_negative_cache_on),
	    T(test_negative_cache_off),
	    T(test_iotlb_flushall),
	    T(test_iotlb_repl_policies_differ),
	    T(test_strtab_2lvl),
	    T(test_cd_table_2lvl),
	    T(test_stage2_ste_checks_and_vmid),
	    T(test_cmd_service_times),
	};
#undef T
	return cmocka_run_group_tests_name("smmu", tests, NULL, NULL);
}
