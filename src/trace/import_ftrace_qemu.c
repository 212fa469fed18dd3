/* SPDX-License-Identifier: MIT */
/*
 * The QEMU log of the same run merged into an ftrace import: the device's
 * translations, as dev_access lines, between the same invalidation points.
 *
 * The two files have no common clock (QEMU's log backend prints none), but
 * both see every invalidation the driver makes, in the same order:
 *
 *   ftrace                                      QEMU 7.2 log
 *   arm_smmu_iotlb_sync <-__iommu_dma_unmap,    a batch of TLBI_NH_VA closed
 *     right after its unmap (strict:              by CMD_SYNC, covering the
 *     arm_smmu_iotlb_sync of 6.1/6.12 sends       unmap's IOVA range exactly
 *     __arm_smmu_tlb_inv_range's batch)
 *   arm_smmu_flush_iotlb_all (at attach, and    a TLBI_NH_ASID
 *     from fq_flush_iotlb: lazy flush-queue
 *     flushes; arm_smmu_tlb_inv_context)
 *
 * so the k-th point of one file is the k-th of the other; the kinds must
 * match one to one, and a batch's range must be the unmap's (sum of the
 * smmuv3_s1_range_inval pieces, no gap or overlap), or the import stops
 * naming both lines.  The translations QEMU logged between points k-1 and
 * k (before the first command of point k) happened between the same
 * points of ftrace.  Each is written at the earliest place there where
 * ftrace has its page mapped to the address QEMU translated to, keeping
 * QEMU's order (a queue drained before each ftrace line): between two
 * invalidations an IOVA is mapped at most once (the IOVA allocator reuses
 * an IOVA only after its invalidation: iommu_dma_free_iova after the
 * strict sync, fq_ring_free after the flush), so the place is unambiguous,
 * and a translation that cannot be placed before its point is an error.
 * Its time is one cycle before the ftrace line it precedes.
 */
#include <inttypes.h>
#include <string.h>

#include <smmusim/error.h>

#include "base/alloc.h"
#include "base/vec.h"
#include "trace/import_ftrace.h"

static const char *point_name(enum sm_ft_point k)
{
	return k == PT_VA     ? "a TLBI_NH_VA batch + CMD_SYNC"
	       : k == PT_ASID ? "a TLBI_NH_ASID"
			      : "the end of the log";
}

/* ---------------------------------------------------------------------- */
/* Reading the log up to its next invalidation point                      */
/* ---------------------------------------------------------------------- */

static int on_translation(struct sm_ftrace_importer *ft,
			  const struct sm_qemu_cap *c)
{
	struct sm_ft_xlate *x;

	if (c[4].u < 1 || c[4].u > 3)
		return sm_import_line_err(&ft->qin, c[4].col,
					  "perm=0x%" PRIx64 ": expected a read "
					  "(0x1) or a write (0x2, 0x3)",
					  c[4].u);
	if (c[2].u >= SM_FT_VA_LIMIT || c[1].u > UINT32_MAX)
		return sm_import_line_err(&ft->qin, c[2].col,
					  "iova=0x%" PRIx64 " sid=0x%" PRIx64
					  " is beyond the trace's range",
					  c[2].u, c[1].u);
	if (SM_VEC_RESERVE(ft->a, ft->xl, ft->cap_xl, ft->n_xl + 1, 256))
		return sm_import_nomem(&ft->qin);
	x = &ft->xl[ft->n_xl++];
	*x = (struct sm_ft_xlate){.line = ft->qin.lineno,
				  .va = c[2].u,
				  .out = c[3].u,
				  .sid = (uint32_t)c[1].u,
				  .write = c[4].u != 1,
				  .sid_col = c[1].col,
				  .out_col = c[3].col};
	return 0;
}

/* A command: 1 when it completes a point (ft->qpt), else 0. */
static int on_opcode(struct sm_ftrace_importer *ft, const struct sm_qemu_cap *c)
{
	bool va = c->n == 19 && !memcmp(c->s, "SMMU_CMD_TLBI_NH_VA", 19);
	bool asid = c->n == 21 && !memcmp(c->s, "SMMU_CMD_TLBI_NH_ASID", 21);
	bool sync = c->n == 13 && !memcmp(c->s, "SMMU_CMD_SYNC", 13);

	ft->last_op_va = va;
	if (va && !ft->batch_open) {
		ft->batch = (struct sm_ft_qpoint){.kind = PT_VA,
						  .line = ft->qin.lineno,
						  .lo = UINT64_MAX,
						  .seg_end = ft->n_xl};
		ft->batch_open = true;
	}
	if (asid) {
		if (ft->batch_open)
			return sm_import_line_err(
			    &ft->qin, c->col,
			    "TLBI_NH_ASID inside the TLBI_NH_VA batch of line "
			    "%" PRIu64 " (each batch is paired with one unmap)",
			    ft->batch.line);
		ft->qpt = (struct sm_ft_qpoint){.kind = PT_ASID,
						.line = ft->qin.lineno,
						.seg_end = ft->n_xl};
		return 1;
	}
	if (sync && ft->batch_open) {
		ft->qpt = ft->batch;
		ft->batch_open = false;
		return 1;
	}
	return 0;
}

/* smmuv3_s1_range_inval: a piece of the TLBI_NH_VA before it. */
static int on_range(struct sm_ftrace_importer *ft, const struct sm_qemu_cap *c)
{
	uint64_t addr = c[2].u, pages = c[4].u, end;

	if (!ft->last_op_va)
		return 0; /* a TLBI_NH_VAA's: not a point */
	if (c[3].u > 1)
		return sm_import_line_err(&ft->qin, c[3].col,
					  "tg=%" PRIu64 ": the DMA domains "
					  "have the 4K granule (tg=0 or 1)",
					  c[3].u);
	if (pages == 0 || pages > SM_FT_VA_LIMIT >> SM_FT_PAGE_SHIFT ||
	    addr >= SM_FT_VA_LIMIT ||
	    pages << SM_FT_PAGE_SHIFT > SM_FT_VA_LIMIT - addr)
		return sm_import_line_err(&ft->qin, c[2].col,
					  "addr=0x%" PRIx64
					  " num_pages=0x%" PRIx64
					  " is beyond the 48-bit IOVA range",
					  addr, pages);
	end = addr + (pages << SM_FT_PAGE_SHIFT);
	if (addr < ft->batch.lo)
		ft->batch.lo = addr;
	if (end > ft->batch.hi)
		ft->batch.hi = end;
	ft->batch.pages += pages;
	return 0;
}

/* The translations up to the next point: sets ft->qpt (PT_NONE at the
 * end of the log). */
static int read_segment(struct sm_ftrace_importer *ft)
{
	struct sm_qemu_cap caps[SM_QEMU_MAX_CAPS];
	const struct sm_qemu_event *ev;
	const char *s;
	size_t n;
	int rc;

	while ((rc = sm_import_next_line(&ft->qin, &s, &n)) > 0) {
		rc = sm_qemu_parse_line(&ft->qin, s, n, &ev, caps);
		if (rc)
			return rc;
		if (!ev)
			continue;
		switch (ev->kind) {
		case EK_XLATE_OK:
			rc = on_translation(ft, caps);
			break;
		case EK_LOOKUP_HIT:
			ft->st.iotlb_hits++;
			break;
		case EK_LOOKUP_MISS:
			ft->st.iotlb_misses++;
			break;
		case EK_OPCODE:
			rc = on_opcode(ft, caps);
			if (rc > 0) {
				ft->qpoints++;
				return 0;
			}
			break;
		case EK_RANGE_INVAL:
			rc = on_range(ft, caps);
			break;
		default:
			break;
		}
		if (rc)
			return rc;
	}
	if (rc)
		return rc;
	if (ft->qin.smmu_lines == 0)
		return sm_import_err(&ft->qin, SMMUSIM_EPARSE,
				     "%s: no QEMU SMMU trace events (smmu_*, "
				     "smmuv3_*) in %" PRIu64 " lines",
				     ft->qin.log_name, ft->qin.lineno);
	ft->qpt = (struct sm_ft_qpoint){
	    .kind = PT_NONE, .line = ft->qin.lineno, .seg_end = ft->n_xl};
	return 0;
}

int sm_ftq_open(struct sm_ftrace_importer *ft, const char *path)
{
	int rc;

	sm_import_init(&ft->qin, ft->a, ft->eb, path);
	ft->have_qemu = true;
	rc = sm_import_open_input(&ft->qin, path);
	return rc ? rc : read_segment(ft);
}

void sm_ftq_close(struct sm_ftrace_importer *ft)
{
	sm_import_close_input(&ft->qin);
	sm_free(ft->a, ft->xl, ft->cap_xl * sizeof(*ft->xl));
}

/* ---------------------------------------------------------------------- */
/* Placing the translations                                               */
/* ---------------------------------------------------------------------- */

/* Can x go here: its device's, its page mapped to where QEMU went? */
static bool placeable(struct sm_ftrace_importer *ft,
		      const struct sm_ft_xlate *x, uint32_t sid)
{
	const struct sm_ft_page *p =
	    sm_ft_page_find(ft, x->va >> SM_FT_PAGE_SHIFT);

	return x->sid == sid && p &&
	       (p->pa_page << SM_FT_PAGE_SHIFT | (x->va & (SM_FT_PAGE - 1))) ==
		   x->out;
}

int sm_ftq_drain(struct sm_ftrace_importer *ft, uint64_t cycles)
{
	uint64_t t = cycles ? cycles - 1 : 0;
	int64_t d = sm_ft_dma_index(ft);
	int rc = 0;

	if (!ft->have_qemu || d < 0)
		return 0;
	while (!rc && ft->xl_head < ft->qpt.seg_end &&
	       placeable(ft, &ft->xl[ft->xl_head], ft->devs[d].sid)) {
		const struct sm_ft_xlate *x = &ft->xl[ft->xl_head++];

		rc = sm_ft_emit_time(ft, t);
		if (!rc)
			rc = sm_ft_emit(ft,
					"dev_access sid=0x%" PRIx32
					" va=0x%" PRIx64 " op=%s\n",
					x->sid, x->va, x->write ? "w" : "r");
		ft->st.translations++;
	}
	return rc;
}

/* The first translation of the segment found no place before point
 * `upto` (the end of the file if 0): why, at its line of the log. */
static int unplaced(struct sm_ftrace_importer *ft, uint64_t upto)
{
	const struct sm_ft_xlate *x = &ft->xl[ft->xl_head];
	const struct sm_ft_page *p =
	    sm_ft_page_find(ft, x->va >> SM_FT_PAGE_SHIFT);
	int64_t d = sm_ft_dma_index(ft);

	ft->qin.lineno = x->line;
	if (d >= 0 && x->sid != ft->devs[d].sid)
		return sm_import_line_err(
		    &ft->qin, x->sid_col,
		    "a translation of sid=0x%" PRIx32 ", but the maps of "
		    "%s go to %s (sid=0x%" PRIx32 "): name the DMA device "
		    "with --dma-device",
		    x->sid, ft->fin.log_name, ft->devs[d].name,
		    ft->devs[d].sid);
	if (p)
		return sm_import_line_err(
		    &ft->qin, x->out_col,
		    "translated=0x%" PRIx64 ", but %s:%" PRIu64 " maps "
		    "iova=0x%" PRIx64 " to 0x%" PRIx64,
		    x->out, ft->fin.log_name, p->line,
		    x->va & ~(SM_FT_PAGE - 1), p->pa_page << SM_FT_PAGE_SHIFT);
	return sm_import_line_err(
	    &ft->qin, 1,
	    "iova=0x%" PRIx64 " is not mapped in %s between invalidation "
	    "points %" PRIu64 " and %" PRIu64 " (up to line %" PRIu64 "), "
	    "in QEMU's order of translations: the two files do not pair",
	    x->va, ft->fin.log_name, ft->st.points, ft->st.points + 1,
	    upto ? upto : ft->fin.lineno);
}

/* The next segment: what was read past the point moves to the front. */
static int next_segment(struct sm_ftrace_importer *ft)
{
	size_t keep = ft->n_xl - ft->qpt.seg_end;

	if (keep) /* xl may still be NULL: memmove's pointers must not be */
		memmove(ft->xl, ft->xl + ft->qpt.seg_end,
			keep * sizeof(*ft->xl));
	if (ft->batch_open)
		ft->batch.seg_end -= ft->qpt.seg_end;
	ft->n_xl = keep;
	ft->xl_head = 0;
	return read_segment(ft);
}

int sm_ftq_point(struct sm_ftrace_importer *ft, enum sm_ft_point kind,
		 size_t col)
{
	const struct sm_ft_qpoint *q = &ft->qpt;

	if (ft->xl_head < q->seg_end)
		return unplaced(ft, kind == PT_VA ? ft->unmap.line
						  : ft->fin.lineno);
	if (q->kind != kind)
		return sm_import_line_err(
		    &ft->fin, col,
		    "invalidation point %" PRIu64 " is %s here but %s in %s "
		    "(line %" PRIu64 "): the two files do not pair",
		    ft->st.points + 1, point_name(kind), point_name(q->kind),
		    ft->qin.log_name, q->line);
	if (kind == PT_VA &&
	    (q->lo != ft->unmap.va || q->hi != ft->unmap.va + ft->unmap.len ||
	     q->pages << SM_FT_PAGE_SHIFT != ft->unmap.len))
		return sm_import_line_err(
		    &ft->fin, col,
		    "invalidation point %" PRIu64 ": the unmap of line "
		    "%" PRIu64 " is [0x%" PRIx64 ", 0x%" PRIx64 ") but the "
		    "TLBI_NH_VA batch at %s:%" PRIu64 " covers [0x%" PRIx64
		    ", 0x%" PRIx64 ") in %" PRIu64 " pages",
		    ft->st.points + 1, ft->unmap.line, ft->unmap.va,
		    ft->unmap.va + ft->unmap.len, ft->qin.log_name, q->line,
		    q->lo, q->hi, q->pages);
	ft->st.points++;
	return next_segment(ft);
}

int sm_ftq_finish(struct sm_ftrace_importer *ft)
{
	int rc = sm_ftq_drain(ft, ft->last_out + 1);

	if (rc)
		return rc;
	if (ft->xl_head < ft->qpt.seg_end)
		return unplaced(ft, 0);
	ft->qin.lineno = ft->qpt.line;
	if (ft->qpt.kind != PT_NONE)
		return sm_import_line_err(
		    &ft->qin, 1,
		    "invalidation point %" PRIu64 " (%s) has no counterpart: "
		    "%s has %" PRIu64 " (arm_smmu_iotlb_sync "
		    "<-__iommu_dma_unmap and arm_smmu_flush_iotlb_all lines)",
		    ft->st.points + 1, point_name(ft->qpt.kind),
		    ft->fin.log_name, ft->st.points);
	return 0;
}
