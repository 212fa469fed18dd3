/* SPDX-License-Identifier: MIT */
/*
 * The kernel model on the hardware models, without the simulator: what the
 * kernel's tests (test_mm, test_mmu_notifier) build so that they test the
 * kernel layer and the layers below it only (tests/layering.py).
 *
 * kworld_new() makes the models smmusim_new() makes below the kernel --
 * physical memory, the PEs, the SMMU (a DVM receiver of the PEs when
 * smmu.btm is on), the devices (hw/device) on the engine's clock -- and the
 * kernel over them, with the same config, and wires them with the
 * library's sm_drv_wire_upcalls, as the composition root does: the SMMU's
 * event-queue interrupt and the devices' page requests and stalls reach
 * the kernel's SMMU driver.  No oracle watches.  Every operation starts when
 * the previous one has finished (as events without a time stamp do in the
 * simulator) and returns when it is over; a device access runs the engine
 * until the device says it is done.
 *
 * A user program's access lives in the simulator (src/sim/sim_cpu.c), so
 * the world plays it in a few lines: fault the page in through
 * handle_mm_fault until the access succeeds or gets SIGSEGV, counted under
 * the simulator's name (cpu.access.segv).
 */
#ifndef SM_TESTS_KERNEL_WORLD_H
#define SM_TESTS_KERNEL_WORLD_H

#include <stdbool.h>
#include <stdint.h>

#include <smmusim/config.h>

#include "arch/vmsa.h"
#include "base/errbuf.h"
#include "base/rng.h"
#include "engine/stats.h"
#include "engine/engine.h"
#include "hw/cpu/cpu.h"
#include "hw/device/device.h"
#include "hw/mem/physmem.h"
#include "hw/smmu/smmu.h"
#include "kernel/kernel.h"

struct kworld {
	smmusim_config_t *cfg;
	struct sm_stats *st;
	struct sm_physmem *pm;
	struct sm_rng rng;
	struct sm_errbuf eb;
	struct sm_engine eng;
	struct sm_cpu cpu;
	struct sm_smmu smmu;
	struct sm_device dev;
	struct sm_os os;
	bool cpu_ok, smmu_ok, os_ok;
	uint64_t now; /* when the previous operation finished */
	uint32_t retry_limit;
	bool dev_busy; /* a device access has not finished yet */
	uint64_t *st_segv;
};

/* policy: a policy preset ("linux-6.5") or NULL; kv: key, value pairs
 * ending with NULL.  Any error fails the test. */
struct kworld *kworld_new(const char *policy, const char *const *kv);
void kworld_free(struct kworld *k);

/* The operations, on PE 0; each returns the kernel's code (message in
 * k->eb.msg). */
int kw_mm_create(struct kworld *k, uint32_t mm);
int kw_mmap(struct kworld *k, uint32_t mm, uint64_t va, uint64_t len,
	    unsigned prot, bool shared);
int kw_munmap(struct kworld *k, uint32_t mm, uint64_t va, uint64_t len);
int kw_mprotect(struct kworld *k, uint32_t mm, uint64_t va, uint64_t len,
		unsigned prot);
int kw_mm_exit(struct kworld *k, uint32_t mm);
int kw_bind(struct kworld *k, uint32_t mm, uint32_t sid, uint32_t ssid,
	    bool pri);
int kw_unbind(struct kworld *k, uint32_t sid, uint32_t ssid);
/* A load or store of process mm on PE `pe`. */
int kw_cpu(struct kworld *k, uint32_t mm, unsigned pe, uint64_t va, bool write);
/* A device read or write through the SMMU. */
int kw_dev(struct kworld *k, uint32_t sid, uint32_t ssid, uint64_t va,
	   bool write);

/* mm `id`, which must exist. */
struct sm_mm *kw_mm(struct kworld *k, uint32_t id);

/* ---- for the tests' bodies ---- */

/* A cmocka teardown for a test whose state is a kworld. */
int kworld_teardown(void **state);
/* The SMMU as the clock k->now sees it: the commands consumed by then have
 * taken effect and are counted in smmu.cmd.<op>, and so have the broadcast
 * TLBIs every PE has applied by then (docs/model.md, Time).  An
 * operation that waits for its CMD_SYNC ends after its commands were
 * consumed, so the tests read its effects after kw_settle. */
void kw_settle(struct kworld *k);
/* The clock to when the SMMU has consumed every command published (a
 * command without CMD_SYNC, or one a timer issued), then kw_settle. */
void kw_drain(struct kworld *k);
/* rc must be 0; else the test fails with the kernel's message.  Then
 * kw_settle: the operation's commands have taken effect. */
void kw_must(struct kworld *k, int rc);
/* mm 1 with npages pages mapped from base. */
void kw_mm_with_vma(struct kworld *k, uint64_t base, uint64_t npages,
		    unsigned prot, bool shared);
/* PE 0 touches pages [first, first + n) of mm 1's mapping at base. */
void kw_touch(struct kworld *k, uint64_t base, uint64_t first, uint64_t n,
	      bool write);
/* The descriptor mapping va in mm `id`'s page table, and its page. */
uint64_t kw_pte(struct kworld *k, uint32_t id, uint64_t va);
static inline uint64_t pte_pa(uint64_t d)
{
	return d & PTE_ADDR_MASK;
}

#endif
