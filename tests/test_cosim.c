/* SPDX-License-Identifier: MIT */
/*
 * Co-simulation API (issue 11 item 7, include/smmusim/cosim.h): one
 * completion per accepted event with its cookie, start and finish; a device
 * access's outcome (ok or fault, output address, faults, what answered:
 * walk, then a TLB); no completion for a refused event; the replays report
 * every event; the ABI sizes; the report written to a buffer equals the one
 * written to a FILE.  Public API only.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <smmusim/smmusim.h>

#include "helpers.h"

#define MAXDONE 64

struct log {
	size_t n;
	struct smmusim_completion c[MAXDONE];
};

static void on_done(void *ctx, const struct smmusim_completion *c)
{
	struct log *l = ctx;
	assert_int_equal(c->size, sizeof(*c));
	if (l->n < MAXDONE)
		l->c[l->n] = *c;
	l->n++;
}

/* The completion of the event with `cookie`; fails if not exactly one. */
static const struct smmusim_completion *find(const struct log *l,
					     uint64_t cookie)
{
	const struct smmusim_completion *found = NULL;
	for (size_t i = 0; i < l->n && i < MAXDONE; i++)
		if (l->c[i].cookie == cookie) {
			assert_null(found);
			found = &l->c[i];
		}
	if (!found)
		fail_msg("no completion for cookie %llu",
			 (unsigned long long)cookie);
	return found;
}

static struct smmusim_event with_cookie(struct smmusim_event ev, uint64_t c)
{
	ev.cookie = c;
	return ev;
}

static struct smmusim_event dev_read(uint64_t va, uint64_t cookie)
{
	return (struct smmusim_event){.type = SMMUSIM_EV_DEV_ACCESS,
				      .sid = 0x10,
				      .ssid = 1,
				      .va = va,
				      .op = SMMUSIM_ACC_READ,
				      .cookie = cookie};
}

/* A process with one page touched by the CPU, bound to sid 0x10 ssid 1. */
static smmusim_t *sva_world(const char *const *sets, struct log *l)
{
	smmusim_t *sim = sim_new("policy=linux-6.6", sets);
	assert_int_equal(smmusim_set_completion_hook(sim, on_done, l), 0);
	submit_ok(sim, with_cookie(ev_mm_create(1), 1));
	submit_ok(sim,
		  with_cookie(ev_mmap(1, 0x400000, 0x10000,
				      SMMUSIM_PROT_R | SMMUSIM_PROT_W, false),
			      2));
	submit_ok(sim, with_cookie(ev_touch(1, 0, 0x400000, 0x1000), 3));
	submit_ok(sim, with_cookie(ev_bind(1, 0x10, 1, true), 4));
	return sim;
}

static void completion_per_event(void **state)
{
	(void)state;
	struct log l = {0};
	smmusim_t *sim = sva_world(NULL, &l);
	submit_ok(sim, dev_read(0x400010, 10)); /* walk */
	submit_ok(sim, dev_read(0x400020, 11)); /* the SMMU's TLB */
	assert_int_equal(smmusim_finish(sim), 0);
	assert_int_equal(l.n, 6);
	assert_int_equal(l.n, sim_stat(sim, "sim.events"));
	for (uint64_t c = 1; c <= 4; c++) {
		const struct smmusim_completion *k = find(&l, c);
		assert_int_equal(k->status, SMMUSIM_STATUS_OK);
		assert_int_equal(k->seq, c);
		assert_int_equal(k->answer, SMMUSIM_ANSWER_NONE);
		assert_true(k->finish >= k->start);
	}
	const struct smmusim_completion *a = find(&l, 10), *b = find(&l, 11);
	assert_int_equal(a->type, SMMUSIM_EV_DEV_ACCESS);
	assert_int_equal(a->status, SMMUSIM_STATUS_OK);
	assert_int_equal(a->answer, SMMUSIM_ANSWER_WALK);
	assert_int_equal(a->faults, 0);
	assert_int_equal(a->va, 0x400010);
	assert_int_equal(a->pa & 0xfff, 0x010);
	assert_int_equal(b->status, SMMUSIM_STATUS_OK);
	assert_true(b->answer == SMMUSIM_ANSWER_IOTLB ||
		    b->answer == SMMUSIM_ANSWER_UTLB);
	assert_int_equal(b->pa, a->pa + 0x10);
	/* a TLB hit is faster than a walk */
	assert_true(b->finish - b->start < a->finish - a->start);
	assert_string_equal(smmusim_answer_name(a->answer), "walk");
	assert_string_equal(smmusim_status_name(b->status), "ok");
	smmusim_free(sim);
}

/* An untouched page: a page request the kernel denies (mainline), a fault
 * for good; with the stall model, recovered after one fault. */
static void device_fault(void **state)
{
	(void)state;
	struct log l = {0};
	smmusim_t *sim = sva_world(NULL, &l);
	submit_ok(sim, dev_read(0x405000, 20));
	assert_int_equal(smmusim_finish(sim), 0);
	const struct smmusim_completion *k = find(&l, 20);
	assert_int_equal(k->status, SMMUSIM_STATUS_FAULT);
	assert_int_equal(k->faults, 1);
	assert_int_equal(k->pa, 0);
	assert_int_equal(k->answer, SMMUSIM_ANSWER_NONE);
	assert_string_equal(smmusim_status_name(k->status), "fault");
	smmusim_free(sim);

	const char *stall[] = {"dev.fault_mode=stall", NULL};
	memset(&l, 0, sizeof(l));
	sim = sva_world(stall, &l);
	submit_ok(sim, dev_read(0x405000, 21));
	assert_int_equal(smmusim_finish(sim), 0);
	k = find(&l, 21);
	assert_int_equal(k->status, SMMUSIM_STATUS_OK);
	assert_int_equal(k->faults, 1);
	assert_int_equal(k->answer, SMMUSIM_ANSWER_WALK);
	assert_true(k->finish > k->start);
	smmusim_free(sim);
}

/* A refused event says so from its submit; no completion follows; the
 * hook removed, nothing more is reported. */
static void refused_and_removed(void **state)
{
	(void)state;
	struct log l = {0};
	smmusim_t *sim = sva_world(NULL, &l);
	struct smmusim_event ev = with_cookie(ev_bind(1, 0x10, 1, true), 30);
	assert_true(smmusim_submit(sim, &ev) < 0);
	submit_ok(sim, dev_read(0x400000, 31));
	assert_int_equal(smmusim_set_completion_hook(sim, NULL, NULL), 0);
	submit_ok(sim, dev_read(0x400000, 32));
	assert_int_equal(smmusim_finish(sim), 0);
	assert_int_equal(l.n, 5);
	for (size_t i = 0; i < l.n; i++)
		assert_true(l.c[i].cookie != 30 && l.c[i].cookie != 32);
	assert_int_equal(smmusim_set_completion_hook(NULL, on_done, &l),
			 SMMUSIM_EINVAL);
	smmusim_free(sim);
}

/* The pending list cannot grow: the submit fails with SMMUSIM_ENOMEM and a
 * message, nothing is reported, and everything comes back at free. */
static void out_of_memory(void **state)
{
	(void)state;
	struct counting cnt;
	struct smmusim_allocator a = counting_allocator(&cnt);
	struct log l = {0};
	smmusim_config_t *cfg;
	smmusim_t *sim;
	assert_int_equal(smmusim_config_new(&cfg, &a), 0);
	assert_int_equal(smmusim_new(&sim, cfg, &a), 0);
	assert_int_equal(smmusim_set_completion_hook(sim, on_done, &l), 0);
	cnt.fail_after = 0; /* the next allocation fails */
	struct smmusim_event ev = ev_mm_create(1);
	assert_int_equal(smmusim_submit(sim, &ev), SMMUSIM_ENOMEM);
	assert_non_null(strstr(smmusim_last_error(sim), "refused"));
	assert_int_equal(l.n, 0);
	cnt.fail_after = -1;
	smmusim_free(sim);
	smmusim_config_free(cfg);
	assert_int_equal(cnt.bytes, 0);
	assert_int_equal(cnt.blocks, 0);
	assert_int_equal(cnt.size_mismatch, 0);
}

static const char *scenario(const char *name)
{
	static char buf[512];
	const char *dir = getenv("SMMUSIM_TRACES");
	snprintf(buf, sizeof(buf), "%s/scenarios/%s", dir ? dir : "traces",
		 name);
	return buf;
}

/* A replay reports every event it submitted, each once, in seq order for
 * events that do not overlap. */
static void replay_reports_all(void **state)
{
	(void)state;
	struct log l = {0};
	smmusim_t *sim = sim_new("policy=linux-6.5", NULL);
	assert_int_equal(smmusim_set_completion_hook(sim, on_done, &l), 0);
	assert_int_equal(
	    smmusim_replay_file(sim, scenario("perm-upgrade.trace")), 0);
	assert_int_equal(l.n, sim_stat(sim, "sim.events"));
	uint64_t faults = 0;
	for (size_t i = 0; i < l.n; i++) {
		assert_int_equal(l.c[i].seq, i + 1);
		assert_true(l.c[i].line > 0);
		if (l.c[i].status == SMMUSIM_STATUS_FAULT)
			faults++;
	}
	assert_int_equal(faults, sim_stat(sim, "dev.access.failed"));
	smmusim_free(sim);
}

static void abi_sizes(void **state)
{
	(void)state;
	assert_int_equal(smmusim_abi_version(), SMMUSIM_ABI_VERSION);
	assert_int_equal(smmusim_struct_size("smmusim_event"),
			 sizeof(struct smmusim_event));
	assert_int_equal(smmusim_struct_size("smmusim_completion"),
			 sizeof(struct smmusim_completion));
	assert_int_equal(smmusim_struct_size("smmusim_violation"),
			 sizeof(struct smmusim_violation));
	assert_int_equal(smmusim_struct_size("smmusim_hist_summary"),
			 sizeof(struct smmusim_hist_summary));
	assert_int_equal(smmusim_struct_size("smmusim_nothing"), 0);
	assert_int_equal(smmusim_struct_size(NULL), 0);
	assert_string_equal(smmusim_answer_name(SMMUSIM_ANSWER_COUNT_), "?");
	assert_string_equal(smmusim_status_name((enum smmusim_status)7), "?");
}

/* The buffer gets the bytes a FILE gets; too small: SMMUSIM_ERANGE, "",
 * and the length needed. */
static void report_to_buffer(void **state)
{
	(void)state;
	smmusim_t *sim = sim_new("policy=linux-6.6", NULL);
	assert_int_equal(
	    smmusim_replay_file(sim, scenario("perm-upgrade.trace")), 0);
	for (int fmt = 0; fmt < 2; fmt++) {
		FILE *f = tmpfile();
		assert_non_null(f);
		assert_int_equal(smmusim_write_report(f, &sim, 1, fmt), 0);
		long flen = ftell(f);
		char *want = calloc(1, (size_t)flen + 1);
		rewind(f);
		assert_int_equal(fread(want, 1, (size_t)flen, f), (size_t)flen);
		fclose(f);

		size_t len = 1;
		assert_int_equal(
		    smmusim_write_report_buffer(NULL, 0, &len, &sim, 1, fmt),
		    SMMUSIM_ERANGE);
		assert_int_equal(len, (size_t)flen);
		char small[8] = "xxxxxxx";
		assert_int_equal(smmusim_write_report_buffer(
				     small, sizeof(small), &len, &sim, 1, fmt),
				 SMMUSIM_ERANGE);
		assert_string_equal(small, "");
		char *buf = malloc(len + 1);
		assert_int_equal(smmusim_write_report_buffer(buf, len + 1, &len,
							     &sim, 1, fmt),
				 0);
		assert_string_equal(buf, want);
		free(buf);
		free(want);
	}
	char b[4];
	assert_int_equal(smmusim_write_report_buffer(b, sizeof(b), NULL, NULL,
						     1, SMMUSIM_FORMAT_JSON),
			 SMMUSIM_EINVAL);
	assert_int_equal(smmusim_write_report_buffer(NULL, 4, NULL, &sim, 1,
						     SMMUSIM_FORMAT_JSON),
			 SMMUSIM_EINVAL);
	smmusim_free(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(completion_per_event),
	    cmocka_unit_test(device_fault),
	    cmocka_unit_test(refused_and_removed),
	    cmocka_unit_test(out_of_memory),
	    cmocka_unit_test(replay_reports_all),
	    cmocka_unit_test(abi_sizes),
	    cmocka_unit_test(report_to_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
