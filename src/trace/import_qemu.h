/* SPDX-License-Identifier: MIT */
/*
 * The QEMU 7.2 log importer's parts (private to src/trace; the entry point
 * is smmusim_import_qemu() of include/smmusim/import.h).
 *
 *   import_qemu.c      the entry point, errors, one line to its handler
 *   qemu_log_line.c    QEMU 7.2's SMMU trace events (hw/arm/trace-events)
 *                      and the strict match of a log line against them
 *   import_input.c     the log, through the input layer (trace_input.c:
 *                      plain, xz, gzip or zstd, "-" for stdin), in lines
 *   import_walks.c     the state rebuilt from translations: streams,
 *                      domains, and each page's mapping as the walker saw
 *                      it (a hash table)
 *   import_commands.c  SMMU command lines (an opcode line, then the line
 *                      that prints its fields)
 *   import_emit.c      the smmusim trace written (docs/trace-format.md),
 *                      and the output file of both importers
 */
#ifndef SM_TRACE_IMPORT_QEMU_H
#define SM_TRACE_IMPORT_QEMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <smmusim/alloc.h>
#include <smmusim/import.h>

#include "base/errbuf.h"
#include "trace/trace_input.h"

#define SM_QEMU_MAX_CAPS 10
#define SM_QEMU_NAME_SHOWN 64 /* longest event name quoted in a message */

/* ---------------------------------------------------------------------- */
/* QEMU 7.2's SMMU trace events (qemu_log_line.c)                         */
/* ---------------------------------------------------------------------- */

/* What a line of each event does: each kind has its handler. */
enum sm_qemu_kind {
	EK_IGNORE,	 /* validated, nothing to write */
	EK_CONFIG,	 /* config cache hit/miss: StreamID */
	EK_LOOKUP_HIT,	 /* IOTLB lookup: ASID */
	EK_LOOKUP_MISS,	 /* */
	EK_INSERT,	 /* counted only */
	EK_INV_ALL,	 /* counted only */
	EK_INV_ASID,	 /* counted only */
	EK_DECODE_TT,	 /* granule check */
	EK_PAGE_PTE,	 /* leaf descriptor of a walk */
	EK_BLOCK_PTE,	 /* */
	EK_XLATE_OK,	 /* translate_success */
	EK_XLATE_FAIL,	 /* translate_abort: a walk that failed */
	EK_XLATE_BYPASS, /* translate_bypass/disable: no IOTLB involved */
	EK_OPCODE,	 /* cmdq_opcode */
	EK_UNHANDLED,	 /* cmdq_opcode's command not executed by QEMU */
	EK_CFGI_STE,
	EK_CFGI_STE_RANGE,
	EK_CFGI_CD,
	EK_TLBI_NH,
	EK_TLBI_NH_ASID,
	EK_RANGE_INVAL,
};

struct sm_qemu_event {
	const char *name;
	const char *fmt; /* arguments after "NAME " */
	enum sm_qemu_kind kind;
};

/* One argument of a matched line, in format order. */
struct sm_qemu_cap {
	uint64_t u;    /* %x, or %d when not negative */
	int64_t i;     /* %d */
	const char *s; /* %s */
	size_t n;      /* %s length */
	size_t col;    /* 1-based column of the field in the log line */
};

/* ---------------------------------------------------------------------- */
/* The importer                                                           */
/* ---------------------------------------------------------------------- */

struct sm_smmu_cmd;	/* arch/smmu_cmd.h */
struct sm_smmu_cmd_def; /* a row of the SMMU command table */

/* The state rebuilt from translations (import_walks.c). */
struct sm_import_stream;
struct sm_import_domain;
struct sm_import_pending_map;
struct sm_import_page;

/* The trace an importer writes (import_emit.c): a file, or stdout. */
struct sm_import_out {
	FILE *f;
	bool own;	  /* opened here: closed here */
	const char *name; /* for messages: the path, or "<stdout>" */
};

struct sm_importer {
	const struct smmusim_allocator *a;
	const char *log_name;
	struct sm_errbuf *eb;

	/* input */
	struct sm_input in;
	const char *long_line_why; /* why a line over 64 KiB is refused (NULL:
				    * QEMU's) */
	uint64_t lineno;

	/* output */
	struct sm_import_out out;

	/* translation in progress */
	int64_t walk_sid;  /* from the config cache line, -1 if none */
	int64_t walk_asid; /* from the IOTLB lookup line, -1 if none */
	struct sm_import_pending_map *pend;
	size_t n_pend, cap_pend;

	/* command in progress: one awaiting its detail line (or NULL), and
	 * the TLBI_NH_VA(A) taking range pieces */
	const struct sm_smmu_cmd_def *cmd;
	uint64_t cmd_line;
	/* a command without fields, written at the next SMMU line unless
	 * that line says QEMU left it unhandled (or NULL) */
	const struct sm_smmu_cmd_def *plain_cmd;
	uint64_t plain_line;
	const struct sm_smmu_cmd_def *range_cmd;
	unsigned range_pieces;

	struct sm_import_stream *streams;
	size_t n_streams, cap_streams;
	struct sm_import_domain *domains;
	size_t n_domains, cap_domains;

	struct sm_import_page *pages;
	size_t n_pages, cap_pages; /* cap: power of 2 */

	/* counts */
	struct smmusim_import_stats st;
	uint64_t smmu_lines;
	uint64_t inserts, inv_all, inv_asid, range_invals, opcodes;
	uint64_t aborts, bypassed, no_detail, illegal;
};

/* Errors (import_qemu.c, both importers): "code" with a whole message, and
 * "LOG:LINE:COLUMN: " errors about the current line (SMMUSIM_EPARSE), the
 * column (1-based, in bytes) of the field that is wrong, 1 for a problem
 * of the whole line. */
int sm_import_err(struct sm_importer *im, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int sm_import_line_err(struct sm_importer *im, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "LOG: out of memory". */
int sm_import_nomem(struct sm_importer *im);
/* The ends of both importers' entry points (`entry`, its name): begin
 * clears eb and refuses a NULL path (the input is a `in_kind` file); end
 * copies eb's message to errmsg (or "" on success) and returns rc. */
int sm_import_begin(struct sm_errbuf *eb, const char *entry,
		    const char *in_kind, const char *in_path,
		    const char *trace_path);
int sm_import_end(const struct sm_errbuf *eb, int rc, char *errmsg,
		  size_t errlen);

/* One log line (import_qemu.c). */
int sm_import_line(struct sm_importer *im, const char *s, size_t len);

/*
 * Parse one log line (qemu_log_line.c): 0 with *evp and caps filled for an
 * SMMU event of QEMU 7.2, 0 with *evp NULL for another QEMU event (counted
 * in st.skipped), < 0 for a line that is not QEMU 7.2's.
 */
int sm_qemu_parse_line(struct sm_importer *im, const char *s, size_t len,
		       const struct sm_qemu_event **evp,
		       struct sm_qemu_cap *caps);

/*
 * Match s[0..len) exactly against a format of qemu72_events.def's notation
 * (%d signed decimal, %x 1 to 16 lower-case hex digits, %s a word, the rest
 * literal), filling caps in order with their columns (col0: the column of
 * s[0]); false on any difference, *badp the offset of the first byte that
 * does not match.  The ftrace importer reads the kernel's tracepoint
 * formats with it too.
 */
bool sm_qemu_match_fmt(const char *fmt, const char *s, size_t len, size_t col0,
		       struct sm_qemu_cap *caps, size_t *badp);
/* The value of a lower-case hex digit (as QEMU's and the kernel's %x
 * print them), or -1. */
int sm_qemu_hex_digit(char c);
/* The 1-based column of the first control byte (C0, DEL) in s, or 0. */
size_t sm_qemu_control_byte_col(const char *s, size_t len);

/* Input (import_input.c). */
/* A zeroed importer of the log `log_name`, no translation in progress. */
void sm_import_init(struct sm_importer *im, const struct smmusim_allocator *a,
		    struct sm_errbuf *eb, const char *log_name);
int sm_import_open_input(struct sm_importer *im, const char *path);
/* The next line in *s, *n (no newline; valid until the next call): 1, or 0
 * at the end of the log, or < 0 on error (a line too long, a truncated
 * last line, a read or xz error). */
int sm_import_next_line(struct sm_importer *im, const char **s, size_t *n);
/* Read the whole log, handing each line to sm_import_line(). */
int sm_import_run(struct sm_importer *im);
void sm_import_close_input(struct sm_importer *im);

/* Translations (import_walks.c). */
int sm_import_on_config(struct sm_importer *im, const struct sm_qemu_cap *c);
int sm_import_on_lookup(struct sm_importer *im, bool hit,
			const struct sm_qemu_cap *c);
int sm_import_on_decode_tt(struct sm_importer *im, const struct sm_qemu_cap *c);
int sm_import_on_page_pte(struct sm_importer *im, const struct sm_qemu_cap *c);
int sm_import_on_block_pte(struct sm_importer *im, const struct sm_qemu_cap *c);
int sm_import_on_translate(struct sm_importer *im, const struct sm_qemu_cap *c);
int sm_import_on_abort(struct sm_importer *im, const struct sm_qemu_cap *c);
void sm_import_free_walks(struct sm_importer *im);

/* Commands (import_commands.c). */
int sm_import_on_opcode(struct sm_importer *im, const struct sm_qemu_cap *c);
int sm_import_on_cfgi_ste(struct sm_importer *im, const struct sm_qemu_cap *c);
int sm_import_on_cfgi_ste_range(struct sm_importer *im,
				const struct sm_qemu_cap *c);
int sm_import_on_cfgi_cd(struct sm_importer *im, const struct sm_qemu_cap *c);
int sm_import_on_tlbi_nh(struct sm_importer *im, const struct sm_qemu_cap *c);
int sm_import_on_tlbi_nh_asid(struct sm_importer *im,
			      const struct sm_qemu_cap *c);
int sm_import_on_range_inval(struct sm_importer *im,
			     const struct sm_qemu_cap *c);
/* smmuv3_unhandled_cmd: the command before it was not executed. */
int sm_import_on_unhandled(struct sm_importer *im, const struct sm_qemu_cap *c);
/* The command without fields of the line before, written now. */
int sm_import_write_plain(struct sm_importer *im);
/* A command still waiting for its detail line: noted, not imported; one
 * without fields: written. */
int sm_import_close_cmd(struct sm_importer *im);

/*
 * The output of both importers (import_emit.c), errors into eb: open
 * trace_path ("-": stdout); printf to it ("TRACE: write error: ..."); text
 * with its control bytes as \xNN, for a comment (a newline would end it);
 * flush and close, returning rc, or the write error if rc is 0.
 */
int sm_import_out_open(struct sm_import_out *o, struct sm_errbuf *eb,
		       const char *trace_path);
int sm_import_out_printf(struct sm_import_out *o, struct sm_errbuf *eb,
			 const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int sm_import_out_text(struct sm_import_out *o, struct sm_errbuf *eb,
		       const char *s, size_t n);
int sm_import_out_close(struct sm_import_out *o, struct sm_errbuf *eb, int rc);

/* The trace written (import_emit.c). */
int sm_import_emit_header(struct sm_importer *im, const char *log_path);
int sm_import_emit_footer(struct sm_importer *im);
int sm_import_emit_domain_create(struct sm_importer *im, uint32_t dom,
				 uint32_t asid);
int sm_import_emit_attach(struct sm_importer *im, uint32_t sid, uint32_t dom);
int sm_import_emit_iommu_map(struct sm_importer *im, uint32_t dom, uint64_t va,
			     unsigned shift, uint64_t pa, bool ro);
int sm_import_emit_dev_access(struct sm_importer *im, uint32_t sid, uint64_t va,
			      bool write);
int sm_import_emit_abort(struct sm_importer *im, uint64_t sid, uint64_t iova);
/* "cmd op=NAME key=value ...": the fields of cmd that are in `keys` (a mask
 * of 1 << enum sm_smmu_cmd_key) and in the command. */
int sm_import_emit_cmd(struct sm_importer *im, const struct sm_smmu_cmd *cmd,
		       unsigned keys);
/* "# line N: cmd OP WHY": a command QEMU did not execute, not imported. */
int sm_import_emit_skipped_cmd(struct sm_importer *im, uint64_t line,
			       const char *op, const char *why);
int sm_import_emit_illegal(struct sm_importer *im, const char *s, size_t n);

#endif
