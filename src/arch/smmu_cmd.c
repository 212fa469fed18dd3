/* SPDX-License-Identifier: MIT */
/*
 * The SMMUv3 command table, its builder and its decoder (arch/smmu_cmd.h).
 *
 * Each layout below lists the fields one command carries, in the order a
 * trace line writes them, each from its Linux mask in arch/smmu_regs.h (so
 * word, shift and width are read off the mask, never typed twice).  The
 * layouts follow the command formats of the SMMUv3 specification chapter 4
 * and what Linux's arm_smmu_cmdq_build_cmd() fills for each opcode; fields
 * the model neither builds nor reads (PREFETCH_ADDR's Size and Stride, the
 * Secure-state bits) are left out.
 */
#include "arch/smmu_cmd.h"

#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include <smmusim/error.h>

#include "arch/smmu_regs.h"

/* clang-format off */
/* A field of word `w` at the bits of Linux's `mask`, taking values up to
 * `max`.  An address field holds the address itself: its largest value is
 * the mask.  ATC_INV's Size is 6 bits wide, its values 0..52 (52: all). */
#define FIELD(key, w, mask, max, name)                                         \
	{SM_SMMU_CMD_##key, (w), __builtin_ctzll(mask),                        \
	 __builtin_popcountll(mask), (mask), (max), name}
#define F(key, w, mask)                                                        \
	FIELD(key, w, mask, (mask) >> __builtin_ctzll(mask), #mask)
#define F_ADDR(w, mask) FIELD(ADDR, w, mask, mask, #mask)
#define F_MAX(key, w, mask, max) FIELD(key, w, mask, max, #mask)
#define END {SM_SMMU_CMD_KEY_COUNT_, 0, 0, 0, 0, 0, NULL}

static const struct sm_smmu_cmd_field f_none[] = {END};
static const struct sm_smmu_cmd_field f_prefetch_cfg[] = {
	F(SID, 0, CMDQ_PREFETCH_0_SID), END};
static const struct sm_smmu_cmd_field f_prefetch_addr[] = {
	F(SID, 0, CMDQ_PREFETCH_0_SID), F_ADDR(1, CMDQ_PREFETCH_1_ADDR_MASK),
	END};
static const struct sm_smmu_cmd_field f_cfgi_ste[] = {
	F(SID, 0, CMDQ_CFGI_0_SID), F(LEAF, 1, CMDQ_CFGI_1_LEAF), END};
static const struct sm_smmu_cmd_field f_cfgi_ste_range[] = {
	F(SID, 0, CMDQ_CFGI_0_SID), F(RANGE, 1, CMDQ_CFGI_1_RANGE), END};
static const struct sm_smmu_cmd_field f_cfgi_cd[] = {
	F(SID, 0, CMDQ_CFGI_0_SID), F(SSID, 0, CMDQ_CFGI_0_SSID),
	F(LEAF, 1, CMDQ_CFGI_1_LEAF), END};
static const struct sm_smmu_cmd_field f_cfgi_cd_all[] = {
	F(SID, 0, CMDQ_CFGI_0_SID), END};
/* TLBI: the VMID and ASID tags, then the address and its range form. */
#define TLBI_RANGE                                                             \
	F(TG, 1, CMDQ_TLBI_1_TG), F(NUM, 0, CMDQ_TLBI_0_NUM),                  \
	F(SCALE, 0, CMDQ_TLBI_0_SCALE), F(TTL, 1, CMDQ_TLBI_1_TTL),            \
	F(LEAF, 1, CMDQ_TLBI_1_LEAF)
static const struct sm_smmu_cmd_field f_tlbi_vmid[] = {
	F(VMID, 0, CMDQ_TLBI_0_VMID), END};
static const struct sm_smmu_cmd_field f_tlbi_vmid_asid[] = {
	F(VMID, 0, CMDQ_TLBI_0_VMID), F(ASID, 0, CMDQ_TLBI_0_ASID), END};
static const struct sm_smmu_cmd_field f_tlbi_vmid_asid_va[] = {
	F(VMID, 0, CMDQ_TLBI_0_VMID), F(ASID, 0, CMDQ_TLBI_0_ASID),
	F_ADDR(1, CMDQ_TLBI_1_VA_MASK), TLBI_RANGE, END};
static const struct sm_smmu_cmd_field f_tlbi_vmid_va[] = {
	F(VMID, 0, CMDQ_TLBI_0_VMID), F_ADDR(1, CMDQ_TLBI_1_VA_MASK),
	TLBI_RANGE, END};
/* CMD_TLBI_S2_IPA: the address is an IPA, bits [51:12]. */
static const struct sm_smmu_cmd_field f_tlbi_vmid_ipa[] = {
	F(VMID, 0, CMDQ_TLBI_0_VMID), F_ADDR(1, CMDQ_TLBI_1_IPA_MASK),
	TLBI_RANGE, END};
static const struct sm_smmu_cmd_field f_tlbi_asid[] = {
	F(ASID, 0, CMDQ_TLBI_0_ASID), END};
static const struct sm_smmu_cmd_field f_tlbi_asid_va[] = {
	F(ASID, 0, CMDQ_TLBI_0_ASID), F_ADDR(1, CMDQ_TLBI_1_VA_MASK),
	TLBI_RANGE, END};
static const struct sm_smmu_cmd_field f_tlbi_va[] = {
	F_ADDR(1, CMDQ_TLBI_1_VA_MASK), TLBI_RANGE, END};
static const struct sm_smmu_cmd_field f_atc_inv[] = {
	F(SID, 0, CMDQ_ATC_0_SID), F(SSID, 0, CMDQ_ATC_0_SSID),
	F(SSV, 0, CMDQ_0_SSV), F(GLOBAL, 0, CMDQ_ATC_0_GLOBAL),
	F_MAX(RANGE, 1, CMDQ_ATC_1_SIZE, ATC_INV_SIZE_ALL),
	F_ADDR(1, CMDQ_ATC_1_ADDR_MASK), END};
static const struct sm_smmu_cmd_field f_pri_resp[] = {
	F(SID, 0, CMDQ_PRI_0_SID), F(SSID, 0, CMDQ_PRI_0_SSID),
	F(SSV, 0, CMDQ_0_SSV), F(GRPID, 1, CMDQ_PRI_1_GRPID),
	F(RESP, 1, CMDQ_PRI_1_RESP), END};
static const struct sm_smmu_cmd_field f_resume[] = {
	F(SID, 0, CMDQ_RESUME_0_SID), F(RESP, 0, CMDQ_RESUME_0_RESP),
	F(STAG, 1, CMDQ_RESUME_1_STAG), END};
static const struct sm_smmu_cmd_field f_stall_term[] = {
	F(SID, 0, CMDQ_STALL_TERM_0_SID), END};
static const struct sm_smmu_cmd_field f_sync[] = {
	F(CS, 0, CMDQ_SYNC_0_CS), END};
/* clang-format on */

#define NFIELDS(a) ((unsigned)(sizeof(a) / sizeof((a)[0])) - 1)

const struct sm_smmu_cmd_def sm_smmu_cmd_defs[SM_SMMU_CMD_COUNT] = {
#define SM_ROW_(id, op, name, cls, lay)                                        \
	{op, name, SM_SMMU_CMD_##cls, f_##lay, NFIELDS(f_##lay)},
    SM_SMMU_CMDS(SM_ROW_)
#undef SM_ROW_
};

/* Opcode -> row + 1 (0: no such command). */
static const uint8_t row_of[256] = {
#define SM_ROWOF_(id, op, name, cls, lay) [op] = SM_SMMU_CMD_ROW_##id + 1,
    SM_SMMU_CMDS(SM_ROWOF_)
#undef SM_ROWOF_
};

/* Each member: its trace key, and the field it fills in the commands that
 * have it (the range it is checked against in a command that does not):
 * `home`, and its largest value (an address: the mask itself). */
#define SM_SMMU_CMD_KEYS(K)                                                    \
	K(OP, op, CMDQ_0_OP)                                                   \
	K(ASID, asid, CMDQ_TLBI_0_ASID)                                        \
	K(VMID, vmid, CMDQ_TLBI_0_VMID)                                        \
	K(TG, tg, CMDQ_TLBI_1_TG)                                              \
	K(NUM, num, CMDQ_TLBI_0_NUM)                                           \
	K(SCALE, scale, CMDQ_TLBI_0_SCALE)                                     \
	K(TTL, ttl, CMDQ_TLBI_1_TTL)                                           \
	K(LEAF, leaf, CMDQ_TLBI_1_LEAF)                                        \
	K(RANGE, range, CMDQ_CFGI_1_RANGE)                                     \
	K(SSID, ssid, CMDQ_CFGI_0_SSID)                                        \
	K(ADDR, addr, CMDQ_TLBI_1_VA_MASK)                                     \
	K(SID, sid, CMDQ_CFGI_0_SID)                                           \
	K(SSV, ssv, CMDQ_0_SSV)                                                \
	K(GLOBAL, global, CMDQ_ATC_0_GLOBAL)                                   \
	K(RESP, resp, CMDQ_PRI_1_RESP)                                         \
	K(STAG, stag, CMDQ_RESUME_1_STAG)                                      \
	K(GRPID, grpid, CMDQ_PRI_1_GRPID)                                      \
	K(CS, cs, CMDQ_SYNC_0_CS)

static const struct {
	const char *name;
	uint64_t home, home_max;
} keys[SM_SMMU_CMD_KEY_COUNT_] = {
#define K(key, member, mask)                                                   \
	[SM_SMMU_CMD_##key] = {#member, mask,                                  \
			       SM_SMMU_CMD_##key == SM_SMMU_CMD_ADDR           \
				   ? (mask)                                    \
				   : (mask) >> __builtin_ctzll(mask)},
    SM_SMMU_CMD_KEYS(K)
#undef K
};

/* The members are the keys in order, uint64_t each: a member is reached
 * by its key without a table (member()). */
#define K(key, member, mask)                                                   \
	_Static_assert(offsetof(struct sm_smmu_cmd, member) ==                 \
			   SM_SMMU_CMD_##key * sizeof(uint64_t),               \
		       "struct sm_smmu_cmd is not in key order: " #member);
SM_SMMU_CMD_KEYS(K)
#undef K
_Static_assert(sizeof(struct sm_smmu_cmd) ==
		   SM_SMMU_CMD_KEY_COUNT_ * sizeof(uint64_t),
	       "struct sm_smmu_cmd has a member without a key");

static inline uint64_t *member(struct sm_smmu_cmd *cmd,
			       enum sm_smmu_cmd_key key)
{
	return (uint64_t *)((char *)cmd + (size_t)key * sizeof(uint64_t));
}

static inline uint64_t member_of(const struct sm_smmu_cmd *cmd,
				 enum sm_smmu_cmd_key key)
{
	return *(const uint64_t *)((const char *)cmd +
				   (size_t)key * sizeof(uint64_t));
}

static const char *const class_names[SM_SMMU_CMD_CLASS_COUNT_] = {
    [SM_SMMU_CMD_PREFETCH] = "prefetch", [SM_SMMU_CMD_CFGI] = "cfgi",
    [SM_SMMU_CMD_TLBI] = "tlbi",	 [SM_SMMU_CMD_ATC] = "atc",
    [SM_SMMU_CMD_PRI] = "pri",		 [SM_SMMU_CMD_STALL] = "stall",
    [SM_SMMU_CMD_SYNC] = "sync",
};

const struct sm_smmu_cmd_def *sm_smmu_cmd_def(unsigned op)
{
	return op < 256 && row_of[op] ? &sm_smmu_cmd_defs[row_of[op] - 1]
				      : NULL;
}

const struct sm_smmu_cmd_def *sm_smmu_cmd_lookup(const char *name)
{
	for (unsigned i = 0; i < SM_SMMU_CMD_COUNT; i++)
		if (!strcmp(sm_smmu_cmd_defs[i].name, name))
			return &sm_smmu_cmd_defs[i];
	return NULL;
}

const char *sm_smmu_cmd_name(unsigned op)
{
	const struct sm_smmu_cmd_def *d = sm_smmu_cmd_def(op);
	return d ? d->name : NULL;
}

const char *sm_smmu_cmd_class_name(enum sm_smmu_cmd_class cls)
{
	return (unsigned)cls < SM_SMMU_CMD_CLASS_COUNT_ ? class_names[cls]
							: NULL;
}

const char *sm_smmu_cmd_key_name(enum sm_smmu_cmd_key key)
{
	return (unsigned)key < SM_SMMU_CMD_KEY_COUNT_ ? keys[key].name : NULL;
}

const struct sm_smmu_cmd_field *
sm_smmu_cmd_field(const struct sm_smmu_cmd_def *def, enum sm_smmu_cmd_key key)
{
	for (unsigned i = 0; def && i < def->nfields; i++)
		if (def->fields[i].key == key)
			return &def->fields[i];
	return NULL;
}

uint64_t sm_smmu_cmd_get(const struct sm_smmu_cmd *cmd,
			 enum sm_smmu_cmd_key key)
{
	return member_of(cmd, key);
}

void sm_smmu_cmd_set(struct sm_smmu_cmd *cmd, enum sm_smmu_cmd_key key,
		     uint64_t v)
{
	*member(cmd, key) = v;
}

/* The range of `key` in command `def`: its field there, else its home
 * field.  *shift is where the field starts (an address's alignment). */
static uint64_t key_max(const struct sm_smmu_cmd_def *def,
			enum sm_smmu_cmd_key key, unsigned *shift)
{
	const struct sm_smmu_cmd_field *f = sm_smmu_cmd_field(def, key);
	uint64_t home = keys[key].home;
	if (f) {
		*shift = f->shift;
		return f->max;
	}
	*shift = (unsigned)__builtin_ctzll(home);
	return keys[key].home_max;
}

/* A value fits a field (an address: within its mask, so aligned too). */
static inline bool fits_max(enum sm_smmu_cmd_key key, uint64_t v, uint64_t max)
{
	return key == SM_SMMU_CMD_ADDR ? !(v & ~max) : v <= max;
}

/*
 * Host time (issue 12): the loops over a command's fields below are inlined
 * with its layout a constant, one copy per row of SM_SMMU_CMDS (LAYOUT_CASES),
 * so that the compiler unrolls each into that command's shifts and masks
 * instead of walking the table at run time: every command the driver builds
 * and the SMMU consumes goes through them.
 */
#define SM_ALWAYS_INLINE static inline __attribute__((always_inline))
/* One `case` per row, running STEP(layout, nfields, row index). */
#define SM_LAYOUT_CASE_(id, op, name, cls, lay)                                \
	case op:                                                               \
		SM_LAYOUT_STEP_(f_##lay, NFIELDS(f_##lay),                     \
				SM_SMMU_CMD_ROW_##id);
#define LAYOUT_CASES SM_SMMU_CMDS(SM_LAYOUT_CASE_)

/* Whether every member fits, in one pass over the command's own fields
 * that also assembles the words in w (valid when it says yes); the other
 * members are zero in a command built for its opcode, and only when one
 * is not are they checked one by one.  The same ranges as the checks in
 * key order below, which name the first that fails when this says no. */
SM_ALWAYS_INLINE bool fits_layout(const struct sm_smmu_cmd_field *fields,
				  unsigned nfields,
				  const struct sm_smmu_cmd *cmd, uint64_t w[2])
{
	uint64_t own = 1ull << SM_SMMU_CMD_OP; /* < 256: the opcode of a row */
	uint64_t stray = 0;
	bool fits = true;
	w[0] = sm_field_prep(CMDQ_0_OP, cmd->op);
	w[1] = 0;
	for (unsigned i = 0; i < nfields; i++) {
		const struct sm_smmu_cmd_field *f = &fields[i];
		uint64_t v = member_of(cmd, f->key);
		fits &= fits_max(f->key, v, f->max);
		w[f->word] |= f->key == SM_SMMU_CMD_ADDR ? v : v << f->shift;
		own |= 1ull << f->key;
	}
	/* The members the command does not have, one line per key (a loop
	 * over all 18 is more than the compiler unrolls). */
#define K(key, member, mask)                                                   \
	if (!(own >> SM_SMMU_CMD_##key & 1))                                   \
		stray |= cmd->member;
	SM_SMMU_CMD_KEYS(K)
#undef K
	for (unsigned k = 0; fits && stray && k < SM_SMMU_CMD_KEY_COUNT_; k++)
		if (!(own >> k & 1))
			fits = fits_max(k, member_of(cmd, k), keys[k].home_max);
	return fits;
}

static bool cmd_fits(const struct sm_smmu_cmd_def *def,
		     const struct sm_smmu_cmd *cmd, uint64_t w[2])
{
	switch (def ? def->op : 256) {
#define SM_LAYOUT_STEP_(fields, n, row) return fits_layout(fields, n, cmd, w)
		LAYOUT_CASES
#undef SM_LAYOUT_STEP_
	}
	return false;
}

int sm_smmu_cmd_check(const struct sm_smmu_cmd *cmd, enum sm_smmu_cmd_key *bad,
		      uint64_t *max)
{
	const struct sm_smmu_cmd_def *def =
	    cmd->op < 256 ? sm_smmu_cmd_def((unsigned)cmd->op) : NULL;
	uint64_t w[2];
	if (cmd_fits(def, cmd, w))
		return 0;
	for (int k = 0; k < SM_SMMU_CMD_KEY_COUNT_; k++) {
		unsigned shift;
		uint64_t v = sm_smmu_cmd_get(cmd, k);
		if (v == 0) /* fits every field, aligned: most members */
			continue;
		*max = key_max(def, k, &shift);
		*bad = k;
		if (k == SM_SMMU_CMD_ADDR && (v & ((1ull << shift) - 1)))
			return SMMUSIM_EINVAL;
		if (v > *max)
			return SMMUSIM_ERANGE;
	}
	return 0;
}

/* The message of a failed check, as the trace reader's users see it. */
static int check_error(const struct sm_smmu_cmd *cmd, int rc,
		       enum sm_smmu_cmd_key k, uint64_t max,
		       struct sm_errbuf *eb)
{
	uint64_t v = sm_smmu_cmd_get(cmd, k);
	if (!eb)
		return rc;
	if (rc == SMMUSIM_EINVAL) {
		unsigned shift = (unsigned)__builtin_ctzll(max);
		return sm_err(eb, rc,
			      "%s=0x%" PRIx64 " must be %" PRIu64 "K aligned "
			      "(the command's address field starts at bit %u)",
			      keys[k].name, v,
			      (uint64_t)((1ull << shift) >> 10), shift);
	}
	if (k == SM_SMMU_CMD_ADDR)
		return sm_err(eb, rc,
			      "%s=0x%" PRIx64 " is out of range for its "
			      "command field (0x0..0x%" PRIx64 ")",
			      keys[k].name, v, max);
	return sm_err(eb, rc,
		      "%s=%" PRIu64 " is out of range for its command field "
		      "(0..%" PRIu64 ")",
		      keys[k].name, v, max);
}

int sm_smmu_cmd_build(const struct sm_smmu_cmd *cmd, uint64_t w[2],
		      struct sm_errbuf *eb)
{
	enum sm_smmu_cmd_key bad;
	uint64_t max, words[2];
	if (cmd_fits(cmd->op < 256 ? sm_smmu_cmd_def((unsigned)cmd->op) : NULL,
		     cmd, words)) {
		w[0] = words[0];
		w[1] = words[1];
		return 0;
	}
	int rc = sm_smmu_cmd_check(cmd, &bad, &max);
	if (rc)
		return check_error(cmd, rc, bad, max, eb);
	/* An opcode outside the table, or a row's with stray members that
	 * fit: the opcode and the row's fields. */
	const struct sm_smmu_cmd_def *def = sm_smmu_cmd_def((unsigned)cmd->op);
	w[0] = sm_field_prep(CMDQ_0_OP, cmd->op);
	w[1] = 0;
	for (unsigned i = 0; def && i < def->nfields; i++) {
		const struct sm_smmu_cmd_field *f = &def->fields[i];
		uint64_t v = member_of(cmd, f->key);
		w[f->word] |= f->key == SM_SMMU_CMD_ADDR ? v : v << f->shift;
	}
	return 0;
}

SM_ALWAYS_INLINE void decode_layout(const struct sm_smmu_cmd_field *fields,
				    unsigned nfields, const uint64_t w[2],
				    struct sm_smmu_cmd *cmd)
{
	for (unsigned i = 0; i < nfields; i++) {
		const struct sm_smmu_cmd_field *f = &fields[i];
		uint64_t v = w[f->word] & f->mask;
		*member(cmd, f->key) =
		    f->key == SM_SMMU_CMD_ADDR ? v : v >> f->shift;
	}
}

/* The opcode and the fields of its row; the other members as they were. */
SM_ALWAYS_INLINE const struct sm_smmu_cmd_def *
decode_fields(const uint64_t w[2], struct sm_smmu_cmd *cmd)
{
	cmd->op = sm_field_get(CMDQ_0_OP, w[0]);
	switch (cmd->op) {
#define SM_LAYOUT_STEP_(fields, n, row)                                        \
	decode_layout(fields, n, w, cmd);                                      \
	return &sm_smmu_cmd_defs[row]
		LAYOUT_CASES
#undef SM_LAYOUT_STEP_
	}
	return NULL;
}

const struct sm_smmu_cmd_def *sm_smmu_cmd_decode(const uint64_t w[2],
						 struct sm_smmu_cmd *cmd)
{
	/* Every member zero, one store each: what the compiler makes of
	 * `*cmd = (struct sm_smmu_cmd){0}` is a `rep stos`, slow to start
	 * for 144 bytes (host time). */
#define K(key, member, mask) cmd->member = 0;
	SM_SMMU_CMD_KEYS(K)
#undef K
	return decode_fields(w, cmd);
}

const struct sm_smmu_cmd_def *sm_smmu_cmd_decode_own(const uint64_t w[2],
						     struct sm_smmu_cmd *cmd)
{
	return decode_fields(w, cmd);
}
