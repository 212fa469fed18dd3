/* SPDX-License-Identifier: MIT */
/*
 * Co-simulation: driving the simulator from another program's access stream
 * and learning, for each submitted event, when it finished and what it cost.
 *
 * A device model (or a CPU model, a traffic generator) submits its accesses
 * as events with a cookie of its own (struct smmusim_event.cookie); the
 * simulator calls the completion hook once per accepted event when it has
 * finished, with the cookie, its start and finish cycles, and for a device
 * access its outcome: translated or faulted, the output address, the number
 * of faults on the way (page requests, stalls) and which cache answered the
 * last translation (the device's ATC, the SMMU's micro-TLB or IOTLB, or a
 * table walk).  docs/api.md, "Co-simulation", and examples/cosim.c.
 *
 * ABI: bindings that mirror the public structs (ctypes, cffi) must compare
 * their sizes with the library's (smmusim_struct_size()) and refuse to run
 * on a mismatch; SMMUSIM_ABI_VERSION is bumped whenever a public struct or
 * enum changes layout, and smmusim_abi_version() is the library's.
 */
#ifndef SMMUSIM_COSIM_H
#define SMMUSIM_COSIM_H

#include <stddef.h>
#include <stdint.h>

#include <smmusim/event.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Public API: exported from the shared library, which hides everything
 * else (-fvisibility=hidden). */
#pragma GCC visibility push(default)

typedef struct smmusim smmusim_t;

/* 1: 0.1.0 without it; 2: smmusim_event.cookie, struct smmusim_completion. */
#define SMMUSIM_ABI_VERSION 2

/* The library's SMMUSIM_ABI_VERSION. */
unsigned smmusim_abi_version(void);
/* sizeof of a public struct as the library was built, by its name without
 * "struct " ("smmusim_event", "smmusim_completion", "smmusim_violation",
 * "smmusim_hist_summary", "smmusim_key_info", "smmusim_import_stats",
 * "smmusim_stat_def", "smmusim_config_layers"); 0 for any other name. */
size_t smmusim_struct_size(const char *name);

enum smmusim_status {
	SMMUSIM_STATUS_OK = 0,	  /* done; a device access was translated */
	SMMUSIM_STATUS_FAULT = 1, /* a device access faulted for good */
	SMMUSIM_STATUS_ERROR = 2, /* a kernel operation failed after its
				   * submit returned (completion.error) */
};

/* X(enum suffix, name): what answered a device access's last translation. */
#define SMMUSIM_ANSWERS(X)                                                     \
	X(NONE, "none") /* not a device access, or it faulted */               \
	X(WALK, "walk")                                                        \
	X(UTLB, "smmu.utlb")                                                   \
	X(IOTLB, "smmu.iotlb")                                                 \
	X(ATC, "dev.atc")

enum smmusim_answer {
#define SMMUSIM_ANSWER_ENUM_(name, str) SMMUSIM_ANSWER_##name,
	SMMUSIM_ANSWERS(SMMUSIM_ANSWER_ENUM_)
#undef SMMUSIM_ANSWER_ENUM_
	    SMMUSIM_ANSWER_COUNT_
};

/* One finished event.  Valid during the hook's call only. */
struct smmusim_completion {
	uint32_t size; /* sizeof(struct smmusim_completion) of the library */
	enum smmusim_event_type type;
	uint64_t cookie; /* the event's cookie, as submitted */
	uint64_t seq;	 /* events accepted so far, this one included */
	uint32_t line;	 /* the event's line (0 when not from a trace) */
	enum smmusim_status status;
	int error;	 /* SMMUSIM_STATUS_ERROR: the SMMUSIM_E* code */
	uint32_t faults; /* dev_access: faults before it ended */
	uint64_t start;	 /* cycle it started */
	uint64_t finish; /* cycle it finished; latency = finish - start */
	uint64_t va;	 /* dev_access: the input address */
	uint64_t pa;	 /* dev_access, status OK: the output address */
	enum smmusim_answer answer; /* dev_access, status OK */
};

/*
 * Call fn(ctx, c) once for every event smmusim_submit() accepted (returned
 * 0 for), when it has finished: inside the submit, smmusim_run_until() or
 * smmusim_finish() that ran the clock there, on the calling thread.  Events
 * complete in the order they finish, which for overlapping events ("@N",
 * device accesses retrying) is not the order of submission.  The hook may
 * read the simulator but not submit, run, finish or free it.  Only events
 * submitted while a hook is set are reported; NULL removes it.  Returns
 * SMMUSIM_EINVAL for a NULL simulator.
 */
typedef void (*smmusim_completion_fn)(void *ctx,
				      const struct smmusim_completion *c);
int smmusim_set_completion_hook(smmusim_t *sim, smmusim_completion_fn fn,
				void *ctx);

/* "ok", "fault", "error" ("?" out of range). */
const char *smmusim_status_name(enum smmusim_status status);
/* "walk", "smmu.iotlb", ... ("?" out of range). */
const char *smmusim_answer_name(enum smmusim_answer answer);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
