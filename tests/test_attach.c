/* SPDX-License-Identifier: MIT */
/*
 * The SMMUv3 driver's set-up commands per kernel version, read back from
 * the command queue in order: the device reset (CFGI_ALL, TLBI_NSNH_ALL,
 * each with a sync) and two default-domain attaches (streams 0x8 and 0x10,
 * ASIDs 1 and 2), as the QEMU logs of Linux 6.1.192 and 6.12.117 show them
 * (traces/real/linux-ftrace/linux61-ddmix-*.qemu.log.xz,
 * linux612-ddmix-*; docs/linux-versions.md section 6):
 *   6.1:  2 bare syncs (arm_smmu_write_ctx_desc before list_add), CFGI_STE +
 *         sync twice, PREFETCH_CONFIG, then TLBI_NH_ASID + sync (the
 *         direct-mapping flush after the attach);
 *   6.12: TLBI_NH_ASID + sync first, CFGI_CD + sync twice, CFGI_STE + sync
 *         twice, PREFETCH_CONFIG.
 * Built on the kernel model over the hardware (tests/kernel_world.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "arch/smmu_cmd.h"
#include "arch/smmu_regs.h"
#include "helpers.h"
#include "kernel/dma-iommu.h"
#include "kernel_world.h"

#define END 0xff

struct cmd {
	uint8_t op;
	uint32_t arg; /* SID (CFGI_*, PREFETCH) or ASID (TLBI_NH_ASID) */
};

static const char *const keys_v61[] = {"policy.smmu.entry_writer",
				       "v6.1",
				       "policy.smmu.prefetch_cfg",
				       "on",
				       "policy.iommu.direct_map_flush",
				       "after_attach",
				       NULL};
static const char *const keys_v612[] = {"policy.smmu.entry_writer",
					"hitless",
					"policy.smmu.prefetch_cfg",
					"on",
					"policy.iommu.direct_map_flush",
					"before_attach",
					NULL};

#define SYNC                                                                   \
	{                                                                      \
		CMDQ_OP_CMD_SYNC, 0                                            \
	}
#define STE(s) {CMDQ_OP_CFGI_STE, s}, SYNC
#define CD(s) {CMDQ_OP_CFGI_CD, s}, SYNC
#define ASID(a) {CMDQ_OP_TLBI_NH_ASID, a}, SYNC
#define PREFETCH(s)                                                            \
	{                                                                      \
		CMDQ_OP_PREFETCH_CFG, s                                        \
	}
#define RESET {CMDQ_OP_CFGI_ALL, 0}, SYNC, {CMDQ_OP_TLBI_NSNH_ALL, 0}, SYNC

static const struct cmd seq_v61[] = {
    RESET, SYNC, SYNC,	    STE(0x8),  STE(0x8),       PREFETCH(0x8), ASID(1),
    SYNC,  SYNC, STE(0x10), STE(0x10), PREFETCH(0x10), ASID(2),	      {END, 0}};
static const struct cmd seq_v612[] = {
    RESET,     ASID(1),	      CD(0x8),	      CD(0x8),	STE(0x8),
    STE(0x8),  PREFETCH(0x8), ASID(2),	      CD(0x10), CD(0x10),
    STE(0x10), STE(0x10),     PREFETCH(0x10), {END, 0}};

/* Probe, then two devices each on its own default DMA domain, as the
 * ftrace's attach_device_to_domain lines give them. */
static void check(const char *const *kv, const struct cmd *want)
{
	struct kworld *k = kworld_new(NULL, kv);
	const uint32_t sids[] = {0x8, 0x10};
	for (uint32_t d = 1; d <= 2; d++) {
		kw_must(k, sm_drv_domain_create(&k->os, d, 1, 0, 0, false, 0,
						&k->now));
		kw_must(k,
			sm_dma_attach(&k->os, sids[d - 1], d, true, &k->now));
	}
	const struct sm_smmu_drv *drv = &k->os.drv;
	uint32_t n = drv->prod & ((1u << drv->cmdq_log2size) - 1), i = 0;
	for (; want[i].op != END; i++) {
		assert_true(i < n);
		uint64_t c0 = sm_physmem_read64(k->pm, drv->cmdq + 16ull * i);
		uint8_t op = (uint8_t)sm_field_get(CMDQ_0_OP, c0);
		if (op != want[i].op)
			fail_msg("command %u: opcode 0x%x, want 0x%x", i, op,
				 want[i].op);
		if (op == CMDQ_OP_TLBI_NH_ASID)
			assert_int_equal(sm_field_get(CMDQ_TLBI_0_ASID, c0),
					 want[i].arg);
		else if (op != CMDQ_OP_CMD_SYNC && want[i].arg)
			assert_int_equal(sm_field_get(CMDQ_CFGI_0_SID, c0),
					 want[i].arg);
	}
	assert_int_equal(n, i);
	kworld_free(k);
}

static void test_v61(void **state)
{
	(void)state;
	check(keys_v61, seq_v61);
}

static void test_v612(void **state)
{
	(void)state;
	check(keys_v612, seq_v612);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_v61),
	    cmocka_unit_test(test_v612),
	};
	return cmocka_run_group_tests_name("attach", tests, NULL, NULL);
}
