/* SPDX-License-Identifier: MIT */
/*
 * The checks of an event's arguments, made before any model is called, so
 * that a refused event changes nothing and takes no time.  Each message
 * names the field, its value and what is allowed; the submitter prefixes it
 * with the event keyword (and a replay with FILE:LINE:COLUMN).
 *
 * Two events are built field by field from the trace and checked against
 * the architecture: a raw TLBI's operand (Arm ARM D8.13, the TLBI operand
 * formats; FEAT_TLBIRANGE and FEAT_TTL) and a raw SMMU command (SMMUv3
 * 4.1, the command formats).
 */
#include "sim/sim_internal.h"

#include <inttypes.h>

#include "arch/smmu_cmd.h"
#include "arch/smmu_regs.h"
#include "arch/tlbi.h"
#include "arch/vmsa.h"
#include "engine/config.h"
#include "hw/mem/pgtable.h"

int sm_sim_find_mm(struct smmusim *s, uint32_t id, struct sm_mm **mm)
{
	*mm = sm_os_find_mm(&s->os, id);
	if (!*mm)
		return sm_err(&s->err, SMMUSIM_ENOENT,
			      "mm=%" PRIu32 " does not exist", id);
	return 0;
}

int sm_sim_refuse_cpu(struct smmusim *s, uint32_t cpu)
{
	unsigned n = sm_cpu_count(&s->cpu);
	return sm_err(&s->err, SMMUSIM_ERANGE,
		      "cpu=%" PRIu32 " is out of range (cpu.count=%u: "
		      "0..%u)",
		      cpu, n, n - 1);
}

int sm_sim_refuse_cpu_event(struct smmusim *s, const struct smmusim_event *ev,
			    struct sm_mm **mm)
{
	int rc;
	if ((rc = sm_sim_find_mm(s, ev->mm, mm)) < 0 ||
	    (rc = sm_sim_check_cpu(s, ev->cpu)) < 0)
		return rc;
	return sm_err(&s->err, SMMUSIM_ERANGE,
		      "va=0x%" PRIx64 " is beyond the 48-bit user "
		      "address space",
		      ev->va);
}

int sm_sim_check_touch_range(struct smmusim *s, const struct smmusim_event *ev)
{
	uint64_t end = ev->va + ev->len;
	if (end < ev->va || end > (1ull << SM_VA_BITS))
		return sm_err(&s->err, SMMUSIM_ERANGE,
			      "[0x%" PRIx64 ", +0x%" PRIx64
			      ") goes beyond the 48-bit user address space",
			      ev->va, ev->len);
	/* One access per page: the work is bounded before it starts. */
	uint64_t pages = ((end + SM_PAGE_SIZE - 1) >> SM_PAGE_SHIFT) -
			 (ev->va >> SM_PAGE_SHIFT);
	if (pages > s->max_event_pages)
		return sm_err(&s->err, SMMUSIM_ERANGE,
			      "len=0x%" PRIx64 " touches %" PRIu64
			      " pages; one event may touch 1..%" PRIu64
			      " (sim.max_event_pages)",
			      ev->len, pages, s->max_event_pages);
	return 0;
}

static int check_va48(struct smmusim *s, uint64_t va)
{
	if (va >> SM_VA_BITS)
		return sm_err(&s->err, SMMUSIM_ERANGE,
			      "va=0x%" PRIx64 " is beyond 48 bits", va);
	return 0;
}

int sm_sim_refuse_dev_access(struct smmusim *s, const struct smmusim_event *ev)
{
	if (ev->op == SMMUSIM_ACC_EXEC)
		return sm_err(&s->err, SMMUSIM_EINVAL,
			      "op=x: devices read (r) or write (w)");
	return check_va48(s, ev->va);
}

/* ---- raw TLBI ---- */

/* The fields every TLBI shares, and which of them the op takes. */
static int check_tlbi_fields(struct smmusim *s, const struct smmusim_event *ev,
			     enum sm_tlbi_op op, const char *name)
{
	uint32_t asid_max = (1u << sm_cfg_u64(s->cfg, SM_K_CPU_ASID_BITS)) - 1;
	int rc = sm_sim_check_cpu(s, ev->cpu);
	if (rc < 0)
		return rc;
	if (ev->asid > asid_max)
		return sm_err(&s->err, SMMUSIM_ERANGE,
			      "asid=%" PRIu32
			      " is out of range (cpu.asid_bits: "
			      "0..%" PRIu32 ")",
			      ev->asid, asid_max);
	if (!sm_tlbi_by_va(op) && (ev->va || ev->ttl))
		return sm_err(&s->err, SMMUSIM_EINVAL, "%s takes no %s", name,
			      ev->va ? "va" : "ttl");
	if (op == SM_TLBI_VMALLE1 && ev->asid)
		return sm_err(&s->err, SMMUSIM_EINVAL, "%s takes no asid",
			      name);
	if (sm_tlbi_is_range(op) && !sm_cpu_has_tlbirange(&s->cpu))
		return sm_err(&s->err, SMMUSIM_EINVAL,
			      "%s needs cpu.feat_tlbirange=on (FEAT_TLBIRANGE; "
			      "the instruction is undefined without it)",
			      name);
	if (!sm_tlbi_is_range(op) && (ev->tg || ev->scale || ev->num))
		return sm_err(
		    &s->err, SMMUSIM_EINVAL,
		    "%s is not a range op: tg, scale and num apply to "
		    "rvae1, rvale1, rvaae1, rvaale1 only",
		    name);
	return check_va48(s, ev->va);
}

/* RVA*: TG, SCALE, NUM, TTL and BaseADDR in granules (D8.13.4). */
static int range_operand(struct smmusim *s, const struct smmusim_event *ev,
			 enum sm_tlbi_op op, uint64_t *operand)
{
	const char *field = "", *why = "";
	if (ev->scale > 3 || ev->num > 31 || ev->ttl > 3 || ev->tg > 3)
		return sm_err(&s->err, SMMUSIM_ERANGE,
			      "%s field out of range (tg 0..3, scale "
			      "0..3, num 0..31, ttl 0..3)",
			      ev->tg > 3      ? "tg"
			      : ev->scale > 3 ? "scale"
			      : ev->num > 31  ? "num"
					      : "ttl");
	*operand = sm_tlbi_operand_range((uint16_t)ev->asid, ev->tg, ev->scale,
					 ev->num, ev->ttl, ev->va);
	if (sm_tlbi_check(op, *operand, &field, &why) < 0)
		return sm_err(&s->err, SMMUSIM_EINVAL, "%s=%u: %s", field,
			      ev->tg, why);
	if (ev->va & 0xfff)
		return sm_err(&s->err, SMMUSIM_EINVAL,
			      "va=0x%" PRIx64 " is not 4K aligned "
			      "(BaseADDR is in granules)",
			      ev->va);
	return 0;
}

int sm_sim_tlbi_operand(struct smmusim *s, const struct smmusim_event *ev,
			enum sm_tlbi_op *op, bool *is, uint64_t *operand)
{
	if ((unsigned)ev->tlbi >= SMMUSIM_TLBI_COUNT_)
		return sm_err(&s->err, SMMUSIM_EINVAL, "op: unknown TLBI %d",
			      (int)ev->tlbi);
	*op = (enum sm_tlbi_op)(ev->tlbi / 2);
	*is = ev->tlbi % 2;
	int rc = check_tlbi_fields(s, ev, *op, sm_tlbi_name(*op, *is));
	if (rc < 0)
		return rc;
	if (sm_tlbi_is_range(*op))
		return range_operand(s, ev, *op, operand);
	if (*op == SM_TLBI_ASIDE1 || *op == SM_TLBI_VMALLE1) {
		*operand = sm_tlbi_operand_asid((uint16_t)ev->asid);
		return 0;
	}
	if (ev->ttl > 15)
		return sm_err(&s->err, SMMUSIM_ERANGE,
			      "ttl=%u is out of range (0..15: TG[3:2] "
			      "level[1:0])",
			      ev->ttl);
	*operand = sm_tlbi_operand_va((uint16_t)ev->asid, ev->va, ev->ttl);
	return 0;
}

/* ---- raw SMMU command ---- */

/* A trace's `cmd` line, or a library user's cmd event, built by the one
 * command builder (arch/smmu_cmd.h), which checks every field against its
 * range and names the first that does not fit.  SSV = 1 when ssid is given;
 * a trace's sync waits for completion (CS = SEV); a cmd line has no resp
 * key, so RESUME takes its response from the ssid's low bits
 * (docs/trace-format.md, "cmd"). */
int sm_sim_cmd_words(struct smmusim *s, const struct smmusim_event *ev,
		     uint64_t c[2])
{
	bool ssv = ev->ssid != SMMUSIM_NO_SSID;
	struct sm_smmu_cmd cmd = {
	    .op = ev->opcode,
	    .ssv = ssv,
	    .ssid = ssv ? ev->ssid : 0,
	    .sid = ev->sid,
	    .asid = ev->asid,
	    .vmid = ev->vmid,
	    .tg = ev->tg,
	    .num = ev->num,
	    .scale = ev->scale,
	    .ttl = ev->ttl,
	    .leaf = ev->leaf,
	    .range = ev->range,
	    .addr = ev->va,
	    .cs = CMDQ_SYNC_0_CS_SEV,
	    .resp = ev->opcode == CMDQ_OP_RESUME && ssv ? ev->ssid & 3 : 0,
	};
	return sm_smmu_cmd_build(&cmd, c, &s->err);
}
