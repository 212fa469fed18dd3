/* SPDX-License-Identifier: MIT */
/*
 * Injectable allocator.  Like Concurrency Kit's struct ck_malloc, the free
 * call is told the size of the block, so a caller can plug in an arena or a
 * counting allocator.  Pass NULL wherever an allocator is asked for to use the
 * C library's malloc/realloc/free.
 */
#ifndef SMMUSIM_ALLOC_H
#define SMMUSIM_ALLOC_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct smmusim_allocator {
	void *(*malloc)(size_t size, void *ctx);
	void *(*realloc)(void *ptr, size_t old_size, size_t new_size,
			 void *ctx);
	void (*free)(void *ptr, size_t size, void *ctx);
	void *ctx;
};

#ifdef __cplusplus
}
#endif
#endif
