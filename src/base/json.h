/* SPDX-License-Identifier: MIT */
/*
 * Minimal JSON writing helpers.  The report writers emit the structure
 * themselves ("{", ",", ...); these only get the two leaf kinds right that
 * are easy to get wrong: strings (escaping) and 64-bit unsigned integers.
 */
#ifndef SM_BASE_JSON_H
#define SM_BASE_JSON_H

#include <stdint.h>
#include <stdio.h>

/*
 * Write `s` as a quoted JSON string.  '"' and '\\' are backslash-escaped,
 * \b \f \n \r \t use their short forms, other control characters (< 0x20 and
 * 0x7f) become \u00XX.  Well-formed UTF-8 is copied unchanged; each byte of
 * an ill-formed sequence becomes \u00XX of its value, so the output is
 * valid JSON for any bytes.  A NULL `s` writes `null`.
 */
void sm_json_string(FILE *f, const char *s);

/* Write `v` as a JSON number (decimal digits, exact for all of uint64_t;
 * readers that parse numbers as doubles lose precision above 2^53). */
void sm_json_u64(FILE *f, uint64_t v);

#endif
