/* SPDX-License-Identifier: MIT */
/*
 * arm64 TLBI operations and their register operand.
 *
 * Single-address operand (Arm ARM C5.5 "A64 system instructions for TLB
 * maintenance"; Linux __TLBI_VADDR): VA[55:12] in bits [43:0], ASID in
 * [63:48], and with FEAT_TTL a level hint in [47:44] = TG[1:0]:level[1:0]
 * (TG 4K=1, 16K=2, 64K=3; 0 = no hint).  One encoder and one decoder, used by
 * the kernel model and the CPU model alike.
 */
#ifndef SM_CPU_TLBI_H
#define SM_CPU_TLBI_H

#include <stdbool.h>
#include <stdint.h>

/* X(enum suffix, lower-case name without the IS suffix) */
#define SM_TLBI_OPS(X)                                                         \
	X(VAE1, "vae1")                                                        \
	X(VALE1, "vale1")                                                      \
	X(ASIDE1, "aside1")                                                    \
	X(VMALLE1, "vmalle1")

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

/* A decoded TLBI as it travels to receivers. */
struct sm_tlbi {
	enum sm_tlbi_op op;
	bool is;       /* inner-shareable (broadcast) form */
	uint16_t asid; /* VA and ASID forms */
	uint16_t vmid; /* current VMID of the issuer (0: no EL2 modelled) */
	uint64_t va;   /* page address (VA forms) */
	unsigned ttl;  /* FEAT_TTL hint, 0 = none */
};

uint64_t sm_tlbi_operand_va(uint16_t asid, uint64_t va, unsigned ttl);
uint64_t sm_tlbi_operand_asid(uint16_t asid);
/* Decode `operand` for `op` into *out (op, is are copied in). */
void sm_tlbi_decode(enum sm_tlbi_op op, bool is, uint64_t operand,
		    struct sm_tlbi *out);
/* "vae1is", "aside1", ... (static strings). */
const char *sm_tlbi_name(enum sm_tlbi_op op, bool is);
/* Leaf-only ops leave walk-cache (non-leaf) entries alone. */
static inline bool sm_tlbi_last_level(enum sm_tlbi_op op)
{
	return op == SM_TLBI_VALE1;
}

#endif
