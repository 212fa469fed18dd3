/* SPDX-License-Identifier: MIT */
/*
 * Driver (a) of docs/fuzzing.md: the fuzzer's bytes are a trace
 * (docs/trace-format.md) replayed by smmusim_replay_file() under the presets
 * that the first byte picks, with 16 MiB of RAM, then reported as JSON (to
 * /dev/null, so that the report writer sees every string the trace can
 * put into a result).  A refused trace is expected; an empty message, a
 * crash, a hang, a leak or a trace with a NUL byte that is accepted is a
 * finding.
 */
#include <stdio.h>
#include <unistd.h>

#include "fuzz_common.h"

void fz_run_trace(const uint8_t *data, size_t size,
		  const struct smmusim_allocator *a)
{
	smmusim_config_t *cfg;
	smmusim_t *sim;
	char path[64];
	int fd, rc;

	if (!size)
		return;
	cfg = fz_config(data[0], a);
	if (!cfg)
		return;
	sim = fz_sim_new(cfg, a);
	if (!sim)
		return;
	fd = fz_memfile(data + 1, size - 1, path);
	if (fd < 0) {
		smmusim_free(sim);
		return;
	}
	rc = smmusim_replay_file(sim, path);
	fz_expect(rc, smmusim_last_error(sim), "smmusim_replay_file");
	fz_refuse_nul(rc, data + 1, size - 1, "smmusim_replay_file");
	close(fd);
	if (rc >= 0) {
		FILE *out = fopen("/dev/null", "w");
		if (out) {
			rc = smmusim_write_report(out, &sim, 1,
						  SMMUSIM_FORMAT_JSON);
			fz_expect(rc, smmusim_last_error(sim),
				  "smmusim_write_report");
			fclose(out);
		}
	}
	smmusim_free(sim);
}
