/* SPDX-License-Identifier: MIT */
/*
 * Strict DMA unmap latency against size (issue 10; docs/studies/
 * cmdq-contention.md).  A. Mhetre measured iommu unmap latencies of
 * 4 KiB, 64 KiB and 1 MiB buffers (FACTS.md 5: 64K 6.2x and 1M 83x the
 * 4K time, without range invalidation); with FEAT_RIL the driver sends one
 * range TLBI per run of pages instead of one per page.  For each size this
 * program maps a buffer on a stage-1 DMA domain and unmaps it
 * (policy.dma.mode=strict: PTE clears, TLBI(s), CMD_SYNC and its wait),
 * once with smmu.ril on and once off, and prints the unmap's cycles and
 * their ratio to the 4 KiB unmap.  The unmap's cycles are the whole run's
 * less the same run without the unmap.
 */
#include "bench_util.h"

static const char usage[] =
    "usage: unmap-latency [--policy P] [-o KEY=VALUE]...\n"
    "  --policy P     kernel preset (default linux-6.12)\n"
    "  -o KEY=VALUE   any other configuration key\n";

static const uint64_t sizes[] = {4096, 16384, 65536, 262144, 1048576};
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

struct opts {
	const char *policy;
	const char *assign[32];
	unsigned nassign;
};

static int submit(smmusim_t *sim, struct smmusim_event ev)
{
	ev.timing = SMMUSIM_AFTER_PREV;
	smmusim_set_next_start(sim, UINT64_MAX);
	int rc = smmusim_submit(sim, &ev);
	if (rc < 0)
		fprintf(stderr, "unmap-latency: %s (%s)\n",
			smmusim_last_error(sim), smmusim_errname(rc));
	return rc;
}

/* The cycles of a run: domain, attach, map of `len`, and (with `unmap`)
 * its unmap. */
static int run(const struct opts *o, bool ril, uint64_t len, bool unmap,
	       uint64_t *cycles)
{
	smmusim_config_t *cfg;
	smmusim_t *sim = NULL;
	char err[256] = "";
	int rc = smmusim_config_new(&cfg, NULL);
	if (rc < 0)
		return rc;
	if ((rc = smmusim_config_apply_preset(cfg, "policy", o->policy)) == 0 &&
	    (rc = smmusim_config_set(cfg, "policy.dma.mode", "strict")) == 0)
		rc = smmusim_config_set(cfg, "smmu.ril", ril ? "on" : "off");
	for (unsigned i = 0; rc == 0 && i < o->nassign; i++)
		rc = smmusim_config_set_assignment(cfg, o->assign[i]);
	if (rc == 0)
		rc = smmusim_new_ex(&sim, cfg, NULL, err, sizeof(err));
	smmusim_config_free(cfg);
	if (rc < 0) {
		fprintf(stderr, "unmap-latency: %s (%s)\n",
			err[0] ? err : "bad configuration (see -o)",
			smmusim_errname(rc));
		return rc;
	}
	struct smmusim_event ev[] = {
	    {.type = SMMUSIM_EV_DOMAIN_CREATE, .dom = 1, .stage = 1},
	    {.type = SMMUSIM_EV_ATTACH, .sid = 0x10, .dom = 1, .cmds = true},
	    {.type = SMMUSIM_EV_DMA_MAP,
	     .dom = 1,
	     .va = 0x40000000,
	     .len = len,
	     .prot = SMMUSIM_PROT_R | SMMUSIM_PROT_W},
	    {.type = SMMUSIM_EV_DMA_UNMAP,
	     .dom = 1,
	     .va = 0x40000000,
	     .len = len},
	};
	size_t n = unmap ? 4 : 3;
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = submit(sim, ev[i]);
	if (rc == 0 && (rc = smmusim_finish(sim)) == 0)
		rc = smmusim_stat_get(sim, "sim.cycles", cycles);
	smmusim_free(sim);
	return rc;
}

int main(int argc, char **argv)
{
	struct opts o = {.policy = "linux-6.12"};
	for (int i = 1; i < argc; i += 2) { /* OPTION VALUE pairs */
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (bench_help(a, usage))
			return 0;
		if (!v)
			return bench_bad_option("unmap-latency", a, v, usage);
		if (!strcmp(a, "--policy"))
			o.policy = v;
		else if (!strcmp(a, "-o") && o.nassign < 32)
			o.assign[o.nassign++] = v;
		else
			return bench_bad_option("unmap-latency", a, v, usage);
	}
	printf("# unmap-latency: policy=%s policy.dma.mode=strict\n", o.policy);
	printf("%5s %10s %12s %10s\n", "ril", "size", "unmap_cyc", "vs_4K");
	for (int ril = 1; ril >= 0; ril--) {
		uint64_t first = 0;
		for (size_t s = 0; s < NSIZES; s++) {
			uint64_t with, without;
			if (run(&o, ril, sizes[s], true, &with) < 0 ||
			    run(&o, ril, sizes[s], false, &without) < 0)
				return 1;
			uint64_t lat = with - without;
			if (!s)
				first = lat;
			printf("%5s %10" PRIu64 " %12" PRIu64 " %10.1f\n",
			       ril ? "on" : "off", sizes[s], lat,
			       (double)lat / (double)first);
		}
	}
	return 0;
}
