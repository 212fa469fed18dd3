/* SPDX-License-Identifier: MIT */
/*
 * Soak: does one simulator stay the same size over 10^8 events?
 *
 * Issue 8 asks that a long replay use flat host memory: whatever the
 * simulator keeps per event (counters, histograms, the oracle's shadow
 * state, page tables, the event heap) must be bounded by the simulated
 * machine, not by the length of the run.  This benchmark streams generated
 * events through smmusim_submit() -- generated one at a time, never held in
 * memory, so the only thing that can grow is the simulator -- and prints
 * the resident set size at every power of ten (10^3 .. --events) and at
 * the end:
 *
 *   VmRSS, VmHWM   /proc/self/status (the kernel's view: current and peak
 *                  resident set of the whole process)
 *   allocated,     jemalloc's stats.allocated and stats.resident when the
 *   resident       benchmark is built with jemalloc (-DSMMUSIM_HAVE_JEMALLOC):
 *                  bytes the program holds, independent of how the
 *                  allocator returns pages
 *
 * and the events/s of each interval.  It exits 1 if the peak RSS (VmHWM)
 * at the end is more than 10% above the peak RSS at 10^6 events (or, for a
 * shorter run, at the largest power of ten at most a tenth of --events;
 * below 10^4 events nothing is compared).
 *
 * The workload is replay-speed's mix (bench/replay-speed.c), plus what a
 * long-lived system also does that a short benchmark does not repeat:
 *
 *   --procs processes with a 2 MiB private buffer and an SVA stream each:
 *   42%  dev_access   a device reads or writes a page of its buffer
 *   42%  cpu_access   a CPU writes (3/4) or reads a page of a buffer
 *    7%  mprotect     a 64 KiB sub-range (1 in 8: all of it) r or rw
 *    5%  munmap + mmap of a 64 KiB sub-range
 *    2%  dma          a read or write through a DMA domain (stage 1,
 *                     one stream, sid = --procs) over a 2 MiB IOVA window
 *    1%  iommu_unmap, TLBI_NH_ALL, CMD_SYNC, iommu_map of a 64 KiB
 *                     sub-range of that window (fresh pages)
 *    1%  recycle      a process ends and a new one takes its place:
 *                     unbind, mm_exit, mm_create, mmap, bind
 *
 * Each event starts 0..63 cycles after the previous one has finished; the
 * same seed gives the same events.
 *
 *   soak [--events N] [--policy P] [--no-check] [--procs N] [--seed S]
 *        [--without vma|dma|remap|recycle]... [-o key=value]...
 *
 * --without leaves a part of the mix out (its draws become accesses), to
 * find which part makes memory grow.
 *
 * Exit status: 0 flat, 1 not flat or a library call failed, 2 bad usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <smmusim/smmusim.h>

#include "bench_util.h"

#define DEFAULT_EVENTS 100000000ull
#define BUF_VA 0x40000000ull
#define IOVA 0x80000000ull
#define BUF_PAGES 512u /* 2 MiB */
#define SUB_PAGES 16u  /* 64 KiB */
#define PAGE 4096ull
#define DMA_DOM 1u
#define CMD_TLBI_NH_ALL 0x10u /* Linux CMDQ_OP_TLBI_NH_ALL */
#define CMD_SYNC 0x46u	      /* Linux CMDQ_OP_CMD_SYNC */
#define MAX_O 32
#define FLAT_PERCENT 10u

/* --without PART: leave a part of the mix out (its draws become accesses),
 * to find which part makes memory grow. */
#define WITHOUT_VMA 1u	   /* mprotect, munmap + mmap */
#define WITHOUT_DMA 2u	   /* DMA accesses and remaps */
#define WITHOUT_REMAP 4u   /* iommu_unmap + iommu_map only */
#define WITHOUT_RECYCLE 8u /* process exit and re-creation */

struct soak {
	smmusim_t *sim;
	uint64_t rng;
	uint64_t submitted;
	unsigned procs;
	unsigned cpus;
	unsigned without; /* WITHOUT_* parts of the mix left out */
	uint32_t *mm_of;  /* current mm id of each process slot */
	uint32_t next_mm;
};

/* One measurement point. */
struct sample {
	uint64_t events;
	double seconds;
	uint64_t rss_kb, hwm_kb;
	uint64_t allocated, resident; /* jemalloc, 0 without it */
};

static int submit(struct soak *s, struct smmusim_event *ev)
{
	return bench_submit("soak", s->sim, &s->submitted, ev);
}

static int submit_all(struct soak *s, struct smmusim_event *evs, int n)
{
	return bench_submit_all("soak", s->sim, &s->submitted, evs, n);
}

/* mm_create, a 2 MiB buffer, an SVA stream bound to it (sid = slot). */
static int proc_start(struct soak *s, unsigned slot)
{
	struct smmusim_event evs[3];

	s->mm_of[slot] = s->next_mm++;
	bench_proc_start(evs, s->mm_of[slot], slot, slot % s->cpus, BUF_VA,
			 BUF_PAGES * PAGE);
	return submit_all(s, evs, 3);
}

static int proc_end(struct soak *s, unsigned slot)
{
	struct smmusim_event evs[2];

	bench_proc_end(evs, s->mm_of[slot], slot, slot % s->cpus);
	return submit_all(s, evs, 2);
}

static int setup(struct soak *s)
{
	struct smmusim_event evs[3] = {
	    {.type = SMMUSIM_EV_DOMAIN_CREATE, .dom = DMA_DOM},
	    {.type = SMMUSIM_EV_ATTACH,
	     .sid = s->procs,
	     .dom = DMA_DOM,
	     .cmds = true},
	    {.type = SMMUSIM_EV_IOMMU_MAP,
	     .dom = DMA_DOM,
	     .va = IOVA,
	     .len = BUF_PAGES * PAGE,
	     .prot = SMMUSIM_PROT_R | SMMUSIM_PROT_W},
	};
	int rc = submit_all(s, evs, 3);
	for (unsigned i = 0; rc == 0 && i < s->procs; i++)
		rc = proc_start(s, i);
	return rc;
}

static int teardown(struct soak *s)
{
	for (unsigned i = 0; i < s->procs; i++) {
		int rc = proc_end(s, i);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* A device or CPU access to a page of process p's buffer. */
static int step_access(struct soak *s, struct smmusim_event *ev, unsigned p,
		       int dev)
{
	ev->va = BUF_VA + bench_rand_below(&s->rng, BUF_PAGES) * PAGE;
	if (dev) {
		ev->type = SMMUSIM_EV_DEV_ACCESS;
		ev->sid = p;
		ev->ssid = 1;
		ev->op = bench_rand_below(&s->rng, 2) ? SMMUSIM_ACC_WRITE
						      : SMMUSIM_ACC_READ;
	} else {
		ev->type = SMMUSIM_EV_CPU_ACCESS;
		ev->op = bench_rand_below(&s->rng, 4) ? SMMUSIM_ACC_WRITE
						      : SMMUSIM_ACC_READ;
	}
	return submit(s, ev);
}

/* mprotect, or munmap + mmap, of a 64 KiB sub-range of a buffer. */
static int step_vma(struct soak *s, struct smmusim_event *ev, int protect)
{
	uint32_t sub = bench_rand_below(&s->rng, BUF_PAGES / SUB_PAGES);
	ev->va = BUF_VA + (uint64_t)sub * SUB_PAGES * PAGE;
	ev->len = SUB_PAGES * PAGE;
	if (protect) {
		ev->type = SMMUSIM_EV_MPROTECT;
		if (bench_rand_below(&s->rng, 8) == 0) {
			ev->va = BUF_VA;
			ev->len = BUF_PAGES * PAGE;
		}
		ev->prot = bench_rand_below(&s->rng, 2)
			       ? SMMUSIM_PROT_R | SMMUSIM_PROT_W
			       : SMMUSIM_PROT_R;
		return submit(s, ev);
	}
	ev->type = SMMUSIM_EV_MUNMAP;
	int rc = submit(s, ev);
	if (rc < 0)
		return rc;
	ev->type = SMMUSIM_EV_MMAP;
	ev->time = 0;
	ev->prot = SMMUSIM_PROT_R | SMMUSIM_PROT_W;
	ev->map = SMMUSIM_MAP_PRIVATE;
	return submit(s, ev);
}

/* A DMA access through the domain, or an unmap + map of a sub-range. */
static int step_dma(struct soak *s, struct smmusim_event *ev, int remap)
{
	if (!remap) {
		ev->type = SMMUSIM_EV_DEV_ACCESS;
		ev->sid = s->procs;
		ev->ssid = SMMUSIM_NO_SSID;
		ev->va = IOVA + bench_rand_below(&s->rng, BUF_PAGES) * PAGE;
		ev->op = bench_rand_below(&s->rng, 2) ? SMMUSIM_ACC_WRITE
						      : SMMUSIM_ACC_READ;
		return submit(s, ev);
	}
	uint32_t sub = bench_rand_below(&s->rng, BUF_PAGES / SUB_PAGES);
	ev->type = SMMUSIM_EV_IOMMU_UNMAP;
	ev->dom = DMA_DOM;
	ev->va = IOVA + (uint64_t)sub * SUB_PAGES * PAGE;
	ev->len = SUB_PAGES * PAGE;
	int rc = submit(s, ev);
	/* iommu_unmap issues no invalidation (docs/trace-format.md): the
	 * driver's TLBI and CMD_SYNC are the trace's, as in an import. */
	struct smmusim_event inv[2] = {
	    {.type = SMMUSIM_EV_CMD, .opcode = CMD_TLBI_NH_ALL},
	    {.type = SMMUSIM_EV_CMD, .opcode = CMD_SYNC},
	};
	if (rc < 0 || (rc = submit_all(s, inv, 2)) < 0)
		return rc;
	ev->type = SMMUSIM_EV_IOMMU_MAP;
	ev->time = 0;
	ev->prot = SMMUSIM_PROT_R | SMMUSIM_PROT_W;
	return submit(s, ev);
}

/* One step of the mix: one to five events. */
static int step(struct soak *s)
{
	uint32_t r = bench_rand_below(&s->rng, 100);
	uint32_t p = bench_rand_below(&s->rng, s->procs);
	struct smmusim_event ev = {
	    .timing = SMMUSIM_AFTER_PREV,
	    .time = bench_rand(&s->rng) & 63,
	    .mm = s->mm_of[p],
	    .cpu = bench_rand_below(&s->rng, s->cpus),
	};

	if (r < 84 || (r < 96 && (s->without & WITHOUT_VMA)) ||
	    (r >= 96 && r < 99 && (s->without & WITHOUT_DMA)) ||
	    (r == 98 && (s->without & WITHOUT_REMAP)) ||
	    (r == 99 && (s->without & WITHOUT_RECYCLE)))
		return step_access(s, &ev, p, r & 1);
	if (r < 96)
		return step_vma(s, &ev, r < 91);
	if (r < 99)
		return step_dma(s, &ev, r == 98);
	int rc = proc_end(s, p);
	return rc < 0 ? rc : proc_start(s, p);
}

/* "VmRSS:     1234 kB" lines of /proc/self/status (Linux only; 0 else). */
static void read_status(uint64_t *rss_kb, uint64_t *hwm_kb)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");
	*rss_kb = *hwm_kb = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "VmRSS:", 6))
			*rss_kb = strtoull(line + 6, NULL, 10);
		else if (!strncmp(line, "VmHWM:", 6))
			*hwm_kb = strtoull(line + 6, NULL, 10);
	}
	fclose(f);
}

static void read_jemalloc(uint64_t *allocated, uint64_t *resident)
{
	*allocated = bench_jemalloc_stat("stats.allocated");
	*resident = bench_jemalloc_stat("stats.resident");
}

static void take_sample(struct soak *s, double t0, struct sample *out)
{
	out->events = s->submitted;
	out->seconds = bench_now_seconds() - t0;
	read_status(&out->rss_kb, &out->hwm_kb);
	read_jemalloc(&out->allocated, &out->resident);
}

static void print_sample(const struct sample *cur, const struct sample *prev)
{
	double dt = cur->seconds - (prev ? prev->seconds : 0.0);
	uint64_t de = cur->events - (prev ? prev->events : 0);
	printf("%12" PRIu64 " %9.1f %10.0f %10" PRIu64 " %10" PRIu64,
	       cur->events, cur->seconds, dt > 0 ? (double)de / dt : 0.0,
	       cur->rss_kb, cur->hwm_kb);
	if (BENCH_HAVE_JEMALLOC)
		printf(" %12" PRIu64 " %12" PRIu64, cur->allocated / 1024,
		       cur->resident / 1024);
	printf("\n");
	fflush(stdout);
}

static const char usage[] =
    "usage: soak [--events N] [--policy P] [--no-check] [--procs N]\n"
    "            [--seed S] [--without PART]... [-o key=value]...\n"
    "  --events N   events to submit (default 100000000)\n"
    "  --policy P   policy preset (default linux-6.6)\n"
    "  --no-check   disable the coherence oracle (check.enable=off)\n"
    "  --procs N    processes, each with a bound device stream (default "
    "8)\n"
    "  --seed S     seed of the workload generator (default 1)\n"
    "  --without P  leave part P of the mix out: vma, dma, remap (only\n"
    "               iommu_unmap + iommu_map), recycle (process exit)\n"
    "  -o key=value any configuration key (smmusim config --list)\n";

struct options {
	uint64_t events, procs, seed;
	const char *policy;
	const char *assign[MAX_O];
	int nassign, no_check;
	unsigned without;
};

static int parse_without(const char *v, unsigned *without)
{
	static const struct {
		const char *name;
		unsigned bit;
	} parts[] = {{"vma", WITHOUT_VMA},
		     {"dma", WITHOUT_DMA},
		     {"remap", WITHOUT_REMAP},
		     {"recycle", WITHOUT_RECYCLE}};
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		if (!strcmp(v, parts[i].name)) {
			*without |= parts[i].bit;
			return 0;
		}
	}
	fprintf(stderr,
		"soak: --without: '%s' is not vma, dma, remap or recycle\n", v);
	return -1;
}

/* 0 to run, 1 done (--help), 2 bad usage. */
static int parse_args(int argc, char **argv, struct options *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		int rc = 0;
		if (bench_help(a, usage)) {
			return 1;
		} else if (!strcmp(a, "--no-check")) {
			o->no_check = 1;
			continue;
		}
		if (!v)
			return bench_bad_option("soak", a, v, usage);
		if (!strcmp(a, "--events"))
			rc = bench_parse_u64("soak", a, v, 1, UINT64_MAX,
					     &o->events);
		else if (!strcmp(a, "--procs"))
			rc = bench_parse_u64("soak", a, v, 1, 256, &o->procs);
		else if (!strcmp(a, "--seed"))
			rc = bench_parse_u64("soak", a, v, 0, UINT64_MAX,
					     &o->seed);
		else if (!strcmp(a, "--policy"))
			o->policy = v;
		else if (!strcmp(a, "--without"))
			rc = parse_without(v, &o->without);
		else if (!strcmp(a, "-o") && o->nassign < MAX_O)
			o->assign[o->nassign++] = v;
		else
			return bench_bad_option("soak", a, v, usage);
		if (rc < 0)
			return 2;
		i++;
	}
	return 0;
}

/* The simulator of the options, or NULL (message printed). */
static smmusim_t *make_sim(const struct options *o, unsigned *cpus, int *status)
{
	smmusim_config_t *cfg;
	smmusim_t *sim = NULL;
	char text[32], err[256];
	int rc;

	*status = bench_config("soak", o->policy, o->assign, o->nassign,
			       o->no_check, &cfg);
	if (*status)
		return NULL;
	*status = 1;
	smmusim_config_get(cfg, "cpu.count", text, sizeof(text));
	*cpus = (unsigned)strtoul(text, NULL, 10);
	smmusim_config_get(cfg, "check.enable", text, sizeof(text));
	printf("soak: policy %s, check.enable=%s, %" PRIu64
	       " processes, cpu.count=%u, seed %" PRIu64 ", %" PRIu64
	       " events\n",
	       o->policy, text, o->procs, *cpus, o->seed, o->events);
	rc = smmusim_new_ex(&sim, cfg, NULL, err, sizeof(err));
	smmusim_config_free(cfg);
	if (rc < 0) {
		fprintf(stderr, "soak: %s\n", err);
		return NULL;
	}
	smmusim_set_labels(sim, o->policy, "soak");
	return sim;
}

/* The sample flatness is measured against: 10^6 events, or for a shorter
 * run the largest power of ten at most a tenth of the run (>= 10^3). */
static uint64_t baseline_events(uint64_t events)
{
	uint64_t b = 1000;
	if (events < 10000)
		return 0;
	while (b * 10 <= events / 10 && b < 1000000)
		b *= 10;
	return b;
}

static int run(struct soak *s, uint64_t events)
{
	struct sample prev = {0}, cur, base = {0};
	uint64_t next = 1000, want_base = baseline_events(events);
	int have_prev = 0, rc;

	printf("%12s %9s %10s %10s %10s", "events", "seconds", "events/s",
	       "VmRSS kB", "VmHWM kB");
	if (BENCH_HAVE_JEMALLOC)
		printf(" %12s %12s", "alloc kB", "resident kB");
	printf("\n");
	double t0 = bench_now_seconds();
	rc = setup(s);
	while (rc == 0 && s->submitted < events) {
		rc = step(s);
		if (rc < 0 || (s->submitted < next && s->submitted < events))
			continue;
		take_sample(s, t0, &cur);
		print_sample(&cur, have_prev ? &prev : NULL);
		if (want_base && !base.events && cur.events >= want_base)
			base = cur;
		prev = cur;
		have_prev = 1;
		while (next <= s->submitted)
			next *= 10;
	}
	if (rc == 0)
		rc = teardown(s);
	if (rc == 0 && (rc = smmusim_finish(s->sim)) < 0)
		fprintf(stderr, "soak: finish: %s (%s)\n",
			smmusim_last_error(s->sim), smmusim_errname(rc));
	if (rc < 0)
		return 1;

	uint64_t cycles = 0;
	smmusim_stat_get(s->sim, "sim.cycles", &cycles);
	printf("simulated cycles: %" PRIu64 ", violations total: %" PRIu64 "\n",
	       cycles, smmusim_violation_total(s->sim));
	if (!base.events) {
		printf("flat: not measured (fewer than 10000 events)\n");
		return 0;
	}
	double growth =
	    100.0 * ((double)prev.hwm_kb - (double)base.hwm_kb) / base.hwm_kb;
	int flat = prev.hwm_kb * 100 <= base.hwm_kb * (100 + FLAT_PERCENT);
	printf("peak RSS %" PRIu64 " kB at %" PRIu64 " events, %" PRIu64
	       " kB at %" PRIu64 " events: %+.1f%% (%s, limit +%u%%)\n",
	       base.hwm_kb, base.events, prev.hwm_kb, prev.events, growth,
	       flat ? "flat" : "NOT flat", FLAT_PERCENT);
	return flat ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct options o = {.events = DEFAULT_EVENTS,
			    .procs = 8,
			    .seed = 1,
			    .policy = "linux-6.6"};
	int status = parse_args(argc, argv, &o);
	if (status)
		return status == 1 ? 0 : status;

	struct soak s = {
	    .rng = o.seed * 0x9e3779b97f4a7c15ull + 0x2545f4914f6cdd1dull,
	    .procs = (unsigned)o.procs,
	    .without = o.without,
	    .next_mm = 1,
	};
	if (!s.rng)
		s.rng = 1; /* xorshift's one fixed point */
	s.sim = make_sim(&o, &s.cpus, &status);
	if (!s.sim)
		return status;
	s.mm_of = calloc(o.procs, sizeof(*s.mm_of));
	if (!s.mm_of) {
		smmusim_free(s.sim);
		return 1;
	}
	status = run(&s, o.events);
	smmusim_free(s.sim);
	free(s.mm_of);
	return status;
}
