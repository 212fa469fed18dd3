/* SPDX-License-Identifier: MIT */
/*
 * iommu_map / iommu_unmap of a DMA domain (drivers/iommu/iommu.c) through
 * its LPAE page table (drivers/iommu/io-pgtable-arm.c).  Domains are the
 * SMMU driver's (arm-smmu-v3.h).  Code: iommu/io-pgtable-arm.c.
 */
#ifndef SM_KERNEL_IO_PGTABLE_ARM_H
#define SM_KERNEL_IO_PGTABLE_ARM_H

#include <stdint.h>

struct sm_os;

/* Map [va, va+len) of domain `dom` to pa (0: fresh pages) with prot
 * (SMMUSIM_PROT_*). */
int sm_drv_iommu_map(struct sm_os *os, uint32_t dom, uint64_t va, uint64_t len,
		     uint64_t pa, unsigned prot, uint64_t *t);
/* Clear the leaves of [va, va+len); the IOTLB invalidation is the caller's
 * (a trace's own commands): the range stays in the oracle's window until
 * the next CMD_SYNC completes. */
int sm_drv_iommu_unmap(struct sm_os *os, uint32_t dom, uint64_t va,
		       uint64_t len, uint64_t *t);

/* The DMA API's unmap (dma-iommu.c): sm_drv_iommu_unmap's checks and leaf
 * clearing, with fn called after each valid leaf is cleared, with its va
 * and size (io_pgtable_tlb_add_page -> the iotlb gather), and no oracle
 * window (the caller opens its own).  A negative return of fn stops the
 * walk and is returned. */
typedef int (*sm_unmap_leaf_fn)(void *ctx, uint64_t va, uint64_t size,
				uint64_t *t);
int sm_io_pgtable_unmap(struct sm_os *os, uint32_t dom, uint64_t va,
			uint64_t len, sm_unmap_leaf_fn fn, void *ctx,
			uint64_t *t);

#endif
