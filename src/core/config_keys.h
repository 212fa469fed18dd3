/* SPDX-License-Identifier: MIT */
/*
 * The key table: every configuration key of the simulator, in one X-macro.
 *
 *   B(ID, "name", default_bool, "description")
 *   U(ID, "name", default, min, max, "description")
 *   E(ID, "name", default_index, "word0|word1|...", "description")
 *
 * Descriptions are one line and end with where the number comes from:
 * "Linux constant", "gem5 default", "QEMU", "measured: ...", or "assumed"
 * when we had nothing better.  Keys are listed in the order `config --list`
 * prints them; docs/model.md says which model reads each family.
 */
#ifndef SM_CORE_CONFIG_KEYS_H
#define SM_CORE_CONFIG_KEYS_H

/* clang-format off */
#define SM_CONFIG_KEYS(B, U, E)                                                \
  U(SIM_SEED, "sim.seed", 1, 0, UINT64_MAX,                                    \
    "seed of the simulator's PRNG (reported in every result)")                 \
  U(MEM_SIZE, "mem.size", 1ull << 30, 1ull << 24, 1ull << 40,                  \
    "bytes of simulated RAM, starting at 0x40000000 (QEMU virt RAM base)")     \
  U(MEM_LATENCY, "mem.latency", 100, 0, 100000,                                \
    "cycles per descriptor read from memory by a walker (assumed)")            \
  U(CPU_COUNT, "cpu.count", 4, 1, 256,                                         \
    "processing elements in the inner-shareable domain")                       \
  U(CPU_TLB_ENTRIES, "cpu.tlb.entries", 1024, 1, 1u << 20,                     \
    "entries of each PE's unified TLB (assumed: Cortex-A76-class main TLB)")   \
  U(CPU_TLB_WAYS, "cpu.tlb.ways", 4, 1, 1024,                                  \
    "associativity of each PE's TLB; entries must be a multiple of ways")      \
  U(CPU_ASID_BITS, "cpu.asid_bits", 16, 8, 16,                                 \
    "ASID width (8 or 16; ID_AA64MMFR0_EL1.ASIDBits)")                         \
  U(CPU_LAT_TLB_HIT, "cpu.lat.tlb_hit", 1, 0, 100000,                          \
    "cycles of a TLB lookup that hits (assumed)")                              \
  U(CPU_LAT_TLBI, "cpu.lat.tlbi", 10, 0, 100000,                               \
    "cycles the issuing PE spends on one TLBI instruction (assumed)")          \
  U(CPU_LAT_DVM, "cpu.lat.dvm", 200, 0, 1000000,                               \
    "cycles to deliver a broadcast TLBI to another receiver (assumed)")        \
  U(CPU_LAT_TLBI_APPLY, "cpu.lat.tlbi_apply", 20, 0, 100000,                   \
    "cycles a receiver spends applying one TLBI (assumed)")                    \
  U(CPU_LAT_DSB, "cpu.lat.dsb", 30, 0, 100000,                                 \
    "base cycles of a DSB ISH with nothing outstanding (assumed)")             \
  U(SMMU_SID_BITS, "smmu.sid_bits", 8, 1, 16,                                  \
    "log2 of the linear stream table size (STRTAB_BASE_CFG.LOG2SIZE)")         \
  U(SMMU_SSID_BITS, "smmu.ssid_bits", 8, 1, 12,                                \
    "substream ID bits; linear CD tables of 2^ssid_bits entries (S1CDMax)")    \
  U(SMMU_IOTLB_ENTRIES, "smmu.iotlb.entries", 2048, 1, 1u << 20,               \
    "IOTLB entries (gem5 default main TLB: 2048)")                             \
  U(SMMU_IOTLB_WAYS, "smmu.iotlb.ways", 4, 1, 1024,                            \
    "IOTLB associativity (gem5 default: 4)")                                   \
  B(SMMU_IOTLB_PERM_FAULT_FROM_CACHE, "smmu.iotlb.perm_fault_from_cache", 1,   \
    "a write hitting a cached read-only entry faults without a walk, as the "  \
    "architecture permits (off: re-walk first, as gem5 does)")                 \
  U(SMMU_CFGCACHE_ENTRIES, "smmu.cfgcache.entries", 64, 1, 1u << 16,           \
    "configuration cache entries, STE+CD pairs (gem5 default: 64)")            \
  U(SMMU_CFGCACHE_WAYS, "smmu.cfgcache.ways", 4, 1, 1024,                      \
    "configuration cache associativity (gem5 default: 4)")                     \
  B(SMMU_BTM, "smmu.btm", 0,                                                   \
    "broadcast TLB maintenance: the SMMU applies CPU TLBIs to CDs with ASET=0")\
  U(SMMU_CMDQ_LOG2SIZE, "smmu.cmdq.log2size", 8, 1, 19,                        \
    "log2 of command queue entries (CMDQ_BASE.LOG2SIZE; Linux asks up to 19)") \
  U(SMMU_LAT_IOTLB_HIT, "smmu.lat.iotlb_hit", 3, 0, 100000,                    \
    "cycles of an IOTLB lookup (gem5 default tlb latency: 3)")                 \
  U(SMMU_LAT_CFG, "smmu.lat.cfg", 3, 0, 100000,                                \
    "cycles of a configuration cache lookup (gem5 default: 3)")                \
  U(SMMU_LAT_CMD, "smmu.lat.cmd", 20, 0, 1000000,                              \
    "cycles the SMMU takes to consume one command (assumed)")                  \
  U(SMMU_LAT_CMD_WRITE, "smmu.lat.cmd_write", 10, 0, 1000000,                  \
    "cycles the driver spends writing one command into the queue (assumed)")   \
  U(SMMU_LAT_SYNC_POLL, "smmu.lat.sync_poll", 50, 0, 1000000,                  \
    "cycles from CMD_SYNC completion to the polling CPU seeing it (assumed)")  \
  U(DEV_RETRY_LIMIT, "dev.retry_limit", 64, 1, 1000000,                        \
    "faults after which a device gives up on one access (bounds livelocks)")   \
  U(DEV_LAT_PRI, "dev.lat.pri", 2000, 0, 100000000,                            \
    "cycles from a fault to the page request reaching the kernel (assumed)")   \
  U(DEV_LAT_RETRY, "dev.lat.retry", 500, 0, 100000000,                         \
    "cycles from the page response to the device's retry (assumed)")          \
  U(OS_LAT_FAULT, "os.lat.fault", 1000, 0, 100000000,                          \
    "cycles of the kernel's fault handling, excluding flushes (assumed)")      \
  U(OS_LAT_PTE, "os.lat.pte", 5, 0, 100000,                                    \
    "cycles to write one PTE (assumed)")                                       \
  U(OS_LAT_SYSCALL, "os.lat.syscall", 500, 0, 100000000,                       \
    "fixed cycles of a mmap/munmap/mprotect call (assumed)")                   \
  E(POLICY_NOTIFIER_PLACEMENT, "policy.notifier.placement", 1,                 \
    "range_end|arch_flush",                                                    \
    "where the secondary-TLB hook runs: range_end (before 6.6) or arch_flush " \
    "(6.6+: from the arm64 TLB flush routines)")                               \
  U(POLICY_CPU_MAX_TLBI_OPS, "policy.cpu.max_tlbi_ops", 512, 1, 1u << 21,      \
    "flush_tlb_range: pages at which it becomes ASID-wide (MAX_TLBI_OPS = "    \
    "PTRS_PER_PTE, Linux constant)")                                           \
  U(POLICY_SMMU_MAX_TLBI_OPS, "policy.smmu.max_tlbi_ops", 512, 1, 1u << 21,    \
    "SVA notifier: pages at which it uses TLBI_NH_ASID (CMDQ_MAX_TLBI_OPS, "   \
    "Linux constant)")                                                         \
  U(POLICY_SMMU_BATCH, "policy.smmu.batch", 64, 1, 1u << 16,                   \
    "commands per batch before the driver submits (CMDQ_BATCH_ENTRIES, "       \
    "Linux constant)")                                                         \
  B(POLICY_SMMU_SKIP_INVALIDATION, "policy.smmu.skip_invalidation", 0,         \
    "fault injection: the SMMU driver issues no TLB invalidation at all")      \
  B(CHECK_ENABLE, "check.enable", 1,                                           \
    "run the coherence oracle on every translation")                           \
  U(CHECK_LIVELOCK_FAULTS, "check.livelock_faults", 16, 2, 1000000,            \
    "consecutive faults on one (agent, page, access) that the page table "     \
    "permits before fault-livelock is reported")
/* clang-format on */

enum sm_key_id {
#define SM_KEY_ID_B(id, ...) SM_K_##id,
#define SM_KEY_ID_U(id, ...) SM_K_##id,
#define SM_KEY_ID_E(id, ...) SM_K_##id,
	SM_CONFIG_KEYS(SM_KEY_ID_B, SM_KEY_ID_U, SM_KEY_ID_E)
#undef SM_KEY_ID_B
#undef SM_KEY_ID_U
#undef SM_KEY_ID_E
	    SM_K_COUNT_
};

/* Enum values (index into the allowed words). */
enum { SM_PLACEMENT_RANGE_END = 0, SM_PLACEMENT_ARCH_FLUSH = 1 };

#endif
