/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target of docs/fuzzing.md: the strace importer, then the
 * simulator that replays what it imports.  The fuzzer's bytes are a strace
 * log (plain, or compressed if they start with a magic); if they hold a
 * line "=== maps ===", what follows it is the /proc/PID/maps given as the
 * importer's maps_path.  Both go to smmusim_import_strace() through files
 * in memory; byte 0 picks the options: bits 0-1 the device pattern (none,
 * all, fraction 0.5, faults), bit 2 keep_going, bits 3-4 the CPUs (1, 2,
 * 4, 256), bits 5-7 the seed.
 *
 * A trace the importer accepts is replayed under --policy linux-6.12 with
 * cpu.count the importer's CPUs and 20-bit substreams (the binds go from
 * ssid 1 up), unless it touches or accesses more than FZ_PAGES pages (the
 * libFuzzer timeout, not a bug).  Every simulator is held to
 * sim.max_host_memory (FZ_MAX_HOST_MEMORY).
 *
 * A refused input is expected.  A finding is a crash, a leak, UB, an error
 * without a message, SMMUSIM_EINTERNAL, or a trace that the importer wrote
 * without error and that the replay then refuses: the importer must
 * refuse, with its line, what the trace cannot replay.  FZ_IMPORT_LAX=1 in
 * the environment lets that last kind pass.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_common.h"

#define FZ_PAGES 20000u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char sep[] = "\n=== maps ===\n";

static void replay(const char *trace, unsigned ncpus)
{
	smmusim_config_t *cfg = NULL;
	smmusim_t *sim;
	char v[16];
	int rc;

	if (smmusim_config_new(&cfg, NULL) < 0)
		abort();
	snprintf(v, sizeof(v), "%u", ncpus);
	if (smmusim_config_apply_preset(cfg, "policy", "linux-6.12") < 0 ||
	    smmusim_config_set(cfg, "cpu.count", v) < 0 ||
	    smmusim_config_set(cfg, "smmu.ssid_bits", "20") < 0 ||
	    smmusim_config_set(cfg, "sim.max_host_memory", FZ_MAX_HOST_MEMORY) <
		0)
		abort();
	sim = fz_sim_new(cfg, NULL);
	if (!sim)
		return;
	rc = smmusim_replay_file(sim, trace);
	fz_expect(rc, smmusim_last_error(sim), "replay of a strace import");
	if (rc < 0 && rc != SMMUSIM_ENOMEM && !getenv("FZ_IMPORT_LAX")) {
		fprintf(stderr, "fuzz: imported trace refused at replay: %s\n",
			smmusim_last_error(sim));
		abort();
	}
	smmusim_free(sim);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned cpus[] = {1, 2, 4, 256};
	struct smmusim_import_strace_opts o = {0};
	struct smmusim_import_strace_stats st;
	char in[64], maps[64], out[64], err[1024] = "";
	const uint8_t *split = NULL;
	uint8_t b = size ? data[0] : 0;
	size_t n = size;
	int fin, fm = -1, fout, rc;

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
		fm = fz_memfile(split, size - (size_t)(split - data), maps);
		o.maps_path = maps;
	}
	o.pattern = (enum smmusim_import_strace_pattern)(b & 3);
	o.fraction = 0.5;
	o.sid = 0x10;
	o.ssid = 1;
	o.keep_going = (b >> 2) & 1;
	o.ncpus = cpus[(b >> 3) & 3];
	o.seed = b >> 5;
	fout = fz_memfile("", 0, out);
	if (fout >= 0 && (!split || fm >= 0)) {
		rc = smmusim_import_strace(in, out, &o, NULL, &st, err,
					   sizeof(err));
		fz_expect(rc, err, "smmusim_import_strace");
		if (rc == 0 && st.touch_pages + st.dev_accesses <= FZ_PAGES)
			replay(out, o.ncpus);
	}
	if (fout >= 0)
		close(fout);
	if (fm >= 0)
		close(fm);
	close(fin);
	return 0;
}
