/* SPDX-License-Identifier: MIT */
/*
 * The arm64 TLB flush routines, modelled on arch/arm64/include/asm/
 * tlbflush.h (flush_tlb_mm, flush_tlb_page / __flush_tlb_page_nosync,
 * __flush_tlb_range and the op loop of __flush_tlb_range_op,
 * arch_tlbbatch_add_pending, arch_tlbbatch_flush) as of v6.6, with the
 * later range-split changes policy.cpu.range_split selects.
 *
 * Every flush is DSB ISHST (make the PTE stores visible to walkers), the
 * TLBIs, DSB ISH (wait until every receiver has completed them).  With KPTI
 * every user TLBI is issued twice, the second for the user ASID
 * (__tlbi_user: operand | USER_ASID_FLAG).  With the 6.6 notifier placement
 * the secondary-TLB hook runs from here: flush_tlb_page calls it between the
 * TLBI and the DSB (__flush_tlb_page_nosync), flush_tlb_mm and
 * __flush_tlb_range after the DSB.
 *
 * __flush_tlb_range: without FEAT_TLBIRANGE a range of
 * policy.cpu.max_tlbi_ops (MAX_TLBI_OPS = PTRS_PER_PTE) pages or more, and
 * with it a range of MAX_TLBI_RANGE_PAGES or more, becomes flush_tlb_mm;
 * otherwise __flush_tlb_range_op covers it with single-page and range ops,
 * split as policy.cpu.range_split says (sm_flush_tlb_range_op, below).
 *
 * Where the flush-all range (0, -1UL) reaches the hook: flush_tlb_mm (6.6+,
 * also when __flush_tlb_range gives up on a large range); reclaim's
 * arch_tlbbatch_add_pending passes the page's range on arm64 (6.6-6.14),
 * and (0, -1UL) per batched page with policy.cpu.batch_flush=x86, as
 * x86's arch_tlbbatch_add_pending does from 6.6 ("mmu_notifiers: Call
 * invalidate_range() when invalidating TLBs"; A. Popple, "Re: [PATCH 1/1]
 * iommu/vt-d: Fix incorrect cache invalidation for mm notification", Nov
 * 2023: "an invalidate all for every page unmap").  Before 6.6 (range_end
 * placement) reclaim reaches the hook only from invalidate_range_end, with
 * the page's range, whichever batch_flush is chosen.
 *
 * The batched routines exist only from v6.6 on arm64 ("arm64: support
 * batched/deferred tlb shootdown during page reclamation/migration",
 * 43b3dfdd0455, v6.6-rc1); with policy.cpu.reclaim_batch=off (6.1, 6.5)
 * reclaim calls flush_tlb_page per page instead (kernel/mm/vmscan.c).
 */
#include "kernel/kernel.h"

#include <smmusim/error.h>

#include "engine/config.h"
#include "arch/tlbi.h"

/* Each routine is counted twice: its calls, a row of the stats table, and
 * its cycles, a member of the family os.flush.<routine>.cycles. */
static const struct {
	const char *name;
	enum sm_stat_id calls;
} routines[SM_FLUSH_ROUTINE_COUNT_] = {
    [SM_FLUSH_TLB_MM] = {"flush_tlb_mm", SM_STAT_OS_FLUSH_FLUSH_TLB_MM},
    [SM_FLUSH_TLB_PAGE] = {"flush_tlb_page", SM_STAT_OS_FLUSH_FLUSH_TLB_PAGE},
    [SM_FLUSH_TLB_RANGE] = {"flush_tlb_range",
			    SM_STAT_OS_FLUSH_FLUSH_TLB_RANGE},
    [SM_TLBBATCH_ADD_PENDING] = {"arch_tlbbatch_add_pending",
				 SM_STAT_OS_FLUSH_ARCH_TLBBATCH_ADD_PENDING},
    [SM_TLBBATCH_FLUSH] = {"arch_tlbbatch_flush",
			   SM_STAT_OS_FLUSH_ARCH_TLBBATCH_FLUSH},
};

int sm_tlbflush_init(struct sm_os *os, const smmusim_config_t *cfg,
		     struct sm_stats *st)
{
	struct sm_tlb_state *tlb = &os->tlb;
	tlb->max_tlbi_ops = sm_cfg_u64(cfg, SM_K_POLICY_CPU_MAX_TLBI_OPS);
	tlb->range_split = sm_cfg_enum(cfg, SM_K_POLICY_CPU_RANGE_SPLIT);
	tlb->range_start_bug =
	    sm_cfg_bool(cfg, SM_K_POLICY_NOTIFIER_RANGE_START_BUG);
	tlb->batch_x86 = sm_cfg_enum(cfg, SM_K_POLICY_CPU_BATCH_FLUSH) == 1;
	tlb->reclaim_batch = sm_cfg_bool(cfg, SM_K_POLICY_CPU_RECLAIM_BATCH);
	tlb->ctr = sm_stats_ctrs(st);
	for (int r = 0; r < SM_FLUSH_ROUTINE_COUNT_; r++)
		if (!(tlb->st_cycles[r] = sm_stats_family_counter(
			  st, SM_STAT_OS_FLUSH_ROUTINE_CYCLES, "%s",
			  routines[r].name)))
			return sm_err(os->eb, SMMUSIM_ENOMEM, "out of memory");
	return 0;
}

/* __tlbi + __tlbi_user. */
static uint64_t tlbi_user(struct sm_os *os, unsigned pe, enum sm_tlbi_op op,
			  uint64_t operand, uint64_t t)
{
	/* Each TLBI is a step (kernel/sched.h): it is broadcast at its own
	 * cycle, other PEs' work and devices' accesses between two. */
	sm_os_step(os, t);
	t = sm_cpu_tlbi(os->cpu, pe, op, true, operand, t);
	if (os->cpu->kpti) {
		sm_os_step(os, t);
		t = sm_cpu_tlbi(os->cpu, pe, op, true,
				operand | TLBI_USER_ASID_FLAG, t);
	}
	return t;
}

/* DSB ISH: what follows happens once every TLBI before it has completed
 * at every receiver (a step at that cycle). */
static void dsb_ish(struct sm_os *os, unsigned pe, uint64_t *t)
{
	*t = sm_cpu_dsb_ish(os->cpu, pe, *t);
	sm_os_step(os, *t);
}

static void account(struct sm_os *os, enum sm_flush_routine r, uint64_t t0,
		    uint64_t t)
{
	os->tlb.ctr[routines[r].calls]++;
	*os->tlb.st_cycles[r] += t - t0;
}

int sm_flush_tlb_mm(struct sm_os *os, struct sm_mm *mm, unsigned pe,
		    uint64_t *t)
{
	uint64_t t0 = *t;
	*t = sm_cpu_dsb_ishst(os->cpu, pe, *t);
	*t = tlbi_user(os, pe, SM_TLBI_ASIDE1, sm_tlbi_operand_asid(mm->asid),
		       *t);
	dsb_ish(os, pe, t);
	/* flush_tlb_mm passes (0, -1UL): "everything". */
	int rc = sm_mn_arch_invalidate_secondary_tlbs(os, mm, 0, UINT64_MAX, t);
	account(os, SM_FLUSH_TLB_MM, t0, *t);
	return rc;
}

/* The CPU half of __flush_tlb_page_nosync: DSB ISHST, VALE1IS (no level
 * hint). */
static void tlbi_page_nosync(struct sm_os *os, struct sm_mm *mm, unsigned pe,
			     uint64_t page, uint64_t *t)
{
	*t = sm_cpu_dsb_ishst(os->cpu, pe, *t);
	*t = tlbi_user(os, pe, SM_TLBI_VALE1,
		       sm_tlbi_operand_va(mm->asid, page, 0), *t);
}

/* __flush_tlb_page_nosync: the TLBI, then the hook for the page. */
static int flush_page_nosync(struct sm_os *os, struct sm_mm *mm, unsigned pe,
			     uint64_t va, uint64_t *t)
{
	uint64_t page = va & SM_PAGE_MASK;
	tlbi_page_nosync(os, mm, pe, page, t);
	return sm_mn_arch_invalidate_secondary_tlbs(os, mm, page,
						    page + SM_PAGE_SIZE, t);
}

int sm_flush_tlb_page(struct sm_os *os, struct sm_mm *mm, unsigned pe,
		      uint64_t va, uint64_t *t)
{
	uint64_t t0 = *t;
	int rc = flush_page_nosync(os, mm, pe, va, t);
	dsb_ish(os, pe, t);
	account(os, SM_FLUSH_TLB_PAGE, t0, *t);
	return rc;
}

struct range_emit {
	struct sm_os *os;
	struct sm_mm *mm;
	unsigned pe;
	enum sm_tlbi_op single, range;
	unsigned level;
	uint64_t t;
	uint64_t run_va, run_pages; /* single-page TLBIs not issued yet */
};

/* The single-page TLBIs of [va, va + pages * 4K), each a step, in order.
 * (Host time: when no step between them could let anything else run
 * first, the CPU model takes them as one run, sm_cpu_tlbi_pages, with the
 * same result.) */
static uint64_t tlbi_pages(struct sm_os *os, unsigned pe, struct sm_mm *mm,
			   enum sm_tlbi_op op, unsigned ttl, uint64_t va,
			   uint64_t pages, uint64_t t)
{
	struct sm_cpu *cpu = os->cpu;
	uint64_t operand = sm_tlbi_operand_va(mm->asid, va, ttl);
	uint64_t n = pages * (cpu->kpti ? 2 : 1);
	if (pages > 1 &&
	    (operand & TLBI_VADDR_MASK) + pages - 1 <= TLBI_VADDR_MASK &&
	    n - 1 <= (UINT64_MAX - t) / (cpu->lat_tlbi + 1) &&
	    sm_kt_runs_ahead(&os->sched, os->eng,
			     t + (n - 1) * cpu->lat_tlbi)) {
		sm_kt_ran_to(&os->sched, os->eng, t + (n - 1) * cpu->lat_tlbi);
		return sm_cpu_tlbi_pages(cpu, pe, op, operand, pages,
					 cpu->kpti ? TLBI_USER_ASID_FLAG : 0,
					 t);
	}
	for (uint64_t k = 0; k < pages; k++)
		t = tlbi_user(os, pe, op,
			      sm_tlbi_operand_va(mm->asid, va + (k << 12), ttl),
			      t);
	return t;
}

static void flush_run(struct range_emit *e)
{
	if (!e->run_pages)
		return;
	unsigned ttl = e->os->cpu->feat_ttl ? sm_tlbi_ttl_4k(e->level) : 0;
	e->t = tlbi_pages(e->os, e->pe, e->mm, e->single, ttl, e->run_va,
			  e->run_pages, e->t);
	e->run_pages = 0;
}

static void emit_op(void *ctx, bool range, uint64_t va, unsigned scale,
		    unsigned num)
{
	struct range_emit *e = ctx;
	struct sm_os *os = e->os;
	if (range) {
		flush_run(e);
		uint64_t operand = sm_tlbi_operand_range(
		    e->mm->asid, SM_TLBI_TG_4K, scale, num, e->level, va);
		e->t = tlbi_user(os, e->pe, e->range, operand, e->t);
		return;
	}
	/* Single pages are gathered while they follow one another. */
	if (e->run_pages && va == e->run_va + (e->run_pages << 12)) {
		e->run_pages++;
		return;
	}
	flush_run(e);
	e->run_va = va;
	e->run_pages = 1;
}

/* __flush_tlb_range's test for "too many ops: flush the whole ASID".  6.6
 * stops range ops at MAX_TLBI_RANGE_PAGES; the kernels with the descending
 * split also take "arm64: tlb: Allow range operation for
 * MAX_TLBI_RANGE_PAGES" (73301e464a72, 6.10), which covers exactly that
 * many with one op. */
static bool range_too_big(const struct sm_os *os, uint64_t pages)
{
	if (!os->cpu->feat_range && pages >= os->tlb.max_tlbi_ops)
		return true;
	if (os->tlb.range_split == SM_RANGE_SPLIT_DESCENDING)
		return pages > SM_MAX_TLBI_RANGE_PAGES;
	return pages >= SM_MAX_TLBI_RANGE_PAGES;
}

/* __TLBI_RANGE_NUM: the NUM field for `pages` at `scale`, -1 if none.
 * Newer kernels first clamp to the most one op can cover; 6.6 masked the
 * shifted count to five bits, which gives the same ops for the ascending
 * walk it was used with. */
static int range_num(uint64_t pages, unsigned scale, bool descending)
{
	if (descending) {
		uint64_t max = SM_TLBI_RANGE_PAGES(31, scale);
		if (pages > max)
			pages = max;
		return (int)(pages >> (5 * scale + 1)) - 1;
	}
	return (int)((pages >> (5 * scale + 1)) & 31) - 1;
}

uint64_t sm_flush_tlb_range_op(uint64_t start, uint64_t pages, bool range_ok,
			       bool descending, sm_tlb_range_emit_fn emit,
			       void *ctx)
{
	uint64_t ops = 0;
	int scale = descending ? 3 : 0;
	while (pages > 0) {
		bool single =
		    !range_ok || (descending ? pages == 1 : (pages & 1) != 0);
		if (single || scale < 0 || scale > 3) {
			emit(ctx, false, start, 0, 0);
			start += 4096;
			pages--;
			ops++;
			continue;
		}
		int num = range_num(pages, (unsigned)scale, descending);
		if (num >= 0) {
			uint64_t n = SM_TLBI_RANGE_PAGES(num, scale);
			emit(ctx, true, start, (unsigned)scale, (unsigned)num);
			start += n << 12;
			pages -= n;
			ops++;
		}
		scale += descending ? -1 : 1;
	}
	return ops;
}

/* The TLBIs of __flush_tlb_range_op, without barriers. */
static void range_ops(struct sm_os *os, struct sm_mm *mm, unsigned pe,
		      uint64_t start, uint64_t pages, bool last_level,
		      unsigned tlb_level, uint64_t *t)
{
	struct range_emit e = {
	    .os = os,
	    .mm = mm,
	    .pe = pe,
	    .single = last_level ? SM_TLBI_VALE1 : SM_TLBI_VAE1,
	    .range = last_level ? SM_TLBI_RVALE1 : SM_TLBI_RVAE1,
	    .level = tlb_level <= 3 ? tlb_level : 0,
	    .t = *t,
	};
	if (os->cpu->feat_range) {
		sm_flush_tlb_range_op(start, pages, true,
				      os->tlb.range_split ==
					  SM_RANGE_SPLIT_DESCENDING,
				      emit_op, &e);
	} else {
		/* Without FEAT_TLBIRANGE every op is a single page, in
		 * order: one run (what emit_op gathers; host time). */
		e.run_va = start;
		e.run_pages = pages;
	}
	flush_run(&e);
	*t = e.t;
}

static void round_range(uint64_t *start, uint64_t *end)
{
	*start &= SM_PAGE_MASK;
	*end = (*end + SM_PAGE_SIZE - 1) & SM_PAGE_MASK;
}

int sm_flush_tlb_range_ex(struct sm_os *os, struct sm_mm *mm, unsigned pe,
			  uint64_t start, uint64_t end, bool last_level,
			  unsigned tlb_level, uint64_t *t)
{
	uint64_t t0 = *t;
	round_range(&start, &end);
	uint64_t pages = (end - start) >> SM_PAGE_SHIFT;
	if (range_too_big(os, pages))
		return sm_flush_tlb_mm(os, mm, pe, t);
	*t = sm_cpu_dsb_ishst(os->cpu, pe, *t);
	range_ops(os, mm, pe, start, pages, last_level, tlb_level, t);
	dsb_ish(os, pe, t);
	/* 6.6.0-6.13: __flush_tlb_range_op advanced the caller's `start`, so
	 * the hook saw an empty range (fixed by "arm64/mm: Fix mmu notifiers
	 * for range-based invalidates", f7edb07ad7c6, 2025). */
	if (os->tlb.range_start_bug)
		start = end;
	int rc = sm_mn_arch_invalidate_secondary_tlbs(os, mm, start, end, t);
	account(os, SM_FLUSH_TLB_RANGE, t0, *t);
	return rc;
}

int sm_flush_tlb_range(struct sm_os *os, struct sm_mm *mm, unsigned pe,
		       uint64_t start, uint64_t end, uint64_t *t)
{
	/* flush_tlb_range(): all levels, no level hint. */
	return sm_flush_tlb_range_ex(os, mm, pe, start, end, false, 0, t);
}

int sm_tlbbatch_add_pending(struct sm_os *os, struct sm_mm *mm, unsigned pe,
			    uint64_t va, uint64_t *t)
{
	/* arch_tlbbatch_add_pending (6.6): the page's TLBI without waiting;
	 * the hook runs here, per page: for the page on arm64
	 * (__flush_tlb_page_nosync), for everything, (0, -1UL), in the x86
	 * style (what-if: the TLBI stays arm64's). */
	uint64_t t0 = *t;
	int rc;
	if (os->tlb.batch_x86) {
		tlbi_page_nosync(os, mm, pe, va & SM_PAGE_MASK, t);
		rc = sm_mn_arch_invalidate_secondary_tlbs(os, mm, 0, UINT64_MAX,
							  t);
	} else {
		rc = flush_page_nosync(os, mm, pe, va, t);
	}
	account(os, SM_TLBBATCH_ADD_PENDING, t0, *t);
	return rc;
}

void sm_tlbbatch_flush(struct sm_os *os, unsigned pe, uint64_t *t)
{
	/* arch_tlbbatch_flush: just the DSB ISH that waits for them all. */
	uint64_t t0 = *t;
	dsb_ish(os, pe, t);
	account(os, SM_TLBBATCH_FLUSH, t0, *t);
}
