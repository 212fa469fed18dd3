/* SPDX-License-Identifier: MIT */
/*
 * smmusim replay -j N with several --policy: the trace read and parsed
 * once, on this thread, the simulators run on N threads (each simulator on
 * one thread only: the library keeps no global state, so simulators are
 * independent; a simulator's kernel threads are fibers of the thread that
 * runs it).
 *
 * The events go through a ring of SLOTS chunks of CHUNK events: the reader
 * fills a chunk once every worker has moved past the one it replaces, and
 * each worker hands every event to its simulators as
 * smmusim_replay_file_each() does (the next event's start first, read one
 * event ahead, across chunks), so memory stays bounded for any trace and
 * standard input works.  The result is -j 1's: the reports are the
 * simulators' own; a failure is the one -j 1 would stop at, the refused
 * event earliest in the trace (then the lowest simulator), else the
 * reader's error, else the first simulator whose finish failed, with -j
 * 1's message.  Differences: -j 1 reads the trace through the first
 * simulator's allocator (its sim.max_host_memory counts the reader's
 * buffers), here the reader uses the default allocator; no progress line;
 * an interrupt (SIGINT, SIGTERM) stops the replay without a report, where
 * -j 1 reports the runs as interrupted; --keep-going needs -j 1 (the
 * library's replay skips refused events, these threads cannot).
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define CHUNK 4096
#define SLOTS 4
#define MSG_LEN 512 /* the library's message buffers */

struct chunk {
	struct smmusim_event ev[CHUNK];
	size_t n;
	bool last; /* no chunk after this one */
};

/* A failure: at event `at` (UINT64_MAX: at the finish) of simulator
 * `sim`, with its message. */
struct failure {
	uint64_t at;
	size_t sim;
	int rc;
	char msg[MSG_LEN];
};

struct jobs {
	smmusim_t *const *sims;
	size_t n_sims, n_workers;
	const char *name; /* the trace in messages */
	int (*stop)(void);

	pthread_mutex_t mu;
	pthread_cond_t published_cv, freed_cv;
	struct chunk *slot[SLOTS];
	uint64_t published; /* chunks [0, published) are readable */
	uint64_t *pos;	    /* per worker: the chunk it reads; UINT64_MAX:
			     * it has stopped */
	int reader_rc;	    /* < 0: the reader failed after the last chunk */
	char reader_msg[MSG_LEN];
	struct failure *fail; /* per worker, rc 0: none */
};

struct worker {
	struct jobs *j;
	size_t id;
};

/* Chunk `seq`, once published. */
static struct chunk *wait_chunk(struct jobs *j, uint64_t seq)
{
	struct chunk *c;

	pthread_mutex_lock(&j->mu);
	while (j->published <= seq)
		pthread_cond_wait(&j->published_cv, &j->mu);
	c = j->slot[seq % SLOTS];
	pthread_mutex_unlock(&j->mu);
	return c;
}

/* Worker `w` reads chunk `pos` from now on (UINT64_MAX: none). */
static void move_on(struct jobs *j, size_t w, uint64_t pos)
{
	pthread_mutex_lock(&j->mu);
	j->pos[w] = pos;
	pthread_cond_broadcast(&j->freed_cv);
	pthread_mutex_unlock(&j->mu);
}

/* Simulator i refused event ev: -j 1's message, "TRACE:LINE:COLUMN: ". */
static void refused(struct failure *f, const struct jobs *j, size_t i,
		    uint64_t at, const struct smmusim_event *ev, int rc)
{
	char prefix[MSG_LEN];

	snprintf(prefix, sizeof(prefix), "%s:%" PRIu32 ":%" PRIu32, j->name,
		 ev->line, ev->column);
	f->at = at;
	f->sim = i;
	f->rc = rc;
	/* cut as the library cuts it (its buffers hold MSG_LEN bytes) */
	if (snprintf(f->msg, sizeof(f->msg), "%s: %s", prefix,
		     msg_or(smmusim_last_error(j->sims[i]), rc)) < 0)
		f->msg[0] = '\0';
}

/* Event ev to every simulator of worker w (those i with i % n_workers ==
 * w), the next event's start told first; false at the first refusal. */
static bool submit_all(struct jobs *j, size_t w, uint64_t at,
		       const struct smmusim_event *ev,
		       const struct smmusim_event *next)
{
	uint64_t next_start =
	    next && next->timing == SMMUSIM_AT ? next->time : UINT64_MAX;

	for (size_t i = w; i < j->n_sims; i += j->n_workers) {
		int rc;

		smmusim_set_next_start(j->sims[i], next_start);
		rc = smmusim_submit(j->sims[i], ev);
		if (rc < 0) {
			refused(&j->fail[w], j, i, at, ev, rc);
			return false;
		}
	}
	return true;
}

/* Every event to the worker's simulators, then their finish. */
static void *work(void *arg)
{
	struct worker *wk = arg;
	struct jobs *j = wk->j;
	uint64_t seq = 0, at = 0;
	struct chunk *c = wait_chunk(j, 0);
	bool ok = true;

	for (size_t i = 0; ok;) {
		const struct smmusim_event *next = NULL;

		if (i == c->n) {
			if (c->last)
				break;
			move_on(j, wk->id, ++seq);
			c = wait_chunk(j, seq);
			i = 0;
			continue;
		}
		if (i + 1 < c->n) {
			next = &c->ev[i + 1];
		} else if (!c->last) {
			const struct chunk *nc = wait_chunk(j, seq + 1);

			next = nc->n ? &nc->ev[0] : NULL;
		}
		ok = submit_all(j, wk->id, at++, &c->ev[i], next);
		i++;
	}
	if (ok && j->reader_rc == 0)
		for (size_t i = wk->id; i < j->n_sims; i += j->n_workers) {
			int rc = smmusim_finish(j->sims[i]);

			if (rc < 0) {
				struct failure *f = &j->fail[wk->id];

				f->at = UINT64_MAX;
				f->sim = i;
				f->rc = rc;
				snprintf(
				    f->msg, sizeof(f->msg), "%s",
				    msg_or(smmusim_last_error(j->sims[i]), rc));
				break;
			}
		}
	move_on(j, wk->id, UINT64_MAX);
	return NULL;
}

/* Wait until slot seq % SLOTS is free; false when every worker stopped. */
static bool wait_slot(struct jobs *j, uint64_t seq)
{
	bool any = false;

	pthread_mutex_lock(&j->mu);
	for (;;) {
		bool free_ = true;

		any = false;
		for (size_t w = 0; w < j->n_workers; w++) {
			any |= j->pos[w] != UINT64_MAX;
			if (j->pos[w] != UINT64_MAX && j->pos[w] + SLOTS <= seq)
				free_ = false;
		}
		if (free_ || !any)
			break;
		pthread_cond_wait(&j->freed_cv, &j->mu);
	}
	pthread_mutex_unlock(&j->mu);
	return any;
}

/* Read the trace into the ring until its end, an error, or no worker
 * left. */
static void read_trace(struct jobs *j, smmusim_trace_t *t)
{
	for (uint64_t seq = 0;; seq++) {
		struct chunk *c = j->slot[seq % SLOTS];
		int rc = 1;

		if (!wait_slot(j, seq))
			return;
		c->n = 0;
		if (j->stop()) {
			/* -j 1 would report the runs as interrupted; the
			 * threads' runs cannot be marked so, so no report */
			rc = SMMUSIM_ESTATE;
			c->last = true;
			j->reader_rc = rc;
			snprintf(j->reader_msg, sizeof(j->reader_msg),
				 "%s: interrupted (with -j the runs stop "
				 "without a report)",
				 j->name);
			goto publish;
		}
		while (c->n < CHUNK &&
		       (rc = smmusim_trace_next(t, &c->ev[c->n])) > 0)
			c->n++;
		c->last = rc <= 0;
		if (rc < 0) {
			j->reader_rc = rc;
			snprintf(j->reader_msg, sizeof(j->reader_msg), "%s",
				 msg_or(smmusim_trace_error(t), rc));
		}
	publish:
		pthread_mutex_lock(&j->mu);
		j->published = seq + 1;
		pthread_cond_broadcast(&j->published_cv);
		pthread_mutex_unlock(&j->mu);
		if (c->last)
			return;
	}
}

/* The failure -j 1 would report: the earliest refused event (lowest
 * simulator first), else the reader's, else the first failed finish. */
static int outcome(const struct jobs *j, char *msg, size_t len)
{
	const struct failure *best = NULL;

	for (size_t w = 0; w < j->n_workers; w++) {
		const struct failure *f = &j->fail[w];

		if (f->rc < 0 && f->at != UINT64_MAX &&
		    (!best || f->at < best->at ||
		     (f->at == best->at && f->sim < best->sim)))
			best = f;
	}
	if (!best && j->reader_rc < 0) {
		snprintf(msg, len, "%s", j->reader_msg);
		return j->reader_rc;
	}
	if (!best)
		for (size_t w = 0; w < j->n_workers; w++) {
			const struct failure *f = &j->fail[w];

			if (f->rc < 0 && (!best || f->sim < best->sim))
				best = f;
		}
	if (!best)
		return 0;
	snprintf(msg, len, "%s", best->msg);
	return best->rc;
}

/* Start the workers; when one cannot be started, those that were stop at
 * once on an empty last chunk, and the reader's error says why. */
static void start_workers(struct jobs *j, pthread_t *tid, struct worker *wk,
			  size_t *started)
{
	for (*started = 0; *started < j->n_workers; ++*started) {
		wk[*started] = (struct worker){j, *started};
		if (pthread_create(&tid[*started], NULL, work, &wk[*started]))
			break;
	}
	if (*started == j->n_workers)
		return;
	j->slot[0]->n = 0;
	j->slot[0]->last = true;
	j->reader_rc = SMMUSIM_ENOMEM;
	snprintf(j->reader_msg, sizeof(j->reader_msg),
		 "replay -j: cannot start %zu threads", j->n_workers);
	pthread_mutex_lock(&j->mu);
	j->published = 1;
	pthread_cond_broadcast(&j->published_cv);
	pthread_mutex_unlock(&j->mu);
}

static void jobs_free(struct jobs *j, pthread_t *tid, struct worker *wk)
{
	for (size_t s = 0; s < SLOTS; s++)
		free(j->slot[s]);
	free(wk);
	free(tid);
	free(j->fail);
	free(j->pos);
}

int replay_jobs(smmusim_t *const *sims, size_t n, const char *path,
		unsigned n_jobs, int (*stop)(void), char *msg, size_t len)
{
	struct jobs j = {.sims = sims, .n_sims = n, .stop = stop};
	smmusim_trace_t *t = NULL;
	pthread_t *tid;
	struct worker *wk;
	size_t started = 0;
	bool ok;
	int rc;

	j.n_workers = n_jobs < n ? n_jobs : n;
	j.pos = calloc(j.n_workers, sizeof(*j.pos));
	j.fail = calloc(j.n_workers, sizeof(*j.fail));
	tid = calloc(j.n_workers, sizeof(*tid));
	wk = calloc(j.n_workers, sizeof(*wk));
	ok = j.pos && j.fail && tid && wk;
	for (size_t s = 0; s < SLOTS; s++)
		ok &= (j.slot[s] = malloc(sizeof(struct chunk))) != NULL;
	if (!ok) {
		jobs_free(&j, tid, wk);
		snprintf(msg, len, "replay -j: out of memory");
		return SMMUSIM_ENOMEM;
	}
	rc = smmusim_trace_open_file(&t, path, NULL, msg, len);
	if (rc < 0) {
		jobs_free(&j, tid, wk);
		return rc;
	}
	j.name = smmusim_trace_name(t);
	pthread_mutex_init(&j.mu, NULL);
	pthread_cond_init(&j.published_cv, NULL);
	pthread_cond_init(&j.freed_cv, NULL);
	start_workers(&j, tid, wk, &started);
	if (started == j.n_workers)
		read_trace(&j, t);
	for (size_t w = 0; w < started; w++)
		pthread_join(tid[w], NULL);
	rc = outcome(&j, msg, len);
	smmusim_trace_close(t);
	pthread_cond_destroy(&j.freed_cv);
	pthread_cond_destroy(&j.published_cv);
	pthread_mutex_destroy(&j.mu);
	jobs_free(&j, tid, wk);
	return rc;
}
