/* SPDX-License-Identifier: MIT */
#include "base/alloc.h"

#include <stdlib.h>

static void *libc_malloc(size_t n, void *ctx)
{
	(void)ctx;
	return malloc(n ? n : 1);
}

static void *libc_realloc(void *p, size_t old_n, size_t new_n, void *ctx)
{
	(void)ctx;
	(void)old_n;
	return realloc(p, new_n ? new_n : 1);
}

static void libc_free(void *p, size_t n, void *ctx)
{
	(void)ctx;
	(void)n;
	free(p);
}

static const struct smmusim_allocator libc_allocator = {
    .malloc = libc_malloc,
    .realloc = libc_realloc,
    .free = libc_free,
    .ctx = NULL,
};

const struct smmusim_allocator *sm_default_allocator(void)
{
	return &libc_allocator;
}

char *sm_strdup(const struct smmusim_allocator *a, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = sm_malloc(a, n);
	if (d)
		memcpy(d, s, n);
	return d;
}

void sm_strfree(const struct smmusim_allocator *a, char *s)
{
	if (s)
		sm_free(a, s, strlen(s) + 1);
}

/* ---- the limited allocator ---------------------------------------------- */

/* n more bytes on top of `base` in use: within the limit?  If not, the
 * refusal is remembered. */
static bool limit_admits(struct sm_alloc_limit *m, size_t base, size_t n)
{
	if (n <= m->limit - base)
		return true;
	m->refused = true;
	m->asked = n;
	return false;
}

/* The host's answer p to an allocation of n bytes, `base` bytes being in
 * use besides it. */
static void *limit_took(struct sm_alloc_limit *m, void *p, size_t base,
			size_t n)
{
	if (!p) {
		m->refused = m->host_failed = true;
		m->asked = n;
		return NULL;
	}
	m->used = base + n;
	if (m->used > m->peak)
		m->peak = m->used;
	return p;
}

static void *limit_malloc(size_t n, void *ctx)
{
	struct sm_alloc_limit *m = ctx;
	if (!limit_admits(m, m->used, n))
		return NULL;
	return limit_took(m, sm_malloc(m->host, n), m->used, n);
}

static void *limit_realloc(void *p, size_t old_n, size_t new_n, void *ctx)
{
	struct sm_alloc_limit *m = ctx;
	size_t base = m->used > old_n ? m->used - old_n : 0;
	if (!limit_admits(m, base, new_n))
		return NULL;
	return limit_took(m, sm_realloc(m->host, p, old_n, new_n), base, new_n);
}

static void limit_free(void *p, size_t n, void *ctx)
{
	struct sm_alloc_limit *m = ctx;
	m->used = m->used > n ? m->used - n : 0;
	sm_free(m->host, p, n);
}

void sm_alloc_limit_init(struct sm_alloc_limit *m,
			 const struct smmusim_allocator *host, size_t limit)
{
	*m = (struct sm_alloc_limit){
	    .self = {limit_malloc, limit_realloc, limit_free, m},
	    .host = host,
	    .limit = limit,
	};
}

void *sm_calloc(const struct smmusim_allocator *a, size_t n)
{
	if (a->malloc == libc_malloc)
		return calloc(n ? n : 1, 1);
	if (a->malloc == limit_malloc) {
		struct sm_alloc_limit *m = a->ctx;
		if (!limit_admits(m, m->used, n))
			return NULL;
		return limit_took(m, sm_calloc(m->host, n), m->used, n);
	}
	void *p = sm_malloc(a, n);
	if (p)
		memset(p, 0, n);
	return p;
}
