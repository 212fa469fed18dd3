/* SPDX-License-Identifier: MIT */
/* The test programs' shared helpers (helpers.h). */
#include "helpers.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include <smmusim/config.h>

#include "arch/vmsa.h"
#include "base/errbuf.h"
#include "engine/stats.h"
#include "hw/mem/physmem.h"
#include "hw/mem/tcache.h"

/* ---- a counting allocator ---- */

/* Each block carries the size it was allocated with: the library hands the
 * size back on every free and realloc (struct smmusim_allocator), and one
 * that differs is counted. */
struct block_hdr {
	size_t size;
	size_t pad; /* keep the caller's block 16-byte aligned */
};

/* Whether the next allocation may succeed; counts it down. */
static bool may_allocate(struct counting *c)
{
	if (c->fail_after == 0)
		return false;
	if (c->fail_after > 0)
		c->fail_after--;
	return true;
}

static void *cnt_malloc(size_t n, void *ctx)
{
	struct counting *c = ctx;
	if (!may_allocate(c))
		return NULL;
	struct block_hdr *h = malloc(sizeof(*h) + n);
	if (!h)
		return NULL;
	h->size = n;
	c->allocs++;
	c->blocks++;
	c->bytes += (long long)n;
	return h + 1;
}

static void cnt_free(void *p, size_t n, void *ctx)
{
	struct counting *c = ctx;
	if (!p)
		return;
	struct block_hdr *h = (struct block_hdr *)p - 1;
	if (h->size != n)
		c->size_mismatch++;
	c->blocks--;
	c->bytes -= (long long)n;
	free(h);
}

static void *cnt_realloc(void *p, size_t old_n, size_t new_n, void *ctx)
{
	struct counting *c = ctx;
	if (!p) {
		void *q = cnt_malloc(new_n, ctx);
		if (q)
			c->reallocs++;
		return q;
	}
	struct block_hdr *h = (struct block_hdr *)p - 1;
	if (h->size != old_n)
		c->size_mismatch++;
	if (!may_allocate(c))
		return NULL;
	struct block_hdr *nh = realloc(h, sizeof(*nh) + new_n);
	if (!nh)
		return NULL;
	nh->size = new_n;
	c->allocs++;
	c->reallocs++;
	c->bytes += (long long)new_n - (long long)old_n;
	return nh + 1;
}

struct smmusim_allocator counting_allocator(struct counting *c)
{
	memset(c, 0, sizeof(*c));
	c->fail_after = -1;
	return (struct smmusim_allocator){cnt_malloc, cnt_realloc, cnt_free, c};
}

/* ---- the simulator through the public API ---- */

smmusim_t *sim_new(const char *preset, const char *const *sets)
{
	smmusim_config_t *cfg;
	smmusim_t *sim;
	char err[512];
	assert_int_equal(smmusim_config_new(&cfg, NULL), 0);
	if (preset) {
		char kind[32];
		const char *eq = strchr(preset, '=');
		assert_non_null(eq);
		assert_true((size_t)(eq - preset) < sizeof(kind));
		snprintf(kind, sizeof(kind), "%.*s", (int)(eq - preset),
			 preset);
		if (smmusim_config_apply_preset(cfg, kind, eq + 1))
			fail_msg("%s: %s", preset, smmusim_config_error(cfg));
	}
	for (size_t i = 0; sets && sets[i]; i++)
		if (smmusim_config_set_assignment(cfg, sets[i]))
			fail_msg("%s: %s", sets[i], smmusim_config_error(cfg));
	int rc = smmusim_new_ex(&sim, cfg, NULL, err, sizeof(err));
	smmusim_config_free(cfg);
	if (rc)
		fail_msg("smmusim_new_ex: %d %s", rc, err);
	return sim;
}

void submit_ok(smmusim_t *sim, struct smmusim_event ev)
{
	submit_ok_next(sim, ev, UINT64_MAX);
}

void submit_ok_next(smmusim_t *sim, struct smmusim_event ev,
		    uint64_t next_start)
{
	smmusim_set_next_start(sim, next_start);
	int rc = smmusim_submit(sim, &ev);
	if (rc)
		fail_msg("%s: %d: %s", smmusim_event_name(ev.type), rc,
			 smmusim_last_error(sim));
}

uint64_t sim_stat(const smmusim_t *sim, const char *name)
{
	uint64_t v = 0;
	if (smmusim_stat_get(sim, name, &v))
		fail_msg("no counter %s", name);
	return v;
}

/* ---- events of processes ---- */

struct smmusim_event ev_mm_create(uint32_t mm)
{
	return (struct smmusim_event){.type = SMMUSIM_EV_MM_CREATE, .mm = mm};
}

struct smmusim_event ev_mmap(uint32_t mm, uint64_t va, uint64_t len,
			     unsigned prot, bool shared)
{
	return (struct smmusim_event){.type = SMMUSIM_EV_MMAP,
				      .mm = mm,
				      .va = va,
				      .len = len,
				      .prot = prot,
				      .map = shared ? SMMUSIM_MAP_SHARED
						    : SMMUSIM_MAP_PRIVATE};
}

struct smmusim_event ev_munmap(uint32_t mm, uint64_t va, uint64_t len)
{
	return (struct smmusim_event){
	    .type = SMMUSIM_EV_MUNMAP, .mm = mm, .va = va, .len = len};
}

struct smmusim_event ev_mprotect(uint32_t mm, uint64_t va, uint64_t len,
				 unsigned prot)
{
	return (struct smmusim_event){.type = SMMUSIM_EV_MPROTECT,
				      .mm = mm,
				      .va = va,
				      .len = len,
				      .prot = prot};
}

struct smmusim_event ev_mm_exit(uint32_t mm)
{
	return (struct smmusim_event){.type = SMMUSIM_EV_MM_EXIT, .mm = mm};
}

struct smmusim_event ev_touch(uint32_t mm, uint32_t cpu, uint64_t va,
			      uint64_t len)
{
	return (struct smmusim_event){.type = SMMUSIM_EV_TOUCH,
				      .mm = mm,
				      .cpu = cpu,
				      .va = va,
				      .len = len,
				      .op = SMMUSIM_ACC_WRITE};
}

struct smmusim_event ev_cpu(uint32_t mm, uint32_t cpu, uint64_t va, bool write)
{
	return (struct smmusim_event){.type = SMMUSIM_EV_CPU_ACCESS,
				      .mm = mm,
				      .cpu = cpu,
				      .va = va,
				      .op = write ? SMMUSIM_ACC_WRITE
						  : SMMUSIM_ACC_READ};
}

struct smmusim_event ev_bind(uint32_t mm, uint32_t sid, uint32_t ssid, bool pri)
{
	return (struct smmusim_event){.type = SMMUSIM_EV_BIND,
				      .mm = mm,
				      .sid = sid,
				      .ssid = ssid,
				      .pri = pri};
}

/* ---- scratch files ---- */

void tmp_path(char *buf, size_t n, const char *test, const char *name)
{
	snprintf(buf, n, "/tmp/smmusim-test-%s-%ld-%s", test, (long)getpid(),
		 name);
}

void write_bytes(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

void write_text(const char *path, const char *text)
{
	write_bytes(path, text, strlen(text));
}

char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return buf;
}

char *trace_events(const char *trace, bool cut_comments)
{
	char *out = malloc(strlen(trace) + 1);
	char *o = out;
	const char *p = trace;

	assert_non_null(out);
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		size_t keep = n;
		const char *hash = memchr(p, '#', n);

		if (hash && (cut_comments || hash == p))
			keep = (size_t)(hash - p);
		while (cut_comments && keep && p[keep - 1] == ' ')
			keep--;
		if (keep && strncmp(p, "smmusim-trace", 13) != 0) {
			memcpy(o, p, keep);
			o += keep;
			*o++ = '\n';
		}
		p += nl ? n + 1 : n;
	}
	*o = '\0';
	return out;
}

uint8_t *xz_encode(const char *text, size_t *n)
{
	lzma_stream s = LZMA_STREAM_INIT;
	size_t len = strlen(text), cap = len + len / 2 + 4096;
	uint8_t *buf = malloc(cap);
	lzma_ret r;

	assert_non_null(buf);
	assert_int_equal(lzma_easy_encoder(&s, 6, LZMA_CHECK_CRC64), LZMA_OK);
	s.next_in = (const uint8_t *)text;
	s.avail_in = len;
	s.next_out = buf;
	s.avail_out = cap;
	do
		r = lzma_code(&s, LZMA_FINISH);
	while (r == LZMA_OK);
	assert_int_equal(r, LZMA_STREAM_END);
	*n = cap - s.avail_out;
	lzma_end(&s);
	return buf;
}

uint8_t *gz_encode(const char *text, size_t *n)
{
	z_stream s = {0};
	size_t len = strlen(text), cap = len + len / 2 + 4096;
	uint8_t *buf = malloc(cap);

	assert_non_null(buf);
	/* 16 + 15: a gzip wrapper (RFC 1952), not zlib's. */
	assert_int_equal(deflateInit2(&s, 6, Z_DEFLATED, 16 + MAX_WBITS, 8,
				      Z_DEFAULT_STRATEGY),
			 Z_OK);
	s.next_in = (Bytef *)text;
	s.avail_in = (uInt)len;
	s.next_out = buf;
	s.avail_out = (uInt)cap;
	assert_int_equal(deflate(&s, Z_FINISH), Z_STREAM_END);
	*n = cap - s.avail_out;
	deflateEnd(&s);
	return buf;
}

uint8_t *zstd_encode(const char *text, size_t *n)
{
	size_t len = strlen(text), cap = ZSTD_compressBound(len);
	uint8_t *buf = malloc(cap);

	assert_non_null(buf);
	*n = ZSTD_compress(buf, cap, text, len, 3);
	assert_false(ZSTD_isError(*n));
	return buf;
}

/* ---- inside ---- */

uint64_t page_alloc(struct sm_physmem *pm, unsigned kind)
{
	struct sm_errbuf eb = {{0}};
	uint64_t pa = 0;
	if (sm_physmem_alloc(pm, (enum sm_page_kind)kind, &pa, &eb))
		fail_msg("sm_physmem_alloc: %s", eb.msg);
	return pa;
}

uint64_t counter(const struct sm_stats *st, const char *name)
{
	const uint64_t *c = sm_stats_find(st, name);
	if (!c)
		fail_msg("no counter %s", name);
	return *c;
}

/* Which entries to count: all of them, or those covering va for asid (or
 * global) at `level` (-1: any). */
struct covering {
	bool all;
	uint32_t asid;
	uint64_t va;
	int level;
	unsigned n;
};

static void count_covering(void *ctx, const struct sm_tc_entry *e)
{
	struct covering *c = ctx;
	if (c->all || ((e->global || e->asid == c->asid) && e->va <= c->va &&
		       c->va < e->va + sm_tc_size(e) &&
		       (c->level < 0 || e->level == c->level)))
		c->n++;
}

static unsigned count_entries(const struct sm_tcache *tc, struct covering c)
{
	sm_tc_for_each(tc, count_covering, &c);
	return c.n;
}

unsigned tc_covering(const struct sm_tcache *tc, uint32_t asid, uint64_t va,
		     int level)
{
	return count_entries(
	    tc, (struct covering){.asid = asid, .va = va, .level = level});
}

bool tc_has(const struct sm_tcache *tc, uint32_t asid, uint64_t va)
{
	return tc_covering(tc, asid, va, -1) > 0;
}

unsigned tc_count(const struct sm_tcache *tc)
{
	return count_entries(tc, (struct covering){.all = true});
}

uint64_t mk_pte(uint64_t pa, bool rw)
{
	return (pa & PTE_ADDR_MASK) | PTE_TYPE_PAGE | PTE_USER | PTE_AF |
	       PTE_NG | PTE_SHARED | PTE_UXN | PTE_PXN | (rw ? 0 : PTE_RDONLY);
}
