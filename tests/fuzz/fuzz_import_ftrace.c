/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target of docs/fuzzing.md: the ftrace importer.  The fuzzer's
 * bytes are an ftrace text (plain, or xz if they start with its magic);
 * if they hold a line "=== qemu-log ===", what follows it is a QEMU 7.2
 * log of the same run, given as the importer's qemu_log.  Both go to
 * smmusim_import_ftrace() through files in memory.
 *
 * A refused input is expected.  A finding is a crash, a leak, UB, or an
 * error without a message.  The imported trace is not replayed yet: its
 * dma_map/dma_unmap events belong to the DMA API model of another issue-9
 * branch; once merged, replay it as fuzz_import_qemu.c does.
 */
#include <string.h>
#include <unistd.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char sep[] = "\n=== qemu-log ===\n";

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
		o.clock_hz = size ? 1 + data[0] * 1000003ull : 0;
		rc = smmusim_import_ftrace(in, out, &o, NULL, &st, err,
					   sizeof(err));
		fz_expect(rc, err, "smmusim_import_ftrace");
		close(fout);
	}
	if (fq >= 0)
		close(fq);
	close(fin);
	return 0;
}
