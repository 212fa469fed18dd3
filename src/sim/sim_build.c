/* SPDX-License-Identifier: MIT */
/*
 * Building the simulator: one of each model from the config, wired the way
 * the system is -- the oracle observes every translation of the CPUs and
 * the SMMU and is told the kernel's invalidation windows; the SMMU receives
 * the CPUs' broadcast TLBIs when it has BTM (DVM).  Then the kernel boots:
 * the SMMU driver's probe runs at cycle 0, and the first event starts when
 * it has finished; the SMMU's interrupts and the devices' page requests
 * reach the kernel's driver (sm_drv_wire_upcalls), and a device's finished
 * access the sequencing of events (sim_submit.c).
 */
#include "sim/sim_internal.h"

#include <stdarg.h>
#include <stdio.h>

#include "base/alloc.h"
#include "engine/config.h"

const char *smmusim_version(void)
{
	return SMMUSIM_VERSION_STRING;
}

void smmusim_free(smmusim_t *s)
{
	if (!s)
		return;
	/* Operations suspended on their kernel threads end first, while
	 * every model is alive: what they hold is theirs to free. */
	if (s->os_ok)
		sm_sched_cancel(&s->os);
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
	sm_sim_cosim_fini(s);
	if (s->pm)
		sm_physmem_free(s->pm);
	if (s->stats)
		sm_stats_free(s->stats);
	smmusim_config_free(s->cfg);
	sm_strfree(s->alloc, s->policy);
	sm_strfree(s->alloc, s->trace);
	sm_free(s->mem.host, s, sizeof(*s));
}

/* The object, its own copy of the config, its stats registry and clock. */
static int sim_alloc(struct smmusim **out, const smmusim_config_t *cfg,
		     const struct smmusim_allocator *alloc)
{
	struct smmusim *s = sm_calloc(alloc, sizeof(*s));
	if (!s)
		return SMMUSIM_ENOMEM;
	/* Everything but this struct is counted (sim_memory.c). */
	sm_sim_mem_init(&s->mem, alloc,
			sm_cfg_u64(cfg, SM_K_SIM_MAX_HOST_MEMORY));
	s->alloc = alloc = &s->mem.self;
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
	s->eng.eb = &s->err;
	sm_rng_seed(&s->rng, sm_cfg_u64(cfg, SM_K_SIM_SEED));
	s->retry_limit = (uint32_t)sm_cfg_u64(cfg, SM_K_DEV_RETRY_LIMIT);
	s->max_event_pages = sm_cfg_u64(cfg, SM_K_SIM_MAX_EVENT_PAGES);
	s->prev_done = true;
	*out = s;
	return 0;
}

/* Memory, CPUs, SMMU, devices, oracle; each fini copes with a partial
 * build (the *_ok flags say which to undo). */
static int build_hardware(struct smmusim *s)
{
	const smmusim_config_t *cfg = s->cfg;
	int rc;
	s->ctr = sm_stats_ctrs(s->stats);
	s->hist = sm_stats_hists(s->stats);
	if ((rc = sm_physmem_new(&s->pm, s->alloc, 0x40000000ull,
				 sm_cfg_u64(cfg, SM_K_MEM_SIZE), &s->err)) < 0)
		return rc;
	if ((rc = sm_cpu_init(&s->cpu, s->alloc, cfg, s->pm, s->stats, &s->rng,
			      &s->err)) < 0)
		return rc;
	s->cpu_ok = true;
	if ((rc = sm_smmu_init(&s->smmu, s->alloc, cfg, s->pm, s->stats,
			       &s->rng, &s->err)) < 0)
		return rc;
	s->smmu_ok = true;
	if ((rc = sm_device_init(&s->dev, s->alloc, cfg, &s->eng, &s->smmu,
				 s->stats, &s->err)) < 0)
		return rc;
	if ((rc = sm_oracle_init(
		 &s->oracle, s->alloc, s->pm,
		 sm_cfg_bool(cfg, SM_K_CHECK_ENABLE),
		 (uint32_t)sm_cfg_u64(cfg, SM_K_CHECK_LIVELOCK_FAULTS),
		 s->stats)) < 0)
		return rc;
	s->oracle_ok = true;
	return 0;
}

/* The oracle, when checks are on, observes both translating agents (with
 * checks off nothing listens: the SMMU builds no report, host time); with
 * BTM the SMMU is a DVM receiver. */
static int wire_hardware(struct smmusim *s)
{
	if (sm_oracle_enabled(&s->oracle)) {
		s->cpu.obs =
		    (struct sm_xlate_observer){sm_oracle_observe, &s->oracle};
		s->smmu.obs =
		    (struct sm_xlate_observer){sm_oracle_observe, &s->oracle};
	}
	if (sm_smmu_has_btm(&s->smmu)) {
		struct sm_dvm_receiver r = {sm_smmu_dvm_apply, &s->smmu};
		return sm_cpu_add_receiver(&s->cpu, &r);
	}
	return 0;
}

/* A device access finished: the sequencing of events learns it (and the
 * completion hook, how it ended). */
static void dev_done(void *ctx, uint64_t seq, uint64_t t,
		     const struct sm_dev_outcome *o)
{
	struct smmusim *s = ctx;
	s->cosim.dev = o;
	sm_sim_note_finish(s, seq, t);
	s->cosim.dev = NULL;
}

/* The kernel on top: its init probes the SMMU driver at cycle 0; the
 * hardware's upcalls reach its driver; the oracle is told its
 * invalidation windows. */
static int boot_kernel(struct smmusim *s)
{
	uint64_t t = 0;
	int rc = sm_os_init(&s->os, s->alloc, s->cfg, s->pm, &s->cpu, &s->smmu,
			    s->stats, &s->err, &t);
	s->os_ok = true; /* fini copes with a partial init */
	if (rc < 0)
		return rc;
	s->os.eng = &s->eng;
	sm_sim_dispatch_init(s);
	sm_drv_wire_upcalls(&s->os, &s->dev);
	s->dev.ops.done = dev_done;
	s->dev.ops.done_ctx = s;
	s->os.hooks =
	    (struct sm_os_hooks){sm_oracle_window_open, sm_oracle_window_close,
				 sm_oracle_page_freed, &s->oracle};
	/* Driver probe ran at cycle 0; the trace starts when it is done, with
	 * the probe's commands consumed and in effect (docs/model.md, Time). */
	sm_smmu_cmdq_catch_up(&s->smmu, t);
	sm_cpu_rx_catch_up_all(&s->cpu, t);
	s->prev_finish = t;
	s->last_cycle = t;
	return 0;
}

/* A failed smmusim_new_ex() always leaves a message (when asked for one). */
__attribute__((format(printf, 4, 5))) static int
new_failed(char *errmsg, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;
	if (!errmsg || !errlen)
		return rc;
	va_start(ap, fmt);
	vsnprintf(errmsg, errlen, fmt, ap);
	va_end(ap);
	return rc;
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
	struct smmusim *s;
	int rc;
	if (errmsg && errlen)
		errmsg[0] = '\0';
	if (out)
		*out = NULL;
	if (!out || !cfg)
		return new_failed(errmsg, errlen, SMMUSIM_EINVAL,
				  "smmusim_new: NULL %s",
				  out ? "config" : "result pointer");
	*out = NULL;
	if ((rc = sim_alloc(&s, cfg, sm_alloc_or_default(alloc))) < 0)
		return new_failed(errmsg, errlen, rc,
				  "smmusim_new: %s allocating the simulator "
				  "and its config copy",
				  smmusim_strerror(rc));
	if ((rc = build_hardware(s)) < 0 || (rc = wire_hardware(s)) < 0 ||
	    (rc = sm_sim_check_host_memory(s, boot_kernel(s))) < 0) {
		rc = sm_sim_check_host_memory(s, rc); /* the cap, named */
		/* a stat the table does not have is named by the registry */
		if (sm_stats_error(s->stats) < 0 && !s->err.msg[0])
			sm_err(&s->err, sm_stats_error(s->stats), "%s",
			       sm_stats_errmsg(s->stats));
		new_failed(errmsg, errlen, rc, "%s",
			   s->err.msg[0] ? s->err.msg : smmusim_strerror(rc));
		smmusim_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

/* Replace label *slot by a copy of text; NULL leaves it as it is. */
static int set_label(struct smmusim *s, char **slot, const char *text)
{
	if (!text)
		return 0;
	char *p = sm_strdup(s->alloc, text);
	if (!p)
		return SMMUSIM_ENOMEM;
	sm_strfree(s->alloc, *slot);
	*slot = p;
	return 0;
}

int smmusim_set_labels(smmusim_t *s, const char *policy, const char *trace)
{
	if (!s)
		return SMMUSIM_EINVAL;
	int rc = set_label(s, &s->policy, policy);
	return rc < 0 ? rc : set_label(s, &s->trace, trace);
}

const char *smmusim_last_error(const smmusim_t *s)
{
	return s ? s->err.msg : "";
}

uint64_t smmusim_now(const smmusim_t *s)
{
	return s ? s->eng.now : 0;
}

const smmusim_config_t *smmusim_config(const smmusim_t *s)
{
	return s ? s->cfg : NULL;
}
