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
 * sm_cpu_tlbi for each in turn, and it is computed in chunks of 32 TLBIs.
 * First, what each PE can be found to miss at once: a PE whose leaf TLBs
 * hold nothing of a template's ASID in a 64 KiB region (the presence
 * filter's region counts, hw/mem/tcache.h) misses all its copies there
 * without a probe.  Pass 1 takes the TLBIs' interconnect slots, in closed
 * form (slot k is the later of slot 0 + k occupancies and its issue; the
 * queue cycles form an arithmetic sequence: one histogram update per
 * bucket), computes each page's level-3 filter bucket once for all PEs,
 * and makes each TLBI's log record (dvm.h: a record no PE marks is never
 * looked at again, it only costs a slot), already marked by the receivers
 * known to miss it.  Pass 2 visits one PE at a time: the issuer's copies
 * finish at a cycle known in closed form and only those not known to miss
 * are probed; a receiver's cycles are one list (shared by the receivers
 * idle when the chunk arrives), its other copies are probed at once from
 * the buckets (misses3: a miss then is a miss at the copy's turn, the PE's
 * entries are only removed meanwhile), the others probed again in order
 * and queued or skipped, and its cycles are written to its column of the
 * log at once.  The order across PEs does not matter: a PE's copy changes only
 * that PE's caches, ring and skip state, and the log record of its TLBI
 * (its own bit and cycle), and nothing in a PE's caches is added meanwhile.
 */
#include "hw/cpu/cpu.h"

#include <string.h>

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
	uint64_t tags[2], gtags[2];	 /* each one's filter tags */
	unsigned per, lvsel;
	bool probed, ll;
};

/* One chunk: its TLBIs c[0..m) are copies first..first+m-1 of the run. */
struct chunk {
	unsigned m;
	uint32_t all;	    /* a bit per TLBI of the chunk */
	bool logged;	    /* each has a log record (rec) */
	uint64_t now;	    /* issue cycle of c[0]; each is lat_tlbi later */
	uint64_t seq;	    /* log sequence number of c[0]'s record */
	uint32_t known_own; /* the issuer's known misses */
	unsigned nreg;	    /* 64 KiB regions of its pages: region r holds
			     * TLBIs k0[r]..k0[r + 1] - 1 */
	unsigned k0[RUN_REGIONS + 1];
	uint32_t in[RUN_REGIONS][2]; /* each template's TLBIs there */
	uint32_t rb[RUN_REGIONS][2], grb[RUN_REGIONS][2]; /* region count
							   * buckets */
	uint64_t pes[RUN_REGIONS][2]; /* receivers known to miss each
				       * template's copies there (logged) */
	bool common_ok;
	uint64_t common[RUN_CHUNK]; /* a receiver's cycle for each copy
				     * when it is idle at the first's */
	/* Arrival at the other PEs: arrive[k], or with lin a0 + k dvm_occ
	 * (arrive[] then filled when first needed, arrive_ok). */
	uint64_t arrive[RUN_CHUNK];
	bool lin, arrive_ok;
	uint64_t a0;
	uint64_t va[RUN_CHUNK]; /* each TLBI's page */
	/* With a last-level probed run (b3_ok): each TLBI's level-3 filter
	 * bucket of its ASID. */
	bool b3_ok;
	uint32_t b3[RUN_CHUNK];
	uint32_t pr_ok; /* bit k: pr[k] made (probe_of) */
	struct sm_dvm_log_rec *rec[RUN_CHUNK];
	struct sm_tc_filter_probe pr[RUN_CHUNK]; /* pr_ok: probe_of */
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

/* The chunk's TLBI k: its log record's when logged, else its own. */
static inline const struct sm_tlbi *tlbi_of(const struct chunk *c, unsigned k)
{
	return c->logged ? &c->rec[k]->t : &c->own[k];
}

/* The chunk's arrival cycles (filled now if lin left them out). */
static const uint64_t *arrivals(const struct sm_cpu *cpu, struct chunk *c)
{
	if (!c->arrive_ok) {
		uint64_t x = c->a0;
		for (unsigned k = 0; k < c->m; k++, x += cpu->dvm_occ)
			c->arrive[k] = x;
		c->arrive_ok = true;
	}
	return c->arrive;
}

/* The 64 KiB regions of the chunk's pages, the TLBIs in each and each
 * template's region count buckets there. */
static void chunk_regions(const struct run *run, struct chunk *c,
			  uint64_t first)
{
	unsigned per = run->per, m = c->m, k1;
	c->nreg = 0;
	for (unsigned k0 = 0; k0 < m; k0 = k1) {
		/* c[k0]'s region: `per` copies for each page left in it. */
		uint64_t va = va_of(run, first + k0);
		uint64_t left =
		    REGION_PAGES - ((va >> 12) & (REGION_PAGES - 1));
		k1 = m - k0 <= left * per ? m : k0 + (unsigned)(left * per);
		for (unsigned u = 0; u < per; u++) {
			c->rb[c->nreg][u] =
			    sm_tc_filter_region(va, run->tags[u]);
			c->grb[c->nreg][u] =
			    sm_tc_filter_region(va, run->gtags[u]);
		}
		uint32_t in = (k1 - k0 == 32 ? ~0u : (1u << (k1 - k0)) - 1)
			      << k0;
		c->in[c->nreg][0] = per == 1 ? in : in & 0x55555555u;
		c->in[c->nreg][1] = in & 0xaaaaaaaau;
		c->k0[c->nreg++] = k0;
	}
	c->k0[c->nreg] = m;
}

/* The TLBIs of the chunk (bit k: c[k]) that PE i can be found to miss at
 * once, without a probe each: those in a 64 KiB region where its leaf TLBs
 * hold no entry with their template's tags (sm_tc_filter_region_empty),
 * when nothing is to be done in its walk cache either; with `mark`, its
 * bit in c->pes for each.  With KPTI the kernel ASID's copies (even k: a
 * chunk starts at an even copy) usually all miss while the user ASID's
 * need their probes. */
static inline __attribute__((always_inline)) uint32_t
known_misses(const struct sm_cpu *cpu, unsigned i, const struct run *run,
	     struct chunk *c, bool mark)
{
	const struct sm_pe *rx = &cpu->pe[i];
	unsigned per = run->per;
	if (!run->ll && rx->walk.live)
		return 0;
	uint32_t known = 0;
	for (unsigned r = 0; r < c->nreg; r++)
		for (unsigned u = 0; u < per; u++)
			if (sm_tc_filter_region_empty(&rx->leaf, run->lvsel,
						      c->rb[r][u],
						      c->grb[r][u])) {
				known |= c->in[r][u];
				if (mark)
					c->pes[r][u] |= 1ull << i;
			}
	return known;
}

/* Before pass 1: the chunk's regions, whether its TLBIs are logged, and
 * which copies each PE can be found to miss at once (what the PEs' caches
 * hold does not change in pass 1, and a PE's copies change only its own):
 * the issuer's always, known[i] of the others when logged. */
static void chunk_begin(struct sm_cpu *cpu, unsigned pe, const struct run *run,
			struct chunk *c, uint64_t first, uint32_t *known)
{
	c->all = c->m == 32 ? ~0u : (1u << c->m) - 1;
	c->logged = run->probed && sm_cpu_skip_reserve(cpu, c->m);
	c->common_ok = false;
	c->known_own = 0;
	if (!run->probed)
		return;
	chunk_regions(run, c, first);
	for (unsigned r = 0; r < c->nreg; r++)
		c->pes[r][0] = c->pes[r][1] = 0;
	c->known_own = known_misses(cpu, pe, run, c, false);
	for (unsigned i = 0; c->logged && i < cpu->n; i++)
		if (i != pe)
			known[i] = known_misses(cpu, i, run, c, true);
}

/* The histogram samples of m TLBIs issued lat_tlbi apart, the first
 * waiting q0 cycles for its slot: each waits dvm_occ - lat_tlbi cycles
 * longer than the one before, or that much shorter, but not less than 0
 * (slot = max(issue, the slot before + dvm_occ), as sm_cpu_tlbi takes
 * it). */
static void record_queue_cycles(struct sm_cpu *cpu, uint64_t q0, unsigned m)
{
	struct sm_hist *h = cpu->hist[SM_HIST_CPU_DVM_QUEUE_CYCLES];
	if (cpu->dvm_occ >= cpu->lat_tlbi) {
		sm_hist_record_arith(h, q0, cpu->dvm_occ - cpu->lat_tlbi, m);
		return;
	}
	/* Shorter each time: those above 0 from the least, then the 0s. */
	uint64_t e = cpu->lat_tlbi - cpu->dvm_occ;
	uint64_t pos = q0 / e + (q0 % e != 0);
	pos = pos < m ? pos : m;
	if (pos)
		sm_hist_record_arith(h, q0 - (pos - 1) * e, e, pos);
	sm_hist_record_arith(h, 0, 0, m - pos);
}

/* Pass 1: the interconnect slot of each TLBI, in issue order (the queue
 * cycles of each a sample of the histogram); then its page and its log
 * record, marked by the receivers known to miss it, and the external
 * receivers' copies (an SMMU with BTM: its own state only, so after the
 * slots). */
static void take_slots(struct sm_cpu *cpu, struct sm_pe *issuer,
		       const struct run *run, uint64_t first, struct chunk *c,
		       uint64_t *now)
{
	unsigned m = c->m;
	uint64_t t = *now, busy = cpu->dvm_busy_until, queued = 0;
	uint64_t q0 = max_u64(t, busy) - t;
	uint64_t d = cpu->dvm_occ, e = cpu->lat_tlbi;
	c->now = t;
	c->lin = (t | busy) < 1ull << 62 && d >= e;
	c->arrive_ok = !c->lin;
	if ((t | busy) < 1ull << 62) {
		/* Slot k at once: max(slot_0 + k d, issue_k) (e apart), as the
		 * loop below takes them (d, e and lat_dvm are at most 2^20: no
		 * wrap); its queue cycles as record_queue_cycles counts
		 * them. */
		uint64_t x = t + q0 + cpu->lat_dvm, y = t + cpu->lat_dvm;
		c->a0 = x; /* (host time: with lin, arrivals() fills) */
		if (!c->lin)
			for (unsigned k = 0; k < m; k++)
				c->arrive[k] = max_u64(x + k * d, y + k * e);
		if (d >= e) {
			queued = m * q0 + (d - e) * (m * (m - 1ull) / 2);
		} else {
			uint64_t f = e - d, pos = q0 / f + (q0 % f != 0);
			pos = pos < m ? pos : m;
			queued = pos * q0 - f * (pos * (pos - 1) / 2);
		}
		busy = max_u64(t + q0 + (m - 1) * d, t + (m - 1) * e) + d;
		t += m * e;
	} else {
		for (unsigned k = 0; k < m; k++) {
			uint64_t slot = max_u64(t, busy);
			queued += slot - t;
			busy = slot + d;
			c->arrive[k] = slot + cpu->lat_dvm;
			t += e;
		}
		c->a0 = c->arrive[0];
	}
	cpu->dvm_busy_until = busy;
	*now = t;
	record_queue_cycles(cpu, q0, m);
	SM_ADD(cpu->ctr, CPU_DVM_BROADCASTS, m);
	SM_ADD(cpu->ctr, CPU_DVM_QUEUE_CYCLES, queued);

	struct sm_dvm_log *l = &cpu->skipped;
	c->seq = l->tail;
	c->pr_ok = 0;
	c->b3_ok = run->probed && run->ll;
	if (c->b3_ok) {
		/* The pages and their keys one after another (the key of the
		 * next page is 4 * the multiplier further, mod 2^64). */
		uint64_t va = va_of(run, first), key = sm_tc_page_key(va, 3);
		uint64_t dkey = sm_tc_page_key(4096, 3) - sm_tc_page_key(0, 3);
		unsigned step = run->per == 2 ? 1 : 0; /* k's last copy */
		for (unsigned k = 0; k < m; k++) {
			c->va[k] = va;
			c->b3[k] = sm_tc_filter_probe_bucket3(
			    &run->pr[tmpl_of(run, k)], key);
			if ((k & step) == step) {
				va += 4096;
				key += dkey;
			}
		}
	} else
		for (unsigned k = 0; k < m; k++)
			c->va[k] = va_of(run, first + k);
	if (c->logged) {
		/* sm_cpu_skip_record_in_room for each (room reserved), with
		 * its page and the PEs known to skip it. */
		struct sm_dvm_log_rec *lr = l->r, *end_r = lr + l->cap;
		struct sm_dvm_log_rec *rec = &lr[c->seq & (l->cap - 1)];
		for (unsigned r = 0, k = 0; r < c->nreg; r++) {
			/* (Host time: read once, not after each store.) */
			unsigned end = c->k0[r + 1];
			uint64_t pes[2] = {c->pes[r][0], c->pes[r][1]};
			for (; k < end; k++) {
				unsigned u = tmpl_of(run, k);
				rec->t = run->tmpl[u];
				rec->t.va = c->va[k];
				rec->pes = pes[u];
				c->rec[k] = rec;
				if (++rec == end_r) /* the log wraps */
					rec = lr;
			}
		}
		l->tail += m;
	} else {
		for (unsigned k = 0; k < m; k++) {
			c->own[k] = run->tmpl[tmpl_of(run, k)];
			c->own[k].va = c->va[k];
		}
	}
	for (unsigned k = 0; k < m && cpu->n_ext; k++)
		for (unsigned i = 0; i < cpu->n_ext; i++)
			issuer->pending_done = max_u64(
			    issuer->pending_done,
			    cpu->ext[i].apply(cpu->ext[i].ctx, tlbi_of(c, k),
					      arrivals(cpu, c)[k]));
}

/* Can PE p's copies of the chunk be probed with sm_tc_filter_probe_hit3:
 * a last-level form (the walk cache does not matter), and
 * sm_tc_filter_probe_l3 holds at the start of the chunk (and so until its
 * end: in pass 2 a PE's entries are only removed)? */
static bool probe_l3(const struct sm_pe *p, const struct run *run)
{
	return run->probed && run->ll &&
	       sm_tc_filter_probe_l3(&p->leaf, &run->pr[0]);
}

/* The probe of the chunk's TLBI k (its template's, moved to its page),
 * made when first needed (host time: most copies are decided from b3). */
static inline struct sm_tc_filter_probe *probe_of(const struct run *run,
						  struct chunk *c, unsigned k)
{
	struct sm_tc_filter_probe *pr = &c->pr[k];
	if (!(c->pr_ok >> k & 1)) {
		*pr = run->pr[tmpl_of(run, k)];
		if (c->b3_ok)
			sm_tc_filter_probe_move3(pr, c->va[k], c->b3[k]);
		else
			sm_tc_filter_probe_move(pr, c->va[k]);
		c->pr_ok |= 1u << k;
	}
	return pr;
}

/* Does PE p's copy c[k] miss: sm_cpu_tlbi_misses_probe (walk.live read
 * each time, an applied copy may empty the walk cache), with `l3` (from
 * probe_l3) in fewer steps. */
static inline __attribute__((always_inline)) bool
copy_misses(const struct sm_pe *p, const struct run *run, struct chunk *c,
	    unsigned k, bool l3)
{
	if (l3)
		return !sm_tc_filter_probe_hit3(&p->leaf, probe_of(run, c, k));
	return sm_cpu_tlbi_misses_probe(p, run->ll, probe_of(run, c, k));
}

/* Of the copies `todo` of PE p, where probe_l3 holds and p's caches hold
 * no global entry: those whose probe (sm_tc_filter_probe_hit3) misses at
 * the start of p's turn, from the chunk's buckets.  Each still misses when
 * its turn comes (p's entries are only removed meanwhile); the others are
 * probed again then.  With `i` < 64, PE i's bit is set in the records of
 * those it misses. */
static inline __attribute__((always_inline)) uint32_t
misses3(const struct sm_pe *p, struct chunk *c, uint32_t todo, unsigned i)
{
	const uint16_t *cnt = p->leaf.cnt;
	uint32_t hit = 0; /* (host time: the rare case collected) */
	for (uint32_t b = todo; b; b &= b - 1) {
		unsigned k = (unsigned)__builtin_ctz(b);
		if (cnt[c->b3[k]])
			hit |= 1u << k;
		else if (i < 64)
			c->rec[k]->pes |= 1ull << i;
	}
	return todo & ~hit;
}

/* Pass 2 for the issuer: its own copy of each TLBI, applied once the one
 * before it is, from the TLBI's issue; one that misses (known to, else
 * found so by its probe, sm_cpu_tlbi_misses_probe: walk.live read each
 * time, an applied copy may empty the walk cache) changes nothing. */
static uint64_t own_copies(struct sm_cpu *cpu, unsigned pe,
			   const struct run *run, struct chunk *c)
{
	struct sm_pe *p = &cpu->pe[pe];
	uint64_t busy = p->rx_busy_until, t = c->now, m = c->m;
	uint64_t a = cpu->lat_apply, l = cpu->lat_tlbi;
	if ((busy | t) < 1ull << 62) {
		/* busy = max(issue_k, busy) + a for each k, at once: the
		 * latest of busy + m a and each issue_k + (m - k) a, linear
		 * in k (a and l are at most 2^20: no wrap). */
		busy = max_u64(max_u64(busy, t) + m * a, t + (m - 1) * l + a);
	} else {
		for (unsigned k = 0; k < m; k++, t += l)
			busy = max_u64(t, busy) + a;
	}
	p->rx_busy_until = busy;
	bool l3 = probe_l3(p, run);
	uint32_t todo = c->all & ~c->known_own;
	if (l3 && !p->leaf.global_live)
		todo &= ~misses3(p, c, todo, 64);
	for (; todo; todo &= todo - 1) {
		unsigned k = (unsigned)__builtin_ctz(todo);
		if (!(run->probed && copy_misses(p, run, c, k, l3)))
			SM_ADD(cpu->ctr, CPU_TLB_INVALIDATED,
			       sm_cpu_apply_tlbi(cpu, p, tlbi_of(c, k)));
	}
	return busy; /* the latest: each copy ends after the one before */
}

/* A receiver's cycle for each copy of the chunk: it applies each when it
 * has arrived and the one before is applied, from `busy`.  Receivers idle
 * at the first's arrival share one such list. */
static const uint64_t *rx_cycles(const struct sm_cpu *cpu, struct chunk *c,
				 uint64_t busy, uint64_t *own)
{
	uint64_t *at = own;
	if (busy <= c->a0) {
		if (c->common_ok)
			return c->common;
		c->common_ok = true;
		at = c->common;
		if (c->lin && cpu->dvm_occ >= cpu->lat_apply) {
			/* Each applied before the next arrives. */
			uint64_t x = c->a0 + cpu->lat_apply;
			for (unsigned k = 0; k < c->m; k++, x += cpu->dvm_occ)
				at[k] = x;
			return at;
		}
	}
	const uint64_t *arrive = arrivals(cpu, c);
	for (unsigned k = 0; k < c->m; k++)
		at[k] = busy = max_u64(arrive[k], busy) + cpu->lat_apply;
	return at;
}

/* PE i's cycles at[0..m) for the log records from number seq on: its
 * column of the table (dvm.h), written at once, also the cells of the
 * copies it does not skip (never read: not marked). */
static void log_cycles(struct sm_dvm_log *l, unsigned i, uint64_t seq,
		       const uint64_t *at, unsigned m)
{
	uint64_t *col = &l->at[(size_t)i * l->cap];
	uint32_t k = (uint32_t)(seq & (l->cap - 1));
	unsigned n = l->cap - k < m ? l->cap - k : m; /* before it wraps */
	memcpy(&col[k], at, n * sizeof(*at));
	if (m > n)
		memcpy(col, &at[n], (m - n) * sizeof(*at));
}

/* Pass 2 for receiver i: its copy of each TLBI of the chunk.  When logged,
 * those it misses (known to, their bit already in the records, else found
 * so by the probe, in order) are skipped; the others are queued in order
 * (or applied now when they do nothing or the ring cannot grow). */
static uint64_t rx_copies(struct sm_cpu *cpu, unsigned i, const struct run *run,
			  struct chunk *c, uint32_t known)
{
	struct sm_pe *rx = &cpu->pe[i];
	uint64_t own[RUN_CHUNK];
	const uint64_t *at = rx_cycles(cpu, c, rx->rx_busy_until, own);
	uint32_t skipped = c->logged ? known & c->all : 0;
	bool l3 = probe_l3(rx, run);
	uint32_t todo = c->all & ~skipped;
	if (c->logged && l3 && !rx->leaf.global_live) {
		uint32_t miss = misses3(rx, c, todo, i);
		skipped |= miss;
		todo &= ~miss;
	}
	for (; todo; todo &= todo - 1) {
		unsigned k = (unsigned)__builtin_ctz(todo);
		if (c->logged && copy_misses(rx, run, c, k, l3)) {
			skipped |= 1u << k;
			c->rec[k]->pes |= 1ull << i;
		} else if (tlbi_of(c, k)->no_effect ||
			   !sm_dvm_ring_push(cpu->alloc, &rx->rx, tlbi_of(c, k),
					     at[k])) {
			SM_ADD(cpu->ctr, CPU_TLB_INVALIDATED,
			       sm_cpu_apply_tlbi(cpu, rx, tlbi_of(c, k)));
		}
	}
	if (skipped) {
		log_cycles(&cpu->skipped, i, c->seq, at, c->m);
		unsigned k = (unsigned)__builtin_ctz(skipped);
		if (!rx->skip_any) {
			rx->skip_any = true;
			rx->skip_seq = c->seq + k;
			rx->skip_next = at[k];
		}
		rx->skip_last = at[31 - __builtin_clz(skipped)];
	}
	rx->rx_busy_until = at[c->m - 1];
	*rx->st_bystander += c->m * cpu->lat_apply;
	return at[c->m - 1]; /* the latest: each ends after the one before */
}

uint64_t sm_cpu_tlbi_pages(struct sm_cpu *cpu, unsigned pe, enum sm_tlbi_op op,
			   uint64_t operand, uint64_t pages, uint64_t user_flag,
			   uint64_t now)
{
	struct chunk c;
	uint32_t known[SM_DVM_LOG_MAX_PES]; /* by receiver, when logged */
	struct run run; /* (host time: not zeroed; what is read is set) */
	run.per = user_flag ? 2 : 1;
	for (unsigned u = 0; u < run.per; u++) {
		sm_cpu_decode_tlbi(cpu, op, true, operand | (u ? user_flag : 0),
				   &run.tmpl[u]);
		run.tags[u] =
		    sm_tc_filter_tags(run.tmpl[u].vmid, run.tmpl[u].asid);
		run.gtags[u] =
		    sm_tc_filter_tags(run.tmpl[u].vmid, SM_TC_FILTER_GLOBAL);
	}
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
		for (unsigned i = 0; i < cpu->n; i++)
			latest = max_u64(
			    latest, i == pe
					? own_copies(cpu, pe, &run, &c)
					: rx_copies(cpu, i, &run, &c,
						    c.logged ? known[i] : 0));
		issuer->pending_done = latest;
	}
	return now;
}
