/* SPDX-License-Identifier: MIT */
/* SHA-256 (FIPS 180-4) of a trace file's bytes, for provenance.c. */
#ifndef SMMUSIM_CLI_SHA256_H
#define SMMUSIM_CLI_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	uint8_t buf[64];
	size_t n;
	uint64_t len;
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const uint8_t *p, size_t n);
/* Pads, then writes the digest as 64 hex digits and a NUL. */
void sha256_hex(struct sha256 *c, char hex[65]);

#endif
