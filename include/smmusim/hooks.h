/* SPDX-License-Identifier: MIT */
/*
 * The coherence oracle's reports (docs/architecture.md section "oracle").
 *
 * Every translation served to a CPU or a device is checked against the page
 * tables.  A report names where in the trace, when, which agent, which cache
 * and which cached entry.  Reports are kept by the simulator (the first
 * SMMUSIM_MAX_KEPT_VIOLATIONS, plus a total per kind in the stats) and also
 * passed to a hook if one is set.
 */
#ifndef SMMUSIM_HOOKS_H
#define SMMUSIM_HOOKS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Public API: exported from the shared library, which hides everything
 * else (-fvisibility=hidden). */
#pragma GCC visibility push(default)

typedef struct smmusim smmusim_t;

/* X(enum suffix, name used in reports and stats) */
#define SMMUSIM_VIOLATION_KINDS(X)                                             \
	X(STALE_TRANSLATION, "stale-translation")                              \
	X(STALE_PERMISSION, "stale-permission")                                \
	X(FAULT_LIVELOCK, "fault-livelock")                                    \
	X(USE_AFTER_FREE, "use-after-free")

enum smmusim_violation_kind {
#define SMMUSIM_VK_ENUM_(name, str) SMMUSIM_VIOLATION_##name,
	SMMUSIM_VIOLATION_KINDS(SMMUSIM_VK_ENUM_)
#undef SMMUSIM_VK_ENUM_
	    SMMUSIM_VIOLATION_COUNT_
};

enum smmusim_agent_kind {
	SMMUSIM_AGENT_CPU = 0,
	SMMUSIM_AGENT_DEVICE = 1,
};

#define SMMUSIM_MAX_KEPT_VIOLATIONS 1000

/*
 * A use-after-free is reported by the kernel's free, not by an access: the
 * kernel freed a page whose address a cache may still translate (its
 * invalidation has not completed).  Then `line` and `cycle` are those of the
 * operation that freed it, `agent` is "kernel", `va` the page's address,
 * `entry_pa` the freed frame, `cache` empty and `truth_valid` 0.
 */
struct smmusim_violation {
	enum smmusim_violation_kind kind;
	uint32_t line;	/* trace line of the access (0 if not from a file) */
	uint64_t cycle; /* when the access was translated */
	enum smmusim_agent_kind agent_kind;
	char agent[48]; /* "cpu2" or "sid=0x10 ssid=1" */
	uint32_t cpu, sid, ssid;
	char cache[24]; /* "cpu2.tlb", "smmu.iotlb", "" for a walk */
	uint64_t va;	/* page address */
	int write;	/* the access was a write */
	uint32_t asid;
	/* The cached entry that served (or refused) the access. */
	uint64_t entry_pa;
	unsigned entry_perm; /* SMMUSIM_PROT_* the entry grants */
	/* What the entry's physical page is used for now: "free", "data",
	 * "zero", "page-table", "smmu" (a stale entry into a reused page is a
	 * use-after-free). */
	char entry_page[12];
	/* The page tables at that cycle. */
	int truth_valid;
	uint64_t truth_pa;
	unsigned truth_perm;
	uint32_t faults; /* fault-livelock: consecutive faults seen */
};

const char *smmusim_violation_name(enum smmusim_violation_kind kind);

typedef void (*smmusim_violation_fn)(void *ctx,
				     const struct smmusim_violation *v);
void smmusim_set_violation_hook(smmusim_t *sim, smmusim_violation_fn fn,
				void *ctx);
/* Total reports (all kinds), and the kept ones in order of detection. */
uint64_t smmusim_violation_total(const smmusim_t *sim);
size_t smmusim_violation_count(const smmusim_t *sim);
const struct smmusim_violation *smmusim_violation_at(const smmusim_t *sim,
						     size_t i);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
