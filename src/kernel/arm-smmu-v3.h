/* SPDX-License-Identifier: MIT */
/*
 * The Linux SMMUv3 driver (drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.h):
 * its state and what the rest of the kernel model and the simulator call.
 *
 * The code is in iommu/arm-smmu-v3/, as in Linux's drivers/iommu/arm/
 * arm-smmu-v3/:
 *   arm-smmu-v3.c      probe and reset, STE and CD writes, attach
 *   arm-smmu-v3-cmdq.c command submission and batches
 *   arm-smmu-v3-domain.c  DMA domains, their ASID / VMID
 *   arm-smmu-v3-irq.c  the interrupt threads: the hardware's upcalls
 *   arm-smmu-v3-sva.c  SVA bind/unbind, the mm notifier (range vs ASID
 *                      invalidation), ASID sharing with DMA domains
 *   arm-smmu-v3-tlb.c  TLB invalidation: range (RIL windows or per
 *                      granule) and whole-ASID
 *   entry.c            the entry writer (arm_smmu_write_entry)
 * and iommu/io-pgtable-arm.c holds iommu_map/unmap of DMA domains.
 */
#ifndef SM_KERNEL_ARM_SMMU_V3_H
#define SM_KERNEL_ARM_SMMU_V3_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <smmusim/config.h>

#include "hw/mem/pgtable.h"
#include "kernel/mmu_notifier.h"

struct sm_frame;

struct sm_os;
struct sm_device;
struct sm_mm;
struct sm_smmu;
struct sm_stats;
struct sm_hist;

/* An SVA bond: a (StreamID, SubstreamID) bound to an mm (iommu_sva). */
struct sm_bond {
	uint32_t sid, ssid;
	struct sm_mm *mm;
	bool pri;
	struct sm_bond *next, *prev; /* every bond, newest first */
	struct sm_bond *sid_next;    /* the stream's bonds (sm_sid_cfg) */
};

/* The driver's notifier on one mm, shared by all its bonds
 * (arm_smmu_mmu_notifier). */
struct sm_smmu_sva_mn {
	struct sm_mn_sub sub;
	struct sm_os *os;
	struct sm_mm *mm;
	uint16_t asid; /* the mm's CPU ASID, or the SVA domain's own */
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
	bool finalised; /* attached once (arm_smmu_domain_finalise ran) */
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
	struct sm_bond *bonds; /* its SVA bonds, found without a scan */
};

/* An IOVA range unmapped from a DMA domain, awaiting a CMD_SYNC of the
 * context that unmapped it (`owner`: its PE, or -1 for the atomic paths):
 * another CPU's sync may come before this one's invalidation is queued. */
struct sm_window_rec {
	uint64_t root, start, end;
	int owner;
};

/* struct arm_smmu_device, with the master and domain state the model needs
 * (struct sm_os.drv). */
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
	/* The frame of the queue page last written and its address (0
	 * frame: none; arm-smmu-v3-cmdq.c, q_put; host time). */
	struct sm_frame *cmdq_frame;
	uint64_t cmdq_frame_pa;
	/* The batch being built (arm_smmu_cmdq_batch, on the caller's stack
	 * in Linux): the atomic paths' (probe, timers, upcalls), and one per
	 * PE's kernel thread, made on first use, so that no PE adds to
	 * another's. */
	uint64_t (*batch)[2];
	uint32_t nbatch, batch_max;
	uint64_t sync_cmd[2]; /* the CMD_SYNC it issues, built once */
	/* The last leaf table io-pgtable reached (io-pgtable-arm.c,
	 * iopte_slot; host time). */
	struct sm_pgt_path iopte_path;
	/* policy.smmu.cmdq_lock: the cycle the queue's lock (spinlock) or
	 * its reservation line (owner) is free again. */
	bool cmdq_spinlock;
	uint64_t cmdq_free_at, lat_cmdq_lock, lat_cmdq_waiter;
	/* When each CPU still waiting for the queue's line gets it
	 * (ascending: FIFO); at most one per PE. */
	uint64_t *cmdq_grants;
	unsigned ngrants;
	struct sm_cmd_batch {
		uint64_t (*c)[2];
		uint32_t n;
	} * pe_batch;
	uint64_t max_tlbi_ops; /* SVA, without RIL; 0 = no fallback */
	bool sva_flush_all;    /* (0, -1UL) -> TLBI_NH_ASID with RIL */
	bool sva_own_asid;     /* policy.smmu.sva_asid=own */
	char presets[64];      /* for the kernel-lockup message */
	bool skip_inv;
	int asid_move_order; /* policy.smmu.asid_move_order */
	bool ril;	     /* ARM_SMMU_FEAT_RANGE_INV, from IDR3.RIL */
	bool writer_v61;     /* policy.smmu.entry_writer=v6.1 */
	bool prefetch;	     /* policy.smmu.prefetch_cfg */
	uint64_t lat_cmd_write, lat_sync_poll, lat_msi, lat_mmio;
	bool sync_msi;
	uint64_t lat_evtq_irq;	 /* os.lat.evtq_irq */
	bool evtq_drain_pending; /* the event thread is due */
	struct sm_bond *bonds;
	struct sm_smmu_sva_mn *mns;
	struct sm_domain *domains;
	bool raw;   /* submitting a trace's own commands */
	bool ats;   /* devices have ATS: STEs get EATS, ATC_INV follows TLBIs */
	bool stall; /* dev.fault_mode=stall: SVA CDs get S = 1 */
	/* What-ifs (docs/policies.md): ARM_SMMU_FEAT_BTM as the unmerged BTM
	 * series would set it (IDR0.BTM and policy.smmu.btm; Linux: never),
	 * page requests serviced (policy.smmu.pri=service; Linux: denied),
	 * and the flush-all page-count overflow bug switch. */
	bool btm;
	bool pri_service;
	bool flushall_overflow_bug;
	struct sm_window_rec *win; /* unmapped IOVA ranges */
	size_t nwin, capwin;
	/* pa=0 pages unmapped, freed when their owner's windows close */
	struct sm_frame_rec {
		uint64_t pa;
		int owner;
	} * frames;
	size_t nframes, capframes;
	uint64_t *ctr;		     /* the stats by ID (engine/stats.h) */
	struct sm_hist *const *hist; /* the histograms by ID */
};

/* Probe: tables and queues in simulated memory, then the device reset's
 * invalidations. */
int sm_drv_init(struct sm_os *os, const smmusim_config_t *cfg,
		struct sm_stats *st, uint64_t *t);
void sm_drv_fini(struct sm_os *os);

/* SVA (arm-smmu-v3-sva.c). */
int sm_drv_sva_bind(struct sm_os *os, uint32_t sid, uint32_t ssid,
		    struct sm_mm *mm, bool pri, uint64_t *t);
int sm_drv_sva_unbind(struct sm_os *os, uint32_t sid, uint32_t ssid,
		      uint64_t *t);
/* The bond of (sid, ssid), NULL if none (sm_drv_find_bond, kernel.h, on
 * os->drv; inline, host time: every stalled fault looks its stream up). */
static inline struct sm_bond *sm_drv_bond_of(const struct sm_smmu_drv *d,
					     uint32_t sid, uint32_t ssid)
{
	if (sid >> d->sid_bits || !d->sids)
		return NULL;
	for (struct sm_bond *b = d->sids[sid].bonds; b; b = b->sid_next)
		if (b->ssid == ssid)
			return b;
	return NULL;
}

/* DMA domains.  stage: 1 or 2 (0 means 1); asid (stage 1) or vmid (stage
 * 2): 0 picks the lowest unused; nested: this stage-1 domain is nested over
 * the stage-2 domain `parent`. */
int sm_drv_domain_create(struct sm_os *os, uint32_t id, unsigned stage,
			 uint32_t asid, uint32_t vmid, bool nested,
			 uint32_t parent, uint64_t *t);
int sm_drv_attach(struct sm_os *os, uint32_t sid, uint32_t dom, bool cmds,
		  uint64_t *t);

/* TLB invalidation (arm-smmu-v3-tlb.c).  [iova, iova + size) of `asid`,
 * as __arm_smmu_tlb_inv_range: range commands (smmu.ril) or one per
 * `granule`, leaf-only or not, added to the batch and submitted with one
 * CMD_SYNC; size 0 issues nothing.  inv_asid: TLBI_NH_ASID + CMD_SYNC
 * (arm_smmu_tlb_inv_asid). */
int sm_drv_tlb_inv_range(struct sm_os *os, uint16_t asid, uint64_t iova,
			 uint64_t size, uint64_t granule, bool leaf,
			 uint64_t *t);
int sm_drv_tlb_inv_asid(struct sm_os *os, uint16_t asid, uint64_t *t);

/* Write one command into the queue and publish it; a CMD_SYNC is waited
 * for.  An illegal command halts the SMMU (CERROR_ILL); the driver
 * acknowledges it and goes on. */
int sm_drv_raw_cmd(struct sm_os *os, const uint64_t cmd[2], uint64_t *t);

/* The hardware's upcalls to the driver (arm-smmu-v3-irq.c): the SMMU's
 * event-queue interrupt runs the event thread on os->eng's clock (set it
 * first), and dev's page requests, stalls and PRI question reach the
 * driver.  A page request is answered PRI_RESP DENY, as Linux's
 * arm_smmu_handle_ppr does, or with policy.smmu.pri=service resolved
 * first (iommu_sva_handle_iopf); a stalled fault is resolved
 * (handle_mm_fault unless the device gives up) and answered CMD_RESUME with
 * RETRY or ABORT.  dev->ops.done, the caller's, is left alone. */
void sm_drv_wire_upcalls(struct sm_os *os, struct sm_device *dev);

#endif
