/* SPDX-License-Identifier: MIT */
/*
 * Streaming reader of smmusim trace format v1 (docs/trace-format.md).
 *
 * The file is read one line at a time into a growable buffer (allocated
 * through the injected allocator), so lines of any length work and the whole
 * file is never held in memory.  Events and their keys are described by the
 * static tables below: adding an event type that uses existing keys is one
 * row of event_defs[].
 *
 * Errors are sticky: once sm_trace_next() has failed it keeps returning the
 * same code and message.
 */
#include "trace/trace_reader.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <smmusim/error.h>

#include "base/alloc.h"
#include "base/parse.h"

#define SM_TRACE_MAGIC "smmusim-trace"
#define SM_TRACE_VERSION "1"
#define SM_TRACE_INITIAL_BUF 256

/* ---------------------------------------------------------------------- */
/* Tables                                                                 */
/* ---------------------------------------------------------------------- */

struct enum_word {
	const char *word;
	unsigned val;
};

static const struct enum_word prot_words[] = {
    {"none", 0},
    {"r", SMMUSIM_PROT_R},
    {"rw", SMMUSIM_PROT_R | SMMUSIM_PROT_W},
    {"rx", SMMUSIM_PROT_R | SMMUSIM_PROT_X},
    {"rwx", SMMUSIM_PROT_R | SMMUSIM_PROT_W | SMMUSIM_PROT_X},
    {NULL, 0},
};

static const struct enum_word map_words[] = {
    {"private", SMMUSIM_MAP_PRIVATE},
    {"shared", SMMUSIM_MAP_SHARED},
    {NULL, 0},
};

static const struct enum_word op_words[] = {
    {"r", SMMUSIM_ACC_READ},
    {"w", SMMUSIM_ACC_WRITE},
    {"x", SMMUSIM_ACC_EXEC},
    {NULL, 0},
};

static const struct enum_word touch_op_words[] = {
    {"r", SMMUSIM_ACC_READ},
    {"w", SMMUSIM_ACC_WRITE},
    {NULL, 0},
};

static const struct enum_word advice_words[] = {
    {"dontneed", SMMUSIM_MADV_DONTNEED},
    {NULL, 0},
};

static const struct enum_word tlbi_words[] = {
#define SM_TLBI_WORD_(name, word) {word, SMMUSIM_TLBI_##name},
    SMMUSIM_TLBI_OPS(SM_TLBI_WORD_)
#undef SM_TLBI_WORD_
	{NULL, 0},
};

/* SMMU command names (opcode values: spec 4, FACTS.md 2). */
static const struct enum_word cmd_words[] = {
    {"prefetch_config", 0x01},
    {"prefetch_addr", 0x02},
    {"cfgi_ste", 0x03},
    {"cfgi_ste_range", 0x04},
    {"cfgi_cd", 0x05},
    {"cfgi_cd_all", 0x06},
    {"tlbi_nh_all", 0x10},
    {"tlbi_nh_asid", 0x11},
    {"tlbi_nh_va", 0x12},
    {"tlbi_nh_vaa", 0x13},
    {"tlbi_el3_all", 0x18},
    {"tlbi_el3_va", 0x1a},
    {"tlbi_el2_all", 0x20},
    {"tlbi_el2_asid", 0x21},
    {"tlbi_el2_va", 0x22},
    {"tlbi_el2_vaa", 0x23},
    {"tlbi_s12_vmall", 0x28},
    {"tlbi_s2_ipa", 0x2a},
    {"tlbi_nsnh_all", 0x30},
    {"atc_inv", 0x40},
    {"pri_resp", 0x41},
    {"resume", 0x44},
    {"stall_term", 0x45},
    {"sync", 0x46},
    {NULL, 0},
};

static const struct enum_word stage_words[] = {
    {"1", 1},
    {"2", 2},
    {NULL, 0},
};

static const struct enum_word onoff_words[] = {
    {"on", 1},
    {"off", 0},
    {NULL, 0},
};

static const struct enum_word pri_words[] = {
    {"on", 1},
    {"off", 0},
    {NULL, 0},
};

enum key_kind {
	KK_U32,	    /* number, 0..UINT32_MAX */
	KK_SSID,    /* number, 0..2^20-1: a SubstreamID (PASID) */
	KK_U64,	    /* number, 0..UINT64_MAX */
	KK_LEN,	    /* number with optional K/M/G suffix, 1..UINT64_MAX */
	KK_ENUM,    /* one of `words` */
	KK_ENUM_NUM /* one of `words`, or a number 0..255 (opcodes) */
};

enum key_id {
	K_NONE = 0, /* terminates a key list */
	K_MM,
	K_CPU,
	K_SID,
	K_SSID,
	K_VA,
	K_LEN,
	K_PROT,
	K_MAP,
	K_OP,
	K_PRI,
	K_TOUCH_OP, /* "op" of touch: r|w, default w */
	K_ADVICE,
	K_TLBI_OP, /* "op" of tlbi: the instruction */
	K_ASID,
	K_TTL,
	K_TG,
	K_SCALE,
	K_NUM,
	K_DOM,
	K_PA,
	K_CMDS,
	K_IOPROT,   /* "prot" of iommu_map: default rw */
	K_DEV_SSID, /* "ssid" of dev_access: optional (no substream) */
	K_CMD_OP,   /* "op" of cmd: a command name or opcode */
	K_ADDR,
	K_VMID,
	K_LEAF,
	K_RANGE,
	K_STAGE,
	K_PARENT,
	K_DOM_VMID, /* "vmid" of domain_create: 0 picks the lowest free */
	K_COUNT_
};

struct key_def {
	const char *name;
	enum key_kind kind;
	const struct enum_word *words; /* KK_ENUM */
	uint64_t dflt;		       /* value of an absent optional key */
};

static const struct key_def key_defs[K_COUNT_] = {
    [K_MM] = {"mm", KK_U32, NULL, 0},
    [K_CPU] = {"cpu", KK_U32, NULL, 0},
    [K_SID] = {"sid", KK_U32, NULL, 0},
    [K_SSID] = {"ssid", KK_U32, NULL, 0},
    [K_VA] = {"va", KK_U64, NULL, 0},
    [K_LEN] = {"len", KK_LEN, NULL, 0},
    [K_PROT] = {"prot", KK_ENUM, prot_words, 0},
    [K_MAP] = {"map", KK_ENUM, map_words, SMMUSIM_MAP_PRIVATE},
    [K_OP] = {"op", KK_ENUM, op_words, SMMUSIM_ACC_READ},
    [K_PRI] = {"pri", KK_ENUM, pri_words, 1},
    [K_TOUCH_OP] = {"op", KK_ENUM, touch_op_words, SMMUSIM_ACC_WRITE},
    [K_ADVICE] = {"advice", KK_ENUM, advice_words, 0},
    [K_TLBI_OP] = {"op", KK_ENUM, tlbi_words, 0},
    [K_ASID] = {"asid", KK_U32, NULL, 0},
    [K_TTL] = {"ttl", KK_U32, NULL, 0},
    [K_TG] = {"tg", KK_U32, NULL, 0},
    [K_SCALE] = {"scale", KK_U32, NULL, 0},
    [K_NUM] = {"num", KK_U32, NULL, 0},
    [K_DOM] = {"dom", KK_U32, NULL, 0},
    [K_PA] = {"pa", KK_U64, NULL, 0},
    [K_CMDS] = {"cmds", KK_ENUM, onoff_words, 1},
    [K_IOPROT] = {"prot", KK_ENUM, prot_words, SMMUSIM_PROT_R | SMMUSIM_PROT_W},
    [K_DEV_SSID] = {"ssid", KK_SSID, NULL, SMMUSIM_NO_SSID},
    [K_CMD_OP] = {"op", KK_ENUM_NUM, cmd_words, 0},
    [K_ADDR] = {"addr", KK_U64, NULL, 0},
    [K_VMID] = {"vmid", KK_U32, NULL, 0},
    [K_LEAF] = {"leaf", KK_U32, NULL, 0},
    [K_RANGE] = {"range", KK_U32, NULL, 0},
    [K_STAGE] = {"stage", KK_ENUM, stage_words, 1},
    [K_PARENT] = {"parent", KK_U32, NULL, UINT64_MAX},
    [K_DOM_VMID] = {"vmid", KK_U32, NULL, 0},
};

#define MAX_EV_KEYS 16

struct ev_key {
	unsigned char key; /* enum key_id */
	bool required;
};

struct event_def {
	enum smmusim_event_type type;	 /* keyword: smmusim_event_name(type) */
	struct ev_key keys[MAX_EV_KEYS]; /* in documented order, K_NONE ends */
};

/* clang-format off */
#define REQ(k) {K_##k, true}
#define OPT(k) {K_##k, false}
/* clang-format on */

static const struct event_def event_defs[] = {
    {SMMUSIM_EV_MM_CREATE, {REQ(MM)}},
    {SMMUSIM_EV_MMAP,
     {REQ(MM), REQ(VA), REQ(LEN), REQ(PROT), OPT(MAP), OPT(CPU)}},
    {SMMUSIM_EV_MUNMAP, {REQ(MM), REQ(VA), REQ(LEN), OPT(CPU)}},
    {SMMUSIM_EV_MPROTECT, {REQ(MM), REQ(VA), REQ(LEN), REQ(PROT), OPT(CPU)}},
    {SMMUSIM_EV_MM_EXIT, {REQ(MM), OPT(CPU)}},
    {SMMUSIM_EV_BIND, {REQ(SID), REQ(SSID), REQ(MM), OPT(PRI)}},
    {SMMUSIM_EV_UNBIND, {REQ(SID), REQ(SSID)}},
    {SMMUSIM_EV_DEV_ACCESS, {REQ(SID), OPT(DEV_SSID), REQ(VA), REQ(OP)}},
    {SMMUSIM_EV_CPU_ACCESS, {REQ(CPU), REQ(MM), REQ(VA), REQ(OP)}},
    {SMMUSIM_EV_TOUCH, {REQ(MM), REQ(VA), REQ(LEN), OPT(TOUCH_OP), OPT(CPU)}},
    {SMMUSIM_EV_MADVISE, {REQ(MM), REQ(VA), REQ(LEN), REQ(ADVICE), OPT(CPU)}},
    {SMMUSIM_EV_RECLAIM, {REQ(MM), REQ(VA), REQ(LEN), OPT(CPU)}},
    {SMMUSIM_EV_TLBI,
     {REQ(CPU), REQ(TLBI_OP), OPT(ASID), OPT(VA), OPT(TTL), OPT(TG), OPT(SCALE),
      OPT(NUM)}},
    {SMMUSIM_EV_DSB, {REQ(CPU)}},
    {SMMUSIM_EV_DOMAIN_CREATE,
     {REQ(DOM), OPT(STAGE), OPT(ASID), OPT(DOM_VMID), OPT(PARENT)}},
    {SMMUSIM_EV_ATTACH, {REQ(SID), REQ(DOM), OPT(CMDS)}},
    {SMMUSIM_EV_IOMMU_MAP, {REQ(DOM), REQ(VA), REQ(LEN), OPT(PA), OPT(IOPROT)}},
    {SMMUSIM_EV_IOMMU_UNMAP, {REQ(DOM), REQ(VA), REQ(LEN)}},
    {SMMUSIM_EV_CMD,
     {REQ(CMD_OP), OPT(ASID), OPT(VMID), OPT(ADDR), OPT(TG), OPT(NUM),
      OPT(SCALE), OPT(TTL), OPT(LEAF), OPT(SID), OPT(DEV_SSID), OPT(RANGE)}},
};

#undef REQ
#undef OPT

#define N_EVENT_DEFS (sizeof(event_defs) / sizeof(event_defs[0]))

_Static_assert(N_EVENT_DEFS == SMMUSIM_EV_COUNT_,
	       "every event type needs a row in event_defs[]");

static void set_field(struct smmusim_event *ev, enum key_id k, uint64_t v)
{
	switch (k) {
	case K_MM:
		ev->mm = (uint32_t)v;
		break;
	case K_CPU:
		ev->cpu = (uint32_t)v;
		break;
	case K_SID:
		ev->sid = (uint32_t)v;
		break;
	case K_SSID:
		ev->ssid = (uint32_t)v;
		break;
	case K_VA:
		ev->va = v;
		break;
	case K_LEN:
		ev->len = v;
		break;
	case K_PROT:
		ev->prot = (unsigned)v;
		break;
	case K_MAP:
		ev->map = (enum smmusim_map)v;
		break;
	case K_OP:
		ev->op = (enum smmusim_access)v;
		break;
	case K_PRI:
		ev->pri = v != 0;
		break;
	case K_TOUCH_OP:
		ev->op = (enum smmusim_access)v;
		break;
	case K_ADVICE:
		ev->advice = (enum smmusim_advice)v;
		break;
	case K_TLBI_OP:
		ev->tlbi = (enum smmusim_tlbi_op)v;
		break;
	case K_ASID:
		ev->asid = (uint32_t)v;
		break;
	case K_TTL:
		ev->ttl = (unsigned)v;
		break;
	case K_TG:
		ev->tg = (unsigned)v;
		break;
	case K_SCALE:
		ev->scale = (unsigned)v;
		break;
	case K_NUM:
		ev->num = (unsigned)v;
		break;
	case K_DOM:
		ev->dom = (uint32_t)v;
		break;
	case K_PA:
		ev->pa = v;
		break;
	case K_CMDS:
		ev->cmds = v != 0;
		break;
	case K_IOPROT:
		ev->prot = (unsigned)v;
		break;
	case K_DEV_SSID:
		ev->ssid = (uint32_t)v;
		break;
	case K_CMD_OP:
		ev->opcode = (unsigned)v;
		break;
	case K_ADDR:
		ev->va = v;
		break;
	case K_VMID:
		ev->vmid = (uint32_t)v;
		break;
	case K_LEAF:
		ev->leaf = (unsigned)v;
		break;
	case K_RANGE:
		ev->range = (unsigned)v;
		break;
	case K_STAGE:
		ev->stage = (unsigned)v;
		break;
	case K_PARENT:
		ev->nested = v != UINT64_MAX;
		ev->parent = (uint32_t)v;
		break;
	case K_DOM_VMID:
		ev->vmid = (uint32_t)v;
		break;
	case K_NONE:
	case K_COUNT_:
		break;
	}
}

/* ---------------------------------------------------------------------- */
/* Reader object                                                          */
/* ---------------------------------------------------------------------- */

struct sm_trace_reader {
	struct smmusim_allocator alloc;
	FILE *f;
	bool own_file; /* fclose() at sm_trace_close() */
	char *name;
	char *buf; /* current line, NUL-terminated */
	size_t cap;
	uint32_t line; /* number of the current line (1-based) */
	bool header_done;
	bool eof;
	bool have_at; /* an @N event has been read */
	uint64_t last_at;
	uint32_t last_at_line;
	int err; /* sticky error code, 0 if none */
	struct sm_errbuf errmsg;
};

const char *sm_trace_name(const struct sm_trace_reader *r)
{
	return r ? r->name : NULL;
}

void sm_trace_close(struct sm_trace_reader *r)
{
	if (!r)
		return;
	if (r->own_file && r->f)
		fclose(r->f);
	sm_free(&r->alloc, r->buf, r->cap);
	sm_strfree(&r->alloc, r->name);
	sm_free(&r->alloc, r, sizeof(*r));
}

static int create(struct sm_trace_reader **out, FILE *f, bool own_file,
		  const char *name, const struct smmusim_allocator *a,
		  struct sm_errbuf *eb)
{
	struct sm_trace_reader *r;

	a = sm_alloc_or_default(a);
	r = sm_calloc(a, sizeof(*r));
	if (!r)
		return sm_err(eb, SMMUSIM_ENOMEM, "%s: out of memory", name);
	r->alloc = *a;
	r->f = f;
	r->own_file = own_file;
	r->name = sm_strdup(a, name);
	r->cap = SM_TRACE_INITIAL_BUF;
	r->buf = sm_malloc(a, r->cap);
	if (!r->name || !r->buf) {
		if (!r->buf)
			r->cap = 0;
		r->own_file = false; /* the caller closes f on failure */
		sm_trace_close(r);
		return sm_err(eb, SMMUSIM_ENOMEM, "%s: out of memory", name);
	}
	*out = r;
	return 0;
}

int sm_trace_open_stream(struct sm_trace_reader **out, FILE *f,
			 const char *name, const struct smmusim_allocator *a,
			 struct sm_errbuf *eb)
{
	if (!out || !f)
		return sm_err(eb, SMMUSIM_EINVAL,
			      "sm_trace_open_stream: NULL argument");
	*out = NULL;
	return create(out, f, false, name ? name : "<stream>", a, eb);
}

int sm_trace_open(struct sm_trace_reader **out, const char *path,
		  const struct smmusim_allocator *a, struct sm_errbuf *eb)
{
	FILE *f;
	int rc;

	if (!out || !path)
		return sm_err(eb, SMMUSIM_EINVAL,
			      "sm_trace_open: NULL argument");
	*out = NULL;
	if (strcmp(path, "-") == 0)
		return create(out, stdin, false, "<stdin>", a, eb);
	f = fopen(path, "r");
	if (!f)
		return sm_err(eb, SMMUSIM_EIO, "%s: cannot open: %s", path,
			      strerror(errno));
	rc = create(out, f, true, path, a, eb);
	if (rc < 0)
		fclose(f);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Errors                                                                 */
/* ---------------------------------------------------------------------- */

static void copy_err(const struct sm_trace_reader *r, struct sm_errbuf *eb)
{
	if (eb && eb != &r->errmsg)
		memcpy(eb->msg, r->errmsg.msg, sizeof(eb->msg));
}

/* Record a sticky error of class `code` at the current line, `col`. */
static int rerr(struct sm_trace_reader *r, struct sm_errbuf *eb, int code,
		size_t col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int rerr(struct sm_trace_reader *r, struct sm_errbuf *eb, int code,
		size_t col, const char *fmt, ...)
{
	char msg[SM_ERRBUF_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sm_err(&r->errmsg, code, "%s:%" PRIu32 ":%zu: %s", r->name, r->line,
	       col, msg);
	r->err = code;
	copy_err(r, eb);
	return code;
}

/* Quote a possibly long token in a message: "'" TOKF "'" with TOKA(s, n). */
#define TOK_MAX 64
#define TOKF "%.*s%s"
#define TOKA(s, n)                                                             \
	(int)((n) > TOK_MAX ? TOK_MAX : (n)), (s), ((n) > TOK_MAX ? "..." : "")

static void append(char *dst, size_t size, size_t *pos, const char *s)
{
	size_t n = strlen(s);

	if (*pos >= size)
		return;
	if (n > size - 1 - *pos)
		n = size - 1 - *pos;
	memcpy(dst + *pos, s, n);
	*pos += n;
	dst[*pos] = '\0';
}

/* ---------------------------------------------------------------------- */
/* Lines and tokens                                                       */
/* ---------------------------------------------------------------------- */

/*
 * Read the next line (without its "\n" or "\r\n") into r->buf, getline-like:
 * stdio does the buffering, the line buffer grows by doubling.  1 = a line,
 * 0 = end of file, < 0 = error.
 */
static int read_line(struct sm_trace_reader *r, size_t *lenp,
		     struct sm_errbuf *eb)
{
	size_t n = 0;
	int c;

	for (;;) {
		c = getc(r->f);
		if (c == EOF || c == '\n')
			break;
		if (n + 1 >= r->cap) {
			size_t ncap = r->cap * 2;
			char *nb = NULL;

			if (ncap > r->cap)
				nb =
				    sm_realloc(&r->alloc, r->buf, r->cap, ncap);
			if (!nb) {
				/* Reported on the line being read. */
				if (r->line < UINT32_MAX)
					r->line++;
				return rerr(r, eb, SMMUSIM_ENOMEM, 1,
					    "out of memory reading a line "
					    "longer than %zu bytes",
					    n);
			}
			r->buf = nb;
			r->cap = ncap;
		}
		r->buf[n++] = (char)c;
	}
	if (c == EOF) {
		if (ferror(r->f)) {
			int e = errno;

			r->err = sm_err(&r->errmsg, SMMUSIM_EIO,
					"%s:%" PRIu32 ": read error: %s",
					r->name, r->line + 1, strerror(e));
			copy_err(r, eb);
			return r->err;
		}
		if (n == 0) {
			r->eof = true;
			return 0;
		}
	}
	if (r->line < UINT32_MAX)
		r->line++;
	if (n > 0 && r->buf[n - 1] == '\r')
		n--;
	r->buf[n] = '\0';
	*lenp = n;
	return 1;
}

struct tok {
	const char *s;
	size_t len;
	size_t col; /* 1-based */
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Next space/tab separated token of line[*pos..len). */
static bool next_tok(const char *line, size_t len, size_t *pos, struct tok *t)
{
	size_t i = *pos;

	while (i < len && is_blank(line[i]))
		i++;
	if (i >= len)
		return false;
	t->s = line + i;
	t->col = i + 1;
	while (i < len && !is_blank(line[i]))
		i++;
	t->len = (size_t)(line + i - t->s);
	*pos = i;
	return true;
}

static bool tok_eq(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && memcmp(s, word, n) == 0;
}

/* ---------------------------------------------------------------------- */
/* Numbers                                                                */
/* ---------------------------------------------------------------------- */

enum num_res {
	NUM_OK,
	NUM_NODIGITS, /* not a number at all */
	NUM_TRAILING, /* digits followed by garbage at *bad */
	NUM_RANGE,    /* does not fit in uint64 */
};

/* Decimal or 0x hex, no sign; with `suffix`, one of K M G (any case) may
 * follow (binary multiples).  The grammar is src/core/parse.c's, shared with
 * config values; this maps its verdicts onto the reader's messages. */
static enum num_res parse_u64(const char *s, size_t len, bool suffix,
			      uint64_t *out, size_t *bad)
{
	size_t at = 0;
	size_t first =
	    len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 2 : 0;
	switch (sm_parse_u64(s, len, suffix, out, &at)) {
	case SM_PARSE_OK:
		return NUM_OK;
	case SM_PARSE_EMPTY:
		return NUM_NODIGITS;
	case SM_PARSE_OVERFLOW:
		return NUM_RANGE;
	case SM_PARSE_BAD:
	case SM_PARSE_SUFFIX:
		if (at == first)
			return NUM_NODIGITS;
		*bad = at;
		return NUM_TRAILING;
	}
	return NUM_NODIGITS;
}

static bool is_size_suffix(const char *s, size_t n)
{
	return n == 1 && strchr("kKmMgG", s[0]) != NULL;
}

/* ---------------------------------------------------------------------- */
/* Header and events                                                      */
/* ---------------------------------------------------------------------- */

static int check_header(struct sm_trace_reader *r, const char *line, size_t len,
			struct sm_errbuf *eb)
{
	static const char expected[] =
	    "expected '" SM_TRACE_MAGIC " " SM_TRACE_VERSION "' header";
	struct tok magic, ver, extra;
	size_t pos = 0, i;

	next_tok(line, len, &pos, &magic); /* the line is not blank */
	if (!tok_eq(magic.s, magic.len, SM_TRACE_MAGIC))
		return rerr(r, eb, SMMUSIM_EPARSE, magic.col, "%s", expected);
	if (!next_tok(line, len, &pos, &ver))
		return rerr(r, eb, SMMUSIM_EPARSE, magic.col, "%s", expected);
	for (i = 0; i < ver.len; i++)
		if (ver.s[i] < '0' || ver.s[i] > '9')
			return rerr(r, eb, SMMUSIM_EPARSE, ver.col, "%s",
				    expected);
	if (!tok_eq(ver.s, ver.len, SM_TRACE_VERSION))
		return rerr(r, eb, SMMUSIM_EPARSE, ver.col,
			    "unsupported trace version " TOKF
			    " (this reader reads version " SM_TRACE_VERSION ")",
			    TOKA(ver.s, ver.len));
	if (next_tok(line, len, &pos, &extra))
		return rerr(r, eb, SMMUSIM_EPARSE, extra.col, "%s", expected);
	r->header_done = true;
	return 0;
}

static const struct event_def *find_event(const char *s, size_t n)
{
	for (size_t i = 0; i < N_EVENT_DEFS; i++)
		if (tok_eq(s, n, smmusim_event_name(event_defs[i].type)))
			return &event_defs[i];
	return NULL;
}

static void list_events(char *dst, size_t size)
{
	size_t pos = 0;

	dst[0] = '\0';
	for (size_t i = 0; i < N_EVENT_DEFS; i++) {
		if (i)
			append(dst, size, &pos, ", ");
		append(dst, size, &pos, smmusim_event_name(event_defs[i].type));
	}
}

/* The keys of `d`; only the required ones with `required_only`. */
static void list_keys(const struct event_def *d, bool required_only, char *dst,
		      size_t size)
{
	size_t pos = 0;
	bool first = true;

	dst[0] = '\0';
	for (const struct ev_key *k = d->keys; k->key != K_NONE; k++) {
		if (required_only && !k->required)
			continue;
		if (!first)
			append(dst, size, &pos, ", ");
		append(dst, size, &pos, key_defs[k->key].name);
		first = false;
	}
}

static void list_words(const struct enum_word *w, char *dst, size_t size)
{
	size_t pos = 0;

	dst[0] = '\0';
	for (size_t i = 0; w[i].word; i++) {
		if (i)
			append(dst, size, &pos, ", ");
		append(dst, size, &pos, w[i].word);
	}
}

/* Parse the value `v` of key `k` into *out. */
static int parse_value(struct sm_trace_reader *r, enum key_id k,
		       const struct tok *v, uint64_t *out, struct sm_errbuf *eb)
{
	const struct key_def *kd = &key_defs[k];
	char list[1024];
	size_t bad = 0;
	uint64_t max;

	if (kd->kind == KK_ENUM || kd->kind == KK_ENUM_NUM) {
		for (size_t i = 0; kd->words[i].word; i++) {
			if (tok_eq(v->s, v->len, kd->words[i].word)) {
				*out = kd->words[i].val;
				return 0;
			}
		}
		if (kd->kind == KK_ENUM_NUM &&
		    parse_u64(v->s, v->len, false, out, &bad) == NUM_OK &&
		    *out <= 255)
			return 0;
		list_words(kd->words, list, sizeof(list));
		return rerr(
		    r, eb, SMMUSIM_EPARSE, v->col,
		    "bad value for key '%s': '" TOKF "' (allowed: %s%s)",
		    kd->name, TOKA(v->s, v->len), list,
		    kd->kind == KK_ENUM_NUM ? ", or an opcode 0..255" : "");
	}

	max = kd->kind == KK_U32    ? UINT32_MAX
	      : kd->kind == KK_SSID ? 0xfffff
				    : UINT64_MAX;
	switch (parse_u64(v->s, v->len, kd->kind == KK_LEN, out, &bad)) {
	case NUM_NODIGITS:
		return rerr(r, eb, SMMUSIM_EPARSE, v->col,
			    "bad number for key '%s': '" TOKF
			    "' (expected decimal or 0x hex%s)",
			    kd->name, TOKA(v->s, v->len),
			    kd->kind == KK_LEN ? ", optional K, M or G suffix"
					       : "");
	case NUM_TRAILING:
		if (is_size_suffix(v->s + bad, v->len - bad))
			return rerr(r, eb, SMMUSIM_EPARSE, v->col + bad,
				    "trailing garbage '%c' after number for "
				    "key '%s' (K, M, G suffixes are for len "
				    "only)",
				    v->s[bad], kd->name);
		return rerr(r, eb, SMMUSIM_EPARSE, v->col + bad,
			    "trailing garbage '" TOKF
			    "' after number for key '%s'",
			    TOKA(v->s + bad, v->len - bad), kd->name);
	case NUM_RANGE:
		*out = UINT64_MAX;
		goto range;
	case NUM_OK:
		break;
	}
	if (*out > max || (kd->kind == KK_LEN && *out == 0))
		goto range;
	return 0;
range:
	return rerr(r, eb, SMMUSIM_EPARSE, v->col,
		    "value out of range for key '%s': " TOKF
		    " (allowed %u..%" PRIu64 ")",
		    kd->name, TOKA(v->s, v->len), kd->kind == KK_LEN ? 1u : 0u,
		    max);
}

static int parse_time(struct sm_trace_reader *r, const struct tok *t,
		      struct smmusim_event *ev, struct sm_errbuf *eb)
{
	size_t bad;

	ev->timing = t->s[0] == '@' ? SMMUSIM_AT : SMMUSIM_AFTER_PREV;
	switch (parse_u64(t->s + 1, t->len - 1, false, &ev->time, &bad)) {
	case NUM_OK:
		break;
	case NUM_RANGE:
		return rerr(r, eb, SMMUSIM_EPARSE, t->col,
			    "time prefix '" TOKF
			    "' out of range (allowed %c0..%" PRIu64 ")",
			    TOKA(t->s, t->len), t->s[0], UINT64_MAX);
	default:
		return rerr(r, eb, SMMUSIM_EPARSE, t->col,
			    "bad time prefix '" TOKF
			    "': expected +N or @N, N a decimal or 0x hex "
			    "number",
			    TOKA(t->s, t->len));
	}
	if (ev->timing == SMMUSIM_AT && r->have_at && ev->time < r->last_at)
		return rerr(r, eb, SMMUSIM_EPARSE, t->col,
			    "out-of-order time stamp @%" PRIu64
			    ": earlier than @%" PRIu64 " on line %" PRIu32,
			    ev->time, r->last_at, r->last_at_line);
	return 0;
}

static int parse_event(struct sm_trace_reader *r, const char *line, size_t len,
		       struct smmusim_event *ev, struct sm_errbuf *eb)
{
	size_t seen[K_COUNT_] = {0}; /* column of each key given, 0 = none */
	const struct event_def *d;
	struct tok t, kw;
	size_t pos = 0;
	char list[1024];
	int rc;

	memset(ev, 0, sizeof(*ev));
	ev->timing = SMMUSIM_AFTER_PREV;
	ev->line = r->line;

	next_tok(line, len, &pos, &t); /* the line is not blank */
	if (t.s[0] == '+' || t.s[0] == '@') {
		rc = parse_time(r, &t, ev, eb);
		if (rc < 0)
			return rc;
		if (!next_tok(line, len, &pos, &kw))
			return rerr(r, eb, SMMUSIM_EPARSE, t.col,
				    "time prefix '" TOKF
				    "' without an event keyword",
				    TOKA(t.s, t.len));
	} else {
		kw = t;
	}

	d = find_event(kw.s, kw.len);
	if (!d) {
		list_events(list, sizeof(list));
		return rerr(r, eb, SMMUSIM_EPARSE, kw.col,
			    "unknown event '" TOKF "' (known events: %s)",
			    TOKA(kw.s, kw.len), list);
	}
	ev->type = d->type;
	ev->column = kw.col > UINT32_MAX ? UINT32_MAX : (uint32_t)kw.col;

	while (next_tok(line, len, &pos, &t)) {
		const char *eq = memchr(t.s, '=', t.len);
		const struct ev_key *k;
		size_t klen;
		struct tok v;
		uint64_t val;

		if (!eq || eq == t.s)
			return rerr(r, eb, SMMUSIM_EPARSE, t.col,
				    "malformed token '" TOKF
				    "': expected key=value",
				    TOKA(t.s, t.len));
		klen = (size_t)(eq - t.s);
		for (k = d->keys; k->key != K_NONE; k++)
			if (tok_eq(t.s, klen, key_defs[k->key].name))
				break;
		if (k->key == K_NONE) {
			list_keys(d, false, list, sizeof(list));
			return rerr(
			    r, eb, SMMUSIM_EPARSE, t.col,
			    "unknown key '" TOKF "' for %s (allowed keys: %s)",
			    TOKA(t.s, klen), smmusim_event_name(d->type), list);
		}
		if (seen[k->key])
			return rerr(r, eb, SMMUSIM_EPARSE, t.col,
				    "duplicate key '%s' (first given at "
				    "column %zu)",
				    key_defs[k->key].name, seen[k->key]);
		seen[k->key] = t.col;
		v.s = eq + 1;
		v.len = t.len - klen - 1;
		v.col = t.col + klen + 1;
		if (v.len == 0)
			return rerr(r, eb, SMMUSIM_EPARSE, t.col,
				    "empty value for key '%s'",
				    key_defs[k->key].name);
		rc = parse_value(r, (enum key_id)k->key, &v, &val, eb);
		if (rc < 0)
			return rc;
		set_field(ev, (enum key_id)k->key, val);
	}

	for (const struct ev_key *k = d->keys; k->key != K_NONE; k++) {
		if (seen[k->key])
			continue;
		if (k->required) {
			list_keys(d, true, list, sizeof(list));
			return rerr(r, eb, SMMUSIM_EPARSE, kw.col,
				    "missing required key '%s' for %s "
				    "(required: %s)",
				    key_defs[k->key].name,
				    smmusim_event_name(d->type), list);
		}
		set_field(ev, (enum key_id)k->key, key_defs[k->key].dflt);
	}

	if (ev->timing == SMMUSIM_AT) {
		r->have_at = true;
		r->last_at = ev->time;
		r->last_at_line = r->line;
	}
	return 1;
}

int sm_trace_next(struct sm_trace_reader *r, struct smmusim_event *ev,
		  struct sm_errbuf *eb)
{
	size_t len = 0, i;
	int rc;

	if (!r || !ev)
		return sm_err(eb, SMMUSIM_EINVAL,
			      "sm_trace_next: NULL argument");
	if (r->err) {
		copy_err(r, eb);
		return r->err;
	}
	for (;;) {
		if (r->eof)
			rc = 0;
		else
			rc = read_line(r, &len, eb);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			if (r->header_done)
				return 0;
			if (r->line < UINT32_MAX)
				r->line++;
			return rerr(r, eb, SMMUSIM_EPARSE, 1,
				    "expected '" SM_TRACE_MAGIC
				    " " SM_TRACE_VERSION
				    "' header, found end of file");
		}
		for (i = 0; i < len; i++) {
			if (r->buf[i] == '\0')
				return rerr(r, eb, SMMUSIM_EPARSE, i + 1,
					    "NUL byte in line");
			if (r->buf[i] == '#')
				break;
		}
		len = i; /* drop the comment */
		while (len > 0 && is_blank(r->buf[len - 1]))
			len--;
		for (i = 0; i < len && is_blank(r->buf[i]); i++)
			;
		if (i == len)
			continue; /* blank or comment-only line */
		if (!r->header_done) {
			rc = check_header(r, r->buf, len, eb);
			if (rc < 0)
				return rc;
			continue;
		}
		return parse_event(r, r->buf, len, ev, eb);
	}
}
