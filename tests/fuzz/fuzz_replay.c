/* SPDX-License-Identifier: MIT */
/* libFuzzer target: trace reader + replay (replay_driver.c). */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_run_trace(data, size, NULL);
	return 0;
}
