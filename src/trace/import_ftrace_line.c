/* SPDX-License-Identifier: MIT */
/*
 * One line of a Linux ftrace ring buffer as text, strictly.
 *
 * tracefs's `trace` file (kernel/trace/trace.c, print_func_help_header_irq
 * and trace_print_context of Linux 6.1 and 6.12; `trace-cmd show` prints
 * the same) starts with '#' header lines: "# tracer: NAME", the buffer's
 * "# entries-in-buffer/entries-written: A/B   #P:N" and the column
 * legend.  Each event line then reads
 *
 *     TASK-PID     [CPU] FLAGS     SECONDS.MICROS: BODY
 *
 * FLAGS being the irqs-off / need-resched / hardirq-softirq /
 * preempt-depth (/ migrate-disable) characters (absent when the
 * irq-info option is off), the time on the trace clock (`global`: one
 * clock for all CPUs, so the file is in time order).  BODY is
 *
 *   - a tracepoint, "NAME: TEXT" with TEXT printed by the event's
 *     TP_printk: the iommu events of include/trace/events/iommu.h (the same
 *     formats in 6.1 and 6.12) are matched exactly, field by field, with
 *     the QEMU importer's matcher (qemu_log_line.c);
 *   - "tracing_mark_write: TEXT": a marker written by user space;
 *   - a function-tracer line "FUNC <-PARENT".
 *
 * Anything else (another tracer's columns, another event, lost events,
 * a line cut short) is refused with FILE:LINE:COLUMN, since the importer
 * cannot know what it meant for the DMA API.
 */
#include <inttypes.h>
#include <string.h>

#include <smmusim/error.h>

#include "trace/import_ftrace.h"

/* include/trace/events/iommu.h (Linux 6.1, 6.12): the TP_printk formats in
 * the matcher's notation (%d decimal, %x hex digits, %s a word). */
static const struct {
	const char *name;
	const char *fmt;
	enum sm_ft_kind kind;
} ft_events[] = {
    {"add_device_to_group", "IOMMU: groupID=%d device=%s", FT_ADD_GROUP},
    {"attach_device_to_domain", "IOMMU: device=%s", FT_ATTACH},
    {"map", "IOMMU: iova=0x%x - 0x%x paddr=0x%x size=%d", FT_MAP},
    {"unmap", "IOMMU: iova=0x%x - 0x%x size=%d unmapped_size=%d", FT_UNMAP},
    {"io_page_fault", "IOMMU:%s %s iova=0x%x flags=0x%x", FT_FAULT},
};

#define N_FT_EVENTS (sizeof(ft_events) / sizeof(ft_events[0]))

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_ident(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       is_digit(c) || c == '_';
}

/* Decimal digits at s[*pp..len) into *v (at most 19 digits). */
static bool dec(const char *s, size_t len, size_t *pp, uint64_t *v)
{
	size_t p = *pp;

	*v = 0;
	while (p < len && is_digit(s[p]) && p - *pp < 19)
		*v = *v * 10 + (uint64_t)(s[p++] - '0');
	if (p == *pp || (p < len && is_digit(s[p])))
		return false;
	*pp = p;
	return true;
}

static size_t skip_spaces(const char *s, size_t len, size_t p)
{
	while (p < len && s[p] == ' ')
		p++;
	return p;
}

/* ---------------------------------------------------------------------- */
/* Header lines                                                           */
/* ---------------------------------------------------------------------- */

/* "# tracer: NAME" and "# entries-in-buffer/entries-written: A/B   #P:N";
 * the other '#' lines are the legend. */
static int header_line(struct sm_ftrace_importer *ft, const char *s, size_t n)
{
	static const char tracer[] = "# tracer: ";
	static const char entries[] = "# entries-in-buffer/entries-written: ";
	size_t p;
	uint64_t a, b, cpus;

	if (n >= sizeof(tracer) - 1 && !memcmp(s, tracer, sizeof(tracer) - 1)) {
		const char *t = s + sizeof(tracer) - 1;
		size_t tn = n - (sizeof(tracer) - 1);

		if ((tn == 8 && !memcmp(t, "function", 8)) ||
		    (tn == 3 && !memcmp(t, "nop", 3)))
			return 0;
		return sm_import_line_err(
		    &ft->fin, sizeof(tracer),
		    "tracer '%.*s': expected the function or nop tracer "
		    "(their lines are TASK-PID [CPU] FLAGS TIME: EVENT)",
		    (int)(tn > 32 ? 32 : tn), t);
	}
	if (n < sizeof(entries) - 1 || memcmp(s, entries, sizeof(entries) - 1))
		return 0;
	p = sizeof(entries) - 1;
	if (!dec(s, n, &p, &a) || p >= n || s[p] != '/' ||
	    (p++, !dec(s, n, &p, &b)))
		return sm_import_line_err(&ft->fin, sizeof(entries),
					  "expected entries-in-buffer/"
					  "entries-written as A/B");
	if (a != b)
		return sm_import_line_err(
		    &ft->fin, sizeof(entries),
		    "the ring buffer lost events (%" PRIu64 " in the buffer "
		    "of %" PRIu64 " written): maps and unmaps are missing; "
		    "capture again with a larger buffer_size_kb",
		    a, b);
	p = skip_spaces(s, n, p);
	if (p + 3 <= n && !memcmp(s + p, "#P:", 3)) {
		p += 3;
		if (!dec(s, n, &p, &cpus) || cpus == 0 || cpus > 4096 || p != n)
			return sm_import_line_err(&ft->fin, p + 1,
						  "expected #P:N, N the CPUs "
						  "(1..4096)");
		ft->ncpus = (uint32_t)cpus;
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Columns                                                                */
/* ---------------------------------------------------------------------- */

/* "TASK-PID [CPU]": past the ']' (0 if the line is not that). */
static size_t task_cpu(struct sm_ftrace_importer *ft, const char *s, size_t n,
		       struct sm_ft_line *l, int *rc)
{
	for (size_t p = 1; p + 2 < n; p++) {
		size_t q = p + 1, d;
		uint64_t cpu;

		if (s[p] != '[' || s[p - 1] != ' ')
			continue;
		/* the token before must end in "-PID" */
		d = p - 1;
		while (d > 0 && s[d - 1] == ' ')
			d--;
		{
			size_t e = d;

			while (e > 0 && is_digit(s[e - 1]))
				e--;
			if (e == d || e < 2 || s[e - 1] != '-' ||
			    s[e - 2] == ' ')
				continue;
		}
		if (!dec(s, n, &q, &cpu) || q >= n || s[q] != ']')
			continue;
		if (cpu > UINT32_MAX ||
		    (ft->ncpus && cpu >= (uint64_t)ft->ncpus)) {
			*rc = sm_import_line_err(&ft->fin, p + 2,
						 "CPU %" PRIu64
						 " is out of range (the header "
						 "says #P:%" PRIu32 ")",
						 cpu, ft->ncpus);
			return 0;
		}
		l->cpu = (uint32_t)cpu;
		l->cpu_col = p + 2;
		return q + 1;
	}
	return 0;
}

/* "SECONDS.FRACTION:" at s[*pp] into cycles (seconds * clock_hz, rounded
 * to the nearest cycle, halves up). */
static int timestamp(struct sm_ftrace_importer *ft, const char *s, size_t n,
		     size_t *pp, struct sm_ft_line *l)
{
	size_t p = *pp, f0;
	uint64_t sec, frac = 0;
	unsigned __int128 c, scale = 1;

	l->ts_col = p + 1;
	if (!dec(s, n, &p, &sec) || p >= n || s[p] != '.')
		return sm_import_line_err(&ft->fin, l->ts_col,
					  "expected the timestamp "
					  "SECONDS.FRACTION: after the CPU");
	f0 = ++p;
	while (p < n && is_digit(s[p]) && p - f0 < 9) {
		frac = frac * 10 + (uint64_t)(s[p++] - '0');
		scale *= 10;
	}
	if (p == f0 || p >= n || s[p] != ':')
		return sm_import_line_err(
		    &ft->fin, l->ts_col,
		    "expected the timestamp SECONDS.FRACTION: (1 to 9 "
		    "digits after the point)");
	c = (unsigned __int128)sec * ft->clock_hz +
	    ((unsigned __int128)frac * ft->clock_hz + scale / 2) / scale;
	if (c > SM_FT_MAX_CYCLE)
		return sm_import_line_err(
		    &ft->fin, l->ts_col,
		    "time %.*s s is beyond the simulator's last cycle "
		    "2^62 at clock_hz=%" PRIu64,
		    (int)(p - *pp), s + *pp, ft->clock_hz);
	l->cycles = (uint64_t)c;
	*pp = p + 1;
	return 0;
}

/* FLAGS: 4 or 5 of '.', letters and digits, then a space. */
static size_t flags_len(const char *s, size_t n, size_t p)
{
	size_t q = p;

	while (q < n && s[q] != ' ' && (s[q] == '.' || is_ident(s[q])) &&
	       s[q] != '_')
		q++;
	if ((q - p == 4 || q - p == 5) && q < n && s[q] == ' ')
		return q - p;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Bodies                                                                 */
/* ---------------------------------------------------------------------- */

/* "FUNC <-PARENT", both symbol names (letters, digits, '_', '.'). */
static bool function_line(const char *s, size_t n, struct sm_ft_line *l)
{
	size_t p = 0, q;

	while (p < n && (is_ident(s[p]) || s[p] == '.'))
		p++;
	if (p == 0 || p + 3 > n || memcmp(s + p, " <-", 3))
		return false;
	q = p + 3;
	while (q < n && (is_ident(s[q]) || s[q] == '.'))
		q++;
	if (q == p + 3 || q != n)
		return false;
	l->kind = FT_FUNC;
	l->func = s;
	l->func_len = p;
	l->parent = s + p + 3;
	l->parent_len = q - p - 3;
	return true;
}

static int body(struct sm_ftrace_importer *ft, const char *s, size_t n,
		size_t col, struct sm_ft_line *l)
{
	static const char mark[] = "tracing_mark_write: ";
	size_t k = 0, bad = 0;

	l->text = s;
	l->text_len = n;
	if (function_line(s, n, l))
		return 0;
	if (n >= sizeof(mark) - 1 && !memcmp(s, mark, sizeof(mark) - 1)) {
		l->kind = FT_MARK;
		l->text = s + sizeof(mark) - 1;
		l->text_len = n - (sizeof(mark) - 1);
		return 0;
	}
	while (k < n && is_ident(s[k]))
		k++;
	if (k == 0 || k + 1 >= n || s[k] != ':' || s[k + 1] != ' ')
		return sm_import_line_err(
		    &ft->fin, col,
		    "expected an event 'NAME: TEXT' or a function "
		    "'FUNC <-PARENT' after the timestamp");
	for (size_t i = 0; i < N_FT_EVENTS; i++) {
		if (strlen(ft_events[i].name) != k ||
		    memcmp(ft_events[i].name, s, k))
			continue;
		if (!sm_qemu_match_fmt(ft_events[i].fmt, s + k + 2, n - k - 2,
				       col + k + 2, l->c, &bad))
			return sm_import_line_err(
			    &ft->fin, col + k + 2 + bad,
			    "iommu:%s does not have Linux's format "
			    "(expected '%s: %s')",
			    ft_events[i].name, ft_events[i].name,
			    ft_events[i].fmt);
		l->kind = ft_events[i].kind;
		return 0;
	}
	return sm_import_line_err(
	    &ft->fin, col,
	    "unknown event '%.*s' (this importer reads the iommu "
	    "tracepoints add_device_to_group, attach_device_to_domain, map, "
	    "unmap, io_page_fault, tracing_mark_write markers and "
	    "function-tracer lines)",
	    (int)(k > SM_QEMU_NAME_SHOWN ? SM_QEMU_NAME_SHOWN : k), s);
}

int sm_ft_parse_line(struct sm_ftrace_importer *ft, const char *s, size_t n,
		     struct sm_ft_line *l)
{
	size_t p, bad;
	int rc = 0;

	memset(l, 0, sizeof(*l));
	l->kind = FT_SKIP;
	bad = sm_qemu_control_byte_col(s, n);
	if (bad)
		return sm_import_line_err(&ft->fin, bad,
					  "control byte 0x%02x in an ftrace "
					  "line (tracefs writes text)",
					  (unsigned char)s[bad - 1]);
	if (n == 0)
		return 0;
	if (s[0] == '#')
		return header_line(ft, s, n);
	if (n > 4 && !memcmp(s, "CPU:", 4))
		return sm_import_line_err(&ft->fin, 1,
					  "the ring buffer lost events on "
					  "this CPU: maps and unmaps are "
					  "missing; capture again with a "
					  "larger buffer_size_kb");
	p = task_cpu(ft, s, n, l, &rc);
	if (rc)
		return rc;
	if (!p)
		return sm_import_line_err(
		    &ft->fin, 1,
		    "not an ftrace event line (expected "
		    "'TASK-PID [CPU] FLAGS TIME: EVENT')");
	p = skip_spaces(s, n, p);
	if (p < n && !is_digit(s[p])) {
		size_t fl = flags_len(s, n, p);

		if (!fl)
			return sm_import_line_err(
			    &ft->fin, p + 1,
			    "expected the flags (4 or 5 of '.', letters, "
			    "digits) or the timestamp after the CPU");
		p = skip_spaces(s, n, p + fl);
	}
	rc = timestamp(ft, s, n, &p, l);
	if (rc)
		return rc;
	if (p >= n || s[p] != ' ' || p + 1 >= n)
		return sm_import_line_err(&ft->fin, p + 1,
					  "expected ' EVENT' after the "
					  "timestamp");
	return body(ft, s + p + 1, n - p - 1, p + 2, l);
}
