#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the hand-made seeds of the `events` fuzz target (docs/fuzzing.md).

The bytes follow tests/fuzz/events_driver.c: byte 0 picks the presets
(fz_config), byte 1 the number of -o keys, each key 3 bytes (index in the
key table, little-endian u16, then the value pick: 0 lowest, 1 highest, 2
default, 4*v+3 the small value v), then one record per event (type, flags,
[time], then every field as an index into the driver's value sets).  The
`dma-*` seeds drive the DMA API (dma_map, dma_unmap over a stage-1 domain)
under strict, lazy per-CPU and lazy single flush queues, with small rings
and the lowest sim.clock_hz so that the full-ring flush and the
flush-queue timer happen within a few events.  Run from the repository
root after changing the driver's layout or the key table's order:

    python3 tests/fuzz/events_seeds.py BUILD/smmusim

(the simulator's `config --list` gives the key indices).
"""
import subprocess
import sys

# enum smmusim_event_type (include/smmusim/event.h)
TYPES = ("mm_create mmap munmap mprotect mm_exit bind unbind dev_access "
         "cpu_access touch madvise reclaim tlbi dsb domain_create attach "
         "iommu_map iommu_unmap cmd dma_map dma_unmap").split()
# the driver's value sets, by value (index = position)
VAS = [0x0, 0x1000, 0x2000, 0x10000, 0x1ff000, 0x200000]
LENS = [0x1000, 0x2000, 0x10000, 0x200000]
PAS = [0, 0x40000000, 0x40001000, 0x40200000]
TIMES = [0, 1, 100, 10000, 1 << 32]
SIDS = [0, 1, 0x10, 0x20]
SSIDS = [0, 1, 2, 0xfffff, "none"]
IDS = [0, 1, 2, 3]


def key_index(smmusim):
    out = subprocess.run([smmusim, "config", "--list"], check=True,
                         capture_output=True, text=True).stdout
    return {line.split()[0]: i for i, line in enumerate(out.splitlines())}


def event(kind, at=None, after=None, cpu=0, sid=0x10, ssid="none", va=0x1000,
          length=0x1000, prot=3, op=0, dom=1, pa=0x40000000, stage=1):
    flags = 0
    time = []
    if at is not None:
        flags |= 1 | 2
        time = [TIMES.index(at)]
    elif after is not None:
        flags |= 2
        time = [TIMES.index(after)]
    return bytes([TYPES.index(kind), flags] + time + [
        0,  # mm
        cpu, SIDS.index(sid), SSIDS.index(ssid), VAS.index(va),
        LENS.index(length), prot, op,
        0, 0, 0, 0, 0, 0,  # tlbi, asid, ttl, tg, scale, num
        IDS.index(dom), PAS.index(pa),
        0, 0, 0, 0,  # opcode, vmid, leaf, range
        stage, 0  # stage, parent
    ])


def seed(keys, idx, events, sel=0):
    b = bytes([sel, len(keys)])
    for name, pick in keys:
        i = idx[name]
        b += bytes([i & 0xff, i >> 8, pick])
    return b + b"".join(events)


def small(v):
    return 4 * v + 3


def main():
    idx = key_index(sys.argv[1])
    setup = [event("domain_create"), event("attach")]
    # map, access, unmap, access: per CPU, twice, so that rings fill
    traffic = []
    for cpu in (0, 1):
        for va in (0x1000, 0x10000):
            traffic += [
                event("dma_map", cpu=cpu, va=va, length=0x2000),
                event("dev_access", va=va, op=1),
                event("dma_unmap", cpu=cpu, va=va, length=0x2000),
                event("dev_access", va=va),
            ]
    late = [event("dev_access", after=10000),
            event("dma_map", after=1 << 32, va=0x200000, length=0x200000,
                  pa=0),
            event("dma_unmap", va=0x200000, length=0x200000)]
    seeds = {
        "dma-strict": seed([("policy.dma.mode", 0)], idx,
                           setup + traffic + late),
        "dma-lazy-percpu": seed([("policy.dma.mode", 1),
                                 ("policy.dma.fq", 0),
                                 ("policy.dma.fq_size", small(3)),
                                 ("sim.clock_hz", 0)], idx,
                                setup + traffic + late),
        "dma-lazy-single": seed([("policy.dma.mode", 1),
                                 ("policy.dma.fq", 1),
                                 ("policy.dma.fq_size", small(2)),
                                 ("policy.dma.fq_timeout_ms", small(1)),
                                 ("policy.dma.hz", 1)], idx,
                                setup + traffic + late, sel=0x03),
    }
    for name, data in seeds.items():
        with open(f"tests/fuzz/corpus/events/{name}", "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
