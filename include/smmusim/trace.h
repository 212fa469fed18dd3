/* SPDX-License-Identifier: MIT */
/*
 * Reading a trace (docs/trace-format.md) event by event, so that a program
 * can submit the events itself (smmusim_submit()), look at each result, and
 * carry on after an event the simulator refused.
 *
 *     smmusim_trace_t *t;  struct smmusim_event ev;  char msg[256];
 *     if (smmusim_trace_open_file(&t, "my.trace", NULL, msg, sizeof(msg)))
 *             ... msg says why ...
 *     while ((rc = smmusim_trace_next(t, &ev)) > 0)
 *             if (smmusim_submit(sim, &ev) < 0)
 *                     ... smmusim_last_error(sim); the next event may
 *                         still be submitted ...
 *     if (rc < 0)  ... smmusim_trace_error(t): "FILE:LINE:COLUMN: message"
 *     smmusim_trace_close(t);
 *
 * A reader error (bad syntax, a value out of range, a read error) is final:
 * every later smmusim_trace_next() returns it again.  An event that the
 * simulator refuses is no reader error: reading goes on.
 */
#ifndef SMMUSIM_TRACE_H
#define SMMUSIM_TRACE_H

#include <stddef.h>
#include <stdio.h>

#include <smmusim/alloc.h>
#include <smmusim/event.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Public API: exported from the shared library, which hides everything
 * else (-fvisibility=hidden). */
#pragma GCC visibility push(default)

typedef struct smmusim_trace smmusim_trace_t;

/*
 * Open a trace.  `alloc` may be NULL; `errmsg` (optional) receives why an
 * open failed.  Returns 0, SMMUSIM_EINVAL (a NULL argument), SMMUSIM_EIO
 * (the file cannot be opened), SMMUSIM_ENOMEM.  On failure *out is NULL.
 *
 * All three read plain text or xz, gzip or zstd data, told by its magic
 * bytes (docs/trace-format.md, "Compressed and piped input").
 * _file: a path ("-" reads standard input); messages name the path.
 * _stream: an open stream, read from where it is and never closed by the
 *   library; `name` stands for FILE in messages (NULL: "<stream>").
 * _buffer: `len` bytes at `data` (no NUL terminator needed; a NUL byte in
 *   them is refused like one in a file); `name` as above (NULL:
 *   "<buffer>").  The bytes are not copied: keep them until the close.
 */
int smmusim_trace_open_file(smmusim_trace_t **out, const char *path,
			    const struct smmusim_allocator *alloc, char *errmsg,
			    size_t errlen);
int smmusim_trace_open_stream(smmusim_trace_t **out, const char *name, FILE *f,
			      const struct smmusim_allocator *alloc,
			      char *errmsg, size_t errlen);
int smmusim_trace_open_buffer(smmusim_trace_t **out, const char *name,
			      const char *data, size_t len,
			      const struct smmusim_allocator *alloc,
			      char *errmsg, size_t errlen);

/* Next event: 1 = *ev filled (ev->line and ev->column say where it is),
 * 0 = end of the trace, < 0 = error (SMMUSIM_EPARSE, SMMUSIM_ERANGE,
 * SMMUSIM_EIO, SMMUSIM_ENOMEM, SMMUSIM_EINVAL for a NULL argument) with
 * "FILE:LINE:COLUMN: message" in smmusim_trace_error(). */
int smmusim_trace_next(smmusim_trace_t *t, struct smmusim_event *ev);
/* Message of the last failure ("" if none, or for a NULL t). */
const char *smmusim_trace_error(const smmusim_trace_t *t);
/* The name used in messages (NULL for a NULL t). */
const char *smmusim_trace_name(const smmusim_trace_t *t);
/* Close (NULL is fine). */
void smmusim_trace_close(smmusim_trace_t *t);

/*
 * Convert the trace at `in` into its other form at `out` ("-": standard
 * input, standard output): text into the compact binary form, binary into
 * text (docs/trace-format.md, "Binary form"); the input's form is told by
 * its first bytes, after any decompression.  Every event is read and
 * checked as a replay reads it; reading either output gives the same
 * events, line and column included.  *n_events (optional) counts them,
 * *to_binary (optional) says which form was written.  On failure the
 * message goes to errmsg and a partly written `out` is removed.
 */
int smmusim_trace_convert(const char *in, const char *out,
			  const struct smmusim_allocator *alloc,
			  uint64_t *n_events, bool *to_binary, char *errmsg,
			  size_t errlen);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif
