/* SPDX-License-Identifier: MIT */
/* Tests for the op loop of Linux's __flush_tlb_range_op
 * (sm_flush_tlb_range_op, src/kernel/arm64/tlbflush.c) in both algorithms:
 * 6.6's ascending split and the newer descending one cover every range
 * exactly with encodable ops, and known cases come out op for op. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "helpers.h"

#include "arch/tlbi.h"
#include "kernel/tlbflush.h"

#define PAGE 0x1000ull

#define SPLIT_KEEP 16

struct split_log {
	uint64_t next; /* where the next op must start */
	uint64_t ops, ranges, singles;
	uint64_t single_at; /* index of the last single op */
	bool bad_encoding, gap;
	struct {
		bool range;
		uint64_t va;
		unsigned scale, num;
	} op[SPLIT_KEEP];
};

static void split_emit(void *ctx, bool range, uint64_t va, unsigned scale,
		       unsigned num)
{
	struct split_log *l = ctx;
	if (va != l->next)
		l->gap = true;
	if (l->ops < SPLIT_KEEP) {
		l->op[l->ops].range = range;
		l->op[l->ops].va = va;
		l->op[l->ops].scale = scale;
		l->op[l->ops].num = num;
	}
	if (range) {
		if (scale > 3 || num > 31)
			l->bad_encoding = true;
		/* Encodable: the operand round-trips. */
		struct sm_tlbi t;
		sm_tlbi_decode(SM_TLBI_RVAE1, false,
			       sm_tlbi_operand_range(1, 1, scale, num, 0, va),
			       &t);
		if (t.va != va || t.scale != scale || t.num != num)
			l->bad_encoding = true;
		l->next = va + SM_TLBI_RANGE_PAGES(num, scale) * PAGE;
		l->ranges++;
	} else {
		l->next = va + PAGE;
		l->singles++;
		l->single_at = l->ops;
	}
	l->ops++;
}

static struct split_log split(uint64_t start, uint64_t pages, bool range_ok,
			      bool descending)
{
	struct split_log l;
	memset(&l, 0, sizeof(l));
	l.next = start;
	uint64_t n = sm_flush_tlb_range_op(start, pages, range_ok, descending,
					   split_emit, &l);
	assert_int_equal(n, l.ops);
	return l;
}

/* Exact, contiguous, non-overlapping cover of [start, start + pages). */
static void check_cover(uint64_t start, uint64_t pages, bool descending)
{
	struct split_log l = split(start, pages, true, descending);
	if (l.gap || l.next != start + pages * PAGE || l.bad_encoding)
		fail_msg("%s split of %llu pages from 0x%llx: gap=%d "
			 "end=0x%llx (want 0x%llx) bad_encoding=%d",
			 descending ? "descending" : "ascending",
			 (unsigned long long)pages, (unsigned long long)start,
			 l.gap, (unsigned long long)l.next,
			 (unsigned long long)(start + pages * PAGE),
			 l.bad_encoding);
	/* Ranges cover an even number of pages: a single op is needed
	 * exactly when the count is odd, first (ascending) or last
	 * (descending); each scale is used at most once. */
	assert_int_equal(l.singles, pages & 1);
	if (l.singles)
		assert_int_equal(l.single_at, descending ? l.ops - 1 : 0);
	assert_true(l.ranges <= 4);
}

static void test_split_covers_exactly(void **state)
{
	(void)state;
	static const uint64_t starts[] = {0x10000000ull, 0x7f0000123000ull};
	static const uint64_t big[] = {2047,  2048,  2049,	    65535,
				       65536, 65537, (1u << 21) - 1};
	for (size_t s = 0; s < ARRAY_LEN(starts); s++)
		for (int desc = 0; desc < 2; desc++) {
			for (uint64_t p = 1; p <= 1100; p++)
				check_cover(starts[s], p, desc);
			for (size_t i = 0; i < ARRAY_LEN(big); i++)
				check_cover(starts[s], big[i], desc);
		}
}

/* Beyond what __flush_tlb_range hands it (it flushes the whole ASID from
 * MAX_TLBI_RANGE_PAGES on), the split still covers the range exactly with
 * encodable ops: NUM is clamped to 31 rather than overflowing its field. */
static void test_split_beyond_max(void **state)
{
	(void)state;
	static const uint64_t counts[] = {1u << 21, (1u << 21) + 1,
					  (1u << 21) + 2, 1u << 22};
	for (size_t i = 0; i < ARRAY_LEN(counts); i++)
		for (int desc = 0; desc < 2; desc++) {
			const uint64_t start = 0x10000000ull;
			struct split_log l =
			    split(start, counts[i], true, desc);
			assert_false(l.gap);
			assert_false(l.bad_encoding);
			assert_int_equal(l.next, start + counts[i] * PAGE);
		}
	/* 2^21 pages descending: one op, scale 3, num 31. */
	struct split_log l = split(0, 1u << 21, true, true);
	assert_int_equal(l.ops, 1);
	assert_int_equal(l.op[0].scale, 3);
	assert_int_equal(l.op[0].num, 31);
}

/* Op i of a split: a single op, or a range op of `scale` and `num`, at
 * `va` (ANY_VA: not checked). */
#define ANY_VA UINT64_MAX

static void expect_single(const struct split_log *l, unsigned i, uint64_t va)
{
	assert_false(l->op[i].range);
	if (va != ANY_VA)
		assert_int_equal(l->op[i].va, va);
}

static void expect_range(const struct split_log *l, unsigned i, uint64_t va,
			 unsigned scale, unsigned num)
{
	assert_true(l->op[i].range);
	if (va != ANY_VA)
		assert_int_equal(l->op[i].va, va);
	assert_int_equal(l->op[i].scale, scale);
	assert_int_equal(l->op[i].num, num);
}

static void test_split_known_cases(void **state)
{
	(void)state;
	const uint64_t s = 0x400000;
	struct split_log l;

	/* Descending 513: one range (scale 1, num 7: 512 pages), one
	 * single for the last page. */
	l = split(s, 513, true, true);
	assert_int_equal(l.ops, 2);
	expect_range(&l, 0, s, 1, 7);
	expect_single(&l, 1, s + 512 * PAGE);

	/* Descending 511: 448 (scale 1, num 6) + 62 (scale 0, num 30) + 1. */
	l = split(s, 511, true, true);
	assert_int_equal(l.ops, 3);
	assert_int_equal(l.ranges, 2);
	assert_int_equal(l.singles, 1);
	expect_range(&l, 0, ANY_VA, 1, 6);
	expect_range(&l, 1, s + 448 * PAGE, 0, 30);
	expect_single(&l, 2, s + 510 * PAGE);

	/* Descending 1: one single. */
	l = split(s, 1, true, true);
	assert_int_equal(l.ops, 1);
	expect_single(&l, 0, s);

	/* Ascending 511 (6.6): the odd page first, then scale rising:
	 * 62 (scale 0, num 30), 448 (scale 1, num 6). */
	l = split(s, 511, true, false);
	assert_int_equal(l.ops, 3);
	assert_int_equal(l.singles, 1);
	assert_int_equal(l.ranges, 2);
	expect_single(&l, 0, s);
	expect_range(&l, 1, s + PAGE, 0, 30);
	expect_range(&l, 2, s + 63 * PAGE, 1, 6);

	/* Ascending 513: single, then 512 as scale 1, num 7. */
	l = split(s, 513, true, false);
	assert_int_equal(l.ops, 2);
	expect_single(&l, 0, ANY_VA);
	expect_range(&l, 1, s + PAGE, 1, 7);

	/* Ascending 1 and even counts. */
	l = split(s, 1, true, false);
	assert_int_equal(l.ops, 1);
	expect_single(&l, 0, ANY_VA);
	l = split(s, 2, true, false);
	assert_int_equal(l.ops, 1);
	expect_range(&l, 0, ANY_VA, 0, 0);
	/* The largest one op covers: descending uses scale 3, num 31 for
	 * 2^21 - 2^16 ... and 2^21 - 1 pages take five ops. */
	l = split(s, (1u << 21) - 1, true, true);
	assert_int_equal(l.ops, 5);
	assert_int_equal(l.op[0].scale, 3);
	assert_int_equal(l.op[0].num, 30);
	/* Zero pages: nothing. */
	l = split(s, 0, true, true);
	assert_int_equal(l.ops, 0);
	l = split(s, 0, false, false);
	assert_int_equal(l.ops, 0);
}

static void test_split_without_range(void **state)
{
	(void)state;
	static const uint64_t counts[] = {
	    1, 2, 3, 511, 512, 513, 1100, 2049, 65537, (1u << 21) - 1};
	for (size_t i = 0; i < ARRAY_LEN(counts); i++)
		for (int desc = 0; desc < 2; desc++) {
			struct split_log l =
			    split(0x10000000ull, counts[i], false, desc);
			assert_int_equal(l.ops, counts[i]);
			assert_int_equal(l.singles, counts[i]);
			assert_int_equal(l.ranges, 0);
			assert_false(l.gap);
			assert_int_equal(l.next,
					 0x10000000ull + counts[i] * PAGE);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_split_covers_exactly),
	    cmocka_unit_test(test_split_beyond_max),
	    cmocka_unit_test(test_split_known_cases),
	    cmocka_unit_test(test_split_without_range),
	};
	return cmocka_run_group_tests_name("tlbflush", tests, NULL, NULL);
}
