/* SPDX-License-Identifier: MIT */
/*
 * Co-simulation: drive libsmmusim from another program's access stream.
 *
 * A device model elsewhere (a SystemC or RTL testbench, a trace of a real
 * accelerator, a script) writes the DMA accesses of one device to this
 * program's standard input, one per line:
 *
 *     r 0x400000        a read of that virtual address
 *     w 0x401008 +200   a write, 200 cycles after the previous access ended
 *     # a comment
 *
 * This program plays the host: a process maps a 1 MiB shared buffer,
 * touches its first half from the CPU, and binds the device to it (SVA,
 * sid 0x10 ssid 1, faults recovered by stalls as mainline arm-smmu-v3 does
 * for SVA devices).  Each access is submitted with its input line number as
 * its cookie; the completion hook (include/smmusim/cosim.h) prints, as each
 * finishes, what the device model needs back: ok or fault, the output
 * address, the latency in cycles and which cache answered.  At the end the
 * report is taken into memory (smmusim_write_report_buffer) and its counter
 * lines about the device and the SMMU's TLBs printed.
 *
 *     printf 'r 0x400000\nr 0x400040\nw 0x480000\n' | ./cosim linux-6.6
 *
 * Exit status: 0, or 2 for bad input (the message names the line).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <smmusim/smmusim.h>

#define BUF_VA 0x400000ull
#define BUF_LEN 0x100000ull
#define SID 0x10u
#define SSID 1u

/* The completion of one access: what goes back to the device model. */
static void on_complete(void *ctx, const struct smmusim_completion *c)
{
	(void)ctx;
	if (c->type != SMMUSIM_EV_DEV_ACCESS)
		return; /* the host's own events */
	printf("access %" PRIu64 ": va=0x%" PRIx64 " %s", c->cookie, c->va,
	       smmusim_status_name(c->status));
	if (c->status == SMMUSIM_STATUS_OK)
		printf(" pa=0x%" PRIx64 " by %s", c->pa,
		       smmusim_answer_name(c->answer));
	printf(" latency=%" PRIu64 " faults=%" PRIu32 "\n",
	       c->finish - c->start, c->faults);
}

static int submit(smmusim_t *sim, struct smmusim_event ev)
{
	if (smmusim_submit(sim, &ev) == 0)
		return 0;
	fprintf(stderr, "cosim: %s\n", smmusim_last_error(sim));
	return -1;
}

/* The host side: a process, its buffer, the bond. */
static int host_setup(smmusim_t *sim)
{
	const struct smmusim_event evs[] = {
	    {.type = SMMUSIM_EV_MM_CREATE, .mm = 1},
	    {.type = SMMUSIM_EV_MMAP,
	     .mm = 1,
	     .va = BUF_VA,
	     .len = BUF_LEN,
	     .prot = SMMUSIM_PROT_R | SMMUSIM_PROT_W,
	     .map = SMMUSIM_MAP_SHARED},
	    {.type = SMMUSIM_EV_TOUCH,
	     .mm = 1,
	     .va = BUF_VA,
	     .len = BUF_LEN / 2,
	     .op = SMMUSIM_ACC_WRITE},
	    {.type = SMMUSIM_EV_BIND,
	     .sid = SID,
	     .ssid = SSID,
	     .mm = 1,
	     .pri = true},
	};
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		if (submit(sim, evs[i]) < 0)
			return -1;
	return 0;
}

/* One line of the stream into an access; 0 for a blank or comment line,
 * 1 for an access, -1 for a bad line. */
static int parse_access(const char *line, struct smmusim_event *ev)
{
	char op;
	unsigned long long va, gap = 0;
	int n;
	while (*line == ' ' || *line == '\t')
		line++;
	if (*line == '#' || *line == '\n' || *line == '\0')
		return 0;
	if (sscanf(line, " %c %lli %n", &op, &va, &n) < 2 ||
	    (op != 'r' && op != 'w'))
		return -1;
	if (line[n] == '+' && sscanf(line + n + 1, "%llu", &gap) != 1)
		return -1;
	*ev = (struct smmusim_event){.type = SMMUSIM_EV_DEV_ACCESS,
				     .time = gap,
				     .sid = SID,
				     .ssid = SSID,
				     .va = va,
				     .op = op == 'w' ? SMMUSIM_ACC_WRITE
						     : SMMUSIM_ACC_READ};
	return 1;
}

static int drive(smmusim_t *sim, FILE *in)
{
	char line[256];
	uint64_t lineno = 0;
	while (fgets(line, sizeof(line), in)) {
		struct smmusim_event ev;
		int r = parse_access(line, &ev);
		lineno++;
		if (r < 0) {
			fprintf(stderr,
				"cosim: <stdin>:%" PRIu64 ": expected 'r|w "
				"ADDRESS [+CYCLES]'\n",
				lineno);
			return -1;
		}
		ev.cookie = lineno;
		ev.line = (uint32_t)lineno;
		if (r > 0 && submit(sim, ev) < 0)
			return -1;
	}
	return 0;
}

/* The report, taken into memory; its device and SMMU TLB counters. */
static int summary(smmusim_t *sim)
{
	size_t len;
	smmusim_write_report_buffer(NULL, 0, &len, &sim, 1,
				    SMMUSIM_FORMAT_TEXT);
	char *text = malloc(len + 1);
	if (!text || smmusim_write_report_buffer(text, len + 1, NULL, &sim, 1,
						 SMMUSIM_FORMAT_TEXT) < 0) {
		free(text);
		return -1;
	}
	for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n"))
		if (!strncmp(l, "dev.access.", 11) ||
		    !strncmp(l, "smmu.iotlb.", 11) ||
		    !strncmp(l, "smmu.walks", 10))
			puts(l);
	free(text);
	return 0;
}

int main(int argc, char **argv)
{
	const char *policy = argc > 1 ? argv[1] : "linux-6.6";
	smmusim_config_t *cfg;
	smmusim_t *sim;
	char err[256];
	if (smmusim_config_new(&cfg, NULL) < 0)
		return 2;
	if (smmusim_config_apply_preset(cfg, "policy", policy) < 0 ||
	    smmusim_config_set(cfg, "dev.fault_mode", "stall") < 0) {
		fprintf(stderr, "cosim: %s\n", smmusim_config_error(cfg));
		smmusim_config_free(cfg);
		return 2;
	}
	int rc = smmusim_new_ex(&sim, cfg, NULL, err, sizeof(err));
	smmusim_config_free(cfg);
	if (rc < 0) {
		fprintf(stderr, "cosim: %s\n", err);
		return 2;
	}
	smmusim_set_labels(sim, policy, "<stdin>");
	smmusim_set_completion_hook(sim, on_complete, NULL);
	if (host_setup(sim) < 0 || drive(sim, stdin) < 0 ||
	    smmusim_finish(sim) < 0 || summary(sim) < 0) {
		if (smmusim_last_error(sim)[0])
			fprintf(stderr, "cosim: %s\n", smmusim_last_error(sim));
		smmusim_free(sim);
		return 2;
	}
	smmusim_free(sim);
	return 0;
}
