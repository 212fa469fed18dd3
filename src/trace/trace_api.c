/* SPDX-License-Identifier: MIT */
/*
 * The public event-by-event trace reader (include/smmusim/trace.h): the
 * streaming reader of trace_reader.c behind an object that keeps its own
 * last-error message, opened on a path, on a caller's stream, or on bytes
 * in memory (all three through the one input layer, trace_input.c, so that
 * a buffer is parsed by exactly the code that parses a file: same lines,
 * same columns, same messages, compressed or not).  The simulator's
 * smmusim_replay_*() are built on it.
 */
#include <smmusim/error.h>
#include <smmusim/trace.h>

#include <stdio.h>

#include "base/alloc.h"
#include "base/errbuf.h"
#include "trace/trace_binary.h"
#include "trace/trace_lines.h"
#include "trace/trace_reader.h"

struct smmusim_trace {
	const struct smmusim_allocator *alloc;
	struct sm_trace_reader *r;
	struct sm_errbuf err;
};

/* Copy the open's message out; the code is returned unchanged. */
static int open_failed(int rc, const struct sm_errbuf *eb, char *errmsg,
		       size_t errlen)
{
	if (errmsg && errlen)
		snprintf(errmsg, errlen, "%s",
			 eb->msg[0] ? eb->msg : smmusim_strerror(rc));
	return rc;
}

/* The object, before its reader is opened. */
static int trace_new(smmusim_trace_t **out,
		     const struct smmusim_allocator *alloc,
		     struct sm_errbuf *eb, const char *name)
{
	alloc = sm_alloc_or_default(alloc);
	smmusim_trace_t *t = sm_calloc(alloc, sizeof(*t));
	if (!t)
		return sm_err(eb, SMMUSIM_ENOMEM, "%s: out of memory", name);
	t->alloc = alloc;
	*out = t;
	return 0;
}

int smmusim_trace_open_file(smmusim_trace_t **out, const char *path,
			    const struct smmusim_allocator *alloc, char *errmsg,
			    size_t errlen)
{
	struct sm_errbuf eb;
	smmusim_trace_t *t = NULL;
	int rc;
	sm_err_clear(&eb);
	if (out)
		*out = NULL;
	if (!out || !path)
		rc = sm_err(&eb, SMMUSIM_EINVAL,
			    "smmusim_trace_open_file: NULL argument");
	else if ((rc = trace_new(&t, alloc, &eb, path)) == 0 &&
		 (rc = sm_trace_open(&t->r, path, t->alloc, &eb)) < 0)
		smmusim_trace_close(t);
	if (rc < 0)
		return open_failed(rc, &eb, errmsg, errlen);
	*out = t;
	return 0;
}

int smmusim_trace_open_stream(smmusim_trace_t **out, const char *name, FILE *f,
			      const struct smmusim_allocator *alloc,
			      char *errmsg, size_t errlen)
{
	struct sm_errbuf eb;
	smmusim_trace_t *t = NULL;
	int rc;
	sm_err_clear(&eb);
	if (out)
		*out = NULL;
	if (!name)
		name = "<stream>";
	if (!out || !f)
		rc = sm_err(&eb, SMMUSIM_EINVAL,
			    "smmusim_trace_open_stream: NULL argument");
	else if ((rc = trace_new(&t, alloc, &eb, name)) == 0 &&
		 (rc = sm_trace_open_stream(&t->r, f, name, t->alloc, &eb)) < 0)
		smmusim_trace_close(t);
	if (rc < 0)
		return open_failed(rc, &eb, errmsg, errlen);
	*out = t;
	return 0;
}

int smmusim_trace_open_buffer(smmusim_trace_t **out, const char *name,
			      const char *data, size_t len,
			      const struct smmusim_allocator *alloc,
			      char *errmsg, size_t errlen)
{
	struct sm_errbuf eb;
	smmusim_trace_t *t = NULL;
	int rc;
	sm_err_clear(&eb);
	if (out)
		*out = NULL;
	if (!name)
		name = "<buffer>";
	if (!out || (!data && len))
		return open_failed(sm_err(&eb, SMMUSIM_EINVAL,
					  "smmusim_trace_open_buffer: NULL "
					  "argument"),
				   &eb, errmsg, errlen);
	if ((rc = trace_new(&t, alloc, &eb, name)) < 0)
		return open_failed(rc, &eb, errmsg, errlen);
	rc = sm_trace_open_buffer(&t->r, data, len, name, t->alloc, &eb);
	if (rc < 0) {
		smmusim_trace_close(t);
		return open_failed(rc, &eb, errmsg, errlen);
	}
	*out = t;
	return 0;
}

/* An error without a message gets the input's name and the code's. */
__attribute__((cold, noinline)) static int next_failed(smmusim_trace_t *t,
						       int rc)
{
	if (!t->err.msg[0])
		sm_err(&t->err, rc, "%s: %s", sm_trace_name(t->r),
		       smmusim_strerror(rc));
	return rc;
}

int smmusim_trace_next(smmusim_trace_t *t, struct smmusim_event *ev)
{
	/* binary input once sniffed, no error yet: straight to its decoder
	 * (what sm_trace_next() would call after the same tests) */
	if (t && ev && t->r->bin && !t->r->err) {
		int rc = sm_trace_bin_next(t->r, ev, &t->err);
		return rc < 0 ? next_failed(t, rc) : rc;
	}
	if (!t)
		return SMMUSIM_EINVAL;
	if (!ev)
		return sm_err(&t->err, SMMUSIM_EINVAL,
			      "smmusim_trace_next: NULL event");
	int rc = sm_trace_next(t->r, ev, &t->err);
	return rc < 0 ? next_failed(t, rc) : rc;
}

const char *smmusim_trace_error(const smmusim_trace_t *t)
{
	return t ? t->err.msg : "";
}

const char *smmusim_trace_name(const smmusim_trace_t *t)
{
	return t ? sm_trace_name(t->r) : NULL;
}

void smmusim_trace_close(smmusim_trace_t *t)
{
	if (!t)
		return;
	sm_trace_close(t->r);
	sm_free(t->alloc, t, sizeof(*t));
}
