#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""What a lazy-mode ftrace says about Linux's flush-queue timer.

Reads a guest's ftrace of its DMA API (traces/real/linux-ftrace/*-lazy:
iommu:unmap lines with their CPU, `fq_flush_iotlb <-fq_flush_timeout` and
`fq_flush_iotlb <-__iommu_dma_unmap`) and prints, without the simulator:

1. the real timer: for each run of fq_flush_timeout, the delay from the
   unmap that armed it (the first one after the previous run: queue_iova
   arms the timer only while fq_timer_on is clear, 6.1 and 6.12
   drivers/iommu/dma-iommu.c), and, for a jiffy grid at --phase-us, how many
   ticks after its due tick (jiffy of arming + msecs_to_jiffies(10) + 1, the
   timer wheel's calc_index round-up) it ran; the best phase (fewest early
   runs) when --phase-us is not given;
2. the queues driven by the real timer runs: per-CPU rings of 256 slots
   holding 255 (fq_full), fq_ring_free by the flush counters, one flush per
   full ring; it lists the unmaps that fill a ring and compares them with
   the real `<-__iommu_dma_unmap` flushes (they must be the same unmaps).

usage: fq_timer_real.py FTRACE[.xz] [--phase-us N] [--hz 250]
"""
import argparse
import collections
import lzma
import math
import re

LINE = re.compile(r"^\s*.*?-\d+\s+\[(\d+)\]\s+\S+\s+([\d.]+):\s+(.*)$")


def events(path):
    opener = lzma.open if path.endswith(".xz") else open
    out = []
    with opener(path, "rt") as f:
        for ln in f:
            m = LINE.match(ln)
            if not m:
                continue
            cpu, t, rest = int(m.group(1)), float(m.group(2)), m.group(3)
            if rest.startswith("unmap:"):
                out.append((t, cpu, "unmap"))
            elif rest.startswith("fq_flush_iotlb <-fq_flush_timeout"):
                out.append((t, cpu, "timer"))
            elif rest.startswith("fq_flush_iotlb <-__iommu_dma_unmap"):
                out.append((t, cpu, "full"))
    return out


def timer_runs(ev):
    """(armed, ran) of every timer run."""
    armed, runs = None, []
    for t, _, kind in ev:
        if kind == "unmap" and armed is None:
            armed = t
        elif kind == "timer":
            if armed is not None:
                runs.append((armed, t))
            armed = None
    return runs


def lateness(runs, phase, tick, n):
    """Ticks after its due tick that each run ran (negative: early)."""
    late = []
    for armed, ran in runs:
        due = phase + (math.floor((armed - phase) / tick) + n + 1) * tick
        late.append(math.floor((ran - due) / tick))
    return late


def queues(ev, size=256, ncpu=2):
    """Replay the rings with the real timer runs; the unmaps that flush."""
    rings = [collections.deque() for _ in range(ncpu)]
    start = finish = 0
    full, real, k = [], [], 0

    def ring_free(c):
        while rings[c] and rings[c][0] < finish:
            rings[c].popleft()

    for _, cpu, kind in ev:
        if kind == "timer":
            start, finish = start + 1, finish + 1
            for c in range(ncpu):
                ring_free(c)
        elif kind == "full":
            real.append(k)
        else:
            k += 1
            ring_free(cpu)
            if len(rings[cpu]) == size - 1:
                start, finish = start + 1, finish + 1
                ring_free(cpu)
                full.append(k)
            rings[cpu].append(start)
    return full, real


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ftrace")
    ap.add_argument("--phase-us", type=int)
    ap.add_argument("--hz", type=int, default=250)
    a = ap.parse_args()
    ev = events(a.ftrace)
    tick = 1.0 / a.hz
    n = math.ceil(10 * a.hz / 1000)  # msecs_to_jiffies(IOVA_FQ_TIMEOUT)
    runs = timer_runs(ev)
    if a.phase_us is None:
        step = max(1, int(tick * 1e6) // 40)
        a.phase_us = min(
            range(0, int(tick * 1e6), step),
            key=lambda p: sum(1 for x in lateness(runs, p * 1e-6, tick, n)
                              if x < 0))
    late = collections.Counter(lateness(runs, a.phase_us * 1e-6, tick, n))
    delay = [ran - armed for armed, ran in runs]
    print(f"timer runs {len(runs)}, arm->run {min(delay) * 1e3:.2f}.."
          f"{max(delay) * 1e3:.2f} ms, mean {sum(delay) / len(delay) * 1e3:.2f}"
          f" ms (on time: {n * 1e3 / a.hz:.0f}..{(n + 1) * 1e3 / a.hz:.0f})")
    print(f"jiffy grid at {a.phase_us} us: ticks after the due tick "
          + ", ".join(f"{k:+d}: {v}" for k, v in sorted(late.items())))
    full, real = queues(ev)
    print(f"queue-full flushes with the real timer runs: {len(full)}, "
          f"real {len(real)}, same unmaps: {full == real}")


if __name__ == "__main__":
    main()
