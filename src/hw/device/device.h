/* SPDX-License-Identifier: MIT */
/*
 * The devices behind the SMMU, as DMA masters: each access is translated by
 * the SMMU (through the device's ATC when it uses ATS); a fault is recovered
 * the PCIe way (a page request, PRI) or the stall way (CD.S: the SMMU holds
 * the transaction until software answers with CMD_RESUME), then retried.
 *
 * This is hardware: it knows the SMMU and the clock, not the kernel.  What
 * the kernel does in answer (its PRI and event threads) is reached through
 * struct sm_device_ops, filled by the kernel's SMMU driver
 * (sm_drv_wire_upcalls) when whoever builds the system asks, as a device
 * raises an interrupt without knowing the handler.
 */
#ifndef SM_HW_DEVICE_DEVICE_H
#define SM_HW_DEVICE_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <smmusim/alloc.h>
#include <smmusim/config.h>

#include "base/errbuf.h"
#include "engine/engine.h"
#include "engine/stats.h"
#include "hw/smmu/smmu.h"

struct sm_dev_task;

/* How an access ended (ops.done). */
struct sm_dev_outcome {
	bool ok;	 /* translated; else it faulted for good */
	uint64_t pa;	 /* ok: the output address */
	uint32_t faults; /* faults on the way (page requests, stalls) */
};

/* Upcalls to the software above the devices. */
struct sm_device_ops {
	/* The kernel's PRI thread takes the page request off the PRI queue,
	 * resolves it (iommu_sva_handle_iopf) and sends CMD_PRI_RESP: *ok
	 * is its Success; *t goes in as the handler's start and comes back
	 * as when the response was consumed. */
	int (*page_request)(void *ctx, uint32_t sid, uint32_t ssid, uint64_t va,
			    bool write, bool *ok, uint64_t *t);
	/* The kernel's event thread answers a stalled fault with CMD_RESUME:
	 * RETRY when it resolved the fault (*ok), ABORT when give_up. */
	int (*stall_resume)(void *ctx, uint32_t sid, uint32_t ssid, uint64_t va,
			    bool write, uint16_t stag, bool give_up, bool *ok,
			    uint64_t *t);
	/* Whether software enabled page requests for (sid, ssid): an SVA
	 * bond with PRI (the PRI capability's Enable, per PASID). */
	bool (*pri_enabled)(void *ctx, uint32_t sid, uint32_t ssid);
	/* The access started with `tag` completed at cycle t, as *o says:
	 * for whoever sequences the accesses, not the kernel, so with its
	 * own ctx. */
	void (*done)(void *done_ctx, uint64_t tag, uint64_t t,
		     const struct sm_dev_outcome *o);
	void *ctx; /* the kernel's: page_request, stall_resume, pri_enabled */
	void *done_ctx; /* done's */
};

struct sm_device {
	const struct smmusim_allocator *alloc;
	struct sm_engine *eng;
	struct sm_smmu *smmu;
	struct sm_errbuf *eb;
	struct sm_device_ops ops;

	uint32_t retry_limit;
	uint64_t lat_pri, lat_retry, lat_evtq_irq;
	bool stall_mode; /* dev.fault_mode=stall: no page requests */

	struct sm_dev_task *free_tasks;
	struct sm_dev_task *all_tasks; /* every task allocated (freed at
					* fini, also those in flight) */
	size_t live_tasks; /* tasks in use: accesses past their first
			    * attempt */

	uint64_t *ctr;		     /* the stats by ID (engine/stats.h) */
	struct sm_hist *const *hist; /* the histograms by ID */
};

int sm_device_init(struct sm_device *d, const struct smmusim_allocator *a,
		   const smmusim_config_t *cfg, struct sm_engine *eng,
		   struct sm_smmu *smmu, struct sm_stats *stats,
		   struct sm_errbuf *eb);
void sm_device_fini(struct sm_device *d);

/* A DMA read or write of va by (sid, ssid) starting now (`start` is its
 * start for the latency histogram); ops.done(tag) when it completes, which
 * may be inside this call or on a later engine event. */
int sm_device_access(struct sm_device *d, uint32_t sid, uint32_t ssid,
		     uint64_t va, bool write, uint32_t line, uint64_t start,
		     uint64_t tag);

#endif
