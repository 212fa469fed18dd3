/* SPDX-License-Identifier: MIT */
#include "core/parse.h"

#include <string.h>
#include <strings.h>

static int digit_value(char c, unsigned base)
{
	int v;
	if (c >= '0' && c <= '9')
		v = c - '0';
	else if (c >= 'a' && c <= 'f')
		v = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		v = c - 'A' + 10;
	else
		return -1;
	return v < (int)base ? v : -1;
}

enum sm_parse_status sm_parse_u64(const char *s, size_t n, bool allow_suffix,
				  uint64_t *out, size_t *bad_at)
{
	unsigned base = 10;
	size_t i = 0, first_digit;
	uint64_t v = 0, mul = 1;
	size_t dummy;

	if (!bad_at)
		bad_at = &dummy;
	*bad_at = 0;
	if (n == 0)
		return SM_PARSE_EMPTY;
	if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	/* A suffix is a single trailing letter; hex digits never clash with
	 * K, M or G. */
	if (n > i) {
		char last = s[n - 1];
		unsigned shift = 0;
		switch (last) {
		case 'k':
		case 'K':
			shift = 10;
			break;
		case 'm':
		case 'M':
			shift = 20;
			break;
		case 'g':
		case 'G':
			shift = 30;
			break;
		default:
			break;
		}
		if (shift) {
			if (!allow_suffix) {
				*bad_at = n - 1;
				return SM_PARSE_SUFFIX;
			}
			mul = 1ull << shift;
			n--;
		}
	}
	first_digit = i;
	for (; i < n; i++) {
		int d = digit_value(s[i], base);
		if (d < 0) {
			*bad_at = i;
			return SM_PARSE_BAD;
		}
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			return SM_PARSE_OVERFLOW;
		v = v * base + (uint64_t)d;
	}
	if (i == first_digit) {
		*bad_at = i;
		return base == 16 ? SM_PARSE_BAD : SM_PARSE_EMPTY;
	}
	if (mul > 1 && v > UINT64_MAX / mul)
		return SM_PARSE_OVERFLOW;
	*out = v * mul;
	return SM_PARSE_OK;
}

int sm_parse_bool(const char *s, size_t n)
{
	static const char *const yes[] = {"on", "true", "yes", "1"};
	static const char *const no[] = {"off", "false", "no", "0"};
	for (size_t i = 0; i < 4; i++) {
		if (strlen(yes[i]) == n && strncasecmp(s, yes[i], n) == 0)
			return 1;
		if (strlen(no[i]) == n && strncasecmp(s, no[i], n) == 0)
			return 0;
	}
	return -1;
}
