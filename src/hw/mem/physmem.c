/* SPDX-License-Identifier: MIT */
/*
 * Simulated physical memory: per-frame metadata plus a two-part page
 * allocator.
 *
 * Allocation policy (what callers may rely on):
 *  - Single frames come first from a LIFO free list (the most recently freed
 *    frame is handed out first, like the kernel's per-CPU page lists), then
 *    from a bump pointer over frames that have never been allocated.
 *  - Contiguous runs (sm_physmem_alloc_contig) come ONLY from the never-used
 *    bump region, aligned up as requested.  The free list is not searched for
 *    runs: once a run's frames are freed they go back as single frames.
 *    Frames skipped to reach the alignment are put on the free list, so they
 *    are not lost.
 *  - Every allocated frame reads as zero: content is dropped on free and a
 *    never-used frame has none.
 *
 * Content is materialised lazily: a 4 KiB buffer is allocated on the first
 * write of a non-zero value to an allocated frame.  So is the frame table
 * itself, in chunks of SM_CHUNK_FRAMES frames as the bump pointer reaches
 * them: a terabyte of simulated RAM costs the host what is in use, not 16
 * bytes for every frame (a never-used frame is free with no content).  Writes
 * to free frames or outside RAM are dropped (free frames hold no content by
 * definition), and so is a write whose content buffer cannot be allocated
 * (write64 cannot fail).
 */
#include "hw/mem/physmem.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>

#include <smmusim/error.h>

#include "base/alloc.h"
#include "base/vec.h"

/* Free-list link meaning "none".  Frame indices are kept below it. */
#define SM_FRAME_NIL UINT32_MAX

/* Highest physical address + 1 that a descriptor can express: OA[47:12]
 * (Arm ARM D8.3, 48-bit output address without FEAT_LPA). */
#define SM_PA_LIMIT (1ull << 48)

/* Frame idx's metadata, or NULL when its chunk was never reached. */
static struct sm_frame *frame(const struct sm_physmem *pm, uint64_t idx)
{
	uint64_t ci = idx >> SM_CHUNK_SHIFT;
	struct sm_frame *c = ci < pm->nchunks ? pm->chunks[ci] : NULL;
	return c ? &c[idx & (SM_CHUNK_FRAMES - 1)] : NULL;
}

/* Make the chunks of frames [from, to) before the bump pointer passes
 * them. */
static int reach_frames(struct sm_physmem *pm, uint64_t from, uint64_t to,
			struct sm_errbuf *eb)
{
	size_t old = pm->nchunks;
	if (from < to &&
	    SM_VEC_RESERVE(pm->a, pm->chunks, pm->nchunks,
			   (size_t)((to - 1) >> SM_CHUNK_SHIFT) + 1, 4) < 0)
		return sm_err(eb, SMMUSIM_ENOMEM,
			      "physmem: cannot allocate the frame table of "
			      "frames up to %" PRIu64,
			      to - 1);
	for (size_t i = old; i < pm->nchunks; i++)
		pm->chunks[i] = NULL;
	for (uint64_t c = from >> SM_CHUNK_SHIFT;
	     from < to && c <= (to - 1) >> SM_CHUNK_SHIFT; c++) {
		if (pm->chunks[c])
			continue;
		pm->chunks[c] =
		    sm_calloc(pm->a, SM_CHUNK_FRAMES * sizeof(struct sm_frame));
		if (!pm->chunks[c])
			return sm_err(eb, SMMUSIM_ENOMEM,
				      "physmem: cannot allocate the metadata "
				      "of frames %" PRIu64 "..%" PRIu64,
				      c << SM_CHUNK_SHIFT,
				      ((c + 1) << SM_CHUNK_SHIFT) - 1);
	}
	return 0;
}

static uint64_t frame_pa(const struct sm_physmem *pm, uint64_t idx)
{
	return pm->base + (idx << SM_PAGE_SHIFT);
}

static int valid_alloc_kind(enum sm_page_kind kind)
{
	return kind == SM_PAGE_DATA || kind == SM_PAGE_ZERO ||
	       kind == SM_PAGE_PGTABLE || kind == SM_PAGE_SMMU;
}

static void drop_content(struct sm_physmem *pm, struct sm_frame *f)
{
	if (f->content) {
		sm_free(pm->a, f->content, SM_PAGE_SIZE);
		f->content = NULL;
	}
}

/* Every change of a frame's kind: a frame that becomes or stops being a
 * page table changes what walks read (sm_physmem_pgt_gen). */
static void set_kind(struct sm_physmem *pm, struct sm_frame *f,
		     enum sm_page_kind kind)
{
	pm->pgt_gen +=
	    (f->kind == SM_PAGE_PGTABLE) != (kind == SM_PAGE_PGTABLE);
	f->kind = (uint8_t)kind;
}

/* Frame idx, f, onto the free list (f given: host time, no second
 * look-up). */
static void push_free_frame(struct sm_physmem *pm, struct sm_frame *f,
			    uint64_t idx)
{
	set_kind(pm, f, SM_PAGE_FREE);
	f->next = pm->free_head;
	pm->free_head = (uint32_t)idx;
}

static void push_free(struct sm_physmem *pm, uint64_t idx)
{
	push_free_frame(pm, frame(pm, idx), idx);
}

static void mark_used_frame(struct sm_physmem *pm, struct sm_frame *f,
			    enum sm_page_kind kind)
{
	/* Content of a free frame is always dropped, but be defensive: an
	 * allocated frame must read as zero. */
	drop_content(pm, f);
	set_kind(pm, f, kind);
	f->next = SM_FRAME_NIL;
	pm->in_use++;
	if (pm->in_use > pm->peak)
		pm->peak = pm->in_use;
}

static void mark_used(struct sm_physmem *pm, uint64_t idx,
		      enum sm_page_kind kind)
{
	mark_used_frame(pm, frame(pm, idx), kind);
}

int sm_physmem_new(struct sm_physmem **out, const struct smmusim_allocator *a,
		   uint64_t base, uint64_t size, struct sm_errbuf *eb)
{
	struct sm_physmem *pm;
	uint64_t nframes;

	if (!out)
		return sm_err(eb, SMMUSIM_EINVAL,
			      "physmem: NULL output pointer");
	*out = NULL;
	a = sm_alloc_or_default(a);

	if (size == 0)
		return sm_err(eb, SMMUSIM_EINVAL, "physmem: RAM size is 0");
	if (base & ~SM_PAGE_MASK)
		return sm_err(eb, SMMUSIM_EINVAL,
			      "physmem: RAM base 0x%" PRIx64
			      " is not 4 KiB aligned",
			      base);
	if (size & ~SM_PAGE_MASK)
		return sm_err(eb, SMMUSIM_EINVAL,
			      "physmem: RAM size 0x%" PRIx64
			      " is not a multiple of 4 KiB",
			      size);
	/* base + size must neither wrap nor exceed what a 48-bit output
	 * address can name, or the tables could not map all of RAM. */
	if (base >= SM_PA_LIMIT || size > SM_PA_LIMIT - base)
		return sm_err(eb, SMMUSIM_EINVAL,
			      "physmem: RAM [0x%" PRIx64 ", +0x%" PRIx64
			      ") does not fit in a 48-bit physical address "
			      "space",
			      base, size);

	nframes = size >> SM_PAGE_SHIFT;
	/* Frame indices live in 32-bit free-list links (16 TiB of RAM). */
	if (nframes >= SM_FRAME_NIL)
		return sm_err(eb, SMMUSIM_EINVAL,
			      "physmem: RAM of %" PRIu64
			      " pages exceeds the model limit of %" PRIu32
			      " pages",
			      nframes, SM_FRAME_NIL - 1);
	if (nframes > SIZE_MAX / sizeof(struct sm_frame))
		return sm_err(eb, SMMUSIM_EINVAL,
			      "physmem: RAM of %" PRIu64
			      " pages is too large for this host",
			      nframes);

	pm = sm_calloc(a, sizeof(*pm));
	if (!pm)
		return sm_err(eb, SMMUSIM_ENOMEM,
			      "physmem: cannot allocate the memory object");
	/* No chunk yet, and a directory of the first few (it grows as the
	 * bump pointer does); calloc makes each chunk's frames SM_PAGE_FREE
	 * with no content when it is reached. */
	uint64_t all = (nframes + SM_CHUNK_FRAMES - 1) >> SM_CHUNK_SHIFT;
	pm->nchunks = all < 4 ? (size_t)all : 4;
	pm->chunks = sm_calloc(a, pm->nchunks * sizeof(*pm->chunks));
	if (!pm->chunks) {
		sm_free(a, pm, sizeof(*pm));
		return sm_err(
		    eb, SMMUSIM_ENOMEM,
		    "physmem: cannot allocate the frame table of %" PRIu64
		    " frames (%" PRIu64 " MiB of simulated RAM)",
		    nframes, size >> 20);
	}
	pm->a = a;
	pm->base = base;
	pm->size = size;
	pm->nframes = nframes;
	pm->free_head = SM_FRAME_NIL;
	pm->bump = 0;
	*out = pm;
	return 0;
}

void sm_physmem_free(struct sm_physmem *pm)
{
	uint64_t i;

	if (!pm)
		return;
	/* Only frames below the bump pointer can have content. */
	for (i = 0; i < pm->bump; i++)
		drop_content(pm, frame(pm, i));
	for (i = 0; i < pm->nchunks; i++)
		sm_free(pm->a, pm->chunks[i],
			SM_CHUNK_FRAMES * sizeof(struct sm_frame));
	sm_free(pm->a, pm->chunks, (size_t)pm->nchunks * sizeof(*pm->chunks));
	sm_free(pm->a, pm, sizeof(*pm));
}

static int enomem(const struct sm_physmem *pm, struct sm_errbuf *eb,
		  uint64_t npages, uint64_t align_pages)
{
	/* Say how much RAM is configured, in the largest exact unit, so the
	 * user knows which knob to turn. */
	int mib = (pm->size & ((1ull << 20) - 1)) == 0;

	return sm_err(eb, SMMUSIM_ENOMEM,
		      "simulated RAM exhausted: no %" PRIu64
		      " page(s) aligned to %" PRIu64 " page(s) left; %" PRIu64
		      " %s (%" PRIu64 " pages) of RAM configured at 0x%" PRIx64
		      ", %" PRIu64 " in use%s",
		      npages, align_pages, pm->size >> (mib ? 20 : 10),
		      mib ? "MiB" : "KiB", pm->nframes, pm->base, pm->in_use,
		      npages > 1 ? " (contiguous runs come only from "
				   "never-used RAM)"
				 : "");
}

/* The arguments every allocation checks: a memory, somewhere to put the
 * address, and a kind of page that can be allocated (`what`: "a page" or
 * "pages", for the message). */
static int check_alloc(const struct sm_physmem *pm, const uint64_t *pa,
		       enum sm_page_kind kind, const char *what,
		       struct sm_errbuf *eb)
{
	if (!pm || !pa)
		return sm_err(eb, SMMUSIM_EINVAL, "physmem: NULL argument");
	if (!valid_alloc_kind(kind))
		return sm_err(eb, SMMUSIM_EINVAL,
			      "physmem: cannot allocate %s of kind %d", what,
			      (int)kind);
	return 0;
}

int sm_physmem_alloc(struct sm_physmem *pm, enum sm_page_kind kind,
		     uint64_t *pa, struct sm_errbuf *eb)
{
	uint64_t idx;
	int rc = check_alloc(pm, pa, kind, "a page", eb);
	if (rc < 0)
		return rc;

	struct sm_frame *f;
	if (pm->free_head != SM_FRAME_NIL) {
		idx = pm->free_head;
		f = frame(pm, idx);
		pm->free_head = f->next;
	} else if (pm->bump < pm->nframes) {
		if ((rc = reach_frames(pm, pm->bump, pm->bump + 1, eb)) < 0)
			return rc;
		idx = pm->bump++;
		f = frame(pm, idx);
	} else {
		return enomem(pm, eb, 1, 1);
	}
	mark_used_frame(pm, f, kind);
	*pa = frame_pa(pm, idx);
	return 0;
}

int sm_physmem_alloc_contig(struct sm_physmem *pm, uint64_t npages,
			    uint64_t align_pages, enum sm_page_kind kind,
			    uint64_t *pa, struct sm_errbuf *eb)
{
	uint64_t base_pfn, pfn, start, i;
	int rc = check_alloc(pm, pa, kind, "pages", eb);
	if (rc < 0)
		return rc;
	if (npages == 0)
		return sm_err(eb, SMMUSIM_EINVAL,
			      "physmem: contiguous allocation of 0 pages");
	if (align_pages == 0 || (align_pages & (align_pages - 1)))
		return sm_err(eb, SMMUSIM_EINVAL,
			      "physmem: alignment of %" PRIu64
			      " pages is not a power of 2",
			      align_pages);
	if (npages > pm->nframes ||
	    align_pages > (SM_PA_LIMIT >> SM_PAGE_SHIFT))
		return enomem(pm, eb, npages, align_pages);

	/* Align the physical address (not the frame index): RAM need not
	 * start on a block boundary.  pfn + align_pages cannot overflow since
	 * both are at most 2^36 (48-bit PA, 4 KiB frames). */
	base_pfn = pm->base >> SM_PAGE_SHIFT;
	pfn = base_pfn + pm->bump;
	pfn = (pfn + align_pages - 1) & ~(align_pages - 1);
	start = pfn - base_pfn;
	if (start > pm->nframes || npages > pm->nframes - start)
		return enomem(pm, eb, npages, align_pages);
	if ((rc = reach_frames(pm, pm->bump, start + npages, eb)) < 0)
		return rc;

	/* Frames skipped for alignment go to the free list, highest first, so
	 * the lowest of them is handed out first. */
	for (i = start; i > pm->bump; i--)
		push_free(pm, i - 1);
	for (i = 0; i < npages; i++)
		mark_used(pm, start + i, kind);
	pm->bump = start + npages;
	*pa = frame_pa(pm, start);
	return 0;
}

void sm_physmem_free_page(struct sm_physmem *pm, uint64_t pa)
{
	struct sm_frame *f;

	if (!pm)
		return;
	f = sm_physmem_frame_of(pm, pa);
	/* An unaligned address is a caller bug as much as a double free. */
	if (!f || (pa & ~SM_PAGE_MASK) || f->kind == SM_PAGE_FREE) {
		pm->bad_frees++;
		return;
	}
	drop_content(pm, f);
	push_free_frame(pm, f, (pa - pm->base) >> SM_PAGE_SHIFT);
	pm->in_use--;
}

void sm_physmem_write64_slow(struct sm_physmem *pm, uint64_t pa, uint64_t val)
{
	struct sm_frame *f = sm_physmem_frame_of(pm, pa);
	if (!f || f->kind == SM_PAGE_FREE)
		return;
	if (!f->content) {
		/* A zero write to an unmaterialised frame changes nothing. */
		if (val == 0)
			return;
		f->content = sm_calloc(pm->a, SM_PAGE_SIZE);
		if (!f->content) {
			pm->lost_write = true;
			return;
		}
	}
	f->content[(pa & (SM_PAGE_SIZE - 1)) >> 3] = val;
	pm->pgt_gen++;
}

uint64_t sm_physmem_base(const struct sm_physmem *pm)
{
	return pm->base;
}

uint64_t sm_physmem_size(const struct sm_physmem *pm)
{
	return pm->size;
}

struct sm_physmem_usage sm_physmem_usage(const struct sm_physmem *pm)
{
	return (struct sm_physmem_usage){
	    .in_use = pm->in_use, .peak = pm->peak, .bad_frees = pm->bad_frees};
}
