/* SPDX-License-Identifier: MIT */
/*
 * Inline decoders of the commands the SMMU consumes most, for its command
 * queue (hw/smmu/cmdq.c; host time): the opcode and the fields of the
 * command's row in the table (arch/smmu_cmd.h, smmu_cmd.c), read with the
 * same Linux masks (arch/smmu_regs.h) as the row's layout names, so that
 * they give what sm_smmu_cmd_decode_own gives (test_smmu_cmd checks it).
 * And inline encoders of the commands the driver writes most: CMD_RESUME
 * (the event thread, for every stalled fault), TLBI_NH_ASID (the SVA
 * notifier's flush of a whole mm) and TLBI_NH_VA (every range
 * invalidation, whose ASIDs alternate between domains and mms): the words
 * sm_smmu_cmd_build makes of the same fields (test_smmu_cmd checks that
 * too).
 * Apart from smmu_cmd.h because its masks need smmu_regs.h, which itself
 * needs the opcodes of smmu_cmd.h.
 */
#ifndef SM_ARCH_SMMU_CMD_DECODE_H
#define SM_ARCH_SMMU_CMD_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/smmu_cmd.h"
#include "arch/smmu_regs.h"

/* A TLBI_NH_VA, what every unmap of a stage-1 DMA domain issues (the
 * SMMU decodes each twice: when consumed and when it takes effect): the
 * opcode and its row's fields, the other members as they were.  w must
 * hold a TLBI_NH_VA. */
static inline const struct sm_smmu_cmd_def *
sm_smmu_cmd_decode_tlbi_nh_va(const uint64_t w[2], struct sm_smmu_cmd *cmd)
{
	cmd->op = CMDQ_OP_TLBI_NH_VA;
	cmd->vmid = sm_field_get(CMDQ_TLBI_0_VMID, w[0]);
	cmd->asid = sm_field_get(CMDQ_TLBI_0_ASID, w[0]);
	cmd->addr = w[1] & CMDQ_TLBI_1_VA_MASK;
	cmd->tg = sm_field_get(CMDQ_TLBI_1_TG, w[1]);
	cmd->num = sm_field_get(CMDQ_TLBI_0_NUM, w[0]);
	cmd->scale = sm_field_get(CMDQ_TLBI_0_SCALE, w[0]);
	cmd->ttl = sm_field_get(CMDQ_TLBI_1_TTL, w[1]);
	cmd->leaf = sm_field_get(CMDQ_TLBI_1_LEAF, w[1]);
	return &sm_smmu_cmd_defs[SM_SMMU_CMD_ROW_TLBI_NH_VA];
}

/* A TLBI_NH_ASID, what the SVA notifier's flush of a whole mm issues
 * (the SMMU decodes each twice: when consumed and when it takes effect):
 * the opcode and its row's fields, VMID and ASID, the other members as
 * they were.  w must hold a TLBI_NH_ASID. */
static inline const struct sm_smmu_cmd_def *
sm_smmu_cmd_decode_tlbi_nh_asid(const uint64_t w[2], struct sm_smmu_cmd *cmd)
{
	cmd->op = CMDQ_OP_TLBI_NH_ASID;
	cmd->vmid = sm_field_get(CMDQ_TLBI_0_VMID, w[0]);
	cmd->asid = sm_field_get(CMDQ_TLBI_0_ASID, w[0]);
	return &sm_smmu_cmd_defs[SM_SMMU_CMD_ROW_TLBI_NH_ASID];
}

/* CMD_RESUME (spec 4.7.2; Linux's arm_smmu_cmdq_build_cmd, case
 * CMDQ_OP_RESUME): StreamID, the stalled transaction's STAG and the
 * response (CMDQ_RESUME_0_RESP_RETRY, _ABORT or _TERM).  Every value of
 * the parameters' types fits its field, so there is nothing to check. */
static inline void sm_smmu_cmd_build_resume(uint64_t w[2], uint32_t sid,
					    uint16_t stag, unsigned resp)
{
	w[0] = sm_field_prep(CMDQ_0_OP, CMDQ_OP_RESUME) |
	       sm_field_prep(CMDQ_RESUME_0_SID, sid) |
	       sm_field_prep(CMDQ_RESUME_0_RESP, resp);
	w[1] = sm_field_prep(CMDQ_RESUME_1_STAG, stag);
}

/* CMD_TLBI_NH_ASID of stage 1 (spec 4.4.2; Linux's arm_smmu_cmdq_build_cmd,
 * case CMDQ_OP_TLBI_NH_ASID falling through to the VMID of
 * CMDQ_OP_TLBI_S12_VMALL, which is 0 for a stage-1-only domain and SVA):
 * the ASID.  A uint16_t fits its field, so there is nothing to check. */
static inline void sm_smmu_cmd_build_tlbi_nh_asid(uint64_t w[2], uint16_t asid)
{
	w[0] = sm_field_prep(CMDQ_0_OP, CMDQ_OP_TLBI_NH_ASID) |
	       sm_field_prep(CMDQ_TLBI_0_ASID, asid);
	w[1] = 0;
}

/* CMD_TLBI_NH_VA of stage 1 (spec 4.4.3; Linux's arm_smmu_cmdq_build_cmd,
 * case CMDQ_OP_TLBI_NH_VA, VMID 0): ASID, NUM, SCALE, the address (its bits
 * of CMDQ_TLBI_1_VA_MASK, as Linux masks it), LEAF, TTL and TG.  Every
 * value must fit its field (NUM, SCALE 5 bits, TTL, TG 2 bits); the
 * caller's values do (FIELD_PREP truncated them first). */
static inline void sm_smmu_cmd_build_tlbi_nh_va(uint64_t w[2], uint16_t asid,
						unsigned num, unsigned scale,
						uint64_t addr, bool leaf,
						unsigned ttl, unsigned tg)
{
	w[0] = sm_field_prep(CMDQ_0_OP, CMDQ_OP_TLBI_NH_VA) |
	       sm_field_prep(CMDQ_TLBI_0_ASID, asid) |
	       sm_field_prep(CMDQ_TLBI_0_NUM, num) |
	       sm_field_prep(CMDQ_TLBI_0_SCALE, scale);
	w[1] = (addr & CMDQ_TLBI_1_VA_MASK) |
	       sm_field_prep(CMDQ_TLBI_1_LEAF, leaf) |
	       sm_field_prep(CMDQ_TLBI_1_TTL, ttl) |
	       sm_field_prep(CMDQ_TLBI_1_TG, tg);
}

/* A CMD_RESUME, what the SMMU consumes for every stalled fault: the
 * opcode and its row's fields, the other members as they were.  w must
 * hold a CMD_RESUME. */
static inline const struct sm_smmu_cmd_def *
sm_smmu_cmd_decode_resume(const uint64_t w[2], struct sm_smmu_cmd *cmd)
{
	cmd->op = CMDQ_OP_RESUME;
	cmd->sid = sm_field_get(CMDQ_RESUME_0_SID, w[0]);
	cmd->resp = sm_field_get(CMDQ_RESUME_0_RESP, w[0]);
	cmd->stag = sm_field_get(CMDQ_RESUME_1_STAG, w[1]);
	return &sm_smmu_cmd_defs[SM_SMMU_CMD_ROW_RESUME];
}

#endif
