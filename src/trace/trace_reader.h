/* SPDX-License-Identifier: MIT */
/*
 * Streaming reader of smmusim trace format v1 (docs/trace-format.md):
 * plain or compressed (xz, gzip, zstd, told by their magic bytes), read in
 * large blocks (trace_input.h); never loads the whole file.
 */
#ifndef SM_TRACE_TRACE_READER_H
#define SM_TRACE_TRACE_READER_H

#include <stdio.h>

#include <smmusim/alloc.h>
#include <smmusim/event.h>

#include "base/errbuf.h"

struct sm_trace_reader;

/* Open a file by path ("-" reads standard input). */
int sm_trace_open(struct sm_trace_reader **out, const char *path,
		  const struct smmusim_allocator *a, struct sm_errbuf *eb);
/* Read from an already open stream (not closed by sm_trace_close); `name`
 * is used in messages. */
int sm_trace_open_stream(struct sm_trace_reader **out, FILE *f,
			 const char *name, const struct smmusim_allocator *a,
			 struct sm_errbuf *eb);
/* Read len bytes at data (not copied: keep them until the close). */
int sm_trace_open_buffer(struct sm_trace_reader **out, const void *data,
			 size_t len, const char *name,
			 const struct smmusim_allocator *a,
			 struct sm_errbuf *eb);
/*
 * Next event: 1 = *ev filled, 0 = end of trace, < 0 = error, with
 * "NAME:LINE:COLUMN: message" in eb.  Syntax, key names, value formats and
 * per-key ranges are checked here; whether an mm or stream exists is the
 * simulator's business.
 */
int sm_trace_next(struct sm_trace_reader *r, struct smmusim_event *ev,
		  struct sm_errbuf *eb);
const char *sm_trace_name(const struct sm_trace_reader *r);
void sm_trace_close(struct sm_trace_reader *r);

#endif
