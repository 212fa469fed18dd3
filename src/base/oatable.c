/* SPDX-License-Identifier: MIT */
#include "base/oatable.h"

#include <string.h>

#include <smmusim/error.h>

#include "base/alloc.h"

int sm_oa_grow(const struct smmusim_allocator *a, void **slots, size_t *cap,
	       size_t first, const struct sm_oa_ops *ops)
{
	size_t ncap = *cap ? *cap * 2 : first;
	const size_t sz = ops->slot_size;
	const unsigned char *old = *slots;
	unsigned char *nt;

	if (ncap < *cap || ncap > SIZE_MAX / sz || (ncap & (ncap - 1)))
		return SMMUSIM_ENOMEM;
	nt = sm_calloc(a, ncap * sz);
	if (!nt)
		return SMMUSIM_ENOMEM;
	for (size_t i = 0; i < *cap; i++) {
		const void *s = old + i * sz;
		size_t j;

		if (!ops->used(s))
			continue;
		j = (size_t)ops->hash(s) & (ncap - 1);
		while (ops->used(nt + j * sz))
			j = (j + 1) & (ncap - 1);
		memcpy(nt + j * sz, s, sz);
	}
	sm_free(a, *slots, *cap * sz);
	*slots = nt;
	*cap = ncap;
	return 0;
}
