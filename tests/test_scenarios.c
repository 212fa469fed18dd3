/* SPDX-License-Identifier: MIT */
/*
 * Scenario tests: replay the traces in traces/scenarios/ through the public API
 * under the policies the issue names and assert the oracle's verdicts and
 * the counts that explain them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <smmusim/smmusim.h>

#include "helpers.h"

static char trace_path[512];

static const char *trace(const char *name)
{
	const char *dir = getenv("SMMUSIM_TRACES");
	snprintf(trace_path, sizeof(trace_path), "%s/scenarios/%s",
		 dir ? dir : "traces", name);
	return trace_path;
}

/* Replay `name` under `policy` with extra key=value settings (NULL
 * terminated); returns the finished simulator. */
static smmusim_t *replay(const char *name, const char *policy, ...)
{
	const char *sets[8];
	char preset[64];
	size_t n = 0;
	va_list ap;
	va_start(ap, policy);
	while ((sets[n] = va_arg(ap, const char *)))
		assert_true(++n < ARRAY_LEN(sets));
	va_end(ap);
	if (policy)
		snprintf(preset, sizeof(preset), "policy=%s", policy);
	smmusim_t *sim = sim_new(policy ? preset : NULL, sets);
	assert_int_equal(smmusim_set_labels(sim, policy, name), 0);
	int rc = smmusim_replay_file(sim, trace(name));
	if (rc)
		fail_msg("%s", smmusim_last_error(sim));
	return sim;
}

static size_t count_kind(const smmusim_t *sim, enum smmusim_violation_kind k)
{
	size_t n = 0;
	for (size_t i = 0; i < smmusim_violation_count(sim); i++)
		n += smmusim_violation_at(sim, i)->kind == k;
	return n;
}

static void perm_upgrade_6_5_livelocks(void **state)
{
	(void)state;
	/* The device recovers faults by stall, as mainline arm-smmu-v3 lets
	 * SVA devices do (page requests are denied). */
	smmusim_t *sim = replay("perm-upgrade.trace", "linux-6.5",
				"dev.fault_mode=stall", NULL);
	assert_int_equal(smmusim_violation_total(sim), 1);
	const struct smmusim_violation *v = smmusim_violation_at(sim, 0);
	assert_int_equal(v->kind, SMMUSIM_VIOLATION_FAULT_LIVELOCK);
	assert_int_equal(v->agent_kind, SMMUSIM_AGENT_DEVICE);
	assert_int_equal(v->sid, 0x10);
	assert_int_equal(v->ssid, 1);
	assert_int_equal(v->va, 0x401000);
	assert_true(v->write);
	assert_int_equal(v->faults, 16);
	/* Served by the stream's micro-TLB (refilled from the IOTLB). */
	assert_string_equal(v->cache, "smmu.utlb");
	assert_int_equal(v->entry_perm, SMMUSIM_PROT_R); /* cached RO */
	assert_true(v->truth_valid);
	assert_true(v->truth_perm & SMMUSIM_PROT_W); /* the PTE is RW */
	assert_int_equal(v->line, 41);
	/* The upgrade flushed the CPU only: no secondary-TLB call, no
	 * TLBI_NH_VA; the device gave up after dev.retry_limit faults. */
	assert_int_equal(sim_stat(sim, "os.faults.upgrade"), 1);
	assert_int_equal(sim_stat(sim, "os.flush.flush_tlb_page"), 1);
	assert_int_equal(sim_stat(sim, "os.notifier.calls"), 0);
	assert_int_equal(sim_stat(sim, "smmu.cmd.tlbi_nh_va"), 0);
	assert_int_equal(sim_stat(sim, "dev.access.gave_up"), 1);
	assert_int_equal(sim_stat(sim, "smmu.faults.permission"), 64);
	smmusim_free(sim);
}

static void perm_upgrade_6_6_clean(void **state)
{
	(void)state;
	smmusim_t *sim = replay("perm-upgrade.trace", "linux-6.6",
				"dev.fault_mode=stall", NULL);
	assert_int_equal(smmusim_violation_total(sim), 0);
	/* flush_tlb_page reaches the SVA notifier: one TLBI_NH_VA + SYNC,
	 * and the retry walks and succeeds. */
	assert_int_equal(sim_stat(sim, "os.notifier.calls"), 1);
	assert_int_equal(sim_stat(sim, "smmu.cmd.tlbi_nh_va"), 1);
	assert_int_equal(sim_stat(sim, "smmu.faults.permission"), 1);
	assert_int_equal(sim_stat(sim, "dev.access.ok"), 2);
	assert_int_equal(sim_stat(sim, "dev.access.failed"), 0);
	smmusim_free(sim);
}

/* Hardware BTM alone: Linux sets CR2.PTM, the SMMU ignores the CPU's
 * TLBI, and 6.5 still livelocks. */
static void perm_upgrade_6_5_hw_btm_still_livelocks(void **state)
{
	(void)state;
	smmusim_t *sim = replay("perm-upgrade.trace", "linux-6.5",
				"dev.fault_mode=stall", "smmu.btm=on", NULL);
	assert_int_equal(count_kind(sim, SMMUSIM_VIOLATION_FAULT_LIVELOCK), 1);
	assert_int_equal(sim_stat(sim, "smmu.btm.received"), 0);
	smmusim_free(sim);
}

/* The BTM what-if (the unmerged SVA BTM series): clean. */
static void perm_upgrade_6_5_btm_clean(void **state)
{
	(void)state;
	smmusim_t *sim =
	    replay("perm-upgrade.trace", "linux-6.5", "dev.fault_mode=stall",
		   "smmu.btm=on", "policy.smmu.btm=on", NULL);
	assert_int_equal(smmusim_violation_total(sim), 0);
	/* No command invalidated the page: the SMMU applied the CPU's
	 * broadcast VALE1IS itself. */
	assert_int_equal(sim_stat(sim, "smmu.cmd.tlbi_nh_va"), 0);
	assert_true(sim_stat(sim, "smmu.btm.received") >= 1);
	assert_int_equal(sim_stat(sim, "dev.access.ok"), 2);
	smmusim_free(sim);
}

static void perm_fault_from_cache_off_hides_bug(void **state)
{
	(void)state;
	/* gem5's behaviour: a cached RO entry does not make a write fault;
	 * the SMMU re-walks, so even 6.5 looks clean.  This is why the
	 * key matters. */
	smmusim_t *sim =
	    replay("perm-upgrade.trace", "linux-6.5", "dev.fault_mode=stall",
		   "smmu.iotlb.perm_fault_from_cache=off", NULL);
	assert_int_equal(smmusim_violation_total(sim), 0);
	smmusim_free(sim);
}

static void munmap_dma(void **state)
{
	(void)state;
	const char *pol[] = {"linux-6.5", "linux-6.6"};
	for (int i = 0; i < 2; i++) {
		smmusim_t *sim = replay("munmap-dma.trace", pol[i],
					"dev.fault_mode=stall", NULL);
		assert_int_equal(smmusim_violation_total(sim), 0);
		/* The late reads fault and the kernel finds no VMA. */
		assert_int_equal(sim_stat(sim, "dev.access.failed"), 2);
		assert_int_equal(sim_stat(sim, "os.faults.unresolved"), 2);
		smmusim_free(sim);

		sim = replay("munmap-dma.trace", pol[i],
			     "policy.smmu.skip_invalidation=on", NULL);
		assert_int_equal(
		    count_kind(sim, SMMUSIM_VIOLATION_STALE_TRANSLATION), 2);
		assert_int_equal(smmusim_violation_total(sim), 2);
		const struct smmusim_violation *v =
		    smmusim_violation_at(sim, 0);
		assert_int_equal(v->va, 0x401000);
		assert_false(v->truth_valid); /* unmapped */
		assert_int_equal(v->line, 43);
		/* ...and the stale entry points into a page the kernel has
		 * handed to the new mapping: a use-after-free read. */
		assert_string_equal(v->entry_page, "data");
		smmusim_free(sim);
	}
}

/*
 * The ASID-move race (issue 10): under Linux's order the move is clean and
 * the unmap on CPU 1 has device reads inside its window; with the old ASID
 * invalidated before the CD rewrite, or never, the SVA stream's read (the
 * trace's last line) hits the DMA domain's entry refilled under the old
 * ASID: the DMA buffer's page, not the process's.
 */
static void asid_move_race(void **state)
{
	(void)state;
	const char *pol[] = {"linux-6.1", "linux-6.5"};
	const char *bad[] = {"policy.smmu.asid_move_order=inv-before-cd",
			     "policy.smmu.asid_move_order=no-inv"};
	/* The line of the SVA stream's read, the trace's only sid=0x10
	 * access. */
	uint32_t sva_line = 0, n = 0;
	char buf[256];
	FILE *f = fopen(trace("asid-move-race.trace"), "r");
	assert_non_null(f);
	while (fgets(buf, sizeof(buf), f)) {
		n++;
		if (strstr(buf, "dev_access sid=0x10 ssid=1"))
			sva_line = n;
	}
	fclose(f);
	assert_true(sva_line > 0);
	for (int i = 0; i < 2; i++) {
		smmusim_t *sim = replay("asid-move-race.trace", pol[i], NULL);
		assert_int_equal(smmusim_violation_total(sim), 0);
		assert_int_equal(sim_stat(sim, "os.smmu.asid_moves"), 1);
		assert_true(sim_stat(sim, "check.tolerated_in_window") > 0);
		smmusim_free(sim);
		for (int b = 0; b < 2; b++) {
			sim = replay("asid-move-race.trace", pol[i], bad[b],
				     NULL);
			assert_int_equal(smmusim_violation_total(sim), 1);
			const struct smmusim_violation *v =
			    smmusim_violation_at(sim, 0);
			assert_int_equal(v->kind,
					 SMMUSIM_VIOLATION_STALE_TRANSLATION);
			assert_int_equal(v->line, sva_line);
			assert_int_equal(v->sid, 0x10);
			assert_int_equal(v->va, 0x401000);
			assert_int_equal(v->asid, 1);
			assert_true(v->truth_valid &&
				    v->entry_pa != v->truth_pa);
			smmusim_free(sim);
		}
	}
	/* 6.12: the SVA domain has its own ASID; nothing moves. */
	smmusim_t *sim =
	    replay("asid-move-race.trace", "linux-6.12", bad[0], NULL);
	assert_int_equal(smmusim_violation_total(sim), 0);
	assert_int_equal(sim_stat(sim, "os.smmu.asid_moves"), 0);
	smmusim_free(sim);
}

static void mprotect_dma(void **state)
{
	(void)state;
	const char *pol[] = {"linux-6.5", "linux-6.6"};
	for (int i = 0; i < 2; i++) {
		smmusim_t *sim = replay("mprotect-dma.trace", pol[i], NULL);
		assert_int_equal(smmusim_violation_total(sim), 0);
		assert_int_equal(sim_stat(sim, "dev.access.failed"), 1);
		smmusim_free(sim);

		sim = replay("mprotect-dma.trace", pol[i],
			     "policy.smmu.skip_invalidation=on", NULL);
		assert_int_equal(smmusim_violation_total(sim), 1);
		const struct smmusim_violation *v =
		    smmusim_violation_at(sim, 0);
		assert_int_equal(v->kind, SMMUSIM_VIOLATION_STALE_PERMISSION);
		assert_true(v->write);
		assert_int_equal(v->entry_perm,
				 SMMUSIM_PROT_R | SMMUSIM_PROT_W);
		assert_int_equal(v->truth_perm, SMMUSIM_PROT_R);
		smmusim_free(sim);
	}
}

/* Reclaim of 4 pages the device cached, whose frames the CPU then reuses:
 * clean under 6.1's unbatched reclaim (flush_tlb_page per page, the hook
 * twice per anonymous page) and 6.6's batched one; without invalidation
 * the oracle sees the device read the reused frames. */
static void reclaim_unbatched_and_batched_clean(void **state)
{
	(void)state;
	const struct {
		const char *policy;
		uint64_t flush_page, add_pending, hooks;
	} c[] = {{"linux-6.1", 4, 0, 8 + 2}, {"linux-6.6", 0, 4, 4 + 1}};
	for (size_t i = 0; i < ARRAY_LEN(c); i++) {
		smmusim_t *sim =
		    replay("flushall-overflow.trace", c[i].policy, NULL);
		assert_int_equal(smmusim_violation_total(sim), 0);
		assert_int_equal(sim_stat(sim, "os.flush.flush_tlb_page"),
				 c[i].flush_page);
		assert_int_equal(
		    sim_stat(sim, "os.flush.arch_tlbbatch_add_pending"),
		    c[i].add_pending);
		/* reclaim's calls, then the munmap's (twice before 6.6) */
		assert_int_equal(sim_stat(sim, "os.notifier.calls"),
				 c[i].hooks);
		assert_int_equal(sim_stat(sim, "dev.access.failed"), 2);
		smmusim_free(sim);

		sim = replay("flushall-overflow.trace", c[i].policy,
			     "policy.smmu.skip_invalidation=on", NULL);
		assert_int_equal(
		    count_kind(sim, SMMUSIM_VIOLATION_STALE_TRANSLATION), 2);
		smmusim_free(sim);
	}
}

static char *report(smmusim_t *sim, enum smmusim_format fmt, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	assert_non_null(f);
	assert_int_equal(smmusim_write_report(f, &sim, 1, fmt), 0);
	fclose(f);
	return buf;
}

static void deterministic_output(void **state)
{
	(void)state;
	const char *names[] = {"perm-upgrade.trace", "munmap-dma.trace",
			       "mprotect-dma.trace"};
	for (int i = 0; i < 3; i++) {
		size_t la, lb;
		smmusim_t *a =
		    replay(names[i], "linux-6.5", "sim.seed=7", NULL);
		smmusim_t *b =
		    replay(names[i], "linux-6.5", "sim.seed=7", NULL);
		char *ja = report(a, SMMUSIM_FORMAT_JSON, &la);
		char *jb = report(b, SMMUSIM_FORMAT_JSON, &lb);
		assert_int_equal(la, lb);
		assert_memory_equal(ja, jb, la);
		assert_non_null(strstr(ja, "\"seed\":7"));
		assert_non_null(strstr(ja, "\"policy.notifier.placement\":"
					   "\"range_end\""));
		free(ja);
		free(jb);
		smmusim_free(a);
		smmusim_free(b);
	}
}

static void bad_trace_reports_position(void **state)
{
	(void)state;
	char path[] = "/tmp/smmusim-badXXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fputs("smmusim-trace 1\nmm_create mm=1\nmprotect mm=2 va=0 len=4K "
	      "prot=r\n",
	      f);
	fclose(f);
	smmusim_config_t *cfg;
	smmusim_t *sim;
	smmusim_config_new(&cfg, NULL);
	assert_int_equal(smmusim_new(&sim, cfg, NULL), 0);
	smmusim_config_free(cfg);
	assert_true(smmusim_replay_file(sim, path) < 0);
	/* FILE:LINE:COLUMN: event: what is wrong */
	char want[600];
	snprintf(want, sizeof(want), "%s:3:1: mprotect: mm=2 does not exist",
		 path);
	assert_non_null(strstr(smmusim_last_error(sim), want));
	smmusim_free(sim);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(perm_upgrade_6_5_livelocks),
	    cmocka_unit_test(perm_upgrade_6_6_clean),
	    cmocka_unit_test(perm_upgrade_6_5_hw_btm_still_livelocks),
	    cmocka_unit_test(perm_upgrade_6_5_btm_clean),
	    cmocka_unit_test(perm_fault_from_cache_off_hides_bug),
	    cmocka_unit_test(munmap_dma),
	    cmocka_unit_test(asid_move_race),
	    cmocka_unit_test(mprotect_dma),
	    cmocka_unit_test(reclaim_unbatched_and_batched_clean),
	    cmocka_unit_test(deterministic_output),
	    cmocka_unit_test(bad_trace_reports_position),
	};
	return cmocka_run_group_tests_name("scenarios", tests, NULL, NULL);
}
