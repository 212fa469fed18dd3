/* SPDX-License-Identifier: MIT */
#include "base/parse.h"

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

/* Scan forward: digits, then at most one suffix letter, then the end.
 * The first character that does not fit is where the error is. */
enum sm_parse_status sm_parse_u64(const char *s, size_t n, bool allow_suffix,
				  uint64_t *out, size_t *bad_at)
{
	unsigned base = 10;
	size_t i = 0, first;
	uint64_t v = 0;
	bool overflow = false;
	size_t dummy;

	if (!bad_at)
		bad_at = &dummy;
	*bad_at = 0;
	if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	first = i;
	for (; i < n; i++) {
		int d = digit_value(s[i], base);
		if (d < 0)
			break;
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			overflow = true;
		else
			v = v * base + (uint64_t)d;
	}
	if (i == first) {
		*bad_at = i;
		return n == 0 ? SM_PARSE_EMPTY : SM_PARSE_BAD;
	}
	unsigned shift = i < n ? sm_parse_suffix_shift(s[i]) : 0;
	if (shift) {
		if (!allow_suffix) {
			*bad_at = i;
			return SM_PARSE_SUFFIX;
		}
		if (v > (UINT64_MAX >> shift))
			overflow = true;
		else
			v <<= shift;
		i++;
	}
	if (i < n) {
		*bad_at = i;
		return SM_PARSE_BAD;
	}
	if (overflow)
		return SM_PARSE_OVERFLOW;
	*out = v;
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
