#!/bin/sh
# smmusim import ftrace through the CLI (issue 9): the four shared runs of
# traces/real/linux-ftrace (Linux 6.1 and 6.12, strict and lazy), with
# and without their QEMU logs, against the README's counts (maps, unmaps,
# pages, translations, QEMU's IOTLB hits/misses, invalidation points); the
# trace's header and first lines; exit 2 with FILE:LINE:COL for bad
# options, a cut file and a pairing that does not hold.  TAP output.
# usage: import_ftrace.sh SMMUSIM FTRACE_DIR
set -u
# shellcheck source=tests/tap.sh
. "$(dirname "$0")/tap.sh"
S=$1
D=$2
count() { grep -c "$1" "$2"; }

require_dir "$D" "ftrace files (traces/real/linux-ftrace)"

# run:maps:map_pages:unmaps:unmap_pages:translations:hits:misses:points
for row in \
	linux61-ddmix-strict:21102:25993:21097:25988:49767:23492:26275:21099 \
	linux61-ddmix-lazy:19083:25990:19078:25985:47751:21028:26723:197 \
	linux612-ddmix-strict:17443:26003:17438:25998:46136:19827:26309:17440 \
	linux612-ddmix-lazy:18388:26018:18383:26013:47129:20351:26778:196; do
	IFS=: read -r r maps mp unmaps up xl hits misses points <<EOT
$row
EOT
	t="$tmp/$r.trace"
	if ! "$S" import ftrace "$D/$r.ftrace.xz" -o "$t" 2>"$tmp/err"; then
		bad "import $r: $(head -1 "$tmp/err")"
		continue
	fi
	got="$(count '^@[0-9]* dma_map ' "$t"):$(count '^@[0-9]* dma_unmap ' "$t")"
	if [ "$got" = "$maps:$unmaps" ] &&
		grep -q "^# ftrace: .* maps=$maps map_pages=$mp unmaps=$unmaps unmap_pages=$up " "$t"; then
		ok "$r: $maps dma_map ($mp pages), $unmaps dma_unmap ($up pages)"
	else
		bad "$r: maps:unmaps $got (want $maps:$unmaps)"
	fi
	if [ "$(sed -n 1p "$t")" = "smmusim-trace 1" ] &&
		grep -q '^# clock_hz: 2000000000 ' "$t" &&
		[ "$(grep -v '^#' "$t" | sed -n '2,5p' | sed 's/^@[0-9]* //' | tr '\n' ';')" = \
			"domain_create dom=0;attach sid=0x8 dom=0;domain_create dom=1;attach sid=0x10 dom=1;" ] &&
		[ "$(count ' dom=0 ' "$t")" = 0 ] && [ "$(count '^@[0-9]* dev_access' "$t")" = 0 ]; then
		ok "$r: header, two devices (sid 0x8, 0x10), every map in dom=1"
	else
		bad "$r: header or first lines"
	fi
	if "$S" import ftrace "$D/$r.ftrace.xz" --qemu-log "$D/$r.qemu.log.xz" \
		-o "$t" 2>"$tmp/err" &&
		[ "$(count '^@[0-9]* dev_access sid=0x10 ' "$t")" = "$xl" ] &&
		grep -q "^# qemu: translations=$xl iotlb_hits=$hits iotlb_misses=$misses invalidation_points=$points\$" "$t"; then
		ok "$r + QEMU log: $xl translations, $points invalidation points paired"
	else
		bad "$r + QEMU log: $(head -1 "$tmp/err")"
	fi
	# @N never decreases
	if grep '^@' "$t" | sed 's/^@\([0-9]*\).*/\1/' | sort -n -c 2>/dev/null; then
		ok "$r: times in order"
	else
		bad "$r: times out of order"
	fi
done

# Speed: the 6.1 strict import with its log (docs/performance.md).
start=$(date +%s%N)
"$S" import ftrace "$D/linux61-ddmix-strict.ftrace.xz" \
	--qemu-log "$D/linux61-ddmix-strict.qemu.log.xz" -o "$tmp/s.trace" 2>/dev/null
ms=$((($(date +%s%N) - start) / 1000000))
ok "6.1 strict import with the QEMU log: $ms ms # (measured, not asserted)"

# A pairing that does not hold: one TLBI_NH_VA batch fewer in the log.
xz -dc "$D/linux61-ddmix-strict.qemu.log.xz" | head -n 300 >"$tmp/cut.log"
xz -dc "$D/linux61-ddmix-strict.qemu.log.xz" | sed -n '309,$p' >>"$tmp/cut.log"
refused "a batch missing from the log: exit 2 naming both files' lines" \
	"linux61-ddmix-strict.ftrace.xz:[0-9]*:[0-9]*: .*cut.log" \
	"$S" import ftrace "$D/linux61-ddmix-strict.ftrace.xz" \
	--qemu-log "$tmp/cut.log" -o "$tmp/x.trace"
# The lazy log with the strict ftrace: the kinds differ.
"$S" import ftrace "$D/linux61-ddmix-strict.ftrace.xz" \
	--qemu-log "$D/linux61-ddmix-lazy.qemu.log.xz" -o "$tmp/x.trace" 2>"$tmp/err"
rc=$?
if [ $rc -eq 2 ] && grep -q "lazy.qemu.log.xz:[0-9]*:[0-9]*: " "$tmp/err"; then
	ok "strict ftrace with the lazy log: exit 2 ($(cut -c1-60 "$tmp/err" | head -1)...)"
else
	bad "strict/lazy mix: exit $rc: $(head -1 "$tmp/err")"
fi
# A cut ftrace file: its last line is truncated.
xz -dc "$D/linux61-ddmix-strict.ftrace.xz" | head -c 100000 >"$tmp/cut.ftrace"
refused "a cut ftrace file: exit 2 at its last line" \
	"cut.ftrace:[0-9]*:[0-9]*: truncated line" \
	"$S" import ftrace "$tmp/cut.ftrace" -o "$tmp/x.trace"

# Options.
for args in "--clock-hz 0" "--clock-hz 999" "--clock-hz 1000000000001" "--clock-hz x" \
	"--sid 0000:00:02.0" "--sid =5" "--sid a=0x100000000"; do
	# shellcheck disable=SC2086
	refused "bad option '$args': exit 2" "import ftrace: --" \
		"$S" import ftrace "$D/linux61-ddmix-lazy.ftrace.xz" $args \
		-o "$tmp/x.trace"
done
refused "import qemu refuses the ftrace options" "options of 'import ftrace'" \
	"$S" import qemu "$D/linux61-ddmix-lazy.qemu.log.xz" --qemu-log x \
	-o "$tmp/x.trace"
"$S" import ftrace "$D/linux61-ddmix-lazy.ftrace.xz" --clock-hz 1000000 \
	--sid 0000:00:02.0=0x20 --dma-device 0000:00:02.0 -o "$tmp/o.trace" 2>"$tmp/err"
if [ $? -eq 0 ] && grep -q '^# clock_hz: 1000000 ' "$tmp/o.trace" &&
	grep -q '^@[0-9]* attach sid=0x20 dom=1$' "$tmp/o.trace" &&
	grep -q -- '--sid 0000:00:02.0=0x20' "$tmp/o.trace"; then
	ok "--clock-hz, --sid, --dma-device"
else
	bad "--clock-hz, --sid, --dma-device: $(head -1 "$tmp/err")"
fi
refused "--dma-device of a device never attached: exit 2 at the first map" \
	"ftrace.xz:[0-9]*:1: iommu:map before the attach of the DMA device 0000:00:09.0" \
	"$S" import ftrace "$D/linux61-ddmix-lazy.ftrace.xz" \
	--dma-device 0000:00:09.0 -o "$tmp/o.trace"

tap_done
