#!/usr/bin/env python3
"""Folders are layers and includes point down only (docs/architecture.md).

Checks every #include "..." in src/ against the table of layers below, that
no two folders (sub-folders included) include each other through any chain,
that the command line (sim/) includes only public headers <smmusim/...> and
system headers, and that no test includes a private header of a layer above
the one it tests (TEST_LAYERS).  Prints TAP; exits 1 on any violation.
usage: layering.py SRCROOT
"""
import os
import re
import sys

# layer -> the layers its files may include (itself included).  The oracle
# (check) sits beside the kernel model: it observes hardware and is told of
# kernel windows through hooks, so neither includes the other.  trace reads
# and writes events and architecture formats only.
ALLOWED = {
    "base": {"base"},
    "engine": {"base", "engine"},
    "arch": {"base", "arch"},
    "hw": {"base", "engine", "arch", "hw"},
    "kernel": {"base", "engine", "arch", "hw", "kernel"},
    "check": {"base", "engine", "arch", "hw", "check"},
    "trace": {"base", "engine", "arch", "trace"},
    "sim": {"base", "engine", "arch", "hw", "kernel", "check", "trace", "sim"},
}

# test file -> the highest layers whose private headers it may include.
# A unit test reaches the layer it tests and the layers below it; the
# scenario and golden tests go through the public API only.
TEST_LAYERS = {
    "test_base": {"base"},
    "test_engine": {"engine"},
    "test_config": {"engine"},
    "test_stats": {"engine"},
    "test_arch": {"arch"},
    "test_tlbi": {"arch"},
    "test_tlbflush": {"kernel"},
    "test_mem": {"hw"},
    "test_tcache": {"hw"},
    "test_cpu": {"hw"},
    "test_tlbi_run": {"hw"},
    "test_smmu": {"hw"},
    "test_smmu_cmd": {"arch"},
    "test_oracle": {"check"},
    "test_use_after_free": {"check"},
    "test_trace": {"trace"},
    "test_import_qemu": {"trace"},
    "test_import_ftrace": {"trace"},
    "test_import_strace": {"trace"},
    "test_mm": {"kernel"},
    "test_mmu_notifier": {"kernel"},
    "test_tlb_inv": {"kernel"},
    "test_dma_iommu": {"kernel"},
    "test_sva_table": {"kernel"},
    "test_attach": {"kernel"},
    "test_entry": {"kernel"},
    "test_sim": {"sim"},
    "test_scenarios": set(),
    "test_api": set(),
    "test_cosim": set(),
}

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^">]+)[">]', re.M)


def layer_of(rel):
    return rel.split("/")[0]


def folder_of(rel):
    return os.path.dirname(rel)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    src = os.path.join(root, "src")
    problems = []
    edges = {}
    n_files = 0
    for dirpath, _, names in os.walk(src):
        for name in sorted(names):
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, src)
            n_files += 1
            me = layer_of(rel)
            if me not in ALLOWED:
                problems.append(f"src/{rel}: folder '{me}' is no layer")
                continue
            text = open(path, encoding="utf-8").read()
            for kind, inc in INCLUDE.findall(text):
                if kind == "<":
                    continue
                if not os.path.exists(os.path.join(src, inc)):
                    problems.append(f"src/{rel}: includes \"{inc}\", "
                                    "not a path under src/")
                    continue
                them = layer_of(inc)
                if them not in ALLOWED[me]:
                    problems.append(
                        f"src/{rel}: layer '{me}' includes \"{inc}\" "
                        f"of layer '{them}' (allowed: "
                        f"{', '.join(sorted(ALLOWED[me]))})")
                a, b = folder_of(rel), folder_of(inc)
                if a != b:
                    edges.setdefault(a, set()).add(b)
    print(f"ok 1 - {n_files} files in src/ read")
    # cycles between folders, sub-folders counted as folders of their own
    state = {}

    def visit(node, stack):
        state[node] = 1
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                cyc = stack[stack.index(nxt):] + [nxt] if nxt in stack \
                    else [node, nxt]
                problems.append("include cycle between folders: "
                                + " -> ".join("src/" + c for c in cyc))
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    # the command line is a client of the public API only
    for dirpath, _, names in os.walk(os.path.join(root, "sim")):
        for name in sorted(names):
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(dirpath, name)
            text = open(path, encoding="utf-8").read()
            for kind, inc in INCLUDE.findall(text):
                local = os.path.exists(os.path.join(dirpath, inc))
                if kind == '"' and not local:
                    problems.append(f"{os.path.relpath(path, root)}: includes "
                                    f"\"{inc}\": the CLI includes only "
                                    "<smmusim/...>, system headers and its "
                                    "own files")
                elif kind == "<" and os.path.exists(os.path.join(src, inc)):
                    problems.append(f"{os.path.relpath(path, root)}: includes "
                                    f"<{inc}>, a private library header")
    # tests include only the private headers of the layer they test (and
    # below)
    order = ["base", "engine", "arch", "hw", "kernel", "check", "trace", "sim"]
    below = {l: set(ALLOWED[l]) for l in order}
    tdir = os.path.join(root, "tests")
    for name in sorted(os.listdir(tdir)) if os.path.isdir(tdir) else []:
        if not (name.startswith("test_") and name.endswith(".c")):
            continue
        stem = name[:-2]
        text = open(os.path.join(tdir, name), encoding="utf-8").read()
        if stem not in TEST_LAYERS:
            problems.append(f"tests/{name}: not in layering.py's TEST_LAYERS "
                            "(say which layer it tests)")
            continue
        may = set()
        for l in TEST_LAYERS[stem]:
            may |= below[l]
        for kind, inc in INCLUDE.findall(text):
            if kind != '"' or not os.path.exists(os.path.join(src, inc)):
                continue
            if layer_of(inc) not in may:
                problems.append(f"tests/{name}: includes \"{inc}\" of layer "
                                f"'{layer_of(inc)}', above what it tests "
                                f"({', '.join(sorted(TEST_LAYERS[stem])) or 'public API only'})")
    for i, p in enumerate(problems):
        print(f"not ok {i + 2} - {p}")
    if not problems:
        print("ok 2 - includes point down only, no folder cycle, sim/ and "
              "tests/ use what they may")
        print("1..2")
        return 0
    print(f"1..{len(problems) + 1}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
