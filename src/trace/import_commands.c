/* SPDX-License-Identifier: MIT */
/*
 * SMMU command lines of a QEMU 7.2 log, as smmusim `cmd` events.
 *
 * QEMU 7.2's command queue (hw/arm/smmuv3.c, smmuv3_cmdq_consume) traces
 * each command it consumes as smmuv3_cmdq_opcode "<--- SMMU_CMD_NAME", and
 * the commands it executes with fields then print one more line of their
 * own (hw/arm/trace-events): smmuv3_cmdq_cfgi_ste, _cfgi_ste_range,
 * _cfgi_cd, _tlbi_nh, _tlbi_nh_asid, or one smmuv3_s1_range_inval per
 * power-of-two piece of a TLBI_NH_VA/VAA range.  Such a command is written
 * at its detail line, with the fields that line gives; one whose detail
 * line never comes was not executed by QEMU and is noted, not imported.
 * The fields are checked against the ranges of the command's fields
 * (SMMUv3 spec chapter 4) before they are written.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <smmusim/error.h>

#include "trace/import_qemu.h"

/* ---------------------------------------------------------------------- */
/* SMMU commands as QEMU 7.2 names them                                   */
/* ---------------------------------------------------------------------- */

/*
 * The only place of the importer that lists SMMU commands.  QEMU 7.2
 * prints "SMMU_CMD_" + the upper-case name; the trace word is the
 * lower-case name (the trace reader's cmd op words, trace_keys.c).  Each
 * command says which detail line carries its fields.  The names are to
 * come from the one table of SMMU commands (src/arch/smmu_cmd.h) once it
 * exists; the detail lines are QEMU's.
 */
enum cmd_detail {
	CD_NONE,      /* written at the opcode line */
	CD_STE,	      /* smmuv3_cmdq_cfgi_ste */
	CD_STE_RANGE, /* smmuv3_cmdq_cfgi_ste_range */
	CD_CD,	      /* smmuv3_cmdq_cfgi_cd */
	CD_NH,	      /* smmuv3_cmdq_tlbi_nh */
	CD_NH_ASID,   /* smmuv3_cmdq_tlbi_nh_asid */
	CD_RANGE,     /* one or more smmuv3_s1_range_inval */
};

struct sm_qemu_cmd {
	const char *name; /* lower case, without SMMU_CMD_ */
	enum cmd_detail detail;
};

static const struct sm_qemu_cmd qemu72_cmds[] = {
    {"prefetch_config", CD_NONE}, {"prefetch_addr", CD_NONE},
    {"cfgi_ste", CD_STE},	  {"cfgi_ste_range", CD_STE_RANGE},
    {"cfgi_cd", CD_CD},		  {"cfgi_cd_all", CD_CD},
    {"tlbi_nh_all", CD_NH},	  {"tlbi_nh_asid", CD_NH_ASID},
    {"tlbi_nh_va", CD_RANGE},	  {"tlbi_nh_vaa", CD_RANGE},
    {"tlbi_el3_all", CD_NONE},	  {"tlbi_el3_va", CD_NONE},
    {"tlbi_el2_all", CD_NONE},	  {"tlbi_el2_asid", CD_NONE},
    {"tlbi_el2_va", CD_NONE},	  {"tlbi_el2_vaa", CD_NONE},
    {"tlbi_s12_vmall", CD_NONE},  {"tlbi_s2_ipa", CD_NONE},
    {"tlbi_nsnh_all", CD_NH},	  {"atc_inv", CD_NONE},
    {"pri_resp", CD_NONE},	  {"resume", CD_NONE},
    {"stall_term", CD_NONE},	  {"sync", CD_NONE},
};

#define N_QEMU_CMDS (sizeof(qemu72_cmds) / sizeof(qemu72_cmds[0]))

/* A command whose detail line never came: QEMU did not execute it (a
 * CFGI for a StreamID without a device, or a command error). */
int sm_import_close_cmd(struct sm_importer *im)
{
	const struct sm_qemu_cmd *c = im->cmd;

	im->cmd = NULL;
	if (!c)
		return 0;
	im->no_detail++;
	return sm_import_emit_no_detail(im, im->cmd_line, c->name);
}

/* smmuv3_cmdq_opcode: a command consumed, written now or at its detail
 * line. */
int sm_import_on_opcode(struct sm_importer *im, const struct sm_qemu_cap *c)
{
	const char *s = c[0].s;
	size_t n = c[0].n;
	char lower[32];
	int rc;

	rc = sm_import_close_cmd(im);
	if (rc)
		return rc;
	im->range_cmd = NULL;
	im->opcodes++;
	if ((n == 7 && !memcmp(s, "UNKNOWN", 7)) ||
	    (n == 7 && !memcmp(s, "INVALID", 7))) {
		/* QEMU refuses an illegal opcode (CERROR_ILL) and stops. */
		im->illegal++;
		return sm_import_emit_illegal(im, s, n);
	}
	if (n <= 9 || memcmp(s, "SMMU_CMD_", 9) != 0 || n - 9 >= sizeof(lower))
		return sm_import_line_err(
		    im,
		    "unknown SMMU command '%.*s' (expected "
		    "SMMU_CMD_NAME)",
		    (int)(n > SM_QEMU_NAME_SHOWN ? SM_QEMU_NAME_SHOWN : n), s);
	for (size_t i = 9; i < n; i++) {
		char ch = s[i];
		lower[i - 9] =
		    ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
	}
	lower[n - 9] = '\0';
	for (size_t i = 0; i < N_QEMU_CMDS; i++) {
		const struct sm_qemu_cmd *qc = &qemu72_cmds[i];

		if (strcmp(qc->name, lower) != 0)
			continue;
		if (qc->detail == CD_NONE) {
			im->st.commands++;
			return sm_import_emit_cmd(im, qc->name);
		}
		im->cmd = qc;
		im->cmd_line = im->lineno;
		return 0;
	}
	return sm_import_line_err(
	    im,
	    "SMMU command '%.*s' has no equivalent in the trace format "
	    "(cmd op words: see docs/trace-format.md)",
	    (int)n, s);
}

/* The pending command, if `ev` is its detail line (kind `d`); else a line
 * error, and NULL. */
static const struct sm_qemu_cmd *want_cmd(struct sm_importer *im,
					  enum cmd_detail d, const char *ev)
{
	const struct sm_qemu_cmd *c = im->cmd;

	if (c && c->detail == d) {
		im->cmd = NULL;
		return c;
	}
	sm_import_line_err(
	    im, "'%s' without a preceding SMMU command that prints it", ev);
	return NULL;
}

/* smmuv3_cmdq_cfgi_ste: the StreamID of CMD_CFGI_STE. */
int sm_import_on_cfgi_ste(struct sm_importer *im, const struct sm_qemu_cap *c)
{
	if (!want_cmd(im, CD_STE, "smmuv3_cmdq_cfgi_ste"))
		return SMMUSIM_EPARSE;
	im->st.commands++;
	return sm_import_emit_cmd_sid(im, "cfgi_ste", c[0].u);
}

/* smmuv3_cmdq_cfgi_cd: CMD_CFGI_CD(_ALL).  QEMU 7.2 prints the StreamID
 * only, not the SubstreamID. */
int sm_import_on_cfgi_cd(struct sm_importer *im, const struct sm_qemu_cap *c)
{
	const struct sm_qemu_cmd *qc =
	    want_cmd(im, CD_CD, "smmuv3_cmdq_cfgi_cd");

	if (!qc)
		return SMMUSIM_EPARSE;
	im->st.commands++;
	return sm_import_emit_cmd_sid(im, qc->name, c[0].u);
}

/* smmuv3_cmdq_tlbi_nh: CMD_TLBI_NH_ALL or CMD_TLBI_NSNH_ALL. */
int sm_import_on_tlbi_nh(struct sm_importer *im, const struct sm_qemu_cap *c)
{
	const struct sm_qemu_cmd *qc =
	    want_cmd(im, CD_NH, "smmuv3_cmdq_tlbi_nh");

	(void)c;
	if (!qc)
		return SMMUSIM_EPARSE;
	im->st.commands++;
	return sm_import_emit_cmd(im, qc->name);
}

/* smmuv3_cmdq_tlbi_nh_asid: the ASID of CMD_TLBI_NH_ASID. */
int sm_import_on_tlbi_nh_asid(struct sm_importer *im,
			      const struct sm_qemu_cap *c)
{
	if (!want_cmd(im, CD_NH_ASID, "smmuv3_cmdq_tlbi_nh_asid"))
		return SMMUSIM_EPARSE;
	if (c[0].i < 0 || c[0].i > 0xffff)
		return sm_import_line_err(
		    im, "asid=%" PRId64 " is out of range", c[0].i);
	im->st.commands++;
	return sm_import_emit_tlbi_nh_asid(im, c[0].i);
}

/* smmuv3_cmdq_cfgi_ste_range: CMD_CFGI_STE_RANGE's aligned range of
 * 2^(Range+1) StreamIDs. */
int sm_import_on_cfgi_ste_range(struct sm_importer *im,
				const struct sm_qemu_cap *c)
{
	uint64_t start = c[0].u, end = c[1].u, n;
	unsigned range = 0;

	if (!want_cmd(im, CD_STE_RANGE, "smmuv3_cmdq_cfgi_ste_range"))
		return SMMUSIM_EPARSE;
	n = end - start + 1;
	if (end < start || end > UINT32_MAX || n < 2 || (n & (n - 1)) ||
	    (start & (n - 1)))
		return sm_import_line_err(
		    im,
		    "start=0x%" PRIx64 " - end=0x%" PRIx64
		    " is not an aligned range of 2^(Range+1) StreamIDs",
		    start, end);
	while ((2ull << range) != n)
		range++;
	im->st.commands++;
	return sm_import_emit_cfgi_ste_range(im, start, range);
}

/* smmuv3_s1_range_inval: one power-of-two piece of a TLBI_NH_VA or
 * TLBI_NH_VAA, as one command with QEMU's NUM and SCALE (TG != 0) or a
 * single page (TG = 0). */
int sm_import_on_range_inval(struct sm_importer *im,
			     const struct sm_qemu_cap *c)
{
	const struct sm_qemu_cmd *qc = im->range_cmd;
	int64_t vmid = c[0].i, asid = c[1].i, tg = c[3].i, ttl = c[5].i,
		leaf = c[6].i;
	uint64_t addr = c[2].u, pages = c[4].u;
	unsigned scale = 0;
	uint64_t num;
	bool vaa;

	if (!qc) {
		qc = want_cmd(im, CD_RANGE, "smmuv3_s1_range_inval");
		if (!qc)
			return SMMUSIM_EPARSE;
		im->range_cmd = qc;
		im->range_pieces = 0;
	}
	im->range_pieces++;
	im->range_invals++;
	vaa = strcmp(qc->name, "tlbi_nh_vaa") == 0;
	if (vmid < 0 || vmid > 0xffff || tg < 0 || tg > 3 || ttl < 0 ||
	    ttl > 3 || leaf < 0 || leaf > 1 || (vaa ? asid != -1 : asid < 0) ||
	    asid > 0xffff || pages == 0)
		return sm_import_line_err(
		    im,
		    "field out of range (vmid 0..65535, asid %s, tg "
		    "0..3, ttl 0..3, leaf 0..1, num_pages > 0)",
		    vaa ? "-1 for TLBI_NH_VAA" : "0..65535");
	if (tg == 0) {
		if (pages != 1)
			return sm_import_line_err(
			    im,
			    "tg=0 with num_pages=0x%" PRIx64
			    " (QEMU 7.2 prints 0x1)",
			    pages);
		num = 0;
	} else {
		while (!((pages >> scale) & 1))
			scale++;
		num = (pages >> scale) - 1;
		/* A 2^k piece with k > 31: NUM takes the excess. */
		while (scale > 31 && num < 31) {
			scale--;
			num = num * 2 + 1;
		}
		if (num > 31 || scale > 31)
			return sm_import_line_err(
			    im,
			    "num_pages=0x%" PRIx64
			    " is not (NUM+1) << SCALE with NUM, "
			    "SCALE 0..31",
			    pages);
	}
	im->st.commands++;
	return sm_import_emit_tlbi_nh_va(im, vaa, vmid, asid, addr, tg, num,
					 scale, ttl, leaf);
}
