/* SPDX-License-Identifier: MIT */
/*
 * Broadcast TLBIs at their receivers (issue 10, increment 3): the ring of
 * TLBIs a receiver has not applied yet (dvm.h), what applying one does to a
 * PE's TLBs (Arm ARM D8.16, the forms in cpu.h), and the catch-up that
 * applies a PE's pending TLBIs in cycle order before the PE is observed.
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

void sm_dvm_ring_fini(const struct smmusim_allocator *a, struct sm_dvm_ring *r)
{
	if (r->buf)
		sm_free(a, r->buf, (size_t)r->cap * sizeof(*r->buf));
	*r = (struct sm_dvm_ring){0};
}

unsigned sm_cpu_apply_tlbi_caches(struct sm_cpu *cpu, struct sm_pe *p,
				  const struct sm_tlbi *t)
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
	if (!sm_cpu_tlbi_one_page(t) || m == SM_TC_ASID_ANY ||
	    sm_tc_filter_may_hold(&p->leaf, t->va, t->level, t->vmid, t->asid))
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
		SM_ADD(cpu->ctr, CPU_TLB_INVALIDATED,
		       sm_cpu_apply_tlbi(cpu, p, &d->t));
		sm_dvm_ring_pop(&p->rx);
	}
}

void sm_cpu_rx_catch_up_all(struct sm_cpu *cpu, uint64_t now)
{
	for (unsigned i = 0; i < cpu->n; i++)
		sm_cpu_rx_catch_up(cpu, i, now);
}
