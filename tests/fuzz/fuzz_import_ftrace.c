/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target of docs/fuzzing.md: the ftrace importer, then the DMA
 * API model that replays what it imports.  The fuzzer's bytes are an
 * ftrace text (plain, or xz if they start with its magic); if they hold a
 * line "=== qemu-log ===", what follows it is a QEMU 7.2 log of the same
 * run, given as the importer's qemu_log.  Both go to
 * smmusim_import_ftrace() through files in memory; byte 0 also picks the
 * importer's clock_hz (pick_clock).
 *
 * A trace the importer accepts is replayed twice on --hw qemu-7.2, as
 * tests/dma_validation.sh replays the shared captures, with the clock the
 * importer used (sim.clock_hz) and enough PEs for its cpu= values:
 *   - strict (policy.dma.mode=strict) under --policy linux-6.1: every
 *     dma_unmap's range TLBIs and CMD_SYNC (__iommu_dma_unmap);
 *   - lazy under --policy linux-6.12: the flush queues, their timer and,
 *     with byte 0 choosing policy.dma.fq (percpu|single) and a small
 *     policy.dma.fq_size, the full-ring flush (queue_iova, fq_full).
 * Every simulator is held to sim.max_host_memory (FZ_MAX_HOST_MEMORY).
 *
 * A refused input is expected.  A finding is a crash, a leak, UB, an error
 * without a message, SMMUSIM_EINTERNAL, or a trace that the importer wrote
 * without error and that the replay (or the replay's configuration: the
 * clock the trace names, the PEs it uses) then refuses: the importer must
 * refuse what it cannot reproduce, with the line (issue 8).
 * FZ_IMPORT_LAX=1 in the environment lets that last kind pass.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char sep[] = "\n=== qemu-log ===\n";

/* The largest cpu= of the imported trace (-1 if none): the replay needs
 * cpu.count above it.  Read back from the trace file in memory. */
static long long max_cpu(int fd)
{
	static char buf[1 << 16];
	long long best = -1;
	off_t off = 0;
	ssize_t got;
	size_t keep = 0;

	while ((got = pread(fd, buf + keep, sizeof(buf) - 1 - keep, off)) > 0) {
		size_t n = keep + (size_t)got;
		char *p = buf, *nl;

		off += got;
		buf[n] = 0;
		while ((nl = memchr(p, '\n', n - (size_t)(p - buf)))) {
			const char *c;

			*nl = 0;
			c = strstr(p, " cpu=");
			if (c && p[0] != '#') {
				long long v = strtoll(c + 5, NULL, 0);
				if (v > best)
					best = v;
			}
			p = nl + 1;
		}
		keep = n - (size_t)(p - buf);
		memmove(buf, p, keep);
		if (keep == sizeof(buf) - 1)
			keep = 0; /* no line is that long in a trace */
	}
	return best;
}

static void refused(const char *what, const char *msg)
{
	if (getenv("FZ_IMPORT_LAX"))
		return;
	fprintf(stderr, "fuzz: imported trace refused at replay (%s): %s\n",
		what, msg);
	abort();
}

/* One replay of the imported trace: hw qemu-7.2, `policy`, then `keys`
 * ("key=value" pairs, NULL-ended), the importer's clock and enough PEs. */
static void replay(const char *trace, const char *policy, const char **keys,
		   uint64_t clock_hz, long long cpu)
{
	smmusim_config_t *cfg = NULL;
	smmusim_t *sim;
	char v[32];
	int rc;

	if (smmusim_config_new(&cfg, NULL) < 0)
		abort();
	if (smmusim_config_apply_preset(cfg, "hw", "qemu-7.2") < 0 ||
	    smmusim_config_apply_preset(cfg, "policy", policy) < 0 ||
	    smmusim_config_set(cfg, "mem.size", "16M") < 0 ||
	    smmusim_config_set(cfg, "sim.max_host_memory", FZ_MAX_HOST_MEMORY) <
		0)
		abort();
	for (; *keys; keys++)
		if (smmusim_config_set_assignment(cfg, *keys) < 0)
			abort();
	/* The trace's header says "replay with -o sim.clock_hz=N". */
	snprintf(v, sizeof(v), "%" PRIu64, clock_hz);
	rc = smmusim_config_set(cfg, "sim.clock_hz", v);
	if (rc >= 0 && cpu >= 4) {
		snprintf(v, sizeof(v), "%lld", cpu + 1);
		rc = smmusim_config_set(cfg, "cpu.count", v);
	}
	if (rc < 0) {
		refused("config", smmusim_config_error(cfg));
		smmusim_config_free(cfg);
		return;
	}
	sim = fz_sim_new(cfg, NULL);
	if (!sim)
		return; /* e.g. the host-memory cap: not the importer's */
	rc = smmusim_replay_file(sim, trace);
	fz_expect(rc, smmusim_last_error(sim), "replay of an ftrace import");
	/* The cap on host memory is the replay's own limit, not a drift. */
	if (rc < 0 && rc != SMMUSIM_ENOMEM)
		refused(policy, smmusim_last_error(sim));
	smmusim_free(sim);
}

static void replay_import(const char *trace, int fd, uint64_t clock_hz,
			  uint8_t sel)
{
	static const char *const fq_sizes[] = {
	    "policy.dma.fq_size=0", "policy.dma.fq_size=2",
	    "policy.dma.fq_size=3", "policy.dma.fq_size=16"};
	const char *strict[] = {"policy.dma.mode=strict", NULL};
	const char *lazy[] = {"policy.dma.mode=lazy",
			      (sel & 1) ? "policy.dma.fq=single"
					: "policy.dma.fq=percpu",
			      fq_sizes[(sel >> 1) & 3], NULL};
	long long cpu = max_cpu(fd);

	replay(trace, "linux-6.1", strict, clock_hz, cpu);
	replay(trace, "linux-6.12", lazy, clock_hz, cpu);
}

/* The importer's clock_hz from byte 0: mostly 1 + b * 1000003 (as the
 * seeds had it), else the edges of its range and just past them. */
static uint64_t pick_clock(uint8_t b)
{
	switch (b % 8) {
	case 1:
		return SMMUSIM_IMPORT_CLOCK_HZ_MIN;
	case 2:
		return SMMUSIM_IMPORT_CLOCK_HZ_MIN - 1;
	case 4:
		return SMMUSIM_IMPORT_CLOCK_HZ_MAX;
	case 5:
		return SMMUSIM_IMPORT_CLOCK_HZ_MAX + 1;
	case 6:
		return 0; /* SMMUSIM_IMPORT_CLOCK_HZ_DEFAULT */
	default:
		return 1 + b * 1000003ull;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smmusim_import_ftrace_opts o = {0};
	struct smmusim_import_ftrace_stats st;
	char in[64], q[64], out[64], err[1024] = "";
	const uint8_t *split = NULL;
	size_t n = size;
	int fin, fq = -1, fout, rc;

	for (size_t i = 0; i + sizeof(sep) - 1 <= size; i++)
		if (!memcmp(data + i, sep, sizeof(sep) - 1)) {
			split = data + i + sizeof(sep) - 1;
			n = i + 1;
			break;
		}
	fin = fz_memfile(data, n, in);
	if (fin < 0)
		return 0;
	if (split) {
		fq = fz_memfile(split, size - (size_t)(split - data), q);
		o.qemu_log = q;
	}
	fout = fz_memfile("", 0, out);
	if (fout >= 0 && (!split || fq >= 0)) {
		o.clock_hz = size ? pick_clock(data[0]) : 0;
		rc = smmusim_import_ftrace(in, out, &o, NULL, &st, err,
					   sizeof(err));
		fz_expect(rc, err, "smmusim_import_ftrace");
		if (rc == 0)
			replay_import(out, fout,
				      o.clock_hz
					  ? o.clock_hz
					  : SMMUSIM_IMPORT_CLOCK_HZ_DEFAULT,
				      size ? data[0] : 0);
	}
	if (fout >= 0)
		close(fout);
	if (fq >= 0)
		close(fq);
	close(fin);
	return 0;
}
