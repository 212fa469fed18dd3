/* SPDX-License-Identifier: MIT */
/*
 * Kernel policy presets: named sets of policy.* keys, each reproducing what
 * one Linux release does where the releases differ -- where the secondary-
 * TLB (mmu_notifier) hook runs, which range it is given, and how arm64
 * splits a range TLBI -- and, in every linux-* preset, the paths mainline
 * arm-smmu-v3 takes where this model also knows a what-if: no BTM
 * (arm_smmu_device_reset sets CR2.PTM), page requests denied
 * (arm_smmu_handle_ppr), the fixed flush-all page count, arm64's batched
 * flush.  The research-* presets turn one what-if on over the newest
 * linux preset; they are not Linux.  docs/policies.md says which kernel
 * behaviour each
 * key reproduces; `smmusim policies` prints this table.  Data only: the
 * engine applies a preset (sm_cfg_apply_preset), the composition root
 * (src/sim/presets.c) puts it behind smmusim_config_apply_preset().
 */
#include "kernel/policies.h"

/* Before 6.6: the hook was ->invalidate_range(), called from
 * mmu_notifier_invalidate_range_end() and the *_clear_flush_notify()
 * helpers, not from the arm64 TLB flush routines; so the flush_tlb_page()
 * of a permission upgrade (ptep_set_access_flags) misses it. */
static const char *const linux_6_5[] = {
    "policy.notifier.placement=range_end",
    "policy.cpu.range_split=ascending",
    "policy.notifier.range_start_bug=off",
    "policy.smmu.btm=off",
    "policy.smmu.pri=deny",
    "policy.smmu.flushall_overflow_bug=off",
    "policy.cpu.batch_flush=arm64",
};

/* v6.6.0: "mmu_notifiers: Call invalidate_range() when invalidating TLBs"
 * moves the hook (arch_invalidate_secondary_tlbs) into flush_tlb_mm,
 * flush_tlb_page, __flush_tlb_range and arch_tlbbatch_add_pending; but
 * __flush_tlb_range_op advanced the caller's start, so a range flush hands
 * the hook start == end (fixed by f7edb07ad7c6).  Ascending range split. */
static const char *const linux_6_6[] = {
    "policy.notifier.placement=arch_flush",
    "policy.cpu.range_split=ascending",
    "policy.notifier.range_start_bug=on",
    "policy.smmu.btm=off",
    "policy.smmu.pri=deny",
    "policy.smmu.flushall_overflow_bug=off",
    "policy.cpu.batch_flush=arm64",
};

/* 6.14: the descending range split (e2768b798a19, "arm64/mm: Modify
 * range-based tlbi to decrement scale") and the real range for the hook
 * again (f7edb07ad7c6, "arm64/mm: Fix mmu notifiers for range-based
 * invalidates"). */
static const char *const linux_6_14[] = {
    "policy.notifier.placement=arch_flush",
    "policy.cpu.range_split=descending",
    "policy.notifier.range_start_bug=off",
    "policy.smmu.btm=off",
    "policy.smmu.pri=deny",
    "policy.smmu.flushall_overflow_bug=off",
    "policy.cpu.batch_flush=arm64",
};

/* What-ifs over the newest linux preset; not mainline.  research-btm: the
 * driver uses BTM as "iommu/arm-smmu-v3: Bring back SVA BTM support"
 * (J. Gunthorpe, v3 24/27, Dec 2023, never merged) would: CR2.PTM = 0,
 * SVA CDs with ASET = 0, no explicit SVA TLBIs.  It needs an SMMU with
 * IDR0.BTM (-o smmu.btm=on). */
static const char *const research_btm[] = {
    "policy.notifier.placement=arch_flush",
    "policy.cpu.range_split=descending",
    "policy.notifier.range_start_bug=off",
    "policy.smmu.btm=on",
    "policy.smmu.pri=deny",
    "policy.smmu.flushall_overflow_bug=off",
    "policy.cpu.batch_flush=arm64",
};

/* research-pri: page requests serviced (handle_mm_fault, then PRI_RESP
 * SUCCESS or FAILURE), as Intel VT-d's prq_event_thread ->
 * iommu_report_device_fault -> iommu_sva_handle_iopf does; mainline
 * arm-smmu-v3 denies them and recovers SVA faults by stall. */
static const char *const research_pri[] = {
    "policy.notifier.placement=arch_flush",
    "policy.cpu.range_split=descending",
    "policy.notifier.range_start_bug=off",
    "policy.smmu.btm=off",
    "policy.smmu.pri=service",
    "policy.smmu.flushall_overflow_bug=off",
    "policy.cpu.batch_flush=arm64",
};

const struct sm_preset sm_policy_presets[] = {
    SM_PRESET("linux-6.5",
	      "before 6.6: secondary-TLB hook from invalidate_range_end and "
	      "ptep_clear_flush_notify; the permission-upgrade flush misses it",
	      linux_6_5),
    SM_PRESET(
	"linux-6.6",
	"6.6+: secondary-TLB hook called from the arm64 TLB flush routines "
	"(commit 'mmu_notifiers: Call invalidate_range() when invalidating "
	"TLBs'); v6.6.0's ascending range split and its empty notifier "
	"range",
	linux_6_6),
    SM_PRESET(
	"linux-6.14",
	"6.14+: descending range split ('arm64/mm: Modify range-based tlbi "
	"to decrement scale') and the real range for the notifier again "
	"(f7edb07ad7c6)",
	linux_6_14),
    SM_PRESET("research-btm",
	      "what-if, not mainline: linux-6.14 with the SVA BTM of the "
	      "unmerged 'Bring back SVA BTM support' series (CR2.PTM=0, "
	      "ASET=0, no SVA TLBIs); needs -o smmu.btm=on",
	      research_btm),
    SM_PRESET("research-pri",
	      "what-if, not mainline: linux-6.14 servicing PRI page requests "
	      "(handle_mm_fault, PRI_RESP SUCCESS/FAILURE) as Intel VT-d's "
	      "prq handling does; mainline denies them (arm_smmu_handle_ppr)",
	      research_pri),
};

const size_t sm_policy_preset_count =
    sizeof(sm_policy_presets) / sizeof(sm_policy_presets[0]);
