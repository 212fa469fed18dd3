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
 * (SMMUv3 spec chapter 4, as the command table arch/smmu_cmd.h has them)
 * before they are written.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <smmusim/error.h>

#include "arch/smmu_cmd.h"
#include "trace/import_qemu.h"

/* ---------------------------------------------------------------------- */
/* SMMU commands as QEMU 7.2 prints them                                  */
/* ---------------------------------------------------------------------- */

/*
 * QEMU 7.2 prints "SMMU_CMD_" + the upper-case name of the command; the
 * lower-case name is the command's name in the one table of SMMU commands
 * (arch/smmu_cmd.h), which gives the opcode, the trace word and the
 * fields.  What is QEMU's and only written here: which detail line carries
 * the fields of which command, and which fields that line gives.  A
 * command not listed is written at its opcode line, without fields.
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

static const struct {
	unsigned op;
	enum cmd_detail detail;
} qemu72_details[] = {
    {CMDQ_OP_CFGI_STE, CD_STE},	    {CMDQ_OP_CFGI_ALL, CD_STE_RANGE},
    {CMDQ_OP_CFGI_CD, CD_CD},	    {CMDQ_OP_CFGI_CD_ALL, CD_CD},
    {CMDQ_OP_TLBI_NH_ALL, CD_NH},   {CMDQ_OP_TLBI_NH_ASID, CD_NH_ASID},
    {CMDQ_OP_TLBI_NH_VA, CD_RANGE}, {CMDQ_OP_TLBI_NH_VAA, CD_RANGE},
    {CMDQ_OP_TLBI_NSNH_ALL, CD_NH},
};

/* The fields a detail line gives, as sm_import_emit_cmd() keys. */
#define KEY(k) (1u << SM_SMMU_CMD_##k)

static enum cmd_detail detail_of(const struct sm_smmu_cmd_def *def)
{
	for (size_t i = 0;
	     i < sizeof(qemu72_details) / sizeof(qemu72_details[0]); i++)
		if (qemu72_details[i].op == def->op)
			return qemu72_details[i].detail;
	return CD_NONE;
}

/* Do the fields fit the command's (SMMUv3 chapter 4)?  A negative value
 * QEMU printed does not: it is a huge one here. */
static bool cmd_fits(const struct sm_smmu_cmd *cmd)
{
	enum sm_smmu_cmd_key bad;
	uint64_t max;

	return sm_smmu_cmd_check(cmd, &bad, &max) == 0;
}

/* A command whose detail line never came: QEMU did not execute it (a
 * CFGI for a StreamID without a device, or a command error). */
int sm_import_close_cmd(struct sm_importer *im)
{
	const struct sm_smmu_cmd_def *c = im->cmd;

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
	const struct sm_smmu_cmd_def *def;
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
	def = sm_smmu_cmd_lookup(lower);
	if (!def)
		return sm_import_line_err(
		    im,
		    "SMMU command '%.*s' has no equivalent in the trace format "
		    "(cmd op words: see docs/trace-format.md)",
		    (int)n, s);
	if (detail_of(def) == CD_NONE) {
		im->st.commands++;
		return sm_import_emit_cmd(
		    im, &(struct sm_smmu_cmd){.op = def->op}, 0);
	}
	im->cmd = def;
	im->cmd_line = im->lineno;
	return 0;
}

/* The pending command, if `ev` is its detail line (kind `d`); else a line
 * error, and NULL. */
static const struct sm_smmu_cmd_def *want_cmd(struct sm_importer *im,
					      enum cmd_detail d, const char *ev)
{
	const struct sm_smmu_cmd_def *c = im->cmd;

	if (c && detail_of(c) == d) {
		im->cmd = NULL;
		return c;
	}
	sm_import_line_err(
	    im, "'%s' without a preceding SMMU command that prints it", ev);
	return NULL;
}

/* The pending command's detail line `ev` (kind `d`) gave the fields of
 * `cmd` in `keys`: the command, written. */
static int write_detail(struct sm_importer *im, enum cmd_detail d,
			const char *ev, struct sm_smmu_cmd cmd, unsigned keys)
{
	const struct sm_smmu_cmd_def *def = want_cmd(im, d, ev);

	if (!def)
		return SMMUSIM_EPARSE;
	cmd.op = def->op;
	im->st.commands++;
	return sm_import_emit_cmd(im, &cmd, keys);
}

/* smmuv3_cmdq_cfgi_ste: the StreamID of CMD_CFGI_STE. */
int sm_import_on_cfgi_ste(struct sm_importer *im, const struct sm_qemu_cap *c)
{
	return write_detail(im, CD_STE, "smmuv3_cmdq_cfgi_ste",
			    (struct sm_smmu_cmd){.sid = c[0].u}, KEY(SID));
}

/* smmuv3_cmdq_cfgi_cd: CMD_CFGI_CD(_ALL).  QEMU 7.2 prints the StreamID
 * only, not the SubstreamID. */
int sm_import_on_cfgi_cd(struct sm_importer *im, const struct sm_qemu_cap *c)
{
	return write_detail(im, CD_CD, "smmuv3_cmdq_cfgi_cd",
			    (struct sm_smmu_cmd){.sid = c[0].u}, KEY(SID));
}

/* smmuv3_cmdq_tlbi_nh: CMD_TLBI_NH_ALL or CMD_TLBI_NSNH_ALL, no field. */
int sm_import_on_tlbi_nh(struct sm_importer *im, const struct sm_qemu_cap *c)
{
	(void)c;
	return write_detail(im, CD_NH, "smmuv3_cmdq_tlbi_nh",
			    (struct sm_smmu_cmd){0}, 0);
}

/* smmuv3_cmdq_tlbi_nh_asid: the ASID of CMD_TLBI_NH_ASID. */
int sm_import_on_tlbi_nh_asid(struct sm_importer *im,
			      const struct sm_qemu_cap *c)
{
	const struct sm_smmu_cmd_def *def =
	    want_cmd(im, CD_NH_ASID, "smmuv3_cmdq_tlbi_nh_asid");
	struct sm_smmu_cmd cmd;

	if (!def)
		return SMMUSIM_EPARSE;
	cmd = (struct sm_smmu_cmd){.op = def->op, .asid = (uint64_t)c[0].i};
	if (!cmd_fits(&cmd))
		return sm_import_line_err(
		    im, "asid=%" PRId64 " is out of range", c[0].i);
	im->st.commands++;
	return sm_import_emit_cmd(im, &cmd, KEY(ASID));
}

/* smmuv3_cmdq_cfgi_ste_range: CMD_CFGI_STE_RANGE's aligned range of
 * 2^(Range+1) StreamIDs. */
int sm_import_on_cfgi_ste_range(struct sm_importer *im,
				const struct sm_qemu_cap *c)
{
	const struct sm_smmu_cmd_def *def =
	    want_cmd(im, CD_STE_RANGE, "smmuv3_cmdq_cfgi_ste_range");
	uint64_t start = c[0].u, end = c[1].u, n;
	unsigned range = 0;

	if (!def)
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
	return sm_import_emit_cmd(
	    im,
	    &(struct sm_smmu_cmd){.op = def->op, .sid = start, .range = range},
	    KEY(SID) | KEY(RANGE));
}

/* QEMU's num_pages of one range piece as (NUM + 1) << SCALE; false if it
 * is not one. */
static bool num_scale(uint64_t pages, uint64_t *num, uint64_t *scale)
{
	*scale = 0;
	while (!((pages >> *scale) & 1))
		(*scale)++;
	*num = (pages >> *scale) - 1;
	/* A 2^k piece with k > 31: NUM takes the excess. */
	while (*scale > 31 && *num < 31) {
		(*scale)--;
		*num = *num * 2 + 1;
	}
	return *num <= 31 && *scale <= 31;
}

/* smmuv3_s1_range_inval: one power-of-two piece of a TLBI_NH_VA or
 * TLBI_NH_VAA, as one command with QEMU's NUM and SCALE (TG != 0) or a
 * single page (TG = 0).  QEMU prints asid=-1 for TLBI_NH_VAA, which has
 * no ASID. */
int sm_import_on_range_inval(struct sm_importer *im,
			     const struct sm_qemu_cap *c)
{
	const struct sm_smmu_cmd_def *def = im->range_cmd;
	int64_t asid = c[1].i;
	uint64_t pages = c[4].u;
	struct sm_smmu_cmd cmd;
	bool vaa;

	if (!def) {
		def = want_cmd(im, CD_RANGE, "smmuv3_s1_range_inval");
		if (!def)
			return SMMUSIM_EPARSE;
		im->range_cmd = def;
		im->range_pieces = 0;
	}
	im->range_pieces++;
	im->range_invals++;
	vaa = def->op == CMDQ_OP_TLBI_NH_VAA;
	cmd = (struct sm_smmu_cmd){
	    .op = def->op,
	    .vmid = (uint64_t)c[0].i,
	    .asid = vaa ? 0 : (uint64_t)asid,
	    .tg = (uint64_t)c[3].i,
	    .ttl = (uint64_t)c[5].i,
	    .leaf = (uint64_t)c[6].i,
	};
	if (!cmd_fits(&cmd) || (vaa && asid != -1) || pages == 0)
		return sm_import_line_err(
		    im,
		    "field out of range (vmid 0..65535, asid %s, tg "
		    "0..3, ttl 0..3, leaf 0..1, num_pages > 0)",
		    vaa ? "-1 for TLBI_NH_VAA" : "0..65535");
	if (cmd.tg == 0 && pages != 1)
		return sm_import_line_err(im,
					  "tg=0 with num_pages=0x%" PRIx64
					  " (QEMU 7.2 prints 0x1)",
					  pages);
	if (cmd.tg != 0 && !num_scale(pages, &cmd.num, &cmd.scale))
		return sm_import_line_err(im,
					  "num_pages=0x%" PRIx64
					  " is not (NUM+1) << SCALE with NUM, "
					  "SCALE 0..31",
					  pages);
	/* The address after the checks: QEMU prints it from the command's
	 * Address field, 4K-aligned. */
	cmd.addr = c[2].u;
	im->st.commands++;
	return sm_import_emit_cmd(im, &cmd,
				  KEY(VMID) | KEY(ASID) | KEY(ADDR) | KEY(TG) |
				      KEY(NUM) | KEY(SCALE) | KEY(TTL) |
				      KEY(LEAF));
}
