/* SPDX-License-Identifier: MIT */
/*
 * The driver's command queue, modelled on the cmdq half of
 * drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c (arm_smmu_cmdq_issue_cmdlist,
 * arm_smmu_cmdq_batch_add / _submit, arm_smmu_cmdq_poll_until_sync,
 * arm_smmu_cmdq_skip_err) as of v6.6, for a single CPU: no lock-free
 * shared ownership of the queue.
 *
 * Commands are written into the queue memory at the shadow PROD, a CMD_SYNC
 * is appended when the caller waits, PROD is written, and the CPU polls
 * until the SYNC has completed (MSI or CMDQ_CONS polling, as
 * policy.smmu.sync_wait says).  A full batch of policy.smmu.batch commands
 * (CMDQ_BATCH_ENTRIES) is issued without a sync.  The SMMU consumes at its
 * service rate, so CONS trails PROD: a submission that finds too few free
 * slots waits until the cycle the SMMU frees them (q_wait_space).  A trace's
 * own commands come in one at a time (sm_drv_raw_cmd), illegal ones included.
 */
#include <string.h>

#include <smmusim/error.h>

#include "base/alloc.h"
#include "base/ops.h"
#include "base/vec.h"
#include "arch/smmu_cmd.h"
#include "arch/smmu_regs.h"
#include "kernel/iommu/arm-smmu-v3/internal.h"

/* CMD_SYNC with CS = SEV, as arm_smmu_cmdq_build_sync_cmd without MSI.
 * Its words never change: built on first use and kept (host time). */
static const uint64_t *cmd_sync(struct sm_smmu_drv *d)
{
	if (!d->sync_cmd[0])
		sm_smmu_cmd_build(
		    &(struct sm_smmu_cmd){.op = CMDQ_OP_CMD_SYNC,
					  .cs = CMDQ_SYNC_0_CS_SEV},
		    d->sync_cmd, NULL);
	return d->sync_cmd;
}

/* Entries software sees in use at cycle t: written (PROD, shadow
 * included) and not yet consumed (CONS as read at t).  n is the queue's
 * size, 1 << cmdq_log2size, which the caller has (host time). */
static uint32_t q_used(struct sm_smmu_drv *d, uint32_t n, uint64_t t)
{
	return (d->prod - sm_smmu_cmdq_cons_at(d->smmu, t) + 2 * n) &
	       (2 * n - 1);
}

/* ---- the windows of unmapped IOVAs ---- */

int sm_drv_dma_window_grow(struct sm_os *os)
{
	struct sm_smmu_drv *d = &os->drv;
	if (SM_VEC_RESERVE(os->alloc, d->win, d->capwin, d->nwin + 1, 16))
		return sm_err(os->eb, SMMUSIM_ENOMEM, "out of memory");
	return 0;
}

int sm_drv_dma_frame_defer(struct sm_os *os, uint64_t pa)
{
	struct sm_smmu_drv *d = &os->drv;
	if (SM_VEC_RESERVE(os->alloc, d->frames, d->capframes, d->nframes + 1,
			   64))
		return sm_err(os->eb, SMMUSIM_ENOMEM, "out of memory");
	d->frames[d->nframes++] = (struct sm_frame_rec){pa, sm_os_context(os)};
	return 0;
}

/* The windows close when a CMD_SYNC has completed after the unmap: by then
 * the driver has issued whatever invalidation it was going to
 * (docs/model.md, oracle).  The pages the model allocated for the
 * unmapped leaves (iommu_map with pa=0) are freed now: as a DMA API user
 * frees its buffer only after iommu_unmap's iotlb_sync. */
static void dma_windows_close(struct sm_os *os, uint64_t t)
{
	struct sm_smmu_drv *d = &os->drv;
	if (!d->nwin && !d->nframes)
		return; /* nothing open (host time) */
	int me = sm_os_context(os);
	size_t kept = 0;
	for (size_t i = 0; i < d->nwin; i++)
		if (d->win[i].owner == me)
			sm_os_window_close(os, d->win[i].root, d->win[i].start,
					   d->win[i].end, t);
		else
			d->win[kept++] = d->win[i];
	d->nwin = kept;
	kept = 0;
	for (size_t i = 0; i < d->nframes; i++)
		if (d->frames[i].owner == me)
			sm_physmem_free_page(os->pm, d->frames[i].pa);
		else
			d->frames[kept++] = d->frames[i];
	d->nframes = kept;
}

/* ---- writing and publishing ---- */

/* What publish() does past the PROD write when the SMMU ran out of host
 * memory or stopped on a command: out of line (host time). */
__attribute__((noinline)) static int publish_trouble(struct sm_os *os,
						     uint64_t *done)
{
	struct sm_smmu_drv *d = &os->drv;
	if (*done == UINT64_MAX)
		return sm_err(os->eb, SMMUSIM_ENOMEM, "out of memory");
	if (d->smmu->cmdq_halted && d->raw) {
		/* A trace's illegal command: acknowledge as Linux does
		 * (arm_smmu_cmdq_skip_err) and let the queue go on. */
		while (d->smmu->cmdq_halted) {
			SM_INC(d->ctr, OS_SMMU_CERROR_ILL_ACKS);
			sm_smmu_ack_cmdq_error(d->smmu);
			*done = sm_smmu_write_prod(d->smmu, d->prod, *done);
			if (*done == UINT64_MAX)
				return sm_err(os->eb, SMMUSIM_ENOMEM,
					      "out of memory");
		}
	}
	if (d->smmu->cmdq_halted) {
		sm_smmu_ack_cmdq_error(d->smmu);
		return sm_err(os->eb, SMMUSIM_EINTERNAL,
			      "SMMU stopped on a command the driver model "
			      "wrote (CERROR_ILL): model bug");
	}
	return 0;
}

static inline int publish(struct sm_os *os, uint64_t *t, uint64_t *done)
{
	struct sm_smmu_drv *d = &os->drv;
	*done = sm_smmu_write_prod(d->smmu, d->prod, *t);
	if (*done == UINT64_MAX || d->smmu->cmdq_halted)
		return publish_trouble(os, done);
	return 0;
}

/*
 * Make room for `need` more entries before writing them, as
 * arm_smmu_cmdq_issue_cmdlist does for a submission's commands and its sync
 * (queue_has_space; arm_smmu_cmdq_poll_until_not_full re-reads CONS until
 * there is room).  The wait lasts until the SMMU consumes the command that
 * frees the last slot needed: its consumption cycle, which the SMMU knows
 * from the PROD write (sm_smmu_cmdq_due).  Entries written but not yet
 * published are published first, or nothing would ever free them.  This
 * is the wait itself, out of line (host time): q_wait_space has found
 * `used` entries in use at *t, too many for `need` more.
 */
__attribute__((noinline)) static int
q_wait_full(struct sm_os *os, uint32_t need, uint32_t used, uint64_t *t)
{
	struct sm_smmu_drv *d = &os->drv;
	uint32_t n = 1u << d->cmdq_log2size;
	int rc;
	if (d->prod != d->smmu->cmdq_prod) {
		uint64_t done;
		if ((rc = publish(os, t, &done)) < 0)
			return rc;
	}
	/* The slot freed last is that of the (used + need - n)-th command
	 * still in the queue. */
	uint32_t cons = sm_smmu_cmdq_cons_at(d->smmu, *t);
	uint64_t freed = sm_smmu_cmdq_due(d->smmu, cons + used + need - n - 1);
	uint64_t wait = freed > *t ? freed - *t : 0;
	SM_INC(d->ctr, SMMU_CMDQ_FULL_STALLS);
	SM_ADD(d->ctr, SMMU_CMDQ_FULL_STALL_CYCLES, wait);
	sm_hist_record(d->hist[SM_HIST_SMMU_CMDQ_FULL_WAIT_CYCLES], wait);
	*t += wait;
	return 0;
}

/* Is there room for `need` more entries at *t?  Every call reads CONS at
 * *t (q_used), whether or not it has to wait: see issue(). */
static inline int q_wait_space(struct sm_os *os, uint32_t need, uint64_t *t)
{
	struct sm_smmu_drv *d = &os->drv;
	uint32_t n = 1u << d->cmdq_log2size;
	uint32_t used = q_used(d, n, *t);
	if (used + need <= n)
		return 0;
	return q_wait_full(os, need, used, t);
}

/* Write one command at the shadow PROD (queue_write); the caller has made
 * room for it.  The queue page's frame is looked up when PROD enters
 * another page (host time). */
static inline void q_put(struct sm_os *os, const uint64_t c[2], uint64_t *t)
{
	struct sm_smmu_drv *d = &os->drv;
	uint32_t n = 1u << d->cmdq_log2size;
	uint64_t pa = d->cmdq + (uint64_t)(d->prod & (n - 1)) * 16;
	if (!d->cmdq_frame || (pa & SM_PAGE_MASK) != d->cmdq_frame_pa) {
		d->cmdq_frame = sm_physmem_frame_of(os->pm, pa);
		d->cmdq_frame_pa = pa & SM_PAGE_MASK;
	}
	sm_physmem_frame_write_words(os->pm, d->cmdq_frame, pa, c, 2);
	d->prod = (d->prod + 1) & ((n << 1) - 1);
	*t += d->lat_cmd_write;
}

static inline int q_write(struct sm_os *os, const uint64_t c[2], uint64_t *t)
{
	int rc;
	if ((rc = q_wait_space(os, 1, t)) < 0)
		return rc;
	q_put(os, c, t);
	return 0;
}

/* When does the CPU see a CMD_SYNC that the SMMU completes at `done`,
 * having published it at `t_pub`?  MSI: the SMMU writes the MSI payload to
 * memory and the CPU, spinning on that cache line, sees it at once after;
 * CONS: the CPU reads CMDQ_CONS over MMIO again and again until it has
 * moved past the sync (arm_smmu_cmdq_poll_until_sync). */
static uint64_t sync_seen(struct sm_os *os, uint64_t t_pub, uint64_t done)
{
	struct sm_smmu_drv *d = &os->drv;
	if (d->sync_msi)
		return sm_max_u64(t_pub, done + d->lat_msi) + d->lat_sync_poll;
	uint64_t polls = 1;
	if (done > t_pub)
		polls = (done - t_pub + d->lat_mmio - 1) / d->lat_mmio;
	SM_ADD(d->ctr, OS_SMMU_CONS_POLLS, polls);
	return t_pub + polls * d->lat_mmio;
}

/* The CPU has seen the CMD_SYNC published at t_pub complete: the windows
 * of earlier unmaps close. */
static inline void sync_wait(struct sm_os *os, uint64_t t_pub, uint64_t done,
			     uint64_t *t)
{
	*t = sync_seen(os, t_pub, done);
	SM_HIST_REC(os->drv.hist, SMMU_SYNC_WAIT_CYCLES, *t - t_pub);
	dma_windows_close(os, *t);
}

/* The CPU's turn has come: the lock's hand-offs.  Before v5.4 each
 * command was inserted under its own acquisition (arm_smmu_cmdq_issue_cmd):
 * the hand-offs of a submission's commands, back to back here. */
static inline void cmdq_take(const struct sm_smmu_drv *d, uint32_t ncmds,
			     unsigned waiters, uint64_t *t)
{
	uint64_t handoffs = d->cmdq_spinlock ? ncmds : 1;
	*t += handoffs *
	      (d->lat_cmdq_lock + (uint64_t)waiters * d->lat_cmdq_waiter);
}

/*
 * Getting the queue to oneself (policy.smmu.cmdq_lock).  owner:
 * arm_smmu_cmdq_issue_cmdlist's cmpxchg on llq reserves the slots; CPUs
 * take the line one at a time for os.lat.cmdq_lock and write their
 * commands in parallel.  spinlock: the pre-v5.4 lock, held until
 * cmdq_unlock.  Either way the commands land in the queue in the order
 * CPUs got it.
 */
static inline int cmdq_lock(struct sm_os *os, uint32_t ncmds, uint64_t *t)
{
	struct sm_smmu_drv *d = &os->drv;
	unsigned waiters = 0;
	if (os->sched.cur && d->lat_cmdq_waiter && !d->cmdq_grants &&
	    !(d->cmdq_grants = sm_calloc(
		  os->alloc, os->sched.npe * sizeof(*d->cmdq_grants))))
		return sm_err(os->eb, SMMUSIM_ENOMEM, "out of memory");
	if (os->sched.cur && d->cmdq_grants) {
		/* The CPUs still spinning when this one arrives. */
		unsigned k = 0;
		while (k < d->ngrants && d->cmdq_grants[k] <= *t)
			k++;
		d->ngrants -= k;
		memmove(d->cmdq_grants, d->cmdq_grants + k,
			d->ngrants * sizeof(*d->cmdq_grants));
		waiters = d->ngrants;
	}
	sm_kspin_wait(os, SM_KLOCK_CMDQ, &d->cmdq_free_at, t);
	cmdq_take(d, ncmds, waiters, t);
	if (os->sched.cur && d->cmdq_grants && d->ngrants < os->sched.npe)
		d->cmdq_grants[d->ngrants++] = *t;
	if (!d->cmdq_spinlock)
		d->cmdq_free_at = *t;
	return 0;
}

/* cmdq_lock with no kernel thread running (the event thread's RESUME,
 * probe): no other CPU is waiting and nothing spins (host time). */
static inline void cmdq_lock_alone(struct sm_os *os, uint32_t ncmds,
				   uint64_t *t)
{
	struct sm_smmu_drv *d = &os->drv;
	cmdq_take(d, ncmds, 0, t);
	if (!d->cmdq_spinlock)
		d->cmdq_free_at = *t;
}

/* The spinlock goes after PROD, or with CONS polling after the sync was
 * seen (__arm_smmu_cmdq_issue_sync polled under it; the MSI variant
 * waited outside). */
static void cmdq_unlock(struct sm_os *os, uint64_t t_pub, uint64_t t_seen)
{
	struct sm_smmu_drv *d = &os->drv;
	if (d->cmdq_spinlock)
		d->cmdq_free_at = d->sync_msi ? t_pub : t_seen;
}

/* Issue cmds[0..n) and, with `sync`, a CMD_SYNC, then wait for it. */
static int issue(struct sm_os *os, uint64_t (*cmds)[2], uint32_t n, bool sync,
		 uint64_t *t)
{
	struct sm_smmu_drv *d = &os->drv;
	int rc;
	/* The submission is a step; its writes and PROD are one critical
	 * section, and only the wait for its sync lets others in. */
	sm_os_step(os, *t);
	if ((rc = cmdq_lock(os, n + sync, t)) < 0)
		return rc;
	SM_INC(d->ctr, OS_SMMU_SUBMISSIONS);
	/* Room for the whole submission first, when it fits in the queue;
	 * then each command asks for its own slot again (q_write), longer
	 * submissions too.  The second ask never waits when the first made
	 * room, but it reads CONS at the command's cycle, and a read moves
	 * the CONS the driver has seen (sm_smmu_cmdq_cons_at keeps it
	 * monotonic across the PEs' clocks), which later reads at earlier
	 * cycles return: writing the commands without it changed sync waits
	 * (tools/study.sh's smmu table, 768 per-page invalidations; docs/
	 * performance.md, fourth session). */
	if (n + sync <= 1u << d->cmdq_log2size &&
	    (rc = q_wait_space(os, n + sync, t)) < 0)
		return rc;
	for (uint32_t i = 0; i < n; i++)
		if ((rc = q_write(os, cmds[i], t)) < 0)
			return rc;
	if (sync && (rc = q_write(os, cmd_sync(d), t)) < 0)
		return rc;
	uint64_t done, t_pub = *t;
	if ((rc = publish(os, t, &done)) < 0)
		return rc;
	if (sync)
		sync_wait(os, t_pub, done, t);
	cmdq_unlock(os, t_pub, *t);
	/* The CPU goes on when it has seen the sync: a step, others run
	 * while it polls. */
	sm_os_step(os, *t);
	return 0;
}

/* ---- what the rest of the driver calls ---- */

void sm_drv_cmdq_fini(struct sm_os *os)
{
	struct sm_smmu_drv *d = &os->drv;
	size_t bytes = d->batch_max * sizeof(*d->batch);
	if (d->batch)
		sm_free(os->alloc, d->batch, bytes);
	for (unsigned i = 0; d->pe_batch && i < os->sched.npe; i++)
		if (d->pe_batch[i].c)
			sm_free(os->alloc, d->pe_batch[i].c, bytes);
	if (d->pe_batch)
		sm_free(os->alloc, d->pe_batch,
			os->sched.npe * sizeof(*d->pe_batch));
	if (d->cmdq_grants)
		sm_free(os->alloc, d->cmdq_grants,
			os->sched.npe * sizeof(*d->cmdq_grants));
	d->cmdq_grants = NULL;
	d->batch = NULL;
	d->pe_batch = NULL;
}

/* The batch of whoever runs: a PE's kernel thread, or the atomic paths
 * (sm_drv_cmdq_batch, inline for a batch made already). */
int sm_drv_cmdq_batch_make(struct sm_os *os, struct sm_drv_batch *b)
{
	struct sm_smmu_drv *d = &os->drv;
	const struct sm_kthread *k = os->sched.cur;
	if (!k) {
		b->c = d->batch;
		b->n = &d->nbatch;
		return 0;
	}
	if (!d->pe_batch &&
	    !(d->pe_batch =
		  sm_calloc(os->alloc, os->sched.npe * sizeof(*d->pe_batch))))
		return sm_err(os->eb, SMMUSIM_ENOMEM, "out of memory");
	struct sm_cmd_batch *pb = &d->pe_batch[k->pe];
	if (!pb->c &&
	    !(pb->c = sm_calloc(os->alloc, d->batch_max * sizeof(*pb->c))))
		return sm_err(os->eb, SMMUSIM_ENOMEM, "out of memory");
	b->c = pb->c;
	b->n = &pb->n;
	return 0;
}

int sm_drv_cmdq_batch_full(struct sm_os *os, const struct sm_drv_batch *b,
			   const uint64_t c[2], uint64_t *t)
{
	uint32_t full = *b->n;
	int rc;
	*b->n = 0;
	if ((rc = issue(os, b->c, full, false, t)) < 0)
		return rc;
	b->c[0][0] = c[0];
	b->c[0][1] = c[1];
	*b->n = 1;
	return 0;
}

int sm_drv_cmdq_batch_issue(struct sm_os *os, const struct sm_drv_batch *b,
			    uint64_t *t)
{
	uint32_t len = *b->n;
	*b->n = 0;
	return issue(os, b->c, len, true, t);
}

int sm_drv_cmdq_batch_add(struct sm_os *os, const uint64_t c[2], uint64_t *t)
{
	struct sm_drv_batch b = {0};
	int rc = sm_drv_cmdq_batch(os, &b);
	return rc < 0 ? rc : sm_drv_cmdq_batch_put(os, &b, c, t);
}

int sm_drv_cmdq_batch_submit(struct sm_os *os, uint64_t *t)
{
	struct sm_drv_batch b = {0};
	int rc = sm_drv_cmdq_batch(os, &b);
	return rc < 0 ? rc : sm_drv_cmdq_batch_issue(os, &b, t);
}

/* Write a command and the CMD_SYNC after it with one frame check and one
 * store of their four words when both slots are in the same queue page
 * (host time); q_put's steps otherwise.  The caller has read CONS for
 * each of them at its own cycle, as q_write does: the reads do not depend
 * on what the queue memory holds, and the SMMU reads it only at PROD. */
static inline void q_put_with_sync(struct sm_os *os, const uint64_t c[2],
				   uint64_t *t)
{
	struct sm_smmu_drv *d = &os->drv;
	uint32_t n = 1u << d->cmdq_log2size;
	uint32_t idx = d->prod & (n - 1);
	uint64_t pa = d->cmdq + (uint64_t)idx * 16;
	if (idx + 1 == n || ((pa + 16) & SM_PAGE_MASK) != (pa & SM_PAGE_MASK)) {
		q_put(os, c, t);
		q_put(os, cmd_sync(d), t);
		return;
	}
	if (!d->cmdq_frame || (pa & SM_PAGE_MASK) != d->cmdq_frame_pa) {
		d->cmdq_frame = sm_physmem_frame_of(os->pm, pa);
		d->cmdq_frame_pa = pa & SM_PAGE_MASK;
	}
	const uint64_t *sync = cmd_sync(d);
	const uint64_t w[4] = {c[0], c[1], sync[0], sync[1]};
	sm_physmem_frame_write_words(os->pm, d->cmdq_frame, pa, w, 4);
	d->prod = (d->prod + 2) & ((n << 1) - 1);
	*t += 2 * d->lat_cmd_write;
}

/* issue() of one command and its CMD_SYNC (every strict DMA unmap's
 * invalidation of one window): the same steps, in the same order, with
 * the same reads of CONS (room for both at *t, then one at the cycle each
 * entry is written, as q_write reads it).  Room made for both by the
 * first read is not lost by the later ones (CONS as read only moves on),
 * so neither of them waits, and the two entries are written together
 * after them (q_put_with_sync; host time).  Should one find the queue
 * full all the same, it waits as q_write does. */
int sm_drv_cmdq_issue_sync(struct sm_os *os, const uint64_t c[2], uint64_t *t)
{
	struct sm_smmu_drv *d = &os->drv;
	uint32_t n = 1u << d->cmdq_log2size, used;
	int rc;
	if (n < 2) {
		uint64_t cmds[1][2] = {{c[0], c[1]}};
		return issue(os, cmds, 1, true, t);
	}
	sm_os_step(os, *t);
	if ((rc = cmdq_lock(os, 2, t)) < 0)
		return rc;
	SM_INC(d->ctr, OS_SMMU_SUBMISSIONS);
	/* q_wait_space(os, 2, t), then the second read, at *t.  When the
	 * first found room for both, *t has not moved and nothing ran
	 * between: the second read is at the cycle CONS was just read at,
	 * which moves nothing (sm_smmu_cmdq_cons_at stops where it stopped)
	 * and returns the same CONS, so `used` is what it reads (host time:
	 * not computed again), and it has room for one. */
	if ((used = q_used(d, n, *t)) + 2 > n) {
		if ((rc = q_wait_full(os, 2, used, t)) < 0)
			return rc;
		used = q_used(d, n, *t);
	}
	if (used + 1 > n) {
		if ((rc = q_wait_full(os, 1, used, t)) < 0)
			return rc;
		q_put(os, c, t);
		if ((rc = q_write(os, cmd_sync(d), t)) < 0)
			return rc;
	} else if ((used = q_used(d, n, *t + d->lat_cmd_write)) + 2 > n) {
		/* q_used before the command is in: one more is. */
		q_put(os, c, t);
		if ((rc = q_wait_full(os, 1, used + 1, t)) < 0)
			return rc;
		q_put(os, cmd_sync(d), t);
	} else {
		q_put_with_sync(os, c, t);
	}
	uint64_t done, t_pub = *t;
	if ((rc = publish(os, t, &done)) < 0)
		return rc;
	sync_wait(os, t_pub, done, t);
	cmdq_unlock(os, t_pub, *t);
	sm_os_step(os, *t);
	return 0;
}

int sm_drv_cmdq_issue_nosync(struct sm_os *os, const uint64_t c[2], uint64_t *t)
{
	struct sm_smmu_drv *d = &os->drv;
	uint64_t done;
	int rc;
	sm_os_step(os, *t);
	if (!os->sched.cur)
		cmdq_lock_alone(os, 1, t);
	else if ((rc = cmdq_lock(os, 1, t)) < 0)
		return rc;
	if ((rc = q_write(os, c, t)) < 0)
		return rc;
	/* publish() for the one command written (host time: a lone RESUME
	 * is consumed without the SMMU's loop). */
	done = sm_smmu_write_prod_one(d->smmu, d->prod, *t);
	if ((done == UINT64_MAX || d->smmu->cmdq_halted) &&
	    (rc = publish_trouble(os, &done)) < 0)
		return rc;
	cmdq_unlock(os, *t, *t);
	*t = sm_max_u64(*t, done);
	return 0;
}

int sm_drv_raw_cmd(struct sm_os *os, const uint64_t cmd[2], uint64_t *t)
{
	struct sm_smmu_drv *d = &os->drv;
	bool sync = sm_field_get(CMDQ_0_OP, cmd[0]) == CMDQ_OP_CMD_SYNC;
	uint64_t done, t_pub;
	int rc;
	sm_os_step(os, *t);
	if ((rc = cmdq_lock(os, 1, t)) < 0)
		return rc;
	SM_INC(d->ctr, OS_SMMU_TRACE_COMMANDS);
	d->raw = true;
	if ((rc = q_write(os, cmd, t)) < 0)
		goto out;
	t_pub = *t;
	if ((rc = publish(os, t, &done)) < 0)
		goto out;
	if (sync)
		sync_wait(os, t_pub, done, t);
	cmdq_unlock(os, t_pub, *t);
out:
	d->raw = false;
	if (rc == 0)
		sm_os_step(os, *t);
	return rc;
}
