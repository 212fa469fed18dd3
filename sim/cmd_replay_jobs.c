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
 * 1's message.
 *
 * The caller's hooks work as they do for -j 1
 * (smmusim_replay_file_each_ex): the reader calls `progress` after each
 * chunk with the events read and the file's bytes, and when it asks to
 * stop, that chunk is the last: every run finishes what it was given and
 * is marked interrupted (smmusim_set_interrupted), as -j 1 marks them.
 * With `refused` (--keep-going) a worker skips the events its simulators
 * refuse (smmusim_skip_refused) and writes each message to its own log (a
 * temporary file: nothing is held in memory per event); once every worker
 * has stopped, the logs are merged in -j 1's order, by event then run, and
 * handed to `refused` on this thread, up to the failure that stops the
 * replay, if any.  Differences: -j 1 reads the trace through the first
 * simulator's allocator (its sim.max_host_memory counts the reader's
 * buffers), here the reader uses the default allocator; the messages of
 * refused events come when the runs end, not as they happen.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/* A refused event skipped (--keep-going), in a worker's log: the record,
 * then len bytes of message. */
struct refusal {
	uint64_t at, sim;
	int32_t rc;
	uint32_t len;
};

struct jobs {
	smmusim_t *const *sims;
	size_t n_sims, n_workers;
	const char *name; /* the trace in messages */
	const struct smmusim_replay_hooks *h;
	FILE *in; /* the file under the reader, for its bytes read */
	uint64_t bytes_total;
	bool interrupted;	/* the progress hook stopped the reader */
	FILE **log;		/* per worker: its refusals (struct refusal) */
	pthread_mutex_t log_mu; /* the hooks, when a worker calls one */

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

/* --keep-going: simulator f->sim skipped the event of failure f; its
 * message goes to worker w's log, or straight to the hook (out of order)
 * when the log cannot take it. */
static void log_refusal(struct jobs *j, size_t w, const struct failure *f)
{
	struct refusal r = {f->at, f->sim, f->rc, (uint32_t)strlen(f->msg)};

	if (j->log[w] && fwrite(&r, sizeof(r), 1, j->log[w]) == 1 &&
	    fwrite(f->msg, 1, r.len, j->log[w]) == r.len)
		return;
	pthread_mutex_lock(&j->log_mu);
	j->h->refused(j->h->ctx, f->sim, f->rc, f->msg);
	pthread_mutex_unlock(&j->log_mu);
}

/* Event ev to every simulator of worker w (those i with i % n_workers ==
 * w), the next event's start told first; false at the first refusal that
 * is not skipped. */
static bool submit_all(struct jobs *j, size_t w, uint64_t at,
		       const struct smmusim_event *ev,
		       const struct smmusim_event *next)
{
	uint64_t next_start =
	    next && next->timing == SMMUSIM_AT ? next->time : UINT64_MAX;

	for (size_t i = w; i < j->n_sims; i += j->n_workers) {
		struct failure *f = &j->fail[w];
		int rc;

		smmusim_set_next_start(j->sims[i], next_start);
		rc = smmusim_submit(j->sims[i], ev);
		if (rc >= 0)
			continue;
		refused(f, j, i, at, ev, rc);
		if (!j->h->refused || smmusim_skip_refused(j->sims[i], rc) < 0)
			return false;
		log_refusal(j, w, f);
		f->rc = 0;
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

/* The progress hook after n more events read; true when it asks to
 * stop. */
static bool tell_progress(struct jobs *j, struct smmusim_replay_progress *p,
			  size_t n)
{
	p->events += n;
	if (!j->h->progress)
		return false;
	if (j->in) {
		long off = ftell(j->in);
		p->bytes_read = off > 0 ? (uint64_t)off : 0;
	}
	/* (log_mu: a worker may be in the refused hook, log_refusal) */
	pthread_mutex_lock(&j->log_mu);
	bool stop = j->h->progress(j->h->ctx, p) != 0;
	pthread_mutex_unlock(&j->log_mu);
	return stop;
}

/* Read the trace into the ring until its end, an error, no worker left,
 * or the progress hook asks to stop. */
static void read_trace(struct jobs *j, smmusim_trace_t *t)
{
	struct smmusim_replay_progress p = {.bytes_total = j->bytes_total};

	for (uint64_t seq = 0;; seq++) {
		struct chunk *c = j->slot[seq % SLOTS];
		int rc = 1;

		if (!wait_slot(j, seq))
			return;
		c->n = 0;
		while (c->n < CHUNK &&
		       (rc = smmusim_trace_next(t, &c->ev[c->n])) > 0)
			c->n++;
		c->last = rc <= 0;
		if (rc < 0) {
			j->reader_rc = rc;
			snprintf(j->reader_msg, sizeof(j->reader_msg), "%s",
				 msg_or(smmusim_trace_error(t), rc));
		} else if (tell_progress(j, &p, c->n) && !c->last) {
			/* as -j 1: the events read so far are replayed */
			c->last = true;
			j->interrupted = true;
		}
		pthread_mutex_lock(&j->mu);
		j->published = seq + 1;
		pthread_cond_broadcast(&j->published_cv);
		pthread_mutex_unlock(&j->mu);
		if (c->last)
			return;
	}
}

/* The earliest refused event that stopped a worker (lowest simulator
 * first), NULL if none: where -j 1 would have stopped. */
static const struct failure *first_refusal(const struct jobs *j)
{
	const struct failure *best = NULL;

	for (size_t w = 0; w < j->n_workers; w++) {
		const struct failure *f = &j->fail[w];

		if (f->rc < 0 && f->at != UINT64_MAX &&
		    (!best || f->at < best->at ||
		     (f->at == best->at && f->sim < best->sim)))
			best = f;
	}
	return best;
}

/* The failure -j 1 would report: the earliest refused event, else the
 * reader's, else the first failed finish. */
static int outcome(const struct jobs *j, char *msg, size_t len)
{
	const struct failure *best = first_refusal(j);

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

/* The next refusal of a log into f (its message NUL-terminated); false at
 * its end. */
static bool read_refusal(FILE *log, struct failure *f)
{
	struct refusal r;

	if (!log || fread(&r, sizeof(r), 1, log) != 1 || r.len >= MSG_LEN ||
	    fread(f->msg, 1, r.len, log) != r.len)
		return false;
	f->msg[r.len] = '\0';
	f->at = r.at;
	f->sim = (size_t)r.sim;
	f->rc = r.rc;
	return true;
}

/* --keep-going: the workers' logged refusals to the hook in -j 1's order,
 * by event then run (each log is in that order already: merge them), up
 * to the refusal that stopped the replay, if any.  head[w]: the next one
 * of worker w's log, rc 0 when it has no more. */
static void replay_refusals(struct jobs *j, struct failure *head)
{
	const struct failure *cut = first_refusal(j);

	for (size_t w = 0; w < j->n_workers; w++)
		if (!j->log[w] || fseek(j->log[w], 0, SEEK_SET) != 0 ||
		    !read_refusal(j->log[w], &head[w]))
			head[w].rc = 0;
	for (;;) {
		struct failure *best = NULL;

		for (size_t w = 0; w < j->n_workers; w++) {
			struct failure *f = &head[w];

			if (f->rc < 0 &&
			    (!best || f->at < best->at ||
			     (f->at == best->at && f->sim < best->sim)))
				best = f;
		}
		if (!best ||
		    (cut && (best->at > cut->at ||
			     (best->at == cut->at && best->sim >= cut->sim))))
			return;
		j->h->refused(j->h->ctx, best->sim, best->rc, best->msg);
		if (!read_refusal(j->log[best - head], best))
			best->rc = 0;
	}
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
	for (size_t w = 0; j->log && w < j->n_workers; w++)
		if (j->log[w])
			fclose(j->log[w]);
	free(j->log);
	free(wk);
	free(tid);
	free(j->fail);
	free(j->pos);
}

/* The trace, as -j 1 opens it with a progress hook: a named file through
 * a stream of ours, so that the bytes read can be told. */
static int open_input(struct jobs *j, smmusim_trace_t **t, const char *path,
		      char *msg, size_t len)
{
	struct stat st;
	int rc;

	j->in = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (j->in && fstat(fileno(j->in), &st) == 0 && S_ISREG(st.st_mode))
		j->bytes_total = (uint64_t)st.st_size;
	if (!j->in || j->in == stdin)
		return smmusim_trace_open_file(t, path, NULL, msg, len);
	rc = smmusim_trace_open_stream(t, path, j->in, NULL, msg, len);
	if (rc < 0) {
		fclose(j->in);
		j->in = NULL;
	}
	return rc;
}

/* Every worker stopped: the refusals they skipped, the runs marked
 * interrupted, and the outcome. */
static int finish_jobs(struct jobs *j, struct failure *head, char *msg,
		       size_t len)
{
	int rc = outcome(j, msg, len);

	if (j->h->refused)
		replay_refusals(j, head);
	for (size_t i = 0; rc == 0 && j->interrupted && i < j->n_sims; i++)
		smmusim_set_interrupted(j->sims[i]);
	return rc;
}

int replay_jobs(smmusim_t *const *sims, size_t n, const char *path,
		unsigned n_jobs, const struct smmusim_replay_hooks *h,
		char *msg, size_t len)
{
	struct jobs j = {.sims = sims, .n_sims = n, .h = h};
	smmusim_trace_t *t = NULL;
	struct failure *head;
	pthread_t *tid;
	struct worker *wk;
	size_t started = 0;
	bool ok;
	int rc;

	j.n_workers = n_jobs < n ? n_jobs : n;
	j.pos = calloc(j.n_workers, sizeof(*j.pos));
	j.fail = calloc(2 * j.n_workers, sizeof(*j.fail));
	j.log = calloc(j.n_workers, sizeof(*j.log));
	tid = calloc(j.n_workers, sizeof(*tid));
	wk = calloc(j.n_workers, sizeof(*wk));
	ok = j.pos && j.fail && j.log && tid && wk;
	for (size_t s = 0; s < SLOTS; s++)
		ok &= (j.slot[s] = malloc(sizeof(struct chunk))) != NULL;
	if (!ok) {
		jobs_free(&j, tid, wk);
		snprintf(msg, len, "replay -j: out of memory");
		return SMMUSIM_ENOMEM;
	}
	head = j.fail + j.n_workers; /* the logs' heads, when merged */
	/* (no temporary file: a worker hands its refusals to the hook at
	 * once, under a lock, out of -j 1's order) */
	for (size_t w = 0; h->refused && w < j.n_workers; w++)
		j.log[w] = tmpfile();
	rc = open_input(&j, &t, path, msg, len);
	if (rc < 0) {
		jobs_free(&j, tid, wk);
		return rc;
	}
	j.name = smmusim_trace_name(t);
	pthread_mutex_init(&j.mu, NULL);
	pthread_mutex_init(&j.log_mu, NULL);
	pthread_cond_init(&j.published_cv, NULL);
	pthread_cond_init(&j.freed_cv, NULL);
	start_workers(&j, tid, wk, &started);
	if (started == j.n_workers)
		read_trace(&j, t);
	for (size_t w = 0; w < started; w++)
		pthread_join(tid[w], NULL);
	rc = finish_jobs(&j, head, msg, len);
	smmusim_trace_close(t);
	if (j.in && j.in != stdin)
		fclose(j.in);
	pthread_cond_destroy(&j.freed_cv);
	pthread_cond_destroy(&j.published_cv);
	pthread_mutex_destroy(&j.log_mu);
	pthread_mutex_destroy(&j.mu);
	jobs_free(&j, tid, wk);
	return rc;
}
