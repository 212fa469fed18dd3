/* SPDX-License-Identifier: MIT */
/*
 * Broadcast TLBIs waiting to take effect at one receiver (issue 10,
 * increment 3; docs/design/timed-kernel.md 4.3).
 *
 * A broadcast (IS) TLBI reaches each receiver over the interconnect and is
 * applied there when that receiver gets to it (Arm ARM D8.16: until then
 * the receiver may still use the entry; the issuer's DSB ISH waits for the
 * receivers' completion, B2.3.12).  Each receiver, every PE and an SMMU
 * with BTM, keeps the TLBIs it has received and not yet applied in a ring,
 * each with the cycle its application completes.  A receiver applies them
 * lazily, in cycle order, before anything observes it (its own accesses,
 * the start of the next trace event, the end-of-run scan): the same rule
 * the SMMU's command queue follows (hw/smmu/cmdq.c, sm_smmu_cmdq_catch_up).
 *
 * A receiver applies TLBIs one after another, so the cycles it is given
 * never decrease: the ring is a FIFO.  It grows by doubling (no allocation
 * per TLBI); a push that cannot grow returns false and the caller applies
 * the TLBI at once (early: the model before this increment).
 */
#ifndef SM_HW_CPU_DVM_H
#define SM_HW_CPU_DVM_H

#include <stdbool.h>
#include <stdint.h>

#include <smmusim/alloc.h>

#include "arch/tlbi.h"

struct sm_dvm_pending {
	struct sm_tlbi t;
	uint64_t at; /* the receiver has applied it at this cycle */
};

struct sm_dvm_ring {
	struct sm_dvm_pending *buf;
	uint32_t cap; /* a power of two, or 0 before the first push */
	uint32_t head, n;
	/* Host time: how many were queued, since the ring was last empty,
	 * by sm_dvm_ring_push or _insert rather than sm_dvm_ring_push_held
	 * (while none, each may hold what it removes). */
	uint32_t unheld;
};

/* Double the ring (out of line: rare).  False when out of memory. */
bool sm_dvm_ring_grow(const struct smmusim_allocator *a, struct sm_dvm_ring *r);

/* Queue `t`, applied at cycle `at` (not before the last one queued), a
 * TLBI whose receiver's presence filter said at issue that it may hold
 * what it removes (so one sm_cpu_tlbi_probed, cpu.h) (host time: mostly it
 * still does when it is applied). False when the ring could not grow (host out
 * of memory). */
static inline bool sm_dvm_ring_push_held(const struct smmusim_allocator *a,
					 struct sm_dvm_ring *r,
					 const struct sm_tlbi *t, uint64_t at)
{
	if (r->n == r->cap && !sm_dvm_ring_grow(a, r))
		return false;
	struct sm_dvm_pending *d = &r->buf[(r->head + r->n) & (r->cap - 1)];
	d->t = *t;
	d->at = at;
	r->n++;
	return true;
}
/* Queue any other `t` likewise. */
static inline bool sm_dvm_ring_push(const struct smmusim_allocator *a,
				    struct sm_dvm_ring *r,
				    const struct sm_tlbi *t, uint64_t at)
{
	if (!sm_dvm_ring_push_held(a, r, t, at))
		return false;
	r->unheld++;
	return true;
}
/* Was every TLBI in the ring queued by sm_dvm_ring_push_held? */
static inline bool sm_dvm_ring_held(const struct sm_dvm_ring *r)
{
	return !r->unheld;
}
void sm_dvm_ring_fini(const struct smmusim_allocator *a, struct sm_dvm_ring *r);

/* The oldest pending TLBI if it is applied by `now`, else NULL. */
static inline const struct sm_dvm_pending *
sm_dvm_ring_due(const struct sm_dvm_ring *r, uint64_t now)
{
	if (!r->n || r->buf[r->head].at > now)
		return NULL;
	return &r->buf[r->head];
}

static inline void sm_dvm_ring_pop(struct sm_dvm_ring *r)
{
	r->head = (r->head + 1) & (r->cap - 1);
	if (!--r->n)
		r->unheld = 0;
}
/* Queue `t` at its place in cycle order (after those with the same
 * cycle): a skipped TLBI made pending again (sm_dvm_log below). */
bool sm_dvm_ring_insert(const struct smmusim_allocator *a,
			struct sm_dvm_ring *r, const struct sm_tlbi *t,
			uint64_t at);

/*
 * Broadcast TLBIs some receivers skipped (host time only).  A PE's copy of
 * a TLBI that nothing in its leaf TLBs can match when it is issued (their
 * presence filter, hw/mem/tcache.h) and that leaves its walk cache alone
 * changes nothing at that PE unless the PE fills a matching entry before
 * the cycle it applies the TLBI.  It is not queued in the PE's ring;
 * instead the TLBI is kept once in this log with the PEs that skipped it
 * and, for each, the cycle it applies it.  A PE's skipped copies are resolved
 * (dropped) when the PE catches up past their cycles, as its ring's would be
 * applied; a PE about to fill its TLBs first moves the ones not resolved yet
 * into its ring, so they remove what it fills, as queued copies would.  Records
 * are sequence-numbered; the log forgets those every PE has resolved (when
 * no PE has a skipped copy left, or it needs room for more).
 *
 * A record is a run of m (at most SM_DVM_RUN_MAX) broadcasts one PE issued
 * back to back (tlbi_run.c; a single sm_cpu_tlbi is a run of one): its
 * copy k is t[k % per] moved (k / per) pages further, so that a run costs
 * one record, not one per TLBI, and the copies every PE misses cost
 * nothing each.  A PE's cell of it says which copies it skipped and when
 * it applies copy 0; when it applies copy k > 0 follows in closed form from
 * the run's arrivals (sm_cpu_run_at, cpu.h).
 */
#define SM_DVM_LOG_MAX_PES 64 /* more PEs: every copy is queued */
#define SM_DVM_RUN_MAX 64     /* copies of a record: a bit each in skip */
struct sm_dvm_log_rec {
	struct sm_tlbi t[2]; /* copies 0 and (per 2: KPTI) 1 */
	uint64_t x, y;	     /* copy k > 0 arrives at the other PEs at
			      * max(x + k cpu.dvm.occupancy,
			      *     y + k cpu.lat.tlbi) */
	uint64_t pes;	     /* bit i: PE i skipped some of its copies */
	unsigned per;	     /* 1, or 2 (each page twice) */
};
struct sm_dvm_log_cell {
	uint64_t at0;  /* when the PE applies copy 0 */
	uint64_t skip; /* bit k: it skipped copy k and has not resolved it */
};
struct sm_dvm_log {
	struct sm_dvm_log_rec *r;     /* cap records, record s at s & (cap-1) */
	struct sm_dvm_log_cell *cell; /* cell[i * cap + (s & (cap - 1))]:
				       * PE i's of record s (if bit i of
				       * its pes), a column per PE; other
				       * cells unused */
	uint32_t cap, npe;
	uint64_t head, tail; /* sequence numbers of the records kept */
};
/* Copy k of record r. */
static inline void sm_dvm_log_copy(const struct sm_dvm_log_rec *r, unsigned k,
				   struct sm_tlbi *t)
{
	unsigned u = r->per == 2 ? k & 1 : 0;
	*t = r->t[u];
	t->va += (uint64_t)(r->per == 2 ? k >> 1 : k) << 12;
}
void sm_dvm_log_fini(const struct smmusim_allocator *a, struct sm_dvm_log *l);

#endif
