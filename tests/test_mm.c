/* SPDX-License-Identifier: MIT */
/*
 * Tests for the kernel's memory management (src/kernel/mm): page faults
 * (memory.c: the zero page and copy-on-write of a private mapping, the
 * write-permission upgrade of a shared one), and munmap's flush and page
 * freeing (mmap.c: a TLBI per populated page, pages freed only after the
 * flush and reused first); finding the VMA of an address.  Built on the kernel
 * model over the hardware models (tests/kernel_world.h), no simulator.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <smmusim/event.h>

#include "helpers.h"
#include "kernel/mm/internal.h"
#include "kernel_world.h"

#define BASE 0x10000000ull
#define PG 0x1000ull

#define RW (SMMUSIM_PROT_R | SMMUSIM_PROT_W)

/* ============================== faults ============================== */

static void test_private_read_zero_page_then_cow(void **state)
{
	struct kworld *k = *state = kworld_new(NULL, NULL);
	kw_mm_with_vma(k, BASE, 4, RW, false);

	kw_must(k, kw_cpu(k, 1, 0, BASE + 0x10, false));
	uint64_t d = kw_pte(k, 1, BASE);
	assert_true(d & PTE_VALID);
	assert_true(d & PTE_RDONLY);
	assert_int_equal(pte_pa(d), k->os.mm.zero_page);
	assert_int_equal(sm_physmem_kind(k->pm, k->os.mm.zero_page),
			 SM_PAGE_ZERO);
	assert_int_equal(counter(k->st, "os.faults.cpu"), 1);
	assert_int_equal(counter(k->st, "os.faults.cow"), 0);
	assert_int_equal(counter(k->st, "os.pages.allocated"), 0);

	kw_must(k, kw_cpu(k, 1, 0, BASE + 0x20, true));
	d = kw_pte(k, 1, BASE);
	assert_int_equal(counter(k->st, "os.faults.cow"), 1);
	assert_int_equal(counter(k->st, "os.pages.allocated"), 1);
	assert_true(d & PTE_VALID);
	assert_false(d & PTE_RDONLY);
	assert_true(d & PTE_DIRTY);
	assert_int_not_equal(pte_pa(d), k->os.mm.zero_page);
	assert_int_equal(sm_physmem_kind(k->pm, pte_pa(d)), SM_PAGE_DATA);
	/* The CPU cached the read-only zero-page entry: COW flushed it. */
	assert_int_equal(counter(k->st, "os.flush.flush_tlb_page"), 1);
	assert_int_equal(counter(k->st, "cpu.access.segv"), 0);

	/* A write to a fresh page allocates at once, no COW. */
	kw_must(k, kw_cpu(k, 1, 1, BASE + PG, true));
	d = kw_pte(k, 1, BASE + PG);
	assert_false(d & PTE_RDONLY);
	assert_int_equal(counter(k->st, "os.faults.cow"), 1);
	assert_int_equal(counter(k->st, "os.pages.allocated"), 2);
}

static void test_shared_read_then_upgrade(void **state)
{
	struct kworld *k = *state = kworld_new(NULL, NULL);
	kw_mm_with_vma(k, BASE, 4, RW, true);

	kw_must(k, kw_cpu(k, 1, 0, BASE, false));
	uint64_t d = kw_pte(k, 1, BASE);
	assert_true(d & PTE_VALID);
	assert_true(d & PTE_RDONLY); /* clean: read-only to the hardware */
	assert_false(d & PTE_DIRTY);
	assert_int_not_equal(pte_pa(d), k->os.mm.zero_page);
	uint64_t pa = pte_pa(d);
	uint64_t flushes = counter(k->st, "os.flush.flush_tlb_page");

	kw_must(k, kw_cpu(k, 1, 0, BASE, true));
	d = kw_pte(k, 1, BASE);
	assert_int_equal(counter(k->st, "os.faults.upgrade"), 1);
	assert_int_equal(counter(k->st, "os.faults.cow"), 0);
	assert_false(d & PTE_RDONLY);
	assert_true(d & PTE_DIRTY);
	assert_true(d & PTE_WRITE);
	assert_int_equal(pte_pa(d), pa); /* same page-cache page */
	assert_int_equal(counter(k->st, "os.flush.flush_tlb_page"),
			 flushes + 1);
	assert_int_equal(counter(k->st, "cpu.access.segv"), 0);
}

/* ============================== munmap ============================== */

static void test_cpu_flush_per_populated_page(void **state)
{
	struct kworld *k = *state = kworld_new("linux-6.6", NULL);
	kw_mm_with_vma(k, BASE, 100, RW, false);
	kw_touch(k, BASE, 10, 10, true); /* pages 10..19 */
	uint64_t vale0 = counter(k->st, "cpu.tlbi.issued.vale1is");
	uint64_t range0 = counter(k->st, "os.flush.flush_tlb_range");
	kw_must(k, kw_munmap(k, 1, BASE, 100 * PG));
	assert_int_equal(counter(k->st, "cpu.tlbi.issued.vale1is") - vale0, 10);
	assert_int_equal(counter(k->st, "os.flush.flush_tlb_range") - range0,
			 1);
	assert_int_equal(counter(k->st, "cpu.tlbi.issued.aside1is"), 0);

	/* Nothing populated: nothing to flush. */
	kw_must(k, kw_mmap(k, 1, BASE, 8 * PG, RW, false));
	vale0 = counter(k->st, "cpu.tlbi.issued.vale1is");
	kw_must(k, kw_munmap(k, 1, BASE, 8 * PG));
	assert_int_equal(counter(k->st, "cpu.tlbi.issued.vale1is"), vale0);
}

struct free_probe {
	struct kworld *k;
	uint64_t pa;
	unsigned calls;
	unsigned seen_allocated;
};

/* A DVM receiver: at each broadcast TLBI, is the page still allocated? */
static uint64_t probe_apply(void *ctx, const struct sm_tlbi *t, uint64_t arrive)
{
	struct free_probe *p = ctx;
	(void)t;
	p->calls++;
	if (sm_physmem_kind(p->k->pm, p->pa) == SM_PAGE_DATA)
		p->seen_allocated++;
	return arrive;
}

static void test_munmap_frees_after_flush_and_reuses(void **state)
{
	struct kworld *k = *state = kworld_new(NULL, NULL);
	kw_mm_with_vma(k, BASE, 2, RW, false);
	kw_must(k, kw_cpu(k, 1, 0, BASE, true));
	uint64_t pa = pte_pa(kw_pte(k, 1, BASE));
	assert_int_equal(sm_physmem_kind(k->pm, pa), SM_PAGE_DATA);

	struct free_probe probe = {.k = k, .pa = pa};
	struct sm_dvm_receiver r = {probe_apply, &probe};
	assert_int_equal(sm_cpu_add_receiver(&k->cpu, &r), 0);

	uint64_t freed = counter(k->st, "os.pages.freed");
	kw_must(k, kw_munmap(k, 1, BASE, 2 * PG));
	assert_int_equal(counter(k->st, "os.pages.freed"), freed + 1);
	assert_int_equal(sm_physmem_kind(k->pm, pa), SM_PAGE_FREE);
	assert_int_equal(kw_pte(k, 1, BASE), 0);
	/* The flush's TLBI saw the page still allocated. */
	assert_int_equal(probe.calls, 1);
	assert_int_equal(probe.seen_allocated, 1);

	/* LIFO reuse: the next page handed out is the one just freed. */
	kw_must(k, kw_mmap(k, 1, BASE + 64 * PG, PG, RW, false));
	kw_must(k, kw_cpu(k, 1, 2, BASE + 64 * PG, true));
	assert_int_equal(pte_pa(kw_pte(k, 1, BASE + 64 * PG)), pa);
}

/* ============================= page lists ============================ */

struct freed_log {
	uint64_t va[64], pa[64];
	size_t n;
};

static void log_freed(void *ctx, uint64_t root, uint64_t va, uint64_t pa,
		      uint64_t cycle)
{
	struct freed_log *f = ctx;
	(void)root;
	(void)cycle;
	if (f->n < 64) {
		f->va[f->n] = va;
		f->pa[f->n] = pa;
	}
	f->n++;
}

/* A page list frees its pages in the order they were added, whether they
 * fit in its local bundle or not (0 to 40 pages, across the spill of the
 * bundle into the heap), and is empty again after. */
static void test_page_list_frees_in_order(void **state)
{
	struct kworld *k = *state = kworld_new(NULL, NULL);
	static struct freed_log f;
	k->os.hooks = (struct sm_os_hooks){.page_freed = log_freed, .ctx = &f};
	for (size_t n = 0; n <= 40; n++) {
		struct sm_page_list l = {0};
		uint64_t pa[40];
		f.n = 0;
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(
			    sm_alloc_page(&k->os, SM_PAGE_DATA, &pa[i]), 0);
			assert_int_equal(
			    sm_page_list_add(&k->os, &l, BASE + i * PG, pa[i]),
			    0);
		}
		assert_int_equal(l.n, n);
		sm_page_list_release(&k->os, &l, 0x1000, 7);
		assert_int_equal(f.n, n);
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(f.va[i], BASE + i * PG);
			assert_int_equal(f.pa[i], pa[i]);
			assert_int_equal(sm_physmem_kind(k->pm, pa[i]),
					 SM_PAGE_FREE);
		}
		assert_int_equal(l.n, 0);
		assert_null(l.p);
	}
}

/* ============================== VMAs ============================== */

/* sm_find_vma finds what a scan of the sorted VMAs finds: the VMA holding
 * va, or none in a gap, before the first or after the last, for 0 to 40
 * VMAs, whatever VMAs its cache holds. */
static void test_find_vma_matches_a_scan(void **state)
{
	(void)state;
	struct sm_vma v[40];
	for (size_t n = 0; n <= 40; n++) {
		/* VMA i: [BASE + 3i pages, + 1 or 2 pages), gaps between */
		for (size_t i = 0; i < n; i++)
			v[i] = (struct sm_vma){.start = BASE + 3 * i * PG,
					       .end = BASE +
						      (3 * i + 1 + i % 2) * PG};
		struct sm_mm mm = {.vma = v, .nvma = n, .cap = 40};
		for (uint64_t va = BASE - PG; va < BASE + (3 * n + 2) * PG;
		     va += PG / 2) {
			struct sm_vma *want = NULL;
			for (size_t i = 0; i < n && !want; i++)
				if (v[i].start <= va && va < v[i].end)
					want = &v[i];
			for (unsigned c = 0; c < SM_VMA_CACHE_SLOTS; c++)
				mm.vma_cache[c] = (uint32_t)((va + c) % 7);
			assert_ptr_equal(sm_find_vma(&mm, va), want);
			assert_ptr_equal(sm_find_vma(&mm, va), want);
		}
	}
}

/* sm_find_vma_from finds what sm_find_vma finds, whichever VMA (or none)
 * the walk found last, and keeps it as the last. */
/* sm_span_add_run of ascending addresses gives the span sm_span_add of
 * each would (mprotect's runs, kernel/mm/mprotect.c). */
static void test_span_add_run_matches(void **state)
{
	(void)state;
	const uint64_t va[] = {0x5000, 0x7000, 0x9000, 0x3000, 0x4000};
	/* Runs of the list, each ascending: [0, 3) and [3, 5). */
	struct sm_span one = {.lo = UINT64_MAX}, run = one;
	for (unsigned i = 0; i < 5; i++)
		sm_span_add(&one, va[i]);
	sm_span_add_run(&run, va[0], va[2], 3);
	sm_span_add_run(&run, va[3], va[4], 2);
	assert_int_equal(run.lo, one.lo);
	assert_int_equal(run.hi, one.hi);
	assert_int_equal(run.ptes, one.ptes);
	assert_int_equal(one.lo, 0x3000);
	assert_int_equal(one.hi, 0xa000);
}

static void test_find_vma_from_matches(void **state)
{
	(void)state;
	struct sm_vma v[12];
	for (size_t i = 0; i < 12; i++) /* gaps after every third VMA */
		v[i] = (struct sm_vma){.start = BASE + (i + i / 3) * PG,
				       .end = BASE + (i + i / 3 + 1) * PG};
	struct sm_mm mm = {.vma = v, .nvma = 12, .cap = 12};
	for (size_t l = 0; l <= 12; l++)
		for (uint64_t va = BASE - PG; va < BASE + 18 * PG;
		     va += PG / 2) {
			struct sm_vma *last = l < 12 ? &v[l] : NULL;
			struct sm_vma *want = sm_find_vma(&mm, va);
			assert_ptr_equal(sm_find_vma_from(&mm, &last, va),
					 want);
			assert_ptr_equal(last, want);
		}
}

/* mmap, munmap and mprotect in random order keep the VMAs sorted, apart
 * and what a page-by-page model says: each page mapped or not, and its
 * protection (the model splits VMAs and never merges them). */
static void test_vmas_follow_a_page_model(void **state)
{
	struct kworld *k = *state = kworld_new(NULL, NULL);
	enum { N = 64 };
	unsigned model[N] = {0}; /* 0: unmapped, else prot + 1 */
	uint64_t x = 0x2545f4914f6cdd1dull;
	kw_must(k, kw_mm_create(k, 1));
	for (int step = 0; step < 3000; step++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		uint64_t first = x % N, n = 1 + (x >> 8) % 9;
		if (first + n > N)
			n = N - first;
		unsigned prot = 1 + (unsigned)(x >> 16) % 3; /* R, W, RW */
		uint64_t va = BASE + first * PG, len = n * PG;
		bool mapped = true;
		for (uint64_t p = first; p < first + n; p++)
			mapped &= model[p] != 0;
		switch ((x >> 20) % 3) {
		case 0:
			kw_must(k, kw_mmap(k, 1, va, len, prot, false));
			for (uint64_t p = first; p < first + n; p++)
				model[p] = prot + 1;
			break;
		case 1:
			kw_must(k, kw_munmap(k, 1, va, len));
			for (uint64_t p = first; p < first + n; p++)
				model[p] = 0;
			break;
		default:
			/* Linux: ENOMEM when part of the range is unmapped */
			if (!mapped) {
				assert_true(kw_mprotect(k, 1, va, len, prot) <
					    0);
				break;
			}
			kw_must(k, kw_mprotect(k, 1, va, len, prot));
			for (uint64_t p = first; p < first + n; p++)
				model[p] = prot + 1;
		}
		struct sm_mm *mm = kw_mm(k, 1);
		for (size_t i = 0; i < mm->nvma; i++) {
			assert_true(mm->vma[i].start < mm->vma[i].end);
			if (i)
				assert_true(mm->vma[i - 1].end <=
					    mm->vma[i].start);
		}
		for (uint64_t p = 0; p < N; p++) {
			struct sm_vma *v = sm_find_vma(mm, BASE + p * PG);
			assert_int_equal(v ? v->prot + 1 : 0, model[p]);
		}
	}
}

int main(void)
{
#define T(fn) cmocka_unit_test_teardown(fn, kworld_teardown)
	const struct CMUnitTest tests[] = {
	    T(test_private_read_zero_page_then_cow),
	    T(test_shared_read_then_upgrade),
	    T(test_cpu_flush_per_populated_page),
	    T(test_munmap_frees_after_flush_and_reuses),
	    T(test_page_list_frees_in_order),
	    cmocka_unit_test(test_find_vma_matches_a_scan),
	    cmocka_unit_test(test_find_vma_from_matches),
	    cmocka_unit_test(test_span_add_run_matches),
	    T(test_vmas_follow_a_page_model),
	};
#undef T
	return cmocka_run_group_tests_name("mm", tests, NULL, NULL);
}
