/* SPDX-License-Identifier: MIT */
/*
 * The one open-addressing hash table growth.
 *
 * Host-side hash tables here (the oracle's fault streaks, the QEMU
 * importer's page map, the stats registry's name index) are arrays of
 * slots probed linearly from hash & (cap - 1); each keeps its own slot type
 * and lookup loop, which are a few lines, but they share growing: a new
 * zeroed array of twice the slots (cap stays a power of two) into which
 * every used slot is re-placed by its hash.  Placement order is the old
 * array's, so a table grown the same way holds the same layout on every
 * run (determinism does not depend on host addresses).
 */
#ifndef SM_BASE_OATABLE_H
#define SM_BASE_OATABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <smmusim/alloc.h>

struct sm_oa_ops {
	size_t slot_size;
	bool (*used)(const void *slot);
	uint64_t (*hash)(const void *slot);
};

/* Grow *slots (capacity *cap, a power of two or 0) to at least `first`
 * slots, or to twice *cap.  SMMUSIM_ENOMEM (table unchanged) on failure. */
int sm_oa_grow(const struct smmusim_allocator *a, void **slots, size_t *cap,
	       size_t first, const struct sm_oa_ops *ops);

#endif
