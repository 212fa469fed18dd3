/* SPDX-License-Identifier: MIT */
#include "base/json.h"

#include <inttypes.h>

/* The two-character escapes of RFC 8259 section 7; other control bytes are
 * written as \u00XX. */
static const char json_escape[128] = {
    ['"'] = '"',  ['\\'] = '\\', ['\b'] = 'b', ['\f'] = 'f',
    ['\n'] = 'n', ['\r'] = 'r',	 ['\t'] = 't',
};

void sm_json_string(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	putc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned char c = *p;

		if (c < 128 && json_escape[c]) {
			putc('\\', f);
			putc(json_escape[c], f);
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\u%04x", (unsigned)c);
		} else {
			putc(c, f);
		}
	}
	putc('"', f);
}

void sm_json_u64(FILE *f, uint64_t v)
{
	fprintf(f, "%" PRIu64, v);
}
