/* SPDX-License-Identifier: MIT */
/*
 * Events that drive a simulation: what a trace line says, or what a program
 * linking libsmmusim submits with smmusim_submit().
 *
 * One flat struct for every event type keeps the API small; each type reads
 * only the fields its trace line names (see docs/trace-format.md).  Fields
 * that a type does not use are ignored.  Later format versions append fields
 * and event types; existing values never change meaning.
 */
#ifndef SMMUSIM_EVENT_H
#define SMMUSIM_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Public API: exported from the shared library, which hides everything
 * else (-fvisibility=hidden). */
#pragma GCC visibility push(default)

/* X(enum suffix, trace keyword) */
#define SMMUSIM_EVENT_TYPES(X)                                                 \
	X(MM_CREATE, "mm_create")                                              \
	X(MMAP, "mmap")                                                        \
	X(MUNMAP, "munmap")                                                    \
	X(MPROTECT, "mprotect")                                                \
	X(MM_EXIT, "mm_exit")                                                  \
	X(BIND, "bind")                                                        \
	X(UNBIND, "unbind")                                                    \
	X(DEV_ACCESS, "dev_access")                                            \
	X(CPU_ACCESS, "cpu_access")

enum smmusim_event_type {
#define SMMUSIM_EV_ENUM_(name, kw) SMMUSIM_EV_##name,
	SMMUSIM_EVENT_TYPES(SMMUSIM_EV_ENUM_)
#undef SMMUSIM_EV_ENUM_
	    SMMUSIM_EV_COUNT_
};

/* When an event starts. */
enum smmusim_timing {
	/* `time` cycles after the previous event has finished (no prefix in a
	 * trace means 0; "+N" means N). */
	SMMUSIM_AFTER_PREV = 0,
	/* At absolute cycle `time` ("@N"); must not be earlier than the start
	 * of the previous event.  May overlap an event still in progress. */
	SMMUSIM_AT = 1,
};

/* Protection bits of mmap/mprotect (prot=none is 0). */
#define SMMUSIM_PROT_R 0x1u
#define SMMUSIM_PROT_W 0x2u
#define SMMUSIM_PROT_X 0x4u

enum smmusim_map {
	SMMUSIM_MAP_PRIVATE = 0, /* private anonymous memory */
	SMMUSIM_MAP_SHARED = 1,	 /* shared file-backed, dirty-tracked */
};

enum smmusim_access {
	SMMUSIM_ACC_READ = 0,
	SMMUSIM_ACC_WRITE = 1,
};

struct smmusim_event {
	enum smmusim_event_type type;
	enum smmusim_timing timing;
	uint64_t time; /* see enum smmusim_timing */
	uint32_t line; /* trace position for reports; 0 when not from a file */
	uint32_t column; /* column of the event keyword; 0 when unknown */

	uint32_t mm;   /* address-space id chosen by the trace */
	uint32_t cpu;  /* PE index: cpu_access; issuing PE of kernel calls */
	uint32_t sid;  /* StreamID */
	uint32_t ssid; /* SubstreamID (PASID) */
	uint64_t va;
	uint64_t len;
	unsigned prot;		/* SMMUSIM_PROT_* */
	enum smmusim_map map;	/* mmap */
	enum smmusim_access op; /* dev_access, cpu_access */
	bool pri;		/* bind: the stream may issue page requests */
};

/* Trace keyword of an event type, or NULL if out of range. */
const char *smmusim_event_name(enum smmusim_event_type type);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
