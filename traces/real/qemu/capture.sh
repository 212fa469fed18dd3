#!/bin/bash
# capture.sh - the recipe of the two QEMU logs of this folder, as README.md describes it: an unmodified
# Debian Linux 6.1 arm64 guest doing block I/O through an IOMMU-protected virtio-blk disk on QEMU 7.2's
# emulated SMMUv3, with QEMU's SMMU trace events logged (-trace 'smmuv3_*' -trace 'smmu_*'), once in
# strict mode (the default) and once lazy (iommu.strict=0). No guest-side tracing: the guest /init is
# guest-init-basic.sh next to this script (three dd commands, then power off).
#
# Written down from README.md's "How they were made" when the logs moved into the repository (issue 13);
# it shares every step with ../linux-ftrace/capture.sh (the later ftrace + QEMU capture), minus the
# guest's ftrace. A rerun gives equally consistent logs, not identical ones (which IOVAs the DMA API
# hands out and when QEMU's IOTLB fills up depend on the run).
#
# From a fresh Debian 12 (bookworm, amd64) machine, as root:
#     bash capture.sh            # install, fetch, build, run strict + lazy, count
# Environment knobs:
#     WORK=./capture-work        work dir (outputs go to $WORK/out)
#     KPKG=linux-image-6.1.0-56-arm64   kernel package (the one README.md names; if the archive no
#                                       longer has it, what linux-image-arm64:arm64 depends on is used)
#     SKIP_INSTALL=1             do not run apt-get install / dpkg --add-architecture
# Wall time: a few minutes (each guest run takes well under a minute under TCG).
set -euo pipefail
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
# Debian drops superseded kernel ABIs from the archive; if the one named is gone, take whatever
# linux-image-arm64:arm64 points to (and say so).
KPKG=${KPKG:-linux-image-6.1.0-56-arm64}
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
grep -E '^CONFIG_(ARM_SMMU_V3|IOMMU_DEFAULT_DMA_(STRICT|LAZY)|VIRTIO_BLK|VIRTIO_PCI)=' kpkg/boot/config-"$KREL"

# ---------------------------------------------------------------- 3. initramfs
rm -rf initramfs; mkdir -p initramfs/{bin,mods,proc,sys,dev,tmp}
cp bbpkg/bin/busybox initramfs/bin/busybox
for m in virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk; do
  f=$(find kpkg/lib/modules/"$KREL"/kernel/drivers/virtio kpkg/lib/modules/"$KREL"/kernel/drivers/block \
        -name "$m.ko" -o -name "$m.ko.xz" -o -name "$m.ko.zst" | head -1)
  [ -n "$f" ] || { echo "module $m not found"; exit 1; }
  case "$f" in
    *.xz)  xz -dc "$f" > initramfs/mods/$m.ko ;;
    *.zst) zstd -dc "$f" > initramfs/mods/$m.ko ;;
    *)     cp "$f" initramfs/mods/$m.ko ;;
  esac
done
cp "$HERE/guest-init-basic.sh" initramfs/init
chmod 755 initramfs/init
( cd initramfs && find . | sort | cpio -o -H newc --quiet ) | gzip -9 > initrd.cpio.gz

# ---------------------------------------------------------------- 4. the two captures
run_one() {   # $1 = strict|lazy
  local mode=$1 extra="" t0
  [ "$mode" = lazy ] && extra=" iommu.strict=0"
  dd if=/dev/zero of=disk.img bs=1M count=64 status=none
  rm -f qemu-$mode.log console-$mode.log
  echo "== run $mode: $(date -u +%FT%TZ)"
  t0=$(date +%s)
  timeout 900 qemu-system-aarch64 -M virt,iommu=smmuv3 -cpu cortex-a57 -smp 2 -m 1024 -nographic \
    -kernel vmlinuz -initrd initrd.cpio.gz \
    -append "console=ttyAMA0 rdinit=/init$extra" \
    -drive file=disk.img,if=none,id=d0,format=raw \
    -device virtio-blk-pci,drive=d0,iommu_platform=on,disable-legacy=on \
    -trace 'smmuv3_*' -trace 'smmu_*' -D qemu-$mode.log \
    < /dev/null > console-$mode.log 2>&1
  echo "   qemu exited after $(( $(date +%s) - t0 )) s"
  grep -q '^WORKLOAD END' console-$mode.log || echo "WARNING: the guest did not finish its workload ($mode)"
  xz -9 -T1 -c qemu-$mode.log > "$OUT/linux61-virtio-blk-$mode.log.xz"
}
run_one strict
run_one lazy

# ---------------------------------------------------------------- 5. README.md's counts
echo "| log | translations | IOTLB hits | IOTLB misses | range invals | TLBI_NH_ASID | CMD_SYNC | iotlb_inv_all |"
for mode in strict lazy; do
  L=qemu-$mode.log
  echo "| $mode | $(grep -c '^smmuv3_translate_success' $L) | $(grep -c '^smmu_iotlb_lookup_hit' $L)" \
    "| $(grep -c '^smmu_iotlb_lookup_miss' $L) | $(grep -c '^smmuv3_s1_range_inval' $L)" \
    "| $(grep -c '^smmuv3_cmdq_tlbi_nh_asid' $L) | $(grep -c 'SMMU_CMD_SYNC' $L) | $(grep -c '^smmu_iotlb_inv_all' $L) |"
done
