/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the text trace reader alone (docs/trace-format.md),
 * differentially.  The input is read twice, from a buffer
 * (smmusim_trace_open_buffer(): the caller's bytes, nothing readable past
 * their end) and from a stream (smmusim_trace_open_stream(): the input
 * layer's own blocks), and both must give the same events, field by field,
 * and the same result and message; asked again after its end or its
 * error, a reader must give the same answer again.  The reader's fast
 * paths read ahead of a line where the block allows it (struct
 * sm_trace_reader, readable_end), so the two inputs take different paths
 * through the same lines: a difference, an over-read (ASan) or an error
 * without a message (fz_expect()) is a finding.  Compressed inputs are
 * left out of the comparison: a truncated frame reads as "truncated"
 * from a buffer but as a missing header from a stream (trace_input.c).
 *
 * The input's first line A (after the header, if any) is also read with
 * a line B made of it (shape_check()): B is A with the bytes that up to
 * four pairs (position, byte) after A's newline give, read after A (B may then
 * be read by the shape the reader learnt from A, trace_shape.h) and after A
 * behind blanks that make it longer than any shape: B must give the same event,
 * or the same error, both ways.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <smmusim/trace.h>

#include "fuzz_common.h"

#define MAX_EVENTS 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct reading {
	struct smmusim_event ev[MAX_EVENTS];
	size_t n;
	int rc;
	char msg[512];
};

/* Every event of t (up to MAX_EVENTS) and its last result into *out; the
 * answer after the end (or the error) must be that result again. */
static void read_all(smmusim_trace_t *t, struct reading *out)
{
	struct smmusim_event e;
	int rc;

	out->n = 0;
	for (;;) {
		memset(&e, 0, sizeof(e));
		rc = smmusim_trace_next(t, &e);
		if (rc <= 0 || out->n == MAX_EVENTS)
			break;
		memcpy(&out->ev[out->n++], &e, sizeof(e));
	}
	out->rc = rc;
	snprintf(out->msg, sizeof(out->msg), "%s",
		 rc < 0 ? smmusim_trace_error(t) : "");
	if (rc < 0)
		fz_expect(rc, smmusim_trace_error(t), "smmusim_trace_next");
	if (rc <= 0 && smmusim_trace_next(t, &e) != rc) {
		fprintf(stderr, "fuzz_reader: asked again, another answer\n");
		abort();
	}
}

/* The second event of `text` (a buffer with room after its lines), or
 * the error; 0 when the first is not an event. */
static int second_event(const char *text, struct smmusim_event *ev, char *msg,
			size_t msg_size)
{
	smmusim_trace_t *t;
	int rc;

	msg[0] = '\0';
	if (smmusim_trace_open_buffer(&t, "in", text, strlen(text), NULL, msg,
				      msg_size) < 0)
		return 0;
	memset(ev, 0, sizeof(*ev));
	rc = smmusim_trace_next(t, ev);
	if (rc == 1) {
		memset(ev, 0, sizeof(*ev));
		rc = smmusim_trace_next(t, ev);
		snprintf(msg, msg_size, "%d %s", rc,
			 rc < 0 ? smmusim_trace_error(t) : "");
	} else {
		rc = 0;
	}
	smmusim_trace_close(t);
	return rc;
}

static void shape_check(const uint8_t *data, size_t size)
{
	static char a[1024], b[1024], ma[512], mb[512];
	char line[256], pad[201];
	const uint8_t *nl = memchr(data, '\n', size);
	struct smmusim_event ea, eb;
	size_t n = nl ? (size_t)(nl - data) : 0;
	int ra, rb;

	if (size > 16 && !memcmp(data, "smmusim-trace 1\n", 16)) {
		data += 16; /* a trace's header: A is the line after it */
		size -= 16;
		nl = memchr(data, '\n', size);
		n = nl ? (size_t)(nl - data) : 0;
	}
	if (!n || n >= sizeof(line) || memchr(data, '\0', n))
		return;
	memcpy(line, data, n);
	for (const uint8_t *p = nl + 1; p + 1 < data + size && p < nl + 9;
	     p += 2)
		line[p[0] % n] = p[1] ? (char)p[1] : ' ';
	line[n] = '\0';
	memset(pad, 'x', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	snprintf(a, sizeof(a), "smmusim-trace 1\n%.*s\n%s\n# %s\n", (int)n,
		 (const char *)data, line, pad);
	snprintf(b, sizeof(b), "smmusim-trace 1\n%*s%.*s\n%s\n# %s\n",
		 (int)(n < 129 ? 129 - n : 1), "", (int)n, (const char *)data,
		 line, pad);
	ra = second_event(a, &ea, ma, sizeof(ma));
	rb = second_event(b, &eb, mb, sizeof(mb));
	if (!ra || !rb)
		return; /* A is not an event (or not the same both ways) */
	if (ra != rb || strcmp(ma, mb) ||
	    (ra == 1 && memcmp(&ea, &eb, sizeof(ea)))) {
		fprintf(stderr,
			"fuzz_reader: '%s' after its model: '%s'; without a "
			"shape: '%s'\n",
			line, ma, mb);
		abort();
	}
}

static bool compressed(const uint8_t *d, size_t n)
{
	return n >= 2 && ((d[0] == 0x28 && d[1] == 0xb5) || /* zstd */
			  (d[0] == 0x1f && d[1] == 0x8b) || /* gzip */
			  (d[0] == 0xfd && d[1] == 0x37));  /* xz */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct reading a, b;
	smmusim_trace_t *t;
	char msg[256];
	FILE *f;

	if (!size || compressed(data, size))
		return 0;
	shape_check(data, size);
	if (smmusim_trace_open_buffer(&t, "in", (const char *)data, size, NULL,
				      msg, sizeof(msg)) < 0)
		return 0;
	read_all(t, &a);
	smmusim_trace_close(t);
	f = fmemopen((void *)data, size, "r");
	if (!f)
		return 0;
	if (smmusim_trace_open_stream(&t, "in", f, NULL, msg, sizeof(msg)) <
	    0) {
		fclose(f);
		return 0;
	}
	read_all(t, &b);
	smmusim_trace_close(t);
	fclose(f);
	if (a.rc != b.rc || a.n != b.n || strcmp(a.msg, b.msg) ||
	    memcmp(a.ev, b.ev, a.n * sizeof(a.ev[0]))) {
		fprintf(stderr,
			"fuzz_reader: buffer %zu events, %d '%s'; stream %zu "
			"events, %d '%s'\n",
			a.n, a.rc, a.msg, b.n, b.rc, b.msg);
		abort();
	}
	return 0;
}
