/* SPDX-License-Identifier: MIT */
/*
 * QEMU 7.2's SMMU trace events and the strict parser of one log line.
 *
 * QEMU's "log" trace backend writes one line per event, "NAME ARGS\n" (or
 * "PID@SEC.USEC:NAME ARGS\n" with -msg timestamp=on), ARGS being the event's
 * printf format from hw/arm/trace-events.  Every SMMU event of QEMU 7.2
 * (the smmu-common.c and smmuv3.c sections of hw/arm/trace-events) is
 * listed in qemu72_events.def with that format, written in a small
 * notation of our own (%d signed decimal, %x lower-case hex digits, %s a
 * word without spaces, everything else literal), and each line is matched
 * against it exactly: a field added, renamed or reordered by another QEMU
 * version makes the line fail, so a log of another version is refused with
 * a message naming the event and the format expected, instead of being
 * half-understood.  Each event has a kind (enum sm_qemu_kind) that says
 * which handler of the importer its line goes to.
 */
#include <string.h>

#include "trace/import_qemu.h"

/* ---------------------------------------------------------------------- */
/* QEMU 7.2's SMMU trace events                                           */
/* ---------------------------------------------------------------------- */

/* hw/arm/trace-events of QEMU 7.2: the table is qemu72_events.def. */
static const struct sm_qemu_event qemu72_events[] = {
#define Q(name, fmt, kind) {name, fmt, kind},
#include "trace/qemu72_events.def"
#undef Q
};

#define N_QEMU_EVENTS (sizeof(qemu72_events) / sizeof(qemu72_events[0]))

static const struct sm_qemu_event *find_event(const char *s, size_t n)
{
	for (size_t i = 0; i < N_QEMU_EVENTS; i++) {
		const char *name = qemu72_events[i].name;

		if (strlen(name) == n && !memcmp(name, s, n))
			return &qemu72_events[i];
	}
	return NULL;
}

/* ---------------------------------------------------------------------- */
/* The line: timestamp, name, arguments                                   */
/* ---------------------------------------------------------------------- */

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Past one or more digits at s[p] and the separator `sep` after them;
 * 0 when the text there is not that. */
static size_t digits_then(const char *s, size_t len, size_t p, char sep)
{
	size_t q = p;

	while (q < len && is_digit(s[q]))
		q++;
	if (q == p || q >= len || s[q] != sep)
		return 0;
	return q + 1;
}

/* Length of a "PID@SEC.USEC:" prefix (-msg timestamp=on), or 0. */
static size_t timestamp_len(const char *s, size_t len)
{
	size_t p = digits_then(s, len, 0, '@');

	if (p)
		p = digits_then(s, len, p, '.');
	if (p)
		p = digits_then(s, len, p, ':');
	return p;
}

/* Length of the event name that starts s[0..len). */
static size_t name_len(const char *s, size_t len)
{
	size_t n = 0;

	while (n < len && is_name_char(s[n]))
		n++;
	return n;
}

/* %d: an optional '-' and decimal digits, within int64. */
static bool match_dec(const char *s, size_t len, size_t *pp,
		      struct sm_qemu_cap *cap)
{
	size_t p = *pp, start;
	bool neg = false;
	uint64_t v = 0;

	if (p < len && s[p] == '-') {
		neg = true;
		p++;
	}
	start = p;
	while (p < len && s[p] >= '0' && s[p] <= '9') {
		unsigned d = (unsigned)(s[p] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
		p++;
	}
	if (p == start || v > (uint64_t)INT64_MAX)
		return false;
	cap->i = neg ? -(int64_t)v : (int64_t)v;
	cap->u = neg ? 0 : v;
	*pp = p;
	return true;
}

int sm_qemu_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* %x: 1 to 16 lower-case hex digits. */
static bool match_hex(const char *s, size_t len, size_t *pp,
		      struct sm_qemu_cap *cap)
{
	size_t p = *pp, start = p;
	uint64_t v = 0;

	while (p < len) {
		int d = sm_qemu_hex_digit(s[p]);

		if (d < 0)
			break;
		if (p - start >= 16)
			return false;
		v = v << 4 | (unsigned)d;
		p++;
	}
	if (p == start)
		return false;
	cap->u = v;
	cap->i = (int64_t)v;
	*pp = p;
	return true;
}

/* %s: a word, up to the next space. */
static bool match_word(const char *s, size_t len, size_t *pp,
		       struct sm_qemu_cap *cap)
{
	size_t p = *pp, start = p;

	while (p < len && s[p] != ' ')
		p++;
	if (p == start)
		return false;
	cap->s = s + start;
	cap->n = p - start;
	*pp = p;
	return true;
}

/* Match s[0..len) against fmt exactly; fills caps in order, each with its
 * column (`col0` is the column of s[0]).  False on any difference,
 * including text left over on either side, with *badp the offset in s of
 * the first byte that does not match. */
bool sm_qemu_match_fmt(const char *fmt, const char *s, size_t len, size_t col0,
		       struct sm_qemu_cap *caps, size_t *badp)
{
	size_t p = 0;
	int nc = 0;

	while (*fmt) {
		bool ok;

		*badp = p;
		if (fmt[0] != '%') {
			if (p >= len || s[p] != *fmt)
				return false;
			p++;
			fmt++;
			continue;
		}
		if (nc >= SM_QEMU_MAX_CAPS)
			return false;
		/* A hex field's column is that of its "0x". */
		caps[nc].col = col0 + p;
		if (p >= 2 && s[p - 2] == '0' && s[p - 1] == 'x')
			caps[nc].col -= 2;
		switch (fmt[1]) {
		case 'd':
			ok = match_dec(s, len, &p, &caps[nc]);
			break;
		case 'x':
			ok = match_hex(s, len, &p, &caps[nc]);
			break;
		case 's':
			ok = match_word(s, len, &p, &caps[nc]);
			break;
		default:
			ok = false;
			break;
		}
		if (!ok)
			return false;
		nc++;
		fmt += 2;
	}
	*badp = p;
	return p == len;
}

/*
 * A control byte (C0 or DEL; a tab included, since no QEMU 7.2 SMMU event
 * prints one) anywhere in the line: 0 if none, else its 1-based column.
 * A NUL would otherwise end a %s field early for the C string functions
 * behind it (an opcode "SMMU_CMD_SYNC\0junk" read as CMD_SYNC), and a
 * newline or CR cannot be part of a line of the log backend.
 */
size_t sm_qemu_control_byte_col(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return i + 1;
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* One line                                                               */
/* ---------------------------------------------------------------------- */

static const char expect_tail[] =
    "; this importer reads QEMU 7.2 SMMUv3 trace logs";

int sm_qemu_parse_line(struct sm_importer *im, const char *s, size_t len,
		       const struct sm_qemu_event **evp,
		       struct sm_qemu_cap *caps)
{
	const struct sm_qemu_event *ev;
	size_t n, ts, bad;
	bool smmu;

	*evp = NULL;
	bad = sm_qemu_control_byte_col(s, len);
	if (bad)
		return sm_import_line_err(
		    im, bad,
		    "control byte 0x%02x in a log line (QEMU's log "
		    "backend writes text)",
		    (unsigned char)s[bad - 1]);
	ts = timestamp_len(s, len);
	s += ts;
	len -= ts;
	n = name_len(s, len);
	if (n == 0 || (n < len && s[n] != ' '))
		return sm_import_line_err(im, ts + n + 1,
					  "not a QEMU trace log line "
					  "(expected 'EVENTNAME ARGS')");
	smmu = (n > 5 && !memcmp(s, "smmu_", 5)) ||
	       (n > 7 && !memcmp(s, "smmuv3_", 7));
	if (!smmu) {
		/* Another QEMU event (or an unrelated -d message). */
		im->st.skipped++;
		return 0;
	}
	im->smmu_lines++;
	ev = find_event(s, n);
	if (!ev)
		return sm_import_line_err(
		    im, ts + 1,
		    "unknown SMMU trace event '%.*s' for QEMU 7.2%s",
		    (int)(n > SM_QEMU_NAME_SHOWN ? SM_QEMU_NAME_SHOWN : n), s,
		    expect_tail);
	bad = 0;
	if (n >= len || !sm_qemu_match_fmt(ev->fmt, s + n + 1, len - n - 1,
					   ts + n + 2, caps, &bad))
		return sm_import_line_err(
		    im, n >= len ? ts + n + 1 : ts + n + 2 + bad,
		    "event '%s' does not have QEMU 7.2's "
		    "format (expected: '%s %s')%s",
		    ev->name, ev->name, ev->fmt, expect_tail);
	*evp = ev;
	return 0;
}
