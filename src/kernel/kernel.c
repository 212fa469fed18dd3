/* SPDX-License-Identifier: MIT */
/*
 * The kernel object: brings up each area of the kernel model in the order a
 * booting kernel would need them (ASIDs, notifier and flush policy, memory
 * management with its zero page, then the SMMU driver's probe), and takes
 * them down in reverse.
 */
#include "kernel/kernel.h"

#include "engine/config.h"

#include <inttypes.h>

#include <smmusim/error.h>

int sm_os_init(struct sm_os *os, const struct smmusim_allocator *a,
	       const smmusim_config_t *cfg, struct sm_physmem *pm,
	       struct sm_cpu *cpu, struct sm_smmu *smmu, struct sm_stats *st,
	       struct sm_errbuf *eb, uint64_t *t)
{
	int rc;
	*os = (struct sm_os){
	    .alloc = a, .pm = pm, .cpu = cpu, .smmu = smmu, .eb = eb};
	if ((rc = sm_asid_init(os, cfg)) < 0 ||
	    (rc = sm_mn_init(os, cfg, st)) < 0 ||
	    (rc = sm_tlbflush_init(os, cfg, st)) < 0 ||
	    (rc = sm_mm_init(os, cfg, st)) < 0 ||
	    (rc = sm_dma_init(os, cfg, st)) < 0 ||
	    (rc = sm_sched_init(
		 os, cpu->n, sm_cfg_u64(cfg, SM_K_SIM_KTHREAD_STACK),
		 sm_cfg_bool(cfg, SM_K_SIM_DEBUG_ALWAYS_YIELD), st)) < 0)
		return rc;
	return sm_drv_init(os, cfg, st, t);
}

void sm_os_fini(struct sm_os *os)
{
	sm_dma_fini(os);
	sm_drv_fini(os);
	sm_mm_fini(os);
	sm_asid_fini(os);
	sm_sched_fini(os); /* last: the driver's per-PE batches count PEs */
}

int sm_os_no_such(struct sm_os *os, const char *what, uint32_t id,
		  const char *hint)
{
	return sm_err(os->eb, SMMUSIM_ENOENT,
		      "%s=%" PRIu32 " does not exist (%s)", what, id, hint);
}
