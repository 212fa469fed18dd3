/* SPDX-License-Identifier: MIT */
/* The kernel model on the hardware models (kernel_world.h). */
#include "kernel_world.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>

#include "base/alloc.h"
#include "engine/config.h"
#include "engine/config_keys.h"
#include "hw/mem/pgtable.h"

#define RAM_BASE 0x40000000ull /* where smmusim_new() puts RAM */

/* A device access finished: the next operation may start. */
static void dev_done(void *ctx, uint64_t tag, uint64_t t,
		     const struct sm_dev_outcome *o)
{
	struct kworld *k = ctx;
	(void)tag;
	(void)o;
	k->dev_busy = false;
	if (t > k->now)
		k->now = t;
}

/* ---- building ---- */

static void build(struct kworld *k)
{
	const struct smmusim_allocator *a = sm_default_allocator();
	const smmusim_config_t *cfg = k->cfg;
	uint64_t t = 0;
	int rc;
	assert_int_equal(sm_stats_new(&k->st, a), 0);
	k->st_segv = &sm_stats_ctrs(k->st)[SM_STAT_CPU_ACCESS_SEGV];
	assert_non_null(k->st_segv);
	sm_engine_init(&k->eng, a);
	sm_rng_seed(&k->rng, sm_cfg_u64(cfg, SM_K_SIM_SEED));
	k->retry_limit = (uint32_t)sm_cfg_u64(cfg, SM_K_DEV_RETRY_LIMIT);
	assert_int_equal(sm_physmem_new(&k->pm, a, RAM_BASE,
					sm_cfg_u64(cfg, SM_K_MEM_SIZE), &k->eb),
			 0);
	rc = sm_cpu_init(&k->cpu, a, cfg, k->pm, k->st, &k->rng, &k->eb);
	if (rc)
		fail_msg("sm_cpu_init: %d %s", rc, k->eb.msg);
	k->cpu_ok = true;
	rc = sm_smmu_init(&k->smmu, a, cfg, k->pm, k->st, &k->rng, &k->eb);
	if (rc)
		fail_msg("sm_smmu_init: %d %s", rc, k->eb.msg);
	k->smmu_ok = true;
	rc = sm_device_init(&k->dev, a, cfg, &k->eng, &k->smmu, k->st, &k->eb);
	if (rc)
		fail_msg("sm_device_init: %d %s", rc, k->eb.msg);
	if (sm_smmu_has_btm(&k->smmu)) {
		struct sm_dvm_receiver r = {sm_smmu_dvm_apply, &k->smmu};
		assert_int_equal(sm_cpu_add_receiver(&k->cpu, &r), 0);
	}
	rc = sm_os_init(&k->os, a, cfg, k->pm, &k->cpu, &k->smmu, k->st, &k->eb,
			&t);
	k->os_ok = true; /* fini copes with a partial init */
	if (rc)
		fail_msg("sm_os_init: %d %s", rc, k->eb.msg);
	k->os.eng = &k->eng;
	/* The upcalls, wired as the composition root wires them. */
	sm_drv_wire_upcalls(&k->os, &k->dev);
	k->dev.ops.done = dev_done;
	k->dev.ops.done_ctx = k;
	k->now = t; /* the driver's probe */
	kw_settle(k);
}

struct kworld *kworld_new(const char *policy, const char *const *kv)
{
	struct kworld *k = calloc(1, sizeof(*k));
	assert_non_null(k);
	assert_int_equal(smmusim_config_new(&k->cfg, NULL), 0);
	if (policy && smmusim_config_apply_preset(k->cfg, "policy", policy))
		fail_msg("policy %s: %s", policy, smmusim_config_error(k->cfg));
	for (; kv && kv[0]; kv += 2)
		if (smmusim_config_set(k->cfg, kv[0], kv[1]))
			fail_msg("%s: %s", kv[0], smmusim_config_error(k->cfg));
	build(k);
	return k;
}

void kworld_free(struct kworld *k)
{
	if (!k)
		return;
	if (k->os_ok)
		sm_os_fini(&k->os);
	if (k->smmu_ok)
		sm_smmu_fini(&k->smmu);
	if (k->cpu_ok)
		sm_cpu_fini(&k->cpu);
	sm_device_fini(&k->dev);
	sm_engine_fini(&k->eng);
	sm_physmem_free(k->pm);
	sm_stats_free(k->st);
	smmusim_config_free(k->cfg);
	free(k);
}

struct sm_mm *kw_mm(struct kworld *k, uint32_t id)
{
	struct sm_mm *mm = sm_os_find_mm(&k->os, id);
	if (!mm)
		fail_msg("mm=%u does not exist", (unsigned)id);
	return mm;
}

/* The clock to when the previous operation finished (interrupt handlers
 * due by then run first, and the SMMU has consumed the commands due by
 * then: kw_settle), as the simulator starts an event. */
static void start(struct kworld *k)
{
	if (k->now < k->eng.now)
		k->now = k->eng.now;
	int rc = sm_engine_run_until(&k->eng, k->now);
	if (rc < 0)
		fail_msg("engine: %d %s", rc, k->eb.msg);
	kw_settle(k);
}

int kw_mm_create(struct kworld *k, uint32_t mm)
{
	start(k);
	return sm_os_mm_create(&k->os, mm, &k->now);
}

int kw_mmap(struct kworld *k, uint32_t mm, uint64_t va, uint64_t len,
	    unsigned prot, bool shared)
{
	start(k);
	return sm_os_mmap(&k->os, mm, 0, va, len, prot, shared, &k->now);
}

int kw_munmap(struct kworld *k, uint32_t mm, uint64_t va, uint64_t len)
{
	start(k);
	return sm_os_munmap(&k->os, mm, 0, va, len, &k->now);
}

int kw_mprotect(struct kworld *k, uint32_t mm, uint64_t va, uint64_t len,
		unsigned prot)
{
	start(k);
	return sm_os_mprotect(&k->os, mm, 0, va, len, prot, &k->now);
}

int kw_mm_exit(struct kworld *k, uint32_t mm)
{
	start(k);
	return sm_os_mm_exit(&k->os, mm, 0, &k->now);
}

int kw_bind(struct kworld *k, uint32_t mm, uint32_t sid, uint32_t ssid,
	    bool pri)
{
	start(k);
	return sm_drv_sva_bind(&k->os, sid, ssid, kw_mm(k, mm), pri, &k->now);
}

int kw_unbind(struct kworld *k, uint32_t sid, uint32_t ssid)
{
	start(k);
	return sm_drv_sva_unbind(&k->os, sid, ssid, &k->now);
}

/* A user program's access: fault the page in through handle_mm_fault
 * until the access succeeds, or SIGSEGV.  With KPTI user accesses carry
 * the odd user ASID. */
int kw_cpu(struct kworld *k, uint32_t id, unsigned pe, uint64_t va, bool write)
{
	struct sm_mm *mm = kw_mm(k, id);
	start(k);
	uint16_t asid = (uint16_t)(mm->asid | (sm_cpu_kpti(&k->cpu) ? 1 : 0));
	enum smmusim_access acc = write ? SMMUSIM_ACC_WRITE : SMMUSIM_ACC_READ;
	for (uint32_t tries = 0;; tries++) {
		struct sm_cpu_access a;
		bool ok;
		sm_cpu_access_kind(&k->cpu, pe, asid, mm->pgd, va, acc, k->now,
				   0, &a);
		k->now = a.done;
		if (a.outcome == SM_XLATE_OK)
			return 0;
		if (tries >= k->retry_limit)
			break;
		int rc = sm_os_handle_mm_fault(&k->os, mm, pe, va, acc, false,
					       &ok, &k->now);
		if (rc < 0)
			return rc;
		if (!ok)
			break;
	}
	(*k->st_segv)++;
	return 0;
}

/* A device access through hw/device; the engine runs until the device
 * says it is done (after page requests, stalls and retries). */
int kw_dev(struct kworld *k, uint32_t sid, uint32_t ssid, uint64_t va,
	   bool write)
{
	start(k);
	k->dev_busy = true;
	int rc = sm_device_access(&k->dev, sid, ssid, va, write, 0, k->now, 0);
	while (rc >= 0 && k->dev_busy) {
		rc = sm_engine_step(&k->eng);
		if (rc == 0)
			fail_msg("sid=0x%x: the device access never finished",
				 (unsigned)sid);
	}
	return rc < 0 ? rc : 0;
}

/* ---- for the tests' bodies ---- */

int kworld_teardown(void **state)
{
	kworld_free(*state);
	*state = NULL;
	return 0;
}

void kw_settle(struct kworld *k)
{
	sm_smmu_cmdq_catch_up(&k->smmu, k->now);
	sm_cpu_rx_catch_up_all(&k->cpu, k->now);
}

void kw_drain(struct kworld *k)
{
	if (k->now < k->smmu.cmdq_busy_until)
		k->now = k->smmu.cmdq_busy_until;
	if (k->now < k->eng.now)
		k->now = k->eng.now;
	kw_settle(k);
}

void kw_must(struct kworld *k, int rc)
{
	if (rc != 0)
		fail_msg("rc=%d: %s", rc, k->eb.msg);
	kw_settle(k);
}

void kw_mm_with_vma(struct kworld *k, uint64_t base, uint64_t npages,
		    unsigned prot, bool shared)
{
	kw_must(k, kw_mm_create(k, 1));
	kw_must(k, kw_mmap(k, 1, base, npages * SM_PAGE_SIZE, prot, shared));
}

void kw_touch(struct kworld *k, uint64_t base, uint64_t first, uint64_t n,
	      bool write)
{
	for (uint64_t p = first; p < first + n; p++)
		kw_must(k, kw_cpu(k, 1, 0, base + p * SM_PAGE_SIZE, write));
}

uint64_t kw_pte(struct kworld *k, uint32_t id, uint64_t va)
{
	return sm_pgt_get(k->pm, kw_mm(k, id)->pgd, va, NULL, NULL);
}
