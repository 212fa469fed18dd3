/* SPDX-License-Identifier: MIT */
/*
 * SMMUv3 in-memory structures, command fields, event and PRI queue
 * records: field masks named as the Arm SMMUv3 specification (IHI 0070:
 * chapter 4 "Commands", chapter 5 "Data structure formats", chapter 7
 * "Faults, errors and Event queue", chapter 8 on the PRI queue) names
 * the fields and as Linux's arm-smmu-v3.h spells them, so a kernel
 * developer can grep both code bases.  Values are our own transcription of
 * the spec's bit positions.  The opcodes (CMDQ_OP_*) and which fields each
 * command carries are in the command table, arch/smmu_cmd.h.
 */
#ifndef SM_ARCH_SMMU_REGS_H
#define SM_ARCH_SMMU_REGS_H

#include <stdint.h>

#include "arch/smmu_cmd.h"

#define SM_GENMASK(h, l) ((~0ull >> (63 - (h))) & (~0ull << (l)))
#define SM_BIT(n) (1ull << (n))

static inline uint64_t sm_field_get(uint64_t mask, uint64_t v)
{
	return (v & mask) >> __builtin_ctzll(mask);
}

static inline uint64_t sm_field_prep(uint64_t mask, uint64_t v)
{
	return (v << __builtin_ctzll(mask)) & mask;
}

/* Stream table entry (spec 5.2), 8 x 64-bit words. */
#define STRTAB_STE_DWORDS 8
#define STRTAB_STE_0_V SM_BIT(0)
#define STRTAB_STE_0_CFG SM_GENMASK(3, 1)
#define STRTAB_STE_0_CFG_ABORT 0
#define STRTAB_STE_0_CFG_BYPASS 4
#define STRTAB_STE_0_CFG_S1_TRANS 5
#define STRTAB_STE_0_CFG_S2_TRANS 6
#define STRTAB_STE_0_CFG_NESTED 7
#define STRTAB_STE_0_S1FMT SM_GENMASK(5, 4)
#define STRTAB_STE_0_S1FMT_LINEAR 0
#define STRTAB_STE_0_S1FMT_4K_L2 1
#define STRTAB_STE_0_S1FMT_64K_L2 2
#define STRTAB_STE_0_S1CTXPTR_MASK SM_GENMASK(51, 6)
#define STRTAB_STE_0_S1CDMAX SM_GENMASK(63, 59)
#define STRTAB_STE_1_S1DSS SM_GENMASK(1, 0)
#define STRTAB_STE_1_S1DSS_TERMINATE 0
#define STRTAB_STE_1_S1DSS_BYPASS 1
#define STRTAB_STE_1_S1DSS_SSID0 2
#define STRTAB_STE_1_S1C_CACHE_NC 0
#define STRTAB_STE_1_S1C_CACHE_WBRA 1
#define STRTAB_STE_1_S1C_CACHE_WT 2
#define STRTAB_STE_1_S1C_CACHE_WB 3
#define STRTAB_STE_1_S1CIR SM_GENMASK(3, 2)
#define STRTAB_STE_1_S1COR SM_GENMASK(5, 4)
#define STRTAB_STE_1_S1CSH SM_GENMASK(7, 6)
#define STRTAB_STE_1_MEV SM_BIT(19)
#define STRTAB_STE_1_S2FWB SM_BIT(25)
#define STRTAB_STE_1_S1STALLD SM_BIT(27)
#define STRTAB_STE_1_EATS SM_GENMASK(29, 28)
#define STRTAB_STE_1_EATS_ABT 0
#define STRTAB_STE_1_EATS_TRANS 1
#define STRTAB_STE_1_EATS_S1CHK 2
#define STRTAB_STE_1_STRW SM_GENMASK(31, 30)
#define STRTAB_STE_1_STRW_NSEL1 0
#define STRTAB_STE_1_STRW_EL2 2
#define STRTAB_STE_1_SHCFG SM_GENMASK(45, 44)
#define STRTAB_STE_1_SHCFG_INCOMING 1
#define STRTAB_STE_2_S2VMID SM_GENMASK(15, 0)
#define STRTAB_STE_2_VTCR SM_GENMASK(50, 32)
/* Fields of the 19-bit VTCR value, before it is placed at [50:32]. */
#define STRTAB_STE_2_VTCR_S2T0SZ SM_GENMASK(5, 0)
#define STRTAB_STE_2_VTCR_S2SL0 SM_GENMASK(7, 6)
#define STRTAB_STE_2_VTCR_S2IR0 SM_GENMASK(9, 8)
#define STRTAB_STE_2_VTCR_S2OR0 SM_GENMASK(11, 10)
#define STRTAB_STE_2_VTCR_S2SH0 SM_GENMASK(13, 12)
#define STRTAB_STE_2_VTCR_S2TG SM_GENMASK(15, 14)
#define STRTAB_STE_2_VTCR_S2PS SM_GENMASK(18, 16)
#define STRTAB_STE_2_S2AA64 SM_BIT(51)
#define STRTAB_STE_2_S2ENDI SM_BIT(52)
#define STRTAB_STE_2_S2PTW SM_BIT(54)
#define STRTAB_STE_2_S2S SM_BIT(57)
#define STRTAB_STE_2_S2R SM_BIT(58)
#define STRTAB_STE_3_S2TTB_MASK SM_GENMASK(51, 4)

/* Level-1 stream table descriptor (spec 5.1). */
#define STRTAB_L1_DESC_SPAN SM_GENMASK(4, 0)
#define STRTAB_L1_DESC_L2PTR_MASK SM_GENMASK(51, 6)
/* Level-1 CD table descriptor (spec 5.3). */
#define CTXDESC_L1_DESC_V SM_BIT(0)
#define CTXDESC_L1_DESC_L2PTR_MASK SM_GENMASK(51, 12)

/* Context descriptor (spec 5.4), 8 x 64-bit words. */
#define CTXDESC_CD_DWORDS 8
#define CTXDESC_CD_0_TCR_T0SZ SM_GENMASK(5, 0)
#define CTXDESC_CD_0_TCR_TG0 SM_GENMASK(7, 6) /* 0: 4K, 1: 64K, 2: 16K */
#define CTXDESC_CD_0_TCR_IRGN0 SM_GENMASK(9, 8)
#define CTXDESC_CD_0_TCR_ORGN0 SM_GENMASK(11, 10)
#define CTXDESC_CD_0_TCR_SH0 SM_GENMASK(13, 12)
#define CTXDESC_CD_0_TCR_EPD0 SM_BIT(14)
#define CTXDESC_CD_0_ENDI SM_BIT(15)
#define CTXDESC_CD_0_TCR_EPD1 SM_BIT(30)
#define CTXDESC_CD_0_V SM_BIT(31)
#define CTXDESC_CD_0_TCR_IPS SM_GENMASK(34, 32)
#define CTXDESC_CD_0_TCR_TBI0 SM_BIT(38)
#define CTXDESC_CD_0_AA64 SM_BIT(41)
#define CTXDESC_CD_0_TCR_HD SM_BIT(42)
#define CTXDESC_CD_0_TCR_HA SM_BIT(43)
#define CTXDESC_CD_0_S SM_BIT(44)
#define CTXDESC_CD_0_R SM_BIT(45)
#define CTXDESC_CD_0_A SM_BIT(46)
#define CTXDESC_CD_0_ASET SM_BIT(47)
#define CTXDESC_CD_0_ASID SM_GENMASK(63, 48)
#define CTXDESC_CD_1_TTB0_MASK SM_GENMASK(51, 4)
#define CTXDESC_CD_3_MAIR SM_GENMASK(63, 0)

/* Command fields (spec chapter 4), 2 x 64-bit words; the opcodes and the
 * fields of each command are in arch/smmu_cmd.h. */
#define CMDQ_ENT_DWORDS 2
#define CMDQ_0_OP SM_GENMASK(7, 0)
#define CMDQ_0_SSV SM_BIT(11)

#define CMDQ_PREFETCH_0_SID SM_GENMASK(63, 32)
#define CMDQ_PREFETCH_1_ADDR_MASK SM_GENMASK(63, 12)

#define CMDQ_CFGI_0_SSID SM_GENMASK(31, 12)
#define CMDQ_CFGI_0_SID SM_GENMASK(63, 32)
#define CMDQ_CFGI_1_LEAF SM_BIT(0)
#define CMDQ_CFGI_1_RANGE SM_GENMASK(4, 0)

#define CMDQ_TLBI_0_NUM SM_GENMASK(16, 12)
#define CMDQ_TLBI_0_SCALE SM_GENMASK(24, 20)
#define CMDQ_TLBI_0_VMID SM_GENMASK(47, 32)
#define CMDQ_TLBI_0_ASID SM_GENMASK(63, 48)
#define CMDQ_TLBI_1_LEAF SM_BIT(0)
#define CMDQ_TLBI_1_TTL SM_GENMASK(9, 8)
#define CMDQ_TLBI_1_TG SM_GENMASK(11, 10)
#define CMDQ_TLBI_1_VA_MASK SM_GENMASK(63, 12)
#define CMDQ_TLBI_1_IPA_MASK SM_GENMASK(51, 12)

#define CMDQ_PRI_0_SSID SM_GENMASK(31, 12)
#define CMDQ_PRI_0_SID SM_GENMASK(63, 32)
#define CMDQ_PRI_1_GRPID SM_GENMASK(8, 0)
#define CMDQ_PRI_1_RESP SM_GENMASK(13, 12)
#define CMDQ_PRI_1_RESP_DENY 0
#define CMDQ_PRI_1_RESP_FAIL 1
#define CMDQ_PRI_1_RESP_SUCC 2

#define CMDQ_RESUME_0_RESP SM_GENMASK(13, 12)
#define CMDQ_RESUME_0_RESP_TERM 0
#define CMDQ_RESUME_0_RESP_RETRY 1
#define CMDQ_RESUME_0_RESP_ABORT 2
#define CMDQ_RESUME_0_SID SM_GENMASK(63, 32)
#define CMDQ_RESUME_1_STAG SM_GENMASK(15, 0)
#define CMDQ_STALL_TERM_0_SID SM_GENMASK(63, 32)

#define CMDQ_ATC_0_SSID SM_GENMASK(31, 12)
#define CMDQ_ATC_0_SID SM_GENMASK(63, 32)
#define CMDQ_ATC_0_GLOBAL SM_BIT(9)
#define CMDQ_ATC_1_SIZE SM_GENMASK(5, 0)
#define CMDQ_ATC_1_ADDR_MASK SM_GENMASK(63, 12)
#define ATC_INV_SIZE_ALL 52

#define CMDQ_SYNC_0_CS SM_GENMASK(13, 12)
#define CMDQ_SYNC_0_CS_NONE 0
#define CMDQ_SYNC_0_CS_IRQ 1
#define CMDQ_SYNC_0_CS_SEV 2

/* Event queue records (spec 7.3 "Event records"), 4 x 64-bit words. */
#define EVTQ_ENT_DWORDS 4
#define EVTQ_0_ID SM_GENMASK(7, 0)
#define EVTQ_0_SSV SM_BIT(11)
#define EVTQ_0_SSID SM_GENMASK(31, 12)
#define EVTQ_0_SID SM_GENMASK(63, 32)
#define EVTQ_1_RNW SM_BIT(35)
#define EVTQ_1_STAG SM_GENMASK(15, 0)
#define EVTQ_1_STALL SM_BIT(31)
#define EVTQ_1_S2 SM_BIT(39)
#define EVTQ_1_CLASS SM_GENMASK(41, 40)
#define EVTQ_1_CLASS_CD 0
#define EVTQ_1_CLASS_TT 1
#define EVTQ_1_CLASS_IN 2
#define EVTQ_3_IPA SM_GENMASK(51, 12)
#define EVTQ_2_ADDR SM_GENMASK(63, 0)

/* PRI queue records (spec chapter 8, a page request), 2 x 64-bit words. */
#define PRIQ_ENT_DWORDS 2
#define PRIQ_0_SID SM_GENMASK(31, 0)
#define PRIQ_0_SSID SM_GENMASK(51, 32)
#define PRIQ_0_PERM_READ SM_BIT(60)
#define PRIQ_0_PERM_WRITE SM_BIT(61)
#define PRIQ_0_PRG_LAST SM_BIT(62)
#define PRIQ_0_SSID_V SM_BIT(63)
#define PRIQ_1_PRG_IDX SM_GENMASK(8, 0)
#define PRIQ_1_ADDR_MASK SM_GENMASK(63, 12)

/* CMDQ_CONS.ERR values (spec 7.1, "Command queue errors"). */
#define CMDQ_ERR_CERROR_NONE_IDX 0
#define CMDQ_ERR_CERROR_ILL_IDX 1
#define CMDQ_ERR_CERROR_ABT_IDX 2

/* The STE's stage-2 translation controls, packed as STRTAB_STE_2_VTCR
 * (S2T0SZ, S2SL0, S2IR0, S2OR0, S2SH0, S2TG, S2PS: spec 5.2, "Stream Table
 * Entry"; Linux packs the same fields in arm_smmu_make_s2_domain_ste). */
static inline uint64_t sm_ste_vtcr(unsigned t0sz, unsigned sl0, unsigned irgn,
				   unsigned orgn, unsigned sh, unsigned tg,
				   unsigned ps)
{
	return sm_field_prep(STRTAB_STE_2_VTCR_S2T0SZ, t0sz) |
	       sm_field_prep(STRTAB_STE_2_VTCR_S2SL0, sl0) |
	       sm_field_prep(STRTAB_STE_2_VTCR_S2IR0, irgn) |
	       sm_field_prep(STRTAB_STE_2_VTCR_S2OR0, orgn) |
	       sm_field_prep(STRTAB_STE_2_VTCR_S2SH0, sh) |
	       sm_field_prep(STRTAB_STE_2_VTCR_S2TG, tg) |
	       sm_field_prep(STRTAB_STE_2_VTCR_S2PS, ps);
}

/* The CD's word-0 translation controls for TTB0 and the output size (T0SZ,
 * TG0, IRGN0, ORGN0, SH0, IPS: spec 5.4, "Context Descriptor"). */
static inline uint64_t sm_cd_tcr(unsigned t0sz, unsigned tg0, unsigned irgn0,
				 unsigned orgn0, unsigned sh0, unsigned ips)
{
	return sm_field_prep(CTXDESC_CD_0_TCR_T0SZ, t0sz) |
	       sm_field_prep(CTXDESC_CD_0_TCR_TG0, tg0) |
	       sm_field_prep(CTXDESC_CD_0_TCR_IRGN0, irgn0) |
	       sm_field_prep(CTXDESC_CD_0_TCR_ORGN0, orgn0) |
	       sm_field_prep(CTXDESC_CD_0_TCR_SH0, sh0) |
	       sm_field_prep(CTXDESC_CD_0_TCR_IPS, ips);
}

#endif
