/* SPDX-License-Identifier: MIT */
/*
 * The queues the SMMU produces into: the event queue (fault and
 * configuration error records, spec 7.3 "Event records") and the PRI queue
 * (a device's page requests, PCIe PRI; spec 3.9 and chapter 8).
 *
 * Each is a ring of 2^log2size records in memory whose PROD and CONS
 * indexes carry a wrap bit above the index (spec 3.5).  The SMMU writes a
 * record at PROD; when the ring is full the record is lost and OVFLG
 * toggles (spec 7.4 for the event queue; the PRI queue likewise).  Software
 * (the driver model, through sim) consumes them: the event queue all at
 * once, the PRI queue one request at a time.  The write of a record at
 * PROD, and the event record, are inline in smmu_internal.h (host time:
 * a stalled fault writes one).
 */
#include <smmusim/event.h>

#include "arch/smmu_regs.h"
#include "hw/smmu/smmu_internal.h"

static void set_queue(struct sm_smmu_queue *q, uint64_t base, unsigned log2size,
		      unsigned dwords)
{
	*q = (struct sm_smmu_queue){
	    .base = base, .log2size = log2size, .dwords = dwords};
}

void sm_smmu_set_evtq(struct sm_smmu *s, uint64_t base, unsigned log2size)
{
	set_queue(&s->evtq, base, log2size, EVTQ_ENT_DWORDS);
}

void sm_smmu_set_priq(struct sm_smmu *s, uint64_t base, unsigned log2size)
{
	set_queue(&s->priq, base, log2size, PRIQ_ENT_DWORDS);
}

bool sm_smmu_page_request(struct sm_smmu *s, uint32_t sid, uint32_t ssid,
			  uint64_t va, bool write)
{
	uint64_t w[PRIQ_ENT_DWORDS];
	SM_INC(s->ctr, SMMU_PRI_REQUESTS);
	w[0] = sm_field_prep(PRIQ_0_SID, sid) | PRIQ_0_PRG_LAST |
	       (write ? PRIQ_0_PERM_WRITE : PRIQ_0_PERM_READ);
	if (ssid != SMMUSIM_NO_SSID)
		w[0] |= PRIQ_0_SSID_V | sm_field_prep(PRIQ_0_SSID, ssid);
	w[1] = va & PRIQ_1_ADDR_MASK;
	if (!sm_smmu_q_push(s, &s->priq, w, PRIQ_ENT_DWORDS)) {
		SM_INC(s->ctr, SMMU_PRIQ_OVERFLOWS);
		return false;
	}
	SM_INC(s->ctr, SMMU_PRIQ_REQUESTS);
	return true;
}

bool sm_smmu_priq_pop(struct sm_smmu *s, uint32_t *sid, uint32_t *ssid,
		      uint64_t *va, bool *write)
{
	struct sm_smmu_queue *q = &s->priq;
	if (!sm_smmu_queue_used(q))
		return false;
	uint64_t pa = sm_smmu_q_entry(q, q->cons);
	uint64_t w0 = sm_physmem_read64(s->pm, pa);
	uint64_t w1 = sm_physmem_read64(s->pm, pa + 8);
	*sid = (uint32_t)sm_field_get(PRIQ_0_SID, w0);
	*ssid = (w0 & PRIQ_0_SSID_V) ? (uint32_t)sm_field_get(PRIQ_0_SSID, w0)
				     : SMMUSIM_NO_SSID;
	*va = w1 & PRIQ_1_ADDR_MASK;
	*write = w0 & PRIQ_0_PERM_WRITE;
	q->cons = sm_smmu_q_next(q, q->cons);
	return true;
}
