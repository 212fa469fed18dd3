/* SPDX-License-Identifier: MIT */
/* Tests for the TLBI catalogue (src/cpu/tlbi.c): range and VA operand
 * encoders against their decoder over every field value, sm_tlbi_check,
 * and the raw `tlbi` / `dsb` events through the simulator API and trace
 * replay.  Linux's range splitting is tested in test_tlbflush.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <smmusim/config.h>
#include <smmusim/error.h>
#include <smmusim/event.h>
#include <smmusim/smmusim.h>

#include "sim/sim_internal.h"
#include "hw/cpu/cpu.h"
#include "arch/tlbi.h"

#define PAGE 0x1000ull
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const uint16_t asids[] = {0,	1,	2,	0x7f,	0x80,	0xff,
				 0x100, 0x1234, 0x7fff, 0x8000, 0xfffe, 0xffff};

/* Page-aligned, below 2^48. */
static const uint64_t vas[] = {
    0,
    0x1000,
    0x2000,
    0x200000,
    0x1234000,
    0x40000000,
    0x7ffff000,
    0x123456789000ull,
    0xaaaaaaaaa000ull,
    0x555555555000ull,
    0x7ffffffff000ull,
    0x800000000000ull,
    0xfffffffff000ull, /* 2^48 - 4K */
};

static const enum sm_tlbi_op range_ops[] = {SM_TLBI_RVAE1, SM_TLBI_RVALE1,
					    SM_TLBI_RVAAE1, SM_TLBI_RVAALE1};
static const enum sm_tlbi_op va_ops[] = {SM_TLBI_VAE1, SM_TLBI_VALE1,
					 SM_TLBI_VAAE1, SM_TLBI_VAALE1};

/* ---- range operands ---- */

/* One range operand: encode, check the field layout and sm_tlbi_check,
 * decode for every range op in both forms.  Returns the decodes done. */
static unsigned check_range_operand(unsigned num, unsigned scale, unsigned tg,
				    unsigned ttl, uint16_t asid, uint64_t base)
{
	unsigned checked = 0;
	uint64_t op = sm_tlbi_operand_range(asid, tg, scale, num, ttl, base);
	/* Field layout (Linux __TLBI_VADDR_RANGE). */
	assert_int_equal(op & TLBIR_BADDR_MASK, base >> 12);
	assert_int_equal((op >> TLBIR_TTL_SHIFT) & 3, ttl);
	assert_int_equal((op >> TLBIR_NUM_SHIFT) & 31, num);
	assert_int_equal((op >> TLBIR_SCALE_SHIFT) & 3, scale);
	assert_int_equal((op >> TLBIR_TG_SHIFT) & 3, tg);
	assert_int_equal(op >> TLBI_ASID_SHIFT, asid);

	const char *field = NULL, *why = NULL;
	int rc = sm_tlbi_check(SM_TLBI_RVAE1, op, &field, &why);
	if (tg == SM_TLBI_TG_4K) {
		assert_int_equal(rc, 0);
	} else {
		assert_int_equal(rc, SMMUSIM_EINVAL);
		assert_non_null(field);
		assert_string_equal(field, "tg");
		assert_non_null(why);
	}

	for (size_t o = 0; o < ARRAY_LEN(range_ops); o++)
		for (int is = 0; is < 2; is++) {
			struct sm_tlbi t;
			memset(&t, 0xa5, sizeof(t));
			sm_tlbi_decode(range_ops[o], is, op, &t);
			assert_int_equal(t.op, range_ops[o]);
			assert_int_equal(t.is, is);
			assert_int_equal(t.asid, asid);
			assert_int_equal(t.vmid, 0);
			assert_int_equal(t.va, base);
			assert_int_equal(t.tg, tg);
			assert_int_equal(t.scale, scale);
			assert_int_equal(t.num, num);
			assert_int_equal(t.ttl, ttl);
			assert_int_equal(t.pages, (uint64_t)(num + 1)
						      << (5 * scale + 1));
			assert_int_equal(t.pages,
					 SM_TLBI_RANGE_PAGES(num, scale));
			/* TTL[1:0] is the leaf level, 0 = any. */
			assert_int_equal(t.level, ttl);
			assert_int_equal(t.no_effect, tg != SM_TLBI_TG_4K);
			checked++;
		}
	return checked;
}

/* Every ASID and base for one set of fields. */
static unsigned check_fields(unsigned num, unsigned scale, unsigned tg,
			     unsigned ttl)
{
	unsigned checked = 0;
	for (size_t a = 0; a < ARRAY_LEN(asids); a++)
		for (size_t v = 0; v < ARRAY_LEN(vas); v++)
			checked += check_range_operand(num, scale, tg, ttl,
						       asids[a], vas[v]);
	return checked;
}

static void test_range_roundtrip_exhaustive(void **state)
{
	(void)state;
	unsigned long long checked = 0;
	for (unsigned num = 0; num < 32; num++)
		for (unsigned scale = 0; scale < 4; scale++)
			for (unsigned tg = 0; tg < 4; tg++)
				for (unsigned ttl = 0; ttl < 4; ttl++)
					checked +=
					    check_fields(num, scale, tg, ttl);
	assert_int_equal(checked, 32ull * 4 * 4 * 4 * ARRAY_LEN(asids) *
				      ARRAY_LEN(vas) * ARRAY_LEN(range_ops) *
				      2);
	/* The extremes of the page count: 2 and 2^21. */
	assert_int_equal(SM_TLBI_RANGE_PAGES(0, 0), 2);
	assert_int_equal(SM_MAX_TLBI_RANGE_PAGES, 1ull << 21);
}

static void test_range_fields_masked(void **state)
{
	(void)state;
	struct sm_tlbi t;
	/* The BaseADDR field is 37 bits: the largest page-aligned base it
	 * holds is 2^49 - 4K; an out-of-range field value cannot leak into
	 * its neighbours. */
	const uint64_t top = ((1ull << 37) - 1) << 12;
	uint64_t op = sm_tlbi_operand_range(0xabcd, 1, 3, 31, 3, top);
	assert_int_equal(op & TLBIR_BADDR_MASK, TLBIR_BADDR_MASK);
	sm_tlbi_decode(SM_TLBI_RVAE1, true, op, &t);
	assert_int_equal(t.va, top);
	assert_int_equal(t.asid, 0xabcd);
	assert_int_equal(t.pages, 1ull << 21);
	op = sm_tlbi_operand_range(0, 1 | 4, 0 | 4, 0 | 32, 1 | 4, 0x5000);
	sm_tlbi_decode(SM_TLBI_RVALE1, false, op, &t);
	assert_int_equal(t.asid, 0);
	assert_int_equal(t.tg, 1);
	assert_int_equal(t.scale, 0);
	assert_int_equal(t.num, 0);
	assert_int_equal(t.ttl, 1);
	assert_int_equal(t.va, 0x5000);
	/* The page offset of the base is dropped. */
	op = sm_tlbi_operand_range(1, 1, 0, 0, 0, 0x12345abcull);
	sm_tlbi_decode(SM_TLBI_RVAE1, false, op, &t);
	assert_int_equal(t.va, 0x12345000ull);
}

static void test_tlbi_check(void **state)
{
	(void)state;
	for (size_t o = 0; o < ARRAY_LEN(range_ops); o++) {
		for (unsigned tg = 0; tg < 4; tg++) {
			const char *field = "unset", *why = "unset";
			uint64_t op =
			    sm_tlbi_operand_range(1, tg, 0, 0, 0, 0x1000);
			int rc = sm_tlbi_check(range_ops[o], op, &field, &why);
			if (tg == 1) {
				assert_int_equal(rc, 0);
				continue;
			}
			assert_true(rc < 0);
			assert_int_equal(rc, SMMUSIM_EINVAL);
			assert_string_equal(field, "tg");
			assert_true(strlen(why) > 0);
			assert_string_not_equal(why, "unset");
		}
	}
	/* TG=0 and another granule are told apart. */
	const char *f0, *w0, *f2, *w2;
	sm_tlbi_check(SM_TLBI_RVAE1, sm_tlbi_operand_range(1, 0, 0, 0, 0, 0),
		      &f0, &w0);
	sm_tlbi_check(SM_TLBI_RVAE1, sm_tlbi_operand_range(1, 2, 0, 0, 0, 0),
		      &f2, &w2);
	assert_string_not_equal(w0, w2);
	/* Non-range ops have no TG field: any operand passes. */
	for (size_t o = 0; o < ARRAY_LEN(va_ops); o++) {
		const char *field = NULL, *why = NULL;
		assert_int_equal(sm_tlbi_check(va_ops[o], ~0ull, &field, &why),
				 0);
		assert_null(field);
	}
	const char *field = NULL, *why = NULL;
	assert_int_equal(sm_tlbi_check(SM_TLBI_ASIDE1, 0, &field, &why), 0);
	assert_int_equal(sm_tlbi_check(SM_TLBI_VMALLE1, 0, &field, &why), 0);
}

/* ---- VA operands ---- */

static void test_va_roundtrip(void **state)
{
	(void)state;
	for (size_t a = 0; a < ARRAY_LEN(asids); a++)
		for (size_t v = 0; v < ARRAY_LEN(vas); v++)
			for (unsigned ttl = 0; ttl < 16; ttl++) {
				uint64_t op =
				    sm_tlbi_operand_va(asids[a], vas[v], ttl);
				assert_int_equal(op & TLBI_VADDR_MASK,
						 vas[v] >> 12);
				assert_int_equal((op & TLBI_TTL_MASK) >>
						     TLBI_TTL_SHIFT,
						 ttl);
				assert_int_equal(op >> TLBI_ASID_SHIFT,
						 asids[a]);
				unsigned tg = ttl >> 2, lv = ttl & 3;
				unsigned want_level =
				    tg == SM_TLBI_TG_4K && lv >= 1 ? lv : 0;
				bool want_none = tg == 2 || tg == 3;
				for (size_t o = 0; o < ARRAY_LEN(va_ops); o++)
					for (int is = 0; is < 2; is++) {
						struct sm_tlbi t;
						memset(&t, 0xa5, sizeof(t));
						sm_tlbi_decode(va_ops[o], is,
							       op, &t);
						assert_int_equal(t.op,
								 va_ops[o]);
						assert_int_equal(t.is, is);
						assert_int_equal(t.asid,
								 asids[a]);
						assert_int_equal(t.va, vas[v]);
						assert_int_equal(t.ttl, ttl);
						assert_int_equal(t.pages, 1);
						assert_int_equal(t.vmid, 0);
						assert_int_equal(t.level,
								 want_level);
						assert_int_equal(t.no_effect,
								 want_none);
						/* Not a range op. */
						assert_int_equal(t.tg, 0);
						assert_int_equal(t.scale, 0);
						assert_int_equal(t.num, 0);
					}
			}
	/* The rules spelled out. */
	struct sm_tlbi t;
	sm_tlbi_decode(SM_TLBI_VAE1, 0, sm_tlbi_operand_va(1, 0, 7), &t);
	assert_int_equal(t.level, 3); /* 4K, level 3 */
	assert_false(t.no_effect);
	sm_tlbi_decode(SM_TLBI_VAE1, 0, sm_tlbi_operand_va(1, 0, 5), &t);
	assert_int_equal(t.level, 1);
	sm_tlbi_decode(SM_TLBI_VAE1, 0, sm_tlbi_operand_va(1, 0, 4), &t);
	assert_int_equal(t.level, 0); /* 4K, level 0: reserved = no hint */
	assert_false(t.no_effect);
	sm_tlbi_decode(SM_TLBI_VAE1, 0, sm_tlbi_operand_va(1, 0, 0xb), &t);
	assert_true(t.no_effect); /* 16K */
	sm_tlbi_decode(SM_TLBI_VAE1, 0, sm_tlbi_operand_va(1, 0, 0xc), &t);
	assert_true(t.no_effect); /* 64K, level 0 */
	sm_tlbi_decode(SM_TLBI_VAE1, 0, sm_tlbi_operand_va(1, 0, 3), &t);
	assert_int_equal(t.level, 0); /* TG = 0: no hint */
	assert_false(t.no_effect);
	/* sm_tlbi_ttl_4k builds the hints the kernel model uses. */
	assert_int_equal(sm_tlbi_ttl_4k(0), 0);
	assert_int_equal(sm_tlbi_ttl_4k(1), 5);
	assert_int_equal(sm_tlbi_ttl_4k(2), 6);
	assert_int_equal(sm_tlbi_ttl_4k(3), 7);
	assert_int_equal(sm_tlbi_ttl_4k(4), 0);
}

static void test_op_properties(void **state)
{
	(void)state;
	static const struct {
		enum sm_tlbi_op op;
		const char *name;
		bool range, last, all_asid, by_va;
	} ops[] = {
	    {SM_TLBI_VAE1, "vae1", false, false, false, true},
	    {SM_TLBI_VALE1, "vale1", false, true, false, true},
	    {SM_TLBI_VAAE1, "vaae1", false, false, true, true},
	    {SM_TLBI_VAALE1, "vaale1", false, true, true, true},
	    {SM_TLBI_ASIDE1, "aside1", false, false, false, false},
	    {SM_TLBI_VMALLE1, "vmalle1", false, false, false, false},
	    {SM_TLBI_RVAE1, "rvae1", true, false, false, true},
	    {SM_TLBI_RVALE1, "rvale1", true, true, false, true},
	    {SM_TLBI_RVAAE1, "rvaae1", true, false, true, true},
	    {SM_TLBI_RVAALE1, "rvaale1", true, true, true, true},
	};
	assert_int_equal(ARRAY_LEN(ops), SM_TLBI_OP_COUNT_);
	for (size_t i = 0; i < ARRAY_LEN(ops); i++) {
		char is_name[16];
		snprintf(is_name, sizeof(is_name), "%sis", ops[i].name);
		assert_string_equal(sm_tlbi_name(ops[i].op, false),
				    ops[i].name);
		assert_string_equal(sm_tlbi_name(ops[i].op, true), is_name);
		assert_int_equal(sm_tlbi_is_range(ops[i].op), ops[i].range);
		assert_int_equal(sm_tlbi_last_level(ops[i].op), ops[i].last);
		assert_int_equal(sm_tlbi_all_asid(ops[i].op), ops[i].all_asid);
		assert_int_equal(sm_tlbi_by_va(ops[i].op), ops[i].by_va);
		/* The public list is each op then its IS form, in this
		 * order, with the same names. */
		assert_string_equal(
		    smmusim_tlbi_name((enum smmusim_tlbi_op)(2 * i)),
		    ops[i].name);
		assert_string_equal(
		    smmusim_tlbi_name((enum smmusim_tlbi_op)(2 * i + 1)),
		    is_name);
	}
	assert_int_equal(SMMUSIM_TLBI_COUNT_, 2 * SM_TLBI_OP_COUNT_);
	assert_null(smmusim_tlbi_name(SMMUSIM_TLBI_COUNT_));
	assert_string_equal(sm_tlbi_name(SM_TLBI_OP_COUNT_, false), "?");
}

/* ---- raw tlbi and dsb through the simulator ---- */

static smmusim_t *sim_new(const char *const *sets)
{
	smmusim_config_t *cfg;
	smmusim_t *sim;
	char err[256];
	assert_int_equal(smmusim_config_new(&cfg, NULL), 0);
	/* Range TLBIs need FEAT_TLBIRANGE and TTL hints FEAT_TTL; tests that
	 * want them off say so. */
	assert_int_equal(smmusim_config_set(cfg, "cpu.feat_tlbirange", "on"),
			 0);
	assert_int_equal(smmusim_config_set(cfg, "cpu.feat_ttl", "on"), 0);
	for (size_t i = 0; sets && sets[i]; i++)
		if (smmusim_config_set_assignment(cfg, sets[i]))
			fail_msg("%s: %s", sets[i], smmusim_config_error(cfg));
	int rc = smmusim_new_ex(&sim, cfg, NULL, err, sizeof(err));
	smmusim_config_free(cfg);
	if (rc)
		fail_msg("smmusim_new_ex: %d %s", rc, err);
	return sim;
}

static uint64_t sim_stat(const smmusim_t *sim, const char *name)
{
	uint64_t v = 0;
	if (smmusim_stat_get(sim, name, &v))
		fail_msg("no stat %s", name);
	return v;
}

static void submit_ok(smmusim_t *sim, const struct smmusim_event *ev)
{
	int rc = smmusim_submit(sim, ev);
	if (rc)
		fail_msg("submit: %d %s", rc, smmusim_last_error(sim));
}

static struct smmusim_event raw(enum smmusim_tlbi_op op, uint32_t asid,
				uint64_t va)
{
	return (struct smmusim_event){
	    .type = SMMUSIM_EV_TLBI, .tlbi = op, .asid = asid, .va = va};
}

/* Submitting ev fails with rc and a message containing each of `words`
 * (NULL terminated); the failed event counts nothing as issued. */
static void refused(smmusim_t *sim, const struct smmusim_event *ev, int rc, ...)
{
	uint64_t issued = 0;
	for (size_t i = 0; i < smmusim_stat_count(sim); i++) {
		const char *name;
		uint64_t v;
		smmusim_stat_at(sim, i, &name, &v);
		if (!strncmp(name, "cpu.tlbi.issued.", 16))
			issued += v;
	}
	assert_int_equal(smmusim_submit(sim, ev), rc);
	const char *msg = smmusim_last_error(sim);
	va_list ap;
	va_start(ap, rc);
	for (const char *w; (w = va_arg(ap, const char *));)
		if (!strstr(msg, w))
			fail_msg("message '%s' does not name '%s'", msg, w);
	va_end(ap);
	uint64_t after = 0;
	for (size_t i = 0; i < smmusim_stat_count(sim); i++) {
		const char *name;
		uint64_t v;
		smmusim_stat_at(sim, i, &name, &v);
		if (!strncmp(name, "cpu.tlbi.issued.", 16))
			after += v;
	}
	assert_int_equal(after, issued);
}

static void test_raw_tlbi_refused(void **state)
{
	(void)state;
	smmusim_t *sim = sim_new(NULL);
	struct smmusim_event ev;

	/* Range op with TG = 0 (reserved; also when tg is left out). */
	ev = raw(SMMUSIM_TLBI_RVAE1IS, 1, 0x400000);
	ev.num = 1;
	refused(sim, &ev, SMMUSIM_EINVAL, "tg", "tg=0", NULL);
	/* TG = 2 and 3: not the granule in use. */
	ev.tg = 2;
	refused(sim, &ev, SMMUSIM_EINVAL, "tg", "tg=2", NULL);
	ev.tg = 3;
	ev.tlbi = SMMUSIM_TLBI_RVAALE1;
	refused(sim, &ev, SMMUSIM_EINVAL, "tg", "tg=3", NULL);
	/* TG out of its 2 bits. */
	ev.tg = 5;
	refused(sim, &ev, SMMUSIM_ERANGE, "tg", NULL);

	/* tg, scale or num on a non-range op. */
	ev = raw(SMMUSIM_TLBI_VAE1IS, 1, 0x400000);
	ev.tg = 1;
	refused(sim, &ev, SMMUSIM_EINVAL, "vae1is", "not a range op", NULL);
	ev = raw(SMMUSIM_TLBI_VALE1, 1, 0x400000);
	ev.scale = 1;
	refused(sim, &ev, SMMUSIM_EINVAL, "vale1", "not a range op", NULL);
	ev = raw(SMMUSIM_TLBI_ASIDE1IS, 1, 0);
	ev.num = 3;
	refused(sim, &ev, SMMUSIM_EINVAL, "aside1is", "not a range op", NULL);

	/* ASID beyond cpu.asid_bits (16 by default). */
	ev = raw(SMMUSIM_TLBI_VAE1IS, 1u << 16, 0x400000);
	refused(sim, &ev, SMMUSIM_ERANGE, "asid=65536", NULL);
	ev = raw(SMMUSIM_TLBI_ASIDE1, 0x10000, 0);
	refused(sim, &ev, SMMUSIM_ERANGE, "asid", NULL);

	/* Other field checks of the table in docs/trace-format.md. */
	ev = raw(SMMUSIM_TLBI_VAE1IS, 1, 0x400000);
	ev.cpu = 4;
	refused(sim, &ev, SMMUSIM_ERANGE, "cpu=4", NULL);
	ev = raw(SMMUSIM_TLBI_ASIDE1IS, 1, 0x1000);
	refused(sim, &ev, SMMUSIM_EINVAL, "takes no va", NULL);
	ev = raw(SMMUSIM_TLBI_VMALLE1IS, 1, 0);
	refused(sim, &ev, SMMUSIM_EINVAL, "takes no asid", NULL);
	ev = raw(SMMUSIM_TLBI_VAE1, 1, 1ull << 48);
	refused(sim, &ev, SMMUSIM_ERANGE, "beyond 48 bits", NULL);
	ev = raw(SMMUSIM_TLBI_VAE1, 1, 0x1000);
	ev.ttl = 16;
	refused(sim, &ev, SMMUSIM_ERANGE, "ttl=16", NULL);
	ev = raw(SMMUSIM_TLBI_RVAE1, 1, 0x1000);
	ev.tg = 1;
	ev.scale = 4;
	refused(sim, &ev, SMMUSIM_ERANGE, "scale", NULL);
	ev.scale = 0;
	ev.num = 32;
	refused(sim, &ev, SMMUSIM_ERANGE, "num", NULL);
	ev.num = 0;
	ev.ttl = 4;
	refused(sim, &ev, SMMUSIM_ERANGE, "ttl", NULL);
	ev.ttl = 0;
	ev.va = 0x1001;
	refused(sim, &ev, SMMUSIM_EINVAL, "not 4K aligned", NULL);
	ev = raw((enum smmusim_tlbi_op)SMMUSIM_TLBI_COUNT_, 1, 0);
	refused(sim, &ev, SMMUSIM_EINVAL, "unknown TLBI", NULL);

	/* A refused event took no time and the next one runs. */
	ev = raw(SMMUSIM_TLBI_RVAE1IS, 1, 0x400000);
	ev.tg = 1;
	submit_ok(sim, &ev);
	assert_int_equal(sim_stat(sim, "cpu.tlbi.issued.rvae1is"), 1);
	assert_int_equal(smmusim_finish(sim), 0);
	smmusim_free(sim);

	/* With 8-bit ASIDs, 255 is the last. */
	const char *sets[] = {"cpu.asid_bits=8", NULL};
	sim = sim_new(sets);
	ev = raw(SMMUSIM_TLBI_VAE1IS, 256, 0x400000);
	refused(sim, &ev, SMMUSIM_ERANGE, "asid=256", "0..255", NULL);
	ev = raw(SMMUSIM_TLBI_RVALE1IS, 256, 0x400000);
	ev.tg = 1;
	refused(sim, &ev, SMMUSIM_ERANGE, "asid", NULL);
	ev = raw(SMMUSIM_TLBI_VAE1IS, 255, 0x400000);
	submit_ok(sim, &ev);
	assert_int_equal(sim_stat(sim, "cpu.tlbi.issued.vae1is"), 1);
	smmusim_free(sim);
}

static void test_raw_tlbi_and_dsb(void **state)
{
	(void)state;
	smmusim_t *sim = sim_new(NULL);
	struct smmusim *s = sim;
	const uint64_t va = 0x400000, len = 8 * PAGE;
	submit_ok(sim, &(struct smmusim_event){.type = SMMUSIM_EV_MM_CREATE,
					       .mm = 1});
	submit_ok(sim, &(struct smmusim_event){.type = SMMUSIM_EV_MMAP,
					       .mm = 1,
					       .va = va,
					       .len = len,
					       .prot = SMMUSIM_PROT_R |
						       SMMUSIM_PROT_W});
	submit_ok(sim, &(struct smmusim_event){.type = SMMUSIM_EV_TOUCH,
					       .mm = 1,
					       .cpu = 2,
					       .va = va,
					       .len = len,
					       .op = SMMUSIM_ACC_WRITE});
	const uint16_t asid = sm_os_find_mm(&s->os, 1)->asid;
	assert_int_equal(asid, 1);
	assert_true(sm_cpu_holds(&s->cpu, asid, va, va + len));

	uint64_t dsb0 = sim_stat(sim, "cpu.dsb.ish");
	uint64_t rx0 = sim_stat(sim, "cpu.tlbi.received.vale1is");
	/* VALE1IS with a 4K level-3 hint from PE 0 reaches PE 2. */
	struct smmusim_event ev = raw(SMMUSIM_TLBI_VALE1IS, asid, va);
	ev.ttl = 7;
	submit_ok(sim, &ev);
	assert_false(sm_cpu_holds(&s->cpu, asid, va, va + PAGE));
	assert_true(sm_cpu_holds(&s->cpu, asid, va + PAGE, va + 2 * PAGE));
	assert_int_equal(sim_stat(sim, "cpu.tlbi.issued.vale1is"), 1);
	assert_int_equal(sim_stat(sim, "cpu.tlbi.received.vale1is") - rx0,
			 s->cpu.n);
	/* A range op: 4 pages from va + 4K (scale 0, num 1). */
	ev = raw(SMMUSIM_TLBI_RVAE1IS, asid, va + PAGE);
	ev.tg = 1;
	ev.num = 1;
	submit_ok(sim, &ev);
	assert_false(sm_cpu_holds(&s->cpu, asid, va, va + 5 * PAGE));
	assert_true(sm_cpu_holds(&s->cpu, asid, va + 5 * PAGE, va + len));
	assert_int_equal(sim_stat(sim, "cpu.tlbi.issued.rvae1is"), 1);
	/* A local op on PE 1 does not broadcast. */
	uint64_t bc = sim_stat(sim, "cpu.dvm.broadcasts");
	ev = raw(SMMUSIM_TLBI_ASIDE1, asid, 0);
	ev.cpu = 1;
	submit_ok(sim, &ev);
	assert_int_equal(sim_stat(sim, "cpu.tlbi.issued.aside1"), 1);
	assert_int_equal(sim_stat(sim, "cpu.dvm.broadcasts"), bc);
	assert_true(sm_cpu_holds(&s->cpu, asid, va + 5 * PAGE, va + len));
	/* A 16K hint: counted as issued, removes nothing. */
	uint64_t ne = sim_stat(sim, "cpu.tlbi.no_effect");
	ev = raw(SMMUSIM_TLBI_VAE1IS, asid, va + 6 * PAGE);
	ev.ttl = 0xb;
	submit_ok(sim, &ev);
	assert_true(sm_cpu_holds(&s->cpu, asid, va + 6 * PAGE, va + 7 * PAGE));
	assert_int_equal(sim_stat(sim, "cpu.tlbi.no_effect") - ne, s->cpu.n);
	assert_int_equal(sim_stat(sim, "cpu.tlbi.issued.vae1is"), 1);

	/* DSB on PE 0 waits for its broadcasts. */
	uint64_t before = smmusim_now(sim);
	(void)before;
	submit_ok(sim, &(struct smmusim_event){.type = SMMUSIM_EV_DSB});
	assert_int_equal(sim_stat(sim, "cpu.dsb.ish") - dsb0, 1);
	struct smmusim_hist_summary h;
	assert_int_equal(smmusim_hist_get(sim, "cpu.dsb.wait_cycles", &h), 0);
	assert_true(h.count >= 1);
	/* DSB on a PE that does not exist. */
	assert_int_equal(
	    smmusim_submit(
		sim, &(struct smmusim_event){.type = SMMUSIM_EV_DSB, .cpu = 4}),
	    SMMUSIM_ERANGE);
	assert_non_null(strstr(smmusim_last_error(sim), "cpu=4"));
	assert_int_equal(sim_stat(sim, "cpu.dsb.ish") - dsb0, 1);
	assert_int_equal(smmusim_finish(sim), 0);
	assert_int_equal(smmusim_violation_total(sim), 0);
	smmusim_free(sim);
}

/* Replay `text` from a file in /tmp; returns the simulator (finished if
 * the replay succeeded) and its return code in *rc. */
static smmusim_t *replay_text(const char *text, int *rc)
{
	char path[128];
	snprintf(path, sizeof(path), "/tmp/smmusim-test-tlbi-%ld.trace",
		 (long)getpid());
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	smmusim_t *sim = sim_new(NULL);
	*rc = smmusim_replay_file(sim, path);
	remove(path);
	return sim;
}

/* Without FEAT_TLBIRANGE a range op is undefined: refused, naming the key. */
static void test_raw_range_needs_feature(void **state)
{
	(void)state;
	const char *sets[] = {"cpu.feat_tlbirange=off", NULL};
	smmusim_t *sim = sim_new(sets);
	struct smmusim_event ev = {.type = SMMUSIM_EV_MM_CREATE, .mm = 1};
	assert_int_equal(smmusim_submit(sim, &ev), 0);
	ev = (struct smmusim_event){.type = SMMUSIM_EV_TLBI,
				    .tlbi = SMMUSIM_TLBI_RVAE1IS,
				    .asid = 1,
				    .va = 0x400000,
				    .tg = 1};
	assert_int_equal(smmusim_submit(sim, &ev), SMMUSIM_EINVAL);
	assert_non_null(
	    strstr(smmusim_last_error(sim), "cpu.feat_tlbirange=on"));
	uint64_t v = 1;
	assert_int_equal(smmusim_stat_get(sim, "cpu.tlbi.issued.rvae1is", &v),
			 0);
	assert_int_equal(v, 0);
	smmusim_free(sim);
}

static void test_raw_tlbi_trace(void **state)
{
	(void)state;
	int rc;
	smmusim_t *sim = replay_text(
	    "smmusim-trace 1\n"
	    "mm_create mm=1\n"
	    "mmap      mm=1 va=0x400000 len=16K prot=rw\n"
	    "touch     mm=1 va=0x400000 len=16K\n"
	    "tlbi      cpu=0 op=rvale1is asid=1 va=0x400000 tg=1 scale=0 "
	    "num=1 ttl=3\n"
	    "tlbi      cpu=0 op=vae1is asid=1 va=0x404000 ttl=0xb\n"
	    "dsb       cpu=0\n",
	    &rc);
	if (rc)
		fail_msg("replay: %d %s", rc, smmusim_last_error(sim));
	assert_int_equal(sim_stat(sim, "cpu.tlbi.issued.rvale1is"), 1);
	assert_int_equal(sim_stat(sim, "cpu.tlbi.issued.vae1is"), 1);
	assert_true(sim_stat(sim, "cpu.dsb.ish") >= 1);
	assert_int_equal(sim_stat(sim, "cpu.tlbi.no_effect"), 4);
	assert_int_equal(smmusim_violation_total(sim), 0);
	smmusim_free(sim);

	/* tg left out of a range op: the error names the field and the
	 * line. */
	sim = replay_text("smmusim-trace 1\n"
			  "tlbi cpu=0 op=rvae1is asid=1 va=0x400000 num=1\n",
			  &rc);
	assert_int_equal(rc, SMMUSIM_EINVAL);
	assert_non_null(strstr(smmusim_last_error(sim), "tg=0"));
	assert_non_null(strstr(smmusim_last_error(sim), ":2:"));
	smmusim_free(sim);
	sim =
	    replay_text("smmusim-trace 1\n"
			"tlbi cpu=0 op=rvae1is asid=1 va=0x400000 tg=2 num=1\n",
			&rc);
	assert_int_equal(rc, SMMUSIM_EINVAL);
	assert_non_null(strstr(smmusim_last_error(sim), "tg=2"));
	smmusim_free(sim);
	sim = replay_text("smmusim-trace 1\n"
			  "tlbi cpu=0 op=vae1 asid=1 va=0x400000 scale=1\n",
			  &rc);
	assert_int_equal(rc, SMMUSIM_EINVAL);
	assert_non_null(strstr(smmusim_last_error(sim), "not a range op"));
	smmusim_free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_range_roundtrip_exhaustive),
	    cmocka_unit_test(test_range_fields_masked),
	    cmocka_unit_test(test_tlbi_check),
	    cmocka_unit_test(test_va_roundtrip),
	    cmocka_unit_test(test_op_properties),
	    cmocka_unit_test(test_raw_tlbi_refused),
	    cmocka_unit_test(test_raw_tlbi_and_dsb),
	    cmocka_unit_test(test_raw_range_needs_feature),
	    cmocka_unit_test(test_raw_tlbi_trace),
	};
	return cmocka_run_group_tests_name("tlbi", tests, NULL, NULL);
}
