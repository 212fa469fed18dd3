/* SPDX-License-Identifier: MIT */
/* Tests for the PEs (src/hw/cpu): the TLB hierarchy (L1 I/D micro-TLBs,
 * main TLB, walk cache) through sm_cpu_access, TLBI scope, FEAT_TTL hints
 * and range forms, replacement policies, broadcast over the DVM
 * interconnect, and DSB completion.  The TLBI operands are tested with
 * their encoders (test_tlbi), the translation cache with the rest of
 * hw/mem (test_mem), and KPTI, which needs the kernel's ASIDs, through the
 * simulator (test_sim). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <smmusim/config.h>
#include <smmusim/error.h>
#include <smmusim/event.h>
#include <smmusim/smmusim.h>

#include "helpers.h"

#include "base/alloc.h"
#include "base/errbuf.h"
#include "base/rng.h"
#include "engine/stats.h"
#include "hw/cpu/cpu.h"
#include "arch/tlbi.h"
#include "hw/mem/pgtable.h"
#include "hw/mem/physmem.h"
#include "hw/mem/tcache.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define PAGE 0x1000ull
#define RAM_BASE 0x40000000ull
#define ALLOC sm_default_allocator()

/* Default latencies (config_keys.h); the world uses them unless told. */
#define LAT_L1 1     /* cpu.lat.l1_hit */
#define LAT_TLB 5    /* cpu.lat.tlb_hit */
#define LAT_WC 2     /* cpu.lat.walkcache */
#define LAT_WALK 30  /* cpu.lat.walk_level */
#define LAT_TLBI 10  /* cpu.lat.tlbi */
#define LAT_DVM 200  /* cpu.lat.dvm */
#define DVM_OCC 40   /* cpu.dvm.occupancy */
#define LAT_APPLY 20 /* cpu.lat.tlbi_apply */
#define LAT_DSB 30   /* cpu.lat.dsb */

/* An access that misses L1 and the main TLB and walks `reads` levels after
 * `wc` walk-cache lookups (3 when the walk cache has nothing). */
#define WALK_COST(wc, reads) (LAT_L1 + LAT_TLB + (wc)*LAT_WC + (reads)*LAT_WALK)
/* A full miss: three walk-cache lookups, four descriptor reads. */
#define MISS_COST WALK_COST(3, 4)

/* ---- a tiny world: config, stats, RAM, one page table, the PEs ---- */

struct world {
	smmusim_config_t *cfg;
	struct sm_stats *st;
	struct sm_physmem *pm;
	struct sm_cpu cpu;
	struct sm_errbuf eb;
	struct sm_rng rng;
	uint64_t root;
};

/* `sets` is a NULL-terminated list of "key=value" (may be NULL); `seed`
 * seeds the PRNG that random replacement draws from. */
static struct world *world_new_seed(const char *const *sets, uint64_t seed)
{
	struct world *w = test_calloc(1, sizeof(*w));
	assert_non_null(w);
	assert_int_equal(smmusim_config_new(&w->cfg, NULL), 0);
	/* The CPU honours TTL hints only with FEAT_TTL; these worlds have it
	 * unless a test says otherwise. */
	assert_int_equal(smmusim_config_set(w->cfg, "cpu.feat_ttl", "on"), 0);
	for (size_t i = 0; sets && sets[i]; i++) {
		int rc = smmusim_config_set_assignment(w->cfg, sets[i]);
		if (rc)
			fail_msg("%s: %s", sets[i],
				 smmusim_config_error(w->cfg));
	}
	assert_int_equal(sm_stats_new(&w->st, ALLOC), 0);
	assert_int_equal(
	    sm_physmem_new(&w->pm, ALLOC, RAM_BASE, 64 * MiB, &w->eb), 0);
	assert_int_equal(sm_pgt_new_root(w->pm, &w->root, &w->eb), 0);
	sm_rng_seed(&w->rng, seed);
	int rc =
	    sm_cpu_init(&w->cpu, ALLOC, w->cfg, w->pm, w->st, &w->rng, &w->eb);
	if (rc)
		fail_msg("sm_cpu_init: %d %s", rc, w->eb.msg);
	return w;
}

static struct world *world_new(const char *const *sets)
{
	return world_new_seed(sets, 1);
}

static struct world *world_n(unsigned ncpu)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "cpu.count=%u", ncpu);
	const char *sets[] = {buf, NULL};
	return world_new(sets);
}

static void world_free(struct world *w)
{
	sm_cpu_fini(&w->cpu);
	sm_physmem_free(w->pm);
	sm_stats_free(w->st);
	smmusim_config_free(w->cfg);
	test_free(w);
}

static int setup4(void **state)
{
	*state = world_n(4);
	return 0;
}

static int teardown(void **state)
{
	world_free(*state);
	return 0;
}

enum { RW = 0, RO = 1 };
enum { NG = 0, GLOBAL = 1 };

static uint64_t page_desc(uint64_t pa, int ro, int global)
{
	return PTE_TYPE_PAGE | PTE_USER | PTE_AF | (global ? 0 : PTE_NG) |
	       (ro ? PTE_RDONLY : 0) | pa;
}

static void map_desc(struct world *w, uint64_t va, int level, uint64_t desc)
{
	int rc = sm_pgt_set(w->pm, w->root, va, level, desc, NULL, &w->eb);
	if (rc)
		fail_msg("sm_pgt_set: %d %s", rc, w->eb.msg);
}

static void map(struct world *w, uint64_t va, uint64_t pa, int ro, int global)
{
	map_desc(w, va, 3, page_desc(pa, ro, global));
}

/* A 2 MiB block of fresh RAM at va (2 MiB aligned), nG, RW. */
static uint64_t map_block(struct world *w, uint64_t va)
{
	uint64_t pa;
	assert_int_equal(
	    sm_physmem_alloc_contig(w->pm, 512, 512, SM_PAGE_DATA, &pa, &w->eb),
	    0);
	assert_int_equal(pa % (2 * MiB), 0);
	map_desc(w, va, 2, PMD_TYPE_SECT | PTE_USER | PTE_AF | PTE_NG | pa);
	return pa;
}

/* One access of any kind at cycle 1000; returns the whole result. */
static struct sm_cpu_access acc_kind(struct world *w, unsigned pe,
				     uint16_t asid, uint64_t va,
				     enum smmusim_access kind)
{
	struct sm_cpu_access out;
	memset(&out, 0xa5, sizeof(out));
	sm_cpu_access_kind(&w->cpu, pe, asid, w->root, va, kind, 1000, 0, &out);
	return out;
}

static struct sm_cpu_access acc(struct world *w, unsigned pe, uint16_t asid,
				uint64_t va, bool write)
{
	struct sm_cpu_access out;
	memset(&out, 0xa5, sizeof(out));
	sm_cpu_access(&w->cpu, pe, asid, w->root, va, write, 1000, 0, &out);
	return out;
}

/* True if the access hit in a TLB (L1 or main) and succeeded. */
static bool hits(struct world *w, unsigned pe, uint16_t asid, uint64_t va)
{
	struct sm_cpu_access a = acc(w, pe, asid, va, false);
	assert_int_equal(a.outcome, SM_XLATE_OK);
	return a.hit;
}

/* Descriptor reads of one access (0 when a TLB answered). */
static uint64_t reads_of(struct world *w, unsigned pe, uint16_t asid,
			 uint64_t va)
{
	uint64_t before = counter(w->st, "cpu.walk.reads");
	struct sm_cpu_access a = acc(w, pe, asid, va, false);
	assert_int_equal(a.outcome, SM_XLATE_OK);
	return counter(w->st, "cpu.walk.reads") - before;
}

/* Every receiver has applied the broadcasts sent so far (they take effect
 * at each receiver's apply cycle, hw/cpu/dvm.h). */
static void settle(struct world *w)
{
	sm_cpu_rx_catch_up_all(&w->cpu, UINT64_MAX);
}

static void tlbi_va(struct world *w, unsigned pe, enum sm_tlbi_op op, bool is,
		    uint16_t asid, uint64_t va)
{
	sm_cpu_tlbi(&w->cpu, pe, op, is, sm_tlbi_operand_va(asid, va, 0), 0);
	settle(w);
}

static void tlbi_ttl(struct world *w, unsigned pe, enum sm_tlbi_op op, bool is,
		     uint16_t asid, uint64_t va, unsigned ttl)
{
	sm_cpu_tlbi(&w->cpu, pe, op, is, sm_tlbi_operand_va(asid, va, ttl), 0);
	settle(w);
}

static void tlbi_asid(struct world *w, unsigned pe, enum sm_tlbi_op op, bool is,
		      uint16_t asid)
{
	sm_cpu_tlbi(&w->cpu, pe, op, is, sm_tlbi_operand_asid(asid), 0);
	settle(w);
}

static void tlbi_range(struct world *w, unsigned pe, enum sm_tlbi_op op,
		       bool is, uint16_t asid, unsigned scale, unsigned num,
		       unsigned ttl, uint64_t base)
{
	sm_cpu_tlbi(
	    &w->cpu, pe, op, is,
	    sm_tlbi_operand_range(asid, SM_TLBI_TG_4K, scale, num, ttl, base),
	    0);
	settle(w);
}

struct obs_log {
	unsigned n;
	struct sm_xlate_report last;
};

static void obs_fn(void *ctx, const struct sm_xlate_report *r)
{
	struct obs_log *l = ctx;
	l->n++;
	l->last = *r;
}

/* ---- accesses: L1 -> main TLB -> walk ---- */

static void test_miss_then_hit(void **state)
{
	struct world *w = *state;
	uint64_t pa = page_alloc(w->pm, SM_PAGE_DATA), va = 0x400000;
	map(w, va, pa, RW, NG);

	struct sm_cpu_access a = acc(w, 0, 7, va + 0x123, false);
	assert_int_equal(a.outcome, SM_XLATE_OK);
	assert_false(a.hit);
	assert_int_equal(a.pa, pa + 0x123);
	/* L1 miss, main TLB miss, three walk-cache misses, four reads. */
	assert_int_equal(a.done, 1000 + MISS_COST);
	assert_int_equal(counter(w->st, "cpu.l1d.misses"), 1);
	assert_int_equal(counter(w->st, "cpu.l1d.hits"), 0);
	assert_int_equal(counter(w->st, "cpu.tlb.misses"), 1);
	assert_int_equal(counter(w->st, "cpu.tlb.hits"), 0);
	assert_int_equal(counter(w->st, "cpu.walkcache.misses"), 1);
	assert_int_equal(counter(w->st, "cpu.walkcache.hits"), 0);
	assert_int_equal(counter(w->st, "cpu.walks"), 1);
	assert_int_equal(counter(w->st, "cpu.walk.reads"), 4);
	/* The walk filled the data L1 and the main TLB, not the L1i. */
	assert_true(tc_has(&w->cpu.pe[0].l1d, 7, va));
	assert_true(tc_has(&w->cpu.pe[0].tlb, 7, va));
	assert_false(tc_has(&w->cpu.pe[0].l1i, 7, va));

	/* The second access is answered by the L1. */
	a = acc(w, 0, 7, va + 0xff8, true);
	assert_int_equal(a.outcome, SM_XLATE_OK);
	assert_true(a.hit);
	assert_int_equal(a.pa, pa + 0xff8);
	assert_int_equal(a.done, 1000 + LAT_L1);
	assert_int_equal(counter(w->st, "cpu.l1d.hits"), 1);
	assert_int_equal(counter(w->st, "cpu.tlb.hits"), 0);
	assert_int_equal(counter(w->st, "cpu.tlb.misses"), 1);
	assert_int_equal(counter(w->st, "cpu.walks"), 1);

	/* TLBs are per PE. */
	assert_false(hits(w, 1, 7, va));
	assert_true(hits(w, 1, 7, va));
	/* A non-global entry is tagged with its ASID. */
	assert_false(hits(w, 0, 8, va));
	assert_true(hits(w, 0, 8, va));
	assert_int_equal(counter(w->st, "cpu.tlb.misses"), 3);
	assert_int_equal(counter(w->st, "cpu.tlb.hits"), 0);
	assert_int_equal(counter(w->st, "cpu.l1d.misses"), 3);
	assert_int_equal(counter(w->st, "cpu.l1d.hits"), 3);
	/* Walk-cache entries are per PE and ASID-tagged too: full walks. */
	assert_int_equal(counter(w->st, "cpu.walk.reads"), 12);
	assert_int_equal(counter(w->st, "cpu.walkcache.misses"), 3);
	assert_int_equal(counter(w->st, "cpu.walkcache.hits"), 0);

	/* A global entry matches every ASID. */
	uint64_t gva = 0x800000;
	map(w, gva, page_alloc(w->pm, SM_PAGE_DATA), RW, GLOBAL);
	assert_false(hits(w, 0, 1, gva));
	assert_true(hits(w, 0, 2, gva));
	assert_true(hits(w, 0, 0xffff, gva));
}

static void test_unmapped_faults_not_cached(void **state)
{
	struct world *w = *state;
	struct sm_cpu_access a = acc(w, 0, 1, 0x10000, false);
	assert_int_equal(a.outcome, SM_XLATE_FAULT_TRANSLATION);
	assert_false(a.hit);
	assert_int_equal(counter(w->st, "cpu.faults.translation"), 1);
	/* Nothing was cached: mapping it now makes the next access work
	 * without a TLBI. */
	uint64_t pa = page_alloc(w->pm, SM_PAGE_DATA);
	map(w, 0x10000, pa, RW, NG);
	a = acc(w, 0, 1, 0x10000, false);
	assert_int_equal(a.outcome, SM_XLATE_OK);
	assert_false(a.hit);
	assert_int_equal(a.pa, pa);

	/* A fault at level 3 (tables present, PTE invalid) is not cached in
	 * any TLB either; the table descriptors it followed are, and stay
	 * right: mapping the page needs one read. */
	a = acc(w, 0, 1, 0x11000, false);
	assert_int_equal(a.outcome, SM_XLATE_FAULT_TRANSLATION);
	assert_false(a.hit);
	assert_false(sm_cpu_holds(&w->cpu, 1, 0x11000, 0x12000));
	map(w, 0x11000, pa, RW, NG);
	assert_int_equal(reads_of(w, 0, 1, 0x11000), 1);
}

static void test_permission_cached_and_broadcast(void **state)
{
	struct world *w = *state;
	struct obs_log ol = {0};
	w->cpu.obs = (struct sm_xlate_observer){obs_fn, &ol};
	uint64_t pa = page_alloc(w->pm, SM_PAGE_DATA), va = 0x7f0000001000ull;
	const uint16_t asid = 3;
	map(w, va, pa, RO, NG);

	/* PE 0 and PE 2 both cache the read-only translation. */
	assert_false(hits(w, 0, asid, va));
	assert_false(hits(w, 2, asid, va));
	uint64_t walks = counter(w->st, "cpu.walks");

	/* A store through the cached entry faults without a walk. */
	struct sm_cpu_access a = acc(w, 0, asid, va, true);
	assert_int_equal(a.outcome, SM_XLATE_FAULT_PERMISSION);
	assert_true(a.hit);
	assert_int_equal(counter(w->st, "cpu.walks"), walks);
	assert_int_equal(counter(w->st, "cpu.faults.permission"), 1);
	assert_int_equal(ol.n, 3);
	assert_true(ol.last.from_cache);
	assert_string_equal(ol.last.cache, "cpu0.l1d");
	assert_int_equal(ol.last.outcome, SM_XLATE_FAULT_PERMISSION);
	assert_int_equal(ol.last.entry_perm & (SMMUSIM_PROT_R | SMMUSIM_PROT_W),
			 SMMUSIM_PROT_R);
	assert_int_equal(ol.last.entry_va, va);
	assert_int_equal(ol.last.entry_pa, pa);
	assert_int_equal(ol.last.entry_size, 4 * KiB);
	assert_true(ol.last.write);

	/* Upgrade the PTE to RW, no TLBI: both PEs still fault. */
	uint64_t old = 0;
	assert_int_equal(sm_pgt_set(w->pm, w->root, va, 3,
				    page_desc(pa, RW, NG), &old, &w->eb),
			 0);
	assert_int_equal(old, page_desc(pa, RO, NG));
	a = acc(w, 0, asid, va, true);
	assert_int_equal(a.outcome, SM_XLATE_FAULT_PERMISSION);
	assert_true(a.hit);
	a = acc(w, 2, asid, va, true);
	assert_int_equal(a.outcome, SM_XLATE_FAULT_PERMISSION);
	assert_true(a.hit);
	assert_string_equal(ol.last.cache, "cpu2.l1d");
	assert_int_equal(counter(w->st, "cpu.walks"), walks);
	assert_int_equal(counter(w->st, "cpu.faults.permission"), 3);

	/* TLBI VALE1IS on PE 0 reaches PE 2. */
	sm_cpu_tlbi(&w->cpu, 0, SM_TLBI_VALE1, true,
		    sm_tlbi_operand_va(asid, va, 0), 2000);
	settle(w);
	a = acc(w, 2, asid, va + 8, true);
	assert_int_equal(a.outcome, SM_XLATE_OK);
	assert_false(a.hit);
	assert_int_equal(a.pa, pa + 8);
	assert_int_equal(counter(w->st, "cpu.walks"), walks + 1);
	a = acc(w, 0, asid, va, true);
	assert_int_equal(a.outcome, SM_XLATE_OK);
	assert_int_equal(counter(w->st, "cpu.tlbi.issued.vale1is"), 1);
	assert_int_equal(counter(w->st, "cpu.tlbi.received.vale1is"), 4);
}

static void test_write_miss_on_ro_caches_entry(void **state)
{
	struct world *w = *state;
	uint64_t pa = page_alloc(w->pm, SM_PAGE_DATA), va = 0x3000;
	map(w, va, pa, RO, NG);
	/* A store that walks and finds RO faults, and the translation is
	 * cached anyway: the following read hits. */
	struct sm_cpu_access a = acc(w, 1, 9, va, true);
	assert_int_equal(a.outcome, SM_XLATE_FAULT_PERMISSION);
	assert_false(a.hit);
	assert_true(hits(w, 1, 9, va));
	assert_int_equal(counter(w->st, "cpu.walks"), 1);
}

static void test_l1_miss_tlb_hit_refills_l1(void **state)
{
	(void)state;
	/* A one-entry data L1 so that the main TLB has to answer. */
	const char *sets[] = {"cpu.l1d.entries=1", "cpu.l1d.ways=1", NULL};
	struct world *w = world_new(sets);
	struct obs_log ol = {0};
	w->cpu.obs = (struct sm_xlate_observer){obs_fn, &ol};
	const uint64_t va_a = 0x500000, va_b = 0x501000;
	uint64_t pa_a = page_alloc(w->pm, SM_PAGE_DATA);
	map(w, va_a, pa_a, RO, NG);
	map(w, va_b, page_alloc(w->pm, SM_PAGE_DATA), RW, NG);
	struct sm_pe *p = &w->cpu.pe[0];

	struct sm_cpu_access a = acc(w, 0, 1, va_a, false);
	assert_false(a.hit);
	assert_int_equal(a.done, 1000 + MISS_COST);
	a = acc(w, 0, 1, va_b, false);
	assert_false(a.hit);
	/* Its neighbour's level-2 table descriptor is in the walk cache. */
	assert_int_equal(a.done, 1000 + WALK_COST(1, 1));
	/* The L1 holds B only; the main TLB both. */
	assert_int_equal(tc_count(&p->l1d), 1);
	assert_true(tc_has(&p->l1d, 1, va_b));
	assert_false(tc_has(&p->l1d, 1, va_a));
	assert_true(tc_has(&p->tlb, 1, va_a));
	assert_true(tc_has(&p->tlb, 1, va_b));

	/* A: L1 miss, main TLB hit, no walk; the L1 is refilled. */
	uint64_t walks = counter(w->st, "cpu.walks");
	a = acc(w, 0, 1, va_a + 0x10, false);
	assert_int_equal(a.outcome, SM_XLATE_OK);
	assert_true(a.hit);
	assert_int_equal(a.pa, pa_a + 0x10);
	assert_int_equal(a.done, 1000 + LAT_L1 + LAT_TLB);
	assert_true(ol.last.from_cache);
	assert_string_equal(ol.last.cache, "cpu0.tlb");
	assert_int_equal(counter(w->st, "cpu.tlb.hits"), 1);
	assert_int_equal(counter(w->st, "cpu.tlb.misses"), 2);
	assert_int_equal(counter(w->st, "cpu.l1d.misses"), 3);
	assert_int_equal(counter(w->st, "cpu.l1d.hits"), 0);
	assert_int_equal(counter(w->st, "cpu.walks"), walks);
	assert_true(tc_has(&p->l1d, 1, va_a));
	assert_false(tc_has(&p->l1d, 1, va_b));

	/* Now the L1 answers. */
	a = acc(w, 0, 1, va_a, false);
	assert_true(a.hit);
	assert_int_equal(a.done, 1000 + LAT_L1);
	assert_string_equal(ol.last.cache, "cpu0.l1d");
	assert_int_equal(counter(w->st, "cpu.l1d.hits"), 1);
	assert_int_equal(counter(w->st, "cpu.tlb.hits"), 1);

	/* Permissions are checked on a main-TLB hit too: a store to the
	 * read-only A, after B displaced it from the L1, faults without a
	 * walk. */
	assert_true(hits(w, 0, 1, va_b));
	assert_false(tc_has(&p->l1d, 1, va_a));
	a = acc(w, 0, 1, va_a, true);
	assert_int_equal(a.outcome, SM_XLATE_FAULT_PERMISSION);
	assert_true(a.hit);
	assert_string_equal(ol.last.cache, "cpu0.tlb");
	assert_int_equal(counter(w->st, "cpu.walks"), walks);
	assert_int_equal(counter(w->st, "cpu.faults.permission"), 1);
	world_free(w);
}

static void test_fetch_uses_l1i_and_needs_x(void **state)
{
	struct world *w = *state;
	struct obs_log ol = {0};
	w->cpu.obs = (struct sm_xlate_observer){obs_fn, &ol};
	const uint64_t va_x = 0x600000, va_nx = 0x601000;
	uint64_t pa_x = page_alloc(w->pm, SM_PAGE_DATA);
	map(w, va_x, pa_x, RO, NG); /* r-x */
	map_desc(w, va_nx, 3,
		 page_desc(page_alloc(w->pm, SM_PAGE_DATA), RW, NG) |
		     PTE_UXN); /* rw- */
	struct sm_pe *p = &w->cpu.pe[0];

	struct sm_cpu_access a = acc_kind(w, 0, 1, va_x + 4, SMMUSIM_ACC_EXEC);
	assert_int_equal(a.outcome, SM_XLATE_OK);
	assert_false(a.hit);
	assert_int_equal(a.pa, pa_x + 4);
	assert_int_equal(a.done, 1000 + MISS_COST);
	assert_int_equal(counter(w->st, "cpu.l1i.misses"), 1);
	assert_int_equal(counter(w->st, "cpu.l1d.misses"), 0);
	assert_int_equal(counter(w->st, "cpu.tlb.misses"), 1);
	assert_true(tc_has(&p->l1i, 1, va_x));
	assert_false(tc_has(&p->l1d, 1, va_x));
	assert_true(tc_has(&p->tlb, 1, va_x));
	assert_false(ol.last.write);

	/* The next fetch hits the instruction L1. */
	a = acc_kind(w, 0, 1, va_x + 8, SMMUSIM_ACC_EXEC);
	assert_int_equal(a.outcome, SM_XLATE_OK);
	assert_true(a.hit);
	assert_int_equal(a.done, 1000 + LAT_L1);
	assert_string_equal(ol.last.cache, "cpu0.l1i");
	assert_int_equal(counter(w->st, "cpu.l1i.hits"), 1);
	assert_int_equal(counter(w->st, "cpu.l1d.hits"), 0);

	/* A load of the same page misses the data L1, hits the main TLB. */
	a = acc(w, 0, 1, va_x, false);
	assert_int_equal(a.outcome, SM_XLATE_OK);
	assert_true(a.hit);
	assert_int_equal(a.done, 1000 + LAT_L1 + LAT_TLB);
	assert_string_equal(ol.last.cache, "cpu0.tlb");
	assert_int_equal(counter(w->st, "cpu.l1d.misses"), 1);
	assert_int_equal(counter(w->st, "cpu.tlb.hits"), 1);
	assert_true(tc_has(&p->l1d, 1, va_x));
	assert_int_equal(counter(w->st, "cpu.l1i.hits"), 1);

	/* A fetch from an execute-never page faults on permission; the
	 * entry is cached in the L1i all the same, so the next one faults
	 * without a walk, while loads and stores to the page succeed. */
	uint64_t walks = counter(w->st, "cpu.walks");
	a = acc_kind(w, 0, 1, va_nx, SMMUSIM_ACC_EXEC);
	assert_int_equal(a.outcome, SM_XLATE_FAULT_PERMISSION);
	assert_false(a.hit);
	assert_int_equal(counter(w->st, "cpu.walks"), walks + 1);
	assert_int_equal(ol.last.entry_perm & SMMUSIM_PROT_X, 0);
	assert_true(tc_has(&p->l1i, 1, va_nx));
	a = acc_kind(w, 0, 1, va_nx, SMMUSIM_ACC_EXEC);
	assert_int_equal(a.outcome, SM_XLATE_FAULT_PERMISSION);
	assert_true(a.hit);
	assert_string_equal(ol.last.cache, "cpu0.l1i");
	assert_int_equal(counter(w->st, "cpu.walks"), walks + 1);
	assert_int_equal(counter(w->st, "cpu.faults.permission"), 2);
	assert_int_equal(acc(w, 0, 1, va_nx, false).outcome, SM_XLATE_OK);
	assert_int_equal(acc(w, 0, 1, va_nx, true).outcome, SM_XLATE_OK);
	/* X does not imply W. */
	assert_int_equal(acc(w, 0, 1, va_x, true).outcome,
			 SM_XLATE_FAULT_PERMISSION);

	/* A TLBI removes the instruction-side entry too. */
	tlbi_va(w, 0, SM_TLBI_VAE1, false, 1, va_x);
	assert_false(tc_has(&p->l1i, 1, va_x));
	assert_false(tc_has(&p->l1d, 1, va_x));
	assert_false(tc_has(&p->tlb, 1, va_x));
	a = acc_kind(w, 0, 1, va_x, SMMUSIM_ACC_EXEC);
	assert_int_equal(a.outcome, SM_XLATE_OK);
	assert_false(a.hit);
}

/* ---- the walk cache ---- */

static void test_walk_cache_starts_deeper(void **state)
{
	struct world *w = *state;
	const uint64_t p0 = 0x400000, p1 = 0x401000; /* one 2 MiB region */
	const uint64_t p2 = 0x600000;		     /* next 2 MiB, same GiB */
	const uint64_t p3 = 2 * GiB + 0x400000;	     /* another GiB */
	uint64_t pa = page_alloc(w->pm, SM_PAGE_DATA);
	map(w, p0, pa, RW, NG);
	map(w, p1, pa, RW, NG);
	map(w, p2, pa, RW, NG);
	map(w, p3, pa, RW, NG);
	struct sm_tcache *wc = &w->cpu.pe[0].walk;

	struct sm_cpu_access a = acc(w, 0, 1, p0, false);
	assert_int_equal(a.done, 1000 + MISS_COST);
	assert_int_equal(counter(w->st, "cpu.walk.reads"), 4);
	assert_int_equal(counter(w->st, "cpu.walkcache.misses"), 1);
	assert_int_equal(counter(w->st, "cpu.walkcache.hits"), 0);
	/* The walk remembered its level 0, 1 and 2 table descriptors. */
	assert_int_equal(tc_count(wc), 3);
	for (int lv = 0; lv <= 2; lv++)
		assert_int_equal(tc_covering(wc, 1, p0, lv), 1);

	/* The neighbour's walk starts at level 3: one read. */
	a = acc(w, 0, 1, p1, false);
	assert_int_equal(a.outcome, SM_XLATE_OK);
	assert_false(a.hit);
	assert_int_equal(a.pa, pa);
	assert_int_equal(a.done, 1000 + WALK_COST(1, 1));
	assert_int_equal(counter(w->st, "cpu.walk.reads"), 4 + 1);
	assert_int_equal(counter(w->st, "cpu.walkcache.hits"), 1);
	assert_int_equal(counter(w->st, "cpu.walkcache.misses"), 1);
	assert_int_equal(counter(w->st, "cpu.walks"), 2);
	assert_int_equal(tc_count(wc), 3);

	/* Next 2 MiB region: from the level-1 entry, two reads, and its
	 * level-2 table descriptor is remembered. */
	a = acc(w, 0, 1, p2, false);
	assert_int_equal(a.outcome, SM_XLATE_OK);
	assert_int_equal(a.done, 1000 + WALK_COST(2, 2));
	assert_int_equal(counter(w->st, "cpu.walk.reads"), 4 + 1 + 2);
	assert_int_equal(counter(w->st, "cpu.walkcache.hits"), 2);
	assert_int_equal(tc_count(wc), 4);
	assert_int_equal(tc_covering(wc, 1, p2, 2), 1);

	/* Another GiB: from the level-0 entry, three reads. */
	a = acc(w, 0, 1, p3, false);
	assert_int_equal(a.outcome, SM_XLATE_OK);
	assert_int_equal(a.done, 1000 + WALK_COST(3, 3));
	assert_int_equal(counter(w->st, "cpu.walk.reads"), 4 + 1 + 2 + 3);
	assert_int_equal(counter(w->st, "cpu.walkcache.hits"), 3);
	assert_int_equal(tc_count(wc), 6);

	/* Tagged by ASID and private to the PE: full walks. */
	assert_int_equal(reads_of(w, 0, 2, p1), 4);
	assert_int_equal(reads_of(w, 1, 1, p1), 4);
	assert_int_equal(counter(w->st, "cpu.walkcache.misses"), 3);
	/* Every walk is one or the other. */
	assert_int_equal(counter(w->st, "cpu.walkcache.hits") +
			     counter(w->st, "cpu.walkcache.misses"),
			 counter(w->st, "cpu.walks"));
	assert_int_equal(counter(w->st, "cpu.walks"), 6);
}

static void test_walk_cache_vale1_keeps_vae1_removes(void **state)
{
	struct world *w = *state;
	const uint64_t p0 = 0x400000, p1 = 0x401000;
	uint64_t pa = page_alloc(w->pm, SM_PAGE_DATA);
	map(w, p0, pa, RW, NG);
	map(w, p1, pa, RW, NG);
	struct sm_pe *p = &w->cpu.pe[0];
	assert_int_equal(reads_of(w, 0, 1, p0), 4);
	assert_int_equal(tc_count(&p->walk), 3);

	/* VALE1IS (from another PE): the leaf goes from every level, the
	 * table descriptors stay: the next walk reads one level. */
	uint64_t inv = counter(w->st, "cpu.tlb.invalidated");
	tlbi_va(w, 1, SM_TLBI_VALE1, true, 1, p0);
	assert_false(tc_has(&p->l1d, 1, p0));
	assert_false(tc_has(&p->tlb, 1, p0));
	assert_int_equal(tc_count(&p->walk), 3);
	assert_int_equal(counter(w->st, "cpu.tlb.invalidated"), inv + 2);
	assert_int_equal(reads_of(w, 0, 1, p0), 1);

	/* So does the last-level range form. */
	tlbi_range(w, 1, SM_TLBI_RVALE1, true, 1, 0, 0, 0, p0);
	assert_false(tc_has(&p->tlb, 1, p0));
	assert_int_equal(tc_count(&p->walk), 3);
	assert_int_equal(reads_of(w, 0, 1, p0), 1);

	/* VAE1IS removes them: four reads again. */
	inv = counter(w->st, "cpu.tlb.invalidated");
	tlbi_va(w, 1, SM_TLBI_VAE1, true, 1, p0);
	assert_int_equal(tc_count(&p->walk), 0);
	/* L1, main TLB and the three table descriptors. */
	assert_int_equal(counter(w->st, "cpu.tlb.invalidated"), inv + 5);
	assert_int_equal(reads_of(w, 0, 1, p0), 4);

	/* A VAE1 of the neighbour removes the shared tables, not p0. */
	tlbi_va(w, 1, SM_TLBI_VAE1, true, 1, p1);
	assert_int_equal(tc_count(&p->walk), 0);
	assert_true(hits(w, 0, 1, p0));
	assert_int_equal(reads_of(w, 0, 1, p1), 4);

	/* RVAE1 removes those covering its range. */
	tlbi_range(w, 1, SM_TLBI_RVAE1, true, 1, 0, 0, 0, p0);
	assert_int_equal(tc_count(&p->walk), 0);
	assert_int_equal(reads_of(w, 0, 1, p1), 4);

	/* Another ASID's VAE1 leaves them. */
	tlbi_va(w, 1, SM_TLBI_VAE1, true, 2, p1);
	assert_int_equal(tc_count(&p->walk), 3);
	assert_true(hits(w, 0, 1, p1));
}

static void test_walk_cache_aside1_vmalle1(void **state)
{
	struct world *w = *state;
	const uint64_t p0 = 0x400000;
	map(w, p0, page_alloc(w->pm, SM_PAGE_DATA), RW, NG);
	struct sm_tcache *wc = &w->cpu.pe[0].walk;
	assert_int_equal(reads_of(w, 0, 1, p0), 4);
	assert_int_equal(reads_of(w, 0, 2, p0), 4);
	assert_int_equal(tc_count(wc), 6);

	/* ASIDE1 of an unrelated ASID keeps them. */
	tlbi_asid(w, 1, SM_TLBI_ASIDE1, true, 3);
	assert_int_equal(tc_count(wc), 6);

	/* ASIDE1 of ASID 1 removes exactly its three. */
	tlbi_asid(w, 1, SM_TLBI_ASIDE1, true, 1);
	assert_int_equal(tc_count(wc), 3);
	for (int lv = 0; lv <= 2; lv++) {
		assert_int_equal(tc_covering(wc, 1, p0, lv), 0);
		assert_int_equal(tc_covering(wc, 2, p0, lv), 1);
	}
	assert_int_equal(reads_of(w, 0, 1, p0), 4);
	assert_int_equal(tc_count(wc), 6);

	/* A local ASIDE1 on another PE does not reach PE 0. */
	tlbi_asid(w, 1, SM_TLBI_ASIDE1, false, 2);
	assert_int_equal(tc_count(wc), 6);

	/* VMALLE1IS clears every cache of every PE. */
	assert_int_equal(reads_of(w, 3, 2, p0), 4);
	sm_cpu_tlbi(&w->cpu, 1, SM_TLBI_VMALLE1, true, 0, 0);
	settle(w);
	for (unsigned pe = 0; pe < 4; pe++) {
		assert_int_equal(tc_count(&w->cpu.pe[pe].walk), 0);
		assert_int_equal(tc_count(&w->cpu.pe[pe].tlb), 0);
		assert_int_equal(tc_count(&w->cpu.pe[pe].l1d), 0);
	}
	assert_int_equal(reads_of(w, 0, 2, p0), 4);

	/* Local VMALLE1: only the issuer. */
	assert_int_equal(reads_of(w, 2, 2, p0), 4);
	sm_cpu_tlbi(&w->cpu, 2, SM_TLBI_VMALLE1, false, 0, 0);
	assert_int_equal(tc_count(&w->cpu.pe[2].walk), 0);
	assert_int_equal(tc_count(wc), 3);
}

/* ---- TLBI scope ---- */

static void test_non_is_tlbi_local_only(void **state)
{
	struct world *w = *state;
	uint64_t va = 0x10000;
	map(w, va, page_alloc(w->pm, SM_PAGE_DATA), RW, NG);
	for (unsigned pe = 0; pe < 4; pe++)
		assert_false(hits(w, pe, 1, va));

	/* Wrong ASID, or a last-level op on the wrong page: nothing
	 * removed. */
	tlbi_va(w, 1, SM_TLBI_VAE1, false, 2, va);
	tlbi_va(w, 1, SM_TLBI_VALE1, false, 1, va + 0x1000);
	assert_int_equal(counter(w->st, "cpu.tlb.invalidated"), 0);
	assert_true(hits(w, 1, 1, va));

	/* A VAE1 of the neighbouring page removes the table descriptors
	 * that cover both (three walk-cache entries), not the leaf. */
	tlbi_va(w, 1, SM_TLBI_VAE1, false, 1, va + 0x1000);
	assert_int_equal(counter(w->st, "cpu.tlb.invalidated"), 3);
	assert_int_equal(tc_count(&w->cpu.pe[1].walk), 0);
	assert_int_equal(tc_count(&w->cpu.pe[0].walk), 3);
	assert_true(hits(w, 1, 1, va));

	/* The page itself: its L1 and main-TLB entries. */
	tlbi_va(w, 1, SM_TLBI_VAE1, false, 1, va);
	assert_int_equal(counter(w->st, "cpu.tlb.invalidated"), 3 + 2);
	assert_true(hits(w, 0, 1, va));
	assert_false(hits(w, 1, 1, va));
	assert_true(hits(w, 2, 1, va));
	assert_true(hits(w, 3, 1, va));
	assert_int_equal(counter(w->st, "cpu.tlbi.issued.vae1"), 3);
	assert_int_equal(counter(w->st, "cpu.tlbi.issued.vale1"), 1);
	assert_int_equal(counter(w->st, "cpu.tlbi.received.vae1"), 3);
	assert_int_equal(counter(w->st, "cpu.tlbi.issued.vae1is"), 0);
	assert_int_equal(counter(w->st, "cpu.tlbi.received.vae1is"), 0);
	assert_int_equal(counter(w->st, "cpu.dvm.broadcasts"), 0);

	/* Local ASIDE1 and VMALLE1 too. */
	tlbi_asid(w, 2, SM_TLBI_ASIDE1, false, 1);
	assert_false(hits(w, 2, 1, va));
	assert_true(hits(w, 3, 1, va));
	sm_cpu_tlbi(&w->cpu, 3, SM_TLBI_VMALLE1, false, 0, 0);
	assert_false(hits(w, 3, 1, va));
	assert_true(hits(w, 0, 1, va));
}

static void test_aside1_and_global(void **state)
{
	struct world *w = *state;
	const uint64_t va_a = 0x100000, va_b = 0x101000, va_g = 0x200000;
	map(w, va_a, page_alloc(w->pm, SM_PAGE_DATA), RW, NG);
	map(w, va_b, page_alloc(w->pm, SM_PAGE_DATA), RW, NG);
	map(w, va_g, page_alloc(w->pm, SM_PAGE_DATA), RW, GLOBAL);
	struct sm_pe *p = &w->cpu.pe[3];

	/* Fill on PE 3: ASID 5 (A, B, G) and ASID 6 (A). */
	assert_false(hits(w, 3, 5, va_a));
	assert_false(hits(w, 3, 5, va_b));
	assert_false(hits(w, 3, 5, va_g));
	assert_false(hits(w, 3, 6, va_a));
	assert_true(hits(w, 3, 6, va_g)); /* global */
	/* Walk cache: ASID 5 has levels 0-2 for A's region plus the level-2
	 * table of G's region (B reused A's); ASID 6 levels 0-2. */
	assert_int_equal(tc_count(&p->walk), 4 + 3);

	uint64_t inv = counter(w->st, "cpu.tlb.invalidated");
	tlbi_asid(w, 0, SM_TLBI_ASIDE1, true, 5);
	/* Exactly ASID 5's non-global entries went: A and B from the L1
	 * and the main TLB, and its four walk-cache entries. */
	assert_int_equal(counter(w->st, "cpu.tlb.invalidated"),
			 inv + 2 + 2 + 4);
	assert_int_equal(tc_count(&p->walk), 3);
	assert_true(hits(w, 3, 5, va_g));
	assert_true(hits(w, 3, 6, va_g));
	assert_true(hits(w, 3, 6, va_a));
	assert_false(hits(w, 3, 5, va_a));
	assert_false(hits(w, 3, 5, va_b));

	/* ASIDE1 naming the ASID the global entry was filled under does
	 * not remove it either. */
	tlbi_asid(w, 0, SM_TLBI_ASIDE1, true, 6);
	assert_true(hits(w, 3, 5, va_g));

	/* A VA form removes the global entry, whatever its ASID. */
	tlbi_va(w, 0, SM_TLBI_VAE1, true, 0x77, va_g);
	assert_false(hits(w, 3, 6, va_g));
	assert_true(hits(w, 3, 5, va_g));
	/* Other pages are untouched. */
	assert_true(hits(w, 3, 5, va_a));
	assert_int_equal(counter(w->st, "cpu.tlbi.received.aside1is"), 8);
	assert_int_equal(counter(w->st, "cpu.tlbi.received.vae1is"), 4);
}

static void test_vmalle1_removes_all(void **state)
{
	struct world *w = *state;
	const uint64_t va_n = 0x30000000, va_g = 0x30001000;
	map(w, va_n, page_alloc(w->pm, SM_PAGE_DATA), RW, NG);
	map(w, va_g, page_alloc(w->pm, SM_PAGE_DATA), RO, GLOBAL);
	for (unsigned pe = 0; pe < 4; pe++) {
		assert_false(hits(w, pe, 1, va_n));
		assert_false(hits(w, pe, 2, va_n));
		assert_false(hits(w, pe, 1, va_g));
	}
	sm_cpu_tlbi(&w->cpu, 1, SM_TLBI_VMALLE1, true, 0, 0);
	settle(w);
	/* Per PE: three L1 and three main-TLB entries, and the walk cache's
	 * levels 0-2 for ASIDs 1 and 2 (va_g reused ASID 1's). */
	assert_int_equal(counter(w->st, "cpu.tlb.invalidated"),
			 4 * (3 + 3 + 6));
	for (unsigned pe = 0; pe < 4; pe++) {
		assert_false(hits(w, pe, 1, va_n));
		assert_false(hits(w, pe, 2, va_n));
		assert_false(hits(w, pe, 7, va_g));
	}
	assert_int_equal(counter(w->st, "cpu.tlbi.received.vmalle1is"), 4);
}

static void test_block_entry(void **state)
{
	struct world *w = *state;
	const uint64_t blk_va = 0x40000000ull; /* 1 GiB: 2 MiB aligned */
	uint64_t blk_pa = map_block(w, blk_va);

	struct sm_cpu_access a = acc(w, 0, 4, blk_va + 0x7000, false);
	assert_int_equal(a.outcome, SM_XLATE_OK);
	assert_false(a.hit);
	assert_int_equal(a.pa, blk_pa + 0x7000);
	assert_int_equal(counter(w->st, "cpu.walk.reads"), 3);
	assert_int_equal(a.done, 1000 + WALK_COST(3, 3));
	/* Only levels 0 and 1 are table descriptors. */
	assert_int_equal(tc_count(&w->cpu.pe[0].walk), 2);

	/* Any 4K inside the block hits the one entry. */
	static const uint64_t offs[] = {0,	  0x1000,   0x100008,
					0x1ff000, 0x1ffff8, 0x155abc};
	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		a = acc(w, 0, 4, blk_va + offs[i], true);
		assert_int_equal(a.outcome, SM_XLATE_OK);
		assert_true(a.hit);
		assert_int_equal(a.pa, blk_pa + offs[i]);
	}
	assert_int_equal(counter(w->st, "cpu.walks"), 1);

	/* Invalidating a neighbouring 4K page or the next block: kept. */
	tlbi_va(w, 0, SM_TLBI_VAE1, false, 4, blk_va + 2 * MiB);
	tlbi_va(w, 0, SM_TLBI_VAE1, false, 4, blk_va - 0x1000);
	assert_true(hits(w, 0, 4, blk_va));

	/* A VAE1 of any address inside the block removes it. */
	static const uint64_t inv_offs[] = {0x155000, 0, 0x1ff000};
	for (size_t i = 0; i < sizeof(inv_offs) / sizeof(inv_offs[0]); i++) {
		assert_true(hits(w, 0, 4, blk_va + 0x3000));
		tlbi_va(w, 0, SM_TLBI_VAE1, true, 4, blk_va + inv_offs[i]);
		a = acc(w, 0, 4, blk_va + 0x1fe000, false);
		assert_int_equal(a.outcome, SM_XLATE_OK);
		assert_false(a.hit);
	}
	/* And a VALE1 (leaf) too. */
	assert_true(hits(w, 0, 4, blk_va));
	tlbi_va(w, 0, SM_TLBI_VALE1, false, 4, blk_va + 0x8000);
	assert_false(hits(w, 0, 4, blk_va));
}

static void test_vaae1_all_asids(void **state)
{
	struct world *w = *state;
	const uint64_t va = 0xa00000, va2 = 0xa01000;
	uint64_t pa = page_alloc(w->pm, SM_PAGE_DATA);
	map(w, va, pa, RW, NG);
	map(w, va2, pa, RW, NG);
	for (uint16_t asid = 1; asid <= 3; asid++) {
		assert_false(hits(w, 0, asid, va));
		assert_false(hits(w, 2, asid, va));
	}
	assert_false(hits(w, 0, 1, va2));

	/* VAE1IS is ASID-scoped: ASIDs 2 and 3 keep the page. */
	tlbi_va(w, 1, SM_TLBI_VAE1, true, 1, va);
	assert_false(sm_cpu_holds(&w->cpu, 1, va, va + PAGE));
	assert_true(sm_cpu_holds(&w->cpu, 2, va, va + PAGE));
	assert_true(sm_cpu_holds(&w->cpu, 3, va, va + PAGE));

	/* VAAE1IS ignores the operand's ASID: every ASID's entry goes,
	 * on every PE, and the walk cache of every ASID too. */
	assert_false(hits(w, 0, 1, va));
	tlbi_va(w, 1, SM_TLBI_VAAE1, true, 0x99, va);
	for (uint16_t asid = 1; asid <= 3; asid++)
		assert_false(sm_cpu_holds(&w->cpu, asid, va, va + PAGE));
	assert_true(sm_cpu_holds(&w->cpu, 1, va2, va2 + PAGE));
	assert_int_equal(tc_count(&w->cpu.pe[0].walk), 0);
	assert_int_equal(tc_count(&w->cpu.pe[2].walk), 0);
	assert_int_equal(counter(w->st, "cpu.tlbi.received.vaae1is"), 4);

	/* VAALE1 (local): every ASID on the issuer, walk cache kept. */
	for (uint16_t asid = 1; asid <= 3; asid++)
		assert_false(hits(w, 0, asid, va));
	assert_false(hits(w, 2, 3, va));
	unsigned wc = tc_count(&w->cpu.pe[0].walk);
	assert_true(wc > 0);
	tlbi_va(w, 0, SM_TLBI_VAALE1, false, 0, va);
	for (uint16_t asid = 1; asid <= 3; asid++) {
		assert_false(tc_has(&w->cpu.pe[0].tlb, asid, va));
		assert_false(tc_has(&w->cpu.pe[0].l1d, asid, va));
	}
	assert_int_equal(tc_count(&w->cpu.pe[0].walk), wc);
	assert_true(tc_has(&w->cpu.pe[2].tlb, 3, va));
}

/* ---- FEAT_TTL level hints ---- */

#define TTL(tg, lv) (((unsigned)(tg) << 2) | (unsigned)(lv))

static bool held(struct world *w, uint16_t asid, uint64_t va)
{
	return sm_cpu_holds(&w->cpu, asid, va, va + PAGE);
}

/* Without FEAT_TTL bits [47:44] are RES0: a level-2 hint still removes the
 * level-3 entry, and a 16K hint is not "no effect". */
static void test_ttl_ignored_without_feat_ttl(void **state)
{
	(void)state;
	const char *sets[] = {"cpu.feat_ttl=off", NULL};
	struct world *w = world_new(sets);
	const uint64_t pg = 0x700000;
	const uint16_t asid = 1;
	map(w, pg, page_alloc(w->pm, SM_PAGE_DATA), RW, NG);
	assert_false(hits(w, 0, asid, pg));
	struct sm_pe *p = &w->cpu.pe[0];
	assert_true(tc_has(&p->tlb, asid, pg));
	tlbi_ttl(w, 0, SM_TLBI_VAE1, false, asid, pg, TTL(1, 2));
	assert_false(tc_has(&p->tlb, asid, pg));
	assert_false(tc_has(&p->l1d, asid, pg));
	assert_false(hits(w, 0, asid, pg));
	tlbi_ttl(w, 0, SM_TLBI_VAE1, false, asid, pg, TTL(2, 3));
	assert_false(tc_has(&p->tlb, asid, pg));
	assert_int_equal(counter(w->st, "cpu.tlbi.no_effect"), 0);
	world_free(w);
}

static void test_ttl_hint(void **state)
{
	struct world *w = *state;
	const uint64_t pg = 0x700000, blk = 0x40000000ull;
	const uint16_t asid = 1;
	map(w, pg, page_alloc(w->pm, SM_PAGE_DATA), RW, NG);
	map_block(w, blk);
	struct sm_pe *p = &w->cpu.pe[0];
	assert_false(hits(w, 0, asid, pg));
	assert_false(hits(w, 0, asid, blk));

	/* A hint naming level 2 or 1 leaves the level-3 page entry. */
	tlbi_ttl(w, 0, SM_TLBI_VAE1, false, asid, pg, TTL(1, 2));
	tlbi_ttl(w, 0, SM_TLBI_VAE1, false, asid, pg, TTL(1, 1));
	assert_true(tc_has(&p->l1d, asid, pg));
	assert_true(tc_has(&p->tlb, asid, pg));
	assert_true(hits(w, 0, asid, pg));

	/* Level 3: removed from the L1 and the main TLB. */
	tlbi_ttl(w, 0, SM_TLBI_VAE1, false, asid, pg, TTL(1, 3));
	assert_false(held(w, asid, pg));
	assert_false(hits(w, 0, asid, pg));

	/* 4K with level 0 is reserved: no hint, removed. */
	tlbi_ttl(w, 0, SM_TLBI_VAE1, false, asid, pg, TTL(1, 0));
	assert_false(held(w, asid, pg));
	assert_false(hits(w, 0, asid, pg));

	/* TG = 0: no hint, whatever the level bits say. */
	tlbi_ttl(w, 0, SM_TLBI_VAE1, false, asid, pg, TTL(0, 2));
	assert_false(held(w, asid, pg));
	assert_false(hits(w, 0, asid, pg));

	/* A hint for the 16K or 64K granule: no 4K entry needs to go, not
	 * even a walk-cache one; counted. */
	uint64_t inv = counter(w->st, "cpu.tlb.invalidated");
	uint64_t ne = counter(w->st, "cpu.tlbi.no_effect");
	unsigned wc = tc_count(&p->walk);
	tlbi_ttl(w, 0, SM_TLBI_VAE1, false, asid, pg, TTL(2, 3));
	assert_true(held(w, asid, pg));
	assert_int_equal(counter(w->st, "cpu.tlbi.no_effect"), ne + 1);
	tlbi_ttl(w, 0, SM_TLBI_VAE1, false, asid, pg, TTL(3, 3));
	tlbi_ttl(w, 0, SM_TLBI_VAE1, false, asid, pg, TTL(2, 0));
	assert_true(held(w, asid, pg));
	assert_int_equal(counter(w->st, "cpu.tlbi.no_effect"), ne + 3);
	assert_int_equal(counter(w->st, "cpu.tlb.invalidated"), inv);
	assert_int_equal(tc_count(&p->walk), wc);
	/* Broadcast: every receiver counts it. */
	tlbi_ttl(w, 1, SM_TLBI_VAE1, true, asid, pg, TTL(2, 3));
	assert_true(held(w, asid, pg));
	assert_int_equal(counter(w->st, "cpu.tlbi.no_effect"), ne + 3 + 4);

	/* The 2 MiB block: a level-3 hint leaves it, level 2 removes it. */
	tlbi_ttl(w, 0, SM_TLBI_VAE1, false, asid, blk + 0x5000, TTL(1, 3));
	assert_true(held(w, asid, blk));
	tlbi_ttl(w, 0, SM_TLBI_VAE1, false, asid, blk + 0x5000, TTL(1, 2));
	assert_false(held(w, asid, blk));

	/* VALE1 honours the hint the same way. */
	tlbi_ttl(w, 0, SM_TLBI_VALE1, false, asid, pg, TTL(1, 2));
	assert_true(held(w, asid, pg));
	tlbi_ttl(w, 0, SM_TLBI_VALE1, false, asid, pg, TTL(1, 3));
	assert_false(held(w, asid, pg));
}

/* ---- range TLBIs ---- */

/* Fill pages [base - 1 page, base + pages + 1 page) on PE 0 for ASID 1, run
 * `op` on (scale, num) and check exactly the range went. */
static void range_case(enum sm_tlbi_op op, bool is, unsigned scale,
		       unsigned num)
{
	struct world *w = world_n(2);
	const uint64_t pages = SM_TLBI_RANGE_PAGES(num, scale);
	const uint64_t base = 0x10000000ull, end = base + pages * PAGE;
	assert_int_equal(pages, (uint64_t)(num + 1) << (5 * scale + 1));
	uint64_t pa = page_alloc(w->pm, SM_PAGE_DATA);
	for (uint64_t va = base - PAGE; va <= end; va += PAGE)
		map(w, va, pa, RW, NG);
	for (uint64_t va = base - PAGE; va <= end; va += PAGE)
		assert_int_equal(acc(w, 0, 1, va, false).outcome, SM_XLATE_OK);
	/* The pages just inside and just outside, most recently used. */
	const uint64_t probe[] = {base - PAGE, base, end - PAGE, end};
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(acc(w, 0, 1, probe[i], false).outcome,
				 SM_XLATE_OK);
		assert_true(held(w, 1, probe[i]));
	}

	tlbi_range(w, 0, op, is, 1, scale, num, 0, base);
	if (!held(w, 1, base - PAGE) || !held(w, 1, end))
		fail_msg("%s scale=%u num=%u: a page outside went",
			 sm_tlbi_name(op, is), scale, num);
	for (uint64_t va = base; va < end; va += PAGE)
		if (held(w, 1, va))
			fail_msg("%s scale=%u num=%u: page 0x%llx of "
				 "[0x%llx, 0x%llx) kept",
				 sm_tlbi_name(op, is), scale, num,
				 (unsigned long long)va,
				 (unsigned long long)base,
				 (unsigned long long)end);
	assert_false(sm_cpu_holds(&w->cpu, 1, base, end));
	assert_int_equal(counter(w->st, "cpu.dvm.broadcasts"), is ? 1 : 0);
	world_free(w);
}

static void test_range_exact_pages(void **state)
{
	(void)state;
	static const unsigned cases[][2] = {
	    {0, 0}, {0, 1}, {0, 3}, {0, 31}, {1, 0}, {1, 2}, {2, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		range_case(SM_TLBI_RVAE1, false, cases[i][0], cases[i][1]);
		range_case(SM_TLBI_RVALE1, false, cases[i][0], cases[i][1]);
	}
	range_case(SM_TLBI_RVAE1, true, 0, 5);
	range_case(SM_TLBI_RVALE1, true, 1, 1);
}

static void test_range_asid_scope(void **state)
{
	struct world *w = *state;
	const uint64_t base = 0x20000000ull;
	uint64_t pa = page_alloc(w->pm, SM_PAGE_DATA);
	for (unsigned i = 0; i < 4; i++)
		map(w, base + i * PAGE, pa, RW, NG);
	for (unsigned i = 0; i < 4; i++)
		for (uint16_t asid = 1; asid <= 2; asid++)
			assert_false(hits(w, 0, asid, base + i * PAGE));
	/* RVAE1IS ASID 1, 4 pages: ASID 2 keeps them. */
	tlbi_range(w, 1, SM_TLBI_RVAE1, true, 1, 0, 1, 0, base);
	assert_false(sm_cpu_holds(&w->cpu, 1, base, base + 4 * PAGE));
	for (unsigned i = 0; i < 4; i++)
		assert_true(held(w, 2, base + i * PAGE));
	/* RVAAE1IS: every ASID. */
	tlbi_range(w, 1, SM_TLBI_RVAAE1, true, 7, 0, 1, 0, base);
	assert_false(sm_cpu_holds(&w->cpu, 2, base, base + 4 * PAGE));
	assert_int_equal(counter(w->st, "cpu.tlbi.received.rvae1is"), 4);
	assert_int_equal(counter(w->st, "cpu.tlbi.received.rvaae1is"), 4);
	/* A range operand with another granule removes nothing. */
	for (unsigned i = 0; i < 4; i++)
		assert_false(hits(w, 0, 1, base + i * PAGE));
	uint64_t ne = counter(w->st, "cpu.tlbi.no_effect");
	sm_cpu_tlbi(&w->cpu, 0, SM_TLBI_RVAE1, false,
		    sm_tlbi_operand_range(1, 2, 0, 1, 0, base), 0);
	assert_true(sm_cpu_holds(&w->cpu, 1, base, base + PAGE));
	assert_int_equal(counter(w->st, "cpu.tlbi.no_effect"), ne + 1);
}

static void test_range_ttl_level(void **state)
{
	struct world *w = *state;
	/* A 2 MiB block, then 4K pages from the next 2 MiB on; the range
	 * [0x401fe000, +8 pages) overlaps the block and six pages. */
	const uint64_t blk = 0x40000000ull, pg0 = blk + 2 * MiB;
	const uint64_t base = pg0 - 2 * PAGE, outside = pg0 + 6 * PAGE;
	map_block(w, blk);
	uint64_t pa = page_alloc(w->pm, SM_PAGE_DATA);
	for (unsigned i = 0; i <= 6; i++)
		map(w, pg0 + i * PAGE, pa, RW, NG);
	const uint16_t asid = 1;
#define FILL_ALL()                                                             \
	do {                                                                   \
		assert_int_equal(acc(w, 0, asid, blk, false).outcome,          \
				 SM_XLATE_OK);                                 \
		for (unsigned i = 0; i <= 6; i++)                              \
			assert_int_equal(                                      \
			    acc(w, 0, asid, pg0 + i * PAGE, false).outcome,    \
			    SM_XLATE_OK);                                      \
	} while (0)
#define PAGES_HELD(yes)                                                        \
	do {                                                                   \
		for (unsigned i = 0; i < 6; i++)                               \
			assert_int_equal(held(w, asid, pg0 + i * PAGE),        \
					 (yes));                               \
		assert_true(held(w, asid, outside));                           \
	} while (0)

	FILL_ALL();
	/* TTL level 3: the pages, not the block. */
	tlbi_range(w, 0, SM_TLBI_RVALE1, false, asid, 0, 3, 3, base);
	assert_true(held(w, asid, blk));
	PAGES_HELD(false);
	FILL_ALL();
	/* TTL level 2: the block, not the pages. */
	tlbi_range(w, 0, SM_TLBI_RVALE1, false, asid, 0, 3, 2, base);
	assert_false(held(w, asid, blk));
	PAGES_HELD(true);
	FILL_ALL();
	/* TTL level 1: nothing at level 1 here. */
	uint64_t inv = counter(w->st, "cpu.tlb.invalidated");
	tlbi_range(w, 0, SM_TLBI_RVALE1, false, asid, 0, 3, 1, base);
	assert_int_equal(counter(w->st, "cpu.tlb.invalidated"), inv);
	assert_true(held(w, asid, blk));
	PAGES_HELD(true);
	/* TTL 0: no hint, everything in the range. */
	tlbi_range(w, 0, SM_TLBI_RVAE1, false, asid, 0, 3, 0, base);
	assert_false(held(w, asid, blk));
	PAGES_HELD(false);
#undef FILL_ALL
#undef PAGES_HELD
}

/* ---- sm_cpu_holds ---- */

static void test_cpu_holds(void **state)
{
	struct world *w = *state;
	const uint64_t va = 0x900000, gva = 0x902000, blk = 0x40000000ull;
	map(w, va, page_alloc(w->pm, SM_PAGE_DATA), RW, NG);
	map(w, gva, page_alloc(w->pm, SM_PAGE_DATA), RW, GLOBAL);
	map_block(w, blk);
	/* Nothing cached yet. */
	assert_false(sm_cpu_holds(&w->cpu, 1, 0, 1ull << 48));

	assert_false(hits(w, 2, 1, va));
	assert_true(sm_cpu_holds(&w->cpu, 1, va, va + PAGE));
	assert_true(sm_cpu_holds(&w->cpu, 1, va + 0xfff, va + 0x1000));
	assert_true(sm_cpu_holds(&w->cpu, 1, 0, 1ull << 48));
	/* [start, end): the end is exclusive, the neighbours are not held. */
	assert_false(sm_cpu_holds(&w->cpu, 1, va - PAGE, va));
	assert_false(sm_cpu_holds(&w->cpu, 1, va + PAGE, va + 2 * PAGE));
	/* A non-global entry is held for its ASID only. */
	assert_false(sm_cpu_holds(&w->cpu, 2, va, va + PAGE));
	/* A global one for every ASID. */
	assert_false(hits(w, 1, 1, gva));
	assert_true(sm_cpu_holds(&w->cpu, 0x1234, gva, gva + PAGE));
	/* A block for any overlap with its 2 MiB. */
	assert_false(hits(w, 3, 3, blk + 0x3000));
	assert_true(sm_cpu_holds(&w->cpu, 3, blk + 0x1ff000, blk + 2 * MiB));
	assert_true(sm_cpu_holds(&w->cpu, 3, blk - PAGE, blk + 1));
	assert_false(sm_cpu_holds(&w->cpu, 3, blk + 2 * MiB, blk + 4 * MiB));
	assert_false(sm_cpu_holds(&w->cpu, 3, blk - PAGE, blk));

	/* Every leaf level counts: the L1 alone... */
	struct sm_pe *p = &w->cpu.pe[2];
	sm_tc_inv_all(&p->tlb);
	assert_true(sm_cpu_holds(&w->cpu, 1, va, va + PAGE));
	sm_tc_inv_all(&p->l1d);
	assert_false(sm_cpu_holds(&w->cpu, 1, va, va + PAGE));
	/* ...the instruction L1 alone... */
	assert_int_equal(acc_kind(w, 0, 1, va, SMMUSIM_ACC_EXEC).outcome,
			 SM_XLATE_OK);
	sm_tc_inv_all(&w->cpu.pe[0].tlb);
	assert_true(sm_cpu_holds(&w->cpu, 1, va, va + PAGE));
	sm_tc_inv_all(&w->cpu.pe[0].l1i);
	assert_false(sm_cpu_holds(&w->cpu, 1, va, va + PAGE));
	/* ...and the main TLB alone. */
	assert_false(hits(w, 0, 1, va));
	sm_tc_inv_all(&w->cpu.pe[0].l1d);
	assert_true(sm_cpu_holds(&w->cpu, 1, va, va + PAGE));
	/* Walk-cache entries are not leaf entries. */
	tlbi_va(w, 0, SM_TLBI_VALE1, false, 1, va);
	assert_true(tc_count(&w->cpu.pe[0].walk) > 0);
	assert_false(sm_cpu_holds(&w->cpu, 1, va, va + PAGE));
}

/* ---- replacement ---- */

/* One PE, a one-entry data L1 (so the main TLB sees every access), and a
 * one-set main TLB of `ways` ways with replacement `repl`. */
static struct world *one_set_world(unsigned ways, const char *repl,
				   uint64_t seed)
{
	char e[40], wy[40], r[48];
	snprintf(e, sizeof(e), "cpu.tlb.entries=%u", ways);
	snprintf(wy, sizeof(wy), "cpu.tlb.ways=%u", ways);
	snprintf(r, sizeof(r), "cpu.tlb.replacement=%s", repl);
	const char *sets[] = {
	    "cpu.count=1", "cpu.l1d.entries=1", "cpu.l1d.ways=1", e, wy, r,
	    NULL};
	return world_new_seed(sets, seed);
}

static void test_tlb_lru_eviction(void **state)
{
	(void)state;
	/* One set of 4 ways; the default (LRU) and lru spelled out. */
	for (int spelled = 0; spelled < 2; spelled++) {
		struct world *w;
		if (spelled) {
			w = one_set_world(4, "lru", 1);
		} else {
			const char *sets[] = {
			    "cpu.count=1",    "cpu.tlb.entries=4",
			    "cpu.tlb.ways=4", "cpu.l1d.entries=1",
			    "cpu.l1d.ways=1", NULL};
			w = world_new(sets);
		}
		assert_int_equal(w->cpu.pe[0].tlb.repl, SM_TC_LRU);
		uint64_t va[5];
		for (int i = 0; i < 5; i++) {
			va[i] = 0x1000000 + (uint64_t)i * 0x1000;
			map(w, va[i], page_alloc(w->pm, SM_PAGE_DATA), RW, NG);
		}
		for (int i = 0; i < 4; i++)
			assert_false(hits(w, 0, 1, va[i]));
		assert_int_equal(counter(w->st, "cpu.tlb.evictions"), 0);
		assert_true(hits(w, 0, 1, va[0])); /* va[1] is now LRU */
		assert_false(hits(w, 0, 1, va[4]));
		assert_int_equal(counter(w->st, "cpu.tlb.evictions"), 1);
		assert_false(tc_has(&w->cpu.pe[0].tlb, 1, va[1]));
		assert_true(hits(w, 0, 1, va[0]));
		assert_true(hits(w, 0, 1, va[2]));
		assert_true(hits(w, 0, 1, va[3]));
		assert_true(hits(w, 0, 1, va[4]));
		assert_false(hits(w, 0, 1, va[1]));
		assert_int_equal(counter(w->st, "cpu.tlb.evictions"), 2);
		/* The LRU victim was va[0] (va[2..4] were used after it). */
		assert_false(tc_has(&w->cpu.pe[0].tlb, 1, va[0]));
		world_free(w);
	}
}

static void test_tlb_rr_rotates(void **state)
{
	(void)state;
	struct world *w = one_set_world(4, "rr", 1);
	struct sm_tcache *tlb = &w->cpu.pe[0].tlb;
	assert_int_equal(tlb->repl, SM_TC_RR);
	uint64_t va[12];
	uint64_t pa = page_alloc(w->pm, SM_PAGE_DATA);
	for (int i = 0; i < 12; i++) {
		va[i] = 0x2000000 + (uint64_t)i * PAGE;
		map(w, va[i], pa, RW, NG);
	}
	for (int i = 0; i < 4; i++)
		assert_false(hits(w, 0, 1, va[i]));
	/* va[0] is the most recently used; round robin evicts it anyway,
	 * then va[1], va[2], ... in fill order whatever the use. */
	for (int k = 0; k < 3; k++) {
		assert_true(hits(w, 0, 1, va[0]));
		assert_true(hits(w, 0, 1, va[1]));
	}
	for (int k = 4; k < 12; k++) {
		assert_false(hits(w, 0, 1, va[k]));
		assert_false(tc_has(tlb, 1, va[k - 4]));
		for (int j = k - 3; j <= k; j++)
			assert_true(tc_has(tlb, 1, va[j]));
		assert_int_equal(tc_count(tlb), 4);
		assert_int_equal(counter(w->st, "cpu.tlb.evictions"),
				 (uint64_t)(k - 3));
		/* Using the oldest survivor does not save it. */
		assert_true(hits(w, 0, 1, va[k - 3]));
	}
	/* LRU would have kept va[0] for the same start. */
	struct world *l = one_set_world(4, "lru", 1);
	for (int i = 0; i < 5; i++)
		map(l, va[i], pa, RW, NG);
	for (int i = 0; i < 4; i++)
		assert_false(hits(l, 0, 1, va[i]));
	assert_true(hits(l, 0, 1, va[0]));
	assert_false(hits(l, 0, 1, va[4]));
	assert_true(tc_has(&l->cpu.pe[0].tlb, 1, va[0]));
	assert_false(tc_has(&l->cpu.pe[0].tlb, 1, va[1]));
	world_free(l);
	world_free(w);
}

#define RANDOM_RUN 256

/* Hit (1) or miss (0) of each of RANDOM_RUN accesses over 12 pages in an
 * 8-way one-set TLB; returns whether the PRNG was drawn from. */
static bool replacement_run(const char *repl, uint64_t seed,
			    unsigned char out[RANDOM_RUN])
{
	struct world *w = one_set_world(8, repl, seed);
	uint64_t pa = page_alloc(w->pm, SM_PAGE_DATA);
	for (int i = 0; i < 12; i++)
		map(w, 0x3000000 + (uint64_t)i * PAGE, pa, RW, NG);
	uint32_t x = 12345; /* the access pattern: a fixed LCG */
	for (int i = 0; i < RANDOM_RUN; i++) {
		x = x * 1103515245u + 12345u;
		uint64_t va = 0x3000000 + (uint64_t)((x >> 16) % 12) * PAGE;
		out[i] = hits(w, 0, 1, va);
	}
	struct sm_rng fresh;
	sm_rng_seed(&fresh, seed);
	bool drawn = memcmp(&fresh, &w->rng, sizeof(fresh)) != 0;
	world_free(w);
	return drawn;
}

static void test_tlb_random_seeded(void **state)
{
	(void)state;
	unsigned char a[RANDOM_RUN], b[RANDOM_RUN], c[RANDOM_RUN];
	assert_true(replacement_run("random", 1, a));
	assert_true(replacement_run("random", 1, b));
	assert_memory_equal(a, b, RANDOM_RUN);
	assert_true(replacement_run("random", 2, c));
	assert_memory_not_equal(a, c, RANDOM_RUN);
	/* LRU and round robin never draw. */
	assert_false(replacement_run("lru", 1, b));
	assert_false(replacement_run("rr", 1, b));
}

/* The same through the simulator: sim.seed decides. Touches 24 pages
 * three times; returns the cpu.tlb.hits after each touch. */
static void sim_random_run(uint64_t seed, uint64_t out[24])
{
	char sd[40];
	snprintf(sd, sizeof(sd), "sim.seed=%llu", (unsigned long long)seed);
	const char *sets[] = {sd,
			      "cpu.count=1",
			      "cpu.l1d.entries=1",
			      "cpu.l1d.ways=1",
			      "cpu.tlb.entries=8",
			      "cpu.tlb.ways=8",
			      "cpu.tlb.replacement=random",
			      NULL};
	smmusim_t *sim = sim_new(NULL, sets);
	const uint64_t va = 0x400000, len = 12 * PAGE;
	submit_ok(sim, ev_mm_create(1));
	submit_ok(sim,
		  ev_mmap(1, va, len, SMMUSIM_PROT_R | SMMUSIM_PROT_W, false));
	for (int i = 0; i < 24; i++) {
		submit_ok(sim, ev_touch(1, 0, va, len));
		out[i] = sim_stat(sim, "cpu.tlb.hits");
	}
	assert_int_equal(smmusim_finish(sim), 0);
	smmusim_free(sim);
}

static void test_tlb_random_sim_seed(void **state)
{
	(void)state;
	uint64_t a[24], b[24], c[24];
	sim_random_run(7, a);
	sim_random_run(7, b);
	sim_random_run(8, c);
	assert_memory_equal(a, b, sizeof(a));
	assert_memory_not_equal(a, c, sizeof(a));
	/* 12 pages cycling through 8 ways: LRU would never hit; random
	 * replacement keeps some. */
	assert_true(a[23] > 0);
}

/* ---- allocation: everything given back, with the sizes it was taken ---- */

static void test_cpu_init_fini_accounting(void **state)
{
	(void)state;
	struct counting cnt;
	struct smmusim_allocator ca = counting_allocator(&cnt);
	smmusim_config_t *cfg;
	struct sm_stats *st;
	struct sm_physmem *pm;
	struct sm_errbuf eb = {{0}};
	struct sm_cpu cpu;
	struct sm_rng rng;
	sm_rng_seed(&rng, 1);
	assert_int_equal(smmusim_config_new(&cfg, NULL), 0);
	assert_int_equal(sm_stats_new(&st, ALLOC), 0);
	assert_int_equal(sm_physmem_new(&pm, ALLOC, RAM_BASE, 64 * MiB, &eb),
			 0);

	assert_int_equal(sm_cpu_init(&cpu, &ca, cfg, pm, st, &rng, &eb), 0);
	assert_int_equal(cpu.n, 4);
	/* The PE array and, per PE, the L1i, L1d, main TLB and walk cache
	 * (each one block: its index heads and entries) and the leaf TLBs'
	 * presence filter. */
	assert_int_equal(cnt.blocks, 1 + 4 * 5);
	sm_cpu_fini(&cpu);
	assert_int_equal(cnt.blocks, 0);
	assert_int_equal(cnt.bytes, 0);

	/* Round robin adds a victim pointer array per cache. */
	static const char *const rr[] = {
	    "cpu.l1i.replacement", "cpu.l1d.replacement", "cpu.tlb.replacement",
	    "cpu.walkcache.replacement"};
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(smmusim_config_set(cfg, rr[i], "rr"), 0);
	assert_int_equal(sm_cpu_init(&cpu, &ca, cfg, pm, st, &rng, &eb), 0);
	assert_int_equal(cnt.blocks, 1 + 4 * 9);
	assert_int_equal(cpu.pe[3].walk.repl, SM_TC_RR);
	assert_int_equal(cpu.pe[3].walk.min_level, 0);
	assert_int_equal(cpu.pe[3].tlb.min_level, 1);
	sm_cpu_fini(&cpu);
	assert_int_equal(cnt.blocks, 0);
	assert_int_equal(cnt.bytes, 0);

	/* Each level's geometry is checked, naming its keys, and a
	 * failure part-way frees what was built. */
	assert_int_equal(smmusim_config_set(cfg, "cpu.walkcache.entries", "10"),
			 0);
	assert_int_equal(sm_cpu_init(&cpu, &ca, cfg, pm, st, &rng, &eb),
			 SMMUSIM_ERANGE);
	assert_non_null(strstr(eb.msg, "cpu.walkcache.entries"));
	assert_int_equal(cnt.blocks, 0);
	assert_int_equal(cnt.bytes, 0);
	assert_int_equal(smmusim_config_set(cfg, "cpu.walkcache.entries", "64"),
			 0);
	assert_int_equal(smmusim_config_set(cfg, "cpu.l1i.entries", "50"), 0);
	assert_int_equal(sm_cpu_init(&cpu, &ca, cfg, pm, st, &rng, &eb),
			 SMMUSIM_ERANGE);
	assert_non_null(strstr(eb.msg, "cpu.l1i.entries"));
	assert_int_equal(cnt.blocks, 0);
	assert_int_equal(cnt.bytes, 0);
	assert_int_equal(smmusim_config_set(cfg, "cpu.l1i.entries", "48"), 0);

	/* A TLB geometry that does not divide: the error names the keys and
	 * everything is freed. */
	assert_int_equal(smmusim_config_set(cfg, "cpu.tlb.entries", "1000"), 0);
	assert_int_equal(smmusim_config_set(cfg, "cpu.tlb.ways", "3"), 0);
	assert_int_equal(sm_cpu_init(&cpu, &ca, cfg, pm, st, &rng, &eb),
			 SMMUSIM_ERANGE);
	assert_non_null(strstr(eb.msg, "cpu.tlb.entries"));
	assert_non_null(strstr(eb.msg, "cpu.tlb.ways"));
	assert_int_equal(cnt.blocks, 0);
	/* ...with the sizes it was allocated with. */
	assert_int_equal(cnt.bytes, 0);

	sm_physmem_free(pm);
	sm_stats_free(st);
	smmusim_config_free(cfg);
}

/* ---- DSB ---- */

static void test_dsb_nothing_outstanding(void **state)
{
	struct world *w = *state;
	assert_int_equal(sm_cpu_dsb_ish(&w->cpu, 0, 1000), 1000 + LAT_DSB);
	assert_int_equal(sm_cpu_dsb_ish(&w->cpu, 3, 5), 5 + LAT_DSB);
	assert_int_equal(sm_cpu_dsb_ishst(&w->cpu, 1, 77), 77 + LAT_DSB);
	assert_int_equal(counter(w->st, "cpu.dsb.ish"), 2);
	assert_int_equal(counter(w->st, "cpu.dsb.ishst"), 1);

	const char *sets[] = {"cpu.lat.dsb=7", NULL};
	struct world *w2 = world_new(sets);
	assert_int_equal(sm_cpu_dsb_ish(&w2->cpu, 0, 100), 107);
	world_free(w2);
}

static void test_dsb_waits_for_broadcast(void **state)
{
	struct world *w = *state;
	const uint64_t t0 = 1000;
	uint64_t t1 = sm_cpu_tlbi(&w->cpu, 0, SM_TLBI_VAE1, true,
				  sm_tlbi_operand_va(1, 0x1000, 0), t0);
	/* The issuer goes on after its own cost... */
	assert_int_equal(t1, t0 + LAT_TLBI);
	/* ...and its DSB waits for the furthest receiver. */
	uint64_t d = sm_cpu_dsb_ish(&w->cpu, 0, t1);
	assert_true(d >= t0 + LAT_DVM + LAT_APPLY);
	assert_int_equal(d, t0 + LAT_DVM + LAT_APPLY);
	/* Completion was consumed: the next DSB is quick. */
	assert_int_equal(sm_cpu_dsb_ish(&w->cpu, 0, d), d + LAT_DSB);
	/* Another PE's DSB does not wait for PE 0's TLBIs. */
	sm_cpu_tlbi(&w->cpu, 0, SM_TLBI_VAE1, true,
		    sm_tlbi_operand_va(1, 0x1000, 0), 5000);
	assert_int_equal(sm_cpu_dsb_ish(&w->cpu, 1, 5010), 5010 + LAT_DSB);
	assert_int_equal(sm_cpu_dsb_ish(&w->cpu, 0, 5010),
			 5000 + LAT_DVM + LAT_APPLY);
	/* A DSB issued long after completion costs only its base. */
	sm_cpu_tlbi(&w->cpu, 2, SM_TLBI_ASIDE1, true, sm_tlbi_operand_asid(1),
		    9000);
	assert_int_equal(sm_cpu_dsb_ish(&w->cpu, 2, 20000), 20000 + LAT_DSB);
	assert_int_equal(counter(w->st, "cpu.tlbi.received.vae1is"), 8);
	assert_int_equal(counter(w->st, "cpu.tlbi.received.aside1is"), 4);
	assert_int_equal(counter(w->st, "cpu.tlbi.issued.vae1is"), 2);
	assert_int_equal(counter(w->st, "cpu.bystander_cycles"),
			 3 * 3 * LAT_APPLY);
	/* Far apart: nobody queued on the interconnect. */
	assert_int_equal(counter(w->st, "cpu.dvm.broadcasts"), 3);
	assert_int_equal(counter(w->st, "cpu.dvm.queue_cycles"), 0);
}

static void test_dsb_after_local_tlbi(void **state)
{
	struct world *w = *state;
	uint64_t t1 = sm_cpu_tlbi(&w->cpu, 1, SM_TLBI_VAE1, false,
				  sm_tlbi_operand_va(1, 0x1000, 0), 100);
	assert_int_equal(t1, 100 + LAT_TLBI);
	/* Local apply (20) is below the DSB base (30). */
	assert_int_equal(sm_cpu_dsb_ish(&w->cpu, 1, t1), t1 + LAT_DSB);
	assert_int_equal(counter(w->st, "cpu.tlbi.received.vae1is"), 0);
	/* A local TLBI does not use the interconnect. */
	assert_int_equal(counter(w->st, "cpu.dvm.broadcasts"), 0);
}

/* A world of n PEs with cpu.dvm.occupancy = occ. */
static struct world *world_occ(unsigned n, unsigned occ)
{
	char c[32], o[40];
	snprintf(c, sizeof(c), "cpu.count=%u", n);
	snprintf(o, sizeof(o), "cpu.dvm.occupancy=%u", occ);
	const char *sets[] = {c, o, NULL};
	return world_new(sets);
}

/* DSB completion after `k` back-to-back IS TLBIs on PE 0 with `n` PEs and
 * an interconnect busy `occ` cycles per broadcast. */
static uint64_t dsb_after(unsigned n, unsigned k, unsigned occ,
			  uint64_t *received)
{
	struct world *w = world_occ(n, occ);
	uint64_t t = 0;
	for (unsigned i = 0; i < k; i++)
		t = sm_cpu_tlbi(&w->cpu, 0, SM_TLBI_VALE1, true,
				sm_tlbi_operand_va(1, 0x1000ull * i, 0), t);
	uint64_t d = sm_cpu_dsb_ish(&w->cpu, 0, t);
	*received = counter(w->st, "cpu.tlbi.received.vale1is");
	world_free(w);
	return d;
}

static void test_dsb_monotonic(void **state)
{
	(void)state;
	uint64_t rx;

	/* More TLBIs in a row: receivers fall behind, the DSB is later.
	 * With a free interconnect TLBIs arrive every LAT_TLBI but take
	 * LAT_APPLY each... */
	uint64_t prev = 0;
	for (unsigned k = 1; k <= 16; k++) {
		uint64_t d = dsb_after(4, k, 0, &rx);
		assert_true(d > prev);
		assert_int_equal(d, LAT_DVM + (uint64_t)k * LAT_APPLY);
		assert_int_equal(rx, 4ull * k);
		prev = d;
	}
	/* ...and with the default one they leave every DVM_OCC (> APPLY):
	 * the interconnect is the bottleneck. */
	prev = 0;
	for (unsigned k = 1; k <= 16; k++) {
		uint64_t d = dsb_after(4, k, DVM_OCC, &rx);
		assert_true(d > prev);
		assert_int_equal(d, (uint64_t)(k - 1) * DVM_OCC + LAT_DVM +
					LAT_APPLY);
		assert_int_equal(rx, 4ull * k);
		prev = d;
	}

	/* More PEs: never earlier, and a single PE needs no DVM trip. */
	static const unsigned pes[] = {1, 2, 3, 4, 8, 32, 256};
	for (unsigned occ = 0; occ <= DVM_OCC; occ += DVM_OCC) {
		prev = 0;
		for (size_t i = 0; i < sizeof(pes) / sizeof(pes[0]); i++) {
			uint64_t d = dsb_after(pes[i], 4, occ, &rx);
			assert_true(d >= prev);
			assert_int_equal(rx, 4ull * pes[i]);
			if (pes[i] == 1)
				assert_true(d < LAT_DVM);
			else
				assert_true(d >=
					    3 * LAT_TLBI + LAT_DVM + LAT_APPLY);
			prev = d;
		}
		assert_true(dsb_after(1, 4, occ, &rx) <
			    dsb_after(2, 4, occ, &rx));
	}
}

static void test_bystander_delays_other_issuer(void **state)
{
	(void)state;
	/* Receivers busy, interconnect free (occupancy 0). */
	struct world *w = world_occ(4, 0);
	/* PE 0 floods the domain with 8 TLBIs... */
	uint64_t t = 0;
	for (unsigned i = 0; i < 8; i++)
		t = sm_cpu_tlbi(&w->cpu, 0, SM_TLBI_VALE1, true,
				sm_tlbi_operand_va(1, 0x1000ull * i, 0), t);
	/* ...then PE 1 issues one: its receivers are still busy. */
	uint64_t t1 = sm_cpu_tlbi(&w->cpu, 1, SM_TLBI_VALE1, true,
				  sm_tlbi_operand_va(2, 0x9000, 0), t);
	uint64_t d1 = sm_cpu_dsb_ish(&w->cpu, 1, t1);
	uint64_t idle = t + LAT_DVM + LAT_APPLY;
	assert_true(d1 > idle);
	/* Receivers drain PE 0's 8 TLBIs by DVM + 8 * APPLY, then PE 1's. */
	assert_int_equal(d1, LAT_DVM + 9 * LAT_APPLY);
	assert_int_equal(sm_cpu_dsb_ish(&w->cpu, 0, t1),
			 LAT_DVM + 8 * LAT_APPLY);
	assert_int_equal(counter(w->st, "cpu.bystander_cycles"),
			 9 * 3 * LAT_APPLY);
	assert_int_equal(counter(w->st, "cpu.dvm.queue_cycles"), 0);
	world_free(w);

	/* Default occupancy: PE 1's broadcast waits for the interconnect
	 * to carry PE 0's eight (one per DVM_OCC from cycle 0). */
	w = world_occ(4, DVM_OCC);
	t = 0;
	for (unsigned i = 0; i < 8; i++)
		t = sm_cpu_tlbi(&w->cpu, 0, SM_TLBI_VALE1, true,
				sm_tlbi_operand_va(1, 0x1000ull * i, 0), t);
	uint64_t q = counter(w->st, "cpu.dvm.queue_cycles");
	/* TLBI i is issued at i * LAT_TLBI and leaves at i * DVM_OCC. */
	uint64_t want_q = 0;
	for (unsigned i = 0; i < 8; i++)
		want_q += (uint64_t)i * (DVM_OCC - LAT_TLBI);
	assert_int_equal(q, want_q);
	t1 = sm_cpu_tlbi(&w->cpu, 1, SM_TLBI_VALE1, true,
			 sm_tlbi_operand_va(2, 0x9000, 0), t);
	assert_int_equal(counter(w->st, "cpu.dvm.queue_cycles"),
			 want_q + 8 * DVM_OCC - t);
	assert_int_equal(sm_cpu_dsb_ish(&w->cpu, 1, t1),
			 8 * DVM_OCC + LAT_DVM + LAT_APPLY);
	assert_int_equal(sm_cpu_dsb_ish(&w->cpu, 0, t1),
			 7 * DVM_OCC + LAT_DVM + LAT_APPLY);
	world_free(w);
}

/* ---- the DVM interconnect ---- */

static void test_dvm_same_cycle_queues(void **state)
{
	(void)state;
	static const unsigned occs[] = {0, 10, DVM_OCC, 100, 300};
	for (size_t i = 0; i < sizeof(occs) / sizeof(occs[0]); i++) {
		unsigned occ = occs[i];
		struct world *w = world_occ(4, occ);
		/* PE 0 and PE 1 broadcast at cycle 1000. */
		uint64_t t0 =
		    sm_cpu_tlbi(&w->cpu, 0, SM_TLBI_VAE1, true,
				sm_tlbi_operand_va(1, 0x1000, 0), 1000);
		uint64_t t1 =
		    sm_cpu_tlbi(&w->cpu, 1, SM_TLBI_VAE1, true,
				sm_tlbi_operand_va(2, 0x2000, 0), 1000);
		/* Neither issuer is held up by the queue itself... */
		assert_int_equal(t0, 1000 + LAT_TLBI);
		assert_int_equal(t1, 1000 + LAT_TLBI);
		/* ...the second broadcast waits `occ` for the interconnect. */
		assert_int_equal(counter(w->st, "cpu.dvm.queue_cycles"), occ);
		assert_int_equal(counter(w->st, "cpu.dvm.broadcasts"), 2);
		uint64_t d0 = sm_cpu_dsb_ish(&w->cpu, 0, t0);
		uint64_t d1 = sm_cpu_dsb_ish(&w->cpu, 1, t1);
		assert_int_equal(d0, 1000 + LAT_DVM + LAT_APPLY);
		assert_true(d1 > d0);
		/* Later by the interconnect wait, or at least by one apply
		 * when the receivers are the bottleneck. */
		assert_int_equal(d1 - d0, occ > LAT_APPLY ? occ : LAT_APPLY);
		/* Once the interconnect is idle again, no waiting. */
		sm_cpu_tlbi(&w->cpu, 2, SM_TLBI_VAE1, true,
			    sm_tlbi_operand_va(1, 0x1000, 0), 100000);
		assert_int_equal(counter(w->st, "cpu.dvm.queue_cycles"), occ);
		world_free(w);
	}
}

static void test_dvm_more_broadcasters_later(void **state)
{
	(void)state;
	uint64_t prev = 0;
	for (unsigned k = 1; k <= 8; k++) {
		struct world *w = world_occ(8, DVM_OCC);
		uint64_t t[8];
		/* PEs 0..k-1 each broadcast one TLBI at cycle 1000. */
		for (unsigned pe = 0; pe < k; pe++)
			t[pe] =
			    sm_cpu_tlbi(&w->cpu, pe, SM_TLBI_VALE1, true,
					sm_tlbi_operand_va(1, 0x1000, 0), 1000);
		uint64_t latest = 0;
		for (unsigned pe = 0; pe < k; pe++) {
			uint64_t d = sm_cpu_dsb_ish(&w->cpu, pe, t[pe]);
			/* The pe-th in line leaves after pe slots. */
			assert_int_equal(d, 1000 + (uint64_t)pe * DVM_OCC +
						LAT_DVM + LAT_APPLY);
			if (d > latest)
				latest = d;
		}
		assert_true(latest > prev);
		assert_int_equal(counter(w->st, "cpu.dvm.queue_cycles"),
				 (uint64_t)DVM_OCC * k * (k - 1) / 2);
		assert_int_equal(counter(w->st, "cpu.dvm.broadcasts"), k);
		assert_int_equal(counter(w->st, "cpu.tlbi.received.vale1is"),
				 8 * k);
		prev = latest;
		world_free(w);
	}
}

/*
 * A broadcast TLBI reaching a PE whose TLBs hold nothing it removes is not
 * queued there (host time, hw/cpu/dvm.h); an entry that PE fills before
 * the cycle it applies the TLBI must still go at that cycle, as with a
 * queued copy.  PE 2 is never observed in the window: its copy is dropped.
 */
static void test_skipped_tlbi_removes_later_fill(void **state)
{
	struct world *w = *state;
	uint64_t pa = page_alloc(w->pm, SM_PAGE_DATA), va = 0x400000;
	const uint16_t asid = 5;
	struct sm_cpu_access a;
	map(w, va, pa, RW, NG);
	/* Applied at PE 1 at 2000 + lat.dvm (200) + lat.tlbi_apply (20). */
	sm_cpu_tlbi(&w->cpu, 0, SM_TLBI_VALE1, true,
		    sm_tlbi_operand_va(asid, va, 0), 2000);
	sm_cpu_access(&w->cpu, 1, asid, w->root, va, false, 2001, 0, &a);
	assert_int_equal(a.outcome, SM_XLATE_OK);
	assert_false(a.hit);
	sm_cpu_access(&w->cpu, 1, asid, w->root, va, false, 2219, 0, &a);
	assert_true(a.hit);
	sm_cpu_access(&w->cpu, 1, asid, w->root, va, false, 2220, 0, &a);
	assert_false(a.hit); /* the L1 D and main TLB entries went */
	assert_int_equal(counter(w->st, "cpu.tlb.invalidated"), 2);
	settle(w);
	assert_int_equal(w->cpu.skipped.head, w->cpu.skipped.tail);
	/* The same broadcast again: now PE 1 holds the page, PE 2 not. */
	sm_cpu_tlbi(&w->cpu, 0, SM_TLBI_VALE1, true,
		    sm_tlbi_operand_va(asid, va, 0), 3000);
	sm_cpu_access(&w->cpu, 2, asid, w->root, va, false, 3300, 0, &a);
	assert_false(a.hit);
	settle(w);
	assert_int_equal(counter(w->st, "cpu.tlb.invalidated"), 4);
	assert_int_equal(counter(w->st, "cpu.tlbi.received.vale1is"), 8);
}

#define W4(fn) cmocka_unit_test_setup_teardown(fn, setup4, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    W4(test_miss_then_hit),
	    W4(test_unmapped_faults_not_cached),
	    W4(test_permission_cached_and_broadcast),
	    W4(test_write_miss_on_ro_caches_entry),
	    cmocka_unit_test(test_l1_miss_tlb_hit_refills_l1),
	    W4(test_fetch_uses_l1i_and_needs_x),
	    W4(test_walk_cache_starts_deeper),
	    W4(test_walk_cache_vale1_keeps_vae1_removes),
	    W4(test_walk_cache_aside1_vmalle1),
	    W4(test_non_is_tlbi_local_only),
	    W4(test_aside1_and_global),
	    W4(test_vmalle1_removes_all),
	    W4(test_block_entry),
	    W4(test_vaae1_all_asids),
	    W4(test_ttl_hint),
	    cmocka_unit_test(test_ttl_ignored_without_feat_ttl),
	    cmocka_unit_test(test_range_exact_pages),
	    W4(test_range_asid_scope),
	    W4(test_range_ttl_level),
	    W4(test_cpu_holds),
	    cmocka_unit_test(test_tlb_lru_eviction),
	    cmocka_unit_test(test_tlb_rr_rotates),
	    cmocka_unit_test(test_tlb_random_seeded),
	    cmocka_unit_test(test_tlb_random_sim_seed),
	    cmocka_unit_test(test_cpu_init_fini_accounting),
	    W4(test_dsb_nothing_outstanding),
	    W4(test_dsb_waits_for_broadcast),
	    W4(test_dsb_after_local_tlbi),
	    cmocka_unit_test(test_dsb_monotonic),
	    cmocka_unit_test(test_bystander_delays_other_issuer),
	    cmocka_unit_test(test_dvm_same_cycle_queues),
	    cmocka_unit_test(test_dvm_more_broadcasters_later),
	    W4(test_skipped_tlbi_removes_later_fill),
	};
	return cmocka_run_group_tests_name("cpu", tests, NULL, NULL);
}
