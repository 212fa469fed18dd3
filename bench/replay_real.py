#!/usr/bin/env python3
"""The speed regression guard on real traces (issue 12, goal 5).

For each ddmix capture (traces/real/linux-ftrace: Linux 6.1 and 6.12,
strict and lazy DMA), import the ftrace with its QEMU log, and for each
QEMU command log of traces/real/qemu, import it; convert each to
the binary form, and time, in CPU seconds of the child (median of
--repeat runs): `wc -l` of the text, `smmusim replay --parse-only` and the
replay itself (the kernel and mode of the run, --hw qemu-7.2, as the
dma-validation test replays them), from text and from binary.  Prints
events/s and ratios -- replay / parse-only, replay / wc -l, binary / text,
the reader's share of the replay ((parse-only - start-up) / replay, where
start-up is `replay --parse-only` of a trace with no event: the CLI
process's own start and exit, which is not the reader's),
and simulated-run / guest-run (the guest runs took 51 s strict and 35 s
lazy under QEMU, boot included: issue 12) -- never a pass/fail on time.
wall_s is the replay's median wall time: less than its CPU time when the
trace's SHA-256 (the report's provenance) is hashed in a second thread
beside the replay (docs/cli.md).

usage: replay_real.py SMMUSIM TRACES_DIR [--repeat N]"""
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

RUNS = [  # capture, kernel preset, policy.dma.mode, guest seconds
    ("linux61-ddmix-strict", "linux-6.1", "strict", 51.0),
    ("linux61-ddmix-lazy", "linux-6.1", "lazy", 35.0),
    ("linux612-ddmix-strict", "linux-6.12", "strict", 51.0),
    ("linux612-ddmix-lazy", "linux-6.12", "lazy", 35.0),
]
# The QEMU 7.2 command logs of traces/real/qemu (Linux 6.1 virtio-blk),
# replayed as the golden test does (default policy, --hw qemu-7.2); their
# guest run times were not recorded.
QEMU_RUNS = ["linux61-virtio-blk-strict", "linux61-virtio-blk-lazy"]


def seconds(cmd, stdout=subprocess.DEVNULL):
    """CPU time (user + sys, all its threads) and wall time of one child
    running cmd."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=stdout, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def median_cpu(cmd, repeat):
    return statistics.median(seconds(cmd)[0] for _ in range(repeat))


def median_cpu_wall(cmd, repeat):
    """Medians of the CPU and of the wall times of `repeat` runs."""
    runs = [seconds(cmd) for _ in range(repeat)]
    return (statistics.median(r[0] for r in runs),
            statistics.median(r[1] for r in runs))


def usage(why):
    print("replay_real.py: %s\n%s" % (why, __doc__.splitlines()[-1]),
          file=sys.stderr)
    sys.exit(2)


def main():
    args = sys.argv[1:]
    if "-h" in args or "--help" in args:
        print(__doc__)
        return
    repeat = 3
    if "--repeat" in args:
        i = args.index("--repeat")
        value = args[i + 1] if i + 1 < len(args) else ""
        if not value.isdigit() or not 1 <= int(value) <= 1000:
            usage("--repeat takes a whole number 1..1000, not '%s'" % value)
        repeat = int(value)
        del args[i:i + 2]
    unknown = [a for a in args if a.startswith("-")]
    if unknown:
        usage("unknown option '%s'" % unknown[0])
    if len(args) != 2:
        usage("SMMUSIM and TRACES_DIR expected, %d arguments given"
              % len(args))
    smmusim, traces = args[0], args[1]
    if not os.access(smmusim, os.X_OK):
        usage("'%s' is not an executable smmusim" % smmusim)
    if not os.path.isdir(os.path.join(traces, "real", "linux-ftrace")):
        usage("'%s' has no real/linux-ftrace folder (the repository's "
              "traces/)" % traces)
    real = os.path.join(traces, "real", "linux-ftrace")
    print("# replay-real: CPU seconds, median of %d; ratios from one run" % repeat)
    with tempfile.TemporaryDirectory() as tmp:
        start = startup(smmusim, tmp, repeat)
        print("# start-up (parse-only of a trace with no event): text %.4f s, "
              "binary %.4f s" % (start["text"], start["binary"]))
        print("%-25s %-6s %8s %8s %8s %8s %8s %10s %9s %8s %6s %10s" % (
            "capture", "form", "events", "wc_s", "parse_s", "replay_s",
            "wall_s", "events/s", "rep/parse", "rep/wc", "reader",
            "sim/guest"))
        for name, kernel, mode, guest in RUNS:
            text = os.path.join(tmp, name + ".trace")
            subprocess.run([smmusim, "import", "ftrace",
                            os.path.join(real, name + ".ftrace.xz"),
                            "--qemu-log",
                            os.path.join(real, name + ".qemu.log.xz"),
                            "-o", text], check=True,
                           stderr=subprocess.DEVNULL)
            measure(smmusim, tmp, name, text,
                    ["--policy", kernel, "-o", "policy.dma.mode=" + mode],
                    guest, repeat, start)
        qemu = os.path.join(traces, "real", "qemu")
        for name in QEMU_RUNS:
            text = os.path.join(tmp, name + ".trace")
            subprocess.run([smmusim, "import", "qemu",
                            os.path.join(qemu, name + ".log.xz"),
                            "-o", text], check=True,
                           stderr=subprocess.DEVNULL)
            measure(smmusim, tmp, name, text, [], None, repeat, start)


def startup(smmusim, tmp, repeat):
    """CPU seconds of `replay --parse-only` of a trace with no event, in
    each form: what a parse-only run costs besides reading events."""
    text = os.path.join(tmp, "empty.trace")
    with open(text, "w") as f:
        f.write("smmusim-trace 1\n")
    binary = os.path.join(tmp, "empty.smt")
    subprocess.run([smmusim, "convert", text, binary], check=True,
                   stderr=subprocess.DEVNULL)
    return {form: median_cpu([smmusim, "replay", "--parse-only", path], repeat)
            for form, path in (("text", text), ("binary", binary))}


def measure(smmusim, tmp, name, text, policy, guest, repeat, start):
    """One capture: parse-only and replay, from text and from binary."""
    binary = os.path.join(tmp, name + ".smt")
    subprocess.run([smmusim, "convert", text, binary], check=True,
                   stderr=subprocess.DEVNULL)
    out = subprocess.run([smmusim, "replay", "--parse-only", text],
                         check=True, capture_output=True, text=True).stdout
    events = int(out.split()[0])
    wc = median_cpu(["wc", "-l", text], repeat)
    text_replay = None
    for form, path in (("text", text), ("binary", binary)):
        parse = median_cpu([smmusim, "replay", "--parse-only", path], repeat)
        replay, wall = median_cpu_wall([smmusim, "replay", path] + policy +
                                       ["--hw", "qemu-7.2", "-q"], repeat)
        if form == "text":
            text_replay = replay
        reader = max(parse - start[form], 0.0)
        print("%-25s %-6s %8d %8.4f %8.4f %8.4f %8.4f %10.0f %9.2f %8.1f %6.2f %10s" % (
            name, form, events, wc, parse, replay, wall,
            events / replay if replay else 0,
            replay / parse if parse else 0,
            replay / wc if wc else 0,
            reader / replay if replay else 0,
            "%.4f" % (replay / guest) if guest else "n/a"))
    print("#   binary replay / text replay: %.2f" %
          (replay / text_replay if text_replay else 0))

if __name__ == "__main__":
    main()
