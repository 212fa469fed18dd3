/* SPDX-License-Identifier: MIT */
/*
 * DMA masters: one access is a chain of engine events.
 *
 *   attempt   the SMMU translates (sm_smmu_device_access: ATC or IOTLB or
 *             walk).  Success ends the access.
 *   stall     the fault was held (CD.S = 1, SMMUv3 3.12.2): the kernel's
 *             event thread answers os.lat.evtq_irq after the record with
 *             CMD_RESUME; RETRY replays the transaction, ABORT ends it.
 *   page      otherwise a recoverable fault (translation, permission,
 *   request   access flag) of a stream with PRI enabled becomes a page
 *             request (PCIe PRI, a PRIQ record); the kernel's PRI thread
 *             takes it dev.lat.pri later and answers with a page response;
 *             on Success the device retries dev.lat.retry after it.
 *
 * A device that faulted dev.retry_limit times gives up (a real one may
 * retry forever: that is what the oracle's fault-livelock check is for); a
 * stall-mode device (dev.fault_mode=stall) sends no page requests; a
 * request that finds the PRI queue full is lost and the access fails at
 * the device's PRI timeout.  An access that outlives its first attempt
 * keeps its state in a task; tasks are recycled through a free list.
 */
#include "hw/device/device.h"

#include <smmusim/error.h>

#include "base/alloc.h"
#include "engine/config.h"

struct sm_dev_task {
	struct sm_device *dev;
	/* The access, set whole when the task starts (host time: the
	 * task's other fields are not cleared: next is read only once the
	 * task is free again, stag only after a stall set it). */
	struct sm_dev_req {
		uint32_t sid, ssid, line;
		uint64_t va;
		bool write;
		uint64_t start, tag;
		uint32_t faults;
	} req;
	uint16_t stag; /* stall model: the held transaction's tag */
	struct sm_dev_task *next;
	struct sm_dev_task *all_next; /* sm_device.all_tasks */
};

int sm_device_init(struct sm_device *d, const struct smmusim_allocator *a,
		   const smmusim_config_t *cfg, struct sm_engine *eng,
		   struct sm_smmu *smmu, struct sm_stats *st,
		   struct sm_errbuf *eb)
{
	*d = (struct sm_device){
	    .alloc = a,
	    .eng = eng,
	    .smmu = smmu,
	    .eb = eb,
	    .retry_limit = (uint32_t)sm_cfg_u64(cfg, SM_K_DEV_RETRY_LIMIT),
	    .lat_pri = sm_cfg_u64(cfg, SM_K_DEV_LAT_PRI),
	    .lat_retry = sm_cfg_u64(cfg, SM_K_DEV_LAT_RETRY),
	    .lat_evtq_irq = sm_cfg_u64(cfg, SM_K_OS_LAT_EVTQ_IRQ),
	    .stall_mode = sm_cfg_enum(cfg, SM_K_DEV_FAULT_MODE) == 1,
	    .ctr = sm_stats_ctrs(st),
	    .hist = sm_stats_hists(st),
	};
	return 0;
}

void sm_device_fini(struct sm_device *d)
{
	/* Every task, also those still in flight when a replay stopped on
	 * an error. */
	for (struct sm_dev_task *t = d->all_tasks, *n; t; t = n) {
		n = t->all_next;
		sm_free(d->alloc, t, sizeof(*t));
	}
	d->all_tasks = d->free_tasks = NULL;
}

static int dev_attempt(void *ctx, uint64_t arg);

/* The access started at `start` ended at t after `faults` faults. */
static void access_done(struct sm_device *d, uint64_t start, uint64_t tag,
			uint32_t faults, uint64_t t, bool ok, uint64_t pa)
{
	struct sm_dev_outcome o = {ok, pa, faults};
	d->ctr[ok ? SM_STAT_DEV_ACCESS_OK : SM_STAT_DEV_ACCESS_FAILED]++;
	SM_HIST_REC(d->hist, DEV_ACCESS_LATENCY, t - start);
	d->ops.done(d->ops.done_ctx, tag, t, &o);
}

static void task_done(struct sm_dev_task *k, uint64_t t, bool ok, uint64_t pa)
{
	struct sm_device *d = k->dev;
	access_done(d, k->req.start, k->req.tag, k->req.faults, t, ok, pa);
	k->next = d->free_tasks;
	d->free_tasks = k;
	d->live_tasks--;
}

/* The kernel answered at t: a refusal ends the access (failed), anything
 * else replays it `delay` cycles later (dev.lat.retry after a page
 * response; at once after a RESUME, the SMMU retries the transaction). */
static int answered(struct sm_dev_task *k, uint64_t t, bool retry,
		    uint64_t delay)
{
	struct sm_device *d = k->dev;

	if (!retry) {
		task_done(k, t, false, 0);
		return 0;
	}
	SM_INC(d->ctr, DEV_RETRIES);
	return sm_engine_at(d->eng, t + delay, dev_attempt, k, 0);
}

static int dev_page_request(void *ctx, uint64_t arg)
{
	struct sm_dev_task *k = ctx;
	struct sm_device *d = k->dev;
	uint64_t t = d->eng->now;
	bool ok;
	(void)arg;
	int rc = d->ops.page_request(d->ops.ctx, k->req.sid, k->req.ssid,
				     k->req.va, k->req.write, &ok, &t);
	return rc < 0 ? rc : answered(k, t, ok, d->lat_retry);
}

/* The kernel's event thread takes a stalled fault (os.lat.evtq_irq after
 * the record) and answers it; RETRY replays the transaction in the SMMU. */
static int dev_stall(void *ctx, uint64_t arg)
{
	struct sm_dev_task *k = ctx;
	struct sm_device *d = k->dev;
	uint64_t t = d->eng->now;
	bool ok;
	(void)arg;
	bool give_up = k->req.faults >= d->retry_limit;
	/* A trace's own CMD_RESUME or CMD_STALL_TERM may have ended the
	 * transaction already: the kernel still answers (its RESUME then
	 * matches nothing), but there is nothing left to retry. */
	bool held = sm_smmu_stall_held(d->smmu, k->req.sid, k->stag);
	int rc =
	    d->ops.stall_resume(d->ops.ctx, k->req.sid, k->req.ssid, k->req.va,
				k->req.write, k->stag, give_up, &ok, &t);
	if (rc < 0)
		return rc;
	if (!(ok && held) && give_up)
		SM_INC(d->ctr, DEV_ACCESS_GAVE_UP);
	return answered(k, t, ok && held, 0);
}

/* A fault the device may recover from with a page request. */
static bool may_request_page(struct sm_device *d, const struct sm_dev_task *k,
			     enum sm_xlate_outcome outcome)
{
	bool recoverable = outcome == SM_XLATE_FAULT_TRANSLATION ||
			   outcome == SM_XLATE_FAULT_PERMISSION ||
			   outcome == SM_XLATE_FAULT_ACCESS_FLAG;
	/* A stall-mode device sends no page requests: a fault that did not
	 * stall (no free slot) terminates. */
	return recoverable && !d->stall_mode &&
	       d->ops.pri_enabled(d->ops.ctx, k->req.sid, k->req.ssid);
}

/* An attempt of k faulted (*x): the stall, page request or end of the
 * access. */
static int attempt_failed(struct sm_dev_task *k, const struct sm_smmu_xlate *x)
{
	struct sm_device *d = k->dev;
	k->req.faults++;
	if (x->stalled) {
		k->stag = x->stag;
		return sm_engine_at(d->eng, x->done + d->lat_evtq_irq,
				    dev_stall, k, 0);
	}
	if (!may_request_page(d, k, x->outcome)) {
		task_done(k, x->done, false, 0);
		return 0;
	}
	if (k->req.faults >= d->retry_limit) {
		/* The device gives up (a real one may retry forever: that
		 * is what the fault-livelock check is for). */
		SM_INC(d->ctr, DEV_ACCESS_GAVE_UP);
		task_done(k, x->done, false, 0);
		return 0;
	}
	if (!sm_smmu_page_request(d->smmu, k->req.sid, k->req.ssid, k->req.va,
				  k->req.write)) {
		/* PRIQ full: the request is lost and never answered; the
		 * device's access fails (its PRI timeout). */
		SM_INC(d->ctr, DEV_PRI_LOST);
		task_done(k, x->done, false, 0);
		return 0;
	}
	return sm_engine_at(d->eng, x->done + d->lat_pri, dev_page_request, k,
			    0);
}

static int dev_attempt(void *ctx, uint64_t arg)
{
	struct sm_dev_task *k = ctx;
	struct sm_device *d = k->dev;
	struct sm_smmu_xlate x;
	(void)arg;
	sm_smmu_device_access(d->smmu, k->req.sid, k->req.ssid, k->req.va,
			      k->req.write, d->eng->now, k->req.line, &x);
	if (x.outcome == SM_XLATE_OK) {
		task_done(k, x.done, true, x.pa);
		return 0;
	}
	return attempt_failed(k, &x);
}

/* A free task, made if there is none (false: the host is out of memory). */
static bool task_ready(struct sm_device *d)
{
	if (d->free_tasks)
		return true;
	struct sm_dev_task *k = sm_malloc(d->alloc, sizeof(*k));
	if (!k)
		return false;
	k->all_next = d->all_tasks;
	d->all_tasks = k;
	k->next = NULL;
	d->free_tasks = k;
	return true;
}

int sm_device_access(struct sm_device *d, uint32_t sid, uint32_t ssid,
		     uint64_t va, bool write, uint32_t line, uint64_t start,
		     uint64_t tag)
{
	/* The task the access needs if it outlives its first attempt is
	 * ready before it starts (out of memory: it does not start). */
	if (!task_ready(d))
		return sm_err(d->eb, SMMUSIM_ENOMEM, "out of memory");
	SM_INC(d->ctr, DEV_ACCESSES);
	struct sm_smmu_xlate x;
	sm_smmu_device_access(d->smmu, sid, ssid, va, write, d->eng->now, line,
			      &x);
	if (x.outcome == SM_XLATE_OK) {
		/* Done at the first attempt (host time: without the task). */
		access_done(d, start, tag, 0, x.done, true, x.pa);
		return 0;
	}
	struct sm_dev_task *k = d->free_tasks;
	d->free_tasks = k->next;
	d->live_tasks++;
	k->dev = d;
	k->req = (struct sm_dev_req){sid, ssid, line, va, write, start, tag, 0};
	return attempt_failed(k, &x);
}
