/* SPDX-License-Identifier: MIT */
/*
 * The memory calls of a strace log as trace events (docs/trace-format.md,
 * "Traces imported from strace"), each for the mm and CPU of its pid, and
 * only when the call succeeded (the caller skips the others):
 *
 *   mmap, mmap2       mmap mm va=RESULT len prot [map=shared]; the trace's
 *                     mmap replaces what was mapped there, as MAP_FIXED
 *                     does (Linux's do_mmap unmaps the range first)
 *   munmap            munmap
 *   mprotect,         mprotect; a range the log never mapped gets an
 *   pkey_mprotect     implicit mapping first (below)
 *   madvise           MADV_DONTNEED: madvise advice=dontneed (mapped as
 *                     mprotect); other advices change no page table the
 *                     trace models (MADV_FREE frees only under memory
 *                     pressure): ignored
 *   mremap            in place: munmap of the tail or mmap of the growth;
 *                     moved: mmap of the new range, munmap of the old
 *                     (unless MREMAP_DONTUNMAP); the trace cannot move
 *                     pages, so the new range's pages are new pages
 *   brk               the heap's growth as an mmap prot=rw of the pages
 *                     between the old and new break, its shrinking as a
 *                     munmap; the first brk of an mm (usually brk(NULL)
 *                     right after execve) tells where the break is
 *
 * Implicit mappings: mprotect, madvise and mremap succeed only on mapped
 * pages (Linux returns ENOMEM), so a range the log never mapped was mapped
 * by execve (the ELF segments, the stack) or before the log: it is mapped
 * first, with the call's protection (rw for madvise and mremap), noted in
 * a comment and counted (stats.implicit).
 *
 * New pages: when a range becomes accessible (a new mapping, the heap's
 * growth, PROT_NONE made accessible by mprotect, --maps), the CPU of the
 * pid writes every page of it if it is writable (touch op=w: a program
 * writes the memory it asks for: heap, stacks, data; read-only and code
 * mappings are read only in part and are not touched), unless it was
 * mapped MAP_NORESERVE (a reservation).  With a device, its accesses to
 * the range follow the pattern: every page (op=w if writable, else r),
 * each page with probability `fraction` (a seeded generator: the same
 * options give the same trace), or the pages the CPU just touched.  Only
 * the first SM_ST_NEW_PAGES pages of a range are touched or accessed (one
 * touch event: sim.max_event_pages' default).
 */
#include <inttypes.h>
#include <string.h>

#include <smmusim/error.h>

#include "trace/import_strace.h"

const char *sm_st_prot_word(uint8_t prot)
{
	if (!(prot & (ST_R | ST_W | ST_X)))
		return "none";
	if (prot & ST_X)
		return prot & ST_W ? "rwx" : "rx";
	return prot & ST_W ? "rw" : "r";
}

static uint64_t page_up(uint64_t v)
{
	return (v + SM_ST_PAGE - 1) & ~(SM_ST_PAGE - 1);
}

/* [a, a + len) of a call that succeeded: page aligned, within 48 bits. */
static int range(struct sm_strace_importer *im, const struct sm_st_call *c,
		 size_t col, uint64_t a, uint64_t len, uint64_t *b)
{
	if (a % SM_ST_PAGE)
		return sm_st_err(im, col,
				 "address 0x%" PRIx64 " is not page aligned "
				 "(4K; Linux would have refused the call)",
				 a);
	if (!len || len > SM_ST_VA_END || a >= SM_ST_VA_END ||
	    page_up(len) > SM_ST_VA_END - a)
		return sm_st_err(im, col,
				 "[0x%" PRIx64 ", +0x%" PRIx64 ") of %.*s is "
				 "not a non-empty range below 2^48 (the "
				 "trace's user address space)",
				 a, len, (int)c->name_len, c->name);
	*b = a + page_up(len);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Events                                                                 */
/* ---------------------------------------------------------------------- */

static int write_mmap(struct sm_strace_importer *im, struct sm_st_proc *p,
		      uint64_t a, uint64_t b, uint8_t prot, bool shared)
{
	int rc = 0;

	if (shared && (b - a) / SM_ST_PAGE > SM_ST_NEW_PAGES) {
		rc = sm_st_note(im,
				"a shared mapping of %" PRIu64 " pages: "
				"written map=private (a shared one may have "
				"%u pages: sim.max_event_pages)",
				(b - a) / SM_ST_PAGE, SM_ST_NEW_PAGES);
		shared = false;
	}
	if (!rc)
		rc =
		    sm_st_emit(im,
			       "mmap mm=%" PRIu32 " va=0x%" PRIx64
			       " len=0x%" PRIx64 " prot=%s%s cpu=%" PRIu32 "\n",
			       p->mm->id, a, b - a, sm_st_prot_word(prot),
			       shared ? " map=shared" : "", p->cpu);
	im->st.mmaps++;
	return rc ? rc : sm_st_vma_set(im, p->mm, a, b, prot, shared);
}

static int write_munmap(struct sm_strace_importer *im, struct sm_st_proc *p,
			uint64_t a, uint64_t b)
{
	int rc = sm_st_emit(im,
			    "munmap mm=%" PRIu32 " va=0x%" PRIx64
			    " len=0x%" PRIx64 " cpu=%" PRIu32 "\n",
			    p->mm->id, a, b - a, p->cpu);

	im->st.munmaps++;
	return rc ? rc : sm_st_vma_clear(im, p->mm, a, b);
}

static int dev_access(struct sm_strace_importer *im, struct sm_st_proc *p,
		      uint64_t va, bool write)
{
	im->st.dev_accesses++;
	return sm_st_emit(im,
			  "dev_access sid=0x%" PRIx32 " ssid=%" PRIu32
			  " va=0x%" PRIx64 " op=%c\n",
			  im->o.sid, p->mm->ssid, va, write ? 'w' : 'r');
}

/* The device's accesses to [a, b) with the pattern all or fraction. */
static int dev_range(struct sm_strace_importer *im, struct sm_st_proc *p,
		     uint64_t a, uint64_t b, bool write)
{
	/* fraction as a 53-bit threshold: exact for 0 and 1 */
	uint64_t t = (uint64_t)(im->o.fraction * (double)(1ull << 53));
	int rc = 0;

	for (uint64_t va = a; !rc && va < b; va += SM_ST_PAGE)
		if (im->o.pattern == SMMUSIM_STRACE_DEV_ALL ||
		    sm_rng_below(&im->rng, 1ull << 53) < t)
			rc = dev_access(im, p, va, write);
	return rc;
}

int sm_st_new_pages(struct sm_strace_importer *im, struct sm_st_proc *p,
		    uint64_t a, uint64_t b, uint8_t prot, bool reserve)
{
	uint64_t cap = (b - a) / SM_ST_PAGE > SM_ST_NEW_PAGES
			   ? a + (uint64_t)SM_ST_NEW_PAGES * SM_ST_PAGE
			   : b;
	bool touch = (prot & ST_W) && !reserve;
	int rc = 0;

	if (!(prot & (ST_R | ST_W | ST_X)))
		return 0;
	if (touch) {
		im->st.touches++;
		im->st.touch_pages += (cap - a) / SM_ST_PAGE;
		rc = sm_st_emit(im,
				"touch mm=%" PRIu32 " va=0x%" PRIx64
				" len=0x%" PRIx64 " op=w cpu=%" PRIu32 "\n",
				p->mm->id, a, cap - a, p->cpu);
	}
	switch (im->o.pattern) {
	case SMMUSIM_STRACE_DEV_NONE:
		break;
	case SMMUSIM_STRACE_DEV_ALL:
	case SMMUSIM_STRACE_DEV_FRACTION:
		if (!rc)
			rc = dev_range(im, p, a, cap, prot & ST_W);
		break;
	case SMMUSIM_STRACE_DEV_FAULTS:
		for (uint64_t va = a; touch && !rc && va < cap;
		     va += SM_ST_PAGE)
			rc = dev_access(im, p, va, true);
		break;
	}
	return rc;
}

int sm_st_map(struct sm_strace_importer *im, struct sm_st_proc *p, uint64_t a,
	      uint64_t b, uint8_t prot, bool shared, bool reserve)
{
	int rc = write_mmap(im, p, a, b, prot, shared);

	return rc ? rc : sm_st_new_pages(im, p, a, b, prot, reserve);
}

/* Map the holes of [a, b) that the call needs mapped (see the top). */
static int need_mapped(struct sm_strace_importer *im, struct sm_st_proc *p,
		       const struct sm_st_call *c, uint64_t a, uint64_t b,
		       uint8_t prot)
{
	uint64_t ha, hb;
	int rc = 0;

	while (!rc && sm_st_vma_hole(p->mm, a, b, &ha, &hb)) {
		im->st.implicit++;
		rc = sm_st_note(im,
				"%.*s of [0x%" PRIx64 ", 0x%" PRIx64 ") that "
				"the log did not map (made by execve or before "
				"the log): mapped prot=%s first",
				(int)c->name_len, c->name, ha, hb,
				sm_st_prot_word(prot));
		if (!rc)
			rc = sm_st_map(im, p, ha, hb, prot, false, false);
	}
	return rc;
}

/* ---------------------------------------------------------------------- */
/* The calls                                                              */
/* ---------------------------------------------------------------------- */

static int on_mmap(struct sm_strace_importer *im, struct sm_st_proc *p,
		   const struct sm_st_call *c)
{
	uint64_t len = 0, b = 0;
	uint8_t prot;
	int rc;

	if ((rc = sm_st_need_args(im, c, 6)) ||
	    (rc = sm_st_arg_num(im, c, 1, &len)) ||
	    (rc = sm_st_arg_prot(im, c, 2, &prot)) ||
	    (rc = range(im, c, c->ret_col, c->uret, len, &b)))
		return rc;
	return sm_st_map(im, p, c->uret, b, prot,
			 sm_st_arg_has(&c->arg[3], "MAP_SHARED") ||
			     sm_st_arg_has(&c->arg[3], "MAP_SHARED_VALIDATE"),
			 sm_st_arg_has(&c->arg[3], "MAP_NORESERVE"));
}

static int on_munmap(struct sm_strace_importer *im, struct sm_st_proc *p,
		     const struct sm_st_call *c)
{
	uint64_t a = 0, len = 0, b = 0;
	int rc;

	if ((rc = sm_st_need_args(im, c, 2)) ||
	    (rc = sm_st_arg_num(im, c, 0, &a)) ||
	    (rc = sm_st_arg_num(im, c, 1, &len)) ||
	    (rc = range(im, c, c->arg[0].col, a, len, &b)))
		return rc;
	return write_munmap(im, p, a, b);
}

static int on_mprotect(struct sm_strace_importer *im, struct sm_st_proc *p,
		       const struct sm_st_call *c)
{
	uint64_t a = 0, len = 0, b = 0;
	uint8_t prot;
	int rc;

	if ((rc = sm_st_need_args(im, c, 3)) ||
	    (rc = sm_st_arg_num(im, c, 0, &a)) ||
	    (rc = sm_st_arg_num(im, c, 1, &len)) ||
	    (rc = sm_st_arg_prot(im, c, 2, &prot)) ||
	    (rc = range(im, c, c->arg[0].col, a, len, &b)) ||
	    (rc = need_mapped(im, p, c, a, b, prot)))
		return rc;
	rc = sm_st_emit(im,
			"mprotect mm=%" PRIu32 " va=0x%" PRIx64
			" len=0x%" PRIx64 " prot=%s cpu=%" PRIu32 "\n",
			p->mm->id, a, b - a, sm_st_prot_word(prot), p->cpu);
	im->st.mprotects++;
	/* each mapping keeps its kind; PROT_NONE pages made accessible are
	 * new pages */
	for (uint64_t cur = a; !rc && cur < b;) {
		const struct sm_st_vma *v = sm_st_vma_at(p->mm, cur);
		uint64_t end = v->end < b ? v->end : b;
		uint8_t old = v->prot;

		rc = sm_st_vma_set(im, p->mm, cur, end, prot, v->shared);
		if (!rc && !old)
			rc = sm_st_new_pages(im, p, cur, end, prot, false);
		cur = end;
	}
	return rc;
}

static int on_madvise(struct sm_strace_importer *im, struct sm_st_proc *p,
		      const struct sm_st_call *c)
{
	const struct sm_st_arg *adv;
	uint64_t a = 0, len = 0, b = 0;
	int rc;

	if ((rc = sm_st_need_args(im, c, 3)) ||
	    (rc = sm_st_arg_num(im, c, 0, &a)) ||
	    (rc = sm_st_arg_num(im, c, 1, &len)))
		return rc;
	adv = &c->arg[2];
	if (!(adv->n == 13 && !memcmp(adv->s, "MADV_DONTNEED", 13)) &&
	    !(adv->n == 1 && adv->s[0] == '4')) {
		im->st.ignored++;
		return 0;
	}
	if ((rc = range(im, c, c->arg[0].col, a, len, &b)) ||
	    (rc = need_mapped(im, p, c, a, b, ST_R | ST_W)))
		return rc;
	im->st.madvises++;
	return sm_st_emit(im,
			  "madvise mm=%" PRIu32 " va=0x%" PRIx64
			  " len=0x%" PRIx64 " advice=dontneed cpu=%" PRIu32
			  "\n",
			  p->mm->id, a, b - a, p->cpu);
}

static int on_mremap(struct sm_strace_importer *im, struct sm_st_proc *p,
		     const struct sm_st_call *c)
{
	uint64_t oa = 0, olen = 0, ob = 0, nlen = 0, nb = 0;
	const struct sm_st_vma *v;
	uint8_t prot;
	bool shared;
	int rc;

	if ((rc = sm_st_need_args(im, c, 4)) ||
	    (rc = sm_st_arg_num(im, c, 0, &oa)) ||
	    (rc = sm_st_arg_num(im, c, 1, &olen)) ||
	    (rc = sm_st_arg_num(im, c, 2, &nlen)) ||
	    (rc = range(im, c, c->ret_col, c->uret, nlen, &nb)) ||
	    (rc = range(im, c, c->arg[0].col, oa, olen ? olen : 1, &ob)) ||
	    (rc = need_mapped(im, p, c, oa, ob, ST_R | ST_W)))
		return rc;
	v = sm_st_vma_at(p->mm, oa);
	prot = v->prot;
	shared = v->shared;
	if (c->uret == oa && olen) { /* in place */
		if (nb < ob)
			return write_munmap(im, p, nb, ob);
		return nb > ob ? sm_st_map(im, p, ob, nb, prot, shared, false)
			       : 0;
	}
	rc = sm_st_map(im, p, c->uret, nb, prot, shared, false);
	if (!rc && olen && !sm_st_arg_has(&c->arg[3], "MREMAP_DONTUNMAP"))
		rc = write_munmap(im, p, oa, ob);
	return rc;
}

static int on_brk(struct sm_strace_importer *im, struct sm_st_proc *p,
		  const struct sm_st_call *c)
{
	struct sm_st_mm *mm = p->mm;
	uint64_t old = page_up(mm->brk), now = page_up(c->uret);

	if (c->uret >= SM_ST_VA_END)
		return sm_st_err(im, c->ret_col,
				 "break 0x%" PRIx64 " is beyond the 48-bit "
				 "user space",
				 c->uret);
	if (!mm->brk || !c->uret) {
		mm->brk = c->uret;
		return 0;
	}
	mm->brk = c->uret;
	if (now > old)
		return sm_st_map(im, p, old, now, ST_R | ST_W, false, false);
	return now < old ? write_munmap(im, p, now, old) : 0;
}

static const struct {
	const char *name;
	int (*fn)(struct sm_strace_importer *, struct sm_st_proc *,
		  const struct sm_st_call *);
} calls[] = {
    {"mmap", on_mmap},
    {"mmap2", on_mmap},
    {"munmap", on_munmap},
    {"mprotect", on_mprotect},
    {"pkey_mprotect", on_mprotect},
    {"madvise", on_madvise},
    {"mremap", on_mremap},
    {"brk", on_brk},
};

int sm_st_memory_call(const char *name, size_t n)
{
	for (size_t i = 0; i < sizeof(calls) / sizeof(*calls); i++)
		if (strlen(calls[i].name) == n &&
		    !memcmp(calls[i].name, name, n))
			return (int)i;
	return -1;
}

int sm_st_on_memory_call(struct sm_strace_importer *im, struct sm_st_proc *p,
			 const struct sm_st_call *c, int kind)
{
	return calls[kind].fn(im, p, c);
}
