/* SPDX-License-Identifier: MIT */
/*
 * VMSAv8-64 stage-1 translation tables, 4 KiB granule, 48-bit VA, starting
 * at level 0 (TCR_ELx.T0SZ = 16).
 *
 * Descriptor decoding follows Arm ARM D8.3 "Translation table descriptor
 * formats":
 *  - bit[0] = 0: invalid; the other bits are ignored by hardware (software
 *    may keep its own information there, e.g. Linux's PTE_PROT_NONE).
 *  - Levels 0..2, bits[1:0] = 0b11: table descriptor, next-level table
 *    address in bits[47:12].
 *  - Levels 1..2, bits[1:0] = 0b01: block descriptor (1 GiB at level 1,
 *    2 MiB at level 2), OA in bits[47:n] with n = 30 or 21; the bits below n
 *    are RES0 and ignored here.
 *  - Level 0, bits[1:0] = 0b01: a block is not permitted with the 4 KiB
 *    granule unless FEAT_LPA2 (52-bit OA) is implemented, which is not
 *    modelled, so the descriptor is reserved: translation fault.
 *  - Level 3, bits[1:0] = 0b11: page descriptor; 0b01 is reserved and
 *    behaves as invalid: translation fault.
 *
 * Fault model choices (documented for callers):
 *  - va >= 2^48: SM_WALK_FAULT_ADDR_SIZE with reads = 0.  On hardware a VA
 *    outside the TTBR0 range gives a level-0 translation fault (the input
 *    address size check of the translation process), but the simulator's single
 * address space is TTBR0-only and an out-of-range VA is always a caller error,
 * so it is reported distinctly.
 *  - A table descriptor whose next-level address is outside RAM, or names a
 *    frame that is not SM_PAGE_PGTABLE, gives SM_WALK_FAULT_ADDR_SIZE at the
 *    level of that table descriptor (desc/desc_pa are the table descriptor).
 *    Hardware would only raise an address size fault for an address beyond
 *    the configured PA size and would otherwise read whatever is there; the
 *    model refuses to interpret non-table memory as a table so that a
 *    simulator bug cannot masquerade as a translation.  A root that is not a
 *    SM_PAGE_PGTABLE frame gives the same fault at level 0 with reads = 0.
 *  - A valid leaf whose output address (of the accessed va) is outside RAM
 *    gives SM_WALK_FAULT_ADDR_SIZE.  This is checked before the access flag,
 *    as in the Arm ARM fault prioritization (an address size fault takes
 *    priority over an access flag fault).
 *  - A valid leaf with AF = 0 gives SM_WALK_FAULT_ACCESS_FLAG (hardware
 *    access-flag update, FEAT_HAFDBS, is not modelled; see the Arm ARM
 *    "Hardware updates to the translation tables").
 * For the two leaf faults above, pa, page_size and perm are still filled in
 * for information.
 */
#include "hw/mem/pgtable.h"

#include <inttypes.h>
#include <stddef.h>

#include <smmusim/error.h>
#include <smmusim/event.h>

#define SM_VA_LIMIT (1ull << SM_VA_BITS)

static int is_table_frame(const struct sm_physmem *pm, uint64_t pa)
{
	return (pa & ~SM_PAGE_MASK) == 0 &&
	       sm_physmem_kind(pm, pa) == SM_PAGE_PGTABLE;
}

/* The frame of a table page at pa, NULL when pa is not one (what
 * is_table_frame says). */
static const struct sm_frame *table_frame(const struct sm_physmem *pm,
					  uint64_t pa)
{
	const struct sm_frame *f = sm_physmem_frame_of(pm, pa);
	return (pa & ~SM_PAGE_MASK) == 0 && f && f->kind == SM_PAGE_PGTABLE
		   ? f
		   : NULL;
}

static uint64_t slot_pa(uint64_t table_pa, uint64_t va, int level)
{
	return table_pa + 8ull * sm_level_index(va, level);
}

/* Table descriptor: valid, bit[1] set, at a level that has tables. */
static int is_table_desc(uint64_t desc, int level)
{
	return level < 3 && (desc & PTE_TYPE_MASK) == PMD_TYPE_TABLE;
}

/* Output address of a block or page descriptor at level: OA[47:n] with the
 * RES0 bits below the block size ignored. */
static uint64_t leaf_oa(uint64_t desc, int level)
{
	return desc & PTE_ADDR_MASK & ~(sm_level_size(level) - 1);
}

enum sm_walk_fault sm_pgt_walk(const struct sm_physmem *pm, uint64_t root_pa,
			       uint64_t va, struct sm_walk *out)
{
	return sm_pgt_walk_from(pm, root_pa, 0, va, out);
}

/* Translate a table address before it is read: identity, or (nested) a
 * stage-2 walk.  Returns false if that translation failed. */
struct table_xlat {
	const struct sm_physmem *pm;
	const struct sm_regime *rg; /* NULL: identity */
	unsigned reads;
	uint64_t failed_ipa; /* table address stage 2 failed on */
};

static unsigned s2_perm(uint64_t desc)
{
	return ((desc & PTE_S2_HAP_READ) ? SMMUSIM_PROT_R : 0) |
	       ((desc & PTE_S2_HAP_WRITE) ? SMMUSIM_PROT_W : 0) |
	       ((desc & PTE_S2_XN) ? 0 : SMMUSIM_PROT_X);
}

static enum sm_walk_fault walk(const struct sm_physmem *pm, uint64_t root_pa,
			       int start_level, uint64_t va, bool stage2,
			       struct table_xlat *tx, struct sm_walk *out);

static bool xlat_table(struct table_xlat *tx, uint64_t *addr)
{
	if (!tx || !tx->rg)
		return true;
	struct sm_walk w;
	walk(tx->pm, tx->rg->root2, tx->rg->s2_level, *addr, true, NULL, &w);
	tx->reads += w.reads;
	if (w.fault != SM_WALK_OK || !(w.perm & SMMUSIM_PROT_R)) {
		tx->failed_ipa = *addr;
		return false;
	}
	*addr = w.pa;
	return true;
}

/* Where a walk is: the table it reads at `level` (with its words, NULL:
 * all zero) and what it has read so far. */
struct walk_at {
	int level;
	uint64_t table;
	const uint64_t *words;
	unsigned reads;
};

/* The walk from at->level down: the reads of one descriptor per level,
 * the outcome, and *out filled once, at `done` (host time: zeroing the
 * whole result first, then storing each level's fields as it went, was a
 * third of a walk).  out->table[] below at->level is the caller's.  On
 * return *at holds the last table read (its level, address and words). */
static inline __attribute__((always_inline)) enum sm_walk_fault
walk_levels(const struct sm_physmem *pm, struct walk_at *at, int start_level,
	    uint64_t va, bool stage2, struct table_xlat *tx,
	    struct sm_walk *out)
{
	uint64_t table = at->table, desc = 0, desc_pa = 0, pa = 0, size = 0;
	const uint64_t *words = at->words;
	unsigned reads = at->reads, perm = 0;
	int level;
	enum sm_walk_fault fault;

	for (level = at->level; level <= 3; level++) {
		out->table[level] = table;
		desc = words ? words[sm_level_index(va, level)] : 0;
		desc_pa = slot_pa(table, va, level);
		reads++;

		if (!(desc & PTE_VALID)) {
			fault = SM_WALK_FAULT_TRANSLATION;
			goto done;
		}
		if (is_table_desc(desc, level)) {
			uint64_t next = desc & PTE_ADDR_MASK;

			if (!xlat_table(tx, &next)) {
				fault = SM_WALK_FAULT_STAGE2;
				goto done;
			}
			/* next is 4 KiB aligned (PTE_ADDR_MASK) unless
			 * stage 2 made it: table_frame checks. */
			const struct sm_frame *tf = table_frame(pm, next);
			if (!tf) {
				fault = SM_WALK_FAULT_ADDR_SIZE;
				goto done;
			}
			table = next;
			words = tf->content;
			continue;
		}
		/* Block at level 0, or type 0b01 at level 3: reserved. */
		if (level == 0 ||
		    (level == 3 && (desc & PTE_TYPE_MASK) != PTE_TYPE_PAGE)) {
			fault = SM_WALK_FAULT_TRANSLATION;
			goto done;
		}

		size = sm_level_size(level);
		pa = leaf_oa(desc, level) | (va & (size - 1));
		perm = stage2 ? s2_perm(desc) : sm_pte_perm(desc);
		/* The OA field is 48 bits wide, the physical address size
		 * modelled, so a leaf never raises an address size fault; its
		 * OA may be RAM or device memory (an MSI doorbell mapped for a
		 * device, say). */
		fault = desc & PTE_AF ? SM_WALK_OK : SM_WALK_FAULT_ACCESS_FLAG;
		goto done;
	}
	/* Not reached: level 3 never holds a table descriptor. */
	level = 3;
	fault = SM_WALK_FAULT_TRANSLATION;
done:
	at->level = level;
	at->table = table;
	at->words = words;
	out->fault = fault;
	out->level = level;
	out->desc = desc;
	out->desc_pa = desc_pa;
	out->pa = pa;
	out->page_size = size;
	out->perm = perm;
	out->reads = reads;
	out->start_level = start_level;
	out->ipa = 0;
	out->s2_table = false;
	return fault;
}

/* The walk of va from the table at root_pa (of level start_level); *last
 * (if non-NULL) gets the last table read, as walk_levels, or level -1 when
 * no table was read (the root's checks failed). */
static inline __attribute__((always_inline)) enum sm_walk_fault
walk_at_root(const struct sm_physmem *pm, uint64_t root_pa, int start_level,
	     uint64_t va, bool stage2, struct table_xlat *tx,
	     struct sm_walk *out, struct walk_at *last)
{
	struct walk_at at = {start_level, root_pa, NULL, 0};
	enum sm_walk_fault fault;

	if (va >= SM_VA_LIMIT) {
		fault = SM_WALK_FAULT_ADDR_SIZE;
		goto early;
	}
	if (!xlat_table(tx, &at.table)) {
		fault = SM_WALK_FAULT_STAGE2;
		goto early;
	}
	/* Each table's frame is looked up once: its kind checked, its words
	 * read (host time; the same as is_table_frame and read64). */
	const struct sm_frame *tf = table_frame(pm, at.table);
	if (!tf) {
		fault = SM_WALK_FAULT_ADDR_SIZE;
		*out = (struct sm_walk){.fault = fault,
					.desc_pa = root_pa,
					.start_level = start_level};
		goto early_out;
	}
	at.words = tf->content;
	for (int l = 0; l < 4; l++)
		out->table[l] = 0;
	fault = walk_levels(pm, &at, start_level, va, stage2, tx, out);
	if (last)
		*last = at;
	return fault;
early:
	*out = (struct sm_walk){.fault = fault, .start_level = start_level};
early_out:
	if (last)
		last->level = -1;
	return fault;
}

static enum sm_walk_fault walk(const struct sm_physmem *pm, uint64_t root_pa,
			       int start_level, uint64_t va, bool stage2,
			       struct table_xlat *tx, struct sm_walk *out)
{
	return walk_at_root(pm, root_pa, start_level, va, stage2, tx, out,
			    NULL);
}

/* sm_pgt_walk_from of each starting level (pgtable.h). */
#define SM_PGT_FROM_(lv)                                                       \
	enum sm_walk_fault sm_pgt_walk_from##lv(const struct sm_physmem *pm,   \
						uint64_t root_pa, uint64_t va, \
						struct sm_walk *out)           \
	{                                                                      \
		return walk_at_root(pm, root_pa, lv, va, false, NULL, out,     \
				    NULL);                                     \
	}
SM_PGT_FROM_(0)
SM_PGT_FROM_(1)
SM_PGT_FROM_(2)
SM_PGT_FROM_(3)
#undef SM_PGT_FROM_

enum sm_walk_fault sm_pgt_walk_from_any(const struct sm_physmem *pm,
					uint64_t root_pa, int start_level,
					uint64_t va, struct sm_walk *out)
{
	return walk_at_root(pm, root_pa, start_level, va, false, NULL, out,
			    NULL);
}

/* The memo's slot of (table_pa, va's 2 MiB region). */
static struct sm_pgt_memo_slot *memo_slot(struct sm_pgt_memo *m,
					  uint64_t table_pa, uint64_t va)
{
	uint64_t h = (va >> 21) ^ (table_pa >> 12);
	return &m->slot[h & (SM_PGT_MEMO_SLOTS - 1)];
}

/* A walk the memo slot ms does not hold: the full walk, remembered in ms
 * when it read a level-3 table (out of line: host time, the memo's hit
 * needs few registers). */
static __attribute__((noinline)) enum sm_walk_fault
memo_walk(const struct sm_physmem *pm, struct sm_pgt_memo_slot *ms,
	  uint64_t table_pa, int start_level, uint64_t va, uint64_t gen,
	  struct sm_walk *out)
{
	struct walk_at at;
	enum sm_walk_fault fault =
	    walk_at_root(pm, table_pa, start_level, va, false, NULL, out, &at);
	if (at.level == 3) {
		*ms = (struct sm_pgt_memo_slot){
		    .valid = true,
		    .start_level = (int8_t)start_level,
		    .gen = gen,
		    .root = table_pa,
		    .region = va >> 21,
		    .words = at.words,
		};
		for (int l = 0; l < 4; l++)
			ms->table[l] = out->table[l];
	}
	return fault;
}

enum sm_walk_fault sm_pgt_walk_memo(const struct sm_physmem *pm,
				    struct sm_pgt_memo *m, uint64_t table_pa,
				    int start_level, uint64_t va,
				    struct sm_walk *out)
{
	uint64_t gen = sm_physmem_pgt_gen(pm);
	struct sm_pgt_memo_slot *ms = memo_slot(m, table_pa, va);
	if (!(ms->valid && ms->gen == gen && ms->root == table_pa &&
	      ms->start_level == start_level && ms->region == va >> 21 &&
	      va < SM_VA_LIMIT))
		return memo_walk(pm, ms, table_pa, start_level, va, gen, out);
	/* The tables down to level 3 are those the remembered walk read:
	 * only the level-3 descriptor is read again. */
	for (int l = 0; l < 4; l++)
		out->table[l] = ms->table[l];
	struct walk_at at = {3, ms->table[3], ms->words,
			     (unsigned)(3 - start_level)};
	return walk_levels(pm, &at, start_level, va, false, NULL, out);
}

int sm_pgt_new_root(struct sm_physmem *pm, uint64_t *root_pa,
		    struct sm_errbuf *eb)
{
	return sm_physmem_alloc(pm, SM_PAGE_PGTABLE, root_pa, eb);
}

/*
 * sm_pgt_set only writes leaf descriptors: a valid descriptor must have the
 * leaf type of its level (page at 3, block at 1-2) and a block must be
 * aligned to its size.  Invalid descriptors (0 to clear, or software
 * markers) are written as given.  Intermediate tables are allocated as
 * needed and left in place (empty) if the call then fails; they are
 * reclaimed by sm_pgt_free_tables.  Intermediate table descriptors carry no
 * hierarchical attributes (APTable/UXNTable/PXNTable = 0, Arm ARM D8.4
 * hierarchical permissions): all
 * permissions come from the leaf.
 */
int sm_pgt_set(struct sm_physmem *pm, uint64_t root_pa, uint64_t va, int level,
	       uint64_t desc, uint64_t *old, struct sm_errbuf *eb)
{
	uint64_t table = root_pa;
	uint64_t dpa, cur;
	int l, rc;

	if (level < 1 || level > 3)
		return sm_err(eb, SMMUSIM_EINVAL,
			      "pgtable: leaf level %d (must be 1, 2 or 3)",
			      level);
	if (va >= SM_VA_LIMIT)
		return sm_err(eb, SMMUSIM_EINVAL,
			      "pgtable: va 0x%" PRIx64 " beyond %d bits", va,
			      SM_VA_BITS);
	if (desc & PTE_VALID) {
		uint64_t want = level == 3 ? PTE_TYPE_PAGE : PMD_TYPE_SECT;

		if ((desc & PTE_TYPE_MASK) != want)
			return sm_err(eb, SMMUSIM_EINVAL,
				      "pgtable: descriptor 0x%" PRIx64
				      " is not a %s descriptor",
				      desc, level == 3 ? "page" : "block");
		if ((desc & PTE_ADDR_MASK) != leaf_oa(desc, level))
			return sm_err(eb, SMMUSIM_EINVAL,
				      "pgtable: level-%d block output address "
				      "0x%" PRIx64
				      " is not aligned to 0x%" PRIx64,
				      level, (uint64_t)(desc & PTE_ADDR_MASK),
				      sm_level_size(level));
	}
	const struct sm_frame *tf = table_frame(pm, root_pa);
	if (!tf)
		return sm_err(eb, SMMUSIM_EINVAL,
			      "pgtable: root 0x%" PRIx64
			      " is not a translation table page",
			      root_pa);

	for (l = 0; l < level; l++) {
		dpa = slot_pa(table, va, l);
		cur = tf->content ? tf->content[sm_level_index(va, l)] : 0;
		if (cur & PTE_VALID) {
			if (!is_table_desc(cur, l))
				return sm_err(eb, SMMUSIM_EEXIST,
					      "pgtable: va 0x%" PRIx64
					      " is covered by level-%d "
					      "descriptor 0x%" PRIx64,
					      va, l, cur);
			table = cur & PTE_ADDR_MASK;
			if (!(tf = table_frame(pm, table)))
				return sm_err(eb, SMMUSIM_EINTERNAL,
					      "pgtable: level-%d table "
					      "descriptor 0x%" PRIx64
					      " at 0x%" PRIx64
					      " does not point to a table",
					      l, cur, dpa);
			continue;
		}
		/* A non-zero invalid entry is software state (e.g. a
		 * PROT_NONE block); replacing it with a table would lose it. */
		if (cur != 0)
			return sm_err(eb, SMMUSIM_EEXIST,
				      "pgtable: va 0x%" PRIx64
				      " is covered by invalid level-%d "
				      "descriptor 0x%" PRIx64,
				      va, l, cur);
		rc = sm_physmem_alloc(pm, SM_PAGE_PGTABLE, &table, eb);
		if (rc)
			return rc;
		sm_physmem_write64(pm, dpa, PMD_TYPE_TABLE | table);
		tf = table_frame(pm, table);
	}

	dpa = slot_pa(table, va, level);
	cur = sm_physmem_read64(pm, dpa);
	if (is_table_desc(cur, level))
		return sm_err(
		    eb, SMMUSIM_EEXIST,
		    "pgtable: a level-%d table exists at va 0x%" PRIx64
		    " where a block is asked for",
		    level + 1, va & ~(sm_level_size(level) - 1));
	if (old)
		*old = cur;
	sm_physmem_write64(pm, dpa, desc);
	return 0;
}

uint64_t sm_pgt_get_slot(const struct sm_physmem *pm, uint64_t root_pa,
			 uint64_t va, int *level, uint64_t *desc_pa,
			 const uint64_t **slot)
{
	if (va >= SM_VA_LIMIT) {
		*level = 0;
		*desc_pa = 0;
		*slot = NULL;
		return 0;
	}
	return sm_pgt_slot_walk(pm, root_pa, va, level, desc_pa, slot, NULL);
}

uint64_t sm_pgt_get(const struct sm_physmem *pm, uint64_t root_pa, uint64_t va,
		    int *level, uint64_t *desc_pa)
{
	int l;
	uint64_t dpa;
	const uint64_t *slot;
	uint64_t desc = sm_pgt_get_slot(pm, root_pa, va, &l, &dpa, &slot);
	if (level)
		*level = l;
	if (desc_pa)
		*desc_pa = dpa;
	return desc;
}

/* What a leaf walk carries down its tables. */
struct leaf_walk_args {
	const struct sm_physmem *pm;
	uint64_t start, end;
	sm_pgt_run_fn fn;
	void *ctx;
};

/* The runs of the table at `table` (level `level`, mapping from table_va)
 * overlapping [start, end), in ascending va order: a level-3 table's slots
 * as one run; above, each leaf as a run of one slot, each table descriptor
 * to a table page descended into. */
static int leaf_walk(const struct leaf_walk_args *w, uint64_t table, int level,
		     uint64_t table_va)
{
	unsigned shift = sm_level_shift(level);
	uint64_t size = 1ull << shift;
	unsigned first = 0, last = SM_PTRS_PER_TABLE - 1, i;

	/* Only the slots overlapping [start, end); end > table_va holds
	 * (shifts, not 64-bit divisions: host time). */
	if (w->start > table_va)
		first = (unsigned)((w->start - table_va) >> shift);
	if ((w->end - 1 - table_va) >> shift < last)
		last = (unsigned)((w->end - 1 - table_va) >> shift);

	/* The table's words read once (host time); a table never written
	 * holds only zeros.  Re-read after each visit: a visit may write the
	 * table (its content appears) or free it (it reads as zero). */
	const uint64_t *words = sm_physmem_words(w->pm, table);
	if (words && level == 3)
		return w->fn(w->ctx,
			     &(struct sm_pgt_run){level, first, last, table,
						  table_va, words});
	for (i = first; words && i <= last; i++) {
		uint64_t va = table_va + (uint64_t)i * size;
		uint64_t desc = words[i];
		int rc;

		if (desc == 0)
			continue;
		if (is_table_desc(desc, level)) {
			uint64_t next = desc & PTE_ADDR_MASK;

			/* Never read a non-table frame as a table. */
			if (!is_table_frame(w->pm, next))
				continue;
			rc = leaf_walk(w, next, level + 1, va);
		} else {
			rc = w->fn(w->ctx,
				   &(struct sm_pgt_run){level, i, i, table,
							table_va, words});
		}
		if (rc)
			return rc;
		words = sm_physmem_words(w->pm, table);
	}
	return 0;
}

/* A root that is not a table page visits nothing (returns 0). */
int sm_pgt_for_each_leaf_run(const struct sm_physmem *pm, uint64_t root_pa,
			     uint64_t start, uint64_t end, sm_pgt_run_fn fn,
			     void *ctx)
{
	if (end > SM_VA_LIMIT)
		end = SM_VA_LIMIT;
	if (start >= end || !is_table_frame(pm, root_pa))
		return 0;
	struct leaf_walk_args w = {pm, start, end, fn, ctx};
	return leaf_walk(&w, root_pa, 0, 0);
}

/* Whether p is the path of root_pa's tables to va's level-3 table. */
static bool path_reaches(const struct sm_pgt_path *p, uint64_t root_pa,
			 uint64_t va)
{
	return p->valid && p->root == root_pa && p->region == va >> 21 &&
	       sm_pgt_path_holds(p, va);
}

int sm_pgt_for_each_leaf_run_path(const struct sm_physmem *pm,
				  struct sm_pgt_path *p, uint64_t root_pa,
				  uint64_t start, uint64_t end,
				  sm_pgt_run_fn fn, void *ctx)
{
	/* end <= 2^48 holds below, so start < 2^48 too. */
	if (start >= end || end > SM_VA_LIMIT || start >> 21 != (end - 1) >> 21)
		return sm_pgt_for_each_leaf_run(pm, root_pa, start, end, fn,
						ctx);
	if (!path_reaches(p, root_pa, start)) {
		/* The walk sm_pgt_get_path does: p is remembered when it
		 * reaches a level-3 table. */
		int level;
		uint64_t dpa;
		const uint64_t *slot;
		sm_pgt_slot_walk(pm, root_pa, start, &level, &dpa, &slot, p);
		if (level != 3)
			return sm_pgt_for_each_leaf_run(pm, root_pa, start, end,
							fn, ctx);
	}
	/* leaf_walk's visit of the level-3 table: one run of its slots in
	 * the range, none when it reads as all zero. */
	const uint64_t *words = p->frame[3]->content;
	uint64_t table_va = start & ~((1ull << 21) - 1);
	if (!words)
		return 0;
	return fn(ctx, &(struct sm_pgt_run){
			   3, (unsigned)((start - table_va) >> SM_PAGE_SHIFT),
			   (unsigned)((end - 1 - table_va) >> SM_PAGE_SHIFT),
			   p->leaf, table_va, words});
}

/* sm_pgt_for_each_leaf's visit of a run: a call per non-zero descriptor,
 * the table's words read again after each (the visit may write or free
 * the table). */
struct each_leaf {
	const struct sm_physmem *pm;
	sm_pgt_leaf_fn fn;
	void *ctx;
};

static int each_leaf_of_run(void *vctx, const struct sm_pgt_run *r)
{
	const struct each_leaf *e = vctx;
	const uint64_t *words = r->words;
	uint64_t size = sm_level_size(r->level);

	for (unsigned i = r->first; words && i <= r->last; i++) {
		uint64_t desc = words[i];
		if (desc == 0)
			continue;
		int rc = e->fn(e->ctx, r->va + (uint64_t)i * size, r->level,
			       desc, r->table + 8ull * i);
		if (rc)
			return rc;
		words = sm_physmem_words(e->pm, r->table);
	}
	return 0;
}

int sm_pgt_for_each_leaf(const struct sm_physmem *pm, uint64_t root_pa,
			 uint64_t start, uint64_t end, sm_pgt_leaf_fn fn,
			 void *ctx)
{
	struct each_leaf e = {pm, fn, ctx};
	return sm_pgt_for_each_leaf_run(pm, root_pa, start, end,
					each_leaf_of_run, &e);
}

static void free_table(struct sm_physmem *pm, uint64_t table, int level)
{
	unsigned i;

	if (level < 3) {
		for (i = 0; i < SM_PTRS_PER_TABLE; i++) {
			uint64_t desc = sm_physmem_read64(pm, table + 8ull * i);
			uint64_t next = desc & PTE_ADDR_MASK;

			if (is_table_desc(desc, level) &&
			    is_table_frame(pm, next))
				free_table(pm, next, level + 1);
		}
	}
	sm_physmem_free_page(pm, table);
}

/* Only SM_PAGE_PGTABLE frames are freed: a root or table descriptor naming
 * any other frame is left alone, so data pages are never freed here. */
void sm_pgt_free_tables(struct sm_physmem *pm, uint64_t root_pa)
{
	if (!is_table_frame(pm, root_pa))
		return;
	free_table(pm, root_pa, 0);
}

enum sm_walk_fault sm_pgt_translate(const struct sm_physmem *pm,
				    const struct sm_regime *rg, uint64_t va,
				    struct sm_walk *out)
{
	/* A single stage's walk inline here, its table addresses not
	 * translated (host time: the oracle's truth walks come this way; left
	 * to the compiler, whether walk() was inlined changed with unrelated
	 * edits of this file). */
	switch (rg->kind) {
	case SM_REGIME_S1:
		walk_at_root(pm, rg->root, 0, va, false, NULL, out, NULL);
		out->ipa = SM_NO_IPA;
		return out->fault;
	case SM_REGIME_S2:
		walk_at_root(pm, rg->root2, rg->s2_level, va, true, NULL, out,
			     NULL);
		out->ipa = va;
		return out->fault;
	case SM_REGIME_NESTED:
		break;
	}
	/* Stage 1 with its tables read through stage 2, then the output
	 * IPA through stage 2 (Arm ARM D8.2.5 "Combined stage 1 and stage 2
	 * translation": up to 24 reads with 4 levels each). */
	struct table_xlat tx = {pm, rg, 0, SM_NO_IPA};
	walk(pm, rg->root, 0, va, false, &tx, out);
	out->reads += tx.reads;
	out->ipa = tx.failed_ipa;
	out->s2_table = tx.failed_ipa != SM_NO_IPA;
	if (out->fault != SM_WALK_OK)
		return out->fault;
	out->ipa = out->pa;
	struct sm_walk w2;
	walk(pm, rg->root2, rg->s2_level, out->pa, true, NULL, &w2);
	out->reads += w2.reads;
	if (w2.fault != SM_WALK_OK) {
		out->fault = SM_WALK_FAULT_STAGE2;
		return out->fault;
	}
	/* The combined page is the smaller of the two. */
	if (w2.page_size < out->page_size)
		out->page_size = w2.page_size;
	out->pa = w2.pa;
	out->perm &= w2.perm;
	return out->fault;
}
