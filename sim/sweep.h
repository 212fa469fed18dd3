/* SPDX-License-Identifier: MIT */
/*
 * The sweep command's parts (docs/sweeps.md): the study (traces x policies
 * x the grid of --set values, from options and a --spec file) and its
 * points (sweep_points.c), running points in worker processes and the
 * table they fill (sweep_run.c), and the rows of that table (rows.c),
 * which `merge` shares.
 */
#ifndef SMMUSIM_CLI_SWEEP_H
#define SMMUSIM_CLI_SWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cli.h"

/* A growing list of strings (not owned). */
struct strlist {
	const char **v;
	size_t n, cap;
};
int strlist_push(struct strlist *l, const char *s);

/* One --set KEY=V1,V2,...: a dimension of the grid. */
struct axis {
	char *key;
	struct strlist values; /* into `key`'s buffer */
};

struct study {
	struct opts o;
	struct strlist traces, policies, hws, files, sets, labels, stats;
	struct axis *axes;
	size_t n_axes;
	size_t n_grid, n_points;
	char *spec_text;
	struct strbuf command; /* the study's command line (no -j, --out) */
	char (*sha)[65];       /* per trace: SHA-256, size */
	char (*size)[24];
	bool *digested;
};

/* Read --spec, validate, size the grid.  0 or EXIT_USAGE. */
int study_prepare(struct study *st, int argc, char **argv);
void study_free(struct study *st);

/* Point k: its trace, policy (NULL: default) and "KEY=VALUE" sets. */
struct point {
	size_t index;
	const char *trace;
	const char *policy;
	const char *sets[FIELDS_MAX];
	const char *values[FIELDS_MAX];
	char set_buf[FIELDS_MAX][512];
	char key[4096]; /* trace=...;policy=...;hw=...;KEY=V...;seed=S */
};
/* Fill *p for point k, its key included (builds its configuration into
 * *cfg when cfg is not NULL).  0 or EXIT_USAGE. */
int study_point(struct study *st, size_t k, struct point *p,
		smmusim_config_t **cfg);

/* Run point k into `out` as one JSON Lines row: 0, 1 (violations), 2. */
int sweep_run_point(struct study *st, size_t k, FILE *out);
/* Every point not in st->o.out_path yet, -j at a time, rows appended in
 * point order. */
int sweep_run_all(struct study *st);

/* rows.c: a flat JSON object: column names, raw JSON values, text. */
struct row {
	size_t n;
	char **cols;
	char **json; /* the value as written in JSON */
	char **text; /* decoded: a string's characters, else as written */
	char *line;
};
/* Parse one JSON Lines row; 0 or -1 (not a flat object). */
int row_parse(struct row *r, const char *line);
void row_free(struct row *r);
const char *row_get(const struct row *r, const char *col);

/* An output table: JSON Lines or CSV by the name's ending. */
struct table {
	const char *path;
	bool csv;
	FILE *f;
	struct strlist header; /* CSV: the columns of the file */
	struct strlist owned;  /* strings made here, freed at the close */
	unsigned warned;       /* a column dropped (CSV): said once */
	struct strlist done;   /* the point keys already in it */
	char *text;
};
/* Open for appending, reading what it holds first (resume). */
int table_open(struct table *t, const char *path, bool truncate);
bool table_has(const struct table *t, const char *key);
/* Append a row given as a JSON Lines line. */
int table_append(struct table *t, const char *line);
int table_close(struct table *t);

#endif
