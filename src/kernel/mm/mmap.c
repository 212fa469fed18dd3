/* SPDX-License-Identifier: MIT */
/*
 * Address spaces and their VMAs, modelled on mm/mmap.c (do_mmap with
 * MAP_FIXED, do_vmi_munmap, split_vma, find_vma, exit_mmap) and
 * kernel/fork.c (mm_alloc) as of v6.6.
 *
 * VMAs are a sorted array per mm rather than a maple tree.  Shared mappings
 * are backed by a per-mapping "file" whose pages stay in the page cache
 * until the last VMA using it goes.  There is no fork, so every private
 * page is exclusive to its mm.  An exited mm leaves the list of live mms
 * at once; its struct is freed then, or, while an mmu notifier still
 * holds it (mmgrab by __mmu_notifier_register, mm/mmu_notifier.c), at the
 * last mmdrop (kernel/fork.c, __mmdrop).
 */
#include <inttypes.h>
#include <string.h>

#include <smmusim/error.h>

#include "base/alloc.h"
#include "base/vec.h"
#include "engine/config.h"
#include "hw/mem/pgtable.h"
#include "kernel/mm/internal.h"

/* ---- the mms ---- */

int sm_mm_init(struct sm_os *os, const smmusim_config_t *cfg,
	       struct sm_stats *st)
{
	struct sm_mm_state *ms = &os->mm;
	ms->lat_fault = sm_cfg_u64(cfg, SM_K_OS_LAT_FAULT);
	ms->lat_pte = sm_cfg_u64(cfg, SM_K_OS_LAT_PTE);
	ms->lat_syscall = sm_cfg_u64(cfg, SM_K_OS_LAT_SYSCALL);
	ms->max_event_pages = sm_cfg_u64(cfg, SM_K_SIM_MAX_EVENT_PAGES);
	ms->free_before_secondary_flush =
	    sm_cfg_bool(cfg, SM_K_POLICY_MM_FREE_BEFORE_SECONDARY_FLUSH);
	ms->ctr = sm_stats_ctrs(st);
	ms->hist = sm_stats_hists(st);
	return sm_physmem_alloc(os->pm, SM_PAGE_ZERO, &ms->zero_page, os->eb);
}

/* A file's pages leave the page cache with its last VMA; every mapping of
 * them was zapped and flushed before (root 0: nothing for the oracle to
 * check against). */
static void file_put(struct sm_os *os, struct sm_file *f)
{
	if (!f || --f->refs)
		return;
	for (uint64_t i = 0; i < f->npages; i++)
		if (f->pages[i])
			sm_free_data_page(os, 0, 0, f->pages[i], 0);
	sm_free(os->alloc, f->pages, f->npages * sizeof(*f->pages));
	sm_free(os->alloc, f, sizeof(*f));
}

static void mm_destroy(struct sm_os *os, struct sm_mm *mm)
{
	for (size_t i = 0; i < mm->nvma; i++)
		file_put(os, mm->vma[i].file);
	sm_free(os->alloc, mm->vma, mm->cap * sizeof(*mm->vma));
	sm_free(os->alloc, mm, sizeof(*mm));
}

void sm_mm_fini(struct sm_os *os)
{
	struct sm_mm_state *ms = &os->mm;
	for (size_t i = 0; i < ms->nmm; i++)
		mm_destroy(os, ms->mms[i]);
	for (size_t i = 0; i < ms->ndead; i++)
		mm_destroy(os, ms->dead[i]);
	sm_free(os->alloc, ms->mms, ms->capmm * sizeof(*ms->mms));
	sm_free(os->alloc, ms->dead, ms->capdead * sizeof(*ms->dead));
	ms->mms = NULL;
	ms->dead = NULL;
}

struct sm_mm *sm_mm_find_listed(struct sm_mm_state *ms, uint32_t id)
{
	for (size_t i = 0; i < ms->nmm; i++)
		if (ms->mms[i]->id == id)
			return ms->by_id[id % SM_MM_CACHE_SLOTS] = ms->mms[i];
	return NULL;
}

/* Take mm out of list[0..*n) (it is there), keeping the order. */
static void mm_list_remove(struct sm_mm **list, size_t *n, struct sm_mm *mm)
{
	size_t i = 0;
	while (list[i] != mm)
		i++;
	memmove(&list[i], &list[i + 1], (*n - i - 1) * sizeof(*list));
	(*n)--;
}

void sm_mm_free_dropped(struct sm_os *os, struct sm_mm *mm)
{
	mm_list_remove(os->mm.dead, &os->mm.ndead, mm);
	mm_destroy(os, mm);
}

/* ---- syscall entry ---- */

static int need_mm(struct sm_os *os, uint32_t id, struct sm_mm **out)
{
	*out = sm_os_find_mm(os, id);
	return *out ? 0
		    : sm_os_no_such(os, "mm", id,
				    "mm_create it first; exited mms are gone");
}

static int check_pe(struct sm_os *os, unsigned pe)
{
	if (pe >= os->cpu->n)
		return sm_err(os->eb, SMMUSIM_ERANGE,
			      "cpu=%u is out of range (cpu.count=%u: 0..%u)",
			      pe, os->cpu->n, os->cpu->n - 1);
	return 0;
}

static int check_range(struct sm_os *os, uint64_t va, uint64_t len,
		       uint64_t *end)
{
	if (va & (SM_PAGE_SIZE - 1))
		return sm_err(os->eb, SMMUSIM_EINVAL,
			      "va=0x%" PRIx64 " is not page aligned (4K)", va);
	if (!len)
		return sm_err(os->eb, SMMUSIM_EINVAL, "len must be > 0");
	uint64_t rounded = (len + SM_PAGE_SIZE - 1) & SM_PAGE_MASK;
	if (rounded < len || va + rounded < va || va + rounded > SM_USER_VA_END)
		return sm_err(os->eb, SMMUSIM_ERANGE,
			      "[0x%" PRIx64 ", +0x%" PRIx64
			      ") goes beyond the 48-bit user address space",
			      va, len);
	*end = va + rounded;
	return 0;
}

int sm_syscall_enter(struct sm_os *os, uint32_t id, unsigned pe, uint64_t va,
		     uint64_t len, unsigned flags, struct sm_mm **mm,
		     uint64_t *end, uint64_t *t)
{
	int rc;
	if ((rc = need_mm(os, id, mm)) < 0 || (rc = check_pe(os, pe)) < 0 ||
	    (rc = check_range(os, va, len, end)) < 0)
		return rc;
	if ((flags & SM_SYS_MAPPED) &&
	    (rc = sm_need_mapped(os, *mm, va, *end)) < 0)
		return rc;
	if (flags & SM_SYS_COST)
		sm_syscall_cost(os, t);
	return 0;
}

void sm_syscall_cost(struct sm_os *os, uint64_t *t)
{
	SM_INC(os->mm.ctr, OS_SYSCALLS);
	*t += os->mm.lat_syscall;
}

int sm_need_mapped(struct sm_os *os, struct sm_mm *mm, uint64_t va,
		   uint64_t end)
{
	/* The VMAs are sorted and disjoint: after v, the first ending above
	 * v->end is the next one, mapped from there if it starts there (what
	 * sm_find_vma(v->end) says, without a search: host time). */
	struct sm_vma *v = va < end ? sm_find_vma(mm, va) : NULL;
	for (uint64_t a = va; a < end;) {
		if (!v)
			return sm_err(os->eb, SMMUSIM_EINVAL,
				      "0x%" PRIx64
				      " is not mapped in mm=%" PRIu32
				      " (Linux returns ENOMEM)",
				      a, mm->id);
		a = v->end;
		size_t i = (size_t)(v - mm->vma) + 1;
		v = i < mm->nvma && mm->vma[i].start <= a ? &mm->vma[i] : NULL;
	}
	return 0;
}

/* ---- VMAs ---- */

size_t sm_vma_lower_bound(const struct sm_mm *mm, uint64_t va)
{
	/* The VMA holding va is the first ending above it: the one sm_find_vma
	 * last found in va's cache slot, if it holds va (host time). */
	uint32_t c = mm->vma_cache[sm_vma_cache_slot(va)];
	if (c < mm->nvma && mm->vma[c].start <= va && va < mm->vma[c].end)
		return c;
	if (!mm->nvma)
		return 0;
	/* A binary search without a branch on the comparison (host time: it
	 * is taken at random). */
	const struct sm_vma *b = mm->vma;
	for (size_t n = mm->nvma; n > 1; n -= n / 2)
		b = b[n / 2].end <= va ? b + n / 2 : b;
	return (size_t)(b - mm->vma) + (b->end <= va);
}

/* The first VMA ending above va, if it starts at or below va (find_vma +
 * the start check), remembered in the cache slot (internal.h). */
struct sm_vma *sm_find_vma_search(struct sm_mm *mm, uint64_t va, uint32_t *slot)
{
	size_t lo = sm_vma_lower_bound(mm, va);
	if (lo < mm->nvma && mm->vma[lo].start <= va) {
		*slot = (uint32_t)lo;
		return &mm->vma[lo];
	}
	return NULL;
}

static int vma_insert_at(struct sm_os *os, struct sm_mm *mm, size_t i,
			 const struct sm_vma *v)
{
	if (SM_VEC_RESERVE(os->alloc, mm->vma, mm->cap, mm->nvma + 1, 8))
		return sm_err(os->eb, SMMUSIM_ENOMEM, "out of memory for VMAs");
	memmove(&mm->vma[i + 1], &mm->vma[i],
		(mm->nvma - i) * sizeof(*mm->vma));
	mm->vma[i] = *v;
	mm->nvma++;
	return 0;
}

int sm_split_vma(struct sm_os *os, struct sm_mm *mm, uint64_t addr)
{
	struct sm_vma *v = sm_find_vma(mm, addr); /* the only one holding it */
	if (!v || v->start == addr)
		return 0;
	size_t i = (size_t)(v - mm->vma);
	struct sm_vma tail = *v;
	tail.start = addr;
	tail.pgoff += (addr - v->start) >> SM_PAGE_SHIFT;
	if (tail.file)
		tail.file->refs++;
	mm->vma[i].end = addr;
	return vma_insert_at(os, mm, i + 1, &tail);
}

/* Remove VMAs inside [start, end) (boundaries already split: they are the
 * run from the first ending above start). */
static void vma_remove_range(struct sm_os *os, struct sm_mm *mm, uint64_t start,
			     uint64_t end)
{
	size_t i = sm_vma_lower_bound(mm, start), j = i;
	while (j < mm->nvma && mm->vma[j].start >= start &&
	       mm->vma[j].end <= end)
		file_put(os, mm->vma[j++].file);
	memmove(&mm->vma[i], &mm->vma[j], (mm->nvma - j) * sizeof(*mm->vma));
	mm->nvma -= j - i;
}

static bool range_overlaps(const struct sm_mm *mm, uint64_t start, uint64_t end)
{
	size_t i = sm_vma_lower_bound(mm, start);
	return i < mm->nvma && mm->vma[i].start < end;
}

/* ---- mm_create, mmap, munmap ---- */

int sm_os_mm_create(struct sm_os *os, uint32_t id, uint64_t *t)
{
	struct sm_mm_state *ms = &os->mm;
	if (sm_os_find_mm(os, id))
		return sm_err(os->eb, SMMUSIM_EEXIST,
			      "mm=%" PRIu32 " already exists", id);
	if (SM_VEC_RESERVE(os->alloc, ms->mms, ms->capmm, ms->nmm + 1, 8))
		return sm_err(os->eb, SMMUSIM_ENOMEM, "out of memory");
	struct sm_mm *mm = sm_calloc(os->alloc, sizeof(*mm));
	if (!mm)
		return sm_err(os->eb, SMMUSIM_ENOMEM, "out of memory");
	mm->id = id;
	int rc = sm_asid_alloc(os, &mm->asid);
	if (rc == 0)
		rc = sm_pgt_new_root(os->pm, &mm->pgd, os->eb);
	if (rc < 0) {
		if (mm->asid)
			sm_asid_free(os, mm->asid);
		sm_free(os->alloc, mm, sizeof(*mm));
		return rc;
	}
	mm->live = true;
	ms->mms[ms->nmm++] = mm;
	sm_syscall_cost(os, t);
	return 0;
}

static int do_munmap(struct sm_os *os, struct sm_mm *mm, unsigned pe,
		     uint64_t start, uint64_t end, uint64_t *t)
{
	int rc;
	if (!range_overlaps(mm, start, end))
		return 0;
	if ((rc = sm_split_vma(os, mm, start)) < 0 ||
	    (rc = sm_split_vma(os, mm, end)) < 0)
		return rc;
	rc = sm_zap_and_flush(os, mm, pe, SM_MN_UNMAP, start, end, t);
	if (rc == 0)
		vma_remove_range(os, mm, start, end);
	return rc;
}

int sm_os_munmap(struct sm_os *os, uint32_t id, unsigned pe, uint64_t va,
		 uint64_t len, uint64_t *t)
{
	struct sm_mm *mm = NULL;
	uint64_t end = 0;
	int rc =
	    sm_syscall_enter(os, id, pe, va, len, SM_SYS_COST, &mm, &end, t);
	return rc < 0 ? rc : do_munmap(os, mm, pe, va, end, t);
}

/* A shared mapping's page cache is an array of its pages: its size is
 * bounded like any event's work, before MAP_FIXED unmaps anything. */
static int check_shared_pages(struct sm_os *os, uint64_t npages)
{
	if (npages > os->mm.max_event_pages)
		return sm_err(os->eb, SMMUSIM_ERANGE,
			      "map=shared over %" PRIu64
			      " pages; a shared mapping may have 1..%" PRIu64
			      " pages (sim.max_event_pages: its page cache is "
			      "an array of its pages)",
			      npages, os->mm.max_event_pages);
	return 0;
}

/* The page-cache "file" behind a new shared mapping of npages. */
static int file_new(struct sm_os *os, uint64_t npages, struct sm_file **out)
{
	struct sm_file *f = sm_calloc(os->alloc, sizeof(*f));
	if (!f)
		return sm_err(os->eb, SMMUSIM_ENOMEM, "out of memory");
	f->refs = 1;
	f->npages = npages;
	f->pages = sm_calloc(os->alloc, npages * sizeof(*f->pages));
	if (!f->pages) {
		sm_free(os->alloc, f, sizeof(*f));
		return sm_err(os->eb, SMMUSIM_ENOMEM,
			      "out of memory for a %" PRIu64
			      "-page shared mapping",
			      npages);
	}
	*out = f;
	return 0;
}

int sm_os_mmap(struct sm_os *os, uint32_t id, unsigned pe, uint64_t va,
	       uint64_t len, unsigned prot, bool shared, uint64_t *t)
{
	struct sm_mm *mm;
	uint64_t end;
	int rc;
	/* MAP_FIXED semantics: whatever was mapped there goes first. */
	if ((rc = sm_syscall_enter(os, id, pe, va, len, SM_SYS_COST, &mm, &end,
				   t)) < 0 ||
	    (shared &&
	     (rc = check_shared_pages(os, (end - va) >> SM_PAGE_SHIFT)) < 0) ||
	    (rc = do_munmap(os, mm, pe, va, end, t)) < 0)
		return rc;

	struct sm_vma v = {
	    .start = va, .end = end, .prot = prot, .shared = shared};
	if (shared &&
	    (rc = file_new(os, (end - va) >> SM_PAGE_SHIFT, &v.file)) < 0)
		return rc;
	/* [va, end) is free now: the first VMA ending above va starts at or
	 * after end, and v goes before it. */
	rc = vma_insert_at(os, mm, sm_vma_lower_bound(mm, va), &v);
	if (rc < 0)
		file_put(os, v.file);
	return rc;
}

/* ---- exit ---- */

int sm_os_mm_exit(struct sm_os *os, uint32_t id, unsigned pe, uint64_t *t)
{
	struct sm_mm_state *ms = &os->mm;
	struct sm_mm *mm;
	int rc;
	if ((rc = need_mm(os, id, &mm)) < 0 || (rc = check_pe(os, pe)) < 0)
		return rc;
	/* Room to keep the struct if it is still grabbed once exited (by a
	 * notifier, or by a task on another PE that grabs it while this exit
	 * waits: reserved whatever mm_count says now). */
	if (SM_VEC_RESERVE(os->alloc, ms->dead, ms->capdead, ms->ndead + 1, 8))
		return sm_err(os->eb, SMMUSIM_ENOMEM, "out of memory");
	sm_syscall_cost(os, t);
	/* exit_mmap(): release the notifiers (the SVA one quiets its CDs and
	 * invalidates the ASID), unmap everything, flush the whole ASID
	 * (fullmm), free pages and page tables. */
	if ((rc = sm_mn_release(os, mm, t)) < 0)
		return rc;
	struct sm_zap z;
	rc = sm_zap_range(os, mm, 0, SM_USER_VA_END, &z, t);
	if (rc == 0 && z.sp.ptes)
		sm_mm_window_open(os, mm, z.sp.lo, z.sp.hi, *t);
	if (rc == 0)
		rc = sm_flush_tlb_mm(os, mm, pe, t);
	if (rc == 0 && z.sp.ptes)
		sm_mm_window_close(os, mm, z.sp.lo, z.sp.hi, *t);
	sm_zap_finish(os, &z, *t);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < mm->nvma; i++)
		file_put(os, mm->vma[i].file);
	mm->nvma = 0;
	sm_pgt_free_tables(os->pm, mm->pgd);
	/* No longer found by id (the id may be created again); the struct
	 * goes now or at the last mmdrop. */
	mm->live = false;
	sm_os_put_asid(os, mm);
	mm_list_remove(ms->mms, &ms->nmm, mm);
	if (ms->by_id[id % SM_MM_CACHE_SLOTS] == mm)
		ms->by_id[id % SM_MM_CACHE_SLOTS] = NULL;
	if (mm->mm_count)
		ms->dead[ms->ndead++] = mm;
	else
		mm_destroy(os, mm);
	return 0;
}
