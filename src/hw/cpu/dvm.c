/* SPDX-License-Identifier: MIT */
/*
 * Broadcast TLBIs at their receivers (issue 10, increment 3): the ring of
 * TLBIs a receiver has not applied yet (dvm.h), what applying one does to a
 * PE's TLBs (Arm ARM D8.16, the forms in cpu.h), and the catch-up that
 * applies a PE's pending TLBIs in cycle order before the PE is observed.
 * Host time only: the log of copies PEs skipped because they could not
 * change anything (dvm.h, sm_dvm_log), resolved by the same catch-up.
 */
#include "hw/cpu/dvm.h"

#include "base/alloc.h"
#include "hw/cpu/cpu.h"

/* Double the ring, keeping its order (the oldest moves to index 0). */
bool sm_dvm_ring_grow(const struct smmusim_allocator *a, struct sm_dvm_ring *r)
{
	uint32_t cap = r->cap ? r->cap * 2 : 16;
	if (cap < r->cap)
		return false;
	struct sm_dvm_pending *nb = sm_malloc(a, (size_t)cap * sizeof(*nb));
	if (!nb)
		return false;
	for (uint32_t i = 0; i < r->n; i++)
		nb[i] = r->buf[(r->head + i) & (r->cap - 1)];
	if (r->buf)
		sm_free(a, r->buf, (size_t)r->cap * sizeof(*r->buf));
	r->buf = nb;
	r->cap = cap;
	r->head = 0;
	return true;
}

bool sm_dvm_ring_insert(const struct smmusim_allocator *a,
			struct sm_dvm_ring *r, const struct sm_tlbi *t,
			uint64_t at)
{
	if (!sm_dvm_ring_push(a, r, t, at))
		return false;
	/* Move it back past the later ones (rare: a short window). */
	uint32_t m = r->cap - 1;
	for (uint32_t k = r->n - 1; k > 0; k--) {
		struct sm_dvm_pending *cur = &r->buf[(r->head + k) & m];
		struct sm_dvm_pending *prev = &r->buf[(r->head + k - 1) & m];
		if (prev->at <= cur->at)
			break;
		struct sm_dvm_pending tmp = *prev;
		*prev = *cur;
		*cur = tmp;
	}
	return true;
}

void sm_dvm_ring_fini(const struct smmusim_allocator *a, struct sm_dvm_ring *r)
{
	if (r->buf)
		sm_free(a, r->buf, (size_t)r->cap * sizeof(*r->buf));
	*r = (struct sm_dvm_ring){0};
}

void sm_dvm_log_fini(const struct smmusim_allocator *a, struct sm_dvm_log *l)
{
	if (l->r) {
		sm_free(a, l->r, (size_t)l->cap * sizeof(*l->r));
		sm_free(a, l->cell, (size_t)l->cap * l->npe * sizeof(*l->cell));
	}
	*l = (struct sm_dvm_log){0};
}

/* Forget the records every PE has resolved. */
static void log_trim(struct sm_cpu *cpu)
{
	uint64_t head = cpu->skipped.tail;
	for (unsigned i = 0; i < cpu->n; i++)
		if (cpu->pe[i].skip_any && cpu->pe[i].skip_seq < head)
			head = cpu->pe[i].skip_seq;
	cpu->skipped.head = head;
}

/* Double the log, keeping each record at its sequence number's index. */
static bool log_grow(struct sm_cpu *cpu)
{
	struct sm_dvm_log *l = &cpu->skipped, nl = {0};
	nl.cap = l->cap ? l->cap * 2 : 64;
	nl.npe = cpu->n;
	if (nl.cap < l->cap)
		return false;
	nl.r = sm_malloc(cpu->alloc, (size_t)nl.cap * sizeof(*nl.r));
	nl.cell =
	    sm_malloc(cpu->alloc, (size_t)nl.cap * nl.npe * sizeof(*nl.cell));
	if (!nl.r || !nl.cell) {
		sm_free(cpu->alloc, nl.r, (size_t)nl.cap * sizeof(*nl.r));
		sm_free(cpu->alloc, nl.cell,
			(size_t)nl.cap * nl.npe * sizeof(*nl.cell));
		return false;
	}
	for (uint64_t s = l->head; s < l->tail; s++) {
		uint32_t o = (uint32_t)(s & (l->cap - 1)),
			 n = (uint32_t)(s & (nl.cap - 1));
		nl.r[n] = l->r[o];
		for (uint32_t i = 0; i < nl.npe; i++)
			nl.cell[(size_t)i * nl.cap + n] =
			    l->cell[(size_t)i * l->cap + o];
	}
	nl.head = l->head;
	nl.tail = l->tail;
	sm_dvm_log_fini(cpu->alloc, l);
	*l = nl;
	return true;
}

bool sm_cpu_skip_reserve(struct sm_cpu *cpu, uint64_t count)
{
	struct sm_dvm_log *l = &cpu->skipped;
	if (cpu->n > SM_DVM_LOG_MAX_PES)
		return false;
	if (l->cap - (l->tail - l->head) >= count)
		return true;
	log_trim(cpu);
	while (l->cap - (l->tail - l->head) < count)
		if (!log_grow(cpu))
			return false;
	return true;
}

struct sm_dvm_log_rec *sm_cpu_skip_record(struct sm_cpu *cpu,
					  const struct sm_tlbi *t,
					  struct sm_dvm_log_cell **cell)
{
	struct sm_dvm_log *l = &cpu->skipped;
	if (!sm_cpu_skip_reserve(cpu, 1))
		return NULL;
	uint32_t k = (uint32_t)(l->tail++ & (l->cap - 1));
	struct sm_dvm_log_rec *r = &l->r[k];
	*cell = &l->cell[k];
	r->t[0] = *t;
	r->per = 1;
	r->x = r->y = 0; /* (a run of one: copy 0 only) */
	r->pes = 0;
	return r;
}

/* PE i's cell of record s, or NULL if it skipped none of its copies. */
static struct sm_dvm_log_cell *log_cell(const struct sm_dvm_log *l, uint64_t s,
					unsigned i)
{
	uint32_t k = (uint32_t)(s & (l->cap - 1));
	return l->r[k].pes >> i & 1 ? &l->cell[(size_t)i * l->cap + k] : NULL;
}

/* resolve_skipped when some are not applied by `now`: from the first, find
 * the first of those (out of line, host time: sm_cpu_rx_apply_due stays
 * small enough to be inlined). */
static __attribute__((noinline)) void
resolve_some(struct sm_cpu *cpu, struct sm_pe *p, uint64_t now)
{
	const struct sm_dvm_log *l = &cpu->skipped;
	unsigned i = (unsigned)(p - cpu->pe);
	for (; p->skip_seq < l->tail; p->skip_seq++) {
		struct sm_dvm_log_cell *c = log_cell(l, p->skip_seq, i);
		const struct sm_dvm_log_rec *r =
		    &l->r[p->skip_seq & (l->cap - 1)];
		for (uint64_t b = c ? c->skip : 0; b; b &= b - 1) {
			unsigned k = (unsigned)__builtin_ctzll(b);
			uint64_t at = sm_cpu_run_at(cpu, r->x, r->y, c->at0, k);
			if (at > now) {
				c->skip = b; /* the others are resolved */
				p->skip_next = at;
				return;
			}
		}
	}
}

/* Drop p's skipped copies it has applied by `now`: they changed nothing. */
static inline void resolve_skipped(struct sm_cpu *cpu, struct sm_pe *p,
				   uint64_t now)
{
	if (now >= p->skip_last) {
		p->skip_any = false;
		p->skip_seq = cpu->skipped.tail;
		return;
	}
	resolve_some(cpu, p, now);
}

void sm_cpu_rx_unskip(struct sm_cpu *cpu, struct sm_pe *p)
{
	const struct sm_dvm_log *l = &cpu->skipped;
	unsigned i = (unsigned)(p - cpu->pe);
	for (uint64_t s = p->skip_seq; s < l->tail; s++) {
		const struct sm_dvm_log_cell *c = log_cell(l, s, i);
		const struct sm_dvm_log_rec *r = &l->r[s & (l->cap - 1)];
		for (uint64_t b = c ? c->skip : 0; b; b &= b - 1) {
			unsigned k = (unsigned)__builtin_ctzll(b);
			uint64_t at = sm_cpu_run_at(cpu, r->x, r->y, c->at0, k);
			struct sm_tlbi t;
			sm_dvm_log_copy(r, k, &t);
			/* Out of host memory: applied early, as sm_cpu_tlbi
			 * does. */
			if (!sm_dvm_ring_insert(cpu->alloc, &p->rx, &t, at))
				SM_ADD(cpu->ctr, CPU_TLB_INVALIDATED,
				       sm_cpu_apply_tlbi(cpu, p, &t));
		}
	}
	p->skip_any = false;
	p->skip_seq = l->tail;
}

unsigned sm_cpu_apply_tlbi_caches(struct sm_cpu *cpu, struct sm_pe *p,
				  const struct sm_tlbi *t, bool may_hold)
{
	struct sm_tcache *leaf[3] = {&p->l1i, &p->l1d, &p->tlb};
	unsigned n = 0;
	if (t->no_effect) {
		SM_INC(cpu->ctr, CPU_TLBI_NO_EFFECT);
		return 0;
	}
	if (t->op == SM_TLBI_ASIDE1) {
		for (int i = 0; i < 3; i++)
			n += sm_tc_inv_asid(leaf[i], t->vmid, t->asid);
		return n + sm_tc_inv_asid(&p->walk, t->vmid, t->asid);
	}
	if (t->op == SM_TLBI_VMALLE1) {
		for (int i = 0; i < 3; i++)
			n += sm_tc_inv_vmid(leaf[i], t->vmid);
		return n + sm_tc_inv_vmid(&p->walk, t->vmid);
	}
	enum sm_tc_asid_match m =
	    sm_tlbi_all_asid(t->op) ? SM_TC_ASID_ANY : SM_TC_ASID_OR_GLOBAL;
	/* (Host time: a page no leaf TLB can hold, or an empty cache, is
	 * skipped without a call.) */
	bool one = sm_cpu_tlbi_one_page(t);
	if (one && (may_hold || m == SM_TC_ASID_ANY ||
		    sm_tc_filter_may_hold(&p->leaf, t->va, t->level, t->vmid,
					  t->asid)))
		/* (Host time: sm_tc_inv_range of the one page at each, in
		 * one call.) */
		n += sm_tc_inv_page_each(leaf, 3, t->vmid, t->asid, m, t->va,
					 (int)t->level);
	else if (!one)
		for (int i = 0; i < 3; i++)
			if (leaf[i]->live)
				n += sm_tc_inv_range(leaf[i], t->vmid, t->asid,
						     m, t->va, t->pages,
						     (int)t->level);
	/* Last-level forms leave cached table descriptors alone. */
	if (!sm_tlbi_last_level(t->op) && p->walk.live)
		n += sm_tc_inv_range(&p->walk, t->vmid, t->asid, m, t->va,
				     t->pages, 0);
	return n;
}

void sm_cpu_rx_apply_due(struct sm_cpu *cpu, struct sm_pe *p, uint64_t now)
{
	const struct sm_dvm_pending *d;
	while ((d = sm_dvm_ring_due(&p->rx, now))) {
		/* (Host time: while every queued copy was queued because the
		 * PE may have held its page at issue, sm_dvm_ring_held, each
		 * is of one page, sm_cpu_tlbi_probed, and the leaf TLBs are
		 * searched without testing the filter again: almost every
		 * such copy still hits.) */
		SM_ADD(cpu->ctr, CPU_TLB_INVALIDATED,
		       sm_dvm_ring_held(&p->rx)
			   ? sm_cpu_apply_tlbi_page(p, &d->t, d->t.va)
			   : sm_cpu_apply_tlbi(cpu, p, &d->t));
		sm_dvm_ring_pop(&p->rx);
	}
	if (p->skip_any && now >= p->skip_next)
		resolve_skipped(cpu, p, now);
}

void sm_cpu_rx_catch_up_pes(struct sm_cpu *cpu, uint64_t now)
{
	bool any = false;
	for (unsigned i = 0; i < cpu->n; i++) {
		sm_cpu_rx_catch_up(cpu, i, now);
		any |= cpu->pe[i].rx.n || cpu->pe[i].skip_any;
	}
	cpu->rx_any = any;
	/* The log's trim (log_trim) in O(1): when no PE has a skipped copy
	 * left, every record is resolved.  (Host time: else it is trimmed
	 * when full, sm_cpu_skip_reserve, and finds as much room then as
	 * here, the PEs' skip_seq only growing: the log grows no more.) */
	if (!any)
		cpu->skipped.head = cpu->skipped.tail;
}
