/* SPDX-License-Identifier: MIT */
/*
 * STE / CD "used bits" and the Linux SMMUv3 driver's entry writer.
 *
 * An STE or a CD is 8 x 64-bit words, but the SMMU only promises 64-bit
 * single-copy atomicity when it reads one.  Linux therefore rewrites a live
 * entry in steps, issuing CFGI_STE / CFGI_CD + CMD_SYNC ("a sync") after
 * each step, so that at every sync the entry the SMMU may fetch is either
 * the old configuration or the new one on the bits it actually reads:
 *
 *   hitless  (exactly one word changes a bit the hardware uses, after the
 *            bits it ignores have been set): write the ignored bits, sync,
 *            write the critical word, sync, write the rest, sync;
 *   breaking (two or more such words): word 0 = 0 (V=0), sync, words 1..7,
 *            sync, word 0, sync.
 *
 * A step that changes nothing is not followed by a sync.  This follows
 * drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c (arm_smmu_get_ste_used,
 * arm_smmu_get_cd_used, arm_smmu_get_ste_update_safe,
 * arm_smmu_entry_qword_diff, arm_smmu_write_entry) as of Linux v6.19 /
 * v7.0-rc, i.e. including "iommu/arm-smmu-v3: Add update_safe bits to fix STE
 * update sequence" (upstream 2781f2a930ab, also backported to the 6.x stable
 * trees) and its MEV / EATS_TRANS follow-ups.  The sync counts of Linux's
 * KUnit suite (arm-smmu-v3-test.c of the same version, 24 cases) are
 * reproduced by tests/test_entry.c.
 *
 * The builders mirror how Linux (and its KUnit suite) fills each entry type;
 * the values need not be Linux's, but which fields are set, and therefore
 * which words differ between two entries, are.
 */
#ifndef SM_KERNEL_IOMMU_ARM_SMMU_V3_ENTRY_H
#define SM_KERNEL_IOMMU_ARM_SMMU_V3_ENTRY_H

#include <stdbool.h>
#include <stdint.h>

#define SM_ENTRY_QWORDS 8

/* Bits the SMMU reads in @ste / @cd given their current configuration
 * (V=0: only V).  @used is overwritten. */
void sm_ste_used(const uint64_t ste[SM_ENTRY_QWORDS],
		 uint64_t used[SM_ENTRY_QWORDS]);
void sm_cd_used(const uint64_t cd[SM_ENTRY_QWORDS],
		uint64_t used[SM_ENTRY_QWORDS]);

/* STE bits that may change in any order between @cur and @target without
 * sequencing: MEV (only merges event records), and EATS_TRANS when neither
 * entry uses EATS=S1CHK or S2S (the driver has ATS disabled at the device
 * while it changes EATS).  Linux: arm_smmu_get_ste_update_safe().  @safe is
 * overwritten.  CDs have no such bits. */
void sm_ste_update_safe(const uint64_t cur[SM_ENTRY_QWORDS],
			const uint64_t target[SM_ENTRY_QWORDS],
			uint64_t safe[SM_ENTRY_QWORDS]);

struct sm_entry_writer_ops {
	/* sm_ste_used or sm_cd_used (required). */
	void (*used)(const uint64_t e[SM_ENTRY_QWORDS],
		     uint64_t used[SM_ENTRY_QWORDS]);
	/* Called after each write step that changed the entry: the caller
	 * copies the entry to simulated memory if it is not already there and
	 * issues CFGI_STE / CFGI_CD + CMD_SYNC (required). */
	void (*sync)(void *ctx);
	/* Optional (NULL = no safe bits, the pre-v6.19 behaviour):
	 * sm_ste_update_safe for STEs; leave NULL for CDs. */
	void (*safe)(const uint64_t cur[SM_ENTRY_QWORDS],
		     const uint64_t target[SM_ENTRY_QWORDS],
		     uint64_t safe[SM_ENTRY_QWORDS]);
};

/* Rewrite @entry into @target step by step as Linux's arm_smmu_write_entry
 * does, calling ops->sync(ctx) after every step that changed a word.
 * Returns the number of syncs.  *@broke (if not NULL) is set to whether a
 * sync happened while the entry was invalid (V=0) -- written by the breaking
 * sequence, or still in place while a cleared CD is being filled -- which is
 * exactly Linux's KUnit "non-hitless" criterion.  On return @entry ==
 * @target. */
unsigned sm_entry_write(uint64_t entry[SM_ENTRY_QWORDS],
			const uint64_t target[SM_ENTRY_QWORDS],
			const struct sm_entry_writer_ops *ops, void *ctx,
			bool *broke);

/* Linux 6.1's fixed-order writers (arm_smmu_write_strtab_ent,
 * arm_smmu_write_ctx_desc; used through 6.8): a translating STE over one
 * that is not, or a valid CD over an invalid one, in two steps (dwords
 * 1-7, sync, dword 0, sync); anything else in one.  Same contract as
 * sm_entry_write; ops->safe is not used.  A translating STE is never
 * rewritten in place by 6.1: callers make it abort first. */
unsigned sm_ste_write_v61(uint64_t entry[SM_ENTRY_QWORDS],
			  const uint64_t target[SM_ENTRY_QWORDS],
			  const struct sm_entry_writer_ops *ops, void *ctx,
			  bool *broke);
unsigned sm_cd_write_v61(uint64_t entry[SM_ENTRY_QWORDS],
			 const uint64_t target[SM_ENTRY_QWORDS],
			 const struct sm_entry_writer_ops *ops, void *ctx,
			 bool *broke);

/* Master / SMMU properties the builders need (Linux: master->ats_enabled,
 * master->stall_enabled, smmu->features). */
enum {
	/* master->ats_enabled: STE.EATS = TRANS. */
	SM_ENTRY_F_ATS = 1u << 0,
	/* master->stall_enabled: CD.S, STE.S2S, no STE.S1STALLD. */
	SM_ENTRY_F_STALL = 1u << 1,
	/* SMMU without stall support: no STE.S1STALLD either. */
	SM_ENTRY_F_NO_STALLS = 1u << 2,
	/* SMMU in E2H (hypervisor kernel): STE.STRW = EL2. */
	SM_ENTRY_F_E2H = 1u << 3,
	/* IDR0.STALL_MODEL = forced: the SVA release CD keeps S and R. */
	SM_ENTRY_F_STALL_FORCE = 1u << 4,
	/* SVA with BTM: the CD shares the CPU ASID, ASET = 0. */
	SM_ENTRY_F_BTM = 1u << 5,
	/* Hardware access / dirty flag updates: CD.HA and CD.HD. */
	SM_ENTRY_F_HTTU = 1u << 6,
};

/* Abort: V=1, Config=abort. */
void sm_ste_make_abort(uint64_t ste[SM_ENTRY_QWORDS]);
/* Bypass: V=1, Config=bypass, SHCFG=incoming (an SMMU with
 * IDR1.ATTR_TYPES_OVR, as Linux's KUnit SMMU). */
void sm_ste_make_bypass(uint64_t ste[SM_ENTRY_QWORDS]);
/* Stage-1 translate through the CD table at @cdtab_pa (STRTAB_STE_0_S1FMT_*
 * format @s1fmt, 2^@s1cdmax CDs), S1DSS = @s1dss (STRTAB_STE_1_S1DSS_*),
 * SHCFG=incoming when S1DSS=bypass, flags SM_ENTRY_F_ATS / _STALL /
 * _NO_STALLS / _E2H. */
void sm_ste_make_cdtable(uint64_t ste[SM_ENTRY_QWORDS], uint64_t cdtab_pa,
			 unsigned s1fmt, unsigned s1cdmax, unsigned s1dss,
			 unsigned flags);
/* Stage-2 translate: VMID @vmid, S2TTB @s2ttb, VTCR @vtcr (sm_ste_vtcr),
 * AArch64, S2PTW, S2R, SHCFG=incoming; flags SM_ENTRY_F_ATS / _STALL (S2S). */
void sm_ste_make_s2(uint64_t ste[SM_ENTRY_QWORDS], uint16_t vmid,
		    uint64_t s2ttb, uint64_t vtcr, unsigned flags);
/* Nested: @s1's CD-table words 0-1 with Config=nested and MEV, over @s2's
 * stage-2 words 1-7 (Linux's nested STE and the KUnit suite's). */
void sm_ste_make_nested(uint64_t ste[SM_ENTRY_QWORDS],
			const uint64_t s1[SM_ENTRY_QWORDS],
			const uint64_t s2[SM_ENTRY_QWORDS]);

/* A DMA-API / unmanaged stage-1 domain's CD: @tcr (sm_cd_tcr), EPD1, V,
 * AA64, R, A, ASET, ASID; TTB0 @ttb0; MAIR @mair.  Flags SM_ENTRY_F_STALL
 * (S), SM_ENTRY_F_HTTU (HA, HD). */
void sm_cd_make_s1(uint64_t cd[SM_ENTRY_QWORDS], uint16_t asid, uint64_t ttb0,
		   uint64_t tcr, uint64_t mair, unsigned flags);
/* An SVA CD for a process whose page table is at @pgd: T0SZ = 64 - @va_bits,
 * 4K granule, WBWA inner-shareable walks, IPS @ips, EPD1, V, AA64, R, A,
 * ASET (unless SM_ENTRY_F_BTM), S (SM_ENTRY_F_STALL), ASID @asid. */
void sm_cd_make_sva(uint64_t cd[SM_ENTRY_QWORDS], uint16_t asid, uint64_t pgd,
		    unsigned va_bits, unsigned ips, uint64_t mair,
		    unsigned flags);
/* The SVA CD after the mm is released (Linux: arm_smmu_make_sva_cd with mm
 * = NULL): EPD0 set and TTB0 / T0SZ... cleared, so it faults everything; S
 * and R cleared unless SM_ENTRY_F_STALL_FORCE.  Hitless from and to the
 * live SVA CD since EPD0 makes the TTB0 fields unused. */
void sm_cd_make_sva_release(uint64_t cd[SM_ENTRY_QWORDS], uint16_t asid,
			    unsigned ips, uint64_t mair, unsigned flags);
/* An invalid (all-zero) CD. */
void sm_cd_clear(uint64_t cd[SM_ENTRY_QWORDS]);

#endif
