/* SPDX-License-Identifier: MIT */
/*
 * The driver's side of the hardware's upcalls: where the SMMU and the DMA
 * masters hand work to software, as an interrupt line or a PCIe message
 * connects a device to its driver.  Whoever builds a system (the
 * simulator's composition root, the kernel tests' world) calls
 * sm_drv_wire_upcalls() once, so both wire them the same way.
 *
 *   SMMU event-queue interrupt  ->  the event thread (arm_smmu_evtq_thread,
 *                                   a threaded IRQ of
 *                                   arm_smmu_setup_unique_irqs) drains the
 *                                   queue os.lat.evtq_irq later
 *   device page request (PRI)   ->  the PRI thread (arm_smmu_priq_thread ->
 *                                   arm_smmu_handle_ppr) pops the record and
 *                                   answers
 *   device stall (CD.S)         ->  the event thread answers CMD_RESUME
 *                                   (arm_smmu_handle_evt)
 *   "is PRI enabled for it?"    ->  the SVA bond says so
 *
 * drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c, 6.1.192 and 6.12.118 alike.
 * A device access finishing is not the kernel's business: the device's
 * done upcall stays with the caller.
 */
#include "hw/device/device.h"
#include "kernel/iommu/arm-smmu-v3/internal.h"

/* ---- the SMMU's event-queue interrupt: the event thread drains it ---- */

static int evtq_thread(void *ctx, uint64_t arg)
{
	struct sm_os *os = ctx;
	(void)arg;
	os->drv.evtq_drain_pending = false;
	sm_smmu_evtq_drain(os->smmu);
	SM_INC(os->drv.ctr, OS_SMMU_EVTQ_DRAINS);
	return 0;
}

static void evtq_irq(void *ctx, int queue, uint64_t cycle)
{
	struct sm_os *os = ctx;
	(void)queue;
	/* The thread runs os.lat.evtq_irq after the first record of a burst
	 * and drains everything there is by then. */
	if (os->drv.evtq_drain_pending)
		return;
	if (cycle < os->eng->now)
		cycle = os->eng->now;
	if (sm_engine_at(os->eng, cycle + os->drv.lat_evtq_irq, evtq_thread, os,
			 0) == 0)
		os->drv.evtq_drain_pending = true;
}

/* ---- the devices' upcalls ---- */

/* The PRI thread takes the oldest record off the queue (requests of equal
 * latency arrive in order: it is this one) and resolves it. */
static int priq_thread(void *ctx, uint32_t sid, uint32_t ssid, uint64_t va,
		       bool write, bool *ok, uint64_t *t)
{
	struct sm_os *os = ctx;
	uint32_t psid, pssid;
	uint64_t pva;
	bool pwrite;
	sm_smmu_priq_pop(os->smmu, &psid, &pssid, &pva, &pwrite);
	return sm_drv_page_request(os, sid, ssid, va, write, ok, t);
}

static int stall_resume(void *ctx, uint32_t sid, uint32_t ssid, uint64_t va,
			bool write, uint16_t stag, bool give_up, bool *ok,
			uint64_t *t)
{
	return sm_drv_stall_resume(ctx, sid, ssid, va, write, stag, give_up, ok,
				   t);
}

static bool pri_enabled(void *ctx, uint32_t sid, uint32_t ssid)
{
	const struct sm_bond *b = sm_drv_find_bond(ctx, sid, ssid);
	return b && b->pri;
}

void sm_drv_wire_upcalls(struct sm_os *os, struct sm_device *dev)
{
	os->smmu->irq = (struct sm_smmu_irq){evtq_irq, os};
	dev->ops.page_request = priq_thread;
	dev->ops.stall_resume = stall_resume;
	dev->ops.pri_enabled = pri_enabled;
	dev->ops.ctx = os;
}
