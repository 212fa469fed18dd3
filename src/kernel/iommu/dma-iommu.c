/* SPDX-License-Identifier: MIT */
/*
 * The DMA API's IOMMU half, modelled on drivers/iommu/dma-iommu.c of
 * Debian's 6.1.192 (linux-source-6.1): __iommu_dma_unmap and its two
 * invalidation policies, over the SMMUv3 driver's range and ASID
 * invalidations (arm-smmu-v3/arm-smmu-v3-tlb.c).
 *
 * The IOVA allocator is not modelled: a trace's dma_map / dma_unmap give
 * the IOVA, as an ftrace of iommu:map / iommu:unmap does.  A map does the
 * page-table work of iommu_map.  An unmap clears the leaves through
 * io-pgtable (iommu_unmap_fast), then:
 *
 * strict (policy.dma.mode=strict, iommu.strict=1): every cleared leaf is
 *   added to an iotlb gather (iommu_iotlb_gather_add_page, 6.1: a leaf
 *   disjoint from the gathered range or of another page size syncs what
 *   was gathered first); at the end iommu_iotlb_sync ->
 *   arm_smmu_iotlb_sync -> arm_smmu_tlb_inv_range_domain: the gathered
 *   range as range TLBIs of the domain's ASID, leaf-only, granule = the
 *   gathered page size, one CMD_SYNC; then, with ATS, an ATC_INV per
 *   attached stream (arm_smmu_atc_inv_domain).  The oracle's window of the
 *   range closes when that sync completes.
 *
 * lazy (policy.dma.mode=lazy, iommu.strict=0): no invalidation per unmap
 *   (the gather is "queued": io-pgtable adds nothing to it).  queue_iova
 *   puts the IOVA on the flush queue of the unmapping CPU: first
 *   fq_ring_free releases what a finished flush already covered; a full
 *   ring (fq_full: a ring of N slots holds N - 1) is flushed and freed;
 *   then the entry goes in, tagged with the flush-start counter, and the
 *   domain's one timer is armed if it is not (mod_timer at jiffies +
 *   msecs_to_jiffies(IOVA_FQ_TIMEOUT)).  A flush (fq_flush_iotlb) is
 *   flush_iotlb_all -- arm_smmu_flush_iotlb_all -> arm_smmu_tlb_inv_context:
 *   TLBI_NH_ASID + CMD_SYNC, and ATC_INV of everything with ATS -- between
 *   the start and finish counters.  The timer (fq_flush_timeout) flushes
 *   and then frees every CPU's ring.  An IOVA's window stays open from its
 *   unmap until the flush that covers it completes.
 *
 * The timer is an engine event at the cycle of the jiffy boundary where it
 * runs: jiffies count policy.dma.hz ticks a second at sim.clock_hz cycles a
 * second, the first boundary policy.dma.jiffies_phase_ns after cycle 0 (a
 * run's tick device sets its grid at boot, kernel/time/tick-sched.c
 * tick_init_jiffy_update; nothing in an ftrace of the iommu events says
 * where, so it is a key); a timer armed in jiffy j for n jiffies runs at
 * the first cycle of jiffy j + n + 1 (the timer wheel's round-up).  It
 * fires whether or not a later trace event comes (the end of the run runs
 * it too).  A real run's timer sometimes runs one or more ticks after that
 * (its softirq is raised by the tick of the timer's CPU only once that CPU
 * sees the new jiffies, kernel/time/timer.c run_local_timers, and the
 * jiffies are advanced by whichever CPU holds the do_timer duty): not
 * modelled, measured in docs/validation.md.
 *
 * policy.dma.fq=single is the single queue Linux 6.7 added for IOMMUs
 * that ask for it (iommu_dma_init_fq_single, IOVA_SINGLE_FQ_SIZE 32768,
 * IOVA_SINGLE_FQ_TIMEOUT 1000 ms): every CPU queues on it.  arm-smmu-v3
 * never asked for it: a what-if.
 *
 * Only stage-1 domains take DMA API calls here (the DMA API's default
 * domain of an arm-smmu-v3 master is stage 1).
 */
#include <inttypes.h>

#include <smmusim/error.h>

#include "base/alloc.h"
#include "engine/config.h"
#include "engine/engine.h"
#include "hw/smmu/smmu.h"
#include "kernel/iommu/arm-smmu-v3/internal.h"

/* IOVA_FQ_SIZE / IOVA_FQ_TIMEOUT (6.1), IOVA_SINGLE_FQ_SIZE /
 * IOVA_SINGLE_FQ_TIMEOUT (6.7). */
#define FQ_SIZE_PERCPU 256
#define FQ_TIMEOUT_PERCPU 10
#define FQ_SIZE_SINGLE 32768
#define FQ_TIMEOUT_SINGLE 1000

/* struct iova_fq_entry: an unmapped IOVA range awaiting its flush. */
struct fq_entry {
	uint64_t start, end;
	uint64_t counter; /* fq_flush_start_cnt when queued */
	bool covered;	  /* a finished flush covered it: window closed */
};

/* struct iova_fq: a ring of fq_size slots. */
struct fq {
	struct fq_entry *entries;
	uint32_t head, tail;
};

/* struct iommu_dma_cookie, the flush-queue half. */
struct sm_dma_cookie {
	struct sm_os *os;
	uint32_t dom;
	uint64_t root;
	uint16_t asid;
	struct fq *fq; /* per CPU, or one (single) */
	unsigned nfq;
	uint64_t flush_start_cnt, flush_finish_cnt;
	bool timer_on;
	struct sm_dma_cookie *next;
};

/* ---- set-up ---- */

int sm_dma_init(struct sm_os *os, const smmusim_config_t *cfg,
		struct sm_stats *st)
{
	struct sm_dma_state *s = &os->dma;
	(void)st;
	*s = (struct sm_dma_state){0};
	s->lazy = sm_cfg_enum(cfg, SM_K_POLICY_DMA_MODE) == 1;
	s->single = sm_cfg_enum(cfg, SM_K_POLICY_DMA_FQ) == 1;
	s->fq_size = (uint32_t)sm_cfg_u64(cfg, SM_K_POLICY_DMA_FQ_SIZE);
	if (!s->fq_size)
		s->fq_size = s->single ? FQ_SIZE_SINGLE : FQ_SIZE_PERCPU;
	uint64_t ms = sm_cfg_u64(cfg, SM_K_POLICY_DMA_FQ_TIMEOUT_MS);
	if (!ms)
		ms = s->single ? FQ_TIMEOUT_SINGLE : FQ_TIMEOUT_PERCPU;
	s->hz = sm_cfg_u64(cfg, SM_K_POLICY_DMA_HZ);
	/* msecs_to_jiffies rounds up. */
	s->timeout_jiffies = (ms * s->hz + 999) / 1000;
	s->clock_hz = sm_cfg_u64(cfg, SM_K_SIM_CLOCK_HZ);
	uint64_t phase_ns = sm_cfg_u64(cfg, SM_K_POLICY_DMA_JIFFIES_PHASE_NS);
	if (phase_ns * s->hz >= 1000000000u)
		return sm_err(os->eb, SMMUSIM_ERANGE,
			      "policy.dma.jiffies_phase_ns=%" PRIu64
			      " is not below one tick (0..%" PRIu64
			      " at policy.dma.hz=%" PRIu64 ")",
			      phase_ns, (1000000000u - 1) / s->hz, s->hz);
	/* phase_ns * hz < 1e9, so phase * hz < clock_hz: below one tick. */
	s->phase =
	    (uint64_t)((unsigned __int128)phase_ns * s->clock_hz / 1000000000u);
	s->ncpu = (unsigned)sm_cfg_u64(cfg, SM_K_CPU_COUNT);
	s->direct_map_flush =
	    (uint8_t)sm_cfg_enum(cfg, SM_K_POLICY_IOMMU_DIRECT_MAP_FLUSH);
	return 0;
}

static void cookie_free(struct sm_os *os, struct sm_dma_cookie *c)
{
	for (unsigned i = 0; i < c->nfq; i++)
		sm_free(os->alloc, c->fq[i].entries,
			os->dma.fq_size * sizeof(struct fq_entry));
	sm_free(os->alloc, c->fq, c->nfq * sizeof(struct fq));
	sm_free(os->alloc, c, sizeof(*c));
}

void sm_dma_fini(struct sm_os *os)
{
	while (os->dma.cookies) {
		struct sm_dma_cookie *c = os->dma.cookies;
		os->dma.cookies = c->next;
		cookie_free(os, c);
	}
}

/* The stage-1 domain `dom` of a DMA API call. */
static int dma_domain(struct sm_os *os, uint32_t dom, struct sm_domain **dm)
{
	int rc = sm_drv_need_domain(os, dom, dm);
	if (rc < 0)
		return rc;
	if ((*dm)->stage != 1 || (*dm)->parent)
		return sm_err(os->eb, SMMUSIM_EINVAL,
			      "dom=%" PRIu32 " is a %s domain; the DMA API "
			      "(dma_map, dma_unmap) takes stage-1 domains",
			      dom, (*dm)->parent ? "nested" : "stage-2");
	return 0;
}

/* iommu_dma_init_fq: the domain's cookie and its queues, on first use. */
static int cookie_get(struct sm_os *os, const struct sm_domain *dm,
		      struct sm_dma_cookie **out)
{
	struct sm_dma_state *s = &os->dma;
	struct sm_dma_cookie *c;
	for (c = s->cookies; c; c = c->next)
		if (c->dom == dm->id && c->root == dm->pgd) {
			c->asid =
			    dm->asid; /* an ASID move follows the domain */
			*out = c;
			return 0;
		}
	unsigned nfq = s->single ? 1 : s->ncpu;
	c = sm_calloc(os->alloc, sizeof(*c));
	if (!c)
		return sm_err(os->eb, SMMUSIM_ENOMEM, "out of memory");
	*c = (struct sm_dma_cookie){
	    .os = os, .dom = dm->id, .root = dm->pgd, .asid = dm->asid};
	c->fq = sm_calloc(os->alloc, nfq * sizeof(struct fq));
	if (c->fq)
		c->nfq = nfq;
	for (unsigned i = 0; c->fq && i < nfq; i++) {
		c->fq[i].entries =
		    sm_calloc(os->alloc, s->fq_size * sizeof(struct fq_entry));
		if (!c->fq[i].entries) {
			cookie_free(os, c);
			return sm_err(os->eb, SMMUSIM_ENOMEM, "out of memory");
		}
	}
	if (!c->fq) {
		sm_free(os->alloc, c, sizeof(*c));
		return sm_err(os->eb, SMMUSIM_ENOMEM, "out of memory");
	}
	c->next = s->cookies;
	s->cookies = c;
	*out = c;
	return 0;
}

/* ---- invalidation: what the driver does for the DMA API ---- */

/* arm_smmu_atc_inv_domain(ssid 0): an ATC_INV for every stream attached to
 * the domain, then one CMD_SYNC; size 0 = everything. */
static int atc_inv_domain(struct sm_os *os, uint32_t dom, uint64_t iova,
			  uint64_t size, uint64_t *t)
{
	struct sm_smmu_drv *d = &os->drv;
	bool any = false;
	int rc;
	if (!d->ats)
		return 0;
	for (uint32_t sid = 0; sid < (1u << d->sid_bits); sid++) {
		if (!d->sids[sid].has_dom || d->sids[sid].dom_s1 != dom)
			continue;
		uint64_t c[2];
		sm_smmu_atc_inv_cmd(c, sid, SMMUSIM_NO_SSID, iova, size);
		if ((rc = sm_drv_cmdq_batch_add(os, c, t)) < 0)
			return rc;
		any = true;
	}
	return any ? sm_drv_cmdq_batch_submit(os, t) : 0;
}

/* arm_smmu_flush_iotlb_all -> arm_smmu_tlb_inv_context. */
static int flush_iotlb_all(struct sm_os *os, uint32_t dom, uint16_t asid,
			   uint64_t *t)
{
	int rc;
	if (os->drv.skip_inv)
		return 0;
	if ((rc = sm_drv_tlb_inv_asid(os, asid, t)) < 0)
		return rc;
	return atc_inv_domain(os, dom, 0, 0, t);
}

/* ---- the default domain's attach ---- */

enum { DIRECT_MAP_NONE, DIRECT_MAP_AFTER, DIRECT_MAP_BEFORE };

/*
 * iommu_create_device_direct_mappings ends with iommu_flush_iotlb_all of
 * the default DMA domain: arm_smmu_flush_iotlb_all -> TLBI_NH_ASID + sync.
 * 6.1 (drivers/iommu/iommu.c, iommu_probe_device) calls it after
 * __iommu_attach_device; 6.12 (iommu_setup_default_domain) before the
 * attach, "in order to guarantee continuity with any FW activity", on a
 * domain the driver finalised (gave its ASID) at allocation, and only when
 * the device has reserved regions (an arm-smmu-v3 PCI device always has
 * its MSI window).  The trace's domains are DMA domains when stage 1.
 */
int sm_dma_attach(struct sm_os *os, uint32_t sid, uint32_t dom, bool cmds,
		  uint64_t *t)
{
	uint8_t when = os->dma.direct_map_flush;
	struct sm_domain *dm;
	int rc;
	if ((rc = sm_drv_need_domain(os, dom, &dm)) < 0)
		return rc;
	bool flush = cmds && dm->stage == 1 && !dm->parent;
	if (flush && when == DIRECT_MAP_BEFORE &&
	    (rc = flush_iotlb_all(os, dom, dm->asid, t)) < 0)
		return rc;
	if ((rc = sm_drv_attach(os, sid, dom, cmds, t)) < 0)
		return rc;
	if (flush && when == DIRECT_MAP_AFTER)
		return flush_iotlb_all(os, dom, dm->asid, t);
	return 0;
}

/* ---- strict: the iotlb gather ---- */

struct gather {
	struct sm_os *os;
	const struct sm_domain *dm;
	uint64_t start, end; /* inclusive; end 0: empty */
	uint64_t pgsize;
	uint64_t t_open; /* when its first leaf was cleared */
};

/* iommu_iotlb_sync -> arm_smmu_iotlb_sync: nothing gathered, nothing to
 * do; else the range, leaf-only, at the gathered page size. */
static int iotlb_sync(struct gather *g, uint64_t *t)
{
	struct sm_os *os = g->os;
	int rc = 0;
	if (!g->pgsize)
		return 0;
	uint64_t size = g->end - g->start + 1;
	if ((rc = sm_drv_dma_window_add(os, g->dm->pgd, g->start, g->end + 1,
					g->t_open)) < 0)
		return rc;
	SM_INC(os->drv.ctr, OS_DMA_STRICT_SYNCS);
	if (!os->drv.skip_inv &&
	    (rc = sm_drv_tlb_inv_range(os, g->dm->asid, g->start, size,
				       g->pgsize, true, t)) == 0)
		rc = atc_inv_domain(os, g->dm->id, g->start, size, t);
	g->start = UINT64_MAX;
	g->end = 0;
	g->pgsize = 0;
	return rc;
}

/* iommu_iotlb_gather_add_page (6.1). */
static int gather_add_page(void *ctx, uint64_t iova, uint64_t size, uint64_t *t)
{
	struct gather *g = ctx;
	uint64_t last = iova + size - 1;
	bool disjoint = g->end && (last + 1 < g->start || iova > g->end + 1);
	int rc;
	if ((g->pgsize && g->pgsize != size) || disjoint)
		if ((rc = iotlb_sync(g, t)) < 0)
			return rc;
	if (!g->pgsize)
		g->t_open = *t;
	g->pgsize = size;
	if (g->start > iova)
		g->start = iova;
	if (g->end < last)
		g->end = last;
	return 0;
}

/* ---- lazy: the flush queues ---- */

static bool fq_full(const struct sm_dma_state *s, const struct fq *q)
{
	return (q->tail + 1) % s->fq_size == q->head;
}

/* fq_ring_free: release the entries a finished flush covered. */
static void fq_ring_free(struct sm_dma_cookie *c, struct fq *q)
{
	struct sm_os *os = c->os;
	while (q->head != q->tail &&
	       q->entries[q->head].counter < c->flush_finish_cnt) {
		SM_INC(os->drv.ctr, OS_DMA_FQ_FREED);
		q->head = (q->head + 1) % os->dma.fq_size;
	}
}

/* fq_flush_iotlb: the ASID-wide invalidation between the two counters;
 * its completion closes the windows of every entry queued before it
 * started, on any CPU. */
static int fq_flush_iotlb(struct sm_dma_cookie *c, uint64_t *t)
{
	struct sm_os *os = c->os;
	c->flush_start_cnt++;
	int rc = flush_iotlb_all(os, c->dom, c->asid, t);
	if (rc < 0)
		return rc;
	c->flush_finish_cnt++;
	for (unsigned i = 0; i < c->nfq; i++) {
		struct fq *q = &c->fq[i];
		for (uint32_t j = q->head; j != q->tail;
		     j = (j + 1) % os->dma.fq_size) {
			struct fq_entry *e = &q->entries[j];
			if (e->counter >= c->flush_finish_cnt)
				break;
			if (!e->covered)
				sm_os_window_close(os, c->root, e->start,
						   e->end, *t);
			e->covered = true;
		}
	}
	return 0;
}

/* fq_flush_timeout: flush, then free every queue. */
static int fq_timer_fire(void *ctx, uint64_t arg)
{
	struct sm_dma_cookie *c = ctx;
	struct sm_os *os = c->os;
	uint64_t t = os->eng->now;
	(void)arg;
	c->timer_on = false;
	SM_INC(os->drv.ctr, OS_DMA_FQ_FLUSH_TIMER);
	int rc = fq_flush_iotlb(c, &t);
	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < c->nfq; i++)
		fq_ring_free(c, &c->fq[i]);
	return 0;
}

/* The jiffy of cycle t, counted from 0 for the one that began before
 * cycle 0: jiffy j >= 1 begins policy.dma.jiffies_phase_ns after cycle 0
 * plus j - 1 ticks.  Only differences of jiffies matter here: the wheel
 * files a level-0 timer by its expiry alone, whatever INITIAL_JIFFIES. */
static unsigned __int128 jiffy_of(const struct sm_dma_state *s, uint64_t t)
{
	return ((unsigned __int128)t * s->hz + s->clock_hz - s->phase * s->hz) /
	       s->clock_hz;
}

/* The first cycle of jiffy j (j >= 1). */
static unsigned __int128 jiffy_start(const struct sm_dma_state *s,
				     unsigned __int128 j)
{
	return s->phase + ((j - 1) * s->clock_hz + s->hz - 1) / s->hz;
}

/* mod_timer(jiffies + timeout): the cycle of the jiffy boundary at which
 * it runs.  The timer wheel files a level-0 timer one bucket later than
 * its expiry so that it never fires early (kernel/time/timer.c
 * calc_index, "Round up with level granularity", since 4.8's
 * non-cascading wheel; 6.1 and 6.12 alike): armed in jiffy j for n
 * jiffies, it runs when jiffy j + n + 1 begins (10 ms at HZ 250: 12 to
 * 16 ms later). */
static int fq_timer_arm(struct sm_dma_cookie *c, uint64_t t)
{
	struct sm_os *os = c->os;
	const struct sm_dma_state *s = &os->dma;
	unsigned __int128 at =
	    jiffy_start(s, jiffy_of(s, t) + s->timeout_jiffies + 1);
	if (at > SM_CYCLE_MAX)
		return sm_err(os->eb, SMMUSIM_ERANGE,
			      "the flush-queue timer would fire past the last "
			      "cycle %" PRIu64 " (2^62)",
			      SM_CYCLE_MAX);
	int rc = sm_engine_at(os->eng, (uint64_t)at, fq_timer_fire, c, 0);
	if (rc == 0)
		c->timer_on = true;
	return rc;
}

/* queue_iova. */
static int queue_iova(struct sm_dma_cookie *c, unsigned cpu, uint64_t start,
		      uint64_t end, uint64_t *t)
{
	struct sm_os *os = c->os;
	struct fq *q = &c->fq[os->dma.single ? 0 : cpu];
	int rc;
	fq_ring_free(c, q);
	if (fq_full(&os->dma, q)) {
		SM_INC(os->drv.ctr, OS_DMA_FQ_FLUSH_FULL);
		if ((rc = fq_flush_iotlb(c, t)) < 0)
			return rc;
		fq_ring_free(c, q);
	}
	q->entries[q->tail] = (struct fq_entry){
	    .start = start, .end = end, .counter = c->flush_start_cnt};
	q->tail = (q->tail + 1) % os->dma.fq_size;
	SM_INC(os->drv.ctr, OS_DMA_FQ_ENTRIES);
	if (!c->timer_on && os->eng)
		return fq_timer_arm(c, *t);
	return 0;
}

/* Lazy: io-pgtable adds nothing to a queued gather. */
static int no_gather(void *ctx, uint64_t iova, uint64_t size, uint64_t *t)
{
	(void)ctx;
	(void)iova;
	(void)size;
	(void)t;
	return 0;
}

/* ---- the DMA API ---- */

int sm_dma_map(struct sm_os *os, uint32_t dom, uint64_t iova, uint64_t len,
	       uint64_t pa, unsigned prot, uint64_t *t)
{
	struct sm_domain *dm;
	int rc = dma_domain(os, dom, &dm);
	if (rc < 0 ||
	    (rc = sm_io_pgtable_map(os, dm, dom, iova, len, pa, prot, t)))
		return rc;
	SM_INC(os->drv.ctr, OS_DMA_MAP);
	return 0;
}

int sm_dma_unmap(struct sm_os *os, uint32_t dom, uint64_t iova, uint64_t len,
		 unsigned cpu, uint64_t *t)
{
	struct sm_dma_state *s = &os->dma;
	struct sm_domain *dm;
	struct sm_dma_cookie *c = NULL;
	int rc;
	if ((rc = dma_domain(os, dom, &dm)) < 0)
		return rc;
	if (cpu >= s->ncpu)
		return sm_err(os->eb, SMMUSIM_ERANGE,
			      "cpu=%u is out of range (0..%u, cpu.count)", cpu,
			      s->ncpu - 1);
	if (s->lazy && (rc = cookie_get(os, dm, &c)) < 0)
		return rc;
	if (!s->lazy) {
		struct gather g = {.os = os, .dm = dm, .start = UINT64_MAX};
		if ((rc = sm_io_pgtable_unmap_dm(os, dm, iova, len,
						 gather_add_page, &g, t)) < 0)
			return rc;
		SM_INC(os->drv.ctr, OS_DMA_UNMAP);
		return iotlb_sync(&g, t);
	}
	uint64_t t0 = *t;
	if ((rc = sm_io_pgtable_unmap_dm(os, dm, iova, len, no_gather, NULL,
					 t)) < 0)
		return rc;
	SM_INC(os->drv.ctr, OS_DMA_UNMAP);
	uint64_t end = iova + ((len + SM_PAGE_SIZE - 1) & SM_PAGE_MASK);
	sm_os_window_open(os, dm->pgd, iova, end, t0);
	return queue_iova(c, cpu, iova, end, t);
}
