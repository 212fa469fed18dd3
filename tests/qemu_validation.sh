#!/bin/sh
# Cross-validation against QEMU 7.2's own counts (issue 4): import the real
# Linux 6.1 logs (traces/real/qemu), replay them on the qemu-7.2 hardware preset, and expect
# QEMU's IOTLB hits and misses exactly.  Also the importer's and the
# simulator's answers to bad input.  TAP output.
# usage: qemu_validation.sh SMMUSIM QEMU_LOG_DIR
set -u
# shellcheck source=tests/tap.sh
. "$(dirname "$0")/tap.sh"
S=$1
Q=$2

require_dir "$Q" "QEMU logs (traces/real/qemu)"

for mode in strict:2192:7154 lazy:1938:7238; do
	m=${mode%%:*}
	rest=${mode#*:}
	want_h=${rest%%:*}
	want_m=${rest#*:}
	log="$Q/linux61-virtio-blk-$m.log.xz"
	if "$S" import qemu "$log" -o "$tmp/$m.trace" 2>"$tmp/err"; then
		ok "import $m"
	else
		bad "import $m: $(head -1 "$tmp/err")"
		continue
	fi
	if "$S" replay "$tmp/$m.trace" --hw qemu-7.2 --format json \
		--out "$tmp/$m.json" 2>"$tmp/err"; then
		h=$(stat_of "$tmp/$m.json" smmu.iotlb.hits)
		mi=$(stat_of "$tmp/$m.json" smmu.iotlb.misses)
		if [ "$h" = "$want_h" ] && [ "$mi" = "$want_m" ]; then
			ok "$m --hw qemu-7.2: $h hits, $mi misses, as QEMU counted"
		else
			bad "$m --hw qemu-7.2: $h hits, $mi misses (QEMU: $want_h, $want_m)"
		fi
	else
		bad "replay $m: $(head -1 "$tmp/err")"
	fi
	# Our default hardware gives other numbers (docs/validation.md).
	if "$S" replay "$tmp/$m.trace" --format json --out "$tmp/$m-d.json" \
		2>/dev/null; then
		h=$(stat_of "$tmp/$m-d.json" smmu.iotlb.hits)
		if [ "$h" != "$want_h" ]; then
			ok "$m on the default hardware differs ($h IOTLB hits)"
		else
			bad "$m on the default hardware: same hits as QEMU?"
		fi
	else
		bad "replay $m on the default hardware"
	fi
done

# A truncated log: exit 2 naming the line.
xz -dc "$Q/linux61-virtio-blk-strict.log.xz" | head -c 200000 >"$tmp/cut.log"
refused "truncated log: exit 2 with the line" \
	"cut.log:[0-9][0-9]*:[0-9][0-9]*: truncated" \
	"$S" import qemu "$tmp/cut.log" -o "$tmp/cut.trace"
# The real log with one foreign but well-formed line: ASID 0 would become
# a domain_create that picks another ASID, so the import stops there with
# LOG:LINE:COLUMN and exit 2 (issue 8).
{ xz -dc "$Q/linux61-virtio-blk-strict.log.xz" | head -n 1000
  printf 'smmu_iotlb_lookup_miss IOTLB cache MISS asid=0 addr=0x1000 hit=0 miss=1 hit rate=0\n'
} >"$tmp/asid0.log"
refused "ASID 0: exit 2 at LOG:LINE:COLUMN" \
	"asid0.log:1001:46: asid=0 is out of range" \
	"$S" import qemu "$tmp/asid0.log" -o "$tmp/asid0.trace"
# A truncated .xz stream.
head -c 30000 "$Q/linux61-virtio-blk-strict.log.xz" >"$tmp/cut.log.xz"
refused "truncated .xz: exit 2" "truncated xz data" \
	"$S" import qemu "$tmp/cut.log.xz" -o "$tmp/cut2.trace"
# A QEMU 8-style event format is refused, naming the event and the version.
printf 'smmu_iotlb_lookup_hit IOTLB cache HIT asid=2 vmid=0 addr=0xffffb000 hit=1 miss=1 hit rate=50\n' >"$tmp/q8.log"
"$S" import qemu "$tmp/q8.log" -o "$tmp/q8.trace" 2>"$tmp/err"
rc=$?
if [ $rc -eq 2 ] && grep -q "q8.log:1:" "$tmp/err" &&
	grep -q "smmu_iotlb_lookup_hit" "$tmp/err" && grep -q "7.2" "$tmp/err"; then
	ok "foreign format: exit 2 naming the event and QEMU 7.2"
else
	bad "foreign format: exit $rc: $(head -1 "$tmp/err")"
fi
# An illegal command in a trace: CERROR_ILL, acknowledged, no crash.
printf 'smmusim-trace 1\ncmd op=0x7f\ncmd op=tlbi_nh_va asid=1 addr=0x1000 tg=1\ncmd op=sync\n' >"$tmp/ill.trace"
if "$S" replay "$tmp/ill.trace" --format json --out "$tmp/ill.json" 2>"$tmp/err" &&
	[ "$(stat_of "$tmp/ill.json" smmu.cmdq.errors)" = 2 ] &&
	[ "$(stat_of "$tmp/ill.json" smmu.cmd.sync)" -ge 1 ]; then
	ok "illegal commands: CERROR_ILL twice, the queue goes on"
else
	bad "illegal commands: $(head -1 "$tmp/err")"
fi

tap_done
