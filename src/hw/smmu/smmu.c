/* SPDX-License-Identifier: MIT */
/*
 * The SMMUv3 model: its construction from the configuration, the
 * registers that place its tables, and its receiver of broadcast TLB
 * maintenance (BTM: a PE's TLBI ... IS reaching the SMMU over DVM).
 *
 * The model is split by concern, each file after the part of the SMMUv3
 * specification (IHI 0070) it follows:
 *   config.c     stream table and CD fetch, their checks (C_BAD_*, F_*_FETCH),
 *                the configuration cache (chapter 5, 3.3);
 *   translate.c  the translation of one transaction: configuration,
 *                micro-TLB, IOTLB (negative entries, permissions from the
 *                cache), table walk (walk cache), fault record (3.3);
 *   cmdq.c       command consumption and execution per class (chapter 4);
 *   queues.c     event and PRI queue rings, event records (chapter 7, 3.9);
 *   stall.c      the stall model: held transactions, RESUME, STALL_TERM;
 *   atc.c        ATS: the devices' ATCs and ATC_INV (3.9).
 * Translation covers stage 1, stage 2 and nested streams, linear and
 * 2-level stream and CD tables, SubstreamIDs (S1DSS), ATS, PRI and stall.
 *
 * Functional effects happen at the cycle of the call; the latencies are
 * returned for the caller to account (docs/model.md).
 */
#include "base/ops.h"
#include "hw/smmu/smmu_internal.h"

#include <string.h>

#include <smmusim/error.h>

#include "base/alloc.h"
#include "engine/config.h"

static void read_config(struct sm_smmu *s, const smmusim_config_t *cfg)
{
	/* The latencies (docs/model.md), each with the key it comes from. */
	const struct sm_cfg_u64_field lat[] = {
	    {&s->lat_iotlb, SM_K_SMMU_LAT_IOTLB_HIT},
	    {&s->lat_cfg, SM_K_SMMU_LAT_CFG},
	    {&s->lat_cmd, SM_K_SMMU_LAT_CMD},
	    {&s->lat_cmd_cfgi, SM_K_SMMU_LAT_CMD_CFGI},
	    {&s->lat_cmd_tlbi, SM_K_SMMU_LAT_CMD_TLBI},
	    {&s->lat_cmd_sync, SM_K_SMMU_LAT_CMD_SYNC},
	    {&s->lat_inv_scan, SM_K_SMMU_LAT_INV_SCAN},
	    {&s->lat_mem, SM_K_MEM_LATENCY},
	    {&s->lat_utlb, SM_K_SMMU_LAT_UTLB_HIT},
	    {&s->lat_wc, SM_K_SMMU_LAT_WALKCACHE},
	};

	s->btm = sm_cfg_bool(cfg, SM_K_SMMU_BTM);
	s->ril = sm_cfg_bool(cfg, SM_K_SMMU_RIL);
	s->perm_fault_from_cache =
	    sm_cfg_bool(cfg, SM_K_SMMU_IOTLB_PERM_FAULT_FROM_CACHE);
	s->neg_cache =
	    sm_cfg_bool(cfg, SM_K_SMMU_IOTLB_CACHE_TRANSLATION_FAULTS);
	SM_CFG_READ_U64S(cfg, lat);
	s->nslots = (unsigned)sm_cfg_u64(cfg, SM_K_SMMU_XLATE_SLOTS);
	s->nstall_slots = (unsigned)sm_cfg_u64(cfg, SM_K_SMMU_STALL_SLOTS);
}

/* An optional translation cache (micro-TLB, walk cache): none when its
 * entries key is 0. */
static int optional_tc(struct sm_tcache *tc, bool *has,
		       const struct smmusim_allocator *a,
		       const smmusim_config_t *cfg, enum sm_key_id entries,
		       enum sm_key_id ways, const char *what,
		       struct sm_errbuf *eb)
{
	if (!sm_cfg_u64(cfg, entries))
		return 0;
	int rc = sm_tc_init(tc, a, sm_cfg_u64(cfg, entries),
			    sm_cfg_u64(cfg, ways), what, eb);
	if (rc < 0)
		return rc;
	*has = true;
	return 0;
}

/* The configuration cache, the IOTLB, the ATCs' settings, the micro-TLB
 * and the walk cache. */
static int init_caches(struct sm_smmu *s, const struct smmusim_allocator *a,
		       const smmusim_config_t *cfg, struct sm_rng *rng,
		       struct sm_errbuf *eb)
{
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
	if (rc < 0)
		return rc;
	if (sm_tc_set_repl(
		&s->iotlb,
		(enum sm_tc_repl)sm_cfg_enum(cfg, SM_K_SMMU_IOTLB_REPL),
		rng) < 0)
		return sm_err(eb, SMMUSIM_ENOMEM, "smmu.iotlb: out of memory");
	if ((rc = sm_smmu_atc_init(s, cfg, eb)) < 0)
		return rc;
	rc = optional_tc(&s->utlb, &s->has_utlb, a, cfg, SM_K_SMMU_UTLB_ENTRIES,
			 SM_K_SMMU_UTLB_WAYS,
			 "smmu.utlb.entries/smmu.utlb.ways", eb);
	if (rc < 0)
		return rc;
	rc = optional_tc(&s->walk, &s->has_walk, a, cfg,
			 SM_K_SMMU_WALKCACHE_ENTRIES, SM_K_SMMU_WALKCACHE_WAYS,
			 "smmu.walkcache.entries/smmu.walkcache.ways", eb);
	if (rc < 0)
		return rc;
	if (s->has_walk)
		s->walk.min_level = 0; /* table descriptors of levels 0-2 */
	if (s->has_utlb)
		s->utlb_pend_cap = s->utlb.ways < SM_SMMU_UTLB_PEND
				       ? s->utlb.ways
				       : SM_SMMU_UTLB_PEND;
	return 0;
}

/* The stats are the registry's, by ID; the one family, smmu.cmd.<op>, has
 * a member per command of the table.  False when out of memory. */
static bool register_stats(struct sm_smmu *s, struct sm_stats *st)
{
	bool ok = true;
	s->ctr = sm_stats_ctrs(st);
	s->hist = sm_stats_hists(st);
	for (unsigned i = 0; i < SM_SMMU_CMD_COUNT; i++) {
		const struct sm_smmu_cmd_def *c = &sm_smmu_cmd_defs[i];
		s->st_cmd[c->op] = sm_stats_family_counter(
		    st, SM_STAT_SMMU_CMD_OP, "%s", c->name);
		ok &= s->st_cmd[c->op] != NULL;
	}
	return ok;
}

int sm_smmu_init(struct sm_smmu *s, const struct smmusim_allocator *a,
		 const smmusim_config_t *cfg, struct sm_physmem *pm,
		 struct sm_stats *st, struct sm_rng *rng, struct sm_errbuf *eb)
{
	*s = (struct sm_smmu){.alloc = a, .pm = pm};
	read_config(s, cfg);
	int rc = init_caches(s, a, cfg, rng, eb);
	if (rc < 0) {
		sm_smmu_fini(s);
		return rc;
	}
	s->slot_room = s->nslots < 64 ? 64 : s->nslots;
	s->slot_free =
	    sm_calloc(a, (s->nslots + s->slot_room) * sizeof(*s->slot_free));
	s->stalls = sm_calloc(a, s->nstall_slots * sizeof(*s->stalls));
	if (!register_stats(s, st) || !s->slot_free || !s->stalls) {
		sm_smmu_fini(s);
		return sm_err(eb, SMMUSIM_ENOMEM, "smmu: out of memory");
	}
	return 0;
}

void sm_smmu_fini(struct sm_smmu *s)
{
	sm_dvm_ring_fini(s->alloc, &s->btm_rx);
	if (s->cfg)
		sm_free(s->alloc, s->cfg,
			(size_t)s->cfg_sets * s->cfg_ways * sizeof(*s->cfg));
	s->cfg = NULL;
	memset(s->cfg_hint, 0, sizeof(s->cfg_hint));
	if (s->iotlb.e)
		sm_tc_fini(&s->iotlb);
	if (s->has_utlb)
		sm_tc_fini(&s->utlb);
	if (s->has_walk)
		sm_tc_fini(&s->walk);
	s->has_utlb = s->has_walk = false;
	sm_smmu_atc_fini(s);
	sm_smmu_cmdq_fini(s);
	if (s->slot_free)
		sm_free(s->alloc, s->slot_free,
			(s->nslots + s->slot_room) * sizeof(*s->slot_free));
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

/* The micro-TLB fills that wait, made in order (smmu.h). */
void sm_smmu_utlb_sync(struct sm_smmu *s)
{
	for (unsigned i = 0; i < s->utlb_npend; i++)
		sm_tc_fill_missed(&s->utlb, &s->utlb_pend[i]);
	s->utlb_npend = 0;
	s->utlb_pend_pages = 0;
}

/* ---- broadcast TLB maintenance (BTM) ---- */

/* BTM applies only to entries whose CD had ASET = 0 (spec 3.17: ASET = 1
 * excludes a context from broadcast invalidation). */
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

/* A broadcast TLBI the SMMU has applied (BTM): the IOTLB entries filled
 * through a CD with ASET=0 and the walk cache (sm_smmu_cmdq_catch_up, at
 * the cycle sm_smmu_dvm_apply gave). */
void sm_smmu_btm_invalidate(struct sm_smmu *s, const struct sm_tlbi *t)
{
	struct btm_match m = {t, t->va + t->pages * SM_PAGE_SIZE};
	SM_ADD(s->ctr, SMMU_IOTLB_INVALIDATED,
	       sm_tc_inv_if(&s->iotlb, btm_pred, &m));
	/* Walk-cache entries carry no ASET flag: non-leaf ops of the ASID
	 * drop them (a superset, never stale). */
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
	sm_smmu_flush_utlb(s);
}

uint64_t sm_smmu_dvm_apply(void *smmu, const struct sm_tlbi *t, uint64_t arrive)
{
	struct sm_smmu *s = smmu;
	/* No BTM, or CR2.PTM = 1 (Linux): the broadcast is acknowledged and
	 * ignored; it costs the issuer's DSB nothing here. */
	if (!s->btm || s->ptm)
		return arrive;
	SM_INC(s->ctr, SMMU_BTM_RECEIVED);
	bool by_va = t->op != SM_TLBI_VMALLE1 && t->op != SM_TLBI_ASIDE1;
	uint64_t done = sm_max_u64(arrive, s->rx_busy_until) + s->lat_cmd +
			sm_smmu_inv_cost(s, by_va ? t->pages : UINT64_MAX);
	s->rx_busy_until = done;
	/* It takes effect when the SMMU has applied it, in cycle order with
	 * the commands it consumes (sm_smmu_cmdq_catch_up). */
	if (!t->no_effect && !sm_dvm_ring_push(s->alloc, &s->btm_rx, t, done))
		sm_smmu_btm_invalidate(s, t);
	return done;
}
