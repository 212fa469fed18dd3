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
 * command not listed has no fields: it is written at the next SMMU line,
 * unless that line is smmuv3_unhandled_cmd (QEMU did nothing).
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
 * QEMU printed does not: it is a huge one here.  If not, a line error at
 * the column of the field (cols: the column of each key's field, 0 for a
 * key the line does not print). */
static int cmd_fits(struct sm_importer *im, const struct sm_smmu_cmd *cmd,
		    const size_t cols[SM_SMMU_CMD_KEY_COUNT_])
{
	enum sm_smmu_cmd_key bad;
	uint64_t max;
	int rc = sm_smmu_cmd_check(cmd, &bad, &max);

	if (rc == SMMUSIM_EINVAL)
		return sm_import_line_err(
		    im, cols[bad],
		    "%s=0x%" PRIx64 " is not aligned to its command field "
		    "(0x%" PRIx64 "..0x%" PRIx64 ", 4K aligned)",
		    sm_smmu_cmd_key_name(bad), sm_smmu_cmd_get(cmd, bad),
		    (uint64_t)0, max);
	if (rc)
		return sm_import_line_err(
		    im, cols[bad],
		    "%s=%" PRId64 " is out of range (0..%" PRIu64 ")",
		    sm_smmu_cmd_key_name(bad),
		    (int64_t)sm_smmu_cmd_get(cmd, bad), max);
	return 0;
}

/* A command without fields, once the next SMMU line shows QEMU did not
 * leave it unhandled. */
int sm_import_write_plain(struct sm_importer *im)
{
	const struct sm_smmu_cmd_def *def = im->plain_cmd;

	im->plain_cmd = NULL;
	if (!def)
		return 0;
	im->st.commands++;
	return sm_import_emit_cmd(im, &(struct sm_smmu_cmd){.op = def->op}, 0);
}

/*
 * smmuv3_unhandled_cmd: QEMU 7.2 consumed the command of the line before
 * but did nothing (smmuv3_cmdq_consume's default cases: TLBI_S12_VMALL,
 * TLBI_S2_IPA, the EL2/EL3 TLBIs, ATC_INV, PRI_RESP, RESUME, ...).  The
 * replay would execute it (a TLBI_S12_VMALL of VMID 0 empties the stage-1
 * entries), so it becomes a comment.
 */
int sm_import_on_unhandled(struct sm_importer *im, const struct sm_qemu_cap *c)
{
	const struct sm_smmu_cmd_def *def = im->plain_cmd;

	if (!def)
		return sm_import_line_err(im, 1,
					  "'smmuv3_unhandled_cmd' without the "
					  "SMMU command it follows");
	if (c[0].i != (int64_t)def->op)
		return sm_import_line_err(im, c[0].col,
					  "type=%" PRId64 " is not the opcode "
					  "of the command before (%s: %u)",
					  c[0].i, def->name, def->op);
	im->plain_cmd = NULL;
	return sm_import_emit_skipped_cmd(
	    im, im->plain_line, def->name,
	    "unhandled by QEMU 7.2 (smmuv3_unhandled_cmd): not imported");
}

/* A command whose detail line never came: QEMU did not execute it (a
 * CFGI for a StreamID without a device, or a command error). */
int sm_import_close_cmd(struct sm_importer *im)
{
	const struct sm_smmu_cmd_def *c = im->cmd;
	int rc = sm_import_write_plain(im);

	im->cmd = NULL;
	if (rc || !c)
		return rc;
	im->no_detail++;
	return sm_import_emit_skipped_cmd(
	    im, im->cmd_line, c->name,
	    "without its detail line: not executed by QEMU, not imported");
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
		    im, c[0].col,
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
		    im, c[0].col,
		    "SMMU command '%.*s' has no equivalent in the trace format "
		    "(cmd op words: see docs/trace-format.md)",
		    (int)n, s);
	if (detail_of(def) == CD_NONE) {
		im->plain_cmd = def;
		im->plain_line = im->lineno;
		return 0;
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
	    im, 1, "'%s' without a preceding SMMU command that prints it", ev);
	return NULL;
}

/* The pending command's detail line `ev` (kind `d`) gave the fields of
 * `cmd` in `keys`: the command, written. */
static int write_detail(struct sm_importer *im, enum cmd_detail d,
			const char *ev, struct sm_smmu_cmd cmd, unsigned keys,
			size_t sid_col)
{
	const struct sm_smmu_cmd_def *def = want_cmd(im, d, ev);
	size_t cols[SM_SMMU_CMD_KEY_COUNT_] = {[SM_SMMU_CMD_SID] = sid_col};
	int rc;

	if (!def)
		return SMMUSIM_EPARSE;
	cmd.op = def->op;
	rc = cmd_fits(im, &cmd, cols);
	if (rc)
		return rc;
	im->st.commands++;
	return sm_import_emit_cmd(im, &cmd, keys);
}

/* smmuv3_cmdq_cfgi_ste: the StreamID of CMD_CFGI_STE. */
int sm_import_on_cfgi_ste(struct sm_importer *im, const struct sm_qemu_cap *c)
{
	return write_detail(im, CD_STE, "smmuv3_cmdq_cfgi_ste",
			    (struct sm_smmu_cmd){.sid = c[0].u}, KEY(SID),
			    c[0].col);
}

/* smmuv3_cmdq_cfgi_cd: CMD_CFGI_CD(_ALL).  QEMU 7.2 prints the StreamID
 * only, not the SubstreamID. */
int sm_import_on_cfgi_cd(struct sm_importer *im, const struct sm_qemu_cap *c)
{
	return write_detail(im, CD_CD, "smmuv3_cmdq_cfgi_cd",
			    (struct sm_smmu_cmd){.sid = c[0].u}, KEY(SID),
			    c[0].col);
}

/* smmuv3_cmdq_tlbi_nh: CMD_TLBI_NH_ALL or CMD_TLBI_NSNH_ALL, no field. */
int sm_import_on_tlbi_nh(struct sm_importer *im, const struct sm_qemu_cap *c)
{
	(void)c;
	return write_detail(im, CD_NH, "smmuv3_cmdq_tlbi_nh",
			    (struct sm_smmu_cmd){0}, 0, 1);
}

/* smmuv3_cmdq_tlbi_nh_asid: the ASID of CMD_TLBI_NH_ASID. */
int sm_import_on_tlbi_nh_asid(struct sm_importer *im,
			      const struct sm_qemu_cap *c)
{
	const struct sm_smmu_cmd_def *def =
	    want_cmd(im, CD_NH_ASID, "smmuv3_cmdq_tlbi_nh_asid");
	size_t cols[SM_SMMU_CMD_KEY_COUNT_] = {[SM_SMMU_CMD_ASID] = c[0].col};
	struct sm_smmu_cmd cmd;
	int rc;

	if (!def)
		return SMMUSIM_EPARSE;
	cmd = (struct sm_smmu_cmd){.op = def->op, .asid = (uint64_t)c[0].i};
	rc = cmd_fits(im, &cmd, cols);
	if (rc)
		return rc;
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
		    im, c[0].col,
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

/*
 * Checks of a range piece beyond the command fields' ranges: what QEMU 7.2
 * executes but the replay would not do the same way.  QEMU 7.2's IOTLB
 * has no VMID in its key (smmu_iotlb_inv_iova ignores the command's VMID),
 * while the model's TLBI_NH_VA matches it against the stage-1 domains'
 * VMID 0; QEMU invalidates any granule, the model refuses TG 2 and 3
 * (16K, 64K) and the architecturally illegal TG != 0 with TTL = NUM =
 * SCALE = 0 with CERROR_ILL; QEMU prints the Address field, 4K aligned.
 */
static int range_piece_ok(struct sm_importer *im, const struct sm_qemu_cap *c,
			  const struct sm_smmu_cmd *cmd)
{
	if (cmd->vmid != 0)
		return sm_import_line_err(
		    im, c[0].col,
		    "vmid=%" PRId64 ": QEMU 7.2 ignores the VMID of a stage-1 "
		    "TLBI, the replay matches it (only vmid=0 can be imported)",
		    c[0].i);
	if (cmd->tg > 1)
		return sm_import_line_err(im, c[3].col,
					  "tg=%" PRId64 ": only the 4K granule "
					  "(tg=0 or 1) can be imported",
					  c[3].i);
	if (cmd->tg && !cmd->ttl && !cmd->num && !cmd->scale)
		return sm_import_line_err(
		    im, c[5].col,
		    "tg=1 with ttl=0 and num_pages=0x1: illegal in the "
		    "architecture (the replay refuses it with CERROR_ILL, "
		    "QEMU 7.2 executes it)");
	return 0;
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
	size_t cols[SM_SMMU_CMD_KEY_COUNT_] = {
	    [SM_SMMU_CMD_VMID] = c[0].col, [SM_SMMU_CMD_ASID] = c[1].col,
	    [SM_SMMU_CMD_ADDR] = c[2].col, [SM_SMMU_CMD_TG] = c[3].col,
	    [SM_SMMU_CMD_TTL] = c[5].col,  [SM_SMMU_CMD_LEAF] = c[6].col};
	struct sm_smmu_cmd cmd;
	bool vaa;
	int rc;

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
	    .addr = c[2].u,
	};
	if (vaa && asid != -1)
		return sm_import_line_err(im, c[1].col,
					  "asid=%" PRId64 ": QEMU 7.2 prints "
					  "asid=-1 for TLBI_NH_VAA",
					  asid);
	rc = cmd_fits(im, &cmd, cols);
	if (rc)
		return rc;
	if (pages == 0)
		return sm_import_line_err(im, c[4].col,
					  "num_pages=0x0: a range piece has at "
					  "least one page");
	if (cmd.tg == 0 && pages != 1)
		return sm_import_line_err(im, c[4].col,
					  "tg=0 with num_pages=0x%" PRIx64
					  " (QEMU 7.2 prints 0x1)",
					  pages);
	if (cmd.tg != 0 && !num_scale(pages, &cmd.num, &cmd.scale))
		return sm_import_line_err(im, c[4].col,
					  "num_pages=0x%" PRIx64
					  " is not (NUM+1) << SCALE with NUM, "
					  "SCALE 0..31",
					  pages);
	rc = range_piece_ok(im, c, &cmd);
	if (rc)
		return rc;
	im->st.commands++;
	return sm_import_emit_cmd(im, &cmd,
				  KEY(VMID) | KEY(ASID) | KEY(ADDR) | KEY(TG) |
				      KEY(NUM) | KEY(SCALE) | KEY(TTL) |
				      KEY(LEAF));
}
