#!/bin/sh
# Resource bounds and the clock (issue 8): one short trace line must not run
# for minutes, exhaust the host's memory or wrap the simulated clock.  Each
# case is a bad input refused with exit 2 and its FILE:LINE:COLUMN message,
# or a valid input that stays cheap because the model walks only what
# exists.  No case is timed: the work is bounded, so a regression that runs
# away shows up as the suite's timeout, not as a flaky threshold.  TAP.
# usage: bounds.sh SMMUSIM
set -u
# shellcheck source=tests/tap.sh
. "$(dirname "$0")/tap.sh"
S=$1

# case NAME WANT_EXIT PATTERN TRACE_BODY [smmusim options...]: the trace is
# the header then TRACE_BODY (printf escapes); PATTERN is a fixed string
# looked for in stderr (empty: none).
case_() {
	name=$1 want=$2 pat=$3 body=$4
	shift 4
	# shellcheck disable=SC2059
	printf "smmusim-trace 1\n$body\n" >"$tmp/t.trace"
	"$S" replay "$tmp/t.trace" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	check_exit "$name" "$want" "$pat" -F "$tmp/err"
}

MM='mm_create mm=1'
T=t.trace

# ---- sim.max_event_pages: the work of one event ----
case_ "touch of 2^36 pages is refused" 2 \
	"$T:3:1: touch: len=0xfffffffff000 touches 68719476735 pages; one event may touch 1..65536 (sim.max_event_pages)" \
	"$MM\ntouch mm=1 va=0x1000 len=0xfffffffff000"
case_ "touch: the bound is the key's" 2 \
	"touches 5 pages; one event may touch 1..4 (sim.max_event_pages)" \
	"$MM\nmmap mm=1 va=0x400000 len=64K prot=rw\ntouch mm=1 va=0x400800 len=16K" \
	-o sim.max_event_pages=4
case_ "touch of exactly the bound runs" 0 "" \
	"$MM\nmmap mm=1 va=0x400000 len=64K prot=rw\ntouch mm=1 va=0x400000 len=16K" \
	-o sim.max_event_pages=4
case_ "shared mmap of 128 TiB is refused (its page cache)" 2 \
	"$T:3:1: mmap: map=shared over 34359738368 pages; a shared mapping may have 1..65536 pages (sim.max_event_pages" \
	"$MM\nmmap mm=1 va=0 len=0x800000000000 prot=rw map=shared"
case_ "private mmap of 128 TiB is only a VMA" 0 "" \
	"$MM\nmmap mm=1 va=0 len=0x800000000000 prot=rw\ntouch mm=1 va=0x7ffffffff000 len=4K"
case_ "munmap, madvise, reclaim, mprotect of 128 TiB walk only what exists" 0 "" \
	"$MM\nmmap mm=1 va=0 len=0x800000000000 prot=rw\ntouch mm=1 va=0x1000 len=8K\ntouch mm=1 va=0x7ffffffff000 len=4K\nreclaim mm=1 va=0 len=0x800000000000\nmadvise mm=1 va=0 len=0x800000000000 advice=dontneed\nmprotect mm=1 va=0 len=0x800000000000 prot=r\nmunmap mm=1 va=0 len=0x800000000000\nmm_exit mm=1"
case_ "iommu_map of 2^36 pages is refused" 2 \
	"$T:3:1: iommu_map: len=0x1000000000 needs more than 65536 descriptors; one event may write 1..65536 (sim.max_event_pages)" \
	"domain_create dom=1\niommu_map dom=1 va=0 len=64G pa=0x40000000"
case_ "iommu_map counts descriptors: a 1 GiB stage-2 block is one" 0 "" \
	"domain_create dom=1 stage=2\niommu_map dom=1 va=0x40000000 len=1G pa=0x40000000" \
	-o sim.max_event_pages=1
case_ "iommu_unmap of 2^48 bytes walks only the tables" 0 "" \
	"domain_create dom=1\niommu_map dom=1 va=0x1000 len=8K\niommu_unmap dom=1 va=0 len=0x1000000000000"
case_ "iommu_unmap of part of a block is still refused" 2 \
	"unmaps part of the 2 MiB block at 0x200000" \
	"domain_create dom=1 stage=2\niommu_map dom=1 va=0x200000 len=2M pa=0x40200000\niommu_unmap dom=1 va=0 len=0x201000"
case_ "sim.max_event_pages=0 is refused" 2 "sim.max_event_pages" \
	"$MM" -o sim.max_event_pages=0

# ---- the clock: no event starts past 2^62, nothing wraps ----
case_ "@2^64-1 is refused" 2 \
	"$T:2:23: @18446744073709551615 is out of range (0..4611686018427387904: the last start cycle, 2^62)" \
	"@18446744073709551615 $MM"
case_ "+2^64-1 is refused, not wrapped" 2 \
	"$T:2:23: +18446744073709551615 after the previous event's end (cycle " \
	"+18446744073709551615 $MM"
case_ "@2^62 runs; the next event would start past it" 2 \
	"$T:3:1: +0 after the previous event's end (cycle 4611686018427388" \
	"@4611686018427387904 $MM\nmm_create mm=2"
case_ "an @N far in the future runs" 0 "" \
	"@4611686018427380000 $MM\nmmap mm=1 va=0x400000 len=8K prot=rw\ntouch mm=1 va=0x400000 len=8K"

# ---- sim.max_host_memory: the host memory of one simulator ----
# (Caps of 2 MiB, not the 1 MiB minimum: the default configuration takes
# about 1 MB when made, and these cases are about what comes after.)
T256="touch mm=1 va=0x%x0000000 len=256M"
BIG="$MM\nmmap mm=1 va=0x10000000 len=768M prot=rw\n$(printf "$T256\\n$T256\\n$T256" 1 2 3)"
case_ "768 MiB touched: the frame table passes a 2 MiB cap" 2 \
	": touch: host memory limit reached: " "$BIG" \
	-o sim.max_host_memory=2M
case_ "the cap's message names the key and its range" 2 \
	"sim.max_host_memory=2097152 (allowed 1048576..281474976710656 bytes)" \
	"$BIG" -o sim.max_host_memory=2M
case_ "the same under the default cap" 0 "" "$BIG"
case_ "tables too large for the cap are refused, not allocated" 2 \
	"sim.max_host_memory=268435456" "$MM" \
	-o cpu.tlb.entries=1048576 -o cpu.tlb.ways=1
case_ "a cap below what the configuration needs refuses it when made" 2 \
	"would pass sim.max_host_memory=1048576" "$MM" \
	-o sim.max_host_memory=1M -o cpu.tlb.entries=16380
# A comment line of 4 MiB under a 2 MiB cap: the reader's line buffer is
# refused, and the message names the line and then the cap.
{
	printf 'smmusim-trace 1\n#'
	head -c 4194304 /dev/zero | tr '\0' x
	printf '\n'
} >"$tmp/long.trace"
"$S" replay "$tmp/long.trace" -o sim.max_host_memory=2M >/dev/null 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 2 ] && grep -qF "long.trace:2:1: out of memory reading a line" "$tmp/err" &&
	grep -qF "would pass sim.max_host_memory=2097152" "$tmp/err"; then
	ok "a line longer than the cap allows names the cap"
else
	bad_err "a line longer than the cap allows names the cap (exit $rc)" 3
fi
# An SVA munmap of 2^19 pages invalidated page by page at the SMMU
# (linux-6.5 without RIL: 2^19 TLBI commands queued at once) stays under
# the default cap: the command queue keeps each pending command in a few
# words (a 160-byte decoded copy per command once needed 336 MB here).
sh "$(dirname "$0")/../tools/study-trace.sh" smmu 524288 64 flush \
	>"$tmp/smmu-big.trace"
"$S" replay "$tmp/smmu-big.trace" --policy linux-6.5 -o smmu.ril=off \
	-o cpu.feat_tlbirange=on -q >"$tmp/out" 2>"$tmp/err"
rc=$?
check_exit "2^19 per-page SMMU invalidations fit the default cap" 0 "" \
	-F "$tmp/err"
case_ "1 TiB of simulated RAM costs only what is used" 0 "" \
	"$MM\nmmap mm=1 va=0x400000 len=64K prot=rw\ntouch mm=1 va=0x400000 len=64K" \
	-o mem.size=1099511627776 -o sim.max_host_memory=16M

tap_done
