/* SPDX-License-Identifier: MIT */
/*
 * Processes and address spaces of a strace log, as the trace's mm ids.
 *
 * strace -f prints each line with the pid (a thread id) that made the call.
 * Each address space is an mm of the trace, numbered 1, 2, ... in the
 * order they appear:
 *
 *   - a pid never seen before, with no unfinished clone that made it, is
 *     a process of its own (the traced program, or a process strace
 *     attached to): a new mm, empty, or with the mappings of --maps for
 *     the first one;
 *   - clone/clone3 with CLONE_VM (threads) and vfork share the caller's mm;
 *     fork and clone without CLONE_VM copy it (Linux's dup_mmap: every
 *     mapping, but no page: the trace writes the child's mmaps and does not
 *     touch them, as copy-on-write leaves them unpopulated for writes).  A
 *     child's first line may come before its parent's clone returns (strace
 *     prints "<unfinished ...>"): a new pid is then the child of the
 *     earliest unfinished clone, with its flags;
 *   - a successful execve gives the pid a new, empty mm (Linux's
 *     exec_mmap), and the old one loses a user; the mappings the kernel
 *     makes for the new image (the ELF segments, the interpreter, the
 *     stack, the vDSO) are not in the log: the calls that need one mapped
 *     get an implicit mapping (import_strace_calls.c);
 *   - an mm whose last user exited ("+++ exited with N +++", "+++ killed
 *     by ...") or execve'd is written as mm_exit, and every mm left at the
 *     end of the log too.
 *
 * Processes and threads are spread over the CPUs round robin in the order
 * of their first line (pid i on CPU i mod ncpus): strace does not say
 * where a thread ran.  With a device, each new mm is bound to the device's
 * stream with the lowest free substream from opts.ssid up, right after its
 * mm_create; the bind goes after its mm_exit (Linux's do_exit runs exit_mm
 * before exit_files, which closes the device and unbinds).
 *
 * The mappings of each mm are kept as a sorted list of disjoint ranges with
 * their protection: what a fork copies, what mprotect and madvise need to
 * be mapped (Linux: ENOMEM otherwise), and which pages become accessible.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <smmusim/error.h>

#include "base/alloc.h"
#include "base/vec.h"
#include "trace/import_strace.h"

int sm_st_note(struct sm_strace_importer *im, const char *fmt, ...)
{
	char msg[SM_ERRBUF_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sm_st_emit(im, "# %" PRIu64 ": %s\n", im->in.lineno, msg);
}

/* ---------------------------------------------------------------------- */
/* Mappings                                                               */
/* ---------------------------------------------------------------------- */

int sm_st_vma_clear(struct sm_strace_importer *im, struct sm_st_mm *mm,
		    uint64_t a, uint64_t b)
{
	struct sm_st_vma *v;
	size_t i = 0, j, n;

	if (SM_VEC_RESERVE(im->a, mm->vmas, mm->cap_vmas, mm->n_vmas + 2, 16))
		return sm_import_nomem(&im->in);
	v = mm->vmas;
	n = mm->n_vmas;
	while (i < n && v[i].end <= a)
		i++;
	if (i < n && v[i].start < a) {
		if (v[i].end > b) { /* [a, b) is inside: split it */
			memmove(&v[i + 2], &v[i + 1], (n - i - 1) * sizeof(*v));
			v[i + 1] = v[i];
			v[i + 1].start = b;
			v[i].end = a;
			mm->n_vmas++;
			return 0;
		}
		v[i++].end = a;
	}
	for (j = i; j < n && v[j].end <= b;)
		j++;
	if (j < n && v[j].start < b)
		v[j].start = b;
	memmove(&v[i], &v[j], (n - j) * sizeof(*v));
	mm->n_vmas -= j - i;
	return 0;
}

static bool same(const struct sm_st_vma *x, const struct sm_st_vma *y)
{
	return x->prot == y->prot && x->shared == y->shared;
}

int sm_st_vma_set(struct sm_strace_importer *im, struct sm_st_mm *mm,
		  uint64_t a, uint64_t b, uint8_t prot, bool shared)
{
	struct sm_st_vma nv = {a, b, prot, shared}, *v;
	size_t i = 0;
	int rc = sm_st_vma_clear(im, mm, a, b);

	if (rc)
		return rc;
	if (mm->n_vmas >= SM_ST_MAX_VMAS)
		return sm_st_err(im, 1,
				 "mm=%" PRIu32 " has %u mappings, the most "
				 "the importer keeps (Linux's max_map_count "
				 "is 65530)",
				 mm->id, SM_ST_MAX_VMAS);
	v = mm->vmas;
	while (i < mm->n_vmas && v[i].start < a)
		i++;
	memmove(&v[i + 1], &v[i], (mm->n_vmas - i) * sizeof(*v));
	v[i] = nv;
	mm->n_vmas++;
	/* merge with equal neighbours, as vma_merge() does */
	if (i + 1 < mm->n_vmas && v[i + 1].start == b && same(&v[i + 1], &nv)) {
		v[i].end = v[i + 1].end;
		memmove(&v[i + 1], &v[i + 2],
			(mm->n_vmas - i - 2) * sizeof(*v));
		mm->n_vmas--;
	}
	if (i > 0 && v[i - 1].end == a && same(&v[i - 1], &nv)) {
		v[i - 1].end = v[i].end;
		memmove(&v[i], &v[i + 1], (mm->n_vmas - i - 1) * sizeof(*v));
		mm->n_vmas--;
	}
	return 0;
}

const struct sm_st_vma *sm_st_vma_at(const struct sm_st_mm *mm, uint64_t va)
{
	size_t lo = 0, hi = mm->n_vmas;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (mm->vmas[mid].end <= va)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < mm->n_vmas && mm->vmas[lo].start <= va ? &mm->vmas[lo]
							   : NULL;
}

bool sm_st_vma_hole(const struct sm_st_mm *mm, uint64_t a, uint64_t b,
		    uint64_t *ha, uint64_t *hb)
{
	uint64_t cur = a;

	for (size_t i = 0; i < mm->n_vmas && cur < b; i++) {
		const struct sm_st_vma *v = &mm->vmas[i];

		if (v->end <= cur)
			continue;
		if (v->start > cur) {
			*ha = cur;
			*hb = v->start < b ? v->start : b;
			return true;
		}
		cur = v->end;
	}
	if (cur >= b)
		return false;
	*ha = cur;
	*hb = b;
	return true;
}

/* ---------------------------------------------------------------------- */
/* mms                                                                    */
/* ---------------------------------------------------------------------- */

/* The lowest substream from opts.ssid up that no live mm holds. */
static int free_ssid(struct sm_strace_importer *im, uint32_t *ssid)
{
	for (uint64_t s = im->o.ssid; s <= SM_ST_SSID_MAX; s++) {
		size_t i = 0;

		while (i < im->n_mms && im->mms[i]->ssid != s)
			i++;
		if (i == im->n_mms) {
			*ssid = (uint32_t)s;
			return 0;
		}
	}
	return sm_st_err(im, 1,
			 "no free substream for a new mm: %zu mms are bound "
			 "from ssid=%" PRIu32 " to 0x%x",
			 im->n_mms, im->o.ssid, SM_ST_SSID_MAX);
}

static int mm_new(struct sm_strace_importer *im, const struct sm_st_proc *p,
		  struct sm_st_mm **out)
{
	struct sm_st_mm *mm;
	int rc = 0;

	if (im->next_mm == UINT32_MAX)
		return sm_st_err(im, 1, "more than %" PRIu32 " mms",
				 UINT32_MAX - 1);
	if (SM_VEC_RESERVE(im->a, im->mms, im->cap_mms, im->n_mms + 1, 16))
		return sm_import_nomem(&im->in);
	mm = sm_calloc(im->a, sizeof(*mm));
	if (!mm)
		return sm_import_nomem(&im->in);
	mm->id = ++im->next_mm;
	mm->ssid = UINT32_MAX;
	if (im->o.pattern != SMMUSIM_STRACE_DEV_NONE)
		rc = free_ssid(im, &mm->ssid);
	if (rc) {
		sm_free(im->a, mm, sizeof(*mm));
		return rc;
	}
	im->mms[im->n_mms++] = mm;
	im->st.mms++;
	*out = mm;
	rc = sm_st_emit(im, "mm_create mm=%" PRIu32 "\n", mm->id);
	if (!rc && mm->ssid != UINT32_MAX)
		rc = sm_st_emit(im,
				"bind sid=0x%" PRIx32 " ssid=%" PRIu32
				" mm=%" PRIu32 " cpu=%" PRIu32 "\n",
				im->o.sid, mm->ssid, mm->id, p->cpu);
	return rc;
}

static void mm_free(struct sm_strace_importer *im, struct sm_st_mm *mm)
{
	sm_free(im->a, mm->vmas, mm->cap_vmas * sizeof(*mm->vmas));
	sm_free(im->a, mm, sizeof(*mm));
}

/* mm_exit (and unbind) and forget it. */
static int mm_exit(struct sm_strace_importer *im, struct sm_st_mm *mm,
		   uint32_t cpu)
{
	size_t i = 0;
	int rc = sm_st_emit(im, "mm_exit mm=%" PRIu32 " cpu=%" PRIu32 "\n",
			    mm->id, cpu);

	if (!rc && mm->ssid != UINT32_MAX)
		rc = sm_st_emit(im,
				"unbind sid=0x%" PRIx32 " ssid=%" PRIu32
				" cpu=%" PRIu32 "\n",
				im->o.sid, mm->ssid, cpu);
	while (i < im->n_mms && im->mms[i] != mm)
		i++;
	memmove(&im->mms[i], &im->mms[i + 1],
		(im->n_mms - i - 1) * sizeof(*im->mms));
	im->n_mms--;
	mm_free(im, mm);
	return rc;
}

static int mm_put(struct sm_strace_importer *im, struct sm_st_mm *mm,
		  uint32_t cpu)
{
	return --mm->users ? 0 : mm_exit(im, mm, cpu);
}

/* A new mm for child p holding copies of parent's mappings. */
static int mm_fork(struct sm_strace_importer *im, struct sm_st_proc *p,
		   const struct sm_st_mm *parent)
{
	int rc = mm_new(im, p, &p->mm);

	if (rc)
		return rc;
	p->mm->users = 1;
	rc = sm_st_note(im,
			"fork: mm=%" PRIu32 " copies the %zu "
			"mapping(s) of mm=%" PRIu32 " (pages not "
			"touched: copy-on-write)",
			p->mm->id, parent->n_vmas, parent->id);
	p->mm->brk = parent->brk;
	for (size_t i = 0; !rc && i < parent->n_vmas; i++) {
		const struct sm_st_vma *v = &parent->vmas[i];
		bool shared = v->shared && (v->end - v->start) / SM_ST_PAGE <=
					       SM_ST_NEW_PAGES;

		rc =
		    sm_st_emit(im,
			       "mmap mm=%" PRIu32 " va=0x%" PRIx64
			       " len=0x%" PRIx64 " prot=%s%s cpu=%" PRIu32 "\n",
			       p->mm->id, v->start, v->end - v->start,
			       sm_st_prot_word(v->prot),
			       shared ? " map=shared" : "", p->cpu);
		if (!rc)
			rc = sm_st_vma_set(im, p->mm, v->start, v->end, v->prot,
					   v->shared);
		im->st.mmaps++;
	}
	return rc;
}

/* ---------------------------------------------------------------------- */
/* Processes                                                              */
/* ---------------------------------------------------------------------- */

static struct sm_st_proc *find(struct sm_strace_importer *im, int64_t pid)
{
	if (im->last_proc < im->n_procs && im->procs[im->last_proc].pid == pid)
		return &im->procs[im->last_proc];
	for (size_t i = 0; i < im->n_procs; i++)
		if (im->procs[i].pid == pid) {
			im->last_proc = i;
			return &im->procs[i];
		}
	return NULL;
}

static int proc_new(struct sm_strace_importer *im, int64_t pid,
		    struct sm_st_proc **out)
{
	struct sm_st_proc *p;

	if (im->n_procs == SM_ST_MAX_PROCS)
		return sm_st_err(im, 1,
				 "more than %u processes and threads alive "
				 "at once",
				 SM_ST_MAX_PROCS);
	if (SM_VEC_RESERVE(im->a, im->procs, im->cap_procs, im->n_procs + 1,
			   16))
		return sm_import_nomem(&im->in);
	p = &im->procs[im->n_procs++];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->cpu = im->next_cpu++ % im->o.ncpus;
	im->st.processes++;
	*out = p;
	return 0;
}

static bool is_clone(const char *s, size_t n)
{
	return (n == 5 && !memcmp(s, "clone", 5)) ||
	       (n == 6 && !memcmp(s, "clone3", 6)) ||
	       (n == 4 && !memcmp(s, "fork", 4)) ||
	       (n == 5 && !memcmp(s, "vfork", 5));
}

/* Whether a clone-like call (its name and argument text) shares the mm. */
static bool shares_vm(const char *name, size_t n, const char *args,
		      size_t args_len)
{
	struct sm_st_arg a = {args, args_len, 0};

	if (n == 5 && !memcmp(name, "vfork", 5))
		return true;
	return sm_st_arg_has(&a, "CLONE_VM");
}

/* The child `pid` of parent (same process list), sharing or copying. */
static int add_child(struct sm_strace_importer *im, size_t parent, int64_t pid,
		     bool share, struct sm_st_proc **out)
{
	int rc = proc_new(im, pid, out);
	struct sm_st_proc *par = &im->procs[parent];

	if (rc)
		return rc;
	if (share) {
		(*out)->mm = par->mm;
		par->mm->users++;
		return 0;
	}
	rc = mm_fork(im, *out, par->mm);
	if (rc && !(*out)->mm)
		im->n_procs--; /* no process without an mm */
	return rc;
}

int sm_st_proc(struct sm_strace_importer *im, int64_t pid,
	       struct sm_st_proc **p)
{
	bool first = !im->any_proc;
	int rc;

	if ((*p = find(im, pid)))
		return 0;
	/* the child of an unfinished clone? */
	for (size_t i = 0; i < im->n_procs; i++) {
		const struct sm_st_proc *q = &im->procs[i];

		if (q->pend_len && is_clone(q->pend, q->pend_name_len))
			return add_child(
			    im, i, pid,
			    shares_vm(q->pend, q->pend_name_len,
				      q->pend + q->pend_name_len,
				      q->pend_len - q->pend_name_len),
			    p);
	}
	im->any_proc = true;
	if ((rc = proc_new(im, pid, p)))
		return rc;
	if ((rc = mm_new(im, *p, &(*p)->mm))) {
		if (!(*p)->mm)
			im->n_procs--; /* no process without an mm */
		return rc;
	}
	(*p)->mm->users = 1;
	if (first && im->o.maps_path)
		return sm_st_read_maps(im, *p);
	return 0;
}

int sm_st_on_clone(struct sm_strace_importer *im, struct sm_st_proc *p,
		   const struct sm_st_call *c)
{
	struct sm_st_proc *child;
	size_t parent = (size_t)(p - im->procs);

	if (c->ret <= 0 || c->ret > 0x7fffffff)
		return sm_st_err(im, c->ret_col,
				 "%.*s returned %" PRId64 ": expected the "
				 "child's pid (1..2147483647)",
				 (int)c->name_len, c->name, c->ret);
	if (find(im, c->ret))
		return 0; /* its first line came first */
	return add_child(im, parent, c->ret,
			 shares_vm(c->name, c->name_len, c->args, c->args_len),
			 &child);
}

int sm_st_on_execve(struct sm_strace_importer *im, struct sm_st_proc *p)
{
	struct sm_st_mm *old = p->mm;
	int rc = mm_new(im, p, &p->mm);

	if (rc)
		return rc;
	p->mm->users = 1;
	rc = sm_st_note(im,
			"execve: mm=%" PRIu32 " replaces mm=%" PRIu32
			" (the new image's mappings are made by the kernel: "
			"not in the log)",
			p->mm->id, old->id);
	return rc ? rc : mm_put(im, old, p->cpu);
}

static void drop_pending(struct sm_strace_importer *im, struct sm_st_proc *p)
{
	if (p->pend_len)
		im->st.no_return++;
	sm_free(im->a, p->pend, p->pend_cap);
	p->pend = NULL;
	p->pend_len = p->pend_cap = 0;
}

int sm_st_on_exited(struct sm_strace_importer *im, int64_t pid)
{
	struct sm_st_proc *p = find(im, pid);
	struct sm_st_mm *mm;
	uint32_t cpu;

	if (!p)
		return 0;
	mm = p->mm;
	cpu = p->cpu;
	drop_pending(im, p);
	*p = im->procs[--im->n_procs];
	return mm_put(im, mm, cpu);
}

int sm_st_finish(struct sm_strace_importer *im)
{
	int rc = 0;

	for (size_t i = 0; i < im->n_procs; i++)
		drop_pending(im, &im->procs[i]);
	while (!rc && im->n_mms)
		rc = mm_exit(im, im->mms[0], 0);
	return rc;
}

void sm_st_free(struct sm_strace_importer *im)
{
	for (size_t i = 0; i < im->n_procs; i++)
		sm_free(im->a, im->procs[i].pend, im->procs[i].pend_cap);
	sm_free(im->a, im->procs, im->cap_procs * sizeof(*im->procs));
	for (size_t i = 0; i < im->n_mms; i++)
		mm_free(im, im->mms[i]);
	sm_free(im->a, im->mms, im->cap_mms * sizeof(*im->mms));
	sm_free(im->a, im->join, im->join_cap);
}

/* ---------------------------------------------------------------------- */
/* /proc/PID/maps                                                         */
/* ---------------------------------------------------------------------- */

/* Lower-case hex digits from s[*i] (as the kernel's show_map_vma prints
 * them, without 0x): false if there are none or too many. */
static bool maps_hex(const char *s, size_t n, size_t *i, uint64_t *v)
{
	size_t a = *i;
	int d;

	*v = 0;
	while (*i < n && (d = sm_qemu_hex_digit(s[*i])) >= 0) {
		if (*i - a == 16)
			return false;
		*v = *v << 4 | (uint64_t)d;
		(*i)++;
	}
	return *i > a;
}

/* "START-END PERMS OFFSET DEV INODE [PATH]" (fs/proc/task_mmu.c,
 * show_map_vma): a mapping of p's mm made now. */
static int maps_line(struct sm_strace_importer *im, struct sm_st_proc *p,
		     const char *s, size_t n)
{
	struct sm_importer *m = &im->maps;
	uint64_t a, b;
	size_t i = 0;
	uint8_t prot = 0;

	if (!maps_hex(s, n, &i, &a) || i >= n || s[i] != '-')
		return sm_import_line_err(m, i + 1,
					  "expected START-END in hex (a line "
					  "of /proc/PID/maps)");
	i++;
	if (!maps_hex(s, n, &i, &b) || b <= a || (a | b) % SM_ST_PAGE)
		return sm_import_line_err(m, i + 1,
					  "expected END, page aligned, above "
					  "START");
	if (n - i < 6 || s[i] != ' ' || (s[i + 1] != 'r' && s[i + 1] != '-') ||
	    (s[i + 2] != 'w' && s[i + 2] != '-') ||
	    (s[i + 3] != 'x' && s[i + 3] != '-') ||
	    (s[i + 4] != 'p' && s[i + 4] != 's') || s[i + 5] != ' ')
		return sm_import_line_err(m, i + 2,
					  "expected the permissions [r-][w-]"
					  "[x-][ps]");
	prot = (s[i + 1] == 'r' ? ST_R : 0) | (s[i + 2] == 'w' ? ST_W : 0) |
	       (s[i + 3] == 'x' ? ST_X : 0);
	if (b > SM_ST_VA_END)
		return sm_st_note(im,
				  "maps line %" PRIu64 ": [0x%" PRIx64
				  ", 0x%" PRIx64 ") is beyond the 48-bit user "
				  "space: not imported",
				  m->lineno, a, b);
	if (n - i >= 6 && memcmp(s + n - 6, "[heap]", 6) == 0)
		p->mm->brk = b;
	return sm_st_map(im, p, a, b, prot, s[i + 4] == 's', false);
}

int sm_st_read_maps(struct sm_strace_importer *im, struct sm_st_proc *p)
{
	const char *s;
	size_t n;
	int rc;

	sm_import_init(&im->maps, im->a, im->eb, im->o.maps_path);
	im->maps.long_line_why = "lines of /proc/PID/maps are short";
	rc = sm_import_open_input(&im->maps, im->o.maps_path);
	if (!rc)
		rc = sm_st_note(im, "the mappings of --maps, made before the "
				    "log's first line");
	while (!rc && (rc = sm_import_next_line(&im->maps, &s, &n)) > 0)
		rc = maps_line(im, p, s, n);
	sm_import_close_input(&im->maps);
	im->fatal = rc != 0; /* not a line of the log: never skipped */
	return rc;
}
