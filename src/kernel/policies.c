/* SPDX-License-Identifier: MIT */
/*
 * Kernel policy presets: named sets of policy.* keys, each reproducing what
 * one Linux release does where the releases differ -- where the secondary-
 * TLB (mmu_notifier) hook runs, which range it is given, and how arm64
 * splits a range TLBI.  docs/policies.md says which kernel behaviour each
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
    /* arm-smmu-v3.c: arm_smmu_write_strtab_ent / arm_smmu_write_ctx_desc
     * until the hitless arm_smmu_write_entry (v6.9 STE, v6.10 CD);
     * PREFETCH_CONFIG after a translating STE.  The direct-mapping flush
     * runs before the attach since iommu_setup_default_domain (v6.5), on
     * a domain arm-smmu-v3 finalises only at attach: arm_smmu_flush_iotlb_all
     * skips it (smmu_domain->smmu is NULL) -- inferred, not read. */
    "policy.smmu.entry_writer=v6.1",
    "policy.smmu.prefetch_cfg=on",
    "policy.iommu.direct_map_flush=none",
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
    /* arm-smmu-v3.c: arm_smmu_write_strtab_ent / arm_smmu_write_ctx_desc
     * until the hitless arm_smmu_write_entry (v6.9 STE, v6.10 CD);
     * PREFETCH_CONFIG after a translating STE.  The direct-mapping flush
     * runs before the attach since iommu_setup_default_domain (v6.5), on
     * a domain arm-smmu-v3 finalises only at attach: arm_smmu_flush_iotlb_all
     * skips it (smmu_domain->smmu is NULL) -- inferred, not read. */
    "policy.smmu.entry_writer=v6.1",
    "policy.smmu.prefetch_cfg=on",
    "policy.iommu.direct_map_flush=none",
};

/* 6.14: the descending range split (e2768b798a19, "arm64/mm: Modify
 * range-based tlbi to decrement scale") and the real range for the hook
 * again (f7edb07ad7c6, "arm64/mm: Fix mmu notifiers for range-based
 * invalidates"). */
static const char *const linux_6_14[] = {
    "policy.notifier.placement=arch_flush",
    "policy.cpu.range_split=descending",
    "policy.notifier.range_start_bug=off",
    /* The hitless arm_smmu_write_entry and arm_smmu_write_ste's
     * PREFETCH_CONFIG after every STE (as read in 6.12.118); the
     * direct-mapping flush before the attach on a domain finalised at
     * allocation (6.12 iommu_setup_default_domain). */
    "policy.smmu.entry_writer=hitless",
    "policy.smmu.prefetch_cfg=on",
    "policy.iommu.direct_map_flush=before_attach",
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
};

const size_t sm_policy_preset_count =
    sizeof(sm_policy_presets) / sizeof(sm_policy_presets[0]);
