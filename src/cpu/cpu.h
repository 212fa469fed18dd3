/* SPDX-License-Identifier: MIT */
/*
 * The CPU side: processing elements (PEs) with their TLBs, TLBI execution,
 * broadcast over the inner-shareable domain (DVM), and DSB completion.
 *
 * Timing.  A TLBI costs its issuer `cpu.lat.tlbi` cycles.  A broadcast (IS)
 * TLBI reaches every other receiver `cpu.lat.dvm` cycles later; each
 * receiver applies TLBIs one after another, `cpu.lat.tlbi_apply` cycles
 * each, so a receiver that is sent many TLBIs at once falls behind (the
 * bystander cost).  A DSB ISH on the issuer completes when every receiver has
 * completed every TLBI the issuer sent before it (Arm ARM B2.3.12 "DSB",
 * D8.16.2 "TLB maintenance instructions": completion is only guaranteed by
 * the DSB), or after `cpu.lat.dsb` if nothing is outstanding.
 *
 * Functional state changes at issue: entries are removed from every
 * receiver's TLB when the TLBI is executed.  The cycle at which each
 * receiver completes is accounted for the DSB, but an access that a receiver
 * makes between issue and completion already misses (see docs/model.md).
 */
#ifndef SM_CPU_CPU_H
#define SM_CPU_CPU_H

#include <stdbool.h>
#include <stdint.h>

#include <smmusim/config.h>

#include "core/errbuf.h"
#include "core/stats.h"
#include "cpu/tlbi.h"
#include "mem/observe.h"
#include "mem/physmem.h"
#include "mem/tcache.h"

/* Something other than a PE that receives broadcast TLBIs (an SMMU with
 * BTM).  apply() performs the invalidation that arrives at `arrive` and
 * returns the cycle at which it is complete. */
struct sm_dvm_receiver {
	uint64_t (*apply)(void *ctx, const struct sm_tlbi *t, uint64_t arrive);
	void *ctx;
};

#define SM_CPU_MAX_EXT_RECEIVERS 4

struct sm_pe {
	struct sm_tcache tlb;
	uint64_t rx_busy_until; /* as a receiver: applying TLBIs until */
	uint64_t pending_done;	/* as an issuer: completion of its TLBIs */
	char tlb_name[24];
};

struct sm_cpu {
	const struct smmusim_allocator *alloc;
	const struct sm_physmem *pm;
	unsigned n;	 /* PEs */
	unsigned n_tlbs; /* PEs whose TLB is initialised */
	struct sm_pe *pe;
	struct sm_dvm_receiver ext[SM_CPU_MAX_EXT_RECEIVERS];
	unsigned n_ext;
	struct sm_xlate_observer obs;

	uint64_t lat_hit, lat_tlbi, lat_dvm, lat_apply, lat_dsb, lat_mem;

	uint64_t *st_issued[SM_TLBI_OP_COUNT_][2];
	uint64_t *st_received[SM_TLBI_OP_COUNT_][2];
	uint64_t *st_dsb_ish, *st_dsb_ishst, *st_hits, *st_misses, *st_walks;
	uint64_t *st_walk_reads, *st_bystander, *st_invalidated, *st_evictions;
	uint64_t *st_fault_translation, *st_fault_permission, *st_fault_af,
	    *st_fault_addr;
	struct sm_hist *h_dsb_wait;
};

int sm_cpu_init(struct sm_cpu *cpu, const struct smmusim_allocator *a,
		const smmusim_config_t *cfg, const struct sm_physmem *pm,
		struct sm_stats *stats, struct sm_errbuf *eb);
void sm_cpu_fini(struct sm_cpu *cpu);
int sm_cpu_add_receiver(struct sm_cpu *cpu, const struct sm_dvm_receiver *r);

/* Execute a TLBI on PE `pe` at `now`; returns when the issuer may go on. */
uint64_t sm_cpu_tlbi(struct sm_cpu *cpu, unsigned pe, enum sm_tlbi_op op,
		     bool is, uint64_t operand, uint64_t now);
/* DSB ISH: returns the cycle at which it completes. */
uint64_t sm_cpu_dsb_ish(struct sm_cpu *cpu, unsigned pe, uint64_t now);
/* DSB ISHST before TLBIs (makes PTE stores visible): a fixed cost. */
uint64_t sm_cpu_dsb_ishst(struct sm_cpu *cpu, unsigned pe, uint64_t now);

struct sm_cpu_access {
	enum sm_xlate_outcome outcome;
	uint64_t pa;
	uint64_t done; /* cycle the access completes (or faults) */
	bool hit;
};

/* A load or store by `pe` at `now` through the table at `root`, tagged with
 * `asid`.  `tag` is the trace line, carried into reports. */
void sm_cpu_access(struct sm_cpu *cpu, unsigned pe, uint16_t asid,
		   uint64_t root, uint64_t va, bool write, uint64_t now,
		   uint32_t tag, struct sm_cpu_access *out);

#endif
