/* SPDX-License-Identifier: MIT */
/*
 * Simulated physical memory and its page allocator.
 *
 * RAM is [base, base + size) in 4 KiB frames.  Only frames that hold
 * structures the hardware reads (page tables, stream/CD tables, queues) need
 * content; data frames are tracked for identity and reuse but their bytes are
 * never materialised.  A frame's content buffer is allocated on its first
 * 64-bit write; an unwritten frame reads as zero.
 *
 * Freed frames are reused last-in first-out, like the kernel's per-CPU page
 * lists, so a page freed by munmap is the next one handed out: that is what
 * makes a stale DMA translation observable (it lands in somebody else's page).
 */
#ifndef SM_HW_MEM_PHYSMEM_H
#define SM_HW_MEM_PHYSMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <smmusim/alloc.h>

#include "base/errbuf.h"

#define SM_PAGE_SHIFT 12
#define SM_PAGE_SIZE (1ull << SM_PAGE_SHIFT)
#define SM_PAGE_MASK (~(SM_PAGE_SIZE - 1))

enum sm_page_kind {
	SM_PAGE_FREE = 0, /* not allocated (also: outside RAM) */
	SM_PAGE_DATA,	  /* user data page */
	SM_PAGE_ZERO,	  /* the shared zero page */
	SM_PAGE_PGTABLE,  /* translation table (any level) */
	SM_PAGE_SMMU,	  /* stream table, CD table, queue memory */
};

struct sm_physmem;

/* base and size must be 4 KiB aligned, size > 0. */
int sm_physmem_new(struct sm_physmem **out, const struct smmusim_allocator *a,
		   uint64_t base, uint64_t size, struct sm_errbuf *eb);
void sm_physmem_free(struct sm_physmem *pm);

/* One zeroed frame.  SMMUSIM_ENOMEM (with message) when RAM is exhausted. */
int sm_physmem_alloc(struct sm_physmem *pm, enum sm_page_kind kind,
		     uint64_t *pa, struct sm_errbuf *eb);
/* `npages` contiguous zeroed frames aligned to `align_pages` (a power of 2),
 * e.g. a 2 MiB block (512, 512) or an 8 KiB CD table (2, 2).
 * Runs come only from never-used RAM (the free list is not searched), so
 * this can fail with ENOMEM while single frames are still free; frames of a
 * run are freed one by one and go back as single frames. */
int sm_physmem_alloc_contig(struct sm_physmem *pm, uint64_t npages,
			    uint64_t align_pages, enum sm_page_kind kind,
			    uint64_t *pa, struct sm_errbuf *eb);
/* Return a frame (its content is dropped).  Freeing a free frame, an
 * address outside RAM or an address that is not 4 KiB aligned is ignored and
 * counted in `bad_frees`. */
void sm_physmem_free_page(struct sm_physmem *pm, uint64_t pa);

/*
 * The frame table, in this header only so that the readers below are
 * inline: every page-table walk, CPU's or SMMU's, reads through them (issue
 * 12: out of line they were 6% of bench/replay-speed).  Other layers use the
 * functions, never the fields.
 */
struct sm_frame {
	uint64_t *content; /* SM_PAGE_SIZE bytes, or NULL: reads as zero */
	uint32_t next;	   /* free-list link, valid while on the free list */
	uint8_t kind;	   /* enum sm_page_kind */
};

/* Frames per chunk of the frame table: 16 MiB of RAM, 64 KiB of table. */
#define SM_CHUNK_SHIFT 12
#define SM_CHUNK_FRAMES (1ull << SM_CHUNK_SHIFT)

struct sm_physmem {
	const struct smmusim_allocator *a;
	uint64_t base;
	uint64_t size;
	uint64_t nframes;
	/* Every chunk below the bump pointer; the directory itself grows
	 * with the bump pointer (SM_VEC_RESERVE), so start-up does not
	 * depend on the size of RAM.  Entries past the bump's are NULL. */
	struct sm_frame **chunks;
	size_t nchunks; /* capacity of `chunks` */
	/* The page-table write generation (sm_physmem_pgt_gen), next to
	 * what write64 reads already. */
	uint64_t pgt_gen;
	uint32_t free_head; /* LIFO of freed single frames */
	uint64_t bump;	    /* frames [bump, nframes) were never allocated */
	uint64_t in_use;
	uint64_t peak;
	uint64_t bad_frees;
	/* A write lost because the host could not back its frame: the
	 * simulated memory no longer says what the model wrote. */
	bool lost_write;
};

/* The metadata of the frame holding pa, or NULL when pa is outside RAM or
 * its chunk was never reached (then the frame is free, with no content). */
static inline struct sm_frame *sm_physmem_frame_of(const struct sm_physmem *pm,
						   uint64_t pa)
{
	/* One test for both ends: below base, pa - base wraps past any size
	 * (RAM ends at or below 2^48, sm_physmem_new; host time). */
	if (pa - pm->base >= pm->size)
		return NULL;
	uint64_t idx = (pa - pm->base) >> SM_PAGE_SHIFT;
	uint64_t ci = idx >> SM_CHUNK_SHIFT;
	struct sm_frame *c = ci < pm->nchunks ? pm->chunks[ci] : NULL;
	return c ? &c[idx & (SM_CHUNK_FRAMES - 1)] : NULL;
}

static inline enum sm_page_kind sm_physmem_kind(const struct sm_physmem *pm,
						uint64_t pa)
{
	const struct sm_frame *f = sm_physmem_frame_of(pm, pa);
	return f ? (enum sm_page_kind)f->kind : SM_PAGE_FREE;
}
/* Aligned 64-bit access (pa's low 3 bits are ignored); outside RAM reads 0
 * and writes are dropped.  Writes to a free frame are dropped too. */
static inline uint64_t sm_physmem_read64(const struct sm_physmem *pm,
					 uint64_t pa)
{
	const struct sm_frame *f = sm_physmem_frame_of(pm, pa);
	const uint64_t *c = f ? f->content : NULL;
	return c ? c[(pa & (SM_PAGE_SIZE - 1)) >> 3] : 0;
}
/* The 512 words of the frame holding pa, NULL when it reads as all zero
 * (outside RAM, or never written): for a walk over a whole table.  Valid
 * until the frame is next written or freed. */
static inline const uint64_t *sm_physmem_words(const struct sm_physmem *pm,
					       uint64_t pa)
{
	const struct sm_frame *f = sm_physmem_frame_of(pm, pa);
	return f ? f->content : NULL;
}
/* The write of a frame without content yet (or outside RAM, or free). */
void sm_physmem_write64_slow(struct sm_physmem *pm, uint64_t pa, uint64_t val);
static inline void sm_physmem_write64(struct sm_physmem *pm, uint64_t pa,
				      uint64_t val)
{
	struct sm_frame *f = sm_physmem_frame_of(pm, pa);
	if (f && f->content && f->kind != SM_PAGE_FREE) {
		f->content[(pa & (SM_PAGE_SIZE - 1)) >> 3] = val;
		pm->pgt_gen++; /* sm_physmem_pgt_gen */
	} else {
		sm_physmem_write64_slow(pm, pa, val);
	}
}
/*
 * n consecutive words from pa (8-byte aligned), as n sm_physmem_write64 in
 * order: a queue entry or record.  Host time: one look-up of the frame when
 * all n lie in one frame that write64 would write at once (it has content
 * and is not free: always for a queue's frame once it holds an entry, a
 * base aligned as the spec's *_BASE fields require); otherwise word by
 * word through write64, which backs the frame or drops the write.  The
 * page-table write generation goes up by n, as n write64 would take it.
 */
static inline void sm_physmem_frame_write_words(struct sm_physmem *pm,
						struct sm_frame *f, uint64_t pa,
						const uint64_t *w, unsigned n);
static inline void sm_physmem_write_words(struct sm_physmem *pm, uint64_t pa,
					  const uint64_t *w, unsigned n)
{
	sm_physmem_frame_write_words(pm, sm_physmem_frame_of(pm, pa), pa, w, n);
}
/* The same with pa's frame given, as sm_physmem_frame_of found it (a
 * frame lives as long as the physmem: a queue's writer keeps it; host
 * time). */
static inline void sm_physmem_frame_write_words(struct sm_physmem *pm,
						struct sm_frame *f, uint64_t pa,
						const uint64_t *w, unsigned n)
{
	size_t off = (pa & (SM_PAGE_SIZE - 1)) >> 3;
	if (off + n <= SM_PAGE_SIZE / 8 && f && f->content &&
	    f->kind != SM_PAGE_FREE) {
		/* Unrolled (host time): with n a constant of a few words,
		 * the caller's words go from registers to the page; the
		 * loop, vectorised, copied them as pairs through the stack,
		 * whose 16-byte loads of words just stored one by one waited
		 * on store forwarding (SMMU event records). */
#pragma GCC unroll 4
		for (unsigned i = 0; i < n; i++)
			f->content[off + i] = w[i];
		pm->pgt_gen += n; /* sm_physmem_pgt_gen */
		return;
	}
	for (unsigned i = 0; i < n; i++)
		sm_physmem_write64(pm, pa + 8 * i, w[i]);
}
/*
 * The words of a translation table page for a walk that reads one slot per
 * level: true when the frame at pa (4 KiB aligned) is an SM_PAGE_PGTABLE
 * one, with *words its 512 words or NULL when they read as all zero (valid
 * as for sm_physmem_words); false otherwise.  One look-up of the frame
 * where sm_physmem_kind and sm_physmem_words would take two (host time).
 */
static inline const struct sm_frame *
sm_physmem_table_frame(const struct sm_physmem *pm, uint64_t pa);
static inline bool sm_physmem_table_words(const struct sm_physmem *pm,
					  uint64_t pa, const uint64_t **words)
{
	const struct sm_frame *f = sm_physmem_table_frame(pm, pa);
	if (!f)
		return false;
	*words = f->content;
	return true;
}
/* The frame of the table page at pa as sm_physmem_table_words tests it
 * (4 KiB aligned, SM_PAGE_PGTABLE), NULL otherwise: for a caller that keeps
 * the frame to read it again later (a frame lives as long as the physmem;
 * its kind and content must then be read again, as they change). */
static inline const struct sm_frame *
sm_physmem_table_frame(const struct sm_physmem *pm, uint64_t pa)
{
	const struct sm_frame *f = sm_physmem_frame_of(pm, pa);
	if ((pa & (SM_PAGE_SIZE - 1)) || !f || f->kind != SM_PAGE_PGTABLE)
		return NULL;
	return f;
}
/* Write a word of a table page whose words sm_physmem_table_words gave
 * (non-NULL), slot pointing into them, as sm_physmem_write64 would write
 * it: the frame is a table, so not free, and has content, so the write
 * lands.  Host time: no second look-up of the frame.  Valid while the
 * words are. */
static inline void sm_physmem_table_write(struct sm_physmem *pm,
					  const uint64_t *slot, uint64_t val)
{
	*(uint64_t *)slot = val;
	pm->pgt_gen++; /* sm_physmem_pgt_gen */
}
/* sm_physmem_table_write of a run of writes, each without its step of the
 * generation, which the caller then adds for the whole run at once
 * (sm_physmem_table_writes_done, n the writes made) before anything reads
 * the generation: the same value then (host time: one add per run of
 * PTE rewrites, kernel/mm/mprotect.c). */
static inline void sm_physmem_table_write_in_run(const uint64_t *slot,
						 uint64_t val)
{
	*(uint64_t *)slot = val;
}
static inline void sm_physmem_table_writes_done(struct sm_physmem *pm,
						uint64_t n)
{
	pm->pgt_gen += n; /* sm_physmem_pgt_gen */
}
/*
 * The page-table write generation.  A walk (hw/mem/pgtable.c) reads words
 * of SM_PAGE_PGTABLE frames only, and asks of other frames only whether
 * they are one; so the same walk gives the same result while this value is
 * unchanged.  It goes up by one on every write that lands (even of the
 * value already there; walks read only tables, but the write path spends
 * one increment, not a test of the kind) and whenever a frame becomes or
 * stops being a page table (allocation, free).  For caches of walk results
 * kept outside the simulated hardware: the coherence oracle's truth memo
 * (check/oracle.c) and the walk memo of an SMMU without a walk cache
 * (hw/mem/pgtable.c; host time only, a memo hit performs the same reads).
 */
static inline uint64_t sm_physmem_pgt_gen(const struct sm_physmem *pm)
{
	return pm->pgt_gen;
}
/* Whether a write was ever dropped because the host could not allocate the
 * frame's contents (out of memory): from then on the simulated memory is
 * wrong, and the simulator refuses to go on (SMMUSIM_ENOMEM). */
static inline bool sm_physmem_lost_write(const struct sm_physmem *pm)
{
	return pm->lost_write;
}

uint64_t sm_physmem_base(const struct sm_physmem *pm);
uint64_t sm_physmem_size(const struct sm_physmem *pm);

/* The allocator's page accounting. */
struct sm_physmem_usage {
	uint64_t in_use;    /* frames allocated now */
	uint64_t peak;	    /* the most ever allocated at once */
	uint64_t bad_frees; /* frees ignored (see sm_physmem_free_page) */
};
struct sm_physmem_usage sm_physmem_usage(const struct sm_physmem *pm);

#endif
