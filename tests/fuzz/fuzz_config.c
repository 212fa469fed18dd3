/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target (b) of docs/fuzzing.md: config keys and config files.
 * The first byte picks how the rest reaches the config:
 *
 *   mode 0  one smmusim_config_set_assignment("key=value") per line
 *   mode 1  smmusim_config_load_string() of the whole text
 *   mode 2  smmusim_config_load_file() of the bytes as they are (NUL bytes
 *           included: a file may hold anything)
 *
 * then every key is read back with smmusim_config_get() into a buffer of a
 * size the second byte picks, and, when bit 7 of the first byte is set, a
 * simulator is built from the config (with 16 MiB of RAM), which checks
 * the keys against each other.  A refused setting is expected; an error
 * without a message, a crash, a leak, UB or a file with a NUL byte that is
 * accepted is a finding.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void by_lines(smmusim_config_t *cfg, const char *text)
{
	const char *p = text;

	for (;;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char *line = malloc(n + 1);

		if (!line)
			return;
		memcpy(line, p, n);
		line[n] = 0;
		fz_expect(smmusim_config_set_assignment(cfg, line),
			  smmusim_config_error(cfg),
			  "smmusim_config_set_assignment");
		free(line);
		if (!nl)
			return;
		p = nl + 1;
	}
}

static void read_back(const smmusim_config_t *cfg, size_t len)
{
	size_t n = smmusim_config_key_count();
	char small[64], big[512];

	for (size_t i = 0; i < n; i++) {
		struct smmusim_key_info k;

		if (smmusim_config_key_info(i, &k) < 0)
			abort();
		/* A short buffer may be refused, never overrun (ASan). */
		(void)smmusim_config_get(cfg, k.name, small, len);
		if (smmusim_config_get(cfg, k.name, big, sizeof(big)) < 0)
			abort(); /* a key of the table must read back */
	}
}

static void build(const smmusim_config_t *cfg)
{
	smmusim_config_t *c = NULL;
	smmusim_t *sim = NULL;
	char err[256] = "";
	int rc;

	if (smmusim_config_new(&c, NULL) < 0)
		return;
	if (smmusim_config_copy(c, cfg) < 0 ||
	    smmusim_config_set(c, "mem.size", "16M") < 0 ||
	    smmusim_config_set(c, "sim.max_host_memory", FZ_MAX_HOST_MEMORY) <
		0) {
		smmusim_config_free(c);
		return;
	}
	rc = smmusim_new_ex(&sim, c, NULL, err, sizeof(err));
	fz_expect(rc, err, "smmusim_new_ex");
	smmusim_free(sim);
	smmusim_config_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	smmusim_config_t *cfg = NULL;
	char *text, path[64];
	uint8_t mode, len;
	int fd, rc;

	if (size < 2)
		return 0;
	mode = data[0];
	len = data[1] % 64;
	data += 2;
	size -= 2;
	if (smmusim_config_new(&cfg, NULL) < 0)
		abort();
	text = malloc(size + 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = 0;
	switch ((mode & 0x7f) % 3) {
	case 0:
		by_lines(cfg, text);
		break;
	case 1:
		fz_expect(smmusim_config_load_string(cfg, "fuzz.conf", text),
			  smmusim_config_error(cfg),
			  "smmusim_config_load_string");
		break;
	default:
		fd = fz_memfile(data, size, path);
		if (fd >= 0) {
			rc = smmusim_config_load_file(cfg, path);
			fz_expect(rc, smmusim_config_error(cfg),
				  "smmusim_config_load_file");
			fz_refuse_nul(rc, data, size,
				      "smmusim_config_load_file");
			close(fd);
		}
		break;
	}
	free(text);
	read_back(cfg, len);
	if (mode & 0x80)
		build(cfg);
	smmusim_config_free(cfg);
	return 0;
}
