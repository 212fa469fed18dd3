/* SPDX-License-Identifier: MIT */
/*
 * Command-queue contention (issue 10; docs/studies/cmdq-contention.md).
 *
 * J. Garry measured strict-mode DMA map+unmap pairs per CPU per second as
 * CPUs grow, before and after the ownership protocol of
 * arm_smmu_cmdq_issue_cmdlist (FACTS.md 5: 282K/115K/36K/11K before and
 * 302K/193K/80K/30K after, at 8/16/32/64 CPUs).  This benchmark runs the
 * same shape in the model: for n CPUs, n devices each with its own
 * stage-1 DMA domain; CPU i does --pairs pairs of dma_map + dma_unmap of
 * 4 KiB (policy.dma.mode=strict: each unmap is TLBI_NH_VA + CMD_SYNC and
 * waits for it).  Every pair is submitted at the same cycle, so each CPU's
 * kernel thread runs its pairs back to back (a closed loop) while the
 * others do the same; they meet at the command queue (policy.smmu.cmdq_lock,
 * os.lat.cmdq_lock) and at the SMMU, which consumes one command at a time.
 *
 * Output: one row per n: simulated cycles, pairs per CPU per simulated
 * second (sim.clock_hz), its ratio to the row of --base CPUs, the cmdq
 * lock's waits and the SMMU's full-queue stalls.  Ratios are the result;
 * absolute numbers depend on assumed latencies.
 */
#include "bench_util.h"

static const char usage[] =
    "usage: cmdq-contention [--pairs K] [--cpus N,N,...] [--base N]\n"
    "                       [--lock owner|spinlock] [--lock-cycles C]\n"
    "                       [--policy P] [-o KEY=VALUE]...\n"
    "  --pairs K        map+unmap pairs per CPU (default 200)\n"
    "  --cpus LIST      CPU counts to run (default 1,2,4,8,16,32,64)\n"
    "  --base N         the row ratios are relative to (default 8)\n"
    "  --lock L         policy.smmu.cmdq_lock (default owner)\n"
    "  --lock-cycles C  os.lat.cmdq_lock (default 100)\n"
    "  --policy P       kernel preset (default linux-6.12)\n"
    "  -o KEY=VALUE     any other configuration key\n";

struct opts {
	uint64_t pairs, base, lock_cycles;
	const char *lock, *policy;
	unsigned cpus[16], ncpus;
	const char *assign[32];
	unsigned nassign;
};

static int parse_cpus(const char *s, struct opts *o)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", s);
	o->ncpus = 0;
	for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
		uint64_t v;
		if (o->ncpus == 16 ||
		    bench_parse_u64("cmdq-contention", "--cpus", tok, 1, 256,
				    &v) < 0)
			return -1;
		o->cpus[o->ncpus++] = (unsigned)v;
	}
	return o->ncpus ? 0 : -1;
}

static int parse(int argc, char **argv, struct opts *o)
{
	*o = (struct opts){.pairs = 200,
			   .base = 8,
			   .lock_cycles = 100,
			   .lock = "owner",
			   .policy = "linux-6.12"};
	parse_cpus("1,2,4,8,16,32,64", o);
	for (int i = 1; i < argc; i += 2) { /* OPTION VALUE pairs */
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (bench_help(a, usage))
			return 1;
		if (!v)
			return -bench_bad_option("cmdq-contention", a, v,
						 usage);
		int rc = 0;
		if (!strcmp(a, "--pairs"))
			rc = bench_parse_u64("cmdq-contention", a, v, 1,
					     1000000, &o->pairs);
		else if (!strcmp(a, "--base"))
			rc = bench_parse_u64("cmdq-contention", a, v, 1, 256,
					     &o->base);
		else if (!strcmp(a, "--lock-cycles"))
			rc = bench_parse_u64("cmdq-contention", a, v, 0,
					     1000000, &o->lock_cycles);
		else if (!strcmp(a, "--cpus"))
			rc = parse_cpus(v, o);
		else if (!strcmp(a, "--lock"))
			o->lock = v;
		else if (!strcmp(a, "--policy"))
			o->policy = v;
		else if (!strcmp(a, "-o") && o->nassign < 32)
			o->assign[o->nassign++] = v;
		else
			return -bench_bad_option("cmdq-contention", a, v,
						 usage);
		if (rc < 0)
			return -2;
	}
	return 0;
}

static int configure(const struct opts *o, unsigned n, smmusim_t **sim)
{
	smmusim_config_t *cfg;
	char num[32], err[256] = "";
	int rc = smmusim_config_new(&cfg, NULL);
	if (rc < 0)
		return rc;
	snprintf(num, sizeof(num), "%u", n);
	if ((rc = smmusim_config_apply_preset(cfg, "policy", o->policy)) == 0 &&
	    (rc = smmusim_config_set(cfg, "cpu.count", num)) == 0 &&
	    (rc = smmusim_config_set(cfg, "policy.dma.mode", "strict")) == 0 &&
	    (rc = smmusim_config_set(cfg, "policy.smmu.cmdq_lock", o->lock)) ==
		0) {
		snprintf(num, sizeof(num), "%" PRIu64, o->lock_cycles);
		rc = smmusim_config_set(cfg, "os.lat.cmdq_lock", num);
	}
	for (unsigned i = 0; rc == 0 && i < o->nassign; i++)
		rc = smmusim_config_set_assignment(cfg, o->assign[i]);
	if (rc == 0)
		rc = smmusim_new_ex(sim, cfg, NULL, err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, "cmdq-contention: %s (%s)\n",
			err[0] ? err : "bad configuration (see -o)",
			smmusim_errname(rc));
	smmusim_config_free(cfg);
	return rc;
}

static int submit_at(smmusim_t *sim, struct smmusim_event ev, uint64_t at)
{
	ev.timing = SMMUSIM_AT;
	ev.time = at;
	smmusim_set_next_start(sim, at); /* every pair starts at `at` */
	int rc = smmusim_submit(sim, &ev);
	if (rc < 0)
		fprintf(stderr, "cmdq-contention: %s (%s)\n",
			smmusim_last_error(sim), smmusim_errname(rc));
	return rc;
}

struct row {
	uint64_t cycles, clock_hz, waits, wait_cycles, full_stalls;
};

static uint64_t stat(const smmusim_t *sim, const char *name)
{
	uint64_t v = 0;
	smmusim_stat_get(sim, name, &v);
	return v;
}

/* n CPUs, each with its device and domain, each doing the pairs. */
static int run(const struct opts *o, unsigned n, struct row *r)
{
	smmusim_t *sim;
	int rc = configure(o, n, &sim);
	if (rc < 0)
		return rc;
	for (unsigned i = 0; rc == 0 && i < n; i++) {
		struct smmusim_event d = {.type = SMMUSIM_EV_DOMAIN_CREATE,
					  .timing = SMMUSIM_AFTER_PREV,
					  .dom = i + 1,
					  .stage = 1};
		struct smmusim_event a = {.type = SMMUSIM_EV_ATTACH,
					  .timing = SMMUSIM_AFTER_PREV,
					  .sid = 0x10 + i,
					  .dom = i + 1,
					  .cmds = true};
		smmusim_set_next_start(sim, UINT64_MAX);
		if ((rc = smmusim_submit(sim, &d)) == 0) {
			smmusim_set_next_start(sim, UINT64_MAX);
			rc = smmusim_submit(sim, &a);
		}
	}
	/* Well after the set-up's last submission and its CMD_SYNC. */
	uint64_t t0 = smmusim_now(sim) + 1000000;
	if (rc == 0)
		rc = smmusim_run_until(sim, t0 - 1);
	for (uint64_t k = 0; rc == 0 && k < o->pairs; k++)
		for (unsigned i = 0; rc == 0 && i < n; i++) {
			struct smmusim_event m = {.type = SMMUSIM_EV_DMA_MAP,
						  .cpu = i,
						  .dom = i + 1,
						  .va = 0x100000,
						  .len = 4096,
						  .prot = SMMUSIM_PROT_R |
							  SMMUSIM_PROT_W};
			struct smmusim_event u = {.type = SMMUSIM_EV_DMA_UNMAP,
						  .cpu = i,
						  .dom = i + 1,
						  .va = 0x100000,
						  .len = 4096};
			if ((rc = submit_at(sim, m, t0)) == 0)
				rc = submit_at(sim, u, t0);
		}
	if (rc == 0 && (rc = smmusim_finish(sim)) < 0)
		fprintf(stderr, "cmdq-contention: %s\n",
			smmusim_last_error(sim));
	if (rc == 0) {
		r->cycles = stat(sim, "sim.cycles") - t0;
		r->waits = stat(sim, "os.lock.cmdq.contended");
		r->wait_cycles = stat(sim, "os.lock.cmdq.wait_cycles");
		r->full_stalls = stat(sim, "smmu.cmdq.full_stalls");
		char hz[32];
		smmusim_config_get(smmusim_config(sim), "sim.clock_hz", hz,
				   sizeof(hz));
		r->clock_hz = strtoull(hz, NULL, 10);
	}
	smmusim_free(sim);
	return rc;
}

int main(int argc, char **argv)
{
	struct opts o;
	int rc = parse(argc, argv, &o);
	if (rc)
		return rc > 0 ? 0 : -rc;
	struct row rows[16];
	double base = 0;
	for (unsigned i = 0; i < o.ncpus; i++)
		if ((rc = run(&o, o.cpus[i], &rows[i])) < 0)
			return 1;
	printf("# cmdq-contention: policy=%s cmdq_lock=%s "
	       "os.lat.cmdq_lock=%" PRIu64 " pairs/cpu=%" PRIu64 "\n",
	       o.policy, o.lock, o.lock_cycles, o.pairs);
	for (unsigned i = 0; i < o.ncpus; i++)
		if (o.cpus[i] == o.base)
			base = (double)o.pairs * (double)rows[i].clock_hz /
			       (double)rows[i].cycles;
	printf("%5s %14s %16s %8s %10s %16s %12s\n", "cpus", "cycles",
	       "pairs/cpu/s", "ratio", "lock_waits", "lock_wait_cyc",
	       "full_stalls");
	for (unsigned i = 0; i < o.ncpus; i++) {
		const struct row *r = &rows[i];
		double tput =
		    (double)o.pairs * (double)r->clock_hz / (double)r->cycles;
		printf("%5u %14" PRIu64 " %16.0f %8.3f %10" PRIu64 " %16" PRIu64
		       " %12" PRIu64 "\n",
		       o.cpus[i], r->cycles, tput, base ? tput / base : 0,
		       r->waits, r->wait_cycles, r->full_stalls);
	}
	return 0;
}
