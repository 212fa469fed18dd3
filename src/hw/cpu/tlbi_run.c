/* SPDX-License-Identifier: MIT */
/*
 * A run of broadcast single-page TLBIs from one PE: the loop of
 * __flush_tlb_range_op without FEAT_TLBIRANGE (arch/arm64/include/asm/
 * tlbflush.h), one TLBI VA(L)E1IS per page, with KPTI each followed by its
 * __tlbi_user copy.  The model is sm_cpu_tlbi's (cpu.c): each TLBI takes
 * its DVM slot in turn and is applied at each receiver when that receiver
 * has applied the ones before it.  Nothing here changes what is simulated.
 *
 * Host time only.  The kernel model hands the whole run over when no step
 * between two of its TLBIs could let anything else run first (kernel/
 * sched.h, sm_kt_runs_ahead): then the result is that of calling
 * sm_cpu_tlbi for each in turn, and it is computed in chunks, each in two
 * passes.  The first takes every TLBI's interconnect slot, in order, and
 * makes its log record (dvm.h: a record no PE marks is never looked at
 * again, it only costs a slot); the second visits one PE at a time and
 * applies, queues or skips that PE's copies of the chunk in order.  The
 * order across PEs does not matter: a PE's copy changes only that PE's
 * caches, ring and skip state, and the log record of its TLBI (its own
 * bit and cycle).  What a broadcast does per PE (a slot of the chunk, the
 * PE's state) stays in the host's cache for the chunk instead of being
 * fetched again for every TLBI.  A PE whose leaf TLBs hold nothing of a
 * copy's ASID in its 64 KiB region (the presence filter's region counts,
 * hw/mem/tcache.h) skips it without a probe: all of a chunk at once when
 * that holds for each of its copies.
 */
#include "hw/cpu/cpu.h"

/* TLBIs per chunk: their state lives on the (kernel thread's) stack.  Even
 * (with KPTI a chunk starts at a kernel-ASID copy), and a bit per TLBI in a
 * uint32_t (known_misses). */
#define RUN_CHUNK 32
_Static_assert(RUN_CHUNK == 32, "known_misses keeps a bit per TLBI");

/* What is the same for every TLBI of a run. */
struct run {
	struct sm_tlbi tmpl[2]; /* the TLBI of the first page, and (KPTI,
				 * per 2) its user-ASID copy */
	struct sm_tc_filter_probe pr[2]; /* each one's, of the issuer's
					  * filter geometry (va 0) */
	unsigned per;
	bool probed, ll;
};

struct run_tlbi {
	const struct sm_tlbi *t; /* its log record's, else `own` */
	struct sm_tlbi own;
	uint64_t now, arrive; /* issue cycle; arrival at the other PEs */
	struct sm_tc_filter_probe pr;
	struct sm_dvm_log_rec *rec; /* NULL: copies that miss are queued */
	uint64_t *row, seq;
};

static inline uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* Pass 1: the interconnect slot, in issue order; the log record. */
static void take_slots(struct sm_cpu *cpu, struct sm_pe *issuer,
		       const struct run *run, uint64_t first,
		       struct run_tlbi *c, unsigned m, uint64_t *now)
{
	bool logged = run->probed && sm_cpu_skip_reserve(cpu, m);
	uint64_t queued = 0;
	for (unsigned k = 0; k < m; k++) {
		struct run_tlbi *r = &c[k];
		uint64_t slot = max_u64(*now, cpu->dvm_busy_until);
		queued += slot - *now;
		SM_HIST_REC(cpu->hist, CPU_DVM_QUEUE_CYCLES, slot - *now);
		cpu->dvm_busy_until = slot + cpu->dvm_occ;
		r->now = *now;
		r->arrive = slot + cpu->lat_dvm;
		/* Its template (per is 1 or 2; first is even) and page. */
		unsigned u = run->per == 2 ? k & 1 : 0;
		uint64_t va =
		    run->tmpl[u].va +
		    ((run->per == 2 ? (first + k) >> 1 : first + k) << 12);
		r->seq = cpu->skipped.tail;
		if (logged) {
			r->rec = sm_cpu_skip_record_in_room(cpu, &run->tmpl[u],
							    &r->row);
			r->rec->t.va = va;
			r->t = &r->rec->t;
		} else {
			r->rec = NULL;
			r->own = run->tmpl[u];
			r->own.va = va;
			r->t = &r->own;
		}
		r->pr = run->pr[u];
		r->pr.va = va;
		for (unsigned i = 0; i < cpu->n_ext; i++)
			issuer->pending_done =
			    max_u64(issuer->pending_done,
				    cpu->ext[i].apply(cpu->ext[i].ctx, r->t,
						      r->arrive));
		*now += cpu->lat_tlbi;
	}
	SM_ADD(cpu->ctr, CPU_DVM_BROADCASTS, m);
	SM_ADD(cpu->ctr, CPU_DVM_QUEUE_CYCLES, queued);
}

/* The copies of the chunk (bit k: c[k]) that PE rx can be found to miss at
 * once, without a probe each: those in a 64 KiB region where its leaf TLBs
 * hold no entry with their template's tags (sm_tc_filter_range_empty), when
 * nothing is to be done in its walk cache either.  With KPTI the kernel
 * ASID's copies (even k: a chunk starts at an even copy) usually all miss
 * while the user ASID's need their probes. */
#define REGION_PAGES (1ull << (SM_TC_REGION_SHIFT - 12))

static uint32_t known_misses(const struct sm_pe *rx, const struct run *run,
			     const struct run_tlbi *c, unsigned m)
{
	const struct sm_tlbi *tmpl = run->tmpl;
	unsigned per = run->per;
	if (!run->ll && rx->walk.live)
		return 0;
	unsigned lvsel = tmpl[0].level ? 1u << tmpl[0].level : 0xeu;
	uint32_t known = 0;
	for (unsigned k0 = 0, k1; k0 < m; k0 = k1) {
		/* c[k0]'s region: `per` copies for each page left in it. */
		uint64_t left =
		    REGION_PAGES - ((c[k0].t->va >> 12) & (REGION_PAGES - 1));
		k1 = m - k0 <= left * per ? m : k0 + (unsigned)(left * per);
		uint32_t in = (k1 - k0 == 32 ? ~0u : (1u << (k1 - k0)) - 1)
			      << k0;
		for (unsigned u = 0; u < per; u++)
			if (sm_tc_filter_range_empty(
				&rx->leaf, c[k0].t->va, c[k0].t->va + 1, lvsel,
				tmpl[u].vmid, tmpl[u].asid))
				known |= in & (per == 1 ? ~0u
					       : u	? 0xaaaaaaaau
							: 0x55555555u);
	}
	return known;
}

/* Pass 2 for a receiver i whose copies of the chunk all miss and are all
 * logged: what rx_copies does for each, marking it skipped, with the PE's
 * skip state set once. */
static uint64_t skip_chunk(struct sm_cpu *cpu, unsigned i, struct run_tlbi *c,
			   unsigned m)
{
	struct sm_pe *rx = &cpu->pe[i];
	uint64_t busy = rx->rx_busy_until, bit = 1ull << i;
	for (unsigned k = 0; k < m; k++) {
		busy = max_u64(c[k].arrive, busy) + cpu->lat_apply;
		c[k].rec->pes |= bit;
		c[k].row[i] = busy;
		if (!k && !rx->skip_any) {
			rx->skip_any = true;
			rx->skip_seq = c[0].seq;
			rx->skip_next = busy;
		}
	}
	rx->skip_last = busy;
	rx->rx_busy_until = busy;
	*rx->st_bystander += m * cpu->lat_apply;
	return busy; /* the latest: each copy ends after the one before */
}

/* Does PE p's copy c[k] miss: known to (bit k of `known`), else found so by
 * its probe (sm_cpu_tlbi_misses_probe; walk.live read each time, an applied
 * copy may empty the walk cache). */
static inline __attribute__((always_inline)) bool
copy_misses(const struct sm_pe *p, const struct run *run, struct run_tlbi *c,
	    unsigned k, uint32_t known)
{
	return ((known >> k) & 1) ||
	       (run->probed && sm_cpu_tlbi_misses_probe(p, run->ll, &c[k].pr));
}

/* Pass 2 for the issuer: its own copy of each TLBI, applied once the one
 * before it is, from the TLBI's issue. */
static uint64_t own_copies(struct sm_cpu *cpu, unsigned pe,
			   const struct run *run, struct run_tlbi *c,
			   unsigned m, uint32_t known)
{
	struct sm_pe *p = &cpu->pe[pe];
	uint64_t busy = p->rx_busy_until;
	for (unsigned k = 0; k < m; k++) {
		busy = max_u64(c[k].now, busy) + cpu->lat_apply;
		if (!copy_misses(p, run, c, k, known))
			SM_ADD(cpu->ctr, CPU_TLB_INVALIDATED,
			       sm_cpu_apply_tlbi(cpu, p, c[k].t));
	}
	p->rx_busy_until = busy;
	return busy; /* the latest: each copy ends after the one before */
}

/* Pass 2 for receiver i: its copy of each TLBI of the chunk, in order:
 * skipped when it misses and is logged, else queued (or applied now when
 * it does nothing or the ring cannot grow). */
static uint64_t rx_copies(struct sm_cpu *cpu, unsigned i, const struct run *run,
			  struct run_tlbi *c, unsigned m, uint32_t known)
{
	struct sm_pe *rx = &cpu->pe[i];
	uint64_t busy = rx->rx_busy_until;
	bool logged = c[0].rec != NULL; /* all of the chunk's or none */
	for (unsigned k = 0; k < m; k++) {
		struct run_tlbi *r = &c[k];
		busy = max_u64(r->arrive, busy) + cpu->lat_apply;
		if (logged && copy_misses(rx, run, c, k, known)) {
			sm_cpu_rx_mark_skipped(cpu, i, r->rec, r->row, r->seq,
					       busy);
		} else if (r->t->no_effect ||
			   !sm_dvm_ring_push(cpu->alloc, &rx->rx, r->t, busy)) {
			SM_ADD(cpu->ctr, CPU_TLB_INVALIDATED,
			       sm_cpu_apply_tlbi(cpu, rx, r->t));
		}
	}
	rx->rx_busy_until = busy;
	*rx->st_bystander += m * cpu->lat_apply;
	return busy;
}

/* Pass 2 for PE i: its copies of the chunk. */
static uint64_t copies_at(struct sm_cpu *cpu, unsigned pe, unsigned i,
			  const struct run *run, struct run_tlbi *c, unsigned m)
{
	uint32_t known = run->probed ? known_misses(&cpu->pe[i], run, c, m) : 0;
	if (i == pe)
		return own_copies(cpu, pe, run, c, m, known);
	uint32_t all = m == 32 ? ~0u : (1u << m) - 1;
	if ((known & all) == all && c[0].rec)
		return skip_chunk(cpu, i, c, m);
	return rx_copies(cpu, i, run, c, m, known);
}

uint64_t sm_cpu_tlbi_pages(struct sm_cpu *cpu, unsigned pe, enum sm_tlbi_op op,
			   uint64_t operand, uint64_t pages, uint64_t user_flag,
			   uint64_t now)
{
	struct run_tlbi c[RUN_CHUNK];
	struct run run = {.per = user_flag ? 2 : 1};
	for (unsigned u = 0; u < run.per; u++)
		sm_cpu_decode_tlbi(cpu, op, true, operand | (u ? user_flag : 0),
				   &run.tmpl[u]);
	run.probed = sm_cpu_tlbi_probed(&run.tmpl[0]);
	run.ll = sm_tlbi_last_level(op);
	struct sm_pe *issuer = &cpu->pe[pe];
	/* Each template's probe for the issuer's filter geometry: a copy's
	 * differs only in its page (host time). */
	for (unsigned u = 0; u < run.per; u++)
		sm_tc_filter_probe_init(&run.pr[u], &issuer->leaf, 0,
					run.tmpl[u].level, run.tmpl[u].vmid,
					run.tmpl[u].asid);
	uint64_t total = pages * run.per;
	cpu->rx_any = true; /* copies may be queued or skipped */
	*cpu->st_issued[op][1] += total;
	*cpu->st_received[op][1] += total * cpu->n;
	SM_ADD(cpu->ctr, CPU_BYSTANDER_CYCLES,
	       total * (cpu->n - 1) * cpu->lat_apply);
	for (uint64_t first = 0; first < total; first += RUN_CHUNK) {
		unsigned m =
		    (unsigned)(total - first < RUN_CHUNK ? total - first
							 : RUN_CHUNK);
		take_slots(cpu, issuer, &run, first, c, m, &now);
		uint64_t latest = issuer->pending_done;
		for (unsigned i = 0; i < cpu->n; i++)
			latest =
			    max_u64(latest, copies_at(cpu, pe, i, &run, c, m));
		issuer->pending_done = latest;
	}
	return now;
}
