/* SPDX-License-Identifier: MIT */
/*
 * Long runs: the progress line and clean interrupts (docs/cli.md, "Long
 * runs").  The library never touches signals: the command installs
 * handlers for SIGINT and SIGTERM that only set a flag, and the replay's
 * progress hook (smmusim_replay_hooks) reads the flag and asks the replay
 * to stop; the runs then finish what they started, and the report says
 * "interrupted".  A second signal of the same kind kills at once
 * (SA_RESETHAND), for a replay stuck in one long event.
 *
 * The progress line goes to stderr only when stderr is a terminal and -q
 * was not given: events read, percent of the file, events per second, and
 * the time left at that rate, redrawn at most four times a second.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static volatile sig_atomic_t caught;

static void on_signal(int sig)
{
	caught = sig;
}

void cli_signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int cli_signal_caught(void)
{
	return caught;
}

static double seconds(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	       (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void progress_draw(struct progress *pr,
			  const struct smmusim_replay_progress *p,
			  const struct timespec *now)
{
	double t = seconds(&pr->start, now);
	double rate = t > 0 ? (double)p->events / t : 0;
	char pct[32] = "", eta[48] = "";

	if (p->bytes_total && p->bytes_read) {
		double f = (double)p->bytes_read / (double)p->bytes_total;
		snprintf(pct, sizeof(pct), ", %.1f%% of the file",
			 f > 1 ? 100.0 : 100.0 * f);
		if (f > 0 && f < 1) {
			unsigned long left = (unsigned long)(t / f - t);
			snprintf(eta, sizeof(eta), ", ETA %lu:%02lu:%02lu",
				 left / 3600, left / 60 % 60, left % 60);
		}
	}
	fprintf(stderr, "\r%s: %llu events%s, %.0f events/s%s\033[K", pr->name,
		(unsigned long long)p->events, pct, rate, eta);
	pr->drawn = true;
}

/* The hook: draw now and then, and stop on a signal. */
static int progress_hook(void *ctx, const struct smmusim_replay_progress *p)
{
	struct progress *pr = ctx;
	struct timespec now;

	if (pr->show) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (seconds(&pr->last, &now) >= 0.25) {
			progress_draw(pr, p, &now);
			pr->last = now;
		}
	}
	return caught != 0;
}

void progress_init(struct progress *pr, bool quiet, const char *name)
{
	memset(pr, 0, sizeof(*pr));
	pr->show = !quiet && isatty(STDERR_FILENO);
	pr->name = name;
	clock_gettime(CLOCK_MONOTONIC, &pr->start);
	pr->last = pr->start;
}

struct smmusim_replay_hooks progress_hooks(struct progress *pr)
{
	struct smmusim_replay_hooks h = {
	    .size = sizeof(h),
	    .progress_every = 4096,
	    .progress = progress_hook,
	    .ctx = pr,
	};
	return h;
}

void progress_end(struct progress *pr)
{
	if (pr->drawn)
		fputs("\r\033[K", stderr);
	pr->drawn = false;
}
