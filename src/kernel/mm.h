/* SPDX-License-Identifier: MIT */
/*
 * Process address spaces (include/linux/mm_types.h, include/linux/mm.h):
 * the mm_struct, its VMAs, the syscalls that change them and the page
 * fault handler.
 *
 * The code is in mm/, split as Linux's mm/ is:
 *   mmap.c      mm lifetime (create, exit_mmap), VMAs, mmap and munmap
 *   mprotect.c  change_protection
 *   memory.c    handle_mm_fault, zapping page ranges, the mmu_gather
 *               sequence that unmapping shares
 *   madvise.c   madvise(MADV_DONTNEED)
 *   vmscan.c    page reclaim with the batched, deferred TLB flush
 *   internal.h  what those files share (mm/internal.h)
 */
#ifndef SM_KERNEL_MM_H
#define SM_KERNEL_MM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <smmusim/config.h>
#include <smmusim/event.h>

#include "hw/mem/pgtable.h"

struct sm_os;
struct sm_stats;
struct sm_hist;
struct sm_mn_sub;

/* A shared mapping's backing "file": its pages stay in the page cache
 * until the last VMA using it goes. */
struct sm_file {
	uint32_t refs;
	uint64_t npages;
	uint64_t *pages; /* PA per page, 0 = not in the page cache yet */
};

/* sm_find_vma's cache (struct sm_mm.vma_cache): slots, and the va shift
 * that picks one (64 KiB: a slot per 16 pages of a 2 MiB window). */
#define SM_VMA_CACHE_SLOTS 32u
#define SM_VMA_CACHE_SHIFT 16

#define SM_MM_CACHE_SLOTS 16u

/* vm_area_struct */
struct sm_vma {
	uint64_t start, end;
	unsigned prot; /* SMMUSIM_PROT_* */
	bool shared;
	/* host time, during an mprotect only: its prot was already the
	 * new one (mprotect.c) */
	bool prot_same;
	struct sm_file *file; /* shared mappings */
	uint64_t pgoff;	      /* page index of start in file */
};

/* mm_struct */
struct sm_mm {
	uint32_t id;
	bool live;
	uint16_t asid;
	uint64_t pgd;
	struct sm_vma *vma; /* sorted by address */
	size_t nvma, cap;
	/* host time: where sm_find_vma last found a VMA, by 64 KiB of va
	 * (SM_VMA_CACHE_SHIFT): an index into vma, trusted only when that VMA
	 * holds va, so no VMA change needs to reset it (internal.h). */
	uint32_t vma_cache[SM_VMA_CACHE_SLOTS];
	/* host time: the tables the last page fault went down
	 * (sm_pgt_get_path; memory.c, handle_pte_fault). */
	struct sm_pgt_path pte_path;
	struct sm_mn_sub *subs;
	uint64_t rss;
	/* SVA pins the ASID (arm64_mm_context_get) so that it is not reused
	 * while a CD still names it; freed at exit or last unpin. */
	uint32_t asid_pins;
	/* mm_count: holders of the struct besides the process itself (an
	 * mmu notifier's mmgrab); an exited mm is freed when it drops to 0. */
	uint32_t mm_count;
};

/* The memory-management side of the kernel object (struct sm_os.mm). */
struct sm_mm_state {
	struct sm_mm **mms; /* the live mms, found by id */
	/* host time: sm_os_find_mm's last finds, by id % SM_MM_CACHE_SLOTS
	 * (live mms only) */
	struct sm_mm *by_id[SM_MM_CACHE_SLOTS];
	size_t nmm, capmm;
	struct sm_mm **dead; /* exited mms still grabbed (mm_count > 0) */
	size_t ndead, capdead;
	uint64_t zero_page;
	uint64_t lat_fault, lat_pte, lat_syscall;
	uint64_t max_event_pages; /* sim.max_event_pages */
	/* policy.mm.free_before_secondary_flush (a bug switch) */
	bool free_before_secondary_flush;
	uint64_t *ctr;		     /* the stats by ID (engine/stats.h) */
	struct sm_hist *const *hist; /* the histograms by ID */
};

/* Counters, latencies and the shared zero page; sm_mm_fini frees every
 * mm. */
int sm_mm_init(struct sm_os *os, const smmusim_config_t *cfg,
	       struct sm_stats *st);
void sm_mm_fini(struct sm_os *os);

/* The live mm `id`, NULL if none (sm_os_find_mm, kernel.h, on os->mm).
 * Host time: the one found last for id's slot of by_id is tried first,
 * inline (a live mm's id is unique; an exiting mm leaves its slot); the
 * search of the list is mmap.c's, which fills the slot. */
struct sm_mm *sm_mm_find_listed(struct sm_mm_state *ms, uint32_t id);
static inline struct sm_mm *sm_mm_find(struct sm_mm_state *ms, uint32_t id)
{
	struct sm_mm *mm = ms->by_id[id % SM_MM_CACHE_SLOTS];
	if (mm && mm->id == id)
		return mm;
	return sm_mm_find_listed(ms, id);
}
/* mmgrab / mmdrop (include/linux/sched/mm.h): keep the struct of an mm
 * that may exit meanwhile; the last drop after exit frees it
 * (sm_mm_free_dropped, mmap.c; inline for the common case, host time:
 * every CPU access holds its mm). */
void sm_mm_free_dropped(struct sm_os *os, struct sm_mm *mm);
static inline void sm_mmgrab(struct sm_mm *mm)
{
	mm->mm_count++;
}
static inline void sm_mmdrop(struct sm_os *os, struct sm_mm *mm)
{
	if (--mm->mm_count || mm->live)
		return;
	sm_mm_free_dropped(os, mm);
}

/* Syscalls and process lifetime.  `pe` is the PE the call runs on.
 * Failures (an unknown mm, an unaligned address) return a negative code
 * with a message in os->eb. */
int sm_os_mm_create(struct sm_os *os, uint32_t id, uint64_t *t);
int sm_os_mmap(struct sm_os *os, uint32_t id, unsigned pe, uint64_t va,
	       uint64_t len, unsigned prot, bool shared, uint64_t *t);
int sm_os_munmap(struct sm_os *os, uint32_t id, unsigned pe, uint64_t va,
		 uint64_t len, uint64_t *t);
int sm_os_mprotect(struct sm_os *os, uint32_t id, unsigned pe, uint64_t va,
		   uint64_t len, unsigned prot, uint64_t *t);
int sm_os_mm_exit(struct sm_os *os, uint32_t id, unsigned pe, uint64_t *t);
/* madvise(MADV_DONTNEED): drop the pages of a mapped range. */
int sm_os_madvise_dontneed(struct sm_os *os, uint32_t id, unsigned pe,
			   uint64_t va, uint64_t len, uint64_t *t);
/* Page reclaim of the present pages of [va, va+len) with the batched,
 * deferred TLB flush (try_to_unmap + try_to_unmap_flush). */
int sm_os_reclaim(struct sm_os *os, uint32_t id, unsigned pe, uint64_t va,
		  uint64_t len, uint64_t *t);

/* handle_mm_fault (mm/memory.c) for a CPU fault or a device page request.
 * *ok says whether the fault was resolved (false: SIGSEGV for a CPU, a
 * failure response for a device). */
int sm_os_handle_mm_fault(struct sm_os *os, struct sm_mm *mm, unsigned pe,
			  uint64_t va, enum smmusim_access acc, bool remote,
			  bool *ok, uint64_t *t);

#endif
