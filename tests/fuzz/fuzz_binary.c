/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the binary trace reader (docs/trace-format.md, "Binary
 * form").  Byte 0 picks the presets as for `replay` (fz_config); unless its
 * bit 7 is set, the rest follows a valid header, made once here with
 * smmusim_trace_convert() from an empty text trace, so that the fuzzer
 * explores the records rather than the magic and the layout fingerprint;
 * with bit 7 the rest is the whole file.  The events are read with
 * smmusim_trace_next() and replayed with smmusim_replay_buffer().  Besides
 * the findings of every target (a crash, a leak, an error without a
 * message), a binary trace that reads without error but whose text form
 * (smmusim_trace_convert() back to text) reads to other events, or does
 * not read, is a finding: the binary form may hold only what text can.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <smmusim/trace.h>

#include "fuzz_common.h"

#define HEADER_LEN 16
#define MAX_EVENTS 512

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The header of a binary trace of this build. */
static const uint8_t *header(void)
{
	static uint8_t h[HEADER_LEN];
	static int made;
	static const char text[] = "smmusim-trace 1\n";
	char in[64], out[64], msg[256];
	int fi, fo;

	if (made)
		return h;
	fi = fz_memfile(text, sizeof(text) - 1, in);
	fo = fz_memfile("", 0, out);
	if (fi < 0 || fo < 0 ||
	    smmusim_trace_convert(in, out, NULL, NULL, NULL, msg,
				  sizeof(msg)) < 0 ||
	    pread(fo, h, HEADER_LEN, 0) != HEADER_LEN) {
		fprintf(stderr, "fuzz: cannot make a binary header\n");
		abort();
	}
	close(fi);
	close(fo);
	made = 1;
	return h;
}

/* Up to MAX_EVENTS events of t into ev[]; the reader's result. */
static int read_events(smmusim_trace_t *t, struct smmusim_event *ev,
		       size_t *n)
{
	struct smmusim_event e;
	int rc;

	*n = 0;
	while ((rc = smmusim_trace_next(t, &e)) > 0)
		if (*n < MAX_EVENTS)
			memcpy(&ev[(*n)++], &e, sizeof(e));
	fz_expect(rc, smmusim_trace_error(t), "smmusim_trace_next");
	return rc;
}

/* Binary b[0..n) read cleanly into ev[0..n_ev): its text form must give
 * the same events. */
static void check_text_form(const uint8_t *b, size_t n,
			    const struct smmusim_event *ev, size_t n_ev)
{
	static struct smmusim_event back[MAX_EVENTS];
	char in[64], out[64], msg[512];
	smmusim_trace_t *t;
	size_t n_back;
	int fi = fz_memfile(b, n, in), fo = fz_memfile("", 0, out), rc;

	if (fi < 0 || fo < 0)
		goto out;
	rc = smmusim_trace_convert(in, out, NULL, NULL, NULL, msg,
				   sizeof(msg));
	fz_expect(rc, msg, "smmusim_trace_convert");
	if (rc < 0 ||
	    smmusim_trace_open_file(&t, out, NULL, msg, sizeof(msg)) < 0) {
		fprintf(stderr, "fuzz: a clean binary trace: %s\n", msg);
		abort();
	}
	rc = read_events(t, back, &n_back);
	smmusim_trace_close(t);
	if (rc < 0 || n_back != n_ev ||
	    memcmp(back, ev, n_ev * sizeof(*ev))) {
		fprintf(stderr, "fuzz: the text form of a binary trace reads "
				"to other events\n");
		abort();
	}
out:
	if (fi >= 0)
		close(fi);
	if (fo >= 0)
		close(fo);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct smmusim_event ev[MAX_EVENTS];
	smmusim_config_t *cfg;
	smmusim_trace_t *t;
	smmusim_t *sim;
	size_t n, n_ev;
	uint8_t *b;
	char msg[512];
	int rc;

	if (!size)
		return 0;
	n = (data[0] & 0x80 ? 0 : HEADER_LEN) + size - 1;
	b = malloc(n ? n : 1);
	if (!b)
		return 0;
	if (!(data[0] & 0x80))
		memcpy(b, header(), HEADER_LEN);
	memcpy(b + n - (size - 1), data + 1, size - 1);

	rc = smmusim_trace_open_buffer(&t, "fuzz.smt", (const char *)b, n,
				       NULL, msg, sizeof(msg));
	fz_expect(rc, msg, "smmusim_trace_open_buffer");
	if (rc == 0) {
		rc = read_events(t, ev, &n_ev);
		smmusim_trace_close(t);
		/* (a text form with millions of blank lines before an event
		 * is right but too slow to write here) */
		if (rc == 0 && n_ev < MAX_EVENTS &&
		    (!n_ev || ev[n_ev - 1].line < (1u << 20)))
			check_text_form(b, n, ev, n_ev);
	}

	cfg = fz_config(data[0] & 0x1f, NULL);
	sim = cfg ? fz_sim_new(cfg, NULL) : NULL;
	if (sim) {
		rc = smmusim_replay_buffer(sim, "fuzz.smt", (const char *)b, n);
		fz_expect(rc, smmusim_last_error(sim), "smmusim_replay_buffer");
		smmusim_free(sim);
	}
	free(b);
	return 0;
}
