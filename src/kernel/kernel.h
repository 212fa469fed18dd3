/* SPDX-License-Identifier: MIT */
/*
 * The kernel model: processes' address spaces, page faults, the arm64 TLB
 * flush routines, the mmu-notifier chain, and the SMMUv3 driver with SVA.
 *
 * It decides WHICH invalidations happen, as a given Linux version would, and
 * issues them like a real kernel: TLBI and DSB instructions on a PE, commands
 * into the SMMU's queue.  It never touches a cache directly.  Every operation
 * takes the cycle it starts at in *t and leaves the cycle it finishes at.
 *
 * An operation submitted through sched.h runs on its PE's kernel thread and
 * its steps (sm_os_step) happen at their own cycles, interleaved with other
 * PEs' operations and with device and CPU accesses; called directly (probe,
 * timers, the device's upcalls, unit tests) it is atomic in simulated time:
 * its state changes happen at the call and its duration is what it costs.
 *
 * The code is laid out as Linux's is, and each area's header stands here,
 * beside this one, as Linux's stand in include/ (and the driver's beside
 * the driver):
 *
 *   header            Linux header                 code
 *   mm.h              linux/mm.h, mm_types.h       mm/ (mmap.c, memory.c, ...)
 *   mmu_notifier.h    linux/mmu_notifier.h         mm/mmu_notifier.c
 *   mmu_context.h     asm/mmu_context.h            arm64/context.c
 *   tlbflush.h        asm/tlbflush.h               arm64/tlbflush.c
 *   io-pgtable-arm.h  linux/iommu.h, io-pgtable.h  iommu/io-pgtable-arm.c
 *   dma-iommu.h       linux/dma-iommu.h            iommu/dma-iommu.c
 *   arm-smmu-v3.h     arm-smmu-v3/arm-smmu-v3.h    iommu/arm-smmu-v3/
 *
 * Headers here never include the code's folders, and each folder's private
 * header (mm/internal.h, ...) stays in it, so includes between the folders
 * of src/kernel point one way.  This header is what the simulator sees: the
 * kernel object, made of one part per area, its init and fini, and every
 * area's header.
 */
#ifndef SM_KERNEL_KERNEL_H
#define SM_KERNEL_KERNEL_H

#include <stdbool.h>
#include <stdint.h>

#include <smmusim/config.h>
#include <smmusim/event.h>

#include "base/errbuf.h"
#include "engine/config_keys.h"
#include "engine/engine.h"
#include "engine/stats.h"
#include "hw/cpu/cpu.h"
#include "hw/mem/physmem.h"
#include "hw/smmu/smmu.h"
#include "kernel/arm-smmu-v3.h"
#include "kernel/dma-iommu.h"
#include "kernel/io-pgtable-arm.h"
#include "kernel/mm.h"
#include "kernel/mmu_context.h"
#include "kernel/mmu_notifier.h"
#include "kernel/sched.h"
#include "kernel/tlbflush.h"

/* Hooks up to whoever watches the kernel (the oracle): a change that
 * removes or narrows mappings of [start, end) in the table at `root` opens a
 * window at *t; the kernel closes it when its flush has completed.  Every
 * data page the kernel frees is reported with the address it was mapped at
 * (`root` 0 when that is not known, as for a file's page-cache pages): a
 * page freed inside its window is a use-after-free. */
struct sm_os_hooks {
	void (*window_open)(void *ctx, uint64_t root, uint64_t start,
			    uint64_t end, uint64_t cycle);
	void (*window_close)(void *ctx, uint64_t root, uint64_t start,
			     uint64_t end, uint64_t cycle);
	void (*page_freed)(void *ctx, uint64_t root, uint64_t va, uint64_t pa,
			   uint64_t cycle);
	void *ctx;
};

struct sm_os {
	const struct smmusim_allocator *alloc;
	struct sm_physmem *pm;
	struct sm_cpu *cpu;
	struct sm_smmu *smmu;
	struct sm_errbuf *eb;
	struct sm_os_hooks hooks;

	struct sm_mm_state mm;	   /* mm/ */
	struct sm_mn_state mn;	   /* mm/mmu_notifier.c */
	struct sm_asid_state asid; /* arm64/context.c */
	struct sm_tlb_state tlb;   /* arm64/tlbflush.c */
	struct sm_smmu_drv drv;	   /* iommu/arm-smmu-v3/ */
	struct sm_dma_state dma;   /* iommu/dma-iommu.c */
	/* The clock's event queue, for the kernel's timers (the DMA flush
	 * queue's); set by whoever runs the clock, NULL: no timers. */
	struct sm_engine *eng;
	struct sm_sched sched; /* sched.c: the PEs' kernel threads, locks */
};

int sm_os_init(struct sm_os *os, const struct smmusim_allocator *a,
	       const smmusim_config_t *cfg, struct sm_physmem *pm,
	       struct sm_cpu *cpu, struct sm_smmu *smmu, struct sm_stats *st,
	       struct sm_errbuf *eb, uint64_t *t);
void sm_os_fini(struct sm_os *os);

/* The error of a call naming an object (a process, a domain) that does
 * not exist: "WHAT=ID does not exist (HINT)", SMMUSIM_ENOENT. */
int sm_os_no_such(struct sm_os *os, const char *what, uint32_t id,
		  const char *hint);

/* A step of the running kernel operation: what follows happens at cycle t
 * (sched.h).  Nothing when no operation runs on a kernel thread.  True
 * when others may have run before it. */
static inline bool sm_os_step(struct sm_os *os, uint64_t t)
{
	return sm_kt_at(os, &os->sched, os->eng, t);
}

/* The live mm `id`, NULL if none (mm.h, sm_mm_find). */
static inline struct sm_mm *sm_os_find_mm(struct sm_os *os, uint32_t id)
{
	return sm_mm_find(&os->mm, id);
}

/* The SVA bond of (sid, ssid), NULL if none (arm-smmu-v3.h). */
static inline struct sm_bond *sm_drv_find_bond(struct sm_os *os, uint32_t sid,
					       uint32_t ssid)
{
	return sm_drv_bond_of(&os->drv, sid, ssid);
}

/* mmu_notifier_invalidate_range_start: each subscription's hook. */
static inline void sm_mn_invalidate_range_start(struct sm_os *os,
						struct sm_mm *mm,
						enum sm_mn_event ev,
						uint64_t start, uint64_t end,
						uint64_t *t)
{
	(void)ev;
	SM_INC(os->mn.ctr, OS_NOTIFIER_RANGE_START);
	for (struct sm_mn_sub *s = mm->subs; s; s = s->next)
		if (s->ops->invalidate_range_start)
			s->ops->invalidate_range_start(s, mm, start, end, t);
}
/* mmu_notifier_invalidate_range_end: with the range_end placement (before
 * 6.6) the secondary TLBs' hooks first, then each subscription's end hook.
 * only_end: mmu_notifier_invalidate_range_only_end(), which never called
 * ->invalidate_range() (the caller already did, next to the PTE clear). */
static inline int sm_mn_invalidate_range_end(struct sm_os *os, struct sm_mm *mm,
					     uint64_t start, uint64_t end,
					     bool only_end, uint64_t *t)
{
	SM_INC(os->mn.ctr, OS_NOTIFIER_RANGE_END);
	if (os->mn.placement == SM_PLACEMENT_RANGE_END && !only_end) {
		int rc = sm_mn_call_secondary(os, mm, start, end, t);
		if (rc < 0)
			return rc;
	}
	for (struct sm_mn_sub *s = mm->subs; s; s = s->next)
		if (s->ops->invalidate_range_end)
			s->ops->invalidate_range_end(s, mm, start, end, t);
	return 0;
}

/* Called by the arm64 flush routines (6.6+ placement). */
static inline int
sm_mn_arch_invalidate_secondary_tlbs(struct sm_os *os, struct sm_mm *mm,
				     uint64_t start, uint64_t end, uint64_t *t)
{
	if (os->mn.placement != SM_PLACEMENT_ARCH_FLUSH)
		return 0;
	return sm_mn_call_secondary(os, mm, start, end, t);
}
/* tlb_flush_mmu_tlbonly() after the CPU flush of an mmu_gather: before 6.6
 * it called mmu_notifier_invalidate_range() over the gathered range
 * (policy.notifier.mmu_gather_hook, with range_end placement): tlb_flush(),
 * then mmu_notifier_invalidate_range(tlb->mm, tlb->start, tlb->end). */
static inline int sm_mn_tlb_flush_mmu_tlbonly(struct sm_os *os,
					      struct sm_mm *mm, uint64_t start,
					      uint64_t end, uint64_t *t)
{
	if (os->mn.placement != SM_PLACEMENT_RANGE_END ||
	    !os->mn.mmu_gather_hook)
		return 0;
	return sm_mn_call_secondary(os, mm, start, end, t);
}

/* The lock (c, key) taken at *t and released at t (sched.h, sm_kt_lock
 * and sm_kt_unlock, say how). */
static inline int sm_klock(struct sm_os *os, enum sm_klock_class c,
			   uint64_t key, enum sm_klock_mode m, uint64_t *t)
{
	return sm_kt_lock(os, &os->sched, c, key, m, t);
}
static inline void sm_kunlock(struct sm_os *os, enum sm_klock_class c,
			      uint64_t key, uint64_t t)
{
	sm_kt_unlock(os, &os->sched, c, key, t);
}
static inline void sm_kspin_wait(struct sm_os *os, enum sm_klock_class c,
				 const uint64_t *busy_until, uint64_t *t)
{
	sm_kt_spin_wait(&os->sched, c, busy_until, t);
}

/* Who runs the kernel now: the PE of the running kernel thread, or -1 for
 * the atomic paths (probe, timers, upcalls, direct calls). */
static inline int sm_os_context(const struct sm_os *os)
{
	return os->sched.cur ? (int)os->sched.cur->pe : -1;
}

static inline void sm_os_window_open(struct sm_os *os, uint64_t root,
				     uint64_t start, uint64_t end, uint64_t t)
{
	if (os->hooks.window_open)
		os->hooks.window_open(os->hooks.ctx, root, start, end, t);
}

static inline void sm_os_window_close(struct sm_os *os, uint64_t root,
				      uint64_t start, uint64_t end, uint64_t t)
{
	if (os->hooks.window_close)
		os->hooks.window_close(os->hooks.ctx, root, start, end, t);
}

static inline void sm_os_page_freed(struct sm_os *os, uint64_t root,
				    uint64_t va, uint64_t pa, uint64_t t)
{
	if (os->hooks.page_freed)
		os->hooks.page_freed(os->hooks.ctx, root, va, pa, t);
}

#endif
