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
 * once, the PRI queue one request at a time.
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

/* The address of the record at index idx (wrap bit ignored). */
static uint64_t q_entry(const struct sm_smmu_queue *q, uint32_t idx)
{
	uint32_t n = 1u << q->log2size;
	return q->base + (uint64_t)(idx & (n - 1)) * q->dwords * 8;
}

/* An index moved on by one record, wrap bit included. */
static uint32_t q_next(const struct sm_smmu_queue *q, uint32_t idx)
{
	return (idx + 1) & ((2u << q->log2size) - 1);
}

/* Write one record of `dwords` words (the queue's, a constant where this
 * is inlined) at PROD; false (and OVFLG toggled) if the queue is full:
 * the record is lost.  Host time: the frame of the queue page is looked
 * up again only when PROD enters another page, or when the last look-up
 * found none (a frame lives as long as the physmem; whether it can be
 * written is checked at each write). */
static inline bool q_push(struct sm_smmu *s, struct sm_smmu_queue *q,
			  const uint64_t *words, unsigned dwords)
{
	if (!q->base)
		return false;
	if (sm_smmu_queue_used(q) >= (1u << q->log2size)) {
		q->ovflg = !q->ovflg;
		return false;
	}
	uint64_t pa = q_entry(q, q->prod);
	if (!q->frame || (pa & SM_PAGE_MASK) != q->frame_pa) {
		q->frame = sm_physmem_frame_of(s->pm, pa);
		q->frame_pa = pa & SM_PAGE_MASK;
	}
	sm_physmem_frame_write_words(s->pm, q->frame, pa, words, dwords);
	q->prod = q_next(q, q->prod);
	return true;
}

static const uint8_t evt_ids[SM_EVT_COUNT_] = {
#define SM_EVT_ID_(n, id, stat) [SM_EVT_##n] = id,
    SM_SMMU_EVENTS(SM_EVT_ID_)
#undef SM_EVT_ID_
};

bool sm_smmu_record_event(struct sm_smmu *s, enum sm_smmu_event ev,
			  uint32_t sid, uint32_t ssid, uint64_t va, bool write,
			  const struct sm_smmu_evt_s2 *x, uint64_t cycle)
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
	SM_INC(s->ctr, SMMU_EVTQ_RECORDS);
	if (!q_push(s, &s->evtq, w, EVTQ_ENT_DWORDS)) {
		SM_INC(s->ctr, SMMU_EVTQ_OVERFLOWS);
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
	SM_INC(s->ctr, SMMU_PRI_REQUESTS);
	w[0] = sm_field_prep(PRIQ_0_SID, sid) | PRIQ_0_PRG_LAST |
	       (write ? PRIQ_0_PERM_WRITE : PRIQ_0_PERM_READ);
	if (ssid != SMMUSIM_NO_SSID)
		w[0] |= PRIQ_0_SSID_V | sm_field_prep(PRIQ_0_SSID, ssid);
	w[1] = va & PRIQ_1_ADDR_MASK;
	if (!q_push(s, &s->priq, w, PRIQ_ENT_DWORDS)) {
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
	uint64_t pa = q_entry(q, q->cons);
	uint64_t w0 = sm_physmem_read64(s->pm, pa);
	uint64_t w1 = sm_physmem_read64(s->pm, pa + 8);
	*sid = (uint32_t)sm_field_get(PRIQ_0_SID, w0);
	*ssid = (w0 & PRIQ_0_SSID_V) ? (uint32_t)sm_field_get(PRIQ_0_SSID, w0)
				     : SMMUSIM_NO_SSID;
	*va = w1 & PRIQ_1_ADDR_MASK;
	*write = w0 & PRIQ_0_PERM_WRITE;
	q->cons = q_next(q, q->cons);
	return true;
}
