/* SPDX-License-Identifier: MIT */
/*
 * The kernel model: processes' address spaces, page faults, the arm64 TLB
 * flush routines, the mmu-notifier chain, and the SMMUv3 driver with SVA.
 *
 * It decides WHICH invalidations happen, as a given Linux version would, and
 * issues them like a real kernel: TLBI and DSB instructions on a PE, commands
 * into the SMMU's queue.  It never touches a cache directly.  Every operation
 * takes the cycle it starts at in *t and leaves the cycle it finishes at.
 *
 * Operations are atomic in simulated time: all their state changes happen
 * when they are called, and their duration is what they cost (docs/model.md
 * says what this hides).
 */
#ifndef SM_KERNEL_KERNEL_H
#define SM_KERNEL_KERNEL_H

#include <stdbool.h>
#include <stdint.h>

#include <smmusim/config.h>
#include <smmusim/event.h>

#include "base/errbuf.h"
#include "engine/stats.h"
#include "hw/cpu/cpu.h"
#include "hw/mem/physmem.h"
#include "hw/smmu/smmu.h"

struct sm_os;
struct sm_mm;

/* ---- mmu notifiers (include/linux/mmu_notifier.h) ---- */

enum sm_mn_event {
	SM_MN_UNMAP,
	SM_MN_CLEAR,
	SM_MN_PROTECTION_VMA,
	SM_MN_PROTECTION_PAGE,
	SM_MN_RELEASE,
};

struct sm_mn_sub;
struct sm_mn_ops {
	void (*invalidate_range_start)(struct sm_mn_sub *sub, struct sm_mm *mm,
				       uint64_t start, uint64_t end,
				       uint64_t *t);
	void (*invalidate_range_end)(struct sm_mn_sub *sub, struct sm_mm *mm,
				     uint64_t start, uint64_t end, uint64_t *t);
	/* Before 6.6 this op was ->invalidate_range(); where it is called
	 * from is policy.notifier.placement. */
	int (*arch_invalidate_secondary_tlbs)(struct sm_mn_sub *sub,
					      struct sm_mm *mm, uint64_t start,
					      uint64_t end, uint64_t *t);
	int (*release)(struct sm_mn_sub *sub, struct sm_mm *mm, uint64_t *t);
};

struct sm_mn_sub {
	const struct sm_mn_ops *ops;
	void *ctx;
	struct sm_mn_sub *next;
};

/* ---- address spaces ---- */

struct sm_file {
	uint32_t refs;
	uint64_t npages;
	uint64_t *pages; /* PA per page, 0 = not in the page cache yet */
};

struct sm_vma {
	uint64_t start, end;
	unsigned prot; /* SMMUSIM_PROT_* */
	bool shared;
	struct sm_file *file; /* shared mappings */
	uint64_t pgoff;	      /* page index of start in file */
};

struct sm_mm {
	uint32_t id;
	bool live;
	uint16_t asid;
	uint64_t pgd;
	struct sm_vma *vma;
	size_t nvma, cap;
	struct sm_mn_sub *subs;
	uint64_t rss;
	/* SVA pins the ASID (arm64_mm_context_get) so that it is not reused
	 * while a CD still names it; freed at exit or last unpin. */
	uint32_t asid_pins;
};

/* Free mm's ASID once it has exited and no SVA bond pins it. */
void sm_os_put_asid(struct sm_os *os, struct sm_mm *mm);

/* Hooks up to whoever watches the kernel (the oracle): a change that
 * removes or narrows mappings of [start, end) in the table at `root` opens a
 * window at *t; the kernel closes it when its flush has completed. */
struct sm_os_hooks {
	void (*window_open)(void *ctx, uint64_t root, uint64_t start,
			    uint64_t end, uint64_t cycle);
	void (*window_close)(void *ctx, uint64_t root, uint64_t start,
			     uint64_t end, uint64_t cycle);
	void *ctx;
};

/* ---- the SMMU driver (drivers/iommu/arm/arm-smmu-v3) ---- */

struct sm_bond {
	uint32_t sid, ssid;
	struct sm_mm *mm;
	bool pri;
	struct sm_bond *next;
};

struct sm_smmu_sva_mn {
	struct sm_mn_sub sub;
	struct sm_os *os;
	struct sm_mm *mm;
	uint32_t bonds;
	struct sm_smmu_sva_mn *next;
};

/* An IOMMU domain for DMA: its own io-pgtable (drivers/iommu/
 * io-pgtable-arm.c) and an SMMU ASID (stage 1) or VMID (stage 2); a nested
 * domain is a stage-1 domain whose tables are read through its parent's
 * stage 2 (arm_smmu_domain, IOMMU_DOMAIN_NESTED). */
struct sm_domain {
	uint32_t id;
	uint8_t stage; /* 1 or 2 */
	uint16_t asid; /* stage 1 */
	uint16_t vmid; /* stage 2 */
	uint64_t pgd;
	struct sm_domain *parent; /* nested: the stage-2 domain */
	struct sm_domain *next;
};

/* What the driver set up for one StreamID. */
enum sm_sid_mode {
	SM_SID_NONE = 0, /* abort STE */
	SM_SID_CDTAB,	 /* stage 1 through the CD table */
	SM_SID_S2,	 /* stage 2 only */
	SM_SID_NESTED,	 /* the CD table's stage 1 over a stage 2 */
};

struct sm_sid_cfg {
	uint8_t mode;	 /* enum sm_sid_mode */
	uint64_t cdtab;	 /* CD table (linear) or its L1 table, 0 = none */
	uint64_t *cdl2;	 /* 2-level CD table: leaf table PA per L1 index */
	uint32_t dom_s2; /* S2 / nested: the stage-2 domain's id */
	bool has_dom;	 /* CD 0 holds domain dom_s1's context */
	uint32_t dom_s1;
};

struct sm_smmu_drv {
	struct sm_smmu *smmu;
	uint64_t strtab; /* linear table, or the L1 table when strtab_2lvl */
	unsigned sid_bits, ssid_bits;
	bool strtab_2lvl;    /* STRTAB_BASE_CFG.FMT = 2-level, SPLIT 8 */
	uint64_t *strtab_l2; /* 2-level: L2 table PA per L1 index, 0 = none */
	bool cd_2lvl;	     /* ssid_bits > 10: 2-level CD tables, 64K leaves */
	struct sm_sid_cfg *sids; /* per StreamID */
	uint64_t cmdq;
	unsigned cmdq_log2size;
	uint32_t prod; /* shadow of CMDQ_PROD */
	uint64_t (*batch)[2];
	uint32_t nbatch, batch_max;
	uint64_t max_tlbi_ops;
	bool skip_inv;
	uint64_t lat_cmd_write, lat_sync_poll, lat_msi, lat_mmio;
	bool sync_msi;
	struct sm_bond *bonds;
	struct sm_smmu_sva_mn *mns;
	struct sm_domain *domains;
	bool raw;   /* submitting a trace's own commands */
	bool ats;   /* devices have ATS: STEs get EATS, ATC_INV follows TLBIs */
	bool stall; /* dev.fault_mode=stall: SVA CDs get S = 1 */
	struct sm_window_rec {
		uint64_t root, start, end;
	} * win; /* unmapped IOVA ranges awaiting a CMD_SYNC */
	size_t nwin, capwin;
	uint64_t *st_cerror_ill, *st_raw_cmds, *st_dma_maps, *st_dma_unmaps,
	    *st_entry_syncs, *st_entry_breaking, *st_full_stall_cycles,
	    *st_sync_polls, *st_l2_tables, *st_asid_moves;
	uint64_t *st_submits, *st_sva_inv_range, *st_sva_inv_asid,
	    *st_sva_inv_skipped, *st_full_stalls;
	struct sm_hist *h_sync_wait;
};

struct sm_os {
	const struct smmusim_allocator *alloc;
	struct sm_physmem *pm;
	struct sm_cpu *cpu;
	struct sm_smmu *smmu;
	struct sm_errbuf *eb;
	struct sm_os_hooks hooks;

	struct sm_mm **mm;
	size_t nmm, capmm;
	uint64_t zero_page;
	uint8_t *asid_used;
	uint32_t asid_count, asid_next;

	unsigned placement; /* SM_PLACEMENT_* */
	uint64_t cpu_max_tlbi_ops;
	unsigned range_split; /* SM_RANGE_SPLIT_* */
	bool range_start_bug; /* policy.notifier.range_start_bug */
	uint64_t lat_fault, lat_pte, lat_syscall;

	struct sm_smmu_drv drv;

	uint64_t *st_mn_calls, *st_mn_start, *st_mn_end, *st_mn_release;
	uint64_t *st_flush_mm, *st_flush_page, *st_flush_range;
	uint64_t *st_flush_mm_cyc, *st_flush_page_cyc, *st_flush_range_cyc;
	uint64_t *st_batch_add, *st_batch_add_cyc, *st_batch_flush,
	    *st_batch_flush_cyc;
	uint64_t *st_faults_cpu, *st_faults_dev, *st_faults_bad, *st_cow,
	    *st_upgrades, *st_spurious, *st_pages_alloc, *st_pages_freed,
	    *st_syscalls;
	struct sm_hist *h_fault;
};

int sm_os_init(struct sm_os *os, const struct smmusim_allocator *a,
	       const smmusim_config_t *cfg, struct sm_physmem *pm,
	       struct sm_cpu *cpu, struct sm_smmu *smmu, struct sm_stats *st,
	       struct sm_errbuf *eb, uint64_t *t);
void sm_os_fini(struct sm_os *os);

struct sm_mm *sm_os_find_mm(struct sm_os *os, uint32_t id);

/* Syscalls and process lifetime.  `pe` is the PE the call runs on.
 * Failures (an unknown mm, an unaligned address) return a negative code
 * with a message in os->eb. */
int sm_os_mm_create(struct sm_os *os, uint32_t id, uint64_t *t);
int sm_os_mmap(struct sm_os *os, uint32_t id, unsigned pe, uint64_t va,
	       uint64_t len, unsigned prot, bool shared, uint64_t *t);
int sm_os_munmap(struct sm_os *os, uint32_t id, unsigned pe, uint64_t va,
		 uint64_t len, uint64_t *t);
int sm_os_mprotect(struct sm_os *os, uint32_t id, unsigned pe, uint64_t va,
		   uint64_t len, unsigned prot, uint64_t *t);
int sm_os_mm_exit(struct sm_os *os, uint32_t id, unsigned pe, uint64_t *t);
/* madvise(MADV_DONTNEED): drop the pages of a mapped range. */
int sm_os_madvise_dontneed(struct sm_os *os, uint32_t id, unsigned pe,
			   uint64_t va, uint64_t len, uint64_t *t);
/* Page reclaim of the present pages of [va, va+len) with the batched,
 * deferred TLB flush (try_to_unmap + try_to_unmap_flush). */
int sm_os_reclaim(struct sm_os *os, uint32_t id, unsigned pe, uint64_t va,
		  uint64_t len, uint64_t *t);

/* handle_mm_fault (mm/memory.c) for a CPU fault or a device page request.
 * *ok says whether the fault was resolved (false: SIGSEGV for a CPU, a
 * failure response for a device). */
int sm_os_handle_mm_fault(struct sm_os *os, struct sm_mm *mm, unsigned pe,
			  uint64_t va, enum smmusim_access acc, bool remote,
			  bool *ok, uint64_t *t);

/* ---- notifier chain (src/os/notifier.c) ---- */
void sm_mn_register(struct sm_mm *mm, struct sm_mn_sub *sub);
void sm_mn_unregister(struct sm_mm *mm, struct sm_mn_sub *sub);
void sm_mn_invalidate_range_start(struct sm_os *os, struct sm_mm *mm,
				  enum sm_mn_event ev, uint64_t start,
				  uint64_t end, uint64_t *t);
/* only_end: mmu_notifier_invalidate_range_only_end(), which never called
 * ->invalidate_range() (the caller already did, next to the PTE clear). */
int sm_mn_invalidate_range_end(struct sm_os *os, struct sm_mm *mm,
			       uint64_t start, uint64_t end, bool only_end,
			       uint64_t *t);
/* Called by the arm64 flush routines (6.6+ placement). */
int sm_mn_arch_invalidate_secondary_tlbs(struct sm_os *os, struct sm_mm *mm,
					 uint64_t start, uint64_t end,
					 uint64_t *t);
/* ptep_clear_flush_notify(): the pre-6.6 call site next to a PTE clear. */
int sm_mn_clear_flush_notify(struct sm_os *os, struct sm_mm *mm, uint64_t start,
			     uint64_t end, uint64_t *t);
int sm_mn_release(struct sm_os *os, struct sm_mm *mm, uint64_t *t);

/* ---- arm64 flush routines (src/os/flush.c) ---- */
int sm_flush_tlb_mm(struct sm_os *os, struct sm_mm *mm, unsigned pe,
		    uint64_t *t);
int sm_flush_tlb_page(struct sm_os *os, struct sm_mm *mm, unsigned pe,
		      uint64_t va, uint64_t *t);
/* flush_tlb_range(): all levels, no level hint. */
int sm_flush_tlb_range(struct sm_os *os, struct sm_mm *mm, unsigned pe,
		       uint64_t start, uint64_t end, uint64_t *t);
/* __flush_tlb_range(vma, start, end, PAGE_SIZE, last_level, tlb_level), as
 * mmu_gather's tlb_flush calls it (tlb_level 3: only PTEs changed). */
int sm_flush_tlb_range_ex(struct sm_os *os, struct sm_mm *mm, unsigned pe,
			  uint64_t start, uint64_t end, bool last_level,
			  unsigned tlb_level, uint64_t *t);
/* Batched (deferred) flush of reclaim and migration. */
int sm_tlbbatch_add_pending(struct sm_os *os, struct sm_mm *mm, unsigned pe,
			    uint64_t va, uint64_t *t);
void sm_tlbbatch_flush(struct sm_os *os, unsigned pe, uint64_t *t);

/* ---- SMMU driver and SVA (src/os/smmu_drv.c) ---- */
int sm_drv_init(struct sm_os *os, const smmusim_config_t *cfg,
		struct sm_stats *st, uint64_t *t);
void sm_drv_fini(struct sm_os *os);
int sm_drv_sva_bind(struct sm_os *os, uint32_t sid, uint32_t ssid,
		    struct sm_mm *mm, bool pri, uint64_t *t);
int sm_drv_sva_unbind(struct sm_os *os, uint32_t sid, uint32_t ssid,
		      uint64_t *t);
struct sm_bond *sm_drv_find_bond(struct sm_os *os, uint32_t sid, uint32_t ssid);
/* DMA domains and a trace's raw commands. */
/* stage: 1 or 2 (0 means 1); asid (stage 1) or vmid (stage 2): 0 picks
 * the lowest unused; nested: this stage-1 domain is nested over the
 * stage-2 domain `parent`. */
int sm_drv_domain_create(struct sm_os *os, uint32_t id, unsigned stage,
			 uint32_t asid, uint32_t vmid, bool nested,
			 uint32_t parent, uint64_t *t);
int sm_drv_attach(struct sm_os *os, uint32_t sid, uint32_t dom, bool cmds,
		  uint64_t *t);
int sm_drv_iommu_map(struct sm_os *os, uint32_t dom, uint64_t va, uint64_t len,
		     uint64_t pa, unsigned prot, uint64_t *t);
int sm_drv_iommu_unmap(struct sm_os *os, uint32_t dom, uint64_t va,
		       uint64_t len, uint64_t *t);
/* Write one command into the queue and publish it; a CMD_SYNC is waited
 * for.  An illegal command halts the SMMU (CERROR_ILL); the driver
 * acknowledges it and goes on. */
int sm_drv_raw_cmd(struct sm_os *os, const uint64_t cmd[2], uint64_t *t);
/* iommu_sva_handle_iopf + page response: resolve a device page request. */
int sm_drv_page_request(struct sm_os *os, uint32_t sid, uint32_t ssid,
			uint64_t va, bool write, bool *ok, uint64_t *t);
/* The stall model's counterpart: the event thread resolves a stalled
 * fault (handle_mm_fault unless give_up) and answers CMD_RESUME with
 * RETRY or ABORT for `stag`; *t is when the SMMU has consumed it. */
int sm_drv_stall_resume(struct sm_os *os, uint32_t sid, uint32_t ssid,
			uint64_t va, bool write, uint16_t stag, bool give_up,
			bool *ok, uint64_t *t);

#endif
