#!/usr/bin/env python3
"""Small files, small functions (docs/architecture.md, "Limits").

No .c or .h file in src/ or sim/ over MAX_FILE lines; no function over
MAX_FUNC lines, except a function made mostly of one table or of a switch
whose cases are one line each (listed in EXEMPT with the reason).  Function
bodies are found the way clang-format lays them out here: the opening brace
alone at column 0, the closing one too.  Prints TAP; exits 1 on a breach.
usage: limits.py SRCROOT
"""
import os
import sys

MAX_FILE = 800
MAX_FUNC = 100

# "path:function" -> why it may be longer than MAX_FUNC lines.
EXEMPT = {
}


def functions(lines):
    """Yield (name, first_line, length) for each function definition."""
    i = 0
    while i < len(lines):
        if lines[i].rstrip() == "{" and i > 0:
            # the signature ends on the line before; find its name
            j = i - 1
            sig = lines[j]
            while j > 0 and "(" not in sig:
                j -= 1
                sig = lines[j] + sig
            while j > 0 and not lines[j][:1].strip() == "" and \
                    "(" not in lines[j].split("(")[0] + "(" and j > i - 8:
                j -= 1
            head = sig.split("(")[0].split()
            name = head[-1].lstrip("*") if head else "?"
            k = i + 1
            while k < len(lines) and lines[k].rstrip() != "}":
                k += 1
            yield name, j + 1, k - i + 1
            i = k + 1
        else:
            i += 1


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    problems = []
    nfiles = nfuncs = 0
    for top in ("src", "sim"):
        for dirpath, _, names in os.walk(os.path.join(root, top)):
            for name in sorted(names):
                if not name.endswith((".c", ".h")):
                    continue
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root)
                lines = open(path, encoding="utf-8").read().split("\n")
                if lines and lines[-1] == "":
                    lines.pop()
                nfiles += 1
                if len(lines) > MAX_FILE:
                    problems.append(f"{rel}: {len(lines)} lines "
                                    f"(at most {MAX_FILE})")
                for fn, start, length in functions(lines):
                    nfuncs += 1
                    if length > MAX_FUNC and f"{rel}:{fn}" not in EXEMPT:
                        problems.append(f"{rel}:{start}: {fn}() is {length} "
                                        f"lines (at most {MAX_FUNC})")
    print(f"ok 1 - {nfiles} files, {nfuncs} functions read")
    for i, p in enumerate(problems):
        print(f"not ok {i + 2} - {p}")
    if not problems:
        print(f"ok 2 - no file over {MAX_FILE} lines, no function over "
              f"{MAX_FUNC} lines but the exempt tables")
    print(f"1..{len(problems) + 1 if problems else 2}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
