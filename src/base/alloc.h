/* SPDX-License-Identifier: MIT */
/* Internal allocation helpers over the injectable struct smmusim_allocator.
 * Every module allocates through these; none calls malloc directly. */
#ifndef SM_BASE_ALLOC_H
#define SM_BASE_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <smmusim/alloc.h>

/* The allocator used when the caller passes NULL: the C library's. */
const struct smmusim_allocator *sm_default_allocator(void);

static inline const struct smmusim_allocator *
sm_alloc_or_default(const struct smmusim_allocator *a)
{
	return a ? a : sm_default_allocator();
}

static inline void *sm_malloc(const struct smmusim_allocator *a, size_t n)
{
	return a->malloc(n, a->ctx);
}

/* n zeroed bytes.  The public interface has no calloc, so a caller's
 * allocator gets malloc + memset; the C library's (and a limited
 * allocator over it, below) gets calloc, whose large blocks are fresh
 * pages already zero: a table is then not touched, nor faulted in, until
 * it is used (host time: the CLI's start-up). */
void *sm_calloc(const struct smmusim_allocator *a, size_t n);

static inline void *sm_realloc(const struct smmusim_allocator *a, void *p,
			       size_t old_n, size_t new_n)
{
	return a->realloc(p, old_n, new_n, a->ctx);
}

static inline void sm_free(const struct smmusim_allocator *a, void *p, size_t n)
{
	if (p)
		a->free(p, n, a->ctx);
}

/* strdup through the allocator; free with sm_free(a, s, strlen(s) + 1). */
char *sm_strdup(const struct smmusim_allocator *a, const char *s);
void sm_strfree(const struct smmusim_allocator *a, char *s);

/*
 * A limited allocator: `self` allocates from `host` and keeps the bytes in
 * use (the interface tells free() and realloc() the size of the block), and
 * refuses an allocation that would take them past `limit`, as the host
 * would when it runs out.  A refusal is sticky in `refused` (with its size
 * in `asked`, and `host_failed` when the host itself said no), for the
 * owner to report (sim_memory.c: sim.max_host_memory).
 */
struct sm_alloc_limit {
	struct smmusim_allocator self;
	const struct smmusim_allocator *host; /* the caller's, or libc's */
	size_t used, peak, limit;
	size_t asked;	  /* the refused allocation's size */
	bool refused;	  /* an allocation failed: sticky */
	bool host_failed; /* ... because the host said no */
};

void sm_alloc_limit_init(struct sm_alloc_limit *m,
			 const struct smmusim_allocator *host, size_t limit);

#endif
