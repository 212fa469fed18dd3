/* SPDX-License-Identifier: MIT */
/* Tests of the QEMU 7.2 SMMUv3 log importer (src/trace/import_qemu.c and
 * the files it names in import_qemu.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <smmusim/error.h>
#include <smmusim/event.h>
#include <smmusim/import.h>

#include "helpers.h"

#include "base/errbuf.h"
#include "trace/trace_reader.h"

/* ---- QEMU 7.2 log lines ---- */

#define MR "smmuv3-iommu-memory-region-16-2"
#define CFG_MISS(sid)                                                          \
	"smmuv3_config_cache_miss Config cache MISS for sid=" sid              \
	" (hits=0, misses=1, hit rate=0)\n"
#define CFG_HIT(sid)                                                           \
	"smmuv3_config_cache_hit Config cache HIT for sid=" sid                \
	" (hits=1, misses=1, hit rate=50)\n"
#define LK_MISS(asid, addr)                                                    \
	"smmu_iotlb_lookup_miss IOTLB cache MISS asid=" asid " addr=" addr     \
	" hit=0 miss=1 hit rate=0\n"
#define LK_HIT(asid, addr)                                                     \
	"smmu_iotlb_lookup_hit IOTLB cache HIT asid=" asid " addr=" addr       \
	" hit=1 miss=1 hit rate=50\n"
#define PTE(level, iova, pte, pa)                                              \
	"smmu_ptw_page_pte stage=1 level=" level " iova=" iova                 \
	" base@=0x48047000 pte@=0x48047fd8 pte=" pte " page address = " pa     \
	"\n"
#define INSERT(asid, addr)                                                     \
	"smmu_iotlb_insert IOTLB ++ asid=" asid " addr=" addr " tg=1 "         \
	"level=3\n"
#define XLATE(sid, iova, out, perm)                                            \
	"smmuv3_translate_success " MR " sid=" sid " iova=" iova               \
	" translated=" out " perm=" perm "\n"
#define OPC(name) "smmuv3_cmdq_opcode <--- SMMU_CMD_" name "\n"
#define WALK                                                                   \
	"smmu_get_pte baseaddr=0x48039000 index=0x0, pteaddr=0x48039000, "     \
	"pte=0x48042003\n"                                                     \
	"smmu_ptw_level level=0 iova=0xffffb000 subpage_sz=0x8000000000 "      \
	"baseaddr=0x48039000 offset=0 => pte=0x48042003\n"

/* One translation of stream `sid` in ASID `asid` at `iova` (in `page`),
 * after the config cache line `cfg` (CFG_HIT or CFG_MISS): an IOTLB hit,
 * or a miss that reads the leaf `pte` of the page at `pa`. */
#define T_HIT(cfg, sid, asid, page, iova, out, perm)                           \
	cfg(sid) LK_HIT(asid, page) XLATE(sid, iova, out, perm)
#define T_LEAF(cfg, sid, asid, page, pte, pa, iova, out, perm)                 \
	cfg(sid) LK_MISS(asid, page) PTE("3", page, pte, pa)                   \
	    XLATE(sid, iova, out, perm)

/* A translation that misses and walks (4K page, rw). */
#define MISS_RW(sid, asid, page, iova, pa, out)                                \
	CFG_HIT(sid)                                                           \
	LK_MISS(asid, page)                                                    \
	WALK PTE("3", page, "0x0", pa) INSERT(asid, page)                      \
	    XLATE(sid, iova, out, "0x3")

/* ---- helpers ---- */

static char log_path[256], xz_path[256], out_path[256];

/* Read a trace to the end with the trace reader; returns the events. */
static long read_all(const char *path)
{
	struct sm_trace_reader *r = NULL;
	struct smmusim_event ev;
	struct sm_errbuf eb;
	long n = 0;
	int rc;

	sm_err_clear(&eb);
	assert_int_equal(sm_trace_open(&r, path, NULL, &eb), 0);
	while ((rc = sm_trace_next(r, &ev, &eb)) == 1)
		n++;
	if (rc != 0)
		fail_msg("trace reader: %s", eb.msg);
	sm_trace_close(r);
	return n;
}

struct result {
	int rc;
	char msg[512];
	struct smmusim_import_stats st;
	char *trace;  /* whole output */
	char *events; /* event lines only */
};

static void result_free(struct result *r)
{
	free(r->trace);
	free(r->events);
}

static void import_file(const char *path, struct result *r)
{
	memset(r, 0, sizeof(*r));
	r->rc = smmusim_import_qemu(path, out_path, NULL, &r->st, r->msg,
				    sizeof(r->msg));
	r->trace = slurp(out_path, NULL);
	r->events = trace_events(r->trace, true);
}

/* Import `text` from a plain file; on success the trace must also pass
 * the trace reader. */
static void import_text(const char *text, struct result *r)
{
	write_text(log_path, text);
	import_file(log_path, r);
	if (r->rc == 0)
		read_all(out_path);
}

/* Expect an error: code, and a message "LOG:<rest>". */
static void expect_error(const char *text, int code, const char *rest)
{
	struct result r;
	char want[512];

	import_text(text, &r);
	snprintf(want, sizeof(want), "%s:%s", log_path, rest);
	if (r.rc != code || strncmp(r.msg, want, strlen(want)) != 0)
		fail_msg("rc %d (want %d), message\n  '%s'\nwant prefix\n  "
			 "'%s'",
			 r.rc, code, r.msg, want);
	result_free(&r);
}

static int setup(void **state)
{
	(void)state;
	tmp_path(log_path, sizeof(log_path), "import", "log");
	tmp_path(xz_path, sizeof(xz_path), "import", "log.xz");
	tmp_path(out_path, sizeof(out_path), "import", "out.trace");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(log_path);
	unlink(xz_path);
	unlink(out_path);
	return 0;
}

/* ---- what each event becomes ---- */

/* clang-format off */
static const char translations_log[] = "smmu_add_mr " MR "\n"
    /* first translation of stream 0x10: domain, attach, map, access */
    CFG_MISS("0x10")
    "smmuv3_find_ste sid=0x10 features:0x1, sid_split:0x8\n"
    "smmuv3_decode_cd_tt TT[0]:tsz:16 ttb:0x48039000 granule_sz:12 had:0\n"
    LK_MISS("2", "0xffffb000")
    WALK PTE("3", "0xffffb000", "0x48023f47", "0x48023000")
    INSERT("2", "0xffffb000")
    XLATE("0x10", "0xffffb002", "0x48023002", "0x3")
    /* a hit, read: no map */
    T_HIT(CFG_HIT, "0x10", "2", "0xffffb000", "0xffffb010", "0x48023010", "0x1")
    /* AP[2] set: read-only page, read (perm=0x1) */
    T_LEAF(CFG_HIT, "0x10", "2", "0xffff6000", "0x48008fc7", "0x48008000",
           "0xffff6380", "0x48008380", "0x1")
    /* the same page again: nothing new to map */
    T_LEAF(CFG_HIT, "0x10", "2", "0xffffb000", "0x48023f47", "0x48023000",
           "0xffffb002", "0x48023002", "0x3")
    /* the same IOVA remapped to another page */
    T_LEAF(CFG_HIT, "0x10", "2", "0xffffb000", "0x48099f47", "0x48099000",
           "0xffffb002", "0x48099002", "0x3")
    /* another stream, another ASID; then a stream sharing ASID 2 */
    T_LEAF(CFG_MISS, "0x8", "3", "0x1000", "0x5f47", "0x5000",
           "0x1000", "0x5000", "0x3")
    T_HIT(CFG_MISS, "0x18", "2", "0xffffb000", "0xffffb002", "0x48099002", "0x1")
    /* stream 0x8 changes ASID, then goes back to the first one */
    T_HIT(CFG_HIT, "0x8", "2", "0xffffb000", "0xffffb002", "0x48099002", "0x1")
    T_HIT(CFG_HIT, "0x8", "3", "0x1000", "0x1000", "0x5000", "0x1");
/* clang-format on */

static void test_translations(void **state)
{
	struct result r;

	(void)state;
	import_text(translations_log, &r);
	if (r.rc)
		fail_msg("%s", r.msg);
	assert_string_equal(
	    r.events,
	    "domain_create dom=1 asid=2\n"
	    "attach sid=0x10 dom=1 cmds=off\n"
	    "iommu_map dom=1 va=0xffffb000 len=4K pa=0x48023000 prot=rw\n"
	    "dev_access sid=0x10 va=0xffffb002 op=w\n"
	    "dev_access sid=0x10 va=0xffffb010 op=r\n"
	    "iommu_map dom=1 va=0xffff6000 len=4K pa=0x48008000 prot=r\n"
	    "dev_access sid=0x10 va=0xffff6380 op=r\n"
	    "dev_access sid=0x10 va=0xffffb002 op=w\n"
	    "iommu_map dom=1 va=0xffffb000 len=4K pa=0x48099000 prot=rw\n"
	    "dev_access sid=0x10 va=0xffffb002 op=w\n"
	    "domain_create dom=2 asid=3\n"
	    "attach sid=0x8 dom=2 cmds=off\n"
	    "iommu_map dom=2 va=0x1000 len=4K pa=0x5000 prot=rw\n"
	    "dev_access sid=0x8 va=0x1000 op=w\n"
	    "attach sid=0x18 dom=1 cmds=off\n"
	    "dev_access sid=0x18 va=0xffffb002 op=r\n"
	    "attach sid=0x8 dom=1 cmds=off\n"
	    "dev_access sid=0x8 va=0xffffb002 op=r\n"
	    "attach sid=0x8 dom=2 cmds=off\n"
	    "dev_access sid=0x8 va=0x1000 op=r\n");
	assert_int_equal(r.st.translations, 9);
	assert_int_equal(r.st.iotlb_hits, 4);
	assert_int_equal(r.st.iotlb_misses, 5);
	assert_int_equal(r.st.mappings, 4);
	assert_int_equal(r.st.commands, 0);
	assert_int_equal(r.st.lines, 38);
	/* Header, provenance, and QEMU's own counts at the end. */
	assert_true(strncmp(r.trace, "smmusim-trace 1\n# source: ", 26) == 0);
	assert_non_null(strstr(r.trace, "# imported from a QEMU 7.2 SMMUv3 "
					"trace log"));
	assert_non_null(strstr(r.trace, "\n# qemu: translations=9 "
					"iotlb_hits=4 iotlb_misses=5\n"));
	assert_true(
	    strlen(r.trace) > 1 &&
	    !strcmp(r.trace + strlen(r.trace) - strlen("iotlb_misses=5\n"),
		    "iotlb_misses=5\n"));
	result_free(&r);
}

/* Walk lines without a config cache line: the map waits for the
 * translation that names the stream. */
static void test_map_before_stream_known(void **state)
{
	struct result r;

	(void)state;
	import_text(LK_MISS("5", "0x3000")
			PTE("3", "0x3000", "0x9f47", "0x9000")
			    XLATE("0x20", "0x3004", "0x9004", "0x3"),
		    &r);
	if (r.rc)
		fail_msg("%s", r.msg);
	assert_string_equal(r.events,
			    "domain_create dom=1 asid=5\n"
			    "attach sid=0x20 dom=1 cmds=off\n"
			    "iommu_map dom=1 va=0x3000 len=4K pa=0x9000 "
			    "prot=rw\n"
			    "dev_access sid=0x20 va=0x3004 op=w\n");
	result_free(&r);
}

/* clang-format off */
static const char commands_log[] =
    "smmuv3_cmdq_consume prod=2 cons=0 prod.wrap=0 cons.wrap=0\n"
    OPC("CFGI_STE_RANGE")
    "smmuv3_cmdq_cfgi_ste_range start=0x0 - end=0xffffffff\n"
    OPC("CFGI_STE_RANGE")
    "smmuv3_cmdq_cfgi_ste_range start=0x10 - end=0x1f\n"
    OPC("CFGI_STE") "smmuv3_cmdq_cfgi_ste streamid= 0x10\n"
    "smmuv3_config_cache_inv Config cache INV for sid=0x10\n"
    OPC("CFGI_CD") "smmuv3_cmdq_cfgi_cd sid=0x10\n"
    OPC("CFGI_CD_ALL") "smmuv3_cmdq_cfgi_cd sid=0x11\n"
    OPC("TLBI_NH_ASID") "smmuv3_cmdq_tlbi_nh_asid asid=2\n"
    "smmu_iotlb_inv_asid IOTLB invalidate asid=2\n"
    OPC("TLBI_NH_VA")
    "smmuv3_s1_range_inval vmid=0 asid=2 addr=0xffff6000 tg=1 num_pages=0x1 ttl=3 leaf=1\n"
    OPC("TLBI_NH_VA")
    "smmuv3_s1_range_inval vmid=0 asid=2 addr=0x10000 tg=1 num_pages=0x10 ttl=0 leaf=0\n"
    "smmuv3_s1_range_inval vmid=0 asid=2 addr=0x20000 tg=1 num_pages=0x20 ttl=0 leaf=0\n"
    "smmuv3_s1_range_inval vmid=0 asid=2 addr=0x40000 tg=1 num_pages=0x6 ttl=0 leaf=0\n"
    OPC("TLBI_NH_VA")
    "smmuv3_s1_range_inval vmid=0 asid=7 addr=0x7000 tg=0 num_pages=0x1 ttl=0 leaf=1\n"
    OPC("TLBI_NH_VAA")
    "smmuv3_s1_range_inval vmid=0 asid=-1 addr=0x5000 tg=1 num_pages=0x2 ttl=3 leaf=1\n"
    OPC("TLBI_NH_ALL") "smmuv3_cmdq_tlbi_nh \n"
    "smmu_iotlb_inv_all IOTLB invalidate all\n"
    OPC("TLBI_NSNH_ALL") "smmuv3_cmdq_tlbi_nh \n"
    OPC("SYNC")
    OPC("PREFETCH_CONFIG")
    OPC("PREFETCH_ADDR")
    OPC("TLBI_EL2_ALL") "smmuv3_unhandled_cmd Unhandled command type=32\n"
    /* no detail: a StreamID without a device, QEMU did nothing */
    OPC("CFGI_STE") OPC("SYNC")
    /* an illegal opcode stops the queue */
    "smmuv3_cmdq_opcode <--- UNKNOWN\n"
    "smmuv3_cmdq_consume_error Error on UNKNOWN command execution: 1\n"
    "smmuv3_cmdq_consume_out prod:2, cons:2, prod_wrap:0, cons_wrap:0 \n";
/* clang-format on */

static void test_commands(void **state)
{
	struct result r;

	(void)state;
	import_text(commands_log, &r);
	if (r.rc)
		fail_msg("%s", r.msg);
	assert_string_equal(
	    r.events,
	    "cmd op=cfgi_ste_range sid=0x0 range=31\n"
	    "cmd op=cfgi_ste_range sid=0x10 range=3\n"
	    "cmd op=cfgi_ste sid=0x10\n"
	    "cmd op=cfgi_cd sid=0x10\n"
	    "cmd op=cfgi_cd_all sid=0x11\n"
	    "cmd op=tlbi_nh_asid asid=2\n"
	    "cmd op=tlbi_nh_va vmid=0 asid=2 addr=0xffff6000 tg=1 num=0 "
	    "scale=0 ttl=3 leaf=1\n"
	    "cmd op=tlbi_nh_va vmid=0 asid=2 addr=0x10000 tg=1 num=0 scale=4 "
	    "ttl=0 leaf=0\n"
	    "cmd op=tlbi_nh_va vmid=0 asid=2 addr=0x20000 tg=1 num=0 scale=5 "
	    "ttl=0 leaf=0\n"
	    "cmd op=tlbi_nh_va vmid=0 asid=2 addr=0x40000 tg=1 num=2 scale=1 "
	    "ttl=0 leaf=0\n"
	    "cmd op=tlbi_nh_va vmid=0 asid=7 addr=0x7000 tg=0 num=0 scale=0 "
	    "ttl=0 leaf=1\n"
	    "cmd op=tlbi_nh_vaa vmid=0 addr=0x5000 tg=1 num=0 scale=1 ttl=3 "
	    "leaf=1\n"
	    "cmd op=tlbi_nh_all\n"
	    "cmd op=tlbi_nsnh_all\n"
	    "cmd op=sync\n"
	    "cmd op=prefetch_config\n"
	    "cmd op=prefetch_addr\n"
	    "cmd op=sync\n");
	assert_int_equal(r.st.commands, 18);
	assert_non_null(strstr(r.trace,
			       "cmd tlbi_el2_all unhandled by QEMU 7.2 "
			       "(smmuv3_unhandled_cmd): not "
			       "imported\n"));
	assert_non_null(strstr(r.trace, "cfgi_ste without its detail line"));
	assert_non_null(strstr(r.trace, "illegal command (UNKNOWN)"));
	result_free(&r);
}

/* Other QEMU events are skipped; -msg timestamp=on prefixes accepted. */
static void test_skipped_and_timestamps(void **state)
{
	struct result r;

	(void)state;
	import_text(
	    "virtio_blk_req_complete vdev 0x5581 req 0x7f status 0\n"
	    "1234@1700000000.123456:" OPC(
		"SYNC") "smmuv3_read_mmio addr: 0x0 val:0xd40101a size: "
			"0x4(0)\n"
			"1234@1700000000.123457:smmuv3_write_mmio addr: 0x98 "
			"val:0x2 size: 0x4(0)\n",
	    &r);
	if (r.rc)
		fail_msg("%s", r.msg);
	assert_string_equal(r.events, "cmd op=sync\n");
	assert_int_equal(r.st.lines, 4);
	assert_int_equal(r.st.skipped, 3);
	result_free(&r);
}

/* The same log through .xz (named so, and without the suffix: told by its
 * magic) gives the same trace. */
static void test_xz(void **state)
{
	struct result plain, xz, magic;
	char nosuffix[256];
	uint8_t *data;
	size_t n;

	(void)state;
	import_text(translations_log, &plain);
	assert_int_equal(plain.rc, 0);
	data = xz_encode(translations_log, &n);
	write_bytes(xz_path, data, n);
	import_file(xz_path, &xz);
	if (xz.rc)
		fail_msg("%s", xz.msg);
	assert_string_equal(plain.events, xz.events);
	assert_memory_equal(&plain.st, &xz.st, sizeof(plain.st));

	tmp_path(nosuffix, sizeof(nosuffix), "import", "compressed-log");
	write_bytes(nosuffix, data, n);
	import_file(nosuffix, &magic);
	if (magic.rc)
		fail_msg("%s", magic.msg);
	assert_string_equal(plain.events, magic.events);
	unlink(nosuffix);
	free(data);
	result_free(&plain);
	result_free(&xz);
	result_free(&magic);
}

/* A long log (many chunks, lines split across them) through .xz. */
static char *long_log(size_t blocks, size_t *lines)
{
	static const char block[] =
	    MISS_RW("0x10", "2", "0xffffb000", "0xffffb002", "0x48023000",
		    "0x48023002");
	size_t n = strlen(block);
	char *s = malloc(blocks * n + 1);

	assert_non_null(s);
	for (size_t i = 0; i < blocks; i++)
		memcpy(s + i * n, block, n);
	s[blocks * n] = '\0';
	*lines = blocks * 7;
	return s;
}

static void test_xz_long(void **state)
{
	struct result r;
	size_t lines, n;
	char *text = long_log(20000, &lines);
	uint8_t *data = xz_encode(text, &n);

	(void)state;
	write_bytes(xz_path, data, n);
	import_file(xz_path, &r);
	if (r.rc)
		fail_msg("%s", r.msg);
	assert_int_equal(r.st.lines, lines);
	assert_int_equal(r.st.translations, 20000);
	assert_int_equal(r.st.mappings, 1);
	assert_int_equal(read_all(out_path), 20000 + 3);
	free(text);
	free(data);
	result_free(&r);
}

/* ---- errors, each with its line ---- */

static void test_err_unknown_event(void **state)
{
	(void)state;
	/* QEMU 8.x's name for the ASID invalidation */
	expect_error(
	    OPC("SYNC")
		OPC("SYNC") "smmu_iotlb_inv_asid_vmid IOTLB invalidate asid=1 "
			    "vmid=0\n",
	    SMMUSIM_EPARSE,
	    "3:1: unknown SMMU trace event 'smmu_iotlb_inv_asid_vmid' "
	    "for QEMU 7.2; this importer reads QEMU 7.2 SMMUv3 trace "
	    "logs");
}

static void test_err_qemu8_format(void **state)
{
	(void)state;
	/* QEMU 8.x prints vmid= in the IOTLB lookups */
	expect_error(
	    CFG_HIT(
		"0x10") "smmu_iotlb_lookup_hit IOTLB cache HIT asid=2 vmid=0 "
			"addr=0xffffb000 hit=1 miss=1 hit rate=50\n",
	    SMMUSIM_EPARSE,
	    "2:46: event 'smmu_iotlb_lookup_hit' does not have QEMU "
	    "7.2's format (expected: 'smmu_iotlb_lookup_hit IOTLB "
	    "cache HIT asid=%d addr=0x%x hit=%d miss=%d hit "
	    "rate=%d'); this importer reads QEMU 7.2 SMMUv3 trace "
	    "logs");
	/* QEMU 9.x adds stage= to translate_success */
	expect_error(
	    CFG_HIT("0x10") LK_HIT(
		"2",
		"0xffffb000") "smmuv3_translate_success " MR " sid=0x10 "
			      "iova=0xffffb002 translated=0x48023002 perm=0x3 "
			      "stage=1\n",
	    SMMUSIM_EPARSE,
	    "3:113: event 'smmuv3_translate_success' does not have QEMU "
	    "7.2's format");
	/* QEMU 8.1+ prints stage= first in smmu_ptw_level */
	expect_error(OPC("SYNC") "smmu_ptw_level stage=1 level=0 "
				 "iova=0xffffb000 subpage_sz=0x8000000000 "
				 "baseaddr=0x48039000 offset=0 => "
				 "pte=0x48042003\n",
		     SMMUSIM_EPARSE,
		     "2:16: event 'smmu_ptw_level' does not have QEMU 7.2's "
		     "format");
	/* QEMU 5.x printed "streamid =%d" */
	expect_error(OPC("CFGI_STE") "smmuv3_cmdq_cfgi_ste streamid =16\n",
		     SMMUSIM_EPARSE,
		     "2:30: event 'smmuv3_cmdq_cfgi_ste' does not have QEMU "
		     "7.2's format (expected: 'smmuv3_cmdq_cfgi_ste "
		     "streamid= 0x%x')");
	/* upper-case hex, missing space of an empty format */
	expect_error(OPC("SYNC") CFG_HIT("0X10"), SMMUSIM_EPARSE,
		     "2:51: event 'smmuv3_config_cache_hit' does not have");
	expect_error(OPC("TLBI_NH_ALL") "smmuv3_cmdq_tlbi_nh\n", SMMUSIM_EPARSE,
		     "2:20: event 'smmuv3_cmdq_tlbi_nh' does not have");
}

static void test_err_truncated_line(void **state)
{
	(void)state;
	/* cut in the middle of an event, no newline */
	expect_error(CFG_HIT("0x10") LK_HIT(
			 "2", "0xffffb000") "smmuv3_translate_success " MR
					    " sid=0x10 iova=0xffffb0",
		     SMMUSIM_EPARSE, "3:80: truncated line");
	/* a complete event, but the newline is missing */
	expect_error(OPC("SYNC") OPC("SYNC") "smmuv3_cmdq_opcode <--- "
					     "SMMU_CMD_SYNC",
		     SMMUSIM_EPARSE, "3:38: truncated line");
}

static void test_err_not_a_trace_line(void **state)
{
	(void)state;
	expect_error(OPC("SYNC") "\n" OPC("SYNC"), SMMUSIM_EPARSE,
		     "2:1: not a QEMU trace log line (expected 'EVENTNAME "
		     "ARGS')");
	expect_error(OPC("SYNC") OPC("SYNC") "qemu-system-aarch64: "
					     "terminating on signal 15\n",
		     SMMUSIM_EPARSE, "3:5: not a QEMU trace log line");
}

static void test_err_no_smmu_events(void **state)
{
	char want[512];
	struct result r;

	(void)state;
	import_text("virtio_blk_req_complete vdev 0x5581 req 0x7f status 0\n"
		    "virtio_notify vdev 0x5581 vq 0x7f\n",
		    &r);
	assert_int_equal(r.rc, SMMUSIM_EPARSE);
	snprintf(want, sizeof(want),
		 "%s: no QEMU SMMU trace events (smmu_*, smmuv3_*) in 2 lines",
		 log_path);
	assert_true(strncmp(r.msg, want, strlen(want)) == 0);
	result_free(&r);

	import_text("", &r);
	assert_int_equal(r.rc, SMMUSIM_EPARSE);
	assert_non_null(strstr(r.msg, "no QEMU SMMU trace events"));
	result_free(&r);
}

/* The message of a damaged .xz file: its prefix, then "after line N"
 * (returned) and what follows. */
static unsigned long long xz_msg(const struct result *r, const char *prefix,
				 const char *rest)
{
	const char *after = strstr(r->msg, ", after line ");
	char *end;
	unsigned long long n;

	if (strncmp(r->msg, prefix, strlen(prefix)) != 0 || !after)
		fail_msg("message '%s'", r->msg);
	n = strtoull(after + strlen(", after line "), &end, 10);
	if (strcmp(end, rest) != 0)
		fail_msg("message '%s'", r->msg);
	return n;
}

static void test_err_xz_truncated(void **state)
{
	struct result r, plain;
	size_t lines, n;
	char *text = long_log(20000, &lines);
	uint8_t *data = xz_encode(text, &n);
	char want[512];
	unsigned long long after = 0;

	(void)state;
	/* the stream cut in the middle */
	write_bytes(xz_path, data, n / 2);
	import_file(xz_path, &r);
	assert_int_equal(r.rc, SMMUSIM_EPARSE);
	snprintf(want, sizeof(want),
		 "%s: truncated xz data: the compressed input ends at byte "
		 "%zu in the middle of a stream",
		 xz_path, n / 2);
	after = xz_msg(&r, want, "");
	/* the lines before the damage were read, and no more */
	assert_true(after > 0 && after < lines);
	assert_int_equal(r.st.lines, after);
	result_free(&r);

	/* a damaged stream footer: every line is read, then the error */
	data[n - 1] ^= 0x55;
	write_bytes(xz_path, data, n);
	import_file(xz_path, &r);
	assert_int_equal(r.rc, SMMUSIM_EPARSE);
	snprintf(want, sizeof(want), "%s: corrupt xz data past byte ", xz_path);
	assert_int_equal(xz_msg(&r, want, ": compressed data is corrupt"),
			 lines);
	result_free(&r);

	/* only the header */
	write_bytes(xz_path, data, 12);
	import_file(xz_path, &r);
	assert_int_equal(r.rc, SMMUSIM_EPARSE);
	snprintf(want, sizeof(want),
		 "%s: truncated xz data: the compressed input ends at byte "
		 "12 in the middle of a stream, before the first line",
		 xz_path);
	assert_string_equal(r.msg, want);
	result_free(&r);

	/* an .xz name on a file that is not xz: plain text (formats are
	 * told by their magic bytes, not by name) */
	import_text(translations_log, &plain);
	write_text(xz_path, translations_log);
	import_file(xz_path, &r);
	assert_int_equal(r.rc, plain.rc);
	assert_string_equal(r.events, plain.events);
	result_free(&r);
	result_free(&plain);
	free(text);
	free(data);
}

static void test_err_semantics(void **state)
{
	(void)state;
	/* a detail line without its command */
	expect_error(OPC("SYNC") "smmuv3_cmdq_cfgi_ste streamid= 0x10\n",
		     SMMUSIM_EPARSE,
		     "2:1: 'smmuv3_cmdq_cfgi_ste' without a preceding SMMU "
		     "command that prints it");
	expect_error(OPC("TLBI_NH_ASID") "smmuv3_cmdq_cfgi_ste streamid= "
					 "0x10\n",
		     SMMUSIM_EPARSE, "2:1: 'smmuv3_cmdq_cfgi_ste' without");
	/* QEMU 7.2 left TLBI_S12_VMALL unhandled: the replay must not
	 * empty the stage-1 entries of VMID 0 */
	expect_error("smmuv3_unhandled_cmd Unhandled command type=40\n",
		     SMMUSIM_EPARSE,
		     "1:1: 'smmuv3_unhandled_cmd' without the SMMU command");
	expect_error(OPC("TLBI_S12_VMALL") "smmuv3_unhandled_cmd Unhandled "
					   "command type=41\n",
		     SMMUSIM_EPARSE,
		     "2:45: type=41 is not the opcode of the command before "
		     "(tlbi_s12_vmall: 40)");
	/* a command the trace format does not know */
	expect_error(OPC("SYNC") OPC("FROB"), SMMUSIM_EPARSE,
		     "2:25: SMMU command 'SMMU_CMD_FROB' has no equivalent");
	expect_error(OPC("SYNC") "smmuv3_cmdq_opcode <--- CMD_SYNC\n",
		     SMMUSIM_EPARSE, "2:25: unknown SMMU command 'CMD_SYNC'");
	/* a translation without its IOTLB lookup */
	expect_error(CFG_HIT("0x10") XLATE("0x10", "0x1000", "0x1000", "0x3"),
		     SMMUSIM_EPARSE,
		     "2:1: translation of sid=0x10 without a preceding "
		     "smmu_iotlb_lookup_hit");
	expect_error(CFG_HIT("0x10") LK_HIT("2", "0x1000")
			 XLATE("0x10", "0x1000", "0x1000", "0x0"),
		     SMMUSIM_EPARSE, "3:102: perm=0x0: expected a read");
	/* a stage-2 walk, a 16K granule */
	expect_error(
	    LK_MISS("2",
		    "0x1000") "smmu_ptw_page_pte stage=2 level=3 iova=0x1000 "
			      "base@=0x1000 pte@=0x1000 pte=0x3 page address = "
			      "0x1000\n",
	    SMMUSIM_EPARSE, "2:25: stage=2: only stage-1 walks");
	expect_error(OPC("SYNC") "smmuv3_decode_cd_tt TT[0]:tsz:16 "
				 "ttb:0x48039000 granule_sz:14 had:0\n",
		     SMMUSIM_EPARSE,
		     "2:60: granule_sz:14: only the 4K granule");
	/* a STE range that is not a power of two */
	expect_error(OPC("CFGI_STE_RANGE") "smmuv3_cmdq_cfgi_ste_range "
					   "start=0x0 - end=0x2\n",
		     SMMUSIM_EPARSE, "2:34: start=0x0 - end=0x2 is not");
	/* NH_VA with a negative ASID */
	expect_error(OPC("TLBI_NH_VA") "smmuv3_s1_range_inval vmid=0 asid=-1 "
				       "addr=0x0 tg=1 num_pages=0x1 ttl=0 "
				       "leaf=0\n",
		     SMMUSIM_EPARSE,
		     "2:35: asid=-1 is out of range (0..65535)");
}

/* Foreign but well-formed logs: everything the replay would not do as
 * QEMU did is refused at the line and column of the field (issue 8). */
static void test_err_drift(void **state)
{
	(void)state;
	/* asid=0: domain_create would pick another ASID */
	expect_error(LK_MISS("0", "0x1000"), SMMUSIM_EPARSE,
		     "1:46: asid=0 is out of range (1..65535");
	/* pa=0 means fresh pages; an unaligned or too high address */
	expect_error(LK_MISS("2", "0x1000") PTE("3", "0x1000", "0x3", "0x0"),
		     SMMUSIM_EPARSE,
		     "2:103: address 0x0 cannot be written as iommu_map pa=");
	expect_error(LK_MISS("2", "0x1000") PTE("3", "0x1000", "0x3", "0x5001"),
		     SMMUSIM_EPARSE,
		     "2:103: address 0x5001 is not aligned to its leaf (4K)");
	expect_error(LK_MISS("2", "0x1000")
			 PTE("3", "0x1000", "0x3", "0x1000000000000"),
		     SMMUSIM_EPARSE, "2:103: address 0x1000000000000 cannot");
	/* an IOVA beyond the 48-bit input range */
	expect_error(
	    LK_MISS("2", "0x1000") PTE("3", "0x1000000000000", "0x3", "0x5000"),
	    SMMUSIM_EPARSE, "2:40: iova=0x1000000000000 is beyond the 48-bit");
	expect_error(MISS_RW("0x10", "2", "0x1000", "0x1000", "0x5000",
			     "0x5000") CFG_HIT("0x10") LK_HIT("2", "0x1000")
			 XLATE("0x10", "0x1000000001000", "0x5000", "0x1"),
		     SMMUSIM_EPARSE,
		     "10:72: iova=0x1000000001000 is beyond the 48-bit");
	/* blocks: the replay makes 4K leaves in a stage-1 domain */
	expect_error(
	    LK_MISS("2",
		    "0x40212000") "smmu_ptw_block_pte stage=1 level=2 "
				  "base@=0x48048000 "
				  "pte@=0x48048008 pte=0x80200f45 "
				  "iova=0x40212345 block "
				  "address = 0x80200000 block size = 2 MiB\n",
	    SMMUSIM_EPARSE, "2:34: level=2: only level-3 (4K page) leaves");
	expect_error(LK_MISS("2", "0x60212000")
			 PTE("2", "0x60212000", "0x80400f45", "0x80400000"),
		     SMMUSIM_EPARSE, "2:33: level=2: only level-3");
	/* a translation the replay would fault, or map elsewhere */
	expect_error(CFG_HIT("0x10") LK_HIT("2", "0x1000")
			 XLATE("0x10", "0x1000", "0x5000", "0x1"),
		     SMMUSIM_EPARSE,
		     "3:72: iova=0x1000 translated without a walk of its page");
	expect_error(
	    MISS_RW("0x10", "2", "0x1000", "0x1004", "0x5000", "0x6004"),
	    SMMUSIM_EPARSE,
	    "7:90: translated=0x6004 differs from the page the log's "
	    "walk mapped (0x5004)");
	expect_error(CFG_HIT("0x10") LK_MISS("2", "0x1000")
			 PTE("3", "0x1000", "0x83", "0x5000")
			     XLATE("0x10", "0x1000", "0x5000", "0x2"),
		     SMMUSIM_EPARSE,
		     "4:102: a write to iova=0x1000 that the log's walk mapped "
		     "read-only");
	/* StreamIDs: QEMU 7.2 has 16 bits; a CFGI beyond the 32-bit field */
	expect_error(CFG_HIT("0x10000"), SMMUSIM_EPARSE,
		     "1:50: sid=0x10000 is out of range (QEMU 7.2's");
	expect_error(OPC("CFGI_STE") "smmuv3_cmdq_cfgi_ste streamid= "
				     "0x100000000\n",
		     SMMUSIM_EPARSE,
		     "2:32: sid=4294967296 is out of range (0..4294967295)");
	/* TLBI range pieces the replay would not execute as QEMU did */
	expect_error(OPC("TLBI_NH_VA") "smmuv3_s1_range_inval vmid=0 asid=2 "
				       "addr=0x1001 tg=1 num_pages=0x1 ttl=3 "
				       "leaf=1\n",
		     SMMUSIM_EPARSE,
		     "2:42: addr=0x1001 is not aligned to its command field");
	expect_error(OPC("TLBI_NH_VA") "smmuv3_s1_range_inval vmid=1 asid=2 "
				       "addr=0x1000 tg=1 num_pages=0x1 ttl=3 "
				       "leaf=1\n",
		     SMMUSIM_EPARSE, "2:28: vmid=1: QEMU 7.2 ignores the VMID");
	expect_error(OPC("TLBI_NH_VA") "smmuv3_s1_range_inval vmid=0 asid=2 "
				       "addr=0x1000 tg=2 num_pages=0x1 ttl=3 "
				       "leaf=1\n",
		     SMMUSIM_EPARSE, "2:52: tg=2: only the 4K granule");
	expect_error(OPC("TLBI_NH_VA") "smmuv3_s1_range_inval vmid=0 asid=2 "
				       "addr=0x1000 tg=1 num_pages=0x1 ttl=0 "
				       "leaf=1\n",
		     SMMUSIM_EPARSE,
		     "2:72: tg=1 with ttl=0 and num_pages=0x1: illegal");
}

/* Control bytes: a NUL in a command name ("SMMU_CMD_SYNC\0junk" once read
 * as CMD_SYNC), a tab, a CR. */
static void test_err_control_bytes(void **state)
{
	static const char nul[] = "smmuv3_cmdq_opcode <--- SMMU_CMD_SYNC\0x\n";
	static const char *other[] = {
	    "smmuv3_cmdq_opcode <--- SMMU_CMD_SYNC\r\n",
	    "smmuv3_cmdq_opcode\t<--- SMMU_CMD_SYNC\n",
	    "virtio_notify vdev 0x5581\x1b[0m\n",
	};
	static const unsigned cols[] = {38, 19, 26};
	struct result r;
	char want[512];

	(void)state;
	write_bytes(log_path, nul, sizeof(nul) - 1);
	import_file(log_path, &r);
	snprintf(want, sizeof(want), "%s:1:38: control byte 0x00 in a log line",
		 log_path);
	assert_int_equal(r.rc, SMMUSIM_EPARSE);
	if (strncmp(r.msg, want, strlen(want)))
		fail_msg("'%s'", r.msg);
	result_free(&r);
	for (size_t i = 0; i < 3; i++) {
		char rest[64];

		snprintf(rest, sizeof(rest), "1:%u: control byte", cols[i]);
		expect_error(other[i], SMMUSIM_EPARSE, rest);
	}
}

/* A line longer than 64 KiB is refused, whether it fits a read chunk or
 * not, and its bytes past the limit are not kept. */
static void test_err_long_line(void **state)
{
	static const size_t lens[] = {70000, 600000};

	(void)state;
	for (size_t k = 0; k < 2; k++) {
		size_t n = lens[k];
		char *text = malloc(n + 64);

		assert_non_null(text);
		strcpy(text, OPC("SYNC") "virtio_x ");
		memset(text + strlen(text), 'a', n);
		strcpy(text + strlen(OPC("SYNC")) + 9 + n, "\n");
		expect_error(text, SMMUSIM_EPARSE,
			     "2:65537: line longer than 65536 bytes");
		free(text);
	}
}

/* A log path with a newline must not inject a line into the trace. */
static void test_path_in_header(void **state)
{
	char path[300];
	struct result r;

	(void)state;
	tmp_path(path, sizeof(path), "import", "a\nmm_create mm=1\n#");
	write_text(path, OPC("SYNC"));
	import_file(path, &r);
	unlink(path);
	if (r.rc)
		fail_msg("%s", r.msg);
	assert_string_equal(r.events, "cmd op=sync\n");
	assert_non_null(strstr(r.trace, "a\\x0amm_create mm=1\\x0a#\n"));
	assert_true(read_all(out_path) == 1);
	result_free(&r);
}

static void test_err_io(void **state)
{
	struct smmusim_import_stats st;
	char msg[512];
	int rc;

	(void)state;
	rc = smmusim_import_qemu("/nonexistent/qemu.log", out_path, NULL, &st,
				 msg, sizeof(msg));
	assert_int_equal(rc, SMMUSIM_EIO);
	assert_true(strncmp(msg, "/nonexistent/qemu.log: cannot open: ", 36) ==
		    0);

	write_text(log_path, OPC("SYNC"));
	rc = smmusim_import_qemu(log_path, "/nonexistent/dir/out.trace", NULL,
				 &st, msg, sizeof(msg));
	assert_int_equal(rc, SMMUSIM_EIO);
	assert_true(
	    strncmp(msg, "/nonexistent/dir/out.trace: cannot open: ", 41) == 0);

	rc = smmusim_import_qemu(NULL, out_path, NULL, NULL, msg, sizeof(msg));
	assert_int_equal(rc, SMMUSIM_EINVAL);
	/* no stats, no message buffer: fine */
	rc = smmusim_import_qemu(log_path, out_path, NULL, NULL, NULL, 0);
	assert_int_equal(rc, 0);
}

/* Every allocation (liblzma's included) goes through the allocator and
 * comes back; running out of memory fails cleanly at every point. */
static void test_allocator(void **state)
{
	struct counting c;
	struct smmusim_allocator a = counting_allocator(&c);
	struct smmusim_import_stats st;
	char msg[512];
	uint8_t *data;
	size_t n;
	int rc;

	(void)state;
	data = xz_encode(translations_log, &n);
	write_bytes(xz_path, data, n);
	free(data);

	rc = smmusim_import_qemu(xz_path, out_path, &a, &st, msg, sizeof(msg));
	if (rc)
		fail_msg("%s", msg);
	assert_int_equal(c.blocks, 0);
	assert_int_equal(c.bytes, 0);

	for (long k = 0; k < 40; k++) {
		counting_allocator(&c);
		c.fail_after = k;
		rc = smmusim_import_qemu(xz_path, out_path, &a, &st, msg,
					 sizeof(msg));
		assert_true(rc == 0 || rc == SMMUSIM_ENOMEM);
		assert_int_equal(c.blocks, 0);
		assert_int_equal(c.bytes, 0);
	}
}

/* ---- the real logs (traces/real/qemu, in the repository) ---- */

static void import_real(const char *name, uint64_t translations, uint64_t hits,
			uint64_t misses)
{
	const char *dir = getenv("SMMUSIM_TRACES");
	struct smmusim_import_stats st;
	char path[1024], msg[512], want[128];
	struct timespec t0, t1;
	struct stat sb;
	char *trace;
	long events;
	int rc;

	snprintf(path, sizeof(path), "%s/real/qemu/%s", dir ? dir : "traces",
		 name);
	if (stat(path, &sb) != 0)
		fail_msg("%s not found (the real logs are in the repository)",
			 path);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = smmusim_import_qemu(path, out_path, NULL, &st, msg, sizeof(msg));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc)
		fail_msg("%s", msg);
	printf("# %s: %" PRIu64 " lines imported in %.3f s\n", name, st.lines,
	       (double)(t1.tv_sec - t0.tv_sec) +
		   (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	assert_int_equal(st.translations, translations);
	assert_int_equal(st.iotlb_hits, hits);
	assert_int_equal(st.iotlb_misses, misses);
	assert_true(st.commands > 0 && st.mappings > 0);
	events = read_all(out_path);
	/* every translation, command and mapping, one domain + attach */
	assert_int_equal(
	    events, (long)(st.translations + st.commands + st.mappings + 2));
	trace = slurp(out_path, NULL);
	snprintf(want, sizeof(want),
		 "# qemu: translations=%" PRIu64 " iotlb_hits=%" PRIu64
		 " iotlb_misses=%" PRIu64 "\n",
		 translations, hits, misses);
	assert_non_null(strstr(trace, want));
	assert_non_null(strstr(trace, "\ndomain_create dom=1 asid=2\n"
				      "attach sid=0x10 dom=1 cmds=off"));
	free(trace);
}

static void test_real_strict(void **state)
{
	(void)state;
	import_real("linux61-virtio-blk-strict.log.xz", 9346, 2192, 7154);
}

static void test_real_lazy(void **state)
{
	(void)state;
	import_real("linux61-virtio-blk-lazy.log.xz", 9176, 1938, 7238);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_translations),
	    cmocka_unit_test(test_map_before_stream_known),
	    cmocka_unit_test(test_commands),
	    cmocka_unit_test(test_skipped_and_timestamps),
	    cmocka_unit_test(test_xz),
	    cmocka_unit_test(test_xz_long),
	    cmocka_unit_test(test_err_unknown_event),
	    cmocka_unit_test(test_err_qemu8_format),
	    cmocka_unit_test(test_err_truncated_line),
	    cmocka_unit_test(test_err_not_a_trace_line),
	    cmocka_unit_test(test_err_no_smmu_events),
	    cmocka_unit_test(test_err_xz_truncated),
	    cmocka_unit_test(test_err_semantics),
	    cmocka_unit_test(test_err_drift),
	    cmocka_unit_test(test_err_control_bytes),
	    cmocka_unit_test(test_err_long_line),
	    cmocka_unit_test(test_path_in_header),
	    cmocka_unit_test(test_err_io),
	    cmocka_unit_test(test_allocator),
	    cmocka_unit_test(test_real_strict),
	    cmocka_unit_test(test_real_lazy),
	};

	return cmocka_run_group_tests_name("import_qemu", tests, setup,
					   teardown);
}
