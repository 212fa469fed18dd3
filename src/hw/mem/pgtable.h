/* SPDX-License-Identifier: MIT */
/*
 * arm64 VMSAv8-64 translation tables in simulated memory: building them and
 * walking them (descriptor formats: arch/vmsa.h).
 *
 * One walker serves the CPU MMU, the SMMU and the oracle: one truth, many
 * caches.  Permissions are reported for unprivileged (EL0) accesses, which is
 * what user processes and SVA devices use.
 */
#ifndef SM_HW_MEM_PGTABLE_H
#define SM_HW_MEM_PGTABLE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <smmusim/event.h>

#include "arch/vmsa.h"
#include "hw/mem/physmem.h"

enum sm_walk_fault {
	SM_WALK_OK = 0,
	SM_WALK_FAULT_TRANSLATION, /* invalid or reserved descriptor */
	SM_WALK_FAULT_ACCESS_FLAG, /* valid leaf with AF = 0 */
	SM_WALK_FAULT_ADDR_SIZE,   /* va beyond 48 bits, or OA outside RAM */
	SM_WALK_FAULT_STAGE2,	   /* nested: a stage-2 translation failed */
};

/* A translation regime: what a walker starts from. */
enum sm_regime_kind {
	SM_REGIME_S1 = 0,     /* stage 1 from root (PAs throughout) */
	SM_REGIME_S2 = 1,     /* stage 2 from root2 at s2_level */
	SM_REGIME_NESTED = 2, /* stage 1 from root (an IPA), every table
			       * address and the output through stage 2 */
};

struct sm_regime {
	enum sm_regime_kind kind;
	uint64_t root;	/* stage-1 table (IPA when nested) */
	uint64_t root2; /* stage-2 table (PA) */
	int s2_level;	/* stage-2 starting level (VTCR.SL0) */
};
/* Model choices (details in pgtable.c): va >= 2^48 gives ADDR_SIZE with
 * reads = 0; a root, or a table descriptor's next-level address, that is not
 * a SM_PAGE_PGTABLE frame gives ADDR_SIZE at the level of that descriptor;
 * a leaf whose OA is outside RAM gives ADDR_SIZE (before the AF check).  For
 * leaf ADDR_SIZE and ACCESS_FLAG faults pa, page_size and perm are filled. */

struct sm_walk {
	enum sm_walk_fault fault;
	int level;	    /* leaf level, or level of the faulting read */
	uint64_t desc;	    /* leaf (or faulting) descriptor */
	uint64_t desc_pa;   /* where it was read */
	uint64_t pa;	    /* output address of va (OK only) */
	uint64_t page_size; /* 4 KiB, 2 MiB or 1 GiB (OK only) */
	unsigned perm;	    /* SMMUSIM_PROT_* for EL0 accesses (OK only) */
	unsigned reads;	    /* descriptors read, 1..4 */
	int start_level;    /* level the walk started at (walk caches) */
	uint64_t table[4];  /* table read at each level from start_level */
	/* sm_pgt_translate only: the IPA whose stage-2 translation decided
	 * the outcome: va for stage 2; nested: stage 1's output, or the table
	 * address stage 2 failed on; SM_NO_IPA if none. */
	uint64_t ipa;
	bool s2_table; /* nested: stage 2 failed on a stage-1 table's IPA */
};
#define SM_NO_IPA UINT64_MAX

/*
 * EL0 permissions of a leaf descriptor: R when AP[1], W when AP[1] and
 * !AP[2], X when !UXN (inline: every walk and mprotect's changed PTEs ask).
 *
 * Arm ARM D8.4 "Memory access control", stage-1 data access permissions for
 * the EL1&0 regime: AP[2:1] = 0b01 gives EL0 read/write, 0b11 gives EL0
 * read-only, AP[1] = 0 gives EL0 no data access.  Instruction execution at
 * EL0 is governed by UXN alone: the architecture does not tie it to AP[1]
 * (a mapping with AP[1] = 0 and UXN = 0 is executable at EL0 but neither
 * readable nor writable there), so X is independent of R here.  PXN only
 * concerns EL1 and is ignored.  WXN is not modelled.
 */
static inline unsigned sm_pte_perm(uint64_t desc)
{
	/* R and W by AP[2:1] (bits 7:6), two bits each: 0b00 none, 0b01
	 * R | W, 0b10 none, 0b11 R (host time: a shift, not branches). */
	_Static_assert(PTE_USER == 1ull << 6 && PTE_RDONLY == 1ull << 7,
		       "AP[2:1] are bits 7:6");
	_Static_assert(SMMUSIM_PROT_R == 1 && SMMUSIM_PROT_W == 2,
		       "two bits of R and W");
	unsigned rw = (0x4cu >> (((desc >> 6) & 3) * 2)) & 3;
	return rw | (desc & PTE_UXN ? 0 : SMMUSIM_PROT_X);
}

/* Walk va from the level-0 table at root_pa.  Always fills *out; returns
 * out->fault for convenience.  Permission checking is the caller's. */
enum sm_walk_fault sm_pgt_walk(const struct sm_physmem *pm, uint64_t root_pa,
			       uint64_t va, struct sm_walk *out);

/* sm_pgt_walk_from's walk of each starting level, out of line: each
 * level's shifts are constants, and each saves only the registers its own
 * levels need (host time: a walk from level 3, the usual one after a
 * walk-cache hit, needs few; one function for all four saved six). */
typedef enum sm_walk_fault sm_pgt_walk_level_fn(const struct sm_physmem *pm,
						uint64_t table_pa, uint64_t va,
						struct sm_walk *out);
sm_pgt_walk_level_fn sm_pgt_walk_from0, sm_pgt_walk_from1, sm_pgt_walk_from2,
    sm_pgt_walk_from3;
/* Any other starting level. */
enum sm_walk_fault sm_pgt_walk_from_any(const struct sm_physmem *pm,
					uint64_t table_pa, int start_level,
					uint64_t va, struct sm_walk *out);
/* The same walk, starting at `start_level` (0..3) from the table at
 * table_pa that a walk cache remembered for va.  Inline: a walk cache's
 * user calls the walk of its level directly (host time). */
static inline enum sm_walk_fault sm_pgt_walk_from(const struct sm_physmem *pm,
						  uint64_t table_pa,
						  int start_level, uint64_t va,
						  struct sm_walk *out)
{
	switch (start_level) {
	case 3: /* most walks start there */
		return sm_pgt_walk_from3(pm, table_pa, va, out);
	case 0:
		return sm_pgt_walk_from0(pm, table_pa, va, out);
	case 1:
		return sm_pgt_walk_from1(pm, table_pa, va, out);
	case 2:
		return sm_pgt_walk_from2(pm, table_pa, va, out);
	}
	return sm_pgt_walk_from_any(pm, table_pa, start_level, va, out);
}

/*
 * A memo of the tables stage-1 walks went through down to level 3, for one
 * walker (the SMMU's): slot by (starting table, 2 MiB region of va), each
 * remembered with the page-table write generation (sm_physmem_pgt_gen) it
 * was walked at.  While that generation is unchanged no table word was
 * written and no frame became or stopped being a table, so the walk would
 * read the same descriptors down to the same level-3 table: a walk of
 * another page of the region reads only its level-3 descriptor (host time
 * only; the result, reads included, is the full walk's).  Zeroed: empty.
 */
#define SM_PGT_MEMO_SLOTS 4
struct sm_pgt_memo_slot {
	bool valid;
	int8_t start_level;
	uint64_t gen, root, region; /* region: va >> 21 */
	uint64_t table[4];	    /* the walk's out->table */
	const uint64_t *words;	    /* the level-3 table's (NULL: zero) */
};
struct sm_pgt_memo {
	struct sm_pgt_memo_slot slot[SM_PGT_MEMO_SLOTS];
};

/* sm_pgt_walk_from through the memo m: the same result. */
enum sm_walk_fault sm_pgt_walk_memo(const struct sm_physmem *pm,
				    struct sm_pgt_memo *m, uint64_t table_pa,
				    int start_level, uint64_t va,
				    struct sm_walk *out);

/* Walk va under a regime.  Stage 2 reports S2AP permissions; nested
 * reports the intersection of both stages, counts every descriptor read of
 * both, and fails with SM_WALK_FAULT_STAGE2 when a stage-2 walk (of a table
 * address or of the output) fails.  out->pa is the final PA. */
enum sm_walk_fault sm_pgt_translate(const struct sm_physmem *pm,
				    const struct sm_regime *rg, uint64_t va,
				    struct sm_walk *out);

/* A zeroed level-0 table. */
int sm_pgt_new_root(struct sm_physmem *pm, uint64_t *root_pa,
		    struct sm_errbuf *eb);

/*
 * Write the leaf descriptor for va at `level` (3: page, 2: 2 MiB block,
 * 1: 1 GiB block), allocating intermediate tables.  va is aligned down to the
 * level size.  *old (if non-NULL) receives the previous descriptor.  Fails
 * with SMMUSIM_EEXIST if a block (or a non-zero invalid descriptor) already
 * covers va at a higher level, or a table exists where a block is asked for.
 * A valid desc must be a page (level 3) or block (levels 1-2) descriptor with
 * a size-aligned OA, else SMMUSIM_EINVAL; invalid descs are written as given.
 */
int sm_pgt_set(struct sm_physmem *pm, uint64_t root_pa, uint64_t va, int level,
	       uint64_t desc, uint64_t *old, struct sm_errbuf *eb);

/*
 * Find the leaf slot for va without checking validity: descends through
 * valid table descriptors and stops at the first non-table descriptor
 * (invalid, block or page).  *level and *desc_pa say where that is; returns
 * the descriptor (0 when no table exists down to the slot, *desc_pa = 0).
 * An empty slot at level L < 3 is returned as (0, L, its address); the
 * "no slot" case (desc_pa = 0) is va >= 2^48, a root that is not a table
 * page, or a table descriptor to a non-table frame.  level/desc_pa may be
 * NULL.
 */
uint64_t sm_pgt_get(const struct sm_physmem *pm, uint64_t root_pa, uint64_t va,
		    int *level, uint64_t *desc_pa);
/* The same (level and desc_pa not NULL), and *slot: the descriptor's word
 * in its table's words (as sm_physmem_table_words gives them), NULL when
 * there is no slot or the table reads as all zero.  For a write of that
 * descriptor through sm_physmem_table_write, the same as
 * sm_physmem_write64 at *desc_pa without a second walk (host time); valid
 * while the table's words are. */
uint64_t sm_pgt_get_slot(const struct sm_physmem *pm, uint64_t root_pa,
			 uint64_t va, int *level, uint64_t *desc_pa,
			 const uint64_t **slot);

/*
 * The tables the last sm_pgt_get_path reached a level-3 table through:
 * the root, the 2 MiB region of va, each level's frame and the table
 * descriptors leading down (host time).  Zeroed: empty.
 */
struct sm_pgt_path {
	bool valid;
	uint64_t root, region, leaf; /* region: va >> 21; leaf: its table */
	const struct sm_frame *frame[4];
	uint64_t desc[3];
};
/* Whether the walk of va (in p's region) from p's root would go down the
 * tables p went through: each table's frame still a table, holding the
 * table descriptor that led down. */
static inline bool sm_pgt_path_holds(const struct sm_pgt_path *p, uint64_t va)
{
	for (int l = 0; l < 3; l++) {
		const struct sm_frame *f = p->frame[l];
		if (f->kind != SM_PAGE_PGTABLE || !f->content ||
		    f->content[sm_level_index(va, l)] != p->desc[l])
			return false;
	}
	return p->frame[3]->kind == SM_PAGE_PGTABLE;
}
/*
 * sm_pgt_get_slot's walk of a va below 2^48 (the caller checks), inline
 * for sm_pgt_get_path (host time: a walk per new 2 MiB region of DMA maps
 * and unmaps), remembered in *p (if not NULL) when it reaches a level-3
 * table.  One look-up of each table's frame: its kind checked, its words
 * read (what is_table_frame and sm_physmem_read64 would say).
 */
static inline __attribute__((always_inline)) uint64_t
sm_pgt_slot_walk(const struct sm_physmem *pm, uint64_t root_pa, uint64_t va,
		 int *level, uint64_t *desc_pa, const uint64_t **slot,
		 struct sm_pgt_path *p)
{
	const struct sm_frame *frame[4];
	uint64_t table = root_pa, tdesc[3];

	*level = 0;
	*desc_pa = 0;
	*slot = NULL;
	for (int l = 0; l <= 3; l++) {
		const struct sm_frame *tf = sm_physmem_table_frame(pm, table);
		/* The root, or a table descriptor's output, that is not a
		 * table page: no slot (*level stays the descriptor's). */
		if (!tf)
			return 0;
		unsigned i = sm_level_index(va, l);
		const uint64_t *words = tf->content;
		uint64_t desc = words ? words[i] : 0;

		*level = l;
		frame[l] = tf;
		if (l == 3 || (desc & PTE_TYPE_MASK) != PMD_TYPE_TABLE) {
			*desc_pa = table + 8ull * i;
			*slot = words ? &words[i] : NULL;
			if (p && l == 3)
				*p = (struct sm_pgt_path){
				    true,
				    root_pa,
				    va >> 21,
				    table,
				    {frame[0], frame[1], frame[2], frame[3]},
				    {tdesc[0], tdesc[1], tdesc[2]}};
			return desc;
		}
		tdesc[l] = desc;
		table = desc & PTE_ADDR_MASK;
	}
	return 0; /* not reached */
}

/* sm_pgt_get_slot of a va below 2^48 (the caller checks: a user or IOVA
 * address) through the path p: when va is in p's region of the same
 * root and the path holds (the walk would read the same words and go the
 * same way), only the level-3 slot is read; otherwise the walk, remembered
 * in p when it reaches a level-3 table.  The same result as
 * sm_pgt_get_slot (host time: a fault, map or unmap after another in the
 * same 2 MiB region skips the walk). */
static inline __attribute__((always_inline)) uint64_t
sm_pgt_get_path(const struct sm_physmem *pm, struct sm_pgt_path *p,
		uint64_t root_pa, uint64_t va, int *level, uint64_t *desc_pa,
		const uint64_t **slot)
{
	if (p->valid && p->root == root_pa && p->region == va >> 21 &&
	    sm_pgt_path_holds(p, va)) {
		const uint64_t *words = p->frame[3]->content;
		unsigned i = sm_level_index(va, 3);
		*level = 3;
		*desc_pa = p->leaf + 8ull * i;
		*slot = words ? &words[i] : NULL;
		return words ? words[i] : 0;
	}
	return sm_pgt_slot_walk(pm, root_pa, va, level, desc_pa, slot, p);
}

/* Call fn for every non-zero leaf descriptor (valid or not) mapping an
 * address in [start, end), in ascending va order, skipping absent subtrees.
 * va passed to fn is the base of the page/block, even if below start.
 * fn returns 0 to go on, non-zero to stop (that value is returned). */
typedef int (*sm_pgt_leaf_fn)(void *ctx, uint64_t va, int level, uint64_t desc,
			      uint64_t desc_pa);
int sm_pgt_for_each_leaf(const struct sm_physmem *pm, uint64_t root_pa,
			 uint64_t start, uint64_t end, sm_pgt_leaf_fn fn,
			 void *ctx);

/*
 * The same walk by runs of descriptors (host time: a level-3 table's
 * descriptors swept in the caller's loop, not a call each).  A run is the
 * slots [first, last] of the table at `table`, of level `level`, that
 * overlap [start, end): slot i maps va + i * sm_level_size(level) and
 * holds words[i] (the table's 512 words, never NULL).  At level 3 a run is
 * a whole table's part of the range and each of its non-zero words is a
 * leaf (zero ones are to be skipped); above, a run is one slot holding a
 * non-zero leaf.  Runs come in ascending va order.  fn may write the run's
 * descriptors (sm_physmem_table_write on &words[i], or sm_physmem_write64)
 * but not free the table or write table descriptors; it returns 0 to go
 * on, non-zero to stop (that value is returned).
 */
struct sm_pgt_run {
	int level;
	unsigned first, last;
	uint64_t table, va; /* va: what slot 0 maps */
	const uint64_t *words;
};
typedef int (*sm_pgt_run_fn)(void *ctx, const struct sm_pgt_run *run);
/*
 * The slots of a table whose word has any of `bits` set, among [lo, hi)
 * and the 64 from b (b = lo rounded down to a multiple of 4, hi <= 512):
 * bit j for words[b + j].  Built without a branch per word, so that a
 * sweep of a run visits only those slots, lowest first (ctz, then clear
 * it): the same slots in the same order as a test of each word, with one
 * loop exit per block of 64 instead of a branch per slot that follows the
 * scattered mapped pages and mispredicts (host time: mprotect's and
 * munmap's runs).  Words are read 4 at a time from b, up to hi rounded up
 * to 4: still in the table (512 words).  With SSE2, two words a step
 * (sm_pgt_nz2); elsewhere (or with SM_PGT_NO_SIMD: tools/dev.sh portable
 * tests that path) the same test, a word a step.
 */
#if defined(__SSE2__) && !defined(SM_PGT_NO_SIMD)
typedef unsigned long long sm_v2u __attribute__((vector_size(16)));
typedef double sm_v2d __attribute__((vector_size(16)));
/* Bit i set when words[i] & b (2 lanes, both `bits`) is non-zero: x | -x
 * has the sign bit exactly then, and so has x + (2^63 - 1) when `bits`
 * lacks bit 63 (one add; `bits` is a constant where this is inlined);
 * movmskpd gathers the signs. */
static inline unsigned sm_pgt_nz2(const uint64_t *words, sm_v2u b,
				  uint64_t bits)
{
	sm_v2u x;
	memcpy(&x, words, sizeof(x));
	x &= b;
	if (bits >> 63)
		x |= -x;
	else
		x += (sm_v2u){INT64_MAX, INT64_MAX};
	return (unsigned)__builtin_ia32_movmskpd((sm_v2d)x);
}
#endif
static inline uint64_t sm_pgt_slots_with(const uint64_t *words, unsigned lo,
					 unsigned hi, uint64_t bits)
{
	unsigned b = lo & ~3u, n = hi - b < 64 ? hi - b : 64;
	const uint64_t *w = words + b;
	uint64_t m = 0;
#if defined(__SSE2__) && !defined(SM_PGT_NO_SIMD)
	sm_v2u v = {bits, bits};
	for (unsigned j = 0; j < n; j += 4) {
		unsigned q = sm_pgt_nz2(w + j, v, bits) |
			     sm_pgt_nz2(w + j + 2, v, bits) << 2;
		m |= (uint64_t)q << j;
	}
#else
	for (unsigned j = 0; j < n; j++)
		m |= (uint64_t)((w[j] & bits) != 0) << j;
#endif
	m &= ~0ull << (lo - b);
	return n < 64 ? m & ((1ull << n) - 1) : m;
}
int sm_pgt_for_each_leaf_run(const struct sm_physmem *pm, uint64_t root_pa,
			     uint64_t start, uint64_t end, sm_pgt_run_fn fn,
			     void *ctx);

/*
 * The same walk through the path p (as sm_pgt_get_path keeps it, and
 * refreshed the same way) when [start, end) lies in one 2 MiB region: when
 * the path holds for that region, the walk would go down the same table
 * descriptors to the same level-3 table, so its one run is that table's
 * part of the range, passed at once (host time: an mprotect or munmap of a
 * few pages after a fault or another of the region).  Otherwise the walk.
 */
int sm_pgt_for_each_leaf_run_path(const struct sm_physmem *pm,
				  struct sm_pgt_path *p, uint64_t root_pa,
				  uint64_t start, uint64_t end,
				  sm_pgt_run_fn fn, void *ctx);

/* Free every table page below and including root (not the data pages). */
void sm_pgt_free_tables(struct sm_physmem *pm, uint64_t root_pa);

#endif
