/* SPDX-License-Identifier: MIT */
/*
 * The SMMUv3 commands, written once: every opcode the model knows with its
 * name, class and fields; one builder (fields -> the two 64-bit words of a
 * command queue entry) and one decoder (words -> fields).  Opcodes and
 * layouts are those of the Arm SMMUv3 specification (IHI 0070) chapter 4
 * "Commands" (4.1 "Commands overview" lists the opcodes); opcode and field
 * names are those of Linux's arm-smmu-v3.h (CMDQ_OP_TLBI_NH_VA,
 * CMDQ_TLBI_0_VMID), whose masks are in arch/smmu_regs.h.
 *
 * How to use it
 *
 *   The table.  SM_SMMU_CMDS(X) has one row per command,
 *   X(ID, opcode, name, class, layout): CMDQ_OP_<ID> is the opcode (the
 *   enum below), `name` the lower-case word of stats (smmu.cmd.<name>) and
 *   traces (cmd op=<name>), `class` what kind of command it is, `layout`
 *   which fields it carries (a table in smmu_cmd.c).  A list of words can
 *   be built from it the way SMMUSIM_TLBI_OPS is used:
 *       #define W(id, op, name, cls, lay) {name, CMDQ_OP_##id},
 *       SM_SMMU_CMDS(W)
 *   At run time: sm_smmu_cmd_def(op) is the row of an opcode (NULL: not a
 *   command; the SMMU refuses it with CERROR_ILL), sm_smmu_cmd_lookup(name)
 *   the row of a name, sm_smmu_cmd_name(op) the name;
 *   sm_smmu_cmd_defs[0 .. SM_SMMU_CMD_COUNT) is every row, in opcode order.
 *
 *   A command.  struct sm_smmu_cmd holds the opcode and one member per
 *   field, named as the trace key that fills it (`range` is both
 *   CFGI_STE_RANGE's Range and ATC_INV's Size, as in a trace line);
 *   sm_smmu_cmd_get/set reach a member by key, sm_smmu_cmd_key_name names
 *   it.  A row's fields[] say where each member goes: word, shift, width
 *   and Linux's name of the field; members the command does not have are
 *   left out.
 *
 *   Building.  sm_smmu_cmd_build(&cmd, w, eb) writes w[0] and w[1].  Every
 *   member is range-checked first, in enum sm_smmu_cmd_key order, against
 *   its field in this command or, for a member the command does not have,
 *   against the field it fills in the commands that do (an event submitted
 *   through the API carries every member; the trace reader refuses a key its
 *   command has no field for before it gets here).  The first one that does
 *   not fit fails the build with SMMUSIM_ERANGE and "vmid=65536 is out of
 *   range for its command field (0..65535)" in eb, or, for an address with
 *   bits below its field, SMMUSIM_EINVAL and "addr=0x1001 must be 4K aligned
 *   (the command's address field starts at bit 12)".  eb may be NULL.
 *   sm_smmu_cmd_check() does the checks alone and names the key.  An opcode
 *   outside the table is built as the opcode alone (the SMMU's to refuse).
 *
 *   Decoding.  sm_smmu_cmd_decode(w, &cmd) fills the opcode and the fields
 *   of its row (the others are 0) and returns the row, NULL for an opcode
 *   outside the table; sm_smmu_cmd_decode_own(w, &cmd) leaves the others
 *   as they were.
 *
 *   Example (Linux's CMD_SYNC with CS = SEV):
 *       uint64_t w[2];
 *       sm_smmu_cmd_build(&(struct sm_smmu_cmd){.op = CMDQ_OP_CMD_SYNC,
 *                                               .cs = CMDQ_SYNC_0_CS_SEV},
 *                         w, NULL);
 */
#ifndef SM_ARCH_SMMU_CMD_H
#define SM_ARCH_SMMU_CMD_H

#include <stddef.h>
#include <stdint.h>

#include "base/errbuf.h"

/* clang-format off */
/* X(ID, opcode, name, class, layout): the commands of spec 4.1 the model
 * knows.  Opcode 0x04 is CMD_CFGI_STE_RANGE; CMD_CFGI_ALL is the same
 * opcode with Range = 31, and Linux names it CMDQ_OP_CFGI_ALL. */
#define SM_SMMU_CMDS(X)                                                        \
	X(PREFETCH_CFG,   0x01, "prefetch_config", PREFETCH, prefetch_cfg)     \
	X(PREFETCH_ADDR,  0x02, "prefetch_addr",   PREFETCH, prefetch_addr)    \
	X(CFGI_STE,       0x03, "cfgi_ste",        CFGI,     cfgi_ste)         \
	X(CFGI_ALL,       0x04, "cfgi_ste_range",  CFGI,     cfgi_ste_range)   \
	X(CFGI_CD,        0x05, "cfgi_cd",         CFGI,     cfgi_cd)          \
	X(CFGI_CD_ALL,    0x06, "cfgi_cd_all",     CFGI,     cfgi_cd_all)      \
	X(TLBI_NH_ALL,    0x10, "tlbi_nh_all",     TLBI,     tlbi_vmid)        \
	X(TLBI_NH_ASID,   0x11, "tlbi_nh_asid",    TLBI,     tlbi_vmid_asid)   \
	X(TLBI_NH_VA,     0x12, "tlbi_nh_va",      TLBI,     tlbi_vmid_asid_va)\
	X(TLBI_NH_VAA,    0x13, "tlbi_nh_vaa",     TLBI,     tlbi_vmid_va)     \
	X(TLBI_EL3_ALL,   0x18, "tlbi_el3_all",    TLBI,     none)             \
	X(TLBI_EL3_VA,    0x1a, "tlbi_el3_va",     TLBI,     tlbi_va)          \
	X(TLBI_EL2_ALL,   0x20, "tlbi_el2_all",    TLBI,     none)             \
	X(TLBI_EL2_ASID,  0x21, "tlbi_el2_asid",   TLBI,     tlbi_asid)        \
	X(TLBI_EL2_VA,    0x22, "tlbi_el2_va",     TLBI,     tlbi_asid_va)     \
	X(TLBI_EL2_VAA,   0x23, "tlbi_el2_vaa",    TLBI,     tlbi_va)          \
	X(TLBI_S12_VMALL, 0x28, "tlbi_s12_vmall",  TLBI,     tlbi_vmid)        \
	X(TLBI_S2_IPA,    0x2a, "tlbi_s2_ipa",     TLBI,     tlbi_vmid_ipa)    \
	X(TLBI_NSNH_ALL,  0x30, "tlbi_nsnh_all",   TLBI,     none)             \
	X(ATC_INV,        0x40, "atc_inv",         ATC,      atc_inv)          \
	X(PRI_RESP,       0x41, "pri_resp",        PRI,      pri_resp)         \
	X(RESUME,         0x44, "resume",          STALL,    resume)           \
	X(STALL_TERM,     0x45, "stall_term",      STALL,    stall_term)       \
	X(CMD_SYNC,       0x46, "sync",            SYNC,     sync)
/* clang-format on */

/* The opcodes (CMDQ_0_OP), named as Linux names them. */
enum sm_smmu_cmd_op {
#define SM_SMMU_CMD_OP_(id, op, name, cls, lay) CMDQ_OP_##id = op,
	SM_SMMU_CMDS(SM_SMMU_CMD_OP_)
#undef SM_SMMU_CMD_OP_
};

enum sm_smmu_cmd_class {
	SM_SMMU_CMD_PREFETCH, /* PREFETCH_*: hints, no effect on the model */
	SM_SMMU_CMD_CFGI,     /* configuration (STE, CD) invalidation */
	SM_SMMU_CMD_TLBI,     /* TLB invalidation */
	SM_SMMU_CMD_ATC,      /* ATS: invalidation of a device's ATC */
	SM_SMMU_CMD_PRI,      /* PRI: the answer to a page request */
	SM_SMMU_CMD_STALL,    /* the stall model: RESUME, STALL_TERM */
	SM_SMMU_CMD_SYNC,     /* CMD_SYNC */
	SM_SMMU_CMD_CLASS_COUNT_
};

/* The members of struct sm_smmu_cmd, in the order the builder checks
 * them.  Their names ("asid", "range", ...) are the trace keys. */
enum sm_smmu_cmd_key {
	SM_SMMU_CMD_OP,
	SM_SMMU_CMD_ASID,
	SM_SMMU_CMD_VMID,
	SM_SMMU_CMD_TG,
	SM_SMMU_CMD_NUM,
	SM_SMMU_CMD_SCALE,
	SM_SMMU_CMD_TTL,
	SM_SMMU_CMD_LEAF,
	SM_SMMU_CMD_RANGE,
	SM_SMMU_CMD_SSID,
	SM_SMMU_CMD_ADDR,
	SM_SMMU_CMD_SID,
	SM_SMMU_CMD_SSV,
	SM_SMMU_CMD_GLOBAL,
	SM_SMMU_CMD_RESP,
	SM_SMMU_CMD_STAG,
	SM_SMMU_CMD_GRPID,
	SM_SMMU_CMD_CS,
	SM_SMMU_CMD_KEY_COUNT_
};

/* One command, field by field (Linux: struct arm_smmu_cmdq_ent, flat). */
struct sm_smmu_cmd {
	uint64_t op;		      /* CMDQ_0_OP */
	uint64_t asid, vmid;	      /* TLBI */
	uint64_t tg, num, scale, ttl; /* TLBI range form (RIL), level hint */
	uint64_t leaf;		      /* CFGI and TLBI: leaf entries only */
	uint64_t range;	 /* CFGI_STE_RANGE's Range, ATC_INV's Size */
	uint64_t ssid;	 /* SubstreamID (PASID) */
	uint64_t addr;	 /* the address itself, low bits 0 */
	uint64_t sid;	 /* StreamID */
	uint64_t ssv;	 /* 1: ssid is valid (ATC_INV, PRI_RESP) */
	uint64_t global; /* ATC_INV: every PASID */
	uint64_t resp;	 /* PRI_RESP's and RESUME's response */
	uint64_t stag;	 /* RESUME: the stalled transaction's tag */
	uint64_t grpid;	 /* PRI_RESP: the page request group */
	uint64_t cs;	 /* CMD_SYNC: completion signal */
};

/* Where a member goes in a command. */
struct sm_smmu_cmd_field {
	enum sm_smmu_cmd_key key;
	uint8_t word, shift, width; /* bits [shift + width - 1 : shift] */
	uint64_t mask;		    /* those bits: Linux's mask */
	uint64_t max;		    /* largest value (ATC_INV Size: 52) */
	const char *name;	    /* Linux's mask: "CMDQ_TLBI_0_VMID" */
};

struct sm_smmu_cmd_def {
	unsigned op;
	const char *name; /* stats and traces: "tlbi_nh_va" */
	enum sm_smmu_cmd_class cls;
	const struct sm_smmu_cmd_field *fields;
	unsigned nfields;
};

/* The rows of SM_SMMU_CMDS, in opcode order. */
enum {
#define SM_SMMU_CMD_ONE_(id, op, name, cls, lay) +1
	SM_SMMU_CMD_COUNT = 0 SM_SMMU_CMDS(SM_SMMU_CMD_ONE_)
#undef SM_SMMU_CMD_ONE_
};
extern const struct sm_smmu_cmd_def sm_smmu_cmd_defs[SM_SMMU_CMD_COUNT];
/* CMD_SYNC's row, the last (its opcode is the highest), without a
 * look-up: what sm_smmu_cmd_def(CMDQ_OP_CMD_SYNC) returns. */
#define SM_SMMU_CMD_SYNC_DEF (&sm_smmu_cmd_defs[SM_SMMU_CMD_COUNT - 1])

const struct sm_smmu_cmd_def *sm_smmu_cmd_def(unsigned op);
const struct sm_smmu_cmd_def *sm_smmu_cmd_lookup(const char *name);
const char *sm_smmu_cmd_name(unsigned op); /* NULL: not a command */
const char *sm_smmu_cmd_class_name(enum sm_smmu_cmd_class cls);
const char *sm_smmu_cmd_key_name(enum sm_smmu_cmd_key key);
/* A member by key (a trace line's key=value, a generic loop). */
uint64_t sm_smmu_cmd_get(const struct sm_smmu_cmd *cmd,
			 enum sm_smmu_cmd_key key);
void sm_smmu_cmd_set(struct sm_smmu_cmd *cmd, enum sm_smmu_cmd_key key,
		     uint64_t v);
/* The field of `key` in `def`, NULL if the command does not have it. */
const struct sm_smmu_cmd_field *
sm_smmu_cmd_field(const struct sm_smmu_cmd_def *def, enum sm_smmu_cmd_key key);

/* The row of each opcode in sm_smmu_cmd_defs, by ID: SM_SMMU_CMD_ROW_CMD_SYNC
 * for CMDQ_OP_CMD_SYNC. */
enum {
#define SM_SMMU_CMD_ROWNO_(id, op, name, cls, lay) SM_SMMU_CMD_ROW_##id,
	SM_SMMU_CMDS(SM_SMMU_CMD_ROWNO_)
#undef SM_SMMU_CMD_ROWNO_
};

/* The checks of sm_smmu_cmd_build: 0, or the error with the first member
 * that does not fit in *bad and the largest value it may take in *max. */
int sm_smmu_cmd_check(const struct sm_smmu_cmd *cmd, enum sm_smmu_cmd_key *bad,
		      uint64_t *max);
int sm_smmu_cmd_build(const struct sm_smmu_cmd *cmd, uint64_t w[2],
		      struct sm_errbuf *eb);
const struct sm_smmu_cmd_def *sm_smmu_cmd_decode(const uint64_t w[2],
						 struct sm_smmu_cmd *cmd);
/* The same without zeroing the members the command does not have: they
 * keep whatever they held (uninitialised, for a fresh struct), so only a
 * caller that reads the row's own fields and nothing else may use it (the
 * SMMU's command consumer, host time: 18 stores fewer per command). */
const struct sm_smmu_cmd_def *sm_smmu_cmd_decode_own(const uint64_t w[2],
						     struct sm_smmu_cmd *cmd);

#endif
