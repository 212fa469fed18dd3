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
 * uint32_t (known misses). */
#define RUN_CHUNK 32
_Static_assert(RUN_CHUNK == 32, "a chunk's known misses are a uint32_t");

/* 64 KiB regions (the presence filter's region counts) a chunk's pages
 * span at most: RUN_CHUNK pages in 16-page regions. */
#define REGION_PAGES (1ull << (SM_TC_REGION_SHIFT - 12))
#define RUN_REGIONS (RUN_CHUNK / REGION_PAGES + 2)

/* What is the same for every TLBI of a run. */
struct run {
	struct sm_tlbi tmpl[2]; /* the TLBI of the first page, and (KPTI,
				 * per 2) its user-ASID copy */
	struct sm_tc_filter_probe pr[2]; /* each one's, of the issuer's
					  * filter geometry (va 0) */
	unsigned per, lvsel;
	bool probed, ll;
};

/* One chunk: its TLBIs c[0..m) are copies first..first+m-1 of the run. */
struct chunk {
	unsigned m;
	uint32_t all;	    /* a bit per TLBI of the chunk */
	bool logged;	    /* each has a log record (rec, row) */
	uint64_t now;	    /* issue cycle of c[0]; each is lat_tlbi later */
	uint64_t seq;	    /* log sequence number of c[0]'s record */
	uint64_t skip;	    /* PEs that skip every copy (logged) */
	uint32_t known_own; /* the issuer's known misses */
	unsigned nreg;	    /* 64 KiB regions of its pages */
	uint64_t reg_va[RUN_REGIONS];
	uint32_t reg_in[RUN_REGIONS];	    /* the TLBIs in each */
	uint64_t arrive[RUN_CHUNK];	    /* arrival at the other PEs */
	const struct sm_tlbi *t[RUN_CHUNK]; /* its log record's, else own */
	struct sm_dvm_log_rec *rec[RUN_CHUNK];
	uint64_t *row[RUN_CHUNK];
	struct sm_tc_filter_probe pr[RUN_CHUNK];
	struct sm_tlbi own[RUN_CHUNK];
};

static inline uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* The template of the chunk's TLBI k (per is 1 or 2; a chunk starts at an
 * even copy) and the VA of copy `first + k`. */
static inline unsigned tmpl_of(const struct run *run, unsigned k)
{
	return run->per == 2 ? k & 1 : 0;
}
static inline uint64_t va_of(const struct run *run, uint64_t copy)
{
	return run->tmpl[0].va + ((run->per == 2 ? copy >> 1 : copy) << 12);
}

/* The 64 KiB regions of the chunk's pages, with the TLBIs in each. */
static void chunk_regions(const struct run *run, struct chunk *c,
			  uint64_t first)
{
	unsigned per = run->per, m = c->m;
	c->nreg = 0;
	for (unsigned k0 = 0, k1; k0 < m; k0 = k1) {
		/* c[k0]'s region: `per` copies for each page left in it. */
		uint64_t va = va_of(run, first + k0);
		uint64_t left =
		    REGION_PAGES - ((va >> 12) & (REGION_PAGES - 1));
		k1 = m - k0 <= left * per ? m : k0 + (unsigned)(left * per);
		c->reg_va[c->nreg] = va;
		c->reg_in[c->nreg++] =
		    (k1 - k0 == 32 ? ~0u : (1u << (k1 - k0)) - 1) << k0;
	}
}

/* The TLBIs of the chunk (bit k: c[k]) that PE rx can be found to miss at
 * once, without a probe each: those in a 64 KiB region where its leaf TLBs
 * hold no entry with their template's tags (sm_tc_filter_range_empty), when
 * nothing is to be done in its walk cache either.  With KPTI the kernel
 * ASID's copies (even k: a chunk starts at an even copy) usually all miss
 * while the user ASID's need their probes. */
static uint32_t known_misses(const struct sm_pe *rx, const struct run *run,
			     const struct chunk *c)
{
	const struct sm_tlbi *tmpl = run->tmpl;
	unsigned per = run->per;
	if (!run->ll && rx->walk.live)
		return 0;
	uint32_t known = 0;
	for (unsigned r = 0; r < c->nreg; r++)
		for (unsigned u = 0; u < per; u++)
			if (sm_tc_filter_range_empty(
				&rx->leaf, c->reg_va[r], c->reg_va[r] + 1,
				run->lvsel, tmpl[u].vmid, tmpl[u].asid))
				known |= c->reg_in[r] & (per == 1 ? ~0u
							 : u	  ? 0xaaaaaaaau
							     : 0x55555555u);
	return known;
}

/* Pass 1: the interconnect slot of each TLBI, in issue order (the queue
 * cycles of each a sample of the histogram); then its page, its log
 * record, marked by the PEs in c->skip, and the external receivers' copies
 * (an SMMU with BTM: its own state only, so after the slots). */
static void take_slots(struct sm_cpu *cpu, struct sm_pe *issuer,
		       const struct run *run, uint64_t first, struct chunk *c,
		       uint64_t *now)
{
	unsigned m = c->m;
	uint64_t t = *now, busy = cpu->dvm_busy_until, queued = 0;
	uint64_t q[RUN_CHUNK];
	c->now = t;
	for (unsigned k = 0; k < m; k++) {
		uint64_t slot = max_u64(t, busy);
		q[k] = slot - t;
		queued += q[k];
		busy = slot + cpu->dvm_occ;
		c->arrive[k] = slot + cpu->lat_dvm;
		t += cpu->lat_tlbi;
	}
	cpu->dvm_busy_until = busy;
	*now = t;
	sm_hist_record_many(cpu->hist[SM_HIST_CPU_DVM_QUEUE_CYCLES], q, m);
	SM_ADD(cpu->ctr, CPU_DVM_BROADCASTS, m);
	SM_ADD(cpu->ctr, CPU_DVM_QUEUE_CYCLES, queued);

	struct sm_dvm_log *l = &cpu->skipped;
	c->seq = l->tail;
	for (unsigned k = 0; k < m; k++) {
		unsigned u = tmpl_of(run, k);
		uint64_t va = va_of(run, first + k);
		sm_tc_filter_probe_move(&c->pr[k], va);
		if (c->logged) {
			struct sm_dvm_log_rec *r = sm_cpu_skip_record_in_room(
			    cpu, &run->tmpl[u], &c->row[k]);
			r->t.va = va;
			r->pes = c->skip;
			c->rec[k] = r;
			c->t[k] = &r->t;
		} else {
			c->own[k] = run->tmpl[u];
			c->own[k].va = va;
			c->t[k] = &c->own[k];
		}
	}
	for (unsigned k = 0; k < m && cpu->n_ext; k++)
		for (unsigned i = 0; i < cpu->n_ext; i++)
			issuer->pending_done =
			    max_u64(issuer->pending_done,
				    cpu->ext[i].apply(cpu->ext[i].ctx, c->t[k],
						      c->arrive[k]));
}

/* Pass 2 for a receiver i that skips every copy of the chunk (c->skip,
 * its bit already in each record): the cycle of each. */
static uint64_t skip_chunk(struct sm_cpu *cpu, unsigned i, struct chunk *c)
{
	struct sm_pe *rx = &cpu->pe[i];
	uint64_t busy =
	    max_u64(c->arrive[0], rx->rx_busy_until) + cpu->lat_apply;
	c->row[0][i] = busy;
	if (!rx->skip_any) {
		rx->skip_any = true;
		rx->skip_seq = c->seq;
		rx->skip_next = busy;
	}
	for (unsigned k = 1; k < c->m; k++) {
		busy = max_u64(c->arrive[k], busy) + cpu->lat_apply;
		c->row[k][i] = busy;
	}
	rx->skip_last = busy;
	rx->rx_busy_until = busy;
	*rx->st_bystander += c->m * cpu->lat_apply;
	return busy; /* the latest: each copy ends after the one before */
}

/* Pass 2 for the issuer: its own copy of each TLBI, applied once the one
 * before it is, from the TLBI's issue; one that misses (known to, else
 * found so by its probe, sm_cpu_tlbi_misses_probe: walk.live read each
 * time, an applied copy may empty the walk cache) changes nothing. */
static uint64_t own_copies(struct sm_cpu *cpu, unsigned pe,
			   const struct run *run, struct chunk *c)
{
	struct sm_pe *p = &cpu->pe[pe];
	uint64_t busy = p->rx_busy_until, t = c->now;
	for (unsigned k = 0; k < c->m; k++, t += cpu->lat_tlbi)
		busy = max_u64(t, busy) + cpu->lat_apply;
	p->rx_busy_until = busy;
	for (uint32_t todo = c->all & ~c->known_own; todo; todo &= todo - 1) {
		unsigned k = (unsigned)__builtin_ctz(todo);
		if (!(run->probed &&
		      sm_cpu_tlbi_misses_probe(p, run->ll, &c->pr[k])))
			SM_ADD(cpu->ctr, CPU_TLB_INVALIDATED,
			       sm_cpu_apply_tlbi(cpu, p, c->t[k]));
	}
	return busy; /* the latest: each copy ends after the one before */
}

/* Pass 2 for receiver i: its copy of each TLBI of the chunk, in order:
 * skipped when it misses (known to, else found so by its probe) and is
 * logged, else queued (or applied now when it does nothing or the ring
 * cannot grow). */
static uint64_t rx_copies(struct sm_cpu *cpu, unsigned i, const struct run *run,
			  struct chunk *c, uint32_t known)
{
	struct sm_pe *rx = &cpu->pe[i];
	uint64_t busy = rx->rx_busy_until, bit = 1ull << i;
	uint64_t last = 0;
	bool logged = c->logged, any = rx->skip_any, skipped = false;
	for (unsigned k = 0; k < c->m; k++) {
		busy = max_u64(c->arrive[k], busy) + cpu->lat_apply;
		if (logged &&
		    (((known >> k) & 1) ||
		     sm_cpu_tlbi_misses_probe(rx, run->ll, &c->pr[k]))) {
			c->rec[k]->pes |= bit;
			c->row[k][i] = busy;
			if (!any) {
				any = true;
				rx->skip_seq = c->seq + k;
				rx->skip_next = busy;
			}
			skipped = true;
			last = busy;
		} else if (c->t[k]->no_effect ||
			   !sm_dvm_ring_push(cpu->alloc, &rx->rx, c->t[k],
					     busy)) {
			SM_ADD(cpu->ctr, CPU_TLB_INVALIDATED,
			       sm_cpu_apply_tlbi(cpu, rx, c->t[k]));
		}
	}
	rx->skip_any = any;
	if (skipped)
		rx->skip_last = last;
	rx->rx_busy_until = busy;
	*rx->st_bystander += c->m * cpu->lat_apply;
	return busy;
}

/* Before pass 1: the chunk's regions, whether its TLBIs are logged, and
 * which copies each PE can be found to miss at once, known[i] (what the
 * PEs' caches hold does not change in pass 1, and a PE's copies change
 * only its own): the issuer's always, the others' when logged. */
static void chunk_begin(struct sm_cpu *cpu, unsigned pe, const struct run *run,
			struct chunk *c, uint64_t first, uint32_t *known)
{
	c->all = c->m == 32 ? ~0u : (1u << c->m) - 1;
	c->logged = run->probed && sm_cpu_skip_reserve(cpu, c->m);
	c->skip = 0;
	c->known_own = 0;
	if (!run->probed)
		return;
	chunk_regions(run, c, first);
	c->known_own = known_misses(&cpu->pe[pe], run, c);
	for (unsigned i = 0; c->logged && i < cpu->n; i++) {
		known[i] = i == pe ? 0 : known_misses(&cpu->pe[i], run, c);
		if (i != pe && (known[i] & c->all) == c->all)
			c->skip |= 1ull << i;
	}
}

uint64_t sm_cpu_tlbi_pages(struct sm_cpu *cpu, unsigned pe, enum sm_tlbi_op op,
			   uint64_t operand, uint64_t pages, uint64_t user_flag,
			   uint64_t now)
{
	struct chunk c;
	uint32_t known[SM_DVM_LOG_MAX_PES]; /* by PE, while logged */
	struct run run = {.per = user_flag ? 2 : 1};
	for (unsigned u = 0; u < run.per; u++)
		sm_cpu_decode_tlbi(cpu, op, true, operand | (u ? user_flag : 0),
				   &run.tmpl[u]);
	run.probed = sm_cpu_tlbi_probed(&run.tmpl[0]);
	run.ll = sm_tlbi_last_level(op);
	run.lvsel = run.tmpl[0].level ? 1u << run.tmpl[0].level : 0xeu;
	struct sm_pe *issuer = &cpu->pe[pe];
	uint64_t total = pages * run.per;
	/* Each TLBI's probe, for the issuer's filter geometry: a copy's
	 * differs from its template's only in its page (host time). */
	for (unsigned u = 0; u < run.per; u++)
		sm_tc_filter_probe_init(&run.pr[u], &issuer->leaf, 0,
					run.tmpl[u].level, run.tmpl[u].vmid,
					run.tmpl[u].asid);
	for (unsigned k = 0; k < RUN_CHUNK && k < total; k++)
		c.pr[k] = run.pr[tmpl_of(&run, k)];
	cpu->rx_any = true; /* copies may be queued or skipped */
	*cpu->st_issued[op][1] += total;
	*cpu->st_received[op][1] += total * cpu->n;
	SM_ADD(cpu->ctr, CPU_BYSTANDER_CYCLES,
	       total * (cpu->n - 1) * cpu->lat_apply);
	for (uint64_t first = 0; first < total; first += RUN_CHUNK) {
		c.m = (unsigned)(total - first < RUN_CHUNK ? total - first
							   : RUN_CHUNK);
		chunk_begin(cpu, pe, &run, &c, first, known);
		take_slots(cpu, issuer, &run, first, &c, &now);
		uint64_t latest = issuer->pending_done;
		for (unsigned i = 0; i < cpu->n; i++) {
			uint64_t done;
			if (i == pe)
				done = own_copies(cpu, pe, &run, &c);
			else if (!c.logged)
				done = rx_copies(cpu, i, &run, &c, 0);
			else if (c.skip >> i & 1)
				done = skip_chunk(cpu, i, &c);
			else
				done = rx_copies(cpu, i, &run, &c, known[i]);
			latest = max_u64(latest, done);
		}
		issuer->pending_done = latest;
	}
	return now;
}
