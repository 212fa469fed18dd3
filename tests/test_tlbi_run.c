/* SPDX-License-Identifier: MIT */
/* sm_cpu_tlbi_pages (src/hw/cpu/tlbi_run.c) against its definition: a run
 * of broadcast single-page TLBIs must leave everything exactly as calling
 * sm_cpu_tlbi for each in turn does.  Two identical worlds get the same
 * random history (page tables, accesses on every PE filling their TLBs,
 * earlier broadcasts still pending or skipped), then one takes the run in
 * one call and the other TLBI by TLBI; then both see the same accesses
 * around the TLBIs' apply cycles (a skipped copy must still remove what a
 * PE fills before it applies it) and are settled.  Compared: the issuer's
 * time, every counter and histogram, each PE's timing state, what every PE
 * holds, and what an extra DVM receiver (an SMMU with BTM) was given.
 * Over PE counts 1-6, KPTI's user copies, FEAT_TTL, each VA form and
 * runs of 1-300 pages, with and without a walk cache in use. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <smmusim/config.h>
#include <smmusim/error.h>

#include "helpers.h"

#include "arch/tlbi.h"
#include "base/alloc.h"
#include "base/errbuf.h"
#include "base/rng.h"
#include "engine/stats.h"
#include "hw/cpu/cpu.h"
#include "hw/mem/pgtable.h"
#include "hw/mem/physmem.h"

#define ALLOC sm_default_allocator()
#define RAM_BASE 0x40000000ull
#define VA0 0x10000000ull
#define NPAGES 512

/* What an extra receiver was given, in order. */
struct ext_log {
	uint64_t n, hash;
};

static uint64_t ext_apply(void *ctx, const struct sm_tlbi *t, uint64_t at)
{
	struct ext_log *l = ctx;
	l->n++;
	l->hash = (l->hash ^ t->va ^ ((uint64_t)t->asid << 48) ^ at) *
		  0x100000001b3ull;
	return at + 7;
}

struct world {
	smmusim_config_t *cfg;
	struct sm_stats *st;
	struct sm_physmem *pm;
	struct sm_cpu cpu;
	struct sm_errbuf eb;
	struct sm_rng rng;
	uint64_t root;
	struct ext_log ext;
};

static struct world *world_new(unsigned npe, bool ttl, bool ext, bool slow,
			       bool all_ng)
{
	struct world *w = test_calloc(1, sizeof(*w));
	char buf[32];
	assert_non_null(w);
	assert_int_equal(smmusim_config_new(&w->cfg, NULL), 0);
	snprintf(buf, sizeof(buf), "%u", npe);
	assert_int_equal(smmusim_config_set(w->cfg, "cpu.count", buf), 0);
	assert_int_equal(
	    smmusim_config_set(w->cfg, "cpu.feat_ttl", ttl ? "on" : "off"), 0);
	/* TLBIs issued further apart than the interconnect's occupancy:
	 * queues drain between them (tlbi_run.c's slots, both cases). */
	if (slow)
		assert_int_equal(
		    smmusim_config_set(w->cfg, "cpu.lat.tlbi", "50"), 0);
	/* Small TLBs: the history evicts, and the filter sees collisions. */
	assert_int_equal(smmusim_config_set(w->cfg, "cpu.tlb.entries", "64"),
			 0);
	assert_int_equal(smmusim_config_set(w->cfg, "cpu.tlb.ways", "4"), 0);
	assert_int_equal(sm_stats_new(&w->st, ALLOC), 0);
	assert_int_equal(
	    sm_physmem_new(&w->pm, ALLOC, RAM_BASE, 64ull << 20, &w->eb), 0);
	assert_int_equal(sm_pgt_new_root(w->pm, &w->root, &w->eb), 0);
	sm_rng_seed(&w->rng, 1);
	assert_int_equal(
	    sm_cpu_init(&w->cpu, ALLOC, w->cfg, w->pm, w->st, &w->rng, &w->eb),
	    0);
	if (ext) {
		struct sm_dvm_receiver r = {ext_apply, &w->ext};
		assert_int_equal(sm_cpu_add_receiver(&w->cpu, &r), 0);
	}
	for (uint64_t i = 0; i < NPAGES; i++) {
		uint64_t pa = page_alloc(w->pm, SM_PAGE_DATA);
		/* Some global pages, or (all_ng) none: then the
		 * receivers' copies are probed from the chunk's buckets
		 * (tlbi_run.c, misses3). */
		uint64_t d = PTE_TYPE_PAGE | PTE_USER | PTE_AF |
			     (i % 7 || all_ng ? PTE_NG : 0) | pa;
		assert_int_equal(sm_pgt_set(w->pm, w->root, VA0 + i * 4096, 3,
					    d, NULL, &w->eb),
				 0);
	}
	return w;
}

static void world_free(struct world *w)
{
	sm_cpu_fini(&w->cpu);
	sm_physmem_free(w->pm);
	sm_stats_free(w->st);
	smmusim_config_free(w->cfg);
	test_free(w);
}

/* One random access by a random PE at cycle t (same draws in both). */
static void access_at(struct world *w, uint64_t *x, uint64_t t)
{
	struct sm_cpu_access a;
	*x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
	unsigned pe = (unsigned)(*x % w->cpu.n);
	uint16_t asid = (uint16_t)(2 + (*x >> 8) % 3 * 2);
	uint64_t va = VA0 + ((*x >> 16) % NPAGES) * 4096;
	sm_cpu_access(&w->cpu, pe, asid, w->root, va, (*x >> 40) & 1, t, 0, &a);
}

static void same_state(struct world *a, struct world *b)
{
	size_t n = sm_stats_counter_count(a->st);
	assert_int_equal(n, sm_stats_counter_count(b->st));
	for (size_t i = 0; i < n; i++) {
		const char *na, *nb;
		uint64_t va, vb;
		sm_stats_counter_at(a->st, i, &na, &va);
		sm_stats_counter_at(b->st, i, &nb, &vb);
		assert_string_equal(na, nb);
		if (va != vb)
			fail_msg("%s: %llu (run) vs %llu (one by one)", na,
				 (unsigned long long)va,
				 (unsigned long long)vb);
	}
	for (size_t i = 0; i < sm_stats_hist_count(a->st); i++) {
		const char *na, *nb;
		struct smmusim_hist_summary ha, hb;
		sm_stats_hist_at(a->st, i, &na, &ha);
		sm_stats_hist_at(b->st, i, &nb, &hb);
		assert_string_equal(na, nb);
		assert_memory_equal(&ha, &hb, sizeof(ha));
	}
	assert_int_equal(a->cpu.dvm_busy_until, b->cpu.dvm_busy_until);
	for (unsigned i = 0; i < a->cpu.n; i++) {
		assert_int_equal(a->cpu.pe[i].rx_busy_until,
				 b->cpu.pe[i].rx_busy_until);
		assert_int_equal(a->cpu.pe[i].pending_done,
				 b->cpu.pe[i].pending_done);
	}
	for (uint16_t asid = 2; asid <= 7; asid++)
		for (uint64_t p = 0; p < NPAGES; p++)
			assert_int_equal(
			    sm_cpu_holds(&a->cpu, asid, VA0 + p * 4096,
					 VA0 + p * 4096 + 1),
			    sm_cpu_holds(&b->cpu, asid, VA0 + p * 4096,
					 VA0 + p * 4096 + 1));
	assert_int_equal(a->ext.n, b->ext.n);
	assert_int_equal(a->ext.hash, b->ext.hash);
}

/* A copy a receiver has not applied yet: queued in its ring, or skipped
 * and not resolved (dvm.h).  Whether a copy is queued or skipped is host
 * time (a run may find a miss a probe of one TLBI cannot), so the two
 * worlds are compared on the union: every pending copy with the cycle it
 * takes effect. */
struct pending {
	uint64_t va, at;
	unsigned pe, op, asid;
};
#define MAX_PENDING 4096

static int pending_cmp(const void *a, const void *b)
{
	const struct pending *x = a, *y = b;
	if (x->pe != y->pe)
		return x->pe < y->pe ? -1 : 1;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	if (x->va != y->va)
		return x->va < y->va ? -1 : 1;
	if (x->asid != y->asid)
		return x->asid < y->asid ? -1 : 1;
	return x->op < y->op ? -1 : x->op > y->op;
}

static size_t pending_copies(const struct sm_cpu *cpu, struct pending *out)
{
	const struct sm_dvm_log *l = &cpu->skipped;
	size_t n = 0;
	for (unsigned i = 0; i < cpu->n; i++) {
		const struct sm_pe *p = &cpu->pe[i];
		for (uint32_t j = 0; j < p->rx.n; j++) {
			const struct sm_dvm_pending *d =
			    &p->rx.buf[(p->rx.head + j) & (p->rx.cap - 1)];
			assert_true(n < MAX_PENDING);
			out[n++] = (struct pending){
			    d->t.va, d->at, i, (unsigned)d->t.op, d->t.asid};
		}
		for (uint64_t s = p->skip_seq; p->skip_any && s < l->tail;
		     s++) {
			uint32_t k = (uint32_t)(s & (l->cap - 1));
			const struct sm_dvm_log_rec *r = &l->r[k];
			const struct sm_dvm_log_cell *c =
			    &l->cell[(size_t)i * l->cap + k];
			for (uint64_t b = r->pes >> i & 1 ? c->skip : 0; b;
			     b &= b - 1) {
				unsigned j = (unsigned)__builtin_ctzll(b);
				struct sm_tlbi t;
				sm_dvm_log_copy(r, j, &t);
				assert_true(n < MAX_PENDING);
				out[n++] = (struct pending){
				    t.va,
				    sm_cpu_run_at(cpu, r->x, r->y, c->at0, j),
				    i, (unsigned)t.op, t.asid};
			}
		}
	}
	qsort(out, n, sizeof(*out), pending_cmp);
	return n;
}

static void same_pending(const struct world *a, const struct world *b)
{
	static struct pending pa[MAX_PENDING], pb[MAX_PENDING];
	size_t na = pending_copies(&a->cpu, pa),
	       nb = pending_copies(&b->cpu, pb);
	if (na != nb)
		fail_msg("%zu pending copies (run) vs %zu (one by one)", na,
			 nb);
	for (size_t i = 0; i < na; i++)
		if (pending_cmp(&pa[i], &pb[i]))
			fail_msg(
			    "pending copy %zu: pe %u va 0x%llx at %llu "
			    "(run) vs pe %u va 0x%llx at %llu (one by one)",
			    i, pa[i].pe, (unsigned long long)pa[i].va,
			    (unsigned long long)pa[i].at, pb[i].pe,
			    (unsigned long long)pb[i].va,
			    (unsigned long long)pb[i].at);
}

static void one_case(unsigned npe, bool ttl, bool kpti, bool ext,
		     enum sm_tlbi_op op, uint64_t pages, uint64_t seed)
{
	bool slow = seed >> 40 & 1, all_ng = seed >> 41 & 1;
	struct world *w[2] = {world_new(npe, ttl, ext, slow, all_ng),
			      world_new(npe, ttl, ext, slow, all_ng)};
	uint64_t done[2], xs[2];
	unsigned pe = (unsigned)(seed % npe);
	for (int k = 0; k < 2; k++) {
		uint64_t x = seed, t = 1000;
		/* History: accesses, and an earlier broadcast run left
		 * pending at some PEs. */
		for (int i = 0; i < 300; i++)
			access_at(w[k], &x, t += 3);
		for (uint64_t p = 0; p < 40; p += 3)
			t = sm_cpu_tlbi(
			    &w[k]->cpu, 0, SM_TLBI_VALE1, true,
			    sm_tlbi_operand_va(4, VA0 + p * 4096, 0), t);
		for (int i = 0; i < 20; i++)
			access_at(w[k], &x, t += 5);
		uint16_t asid = (uint16_t)(2 + seed % 3 * 2);
		uint64_t va = VA0 + (seed >> 8) % 200 * 4096;
		uint64_t operand =
		    sm_tlbi_operand_va(asid, va, ttl && seed % 2 ? 0x7 : 0);
		uint64_t flag = kpti ? TLBI_USER_ASID_FLAG : 0;
		if (k == 0) {
			t = sm_cpu_tlbi_pages(&w[k]->cpu, pe, op, operand,
					      pages, flag, t);
		} else {
			for (uint64_t p = 0; p < pages; p++) {
				t = sm_cpu_tlbi(&w[k]->cpu, pe, op, true,
						operand + p, t);
				if (kpti)
					t = sm_cpu_tlbi(
					    &w[k]->cpu, pe, op, true,
					    (operand + p) | flag, t);
			}
		}
		done[k] = t;
		xs[k] = x;
	}
	/* Right after the runs: the same copies pending, at the same
	 * cycles, at each receiver. */
	same_pending(w[0], w[1]);
	for (int k = 0; k < 2; k++) {
		uint64_t x = xs[k], t = done[k];
		/* Accesses while the copies are being applied, then the
		 * DSB's wait and every receiver settled. */
		for (int i = 0; i < 200; i++)
			access_at(w[k], &x, t += 37);
		t = sm_cpu_dsb_ish(&w[k]->cpu, pe, t);
		sm_cpu_rx_catch_up_all(&w[k]->cpu, UINT64_MAX);
	}
	assert_int_equal(done[0], done[1]);
	same_state(w[0], w[1]);
	world_free(w[0]);
	world_free(w[1]);
}

static void test_run_equals_one_by_one(void **state)
{
	(void)state;
	static const enum sm_tlbi_op ops[] = {SM_TLBI_VALE1, SM_TLBI_VAE1,
					      SM_TLBI_VAALE1, SM_TLBI_VAAE1};
	static const uint64_t sizes[] = {1, 2, 31, 32, 33, 300};
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	for (unsigned npe = 1; npe <= 6; npe++)
		for (unsigned o = 0; o < 4; o++)
			for (unsigned s = 0; s < 6; s++) {
				seed = seed * 6364136223846793005ull + 1;
				one_case(npe, seed >> 60 & 1, seed >> 61 & 1,
					 seed >> 62 & 1, ops[o], sizes[s],
					 seed >> 8);
			}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_run_equals_one_by_one),
	};
	return cmocka_run_group_tests_name("tlbi_run", tests, NULL, NULL);
}
