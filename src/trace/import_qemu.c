/* SPDX-License-Identifier: MIT */
/*
 * Importer of QEMU 7.2 SMMUv3 trace logs (include/smmusim/import.h): the
 * entry point, its errors, and what each line of the log becomes.
 *
 * The log is QEMU's "log" trace backend output of the SMMU events of
 * hw/arm/trace-events (QEMU 7.2); it is streamed (import_input.c), each
 * line matched exactly against QEMU 7.2's format for its event
 * (qemu_log_line.c), handed to the handler of its kind, and forgotten.
 * What is kept is small: the streams and domains seen, and the importer's
 * view of each page's mapping, to write an iommu_map only when the walker
 * saw a new output address or permission (import_walks.c).  The trace is
 * written by import_emit.c.
 *
 * What a line becomes:
 *   smmuv3_config_cache_hit/miss  the StreamID of the translation to come
 *   smmu_iotlb_lookup_hit/miss    its ASID (and QEMU's hit/miss counts)
 *   smmu_ptw_page_pte             iommu_map of a 4K leaf, if the mapping is
 *                                 new (smmu_ptw_block_pte: refused)
 *   smmuv3_translate_success      domain_create + attach the first time,
 *                                 then dev_access
 *   smmuv3_cmdq_opcode + detail   cmd (a command whose detail line carries
 *                                 its fields is written at the detail line,
 *                                 one without fields at the next SMMU line
 *                                 unless it is smmuv3_unhandled_cmd:
 *                                 import_commands.c)
 *   anything else                 nothing (counted in stats->skipped)
 *
 * The trace must replay what the log did: a line whose fields the trace
 * cannot carry with the same meaning (ASID 0, an output address 0, an
 * address beyond 48 bits, a block leaf, a TLBI the replay would execute
 * differently, a control byte, ...) is refused with "LOG:LINE:COLUMN:" at
 * the field, never written approximately (docs/trace-format.md, "Traces
 * imported from QEMU").
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <smmusim/error.h>
#include <smmusim/import.h>

#include "base/alloc.h"
#include "base/errbuf.h"
#include "trace/import_qemu.h"

/* ---------------------------------------------------------------------- */
/* Errors                                                                 */
/* ---------------------------------------------------------------------- */

int sm_import_err(struct sm_importer *im, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sm_verr(im->eb, code, fmt, ap);
	va_end(ap);
	return code;
}

int sm_import_line_err(struct sm_importer *im, size_t col, const char *fmt, ...)
{
	char msg[SM_ERRBUF_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sm_import_err(im, SMMUSIM_EPARSE, "%s:%" PRIu64 ":%zu: %s",
			     im->log_name, im->lineno, col ? col : 1, msg);
}

int sm_import_nomem(struct sm_importer *im)
{
	return sm_import_err(im, SMMUSIM_ENOMEM, "%s: out of memory",
			     im->log_name);
}

int sm_import_begin(struct sm_errbuf *eb, const char *entry,
		    const char *in_kind, const char *in_path,
		    const char *trace_path)
{
	sm_err_clear(eb);
	if (!in_path || !trace_path)
		return sm_err(eb, SMMUSIM_EINVAL, "%s: NULL %s path", entry,
			      in_path ? "trace" : in_kind);
	return 0;
}

int sm_import_end(const struct sm_errbuf *eb, int rc, char *errmsg,
		  size_t errlen)
{
	if (errmsg && errlen)
		snprintf(errmsg, errlen, "%s", rc ? eb->msg : "");
	return rc;
}

/* ---------------------------------------------------------------------- */
/* One line                                                               */
/* ---------------------------------------------------------------------- */

/* The kinds whose lines may write to the trace; the others count as
 * skipped. */
static bool writes_trace(enum sm_qemu_kind kind)
{
	switch (kind) {
	case EK_PAGE_PTE:
	case EK_BLOCK_PTE:
	case EK_XLATE_OK:
	case EK_XLATE_FAIL:
	case EK_OPCODE:
	case EK_CFGI_STE:
	case EK_CFGI_STE_RANGE:
	case EK_CFGI_CD:
	case EK_TLBI_NH:
	case EK_TLBI_NH_ASID:
	case EK_RANGE_INVAL:
		return true;
	default:
		return false;
	}
}

/* The handler of each kind of line. */
static int handle_event(struct sm_importer *im, const struct sm_qemu_event *ev,
			const struct sm_qemu_cap *c)
{
	switch (ev->kind) {
	case EK_IGNORE:
		return 0;
	case EK_CONFIG:
		return sm_import_on_config(im, c);
	case EK_LOOKUP_HIT:
		return sm_import_on_lookup(im, true, c);
	case EK_LOOKUP_MISS:
		return sm_import_on_lookup(im, false, c);
	case EK_INSERT:
		im->inserts++;
		return 0;
	case EK_INV_ALL:
		im->inv_all++;
		return 0;
	case EK_INV_ASID:
		im->inv_asid++;
		return 0;
	case EK_DECODE_TT:
		return sm_import_on_decode_tt(im, c);
	case EK_PAGE_PTE:
		return sm_import_on_page_pte(im, c);
	case EK_BLOCK_PTE:
		return sm_import_on_block_pte(im, c);
	case EK_XLATE_OK:
		return sm_import_on_translate(im, c);
	case EK_XLATE_FAIL:
		return sm_import_on_abort(im, c);
	case EK_XLATE_BYPASS:
		im->bypassed++;
		return 0;
	case EK_OPCODE:
		return sm_import_on_opcode(im, c);
	case EK_UNHANDLED:
		return sm_import_on_unhandled(im, c);
	case EK_CFGI_STE:
		return sm_import_on_cfgi_ste(im, c);
	case EK_CFGI_STE_RANGE:
		return sm_import_on_cfgi_ste_range(im, c);
	case EK_CFGI_CD:
		return sm_import_on_cfgi_cd(im, c);
	case EK_TLBI_NH:
		return sm_import_on_tlbi_nh(im, c);
	case EK_TLBI_NH_ASID:
		return sm_import_on_tlbi_nh_asid(im, c);
	case EK_RANGE_INVAL:
		return sm_import_on_range_inval(im, c);
	}
	return 0;
}

int sm_import_line(struct sm_importer *im, const char *s, size_t len)
{
	struct sm_qemu_cap caps[SM_QEMU_MAX_CAPS];
	const struct sm_qemu_event *ev;
	int rc;

	rc = sm_qemu_parse_line(im, s, len, &ev, caps);
	if (rc || !ev)
		return rc;
	if (im->plain_cmd && ev->kind != EK_UNHANDLED) {
		rc = sm_import_write_plain(im);
		if (rc)
			return rc;
	}
	if (!writes_trace(ev->kind))
		im->st.skipped++;
	return handle_event(im, ev, caps);
}

/* ---------------------------------------------------------------------- */
/* Entry point                                                            */
/* ---------------------------------------------------------------------- */

static void cleanup(struct sm_importer *im)
{
	sm_import_close_input(im);
	sm_import_free_walks(im);
}

int smmusim_import_qemu(const char *log_path, const char *trace_path,
			const struct smmusim_allocator *alloc,
			struct smmusim_import_stats *stats, char *errmsg,
			size_t errlen)
{
	struct sm_errbuf eb;
	struct sm_importer im;
	int rc;

	sm_import_init(&im, sm_alloc_or_default(alloc), &eb, log_path);
	rc = sm_import_begin(&eb, "smmusim_import_qemu", "log", log_path,
			     trace_path);
	if (!rc)
		rc = sm_import_open_input(&im, log_path);
	if (!rc)
		rc = sm_import_out_open(&im.out, &eb, trace_path);
	if (rc)
		goto out;
	rc = sm_import_emit_header(&im, log_path);
	if (!rc)
		rc = sm_import_run(&im);
	if (!rc && im.smmu_lines == 0)
		rc = sm_import_err(
		    &im, SMMUSIM_EPARSE,
		    "%s: no QEMU SMMU trace events (smmu_*, smmuv3_*) in "
		    "%" PRIu64 " lines; was QEMU run with "
		    "-trace 'smmuv3_*' -trace 'smmu_*'?",
		    log_path, im.lineno);
	if (!rc)
		rc = sm_import_close_cmd(&im);
	if (!rc)
		rc = sm_import_emit_footer(&im);
out:
	rc = sm_import_out_close(&im.out, &eb, rc);
	cleanup(&im);
	if (stats)
		*stats = im.st;
	return sm_import_end(&eb, rc, errmsg, errlen);
}
