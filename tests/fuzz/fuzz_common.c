/* SPDX-License-Identifier: MIT */
/*
 * Shared pieces of the fuzz harnesses (fuzz_common.h): the byte cursor, the
 * check that turns an error without a message into a finding, a temporary
 * file in memory for the APIs that read a path, the preset choice, and the
 * failing, size-checking, counting allocator of the failing-allocator mode.
 */
#define _GNU_SOURCE
#include "fuzz_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

uint8_t fz_u8(struct fz_in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

uint16_t fz_u16(struct fz_in *in)
{
	uint16_t v = fz_u8(in);
	return (uint16_t)(v | fz_u8(in) << 8);
}

uint64_t fz_u64(struct fz_in *in)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)fz_u8(in) << (8 * i);
	return v;
}

void fz_expect(int rc, const char *msg, const char *what)
{
	if (rc >= 0)
		return;
	if (!smmusim_errname(rc) ||
	    !strcmp(smmusim_strerror(rc), "unknown error")) {
		fprintf(stderr, "fuzz: %s returned unknown code %d\n", what,
			rc);
		abort();
	}
	if ((!msg || !msg[0]) && !getenv("FZ_ALLOW_EMPTY")) {
		fprintf(stderr, "fuzz: %s returned %s with an empty message\n",
			what, smmusim_errname(rc));
		abort();
	}
	/* An internal model error is a broken invariant, not bad input. */
	if (rc == SMMUSIM_EINTERNAL && !getenv("FZ_ALLOW_INTERNAL")) {
		fprintf(stderr, "fuzz: %s returned SMMUSIM_EINTERNAL: %s\n",
			what, msg);
		abort();
	}
}

void fz_refuse_nul(int rc, const void *data, size_t size, const char *what)
{
	/* A binary trace (its magic, docs/trace-format.md "Binary form")
	 * is no text: its NUL bytes are data. */
	if (size >= 8 && !memcmp(data, "\x89SMT\r\n\x1a\n", 8))
		return;
	if (rc >= 0 && memchr(data, 0, size) && !getenv("FZ_ALLOW_NUL")) {
		fprintf(stderr, "fuzz: %s accepted a NUL byte\n", what);
		abort();
	}
}

int fz_memfile(const void *data, size_t size, char path[64])
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);
	const char *p = data;

	if (fd < 0)
		return -1;
	while (size) {
		ssize_t w = write(fd, p, size);
		if (w <= 0) {
			close(fd);
			return -1;
		}
		p += w;
		size -= (size_t)w;
	}
	snprintf(path, 64, "/proc/self/fd/%d", fd);
	return fd;
}

smmusim_config_t *fz_config(uint8_t sel, const struct smmusim_allocator *a)
{
	smmusim_config_t *cfg = NULL;
	size_t np = smmusim_preset_count("policy");
	size_t nh = smmusim_preset_count("hw");
	size_t pi = sel & 3, hi = (sel >> 2) & 3;
	const char *name;
	int rc = smmusim_config_new(&cfg, a);

	fz_expect(rc, rc < 0 ? "(no config)" : "", "smmusim_config_new");
	if (rc < 0)
		return NULL;
	if (hi < nh && !smmusim_preset_info("hw", hi, &name, NULL, NULL, NULL))
		rc = smmusim_config_apply_preset(cfg, "hw", name);
	if (rc >= 0 && pi < np &&
	    !smmusim_preset_info("policy", pi, &name, NULL, NULL, NULL))
		rc = smmusim_config_apply_preset(cfg, "policy", name);
	/* Mostly 16 MiB, the smallest RAM allowed, so that a replay stays
	 * small; bit 4 keeps the default (1 GiB), under which the work and
	 * host memory of one event must stay bounded too (issue 8). */
	if (rc >= 0 && !(sel & 0x10))
		rc = smmusim_config_set(cfg, "mem.size", "16M");
	if (rc >= 0)
		rc = smmusim_config_set(cfg, "sim.max_host_memory",
					FZ_MAX_HOST_MEMORY);
	fz_expect(rc, smmusim_config_error(cfg), "fz_config");
	if (rc < 0) {
		smmusim_config_free(cfg);
		return NULL;
	}
	return cfg;
}

/*
 * The failing allocator.  Each block carries a 16-byte header with its size
 * so that free and realloc can check the size the library passes (the
 * contract of struct smmusim_allocator).
 */
#define FZ_HDR 16

static int fz_fail_now(struct fz_alloc *fa)
{
	if (!fa->armed)
		return 0;
	fa->calls++;
	if (fa->fail_at && (fa->calls == fa->fail_at ||
			    (fa->sticky && fa->calls > fa->fail_at))) {
		fa->failed++;
		return 1;
	}
	return 0;
}

static void *fz_malloc(size_t size, void *ctx)
{
	struct fz_alloc *fa = ctx;
	unsigned char *b;

	if (fz_fail_now(fa) || size > SIZE_MAX - FZ_HDR)
		return NULL;
	b = malloc(size + FZ_HDR);
	if (!b)
		return NULL;
	memcpy(b, &size, sizeof(size));
	fa->live++;
	return b + FZ_HDR;
}

static void fz_check_size(void *ptr, size_t size, const char *what)
{
	size_t had;

	memcpy(&had, (unsigned char *)ptr - FZ_HDR, sizeof(had));
	if (had != size) {
		fprintf(stderr,
			"fuzz: allocator %s told size %zu of a block of %zu\n",
			what, size, had);
		abort();
	}
}

static void fz_free(void *ptr, size_t size, void *ctx)
{
	struct fz_alloc *fa = ctx;

	if (!ptr)
		return;
	fz_check_size(ptr, size, "free");
	fa->live--;
	free((unsigned char *)ptr - FZ_HDR);
}

static void *fz_realloc(void *ptr, size_t old_size, size_t new_size, void *ctx)
{
	struct fz_alloc *fa = ctx;
	unsigned char *b;

	if (!ptr)
		return fz_malloc(new_size, ctx);
	fz_check_size(ptr, old_size, "realloc");
	if (fz_fail_now(fa) || new_size > SIZE_MAX - FZ_HDR)
		return NULL;
	b = realloc((unsigned char *)ptr - FZ_HDR, new_size + FZ_HDR);
	if (!b)
		return NULL;
	memcpy(b, &new_size, sizeof(new_size));
	return b + FZ_HDR;
}

void fz_alloc_arm(const struct smmusim_allocator *a)
{
	if (a && a->malloc == fz_malloc)
		((struct fz_alloc *)a->ctx)->armed = 1;
}

smmusim_t *fz_sim_new(smmusim_config_t *cfg, const struct smmusim_allocator *a)
{
	smmusim_t *sim = NULL;
	char err[256] = "";
	int rc = smmusim_new_ex(&sim, cfg, a, err, sizeof(err));

	smmusim_config_free(cfg);
	fz_expect(rc, err, "smmusim_new_ex");
	if (rc < 0)
		return NULL;
	fz_alloc_arm(a);
	return sim;
}

void fz_alloc_init(struct fz_alloc *fa, uint64_t fail_at, int sticky, int armed)
{
	memset(fa, 0, sizeof(*fa));
	fa->armed = armed;
	fa->a.malloc = fz_malloc;
	fa->a.realloc = fz_realloc;
	fa->a.free = fz_free;
	fa->a.ctx = fa;
	fa->fail_at = fail_at;
	fa->sticky = sticky;
}

void fz_alloc_check_empty(const struct fz_alloc *fa, const char *what)
{
	if (fa->live) {
		fprintf(stderr,
			"fuzz: %s: %llu blocks still allocated after free "
			"(%llu allocations, %llu failed)\n",
			what, (unsigned long long)fa->live,
			(unsigned long long)fa->calls,
			(unsigned long long)fa->failed);
		abort();
	}
}
