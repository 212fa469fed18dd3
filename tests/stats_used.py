#!/usr/bin/env python3
"""Every row of the stats table is counted somewhere in src/.

The stats registry (src/engine/stats.c) registers every row of the table
(src/engine/stat_defs/*.def) that is one name when it is created, so a row
is reported, at 0, whether or not a model counts it.  A row that no code
counts any more is a stale fact: a stat the reports and docs/stats.md list
but nothing measures.  This check fails on one.

A counter row ID is counted when src/ (outside the table itself) names its
constant SM_STAT_ID (an index, an ID table) or passes ID to SM_INC, SM_ADD
or SM_CTR; a histogram row when it names SM_HIST_ID or passes ID to
SM_HIST_REC.  Comments do not count.  A family row ("smmu.cmd.<op>") is
registered member by member from a model's table; the stats-doc test checks
that a default simulator registers a member of each.

usage: stats_used.py SRCDIR        (TAP output)
"""
import glob
import os
import re
import sys

ROW = re.compile(r'SM_(COUNTER|HISTOGRAM)\(\s*(\w+),\s*"([^"]+)"')
COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)


def rows(root):
    """(kind, ID, name) of every row of the table, families included."""
    out = []
    for path in sorted(glob.glob(os.path.join(root, "src/engine/stat_defs",
                                              "*.def"))):
        out += ROW.findall(open(path, encoding="utf-8").read())
    return out


def sources(root):
    """The code of src/ without comments, outside the table itself."""
    text = []
    for path in sorted(glob.glob(os.path.join(root, "src/**/*.[ch]"),
                                 recursive=True)):
        rel = os.path.relpath(path, root)
        if rel.startswith(os.path.join("src", "engine", "stat_defs")):
            continue
        text.append(COMMENT.sub(" ", open(path, encoding="utf-8").read()))
    return "\n".join(text)


def counted(kind, ident, code):
    if kind == "COUNTER":
        const, macros = "SM_STAT_", "SM_INC|SM_ADD|SM_CTR"
    else:
        const, macros = "SM_HIST_", "SM_HIST_REC"
    return re.search(r"\b" + const + ident + r"\b", code) or re.search(
        r"\b(?:" + macros + r")\(\s*[^,;()]*(?:\([^()]*\)[^,;()]*)*,\s*" +
        ident + r"\s*[,)]", code)


def unused(table, code):
    return [f"{'counter' if k == 'COUNTER' else 'histogram'} {name} "
            f"({'SM_STAT_' if k == 'COUNTER' else 'SM_HIST_'}{ident})"
            for k, ident, name in table
            if "<" not in name and not counted(k, ident, code)]


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    table = rows(argv[1])
    code = sources(argv[1])
    failed = 0

    stale = unused(table, code)
    ones = sum("<" not in name for _, _, name in table)
    if stale:
        print(f"not ok 1 - every row of the stats table is counted in src/")
        for s in stale:
            print(f"# {s} is counted nowhere: count it, or delete its row "
                  "(src/engine/stat_defs/) and its line in docs/stats.md")
        failed = 1
    else:
        print(f"ok 1 - each of the {ones} rows of the stats table that is "
              "one name is counted in src/")

    # The check catches what it is for: each way of counting a row, and a
    # row counted nowhere, or only in a comment or by the other kind.
    probe = [("COUNTER", "A_B", "a.b"), ("COUNTER", "C", "c"),
             ("COUNTER", "D", "d"), ("HISTOGRAM", "A_B", "a.b"),
             ("HISTOGRAM", "E", "e"), ("COUNTER", "F", "f<x>")]
    cases = [
        ("SM_INC(s->ctr, A_B); SM_HIST_REC(x->s->hist, A_B, t - t0);"
         "s->ctr[y ? SM_STAT_C : SM_STAT_D]++; SM_HIST_REC(h, E, 1);", []),
        ("SM_ADD(s->ctr, A_B, f(a, b)); SM_CTR(c[0], C) = 1;"
         "SM_INC(ctr, D); p = SM_HIST_A_B; SM_HIST_REC(s->hist, E, v);", []),
        ("/* SM_INC(s->ctr, A_B) */ SM_INC(ctr, A_BC); SM_INC(ctr, C);"
         "SM_INC(ctr, E); SM_HIST_REC(h, A_B, 1); SM_HIST_REC(h, D, 1);"
         "SM_STAT_E;",
         ["counter a.b", "counter d", "histogram e"]),
    ]
    for i, (code, want) in enumerate(cases):
        got = [s.split(" (")[0] for s in unused(probe, COMMENT.sub(" ", code))]
        ok = got == want
        print(f"{'ok' if ok else 'not ok'} {i + 2} - the check on a probe "
              f"table finds {want or 'nothing'}")
        if not ok:
            print(f"# found {got}")
            failed = 1
    print(f"1..{len(cases) + 1}")
    return failed


if __name__ == "__main__":
    sys.exit(main(sys.argv))
