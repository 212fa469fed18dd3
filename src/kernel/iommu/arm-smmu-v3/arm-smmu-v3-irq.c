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
 * The answers themselves are here too (arm_smmu_page_response and the
 * iopf path): the upcalls are their only callers, so a stalled fault goes
 * from the device to handle_mm_fault and the CMD_RESUME without a call
 * in between (host time).  A device access finishing is not the kernel's
 * business: the device's done upcall stays with the caller.
 */
#include "arch/smmu_cmd.h"
#include "arch/smmu_cmd_decode.h"
#include "arch/smmu_regs.h"
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

/* CMD_PRI_RESP with `resp` (CMDQ_PRI_1_RESP_*): SSV only when the request
 * had a PASID, as arm_smmu_handle_ppr builds it. */
static void cmd_pri_resp(uint64_t c[2], uint32_t sid, uint32_t ssid,
			 unsigned resp)
{
	bool ssv = ssid != SMMUSIM_NO_SSID;
	sm_smmu_cmd_build(&(struct sm_smmu_cmd){.op = CMDQ_OP_PRI_RESP,
						.sid = sid,
						.ssv = ssv,
						.ssid = ssv ? ssid : 0,
						.resp = resp},
			  c, NULL);
}

/* iommu_sva_handle_iopf(): handle_mm_fault on the bound mm, run by a
 * kernel worker (on PE 0 in this model); *ok says whether it resolved. */
static int iopf_handle(struct sm_os *os, uint32_t sid, uint32_t ssid,
		       uint64_t va, bool write, bool *ok, uint64_t *t)
{
	struct sm_bond *b = sm_drv_find_bond(os, sid, ssid);
	*ok = false;
	if (!b || !b->mm->live)
		return 0;
	return sm_os_handle_mm_fault(
	    os, b->mm, 0, va, write ? SMMUSIM_ACC_WRITE : SMMUSIM_ACC_READ,
	    true, ok, t);
}

/* The PRI thread (arm_smmu_priq_thread -> arm_smmu_handle_ppr) takes the
 * oldest record off the queue (requests of equal latency arrive in order:
 * it is this one) and answers it.  Mainline arm-smmu-v3 never services
 * page requests (6.1 and 6.12 alike: it never enables PRI in a device,
 * logs "unexpected PRI request received" and answers the last request of
 * the group with PRI_RESP DENY, *ok false; SVA recovers faults through
 * stall only, arm_smmu_master_iopf_supported).  The service what-if
 * (policy.smmu.pri=service) does what other IOMMUs do: Intel VT-d's
 * prq_event_thread reports the request to iommu_report_device_fault, whose
 * iopf worker (iommu_sva_handle_iopf) runs handle_mm_fault and answers
 * SUCCESS or FAILURE.  The model's page requests are single-page groups,
 * each the last of its group. */
static int priq_thread(void *ctx, uint32_t sid, uint32_t ssid, uint64_t va,
		       bool write, bool *ok, uint64_t *t)
{
	struct sm_os *os = ctx;
	uint32_t psid, pssid;
	uint64_t pva;
	bool pwrite;
	sm_smmu_priq_pop(os->smmu, &psid, &pssid, &pva, &pwrite);
	unsigned resp = CMDQ_PRI_1_RESP_DENY;
	*ok = false;
	if (os->drv.pri_service) {
		int rc = iopf_handle(os, sid, ssid, va, write, ok, t);
		if (rc < 0)
			return rc;
		resp = *ok ? CMDQ_PRI_1_RESP_SUCC : CMDQ_PRI_1_RESP_FAIL;
	}
	uint64_t c[2];
	cmd_pri_resp(c, sid, ssid, resp);
	return sm_drv_cmdq_issue_nosync(os, c, t);
}

/* The event thread's answer to a stalled fault (arm_smmu_handle_evt ->
 * iommu_report_device_fault -> iopf -> arm_smmu_page_response): the fault
 * resolved (handle_mm_fault unless the device gives up), then CMD_RESUME
 * for `stag` with RETRY or ABORT, no sync; its words made inline (host
 * time: sm_smmu_cmd_build's, test_smmu_cmd checks).  *t is when the SMMU
 * has consumed it. */
static int stall_resume(void *ctx, uint32_t sid, uint32_t ssid, uint64_t va,
			bool write, uint16_t stag, bool give_up, bool *ok,
			uint64_t *t)
{
	struct sm_os *os = ctx;
	int rc;
	*ok = false;
	if (!give_up && (rc = iopf_handle(os, sid, ssid, va, write, ok, t)) < 0)
		return rc;
	uint64_t c[2];
	sm_smmu_cmd_build_resume(c, sid, stag,
				 *ok ? CMDQ_RESUME_0_RESP_RETRY
				     : CMDQ_RESUME_0_RESP_ABORT);
	return sm_drv_cmdq_issue_nosync(os, c, t);
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
