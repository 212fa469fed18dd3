/* SPDX-License-Identifier: MIT */
/*
 * The SMMU's translation of one transaction, in the order of the SMMUv3
 * spec's translation procedure (3.3 "Data structures and translation
 * procedure"):
 *
 *   1. wait for one of smmu.xlate_slots (translations in flight);
 *   2. configuration: the (STE, CD) pair of (StreamID, SubstreamID) from
 *      the configuration cache, else fetched and checked (config.c); a
 *      configuration error is recorded and ends the translation, an
 *      aborting STE terminates it without a record, a bypassing one passes
 *      the address through;
 *   3. the regime the configuration names: stage 1 (entries tagged by
 *      ASID), stage 2 only (tagged by VMID) or nested (both);
 *   4. the micro-TLB of the stream, then the IOTLB (a hit may be a cached
 *      translation fault: a negative entry);
 *   5. on a miss, the table walk (stage-1 walks through the walk cache),
 *      whose result fills the IOTLB and micro-TLB;
 *   6. a fault is recorded in the event queue when the CD (stage 1) or the
 *      STE (stage 2) asks for it, and, under a CD with S = 1, stalls the
 *      transaction (stall.c).
 *
 * Permissions are cached with the translation (like a PE's TLB, an SMMU
 * may cache the permissions of a walk).  With
 * smmu.iotlb.perm_fault_from_cache on, a write that hits a read-only entry
 * faults without a walk: that is what QEMU's IOTLB does and what real
 * implementations may do, and it is why a permission upgrade must be
 * followed by an invalidation that reaches the SMMU.  gem5 re-walks in
 * that case; smmu.iotlb.perm_fault_from_cache=off models that.
 *
 * Walks happen at the cycle of the call; the latency is returned in
 * out->done for the caller to account (docs/model.md).
 */
#include <smmusim/error.h>
#include <smmusim/event.h>

#include "arch/smmu_regs.h"
#include "hw/mem/pgtable.h"
#include "hw/mem/xlate.h"
#include "hw/smmu/smmu_internal.h"

/* One translation in flight: what the steps share.  It is not zeroed as a
 * whole (host time): sm_smmu_translate sets what every path reads, step 3
 * the regime's fields, step 5 `walked`. */
struct xlate {
	struct sm_smmu *s;
	/* The report to the observer, which names the access (sid, ssid,
	 * va, write, cycle: the `now` of the access, tag: its trace line):
	 * those fields are set once, at the start, and read by the steps;
	 * the steps set asid and cache (the cache that answered), report()
	 * the rest (host time: the report is not copied from other fields). */
	struct sm_xlate_report r;
	unsigned need; /* SMMUSIM_PROT_R or _W */
	uint64_t t;
	struct sm_smmu_xlate *out;
	enum sm_smmu_event ev;
	struct sm_smmu_evt_s2 ex;
	bool s2fault;	       /* a fault of stage 2 (counted, S2R) */
	struct sm_stall *held; /* the slot of a stalled transaction */
	/* The configuration: its regime, and the tags of its cached entries
	 * (config.c derive_tags). */
	const struct sm_smmu_ctx *c;
	const struct sm_regime *rg; /* step 3; no_regime: the stream
				     * translates nothing (error, abort,
				     * bypass) */
	/* The entry that decided the access (NULL: none), and the entry a
	 * walk filled (`entry` points to it). */
	const struct sm_tc_entry *entry;
	struct sm_tc_entry walked;
};

/* The regime of a stream that translates nothing. */
static const struct sm_regime no_regime;

/* The counter of each event record type (smmu.faults.*). */
static const enum sm_stat_id evt_stat[SM_EVT_COUNT_] = {
#define SM_EVT_STAT_(n, id, stat) [SM_EVT_##n] = stat,
    SM_SMMU_EVENTS(SM_EVT_STAT_)
#undef SM_EVT_STAT_
};

static enum sm_smmu_event walk_event(enum sm_walk_fault f)
{
	switch (f) {
	case SM_WALK_FAULT_STAGE2: /* a stage-2 translation fault (S2) */
	case SM_WALK_FAULT_TRANSLATION:
		return SM_EVT_F_TRANSLATION;
	case SM_WALK_FAULT_ACCESS_FLAG:
		return SM_EVT_F_ACCESS;
	case SM_WALK_FAULT_ADDR_SIZE:
		return SM_EVT_F_ADDR_SIZE;
	case SM_WALK_OK:
		break;
	}
	return SM_EVT_NONE;
}

static enum sm_xlate_outcome event_outcome(enum sm_smmu_event e)
{
	switch (e) {
	case SM_EVT_NONE:
		return SM_XLATE_OK;
	case SM_EVT_F_TRANSLATION:
		return SM_XLATE_FAULT_TRANSLATION;
	case SM_EVT_F_PERMISSION:
		return SM_XLATE_FAULT_PERMISSION;
	case SM_EVT_F_ACCESS:
		return SM_XLATE_FAULT_ACCESS_FLAG;
	case SM_EVT_F_ADDR_SIZE:
		return SM_XLATE_FAULT_ADDR_SIZE;
	default:
		return SM_XLATE_FAULT_CONFIG;
	}
}

/* The IOTLB's fill of ne, whose lookup (step 4) has just missed (host
 * time: the fill does not search for an entry to replace). */
static void fill_iotlb(struct sm_smmu *s, const struct sm_tc_entry *ne)
{
	uint64_t fl = s->iotlb.flushes;
	SM_INC(s->ctr, SMMU_IOTLB_FILLS);
	if (sm_tc_fill_missed(&s->iotlb, ne))
		SM_INC(s->ctr, SMMU_IOTLB_EVICTIONS);
	SM_ADD(s->ctr, SMMU_IOTLB_FLUSH_FULL, s->iotlb.flushes - fl);
}

/* 1. A translation needs one of smmu.xlate_slots: it waits for the one
 * that frees first.  (Its functional effects still happen now.)  The
 * slots' free cycles are kept sorted in a window of slot_free (nslots +
 * slot_room long) from slot_head, the first to free there (host time:
 * which of several equal slots is taken changes nothing). */
static void wait_for_slot(struct sm_smmu *s, uint64_t *t)
{
	uint64_t first = s->slot_free[s->slot_head];
	if (first > *t) {
		SM_ADD(s->ctr, SMMU_XLATE_QUEUE_CYCLES, first - *t);
		*t = first;
	}
}

/* The slot taken in step 1 (the head) is busy until `until`, no earlier
 * than it was: the window moves by one and `until` goes in at its end,
 * before the slots that free later.  The head's old value stays just
 * before the window and stops the search (host time: as many moves as
 * translations in flight end later, none when this one ends last; the
 * window goes back to the start of slot_free once every slot_room
 * translations). */
static void slot_busy_until(struct sm_smmu *s, uint64_t until)
{
	uint64_t *h = s->slot_free;
	unsigned n = s->nslots, head = s->slot_head;
	if (head == s->slot_room) {
		for (unsigned k = 0; k < n; k++)
			h[k] = h[head + k];
		head = 0;
	}
	s->slot_head = head + 1;
	unsigned i = head + n;
	while (h[i - 1] > until) {
		h[i] = h[i - 1];
		i--;
	}
	h[i] = until;
}

/* The report of the access to the observer (the oracle), built at the end
 * and only when one listens, from what the steps found: the regime the
 * stream's configuration names now (step 3), the entry that decided the
 * access (from a TLB, or filled by the walk) and the cache that answered. */
static inline __attribute__((always_inline)) void report(struct xlate *x)
{
	const struct sm_xlate_observer *o = &x->s->obs;
	const struct sm_tc_entry *e = x->entry;
	const struct sm_regime *rg = x->rg;
	struct sm_xlate_report *r = &x->r;
	if (!o->report)
		return;
	/* What sm_smmu_device_report sets, but the access's fields. */
	r->root = rg->root;
	r->root2 = rg->root2;
	r->regime = (uint8_t)rg->kind;
	r->s2_level = (int8_t)rg->s2_level;
	r->entry_va = e ? e->va : 0;
	r->entry_pa = e ? e->pa : 0;
	r->entry_size = e ? sm_tc_size(e) : 0;
	r->entry_perm = e ? e->perm : 0;
	r->outcome = x->out->outcome;
	r->from_cache = x->out->hit;
	r->no_context = false;
	o->report(o->ctx, r);
}

/* STE.Config = abort: terminated, no event (spec 5.2). */
static void terminate_aborted(struct xlate *x)
{
	struct sm_smmu *s = x->s;
	SM_INC(s->ctr, SMMU_ABORTED);
	x->out->outcome = SM_XLATE_FAULT_CONFIG;
	x->out->done = x->t;
	SM_HIST_REC(s->hist, SMMU_TRANSLATION_LATENCY, x->t - x->r.cycle);
	report(x);
}

/* 3. The regime (derived when the configuration was fetched) and the tags
 * of its cached entries. */
static void select_regime(struct xlate *x)
{
	const struct sm_smmu_ctx *c = x->c;
	x->rg = &c->rg;
	x->r.asid = c->tag_asid;
	x->s2fault = x->rg->kind == SM_REGIME_S2;
	/* The class and address of a fault record (stage 2 only: the input
	 * is the IPA); a stage-2 walk may change them, fault_policy sets
	 * the rest (host time: most translations record nothing). */
	x->ex.cls = EVTQ_1_CLASS_IN;
	x->ex.ipa = x->r.va;
	x->out->asid = c->tag_asid;
}

/* An input address the configuration cannot translate (CD.EPD0, or beyond
 * CD.T0SZ or, stage 2 only, VTCR.T0SZ: config.c derive_tags): a
 * translation fault without a walk. */
static bool input_out_of_range(const struct xlate *x)
{
	return x->r.va >= x->c->ia_limit;
}

/* The micro-TLB's lookup.  While fills wait (struct sm_smmu, utlb_pend)
 * it holds those only: it misses unless one of them may match (its
 * StreamID and page, whatever its ASID), and then they are made first
 * (host time: a lookup of an empty micro-TLB is no call). */
static struct sm_tc_entry *utlb_lookup(struct sm_smmu *s, uint32_t sid,
				       uint32_t atag, uint64_t va)
{
	unsigned n = s->utlb_npend;
	if (!(s->utlb_pend_pages >> ((va >> SM_PAGE_SHIFT) & 63) & 1))
		n = 0; /* none of them is of va's page */
	for (unsigned i = 0; i < n; i++) {
		const struct sm_tc_entry *p = &s->utlb_pend[i];
		if (p->vmid == sid &&
		    !((va ^ p->va) >> sm_level_shift(p->level))) {
			sm_smmu_utlb_sync(s);
			break;
		}
	}
	if (s->utlb_npend || !s->utlb.live)
		return NULL;
	return sm_tc_lookup(&s->utlb, sid, atag, va);
}

/* May the micro-TLB's next fill wait (struct sm_smmu, utlb_pend)? */
static bool utlb_fill_waits(const struct sm_smmu *s)
{
	return !s->utlb.live && s->utlb_npend < s->utlb_pend_cap;
}

/* The waiting fill built in place, the next of utlb_pend (utlb_fill_waits),
 * of stream sid: it waits. */
static void utlb_fill_pending(struct sm_smmu *s, uint32_t sid)
{
	struct sm_tc_entry *p = &s->utlb_pend[s->utlb_npend++];
	p->vmid = sid;
	/* A block covers pages of every bit. */
	s->utlb_pend_pages |=
	    p->level == 3 ? 1ull << ((p->va >> SM_PAGE_SHIFT) & 63) : ~0ull;
}

/* The micro-TLB's fill of e for stream sid, whose lookup has just missed:
 * it waits while it may. */
static void utlb_fill(struct sm_smmu *s, const struct sm_tc_entry *e,
		      uint32_t sid)
{
	if (!utlb_fill_waits(s)) {
		struct sm_tc_entry ue = *e;
		ue.vmid = sid;
		sm_smmu_utlb_sync(s);
		sm_tc_fill_missed(&s->utlb, &ue);
		return;
	}
	s->utlb_pend[s->utlb_npend] = *e;
	utlb_fill_pending(s, sid);
}

/* 4. Micro-TLB (per stream: its entries are tagged with the StreamID in
 * the VMID field; it is emptied by every TLBI and CFGI, so the stream's
 * VMID cannot change under an entry), then the IOTLB. */
static struct sm_tc_entry *tlb_lookup(struct xlate *x)
{
	struct sm_smmu *s = x->s;
	struct sm_tc_entry *e = NULL;
	if (s->has_utlb) {
		x->t += s->lat_utlb;
		e = utlb_lookup(s, x->r.sid, x->c->atag, x->r.va);
		s->ctr[e ? SM_STAT_SMMU_UTLB_HITS : SM_STAT_SMMU_UTLB_MISSES]++;
		if (e)
			x->r.cache = "smmu.utlb";
	}
	if (!e) {
		x->t += s->lat_iotlb;
		e = sm_tc_lookup(&s->iotlb, x->c->tag_vmid, x->c->atag,
				 x->r.va);
		if (e) {
			SM_INC(s->ctr, SMMU_IOTLB_HITS);
			x->r.cache = "smmu.iotlb";
			/* The micro-TLB missed this page just now (e's
			 * ASID is the lookup's unless e is global). */
			if (s->has_utlb)
				utlb_fill(s, e, x->r.sid);
		} else {
			SM_INC(s->ctr, SMMU_IOTLB_MISSES);
		}
	}
	if (e && !(e->flags & SM_IOTLB_F_NEG) && !(e->perm & x->need) &&
	    !s->perm_fault_from_cache) {
		/* gem5-like: a cached entry that would fault is dropped and
		 * the walk decides. */
		SM_ADD(s->ctr, SMMU_IOTLB_INVALIDATED,
		       sm_tc_inv_va(&s->iotlb, x->c->tag_vmid, x->c->atag,
				    SM_TC_ASID_OR_GLOBAL, x->r.va));
		sm_smmu_flush_utlb(s);
		e = NULL;
	}
	return e;
}

/* The translation behind an OK outcome (what an ATC caches). */
static void translated(struct xlate *x, uint64_t pa, unsigned perm,
		       uint64_t page_size, const struct sm_tc_entry *e)
{
	struct sm_smmu_xlate *out = x->out;
	out->pa = pa;
	out->perm = perm;
	out->page_size = page_size;
	out->root = e->root;
	out->root2 = e->root2;
	out->regime = e->regime;
	out->s2_level = e->s2_level;
}

/* 4'. A TLB hit decides the outcome (the report judges it against the
 * regime the configuration names now: report()). */
static void use_cached(struct xlate *x, const struct sm_tc_entry *e)
{
	x->out->hit = true;
	x->entry = e;
	if (e->flags & SM_IOTLB_F_NEG) {
		/* A cached translation fault: no walk. */
		SM_INC(x->s->ctr, SMMU_IOTLB_NEGATIVE_HITS);
		x->ev = SM_EVT_F_TRANSLATION;
	} else if (e->perm & x->need) {
		translated(x, e->pa + (x->r.va - e->va), e->perm, sm_tc_size(e),
			   e);
	} else {
		x->ev = SM_EVT_F_PERMISSION;
	}
}

/* 5. The walk itself: stage 1 through the walk cache (it holds stage-1
 * table descriptors), stage 2 and nested with the page-table walker.  A
 * walk that used no walk-cache entry read what the tables give now (the
 * report's `walked`). */
static void walk_tables(struct xlate *x, struct sm_walk *w)
{
	struct sm_smmu *s = x->s;
	SM_INC(s->ctr, SMMU_WALKS);
	if (x->rg->kind == SM_REGIME_S1 && !s->has_walk) {
		/* No walk cache (smmu.walkcache.entries = 0): from TTB0,
		 * without walk-cache lookups, through the walk memo (host
		 * time; with a walk cache the walk starts deeper anyway). */
		sm_pgt_walk_memo(s->pm, &s->walk_memo, x->c->ttb0, 0, x->r.va,
				 w);
		x->r.walked = true;
	} else if (x->rg->kind == SM_REGIME_S1) {
		bool wc_hit;
		x->t += sm_xlate_walk(s->pm, &s->walk, 0, x->c->tag_asid,
				      x->c->ttb0, x->r.va, w, &wc_hit) *
			s->lat_wc;
		s->ctr[wc_hit ? SM_STAT_SMMU_WALKCACHE_HITS
			      : SM_STAT_SMMU_WALKCACHE_MISSES]++;
		x->r.walked = !wc_hit;
	} else {
		sm_pgt_translate(s->pm, x->rg, x->r.va, w);
		x->r.walked = true;
		x->s2fault |= w->fault == SM_WALK_FAULT_STAGE2;
		if (w->ipa != SM_NO_IPA)
			x->ex.ipa = w->ipa;
		if (w->s2_table)
			x->ex.cls = EVTQ_1_CLASS_TT;
	}
	SM_ADD(s->ctr, SMMU_WALK_READS, w->reads);
	x->t += w->reads * s->lat_mem;
}

/* 5'. A walk that translated fills the IOTLB and the micro-TLB, even
 * when the access then faults on permission.  The entry is built where the
 * micro-TLB's fill waits, when it may, else in x->walked (host time: not
 * copied there; it stays readable for the report until the next fill). */
static void fill_walked(struct xlate *x, const struct sm_walk *w)
{
	struct sm_smmu *s = x->s;
	const struct sm_smmu_ctx *c = x->c;
	bool waits = s->has_utlb && utlb_fill_waits(s);
	struct sm_tc_entry *ne =
	    waits ? &s->utlb_pend[s->utlb_npend] : &x->walked;
	/* (Host time: built in place, each field stored once.) */
	uint64_t size = w->page_size;
	*ne = (struct sm_tc_entry){
	    .va = x->r.va & ~(size - 1),
	    .pa = w->pa & ~(size - 1),
	    .root = c->ttb0,
	    .root2 = c->rg.root2,
	    .regime = (uint8_t)c->rg.kind,
	    .s2_level = (int8_t)c->rg.s2_level,
	    .asid = c->s1 ? c->tag_asid : SM_TC_ASID_STAGE2,
	    .vmid = c->tag_vmid,
	    .level = (uint8_t)w->level,
	    .perm = (uint8_t)w->perm,
	    /* stage 2: no ASID */
	    .global = c->s1 && !(w->desc & PTE_NG),
	    .flags = c->fill_flags,
	};
	fill_iotlb(s, ne);
	if (waits)
		utlb_fill_pending(s, x->r.sid);
	else if (s->has_utlb)
		utlb_fill(s, ne, x->r.sid);
	x->entry = ne;
	if (w->perm & x->need)
		translated(x, w->pa, w->perm, w->page_size, ne);
	else
		x->ev = SM_EVT_F_PERMISSION;
}

/* 5''. Negative caching: remember that the page did not translate (perm
 * 0, the page as a 4K entry). */
static void fill_negative(struct xlate *x)
{
	struct sm_tc_entry ne = {
	    .va = x->r.va & SM_PAGE_MASK,
	    .root = x->c->ttb0,
	    .root2 = x->rg->root2,
	    .regime = (uint8_t)x->rg->kind,
	    .s2_level = (int8_t)x->rg->s2_level,
	    .asid = x->c->atag,
	    .vmid = x->c->tag_vmid,
	    .level = 3,
	    .flags = SM_IOTLB_F_NEG | (x->c->aset ? 0 : SM_IOTLB_F_BTM),
	};
	SM_INC(x->s->ctr, SMMU_IOTLB_NEGATIVE_FILLS);
	fill_iotlb(x->s, &ne);
}

static void walk(struct xlate *x)
{
	struct sm_walk w;
	walk_tables(x, &w);
	x->r.walk_fault = (uint8_t)w.fault;
	x->r.walk_perm = w.fault == SM_WALK_OK ? (uint8_t)w.perm : 0;
	x->ev = walk_event(w.fault);
	if (w.fault == SM_WALK_OK)
		fill_walked(x, &w);
	else if (w.fault == SM_WALK_FAULT_TRANSLATION && x->s->neg_cache)
		fill_negative(x);
}

/* 6. Whether a fault (x->ev) is recorded, and whether it stalls. */
static void fault_policy(struct xlate *x)
{
	const struct sm_smmu_ctx *c = x->c;
	enum sm_smmu_event ev = x->ev;
	/* Stage-1 faults are recorded when the CD asks for it (CD.R), those
	 * of the stage-2 part when the STE does (STE.S2R). */
	if (x->s2fault ? c->s2record : c->record)
		x->out->recorded = true;
	if (x->s2fault)
		SM_INC(x->s->ctr, SMMU_FAULTS_STAGE2);
	x->ex.s2 = x->s2fault;
	x->ex.stall = false;
	/* Stall model (spec 3.12): a recoverable stage-1 fault under a CD
	 * with S = 1 (of a transaction, not an ATS translation request,
	 * which gets its failure answered instead) holds the transaction and
	 * is always recorded, with STALL and a STAG, for software to answer
	 * with CMD_RESUME.  With every stall slot busy it is terminated
	 * instead. */
	if ((ev == SM_EVT_F_TRANSLATION || ev == SM_EVT_F_PERMISSION ||
	     ev == SM_EVT_F_ACCESS) &&
	    c->s1 && c->stall && !x->s2fault && !x->s->ats_request) {
		x->held = sm_smmu_stall_hold(x->s, x->r.sid);
		if (x->held) {
			x->ex.stall = true;
			x->ex.stag = x->held->stag;
			x->out->recorded = true;
		}
	}
}

/* Steps 3 to 6 for a stream that translates. */
static void translate_stream(struct xlate *x)
{
	select_regime(x);
	if (input_out_of_range(x)) {
		x->ev = SM_EVT_F_TRANSLATION;
	} else {
		struct sm_tc_entry *e = tlb_lookup(x);
		if (e)
			use_cached(x, e);
		else
			walk(x);
	}
	if (x->ev != SM_EVT_NONE)
		fault_policy(x);
}

/* A fault's event record (when recorded) and stall. */
static void finish_fault(struct xlate *x)
{
	struct sm_smmu *s = x->s;
	struct sm_smmu_xlate *out = x->out;
	if (out->recorded &&
	    !sm_smmu_record_event(s, x->ev, x->r.sid, x->r.ssid, x->r.va,
				  x->r.write, &x->ex, x->t) &&
	    x->held) {
		/* The record is lost: nobody will resume it. */
		x->held->used = false;
		x->held = NULL;
	}
	if (x->held) {
		SM_INC(s->ctr, SMMU_STALL_STALLED);
		out->stalled = true;
		out->stag = x->held->stag;
	}
	s->ctr[evt_stat[x->ev]]++;
}

/* The event record, the outcome, and the report to the observer. */
static void finish(struct xlate *x)
{
	struct sm_smmu *s = x->s;
	struct sm_smmu_xlate *out = x->out;
	/* (Only a fault is recorded or held: x->ev is set.) */
	if (x->ev != SM_EVT_NONE)
		finish_fault(x);
	out->event = x->ev;
	out->outcome = event_outcome(x->ev);
	out->done = x->t;
	slot_busy_until(s, x->t);
	SM_HIST_REC(s->hist, SMMU_TRANSLATION_LATENCY, x->t - x->r.cycle);
	report(x);
}

/* Steps 1 to 6, once the commands consumed by `now` have taken effect
 * (docs/model.md, Time). */
void sm_smmu_translate(struct sm_smmu *s, uint32_t sid, uint32_t ssid,
		       uint64_t va, bool write, uint64_t now, uint32_t tag,
		       struct sm_smmu_xlate *out)
{
	sm_smmu_cmdq_catch_up(s, now);
	struct xlate x;
	x.s = s;
	x.r.agent_kind = SMMUSIM_AGENT_DEVICE;
	x.r.cpu = 0; /* a device, not a PE */
	x.r.sid = sid;
	x.r.ssid = ssid;
	x.r.va = va;
	x.r.write = write;
	x.r.cycle = now;
	x.r.tag = tag;
	x.r.asid = 0;
	x.r.cache = NULL;
	x.r.walked = false;
	x.need = write ? SMMUSIM_PROT_W : SMMUSIM_PROT_R;
	x.t = now;
	x.out = out;
	x.ev = SM_EVT_NONE;
	x.held = NULL;
	x.rg = &no_regime;
	x.entry = NULL;
	*out = (struct sm_smmu_xlate){0};
	SM_INC(s->ctr, SMMU_TRANSLATIONS);
	wait_for_slot(s, &x.t);
	x.c = sm_smmu_cfg_get(s, sid, ssid, &x.t);
	if (x.c->error != SM_EVT_NONE) {
		/* Configuration errors are always recorded (spec 7.3). */
		x.ev = x.c->error;
		x.ex = (struct sm_smmu_evt_s2){false, EVTQ_1_CLASS_IN, 0, false,
					       0};
		out->recorded = true;
	} else if (x.c->abort) {
		terminate_aborted(&x);
		return;
	} else if (x.c->bypass) {
		out->pa = va;
	} else {
		translate_stream(&x);
	}
	finish(&x);
}
