/* SPDX-License-Identifier: MIT */
/*
 * What the libFuzzer harnesses of tests/fuzz share (docs/fuzzing.md).
 *
 * The simulator's promise (issue 8) is that bad input gives a negative
 * SMMUSIM_E... code with a message and nothing worse.  So an expected error
 * is not a finding; a finding is a crash, a hang (libFuzzer -timeout), a
 * leak (LeakSanitizer, and the counting allocator below), undefined
 * behaviour (UBSan), or an error without a message, which fz_expect()
 * turns into an abort so that libFuzzer saves the input.
 *
 * Only public headers (<smmusim/...>) are used: the harnesses drive the
 * library the way a program linking it would.
 */
#ifndef SMMUSIM_FUZZ_COMMON_H
#define SMMUSIM_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include <smmusim/smmusim.h>

/* A bounded cursor over the fuzzer's bytes; reads past the end give 0. */
struct fz_in {
	const uint8_t *p;
	size_t n;
};
uint8_t fz_u8(struct fz_in *in);
uint16_t fz_u16(struct fz_in *in);
uint64_t fz_u64(struct fz_in *in);

/* Abort (a finding) unless rc is 0 or a known SMMUSIM_E... code whose
 * message is non-empty.  `what` names the call for the report.
 * FZ_ALLOW_EMPTY=1 in the environment lets an empty message pass (to look
 * past a known finding); FZ_ALLOW_INTERNAL=1 lets SMMUSIM_EINTERNAL pass. */
void fz_expect(int rc, const char *msg, const char *what);

/* Abort if a file holding a NUL byte was accepted (rc >= 0): NUL and
 * other control bytes must be refused with their position (issue 8), not
 * end a line early.  FZ_ALLOW_NUL=1 in the environment lets it pass. */
void fz_refuse_nul(int rc, const void *data, size_t size, const char *what);

/* A temporary file in memory (memfd) holding `data`; its /proc path in
 * path[].  Returns the descriptor (close it when done) or -1. */
int fz_memfile(const void *data, size_t size, char path[64]);

/* A config with the presets chosen by `sel` (bits 0-1: policy preset or
 * none, bits 2-3: hw preset or none, bit 4: the default mem.size rather
 * than 16 MiB).  NULL when an
 * injected allocator failed (the failure is checked). */
smmusim_config_t *fz_config(uint8_t sel, const struct smmusim_allocator *a);

/* The failing allocator: fails allocation number `fail_at` (1-based, 0
 * never) and every later one if `sticky`; checks that free and realloc are
 * told the size that was allocated, and counts live blocks. */
struct fz_alloc {
	struct smmusim_allocator a;
	uint64_t calls, fail_at, live, failed;
	int sticky;
	int armed; /* 0: allocations are not counted (nor failed) yet */
};
void fz_alloc_init(struct fz_alloc *fa, uint64_t fail_at, int sticky,
		   int armed);
/* The drivers call this once the simulator is built: an allocator made
 * with armed = 0 starts counting there, so that N reaches the allocations
 * of the events rather than only those of smmusim_new_ex(). */
void fz_alloc_arm(const struct smmusim_allocator *a);
/* The simulator of cfg (freed here) on allocator a, which is then armed;
 * NULL when smmusim_new_ex() refused (its error checked by fz_expect). */
smmusim_t *fz_sim_new(smmusim_config_t *cfg, const struct smmusim_allocator *a);
/* Abort if blocks allocated through fa are still live (a leak). */
void fz_alloc_check_empty(const struct fz_alloc *fa, const char *what);

/* The two drivers that the failing-allocator target wraps. */
void fz_run_trace(const uint8_t *data, size_t size,
		  const struct smmusim_allocator *a);
void fz_run_events(const uint8_t *data, size_t size,
		   const struct smmusim_allocator *a);

/* The host-memory cap every harness holds its simulators to, whatever the
 * input set: the library's default (256 MiB) plus libFuzzer's corpus and
 * ASan's shadow and quarantine would pass the runs' -rss_limit_mb=256, and
 * an input may itself raise sim.max_host_memory.  What the cap refuses is
 * an expected SMMUSIM_ENOMEM with a message, as in a real run. */
#define FZ_MAX_HOST_MEMORY "64M"

#endif
