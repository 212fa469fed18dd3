/* SPDX-License-Identifier: MIT */
/*
 * Co-simulation (include/smmusim/cosim.h): one completion per accepted
 * event, and the sizes a binding checks its mirrors of the public structs
 * against.
 *
 * While a hook is set, every event smmusim_submit() accepts is kept in a
 * pending list (its cookie, start and line) until sm_sim_note_finish()
 * sees it end: a kernel operation when its kernel thread finishes it
 * (kernel/sched.h), a device access when the device says so (dev_done,
 * with how it ended: struct sm_dev_outcome).  What answered a device's
 * last translation is seen on the SMMU's translation reports
 * (hw/mem/observe.h): the hook's observer notes the report's cache and
 * hands it on to the oracle's.  A successful device access completes in
 * the same call as its final translation (hw/device/device.c), so the last
 * report is its own.  Without a hook nothing of this runs.
 */
#include "sim/sim_internal.h"

#include <string.h>

#include <smmusim/import.h>

#include "base/alloc.h"
#include "base/vec.h"

unsigned smmusim_abi_version(void)
{
	return SMMUSIM_ABI_VERSION;
}

size_t smmusim_struct_size(const char *name)
{
	static const struct {
		const char *name;
		size_t size;
	} sizes[] = {
#define SM_SIZE_(n) {#n, sizeof(struct n)}
	    SM_SIZE_(smmusim_event),
	    SM_SIZE_(smmusim_completion),
	    SM_SIZE_(smmusim_violation),
	    SM_SIZE_(smmusim_hist_summary),
	    SM_SIZE_(smmusim_key_info),
	    SM_SIZE_(smmusim_import_stats),
	    SM_SIZE_(smmusim_stat_def),
	    SM_SIZE_(smmusim_config_layers),
	    SM_SIZE_(smmusim_allocator),
	    SM_SIZE_(smmusim_import_sid),
	    SM_SIZE_(smmusim_import_ftrace_opts),
	    SM_SIZE_(smmusim_import_ftrace_stats),
	    SM_SIZE_(smmusim_import_strace_opts),
	    SM_SIZE_(smmusim_import_strace_stats),
	    SM_SIZE_(smmusim_replay_progress),
	    SM_SIZE_(smmusim_replay_hooks),
	    SM_SIZE_(smmusim_report_options),
#undef SM_SIZE_
	};
	for (size_t i = 0; name && i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if (strcmp(name, sizes[i].name) == 0)
			return sizes[i].size;
	return 0;
}

const char *smmusim_status_name(enum smmusim_status status)
{
	static const char *const names[] = {"ok", "fault", "error"};
	return (unsigned)status < 3 ? names[status] : "?";
}

const char *smmusim_answer_name(enum smmusim_answer answer)
{
	static const char *const names[] = {
#define SM_ANSWER_NAME_(n, str) str,
	    SMMUSIM_ANSWERS(SM_ANSWER_NAME_)
#undef SM_ANSWER_NAME_
	};
	return (unsigned)answer < SMMUSIM_ANSWER_COUNT_ ? names[answer] : "?";
}

/* The SMMU's translation report: note what answered, pass it on. */
static void cosim_observe(void *ctx, const struct sm_xlate_report *r)
{
	struct smmusim *s = ctx;
	enum smmusim_answer a = SMMUSIM_ANSWER_WALK;
	if (r->from_cache && r->cache) {
		if (strcmp(r->cache, "dev.atc") == 0)
			a = SMMUSIM_ANSWER_ATC;
		else if (strcmp(r->cache, "smmu.utlb") == 0)
			a = SMMUSIM_ANSWER_UTLB;
		else
			a = SMMUSIM_ANSWER_IOTLB;
	}
	s->cosim.last_answer = a;
	sm_observe(&s->cosim.inner, r);
}

int smmusim_set_completion_hook(smmusim_t *s, smmusim_completion_fn fn,
				void *ctx)
{
	if (!s)
		return SMMUSIM_EINVAL;
	struct sm_sim_cosim *c = &s->cosim;
	c->fn = fn;
	c->ctx = ctx;
	if (fn && !c->wrapped) {
		c->inner = s->smmu.obs;
		s->smmu.obs = (struct sm_xlate_observer){cosim_observe, s};
		c->wrapped = true;
	} else if (!fn && c->wrapped) {
		s->smmu.obs = c->inner;
		c->wrapped = false;
	}
	if (!fn)
		c->n = 0; /* nobody to tell */
	return 0;
}

int sm_sim_cosim_reserve_hooked(struct smmusim *s)
{
	struct sm_sim_cosim *c = &s->cosim;
	if (SM_VEC_RESERVE(s->alloc, c->pend, c->cap, c->n + 1, 16) < 0)
		return sm_sim_mem_check(
		    s, sm_err(&s->err, SMMUSIM_ENOMEM,
			      "out of memory keeping the event for the "
			      "completion hook"));
	return 0;
}

void sm_sim_cosim_begin_hooked(struct smmusim *s,
			       const struct smmusim_event *ev, uint64_t start)
{
	struct sm_sim_cosim *c = &s->cosim;
	/* sm_sim_cosim_reserve() made room */
	c->pend[c->n++] = (struct sm_sim_pending){.seq = s->seq,
						  .cookie = ev->cookie,
						  .start = start,
						  .va = ev->va,
						  .line = ev->line,
						  .type = ev->type};
}

/* Take event seq off the pending list into *out; false if not there. */
static bool take(struct sm_sim_cosim *c, uint64_t seq,
		 struct sm_sim_pending *out)
{
	/* Mostly the oldest: events finish about in order. */
	for (size_t i = 0; i < c->n; i++)
		if (c->pend[i].seq == seq) {
			*out = c->pend[i];
			memmove(&c->pend[i], &c->pend[i + 1],
				(c->n - i - 1) * sizeof(c->pend[0]));
			c->n--;
			return true;
		}
	return false;
}

void sm_sim_cosim_drop(struct smmusim *s, uint64_t seq)
{
	struct sm_sim_pending p;
	take(&s->cosim, seq, &p);
}

void sm_sim_cosim_finish(struct smmusim *s, uint64_t seq, uint64_t t, int rc)
{
	struct sm_sim_cosim *c = &s->cosim;
	struct sm_sim_pending p;
	if (!c->fn || !take(c, seq, &p))
		return;
	struct smmusim_completion done = {
	    .size = sizeof(done),
	    .type = p.type,
	    .cookie = p.cookie,
	    .seq = p.seq,
	    .line = p.line,
	    .status = rc < 0 ? SMMUSIM_STATUS_ERROR : SMMUSIM_STATUS_OK,
	    .error = rc < 0 ? rc : 0,
	    .start = p.start,
	    .finish = t > p.start ? t : p.start,
	};
	if (c->dev) {
		done.va = p.va;
		done.faults = c->dev->faults;
		if (c->dev->ok) {
			done.pa = c->dev->pa;
			done.answer = c->last_answer;
		} else {
			done.status = SMMUSIM_STATUS_FAULT;
		}
	}
	c->fn(c->ctx, &done);
}

void sm_sim_cosim_fini(struct smmusim *s)
{
	struct sm_sim_cosim *c = &s->cosim;
	sm_free(s->alloc, c->pend, c->cap * sizeof(*c->pend));
	c->pend = NULL;
	c->n = c->cap = 0;
}
