/* SPDX-License-Identifier: MIT */
/*
 * Dispatch: one handler per kernel event type (include/smmusim/event.h),
 * each calling the model that executes it -- the kernel model for system
 * calls, SVA, raw iommu_map/unmap and the DMA API (dma_map/unmap: the
 * unmap's invalidation is the kernel's policy.dma.* choice), the CPU for raw
 * TLBIs, DSBs and user accesses, the driver's command queue for a raw SMMU
 * command.  Each runs on the kernel thread of the event's PE
 * (kernel/sched.h), from kop_run, and advances *t to when the event has
 * finished; that may be after the submit returned (a step or a lock that
 * waits for other agents).  A device access goes to the devices without a
 * handler here (sm_sim_dispatch, sim_internal.h).
 */
#include "sim/sim_internal.h"

#include <inttypes.h>

typedef int sm_ev_handler(struct smmusim *s, const struct smmusim_event *ev,
			  uint64_t *t);

static int ev_mm_create(struct smmusim *s, const struct smmusim_event *ev,
			uint64_t *t)
{
	return sm_os_mm_create(&s->os, ev->mm, t);
}

static int ev_mmap(struct smmusim *s, const struct smmusim_event *ev,
		   uint64_t *t)
{
	return sm_os_mmap(&s->os, ev->mm, ev->cpu, ev->va, ev->len, ev->prot,
			  ev->map == SMMUSIM_MAP_SHARED, t);
}

static int ev_munmap(struct smmusim *s, const struct smmusim_event *ev,
		     uint64_t *t)
{
	return sm_os_munmap(&s->os, ev->mm, ev->cpu, ev->va, ev->len, t);
}

static int ev_mprotect(struct smmusim *s, const struct smmusim_event *ev,
		       uint64_t *t)
{
	return sm_os_mprotect(&s->os, ev->mm, ev->cpu, ev->va, ev->len,
			      ev->prot, t);
}

static int ev_mm_exit(struct smmusim *s, const struct smmusim_event *ev,
		      uint64_t *t)
{
	return sm_os_mm_exit(&s->os, ev->mm, ev->cpu, t);
}

/* iommu_sva_bind_device -> arm_smmu_sva_bind: sva_lock, with
 * arm_smmu_asid_lock inside it for the CD's ASID (one lock here, taken for
 * the whole bind), then mmu_notifier_register's mmap_write_lock. */
static int ev_bind(struct smmusim *s, const struct smmusim_event *ev,
		   uint64_t *t)
{
	struct sm_os *os = &s->os;
	struct sm_mm *mm;
	int rc = sm_klock(os, SM_KLOCK_ASID, 0, SM_KLOCK_EXCL, t);
	if (rc < 0)
		return rc;
	if ((rc = sm_klock(os, SM_KLOCK_MMAP, ev->mm, SM_KLOCK_EXCL, t)) == 0) {
		if ((rc = sm_sim_find_mm(s, ev->mm, &mm)) == 0)
			rc = sm_drv_sva_bind(os, ev->sid, ev->ssid, mm, ev->pri,
					     t);
		sm_kunlock(os, SM_KLOCK_MMAP, ev->mm, *t);
	}
	sm_kunlock(os, SM_KLOCK_ASID, 0, *t);
	return rc;
}

/* arm_smmu_sva_unbind: under sva_lock.  Its mmu_notifier_put frees the
 * notifier only after an SRCU grace period, so no other PE's munmap is
 * still inside it; the model gets that by taking the bound mm's mmap_lock
 * for writing (a munmap holds it across its notifier calls). */
static int ev_unbind(struct smmusim *s, const struct smmusim_event *ev,
		     uint64_t *t)
{
	struct sm_os *os = &s->os;
	const struct sm_bond *b = sm_drv_find_bond(os, ev->sid, ev->ssid);
	uint32_t id = b ? b->mm->id : 0;
	int rc = sm_klock(os, SM_KLOCK_ASID, 0, SM_KLOCK_EXCL, t);
	if (rc < 0)
		return rc;
	if (!b ||
	    (rc = sm_klock(os, SM_KLOCK_MMAP, id, SM_KLOCK_EXCL, t)) == 0) {
		rc = sm_drv_sva_unbind(os, ev->sid, ev->ssid, t);
		if (b)
			sm_kunlock(os, SM_KLOCK_MMAP, id, *t);
	}
	sm_kunlock(os, SM_KLOCK_ASID, 0, *t);
	return rc;
}

static int ev_madvise(struct smmusim *s, const struct smmusim_event *ev,
		      uint64_t *t)
{
	return sm_os_madvise_dontneed(&s->os, ev->mm, ev->cpu, ev->va, ev->len,
				      t);
}

static int ev_reclaim(struct smmusim *s, const struct smmusim_event *ev,
		      uint64_t *t)
{
	return sm_os_reclaim(&s->os, ev->mm, ev->cpu, ev->va, ev->len, t);
}

static int ev_tlbi(struct smmusim *s, const struct smmusim_event *ev,
		   uint64_t *t)
{
	enum sm_tlbi_op op;
	bool is;
	uint64_t operand;
	int rc = sm_sim_tlbi_operand(s, ev, &op, &is, &operand);
	if (rc < 0)
		return rc;
	*t = sm_cpu_tlbi(&s->cpu, ev->cpu, op, is, operand, *t);
	return 0;
}

static int ev_dsb(struct smmusim *s, const struct smmusim_event *ev,
		  uint64_t *t)
{
	*t = sm_cpu_dsb_ish(&s->cpu, ev->cpu, *t);
	return 0;
}

static int ev_domain_create(struct smmusim *s, const struct smmusim_event *ev,
			    uint64_t *t)
{
	return sm_drv_domain_create(&s->os, ev->dom, ev->stage, ev->asid,
				    ev->vmid, ev->nested, ev->parent, t);
}

static int ev_attach(struct smmusim *s, const struct smmusim_event *ev,
		     uint64_t *t)
{
	return sm_dma_attach(&s->os, ev->sid, ev->dom, ev->cmds, t);
}

static int ev_iommu_map(struct smmusim *s, const struct smmusim_event *ev,
			uint64_t *t)
{
	return sm_drv_iommu_map(&s->os, ev->dom, ev->va, ev->len, ev->pa,
				ev->prot, t);
}

static int ev_iommu_unmap(struct smmusim *s, const struct smmusim_event *ev,
			  uint64_t *t)
{
	return sm_drv_iommu_unmap(&s->os, ev->dom, ev->va, ev->len, t);
}

static int ev_dma_map(struct smmusim *s, const struct smmusim_event *ev,
		      uint64_t *t)
{
	return sm_dma_map(&s->os, ev->dom, ev->va, ev->len, ev->pa, ev->prot,
			  t);
}

static int ev_dma_unmap(struct smmusim *s, const struct smmusim_event *ev,
			uint64_t *t)
{
	return sm_dma_unmap(&s->os, ev->dom, ev->va, ev->len, ev->cpu, t);
}

static int ev_cmd(struct smmusim *s, const struct smmusim_event *ev,
		  uint64_t *t)
{
	uint64_t c[2];
	int rc = sm_sim_cmd_words(s, ev, c);
	if (rc < 0)
		return rc;
	return sm_drv_raw_cmd(&s->os, c, t);
}

/* The mm's mmap_lock a system call holds throughout (LK_NONE: none, or
 * taken inside: a CPU access takes it in its fault handler only).
 * vm_munmap, do_mprotect_pkey and vm_mmap take it for writing (6.1 and
 * 6.12 both; 6.1's munmap downgrades to read for the zap, which the model
 * does not: stronger, never weaker), exit_mmap too for the part that
 * frees; madvise(MADV_DONTNEED) for reading (madvise_need_mmap_write).
 * Reclaim finds pages through the rmap in Linux, under no mmap_lock; the
 * model walks the mm's page table by address, so it reads-locks. */
enum ev_lock { LK_NONE, LK_MM_WRITE, LK_MM_READ };

/* The kernel's handlers (a device access does not come here:
 * sm_sim_dispatch). */
static const struct {
	sm_ev_handler *run;
	enum ev_lock lock;
} handlers[SMMUSIM_EV_COUNT_] = {
    [SMMUSIM_EV_MM_CREATE] = {ev_mm_create},
    [SMMUSIM_EV_MMAP] = {ev_mmap, LK_MM_WRITE},
    [SMMUSIM_EV_MUNMAP] = {ev_munmap, LK_MM_WRITE},
    [SMMUSIM_EV_MPROTECT] = {ev_mprotect, LK_MM_WRITE},
    [SMMUSIM_EV_MM_EXIT] = {ev_mm_exit, LK_MM_WRITE},
    [SMMUSIM_EV_BIND] = {ev_bind},
    [SMMUSIM_EV_UNBIND] = {ev_unbind},
    [SMMUSIM_EV_CPU_ACCESS] = {sm_sim_cpu_access},
    [SMMUSIM_EV_TOUCH] = {sm_sim_touch},
    [SMMUSIM_EV_MADVISE] = {ev_madvise, LK_MM_READ},
    [SMMUSIM_EV_RECLAIM] = {ev_reclaim, LK_MM_READ},
    [SMMUSIM_EV_TLBI] = {ev_tlbi},
    [SMMUSIM_EV_DSB] = {ev_dsb},
    [SMMUSIM_EV_DOMAIN_CREATE] = {ev_domain_create},
    [SMMUSIM_EV_ATTACH] = {ev_attach},
    [SMMUSIM_EV_IOMMU_MAP] = {ev_iommu_map},
    [SMMUSIM_EV_IOMMU_UNMAP] = {ev_iommu_unmap},
    [SMMUSIM_EV_CMD] = {ev_cmd},
    [SMMUSIM_EV_DMA_MAP] = {ev_dma_map},
    [SMMUSIM_EV_DMA_UNMAP] = {ev_dma_unmap},
};

/* The kernel operations whose model takes no step and no lock (host time:
 * they run without a fiber switch even when the next event may start
 * before they end, sm_sched_submit).  iommu_map and dma_map
 * (sm_drv_iommu_map, after arm_lpae_map of io-pgtable-arm.c) allocate
 * pages and write page-table entries: no command, no TLB invalidation, no
 * lock.  A model change that makes one wait fails loudly
 * (SMMUSIM_EINTERNAL), never silently out of order. */
const bool sm_sim_never_waits[SMMUSIM_EV_COUNT_] = {
    [SMMUSIM_EV_IOMMU_MAP] = true,
    [SMMUSIM_EV_DMA_MAP] = true,
};

/* A system call under its mm's mmap_lock. */
static __attribute__((noinline)) int run_locked(struct smmusim *s,
						struct sm_kop *op, uint64_t *t)
{
	struct sm_os *os = &s->os;
	enum ev_lock lk = handlers[op->ev->type].lock;
	int rc =
	    sm_klock(os, SM_KLOCK_MMAP, op->ev->mm,
		     lk == LK_MM_WRITE ? SM_KLOCK_EXCL : SM_KLOCK_SHARED, t);
	if (rc < 0)
		return rc;
	rc = handlers[op->ev->type].run(s, op->ev, t);
	sm_kunlock(os, SM_KLOCK_MMAP, op->ev->mm, *t);
	return rc;
}

/* A kernel thread runs a trace event (kernel/sched.h).  (Host time: the
 * common case, no lock, a tail call.) */
static int kop_run(void *ctx, struct sm_kop *op, uint64_t *t)
{
	struct smmusim *s = ctx;
	if (!handlers[op->ev->type].run)
		return sm_err(&s->err, SMMUSIM_EINVAL, "unknown event type %d",
			      (int)op->ev->type);
	if (handlers[op->ev->type].lock != LK_NONE)
		return run_locked(s, op, t);
	return handlers[op->ev->type].run(s, op->ev, t);
}

/* An event that ends after its submit returned fails with nobody to name
 * it but this message: it names its trace line. */
static __attribute__((noinline)) void kop_failed(struct smmusim *s,
						 const struct sm_kop *op,
						 uint64_t t, int rc, bool async)
{
	if (async) {
		/* Refused after its submit returned: it ends here, so that
		 * the event after it may start (as a refused submit), its
		 * completion saying so first. */
		sm_sim_cosim_finish(s, op->seq, t, rc);
		sm_sim_note_finish(s, op->seq, t);
		const char *kw = smmusim_event_name(op->ev->type);
		sm_sim_prefix_error(s, rc, "line %" PRIu32 ": %s", op->ev->line,
				    kw ? kw : "event");
	}
}

static void kop_done(void *ctx, const struct sm_kop *op, uint64_t t, int rc,
		     bool async)
{
	struct smmusim *s = ctx;
	if (rc >= 0)
		sm_sim_note_finish(s, op->seq, t);
	else
		kop_failed(s, op, t, rc, async);
}

void sm_sim_dispatch_init(struct smmusim *s)
{
	/* A kernel operation that starts or resumes: the oracle blames its
	 * trace line (as sm_oracle_set_op_line would). */
	s->os.sched.ops =
	    (struct sm_sched_ops){kop_run, &s->oracle.op_line, kop_done, s};
}
