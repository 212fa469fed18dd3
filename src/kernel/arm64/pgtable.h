/* SPDX-License-Identifier: MIT */
/*
 * arm64 user PTEs as Linux builds and reads them, modelled on
 * arch/arm64/include/asm/pgtable.h and pgtable-prot.h (pte_present,
 * pte_hw_dirty / pte_dirty, PAGE_NONE, the PTE_RDONLY / PTE_WRITE split) as
 * of v6.6.  Descriptor bits are arch/vmsa.h's.
 *
 * PTEs are real arm64 descriptors with Linux's software bits: a page the
 * kernel considers writable has PTE_WRITE (the DBM bit, which the hardware
 * ignores without FEAT_HAFDBS, not modelled); it is writable to the hardware
 * only when PTE_RDONLY is clear, which Linux does once the page is dirty.
 */
#ifndef SM_KERNEL_ARM64_PGTABLE_H
#define SM_KERNEL_ARM64_PGTABLE_H

#include <stdbool.h>
#include <stdint.h>

#include <smmusim/event.h>

#include "arch/vmsa.h"

/* pte_present(): valid, or PROT_NONE (not valid to the hardware, still
 * mapped to Linux); a PTE is present when it has any of these bits. */
#define SM_PTE_PRESENT_BITS (PTE_VALID | PTE_PROT_NONE)

static inline bool sm_pte_present(uint64_t d)
{
	return d & SM_PTE_PRESENT_BITS;
}

static inline bool sm_pte_hw_writable(uint64_t d)
{
	return (d & PTE_VALID) && !(d & PTE_RDONLY);
}

static inline bool sm_pte_dirty(uint64_t d)
{
	return (d & PTE_DIRTY) || ((d & PTE_WRITE) && !(d & PTE_RDONLY));
}

/* A user page PTE.  writable: hardware-writable (implies dirty: Linux
 * makes a PTE writable only through pte_mkdirty or for a dirty page). */
static inline uint64_t sm_mk_user_pte(uint64_t pa, unsigned prot, bool writable)
{
	uint64_t d = (pa & PTE_ADDR_MASK) | PTE_TYPE_PAGE | PTE_USER | PTE_AF |
		     PTE_NG | PTE_SHARED | PTE_PXN;
	if (!(prot & SMMUSIM_PROT_X))
		d |= PTE_UXN;
	if (writable)
		d |= PTE_WRITE | PTE_DIRTY;
	else
		d |= PTE_RDONLY;
	return d;
}

/* PAGE_NONE: not valid to the hardware, still present to Linux. */
static inline uint64_t sm_mk_prot_none(uint64_t old)
{
	return (old & (PTE_ADDR_MASK | PTE_DIRTY)) | PTE_PROT_NONE |
	       PTE_RDONLY | PTE_NG | PTE_PXN | PTE_UXN | PTE_AF | PTE_SHARED |
	       (PTE_TYPE_PAGE & ~PTE_VALID);
}

#endif
