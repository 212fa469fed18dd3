/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target (e) of docs/fuzzing.md: allocation failure.  Three
 * header bytes: byte 0 picks the driver (even: a trace replay, odd: an
 * event sequence) and whether the failure is sticky (bit 1: every
 * allocation after the Nth fails too) and where N is counted from (bit 2:
 * the first allocation after smmusim_new_ex(), so that failures reach the
 * events; else the very first); bytes 1-2 give N (1-based).  The
 * rest goes to the driver (replay_driver.c, events_driver.c) with the
 * failing allocator of fuzz_common.c injected everywhere an allocator is
 * asked for.
 *
 * Every failure must come back as a negative code with a message (checked
 * by the drivers), free and realloc must be told the size that was
 * allocated, and nothing allocated through the allocator may be left once
 * everything is freed (checked here; LeakSanitizer checks the rest).
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_alloc fa;
	uint8_t mode;

	if (size < 3)
		return 0;
	mode = data[0];
	fz_alloc_init(&fa, 1 + (data[1] | (uint64_t)data[2] << 8),
		      (mode >> 1) & 1, !(mode & 4));
	if (mode & 1)
		fz_run_events(data + 3, size - 3, &fa.a);
	else
		fz_run_trace(data + 3, size - 3, &fa.a);
	fz_alloc_check_empty(&fa, mode & 1 ? "events" : "trace");
	return 0;
}
