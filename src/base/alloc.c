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
