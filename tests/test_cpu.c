/* SPDX-License-Identifier: MIT */
/* Tests for the CPU side: TLBI operands, PE TLBs (through sm_cpu_access),
 * TLBI scope and broadcast, DSB completion, and the translation cache. */
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

#include "core/alloc.h"
#include "core/errbuf.h"
#include "core/stats.h"
#include "cpu/cpu.h"
#include "cpu/tlbi.h"
#include "mem/pgtable.h"
#include "mem/physmem.h"
#include "mem/tcache.h"

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define RAM_BASE 0x40000000ull
#define ALLOC sm_default_allocator()

/* Default latencies (config_keys.h); the world uses them unless told. */
#define LAT_HIT 1
#define LAT_TLBI 10
#define LAT_DVM 200
#define LAT_APPLY 20
#define LAT_DSB 30
#define LAT_MEM 100

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

/* `sets` is a NULL-terminated list of "key=value" (may be NULL). */
static struct world *world_new(const char *const *sets)
{
	struct world *w = test_calloc(1, sizeof(*w));
	assert_non_null(w);
	assert_int_equal(smmusim_config_new(&w->cfg, NULL), 0);
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
	sm_rng_seed(&w->rng, 1);
	int rc =
	    sm_cpu_init(&w->cpu, ALLOC, w->cfg, w->pm, w->st, &w->rng, &w->eb);
	if (rc)
		fail_msg("sm_cpu_init: %d %s", rc, w->eb.msg);
	return w;
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

static uint64_t stat(const struct world *w, const char *name)
{
	const uint64_t *p = sm_stats_find(w->st, name);
	if (!p)
		fail_msg("no counter '%s'", name);
	return *p;
}

static uint64_t data_page(struct world *w)
{
	uint64_t pa;
	assert_int_equal(sm_physmem_alloc(w->pm, SM_PAGE_DATA, &pa, &w->eb), 0);
	return pa;
}

enum { RW = 0, RO = 1 };
enum { NG = 0, GLOBAL = 1 };

static uint64_t page_desc(uint64_t pa, int ro, int global)
{
	return PTE_TYPE_PAGE | PTE_USER | PTE_AF | (global ? 0 : PTE_NG) |
	       (ro ? PTE_RDONLY : 0) | pa;
}

static void map(struct world *w, uint64_t va, uint64_t pa, int ro, int global)
{
	int rc = sm_pgt_set(w->pm, w->root, va, 3, page_desc(pa, ro, global),
			    NULL, &w->eb);
	if (rc)
		fail_msg("sm_pgt_set: %d %s", rc, w->eb.msg);
}

/* One access; returns the whole result. */
static struct sm_cpu_access acc(struct world *w, unsigned pe, uint16_t asid,
				uint64_t va, bool write)
{
	struct sm_cpu_access out;
	memset(&out, 0xa5, sizeof(out));
	sm_cpu_access(&w->cpu, pe, asid, w->root, va, write, 1000, 0, &out);
	return out;
}

/* True if the access hit in the TLB (and succeeded). */
static bool hits(struct world *w, unsigned pe, uint16_t asid, uint64_t va)
{
	struct sm_cpu_access a = acc(w, pe, asid, va, false);
	assert_int_equal(a.outcome, SM_XLATE_OK);
	return a.hit;
}

static void tlbi_va(struct world *w, unsigned pe, enum sm_tlbi_op op, bool is,
		    uint16_t asid, uint64_t va)
{
	sm_cpu_tlbi(&w->cpu, pe, op, is, sm_tlbi_operand_va(asid, va, 0), 0);
}

static void tlbi_asid(struct world *w, unsigned pe, enum sm_tlbi_op op, bool is,
		      uint16_t asid)
{
	sm_cpu_tlbi(&w->cpu, pe, op, is, sm_tlbi_operand_asid(asid), 0);
}

/* ---- operands and names ---- */

static const uint16_t asids[] = {0,	1,	2,	0x7f,	0x80,	0xff,
				 0x100, 0x1234, 0x7fff, 0x8000, 0xfffe, 0xffff};
static const uint64_t vas[] = {
    0,
    0x1000,
    0x2000,
    0x200000,
    0x1234000,
    0x40000000,
    0x7ffff000,
    0xaaaaaaaaa000ull,
    0x555555555000ull,
    0x7ffffffff000ull,
    0x800000000000ull,
    0xfffffffff000ull, /* 2^48 - 4K */
};

static void test_operand_roundtrip(void **state)
{
	(void)state;
	static const enum sm_tlbi_op va_ops[] = {SM_TLBI_VAE1, SM_TLBI_VALE1};
	for (size_t a = 0; a < sizeof(asids) / sizeof(asids[0]); a++)
		for (size_t v = 0; v < sizeof(vas) / sizeof(vas[0]); v++)
			for (unsigned ttl = 0; ttl < 16; ttl++) {
				uint64_t op =
				    sm_tlbi_operand_va(asids[a], vas[v], ttl);
				/* Field layout (Linux __TLBI_VADDR). */
				assert_int_equal(op & TLBI_VADDR_MASK,
						 vas[v] >> 12);
				assert_int_equal((op & TLBI_TTL_MASK) >>
						     TLBI_TTL_SHIFT,
						 ttl);
				assert_int_equal(op >> TLBI_ASID_SHIFT,
						 asids[a]);
				for (int o = 0; o < 2; o++)
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
						assert_int_equal(t.vmid, 0);
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
	for (size_t a = 0; a < sizeof(asids) / sizeof(asids[0]); a++) {
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

/* ---- accesses ---- */

static void test_miss_then_hit(void **state)
{
	struct world *w = *state;
	uint64_t pa = data_page(w), va = 0x400000;
	map(w, va, pa, RW, NG);

	struct sm_cpu_access a = acc(w, 0, 7, va + 0x123, false);
	assert_int_equal(a.outcome, SM_XLATE_OK);
	assert_false(a.hit);
	assert_int_equal(a.pa, pa + 0x123);
	/* Four descriptor reads for a 4K page. */
	assert_int_equal(a.done, 1000 + LAT_HIT + 4 * LAT_MEM);
	assert_int_equal(stat(w, "cpu.tlb.misses"), 1);
	assert_int_equal(stat(w, "cpu.tlb.hits"), 0);
	assert_int_equal(stat(w, "cpu.walks"), 1);
	assert_int_equal(stat(w, "cpu.walk.reads"), 4);

	a = acc(w, 0, 7, va + 0xff8, true);
	assert_int_equal(a.outcome, SM_XLATE_OK);
	assert_true(a.hit);
	assert_int_equal(a.pa, pa + 0xff8);
	assert_int_equal(a.done, 1000 + LAT_HIT);
	assert_int_equal(stat(w, "cpu.tlb.hits"), 1);
	assert_int_equal(stat(w, "cpu.tlb.misses"), 1);
	assert_int_equal(stat(w, "cpu.walks"), 1);

	/* TLBs are per PE. */
	assert_false(hits(w, 1, 7, va));
	assert_true(hits(w, 1, 7, va));
	/* A non-global entry is tagged with its ASID. */
	assert_false(hits(w, 0, 8, va));
	assert_true(hits(w, 0, 8, va));
	assert_int_equal(stat(w, "cpu.tlb.misses"), 3);
	assert_int_equal(stat(w, "cpu.tlb.hits"), 3);

	/* A global entry matches every ASID. */
	uint64_t gva = 0x800000;
	map(w, gva, data_page(w), RW, GLOBAL);
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
	assert_int_equal(stat(w, "cpu.faults.translation"), 1);
	/* Nothing was cached: mapping it now makes the next access work
	 * without a TLBI. */
	uint64_t pa = data_page(w);
	map(w, 0x10000, pa, RW, NG);
	a = acc(w, 0, 1, 0x10000, false);
	assert_int_equal(a.outcome, SM_XLATE_OK);
	assert_false(a.hit);
	assert_int_equal(a.pa, pa);
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

static void test_permission_cached_and_broadcast(void **state)
{
	struct world *w = *state;
	struct obs_log ol = {0};
	w->cpu.obs = (struct sm_xlate_observer){obs_fn, &ol};
	uint64_t pa = data_page(w), va = 0x7f0000001000ull;
	const uint16_t asid = 3;
	map(w, va, pa, RO, NG);

	/* PE 0 and PE 2 both cache the read-only translation. */
	assert_false(hits(w, 0, asid, va));
	assert_false(hits(w, 2, asid, va));
	uint64_t walks = stat(w, "cpu.walks");

	/* A store through the cached entry faults without a walk. */
	struct sm_cpu_access a = acc(w, 0, asid, va, true);
	assert_int_equal(a.outcome, SM_XLATE_FAULT_PERMISSION);
	assert_true(a.hit);
	assert_int_equal(stat(w, "cpu.walks"), walks);
	assert_int_equal(stat(w, "cpu.faults.permission"), 1);
	assert_int_equal(ol.n, 3);
	assert_true(ol.last.from_cache);
	assert_string_equal(ol.last.cache, "cpu0.tlb");
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
	assert_string_equal(ol.last.cache, "cpu2.tlb");
	assert_int_equal(stat(w, "cpu.walks"), walks);
	assert_int_equal(stat(w, "cpu.faults.permission"), 3);

	/* TLBI VALE1IS on PE 0 reaches PE 2. */
	sm_cpu_tlbi(&w->cpu, 0, SM_TLBI_VALE1, true,
		    sm_tlbi_operand_va(asid, va, 0), 2000);
	a = acc(w, 2, asid, va + 8, true);
	assert_int_equal(a.outcome, SM_XLATE_OK);
	assert_false(a.hit);
	assert_int_equal(a.pa, pa + 8);
	assert_int_equal(stat(w, "cpu.walks"), walks + 1);
	a = acc(w, 0, asid, va, true);
	assert_int_equal(a.outcome, SM_XLATE_OK);
	assert_int_equal(stat(w, "cpu.tlbi.issued.vale1is"), 1);
	assert_int_equal(stat(w, "cpu.tlbi.received.vale1is"), 4);
}

static void test_write_miss_on_ro_caches_entry(void **state)
{
	struct world *w = *state;
	uint64_t pa = data_page(w), va = 0x3000;
	map(w, va, pa, RO, NG);
	/* A store that walks and finds RO faults, and the translation is
	 * cached anyway: the following read hits. */
	struct sm_cpu_access a = acc(w, 1, 9, va, true);
	assert_int_equal(a.outcome, SM_XLATE_FAULT_PERMISSION);
	assert_false(a.hit);
	assert_true(hits(w, 1, 9, va));
	assert_int_equal(stat(w, "cpu.walks"), 1);
}

static void test_non_is_tlbi_local_only(void **state)
{
	struct world *w = *state;
	uint64_t va = 0x10000;
	map(w, va, data_page(w), RW, NG);
	for (unsigned pe = 0; pe < 4; pe++)
		assert_false(hits(w, pe, 1, va));

	/* Wrong ASID or wrong page: nothing removed. */
	tlbi_va(w, 1, SM_TLBI_VAE1, false, 2, va);
	tlbi_va(w, 1, SM_TLBI_VAE1, false, 1, va + 0x1000);
	assert_int_equal(stat(w, "cpu.tlb.invalidated"), 0);
	assert_true(hits(w, 1, 1, va));

	tlbi_va(w, 1, SM_TLBI_VAE1, false, 1, va);
	assert_int_equal(stat(w, "cpu.tlb.invalidated"), 1);
	assert_true(hits(w, 0, 1, va));
	assert_false(hits(w, 1, 1, va));
	assert_true(hits(w, 2, 1, va));
	assert_true(hits(w, 3, 1, va));
	assert_int_equal(stat(w, "cpu.tlbi.issued.vae1"), 3);
	assert_int_equal(stat(w, "cpu.tlbi.issued.vae1is"), 0);
	assert_int_equal(stat(w, "cpu.tlbi.received.vae1is"), 0);

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
	map(w, va_a, data_page(w), RW, NG);
	map(w, va_b, data_page(w), RW, NG);
	map(w, va_g, data_page(w), RW, GLOBAL);

	/* Fill on PE 3: ASID 5 (A, B, G) and ASID 6 (A). */
	assert_false(hits(w, 3, 5, va_a));
	assert_false(hits(w, 3, 5, va_b));
	assert_false(hits(w, 3, 5, va_g));
	assert_false(hits(w, 3, 6, va_a));
	assert_true(hits(w, 3, 6, va_g)); /* global */

	uint64_t inv = stat(w, "cpu.tlb.invalidated");
	tlbi_asid(w, 0, SM_TLBI_ASIDE1, true, 5);
	/* Exactly ASID 5's two non-global entries went. */
	assert_int_equal(stat(w, "cpu.tlb.invalidated"), inv + 2);
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
	assert_int_equal(stat(w, "cpu.tlbi.received.aside1is"), 8);
	assert_int_equal(stat(w, "cpu.tlbi.received.vae1is"), 4);
}

static void test_vmalle1_removes_all(void **state)
{
	struct world *w = *state;
	const uint64_t va_n = 0x30000000, va_g = 0x30001000;
	map(w, va_n, data_page(w), RW, NG);
	map(w, va_g, data_page(w), RO, GLOBAL);
	for (unsigned pe = 0; pe < 4; pe++) {
		assert_false(hits(w, pe, 1, va_n));
		assert_false(hits(w, pe, 2, va_n));
		assert_false(hits(w, pe, 1, va_g));
	}
	sm_cpu_tlbi(&w->cpu, 1, SM_TLBI_VMALLE1, true, 0, 0);
	assert_int_equal(stat(w, "cpu.tlb.invalidated"), 4 * 3);
	for (unsigned pe = 0; pe < 4; pe++) {
		assert_false(hits(w, pe, 1, va_n));
		assert_false(hits(w, pe, 2, va_n));
		assert_false(hits(w, pe, 7, va_g));
	}
	assert_int_equal(stat(w, "cpu.tlbi.received.vmalle1is"), 4);
}

static void test_block_entry(void **state)
{
	struct world *w = *state;
	const uint64_t blk_va = 0x40000000ull; /* 1 GiB: 2 MiB aligned */
	uint64_t blk_pa;
	assert_int_equal(sm_physmem_alloc_contig(w->pm, 512, 512, SM_PAGE_DATA,
						 &blk_pa, &w->eb),
			 0);
	assert_int_equal(blk_pa % (2 * MiB), 0);
	uint64_t desc = PMD_TYPE_SECT | PTE_USER | PTE_AF | PTE_NG | blk_pa;
	int rc = sm_pgt_set(w->pm, w->root, blk_va, 2, desc, NULL, &w->eb);
	if (rc)
		fail_msg("sm_pgt_set block: %s", w->eb.msg);

	struct sm_cpu_access a = acc(w, 0, 4, blk_va + 0x7000, false);
	assert_int_equal(a.outcome, SM_XLATE_OK);
	assert_false(a.hit);
	assert_int_equal(a.pa, blk_pa + 0x7000);
	assert_int_equal(stat(w, "cpu.walk.reads"), 3);

	/* Any 4K inside the block hits the one entry. */
	static const uint64_t offs[] = {0,	  0x1000,   0x100008,
					0x1ff000, 0x1ffff8, 0x155abc};
	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		a = acc(w, 0, 4, blk_va + offs[i], true);
		assert_int_equal(a.outcome, SM_XLATE_OK);
		assert_true(a.hit);
		assert_int_equal(a.pa, blk_pa + offs[i]);
	}
	assert_int_equal(stat(w, "cpu.walks"), 1);

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

static void test_tlb_lru_eviction(void **state)
{
	(void)state;
	/* One set of 4 ways. */
	const char *sets[] = {"cpu.count=1", "cpu.tlb.entries=4",
			      "cpu.tlb.ways=4", NULL};
	struct world *w = world_new(sets);
	uint64_t va[5];
	for (int i = 0; i < 5; i++) {
		va[i] = 0x1000000 + (uint64_t)i * 0x1000;
		map(w, va[i], data_page(w), RW, NG);
	}
	for (int i = 0; i < 4; i++)
		assert_false(hits(w, 0, 1, va[i]));
	assert_int_equal(stat(w, "cpu.tlb.evictions"), 0);
	assert_true(hits(w, 0, 1, va[0])); /* va[1] is now LRU */
	assert_false(hits(w, 0, 1, va[4]));
	assert_int_equal(stat(w, "cpu.tlb.evictions"), 1);
	assert_true(hits(w, 0, 1, va[0]));
	assert_true(hits(w, 0, 1, va[2]));
	assert_true(hits(w, 0, 1, va[3]));
	assert_true(hits(w, 0, 1, va[4]));
	assert_false(hits(w, 0, 1, va[1]));
	assert_int_equal(stat(w, "cpu.tlb.evictions"), 2);
	world_free(w);
}

/* ---- allocation: everything given back, with the sizes it was taken ---- */

struct counting {
	long long bytes, blocks;
};

static void *cnt_malloc(size_t n, void *ctx)
{
	struct counting *c = ctx;
	c->bytes += (long long)n;
	c->blocks++;
	return test_malloc(n ? n : 1);
}

static void *cnt_realloc(void *p, size_t old_n, size_t new_n, void *ctx)
{
	struct counting *c = ctx;
	void *q = test_realloc(p, new_n ? new_n : 1);
	if (q) {
		c->bytes += (long long)new_n - (long long)old_n;
		if (!p)
			c->blocks++;
	}
	return q;
}

static void cnt_free(void *p, size_t n, void *ctx)
{
	struct counting *c = ctx;
	c->bytes -= (long long)n;
	c->blocks--;
	test_free(p);
}

static void test_cpu_init_fini_accounting(void **state)
{
	(void)state;
	struct counting cnt = {0};
	struct smmusim_allocator ca = {cnt_malloc, cnt_realloc, cnt_free, &cnt};
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
	assert_true(cnt.blocks >= 5); /* the PE array and four TLBs */
	sm_cpu_fini(&cpu);
	assert_int_equal(cnt.blocks, 0);
	assert_int_equal(cnt.bytes, 0);

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
	assert_int_equal(stat(w, "cpu.dsb.ish"), 2);
	assert_int_equal(stat(w, "cpu.dsb.ishst"), 1);

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
	assert_int_equal(stat(w, "cpu.tlbi.received.vae1is"), 8);
	assert_int_equal(stat(w, "cpu.tlbi.received.aside1is"), 4);
	assert_int_equal(stat(w, "cpu.tlbi.issued.vae1is"), 2);
	assert_int_equal(stat(w, "cpu.bystander_cycles"), 3 * 3 * LAT_APPLY);
}

static void test_dsb_after_local_tlbi(void **state)
{
	struct world *w = *state;
	uint64_t t1 = sm_cpu_tlbi(&w->cpu, 1, SM_TLBI_VAE1, false,
				  sm_tlbi_operand_va(1, 0x1000, 0), 100);
	assert_int_equal(t1, 100 + LAT_TLBI);
	/* Local apply (20) is below the DSB base (30). */
	assert_int_equal(sm_cpu_dsb_ish(&w->cpu, 1, t1), t1 + LAT_DSB);
	assert_int_equal(stat(w, "cpu.tlbi.received.vae1is"), 0);
}

/* DSB completion after `k` back-to-back IS TLBIs on PE 0 with `n` PEs. */
static uint64_t dsb_after(unsigned n, unsigned k, uint64_t *received)
{
	struct world *w = world_n(n);
	uint64_t t = 0;
	for (unsigned i = 0; i < k; i++)
		t = sm_cpu_tlbi(&w->cpu, 0, SM_TLBI_VALE1, true,
				sm_tlbi_operand_va(1, 0x1000ull * i, 0), t);
	uint64_t d = sm_cpu_dsb_ish(&w->cpu, 0, t);
	*received = stat(w, "cpu.tlbi.received.vale1is");
	world_free(w);
	return d;
}

static void test_dsb_monotonic(void **state)
{
	(void)state;
	uint64_t rx;

	/* More TLBIs in a row: receivers fall behind, the DSB is later. */
	uint64_t prev = 0;
	for (unsigned k = 1; k <= 16; k++) {
		uint64_t d = dsb_after(4, k, &rx);
		assert_true(d > prev);
		/* TLBIs arrive every LAT_TLBI but take LAT_APPLY each. */
		assert_int_equal(d, LAT_DVM + (uint64_t)k * LAT_APPLY);
		assert_int_equal(rx, 4ull * k);
		prev = d;
	}

	/* More PEs: never earlier, and a single PE needs no DVM trip. */
	static const unsigned pes[] = {1, 2, 3, 4, 8, 32, 256};
	prev = 0;
	for (size_t i = 0; i < sizeof(pes) / sizeof(pes[0]); i++) {
		uint64_t d = dsb_after(pes[i], 4, &rx);
		assert_true(d >= prev);
		assert_int_equal(rx, 4ull * pes[i]);
		if (pes[i] == 1)
			assert_true(d < LAT_DVM);
		else
			assert_true(d >= 3 * LAT_TLBI + LAT_DVM + LAT_APPLY);
		prev = d;
	}
	assert_true(dsb_after(1, 4, &rx) < dsb_after(2, 4, &rx));
}

static void test_bystander_delays_other_issuer(void **state)
{
	struct world *w = *state;
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
	assert_int_equal(stat(w, "cpu.bystander_cycles"), 9 * 3 * LAT_APPLY);
}

/* ---- the translation cache directly ---- */

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

static void count_fn(void *ctx, const struct sm_tc_entry *e)
{
	(void)e;
	(*(unsigned *)ctx)++;
}

static unsigned count_valid(const struct sm_tcache *tc)
{
	unsigned n = 0;
	sm_tc_for_each(tc, count_fn, &n);
	return n;
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
	assert_int_equal(count_valid(&tc), 4);
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
	assert_int_equal(count_valid(&tc), 2);
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
	assert_int_equal(count_valid(&tc), 4);
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
	assert_int_equal(count_valid(&tc), 5);
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
	assert_int_equal(count_valid(&tc), 0);
	sm_tc_fini(&tc);
}

#define W4(fn) cmocka_unit_test_setup_teardown(fn, setup4, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_operand_roundtrip),
	    cmocka_unit_test(test_operand_edges),
	    cmocka_unit_test(test_tlbi_names),
	    W4(test_miss_then_hit),
	    W4(test_unmapped_faults_not_cached),
	    W4(test_permission_cached_and_broadcast),
	    W4(test_write_miss_on_ro_caches_entry),
	    W4(test_non_is_tlbi_local_only),
	    W4(test_aside1_and_global),
	    W4(test_vmalle1_removes_all),
	    W4(test_block_entry),
	    cmocka_unit_test(test_tlb_lru_eviction),
	    cmocka_unit_test(test_cpu_init_fini_accounting),
	    W4(test_dsb_nothing_outstanding),
	    W4(test_dsb_waits_for_broadcast),
	    W4(test_dsb_after_local_tlbi),
	    cmocka_unit_test(test_dsb_monotonic),
	    W4(test_bystander_delays_other_issuer),
	    cmocka_unit_test(test_tc_init_errors),
	    cmocka_unit_test(test_tc_lru_within_set),
	    cmocka_unit_test(test_tc_refill_replaces),
	    cmocka_unit_test(test_tc_tags),
	    cmocka_unit_test(test_tc_block_sizes),
	    cmocka_unit_test(test_tc_inv_if),
	};
	return cmocka_run_group_tests_name("cpu", tests, NULL, NULL);
}
