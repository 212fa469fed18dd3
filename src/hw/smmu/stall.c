/* SPDX-License-Identifier: MIT */
/*
 * The stall model (SMMUv3 spec 3.12, "Fault models, recording and
 * reporting"): under a CD with S = 1 a recoverable stage-1 fault does not
 * terminate the transaction; the SMMU holds it and writes an event record
 * with STALL = 1 and a stall tag (STAG).  Software fixes the fault and
 * answers with CMD_RESUME (StreamID, STAG, RETRY or ABORT), or gives up on
 * every held transaction of a stream with CMD_STALL_TERM.
 *
 * The SMMU has smmu.stall.slots places to hold transactions; a fault that
 * finds them all busy is terminated instead (smmu.stall.no_slot).  The
 * translation flow decides when to stall (translate.c) and holds the
 * transaction (smmu_internal.h); this file executes CMD_STALL_TERM
 * (CMD_RESUME, one per stalled fault, is inline in smmu_internal.h).
 */
#include "hw/smmu/smmu_internal.h"

#include "arch/smmu_regs.h"

/* CMD_STALL_TERM: terminate every stalled transaction of the StreamID. */
void sm_smmu_stall_term(struct sm_smmu *s, const struct sm_smmu_cmd *c)
{
	for (unsigned i = 0; i < s->nstall_slots; i++)
		if (s->stalls[i].used && s->stalls[i].sid == c->sid) {
			s->stalls[i].used = false;
			SM_INC(s->ctr, SMMU_STALL_TERMINATED);
		}
}
