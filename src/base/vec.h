/* SPDX-License-Identifier: MIT */
/*
 * The one growable array.
 *
 * Arrays that grow by appending keep a pointer and a capacity (in elements)
 * in their owner's struct and call SM_VEC_RESERVE before writing element
 * `need - 1`.  Capacity doubles from `first`, so appends are amortised
 * O(1).  Every allocation goes through the injected allocator with the old
 * and new sizes, as struct smmusim_allocator requires.  On failure the array
 * and its capacity are unchanged and SMMUSIM_ENOMEM is returned; a capacity
 * whose size in bytes would overflow size_t is refused the same way.
 * Free with sm_free(a, arr, cap * sizeof(*arr)).
 */
#ifndef SM_BASE_VEC_H
#define SM_BASE_VEC_H

#include <stddef.h>

#include <smmusim/alloc.h>

/* Grow *arr (capacity *cap elements of elem bytes) to hold at least need
 * elements.  New elements are not initialised. */
int sm_vec_reserve(const struct smmusim_allocator *a, void **arr, size_t *cap,
		   size_t need, size_t elem, size_t first);

/* Typed form: SM_VEC_RESERVE(alloc, obj->items, obj->cap, obj->n + 1, 16). */
#define SM_VEC_RESERVE(a, arr, cap, need, first)                               \
	__extension__({                                                        \
		int sm_vec_r_ = 0;                                             \
		size_t sm_vec_n_ = (need);                                     \
		if (sm_vec_n_ > (cap)) { /* else: room already */              \
			void *sm_vec_p_ = (arr);                               \
			sm_vec_r_ =                                            \
			    sm_vec_reserve((a), &sm_vec_p_, &(cap), sm_vec_n_, \
					   sizeof(*(arr)), (first));           \
			(arr) = sm_vec_p_;                                     \
		}                                                              \
		sm_vec_r_;                                                     \
	})

#endif
