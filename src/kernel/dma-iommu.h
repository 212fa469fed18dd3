/* SPDX-License-Identifier: MIT */
/*
 * The DMA API over an IOMMU domain (linux/dma-iommu.h; code in
 * iommu/dma-iommu.c): dma_map / dma_unmap of an IOVA the caller chose, and
 * the invalidation policy of the unmap -- strict (invalidate and sync on
 * every unmap, iommu.strict=1) or lazy (flush queues emptied by one
 * ASID-wide invalidation when full or when their timer fires).
 */
#ifndef SM_KERNEL_DMA_IOMMU_H
#define SM_KERNEL_DMA_IOMMU_H

#include <stdbool.h>
#include <stdint.h>

#include <smmusim/config.h>

struct sm_os;
struct sm_stats;
struct sm_dma_cookie;

/* struct sm_os.dma: the policy (policy.dma.*) and the domains' cookies. */
struct sm_dma_state {
	bool lazy;		  /* policy.dma.mode=lazy (iommu.strict=0) */
	bool single;		  /* policy.dma.fq=single: one queue */
	uint32_t fq_size;	  /* ring slots per queue (holds one less) */
	uint64_t timeout_jiffies; /* msecs_to_jiffies(fq_timeout_ms) */
	uint64_t hz;		  /* policy.dma.hz (CONFIG_HZ) */
	uint64_t clock_hz;	  /* sim.clock_hz: cycles per second */
	uint64_t phase;		  /* policy.dma.jiffies_phase_ns in cycles */
	unsigned ncpu;		  /* cpu.count: per-CPU queues */
	uint8_t direct_map_flush; /* policy.iommu.direct_map_flush */
	struct sm_dma_cookie *cookies;
};

int sm_dma_init(struct sm_os *os, const smmusim_config_t *cfg,
		struct sm_stats *st);
void sm_dma_fini(struct sm_os *os);

/* The iommu core's attach of stream `sid` to `dom` as its default domain,
 * with iommu_create_device_direct_mappings' flush_iotlb_all before or
 * after the driver's attach (policy.iommu.direct_map_flush; stage-1
 * domains with cmds=on only). */
int sm_dma_attach(struct sm_os *os, uint32_t sid, uint32_t dom, bool cmds,
		  uint64_t *t);
/* iommu_dma_map_page at an IOVA the caller chose: the page-table work of
 * iommu_map on stage-1 domain `dom` (pa 0: fresh pages). */
int sm_dma_map(struct sm_os *os, uint32_t dom, uint64_t iova, uint64_t len,
	       uint64_t pa, unsigned prot, uint64_t *t);
/* __iommu_dma_unmap on CPU `cpu`: io-pgtable unmap, then strict: the
 * gathered range invalidated and synced; lazy: the IOVA queued on the
 * CPU's flush queue, invalidated at the queue's flush. */
int sm_dma_unmap(struct sm_os *os, uint32_t dom, uint64_t iova, uint64_t len,
		 unsigned cpu, uint64_t *t);

#endif
