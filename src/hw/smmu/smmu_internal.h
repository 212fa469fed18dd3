/* SPDX-License-Identifier: MIT */
/*
 * What the files of the SMMU model share and nothing else includes: the
 * configuration cache (config.c), event records (queues.c), the stall
 * slots (stall.c), invalidation helpers (smmu.c) and the ATCs (atc.c).
 * Other layers include hw/smmu/smmu.h only.
 */
#ifndef SM_HW_SMMU_SMMU_INTERNAL_H
#define SM_HW_SMMU_SMMU_INTERNAL_H

#include <smmusim/event.h>
#include <smmusim/hooks.h>

#include "arch/smmu_regs.h"
#include "hw/smmu/smmu.h"

/* ---- config.c: STE and CD fetch, the configuration cache ---- */

/* The stream's slot of sm_smmu.cfg_hint. */
static inline struct sm_smmu_ctx **sm_smmu_cfg_hint(struct sm_smmu *s,
						    uint32_t sid, uint32_t ssid)
{
	return &s->cfg_hint[(sid ^ ssid * 5) & (SM_SMMU_CFG_HINTS - 1)];
}
/* A configuration cache hit on c (LRU stamp: a new one, unless c has the
 * latest, which keeps every stamp's order; host time: a stream's
 * accesses in a row stamp nothing).  Without a branch (host time: streams
 * that take turns made it unpredictable): the tick moves by one exactly
 * when c's stamp is not the latest, and c gets the tick, which is its
 * stamp already when it did not move. */
static inline const struct sm_smmu_ctx *sm_smmu_cfg_hit(struct sm_smmu *s,
							struct sm_smmu_ctx *c)
{
	SM_INC(s->ctr, SMMU_CFGCACHE_HITS);
	s->cfg_tick += c->stamp != s->cfg_tick;
	c->stamp = s->cfg_tick;
	return c;
}
/* sm_smmu_cfg_get past the last hit: the set of (sid, ssid), else the
 * fetch. */
const struct sm_smmu_ctx *sm_smmu_cfg_lookup(struct sm_smmu *s, uint32_t sid,
					     uint32_t ssid, uint64_t *t);
/* The configuration of (sid, ssid): a configuration cache hit, else the
 * STE and CD fetched from memory and checked (an illegal one is not
 * cached; its error is in ->error).  *t advances by the lookup and the
 * fetches.  A valid (sid, ssid) is in one way at most: the way its hint
 * remembers, when it still holds that stream, is the way a scan would find
 * (host time: a few streams take turns). */
static inline const struct sm_smmu_ctx *
sm_smmu_cfg_get(struct sm_smmu *s, uint32_t sid, uint32_t ssid, uint64_t *t)
{
	struct sm_smmu_ctx *c = *sm_smmu_cfg_hint(s, sid, ssid);
	*t += s->lat_cfg;
	if (c && c->valid && c->sid == sid && c->ssid == ssid)
		return sm_smmu_cfg_hit(s, c);
	return sm_smmu_cfg_lookup(s, sid, ssid, t);
}
/* Drop cached configurations of StreamIDs [sid, sid + nsid): of every
 * substream, or of `ssid` only (CFGI_*). */
void sm_smmu_cfg_inv(struct sm_smmu *s, uint32_t sid, uint64_t nsid,
		     bool any_ssid, uint32_t ssid);
/* Whether (sid, ssid) may use ATS now (a valid translating STE with
 * EATS); *now (if non-NULL) gets the regime its configuration names. */
bool sm_smmu_eats(struct sm_smmu *s, uint32_t sid, uint32_t ssid,
		  struct sm_regime *now);

/* ---- queues.c: event records ---- */

/* Stage-2 part of a fault record (spec 7.3: S2, CLASS, IPA), and the
 * stall tag when the fault stalled the transaction. */
struct sm_smmu_evt_s2 {
	bool s2;
	unsigned cls; /* EVTQ_1_CLASS_* */
	uint64_t ipa;
	bool stall;
	uint16_t stag;
};
/* The address of the record at index idx (wrap bit ignored). */
static inline uint64_t sm_smmu_q_entry(const struct sm_smmu_queue *q,
				       uint32_t idx)
{
	uint32_t n = 1u << q->log2size;
	return q->base + (uint64_t)(idx & (n - 1)) * q->dwords * 8;
}

/* An index moved on by one record, wrap bit included. */
static inline uint32_t sm_smmu_q_next(const struct sm_smmu_queue *q,
				      uint32_t idx)
{
	return (idx + 1) & ((2u << q->log2size) - 1);
}

/* Write one record of `dwords` words (the queue's, a constant where this
 * is inlined) at PROD; false (and OVFLG toggled) if the queue is full:
 * the record is lost.  Host time: the frame of the queue page is looked
 * up again only when PROD enters another page, or when the last look-up
 * found none (a frame lives as long as the physmem; whether it can be
 * written is checked at each write). */
static inline bool sm_smmu_q_push(struct sm_smmu *s, struct sm_smmu_queue *q,
				  const uint64_t *words, unsigned dwords)
{
	if (!q->base)
		return false;
	if (sm_smmu_queue_used(q) >= (1u << q->log2size)) {
		q->ovflg = !q->ovflg;
		return false;
	}
	uint64_t pa = sm_smmu_q_entry(q, q->prod);
	if (!q->frame || (pa & SM_PAGE_MASK) != q->frame_pa) {
		q->frame = sm_physmem_frame_of(s->pm, pa);
		q->frame_pa = pa & SM_PAGE_MASK;
	}
	sm_physmem_frame_write_words(s->pm, q->frame, pa, words, dwords);
	q->prod = sm_smmu_q_next(q, q->prod);
	return true;
}

static const uint8_t sm_smmu_evt_ids[SM_EVT_COUNT_] = {
#define SM_EVT_ID_(n, id, stat) [SM_EVT_##n] = id,
    SM_SMMU_EVENTS(SM_EVT_ID_)
#undef SM_EVT_ID_
};

/* Write a fault record; false if it was lost to a full queue.  Inline
 * (host time: a stalled fault writes one). */
static inline bool sm_smmu_record_event(struct sm_smmu *s,
					enum sm_smmu_event ev, uint32_t sid,
					uint32_t ssid, uint64_t va, bool write,
					const struct sm_smmu_evt_s2 *x,
					uint64_t cycle)
{
	uint64_t w0 = sm_field_prep(EVTQ_0_ID, sm_smmu_evt_ids[ev]) |
		      sm_field_prep(EVTQ_0_SID, sid);
	if (ssid != SMMUSIM_NO_SSID)
		w0 |= EVTQ_0_SSV | sm_field_prep(EVTQ_0_SSID, ssid);
	uint64_t w1 = write ? 0 : EVTQ_1_RNW, w3 = 0;
	if (x->s2) {
		w1 |= EVTQ_1_S2 | sm_field_prep(EVTQ_1_CLASS, x->cls);
		w3 = x->ipa & EVTQ_3_IPA;
	}
	if (x->stall)
		w1 |= EVTQ_1_STALL | sm_field_prep(EVTQ_1_STAG, x->stag);
	/* The record's words stored once each, when all are known (host
	 * time: words stored piecemeal then copied as pairs stalled the
	 * copy's loads on store forwarding). */
	const uint64_t w[EVTQ_ENT_DWORDS] = {w0, w1, va, w3};
	/* records: every record the SMMU generated; overflows: those lost
	 * to a full (or not configured) queue. */
	SM_INC(s->ctr, SMMU_EVTQ_RECORDS);
	if (!sm_smmu_q_push(s, &s->evtq, w, EVTQ_ENT_DWORDS)) {
		SM_INC(s->ctr, SMMU_EVTQ_OVERFLOWS);
		return false;
	}
	if (s->irq.raise)
		s->irq.raise(s->irq.ctx, SM_SMMU_IRQ_EVTQ, cycle);
	return true;
}

/* ---- stall.c: the stall model ---- */

/* Hold a faulting transaction of sid in a free stall slot with a new
 * STAG; NULL (counted) when every slot is busy. */
static inline struct sm_stall *sm_smmu_stall_hold(struct sm_smmu *s,
						  uint32_t sid)
{
	for (unsigned i = 0; i < s->nstall_slots; i++)
		if (!s->stalls[i].used) {
			s->stalls[i] =
			    (struct sm_stall){sid, s->stag_next++, true};
			return &s->stalls[i];
		}
	SM_INC(s->ctr, SMMU_STALL_NO_SLOT);
	return NULL;
}
/* CMD_RESUME: retry or terminate the stalled transaction (SID, STAG); a
 * RESUME that matches none is ignored.  (Inline: one per stalled fault,
 * host time; stall.c has CMD_STALL_TERM.) */
static inline void sm_smmu_stall_resume(struct sm_smmu *s,
					const struct sm_smmu_cmd *c)
{
	struct sm_stall *h =
	    sm_smmu_stall_find(s, (uint32_t)c->sid, (uint16_t)c->stag);
	if (!h) {
		SM_INC(s->ctr, SMMU_STALL_UNMATCHED_RESUMES);
		return;
	}
	h->used = false;
	if (c->resp == CMDQ_RESUME_0_RESP_RETRY)
		SM_INC(s->ctr, SMMU_STALL_RESUMED);
	else
		SM_INC(s->ctr, SMMU_STALL_TERMINATED);
}
void sm_smmu_stall_term(struct sm_smmu *s, const struct sm_smmu_cmd *c);

/* ---- shared by command execution and BTM (inline: every invalidation
 * command, host time) ---- */

/* Micro-TLBs are emptied by any TLB invalidation that reaches the SMMU: a
 * conservative assumption about how a TCU forwards invalidations to the
 * TBUs (docs/model.md).  The fills that wait are dropped unmade, which
 * leaves the micro-TLB as making and dropping them would (it held nothing
 * else); an empty one has nothing to drop (host time). */
static inline void sm_smmu_flush_utlb(struct sm_smmu *s)
{
	s->utlb_npend = 0;
	s->utlb_pend_pages = 0;
	if (s->has_utlb && s->utlb.live)
		sm_tc_inv_all(&s->utlb);
}
/* Service time of a TLB invalidation of `pages` pages (UINT64_MAX: a
 * whole scan): a lookup per page up to a whole scan of the IOTLB's sets
 * (smmu.lat.inv_scan per set). */
static inline uint64_t sm_smmu_inv_cost(const struct sm_smmu *s, uint64_t pages)
{
	uint64_t sets = s->iotlb.sets;
	return s->lat_cmd_tlbi +
	       s->lat_inv_scan * (pages < sets ? pages : sets);
}

/* ---- atc.c ---- */

int sm_smmu_atc_init(struct sm_smmu *s, const smmusim_config_t *cfg,
		     struct sm_errbuf *eb);
void sm_smmu_atc_inv(struct sm_smmu *s, const struct sm_smmu_cmd *c);
void sm_smmu_atc_fini(struct sm_smmu *s);

/* ---- translate.c ---- */

/* The report to the observer (the oracle) of a device access (trace line
 * `tag`, at `now`): the entry that decided it (`e`, NULL: none) and the
 * regime the stream's configuration names now (`rg`, NULL: none).  The
 * oracle judges a cached entry against that regime, not against the tables
 * the entry was walked from: an entry of another context (a reused ASID or
 * VMID never invalidated) is then a stale translation.  The caller sets the
 * outcome and what answered.  Host time: it is built for every access, so
 * each field is set once, without zeroing the whole report first (a field
 * added to struct sm_xlate_report must be set here too). */
static inline void
sm_smmu_device_report(struct sm_xlate_report *r, uint32_t sid, uint32_t ssid,
		      uint64_t va, bool write, uint64_t now, uint32_t tag,
		      const struct sm_tc_entry *e, const struct sm_regime *rg)
{
	static const struct sm_regime none;
	if (!rg)
		rg = &none;
	*r = (struct sm_xlate_report){
	    .agent_kind = SMMUSIM_AGENT_DEVICE,
	    .cpu = 0, /* a device, not a PE */
	    .sid = sid,
	    .ssid = ssid,
	    .tag = tag,
	    .root = rg->root,
	    .root2 = rg->root2,
	    .regime = (uint8_t)rg->kind,
	    .s2_level = (int8_t)rg->s2_level,
	    .va = va,
	    .write = write,
	    .cycle = now,
	    .entry_va = e ? e->va : 0,
	    .entry_pa = e ? e->pa : 0,
	    .entry_size = e ? sm_tc_size(e) : 0,
	    .entry_perm = e ? e->perm : 0,
	    /* the caller's: what answered */
	    .cache = NULL,
	    .asid = 0,
	    .outcome = SM_XLATE_OK,
	    .from_cache = false,
	    .no_context = false,
	};
}

/* Free the command queue's consumption schedule (cmdq.c). */
void sm_smmu_cmdq_fini(struct sm_smmu *s);

/* smmu.c: apply a broadcast TLBI received under BTM (at its cycle, from
 * sm_smmu_cmdq_catch_up). */
void sm_smmu_btm_invalidate(struct sm_smmu *s, const struct sm_tlbi *t);

#endif
