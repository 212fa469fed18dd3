/* SPDX-License-Identifier: MIT */
/*
 * The strace importer's parts (private to src/trace; the entry point is
 * smmusim_import_strace() of include/smmusim/import.h).
 *
 *   import_strace.c        the entry point, options, the output's header
 *                          and footer, the log line by line: unfinished
 *                          calls joined with their "resumed" half,
 *                          --keep-going
 *   import_strace_line.c   strace's text: "PID TIME NAME(ARGS) = RET",
 *                          arguments split at their top-level commas,
 *                          numbers and flag sets (PROT_*, MAP_*, MADV_*)
 *   import_strace_mm.c     processes and their address spaces: pids, mm
 *                          ids, clone/fork/vfork, execve, exit, the
 *                          mappings each mm holds (what fork copies and
 *                          what mprotect needs mapped), /proc/PID/maps
 *   import_strace_calls.c  the memory calls (mmap, munmap, mprotect,
 *                          madvise, mremap, brk) as trace events, and the
 *                          CPU touches and device accesses of new pages
 *
 * The log is read through the QEMU importer's input (import_input.c:
 * plain, xz, gzip, zstd, "-") with its "FILE:LINE:COLUMN: " errors, and
 * the trace written through its output (import_emit.c).
 */
#ifndef SM_TRACE_IMPORT_STRACE_H
#define SM_TRACE_IMPORT_STRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <smmusim/import.h>

#include "base/rng.h"
#include "trace/import_qemu.h"

#define SM_ST_PAGE ((uint64_t)4096)
#define SM_ST_VA_END ((uint64_t)1 << 48) /* the trace's user space */
/* Pages of one new range that the CPU touches or the device accesses:
 * sim.max_event_pages' default (256 MiB), so one touch is one event. */
#define SM_ST_NEW_PAGES 65536u
#define SM_ST_MAX_PROCS 4096u	/* processes alive at once */
#define SM_ST_MAX_VMAS 65536u	/* mappings of one mm (max_map_count) */
#define SM_ST_MAX_ARGS 8u	/* arguments of a call looked at */
#define SM_ST_SSID_MAX 0xfffffu /* 20-bit SubstreamIDs */
#define SM_ST_MAX_CPUS 256u	/* cpu.count's largest */
#define SM_ST_DEFAULT_CPUS 4u	/* cpu.count's default */
#define SM_ST_SKIPPED_SHOWN 5u	/* --keep-going: messages kept */

/* Permission bits, as PROT_READ/WRITE/EXEC. */
enum { ST_R = 1, ST_W = 2, ST_X = 4 };

/* One argument of a call: its text and its column in the line. */
struct sm_st_arg {
	const char *s;
	size_t n;
	size_t col;
};

/* A complete call, joined if it was unfinished. */
struct sm_st_call {
	int64_t pid;
	const char *name;
	size_t name_len;
	size_t name_col;
	struct sm_st_arg arg[SM_ST_MAX_ARGS];
	size_t nargs;
	const char *args; /* the whole argument text */
	size_t args_len;
	bool ret_unknown; /* "= ?" */
	bool failed;	  /* "= -1 ERRNO" */
	int64_t ret;	  /* "= N" */
	uint64_t uret;	  /* the same, as an address */
	const char *err;  /* ERRNO of a failed call */
	size_t err_len;
	size_t ret_col;
};

/* What a line is. */
enum sm_st_kind {
	ST_CALL,       /* NAME(ARGS) = RET */
	ST_UNFINISHED, /* NAME(ARGS <unfinished ...> */
	ST_RESUMED,    /* <... NAME resumed>REST = RET */
	ST_EXITED,     /* +++ exited with N +++, +++ killed by SIG +++ */
	ST_SIGNAL,     /* --- SIG... --- */
};

struct sm_st_line {
	enum sm_st_kind kind;
	int64_t pid;	  /* -1: no pid column */
	const char *body; /* from NAME, "<...", "+++" or "---" */
	size_t body_len;
	size_t body_col;
	const char *name; /* ST_UNFINISHED, ST_RESUMED */
	size_t name_len;
	const char *rest; /* ST_UNFINISHED: ARGS; ST_RESUMED: REST */
	size_t rest_len;
	size_t rest_col;
};

/* A mapping of an mm: [start, end), prot bits, shared or private. */
struct sm_st_vma {
	uint64_t start, end;
	uint8_t prot;
	bool shared;
};

struct sm_st_mm {
	uint32_t id;
	uint32_t ssid; /* bound substream, with a device */
	unsigned users;
	uint64_t brk; /* the program break, 0: not known yet */
	struct sm_st_vma *vmas;
	size_t n_vmas, cap_vmas;
};

struct sm_st_proc {
	int64_t pid;
	struct sm_st_mm *mm;
	uint32_t cpu;
	/* an unfinished call: its name and argument text so far */
	char *pend;
	size_t pend_len, pend_cap;
	size_t pend_name_len; /* pend = NAME "(" ARGS */
	uint64_t pend_line;
};

struct sm_strace_importer {
	const struct smmusim_allocator *a;
	struct sm_errbuf *eb;
	struct smmusim_import_strace_opts o;
	struct sm_importer in;
	struct sm_importer maps; /* --maps */
	struct sm_import_out out;
	struct sm_rng rng;

	struct sm_st_proc *procs;
	size_t n_procs, cap_procs;
	size_t last_proc; /* cache of the last lookup */
	struct sm_st_mm **mms;
	size_t n_mms, cap_mms;
	uint32_t next_mm;
	uint32_t next_cpu;
	bool any_proc;
	bool fatal; /* an error that keep_going does not skip (--maps) */

	/* the joined text of a resumed call */
	char *join;
	size_t join_cap;

	struct smmusim_import_strace_stats st;
};

#define sm_st_emit(im, ...)                                                    \
	sm_import_out_printf(&(im)->out, (im)->eb, __VA_ARGS__)
/* An error at column col of the current line. */
#define sm_st_err(im, col, ...) sm_import_line_err(&(im)->in, col, __VA_ARGS__)

/* Lines (import_strace_line.c). */
int sm_st_parse_line(struct sm_strace_importer *im, const char *s, size_t n,
		     struct sm_st_line *l);
/* "NAME(ARGS) = RET ..." at column col: *c filled, or a line error. */
int sm_st_parse_call(struct sm_strace_importer *im, const char *s, size_t n,
		     size_t col, struct sm_st_call *c);
/* A number argument (decimal, 0x hex, NULL); a line error if it is not. */
int sm_st_arg_num(struct sm_strace_importer *im, const struct sm_st_call *c,
		  size_t i, uint64_t *v);
/* PROT_* flags of argument i as ST_R/W/X bits. */
int sm_st_arg_prot(struct sm_strace_importer *im, const struct sm_st_call *c,
		   size_t i, uint8_t *prot);
/* Whether the flag word `flag` is one of argument i's (a|b|c). */
bool sm_st_arg_has(const struct sm_st_arg *a, const char *flag);
/* The argument count is at least n, or a line error. */
int sm_st_need_args(struct sm_strace_importer *im, const struct sm_st_call *c,
		    size_t n);

/* Processes and mms (import_strace_mm.c). */
/* The process of a pid; a pid never seen is a new process (a child of an
 * unfinished clone, or a fresh one). */
int sm_st_proc(struct sm_strace_importer *im, int64_t pid,
	       struct sm_st_proc **p);
int sm_st_on_clone(struct sm_strace_importer *im, struct sm_st_proc *p,
		   const struct sm_st_call *c);
int sm_st_on_execve(struct sm_strace_importer *im, struct sm_st_proc *p);
int sm_st_on_exited(struct sm_strace_importer *im, int64_t pid);
/* The end of the log: every mm still alive exits. */
int sm_st_finish(struct sm_strace_importer *im);
int sm_st_read_maps(struct sm_strace_importer *im, struct sm_st_proc *p);
void sm_st_free(struct sm_strace_importer *im);
/* The mappings of mm: [a, b) becomes prot (shared); or is removed. */
int sm_st_vma_set(struct sm_strace_importer *im, struct sm_st_mm *mm,
		  uint64_t a, uint64_t b, uint8_t prot, bool shared);
int sm_st_vma_clear(struct sm_strace_importer *im, struct sm_st_mm *mm,
		    uint64_t a, uint64_t b);
/* The mapping at va, or NULL. */
const struct sm_st_vma *sm_st_vma_at(const struct sm_st_mm *mm, uint64_t va);
/* The first hole of [a, b) in mm's mappings: true and [*ha, *hb). */
bool sm_st_vma_hole(const struct sm_st_mm *mm, uint64_t a, uint64_t b,
		    uint64_t *ha, uint64_t *hb);
/* "# LINE: TEXT" */
int sm_st_note(struct sm_strace_importer *im, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Memory calls (import_strace_calls.c). */
/* The index of a memory call by its name, or -1. */
int sm_st_memory_call(const char *name, size_t n);
/* A memory call of that index that succeeded. */
int sm_st_on_memory_call(struct sm_strace_importer *im, struct sm_st_proc *p,
			 const struct sm_st_call *c, int kind);
/* A new mapping [a, b) of p's mm as the kernel made it (mmap, --maps):
 * written, recorded, and its pages touched / accessed. */
int sm_st_map(struct sm_strace_importer *im, struct sm_st_proc *p, uint64_t a,
	      uint64_t b, uint8_t prot, bool shared, bool reserve);
/* The pages of [a, b) just became accessible with prot. */
int sm_st_new_pages(struct sm_strace_importer *im, struct sm_st_proc *p,
		    uint64_t a, uint64_t b, uint8_t prot, bool reserve);
const char *sm_st_prot_word(uint8_t prot);

#endif
