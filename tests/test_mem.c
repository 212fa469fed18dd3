/* SPDX-License-Identifier: MIT */
/* Tests for the memory side of the hardware (src/hw/mem): simulated
 * physical memory (physmem.c), stage-1 page tables and their walker
 * (pgtable.c), and the set-associative translation cache every TLB and walk
 * cache is made of (tcache.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <smmusim/error.h>
#include <smmusim/event.h>

#include "helpers.h"

#include "base/alloc.h"
#include "hw/mem/pgtable.h"
#include "hw/mem/physmem.h"
#include "hw/mem/tcache.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)

#define R SMMUSIM_PROT_R
#define W SMMUSIM_PROT_W
#define X SMMUSIM_PROT_X

#define ALLOC sm_default_allocator()

static struct physmem_fixture {
	struct sm_physmem *pm;
	struct sm_errbuf eb;
} * fx_alloc(uint64_t base, uint64_t size)
{
	struct physmem_fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	assert_int_equal(sm_physmem_new(&f->pm, NULL, base, size, &f->eb), 0);
	return f;
}

static void fx_free(struct physmem_fixture *f)
{
	sm_physmem_free(f->pm);
	free(f);
}

/* ============================== physmem ============================== */

static void test_physmem_new_validation(void **state)
{
	struct sm_physmem *pm = (void *)1;
	struct sm_errbuf eb;
	(void)state;

	assert_int_equal(sm_physmem_new(&pm, NULL, 0, 0, &eb), SMMUSIM_EINVAL);
	assert_null(pm);
	assert_int_equal(sm_physmem_new(&pm, NULL, 0x800, 4 * KiB, &eb),
			 SMMUSIM_EINVAL);
	assert_int_equal(sm_physmem_new(&pm, NULL, 0, 6 * KiB, &eb),
			 SMMUSIM_EINVAL);
	/* Wraps around 2^64. */
	assert_int_equal(
	    sm_physmem_new(&pm, NULL, 0xfffffffffffff000ull, 8 * KiB, &eb),
	    SMMUSIM_EINVAL);
	/* Beyond a 48-bit physical address. */
	assert_int_equal(
	    sm_physmem_new(&pm, NULL, (1ull << 48) - 4 * KiB, 8 * KiB, &eb),
	    SMMUSIM_EINVAL);
	assert_int_equal(sm_physmem_new(NULL, NULL, 0, 4 * KiB, &eb),
			 SMMUSIM_EINVAL);

	assert_int_equal(sm_physmem_new(&pm, NULL, 0x80000000, 64 * KiB, &eb),
			 0);
	assert_non_null(pm);
	assert_int_equal(sm_physmem_base(pm), 0x80000000);
	assert_int_equal(sm_physmem_size(pm), 64 * KiB);
	assert_int_equal(sm_physmem_usage(pm).in_use, 0);
	sm_physmem_free(pm);
}

static void test_physmem_injected_allocator(void **state)
{
	struct counting c;
	struct smmusim_allocator a = counting_allocator(&c);
	struct sm_physmem *pm;
	struct sm_errbuf eb;
	uint64_t pa;
	(void)state;

	assert_int_equal(sm_physmem_new(&pm, &a, 0, 1 * MiB, &eb), 0);
	assert_int_equal(sm_physmem_alloc(pm, SM_PAGE_PGTABLE, &pa, &eb), 0);
	sm_physmem_write64(pm, pa + 8, 42);
	assert_true(c.blocks >= 3); /* object, frames, one content */
	sm_physmem_free(pm);
	assert_int_equal(c.blocks, 0);
	assert_int_equal(c.bytes, 0);

	/* Host allocation failure is reported, nothing leaks. */
	c.fail_after = 1; /* object ok, frame array fails */
	assert_int_equal(sm_physmem_new(&pm, &a, 0, 1 * MiB, &eb),
			 SMMUSIM_ENOMEM);
	assert_int_equal(c.blocks, 0);
}

static void test_physmem_lifo_reuse(void **state)
{
	struct physmem_fixture *f = fx_alloc(0x40000000, 1 * MiB);
	uint64_t a, b, c, d;
	(void)state;

	a = page_alloc(f->pm, SM_PAGE_DATA);
	b = page_alloc(f->pm, SM_PAGE_DATA);
	c = page_alloc(f->pm, SM_PAGE_DATA);
	/* Never-used frames come out of the bump region in order. */
	assert_int_equal(a, 0x40000000);
	assert_int_equal(b, 0x40001000);
	assert_int_equal(c, 0x40002000);
	assert_int_equal(sm_physmem_usage(f->pm).in_use, 3);

	sm_physmem_free_page(f->pm, a);
	sm_physmem_free_page(f->pm, c);
	assert_int_equal(sm_physmem_usage(f->pm).in_use, 1);
	/* Most recently freed first, then the older one, then fresh. */
	assert_int_equal(page_alloc(f->pm, SM_PAGE_DATA), c);
	assert_int_equal(page_alloc(f->pm, SM_PAGE_DATA), a);
	d = page_alloc(f->pm, SM_PAGE_DATA);
	assert_int_equal(d, 0x40003000);
	assert_int_equal(sm_physmem_usage(f->pm).in_use, 4);
	assert_int_equal(sm_physmem_usage(f->pm).peak, 4);
	assert_int_equal(sm_physmem_usage(f->pm).bad_frees, 0);
	fx_free(f);
}

static void test_physmem_peak(void **state)
{
	struct physmem_fixture *f = fx_alloc(0, 1 * MiB);
	uint64_t p[5];
	int i;
	(void)state;

	for (i = 0; i < 5; i++)
		p[i] = page_alloc(f->pm, SM_PAGE_DATA);
	for (i = 0; i < 5; i++)
		sm_physmem_free_page(f->pm, p[i]);
	(void)page_alloc(f->pm, SM_PAGE_DATA);
	assert_int_equal(sm_physmem_usage(f->pm).in_use, 1);
	assert_int_equal(sm_physmem_usage(f->pm).peak, 5);
	fx_free(f);
}

static void test_physmem_contig_alignment(void **state)
{
	/* RAM deliberately not 2 MiB aligned. */
	struct physmem_fixture *f = fx_alloc(0x40001000, 8 * MiB);
	struct sm_errbuf eb;
	uint64_t first, blk, cd, i;
	(void)state;

	first = page_alloc(f->pm, SM_PAGE_DATA);
	assert_int_equal(first, 0x40001000);

	assert_int_equal(
	    sm_physmem_alloc_contig(f->pm, 512, 512, SM_PAGE_DATA, &blk, &eb),
	    0);
	assert_int_equal(blk, 0x40200000);
	assert_int_equal(blk & (2 * MiB - 1), 0);
	assert_int_equal(sm_physmem_usage(f->pm).in_use, 513);
	for (i = 0; i < 512; i++)
		assert_int_equal(sm_physmem_kind(f->pm, blk + i * 4 * KiB),
				 SM_PAGE_DATA);
	assert_int_equal(sm_physmem_kind(f->pm, blk + 2 * MiB), SM_PAGE_FREE);

	/* The frames skipped for alignment are reused, lowest first. */
	assert_int_equal(page_alloc(f->pm, SM_PAGE_DATA), 0x40002000);
	assert_int_equal(page_alloc(f->pm, SM_PAGE_DATA), 0x40003000);

	/* An 8 KiB CD table: 2 pages aligned to 2 pages, after the block. */
	assert_int_equal(
	    sm_physmem_alloc_contig(f->pm, 2, 2, SM_PAGE_SMMU, &cd, &eb), 0);
	assert_int_equal(cd, 0x40400000);
	assert_int_equal(sm_physmem_kind(f->pm, cd + 4 * KiB), SM_PAGE_SMMU);

	/* Freed run frames come back as single frames (LIFO). */
	sm_physmem_free_page(f->pm, cd);
	sm_physmem_free_page(f->pm, cd + 4 * KiB);
	assert_int_equal(page_alloc(f->pm, SM_PAGE_DATA), cd + 4 * KiB);

	/* Bad arguments. */
	assert_int_equal(
	    sm_physmem_alloc_contig(f->pm, 2, 3, SM_PAGE_DATA, &cd, &eb),
	    SMMUSIM_EINVAL);
	assert_int_equal(
	    sm_physmem_alloc_contig(f->pm, 0, 1, SM_PAGE_DATA, &cd, &eb),
	    SMMUSIM_EINVAL);
	assert_int_equal(
	    sm_physmem_alloc_contig(f->pm, 1, 1, SM_PAGE_FREE, &cd, &eb),
	    SMMUSIM_EINVAL);
	assert_int_equal(sm_physmem_alloc_contig(f->pm, 1, 1ull << 62,
						 SM_PAGE_DATA, &cd, &eb),
			 SMMUSIM_ENOMEM);
	fx_free(f);
}

static void test_physmem_enomem(void **state)
{
	struct physmem_fixture *f = fx_alloc(0x1000, 16 * KiB);
	struct sm_errbuf eb = {{0}};
	uint64_t p[4], pa = 0xdead;
	int i;
	(void)state;

	for (i = 0; i < 4; i++)
		p[i] = page_alloc(f->pm, SM_PAGE_DATA);
	assert_int_equal(sm_physmem_alloc(f->pm, SM_PAGE_DATA, &pa, &eb),
			 SMMUSIM_ENOMEM);
	assert_int_equal(pa, 0xdead);
	/* The message says how much RAM is configured. */
	assert_non_null(strstr(eb.msg, "16 KiB"));
	assert_int_equal(sm_physmem_usage(f->pm).in_use, 4);

	/* A freed frame satisfies a single allocation again ... */
	sm_physmem_free_page(f->pm, p[1]);
	sm_physmem_free_page(f->pm, p[2]);
	/* ... but contiguous runs only come from never-used memory. */
	eb.msg[0] = 0;
	assert_int_equal(
	    sm_physmem_alloc_contig(f->pm, 2, 1, SM_PAGE_DATA, &pa, &eb),
	    SMMUSIM_ENOMEM);
	assert_non_null(strstr(eb.msg, "16 KiB"));
	assert_int_equal(sm_physmem_alloc(f->pm, SM_PAGE_DATA, &pa, &eb), 0);
	assert_int_equal(pa, p[2]);
	fx_free(f);

	f = fx_alloc(0, 3 * MiB);
	assert_int_equal(
	    sm_physmem_alloc_contig(f->pm, 1024, 1, SM_PAGE_DATA, &pa, &eb),
	    SMMUSIM_ENOMEM);
	assert_non_null(strstr(eb.msg, "3 MiB"));
	fx_free(f);
}

static void test_physmem_rw_and_zero_on_reuse(void **state)
{
	struct physmem_fixture *f = fx_alloc(0x10000000, 1 * MiB);
	uint64_t a, b;
	(void)state;

	a = page_alloc(f->pm, SM_PAGE_PGTABLE);
	b = page_alloc(f->pm, SM_PAGE_PGTABLE);
	/* Unwritten frames read as zero. */
	assert_int_equal(sm_physmem_read64(f->pm, a), 0);
	assert_int_equal(sm_physmem_read64(f->pm, a + 4088), 0);

	sm_physmem_write64(f->pm, a, 0x1122334455667788ull);
	sm_physmem_write64(f->pm, a + 4088, 7);
	sm_physmem_write64(f->pm, b + 8, 9);
	assert_int_equal(sm_physmem_read64(f->pm, a), 0x1122334455667788ull);
	assert_int_equal(sm_physmem_read64(f->pm, a + 4088), 7);
	assert_int_equal(sm_physmem_read64(f->pm, a + 8), 0);
	assert_int_equal(sm_physmem_read64(f->pm, b + 8), 9);
	assert_int_equal(sm_physmem_read64(f->pm, b), 0);
	/* Overwrite. */
	sm_physmem_write64(f->pm, a + 4088, 0);
	assert_int_equal(sm_physmem_read64(f->pm, a + 4088), 0);

	/* Freed content is dropped: the reused frame reads as zero. */
	sm_physmem_free_page(f->pm, a);
	assert_int_equal(sm_physmem_read64(f->pm, a), 0);
	/* A write to a free frame is dropped. */
	sm_physmem_write64(f->pm, a + 16, 5);
	assert_int_equal(page_alloc(f->pm, SM_PAGE_DATA), a);
	assert_int_equal(sm_physmem_read64(f->pm, a), 0);
	assert_int_equal(sm_physmem_read64(f->pm, a + 16), 0);
	assert_int_equal(sm_physmem_read64(f->pm, b + 8), 9);

	/* Outside RAM: reads 0, writes dropped. */
	sm_physmem_write64(f->pm, 0x10000000 - 8, 3);
	sm_physmem_write64(f->pm, 0x10000000 + 1 * MiB, 3);
	assert_int_equal(sm_physmem_read64(f->pm, 0x10000000 - 8), 0);
	assert_int_equal(sm_physmem_read64(f->pm, 0x10000000 + 1 * MiB), 0);
	fx_free(f);
}

static void test_physmem_kind_tracking(void **state)
{
	struct physmem_fixture *f = fx_alloc(0x2000, 64 * KiB);
	uint64_t d, z, t, s;
	(void)state;

	d = page_alloc(f->pm, SM_PAGE_DATA);
	z = page_alloc(f->pm, SM_PAGE_ZERO);
	t = page_alloc(f->pm, SM_PAGE_PGTABLE);
	s = page_alloc(f->pm, SM_PAGE_SMMU);
	assert_int_equal(sm_physmem_kind(f->pm, d), SM_PAGE_DATA);
	assert_int_equal(sm_physmem_kind(f->pm, z), SM_PAGE_ZERO);
	assert_int_equal(sm_physmem_kind(f->pm, t), SM_PAGE_PGTABLE);
	assert_int_equal(sm_physmem_kind(f->pm, s + 0x123), SM_PAGE_SMMU);
	assert_int_equal(sm_physmem_kind(f->pm, s + 4 * KiB), SM_PAGE_FREE);
	assert_int_equal(sm_physmem_kind(f->pm, 0x1000), SM_PAGE_FREE);
	assert_int_equal(sm_physmem_kind(f->pm, 0x2000 + 64 * KiB),
			 SM_PAGE_FREE);

	sm_physmem_free_page(f->pm, t);
	assert_int_equal(sm_physmem_kind(f->pm, t), SM_PAGE_FREE);
	/* A reused frame takes its new kind. */
	assert_int_equal(page_alloc(f->pm, SM_PAGE_SMMU), t);
	assert_int_equal(sm_physmem_kind(f->pm, t), SM_PAGE_SMMU);

	{
		struct sm_errbuf eb;
		uint64_t pa;
		assert_int_equal(
		    sm_physmem_alloc(f->pm, SM_PAGE_FREE, &pa, &eb),
		    SMMUSIM_EINVAL);
		assert_int_equal(
		    sm_physmem_alloc(f->pm, (enum sm_page_kind)99, &pa, &eb),
		    SMMUSIM_EINVAL);
	}
	fx_free(f);
}

/* sm_physmem_pgt_gen moves on everything a walk reads (a page-table word,
 * a frame becoming or ceasing to be a table): the oracle's memo of walks
 * (check/oracle.c) is exact only if so.  (It also moves on other writes.) */
static uint64_t gen_moved(const struct sm_physmem *pm, uint64_t *g)
{
	uint64_t was = *g;
	*g = sm_physmem_pgt_gen(pm);
	return *g != was;
}

static void test_physmem_pgt_gen(void **state)
{
	(void)state;
	struct sm_physmem *pm;
	struct sm_errbuf eb = {0};
	uint64_t tab, tab2, data, g;

	assert_int_equal(sm_physmem_new(&pm, NULL, 0x40000000, 1 << 20, &eb),
			 0);
	g = sm_physmem_pgt_gen(pm);
	assert_int_equal(sm_physmem_alloc(pm, SM_PAGE_DATA, &data, &eb), 0);
	sm_physmem_free_page(pm, data);
	assert_false(gen_moved(pm, &g));

	/* Allocation of a table; its first (slow) and later (fast) writes,
	 * even of the value already there; its free. */
	assert_int_equal(sm_physmem_alloc(pm, SM_PAGE_PGTABLE, &tab, &eb), 0);
	assert_true(gen_moved(pm, &g));
	sm_physmem_write64(pm, tab, 0); /* writes nothing: no content yet */
	assert_false(gen_moved(pm, &g));
	sm_physmem_write64(pm, tab, 5);
	assert_true(gen_moved(pm, &g));
	sm_physmem_write64(pm, tab + 8, 0);
	assert_true(gen_moved(pm, &g));
	sm_physmem_write64(pm, tab + 8, 0);
	assert_true(gen_moved(pm, &g));
	/* A run of table writes moves it as the writes one by one would. */
	const uint64_t *words = NULL;
	assert_true(sm_physmem_table_words(pm, tab, &words));
	assert_non_null(words); /* written above: it has content */
	sm_physmem_table_write(pm, words + 1, 7);
	sm_physmem_table_write(pm, words + 2, 7);
	uint64_t one_by_one = sm_physmem_pgt_gen(pm) - g;
	sm_physmem_table_write_in_run(words + 1, 8);
	sm_physmem_table_write_in_run(words + 2, 9);
	sm_physmem_table_writes_done(pm, 2);
	assert_int_equal(sm_physmem_pgt_gen(pm) - g, 2 * one_by_one);
	assert_int_equal(sm_physmem_read64(pm, tab + 16), 9);
	g = sm_physmem_pgt_gen(pm);
	sm_physmem_free_page(pm, tab);
	assert_true(gen_moved(pm, &g));
	sm_physmem_write64(pm, tab, 6); /* dropped: the frame is free */
	sm_physmem_free_page(pm, tab);	/* a bad free */
	assert_false(gen_moved(pm, &g));
	/* The freed table comes back as data, and goes: no table changed. */
	assert_int_equal(sm_physmem_alloc(pm, SM_PAGE_DATA, &data, &eb), 0);
	assert_int_equal(data, tab);
	sm_physmem_free_page(pm, data);
	assert_false(gen_moved(pm, &g));
	/* Contiguous tables. */
	assert_int_equal(
	    sm_physmem_alloc_contig(pm, 2, 2, SM_PAGE_PGTABLE, &tab2, &eb), 0);
	assert_true(gen_moved(pm, &g));
	sm_physmem_free(pm);
}

/* sm_physmem_write_words is n sm_physmem_write64 in order: the same memory
 * and the same generation, in one frame (fast) or across two (word by
 * word), on a frame with no content yet, a free frame, outside RAM. */
static void test_physmem_write_words(void **state)
{
	(void)state;
	struct sm_physmem *pm, *ref;
	struct sm_errbuf eb = {0};
	uint64_t a, b, ra, rb;
	const uint64_t w[4] = {0, 7, 0, 9};
	assert_int_equal(sm_physmem_new(&pm, NULL, 0x40000000, 1 << 20, &eb),
			 0);
	assert_int_equal(sm_physmem_new(&ref, NULL, 0x40000000, 1 << 20, &eb),
			 0);
	/* Two adjacent frames, first written by words/write64 alike. */
	assert_int_equal(
	    sm_physmem_alloc_contig(pm, 2, 1, SM_PAGE_SMMU, &a, &eb), 0);
	assert_int_equal(
	    sm_physmem_alloc_contig(ref, 2, 1, SM_PAGE_SMMU, &ra, &eb), 0);
	assert_int_equal(a, ra);
	b = a + SM_PAGE_SIZE;
	rb = b;
	const uint64_t at[] = {a, a + 16, b - 16, b - 8, a + 8, b + 8, 0, 1};
	for (size_t k = 0; k < sizeof(at) / sizeof(at[0]); k++) {
		/* 0: below RAM; 1: the last word of RAM and past it. */
		uint64_t pa = k == 6   ? 0x1000
			      : k == 7 ? 0x40000000 + (1 << 20) - 8
				       : at[k];
		if (k == 5)
			sm_physmem_free_page(pm, b),
			    sm_physmem_free_page(ref, rb);
		sm_physmem_write_words(pm, pa, w + (k & 1), 3);
		for (unsigned i = 0; i < 3; i++)
			sm_physmem_write64(ref, pa + 8 * i, w[(k & 1) + i]);
		assert_int_equal(sm_physmem_pgt_gen(pm),
				 sm_physmem_pgt_gen(ref));
		for (uint64_t x = a - 8; x < b + SM_PAGE_SIZE + 8; x += 8)
			assert_int_equal(sm_physmem_read64(pm, x),
					 sm_physmem_read64(ref, x));
	}
	sm_physmem_free(pm);
	sm_physmem_free(ref);
}

/* sm_physmem_table_words: a table page's words (NULL while unwritten),
 * nothing for another kind, a misaligned address or outside RAM. */
static void test_physmem_table_words(void **state)
{
	(void)state;
	struct sm_physmem *pm;
	struct sm_errbuf eb = {0};
	uint64_t tab, data;
	const uint64_t *words = (const uint64_t *)&tab;
	assert_int_equal(sm_physmem_new(&pm, NULL, 0x40000000, 1 << 20, &eb),
			 0);
	assert_int_equal(sm_physmem_alloc(pm, SM_PAGE_PGTABLE, &tab, &eb), 0);
	assert_int_equal(sm_physmem_alloc(pm, SM_PAGE_DATA, &data, &eb), 0);
	assert_true(sm_physmem_table_words(pm, tab, &words));
	assert_null(words);
	sm_physmem_write64(pm, tab + 16, 42);
	assert_true(sm_physmem_table_words(pm, tab, &words));
	assert_non_null(words);
	assert_int_equal(words[2], 42);
	assert_false(sm_physmem_table_words(pm, tab + 8, &words));
	assert_false(sm_physmem_table_words(pm, data, &words));
	assert_false(sm_physmem_table_words(pm, 0x1000, &words));
	sm_physmem_free_page(pm, tab);
	assert_false(sm_physmem_table_words(pm, tab, &words));
	sm_physmem_free(pm);
}

static void test_physmem_bad_frees(void **state)
{
	struct physmem_fixture *f = fx_alloc(0x100000, 64 * KiB);
	uint64_t a, b;
	(void)state;

	a = page_alloc(f->pm, SM_PAGE_DATA);
	b = page_alloc(f->pm, SM_PAGE_DATA);
	sm_physmem_free_page(f->pm, a);
	assert_int_equal(sm_physmem_usage(f->pm).bad_frees, 0);
	sm_physmem_free_page(f->pm, a); /* double free */
	assert_int_equal(sm_physmem_usage(f->pm).bad_frees, 1);
	sm_physmem_free_page(f->pm, 0x0);		  /* below RAM */
	sm_physmem_free_page(f->pm, 0x100000 + 64 * KiB); /* above RAM */
	assert_int_equal(sm_physmem_usage(f->pm).bad_frees, 3);
	sm_physmem_free_page(f->pm, b + 8); /* not a frame address */
	assert_int_equal(sm_physmem_usage(f->pm).bad_frees, 4);
	sm_physmem_free_page(f->pm, 0x100000 + 32 * KiB); /* never used */
	assert_int_equal(sm_physmem_usage(f->pm).bad_frees, 5);
	assert_int_equal(sm_physmem_usage(f->pm).in_use, 1);
	assert_int_equal(sm_physmem_kind(f->pm, b), SM_PAGE_DATA);
	/* The double free did not put a twice on the free list. */
	assert_int_equal(page_alloc(f->pm, SM_PAGE_DATA), a);
	assert_int_not_equal(page_alloc(f->pm, SM_PAGE_DATA), a);
	fx_free(f);
}

/* ============================== pgtable ============================== */

/* RAM [1 GiB, 3 GiB): room for a 1 GiB block at 2 GiB. */
#define PT_RAM_BASE (1 * GiB)
#define PT_RAM_SIZE (2 * GiB)

struct pt {
	struct sm_physmem *pm;
	uint64_t root;
	struct sm_errbuf eb;
};

static int pt_setup(void **state)
{
	struct pt *t = calloc(1, sizeof(*t));
	if (!t)
		return -1;
	if (sm_physmem_new(&t->pm, NULL, PT_RAM_BASE, PT_RAM_SIZE, &t->eb))
		return -1;
	if (sm_pgt_new_root(t->pm, &t->root, &t->eb))
		return -1;
	*state = t;
	return 0;
}

static int pt_teardown(void **state)
{
	struct pt *t = *state;
	sm_physmem_free(t->pm);
	free(t);
	return 0;
}

/* A user page/block descriptor as Linux builds it, with AF set. */
static uint64_t leaf(uint64_t oa, int level, uint64_t extra)
{
	return oa | (level == 3 ? PTE_TYPE_PAGE : PMD_TYPE_SECT) | PTE_AF |
	       PTE_SHARED | PTE_NG | PTE_PXN | extra;
}

static void set_ok(struct pt *t, uint64_t va, int level, uint64_t desc)
{
	int rc = sm_pgt_set(t->pm, t->root, va, level, desc, NULL, &t->eb);
	if (rc)
		fail_msg("sm_pgt_set(0x%llx, %d): %s", (unsigned long long)va,
			 level, t->eb.msg);
}

static void test_pte_perm(void **state)
{
	(void)state;
	/* RW user */
	assert_int_equal(sm_pte_perm(PTE_USER), R | W | X);
	assert_int_equal(sm_pte_perm(PTE_USER | PTE_UXN), R | W);
	/* RO user */
	assert_int_equal(sm_pte_perm(PTE_USER | PTE_RDONLY | PTE_UXN), R);
	assert_int_equal(sm_pte_perm(PTE_USER | PTE_RDONLY), R | X);
	/* no EL0 data access (kernel or PROT_NONE-like) */
	assert_int_equal(sm_pte_perm(PTE_UXN), 0);
	assert_int_equal(sm_pte_perm(PTE_RDONLY | PTE_UXN), 0);
	/* X is governed by UXN alone, independent of AP[1]. */
	assert_int_equal(sm_pte_perm(0), X);
	/* PXN does not matter at EL0. */
	assert_int_equal(sm_pte_perm(PTE_USER | PTE_PXN), R | W | X);
}

static void test_walk_page_perms(void **state)
{
	struct pt *t = *state;
	static const struct {
		uint64_t bits;
		unsigned perm;
	} cases[] = {
	    {PTE_USER | PTE_UXN, R | W},	  /* RW data */
	    {PTE_USER | PTE_RDONLY | PTE_UXN, R}, /* RO data */
	    {PTE_USER | PTE_RDONLY, R | X},	  /* RX text */
	    {PTE_RDONLY | PTE_UXN, 0},		  /* none */
	    {PTE_USER, R | W | X},		  /* RWX */
	};
	unsigned i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t va = 0x0000aaaa00000000ull + i * 0x1000 + 0x10;
		uint64_t pa = page_alloc(t->pm, SM_PAGE_DATA);
		struct sm_walk w;

		set_ok(t, va, 3, leaf(pa, 3, cases[i].bits));
		assert_int_equal(sm_pgt_walk(t->pm, t->root, va + 0x123, &w),
				 SM_WALK_OK);
		assert_int_equal(w.fault, SM_WALK_OK);
		assert_int_equal(w.level, 3);
		assert_int_equal(w.reads, 4);
		assert_int_equal(w.page_size, 4 * KiB);
		/* va was aligned down by sm_pgt_set. */
		assert_int_equal(w.pa, pa + ((va + 0x123) & 0xfff));
		assert_int_equal(w.perm, cases[i].perm);
		assert_int_equal(w.desc, leaf(pa, 3, cases[i].bits));
		assert_int_equal(sm_physmem_read64(t->pm, w.desc_pa), w.desc);
	}
}

static void test_walk_access_flag(void **state)
{
	struct pt *t = *state;
	uint64_t va = 0x400000, pa = page_alloc(t->pm, SM_PAGE_DATA);
	struct sm_walk w;

	set_ok(t, va, 3, leaf(pa, 3, PTE_USER | PTE_UXN) & ~PTE_AF);
	assert_int_equal(sm_pgt_walk(t->pm, t->root, va + 8, &w),
			 SM_WALK_FAULT_ACCESS_FLAG);
	assert_int_equal(w.level, 3);
	assert_int_equal(w.reads, 4);
	/* pa and perm still filled in for information. */
	assert_int_equal(w.pa, pa + 8);
	assert_int_equal(w.perm, R | W);

	/* Same for a block. */
	set_ok(t, 0x40000000, 2, leaf(0x80000000, 2, PTE_USER) & ~PTE_AF);
	assert_int_equal(sm_pgt_walk(t->pm, t->root, 0x40000010, &w),
			 SM_WALK_FAULT_ACCESS_FLAG);
	assert_int_equal(w.level, 2);
	assert_int_equal(w.pa, 0x80000010);
}

static void test_walk_unmapped_levels(void **state)
{
	struct pt *t = *state;
	uint64_t va = 0x0000123456789000ull;
	uint64_t pa = page_alloc(t->pm, SM_PAGE_DATA);
	struct sm_walk w;

	/* Empty root: level-0 fault after one read. */
	assert_int_equal(sm_pgt_walk(t->pm, t->root, va, &w),
			 SM_WALK_FAULT_TRANSLATION);
	assert_int_equal(w.level, 0);
	assert_int_equal(w.reads, 1);
	assert_int_equal(w.desc, 0);
	assert_int_equal(w.desc_pa, t->root + 8 * sm_level_index(va, 0));

	set_ok(t, va, 3, leaf(pa, 3, PTE_USER));
	/* Same L3 table, other slot. */
	assert_int_equal(sm_pgt_walk(t->pm, t->root, va + 0x1000, &w),
			 SM_WALK_FAULT_TRANSLATION);
	assert_int_equal(w.level, 3);
	assert_int_equal(w.reads, 4);
	/* Same L2 table, other slot. */
	assert_int_equal(sm_pgt_walk(t->pm, t->root, va + 2 * MiB, &w),
			 SM_WALK_FAULT_TRANSLATION);
	assert_int_equal(w.level, 2);
	assert_int_equal(w.reads, 3);
	/* Same L1 table, other slot. */
	assert_int_equal(sm_pgt_walk(t->pm, t->root, va + 1 * GiB, &w),
			 SM_WALK_FAULT_TRANSLATION);
	assert_int_equal(w.level, 1);
	assert_int_equal(w.reads, 2);
	/* Other L0 slot. */
	assert_int_equal(sm_pgt_walk(t->pm, t->root, va + 512 * GiB, &w),
			 SM_WALK_FAULT_TRANSLATION);
	assert_int_equal(w.level, 0);
	assert_int_equal(w.reads, 1);

	/* An invalid non-zero descriptor (Linux PROT_NONE) also faults. */
	set_ok(t, va + 0x1000, 3, pa | PTE_PROT_NONE | PTE_AF | PTE_USER);
	assert_int_equal(sm_pgt_walk(t->pm, t->root, va + 0x1000, &w),
			 SM_WALK_FAULT_TRANSLATION);
	assert_int_equal(w.level, 3);
	assert_int_equal(w.desc, pa | PTE_PROT_NONE | PTE_AF | PTE_USER);
}

static void test_walk_2m_block(void **state)
{
	struct pt *t = *state;
	struct sm_errbuf eb;
	uint64_t blk, va = 0x0000007fc0200000ull, off;
	static const uint64_t offs[] = {0,	  8,	    0x1000,  0x12345,
					0x100000, 0x1ff000, 0x1ffff8};
	unsigned i;
	struct sm_walk w;

	assert_int_equal(
	    sm_physmem_alloc_contig(t->pm, 512, 512, SM_PAGE_DATA, &blk, &eb),
	    0);
	/* va not aligned: sm_pgt_set aligns it down. */
	set_ok(t, va + 0x5000, 2, leaf(blk, 2, PTE_USER | PTE_UXN));
	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		off = offs[i];
		assert_int_equal(sm_pgt_walk(t->pm, t->root, va + off, &w),
				 SM_WALK_OK);
		assert_int_equal(w.level, 2);
		assert_int_equal(w.reads, 3);
		assert_int_equal(w.page_size, 2 * MiB);
		assert_int_equal(w.pa, blk + off);
		assert_int_equal(w.perm, R | W);
	}
	/* Just outside the block. */
	assert_int_equal(sm_pgt_walk(t->pm, t->root, va + 2 * MiB, &w),
			 SM_WALK_FAULT_TRANSLATION);
	assert_int_equal(sm_pgt_walk(t->pm, t->root, va - 8, &w),
			 SM_WALK_FAULT_TRANSLATION);

	/* RES0 low OA bits written behind our back are ignored. */
	{
		int lvl;
		uint64_t dpa;
		uint64_t d = sm_pgt_get(t->pm, t->root, va, &lvl, &dpa);
		assert_int_equal(lvl, 2);
		sm_physmem_write64(t->pm, dpa, d | 0x1ff000);
		assert_int_equal(sm_pgt_walk(t->pm, t->root, va + 0x10, &w),
				 SM_WALK_OK);
		assert_int_equal(w.pa, blk + 0x10);
	}
}

static void test_walk_1g_block(void **state)
{
	struct pt *t = *state;
	uint64_t va = 0x0000000100000000ull;
	struct sm_walk w;

	set_ok(t, va, 1, leaf(2 * GiB, 1, PTE_USER | PTE_RDONLY));
	assert_int_equal(sm_pgt_walk(t->pm, t->root, va + 0x3ffffff8, &w),
			 SM_WALK_OK);
	assert_int_equal(w.level, 1);
	assert_int_equal(w.reads, 2);
	assert_int_equal(w.page_size, 1 * GiB);
	assert_int_equal(w.pa, 2 * GiB + 0x3ffffff8);
	assert_int_equal(w.perm, R | X);
}

static void test_walk_reserved_and_addr_size(void **state)
{
	struct pt *t = *state;
	uint64_t pa = page_alloc(t->pm, SM_PAGE_DATA);
	uint64_t va = 0x10000000, dpa;
	int lvl;
	struct sm_walk w;

	/* va >= 2^48: out of range, nothing read. */
	assert_int_equal(sm_pgt_walk(t->pm, t->root, 1ull << 48, &w),
			 SM_WALK_FAULT_ADDR_SIZE);
	assert_int_equal(w.reads, 0);
	assert_int_equal(sm_pgt_walk(t->pm, t->root, 0xffff000000001000ull, &w),
			 SM_WALK_FAULT_ADDR_SIZE);
	assert_int_equal(w.reads, 0);
	/* ... and the top valid va is fine (translation fault). */
	assert_int_equal(sm_pgt_walk(t->pm, t->root, (1ull << 48) - 8, &w),
			 SM_WALK_FAULT_TRANSLATION);
	assert_int_equal(w.reads, 1);

	/* Level 3 with type 0b01 is reserved. */
	set_ok(t, va, 3, leaf(pa, 3, PTE_USER));
	(void)sm_pgt_get(t->pm, t->root, va, &lvl, &dpa);
	assert_int_equal(lvl, 3);
	sm_physmem_write64(t->pm, dpa, (leaf(pa, 3, PTE_USER) & ~3ull) | 1);
	assert_int_equal(sm_pgt_walk(t->pm, t->root, va, &w),
			 SM_WALK_FAULT_TRANSLATION);
	assert_int_equal(w.level, 3);
	assert_int_equal(w.reads, 4);

	/* A level-0 block is reserved with the 4 KiB granule. */
	sm_physmem_write64(t->pm, t->root + 8 * 5,
			   leaf(PT_RAM_BASE, 1, PTE_USER));
	assert_int_equal(sm_pgt_walk(t->pm, t->root, 5 * 512 * GiB, &w),
			 SM_WALK_FAULT_TRANSLATION);
	assert_int_equal(w.level, 0);
	assert_int_equal(w.reads, 1);

	/* A table descriptor to a data frame: address size fault. */
	sm_physmem_write64(t->pm, t->root + 8 * 6, PMD_TYPE_TABLE | pa);
	assert_int_equal(sm_pgt_walk(t->pm, t->root, 6 * 512 * GiB, &w),
			 SM_WALK_FAULT_ADDR_SIZE);
	assert_int_equal(w.level, 0);
	assert_int_equal(w.desc_pa, t->root + 8 * 6);
	/* ... and one outside RAM. */
	sm_physmem_write64(t->pm, t->root + 8 * 7, PMD_TYPE_TABLE | 0x1000);
	assert_int_equal(sm_pgt_walk(t->pm, t->root, 7 * 512 * GiB, &w),
			 SM_WALK_FAULT_ADDR_SIZE);

	/* A leaf whose output address is outside RAM is device memory (an
	 * MSI doorbell, say): it translates. */
	set_ok(t, va + 0x1000, 3, leaf(0x1000, 3, PTE_USER));
	assert_int_equal(sm_pgt_walk(t->pm, t->root, va + 0x1000, &w),
			 SM_WALK_OK);
	assert_int_equal(w.level, 3);
	assert_int_equal(w.pa, 0x1000);

	/* A root that is not a table. */
	assert_int_equal(sm_pgt_walk(t->pm, pa, va, &w),
			 SM_WALK_FAULT_ADDR_SIZE);
	assert_int_equal(w.reads, 0);
}

static void test_pgt_set_errors(void **state)
{
	struct pt *t = *state;
	uint64_t pa = page_alloc(t->pm, SM_PAGE_DATA), old = 0xdead;
	uint64_t va2m = 0x0000000200000000ull, va1g = 0x0000008000000000ull;
	uint64_t vap = 0x0000010000000000ull;
	uint64_t in_use;

	/* A 2 MiB block covers va: no page inside it. */
	set_ok(t, va2m, 2, leaf(2 * GiB, 2, PTE_USER));
	assert_int_equal(sm_pgt_set(t->pm, t->root, va2m + 0x3000, 3,
				    leaf(pa, 3, PTE_USER), NULL, &t->eb),
			 SMMUSIM_EEXIST);
	/* A 1 GiB block covers va: no 2 MiB block or page inside it. */
	set_ok(t, va1g, 1, leaf(2 * GiB, 1, PTE_USER));
	assert_int_equal(sm_pgt_set(t->pm, t->root, va1g + 4 * MiB, 2,
				    leaf(2 * GiB, 2, PTE_USER), NULL, &t->eb),
			 SMMUSIM_EEXIST);
	assert_int_equal(sm_pgt_set(t->pm, t->root, va1g + 4 * MiB, 3,
				    leaf(pa, 3, PTE_USER), NULL, &t->eb),
			 SMMUSIM_EEXIST);
	/* An invalid but non-zero level-2 entry (software state such as a
	 * PROT_NONE huge page) is not silently replaced by a table. */
	set_ok(t, va2m + 1 * GiB, 2, (2 * GiB) | PTE_PROT_NONE | PTE_USER);
	assert_int_equal(sm_pgt_set(t->pm, t->root, va2m + 1 * GiB + 0x1000, 3,
				    leaf(pa, 3, PTE_USER), NULL, &t->eb),
			 SMMUSIM_EEXIST);
	/* A table exists where a block is asked for. */
	set_ok(t, vap + 0x1000, 3, leaf(pa, 3, PTE_USER));
	assert_int_equal(sm_pgt_set(t->pm, t->root, vap, 2,
				    leaf(2 * GiB, 2, PTE_USER), NULL, &t->eb),
			 SMMUSIM_EEXIST);
	assert_int_equal(sm_pgt_set(t->pm, t->root, vap, 1,
				    leaf(2 * GiB, 1, PTE_USER), NULL, &t->eb),
			 SMMUSIM_EEXIST);
	/* The page is untouched. */
	{
		struct sm_walk w;
		assert_int_equal(sm_pgt_walk(t->pm, t->root, vap + 0x1000, &w),
				 SM_WALK_OK);
		assert_int_equal(w.pa, pa);
	}

	/* Replacing a leaf reports the old descriptor; clearing works. */
	assert_int_equal(sm_pgt_set(t->pm, t->root, vap + 0x1000, 3,
				    leaf(pa, 3, PTE_USER | PTE_RDONLY), &old,
				    &t->eb),
			 0);
	assert_int_equal(old, leaf(pa, 3, PTE_USER));
	assert_int_equal(sm_pgt_set(t->pm, t->root, va2m, 2, 0, &old, &t->eb),
			 0);
	assert_int_equal(old, leaf(2 * GiB, 2, PTE_USER));
	/* With the block gone, a page fits there (a new L3 table). */
	in_use = sm_physmem_usage(t->pm).in_use;
	set_ok(t, va2m + 0x3000, 3, leaf(pa, 3, PTE_USER));
	assert_int_equal(sm_physmem_usage(t->pm).in_use, in_use + 1);

	/* Bad arguments. */
	assert_int_equal(
	    sm_pgt_set(t->pm, t->root, vap, 0, leaf(pa, 2, 0), NULL, &t->eb),
	    SMMUSIM_EINVAL);
	assert_int_equal(
	    sm_pgt_set(t->pm, t->root, vap, 4, leaf(pa, 3, 0), NULL, &t->eb),
	    SMMUSIM_EINVAL);
	assert_int_equal(sm_pgt_set(t->pm, t->root, 1ull << 48, 3,
				    leaf(pa, 3, 0), NULL, &t->eb),
			 SMMUSIM_EINVAL);
	/* Page type at level 2 (would be a table), block type at level 3. */
	assert_int_equal(sm_pgt_set(t->pm, t->root, vap + 1 * GiB, 2,
				    leaf(2 * GiB, 3, 0), NULL, &t->eb),
			 SMMUSIM_EINVAL);
	assert_int_equal(sm_pgt_set(t->pm, t->root, vap + 0x5000, 3,
				    leaf(pa, 2, 0), NULL, &t->eb),
			 SMMUSIM_EINVAL);
	/* Misaligned block output address. */
	assert_int_equal(sm_pgt_set(t->pm, t->root, vap + 1 * GiB, 2,
				    leaf(2 * GiB + 0x1000, 2, 0), NULL, &t->eb),
			 SMMUSIM_EINVAL);
	/* Root that is not a table. */
	assert_int_equal(
	    sm_pgt_set(t->pm, pa, vap, 3, leaf(pa, 3, 0), NULL, &t->eb),
	    SMMUSIM_EINVAL);
}

static void test_pgt_get(void **state)
{
	struct pt *t = *state;
	uint64_t pa = page_alloc(t->pm, SM_PAGE_DATA), dpa = 1;
	uint64_t va = 0x0000555500000000ull;
	int lvl = -1;
	struct sm_walk w;

	/* Empty: stops at the level-0 slot. */
	assert_int_equal(sm_pgt_get(t->pm, t->root, va, &lvl, &dpa), 0);
	assert_int_equal(lvl, 0);
	assert_int_equal(dpa, t->root + 8 * sm_level_index(va, 0));

	set_ok(t, va, 3, leaf(pa, 3, PTE_USER));
	assert_int_equal(sm_pgt_get(t->pm, t->root, va + 0xfff, &lvl, &dpa),
			 leaf(pa, 3, PTE_USER));
	assert_int_equal(lvl, 3);
	assert_int_equal(sm_pgt_walk(t->pm, t->root, va, &w), SM_WALK_OK);
	assert_int_equal(dpa, w.desc_pa);
	/* Neighbouring empty slot in the same L3 table. */
	assert_int_equal(sm_pgt_get(t->pm, t->root, va + 0x1000, &lvl, &dpa),
			 0);
	assert_int_equal(lvl, 3);
	assert_int_equal(dpa, w.desc_pa + 8);
	/* Empty level-2 slot. */
	assert_int_equal(sm_pgt_get(t->pm, t->root, va + 2 * MiB, &lvl, &dpa),
			 0);
	assert_int_equal(lvl, 2);
	assert_int_not_equal(dpa, 0);
	/* A block stops the descent. */
	set_ok(t, va + 4 * MiB, 2, leaf(2 * GiB, 2, PTE_USER));
	assert_int_equal(sm_pgt_get(t->pm, t->root, va + 5 * MiB, &lvl, &dpa),
			 leaf(2 * GiB, 2, PTE_USER));
	assert_int_equal(lvl, 2);
	/* Out of range: no slot. */
	assert_int_equal(sm_pgt_get(t->pm, t->root, 1ull << 48, &lvl, &dpa), 0);
	assert_int_equal(dpa, 0);
	/* NULL out-pointers are allowed. */
	assert_int_equal(sm_pgt_get(t->pm, t->root, va, NULL, NULL),
			 leaf(pa, 3, PTE_USER));
}

struct visit {
	uint64_t va;
	int level;
	uint64_t desc;
};

struct collect {
	struct visit v[32];
	int n;
	int stop_at; /* return 77 at this visit; <0 never */
	const struct sm_physmem *pm;
};

static int collect_fn(void *ctx, uint64_t va, int level, uint64_t desc,
		      uint64_t desc_pa)
{
	struct collect *c = ctx;
	assert_true(c->n < 32);
	/* desc_pa is where desc lives. */
	assert_int_equal(sm_physmem_read64(c->pm, desc_pa), desc);
	c->v[c->n].va = va;
	c->v[c->n].level = level;
	c->v[c->n].desc = desc;
	c->n++;
	return c->n == c->stop_at ? 77 : 0;
}

static void test_for_each_leaf(void **state)
{
	struct pt *t = *state;
	uint64_t p[4];
	uint64_t base = 0x0000000040000000ull; /* 1 GiB, L1 slot 1 */
	struct collect c;
	int i;

	for (i = 0; i < 4; i++)
		p[i] = page_alloc(t->pm, SM_PAGE_DATA);
	/* Pages at +0, +0x2000 (hole at +0x1000), +0x1ff000, a 2 MiB block
	 * at +4 MiB, an invalid PROT_NONE page at +8 MiB, a page in another
	 * L0 slot, and one below the range. */
	set_ok(t, base + 0x0000, 3, leaf(p[0], 3, PTE_USER));
	set_ok(t, base + 0x2000, 3, leaf(p[1], 3, PTE_USER));
	set_ok(t, base + 0x1ff000, 3, leaf(p[2], 3, PTE_USER));
	set_ok(t, base + 4 * MiB, 2, leaf(2 * GiB, 2, PTE_USER));
	set_ok(t, base + 8 * MiB, 3, p[3] | PTE_PROT_NONE | PTE_USER);
	set_ok(t, 3 * 512 * GiB, 3, leaf(p[3], 3, PTE_USER));
	set_ok(t, 0x1000, 3, leaf(p[3], 3, PTE_USER));

	/* Whole space: everything, ascending. */
	memset(&c, 0, sizeof(c));
	c.stop_at = -1;
	c.pm = t->pm;
	assert_int_equal(
	    sm_pgt_for_each_leaf(t->pm, t->root, 0, ~0ull, collect_fn, &c), 0);
	assert_int_equal(c.n, 7);
	assert_int_equal(c.v[0].va, 0x1000);
	assert_int_equal(c.v[1].va, base);
	assert_int_equal(c.v[2].va, base + 0x2000);
	assert_int_equal(c.v[3].va, base + 0x1ff000);
	assert_int_equal(c.v[4].va, base + 4 * MiB);
	assert_int_equal(c.v[4].level, 2);
	assert_int_equal(c.v[5].va, base + 8 * MiB);
	assert_int_equal(c.v[5].level, 3);
	assert_int_equal(c.v[5].desc, p[3] | PTE_PROT_NONE | PTE_USER);
	assert_int_equal(c.v[6].va, 3 * 512 * GiB);

	/* A sub-range starting in the hole and ending inside the block: the
	 * block is reported once, with its base va. */
	memset(&c, 0, sizeof(c));
	c.stop_at = -1;
	c.pm = t->pm;
	assert_int_equal(sm_pgt_for_each_leaf(t->pm, t->root, base + 0x1000,
					      base + 5 * MiB, collect_fn, &c),
			 0);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.v[0].va, base + 0x2000);
	assert_int_equal(c.v[0].level, 3);
	assert_int_equal(c.v[0].desc, leaf(p[1], 3, PTE_USER));
	assert_int_equal(c.v[1].va, base + 0x1ff000);
	assert_int_equal(c.v[2].va, base + 4 * MiB);
	assert_int_equal(c.v[2].level, 2);

	/* Starting in the middle of the block. */
	memset(&c, 0, sizeof(c));
	c.stop_at = -1;
	c.pm = t->pm;
	assert_int_equal(
	    sm_pgt_for_each_leaf(t->pm, t->root, base + 5 * MiB + 0x123,
				 base + 5 * MiB + 0x124, collect_fn, &c),
	    0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.v[0].va, base + 4 * MiB);

	/* End is exclusive; an empty range visits nothing. */
	memset(&c, 0, sizeof(c));
	c.stop_at = -1;
	c.pm = t->pm;
	assert_int_equal(sm_pgt_for_each_leaf(t->pm, t->root, base + 0x1000,
					      base + 0x2000, collect_fn, &c),
			 0);
	assert_int_equal(c.n, 0);
	assert_int_equal(sm_pgt_for_each_leaf(t->pm, t->root, base + 0x2000,
					      base + 0x2000, collect_fn, &c),
			 0);
	assert_int_equal(c.n, 0);

	/* Stop early: the callback's value is returned. */
	memset(&c, 0, sizeof(c));
	c.stop_at = 2;
	c.pm = t->pm;
	assert_int_equal(
	    sm_pgt_for_each_leaf(t->pm, t->root, 0, 1ull << 48, collect_fn, &c),
	    77);
	assert_int_equal(c.n, 2);
}

/* sm_pgt_get_slot and sm_pgt_get_path say what sm_pgt_get says, with the
 * descriptor's word; the path is re-checked after the tables change. */
static void test_pgt_get_slot_path(void **state)
{
	struct pt *t = *state;
	uint64_t pa = page_alloc(t->pm, SM_PAGE_DATA);
	uint64_t va = 0x0000555500000000ull;
	uint64_t probe[] = {va,		  va + 0x1000, va + 2 * MiB,
			    va + 5 * MiB, 1ull << 48,  7 * 512 * GiB};
	struct sm_pgt_path path = {0};

	set_ok(t, va, 3, leaf(pa, 3, PTE_USER));
	set_ok(t, va + 4 * MiB, 2, leaf(2 * GiB, 2, PTE_USER));
	for (int round = 0; round < 3; round++) {
		if (round == 2) {
			/* The level-2 table descriptor is cleared, then a
			 * new level-3 table made: the path must not hold. */
			struct sm_walk w;
			sm_pgt_walk(t->pm, t->root, va, &w);
			sm_physmem_write64(
			    t->pm, w.table[2] + 8 * sm_level_index(va, 2), 0);
			set_ok(t, va + 0x3000, 3, leaf(pa, 3, PTE_USER));
		}
		for (size_t i = 0; i < sizeof(probe) / sizeof(probe[0]); i++) {
			int l0, l1, l2;
			uint64_t d0, d1, d2, p0, p1, p2;
			const uint64_t *s1, *s2;
			d0 = sm_pgt_get(t->pm, t->root, probe[i], &l0, &p0);
			d1 = sm_pgt_get_slot(t->pm, t->root, probe[i], &l1, &p1,
					     &s1);
			assert_int_equal(d1, d0);
			assert_int_equal(l1, l0);
			assert_int_equal(p1, p0);
			if (s1)
				assert_int_equal(*s1, d0);
			else if (p0)
				assert_int_equal(sm_physmem_read64(t->pm, p0),
						 0);
			if (probe[i] >> 48) /* the path's callers check */
				continue;
			d2 = sm_pgt_get_path(t->pm, &path, t->root, probe[i],
					     &l2, &p2, &s2);
			assert_int_equal(d2, d0);
			assert_int_equal(l2, l0);
			assert_int_equal(p2, p0);
			assert_ptr_equal(s2, s1);
		}
	}
	/* A write through the slot is write64's: the generation goes up. */
	int l;
	uint64_t dpa, gen = sm_physmem_pgt_gen(t->pm);
	const uint64_t *slot;
	(void)sm_pgt_get_path(t->pm, &path, t->root, va, &l, &dpa, &slot);
	sm_physmem_table_write(t->pm, slot, 0);
	assert_int_equal(sm_physmem_pgt_gen(t->pm), gen + 1);
	assert_int_equal(sm_pgt_get(t->pm, t->root, va, NULL, NULL), 0);
	/* Freed tables: the path no longer holds. */
	sm_pgt_free_tables(t->pm, t->root);
	assert_int_equal(sm_pgt_get_path(t->pm, &path, t->root, va + 0x3000, &l,
					 &dpa, &slot),
			 0);
	assert_int_equal(dpa, 0);
	assert_null(slot);
	t->root = 0; /* freed */
}

/* Runs: a level-3 table's part of the range as one run, a block as a run
 * of one slot, in ascending order; a non-zero return stops. */
struct run_seen {
	int n;
	struct sm_pgt_run r[8];
	int stop_at;
};

static int run_fn(void *ctx, const struct sm_pgt_run *r)
{
	struct run_seen *s = ctx;
	assert_true(s->n < 8);
	s->r[s->n++] = *r;
	return s->n == s->stop_at ? 55 : 0;
}

static void test_for_each_leaf_run(void **state)
{
	struct pt *t = *state;
	uint64_t p = page_alloc(t->pm, SM_PAGE_DATA);
	uint64_t base = 0x0000000040000000ull;
	struct run_seen s = {.stop_at = -1};

	set_ok(t, base + 0x2000, 3, leaf(p, 3, PTE_USER));
	set_ok(t, base + 0x1ff000, 3, leaf(p, 3, PTE_USER));
	set_ok(t, base + 4 * MiB, 2, leaf(2 * GiB, 2, PTE_USER));
	assert_int_equal(sm_pgt_for_each_leaf_run(t->pm, t->root, base + 0x1000,
						  base + 5 * MiB, run_fn, &s),
			 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.r[0].level, 3);
	assert_int_equal(s.r[0].first, 1);
	assert_int_equal(s.r[0].last, 511);
	assert_int_equal(s.r[0].va, base);
	assert_int_equal(s.r[0].words[2], leaf(p, 3, PTE_USER));
	uint64_t dpa;
	(void)sm_pgt_get(t->pm, t->root, base + 0x2000, NULL, &dpa);
	assert_int_equal(s.r[0].table + 16, dpa);
	assert_int_equal(s.r[1].level, 2);
	assert_int_equal(s.r[1].first, 2);
	assert_int_equal(s.r[1].last, 2);
	assert_int_equal(s.r[1].va, base);
	/* The part of a table in range only. */
	s = (struct run_seen){.stop_at = 1};
	assert_int_equal(sm_pgt_for_each_leaf_run(t->pm, t->root, base + 0x2000,
						  base + 0x5000, run_fn, &s),
			 55);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.r[0].first, 2);
	assert_int_equal(s.r[0].last, 4);
}

/* Through a table path, the same runs as the walk: a range in one region
 * whose level-3 table the path reaches (fresh, stale or from another
 * region), a block, no table, two regions, and after the table descriptor
 * leading to the level-3 table is cleared. */
static void same_runs_through_path(struct pt *t, struct sm_pgt_path *path,
				   uint64_t start, uint64_t end)
{
	struct run_seen a = {.stop_at = -1}, b = {.stop_at = -1};
	assert_int_equal(
	    sm_pgt_for_each_leaf_run(t->pm, t->root, start, end, run_fn, &a),
	    0);
	assert_int_equal(sm_pgt_for_each_leaf_run_path(t->pm, path, t->root,
						       start, end, run_fn, &b),
			 0);
	assert_int_equal(a.n, b.n);
	for (int i = 0; i < a.n; i++) {
		assert_int_equal(a.r[i].level, b.r[i].level);
		assert_int_equal(a.r[i].first, b.r[i].first);
		assert_int_equal(a.r[i].last, b.r[i].last);
		assert_int_equal(a.r[i].table, b.r[i].table);
		assert_int_equal(a.r[i].va, b.r[i].va);
		assert_ptr_equal(a.r[i].words, b.r[i].words);
	}
}

/* sm_pgt_slots_with against a test of each word: over a random sparse
 * table (words with only bit 0, bit 58 or bit 63 among them), for random
 * [lo, hi) and several `bits`, the mask has bit j exactly for the slot
 * b + j (b = lo rounded down to 4) in [lo, hi) and below b + 64 whose word
 * has one of the bits. */
static void test_pgt_slots_with(void **state)
{
	(void)state;
	static const uint64_t bit_sets[] = {
	    ~0ull, 1ull | 1ull << 58, 1ull << 63, 1ull, 0x0000fffffffff000ull};
	uint64_t words[512], rng = 777;
	for (unsigned round = 0; round < 200; round++) {
		for (unsigned i = 0; i < 512; i++) {
			rng = rng * 6364136223846793005ull +
			      1442695040888963407ull;
			uint64_t x = rng >> 16;
			static const uint64_t kinds[] = {1ull, 1ull << 58,
							 1ull << 63, 0x1000};
			words[i] = x % 3 ? 0 : kinds[(x >> 8) & 3] | (x & 2);
		}
		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		unsigned lo = (unsigned)(rng >> 20) % 512;
		unsigned hi = lo + 1 + (unsigned)(rng >> 40) % (512 - lo);
		for (size_t k = 0; k < sizeof(bit_sets) / sizeof(*bit_sets);
		     k++) {
			uint64_t bits = bit_sets[k];
			unsigned b = lo & ~3u;
			uint64_t want = 0;
			for (unsigned j = 0; j < 64; j++)
				if (b + j >= lo && b + j < hi &&
				    (words[b + j] & bits))
					want |= 1ull << j;
			assert_int_equal(sm_pgt_slots_with(words, lo, hi, bits),
					 want);
		}
	}
}

static void test_for_each_leaf_run_path(void **state)
{
	struct pt *t = *state;
	uint64_t p = page_alloc(t->pm, SM_PAGE_DATA);
	uint64_t base = 0x0000000040000000ull;
	struct sm_pgt_path path = {0};

	set_ok(t, base + 0x2000, 3, leaf(p, 3, PTE_USER));
	set_ok(t, base + 0x1ff000, 3, leaf(p, 3, PTE_USER));
	set_ok(t, base + 2 * MiB + 0x5000, 3, leaf(p, 3, PTE_USER));
	set_ok(t, base + 4 * MiB, 2, leaf(2 * GiB, 2, PTE_USER));
	for (int round = 0; round < 2; round++) {
		same_runs_through_path(t, &path, base + 0x1000, base + 0x3000);
		same_runs_through_path(t, &path, base, base + 2 * MiB);
		same_runs_through_path(t, &path, base + 0x1ff000,
				       base + 2 * MiB);
		same_runs_through_path(t, &path, base + 2 * MiB,
				       base + 2 * MiB + 0x9000);
		same_runs_through_path(t, &path, base + 0x1000, base + 3 * MiB);
		same_runs_through_path(t, &path, base + 4 * MiB + 0x1000,
				       base + 4 * MiB + 0x3000);
		same_runs_through_path(t, &path, base + 8 * MiB,
				       base + 8 * MiB + 0x1000);
		same_runs_through_path(t, &path, base + 0x3000, base + 0x3000);
	}
	/* The level-2 descriptor to the first level-3 table cleared: the
	 * path no longer holds, and there is nothing to visit. */
	same_runs_through_path(t, &path, base + 0x1000, base + 0x3000);
	struct sm_walk w;
	sm_pgt_walk(t->pm, t->root, base + 0x2000, &w);
	assert_int_equal(w.fault, SM_WALK_OK);
	sm_physmem_write64(t->pm, w.table[2] + 8ull * sm_level_index(base, 2),
			   0);
	struct run_seen b = {.stop_at = -1};
	assert_int_equal(
	    sm_pgt_for_each_leaf_run_path(t->pm, &path, t->root, base + 0x1000,
					  base + 0x3000, run_fn, &b),
	    0);
	assert_int_equal(b.n, 0);
	same_runs_through_path(t, &path, base + 0x1000, base + 0x3000);
}

static void test_free_tables(void **state)
{
	struct pt *t = *state;
	uint64_t before, data[3], blk;
	struct sm_errbuf eb;
	int i;

	for (i = 0; i < 3; i++)
		data[i] = page_alloc(t->pm, SM_PAGE_DATA);
	assert_int_equal(
	    sm_physmem_alloc_contig(t->pm, 512, 512, SM_PAGE_DATA, &blk, &eb),
	    0);
	before = sm_physmem_usage(t->pm).in_use; /* root + data */

	/* Two pages in one L3 table: L1 + L2 + L3 = 3 tables. */
	set_ok(t, 0x1000, 3, leaf(data[0], 3, PTE_USER));
	set_ok(t, 0x2000, 3, leaf(data[1], 3, PTE_USER));
	assert_int_equal(sm_physmem_usage(t->pm).in_use, before + 3);
	/* Another L0 slot: L1 + L2 + L3 = 3 more. */
	set_ok(t, 512 * GiB, 3, leaf(data[2], 3, PTE_USER));
	assert_int_equal(sm_physmem_usage(t->pm).in_use, before + 6);
	/* A 2 MiB block in a fresh L1 slot: one more L2 table. */
	set_ok(t, 1 * GiB, 2, leaf(blk, 2, PTE_USER));
	assert_int_equal(sm_physmem_usage(t->pm).in_use, before + 7);
	/* A 1 GiB block in the first L1 table: no new table. */
	set_ok(t, 2 * GiB, 1, leaf(2 * GiB, 1, PTE_USER));
	assert_int_equal(sm_physmem_usage(t->pm).in_use, before + 7);

	sm_pgt_free_tables(t->pm, t->root);
	/* The 7 intermediate tables and the root are gone, data stays. */
	assert_int_equal(sm_physmem_usage(t->pm).in_use, before - 1);
	assert_int_equal(sm_physmem_usage(t->pm).bad_frees, 0);
	assert_int_equal(sm_physmem_kind(t->pm, t->root), SM_PAGE_FREE);
	for (i = 0; i < 3; i++)
		assert_int_equal(sm_physmem_kind(t->pm, data[i]), SM_PAGE_DATA);
	assert_int_equal(sm_physmem_kind(t->pm, blk), SM_PAGE_DATA);
	assert_int_equal(sm_physmem_kind(t->pm, blk + 2 * MiB - 4 * KiB),
			 SM_PAGE_DATA);

	/* Freeing a data page as a root does nothing. */
	sm_pgt_free_tables(t->pm, data[0]);
	assert_int_equal(sm_physmem_kind(t->pm, data[0]), SM_PAGE_DATA);
	assert_int_equal(sm_physmem_usage(t->pm).bad_frees, 0);

	/* A new root is a zeroed table frame again. */
	assert_int_equal(sm_pgt_new_root(t->pm, &t->root, &eb), 0);
	assert_int_equal(sm_physmem_kind(t->pm, t->root), SM_PAGE_PGTABLE);
	assert_int_equal(sm_physmem_read64(t->pm, t->root), 0);
}

/* Every field of two walks (sm_walk_memo against the full walk). */
static void assert_same_walk(const struct sm_walk *a, const struct sm_walk *b)
{
	assert_int_equal(a->fault, b->fault);
	assert_int_equal(a->level, b->level);
	assert_int_equal(a->desc, b->desc);
	assert_int_equal(a->desc_pa, b->desc_pa);
	assert_int_equal(a->pa, b->pa);
	assert_int_equal(a->page_size, b->page_size);
	assert_int_equal(a->perm, b->perm);
	assert_int_equal(a->reads, b->reads);
	assert_int_equal(a->start_level, b->start_level);
	for (int l = 0; l < 4; l++)
		assert_int_equal(a->table[l], b->table[l]);
	assert_int_equal(a->ipa, b->ipa);
	assert_int_equal(a->s2_table, b->s2_table);
}

/* Walks of the pages around va, through the memo and without: the
 * same results, whatever the memo remembers. */
static void walks_agree(struct pt *t, struct sm_pgt_memo *m, uint64_t va)
{
	static const int64_t off[] = {0,       0x1000,	   0x1ff000, 0x200000,
				      -0x1000, 0x40000000, 0x123,    0};
	for (size_t i = 0; i < sizeof(off) / sizeof(off[0]); i++) {
		struct sm_walk a, b;
		uint64_t v = va + (uint64_t)off[i];
		sm_pgt_walk_memo(t->pm, m, t->root, 0, v, &a);
		sm_pgt_walk_from(t->pm, t->root, 0, v, &b);
		assert_same_walk(&a, &b);
		/* From a deeper table, as after a walk-cache hit. */
		if (b.level == 3 && b.table[2]) {
			sm_pgt_walk_memo(t->pm, m, b.table[2], 2, v, &a);
			sm_pgt_walk_from(t->pm, b.table[2], 2, v, &b);
			assert_same_walk(&a, &b);
		}
	}
}

static void test_walk_memo(void **state)
{
	struct pt *t = *state;
	struct sm_pgt_memo m = {0};
	uint64_t va = 0x40000000, data = page_alloc(t->pm, SM_PAGE_DATA);
	struct sm_walk w;

	walks_agree(t, &m, va); /* nothing mapped */
	set_ok(t, va, 3, leaf(data, 3, PTE_USER));
	walks_agree(t, &m, va);
	/* The memo answers a second page of the region... */
	set_ok(t, va + 0x1000, 3, leaf(data, 3, PTE_USER | PTE_RDONLY));
	walks_agree(t, &m, va);
	walks_agree(t, &m, va); /* (twice: from the memo) */
	sm_pgt_walk_memo(t->pm, &m, t->root, 0, va + 0x1000, &w);
	assert_int_equal(w.reads, 4);
	assert_int_equal(w.perm, R | X);
	/* ...until a table changes: the page unmapped, its level-2 table
	 * descriptor cleared, the tables freed and reused. */
	set_ok(t, va + 0x1000, 3, 0);
	walks_agree(t, &m, va);
	uint64_t dpa;
	sm_pgt_walk_from(t->pm, t->root, 0, va, &w);
	dpa = w.table[2] + 8ull * sm_level_index(va, 2);
	sm_physmem_write64(t->pm, dpa, 0);
	walks_agree(t, &m, va);
	set_ok(t, va, 3, leaf(data, 3, PTE_USER));
	walks_agree(t, &m, va);
	sm_pgt_free_tables(t->pm, t->root);
	walks_agree(t, &m, va);
	assert_int_equal(sm_pgt_new_root(t->pm, &t->root, &t->eb), 0);
	set_ok(t, va + 0x2000, 3, leaf(data, 3, PTE_USER));
	walks_agree(t, &m, va);
	/* Beyond 48 bits: never from the memo. */
	walks_agree(t, &m, (1ull << 48) - 0x1000);
}

/* ---- the translation cache (tcache.c) ---- */

static struct sm_tc_entry ent(uint64_t va, uint64_t pa, uint32_t asid,
			      int level, bool global)
{
	return (struct sm_tc_entry){.va = va,
				    .pa = pa,
				    .asid = asid,
				    .level = (uint8_t)level,
				    .perm = SMMUSIM_PROT_R,
				    .global = global};
}

static void test_tc_init_errors(void **state)
{
	(void)state;
	struct sm_tcache tc;
	struct sm_errbuf eb = {{0}};
	assert_int_equal(sm_tc_init(&tc, ALLOC, 10, 4, "x.entries", &eb),
			 SMMUSIM_ERANGE);
	assert_non_null(strstr(eb.msg, "x.entries"));
	assert_non_null(strstr(eb.msg, "10"));
	assert_int_equal(sm_tc_init(&tc, ALLOC, 0, 4, "x", &eb),
			 SMMUSIM_ERANGE);
	assert_int_equal(sm_tc_init(&tc, ALLOC, 4, 0, "x", &eb),
			 SMMUSIM_ERANGE);
	assert_int_equal(sm_tc_init(&tc, ALLOC, 12, 4, "x", &eb), 0);
	assert_int_equal(tc.sets, 3);
	assert_int_equal(tc.ways, 4);
	assert_int_equal(tc.live, 0);
	sm_tc_fini(&tc);
}

static void test_tc_lru_within_set(void **state)
{
	(void)state;
	struct sm_tcache tc;
	struct sm_errbuf eb;
	assert_int_equal(sm_tc_init(&tc, ALLOC, 4, 4, "t", &eb), 0);
	/* A..D fill the set. */
	for (int i = 0; i < 4; i++) {
		struct sm_tc_entry e =
		    ent(0x1000ull * (i + 1), 0x80000000ull + 0x1000ull * i, 1,
			3, false);
		assert_false(sm_tc_fill(&tc, &e));
	}
	assert_int_equal(tc.live, 4);
	/* Touch A, so B is least recently used. */
	assert_non_null(sm_tc_lookup(&tc, 0, 1, 0x1000));
	struct sm_tc_entry e = ent(0x5000, 0x90000000ull, 1, 3, false);
	assert_true(sm_tc_fill(&tc, &e)); /* E evicts B */
	assert_null(sm_tc_lookup(&tc, 0, 1, 0x2000));
	e = ent(0x6000, 0x90001000ull, 1, 3, false);
	assert_true(sm_tc_fill(&tc, &e)); /* F evicts C */
	assert_null(sm_tc_lookup(&tc, 0, 1, 0x3000));
	assert_non_null(sm_tc_lookup(&tc, 0, 1, 0x4000)); /* touch D */
	e = ent(0x7000, 0x90002000ull, 1, 3, false);
	assert_true(sm_tc_fill(&tc, &e)); /* G evicts A (E, F, D newer) */
	assert_null(sm_tc_lookup(&tc, 0, 1, 0x1000));
	static const uint64_t present[] = {0x4000, 0x5000, 0x6000, 0x7000};
	for (size_t i = 0; i < 4; i++) {
		struct sm_tc_entry *h =
		    sm_tc_lookup(&tc, 0, 1, present[i] + 0x10);
		assert_non_null(h);
		assert_int_equal(h->va, present[i]);
	}
	assert_int_equal(tc.live, 4);
	assert_int_equal(tc_count(&tc), 4);
	sm_tc_fini(&tc);
}

static void test_tc_refill_replaces(void **state)
{
	(void)state;
	struct sm_tcache tc;
	struct sm_errbuf eb;
	assert_int_equal(sm_tc_init(&tc, ALLOC, 4, 4, "t", &eb), 0);
	struct sm_tc_entry e = ent(0x1000, 0x80000000ull, 1, 3, false);
	assert_false(sm_tc_fill(&tc, &e));
	e = ent(0x2000, 0x80001000ull, 1, 3, false);
	assert_false(sm_tc_fill(&tc, &e));

	/* Same page and tags, new output and permissions, unaligned va. */
	e = ent(0x1abc, 0x88000000ull, 1, 3, false);
	e.perm = SMMUSIM_PROT_R | SMMUSIM_PROT_W;
	assert_false(sm_tc_fill(&tc, &e));
	assert_int_equal(tc.live, 2);
	assert_int_equal(tc_count(&tc), 2);
	struct sm_tc_entry *h = sm_tc_lookup(&tc, 0, 1, 0x1000);
	assert_non_null(h);
	assert_int_equal(h->va, 0x1000);
	assert_int_equal(h->pa, 0x88000000ull);
	assert_int_equal(h->perm, SMMUSIM_PROT_R | SMMUSIM_PROT_W);
	assert_true(h->valid);

	/* A refill never evicts, even in a full set. */
	for (int i = 3; i <= 4; i++) {
		e = ent(0x1000ull * i, 0x80000000ull, 1, 3, false);
		assert_false(sm_tc_fill(&tc, &e));
	}
	assert_int_equal(tc.live, 4);
	e = ent(0x2000, 0x70000000ull, 1, 3, false);
	assert_false(sm_tc_fill(&tc, &e));
	assert_int_equal(tc_count(&tc), 4);
	assert_non_null(sm_tc_lookup(&tc, 0, 1, 0x1000));

	/* Another ASID for the same page is a different entry. */
	e = ent(0x2000, 0x71000000ull, 2, 3, false);
	assert_true(sm_tc_fill(&tc, &e));
	assert_int_equal(sm_tc_lookup(&tc, 0, 2, 0x2000)->pa, 0x71000000ull);
	assert_int_equal(sm_tc_lookup(&tc, 0, 1, 0x2000)->pa, 0x70000000ull);
	sm_tc_fini(&tc);
}

static void test_tc_tags(void **state)
{
	(void)state;
	struct sm_tcache tc;
	struct sm_errbuf eb;
	assert_int_equal(sm_tc_init(&tc, ALLOC, 64, 4, "t", &eb), 0);
	struct sm_tc_entry g = ent(0x10000, 0x80000000ull, 1, 3, true);
	struct sm_tc_entry n = ent(0x20000, 0x80001000ull, 1, 3, false);
	struct sm_tc_entry v = ent(0x30000, 0x80002000ull, 1, 3, false);
	v.vmid = 5;
	sm_tc_fill(&tc, &g);
	sm_tc_fill(&tc, &n);
	sm_tc_fill(&tc, &v);

	assert_non_null(sm_tc_lookup(&tc, 0, 99, 0x10000)); /* global */
	assert_null(sm_tc_lookup(&tc, 0, 99, 0x20000));	    /* nG, other ASID */
	assert_null(sm_tc_lookup(&tc, 0, 1, 0x30000));	    /* other VMID */
	assert_non_null(sm_tc_lookup(&tc, 5, 1, 0x30000));
	assert_null(sm_tc_lookup(&tc, 5, 1, 0x10000)); /* global, other VMID */

	/* ASID-only invalidation spares the global entry. */
	assert_int_equal(sm_tc_inv_asid(&tc, 0, 1), 1);
	assert_null(sm_tc_lookup(&tc, 0, 1, 0x20000));
	assert_non_null(sm_tc_lookup(&tc, 0, 1, 0x10000));
	assert_int_equal(sm_tc_inv_va(&tc, 0, 7, SM_TC_ASID_ONLY, 0x10000), 0);
	assert_int_equal(sm_tc_inv_va(&tc, 0, 7, SM_TC_ASID_OR_GLOBAL, 0x10000),
			 1);
	assert_null(sm_tc_lookup(&tc, 0, 1, 0x10000));
	/* VMID-scoped. */
	assert_int_equal(sm_tc_inv_vmid(&tc, 0), 0);
	assert_int_equal(sm_tc_inv_vmid(&tc, 5), 1);
	assert_int_equal(tc.live, 0);

	/* ANY matches every ASID of the VA. */
	for (uint32_t a = 1; a <= 3; a++) {
		struct sm_tc_entry e =
		    ent(0x40000, 0x80000000ull + a * 0x1000, a, 3, false);
		sm_tc_fill(&tc, &e);
	}
	assert_int_equal(tc.live, 3);
	assert_int_equal(sm_tc_inv_va(&tc, 0, 1, SM_TC_ASID_ANY, 0x40fff), 3);
	assert_int_equal(sm_tc_inv_all(&tc), 0);
	sm_tc_fini(&tc);
}

static void test_tc_block_sizes(void **state)
{
	(void)state;
	struct sm_tcache tc;
	struct sm_errbuf eb;
	assert_int_equal(sm_tc_init(&tc, ALLOC, 64, 4, "t", &eb), 0);
	struct sm_tc_entry b2 =
	    ent(0x40000000ull + 0x123456, 0x80000000ull, 1, 2, false);
	struct sm_tc_entry b1 = ent(0x80000000ull, 0xc0000000ull, 1, 1, false);
	sm_tc_fill(&tc, &b2);
	sm_tc_fill(&tc, &b1);
	struct sm_tc_entry *h = sm_tc_lookup(&tc, 0, 1, 0x401ff000ull);
	assert_non_null(h);
	assert_int_equal(h->va, 0x40000000ull); /* aligned down on fill */
	assert_int_equal(sm_tc_size(h), 2 * MiB);
	assert_null(sm_tc_lookup(&tc, 0, 1, 0x40200000ull));
	h = sm_tc_lookup(&tc, 0, 1, 0xbffff000ull);
	assert_non_null(h);
	assert_int_equal(sm_tc_size(h), 1ull << 30);
	assert_int_equal(sm_tc_inv_va(&tc, 0, 1, SM_TC_ASID_OR_GLOBAL,
				      0x80000000ull + 0x3ff00000ull),
			 1);
	assert_null(sm_tc_lookup(&tc, 0, 1, 0x80000000ull));
	assert_non_null(sm_tc_lookup(&tc, 0, 1, 0x40000000ull));
	sm_tc_fini(&tc);
}

static bool pa_at_least(void *ctx, const struct sm_tc_entry *e)
{
	return e->pa >= *(const uint64_t *)ctx;
}

static bool never(void *ctx, const struct sm_tc_entry *e)
{
	(void)ctx;
	(void)e;
	return false;
}

static void test_tc_inv_if(void **state)
{
	(void)state;
	struct sm_tcache tc;
	struct sm_errbuf eb;
	assert_int_equal(sm_tc_init(&tc, ALLOC, 256, 4, "t", &eb), 0);
	/* 8 pages across sets: 64 sets of 4 ways, far from full. */
	unsigned filled = 0;
	for (unsigned i = 0; i < 8; i++) {
		struct sm_tc_entry e =
		    ent(0x100000ull + i * 0x1000ull,
			0x80000000ull + i * 0x1000ull, 1, 3, false);
		assert_false(sm_tc_fill(&tc, &e));
		filled++;
	}
	assert_int_equal(tc.live, filled);
	uint64_t limit = 0x80005000ull;
	assert_int_equal(sm_tc_inv_if(&tc, never, NULL), 0);
	assert_int_equal(sm_tc_inv_if(&tc, pa_at_least, &limit), 3);
	assert_int_equal(tc.live, 5);
	assert_int_equal(tc_count(&tc), 5);
	for (unsigned i = 0; i < 8; i++) {
		struct sm_tc_entry *h =
		    sm_tc_lookup(&tc, 0, 1, 0x100000ull + i * 0x1000ull);
		if (i < 5)
			assert_non_null(h);
		else
			assert_null(h);
	}
	/* Predicates see only valid entries: a second pass removes none. */
	assert_int_equal(sm_tc_inv_if(&tc, pa_at_least, &limit), 0);
	assert_int_equal(sm_tc_inv_all(&tc), 5);
	assert_int_equal(tc.live, 0);
	assert_int_equal(tc_count(&tc), 0);
	sm_tc_fini(&tc);
}

/* Does cache tc hold a valid entry of a level in lvsel, tagged (vmid,
 * asid) or global, over some page of [lo, hi)?  (The truth the filter's
 * range answer must never contradict.) */
static bool holds_in(const struct sm_tcache *tc, uint64_t lo, uint64_t hi,
		     unsigned lvsel, uint32_t vmid, uint32_t asid)
{
	for (size_t i = 0; i < (size_t)tc->sets * tc->ways; i++) {
		const struct sm_tc_entry *e = &tc->e[i];
		if (e->valid && (lvsel >> e->level & 1) && e->vmid == vmid &&
		    (e->global || e->asid == asid) && e->va < hi &&
		    e->va + sm_tc_size(e) > lo)
			return true;
	}
	return false;
}

/* sm_tc_filter_range_empty over two caches sharing a filter, after random
 * fills (pages, some blocks, some global entries), evictions and
 * invalidations: "empty" is never said of a range holding a matching
 * entry, and is said of some ranges (else it would be useless). */
static void test_tc_filter_range_empty(void **state)
{
	(void)state;
	struct sm_tcache a, b;
	struct sm_tc_filter f;
	struct sm_errbuf eb;
	uint64_t rng = 12345;
	unsigned said_empty = 0;
	assert_int_equal(sm_tc_init(&a, ALLOC, 64, 64, "a", &eb), 0);
	assert_int_equal(sm_tc_init(&b, ALLOC, 256, 4, "b", &eb), 0);
	assert_int_equal(sm_tc_filter_init(&f, ALLOC, 320), 0);
	sm_tc_attach_filter(&a, &f);
	sm_tc_attach_filter(&b, &f);
	for (unsigned step = 0; step < 20000; step++) {
		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		uint64_t x = rng >> 16;
		uint64_t va = (x & 0x3ff) << 12; /* 4 MiB of pages */
		uint32_t asid = (uint32_t)(x >> 10 & 3);
		int level = (x >> 12 & 63) == 0 ? 2 : 3;
		bool global = (x >> 18 & 15) == 0;
		struct sm_tcache *tc = x >> 22 & 1 ? &a : &b;
		if ((x >> 23 & 7) != 0) {
			struct sm_tc_entry e = ent(va, va, asid, level, global);
			sm_tc_fill(tc, &e);
		} else {
			sm_tc_inv_va(tc, 0, asid, SM_TC_ASID_OR_GLOBAL, va);
		}
		uint64_t lo = (x >> 26 & 0x3ff) << 12;
		uint64_t hi = lo + ((x >> 36 & 31) + 1) * 0x1000ull;
		unsigned lvsel = x >> 41 & 1 ? 1u << 3 : 0xeu;
		uint32_t q = (uint32_t)(x >> 42 & 3);
		if (sm_tc_filter_range_empty(&f, lo, hi, lvsel, 0, q)) {
			said_empty++;
			assert_false(holds_in(&a, lo, hi, lvsel, 0, q));
			assert_false(holds_in(&b, lo, hi, lvsel, 0, q));
		}
	}
	/* (Some: a region's level-3 counts are one group of 16 of the
	 * filter's 2048, sm_tc_filter_hash; 128 groups for the 256
	 * (region, ASID) pairs here.) */
	assert_true(said_empty > 50);
	sm_tc_fini(&a);
	sm_tc_fini(&b);
	sm_tc_filter_fini(&f);
}

/* A full FLUSHALL cache is emptied at once by the fill that finds it full
 * (sm_tc_inv_all's whole-cache path), and sm_tc_fill_missed fills as
 * sm_tc_fill does after a miss. */
static void test_tc_flushall_fill_missed(void **state)
{
	(void)state;
	struct sm_tcache tc;
	struct sm_errbuf eb;
	assert_int_equal(sm_tc_init(&tc, ALLOC, 8, 8, "t", &eb), 0);
	assert_int_equal(sm_tc_set_repl(&tc, SM_TC_FLUSHALL, NULL), 0);
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 8; i++) {
			uint64_t va = 0x1000ull * (i + 1) + 0x100000ull * round;
			struct sm_tc_entry e =
			    ent(va, 0x80000000ull + va, 1, 3, false);
			assert_null(sm_tc_lookup(&tc, 0, 1, va));
			/* the first fill of a round after the first flushes */
			assert_int_equal(sm_tc_fill_missed(&tc, &e),
					 round > 0 && i == 0);
		}
		assert_int_equal(tc.live, 8);
		assert_int_equal(tc_count(&tc), 8);
		assert_int_equal(tc.flushes, (uint64_t)round);
		assert_non_null(
		    sm_tc_lookup(&tc, 0, 1, 0x1000 + 0x100000ull * round));
	}
	/* Emptied at once: nothing left to hit, every way free again. */
	assert_int_equal(sm_tc_inv_all(&tc), 8);
	assert_int_equal(tc.live, 0);
	assert_int_equal(tc_count(&tc), 0);
	assert_int_equal(tc.lv_mask, 0);
	assert_null(sm_tc_lookup(&tc, 0, 1, 0x201000));
	struct sm_tc_entry e = ent(0x3000, 0x90000000ull, 1, 3, false);
	assert_false(sm_tc_fill(&tc, &e));
	assert_int_equal(tc.e[0].va, 0x3000); /* the first way */
	assert_non_null(sm_tc_lookup(&tc, 0, 1, 0x3000));
	assert_int_equal(sm_tc_inv_va(&tc, 0, 1, SM_TC_ASID_ONLY, 0x3000), 1);
	assert_int_equal(tc.live, 0);
	sm_tc_fini(&tc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_physmem_new_validation),
	    cmocka_unit_test(test_physmem_injected_allocator),
	    cmocka_unit_test(test_physmem_lifo_reuse),
	    cmocka_unit_test(test_physmem_peak),
	    cmocka_unit_test(test_physmem_contig_alignment),
	    cmocka_unit_test(test_physmem_enomem),
	    cmocka_unit_test(test_physmem_rw_and_zero_on_reuse),
	    cmocka_unit_test(test_physmem_kind_tracking),
	    cmocka_unit_test(test_physmem_pgt_gen),
	    cmocka_unit_test(test_physmem_write_words),
	    cmocka_unit_test(test_physmem_table_words),
	    cmocka_unit_test(test_physmem_bad_frees),
	    cmocka_unit_test(test_pte_perm),
	    cmocka_unit_test_setup_teardown(test_walk_page_perms, pt_setup,
					    pt_teardown),
	    cmocka_unit_test_setup_teardown(test_walk_access_flag, pt_setup,
					    pt_teardown),
	    cmocka_unit_test_setup_teardown(test_walk_unmapped_levels, pt_setup,
					    pt_teardown),
	    cmocka_unit_test_setup_teardown(test_walk_2m_block, pt_setup,
					    pt_teardown),
	    cmocka_unit_test_setup_teardown(test_walk_1g_block, pt_setup,
					    pt_teardown),
	    cmocka_unit_test_setup_teardown(test_walk_reserved_and_addr_size,
					    pt_setup, pt_teardown),
	    cmocka_unit_test_setup_teardown(test_pgt_set_errors, pt_setup,
					    pt_teardown),
	    cmocka_unit_test_setup_teardown(test_pgt_get, pt_setup,
					    pt_teardown),
	    cmocka_unit_test_setup_teardown(test_for_each_leaf, pt_setup,
					    pt_teardown),
	    cmocka_unit_test_setup_teardown(test_pgt_get_slot_path, pt_setup,
					    pt_teardown),
	    cmocka_unit_test_setup_teardown(test_for_each_leaf_run, pt_setup,
					    pt_teardown),
	    cmocka_unit_test(test_pgt_slots_with),
	    cmocka_unit_test_setup_teardown(test_for_each_leaf_run_path,
					    pt_setup, pt_teardown),
	    cmocka_unit_test_setup_teardown(test_free_tables, pt_setup,
					    pt_teardown),
	    cmocka_unit_test_setup_teardown(test_walk_memo, pt_setup,
					    pt_teardown),
	    cmocka_unit_test(test_tc_init_errors),
	    cmocka_unit_test(test_tc_lru_within_set),
	    cmocka_unit_test(test_tc_refill_replaces),
	    cmocka_unit_test(test_tc_tags),
	    cmocka_unit_test(test_tc_block_sizes),
	    cmocka_unit_test(test_tc_inv_if),
	    cmocka_unit_test(test_tc_filter_range_empty),
	    cmocka_unit_test(test_tc_flushall_fill_missed),
	};
	return cmocka_run_group_tests_name("mem", tests, NULL, NULL);
}
