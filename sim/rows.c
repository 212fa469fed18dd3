/* SPDX-License-Identifier: MIT */
/*
 * The table a sweep fills and `merge` writes (docs/sweeps.md): one row per
 * run, JSON Lines or CSV chosen by the file name's ending (.jsonl, .csv).
 * Every row comes from the library as one flat JSON object (the report's
 * JSON Lines format, smmusim_write_report_ex()); this file parses such a
 * row back (only what that writer produces: strings, integers, booleans),
 * writes it as CSV in the columns of the file's header, and reads a table
 * already on disk for the keys of the points it holds ("point" column), so
 * that a sweep run again skips them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sweep.h"

int strlist_push(struct strlist *l, const char *s)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		const char **v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return fail("out of memory");
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = s;
	return 0;
}

/* A JSON string at *p (after its quote) decoded into out; *p past it. */
static int json_string(const char **p, char *out)
{
	const char *s = *p;
	while (*s && *s != '"') {
		if (*s != '\\') {
			*out++ = *s++;
			continue;
		}
		s++;
		switch (*s) {
		case 'n':
			*out++ = '\n';
			break;
		case 't':
			*out++ = '\t';
			break;
		case 'r':
			*out++ = '\r';
			break;
		case 'b':
			*out++ = '\b';
			break;
		case 'f':
			*out++ = '\f';
			break;
		case 'u': {
			unsigned c;
			if (sscanf(s + 1, "%4x", &c) != 1 || c > 0x7f)
				return -1; /* the writer escapes controls */
			*out++ = (char)c;
			s += 4;
			break;
		}
		case '\0':
			return -1;
		default:
			*out++ = *s;
		}
		s++;
	}
	if (*s != '"')
		return -1;
	*out = '\0';
	*p = s + 1;
	return 0;
}

static int row_add(struct row *r, char *col, char *json, char *text)
{
	char **c = realloc(r->cols, (r->n + 1) * sizeof(*c));
	if (c)
		r->cols = c;
	char **j = realloc(r->json, (r->n + 1) * sizeof(*j));
	if (j)
		r->json = j;
	char **t = realloc(r->text, (r->n + 1) * sizeof(*t));
	if (t)
		r->text = t;
	if (!c || !j || !t)
		return -1;
	r->cols[r->n] = col;
	r->json[r->n] = json;
	r->text[r->n++] = text;
	return 0;
}

/* The buffer holds three copies at most of the line: names and decoded
 * strings are written behind it, raw values point into it. */
int row_parse(struct row *r, const char *line)
{
	size_t len = strlen(line);
	char *buf = malloc(3 * len + 3), *w;
	const char *p = line;

	memset(r, 0, sizeof(*r));
	if (!buf)
		return -1;
	r->line = buf;
	memcpy(buf, line, len + 1);
	w = buf + len + 1;
	if (*p++ != '{')
		return -1;
	while (*p && *p != '}') {
		char *col = w, *text, *json;
		if (*p != '"' || (++p, json_string(&p, col)) || *p++ != ':')
			return -1;
		w += strlen(col) + 1;
		json = buf + (p - line);
		text = w;
		if (*p == '"') {
			p++;
			if (json_string(&p, text))
				return -1;
			w += strlen(text) + 1;
		} else {
			size_t n = strcspn(p, ",}");
			memcpy(text, p, n);
			text[n] = '\0';
			w += n + 1;
			p += n;
		}
		json[p - (line + (json - buf))] = '\0';
		if (row_add(r, col, json, text))
			return -1;
		if (*p == ',')
			p++;
	}
	return *p == '}' ? 0 : -1;
}

void row_free(struct row *r)
{
	free(r->cols);
	free(r->json);
	free(r->text);
	free(r->line);
	memset(r, 0, sizeof(*r));
}

const char *row_get(const struct row *r, const char *col)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->cols[i], col) == 0)
			return r->text[i];
	return NULL;
}

static bool ends_with(const char *s, const char *end)
{
	size_t n = strlen(s), m = strlen(end);
	return n >= m && strcmp(s + n - m, end) == 0;
}

/* The whole file, NUL-terminated ("" when it does not exist). */
static int slurp(const char *path, char **out)
{
	FILE *f = fopen(path, "rb");
	size_t len = 0, cap = 1 << 16, n;
	char *buf = malloc(cap);

	*out = buf;
	if (!buf)
		return fail("out of memory");
	buf[0] = '\0';
	if (!f)
		return errno == ENOENT ? 0
				       : fail("cannot open '%s': %s", path,
					      strerror(errno));
	while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (len + 1 == cap) {
			char *p = realloc(buf, cap *= 2);
			if (!p) {
				fclose(f);
				return fail("out of memory");
			}
			*out = buf = p;
		}
	}
	buf[len] = '\0';
	fclose(f);
	return 0;
}

/* One CSV record at *p, split in place (quotes removed): its fields. */
static int csv_record(char **p, struct strlist *fields)
{
	char *s = *p, *w, c;
	fields->n = 0;
	do {
		w = s;
		if (strlist_push(fields, w))
			return -1;
		if (*s == '"') {
			for (s++;; s++) {
				if (*s == '\0')
					return -1;
				if (*s == '"' && s[1] != '"')
					break;
				*w++ = *s;
				s += *s == '"';
			}
			s++;
		} else {
			while (*s && *s != ',' && *s != '\n' && *s != '\r')
				*w++ = *s++;
		}
		/* w may be s: the end is read before it is written */
		c = *s;
		*w = '\0';
		s += c != '\0';
	} while (c == ',');
	s += c == '\r' && *s == '\n';
	*p = s;
	return 0;
}

/* The point keys of a CSV table, and its header. */
static int read_csv(struct table *t)
{
	struct strlist rec = {0};
	char *p = t->text;
	size_t point = (size_t)-1;

	if (*p && csv_record(&p, &rec) == 0)
		for (size_t i = 0; i < rec.n; i++) {
			if (strlist_push(&t->header, rec.v[i]))
				return -1;
			if (strcmp(rec.v[i], "point") == 0)
				point = i;
		}
	while (*p) {
		if (csv_record(&p, &rec))
			return fail("%s: a malformed CSV record", t->path);
		if (point < rec.n && strlist_push(&t->done, rec.v[point]))
			return -1;
	}
	free(rec.v);
	return 0;
}

/* The point keys of a JSON Lines table (the text is cut into lines). */
static int read_jsonl(struct table *t)
{
	size_t lineno = 0;
	for (char *line = strtok(t->text, "\n"); line;
	     line = strtok(NULL, "\n")) {
		struct row r;
		lineno++;
		if (row_parse(&r, line)) {
			row_free(&r);
			return fail("%s:%zu:1: not a row of a sweep (a flat "
				    "JSON object)",
				    t->path, lineno);
		}
		const char *key = row_get(&r, "point");
		char *copy = key ? strdup(key) : NULL;
		row_free(&r);
		if (copy && strlist_push(&t->owned, copy))
			return -1;
		if (copy && strlist_push(&t->done, copy))
			return -1;
	}
	return 0;
}

int table_open(struct table *t, const char *path, bool truncate)
{
	t->path = path;
	t->csv = ends_with(path, ".csv");
	if (!t->csv && !ends_with(path, ".jsonl"))
		return fail("'%s': a table is FILE.csv or FILE.jsonl", path);
	if (!truncate && slurp(path, &t->text))
		return EXIT_USAGE;
	if (!truncate && (t->csv ? read_csv(t) : read_jsonl(t)))
		return EXIT_USAGE;
	t->f = fopen(path, truncate ? "w" : "a");
	if (!t->f)
		return fail("cannot open '%s': %s", path, strerror(errno));
	return 0;
}

bool table_has(const struct table *t, const char *key)
{
	for (size_t i = 0; i < t->done.n; i++)
		if (strcmp(t->done.v[i], key) == 0)
			return true;
	return false;
}

static void csv_cell(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* A CSV table's first row names its columns; a later row's column the
 * header lacks is dropped (named once on stderr). */
static int csv_append(struct table *t, const struct row *r)
{
	if (!t->header.n) {
		for (size_t i = 0; i < r->n; i++) {
			char *name = strdup(r->cols[i]);
			if (!name || strlist_push(&t->owned, name) ||
			    strlist_push(&t->header, name))
				return -1;
			fputs(i ? "," : "", t->f);
			csv_cell(t->f, r->cols[i]);
		}
		fputc('\n', t->f);
	}
	for (size_t i = 0; i < t->header.n; i++) {
		const char *v = row_get(r, t->header.v[i]);
		fputs(i ? "," : "", t->f);
		csv_cell(t->f, v ? v : "");
	}
	fputc('\n', t->f);
	for (size_t i = 0; i < r->n; i++) {
		size_t j = 0;
		while (j < t->header.n && strcmp(t->header.v[j], r->cols[i]))
			j++;
		if (j == t->header.n && !t->warned++)
			fprintf(stderr,
				"smmusim: %s: column '%s' is not in the "
				"table's header: dropped (so are any others; "
				"use .jsonl)\n",
				t->path, r->cols[i]);
	}
	return 0;
}

int table_append(struct table *t, const char *line)
{
	struct row r;
	int rc = 0;

	if (!t->csv) {
		fputs(line, t->f);
		if (!*line || line[strlen(line) - 1] != '\n')
			fputc('\n', t->f);
		return fflush(t->f) ? fail("cannot write '%s': %s", t->path,
					   strerror(errno))
				    : 0;
	}
	if (row_parse(&r, line))
		rc = fail("%s: a row that is no flat JSON object", t->path);
	else if (csv_append(t, &r))
		rc = fail("out of memory");
	row_free(&r);
	if (!rc && fflush(t->f))
		rc = fail("cannot write '%s': %s", t->path, strerror(errno));
	return rc;
}

int table_close(struct table *t)
{
	int rc = 0;
	if (t->f && fclose(t->f) != 0)
		rc = fail("cannot write '%s': %s", t->path, strerror(errno));
	t->f = NULL;
	for (size_t i = 0; i < t->owned.n; i++)
		free((char *)t->owned.v[i]);
	free(t->owned.v);
	free(t->header.v);
	free(t->done.v);
	free(t->text);
	return rc;
}
