/* SPDX-License-Identifier: MIT */
/* Tests of the strace importer (src/trace/import_strace*.c): small
 * hand-made strace logs, the trace events they become, the options, every
 * kind of malformed line with its FILE:LINE:COLUMN, --keep-going, and
 * allocation failures at every step. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <smmusim/error.h>
#include <smmusim/import.h>

#include "helpers.h"

static char in_path[256], maps_path[256], out_path[256];

struct result {
	int rc;
	char msg[1024];
	struct smmusim_import_strace_stats st;
	char *trace, *events;
};

static void run_alloc(const char *log, struct smmusim_import_strace_opts *o,
		      struct result *r, long fail_after)
{
	struct counting c;
	struct smmusim_allocator a = counting_allocator(&c);

	c.fail_after = fail_after;
	memset(r, 0, sizeof(*r));
	write_text(in_path, log);
	r->rc = smmusim_import_strace(in_path, out_path, o, &a, &r->st, r->msg,
				      sizeof(r->msg));
	assert_int_equal(c.blocks, 0);
	assert_int_equal(c.size_mismatch, 0);
	r->trace = slurp(out_path, NULL);
	r->events = trace_events(r->trace, true);
}

static void run(const char *log, struct smmusim_import_strace_opts *o,
		struct result *r)
{
	run_alloc(log, o, r, -1);
}

static void result_free(struct result *r)
{
	free(r->trace);
	free(r->events);
}

static void expect_events(const struct result *r, const char *want)
{
	if (r->rc != 0)
		fail_msg("import failed: %s", r->msg);
	if (strcmp(r->events, want))
		fail_msg("events:\n%s\nwanted:\n%s", r->events, want);
}

static int setup(void **state)
{
	(void)state;
	tmp_path(in_path, sizeof(in_path), "strace", "in.strace");
	tmp_path(maps_path, sizeof(maps_path), "strace", "maps");
	tmp_path(out_path, sizeof(out_path), "strace", "out.trace");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(in_path);
	unlink(maps_path);
	unlink(out_path);
	return 0;
}

#define T "1700000000.000001 "
#define RW "PROT_READ|PROT_WRITE"
#define ANON "MAP_PRIVATE|MAP_ANONYMOUS"

/* ---- what a log becomes ---- */

static void test_calls(void **state)
{
	static const char log[] =
	    "5 " T
	    "execve(\"/bin/x\", [\"x\", \"a) = 0\"], 0x7f /* 1 var */) = 0\n"
	    "5 " T "brk(NULL)       = 0x600000\n"
	    "5 " T "brk(0x602800) = 0x602800\n"
	    "5 " T "mmap(NULL, 8192, " RW ", " ANON
	    ", -1, 0) = 0x7f0000000000\n"
	    "5 " T
	    "mmap(NULL, 16384, PROT_READ, MAP_SHARED, 3, 0) = 0x7f0000010000\n"
	    "5 " T "mmap(NULL, 4096, PROT_NONE, " ANON
	    "|MAP_NORESERVE, -1, 0) = 0x7f0000020000\n"
	    "5 " T "mprotect(0x7f0000020000, 4096, " RW ") = 0\n"
	    "5 " T "mprotect(0x400000, 4096, PROT_READ|PROT_EXEC) = 0\n"
	    "5 " T "munmap(0x7f0000010000, 16384) = 0\n"
	    "5 " T "madvise(0x7f0000000000, 4096, MADV_DONTNEED) = 0\n"
	    "5 " T "madvise(0x7f0000000000, 4096, MADV_WILLNEED) = 0\n"
	    "5 " T "mremap(0x7f0000000000, 8192, 4096, 0) = 0x7f0000000000\n"
	    "5 " T "brk(0x601000) = 0x601000\n"
	    "5 " T "mmap(NULL, 4096, " RW ", " ANON
	    ", -1, 0) = -1 ENOMEM (Cannot allocate memory)\n"
	    "5 " T "getpid() = 5\n"
	    "5 " T "exit_group(0) = ?\n"
	    "5 " T "+++ exited with 0 +++\n";
	struct result r;

	(void)state;
	run(log, NULL, &r);
	expect_events(
	    &r, "mm_create mm=1\n"
		"mm_create mm=2\n"
		"mm_exit mm=1 cpu=0\n"
		"mmap mm=2 va=0x600000 len=0x3000 prot=rw cpu=0\n"
		"touch mm=2 va=0x600000 len=0x3000 op=w cpu=0\n"
		"mmap mm=2 va=0x7f0000000000 len=0x2000 prot=rw cpu=0\n"
		"touch mm=2 va=0x7f0000000000 len=0x2000 op=w cpu=0\n"
		"mmap mm=2 va=0x7f0000010000 len=0x4000 prot=r "
		"map=shared cpu=0\n"
		"mmap mm=2 va=0x7f0000020000 len=0x1000 prot=none cpu=0\n"
		"mprotect mm=2 va=0x7f0000020000 len=0x1000 prot=rw cpu=0\n"
		"touch mm=2 va=0x7f0000020000 len=0x1000 op=w cpu=0\n"
		"mmap mm=2 va=0x400000 len=0x1000 prot=rx cpu=0\n"
		"mprotect mm=2 va=0x400000 len=0x1000 prot=rx cpu=0\n"
		"munmap mm=2 va=0x7f0000010000 len=0x4000 cpu=0\n"
		"madvise mm=2 va=0x7f0000000000 len=0x1000 "
		"advice=dontneed cpu=0\n"
		"munmap mm=2 va=0x7f0000001000 len=0x1000 cpu=0\n"
		"munmap mm=2 va=0x601000 len=0x2000 cpu=0\n"
		"mm_exit mm=2 cpu=0\n");
	assert_int_equal(r.st.lines, 17);
	assert_int_equal(r.st.calls, 16);
	assert_int_equal(r.st.implicit, 1);
	assert_int_equal(r.st.failed, 1);
	assert_int_equal(r.st.ignored, 2); /* getpid, MADV_WILLNEED */
	assert_int_equal(r.st.no_return, 0);
	assert_non_null(
	    strstr(r.trace, "# 14: mmap failed (ENOMEM): skipped\n"));
	result_free(&r);
}

/* Threads, fork, vfork, halves joined; pids over two CPUs. */
static void test_processes(void **state)
{
	static const char log[] =
	    "10 " T "mmap(NULL, 4096, " RW ", " ANON ", -1, 0) = 0x10000\n"
	    "10 " T "clone3({flags=CLONE_VM|CLONE_THREAD, stack_size=0x1000} "
		    "<unfinished ...>\n"
	    "11 " T "munmap(0x10000, 4096 <unfinished ...>\n"
	    "10 " T "<... clone3 resumed> => {parent_tid=[11]}, 88) = 11\n"
	    "11 " T "<... munmap resumed>) = 0\n"
	    "11 " T "+++ exited with 0 +++\n"
	    "10 " T "mmap(0x20000, 8192, " RW ", " ANON
	    "|MAP_FIXED, -1, 0) = 0x20000\n"
	    "10 " T "fork() = 12\n"
	    "12 " T "mprotect(0x20000, 4096, PROT_READ) = 0\n"
	    "10 " T "vfork( <unfinished ...>\n"
	    "13 " T
	    "execve(\"/bin/y\", [\"y\"], 0x1 /* 0 vars */ <unfinished ...>\n"
	    "10 " T "<... vfork resumed>) = 13\n"
	    "13 " T "<... execve resumed>) = 0\n"
	    "[pid 13] 12:00:00.5 +++ killed by SIGKILL +++\n";
	struct smmusim_import_strace_opts o = {.ncpus = 2};
	struct result r;

	(void)state;
	run(log, &o, &r);
	expect_events(&r, "mm_create mm=1\n"
			  "mmap mm=1 va=0x10000 len=0x1000 prot=rw cpu=0\n"
			  "touch mm=1 va=0x10000 len=0x1000 op=w cpu=0\n"
			  "munmap mm=1 va=0x10000 len=0x1000 cpu=1\n"
			  "mmap mm=1 va=0x20000 len=0x2000 prot=rw cpu=0\n"
			  "touch mm=1 va=0x20000 len=0x2000 op=w cpu=0\n"
			  "mm_create mm=2\n"
			  "mmap mm=2 va=0x20000 len=0x2000 prot=rw cpu=0\n"
			  "mprotect mm=2 va=0x20000 len=0x1000 prot=r cpu=0\n"
			  "mm_create mm=3\n"
			  "mm_exit mm=3 cpu=1\n"
			  "mm_exit mm=1 cpu=0\n"
			  "mm_exit mm=2 cpu=0\n");
	assert_int_equal(r.st.processes, 4);
	assert_int_equal(r.st.mms, 3);
	result_free(&r);
}

static void test_device(void **state)
{
	static const char log[] =
	    "mmap(NULL, 8192, " RW ", " ANON ", -1, 0) = 0x10000\n"
	    "mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 3, 0) = 0x20000\n";
	struct smmusim_import_strace_opts o = {
	    .pattern = SMMUSIM_STRACE_DEV_ALL, .sid = 0x20, .ssid = 5};
	struct result r;

	(void)state;
	run(log, &o, &r);
	expect_events(&r, "mm_create mm=1\n"
			  "bind sid=0x20 ssid=5 mm=1 cpu=0\n"
			  "mmap mm=1 va=0x10000 len=0x2000 prot=rw cpu=0\n"
			  "touch mm=1 va=0x10000 len=0x2000 op=w cpu=0\n"
			  "dev_access sid=0x20 ssid=5 va=0x10000 op=w\n"
			  "dev_access sid=0x20 ssid=5 va=0x11000 op=w\n"
			  "mmap mm=1 va=0x20000 len=0x1000 prot=r cpu=0\n"
			  "dev_access sid=0x20 ssid=5 va=0x20000 op=r\n"
			  "mm_exit mm=1 cpu=0\n"
			  "unbind sid=0x20 ssid=5 cpu=0\n");
	result_free(&r);
	o.pattern = SMMUSIM_STRACE_DEV_FAULTS;
	run(log, &o, &r);
	assert_int_equal(r.st.dev_accesses, 2);
	result_free(&r);
	o.pattern = SMMUSIM_STRACE_DEV_FRACTION;
	o.fraction = 0;
	run(log, &o, &r);
	assert_int_equal(r.st.dev_accesses, 0);
	result_free(&r);
	o.fraction = 1;
	run(log, &o, &r);
	assert_int_equal(r.st.dev_accesses, 3);
	result_free(&r);
}

static void test_maps(void **state)
{
	struct smmusim_import_strace_opts o = {.maps_path = maps_path};
	struct result r;

	(void)state;
	write_text(maps_path,
		   "00400000-00402000 r-xp 00000000 08:01 5 /bin/x\n"
		   "00600000-00601000 rw-p 00000000 00:00 0 [heap]\n");
	run("1 brk(0x602000) = 0x602000\n", &o, &r);
	expect_events(&r, "mm_create mm=1\n"
			  "mmap mm=1 va=0x400000 len=0x2000 prot=rx cpu=0\n"
			  "mmap mm=1 va=0x600000 len=0x1000 prot=rw cpu=0\n"
			  "touch mm=1 va=0x600000 len=0x1000 op=w cpu=0\n"
			  "mmap mm=1 va=0x601000 len=0x1000 prot=rw cpu=0\n"
			  "touch mm=1 va=0x601000 len=0x1000 op=w cpu=0\n"
			  "mm_exit mm=1 cpu=0\n");
	result_free(&r);
	write_text(maps_path, "00400000-00402000 r-xq 0 0 0\n");
	run("1 brk(NULL) = 0x602000\n", &o, &r);
	assert_int_equal(r.rc, SMMUSIM_EPARSE);
	assert_non_null(strstr(r.msg, ":1:19: expected the permissions"));
	result_free(&r);
}

/* ---- options ---- */

static void test_options(void **state)
{
	static const struct {
		struct smmusim_import_strace_opts o;
		const char *msg;
	} bad[] = {
	    {{.ncpus = 257}, "ncpus=257 is out of range (1..256"},
	    {{.pattern = 9}, "pattern=9 is not a device pattern"},
	    {{.pattern = SMMUSIM_STRACE_DEV_ALL, .ssid = 0x100000},
	     "ssid=1048576 is out of range"},
	    {{.pattern = SMMUSIM_STRACE_DEV_FRACTION, .fraction = 1.5},
	     "fraction=1.5 is out of range (0..1)"},
	};
	char msg[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct smmusim_import_strace_opts o = bad[i].o;
		struct result r;

		run("1 brk(NULL) = 0x1000\n", &o, &r);
		assert_int_equal(r.rc, SMMUSIM_EINVAL);
		if (!strstr(r.msg, bad[i].msg))
			fail_msg("%zu: '%s'", i, r.msg);
		result_free(&r);
	}
	assert_int_equal(smmusim_import_strace(NULL, out_path, NULL, NULL, NULL,
					       msg, sizeof(msg)),
			 SMMUSIM_EINVAL);
	assert_non_null(strstr(msg, "NULL strace path"));
}

/* ---- malformed lines ---- */

struct bad_line {
	const char *line;
	size_t col;
	const char *msg;
};

static const struct bad_line bad_lines[] = {
    {"garbage", 1, "expected 'NAME(ARGS) = RESULT'"},
    {"7 " T "mmap(NULL, 4096", 36, "the arguments do not end"},
    {"7 " T "mmap(NULL, [4096), 0) = 0", 37, "unbalanced ')'"},
    {"7 " T "brk(NULL) 0x1000", 31, "expected ' = RESULT'"},
    {"7 " T "brk(NULL) = zz", 33, "bad result 'zz'"},
    {"7 " T "brk(NULL) = -1", 35, "without its error name"},
    {"7 " T "<... mmap resumed>) = 0", 21, "without an unfinished mmap"},
    {"7 " T "+++ gone", 21, "expected '+++ ... +++'"},
    {"7 " T "+++ gone away +++", 25, "expected 'exited with N'"},
    {"7 12:0:00 brk(NULL) = 1", 3, "malformed time"},
    {"[pid 7 brk(NULL) = 1", 6, "expected '[pid PID]'"},
    {"0 brk(NULL) = 1", 1, "pid out of range"},
    {"7 " T "mmap(NULL, 4096) = 0x1000", 21, "with 2 argument(s): expected 6"},
    {"7 " T "munmap(x, 4096) = 0", 28, "expected a number, got 'x'"},
    {"7 " T "mmap(NULL, 4096, PROT_RD, 0, -1, 0) = 0x1000", 38,
     "unknown protection 'PROT_RD'"},
    {"7 " T "mmap(NULL, 4096, PROT_READ, 0, -1, 0) = 0x1001", 61,
     "not page aligned"},
    {"7 " T "munmap(0xfffffffff000, 8192) = 0", 28, "below 2^48"},
    {"7 " T "brk(0x1000000000000) = 0x1000000000000", 44, "beyond the 48-bit"},
    {"7 " T "clone(flags=0) = 0", 38, "expected the child's pid"},
    {"7 " T "brk(\"\x1b\") = 1", 26, "control byte 0x1b"},
};

static void test_bad_lines(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_lines) / sizeof(*bad_lines); i++) {
		const struct bad_line *b = &bad_lines[i];
		char log[512], want[300];
		struct result r;

		snprintf(log, sizeof(log), "7 " T "brk(NULL) = 0x1000\n%s\n",
			 b->line);
		snprintf(want, sizeof(want), "%s:2:%zu: ", in_path, b->col);
		run(log, NULL, &r);
		assert_int_equal(r.rc, SMMUSIM_EPARSE);
		if (strncmp(r.msg, want, strlen(want)) ||
		    !strstr(r.msg, b->msg))
			fail_msg("line %zu: got '%s', want '%s'", i, r.msg,
				 want);
		result_free(&r);
	}
}

struct skipped {
	int n;
	char first[512];
};

static void on_skipped(void *ctx, const char *msg)
{
	struct skipped *s = ctx;

	if (!s->n++)
		snprintf(s->first, sizeof(s->first), "%s", msg);
}

static void test_keep_going(void **state)
{
	char log[8192] = "7 " T "brk(NULL) = 0x1000\n";
	struct skipped sk = {0};
	struct smmusim_import_strace_opts o = {
	    .keep_going = 1, .skipped = on_skipped, .ctx = &sk};
	struct result r;

	(void)state;
	for (size_t i = 0; i < sizeof(bad_lines) / sizeof(*bad_lines); i++) {
		strcat(log, bad_lines[i].line);
		strcat(log, "\n");
	}
	strcat(log, "7 " T "mmap(NULL, 4096, PROT_READ, 0, -1, 0) = 0x1000\n"
		    "7 " T "mmap(NULL, 4096, PROT_READ, 0, -1, 0) = 0x1000");
	run(log, &o, &r);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.st.malformed,
			 sizeof(bad_lines) / sizeof(*bad_lines) + 1);
	assert_int_equal(sk.n, (int)r.st.malformed);
	assert_non_null(strstr(sk.first, ":2:1: expected 'NAME(ARGS)"));
	assert_non_null(strstr(r.trace, "# 2: skipped (keep going): "));
	assert_non_null(strstr(r.events, "mmap mm=1 va=0x1000 len=0x1000 "
					 "prot=r cpu=0\n"));
	result_free(&r);
}

/* ---- input forms and allocation failures ---- */

static void test_compressed(void **state)
{
	static const char log[] = "1 brk(NULL) = 0x1000\n"
				  "1 brk(0x3000) = 0x3000\n";
	size_t n;
	uint8_t *xz = xz_encode(log, &n);
	struct result r;

	(void)state;
	run(log, NULL, &r);
	write_bytes(in_path, xz, n);
	free(xz);
	{
		char *plain = r.events;
		struct result z;

		z.rc = smmusim_import_strace(in_path, out_path, NULL, NULL,
					     &z.st, z.msg, sizeof(z.msg));
		assert_int_equal(z.rc, 0);
		z.trace = slurp(out_path, NULL);
		z.events = trace_events(z.trace, true);
		assert_string_equal(z.events, plain);
		result_free(&z);
	}
	result_free(&r);
}

static void test_alloc_failures(void **state)
{
	static const char log[] =
	    "10 " T "mmap(NULL, 4096, " RW ", " ANON ", -1, 0) = 0x10000\n"
	    "10 " T "clone3({flags=CLONE_VM} <unfinished ...>\n"
	    "11 " T "munmap(0x10000, 4096 <unfinished ...>\n"
	    "10 " T "<... clone3 resumed>, 88) = 11\n"
	    "11 " T "<... munmap resumed>) = 0\n"
	    "10 " T "fork() = 12\n"
	    "12 " T "mprotect(0x20000, 4096, PROT_READ) = 0\n";
	struct smmusim_import_strace_opts o = {.pattern =
						   SMMUSIM_STRACE_DEV_FAULTS};
	struct result r;
	long n;

	(void)state;
	for (n = 0;; n++) {
		run_alloc(log, &o, &r, n);
		if (r.rc == 0) {
			result_free(&r);
			break;
		}
		assert_int_equal(r.rc, SMMUSIM_ENOMEM);
		assert_true(r.msg[0] != '\0');
		result_free(&r);
	}
	if (n < 5)
		fail_msg("only %ld allocations", n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_calls),
	    cmocka_unit_test(test_processes),
	    cmocka_unit_test(test_device),
	    cmocka_unit_test(test_maps),
	    cmocka_unit_test(test_options),
	    cmocka_unit_test(test_bad_lines),
	    cmocka_unit_test(test_keep_going),
	    cmocka_unit_test(test_compressed),
	    cmocka_unit_test(test_alloc_failures),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
