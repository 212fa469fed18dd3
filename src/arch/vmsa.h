/* SPDX-License-Identifier: MIT */
/*
 * arm64 VMSAv8-64 translation table formats: 4 KiB granule, 48-bit VA, four
 * levels (0..3), real descriptor bits (Arm ARM D8.3 "Translation table
 * descriptor formats"; names as Linux arch/arm64/include/asm/pgtable-hwdef.h
 * and pgtable-prot.h, and io-pgtable-arm.c for stage 2).  Blocks: 2 MiB at
 * level 2, 1 GiB at level 1.  Formats only: the walker that reads them is
 * hw/mem/pgtable.c.
 */
#ifndef SM_ARCH_VMSA_H
#define SM_ARCH_VMSA_H

#include <stdint.h>

/* Descriptor bits. */
#define PTE_VALID (1ull << 0)
#define PTE_TABLE_BIT (1ull << 1) /* L0-L2: 1 = table, 0 = block */
#define PTE_TYPE_MASK 3ull
#define PTE_TYPE_PAGE 3ull /* level 3 */
#define PMD_TYPE_TABLE 3ull
#define PMD_TYPE_SECT 1ull     /* block */
#define PTE_USER (1ull << 6)   /* AP[1]: EL0 access */
#define PTE_RDONLY (1ull << 7) /* AP[2]: read-only */
#define PTE_SHARED (3ull << 8) /* SH[1:0] inner shareable */
#define PTE_AF (1ull << 10)    /* access flag */
#define PTE_NG (1ull << 11)    /* not global: tagged with ASID */
#define PTE_DBM (1ull << 51)   /* dirty bit modifier (HW DBM not modelled) */
#define PTE_PXN (1ull << 53)
#define PTE_UXN (1ull << 54)
/* Linux software bits (ignored by the hardware). */
#define PTE_WRITE PTE_DBM      /* Linux: logically writable */
#define PTE_DIRTY (1ull << 55) /* Linux: software dirty */
#define PTE_SPECIAL (1ull << 56)
#define PTE_PROT_NONE (1ull << 58) /* Linux: PROT_NONE, only when !VALID */
#define PTE_ADDR_MASK 0x0000fffffffff000ull /* OA[47:12] */

#define SM_VA_BITS 48
#define SM_PTRS_PER_TABLE 512

/* log2 of the bytes mapped by one descriptor at `level` (3: 12 ... 0: 39). */
static inline unsigned sm_level_shift(int level)
{
	return 12 + 9 * (3 - (unsigned)level);
}

/* Bytes mapped by one descriptor at `level` (0: 512 GiB ... 3: 4 KiB). */
static inline uint64_t sm_level_size(int level)
{
	return 1ull << sm_level_shift(level);
}

/* Index of va in a table of `level`. */
static inline unsigned sm_level_index(uint64_t va, int level)
{
	return (unsigned)((va >> (12 + 9 * (3 - level))) & 511);
}

/* Stage-2 descriptor permission bits (Arm ARM D8.4.2, S2AP[1:0]; Linux
 * io-pgtable's ARM_LPAE_PTE_HAP_READ / _WRITE) and XN[1]. */
#define PTE_S2_HAP_READ (1ull << 6)
#define PTE_S2_HAP_WRITE (1ull << 7)
#define PTE_S2_XN (1ull << 54)

#endif
