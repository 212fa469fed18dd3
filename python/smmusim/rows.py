# SPDX-License-Identifier: MIT
"""Tables: every function here returns a list of flat dicts with the same
keys, which pandas.DataFrame(rows) takes as it is (and csv.DictWriter
writes), without pandas being needed here.

    rows = sweep(["a.trace", "b.trace"], policies=["linux-6.5", "linux-6.6"],
                 grid={"smmu.iotlb.entries": [64, 256]},
                 stats=["smmu.cmd.sync", "dev.access.latency.p99"])
    pandas.DataFrame(rows)

A sweep here runs its points one after another in this process; `smmusim
sweep` runs them in parallel and writes CSV or JSON Lines, which
read_rows() turns into the same kind of rows.
"""
import csv
import itertools
import json
import os

from .simulator import Simulator, lib


def run(trace, policy=None, hw=None, config_files=None, set=None,
        stats=None, **labels):
    """Replay one trace under one configuration; its row (Simulator.row):
    the labels, trace, policy, each key of `set`, sim.seed, then the stats
    named in `stats` (all when None; a histogram field is NAME.p99 etc.)."""
    sim = Simulator(policy=policy, hw=hw, config_files=config_files, set=set)
    try:
        sim.set_labels(trace=os.path.basename(str(trace)))
        sim.replay(trace)
        full = sim.row()
        row = dict(labels)
        row["trace"] = str(trace)
        row["policy"] = policy or "default"
        row["hw"] = "+".join([hw] if isinstance(hw, str) else (hw or []))
        items = set.items() if isinstance(set, dict) else \
            (kv.split("=", 1) for kv in (set or []))
        for key, _ in items:
            row[key] = _number(sim.config(key))
        row["sim.seed"] = _number(sim.config("sim.seed"))
        if stats is None:
            row.update((k, v) for k, v in full.items() if k != "policy")
        else:
            for name in stats:
                if name not in full:
                    raise KeyError(f"stat '{name}' is not reported "
                                   f"(smmusim stats --list)")
                row[name] = full[name]
        return row
    finally:
        sim.close()


def grid_points(grid):
    """Every combination of a {key: [values]} grid, in key order then value
    order: [{key: value, ...}, ...] ([{}] for an empty grid)."""
    keys = list(grid or {})
    return [dict(zip(keys, vals))
            for vals in itertools.product(*(list(grid[k]) for k in keys))]


def sweep(traces, policies=(None,), hw=None, grid=None, stats=None,
          set=None):
    """traces x policies x grid points, one row each (run()), in that
    order; `set` is applied to every point before the grid's keys."""
    rows = []
    for trace in traces:
        for policy in policies:
            for point in grid_points(grid):
                settings = dict(set or {})
                settings.update(point)
                rows.append(run(trace, policy=policy, hw=hw, set=settings,
                                stats=stats))
    return rows


def stat_defs():
    """The stats table (`smmusim stats --list`): name, kind, unit, sample,
    description."""
    out = []
    for i in range(lib.smmusim_stat_def_count()):
        d = lib.smmusim_stat_def_at(i).contents
        out.append({"name": d.name.decode(),
                    "kind": lib.smmusim_stat_kind_name(d.kind).decode(),
                    "unit": d.unit.decode(), "sample": d.sample.decode(),
                    "description": d.description.decode()})
    return out


def read_rows(path):
    """Rows of a CSV (header line) or JSON Lines file, such as `smmusim
    sweep --out` writes; CSV numbers become ints or floats."""
    with open(path, newline="") as f:
        if str(path).endswith(".jsonl"):
            return [json.loads(line) for line in f if line.strip()]
        return [{k: _number(v) for k, v in r.items()}
                for r in csv.DictReader(f)]


def _number(text):
    for conv in (int, float):
        try:
            return conv(text)
        except (TypeError, ValueError):
            pass
    return text
