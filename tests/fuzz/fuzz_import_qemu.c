/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target (c) of docs/fuzzing.md: the QEMU 7.2 importer.  The
 * fuzzer's bytes are a log (plain, or xz if they start with its magic)
 * given to smmusim_import_qemu() through a file in memory; a trace it
 * accepts is then replayed under --hw qemu-7.2, as docs/validation.md does.
 *
 * A refused log is expected.  A finding is a crash, a leak, UB, an error
 * without a message, or a trace that the importer wrote without error and
 * that the replay then refuses (the importer must refuse what it cannot
 * reproduce, with the log's line, rather than write it: issue 8).  Set
 * FZ_IMPORT_LAX=1 in the environment to ignore that last kind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void replay_import(const char *trace)
{
	smmusim_config_t *cfg = NULL;
	smmusim_t *sim = NULL;
	int rc;

	if (smmusim_config_new(&cfg, NULL) < 0)
		abort();
	if (smmusim_config_apply_preset(cfg, "hw", "qemu-7.2") < 0 ||
	    smmusim_config_set(cfg, "mem.size", "16M") < 0 ||
	    smmusim_new(&sim, cfg, NULL) < 0)
		abort();
	smmusim_config_free(cfg);
	rc = smmusim_replay_file(sim, trace);
	fz_expect(rc, smmusim_last_error(sim), "replay of an import");
	if (rc < 0 && !getenv("FZ_IMPORT_LAX")) {
		fprintf(stderr, "fuzz: imported trace refused at replay: %s\n",
			smmusim_last_error(sim));
		abort();
	}
	smmusim_free(sim);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smmusim_import_stats st;
	char in[64], out[64], err[256] = "";
	int fin, fout, rc;

	fin = fz_memfile(data, size, in);
	if (fin < 0)
		return 0;
	fout = fz_memfile("", 0, out);
	if (fout < 0) {
		close(fin);
		return 0;
	}
	rc = smmusim_import_qemu(in, out, NULL, &st, err, sizeof(err));
	fz_expect(rc, err, "smmusim_import_qemu");
	if (rc == 0)
		replay_import(out);
	close(fin);
	close(fout);
	return 0;
}
