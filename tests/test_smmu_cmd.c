/* SPDX-License-Identifier: MIT */
/* Tests for the SMMU command table (src/arch/smmu_cmd.c): the table itself
 * (opcode order, the names stats and traces use, field positions against
 * Linux's masks), build/decode round trips of every opcode with every
 * field at its largest value, refusal of a value one past it (and of a
 * misaligned address) with the field named, and known encodings. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <smmusim/error.h>

#include "helpers.h"

#include "arch/smmu_cmd.h"
#include "arch/smmu_cmd_decode.h"
#include "arch/smmu_regs.h"

/* The opcodes and names of spec 4.1 the model knows: stats are
 * smmu.cmd.<name>, trace lines cmd op=<name>; these must never change. */
static const struct {
	unsigned op;
	const char *name;
} known[] = {
    {0x01, "prefetch_config"}, {0x02, "prefetch_addr"},	 {0x03, "cfgi_ste"},
    {0x04, "cfgi_ste_range"},  {0x05, "cfgi_cd"},	 {0x06, "cfgi_cd_all"},
    {0x10, "tlbi_nh_all"},     {0x11, "tlbi_nh_asid"},	 {0x12, "tlbi_nh_va"},
    {0x13, "tlbi_nh_vaa"},     {0x18, "tlbi_el3_all"},	 {0x1a, "tlbi_el3_va"},
    {0x20, "tlbi_el2_all"},    {0x21, "tlbi_el2_asid"},	 {0x22, "tlbi_el2_va"},
    {0x23, "tlbi_el2_vaa"},    {0x28, "tlbi_s12_vmall"}, {0x2a, "tlbi_s2_ipa"},
    {0x30, "tlbi_nsnh_all"},   {0x40, "atc_inv"},	 {0x41, "pri_resp"},
    {0x44, "resume"},	       {0x45, "stall_term"},	 {0x46, "sync"},
};

static void test_table(void **state)
{
	(void)state;
	assert_int_equal(SM_SMMU_CMD_COUNT, ARRAY_LEN(known));
	for (unsigned i = 0; i < SM_SMMU_CMD_COUNT; i++) {
		const struct sm_smmu_cmd_def *d = &sm_smmu_cmd_defs[i];
		assert_int_equal(d->op, known[i].op);
		assert_string_equal(d->name, known[i].name);
		assert_ptr_equal(sm_smmu_cmd_def(d->op), d);
		assert_ptr_equal(sm_smmu_cmd_lookup(d->name), d);
		assert_string_equal(sm_smmu_cmd_name(d->op), d->name);
		assert_non_null(sm_smmu_cmd_class_name(d->cls));
	}
	unsigned n = 0;
	for (unsigned op = 0; op < 512; op++)
		n += sm_smmu_cmd_def(op) != NULL;
	assert_int_equal(n, SM_SMMU_CMD_COUNT);
	assert_null(sm_smmu_cmd_def(0x00));
	assert_null(sm_smmu_cmd_def(0x07));
	assert_null(sm_smmu_cmd_name(0x7f));
	assert_null(sm_smmu_cmd_lookup("cfgi_all"));
	/* The enum is the table's: Linux's names for the opcodes. */
	assert_int_equal(CMDQ_OP_CFGI_ALL, 0x04);
	assert_int_equal(CMDQ_OP_TLBI_S2_IPA, 0x2a);
	assert_int_equal(CMDQ_OP_CMD_SYNC, 0x46);
	assert_ptr_equal(SM_SMMU_CMD_SYNC_DEF,
			 sm_smmu_cmd_def(CMDQ_OP_CMD_SYNC));
	assert_int_equal(sm_smmu_cmd_def(CMDQ_OP_CFGI_CD)->cls,
			 SM_SMMU_CMD_CFGI);
	assert_int_equal(sm_smmu_cmd_def(CMDQ_OP_TLBI_EL2_VA)->cls,
			 SM_SMMU_CMD_TLBI);
	assert_int_equal(sm_smmu_cmd_def(CMDQ_OP_RESUME)->cls,
			 SM_SMMU_CMD_STALL);
}

static uint64_t field_mask(const struct sm_smmu_cmd_field *f)
{
	return (~0ull >> (64 - f->width)) << f->shift;
}

/* Each field sits in the word its Linux name says (CMDQ_<X>_<word>_...),
 * fits its width, and overlaps neither the opcode nor another field. */
static void test_fields(void **state)
{
	(void)state;
	for (unsigned i = 0; i < SM_SMMU_CMD_COUNT; i++) {
		const struct sm_smmu_cmd_def *d = &sm_smmu_cmd_defs[i];
		uint64_t used[2] = {CMDQ_0_OP, 0};
		for (unsigned j = 0; j < d->nfields; j++) {
			const struct sm_smmu_cmd_field *f = &d->fields[j];
			char word[8];
			snprintf(word, sizeof(word), "_%u_", f->word);
			assert_true(f->word < 2);
			assert_non_null(strstr(f->name, word));
			assert_true(f->shift + f->width <= 64);
			assert_int_equal(used[f->word] & field_mask(f), 0);
			used[f->word] |= field_mask(f);
			if (f->key == SM_SMMU_CMD_ADDR)
				assert_true(f->max == field_mask(f));
			else
				assert_true(f->max <= field_mask(f) >>
					    f->shift);
			assert_ptr_equal(sm_smmu_cmd_field(d, f->key), f);
			assert_non_null(sm_smmu_cmd_key_name(f->key));
		}
	}
}

typedef const struct sm_smmu_cmd_def *(*decoder_fn)(const uint64_t w[2],
						    struct sm_smmu_cmd *cmd);

/* An inline decoder gives what the table's two decoders give for w: the
 * row, every member (sm_smmu_cmd_decode) and the row's own members
 * (sm_smmu_cmd_decode_own, the others as they were). */
static void assert_decodes_as_table(decoder_fn inline_decode,
				    const uint64_t w[2])
{
	struct sm_smmu_cmd a, b;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	assert_ptr_equal(inline_decode(w, &a), sm_smmu_cmd_decode(w, &b));
	assert_memory_equal(&a, &b, sizeof(a));
	memset(&a, 0xa5, sizeof(a));
	memcpy(&b, &a, sizeof(b));
	assert_ptr_equal(inline_decode(w, &a), sm_smmu_cmd_decode_own(w, &b));
	assert_memory_equal(&a, &b, sizeof(a));
}

/* The inline decoder of opcode op agrees with the table's, for words
 * with every bit pattern (fields, RES0 bits and all). */
static void assert_decodes_random(decoder_fn inline_decode, unsigned op,
				  uint64_t x)
{
	for (int i = 0; i < 4096; i++) {
		uint64_t w[2];
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		w[0] = (i & 2 ? x : ~0ull) & ~(uint64_t)CMDQ_0_OP;
		w[0] |= op;
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		w[1] = i & 1 ? x : ~0ull;
		assert_decodes_as_table(inline_decode, w);
	}
}

static void test_decode_tlbi_nh_va(void **state)
{
	(void)state;
	assert_decodes_random(sm_smmu_cmd_decode_tlbi_nh_va, CMDQ_OP_TLBI_NH_VA,
			      0x9e3779b97f4a7c15ull);
}

static void test_decode_tlbi_nh_asid(void **state)
{
	(void)state;
	assert_decodes_random(sm_smmu_cmd_decode_tlbi_nh_asid,
			      CMDQ_OP_TLBI_NH_ASID, 0x6a09e667f3bcc909ull);
}

/* An inline encoder made w: the words the table's builder makes of cmd. */
static void assert_builds_as_table(const uint64_t w[2],
				   const struct sm_smmu_cmd *cmd)
{
	uint64_t v[2];
	assert_int_equal(sm_smmu_cmd_build(cmd, v, NULL), 0);
	assert_memory_equal(w, v, sizeof(v));
}

/* The inline encoder and decoder of CMD_RESUME agree with the table's:
 * the builder's words for StreamIDs, STAGs and every response, and the
 * decoders' fields for words with every bit pattern. */
static void test_resume_inline(void **state)
{
	(void)state;
	uint64_t x = 0x2545f4914f6cdd1dull;
	for (int i = 0; i < 4096; i++) {
		uint64_t w[2];
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		uint32_t sid = i & 2 ? (uint32_t)x : (uint32_t)(x >> 40);
		uint16_t stag = i & 4 ? (uint16_t)(x >> 16) : UINT16_MAX;
		unsigned resp = (unsigned)i % 3;
		sm_smmu_cmd_build_resume(w, sid, stag, resp);
		assert_builds_as_table(
		    w, &(struct sm_smmu_cmd){.op = CMDQ_OP_RESUME,
					     .sid = sid,
					     .resp = resp,
					     .stag = stag});
		w[0] = (x & ~(uint64_t)CMDQ_0_OP) | CMDQ_OP_RESUME;
		w[1] = i & 1 ? x * 31 : ~0ull;
		assert_decodes_as_table(sm_smmu_cmd_decode_resume, w);
	}
}

/* The inline encoder of TLBI_NH_ASID makes the table builder's words for
 * every ASID (VMID 0). */
static void test_tlbi_nh_asid_inline(void **state)
{
	(void)state;
	for (uint32_t asid = 0; asid <= UINT16_MAX; asid++) {
		uint64_t w[2];
		sm_smmu_cmd_build_tlbi_nh_asid(w, (uint16_t)asid);
		assert_builds_as_table(
		    w, &(struct sm_smmu_cmd){.op = CMDQ_OP_TLBI_NH_ASID,
					     .asid = asid});
	}
}

/* The inline encoder of TLBI_NH_VA makes the table builder's words (VMID
 * 0) for fields of every bit pattern that fits, addresses included. */
static void test_tlbi_nh_va_inline(void **state)
{
	(void)state;
	uint64_t x = 0x853c49e6748fea9bull;
	for (int i = 0; i < 4096; i++) {
		uint64_t w[2];
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		uint16_t asid = i & 1 ? (uint16_t)x : UINT16_MAX;
		unsigned num = (unsigned)(x >> 16) & 31;
		unsigned scale = (unsigned)(x >> 21) & 31;
		unsigned ttl = (unsigned)(x >> 26) & 3,
			 tg = (unsigned)i >> 1 & 3;
		bool leaf = x >> 30 & 1;
		uint64_t addr = (i & 8 ? x * 31 : ~0ull) & CMDQ_TLBI_1_VA_MASK;
		sm_smmu_cmd_build_tlbi_nh_va(w, asid, num, scale, addr, leaf,
					     ttl, tg);
		assert_builds_as_table(
		    w, &(struct sm_smmu_cmd){.op = CMDQ_OP_TLBI_NH_VA,
					     .asid = asid,
					     .num = num,
					     .scale = scale,
					     .addr = addr,
					     .leaf = leaf,
					     .ttl = ttl,
					     .tg = tg});
	}
}

/* Every opcode with every field at its largest value: one at a time (so
 * a field that leaks into a neighbour shows) and all together. */
static void test_roundtrip_max(void **state)
{
	(void)state;
	for (unsigned i = 0; i < SM_SMMU_CMD_COUNT; i++) {
		const struct sm_smmu_cmd_def *d = &sm_smmu_cmd_defs[i];
		struct sm_smmu_cmd all = {.op = d->op}, back;
		uint64_t w[2];
		for (unsigned j = 0; j < d->nfields; j++) {
			const struct sm_smmu_cmd_field *f = &d->fields[j];
			struct sm_smmu_cmd one = {.op = d->op};
			sm_smmu_cmd_set(&one, f->key, f->max);
			sm_smmu_cmd_set(&all, f->key, f->max);
			assert_int_equal(sm_smmu_cmd_build(&one, w, NULL), 0);
			assert_ptr_equal(sm_smmu_cmd_decode(w, &back), d);
			assert_memory_equal(&back, &one, sizeof(one));
		}
		assert_int_equal(sm_smmu_cmd_build(&all, w, NULL), 0);
		assert_int_equal(sm_field_get(CMDQ_0_OP, w[0]), d->op);
		assert_ptr_equal(sm_smmu_cmd_decode(w, &back), d);
		assert_memory_equal(&back, &all, sizeof(all));
		/* The fields of the row are the only bits set. */
		uint64_t used[2] = {CMDQ_0_OP, 0};
		for (unsigned j = 0; j < d->nfields; j++)
			used[d->fields[j].word] |= field_mask(&d->fields[j]);
		assert_int_equal(w[0] & ~used[0], 0);
		assert_int_equal(w[1] & ~used[1], 0);
	}
}

static void expect_refused(const struct sm_smmu_cmd *c, int rc, const char *key,
			   const char *text)
{
	struct sm_errbuf eb;
	uint64_t w[2] = {0x1111, 0x2222};
	char prefix[32];
	enum sm_smmu_cmd_key bad;
	uint64_t max;
	sm_err_clear(&eb);
	assert_int_equal(sm_smmu_cmd_build(c, w, &eb), rc);
	snprintf(prefix, sizeof(prefix), "%s=", key);
	assert_int_equal(strncmp(eb.msg, prefix, strlen(prefix)), 0);
	assert_non_null(strstr(eb.msg, text));
	assert_int_equal(sm_smmu_cmd_check(c, &bad, &max), rc);
	assert_string_equal(sm_smmu_cmd_key_name(bad), key);
	/* Nothing written on failure. */
	assert_int_equal(w[0], 0x1111);
	assert_int_equal(w[1], 0x2222);
}

/* One past each field's largest value is refused, naming the field and
 * its range; an address with bits below its field is refused too. */
static void test_out_of_range(void **state)
{
	(void)state;
	for (unsigned i = 0; i < SM_SMMU_CMD_COUNT; i++) {
		const struct sm_smmu_cmd_def *d = &sm_smmu_cmd_defs[i];
		for (unsigned j = 0; j < d->nfields; j++) {
			const struct sm_smmu_cmd_field *f = &d->fields[j];
			const char *key = sm_smmu_cmd_key_name(f->key);
			struct sm_smmu_cmd c = {.op = d->op};
			char range[64];
			if (f->key == SM_SMMU_CMD_ADDR) {
				sm_smmu_cmd_set(&c, f->key, 0x1001);
				expect_refused(&c, SMMUSIM_EINVAL, key,
					       "must be 4K aligned");
				if (f->max == ~0xfffull)
					continue;
				sm_smmu_cmd_set(&c, f->key, f->max + 0x1000);
				snprintf(range, sizeof(range), "(0x0..0x%llx)",
					 (unsigned long long)f->max);
				expect_refused(&c, SMMUSIM_ERANGE, key, range);
				continue;
			}
			sm_smmu_cmd_set(&c, f->key, f->max + 1);
			snprintf(range, sizeof(range), "(0..%llu)",
				 (unsigned long long)f->max);
			expect_refused(&c, SMMUSIM_ERANGE, key, range);
		}
	}
	/* A key the command does not carry is still checked, against the
	 * field it fills elsewhere (a trace line's stray key). */
	struct sm_smmu_cmd c = {.op = CMDQ_OP_TLBI_NH_VA, .range = 32};
	expect_refused(&c, SMMUSIM_ERANGE, "range", "(0..31)");
	c = (struct sm_smmu_cmd){.op = CMDQ_OP_CFGI_STE, .vmid = 0x10000};
	expect_refused(&c, SMMUSIM_ERANGE, "vmid",
		       "vmid=65536 is out of range for its command field "
		       "(0..65535)");
	c = (struct sm_smmu_cmd){.op = CMDQ_OP_CMD_SYNC, .addr = 0x1001};
	expect_refused(&c, SMMUSIM_EINVAL, "addr",
		       "addr=0x1001 must be 4K aligned (the command's address "
		       "field starts at bit 12)");
	c = (struct sm_smmu_cmd){.op = CMDQ_OP_CFGI_STE, .ssid = 1u << 20};
	expect_refused(&c, SMMUSIM_ERANGE, "ssid", "(0..1048575)");
	/* The first bad one in key order. */
	c = (struct sm_smmu_cmd){
	    .op = CMDQ_OP_TLBI_NH_VA, .asid = 0x10000, .tg = 4};
	expect_refused(&c, SMMUSIM_ERANGE, "asid", "(0..65535)");
	c = (struct sm_smmu_cmd){.op = 0x100};
	expect_refused(&c, SMMUSIM_ERANGE, "op", "(0..255)");
}

/* An opcode outside the table: the opcode alone, and no row decoded. */
static void test_unknown_opcode(void **state)
{
	(void)state;
	struct sm_smmu_cmd c = {.op = 0x07, .sid = 5, .asid = 3}, back;
	uint64_t w[2];
	assert_int_equal(sm_smmu_cmd_build(&c, w, NULL), 0);
	assert_int_equal(w[0], 0x07);
	assert_int_equal(w[1], 0);
	assert_null(sm_smmu_cmd_decode(w, &back));
	assert_int_equal(back.op, 0x07);
	assert_int_equal(back.sid, 0);
}

/* Words as Linux's arm_smmu_cmdq_build_cmd would write them. */
static void test_known_words(void **state)
{
	(void)state;
	uint64_t w[2];
	struct sm_smmu_cmd c;

	c = (struct sm_smmu_cmd){.op = CMDQ_OP_CMD_SYNC,
				 .cs = CMDQ_SYNC_0_CS_SEV};
	assert_int_equal(sm_smmu_cmd_build(&c, w, NULL), 0);
	assert_int_equal(w[0], 0x46 | 2ull << 12);
	assert_int_equal(w[1], 0);

	c = (struct sm_smmu_cmd){.op = CMDQ_OP_TLBI_NH_VA,
				 .vmid = 0x1234,
				 .asid = 0xabcd,
				 .addr = 0xffffb000,
				 .tg = 1,
				 .num = 0x15,
				 .scale = 0x1a,
				 .ttl = 3,
				 .leaf = 1};
	assert_int_equal(sm_smmu_cmd_build(&c, w, NULL), 0);
	assert_int_equal(w[0], 0x12 | 0x15ull << 12 | 0x1aull << 20 |
				   0x1234ull << 32 | 0xabcdull << 48);
	assert_int_equal(w[1], 0xffffb000ull | 1ull << 10 | 3ull << 8 | 1);

	c = (struct sm_smmu_cmd){
	    .op = CMDQ_OP_CFGI_CD, .sid = 0x12345, .ssid = 0xfffff, .leaf = 1};
	assert_int_equal(sm_smmu_cmd_build(&c, w, NULL), 0);
	assert_int_equal(w[0], 0x05 | 0xfffffull << 12 | 0x12345ull << 32);
	assert_int_equal(w[1], CMDQ_CFGI_1_LEAF);

	c = (struct sm_smmu_cmd){.op = CMDQ_OP_CFGI_ALL, .range = 31};
	assert_int_equal(sm_smmu_cmd_build(&c, w, NULL), 0);
	assert_int_equal(w[0], 0x04);
	assert_int_equal(w[1], 31);

	c = (struct sm_smmu_cmd){.op = CMDQ_OP_ATC_INV,
				 .sid = 0x10,
				 .ssv = 1,
				 .ssid = 1,
				 .range = 4,
				 .addr = 0x400000};
	assert_int_equal(sm_smmu_cmd_build(&c, w, NULL), 0);
	assert_int_equal(w[0], 0x40 | CMDQ_0_SSV | 1ull << 12 | 0x10ull << 32);
	assert_int_equal(w[1], 0x400000 | 4);

	c = (struct sm_smmu_cmd){.op = CMDQ_OP_RESUME,
				 .sid = 7,
				 .resp = CMDQ_RESUME_0_RESP_RETRY,
				 .stag = 0xbeef};
	assert_int_equal(sm_smmu_cmd_build(&c, w, NULL), 0);
	assert_int_equal(w[0], 0x44 | 1ull << 12 | 7ull << 32);
	assert_int_equal(w[1], 0xbeef);

	c = (struct sm_smmu_cmd){.op = CMDQ_OP_PRI_RESP,
				 .sid = 3,
				 .ssv = 1,
				 .ssid = 9,
				 .resp = CMDQ_PRI_1_RESP_SUCC};
	assert_int_equal(sm_smmu_cmd_build(&c, w, NULL), 0);
	assert_int_equal(w[0], 0x41 | CMDQ_0_SSV | 9ull << 12 | 3ull << 32);
	assert_int_equal(w[1], 2ull << 12);

	/* A key the command does not carry is left out. */
	c = (struct sm_smmu_cmd){
	    .op = CMDQ_OP_TLBI_NH_ALL, .vmid = 2, .asid = 9, .addr = 0x5000};
	assert_int_equal(sm_smmu_cmd_build(&c, w, NULL), 0);
	assert_int_equal(w[0], 0x10 | 2ull << 32);
	assert_int_equal(w[1], 0);
}

/* The range a member is checked against, as the header says: its field
 * in the command, else the field it fills in the commands that have it
 * (the largest such home range; an address: aligned to bit 12). */
static int ref_check(const struct sm_smmu_cmd *c, enum sm_smmu_cmd_key *bad)
{
	static const uint64_t home[SM_SMMU_CMD_KEY_COUNT_] = {
	    [SM_SMMU_CMD_OP] = 0xff,	    [SM_SMMU_CMD_ASID] = 0xffff,
	    [SM_SMMU_CMD_VMID] = 0xffff,    [SM_SMMU_CMD_TG] = 3,
	    [SM_SMMU_CMD_NUM] = 31,	    [SM_SMMU_CMD_SCALE] = 31,
	    [SM_SMMU_CMD_TTL] = 3,	    [SM_SMMU_CMD_LEAF] = 1,
	    [SM_SMMU_CMD_RANGE] = 31,	    [SM_SMMU_CMD_SSID] = 0xfffff,
	    [SM_SMMU_CMD_ADDR] = ~0xfffull, [SM_SMMU_CMD_SID] = 0xffffffff,
	    [SM_SMMU_CMD_SSV] = 1,	    [SM_SMMU_CMD_GLOBAL] = 1,
	    [SM_SMMU_CMD_RESP] = 3,	    [SM_SMMU_CMD_STAG] = 0xffff,
	    [SM_SMMU_CMD_GRPID] = 0x1ff,    [SM_SMMU_CMD_CS] = 3,
	};
	const struct sm_smmu_cmd_def *d =
	    c->op < 256 ? sm_smmu_cmd_def((unsigned)c->op) : NULL;
	for (int k = 0; k < SM_SMMU_CMD_KEY_COUNT_; k++) {
		uint64_t v = sm_smmu_cmd_get(c, k);
		const struct sm_smmu_cmd_field *f = sm_smmu_cmd_field(d, k);
		uint64_t max = f ? f->max : home[k];
		*bad = k;
		if (k == SM_SMMU_CMD_ADDR && (v & 0xfff))
			return SMMUSIM_EINVAL;
		if (v > max)
			return SMMUSIM_ERANGE;
	}
	return 0;
}

/* Random commands, most members zero and the others near their limits:
 * the check agrees with the reference on the result and the key. */
static void test_check_random(void **state)
{
	(void)state;
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (unsigned n = 0; n < 200000; n++) {
		struct sm_smmu_cmd c = {0};
		enum sm_smmu_cmd_key bad = 0, rbad = 0;
		uint64_t max;
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		c.op = x % 8 ? sm_smmu_cmd_defs[x % SM_SMMU_CMD_COUNT].op
			     : (x >> 8) % 300;
		for (int k = 1; k < SM_SMMU_CMD_KEY_COUNT_; k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			if (x % 4)
				continue;
			uint64_t top = 1ull << ((x >> 8) % 64);
			uint64_t v = (x >> 16) % 4 ? top - 1 : top;
			if (k == SM_SMMU_CMD_ADDR && (x >> 20) % 4)
				v &= ~0xfffull;
			sm_smmu_cmd_set(&c, k, v);
		}
		int want = ref_check(&c, &rbad);
		assert_int_equal(sm_smmu_cmd_check(&c, &bad, &max), want);
		if (want)
			assert_int_equal(bad, rbad);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_fields),
	    cmocka_unit_test(test_roundtrip_max),
	    cmocka_unit_test(test_decode_tlbi_nh_va),
	    cmocka_unit_test(test_decode_tlbi_nh_asid),
	    cmocka_unit_test(test_resume_inline),
	    cmocka_unit_test(test_tlbi_nh_asid_inline),
	    cmocka_unit_test(test_tlbi_nh_va_inline),
	    cmocka_unit_test(test_check_random),
	    cmocka_unit_test(test_out_of_range),
	    cmocka_unit_test(test_unknown_opcode),
	    cmocka_unit_test(test_known_words),
	};
	return cmocka_run_group_tests_name("smmu_cmd", tests, NULL, NULL);
}
