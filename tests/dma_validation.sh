#!/bin/sh
# The kernel model's DMA API against a real driver (issue 9): import the
# guest's own ftrace of its DMA API calls with the QEMU log of the same run,
# replay under the kernel's preset on QEMU 7.2's hardware, and expect the
# commands the real arm-smmu-v3 driver sent and QEMU's IOTLB counts
# (traces/real/linux-ftrace/README.md counted them by grep).  The
# kernel model, not the log, chooses every invalidation: the imported trace
# has no `cmd` line.  The strict/lazy mode is the user's choice, as
# iommu.strict is.  TAP output.
# usage: dma_validation.sh SMMUSIM FTRACE_DIR
set -u
# shellcheck source=tests/tap.sh
. "$(dirname "$0")/tap.sh"
S=$1
D=$2

require_dir "$D" "ftrace captures (traces/real/linux-ftrace)"

# check RUN JSON CONDITION...: each CONDITION is STAT=V (exact) or
# STAT~V:PCT (within PCT percent of V), as stats_check reads them.
check() {
	run=$1 json=$2
	shift 2
	if stats_check "$json" "$@" >"$tmp/why"; then
		ok "$run: $*"
	else
		bad "$run: $(cat "$tmp/why")"
	fi
}

# run NAME KERNEL MODE CONDITION...: NAME+log imports with the QEMU log's
# translations merged in, NAME alone the ftrace only (the commands are the
# kernel model's either way).
run() {
	name=$1 kernel=$2 mode=$3
	shift 3
	f="$D/${name%+log}"
	withlog=""
	[ "$name" != "${name%+log}" ] && withlog="--qemu-log $f.qemu.log.xz"
	# shellcheck disable=SC2086
	if ! "$S" import ftrace "$f.ftrace.xz" $withlog \
		-o "$tmp/$name.trace" 2>"$tmp/err"; then
		bad "import $name: $(head -1 "$tmp/err")"
		return
	fi
	if ! "$S" replay "$tmp/$name.trace" --policy "$kernel" --hw qemu-7.2 \
		-o policy.dma.mode="$mode" --format json \
		--out "$tmp/$name.json" 2>"$tmp/err"; then
		bad "replay $name: $(head -1 "$tmp/err")"
		return
	fi
	check "$name --policy $kernel, $mode" "$tmp/$name.json" "$@"
}

# The ftrace alone: the commands the real driver sent, set-up included.
run linux61-ddmix-strict linux-6.1 strict \
	smmu.cmd.tlbi_nh_va=21131 smmu.cmd.sync=21109 smmu.cmd.tlbi_nh_asid=2
run linux61-ddmix-lazy linux-6.1 lazy \
	smmu.cmd.tlbi_nh_va=0 smmu.cmd.tlbi_nh_asid~197:5
# Strict: every unmap -> its RIL-split TLBI_NH_VA batch + CMD_SYNC; set-up
# (probe, two attaches) as the kernel does them; QEMU's IOTLB exactly.
run linux61-ddmix-strict+log linux-6.1 strict \
	smmu.cmd.tlbi_nh_va=21131 smmu.cmd.sync=21109 smmu.cmd.tlbi_nh_asid=2 \
	smmu.cmd.cfgi_ste=4 smmu.cmd.cfgi_ste_range=1 \
	smmu.cmd.prefetch_config=2 smmu.cmd.tlbi_nsnh_all=1 \
	smmu.iotlb.hits=23492 smmu.iotlb.misses=26275 \
	check.violations.stale-translation=0
# Lazy: no per-unmap invalidation; the flush queues' timer and full flushes
# (the model decides when) -> TLBI_NH_ASID + CMD_SYNC each.
run linux61-ddmix-lazy+log linux-6.1 lazy \
	smmu.cmd.tlbi_nh_va=0 smmu.cmd.tlbi_nh_asid~197:5 \
	smmu.iotlb.hits~21028:1 smmu.iotlb.misses~26723:1 \
	check.violations.stale-translation=0
# 6.12: the CD written with CFGI_CD, the direct-mapping flush before attach.
run linux612-ddmix-strict+log linux-6.12 strict \
	smmu.cmd.tlbi_nh_va=17486 smmu.cmd.sync=17450 smmu.cmd.tlbi_nh_asid=2 \
	smmu.cmd.cfgi_cd=4 smmu.cmd.cfgi_ste=4 smmu.cmd.cfgi_ste_range=1 \
	smmu.cmd.prefetch_config=2 smmu.cmd.tlbi_nsnh_all=1 \
	smmu.iotlb.hits=19827 smmu.iotlb.misses=26309 \
	check.violations.stale-translation=0
run linux612-ddmix-lazy+log linux-6.12 lazy \
	smmu.cmd.tlbi_nh_va=0 smmu.cmd.tlbi_nh_asid~196:5 \
	smmu.iotlb.hits~20351:1 smmu.iotlb.misses~26778:1 \
	check.violations.stale-translation=0

tap_done
