/* SPDX-License-Identifier: MIT */
#include "base/json.h"

#include <inttypes.h>

void sm_json_string(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	putc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned char c = *p;
		switch (c) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (c < 0x20 || c == 0x7f)
				fprintf(f, "\\u%04x", (unsigned)c);
			else
				putc(c, f);
			break;
		}
	}
	putc('"', f);
}

void sm_json_u64(FILE *f, uint64_t v)
{
	fprintf(f, "%" PRIu64, v);
}
