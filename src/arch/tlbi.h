/* SPDX-License-Identifier: MIT */
/*
 * arm64 TLBI operations and their register operands.
 *
 * VA operand (Arm ARM C5.5 "A64 system instructions for TLB maintenance";
 * Linux __TLBI_VADDR): VA[55:12] in bits [43:0], ASID in [63:48], and with
 * FEAT_TTL a hint in [47:44] = TG[1:0]:level[1:0] (TG 4K=1, 16K=2, 64K=3;
 * 0b0000 = no hint).
 *
 * Range operand (FEAT_TLBIRANGE; Linux __TLBI_VADDR_RANGE): ASID[63:48],
 * TG[47:46], SCALE[45:44], NUM[43:39], TTL[38:37] (level hint, 0 = none),
 * BaseADDR[36:0] in granules.  It covers (NUM+1) << (5*SCALE+1) granules.
 *
 * One encoder and one decoder per operand kind, used by the kernel model, the
 * raw `tlbi` trace event and the CPU model alike, and tested against each
 * other over every NUM, SCALE and TG.
 */
#ifndef SM_ARCH_TLBI_H
#define SM_ARCH_TLBI_H

#include <stdbool.h>
#include <stdint.h>

/* X(enum suffix, lower-case name without the IS suffix).  The order matches
 * the public enum smmusim_tlbi_op, which lists each op then its IS form. */
#define SM_TLBI_OPS(X)                                                         \
	X(VAE1, "vae1")                                                        \
	X(VALE1, "vale1")                                                      \
	X(VAAE1, "vaae1")                                                      \
	X(VAALE1, "vaale1")                                                    \
	X(ASIDE1, "aside1")                                                    \
	X(VMALLE1, "vmalle1")                                                  \
	X(RVAE1, "rvae1")                                                      \
	X(RVALE1, "rvale1")                                                    \
	X(RVAAE1, "rvaae1")                                                    \
	X(RVAALE1, "rvaale1")

enum sm_tlbi_op {
#define SM_TLBI_ENUM_(n, s) SM_TLBI_##n,
	SM_TLBI_OPS(SM_TLBI_ENUM_)
#undef SM_TLBI_ENUM_
	    SM_TLBI_OP_COUNT_
};

#define TLBI_VADDR_MASK 0x00000fffffffffffull /* VA[55:12] in [43:0] */
#define TLBI_TTL_SHIFT 44
#define TLBI_TTL_MASK (0xfull << TLBI_TTL_SHIFT)
#define TLBI_ASID_SHIFT 48
/* Range operand fields. */
#define TLBIR_BADDR_MASK 0x0000001fffffffffull /* [36:0] */
#define TLBIR_TTL_SHIFT 37
#define TLBIR_NUM_SHIFT 39
#define TLBIR_SCALE_SHIFT 44
#define TLBIR_TG_SHIFT 46
/* KPTI: the user ASID is the kernel one with bit 0 set; Linux sets operand
 * bit 48 (USER_ASID_FLAG) for the second TLBI of __tlbi_user. */
#define TLBI_USER_ASID_FLAG (1ull << TLBI_ASID_SHIFT)

#define SM_TLBI_TG_4K 1u
/* Most pages one range op covers: __TLBI_RANGE_PAGES(31, 3). */
#define SM_TLBI_RANGE_PAGES(num, scale)                                        \
	((uint64_t)((num) + 1) << (5 * (scale) + 1))
#define SM_MAX_TLBI_RANGE_PAGES SM_TLBI_RANGE_PAGES(31, 3)

/* A decoded TLBI as it travels to receivers. */
struct sm_tlbi {
	enum sm_tlbi_op op;
	bool is;	/* inner-shareable (broadcast) form */
	uint16_t asid;	/* VA, range and ASID forms */
	uint16_t vmid;	/* current VMID of the issuer (0: no EL2) */
	uint64_t va;	/* page (VA forms) or base (range forms) */
	uint64_t pages; /* 1 (VA), range length, 0 (ASID, VMALL) */
	unsigned level; /* leaf-level hint 1..3, 0 = none */
	bool no_effect; /* the hint names another granule: nothing
			 * needs to be invalidated (counted) */
	unsigned tg, scale, num, ttl; /* operand fields, for reports */
};

static inline bool sm_tlbi_is_range(enum sm_tlbi_op op)
{
	return op >= SM_TLBI_RVAE1;
}
/* Last-level forms leave walk-cache (non-leaf) entries alone. */
static inline bool sm_tlbi_last_level(enum sm_tlbi_op op)
{
	return op == SM_TLBI_VALE1 || op == SM_TLBI_VAALE1 ||
	       op == SM_TLBI_RVALE1 || op == SM_TLBI_RVAALE1;
}
/* VAA forms match every ASID. */
static inline bool sm_tlbi_all_asid(enum sm_tlbi_op op)
{
	return op == SM_TLBI_VAAE1 || op == SM_TLBI_VAALE1 ||
	       op == SM_TLBI_RVAAE1 || op == SM_TLBI_RVAALE1;
}
static inline bool sm_tlbi_by_va(enum sm_tlbi_op op)
{
	return op != SM_TLBI_ASIDE1 && op != SM_TLBI_VMALLE1;
}

/* FEAT_TTL hint for a 4K-granule leaf at `level` (1..3), 0 for none. */
static inline unsigned sm_tlbi_ttl_4k(unsigned level)
{
	return level >= 1 && level <= 3 ? (SM_TLBI_TG_4K << 2) | level : 0;
}

uint64_t sm_tlbi_operand_va(uint16_t asid, uint64_t va, unsigned ttl);
uint64_t sm_tlbi_operand_asid(uint16_t asid);
/* Range operand for `base` (4K granule), SCALE, NUM, TTL level (0..3). */
uint64_t sm_tlbi_operand_range(uint16_t asid, unsigned tg, unsigned scale,
			       unsigned num, unsigned ttl, uint64_t base);
/* Decode `operand` for `op` into *out (op, is are copied in). */
void sm_tlbi_decode(enum sm_tlbi_op op, bool is, uint64_t operand,
		    struct sm_tlbi *out);
/*
 * Encodings this model refuses (the raw `tlbi` event): a range op with
 * TG = 0 (reserved) or a TG other than the 4K granule in use.  Returns 0,
 * or names the field in *field and returns a negative code.
 */
int sm_tlbi_check(enum sm_tlbi_op op, uint64_t operand, const char **field,
		  const char **why);
/* "vae1is", "rvaale1", ... (static strings). */
const char *sm_tlbi_name(enum sm_tlbi_op op, bool is);

#endif
