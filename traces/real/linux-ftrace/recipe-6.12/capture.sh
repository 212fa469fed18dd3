#!/bin/bash
# capture.sh - reproducible recipe for the Linux 6.12 captures (the "ddmix" workload; the script also
# knows an "fsmix" one, whose guest /init is not in this repository):
# Debian 12's newer arm64 kernel (linux-image-6.12.*+deb12-arm64, unmodified) driving QEMU 7.2's
# emulated SMMUv3, recording in ONE guest run both
#   (a) the guest kernel's ftrace of iommu:* tracepoints (map/unmap/attach/add_device_to_group) plus
#       the function tracer on arm_smmu_iotlb_sync, arm_smmu_flush_iotlb_all, fq_flush_iotlb and
#       __arm_smmu_tlb_inv_range, and trace_marker phases, and
#   (b) QEMU's SMMUv3 trace log (-trace 'smmuv3_*' -trace 'smmu_*').
# For each workload: strict (default) and lazy (iommu.strict=0).
# Adapted from the 6.1 recipe (capture.sh of the 6.1 captures). Same QEMU command line, busybox,
# workloads, markers, trace extraction and overrun check. Differences, all forced by the 6.12 kernel:
#   - virtio_pci (and virtio_pci_legacy_dev/virtio_pci_modern_dev) are built in (CONFIG_VIRTIO_PCI=y):
#     only virtio_blk.ko is put in the initramfs, and the virtio-pci devices are added to their IOMMU
#     groups and attached at boot, before /init. So tracing is started on the kernel command line
#     ($BOOTTRACE below) and the guest /init no longer clears or resizes the buffer (under 6.12 a
#     buffer_size_kb write discarded the boot-time events; a 64 MiB boot-time buffer cannot be
#     allocated for CPU 1, 16 MiB per CPU can).
#   - modules are shipped as .ko.xz: they are decompressed into the initramfs.
#
# From a fresh Debian 12 (bookworm, amd64) machine, as root:
#     bash capture.sh            # install, fetch, build, run, summarize: ddmix, strict + lazy
# Environment knobs:
#     WORK=./capture-work      work dir (outputs go to $WORK/out)
#     WL=ddmix                   workload(s): uses guest-init-$WL.sh next to this script
#     DISK_MB=                   disk image size (default 64 for ddmix, 128 for fsmix)
#     KPKG=linux-image-6.12.117+deb12-arm64   kernel package (the default; if the archive no longer has
#                                it, what linux-image-6.12-arm64:arm64 depends on is used)
#     SKIP_INSTALL=1             do not run apt-get install / dpkg --add-architecture
#     MODES="strict lazy"        which runs to do
# Already-downloaded .debs in $WORK/debs are reused (the kernel and busybox-static:arm64 .debs).
# If pairing.py and order_check.py are next to this script and python3 exists, it also writes the
# pairing reports (they are not in this repository: smmusim's `import ftrace` does the pairing). Each guest run takes about 1 minute under TCG (most of it printing the trace over
# the emulated serial console).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${WORK:-$PWD/capture-work}
WLS=${WL:-ddmix}
MODES=${MODES:-strict lazy}
OUT=$WORK/out
mkdir -p "$WORK" "$OUT"
cd "$WORK"
for wl in $WLS; do [ -f "$HERE/guest-init-$wl.sh" ] || { echo "guest-init-$wl.sh not found next to $0"; exit 1; }; done

# ---------------------------------------------------------------- 1. packages
if [ "${SKIP_INSTALL:-0}" != 1 ]; then
  dpkg --add-architecture arm64
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y qemu-system-arm busybox-static xz-utils cpio
fi

# ---------------------------------------------------------------- 2. guest kernel + arm64 busybox
# The captures in out/ were made with linux-image-6.12.117+deb12-arm64 6.12.117-1~deb12u1
# (bookworm-security; the image linux-image-6.12-arm64:arm64 depended on at the time).
KPKG=${KPKG:-linux-image-6.12.117+deb12-arm64}
if ! apt-cache show "$KPKG:arm64" >/dev/null 2>&1; then
  NEW=$(apt-cache depends linux-image-6.12-arm64:arm64 | awk '/Depends: linux-image-6\.12/{print $2; exit}')
  echo "WARNING: $KPKG not in the archive any more, using ${NEW%:arm64}"
  KPKG=${NEW%:arm64}
fi
echo "kernel package: $KPKG $(apt-cache show "$KPKG:arm64" | awk '/^Version:/{print $2; exit}')"
echo "qemu: $(qemu-system-aarch64 --version | head -1)"
mkdir -p debs
( cd debs
  ls "${KPKG}"_*_arm64.deb >/dev/null 2>&1 || apt-get download "${KPKG}:arm64"
  ls busybox-static_*_arm64.deb >/dev/null 2>&1 || apt-get download busybox-static:arm64 )
sha256sum debs/"${KPKG}"_*_arm64.deb debs/busybox-static_*_arm64.deb
rm -rf kpkg bbpkg
dpkg-deb -x debs/"${KPKG}"_*_arm64.deb kpkg
dpkg-deb -x debs/busybox-static_*_arm64.deb bbpkg
KREL=$(ls kpkg/lib/modules)
cp kpkg/boot/vmlinuz-"$KREL" vmlinuz
grep -E '^CONFIG_(ARM_SMMU_V3|IOMMU_DEFAULT_DMA_(STRICT|LAZY)|FTRACE|FUNCTION_TRACER|HZ|VIRTIO_BLK|VIRTIO_PCI|EXT4_FS|EXT4_USE_FOR_EXT2|TRANSPARENT_HUGEPAGE_ALWAYS|MODULE_COMPRESS_XZ)=' kpkg/boot/config-"$KREL"

# ---------------------------------------------------------------- 3. initramfs (one per workload)
build_initrd() {   # $1 = workload
  local wl=$1 extramods="" m f
  [ "$wl" = fsmix ] && extramods="crc16 crc32c_generic mbcache jbd2 ext4"
  rm -rf initramfs; mkdir -p initramfs/{bin,mods,proc,sys,dev,tmp}
  cp bbpkg/bin/busybox initramfs/bin/busybox
  # 6.12: virtio_pci, virtio_pci_legacy_dev, virtio_pci_modern_dev are built in; only virtio_blk is a module
  for m in virtio_blk $extramods; do
    f=$(find kpkg/lib/modules/"$KREL"/kernel/drivers/virtio kpkg/lib/modules/"$KREL"/kernel/drivers/block \
          kpkg/lib/modules/"$KREL"/kernel/fs kpkg/lib/modules/"$KREL"/kernel/lib kpkg/lib/modules/"$KREL"/kernel/crypto \
          -name "$m.ko" -o -name "$m.ko.xz" -o -name "$m.ko.zst" | head -1)
    [ -n "$f" ] || { echo "module $m not found"; exit 1; }
    case "$f" in
      *.xz)  xz -dc "$f" > initramfs/mods/$m.ko ;;
      *.zst) zstd -dc "$f" > initramfs/mods/$m.ko ;;
      *)     cp "$f" initramfs/mods/$m.ko ;;
    esac
    echo "module $m: $(strings initramfs/mods/$m.ko | grep -E '^(depends|vermagic)=' | tr '\n' ' ')"
  done
  cp "$HERE/guest-init-$wl.sh" initramfs/init
  chmod 755 initramfs/init
  [ "$(cd "$OUT" && pwd)" = "$HERE" ] || cp initramfs/init "$OUT/guest-init-$wl.sh"
  ( cd initramfs && find . | sort | cpio -o -H newc --quiet ) | gzip -9 > initrd-$wl.cpio.gz
}

# ---------------------------------------------------------------- 4. the captures
# Kernel command line = the 6.1 one ("console=ttyAMA0 rdinit=/init", plus "iommu.strict=0" for lazy)
# plus boot-time tracing, because the IOMMU group add/attach of the built-in virtio-pci happens before
# /init: the iommu events, the global trace clock, a 16 MiB per-CPU buffer and the function tracer
# with its filter. (trace_buf_size=64M makes the kernel come up with ONE CPU: "failed to allocate
# ring buffer on CPU 1".)
FFILTER=arm_smmu_iotlb_sync,arm_smmu_flush_iotlb_all,fq_flush_iotlb,__arm_smmu_tlb_inv_range
BOOTTRACE="trace_event=iommu trace_clock=global trace_buf_size=16M ftrace=function ftrace_filter=$FFILTER"
run_one() {   # $1 = workload, $2 = strict|lazy
  local wl=$1 mode=$2 extra="" disk_mb
  [ "$mode" = lazy ] && extra=" iommu.strict=0"
  if [ -n "${DISK_MB:-}" ]; then disk_mb=$DISK_MB; elif [ "$wl" = ddmix ]; then disk_mb=64; else disk_mb=128; fi
  dd if=/dev/zero of=disk.img bs=1M count=$disk_mb status=none
  local tag=$wl-$mode
  rm -f qemu-$tag.log console-$tag.log
  echo "== run $mode ($wl, disk ${disk_mb} MiB): $(date -u +%FT%TZ)"
  local t0=$(date +%s)
  timeout 900 qemu-system-aarch64 -M virt,iommu=smmuv3 -cpu cortex-a57 -smp 2 -m 1024 -nographic \
    -kernel vmlinuz -initrd initrd-$wl.cpio.gz \
    -append "console=ttyAMA0 rdinit=/init $BOOTTRACE$extra" \
    -drive file=disk.img,if=none,id=d0,format=raw \
    -device virtio-blk-pci,drive=d0,iommu_platform=on,disable-legacy=on \
    -trace 'smmuv3_*' -trace 'smmu_*' -D qemu-$tag.log \
    < /dev/null > console-$tag.log 2>&1
  echo "   qemu exited after $(( $(date +%s) - t0 )) s"
  tr -d '\r' < console-$tag.log > console-$tag.txt
  awk '/^TRACE END$/{p=0} p{print} /^TRACE BEGIN$/{p=1}' console-$tag.txt > trace-$tag.txt
  grep -E 'iommu: |arm-smmu-v3|Adding to iommu group|INIT cpus online|Kernel command line|failed to allocate ring buffer' console-$tag.txt | sort -u || true
  grep -q '^INIT cpus online: 0-1$' console-$tag.txt || echo "WARNING: not both vCPUs online in $tag"
  grep -E '^OVERRUN' console-$tag.txt || true
  xz -9 -T1 -c trace-$tag.txt   > "$OUT/linux612-$tag.ftrace.xz"
  xz -9 -T1 -c qemu-$tag.log    > "$OUT/linux612-$tag.qemu.log.xz"
  xz -9 -T1 -c console-$tag.txt > "$OUT/linux612-$tag.console.txt.xz"
}
for wl in $WLS; do
  build_initrd $wl
  for mode in $MODES; do run_one $wl $mode; done
done

# ---------------------------------------------------------------- 5. quick summary + pairing
for wl in $WLS; do for mode in $MODES; do
  tag=$wl-$mode
  echo "== $tag"
  echo "ftrace events:"; grep -v '^#' trace-$tag.txt | grep -oE ' [0-9]+\.[0-9]+: [a-z_]+:' | awk '{print $2}' | sort | uniq -c
  echo "function-trace lines:"; grep -v '^#' trace-$tag.txt | grep -oE ': [_a-z]+ <-[A-Za-z0-9_.]+' | sort | uniq -c
  grep -oE 'unmapped_size=[0-9]+' trace-$tag.txt | awk -F= '{s+=$2; n++} END{printf "iommu:unmap: %d events, %d bytes unmapped\n", n, s}'
  grep -oE ' map: IOMMU: .* size=[0-9]+' trace-$tag.txt | awk -F'size=' '{s+=$2; n++} END{printf "iommu:map: %d events, %d bytes mapped\n", n, s}'
  echo "SMMU commands by opcode:"; grep -oE 'smmuv3_cmdq_opcode <--- [A-Z_0-9]+' qemu-$tag.log | awk '{print $3}' | sort | uniq -c
  echo "translations: $(grep -c '^smmuv3_translate_success' qemu-$tag.log)"
  echo "range invals: $(grep -c '^smmuv3_s1_range_inval' qemu-$tag.log)  tlbi_nh_asid: $(grep -c '^smmuv3_cmdq_tlbi_nh_asid' qemu-$tag.log)  iotlb_inv_all: $(grep -c '^smmu_iotlb_inv_all' qemu-$tag.log)"
  echo "last IOTLB lookup: $(grep -E '^smmu_iotlb_lookup_(hit|miss)' qemu-$tag.log | tail -1)"
done; done
if command -v python3 >/dev/null && [ -f "$HERE/pairing.py" ]; then
  for wl in $WLS; do for mode in $MODES; do
    tag=$wl-$mode
    { python3 "$HERE/pairing.py" trace-$tag.txt qemu-$tag.log $mode
      if [ -f "$HERE/order_check.py" ]; then echo; python3 "$HERE/order_check.py" trace-$tag.txt qemu-$tag.log $mode; fi
    } > "$OUT/pairing-$tag.md"
    echo "wrote $OUT/pairing-$tag.md"
  done; done
fi
exit 0
