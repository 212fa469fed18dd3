/* SPDX-License-Identifier: MIT */
/*
 * The events of smmusim trace format 1 and their keys, as tables
 * (docs/trace-format.md, "Values", "Keys" and "Events").
 *
 * key_defs[] gives each key its name, the kind of value it takes (number
 * ranges follow from the kind: see trace_values.c), its words and the value
 * of the key when an optional one is absent; event_defs[] gives each event
 * its keys in documented order.  Adding an event type that uses existing
 * keys is one row of event_defs[]; sm_trace_set_field() says which field of
 * struct smmusim_event each key fills.
 */
#include "trace/trace_keys.h"

#include <string.h>

#include "arch/smmu_cmd.h"
#include "trace/trace_lines.h"
#include "trace/trace_values.h"

/* ---------------------------------------------------------------------- */
/* Words                                                                  */
/* ---------------------------------------------------------------------- */

static const struct sm_trace_word prot_words[] = {
    {"none", 0},
    {"r", SMMUSIM_PROT_R},
    {"rw", SMMUSIM_PROT_R | SMMUSIM_PROT_W},
    {"rx", SMMUSIM_PROT_R | SMMUSIM_PROT_X},
    {"rwx", SMMUSIM_PROT_R | SMMUSIM_PROT_W | SMMUSIM_PROT_X},
    {NULL, 0},
};

static const struct sm_trace_word map_words[] = {
    {"private", SMMUSIM_MAP_PRIVATE},
    {"shared", SMMUSIM_MAP_SHARED},
    {NULL, 0},
};

static const struct sm_trace_word op_words[] = {
    {"r", SMMUSIM_ACC_READ},
    {"w", SMMUSIM_ACC_WRITE},
    {"x", SMMUSIM_ACC_EXEC},
    {NULL, 0},
};

static const struct sm_trace_word touch_op_words[] = {
    {"r", SMMUSIM_ACC_READ},
    {"w", SMMUSIM_ACC_WRITE},
    {NULL, 0},
};

static const struct sm_trace_word advice_words[] = {
    {"dontneed", SMMUSIM_MADV_DONTNEED},
    {NULL, 0},
};

static const struct sm_trace_word tlbi_words[] = {
#define SM_TLBI_WORD_(name, word) {word, SMMUSIM_TLBI_##name},
    SMMUSIM_TLBI_OPS(SM_TLBI_WORD_)
#undef SM_TLBI_WORD_
	{NULL, 0},
};

static const struct sm_trace_word stage_words[] = {
    {"1", 1},
    {"2", 2},
    {NULL, 0},
};

/* cmds= of attach and pri= of bind. */
static const struct sm_trace_word onoff_words[] = {
    {"on", 1},
    {"off", 0},
    {NULL, 0},
};

/* clang-format off */
#define REQ(k) {K_##k, true}
#define OPT(k) {K_##k, false}
/* clang-format on */

/* ---------------------------------------------------------------------- */
/* The cmd event: SMMU command names and fields                           */
/* ---------------------------------------------------------------------- */

/*
 * The only place of the reader that knows SMMU commands, and all it knows
 * comes from the one table of them (arch/smmu_cmd.h, SMMUv3 spec chapter
 * 4): the words of `cmd op=` with their opcodes, in the table's (opcode)
 * order, and which keys each command has a field for.  CMD_KEYS are the
 * keys a cmd line may carry at all, in documented order; their names are
 * those of the table's members (sm_smmu_cmd_key_name).
 */
static const struct sm_trace_word cmd_words[] = {
#define SM_CMD_WORD_(id, op, name, cls, lay) {name, CMDQ_OP_##id},
    SM_SMMU_CMDS(SM_CMD_WORD_)
#undef SM_CMD_WORD_
	{NULL, 0},
};

#define CMD_KEYS                                                               \
	{                                                                      \
		REQ(CMD_OP), OPT(ASID), OPT(VMID), OPT(ADDR), OPT(TG),         \
		    OPT(NUM), OPT(SCALE), OPT(TTL), OPT(LEAF), OPT(SID),       \
		    OPT(DEV_SSID), OPT(RANGE)                                  \
	}

/* Does command `op` have a field for cmd key `k`?  A cmd line has no resp
 * key: RESUME takes its response from ssid's low bits (docs/trace-format.md,
 * "cmd"), so ssid is RESUME's too.  An opcode outside the table has every
 * key: the SMMU refuses it (CERROR_ILL), its keys are only range-checked. */
bool sm_trace_cmd_has_key(unsigned op, enum sm_trace_key k)
{
	const struct sm_smmu_cmd_def *def = sm_smmu_cmd_def(op);

	if (!def || k == K_CMD_OP)
		return true;
	if (op == CMDQ_OP_RESUME && k == K_DEV_SSID)
		return true;
	for (unsigned i = 0; i < def->nfields; i++)
		if (!strcmp(sm_smmu_cmd_key_name(def->fields[i].key),
			    sm_trace_key_defs[k].name))
			return true;
	return false;
}

/* ---------------------------------------------------------------------- */
/* Keys and events                                                        */
/* ---------------------------------------------------------------------- */

const struct sm_trace_key_def sm_trace_key_defs[K_COUNT_] = {
    [K_MM] = {"mm", KK_U32, NULL, 0},
    [K_CPU] = {"cpu", KK_U32, NULL, 0},
    [K_SID] = {"sid", KK_U32, NULL, 0},
    [K_SSID] = {"ssid", KK_U32, NULL, 0},
    [K_VA] = {"va", KK_U64, NULL, 0},
    [K_LEN] = {"len", KK_LEN, NULL, 0},
    [K_PROT] = {"prot", KK_ENUM, prot_words, 0},
    [K_MAP] = {"map", KK_ENUM, map_words, SMMUSIM_MAP_PRIVATE},
    [K_OP] = {"op", KK_ENUM, op_words, SMMUSIM_ACC_READ},
    [K_PRI] = {"pri", KK_ENUM, onoff_words, 1},
    [K_TOUCH_OP] = {"op", KK_ENUM, touch_op_words, SMMUSIM_ACC_WRITE},
    [K_ADVICE] = {"advice", KK_ENUM, advice_words, 0},
    [K_TLBI_OP] = {"op", KK_ENUM, tlbi_words, 0},
    [K_ASID] = {"asid", KK_U32, NULL, 0},
    [K_TTL] = {"ttl", KK_U32, NULL, 0},
    [K_TG] = {"tg", KK_U32, NULL, 0},
    [K_SCALE] = {"scale", KK_U32, NULL, 0},
    [K_NUM] = {"num", KK_U32, NULL, 0},
    [K_DOM] = {"dom", KK_U32, NULL, 0},
    [K_PA] = {"pa", KK_U64, NULL, 0},
    [K_CMDS] = {"cmds", KK_ENUM, onoff_words, 1},
    [K_IOPROT] = {"prot", KK_ENUM, prot_words, SMMUSIM_PROT_R | SMMUSIM_PROT_W},
    [K_DEV_SSID] = {"ssid", KK_SSID, NULL, SMMUSIM_NO_SSID},
    [K_CMD_OP] = {"op", KK_ENUM_NUM, cmd_words, 0},
    [K_ADDR] = {"addr", KK_U64, NULL, 0},
    [K_VMID] = {"vmid", KK_U32, NULL, 0},
    [K_LEAF] = {"leaf", KK_U32, NULL, 0},
    [K_RANGE] = {"range", KK_U32, NULL, 0},
    [K_STAGE] = {"stage", KK_ENUM, stage_words, 1},
    [K_PARENT] = {"parent", KK_U32, NULL, UINT64_MAX},
    [K_DOM_VMID] = {"vmid", KK_U32, NULL, 0},
};

static const struct sm_trace_event_def event_defs[] = {
    {SMMUSIM_EV_MM_CREATE, {REQ(MM)}},
    {SMMUSIM_EV_MMAP,
     {REQ(MM), REQ(VA), REQ(LEN), REQ(PROT), OPT(MAP), OPT(CPU)}},
    {SMMUSIM_EV_MUNMAP, {REQ(MM), REQ(VA), REQ(LEN), OPT(CPU)}},
    {SMMUSIM_EV_MPROTECT, {REQ(MM), REQ(VA), REQ(LEN), REQ(PROT), OPT(CPU)}},
    {SMMUSIM_EV_MM_EXIT, {REQ(MM), OPT(CPU)}},
    {SMMUSIM_EV_BIND, {REQ(SID), REQ(SSID), REQ(MM), OPT(PRI), OPT(CPU)}},
    {SMMUSIM_EV_UNBIND, {REQ(SID), REQ(SSID), OPT(CPU)}},
    {SMMUSIM_EV_DEV_ACCESS, {REQ(SID), OPT(DEV_SSID), REQ(VA), REQ(OP)}},
    {SMMUSIM_EV_CPU_ACCESS, {REQ(CPU), REQ(MM), REQ(VA), REQ(OP)}},
    {SMMUSIM_EV_TOUCH, {REQ(MM), REQ(VA), REQ(LEN), OPT(TOUCH_OP), OPT(CPU)}},
    {SMMUSIM_EV_MADVISE, {REQ(MM), REQ(VA), REQ(LEN), REQ(ADVICE), OPT(CPU)}},
    {SMMUSIM_EV_RECLAIM, {REQ(MM), REQ(VA), REQ(LEN), OPT(CPU)}},
    {SMMUSIM_EV_TLBI,
     {REQ(CPU), REQ(TLBI_OP), OPT(ASID), OPT(VA), OPT(TTL), OPT(TG), OPT(SCALE),
      OPT(NUM)}},
    {SMMUSIM_EV_DSB, {REQ(CPU)}},
    {SMMUSIM_EV_DOMAIN_CREATE,
     {REQ(DOM), OPT(STAGE), OPT(ASID), OPT(DOM_VMID), OPT(PARENT), OPT(CPU)}},
    {SMMUSIM_EV_ATTACH, {REQ(SID), REQ(DOM), OPT(CMDS), OPT(CPU)}},
    {SMMUSIM_EV_IOMMU_MAP,
     {REQ(DOM), REQ(VA), REQ(LEN), OPT(PA), OPT(IOPROT), OPT(CPU)}},
    {SMMUSIM_EV_IOMMU_UNMAP, {REQ(DOM), REQ(VA), REQ(LEN), OPT(CPU)}},
    {SMMUSIM_EV_CMD, CMD_KEYS},
    {SMMUSIM_EV_DMA_MAP,
     {REQ(DOM), REQ(VA), REQ(LEN), OPT(PA), OPT(IOPROT), OPT(CPU)}},
    {SMMUSIM_EV_DMA_UNMAP, {REQ(DOM), REQ(VA), REQ(LEN), OPT(CPU)}},
};

#undef REQ
#undef OPT

#define N_EVENT_DEFS (sizeof(event_defs) / sizeof(event_defs[0]))

_Static_assert(N_EVENT_DEFS == SMMUSIM_EV_COUNT_,
	       "every event type needs a row in event_defs[]");
_Static_assert(SM_TRACE_EV_SLOTS > 2 * N_EVENT_DEFS,
	       "the keyword table must stay at most half full");
_Static_assert(SM_TRACE_MAX_EV_KEYS <= 32, "required[] is a 32-bit mask");
_Static_assert(SM_TRACE_MAX_WORDS <= UINT8_MAX, "slots index words by a byte");

/* ---------------------------------------------------------------------- */
/* Lookups                                                                */
/* ---------------------------------------------------------------------- */

/* A name of up to 8 bytes packed, 0 for a longer one (never the packing of
 * a token, which has at least one byte). */
static uint64_t pack_name(const char *name)
{
	size_t n = strlen(name);

	return n <= 8 ? sm_trace_pack(name, n) : 0;
}

/* Words of every key, packed, and each key's slice of them. */
static void index_words(struct sm_trace_index *ix)
{
	unsigned n = 0;

	for (unsigned k = 0; k < K_COUNT_; k++) {
		const struct sm_trace_word *w = sm_trace_key_defs[k].words;

		ix->word_at[k] = (uint16_t)n;
		for (size_t i = 0; w && w[i].word && n < SM_TRACE_MAX_WORDS;
		     i++, n++) {
			ix->word[n] = pack_name(w[i].word);
			ix->word_val[n] = w[i].val;
		}
	}
	ix->word_at[K_COUNT_] = (uint16_t)n;
}

/* All-ones fills a 32- or 64-bit field with 0xff bytes and a bool with a
 * 1; anything else (parent sets nested too), or a field the checks below do
 * not confirm, is left to sm_trace_set_field() (width 0). */
void sm_trace_probe_field(enum sm_trace_key k, uint16_t *off, uint8_t *width)
{
	static const uint64_t tries[] = {0, 1, 0x0123456789abcdefull,
					 UINT64_MAX};
	struct smmusim_event a, b;
	const unsigned char *pb = (const unsigned char *)&b;
	size_t lo = sizeof(b), hi = 0;

	memset(&b, 0, sizeof(b));
	sm_trace_set_field(&b, k, UINT64_MAX);
	for (size_t i = 0; i < sizeof(b); i++)
		if (pb[i]) {
			lo = i < lo ? i : lo;
			hi = i + 1;
		}
	*off = 0;
	*width = 0;
	if (hi <= lo)
		return;
	*off = (uint16_t)lo;
	*width = (uint8_t)(hi - lo);
	if (*width != 1 && *width != 4 && *width != 8)
		*width = 0;
	for (size_t i = 0; *width && i < sizeof(tries) / sizeof(*tries); i++) {
		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		sm_trace_store_field(&a, k, *off, *width, tries[i]);
		sm_trace_set_field(&b, k, tries[i]);
		if (memcmp(&a, &b, sizeof(a)))
			*width = 0;
	}
}

/* Position k of event row i as the fast path reads it (trace_keys.h). */
static void index_slot(struct sm_trace_index *ix, unsigned i, unsigned k,
		       enum sm_trace_key key)
{
	const struct sm_trace_key_def *kd = &sm_trace_key_defs[key];
	struct sm_trace_key_slot *s = &ix->slot[ix->slot_at[i] + k];
	size_t len = strlen(kd->name);
	uint16_t off;

	s->key = (uint8_t)key;
	s->words = kd->kind == KK_ENUM || kd->kind == KK_ENUM_NUM;
	s->word_lo = (uint8_t)ix->word_at[key];
	s->word_hi = (uint8_t)ix->word_at[key + 1];
	s->min = kd->kind == KK_LEN;
	s->span = sm_trace_kind_max(kd->kind) - s->min;
	sm_trace_probe_field(key, &off, &s->width);
	s->off = (uint8_t)off;
	if (off > UINT8_MAX)
		s->width = 0; /* sm_trace_set_field() */
	s->eq = 1;	      /* no token matches under mask 0 */
	if (len < 8) {
		s->eq = ix->key_name[i][k] | (uint64_t)'=' << (8 * len);
		s->mask = ~0ull >> (8 * (7 - len));
		s->klen = (uint8_t)len;
	}
}

/* Event row i: its keyword, its keys' names, which are required, and its
 * template (the defaults of its optional keys, as fill_defaults() in
 * trace_reader.c would set them: no two keys of an event fill one field). */
static void index_event(struct sm_trace_index *ix, unsigned i)
{
	const struct sm_trace_event_def *d = &event_defs[i];
	const char *kw = smmusim_event_name(d->type);
	size_t n = strlen(kw);
	struct smmusim_event *t = &ix->tmpl[i];
	unsigned h, nk = 0;

	if (n <= 16) {
		ix->ev_name[i][0] = sm_trace_pack(kw, n);
		ix->ev_name[i][1] = n > 8 ? sm_trace_pack(kw + 8, n - 8) : 0;
		h = sm_trace_ev_hash(ix->ev_name[i][0], ix->ev_name[i][1]);
		while (ix->ev[h & (SM_TRACE_EV_SLOTS - 1)])
			h++;
		ix->ev[h & (SM_TRACE_EV_SLOTS - 1)] = (uint8_t)(i + 1);
	}
	t->type = d->type;
	t->timing = SMMUSIM_AFTER_PREV;
	while (d->keys[nk].key != K_NONE)
		nk++;
	ix->slot_at[i] = ix->n_slots + nk + 2 <= SM_TRACE_MAX_SLOTS
			     ? ix->n_slots
			     : SM_TRACE_NO_SLOTS;
	for (unsigned k = 0; d->keys[k].key != K_NONE; k++) {
		enum sm_trace_key key = (enum sm_trace_key)d->keys[k].key;

		ix->key_name[i][k] = pack_name(sm_trace_key_defs[key].name);
		if (ix->slot_at[i] != SM_TRACE_NO_SLOTS)
			index_slot(ix, i, k, key);
		if (d->keys[k].required)
			ix->required[i] |= 1u << k;
		else
			sm_trace_set_field(t, key, sm_trace_key_defs[key].dflt);
		ix->n_keys[i] = (uint8_t)(k + 1);
	}
	if (ix->slot_at[i] != SM_TRACE_NO_SLOTS) {
		/* the end: matches no token */
		ix->slot[ix->slot_at[i] + ix->n_keys[i]].eq = 1;
		ix->slot[ix->slot_at[i] + ix->n_keys[i] + 1].eq = 1;
		ix->n_slots = (uint16_t)(ix->n_slots + ix->n_keys[i] + 2);
	}
}

void sm_trace_index_init(struct sm_trace_index *ix)
{
	memset(ix, 0, sizeof(*ix));
	ix->defs = event_defs;
	index_words(ix);
	for (unsigned i = 0; i < N_EVENT_DEFS; i++)
		index_event(ix, i);
}

unsigned sm_trace_event_row(const struct sm_trace_event_def *d)
{
	return (unsigned)(d - event_defs);
}

const struct sm_trace_event_def *
sm_trace_find_event(const struct sm_trace_index *ix, const char *s, size_t n)
{
	unsigned v;

	if (n == 0 || n > 16) {
		/* no keyword is empty; one longer than 16 bytes, if a row
		 * ever has it, the slow way */
		for (size_t i = 0; n && i < N_EVENT_DEFS; i++)
			if (sm_trace_tok_eq(
				s, n, smmusim_event_name(event_defs[i].type)))
				return &event_defs[i];
		return NULL;
	}
	v = sm_trace_event_at(ix, s, n);
	return v ? &event_defs[v - 1] : NULL;
}

const struct sm_trace_ev_key *
sm_trace_find_key(const struct sm_trace_index *ix,
		  const struct sm_trace_event_def *d, const char *s, size_t n)
{
	unsigned hint = 0;
	int pos;

	if (n == 0)
		return NULL;
	if (n <= 8) {
		pos = sm_trace_key_pos(ix, sm_trace_event_row(d),
				       sm_trace_pack(s, n), &hint);
		return pos < 0 ? NULL : &d->keys[pos];
	}
	for (const struct sm_trace_ev_key *k = d->keys; k->key != K_NONE; k++)
		if (sm_trace_tok_eq(s, n, sm_trace_key_defs[k->key].name))
			return k;
	return NULL;
}

enum sm_trace_key sm_trace_cmd_stray_key(const struct sm_trace_event_def *d,
					 unsigned op, const size_t *seen)
{
	enum sm_trace_key stray = K_NONE;

	for (const struct sm_trace_ev_key *k = d->keys; k->key != K_NONE; k++)
		if (seen[k->key] && !sm_trace_cmd_has_key(op, k->key) &&
		    (stray == K_NONE || seen[k->key] < seen[stray]))
			stray = k->key;
	return stray;
}

/* ---------------------------------------------------------------------- */
/* Lists for messages                                                     */
/* ---------------------------------------------------------------------- */

static void append(char *dst, size_t size, size_t *pos, const char *s)
{
	size_t n = strlen(s);

	if (*pos >= size)
		return;
	if (n > size - 1 - *pos)
		n = size - 1 - *pos;
	memcpy(dst + *pos, s, n);
	*pos += n;
	dst[*pos] = '\0';
}

void sm_trace_list_events(char *dst, size_t size)
{
	size_t pos = 0;

	dst[0] = '\0';
	for (size_t i = 0; i < N_EVENT_DEFS; i++) {
		if (i)
			append(dst, size, &pos, ", ");
		append(dst, size, &pos, smmusim_event_name(event_defs[i].type));
	}
}

void sm_trace_list_keys(const struct sm_trace_event_def *d, bool required_only,
			char *dst, size_t size)
{
	size_t pos = 0;
	bool first = true;

	dst[0] = '\0';
	for (const struct sm_trace_ev_key *k = d->keys; k->key != K_NONE; k++) {
		if (required_only && !k->required)
			continue;
		if (!first)
			append(dst, size, &pos, ", ");
		append(dst, size, &pos, sm_trace_key_defs[k->key].name);
		first = false;
	}
}

void sm_trace_list_words(const struct sm_trace_word *w, char *dst, size_t size)
{
	size_t pos = 0;

	dst[0] = '\0';
	for (size_t i = 0; w[i].word; i++) {
		if (i)
			append(dst, size, &pos, ", ");
		append(dst, size, &pos, w[i].word);
	}
}

void sm_trace_list_cmd_keys(const struct sm_trace_event_def *d, unsigned op,
			    char *dst, size_t size)
{
	size_t pos = 0;

	dst[0] = '\0';
	for (const struct sm_trace_ev_key *k = d->keys; k->key != K_NONE; k++) {
		if (!sm_trace_cmd_has_key(op, k->key))
			continue;
		if (pos)
			append(dst, size, &pos, ", ");
		append(dst, size, &pos, sm_trace_key_defs[k->key].name);
	}
}

const char *sm_trace_cmd_name(unsigned op)
{
	return sm_smmu_cmd_name(op);
}
