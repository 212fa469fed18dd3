/* SPDX-License-Identifier: MIT */
/*
 * libsmmusim: a cycle-level simulator of the Arm SMMUv3, the CPU TLBs beside
 * it, and the Linux kernel policies that keep them coherent.
 *
 * Typical use:
 *
 *     smmusim_config_t *cfg;  smmusim_t *sim;
 *     smmusim_config_new(&cfg, NULL);
 *     smmusim_config_apply_preset(cfg, "policy", "linux-6.6");
 *     smmusim_config_load_file(cfg, "my.conf");   (optional: config.h)
 *     smmusim_new(&sim, cfg, NULL);
 *     smmusim_submit(sim, &event);  ...  or smmusim_replay_file(sim, path);
 *     smmusim_finish(sim);
 *     smmusim_write_report(stdout, &sim, 1, SMMUSIM_FORMAT_TEXT);
 *
 * No global state: several simulators may live in one process; one simulator
 * is driven by one thread at a time.  The library never prints and never
 * exits; failing calls return a negative SMMUSIM_E* code and leave a message
 * with context in smmusim_last_error().
 */
#ifndef SMMUSIM_H
#define SMMUSIM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <smmusim/alloc.h>
#include <smmusim/config.h>
#include <smmusim/cosim.h>
#include <smmusim/error.h>
#include <smmusim/event.h>
#include <smmusim/hooks.h>
#include <smmusim/import.h>
#include <smmusim/stats.h>
#include <smmusim/trace.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Public API: exported from the shared library, which hides everything
 * else (-fvisibility=hidden). */
#pragma GCC visibility push(default)

#define SMMUSIM_VERSION_MAJOR 0
#define SMMUSIM_VERSION_MINOR 2
#define SMMUSIM_VERSION_PATCH 0
#define SMMUSIM_VERSION_STRING "0.2.0"

typedef struct smmusim smmusim_t;

const char *smmusim_version(void);

/* Create a simulator from a config (copied; the caller keeps `cfg`). */
int smmusim_new(smmusim_t **out, const smmusim_config_t *cfg,
		const struct smmusim_allocator *alloc);
/* The same; on failure a message naming the offending key or resource is
 * written to errmsg (if non-NULL), e.g. "cpu.tlb.entries/cpu.tlb.ways: 1000
 * entries is not a non-zero multiple of 3 ways". */
int smmusim_new_ex(smmusim_t **out, const smmusim_config_t *cfg,
		   const struct smmusim_allocator *alloc, char *errmsg,
		   size_t errlen);
void smmusim_free(smmusim_t *sim);

/* Labels carried into reports (both optional, copied). */
int smmusim_set_labels(smmusim_t *sim, const char *policy, const char *trace);

/* Message of the last failure of a call on this simulator ("" if none). */
const char *smmusim_last_error(const smmusim_t *sim);

/*
 * Submit one event.  The simulator runs up to the event's start and executes
 * it; parts of it that take simulated time continue as the clock advances: a
 * device retrying after a page request, and a kernel operation (everything
 * but a device access runs on its PE's kernel thread, one step at a time,
 * docs/model.md "Time") that reaches a cycle where the next event might
 * start.  Errors in the event (an unknown mm, an address outside the stream
 * table) are returned here; an operation that fails after this call
 * returned makes the call that ran the clock then fail, naming its trace
 * line.  The next submit, smmusim_run_until() or smmusim_finish() runs what
 * is left.
 */
int smmusim_submit(smmusim_t *sim, const struct smmusim_event *ev);

/*
 * Tell the simulator, before a submit, the earliest cycle at which the event
 * after it can start: `cycle` for an "@cycle" event, UINT64_MAX when it
 * starts after this one ends (no "@").  The submitted kernel operation then
 * runs up to that cycle before submit returns (to its end with UINT64_MAX,
 * the fastest case).  Without it, submit runs the operation only up to its
 * start.  Replaying a trace does this for every line.  Applies to the next
 * submit only.
 */
void smmusim_set_next_start(smmusim_t *sim, uint64_t cycle);
/* Advance the clock to `cycle`, running everything due before it (SMMU
 * commands consumed by then take effect and are counted). */
int smmusim_run_until(smmusim_t *sim, uint64_t cycle);
/* Run to quiescence and perform end-of-run checks.  No submit afterwards. */
int smmusim_finish(smmusim_t *sim);
/*
 * Replay a trace (format: docs/trace-format.md) then finish: from a file
 * ("-" reads standard input), from an open stream (read from where it is,
 * not closed; `name` stands for FILE in messages, NULL: "<stream>"), or
 * from `len` bytes in memory (no NUL terminator needed; NULL name:
 * "<buffer>").  The first bad line or refused event stops the replay with
 * "FILE:LINE:COLUMN: message" in smmusim_last_error(); to go on past a
 * refused event, read the trace with smmusim_trace_next() (trace.h) and
 * submit each event.  Unless set already, the trace label of the report
 * becomes the path or name.
 */
int smmusim_replay_file(smmusim_t *sim, const char *path);
int smmusim_replay_stream(smmusim_t *sim, const char *name, FILE *f);
int smmusim_replay_buffer(smmusim_t *sim, const char *name, const char *data,
			  size_t len);
/*
 * Replay one trace file into sims[0..n) at once: the file (or standard
 * input, "-") is read and parsed once, each event submitted to every
 * simulator in turn, then each finishes, as smmusim_replay_file() does for
 * one.  On failure, *failed (optional) is the index of the simulator whose
 * smmusim_last_error() says why (sims[0] for a reader error: the trace is
 * read through its allocator).
 */
int smmusim_replay_file_each(smmusim_t *const *sims, size_t n, const char *path,
			     size_t *failed);

/*
 * What a long replay tells its caller, and how the caller steers it: the
 * library never installs signal handlers nor prints, so a program shows
 * progress and stops a replay on an interrupt from these callbacks.
 * `size` must be sizeof(struct smmusim_replay_hooks) (SMMUSIM_EINVAL
 * otherwise: a binding built against another layout fails loudly).
 *
 * progress: called every `progress_every` events (0: 4096) and once at the
 *   end of the trace; returning non-zero stops reading: every run then
 *   finishes what it has started and is reported as interrupted (JSON
 *   "interrupted": true, a column in CSV and JSON Lines), and the replay
 *   returns 0.  bytes_read/bytes_total: the file's bytes (compressed ones
 *   for a compressed file) consumed so far and its size; 0 when unknown
 *   (a pipe).
 * refused: set, an event that a run refuses (a bad mm, an address outside
 *   the stream table: not a reader error, not out of memory) does not stop
 *   the replay: the run skips it, counts it (JSON "refused_events"), and
 *   the callback gets the run's index and its "FILE:LINE:COLUMN: message".
 */
struct smmusim_replay_progress {
	uint64_t events;
	uint64_t bytes_read;
	uint64_t bytes_total;
};
struct smmusim_replay_hooks {
	size_t size;
	uint64_t progress_every;
	int (*progress)(void *ctx, const struct smmusim_replay_progress *p);
	void (*refused)(void *ctx, size_t run, int rc, const char *msg);
	void *ctx;
};
/* smmusim_replay_file_each() with hooks (NULL: none). */
int smmusim_replay_file_each_ex(smmusim_t *const *sims, size_t n,
				const char *path,
				const struct smmusim_replay_hooks *hooks,
				size_t *failed);
/* Whether the run's replay was stopped by its progress hook, and how many
 * events it refused and skipped. */
int smmusim_interrupted(const smmusim_t *sim);
uint64_t smmusim_refused_events(const smmusim_t *sim);
/*
 * For a caller that reads the trace and submits the events itself (e.g. on
 * threads, one simulator each) and wants what the hooks above give a
 * replay.  smmusim_skip_refused: smmusim_submit() returned rc < 0 for an
 * event; the run skips it as the `refused` hook's replay does: counted
 * (smmusim_refused_events()), the error cleared, 0 returned.  An event that
 * ends the run (rc SMMUSIM_ENOMEM, SMMUSIM_EINTERNAL, SMMUSIM_EIO), or a
 * finished run, is not skipped: rc is returned, the error kept;
 * SMMUSIM_EINVAL for rc >= 0.  smmusim_set_interrupted: the caller stopped
 * reading early; the run is reported as interrupted (finish it as usual).
 */
int smmusim_skip_refused(smmusim_t *sim, int rc);
int smmusim_set_interrupted(smmusim_t *sim);

uint64_t smmusim_now(const smmusim_t *sim);
const smmusim_config_t *smmusim_config(const smmusim_t *sim);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
