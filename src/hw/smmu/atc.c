/* SPDX-License-Identifier: MIT */
/*
 * ATS and the devices' Address Translation Caches (PCIe ATS; SMMUv3 spec
 * 3.9 "Support for PCI Express, ATS and PRI").
 *
 * A device whose STE has EATS = translate (set by the driver when the
 * device supports ATS, dev.ats) keeps its own ATC.  An access that hits it
 * is a "translated" transaction: it uses the cached physical address and the
 * SMMU does not translate it again.  A miss sends a translation request to
 * the SMMU, which translates as for any access (its caches, its walk, its
 * faults) and returns the result, which the device caches.  CMD_ATC_INV
 * removes entries of one device (and PASID) over an aligned power-of-two
 * span; the CMD_SYNC after it completes when the device has done so.
 *
 * The ATCs live here, behind the SMMU, because the SMMU is what forwards
 * invalidations to them; each is a translation cache tagged with the
 * substream in the ASID field (ATCs are tagged by PASID, not ASID).
 */
#include <smmusim/error.h>
#include <smmusim/event.h>

#include "arch/smmu_regs.h"
#include "base/alloc.h"
#include "engine/config.h"
#include "hw/mem/xlate.h"
#include "hw/smmu/smmu_internal.h"

/* The ATS settings (dev.ats, dev.atc.*, dev.lat.ats, dev.lat.atc_hit).  A
 * device's ATC is made at its first access that uses ATS. */
int sm_smmu_atc_init(struct sm_smmu *s, const smmusim_config_t *cfg,
		     struct sm_errbuf *eb)
{
	s->ats = sm_cfg_bool(cfg, SM_K_DEV_ATS);
	s->atc_entries = sm_cfg_u64(cfg, SM_K_DEV_ATC_ENTRIES);
	s->atc_ways = sm_cfg_u64(cfg, SM_K_DEV_ATC_WAYS);
	s->lat_ats = sm_cfg_u64(cfg, SM_K_DEV_LAT_ATS);
	s->lat_atc = sm_cfg_u64(cfg, SM_K_DEV_LAT_ATC_HIT);
	if (s->ats && s->atc_entries % s->atc_ways)
		return sm_err(eb, SMMUSIM_ERANGE,
			      "dev.atc.entries: %llu is not a multiple of "
			      "dev.atc.ways (%llu)",
			      (unsigned long long)s->atc_entries,
			      (unsigned long long)s->atc_ways);
	return 0;
}

static struct sm_tcache *atc_of(struct sm_smmu *s, uint32_t sid, bool create)
{
	uint32_t n = 1u << s->strtab_log2size;
	if (sid >= n)
		return NULL;
	if (!s->atc) {
		if (!create)
			return NULL;
		s->atc = sm_calloc(s->alloc, n * sizeof(*s->atc));
		if (!s->atc) {
			s->host_oom = true;
			return NULL;
		}
		s->atc_slots = n;
	}
	if (!s->atc[sid] && create) {
		struct sm_tcache *tc = sm_calloc(s->alloc, sizeof(*tc));
		if (!tc || sm_tc_init(tc, s->alloc, s->atc_entries, s->atc_ways,
				      "dev.atc", NULL) < 0) {
			sm_free(s->alloc, tc, sizeof(*tc));
			s->host_oom = true;
			return NULL;
		}
		s->atc[sid] = tc;
	}
	return s->atc[sid];
}

void sm_smmu_atc_fini(struct sm_smmu *s)
{
	if (!s->atc)
		return;
	for (uint32_t i = 0; i < s->atc_slots; i++)
		if (s->atc[i]) {
			sm_tc_fini(s->atc[i]);
			sm_free(s->alloc, s->atc[i], sizeof(*s->atc[i]));
		}
	sm_free(s->alloc, s->atc, s->atc_slots * sizeof(*s->atc));
	s->atc = NULL;
}

/* The level of a page or block of `size` bytes (4K granule). */
static uint8_t level_of_size(uint64_t size)
{
	int level = 1;
	while (level < 3 && sm_level_size(level) != size)
		level++;
	return (uint8_t)level;
}

/* An access of a device whose stream allows ATS: through its ATC.  False
 * when the stream does not allow it (the SMMU translates the access).  Not
 * inlined (host time: an access without ATS passes by it in a few
 * instructions). */
__attribute__((noinline)) static bool
ats_access(struct sm_smmu *s, uint32_t sid, uint32_t ssid, uint64_t va,
	   bool write, uint64_t now, uint32_t tag, struct sm_smmu_xlate *out)
{
	unsigned need = write ? SMMUSIM_PROT_W : SMMUSIM_PROT_R;
	struct sm_regime cur;
	if (!sm_smmu_eats(s, sid, ssid, &cur))
		return false;
	struct sm_tcache *atc = atc_of(s, sid, true);
	uint64_t t = now + s->lat_atc;
	struct sm_tc_entry *e = atc ? sm_tc_lookup(atc, 0, ssid, va) : NULL;
	if (e && (e->perm & need)) {
		/* A translated transaction: the SMMU is not consulted. */
		SM_INC(s->ctr, SMMU_ATC_HITS);
		*out = (struct sm_smmu_xlate){.outcome = SM_XLATE_OK,
					      .hit = true,
					      .pa = e->pa + (va - e->va),
					      .done = t,
					      .asid = (uint16_t)e->asid};
		/* Judged against what the stream's configuration names now
		 * (as IOTLB hits are): an ATC entry of a previous domain or
		 * address space is stale. */
		struct sm_xlate_report r;
		sm_smmu_device_report(&r, sid, ssid, va, write, now, tag, e,
				      &cur);
		r.cache = "dev.atc";
		r.outcome = SM_XLATE_OK;
		r.from_cache = true;
		r.no_context = !cur.root && !cur.root2;
		sm_observe(&s->obs, &r);
		return true;
	}
	/* Miss (or not enough permission cached): a translation request
	 * travels to the SMMU and back. */
	SM_INC(s->ctr, SMMU_ATC_MISSES);
	SM_INC(s->ctr, SMMU_ATC_TRANSLATION_REQUESTS);
	s->ats_request = true;
	sm_smmu_translate(s, sid, ssid, va, write, t + s->lat_ats / 2, tag,
			  out);
	s->ats_request = false;
	out->done += s->lat_ats - s->lat_ats / 2;
	if (out->outcome == SM_XLATE_OK && atc && out->page_size) {
		struct sm_tc_entry ne = {
		    .va = va & ~(out->page_size - 1),
		    .pa = out->pa & ~(out->page_size - 1),
		    .root = out->root,
		    .root2 = out->root2,
		    .regime = out->regime,
		    .s2_level = out->s2_level,
		    .asid = ssid,
		    .level = level_of_size(out->page_size),
		    .perm = (uint8_t)out->perm,
		    .global = false,
		};
		sm_tc_fill(atc, &ne);
	}
	return true;
}

/* A device access with dev.ats on: through the ATC when the stream may use
 * ATS, else an ordinary translation (whose catch-up at `now` then finds
 * nothing more to do). */
void sm_smmu_ats_device_access(struct sm_smmu *s, uint32_t sid, uint32_t ssid,
			       uint64_t va, bool write, uint64_t now,
			       uint32_t tag, struct sm_smmu_xlate *out)
{
	sm_smmu_cmdq_catch_up(s, now); /* ATC_INV consumed by now */
	if (!ats_access(s, sid, ssid, va, write, now, tag, out))
		sm_smmu_translate(s, sid, ssid, va, write, now, tag, out);
}

struct atc_inv {
	uint32_t ssid; /* SMMUSIM_NO_SSID: every PASID */
	uint64_t start, end;
};

static bool atc_match(void *ctx, const struct sm_tc_entry *e)
{
	const struct atc_inv *c = ctx;
	if (c->ssid != SMMUSIM_NO_SSID && e->asid != c->ssid)
		return false;
	return e->va < c->end && e->va + sm_tc_size(e) > c->start;
}

void sm_smmu_atc_inv(struct sm_smmu *s, const struct sm_smmu_cmd *cmd)
{
	struct atc_inv c = {.ssid = cmd->ssv ? (uint32_t)cmd->ssid
					     : SMMUSIM_NO_SSID};
	struct sm_tcache *atc = atc_of(s, (uint32_t)cmd->sid, false);
	if (!atc)
		return;
	if (cmd->range >= ATC_INV_SIZE_ALL) {
		c.start = 0;
		c.end = UINT64_MAX;
	} else {
		/* An aligned span of 2^Size pages (CMD_ATC_INV). */
		uint64_t span = 1ull << (cmd->range + 12);
		c.start = cmd->addr & ~(span - 1);
		c.end = c.start + span;
	}
	SM_ADD(s->ctr, SMMU_ATC_INVALIDATED, sm_tc_inv_if(atc, atc_match, &c));
}

void sm_smmu_atc_for_each(const struct sm_smmu *s, sm_tc_visit_fn fn, void *ctx)
{
	for (uint32_t i = 0; s->atc && i < s->atc_slots; i++)
		if (s->atc[i])
			fn(ctx, s->atc[i]);
}

void sm_smmu_atc_inv_cmd(uint64_t c[2], uint32_t sid, uint32_t ssid,
			 uint64_t iova, uint64_t size)
{
	struct sm_smmu_cmd cmd = {.op = CMDQ_OP_ATC_INV,
				  .sid = sid,
				  .ssv = ssid != SMMUSIM_NO_SSID,
				  .ssid = ssid != SMMUSIM_NO_SSID ? ssid : 0,
				  .range = ATC_INV_SIZE_ALL};
	if (size && iova + size >= iova) {
		/* arm_smmu_atc_inv_to_cmd: the smallest aligned power-of-two
		 * span of pages covering [iova, iova + size). */
		uint64_t ps = iova >> 12, pe = (iova + size - 1) >> 12;
		unsigned log2 =
		    ps == pe ? 0 : 64 - (unsigned)__builtin_clzll(ps ^ pe);
		cmd.range = log2;
		cmd.addr = (ps & ~((1ull << log2) - 1)) << 12;
	}
	/* Every field fits by construction. */
	sm_smmu_cmd_build(&cmd, c, NULL);
}
