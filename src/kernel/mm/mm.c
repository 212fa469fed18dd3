/* SPDX-License-Identifier: MIT */
/*
 * Process address spaces: VMAs, mmap/munmap/mprotect/exit, and the page
 * fault handler, modelled on mm/mmap.c, mm/mprotect.c, mm/memory.c and the
 * arm64 PTE helpers (arch/arm64/include/asm/pgtable.h).
 *
 * PTEs are real arm64 descriptors with Linux's software bits: a page the
 * kernel considers writable has PTE_WRITE (the DBM bit, which the hardware
 * ignores without FEAT_HAFDBS, not modelled); it is writable to the hardware
 * only when PTE_RDONLY is clear, which Linux does once the page is dirty.
 * So a clean page of a shared file mapping is read-only to every walker
 * until the first write fault upgrades it through ptep_set_access_flags()
 * and flush_tlb_page(): the flush the SMMU must hear about.
 *
 * Private anonymous memory: a read fault maps the shared zero page
 * read-only; a write fault allocates a page, or copies the zero page (COW,
 * through ptep_clear_flush).  There is no fork, so every other private page
 * is exclusive.  Shared mappings are backed by a per-mapping "file" whose
 * pages stay in the page cache until the last VMA using it goes.
 */
#include <inttypes.h>
#include <string.h>

#include <smmusim/error.h>
#include <smmusim/event.h>

#include "base/alloc.h"
#include "engine/config.h"
#include "hw/mem/pgtable.h"
#include "kernel/kernel.h"

#define USER_VA_END (1ull << SM_VA_BITS)

/* ---- PTE helpers (pgtable.h semantics) ---- */

static bool pte_present(uint64_t d)
{
	return d & (PTE_VALID | PTE_PROT_NONE);
}

static bool pte_hw_writable(uint64_t d)
{
	return (d & PTE_VALID) && !(d & PTE_RDONLY);
}

static bool pte_dirty(uint64_t d)
{
	return (d & PTE_DIRTY) || ((d & PTE_WRITE) && !(d & PTE_RDONLY));
}

/* A user page PTE.  writable: hardware-writable (implies dirty: Linux
 * makes a PTE writable only through pte_mkdirty or for a dirty page). */
static uint64_t mk_user_pte(uint64_t pa, unsigned prot, bool writable)
{
	uint64_t d = (pa & PTE_ADDR_MASK) | PTE_TYPE_PAGE | PTE_USER | PTE_AF |
		     PTE_NG | PTE_SHARED | PTE_PXN;
	if (!(prot & SMMUSIM_PROT_X))
		d |= PTE_UXN;
	if (writable)
		d |= PTE_WRITE | PTE_DIRTY;
	else
		d |= PTE_RDONLY;
	return d;
}

/* PAGE_NONE: not valid to the hardware, still present to Linux. */
static uint64_t mk_prot_none(uint64_t old)
{
	return (old & (PTE_ADDR_MASK | PTE_DIRTY)) | PTE_PROT_NONE |
	       PTE_RDONLY | PTE_NG | PTE_PXN | PTE_UXN | PTE_AF | PTE_SHARED |
	       (PTE_TYPE_PAGE & ~PTE_VALID);
}

/* ---- mm bookkeeping ---- */

struct sm_mm *sm_os_find_mm(struct sm_os *os, uint32_t id)
{
	for (size_t i = 0; i < os->mm.nmm; i++)
		if (os->mm.mms[i]->live && os->mm.mms[i]->id == id)
			return os->mm.mms[i];
	return NULL;
}

static int need_mm(struct sm_os *os, uint32_t id, struct sm_mm **out)
{
	*out = sm_os_find_mm(os, id);
	if (!*out)
		return sm_err(os->eb, SMMUSIM_ENOENT,
			      "mm=%" PRIu32 " does not exist (mm_create it "
			      "first; exited mms are gone)",
			      id);
	return 0;
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
	if (rounded < len || va + rounded < va || va + rounded > USER_VA_END)
		return sm_err(os->eb, SMMUSIM_ERANGE,
			      "[0x%" PRIx64 ", +0x%" PRIx64
			      ") goes beyond the 48-bit user address space",
			      va, len);
	*end = va + rounded;
	return 0;
}

static int alloc_page(struct sm_os *os, enum sm_page_kind kind, uint64_t *pa)
{
	int rc = sm_physmem_alloc(os->pm, kind, pa, os->eb);
	if (rc == 0 && kind == SM_PAGE_DATA)
		(*os->mm.st_pages_alloc)++;
	return rc;
}

static void free_data_page(struct sm_os *os, uint64_t pa)
{
	sm_physmem_free_page(os->pm, pa);
	(*os->mm.st_pages_freed)++;
}

static void file_put(struct sm_os *os, struct sm_file *f)
{
	if (!f || --f->refs)
		return;
	for (uint64_t i = 0; i < f->npages; i++)
		if (f->pages[i])
			free_data_page(os, f->pages[i]);
	sm_free(os->alloc, f->pages, f->npages * sizeof(*f->pages));
	sm_free(os->alloc, f, sizeof(*f));
}

static struct sm_vma *find_vma(struct sm_mm *mm, uint64_t va)
{
	size_t lo = 0, hi = mm->nvma;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (mm->vma[mid].end <= va)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < mm->nvma && mm->vma[lo].start <= va)
		return &mm->vma[lo];
	return NULL;
}

static int vma_insert_at(struct sm_os *os, struct sm_mm *mm, size_t i,
			 const struct sm_vma *v)
{
	if (mm->nvma == mm->cap) {
		size_t ncap = mm->cap ? mm->cap * 2 : 8;
		void *p =
		    sm_realloc(os->alloc, mm->vma, mm->cap * sizeof(*mm->vma),
			       ncap * sizeof(*mm->vma));
		if (!p)
			return sm_err(os->eb, SMMUSIM_ENOMEM,
				      "out of memory for VMAs");
		mm->vma = p;
		mm->cap = ncap;
	}
	memmove(&mm->vma[i + 1], &mm->vma[i],
		(mm->nvma - i) * sizeof(*mm->vma));
	mm->vma[i] = *v;
	mm->nvma++;
	return 0;
}

/* Make `addr` a VMA boundary (split_vma). */
static int vma_split(struct sm_os *os, struct sm_mm *mm, uint64_t addr)
{
	for (size_t i = 0; i < mm->nvma; i++) {
		struct sm_vma *v = &mm->vma[i];
		if (v->start < addr && addr < v->end) {
			struct sm_vma tail = *v;
			tail.start = addr;
			tail.pgoff += (addr - v->start) >> SM_PAGE_SHIFT;
			if (tail.file)
				tail.file->refs++;
			mm->vma[i].end = addr;
			return vma_insert_at(os, mm, i + 1, &tail);
		}
	}
	return 0;
}

/* Remove VMAs inside [start, end) (boundaries already split). */
static void vma_remove_range(struct sm_os *os, struct sm_mm *mm, uint64_t start,
			     uint64_t end)
{
	size_t w = 0;
	for (size_t i = 0; i < mm->nvma; i++) {
		struct sm_vma *v = &mm->vma[i];
		if (v->start >= start && v->end <= end) {
			file_put(os, v->file);
			continue;
		}
		mm->vma[w++] = *v;
	}
	mm->nvma = w;
}

static bool range_overlaps(const struct sm_mm *mm, uint64_t start, uint64_t end)
{
	for (size_t i = 0; i < mm->nvma; i++)
		if (mm->vma[i].start < end && mm->vma[i].end > start)
			return true;
	return false;
}

static void window_open(struct sm_os *os, struct sm_mm *mm, uint64_t start,
			uint64_t end, uint64_t t)
{
	if (os->hooks.window_open)
		os->hooks.window_open(os->hooks.ctx, mm->pgd, start, end, t);
}

static void window_close(struct sm_os *os, struct sm_mm *mm, uint64_t start,
			 uint64_t end, uint64_t t)
{
	if (os->hooks.window_close)
		os->hooks.window_close(os->hooks.ctx, mm->pgd, start, end, t);
}

static void syscall_cost(struct sm_os *os, uint64_t *t)
{
	(*os->mm.st_syscalls)++;
	*t += os->mm.lat_syscall;
}

/* ---- init ---- */

int sm_mm_init(struct sm_os *os, const smmusim_config_t *cfg,
	       struct sm_stats *st)
{
	struct sm_mm_state *ms = &os->mm;
	ms->lat_fault = sm_cfg_u64(cfg, SM_K_OS_LAT_FAULT);
	ms->lat_pte = sm_cfg_u64(cfg, SM_K_OS_LAT_PTE);
	ms->lat_syscall = sm_cfg_u64(cfg, SM_K_OS_LAT_SYSCALL);
	ms->st_faults_cpu = sm_stats_counter(st, "os.faults.cpu");
	ms->st_faults_dev = sm_stats_counter(st, "os.faults.device");
	ms->st_faults_bad = sm_stats_counter(st, "os.faults.unresolved");
	ms->st_cow = sm_stats_counter(st, "os.faults.cow");
	ms->st_upgrades = sm_stats_counter(st, "os.faults.upgrade");
	ms->st_spurious = sm_stats_counter(st, "os.faults.spurious");
	ms->st_pages_alloc = sm_stats_counter(st, "os.pages.allocated");
	ms->st_pages_freed = sm_stats_counter(st, "os.pages.freed");
	ms->st_syscalls = sm_stats_counter(st, "os.syscalls");
	ms->h_fault = sm_stats_hist(st, "os.fault.latency");
	if (!ms->h_fault)
		return sm_err(os->eb, SMMUSIM_ENOMEM, "out of memory");
	return sm_physmem_alloc(os->pm, SM_PAGE_ZERO, &ms->zero_page, os->eb);
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
	sm_free(os->alloc, ms->mms, ms->capmm * sizeof(*ms->mms));
	ms->mms = NULL;
}

int sm_os_mm_create(struct sm_os *os, uint32_t id, uint64_t *t)
{
	if (sm_os_find_mm(os, id))
		return sm_err(os->eb, SMMUSIM_EEXIST,
			      "mm=%" PRIu32 " already exists", id);
	if (os->mm.nmm == os->mm.capmm) {
		size_t ncap = os->mm.capmm ? os->mm.capmm * 2 : 8;
		void *p = sm_realloc(os->alloc, os->mm.mms,
				     os->mm.capmm * sizeof(*os->mm.mms),
				     ncap * sizeof(*os->mm.mms));
		if (!p)
			return sm_err(os->eb, SMMUSIM_ENOMEM, "out of memory");
		os->mm.mms = p;
		os->mm.capmm = ncap;
	}
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
	os->mm.mms[os->mm.nmm++] = mm;
	syscall_cost(os, t);
	return 0;
}

/* The checks every range syscall starts with, then its fixed cost. */
static int syscall_enter(struct sm_os *os, uint32_t id, unsigned pe,
			 uint64_t va, uint64_t len, struct sm_mm **mm,
			 uint64_t *end)
{
	int rc;
	if ((rc = need_mm(os, id, mm)) < 0 || (rc = check_pe(os, pe)) < 0 ||
	    (rc = check_range(os, va, len, end)) < 0)
		return rc;
	return 0;
}

/* ---- unmapping ---- */

/* The span [lo, hi) of PTEs an operation changed: what mmu_gather flushes. */
struct span {
	uint64_t lo, hi, ptes;
};

static void span_add(struct span *sp, uint64_t va)
{
	if (va < sp->lo)
		sp->lo = va;
	if (va + SM_PAGE_SIZE > sp->hi)
		sp->hi = va + SM_PAGE_SIZE;
	sp->ptes++;
}

struct unmap_ctx {
	struct sm_os *os;
	struct sm_mm *mm;
	uint64_t *free_pa;
	size_t nfree, capfree;
	struct span sp; /* cleared PTEs */
	int rc;
};

static int unmap_leaf(void *vctx, uint64_t va, int level, uint64_t desc,
		      uint64_t desc_pa)
{
	struct unmap_ctx *c = vctx;
	struct sm_os *os = c->os;
	(void)level;
	sm_physmem_write64(os->pm, desc_pa, 0);
	span_add(&c->sp, va);
	if (!pte_present(desc))
		return 0;
	uint64_t pa = desc & PTE_ADDR_MASK;
	struct sm_vma *v = find_vma(c->mm, va);
	/* Private pages are freed once the TLBs are flushed; shared pages
	 * stay in their file's page cache; the zero page is never freed. */
	if (pa == os->mm.zero_page || (v && v->shared))
		return 0;
	if (c->nfree == c->capfree) {
		size_t ncap = c->capfree ? c->capfree * 2 : 64;
		void *p = sm_realloc(os->alloc, c->free_pa,
				     c->capfree * sizeof(*c->free_pa),
				     ncap * sizeof(*c->free_pa));
		if (!p) {
			c->rc = sm_err(os->eb, SMMUSIM_ENOMEM, "out of memory");
			return c->rc;
		}
		c->free_pa = p;
		c->capfree = ncap;
	}
	c->free_pa[c->nfree++] = pa;
	return 0;
}

/* zap_page_range + tlb_finish_mmu over [start, end): clears PTEs, then the
 * caller flushes, then finish_unmap() frees the pages. */
static int zap_range(struct sm_os *os, struct sm_mm *mm, uint64_t start,
		     uint64_t end, struct unmap_ctx *c, uint64_t *t)
{
	*c = (struct unmap_ctx){.os = os, .mm = mm, .sp.lo = UINT64_MAX};
	int rc =
	    sm_pgt_for_each_leaf(os->pm, mm->pgd, start, end, unmap_leaf, c);
	*t += c->sp.ptes * os->mm.lat_pte;
	return rc < 0 ? rc : c->rc;
}

static void finish_unmap(struct sm_os *os, struct unmap_ctx *c)
{
	for (size_t i = 0; i < c->nfree; i++)
		free_data_page(os, c->free_pa[i]);
	if (c->mm->rss >= c->nfree)
		c->mm->rss -= c->nfree;
	sm_free(os->alloc, c->free_pa, c->capfree * sizeof(*c->free_pa));
	c->free_pa = NULL;
}

/* The mmu_gather sequence munmap and madvise(MADV_DONTNEED) share: notify
 * the range start, clear the PTEs (the oracle's window opens), notify the
 * end, then tlb_finish_mmu flushes what was cleared, last level only
 * (page-table pages are not freed before exit in this model), and the
 * window closes. */
static int zap_and_flush(struct sm_os *os, struct sm_mm *mm, unsigned pe,
			 enum sm_mn_event ev, uint64_t start, uint64_t end,
			 uint64_t *t)
{
	struct unmap_ctx c;
	sm_mn_invalidate_range_start(os, mm, ev, start, end, t);
	int rc = zap_range(os, mm, start, end, &c, t);
	if (rc == 0 && c.sp.ptes)
		window_open(os, mm, c.sp.lo, c.sp.hi, *t);
	if (rc == 0)
		rc = sm_mn_invalidate_range_end(os, mm, start, end, false, t);
	if (rc == 0 && c.sp.ptes)
		rc = sm_flush_tlb_range_ex(os, mm, pe, c.sp.lo, c.sp.hi, true,
					   3, t);
	if (rc == 0 && c.sp.ptes)
		window_close(os, mm, c.sp.lo, c.sp.hi, *t);
	finish_unmap(os, &c);
	return rc;
}

static int do_munmap(struct sm_os *os, struct sm_mm *mm, unsigned pe,
		     uint64_t start, uint64_t end, uint64_t *t)
{
	int rc;
	if (!range_overlaps(mm, start, end))
		return 0;
	if ((rc = vma_split(os, mm, start)) < 0 ||
	    (rc = vma_split(os, mm, end)) < 0)
		return rc;
	rc = zap_and_flush(os, mm, pe, SM_MN_UNMAP, start, end, t);
	if (rc == 0)
		vma_remove_range(os, mm, start, end);
	return rc;
}

int sm_os_munmap(struct sm_os *os, uint32_t id, unsigned pe, uint64_t va,
		 uint64_t len, uint64_t *t)
{
	struct sm_mm *mm;
	uint64_t end;
	int rc;
	if ((rc = syscall_enter(os, id, pe, va, len, &mm, &end)) < 0)
		return rc;
	syscall_cost(os, t);
	return do_munmap(os, mm, pe, va, end, t);
}

int sm_os_mmap(struct sm_os *os, uint32_t id, unsigned pe, uint64_t va,
	       uint64_t len, unsigned prot, bool shared, uint64_t *t)
{
	struct sm_mm *mm;
	uint64_t end;
	int rc;
	if ((rc = syscall_enter(os, id, pe, va, len, &mm, &end)) < 0)
		return rc;
	syscall_cost(os, t);
	/* MAP_FIXED semantics: whatever was mapped there goes first. */
	if ((rc = do_munmap(os, mm, pe, va, end, t)) < 0)
		return rc;

	struct sm_vma v = {
	    .start = va, .end = end, .prot = prot, .shared = shared};
	if (shared) {
		v.file = sm_calloc(os->alloc, sizeof(*v.file));
		if (!v.file)
			return sm_err(os->eb, SMMUSIM_ENOMEM, "out of memory");
		v.file->refs = 1;
		v.file->npages = (end - va) >> SM_PAGE_SHIFT;
		v.file->pages = sm_calloc(
		    os->alloc, v.file->npages * sizeof(*v.file->pages));
		if (!v.file->pages) {
			sm_free(os->alloc, v.file, sizeof(*v.file));
			return sm_err(os->eb, SMMUSIM_ENOMEM,
				      "out of memory for a %" PRIu64
				      "-page shared mapping",
				      (end - va) >> SM_PAGE_SHIFT);
		}
	}
	size_t i = 0;
	while (i < mm->nvma && mm->vma[i].start < va)
		i++;
	rc = vma_insert_at(os, mm, i, &v);
	if (rc < 0)
		file_put(os, v.file);
	return rc;
}

/* The whole range must be mapped: mprotect and madvise return ENOMEM
 * otherwise. */
static int need_mapped(struct sm_os *os, struct sm_mm *mm, uint64_t va,
		       uint64_t end)
{
	for (uint64_t a = va; a < end;) {
		struct sm_vma *v = find_vma(mm, a);
		if (!v)
			return sm_err(os->eb, SMMUSIM_EINVAL,
				      "0x%" PRIx64
				      " is not mapped in mm=%" PRIu32
				      " (Linux returns ENOMEM)",
				      a, mm->id);
		a = v->end;
	}
	return 0;
}

/* ---- mprotect ---- */

struct prot_ctx {
	struct sm_os *os;
	struct sm_mm *mm;
	struct span sp; /* changed PTEs */
	bool narrowed;
};

static int prot_leaf(void *vctx, uint64_t va, int level, uint64_t desc,
		     uint64_t desc_pa)
{
	struct prot_ctx *c = vctx;
	struct sm_os *os = c->os;
	(void)level;
	if (!pte_present(desc))
		return 0;
	struct sm_vma *v = find_vma(c->mm, va);
	uint64_t pa = desc & PTE_ADDR_MASK;
	uint64_t nd;
	if (!v->prot) {
		nd = mk_prot_none(desc);
	} else {
		/* can_change_pte_writable(): an exclusive anonymous page
		 * may become writable at once; a shared page only if it is
		 * already dirty (write-notify); the zero page never. */
		bool w = (v->prot & SMMUSIM_PROT_W) && pa != os->mm.zero_page &&
			 (!v->shared || pte_dirty(desc));
		nd = mk_user_pte(pa, v->prot, w);
		if (!w && pte_dirty(desc))
			nd |= PTE_DIRTY;
	}
	if (nd == desc)
		return 0;
	unsigned old_perm = (desc & PTE_VALID) ? sm_pte_perm(desc) : 0;
	unsigned new_perm = (nd & PTE_VALID) ? sm_pte_perm(nd) : 0;
	if (old_perm & ~new_perm)
		c->narrowed = true;
	sm_physmem_write64(os->pm, desc_pa, nd);
	span_add(&c->sp, va);
	return 0;
}

int sm_os_mprotect(struct sm_os *os, uint32_t id, unsigned pe, uint64_t va,
		   uint64_t len, unsigned prot, uint64_t *t)
{
	struct sm_mm *mm;
	uint64_t end;
	int rc;
	if ((rc = syscall_enter(os, id, pe, va, len, &mm, &end)) < 0)
		return rc;
	if ((rc = need_mapped(os, mm, va, end)) < 0)
		return rc;
	syscall_cost(os, t);
	if ((rc = vma_split(os, mm, va)) < 0 ||
	    (rc = vma_split(os, mm, end)) < 0)
		return rc;
	for (size_t i = 0; i < mm->nvma; i++)
		if (mm->vma[i].start >= va && mm->vma[i].end <= end)
			mm->vma[i].prot = prot;

	struct prot_ctx c = {.os = os, .mm = mm, .sp.lo = UINT64_MAX};
	sm_mn_invalidate_range_start(os, mm, SM_MN_PROTECTION_VMA, va, end, t);
	rc = sm_pgt_for_each_leaf(os->pm, mm->pgd, va, end, prot_leaf, &c);
	if (rc < 0)
		return rc;
	*t += c.sp.ptes * os->mm.lat_pte;
	if (c.narrowed)
		window_open(os, mm, c.sp.lo, c.sp.hi, *t);
	rc = sm_mn_invalidate_range_end(os, mm, va, end, false, t);
	/* change_protection's mmu_gather flushes every changed PTE with
	 * last-level TLBIs. */
	if (rc == 0 && c.sp.ptes)
		rc = sm_flush_tlb_range_ex(os, mm, pe, c.sp.lo, c.sp.hi, true,
					   3, t);
	if (rc == 0 && c.narrowed)
		window_close(os, mm, c.sp.lo, c.sp.hi, *t);
	return rc;
}

/* ---- exit ---- */

int sm_os_mm_exit(struct sm_os *os, uint32_t id, unsigned pe, uint64_t *t)
{
	struct sm_mm *mm;
	int rc;
	if ((rc = need_mm(os, id, &mm)) < 0 || (rc = check_pe(os, pe)) < 0)
		return rc;
	syscall_cost(os, t);
	/* exit_mmap(): release the notifiers (the SVA one quiets its CDs and
	 * invalidates the ASID), unmap everything, flush the whole ASID
	 * (fullmm), free pages and page tables. */
	if ((rc = sm_mn_release(os, mm, t)) < 0)
		return rc;
	struct unmap_ctx c;
	rc = zap_range(os, mm, 0, USER_VA_END, &c, t);
	if (rc == 0 && c.sp.ptes)
		window_open(os, mm, c.sp.lo, c.sp.hi, *t);
	if (rc == 0)
		rc = sm_flush_tlb_mm(os, mm, pe, t);
	if (rc == 0 && c.sp.ptes)
		window_close(os, mm, c.sp.lo, c.sp.hi, *t);
	finish_unmap(os, &c);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < mm->nvma; i++)
		file_put(os, mm->vma[i].file);
	mm->nvma = 0;
	sm_pgt_free_tables(os->pm, mm->pgd);
	/* The struct stays (bonds may still point at it) but is no longer
	 * found by id; the id may be created again. */
	mm->live = false;
	sm_os_put_asid(os, mm);
	return 0;
}

/* ---- page faults ---- */

/* ptep_set_access_flags() (arch/arm64/mm/fault.c): only ever relaxes
 * RDONLY/AF/WRITE/DIRTY; if the PTE changed and `dirty`, flush_tlb_page()
 * "to invalidate a stale read-only entry".  Returns whether it changed. */
static int ptep_set_access_flags(struct sm_os *os, struct sm_mm *mm,
				 unsigned pe, uint64_t va, uint64_t desc_pa,
				 uint64_t old, uint64_t entry, bool dirty,
				 bool *changed, uint64_t *t)
{
	uint64_t nv = old | (entry & (PTE_AF | PTE_WRITE | PTE_DIRTY));
	if (!(entry & PTE_RDONLY))
		nv &= ~PTE_RDONLY;
	*changed = nv != old;
	if (!*changed)
		return 0;
	sm_physmem_write64(os->pm, desc_pa, nv);
	*t += os->mm.lat_pte;
	if (dirty)
		return sm_flush_tlb_page(os, mm, pe, va, t);
	return 0;
}

int sm_os_handle_mm_fault(struct sm_os *os, struct sm_mm *mm, unsigned pe,
			  uint64_t va, enum smmusim_access acc, bool remote,
			  bool *ok, uint64_t *t)
{
	uint64_t t0 = *t, page = va & SM_PAGE_MASK;
	bool write = acc == SMMUSIM_ACC_WRITE;
	/* An instruction fetch needs VM_EXEC; a fetch from a mapping without
	 * it is a SIGSEGV at once, never a "spurious" fault. */
	unsigned need = acc == SMMUSIM_ACC_EXEC ? SMMUSIM_PROT_X
			: write			? SMMUSIM_PROT_W
						: SMMUSIM_PROT_R;
	int rc = 0;

	(*(remote ? os->mm.st_faults_dev : os->mm.st_faults_cpu))++;
	*t += os->mm.lat_fault;
	*ok = false;
	struct sm_vma *v = mm && mm->live ? find_vma(mm, va) : NULL;
	if (!v || !(v->prot & need)) {
		(*os->mm.st_faults_bad)++;
		goto out;
	}

	int level;
	uint64_t desc_pa;
	uint64_t desc = sm_pgt_get(os->pm, mm->pgd, page, &level, &desc_pa);
	if (!pte_present(desc) || !desc_pa) {
		/* do_anonymous_page / do_read_fault / do_shared_fault: an
		 * empty PTE becomes valid; nothing to flush (no agent caches
		 * an invalid entry in this slice). */
		uint64_t pa;
		bool writable = write;
		if (v->shared) {
			uint64_t idx =
			    v->pgoff + ((page - v->start) >> SM_PAGE_SHIFT);
			if (!v->file->pages[idx]) {
				rc = alloc_page(os, SM_PAGE_DATA,
						&v->file->pages[idx]);
				if (rc < 0)
					goto out;
			}
			pa = v->file->pages[idx];
		} else if (!write) {
			pa = os->mm.zero_page;
		} else {
			rc = alloc_page(os, SM_PAGE_DATA, &pa);
			if (rc < 0)
				goto out;
			mm->rss++;
		}
		rc = sm_pgt_set(os->pm, mm->pgd, page, 3,
				mk_user_pte(pa, v->prot, writable), NULL,
				os->eb);
		*t += os->mm.lat_pte;
		*ok = rc == 0;
		goto out;
	}

	if (write && !pte_hw_writable(desc)) {
		uint64_t pa = desc & PTE_ADDR_MASK;
		if (!v->shared && pa == os->mm.zero_page) {
			/* wp_page_copy(): COW of the zero page. */
			uint64_t npa;
			(*os->mm.st_cow)++;
			rc = alloc_page(os, SM_PAGE_DATA, &npa);
			if (rc < 0)
				goto out;
			mm->rss++;
			sm_mn_invalidate_range_start(os, mm, SM_MN_CLEAR, page,
						     page + SM_PAGE_SIZE, t);
			/* ptep_clear_flush_notify(): clear, flush, notify. */
			sm_physmem_write64(os->pm, desc_pa, 0);
			*t += os->mm.lat_pte;
			window_open(os, mm, page, page + SM_PAGE_SIZE, *t);
			rc = sm_flush_tlb_page(os, mm, pe, page, t);
			if (rc == 0)
				rc = sm_mn_clear_flush_notify(
				    os, mm, page, page + SM_PAGE_SIZE, t);
			window_close(os, mm, page, page + SM_PAGE_SIZE, *t);
			if (rc == 0) {
				sm_physmem_write64(
				    os->pm, desc_pa,
				    mk_user_pte(npa, v->prot, true));
				*t += os->mm.lat_pte;
				rc = sm_mn_invalidate_range_end(
				    os, mm, page, page + SM_PAGE_SIZE, true, t);
			}
			*ok = rc == 0;
			goto out;
		}
		/* wp_page_reuse() (exclusive anonymous page, or a shared
		 * page after page_mkwrite): make it writable and dirty. */
		bool changed;
		(*os->mm.st_upgrades)++;
		uint64_t entry = desc | PTE_AF | PTE_WRITE | PTE_DIRTY;
		entry &= ~PTE_RDONLY;
		rc = ptep_set_access_flags(os, mm, pe, page, desc_pa, desc,
					   entry, true, &changed, t);
		*ok = rc == 0;
		goto out;
	}

	/* The PTE already allows the access: a spurious fault (a stale TLB
	 * entry somewhere).  handle_pte_fault() marks it young (and dirty
	 * for a write) through ptep_set_access_flags(); when nothing changes
	 * it does nothing more, because arm64's
	 * flush_tlb_fix_spurious_fault() is empty. */
	{
		bool changed;
		(*os->mm.st_spurious)++;
		uint64_t entry = desc | PTE_AF;
		if (write)
			entry |= PTE_DIRTY;
		rc = ptep_set_access_flags(os, mm, pe, page, desc_pa, desc,
					   entry, write, &changed, t);
		*ok = rc == 0;
	}
out:
	sm_hist_record(os->mm.h_fault, *t - t0);
	return rc;
}

/* ---- madvise(MADV_DONTNEED) ---- */

int sm_os_madvise_dontneed(struct sm_os *os, uint32_t id, unsigned pe,
			   uint64_t va, uint64_t len, uint64_t *t)
{
	struct sm_mm *mm;
	uint64_t end;
	int rc;
	if ((rc = syscall_enter(os, id, pe, va, len, &mm, &end)) < 0 ||
	    (rc = need_mapped(os, mm, va, end)) < 0)
		return rc;
	syscall_cost(os, t);
	/* madvise_dontneed_single_vma -> zap_page_range_single: the PTEs go,
	 * the VMA stays; mmu_gather flushes the cleared span, last level. */
	return zap_and_flush(os, mm, pe, SM_MN_CLEAR, va, end, t);
}

/* ---- page reclaim ---- */

struct reclaim_ctx {
	struct sm_os *os;
	struct sm_mm *mm;
	unsigned pe;
	uint64_t *t;
	struct span sp;
	uint64_t *free_pa;
	size_t nfree, capfree;
	int rc;
};

static int reclaim_leaf(void *vctx, uint64_t va, int level, uint64_t desc,
			uint64_t desc_pa)
{
	struct reclaim_ctx *c = vctx;
	struct sm_os *os = c->os;
	struct sm_mm *mm = c->mm;
	uint64_t end = va + SM_PAGE_SIZE;
	(void)level;
	if (!(desc & PTE_VALID))
		return 0;
	uint64_t pa = desc & PTE_ADDR_MASK;
	if (pa == os->mm.zero_page)
		return 0; /* nothing to reclaim */
	/* try_to_unmap_one(): a notifier bracket per folio; the PTE cleared;
	 * the TLBI queued without waiting (set_tlb_ubc_flush_pending ->
	 * arch_tlbbatch_add_pending), which with the 6.6 placement also
	 * calls the secondary-TLB hook, per page. */
	sm_mn_invalidate_range_start(os, mm, SM_MN_CLEAR, va, end, c->t);
	sm_physmem_write64(os->pm, desc_pa, 0);
	*c->t += os->mm.lat_pte;
	span_add(&c->sp, va);
	int rc = sm_tlbbatch_add_pending(os, mm, c->pe, va, c->t);
	if (rc == 0)
		rc = sm_mn_invalidate_range_end(os, mm, va, end, false, c->t);
	if (rc < 0)
		return c->rc = rc;
	/* The page leaves memory: an anonymous page is swapped out (swap
	 * is not modelled: a later fault gets a fresh page), a file page is
	 * dropped from the page cache. */
	struct sm_vma *v = find_vma(mm, va);
	if (v && v->shared) {
		uint64_t idx = v->pgoff + ((va - v->start) >> SM_PAGE_SHIFT);
		v->file->pages[idx] = 0;
	} else if (mm->rss) {
		mm->rss--;
	}
	if (c->nfree == c->capfree) {
		size_t ncap = c->capfree ? c->capfree * 2 : 64;
		void *p = sm_realloc(os->alloc, c->free_pa,
				     c->capfree * sizeof(*c->free_pa),
				     ncap * sizeof(*c->free_pa));
		if (!p)
			return c->rc = sm_err(os->eb, SMMUSIM_ENOMEM,
					      "out of memory");
		c->free_pa = p;
		c->capfree = ncap;
	}
	c->free_pa[c->nfree++] = pa;
	return 0;
}

int sm_os_reclaim(struct sm_os *os, uint32_t id, unsigned pe, uint64_t va,
		  uint64_t len, uint64_t *t)
{
	struct sm_mm *mm;
	uint64_t end;
	int rc;
	if ((rc = syscall_enter(os, id, pe, va, len, &mm, &end)) < 0)
		return rc;
	struct reclaim_ctx c = {
	    .os = os, .mm = mm, .pe = pe, .t = t, .sp.lo = UINT64_MAX};
	/* One window over the range: each page's PTE is cleared inside it,
	 * and it closes when the batch's DSB has completed. */
	window_open(os, mm, va, end, *t);
	rc = sm_pgt_for_each_leaf(os->pm, mm->pgd, va, end, reclaim_leaf, &c);
	if (rc >= 0 && c.rc < 0)
		rc = c.rc;
	/* try_to_unmap_flush(): one DSB for the whole batch, then the
	 * pages may be freed. */
	if (c.sp.ptes)
		sm_tlbbatch_flush(os, pe, t);
	window_close(os, mm, va, end, *t);
	for (size_t i = 0; i < c.nfree; i++)
		free_data_page(os, c.free_pa[i]);
	sm_free(os->alloc, c.free_pa, c.capfree * sizeof(*c.free_pa));
	return rc < 0 ? rc : 0;
}
