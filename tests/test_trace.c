/* SPDX-License-Identifier: MIT */
/* Tests of the trace format v1 reader (src/trace/trace_*.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <smmusim/error.h>
#include <smmusim/event.h>

#include "helpers.h"

#include "base/errbuf.h"
#include "arch/smmu_cmd.h"
#include "trace/trace_keys.h"
#include "trace/trace_lines.h"
#include "trace/trace_reader.h"
#include "trace/trace_values.h"

#define HDR "smmusim-trace 1\n"

/* ---- helpers ---- */

struct fixture {
	FILE *f;
	struct sm_trace_reader *r;
	struct sm_errbuf eb;
	struct counting cnt;
	struct smmusim_allocator alloc;
};

static struct fixture *fx_open(const char *text)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	size_t n = strlen(text);

	assert_non_null(fx);
	fx->alloc = counting_allocator(&fx->cnt);
	/* fmemopen of a zero-sized buffer is not portable: use a tmpfile. */
	if (n)
		fx->f = fmemopen((void *)text, n, "r");
	else
		fx->f = tmpfile();
	assert_non_null(fx->f);
	assert_int_equal(
	    sm_trace_open_stream(&fx->r, fx->f, "t", &fx->alloc, &fx->eb), 0);
	assert_string_equal(sm_trace_name(fx->r), "t");
	return fx;
}

static void fx_close(struct fixture *fx)
{
	sm_trace_close(fx->r);
	fclose(fx->f);
	assert_int_equal(fx->cnt.blocks, 0);
	assert_int_equal(fx->cnt.bytes, 0);
	free(fx);
}

static void next_ok(struct fixture *fx, struct smmusim_event *ev)
{
	int rc = sm_trace_next(fx->r, ev, &fx->eb);
	if (rc != 1)
		fail_msg("expected an event, got %d: %s", rc, fx->eb.msg);
}

static void next_eof(struct fixture *fx)
{
	struct smmusim_event ev;
	int rc = sm_trace_next(fx->r, &ev, &fx->eb);
	if (rc != 0)
		fail_msg("expected end of trace, got %d: %s", rc, fx->eb.msg);
}

/* Parse `text`, expect the first event of `text` to be the only one. */
static struct smmusim_event one_event(const char *text)
{
	struct fixture *fx = fx_open(text);
	struct smmusim_event ev;

	next_ok(fx, &ev);
	next_eof(fx);
	fx_close(fx);
	return ev;
}

/*
 * Read `text` until an error; the message must begin with `where`
 * ("t:LINE:COLUMN: ") and contain `what`.
 */
static void expect_err(const char *text, int code, const char *where,
		       const char *what)
{
	struct fixture *fx = fx_open(text);
	struct smmusim_event ev;
	int rc, n = 0;

	while ((rc = sm_trace_next(fx->r, &ev, &fx->eb)) == 1)
		assert_true(++n < 1000);
	if (rc != code)
		fail_msg("input:\n%s\nexpected code %d, got %d (%s)", text,
			 code, rc, fx->eb.msg);
	if (strncmp(fx->eb.msg, where, strlen(where)) != 0 ||
	    !strstr(fx->eb.msg, what))
		fail_msg("input:\n%s\nexpected '%s...%s', got '%s'", text,
			 where, what, fx->eb.msg);
	/* Errors are sticky. */
	memset(fx->eb.msg, 0, sizeof(fx->eb.msg));
	assert_int_equal(sm_trace_next(fx->r, &ev, &fx->eb), code);
	assert_true(strncmp(fx->eb.msg, where, strlen(where)) == 0);
	fx_close(fx);
}

#define PARSE_ERR(text, where, what)                                           \
	expect_err(text, SMMUSIM_EPARSE, where, what)

/* ---- tests ---- */

#define EXAMPLE                                                                \
	"smmusim-trace 1\n"                                                    \
	"# comments and blank lines are ignored; numbers are decimal or 0x "   \
	"hex; len may use K, M, G suffixes\n"                                  \
	"mm_create mm=1\n"                                                     \
	"mmap      mm=1 va=0x400000 len=64K prot=rw map=shared  # prot: "      \
	"none|r|rw (+x); map: private (default)|shared\n"                      \
	"bind      sid=0x10 ssid=1 mm=1                    # SVA: "            \
	"stream/substream now translates through mm 1\n"                       \
	"dev_access sid=0x10 ssid=1 va=0x401000 op=r       # op: r | w\n"      \
	"cpu_access cpu=0 mm=1 va=0x401000 op=w\n"                             \
	"+1000 mprotect mm=1 va=0x400000 len=64K prot=r    # +N: N cycles "    \
	"after the previous event; @N: at cycle N\n"                           \
	"munmap    mm=1 va=0x400000 len=64K\n"                                 \
	"unbind    sid=0x10 ssid=1\n"                                          \
	"mm_exit   mm=1\n"

static const char example[] = EXAMPLE;

static void assert_no_time(const struct smmusim_event *ev)
{
	assert_int_equal(ev->timing, SMMUSIM_AFTER_PREV);
	assert_int_equal(ev->time, 0);
}

static void test_example(void **state)
{
	struct fixture *fx = fx_open(example);
	struct smmusim_event ev;
	(void)state;

	next_ok(fx, &ev);
	assert_int_equal(ev.type, SMMUSIM_EV_MM_CREATE);
	assert_no_time(&ev);
	assert_int_equal(ev.line, 3);
	assert_int_equal(ev.column, 1);
	assert_int_equal(ev.mm, 1);

	next_ok(fx, &ev);
	assert_int_equal(ev.type, SMMUSIM_EV_MMAP);
	assert_no_time(&ev);
	assert_int_equal(ev.line, 4);
	assert_int_equal(ev.column, 1);
	assert_int_equal(ev.mm, 1);
	assert_int_equal(ev.va, 0x400000);
	assert_int_equal(ev.len, 64 * 1024);
	assert_int_equal(ev.prot, SMMUSIM_PROT_R | SMMUSIM_PROT_W);
	assert_int_equal(ev.map, SMMUSIM_MAP_SHARED);
	assert_int_equal(ev.cpu, 0);

	next_ok(fx, &ev);
	assert_int_equal(ev.type, SMMUSIM_EV_BIND);
	assert_no_time(&ev);
	assert_int_equal(ev.line, 5);
	assert_int_equal(ev.column, 1);
	assert_int_equal(ev.sid, 0x10);
	assert_int_equal(ev.ssid, 1);
	assert_int_equal(ev.mm, 1);
	assert_true(ev.pri);

	next_ok(fx, &ev);
	assert_int_equal(ev.type, SMMUSIM_EV_DEV_ACCESS);
	assert_no_time(&ev);
	assert_int_equal(ev.line, 6);
	assert_int_equal(ev.column, 1);
	assert_int_equal(ev.sid, 0x10);
	assert_int_equal(ev.ssid, 1);
	assert_int_equal(ev.va, 0x401000);
	assert_int_equal(ev.op, SMMUSIM_ACC_READ);

	next_ok(fx, &ev);
	assert_int_equal(ev.type, SMMUSIM_EV_CPU_ACCESS);
	assert_no_time(&ev);
	assert_int_equal(ev.line, 7);
	assert_int_equal(ev.column, 1);
	assert_int_equal(ev.cpu, 0);
	assert_int_equal(ev.mm, 1);
	assert_int_equal(ev.va, 0x401000);
	assert_int_equal(ev.op, SMMUSIM_ACC_WRITE);

	next_ok(fx, &ev);
	assert_int_equal(ev.type, SMMUSIM_EV_MPROTECT);
	assert_int_equal(ev.timing, SMMUSIM_AFTER_PREV);
	assert_int_equal(ev.time, 1000);
	assert_int_equal(ev.line, 8);
	assert_int_equal(ev.column, 7);
	assert_int_equal(ev.mm, 1);
	assert_int_equal(ev.va, 0x400000);
	assert_int_equal(ev.len, 0x10000);
	assert_int_equal(ev.prot, SMMUSIM_PROT_R);
	assert_int_equal(ev.cpu, 0);

	next_ok(fx, &ev);
	assert_int_equal(ev.type, SMMUSIM_EV_MUNMAP);
	assert_no_time(&ev);
	assert_int_equal(ev.line, 9);
	assert_int_equal(ev.column, 1);
	assert_int_equal(ev.mm, 1);
	assert_int_equal(ev.va, 0x400000);
	assert_int_equal(ev.len, 0x10000);
	assert_int_equal(ev.cpu, 0);

	next_ok(fx, &ev);
	assert_int_equal(ev.type, SMMUSIM_EV_UNBIND);
	assert_no_time(&ev);
	assert_int_equal(ev.line, 10);
	assert_int_equal(ev.sid, 0x10);
	assert_int_equal(ev.ssid, 1);

	next_ok(fx, &ev);
	assert_int_equal(ev.type, SMMUSIM_EV_MM_EXIT);
	assert_no_time(&ev);
	assert_int_equal(ev.line, 11);
	assert_int_equal(ev.mm, 1);
	assert_int_equal(ev.cpu, 0);

	next_eof(fx);
	next_eof(fx); /* end of trace is sticky too */
	fx_close(fx);
}

static void test_defaults_and_options(void **state)
{
	struct smmusim_event ev;
	(void)state;

	ev = one_event(HDR "mmap mm=2 va=0 len=4096 prot=none\n");
	assert_int_equal(ev.map, SMMUSIM_MAP_PRIVATE);
	assert_int_equal(ev.cpu, 0);
	assert_int_equal(ev.prot, 0);
	ev = one_event(HDR "mmap cpu=3 map=private prot=rwx len=1 va=1 mm=2\n");
	assert_int_equal(ev.map, SMMUSIM_MAP_PRIVATE);
	assert_int_equal(ev.cpu, 3);
	assert_int_equal(ev.prot,
			 SMMUSIM_PROT_R | SMMUSIM_PROT_W | SMMUSIM_PROT_X);
	ev = one_event(HDR "mprotect mm=1 va=0 len=1 prot=rx cpu=7\n");
	assert_int_equal(ev.prot, SMMUSIM_PROT_R | SMMUSIM_PROT_X);
	assert_int_equal(ev.cpu, 7);
	ev = one_event(HDR "munmap mm=1 va=0 len=1 cpu=5\n");
	assert_int_equal(ev.cpu, 5);
	ev = one_event(HDR "mm_exit mm=9 cpu=2\n");
	assert_int_equal(ev.mm, 9);
	assert_int_equal(ev.cpu, 2);
	ev = one_event(HDR "bind sid=1 ssid=2 mm=3\n");
	assert_true(ev.pri);
	ev = one_event(HDR "bind sid=1 ssid=2 mm=3 pri=off\n");
	assert_false(ev.pri);
	ev = one_event(HDR "bind sid=1 ssid=2 mm=3 pri=on\n");
	assert_true(ev.pri);
	/* Leading blanks and tabs; keyword column counts bytes. */
	ev = one_event(HDR " \t mm_create\tmm=4\n");
	assert_int_equal(ev.line, 2);
	assert_int_equal(ev.column, 4);
	/* Fields the event does not name are zero. */
	ev = one_event(HDR "unbind sid=1 ssid=2\n");
	assert_int_equal(ev.mm, 0);
	assert_int_equal(ev.va, 0);
	assert_int_equal(ev.len, 0);
	assert_false(ev.pri);
}

static void test_numbers(void **state)
{
	struct smmusim_event ev;
	(void)state;

	/* A SubstreamID is 20 bits: its largest value is 0xFFFFF (a larger
	 * one could alias SMMUSIM_NO_SSID). */
	ev = one_event(HDR "dev_access sid=4294967295 ssid=0xFFFFF "
			   "va=0xffffffffffffffff op=w\n");
	assert_int_equal(ev.sid, UINT32_MAX);
	assert_int_equal(ev.ssid, 0xfffff);
	assert_true(ev.va == UINT64_MAX);
	ev = one_event(HDR "cpu_access cpu=012 mm=0X1aBc "
			   "va=18446744073709551615 op=r\n");
	assert_int_equal(ev.cpu, 12);
	assert_int_equal(ev.mm, 0x1abc);
	assert_true(ev.va == UINT64_MAX);

	ev = one_event(HDR "munmap mm=1 va=0 len=4096\n");
	assert_int_equal(ev.len, 4096);
	ev = one_event(HDR "munmap mm=1 va=0 len=0x1000\n");
	assert_int_equal(ev.len, 4096);
	ev = one_event(HDR "munmap mm=1 va=0 len=4K\n");
	assert_int_equal(ev.len, 4096);
	ev = one_event(HDR "munmap mm=1 va=0 len=4k\n");
	assert_int_equal(ev.len, 4096);
	ev = one_event(HDR "munmap mm=1 va=0 len=2M\n");
	assert_int_equal(ev.len, 2 * 1024 * 1024);
	ev = one_event(HDR "munmap mm=1 va=0 len=3m\n");
	assert_int_equal(ev.len, 3 * 1024 * 1024);
	ev = one_event(HDR "munmap mm=1 va=0 len=1G\n");
	assert_true(ev.len == 1024ull * 1024 * 1024);
	ev = one_event(HDR "munmap mm=1 va=0 len=16g\n");
	assert_true(ev.len == 16ull << 30);
	ev = one_event(HDR "munmap mm=1 va=0 len=0x10K\n");
	assert_int_equal(ev.len, 16 * 1024);
	/* Largest len with a suffix that still fits. */
	ev = one_event(HDR "munmap mm=1 va=0 len=17179869183G\n");
	assert_true(ev.len == 17179869183ull << 30);

	ev = one_event(HDR "+0x10 mm_create mm=1\n");
	assert_int_equal(ev.timing, SMMUSIM_AFTER_PREV);
	assert_int_equal(ev.time, 16);
	ev = one_event(HDR "+0 mm_create mm=1\n");
	assert_int_equal(ev.timing, SMMUSIM_AFTER_PREV);
	assert_int_equal(ev.time, 0);
	ev = one_event(HDR "@18446744073709551615 mm_create mm=1\n");
	assert_int_equal(ev.timing, SMMUSIM_AT);
	assert_true(ev.time == UINT64_MAX);
	assert_int_equal(ev.column, 23);
}

/* The reader's word-at-a-time paths (trace_values.h: eight digits per
 * chunk; trace_keys.h: names packed in a word) at the lengths where a
 * chunk ends, each against the full parser's verdict. */
static void test_number_chunks(void **state)
{
	struct smmusim_event ev;
	(void)state;

	ev = one_event(HDR "dev_access sid=12345678 va=0x12345678 op=w\n");
	assert_int_equal(ev.sid, 12345678);
	assert_true(ev.va == 0x12345678);
	ev = one_event(HDR "dev_access sid=123456789 va=0x123456789 op=w\n");
	assert_int_equal(ev.sid, 123456789);
	assert_true(ev.va == 0x123456789ull);
	ev = one_event(HDR "dev_access sid=1 va=1234567890123456789 op=w\n");
	assert_true(ev.va == 1234567890123456789ull);
	ev = one_event(HDR "dev_access sid=1 va=0xFedCba9876543210 op=w\n");
	assert_true(ev.va == 0xfedcba9876543210ull);
	ev = one_event(HDR "dev_access sid=1 va=0x0000000000000001 op=w\n");
	assert_true(ev.va == 1);
	/* more digits than the fast path takes: the full parser's */
	ev = one_event(HDR "dev_access sid=1 va=00000000000000000000001 "
			   "op=w\n");
	assert_true(ev.va == 1);
	ev = one_event(HDR "dev_access sid=1 va=0x00000000000000001 op=w\n");
	assert_true(ev.va == 1);
	ev = one_event(HDR "@0000000000000000000012 dev_access sid=1 va=0 "
			   "op=w\n");
	assert_true(ev.time == 12);
	/* the value at the very end of the line, no newline */
	ev = one_event(HDR "dev_access op=w sid=7 va=0xabcdef");
	assert_true(ev.va == 0xabcdef);
	assert_int_equal(ev.sid, 7);
	expect_err(HDR "dev_access sid=1 va=0x op=w\n", SMMUSIM_EPARSE,
		   "t:2:", "bad number for key 'va'");
	expect_err(HDR "dev_access sid=1 va=0x12345678g op=w\n", SMMUSIM_EPARSE,
		   "t:2:31:", "trailing garbage 'g'");
	expect_err(HDR "dev_access sid=1 va=123456789: op=w\n", SMMUSIM_EPARSE,
		   "t:2:30:", "trailing garbage ':'");
	expect_err(HDR "dev_access sid=1 va=0x10000000000000000 op=w\n",
		   SMMUSIM_EPARSE, "t:2:", "value out of range for key 'va'");
	expect_err(HDR "dev_access sid=1 va=18446744073709551616 op=w\n",
		   SMMUSIM_EPARSE, "t:2:", "value out of range for key 'va'");
	expect_err(HDR "dev_access sid=4294967296 va=0 op=w\n", SMMUSIM_EPARSE,
		   "t:2:", "value out of range for key 'sid'");
	expect_err(HDR "dev_access sid=1 va=0 op=ww\n", SMMUSIM_EPARSE,
		   "t:2:", "bad value for key 'op'");
	expect_err(HDR "dev_access sid=1 vax=0 op=w\n", SMMUSIM_EPARSE,
		   "t:2:", "unknown key 'vax'");
	expect_err(HDR "dev_access sid=1 sid=2 va=0 op=w\n", SMMUSIM_EPARSE,
		   "t:2:18:", "duplicate key 'sid'");
}

/* sm_trace_number_at()'s contract, digit by digit: a decimal number of up
 * to 19 digits or 0x and up to 16 hex digits, its length up to the first
 * byte that is not one of its digits; 0 when none or longer. */
static size_t ref_number_at(const char *s, size_t n, uint64_t *out)
{
	bool hex = n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	size_t i = hex ? 2 : 0, max = hex ? 18 : 19;
	uint64_t v = 0;

	for (; i < n; i++) {
		unsigned c = (unsigned char)s[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (hex && (c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (c | 0x20) - 'a' + 10;
		else
			break;
		if (i >= max)
			return 0;
		v = hex ? v << 4 | d : v * 10 + d;
	}
	if (i == (hex ? 2u : 0u))
		return 0;
	*out = v;
	return i;
}

/* The word-at-a-time number parser (trace_values.h) against the reference
 * on random strings of digits, letters and bytes around each bound. */
static void test_number_at_random(void **state)
{
	static const char alpha[] = "0123456789abcdefABCDEFxXgG :/@`\x80"
				    "\xff\x10\x19\t";
	uint64_t seed = 12345;
	char buf[24];
	(void)state;

	for (int it = 0; it < 200000; it++) {
		size_t n, i, la, lb;
		uint64_t a = 1, b = 2;

		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		n = (size_t)(seed >> 40) % sizeof(buf);
		for (i = 0; i < n; i++) {
			seed = seed * 6364136223846793005ull +
			       1442695040888963407ull;
			buf[i] =
			    (seed >> 61) == 0
				? (char)(seed >> 33)
				: alpha[(seed >> 33) % (sizeof(alpha) - 1)];
			if ((it & 3) == 1)
				buf[i] = (char)('0' + (seed >> 33) % 10);
		}
		if (n >= 2 && (it & 4)) {
			buf[0] = '0';
			buf[1] = (it & 8) ? 'x' : 'X';
		}
		la = ref_number_at(buf, n, &a);
		lb = sm_trace_number_at(buf, n, &b);
		assert_int_equal(la, lb);
		if (la)
			assert_true(a == b);
	}
}

/* An event starts from its row's template (trace_keys.h), the keys given
 * then fill their fields: the same event as filling the defaults after the
 * keys only when no two keys of an event fill one field. */
static void test_keys_fill_own_fields(void **state)
{
	struct sm_trace_index ix;
	(void)state;

	sm_trace_index_init(&ix);
	for (unsigned e = 0; e < SMMUSIM_EV_COUNT_; e++) {
		const struct sm_trace_event_def *d = sm_trace_find_event(
		    &ix, smmusim_event_name(e), strlen(smmusim_event_name(e)));

		assert_non_null(d);
		assert_int_equal(sm_trace_event_row(d), e);
		for (unsigned a = 0; d->keys[a].key != K_NONE; a++)
			for (unsigned b = a + 1; d->keys[b].key != K_NONE;
			     b++) {
				struct smmusim_event x, y;

				memset(&x, 0, sizeof(x));
				memset(&y, 0, sizeof(y));
				sm_trace_set_field(&x, d->keys[a].key, 1);
				sm_trace_set_field(&y, d->keys[a].key, 1);
				sm_trace_set_field(&y, d->keys[b].key, 2);
				sm_trace_set_field(&x, d->keys[b].key, 2);
				if (memcmp(&x, &y, sizeof(x)))
					fail_msg(
					    "%s: keys %s and %s share a "
					    "field",
					    smmusim_event_name(e),
					    sm_trace_key_defs[d->keys[a].key]
						.name,
					    sm_trace_key_defs[d->keys[b].key]
						.name);
			}
	}
}

/* One event, then the end, asked for three times. */
static void one_event_then_end(const char *name, const char *data, size_t n)
{
	smmusim_trace_t *t;
	struct smmusim_event ev;
	assert_int_equal(
	    smmusim_trace_open_buffer(&t, name, data, n, NULL, NULL, 0), 0);
	assert_int_equal(smmusim_trace_next(t, &ev), 1);
	for (int i = 0; i < 3; i++)
		assert_int_equal(smmusim_trace_next(t, &ev), 0);
	smmusim_trace_close(t);
}

/* The end of the input stays the end: a buffer whose last line has no
 * newline, a compressed one, asked again after their end. */
static void test_end_stays_end(void **state)
{
	static const char text[] = "smmusim-trace 1\nmm_create mm=1";
	size_t n;
	uint8_t *z = zstd_encode(text, &n);
	(void)state;

	one_event_then_end("b", text, strlen(text));
	one_event_then_end("z", (const char *)z, n);
	free(z);
}

static void test_event_errors(void **state)
{
	(void)state;
	/* unknown event, listing the known keywords */
	PARSE_ERR(HDR "\nfoo mm=1\n", "t:3:1: ",
		  "unknown event 'foo' (known events: mm_create, mmap, "
		  "munmap, mprotect, mm_exit, bind, unbind, dev_access, "
		  "cpu_access, touch, madvise, reclaim, tlbi, dsb, "
		  "domain_create, attach, iommu_map, iommu_unmap, cmd, "
		  "dma_map, dma_unmap)");
	PARSE_ERR(HDR "  +5 MMAP mm=1\n", "t:2:6: ", "unknown event 'MMAP'");
	/* unknown key for this event, listing the allowed keys */
	PARSE_ERR(HDR "mmap mm=1 va=0 len=1 prot=r sid=1\n", "t:2:29: ",
		  "unknown key 'sid' for mmap (allowed keys: mm, va, len, "
		  "prot, map, cpu)");
	PARSE_ERR(HDR "bind sid=1 ssid=1 mm=1 va=0\n", "t:2:24: ",
		  "unknown key 'va' for bind (allowed keys: sid, ssid, mm, "
		  "pri, cpu)");
	/* missing required key: column of the keyword */
	PARSE_ERR(HDR "mm_create mm=1\n  mmap mm=1 va=0 prot=r\n", "t:3:3: ",
		  "missing required key 'len' for mmap (required: mm, va, "
		  "len, prot)");
	PARSE_ERR(HDR "@7 dev_access sid=1 ssid=1 va=0\n",
		  "t:2:4: ", "missing required key 'op' for dev_access");
	PARSE_ERR(HDR "mm_create\n", "t:2:1: ", "missing required key 'mm'");
	/* a SubstreamID beyond 20 bits */
	PARSE_ERR(HDR "dev_access sid=1 ssid=0x100000 va=0 op=r\n", "t:2:23: ",
		  "value out of range for key 'ssid': 0x100000 (allowed "
		  "0..1048575)");
	/* duplicate key: column of the second one */
	PARSE_ERR(HDR "mm_create mm=1 mm=2\n",
		  "t:2:16: ", "duplicate key 'mm' (first given at column 11)");
	/* malformed token */
	PARSE_ERR(HDR "mm_create mm 1\n",
		  "t:2:11: ", "malformed token 'mm': expected key=value");
	PARSE_ERR(HDR "mm_create =1\n",
		  "t:2:11: ", "malformed token '=1': expected key=value");
	PARSE_ERR(HDR "mm_create mm = 1\n", "t:2:11: ", "malformed token");
	/* empty value: column of the key */
	PARSE_ERR(HDR "mm_create mm=\n",
		  "t:2:11: ", "empty value for key 'mm'");
	/* bad number, naming the key: column of the value */
	PARSE_ERR(HDR "cpu_access cpu=0 mm=1 va=zz op=r\n",
		  "t:2:26: ", "bad number for key 'va': 'zz'");
	PARSE_ERR(HDR "mm_create mm=-1\n",
		  "t:2:14: ", "bad number for key 'mm': '-1'");
	PARSE_ERR(HDR "mm_create mm=+1\n",
		  "t:2:14: ", "bad number for key 'mm'");
	PARSE_ERR(HDR "mm_create mm=0x\n",
		  "t:2:14: ", "bad number for key 'mm': '0x'");
	PARSE_ERR(HDR "munmap mm=1 va=0 len=K\n",
		  "t:2:22: ", "bad number for key 'len': 'K'");
	/* bad enum value, listing the allowed words */
	PARSE_ERR(HDR "mmap mm=1 va=0 len=1 prot=wr\n", "t:2:27: ",
		  "bad value for key 'prot': 'wr' (allowed: none, r, rw, rx, "
		  "rwx)");
	PARSE_ERR(HDR "mmap mm=1 va=0 len=1 prot=r map=anon\n", "t:2:33: ",
		  "bad value for key 'map': 'anon' (allowed: private, shared)");
	PARSE_ERR(HDR "cpu_access cpu=0 mm=1 va=0 op=z\n",
		  "t:2:31: ", "bad value for key 'op': 'z' (allowed: r, w, x)");
	PARSE_ERR(HDR "bind sid=1 ssid=1 mm=1 pri=yes\n", "t:2:28: ",
		  "bad value for key 'pri': 'yes' (allowed: on, off)");
	PARSE_ERR(HDR "cpu_access cpu=0 mm=1 va=0 op=R\n",
		  "t:2:31: ", "bad value for key 'op'");
	/* value out of range: names the key and the range */
	PARSE_ERR(HDR "mm_create mm=4294967296\n", "t:2:14: ",
		  "value out of range for key 'mm': 4294967296 (allowed "
		  "0..4294967295)");
	PARSE_ERR(HDR "cpu_access cpu=0x100000000 mm=1 va=0 op=r\n",
		  "t:2:16: ", "key 'cpu': 0x100000000 (allowed 0..4294967295)");
	PARSE_ERR(HDR "unbind sid=1 ssid=99999999999\n", "t:2:19: ",
		  "key 'ssid': 99999999999 (allowed 0..4294967295)");
	PARSE_ERR(HDR "bind sid=4294967296 ssid=1 mm=1\n",
		  "t:2:10: ", "out of range for key 'sid'");
	PARSE_ERR(HDR "cpu_access cpu=0 mm=1 va=18446744073709551616 op=r\n",
		  "t:2:26: ",
		  "value out of range for key 'va': 18446744073709551616 "
		  "(allowed 0..18446744073709551615)");
	PARSE_ERR(HDR "cpu_access cpu=0 mm=1 va=0x10000000000000000 op=r\n",
		  "t:2:26: ", "out of range for key 'va'");
	PARSE_ERR(HDR "munmap mm=1 va=0 len=0\n", "t:2:22: ",
		  "value out of range for key 'len': 0 (allowed "
		  "1..18446744073709551615)");
	PARSE_ERR(HDR "munmap mm=1 va=0 len=17179869184G\n",
		  "t:2:22: ", "value out of range for key 'len'");
	/* trailing garbage after a number: column of the garbage */
	PARSE_ERR(HDR "cpu_access cpu=0 mm=1 va=12zz op=r\n", "t:2:28: ",
		  "trailing garbage 'zz' after number for key 'va'");
	PARSE_ERR(HDR "munmap mm=1 va=0 len=4KB\n", "t:2:24: ",
		  "trailing garbage 'B' after number for key 'len'");
	PARSE_ERR(HDR "munmap mm=1 va=0x12g len=1\n",
		  "t:2:20: ", "trailing garbage 'g' after number for key 'va'");
	/* only len takes size suffixes */
	PARSE_ERR(HDR "munmap mm=1 va=4K len=1\n", "t:2:17: ",
		  "trailing garbage 'K' after number for key 'va' (K, M, G "
		  "suffixes are for len only)");
	PARSE_ERR(HDR "mm_create mm=1k\n",
		  "t:2:15: ", "trailing garbage 'k' after number for key 'mm'");
	/* trailing garbage wins over overflow */
	PARSE_ERR(HDR "mm_create mm=99999999999x\n",
		  "t:2:25: ", "trailing garbage 'x'");
	/* time prefixes */
	PARSE_ERR(HDR "+100\n",
		  "t:2:1: ", "time prefix '+100' without an event keyword");
	PARSE_ERR(HDR "  @5   # comment\n",
		  "t:2:3: ", "time prefix '@5' without an event keyword");
	PARSE_ERR(HDR "+ mm_create mm=1\n",
		  "t:2:1: ", "bad time prefix '+': expected +N or @N");
	PARSE_ERR(HDR "+1x mm_create mm=1\n",
		  "t:2:1: ", "bad time prefix '+1x'");
	PARSE_ERR(HDR "@-1 mm_create mm=1\n",
		  "t:2:1: ", "bad time prefix '@-1'");
	PARSE_ERR(HDR "@1K mm_create mm=1\n",
		  "t:2:1: ", "bad time prefix '@1K'");
	PARSE_ERR(HDR "@18446744073709551616 mm_create mm=1\n", "t:2:1: ",
		  "time prefix '@18446744073709551616' out of range");
	/* a time prefix in the middle is just a malformed token */
	PARSE_ERR(HDR "mm_create +5 mm=1\n",
		  "t:2:11: ", "malformed token '+5'");
	/* an error after good events */
	PARSE_ERR(EXAMPLE "mm_exit mm=1 bogus=1\n", "t:12:14: ",
		  "unknown key 'bogus' for mm_exit (allowed keys: mm, cpu)");
}

/* The columns that messages quote for keys read by the fast path, which
 * records none (the slow paths read them back from the line): keys in and
 * out of documented order, after a value only the full parser reads (4K),
 * after blanks and tabs, and a command's stray key. */
static void test_error_columns_after_fast_keys(void **state)
{
	(void)state;
	PARSE_ERR(HDR "dev_access sid=0x10 va=0x1000 op=r sid=3\n",
		  "t:2:36: ", "duplicate key 'sid' (first given at column 12)");
	PARSE_ERR(HDR "dev_access sid=0x10 op=r ssid=1 va=3 sid=2\n",
		  "t:2:38: ", "duplicate key 'sid' (first given at column 12)");
	PARSE_ERR(HDR "dev_access   sid=0x10\tva=0x1000  op=r   sid=1\n",
		  "t:2:41: ", "duplicate key 'sid' (first given at column 14)");
	PARSE_ERR(HDR "dma_unmap dom=1 va=0x1000 len=1K cpu=2 len=3\n",
		  "t:2:40: ", "duplicate key 'len' (first given at column 27)");
	PARSE_ERR(HDR "mmap mm=1 va=0x1000 len=4K prot=rw map=shared cpu=1 "
		      "map=private\n",
		  "t:2:53: ", "duplicate key 'map' (first given at column 36)");
	PARSE_ERR(HDR "cmd op=cfgi_ste_range sid=1 range=3 leaf=1\n",
		  "t:2:37: ",
		  "cfgi_ste_range has no field for key 'leaf' (its keys: op, "
		  "sid, range)");
	PARSE_ERR(HDR "cmd op=tlbi_nh_va asid=1 addr=0x1000 leaf=1 range=2 "
		      "sid=3\n",
		  "t:2:45: ", "tlbi_nh_va has no field for key 'range'");
	PARSE_ERR(HDR "dma_map dom=1 va=0x1000 pa=0x2000 prot=rw cpu=1\n",
		  "t:2:1: ", "missing required key 'len' for dma_map");
}

static void test_long_token_in_message(void **state)
{
	char text[600];
	(void)state;
	snprintf(text, sizeof(text), HDR "%0200d mm=1\n", 0);
	/* The token is cut in the message, which still fits. */
	PARSE_ERR(text, "t:2:1: ", "unknown event '0000");
	PARSE_ERR(text, "t:2:1: ", "...' (known events: mm_create");
}

static void test_version(void **state)
{
	struct smmusim_event ev;
	(void)state;

	ev = one_event("# leading comment\n\n  \t\nsmmusim-trace 1  # c\n"
		       "mm_create mm=1\n");
	assert_int_equal(ev.line, 5);
	ev = one_event("\tsmmusim-trace\t1\nmm_create mm=1\n");
	assert_int_equal(ev.line, 2);

	PARSE_ERR("smmusim-trace 2\n", "t:1:15: ",
		  "unsupported trace version 2 (this reader reads version 1)");
	PARSE_ERR("# v\nsmmusim-trace 12 # future\nfoo\n", "t:2:15: ",
		  "unsupported trace version 12 (this reader reads version "
		  "1)");
	PARSE_ERR("smmusim-trace\n",
		  "t:1:1: ", "expected 'smmusim-trace 1' header");
	PARSE_ERR("smmusim-trace one\n",
		  "t:1:15: ", "expected 'smmusim-trace 1' header");
	PARSE_ERR("smmusim-trace 1 extra\n",
		  "t:1:17: ", "expected 'smmusim-trace 1' header");
	PARSE_ERR("smmusim-trace1\n",
		  "t:1:1: ", "expected 'smmusim-trace 1' header");
	PARSE_ERR("SMMUSIM-TRACE 1\n",
		  "t:1:1: ", "expected 'smmusim-trace 1' header");
	PARSE_ERR("mm_create mm=1\n",
		  "t:1:1: ", "expected 'smmusim-trace 1' header");
	PARSE_ERR("\n\n  +1 smmusim-trace 1\n",
		  "t:3:3: ", "expected 'smmusim-trace 1' header");
	/* No header at all. */
	PARSE_ERR("", "t:1:1: ",
		  "expected 'smmusim-trace 1' header, found end of file");
	PARSE_ERR("# only\n\n# comments\n", "t:4:1: ",
		  "expected 'smmusim-trace 1' header, found end of file");

	/* A header alone is an empty, valid trace. */
	{
		struct fixture *fx = fx_open(HDR);
		next_eof(fx);
		fx_close(fx);
	}
	/* A second header is not an event. */
	PARSE_ERR(HDR HDR, "t:2:1: ", "unknown event 'smmusim-trace'");
}

static void test_crlf(void **state)
{
	struct fixture *fx =
	    fx_open("smmusim-trace 1\r\n"
		    "# comment\r\n"
		    "\r\n"
		    "mm_create mm=1\r\n"
		    "cpu_access cpu=1 mm=1 va=0x10 op=w # c\r\n"
		    "mm_exit mm=1\r\n");
	struct smmusim_event ev;
	(void)state;

	next_ok(fx, &ev);
	assert_int_equal(ev.type, SMMUSIM_EV_MM_CREATE);
	assert_int_equal(ev.mm, 1);
	assert_int_equal(ev.line, 4);
	next_ok(fx, &ev);
	assert_int_equal(ev.type, SMMUSIM_EV_CPU_ACCESS);
	assert_int_equal(ev.op, SMMUSIM_ACC_WRITE);
	assert_int_equal(ev.va, 0x10);
	next_ok(fx, &ev);
	assert_int_equal(ev.type, SMMUSIM_EV_MM_EXIT);
	assert_int_equal(ev.line, 6);
	next_eof(fx);
	fx_close(fx);

	/* CR on the last line without a final newline; no final newline. */
	ev = one_event(HDR "mm_create mm=7\r");
	assert_int_equal(ev.mm, 7);
	ev = one_event(HDR "mm_create mm=8");
	assert_int_equal(ev.mm, 8);
	/* The value ends before the CR. */
	PARSE_ERR("smmusim-trace 1\r\nmm_create mm=1x\r\n",
		  "t:2:15: ", "trailing garbage 'x'");
}

static void test_long_lines(void **state)
{
	const size_t n = 10000;
	char *text = malloc(3 * n + 200);
	struct fixture *fx;
	struct smmusim_event ev;
	size_t pos;
	(void)state;

	assert_non_null(text);
	/* A 10,000-character comment line between two events. */
	pos = (size_t)sprintf(text, HDR "mm_create mm=1\n");
	text[pos++] = '#';
	memset(text + pos, 'c', n - 1);
	pos += n - 1;
	pos += (size_t)sprintf(text + pos, "\nmm_exit mm=1\n");
	/* An event line with 10,000 blanks before a key. */
	pos += (size_t)sprintf(text + pos, "mm_create");
	memset(text + pos, ' ', n);
	pos += n;
	pos += (size_t)sprintf(text + pos, "mm=2");
	memset(text + pos, '\t', n);
	pos += n;
	sprintf(text + pos, "\nbogus\n");

	fx = fx_open(text);
	next_ok(fx, &ev);
	assert_int_equal(ev.type, SMMUSIM_EV_MM_CREATE);
	next_ok(fx, &ev);
	assert_int_equal(ev.type, SMMUSIM_EV_MM_EXIT);
	assert_int_equal(ev.line, 4);
	next_ok(fx, &ev);
	assert_int_equal(ev.type, SMMUSIM_EV_MM_CREATE);
	assert_int_equal(ev.mm, 2);
	assert_int_equal(ev.line, 5);
	assert_int_equal(sm_trace_next(fx->r, &ev, &fx->eb), SMMUSIM_EPARSE);
	assert_true(strncmp(fx->eb.msg, "t:6:1: unknown event 'bogus'", 28) ==
		    0);
	fx_close(fx);

	/* Column of an error far along a long line. */
	pos = (size_t)sprintf(text, HDR "mm_create");
	memset(text + pos, ' ', n);
	pos += n;
	sprintf(text + pos, "mm=x\n");
	PARSE_ERR(text, "t:2:10013: ", "bad number for key 'mm'");
	free(text);
}

static void test_time_order(void **state)
{
	struct fixture *fx = fx_open(HDR "@100 mm_create mm=1\n"
					 "+5 mm_create mm=2\n"
					 "@100 mm_create mm=3\n"
					 "mm_create mm=4\n"
					 "@0x1000 mm_create mm=5\n");
	struct smmusim_event ev;
	(void)state;

	next_ok(fx, &ev);
	assert_int_equal(ev.timing, SMMUSIM_AT);
	assert_int_equal(ev.time, 100);
	assert_int_equal(ev.column, 6);
	next_ok(fx, &ev);
	assert_int_equal(ev.timing, SMMUSIM_AFTER_PREV);
	assert_int_equal(ev.time, 5);
	next_ok(fx, &ev);
	assert_int_equal(ev.timing, SMMUSIM_AT);
	assert_int_equal(ev.time, 100); /* equal is fine */
	next_ok(fx, &ev);
	assert_int_equal(ev.timing, SMMUSIM_AFTER_PREV);
	assert_int_equal(ev.time, 0);
	next_ok(fx, &ev);
	assert_int_equal(ev.timing, SMMUSIM_AT);
	assert_int_equal(ev.time, 0x1000);
	next_eof(fx);
	fx_close(fx);

	PARSE_ERR(HDR "@100 mm_create mm=1\n"
		      "+1000 mm_create mm=2\n"
		      "\n"
		      "  @99 mm_create mm=3\n",
		  "t:5:3: ",
		  "out-of-order time stamp @99: earlier than @100 on line 2");
	PARSE_ERR(HDR "@5 mm_create mm=1\n@10 mm_create mm=1\n"
		      "@0x9 mm_create mm=1\n",
		  "t:4:1: ",
		  "out-of-order time stamp @9: earlier than @10 on line 3");
}

static void test_open_errors(void **state)
{
	struct sm_trace_reader *r = (void *)1;
	struct sm_errbuf eb;
	char want[256];
	(void)state;

	assert_int_equal(
	    sm_trace_open(&r, "/nonexistent/dir/x.trace", NULL, &eb),
	    SMMUSIM_EIO);
	assert_null(r);
	snprintf(want, sizeof(want),
		 "/nonexistent/dir/x.trace: cannot open: %s", strerror(ENOENT));
	assert_string_equal(eb.msg, want);

	assert_int_equal(sm_trace_open(NULL, "x", NULL, &eb), SMMUSIM_EINVAL);
	assert_int_equal(sm_trace_open_stream(&r, NULL, "x", NULL, &eb),
			 SMMUSIM_EINVAL);
	sm_trace_close(NULL);
}

static void test_open_path(void **state)
{
	char path[] = "/tmp/test_trace_XXXXXX";
	int fd = mkstemp(path);
	FILE *f;
	struct sm_trace_reader *r;
	struct sm_errbuf eb;
	struct smmusim_event ev;
	(void)state;

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(example, f);
	fclose(f);

	/* The default allocator (NULL). */
	assert_int_equal(sm_trace_open(&r, path, NULL, &eb), 0);
	assert_string_equal(sm_trace_name(r), path);
	for (int i = 0; i < 9; i++)
		assert_int_equal(sm_trace_next(r, &ev, &eb), 1);
	assert_int_equal(ev.type, SMMUSIM_EV_MM_EXIT);
	assert_int_equal(sm_trace_next(r, &ev, &eb), 0);
	sm_trace_close(r);
	remove(path);
}

/* The public reader on bytes in memory: the same events from plain text
 * and from its xz, gzip and zstd forms (told by their magic bytes), and a
 * cut compressed buffer refused after the lines before the cut. */
static void test_compressed_buffers(void **state)
{
	static uint8_t *(*const enc[])(const char *, size_t *) = {
	    xz_encode, gz_encode, zstd_encode};
	static const char *const what[] = {"xz", "gzip", "zstd"};
	char text[64 * 1024], msg[512], want[128];
	size_t pos, n;
	(void)state;

	pos = (size_t)snprintf(text, sizeof(text), "smmusim-trace 1\n");
	for (unsigned i = 1; pos + 64 < sizeof(text); i++)
		pos += (size_t)snprintf(text + pos, sizeof(text) - pos,
					"mm_create mm=%u\n", i);
	for (size_t f = 0; f < 3; f++) {
		uint8_t *data = enc[f](text, &n);
		smmusim_trace_t *t;
		struct smmusim_event ev;
		unsigned events = 0;
		int rc;

		assert_int_equal(
		    smmusim_trace_open_buffer(&t, "b", (const char *)data, n,
					      NULL, msg, sizeof(msg)),
		    0);
		while ((rc = smmusim_trace_next(t, &ev)) > 0)
			assert_int_equal(ev.mm, ++events);
		assert_int_equal(rc, 0);
		assert_true(events > 1000);
		smmusim_trace_close(t);

		/* cut in the middle: the good lines, then the error */
		assert_int_equal(
		    smmusim_trace_open_buffer(&t, "b", (const char *)data,
					      n / 2, NULL, msg, sizeof(msg)),
		    0);
		events = 0;
		while ((rc = smmusim_trace_next(t, &ev)) > 0)
			events++;
		assert_int_equal(rc, SMMUSIM_EPARSE);
		snprintf(want, sizeof(want), "b: truncated %s data: ", what[f]);
		if (strncmp(smmusim_trace_error(t), want, strlen(want)))
			fail_msg("%s", smmusim_trace_error(t));
		smmusim_trace_close(t);
		free(data);
	}
}

static void test_out_of_memory(void **state)
{
	struct counting cnt;
	struct smmusim_allocator a = counting_allocator(&cnt);
	struct sm_trace_reader *r;
	struct sm_errbuf eb;
	struct smmusim_event ev;
	char *text = malloc(2000);
	FILE *f;
	int rc;
	(void)state;

	assert_non_null(text);
	memset(text, '#', 1999);
	text[1999] = '\0';
	f = fmemopen(text, strlen(text), "r");
	assert_non_null(f);
	/* Every allocation of the constructor in turn fails. */
	for (long k = 0; k < 3; k++) {
		cnt.fail_after = k;
		assert_int_equal(sm_trace_open_stream(&r, f, "t", &a, &eb),
				 SMMUSIM_ENOMEM);
		assert_null(r);
		assert_int_equal(cnt.blocks, 0);
		assert_int_equal(cnt.bytes, 0);
	}
	/* Growing the line buffer fails. */
	cnt.fail_after = 3;
	assert_int_equal(sm_trace_open_stream(&r, f, "t", &a, &eb), 0);
	rc = sm_trace_next(r, &ev, &eb);
	assert_int_equal(rc, SMMUSIM_ENOMEM);
	assert_string_equal(eb.msg,
			    "t:1:1: out of memory reading a line of 1999 "
			    "bytes or more");
	assert_int_equal(sm_trace_next(r, &ev, &eb), SMMUSIM_ENOMEM);
	sm_trace_close(r);
	assert_int_equal(cnt.blocks, 0);
	assert_int_equal(cnt.bytes, 0);
	fclose(f);
	free(text);
}

static void test_nul_byte(void **state)
{
	static const char text[] = HDR "mm_create mm=1\0\n";
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct smmusim_event ev;
	(void)state;

	assert_non_null(fx);
	fx->f = fmemopen((void *)text, sizeof(text) - 1, "r");
	assert_non_null(fx->f);
	assert_int_equal(
	    sm_trace_open_stream(&fx->r, fx->f, NULL, NULL, &fx->eb), 0);
	assert_int_equal(sm_trace_next(fx->r, &ev, &fx->eb), SMMUSIM_EPARSE);
	assert_string_equal(fx->eb.msg, "<stream>:2:15: NUL byte in line");
	sm_trace_close(fx->r);
	fclose(fx->f);
	free(fx);
}

/* The first error of text[0..n) read as a stream named "s". */
static void expect_stream_err(const char *text, size_t n, const char *want)
{
	struct sm_trace_reader *r = NULL;
	struct smmusim_event ev;
	struct sm_errbuf eb;
	FILE *f = fmemopen((void *)text, n, "r");
	int rc;

	assert_non_null(f);
	assert_int_equal(sm_trace_open_stream(&r, f, "s", NULL, &eb), 0);
	while ((rc = sm_trace_next(r, &ev, &eb)) > 0)
		;
	assert_int_equal(rc, SMMUSIM_EPARSE);
	assert_string_equal(eb.msg, want);
	sm_trace_close(r);
	fclose(f);
}

/* Control bytes anywhere, comments included, are refused at their column
 * instead of hiding what follows (issue 8); the CR of CRLF is fine. */
static void test_control_bytes(void **state)
{
	static const char nul_comment[] = HDR "mm_create mm=1 # a\0b\n";
	static const char nul_header[] = "smmusim-trace 1 #\0\n";
	static const char esc[] = HDR "# \x1b[31m red\nmm_create mm=1\n";
	static const char cr_mid[] = HDR "mm_create mm=1\rmm_exit mm=1\n";
	static const char del[] = HDR "mm_create mm=1\x7f\n";
	static const char vt[] = HDR "mm_create\vmm=1\n";
	static const char crlf[] = "smmusim-trace 1\r\nmm_create\tmm=1\r\n"
				   "mm_exit mm=1\r";
	struct sm_trace_reader *r = NULL;
	struct smmusim_event ev;
	struct sm_errbuf eb;
	FILE *f;

	(void)state;
	expect_stream_err(nul_comment, sizeof(nul_comment) - 1,
			  "s:2:19: NUL byte in line");
	expect_stream_err(nul_header, sizeof(nul_header) - 1,
			  "s:1:18: NUL byte in line");
	expect_stream_err(esc, sizeof(esc) - 1,
			  "s:2:3: control byte 0x1b in line (only tab; lines "
			  "end with \\n or \\r\\n)");
	expect_stream_err(cr_mid, sizeof(cr_mid) - 1,
			  "s:2:15: control byte 0x0d in line (only tab; lines "
			  "end with \\n or \\r\\n)");
	expect_stream_err(del, sizeof(del) - 1,
			  "s:2:15: control byte 0x7f in line (only tab; lines "
			  "end with \\n or \\r\\n)");
	expect_stream_err(vt, sizeof(vt) - 1,
			  "s:2:10: control byte 0x0b in line (only tab; lines "
			  "end with \\n or \\r\\n)");
	/* a stream of NULs stops at the first, without reading on */
	{
		size_t n = 1u << 20;
		char *zeros = calloc(1, n);

		assert_non_null(zeros);
		memcpy(zeros, HDR, strlen(HDR));
		expect_stream_err(zeros, n, "s:2:1: NUL byte in line");
		free(zeros);
	}
	expect_stream_err(HDR "mm_create mm=1\r\r\n", strlen(HDR) + 17,
			  "s:2:15: control byte 0x0d in line (only tab; lines "
			  "end with \\n or \\r\\n)");
	/* CRLF line ends and tabs are accepted */
	f = fmemopen((void *)crlf, sizeof(crlf) - 1, "r");
	assert_non_null(f);
	assert_int_equal(sm_trace_open_stream(&r, f, "s", NULL, &eb), 0);
	assert_int_equal(sm_trace_next(r, &ev, &eb), 1);
	assert_int_equal(ev.type, SMMUSIM_EV_MM_CREATE);
	assert_int_equal(sm_trace_next(r, &ev, &eb), 1);
	assert_int_equal(ev.type, SMMUSIM_EV_MM_EXIT);
	assert_int_equal(sm_trace_next(r, &ev, &eb), 0);
	sm_trace_close(r);
	fclose(f);
}

/* The keyword after a time prefix, packed as its end is found: of 1 to
 * 17 bytes, after blanks and tabs, at the end of the line or not. */
static void test_keywords_after_time(void **state)
{
	static const char *const bad[] = {"x",
					  "madvis",
					  "madvisee",
					  "dev_acces",
					  "domain_creat",
					  "domain_createxx",
					  "domain_createxxx",
					  "dma_unmap_xxxxxxx"};
	char text[128], want[64];
	struct smmusim_event ev;

	(void)state;
	ev = one_event(HDR "@5 \t  domain_create dom=1\n");
	assert_int_equal(ev.type, SMMUSIM_EV_DOMAIN_CREATE);
	assert_int_equal(ev.column, 7);
	ev = one_event(HDR "+5 madvise mm=1 va=0 len=1 advice=dontneed\n");
	assert_int_equal(ev.type, SMMUSIM_EV_MADVISE);
	ev = one_event(HDR "@5 dsb cpu=0\n");
	assert_int_equal(ev.type, SMMUSIM_EV_DSB);
	ev = one_event(HDR "@5\tdma_unmap dom=1 va=0 len=1\n");
	assert_int_equal(ev.type, SMMUSIM_EV_DMA_UNMAP);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), HDR "@7  %s\n", bad[i]);
		snprintf(want, sizeof(want), "unknown event '%s'", bad[i]);
		PARSE_ERR(text, "t:2:5: ", want);
		snprintf(text, sizeof(text), HDR "+7\t%s mm=1\n", bad[i]);
		PARSE_ERR(text, "t:2:4: ", want);
	}
}

static void test_event_names(void **state)
{
	(void)state;
	assert_string_equal(smmusim_event_name(SMMUSIM_EV_MM_CREATE),
			    "mm_create");
	assert_string_equal(smmusim_event_name(SMMUSIM_EV_MMAP), "mmap");
	assert_string_equal(smmusim_event_name(SMMUSIM_EV_MUNMAP), "munmap");
	assert_string_equal(smmusim_event_name(SMMUSIM_EV_MPROTECT),
			    "mprotect");
	assert_string_equal(smmusim_event_name(SMMUSIM_EV_MM_EXIT), "mm_exit");
	assert_string_equal(smmusim_event_name(SMMUSIM_EV_BIND), "bind");
	assert_string_equal(smmusim_event_name(SMMUSIM_EV_UNBIND), "unbind");
	assert_string_equal(smmusim_event_name(SMMUSIM_EV_DEV_ACCESS),
			    "dev_access");
	assert_string_equal(smmusim_event_name(SMMUSIM_EV_CPU_ACCESS),
			    "cpu_access");
	assert_null(smmusim_event_name(SMMUSIM_EV_COUNT_));
	assert_null(smmusim_event_name((enum smmusim_event_type) - 1));
}

/* docs/trace-format.md's table of cmd ops is the command table's: one row
 * per command, in table order, with its opcode and exactly the keys the
 * reader takes for it (src/arch/smmu_cmd.h is the one place; this keeps the
 * docs from drifting). */
static void test_cmd_docs_follow_table(void **state)
{
	(void)state;
	const char *dir = getenv("SMMUSIM_DOCS");
	char path[4096], line[1024];
	if (!dir) {
		skip();
		return;
	}
	snprintf(path, sizeof(path), "%s/trace-format.md", dir);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	struct sm_trace_index ix;
	sm_trace_index_init(&ix);
	const struct sm_trace_event_def *cmd =
	    sm_trace_find_event(&ix, "cmd", 3);
	assert_non_null(cmd);
	unsigned row = 0;
	while (fgets(line, sizeof(line), f)) {
		char name[64];
		unsigned op;
		if (sscanf(line, "| `%63[a-z0-9_]` | 0x%x |", name, &op) != 2)
			continue;
		assert_true(row < SM_SMMU_CMD_COUNT);
		const struct sm_smmu_cmd_def *d = &sm_smmu_cmd_defs[row++];
		assert_string_equal(name, d->name);
		assert_int_equal(op, d->op);
		const char *keys = strchr(strchr(line + 1, '|') + 1, '|');
		for (unsigned i = 0; cmd->keys[i].key != K_NONE; i++) {
			enum sm_trace_key k = cmd->keys[i].key;
			char want[32];
			if (k == K_CMD_OP)
				continue;
			snprintf(want, sizeof(want), "`%s`",
				 sm_trace_key_defs[k].name);
			if ((strstr(keys, want) != NULL) !=
			    sm_trace_cmd_has_key(d->op, k))
				fail_msg("docs/trace-format.md: %s %s key %s",
					 d->name,
					 sm_trace_cmd_has_key(d->op, k)
					     ? "lacks"
					     : "lists a stray",
					 want);
		}
	}
	fclose(f);
	assert_int_equal(row, SM_SMMU_CMD_COUNT);
}

/* Lines read through the fast path's 64-byte windows of flags, kept from
 * line to line: tabs and bytes of 0x80 or more (which it may flag) are
 * skipped, comments start at their '#', and a control byte after them is
 * refused at its column whether the line is short, crosses a window or
 * spans several. */
static void test_flag_windows(void **state)
{
	static const char *const lines[] = {
	    "mm_create\tmm=1\n",
	    "# caf\xc3\xa9 \xe2\x80\x94 a comment with\ttabs and UTF-8 bytes\n",
	    "mm_exit mm=1 # \xff\xfe\x80 tail\t#\n",
	    "mm_create mm=2\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t"
	    "\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t"
	    "\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t"
	    "# \xc3\xa9\n",
	};
	static const char *const bad[] = {"\x1b", "\x7f", "\r", "\x01"};
	char text[8192], want[160];
	struct smmusim_event ev;

	(void)state;
	for (unsigned b = 0; b < 4; b++) {
		for (unsigned at = 0; at < 150; at += 7) {
			struct fixture *fx;
			size_t n = 0, start, col;
			int events = 0, rc;

			n += (size_t)snprintf(text + n, sizeof(text) - n, HDR);
			for (unsigned k = 0; k < 24; k++)
				n +=
				    (size_t)snprintf(text + n, sizeof(text) - n,
						     "%s", lines[(k + at) % 4]);
			/* line 26: a comment `at` bytes long, then the byte */
			start = n;
			n += (size_t)snprintf(text + n, sizeof(text) - n,
					      "mm_exit mm=2 #");
			for (unsigned k = 0; k < at; k++)
				text[n++] = k % 5 == 0 ? '\t' : 'x';
			col = n - start + 1;
			n += (size_t)snprintf(text + n, sizeof(text) - n,
					      "%s tail\n", bad[b]);
			for (unsigned k = 0; k < 8; k++)
				n +=
				    (size_t)snprintf(text + n, sizeof(text) - n,
						     "%s", lines[k % 4]);
			fx = fx_open(text);
			while ((rc = sm_trace_next(fx->r, &ev, &fx->eb)) == 1)
				events++;
			assert_int_equal(rc, SMMUSIM_EPARSE);
			assert_int_equal(events, 18);
			snprintf(want, sizeof(want), "t:26:%zu: control byte",
				 col);
			if (strncmp(fx->eb.msg, want, strlen(want)) != 0)
				fail_msg("expected '%s', got '%s'", want,
					 fx->eb.msg);
			fx_close(fx);
		}
	}
}

/* ---- line shapes (trace_shape.h) ---- */

/* The events (up to 2, into ev[]) and the result and message after them
 * of a buffer holding `text` and a long comment (room past the lines, as
 * in a file's block). */
static int read_lines(const char *text, struct smmusim_event ev[2], char *msg,
		      size_t msg_size)
{
	char buf[1024];
	smmusim_trace_t *t;
	int rc, n = 0;

	snprintf(buf, sizeof(buf), "%s# %0200d\n", text, 0);
	assert_int_equal(
	    smmusim_trace_open_buffer(&t, "s", buf, strlen(buf), NULL, NULL, 0),
	    0);
	for (;;) {
		memset(&ev[n < 2 ? n : 1], 0, sizeof(ev[0]));
		rc = smmusim_trace_next(t, &ev[n < 2 ? n : 1]);
		if (rc <= 0)
			break;
		n++;
	}
	snprintf(msg, msg_size, "%d %d %s", n, rc,
		 rc < 0 ? smmusim_trace_error(t) : "");
	smmusim_trace_close(t);
	return n;
}

/* Every event of the file at `path`, read by path (mapped: sm_input_open)
 * or, with `stream`, from it opened as a stream (read in 64 KiB blocks,
 * lines split across them); the result after them and its message. */
static int read_file(const char *path, bool stream, struct smmusim_event *ev,
		     int max, int *rc, char *msg, size_t msg_size)
{
	struct sm_trace_reader *r;
	struct sm_errbuf eb = {0};
	FILE *f = stream ? fopen(path, "rb") : NULL;
	int n = 0;

	if (stream) {
		assert_non_null(f);
		assert_int_equal(sm_trace_open_stream(&r, f, "t", NULL, &eb),
				 0);
		assert_null(r->in.map);
	} else {
		assert_int_equal(sm_trace_open(&r, path, NULL, &eb), 0);
	}
	for (;;) {
		assert_true(n < max);
		memset(&ev[n], 0, sizeof(ev[n]));
		*rc = sm_trace_next(r, &ev[n], &eb);
		if (*rc <= 0)
			break;
		n++;
	}
	/* (The message names the input: the same name for both.) */
	snprintf(msg, msg_size, "%s", *rc < 0 ? strchr(eb.msg, ':') : "");
	if (!stream && n > 0)
		assert_non_null(r->in.map); /* a regular file is mapped */
	sm_trace_close(r);
	if (f)
		fclose(f);
	return n;
}

/* A trace file read by path (mapped whole: one block) gives what the same
 * file gives read as a stream in blocks: every event, a last line without
 * a newline, an error deep in the file (its line number), an empty file. */
static void test_open_file_mapped(void **state)
{
	enum { LINES = 30000 };
	static struct smmusim_event a[LINES + 1], b[LINES + 1];
	char path[256], ma[512], mb[512];
	(void)state;

	tmp_path(path, sizeof(path), "trace", "mapped.trace");

	for (int bad = 0; bad < 3; bad++) {
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		if (bad < 2) {
			fputs(HDR, f);
			for (int i = 0; i < LINES - 1; i++) {
				if (i % 7 == 3)
					fprintf(f, "# comment %d\n", i);
				else if (bad && i == LINES - 77)
					fputs(
					    "+1 dev_access sid=zz va=0 op=w\n",
					    f);
				else if (i % 2)
					fprintf(
					    f,
					    "+1 dev_access sid=0x%x va=0x%x "
					    "op=w\n",
					    i & 0xff, i * 4096 + 2);
				else
					fprintf(f,
						"+2 dma_map dom=1 va=0x%x "
						"len=0x1000 pa=0x%x prot=rw "
						"cpu=%d\n",
						i * 4096, i * 8192, i & 3);
			}
			/* The last line: no newline. */
			fputs("+1 dev_access sid=0x5 va=0x7 op=r", f);
		} /* bad 2: an empty file */
		assert_int_equal(fclose(f), 0);
		int rca, rcb;
		int na =
		    read_file(path, false, a, LINES + 1, &rca, ma, sizeof(ma));
		int nb =
		    read_file(path, true, b, LINES + 1, &rcb, mb, sizeof(mb));
		unlink(path);
		assert_int_equal(na, nb);
		assert_int_equal(rca, rcb);
		assert_string_equal(ma, mb);
		assert_int_equal(rca, bad ? SMMUSIM_EPARSE : 0);
		if (bad == 0)
			assert_true(na > 20000);
		for (int i = 0; i < na; i++)
			assert_memory_equal(&a[i], &b[i], sizeof(a[i]));
	}
}

/* Sample lines of every kind of value a shape reads (hex, decimal, words,
 * suffixes, blanks), mutated at random by the two shape tests below. */
static const char *const shape_lines[] = {
    "@9497303999 dev_access sid=0x10 va=0xffffb002 op=w",
    "@9454360000 dma_map dom=1 va=0xffffc000 len=0x1000 pa=0x4806b000 "
    "prot=rw cpu=1",
    "@9501960000 dma_unmap dom=1 va=0xffff6000 len=0x1000 cpu=1",
    "+12 dev_access sid=7 ssid=0x3 va=0x123456789abcdef0 op=r",
    "dev_access sid=4294967295 va=1234567890123456 op=w",
    "@1 mmap mm=1 va=0x400000 len=4096 prot=rw",
    "\tbind  sid=0x8 ssid=1 mm=1",
    "@5 iommu_map dom=2 va=0xfffffffffffff000 len=0x1000 pa=0x9000 "
    "prot=r",
    "@7 touch mm=1 va=0x1000 len=0x10 op=r cpu=0",
    "@9 tlbi cpu=1 op=vae1is va=0x1000 asid=5",
    "@3 touch mm=1 va=0x1000 len=4K op=r cpu=0",
    "iommu_map dom=2 va=0x1000 len=0x10m pa=0x9000 prot=r",
    "+0 iommu_unmap dom=2 va=0x1000 len=17179869183G",
    "cmd op=tlbi_nh_va vmid=0 asid=2 addr=0xffff6000 tg=1 num=0 "
    "scale=0 ttl=3 leaf=1",
    "cmd op=cfgi_ste_range sid=0x8 range=1",
    "cmd op=0x12 vmid=0 asid=2 addr=0x9000 leaf=0",
    "cmd op=sync",
};

/* A line read by the shape of the line before it (same length) gives the
 * event, or the error, of the token path: each line is mutated at random
 * (digits, hex letters, blanks, '=', 'x', other bytes), then read after
 * its original line (its shape learnt) and after the original line with
 * one more leading blank (another length: no shape), whose event and @N
 * are the same. */
static void test_shapes_random(void **state)
{
	static const char alpha[] = "0123456789abcdefABCDEFxX =gz\t#:@+";
	uint64_t seed = 42;
	char a[512], b[512], line[256], ma[512], mb[512];
	struct smmusim_event ea[2], eb[2];
	(void)state;

	for (int it = 0; it < 40000; it++) {
		const char *orig = shape_lines[it % (sizeof(shape_lines) /
						     sizeof(*shape_lines))];
		size_t n = strlen(orig);
		int na, nb, k;

		memcpy(line, orig, n + 1);
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		k = (int)(seed >> 60) % 4; /* 0 to 3 bytes changed */
		for (int j = 0; j < k; j++) {
			seed = seed * 6364136223846793005ull +
			       1442695040888963407ull;
			line[(seed >> 33) % n] =
			    alpha[(seed >> 20) % (sizeof(alpha) - 1)];
		}
		snprintf(a, sizeof(a), HDR " %s\n%s\n", orig, line);
		snprintf(b, sizeof(b), HDR "%s\n%s\n", orig, line);
		na = read_lines(a, ea, ma, sizeof(ma));
		nb = read_lines(b, eb, mb, sizeof(mb));
		if (strcmp(ma, mb) || na != nb ||
		    (na == 2 && memcmp(&ea[1], &eb[1], sizeof(ea[1]))))
			fail_msg("'%s': '%s' without a shape, '%s' with", line,
				 ma, mb);
	}
}

/* The last event (into *last) and the result and message after the
 * events of a buffer holding `text` and a long comment; the number of
 * events. */
static int read_last(const char *text, struct smmusim_event *last, char *msg,
		     size_t msg_size)
{
	struct smmusim_event ev[2];
	char m[512];
	int n = read_lines(text, ev, m, sizeof(m));

	*last = ev[n < 2 ? 0 : 1];
	snprintf(msg, msg_size, "%s", strchr(strchr(m, ' ') + 1, ' ') + 1);
	return n;
}

/* A line read by a shape after another line of that shape gives the event,
 * or the error, of the token path: only its values that differ from the
 * line before are converted again (a value that failed in the line before
 * too).  Three lines: the original, a mutation of it and a mutation of
 * that, the last either after a comment (read by the shape) or after a
 * line as long of another shape (read by the token path). */
static void test_shapes_random_runs(void **state)
{
	static const char alpha[] = "0123456789abcdefABCDEF0123456789xX =g";
	uint64_t seed = 7;
	char a[1100], b[1100], l1[256], l2[256], fill[256], ma[512], mb[512];
	struct smmusim_event ea, eb;
	(void)state;

	for (int it = 0; it < 30000; it++) {
		const char *orig = shape_lines[it % (sizeof(shape_lines) /
						     sizeof(*shape_lines))];
		size_t n = strlen(orig);
		/* the filler line below is at least 22 bytes */
		if (n < 22)
			continue;
		int na, nb, k;

		memcpy(l1, orig, n + 1);
		for (char *l = l1; l != NULL; l = l == l1 ? l2 : NULL) {
			if (l == l2)
				memcpy(l2, l1, n + 1);
			seed = seed * 6364136223846793005ull +
			       1442695040888963407ull;
			k = (int)(seed >> 61) % 3; /* 0 to 2 bytes changed */
			for (int j = 0; j < k; j++) {
				seed = seed * 6364136223846793005ull +
				       1442695040888963407ull;
				l[(seed >> 33) % n] =
				    alpha[(seed >> 20) % (sizeof(alpha) - 1)];
			}
		}
		/* a valid line of n bytes of another shape */
		snprintf(fill, sizeof(fill), "+0 domain_create%*s dom=1",
			 (int)(n - 22), "");
		snprintf(a, sizeof(a), HDR "%s\n%s\n# c\n%s\n", orig, l1, l2);
		snprintf(b, sizeof(b), HDR "%s\n%s\n%s\n%s\n", orig, l1, fill,
			 l2);
		na = read_last(a, &ea, ma, sizeof(ma));
		nb = read_last(b, &eb, mb, sizeof(mb));
		if (strcmp(ma, mb) || (na == 3) != (nb == 4) ||
		    (na == 3 && memcmp(&ea, &eb, sizeof(ea))))
			fail_msg("'%s' after '%s': '%s' by the token path, "
				 "'%s' by the shape",
				 l2, l1, mb, ma);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_example),
	    cmocka_unit_test(test_defaults_and_options),
	    cmocka_unit_test(test_numbers),
	    cmocka_unit_test(test_number_chunks),
	    cmocka_unit_test(test_number_at_random),
	    cmocka_unit_test(test_keys_fill_own_fields),
	    cmocka_unit_test(test_end_stays_end),
	    cmocka_unit_test(test_event_errors),
	    cmocka_unit_test(test_error_columns_after_fast_keys),
	    cmocka_unit_test(test_long_token_in_message),
	    cmocka_unit_test(test_version),
	    cmocka_unit_test(test_crlf),
	    cmocka_unit_test(test_long_lines),
	    cmocka_unit_test(test_time_order),
	    cmocka_unit_test(test_open_errors),
	    cmocka_unit_test(test_open_path),
	    cmocka_unit_test(test_out_of_memory),
	    cmocka_unit_test(test_compressed_buffers),
	    cmocka_unit_test(test_nul_byte),
	    cmocka_unit_test(test_control_bytes),
	    cmocka_unit_test(test_flag_windows),
	    cmocka_unit_test(test_keywords_after_time),
	    cmocka_unit_test(test_event_names),
	    cmocka_unit_test(test_cmd_docs_follow_table),
	    cmocka_unit_test(test_shapes_random),
	    cmocka_unit_test(test_shapes_random_runs),
	    cmocka_unit_test(test_open_file_mapped),
	};
	return cmocka_run_group_tests_name("trace_reader", tests, NULL, NULL);
}
