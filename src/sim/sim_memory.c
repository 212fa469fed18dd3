/* SPDX-License-Identifier: MIT */
/*
 * The host memory one simulator may use (sim.max_host_memory).
 *
 * Every model allocates through the struct smmusim_allocator it was built
 * with, and that interface tells free() and realloc() the size of the
 * block, so the composition root can count: the simulator hands its models
 * this wrapper around the caller's allocator (or the C library's), which
 * keeps the bytes in use and refuses an allocation that would pass the
 * limit, as the host would when it runs out.  The models see a NULL like
 * any failed allocation and return SMMUSIM_ENOMEM; a few cannot fail (a
 * descriptor write whose frame content cannot be allocated is dropped), so
 * the refusal is also remembered here and the simulator reports it after
 * the event, naming the key, and refuses every later event: its state may
 * no longer be what the trace says.  The counting itself is base/alloc.c's
 * limited allocator (struct sm_alloc_limit), which also passes zeroed
 * allocations on to the host's calloc (sm_calloc).
 *
 * What is counted: everything the simulator allocates after its own struct
 * -- its config copy, stats, TLBs and caches, the kernel's structures, the
 * frame table of simulated RAM (in chunks, as frames come into use) and the
 * content of every frame that holds a table or a queue, the engine's heap,
 * a replayed trace's line buffer.
 */
#include "sim/sim_internal.h"

#include <inttypes.h>

#include "base/alloc.h"
#include "engine/config.h"

void sm_sim_mem_init(struct sm_alloc_limit *m,
		     const struct smmusim_allocator *host, uint64_t limit)
{
	sm_alloc_limit_init(m, host,
			    limit > SIZE_MAX ? SIZE_MAX : (size_t)limit);
}

/* sm_sim_mem_check (sim_internal.h) once an allocation was refused. */
int sm_sim_mem_refused(struct smmusim *s, int rc)
{
	struct sm_alloc_limit *m = &s->mem;
	(void)rc; /* every later call fails the same way */
	if (m->host_failed)
		return sm_err(&s->err, SMMUSIM_ENOMEM,
			      "the host refused %zu bytes (%zu in use by this "
			      "simulator)",
			      m->asked, m->used);
	struct smmusim_key_info ki;
	smmusim_config_key_info(SM_K_SIM_MAX_HOST_MEMORY, &ki);
	return sm_err(&s->err, SMMUSIM_ENOMEM,
		      "host memory limit reached: %zu bytes more with %zu "
		      "in use would pass sim.max_host_memory=%zu (allowed "
		      "%s bytes)",
		      m->asked, m->used, m->limit, ki.allowed);
}
