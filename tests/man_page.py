#!/usr/bin/env python3
"""docs/smmusim.1 keeps step with `smmusim --help` (sim/main.c): every
command and every --option the usage text names is in the manual page.
TAP output.  usage: man_page.py SMMUSIM docs/smmusim.1"""
import re
import subprocess
import sys

exe, page = sys.argv[1], sys.argv[2]
usage = subprocess.run([exe, "--help"], check=True, capture_output=True,
                       text=True).stdout
man = open(page, encoding="utf-8").read().replace("\\-", "-")
commands = set(re.findall(r"^  ([a-z]+)\b", usage, re.M))
options = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", usage))
print("1..2")
missing = sorted(c for c in commands if not re.search(
    r"(^|\s|\")" + re.escape(c) + r"\b", man))
print(("ok" if not missing else "not ok") +
      " 1 - every command of --help is in the manual page")
for c in missing:
    print("# command not in docs/smmusim.1: " + c)
missing = sorted(o for o in options if o not in man)
print(("ok" if not missing else "not ok") +
      " 2 - every --option of --help is in the manual page")
for o in missing:
    print("# option not in docs/smmusim.1: " + o)
