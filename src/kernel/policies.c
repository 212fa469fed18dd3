/* SPDX-License-Identifier: MIT */
/*
 * Kernel policy presets: named sets of policy.* keys, each reproducing what
 * one Linux release does where the releases differ -- where the secondary-
 * TLB (mmu_notifier) hook runs and which range it is given, how arm64
 * splits a range TLBI, what the SMMUv3 SVA notifier sends, and which ASID
 * SVA uses.  Every assignment of a version preset cites the kernel file,
 * function and commit or release it comes from (the research behind them:
 * docs/linux-versions.md; `smmusim policies` prints them, docs/policies.md
 * tabulates them).  Data only: the engine applies a preset
 * (sm_cfg_apply_preset), the composition root (src/sim/presets.c) puts it
 * behind smmusim_config_apply_preset().
 *
 * Which release each preset is: linux-6.1 = Debian's 6.1.192 (the kernel
 * of the QEMU logs, read as a tree); linux-6.5 = v6.5.0 and linux-6.6 =
 * v6.6.0 (reconstructed from the patches posted against them); linux-6.12 =
 * Debian's 6.12.118 (read as a tree); linux-6.15 = mainline with
 * f7edb07ad7c6 (v6.14) and 12f78021973a (6.15-rc), the newest release
 * whose behaviour the research establishes (the index holds 7.0.y stable
 * mails, but not a readable 7.0 driver).
 *
 * Every linux-* preset also takes the paths mainline arm-smmu-v3 takes where
 * this model knows a what-if: no BTM (arm_smmu_device_reset sets CR2.PTM),
 * page requests denied (arm_smmu_handle_ppr), the fixed flush-all page
 * count, arm64's batched flush.  The research-* presets turn one what-if on
 * over the newest linux preset; they are not Linux.
 */
#include "kernel/policies.h"

/* Sources shared by several presets. */
#define SRC_RANGE_END                                                          \
	"mm/mmu_notifier.c mn_hlist_invalidate_end -> ->invalidate_range; "    \
	"moved to the arm64 flush routines by 6bbd42e2df8f (v6.6-rc1)"
#define SRC_GATHER_ON                                                          \
	"include/asm-generic/tlb.h tlb_flush_mmu_tlbonly -> "                  \
	"mmu_notifier_invalidate_range after tlb_flush; removed by "           \
	"6bbd42e2df8f (v6.6-rc1)"
#define SRC_GATHER_OFF                                                         \
	"include/asm-generic/tlb.h tlb_flush_mmu_tlbonly: no notifier call "   \
	"since 6bbd42e2df8f (v6.6-rc1)"
#define SRC_ARCH_FLUSH                                                         \
	"arch/arm64/include/asm/tlbflush.h flush_tlb_mm, "                     \
	"__flush_tlb_page_nosync, __flush_tlb_range -> "                       \
	"mmu_notifier_arch_invalidate_secondary_tlbs; 6bbd42e2df8f (v6.6-rc1)"
#define SRC_ASCENDING                                                          \
	"arch/arm64/include/asm/tlbflush.h __flush_tlb_range (open-coded "     \
	"loop; the __flush_tlb_range_op macro from 360839027a6e), "            \
	"MAX_TLBI_RANGE_PAGES '>='; descending from e2768b798a19 (v6.9)"
#define SRC_DESCENDING                                                         \
	"arch/arm64/include/asm/tlbflush.h __flush_tlb_range_op; "             \
	"e2768b798a19 + e3ba51ab24fd (v6.9; 6.6.29), '> "                      \
	"MAX_TLBI_RANGE_PAGES' 73301e464a72 (v6.10)"
#define SRC_NO_START_BUG_PRE66                                                 \
	"no arch-flush hook before 6bbd42e2df8f (v6.6-rc1), so no empty range"
#define SRC_MAX_TLBI_OPS                                                       \
	"drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3-sva.c "                     \
	"arm_smmu_mm_arch_invalidate_secondary_tlbs: CMDQ_MAX_TLBI_OPS "       \
	"without ARM_SMMU_FEAT_RANGE_INV; d5afb4b47e13 (v6.6)"
#define SRC_FLUSH_ALL                                                          \
	"arm-smmu-v3-sva.c arm_smmu_mm_arch_invalidate_secondary_tlbs: "       \
	"'if (size == ULONG_MAX) size = 0' with RIL; 6.6-rc1 series, kept by " \
	"d5afb4b47e13 (v6.6)"
#define SRC_SHARED_ASID                                                        \
	"arm-smmu-v3-sva.c arm_smmu_alloc_shared_cd -> arm_smmu_share_asid "   \
	"(CPU ASID pinned by arm64_mm_context_get); replaced by "              \
	"d7b2d2ba1b84 (v6.11)"
#define SRC_OWN_ASID                                                           \
	"arm-smmu-v3-sva.c arm_smmu_sva_domain_alloc: xa_alloc of its own "    \
	"ASID, no arm_smmu_share_asid; d7b2d2ba1b84 (v6.11)"
#define SRC_RECLAIM_UNBATCHED                                                  \
	"arch/arm64/Kconfig: no ARCH_WANT_BATCHED_UNMAP_TLB_FLUSH, so "        \
	"mm/rmap.c try_to_unmap_one -> should_defer_flush (stub: false) -> "   \
	"ptep_clear_flush = flush_tlb_page per page; 43b3dfdd0455 is v6.6-rc1"
#define SRC_RECLAIM_BATCHED                                                    \
	"arch/arm64/Kconfig selects ARCH_WANT_BATCHED_UNMAP_TLB_FLUSH: "       \
	"arch_tlbbatch_add_pending per page, arch_tlbbatch_flush once; "       \
	"43b3dfdd0455 (v6.6-rc1)"

/* The four what-if keys: every kernel takes mainline's path. */
#define WHATIF_KEYS_LINUX                                                      \
	"policy.smmu.btm=off", "policy.smmu.pri=deny",                         \
	    "policy.smmu.flushall_overflow_bug=off",                           \
	    "policy.cpu.batch_flush=arm64"
#define WHATIF_WHY_LINUX                                                       \
	"drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c arm_smmu_device_reset: "  \
	"CR2_PTM always set; ARM_SMMU_FEAT_BTM never set (6.1.192, 6.12.118)", \
	    "arm-smmu-v3.c arm_smmu_handle_ppr: PRI_RESP_DENY, no service "    \
	    "(6.1.192, 6.12.118)",                                             \
	    "arm-smmu-v3-sva.c: size = end - start, (0, -1UL) never becomes "  \
	    "0 pages (the overflow was intel/svm.c's, fixed in v6.7)",         \
	    "arch/arm64 arch_tlbbatch_add_pending: the range, never a "        \
	    "flush-all per page (x86's flush_tlb_multi is the what-if)"

#define SRC_WRITER_V61                                                         \
	"drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c "                         \
	"arm_smmu_write_strtab_ent "                                           \
	"(two-step STE, CFGI_STE + sync each) and arm_smmu_write_ctx_desc "    \
	"(syncs to the domain's streams); 6.1.192; hitless writer v6.9/v6.10"
#define SRC_WRITER_HITLESS                                                     \
	"arm-smmu-v3.c arm_smmu_write_entry (used-bits hitless update, "       \
	"CFGI_CD / CFGI_STE + sync per step), v6.9 (STE) and v6.10 (CD); "     \
	"6.12.118"
#define SRC_PREFETCH                                                           \
	"arm-smmu-v3.c: CMDQ_OP_PREFETCH_CFG after an STE write unless "       \
	"ARM_SMMU_OPT_SKIP_PREFETCH (6.1.192, 6.12.118; QEMU logs)"
#define SRC_DMF_AFTER                                                          \
	"drivers/iommu/iommu.c iommu_create_device_direct_mappings -> "        \
	"iommu_flush_iotlb_all after the attach (6.1.192; QEMU log)"
#define SRC_DMF_NONE                                                           \
	"iommu.c: the direct-mapping flush runs before the domain is "         \
	"finalised, so arm_smmu_flush_iotlb_all sends nothing (inferred for "  \
	"v6.5.0 / v6.6.0, not read as trees)"
#define SRC_DMF_BEFORE                                                         \
	"iommu.c iommu_create_device_direct_mappings before "                  \
	"__iommu_attach_device (6.12.118; QEMU log: TLBI_NH_ASID first)"

/* Debian 6.1.192 (linux-source-6.1). */
static const char *const linux_6_1[] = {
    "policy.notifier.placement=range_end",
    "policy.notifier.mmu_gather_hook=on",
    "policy.cpu.range_split=ascending",
    "policy.notifier.range_start_bug=off",
    "policy.smmu.max_tlbi_ops=512",
    "policy.smmu.sva_flush_all=off",
    "policy.smmu.sva_asid=shared",
    WHATIF_KEYS_LINUX,
    "policy.smmu.entry_writer=v6.1",
    "policy.smmu.prefetch_cfg=on",
    "policy.iommu.direct_map_flush=after_attach",
    "policy.cpu.reclaim_batch=off",
};
static const char *const linux_6_1_why[] = {
    SRC_RANGE_END,
    SRC_GATHER_ON,
    SRC_ASCENDING,
    SRC_NO_START_BUG_PRE66,
    "arm-smmu-v3-sva.c arm_smmu_mm_invalidate_range: CMDQ_MAX_TLBI_OPS "
    "without ARM_SMMU_FEAT_RANGE_INV; 6.1.y backport of d5afb4b47e13 "
    "(in 6.1.192)",
    "arm-smmu-v3-sva.c arm_smmu_mm_invalidate_range: no 'size == "
    "ULONG_MAX' branch in 6.1.192 (with RIL, (0, -1UL) never ends)",
    SRC_SHARED_ASID,
    WHATIF_WHY_LINUX,
    SRC_WRITER_V61,
    SRC_PREFETCH,
    SRC_DMF_AFTER,
    SRC_RECLAIM_UNBATCHED " (6.1.192)",
};

/* v6.5.0: no CMDQ_MAX_TLBI_OPS yet (the 26 s soft lockup). */
static const char *const linux_6_5[] = {
    "policy.notifier.placement=range_end",
    "policy.notifier.mmu_gather_hook=on",
    "policy.cpu.range_split=ascending",
    "policy.notifier.range_start_bug=off",
    "policy.smmu.max_tlbi_ops=0",
    "policy.smmu.sva_flush_all=off",
    "policy.smmu.sva_asid=shared",
    WHATIF_KEYS_LINUX,
    "policy.smmu.entry_writer=v6.1",
    "policy.smmu.prefetch_cfg=on",
    "policy.iommu.direct_map_flush=none",
    "policy.cpu.reclaim_batch=off",
};
static const char *const linux_6_5_why[] = {
    SRC_RANGE_END,
    SRC_GATHER_ON,
    SRC_ASCENDING,
    SRC_NO_START_BUG_PRE66,
    "arm-smmu-v3-sva.c arm_smmu_mm_invalidate_range calls "
    "arm_smmu_tlb_inv_range_asid for any size in v6.5.0 (lore "
    "20230901203904.4073-1-nicolinc@nvidia.com); d5afb4b47e13 is v6.6",
    "arm-smmu-v3-sva.c arm_smmu_mm_invalidate_range: no 'size == "
    "ULONG_MAX' branch in v6.5.0",
    SRC_SHARED_ASID,
    WHATIF_WHY_LINUX,
    SRC_WRITER_V61,
    SRC_PREFETCH,
    SRC_DMF_NONE,
    SRC_RECLAIM_UNBATCHED,
};

/* v6.6.0: the hook in the arm64 flush routines, with the empty range. */
static const char *const linux_6_6[] = {
    "policy.notifier.placement=arch_flush",
    "policy.notifier.mmu_gather_hook=off",
    "policy.cpu.range_split=ascending",
    "policy.notifier.range_start_bug=on",
    "policy.smmu.max_tlbi_ops=512",
    "policy.smmu.sva_flush_all=on",
    "policy.smmu.sva_asid=shared",
    WHATIF_KEYS_LINUX,
    "policy.smmu.entry_writer=v6.1",
    "policy.smmu.prefetch_cfg=on",
    "policy.iommu.direct_map_flush=none",
    "policy.cpu.reclaim_batch=on",
};
static const char *const linux_6_6_why[] = {
    SRC_ARCH_FLUSH,
    SRC_GATHER_OFF,
    "arch/arm64/include/asm/tlbflush.h __flush_tlb_range_op "
    "(360839027a6e), ascending in v6.6.0; descending from 6.6.29 "
    "(e2768b798a19 + e3ba51ab24fd backported)",
    "arch/arm64/include/asm/tlbflush.h __flush_tlb_range: "
    "__flush_tlb_range_op advances start, the hook gets (end, end); "
    "fixed by f7edb07ad7c6 (v6.14; 6.6.88)",
    SRC_MAX_TLBI_OPS,
    SRC_FLUSH_ALL,
    SRC_SHARED_ASID,
    WHATIF_WHY_LINUX,
    SRC_WRITER_V61,
    SRC_PREFETCH,
    SRC_DMF_NONE,
    SRC_RECLAIM_BATCHED,
};

/* 6.12.20+ and mainline set the same keys (linux-6.12, linux-6.15 and the
 * research presets over them); the argument is the four what-if keys. */
#define KEYS_6_12(...)                                                         \
	"policy.notifier.placement=arch_flush",                                \
	    "policy.notifier.mmu_gather_hook=off",                             \
	    "policy.cpu.range_split=descending",                               \
	    "policy.notifier.range_start_bug=off",                             \
	    "policy.smmu.max_tlbi_ops=512", "policy.smmu.sva_flush_all=on",    \
	    "policy.smmu.sva_asid=own", __VA_ARGS__,                           \
	    "policy.smmu.entry_writer=hitless", "policy.smmu.prefetch_cfg=on", \
	    "policy.iommu.direct_map_flush=before_attach",                     \
	    "policy.cpu.reclaim_batch=on"
/* Their sources; the two that differ between 6.12.118 and mainline are
 * the arguments: why the hook gets the real range, and the SVA ASID. */
#define WHY_6_12(start_bug, asid)                                              \
	SRC_ARCH_FLUSH, SRC_GATHER_OFF, SRC_DESCENDING, start_bug,             \
	    SRC_MAX_TLBI_OPS, SRC_FLUSH_ALL, asid, WHATIF_WHY_LINUX,           \
	    SRC_WRITER_HITLESS, SRC_PREFETCH, SRC_DMF_BEFORE,                  \
	    SRC_RECLAIM_BATCHED

/* Debian 6.12.118 (linux-source-6.12). */
static const char *const linux_6_12[] = {KEYS_6_12(WHATIF_KEYS_LINUX)};
static const char *const linux_6_12_why[] = {
    WHY_6_12("arch/arm64/include/asm/tlbflush.h __flush_tlb_range_nosync: "
	     "__flush_start/__flush_pages locals, f7edb07ad7c6 backported in "
	     "6.12.20 (6.12.0-6.12.19 had (end, end))",
	     SRC_OWN_ASID)};

/* Mainline as of v6.14 + 12f78021973a (6.15-rc): the keys of 6.12.20+. */
static const char *const linux_6_15[] = {KEYS_6_12(WHATIF_KEYS_LINUX)};
static const char *const linux_6_15_why[] = {WHY_6_12(
    "arch/arm64/include/asm/tlbflush.h __flush_tlb_range_nosync: the "
    "real range, f7edb07ad7c6 'arm64/mm: Fix mmu notifiers for "
    "range-based invalidates' (v6.14)",
    SRC_OWN_ASID " (SVA domain pgsize_bitmap = PAGE_SIZE: 12f78021973a, "
		 "6.15-rc)")};

/* What-ifs over the newest linux preset; not mainline.  research-btm: the
 * driver uses BTM as "iommu/arm-smmu-v3: Bring back SVA BTM support"
 * (J. Gunthorpe, v3 24/27, Dec 2023, never merged) would: CR2.PTM = 0,
 * SVA CDs with ASET = 0, no explicit SVA TLBIs.  It needs an SMMU with
 * IDR0.BTM (-o smmu.btm=on).  research-pri: page requests serviced
 * (handle_mm_fault, then PRI_RESP SUCCESS or FAILURE), as Intel VT-d's
 * prq_event_thread -> iommu_sva_handle_iopf does; mainline arm-smmu-v3
 * denies them and recovers SVA faults by stall.  Each sets policy.smmu.btm
 * and policy.smmu.pri and cites them; every other key is linux-6.15's. */
#define KEYS_RESEARCH(btm, pri)                                                \
	KEYS_6_12("policy.smmu.flushall_overflow_bug=off",                     \
		  "policy.cpu.batch_flush=arm64", btm, pri)
#define AS_6_15 "as linux-6.15"
#define WHY_RESEARCH(btm, pri)                                                 \
	AS_6_15, AS_6_15, AS_6_15, AS_6_15, AS_6_15, AS_6_15, AS_6_15,         \
	    AS_6_15, AS_6_15, btm, pri, AS_6_15, AS_6_15, AS_6_15, AS_6_15
static const char *const research_btm[] = {
    KEYS_RESEARCH("policy.smmu.btm=on", "policy.smmu.pri=deny")};
static const char *const research_btm_why[] = {WHY_RESEARCH(
    "what-if: 'iommu/arm-smmu-v3: Bring back SVA BTM support' (J. "
    "Gunthorpe, v3 24/27, Dec 2023, not merged): CR2.PTM clear, ASET=0",
    "arm-smmu-v3.c arm_smmu_handle_ppr: PRI_RESP_DENY (6.12.118)")};
static const char *const research_pri[] = {
    KEYS_RESEARCH("policy.smmu.btm=off", "policy.smmu.pri=service")};
static const char *const research_pri_why[] = {
    WHY_RESEARCH("arm-smmu-v3.c arm_smmu_device_reset: CR2_PTM set (6.12.118)",
		 "what-if: VT-d's prq_event_thread -> iommu_sva_handle_iopf "
		 "(drivers/iommu/intel/prq.c, 6.12); arm-smmu-v3 denies")};

const struct sm_preset sm_policy_presets[] = {
    SM_PRESET_CITED(
	"linux-6.1",
	"6.1 LTS (Debian 12's 6.1.192): ->invalidate_range from "
	"invalidate_range_end and again from tlb_flush_mmu_tlbonly (a munmap "
	"invalidates the SMMU twice); the permission-upgrade flush misses "
	"it; the SVA notifier's 512-page ASID fallback without RIL, but "
	"(0, -1UL) with RIL never ends; SVA shares the CPU ASID; reclaim "
	"flushes page by page (no arm64 batched reclaim before 6.6)",
	linux_6_1, linux_6_1_why),
    SM_PRESET_CITED(
	"linux-6.5",
	"v6.5.0: as 6.1, but the SVA notifier has no 512-page fallback (one "
	"TLBI per page, the 26 s soft lockup; (0, -1UL) never ends with or "
	"without RIL)",
	linux_6_5, linux_6_5_why),
    SM_PRESET_CITED(
	"linux-6.6",
	"v6.6.0: the secondary-TLB hook in the arm64 TLB flush routines "
	"('mmu_notifiers: Call invalidate_range() when invalidating TLBs'), "
	"the range flush handing it start == end, the ascending range "
	"split; SVA shares the CPU ASID",
	linux_6_6, linux_6_6_why),
    SM_PRESET_CITED(
	"linux-6.12",
	"6.12 LTS (Debian 13's 6.12.118): descending range split, the real "
	"range for the hook (f7edb07ad7c6 in 6.12.20), SVA domains with "
	"their own ASID (v6.11)",
	linux_6_12, linux_6_12_why),
    SM_PRESET_CITED(
	"linux-6.15",
	"newest mainline the research establishes (v6.14's f7edb07ad7c6, "
	"6.15-rc's 12f78021973a): the same modelled behaviour as 6.12.20+",
	linux_6_15, linux_6_15_why),
    SM_PRESET_CITED("research-btm",
		    "what-if, not mainline: linux-6.15 with the SVA BTM of the "
		    "unmerged 'Bring back SVA BTM support' series (CR2.PTM=0, "
		    "ASET=0, no SVA TLBIs); needs -o smmu.btm=on",
		    research_btm, research_btm_why),
    SM_PRESET_CITED(
	"research-pri",
	"what-if, not mainline: linux-6.15 servicing PRI page requests "
	"(handle_mm_fault, PRI_RESP SUCCESS/FAILURE) as Intel VT-d's "
	"prq handling does; mainline denies them (arm_smmu_handle_ppr)",
	research_pri, research_pri_why),
};

const size_t sm_policy_preset_count =
    sizeof(sm_policy_presets) / sizeof(sm_policy_presets[0]);

const struct sm_preset_retired sm_policy_retired[] = {
    {"linux-6.14", "linux-6.15",
     "6.14 is no distinct kernel in this model: every modelled behaviour "
     "of it is linux-6.15's, and the old linux-6.14 preset wrongly shared "
     "the CPU ASID with SVA"},
};

const size_t sm_policy_retired_count =
    sizeof(sm_policy_retired) / sizeof(sm_policy_retired[0]);
