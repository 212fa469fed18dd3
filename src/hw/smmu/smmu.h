/* SPDX-License-Identifier: MIT */
/*
 * The SMMUv3 model: stream table and CD fetch, configuration cache,
 * micro-TLB, IOTLB, walk cache and table walker (stage 1, stage 2,
 * nested), command queue, event and PRI queues, the stall model, the
 * devices' ATCs (ATS), and broadcast TLB maintenance (BTM).  What each
 * file of src/hw/smmu/ holds is listed at the top of smmu.c.
 *
 * The driver (src/kernel/iommu/arm-smmu-v3/arm-smmu-v3.c) talks to it as
 * software talks to a real SMMU: it writes STEs, CDs and commands into
 * simulated memory and "writes registers" (strtab base, CMDQ base,
 * CMDQ_PROD).  Devices call sm_smmu_device_access() or
 * sm_smmu_translate().  The SMMU never sees a VMA or a notifier.
 */
#ifndef SM_HW_SMMU_SMMU_H
#define SM_HW_SMMU_SMMU_H

#include <stdbool.h>
#include <stdint.h>

#include <smmusim/config.h>

#include "base/errbuf.h"
#include "base/rng.h"
#include "engine/stats.h"
#include "arch/smmu_cmd.h"
#include "arch/tlbi.h"
#include "hw/mem/observe.h"
#include "hw/mem/pgtable.h"
#include "hw/mem/physmem.h"
#include "hw/mem/tcache.h"
#include "hw/cpu/dvm.h"

/* Event record types (spec 7.3 "Event records"): name, type code, and the
 * stat (src/engine/stat_defs/smmu.def) that counts the faults recorded. */
#define SM_SMMU_EVENTS(X)                                                      \
	X(C_BAD_STREAMID, 0x02, SM_STAT_SMMU_FAULTS_C_BAD_STREAMID)            \
	X(F_STE_FETCH, 0x03, SM_STAT_SMMU_FAULTS_F_STE_FETCH)                  \
	X(C_BAD_STE, 0x04, SM_STAT_SMMU_FAULTS_C_BAD_STE)                      \
	X(F_STREAM_DISABLED, 0x06, SM_STAT_SMMU_FAULTS_F_STREAM_DISABLED)      \
	X(C_BAD_SUBSTREAMID, 0x08, SM_STAT_SMMU_FAULTS_C_BAD_SUBSTREAMID)      \
	X(F_CD_FETCH, 0x09, SM_STAT_SMMU_FAULTS_F_CD_FETCH)                    \
	X(C_BAD_CD, 0x0a, SM_STAT_SMMU_FAULTS_C_BAD_CD)                        \
	X(F_TRANSLATION, 0x10, SM_STAT_SMMU_FAULTS_TRANSLATION)                \
	X(F_ADDR_SIZE, 0x11, SM_STAT_SMMU_FAULTS_ADDRESS_SIZE)                 \
	X(F_ACCESS, 0x12, SM_STAT_SMMU_FAULTS_ACCESS_FLAG)                     \
	X(F_PERMISSION, 0x13, SM_STAT_SMMU_FAULTS_PERMISSION)

enum sm_smmu_event {
	SM_EVT_NONE = 0,
#define SM_EVT_ENUM_(n, id, stat) SM_EVT_##n,
	SM_SMMU_EVENTS(SM_EVT_ENUM_)
#undef SM_EVT_ENUM_
	    SM_EVT_COUNT_
};

/* IOTLB entry flags. */
#define SM_IOTLB_F_BTM 0x1 /* filled through a CD with ASET = 0 */
#define SM_IOTLB_F_NEG 0x2 /* a cached translation fault (negative entry) */

/* A decoded (STE, CD) pair, as the configuration cache holds it.  The
 * fields marked "derived" are what every translation of the stream derives
 * from the others (config.c derive_tags, once at the fetch: host time);
 * but for ia_limit they sit in what would be padding. */
struct sm_smmu_ctx {
	bool valid;
	uint8_t fill_flags; /* derived: the flags of its TLB fills */
	uint32_t sid, ssid;
	uint64_t stamp;
	enum sm_smmu_event error; /* config error, or NONE */
	bool bypass, abort;
	uint16_t asid;
	uint64_t ttb0;
	unsigned t0sz;
	bool epd0, aset, record, stall;
	bool eats;   /* STE.EATS = translate: the device may use ATS */
	bool s1, s2; /* stages enabled (both: nested) */
	uint16_t vmid;
	uint16_t tag_vmid; /* derived: VMID of its TLB entries (0: no S2) */
	uint64_t s2ttb;
	unsigned s2t0sz;
	int s2_level;
	bool s2record;
	uint16_t tag_asid; /* derived: ASID of its TLB entries (0: no S1) */
	uint32_t atag;	   /* derived: its lookups' ASID tag (S2 only:
			    * SM_TC_ASID_STAGE2) */
	/* The regime the stages above name (derived once, at the fetch). */
	struct sm_regime rg;
	/* derived: the first input address out of range (0: none is in
	 * range, CD.EPD0) */
	uint64_t ia_limit;
};

struct sm_smmu_xlate {
	enum sm_xlate_outcome outcome;
	enum sm_smmu_event event; /* why it failed */
	bool recorded;		  /* an event record was written */
	bool hit;
	uint64_t pa;
	uint64_t done;
	uint16_t asid;
	/* The translation behind an OK outcome (what an ATC caches). */
	unsigned perm;
	uint64_t page_size, root, root2;
	uint8_t regime;
	int8_t s2_level;
	/* Stall model (CD.S): the fault held the transaction; the kernel
	 * answers with CMD_RESUME of this tag. */
	bool stalled;
	uint16_t stag;
};

/* A queue the SMMU produces into (event queue, PRI queue): a ring of
 * 2^log2size records in memory; PROD/CONS carry a wrap bit above the index
 * (spec 3.5); OVFLG toggles when a record is lost to a full queue. */
struct sm_smmu_queue {
	uint64_t base;
	unsigned log2size, dwords;
	uint32_t prod, cons;
	bool ovflg;
	/* The frame of the queue page last written and its address (NULL
	 * frame: none; queues.c, q_push; host time). */
	struct sm_frame *frame;
	uint64_t frame_pa;
};

/* The SMMU raises an interrupt for a queue that received records. */
struct sm_smmu_irq {
	void (*raise)(void *ctx, int queue, uint64_t cycle);
	void *ctx;
};
#define SM_SMMU_IRQ_EVTQ 0

/* Streams whose configuration cache way is remembered (cfg_hint). */
#define SM_SMMU_CFG_HINTS 16
/* The micro-TLB fills that may wait (struct sm_smmu, utlb_pend). */
#define SM_SMMU_UTLB_PEND 16

struct sm_smmu {
	const struct smmusim_allocator *alloc;
	struct sm_physmem *pm;

	/* "Registers" the driver programs. */
	uint64_t strtab_base;
	unsigned strtab_log2size;
	unsigned strtab_split; /* 0: linear; else 2-level with this SPLIT */
	uint64_t cmdq_base;
	unsigned cmdq_log2size;
	uint32_t cmdq_prod, cmdq_cons; /* index | wrap bit << log2size */
	unsigned cmdq_cerror;	       /* CMDQ_CONS.ERR while halted */
	bool cmdq_halted;	       /* GERROR.CMDQ_ERR not acknowledged */
	uint64_t cmdq_busy_until;
	/* The consumption schedule: cmdq_due[slot] is the cycle the command in
	 * that slot is consumed (CONS moves past it); cmdq_cons is the last
	 * command scheduled, cmdq_seen the first not consumed by the latest
	 * cycle software read CONS at (sm_smmu_cmdq_cons_at). */
	uint64_t *cmdq_due;
	uint32_t cmdq_seen;
	/* The frame of the queue page last read and its address (NULL
	 * frame: none; cmdq.c, read_entry; host time). */
	const struct sm_frame *cmdq_frame;
	uint64_t cmdq_frame_pa;
	/* Commands scheduled and not yet executed, oldest first from
	 * cmdq_pend_head: their effects wait for their consumption cycle. */
	struct sm_smmu_pending_cmd {
		uint64_t c0, c1, due;
	} * cmdq_pend;
	size_t cmdq_pend_head, cmdq_npend, cmdq_cappend;
	struct sm_smmu_queue evtq, priq;
	struct sm_smmu_irq irq;

	/* Caches. */
	struct sm_smmu_ctx *cfg;
	uint32_t cfg_sets, cfg_ways;
	uint64_t cfg_tick;
	/* The way of the configuration cache each stream was last found
	 * in, direct-mapped by (sid, ssid) (sm_smmu_cfg_get; host time). */
	struct sm_smmu_ctx *cfg_hint[SM_SMMU_CFG_HINTS];
	struct sm_tcache iotlb;
	struct sm_tcache utlb; /* per-stream micro-TLB: entries tagged by sid */
	/* Host time: the micro-TLB's fills not made yet, oldest first.  They
	 * wait while the micro-TLB holds nothing else and fewer than
	 * utlb_pend_cap (at most its ways: no fill of them can evict) have
	 * come, because most are dropped by the next invalidation before a
	 * lookup could hit them.  They are made, in order, before the
	 * micro-TLB is read (sm_smmu_utlb_sync): it then holds what it
	 * would have held, in the same ways, with the same LRU order (a
	 * lookup that misses changes nothing). */
	struct sm_tc_entry utlb_pend[SM_SMMU_UTLB_PEND];
	unsigned utlb_npend, utlb_pend_cap;
	uint64_t
	    utlb_pend_pages;   /* bit (va >> 12) % 64 of each (all: a block) */
	struct sm_tcache walk; /* table descriptors, levels 0-2 */
	struct sm_pgt_memo walk_memo; /* host time: sm_pgt_walk_memo */
	bool has_utlb, has_walk, neg_cache;
	/* ATS: the ATCs of the devices behind this SMMU, per StreamID. */
	bool ats;
	struct sm_tcache **atc;
	uint32_t atc_slots;
	/* A device's ATC could not be allocated (host out of memory): the
	 * access went on without it, so the run is no longer the model's
	 * and the simulator stops it (SMMUSIM_ENOMEM). */
	bool host_oom;
	uint64_t atc_entries, atc_ways, lat_ats, lat_atc;

	bool btm; /* IDR0.BTM: the SMMU can take part in broadcast TLBIs */
	bool ptm; /* CR2.PTM: software asked it to ignore them */
	bool ril; /* IDR3.RIL: range invalidation and TTL hints */
	bool perm_fault_from_cache;
	uint64_t lat_iotlb, lat_cfg, lat_cmd, lat_mem, lat_utlb, lat_wc;
	uint64_t lat_cmd_cfgi, lat_cmd_tlbi, lat_cmd_sync, lat_inv_scan;
	uint64_t rx_busy_until;	   /* BTM: applying broadcast TLBIs until */
	struct sm_dvm_ring btm_rx; /* BTM: received, not applied yet */
	/* smmu.xlate_slots: each busy until; the nslots from slot_head are
	 * sorted (of nslots + slot_room: translate.c, slot_busy_until). */
	uint64_t *slot_free;
	unsigned nslots, slot_head, slot_room;
	struct sm_xlate_observer obs;
	/* Stalled transactions (smmu.stall.slots): StreamID and STAG of
	 * each held one; stag_next numbers them. */
	struct sm_stall {
		uint32_t sid;
		uint16_t stag;
		bool used;
	} * stalls;
	unsigned nstall_slots;
	uint16_t stag_next;
	bool ats_request; /* translating an ATS request: never stalls */

	uint64_t *ctr;		     /* the stats by ID (engine/stats.h) */
	struct sm_hist *const *hist; /* the histograms by ID */
	uint64_t *st_cmd[256];	     /* smmu.cmd.<op>, by opcode */
};

int sm_smmu_init(struct sm_smmu *s, const struct smmusim_allocator *a,
		 const smmusim_config_t *cfg, struct sm_physmem *pm,
		 struct sm_stats *stats, struct sm_rng *rng,
		 struct sm_errbuf *eb);
void sm_smmu_fini(struct sm_smmu *s);

/* Register writes (STRTAB_BASE + STRTAB_BASE_CFG, CMDQ_BASE). */
void sm_smmu_set_strtab(struct sm_smmu *s, uint64_t base, unsigned log2size);
/* STRTAB_BASE_CFG.FMT = 2-level with SPLIT `split`. */
void sm_smmu_set_strtab_2lvl(struct sm_smmu *s, uint64_t base,
			     unsigned log2size, unsigned split);
/* CMDQ_BASE write; allocates the consumption schedule (SMMUSIM_ENOMEM). */
int sm_smmu_set_cmdq(struct sm_smmu *s, uint64_t base, unsigned log2size);

/* Translate one access of stream (sid, ssid) at `now`. */
void sm_smmu_translate(struct sm_smmu *s, uint32_t sid, uint32_t ssid,
		       uint64_t va, bool write, uint64_t now, uint32_t tag,
		       struct sm_smmu_xlate *out);

/*
 * CMDQ_PROD write: the SMMU consumes commands from CONS up to `prod`, one
 * after another, each `smmu.lat.cmd` cycles, starting no earlier than `now`
 * and than the end of earlier work.  Returns the cycle at which CONS has
 * caught up (or halted on an illegal command); each command's consumption
 * cycle is kept (sm_smmu_cmdq_due).  A command takes effect at that
 * cycle: effects are applied lazily, in order, when something observes the
 * SMMU at a later cycle (sm_smmu_cmdq_catch_up), except RESUME and
 * STALL_TERM, which act on a device and are applied at the PROD write.
 * Returns ~0 on SMMUSIM_ENOMEM for the pending list (never with a legal
 * driver queue of the default size).
 */
uint64_t sm_smmu_write_prod(struct sm_smmu *s, uint32_t prod, uint64_t now);
/* The same, for a writer that has written one command since its last PROD
 * write (the driver's CMD_RESUME after a stall): a lone RESUME is consumed
 * without the loop (host time), anything else as sm_smmu_write_prod does. */
uint64_t sm_smmu_write_prod_one(struct sm_smmu *s, uint32_t prod, uint64_t now);
/* Apply the effects of every command consumed by `now` (UINT64_MAX: all),
 * and of every broadcast TLBI applied by then (BTM), in cycle order: called
 * before anything observes the SMMU's caches at `now`.  Inline because it
 * runs before every event and translation and most find nothing due (host
 * time); the work is sm_smmu_cmdq_catch_up_due's. */
void sm_smmu_cmdq_catch_up_due(struct sm_smmu *s, uint64_t now);
static inline void sm_smmu_cmdq_catch_up(struct sm_smmu *s, uint64_t now)
{
	if ((s->cmdq_pend_head < s->cmdq_npend &&
	     s->cmdq_pend[s->cmdq_pend_head].due <= now) ||
	    sm_dvm_ring_due(&s->btm_rx, now))
		sm_smmu_cmdq_catch_up_due(s, now);
}
/* CMDQ_CONS as software reads it at `now`: the first command whose
 * consumption cycle is after `now` (CMDQ_PROD if all are consumed).  Reads
 * at decreasing cycles see no earlier CONS than a previous read.  Inline
 * because the driver reads it for every command it writes (host time). */
static inline uint32_t sm_smmu_cmdq_cons_at(struct sm_smmu *s, uint64_t now)
{
	uint32_t n = 1u << s->cmdq_log2size;
	/* In a local, stored once (host time). */
	uint32_t seen = s->cmdq_seen, cons = s->cmdq_cons;
	const uint64_t *due = s->cmdq_due;
	while (seen != cons && due[seen & (n - 1)] <= now)
		seen = (seen + 1) & (2 * n - 1);
	s->cmdq_seen = seen;
	return seen;
}
/* The cycle the scheduled command at queue index `index` (with its wrap
 * bit) is consumed. */
static inline uint64_t sm_smmu_cmdq_due(const struct sm_smmu *s, uint32_t index)
{
	return s->cmdq_due[index & ((1u << s->cmdq_log2size) - 1)];
}
/* GERROR acknowledged by software: resume after the faulting command. */
void sm_smmu_ack_cmdq_error(struct sm_smmu *s);
static inline uint32_t sm_smmu_cmdq_entries(const struct sm_smmu *s)
{
	return 1u << s->cmdq_log2size;
}

/* SMMU_CR2 write, the PTM field (Private TLB Maintenance, spec 6.3 SMMU_CR2):
 * with PTM = 1 the SMMU applies no broadcast TLB invalidation, even if it
 * implements BTM.  Linux's arm_smmu_device_reset always sets it.  The model
 * starts with PTM = 0, so an SMMU driven without the driver model (unit
 * tests, raw traces) takes part in BTM when smmu.btm is on. */
static inline void sm_smmu_write_cr2_ptm(struct sm_smmu *s, bool ptm)
{
	s->ptm = ptm;
}

/* EVTQ_BASE / PRIQ_BASE register writes. */
void sm_smmu_set_evtq(struct sm_smmu *s, uint64_t base, unsigned log2size);
void sm_smmu_set_priq(struct sm_smmu *s, uint64_t base, unsigned log2size);
/* A device's page request (PCIe PRI) for (sid, ssid, va): a PRIQ record.
 * Returns false if the queue was full and the request is lost. */
bool sm_smmu_page_request(struct sm_smmu *s, uint32_t sid, uint32_t ssid,
			  uint64_t va, bool write);
/* Software consumed records: CONS catches up with PROD (EVTQ,
 * sm_smmu_evtq_drain, below) or by one (PRIQ); returns how many records
 * were consumed. */
bool sm_smmu_priq_pop(struct sm_smmu *s, uint32_t *sid, uint32_t *ssid,
		      uint64_t *va, bool *write);
static inline uint32_t sm_smmu_queue_used(const struct sm_smmu_queue *q)
{
	uint32_t n2 = 2u << q->log2size;
	return (q->prod - q->cons + n2) & (n2 - 1);
}
/* (Inline: the event thread drains once per stalled fault, host time.) */
static inline uint32_t sm_smmu_evtq_drain(struct sm_smmu *s)
{
	uint32_t n = sm_smmu_queue_used(&s->evtq);
	s->evtq.cons = s->evtq.prod;
	return n;
}

/* ATS (atc.c).  A device access: through the device's ATC when its STE
 * allows ATS and dev.ats is on (sm_smmu_ats_device_access), else an
 * ordinary translation (inline: the device's call is the translation's,
 * host time). */
void sm_smmu_ats_device_access(struct sm_smmu *s, uint32_t sid, uint32_t ssid,
			       uint64_t va, bool write, uint64_t now,
			       uint32_t tag, struct sm_smmu_xlate *out);
static inline void sm_smmu_device_access(struct sm_smmu *s, uint32_t sid,
					 uint32_t ssid, uint64_t va, bool write,
					 uint64_t now, uint32_t tag,
					 struct sm_smmu_xlate *out)
{
	if (s->ats)
		sm_smmu_ats_device_access(s, sid, ssid, va, write, now, tag,
					  out);
	else
		sm_smmu_translate(s, sid, ssid, va, write, now, tag, out);
}
/* The stall slot holding (sid, stag), NULL if none does (stall.c).
 * Inline, like the two below: a stalled fault's hold, its device's check
 * and the RESUME each look once (host time). */
static inline struct sm_stall *sm_smmu_stall_find(const struct sm_smmu *s,
						  uint32_t sid, uint16_t stag)
{
	for (unsigned i = 0; i < s->nstall_slots; i++)
		if (s->stalls[i].used && s->stalls[i].sid == sid &&
		    s->stalls[i].stag == stag)
			return &s->stalls[i];
	return NULL;
}
/* Is the stalled transaction (sid, stag) still held? */
static inline bool sm_smmu_stall_held(const struct sm_smmu *s, uint32_t sid,
				      uint16_t stag)
{
	return sm_smmu_stall_find(s, sid, stag) != NULL;
}
void sm_smmu_atc_for_each(const struct sm_smmu *s, sm_tc_visit_fn fn,
			  void *ctx);
/* CMD_ATC_INV for [iova, iova + size) of (sid, ssid); size 0 = all
 * (arm_smmu_atc_inv_to_cmd's aligned power-of-two span). */
void sm_smmu_atc_inv_cmd(uint64_t c[2], uint32_t sid, uint32_t ssid,
			 uint64_t iova, uint64_t size);

/* BTM: a broadcast TLBI from a PE, arriving at `arrive`.  Returns the
 * cycle the SMMU has applied it; it takes effect then
 * (sm_smmu_cmdq_catch_up). */
uint64_t sm_smmu_dvm_apply(void *smmu, const struct sm_tlbi *t,
			   uint64_t arrive);

/* Read-only views for the composition root (src/sim) and the driver.
 * IDR0.BTM: the SMMU is wired as a DVM receiver; whether it applies what it
 * receives is CR2.PTM's business (sm_smmu_dvm_apply). */
static inline bool sm_smmu_has_btm(const struct sm_smmu *s)
{
	return s->btm;
}
/* Make the micro-TLB fills that wait (struct sm_smmu, utlb_pend). */
void sm_smmu_utlb_sync(struct sm_smmu *s);
/* The TLBs that hold leaf translations: IOTLB, micro-TLB (its waiting
 * fills made first), then each ATC. */
static inline void sm_smmu_for_each_tlb(struct sm_smmu *s, sm_tc_visit_fn fn,
					void *ctx)
{
	fn(ctx, &s->iotlb);
	sm_smmu_utlb_sync(s);
	if (s->has_utlb)
		fn(ctx, &s->utlb);
	sm_smmu_atc_for_each(s, fn, ctx);
}

#endif
