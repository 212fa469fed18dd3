/* SPDX-License-Identifier: MIT */
/*
 * The smmusim trace written by the QEMU importer (docs/trace-format.md,
 * "SMMU events: DMA domains and raw commands" and "Traces imported from
 * QEMU"): the only part of the importer that knows the trace's syntax.
 *
 * Streams are attached with cmds=off, since the guest driver's own
 * commands follow in the log as `cmd` lines.  What the log holds but the
 * trace cannot replay (an aborted translation, a command QEMU did not
 * execute or refused) becomes a comment naming the log line, and the
 * counts of the import and QEMU's own IOTLB counts close the trace as
 * comments.
 *
 * The output file itself (open, printf, text in a comment, close, with
 * "TRACE: write error" messages) is here for the ftrace importer too.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include <smmusim/error.h>

#include "arch/smmu_cmd.h"
#include "trace/import_qemu.h"
#include "trace/trace_keys.h"

/* ---------------------------------------------------------------------- */
/* The output file (both importers)                                       */
/* ---------------------------------------------------------------------- */

int sm_import_out_open(struct sm_import_out *o, struct sm_errbuf *eb,
		       const char *trace_path)
{
	if (strcmp(trace_path, "-") == 0) {
		o->f = stdout;
		o->name = "<stdout>";
		return 0;
	}
	o->name = trace_path;
	o->f = fopen(trace_path, "w");
	if (!o->f)
		return sm_err(eb, SMMUSIM_EIO, "%s: cannot open: %s",
			      trace_path, strerror(errno));
	o->own = true;
	return 0;
}

static int write_error(const struct sm_import_out *o, struct sm_errbuf *eb)
{
	return sm_err(eb, SMMUSIM_EIO, "%s: write error: %s", o->name,
		      strerror(errno ? errno : EIO));
}

int sm_import_out_printf(struct sm_import_out *o, struct sm_errbuf *eb,
			 const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfprintf(o->f, fmt, ap);
	va_end(ap);
	return rc < 0 ? write_error(o, eb) : 0;
}

int sm_import_out_text(struct sm_import_out *o, struct sm_errbuf *eb,
		       const char *s, size_t n)
{
	int rc = 0;

	for (size_t i = 0; !rc && i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		rc = c < 0x20 || c == 0x7f
			 ? sm_import_out_printf(o, eb, "\\x%02x", c)
			 : sm_import_out_printf(o, eb, "%c", c);
	}
	return rc;
}

int sm_import_out_close(struct sm_import_out *o, struct sm_errbuf *eb, int rc)
{
	if (!o->f)
		return rc;
	errno = 0;
	if ((fflush(o->f) != 0 || ferror(o->f)) && !rc)
		rc = write_error(o, eb);
	if (o->own && fclose(o->f) != 0 && !rc)
		rc = write_error(o, eb);
	o->f = NULL;
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Header and footer                                                      */
/* ---------------------------------------------------------------------- */

/* Everything below writes through the QEMU importer's output. */
#define emit(im, ...) sm_import_out_printf(&(im)->out, (im)->eb, __VA_ARGS__)

int sm_import_emit_header(struct sm_importer *im, const char *log_path)
{
	int rc = emit(im, SM_TRACE_MAGIC " " SM_TRACE_VERSION "\n"
					 "# source: ");

	if (!rc)
		rc = sm_import_out_text(&im->out, im->eb, log_path,
					strlen(log_path));
	if (rc)
		return rc;
	return emit(im,
		    "\n"
		    "# imported from a QEMU 7.2 SMMUv3 trace log "
		    "(smmusim import qemu)\n"
		    "# streams are attached with cmds=off: the SMMU commands "
		    "below are the guest driver's own\n");
}

int sm_import_emit_footer(struct sm_importer *im)
{
	int rc = 0;

	if (im->n_pend)
		rc = emit(im,
			  "# %zu mapping(s) of a walk without a "
			  "translation: not imported\n",
			  im->n_pend);
	if (!rc)
		rc = emit(im,
			  "# import: lines=%" PRIu64 " commands=%" PRIu64
			  " mappings=%" PRIu64 " skipped=%" PRIu64
			  " aborts=%" PRIu64 " bypassed=%" PRIu64 "\n",
			  im->st.lines, im->st.commands, im->st.mappings,
			  im->st.skipped, im->aborts, im->bypassed);
	if (!rc)
		rc = emit(im,
			  "# qemu: opcodes=%" PRIu64 " range_invals=%" PRIu64
			  " iotlb_inserts=%" PRIu64 " iotlb_inv_all=%" PRIu64
			  " iotlb_inv_asid=%" PRIu64 "\n",
			  im->opcodes, im->range_invals, im->inserts,
			  im->inv_all, im->inv_asid);
	if (!rc)
		rc = emit(im,
			  "# qemu: translations=%" PRIu64 " iotlb_hits=%" PRIu64
			  " iotlb_misses=%" PRIu64 "\n",
			  im->st.translations, im->st.iotlb_hits,
			  im->st.iotlb_misses);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Domains, mappings, accesses                                            */
/* ---------------------------------------------------------------------- */

int sm_import_emit_domain_create(struct sm_importer *im, uint32_t dom,
				 uint32_t asid)
{
	return emit(im, "domain_create dom=%" PRIu32 " asid=%" PRIu32 "\n", dom,
		    asid);
}

int sm_import_emit_attach(struct sm_importer *im, uint32_t sid, uint32_t dom)
{
	return emit(im,
		    "attach sid=0x%" PRIx32 " dom=%" PRIu32
		    " cmds=off  # log line %" PRIu64 "\n",
		    sid, dom, im->lineno);
}

int sm_import_emit_iommu_map(struct sm_importer *im, uint32_t dom, uint64_t va,
			     unsigned shift, uint64_t pa, bool ro)
{
	return emit(im,
		    "iommu_map dom=%" PRIu32 " va=0x%" PRIx64
		    " len=%s pa=0x%" PRIx64 " prot=%s\n",
		    dom, va,
		    shift == 30	  ? "1G"
		    : shift == 21 ? "2M"
				  : "4K",
		    pa, ro ? "r" : "rw");
}

int sm_import_emit_dev_access(struct sm_importer *im, uint32_t sid, uint64_t va,
			      bool write)
{
	return emit(im, "dev_access sid=0x%" PRIx32 " va=0x%" PRIx64 " op=%s\n",
		    sid, va, write ? "w" : "r");
}

int sm_import_emit_abort(struct sm_importer *im, uint64_t sid, uint64_t iova)
{
	return emit(im,
		    "# line %" PRIu64 ": translation abort sid=0x%" PRIx64
		    " iova=0x%" PRIx64 ": not imported\n",
		    im->lineno, sid, iova);
}

/* ---------------------------------------------------------------------- */
/* Commands                                                               */
/* ---------------------------------------------------------------------- */

/* "cmd op=NAME key=value ...": the fields of `keys` that the command has,
 * in the order of its row of the command table, which is the order of the
 * trace format's keys.  StreamIDs and addresses in hex. */
int sm_import_emit_cmd(struct sm_importer *im, const struct sm_smmu_cmd *cmd,
		       unsigned keys)
{
	const struct sm_smmu_cmd_def *def = sm_smmu_cmd_def((unsigned)cmd->op);
	int rc = emit(im, "cmd op=%s", def->name);

	for (unsigned i = 0; !rc && i < def->nfields; i++) {
		enum sm_smmu_cmd_key k = def->fields[i].key;
		bool hex = k == SM_SMMU_CMD_SID || k == SM_SMMU_CMD_ADDR;

		if (keys & (1u << k))
			rc = emit(im, hex ? " %s=0x%" PRIx64 : " %s=%" PRIu64,
				  sm_smmu_cmd_key_name(k),
				  sm_smmu_cmd_get(cmd, k));
	}
	return rc ? rc : emit(im, "\n");
}

int sm_import_emit_skipped_cmd(struct sm_importer *im, uint64_t line,
			       const char *op, const char *why)
{
	return emit(im, "# line %" PRIu64 ": cmd %s %s\n", line, op, why);
}

int sm_import_emit_illegal(struct sm_importer *im, const char *s, size_t n)
{
	return emit(im,
		    "# line %" PRIu64 ": illegal command (%.*s): "
		    "refused by QEMU, not imported\n",
		    im->lineno, (int)n, s);
}
