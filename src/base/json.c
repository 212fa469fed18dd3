/* SPDX-License-Identifier: MIT */
/*
 * JSON leaves (base/json.h): strings and 64-bit unsigned integers.
 *
 * A JSON text is UTF-8 (RFC 8259 section 8.1), and strict readers
 * (Python's json with a UTF-8 decode, jq) refuse a file with any other
 * byte sequence.  The strings written here come from outside (a trace
 * path, a config value), so they may hold any bytes: well-formed UTF-8
 * (Unicode 15, table 3-7: no overlong forms, no surrogates, nothing above
 * U+10FFFF) is copied as it is, and each byte of an ill-formed sequence
 * is written as the escape \u00XX of its value, so the text stays valid
 * and the byte can still be read off it (docs/stats.md, "JSON").
 */
#include "base/json.h"

#include <inttypes.h>
#include <stddef.h>

/* The two-character escapes of RFC 8259 section 7; other control bytes are
 * written as \u00XX. */
static const char json_escape[128] = {
    ['"'] = '"',  ['\\'] = '\\', ['\b'] = 'b', ['\f'] = 'f',
    ['\n'] = 'n', ['\r'] = 'r',	 ['\t'] = 't',
};

/* Length of the well-formed UTF-8 sequence of 2 to 4 bytes at p (p[0] >=
 * 0x80), 0 if it is not one (Unicode table 3-7). */
static size_t utf8_len(const unsigned char *p)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t n;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0; /* a continuation byte, C0, C1 or F5..FF */
	if (c == 0xe0)
		lo = 0xa0; /* overlong */
	else if (c == 0xed)
		hi = 0x9f; /* surrogates */
	else if (c == 0xf0)
		lo = 0x90; /* overlong */
	else if (c == 0xf4)
		hi = 0x8f; /* above U+10FFFF */
	if (p[1] < lo || p[1] > hi)
		return 0;
	/* The NUL at the end of the string stops these checks too. */
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

void sm_json_string(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	putc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		unsigned char c = *p;
		size_t n;

		if (c < 128 && json_escape[c]) {
			putc('\\', f);
			putc(json_escape[c], f);
			p++;
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\u%04x", (unsigned)c);
			p++;
		} else if (c < 0x80) {
			putc(c, f);
			p++;
		} else if ((n = utf8_len(p)) != 0) {
			fwrite(p, 1, n, f);
			p += n;
		} else {
			fprintf(f, "\\u%04x", (unsigned)c);
			p++;
		}
	}
	putc('"', f);
}

void sm_json_u64(FILE *f, uint64_t v)
{
	fprintf(f, "%" PRIu64, v);
}
