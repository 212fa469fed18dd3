#!/usr/bin/env python3
"""Register stats by ID instead of by name (issue 7, "every stat once").

The stats table (src/engine/stat_defs/*.def) is the one place that spells a
stat's name.  This tool rewrites the registrations that still spell it:

  sm_stats_counter(st, "smmu.iotlb.hits")
      -> sm_stats_counter_id(st, SM_STAT_SMMU_IOTLB_HITS)
  sm_stats_hist(st, "smmu.translation.latency")
      -> sm_stats_hist_id(st, SM_HIST_SMMU_TRANSLATION_LATENCY)
  sm_stats_counterf(st, "smmu.cmd.%s", nm)           (a family row)
      -> sm_stats_family_counter(st, SM_STAT_SMMU_CMD_OP, "%s", nm)
  sm_stats_counter(st, "os.flush.flush_tlb_mm.cycles")  (a family member)
      -> sm_stats_family_counter(st, SM_STAT_OS_FLUSH_ROUTINE_CYCLES, "%s",
                                 "flush_tlb_mm")

Only names the table has are rewritten; everything else is listed as left
(e.g. sm_stats_counterf(st, "smmu.faults.%s", evt_names[i]), whose rows are
not a family: give those an ID array, or keep them, they are checked against
the table all the same).  Run clang-format -i on the files afterwards.

With --bind it edits nothing and prints, for each function and struct, the
sm_stat_bind table that would replace its `VAR->FIELD = sm_stats_...(ST,
"name");` statements (VAR's struct type is taken from a `struct TYPE *VAR`
parameter or local of the function); pasting it, calling sm_stats_bind()
once and deleting the statements is the next, manual step
(src/check/oracle.c shows the result).  Run it before the rewrite: it reads
the statements that still spell the names.

usage: tools/stats_ids.py [--dry-run | --bind] FILE...
"""
import glob
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROW = re.compile(r'SM_(COUNTER|HISTOGRAM)\(\s*(\w+),\s*"([^"]+)"')
FUNCS = ("sm_stats_counterf", "sm_stats_counter", "sm_stats_hist")


def load_table():
    """name -> enum constant, per kind; families as (prefix, suffix, id)."""
    exact = {"COUNTER": {}, "HISTOGRAM": {}}
    families = []
    for path in sorted(glob.glob(os.path.join(ROOT, "src/engine/stat_defs",
                                              "*.def"))):
        for kind, ident, name in ROW.findall(open(path).read()):
            const = ("SM_STAT_" if kind == "COUNTER" else "SM_HIST_") + ident
            m = re.match(r"^(.*)<[a-z]+>(.*)$", name)
            if m:
                families.append((m.group(1), m.group(2), const))
            else:
                exact[kind][name] = const
    return exact, families


def split_call(text, start):
    """Arguments (top-level, as text) of the call whose '(' is at start, and
    the index after its ')'."""
    depth, i, args, cur = 0, start, [], ""
    while i < len(text):
        c = text[i]
        if c == '"':
            j = i + 1
            while text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            cur += text[i:j + 1]
            i = j + 1
            continue
        if c == "(":
            depth += 1
            if depth == 1:
                i += 1
                continue
        elif c == ")":
            depth -= 1
            if depth == 0:
                args.append(cur.strip())
                return args, i + 1
        elif c == "," and depth == 1:
            args.append(cur.strip())
            cur = ""
            i += 1
            continue
        cur += c
        i += 1
    raise ValueError("unbalanced call")


def literal(arg):
    m = re.fullmatch(r'"([^"\\]*)"', arg)
    return m.group(1) if m else None


def convert_call(func, args, exact, families):
    """The replacement text, or (None, why)."""
    name = literal(args[1]) if len(args) > 1 else None
    if func == "sm_stats_counter" and len(args) == 2 and name in \
            exact["COUNTER"]:
        return f"sm_stats_counter_id({args[0]}, {exact['COUNTER'][name]})", ""
    if func == "sm_stats_counter" and len(args) == 2 and name:
        for pre, suf, const in families:
            member = name[len(pre):len(name) - len(suf)]
            if const.startswith("SM_STAT_") and name.startswith(pre) and \
                    name.endswith(suf) and re.fullmatch(r"[a-z0-9_-]+",
                                                        member):
                return (f"sm_stats_family_counter({args[0]}, {const}, "
                        f"\"%s\", \"{member}\")"), ""
    if func == "sm_stats_hist" and len(args) == 2 and name in \
            exact["HISTOGRAM"]:
        return f"sm_stats_hist_id({args[0]}, {exact['HISTOGRAM'][name]})", ""
    if func == "sm_stats_counterf" and name is not None and len(args) == 3:
        m = re.fullmatch(r"([^%]*)(%[a-z]+)([^%]*)", name)
        for pre, suf, const in families if m else []:
            if const.startswith("SM_STAT_") and (pre, suf) == \
                    (m.group(1), m.group(3)):
                return (f"sm_stats_family_counter({args[0]}, {const}, "
                        f"\"{m.group(2)}\", {args[2]})"), ""
        return None, "its format is no family row of the table"
    return None, "not a literal name of the table"


def calls(text):
    """(func, start of name, index of '(') for each registration call."""
    pat = re.compile(r"\b(" + "|".join(FUNCS) + r")\s*\(")
    for m in pat.finditer(text):
        yield m.group(1), m.start(), m.end() - 1


def rewrite(path, text, exact, families):
    out, pos, done, left = "", 0, 0, []
    for func, start, paren in calls(text):
        if start < pos:
            continue
        args, end = split_call(text, paren)
        new, why = convert_call(func, args, exact, families)
        line = text.count("\n", 0, start) + 1
        if new is None:
            left.append(f"{path}:{line}: {func}({', '.join(args)}): {why}")
            continue
        out += text[pos:start] + new
        pos = end
        done += 1
    return out + text[pos:], done, left


ASSIGN = re.compile(r"(\w+)->([\w\[\]]+)\s*=\s*(sm_stats_(?:counter|hist))"
                    r"\(\s*\w+\s*,\s*\"([^\"]+)\"\s*\)\s*;")
SIG = re.compile(r"^(?:static\s+)?[\w\s\*]+?\b(\w+)\(([^)]*)\)\s*\n\{", re.M)


def bind_tables(path, text, exact):
    sigs = list(SIG.finditer(text))
    for k, sig in enumerate(sigs):
        body = text[sig.end():sigs[k + 1].start() if k + 1 < len(sigs)
                    else len(text)]
        types = dict((v, t) for t, v in
                     re.findall(r"struct\s+(\w+)\s*\*\s*(\w+)",
                                sig.group(2) + body))
        rows = {}
        for var, field, func, name in ASSIGN.findall(body):
            kind = "COUNTER" if func == "sm_stats_counter" else "HISTOGRAM"
            const = exact[kind].get(name)
            if not const or var not in types:
                continue
            macro = "SM_STAT_BIND" if kind == "COUNTER" else "SM_HIST_BIND"
            rows.setdefault(types[var], []).append(
                f"\t{macro}(struct {types[var]}, {field}, "
                f"{const[len('SM_STAT_'):]}),")
        for typ, lines in rows.items():
            short = typ[3:] if typ.startswith("sm_") else typ
            print(f"/* {path}: the fields of struct {typ} that "
                  f"{sig.group(1)}() registers */")
            print(f"static const struct sm_stat_bind {short}_stats[] = {{")
            print("\n".join(lines))
            print("};\n")


def main(argv):
    mode = "write"
    files = []
    for a in argv[1:]:
        if a in ("--dry-run", "--bind"):
            mode = a[2:]
        elif a.startswith("-"):
            print(__doc__, file=sys.stderr)
            return 2
        else:
            files.append(a)
    if not files:
        print(__doc__, file=sys.stderr)
        return 2
    exact, families = load_table()
    for path in files:
        text = open(path, encoding="utf-8").read()
        if mode == "bind":
            bind_tables(path, text, exact)
            continue
        new, done, left = rewrite(path, text, exact, families)
        for why in left:
            print("left " + why)
        print(f"{path}: {done} registrations by ID"
              + (" (dry run)" if mode == "dry-run" else ""))
        if mode == "write" and new != text:
            open(path, "w", encoding="utf-8").write(new)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
