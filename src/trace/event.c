/* SPDX-License-Identifier: MIT */
/*
 * Words of trace format 1 that the public API names too
 * (include/smmusim/event.h): each event type's keyword and each TLBI
 * instruction's word, made from the X-macro lists there, so that the
 * reader, the simulator's messages and library users spell them alike
 * (docs/trace-format.md, "Events").
 */
#include <stddef.h>

#include <smmusim/event.h>

static const char *const event_names[SMMUSIM_EV_COUNT_] = {
#define SM_EV_NAME_(name, kw) [SMMUSIM_EV_##name] = kw,
    SMMUSIM_EVENT_TYPES(SM_EV_NAME_)
#undef SM_EV_NAME_
};

/* names[i], or NULL when i is out of the list (an enum from a caller). */
static const char *name_at(const char *const *names, unsigned n, unsigned i)
{
	return i < n ? names[i] : NULL;
}

const char *smmusim_event_name(enum smmusim_event_type type)
{
	return name_at(event_names, SMMUSIM_EV_COUNT_, (unsigned)type);
}

static const char *const tlbi_names[SMMUSIM_TLBI_COUNT_] = {
#define SM_TLBI_NAME_(name, word) [SMMUSIM_TLBI_##name] = word,
    SMMUSIM_TLBI_OPS(SM_TLBI_NAME_)
#undef SM_TLBI_NAME_
};

const char *smmusim_tlbi_name(enum smmusim_tlbi_op op)
{
	return name_at(tlbi_names, SMMUSIM_TLBI_COUNT_, (unsigned)op);
}
