#!/bin/bash
# capture.sh - reproducible recipe for the "ddmix" capture: Linux 6.1 arm64 (Debian, unmodified)
# driving QEMU's emulated SMMUv3, recording in ONE guest run both
#   (a) the guest kernel's ftrace of iommu:* tracepoints (map/unmap/attach/add_device_to_group), and
#   (b) QEMU's SMMUv3 trace log (-trace 'smmuv3_*' -trace 'smmu_*').
# Done twice: strict (default) and lazy (iommu.strict=0).
#
# From a fresh Debian 12 (bookworm, amd64) machine, as root:
#     bash capture.sh            # install, fetch, build, run strict + lazy, summarize
# Environment knobs:
#     WORK=./capture-work        work dir (outputs go to $WORK/out)
#     KPKG=linux-image-6.1.0-57-arm64   kernel package (this is the default; if the archive no longer
#                                       has it, what linux-image-arm64:arm64 depends on is used)
#     SKIP_INSTALL=1             do not run apt-get install / dpkg --add-architecture
# Uses guest-init-ddmix.sh next to this script as the guest /init; if absent, the identical copy
# embedded at the end of this file. If pairing.py is next to it and python3 exists, it also writes the
# detailed pairing reports (pairing.py is not in this repository: smmusim's `import ftrace` pairs).
# Wall time: about 5 minutes (each guest run is about 1 minute under TCG).
set -euo pipefail
WL=ddmix
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${WORK:-$PWD/capture-work}
OUT=$WORK/out
mkdir -p "$WORK" "$OUT"
cd "$WORK"

# ---------------------------------------------------------------- 1. packages
if [ "${SKIP_INSTALL:-0}" != 1 ]; then
  dpkg --add-architecture arm64
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y qemu-system-arm busybox-static xz-utils cpio
fi

# ---------------------------------------------------------------- 2. guest kernel + arm64 busybox
# The captures in out/ were made with linux-image-6.1.0-57-arm64 6.1.192-3 (bookworm-security).
# Debian drops superseded kernel ABIs from the archive; if that one is gone, take whatever
# linux-image-arm64:arm64 points to (and say so).
KPKG=${KPKG:-linux-image-6.1.0-57-arm64}
if ! apt-cache show "$KPKG:arm64" >/dev/null 2>&1; then
  NEW=$(apt-cache depends linux-image-arm64:arm64 | awk '/Depends: linux-image-6\.1/{print $2; exit}')
  echo "WARNING: $KPKG not in the archive any more, using ${NEW%:arm64}"
  KPKG=${NEW%:arm64}
fi
echo "kernel package: $KPKG $(apt-cache show "$KPKG:arm64" | awk '/^Version:/{print $2; exit}')"
echo "qemu: $(qemu-system-aarch64 --version | head -1)"
mkdir -p debs
( cd debs
  ls "${KPKG}"_*_arm64.deb >/dev/null 2>&1 || apt-get download "${KPKG}:arm64"
  ls busybox-static_*_arm64.deb >/dev/null 2>&1 || apt-get download busybox-static:arm64 )
rm -rf kpkg bbpkg
dpkg-deb -x debs/"${KPKG}"_*_arm64.deb kpkg
dpkg-deb -x debs/busybox-static_*_arm64.deb bbpkg
KREL=$(ls kpkg/lib/modules)
cp kpkg/boot/vmlinuz-"$KREL" vmlinuz
grep -E '^CONFIG_(ARM_SMMU_V3|IOMMU_DEFAULT_DMA_(STRICT|LAZY)|FTRACE|VIRTIO_BLK|VIRTIO_PCI)=' kpkg/boot/config-"$KREL"

# ---------------------------------------------------------------- 3. initramfs
rm -rf initramfs; mkdir -p initramfs/{bin,mods,proc,sys,dev,tmp}
cp bbpkg/bin/busybox initramfs/bin/busybox
for m in virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk; do
  f=$(find kpkg/lib/modules/"$KREL"/kernel/drivers/virtio kpkg/lib/modules/"$KREL"/kernel/drivers/block \
        -name "$m.ko" -o -name "$m.ko.xz" -o -name "$m.ko.zst" | head -1)
  case "$f" in
    *.xz)  xz -dc "$f" > initramfs/mods/$m.ko ;;
    *.zst) zstd -dc "$f" > initramfs/mods/$m.ko ;;
    *)     cp "$f" initramfs/mods/$m.ko ;;
  esac
done
if [ -f "$HERE/guest-init-$WL.sh" ]; then cp "$HERE/guest-init-$WL.sh" initramfs/init
else sed -n '/^#### BEGIN GUEST INIT$/,/^#### END GUEST INIT$/p' "$0" | sed '1d;$d' > initramfs/init; fi
chmod 755 initramfs/init
[ "$(cd "$OUT" && pwd)" = "$HERE" ] || cp initramfs/init "$OUT/guest-init-$WL.sh"
( cd initramfs && find . | sort | cpio -o -H newc --quiet ) | gzip -9 > initrd.cpio.gz

# ---------------------------------------------------------------- 4. the two captures
# Kernel command line = the one of the previous capture: "console=ttyAMA0 rdinit=/init", plus
# "iommu.strict=0" for lazy. All ftrace set-up is done by the guest /init before the virtio modules
# are loaded (no iommu event fires before that: the virtio-pci devices join their IOMMU groups when
# virtio_pci binds them). Boot-time "trace_buf_size=64M" must NOT be used: at that point of boot the
# deferred struct pages are not initialised yet, the second CPU's ring buffer cannot be allocated
# and the kernel comes up with ONE CPU ("failed to allocate ring buffer on CPU 1").
run_one() {   # $1 = strict|lazy
  local mode=$1 extra=""
  [ "$mode" = lazy ] && extra=" iommu.strict=0"
  dd if=/dev/zero of=disk.img bs=1M count=64 status=none
  rm -f qemu-$mode.log console-$mode.log
  echo "== run $mode: $(date -u +%FT%TZ)"
  local t0=$(date +%s)
  timeout 900 qemu-system-aarch64 -M virt,iommu=smmuv3 -cpu cortex-a57 -smp 2 -m 1024 -nographic \
    -kernel vmlinuz -initrd initrd.cpio.gz \
    -append "console=ttyAMA0 rdinit=/init$extra" \
    -drive file=disk.img,if=none,id=d0,format=raw \
    -device virtio-blk-pci,drive=d0,iommu_platform=on,disable-legacy=on \
    -trace 'smmuv3_*' -trace 'smmu_*' -D qemu-$mode.log \
    < /dev/null > console-$mode.log 2>&1
  echo "   qemu exited after $(( $(date +%s) - t0 )) s"
  tr -d '\r' < console-$mode.log > console-$mode.txt
  awk '/^TRACE END$/{p=0} p{print} /^TRACE BEGIN$/{p=1}' console-$mode.txt > trace-$mode.txt
  grep -E 'TLB invalidation policy|Default domain type|INIT cpus online|Kernel command line' console-$mode.txt | sort -u || true
  grep -E '^OVERRUN' console-$mode.txt || true
  xz -9 -T1 -c trace-$mode.txt > "$OUT/linux61-$WL-$mode.ftrace.xz"
  xz -9 -T1 -c qemu-$mode.log  > "$OUT/linux61-$WL-$mode.qemu.log.xz"
  xz -9 -T1 -c console-$mode.txt > "$OUT/linux61-$WL-$mode.console.txt.xz"
}
run_one strict
run_one lazy

# ---------------------------------------------------------------- 5. quick summary
for mode in strict lazy; do
  echo "== $mode"
  echo "ftrace events:"; grep -v '^#' trace-$mode.txt | grep -oE ' [0-9]+\.[0-9]+: [a-z_]+:' | awk '{print $2}' | sort | uniq -c
  echo "function-trace lines:"; grep -v '^#' trace-$mode.txt | grep -oE ': arm_smmu_[a-z_]+ <-[A-Za-z0-9_.]+' | sort | uniq -c
  grep -oE 'unmapped_size=[0-9]+' trace-$mode.txt | awk -F= '{s+=$2; n++} END{printf "iommu:unmap: %d events, %d bytes unmapped\n", n, s}'
  grep -oE ' map: IOMMU: .* size=[0-9]+' trace-$mode.txt | awk -F'size=' '{s+=$2; n++} END{printf "iommu:map: %d events, %d bytes mapped\n", n, s}'
  echo "SMMU commands by opcode:"; grep -oE 'smmuv3_cmdq_opcode <--- [A-Z_0-9]+' qemu-$mode.log | awk '{print $3}' | sort | uniq -c
  echo "translations: $(grep -c '^smmuv3_translate_success' qemu-$mode.log)"
  echo "range invals: $(grep -c '^smmuv3_s1_range_inval' qemu-$mode.log)  tlbi_nh_asid: $(grep -c '^smmuv3_cmdq_tlbi_nh_asid' qemu-$mode.log)  iotlb_inv_all: $(grep -c '^smmu_iotlb_inv_all' qemu-$mode.log)"
  echo "last IOTLB lookup: $(grep -E '^smmu_iotlb_lookup_(hit|miss)' qemu-$mode.log | tail -1)"
done
# detailed pairing (unmap <-> TLBI_NH_VA+SYNC in strict, flushes <-> TLBI_NH_ASID in lazy), if python3 is there
if command -v python3 >/dev/null && [ -f "$HERE/pairing.py" ]; then
  for mode in strict lazy; do
    python3 "$HERE/pairing.py" trace-$mode.txt qemu-$mode.log $mode | tee "$OUT/pairing-$WL-$mode.md"
  done
fi
exit 0
#### BEGIN GUEST INIT
#!/bin/busybox sh
# Guest /init for the "ddmix" capture (Linux 6.1 arm64 under QEMU virt,iommu=smmuv3).
# 1. mounts proc/sys/devtmpfs/tracefs and sets up ftrace BEFORE the virtio modules are inserted
#    (the virtio-pci devices are added to their IOMMU groups and attached to their DMA domains
#    when virtio_pci binds them, so add_device_to_group/attach_device_to_domain are captured):
#    trace clock "global" (one clock for both vCPUs), 64 MiB buffer per CPU, all iommu:* events,
#    plus the function tracer limited to three functions: arm_smmu_iotlb_sync (arm-smmu-v3's
#    per-unmap TLB sync, strict mode), arm_smmu_flush_iotlb_all (its ASID-wide flush) and
#    fq_flush_iotlb (dma-iommu's flush-queue flush in lazy mode; its caller tells timer
#    "fq_flush_timeout" from full queue "queue_iova"), so the guest-side invalidation points
#    are in the same trace as the map/unmap calls. (The SMMUv2 driver, also built in, has
#    functions of the same two arm_smmu_* names; no SMMUv2 exists here, so they never fire.)
# 2. workload: direct and buffered dd of 4k..1M at pseudo-random (fixed-seed LCG) offsets,
#    reads and writes; every phase and every dd is announced in trace_marker.
# 3. stops tracing, prints per-CPU stats, and prints the trace between "TRACE BEGIN"/"TRACE END".
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
T=/sys/kernel/tracing
if [ ! -e $T/trace ]; then mount -t debugfs nodev /sys/kernel/debug; T=/sys/kernel/debug/tracing; fi
echo "INIT cmdline: $(cat /proc/cmdline)"
echo "INIT cpus online: $(cat /sys/devices/system/cpu/online)"
echo "INIT iommu events: $(ls $T/events/iommu | tr '\n' ' ')"
echo 0 > $T/tracing_on
echo global > $T/trace_clock           # (changing the clock clears the buffer; nothing in it yet)
echo 65536 > $T/buffer_size_kb         # per CPU
for f in arm_smmu_iotlb_sync arm_smmu_flush_iotlb_all fq_flush_iotlb; do echo $f >> $T/set_ftrace_filter; done
[ -n "$(grep -v '^#' $T/set_ftrace_filter)" ] && echo function > $T/current_tracer
echo 1 > $T/events/iommu/enable
echo > $T/trace
echo 1 > $T/tracing_on
echo "INIT tracing_on=$(cat $T/tracing_on) buffer_size_kb=$(cat $T/buffer_size_kb) trace_clock=[$(cat $T/trace_clock)] tracer=$(cat $T/current_tracer)"
echo "INIT set_ftrace_filter: $(grep -v '^#' $T/set_ftrace_filter | tr '\n' ' ')"
echo "INIT set_event: $(cat $T/set_event | tr '\n' ' ')"
M() { echo "PHASE $*" > $T/trace_marker; echo "PHASE $*"; }
# D <dd args...>: announce the dd in the trace, run it, print its last status line
D() { echo "DD $*" > $T/trace_marker; dd "$@" 2>&1 | tail -1; }

M insmod-virtio
for m in virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk; do insmod /mods/$m.ko; done
sleep 1
echo "WORKLOAD START"
dmesg | grep -i -E "smmu|iommu" | head -30
for g in /sys/kernel/iommu_groups/*; do echo "iommu group $g: $(ls $g/devices | tr '\n' ' ') type=$(cat $g/type)"; done
Q=/sys/block/vda/queue
echo "vda: size=$(cat /sys/block/vda/size) max_sectors_kb=$(cat $Q/max_sectors_kb) max_segments=$(cat $Q/max_segments) max_segment_size=$(cat $Q/max_segment_size) read_ahead_kb=$(cat $Q/read_ahead_kb)"
echo "vda stat before: $(cat /sys/block/vda/stat)"

# fixed-seed LCG so the offsets are the same in every run
R=20250521
rnd() { R=$(( (R * 1103515245 + 12345) % 2147483648 )); }
# pick a block index for bs=$1 KiB and count=$2 inside the 64 MiB disk
pick() { rnd; N=$(( 65536 / $1 - $2 )); S=$(( (R / 7) % (N + 1) )); }
SIZES="4 8 32 128 512 1024"

M A-direct-read-sweep
for k in $SIZES; do for i in 1 2 3 4 5 6; do
  pick $k 2; D if=/dev/vda of=/dev/null bs=${k}k count=2 skip=$S iflag=direct
done; done

M B-direct-write-sweep
for k in $SIZES; do for i in 1 2 3; do
  pick $k 1; D if=/dev/zero of=/dev/vda bs=${k}k count=1 seek=$S oflag=direct
done; done

M C-buffered-write-sweep
for k in $SIZES; do for i in 1 2; do
  pick $k 2; D if=/dev/zero of=/dev/vda bs=${k}k count=2 seek=$S
done; done
M C-sync
sync

M D-buffered-read-sweep
echo 3 > /proc/sys/vm/drop_caches
for k in $SIZES; do for i in 1 2 3; do
  pick $k 2; D if=/dev/vda of=/dev/null bs=${k}k count=2 skip=$S
done; done

M E-random-mix
j=0
while [ $j -lt 60 ]; do
  rnd; k=$(echo $SIZES | cut -d' ' -f$(( (R / 11) % 6 + 1 )))
  rnd; op=$(( (R / 13) % 4 ))
  rnd; c=$(( (R / 17) % 3 + 1 ))
  pick $k $c
  case $op in
    0) D if=/dev/vda of=/dev/null bs=${k}k count=$c skip=$S iflag=direct ;;
    1) D if=/dev/vda of=/dev/null bs=${k}k count=$c skip=$S ;;
    2) D if=/dev/zero of=/dev/vda bs=${k}k count=$c seek=$S oflag=direct ;;
    3) D if=/dev/zero of=/dev/vda bs=${k}k count=$c seek=$S ;;
  esac
  j=$((j + 1))
done
M E-sync
sync

M F-buffered-sequential-4k
echo 3 > /proc/sys/vm/drop_caches
pick 4 1024; D if=/dev/vda of=/dev/null bs=4k count=1024 skip=$S

M G-final-sync
sync
echo 3 > /proc/sys/vm/drop_caches
sleep 1
M end
echo 0 > $T/tracing_on
echo "vda stat after: $(cat /sys/block/vda/stat)"
echo "WORKLOAD END"
echo 1 > /proc/sys/kernel/printk         # keep kernel messages out of the dump
for c in $T/per_cpu/cpu*; do echo "STATS $c"; cat $c/stats; done
echo "TRACE BEGIN"
cat $T/trace
echo "TRACE END"
for c in $T/per_cpu/cpu*; do echo "OVERRUN $c $(grep -E '^overrun' $c/stats) $(grep -E 'dropped events' $c/stats)"; done
poweroff -f
#### END GUEST INIT
