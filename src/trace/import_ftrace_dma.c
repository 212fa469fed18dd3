/* SPDX-License-Identifier: MIT */
/*
 * What the iommu tracepoints of an ftrace file become: devices with their
 * StreamIDs, one DMA domain per IOMMU group, and dma_map / dma_unmap.
 *
 * Linux's iommu core traces (drivers/iommu/iommu.c, 6.1 and 6.12):
 *   add_device_to_group  iommu_group_add_device(): the device joins group
 *                        groupID, whose default domain it will share;
 *   attach_device_to_domain  __iommu_attach_device(): the device is
 *                        attached to its group's (default DMA) domain;
 *   map                  __iommu_map() (6.1) / iommu_map() (6.12) after
 *                        success: one call of the DMA API's
 *                        iommu_dma_map_page / map_sg (one line per
 *                        scatterlist segment);
 *   unmap                __iommu_unmap(): size asked and unmapped_size done;
 *   io_page_fault        report_iommu_fault().
 * The domain of a map or unmap is not in the tracepoint: it is the DMA
 * device's (opts->dma_device, or the device attached last), which is exact
 * when one device does DMA at a time, as in the shared runs.  A device's
 * StreamID is opts->sids' or, for a PCI device, its Requester ID (bus << 8
 * | devfn), as QEMU virt's identity iommu-map makes it.
 *
 * The pages mapped are tracked (an open-addressing table, deletion by
 * backward shift) so that what the trace could not replay the same way is
 * refused here, with the line: a map over a mapped page, an unmap of a
 * page that is not mapped, an unmap that did not unmap its whole size.
 */
#include <inttypes.h>
#include <string.h>

#include <smmusim/error.h>

#include "base/alloc.h"
#include "base/oatable.h"
#include "base/vec.h"
#include "trace/import_ftrace.h"

/* ---------------------------------------------------------------------- */
/* Devices                                                                */
/* ---------------------------------------------------------------------- */

/* The PCI Requester ID of "DDDD:BB:DD.F" (segment 0), or -1. */
static int64_t pci_rid(const char *s, size_t n)
{
	unsigned v[4] = {0, 0, 0, 0};
	static const unsigned width[4] = {4, 2, 2, 1};
	static const char sep[4] = {':', ':', '.', '\0'};
	size_t p = 0;

	for (int f = 0; f < 4; f++) {
		for (unsigned i = 0; i < width[f]; i++, p++) {
			int d = p < n ? sm_qemu_hex_digit(s[p]) : -1;

			if (d < 0)
				return -1;
			v[f] = v[f] << 4 | (unsigned)d;
		}
		if (sep[f] ? (p >= n || s[p++] != sep[f]) : p != n)
			return -1;
	}
	if (v[0] != 0 || v[2] > 0x1f || v[3] > 7)
		return -1;
	return (int64_t)(v[1] << 8 | v[2] << 3 | v[3]);
}

static int find_device(const struct sm_ftrace_importer *ft, const char *s,
		       size_t n)
{
	for (size_t i = 0; i < ft->n_devs; i++)
		if (strlen(ft->devs[i].name) == n &&
		    !memcmp(ft->devs[i].name, s, n))
			return (int)i;
	return -1;
}

/* The device named by field c (a new one the first time): *idx. */
static int device_of(struct sm_ftrace_importer *ft, const struct sm_qemu_cap *c,
		     size_t *idx)
{
	const struct smmusim_import_ftrace_opts *o = ft->opts;
	struct sm_ft_device *d;
	int i = find_device(ft, c->s, c->n);
	int64_t sid = -1;

	if (i >= 0) {
		*idx = (size_t)i;
		return 0;
	}
	if (c->n > SM_FT_NAME_MAX || ft->n_devs >= SM_FT_MAX_DEVICES)
		return sm_import_line_err(&ft->fin, c->col,
					  "device '%.*s': at most %u devices "
					  "of names up to %u bytes",
					  (int)(c->n > 64 ? 64 : c->n), c->s,
					  SM_FT_MAX_DEVICES, SM_FT_NAME_MAX);
	for (size_t k = 0; o && k < o->n_sids; k++)
		if (strlen(o->sids[k].device) == c->n &&
		    !memcmp(o->sids[k].device, c->s, c->n))
			sid = o->sids[k].sid;
	if (sid < 0)
		sid = pci_rid(c->s, c->n);
	if (sid < 0)
		return sm_import_line_err(
		    &ft->fin, c->col,
		    "device '%.*s' has no default StreamID (only a PCI "
		    "device 0000:BB:DD.F gets its Requester ID): give it "
		    "with --sid %.*s=SID",
		    (int)c->n, c->s, (int)c->n, c->s);
	for (size_t k = 0; k < ft->n_devs; k++)
		if (ft->devs[k].sid == (uint32_t)sid)
			return sm_import_line_err(
			    &ft->fin, c->col,
			    "device '%.*s' would have sid=0x%" PRIx64
			    ", the StreamID of %s: give one with --sid",
			    (int)c->n, c->s, sid, ft->devs[k].name);
	if (SM_VEC_RESERVE(ft->a, ft->devs, ft->cap_devs, ft->n_devs + 1, 4))
		return sm_import_nomem(&ft->fin);
	d = &ft->devs[ft->n_devs];
	memset(d, 0, sizeof(*d));
	memcpy(d->name, c->s, c->n);
	d->sid = (uint32_t)sid;
	d->group = -1;
	*idx = ft->n_devs++;
	return 0;
}

int sm_ft_on_add_group(struct sm_ftrace_importer *ft,
		       const struct sm_ft_line *l)
{
	struct sm_ft_device *d;
	size_t i;
	int rc;

	if (l->c[0].i < 0 || l->c[0].i > (int64_t)UINT32_MAX)
		return sm_import_line_err(&ft->fin, l->c[0].col,
					  "groupID=%" PRId64 " is out of "
					  "range (0..4294967295: it is the "
					  "trace's dom=)",
					  l->c[0].i);
	rc = device_of(ft, &l->c[1], &i);
	if (rc)
		return rc;
	d = &ft->devs[i];
	if (d->group >= 0)
		return sm_import_line_err(&ft->fin, l->c[1].col,
					  "device %s is already in group "
					  "%" PRId64,
					  d->name, d->group);
	d->group = l->c[0].i;
	return 0;
}

int sm_ft_on_attach(struct sm_ftrace_importer *ft, const struct sm_ft_line *l)
{
	struct sm_ft_device *d;
	bool made = false;
	size_t i;
	int rc;

	rc = device_of(ft, &l->c[0], &i);
	if (rc)
		return rc;
	d = &ft->devs[i];
	if (d->group < 0)
		return sm_import_line_err(
		    &ft->fin, l->c[0].col,
		    "attach of %s before its add_device_to_group: its "
		    "group (the trace's DMA domain) is unknown",
		    d->name);
	if (d->attach)
		return sm_import_line_err(
		    &ft->fin, l->c[0].col,
		    "second attach of %s (first at line %" PRIu64 "): the "
		    "tracepoint does not name the domain, so only one attach "
		    "per device can be imported",
		    d->name, d->attach);
	d->attach = ft->fin.lineno;
	ft->last_attached = (int64_t)i;
	ft->st.devices++;
	for (size_t k = 0; k < ft->n_domains; k++)
		made |= ft->domains[k] == (uint32_t)d->group;
	rc = sm_ft_emit(ft,
			"# %" PRIu64 ": device %s: sid=0x%" PRIx32
			" group %" PRId64 " (dom=%" PRId64 ")\n",
			ft->fin.lineno, d->name, d->sid, d->group, d->group);
	if (!rc && !made) {
		ft->domains[ft->n_domains++] = (uint32_t)d->group;
		rc = sm_ft_emit_time(ft, l->cycles);
		if (!rc)
			rc = sm_ft_emit(ft, "domain_create dom=%" PRId64 "\n",
					d->group);
	}
	if (!rc)
		rc = sm_ft_emit_time(ft, l->cycles);
	if (!rc)
		rc =
		    sm_ft_emit(ft, "attach sid=0x%" PRIx32 " dom=%" PRId64 "\n",
			       d->sid, d->group);
	return rc;
}

int64_t sm_ft_dma_index(const struct sm_ftrace_importer *ft)
{
	const char *want = ft->opts ? ft->opts->dma_device : NULL;
	int i;

	if (!want)
		return ft->last_attached;
	i = find_device(ft, want, strlen(want));
	return i >= 0 && ft->devs[i].attach ? i : -1;
}

int sm_ft_dma_device(struct sm_ftrace_importer *ft, size_t col,
		     const char *what, size_t *idx)
{
	const char *want = ft->opts ? ft->opts->dma_device : NULL;
	int64_t i = sm_ft_dma_index(ft);

	if (i >= 0) {
		*idx = (size_t)i;
		return 0;
	}
	if (!want)
		return sm_import_line_err(&ft->fin, col,
					  "%s before any "
					  "attach_device_to_domain: no DMA "
					  "domain to put it in",
					  what);
	return sm_import_line_err(&ft->fin, col,
				  "%s before the attach of the DMA "
				  "device %s (--dma-device)",
				  what, want);
}

/* ---------------------------------------------------------------------- */
/* The pages mapped                                                       */
/* ---------------------------------------------------------------------- */

static uint64_t page_hash(uint64_t key)
{
	uint64_t h = key * 0x9e3779b97f4a7c15ull;

	return h ^ (h >> 29);
}

static bool page_used(const void *slot)
{
	return ((const struct sm_ft_page *)slot)->key != 0;
}

static uint64_t page_slot_hash(const void *slot)
{
	return page_hash(((const struct sm_ft_page *)slot)->key);
}

static size_t page_slot(const struct sm_ftrace_importer *ft, uint64_t key)
{
	size_t j = (size_t)page_hash(key) & (ft->cap_pages - 1);

	while (ft->pages[j].key && ft->pages[j].key != key)
		j = (j + 1) & (ft->cap_pages - 1);
	return j;
}

const struct sm_ft_page *sm_ft_page_find(const struct sm_ftrace_importer *ft,
					 uint64_t page)
{
	size_t j;

	if (!ft->cap_pages)
		return NULL;
	j = page_slot(ft, page + 1);
	return ft->pages[j].key ? &ft->pages[j] : NULL;
}

static int page_add(struct sm_ftrace_importer *ft, uint64_t page,
		    uint64_t pa_page)
{
	static const struct sm_oa_ops ops = {sizeof(struct sm_ft_page),
					     page_used, page_slot_hash};
	size_t j;

	if ((ft->n_pages + 1) * 2 > ft->cap_pages) {
		void *slots = ft->pages;

		if (sm_oa_grow(ft->a, &slots, &ft->cap_pages, 1024, &ops) < 0)
			return sm_import_nomem(&ft->fin);
		ft->pages = slots;
	}
	j = page_slot(ft, page + 1);
	ft->pages[j] = (struct sm_ft_page){page + 1, pa_page, ft->fin.lineno};
	ft->n_pages++;
	return 0;
}

/* Remove a page that is there; the entries after it in its probe run
 * move back (no tombstones). */
static void page_remove(struct sm_ftrace_importer *ft, uint64_t page)
{
	size_t mask = ft->cap_pages - 1, i = page_slot(ft, page + 1), j = i;

	ft->pages[i].key = 0;
	for (;;) {
		size_t home;

		j = (j + 1) & mask;
		if (!ft->pages[j].key)
			break;
		home = (size_t)page_hash(ft->pages[j].key) & mask;
		/* j's entry may move to the hole i if its home is not in
		 * (i, j] cyclically */
		if ((j > i && (home <= i || home > j)) ||
		    (j < i && (home <= i && home > j))) {
			ft->pages[i] = ft->pages[j];
			ft->pages[j].key = 0;
			i = j;
		}
	}
	ft->n_pages--;
}

void sm_ft_free_dma(struct sm_ftrace_importer *ft)
{
	sm_free(ft->a, ft->pages, ft->cap_pages * sizeof(*ft->pages));
	sm_free(ft->a, ft->devs, ft->cap_devs * sizeof(*ft->devs));
}

/* ---------------------------------------------------------------------- */
/* map, unmap                                                             */
/* ---------------------------------------------------------------------- */

/* iova (c[0]), its end (c[1]) and size (sz): a range of whole pages below
 * 2^48 that the trace can carry. */
static int check_range(struct sm_ftrace_importer *ft,
		       const struct sm_qemu_cap *c,
		       const struct sm_qemu_cap *sz)
{
	uint64_t va = c[0].u, len = sz->u;

	if (va % SM_FT_PAGE)
		return sm_import_line_err(&ft->fin, c[0].col,
					  "iova=0x%" PRIx64 " is not aligned "
					  "to the 4K page",
					  va);
	if (len == 0 || len % SM_FT_PAGE)
		return sm_import_line_err(&ft->fin, sz->col,
					  "size=%" PRIu64 " is not a whole "
					  "number of 4K pages (> 0)",
					  len);
	if (va >= SM_FT_VA_LIMIT || len > SM_FT_VA_LIMIT - va)
		return sm_import_line_err(
		    &ft->fin, c[0].col,
		    "iova=0x%" PRIx64 " size=%" PRIu64 " is beyond the "
		    "48-bit input range of the trace's DMA domains",
		    va, len);
	if (c[1].u != va + len)
		return sm_import_line_err(&ft->fin, c[1].col,
					  "the range ends at 0x%" PRIx64
					  ", not at iova + size = 0x%" PRIx64,
					  c[1].u, va + len);
	return 0;
}

/* The CPU a dma_map or dma_unmap runs on must be a PE the replay can
 * have (cpu.count is at most SM_FT_MAX_CPUS). */
static int check_cpu(struct sm_ftrace_importer *ft, const struct sm_ft_line *l,
		     const char *what)
{
	if (l->cpu < SM_FT_MAX_CPUS)
		return 0;
	return sm_import_line_err(&ft->fin, l->cpu_col,
				  "CPU %" PRIu32 " of an %s: the replay's "
				  "CPUs are 0..%u (cpu.count is at most %u)",
				  l->cpu, what, SM_FT_MAX_CPUS - 1,
				  SM_FT_MAX_CPUS);
}

int sm_ft_on_map(struct sm_ftrace_importer *ft, const struct sm_ft_line *l)
{
	const struct sm_qemu_cap *c = l->c;
	uint64_t va = c[0].u, pa = c[2].u, len = c[3].u, n;
	size_t dev = 0;
	uint32_t dom;
	int rc;

	rc = check_cpu(ft, l, "iommu:map");
	if (!rc)
		rc = check_range(ft, c, &c[3]);
	if (!rc)
		rc = sm_ft_dma_device(ft, 1, "iommu:map", &dev);
	if (rc)
		return rc;
	if (pa == 0 || pa % SM_FT_PAGE || pa >= SM_FT_VA_LIMIT ||
	    len > SM_FT_VA_LIMIT - pa)
		return sm_import_line_err(
		    &ft->fin, c[2].col,
		    "paddr=0x%" PRIx64 " cannot be written as dma_map pa= "
		    "(4K-aligned, 1..2^48 - size; pa=0 means fresh pages)",
		    pa);
	n = len >> SM_FT_PAGE_SHIFT;
	if (n > SM_FT_MAP_PAGES)
		return sm_import_line_err(
		    &ft->fin, c[3].col,
		    "size=%" PRIu64 " maps %" PRIu64 " pages; one event may "
		    "map 1..%u (sim.max_event_pages' default)",
		    len, n, SM_FT_MAP_PAGES);
	if (ft->n_pages + n > SM_FT_LIVE_PAGES)
		return sm_import_line_err(
		    &ft->fin, c[3].col,
		    "more than %u pages mapped at once (the importer's "
		    "bound: 4 GiB of IOVA)",
		    SM_FT_LIVE_PAGES);
	for (uint64_t i = 0; i < n; i++) {
		const struct sm_ft_page *p =
		    sm_ft_page_find(ft, (va >> SM_FT_PAGE_SHIFT) + i);

		if (p)
			return sm_import_line_err(
			    &ft->fin, c[0].col,
			    "page 0x%" PRIx64 " is already mapped (line "
			    "%" PRIu64 "): the replay would refuse the map",
			    va + (i << SM_FT_PAGE_SHIFT), p->line);
	}
	for (uint64_t i = 0; i < n; i++) {
		rc = page_add(ft, (va >> SM_FT_PAGE_SHIFT) + i,
			      (pa >> SM_FT_PAGE_SHIFT) + i);
		if (rc)
			return rc;
	}
	dom = (uint32_t)ft->devs[dev].group;
	ft->st.maps++;
	ft->st.map_pages += n;
	rc = sm_ft_emit_time(ft, l->cycles);
	if (!rc)
		rc = sm_ft_emit(ft,
				"dma_map dom=%" PRIu32 " va=0x%" PRIx64
				" len=0x%" PRIx64 " pa=0x%" PRIx64
				" prot=rw cpu=%" PRIu32 "\n",
				dom, va, len, pa, l->cpu);
	return rc;
}

int sm_ft_on_unmap(struct sm_ftrace_importer *ft, const struct sm_ft_line *l)
{
	const struct sm_qemu_cap *c = l->c;
	uint64_t va = c[0].u, len = c[2].u;
	size_t dev = 0;
	int rc;

	rc = check_cpu(ft, l, "iommu:unmap");
	if (!rc)
		rc = check_range(ft, c, &c[2]);
	if (!rc)
		rc = sm_ft_dma_device(ft, 1, "iommu:unmap", &dev);
	if (rc)
		return rc;
	if (c[3].u != len)
		return sm_import_line_err(
		    &ft->fin, c[3].col,
		    "unmapped_size=%" PRIu64 " differs from size=%" PRIu64
		    ": the replay's dma_unmap unmaps the whole range",
		    c[3].u, len);
	for (uint64_t a = va; a < va + len; a += SM_FT_PAGE)
		if (!sm_ft_page_find(ft, a >> SM_FT_PAGE_SHIFT))
			return sm_import_line_err(&ft->fin, c[0].col,
						  "page 0x%" PRIx64 " of the "
						  "unmap is not mapped",
						  a);
	ft->unmap.held = true;
	ft->unmap.line = ft->fin.lineno;
	ft->unmap.cycles = l->cycles;
	ft->unmap.va = va;
	ft->unmap.len = len;
	ft->unmap.cpu = l->cpu;
	ft->unmap.dom = (uint32_t)ft->devs[dev].group;
	return 0;
}

int sm_ft_write_unmap(struct sm_ftrace_importer *ft)
{
	uint64_t va = ft->unmap.va, len = ft->unmap.len;
	int rc;

	ft->unmap.held = false;
	for (uint64_t a = va; a < va + len; a += SM_FT_PAGE)
		page_remove(ft, a >> SM_FT_PAGE_SHIFT);
	ft->st.unmaps++;
	ft->st.unmap_pages += len >> SM_FT_PAGE_SHIFT;
	rc = sm_ft_emit_time(ft, ft->unmap.cycles);
	if (!rc)
		rc = sm_ft_emit(ft,
				"dma_unmap dom=%" PRIu32 " va=0x%" PRIx64
				" len=0x%" PRIx64 " cpu=%" PRIu32 "\n",
				ft->unmap.dom, va, len, ft->unmap.cpu);
	return rc;
}

/* report_iommu_fault(): no trace event is an input that causes a fault,
 * so it stays a comment (with --qemu-log, the access itself is QEMU's). */
int sm_ft_on_fault(struct sm_ftrace_importer *ft, const struct sm_ft_line *l,
		   const char *s, size_t n)
{
	(void)l;
	ft->st.faults++;
	return sm_ft_emit_note(ft, "io_page_fault (not replayed)", s, n);
}
