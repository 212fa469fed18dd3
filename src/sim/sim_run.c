/* SPDX-License-Identifier: MIT */
/*
 * Running the clock: up to a cycle, to the end (finish: every device access
 * in flight completes, then the end-of-run checks), or through a trace file
 * (docs/trace-format.md), one submitted event per line.
 */
#include "sim/sim_internal.h"

#include <inttypes.h>

#include "trace/trace_reader.h"

int smmusim_run_until(smmusim_t *s, uint64_t cycle)
{
	if (!s)
		return SMMUSIM_EINVAL;
	if (s->finished)
		return sm_err(&s->err, SMMUSIM_ESTATE, "run after finish");
	if (cycle > SM_CYCLE_MAX)
		return sm_err(&s->err, SMMUSIM_ERANGE,
			      "cycle=%" PRIu64 " is out of range (0..%" PRIu64
			      ": the last start cycle, 2^62)",
			      cycle, SM_CYCLE_MAX);
	return sm_sim_mem_check(s, sm_engine_run_until(&s->eng, cycle));
}

static void scan_cache(void *oracle, const struct sm_tcache *tc)
{
	sm_oracle_scan_cache(oracle, tc);
}

/* check.lingering: every entry still cached at the end must agree with
 * the page tables (CPU TLBs first, then the SMMU's and the ATCs). */
static void scan_caches(struct smmusim *s)
{
	sm_cpu_for_each_tlb(&s->cpu, scan_cache, &s->oracle);
	sm_smmu_for_each_tlb(&s->smmu, scan_cache, &s->oracle);
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
	if ((rc = sm_sim_mem_check(s, rc)) < 0)
		return rc;
	s->finished = true;
	if (s->eng.now > s->last_cycle)
		s->last_cycle = s->eng.now;
	SM_CTR(s->ctr, SIM_CYCLES) = s->last_cycle;
	scan_caches(s);
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
			sm_sim_prefix_error(s, rc, "%s:%" PRIu32 ":%" PRIu32,
					    sm_trace_name(r), ev.line,
					    ev.column);
			break;
		}
	}
	sm_trace_close(r);
	if (rc < 0)
		return rc;
	return smmusim_finish(s);
}
