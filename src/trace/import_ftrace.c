/* SPDX-License-Identifier: MIT */
/*
 * Importer of Linux ftrace text (include/smmusim/import.h,
 * smmusim_import_ftrace): the DMA API calls a real kernel made, as a trace
 * that the simulator's kernel model replays (docs/trace-format.md,
 * "Traces imported from ftrace"; docs/validation.md, "Linux DMA API:
 * ftrace + QEMU log").
 *
 * The file is streamed line by line (import_input.c: plain or compressed); each
 * line is parsed strictly (import_ftrace_line.c) and becomes:
 *
 *   add_device_to_group       the device's group (its DMA domain's id)
 *   attach_device_to_domain   domain_create (the group's first) + attach
 *   map                       dma_map dom= va= len= pa= prot=rw cpu=
 *   unmap                     dma_unmap dom= va= len= cpu=, written when
 *                             the next line is read: with a QEMU log, an
 *                             arm_smmu_iotlb_sync <-__iommu_dma_unmap line
 *                             right after it is its invalidation point
 *   io_page_fault             a comment (no trace event is a fault's cause)
 *   tracing_mark_write        a comment (the workload's PHASE/DD markers)
 *   function-tracer lines     checked, then nothing, except the flush-alls
 *                             (arm_smmu_flush_iotlb_all, fq_flush_iotlb:
 *                             comments) and, with a QEMU log, the
 *                             invalidation points (import_ftrace_qemu.c)
 *
 * Times: each line's "SECONDS.FRACTION" times clock_hz, rounded to the
 * nearest cycle, written as @N; ftrace's global clock is one clock for all
 * CPUs, so the file is in time order and a line earlier than the one
 * before is refused.  Whether the kernel ran strict or lazy is not in the
 * file (the tracepoints are the same; the invalidations are the model's to
 * choose): the replay's -o policy.dma.mode= says it.
 */
#include <inttypes.h>
#include <string.h>

#include <smmusim/error.h>
#include <smmusim/import.h>

#include "base/alloc.h"
#include "base/errbuf.h"
#include "trace/import_ftrace.h"
#include "trace/trace_keys.h"

/* ---------------------------------------------------------------------- */
/* Output                                                                 */
/* ---------------------------------------------------------------------- */

int sm_ft_emit_time(struct sm_ftrace_importer *ft, uint64_t cycles)
{
	if (cycles < ft->last_out)
		cycles = ft->last_out;
	ft->last_out = cycles;
	return sm_ft_emit(ft, "@%" PRIu64 " ", cycles);
}

int sm_ft_emit_note(struct sm_ftrace_importer *ft, const char *what,
		    const char *s, size_t n)
{
	int rc = sm_ft_emit(ft, "# %" PRIu64 ": %s: ", ft->fin.lineno, what);

	if (!rc)
		rc = sm_import_out_text(&ft->out, ft->eb, s, n);
	return rc ? rc : sm_ft_emit(ft, "\n");
}

static int emit_header(struct sm_ftrace_importer *ft, const char *path)
{
	const struct smmusim_import_ftrace_opts *o = ft->opts;
	int rc =
	    sm_ft_emit(ft, SM_TRACE_MAGIC " " SM_TRACE_VERSION "\n# source: ");

	if (!rc)
		rc = sm_import_out_text(&ft->out, ft->eb, path, strlen(path));
	if (!rc)
		rc = sm_ft_emit(
		    ft,
		    "\n# imported from Linux ftrace (iommu tracepoints) by "
		    "smmusim import ftrace; comments '# N:' name its lines\n"
		    "# clock_hz: %" PRIu64 " (@N = seconds * clock_hz; replay "
		    "with -o sim.clock_hz=%" PRIu64 ")\n"
		    "# the strict/lazy DMA mode is not in the file: replay "
		    "with -o policy.dma.mode=strict|lazy\n"
		    "# sid: a PCI device's Requester ID (bus<<8 | dev<<3 | fn)",
		    ft->clock_hz, ft->clock_hz);
	for (size_t i = 0; !rc && o && i < o->n_sids; i++) {
		rc = sm_ft_emit(ft, i ? ", " : "; --sid ");
		if (!rc)
			rc = sm_import_out_text(&ft->out, ft->eb,
						o->sids[i].device,
						strlen(o->sids[i].device));
		if (!rc)
			rc = sm_ft_emit(ft, "=0x%" PRIx32, o->sids[i].sid);
	}
	if (!rc)
		rc = sm_ft_emit(ft, "\n# dma device: ");
	if (!rc && o && o->dma_device)
		rc = sm_import_out_text(&ft->out, ft->eb, o->dma_device,
					strlen(o->dma_device));
	else if (!rc)
		rc = sm_ft_emit(ft, "the device attached last before each "
				    "map/unmap");
	if (!rc && o && o->qemu_log) {
		rc = sm_ft_emit(ft, "\n# qemu-log: ");
		if (!rc)
			rc = sm_import_out_text(&ft->out, ft->eb, o->qemu_log,
						strlen(o->qemu_log));
		if (!rc)
			rc = sm_ft_emit(ft, " (its translations: dev_access)");
	}
	return rc ? rc : sm_ft_emit(ft, "\n");
}

static int emit_footer(struct sm_ftrace_importer *ft)
{
	const struct smmusim_import_ftrace_stats *st = &ft->st;
	int rc = sm_ft_emit(
	    ft,
	    "# ftrace: lines=%" PRIu64 " devices=%" PRIu64 " maps=%" PRIu64
	    " map_pages=%" PRIu64 " unmaps=%" PRIu64 " unmap_pages=%" PRIu64
	    " functions=%" PRIu64 " markers=%" PRIu64 " faults=%" PRIu64 "\n",
	    st->lines, st->devices, st->maps, st->map_pages, st->unmaps,
	    st->unmap_pages, st->functions, st->markers, st->faults);

	if (!rc && ft->have_qemu)
		rc = sm_ft_emit(ft,
				"# qemu: translations=%" PRIu64
				" iotlb_hits=%" PRIu64 " iotlb_misses=%" PRIu64
				" invalidation_points=%" PRIu64 "\n",
				st->translations, st->iotlb_hits,
				st->iotlb_misses, st->points);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* One line                                                               */
/* ---------------------------------------------------------------------- */

static bool is_func(const struct sm_ft_line *l, const char *f,
		    const char *parent)
{
	size_t n = strlen(f);

	if (l->kind != FT_FUNC || l->func_len != n || memcmp(l->func, f, n))
		return false;
	n = parent ? strlen(parent) : 0;
	return !parent || (l->parent_len == n && !memcmp(l->parent, parent, n));
}

/* A function-tracer line: an invalidation point, a comment, or nothing. */
static int on_function(struct sm_ftrace_importer *ft,
		       const struct sm_ft_line *l)
{
	int rc = 0;

	ft->st.functions++;
	if (is_func(l, "arm_smmu_iotlb_sync", "__iommu_dma_unmap") &&
	    ft->have_qemu)
		return sm_import_line_err(
		    &ft->fin, 1,
		    "arm_smmu_iotlb_sync <-__iommu_dma_unmap not right after "
		    "the iommu:unmap of its CPU: its invalidation cannot be "
		    "paired with the QEMU log's");
	if (is_func(l, "fq_flush_iotlb", NULL) ||
	    is_func(l, "arm_smmu_flush_iotlb_all", NULL))
		rc = sm_ft_emit_note(ft, "flush", l->text, l->text_len);
	if (!rc && ft->have_qemu &&
	    is_func(l, "arm_smmu_flush_iotlb_all", NULL))
		rc = sm_ftq_point(ft, PT_ASID, 1);
	return rc;
}

static int handle(struct sm_ftrace_importer *ft, const struct sm_ft_line *l,
		  const char *s, size_t n)
{
	switch (l->kind) {
	case FT_SKIP:
		return 0;
	case FT_FUNC:
		return on_function(ft, l);
	case FT_MARK:
		ft->st.markers++;
		return sm_ft_emit_note(ft, "marker", l->text, l->text_len);
	case FT_ADD_GROUP:
		return sm_ft_on_add_group(ft, l);
	case FT_ATTACH:
		return sm_ft_on_attach(ft, l);
	case FT_MAP:
		return sm_ft_on_map(ft, l);
	case FT_UNMAP:
		return sm_ft_on_unmap(ft, l);
	case FT_FAULT:
		return sm_ft_on_fault(ft, l, s, n);
	}
	return 0;
}

static int one_line(struct sm_ftrace_importer *ft, const char *s, size_t n)
{
	struct sm_ft_line l;
	int rc = sm_ft_parse_line(ft, s, n, &l);

	if (rc || l.kind == FT_SKIP)
		return rc;
	if (l.cycles < ft->last_cycles)
		return sm_import_line_err(
		    &ft->fin, l.ts_col,
		    "time goes backwards: %" PRIu64 " cycles, before line "
		    "%" PRIu64 "'s %" PRIu64 " (the global trace clock is "
		    "monotonic: use trace_clock=global)",
		    l.cycles, ft->last_cycles_line, ft->last_cycles);
	ft->last_cycles = l.cycles;
	ft->last_cycles_line = ft->fin.lineno;
	if (ft->unmap.held) {
		/* strict: the sync of this unmap is its invalidation point */
		if (is_func(&l, "arm_smmu_iotlb_sync", "__iommu_dma_unmap") &&
		    l.cpu == ft->unmap.cpu) {
			ft->st.functions++;
			rc = ft->have_qemu ? sm_ftq_point(ft, PT_VA, 1) : 0;
			return rc ? rc : sm_ft_write_unmap(ft);
		}
		rc = sm_ft_write_unmap(ft);
	}
	if (!rc)
		rc = sm_ftq_drain(ft, l.cycles);
	return rc ? rc : handle(ft, &l, s, n);
}

static int run(struct sm_ftrace_importer *ft)
{
	const char *s;
	size_t n;
	int rc;

	while ((rc = sm_import_next_line(&ft->fin, &s, &n)) > 0) {
		rc = one_line(ft, s, n);
		if (rc)
			return rc;
	}
	if (!rc && ft->unmap.held)
		rc = sm_ft_write_unmap(ft);
	if (!rc && ft->have_qemu)
		rc = sm_ftq_finish(ft);
	ft->st.lines = ft->fin.st.lines;
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Entry point                                                            */
/* ---------------------------------------------------------------------- */

static int check_opts(struct sm_ftrace_importer *ft,
		      const struct smmusim_import_ftrace_opts *o)
{
	ft->clock_hz = SMMUSIM_IMPORT_CLOCK_HZ_DEFAULT;
	if (!o)
		return 0;
	/* sim.clock_hz's range: the trace's header says "replay with -o
	 * sim.clock_hz=N", which must then be accepted. */
	if (o->clock_hz && (o->clock_hz < SMMUSIM_IMPORT_CLOCK_HZ_MIN ||
			    o->clock_hz > SMMUSIM_IMPORT_CLOCK_HZ_MAX))
		return sm_err(ft->eb, SMMUSIM_EINVAL,
			      "clock_hz=%" PRIu64 " is out of range "
			      "(%llu..%llu cycles per second, as sim.clock_hz)",
			      o->clock_hz, SMMUSIM_IMPORT_CLOCK_HZ_MIN,
			      SMMUSIM_IMPORT_CLOCK_HZ_MAX);
	if (o->clock_hz)
		ft->clock_hz = o->clock_hz;
	for (size_t i = 0; i < o->n_sids; i++)
		if (!o->sids[i].device || !o->sids[i].device[0] ||
		    strlen(o->sids[i].device) > SM_FT_NAME_MAX)
			return sm_err(ft->eb, SMMUSIM_EINVAL,
				      "sid %zu: a device name of 1..%u "
				      "bytes is needed",
				      i, SM_FT_NAME_MAX);
	if (o->dma_device &&
	    (!o->dma_device[0] || strlen(o->dma_device) > SM_FT_NAME_MAX))
		return sm_err(ft->eb, SMMUSIM_EINVAL,
			      "dma_device: a device name of 1..%u bytes is "
			      "needed",
			      SM_FT_NAME_MAX);
	return 0;
}

static int open_files(struct sm_ftrace_importer *ft, const char *in_path,
		      const char *trace_path)
{
	int rc;

	sm_import_init(&ft->fin, ft->a, ft->eb, in_path);
	ft->fin.long_line_why = "ftrace lines are short";
	rc = sm_import_open_input(&ft->fin, in_path);
	if (!rc && ft->opts && ft->opts->qemu_log)
		rc = sm_ftq_open(ft, ft->opts->qemu_log);
	if (rc)
		return rc;
	return sm_import_out_open(&ft->out, ft->eb, trace_path);
}

int smmusim_import_ftrace(const char *ftrace_path, const char *trace_path,
			  const struct smmusim_import_ftrace_opts *opts,
			  const struct smmusim_allocator *alloc,
			  struct smmusim_import_ftrace_stats *stats,
			  char *errmsg, size_t errlen)
{
	struct sm_errbuf eb;
	struct sm_ftrace_importer ft;
	int rc;

	memset(&ft, 0, sizeof(ft));
	ft.a = sm_alloc_or_default(alloc);
	ft.eb = &eb;
	ft.opts = opts;
	ft.last_attached = -1;
	rc = sm_import_begin(&eb, "smmusim_import_ftrace", "ftrace",
			     ftrace_path, trace_path);
	if (!rc)
		rc = check_opts(&ft, opts);
	if (!rc)
		rc = open_files(&ft, ftrace_path, trace_path);
	if (!rc)
		rc = emit_header(&ft, ftrace_path);
	if (!rc)
		rc = run(&ft);
	if (!rc)
		rc = emit_footer(&ft);
	rc = sm_import_out_close(&ft.out, &eb, rc);
	sm_import_close_input(&ft.fin);
	if (ft.have_qemu)
		sm_ftq_close(&ft);
	sm_ft_free_dma(&ft);
	if (stats)
		*stats = ft.st;
	return sm_import_end(&eb, rc, errmsg, errlen);
}
