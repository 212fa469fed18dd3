/* SPDX-License-Identifier: MIT */
/*
 * The simulator object: one of each model, wired together.  Built in
 * sim_build.c; the files of src/sim each do one job on it:
 *
 *   sim_build.c     build the models from a config and wire them
 *   sim_submit.c    submit: when an event starts, and when it has finished
 *   sim_checks.c    the checks of an event's arguments
 *   sim_dispatch.c  one handler per kernel event type, calling the model
 *   sim_cpu.c       a CPU access and its page-fault loop
 *   sim_run.c       run the clock, finish, replay a trace (file, stream,
 *                   memory)
 *   sim_results.c   counters, histograms, violations
 *   sim_memory.c    the models' allocator, capped by sim.max_host_memory
 *   presets.c       the preset tables of kernel/ and hw/ behind the API
 *   config_layers.c which setting wins: presets, files, single keys
 *   report.c        the report writers (to a FILE or a buffer)
 *   completion.c    co-simulation: the completion hook, the ABI sizes
 *
 * Shared by these files and the white-box tests; not installed.
 */
#ifndef SM_SIM_SIM_INTERNAL_H
#define SM_SIM_SIM_INTERNAL_H

#include <smmusim/smmusim.h>

#include "base/alloc.h"
#include "base/errbuf.h"
#include "arch/vmsa.h"
#include "base/rng.h"
#include "check/oracle.h"
#include "engine/engine.h"
#include "engine/stats.h"
#include "hw/cpu/cpu.h"
#include "hw/device/device.h"
#include "hw/mem/physmem.h"
#include "hw/smmu/smmu.h"
#include "kernel/kernel.h"

/* completion.c: an accepted event not finished yet, while a completion
 * hook is set. */
struct sm_sim_pending {
	uint64_t seq, cookie, start, va;
	uint32_t line;
	enum smmusim_event_type type;
};

struct sm_sim_cosim {
	smmusim_completion_fn fn;
	void *ctx;
	struct sm_sim_pending *pend; /* in order of submission */
	size_t n, cap;
	/* How the device access finishing now ended (dev_done), and what
	 * answered the SMMU's last translation (seen through smmu.obs). */
	const struct sm_dev_outcome *dev;
	enum smmusim_answer last_answer;
	struct sm_xlate_observer inner; /* smmu.obs before the hook's */
	bool wrapped;
};

struct smmusim {
	const struct smmusim_allocator *alloc; /* &mem.self */
	struct sm_alloc_limit mem;	       /* sim_memory.c */
	smmusim_config_t *cfg;
	struct sm_errbuf err;
	char *policy, *trace;

	struct sm_stats *stats;
	struct sm_engine eng;
	struct sm_rng rng;
	struct sm_physmem *pm;
	struct sm_cpu cpu;
	struct sm_smmu smmu;
	struct sm_device dev;
	struct sm_os os;
	struct sm_oracle oracle;
	bool cpu_ok, smmu_ok, os_ok, oracle_ok;

	/* Sequencing of submitted events. */
	bool finished;
	/* A replay stopped early by its progress hook (the report says so),
	 * and the events it refused and went on past (keep-going). */
	bool interrupted;
	uint64_t refused;
	uint64_t prev_start, prev_finish, seq;
	bool prev_done;
	uint64_t last_cycle;
	/* The next event's earliest start when the caller knows it (replay
	 * reads one line ahead; UINT64_MAX: nothing new can start before
	 * this event ends), for the engine's horizon; 0: unknown. */
	uint64_t horizon_hint;
	bool have_hint;

	uint32_t retry_limit;	  /* dev.retry_limit: also a CPU's faults */
	uint64_t max_event_pages; /* sim.max_event_pages */

	uint64_t *ctr;		     /* the stats by ID (engine/stats.h) */
	struct sm_hist *const *hist; /* the histograms by ID */

	struct sm_sim_cosim cosim; /* completion.c */
};

void sm_sim_mem_init(struct sm_alloc_limit *m,
		     const struct smmusim_allocator *host, uint64_t limit);
/* rc, or SMMUSIM_ENOMEM with a message naming sim.max_host_memory when an
 * allocation has been refused (then every later event is refused too). */
int sm_sim_mem_refused(struct smmusim *s, int rc);
static inline int sm_sim_mem_check(struct smmusim *s, int rc)
{
	return s->mem.refused ? sm_sim_mem_refused(s, rc) : rc;
}

/* Event `seq` has finished at cycle t (sim_submit.c says what follows;
 * inline: once per event, from the kernel threads and the devices). */
void sm_sim_cosim_finish(struct smmusim *s, uint64_t seq, uint64_t t, int rc);
static inline void sm_sim_note_finish(struct smmusim *s, uint64_t seq,
				      uint64_t t)
{
	if (t > s->last_cycle)
		s->last_cycle = t;
	if (seq == s->seq) {
		s->prev_done = true;
		s->prev_finish = t;
	}
	if (s->cosim.n)
		sm_sim_cosim_finish(s, seq, t, 0);
}
/* Prefix the current error message ("PREFIX: message"); returns rc. */
int sm_sim_prefix_error(struct smmusim *s, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* completion.c: room for one more pending event (before the submit
 * changes anything), then the event accepted as `seq` (s->seq), dropped
 * when refused, finished (from sm_sim_note_finish) or failed after its
 * submit returned; the pending list freed. */
int sm_sim_cosim_reserve_hooked(struct smmusim *s);
void sm_sim_cosim_begin_hooked(struct smmusim *s,
			       const struct smmusim_event *ev, uint64_t start);
/* (Host time: without a completion hook, nothing to do, inline.) */
static inline int sm_sim_cosim_reserve(struct smmusim *s)
{
	return s->cosim.fn ? sm_sim_cosim_reserve_hooked(s) : 0;
}
static inline void sm_sim_cosim_begin(struct smmusim *s,
				      const struct smmusim_event *ev,
				      uint64_t start)
{
	if (s->cosim.fn)
		sm_sim_cosim_begin_hooked(s, ev, start);
}
void sm_sim_cosim_drop(struct smmusim *s, uint64_t seq);
void sm_sim_cosim_fini(struct smmusim *s);

/* sim_run.c: rc, or SMMUSIM_ENOMEM once the host failed an allocation a
 * model could not report (a write to simulated memory lost, a device's ATC
 * missing): the run can no longer be trusted, so every call from then on
 * refuses to go on. */
/* smmusim_set_next_start(), inline for the replay loop. */
static inline void sm_sim_set_next_start(struct smmusim *s, uint64_t cycle)
{
	s->have_hint = true;
	s->horizon_hint = cycle;
}

int sm_sim_host_memory_failed(struct smmusim *s, int rc);
static inline int sm_sim_check_host_memory(struct smmusim *s, int rc)
{
	/* (Host time: the common case, nothing refused or lost, inline;
	 * called twice per event.) */
	if (!s->mem.refused && !(s->pm && sm_physmem_lost_write(s->pm)) &&
	    !(s->smmu_ok && s->smmu.host_oom))
		return rc;
	return sm_sim_host_memory_failed(s, rc);
}
/* The same once smmusim_new() has succeeded: the physical memory and the
 * SMMU exist (host time: submit's two checks per event, one branch each). */
static inline int sm_sim_check_host_memory_built(struct smmusim *s, int rc)
{
	if (!(s->mem.refused | sm_physmem_lost_write(s->pm) | s->smmu.host_oom))
		return rc;
	return sm_sim_host_memory_failed(s, rc);
}

/* sim_checks.c: each returns 0 or an error with its message in s->err. */
int sm_sim_find_mm(struct smmusim *s, uint32_t id, struct sm_mm **mm);
/* A PE index (inline: once per kernel operation; the message comes from
 * sm_sim_refuse_cpu). */
int sm_sim_refuse_cpu(struct smmusim *s, uint32_t cpu);
static inline int sm_sim_check_cpu(struct smmusim *s, uint32_t cpu)
{
	return cpu < sm_cpu_count(&s->cpu) ? 0 : sm_sim_refuse_cpu(s, cpu);
}
/* A CPU event's mm (found), cpu and user va (inline: once per CPU access;
 * the message comes from sm_sim_refuse_cpu_event, which finds the mm
 * again). */
int sm_sim_refuse_cpu_event(struct smmusim *s, const struct smmusim_event *ev,
			    struct sm_mm **mm);
static inline int sm_sim_check_cpu_event(struct smmusim *s,
					 const struct smmusim_event *ev,
					 struct sm_mm **mm)
{
	*mm = sm_os_find_mm(&s->os, ev->mm);
	if (!*mm || ev->cpu >= sm_cpu_count(&s->cpu) || ev->va >> SM_VA_BITS)
		return sm_sim_refuse_cpu_event(s, ev, mm);
	return 0;
}
int sm_sim_check_touch_range(struct smmusim *s, const struct smmusim_event *ev);
/* A dev_access's op and va (inline: once per access; the message comes
 * from sm_sim_refuse_dev_access). */
int sm_sim_refuse_dev_access(struct smmusim *s, const struct smmusim_event *ev);
static inline int sm_sim_check_dev_access(struct smmusim *s,
					  const struct smmusim_event *ev)
{
	if (ev->op == SMMUSIM_ACC_EXEC || ev->va >> SM_VA_BITS)
		return sm_sim_refuse_dev_access(s, ev);
	return 0;
}
/* A raw TLBI's operand from the event's fields, each checked. */
int sm_sim_tlbi_operand(struct smmusim *s, const struct smmusim_event *ev,
			enum sm_tlbi_op *op, bool *is, uint64_t *operand);
/* A raw command's two words from the event's fields, each checked. */
int sm_sim_cmd_words(struct smmusim *s, const struct smmusim_event *ev,
		     uint64_t c[2]);

/* sim_dispatch.c: the kernel threads report to the simulator (set once,
 * at build) and run each event type's handler. */
void sm_sim_dispatch_init(struct smmusim *s);
/* The kernel event types whose model never waits (sm_sched_submit). */
extern const bool sm_sim_never_waits[SMMUSIM_EV_COUNT_];

/* Run event ev from cycle `start` (a kernel operation may still be running
 * when this returns: sm_sim_note_finish says when it ends).  A device
 * access goes to the devices, and finishes when the device says so
 * (sm_device_ops.done), possibly many engine events later; everything
 * else is the work of a PE: its kernel thread runs it (sim_dispatch.c),
 * after whatever that PE is still doing.  (Host time: inline in submit;
 * ev->type is in range, smmusim_submit checked it.) */
static inline int sm_sim_dispatch(struct smmusim *s,
				  const struct smmusim_event *ev,
				  uint64_t start)
{
	int rc;
	if (ev->type == SMMUSIM_EV_DEV_ACCESS) {
		sm_oracle_set_op_line(&s->oracle, ev->line);
		if ((rc = sm_sim_check_dev_access(s, ev)) < 0)
			return rc;
		s->prev_done = false;
		return sm_device_access(&s->dev, ev->sid, ev->ssid, ev->va,
					ev->op == SMMUSIM_ACC_WRITE, ev->line,
					start, s->seq);
	}
	/* (The cpu is checked here, once, for every kernel handler.) */
	if ((rc = sm_sim_check_cpu(s, ev->cpu)) < 0)
		return rc;
	return sm_sched_submit(&s->os, ev, s->seq, start,
			       sm_sim_never_waits[ev->type]);
}

/* sim_cpu.c: a cpu_access or touch event on the CPU, faulting pages in. */
int sm_sim_cpu_access(struct smmusim *s, const struct smmusim_event *ev,
		      uint64_t *t);
int sm_sim_touch(struct smmusim *s, const struct smmusim_event *ev,
		 uint64_t *t);

#endif
