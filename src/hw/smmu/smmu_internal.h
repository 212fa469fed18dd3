/* SPDX-License-Identifier: MIT */
/*
 * What the files of the SMMU model share and nothing else includes: the
 * configuration cache (config.c), event records (queues.c), the stall
 * slots (stall.c), invalidation helpers (smmu.c) and the ATCs (atc.c).
 * Other layers include hw/smmu/smmu.h only.
 */
#ifndef SM_HW_SMMU_SMMU_INTERNAL_H
#define SM_HW_SMMU_SMMU_INTERNAL_H

#include <smmusim/hooks.h>

#include "hw/smmu/smmu.h"

static inline uint64_t sm_smmu_max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* ---- config.c: STE and CD fetch, the configuration cache ---- */

/* The configuration of (sid, ssid): a configuration cache hit, else the
 * STE and CD fetched from memory and checked (an illegal one is not
 * cached; its error is in ->error).  *t advances by the lookup and the
 * fetches. */
const struct sm_smmu_ctx *sm_smmu_cfg_get(struct sm_smmu *s, uint32_t sid,
					  uint32_t ssid, uint64_t *t);
/* Drop cached configurations of StreamIDs [sid, sid + nsid): of every
 * substream, or of `ssid` only (CFGI_*). */
void sm_smmu_cfg_inv(struct sm_smmu *s, uint32_t sid, uint64_t nsid,
		     bool any_ssid, uint32_t ssid);
/* The regime a configuration translates through (stage 1, stage 2 or
 * nested), with its tables. */
struct sm_regime sm_smmu_ctx_regime(const struct sm_smmu_ctx *c);
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
/* Write a fault record; false if it was lost to a full queue. */
bool sm_smmu_record_event(struct sm_smmu *s, enum sm_smmu_event ev,
			  uint32_t sid, uint32_t ssid, uint64_t va, bool write,
			  const struct sm_smmu_evt_s2 *x, uint64_t cycle);

/* ---- stall.c: the stall model ---- */

/* Hold a faulting transaction of sid in a free stall slot with a new
 * STAG; NULL (counted) when every slot is busy. */
struct sm_stall *sm_smmu_stall_hold(struct sm_smmu *s, uint32_t sid);
void sm_smmu_stall_resume(struct sm_smmu *s, const struct sm_smmu_cmd *c);
void sm_smmu_stall_term(struct sm_smmu *s, const struct sm_smmu_cmd *c);

/* ---- smmu.c: shared by command execution and BTM ---- */

/* Empty the micro-TLBs (any invalidation that reaches the SMMU). */
void sm_smmu_flush_utlb(struct sm_smmu *s);
/* Service time of a TLB invalidation of `pages` pages (UINT64_MAX: a
 * whole scan). */
uint64_t sm_smmu_inv_cost(const struct sm_smmu *s, uint64_t pages);

/* ---- atc.c ---- */

int sm_smmu_atc_init(struct sm_smmu *s, const smmusim_config_t *cfg,
		     struct sm_errbuf *eb);
void sm_smmu_atc_inv(struct sm_smmu *s, const struct sm_smmu_cmd *c);
void sm_smmu_atc_fini(struct sm_smmu *s);

/* The report of a device access to the observer (the oracle). */
static inline struct sm_xlate_report
sm_smmu_device_report(uint32_t sid, uint32_t ssid, uint64_t va, bool write,
		      uint64_t now, uint32_t tag)
{
	struct sm_xlate_report r =
	    sm_xlate_report_start(SMMUSIM_AGENT_DEVICE, va, write, now, tag);
	r.sid = sid;
	r.ssid = ssid;
	return r;
}

/* The regime the oracle judges a cached translation against (what the
 * stream's configuration names now). */
static inline void sm_smmu_report_regime(struct sm_xlate_report *r,
					 const struct sm_regime *rg)
{
	r->root = rg->root;
	r->root2 = rg->root2;
	r->regime = (uint8_t)rg->kind;
	r->s2_level = (int8_t)rg->s2_level;
}

/* Free the command queue's consumption schedule (cmdq.c). */
void sm_smmu_cmdq_fini(struct sm_smmu *s);

/* smmu.c: apply a broadcast TLBI received under BTM (at its cycle, from
 * sm_smmu_cmdq_catch_up). */
void sm_smmu_btm_invalidate(struct sm_smmu *s, const struct sm_tlbi *t);

#endif
