/* SPDX-License-Identifier: MIT */
/*
 * What the files of the SMMUv3 driver share (in Linux, the driver-private
 * half of arm-smmu-v3.h): command submission (arm-smmu-v3-cmdq.c), CD
 * writes, DMA domains (arm-smmu-v3.c), and the unmap windows io-pgtable
 * leaves open until a CMD_SYNC.
 */
#ifndef SM_KERNEL_IOMMU_ARM_SMMU_V3_INTERNAL_H
#define SM_KERNEL_IOMMU_ARM_SMMU_V3_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/iommu/arm-smmu-v3/entry.h"
#include "kernel/kernel.h"

/* The memory attributes and output size Linux gives stage-1 contexts:
 * MAIR with Normal WBWA, Normal NC and Device-nGnRE; IPS 48 bits. */
#define SM_MAIR 0x000000000044ff04ull
#define SM_IPS_48 5

/* ---- arm-smmu-v3-cmdq.c ---- */

/* Issue one command followed by a CMD_SYNC, and wait for the sync
 * (arm_smmu_cmdq_issue_cmd_with_sync). */
int sm_drv_cmdq_issue_sync(struct sm_os *os, const uint64_t c[2], uint64_t *t);
/* Issue one command without a sync; *t becomes when the SMMU has consumed
 * it (the page responses: arm_smmu_page_response). */
int sm_drv_cmdq_issue_nosync(struct sm_os *os, const uint64_t c[2],
			     uint64_t *t);
/* arm_smmu_cmdq_batch_add / _submit: a full batch is issued without a
 * sync; submit issues the rest with one. */
void sm_drv_cmdq_fini(struct sm_os *os);
int sm_drv_cmdq_batch_add(struct sm_os *os, const uint64_t c[2], uint64_t *t);
int sm_drv_cmdq_batch_submit(struct sm_os *os, uint64_t *t);
/* The same in steps, for a caller that adds several commands (host time:
 * the batch found once): sm_drv_cmdq_batch finds the running context's
 * batch, sm_drv_cmdq_batch_put adds to it (issuing it first when full,
 * sm_drv_cmdq_batch_full), sm_drv_cmdq_batch_issue submits it. */
struct sm_drv_batch {
	uint64_t (*c)[2];
	uint32_t *n;
};
int sm_drv_cmdq_batch_make(struct sm_os *os, struct sm_drv_batch *b);
static inline int sm_drv_cmdq_batch(struct sm_os *os, struct sm_drv_batch *b)
{
	struct sm_smmu_drv *d = &os->drv;
	const struct sm_kthread *k = os->sched.cur;
	if (k && d->pe_batch && d->pe_batch[k->pe].c) {
		b->c = d->pe_batch[k->pe].c;
		b->n = &d->pe_batch[k->pe].n;
		return 0;
	}
	return sm_drv_cmdq_batch_make(os, b);
}
int sm_drv_cmdq_batch_full(struct sm_os *os, const struct sm_drv_batch *b,
			   const uint64_t c[2], uint64_t *t);
int sm_drv_cmdq_batch_issue(struct sm_os *os, const struct sm_drv_batch *b,
			    uint64_t *t);
static inline int sm_drv_cmdq_batch_put(struct sm_os *os,
					const struct sm_drv_batch *b,
					const uint64_t c[2], uint64_t *t)
{
	if (*b->n == os->drv.batch_max)
		return sm_drv_cmdq_batch_full(os, b, c, t);
	b->c[*b->n][0] = c[0];
	b->c[*b->n][1] = c[1];
	(*b->n)++;
	return 0;
}
/* Room for one more window record (d->win), or SMMUSIM_ENOMEM. */
int sm_drv_dma_window_grow(struct sm_os *os);
/* [start, end) of the table at `root` was unmapped: the oracle's window
 * opens now and closes when the next CMD_SYNC has completed.  Inline: once
 * per unmap (host time). */
static inline int sm_drv_dma_window_add(struct sm_os *os, uint64_t root,
					uint64_t start, uint64_t end,
					uint64_t t)
{
	struct sm_smmu_drv *d = &os->drv;
	int rc;
	if (d->nwin == d->capwin && (rc = sm_drv_dma_window_grow(os)) < 0)
		return rc;
	d->win[d->nwin++] =
	    (struct sm_window_rec){root, start, end, sm_os_context(os)};
	sm_os_window_open(os, root, start, end, t);
	return 0;
}
/* The page at pa, which the model allocated for a map with pa=0, has just
 * been unmapped: it is freed when the windows close (the next CMD_SYNC
 * has completed), not before. */
int sm_drv_dma_frame_defer(struct sm_os *os, uint64_t pa);

/* ---- io-pgtable-arm.c ---- */

/* sm_drv_iommu_map and sm_io_pgtable_unmap (kernel/io-pgtable-arm.h) of a
 * domain the caller has looked up already (the DMA API, dma-iommu.c: one
 * look-up per call, host time); `dom` is its id, for messages. */
int sm_io_pgtable_map(struct sm_os *os, const struct sm_domain *dm,
		      uint32_t dom, uint64_t va, uint64_t len, uint64_t pa,
		      unsigned prot, uint64_t *t);
int sm_io_pgtable_unmap_dm(struct sm_os *os, const struct sm_domain *dm,
			   uint64_t va, uint64_t len, sm_unmap_leaf_fn fn,
			   void *ctx, uint64_t *t);

/* ---- arm-smmu-v3.c ---- */

/* A StreamID the stream table has room for, or an error. */
int sm_drv_check_sid(struct sm_os *os, uint32_t sid);
/* Write CD `ssid` of `sid` through the entry writer, each step followed by
 * CFGI_CD + CMD_SYNC unless `cmds` is false (a trace carries its own). */
int sm_drv_write_cd(struct sm_os *os, uint32_t sid, uint32_t ssid,
		    const uint64_t cd[SM_ENTRY_QWORDS], bool cmds, uint64_t *t);
/* Make `sid` translate through its CD table (made on first use). */
int sm_drv_ensure_cd_table(struct sm_os *os, uint32_t sid, bool cmds,
			   uint64_t *t);
int sm_drv_need_domain(struct sm_os *os, uint32_t id, struct sm_domain **out);
/* The lowest ASID (stage 1) or VMID (stage 2) no domain uses, 0 if none. */
uint32_t sm_drv_lowest_free_tag(const struct sm_os *os, unsigned stage);
/* CD 0 of a stream attached to stage-1 domain dm. */
int sm_drv_write_domain_cd(struct sm_os *os, uint32_t sid,
			   const struct sm_domain *dm, bool cmds, uint64_t *t);

#endif
