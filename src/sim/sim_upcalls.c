/* SPDX-License-Identifier: MIT */
/*
 * Upcalls: where hardware hands work to software, the composition root
 * connects the two, as an interrupt line or a PCIe message connects a
 * device to its driver.
 *
 *   SMMU event-queue interrupt  ->  the driver's event thread
 *                                   (arm_smmu_evtq_thread) drains the queue
 *   device page request (PRI)   ->  the driver's PRI thread
 *                                   (arm_smmu_priq_thread, iopf handling)
 *   device stall (CD.S)         ->  the event thread answers CMD_RESUME
 *   "is PRI enabled for it?"    ->  the SVA bond says so
 *   device access finished      ->  sequencing of the next event
 */
#include "sim/sim_internal.h"

/* ---- the SMMU's event-queue interrupt: the kernel drains it ---- */

static int evtq_drain(void *ctx, uint64_t arg)
{
	struct smmusim *s = ctx;
	(void)arg;
	s->evtq_drain_pending = false;
	sm_smmu_evtq_drain(&s->smmu);
	SM_INC(s->ctr, OS_SMMU_EVTQ_DRAINS);
	return 0;
}

static void smmu_irq(void *ctx, int queue, uint64_t cycle)
{
	struct smmusim *s = ctx;
	(void)queue;
	/* arm_smmu_evtq_thread runs os.lat.evtq_irq after the first record
	 * of a burst and drains everything there is by then. */
	if (s->evtq_drain_pending)
		return;
	if (cycle < s->eng.now)
		cycle = s->eng.now;
	if (sm_engine_at(&s->eng, cycle + s->lat_evtq_irq, evtq_drain, s, 0) ==
	    0)
		s->evtq_drain_pending = true;
}

/* ---- the devices' upcalls: the kernel answers ---- */

/* The kernel's PRI thread takes the oldest record off the queue (requests
 * of equal latency arrive in order: it is this one) and resolves it. */
static int dev_page_request(void *ctx, uint32_t sid, uint32_t ssid, uint64_t va,
			    bool write, bool *ok, uint64_t *t)
{
	struct smmusim *s = ctx;
	uint32_t psid, pssid;
	uint64_t pva;
	bool pwrite;
	sm_smmu_priq_pop(&s->smmu, &psid, &pssid, &pva, &pwrite);
	return sm_drv_page_request(&s->os, sid, ssid, va, write, ok, t);
}

static int dev_stall_resume(void *ctx, uint32_t sid, uint32_t ssid, uint64_t va,
			    bool write, uint16_t stag, bool give_up, bool *ok,
			    uint64_t *t)
{
	struct smmusim *s = ctx;
	return sm_drv_stall_resume(&s->os, sid, ssid, va, write, stag, give_up,
				   ok, t);
}

static bool dev_pri_enabled(void *ctx, uint32_t sid, uint32_t ssid)
{
	struct smmusim *s = ctx;
	const struct sm_bond *b = sm_drv_find_bond(&s->os, sid, ssid);
	return b && b->pri;
}

static void dev_done(void *ctx, uint64_t seq, uint64_t t)
{
	sm_sim_note_finish(ctx, seq, t);
}

void sm_sim_wire_upcalls(struct smmusim *s)
{
	s->smmu.irq = (struct sm_smmu_irq){smmu_irq, s};
	s->dev.ops = (struct sm_device_ops){dev_page_request, dev_stall_resume,
					    dev_pri_enabled, dev_done, s};
}
