/* SPDX-License-Identifier: MIT */
/* Tests of the ftrace importer (src/trace/import_ftrace*.c): small
 * hand-made ftrace files and QEMU logs, what they become, and every error
 * with its FILE:LINE:COLUMN. */
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

/* ---- ftrace lines (tracefs, Linux 6.1) ---- */

#define HDR                                                                    \
	"# tracer: function\n"                                                 \
	"#\n"                                                                  \
	"# entries-in-buffer/entries-written: 9/9   #P:2\n"                    \
	"#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION\n"
#define LN(cpu, ts, body)                                                      \
	"          insmod-110     [00" cpu "] .....     " ts ": " body "\n"
#define GROUP(g, dev) "add_device_to_group: IOMMU: groupID=" g " device=" dev
#define ATTACH(dev) "attach_device_to_domain: IOMMU: device=" dev
#define MAP(va, end, pa, size)                                                 \
	"map: IOMMU: iova=0x00000000" va " - 0x00000000" end                   \
	" paddr=0x00000000" pa " size=" size
#define UNMAP(va, end, size, done)                                             \
	"unmap: IOMMU: iova=0x00000000" va " - 0x00000000" end " size=" size   \
	" unmapped_size=" done
#define SYNC "arm_smmu_iotlb_sync <-__iommu_dma_unmap"
#define FLUSH "arm_smmu_flush_iotlb_all <-iommu_create_device_direct_mappings"

/* Two devices, the second (00:02.0, sid 0x10, group 1) does DMA. */
#define SETUP                                                                  \
	HDR LN("0", "4.000000", "tracing_mark_write: PHASE insmod")            \
	    LN("1", "4.100000", GROUP("0", "0000:00:01.0"))                    \
		LN("1", "4.100001", ATTACH("0000:00:01.0"))                    \
		    LN("1", "4.100002", FLUSH)                                 \
			LN("1", "4.200000", GROUP("1", "0000:00:02.0"))        \
			    LN("1", "4.200001", ATTACH("0000:00:02.0"))        \
				LN("1", "4.200002", FLUSH)

/* ---- QEMU 7.2 log lines ---- */

#define Q_OPC(name) "smmuv3_cmdq_opcode <--- SMMU_CMD_" name "\n"
#define Q_ASID(a)                                                              \
	Q_OPC("TLBI_NH_ASID")                                                  \
	"smmuv3_cmdq_tlbi_nh_asid asid=" a "\n" Q_OPC("SYNC")
#define Q_RANGE(addr, n)                                                       \
	"smmuv3_s1_range_inval vmid=0 asid=2 addr=" addr " tg=1 num_pages=" n  \
	" ttl=3 leaf=1\n"
#define Q_VA(addr, n) Q_OPC("TLBI_NH_VA") Q_RANGE(addr, n) Q_OPC("SYNC")
#define Q_XLATE(sid, iova, out, perm)                                          \
	"smmu_iotlb_lookup_miss IOTLB cache MISS asid=2 addr=" iova            \
	" hit=0 miss=1 hit rate=0\n"                                           \
	"smmuv3_translate_success smmuv3-iommu-memory-region-16-2 sid=" sid    \
	" iova=" iova " translated=" out " perm=" perm "\n"
#define Q_SETUP Q_ASID("1") Q_ASID("2")

/* ---- helpers ---- */

static char in_path[256], q_path[256], out_path[256];

struct result {
	int rc;
	char msg[1024];
	struct smmusim_import_ftrace_stats st;
	char *trace, *events;
};

static void run(const char *ftrace, const char *qlog,
		struct smmusim_import_ftrace_opts *o, struct result *r)
{
	struct smmusim_import_ftrace_opts none = {0};
	struct counting c = {.fail_after = -1};
	struct smmusim_allocator a = counting_allocator(&c);

	memset(r, 0, sizeof(*r));
	if (!o)
		o = &none;
	write_text(in_path, ftrace);
	if (qlog) {
		write_text(q_path, qlog);
		o->qemu_log = q_path;
	}
	r->rc = smmusim_import_ftrace(in_path, out_path, o, &a, &r->st, r->msg,
				      sizeof(r->msg));
	assert_int_equal(c.blocks, 0);
	assert_int_equal(c.size_mismatch, 0);
	r->trace = slurp(out_path, NULL);
	r->events = trace_events(r->trace, false);
}

static void result_free(struct result *r)
{
	free(r->trace);
	free(r->events);
}

static void expect_ok(const struct result *r)
{
	if (r->rc != 0)
		fail_msg("import failed: %s", r->msg);
}

/* An error at PATH:LINE:COL with `msg` in it; col 0: the column of `at`
 * in that line of `text` (1-based), or 1 without `at`. */
static void expect_err(const struct result *r, const char *path,
		       const char *text, int line, const char *at,
		       const char *msg)
{
	char want[512];
	const char *p = text;
	long col = 1;

	for (int i = 1; i < line; i++) {
		p = strchr(p, '\n');
		assert_non_null(p);
		p++;
	}
	if (at) {
		const char *q = strstr(p, at);
		const char *nl = strchr(p, '\n');

		assert_non_null(q);
		assert_true(!nl || q < nl);
		col = q - p + 1;
	}
	snprintf(want, sizeof(want), "%s:%d:%ld: ", path, line, col);
	assert_int_equal(r->rc, SMMUSIM_EPARSE);
	if (strncmp(r->msg, want, strlen(want)) || !strstr(r->msg, msg))
		fail_msg("expected '%s...%s', got '%s'", want, msg, r->msg);
}

static int setup(void **state)
{
	(void)state;
	tmp_path(in_path, sizeof(in_path), "ftrace", "in.ftrace");
	tmp_path(q_path, sizeof(q_path), "ftrace", "qemu.log");
	tmp_path(out_path, sizeof(out_path), "ftrace", "out.trace");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(in_path);
	unlink(q_path);
	unlink(out_path);
	return 0;
}

/* ---- what a file becomes ---- */

static void test_basic(void **state)
{
	static const char in[] = SETUP LN(
	    "1", "5.000000", MAP("0000f000", "00010000", "08020000", "4096"))
	    LN("0", "5.000001", MAP("ffff0000", "ffff2000", "43000000", "8192"))
		LN("0", "5.5", UNMAP("ffff0000", "ffff2000", "8192", "8192"))
		    LN("0", "5.500001", SYNC)
			LN("1", "6.000000",
			   "io_page_fault: IOMMU:arm-smmu-v3 0000:00:02.0 "
			   "iova=0x0000000012345000 flags=0x0001");
	struct smmusim_import_ftrace_opts o = {.clock_hz = 1000};
	struct result r;

	(void)state;
	run(in, NULL, &o, &r);
	expect_ok(&r);
	assert_string_equal(r.events,
			    "@4100 domain_create dom=0\n"
			    "@4100 attach sid=0x8 dom=0\n"
			    "@4200 domain_create dom=1\n"
			    "@4200 attach sid=0x10 dom=1\n"
			    "@5000 dma_map dom=1 va=0xf000 len=0x1000 "
			    "pa=0x8020000 prot=rw cpu=1\n"
			    "@5000 dma_map dom=1 va=0xffff0000 len=0x2000 "
			    "pa=0x43000000 prot=rw cpu=0\n"
			    "@5500 dma_unmap dom=1 va=0xffff0000 len=0x2000 "
			    "cpu=0\n");
	assert_non_null(strstr(r.trace, "# clock_hz: 1000 "));
	assert_non_null(strstr(r.trace, "# 5: marker: PHASE insmod\n"));
	assert_non_null(strstr(r.trace, "# 10: device 0000:00:02.0: sid=0x10 "
					"group 1 (dom=1)\n"));
	assert_non_null(strstr(r.trace, ": io_page_fault (not replayed): "));
	assert_int_equal(r.st.maps, 2);
	assert_int_equal(r.st.map_pages, 3);
	assert_int_equal(r.st.unmaps, 1);
	assert_int_equal(r.st.unmap_pages, 2);
	assert_int_equal(r.st.devices, 2);
	assert_int_equal(r.st.faults, 1);
	assert_int_equal(r.st.markers, 1);
	assert_int_equal(r.st.functions, 3);
	result_free(&r);
}

/* seconds * clock_hz, to the nearest cycle, halves up; no flags column. */
static void test_time_rounding(void **state)
{
	/* clang-format off */
	static const char in[] = HDR
	    LN("0", "0.001000", GROUP("3", "0000:00:02.0"))
	    "            init-1     [001]     0.0015: " ATTACH("0000:00:02.0") "\n"
	    LN("0", "0.002499999", MAP("00001000", "00002000", "00005000", "4096"));
	/* clang-format on */
	struct smmusim_import_ftrace_opts o = {.clock_hz = 1000};
	struct result r;

	(void)state;
	run(in, NULL, &o, &r);
	expect_ok(&r);
	/* 0.0015 * 1000 = 1.5 -> 2; 0.002499999 * 1000 = 2.499999 -> 2 */
	assert_string_equal(r.events, "@2 domain_create dom=3\n"
				      "@2 attach sid=0x10 dom=3\n"
				      "@2 dma_map dom=3 va=0x1000 len=0x1000 "
				      "pa=0x5000 prot=rw cpu=0\n");
	result_free(&r);
}

/* --dma-device and --sid. */
static void test_options(void **state)
{
	static const char in[] = SETUP LN(
	    "1", "5.000000", MAP("00001000", "00002000", "00005000", "4096"));
	struct smmusim_import_sid sids[] = {{"0000:00:01.0", 0x77}};
	struct smmusim_import_ftrace_opts o = {
	    .sids = sids, .n_sids = 1, .dma_device = "0000:00:01.0"};
	struct result r;

	(void)state;
	run(in, NULL, &o, &r);
	expect_ok(&r);
	assert_non_null(strstr(r.events, "attach sid=0x77 dom=0\n"));
	assert_non_null(strstr(r.events, "dma_map dom=0 va=0x1000"));
	result_free(&r);
	o.clock_hz = SMMUSIM_IMPORT_CLOCK_HZ_MAX + 1;
	run(in, NULL, &o, &r);
	assert_int_equal(r.rc, SMMUSIM_EINVAL);
	assert_non_null(strstr(r.msg, "clock_hz="));
	result_free(&r);
	/* Below sim.clock_hz's 1000, the trace could not replay at the
	 * clock its header names (tests/fuzz/findings/
	 * import_ftrace-clock-below-sim). */
	o.clock_hz = SMMUSIM_IMPORT_CLOCK_HZ_MIN - 1;
	run(in, NULL, &o, &r);
	assert_int_equal(r.rc, SMMUSIM_EINVAL);
	assert_non_null(strstr(r.msg, "clock_hz=999 is out of range (1000.."));
	result_free(&r);
	o.clock_hz = SMMUSIM_IMPORT_CLOCK_HZ_MIN;
	run(in, NULL, &o, &r);
	expect_ok(&r);
	result_free(&r);
}

/* .xz input. */
static void test_xz(void **state)
{
	static const char in[] = SETUP;
	struct smmusim_import_ftrace_stats st;
	char msg[256];
	size_t n;
	uint8_t *data = xz_encode(in, &n);

	(void)state;
	write_bytes(in_path, data, n);
	free(data);
	assert_int_equal(smmusim_import_ftrace(in_path, out_path, NULL, NULL,
					       &st, msg, sizeof(msg)),
			 0);
	assert_int_equal(st.devices, 2);
}

/* ---- the QEMU log merged in ---- */

/* strict: the translations of a segment at the earliest place where their
 * page is mapped; the unmap's batch pairs with its range. */
static void test_qemu_strict(void **state)
{
	static const char in[] = SETUP LN(
	    "1", "5.000000", MAP("00001000", "00003000", "00005000", "8192"))
	    LN("1", "5.100000", MAP("00009000", "0000a000", "00007000", "4096"))
		LN("1", "5.200000",
		   UNMAP("00001000", "00003000", "8192", "8192"))
		    LN("1", "5.200001", SYNC)
			LN("1", "5.300000",
			   UNMAP("00009000", "0000a000", "4096", "4096"))
			    LN("1", "5.300001", SYNC);
	static const char q[] =
	    Q_SETUP Q_XLATE("0x10", "0x1004", "0x5004", "0x1")
		Q_XLATE("0x10", "0x9000", "0x7000", "0x3")
		    Q_XLATE("0x10", "0x2000", "0x6000", "0x2")
			Q_VA("0x1000", "0x2")
			    Q_XLATE("0x10", "0x9008", "0x7008", "0x1")
				Q_VA("0x9000", "0x1");
	struct smmusim_import_ftrace_opts o = {.clock_hz = 1000};
	struct result r;

	(void)state;
	run(in, q, &o, &r);
	expect_ok(&r);
	assert_non_null(strstr(r.events,
			       "@5000 dma_map dom=1 va=0x1000 len=0x2000 "
			       "pa=0x5000 prot=rw cpu=1\n"
			       "@5099 dev_access sid=0x10 va=0x1004 op=r\n"
			       "@5100 dma_map dom=1 va=0x9000 len=0x1000 "
			       "pa=0x7000 prot=rw cpu=1\n"
			       "@5199 dev_access sid=0x10 va=0x9000 op=w\n"
			       "@5199 dev_access sid=0x10 va=0x2000 op=w\n"
			       "@5200 dma_unmap dom=1 va=0x1000 len=0x2000 "
			       "cpu=1\n"
			       "@5299 dev_access sid=0x10 va=0x9008 op=r\n"
			       "@5300 dma_unmap dom=1 va=0x9000"));
	assert_int_equal(r.st.translations, 4);
	assert_int_equal(r.st.points, 4);
	assert_int_equal(r.st.iotlb_misses, 4);
	assert_non_null(strstr(r.trace,
			       "# qemu: translations=4 iotlb_hits=0 "
			       "iotlb_misses=4 invalidation_points=4"));
	result_free(&r);
}

/* lazy: flush-alls pair with TLBI_NH_ASID; a translation after the unmap
 * of its page in ftrace order (a stale hit) goes before that unmap. */
static void test_qemu_lazy(void **state)
{
	static const char in[] = SETUP LN(
	    "1", "5.000000", MAP("00001000", "00002000", "00005000", "4096"))
	    LN("1", "5.200000", UNMAP("00001000", "00002000", "4096", "4096"))
		LN("1", "5.300000", "fq_flush_iotlb <-fq_flush_timeout")
		    LN("1", "5.300001",
		       "arm_smmu_flush_iotlb_all <-fq_flush_iotlb");
	static const char q[] =
	    Q_SETUP Q_XLATE("0x10", "0x1000", "0x5000", "0x1") Q_ASID("2");
	struct result r;
	struct smmusim_import_ftrace_opts o = {.clock_hz = 1000};

	(void)state;
	run(in, q, &o, &r);
	expect_ok(&r);
	assert_non_null(strstr(r.events, "@5000 dma_map dom=1 va=0x1000 "
					 "len=0x1000 pa=0x5000 prot=rw cpu=1\n"
					 "@5199 dev_access sid=0x10 va=0x1000 "
					 "op=r\n@5200 dma_unmap"));
	assert_int_equal(r.st.points, 3);
	assert_non_null(strstr(r.trace, "flush: fq_flush_iotlb "
					"<-fq_flush_timeout\n"));
	result_free(&r);
}

/* ---- errors of the ftrace file ---- */

struct bad {
	const char *name;
	const char *text; /* after SETUP */
	int line;	  /* of the text, 1-based (SETUP is 11 lines) */
	const char *at;	  /* the column's text, NULL: 1 */
	const char *msg;
};

#define MAP1                                                                   \
	LN("1", "5.000000", MAP("00001000", "00002000", "00005000", "4096"))

static const struct bad bad_ftrace[] = {
    {"not a line", "hello world\n", 1, NULL, "not an ftrace event line"},
    {"control byte", "  x-1 [000] ..... 5.0: tracing_mark_write: a\tb\n", 1,
     "\t", "control byte 0x09"},
    {"lost events", "CPU:1 [LOST 12 EVENTS]\n", 1, NULL,
     "lost events on this CPU"},
    {"cpu range", LN("2", "5.0", SYNC), 1, "002]", "CPU 2 is out of range"},
    {"flags", "  x-1 [000] .....! 5.0: " SYNC "\n", 1, ".....!",
     "expected the flags"},
    {"timestamp", "  x-1 [000] ..... 5: " SYNC "\n", 1,
     "5:", "expected the timestamp"},
    {"ts digits", "  x-1 [000] ..... 5.0123456789: " SYNC "\n", 1, "5.",
     "1 to 9 digits"},
    {"no event", LN("1", "5.0", "just text"), 1, "just",
     "expected an event 'NAME: TEXT'"},
    {"unknown event", LN("1", "5.0", "sched_switch: prev=a"), 1, "sched",
     "unknown event 'sched_switch'"},
    {"format", LN("1", "5.0", "map: IOMMU: iova=0x1000 size=4096"), 1, "size",
     "iommu:map does not have Linux's format"},
    {"backwards", LN("1", "5.000002", SYNC) LN("0", "5.000001", SYNC), 2,
     "5.000001", "time goes backwards"},
    {"unaligned", LN("1", "5.0", MAP("00001008", "00002008", "5000", "4096")),
     1, "0x0000000000001008", "is not aligned to the 4K page"},
    {"size", LN("1", "5.0", MAP("00001000", "00001800", "5000", "2048")), 1,
     "2048", "size=2048 is not a whole number of 4K pages"},
    {"48 bits",
     LN("1", "5.0",
	"map: IOMMU: iova=0x0001000000000000 - 0x0001000000001000 "
	"paddr=0x0000000000005000 size=4096"),
     1, "0x0001", "beyond the 48-bit input range"},
    {"end", LN("1", "5.0", MAP("00001000", "00003000", "5000", "4096")), 1,
     "0x0000000000003000", "the range ends at 0x3000"},
    {"paddr 0", LN("1", "5.0", MAP("00001000", "00002000", "0", "4096")), 1,
     "0x000000000 size", "paddr=0x0 cannot be written as dma_map pa="},
    {"big map",
     LN("1", "5.0", MAP("00000000", "10001000", "10000", "268439552")), 1,
     "268439552", "one event may map 1..65536"},
    {"double map", MAP1 MAP1, 2, "0x0000000000001000",
     "page 0x1000 is already mapped (line 12)"},
    {"unmapped_size",
     MAP1 LN("1", "5.1", UNMAP("00001000", "00002000", "4096", "0")), 2, "0\n",
     "unmapped_size=0 differs from size=4096"},
    {"unmap not mapped",
     LN("1", "5.1", UNMAP("00001000", "00002000", "4096", "4096")), 1,
     "0x0000000000001000", "page 0x1000 of the unmap is not mapped"},
    {"group range", LN("1", "5.0", GROUP("-1", "0000:00:03.0")), 1, "-1 device",
     "groupID=-1 is out of range"},
    {"group twice", LN("1", "5.0", GROUP("4", "0000:00:01.0")), 1,
     "0000:00:01.0", "already in group 0"},
    {"attach twice", LN("1", "5.0", ATTACH("0000:00:01.0")), 1, "0000:00:01",
     "second attach of 0000:00:01.0 (first at line 7)"},
    {"attach no group", LN("1", "5.0", ATTACH("0000:00:03.0")), 1, "0000:00:03",
     "before its add_device_to_group"},
    {"no sid", LN("1", "5.0", GROUP("2", "platform-dma")), 1, "platform",
     "has no default StreamID"},
    {"pci segment", LN("1", "5.0", GROUP("2", "0001:00:02.0")), 1, "0001",
     "has no default StreamID"},
};

static void test_bad_ftrace(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(bad_ftrace); i++) {
		const struct bad *b = &bad_ftrace[i];
		char text[2048];
		struct result r;

		snprintf(text, sizeof(text), "%s%s", SETUP, b->text);
		print_message("# %s\n", b->name);
		run(text, NULL, NULL, &r);
		expect_err(&r, in_path, text, 11 + b->line, b->at, b->msg);
		result_free(&r);
	}
}

/* An import that fails: the ftrace file, the QEMU log (NULL: none) and
 * the --dma-device (NULL: none); the error at `line` (and the column of
 * `at`, NULL: 1) of the ftrace file or, with in_log, of the QEMU log. */
struct bad_import {
	const char *name;
	const char *ftrace, *qlog, *dma_device;
	bool in_log;
	int line;
	const char *at, *msg;
};

static void expect_bad_imports(const struct bad_import *b, size_t n)
{
	for (size_t i = 0; i < n; i++, b++) {
		struct smmusim_import_ftrace_opts o = {.dma_device =
							   b->dma_device};
		struct result r;

		print_message("# %s\n", b->name);
		run(b->ftrace, b->qlog, &o, &r);
		expect_err(&r, b->in_log ? q_path : in_path,
			   b->in_log ? b->qlog : b->ftrace, b->line, b->at,
			   b->msg);
		result_free(&r);
	}
}

/* A machine of 512 CPUs: a map on CPU 255 imports, on CPU 256 (or an
 * unmap on 300) it is refused, as no cpu.count (1..256) replays it
 * (tests/fuzz/findings/import_ftrace-cpu-beyond-256). */
static void test_bad_dma_cpu(void **state)
{
	/* clang-format off */
#define HDR512 "# tracer: function\n" \
	"# entries-in-buffer/entries-written: 9/9   #P:512\n"
#define ON(cpu, body) "  insmod-110 [" cpu "] ..... 5.0: " body "\n"
#define DEV ON("001", GROUP("1", "0000:00:02.0")) \
	ON("001", ATTACH("0000:00:02.0"))
	static const char ok[] = HDR512 DEV
	    ON("255", MAP("00001000", "00002000", "00005000", "4096"))
	    ON("255", UNMAP("00001000", "00002000", "4096", "4096"));
	static const char map[] = HDR512 DEV
	    ON("256", MAP("00001000", "00002000", "00005000", "4096"));
	static const char unmap[] = HDR512 DEV
	    ON("001", MAP("00001000", "00002000", "00005000", "4096"))
	    ON("300", UNMAP("00001000", "00002000", "4096", "4096"));
	/* clang-format on */
	static const struct bad_import bad[] = {
	    {"map on CPU 256", map, NULL, NULL, false, 5, "256]",
	     "CPU 256 of an iommu:map: the replay's CPUs are 0..255 "
	     "(cpu.count is at most 256)"},
	    {"unmap on CPU 300", unmap, NULL, NULL, false, 6, "300]",
	     "CPU 300 of an iommu:unmap"},
	};
	struct result r;

	(void)state;
	run(ok, NULL, NULL, &r);
	expect_ok(&r);
	assert_non_null(strstr(r.events, "prot=rw cpu=255\n"));
	result_free(&r);
	expect_bad_imports(bad, ARRAY_LEN(bad));
#undef HDR512
#undef ON
#undef DEV
}

/* Errors of the header and before any device. */
static void test_bad_header(void **state)
{
	static const char tracer[] = "# tracer: function_graph\n";
	static const char lost[] =
	    "# entries-in-buffer/entries-written: 9/10   #P:2\n";
	static const char nodev[] =
	    HDR LN("1", "5.0", MAP("00001000", "00002000", "00005000", "4096"));
	static const struct bad_import bad[] = {
	    {"tracer", tracer, NULL, NULL, false, 1, "function_graph",
	     "tracer 'function_graph'"},
	    {"lost", lost, NULL, NULL, false, 1, "9/10",
	     "lost events (9 in the buffer"},
	    {"no device", nodev, NULL, NULL, false, 5, NULL,
	     "iommu:map before any attach_device_to_domain"},
	    {"no DMA device", nodev, NULL, "0000:00:02.0", false, 5, NULL,
	     "before the attach of the DMA device 0000:00:02.0"},
	};

	(void)state;
	expect_bad_imports(bad, ARRAY_LEN(bad));
}

/* ---- errors of the pairing ---- */

static void test_bad_pairing(void **state)
{
	static const char one[] = SETUP MAP1 LN(
	    "1", "5.1", UNMAP("00001000", "00002000", "4096", "4096"))
	    LN("1", "5.1", SYNC);
	static const char q_range[] = Q_SETUP Q_VA("0x2000", "0x1");
	static const char q_kind[] = Q_SETUP Q_ASID("2");
	static const char q_short[] = Q_SETUP;
	static const char q_long[] = Q_SETUP Q_VA("0x1000", "0x1") Q_ASID("2");
	static const char q_unmapped[] =
	    Q_SETUP Q_XLATE("0x10", "0x8000", "0x5000", "0x1")
		Q_VA("0x1000", "0x1");
	static const char q_pa[] = Q_SETUP Q_XLATE("0x10", "0x1000", "0x6000",
						   "0x1") Q_VA("0x1000", "0x1");
	static const char q_sid[] =
	    Q_SETUP Q_XLATE("0x8", "0x1000", "0x5000", "0x1")
		Q_VA("0x1000", "0x1");
	static const char q_perm[] =
	    Q_SETUP Q_XLATE("0x10", "0x1000", "0x5000", "0x0");
	static const char q_asid_in_batch[] =
	    Q_SETUP Q_OPC("TLBI_NH_VA") Q_ASID("2");
	static const char nosync[] = SETUP MAP1 LN(
	    "1", "5.1", UNMAP("00001000", "00002000", "4096", "4096"))
	    LN("0", "5.1", SYNC);
	static const struct bad_import bad[] = {
	    {"range", one, q_range, NULL, false, 14, NULL,
	     "the unmap of line 13 is [0x1000, 0x2000) but the "
	     "TLBI_NH_VA batch at"},
	    {"kind", one, q_kind, NULL, false, 14, NULL,
	     "invalidation point 3 is a TLBI_NH_VA batch + CMD_SYNC here "
	     "but a TLBI_NH_ASID in"},
	    {"short log", one, q_short, NULL, false, 14, NULL,
	     "but the end of the log in"},
	    {"long log", one, q_long, NULL, true, 10, NULL,
	     "invalidation point 4 (a TLBI_NH_ASID) has no counterpart"},
	    {"unmapped", one, q_unmapped, NULL, true, 8, NULL,
	     "iova=0x8000 is not mapped in"},
	    {"pa", one, q_pa, NULL, true, 8, "0x6000",
	     "translated=0x6000, but"},
	    {"sid", one, q_sid, NULL, true, 8, "0x8 ",
	     "a translation of sid=0x8, but the maps of"},
	    {"perm", one, q_perm, NULL, true, 8, "0x0", "perm=0x0: expected"},
	    {"ASID in a batch", one, q_asid_in_batch, NULL, true, 8,
	     "SMMU_CMD_TLBI_NH_ASID",
	     "TLBI_NH_ASID inside the TLBI_NH_VA batch of line 7"},
	    {"no sync", nosync, q_long, NULL, false, 14, NULL,
	     "not right after the iommu:unmap of its CPU"},
	};

	(void)state;
	expect_bad_imports(bad, ARRAY_LEN(bad));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_basic),
	    cmocka_unit_test(test_time_rounding),
	    cmocka_unit_test(test_options),
	    cmocka_unit_test(test_xz),
	    cmocka_unit_test(test_qemu_strict),
	    cmocka_unit_test(test_qemu_lazy),
	    cmocka_unit_test(test_bad_ftrace),
	    cmocka_unit_test(test_bad_dma_cpu),
	    cmocka_unit_test(test_bad_header),
	    cmocka_unit_test(test_bad_pairing),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
