/* SPDX-License-Identifier: MIT */
/*
 * The state the QEMU importer rebuilds from translations: which StreamID
 * and ASID a walk belongs to, the domains and streams written to the trace,
 * and each page's mapping as QEMU's walker saw it.
 *
 * A translation in QEMU 7.2's log (hw/arm/trace-events) is a run of lines:
 * smmuv3_config_cache_hit/miss names the StreamID, smmu_iotlb_lookup_hit/
 * miss the ASID (and counts), on a miss the walk's leaf descriptor comes as
 * smmu_ptw_page_pte or smmu_ptw_block_pte, and smmuv3_translate_success
 * ends it.  Each (StreamID, ASID) becomes a stage-1 domain attached to the
 * stream (one domain per ASID: streams with the same ASID share it), each
 * leaf an iommu_map when its output address or permission is new to the
 * page hash (an open-addressing table keyed by domain, page and size), and
 * each success a dev_access.  Only stage-1 walks with the 4K granule and
 * level-3 leaves can be imported (the trace's stage-1 iommu_map writes 4K
 * leaves), with IOVAs and output addresses the trace's 48-bit domains
 * take; each translation must be one the replay makes the same way.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>

#include <smmusim/error.h>

#include "arch/vmsa.h"
#include "base/alloc.h"
#include "base/oatable.h"
#include "base/vec.h"
#include "trace/import_qemu.h"

/* The trace's DMA domains have 48-bit input addresses (T0SZ 16) and
 * iommu_map's output range ends at or below 2^48 (docs/trace-format.md). */
#define SM_IMPORT_VA_LIMIT (1ull << 48)

struct sm_import_stream {
	uint32_t sid;
	uint32_t dom;
};

struct sm_import_domain {
	uint32_t dom;
	uint32_t asid;
};

struct sm_import_pending_map {
	uint64_t va, len, pa;
	bool ro;
};

struct sm_import_page { /* one slot of the mapping view (open addressing) */
	uint64_t va;	/* aligned to 1 << shift */
	uint64_t pa;
	uint32_t dom;  /* 0: empty slot (domains are numbered from 1) */
	uint8_t shift; /* 12, 21 or 30 */
	bool ro;
};

void sm_import_free_walks(struct sm_importer *im)
{
	sm_free(im->a, im->pend, im->cap_pend * sizeof(*im->pend));
	sm_free(im->a, im->streams, im->cap_streams * sizeof(*im->streams));
	sm_free(im->a, im->domains, im->cap_domains * sizeof(*im->domains));
	sm_free(im->a, im->pages, im->cap_pages * sizeof(*im->pages));
}

/* ---------------------------------------------------------------------- */
/* Streams and domains                                                    */
/* ---------------------------------------------------------------------- */

/* The domain stream `sid` translates through with ASID `asid`: created and
 * attached (in the trace) the first time. */
static int stream_domain(struct sm_importer *im, uint32_t sid, uint32_t asid,
			 uint32_t *dom_out)
{
	struct sm_import_stream *st = NULL;
	uint32_t dom = 0;
	int rc;

	for (size_t i = 0; i < im->n_streams; i++)
		if (im->streams[i].sid == sid)
			st = &im->streams[i];
	if (st) {
		for (size_t i = 0; i < im->n_domains; i++)
			if (im->domains[i].dom == st->dom &&
			    im->domains[i].asid == asid) {
				*dom_out = st->dom;
				return 0;
			}
	}
	/* One domain per ASID: streams with the same ASID share it. */
	for (size_t i = 0; i < im->n_domains; i++)
		if (im->domains[i].asid == asid)
			dom = im->domains[i].dom;
	if (!dom) {
		if (SM_VEC_RESERVE(im->a, im->domains, im->cap_domains,
				   im->n_domains + 1, 8))
			return sm_import_nomem(im);
		dom = (uint32_t)im->n_domains + 1;
		im->domains[im->n_domains++] =
		    (struct sm_import_domain){.dom = dom, .asid = asid};
		rc = sm_import_emit_domain_create(im, dom, asid);
		if (rc)
			return rc;
	}
	if (!st) {
		if (SM_VEC_RESERVE(im->a, im->streams, im->cap_streams,
				   im->n_streams + 1, 8))
			return sm_import_nomem(im);
		st = &im->streams[im->n_streams++];
		st->sid = sid;
	}
	st->dom = dom;
	*dom_out = dom;
	return sm_import_emit_attach(im, sid, dom);
}

/* ---------------------------------------------------------------------- */
/* The page hash                                                          */
/* ---------------------------------------------------------------------- */

static size_t page_hash(uint32_t dom, uint64_t va, unsigned shift)
{
	uint64_t h = (va >> shift) * 0x9e3779b97f4a7c15ull;

	h ^= ((uint64_t)dom << 8 | shift) * 0xc2b2ae3d27d4eb4full;
	return (size_t)(h ^ (h >> 29));
}

static bool page_used(const void *slot)
{
	return ((const struct sm_import_page *)slot)->dom != 0;
}

static uint64_t page_slot_hash(const void *slot)
{
	const struct sm_import_page *p = slot;
	return page_hash(p->dom, p->va, p->shift);
}

static int pages_grow(struct sm_importer *im)
{
	static const struct sm_oa_ops ops = {sizeof(struct sm_import_page),
					     page_used, page_slot_hash};
	void *slots = im->pages;

	if (sm_oa_grow(im->a, &slots, &im->cap_pages, 1024, &ops) < 0)
		return sm_import_nomem(im);
	im->pages = slots;
	return 0;
}

/* Record (dom, va) -> (pa, ro); *changed tells whether it is new. */
static int page_update(struct sm_importer *im, uint32_t dom, uint64_t va,
		       unsigned shift, uint64_t pa, bool ro, bool *changed)
{
	size_t j;
	int rc;

	if ((im->n_pages + 1) * 2 > im->cap_pages) {
		rc = pages_grow(im);
		if (rc)
			return rc;
	}
	j = page_hash(dom, va, shift) & (im->cap_pages - 1);
	while (im->pages[j].dom) {
		struct sm_import_page *p = &im->pages[j];

		if (p->dom == dom && p->va == va && p->shift == shift) {
			*changed = p->pa != pa || p->ro != ro;
			p->pa = pa;
			p->ro = ro;
			return 0;
		}
		j = (j + 1) & (im->cap_pages - 1);
	}
	im->pages[j] = (struct sm_import_page){
	    .va = va, .pa = pa, .dom = dom, .shift = (uint8_t)shift, .ro = ro};
	im->n_pages++;
	*changed = true;
	return 0;
}

/* The page of the mapping view that holds (dom, va), or NULL. */
static const struct sm_import_page *page_find(const struct sm_importer *im,
					      uint32_t dom, uint64_t va,
					      unsigned shift)
{
	size_t j;

	if (!im->cap_pages)
		return NULL;
	va &= ~((1ull << shift) - 1);
	j = page_hash(dom, va, shift) & (im->cap_pages - 1);
	for (; im->pages[j].dom; j = (j + 1) & (im->cap_pages - 1)) {
		const struct sm_import_page *p = &im->pages[j];

		if (p->dom == dom && p->va == va && p->shift == shift)
			return p;
	}
	return NULL;
}

static int map_page(struct sm_importer *im, uint32_t dom, uint64_t va,
		    uint64_t len, uint64_t pa, bool ro)
{
	unsigned shift = len == (1ull << 30)   ? 30
			 : len == (1ull << 21) ? 21
					       : 12;
	bool changed;
	int rc;

	rc = page_update(im, dom, va, shift, pa, ro, &changed);
	if (rc || !changed)
		return rc;
	im->st.mappings++;
	return sm_import_emit_iommu_map(im, dom, va, shift, pa, ro);
}

/* Maps of a walk whose stream was not known yet (no config cache line),
 * written once the translation names it. */
static int flush_pending(struct sm_importer *im, uint32_t dom)
{
	for (size_t i = 0; i < im->n_pend; i++) {
		const struct sm_import_pending_map *m = &im->pend[i];
		int rc = map_page(im, dom, m->va, m->len, m->pa, m->ro);

		if (rc)
			return rc;
	}
	im->n_pend = 0;
	return 0;
}

/*
 * The columns of a leaf line's fields, for messages.  The replay's
 * iommu_map takes a 4K-aligned IOVA and output address whose range ends
 * at or below 2^48, and reads pa=0 as "fresh pages": a leaf outside that
 * would be refused at replay time or mapped elsewhere.
 */
struct leaf_cols {
	size_t stage, level, iova, addr;
};

static int check_leaf(struct sm_importer *im, const struct leaf_cols *col,
		      int64_t stage, int64_t level, uint64_t iova,
		      uint64_t addr)
{
	uint64_t len;

	if (stage != 1)
		return sm_import_line_err(im, col->stage,
					  "stage=%" PRId64
					  ": only stage-1 walks can be "
					  "imported",
					  stage);
	if (level != 3)
		return sm_import_line_err(
		    im, col->level,
		    "level=%" PRId64 ": only level-3 (4K page) leaves can be "
		    "imported (the trace's iommu_map makes 4K leaves in a "
		    "stage-1 domain, so a block would not be cached as one)",
		    level);
	len = sm_level_size((int)level);
	if (iova >= SM_IMPORT_VA_LIMIT)
		return sm_import_line_err(im, col->iova,
					  "iova=0x%" PRIx64
					  " is beyond the 48-bit input range "
					  "of the trace's DMA domains",
					  iova);
	if (addr & (len - 1))
		return sm_import_line_err(im, col->addr,
					  "address 0x%" PRIx64
					  " is not aligned to its leaf (4K)",
					  addr);
	if (addr == 0 || addr > SM_IMPORT_VA_LIMIT - len)
		return sm_import_line_err(
		    im, col->addr,
		    "address 0x%" PRIx64 " cannot be written as iommu_map "
		    "pa= (1..2^48-4K; pa=0 means fresh pages)",
		    addr);
	return 0;
}

/* A leaf descriptor seen by the walker (stage 1, 4K granule). */
static int on_leaf(struct sm_importer *im, const struct leaf_cols *col,
		   int64_t stage, int64_t level, uint64_t iova, uint64_t pte,
		   uint64_t addr)
{
	uint64_t len;
	bool ro = (pte & PTE_RDONLY) != 0;
	uint32_t dom;
	int rc;

	rc = check_leaf(im, col, stage, level, iova, addr);
	if (rc)
		return rc;
	len = sm_level_size((int)level);
	iova &= ~(len - 1);
	if (im->walk_sid >= 0 && im->walk_asid >= 0) {
		rc = stream_domain(im, (uint32_t)im->walk_sid,
				   (uint32_t)im->walk_asid, &dom);
		if (rc)
			return rc;
		return map_page(im, dom, iova, len, addr, ro);
	}
	if (SM_VEC_RESERVE(im->a, im->pend, im->cap_pend, im->n_pend + 1, 8))
		return sm_import_nomem(im);
	im->pend[im->n_pend++] = (struct sm_import_pending_map){
	    .va = iova, .len = len, .pa = addr, .ro = ro};
	return 0;
}

/* A StreamID of QEMU 7.2's SMMUv3, which has 16 bits of them
 * (SMMU_IDR1_SIDSIZE). */
static int check_sid(struct sm_importer *im, const struct sm_qemu_cap *c)
{
	if (c->u > 0xffff)
		return sm_import_line_err(im, c->col,
					  "sid=0x%" PRIx64
					  " is out of range (QEMU 7.2's "
					  "SMMUv3 has 16-bit StreamIDs: "
					  "0..0xffff)",
					  c->u);
	return 0;
}

/*
 * The replay translates the access through the mappings written so far:
 * it must find the page QEMU translated, to the same address, with the
 * permission the access needs.  Otherwise (a translation whose walk is not
 * in the log, an IOTLB hit on an entry the log never showed being filled)
 * the replay would fault where QEMU did not.
 */
static int check_translation(struct sm_importer *im,
			     const struct sm_qemu_cap *c, uint32_t dom)
{
	uint64_t iova = c[2].u, out = c[3].u;
	const struct sm_import_page *p = page_find(im, dom, iova, 12);

	if (!p)
		return sm_import_line_err(im, c[2].col,
					  "iova=0x%" PRIx64
					  " translated without a walk of its "
					  "page in the log: the replay would "
					  "fault",
					  iova);
	if (p->pa + (iova & 0xfff) != out)
		return sm_import_line_err(im, c[3].col,
					  "translated=0x%" PRIx64
					  " differs from the page the log's "
					  "walk mapped (0x%" PRIx64 ")",
					  out, p->pa + (iova & 0xfff));
	if (p->ro && c[4].u != 1)
		return sm_import_line_err(im, c[4].col,
					  "a write to iova=0x%" PRIx64
					  " that the log's walk mapped "
					  "read-only: the replay would fault",
					  iova);
	return 0;
}

int sm_import_on_translate(struct sm_importer *im, const struct sm_qemu_cap *c)
{
	uint32_t sid = (uint32_t)c[1].u, dom;
	uint64_t perm = c[4].u;
	int rc;

	rc = check_sid(im, &c[1]);
	if (rc)
		return rc;
	if (perm < 1 || perm > 3)
		return sm_import_line_err(im, c[4].col,
					  "perm=0x%" PRIx64
					  ": expected a read (0x1) or a "
					  "write (0x2, 0x3)",
					  perm);
	if (c[2].u >= SM_IMPORT_VA_LIMIT)
		return sm_import_line_err(im, c[2].col,
					  "iova=0x%" PRIx64
					  " is beyond the 48-bit input range "
					  "of the trace's DMA domains",
					  c[2].u);
	if (im->walk_asid < 0)
		return sm_import_line_err(
		    im, 1,
		    "translation of sid=0x%" PRIx32
		    " without a preceding smmu_iotlb_lookup_hit or "
		    "smmu_iotlb_lookup_miss (was QEMU run with "
		    "-trace 'smmu_*'?)",
		    sid);
	if (im->walk_sid >= 0 && (uint64_t)im->walk_sid != sid)
		return sm_import_line_err(
		    im, c[1].col,
		    "translation of sid=0x%" PRIx32
		    " after a config cache lookup of sid=0x%" PRIx64,
		    sid, (uint64_t)im->walk_sid);
	rc = stream_domain(im, sid, (uint32_t)im->walk_asid, &dom);
	if (!rc)
		rc = flush_pending(im, dom);
	if (!rc)
		rc = check_translation(im, c, dom);
	if (rc)
		return rc;
	im->st.translations++;
	im->walk_sid = -1;
	im->walk_asid = -1;
	return sm_import_emit_dev_access(im, sid, c[2].u, perm != 1);
}

/* ---------------------------------------------------------------------- */
/* The lines of a translation                                             */
/* ---------------------------------------------------------------------- */

/* smmuv3_config_cache_hit/miss: the StreamID of the translation to come. */
int sm_import_on_config(struct sm_importer *im, const struct sm_qemu_cap *c)
{
	int rc = check_sid(im, &c[0]);

	if (rc)
		return rc;
	im->walk_sid = (int64_t)c[0].u;
	return 0;
}

/* smmu_iotlb_lookup_hit/miss: its ASID, and QEMU's own IOTLB counts. */
int sm_import_on_lookup(struct sm_importer *im, bool hit,
			const struct sm_qemu_cap *c)
{
	/* The trace's domain_create reads asid=0 as "the lowest free ASID":
	 * only 1..65535 is written as it is. */
	if (c[0].i < 1 || c[0].i > 0xffff)
		return sm_import_line_err(im, c[0].col,
					  "asid=%" PRId64
					  " is out of range (1..65535: a "
					  "domain_create with asid=0 gets "
					  "another ASID)",
					  c[0].i);
	im->walk_asid = c[0].i;
	if (hit)
		im->st.iotlb_hits++;
	else
		im->st.iotlb_misses++;
	return 0;
}

/* smmuv3_decode_cd_tt: the granule of a CD's table. */
int sm_import_on_decode_tt(struct sm_importer *im, const struct sm_qemu_cap *c)
{
	if (c[3].i != 12)
		return sm_import_line_err(
		    im, c[3].col,
		    "granule_sz:%" PRId64
		    ": only the 4K granule (12) can be imported",
		    c[3].i);
	return 0;
}

/* smmu_ptw_page_pte: stage, level, iova, pte, page address. */
int sm_import_on_page_pte(struct sm_importer *im, const struct sm_qemu_cap *c)
{
	const struct leaf_cols col = {c[0].col, c[1].col, c[2].col, c[6].col};

	return on_leaf(im, &col, c[0].i, c[1].i, c[2].u, c[5].u, c[6].u);
}

/* smmu_ptw_block_pte: its size must be the level's block size. */
int sm_import_on_block_pte(struct sm_importer *im, const struct sm_qemu_cap *c)
{
	const struct leaf_cols col = {c[0].col, c[1].col, c[5].col, c[6].col};
	int64_t mib = c[1].i == 1 ? 1024 : c[1].i == 2 ? 2 : -1;

	if (c[7].i != mib)
		return sm_import_line_err(
		    im, c[7].col,
		    "level=%" PRId64 " block of %" PRId64
		    " MiB (4K granule: level 1 is 1024 MiB, level 2 is 2 MiB)",
		    c[1].i, c[7].i);
	return on_leaf(im, &col, c[0].i, c[1].i, c[5].u, c[4].u, c[6].u);
}

/* smmuv3_translate_abort: the lookup (a miss) and the walk happened, the
 * access did not: nothing to replay. */
int sm_import_on_abort(struct sm_importer *im, const struct sm_qemu_cap *c)
{
	im->aborts++;
	im->n_pend = 0;
	im->walk_sid = -1;
	im->walk_asid = -1;
	return sm_import_emit_abort(im, c[1].u, c[2].u);
}
