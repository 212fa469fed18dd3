/* SPDX-License-Identifier: MIT */
/*
 * The simulator object: builds one of each model from the config, wires
 * them (the SMMU as a DVM receiver of the CPUs, the oracle as the observer
 * of both and as the kernel's window hook), and sequences submitted events
 * on the engine's clock.
 *
 * Sequencing.  An event without a time stamp starts when the previous one
 * has finished; "+N" starts N cycles after that; "@N" at cycle N, which may
 * overlap an event still in progress (a device retrying after a page
 * request).  Kernel operations and CPU accesses complete in the call that
 * starts them (their duration is accounted); a device access is a chain of
 * engine events: translate, fault, page request to the kernel, response,
 * retry.
 */
#include "sim/sim_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "engine/config.h"
#include "hw/mem/pgtable.h"
#include "trace/trace_reader.h"
#include "arch/smmu_regs.h"

static void smmu_irq(void *ctx, int queue, uint64_t cycle);

/* ---- sequencing: an event has finished ---- */

static void note_finish(struct smmusim *s, uint64_t seq, uint64_t t)
{
	if (t > s->last_cycle)
		s->last_cycle = t;
	if (seq == s->seq) {
		s->prev_done = true;
		s->prev_finish = t;
	}
}

/* ---- the devices' upcalls: the kernel answers ---- */

/* The kernel's PRI thread takes the oldest record off the queue (requests
 * of equal latency arrive in order: it is this one) and resolves it. */
static int dev_page_request(void *ctx, uint32_t sid, uint32_t ssid, uint64_t va,
			    bool write, bool *ok, uint64_t *t)
{
	struct smmusim *s = ctx;
	uint32_t psid, pssid;
	uint64_t pva;
	bool pwrite;
	sm_smmu_priq_pop(&s->smmu, &psid, &pssid, &pva, &pwrite);
	return sm_drv_page_request(&s->os, sid, ssid, va, write, ok, t);
}

static int dev_stall_resume(void *ctx, uint32_t sid, uint32_t ssid, uint64_t va,
			    bool write, uint16_t stag, bool give_up, bool *ok,
			    uint64_t *t)
{
	struct smmusim *s = ctx;
	return sm_drv_stall_resume(&s->os, sid, ssid, va, write, stag, give_up,
				   ok, t);
}

static bool dev_pri_enabled(void *ctx, uint32_t sid, uint32_t ssid)
{
	struct smmusim *s = ctx;
	const struct sm_bond *b = sm_drv_find_bond(&s->os, sid, ssid);
	return b && b->pri;
}

static void dev_done(void *ctx, uint64_t seq, uint64_t t)
{
	note_finish(ctx, seq, t);
}

const char *smmusim_version(void)
{
	return SMMUSIM_VERSION_STRING;
}

const char *smmusim_violation_name(enum smmusim_violation_kind kind)
{
	static const char *const names[] = {
#define SM_VK_NAME_(n, s) s,
	    SMMUSIM_VIOLATION_KINDS(SM_VK_NAME_)
#undef SM_VK_NAME_
	};
	return (unsigned)kind < SMMUSIM_VIOLATION_COUNT_ ? names[kind] : "?";
}

static int register_stats(struct smmusim *s)
{
	struct sm_stats *st = s->stats;
	s->st_events = sm_stats_counter(st, "sim.events");
	s->st_cycles = sm_stats_counter(st, "sim.cycles");
	s->st_cpu_accesses = sm_stats_counter(st, "cpu.accesses");
	s->st_segv = sm_stats_counter(st, "cpu.access.segv");
	s->st_evtq_drains = sm_stats_counter(st, "os.smmu.evtq_drains");
	s->h_cpu_access = sm_stats_hist(st, "cpu.access.latency");
	return s->h_cpu_access ? 0 : SMMUSIM_ENOMEM;
}

void smmusim_free(smmusim_t *s)
{
	if (!s)
		return;
	if (s->os_ok)
		sm_os_fini(&s->os);
	if (s->oracle_ok)
		sm_oracle_fini(&s->oracle);
	if (s->smmu_ok)
		sm_smmu_fini(&s->smmu);
	if (s->cpu_ok)
		sm_cpu_fini(&s->cpu);
	sm_device_fini(&s->dev);
	sm_engine_fini(&s->eng);
	if (s->pm)
		sm_physmem_free(s->pm);
	if (s->stats)
		sm_stats_free(s->stats);
	smmusim_config_free(s->cfg);
	sm_strfree(s->alloc, s->policy);
	sm_strfree(s->alloc, s->trace);
	sm_free(s->alloc, s, sizeof(*s));
}

int smmusim_new(smmusim_t **out, const smmusim_config_t *cfg,
		const struct smmusim_allocator *alloc)
{
	return smmusim_new_ex(out, cfg, alloc, NULL, 0);
}

int smmusim_new_ex(smmusim_t **out, const smmusim_config_t *cfg,
		   const struct smmusim_allocator *alloc, char *errmsg,
		   size_t errlen)
{
	if (errmsg && errlen)
		errmsg[0] = '\0';
	if (!out || !cfg)
		return SMMUSIM_EINVAL;
	*out = NULL;
	alloc = sm_alloc_or_default(alloc);
	struct smmusim *s = sm_calloc(alloc, sizeof(*s));
	if (!s)
		return SMMUSIM_ENOMEM;
	s->alloc = alloc;
	int rc = smmusim_config_new(&s->cfg, alloc);
	if (rc == 0)
		rc = smmusim_config_copy(s->cfg, cfg);
	if (rc == 0)
		rc = sm_stats_new(&s->stats, alloc);
	if (rc < 0) {
		smmusim_free(s);
		return rc;
	}
	cfg = s->cfg;
	sm_engine_init(&s->eng, alloc);
	sm_rng_seed(&s->rng, sm_cfg_u64(cfg, SM_K_SIM_SEED));
	s->retry_limit = (uint32_t)sm_cfg_u64(cfg, SM_K_DEV_RETRY_LIMIT);
	s->lat_evtq_irq = sm_cfg_u64(cfg, SM_K_OS_LAT_EVTQ_IRQ);
	s->prev_done = true;

	uint64_t t = 0;
	if ((rc = register_stats(s)) < 0 ||
	    (rc = sm_physmem_new(&s->pm, alloc, 0x40000000ull,
				 sm_cfg_u64(cfg, SM_K_MEM_SIZE), &s->err)) < 0)
		goto fail;
	if ((rc = sm_cpu_init(&s->cpu, alloc, cfg, s->pm, s->stats, &s->rng,
			      &s->err)) < 0)
		goto fail;
	s->cpu_ok = true;
	if ((rc = sm_smmu_init(&s->smmu, alloc, cfg, s->pm, s->stats, &s->rng,
			       &s->err)) < 0)
		goto fail;
	s->smmu_ok = true;
	if ((rc = sm_device_init(&s->dev, alloc, cfg, &s->eng, &s->smmu,
				 s->stats, &s->err)) < 0)
		goto fail;
	s->dev.ops = (struct sm_device_ops){dev_page_request, dev_stall_resume,
					    dev_pri_enabled, dev_done, s};
	if ((rc = sm_oracle_init(
		 &s->oracle, alloc, s->pm, sm_cfg_bool(cfg, SM_K_CHECK_ENABLE),
		 (uint32_t)sm_cfg_u64(cfg, SM_K_CHECK_LIVELOCK_FAULTS),
		 s->stats)) < 0)
		goto fail;
	s->oracle_ok = true;
	s->cpu.obs = (struct sm_xlate_observer){sm_oracle_observe, &s->oracle};
	s->smmu.obs = (struct sm_xlate_observer){sm_oracle_observe, &s->oracle};
	s->smmu.irq = (struct sm_smmu_irq){smmu_irq, s};
	if (s->smmu.btm) {
		struct sm_dvm_receiver r = {sm_smmu_dvm_apply, &s->smmu};
		if ((rc = sm_cpu_add_receiver(&s->cpu, &r)) < 0)
			goto fail;
	}
	rc = sm_os_init(&s->os, alloc, cfg, s->pm, &s->cpu, &s->smmu, s->stats,
			&s->err, &t);
	s->os_ok = true; /* fini copes with a partial init */
	if (rc < 0)
		goto fail;
	s->os.hooks = (struct sm_os_hooks){sm_oracle_window_open,
					   sm_oracle_window_close, &s->oracle};
	/* Driver probe ran at cycle 0; the trace starts when it is done. */
	s->prev_finish = t;
	s->last_cycle = t;
	*out = s;
	return 0;
fail:
	if (errmsg && errlen)
		snprintf(errmsg, errlen, "%s",
			 s->err.msg[0] ? s->err.msg : smmusim_strerror(rc));
	smmusim_free(s);
	return rc;
}

int smmusim_set_labels(smmusim_t *s, const char *policy, const char *trace)
{
	if (!s)
		return SMMUSIM_EINVAL;
	if (policy) {
		char *p = sm_strdup(s->alloc, policy);
		if (!p)
			return SMMUSIM_ENOMEM;
		sm_strfree(s->alloc, s->policy);
		s->policy = p;
	}
	if (trace) {
		char *p = sm_strdup(s->alloc, trace);
		if (!p)
			return SMMUSIM_ENOMEM;
		sm_strfree(s->alloc, s->trace);
		s->trace = p;
	}
	return 0;
}

const char *smmusim_last_error(const smmusim_t *s)
{
	return s ? s->err.msg : "";
}

uint64_t smmusim_now(const smmusim_t *s)
{
	return s->eng.now;
}

const smmusim_config_t *smmusim_config(const smmusim_t *s)
{
	return s->cfg;
}

/* ---- the SMMU's event-queue interrupt: the kernel drains it ---- */

static int evtq_drain(void *ctx, uint64_t arg)
{
	struct smmusim *s = ctx;
	(void)arg;
	s->evtq_drain_pending = false;
	sm_smmu_evtq_drain(&s->smmu);
	(*s->st_evtq_drains)++;
	return 0;
}

static void smmu_irq(void *ctx, int queue, uint64_t cycle)
{
	struct smmusim *s = ctx;
	(void)queue;
	/* arm_smmu_evtq_thread runs os.lat.evtq_irq after the first record
	 * of a burst and drains everything there is by then. */
	if (s->evtq_drain_pending)
		return;
	if (cycle < s->eng.now)
		cycle = s->eng.now;
	if (sm_engine_at(&s->eng, cycle + s->lat_evtq_irq, evtq_drain, s, 0) ==
	    0)
		s->evtq_drain_pending = true;
}

/* ---- CPU accesses ---- */

/* One load/store/fetch by process mm on PE `cpu`, faulting pages in through
 * handle_mm_fault like a user program. */
static int cpu_access_one(struct smmusim *s, struct sm_mm *mm, uint32_t cpu,
			  uint64_t va, enum smmusim_access acc, uint32_t line,
			  uint64_t *t)
{
	/* With KPTI user mappings are tagged with the odd user ASID. */
	uint16_t asid = (uint16_t)(mm->asid | (s->cpu.kpti ? 1 : 0));
	uint64_t t0 = *t;
	(*s->st_cpu_accesses)++;
	for (uint32_t tries = 0;; tries++) {
		struct sm_cpu_access a;
		sm_cpu_access_kind(&s->cpu, cpu, asid, mm->pgd, va, acc, *t,
				   line, &a);
		*t = a.done;
		if (a.outcome == SM_XLATE_OK)
			break;
		bool ok;
		if (tries >= s->retry_limit) {
			(*s->st_segv)++;
			break;
		}
		int rc = sm_os_handle_mm_fault(&s->os, mm, cpu, va, acc, false,
					       &ok, t);
		if (rc < 0)
			return rc;
		if (!ok) {
			/* SIGSEGV: the process would die; the trace goes on. */
			(*s->st_segv)++;
			break;
		}
	}
	sm_hist_record(s->h_cpu_access, *t - t0);
	return 0;
}

static int need_cpu_mm(struct smmusim *s, const struct smmusim_event *ev,
		       struct sm_mm **mm)
{
	*mm = sm_os_find_mm(&s->os, ev->mm);
	if (!*mm)
		return sm_err(&s->err, SMMUSIM_ENOENT,
			      "mm=%" PRIu32 " does not exist", ev->mm);
	if (ev->cpu >= s->cpu.n)
		return sm_err(&s->err, SMMUSIM_ERANGE,
			      "cpu=%" PRIu32 " is out of range (cpu.count=%u: "
			      "0..%u)",
			      ev->cpu, s->cpu.n, s->cpu.n - 1);
	if (ev->va >> SM_VA_BITS)
		return sm_err(&s->err, SMMUSIM_ERANGE,
			      "va=0x%" PRIx64 " is beyond the 48-bit user "
			      "address space",
			      ev->va);
	return 0;
}

static int cpu_access(struct smmusim *s, const struct smmusim_event *ev,
		      uint64_t *t)
{
	struct sm_mm *mm;
	int rc = need_cpu_mm(s, ev, &mm);
	if (rc < 0)
		return rc;
	return cpu_access_one(s, mm, ev->cpu, ev->va, ev->op, ev->line, t);
}

/* touch: fault a range in from a CPU, page by page (a memset). */
static int touch(struct smmusim *s, const struct smmusim_event *ev, uint64_t *t)
{
	struct sm_mm *mm;
	int rc = need_cpu_mm(s, ev, &mm);
	if (rc < 0)
		return rc;
	uint64_t end = ev->va + ev->len;
	if (end < ev->va || end > (1ull << SM_VA_BITS))
		return sm_err(&s->err, SMMUSIM_ERANGE,
			      "[0x%" PRIx64 ", +0x%" PRIx64
			      ") goes beyond the 48-bit user address space",
			      ev->va, ev->len);
	for (uint64_t va = ev->va & SM_PAGE_MASK; va < end; va += SM_PAGE_SIZE)
		if ((rc = cpu_access_one(s, mm, ev->cpu, va, ev->op, ev->line,
					 t)) < 0)
			return rc;
	return 0;
}

/* Raw TLBI: the operand built from the event's fields, each checked. */
static int raw_tlbi(struct smmusim *s, const struct smmusim_event *ev,
		    uint64_t *t)
{
	if ((unsigned)ev->tlbi >= SMMUSIM_TLBI_COUNT_)
		return sm_err(&s->err, SMMUSIM_EINVAL, "op: unknown TLBI %d",
			      (int)ev->tlbi);
	enum sm_tlbi_op op = (enum sm_tlbi_op)(ev->tlbi / 2);
	bool is = ev->tlbi % 2;
	const char *name = sm_tlbi_name(op, is);
	uint32_t asid_max = (1u << sm_cfg_u64(s->cfg, SM_K_CPU_ASID_BITS)) - 1;
	if (ev->cpu >= s->cpu.n)
		return sm_err(&s->err, SMMUSIM_ERANGE,
			      "cpu=%" PRIu32 " is out of range (cpu.count=%u: "
			      "0..%u)",
			      ev->cpu, s->cpu.n, s->cpu.n - 1);
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
	if (sm_tlbi_is_range(op) && !s->cpu.feat_range)
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
	if (ev->va >> SM_VA_BITS)
		return sm_err(&s->err, SMMUSIM_ERANGE,
			      "va=0x%" PRIx64 " is beyond 48 bits", ev->va);
	uint64_t operand;
	if (sm_tlbi_is_range(op)) {
		const char *field = "", *why = "";
		if (ev->scale > 3 || ev->num > 31 || ev->ttl > 3 || ev->tg > 3)
			return sm_err(&s->err, SMMUSIM_ERANGE,
				      "%s field out of range (tg 0..3, scale "
				      "0..3, num 0..31, ttl 0..3)",
				      ev->tg > 3      ? "tg"
				      : ev->scale > 3 ? "scale"
				      : ev->num > 31  ? "num"
						      : "ttl");
		operand =
		    sm_tlbi_operand_range((uint16_t)ev->asid, ev->tg, ev->scale,
					  ev->num, ev->ttl, ev->va);
		if (sm_tlbi_check(op, operand, &field, &why) < 0)
			return sm_err(&s->err, SMMUSIM_EINVAL, "%s=%u: %s",
				      field, ev->tg, why);
		if (ev->va & 0xfff)
			return sm_err(&s->err, SMMUSIM_EINVAL,
				      "va=0x%" PRIx64 " is not 4K aligned "
				      "(BaseADDR is in granules)",
				      ev->va);
	} else if (op == SM_TLBI_ASIDE1 || op == SM_TLBI_VMALLE1) {
		operand = sm_tlbi_operand_asid((uint16_t)ev->asid);
	} else {
		if (ev->ttl > 15)
			return sm_err(&s->err, SMMUSIM_ERANGE,
				      "ttl=%u is out of range (0..15: TG[3:2] "
				      "level[1:0])",
				      ev->ttl);
		operand =
		    sm_tlbi_operand_va((uint16_t)ev->asid, ev->va, ev->ttl);
	}
	*t = sm_cpu_tlbi(&s->cpu, ev->cpu, op, is, operand, *t);
	return 0;
}

/* ---- submission ---- */

/* The value and width limit of the command field sm_smmu_cmd_encode()
 * refused, for the error message. */
static void cmd_field_limit(const struct sm_cmd_fields *f, const char *field,
			    uint64_t *v, uint64_t *max)
{
	static const struct {
		const char *name;
		uint64_t max;
	} lim[] = {{"op", 0xff},     {"asid", 0xffff}, {"vmid", 0xffff},
		   {"tg", 3},	     {"num", 31},      {"scale", 31},
		   {"ttl", 3},	     {"leaf", 1},      {"range", 31},
		   {"ssid", 0xfffff}};
	const uint64_t val[] = {f->opcode, f->asid, f->vmid, f->tg,    f->num,
				f->scale,  f->ttl,  f->leaf, f->range, f->ssid};
	*v = 0;
	*max = 0;
	for (size_t i = 0; i < sizeof(lim) / sizeof(lim[0]); i++)
		if (!strcmp(lim[i].name, field)) {
			*v = val[i];
			*max = lim[i].max;
		}
	if (!strcmp(field, "range") && f->opcode == CMDQ_OP_ATC_INV)
		*max = ATC_INV_SIZE_ALL; /* ATC_INV's SIZE */
}

static int run_event(struct smmusim *s, const struct smmusim_event *ev,
		     uint64_t start)
{
	uint64_t t = start;
	int rc;
	switch (ev->type) {
	case SMMUSIM_EV_MM_CREATE:
		rc = sm_os_mm_create(&s->os, ev->mm, &t);
		break;
	case SMMUSIM_EV_MMAP:
		rc = sm_os_mmap(&s->os, ev->mm, ev->cpu, ev->va, ev->len,
				ev->prot, ev->map == SMMUSIM_MAP_SHARED, &t);
		break;
	case SMMUSIM_EV_MUNMAP:
		rc = sm_os_munmap(&s->os, ev->mm, ev->cpu, ev->va, ev->len, &t);
		break;
	case SMMUSIM_EV_MPROTECT:
		rc = sm_os_mprotect(&s->os, ev->mm, ev->cpu, ev->va, ev->len,
				    ev->prot, &t);
		break;
	case SMMUSIM_EV_MM_EXIT:
		rc = sm_os_mm_exit(&s->os, ev->mm, ev->cpu, &t);
		break;
	case SMMUSIM_EV_BIND: {
		struct sm_mm *mm = sm_os_find_mm(&s->os, ev->mm);
		if (!mm)
			return sm_err(&s->err, SMMUSIM_ENOENT,
				      "mm=%" PRIu32 " does not exist", ev->mm);
		rc =
		    sm_drv_sva_bind(&s->os, ev->sid, ev->ssid, mm, ev->pri, &t);
		break;
	}
	case SMMUSIM_EV_UNBIND:
		rc = sm_drv_sva_unbind(&s->os, ev->sid, ev->ssid, &t);
		break;
	case SMMUSIM_EV_CPU_ACCESS:
		rc = cpu_access(s, ev, &t);
		break;
	case SMMUSIM_EV_TOUCH:
		rc = touch(s, ev, &t);
		break;
	case SMMUSIM_EV_MADVISE:
		rc = sm_os_madvise_dontneed(&s->os, ev->mm, ev->cpu, ev->va,
					    ev->len, &t);
		break;
	case SMMUSIM_EV_RECLAIM:
		rc =
		    sm_os_reclaim(&s->os, ev->mm, ev->cpu, ev->va, ev->len, &t);
		break;
	case SMMUSIM_EV_TLBI:
		rc = raw_tlbi(s, ev, &t);
		break;
	case SMMUSIM_EV_DOMAIN_CREATE:
		rc = sm_drv_domain_create(&s->os, ev->dom, ev->stage, ev->asid,
					  ev->vmid, ev->nested, ev->parent, &t);
		break;
	case SMMUSIM_EV_ATTACH:
		rc = sm_drv_attach(&s->os, ev->sid, ev->dom, ev->cmds, &t);
		break;
	case SMMUSIM_EV_IOMMU_MAP:
		rc = sm_drv_iommu_map(&s->os, ev->dom, ev->va, ev->len, ev->pa,
				      ev->prot, &t);
		break;
	case SMMUSIM_EV_IOMMU_UNMAP:
		rc = sm_drv_iommu_unmap(&s->os, ev->dom, ev->va, ev->len, &t);
		break;
	case SMMUSIM_EV_CMD: {
		struct sm_cmd_fields f = {
		    .opcode = ev->opcode,
		    .sid = ev->sid,
		    .ssid = ev->ssid,
		    .asid = ev->asid,
		    .vmid = ev->vmid,
		    .addr = ev->va,
		    .tg = ev->tg,
		    .num = ev->num,
		    .scale = ev->scale,
		    .ttl = ev->ttl,
		    .leaf = ev->leaf,
		    .range = ev->range,
		};
		uint64_t c[2];
		const char *field = "";
		if ((rc = sm_smmu_cmd_encode(&f, c, &field)) < 0) {
			uint64_t v, max;
			if (rc == SMMUSIM_EINVAL)
				return sm_err(&s->err, rc,
					      "addr=0x%" PRIx64
					      " must be 4K aligned (the "
					      "command's address field "
					      "starts at bit 12)",
					      f.addr);
			cmd_field_limit(&f, field, &v, &max);
			return sm_err(&s->err, rc,
				      "%s=%" PRIu64 " is out of range for "
				      "its command field (0..%" PRIu64 ")",
				      field, v, max);
		}
		rc = sm_drv_raw_cmd(&s->os, c, &t);
		break;
	}
	case SMMUSIM_EV_DSB:
		if (ev->cpu >= s->cpu.n)
			return sm_err(&s->err, SMMUSIM_ERANGE,
				      "cpu=%" PRIu32 " is out of range "
				      "(cpu.count=%u: 0..%u)",
				      ev->cpu, s->cpu.n, s->cpu.n - 1);
		t = sm_cpu_dsb_ish(&s->cpu, ev->cpu, t);
		rc = 0;
		break;
	case SMMUSIM_EV_DEV_ACCESS:
		if (ev->op == SMMUSIM_ACC_EXEC)
			return sm_err(&s->err, SMMUSIM_EINVAL,
				      "op=x: devices read (r) or write (w)");
		if (ev->va >> SM_VA_BITS)
			return sm_err(&s->err, SMMUSIM_ERANGE,
				      "va=0x%" PRIx64 " is beyond 48 bits",
				      ev->va);
		s->prev_done = false;
		return sm_device_access(&s->dev, ev->sid, ev->ssid, ev->va,
					ev->op == SMMUSIM_ACC_WRITE, ev->line,
					start, s->seq);
	default:
		return sm_err(&s->err, SMMUSIM_EINVAL, "unknown event type %d",
			      (int)ev->type);
	}
	if (rc < 0)
		return rc;
	note_finish(s, s->seq, t);
	return 0;
}

/* Prefix the current error message with the event keyword. */
static int event_error(struct smmusim *s, const struct smmusim_event *ev,
		       int rc)
{
	char msg[SM_ERRBUF_LEN];
	const char *kw = smmusim_event_name(ev->type);
	snprintf(msg, sizeof(msg), "%s", s->err.msg);
	sm_err(&s->err, rc, "%s: %s", kw ? kw : "event", msg);
	return rc;
}

int smmusim_submit(smmusim_t *s, const struct smmusim_event *ev)
{
	uint64_t start;
	int rc;
	if (!s || !ev)
		return SMMUSIM_EINVAL;
	sm_err_clear(&s->err);
	if (s->finished)
		return sm_err(&s->err, SMMUSIM_ESTATE,
			      "submit after smmusim_finish()");
	if ((unsigned)ev->type >= SMMUSIM_EV_COUNT_)
		return sm_err(&s->err, SMMUSIM_EINVAL, "unknown event type %d",
			      (int)ev->type);
	if (ev->timing == SMMUSIM_AT) {
		if (s->started && ev->time < s->prev_start)
			return sm_err(&s->err, SMMUSIM_EINVAL,
				      "out-of-order time stamp: @%" PRIu64
				      " is earlier than the start of the "
				      "previous event (cycle %" PRIu64 ")",
				      ev->time, s->prev_start);
		start = ev->time;
	} else if (ev->timing == SMMUSIM_AFTER_PREV) {
		while (!s->prev_done) {
			rc = sm_engine_step(&s->eng);
			if (rc < 0)
				return rc;
			if (rc == 0)
				return sm_err(&s->err, SMMUSIM_EINTERNAL,
					      "previous event never finished");
		}
		start = s->prev_finish + ev->time;
		if (start < s->prev_finish)
			return sm_err(&s->err, SMMUSIM_ERANGE,
				      "+%" PRIu64 " overflows the clock",
				      ev->time);
	} else {
		return sm_err(&s->err, SMMUSIM_EINVAL, "unknown timing %d",
			      (int)ev->timing);
	}
	if (start < s->eng.now)
		start = s->eng.now; /* @N before driver probe finished */
	if ((rc = sm_engine_run_until(&s->eng, start)) < 0)
		return rc;
	s->started = true;
	s->prev_start = start;
	s->prev_done = false;
	s->seq++;
	(*s->st_events)++;
	rc = run_event(s, ev, start);
	if (rc < 0) {
		/* A refused event took no time: the next one may start. */
		note_finish(s, s->seq, start);
		return event_error(s, ev, rc);
	}
	return 0;
}

int smmusim_run_until(smmusim_t *s, uint64_t cycle)
{
	if (!s)
		return SMMUSIM_EINVAL;
	if (s->finished)
		return sm_err(&s->err, SMMUSIM_ESTATE, "run after finish");
	return sm_engine_run_until(&s->eng, cycle);
}

static void scan_atc(void *ctx, const struct sm_tcache *tc)
{
	sm_oracle_scan_cache(ctx, tc);
}

int smmusim_finish(smmusim_t *s)
{
	int rc;
	if (!s)
		return SMMUSIM_EINVAL;
	if (s->finished)
		return 0;
	while ((rc = sm_engine_step(&s->eng)) > 0)
		;
	if (rc < 0)
		return rc;
	s->finished = true;
	if (s->eng.now > s->last_cycle)
		s->last_cycle = s->eng.now;
	*s->st_cycles = s->last_cycle;
	for (unsigned i = 0; i < s->cpu.n; i++) {
		sm_oracle_scan_cache(&s->oracle, &s->cpu.pe[i].l1i);
		sm_oracle_scan_cache(&s->oracle, &s->cpu.pe[i].l1d);
		sm_oracle_scan_cache(&s->oracle, &s->cpu.pe[i].tlb);
	}
	sm_oracle_scan_cache(&s->oracle, &s->smmu.iotlb);
	if (s->smmu.has_utlb)
		sm_oracle_scan_cache(&s->oracle, &s->smmu.utlb);
	sm_smmu_atc_for_each(&s->smmu, scan_atc, &s->oracle);
	return 0;
}

int smmusim_replay_file(smmusim_t *s, const char *path)
{
	struct sm_trace_reader *r;
	struct smmusim_event ev;
	int rc;
	if (!s || !path)
		return SMMUSIM_EINVAL;
	if ((rc = sm_trace_open(&r, path, s->alloc, &s->err)) < 0)
		return rc;
	if (!s->trace)
		smmusim_set_labels(s, NULL, path);
	while ((rc = sm_trace_next(r, &ev, &s->err)) > 0) {
		rc = smmusim_submit(s, &ev);
		if (rc < 0) {
			char msg[SM_ERRBUF_LEN];
			snprintf(msg, sizeof(msg), "%s", s->err.msg);
			sm_err(&s->err, rc, "%s:%" PRIu32 ":%" PRIu32 ": %s",
			       sm_trace_name(r), ev.line, ev.column, msg);
			break;
		}
	}
	sm_trace_close(r);
	if (rc < 0)
		return rc;
	return smmusim_finish(s);
}

/* ---- results ---- */

int smmusim_stat_get(const smmusim_t *s, const char *name, uint64_t *value)
{
	const uint64_t *c = s && name ? sm_stats_find(s->stats, name) : NULL;
	if (!c)
		return SMMUSIM_ENOENT;
	if (value)
		*value = *c;
	return 0;
}

size_t smmusim_stat_count(const smmusim_t *s)
{
	return s ? sm_stats_counter_count(s->stats) : 0;
}

int smmusim_stat_at(const smmusim_t *s, size_t i, const char **name,
		    uint64_t *value)
{
	if (!s || i >= sm_stats_counter_count(s->stats))
		return SMMUSIM_EINVAL;
	sm_stats_counter_at(s->stats, i, name, value);
	return 0;
}

size_t smmusim_hist_count(const smmusim_t *s)
{
	return s ? sm_stats_hist_count(s->stats) : 0;
}

int smmusim_hist_at(const smmusim_t *s, size_t i, const char **name,
		    struct smmusim_hist_summary *summary)
{
	if (!s || i >= sm_stats_hist_count(s->stats))
		return SMMUSIM_EINVAL;
	sm_stats_hist_at(s->stats, i, name, summary);
	return 0;
}

int smmusim_hist_get(const smmusim_t *s, const char *name,
		     struct smmusim_hist_summary *summary)
{
	const struct sm_hist *h =
	    s && name ? sm_stats_find_hist(s->stats, name) : NULL;
	if (!h)
		return SMMUSIM_ENOENT;
	sm_hist_summary(h, summary);
	return 0;
}

void smmusim_set_violation_hook(smmusim_t *s, smmusim_violation_fn fn,
				void *ctx)
{
	if (!s)
		return;
	s->oracle.hook = fn;
	s->oracle.hook_ctx = ctx;
}

uint64_t smmusim_violation_total(const smmusim_t *s)
{
	return s ? s->oracle.total : 0;
}

size_t smmusim_violation_count(const smmusim_t *s)
{
	return s ? s->oracle.nkept : 0;
}

const struct smmusim_violation *smmusim_violation_at(const smmusim_t *s,
						     size_t i)
{
	if (!s || i >= s->oracle.nkept)
		return NULL;
	return &s->oracle.kept[i];
}
