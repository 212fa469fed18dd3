/* SPDX-License-Identifier: MIT */
/* Tests for the TLBI catalogue (src/arch/tlbi.c): range and VA operand
 * encoders against their decoder over every field value, sm_tlbi_check,
 * and the names and properties of the ops.  Linux's range splitting is
 * tested in test_tlbflush.c, the raw `tlbi` and `dsb` events through the
 * simulator in test_sim.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <smmusim/event.h>

#include "helpers.h"

#include "arch/tlbi.h"

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

/* sm_tlbi_operand_va(asid, va, ttl), its fields checked where Linux's
 * __TLBI_VADDR puts them. */
static uint64_t va_operand(uint16_t asid, uint64_t va, unsigned ttl)
{
	uint64_t op = sm_tlbi_operand_va(asid, va, ttl);

	assert_int_equal(op & TLBI_VADDR_MASK, va >> 12);
	assert_int_equal((op & TLBI_TTL_MASK) >> TLBI_TTL_SHIFT, ttl);
	assert_int_equal(op >> TLBI_ASID_SHIFT, asid);
	return op;
}

/* The VA operand `op` of asid, va and ttl decoded for TLBI `o` (IS or
 * not) into *t, poisoned first: the same op, ASID, VA and TTL, VMID 0. */
static void decode_va(enum sm_tlbi_op o, int is, uint64_t op, uint16_t asid,
		      uint64_t va, unsigned ttl, struct sm_tlbi *t)
{
	memset(t, 0xa5, sizeof(*t));
	sm_tlbi_decode(o, is, op, t);
	assert_int_equal(t->op, o);
	assert_int_equal(t->is, is);
	assert_int_equal(t->asid, asid);
	assert_int_equal(t->va, va);
	assert_int_equal(t->ttl, ttl);
	assert_int_equal(t->vmid, 0);
}

static void test_va_roundtrip(void **state)
{
	(void)state;
	for (size_t a = 0; a < ARRAY_LEN(asids); a++)
		for (size_t v = 0; v < ARRAY_LEN(vas); v++)
			for (unsigned ttl = 0; ttl < 16; ttl++) {
				uint64_t op = va_operand(asids[a], vas[v], ttl);
				unsigned tg = ttl >> 2, lv = ttl & 3;
				unsigned want_level =
				    tg == SM_TLBI_TG_4K && lv >= 1 ? lv : 0;
				bool want_none = tg == 2 || tg == 3;
				for (size_t o = 0; o < ARRAY_LEN(va_ops); o++)
					for (int is = 0; is < 2; is++) {
						struct sm_tlbi t;
						decode_va(va_ops[o], is, op,
							  asids[a], vas[v], ttl,
							  &t);
						assert_int_equal(t.pages, 1);
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

static void test_operand_roundtrip(void **state)
{
	(void)state;
	static const enum sm_tlbi_op ops[] = {SM_TLBI_VAE1, SM_TLBI_VALE1};
	for (size_t a = 0; a < ARRAY_LEN(asids); a++)
		for (size_t v = 0; v < ARRAY_LEN(vas); v++)
			for (unsigned ttl = 0; ttl < 16; ttl++) {
				/* Field layout (Linux __TLBI_VADDR). */
				uint64_t op = va_operand(asids[a], vas[v], ttl);
				for (int o = 0; o < 2; o++)
					for (int is = 0; is < 2; is++) {
						struct sm_tlbi t;
						decode_va(ops[o], is, op,
							  asids[a], vas[v], ttl,
							  &t);
					}
			}
}

static void test_operand_edges(void **state)
{
	(void)state;
	struct sm_tlbi t;

	/* The page offset is dropped. */
	sm_tlbi_decode(SM_TLBI_VAE1, true,
		       sm_tlbi_operand_va(5, 0x12345abcull, 0), &t);
	assert_int_equal(t.va, 0x12345000ull);
	assert_int_equal(t.asid, 5);

	/* An oversized TTL hint cannot leak into the ASID field. */
	uint64_t op = sm_tlbi_operand_va(0x1234, 0x5000, 0x1f);
	sm_tlbi_decode(SM_TLBI_VALE1, false, op, &t);
	assert_int_equal(t.asid, 0x1234);
	assert_int_equal(t.ttl, 0xf);
	assert_int_equal(t.va, 0x5000);

	/* ASID operand. */
	for (size_t a = 0; a < ARRAY_LEN(asids); a++) {
		op = sm_tlbi_operand_asid(asids[a]);
		assert_int_equal(op, (uint64_t)asids[a] << 48);
		memset(&t, 0xa5, sizeof(t));
		sm_tlbi_decode(SM_TLBI_ASIDE1, true, op, &t);
		assert_int_equal(t.op, SM_TLBI_ASIDE1);
		assert_true(t.is);
		assert_int_equal(t.asid, asids[a]);
		assert_int_equal(t.va, 0);
		assert_int_equal(t.ttl, 0);
	}
	/* ASIDE1 ignores the VA bits; VMALLE1 ignores everything. */
	op = sm_tlbi_operand_va(0x42, 0xfffffffff000ull, 7);
	sm_tlbi_decode(SM_TLBI_ASIDE1, false, op, &t);
	assert_int_equal(t.asid, 0x42);
	assert_int_equal(t.va, 0);
	assert_int_equal(t.ttl, 0);
	sm_tlbi_decode(SM_TLBI_VMALLE1, true, op, &t);
	assert_int_equal(t.op, SM_TLBI_VMALLE1);
	assert_true(t.is);
	assert_int_equal(t.asid, 0);
	assert_int_equal(t.va, 0);
}

static void test_tlbi_names(void **state)
{
	(void)state;
	assert_string_equal(sm_tlbi_name(SM_TLBI_VAE1, true), "vae1is");
	assert_string_equal(sm_tlbi_name(SM_TLBI_VAE1, false), "vae1");
	assert_string_equal(sm_tlbi_name(SM_TLBI_VALE1, false), "vale1");
	assert_string_equal(sm_tlbi_name(SM_TLBI_VALE1, true), "vale1is");
	assert_string_equal(sm_tlbi_name(SM_TLBI_ASIDE1, true), "aside1is");
	assert_string_equal(sm_tlbi_name(SM_TLBI_ASIDE1, false), "aside1");
	assert_string_equal(sm_tlbi_name(SM_TLBI_VMALLE1, true), "vmalle1is");
	assert_string_equal(sm_tlbi_name(SM_TLBI_VMALLE1, false), "vmalle1");
	assert_string_equal(sm_tlbi_name(SM_TLBI_OP_COUNT_, true), "?");
	assert_true(sm_tlbi_last_level(SM_TLBI_VALE1));
	assert_false(sm_tlbi_last_level(SM_TLBI_VAE1));
	assert_false(sm_tlbi_last_level(SM_TLBI_ASIDE1));
	assert_false(sm_tlbi_last_level(SM_TLBI_VMALLE1));
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_range_roundtrip_exhaustive),
	    cmocka_unit_test(test_range_fields_masked),
	    cmocka_unit_test(test_tlbi_check),
	    cmocka_unit_test(test_va_roundtrip),
	    cmocka_unit_test(test_operand_roundtrip),
	    cmocka_unit_test(test_operand_edges),
	    cmocka_unit_test(test_tlbi_names),
	    cmocka_unit_test(test_op_properties),
	};
	return cmocka_run_group_tests_name("tlbi", tests, NULL, NULL);
}
