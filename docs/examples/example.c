/* SPDX-License-Identifier: MIT */
/*
 * Drive libsmmusim through its API: a process shares a page with an SVA
 * device, the device reads then writes it, and we print what it cost and
 * whether the oracle found anything.
 *
 *   cc example.c $(pkg-config --cflags --libs smmusim) -o example
 *   ./example linux-6.5     # the permission-upgrade livelock
 *   ./example linux-6.6     # fixed
 */
#include <stdio.h>

#include <smmusim/smmusim.h>

static int submit(smmusim_t *sim, struct smmusim_event ev)
{
	int rc = smmusim_submit(sim, &ev);
	if (rc < 0)
		fprintf(stderr, "example: %s\n", smmusim_last_error(sim));
	return rc;
}

int main(int argc, char **argv)
{
	const char *policy = argc > 1 ? argv[1] : "linux-6.6";
	smmusim_config_t *cfg;
	smmusim_t *sim;
	char err[256];

	if (smmusim_config_new(&cfg, NULL) < 0)
		return 2;
	if (smmusim_config_apply_preset(cfg, "policy", policy) < 0) {
		fprintf(stderr, "example: %s\n", smmusim_config_error(cfg));
		return 2;
	}
	if (smmusim_new_ex(&sim, cfg, NULL, err, sizeof(err)) < 0) {
		fprintf(stderr, "example: %s\n", err);
		return 2;
	}
	smmusim_config_free(cfg);
	smmusim_set_labels(sim, policy, "example.c");

	const struct smmusim_event evs[] = {
	    {.type = SMMUSIM_EV_MM_CREATE, .mm = 1},
	    {.type = SMMUSIM_EV_MMAP,
	     .mm = 1,
	     .va = 0x400000,
	     .len = 0x10000,
	     .prot = SMMUSIM_PROT_R | SMMUSIM_PROT_W,
	     .map = SMMUSIM_MAP_SHARED},
	    {.type = SMMUSIM_EV_BIND,
	     .sid = 0x10,
	     .ssid = 1,
	     .mm = 1,
	     .pri = true},
	    {.type = SMMUSIM_EV_DEV_ACCESS,
	     .sid = 0x10,
	     .ssid = 1,
	     .va = 0x401000,
	     .op = SMMUSIM_ACC_READ},
	    {.type = SMMUSIM_EV_DEV_ACCESS,
	     .sid = 0x10,
	     .ssid = 1,
	     .va = 0x401000,
	     .op = SMMUSIM_ACC_WRITE},
	};
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		if (submit(sim, evs[i]) < 0)
			return 2;
	smmusim_finish(sim);

	const char *names[] = {"smmu.iotlb.hits",	 "smmu.iotlb.misses",
			       "smmu.faults.permission", "smmu.cmd.tlbi_nh_va",
			       "smmu.cmd.sync",		 "sim.cycles"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		uint64_t v = 0;
		smmusim_stat_get(sim, names[i], &v);
		printf("%-24s %llu\n", names[i], (unsigned long long)v);
	}
	printf("violations: %llu\n",
	       (unsigned long long)smmusim_violation_total(sim));
	for (size_t i = 0; i < smmusim_violation_count(sim); i++) {
		const struct smmusim_violation *v =
		    smmusim_violation_at(sim, i);
		printf("  %s at cycle %llu: %s va=0x%llx\n",
		       smmusim_violation_name(v->kind),
		       (unsigned long long)v->cycle, v->agent,
		       (unsigned long long)v->va);
	}
	int dirty = smmusim_violation_total(sim) != 0;
	smmusim_free(sim);
	return dirty;
}
