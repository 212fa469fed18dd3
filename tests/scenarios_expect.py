#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Scenario files state their verdicts (issue 9): run them and check.

Every traces/scenarios/*.trace carries one or more comment lines

    # expect: exit=N [violation=KIND[,KIND]...] [stat:NAME>V|stat:NAME<V|stat:NAME=V]... -- REPLAY-ARGS...

(docs/trace-format.md, "Expected verdicts").  For each such line this
script runs `smmusim replay FILE REPLAY-ARGS --format json` and checks:

  exit=N        the exit status is N (0 clean, 1 violations, 2 refused);
  violation=    the kinds with a non-zero check.violations.KIND counter,
                over all runs, are exactly these; without it, none;
  stat:NAME?V   in every run, stats NAME compares to V (>, <, =).

A scenario file without any expect line fails.  Before the scenarios, the
script checks itself: wrong expectations written into a scratch copy of a
scenario must fail (a checker that cannot fail checks nothing).

    scenarios_expect.py SMMUSIM SCENARIO-DIR

TAP output, one test point per expect line (and per self-check).
"""
import json
import os
import re
import subprocess
import sys
import tempfile

PREFIX = "# expect:"
STAT_RE = re.compile(r"^stat:([A-Za-z0-9_.:-]+)([<>=])(-?[0-9]+(?:\.[0-9]+)?)$")
VIOL_PREFIX = "check.violations."
# The script adds these; a line must not.
OWN_OPTIONS = ("--format", "--out")


class ExpectError(Exception):
    """A malformed expect line."""


def parse_expect(text):
    """'exit=1 violation=k stat:a>0 -- --policy x' -> a dict."""
    body = text[len(PREFIX):].split()
    if "--" not in body:
        raise ExpectError("no '--' before the replay arguments")
    cut = body.index("--")
    conds, args = body[:cut], body[cut + 1:]
    exp = {"exit": None, "violations": set(), "stats": [], "args": args}
    for tok in conds:
        m = STAT_RE.match(tok)
        if m:
            exp["stats"].append((m.group(1), m.group(2), float(m.group(3))))
        elif tok.startswith("exit="):
            if exp["exit"] is not None or tok[5:] not in ("0", "1", "2"):
                raise ExpectError(f"'{tok}': one exit=0, 1 or 2")
            exp["exit"] = int(tok[5:])
        elif tok.startswith("violation="):
            kinds = [k for k in tok[10:].split(",") if k]
            if not kinds:
                raise ExpectError(f"'{tok}': no violation kind")
            exp["violations"].update(kinds)
        else:
            raise ExpectError(
                f"'{tok}': expected exit=N, violation=KIND or stat:NAME<op>V")
    if exp["exit"] is None:
        raise ExpectError("exit=N is missing")
    if exp["exit"] == 2 and (exp["violations"] or exp["stats"]):
        raise ExpectError("exit=2 gives no report: no violation= or stat:")
    for a in args:
        if a.split("=")[0] in OWN_OPTIONS:
            raise ExpectError(f"'{a}': the checker sets the format itself")
    return exp


def expect_lines(path):
    """[(line number, text)] of the expect lines of a trace."""
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            if line.startswith(PREFIX):
                out.append((n, line.rstrip("\n")))
    return out


def compare(value, op, want):
    return {"<": value < want, ">": value > want, "=": value == want}[op]


def check(smmusim, path, exp):
    """The failures of one expect line (empty: it holds)."""
    cmd = [smmusim, "replay", path, *exp["args"], "--format", "json"]
    p = subprocess.run(cmd, capture_output=True, text=True, check=False)
    fails = []
    if p.returncode != exp["exit"]:
        fails.append(f"exit {p.returncode}, expected {exp['exit']}"
                     f" ({p.stderr.strip()[:200]})")
    if p.returncode == 2 or exp["exit"] == 2:
        return fails
    try:
        runs = json.loads(p.stdout)["runs"]
    except (ValueError, KeyError) as e:
        return fails + [f"no JSON report: {e}"]
    found = set()
    for run in runs:
        for name, v in run["stats"].items():
            if name.startswith(VIOL_PREFIX) and v:
                found.add(name[len(VIOL_PREFIX):])
    if found != exp["violations"]:
        fails.append(f"violation kinds {sorted(found) or 'none'}, expected "
                     f"{sorted(exp['violations']) or 'none'}")
    for name, op, want in exp["stats"]:
        for i, run in enumerate(runs):
            v = run["stats"].get(name)
            if not isinstance(v, (int, float)) or isinstance(v, bool):
                fails.append(f"run {i} ({run['policy']}): no numeric stat "
                             f"'{name}'")
            elif not compare(v, op, want):
                fails.append(f"run {i} ({run['policy']}): {name} = {v:g}, "
                             f"expected {op} {want:g}")
    return fails


def check_file(smmusim, path):
    """[(description, failures)] for every expect line of one trace."""
    lines = expect_lines(path)
    name = os.path.basename(path)
    if not lines:
        return [(name, ["no '# expect:' line (each scenario states its "
                        "verdicts: docs/trace-format.md)"])]
    out = []
    for n, text in lines:
        desc = f"{name}:{n}: {text[len(PREFIX):].strip()}"
        try:
            out.append((desc, check(smmusim, path, parse_expect(text))))
        except ExpectError as e:
            out.append((desc, [f"{name}:{n}: malformed expect line: {e}"]))
    return out


# Wrong expectations for the self-check: each must make its line fail
# (perm-upgrade on the stall path, as Linux recovers SVA faults).
WRONG = [
    ("a wrong exit status", "exit=0 -- --policy linux-6.5 -o dev.fault_mode=stall"),
    ("a missing violation kind",
     "exit=1 -- --policy linux-6.5 -o dev.fault_mode=stall"),
    ("a wrong violation kind",
     "exit=1 violation=stale-translation -- --policy linux-6.5 -o dev.fault_mode=stall"),
    ("a wrong stat value",
     "exit=0 stat:smmu.cmd.tlbi_nh_va=2 -- --policy linux-6.6 -o dev.fault_mode=stall"),
    ("a wrong stat bound",
     "exit=0 stat:dev.access.ok<2 -- --policy linux-6.6 -o dev.fault_mode=stall"),
    ("an unknown stat", "exit=0 stat:no.such.stat=0 -- --policy linux-6.6 -o dev.fault_mode=stall"),
    ("a malformed line", "exit=0 --policy linux-6.6"),
]


def self_check(smmusim, scen_dir, emit):
    src = os.path.join(scen_dir, "perm-upgrade.trace")
    with tempfile.TemporaryDirectory() as tmp:
        body = [ln for ln in open(src, encoding="utf-8")
                if not ln.startswith(PREFIX)]
        for what, line in WRONG:
            path = os.path.join(tmp, "wrong.trace")
            with open(path, "w", encoding="utf-8") as f:
                f.write(body[0] + f"{PREFIX} {line}\n" + "".join(body[1:]))
            res = check_file(smmusim, path)
            emit(all(fails for _, fails in res),
                 f"self-check: {what} fails ({line})")
        path = os.path.join(tmp, "none.trace")
        with open(path, "w", encoding="utf-8") as f:
            f.write("".join(body))
        res = check_file(smmusim, path)
        emit(all(fails for _, fails in res),
             "self-check: a scenario without an expect line fails")


def main(argv):
    if len(argv) != 3:
        print("usage: scenarios_expect.py SMMUSIM SCENARIO-DIR",
              file=sys.stderr)
        return 2
    smmusim, scen_dir = argv[1], argv[2]
    n = 0
    failed = 0

    def emit(ok, desc, fails=()):
        nonlocal n, failed
        n += 1
        failed += not ok
        print(f"{'ok' if ok else 'not ok'} {n} - {desc}")
        for f in fails:
            print(f"# {f}")

    self_check(smmusim, scen_dir, emit)
    traces = sorted(t for t in os.listdir(scen_dir) if t.endswith(".trace"))
    if not traces:
        emit(False, f"no .trace file in {scen_dir}")
    for t in traces:
        for desc, fails in check_file(smmusim, os.path.join(scen_dir, t)):
            emit(not fails, desc, fails)
    print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
