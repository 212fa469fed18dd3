/* SPDX-License-Identifier: MIT */
/*
 * Importer of QEMU 7.2 SMMUv3 trace logs (include/smmusim/import.h).
 *
 * QEMU's "log" trace backend writes one line per event, "NAME ARGS\n" (or
 * "PID@SEC.USEC:NAME ARGS\n" with -msg timestamp=on), ARGS being the event's
 * printf format from hw/arm/trace-events.  Every SMMU event of QEMU 7.2 is
 * listed in qemu72_events[] below with that format, written in a small
 * notation of our own (%d signed decimal, %x lower-case hex digits, %s a
 * word without spaces, everything else literal), and each line is matched
 * against it exactly: a field added, renamed or reordered by another QEMU
 * version makes the line fail, so a log of another version is refused with
 * a message naming the event and the format expected, instead of being
 * half-understood.
 *
 * The log is streamed: read in chunks (through liblzma's stream decoder for
 * .xz files), cut into lines, each line handled and forgotten.  What is kept
 * is small: the streams and domains seen, and the importer's view of each
 * page's mapping (to write an iommu_map only when the walker saw a new
 * output address or permission).
 *
 * What a line becomes:
 *   smmuv3_config_cache_hit/miss  the StreamID of the translation to come
 *   smmu_iotlb_lookup_hit/miss    its ASID (and QEMU's hit/miss counts)
 *   smmu_ptw_page_pte/block_pte   iommu_map, if the mapping is new
 *   smmuv3_translate_success      domain_create + attach the first time,
 *                                 then dev_access
 *   smmuv3_cmdq_opcode + detail   cmd (a command whose detail line carries
 *                                 its fields is written at the detail line)
 *   anything else                 nothing (counted in stats->skipped)
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <lzma.h>

#include <smmusim/error.h>
#include <smmusim/import.h>

#include "base/alloc.h"
#include "base/errbuf.h"

#define IN_CHUNK (64u * 1024u)	 /* compressed bytes read at a time */
#define OUT_CHUNK (256u * 1024u) /* log bytes handled at a time */
#define MAX_CAPS 10
#define NAME_SHOWN 64 /* longest event name quoted in a message */

/* ---------------------------------------------------------------------- */
/* QEMU 7.2's SMMU trace events                                           */
/* ---------------------------------------------------------------------- */

enum ev_kind {
	EK_IGNORE,	 /* validated, nothing to write */
	EK_CONFIG,	 /* config cache hit/miss: StreamID */
	EK_LOOKUP_HIT,	 /* IOTLB lookup: ASID */
	EK_LOOKUP_MISS,	 /* */
	EK_INSERT,	 /* counted only */
	EK_INV_ALL,	 /* counted only */
	EK_INV_ASID,	 /* counted only */
	EK_DECODE_TT,	 /* granule check */
	EK_PAGE_PTE,	 /* leaf descriptor of a walk */
	EK_BLOCK_PTE,	 /* */
	EK_XLATE_OK,	 /* translate_success */
	EK_XLATE_FAIL,	 /* translate_abort: a walk that failed */
	EK_XLATE_BYPASS, /* translate_bypass/disable: no IOTLB involved */
	EK_OPCODE,	 /* cmdq_opcode */
	EK_CFGI_STE,
	EK_CFGI_STE_RANGE,
	EK_CFGI_CD,
	EK_TLBI_NH,
	EK_TLBI_NH_ASID,
	EK_RANGE_INVAL,
};

struct qemu_event {
	const char *name;
	const char *fmt; /* arguments after "NAME " */
	enum ev_kind kind;
};

/* hw/arm/trace-events of QEMU 7.2 (smmu-common.c and smmuv3.c sections). */
static const struct qemu_event qemu72_events[] = {
    /* smmu-common.c */
    {"smmu_add_mr", "%s", EK_IGNORE},
    {"smmu_ptw_level",
     "level=%d iova=0x%x subpage_sz=0x%x baseaddr=0x%x offset=%d => pte=0x%x",
     EK_IGNORE},
    {"smmu_ptw_invalid_pte",
     "stage=%d level=%d base@=0x%x pte@=0x%x offset=%d pte=0x%x", EK_IGNORE},
    {"smmu_ptw_page_pte",
     "stage=%d level=%d iova=0x%x base@=0x%x pte@=0x%x pte=0x%x "
     "page address = 0x%x",
     EK_PAGE_PTE},
    {"smmu_ptw_block_pte",
     "stage=%d level=%d base@=0x%x pte@=0x%x pte=0x%x iova=0x%x "
     "block address = 0x%x block size = %d MiB",
     EK_BLOCK_PTE},
    {"smmu_get_pte", "baseaddr=0x%x index=0x%x, pteaddr=0x%x, pte=0x%x",
     EK_IGNORE},
    {"smmu_iotlb_inv_all", "IOTLB invalidate all", EK_INV_ALL},
    {"smmu_iotlb_inv_asid", "IOTLB invalidate asid=%d", EK_INV_ASID},
    {"smmu_iotlb_inv_iova", "IOTLB invalidate asid=%d addr=0x%x", EK_IGNORE},
    {"smmu_inv_notifiers_mr", "iommu mr=%s", EK_IGNORE},
    {"smmu_iotlb_lookup_hit",
     "IOTLB cache HIT asid=%d addr=0x%x hit=%d miss=%d hit rate=%d",
     EK_LOOKUP_HIT},
    {"smmu_iotlb_lookup_miss",
     "IOTLB cache MISS asid=%d addr=0x%x hit=%d miss=%d hit rate=%d",
     EK_LOOKUP_MISS},
    {"smmu_iotlb_insert", "IOTLB ++ asid=%d addr=0x%x tg=%d level=%d",
     EK_INSERT},
    /* smmuv3.c */
    {"smmuv3_read_mmio", "addr: 0x%x val:0x%x size: 0x%x(%d)", EK_IGNORE},
    {"smmuv3_trigger_irq", "irq=%d", EK_IGNORE},
    {"smmuv3_write_gerror", "toggled=0x%x, new GERROR=0x%x", EK_IGNORE},
    {"smmuv3_write_gerrorn", "acked=0x%x, new GERRORN=0x%x", EK_IGNORE},
    {"smmuv3_unhandled_cmd", "Unhandled command type=%d", EK_IGNORE},
    {"smmuv3_cmdq_consume", "prod=%d cons=%d prod.wrap=%d cons.wrap=%d",
     EK_IGNORE},
    {"smmuv3_cmdq_opcode", "<--- %s", EK_OPCODE},
    {"smmuv3_cmdq_consume_out", "prod:%d, cons:%d, prod_wrap:%d, cons_wrap:%d ",
     EK_IGNORE},
    {"smmuv3_cmdq_consume_error", "Error on %s command execution: %d",
     EK_IGNORE},
    {"smmuv3_write_mmio", "addr: 0x%x val:0x%x size: 0x%x(%d)", EK_IGNORE},
    {"smmuv3_record_event", "%s sid=0x%x", EK_IGNORE},
    {"smmuv3_find_ste", "sid=0x%x features:0x%x, sid_split:0x%x", EK_IGNORE},
    {"smmuv3_find_ste_2lvl",
     "strtab_base:0x%x l1ptr:0x%x l1_off:0x%x, l2ptr:0x%x l2_off:0x%x "
     "max_l2_ste:%d",
     EK_IGNORE},
    {"smmuv3_get_ste", "STE addr: 0x%x", EK_IGNORE},
    {"smmuv3_translate_disable",
     "%s sid=0x%x bypass (smmu disabled) iova:0x%x is_write=%d",
     EK_XLATE_BYPASS},
    {"smmuv3_translate_bypass", "%s sid=0x%x STE bypass iova:0x%x is_write=%d",
     EK_XLATE_BYPASS},
    {"smmuv3_translate_abort", "%s sid=0x%x abort on iova:0x%x is_write=%d",
     EK_XLATE_FAIL},
    {"smmuv3_translate_success",
     "%s sid=0x%x iova=0x%x translated=0x%x perm=0x%x", EK_XLATE_OK},
    {"smmuv3_get_cd", "CD addr: 0x%x", EK_IGNORE},
    {"smmuv3_decode_cd", "oas=%d", EK_IGNORE},
    {"smmuv3_decode_cd_tt", "TT[%d]:tsz:%d ttb:0x%x granule_sz:%d had:%d",
     EK_DECODE_TT},
    {"smmuv3_cmdq_cfgi_ste", "streamid= 0x%x", EK_CFGI_STE},
    {"smmuv3_cmdq_cfgi_ste_range", "start=0x%x - end=0x%x", EK_CFGI_STE_RANGE},
    {"smmuv3_cmdq_cfgi_cd", "sid=0x%x", EK_CFGI_CD},
    {"smmuv3_config_cache_hit",
     "Config cache HIT for sid=0x%x (hits=%d, misses=%d, hit rate=%d)",
     EK_CONFIG},
    {"smmuv3_config_cache_miss",
     "Config cache MISS for sid=0x%x (hits=%d, misses=%d, hit rate=%d)",
     EK_CONFIG},
    {"smmuv3_s1_range_inval",
     "vmid=%d asid=%d addr=0x%x tg=%d num_pages=0x%x ttl=%d leaf=%d",
     EK_RANGE_INVAL},
    {"smmuv3_cmdq_tlbi_nh", "", EK_TLBI_NH},
    {"smmuv3_cmdq_tlbi_nh_asid", "asid=%d", EK_TLBI_NH_ASID},
    {"smmuv3_config_cache_inv", "Config cache INV for sid=0x%x", EK_IGNORE},
    {"smmuv3_notify_flag_add", "ADD SMMUNotifier node for iommu mr=%s",
     EK_IGNORE},
    {"smmuv3_notify_flag_del", "DEL SMMUNotifier node for iommu mr=%s",
     EK_IGNORE},
    {"smmuv3_inv_notifiers_iova",
     "iommu mr=%s asid=%d iova=0x%x tg=%d num_pages=0x%x", EK_IGNORE},
};

#define N_QEMU_EVENTS (sizeof(qemu72_events) / sizeof(qemu72_events[0]))

/* SMMU commands: QEMU 7.2 prints "SMMU_CMD_" + the upper-case name; the
 * trace word is the lower-case name (the trace reader's cmd op words). */
enum cmd_detail {
	CD_NONE,      /* written at the opcode line */
	CD_STE,	      /* smmuv3_cmdq_cfgi_ste */
	CD_STE_RANGE, /* smmuv3_cmdq_cfgi_ste_range */
	CD_CD,	      /* smmuv3_cmdq_cfgi_cd */
	CD_NH,	      /* smmuv3_cmdq_tlbi_nh */
	CD_NH_ASID,   /* smmuv3_cmdq_tlbi_nh_asid */
	CD_RANGE,     /* one or more smmuv3_s1_range_inval */
};

struct qemu_cmd {
	const char *name; /* lower case, without SMMU_CMD_ */
	enum cmd_detail detail;
};

static const struct qemu_cmd qemu72_cmds[] = {
    {"prefetch_config", CD_NONE}, {"prefetch_addr", CD_NONE},
    {"cfgi_ste", CD_STE},	  {"cfgi_ste_range", CD_STE_RANGE},
    {"cfgi_cd", CD_CD},		  {"cfgi_cd_all", CD_CD},
    {"tlbi_nh_all", CD_NH},	  {"tlbi_nh_asid", CD_NH_ASID},
    {"tlbi_nh_va", CD_RANGE},	  {"tlbi_nh_vaa", CD_RANGE},
    {"tlbi_el3_all", CD_NONE},	  {"tlbi_el3_va", CD_NONE},
    {"tlbi_el2_all", CD_NONE},	  {"tlbi_el2_asid", CD_NONE},
    {"tlbi_el2_va", CD_NONE},	  {"tlbi_el2_vaa", CD_NONE},
    {"tlbi_s12_vmall", CD_NONE},  {"tlbi_s2_ipa", CD_NONE},
    {"tlbi_nsnh_all", CD_NH},	  {"atc_inv", CD_NONE},
    {"pri_resp", CD_NONE},	  {"resume", CD_NONE},
    {"stall_term", CD_NONE},	  {"sync", CD_NONE},
};

#define N_QEMU_CMDS (sizeof(qemu72_cmds) / sizeof(qemu72_cmds[0]))

/* ---------------------------------------------------------------------- */
/* Strict matching of one line against a format                          */
/* ---------------------------------------------------------------------- */

struct cap {
	uint64_t u;    /* %x, or %d when not negative */
	int64_t i;     /* %d */
	const char *s; /* %s */
	size_t n;      /* %s length */
};

/* Match s[0..len) against fmt exactly; fills caps in order.  False on any
 * difference, including text left over on either side. */
static bool match_fmt(const char *fmt, const char *s, size_t len,
		      struct cap *caps)
{
	size_t p = 0;
	int nc = 0;

	while (*fmt) {
		if (fmt[0] != '%') {
			if (p >= len || s[p] != *fmt)
				return false;
			p++;
			fmt++;
			continue;
		}
		if (nc >= MAX_CAPS)
			return false;
		switch (fmt[1]) {
		case 'd': {
			bool neg = false;
			uint64_t v = 0;
			size_t start;

			if (p < len && s[p] == '-') {
				neg = true;
				p++;
			}
			start = p;
			while (p < len && s[p] >= '0' && s[p] <= '9') {
				unsigned d = (unsigned)(s[p] - '0');
				if (v > (UINT64_MAX - d) / 10)
					return false;
				v = v * 10 + d;
				p++;
			}
			if (p == start || v > (uint64_t)INT64_MAX)
				return false;
			caps[nc].i = neg ? -(int64_t)v : (int64_t)v;
			caps[nc].u = neg ? 0 : v;
			break;
		}
		case 'x': {
			uint64_t v = 0;
			size_t start = p;

			while (p < len) {
				char c = s[p];
				unsigned d;

				if (c >= '0' && c <= '9')
					d = (unsigned)(c - '0');
				else if (c >= 'a' && c <= 'f')
					d = (unsigned)(c - 'a' + 10);
				else
					break;
				if (p - start >= 16)
					return false;
				v = v << 4 | d;
				p++;
			}
			if (p == start)
				return false;
			caps[nc].u = v;
			caps[nc].i = (int64_t)v;
			break;
		}
		case 's': {
			size_t start = p;

			while (p < len && s[p] != ' ')
				p++;
			if (p == start)
				return false;
			caps[nc].s = s + start;
			caps[nc].n = p - start;
			break;
		}
		default:
			return false;
		}
		nc++;
		fmt += 2;
	}
	return p == len;
}

/* ---------------------------------------------------------------------- */
/* Importer state                                                         */
/* ---------------------------------------------------------------------- */

struct stream {
	uint32_t sid;
	uint32_t dom;
};

struct domain {
	uint32_t dom;
	uint32_t asid;
};

struct pending_map {
	uint64_t va, len, pa;
	bool ro;
};

struct page {	     /* one slot of the mapping view (open addressing) */
	uint64_t va; /* aligned to 1 << shift */
	uint64_t pa;
	uint32_t dom;  /* 0: empty slot (domains are numbered from 1) */
	uint8_t shift; /* 12, 21 or 30 */
	bool ro;
};

struct importer {
	const struct smmusim_allocator *a;
	const char *log_name;
	const char *trace_name;
	struct sm_errbuf *eb;

	/* input */
	FILE *in;
	bool own_in;
	bool xz;
	bool xz_init;
	bool in_eof;	 /* no more bytes from the file */
	bool xz_end;	 /* decoder reached LZMA_STREAM_END */
	lzma_ret xz_err; /* error seen after the last bytes handed out */
	lzma_stream strm;
	lzma_allocator lza;
	uint8_t *inbuf;
	uint8_t *outbuf;
	size_t pre_n; /* bytes of outbuf read ahead (plain files) */
	char *line;   /* a line split across chunks */
	size_t line_len, line_cap;
	uint64_t lineno;

	/* output */
	FILE *out;
	bool own_out;

	/* translation in progress */
	int64_t walk_sid;  /* from the config cache line, -1 if none */
	int64_t walk_asid; /* from the IOTLB lookup line, -1 if none */
	struct pending_map *pend;
	size_t n_pend, cap_pend;

	/* command in progress */
	const struct qemu_cmd *cmd; /* awaiting its detail line, or NULL */
	uint64_t cmd_line;
	const struct qemu_cmd *range_cmd; /* TLBI_NH_VA(A) taking pieces */
	unsigned range_pieces;

	struct stream *streams;
	size_t n_streams, cap_streams;
	struct domain *domains;
	size_t n_domains, cap_domains;

	struct page *pages;
	size_t n_pages, cap_pages; /* cap: power of 2 */

	/* counts */
	struct smmusim_import_stats st;
	uint64_t smmu_lines;
	uint64_t inserts, inv_all, inv_asid, range_invals, opcodes;
	uint64_t aborts, bypassed, no_detail, illegal;
};

static int ierr(struct importer *im, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int ierr(struct importer *im, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sm_verr(im->eb, code, fmt, ap);
	va_end(ap);
	return code;
}

/* "LOG:LINE: " errors about the current line. */
static int lerr(struct importer *im, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int lerr(struct importer *im, const char *fmt, ...)
{
	char msg[SM_ERRBUF_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ierr(im, SMMUSIM_EPARSE, "%s:%" PRIu64 ": %s", im->log_name,
		    im->lineno, msg);
}

static int grow(struct importer *im, void **arr, size_t *cap, size_t n,
		size_t elem)
{
	size_t new_cap;
	void *p;

	if (n < *cap)
		return 0;
	new_cap = *cap ? *cap * 2 : 8;
	p = *arr ? sm_realloc(im->a, *arr, *cap * elem, new_cap * elem)
		 : sm_malloc(im->a, new_cap * elem);
	if (!p)
		return ierr(im, SMMUSIM_ENOMEM, "%s: out of memory",
			    im->log_name);
	*arr = p;
	*cap = new_cap;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Output                                                                 */
/* ---------------------------------------------------------------------- */

static int emit(struct importer *im, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int emit(struct importer *im, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfprintf(im->out, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return ierr(im, SMMUSIM_EIO, "%s: write error: %s",
			    im->trace_name, strerror(errno ? errno : EIO));
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Streams, domains, mappings                                             */
/* ---------------------------------------------------------------------- */

/* The domain stream `sid` translates through with ASID `asid`: created and
 * attached (in the trace) the first time. */
static int stream_domain(struct importer *im, uint32_t sid, uint32_t asid,
			 uint32_t *dom_out)
{
	struct stream *st = NULL;
	uint32_t dom = 0;
	int rc;

	for (size_t i = 0; i < im->n_streams; i++)
		if (im->streams[i].sid == sid)
			st = &im->streams[i];
	if (st) {
		for (size_t i = 0; i < im->n_domains; i++)
			if (im->domains[i].dom == st->dom &&
			    im->domains[i].asid == asid) {
				*dom_out = st->dom;
				return 0;
			}
	}
	/* One domain per ASID: streams with the same ASID share it. */
	for (size_t i = 0; i < im->n_domains; i++)
		if (im->domains[i].asid == asid)
			dom = im->domains[i].dom;
	if (!dom) {
		rc = grow(im, (void **)&im->domains, &im->cap_domains,
			  im->n_domains, sizeof(*im->domains));
		if (rc)
			return rc;
		dom = (uint32_t)im->n_domains + 1;
		im->domains[im->n_domains++] =
		    (struct domain){.dom = dom, .asid = asid};
		rc =
		    emit(im, "domain_create dom=%" PRIu32 " asid=%" PRIu32 "\n",
			 dom, asid);
		if (rc)
			return rc;
	}
	if (!st) {
		rc = grow(im, (void **)&im->streams, &im->cap_streams,
			  im->n_streams, sizeof(*im->streams));
		if (rc)
			return rc;
		st = &im->streams[im->n_streams++];
		st->sid = sid;
	}
	st->dom = dom;
	*dom_out = dom;
	return emit(im,
		    "attach sid=0x%" PRIx32 " dom=%" PRIu32
		    " cmds=off  # log line %" PRIu64 "\n",
		    sid, dom, im->lineno);
}

static size_t page_hash(uint32_t dom, uint64_t va, unsigned shift)
{
	uint64_t h = (va >> shift) * 0x9e3779b97f4a7c15ull;

	h ^= ((uint64_t)dom << 8 | shift) * 0xc2b2ae3d27d4eb4full;
	return (size_t)(h ^ (h >> 29));
}

static int pages_grow(struct importer *im)
{
	size_t new_cap = im->cap_pages ? im->cap_pages * 2 : 1024;
	struct page *np = sm_calloc(im->a, new_cap * sizeof(*np));

	if (!np)
		return ierr(im, SMMUSIM_ENOMEM, "%s: out of memory",
			    im->log_name);
	for (size_t i = 0; i < im->cap_pages; i++) {
		const struct page *o = &im->pages[i];
		size_t j;

		if (!o->dom)
			continue;
		j = page_hash(o->dom, o->va, o->shift) & (new_cap - 1);
		while (np[j].dom)
			j = (j + 1) & (new_cap - 1);
		np[j] = *o;
	}
	sm_free(im->a, im->pages, im->cap_pages * sizeof(*im->pages));
	im->pages = np;
	im->cap_pages = new_cap;
	return 0;
}

/* Record (dom, va) -> (pa, ro); *changed tells whether it is new. */
static int page_update(struct importer *im, uint32_t dom, uint64_t va,
		       unsigned shift, uint64_t pa, bool ro, bool *changed)
{
	size_t j;
	int rc;

	if ((im->n_pages + 1) * 2 > im->cap_pages) {
		rc = pages_grow(im);
		if (rc)
			return rc;
	}
	j = page_hash(dom, va, shift) & (im->cap_pages - 1);
	while (im->pages[j].dom) {
		struct page *p = &im->pages[j];

		if (p->dom == dom && p->va == va && p->shift == shift) {
			*changed = p->pa != pa || p->ro != ro;
			p->pa = pa;
			p->ro = ro;
			return 0;
		}
		j = (j + 1) & (im->cap_pages - 1);
	}
	im->pages[j] = (struct page){
	    .va = va, .pa = pa, .dom = dom, .shift = (uint8_t)shift, .ro = ro};
	im->n_pages++;
	*changed = true;
	return 0;
}

static int map_page(struct importer *im, uint32_t dom, uint64_t va,
		    uint64_t len, uint64_t pa, bool ro)
{
	unsigned shift = len == (1ull << 30)   ? 30
			 : len == (1ull << 21) ? 21
					       : 12;
	bool changed;
	int rc;

	rc = page_update(im, dom, va, shift, pa, ro, &changed);
	if (rc || !changed)
		return rc;
	im->st.mappings++;
	return emit(im,
		    "iommu_map dom=%" PRIu32 " va=0x%" PRIx64
		    " len=%s pa=0x%" PRIx64 " prot=%s\n",
		    dom, va,
		    shift == 30	  ? "1G"
		    : shift == 21 ? "2M"
				  : "4K",
		    pa, ro ? "r" : "rw");
}

/* Maps of a walk whose stream was not known yet (no config cache line),
 * written once the translation names it. */
static int flush_pending(struct importer *im, uint32_t dom)
{
	for (size_t i = 0; i < im->n_pend; i++) {
		const struct pending_map *m = &im->pend[i];
		int rc = map_page(im, dom, m->va, m->len, m->pa, m->ro);

		if (rc)
			return rc;
	}
	im->n_pend = 0;
	return 0;
}

/* A leaf descriptor seen by the walker (stage 1, 4K granule). */
static int on_leaf(struct importer *im, int64_t stage, int64_t level,
		   uint64_t iova, uint64_t pte, uint64_t addr)
{
	uint64_t len;
	bool ro = (pte >> 7) & 1; /* AP[2]: read-only */
	uint32_t dom;
	int rc;

	if (stage != 1)
		return lerr(im,
			    "stage=%" PRId64 ": only stage-1 walks can be "
			    "imported",
			    stage);
	switch (level) {
	case 1:
		len = 1ull << 30;
		break;
	case 2:
		len = 1ull << 21;
		break;
	case 3:
		len = 1ull << 12;
		break;
	default:
		return lerr(im,
			    "level=%" PRId64 ": a leaf is at level 1, 2 or 3 "
			    "(4K granule)",
			    level);
	}
	iova &= ~(len - 1);
	addr &= ~(len - 1);
	if (im->walk_sid >= 0 && im->walk_asid >= 0) {
		rc = stream_domain(im, (uint32_t)im->walk_sid,
				   (uint32_t)im->walk_asid, &dom);
		if (rc)
			return rc;
		return map_page(im, dom, iova, len, addr, ro);
	}
	rc = grow(im, (void **)&im->pend, &im->cap_pend, im->n_pend,
		  sizeof(*im->pend));
	if (rc)
		return rc;
	im->pend[im->n_pend++] =
	    (struct pending_map){.va = iova, .len = len, .pa = addr, .ro = ro};
	return 0;
}

static int on_translate(struct importer *im, const struct cap *c)
{
	uint32_t sid = (uint32_t)c[1].u, dom;
	uint64_t perm = c[4].u;
	int rc;

	if (perm < 1 || perm > 3)
		return lerr(im,
			    "perm=0x%" PRIx64 ": expected a read (0x1) or a "
			    "write (0x2, 0x3)",
			    perm);
	if (im->walk_asid < 0)
		return lerr(im,
			    "translation of sid=0x%" PRIx32
			    " without a preceding smmu_iotlb_lookup_hit or "
			    "smmu_iotlb_lookup_miss (was QEMU run with "
			    "-trace 'smmu_*'?)",
			    sid);
	if (im->walk_sid >= 0 && (uint64_t)im->walk_sid != sid)
		return lerr(im,
			    "translation of sid=0x%" PRIx32
			    " after a config cache lookup of sid=0x%" PRIx64,
			    sid, (uint64_t)im->walk_sid);
	rc = stream_domain(im, sid, (uint32_t)im->walk_asid, &dom);
	if (!rc)
		rc = flush_pending(im, dom);
	if (rc)
		return rc;
	im->st.translations++;
	im->walk_sid = -1;
	im->walk_asid = -1;
	return emit(im, "dev_access sid=0x%" PRIx32 " va=0x%" PRIx64 " op=%s\n",
		    sid, c[2].u, perm == 1 ? "r" : "w");
}

/* ---------------------------------------------------------------------- */
/* Commands                                                               */
/* ---------------------------------------------------------------------- */

/* A command whose detail line never came: QEMU did not execute it (a
 * CFGI for a StreamID without a device, or a command error). */
static int close_cmd(struct importer *im)
{
	const struct qemu_cmd *c = im->cmd;

	im->cmd = NULL;
	if (!c)
		return 0;
	im->no_detail++;
	return emit(im,
		    "# line %" PRIu64 ": cmd %s without its detail line: "
		    "not executed by QEMU, not imported\n",
		    im->cmd_line, c->name);
}

static int on_opcode(struct importer *im, const struct cap *c)
{
	const char *s = c[0].s;
	size_t n = c[0].n;
	char lower[32];
	int rc;

	rc = close_cmd(im);
	if (rc)
		return rc;
	im->range_cmd = NULL;
	im->opcodes++;
	if ((n == 7 && !memcmp(s, "UNKNOWN", 7)) ||
	    (n == 7 && !memcmp(s, "INVALID", 7))) {
		/* QEMU refuses an illegal opcode (CERROR_ILL) and stops. */
		im->illegal++;
		return emit(im,
			    "# line %" PRIu64 ": illegal command (%.*s): "
			    "refused by QEMU, not imported\n",
			    im->lineno, (int)n, s);
	}
	if (n <= 9 || memcmp(s, "SMMU_CMD_", 9) != 0 || n - 9 >= sizeof(lower))
		return lerr(im,
			    "unknown SMMU command '%.*s' (expected "
			    "SMMU_CMD_NAME)",
			    (int)(n > NAME_SHOWN ? NAME_SHOWN : n), s);
	for (size_t i = 9; i < n; i++) {
		char ch = s[i];
		lower[i - 9] =
		    ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
	}
	lower[n - 9] = '\0';
	for (size_t i = 0; i < N_QEMU_CMDS; i++) {
		const struct qemu_cmd *qc = &qemu72_cmds[i];

		if (strcmp(qc->name, lower) != 0)
			continue;
		if (qc->detail == CD_NONE) {
			im->st.commands++;
			return emit(im, "cmd op=%s\n", qc->name);
		}
		im->cmd = qc;
		im->cmd_line = im->lineno;
		return 0;
	}
	return lerr(im,
		    "SMMU command '%.*s' has no equivalent in the trace format "
		    "(cmd op words: see docs/trace-format.md)",
		    (int)n, s);
}

/* The pending command, if it is one of the two given details. */
static const struct qemu_cmd *want_cmd(struct importer *im, enum cmd_detail d,
				       const char *ev)
{
	const struct qemu_cmd *c = im->cmd;

	if (c && c->detail == d) {
		im->cmd = NULL;
		return c;
	}
	lerr(im, "'%s' without a preceding SMMU command that prints it", ev);
	return NULL;
}

static int on_cfgi_ste_range(struct importer *im, const struct cap *c)
{
	uint64_t start = c[0].u, end = c[1].u, n;
	unsigned range = 0;

	if (!want_cmd(im, CD_STE_RANGE, "smmuv3_cmdq_cfgi_ste_range"))
		return SMMUSIM_EPARSE;
	n = end - start + 1;
	if (end < start || end > UINT32_MAX || n < 2 || (n & (n - 1)) ||
	    (start & (n - 1)))
		return lerr(im,
			    "start=0x%" PRIx64 " - end=0x%" PRIx64
			    " is not an aligned range of 2^(Range+1) StreamIDs",
			    start, end);
	while ((2ull << range) != n)
		range++;
	im->st.commands++;
	return emit(im, "cmd op=cfgi_ste_range sid=0x%" PRIx64 " range=%u\n",
		    start, range);
}

static int on_range_inval(struct importer *im, const struct cap *c)
{
	const struct qemu_cmd *qc = im->range_cmd;
	int64_t vmid = c[0].i, asid = c[1].i, tg = c[3].i, ttl = c[5].i,
		leaf = c[6].i;
	uint64_t addr = c[2].u, pages = c[4].u;
	unsigned scale = 0;
	uint64_t num;
	bool vaa;

	if (!qc) {
		qc = want_cmd(im, CD_RANGE, "smmuv3_s1_range_inval");
		if (!qc)
			return SMMUSIM_EPARSE;
		im->range_cmd = qc;
		im->range_pieces = 0;
	}
	im->range_pieces++;
	im->range_invals++;
	vaa = strcmp(qc->name, "tlbi_nh_vaa") == 0;
	if (vmid < 0 || vmid > 0xffff || tg < 0 || tg > 3 || ttl < 0 ||
	    ttl > 3 || leaf < 0 || leaf > 1 || (vaa ? asid != -1 : asid < 0) ||
	    asid > 0xffff || pages == 0)
		return lerr(im,
			    "field out of range (vmid 0..65535, asid %s, tg "
			    "0..3, ttl 0..3, leaf 0..1, num_pages > 0)",
			    vaa ? "-1 for TLBI_NH_VAA" : "0..65535");
	if (tg == 0) {
		if (pages != 1)
			return lerr(im,
				    "tg=0 with num_pages=0x%" PRIx64
				    " (QEMU 7.2 prints 0x1)",
				    pages);
		num = 0;
	} else {
		while (!((pages >> scale) & 1))
			scale++;
		num = (pages >> scale) - 1;
		/* A 2^k piece with k > 31: NUM takes the excess. */
		while (scale > 31 && num < 31) {
			scale--;
			num = num * 2 + 1;
		}
		if (num > 31 || scale > 31)
			return lerr(im,
				    "num_pages=0x%" PRIx64
				    " is not (NUM+1) << SCALE with NUM, "
				    "SCALE 0..31",
				    pages);
	}
	im->st.commands++;
	if (vaa)
		return emit(im,
			    "cmd op=tlbi_nh_vaa vmid=%" PRId64
			    " addr=0x%" PRIx64 " tg=%" PRId64 " num=%" PRIu64
			    " scale=%u ttl=%" PRId64 " leaf=%" PRId64 "\n",
			    vmid, addr, tg, num, scale, ttl, leaf);
	return emit(im,
		    "cmd op=tlbi_nh_va vmid=%" PRId64 " asid=%" PRId64
		    " addr=0x%" PRIx64 " tg=%" PRId64 " num=%" PRIu64
		    " scale=%u ttl=%" PRId64 " leaf=%" PRId64 "\n",
		    vmid, asid, addr, tg, num, scale, ttl, leaf);
}

/* ---------------------------------------------------------------------- */
/* One line                                                               */
/* ---------------------------------------------------------------------- */

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Length of a "PID@SEC.USEC:" prefix (-msg timestamp=on), or 0. */
static size_t timestamp_len(const char *s, size_t len)
{
	size_t p = 0;

	while (p < len && is_digit(s[p]))
		p++;
	if (p == 0 || p >= len || s[p] != '@')
		return 0;
	p++;
	if (p >= len || !is_digit(s[p]))
		return 0;
	while (p < len && is_digit(s[p]))
		p++;
	if (p >= len || s[p] != '.')
		return 0;
	p++;
	if (p >= len || !is_digit(s[p]))
		return 0;
	while (p < len && is_digit(s[p]))
		p++;
	if (p >= len || s[p] != ':')
		return 0;
	return p + 1;
}

static int handle_event(struct importer *im, const struct qemu_event *ev,
			const struct cap *c)
{
	switch (ev->kind) {
	case EK_IGNORE:
		break;
	case EK_CONFIG:
		im->walk_sid = (int64_t)(c[0].u & 0xffffffffu);
		break;
	case EK_LOOKUP_HIT:
	case EK_LOOKUP_MISS:
		if (c[0].i < 0 || c[0].i > 0xffff)
			return lerr(im, "asid=%" PRId64 " is out of range",
				    c[0].i);
		im->walk_asid = c[0].i;
		if (ev->kind == EK_LOOKUP_HIT)
			im->st.iotlb_hits++;
		else
			im->st.iotlb_misses++;
		break;
	case EK_INSERT:
		im->inserts++;
		break;
	case EK_INV_ALL:
		im->inv_all++;
		break;
	case EK_INV_ASID:
		im->inv_asid++;
		break;
	case EK_DECODE_TT:
		if (c[3].i != 12)
			return lerr(
			    im,
			    "granule_sz:%" PRId64
			    ": only the 4K granule (12) can be imported",
			    c[3].i);
		break;
	case EK_PAGE_PTE:
		return on_leaf(im, c[0].i, c[1].i, c[2].u, c[5].u, c[6].u);
	case EK_BLOCK_PTE: {
		int64_t mib = c[1].i == 1 ? 1024 : c[1].i == 2 ? 2 : -1;

		if (c[7].i != mib)
			return lerr(im,
				    "level=%" PRId64 " block of %" PRId64
				    " MiB (4K granule: level 1 is 1024 MiB, "
				    "level 2 is 2 MiB)",
				    c[1].i, c[7].i);
		return on_leaf(im, c[0].i, c[1].i, c[5].u, c[4].u, c[6].u);
	}
	case EK_XLATE_OK:
		return on_translate(im, c);
	case EK_XLATE_FAIL:
		/* The lookup (a miss) and the walk happened, the access did
		 * not: nothing to replay. */
		im->aborts++;
		im->n_pend = 0;
		im->walk_sid = -1;
		im->walk_asid = -1;
		return emit(im,
			    "# line %" PRIu64
			    ": translation abort sid=0x%" PRIx64
			    " iova=0x%" PRIx64 ": not imported\n",
			    im->lineno, c[1].u, c[2].u);
	case EK_XLATE_BYPASS:
		im->bypassed++;
		break;
	case EK_OPCODE:
		return on_opcode(im, c);
	case EK_CFGI_STE:
		if (!want_cmd(im, CD_STE, ev->name))
			return SMMUSIM_EPARSE;
		im->st.commands++;
		return emit(im, "cmd op=cfgi_ste sid=0x%" PRIx64 "\n", c[0].u);
	case EK_CFGI_STE_RANGE:
		return on_cfgi_ste_range(im, c);
	case EK_CFGI_CD: {
		/* QEMU 7.2 prints the StreamID only, not the SubstreamID. */
		const struct qemu_cmd *qc = want_cmd(im, CD_CD, ev->name);

		if (!qc)
			return SMMUSIM_EPARSE;
		im->st.commands++;
		return emit(im, "cmd op=%s sid=0x%" PRIx64 "\n", qc->name,
			    c[0].u);
	}
	case EK_TLBI_NH: {
		const struct qemu_cmd *qc = want_cmd(im, CD_NH, ev->name);

		if (!qc)
			return SMMUSIM_EPARSE;
		im->st.commands++;
		return emit(im, "cmd op=%s\n", qc->name);
	}
	case EK_TLBI_NH_ASID:
		if (!want_cmd(im, CD_NH_ASID, ev->name))
			return SMMUSIM_EPARSE;
		if (c[0].i < 0 || c[0].i > 0xffff)
			return lerr(im, "asid=%" PRId64 " is out of range",
				    c[0].i);
		im->st.commands++;
		return emit(im, "cmd op=tlbi_nh_asid asid=%" PRId64 "\n",
			    c[0].i);
	case EK_RANGE_INVAL:
		return on_range_inval(im, c);
	}
	return 0;
}

static const char expect_tail[] =
    "; this importer reads QEMU 7.2 SMMUv3 trace logs";

static int handle_line(struct importer *im, const char *s, size_t len)
{
	struct cap caps[MAX_CAPS];
	const struct qemu_event *ev = NULL;
	size_t n = 0, ts;
	bool smmu;

	ts = timestamp_len(s, len);
	s += ts;
	len -= ts;
	while (n < len && is_name_char(s[n]))
		n++;
	if (n == 0 || (n < len && s[n] != ' '))
		return lerr(im, "not a QEMU trace log line (expected "
				"'EVENTNAME ARGS')");
	smmu = (n > 5 && !memcmp(s, "smmu_", 5)) ||
	       (n > 7 && !memcmp(s, "smmuv3_", 7));
	if (!smmu) {
		/* Another QEMU event (or an unrelated -d message). */
		im->st.skipped++;
		return 0;
	}
	im->smmu_lines++;
	for (size_t i = 0; i < N_QEMU_EVENTS; i++) {
		const char *name = qemu72_events[i].name;

		if (strlen(name) == n && !memcmp(name, s, n)) {
			ev = &qemu72_events[i];
			break;
		}
	}
	if (!ev)
		return lerr(
		    im, "unknown SMMU trace event '%.*s' for QEMU 7.2%s",
		    (int)(n > NAME_SHOWN ? NAME_SHOWN : n), s, expect_tail);
	if (n >= len || !match_fmt(ev->fmt, s + n + 1, len - n - 1, caps))
		return lerr(im,
			    "event '%s' does not have QEMU 7.2's format "
			    "(expected: '%s %s')%s",
			    ev->name, ev->name, ev->fmt, expect_tail);
	switch (ev->kind) {
	case EK_PAGE_PTE:
	case EK_BLOCK_PTE:
	case EK_XLATE_OK:
	case EK_XLATE_FAIL:
	case EK_OPCODE:
	case EK_CFGI_STE:
	case EK_CFGI_STE_RANGE:
	case EK_CFGI_CD:
	case EK_TLBI_NH:
	case EK_TLBI_NH_ASID:
	case EK_RANGE_INVAL:
		break;
	default:
		im->st.skipped++;
		break;
	}
	return handle_event(im, ev, caps);
}

/* ---------------------------------------------------------------------- */
/* Input: plain or .xz, in chunks                                         */
/* ---------------------------------------------------------------------- */

/* liblzma allocates through the injected allocator too; its free does not
 * give the size, so each block carries it in a header. */
#define LZ_HDR (_Alignof(max_align_t))

static void *lz_alloc(void *opaque, size_t nmemb, size_t size)
{
	const struct smmusim_allocator *a = opaque;
	size_t n;
	unsigned char *p;

	if (size && nmemb > (SIZE_MAX - LZ_HDR) / size)
		return NULL;
	n = nmemb * size + LZ_HDR;
	p = sm_malloc(a, n);
	if (!p)
		return NULL;
	memcpy(p, &n, sizeof(n));
	return p + LZ_HDR;
}

static void lz_free(void *opaque, void *ptr)
{
	const struct smmusim_allocator *a = opaque;
	unsigned char *p = ptr;
	size_t n;

	if (!p)
		return;
	p -= LZ_HDR;
	memcpy(&n, p, sizeof(n));
	sm_free(a, p, n);
}

static bool has_xz_suffix(const char *path)
{
	size_t n = strlen(path);

	return n >= 3 && strcmp(path + n - 3, ".xz") == 0;
}

static int xz_error(struct importer *im, lzma_ret r)
{
	if (r == LZMA_MEM_ERROR)
		return ierr(im, SMMUSIM_ENOMEM, "%s: out of memory (xz)",
			    im->log_name);
	return ierr(im, SMMUSIM_EPARSE,
		    "%s: truncated or corrupt .xz data after line %" PRIu64,
		    im->log_name, im->lineno);
}

static int read_error(struct importer *im)
{
	return ierr(im, SMMUSIM_EIO, "%s:%" PRIu64 ": read error: %s",
		    im->log_name, im->lineno + 1,
		    strerror(errno ? errno : EIO));
}

static int open_input(struct importer *im, const char *path)
{
	static const uint8_t magic[6] = {0xfd, '7', 'z', 'X', 'Z', 0x00};
	size_t n;

	im->in = fopen(path, "rb");
	if (!im->in)
		return ierr(im, SMMUSIM_EIO, "%s: cannot open: %s", path,
			    strerror(errno));
	im->own_in = true;
	im->inbuf = sm_malloc(im->a, IN_CHUNK);
	im->outbuf = sm_malloc(im->a, OUT_CHUNK);
	if (!im->inbuf || !im->outbuf)
		return ierr(im, SMMUSIM_ENOMEM, "%s: out of memory", path);
	errno = 0;
	n = fread(im->inbuf, 1, sizeof(magic), im->in);
	if (n < sizeof(magic) && ferror(im->in))
		return read_error(im);
	im->xz = has_xz_suffix(path) ||
		 (n == sizeof(magic) && !memcmp(im->inbuf, magic, n));
	if (!im->xz) {
		memcpy(im->outbuf, im->inbuf, n);
		im->pre_n = n;
		return 0;
	}
	im->lza = (lzma_allocator){
	    .alloc = lz_alloc, .free = lz_free, .opaque = (void *)im->a};
	im->strm = (lzma_stream)LZMA_STREAM_INIT;
	im->strm.allocator = &im->lza;
	if (lzma_stream_decoder(&im->strm, UINT64_MAX, LZMA_CONCATENATED) !=
	    LZMA_OK)
		return ierr(im, SMMUSIM_ENOMEM,
			    "%s: cannot start the xz decoder", path);
	im->xz_init = true;
	im->strm.next_in = im->inbuf;
	im->strm.avail_in = n;
	return 0;
}

/* Next chunk of log bytes in outbuf: > 0 bytes, 0 at the end, < 0 error. */
static long fill(struct importer *im)
{
	size_t n;

	if (!im->xz) {
		if (im->pre_n) {
			n = im->pre_n;
			im->pre_n = 0;
			return (long)n;
		}
		errno = 0;
		n = fread(im->outbuf, 1, OUT_CHUNK, im->in);
		if (n == 0 && ferror(im->in))
			return read_error(im);
		return (long)n;
	}
	if (im->xz_err != LZMA_OK)
		return xz_error(im, im->xz_err);
	for (;;) {
		lzma_ret r;

		if (im->xz_end)
			return 0;
		if (im->strm.avail_in == 0 && !im->in_eof) {
			errno = 0;
			n = fread(im->inbuf, 1, IN_CHUNK, im->in);
			if (n == 0) {
				if (ferror(im->in))
					return read_error(im);
				im->in_eof = true;
			}
			im->strm.next_in = im->inbuf;
			im->strm.avail_in = n;
		}
		im->strm.next_out = im->outbuf;
		im->strm.avail_out = OUT_CHUNK;
		r = lzma_code(&im->strm, im->in_eof ? LZMA_FINISH : LZMA_RUN);
		n = OUT_CHUNK - im->strm.avail_out;
		if (r == LZMA_STREAM_END)
			im->xz_end = true;
		else if (r != LZMA_OK) {
			/* Hand out what was decoded; fail on the next call,
			 * so the message counts the lines before the damage. */
			if (n)
				im->xz_err = r;
			else
				return xz_error(im, r);
		}
		if (n)
			return (long)n;
	}
}

static int line_append(struct importer *im, const char *s, size_t n)
{
	if (im->line_len + n > im->line_cap) {
		size_t cap = im->line_cap ? im->line_cap : 256;
		char *p;

		while (cap < im->line_len + n)
			cap *= 2;
		p = im->line ? sm_realloc(im->a, im->line, im->line_cap, cap)
			     : sm_malloc(im->a, cap);
		if (!p)
			return ierr(im, SMMUSIM_ENOMEM, "%s: out of memory",
				    im->log_name);
		im->line = p;
		im->line_cap = cap;
	}
	memcpy(im->line + im->line_len, s, n);
	im->line_len += n;
	return 0;
}

static int run(struct importer *im)
{
	for (;;) {
		long got = fill(im);
		const char *p, *end;

		if (got < 0)
			return (int)got;
		if (got == 0)
			break;
		p = (const char *)im->outbuf;
		end = p + got;
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			int rc;

			if (!nl) {
				/* The rest of the line is in the next chunk. */
				rc = line_append(im, p, (size_t)(end - p));
				if (rc)
					return rc;
				break;
			}
			im->lineno++;
			im->st.lines++;
			if (im->line_len) {
				rc = line_append(im, p, (size_t)(nl - p));
				if (!rc)
					rc = handle_line(im, im->line,
							 im->line_len);
				im->line_len = 0;
			} else {
				rc = handle_line(im, p, (size_t)(nl - p));
			}
			if (rc)
				return rc;
			p = nl + 1;
		}
	}
	if (im->line_len) {
		im->lineno++;
		return lerr(im, "truncated line (no newline at the end of "
				"the log)");
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Entry point                                                            */
/* ---------------------------------------------------------------------- */

static int write_header(struct importer *im, const char *log_path)
{
	return emit(im,
		    "smmusim-trace 1\n"
		    "# source: %s\n"
		    "# imported from a QEMU 7.2 SMMUv3 trace log "
		    "(smmusim import qemu)\n"
		    "# streams are attached with cmds=off: the SMMU commands "
		    "below are the guest driver's own\n",
		    log_path);
}

static int write_footer(struct importer *im)
{
	int rc = close_cmd(im);

	if (rc)
		return rc;
	if (im->n_pend)
		rc = emit(im,
			  "# %zu mapping(s) of a walk without a "
			  "translation: not imported\n",
			  im->n_pend);
	if (!rc)
		rc = emit(im,
			  "# import: lines=%" PRIu64 " commands=%" PRIu64
			  " mappings=%" PRIu64 " skipped=%" PRIu64
			  " aborts=%" PRIu64 " bypassed=%" PRIu64 "\n",
			  im->st.lines, im->st.commands, im->st.mappings,
			  im->st.skipped, im->aborts, im->bypassed);
	if (!rc)
		rc = emit(im,
			  "# qemu: opcodes=%" PRIu64 " range_invals=%" PRIu64
			  " iotlb_inserts=%" PRIu64 " iotlb_inv_all=%" PRIu64
			  " iotlb_inv_asid=%" PRIu64 "\n",
			  im->opcodes, im->range_invals, im->inserts,
			  im->inv_all, im->inv_asid);
	if (!rc)
		rc = emit(im,
			  "# qemu: translations=%" PRIu64 " iotlb_hits=%" PRIu64
			  " iotlb_misses=%" PRIu64 "\n",
			  im->st.translations, im->st.iotlb_hits,
			  im->st.iotlb_misses);
	return rc;
}

static void cleanup(struct importer *im)
{
	if (im->xz_init)
		lzma_end(&im->strm);
	if (im->own_in && im->in)
		fclose(im->in);
	sm_free(im->a, im->inbuf, IN_CHUNK);
	sm_free(im->a, im->outbuf, OUT_CHUNK);
	sm_free(im->a, im->line, im->line_cap);
	sm_free(im->a, im->pend, im->cap_pend * sizeof(*im->pend));
	sm_free(im->a, im->streams, im->cap_streams * sizeof(*im->streams));
	sm_free(im->a, im->domains, im->cap_domains * sizeof(*im->domains));
	sm_free(im->a, im->pages, im->cap_pages * sizeof(*im->pages));
}

int smmusim_import_qemu(const char *log_path, const char *trace_path,
			const struct smmusim_allocator *alloc,
			struct smmusim_import_stats *stats, char *errmsg,
			size_t errlen)
{
	struct sm_errbuf eb;
	struct importer im;
	int rc;

	memset(&im, 0, sizeof(im));
	sm_err_clear(&eb);
	im.a = sm_alloc_or_default(alloc);
	im.eb = &eb;
	im.walk_sid = -1;
	im.walk_asid = -1;
	if (!log_path || !trace_path) {
		rc = sm_err(&eb, SMMUSIM_EINVAL,
			    "smmusim_import_qemu: NULL %s path",
			    log_path ? "trace" : "log");
		goto out;
	}
	im.log_name = log_path;
	im.trace_name = strcmp(trace_path, "-") == 0 ? "<stdout>" : trace_path;

	rc = open_input(&im, log_path);
	if (rc)
		goto out;
	if (strcmp(trace_path, "-") == 0) {
		im.out = stdout;
	} else {
		im.out = fopen(trace_path, "w");
		if (!im.out) {
			rc = sm_err(&eb, SMMUSIM_EIO, "%s: cannot open: %s",
				    trace_path, strerror(errno));
			goto out;
		}
		im.own_out = true;
	}
	rc = write_header(&im, log_path);
	if (!rc)
		rc = run(&im);
	if (!rc && im.smmu_lines == 0)
		rc = ierr(&im, SMMUSIM_EPARSE,
			  "%s: no QEMU SMMU trace events (smmu_*, smmuv3_*) in "
			  "%" PRIu64 " lines; was QEMU run with "
			  "-trace 'smmuv3_*' -trace 'smmu_*'?",
			  log_path, im.lineno);
	if (!rc)
		rc = write_footer(&im);
out:
	if (im.out) {
		errno = 0;
		if ((fflush(im.out) != 0 || ferror(im.out)) && !rc)
			rc = sm_err(&eb, SMMUSIM_EIO, "%s: write error: %s",
				    im.trace_name,
				    strerror(errno ? errno : EIO));
		if (im.own_out && fclose(im.out) != 0 && !rc)
			rc = sm_err(&eb, SMMUSIM_EIO, "%s: write error: %s",
				    im.trace_name,
				    strerror(errno ? errno : EIO));
	}
	cleanup(&im);
	if (stats)
		*stats = im.st;
	if (errmsg && errlen)
		snprintf(errmsg, errlen, "%s", rc ? eb.msg : "");
	return rc;
}
