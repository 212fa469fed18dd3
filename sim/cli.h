/* SPDX-License-Identifier: MIT */
/*
 * What the subcommands of the smmusim command share: exit codes, messages,
 * the usage text, and the options parser.  The command includes only the
 * public headers <smmusim/...> and system headers: everything that decides
 * behaviour is the library's.
 */
#ifndef SMMUSIM_CLI_H
#define SMMUSIM_CLI_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <smmusim/smmusim.h>

#include "sha256.h"

enum {
	EXIT_CLEAN = 0,
	EXIT_VIOLATIONS = 1,
	EXIT_USAGE = 2,
};

extern const char cli_usage_text[];

/* Print "smmusim: MESSAGE" on stderr; returns EXIT_USAGE for `return
 * fail()`. */
int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The library leaves its messages in per-object buffers; fall back to the
 * generic text of the code if a failing call left none. */
const char *msg_or(const char *msg, int rc);

/* Options of every command; each command accepts a subset (`allowed`). */
struct opts {
	const char *cmd;
	unsigned allowed;
	const char **policies;
	size_t n_policies;
	const char **hws;
	size_t n_hws;
	const char **sets; /* -o / --set, in order */
	size_t n_sets;
	const char **files; /* -c / --config, in order */
	size_t n_files;
	const char **args; /* positional arguments */
	size_t n_args;
	const char *out_path;
	enum smmusim_format format;
	const char *get_key;
	const char **labels; /* --label KEY=VALUE */
	size_t n_labels;
	const char **stats; /* --stat NAME */
	size_t n_stats;
	unsigned jobs;	      /* -j N (0: not given) */
	const char *spec;     /* --spec FILE */
	const char *emit;     /* --emit parallel|slurm */
	const char *emit_dir; /* ... DIR */
	long point;	      /* --point K (-1: not given) */
	bool quiet;
	bool keep_going;
	bool no_check;
	bool stats_memory;
	bool parse_only;
	bool list;
	bool help;
};

enum {
	O_POLICY = 1u << 0,
	O_HW = 1u << 1,
	O_SET = 1u << 2,
	O_CFILE = 1u << 3,
	O_FORMAT = 1u << 4,
	O_OUT = 1u << 5,
	O_NOCHECK = 1u << 6,
	O_STATSMEM = 1u << 7,
	O_LIST = 1u << 8,
	O_GET = 1u << 9,
	O_PARSEONLY = 1u << 10,
	O_LABEL = 1u << 11,
	O_STAT = 1u << 12,
	O_JOBS = 1u << 13,
	O_SPEC = 1u << 14,
	O_EMIT = 1u << 15,
	O_POINT = 1u << 16,
	O_QUIET = 1u << 17,
	O_KEEPGOING = 1u << 18,
};

/* Parse a command's options (argv[2..]); on -h/--help print the usage.
 * Returns true when the command is done (*status says how), false when it
 * should go on. */
bool cli_parse_command(struct opts *o, int argc, char **argv, int *status);
void opts_free(struct opts *o);

/* Match argv[*i] against an option that takes a value ("--name VALUE",
 * "--name=VALUE", "-x VALUE", "-xVALUE"): 1 with *val set, 0 when it is
 * something else, -1 (reported) when the value is missing. */
int opt_value(int argc, char **argv, int *i, const char *name,
	      const char **val);
bool opt_flag(const char *a, const char *name);

/* The configuration of one run under `policy` (NULL: none), built by the
 * library's rule (smmusim_config_apply_layers), then --no-check. */
int build_config(const struct opts *o, const char *policy,
		 smmusim_config_t **out);

/* A growing string (provenance.c). */
struct strbuf {
	char *s;
	size_t len, cap;
	bool oom;
};
void strbuf_add(struct strbuf *b, const char *s);
/* argv words joined by spaces, quoted for sh where needed. */
void shell_words(struct strbuf *b, const char *const *argv, size_t n);

/* The fields of a report: provenance, labels, swept keys (provenance.c). */
enum { FIELDS_MAX = 128 };
struct fields {
	const char *names[FIELDS_MAX];
	const char *values[FIELDS_MAX];
	size_t n;
	char *owned[FIELDS_MAX];
	size_t n_owned;
};
int fields_add(struct fields *f, const char *name, const char *value);
int fields_add_label(struct fields *f, const char *kv);
void fields_free(struct fields *f);
struct smmusim_report_options fields_options(const struct fields *f,
					     const char *const *stats,
					     size_t n_stats);
/* SHA-256 (hex) and size of a trace file ("" for "-"); 0 or EXIT_USAGE. */
int trace_digest(const char *path, char sha[65], char size[24]);
/* The same in two steps: begin opens the file (its errors then, as
 * trace_digest's) and, with `concurrent` and another CPU, hashes it in a
 * thread of its own while the caller replays; end waits for the hash and
 * writes it (a failed read: EXIT_USAGE, its message printed).  Every
 * begin that returned 0 needs its end. */
struct trace_digest {
	const char *path;
	FILE *f; /* NULL: nothing to hash ("-", a pipe) or ended */
	bool threaded;
	pthread_t thread;
	int read_err;
	struct sha256 c;
	uint8_t buf[1 << 16]; /* reads when the file cannot be mapped */
};
int trace_digest_begin(struct trace_digest *d, const char *path,
		       bool concurrent);
int trace_digest_end(struct trace_digest *d, char sha[65], char size[24]);
/* The git revision of this build ("unknown" without git): revision.c,
 * generated from sim/revision.c.in by meson's vcs_tag. */
extern const char cli_revision_tag[];
const char *cli_revision(void);

/* Long runs (progress.c): SIGINT/SIGTERM set a flag the replay hook reads;
 * the progress line on a terminal's stderr. */
void cli_signals_install(void);
int cli_signal_caught(void);
struct progress {
	bool show, drawn;
	const char *name;
	struct timespec start, last;
	void *user; /* the command's, for its other hooks */
};
void progress_init(struct progress *pr, bool quiet, const char *name);
struct smmusim_replay_hooks progress_hooks(struct progress *pr);
void progress_end(struct progress *pr);

int cmd_replay(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_policies(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_convert(int argc, char **argv);

/* replay -j N (cmd_replay_jobs.c): the trace at path parsed once, sims[0..n)
 * run on min(jobs, n) threads; 0, or -j 1's error code and message.  The
 * hooks (size checked by the caller) work as for
 * smmusim_replay_file_each_ex: progress (stop: the runs are interrupted)
 * and refused (--keep-going), on this thread. */
int replay_jobs(smmusim_t *const *sims, size_t n, const char *path,
		unsigned jobs, const struct smmusim_replay_hooks *h, char *msg,
		size_t len);

#endif
