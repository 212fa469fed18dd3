/* SPDX-License-Identifier: MIT */
/*
 * The SMMU's command queue (SMMUv3 spec 3.5 and chapter 4 "Commands"):
 * consuming commands from CMDQ_CONS up to CMDQ_PROD and executing each by
 * its class, as the command table (arch/smmu_cmd.h) decodes it.
 *
 * Commands are consumed in order, each taking smmu.lat.cmd cycles plus its
 * class's (smmu.lat.cmd_cfgi, _tlbi, _sync) and, for TLB invalidations, a
 * lookup per page up to a whole IOTLB scan; their effects on the caches
 * are applied as each is consumed.  An opcode outside the table, or an
 * illegal encoding, stops the queue with CMDQ_CONS.ERR = CERROR_ILL and
 * GERROR.CMDQ_ERR until software acknowledges it (spec 7.1 "Command queue
 * errors").
 */
#include <smmusim/error.h>

#include "arch/smmu_cmd_decode.h"
#include "arch/smmu_regs.h"
#include "base/alloc.h"
#include "base/ops.h"
#include "base/vec.h"
#include "hw/smmu/smmu_internal.h"

int sm_smmu_set_cmdq(struct sm_smmu *s, uint64_t base, unsigned log2size)
{
	sm_smmu_cmdq_fini(s);
	s->cmdq_due = sm_calloc(s->alloc, sizeof(*s->cmdq_due) << log2size);
	if (!s->cmdq_due)
		return SMMUSIM_ENOMEM;
	s->cmdq_base = base;
	s->cmdq_log2size = log2size;
	s->cmdq_prod = s->cmdq_cons = s->cmdq_seen = 0;
	return 0;
}

void sm_smmu_cmdq_fini(struct sm_smmu *s)
{
	if (s->cmdq_due)
		sm_free(s->alloc, s->cmdq_due,
			sizeof(*s->cmdq_due) << s->cmdq_log2size);
	s->cmdq_due = NULL;
	sm_free(s->alloc, s->cmdq_pend,
		s->cmdq_cappend * sizeof(*s->cmdq_pend));
	s->cmdq_pend = NULL;
	s->cmdq_pend_head = s->cmdq_npend = s->cmdq_cappend = 0;
}

/* ---- per class ---- */

static void exec_cfgi(struct sm_smmu *s, const struct sm_smmu_cmd *c)
{
	uint32_t sid = (uint32_t)c->sid;
	switch (c->op) {
	case CMDQ_OP_CFGI_STE:
	case CMDQ_OP_CFGI_CD_ALL:
		sm_smmu_cfg_inv(s, sid, 1, true, 0);
		break;
	case CMDQ_OP_CFGI_ALL:
		/* CFGI_STE_RANGE: the aligned 2^(Range+1) StreamIDs holding
		 * sid; Range = 31 is CFGI_ALL. */
		if (c->range >= 31)
			sm_smmu_cfg_inv(s, 0, 1ull << 32, true, 0);
		else
			sm_smmu_cfg_inv(s, sid & ~((1u << (c->range + 1)) - 1),
					1ull << (c->range + 1), true, 0);
		break;
	case CMDQ_OP_CFGI_CD:
		sm_smmu_cfg_inv(s, sid, 1, false, (uint32_t)c->ssid);
		break;
	}
}

/* An SMMU without IDR3.RIL: TG, TTL, NUM and SCALE are RES0 (spec 4.4.1.1)
 * and an implementation either refuses a non-zero RES0 field (CERROR_ILL)
 * or ignores it (spec 4.1.5).  The model ignores them, so a range-form
 * command from software that did not check IDR3.RIL invalidates the one
 * granule at its address, TTL unused: the quieter of the two permitted
 * outcomes, under-invalidation that the oracle then reports. */
static void ril_fields(const struct sm_smmu *s, struct sm_smmu_cmd *c)
{
	if (!s->ril)
		c->tg = c->ttl = c->num = c->scale = 0;
}

/* The pages of a TLBI's address range: one with TG = 0, else the range
 * form (IDR3.RIL) of (NUM+1) * 2^SCALE granules.  False for an illegal
 * encoding: TTL = NUM = SCALE = 0 with TG != 0 (spec chapter 4,
 * CMD_TLBI_NH_VA), or a granule other than 4K (the only one modelled). */
static bool tlbi_pages(const struct sm_smmu_cmd *c, uint64_t *pages)
{
	*pages = 1;
	if (!c->tg)
		return true;
	if (c->tg != 1 || (!c->ttl && !c->num && !c->scale))
		return false;
	*pages = (c->num + 1) << c->scale;
	return true;
}

struct s2ipa {
	uint16_t vmid;
	uint64_t start, end;
	int level; /* TTL of the range form; 0 = any */
};

static bool s2ipa_match(void *ctx, const struct sm_tc_entry *e)
{
	const struct s2ipa *m = ctx;
	if (e->vmid != m->vmid)
		return false;
	if (e->regime == SM_REGIME_NESTED)
		return true;
	return e->regime == SM_REGIME_S2 && e->va < m->end &&
	       e->va + sm_tc_size(e) > m->start &&
	       (!m->level || e->level == m->level);
}

/* Stage-2 entries of the VMID over the IPA range; combined (nested)
 * entries do not record their IPA, so all of the VMID's go (a superset
 * the spec allows). */
static bool tlbi_s2_ipa(struct sm_smmu *s, const struct sm_smmu_cmd *c)
{
	uint64_t pages;
	if (!tlbi_pages(c, &pages))
		return false;
	struct s2ipa m = {(uint16_t)c->vmid, c->addr, c->addr, 0};
	if (c->tg)
		m.level = (int)c->ttl;
	m.end = m.start + pages * SM_PAGE_SIZE;
	SM_ADD(s->ctr, SMMU_IOTLB_INVALIDATED,
	       sm_tc_inv_if(&s->iotlb, s2ipa_match, &m));
	sm_smmu_flush_utlb(s);
	return true;
}

/* TLBI_NH_VA / TLBI_NH_VAA: stage-1 (and nested) entries of the VMID over
 * the VA range, of the ASID or global (VAA: of any ASID). */
static inline __attribute__((always_inline)) bool
tlbi_nh_va(struct sm_smmu *s, const struct sm_smmu_cmd *c)
{
	uint64_t pages;
	if (!tlbi_pages(c, &pages))
		return false;
	enum sm_tc_asid_match m = c->op == CMDQ_OP_TLBI_NH_VAA
				      ? SM_TC_ASID_ANY
				      : SM_TC_ASID_OR_GLOBAL;
	uint16_t asid = (uint16_t)c->asid;
	/* The IOTLB holds leaves only, so LEAF changes nothing; TTL (range
	 * form) limits the level. */
	SM_ADD(s->ctr, SMMU_IOTLB_INVALIDATED,
	       sm_tc_inv_range(&s->iotlb, (uint16_t)c->vmid, asid, m, c->addr,
			       pages, c->tg ? (int)c->ttl : 0));
	/* LEAF = 0 also drops the cached table descriptors. */
	if (s->has_walk && !c->leaf)
		sm_tc_inv_range(&s->walk, 0, asid, m, c->addr, pages, 0);
	sm_smmu_flush_utlb(s);
	return true;
}

/* A TLB invalidation; false if its encoding is illegal (decode() has
 * refused those already). */
static bool exec_tlbi(struct sm_smmu *s, const struct sm_smmu_cmd *c)
{
	uint16_t vmid = (uint16_t)c->vmid;
	switch (c->op) {
	case CMDQ_OP_TLBI_S12_VMALL:
	case CMDQ_OP_TLBI_NH_ALL:
		/* S12_VMALL: every stage-1, stage-2 and combined entry of the
		 * VMID.  NH_ALL: its stage-1 entries; its stage-2 entries go
		 * too (more than asked, which the spec permits). */
		SM_ADD(s->ctr, SMMU_IOTLB_INVALIDATED,
		       sm_tc_inv_vmid(&s->iotlb, vmid));
		if (s->has_walk)
			sm_tc_inv_all(&s->walk);
		break;
	case CMDQ_OP_TLBI_S2_IPA:
		return tlbi_s2_ipa(s, c);
	case CMDQ_OP_TLBI_NSNH_ALL:
		SM_ADD(s->ctr, SMMU_IOTLB_INVALIDATED,
		       sm_tc_inv_all(&s->iotlb));
		if (s->has_walk)
			sm_tc_inv_all(&s->walk);
		break;
	case CMDQ_OP_TLBI_NH_ASID:
		SM_ADD(s->ctr, SMMU_IOTLB_INVALIDATED,
		       sm_tc_inv_asid(&s->iotlb, vmid, (uint16_t)c->asid));
		if (s->has_walk)
			sm_tc_inv_asid(&s->walk, vmid, (uint16_t)c->asid);
		break;
	case CMDQ_OP_TLBI_NH_VA:
	case CMDQ_OP_TLBI_NH_VAA:
		return tlbi_nh_va(s, c);
	default:
		/* The EL2 and EL3 TLBIs have no effect on what this model
		 * caches (it has no EL2 or EL3 regime). */
		return true;
	}
	sm_smmu_flush_utlb(s);
	return true;
}

/* Service time beyond smmu.lat.cmd: the class's, and for TLBIs the IOTLB
 * scan (by VA: a lookup per page; by ASID or VMID, ALL, and TLBI_S2_IPA,
 * which drops every nested entry of its VMID: a whole scan). */
static uint64_t class_cost(const struct sm_smmu *s,
			   const struct sm_smmu_cmd_def *d,
			   const struct sm_smmu_cmd *c)
{
	switch (d->cls) {
	case SM_SMMU_CMD_CFGI:
		return s->lat_cmd_cfgi;
	case SM_SMMU_CMD_SYNC:
		return s->lat_cmd_sync;
	case SM_SMMU_CMD_TLBI:
		if (c->op == CMDQ_OP_TLBI_NH_VA || c->op == CMDQ_OP_TLBI_NH_VAA)
			return sm_smmu_inv_cost(
			    s, c->tg ? (c->num + 1) << c->scale : 1);
		return sm_smmu_inv_cost(s, UINT64_MAX);
	default:
		return 0;
	}
}

/* Decode one command: false if it is illegal (CERROR_ILL: an unknown
 * opcode, or a TLBI address range with an illegal encoding); *cost gets
 * its service time. */
static const struct sm_smmu_cmd_def *decode(const struct sm_smmu *s,
					    const uint64_t w[2],
					    struct sm_smmu_cmd *c,
					    uint64_t *cost)
{
	uint64_t pages;
	*cost = s->lat_cmd;
	/* CMD_SYNC, every other command the driver writes: its fields
	 * change neither its legality nor its cost, and nothing reads them
	 * (host time: not decoded). */
	if (sm_field_get(CMDQ_0_OP, w[0]) == CMDQ_OP_CMD_SYNC) {
		*cost += s->lat_cmd_sync;
		return SM_SMMU_CMD_SYNC_DEF;
	}
	/* Legality and cost read only the fields of the command's own row
	 * (ril_fields, tlbi_pages, class_cost): the others need no zeroing
	 * (host time), and of a TLBI_NH_VA only those of its range are
	 * decoded, inline; a TLBI_NH_ASID's are, inline too.  A CMD_RESUME, one
	 * per stalled fault, is not decoded at all: it is always legal, and its
	 * class adds nothing to smmu.lat.cmd (class_cost). */
	const struct sm_smmu_cmd_def *d;
	if (sm_field_get(CMDQ_0_OP, w[0]) == CMDQ_OP_TLBI_NH_VA) {
		/* The rest are decoded at its execution (exec_cmd). */
		c->op = CMDQ_OP_TLBI_NH_VA;
		c->tg = sm_field_get(CMDQ_TLBI_1_TG, w[1]);
		c->ttl = sm_field_get(CMDQ_TLBI_1_TTL, w[1]);
		c->num = sm_field_get(CMDQ_TLBI_0_NUM, w[0]);
		c->scale = sm_field_get(CMDQ_TLBI_0_SCALE, w[0]);
		d = &sm_smmu_cmd_defs[SM_SMMU_CMD_ROW_TLBI_NH_VA];
	} else if (sm_field_get(CMDQ_0_OP, w[0]) == CMDQ_OP_RESUME)
		return &sm_smmu_cmd_defs[SM_SMMU_CMD_ROW_RESUME];
	else if (sm_field_get(CMDQ_0_OP, w[0]) == CMDQ_OP_TLBI_NH_ASID)
		d = sm_smmu_cmd_decode_tlbi_nh_asid(w, c);
	else
		d = sm_smmu_cmd_decode_own(w, c);
	if (!d)
		return NULL;
	if (d->cls == SM_SMMU_CMD_TLBI) {
		ril_fields(s, c);
		if ((c->op == CMDQ_OP_TLBI_NH_VA ||
		     c->op == CMDQ_OP_TLBI_NH_VAA ||
		     c->op == CMDQ_OP_TLBI_S2_IPA) &&
		    !tlbi_pages(c, &pages))
			return NULL;
	}
	*cost += class_cost(s, d, c);
	return d;
}

/* CMD_RESUME (w holds one): its row's fields are all
 * sm_smmu_stall_resume reads, decoded inline (host time). */
static inline void exec_resume(struct sm_smmu *s, const uint64_t w[2])
{
	struct sm_smmu_cmd c;
	sm_smmu_cmd_decode_resume(w, &c);
	sm_smmu_stall_resume(s, &c);
	(*s->st_cmd[CMDQ_OP_RESUME])++;
}

/* Execute one legal command at its consumption cycle: decode() accepted
 * it and costed it when it was consumed, so only its fields are needed. */
static void exec_cmd(struct sm_smmu *s, const uint64_t w[2])
{
	struct sm_smmu_cmd c;
	/* A CMD_SYNC completes at its consumption cycle (the driver knows
	 * it from sm_smmu_cmdq_due): only counted, its fields unread. */
	if (sm_field_get(CMDQ_0_OP, w[0]) == CMDQ_OP_CMD_SYNC) {
		(*s->st_cmd[CMDQ_OP_CMD_SYNC])++;
		return;
	}
	/* TLBI_NH_VA, what every DMA unmap issues: tlbi_nh_va reads only
	 * the fields of its row, decoded inline with no zeroing of the
	 * others (host time). */
	if (sm_field_get(CMDQ_0_OP, w[0]) == CMDQ_OP_TLBI_NH_VA) {
		sm_smmu_cmd_decode_tlbi_nh_va(w, &c);
		ril_fields(s, &c);
		tlbi_nh_va(s, &c);
		(*s->st_cmd[CMDQ_OP_TLBI_NH_VA])++;
		return;
	}
	/* TLBI_NH_ASID, the SVA notifier's flush of a whole mm: exec_tlbi's
	 * case reads only its VMID and ASID, decoded inline with no zeroing
	 * of the others (host time; the general decode below gives the same
	 * two, test_smmu_cmd). */
	if (sm_field_get(CMDQ_0_OP, w[0]) == CMDQ_OP_TLBI_NH_ASID) {
		sm_smmu_cmd_decode_tlbi_nh_asid(w, &c);
		exec_tlbi(s, &c);
		(*s->st_cmd[CMDQ_OP_TLBI_NH_ASID])++;
		return;
	}
	/* A RESUME that found commands pending before it (schedule): the
	 * general decode's SM_SMMU_CMD_STALL case below, with its row's
	 * fields decoded inline (exec_resume; host time). */
	if (sm_field_get(CMDQ_0_OP, w[0]) == CMDQ_OP_RESUME) {
		exec_resume(s, w);
		return;
	}
	const struct sm_smmu_cmd_def *d = sm_smmu_cmd_decode(w, &c);
	switch (d->cls) {
	case SM_SMMU_CMD_CFGI:
		exec_cfgi(s, &c);
		break;
	case SM_SMMU_CMD_TLBI:
		ril_fields(s, &c);
		exec_tlbi(s, &c);
		break;
	case SM_SMMU_CMD_ATC:
		sm_smmu_atc_inv(s, &c);
		break;
	case SM_SMMU_CMD_STALL:
		/* A STALL_TERM (a RESUME is executed above). */
		sm_smmu_stall_term(s, &c);
		break;
	default:
		/* PRI_RESP and the prefetches are counted and have no effect
		 * on what this model caches. */
		break;
	}
	/* Counted once executed: an illegal command is in
	 * smmu.cmdq.errors only. */
	(*s->st_cmd[c.op])++;
}

/* Commands and (BTM) broadcast TLBIs the SMMU has completed by `now` take
 * effect in the order of their cycles; a command first at equal cycles.
 * The pending list starts again at 0 once all of it has taken effect. */
void sm_smmu_cmdq_catch_up_due(struct sm_smmu *s, uint64_t now)
{
	for (;;) {
		const struct sm_smmu_pending_cmd *p =
		    s->cmdq_pend_head < s->cmdq_npend &&
			    s->cmdq_pend[s->cmdq_pend_head].due <= now
			? &s->cmdq_pend[s->cmdq_pend_head]
			: NULL;
		const struct sm_dvm_pending *b =
		    sm_dvm_ring_due(&s->btm_rx, now);
		if (b && (!p || b->at < p->due)) {
			sm_smmu_btm_invalidate(s, &b->t);
			sm_dvm_ring_pop(&s->btm_rx);
		} else if (p) {
			s->cmdq_pend_head++;
			exec_cmd(s, (const uint64_t[2]){p->c0, p->c1});
		} else {
			break;
		}
	}
	if (s->cmdq_pend_head == s->cmdq_npend)
		s->cmdq_pend_head = s->cmdq_npend = 0;
}

/* Queue a command consumed at `due` until it takes effect (false: out
 * of host memory). */
static inline bool pend_push(struct sm_smmu *s, const uint64_t w[2],
			     uint64_t due)
{
	if (s->cmdq_npend == s->cmdq_cappend &&
	    SM_VEC_RESERVE(s->alloc, s->cmdq_pend, s->cmdq_cappend,
			   s->cmdq_npend + 1, 16))
		return false;
	s->cmdq_pend[s->cmdq_npend++] =
	    (struct sm_smmu_pending_cmd){w[0], w[1], due};
	return true;
}

/* Schedule one legal command consumed at `due`.  RESUME and STALL_TERM
 * restart or end a stalled device transaction, outside the SMMU's caches:
 * they and everything before them take effect now, not at the consumption
 * cycle: a limit of the model (docs/model.md, the command queue's row).
 * Device retries are engine events now (hw/device, dev_attempt), so the
 * resume could move to its cycle; that would change results. */
static bool schedule(struct sm_smmu *s, const uint64_t w[2],
		     const struct sm_smmu_cmd_def *d, uint64_t due)
{
	if (d->cls != SM_SMMU_CMD_STALL)
		return pend_push(s, w, due);
	/* A RESUME with nothing pending before it (no command, no broadcast
	 * TLBI) takes effect alone: what queueing it and catching up would
	 * do, without the list (host time; the list is empty, so its head
	 * and length are 0 already).  STALL_TERM, rare, goes the long way:
	 * exec_cmd stays inlined in the catch-up, its one caller. */
	if (d == &sm_smmu_cmd_defs[SM_SMMU_CMD_ROW_RESUME] &&
	    s->cmdq_pend_head == s->cmdq_npend &&
	    !sm_dvm_ring_due(&s->btm_rx, UINT64_MAX)) {
		exec_resume(s, w);
		return true;
	}
	if (!pend_push(s, w, due))
		return false;
	sm_smmu_cmdq_catch_up(s, UINT64_MAX);
	return true;
}

/* The two words of the queue entry at pa, as two 64-bit reads of the
 * queue memory.  Host time: the frame of the queue page is looked up again
 * only when the entry is in another page than the last one read (a frame
 * lives as long as the physmem; its content is read each time), and the
 * entry's two words are in that page for a base aligned as CMDQ_BASE's
 * is. */
static inline void read_entry(struct sm_smmu *s, uint64_t pa, uint64_t w[2])
{
	size_t off = (pa & (SM_PAGE_SIZE - 1)) >> 3;
	if (off + 1 < SM_PAGE_SIZE / 8) {
		if (!s->cmdq_frame || (pa & SM_PAGE_MASK) != s->cmdq_frame_pa) {
			s->cmdq_frame = sm_physmem_frame_of(s->pm, pa);
			s->cmdq_frame_pa = pa & SM_PAGE_MASK;
		}
		const uint64_t *mem =
		    s->cmdq_frame ? s->cmdq_frame->content : NULL;
		w[0] = mem ? mem[off] : 0;
		w[1] = mem ? mem[off + 1] : 0;
	} else {
		w[0] = sm_physmem_read64(s->pm, pa);
		w[1] = sm_physmem_read64(s->pm, pa + 8);
	}
}

uint64_t sm_smmu_write_prod(struct sm_smmu *s, uint32_t prod, uint64_t now)
{
	uint32_t n = 1u << s->cmdq_log2size;
	uint32_t mask = (n << 1) - 1; /* index + wrap bit */
	uint64_t t = sm_max_u64(now, s->cmdq_busy_until);

	s->cmdq_prod = prod & mask;
	while (!s->cmdq_halted && s->cmdq_cons != s->cmdq_prod) {
		uint32_t idx = s->cmdq_cons & (n - 1);
		uint64_t w[2];
		read_entry(s, s->cmdq_base + (uint64_t)idx * 16, w);
		struct sm_smmu_cmd c;
		uint64_t cost;
		const struct sm_smmu_cmd_def *d = decode(s, w, &c, &cost);
		t += cost;
		s->cmdq_due[idx] = t;
		if (!d) {
			/* CONS stays on the bad command; GERROR.CMDQ_ERR set
			 * until software acknowledges (spec 7.1). */
			s->cmdq_halted = true;
			s->cmdq_cerror = CMDQ_ERR_CERROR_ILL_IDX;
			SM_INC(s->ctr, SMMU_CMDQ_ERRORS);
			break;
		}
		if (!schedule(s, w, d, t))
			return UINT64_MAX;
		s->cmdq_cons = (s->cmdq_cons + 1) & mask;
	}
	s->cmdq_busy_until = t;
	return t;
}

uint64_t sm_smmu_write_prod_one(struct sm_smmu *s, uint32_t prod, uint64_t now)
{
	uint32_t n = 1u << s->cmdq_log2size;
	uint32_t mask = (n << 1) - 1;
	uint32_t idx = s->cmdq_cons & (n - 1);
	uint64_t w[2];
	/* One new command, nothing pending before it (no command, no
	 * broadcast TLBI): what the loop of sm_smmu_write_prod and
	 * schedule() do for a RESUME then, without them. */
	if (s->cmdq_halted || ((s->cmdq_cons + 1) & mask) != (prod & mask) ||
	    s->cmdq_pend_head != s->cmdq_npend ||
	    sm_dvm_ring_due(&s->btm_rx, UINT64_MAX))
		return sm_smmu_write_prod(s, prod, now);
	read_entry(s, s->cmdq_base + (uint64_t)idx * 16, w);
	if (sm_field_get(CMDQ_0_OP, w[0]) != CMDQ_OP_RESUME)
		return sm_smmu_write_prod(s, prod, now);
	uint64_t t = sm_max_u64(now, s->cmdq_busy_until) + s->lat_cmd;
	s->cmdq_prod = prod & mask;
	s->cmdq_due[idx] = t;
	exec_resume(s, w);
	s->cmdq_cons = (s->cmdq_cons + 1) & mask;
	s->cmdq_busy_until = t;
	return t;
}

void sm_smmu_ack_cmdq_error(struct sm_smmu *s)
{
	uint32_t n = 1u << s->cmdq_log2size;
	if (!s->cmdq_halted)
		return;
	/* Linux replaces the faulting command with a CMD_SYNC and moves on
	 * (arm_smmu_cmdq_skip_err); to the model that is skipping it. */
	s->cmdq_cons = (s->cmdq_cons + 1) & ((n << 1) - 1);
	s->cmdq_halted = false;
	s->cmdq_cerror = 0;
}
