/* SPDX-License-Identifier: MIT */
/* Internal allocation helpers over the injectable struct smmusim_allocator.
 * Every module allocates through these; none calls malloc directly. */
#ifndef SM_BASE_ALLOC_H
#define SM_BASE_ALLOC_H

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

static inline void *sm_calloc(const struct smmusim_allocator *a, size_t n)
{
	void *p = a->malloc(n, a->ctx);
	if (p)
		memset(p, 0, n);
	return p;
}

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

#endif
