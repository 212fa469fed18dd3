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
	X(CPU_ACCESS, "cpu_access")                                            \
	X(TOUCH, "touch")                                                      \
	X(MADVISE, "madvise")                                                  \
	X(RECLAIM, "reclaim")                                                  \
	X(TLBI, "tlbi")                                                        \
	X(DSB, "dsb")                                                          \
	X(DOMAIN_CREATE, "domain_create")                                      \
	X(ATTACH, "attach")                                                    \
	X(IOMMU_MAP, "iommu_map")                                              \
	X(IOMMU_UNMAP, "iommu_unmap")                                          \
	X(CMD, "cmd")                                                          \
	X(DMA_MAP, "dma_map")                                                  \
	X(DMA_UNMAP, "dma_unmap")

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
	SMMUSIM_ACC_EXEC = 2, /* instruction fetch: cpu_access only */
};

/* madvise advice. */
enum smmusim_advice {
	SMMUSIM_MADV_DONTNEED = 0,
};

/* Raw TLBI instructions (the `tlbi` event): X(enum suffix, trace word).
 * IS = inner shareable (broadcast); R = range (FEAT_TLBIRANGE). */
#define SMMUSIM_TLBI_OPS(X)                                                    \
	X(VAE1, "vae1")                                                        \
	X(VAE1IS, "vae1is")                                                    \
	X(VALE1, "vale1")                                                      \
	X(VALE1IS, "vale1is")                                                  \
	X(VAAE1, "vaae1")                                                      \
	X(VAAE1IS, "vaae1is")                                                  \
	X(VAALE1, "vaale1")                                                    \
	X(VAALE1IS, "vaale1is")                                                \
	X(ASIDE1, "aside1")                                                    \
	X(ASIDE1IS, "aside1is")                                                \
	X(VMALLE1, "vmalle1")                                                  \
	X(VMALLE1IS, "vmalle1is")                                              \
	X(RVAE1, "rvae1")                                                      \
	X(RVAE1IS, "rvae1is")                                                  \
	X(RVALE1, "rvale1")                                                    \
	X(RVALE1IS, "rvale1is")                                                \
	X(RVAAE1, "rvaae1")                                                    \
	X(RVAAE1IS, "rvaae1is")                                                \
	X(RVAALE1, "rvaale1")                                                  \
	X(RVAALE1IS, "rvaale1is")

enum smmusim_tlbi_op {
#define SMMUSIM_TLBI_ENUM_(name, word) SMMUSIM_TLBI_##name,
	SMMUSIM_TLBI_OPS(SMMUSIM_TLBI_ENUM_)
#undef SMMUSIM_TLBI_ENUM_
	    SMMUSIM_TLBI_COUNT_
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

	/* Added with the CPU events (still format 1). */
	enum smmusim_advice advice; /* madvise */
	enum smmusim_tlbi_op tlbi;  /* tlbi: the instruction */
	uint32_t asid;		    /* tlbi: ASID operand field */
	/* tlbi: FEAT_TTL hint of a VA op (TTL[3:0] = TG[1:0]:level[1:0]), or
	 * the TTL[1:0] level hint of a range op; 0 = none. */
	unsigned ttl;
	/* tlbi, range ops only: TG (1 = 4K, 2 = 16K, 3 = 64K; 0 reserved),
	 * SCALE (0..3), NUM (0..31): (NUM+1) << (5*SCALE+1) pages. */
	unsigned tg, scale, num;

	/* Added with the SMMU events (still format 1). */
	uint32_t dom;	 /* DMA domain id chosen by the trace */
	uint64_t pa;	 /* iommu_map: output address (0: fresh pages) */
	bool cmds;	 /* attach: the driver issues its CFGI/SYNC commands
			  * (off: the trace carries them, as an import does) */
	unsigned opcode; /* cmd: SMMU command opcode (CMDQ_0_OP) */
	uint32_t vmid;	 /* cmd: VMID field; domain_create: stage-2 VMID */
	unsigned leaf;	 /* cmd: LEAF bit */
	unsigned range;	 /* cmd: CFGI_STE_RANGE Range field */

	/* Added with stage 2 and nesting (still format 1). */
	unsigned stage;	 /* domain_create: 1 or 2; 0 means 1 */
	bool nested;	 /* domain_create: nest over domain `parent` */
	uint32_t parent; /* domain_create: the stage-2 domain (when nested) */
	/* domain_create also reads vmid (stage 2; 0 picks the lowest free) */

	/* Added with co-simulation (SMMUSIM_ABI_VERSION 2; cosim.h). */
	uint64_t cookie; /* the caller's: passed back in the completion */
};

/* dev_access without a substream (DMA through a domain): ssid value. */
#define SMMUSIM_NO_SSID 0xffffffffu

/* Trace keyword of an event type, or NULL if out of range. */
const char *smmusim_event_name(enum smmusim_event_type type);
/* Trace word of a TLBI op ("rvale1is"), or NULL if out of range. */
const char *smmusim_tlbi_name(enum smmusim_tlbi_op op);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
