#!/usr/bin/env python3
"""docs/api.md's "Function index" lists exactly the functions libsmmusim
exports (nm -D of the shared library): a public function nobody
documented, or a documented one that is gone, fails.  TAP output.
usage: api_index.py LIBSMMUSIM.so DOCS/api.md"""
import re
import subprocess
import sys

lib, doc = sys.argv[1], sys.argv[2]
out = subprocess.run(["nm", "-D", "--defined-only", lib], check=True,
                     capture_output=True, text=True).stdout
exported = {l.split()[-1] for l in out.splitlines()
            if l.split() and l.split()[-1].startswith("smmusim_")
            and l.split()[-2] in ("T", "W")}
text = open(doc, encoding="utf-8").read()
m = re.search(r"^## Function index\n(.*?)(?=^## )", text, re.S | re.M)
index = set(re.findall(r"`(smmusim_[a-z0-9_]+)`", m.group(1) if m else ""))
print("1..3")
print(("ok" if m else "not ok") + " 1 - docs/api.md has a Function index")
missing = sorted(exported - index)
print(("ok" if not missing else "not ok") +
      " 2 - every exported function is in the index")
for name in missing:
    print("# exported, not in docs/api.md's Function index: " + name)
gone = sorted(index - exported)
print(("ok" if not gone else "not ok") +
      " 3 - every function in the index is exported")
for name in gone:
    print("# in the index, not exported: " + name)
