/* SPDX-License-Identifier: MIT */
/* The simulator object: one of each model, wired together (src/core/sim.c).
 * Shared with the report writers; not installed. */
#ifndef SM_SIM_SIM_INTERNAL_H
#define SM_SIM_SIM_INTERNAL_H

#include <smmusim/smmusim.h>

#include "check/oracle.h"
#include "engine/engine.h"
#include "base/errbuf.h"
#include "base/rng.h"
#include "engine/stats.h"
#include "hw/cpu/cpu.h"
#include "hw/device/device.h"
#include "hw/mem/physmem.h"
#include "kernel/kernel.h"
#include "hw/smmu/smmu.h"

struct smmusim {
	const struct smmusim_allocator *alloc;
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
	bool started, finished;
	uint64_t prev_start, prev_finish, seq;
	bool prev_done;
	uint64_t last_cycle;

	uint32_t retry_limit; /* dev.retry_limit: also a CPU's faults */
	uint64_t lat_evtq_irq;
	bool evtq_drain_pending;

	uint64_t *st_events, *st_cpu_accesses, *st_segv, *st_cycles,
	    *st_evtq_drains;
	struct sm_hist *h_cpu_access;
};

#endif
