/* SPDX-License-Identifier: MIT */
/*
 * SMMUv3 translation and command processing.
 *
 * Translation of a stage-1 stream (spec 3.3 "Data structures and
 * translation procedure"): look the (StreamID, SubstreamID) pair up in the
 * configuration cache, else fetch the STE from the linear stream table and
 * the CD from the STE's CD table, check them and cache the decoded pair; then
 * look the address up in the IOTLB, else walk the CD's TTB0 table with the
 * same walker the CPU uses.
 *
 * Permissions are cached with the translation (spec 16.2 "TLB tagging and
 * permissions": like a PE's TLB, an SMMU may cache the permissions of a
 * walk).  With smmu.iotlb.perm_fault_from_cache on, a write that hits a
 * read-only entry faults without a walk: that is what QEMU's IOTLB does and
 * what real implementations may do, and it is why a permission upgrade must
 * be followed by an invalidation that reaches the SMMU.  gem5 re-walks in
 * that case; smmu.iotlb.perm_fault_from_cache=off models that.
 *
 * Walks and command consumption happen at the cycle the call is made; the
 * latency returned is accounted for the caller (see docs/model.md).
 */
#include "hw/smmu/smmu.h"

#include <string.h>

#include <smmusim/error.h>
#include <smmusim/event.h>

#include "base/alloc.h"
#include "engine/config.h"
#include "hw/mem/pgtable.h"
#include "hw/mem/xlate.h"
#include "hw/mem/xlate.h"
#include "arch/smmu_regs.h"

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

int sm_smmu_init(struct sm_smmu *s, const struct smmusim_allocator *a,
		 const smmusim_config_t *cfg, struct sm_physmem *pm,
		 struct sm_stats *st, struct sm_rng *rng, struct sm_errbuf *eb)
{
	static const char *const evt_names[] = {"none",
#define SM_EVT_NAME_(n, id, str) str,
						SM_SMMU_EVENTS(SM_EVT_NAME_)
#undef SM_EVT_NAME_
	};
	*s = (struct sm_smmu){.alloc = a, .pm = pm};
	s->btm = sm_cfg_bool(cfg, SM_K_SMMU_BTM);
	s->perm_fault_from_cache =
	    sm_cfg_bool(cfg, SM_K_SMMU_IOTLB_PERM_FAULT_FROM_CACHE);
	s->lat_iotlb = sm_cfg_u64(cfg, SM_K_SMMU_LAT_IOTLB_HIT);
	s->lat_cfg = sm_cfg_u64(cfg, SM_K_SMMU_LAT_CFG);
	s->lat_cmd = sm_cfg_u64(cfg, SM_K_SMMU_LAT_CMD);
	s->lat_cmd_cfgi = sm_cfg_u64(cfg, SM_K_SMMU_LAT_CMD_CFGI);
	s->lat_cmd_tlbi = sm_cfg_u64(cfg, SM_K_SMMU_LAT_CMD_TLBI);
	s->lat_cmd_sync = sm_cfg_u64(cfg, SM_K_SMMU_LAT_CMD_SYNC);
	s->lat_inv_scan = sm_cfg_u64(cfg, SM_K_SMMU_LAT_INV_SCAN);
	s->lat_mem = sm_cfg_u64(cfg, SM_K_MEM_LATENCY);

	uint64_t ce = sm_cfg_u64(cfg, SM_K_SMMU_CFGCACHE_ENTRIES);
	uint64_t cw = sm_cfg_u64(cfg, SM_K_SMMU_CFGCACHE_WAYS);
	if (ce % cw)
		return sm_err(eb, SMMUSIM_ERANGE,
			      "smmu.cfgcache.entries: %llu is not a multiple "
			      "of smmu.cfgcache.ways (%llu)",
			      (unsigned long long)ce, (unsigned long long)cw);
	s->cfg_sets = (uint32_t)(ce / cw);
	s->cfg_ways = (uint32_t)cw;
	s->cfg = sm_calloc(a, ce * sizeof(*s->cfg));
	if (!s->cfg)
		return sm_err(eb, SMMUSIM_ENOMEM, "smmu: out of memory");
	int rc =
	    sm_tc_init(&s->iotlb, a, sm_cfg_u64(cfg, SM_K_SMMU_IOTLB_ENTRIES),
		       sm_cfg_u64(cfg, SM_K_SMMU_IOTLB_WAYS),
		       "smmu.iotlb.entries/smmu.iotlb.ways", eb);
	if (rc < 0) {
		sm_smmu_fini(s);
		return rc;
	}
	sm_tc_set_repl(&s->iotlb,
		       (enum sm_tc_repl)sm_cfg_enum(cfg, SM_K_SMMU_IOTLB_REPL),
		       rng);
	s->neg_cache =
	    sm_cfg_bool(cfg, SM_K_SMMU_IOTLB_CACHE_TRANSLATION_FAULTS);
	s->ats = sm_cfg_bool(cfg, SM_K_DEV_ATS);
	s->atc_entries = sm_cfg_u64(cfg, SM_K_DEV_ATC_ENTRIES);
	s->atc_ways = sm_cfg_u64(cfg, SM_K_DEV_ATC_WAYS);
	s->lat_ats = sm_cfg_u64(cfg, SM_K_DEV_LAT_ATS);
	s->lat_atc = sm_cfg_u64(cfg, SM_K_DEV_LAT_ATC_HIT);
	if (s->ats && s->atc_entries % s->atc_ways) {
		sm_smmu_fini(s);
		return sm_err(eb, SMMUSIM_ERANGE,
			      "dev.atc.entries: %llu is not a multiple of "
			      "dev.atc.ways (%llu)",
			      (unsigned long long)s->atc_entries,
			      (unsigned long long)s->atc_ways);
	}
	s->lat_utlb = sm_cfg_u64(cfg, SM_K_SMMU_LAT_UTLB_HIT);
	s->lat_wc = sm_cfg_u64(cfg, SM_K_SMMU_LAT_WALKCACHE);
	if (sm_cfg_u64(cfg, SM_K_SMMU_UTLB_ENTRIES)) {
		rc = sm_tc_init(&s->utlb, a,
				sm_cfg_u64(cfg, SM_K_SMMU_UTLB_ENTRIES),
				sm_cfg_u64(cfg, SM_K_SMMU_UTLB_WAYS),
				"smmu.utlb.entries/smmu.utlb.ways", eb);
		if (rc < 0) {
			sm_smmu_fini(s);
			return rc;
		}
		s->has_utlb = true;
	}
	if (sm_cfg_u64(cfg, SM_K_SMMU_WALKCACHE_ENTRIES)) {
		rc = sm_tc_init(
		    &s->walk, a, sm_cfg_u64(cfg, SM_K_SMMU_WALKCACHE_ENTRIES),
		    sm_cfg_u64(cfg, SM_K_SMMU_WALKCACHE_WAYS),
		    "smmu.walkcache.entries/smmu.walkcache.ways", eb);
		if (rc < 0) {
			sm_smmu_fini(s);
			return rc;
		}
		s->walk.min_level = 0;
		s->has_walk = true;
	}

	for (unsigned i = 0; i < SM_SMMU_CMD_COUNT; i++)
		s->st_cmd[sm_smmu_cmd_defs[i].op] = sm_stats_counterf(
		    st, "smmu.cmd.%s", sm_smmu_cmd_defs[i].name);
	s->st_iotlb_hits = sm_stats_counter(st, "smmu.iotlb.hits");
	s->st_iotlb_misses = sm_stats_counter(st, "smmu.iotlb.misses");
	s->st_iotlb_fills = sm_stats_counter(st, "smmu.iotlb.fills");
	s->st_iotlb_flush_full = sm_stats_counter(st, "smmu.iotlb.flush_full");
	s->st_iotlb_evictions = sm_stats_counter(st, "smmu.iotlb.evictions");
	s->st_iotlb_invalidated =
	    sm_stats_counter(st, "smmu.iotlb.invalidated");
	s->nslots = (unsigned)sm_cfg_u64(cfg, SM_K_SMMU_XLATE_SLOTS);
	s->slot_free = sm_calloc(a, s->nslots * sizeof(*s->slot_free));
	s->st_xlate_queue = sm_stats_counter(st, "smmu.xlate.queue_cycles");
	s->nstall_slots = (unsigned)sm_cfg_u64(cfg, SM_K_SMMU_STALL_SLOTS);
	s->stalls = sm_calloc(a, s->nstall_slots * sizeof(*s->stalls));
	s->st_stalls = sm_stats_counter(st, "smmu.stall.stalled");
	s->st_stall_full = sm_stats_counter(st, "smmu.stall.no_slot");
	s->st_stall_resumed = sm_stats_counter(st, "smmu.stall.resumed");
	s->st_stall_terminated = sm_stats_counter(st, "smmu.stall.terminated");
	s->st_stall_bad_resume =
	    sm_stats_counter(st, "smmu.stall.unmatched_resumes");
	if (!s->slot_free || !s->stalls) {
		sm_smmu_fini(s);
		return sm_err(eb, SMMUSIM_ENOMEM, "smmu: out of memory");
	}
	s->st_atc_hits = sm_stats_counter(st, "smmu.atc.hits");
	s->st_atc_misses = sm_stats_counter(st, "smmu.atc.misses");
	s->st_ats_requests =
	    sm_stats_counter(st, "smmu.atc.translation_requests");
	s->st_atc_invalidated = sm_stats_counter(st, "smmu.atc.invalidated");
	s->st_utlb_hits = sm_stats_counter(st, "smmu.utlb.hits");
	s->st_utlb_misses = sm_stats_counter(st, "smmu.utlb.misses");
	s->st_wc_hits = sm_stats_counter(st, "smmu.walkcache.hits");
	s->st_wc_misses = sm_stats_counter(st, "smmu.walkcache.misses");
	s->st_neg_fills = sm_stats_counter(st, "smmu.iotlb.negative_fills");
	s->st_neg_hits = sm_stats_counter(st, "smmu.iotlb.negative_hits");
	s->st_cfg_hits = sm_stats_counter(st, "smmu.cfgcache.hits");
	s->st_cfg_misses = sm_stats_counter(st, "smmu.cfgcache.misses");
	s->st_cfg_invalidated =
	    sm_stats_counter(st, "smmu.cfgcache.invalidated");
	s->st_walks = sm_stats_counter(st, "smmu.walks");
	s->st_walk_reads = sm_stats_counter(st, "smmu.walk.reads");
	s->st_evtq_records = sm_stats_counter(st, "smmu.evtq.records");
	s->st_evtq_overflows = sm_stats_counter(st, "smmu.evtq.overflows");
	s->st_priq_requests = sm_stats_counter(st, "smmu.priq.requests");
	s->st_priq_overflows = sm_stats_counter(st, "smmu.priq.overflows");
	s->st_pri_requests = sm_stats_counter(st, "smmu.pri.requests");
	s->st_btm_received = sm_stats_counter(st, "smmu.btm.received");
	s->st_cmdq_errors = sm_stats_counter(st, "smmu.cmdq.errors");
	s->st_translations = sm_stats_counter(st, "smmu.translations");
	s->st_aborted = sm_stats_counter(st, "smmu.aborted");
	s->st_faults_stage2 = sm_stats_counter(st, "smmu.faults.stage2");
	for (int i = 1; i < SM_EVT_COUNT_; i++)
		s->st_faults[i] =
		    sm_stats_counterf(st, "smmu.faults.%s", evt_names[i]);
	s->h_xlate = sm_stats_hist(st, "smmu.translation.latency");
	if (!s->h_xlate || !s->st_faults[SM_EVT_COUNT_ - 1]) {
		sm_smmu_fini(s);
		return sm_err(eb, SMMUSIM_ENOMEM, "smmu: out of memory");
	}
	return 0;
}

void sm_smmu_fini(struct sm_smmu *s)
{
	if (s->cfg)
		sm_free(s->alloc, s->cfg,
			(size_t)s->cfg_sets * s->cfg_ways * sizeof(*s->cfg));
	s->cfg = NULL;
	if (s->iotlb.e)
		sm_tc_fini(&s->iotlb);
	if (s->has_utlb)
		sm_tc_fini(&s->utlb);
	if (s->has_walk)
		sm_tc_fini(&s->walk);
	s->has_utlb = s->has_walk = false;
	sm_smmu_atc_fini(s);
	if (s->slot_free)
		sm_free(s->alloc, s->slot_free,
			s->nslots * sizeof(*s->slot_free));
	s->slot_free = NULL;
	if (s->stalls)
		sm_free(s->alloc, s->stalls,
			s->nstall_slots * sizeof(*s->stalls));
	s->stalls = NULL;
}

void sm_smmu_set_strtab(struct sm_smmu *s, uint64_t base, unsigned log2size)
{
	s->strtab_base = base;
	s->strtab_log2size = log2size;
	s->strtab_split = 0;
}

void sm_smmu_set_strtab_2lvl(struct sm_smmu *s, uint64_t base,
			     unsigned log2size, unsigned split)
{
	s->strtab_base = base;
	s->strtab_log2size = log2size;
	s->strtab_split = split;
}

void sm_smmu_set_cmdq(struct sm_smmu *s, uint64_t base, unsigned log2size)
{
	s->cmdq_base = base;
	s->cmdq_log2size = log2size;
	s->cmdq_prod = s->cmdq_cons = 0;
}

/* ---- configuration: STE + CD fetch and the configuration cache ---- */

static struct sm_smmu_ctx *cfg_set(struct sm_smmu *s, uint32_t sid,
				   uint32_t ssid)
{
	uint64_t key = ((uint64_t)sid << 20 | ssid) * 0x9e3779b97f4a7c15ull;
	return &s->cfg[(size_t)((key >> 32) % s->cfg_sets) * s->cfg_ways];
}

/* Is a structure fetch from pa going to memory?  Outside RAM the fetch
 * aborts: F_STE_FETCH / F_CD_FETCH (spec 7.3.4 and 7.3.10). */
static bool fetchable(const struct sm_smmu *s, uint64_t pa)
{
	uint64_t base = sm_physmem_base(s->pm);
	return pa >= base && pa - base + 64 <= sm_physmem_size(s->pm);
}

/* The STE of sid: linear, or through a level-1 descriptor (spec 3.3.2:
 * L1STD.Span = 0 means no level-2 table -> C_BAD_STREAMID; an index
 * beyond 2^(Span-1) STEs -> C_BAD_STE). */
static enum sm_smmu_event ste_addr(struct sm_smmu *s, uint32_t sid,
				   uint64_t *pa, unsigned *reads)
{
	if (sid >> s->strtab_log2size || !s->strtab_base)
		return SM_EVT_C_BAD_STREAMID;
	if (!s->strtab_split) {
		*pa = s->strtab_base + (uint64_t)sid * 64;
		return SM_EVT_NONE;
	}
	uint64_t l1 = s->strtab_base + (uint64_t)(sid >> s->strtab_split) * 8;
	if (!fetchable(s, l1))
		return SM_EVT_F_STE_FETCH;
	uint64_t d = sm_physmem_read64(s->pm, l1);
	(*reads)++;
	unsigned span = (unsigned)sm_field_get(STRTAB_L1_DESC_SPAN, d);
	if (!span)
		return SM_EVT_C_BAD_STREAMID;
	uint32_t idx = sid & ((1u << s->strtab_split) - 1);
	if (span > 12 || idx >= (1u << (span - 1)))
		return SM_EVT_C_BAD_STE;
	*pa = (d & STRTAB_L1_DESC_L2PTR_MASK) + (uint64_t)idx * 64;
	return SM_EVT_NONE;
}

/* Translate a stage-1 structure address (CD table, CD) through stage 2
 * when the stream is nested. */
static bool ipa_to_pa(struct sm_smmu *s, const struct sm_smmu_ctx *c,
		      uint64_t ipa, uint64_t *pa, unsigned *reads)
{
	if (!c->s2) {
		*pa = ipa;
		return true;
	}
	struct sm_regime rg = {SM_REGIME_S2, 0, c->s2ttb, c->s2_level};
	struct sm_walk w;
	sm_pgt_translate(s->pm, &rg, ipa, &w);
	*reads += w.reads;
	*pa = w.pa;
	return w.fault == SM_WALK_OK && (w.perm & SMMUSIM_PROT_R);
}

/* Fetch and check the STE and CD of (sid, ssid) (spec 5.2 and 5.4; the
 * checks that make an entry ILLEGAL raise C_BAD_STE / C_BAD_CD). */
static void fetch_ctx(struct sm_smmu *s, uint32_t sid, uint32_t ssid,
		      struct sm_smmu_ctx *c, unsigned *reads)
{
	uint64_t ste_pa;
	*c = (struct sm_smmu_ctx){.valid = true, .sid = sid, .ssid = ssid};
	if ((c->error = ste_addr(s, sid, &ste_pa, reads)) != SM_EVT_NONE)
		return;
	if (!fetchable(s, ste_pa)) {
		c->error = SM_EVT_F_STE_FETCH;
		return;
	}
	uint64_t ste[4];
	for (int i = 0; i < 4; i++)
		ste[i] = sm_physmem_read64(s->pm, ste_pa + 8 * (uint64_t)i);
	(*reads)++;
	if (!(ste[0] & STRTAB_STE_0_V)) {
		c->error = SM_EVT_C_BAD_STE;
		return;
	}
	switch (sm_field_get(STRTAB_STE_0_CFG, ste[0])) {
	case STRTAB_STE_0_CFG_ABORT:
		c->abort = true;
		return;
	case STRTAB_STE_0_CFG_BYPASS:
		c->bypass = true;
		return;
	case STRTAB_STE_0_CFG_S1_TRANS:
		c->s1 = true;
		break;
	case STRTAB_STE_0_CFG_S2_TRANS:
		c->s2 = true;
		break;
	case STRTAB_STE_0_CFG_NESTED:
		c->s1 = c->s2 = true;
		break;
	default:
		c->error = SM_EVT_C_BAD_STE; /* reserved Config */
		return;
	}
	c->eats = sm_field_get(STRTAB_STE_1_EATS, ste[1]) == 1;
	if (c->s2) {
		/* Stage 2: AArch64, 4K granule, the starting level from
		 * VTCR.SL0 (0: level 2, 1: level 1, 2: level 0). */
		uint64_t vtcr = sm_field_get(STRTAB_STE_2_VTCR, ste[2]);
		unsigned sl0 =
		    (unsigned)sm_field_get(STRTAB_STE_2_VTCR_S2SL0, vtcr);
		c->vmid = (uint16_t)sm_field_get(STRTAB_STE_2_S2VMID, ste[2]);
		c->s2t0sz =
		    (unsigned)sm_field_get(STRTAB_STE_2_VTCR_S2T0SZ, vtcr);
		c->s2ttb = ste[3] & STRTAB_STE_3_S2TTB_MASK & ~0xfffull;
		c->s2_level = 2 - (int)sl0;
		c->s2record = ste[2] & STRTAB_STE_2_S2R;
		/* The starting level must resolve exactly the input size:
		 * more than the next level covers, no more than its own
		 * (concatenated starting tables are not modelled). */
		unsigned in_bits = 64 - c->s2t0sz;
		unsigned cover = 12 + 9 * (4 - (unsigned)(2 - (int)sl0));
		if (!(ste[2] & STRTAB_STE_2_S2AA64) || sl0 > 2 ||
		    sm_field_get(STRTAB_STE_2_VTCR_S2TG, vtcr) != 0 ||
		    c->s2t0sz < 16 || c->s2t0sz > 39 || in_bits > cover ||
		    in_bits <= cover - 9) {
			c->error = SM_EVT_C_BAD_STE;
			return;
		}
		if (!c->s1) {
			c->record = c->s2record;
			/* A SubstreamID needs stage 1 (spec 3.9: with stage
			 * 1 not enabled, SSV = 1 is C_BAD_SUBSTREAMID). */
			if (ssid != SMMUSIM_NO_SSID)
				c->error = SM_EVT_C_BAD_SUBSTREAMID;
			return;
		}
	}
	/* Stage 1: the CD table, linear or two-level (S1Fmt 4K_L2: 64 CDs
	 * per leaf table, 64K_L2: 1024). */
	unsigned fmt = (unsigned)sm_field_get(STRTAB_STE_0_S1FMT, ste[0]);
	unsigned cdmax = (unsigned)sm_field_get(STRTAB_STE_0_S1CDMAX, ste[0]);
	if (fmt > STRTAB_STE_0_S1FMT_64K_L2) {
		c->error = SM_EVT_C_BAD_STE;
		return;
	}
	if (ssid == SMMUSIM_NO_SSID) {
		/* No substream: with one CD it is used; otherwise STE.S1DSS
		 * says (spec 5.2: terminate, bypass, or use substream 0). */
		unsigned dss =
		    (unsigned)sm_field_get(STRTAB_STE_1_S1DSS, ste[1]);
		if (cdmax && dss == 0) {
			c->abort = true;
			return;
		}
		if (cdmax && dss == 1) {
			c->bypass = true;
			return;
		}
		ssid = 0;
	} else if (ssid >> cdmax) {
		c->error = SM_EVT_C_BAD_SUBSTREAMID;
		return;
	}
	uint64_t ctx_ipa = ste[0] & STRTAB_STE_0_S1CTXPTR_MASK, cd_ipa;
	if (fmt == STRTAB_STE_0_S1FMT_LINEAR || !cdmax) {
		cd_ipa = ctx_ipa + (uint64_t)ssid * 64;
	} else {
		unsigned split = fmt == STRTAB_STE_0_S1FMT_4K_L2 ? 6 : 10;
		uint64_t l1_ipa = ctx_ipa + (uint64_t)(ssid >> split) * 8, l1;
		if (!ipa_to_pa(s, c, l1_ipa, &l1, reads) || !fetchable(s, l1)) {
			c->error = SM_EVT_F_CD_FETCH;
			return;
		}
		uint64_t d = sm_physmem_read64(s->pm, l1);
		(*reads)++;
		if (!(d & CTXDESC_L1_DESC_V)) {
			c->error = SM_EVT_C_BAD_CD;
			return;
		}
		cd_ipa = (d & CTXDESC_L1_DESC_L2PTR_MASK) +
			 (uint64_t)(ssid & ((1u << split) - 1)) * 64;
	}
	uint64_t cd_pa;
	if (!ipa_to_pa(s, c, cd_ipa, &cd_pa, reads) || !fetchable(s, cd_pa)) {
		c->error = SM_EVT_F_CD_FETCH;
		return;
	}
	uint64_t cd0 = sm_physmem_read64(s->pm, cd_pa);
	uint64_t cd1 = sm_physmem_read64(s->pm, cd_pa + 8);
	(*reads)++;
	if (!(cd0 & CTXDESC_CD_0_V)) {
		c->error = SM_EVT_C_BAD_CD;
		return;
	}
	c->t0sz = (unsigned)sm_field_get(CTXDESC_CD_0_TCR_T0SZ, cd0);
	c->epd0 = cd0 & CTXDESC_CD_0_TCR_EPD0;
	/* AArch64 tables with a 4K granule only, and a T0SZ that fits the
	 * 4-level walk: anything else is a CD this model cannot use. */
	if (!(cd0 & CTXDESC_CD_0_AA64) ||
	    sm_field_get(CTXDESC_CD_0_TCR_TG0, cd0) != 0 ||
	    (!c->epd0 && (c->t0sz < 16 || c->t0sz > 39))) {
		c->error = SM_EVT_C_BAD_CD;
		return;
	}
	c->asid = (uint16_t)sm_field_get(CTXDESC_CD_0_ASID, cd0);
	c->ttb0 = cd1 & CTXDESC_CD_1_TTB0_MASK & ~0xfffull;
	c->aset = cd0 & CTXDESC_CD_0_ASET;
	c->record = (cd0 & CTXDESC_CD_0_R) || c->s2record;
	c->stall = cd0 & CTXDESC_CD_0_S;
}

static const struct sm_smmu_ctx *get_ctx(struct sm_smmu *s, uint32_t sid,
					 uint32_t ssid, uint64_t *t)
{
	struct sm_smmu_ctx *set = cfg_set(s, sid, ssid), *victim = NULL;
	*t += s->lat_cfg;
	for (uint32_t w = 0; w < s->cfg_ways; w++) {
		struct sm_smmu_ctx *c = &set[w];
		if (c->valid && c->sid == sid && c->ssid == ssid) {
			(*s->st_cfg_hits)++;
			c->stamp = ++s->cfg_tick;
			return c;
		}
		if (!victim || !c->valid ||
		    (victim->valid && c->stamp < victim->stamp))
			victim = c;
	}
	(*s->st_cfg_misses)++;
	unsigned reads = 0;
	fetch_ctx(s, sid, ssid, victim, &reads);
	*t += reads * s->lat_mem;
	victim->stamp = ++s->cfg_tick;
	/* Illegal configurations are not cached (the spec lets an
	 * implementation cache only valid structures, 16.2). */
	if (victim->error != SM_EVT_NONE) {
		victim->valid = false;
	}
	return victim;
}

/* ---- event and PRI queues ---- */

void sm_smmu_set_evtq(struct sm_smmu *s, uint64_t base, unsigned log2size)
{
	s->evtq = (struct sm_smmu_queue){base, log2size, EVTQ_ENT_DWORDS,
					 0,    0,	 false};
}

void sm_smmu_set_priq(struct sm_smmu *s, uint64_t base, unsigned log2size)
{
	s->priq = (struct sm_smmu_queue){base, log2size, PRIQ_ENT_DWORDS,
					 0,    0,	 false};
}

/* Write one record at PROD; false (and OVFLG toggled) if the queue is
 * full: the record is lost (spec 7.4 "Event queue overflow", 8.2). */
static bool q_push(struct sm_smmu *s, struct sm_smmu_queue *q,
		   const uint64_t *words)
{
	uint32_t n = 1u << q->log2size;
	if (!q->base)
		return false;
	if (sm_smmu_queue_used(q) >= n) {
		q->ovflg = !q->ovflg;
		return false;
	}
	uint64_t pa = q->base + (uint64_t)(q->prod & (n - 1)) * q->dwords * 8;
	for (unsigned i = 0; i < q->dwords; i++)
		sm_physmem_write64(s->pm, pa + 8 * i, words[i]);
	q->prod = (q->prod + 1) & ((n << 1) - 1);
	return true;
}

static const uint8_t evt_ids[SM_EVT_COUNT_] = {
#define SM_EVT_ID_(n, id, str) [SM_EVT_##n] = id,
    SM_SMMU_EVENTS(SM_EVT_ID_)
#undef SM_EVT_ID_
};

/* Stage-2 part of a fault record (spec 7.3: S2, CLASS, IPA), and the
 * stall tag when the fault stalled the transaction. */
struct evt_s2 {
	bool s2;
	unsigned cls; /* EVTQ_1_CLASS_* */
	uint64_t ipa;
	bool stall;
	uint16_t stag;
};

/* Write a fault record; false if it was lost to a full queue. */
static bool record_event(struct sm_smmu *s, enum sm_smmu_event ev, uint32_t sid,
			 uint32_t ssid, uint64_t va, bool write,
			 const struct evt_s2 *x, uint64_t cycle)
{
	uint64_t w[EVTQ_ENT_DWORDS] = {0};
	w[0] = sm_field_prep(EVTQ_0_ID, evt_ids[ev]) |
	       sm_field_prep(EVTQ_0_SID, sid);
	if (ssid != SMMUSIM_NO_SSID)
		w[0] |= EVTQ_0_SSV | sm_field_prep(EVTQ_0_SSID, ssid);
	w[1] = write ? 0 : EVTQ_1_RNW;
	w[2] = va;
	if (x->s2) {
		w[1] |= EVTQ_1_S2 | sm_field_prep(EVTQ_1_CLASS, x->cls);
		w[3] = x->ipa & EVTQ_3_IPA;
	}
	if (x->stall)
		w[1] |= EVTQ_1_STALL | sm_field_prep(EVTQ_1_STAG, x->stag);
	/* records: every record the SMMU generated; overflows: those lost
	 * to a full (or not configured) queue. */
	(*s->st_evtq_records)++;
	if (!q_push(s, &s->evtq, w)) {
		(*s->st_evtq_overflows)++;
		return false;
	}
	if (s->irq.raise)
		s->irq.raise(s->irq.ctx, SM_SMMU_IRQ_EVTQ, cycle);
	return true;
}

uint32_t sm_smmu_evtq_drain(struct sm_smmu *s)
{
	uint32_t n = sm_smmu_queue_used(&s->evtq);
	s->evtq.cons = s->evtq.prod;
	return n;
}

bool sm_smmu_page_request(struct sm_smmu *s, uint32_t sid, uint32_t ssid,
			  uint64_t va, bool write)
{
	uint64_t w[PRIQ_ENT_DWORDS];
	(*s->st_pri_requests)++;
	w[0] = sm_field_prep(PRIQ_0_SID, sid) | PRIQ_0_PRG_LAST |
	       (write ? PRIQ_0_PERM_WRITE : PRIQ_0_PERM_READ);
	if (ssid != SMMUSIM_NO_SSID)
		w[0] |= PRIQ_0_SSID_V | sm_field_prep(PRIQ_0_SSID, ssid);
	w[1] = va & PRIQ_1_ADDR_MASK;
	if (!q_push(s, &s->priq, w)) {
		(*s->st_priq_overflows)++;
		return false;
	}
	(*s->st_priq_requests)++;
	return true;
}

bool sm_smmu_priq_pop(struct sm_smmu *s, uint32_t *sid, uint32_t *ssid,
		      uint64_t *va, bool *write)
{
	struct sm_smmu_queue *q = &s->priq;
	uint32_t n = 1u << q->log2size;
	if (!sm_smmu_queue_used(q))
		return false;
	uint64_t pa = q->base + (uint64_t)(q->cons & (n - 1)) * q->dwords * 8;
	uint64_t w0 = sm_physmem_read64(s->pm, pa);
	uint64_t w1 = sm_physmem_read64(s->pm, pa + 8);
	*sid = (uint32_t)sm_field_get(PRIQ_0_SID, w0);
	*ssid = (w0 & PRIQ_0_SSID_V) ? (uint32_t)sm_field_get(PRIQ_0_SSID, w0)
				     : SMMUSIM_NO_SSID;
	*va = w1 & PRIQ_1_ADDR_MASK;
	*write = w0 & PRIQ_0_PERM_WRITE;
	q->cons = (q->cons + 1) & ((n << 1) - 1);
	return true;
}

/* Does the stream's configuration allow ATS?  The device learns this when
 * the driver enables ATS in its PCIe capability; the model reads the STE
 * (through the configuration cache, without counting a lookup). */
bool sm_smmu_stall_held(const struct sm_smmu *s, uint32_t sid, uint16_t stag)
{
	for (unsigned i = 0; i < s->nstall_slots; i++)
		if (s->stalls[i].used && s->stalls[i].sid == sid &&
		    s->stalls[i].stag == stag)
			return true;
	return false;
}

/* The configuration the SMMU would use for (sid, ssid) now: its cached
 * one, else the tables in memory.  No statistics, no cache fill. */
static const struct sm_smmu_ctx *peek_ctx(struct sm_smmu *s, uint32_t sid,
					  uint32_t ssid,
					  struct sm_smmu_ctx *tmp)
{
	struct sm_smmu_ctx *set = cfg_set(s, sid, ssid);
	for (uint32_t w = 0; w < s->cfg_ways; w++)
		if (set[w].valid && set[w].sid == sid && set[w].ssid == ssid)
			return &set[w];
	unsigned reads = 0;
	fetch_ctx(s, sid, ssid, tmp, &reads);
	return tmp;
}

bool sm_smmu_eats(struct sm_smmu *s, uint32_t sid, uint32_t ssid,
		  struct sm_regime *now)
{
	struct sm_smmu_ctx tmp;
	const struct sm_smmu_ctx *c = peek_ctx(s, sid, ssid, &tmp);
	/* EATS is the STE's: a substream whose CD is invalid still has
	 * translated traffic let through (the device uses its ATC whatever
	 * the CD says). */
	bool cd_error = c->error == SM_EVT_C_BAD_CD ||
			c->error == SM_EVT_C_BAD_SUBSTREAMID ||
			c->error == SM_EVT_F_CD_FETCH;
	bool ok = (c->error == SM_EVT_NONE || cd_error) && !c->abort &&
		  !c->bypass && c->eats;
	if (now) {
		/* What the stream translates through now; an invalid CD, or
		 * an SVA CD quieted with EPD0, translates nothing (root and
		 * root2 0). */
		*now = (struct sm_regime){0};
		if (ok && c->error == SM_EVT_NONE && !(c->s1 && c->epd0))
			*now = (struct sm_regime){
			    .kind = c->s1 && c->s2 ? SM_REGIME_NESTED
				    : c->s2	   ? SM_REGIME_S2
						   : SM_REGIME_S1,
			    .root = c->s1 ? c->ttb0 : 0,
			    .root2 = c->s2 ? c->s2ttb : 0,
			    .s2_level = c->s2_level,
			};
	}
	return ok;
}

/* ---- translation ---- */

static enum sm_smmu_event walk_event(enum sm_walk_fault f)
{
	switch (f) {
	case SM_WALK_FAULT_STAGE2: /* a stage-2 translation fault (S2) */
	case SM_WALK_FAULT_TRANSLATION:
		return SM_EVT_F_TRANSLATION;
	case SM_WALK_FAULT_ACCESS_FLAG:
		return SM_EVT_F_ACCESS;
	case SM_WALK_FAULT_ADDR_SIZE:
		return SM_EVT_F_ADDR_SIZE;
	case SM_WALK_OK:
		break;
	}
	return SM_EVT_NONE;
}

static enum sm_xlate_outcome event_outcome(enum sm_smmu_event e)
{
	switch (e) {
	case SM_EVT_NONE:
		return SM_XLATE_OK;
	case SM_EVT_F_TRANSLATION:
		return SM_XLATE_FAULT_TRANSLATION;
	case SM_EVT_F_PERMISSION:
		return SM_XLATE_FAULT_PERMISSION;
	case SM_EVT_F_ACCESS:
		return SM_XLATE_FAULT_ACCESS_FLAG;
	case SM_EVT_F_ADDR_SIZE:
		return SM_XLATE_FAULT_ADDR_SIZE;
	default:
		return SM_XLATE_FAULT_CONFIG;
	}
}

static void fill_iotlb(struct sm_smmu *s, const struct sm_tc_entry *ne)
{
	uint64_t fl = s->iotlb.flushes;
	(*s->st_iotlb_fills)++;
	if (sm_tc_fill(&s->iotlb, ne))
		(*s->st_iotlb_evictions)++;
	*s->st_iotlb_flush_full += s->iotlb.flushes - fl;
}

void sm_smmu_translate(struct sm_smmu *s, uint32_t sid, uint32_t ssid,
		       uint64_t va, bool write, uint64_t now, uint32_t tag,
		       struct sm_smmu_xlate *out)
{
	unsigned need = write ? SMMUSIM_PROT_W : SMMUSIM_PROT_R;
	uint64_t t = now;
	bool s2fault = false; /* a fault of stage 2 (counted, S2R) */
	struct evt_s2 ex = {false, EVTQ_1_CLASS_IN, 0, false, 0};
	struct sm_stall *held = NULL; /* the slot of a stalled transaction */
	struct sm_xlate_report r = {
	    .agent_kind = SMMUSIM_AGENT_DEVICE,
	    .sid = sid,
	    .ssid = ssid,
	    .tag = tag,
	    .cycle = now,
	    .va = va,
	    .write = write,
	};
	enum sm_smmu_event ev = SM_EVT_NONE;

	*out = (struct sm_smmu_xlate){0};
	(*s->st_translations)++;
	/* A translation needs one of smmu.xlate_slots: it waits for the one
	 * that frees first.  (Its functional effects still happen now.) */
	uint64_t *slot = &s->slot_free[0];
	for (unsigned i = 1; i < s->nslots; i++)
		if (s->slot_free[i] < *slot)
			slot = &s->slot_free[i];
	if (*slot > t) {
		*s->st_xlate_queue += *slot - t;
		t = *slot;
	}
	const struct sm_smmu_ctx *c = get_ctx(s, sid, ssid, &t);
	if (c->error != SM_EVT_NONE) {
		ev = c->error;
		/* Configuration errors are always recorded (spec 7.3). */
		out->recorded = true;
		goto done;
	}
	if (c->abort) {
		/* STE.Config = abort: terminated, no event (spec 5.2). */
		(*s->st_aborted)++;
		out->outcome = SM_XLATE_FAULT_CONFIG;
		out->done = t;
		r.outcome = out->outcome;
		sm_hist_record(s->h_xlate, t - now);
		sm_observe(&s->obs, &r);
		return;
	}
	if (c->bypass) {
		out->pa = va;
		goto done;
	}
	/* The regime: stage 1 (tagged by ASID), stage 2 only (tagged by
	 * VMID, entries global), or nested (VMID and ASID, combined). */
	struct sm_regime rg = {
	    .kind = c->s1 && c->s2 ? SM_REGIME_NESTED
		    : c->s2	   ? SM_REGIME_S2
				   : SM_REGIME_S1,
	    .root = c->ttb0,
	    .root2 = c->s2ttb,
	    .s2_level = c->s2_level,
	};
	uint16_t vmid = c->s2 ? c->vmid : 0;
	uint16_t asid = c->s1 ? c->asid : 0;
	/* The ASID tag of cached entries: stage-2-only entries get one no
	 * stage-1 lookup or TLBI can match (a nested stream of the same
	 * VMID must not hit an IPA entry). */
	uint32_t atag = c->s1 ? asid : SM_TC_ASID_STAGE2;
	s2fault = rg.kind == SM_REGIME_S2;
	ex.ipa = va; /* stage 2 only: the input is the IPA */
	r.asid = asid;
	r.root = rg.root;
	r.root2 = rg.root2;
	r.regime = (uint8_t)rg.kind;
	r.s2_level = (int8_t)rg.s2_level;
	out->asid = asid;
	if (c->s1 && (c->epd0 || va >> (64 - c->t0sz))) {
		/* EPD0 disables walks of TTB0: a translation fault without a
		 * walk (how Linux quiets a CD whose mm has gone). */
		ev = SM_EVT_F_TRANSLATION;
		goto fault;
	}
	if (!c->s1 && va >> (64 - c->s2t0sz)) {
		ev = SM_EVT_F_TRANSLATION; /* IPA beyond VTCR.T0SZ */
		goto fault;
	}

	/* Micro-TLB (per stream: its entries are tagged with the StreamID
	 * in the VMID field; it is emptied by every TLBI and CFGI, so the
	 * stream's VMID cannot change under an entry), then the IOTLB, then
	 * a walk. */
	struct sm_tc_entry *e = NULL;
	uint32_t utag = sid;
	if (s->has_utlb) {
		t += s->lat_utlb;
		e = sm_tc_lookup(&s->utlb, utag, atag, va);
		(*(e ? s->st_utlb_hits : s->st_utlb_misses))++;
		if (e)
			r.cache = "smmu.utlb";
	}
	if (!e) {
		t += s->lat_iotlb;
		e = sm_tc_lookup(&s->iotlb, vmid, atag, va);
		if (e) {
			(*s->st_iotlb_hits)++;
			r.cache = "smmu.iotlb";
			if (s->has_utlb) {
				struct sm_tc_entry ue = *e;
				ue.vmid = utag;
				sm_tc_fill(&s->utlb, &ue);
			}
		} else {
			(*s->st_iotlb_misses)++;
		}
	}
	if (e && !(e->flags & SM_IOTLB_F_NEG) && !(e->perm & need) &&
	    !s->perm_fault_from_cache) {
		/* gem5-like: a cached entry that would fault is dropped and
		 * the walk decides. */
		*s->st_iotlb_invalidated += sm_tc_inv_va(
		    &s->iotlb, vmid, atag, SM_TC_ASID_OR_GLOBAL, va);
		if (s->has_utlb)
			sm_tc_inv_all(&s->utlb);
		e = NULL;
	}
	if (e) {
		out->hit = true;
		r.from_cache = true;
		sm_xlate_report_entry(&r, e);
		/* The oracle judges a hit against the tables the stream's
		 * configuration names now, not those the entry was walked
		 * from: an entry of another context (a reused ASID or VMID
		 * that was never invalidated) is then a stale translation. */
		r.root = rg.root;
		r.root2 = rg.root2;
		r.regime = (uint8_t)rg.kind;
		r.s2_level = (int8_t)rg.s2_level;
		if (e->flags & SM_IOTLB_F_NEG) {
			/* A cached translation fault: no walk. */
			(*s->st_neg_hits)++;
			ev = SM_EVT_F_TRANSLATION;
		} else if (e->perm & need) {
			out->pa = e->pa + (va - e->va);
			out->perm = e->perm;
			out->page_size = sm_tc_size(e);
			out->root = e->root;
			out->root2 = e->root2;
			out->regime = e->regime;
			out->s2_level = e->s2_level;
		} else {
			ev = SM_EVT_F_PERMISSION;
		}
	} else {
		struct sm_walk w;
		bool wc_hit;
		(*s->st_walks)++;
		if (rg.kind == SM_REGIME_S1) {
			/* The walk cache holds stage-1 table descriptors. */
			t += sm_xlate_walk(s->pm, s->has_walk ? &s->walk : NULL,
					   0, asid, c->ttb0, va, &w, &wc_hit) *
			     s->lat_wc;
			if (s->has_walk)
				(*(wc_hit ? s->st_wc_hits : s->st_wc_misses))++;
		} else {
			sm_pgt_translate(s->pm, &rg, va, &w);
			s2fault |= w.fault == SM_WALK_FAULT_STAGE2;
			if (w.ipa != SM_NO_IPA)
				ex.ipa = w.ipa;
			if (w.s2_table)
				ex.cls = EVTQ_1_CLASS_TT;
		}
		*s->st_walk_reads += w.reads;
		t += w.reads * s->lat_mem;
		ev = walk_event(w.fault);
		if (w.fault == SM_WALK_OK) {
			struct sm_tc_entry ne = sm_xlate_entry(
			    &w, va, c->ttb0, asid,
			    c->aset || !c->s1 ? 0 : SM_IOTLB_F_BTM);
			ne.vmid = vmid;
			ne.root2 = rg.root2;
			ne.regime = (uint8_t)rg.kind;
			ne.s2_level = (int8_t)rg.s2_level;
			if (!c->s1) {
				ne.global = false; /* stage 2: no ASID */
				ne.asid = SM_TC_ASID_STAGE2;
			}
			fill_iotlb(s, &ne);
			if (s->has_utlb) {
				ne.vmid = utag;
				sm_tc_fill(&s->utlb, &ne);
				ne.vmid = 0;
			}
			sm_xlate_report_entry(&r, &ne);
			if (w.perm & need) {
				out->pa = w.pa;
				out->perm = w.perm;
				out->page_size = w.page_size;
				out->root = c->ttb0;
				out->root2 = rg.root2;
				out->regime = (uint8_t)rg.kind;
				out->s2_level = (int8_t)rg.s2_level;
			} else {
				ev = SM_EVT_F_PERMISSION;
			}
		} else if (w.fault == SM_WALK_FAULT_TRANSLATION &&
			   s->neg_cache) {
			/* Negative caching: remember that the page did not
			 * translate (perm 0, the page as a 4K entry). */
			struct sm_tc_entry ne = {
			    .va = va & SM_PAGE_MASK,
			    .root = c->ttb0,
			    .root2 = rg.root2,
			    .regime = (uint8_t)rg.kind,
			    .s2_level = (int8_t)rg.s2_level,
			    .asid = atag,
			    .vmid = vmid,
			    .level = 3,
			    .flags =
				SM_IOTLB_F_NEG | (c->aset ? 0 : SM_IOTLB_F_BTM),
			};
			(*s->st_neg_fills)++;
			fill_iotlb(s, &ne);
		}
	}
fault:
	/* Stage-1 faults are recorded when the CD asks for it (CD.R), those
	 * of the stage-2 part when the STE does (STE.S2R). */
	if (ev != SM_EVT_NONE && (s2fault ? c->s2record : c->record))
		out->recorded = true;
	if (ev != SM_EVT_NONE && s2fault)
		(*s->st_faults_stage2)++;
	ex.s2 = s2fault;
	/* Stall model (spec 3.12.2): a recoverable stage-1 fault under a CD
	 * with S = 1 (of a transaction, not an ATS translation request,
	 * which gets its failure answered instead) holds the transaction and is
	 * always recorded, with STALL and a STAG, for software to answer with
	 * CMD_RESUME.  With every stall slot busy it is terminated instead. */
	if ((ev == SM_EVT_F_TRANSLATION || ev == SM_EVT_F_PERMISSION ||
	     ev == SM_EVT_F_ACCESS) &&
	    c->s1 && c->stall && !s2fault && !s->ats_request) {
		for (unsigned i = 0; i < s->nstall_slots && !held; i++)
			if (!s->stalls[i].used)
				held = &s->stalls[i];
		if (held) {
			*held = (struct sm_stall){sid, s->stag_next++, true};
			ex.stall = true;
			ex.stag = held->stag;
			out->recorded = true;
		} else {
			(*s->st_stall_full)++;
		}
	}
	goto done_norecord;
done:
done_norecord:
	if (out->recorded &&
	    !record_event(s, ev, sid, ssid, va, write, &ex, t) && held) {
		/* The record is lost: nobody will resume it. */
		held->used = false;
		held = NULL;
	}
	if (held) {
		(*s->st_stalls)++;
		out->stalled = true;
		out->stag = held->stag;
	}
	if (ev != SM_EVT_NONE)
		(*s->st_faults[ev])++;
	out->event = ev;
	out->outcome = event_outcome(ev);
	out->done = t;
	*slot = t;
	r.outcome = out->outcome;
	r.cycle = now;
	sm_hist_record(s->h_xlate, t - now);
	sm_observe(&s->obs, &r);
}

/* Micro-TLBs are emptied by any TLB invalidation that reaches the SMMU: a
 * conservative assumption about how a TCU forwards invalidations to the
 * TBUs (docs/model.md). */
static void flush_utlb(struct sm_smmu *s)
{
	if (s->has_utlb)
		sm_tc_inv_all(&s->utlb);
}

/* ---- commands ---- */

/* Drop cached configurations of StreamIDs [sid, sid + nsid): of every
 * substream, or of `ssid` only.  One pass over the cache whatever the span
 * (CFGI_STE_RANGE may name 2^31 StreamIDs). */
static void cfg_inv(struct sm_smmu *s, uint32_t sid, uint64_t nsid,
		    bool any_ssid, uint32_t ssid)
{
	size_t n = (size_t)s->cfg_sets * s->cfg_ways;
	/* The micro-TLBs are tagged by StreamID alone: a stream whose
	 * configuration may have changed loses them (assumed, as for
	 * TLBIs: docs/model.md). */
	flush_utlb(s);
	for (size_t i = 0; i < n; i++) {
		struct sm_smmu_ctx *c = &s->cfg[i];
		if (!c->valid)
			continue;
		/* A context cached for "no substream" uses CD 0. */
		bool ssid_match = c->ssid == ssid ||
				  (ssid == 0 && c->ssid == SMMUSIM_NO_SSID);
		if ((uint64_t)c->sid - sid < nsid && (any_ssid || ssid_match)) {
			c->valid = false;
			(*s->st_cfg_invalidated)++;
		}
	}
}

/* BTM applies only to entries whose CD had ASET = 0 (spec 3.17 "TLB
 * maintenance": ASET=1 excludes a context from broadcast invalidation). */
struct btm_match {
	const struct sm_tlbi *t;
	uint64_t end;
};

static bool btm_pred(void *ctx, const struct sm_tc_entry *e)
{
	const struct btm_match *c = ctx;
	const struct sm_tlbi *t = c->t;
	if (!(e->flags & SM_IOTLB_F_BTM) || e->vmid != t->vmid)
		return false;
	if (t->op == SM_TLBI_VMALLE1)
		return true;
	if (t->op == SM_TLBI_ASIDE1)
		return !e->global && e->asid == t->asid;
	if (!sm_tlbi_all_asid(t->op) && !e->global && e->asid != t->asid)
		return false;
	if (t->level && e->level != t->level)
		return false;
	return e->va < c->end && e->va + sm_tc_size(e) > t->va;
}

/* Service time of a TLB invalidation that visits `sets` IOTLB sets: a
 * lookup per page up to a whole scan (smmu.lat.inv_scan per set). */
static uint64_t inv_cost(const struct sm_smmu *s, uint64_t pages)
{
	uint64_t sets = s->iotlb.sets;
	return s->lat_cmd_tlbi +
	       s->lat_inv_scan * (pages < sets ? pages : sets);
}

uint64_t sm_smmu_dvm_apply(void *smmu, const struct sm_tlbi *t, uint64_t arrive)
{
	struct sm_smmu *s = smmu;
	if (!s->btm)
		return arrive;
	(*s->st_btm_received)++;
	if (!t->no_effect) {
		struct btm_match m = {t, t->va + t->pages * SM_PAGE_SIZE};
		*s->st_iotlb_invalidated +=
		    sm_tc_inv_if(&s->iotlb, btm_pred, &m);
		/* Walk-cache entries carry no ASET flag: non-leaf ops of
		 * the ASID drop them (a superset, never stale). */
		if (s->has_walk && !sm_tlbi_last_level(t->op)) {
			if (t->op == SM_TLBI_VMALLE1)
				sm_tc_inv_all(&s->walk);
			else if (t->op == SM_TLBI_ASIDE1)
				sm_tc_inv_asid(&s->walk, 0, t->asid);
			else
				sm_tc_inv_range(&s->walk, 0, t->asid,
						sm_tlbi_all_asid(t->op)
						    ? SM_TC_ASID_ANY
						    : SM_TC_ASID_OR_GLOBAL,
						t->va, t->pages, 0);
		}
		flush_utlb(s);
	}
	bool by_va = t->op != SM_TLBI_VMALLE1 && t->op != SM_TLBI_ASIDE1;
	uint64_t done = max_u64(arrive, s->rx_busy_until) + s->lat_cmd +
			inv_cost(s, by_va ? t->pages : UINT64_MAX);
	s->rx_busy_until = done;
	return done;
}

struct s2ipa {
	uint16_t vmid;
	uint64_t start, end;
	int level; /* TTL of the range form; 0 = any */
};

static bool s2ipa_match(void *ctx, const struct sm_tc_entry *e)
{
	const struct s2ipa *m = ctx;
	if (e->vmid != m->vmid)
		return false;
	if (e->regime == SM_REGIME_NESTED)
		return true;
	return e->regime == SM_REGIME_S2 && e->va < m->end &&
	       e->va + sm_tc_size(e) > m->start &&
	       (!m->level || e->level == m->level);
}

/* Execute one command (false if it is illegal: CERROR_ILL); *cost gets its
 * service time: smmu.lat.cmd, plus the class's (CFGI, TLBI, SYNC) and, for
 * TLBIs, the IOTLB scan. */
static bool exec_cmd(struct sm_smmu *s, uint64_t c0, uint64_t c1,
		     uint64_t *cost)
{
	unsigned op = (unsigned)sm_field_get(CMDQ_0_OP, c0);
	*cost = s->lat_cmd;
	if (!sm_smmu_cmd_name(op))
		return false;
	if (op >= CMDQ_OP_CFGI_STE && op <= CMDQ_OP_CFGI_CD_ALL)
		*cost += s->lat_cmd_cfgi;
	else if (op == CMDQ_OP_CMD_SYNC)
		*cost += s->lat_cmd_sync;
	else if (op == CMDQ_OP_TLBI_NH_VA || op == CMDQ_OP_TLBI_NH_VAA)
		*cost += inv_cost(
		    s, sm_field_get(CMDQ_TLBI_1_TG, c1)
			   ? (uint64_t)(sm_field_get(CMDQ_TLBI_0_NUM, c0) + 1)
				 << sm_field_get(CMDQ_TLBI_0_SCALE, c0)
			   : 1);
	else if (op >= CMDQ_OP_TLBI_NH_ALL && op <= CMDQ_OP_TLBI_NSNH_ALL)
		/* By ASID or VMID, ALL, and TLBI_S2_IPA (which drops every
		 * nested entry of its VMID): a whole scan. */
		*cost += inv_cost(s, UINT64_MAX);
	switch (op) {
	case CMDQ_OP_CFGI_STE:
		cfg_inv(s, (uint32_t)sm_field_get(CMDQ_CFGI_0_SID, c0), 1, true,
			0);
		break;
	case CMDQ_OP_CFGI_ALL: {
		unsigned range = (unsigned)sm_field_get(CMDQ_CFGI_1_RANGE, c1);
		uint32_t sid = (uint32_t)sm_field_get(CMDQ_CFGI_0_SID, c0);
		if (range >= 31) {
			cfg_inv(s, 0, 1ull << 32, true, 0);
		} else {
			uint32_t base = sid & ~((1u << (range + 1)) - 1);
			cfg_inv(s, base, 1ull << (range + 1), true, 0);
		}
		break;
	}
	case CMDQ_OP_CFGI_CD:
		cfg_inv(s, (uint32_t)sm_field_get(CMDQ_CFGI_0_SID, c0), 1,
			false, (uint32_t)sm_field_get(CMDQ_CFGI_0_SSID, c0));
		break;
	case CMDQ_OP_CFGI_CD_ALL:
		cfg_inv(s, (uint32_t)sm_field_get(CMDQ_CFGI_0_SID, c0), 1, true,
			0);
		break;
	case CMDQ_OP_TLBI_S12_VMALL:
		/* Every stage-1, stage-2 and combined entry of the VMID. */
		*s->st_iotlb_invalidated += sm_tc_inv_vmid(
		    &s->iotlb, (uint16_t)sm_field_get(CMDQ_TLBI_0_VMID, c0));
		if (s->has_walk)
			sm_tc_inv_all(&s->walk);
		flush_utlb(s);
		break;
	case CMDQ_OP_TLBI_S2_IPA: {
		/* Stage-2 entries of the VMID over the IPA range; combined
		 * (nested) entries do not record their IPA, so all of the
		 * VMID's go (a superset the spec allows). */
		struct s2ipa m = {(uint16_t)sm_field_get(CMDQ_TLBI_0_VMID, c0),
				  c1 & CMDQ_TLBI_1_VA_MASK, 0, 0};
		unsigned tgi = (unsigned)sm_field_get(CMDQ_TLBI_1_TG, c1);
		unsigned num = (unsigned)sm_field_get(CMDQ_TLBI_0_NUM, c0);
		unsigned scale = (unsigned)sm_field_get(CMDQ_TLBI_0_SCALE, c0);
		unsigned ttl = (unsigned)sm_field_get(CMDQ_TLBI_1_TTL, c1);
		uint64_t np = 1;
		if (tgi) {
			/* The range encoding and its illegal cases are those
			 * of TLBI_NH_VA (spec 4.4.1); 4K granule only. */
			if (tgi != 1 || (!ttl && !num && !scale))
				return false;
			np = (uint64_t)(num + 1) << scale;
			m.level = (int)ttl;
		}
		m.end = m.start + np * SM_PAGE_SIZE;
		*s->st_iotlb_invalidated +=
		    sm_tc_inv_if(&s->iotlb, s2ipa_match, &m);
		flush_utlb(s);
		break;
	}
	case CMDQ_OP_TLBI_NH_ALL:
		/* Stage-1 entries of the command's VMID; its stage-2 entries
		 * go too (more than asked, which the spec permits). */
		*s->st_iotlb_invalidated += sm_tc_inv_vmid(
		    &s->iotlb, (uint16_t)sm_field_get(CMDQ_TLBI_0_VMID, c0));
		if (s->has_walk)
			sm_tc_inv_all(&s->walk);
		flush_utlb(s);
		break;
	case CMDQ_OP_TLBI_NSNH_ALL:
		*s->st_iotlb_invalidated += sm_tc_inv_all(&s->iotlb);
		if (s->has_walk)
			sm_tc_inv_all(&s->walk);
		flush_utlb(s);
		break;
	case CMDQ_OP_TLBI_NH_ASID: {
		uint16_t vmid = (uint16_t)sm_field_get(CMDQ_TLBI_0_VMID, c0);
		uint16_t asid = (uint16_t)sm_field_get(CMDQ_TLBI_0_ASID, c0);
		*s->st_iotlb_invalidated +=
		    sm_tc_inv_asid(&s->iotlb, vmid, asid);
		if (s->has_walk)
			sm_tc_inv_asid(&s->walk, vmid, asid);
		flush_utlb(s);
		break;
	}
	case CMDQ_OP_TLBI_NH_VA:
	case CMDQ_OP_TLBI_NH_VAA: {
		unsigned tg = (unsigned)sm_field_get(CMDQ_TLBI_1_TG, c1);
		unsigned num = (unsigned)sm_field_get(CMDQ_TLBI_0_NUM, c0);
		unsigned scale = (unsigned)sm_field_get(CMDQ_TLBI_0_SCALE, c0);
		unsigned ttl = (unsigned)sm_field_get(CMDQ_TLBI_1_TTL, c1);
		uint64_t pages = 1;
		if (tg) {
			/* Range form (IDR3.RIL): (NUM+1) * 2^SCALE granules;
			 * TTL = NUM = SCALE = 0 is illegal (spec 4.4.1).
			 * Only the 4K granule is modelled. */
			if (tg != 1 || (!ttl && !num && !scale) || scale > 31)
				return false;
			pages = (uint64_t)(num + 1) << scale;
		}
		uint16_t asid = (uint16_t)sm_field_get(CMDQ_TLBI_0_ASID, c0);
		uint16_t tvmid = (uint16_t)sm_field_get(CMDQ_TLBI_0_VMID, c0);
		/* The IOTLB holds leaves only, so LEAF changes nothing;
		 * TTL (range form) limits the level. */
		*s->st_iotlb_invalidated += sm_tc_inv_range(
		    &s->iotlb, tvmid, asid,
		    op == CMDQ_OP_TLBI_NH_VAA ? SM_TC_ASID_ANY
					      : SM_TC_ASID_OR_GLOBAL,
		    c1 & CMDQ_TLBI_1_VA_MASK, pages, tg ? (int)ttl : 0);
		/* LEAF = 0 also drops the cached table descriptors. */
		if (s->has_walk && !(c1 & CMDQ_TLBI_1_LEAF))
			sm_tc_inv_range(&s->walk, 0, asid,
					op == CMDQ_OP_TLBI_NH_VAA
					    ? SM_TC_ASID_ANY
					    : SM_TC_ASID_OR_GLOBAL,
					c1 & CMDQ_TLBI_1_VA_MASK, pages, 0);
		flush_utlb(s);
		break;
	}
	case CMDQ_OP_ATC_INV:
		sm_smmu_atc_inv(s, c0, c1);
		break;
	case CMDQ_OP_RESUME: {
		/* Retry or terminate the stalled transaction (sid, STAG); a
		 * RESUME that matches none is ignored (spec 4.7.2). */
		uint32_t rsid = (uint32_t)sm_field_get(CMDQ_RESUME_0_SID, c0);
		uint16_t stag = (uint16_t)sm_field_get(CMDQ_RESUME_1_STAG, c1);
		struct sm_stall *h = NULL;
		for (unsigned i = 0; i < s->nstall_slots && !h; i++)
			if (s->stalls[i].used && s->stalls[i].sid == rsid &&
			    s->stalls[i].stag == stag)
				h = &s->stalls[i];
		if (!h) {
			(*s->st_stall_bad_resume)++;
			break;
		}
		h->used = false;
		if (sm_field_get(CMDQ_RESUME_0_RESP, c0) ==
		    CMDQ_RESUME_0_RESP_RETRY)
			(*s->st_stall_resumed)++;
		else
			(*s->st_stall_terminated)++;
		break;
	}
	case CMDQ_OP_STALL_TERM: {
		/* Terminate every stalled transaction of the StreamID. */
		uint32_t tsid =
		    (uint32_t)sm_field_get(CMDQ_STALL_TERM_0_SID, c0);
		for (unsigned i = 0; i < s->nstall_slots; i++)
			if (s->stalls[i].used && s->stalls[i].sid == tsid) {
				s->stalls[i].used = false;
				(*s->st_stall_terminated)++;
			}
		break;
	}
	default:
		/* SYNC completes in order below; PRI_RESP, prefetches and
		 * the EL2/EL3 TLBIs are counted and have no effect on what
		 * this model caches. */
		break;
	}
	/* Counted once executed: an illegal command is in
	 * smmu.cmdq.errors only. */
	(*s->st_cmd[op])++;
	return true;
}

uint64_t sm_smmu_write_prod(struct sm_smmu *s, uint32_t prod, uint64_t now)
{
	uint32_t n = 1u << s->cmdq_log2size;
	uint32_t mask = (n << 1) - 1; /* index + wrap bit */
	uint64_t t = max_u64(now, s->cmdq_busy_until);

	s->cmdq_prod = prod & mask;
	while (!s->cmdq_halted && s->cmdq_cons != s->cmdq_prod) {
		uint32_t idx = s->cmdq_cons & (n - 1);
		uint64_t pa = s->cmdq_base + (uint64_t)idx * 16;
		uint64_t c0 = sm_physmem_read64(s->pm, pa);
		uint64_t c1 = sm_physmem_read64(s->pm, pa + 8);
		uint64_t cost;
		bool ok = exec_cmd(s, c0, c1, &cost);
		t += cost;
		if (!ok) {
			/* CONS stays on the bad command; GERROR.CMDQ_ERR set
			 * until software acknowledges (spec 7.1). */
			s->cmdq_halted = true;
			s->cmdq_cerror = CMDQ_ERR_CERROR_ILL_IDX;
			(*s->st_cmdq_errors)++;
			break;
		}
		s->cmdq_cons = (s->cmdq_cons + 1) & mask;
	}
	s->cmdq_busy_until = t;
	return t;
}

void sm_smmu_ack_cmdq_error(struct sm_smmu *s)
{
	uint32_t n = 1u << s->cmdq_log2size;
	if (!s->cmdq_halted)
		return;
	/* Linux replaces the faulting command with a CMD_SYNC and moves on
	 * (arm_smmu_cmdq_skip_err); to the model that is skipping it. */
	s->cmdq_cons = (s->cmdq_cons + 1) & ((n << 1) - 1);
	s->cmdq_halted = false;
	s->cmdq_cerror = 0;
}

int sm_smmu_cmd_encode(const struct sm_cmd_fields *f, uint64_t c[2],
		       const char **field)
{
	bool ssv = f->ssid != SMMUSIM_NO_SSID;
	struct sm_smmu_cmd cmd = {
	    .op = f->opcode,
	    .sid = f->sid,
	    .ssv = ssv,
	    .ssid = ssv ? f->ssid : 0,
	    .asid = f->asid,
	    .vmid = f->vmid,
	    .addr = f->addr,
	    .tg = f->tg,
	    .num = f->num,
	    .scale = f->scale,
	    .ttl = f->ttl,
	    .leaf = f->leaf,
	    .range = f->range,
	    /* A trace's sync waits for completion: CS = SEV. */
	    .cs = CMDQ_SYNC_0_CS_SEV,
	    /* A cmd line has no resp key: RESUME takes its response from
	     * the ssid's low bits (docs/trace-format.md). */
	    .resp = f->opcode == CMDQ_OP_RESUME && ssv ? f->ssid & 3 : 0,
	};
	enum sm_smmu_cmd_key bad;
	uint64_t max;
	int rc = sm_smmu_cmd_check(&cmd, &bad, &max);
	if (rc) {
		*field = sm_smmu_cmd_key_name(bad);
		return rc;
	}
	return sm_smmu_cmd_build(&cmd, c, NULL);
}
