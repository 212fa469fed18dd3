/* SPDX-License-Identifier: MIT */
/* Number and word parsing shared by the config registry and the trace
 * reader, so that "0x10", "64K" and "on" mean the same everywhere. */
#ifndef SM_BASE_PARSE_H
#define SM_BASE_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sm_parse_status {
	SM_PARSE_OK = 0,
	SM_PARSE_EMPTY,	   /* no digits */
	SM_PARSE_BAD,	   /* not a number, or garbage after it */
	SM_PARSE_OVERFLOW, /* does not fit in 64 bits */
	SM_PARSE_SUFFIX,   /* a K/M/G suffix where none is allowed */
};

/*
 * Parse s[0..n): decimal or 0x/0X hex, no sign; with allow_suffix one K, M
 * or G (either case) after the digits multiplies by 2^10, 2^20, 2^30.  On
 * BAD and SUFFIX, *bad_at is the offset of the first character that does
 * not fit ("4KB" -> 2; "0x" -> 2, no digits).  Garbage is reported before
 * overflow.
 */
enum sm_parse_status sm_parse_u64(const char *s, size_t n, bool allow_suffix,
				  uint64_t *out, size_t *bad_at);
/* The power of two a size suffix multiplies by: K, M, G (either case)
 * 10, 20, 30; any other character 0. */
static inline unsigned sm_parse_suffix_shift(char c)
{
	switch (c) {
	case 'k':
	case 'K':
		return 10;
	case 'm':
	case 'M':
		return 20;
	case 'g':
	case 'G':
		return 30;
	default:
		return 0;
	}
}
/* on|off|true|false|yes|no|1|0 -> 1/0; -1 if none of them. */
int sm_parse_bool(const char *s, size_t n);

#endif
