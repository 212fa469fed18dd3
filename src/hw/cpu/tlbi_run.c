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
 * sm_cpu_tlbi for each in turn, and it is computed in chunks of 64 TLBIs
 * (of one while some cycle is 2^62 or more: the closed forms below would
 * not hold).  What each PE can be found to miss at once (at the start of
 * its turn in pass 2, the same as before pass 1): a PE whose leaf TLBs
 * hold nothing of a template's ASID in a 64 KiB region (the presence
 * filter's group of counts of its pages, hw/mem/tcache.h) misses all its
 * copies there without a probe.  The regions and their groups' hashes are
 * found once for all PEs before pass 1.  Pass 1 takes the TLBIs' interconnect
 * slots, in closed form (slot k is the later of slot 0 + k occupancies and its
 * issue; the queue cycles form an arithmetic sequence: one histogram update
 * per bucket), and makes the chunk's one log record (dvm.h: its first copies
 * and its arrival lines; nothing per TLBI).  Pass 2 visits one PE at a time:
 * the issuer's copies finish at a cycle known in closed form and only
 * those not known to miss are probed; a receiver's cycle for each copy is
 * known in closed form from the one of its first (sm_cpu_run_at), its
 * other copies are probed at once from the groups (misses3: a miss then is
 * a miss at the copy's turn, the PE's entries are only removed meanwhile),
 * the others probed again in order and queued or skipped, and the copies it
 * skipped are one mask in its cell of the record.  The order across PEs
 * does not matter: a PE's copy changes only that PE's caches, ring and skip
 * state, and the log record of its chunk (its own bit and cell), and
 * nothing in a PE's caches is added meanwhile.
 */
#include "base/ops.h"
#include "hw/cpu/cpu.h"

/* TLBIs per chunk: their state lives on the (kernel thread's) stack, and
 * a bit per TLBI in a uint64_t (known misses, a log cell's skip). */
#define RUN_CHUNK 64
_Static_assert(RUN_CHUNK == 64 && SM_DVM_RUN_MAX == 64,
	       "a chunk's known misses are a uint64_t");

/* 64 KiB regions (a group of the presence filter's counts each) a chunk's
 * pages span at most: RUN_CHUNK pages in 16-page regions. */
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
	uint64_t first;
	uint64_t all; /* a bit per TLBI of the chunk */
	bool logged;  /* it has a log record (rec, dvm.h) */
	uint64_t now; /* issue cycle of c[0]; each is lat_tlbi later */
	uint64_t seq; /* its log record's sequence number */
	struct sm_dvm_log_rec *rec;
	struct sm_dvm_log_cell *cell; /* PE 0's cell of rec */
	unsigned nreg; /* 64 KiB regions of its pages: region r holds
			* TLBIs k0[r]..k0[r + 1] - 1 */
	unsigned k0[RUN_REGIONS + 1];
	uint64_t in[RUN_REGIONS][2]; /* each template's TLBIs there */
	/* Each template's level-3 group hashes there (sm_tc_filter_hash,
	 * unmasked: the same for every filter), of its ASID and global. */
	uint32_t rh[RUN_REGIONS][2], grh[RUN_REGIONS][2];
	/* Arrival at the other PEs: c[0] at x, c[k] at max(x + k dvm_occ,
	 * y + k lat_tlbi) (m is 1 unless the cycles are below 2^62). */
	uint64_t x, y;
	/* The later of the two lines at c[m - 1], + lat_apply (rx_last). */
	uint64_t last_line;
	/* The place of each region's first page in its group (the others
	 * are at 0). */
	uint8_t go[RUN_REGIONS];
	/* A last-level probed run, filters on: b3_of can be used. */
	bool b3_ok;
	uint64_t pr_ok; /* bit k: pr[k] made (probe_of) */
	struct sm_tc_filter_probe pr[RUN_CHUNK]; /* pr_ok: probe_of */
};

/* The template of the chunk's TLBI k (per is 1 or 2) and the VA of copy
 * `copy`. */
static inline unsigned tmpl_of(const struct run *run, const struct chunk *c,
			       unsigned k)
{
	return run->per == 2 ? (unsigned)((c->first + k) & 1) : 0;
}
static inline uint64_t va_of(const struct run *run, uint64_t copy)
{
	return run->tmpl[0].va + ((run->per == 2 ? copy >> 1 : copy) << 12);
}

/* The chunk's TLBI k. */
static inline void copy_of(const struct run *run, const struct chunk *c,
			   unsigned k, struct sm_tlbi *t)
{
	*t = run->tmpl[tmpl_of(run, c, k)];
	t->va = va_of(run, c->first + k);
}

/* When the chunk's TLBI k arrives at the other PEs. */
static inline uint64_t arrive_at(const struct sm_cpu *cpu,
				 const struct chunk *c, unsigned k)
{
	return k ? sm_max_u64(c->x + k * cpu->dvm_occ, c->y + k * cpu->lat_tlbi)
		 : c->x;
}

/* When a receiver applies the chunk's TLBI k, having applied c[0] at
 * at0. */
static inline uint64_t rx_at(const struct sm_cpu *cpu, const struct chunk *c,
			     uint64_t at0, unsigned k)
{
	return sm_cpu_run_at(cpu, c->x, c->y, at0, k);
}

/* rx_at of the chunk's last TLBI (k = m - 1): sm_cpu_run_at's latest of
 * three, the two arrival lines' of every receiver computed once in
 * take_slots (host time). */
static inline uint64_t rx_last(const struct sm_cpu *cpu, const struct chunk *c,
			       uint64_t at0)
{
	if (c->m == 1)
		return at0;
	return sm_max_u64(at0 + (c->m - 1) * cpu->lat_apply, c->last_line);
}

/* The 64 KiB regions of the chunk's pages, the TLBIs in each and each
 * template's level-3 group hashes there. */
static inline __attribute__((always_inline)) void
regions_per(const struct run *run, struct chunk *c, unsigned per)
{
	unsigned m = c->m, k1;
	uint64_t first = c->first;
	/* Template 0's TLBIs (k with first + k even when per is 2). */
	uint64_t even = per == 1    ? ~0ull
			: first & 1 ? 0xaaaaaaaaaaaaaaaaull
				    : 0x5555555555555555ull;
	c->nreg = 0;
	for (unsigned k0 = 0; k0 < m; k0 = k1) {
		/* c[k0]'s region: `per` copies for each page left in it. */
		uint64_t va = va_of(run, first + k0);
		uint64_t left =
		    REGION_PAGES - ((va >> 12) & (REGION_PAGES - 1));
		k1 = m - k0 <= left * per ? m : k0 + (unsigned)(left * per);
		for (unsigned u = 0; u < per; u++) {
			c->rh[c->nreg][u] =
			    sm_tc_filter_hash(va, 3, run->tags[u]);
			c->grh[c->nreg][u] =
			    sm_tc_filter_hash(va, 3, run->gtags[u]);
		}
		uint64_t in = (k1 - k0 == 64 ? ~0ull : (1ull << (k1 - k0)) - 1)
			      << k0;
		c->in[c->nreg][0] = in & even;
		c->in[c->nreg][1] = in & ~even;
		c->go[c->nreg] = (uint8_t)((va >> 12) & (REGION_PAGES - 1));
		c->k0[c->nreg++] = k0;
	}
	c->k0[c->nreg] = m;
}
static void chunk_regions(const struct run *run, struct chunk *c)
{
	/* (Host time: run->per a constant in each copy.) */
	if (run->per == 1)
		regions_per(run, c, 1);
	else
		regions_per(run, c, 2);
}

/* All ones when f's counts of the group of hash h are all zero, else
 * none. */
static inline uint64_t if_empty(const struct sm_tc_filter *f, uint32_t h)
{
	return (uint64_t)(sm_tc_filter_group(f, h) != 0) - 1;
}

/* The TLBIs of the chunk (bit k: c[k]) that PE i can be found to miss at
 * once, without a probe each: those in a 64 KiB region where its leaf TLBs
 * hold no entry with their template's tags (sm_tc_filter_region_empty),
 * when nothing is to be done in its walk cache either.  With KPTI the
 * kernel ASID's copies usually all miss while the user ASID's need their
 * probes. */
static inline __attribute__((always_inline)) uint64_t
known_misses(const struct sm_cpu *cpu, unsigned i, const struct run *run,
	     const struct chunk *c)
{
	const struct sm_pe *rx = &cpu->pe[i];
	unsigned per = run->per;
	if (!run->ll && rx->walk.live)
		return 0;
	/* sm_tc_filter_range_empty (tcache.h) for each region, from its
	 * group hashes, the tests of the filter's levels made once (host
	 * time). */
	const struct sm_tc_filter *f = &rx->leaf;
	unsigned mask = f->lv_mask & run->lvsel;
	if (!mask)
		return c->all;
	if (mask != 1u << 3)
		return 0;
	/* (Host time: each region's copies or'ed in under a mask, no
	 * branch: whether a region is empty is hard to predict.) */
	uint64_t known = 0;
	if (f->global_live) {
		for (unsigned r = 0; r < c->nreg; r++)
			for (unsigned u = 0; u < per; u++)
				known |= c->in[r][u] &
					 if_empty(f, c->rh[r][u]) &
					 if_empty(f, c->grh[r][u]);
	} else if (per == 1) {
		for (unsigned r = 0; r < c->nreg; r++)
			known |= c->in[r][0] & if_empty(f, c->rh[r][0]);
	} else {
		for (unsigned r = 0; r < c->nreg; r++)
			for (unsigned u = 0; u < 2; u++)
				known |= c->in[r][u] & if_empty(f, c->rh[r][u]);
	}
	return known;
}

/* Before pass 1: the chunk's regions and whether it is logged (room for
 * its record).  Which copies each PE can be found to miss at once
 * (known_misses) is found in pass 2 at the start of its turn: the same
 * as here, what the PEs' caches hold does not change in pass 1, and a
 * PE's copies change only its own. */
static void chunk_begin(struct sm_cpu *cpu, const struct run *run,
			struct chunk *c)
{
	c->all = c->m == 64 ? ~0ull : (1ull << c->m) - 1;
	const struct sm_dvm_log *l = &cpu->skipped;
	/* (Host time: the log's room for one record tested inline.) */
	bool room = l->tail - l->head < l->cap && cpu->n <= SM_DVM_LOG_MAX_PES;
	c->logged = run->probed && (room || sm_cpu_skip_reserve(cpu, 1));
	if (run->probed)
		chunk_regions(run, c);
}

/* The histogram samples of m TLBIs issued lat_tlbi apart, the first
 * waiting q0 cycles for its slot: each waits dvm_occ - lat_tlbi cycles
 * longer than the one before, or that much shorter, but not less than 0
 * (slot = max(issue, the slot before + dvm_occ), as sm_cpu_tlbi takes
 * it).  Longer each time: a chunk's samples go on from the last one's
 * (while the queue does not drain, q0 grows by m (dvm_occ - lat_tlbi)),
 * so they are kept in *q and recorded for the whole run at once
 * (flush_queue_cycles; host time: the order of a histogram's samples does
 * not matter). */
struct queue_samples {
	uint64_t v0, n; /* v0 + j (dvm_occ - lat_tlbi) for each j < n */
};
static void flush_queue_cycles(struct sm_cpu *cpu, struct queue_samples *q)
{
	if (q->n)
		sm_hist_record_arith(cpu->hist[SM_HIST_CPU_DVM_QUEUE_CYCLES],
				     q->v0, cpu->dvm_occ - cpu->lat_tlbi, q->n);
	q->n = 0;
}
static void record_queue_cycles(struct sm_cpu *cpu, struct queue_samples *q,
				uint64_t q0, unsigned m)
{
	struct sm_hist *h = cpu->hist[SM_HIST_CPU_DVM_QUEUE_CYCLES];
	if (cpu->dvm_occ >= cpu->lat_tlbi) {
		uint64_t next;
		if (q->n &&
		    !__builtin_add_overflow(
			q->v0, q->n * (cpu->dvm_occ - cpu->lat_tlbi), &next) &&
		    next == q0) {
			q->n += m;
			return;
		}
		flush_queue_cycles(cpu, q);
		*q = (struct queue_samples){q0, m};
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

/* The external receivers' copies of the chunk's TLBIs, in order (out of
 * line, host time: none in most systems). */
static __attribute__((noinline)) void ext_copies(struct sm_cpu *cpu,
						 struct sm_pe *issuer,
						 const struct run *run,
						 const struct chunk *c)
{
	for (unsigned k = 0; k < c->m; k++) {
		struct sm_tlbi tk;
		copy_of(run, c, k, &tk);
		for (unsigned i = 0; i < cpu->n_ext; i++)
			issuer->pending_done =
			    sm_max_u64(issuer->pending_done,
				       cpu->ext[i].apply(cpu->ext[i].ctx, &tk,
							 arrive_at(cpu, c, k)));
	}
}

/* Pass 1: the interconnect slot of each TLBI, in issue order (the queue
 * cycles of each a sample of the histogram); then the chunk's log record
 * (dvm.h: its first copies, the arrival lines, no PE yet), and the external
 * receivers' copies (an SMMU with BTM: its own state only, so after the slots).
 */
static void take_slots(struct sm_cpu *cpu, struct sm_pe *issuer,
		       const struct run *run, struct chunk *c, uint64_t *now,
		       struct queue_samples *q)
{
	unsigned m = c->m;
	uint64_t t = *now, busy = cpu->dvm_busy_until, queued = 0;
	uint64_t q0 = sm_max_u64(t, busy) - t;
	uint64_t d = cpu->dvm_occ, e = cpu->lat_tlbi;
	c->now = t;
	if ((t | busy) < 1ull << 62) {
		/* Slot k at once: max(slot_0 + k d, issue_k) (e apart), as the
		 * loop below takes them (d, e and lat_dvm are at most 2^20: no
		 * wrap); its queue cycles as record_queue_cycles counts
		 * them. */
		c->x = t + q0 + cpu->lat_dvm;
		c->y = t + cpu->lat_dvm;
		if (d >= e) {
			queued = m * q0 + (d - e) * (m * (m - 1ull) / 2);
		} else {
			uint64_t f = e - d, pos = q0 / f + (q0 % f != 0);
			pos = pos < m ? pos : m;
			queued = pos * q0 - f * (pos * (pos - 1) / 2);
		}
		busy = sm_max_u64(t + q0 + (m - 1) * d, t + (m - 1) * e) + d;
		t += m * e;
	} else {
		for (unsigned k = 0; k < m; k++) { /* (m is 1 here) */
			uint64_t slot = sm_max_u64(t, busy);
			queued += slot - t;
			busy = slot + d;
			if (!k)
				c->x = c->y = slot + cpu->lat_dvm;
			t += e;
		}
	}
	cpu->dvm_busy_until = busy;
	*now = t;
	/* (For m 1 not used: rx_last.) */
	c->last_line =
	    sm_max_u64(c->x + (m - 1) * d, c->y + (m - 1) * e) + cpu->lat_apply;
	record_queue_cycles(cpu, q, q0, m);
	SM_ADD(cpu->ctr, CPU_DVM_BROADCASTS, m);
	SM_ADD(cpu->ctr, CPU_DVM_QUEUE_CYCLES, queued);

	c->pr_ok = 0;
	c->b3_ok = run->probed && run->ll && run->pr[0].mask; /* probe_l3 */
	if (c->logged) {
		/* Its record (room reserved), skipped by no PE yet. */
		struct sm_dvm_log *l = &cpu->skipped;
		uint32_t slot = (uint32_t)(l->tail & (l->cap - 1));
		c->seq = l->tail++;
		c->rec = &l->r[slot];
		c->cell = &l->cell[slot];
		for (unsigned u = 0; u < run->per; u++)
			copy_of(run, c, u, &c->rec->t[u]);
		c->rec->per = run->per;
		c->rec->x = c->x;
		c->rec->y = c->y;
		c->rec->pes = 0;
	}
	if (cpu->n_ext)
		ext_copies(cpu, issuer, run, c);
}

/* Can PE p's copies of the chunk be probed with sm_tc_filter_probe_hit3:
 * a last-level form (the walk cache does not matter) with filters that
 * are on (b3_of: the buckets of a group are 16, not the one of a filter
 * that is off, of mask 0), and sm_tc_filter_probe_l3 holds at the
 * start of the chunk (and so until its end: in pass 2 a PE's entries are
 * only removed)? */
static bool probe_l3(const struct sm_pe *p, const struct run *run)
{
	return run->probed && run->ll && run->pr[0].mask &&
	       sm_tc_filter_probe_l3(&p->leaf, &run->pr[0]);
}

/* With b3_ok, the level-3 filter bucket of the chunk's TLBI k, of its
 * ASID: in its region's group (sm_tc_filter_hash; the regions are the
 * 16-page blocks from the one of the chunk's first page), its page's
 * place.  (Host time: computed for the copies probed, not for each.) */
static inline uint32_t b3_of(const struct run *run, const struct chunk *c,
			     unsigned k)
{
	uint64_t page = va_of(run, c->first + k) >> 12;
	uint64_t r = (page >> 4) - (va_of(run, c->first) >> 16);
	uint32_t gmask = run->pr[0].mask & ~(uint32_t)(REGION_PAGES - 1);
	return (c->rh[r][tmpl_of(run, c, k)] & gmask) |
	       (uint32_t)(page & (REGION_PAGES - 1));
}

/* The probe of the chunk's TLBI k (its template's, moved to its page),
 * made when first needed (host time: most copies are decided by misses3). */
static inline struct sm_tc_filter_probe *probe_of(const struct run *run,
						  struct chunk *c, unsigned k)
{
	struct sm_tc_filter_probe *pr = &c->pr[k];
	if (!(c->pr_ok >> k & 1)) {
		uint64_t va = va_of(run, c->first + k);
		*pr = run->pr[tmpl_of(run, c, k)];
		if (c->b3_ok)
			sm_tc_filter_probe_move3(pr, va, b3_of(run, c, k));
		else
			sm_tc_filter_probe_move(pr, va);
		c->pr_ok |= 1ull << k;
	}
	return pr;
}

/* Does PE p's copy c[k] miss: sm_cpu_tlbi_misses_probe (walk.live read
 * each time, an applied copy may empty the walk cache), with `l3` (from
 * probe_l3) in fewer steps: the count of its level-3 bucket (b3_of, the
 * first thing sm_tc_filter_probe_hit3 reads) decides a hit without a
 * probe (host time: most copies probed again hit). */
static inline __attribute__((always_inline)) bool
copy_misses(const struct sm_pe *p, const struct run *run, struct chunk *c,
	    unsigned k, bool l3)
{
	if (l3)
		return !sm_tc_filter_bit(p->leaf.bits, b3_of(run, c, k)) &&
		       !sm_tc_filter_probe_hit3(&p->leaf, probe_of(run, c, k));
	return sm_cpu_tlbi_misses_probe(p, run->ll, probe_of(run, c, k));
}

/* Bit j of x (j < 16) at bit 2 j. */
static inline uint64_t spread2(uint64_t x)
{
	x = (x | x << 8) & 0x00ff00ffull;
	x = (x | x << 4) & 0x0f0f0f0full;
	x = (x | x << 2) & 0x33333333ull;
	return (x | x << 1) & 0x55555555ull;
}

/* Of the copies `todo` of PE p, where probe_l3 holds and p's caches hold
 * no global entry: those whose probe (sm_tc_filter_probe_hit3) misses at
 * the start of p's turn, from the chunk's buckets.  Each still misses when
 * its turn comes (p's entries are only removed meanwhile); the others are
 * probed again then.  (Host time: a region's pages are the 16 bits of
 * their group in one word of the filter's bitmap, sm_tc_filter_hash: one
 * read per region and template, each page's bit shifted to its copy's,
 * the bit of b3_of(k) for copy k.) */
static inline __attribute__((always_inline)) uint64_t
misses3(const struct sm_pe *p, const struct run *run, const struct chunk *c,
	uint64_t todo)
{
	uint64_t hit = 0;
	for (unsigned r = 0; r < c->nreg; r++) {
		if (!((c->in[r][0] | c->in[r][1]) & todo))
			continue;
		/* Copy k0 is of page go of the group, template t0: the copy
		 * of page go + j, template u, is k0 - t0 + u + per j. */
		unsigned k0 = c->k0[r], t0 = tmpl_of(run, c, k0);
		for (unsigned u = 0; u < run->per; u++) {
			uint64_t w =
			    sm_tc_filter_group(&p->leaf, c->rh[r][u]) >>
			    c->go[r];
			if (run->per == 2)
				w = spread2(w);
			/* (k0 - t0 + u is -1 for template 0 when the chunk
			 * starts with a page's second copy.) */
			w = k0 + u >= t0 ? w << (k0 + u - t0) : w >> 1;
			hit |= w & c->in[r][u];
		}
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
		busy = sm_max_u64(sm_max_u64(busy, t) + m * a,
				  t + (m - 1) * l + a);
	} else {
		for (unsigned k = 0; k < m; k++, t += l)
			busy = sm_max_u64(t, busy) + a;
	}
	p->rx_busy_until = busy;
	uint64_t todo =
	    c->all & ~(run->probed ? known_misses(cpu, pe, run, c) : 0);
	bool l3 = todo && probe_l3(p, run); /* (host time: else unused) */
	if (l3 && !p->leaf.global_live)
		todo &= ~misses3(p, run, c, todo);
	for (; todo; todo &= todo - 1) {
		unsigned k = (unsigned)__builtin_ctzll(todo);
		struct sm_tlbi tk;
		if (run->probed && copy_misses(p, run, c, k, l3))
			continue;
		/* (Host time: a probed copy is of one page, its template's
		 * moved to its page.) */
		if (run->probed) {
			SM_ADD(cpu->ctr, CPU_TLB_INVALIDATED,
			       sm_cpu_apply_tlbi_page(
				   p, &run->tmpl[tmpl_of(run, c, k)],
				   va_of(run, c->first + k)));
			continue;
		}
		copy_of(run, c, k, &tk);
		SM_ADD(cpu->ctr, CPU_TLB_INVALIDATED,
		       sm_cpu_apply_tlbi(cpu, p, &tk));
	}
	return busy; /* the latest: each copy ends after the one before */
}

/* Pass 2 for receiver i: its copy of each TLBI of the chunk, applied when
 * it has arrived and the one before is applied (rx_at).  When logged,
 * those it misses (known to, else found so by the probe, in order) are
 * skipped: its cell of the record says which, and its bit in the record
 * that it has a cell; the others are queued in order (or applied now when
 * they do nothing or the ring cannot grow). */
static uint64_t rx_copies(struct sm_cpu *cpu, unsigned i, const struct run *run,
			  struct chunk *c)
{
	struct sm_pe *rx = &cpu->pe[i];
	uint64_t at0 = sm_max_u64(rx->rx_busy_until, c->x) + cpu->lat_apply;
	uint64_t skipped =
	    c->logged ? known_misses(cpu, i, run, c) & c->all : 0;
	uint64_t todo = c->all & ~skipped;
	bool l3 = todo && probe_l3(rx, run); /* (host time: else unused) */
	if (c->logged && l3 && !rx->leaf.global_live) {
		uint64_t miss = misses3(rx, run, c, todo);
		skipped |= miss;
		todo &= ~miss;
	}
	for (; todo; todo &= todo - 1) {
		unsigned k = (unsigned)__builtin_ctzll(todo);
		struct sm_tlbi t;
		if (c->logged && copy_misses(rx, run, c, k, l3)) {
			skipped |= 1ull << k;
			continue;
		}
		copy_of(run, c, k, &t);
		/* (Logged: its probe said the PE may hold the page.) */
		uint64_t at = rx_at(cpu, c, at0, k);
		if (t.no_effect ||
		    !(c->logged
			  ? sm_dvm_ring_push_held(cpu->alloc, &rx->rx, &t, at)
			  : sm_dvm_ring_push(cpu->alloc, &rx->rx, &t, at)))
			SM_ADD(cpu->ctr, CPU_TLB_INVALIDATED,
			       sm_cpu_apply_tlbi(cpu, rx, &t));
	}
	if (skipped) {
		c->rec->pes |= 1ull << i;
		c->cell[(size_t)i * cpu->skipped.cap] =
		    (struct sm_dvm_log_cell){.at0 = at0, .skip = skipped};
		if (!rx->skip_any) {
			rx->skip_any = true;
			rx->skip_seq = c->seq;
			rx->skip_next = rx_at(
			    cpu, c, at0, (unsigned)__builtin_ctzll(skipped));
		}
	}
	uint64_t last = rx_last(cpu, c, at0);
	if (skipped) {
		unsigned k = 63u - (unsigned)__builtin_clzll(skipped);
		rx->skip_last = k == c->m - 1 ? last : rx_at(cpu, c, at0, k);
	}
	rx->rx_busy_until = last;
	*rx->st_bystander += c->m * cpu->lat_apply;
	return last; /* the latest: each ends after the one before */
}

/* May the chunk's cycles be taken in closed form (arrive_at, rx_at): the
 * interconnect's, the and every PE's below 2^62 (then nothing
 * wraps)?  Else chunks of one TLBI. */
static bool closed_form(const struct sm_cpu *cpu, uint64_t now)
{
	uint64_t or = now | cpu->dvm_busy_until;
	for (unsigned i = 0; i < cpu->n; i++)
		or |= cpu->pe[i].rx_busy_until;
	return or < 1ull << 62;
}

uint64_t sm_cpu_tlbi_pages(struct sm_cpu *cpu, unsigned pe, enum sm_tlbi_op op,
			   uint64_t operand, uint64_t pages, uint64_t user_flag,
			   uint64_t now)
{
	struct chunk c;
	struct run run; /* (host time: not zeroed; what is read is set) */
	struct queue_samples q = {0, 0};
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
	/* The PEs' rx_busy_until or-ed, after a chunk: each PE's is what its
	 * turn returned (host time: closed_form without visiting them). */
	uint64_t rx_or = 0;
	for (uint64_t first = 0; first < total; first += c.m) {
		bool closed =
		    first ? (now | cpu->dvm_busy_until | rx_or) < 1ull << 62
			  : closed_form(cpu, now);
		unsigned most = closed ? RUN_CHUNK : 1;
		c.first = first;
		c.m = (unsigned)(total - first < most ? total - first : most);
		chunk_begin(cpu, &run, &c);
		take_slots(cpu, issuer, &run, &c, &now, &q);
		uint64_t latest = issuer->pending_done;
		rx_or = 0;
		for (unsigned i = 0; i < cpu->n; i++) {
			uint64_t done = i == pe ? own_copies(cpu, pe, &run, &c)
						: rx_copies(cpu, i, &run, &c);
			rx_or |= done;
			latest = sm_max_u64(latest, done);
		}
		issuer->pending_done = latest;
	}
	flush_queue_cycles(cpu, &q);
	return now;
}
