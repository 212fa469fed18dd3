/* SPDX-License-Identifier: MIT */
#include "check/oracle.h"

#include <stdio.h>

#include <smmusim/error.h>
#include <smmusim/event.h>

#include "base/alloc.h"
#include "base/oatable.h"
#include "base/vec.h"
#include "hw/mem/pgtable.h"
#include "hw/mem/xlate.h"

/* The oracle's counters are rows of src/engine/stat_defs/check.def; each
 * violation kind counts in the row named after it. */
static const enum sm_stat_id kind_stat[SMMUSIM_VIOLATION_COUNT_] = {
    [SMMUSIM_VIOLATION_STALE_TRANSLATION] =
	SM_STAT_CHECK_VIOLATIONS_STALE_TRANSLATION,
    [SMMUSIM_VIOLATION_STALE_PERMISSION] =
	SM_STAT_CHECK_VIOLATIONS_STALE_PERMISSION,
    [SMMUSIM_VIOLATION_FAULT_LIVELOCK] =
	SM_STAT_CHECK_VIOLATIONS_FAULT_LIVELOCK,
    [SMMUSIM_VIOLATION_USE_AFTER_FREE] =
	SM_STAT_CHECK_VIOLATIONS_USE_AFTER_FREE,
};

int sm_oracle_init(struct sm_oracle *o, const struct smmusim_allocator *a,
		   const struct sm_physmem *pm, bool enabled,
		   uint32_t livelock_faults, struct sm_stats *st)
{
	*o = (struct sm_oracle){.alloc = a,
				.pm = pm,
				.enabled = enabled,
				.livelock_faults = livelock_faults,
				.ctr = sm_stats_ctrs(st)};
	o->capstreak = 64;
	o->streak = sm_calloc(a, o->capstreak * sizeof(*o->streak));
	if (!o->streak)
		return SMMUSIM_ENOMEM;
	return 0;
}

void sm_oracle_fini(struct sm_oracle *o)
{
	sm_free(o->alloc, o->win, o->capwin * sizeof(*o->win));
	sm_free(o->alloc, o->freed, o->capfreed * sizeof(*o->freed));
	o->freed = NULL;
	sm_free(o->alloc, o->streak, o->capstreak * sizeof(*o->streak));
	sm_free(o->alloc, o->kept, o->capkept * sizeof(*o->kept));
	o->win = NULL;
	o->streak = NULL;
	o->kept = NULL;
}

/* ---- the truth: the page tables' translation of an access ---- */

/*
 * The truth is the same for every va of a 4 KiB page (a walk reads the
 * va's bits from 12 up; the offset only passes through to pa), and stays
 * the same while no word of a page table is written and no frame becomes
 * or stops being a page table: what sm_physmem_pgt_gen counts.  So a
 * walk's result is remembered, direct-mapped by page and roots, and used
 * again while that generation is the one it was walked at: the same truth
 * without the walk (host time only; tests/test_oracle.c compares with
 * memo_off).  A generation per frame was measured too: it made 1% more of
 * the walks of the imported linux61-ddmix-strict trace hits, and none of
 * bench/replay-speed's, whose pages are random over 8 processes (a page
 * comes back after thousands of others, past any small memo).  What does
 * come back there is the 2 MiB region, hence the paths below (path_truth):
 * a stage-1 truth the memo misses costs the table descriptors of its path
 * and one level-3 word instead of a walk.
 */

static struct sm_truth *memo_slot(struct sm_oracle *o,
				  const struct sm_xlate_report *r)
{
	uint64_t h = (r->va ^ r->root ^ r->root2) >> SM_PAGE_SHIFT;
	return &o->memo[h & (SM_ORACLE_MEMO_SLOTS - 1)];
}

static bool memo_holds(const struct sm_truth *m,
		       const struct sm_xlate_report *r, uint64_t page,
		       uint64_t gen)
{
	return m->gen == gen && m->page == page && m->root == r->root &&
	       m->root2 == r->root2 && m->regime == r->regime &&
	       m->s2_level == r->s2_level;
}

/*
 * A stage-1 truth without a walk from the root: when the last truth walk
 * of the page's 2 MiB region from the same root reached a level-3 table
 * and the tables above still hold the table descriptors it followed
 * (sm_pgt_path_holds), a walk now goes the same way, and only the level-3
 * descriptor decides: read and decoded here as pgtable.c walk_levels
 * decodes a level-3 descriptor (invalid or not a page: translation fault;
 * else the page, its EL0 permissions, and the access flag).  Paths are
 * remembered by the walks of truth_walk (host time: a fault the agent
 * could not judge itself costs a few words, not a walk).
 */
static struct sm_pgt_path *path_slot(struct sm_oracle *o, uint64_t root,
				     uint64_t va)
{
	uint64_t h = (va >> 21) ^ (root >> SM_PAGE_SHIFT);
	return &o->path[h & (SM_ORACLE_PATH_SLOTS - 1)];
}

static inline bool path_truth(struct sm_oracle *o,
			      const struct sm_xlate_report *r,
			      struct sm_walk *w)
{
	const struct sm_pgt_path *p = path_slot(o, r->root, r->va);
	if (!(p->valid && p->root == r->root && p->region == r->va >> 21 &&
	      sm_pgt_path_holds(p, r->va)))
		return false;
	const uint64_t *words = p->frame[3]->content;
	uint64_t desc = words ? words[sm_level_index(r->va, 3)] : 0;
	w->ipa = SM_NO_IPA;
	if ((desc & PTE_TYPE_MASK) != PTE_TYPE_PAGE) {
		w->fault = SM_WALK_FAULT_TRANSLATION;
		w->pa = 0;
		w->perm = 0;
		return true;
	}
	w->pa = desc & PTE_ADDR_MASK;
	w->perm = sm_pte_perm(desc);
	w->fault = desc & PTE_AF ? SM_WALK_OK : SM_WALK_FAULT_ACCESS_FLAG;
	return true;
}

/* The walk behind a truth the memo does not hold, into its slot m (a
 * stage-1 one through a remembered path when it holds: path_truth). */
static __attribute__((noinline)) const struct sm_truth *
truth_walk(struct sm_oracle *o, const struct sm_xlate_report *r,
	   struct sm_truth *m, uint64_t page, uint64_t gen)
{
	struct sm_walk w;
	bool s1 = r->regime == SM_REGIME_S1 && !o->memo_off;
	if (!s1 || !path_truth(o, r, &w)) {
		struct sm_regime rg =
		    sm_regime_of(r->regime, r->root, r->root2, r->s2_level);
		sm_pgt_translate(o->pm, &rg, r->va, &w);
		if (s1 && w.level == 3) {
			/* It read a level-3 table: remember the way. */
			int level;
			uint64_t desc_pa;
			const uint64_t *slot;
			sm_pgt_get_path(o->pm, path_slot(o, r->root, r->va),
					r->root, r->va, &level, &desc_pa,
					&slot);
		}
	}
	*m = (struct sm_truth){
	    .root = r->root,
	    .root2 = r->root2,
	    .page = page,
	    .gen = gen,
	    .pa = w.pa & SM_PAGE_MASK,
	    .ipa = w.ipa == SM_NO_IPA ? SM_NO_IPA : w.ipa & SM_PAGE_MASK,
	    .regime = r->regime,
	    .fault = (uint8_t)w.fault,
	    .perm = (uint8_t)w.perm,
	    .s2_level = r->s2_level,
	};
	return m;
}

/* The truth of r's page; r names a root (r->root or r->root2).  Valid
 * until the next call.  (Host time: the memo's hit inline, the walk out of
 * line.) */
static inline const struct sm_truth *truth_of(struct sm_oracle *o,
					      const struct sm_xlate_report *r)
{
	uint64_t page = r->va & SM_PAGE_MASK;
	uint64_t gen = sm_physmem_pgt_gen(o->pm);
	struct sm_truth *m = memo_slot(o, r);
	if (!o->memo_off && memo_holds(m, r, page, gen))
		return m;
	return truth_walk(o, r, m, page, gen);
}

/* The truth of an agent whose configuration translates nothing. */
static const struct sm_truth no_truth = {.fault = SM_WALK_FAULT_TRANSLATION,
					 .ipa = SM_NO_IPA};

/* ---- windows ---- */

/* sm_oracle_window_open when win[] is full: it grows first.  Out of line
 * (host time: an open that finds room saves no registers). */
static __attribute__((noinline)) void
window_open_grow(struct sm_oracle *o, uint64_t root, uint64_t start,
		 uint64_t end, uint64_t cycle)
{
	if (SM_VEC_RESERVE(o->alloc, o->win, o->capwin, o->nwin + 1, 8))
		return; /* no window: stricter, never hides a bug */
	o->win[o->nwin++] =
	    (struct sm_window){root, start, end, cycle, UINT64_MAX};
}

void sm_oracle_window_open(void *oracle, uint64_t root, uint64_t start,
			   uint64_t end, uint64_t cycle)
{
	struct sm_oracle *o = oracle;
	if (o->nwin == o->capwin) {
		window_open_grow(o, root, start, end, cycle);
		return;
	}
	o->win[o->nwin++] =
	    (struct sm_window){root, start, end, cycle, UINT64_MAX};
}

/* The window's invalidation has completed and no access can come from
 * before that: the pages freed inside it are ordinary free pages again (an
 * entry still reaching one now is stale outside any window anyway). */
static void forget_freed(struct sm_oracle *o, uint64_t root, uint64_t start,
			 uint64_t end)
{
	size_t k = 0;
	for (size_t i = 0; i < o->nfreed; i++) {
		const struct sm_freed *f = &o->freed[i];
		if (!(f->root == root && f->va >= start && f->va < end))
			o->freed[k++] = *f;
	}
	o->nfreed = k;
}

void sm_oracle_window_close(void *oracle, uint64_t root, uint64_t start,
			    uint64_t end, uint64_t cycle)
{
	struct sm_oracle *o = oracle;
	/* Any open window of the same range will do: they differ only in
	 * `opened`, which no check reads.  The search starts after the last
	 * window closed: a lazy kernel's flush closes its queue's windows
	 * oldest first, in the order they were opened (host time: a flush of
	 * n entries costs n probes, not n * n / 2). */
	size_t n = o->nwin, i = o->close_hint < n ? o->close_hint : 0;
	for (size_t k = 0; k < n; k++, i = i + 1 == n ? 0 : i + 1) {
		struct sm_window *w = &o->win[i];
		if (w->root == root && w->start == start && w->end == end &&
		    w->closes_at == UINT64_MAX) {
			w->closes_at = cycle;
			o->nclosed++;
			o->close_hint = i + 1;
			return;
		}
	}
}

/* sm_oracle_advance_slow with pages freed early to forget.  Out of line
 * (host time: without them the drops save no registers). */
static __attribute__((noinline)) void advance_forgetting(struct sm_oracle *o,
							 uint64_t cycle)
{
	for (size_t i = o->nwin; i-- > 0;) {
		struct sm_window w = o->win[i];
		if (w.closes_at > cycle)
			continue;
		if (o->nfreed)
			forget_freed(o, w.root, w.start, w.end);
		o->win[i] = o->win[--o->nwin];
		o->nclosed--;
	}
}

void sm_oracle_advance_slow(struct sm_oracle *o, uint64_t cycle)
{
	/* (Forgetting never frees more pages: none stays none.) */
	if (o->nfreed) {
		advance_forgetting(o, cycle);
		return;
	}
	for (size_t i = o->nwin; i-- > 0;) {
		if (o->win[i].closes_at > cycle)
			continue;
		o->win[i] = o->win[--o->nwin];
		o->nclosed--;
	}
}

/* Does a window over `va` of the table at `root` contain `cycle`?  (Its
 * lower bound is not checked: while kernel operations are atomic, an
 * access after an operation's start and before its PTE change already
 * sees the change; docs/model.md, Time.) */
static bool in_window(const struct sm_oracle *o, uint64_t root, uint64_t va,
		      uint64_t cycle)
{
	for (size_t i = 0; i < o->nwin; i++)
		if (o->win[i].root == root && va >= o->win[i].start &&
		    va < o->win[i].end && cycle < o->win[i].closes_at)
			return true;
	return false;
}

/* Is the page a cached translation served inside an unmap window?  The
 * window of a stage-1 unmap is keyed by the stage-1 root and the VA; that of
 * a stage-2 unmap by the stage-2 root and the IPA (for a nested stream: the
 * IPA the current stage-1 tables give, `w` from truth_of). */
static bool in_any_window(const struct sm_oracle *o,
			  const struct sm_xlate_report *r, uint64_t page,
			  const struct sm_truth *w)
{
	if (r->root && in_window(o, r->root, page, r->cycle))
		return true;
	if (!r->root2 || w->ipa == SM_NO_IPA)
		return false;
	return in_window(o, r->root2, w->ipa, r->cycle);
}

/* ---- fault streaks: an open-addressing table keyed by agent+page ---- */

static uint64_t hash2(uint64_t a, uint64_t b)
{
	uint64_t h = a * 0x9e3779b97f4a7c15ull ^ (b + 0x632be59bd9b4e019ull);
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 32);
}

static bool streak_used(const void *slot)
{
	return ((const struct sm_streak *)slot)->used;
}

static uint64_t streak_hash(const void *slot)
{
	const struct sm_streak *s = slot;
	return hash2(s->k1, s->k2);
}

static const struct sm_oa_ops streak_ops = {sizeof(struct sm_streak),
					    streak_used, streak_hash};

static struct sm_streak *streak_find(struct sm_oracle *o, uint64_t k1,
				     uint64_t k2, bool create)
{
	/* Most agents never fault: nothing to look up (host time). */
	if (!create && !o->nstreak)
		return NULL;
	if (create && (o->nstreak + 1) * 2 > o->capstreak) {
		void *slots = o->streak;
		if (sm_oa_grow(o->alloc, &slots, &o->capstreak, 64,
			       &streak_ops) < 0)
			return NULL;
		o->streak = slots;
	}
	size_t j = hash2(k1, k2) & (o->capstreak - 1);
	while (o->streak[j].used) {
		if (o->streak[j].k1 == k1 && o->streak[j].k2 == k2)
			return &o->streak[j];
		j = (j + 1) & (o->capstreak - 1);
	}
	if (!create)
		return NULL;
	o->streak[j] = (struct sm_streak){.k1 = k1, .k2 = k2, .used = true};
	o->nstreak++;
	return &o->streak[j];
}

/* ---- reports ---- */

/* Count a report, keep it if there is room, pass it to the hook. */
static void record(struct sm_oracle *o, const struct smmusim_violation *v)
{
	o->total++;
	o->ctr[kind_stat[v->kind]]++;
	if (o->nkept < SMMUSIM_MAX_KEPT_VIOLATIONS &&
	    !SM_VEC_RESERVE(o->alloc, o->kept, o->capkept, o->nkept + 1, 16))
		o->kept[o->nkept++] = *v;
	if (o->hook)
		o->hook(o->hook_ctx, v);
}

static void emit(struct sm_oracle *o, enum smmusim_violation_kind kind,
		 const struct sm_xlate_report *r, const struct sm_truth *w,
		 uint32_t faults)
{
	struct smmusim_violation v = {
	    .kind = kind,
	    .line = r->tag,
	    .cycle = r->cycle,
	    .agent_kind = r->agent_kind,
	    .cpu = r->cpu,
	    .sid = r->sid,
	    .ssid = r->ssid,
	    .va = r->va & SM_PAGE_MASK,
	    .write = r->write,
	    .asid = r->asid,
	    .entry_pa = r->entry_pa + ((r->va & SM_PAGE_MASK) - r->entry_va),
	    .entry_perm = r->entry_perm,
	    .truth_valid = w->fault == SM_WALK_OK,
	    .truth_pa = w->fault == SM_WALK_OK ? w->pa : 0,
	    .truth_perm = w->fault == SM_WALK_OK ? w->perm : 0,
	    .faults = faults,
	};
	if (!r->entry_size)
		v.entry_pa = 0;
	static const char *const kinds[] = {"free", "data", "zero",
					    "page-table", "smmu"};
	enum sm_page_kind pk = sm_physmem_kind(o->pm, v.entry_pa);
	snprintf(v.entry_page, sizeof(v.entry_page), "%s",
		 r->entry_size && (unsigned)pk < 5 ? kinds[pk] : "");
	if (r->agent_kind == SMMUSIM_AGENT_CPU)
		snprintf(v.agent, sizeof(v.agent), "cpu%u", r->cpu);
	else if (r->ssid == SMMUSIM_NO_SSID)
		snprintf(v.agent, sizeof(v.agent), "sid=0x%x", r->sid);
	else
		snprintf(v.agent, sizeof(v.agent), "sid=0x%x ssid=%u", r->sid,
			 r->ssid);
	snprintf(v.cache, sizeof(v.cache), "%s", r->cache ? r->cache : "");
	record(o, &v);
}

/* Was the frame `pa` (the page a cached entry served) freed inside a window
 * that is still open? */
static bool freed_in_window(const struct sm_oracle *o, uint64_t pa)
{
	for (size_t i = 0; i < o->nfreed; i++)
		if (o->freed[i].pa == pa)
			return true;
	return false;
}

/* A page freed inside an open window: use-after-free (out of line: most
 * frees are not, and need no frame; host time). */
static __attribute__((noinline)) void freed_early(struct sm_oracle *o,
						  uint64_t root, uint64_t va,
						  uint64_t pa, uint64_t cycle)
{
	struct smmusim_violation v = {
	    .kind = SMMUSIM_VIOLATION_USE_AFTER_FREE,
	    .line = o->op_line,
	    .cycle = cycle,
	    .agent_kind = SMMUSIM_AGENT_CPU,
	    .va = va & SM_PAGE_MASK,
	    .entry_pa = pa & SM_PAGE_MASK,
	};
	snprintf(v.agent, sizeof(v.agent), "kernel");
	snprintf(v.entry_page, sizeof(v.entry_page), "free");
	record(o, &v);
	if (!SM_VEC_RESERVE(o->alloc, o->freed, o->capfreed, o->nfreed + 1, 16))
		o->freed[o->nfreed++] =
		    (struct sm_freed){root, va & SM_PAGE_MASK, v.entry_pa};
}

void sm_oracle_page_freed(void *oracle, uint64_t root, uint64_t va, uint64_t pa,
			  uint64_t cycle)
{
	struct sm_oracle *o = oracle;
	if (o->nwin && o->enabled && root && in_window(o, root, va, cycle))
		freed_early(o, root, va, pa, cycle);
}

/*
 * A cached entry served what the page tables no longer give.  Inside an
 * open invalidation window the kernel is still within its rights (the PTE
 * changed, its flush has not completed): count it as tolerated; outside any
 * window it is a violation of kind `kind`.  An entry that reaches a page the
 * kernel already freed inside the window is a stale-translation anyway: the
 * kernel may free only after the invalidation completed.
 */
static void stale_use(struct sm_oracle *o, enum smmusim_violation_kind kind,
		      const struct sm_xlate_report *r, uint64_t page,
		      const struct sm_truth *w)
{
	if (o->nfreed && r->entry_size &&
	    freed_in_window(o, (r->entry_pa + (page - r->entry_va)) &
				   SM_PAGE_MASK))
		emit(o, SMMUSIM_VIOLATION_STALE_TRANSLATION, r, w, 0);
	else if (in_any_window(o, r, page, w))
		SM_INC(o->ctr, CHECK_TOLERATED_IN_WINDOW);
	else
		emit(o, kind, r, w, 0);
}

/* The agent's own walk of the tables as they are now (r->walked) denied
 * the access: so does the truth (host time: no second walk). */
static bool walk_denied(const struct sm_xlate_report *r, unsigned need)
{
	return r->walked &&
	       !(r->walk_fault == SM_WALK_OK && (r->walk_perm & need));
}

/* The fault streak of the report's agent, page and access type. */
static struct sm_streak *
report_streak(struct sm_oracle *o, const struct sm_xlate_report *r, bool create)
{
	uint64_t k1 =
	    (uint64_t)r->agent_kind << 63 |
	    (uint64_t)(r->agent_kind == SMMUSIM_AGENT_CPU ? r->cpu : r->sid)
		<< 24 |
	    r->ssid;
	uint64_t k2 = (r->va & SM_PAGE_MASK) | (r->write ? 1 : 0);
	return streak_find(o, k1, k2, create);
}

/* The same, or NULL at once when there is no streak to find (host time:
 * most agents never fault, no key is made). */
static inline struct sm_streak *
streak_of(struct sm_oracle *o, const struct sm_xlate_report *r, bool create)
{
	return create || o->nstreak ? report_streak(o, r, create) : NULL;
}

/* The judgement of one report (sm_oracle_observe). */
static __attribute__((noinline)) void judge(struct sm_oracle *o,
					    const struct sm_xlate_report *r)
{
	unsigned need = r->write ? SMMUSIM_PROT_W : SMMUSIM_PROT_R;
	uint64_t page = r->va & SM_PAGE_MASK;
	const struct sm_truth *w;

	if (r->outcome == SM_XLATE_OK) {
		/* Most agents never fault: no streak to end (host time). */
		struct sm_streak *s = streak_of(o, r, false);
		if (s)
			s->count = 0, s->reported = false;
		if (r->from_cache && r->no_context) {
			/* A cached translation used by an agent whose
			 * configuration now translates nothing. */
			stale_use(o, SMMUSIM_VIOLATION_STALE_TRANSLATION, r,
				  page, &no_truth);
			return;
		}
		if (!r->from_cache || (!r->root && !r->root2))
			return; /* a walk agrees with the tables by definition
				 */
		w = truth_of(o, r);
		/* The PA served for the page (w->pa is the page's). */
		uint64_t served = r->entry_pa + (page - r->entry_va);
		if (w->fault != SM_WALK_OK || w->pa != served) {
			stale_use(o, SMMUSIM_VIOLATION_STALE_TRANSLATION, r,
				  page, w);
		} else if (!(w->perm & need)) {
			stale_use(o, SMMUSIM_VIOLATION_STALE_PERMISSION, r,
				  page, w);
		}
		return;
	}

	/* A fault.  Does the page table permit the access right now? */
	bool permits = false;
	w = &no_truth;
	if ((r->root || r->root2) && !walk_denied(r, need)) {
		w = truth_of(o, r);
		permits = w->fault == SM_WALK_OK && (w->perm & need);
	}
	struct sm_streak *s = streak_of(o, r, permits);
	if (!s)
		return;
	if (!permits) {
		s->count = 0; /* a legitimate fault: the kernel will act */
		return;
	}
	s->count++;
	if (s->count >= o->livelock_faults && !s->reported) {
		s->reported = true;
		emit(o, SMMUSIM_VIOLATION_FAULT_LIVELOCK, r, w, s->count);
	}
}

/* A cached translation (r, OK, of an agent with a context) that agrees
 * with the truth the memo holds for its page: what judge() finds without
 * a violation.  False: judge() decides (host time: a TLB hit whose page the
 * memo holds is judged without judge's frame). */
static inline bool cached_agrees(struct sm_oracle *o,
				 const struct sm_xlate_report *r)
{
	uint64_t page = r->va & SM_PAGE_MASK;
	const struct sm_truth *m = memo_slot(o, r);
	if (o->memo_off || !memo_holds(m, r, page, sm_physmem_pgt_gen(o->pm)))
		return false;
	unsigned need = r->write ? SMMUSIM_PROT_W : SMMUSIM_PROT_R;
	return m->fault == SM_WALK_OK &&
	       m->pa == r->entry_pa + (page - r->entry_va) && (m->perm & need);
}

/* A fault (r) that the tables deny as the agent's own walk saw them, or
 * of an agent without a context: judge() finds a legitimate fault without
 * a truth walk, and with no fault streak open it has none to end. */
static inline bool fault_denied(const struct sm_xlate_report *r)
{
	unsigned need = r->write ? SMMUSIM_PROT_W : SMMUSIM_PROT_R;
	return (!r->root && !r->root2) || walk_denied(r, need);
}

/* A stage-1 fault (r) that the tables deny as they are now, found through a
 * path that holds (path_truth): judge() finds a legitimate fault, and with
 * no fault streak open it has none to end (host time: no judge frame, no
 * walk, for a fault the agent's walk-cache walk could not vouch for). */
static inline bool fault_denied_by_path(struct sm_oracle *o,
					const struct sm_xlate_report *r)
{
	struct sm_walk w;
	unsigned need = r->write ? SMMUSIM_PROT_W : SMMUSIM_PROT_R;
	return r->regime == SM_REGIME_S1 && !o->memo_off &&
	       path_truth(o, r, &w) &&
	       !(w.fault == SM_WALK_OK && (w.perm & need));
}

/* sm_oracle_observe's judgement of a report the agent's walk could not
 * vouch for: a cached translation the memo holds, a fault the tables deny
 * through a path that holds, else judge() (out of line: the reports it
 * saves a judge frame need registers the most common ones do not). */
static __attribute__((noinline)) void
observe_cached(struct sm_oracle *o, const struct sm_xlate_report *r)
{
	if (!o->nstreak && (r->outcome == SM_XLATE_OK
				? !r->no_context && (r->root || r->root2) &&
				      cached_agrees(o, r)
				: fault_denied_by_path(o, r)))
		return;
	judge(o, r);
}

void sm_oracle_observe(void *oracle, const struct sm_xlate_report *r)
{
	struct sm_oracle *o = oracle;
	if (!o->enabled)
		return;
	SM_INC(o->ctr, CHECK_TRANSLATIONS_CHECKED);
	/* A walk's translation agrees with the tables by definition, and
	 * without a fault streak there is none to end, nor one to start by
	 * a fault the tables deny (host time: most reports need no more).
	 * The rest is observe_cached's: with a streak open, or a cached
	 * translation, or a fault the agent's own walk did not deny, it
	 * decides as this test would have with its second alternatives
	 * (the first ones being false). */
	if (!o->nstreak &&
	    (r->outcome == SM_XLATE_OK ? !r->from_cache : fault_denied(r)))
		return;
	observe_cached(o, r);
}

static void lingering_one(void *ctx, const struct sm_tc_entry *e)
{
	struct sm_oracle *o = ctx;
	struct sm_walk w;
	struct sm_regime rg =
	    sm_regime_of(e->regime, e->root, e->root2, e->s2_level);
	sm_pgt_translate(o->pm, &rg, e->va, &w);
	if (e->flags & SM_TC_F_NEGATIVE) {
		/* A cached translation fault disagrees once it translates. */
		if (w.fault == SM_WALK_OK)
			SM_INC(o->ctr, CHECK_LINGERING);
		return;
	}
	if (w.fault != SM_WALK_OK || (w.pa & ~(sm_tc_size(e) - 1)) != e->pa ||
	    w.perm != e->perm)
		SM_INC(o->ctr, CHECK_LINGERING);
}

void sm_oracle_scan_cache(struct sm_oracle *o, const struct sm_tcache *tc)
{
	if (o->enabled)
		sm_tc_for_each(tc, lingering_one, o);
}
