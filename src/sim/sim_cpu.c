/* SPDX-License-Identifier: MIT */
/*
 * A user program's memory accesses on a PE: the CPU translates (TLBs, then
 * a walk); a fault enters the kernel's handle_mm_fault, which maps the page
 * or refuses (SIGSEGV), and the access is tried again (arm64's
 * do_page_fault: return to user space and re-execute the instruction).  A
 * `touch` is a memset of a range: one access per page.
 */
#include "sim/sim_internal.h"

#include "hw/mem/physmem.h"

/* arm64's do_page_fault: handle_mm_fault under the mm's mmap_lock for
 * reading.  While it waited the process may have exited (the access holds
 * the struct, mmgrab, so it is still there, no longer live): nothing to
 * fault in, the access ends as a SIGSEGV would. */
static int fault(struct smmusim *s, struct sm_mm *mm, uint32_t cpu, uint64_t va,
		 enum smmusim_access acc, bool *ok, uint64_t *t)
{
	uint32_t id = mm->id;
	int rc = sm_klock(&s->os, SM_KLOCK_MMAP, id, SM_KLOCK_SHARED, t);
	if (rc < 0)
		return rc;
	*ok = false;
	if (mm->live)
		rc = sm_os_handle_mm_fault(&s->os, mm, cpu, va, acc, false, ok,
					   t);
	sm_kunlock(&s->os, SM_KLOCK_MMAP, id, *t);
	return rc;
}

/* One load/store/fetch by process mm on PE `cpu`, faulting pages in through
 * handle_mm_fault like a user program.  The caller holds mm (mmgrab): the
 * process may exit on another PE while this waits, and then nothing of it
 * is touched any more (a touch stops: mm->live is false). */
static inline __attribute__((always_inline)) int
cpu_access_one(struct smmusim *s, struct sm_mm *mm, uint32_t cpu, uint64_t va,
	       enum smmusim_access acc, uint32_t line, uint64_t *t)
{
	uint64_t t0 = *t;
	/* The ASID whose last try left no entry in the PE's L1 and TLB (the
	 * retry after a walk fault need not look: sm_cpu_access_at). */
	uint32_t uncached = UINT32_MAX;
	SM_INC(s->ctr, CPU_ACCESSES);
	for (uint32_t tries = 0;; tries++) {
		struct sm_cpu_access a;
		/* Each try at its own cycle. */
		sm_os_step(&s->os, *t);
		if (!mm->live) { /* exited meanwhile: a SIGSEGV of nothing */
			SM_INC(s->ctr, CPU_ACCESS_SEGV);
			break;
		}
		/* With KPTI user mappings are tagged with the odd user ASID
		 * (read each try: a rollover may have moved it). */
		uint16_t asid =
		    (uint16_t)(mm->asid | (sm_cpu_kpti(&s->cpu) ? 1 : 0));
		sm_cpu_access_at(&s->cpu, cpu, asid, mm->pgd, va, acc, *t, line,
				 asid == uncached, &a);
		*t = a.done;
		if (a.outcome == SM_XLATE_OK)
			break;
		uncached = sm_cpu_access_uncached(&a) ? asid : UINT32_MAX;
		bool ok;
		if (tries >= s->retry_limit) {
			SM_INC(s->ctr, CPU_ACCESS_SEGV);
			break;
		}
		int rc = fault(s, mm, cpu, va, acc, &ok, t);
		if (rc < 0)
			return rc;
		if (!ok) {
			/* SIGSEGV: the process would die; the trace goes on. */
			SM_INC(s->ctr, CPU_ACCESS_SEGV);
			break;
		}
	}
	SM_HIST_REC(s->hist, CPU_ACCESS_LATENCY, *t - t0);
	return 0;
}

int sm_sim_cpu_access(struct smmusim *s, const struct smmusim_event *ev,
		      uint64_t *t)
{
	struct sm_mm *mm;
	int rc = sm_sim_check_cpu_event(s, ev, &mm);
	if (rc < 0)
		return rc;
	sm_mmgrab(mm); /* the running task's mm stays while it runs */
	rc = cpu_access_one(s, mm, ev->cpu, ev->va, ev->op, ev->line, t);
	sm_mmdrop(&s->os, mm);
	return rc;
}

int sm_sim_touch(struct smmusim *s, const struct smmusim_event *ev, uint64_t *t)
{
	struct sm_mm *mm;
	int rc;
	if ((rc = sm_sim_check_cpu_event(s, ev, &mm)) < 0 ||
	    (rc = sm_sim_check_touch_range(s, ev)) < 0)
		return rc;
	sm_mmgrab(mm);
	uint64_t end = ev->va + ev->len;
	for (uint64_t va = ev->va & SM_PAGE_MASK;
	     rc == 0 && va < end && mm->live; va += SM_PAGE_SIZE)
		rc = cpu_access_one(s, mm, ev->cpu, va, ev->op, ev->line, t);
	sm_mmdrop(&s->os, mm);
	return rc;
}
