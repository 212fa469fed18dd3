/* SPDX-License-Identifier: MIT */
/* libFuzzer target: structure-aware event sequences (events_driver.c). */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_run_events(data, size, NULL);
	return 0;
}
