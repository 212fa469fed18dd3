#!/usr/bin/env python3
"""Every speed figure of docs/performance.md's "Current figures", in one run.

usage: figures.py BUILD [--baseline BUILD] [--repeat N] [--no-callgrind]

BUILD is a Meson build directory (a release build for the page's figures:
`meson setup build-rel -Dbuildtype=release`).  With --baseline, the same
replay-speed figures are taken from that build too, interleaved run by run
with BUILD's (the machines are shared and noisy: quote the ratio of one run,
not figures of two).  Prints markdown tables:

  - bench/replay-speed, 1,000,000 events: CPU ms (median and fastest of
    --repeat interleaved runs), events/s, the ratio to the baseline, and
    callgrind's instruction count of --events 50000 (deterministic);
  - start-up: bench/startup's library start-up (median of 300), the CLI on a
    trace holding only its header (CPU ms, median of 50), 65,536 binds;
  - the real captures: bench/replay_real.py's table (text and binary form).

It never fails on a figure: it measures, the reader judges."""
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def cpu_ms(cmd):
    """CPU time (user + sys) of one child, in ms."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return 1000.0 * ((after.ru_utime - before.ru_utime) +
                     (after.ru_stime - before.ru_stime))


def instructions(cmd):
    """callgrind's instruction count of cmd, or None without valgrind."""
    if not shutil.which("valgrind"):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            ["valgrind", "--tool=callgrind",
             "--callgrind-out-file=" + os.path.join(tmp, "cg.out")] + cmd,
            check=True, capture_output=True, text=True).stderr
    for line in out.splitlines():
        if "refs:" in line:
            return int(line.split()[-1].replace(",", ""))
    return None


def replay_speed(builds, repeat, callgrind):
    """builds: [(name, dir)]; the runs interleaved."""
    times = {name: [] for name, _ in builds}
    for _ in range(repeat):
        for name, d in builds:
            times[name].append(cpu_ms([os.path.join(d, "bench",
                                                    "replay-speed")]))
    print("| bench/replay-speed, 1,000,000 events | CPU ms, median "
          "(fastest) of %d | events/s (median) | ratio to %s "
          "(median) | instructions, 50,000 events |" % (repeat, builds[-1][0]))
    print("|---|---:|---:|---:|---:|")
    ref = statistics.median(times[builds[-1][0]])
    for name, d in builds:
        med = statistics.median(times[name])
        ins = instructions([os.path.join(d, "bench", "replay-speed"),
                            "--events", "50000"]) if callgrind else None
        print("| %s | %.0f (%.0f) | %.0f | %.2f | %s |" % (
            name, med, min(times[name]), 1e6 / (med / 1000.0), ref / med,
            "{:,}".format(ins) if ins else "n/a"))
    print()


def startup(build):
    lib = subprocess.run([os.path.join(build, "bench", "startup"), "--runs",
                          "300"], check=True, capture_output=True,
                         text=True).stdout.strip()
    binds = subprocess.run([os.path.join(build, "bench", "startup"),
                            "--runs", "1", "--streams", "65536", "--procs",
                            "1"], check=True, capture_output=True,
                           text=True).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        empty = os.path.join(tmp, "empty.trace")
        with open(empty, "w") as f:
            f.write("smmusim-trace 1\n")
        cli = [cpu_ms([os.path.join(build, "smmusim"), "replay", empty,
                       "-q"]) for _ in range(50)]
        true = [cpu_ms(["true"]) for _ in range(50)]
    print("| start-up | figure |")
    print("|---|---|")
    print("| library (bench/startup --runs 300) | %s |" % lib)
    print("| CLI, `smmusim replay` of a header-only trace, CPU ms, "
          "median of 50 | %.2f (`true`: %.2f) |" % (
              statistics.median(cli), statistics.median(true)))
    print("| bind 65,536 streams (bench/startup --runs 1 --streams 65536 "
          "--procs 1) | %s |" % binds.splitlines()[-1])
    print()


def usage(why):
    print("figures.py: %s\n%s" % (why, __doc__.splitlines()[2]),
          file=sys.stderr)
    sys.exit(2)


def option_value(args, name):
    """The value after `name` in args (both removed), or None."""
    if name not in args:
        return None
    i = args.index(name)
    if i + 1 >= len(args):
        usage("%s needs a value" % name)
    value = args[i + 1]
    del args[i:i + 2]
    return value


def check_build(d):
    """A build directory holding the programs this script runs."""
    for prog in ("smmusim", os.path.join("bench", "replay-speed")):
        if not os.access(os.path.join(d, prog), os.X_OK):
            usage("'%s' is not a built Meson build directory (no %s)"
                  % (d, prog))


def main():
    args = sys.argv[1:]
    if "-h" in args or "--help" in args:
        print(__doc__)
        return
    callgrind = "--no-callgrind" not in args
    if not callgrind:
        args.remove("--no-callgrind")
    repeat = option_value(args, "--repeat")
    baseline = option_value(args, "--baseline")
    try:
        repeat = int(repeat) if repeat is not None else 5
    except ValueError:
        usage("--repeat takes a whole number, not '%s'" % repeat)
    if not 1 <= repeat <= 1000:
        usage("--repeat %d out of range (1..1000)" % repeat)
    unknown = [a for a in args if a.startswith("-")]
    if unknown:
        usage("unknown option '%s'" % unknown[0])
    if len(args) != 1:
        usage("one BUILD directory expected, %d given" % len(args))
    build = args[0]
    for d in [build] + ([baseline] if baseline else []):
        check_build(d)
    builds = [("this build", build)]
    if baseline:
        builds.append(("baseline", baseline))
    replay_speed(builds, repeat, callgrind)
    startup(build)
    sys.stdout.flush()
    subprocess.run([sys.executable, os.path.join(HERE, "replay_real.py"),
                    os.path.join(build, "smmusim"),
                    os.path.join(HERE, "..", "traces"), "--repeat",
                    str(max(3, repeat // 2))], check=True)


if __name__ == "__main__":
    main()
