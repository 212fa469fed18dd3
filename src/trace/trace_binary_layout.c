/* SPDX-License-Identifier: MIT */
/*
 * The event layout of the binary trace form (docs/trace-format.md,
 * "Binary form"): for each event type, its keys in the documented order of
 * trace_keys.c's tables, which ones are optional (a bit each in the
 * record's mask) and what values each may take, and a fingerprint of those
 * tables written in the header, so that a file written under other tables
 * is refused instead of misread.
 *
 * Also the inverse of sm_trace_set_field(): the value of each key in an
 * event, which the writers need, and the keyword column of the canonical
 * text of an event.
 */
#include "trace/trace_binary.h"

#include <string.h>

#include "trace/trace_values.h"

/* ---------------------------------------------------------------------- */
/* Plans                                                                  */
/* ---------------------------------------------------------------------- */

/* FNV-1a, 32 bits, over n bytes. */
static uint32_t fnv(uint32_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 16777619u;
	return h;
}

static uint32_t fnv_str(uint32_t h, const char *s)
{
	return fnv(h, s, strlen(s) + 1);
}

/* The values of a KK_ENUM key's words, as a bit mask. */
static uint64_t word_mask(const struct sm_trace_word *w)
{
	uint64_t m = 0;

	for (; w && w->word; w++)
		if (w->val < 64)
			m |= 1ull << w->val;
	return m;
}

static void plan_event(struct sm_trace_bin_plan *p,
		       const struct sm_trace_event_def *d, uint32_t *h)
{
	p->def = d;
	*h = fnv_str(*h, smmusim_event_name(d->type));
	for (const struct sm_trace_ev_key *k = d->keys; k->key != K_NONE; k++) {
		const struct sm_trace_key_def *kd = &sm_trace_key_defs[k->key];
		struct sm_trace_bin_key *bk = &p->keys[p->n_keys++];
		unsigned char kind = (unsigned char)kd->kind;

		bk->key = k->key;
		bk->kind = kind;
		bk->required = k->required;
		bk->opt_bit = k->required ? 0 : (uint8_t)p->n_opt++;
		bk->words = kd->kind == KK_ENUM ? word_mask(kd->words) : 0;
		bk->delta = kd->kind != KK_ENUM && kd->kind != KK_ENUM_NUM;
		bk->min = kd->kind == KK_LEN;
		bk->max = kd->kind == KK_ENUM_NUM ? 255	       /* an opcode */
			  : kd->kind == KK_ENUM	  ? UINT64_MAX /* words */
						  : sm_trace_kind_max(kd->kind);
		bk->span = bk->max - bk->min;
		bk->dflt = kd->dflt;
		sm_trace_probe_field((enum sm_trace_key)bk->key, &bk->off,
				     &bk->width);
		p->fk[p->n_keys - 1] = (struct sm_trace_bin_fkey){
		    .min = bk->min,
		    .span = bk->span,
		    .words = bk->words,
		    .opt = k->required ? 0 : 1u << bk->opt_bit,
		    .off = bk->off,
		    .width = bk->width,
		    .key = bk->key,
		    .delta = bk->delta,
		    .check = bk->min || bk->span != UINT64_MAX || bk->words,
		};
		*h = fnv_str(*h, kd->name);
		*h = fnv(*h, &kind, 1);
		*h = fnv(*h, &k->required, 1);
		*h = fnv(*h, &bk->dflt, sizeof(bk->dflt));
		*h = fnv(*h, &bk->words, sizeof(bk->words));
	}
}

/* The bytes of an event that key k may write (values 0, 1 and all-ones
 * tried), as 1s in *touched. */
static void key_bytes(enum sm_trace_key k, unsigned char *touched)
{
	static const uint64_t tries[] = {0, 1, UINT64_MAX};
	struct smmusim_event e;
	const unsigned char *pe = (const unsigned char *)&e;

	for (size_t t = 0; t < sizeof(tries) / sizeof(*tries); t++) {
		memset(&e, 0, sizeof(e));
		sm_trace_set_field(&e, k, tries[t]);
		for (size_t i = 0; i < sizeof(e); i++)
			touched[i] |= pe[i] != 0;
		memset(&e, 0xff, sizeof(e));
		sm_trace_set_field(&e, k, tries[t]);
		for (size_t i = 0; i < sizeof(e); i++)
			touched[i] |= pe[i] != 0xff;
	}
}

/* The event a record starts from (see struct sm_trace_bin_plan). */
static void plan_template(struct sm_trace_bin_plan *p,
			  enum smmusim_event_type type)
{
	unsigned char seen[sizeof(struct smmusim_event)] = {0};

	memset(&p->tmpl, 0, sizeof(p->tmpl));
	p->tmpl.type = type;
	p->dflt_in_tmpl = true;
	for (unsigned i = 0; i < p->n_keys; i++) {
		unsigned char mine[sizeof(struct smmusim_event)] = {0};

		key_bytes((enum sm_trace_key)p->keys[i].key, mine);
		for (size_t j = 0; j < sizeof(mine); j++) {
			if (mine[j] && seen[j])
				p->dflt_in_tmpl = false;
			seen[j] |= mine[j];
		}
	}
	for (unsigned i = 0; p->dflt_in_tmpl && i < p->n_keys; i++)
		if (!p->keys[i].required)
			sm_trace_bin_set(&p->tmpl, &p->keys[i],
					 p->keys[i].dflt);
	p->fast = p->dflt_in_tmpl && type != SMMUSIM_EV_CMD;
	for (unsigned i = 0; i < p->n_keys; i++)
		if (!p->keys[i].width)
			p->fast = false;
}

void sm_trace_bin_layout_init(struct sm_trace_bin_layout *lay,
			      const struct sm_trace_index *idx)
{
	uint32_t h = 2166136261u;

	memset(lay, 0, sizeof(*lay));
	for (unsigned t = 0; t < SMMUSIM_EV_COUNT_; t++) {
		const char *name =
		    smmusim_event_name((enum smmusim_event_type)t);

		plan_event(&lay->plan[t],
			   sm_trace_find_event(idx, name, strlen(name)), &h);
		plan_template(&lay->plan[t], (enum smmusim_event_type)t);
	}
	lay->fingerprint = h;
}

/* ---------------------------------------------------------------------- */
/* Values                                                                 */
/* ---------------------------------------------------------------------- */

uint64_t sm_trace_get_field(const struct smmusim_event *ev, enum sm_trace_key k)
{
	switch (k) {
	case K_MM:
		return ev->mm;
	case K_CPU:
		return ev->cpu;
	case K_SID:
		return ev->sid;
	case K_SSID:
	case K_DEV_SSID:
		return ev->ssid;
	case K_VA:
	case K_ADDR:
		return ev->va;
	case K_LEN:
		return ev->len;
	case K_PROT:
	case K_IOPROT:
		return ev->prot;
	case K_MAP:
		return ev->map;
	case K_OP:
	case K_TOUCH_OP:
		return ev->op;
	case K_PRI:
		return ev->pri;
	case K_ADVICE:
		return ev->advice;
	case K_TLBI_OP:
		return ev->tlbi;
	case K_ASID:
		return ev->asid;
	case K_TTL:
		return ev->ttl;
	case K_TG:
		return ev->tg;
	case K_SCALE:
		return ev->scale;
	case K_NUM:
		return ev->num;
	case K_DOM:
		return ev->dom;
	case K_PA:
		return ev->pa;
	case K_CMDS:
		return ev->cmds;
	case K_CMD_OP:
		return ev->opcode;
	case K_VMID:
	case K_DOM_VMID:
		return ev->vmid;
	case K_LEAF:
		return ev->leaf;
	case K_RANGE:
		return ev->range;
	case K_STAGE:
		return ev->stage;
	case K_PARENT:
		return ev->nested ? ev->parent : UINT64_MAX;
	case K_NONE:
	case K_COUNT_:
		break;
	}
	return 0;
}

bool sm_trace_bin_is_magic(const void *p, size_t n)
{
	if (n > SM_TRACE_BIN_MAGIC_LEN)
		n = SM_TRACE_BIN_MAGIC_LEN;
	return n > 0 && memcmp(p, SM_TRACE_BIN_MAGIC, n) == 0;
}
