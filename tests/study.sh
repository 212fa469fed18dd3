#!/bin/sh
# tools/study.sh, the script behind docs/study.md, in its quick mode (3
# sizes, 2 presets, one real capture) into a scratch folder: it must
# finish, and its tables must have the columns and the rows the page and
# its plots read, with the values that do not depend on assumed latencies
# (TLBI and command counts, which flush Linux chose).  Plotting is a
# separate step (tools/study.sh --plot, gnuplot) and is not run here.
# TAP output.
# usage: study.sh SMMUSIM SOURCE_ROOT
set -u
# shellcheck source=tests/tap.sh
. "$(dirname "$0")/tap.sh"
S=$(realpath "$1")
R=$(realpath "$2")

sh "$R/tools/study.sh" --quick --smmusim "$S" --out "$tmp/out" -j 2 \
	2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ]; then
	ok "tools/study.sh --quick finishes"
else
	bad_err "tools/study.sh --quick: exit $rc"
fi

# header FILE COLUMNS ROWS: FILE's first line is COLUMNS, and it has ROWS
# rows under it.
header() {
	f=$tmp/out/$1
	if [ "$(head -n 1 "$f" 2>/dev/null)" = "$2" ] &&
		[ "$(($(wc -l <"$f") - 1))" -eq "$3" ]; then
		ok "$1: columns and $3 rows"
	else
		bad "$1: columns or rows"
		head -n 1 "$f" 2>/dev/null | sed 's/^/# /'
		echo "# $(($(wc -l <"$f" 2>/dev/null) - 1)) rows, expected $3"
	fi
}
# 2 presets x 4 configs x 3 sizes
header cpu.csv "preset,config,pages,tlbi_page,tlbi_range,tlbi_asid,dsb_ish,flush_cycles,bystander_cycles,mprotect_cycles,refill_walks,retouch_cycles,total_cycles" 24
header smmu.csv "preset,config,pages,tlbi_nh_va,tlbi_nh_asid,cmd_sync,sync_wait_cycles,iotlb_invalidated,bystander_cycles,munmap_cycles,refill_walks,retouch_cycles,total_cycles" 24
# one capture x strict, lazy
header dma.csv "capture,preset,mode,dma_unmaps,strict_syncs,tlbi_nh_va,tlbi_nh_asid,cmd_sync,sync_wait_cycles,fq_flush_timer,fq_flush_full,iotlb_hits,iotlb_misses,tolerated_in_window,violations" 2
# 2 sides x 2 presets x 2 measures x 4 pairs
header crossovers.csv "side,preset,measure,cheaper,than,first_cheaper,cheaper_from,not_cheaper_at,interpolated" 32

# row FILE KEY VALUES NAME: the row of FILE that starts with KEY goes on
# with VALUES (a prefix of the rest of the row).
row() {
	if grep -q "^$2,$3" "$tmp/out/$1"; then
		ok "$4"
	else
		bad "$4"
		grep "^$2," "$tmp/out/$1" | sed 's/^/# /'
	fi
}
# The flushes Linux chose (counts, not cycles): the kernel's own switch
# points, arch/arm64/include/asm/tlbflush.h __flush_tlb_range (MAX_TLBI_OPS)
# and arm-smmu-v3-sva.c (CMDQ_MAX_TLBI_OPS).
row cpu.csv "linux-6.15,per-page,600" "600,0,0,1," \
	"cpu: 600 pages forced per-page: 600 TLBI VALE1IS, one DSB ISH"
row cpu.csv "linux-6.15,linux-norange,600" "0,0,1,1," \
	"cpu: 600 pages without FEAT_TLBIRANGE: flush_tlb_mm (>= 512)"
row cpu.csv "linux-6.15,range,600" "0,2,0,1," \
	"cpu: 600 pages with FEAT_TLBIRANGE: two range TLBIs"
row cpu.csv "linux-6.1,asid,16" "0,0,1,1,250,60,760,256," \
	"cpu: forced ASID: every PE refills its hot set (4 x 64 walks)"
row smmu.csv "linux-6.15,linux-noril,600" "0,1,7," \
	"smmu: 600 pages without RIL: one TLBI_NH_ASID (>= 512)"
row smmu.csv "linux-6.15,ril,600" "2,0," \
	"smmu: 600 pages with RIL: two range TLBI_NH_VA"
row smmu.csv "linux-6.1,per-page,600" "1200,0," \
	"smmu: 6.1 invalidates twice (range_end + the mmu_gather hook)"
row dma.csv "linux61-ddmix-strict,linux-6.1,strict" \
	"21097,21097,21131,2,21109," \
	"dma: 6.1 strict: the real driver's TLBI_NH_VA and CMD_SYNC counts"
row dma.csv "linux61-ddmix-strict,linux-6.1,lazy" "21097,0,0," \
	"dma: lazy: no strict syncs, no TLBI_NH_VA"

n_raw=$(find "$tmp/out/sweeps" -name '*.csv.xz' | wc -l)
n_spec=$(find "$tmp/out/sweeps" -name '*.spec' | wc -l)
if [ "$n_raw" -eq 9 ] && [ "$n_spec" -eq 9 ] &&
	xz -dc "$tmp/out/sweeps/cpu-asid.csv.xz" | head -n 1 |
	grep -q '^point,cpu.feat_tlbirange,policy.cpu.max_tlbi_ops,config,version,revision,command,'; then
	ok "sweeps/: 9 specs and 9 raw tables with provenance"
else
	bad "sweeps/: $n_spec specs, $n_raw raw tables"
fi
tap_done
