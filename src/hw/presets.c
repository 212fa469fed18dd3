/* SPDX-License-Identifier: MIT */
/*
 * Hardware presets: what other simulators model, as sets of keys, so that
 * their numbers can be reproduced (docs/validation.md) and compared with
 * ours.  Data only: the engine applies a preset (sm_cfg_apply_preset), the
 * composition root (src/sim/presets.c) puts it behind
 * smmusim_config_apply_preset().
 */
#include "hw/presets.h"

/* Neither QEMU nor gem5 gives SMMU commands a duration: both execute a
 * command, invalidations included, in the same instant it is read; neither
 * models BTM. */
#define SM_ZERO_TIME_COMMANDS                                                  \
	"smmu.lat.cmd=0", "smmu.lat.cmd_cfgi=0", "smmu.lat.cmd_tlbi=0",        \
	    "smmu.lat.cmd_sync=0", "smmu.lat.inv_scan=0", "smmu.btm=off"

static const char *const hw_qemu_7_2[] = {
    /* hw/arm/smmu-common.c: one hash table of SMMU_IOTLB_MAX_SIZE (256)
     * entries, emptied when an insert finds it full; no micro-TLB; the
     * configuration cache is unbounded; commands take no time. */
    "smmu.iotlb.entries=256",
    "smmu.iotlb.ways=256",
    "smmu.iotlb.replacement=flushall",
    "smmu.iotlb.perm_fault_from_cache=on",
    "smmu.iotlb.cache_translation_faults=off",
    "smmu.utlb.entries=0",
    "smmu.walkcache.entries=0",
    "smmu.cfgcache.entries=4096",
    "smmu.cfgcache.ways=16",
    "smmu.lat.iotlb_hit=0",
    "smmu.lat.cfg=0",
    /* hw/arm/smmuv3.c smmuv3_init_regs sets IDR3.RIL (range invalidation). */
    "smmu.ril=on",
    SM_ZERO_TIME_COMMANDS,
};

static const char *const hw_gem5[] = {
    /* src/dev/arm/SMMUv3.py defaults: main TLB 2048 x 4 (round robin),
     * config cache 64 x 4, tlb/cfg lookup 3 cycles; cached read-only
     * entries do not make writes fault (a re-walk decides). */
    "smmu.iotlb.entries=2048",
    "smmu.iotlb.ways=4",
    "smmu.iotlb.replacement=rr",
    "smmu.iotlb.perm_fault_from_cache=off",
    "smmu.iotlb.cache_translation_faults=off",
    "smmu.utlb.entries=32",
    "smmu.utlb.ways=32",
    "smmu.lat.utlb_hit=1",
    "smmu.cfgcache.entries=64",
    "smmu.cfgcache.ways=4",
    "smmu.lat.iotlb_hit=3",
    "smmu.lat.cfg=3",
    SM_ZERO_TIME_COMMANDS,
};

const struct sm_preset sm_hw_presets[] = {
    SM_PRESET("qemu-7.2",
	      "QEMU 7.2's SMMUv3: 256-entry IOTLB flushed whole when full, no "
	      "micro-TLB, unbounded config cache, zero-time commands",
	      hw_qemu_7_2),
    SM_PRESET(
	"gem5-default",
	"gem5's SMMUv3 defaults: 2048x4 main TLB (rr), 64x4 config cache, "
	"3-cycle lookups, zero-time invalidations, cached RO entries never "
	"fault a write",
	hw_gem5),
};

const size_t sm_hw_preset_count =
    sizeof(sm_hw_presets) / sizeof(sm_hw_presets[0]);
