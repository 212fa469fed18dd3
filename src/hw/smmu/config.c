/* SPDX-License-Identifier: MIT */
/*
 * The SMMU's configuration: finding, checking and caching the STE and CD
 * of a stream (SMMUv3 spec 3.3 "Data structures and translation
 * procedure", chapter 5 "Data structure formats").
 *
 * The STE comes from a linear or 2-level stream table; its Config says
 * whether the stream aborts, bypasses, or translates through stage 1,
 * stage 2 or both (nested).  Stage 1 needs a CD from the STE's CD table
 * (linear or 2-level, indexed by SubstreamID; with nesting its addresses
 * are IPAs, translated through stage 2).  The checks that make an entry
 * ILLEGAL raise C_BAD_STE / C_BAD_CD; a fetch outside memory raises
 * F_STE_FETCH / F_CD_FETCH; a StreamID or SubstreamID beyond the tables
 * raises C_BAD_STREAMID / C_BAD_SUBSTREAMID.  The decoded pair is kept in
 * the configuration cache (smmu.cfgcache.*, set-associative, LRU) until a
 * CFGI command drops it.
 */
#include <smmusim/error.h>
#include <smmusim/event.h>

#include "arch/smmu_regs.h"
#include "hw/smmu/smmu_internal.h"

static struct sm_smmu_ctx *cfg_set(struct sm_smmu *s, uint32_t sid,
				   uint32_t ssid)
{
	uint64_t key = ((uint64_t)sid << 20 | ssid) * 0x9e3779b97f4a7c15ull;
	return &s->cfg[(size_t)((key >> 32) % s->cfg_sets) * s->cfg_ways];
}

/* Is a structure fetch from pa going to memory?  Outside RAM the fetch
 * aborts: F_STE_FETCH / F_CD_FETCH (spec 7.3). */
static bool fetchable(const struct sm_smmu *s, uint64_t pa)
{
	uint64_t base = sm_physmem_base(s->pm);
	return pa >= base && pa - base + 64 <= sm_physmem_size(s->pm);
}

/* The STE of sid: linear, or through a level-1 descriptor (spec 5.1:
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

/* Words 0-3 of sid's STE (all the model reads), or why there is none. */
static enum sm_smmu_event fetch_ste(struct sm_smmu *s, uint32_t sid,
				    uint64_t ste[4], unsigned *reads)
{
	uint64_t ste_pa;
	enum sm_smmu_event e = ste_addr(s, sid, &ste_pa, reads);
	if (e != SM_EVT_NONE)
		return e;
	if (!fetchable(s, ste_pa))
		return SM_EVT_F_STE_FETCH;
	for (int i = 0; i < 4; i++)
		ste[i] = sm_physmem_read64(s->pm, ste_pa + 8 * (uint64_t)i);
	(*reads)++;
	return ste[0] & STRTAB_STE_0_V ? SM_EVT_NONE : SM_EVT_C_BAD_STE;
}

/* STE.Config (spec 5.2, STE word 0 bits [3:1]): what each value does.
 * 0b001 to 0b011 are reserved and leave every flag clear. */
static const struct {
	bool abort, bypass, s1, s2;
} ste_cfg[8] = {
    [STRTAB_STE_0_CFG_ABORT] = {.abort = true},
    [STRTAB_STE_0_CFG_BYPASS] = {.bypass = true},
    [STRTAB_STE_0_CFG_S1_TRANS] = {.s1 = true},
    [STRTAB_STE_0_CFG_S2_TRANS] = {.s2 = true},
    [STRTAB_STE_0_CFG_NESTED] = {.s1 = true, .s2 = true},
};

/* STE.Config: the stages that translate.  False when the stream does not
 * translate: abort, bypass, or a reserved Config (C_BAD_STE). */
static bool ste_config(struct sm_smmu_ctx *c, const uint64_t *ste)
{
	unsigned cfg = (unsigned)sm_field_get(STRTAB_STE_0_CFG, ste[0]);
	c->abort = ste_cfg[cfg].abort;
	c->bypass = ste_cfg[cfg].bypass;
	c->s1 = ste_cfg[cfg].s1;
	c->s2 = ste_cfg[cfg].s2;
	if (!(c->abort || c->bypass || c->s1 || c->s2))
		c->error = SM_EVT_C_BAD_STE; /* reserved Config */
	return c->s1 || c->s2;
}

/* Stage 2 from STE words 2 and 3.  False when the configuration is
 * complete: an illegal one, or a stream of stage 2 only. */
static bool ste_stage2(struct sm_smmu_ctx *c, const uint64_t *ste,
		       uint32_t ssid)
{
	/* Stage 2: AArch64, 4K granule, the starting level from
	 * VTCR.SL0 (0: level 2, 1: level 1, 2: level 0). */
	uint64_t vtcr = sm_field_get(STRTAB_STE_2_VTCR, ste[2]);
	unsigned sl0 = (unsigned)sm_field_get(STRTAB_STE_2_VTCR_S2SL0, vtcr);
	c->vmid = (uint16_t)sm_field_get(STRTAB_STE_2_S2VMID, ste[2]);
	c->s2t0sz = (unsigned)sm_field_get(STRTAB_STE_2_VTCR_S2T0SZ, vtcr);
	c->s2ttb = ste[3] & STRTAB_STE_3_S2TTB_MASK & ~0xfffull;
	c->s2_level = 2 - (int)sl0;
	c->s2record = ste[2] & STRTAB_STE_2_S2R;
	/* The starting level must resolve exactly the input size:
	 * more than the next level covers, no more than its own
	 * (concatenated starting tables are not modelled). */
	unsigned in_bits = 64 - c->s2t0sz;
	unsigned cover = 12 + 9 * (4 - (unsigned)(2 - (int)sl0));
	if (!(ste[2] & STRTAB_STE_2_S2AA64) || sl0 > 2 ||
	    sm_field_get(STRTAB_STE_2_VTCR_S2TG, vtcr) != 0 || c->s2t0sz < 16 ||
	    c->s2t0sz > 39 || in_bits > cover || in_bits <= cover - 9) {
		c->error = SM_EVT_C_BAD_STE;
		return false;
	}
	if (c->s1)
		return true;
	c->record = c->s2record;
	/* A SubstreamID needs stage 1 (spec 3.9: with stage 1 not enabled,
	 * SSV = 1 is C_BAD_SUBSTREAMID). */
	if (ssid != SMMUSIM_NO_SSID)
		c->error = SM_EVT_C_BAD_SUBSTREAMID;
	return false;
}

/* The address of the CD of ssid (an IPA when nested): the CD table,
 * linear or two-level (S1Fmt 4K_L2: 64 CDs per leaf table, 64K_L2: 1024).
 * False when the configuration is complete without a CD (an error, or
 * S1DSS's abort or bypass of a stream without substream). */
static bool cd_addr(struct sm_smmu *s, struct sm_smmu_ctx *c,
		    const uint64_t *ste, uint32_t ssid, uint64_t *cd_ipa,
		    unsigned *reads)
{
	unsigned fmt = (unsigned)sm_field_get(STRTAB_STE_0_S1FMT, ste[0]);
	unsigned cdmax = (unsigned)sm_field_get(STRTAB_STE_0_S1CDMAX, ste[0]);
	if (fmt > STRTAB_STE_0_S1FMT_64K_L2) {
		c->error = SM_EVT_C_BAD_STE;
		return false;
	}
	if (ssid == SMMUSIM_NO_SSID) {
		/* No substream: with one CD it is used; otherwise STE.S1DSS
		 * says (spec 5.2: terminate, bypass, or use substream 0). */
		unsigned dss =
		    (unsigned)sm_field_get(STRTAB_STE_1_S1DSS, ste[1]);
		c->abort = cdmax && dss == 0;
		c->bypass = cdmax && dss == 1;
		if (c->abort || c->bypass)
			return false;
		ssid = 0;
	} else if (ssid >> cdmax) {
		c->error = SM_EVT_C_BAD_SUBSTREAMID;
		return false;
	}
	uint64_t ctx_ipa = ste[0] & STRTAB_STE_0_S1CTXPTR_MASK;
	if (fmt == STRTAB_STE_0_S1FMT_LINEAR || !cdmax) {
		*cd_ipa = ctx_ipa + (uint64_t)ssid * 64;
		return true;
	}
	unsigned split = fmt == STRTAB_STE_0_S1FMT_4K_L2 ? 6 : 10;
	uint64_t l1_ipa = ctx_ipa + (uint64_t)(ssid >> split) * 8, l1;
	if (!ipa_to_pa(s, c, l1_ipa, &l1, reads) || !fetchable(s, l1)) {
		c->error = SM_EVT_F_CD_FETCH;
		return false;
	}
	uint64_t d = sm_physmem_read64(s->pm, l1);
	(*reads)++;
	if (!(d & CTXDESC_L1_DESC_V)) {
		c->error = SM_EVT_C_BAD_CD;
		return false;
	}
	*cd_ipa = (d & CTXDESC_L1_DESC_L2PTR_MASK) +
		  (uint64_t)(ssid & ((1u << split) - 1)) * 64;
	return true;
}

/* Read and check the CD (spec 5.4): stage 1's table, ASID and fault
 * policy (CD.R records, CD.S stalls). */
static void fetch_cd(struct sm_smmu *s, struct sm_smmu_ctx *c, uint64_t cd_ipa,
		     unsigned *reads)
{
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

/* The regime a configuration translates through (stage 1, stage 2 or
 * nested), with its tables. */
static struct sm_regime ctx_regime(const struct sm_smmu_ctx *c)
{
	/* A stage the configuration does not enable has table 0. */
	return (struct sm_regime){
	    .kind = c->s1 && c->s2 ? SM_REGIME_NESTED
		    : c->s2	   ? SM_REGIME_S2
				   : SM_REGIME_S1,
	    .root = c->ttb0,
	    .root2 = c->s2ttb,
	    .s2_level = c->s2_level,
	};
}

/* The STE and CD words of (sid, ssid), checked and decoded into *c. */
static void decode_ctx(struct sm_smmu *s, uint32_t sid, uint32_t ssid,
		       struct sm_smmu_ctx *c, unsigned *reads)
{
	uint64_t ste[4], cd_ipa;
	*c = (struct sm_smmu_ctx){.valid = true, .sid = sid, .ssid = ssid};
	if ((c->error = fetch_ste(s, sid, ste, reads)) != SM_EVT_NONE ||
	    !ste_config(c, ste))
		return;
	c->eats = sm_field_get(STRTAB_STE_1_EATS, ste[1]) == 1;
	if (c->s2 && !ste_stage2(c, ste, ssid))
		return;
	if (cd_addr(s, c, ste, ssid, &cd_ipa, reads))
		fetch_cd(s, c, cd_ipa, reads);
}

/* What each translation of the stream uses, derived from the decoded
 * fields (translate.c). */
static void derive_tags(struct sm_smmu_ctx *c)
{
	/* Stage-2-only entries get an ASID tag no stage-1 lookup or TLBI
	 * can match (a nested stream of the same VMID must not hit an IPA
	 * entry). */
	unsigned tsz = c->s1 ? c->t0sz : c->s2t0sz;
	c->tag_vmid = c->s2 ? c->vmid : 0;
	c->tag_asid = c->s1 ? c->asid : 0;
	c->atag = c->s1 ? c->asid : SM_TC_ASID_STAGE2;
	/* Entries of a shared ASID (CD.ASET = 0) of stage 1 may be
	 * invalidated by broadcast TLBIs (BTM). */
	c->fill_flags = c->aset || !c->s1 ? 0 : SM_IOTLB_F_BTM;
	/* EPD0 disables walks of TTB0 (how Linux quiets a CD whose mm has
	 * gone); otherwise the input is CD.T0SZ's (stage 1) or VTCR.T0SZ's
	 * (stage 2 only) range; a stream that translates has one of 16..39
	 * (the checks above). */
	if (c->s1 && c->epd0)
		c->ia_limit = 0;
	else
		c->ia_limit = tsz && tsz < 64 ? 1ull << (64 - tsz) : UINT64_MAX;
}

/* Fetch and check the STE and CD of (sid, ssid) into *c, with the regime
 * they name (what every translation of the stream uses). */
static void fetch_ctx(struct sm_smmu *s, uint32_t sid, uint32_t ssid,
		      struct sm_smmu_ctx *c, unsigned *reads)
{
	decode_ctx(s, sid, ssid, c, reads);
	c->rg = ctx_regime(c);
	derive_tags(c);
}

const struct sm_smmu_ctx *sm_smmu_cfg_lookup(struct sm_smmu *s, uint32_t sid,
					     uint32_t ssid, uint64_t *t)
{
	struct sm_smmu_ctx *set = cfg_set(s, sid, ssid), *c, *victim = NULL;
	for (c = set; c < set + s->cfg_ways; c++)
		if (c->valid && c->sid == sid && c->ssid == ssid) {
			/* The next lookup of the stream tries c first. */
			*sm_smmu_cfg_hint(s, sid, ssid) = c;
			return sm_smmu_cfg_hit(s, c);
		}
	for (uint32_t w = 0; w < s->cfg_ways; w++) {
		c = &set[w];
		if (!victim || !c->valid ||
		    (victim->valid && c->stamp < victim->stamp))
			victim = c;
	}
	SM_INC(s->ctr, SMMU_CFGCACHE_MISSES);
	unsigned reads = 0;
	fetch_ctx(s, sid, ssid, victim, &reads);
	*t += reads * s->lat_mem;
	victim->stamp = ++s->cfg_tick;
	/* Illegal configurations are not cached (an implementation may
	 * cache only valid structures). */
	if (victim->error != SM_EVT_NONE)
		victim->valid = false;
	else
		*sm_smmu_cfg_hint(s, sid, ssid) = victim;
	return victim;
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

/* Does the stream's configuration allow ATS?  The device learns this when
 * the driver enables ATS in its PCIe capability; the model reads the STE
 * (through the configuration cache, without counting a lookup). */
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
			*now = c->rg;
	}
	return ok;
}

void sm_smmu_cfg_inv(struct sm_smmu *s, uint32_t sid, uint64_t nsid,
		     bool any_ssid, uint32_t ssid)
{
	/* One pass over the cache whatever the span (CFGI_STE_RANGE may
	 * name 2^31 StreamIDs). */
	size_t n = (size_t)s->cfg_sets * s->cfg_ways;
	/* The micro-TLBs are tagged by StreamID alone: a stream whose
	 * configuration may have changed loses them (assumed, as for
	 * TLBIs: docs/model.md). */
	sm_smmu_flush_utlb(s);
	/* (Host time: a cache never filled -- the driver's probe -- is not
	 * scanned, nor its pages touched.) */
	if (!s->cfg_tick)
		return;
	for (size_t i = 0; i < n; i++) {
		struct sm_smmu_ctx *c = &s->cfg[i];
		if (!c->valid)
			continue;
		/* A context cached for "no substream" uses CD 0. */
		bool ssid_match = c->ssid == ssid ||
				  (ssid == 0 && c->ssid == SMMUSIM_NO_SSID);
		if ((uint64_t)c->sid - sid < nsid && (any_ssid || ssid_match)) {
			c->valid = false;
			SM_INC(s->ctr, SMMU_CFGCACHE_INVALIDATED);
		}
	}
}
