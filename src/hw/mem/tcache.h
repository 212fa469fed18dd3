/* SPDX-License-Identifier: MIT */
/*
 * Set-associative translation cache: the structure behind every PE's TLB and
 * the SMMU's IOTLB.
 *
 * An entry maps one page or block (level 3: 4 KiB, level 2: 2 MiB, level 1:
 * 1 GiB) and caches the permissions the walk found, as the Arm ARM allows
 * (D8.16 "Translation Lookaside Buffers": permissions are part of the cached
 * translation, so raising them needs TLB maintenance).  Entries are placed
 * by their own size: the set of an entry is a hash of va >> its size shift,
 * so fill, lookup and invalidation use the same set function, and a lookup
 * probes once per page size ("probe per size", as most real designs with a
 * unified TLB do).
 *
 * Tags: VMID, ASID and nG (a global entry matches every ASID).  Replacement
 * is LRU by a per-cache use stamp (kept beside the entries, sm_tcache.use,
 * so that a fill scans a set without touching its entries).  `root` is not
 * architectural: it records which table the entry was walked from, so the
 * oracle can compare an entry with the truth it came from.
 *
 * Host-side indexes (they change how fast the simulator finds entries,
 * never which entries a lookup, fill or invalidation finds, nor any
 * simulated cost): every valid entry is linked into a hash chain by its page
 * (va, level), so a lookup or a per-page invalidation visits the entries of
 * that page only, even in a fully associative cache such as the L1
 * micro-TLBs, whose one set defeats the set probe.  A walk cache (min_level
 * 0) chains by page and tags (VMID, and ASID or "global") instead: the few
 * table descriptors of levels 0-2 covering a range are held for every
 * address space that uses it (SVA processes), so it visits that page's
 * entries of one ASID (and the global ones, when it holds any); a per-page
 * invalidation of every ASID (VAA forms) probes the page's set instead.
 * Every valid entry is also in a hash chain by its tags (vmid, asid), so an
 * ASID-wide invalidation visits that ASID's entries only.  A count of valid
 * entries per level skips the sizes a cache holds none of.  When several
 * entries of one set match, the lowest way wins, as a probe of the set in
 * way order would find.
 *
 * A presence filter (struct sm_tc_filter) may be shared by several caches,
 * a PE's leaf TLBs: it counts their valid entries by hashed page (va,
 * level) and tags, so a single-page invalidation that none of them can
 * match costs a probe or two per level held instead of a call per cache
 * (host time only).  The counts of the 16 pages of a 64 KiB region (of a
 * level and tags) are neighbours, and a bitmap tells which counts are not
 * zero, so that a run of page TLBIs over a range where they hold none
 * (sm_tc_filter_range_empty) is found to miss with one read per region.
 */
#ifndef SM_HW_MEM_TCACHE_H
#define SM_HW_MEM_TCACHE_H

#include <stdbool.h>
#include <stdint.h>

#include <smmusim/alloc.h>

#include "base/errbuf.h"
#include "base/rng.h"
#include "arch/vmsa.h"

struct sm_tc_entry {
	uint64_t va;	 /* base of the page/block */
	uint64_t pa;	 /* base output address */
	uint64_t root;	 /* oracle metadata: table root it was walked from */
	uint64_t root2;	 /* ... and the stage-2 root (S2, nested) */
	uint8_t regime;	 /* enum sm_regime_kind of that walk */
	int8_t s2_level; /* stage-2 starting level */
	uint32_t asid;
	uint32_t vmid;
	uint8_t level; /* 1, 2, 3 */
	uint8_t perm;  /* SMMUSIM_PROT_* */
	bool valid;
	bool global;   /* nG == 0 */
	uint8_t flags; /* owner-defined (IOTLB: SM_IOTLB_F_*) */
	/* Host time: its place in the (page, level, tags) index chain (next:
	 * the next entry, stored as SM_TC_LINK of its number; prev: where
	 * the link to it is, its
	 * previous entry's va_next or its bucket's head, in int32_t from
	 * sm_tcache.e, tcache_index.h va_ref), and the hash of its page and
	 * tags: with a presence filter sm_tc_filter_hash (its filter count's
	 * bucket), in a walk cache chain_hash (its chain's), kept in the
	 * entry, which is then 64 bytes: a probe reads one line per entry it
	 * visits.  Set by the cache only. */
	int32_t va_next, va_prev;
	uint32_t hash;
};

_Static_assert(sizeof(struct sm_tc_entry) == 64,
	       "a probe reads one line per entry it visits");

/* An entry's place in the (vmid, asid) index chain (encoded as va_next,
 * va_prev; tag_prev counted from sm_tcache.link, tcache_index.h tag_ref). */

/* A chain link as stored (a head, va_next, tag_next): the complement of
 * the entry number it names, so that a zero word, what a zeroed block
 * holds, names entry -1, the end of a chain.  (Host time: the heads need
 * no -1s written when a cache is made or emptied; writing them faulted in
 * pages the allocator had handed back zeroed, most of the library's
 * start-up.)  SM_TC_LINK(SM_TC_LINK(i)) == i. */
#define SM_TC_LINK(i) (~(int32_t)(i))
struct sm_tc_link {
	int32_t tag_next, tag_prev;
};

enum sm_tc_repl {
	SM_TC_LRU = 0,	  /* least recently used (per-cache use stamp) */
	SM_TC_RR = 1,	  /* round robin per set */
	SM_TC_RANDOM = 2, /* uniform over the set, from the simulator's PRNG */
	/* QEMU 7.2's IOTLB: no replacement at all; inserting into a full
	 * cache first empties it (smmu_iotlb_insert -> smmu_iotlb_inv_all). */
	SM_TC_FLUSHALL = 3,
};

/* ASID tag of stage-2-only entries (SMMU): outside every 16-bit ASID and
 * never global, so no stage-1 operation (by VA, VAA, ASID) matches them;
 * VMID-wide ones and predicates do. */
#define SM_TC_ASID_STAGE2 0x10000u

/* Flag values shared by every owner: a negative entry (a cached
 * translation fault; the IOTLB's SM_IOTLB_F_NEG). */
#define SM_TC_F_NEGATIVE 0x2

#define SM_TC_HINT_WAYS 16

/* The ways of least use stamps a full set's last LRU scan found, oldest
 * first, with their stamps then (host time: tcache.c, lru_victim; 4 costs
 * fewer instructions than 8 on replay-speed and the real captures: a
 * shorter scan, and the later candidates are seldom still unchanged when
 * the first ones have changed). */
#define SM_TC_LRU_CANDS 4
struct sm_tc_lru_cands {
	uint64_t stamp[SM_TC_LRU_CANDS];
	uint32_t way[SM_TC_LRU_CANDS];
};

struct sm_tcache {
	const struct smmusim_allocator *alloc;
	struct sm_tc_entry *e;
	uint64_t *use; /* per entry: its last use (tick), 0 when invalid */
	/* Per set, (ways + 63) / 64 words: a bit per way, set while
	 * it is valid (host time: a fill finds the first invalid way, the
	 * lowest clear bit, without scanning a large set or a mispredicted
	 * loop exit); NULL below SM_TC_HINT_WAYS ways, where the scan is as
	 * cheap. */
	uint64_t *valid_ways;
	/* Per set with valid_ways: its LRU candidates (lru_victim). */
	struct sm_tc_lru_cands *cands;
	uint32_t sets, ways;
	uint64_t tick;
	uint64_t live;
	enum sm_tc_repl repl;
	struct sm_rng *rng; /* SM_TC_RANDOM */
	uint32_t *rr;	    /* SM_TC_RR: next victim way per set */
	/* Smallest level held: 1 (TLBs), 0 (walk caches, whose index chains
	 * are by page and tags: set before the first fill). */
	int min_level;
	uint64_t flushes; /* SM_TC_FLUSHALL: times a full cache was emptied */
	/* Host-side indexes (top of file): per entry its links, per bucket
	 * the first entry (SM_TC_LINK: 0 is none); valid entries per level.
	 * e[-1] and link[-1] are scratch records, never valid and never read: a
	 * chain update writes the prev link of the next entry, -1 when there is
	 * none, there instead of testing for it (host time: on replay-speed
	 * the test was as often true as not, a frequent misprediction). */
	struct sm_tc_link *link;
	int32_t *va_head, *tag_head; /* in the block, before e[-1] */
	int32_t va_ref0, tag_ref0;   /* the prev refs of bucket 0's heads */
	uint32_t va_mask, tag_mask;
	uint32_t lv_live[4];
	uint8_t lv_mask;	     /* bit `level` set: lv_live[level] > 0 */
	uint32_t global_live;	     /* valid global entries */
	struct sm_tc_filter *filter; /* shared presence filter, or NULL */
	/* Host time: an LRU cache of 4 ways, a power-of-two count of sets,
	 * no first-way hints and no filter (sm_tc_walk_fill's common copy:
	 * the default walk caches); kept by sm_tc_note_policy. */
	bool lru4;
	/* Host time: no first-way hints and a policy that is neither round
	 * robin nor random (a fill's victim is the first of the least use
	 * stamps, tcache.c victim_of); kept by sm_tc_note_policy. */
	bool lru_scan;
};

/* Valid entries of the caches sharing it, by hashed (page, level, VMID,
 * ASID or global): a zero count means none of them holds such an entry; a
 * non-zero one means one may (hash collisions only cost host time). */
struct sm_tc_filter {
	const struct smmusim_allocator *alloc;
	uint16_t *cnt; /* (mask + 1) counts; with off, one count of 1 */
	/* Bit b % 64 of word b / 64 set when count b is non-zero, kept by
	 * filter_add_n and filter_del: the probes read these 1 KiB instead
	 * of the 16 KiB of counts, which on replay-speed's 4 PEs do not
	 * stay in the L1 data cache (host time).  With off, one word with
	 * bit 0 set (the one count of 1). */
	uint64_t *bits;
	uint32_t mask;
	bool off;	 /* too many entries for 16-bit counts: always "may" */
	uint8_t lv_mask; /* bit `level` set: lv_live[level] > 0 */
	uint32_t lv_live[4];
	uint32_t global_live; /* global entries */
};
/* A 64 KiB region: the 16 pages of a group of level-3 counts
 * (sm_tc_filter_hash). */
#define SM_TC_REGION_SHIFT 16

/* Is count b of the filter's counts non-zero: its bit in `bits` (struct
 * sm_tc_filter)? */
static inline bool sm_tc_filter_bit(const uint64_t *bits, uint32_t b)
{
	return bits[b >> 6] >> (b & 63) & 1;
}

/* Called once for each cache of a model (sm_cpu_for_each_tlb,
 * sm_smmu_for_each_tlb): the end-of-run oracle scan. */
typedef void (*sm_tc_visit_fn)(void *ctx, const struct sm_tcache *tc);

/* The page number of va at a level, tagged with the level and hashed: the
 * key of the set function, of the (va, level) index and of the filter. */
static inline uint64_t sm_tc_page_key(uint64_t va, int level)
{
	return (((va >> sm_level_shift(level)) << 2) | (uint64_t)level) *
	       0x9e3779b97f4a7c15ull;
}

static inline uint64_t sm_tc_size(const struct sm_tc_entry *t)
{
	return sm_level_size(t->level);
}

/* entries must be a non-zero multiple of ways. */
int sm_tc_init(struct sm_tcache *tc, const struct smmusim_allocator *a,
	       uint64_t entries, uint64_t ways, const char *what,
	       struct sm_errbuf *eb);
void sm_tc_fini(struct sm_tcache *tc);
/* Replacement policy (default LRU); rng is needed for SM_TC_RANDOM.
 * SMMUSIM_ENOMEM if round-robin's per-set pointers cannot be allocated (the
 * cache is left LRU; the caller must fail rather than run a different
 * policy than configured). */
int sm_tc_set_repl(struct sm_tcache *tc, enum sm_tc_repl repl,
		   struct sm_rng *rng);

/* A filter sized for caches of `entries` entries in all; SMMUSIM_ENOMEM.
 * Attach it to each cache with sm_tc_attach_filter while they are empty. */
int sm_tc_filter_init(struct sm_tc_filter *f, const struct smmusim_allocator *a,
		      uint64_t entries);
void sm_tc_filter_fini(struct sm_tc_filter *f);
/* Set tc->lru4 and tc->lru_scan from the geometry, policy and filter
 * (each change of them calls it). */
static inline void sm_tc_note_policy(struct sm_tcache *tc)
{
	tc->lru4 = tc->repl == SM_TC_LRU && tc->ways == 4 &&
		   !(tc->sets & (tc->sets - 1)) && !tc->valid_ways &&
		   !tc->filter;
	tc->lru_scan =
	    !tc->valid_ways && tc->repl != SM_TC_RR && tc->repl != SM_TC_RANDOM;
}
static inline void sm_tc_attach_filter(struct sm_tcache *tc,
				       struct sm_tc_filter *f)
{
	tc->filter = f;
	sm_tc_note_policy(tc);
}
/* The filter's bucket of a leaf entry: its page, level and tags (a global
 * entry is counted under SM_TC_FILTER_GLOBAL, not its ASID). */
#define SM_TC_FILTER_GLOBAL 0x20000u
static inline uint64_t sm_tc_filter_tags(uint32_t vmid, uint32_t tag)
{
	return ((uint64_t)vmid << 18 | tag) * 0xc2b2ae3d27d4eb4full;
}
/* The filter's hash of a leaf entry of `level` at va with tags' hash
 * `tags` (its count's bucket: & mask, of at least 16 buckets): the hash of
 * its group of 16 pages (or blocks) of that level, then its place in the
 * group in the low 4 bits (host time: a group's counts are 16 bits of one
 * bitmap word; the 16 pages of a 64 KiB region, which tlbi_run.c's
 * misses3 reads at once). */
static inline uint32_t sm_tc_filter_hash(uint64_t va, int level, uint64_t tags)
{
	uint64_t page = va >> sm_level_shift(level);
	uint64_t gkey =
	    ((page >> 4) << 2 | (uint64_t)level) * 0x9e3779b97f4a7c15ull;
	return (uint32_t)((gkey + tags) >> 40) << 4 | (uint32_t)(page & 15);
}
_Static_assert(SM_TC_REGION_SHIFT == 12 + 4,
	       "a 64 KiB region's pages are one group of 16 buckets");
static inline uint32_t sm_tc_filter_bucket(const struct sm_tc_filter *f,
					   uint64_t va, int level,
					   uint64_t tags)
{
	return sm_tc_filter_hash(va, level, tags) & f->mask;
}

/* May a cache sharing `f` hold a leaf entry (levels 1..3) that a VA-form
 * TLBI of (vmid, asid) for the 4 KiB page at `va` removes: of `level`, or
 * of any level when `level` is 0, tagged with `asid` or global?  (Before
 * the tags, what a one-page sm_tc_inv_range visits.)  Caches holding
 * level-0 entries (walk caches) must not share a filter.  With `level` 0
 * it also tells whether sm_tc_lookup of (vmid, asid, va) in one of them
 * may hit: false only when each would miss (it looks for those entries:
 * of levels 1..3, of va's page, of the ASID or global). */
static inline __attribute__((always_inline)) bool
sm_tc_filter_may_hold(const struct sm_tc_filter *f, uint64_t va, unsigned level,
		      uint32_t vmid, uint32_t asid)
{
	unsigned mask = f->lv_mask & (level ? 1u << level : 0xeu);
	uint64_t tags = sm_tc_filter_tags(vmid, asid);
	uint64_t gtags = sm_tc_filter_tags(vmid, SM_TC_FILTER_GLOBAL);
#define SM_TC_FILTER_HIT_(lv)                                                  \
	((mask & (1u << (lv))) &&                                              \
	 (sm_tc_filter_bit(f->bits, sm_tc_filter_bucket(f, va, (lv), tags)) || \
	  (f->global_live &&                                                   \
	   sm_tc_filter_bit(f->bits,                                           \
			    sm_tc_filter_bucket(f, va, (lv), gtags)))))
	/* Leaf entries are of levels 1..3; each level unrolled, so that
	 * its shift is a constant. */
	return SM_TC_FILTER_HIT_(3) || SM_TC_FILTER_HIT_(2) ||
	       SM_TC_FILTER_HIT_(1);
#undef SM_TC_FILTER_HIT_
}

/* The 16 bits of the group (sm_tc_filter_hash) of hash h, the hash of any
 * of its pages: bit j set when the count of its page j is not zero.  Of a
 * filter that is off, its one count of 1 (bit 0) for every group. */
static inline uint32_t sm_tc_filter_group(const struct sm_tc_filter *f,
					  uint32_t h)
{
	uint32_t b = h & f->mask;
	return (uint32_t)(f->bits[b >> 6] >> (b & 48)) & 0xffff;
}

/* Do the levels alone decide sm_tc_filter_range_empty for the levels
 * `lvsel`?  Yes, with *empty true, when its caches hold none of them; yes,
 * with *empty false, when they hold block entries of them; no when they
 * hold level-3 entries only: then the groups of level-3 counts decide. */
static inline bool sm_tc_filter_levels_decide(const struct sm_tc_filter *f,
					      unsigned lvsel, bool *empty)
{
	unsigned mask = f->lv_mask & lvsel;
	*empty = !mask;
	return !mask || mask != 1u << 3;
}

/* Can no cache sharing `f` hold a leaf entry that a VA-form TLBI of (vmid,
 * asid) naming the levels `lvsel` (bit per level) removes, for any 4 KiB
 * page of [lo, hi)?  True only when the caches hold no block entry of
 * those levels and the level-3 counts of every 64 KiB region of the range
 * (its group's) are zero for the ASID and (if any is held) global
 * entries: then sm_tc_filter_may_hold is false for each page (host time
 * only: a true "may" costs a per-page probe). */
static inline bool sm_tc_filter_range_empty(const struct sm_tc_filter *f,
					    uint64_t lo, uint64_t hi,
					    unsigned lvsel, uint32_t vmid,
					    uint32_t asid)
{
	bool empty;
	if (sm_tc_filter_levels_decide(f, lvsel, &empty))
		return empty;
	uint64_t tags = sm_tc_filter_tags(vmid, asid);
	uint64_t gtags = sm_tc_filter_tags(vmid, SM_TC_FILTER_GLOBAL);
	for (uint64_t va = lo & ~((1ull << SM_TC_REGION_SHIFT) - 1); va < hi;
	     va += 1ull << SM_TC_REGION_SHIFT)
		if (sm_tc_filter_group(f, sm_tc_filter_hash(va, 3, tags)) ||
		    (f->global_live &&
		     sm_tc_filter_group(f, sm_tc_filter_hash(va, 3, gtags))))
			return false;
	return true;
}

/* sm_tc_filter_may_hold for one TLBI checked against the filters of
 * several PEs (of one geometry): each bucket is computed once, when a
 * filter first needs it. */
struct sm_tc_filter_probe {
	uint64_t va, tags, gtags;
	uint32_t mask;	      /* of the filters it is for */
	unsigned lvsel;	      /* levels the TLBI names */
	unsigned have, ghave; /* bit lv: b[lv], g[lv] computed */
	uint32_t b[4];	      /* bucket at each level of the TLBI's ASID */
	uint32_t g[4];	      /* ... of global entries */
};
static inline void sm_tc_filter_probe_init(struct sm_tc_filter_probe *pr,
					   const struct sm_tc_filter *f,
					   uint64_t va, unsigned level,
					   uint32_t vmid, uint32_t asid)
{
	*pr = (struct sm_tc_filter_probe){
	    .va = va,
	    .tags = sm_tc_filter_tags(vmid, asid),
	    .gtags = sm_tc_filter_tags(vmid, SM_TC_FILTER_GLOBAL),
	    .mask = f->mask,
	    .lvsel = level ? 1u << level : 0xeu,
	};
}
/* The same probe for the page at `va`: what sm_tc_filter_probe_init with
 * that va makes of a probe it made (host time: a run of page TLBIs,
 * hw/cpu/tlbi_run.c, keeps one probe per TLBI of a chunk). */
static inline void sm_tc_filter_probe_move(struct sm_tc_filter_probe *pr,
					   uint64_t va)
{
	pr->va = va;
	pr->have = pr->ghave = 0;
}
/* The level-3 bucket of the TLBI's ASID (what sm_tc_filter_probe_nz
 * computes) for the page at va (host time: tlbi_run.c computes a chunk's
 * at once). */
static inline uint32_t
sm_tc_filter_probe_bucket3(const struct sm_tc_filter_probe *pr, uint64_t va)
{
	return sm_tc_filter_hash(va, 3, pr->tags) & pr->mask;
}
/* sm_tc_filter_probe_move with that bucket, b, already computed. */
static inline void sm_tc_filter_probe_move3(struct sm_tc_filter_probe *pr,
					    uint64_t va, uint32_t b)
{
	pr->va = va;
	pr->b[3] = b;
	pr->have = 1u << 3;
	pr->ghave = 0;
}
/* Is the count of bucket arr[lv] (of `tags`) non-zero?  The bucket is
 * computed if not yet. */
static inline __attribute__((always_inline)) bool
sm_tc_filter_probe_nz(const struct sm_tc_filter *f,
		      const struct sm_tc_filter_probe *pr, uint32_t *arr,
		      unsigned *have, uint64_t tags, int lv)
{
	if (!(*have & (1u << lv))) {
		arr[lv] = sm_tc_filter_bucket(f, pr->va, lv, tags);
		*have |= 1u << lv;
	}
	return sm_tc_filter_bit(f->bits, arr[lv]);
}
static inline __attribute__((always_inline)) bool
sm_tc_filter_probe_hit(const struct sm_tc_filter *f,
		       struct sm_tc_filter_probe *pr)
{
	unsigned mask = f->lv_mask & pr->lvsel;
	if (!mask)
		return false;
	if (f->mask != pr->mask)
		return true; /* another geometry: cannot tell */
#define SM_TC_FILTER_HIT_(lv)                                                  \
	((mask & (1u << (lv))) &&                                              \
	 (sm_tc_filter_probe_nz(f, pr, pr->b, &pr->have, pr->tags, (lv)) ||    \
	  (f->global_live &&                                                   \
	   sm_tc_filter_probe_nz(f, pr, pr->g, &pr->ghave, pr->gtags, (lv)))))
	return SM_TC_FILTER_HIT_(3) || SM_TC_FILTER_HIT_(2) ||
	       SM_TC_FILTER_HIT_(1);
#undef SM_TC_FILTER_HIT_
}

/* Does sm_tc_filter_probe_hit3 give sm_tc_filter_probe_hit's answer for
 * `f`: its caches hold leaf entries of level 3 only, the probe names that
 * level and is of f's geometry?  (It stays so while entries are only
 * removed: then every non-zero count is of level-3 entries.) */
static inline bool sm_tc_filter_probe_l3(const struct sm_tc_filter *f,
					 const struct sm_tc_filter_probe *pr)
{
	return f->lv_mask == 1u << 3 && (pr->lvsel & 1u << 3) &&
	       f->mask == pr->mask;
}
/* sm_tc_filter_probe_hit where sm_tc_filter_probe_l3 holds, without its
 * per-level tests (host time: a run of page TLBIs probes each PE's filter
 * once per TLBI, hw/cpu/tlbi_run.c). */
static inline __attribute__((always_inline)) bool
sm_tc_filter_probe_hit3(const struct sm_tc_filter *f,
			struct sm_tc_filter_probe *pr)
{
	return sm_tc_filter_probe_nz(f, pr, pr->b, &pr->have, pr->tags, 3) ||
	       (f->global_live &&
		sm_tc_filter_probe_nz(f, pr, pr->g, &pr->ghave, pr->gtags, 3));
}

/* Entry covering va for (vmid, asid), NULL on miss.  Updates LRU. */
struct sm_tc_entry *sm_tc_lookup(struct sm_tcache *tc, uint32_t vmid,
				 uint32_t asid, uint64_t va);
/* The entry of exactly `level` covering va (walk caches). */
struct sm_tc_entry *sm_tc_lookup_level(struct sm_tcache *tc, uint32_t vmid,
				       uint32_t asid, uint64_t va, int level);
/* Insert (replacing any entry for the same page and tags).  Returns true
 * if a valid entry was evicted to make room. */
bool sm_tc_fill(struct sm_tcache *tc, const struct sm_tc_entry *in);
/* sm_tc_fill right after a lookup of (in->vmid, in->asid, in->va) found no
 * entry of in->level (sm_tc_lookup missed, or sm_tc_lookup_level of that
 * level did), with in->level at least tc->min_level and no entry of that
 * page, level and tags added since (removals and fills of other levels do
 * no harm): the same, without searching for an entry to replace. */
bool sm_tc_fill_missed(struct sm_tcache *tc, const struct sm_tc_entry *in);
/* sm_tc_fill_missed of `in` into a, then into b (another cache; both
 * lookups missed): the same entries, evictions, use stamps and filter
 * counts as the two calls, with what they share computed once (host
 * time).  Returns whether the fill of a evicted a valid entry. */
bool sm_tc_fill_missed2(struct sm_tcache *a, struct sm_tcache *b,
			const struct sm_tc_entry *in);

/* A walk cache's lookups and fills for one walk (sm_xlate_walk), with the
 * keys of each level computed once for both (host time).  Set va, vmid and
 * asid; the rest is the cache's. */
struct sm_tc_walk {
	uint64_t va;
	uint32_t vmid, asid;
	uint64_t pkey[3]; /* sm_tc_page_key of each level looked up */
	uint32_t h[3];	  /* ... and its hash with the tags */
	bool leaf;	  /* not a walk cache (min_level 1): generic paths */
};
/* sm_tc_lookup_level of q's (vmid, asid, va) at levels 2, 1 and 0 in turn,
 * up to the first hit: the level hit (*table its entry's pa) or -1. */
int sm_tc_walk_lookup(struct sm_tcache *tc, struct sm_tc_walk *q,
		      uint64_t *table);
/* sm_tc_fill_missed of `in` (of q's va, vmid and asid, not global) at each
 * level from `from` to `to` - 1, after sm_tc_walk_lookup of q missed
 * them: pa = tables[level + 1]; in's pa and level are overwritten. */
void sm_tc_walk_fill(struct sm_tcache *tc, const struct sm_tc_walk *q,
		     struct sm_tc_entry *in, int from, int to,
		     const uint64_t *tables);

/* Invalidation predicates; each returns how many entries it removed. */
enum sm_tc_asid_match {
	SM_TC_ASID_ANY,	      /* every ASID (VAA forms) */
	SM_TC_ASID_OR_GLOBAL, /* this ASID, and global entries (VA forms) */
	SM_TC_ASID_ONLY,      /* this ASID, not global entries (ASID forms) */
};
unsigned sm_tc_inv_va(struct sm_tcache *tc, uint32_t vmid, uint32_t asid,
		      enum sm_tc_asid_match m, uint64_t va);
/* Entries overlapping [start, start + pages * 4K) with matching tags; with
 * level (1..3) non-zero only entries of that level (a TTL hint).  Visits
 * the index chains of each page and block of the range when that is fewer
 * than the valid entries, scans the cache otherwise. */
unsigned sm_tc_inv_range(struct sm_tcache *tc, uint32_t vmid, uint32_t asid,
			 enum sm_tc_asid_match m, uint64_t start,
			 uint64_t pages, int level);
/* sm_tc_inv_range(tcs[c], vmid, asid, m, va, 1, level) for each of the n
 * caches in turn, va 4 KiB aligned (one page: a VA-form TLBI at each of a
 * PE's TLBs): the entries removed in all (host time: one call). */
unsigned sm_tc_inv_page_each(struct sm_tcache *const *tcs, unsigned n,
			     uint32_t vmid, uint32_t asid,
			     enum sm_tc_asid_match m, uint64_t va, int level);
unsigned sm_tc_inv_asid(struct sm_tcache *tc, uint32_t vmid, uint32_t asid);
unsigned sm_tc_inv_vmid(struct sm_tcache *tc, uint32_t vmid);
unsigned sm_tc_inv_all(struct sm_tcache *tc);
/* Remove entries for which fn returns true. */
unsigned sm_tc_inv_if(struct sm_tcache *tc,
		      bool (*fn)(void *ctx, const struct sm_tc_entry *e),
		      void *ctx);
void sm_tc_for_each(const struct sm_tcache *tc,
		    void (*fn)(void *ctx, const struct sm_tc_entry *e),
		    void *ctx);

#endif
