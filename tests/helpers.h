/* SPDX-License-Identifier: MIT */
/*
 * What several test programs need, written once: a counting allocator that
 * checks every block comes back with the size it was taken with (and can
 * fail the n-th allocation), a simulator built from presets and "key=value"
 * settings, event submission and counters that fail the test with the
 * library's own message, the scratch files of the importer tests, and the
 * page-table entry the hardware tests map their pages with.
 *
 * Linked into every test program (tests/meson.build).  This header names
 * only the public API (<smmusim/...>) and the C library, so that including
 * it takes no test above the layer it tests (tests/layering.py); the
 * private types it works on are forward declarations.
 */
#ifndef SM_TESTS_HELPERS_H
#define SM_TESTS_HELPERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <smmusim/alloc.h>
#include <smmusim/event.h>
#include <smmusim/smmusim.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- a counting allocator ---- */

struct counting {
	long long bytes;	/* live bytes, by the sizes the callers give */
	long long blocks;	/* live blocks */
	unsigned long allocs;	/* successful malloc and realloc calls */
	unsigned long reallocs; /* successful realloc calls */
	/* malloc / realloc calls that succeed before every further one
	 * fails; < 0: none fails */
	long fail_after;
	/* frees and reallocs whose size is not the one allocated */
	unsigned long size_mismatch;
};

/* Zero *c (nothing fails) and return an allocator counting into it. */
struct smmusim_allocator counting_allocator(struct counting *c);

/* ---- the simulator through the public API ---- */

/* A simulator of the defaults with `preset` applied ("policy=linux-6.6",
 * "hw=qemu-7.2"; NULL: none), then each "key=value" of `sets` in order
 * (NULL terminated; NULL: none).  An error fails the test with the
 * library's message. */
smmusim_t *sim_new(const char *preset, const char *const *sets);

/* Submit ev; a refusal fails the test naming the event and the message. */
/* Submit ev, which must succeed; the next event starts after it ends. */
void submit_ok(smmusim_t *sim, struct smmusim_event ev);
/* The same, the next event starting at next_start (its "@"; UINT64_MAX:
 * after this one ends): ev's kernel operation runs up to there only. */
void submit_ok_next(smmusim_t *sim, struct smmusim_event ev,
		    uint64_t next_start);

/* The counter `name`; an unknown name fails the test. */
uint64_t sim_stat(const smmusim_t *sim, const char *name);

/* Events of processes (all without a time stamp: each starts when the
 * previous one has finished).  ev_touch writes [va, va + len) page by page
 * from PE `cpu`; ev_cpu is one load or store. */
struct smmusim_event ev_mm_create(uint32_t mm);
struct smmusim_event ev_mmap(uint32_t mm, uint64_t va, uint64_t len,
			     unsigned prot, bool shared);
struct smmusim_event ev_munmap(uint32_t mm, uint64_t va, uint64_t len);
struct smmusim_event ev_mprotect(uint32_t mm, uint64_t va, uint64_t len,
				 unsigned prot);
struct smmusim_event ev_mm_exit(uint32_t mm);
struct smmusim_event ev_touch(uint32_t mm, uint32_t cpu, uint64_t va,
			      uint64_t len);
struct smmusim_event ev_cpu(uint32_t mm, uint32_t cpu, uint64_t va, bool write);
struct smmusim_event ev_bind(uint32_t mm, uint32_t sid, uint32_t ssid,
			     bool pri);

/* ---- scratch files (the importer tests) ---- */

/* "/tmp/smmusim-test-TEST-PID-NAME" into buf. */
void tmp_path(char *buf, size_t n, const char *test, const char *name);

/* Write n bytes (write_text: the string) to path; an error fails the test. */
void write_bytes(const char *path, const void *data, size_t n);
void write_text(const char *path, const char *text);

/* The whole file, NUL-terminated (caller frees); *len gets its size
 * without the NUL (len may be NULL). */
char *slurp(const char *path, size_t *len);

/* The event lines of a trace, each ending in '\n' (caller frees): no
 * header line, no blank or comment line; with cut_comments, a trailing
 * "# ..." comment and the spaces before it are cut from each line too. */
char *trace_events(const char *trace, bool cut_comments);

/* `text` xz-compressed with liblzma; *n gets the size (caller frees). */
uint8_t *xz_encode(const char *text, size_t *n);
/* The same with zlib (a gzip member) and with libzstd (one frame). */
uint8_t *gz_encode(const char *text, size_t *n);
uint8_t *zstd_encode(const char *text, size_t *n);

/* ---- inside: the registry and page tables of the models under test ---- */

struct sm_physmem;
struct sm_stats;
struct sm_tcache;

/* A free page of simulated memory, marked `kind` (enum sm_page_kind);
 * running out fails the test. */
uint64_t page_alloc(struct sm_physmem *pm, unsigned kind);

/* The counter `name` of a stats registry; an unknown name fails the test. */
uint64_t counter(const struct sm_stats *st, const char *name);

/* Valid entries of a translation cache, counted without touching its
 * replacement state: all of them; those covering va for asid (or global)
 * at `level` (-1: any); whether there is one at any level. */
unsigned tc_count(const struct sm_tcache *tc);
unsigned tc_covering(const struct sm_tcache *tc, uint32_t asid, uint64_t va,
		     int level);
bool tc_has(const struct sm_tcache *tc, uint32_t asid, uint64_t va);

/* A user page of stage 1 at `pa` as Linux maps one (AF, nG, inner
 * shareable, never executable), read-only unless rw. */
uint64_t mk_pte(uint64_t pa, bool rw);

#endif
