/* SPDX-License-Identifier: MIT */
/*
 * Driver (d) of docs/fuzzing.md, structure-aware: the fuzzer's bytes decode
 * into a config (presets, then up to 7 keys of the key table set to one of
 * their edge values, as `-o key=value` would: every key, so the DMA API's
 * policy.dma.* and sim.clock_hz too) and a sequence of struct
 * smmusim_event of every type (SMMUSIM_EV_COUNT_: with dma_map and
 * dma_unmap, the DMA API of src/kernel/iommu/dma-iommu.c), submitted with
 * smmusim_submit() and ended by smmusim_finish().  The seeds
 * corpus/events/dma-* (events_seeds.py) start from DMA API sequences under
 * strict and lazy flush queues.
 *
 * Every field is drawn from a small set of values that collide: three
 * address spaces, three domains, four streams, addresses a page, a block or
 * a table apart and at the edges of the 48-bit VA space, lengths from one
 * byte to 2^64 - 4K, time stamps near 2^64.  So that mappings overlap,
 * ranges wrap and the clock reaches its end, which is where a model breaks.
 *
 * The simulated clock must never go back (smmusim_now() after each event):
 * a clock that wraps past 2^64 - 1 is a finding, as an error is expected.
 *
 * A refused event is expected and the sequence goes on (docs/api.md: the
 * event changed nothing); after SMMUSIM_ENOMEM or SMMUSIM_EINTERNAL the
 * simulator is freed, as docs/api.md asks.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

#define PICK(in, arr) ((arr)[fz_u8(in) % (sizeof(arr) / sizeof((arr)[0]))])

static const uint64_t vas[] = {
    0x0,
    0x1000,
    0x2000,
    0x10000,
    0x1ff000,
    0x200000,
    0x400000,
    0x40000000,
    0x7ffffffff000,
    0xfffffffff000,
    0x1000000000000,
    0xfffffffffffff000,
    0x400001,
    0x8000000000000000,
};
static const uint64_t lens[] = {
    0x1000,
    0x2000,
    0x10000,
    0x200000,
    0x40000000,
    0x1000000000ull,
    0x800000000000ull,
    0xfffffffffffff000ull,
    0,
    1,
    0x1001,
    UINT64_MAX,
};
static const uint64_t pas[] = {
    0,		0x40000000, 0x40001000,	    0x40200000,
    0x41000000, 0x8090000,  0xfffffffff000, UINT64_MAX & ~0xfffull,
};
static const uint64_t times[] = {
    0, 1, 100, 10000, 1ull << 32, 1ull << 62, UINT64_MAX - 1, UINT64_MAX,
};
static const uint32_t sids[] = {0, 1, 0x10, 0x20, 0xffff, UINT32_MAX};
static const uint32_t ssids[] = {0, 1, 2, 0xfffff, SMMUSIM_NO_SSID};
static const uint32_t ids[] = {0, 1, 2, 3, 1, 2, 1, UINT32_MAX};
static const unsigned opcodes[] = {
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x10, 0x11,
    0x12, 0x13, 0x30, 0x40, 0x41, 0x44, 0x46, 0xff,
};

/* A value for a key from its "allowed" text: "a|b|c" or "lo..hi". */
static void key_value(const struct smmusim_key_info *k, uint8_t pick, char *buf,
		      size_t len)
{
	const char *dots = strstr(k->allowed, "..");
	char alt[128];
	size_t n = 0;

	if (k->type == SMMUSIM_KEY_ENUM || k->type == SMMUSIM_KEY_BOOL) {
		const char *p = k->allowed, *bar;
		unsigned i = pick % 4;

		while (i-- && (bar = strchr(p, '|')))
			p = bar + 1;
		while (p[n] && p[n] != '|' && n < sizeof(alt) - 1) {
			alt[n] = p[n];
			n++;
		}
		alt[n] = 0;
		snprintf(buf, len, "%s", alt);
		return;
	}
	if (!dots) {
		snprintf(buf, len, "%s", k->def);
		return;
	}
	switch (pick % 4) {
	case 0: /* the lowest */
		snprintf(buf, len, "%.*s", (int)(dots - k->allowed),
			 k->allowed);
		break;
	case 1: /* the highest */
		snprintf(buf, len, "%s", dots + 2);
		break;
	case 2:
		snprintf(buf, len, "%s", k->def);
		break;
	default: /* a small value, often in range */
		snprintf(buf, len, "%u", (unsigned)(pick >> 2));
		break;
	}
}

/* Presets from the first byte, then up to 7 -o keys.  mem.size stays
 * small whatever the keys say: the host's memory is not the subject. */
static smmusim_config_t *events_config(struct fz_in *in,
				       const struct smmusim_allocator *a)
{
	smmusim_config_t *cfg = fz_config(fz_u8(in), a);
	unsigned nkeys = fz_u8(in) % 8;
	size_t count = smmusim_config_key_count();

	for (unsigned i = 0; cfg && i < nkeys; i++) {
		struct smmusim_key_info k;
		char val[160];
		size_t idx = fz_u16(in) % count;
		uint8_t pick = fz_u8(in);

		if (smmusim_config_key_info(idx, &k) < 0)
			continue;
		if (!strcmp(k.name, "mem.size"))
			continue;
		key_value(&k, pick, val, sizeof(val));
		/* Out of range or inconsistent: refused, and that is fine. */
		fz_expect(smmusim_config_set(cfg, k.name, val),
			  smmusim_config_error(cfg), "smmusim_config_set");
	}
	return cfg;
}

static void decode_event(struct fz_in *in, struct smmusim_event *ev,
			 uint32_t line)
{
	uint8_t flags;

	memset(ev, 0, sizeof(*ev));
	ev->type = (enum smmusim_event_type)(fz_u8(in) % SMMUSIM_EV_COUNT_);
	flags = fz_u8(in);
	ev->line = line;
	ev->timing = (flags & 1) ? SMMUSIM_AT : SMMUSIM_AFTER_PREV;
	ev->time = (flags & 2) ? PICK(in, times) : 0;
	ev->map = (flags & 4) ? SMMUSIM_MAP_SHARED : SMMUSIM_MAP_PRIVATE;
	ev->pri = flags & 8;
	ev->cmds = !(flags & 16);
	ev->nested = flags & 32;
	ev->mm = PICK(in, ids);
	ev->cpu = fz_u8(in) % 6;
	ev->sid = PICK(in, sids);
	ev->ssid = PICK(in, ssids);
	ev->va = PICK(in, vas);
	ev->len = PICK(in, lens);
	ev->prot = fz_u8(in) % 8;
	ev->op = (enum smmusim_access)(fz_u8(in) % 3);
	ev->tlbi = (enum smmusim_tlbi_op)(fz_u8(in) % SMMUSIM_TLBI_COUNT_);
	ev->asid = PICK(in, ids);
	ev->ttl = fz_u8(in) % 16;
	ev->tg = fz_u8(in) % 4;
	ev->scale = fz_u8(in) % 4;
	ev->num = fz_u8(in) % 32;
	ev->dom = PICK(in, ids);
	ev->pa = PICK(in, pas);
	ev->opcode = PICK(in, opcodes);
	ev->vmid = PICK(in, ids);
	ev->leaf = fz_u8(in) % 2;
	ev->range = fz_u8(in) % 32;
	ev->stage = fz_u8(in) % 3;
	ev->parent = PICK(in, ids);
	/* cpu_access also wants exec; madvise has one advice. */
	ev->advice = SMMUSIM_MADV_DONTNEED;
}

/* FZ_PRINT=1 in the environment: each event on stderr, to read a
 * reproducer. */
static void print_event(const struct smmusim_event *ev)
{
	fprintf(
	    stderr,
	    "%u: %s %s%" PRIu64 " mm=%u cpu=%u sid=%#x ssid=%#x va=%#" PRIx64
	    " len=%#" PRIx64 " prot=%u map=%u op=%u pri=%d tlbi=%s asid=%u"
	    " ttl=%u tg=%u scale=%u num=%u dom=%u pa=%#" PRIx64
	    " cmds=%d opcode=%#x vmid=%u leaf=%u range=%u stage=%u"
	    " nested=%d parent=%u\n",
	    ev->line, smmusim_event_name(ev->type),
	    ev->timing == SMMUSIM_AT ? "@" : "+", ev->time, ev->mm, ev->cpu,
	    ev->sid, ev->ssid, ev->va, ev->len, ev->prot, ev->map, ev->op,
	    ev->pri, smmusim_tlbi_name(ev->tlbi), ev->asid, ev->ttl, ev->tg,
	    ev->scale, ev->num, ev->dom, ev->pa, ev->cmds, ev->opcode, ev->vmid,
	    ev->leaf, ev->range, ev->stage, ev->nested, ev->parent);
}

void fz_run_events(const uint8_t *data, size_t size,
		   const struct smmusim_allocator *a)
{
	struct fz_in in = {data, size};
	smmusim_config_t *cfg = events_config(&in, a);
	smmusim_t *sim = NULL;
	uint32_t line = 1;
	int print = getenv("FZ_PRINT") != NULL;
	uint64_t now = 0;
	int rc;

	if (!cfg)
		return;
	if (smmusim_config_set(cfg, "sim.max_host_memory", FZ_MAX_HOST_MEMORY) <
	    0) {
		smmusim_config_free(cfg);
		return;
	}
	sim = fz_sim_new(cfg, a);
	if (!sim)
		return;
	while (in.n) {
		struct smmusim_event ev;

		decode_event(&in, &ev, line++);
		if (print)
			print_event(&ev);
		rc = smmusim_submit(sim, &ev);
		if (print && rc < 0)
			fprintf(stderr, "  -> %s\n", smmusim_last_error(sim));
		fz_expect(rc, smmusim_last_error(sim), "smmusim_submit");
		if (rc == SMMUSIM_ENOMEM || rc == SMMUSIM_EINTERNAL)
			goto out;
		/* The simulated clock never goes back: if it does, it
		 * wrapped past 2^64 - 1 without an error (issue 8). */
		if (smmusim_now(sim) < now) {
			fprintf(stderr,
				"fuzz: clock went back from %" PRIu64
				" to %" PRIu64 " at event %u\n",
				now, smmusim_now(sim), line - 1);
			abort();
		}
		now = smmusim_now(sim);
	}
	rc = smmusim_finish(sim);
	fz_expect(rc, smmusim_last_error(sim), "smmusim_finish");
out:
	smmusim_free(sim);
}
