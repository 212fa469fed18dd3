/* SPDX-License-Identifier: MIT */
/*
 * The CPU side: processing elements (PEs) with their TLB hierarchy, TLBI
 * execution, broadcast over the inner-shareable domain (DVM), and DSB
 * completion.
 *
 * TLB hierarchy per PE: L1 instruction and data micro-TLBs, a unified main
 * TLB, and a walk cache of table descriptors, each a set-associative
 * translation cache (src/mem/tcache.c) with its own size, ways and
 * replacement.  A lookup goes L1 -> main TLB -> walk (starting from the
 * deepest table the walk cache remembers); a walk fills the walk cache, the
 * main TLB and the L1; a main-TLB hit refills the L1.  Permissions are
 * cached at every level and checked on every hit.
 *
 * TLBIs (Arm ARM C5.5, D8.16 "Translation Lookaside Buffers"): VA forms
 * match the ASID or global entries, VAA forms every ASID, ASID forms only
 * non-global entries of that ASID, VMALLE1 everything of the VMID; range
 * forms cover (NUM+1) << (5*SCALE+1) pages; a TTL level hint limits which
 * leaf entries must go (an entry cached at another level survives); the
 * last-level forms (VALE1, VAALE1, RVALE1, RVAALE1) leave the walk cache
 * alone, the others remove walk-cache entries covering the address.
 *
 * Timing.  A TLBI costs its issuer `cpu.lat.tlbi`.  A broadcast (IS) TLBI
 * first waits for the interconnect, which carries one broadcast every
 * `cpu.dvm.occupancy` cycles (so concurrent broadcasters queue: the
 * cpu.dvm.queue_cycles stat), then reaches every other receiver
 * `cpu.lat.dvm` later; receivers apply TLBIs one after another,
 * `cpu.lat.tlbi_apply` each (bystander cycles).  DSB ISH on the issuer
 * completes when every receiver has completed every TLBI it sent before
 * (Arm ARM B2.3.12 "DSB"), or after `cpu.lat.dsb` if nothing is
 * outstanding.  A TLBI takes effect at the issuer when executed and at
 * every other receiver at the cycle that receiver has applied it: until
 * then it waits in the receiver's ring (dvm.h) and the receiver still uses
 * the entries it removes (docs/model.md, Time).  (Host time: a copy that
 * can remove nothing is only logged, dvm.h sm_dvm_log.)
 */
#ifndef SM_HW_CPU_CPU_H
#define SM_HW_CPU_CPU_H

#include <stdbool.h>
#include <stdint.h>

#include <smmusim/config.h>
#include <smmusim/event.h>

#include "base/errbuf.h"
#include "base/rng.h"
#include "engine/stats.h"
#include "arch/tlbi.h"
#include "hw/mem/observe.h"
#include "hw/mem/physmem.h"
#include "hw/mem/tcache.h"
#include "hw/cpu/dvm.h"

/* Something other than a PE that receives broadcast TLBIs (an SMMU with
 * BTM).  apply() takes the invalidation that arrives at `arrive` and
 * returns the cycle at which it is complete; the receiver applies it at
 * that cycle, before it is next observed. */
struct sm_dvm_receiver {
	uint64_t (*apply)(void *ctx, const struct sm_tlbi *t, uint64_t arrive);
	void *ctx;
};

#define SM_CPU_MAX_EXT_RECEIVERS 4

struct sm_pe {
	struct sm_tcache l1i, l1d, tlb, walk;
	struct sm_tc_filter leaf; /* over l1i, l1d, tlb (host time only) */
	uint64_t rx_busy_until;	  /* as a receiver: applying TLBIs until */
	uint64_t pending_done;	  /* as an issuer: completion of its TLBIs */
	uint64_t *st_bystander;	  /* cycles applying other PEs' TLBIs */
	struct sm_dvm_ring rx;	  /* received broadcasts not applied yet */
	/* Its skipped copies (dvm.h, sm_dvm_log): those of log records
	 * before skip_seq are resolved; if skip_any, some after are not,
	 * the first at skip_next, the last at skip_last. */
	bool skip_any;
	uint64_t skip_seq, skip_next, skip_last;
	char l1i_name[24], l1d_name[24], tlb_name[24];
};

struct sm_cpu {
	const struct smmusim_allocator *alloc;
	const struct sm_physmem *pm;
	unsigned n;	 /* PEs */
	unsigned n_init; /* PEs whose caches are initialised */
	struct sm_pe *pe;
	struct sm_dvm_receiver ext[SM_CPU_MAX_EXT_RECEIVERS];
	unsigned n_ext;
	struct sm_xlate_observer obs;

	bool kpti, feat_range, feat_ttl;
	uint64_t lat_l1, lat_tlb, lat_wc, lat_walk, lat_tlbi, lat_dvm, dvm_occ,
	    lat_apply, lat_dsb;
	uint64_t dvm_busy_until; /* the interconnect carries a broadcast */
	/* Some PE may have a received TLBI pending or skipped (host time:
	 * sm_cpu_rx_catch_up_all returns at once when none has). */
	bool rx_any;
	struct sm_dvm_log skipped; /* broadcasts some PEs skipped (dvm.h) */

	uint64_t *ctr;		     /* the stats by ID (engine/stats.h) */
	struct sm_hist *const *hist; /* the histograms by ID */
	uint64_t *st_issued[SM_TLBI_OP_COUNT_][2];   /* cpu.tlbi.issued.<op> */
	uint64_t *st_received[SM_TLBI_OP_COUNT_][2]; /* ...received.<op> */
};

int sm_cpu_init(struct sm_cpu *cpu, const struct smmusim_allocator *a,
		const smmusim_config_t *cfg, const struct sm_physmem *pm,
		struct sm_stats *stats, struct sm_rng *rng,
		struct sm_errbuf *eb);
void sm_cpu_fini(struct sm_cpu *cpu);
int sm_cpu_add_receiver(struct sm_cpu *cpu, const struct sm_dvm_receiver *r);

/* A TLBI's operand as this CPU reads it: without FEAT_TTL the TTL bits
 * [47:44] of a VA form are RES0, so no level hint. */
static inline void sm_cpu_decode_tlbi(const struct sm_cpu *cpu,
				      enum sm_tlbi_op op, bool is,
				      uint64_t operand, struct sm_tlbi *t)
{
	sm_tlbi_decode(op, is, operand, t);
	if (!cpu->feat_ttl && !sm_tlbi_is_range(op)) {
		t->level = 0;
		t->no_effect = false;
	}
}
/* Execute a TLBI on PE `pe` at `now`; returns when the issuer may go on. */
uint64_t sm_cpu_tlbi(struct sm_cpu *cpu, unsigned pe, enum sm_tlbi_op op,
		     bool is, uint64_t operand, uint64_t now);
/* The broadcast TLBIs of `pages` consecutive pages from a VA-form
 * `operand` (op VAE1, VALE1, VAAE1 or VAALE1), each followed, when
 * `user_flag` is not 0, by its copy with user_flag set (KPTI's __tlbi_user):
 * exactly what sm_cpu_tlbi(cpu, pe, op, true, ...) for each in turn does,
 * with nothing else happening in between; returns when the issuer may go
 * on after the last (tlbi_run.c).  The operand's VA field must not wrap. */
uint64_t sm_cpu_tlbi_pages(struct sm_cpu *cpu, unsigned pe, enum sm_tlbi_op op,
			   uint64_t operand, uint64_t pages, uint64_t user_flag,
			   uint64_t now);
/* DSB ISH: returns the cycle at which it completes. */
uint64_t sm_cpu_dsb_ish(struct sm_cpu *cpu, unsigned pe, uint64_t now);
/* DSB ISHST before TLBIs (makes PTE stores visible): a fixed cost. */
uint64_t sm_cpu_dsb_ishst(struct sm_cpu *cpu, unsigned pe, uint64_t now);

/* Apply one TLBI to one PE's caches now; returns the entries removed
 * (dvm.c).  `may_hold`: p's leaf TLBs are searched without testing
 * sm_tc_filter_may_hold first (it is known or likely to be true; host
 * time only: a search that finds nothing removes nothing). */
unsigned sm_cpu_apply_tlbi_caches(struct sm_cpu *cpu, struct sm_pe *p,
				  const struct sm_tlbi *t, bool may_hold);
/* A VA form for one aligned page (pages is 0 for the ASID and VMALL forms
 * and at least 2 for the range forms). */
static inline bool sm_cpu_tlbi_one_page(const struct sm_tlbi *t)
{
	return t->pages == 1 && !(t->va & 4095);
}
/* Is `t` one whose copy at p can be found to miss by the presence filter
 * alone (sm_cpu_apply_tlbi)? */
static inline bool sm_cpu_tlbi_filtered(const struct sm_pe *p,
					const struct sm_tlbi *t)
{
	return sm_cpu_tlbi_one_page(t) && !t->no_effect &&
	       !sm_tlbi_all_asid(t->op) &&
	       (!p->walk.live || sm_tlbi_last_level(t->op));
}
/* Applied now, `t` would remove nothing from p's caches, and that is
 * known without visiting them (host time): most broadcast TLBIs name a
 * page the receiver's leaf TLBs do not hold (their presence filter), and
 * a last-level form leaves the walk cache alone.  Applies it otherwise;
 * returns the entries removed (the filter tested once). */
static inline unsigned sm_cpu_apply_tlbi(struct sm_cpu *cpu, struct sm_pe *p,
					 const struct sm_tlbi *t)
{
	bool filtered = sm_cpu_tlbi_filtered(p, t);
	if (filtered &&
	    !sm_tc_filter_may_hold(&p->leaf, t->va, t->level, t->vmid, t->asid))
		return 0; /* misses */
	return sm_cpu_apply_tlbi_caches(cpu, p, t, filtered);
}
/* Can a PE's copy of `t` be checked by sm_cpu_tlbi_misses_probe? */
static inline bool sm_cpu_tlbi_probed(const struct sm_tlbi *t)
{
	return sm_cpu_tlbi_one_page(t) && !t->no_effect &&
	       !sm_tlbi_all_asid(t->op);
}
/* sm_cpu_apply_tlbi of such a `t` at p, for the page at `va` (t's own or,
 * host time, that of a copy of it in a run), in fewer steps (host time:
 * the common TLBI, of one page; its apply_tlbi_caches would take the same
 * path after tests of its form): the page at each leaf TLB and, unless a
 * last-level form, in the walk cache.  The presence filter is not tested
 * first: where it says p holds nothing of the page, the search finds
 * nothing and changes nothing.  The entries removed. */
static inline unsigned
sm_cpu_apply_tlbi_page(struct sm_pe *p, const struct sm_tlbi *t, uint64_t va)
{
	struct sm_tcache *leaf[3] = {&p->l1i, &p->l1d, &p->tlb};
	unsigned n = sm_tc_inv_page_each(
	    leaf, 3, t->vmid, t->asid, SM_TC_ASID_OR_GLOBAL, va, (int)t->level);
	if (!sm_tlbi_last_level(t->op) && p->walk.live)
		n += sm_tc_inv_range(&p->walk, t->vmid, t->asid,
				     SM_TC_ASID_OR_GLOBAL, va, 1, 0);
	return n;
}
/* Does such a `t` miss at p (what sm_cpu_apply_tlbi tests first), for a
 * last-level form or not (`ll`), with its buckets in `pr`? */
static inline __attribute__((always_inline)) bool
sm_cpu_tlbi_misses_probe(const struct sm_pe *p, bool ll,
			 struct sm_tc_filter_probe *pr)
{
	return (ll || !p->walk.live) && !sm_tc_filter_probe_hit(&p->leaf, pr);
}
/* A record for the run of one `t` in cpu->skipped, skipped by no PE yet,
 * and in *cell its cell of PE 0 (PE i's is i * cap further, dvm.h); NULL
 * when the log cannot grow or there are too many PEs (dvm.c). */
struct sm_dvm_log_rec *sm_cpu_skip_record(struct sm_cpu *cpu,
					  const struct sm_tlbi *t,
					  struct sm_dvm_log_cell **cell);
/* Room for `count` more records in cpu->skipped, so that making them
 * trims none; false when the log cannot grow or there are too many PEs
 * (dvm.c). */
bool sm_cpu_skip_reserve(struct sm_cpu *cpu, uint64_t count);
/* When a receiver applies copy k of a run whose copy 0 it applies at
 * `at0` (record r's x and y, dvm.h): each copy when it has arrived and the
 * one before is applied, one cpu.lat.tlbi_apply each.  For k > 0 the
 * run's cycles are below 2^62 (no wrap): then the latest of at0 + k
 * apply, and of each arrival line's copy k + apply (max-plus: the
 * latest arrival j <= k, plus (k - j + 1) applies, is at j = 0 or j = k). */
static inline uint64_t sm_cpu_run_at(const struct sm_cpu *cpu, uint64_t x,
				     uint64_t y, uint64_t at0, unsigned k)
{
	if (!k)
		return at0;
	uint64_t a = cpu->lat_apply, v = at0 + k * a;
	uint64_t w = x + k * cpu->dvm_occ + a, z = y + k * cpu->lat_tlbi + a;
	v = v > w ? v : w;
	return v > z ? v : z;
}
/* PE i skips its copy, applied at `at`, of the run of one broadcast
 * logged in record number `seq` (rec, its cell of PE 0 at cell). */
static inline void sm_cpu_rx_mark_skipped(struct sm_cpu *cpu, unsigned i,
					  struct sm_dvm_log_rec *rec,
					  struct sm_dvm_log_cell *cell,
					  uint64_t seq, uint64_t at)
{
	struct sm_pe *p = &cpu->pe[i];
	rec->pes |= 1ull << i;
	cell[(size_t)i * cpu->skipped.cap] =
	    (struct sm_dvm_log_cell){.at0 = at, .skip = 1};
	if (!p->skip_any) {
		p->skip_any = true;
		p->skip_seq = seq;
		p->skip_next = at;
	}
	p->skip_last = at;
}
/* Skip PE i's copy of broadcast `t`, applied at `at`, which misses
 * (sm_dvm_log in dvm.h); *rec is the log record of `t` and *cell its cell
 * of PE 0, made by the first PE that skips it.  False when out of host
 * memory (then queue it). */
static inline bool sm_cpu_rx_skip(struct sm_cpu *cpu, unsigned i,
				  const struct sm_tlbi *t, uint64_t at,
				  struct sm_dvm_log_rec **rec,
				  struct sm_dvm_log_cell **cell)
{
	if (!*rec && !(*rec = sm_cpu_skip_record(cpu, t, cell)))
		return false;
	sm_cpu_rx_mark_skipped(cpu, i, *rec, *cell, cpu->skipped.tail - 1, at);
	return true;
}
/* Before PE p fills its TLBs: queue its skipped copies not resolved yet. */
void sm_cpu_rx_unskip(struct sm_cpu *cpu, struct sm_pe *p);
/* Apply every broadcast TLBI PE `pe` has applied by `now`, in order: called
 * before the PE is observed (its accesses, the start of each trace event,
 * the end-of-run scan with UINT64_MAX).  Cheap when nothing is due. */
void sm_cpu_rx_apply_due(struct sm_cpu *cpu, struct sm_pe *p, uint64_t now);
static inline void sm_cpu_rx_catch_up(struct sm_cpu *cpu, unsigned pe,
				      uint64_t now)
{
	struct sm_pe *p = &cpu->pe[pe];
	if (sm_dvm_ring_due(&p->rx, now) ||
	    (p->skip_any && now >= p->skip_next))
		sm_cpu_rx_apply_due(cpu, p, now);
}
void sm_cpu_rx_catch_up_pes(struct sm_cpu *cpu, uint64_t now);
static inline void sm_cpu_rx_catch_up_all(struct sm_cpu *cpu, uint64_t now)
{
	if (cpu->rx_any) /* (host time: none pending, inline) */
		sm_cpu_rx_catch_up_pes(cpu, now);
}

struct sm_cpu_access {
	enum sm_xlate_outcome outcome;
	uint64_t pa;
	uint64_t done; /* cycle the access completes (or faults) */
	bool hit;      /* a TLB (L1 or main) answered */
};

/* A load, store or instruction fetch by `pe` at `now` through the table at
 * `root`, tagged with `asid`.  `tag` is the trace line.
 *
 * `uncached`: the caller knows that neither pe's L1 nor its main TLB holds
 * an entry for (asid, va): pe's last access of it, with this asid, faulted
 * in its walk (sm_cpu_access_uncached), and only pe's own accesses fill
 * those caches.  Its look-ups are then only counted and timed, as the
 * misses they are (host time: a retry after a page fault). */
void sm_cpu_access_at(struct sm_cpu *cpu, unsigned pe, uint16_t asid,
		      uint64_t root, uint64_t va, enum smmusim_access acc,
		      uint64_t now, uint32_t tag, bool uncached,
		      struct sm_cpu_access *out);
static inline void sm_cpu_access_kind(struct sm_cpu *cpu, unsigned pe,
				      uint16_t asid, uint64_t root, uint64_t va,
				      enum smmusim_access acc, uint64_t now,
				      uint32_t tag, struct sm_cpu_access *out)
{
	sm_cpu_access_at(cpu, pe, asid, root, va, acc, now, tag, false, out);
}
/* Did access `a` leave pe's L1 and main TLB without an entry for its
 * (asid, va)?  Both missed, and its walk faulted: nothing was filled (a
 * permission fault of a walk fills the entry first). */
static inline bool sm_cpu_access_uncached(const struct sm_cpu_access *a)
{
	return !a->hit && a->outcome != SM_XLATE_OK &&
	       a->outcome != SM_XLATE_FAULT_PERMISSION;
}
static inline void sm_cpu_access(struct sm_cpu *cpu, unsigned pe, uint16_t asid,
				 uint64_t root, uint64_t va, bool write,
				 uint64_t now, uint32_t tag,
				 struct sm_cpu_access *out)
{
	sm_cpu_access_kind(cpu, pe, asid, root, va,
			   write ? SMMUSIM_ACC_WRITE : SMMUSIM_ACC_READ, now,
			   tag, out);
}

/* Does any TLB level of any PE hold a leaf entry overlapping
 * [start, end) for asid?  (Tests and checks.) */
bool sm_cpu_holds(const struct sm_cpu *cpu, uint16_t asid, uint64_t start,
		  uint64_t end);

/* Read-only views for the composition root (src/sim). */
static inline unsigned sm_cpu_count(const struct sm_cpu *cpu)
{
	return cpu->n;
}
static inline bool sm_cpu_kpti(const struct sm_cpu *cpu)
{
	return cpu->kpti;
}
static inline bool sm_cpu_has_tlbirange(const struct sm_cpu *cpu)
{
	return cpu->feat_range;
}
/* Each PE's TLBs that hold leaf translations: L1 I, L1 D, main TLB. */
static inline void sm_cpu_for_each_tlb(const struct sm_cpu *cpu,
				       sm_tc_visit_fn fn, void *ctx)
{
	for (unsigned i = 0; i < cpu->n; i++) {
		fn(ctx, &cpu->pe[i].l1i);
		fn(ctx, &cpu->pe[i].l1d);
		fn(ctx, &cpu->pe[i].tlb);
	}
}

#endif
