#!/bin/sh
# One trace of the range-vs-ASID study (docs/study.md), on stdout.
#
#   tools/study-trace.sh cpu  PAGES HOT flush|refill
#   tools/study-trace.sh smmu PAGES HOT flush|refill
#
# `smmusim sweep --set` sweeps configuration keys, not trace contents, so
# the size of the flush is a parameter of this generator: tools/study.sh
# writes one trace per size and sweeps them all.
#
# cpu: a process maps HOT pages it keeps using (its "hot set") and a
# region of PAGES pages.  CPU 0 writes the hot set (faulting it in) and
# CPUs 1-3 read it, so every PE's TLB holds it; CPU 0 writes the first and
# the last page of the region, then, at cycle 100000000 (`@`, so that the
# flush starts at a known cycle whatever came before), mprotect()s the
# whole region read-only: change_protection's mmu_gather flushes the span
# from the first to the last PTE it changed, the same flush as for a fully
# populated region (bench/cpu-flush-cost checks that), without the cost of
# faulting millions of pages in.  Nothing follows in the `flush` trace, so
# the run's cycles minus 100000000 is the mprotect's duration.  The
# `refill` trace goes on: each of the four PEs reads its hot set again.
# If the flush was ASID-wide (flush_tlb_mm, TLBI ASIDE1IS) the hot set is
# gone from every PE's TLB and each read walks; after a per-page or range
# flush it still hits.  The difference of the two traces' cycles and walks
# is the refill cost.
#
# smmu: the same process is bound to a device (sid 0x10, ssid 1: SVA).
# CPU 0 writes the hot set and both ends of the region; the device reads
# every hot page and both ends (its IOTLB holds them); at cycle 100000000
# the process munmap()s the region: the CPU flush, and the SMMU's
# invalidation through the mmu notifier (arm_smmu_mm_invalidate_range in
# 6.1/6.5, arm_smmu_mm_arch_invalidate_secondary_tlbs from 6.6).  The
# `refill` trace then has the device read its hot set again: after a
# TLBI_NH_ASID those reads miss the IOTLB and walk.
#
# Addresses: the hot set at 0x10000000, the region at 0x1000000000
# (64 GiB), up to 2^21 pages (8 GiB: MAX_TLBI_RANGE_PAGES).
set -eu

usage() {
	echo "usage: study-trace.sh cpu|smmu PAGES HOT flush|refill" >&2
	exit 2
}
[ $# -eq 4 ] || usage
side=$1 pages=$2 hot=$3 kind=$4
case $side in cpu | smmu) ;; *) usage ;; esac
case $kind in flush | refill) ;; *) usage ;; esac
case $pages in '' | *[!0-9]*) usage ;; esac
case $hot in '' | *[!0-9]*) usage ;; esac
if [ "$pages" -lt 1 ] || [ "$pages" -gt 2097152 ] || [ "$hot" -lt 1 ] ||
	[ "$hot" -gt 4096 ]; then
	echo "study-trace.sh: PAGES must be 1..2097152 and HOT 1..4096" >&2
	exit 2
fi

T0=100000000
HOT_VA=$((0x10000000))
BASE=$((0x1000000000))
len=$((pages * 4096))
last=$((BASE + len - 4096))
hlen=$((hot * 4096))

# dev_reads FIRST COUNT: the device reads COUNT pages from FIRST.
dev_reads() {
	i=0
	while [ "$i" -lt "$2" ]; do
		printf 'dev_access sid=0x10 ssid=1 va=0x%x op=r\n' \
			$(($1 + i * 4096))
		i=$((i + 1))
	done
}

echo "smmusim-trace 1"
echo "# tools/study-trace.sh $side $pages $hot $kind (docs/study.md)"
echo "mm_create mm=1"
printf 'mmap mm=1 va=0x%x len=%d prot=rw\n' "$HOT_VA" "$hlen"
printf 'mmap mm=1 va=0x%x len=%d prot=rw\n' "$BASE" "$len"
[ "$side" = smmu ] && echo "bind sid=0x10 ssid=1 mm=1"
printf 'touch mm=1 va=0x%x len=%d op=w cpu=0\n' "$HOT_VA" "$hlen"
if [ "$side" = cpu ]; then
	for c in 1 2 3; do
		printf 'touch mm=1 va=0x%x len=%d op=r cpu=%d\n' \
			"$HOT_VA" "$hlen" "$c"
	done
fi
printf 'touch mm=1 va=0x%x len=4096 op=w cpu=0\n' "$BASE"
[ "$pages" -gt 1 ] &&
	printf 'touch mm=1 va=0x%x len=4096 op=w cpu=0\n' "$last"
if [ "$side" = smmu ]; then
	dev_reads "$HOT_VA" "$hot"
	dev_reads "$BASE" 1
	[ "$pages" -gt 1 ] && dev_reads "$last" 1
	printf '@%d munmap mm=1 va=0x%x len=%d cpu=0\n' "$T0" "$BASE" "$len"
	[ "$kind" = refill ] && dev_reads "$HOT_VA" "$hot"
else
	printf '@%d mprotect mm=1 va=0x%x len=%d prot=r cpu=0\n' \
		"$T0" "$BASE" "$len"
	if [ "$kind" = refill ]; then
		for c in 0 1 2 3; do
			printf 'touch mm=1 va=0x%x len=%d op=r cpu=%d\n' \
				"$HOT_VA" "$hlen" "$c"
		done
	fi
fi
exit 0
