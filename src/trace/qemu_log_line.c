/* SPDX-License-Identifier: MIT */
/*
 * QEMU 7.2's SMMU trace events and the strict parser of one log line.
 *
 * QEMU's "log" trace backend writes one line per event, "NAME ARGS\n" (or
 * "PID@SEC.USEC:NAME ARGS\n" with -msg timestamp=on), ARGS being the event's
 * printf format from hw/arm/trace-events.  Every SMMU event of QEMU 7.2
 * (the smmu-common.c and smmuv3.c sections of hw/arm/trace-events) is
 * listed in qemu72_events[] below with that format, written in a small
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

/* hw/arm/trace-events of QEMU 7.2 (smmu-common.c and smmuv3.c sections). */
static const struct sm_qemu_event qemu72_events[] = {
    /* smmu-common.c */
    {"smmu_add_mr", "%s", EK_IGNORE},
    {"smmu_ptw_level",
     "level=%d iova=0x%x subpage_sz=0x%x baseaddr=0x%x offset=%d => pte=0x%x",
     EK_IGNORE},
    {"smmu_ptw_invalid_pte",
     "stage=%d level=%d base@=0x%x pte@=0x%x offset=%d pte=0x%x", EK_IGNORE},
    {"smmu_ptw_page_pte",
     "stage=%d level=%d iova=0x%x base@=0x%x pte@=0x%x pte=0x%x "
     "page address = 0x%x",
     EK_PAGE_PTE},
    {"smmu_ptw_block_pte",
     "stage=%d level=%d base@=0x%x pte@=0x%x pte=0x%x iova=0x%x "
     "block address = 0x%x block size = %d MiB",
     EK_BLOCK_PTE},
    {"smmu_get_pte", "baseaddr=0x%x index=0x%x, pteaddr=0x%x, pte=0x%x",
     EK_IGNORE},
    {"smmu_iotlb_inv_all", "IOTLB invalidate all", EK_INV_ALL},
    {"smmu_iotlb_inv_asid", "IOTLB invalidate asid=%d", EK_INV_ASID},
    {"smmu_iotlb_inv_iova", "IOTLB invalidate asid=%d addr=0x%x", EK_IGNORE},
    {"smmu_inv_notifiers_mr", "iommu mr=%s", EK_IGNORE},
    {"smmu_iotlb_lookup_hit",
     "IOTLB cache HIT asid=%d addr=0x%x hit=%d miss=%d hit rate=%d",
     EK_LOOKUP_HIT},
    {"smmu_iotlb_lookup_miss",
     "IOTLB cache MISS asid=%d addr=0x%x hit=%d miss=%d hit rate=%d",
     EK_LOOKUP_MISS},
    {"smmu_iotlb_insert", "IOTLB ++ asid=%d addr=0x%x tg=%d level=%d",
     EK_INSERT},
    /* smmuv3.c */
    {"smmuv3_read_mmio", "addr: 0x%x val:0x%x size: 0x%x(%d)", EK_IGNORE},
    {"smmuv3_trigger_irq", "irq=%d", EK_IGNORE},
    {"smmuv3_write_gerror", "toggled=0x%x, new GERROR=0x%x", EK_IGNORE},
    {"smmuv3_write_gerrorn", "acked=0x%x, new GERRORN=0x%x", EK_IGNORE},
    {"smmuv3_unhandled_cmd", "Unhandled command type=%d", EK_IGNORE},
    {"smmuv3_cmdq_consume", "prod=%d cons=%d prod.wrap=%d cons.wrap=%d",
     EK_IGNORE},
    {"smmuv3_cmdq_opcode", "<--- %s", EK_OPCODE},
    {"smmuv3_cmdq_consume_out", "prod:%d, cons:%d, prod_wrap:%d, cons_wrap:%d ",
     EK_IGNORE},
    {"smmuv3_cmdq_consume_error", "Error on %s command execution: %d",
     EK_IGNORE},
    {"smmuv3_write_mmio", "addr: 0x%x val:0x%x size: 0x%x(%d)", EK_IGNORE},
    {"smmuv3_record_event", "%s sid=0x%x", EK_IGNORE},
    {"smmuv3_find_ste", "sid=0x%x features:0x%x, sid_split:0x%x", EK_IGNORE},
    {"smmuv3_find_ste_2lvl",
     "strtab_base:0x%x l1ptr:0x%x l1_off:0x%x, l2ptr:0x%x l2_off:0x%x "
     "max_l2_ste:%d",
     EK_IGNORE},
    {"smmuv3_get_ste", "STE addr: 0x%x", EK_IGNORE},
    {"smmuv3_translate_disable",
     "%s sid=0x%x bypass (smmu disabled) iova:0x%x is_write=%d",
     EK_XLATE_BYPASS},
    {"smmuv3_translate_bypass", "%s sid=0x%x STE bypass iova:0x%x is_write=%d",
     EK_XLATE_BYPASS},
    {"smmuv3_translate_abort", "%s sid=0x%x abort on iova:0x%x is_write=%d",
     EK_XLATE_FAIL},
    {"smmuv3_translate_success",
     "%s sid=0x%x iova=0x%x translated=0x%x perm=0x%x", EK_XLATE_OK},
    {"smmuv3_get_cd", "CD addr: 0x%x", EK_IGNORE},
    {"smmuv3_decode_cd", "oas=%d", EK_IGNORE},
    {"smmuv3_decode_cd_tt", "TT[%d]:tsz:%d ttb:0x%x granule_sz:%d had:%d",
     EK_DECODE_TT},
    {"smmuv3_cmdq_cfgi_ste", "streamid= 0x%x", EK_CFGI_STE},
    {"smmuv3_cmdq_cfgi_ste_range", "start=0x%x - end=0x%x", EK_CFGI_STE_RANGE},
    {"smmuv3_cmdq_cfgi_cd", "sid=0x%x", EK_CFGI_CD},
    {"smmuv3_config_cache_hit",
     "Config cache HIT for sid=0x%x (hits=%d, misses=%d, hit rate=%d)",
     EK_CONFIG},
    {"smmuv3_config_cache_miss",
     "Config cache MISS for sid=0x%x (hits=%d, misses=%d, hit rate=%d)",
     EK_CONFIG},
    {"smmuv3_s1_range_inval",
     "vmid=%d asid=%d addr=0x%x tg=%d num_pages=0x%x ttl=%d leaf=%d",
     EK_RANGE_INVAL},
    {"smmuv3_cmdq_tlbi_nh", "", EK_TLBI_NH},
    {"smmuv3_cmdq_tlbi_nh_asid", "asid=%d", EK_TLBI_NH_ASID},
    {"smmuv3_config_cache_inv", "Config cache INV for sid=0x%x", EK_IGNORE},
    {"smmuv3_notify_flag_add", "ADD SMMUNotifier node for iommu mr=%s",
     EK_IGNORE},
    {"smmuv3_notify_flag_del", "DEL SMMUNotifier node for iommu mr=%s",
     EK_IGNORE},
    {"smmuv3_inv_notifiers_iova",
     "iommu mr=%s asid=%d iova=0x%x tg=%d num_pages=0x%x", EK_IGNORE},
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

/* Length of a "PID@SEC.USEC:" prefix (-msg timestamp=on), or 0. */
static size_t timestamp_len(const char *s, size_t len)
{
	size_t p = 0;

	while (p < len && is_digit(s[p]))
		p++;
	if (p == 0 || p >= len || s[p] != '@')
		return 0;
	p++;
	if (p >= len || !is_digit(s[p]))
		return 0;
	while (p < len && is_digit(s[p]))
		p++;
	if (p >= len || s[p] != '.')
		return 0;
	p++;
	if (p >= len || !is_digit(s[p]))
		return 0;
	while (p < len && is_digit(s[p]))
		p++;
	if (p >= len || s[p] != ':')
		return 0;
	return p + 1;
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

/* %x: 1 to 16 lower-case hex digits. */
static bool match_hex(const char *s, size_t len, size_t *pp,
		      struct sm_qemu_cap *cap)
{
	size_t p = *pp, start = p;
	uint64_t v = 0;

	while (p < len) {
		char c = s[p];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else
			break;
		if (p - start >= 16)
			return false;
		v = v << 4 | d;
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

/* Match s[0..len) against fmt exactly; fills caps in order.  False on any
 * difference, including text left over on either side. */
static bool match_fmt(const char *fmt, const char *s, size_t len,
		      struct sm_qemu_cap *caps)
{
	size_t p = 0;
	int nc = 0;

	while (*fmt) {
		bool ok;

		if (fmt[0] != '%') {
			if (p >= len || s[p] != *fmt)
				return false;
			p++;
			fmt++;
			continue;
		}
		if (nc >= SM_QEMU_MAX_CAPS)
			return false;
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
	return p == len;
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
	size_t n, ts;
	bool smmu;

	*evp = NULL;
	ts = timestamp_len(s, len);
	s += ts;
	len -= ts;
	n = name_len(s, len);
	if (n == 0 || (n < len && s[n] != ' '))
		return sm_import_line_err(im, "not a QEMU trace log line "
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
		    im, "unknown SMMU trace event '%.*s' for QEMU 7.2%s",
		    (int)(n > SM_QEMU_NAME_SHOWN ? SM_QEMU_NAME_SHOWN : n), s,
		    expect_tail);
	if (n >= len || !match_fmt(ev->fmt, s + n + 1, len - n - 1, caps))
		return sm_import_line_err(im,
					  "event '%s' does not have QEMU 7.2's "
					  "format (expected: '%s %s')%s",
					  ev->name, ev->name, ev->fmt,
					  expect_tail);
	*evp = ev;
	return 0;
}
