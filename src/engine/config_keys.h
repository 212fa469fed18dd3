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
#ifndef SM_ENGINE_CONFIG_KEYS_H
#define SM_ENGINE_CONFIG_KEYS_H

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
  U(CPU_L1I_ENTRIES, "cpu.l1i.entries", 48, 1, 1u << 16,                      \
    "entries of each PE's L1 instruction micro-TLB (Cortex-A76 TRM: 48)")     \
  U(CPU_L1I_WAYS, "cpu.l1i.ways", 48, 1, 1u << 16,                             \
    "L1 instruction micro-TLB ways (A76: fully associative)")                 \
  E(CPU_L1I_REPL, "cpu.l1i.replacement", 0, "lru|rr|random",                   \
    "L1 instruction micro-TLB replacement")                                    \
  U(CPU_L1D_ENTRIES, "cpu.l1d.entries", 48, 1, 1u << 16,                       \
    "entries of each PE's L1 data micro-TLB (Cortex-A76 TRM: 48)")            \
  U(CPU_L1D_WAYS, "cpu.l1d.ways", 48, 1, 1u << 16,                             \
    "L1 data micro-TLB ways (A76: fully associative)")                        \
  E(CPU_L1D_REPL, "cpu.l1d.replacement", 0, "lru|rr|random",                   \
    "L1 data micro-TLB replacement")                                           \
  U(CPU_TLB_ENTRIES, "cpu.tlb.entries", 1280, 1, 1u << 20,                     \
    "entries of each PE's unified main TLB (Cortex-A76 TRM L2 TLB: 1280)")    \
  U(CPU_TLB_WAYS, "cpu.tlb.ways", 5, 1, 1024,                                  \
    "main TLB ways (A76: 5); entries must be a multiple of ways")              \
  E(CPU_TLB_REPL, "cpu.tlb.replacement", 0, "lru|rr|random",                   \
    "main TLB replacement (random draws from the seeded PRNG)")                \
  U(CPU_WALKCACHE_ENTRIES, "cpu.walkcache.entries", 64, 1, 1u << 16,           \
    "entries of each PE's walk cache of table descriptors (assumed)")          \
  U(CPU_WALKCACHE_WAYS, "cpu.walkcache.ways", 4, 1, 1024,                      \
    "walk cache ways (assumed)")                                               \
  E(CPU_WALKCACHE_REPL, "cpu.walkcache.replacement", 0, "lru|rr|random",       \
    "walk cache replacement")                                                  \
  U(CPU_ASID_BITS, "cpu.asid_bits", 16, 8, 16,                                 \
    "ASID width, 8 or 16 (ID_AA64MMFR0_EL1.ASIDBits)")                         \
  B(CPU_FEAT_TLBIRANGE, "cpu.feat_tlbirange", 0,                               \
    "FEAT_TLBIRANGE: range TLBIs (RVAE1IS...); Armv8.4, absent on A76")        \
  B(CPU_FEAT_TTL, "cpu.feat_ttl", 0,                                           \
    "FEAT_TTL: level hints in TLBI by VA; Armv8.4, absent on A76")             \
  B(CPU_KPTI, "cpu.kpti", 0,                                                   \
    "kernel unmapped at EL0: user ASIDs are odd, every user TLBI is issued "   \
    "twice (__tlbi_user, USER_ASID_FLAG = operand bit 48)")                    \
  U(CPU_LAT_L1_HIT, "cpu.lat.l1_hit", 1, 0, 100000,                            \
    "cycles of an L1 micro-TLB lookup (assumed)")                              \
  U(CPU_LAT_TLB_HIT, "cpu.lat.tlb_hit", 5, 0, 100000,                          \
    "cycles of a main TLB lookup after an L1 miss (assumed)")                  \
  U(CPU_LAT_WALKCACHE, "cpu.lat.walkcache", 2, 0, 100000,                      \
    "cycles of a walk cache lookup (assumed)")                                 \
  U(CPU_LAT_WALK_LEVEL, "cpu.lat.walk_level", 30, 0, 1000000,                  \
    "cycles per descriptor read by a PE's walker (assumed: L2-cache hit)")     \
  U(CPU_LAT_TLBI, "cpu.lat.tlbi", 10, 0, 100000,                               \
    "cycles the issuing PE spends on one TLBI instruction (assumed)")          \
  U(CPU_LAT_DVM, "cpu.lat.dvm", 200, 0, 1000000,                               \
    "cycles to deliver a broadcast TLBI to another receiver (assumed)")        \
  U(CPU_DVM_OCCUPANCY, "cpu.dvm.occupancy", 40, 0, 1000000,                    \
    "cycles the interconnect is busy per broadcast TLBI: its throughput "      \
    "limit; concurrent broadcasts queue behind each other (assumed)")          \
  U(CPU_LAT_TLBI_APPLY, "cpu.lat.tlbi_apply", 20, 0, 100000,                   \
    "cycles a receiver spends applying one TLBI (assumed)")                    \
  U(CPU_LAT_DSB, "cpu.lat.dsb", 30, 0, 100000,                                 \
    "base cycles of a DSB with nothing outstanding (assumed)")                 \
  U(SMMU_SID_BITS, "smmu.sid_bits", 8, 1, 20,                                  \
    "StreamID bits (STRTAB_BASE_CFG.LOG2SIZE); above 16 needs "                \
    "smmu.strtab.format=2lvl")                                                 \
  E(SMMU_STRTAB_FORMAT, "smmu.strtab.format", 0, "linear|2lvl",               \
    "stream table: one linear table, or 2-level with 256-STE L2 tables "      \
    "made as devices appear (STRTAB_BASE_CFG.FMT, Linux STRTAB_SPLIT 8)")     \
  U(SMMU_SSID_BITS, "smmu.ssid_bits", 8, 1, 20,                                \
    "substream ID bits (S1CDMax); up to 10 a linear CD table, above 10 a "     \
    "2-level one with 1024-CD leaves (Linux CTXDESC_LINEAR_CDMAX)")            \
  U(SMMU_IOTLB_ENTRIES, "smmu.iotlb.entries", 2048, 1, 1u << 20,               \
    "IOTLB entries (gem5 default main TLB: 2048)")                             \
  U(SMMU_IOTLB_WAYS, "smmu.iotlb.ways", 4, 1, 1024,                            \
    "IOTLB associativity (gem5 default: 4)")                                   \
  U(SMMU_UTLB_ENTRIES, "smmu.utlb.entries", 32, 0, 1u << 16,                  \
    "entries of the per-stream micro-TLB in front of the IOTLB; 0 = none "     \
    "(gem5 default: 32, fully associative)")                                   \
  U(SMMU_UTLB_WAYS, "smmu.utlb.ways", 32, 1, 1u << 16,                         \
    "micro-TLB associativity (gem5: fully associative)")                       \
  U(SMMU_WALKCACHE_ENTRIES, "smmu.walkcache.entries", 64, 0, 1u << 16,         \
    "SMMU walk cache of table descriptors, levels 0-2; 0 = none (assumed)")   \
  U(SMMU_WALKCACHE_WAYS, "smmu.walkcache.ways", 4, 1, 1024,                    \
    "SMMU walk cache associativity (assumed)")                                 \
  B(SMMU_IOTLB_CACHE_TRANSLATION_FAULTS,                                       \
    "smmu.iotlb.cache_translation_faults", 0,                                  \
    "negative caching: a translation fault is cached, so a later map needs "   \
    "an invalidation (as AMD NpCache or VT-d caching mode)")                   \
  U(SMMU_LAT_UTLB_HIT, "smmu.lat.utlb_hit", 1, 0, 100000,                      \
    "cycles of a micro-TLB lookup (gem5 default: 1)")                          \
  U(SMMU_LAT_WALKCACHE, "smmu.lat.walkcache", 1, 0, 100000,                    \
    "cycles of an SMMU walk cache lookup (assumed)")                           \
  E(SMMU_IOTLB_REPL, "smmu.iotlb.replacement", 0, "lru|rr|random|flushall",  \
    "IOTLB replacement; flushall: empty the whole IOTLB when an insert finds "  \
    "it full (QEMU 7.2's smmu_iotlb_insert)")                                  \
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
  U(SMMU_EVTQ_LOG2SIZE, "smmu.evtq.log2size", 7, 1, 19,                        \
    "log2 of event queue entries (EVTQ_BASE.LOG2SIZE); records beyond a full " \
    "queue are lost and EVTQ_PROD.OVFLG toggles")                              \
  U(SMMU_PRIQ_LOG2SIZE, "smmu.priq.log2size", 7, 1, 19,                        \
    "log2 of PRI queue entries (PRIQ_BASE.LOG2SIZE); a page request that "     \
    "finds it full is lost (PRIQ_PROD.OVFLG), its access fails")               \
  U(OS_LAT_EVTQ_IRQ, "os.lat.evtq_irq", 5000, 0, 100000000,                   \
    "cycles from an event record to the kernel's event-queue IRQ thread "      \
    "draining the queue (assumed)")                                            \
  U(SMMU_LAT_IOTLB_HIT, "smmu.lat.iotlb_hit", 3, 0, 100000,                    \
    "cycles of an IOTLB lookup (gem5 default tlb latency: 3)")                 \
  U(SMMU_LAT_CFG, "smmu.lat.cfg", 3, 0, 100000,                                \
    "cycles of a configuration cache lookup (gem5 default: 3)")                \
  U(SMMU_LAT_CMD, "smmu.lat.cmd", 20, 0, 1000000,                              \
    "cycles the SMMU takes to consume one command (assumed)")                  \
  U(SMMU_LAT_CMD_CFGI, "smmu.lat.cmd_cfgi", 0, 0, 1000000,                    \
    "extra cycles of a CFGI_* command on top of smmu.lat.cmd (assumed)")      \
  U(SMMU_LAT_CMD_TLBI, "smmu.lat.cmd_tlbi", 0, 0, 1000000,                    \
    "extra cycles of a TLBI_* command, or a BTM broadcast TLBI, on top of "    \
    "smmu.lat.cmd (assumed; see docs/model.md for a published calibration)")  \
  U(SMMU_LAT_CMD_SYNC, "smmu.lat.cmd_sync", 0, 0, 1000000,                    \
    "extra cycles of a CMD_SYNC on top of smmu.lat.cmd (assumed)")            \
  U(SMMU_LAT_INV_SCAN, "smmu.lat.inv_scan", 0, 0, 100000,                      \
    "cycles per IOTLB set an invalidation visits: one per page of a VA "       \
    "or range TLBI, every set for ASID, VMID and ALL forms (assumed)")         \
  U(SMMU_LAT_CMD_WRITE, "smmu.lat.cmd_write", 10, 0, 1000000,                  \
    "cycles the driver spends writing one command into the queue (assumed)")   \
  E(POLICY_SMMU_SYNC_WAIT, "policy.smmu.sync_wait", 0, "msi|cons",            \
    "how the driver learns a CMD_SYNC completed: msi (CS=SIG_NONE with an "    \
    "MSI write it polls in memory, Linux's default) or cons (polling "         \
    "CMDQ_CONS over MMIO)")                                                    \
  U(SMMU_LAT_MSI, "smmu.lat.msi", 100, 0, 1000000,                             \
    "cycles for a CMD_SYNC's MSI write to reach memory (assumed)")             \
  U(SMMU_LAT_MMIO_READ, "smmu.lat.mmio_read", 300, 1, 1000000,                 \
    "cycles of one CMDQ_CONS register read while polling (assumed)")           \
  U(SMMU_XLATE_SLOTS, "smmu.xlate_slots", 8, 1, 1024,                          \
    "translations the SMMU works on at once; more wait for a slot (assumed)") \
  U(SMMU_LAT_SYNC_POLL, "smmu.lat.sync_poll", 50, 0, 1000000,                  \
    "cycles from CMD_SYNC completion to the polling CPU seeing it (assumed)")  \
  B(DEV_ATS, "dev.ats", 0,                                                     \
    "devices support ATS: the driver sets STE.EATS, devices cache "            \
    "translations in their ATC and the driver sends ATC_INV")                  \
  U(DEV_ATC_ENTRIES, "dev.atc.entries", 64, 1, 1u << 16,                       \
    "entries of each device's ATC (assumed)")                                  \
  U(DEV_ATC_WAYS, "dev.atc.ways", 64, 1, 1u << 16,                             \
    "ATC associativity (assumed: fully associative)")                          \
  U(DEV_LAT_ATS, "dev.lat.ats", 1000, 0, 100000000,                            \
    "cycles of a PCIe ATS translation request round trip, excluding the "      \
    "SMMU's translation (assumed)")                                            \
  U(DEV_LAT_ATC_HIT, "dev.lat.atc_hit", 1, 0, 100000,                          \
    "cycles of an ATC lookup in the device (assumed)")                         \
  E(DEV_FAULT_MODE, "dev.fault_mode", 0, "pri|stall",                          \
    "how a device bound with pri=on recovers a fault: pri (PCIe page "         \
    "requests, PRI_RESP) or stall (a platform device: CD.S=1, the SMMU "      \
    "holds the transaction, the kernel answers with CMD_RESUME)")              \
  U(SMMU_STALL_SLOTS, "smmu.stall.slots", 64, 1, 65536,                        \
    "stalled transactions the SMMU can hold; a fault finding none free is "   \
    "terminated (assumed)")                                                    \
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
  E(POLICY_CPU_RANGE_SPLIT, "policy.cpu.range_split", 1,                       \
    "ascending|descending",                                                    \
    "__flush_tlb_range_op: ascending (6.6: odd page first, scale from 0) or "  \
    "descending (later kernels: scale from 3 down)")                           \
  B(POLICY_NOTIFIER_RANGE_START_BUG, "policy.notifier.range_start_bug", 0,    \
    "6.6.0-6.13: __flush_tlb_range hands the hook start == end (the macro "    \
    "advanced start); the SVA notifier then flushes the whole ASID")           \
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
enum { SM_RANGE_SPLIT_ASCENDING = 0, SM_RANGE_SPLIT_DESCENDING = 1 };
/* Replacement keys' words are in enum sm_tc_repl order (lru, rr, random). */

#endif
