/* SPDX-License-Identifier: MIT */
/*
 * The events of trace format 1 and their keys (private to src/trace), as
 * docs/trace-format.md lists them ("Keys", "Events"): for each key its
 * name, the kind of value it takes (which sets its range), its words and
 * its default; for each event its keys in documented order, required or
 * optional.  The tables live in trace_keys.c.  Also the header line, which
 * the importers write too.
 */
#ifndef SM_TRACE_TRACE_KEYS_H
#define SM_TRACE_TRACE_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <smmusim/event.h>

/* The header line: "smmusim-trace 1" (the reader and the importers). */
#define SM_TRACE_MAGIC "smmusim-trace"
#define SM_TRACE_VERSION "1"

struct sm_trace_word {
	const char *word;
	unsigned val;
};

enum sm_trace_key_kind {
	KK_U32,	    /* number, 0..UINT32_MAX */
	KK_SSID,    /* number, 0..2^20-1: a SubstreamID (PASID) */
	KK_U64,	    /* number, 0..UINT64_MAX */
	KK_LEN,	    /* number with optional K/M/G suffix, 1..UINT64_MAX */
	KK_ENUM,    /* one of `words` */
	KK_ENUM_NUM /* one of `words`, or a number 0..255 (opcodes) */
};

enum sm_trace_key {
	K_NONE = 0, /* terminates a key list */
	K_MM,
	K_CPU,
	K_SID,
	K_SSID,
	K_VA,
	K_LEN,
	K_PROT,
	K_MAP,
	K_OP,
	K_PRI,
	K_TOUCH_OP, /* "op" of touch: r|w, default w */
	K_ADVICE,
	K_TLBI_OP, /* "op" of tlbi: the instruction */
	K_ASID,
	K_TTL,
	K_TG,
	K_SCALE,
	K_NUM,
	K_DOM,
	K_PA,
	K_CMDS,
	K_IOPROT,   /* "prot" of iommu_map: default rw */
	K_DEV_SSID, /* "ssid" of dev_access: optional (no substream) */
	K_CMD_OP,   /* "op" of cmd: a command name or opcode */
	K_ADDR,
	K_VMID,
	K_LEAF,
	K_RANGE,
	K_STAGE,
	K_PARENT,
	K_DOM_VMID, /* "vmid" of domain_create: 0 picks the lowest free */
	K_COUNT_
};

struct sm_trace_key_def {
	const char *name;
	enum sm_trace_key_kind kind;
	const struct sm_trace_word *words; /* KK_ENUM, KK_ENUM_NUM */
	uint64_t dflt;			   /* value of an absent optional key */
};

extern const struct sm_trace_key_def sm_trace_key_defs[K_COUNT_];

#define SM_TRACE_MAX_EV_KEYS 16

struct sm_trace_ev_key {
	unsigned char key; /* enum sm_trace_key */
	bool required;
};

struct sm_trace_event_def {
	enum smmusim_event_type type; /* keyword: smmusim_event_name(type) */
	/* in documented order, K_NONE ends */
	struct sm_trace_ev_key keys[SM_TRACE_MAX_EV_KEYS];
};

/*
 * Lookups built once per reader from the tables of trace_keys.c (the only
 * place that names events and keys), so that a line costs no string
 * comparison: a word of up to eight bytes is packed into a uint64_t (its
 * bytes in order, zero-padded: two words are equal exactly when their
 * packings are, since no word holds a NUL) and compared in one step.
 *  - keywords (up to 16 bytes, two packings): an open-addressing table
 *    hashed on the packing;
 *  - each event's key names, in documented order: a line gives its keys in
 *    that order most of the time, so the key after the last one found is
 *    tried first;
 *  - each event's keys as slots (struct sm_trace_key_slot), in documented
 *    order and ended by a slot that matches no token: all the fast path
 *    reads of a key in one place;
 *  - each key's words (prot=rw, op=w);
 *  - each event's template: its type and the defaults of its optional keys,
 *    the event a line starts from.
 * Longer names and words (cmd op=cfgi_ste_range) are looked up the slow
 * way, through the same tables.
 */
#define SM_TRACE_EV_SLOTS 64   /* a power of 2, > 2 * SMMUSIM_EV_COUNT_ */
#define SM_TRACE_MAX_WORDS 192 /* packed words of all keys; more: slow path */

/* One key of an event, as the reader's fast path reads it. */
struct sm_trace_key_slot {
	/* "name=" packed, and the mask of its bytes: the key is told by one
	 * masked comparison of the token's first eight bytes (mask 0, eq 1:
	 * a name longer than 7 bytes, or the end of the event's keys) */
	uint64_t eq, mask;
	uint64_t span; /* a number is in range when v - min <= span */
	uint8_t min;   /* 1 for KK_LEN, else 0 */
	uint8_t word_lo, word_hi; /* its words: word[word_lo..word_hi) */
	uint8_t off, width; /* where the value goes: sm_trace_store_field */
	uint8_t klen;	    /* the name's length */
	uint8_t key;	    /* enum sm_trace_key */
	bool words;	    /* KK_ENUM, KK_ENUM_NUM: a word (the fast path) */
};

/* Slots of all events, each event's keys and two end slots: room for
 * events of six keys on average (those past it have no fast path). */
#define SM_TRACE_MAX_SLOTS (8 * SMMUSIM_EV_COUNT_)
#define SM_TRACE_NO_SLOTS UINT16_MAX

struct sm_trace_index {
	uint8_t ev[SM_TRACE_EV_SLOTS]; /* 1 + row of event_defs, 0: empty */
	uint64_t ev_name[SMMUSIM_EV_COUNT_][2]; /* keyword packed, 0: > 16 */
	/* per event, its keys' names packed (0: longer than 8 bytes) */
	uint64_t key_name[SMMUSIM_EV_COUNT_][SM_TRACE_MAX_EV_KEYS];
	uint8_t n_keys[SMMUSIM_EV_COUNT_];
	/* per event, from slot[slot_at[row]]: its keys in documented order
	 * and two end slots (the fast path tries the next two keys);
	 * SM_TRACE_NO_SLOTS: none (no room), the slow path */
	struct sm_trace_key_slot slot[SM_TRACE_MAX_SLOTS];
	uint16_t slot_at[SMMUSIM_EV_COUNT_];
	uint16_t n_slots;
	/* per key: its words in word[word_at[k]..word_at[k + 1]) */
	uint16_t word_at[K_COUNT_ + 1];
	uint64_t word[SM_TRACE_MAX_WORDS];
	uint32_t word_val[SM_TRACE_MAX_WORDS];
	/* per event: its required keys, a mask of positions in its keys[] */
	uint32_t required[SMMUSIM_EV_COUNT_];
	struct smmusim_event tmpl[SMMUSIM_EV_COUNT_];
	const struct sm_trace_event_def *defs; /* the rows: event_defs[] */
};

void sm_trace_index_init(struct sm_trace_index *ix);

/* s[0..min(n, 8)) packed: byte i at bits 8i..8i+7, zero-padded. */
static inline uint64_t sm_trace_pack(const char *s, size_t n)
{
	uint64_t w = 0;

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (n >= 8) {
		memcpy(&w, s, 8);
		return w;
	}
	/* two overlapping loads: the shared bytes are equal */
	if (n >= 4) {
		uint32_t a, b;

		memcpy(&a, s, 4);
		memcpy(&b, s + n - 4, 4);
		return a | (uint64_t)b << (8 * (n - 4));
	}
	if (n >= 2) {
		uint16_t a, b;

		memcpy(&a, s, 2);
		memcpy(&b, s + n - 2, 2);
		return a | (uint64_t)b << (8 * (n - 2));
	}
#endif
	for (size_t i = 0; i < n && i < 8; i++)
		w |= (uint64_t)(unsigned char)s[i] << (8 * i);
	return w;
}

/* The slot of a keyword's packing: a multiplicative hash of its two
 * halves, which tells the keywords apart but for a few collisions that
 * the probing absorbs. */
static inline unsigned sm_trace_ev_hash(uint64_t w0, uint64_t w1)
{
	return (unsigned)(((w0 ^ w1 * 0x9e3779b97f4a7c15ull) *
			   0xff51afd7ed558ccdull) >>
			  58);
}

/* 1 + the row of the event whose keyword packs to w0 (its first eight
 * bytes) and w1 (the next eight; sm_trace_pack(), zero-padded), 0 when
 * none: inline, for the reader's every line. */
static inline unsigned sm_trace_event_packed(const struct sm_trace_index *ix,
					     uint64_t w0, uint64_t w1)
{
	unsigned h;
	uint8_t v;

	for (h = sm_trace_ev_hash(w0, w1);
	     (v = ix->ev[h & (SM_TRACE_EV_SLOTS - 1)]); h++)
		if (ix->ev_name[v - 1][0] == w0 && ix->ev_name[v - 1][1] == w1)
			return v;
	return 0;
}

/* The same for the keyword s[0..n) (1..16 bytes). */
static inline unsigned sm_trace_event_at(const struct sm_trace_index *ix,
					 const char *s, size_t n)
{
	uint64_t w0 = sm_trace_pack(s, n);
	uint64_t w1 = n > 8 ? sm_trace_pack(s + 8, n - 8) : 0;

	return sm_trace_event_packed(ix, w0, w1);
}

/* The row of event_defs[] of event `d` (0-based). */
unsigned sm_trace_event_row(const struct sm_trace_event_def *d);

/* The event whose keyword is s[0..n), or NULL. */
const struct sm_trace_event_def *
sm_trace_find_event(const struct sm_trace_index *ix, const char *s, size_t n);
/* The key of event d named s[0..n), or NULL. */
const struct sm_trace_ev_key *
sm_trace_find_key(const struct sm_trace_index *ix,
		  const struct sm_trace_event_def *d, const char *s, size_t n);

/* The position in d->keys of the key of event row `row` whose name packs to
 * w (1..8 bytes), trying position *hint first and moving the hint past the
 * key found; -1 when none. */
static inline int sm_trace_key_pos(const struct sm_trace_index *ix,
				   unsigned row, uint64_t w, unsigned *hint)
{
	const uint64_t *names = ix->key_name[row];
	unsigned h = *hint;

	if (h < SM_TRACE_MAX_EV_KEYS && names[h] == w) {
		*hint = h + 1;
		return (int)h;
	}
	for (unsigned i = 0; i < ix->n_keys[row]; i++)
		if (names[i] == w) {
			*hint = i + 1;
			return (int)i;
		}
	return -1;
}

/* A cmd line (event `d`, opcode `op`; seen[]: the column of each key
 * given, 0 = none): its leftmost key that the command has no field for
 * (SMMUv3 chapter 4 layouts, arch/smmu_cmd.h), or K_NONE. */
enum sm_trace_key sm_trace_cmd_stray_key(const struct sm_trace_event_def *d,
					 unsigned op, const size_t *seen);
/* The command's name ("cfgi_ste_range"), NULL for an opcode outside the
 * table. */
const char *sm_trace_cmd_name(unsigned op);

/* Does command `op` take the cmd line's key `k` (its field in the SMMU
 * command table, src/arch/smmu_cmd.h)?  Every key for an opcode outside
 * the table. */
bool sm_trace_cmd_has_key(unsigned op, enum sm_trace_key k);

/* Store the value `v` of key `k` in its field of *ev (inline: a line of
 * the reader stores several).  Several keys fill one field: the same field
 * under another key name or with another default (ssid of bind and of
 * dev_access, prot of mmap and of iommu_map, op of the access events and of
 * touch, vmid of cmd and of domain_create, va and cmd's addr). */
static inline void sm_trace_set_field(struct smmusim_event *ev,
				      enum sm_trace_key k, uint64_t v)
{
	switch (k) {
	case K_MM:
		ev->mm = (uint32_t)v;
		break;
	case K_CPU:
		ev->cpu = (uint32_t)v;
		break;
	case K_SID:
		ev->sid = (uint32_t)v;
		break;
	case K_SSID:
	case K_DEV_SSID:
		ev->ssid = (uint32_t)v;
		break;
	case K_VA:
	case K_ADDR:
		ev->va = v;
		break;
	case K_LEN:
		ev->len = v;
		break;
	case K_PROT:
	case K_IOPROT:
		ev->prot = (unsigned)v;
		break;
	case K_MAP:
		ev->map = (enum smmusim_map)v;
		break;
	case K_OP:
	case K_TOUCH_OP:
		ev->op = (enum smmusim_access)v;
		break;
	case K_PRI:
		ev->pri = v != 0;
		break;
	case K_ADVICE:
		ev->advice = (enum smmusim_advice)v;
		break;
	case K_TLBI_OP:
		ev->tlbi = (enum smmusim_tlbi_op)v;
		break;
	case K_ASID:
		ev->asid = (uint32_t)v;
		break;
	case K_TTL:
		ev->ttl = (unsigned)v;
		break;
	case K_TG:
		ev->tg = (unsigned)v;
		break;
	case K_SCALE:
		ev->scale = (unsigned)v;
		break;
	case K_NUM:
		ev->num = (unsigned)v;
		break;
	case K_DOM:
		ev->dom = (uint32_t)v;
		break;
	case K_PA:
		ev->pa = v;
		break;
	case K_CMDS:
		ev->cmds = v != 0;
		break;
	case K_CMD_OP:
		ev->opcode = (unsigned)v;
		break;
	case K_VMID:
	case K_DOM_VMID:
		ev->vmid = (uint32_t)v;
		break;
	case K_LEAF:
		ev->leaf = (unsigned)v;
		break;
	case K_RANGE:
		ev->range = (unsigned)v;
		break;
	case K_STAGE:
		ev->stage = (unsigned)v;
		break;
	case K_PARENT:
		ev->nested = v != UINT64_MAX;
		ev->parent = (uint32_t)v;
		break;
	case K_NONE:
	case K_COUNT_:
		break;
	}
}

/* Where sm_trace_set_field() stores key k, found by trying it: *width 1
 * (a bool), 4 or 8 at byte *off of struct smmusim_event; 0 when the key
 * fills more than one field (parent sets nested too). */
void sm_trace_probe_field(enum sm_trace_key k, uint16_t *off, uint8_t *width);

/* Store v as sm_trace_set_field(ev, k, v) does, at the field that
 * sm_trace_probe_field() found for k (one store instead of a switch). */
static inline void sm_trace_store_field(struct smmusim_event *ev,
					enum sm_trace_key k, unsigned off,
					unsigned width, uint64_t v)
{
	unsigned char *p = (unsigned char *)ev + off;

	if (width == 8) {
		memcpy(p, &v, 8);
	} else if (width == 4) {
		uint32_t v32 = (uint32_t)v;

		memcpy(p, &v32, 4);
	} else if (width == 1) {
		bool b = v != 0;

		memcpy(p, &b, 1);
	} else {
		sm_trace_set_field(ev, k, v);
	}
}

/* Comma-separated lists for messages (cut to `size`). */
void sm_trace_list_events(char *dst, size_t size);
/* The keys of `d`; only the required ones with `required_only`. */
void sm_trace_list_keys(const struct sm_trace_event_def *d, bool required_only,
			char *dst, size_t size);
/* The keys command `op` has a field for, op included, in documented order. */
void sm_trace_list_cmd_keys(const struct sm_trace_event_def *d, unsigned op,
			    char *dst, size_t size);
void sm_trace_list_words(const struct sm_trace_word *w, char *dst, size_t size);

#endif
