/* SPDX-License-Identifier: MIT */
/*
 * What a translating agent (a PE's MMU, the SMMU) reports up after every
 * translation attempt.  The hardware models fill this in and call an
 * observer if one is installed; they do not know who listens (in practice,
 * the coherence oracle in src/check).
 */
#ifndef SM_HW_MEM_OBSERVE_H
#define SM_HW_MEM_OBSERVE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <smmusim/hooks.h>

#include "base/ops.h"

enum sm_xlate_outcome {
	SM_XLATE_OK = 0,
	SM_XLATE_FAULT_TRANSLATION,
	SM_XLATE_FAULT_PERMISSION,
	SM_XLATE_FAULT_ACCESS_FLAG,
	SM_XLATE_FAULT_ADDR_SIZE,
	SM_XLATE_FAULT_CONFIG, /* SMMU: bad STE/CD, stream aborted, ... */
};

/* (hw/smmu/smmu_internal.h: sm_smmu_device_report sets each field by name:
 * a new field is set there too.) */
struct sm_xlate_report {
	enum smmusim_agent_kind agent_kind;
	uint32_t cpu, sid, ssid;
	const char *cache; /* name of the cache that answered, or NULL */
	uint32_t tag;	   /* trace line of the access */
	uint64_t cycle;
	uint64_t root;	 /* table walked (or the entry's recorded root) */
	uint64_t root2;	 /* stage-2 table (S2 and nested regimes) */
	uint8_t regime;	 /* enum sm_regime_kind */
	int8_t s2_level; /* stage-2 starting level */
	uint32_t asid;
	uint64_t va;
	bool write;
	enum sm_xlate_outcome outcome;
	bool from_cache; /* a cached entry decided the outcome */
	bool no_context; /* from_cache, but the agent's configuration now
			  * translates nothing (e.g. a released SVA CD) */
	/* The outcome is that of a walk made for this access from the
	 * report's root(s), without any cached entry (no TLB, no walk-cache
	 * table descriptor): walk_fault (enum sm_walk_fault) and walk_perm
	 * are what the tables give now.  (Host time: the oracle needs no
	 * walk of its own to judge such a fault.) */
	bool walked;
	uint8_t walk_fault, walk_perm;
	uint64_t entry_va, entry_pa, entry_size;
	unsigned entry_perm;
};

/* What every agent's report *r starts with: the access (trace line `tag`) at
 * cycle `now`, every other field zero.  The agent adds who it is (cpu, or
 * sid and ssid) and what it found. */
static inline __attribute__((always_inline)) void
sm_xlate_report_start(struct sm_xlate_report *r, enum smmusim_agent_kind kind,
		      uint64_t va, bool write, uint64_t now, uint32_t tag)
{
	/* Zeroed in 16-byte stores (base/ops.h: GCC 12 would `rep stos`). */
	sm_zero_chunks(r, sizeof(*r));
	r->agent_kind = kind;
	r->tag = tag;
	r->cycle = now;
	r->va = va;
	r->write = write;
}

struct sm_xlate_observer {
	void (*report)(void *ctx, const struct sm_xlate_report *r);
	void *ctx;
};

static inline void sm_observe(const struct sm_xlate_observer *o,
			      const struct sm_xlate_report *r)
{
	if (o && o->report)
		o->report(o->ctx, r);
}

#endif
