#!/bin/sh
# The range-vs-ASID study of docs/study.md: every table of that page, made
# by `smmusim sweep` over generated and imported traces, and its plots.
#
#   sh tools/study.sh [--quick] [--out DIR] [--smmusim BIN] [-j N] [--hot H]
#   sh tools/study.sh --plot [--out DIR]
#
# The first form writes the tables (default DIR: docs/study):
#
#   DIR/cpu.csv         CPU side: an mprotect() of N pages under range,
#                       per-page and ASID-wide flushing, per kernel preset
#   DIR/smmu.csv        SMMU side: an SVA munmap() of N pages under RIL,
#                       per-page and ASID-wide invalidation, per preset
#   DIR/dma.csv         strict vs lazy DMA unmaps on the real Linux 6.1 and
#                       6.12 captures of traces/real/linux-ftrace
#   DIR/crossovers.csv  where ASID-wide becomes cheaper, from cpu/smmu.csv
#   DIR/sweeps/         the sweeps' spec files and their raw tables (one row
#                       per run, with version, revision, command, trace
#                       sha256: docs/sweeps.md), xz-compressed
#
# --quick runs 3 sizes, 2 presets and one real capture (tests/study.sh).
# The traces are made in a scratch folder and the sweeps run there, so the
# raw tables name them by relative paths (traces/cpu-512-refill.trace):
# the same commands give the same tables, byte for byte, at one revision.
#
# --plot runs gnuplot on DIR's tables (DIR/plots.gp) into DIR/*.svg.  It is
# a separate step so that the tables need nothing but smmusim, sh, awk and
# xz; gnuplot 5 is needed only for the pictures.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/docs/study
bin=$root/build/smmusim
jobs=2
quick=0
plot=0
hot=64
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1 ;;
	--plot) plot=1 ;;
	--out) out=$2 && shift ;;
	--smmusim) bin=$2 && shift ;;
	-j) jobs=$2 && shift ;;
	--hot) hot=$2 && shift ;;
	*)
		sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//' >&2
		exit 2
		;;
	esac
	shift
done
mkdir -p "$out"
out=$(cd "$out" && pwd)

if [ "$plot" = 1 ]; then
	command -v gnuplot >/dev/null || {
		echo "study.sh: --plot needs gnuplot (apt-get install gnuplot-nox)" >&2
		exit 2
	}
	cp "$root/docs/study/plots.gp" "$out/plots.gp" 2>/dev/null || true
	cd "$out"
	# the presets the tables hold, in their order (--quick has two)
	p=$(awk -F, 'NR > 1 && !seen[$1]++ { printf "%s%s", s, $1; s = " " }' \
		cpu.csv)
	gnuplot -e "presets='$p'" plots.gp
	exit 0
fi

bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
[ -x "$bin" ] || {
	echo "study.sh: no smmusim at $bin (build first: ninja -C build)" >&2
	exit 2
}

# The grid.  Sizes: 1-4, then two per octave (2^k, 1.5 x 2^k) up to 2^21,
# with the neighbours of Linux's switch points (MAX_TLBI_OPS = 512,
# CMDQ_MAX_TLBI_OPS = 512, MAX_TLBI_RANGE_PAGES = 2^21).
if [ "$quick" = 1 ]; then
	sizes="1 16 600"
	presets="linux-6.1 linux-6.15"
	captures="linux61-ddmix-strict"
else
	sizes="1 2 3 4 6 8 12 16 24 32 48 64 96 128 192 256 384 511 512 513
768 1024 1536 2048 3072 4096 6144 8192 12288 16384 24576 32768 49152 65536
98304 131072 196608 262144 393216 524288 786432 1048576 1572864 2097151
2097152"
	presets="linux-6.1 linux-6.5 linux-6.6 linux-6.12 linux-6.15"
	captures="linux61-ddmix-strict linux61-ddmix-lazy linux612-ddmix-strict
linux612-ddmix-lazy"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/traces" "$out/sweeps"
cd "$work"

# 1. Traces: one flush and one refill trace per side and size.
for n in $sizes; do
	for side in cpu smmu; do
		for kind in flush refill; do
			sh "$root/tools/study-trace.sh" "$side" "$n" "$hot" \
				"$kind" >"traces/$side-$n-$kind.trace"
		done
	done
done
D=$root/traces/real/linux-ftrace
for c in $captures; do
	"$bin" import ftrace "$D/$c.ftrace.xz" --qemu-log "$D/$c.qemu.log.xz" \
		-o "traces/$c.trace" 2>/dev/null
done

# 2. The sweeps.  One spec file per configuration: a config is a set of
# keys over the preset (`--set` with one value is still a column).
# spec NAME SIDE LINES...: write NAME.spec over every trace of SIDE.
spec() {
	name=$1 side=$2
	shift 2
	{
		echo "# docs/study.md: $name (written by tools/study.sh)"
		for n in $sizes; do
			echo "trace   traces/$side-$n-flush.trace"
			echo "trace   traces/$side-$n-refill.trace"
		done
		for p in $presets; do echo "policy  $p"; done
		echo "label   config=${name#*-}"
		for l in "$@"; do echo "$l"; done
	} >"$name.spec"
}
cpu_stats="stat    cpu.tlbi.issued.*
stat    cpu.dsb.ish
stat    cpu.dsb.wait_cycles
stat    cpu.bystander_cycles
stat    cpu.walks
stat    os.flush.flush_tlb_range.cycles
stat    os.flush.flush_tlb_mm.cycles
stat    os.flush.flush_tlb_mm"
smmu_stats="stat    smmu.cmd.tlbi_nh_va
stat    smmu.cmd.tlbi_nh_asid
stat    smmu.cmd.sync
stat    smmu.sync.wait_cycles
stat    smmu.walks
stat    smmu.iotlb.invalidated
stat    cpu.bystander_cycles"
spec cpu-range cpu "set     cpu.feat_tlbirange=on" "$cpu_stats"
spec cpu-linux-norange cpu "set     cpu.feat_tlbirange=off" "$cpu_stats"
# A forced per-page flush of 2^21 pages queues 2^21 TLBIs on CPU 0's
# kernel thread (about 420 MB of host memory, above the default
# sim.max_host_memory of 256 MB): the per-page configs raise the cap.
big="set     sim.max_host_memory=1073741824"
spec cpu-per-page cpu "set     cpu.feat_tlbirange=off" \
	"set     policy.cpu.max_tlbi_ops=2097152" "$big" "$cpu_stats"
spec cpu-asid cpu "set     cpu.feat_tlbirange=off" \
	"set     policy.cpu.max_tlbi_ops=1" "$cpu_stats"
# The SMMU side keeps the CPU on range TLBIs in every config, so that the
# notifier gets the munmap's own range up to 2^21 pages (without them a
# flush of 512 pages or more is flush_tlb_mm, whose hook is (0, -1UL)).
spec smmu-ril smmu "set     cpu.feat_tlbirange=on" \
	"set     smmu.ril=on" "$smmu_stats"
spec smmu-linux-noril smmu "set     cpu.feat_tlbirange=on" \
	"set     smmu.ril=off" "$smmu_stats"
spec smmu-per-page smmu "set     cpu.feat_tlbirange=on" \
	"set     smmu.ril=off" "set     policy.smmu.max_tlbi_ops=2097152" \
	"$big" "$smmu_stats"
spec smmu-asid smmu "set     cpu.feat_tlbirange=on" \
	"set     smmu.ril=off" "set     policy.smmu.max_tlbi_ops=1" \
	"$smmu_stats"
{
	echo "# docs/study.md: strict vs lazy DMA (written by tools/study.sh)"
	for c in $captures; do echo "trace   traces/$c.trace"; done
	echo "set     policy.dma.mode=strict,lazy"
	for s in smmu.cmd.tlbi_nh_va smmu.cmd.tlbi_nh_asid smmu.cmd.sync \
		smmu.sync.wait_cycles os.dma.unmap os.dma.strict_syncs \
		os.dma.fq.flush_timer os.dma.fq.flush_full smmu.iotlb.hits \
		smmu.iotlb.misses check.tolerated_in_window; do
		echo "stat    $s"
	done
} >dma-body
# Each capture replays under the kernel it was taken on.
for k in linux-6.1 linux-6.12; do
	case $k in linux-6.1) pat=linux61- ;; *) pat=linux612- ;; esac
	{
		sed -n '1p' dma-body
		grep "^trace.*$pat" dma-body || true
		echo "policy  $k"
		grep -v '^#' dma-body | grep -v '^trace'
	} >"dma-$k.spec"
	grep -q '^trace' "dma-$k.spec" || rm "dma-$k.spec"
done
rm dma-body

for s in *.spec; do
	name=${s%.spec}
	"$bin" sweep --spec "$s" -j "$jobs" -q --out "$name.csv"
done

# 3. The derived tables (the lists on one line each for awk -v).
# shellcheck disable=SC2086,SC2116
sizes=$(echo $sizes) presets=$(echo $presets)
awk -v T0=100000000 -v sizes="$sizes" -v presets="$presets" \
	-f "$root/tools/study-tables.awk" -v what=cpu \
	cpu-range.csv cpu-linux-norange.csv cpu-per-page.csv cpu-asid.csv \
	>"$out/cpu.csv"
awk -v T0=100000000 -v sizes="$sizes" -v presets="$presets" \
	-f "$root/tools/study-tables.awk" -v what=smmu \
	smmu-ril.csv smmu-linux-noril.csv smmu-per-page.csv smmu-asid.csv \
	>"$out/smmu.csv"
awk -f "$root/tools/study-tables.awk" -v what=dma dma-*.csv >"$out/dma.csv"
awk -f "$root/tools/study-tables.awk" -v what=crossovers -v side=cpu \
	-v presets="$presets" "$out/cpu.csv" >"$out/crossovers.csv"
awk -f "$root/tools/study-tables.awk" -v what=crossovers -v side=smmu \
	-v presets="$presets" -v header=0 "$out/smmu.csv" \
	>>"$out/crossovers.csv"

# The raw tables and their specs, for anyone who wants every column.
rm -f "$out"/sweeps/*.spec "$out"/sweeps/*.csv.xz
for s in *.spec; do
	cp "$s" "$out/sweeps/"
	xz -9 -c "${s%.spec}.csv" >"$out/sweeps/${s%.spec}.csv.xz"
done
echo "study.sh: tables in $out (plots: sh tools/study.sh --plot --out $out)" >&2
