/* SPDX-License-Identifier: MIT */
#include "hw/cpu/cpu.h"

#include <stdio.h>

#include <smmusim/error.h>

#include "base/alloc.h"
#include "base/ops.h"
#include "engine/config.h"
#include "hw/mem/pgtable.h"
#include "hw/mem/xlate.h"

struct level_cfg {
	enum sm_key_id entries, ways, repl;
	const char *what;
};

static int init_pe(struct sm_cpu *cpu, struct sm_pe *p, unsigned idx,
		   const smmusim_config_t *cfg, struct sm_rng *rng,
		   struct sm_errbuf *eb)
{
	const struct level_cfg lv[4] = {
	    {SM_K_CPU_L1I_ENTRIES, SM_K_CPU_L1I_WAYS, SM_K_CPU_L1I_REPL,
	     "cpu.l1i.entries/cpu.l1i.ways"},
	    {SM_K_CPU_L1D_ENTRIES, SM_K_CPU_L1D_WAYS, SM_K_CPU_L1D_REPL,
	     "cpu.l1d.entries/cpu.l1d.ways"},
	    {SM_K_CPU_TLB_ENTRIES, SM_K_CPU_TLB_WAYS, SM_K_CPU_TLB_REPL,
	     "cpu.tlb.entries/cpu.tlb.ways"},
	    {SM_K_CPU_WALKCACHE_ENTRIES, SM_K_CPU_WALKCACHE_WAYS,
	     SM_K_CPU_WALKCACHE_REPL,
	     "cpu.walkcache.entries/cpu.walkcache.ways"},
	};
	struct sm_tcache *tc[4] = {&p->l1i, &p->l1d, &p->tlb, &p->walk};
	for (int i = 0; i < 4; i++) {
		int rc = sm_tc_init(
		    tc[i], cpu->alloc, sm_cfg_u64(cfg, lv[i].entries),
		    sm_cfg_u64(cfg, lv[i].ways), lv[i].what, eb);
		if (rc == 0 &&
		    sm_tc_set_repl(
			tc[i], (enum sm_tc_repl)sm_cfg_enum(cfg, lv[i].repl),
			rng) < 0) {
			sm_tc_fini(tc[i]);
			rc = sm_err(eb, SMMUSIM_ENOMEM, "%s: out of memory",
				    lv[i].what);
		}
		if (rc < 0) {
			for (int j = 0; j < i; j++)
				sm_tc_fini(tc[j]);
			return rc;
		}
	}
	p->walk.min_level = 0; /* table descriptors from level 0 down */
	if (sm_tc_filter_init(&p->leaf, cpu->alloc,
			      (uint64_t)p->l1i.sets * p->l1i.ways +
				  (uint64_t)p->l1d.sets * p->l1d.ways +
				  (uint64_t)p->tlb.sets * p->tlb.ways) < 0) {
		for (int j = 0; j < 4; j++)
			sm_tc_fini(tc[j]);
		return sm_err(eb, SMMUSIM_ENOMEM, "cpu: out of memory");
	}
	for (int i = 0; i < 3; i++)
		sm_tc_attach_filter(tc[i], &p->leaf);
	snprintf(p->l1i_name, sizeof(p->l1i_name), "cpu%u.l1i", idx);
	snprintf(p->l1d_name, sizeof(p->l1d_name), "cpu%u.l1d", idx);
	snprintf(p->tlb_name, sizeof(p->tlb_name), "cpu%u.tlb", idx);
	return 0;
}

static void fini_pe(struct sm_cpu *cpu, struct sm_pe *p)
{
	sm_dvm_ring_fini(cpu->alloc, &p->rx);
	sm_tc_fini(&p->l1i);
	sm_tc_fini(&p->l1d);
	sm_tc_fini(&p->tlb);
	sm_tc_fini(&p->walk);
	sm_tc_filter_fini(&p->leaf);
}

/* The stats are the registry's, by ID; three families have a member per
 * TLBI form (issued, received) and per PE.  False when out of memory. */
static bool register_stats(struct sm_cpu *cpu, struct sm_stats *st)
{
	bool ok = true;
	cpu->ctr = sm_stats_ctrs(st);
	cpu->hist = sm_stats_hists(st);
	for (int op = 0; op < SM_TLBI_OP_COUNT_; op++)
		for (int is = 0; is < 2; is++) {
			const char *nm = sm_tlbi_name((enum sm_tlbi_op)op, is);
			cpu->st_issued[op][is] = sm_stats_family_counter(
			    st, SM_STAT_CPU_TLBI_ISSUED_OP, "%s", nm);
			cpu->st_received[op][is] = sm_stats_family_counter(
			    st, SM_STAT_CPU_TLBI_RECEIVED_OP, "%s", nm);
			ok &=
			    cpu->st_issued[op][is] && cpu->st_received[op][is];
		}
	for (unsigned i = 0; i < cpu->n; i++) {
		cpu->pe[i].st_bystander = sm_stats_family_counter(
		    st, SM_STAT_CPU_PEN_BYSTANDER_CYCLES, "%u", i);
		ok &= cpu->pe[i].st_bystander != NULL;
	}
	return ok;
}

int sm_cpu_init(struct sm_cpu *cpu, const struct smmusim_allocator *a,
		const smmusim_config_t *cfg, const struct sm_physmem *pm,
		struct sm_stats *st, struct sm_rng *rng, struct sm_errbuf *eb)
{
	*cpu = (struct sm_cpu){.alloc = a, .pm = pm};
	cpu->n = (unsigned)sm_cfg_u64(cfg, SM_K_CPU_COUNT);
	cpu->kpti = sm_cfg_bool(cfg, SM_K_CPU_KPTI);
	cpu->feat_range = sm_cfg_bool(cfg, SM_K_CPU_FEAT_TLBIRANGE);
	cpu->feat_ttl = sm_cfg_bool(cfg, SM_K_CPU_FEAT_TTL);
	/* The latencies (docs/model.md), each with the key it comes from. */
	const struct sm_cfg_u64_field lat[] = {
	    {&cpu->lat_l1, SM_K_CPU_LAT_L1_HIT},
	    {&cpu->lat_tlb, SM_K_CPU_LAT_TLB_HIT},
	    {&cpu->lat_wc, SM_K_CPU_LAT_WALKCACHE},
	    {&cpu->lat_walk, SM_K_CPU_LAT_WALK_LEVEL},
	    {&cpu->lat_tlbi, SM_K_CPU_LAT_TLBI},
	    {&cpu->lat_dvm, SM_K_CPU_LAT_DVM},
	    {&cpu->dvm_occ, SM_K_CPU_DVM_OCCUPANCY},
	    {&cpu->lat_apply, SM_K_CPU_LAT_TLBI_APPLY},
	    {&cpu->lat_dsb, SM_K_CPU_LAT_DSB},
	};
	SM_CFG_READ_U64S(cfg, lat);

	uint64_t asid_bits = sm_cfg_u64(cfg, SM_K_CPU_ASID_BITS);
	if (asid_bits != 8 && asid_bits != 16)
		return sm_err(eb, SMMUSIM_ERANGE,
			      "cpu.asid_bits: %llu is neither 8 nor 16 "
			      "(ID_AA64MMFR0_EL1.ASIDBits)",
			      (unsigned long long)asid_bits);
	cpu->pe = sm_calloc(a, cpu->n * sizeof(*cpu->pe));
	if (!cpu->pe)
		return sm_err(eb, SMMUSIM_ENOMEM, "cpu: out of memory");
	for (unsigned i = 0; i < cpu->n; i++) {
		int rc = init_pe(cpu, &cpu->pe[i], i, cfg, rng, eb);
		if (rc < 0) {
			sm_cpu_fini(cpu);
			return rc;
		}
		cpu->n_init = i + 1;
	}

	if (!register_stats(cpu, st)) {
		sm_cpu_fini(cpu);
		return sm_err(eb, SMMUSIM_ENOMEM, "cpu: out of memory");
	}
	return 0;
}

void sm_cpu_fini(struct sm_cpu *cpu)
{
	sm_dvm_log_fini(cpu->alloc, &cpu->skipped);
	if (!cpu->pe)
		return;
	for (unsigned i = 0; i < cpu->n_init; i++)
		fini_pe(cpu, &cpu->pe[i]);
	sm_free(cpu->alloc, cpu->pe, cpu->n * sizeof(*cpu->pe));
	cpu->pe = NULL;
}

int sm_cpu_add_receiver(struct sm_cpu *cpu, const struct sm_dvm_receiver *r)
{
	if (cpu->n_ext >= SM_CPU_MAX_EXT_RECEIVERS)
		return SMMUSIM_ERANGE;
	cpu->ext[cpu->n_ext++] = *r;
	return 0;
}

uint64_t sm_cpu_tlbi(struct sm_cpu *cpu, unsigned pe, enum sm_tlbi_op op,
		     bool is, uint64_t operand, uint64_t now)
{
	struct sm_tlbi t;
	struct sm_pe *issuer = &cpu->pe[pe];
	sm_cpu_decode_tlbi(cpu, op, is, operand, &t);
	(*cpu->st_issued[op][is])++;

	if (!is) {
		/* A local TLBI: the issuer is its only receiver. */
		(*cpu->st_received[op][0])++;
		SM_ADD(cpu->ctr, CPU_TLB_INVALIDATED,
		       sm_cpu_apply_tlbi(cpu, issuer, &t));
		uint64_t done =
		    sm_max_u64(now, issuer->rx_busy_until) + cpu->lat_apply;
		issuer->rx_busy_until = done;
		issuer->pending_done = sm_max_u64(issuer->pending_done, done);
		return now + cpu->lat_tlbi;
	}

	/* The interconnect carries one broadcast per dvm_occ cycles. */
	uint64_t slot = sm_max_u64(now, cpu->dvm_busy_until);
	cpu->rx_any = true; /* its copies may be queued or skipped */
	SM_INC(cpu->ctr, CPU_DVM_BROADCASTS);
	SM_ADD(cpu->ctr, CPU_DVM_QUEUE_CYCLES, slot - now);
	SM_HIST_REC(cpu->hist, CPU_DVM_QUEUE_CYCLES, slot - now);
	cpu->dvm_busy_until = slot + cpu->dvm_occ;
	uint64_t arrive = slot + cpu->lat_dvm;

	struct sm_dvm_log_rec *skipped = NULL; /* in cpu->skipped */
	struct sm_dvm_log_cell *skipped_at = NULL;
	struct sm_tc_filter_probe pr;
	bool probed = sm_cpu_tlbi_probed(&t), ll = sm_tlbi_last_level(op);
	const uint64_t lat_apply = cpu->lat_apply;
	uint64_t latest = issuer->pending_done;
	sm_tc_filter_probe_init(&pr, &issuer->leaf, t.va, t.level, t.vmid,
				t.asid);
	for (unsigned i = 0; i < cpu->n; i++) {
		struct sm_pe *rx = &cpu->pe[i];
		uint64_t at = i == pe ? now : arrive;
		uint64_t done = sm_max_u64(at, rx->rx_busy_until) + lat_apply;
		/* The issuer's copy acts at issue; another PE's when that PE
		 * has applied it (dvm.h), unless it changes nothing.  (Host
		 * time: a copy that can change nothing is skipped.) */
		bool misses = probed && sm_cpu_tlbi_misses_probe(rx, ll, &pr);
		if (i == pe) {
			/* (Host time: probed, its probe said it may hold.) */
			if (!misses)
				SM_ADD(cpu->ctr, CPU_TLB_INVALIDATED,
				       probed ? sm_cpu_apply_tlbi_page(rx, &t,
								       t.va)
					      : sm_cpu_apply_tlbi(cpu, rx, &t));
		} else {
			/* (Host time: held, the probe said it may hold.) */
			bool held = probed && !misses;
			if (!(misses &&
			      sm_cpu_rx_skip(cpu, i, &t, done, &skipped,
					     &skipped_at)) &&
			    (t.no_effect ||
			     !(held ? sm_dvm_ring_push_held(cpu->alloc, &rx->rx,
							    &t, done)
				    : sm_dvm_ring_push(cpu->alloc, &rx->rx, &t,
						       done))))
				SM_ADD(cpu->ctr, CPU_TLB_INVALIDATED,
				       sm_cpu_apply_tlbi(cpu, rx, &t));
			*rx->st_bystander += lat_apply;
		}
		rx->rx_busy_until = done;
		latest = sm_max_u64(latest, done);
	}
	issuer->pending_done = latest;
	*cpu->st_received[op][1] += cpu->n;
	SM_ADD(cpu->ctr, CPU_BYSTANDER_CYCLES, (cpu->n - 1) * cpu->lat_apply);
	for (unsigned i = 0; i < cpu->n_ext; i++) {
		uint64_t done = cpu->ext[i].apply(cpu->ext[i].ctx, &t, arrive);
		issuer->pending_done = sm_max_u64(issuer->pending_done, done);
	}
	return now + cpu->lat_tlbi;
}

uint64_t sm_cpu_dsb_ish(struct sm_cpu *cpu, unsigned pe, uint64_t now)
{
	struct sm_pe *p = &cpu->pe[pe];
	uint64_t done = sm_max_u64(now + cpu->lat_dsb, p->pending_done);
	SM_INC(cpu->ctr, CPU_DSB_ISH);
	SM_ADD(cpu->ctr, CPU_DSB_WAIT_CYCLES, done - now);
	SM_HIST_REC(cpu->hist, CPU_DSB_WAIT_CYCLES, done - now);
	p->pending_done = 0;
	return done;
}

uint64_t sm_cpu_dsb_ishst(struct sm_cpu *cpu, unsigned pe, uint64_t now)
{
	(void)pe;
	SM_INC(cpu->ctr, CPU_DSB_ISHST);
	return now + cpu->lat_dsb;
}

/* What each walk fault reports (a PE's walk has no stage 2). */
static const enum sm_xlate_outcome walk_outcome[] = {
    [SM_WALK_OK] = SM_XLATE_OK,
    [SM_WALK_FAULT_TRANSLATION] = SM_XLATE_FAULT_TRANSLATION,
    [SM_WALK_FAULT_ACCESS_FLAG] = SM_XLATE_FAULT_ACCESS_FLAG,
    [SM_WALK_FAULT_ADDR_SIZE] = SM_XLATE_FAULT_ADDR_SIZE,
    [SM_WALK_FAULT_STAGE2] = SM_XLATE_FAULT_TRANSLATION,
};

static void count_fault(struct sm_cpu *cpu, enum sm_xlate_outcome o)
{
	switch (o) {
	case SM_XLATE_FAULT_TRANSLATION:
		SM_INC(cpu->ctr, CPU_FAULTS_TRANSLATION);
		break;
	case SM_XLATE_FAULT_PERMISSION:
		SM_INC(cpu->ctr, CPU_FAULTS_PERMISSION);
		break;
	case SM_XLATE_FAULT_ACCESS_FLAG:
		SM_INC(cpu->ctr, CPU_FAULTS_ACCESS_FLAG);
		break;
	case SM_XLATE_FAULT_ADDR_SIZE:
	case SM_XLATE_FAULT_CONFIG:
		SM_INC(cpu->ctr, CPU_FAULTS_ADDRESS_SIZE);
		break;
	case SM_XLATE_OK:
		break;
	}
}

/* A walk through the PE's walk cache; true when it used no walk-cache
 * entry (it read what the tables give now: the report's `walked`). */
static bool walk(struct sm_cpu *cpu, struct sm_pe *p, uint16_t asid,
		 uint64_t root, uint64_t va, uint64_t *t, struct sm_walk *w)
{
	bool hit;
	SM_INC(cpu->ctr, CPU_WALKS);
	*t += sm_xlate_walk(cpu->pm, &p->walk, 0, asid, root, va, w, &hit) *
	      cpu->lat_wc;
	cpu->ctr[hit ? SM_STAT_CPU_WALKCACHE_HITS
		     : SM_STAT_CPU_WALKCACHE_MISSES]++;
	SM_ADD(cpu->ctr, CPU_WALK_READS, w->reads);
	*t += w->reads * cpu->lat_walk;
	return !hit;
}

void sm_cpu_access_at(struct sm_cpu *cpu, unsigned pe, uint16_t asid,
		      uint64_t root, uint64_t va, enum smmusim_access acc,
		      uint64_t now, uint32_t tag, bool uncached,
		      struct sm_cpu_access *out)
{
	struct sm_pe *p = &cpu->pe[pe];
	bool fetch = acc == SMMUSIM_ACC_EXEC;
	sm_cpu_rx_catch_up(cpu, pe, now); /* TLBIs it applied by now */
	if (p->skip_any)		  /* it may fill what they remove */
		sm_cpu_rx_unskip(cpu, p);
	struct sm_tcache *l1 = fetch ? &p->l1i : &p->l1d;
	unsigned need = acc == SMMUSIM_ACC_WRITE  ? SMMUSIM_PROT_W
			: acc == SMMUSIM_ACC_EXEC ? SMMUSIM_PROT_X
						  : SMMUSIM_PROT_R;
	struct sm_xlate_report r;
	sm_xlate_report_start(&r, SMMUSIM_AGENT_CPU, va,
			      acc == SMMUSIM_ACC_WRITE, now, tag);
	r.cpu = pe;
	r.root = root;
	r.asid = asid;
	uint64_t t = now + cpu->lat_l1;

	*out = (struct sm_cpu_access){0};
	/* The L1s and the TLB share a presence filter: when it says none
	 * of them can hold an entry of (0, asid, va) at any level, both
	 * look-ups below would miss (a miss changes no LRU state), so they
	 * are only counted and timed, as `uncached` ones are (host time). */
	uncached = uncached || !sm_tc_filter_may_hold(&p->leaf, va, 0, 0, asid);
	struct sm_tc_entry *e = uncached ? NULL : sm_tc_lookup(l1, 0, asid, va);
	if (e) {
		cpu->ctr[fetch ? SM_STAT_CPU_L1I_HITS : SM_STAT_CPU_L1D_HITS]++;
		r.cache = fetch ? p->l1i_name : p->l1d_name;
	} else {
		cpu->ctr[fetch ? SM_STAT_CPU_L1I_MISSES
			       : SM_STAT_CPU_L1D_MISSES]++;
		t += cpu->lat_tlb;
		e = uncached ? NULL : sm_tc_lookup(&p->tlb, 0, asid, va);
		if (e) {
			SM_INC(cpu->ctr, CPU_TLB_HITS);
			r.cache = p->tlb_name;
			sm_tc_fill(l1, e);
		} else {
			SM_INC(cpu->ctr, CPU_TLB_MISSES);
		}
	}
	if (e) {
		r.from_cache = true;
		sm_xlate_report_entry(&r, e);
		/* Judged against the running mm's table (not the one the
		 * entry came from): an entry of a reused ASID is stale. */
		r.root = root;
		r.root2 = 0;
		r.regime = SM_REGIME_S1;
		out->hit = true;
		/* Permissions are checked on every hit: a store through a
		 * cached read-only entry faults without a walk. */
		if (e->perm & need) {
			r.outcome = SM_XLATE_OK;
			out->pa = e->pa + (va - e->va);
		} else {
			r.outcome = SM_XLATE_FAULT_PERMISSION;
		}
	} else {
		struct sm_walk w;
		r.walked = walk(cpu, p, asid, root, va, &t, &w);
		r.walk_fault = (uint8_t)w.fault;
		r.walk_perm = w.fault == SM_WALK_OK ? (uint8_t)w.perm : 0;
		r.outcome = walk_outcome[w.fault];
		if (w.fault == SM_WALK_OK) {
			struct sm_tc_entry ne =
			    sm_xlate_entry(&w, va, root, asid, 0);
			/* Both lookups of (0, asid, va) above missed and the
			 * walk fills neither cache: no entry to replace
			 * (host time: sm_tc_fill_missed of the TLB then the
			 * L1, no search, in one call). */
			if (sm_tc_fill_missed2(&p->tlb, l1, &ne))
				SM_INC(cpu->ctr, CPU_TLB_EVICTIONS);
			sm_xlate_report_entry(&r, &ne);
			if (w.perm & need)
				out->pa = w.pa;
			else
				r.outcome = SM_XLATE_FAULT_PERMISSION;
		}
	}
	count_fault(cpu, r.outcome);
	out->outcome = r.outcome;
	out->done = t;
	sm_observe(&cpu->obs, &r);
}

struct holds_ctx {
	uint16_t asid;
	uint64_t start, end;
	bool found;
};

static void holds_one(void *ctx, const struct sm_tc_entry *e)
{
	struct holds_ctx *c = ctx;
	if ((e->global || e->asid == c->asid) && e->va < c->end &&
	    e->va + sm_tc_size(e) > c->start)
		c->found = true;
}

bool sm_cpu_holds(const struct sm_cpu *cpu, uint16_t asid, uint64_t start,
		  uint64_t end)
{
	struct holds_ctx c = {asid, start, end, false};
	for (unsigned i = 0; i < cpu->n && !c.found; i++) {
		sm_tc_for_each(&cpu->pe[i].l1i, holds_one, &c);
		sm_tc_for_each(&cpu->pe[i].l1d, holds_one, &c);
		sm_tc_for_each(&cpu->pe[i].tlb, holds_one, &c);
	}
	return c.found;
}
