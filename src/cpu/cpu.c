/* SPDX-License-Identifier: MIT */
#include "cpu/cpu.h"

#include <stdio.h>

#include <smmusim/error.h>
#include <smmusim/event.h>

#include "core/alloc.h"
#include "core/config.h"
#include "mem/pgtable.h"
#include "mem/xlate.h"

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

int sm_cpu_init(struct sm_cpu *cpu, const struct smmusim_allocator *a,
		const smmusim_config_t *cfg, const struct sm_physmem *pm,
		struct sm_stats *st, struct sm_errbuf *eb)
{
	*cpu = (struct sm_cpu){.alloc = a, .pm = pm};
	cpu->n = (unsigned)sm_cfg_u64(cfg, SM_K_CPU_COUNT);
	cpu->lat_hit = sm_cfg_u64(cfg, SM_K_CPU_LAT_TLB_HIT);
	cpu->lat_tlbi = sm_cfg_u64(cfg, SM_K_CPU_LAT_TLBI);
	cpu->lat_dvm = sm_cfg_u64(cfg, SM_K_CPU_LAT_DVM);
	cpu->lat_apply = sm_cfg_u64(cfg, SM_K_CPU_LAT_TLBI_APPLY);
	cpu->lat_dsb = sm_cfg_u64(cfg, SM_K_CPU_LAT_DSB);
	cpu->lat_mem = sm_cfg_u64(cfg, SM_K_MEM_LATENCY);

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
		int rc = sm_tc_init(&cpu->pe[i].tlb, a,
				    sm_cfg_u64(cfg, SM_K_CPU_TLB_ENTRIES),
				    sm_cfg_u64(cfg, SM_K_CPU_TLB_WAYS),
				    "cpu.tlb.entries/cpu.tlb.ways", eb);
		if (rc < 0) {
			sm_cpu_fini(cpu);
			return rc;
		}
		cpu->n_tlbs = i + 1;
		snprintf(cpu->pe[i].tlb_name, sizeof(cpu->pe[i].tlb_name),
			 "cpu%u.tlb", i);
	}

	for (int op = 0; op < SM_TLBI_OP_COUNT_; op++)
		for (int is = 0; is < 2; is++) {
			const char *nm = sm_tlbi_name((enum sm_tlbi_op)op, is);
			cpu->st_issued[op][is] =
			    sm_stats_counterf(st, "cpu.tlbi.issued.%s", nm);
			cpu->st_received[op][is] =
			    sm_stats_counterf(st, "cpu.tlbi.received.%s", nm);
		}
	cpu->st_dsb_ish = sm_stats_counter(st, "cpu.dsb.ish");
	cpu->st_dsb_ishst = sm_stats_counter(st, "cpu.dsb.ishst");
	cpu->st_hits = sm_stats_counter(st, "cpu.tlb.hits");
	cpu->st_misses = sm_stats_counter(st, "cpu.tlb.misses");
	cpu->st_walks = sm_stats_counter(st, "cpu.walks");
	cpu->st_walk_reads = sm_stats_counter(st, "cpu.walk.reads");
	cpu->st_bystander = sm_stats_counter(st, "cpu.bystander_cycles");
	cpu->st_invalidated = sm_stats_counter(st, "cpu.tlb.invalidated");
	cpu->st_evictions = sm_stats_counter(st, "cpu.tlb.evictions");
	cpu->st_fault_translation =
	    sm_stats_counter(st, "cpu.faults.translation");
	cpu->st_fault_permission =
	    sm_stats_counter(st, "cpu.faults.permission");
	cpu->st_fault_af = sm_stats_counter(st, "cpu.faults.access_flag");
	cpu->st_fault_addr = sm_stats_counter(st, "cpu.faults.address_size");
	cpu->h_dsb_wait = sm_stats_hist(st, "cpu.dsb.wait_cycles");
	if (!cpu->st_fault_addr || !cpu->h_dsb_wait) {
		sm_cpu_fini(cpu);
		return sm_err(eb, SMMUSIM_ENOMEM, "cpu: out of memory");
	}
	return 0;
}

void sm_cpu_fini(struct sm_cpu *cpu)
{
	if (!cpu->pe)
		return;
	for (unsigned i = 0; i < cpu->n_tlbs; i++)
		sm_tc_fini(&cpu->pe[i].tlb);
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

/* Apply one TLBI to one PE's TLB (Arm ARM D8.16.2: VA forms match the ASID
 * or global entries; ASID forms only non-global entries of that ASID;
 * VMALLE1 everything of the current VMID).  The TLB holds leaf entries only
 * in this model, so the last-level forms remove the same entries as the
 * all-level forms. */
static unsigned apply_to_tlb(struct sm_tcache *tlb, const struct sm_tlbi *t)
{
	switch (t->op) {
	case SM_TLBI_VAE1:
	case SM_TLBI_VALE1:
		return sm_tc_inv_va(tlb, t->vmid, t->asid, SM_TC_ASID_OR_GLOBAL,
				    t->va);
	case SM_TLBI_ASIDE1:
		return sm_tc_inv_asid(tlb, t->vmid, t->asid);
	case SM_TLBI_VMALLE1:
		return sm_tc_inv_vmid(tlb, t->vmid);
	case SM_TLBI_OP_COUNT_:
		break;
	}
	return 0;
}

uint64_t sm_cpu_tlbi(struct sm_cpu *cpu, unsigned pe, enum sm_tlbi_op op,
		     bool is, uint64_t operand, uint64_t now)
{
	struct sm_tlbi t;
	struct sm_pe *issuer = &cpu->pe[pe];
	sm_tlbi_decode(op, is, operand, &t);
	(*cpu->st_issued[op][is])++;

	if (!is) {
		/* A local TLBI: the issuer is its only receiver. */
		(*cpu->st_received[op][0])++;
		*cpu->st_invalidated += apply_to_tlb(&issuer->tlb, &t);
		uint64_t done =
		    max_u64(now, issuer->rx_busy_until) + cpu->lat_apply;
		issuer->rx_busy_until = done;
		issuer->pending_done = max_u64(issuer->pending_done, done);
		return now + cpu->lat_tlbi;
	}

	for (unsigned i = 0; i < cpu->n; i++) {
		struct sm_pe *rx = &cpu->pe[i];
		uint64_t arrive = i == pe ? now : now + cpu->lat_dvm;
		uint64_t start = max_u64(arrive, rx->rx_busy_until);
		uint64_t done = start + cpu->lat_apply;
		*cpu->st_invalidated += apply_to_tlb(&rx->tlb, &t);
		(*cpu->st_received[op][is])++;
		if (i != pe)
			*cpu->st_bystander += cpu->lat_apply;
		rx->rx_busy_until = done;
		issuer->pending_done = max_u64(issuer->pending_done, done);
	}
	for (unsigned i = 0; i < cpu->n_ext; i++) {
		uint64_t done =
		    cpu->ext[i].apply(cpu->ext[i].ctx, &t, now + cpu->lat_dvm);
		issuer->pending_done = max_u64(issuer->pending_done, done);
	}
	return now + cpu->lat_tlbi;
}

uint64_t sm_cpu_dsb_ish(struct sm_cpu *cpu, unsigned pe, uint64_t now)
{
	struct sm_pe *p = &cpu->pe[pe];
	uint64_t done = max_u64(now + cpu->lat_dsb, p->pending_done);
	(*cpu->st_dsb_ish)++;
	sm_hist_record(cpu->h_dsb_wait, done - now);
	p->pending_done = 0;
	return done;
}

uint64_t sm_cpu_dsb_ishst(struct sm_cpu *cpu, unsigned pe, uint64_t now)
{
	(void)pe;
	(*cpu->st_dsb_ishst)++;
	return now + cpu->lat_dsb;
}

static enum sm_xlate_outcome walk_outcome(enum sm_walk_fault f)
{
	switch (f) {
	case SM_WALK_OK:
		return SM_XLATE_OK;
	case SM_WALK_FAULT_TRANSLATION:
		return SM_XLATE_FAULT_TRANSLATION;
	case SM_WALK_FAULT_ACCESS_FLAG:
		return SM_XLATE_FAULT_ACCESS_FLAG;
	case SM_WALK_FAULT_ADDR_SIZE:
		return SM_XLATE_FAULT_ADDR_SIZE;
	}
	return SM_XLATE_FAULT_TRANSLATION;
}

static void count_fault(struct sm_cpu *cpu, enum sm_xlate_outcome o)
{
	switch (o) {
	case SM_XLATE_FAULT_TRANSLATION:
		(*cpu->st_fault_translation)++;
		break;
	case SM_XLATE_FAULT_PERMISSION:
		(*cpu->st_fault_permission)++;
		break;
	case SM_XLATE_FAULT_ACCESS_FLAG:
		(*cpu->st_fault_af)++;
		break;
	case SM_XLATE_FAULT_ADDR_SIZE:
	case SM_XLATE_FAULT_CONFIG:
		(*cpu->st_fault_addr)++;
		break;
	case SM_XLATE_OK:
		break;
	}
}

void sm_cpu_access(struct sm_cpu *cpu, unsigned pe, uint16_t asid,
		   uint64_t root, uint64_t va, bool write, uint64_t now,
		   uint32_t tag, struct sm_cpu_access *out)
{
	struct sm_pe *p = &cpu->pe[pe];
	unsigned need = write ? SMMUSIM_PROT_W : SMMUSIM_PROT_R;
	struct sm_xlate_report r = {
	    .agent_kind = SMMUSIM_AGENT_CPU,
	    .cpu = pe,
	    .tag = tag,
	    .cycle = now,
	    .root = root,
	    .asid = asid,
	    .va = va,
	    .write = write,
	};
	uint64_t t = now + cpu->lat_hit;
	struct sm_tc_entry *e = sm_tc_lookup(&p->tlb, 0, asid, va);

	*out = (struct sm_cpu_access){0};
	if (e) {
		(*cpu->st_hits)++;
		r.cache = p->tlb_name;
		r.from_cache = true;
		r.root = e->root;
		sm_xlate_report_entry(&r, e);
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
		(*cpu->st_misses)++;
		(*cpu->st_walks)++;
		sm_pgt_walk(cpu->pm, root, va, &w);
		*cpu->st_walk_reads += w.reads;
		t += w.reads * cpu->lat_mem;
		r.outcome = walk_outcome(w.fault);
		if (w.fault == SM_WALK_OK) {
			struct sm_tc_entry ne =
			    sm_xlate_entry(&w, va, root, asid, 0);
			if (sm_tc_fill(&p->tlb, &ne))
				(*cpu->st_evictions)++;
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
