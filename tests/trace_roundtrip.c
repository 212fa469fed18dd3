/* SPDX-License-Identifier: MIT */
/*
 * trace_roundtrip TMPDIR TRACE...: each text TRACE read through the public
 * API, converted to the binary form (smmusim_trace_convert) and back to
 * text, and the three read again: every event must be the same, field by
 * field, line and column included (docs/trace-format.md, "Binary form").
 * Exit 0 when every trace round-trips; each failure on stderr (binary.sh
 * runs it and makes the TAP points).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <smmusim/error.h>
#include <smmusim/trace.h>

struct events {
	struct smmusim_event *ev;
	size_t n, cap;
};

/* Every event of path, or false with the message on stderr. */
static bool read_all(const char *path, struct events *out)
{
	smmusim_trace_t *t;
	struct smmusim_event ev;
	char msg[512];
	int rc;

	memset(out, 0, sizeof(*out));
	if (smmusim_trace_open_file(&t, path, NULL, msg, sizeof(msg)) < 0) {
		fprintf(stderr, "# %s\n", msg);
		return false;
	}
	while ((rc = smmusim_trace_next(t, &ev)) > 0) {
		if (out->n == out->cap) {
			out->cap = out->cap ? 2 * out->cap : 1024;
			out->ev = realloc(out->ev, out->cap * sizeof(ev));
			if (!out->ev)
				abort();
		}
		memcpy(&out->ev[out->n++], &ev, sizeof(ev));
	}
	if (rc < 0)
		fprintf(stderr, "# %s\n", smmusim_trace_error(t));
	smmusim_trace_close(t);
	return rc == 0;
}

/* a and b hold the same events; the first difference on stderr. */
static bool same(const struct events *a, const struct events *b,
		 const char *what)
{
	if (a->n != b->n) {
		fprintf(stderr, "# %s: %zu events, want %zu\n", what, b->n,
			a->n);
		return false;
	}
	for (size_t i = 0; i < a->n; i++)
		if (memcmp(&a->ev[i], &b->ev[i], sizeof(a->ev[i]))) {
			fprintf(stderr,
				"# %s: event %zu (line %" PRIu32 ") differs\n",
				what, i, a->ev[i].line);
			return false;
		}
	return true;
}

static bool convert(const char *in, const char *out)
{
	char msg[512];

	if (smmusim_trace_convert(in, out, NULL, NULL, NULL, msg, sizeof(msg)) <
	    0) {
		fprintf(stderr, "# %s\n", msg);
		return false;
	}
	return true;
}

int main(int argc, char **argv)
{
	char bin[4096], txt[4096];
	int failed = 0;

	if (argc < 2)
		return 2;
	snprintf(bin, sizeof(bin), "%s/roundtrip.smt", argv[1]);
	snprintf(txt, sizeof(txt), "%s/roundtrip.trace", argv[1]);
	for (int i = 2; i < argc; i++) {
		struct events a = {0}, b = {0}, c = {0};
		bool ok = read_all(argv[i], &a) && convert(argv[i], bin) &&
			  read_all(bin, &b) && same(&a, &b, "binary") &&
			  convert(bin, txt) && read_all(txt, &c) &&
			  same(&a, &c, "text from binary");

		if (!ok)
			fprintf(stderr, "# round trip of %s failed\n", argv[i]);
		failed += !ok;
		free(a.ev);
		free(b.ev);
		free(c.ev);
	}
	return failed ? 1 : 0;
}
