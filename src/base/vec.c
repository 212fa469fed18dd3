/* SPDX-License-Identifier: MIT */
#include "base/vec.h"

#include <stdint.h>

#include <smmusim/error.h>

#include "base/alloc.h"

int sm_vec_reserve(const struct smmusim_allocator *a, void **arr, size_t *cap,
		   size_t need, size_t elem, size_t first)
{
	size_t ncap = *cap ? *cap : (first ? first : 1);
	void *p;

	if (need <= *cap)
		return 0;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return SMMUSIM_ENOMEM;
		ncap *= 2;
	}
	if (elem && ncap > SIZE_MAX / elem)
		return SMMUSIM_ENOMEM;
	p = *arr ? sm_realloc(a, *arr, *cap * elem, ncap * elem)
		 : sm_malloc(a, ncap * elem);
	if (!p)
		return SMMUSIM_ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}
