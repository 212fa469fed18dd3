#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The documentation's commands run as written (issue 13).  TAP output.

usage: readme_commands.py SMMUSIM SRCDIR

1. Every command of the ```sh blocks of README.md's sections RUN_SECTIONS
   and of all of docs/validation.md runs, in document order, one shell per
   document (so `D=...` in one block serves the next), with `build/smmusim`
   replaced by SMMUSIM.  The shell's folder is a scratch copy of the source
   root (one symbolic link per top-level entry), so relative paths such as
   traces/real/... resolve as from the source root while the files the
   commands write (strict.trace ...) land in the scratch folder.  A command
   must exit with its documented status: the `exit N` of its trailing
   comment or of the comment lines right above it, else 0.  Blocks fenced
   as ```text (synopses with placeholders) and the other sections (the
   Quick start installs packages and builds) are not run.
2. Every path under traces/ that README.md or a docs/*.md page names
   exists (globs must match); docs/performance.md's commands are timings
   (hyperfine, /tmp), so for it this is the whole check.
3. Nothing in the documentation, tests/, tools/ or .ci/ points at the old
   shared-folder copy of the real traces, and traces/real/ matches its
   SHA256SUMS (the captures are data: they change only on purpose).
"""
import glob
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

RUN_SECTIONS = ["Using it", "Cross-validation against a real driver"]
RUN_DOCS = ["docs/validation.md"]
OLD_PATH = "shared" + "/traces"  # split so that this file does not match
OPENERS = {"for", "while", "until", "if", "case"}
CLOSERS = {"done", "fi", "esac"}

n = 0
failed = 0


def point(good, name, detail=""):
    global n, failed
    n += 1
    if good:
        print(f"ok {n} - {name}")
    else:
        failed += 1
        print(f"not ok {n} - {name}")
        for line in detail.splitlines()[:15]:
            print("# " + line)


def blocks(path, sections=None):
    """(first line number, language, lines) of each fenced block, only
    those inside the headings named in sections when it is given.  A
    heading's section ends at the next heading of its level or above."""
    out, found = [], set()
    active = []  # (level, title) of the enclosing headings
    fence = None
    for no, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if fence is not None:
            if line.startswith("```"):
                out.append(fence)
                fence = None
            else:
                fence[2].append(line)
            continue
        m = re.match(r"^(#{1,6})\s+(.*?)\s*$", line)
        if m:
            level = len(m.group(1))
            active = [h for h in active if h[0] < level] + [(level, m.group(2))]
            continue
        if line.startswith("```"):
            titles = {t for _, t in active}
            if sections is None or titles & set(sections):
                found |= titles & set(sections or [])
                fence = [no + 1, line[3:].strip(), []]
            else:
                fence = [no + 1, None, []]
    out = [b for b in out if b[1] is not None]
    return out, found


def trailing_comment(line):
    """The text of an unquoted ` # comment` at the end of a line."""
    quote = None
    for i, c in enumerate(line):
        if quote:
            if c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c == "#" and (i == 0 or line[i - 1].isspace()):
            return line[i + 1 :]
    return ""


def depth_change(line):
    d = 0
    for seg in re.split(r"[;&|]+", line):
        words = seg.split()
        if words and words[0] in OPENERS:
            d += 1
        if words and words[0] in CLOSERS:
            d -= 1
    return d


def commands(first, lines):
    """(line number, command text, expected exit) of one sh block: a
    backslash continues a line, a for/while/if/case runs to its
    done/fi/esac, comment lines right above a command belong to it."""
    out, notes, cur, start, depth = [], [], [], 0, 0
    for i, line in enumerate(lines):
        if not cur:
            if not line.strip():
                notes = []
                continue
            if line.lstrip().startswith("#"):
                notes.append(line)
                continue
            start = first + i
        cur.append(line)
        if line.endswith("\\"):
            continue
        depth += depth_change(line)
        if depth > 0:
            continue
        text = "\n".join(cur)
        said = " ".join(notes + [trailing_comment(x) for x in cur])
        m = re.search(r"\bexit (\d+)\b", said)
        out.append((start, text, int(m.group(1)) if m else 0))
        cur, notes, depth = [], [], 0
    if cur:
        out.append((start, "\n".join(cur), -1))  # unterminated: fails
    return out


def scratch_root(src):
    work = tempfile.mkdtemp(prefix="readme-commands.")
    for name in os.listdir(src):
        if name.startswith("build") or name == ".git":
            continue
        os.symlink(os.path.join(src, name), os.path.join(work, name))
    return work


def run_doc(smmusim, src, doc, cmds):
    """Runs the commands of one document in one shell; a point each."""
    work = scratch_root(src)
    script = ["cd " + shq(work)]
    for k, (_, text, _) in enumerate(cmds):
        text = re.sub(r"(?<![\w./-])build/smmusim\b", shq(smmusim), text)
        script.append("{\n%s\n} >.out.%d 2>&1 </dev/null" % (text, k))
        script.append("echo $? >.rc.%d" % k)
    try:
        subprocess.run(["sh", "-c", "\n".join(script)], timeout=600)
    except subprocess.TimeoutExpired:
        pass
    for k, (no, text, want) in enumerate(cmds):
        first = text.splitlines()[0]
        name = f"{doc}:{no}: {first[:90]}"
        try:
            rc = int(open(os.path.join(work, ".rc.%d" % k)).read())
            out = open(os.path.join(work, ".out.%d" % k), errors="replace").read()
        except (OSError, ValueError):
            point(False, name + " (did not run)")
            continue
        tail = "\n".join(out.splitlines()[-10:])
        point(rc == want, f"{name} (exit {rc}, documented {want})", tail)
    shutil.rmtree(work, ignore_errors=True)  # unlinks the links, never follows them


def shq(s):
    return "'" + s.replace("'", "'\\''") + "'"


def brace_expand(p):
    m = re.search(r"\{([^{}]*)\}", p)
    if not m:
        return [p]
    return [
        x
        for alt in m.group(1).split(",")
        for x in brace_expand(p[: m.start()] + alt + p[m.end() :])
    ]


def check_paths(src, doc):
    text = open(os.path.join(src, doc), encoding="utf-8").read()
    names = set()
    for m in re.finditer(r"(?<![\w./-])traces/[\w./*{},-]+", text):
        names.add(m.group(0).rstrip(".,"))
    missing = [
        p
        for name in sorted(names)
        for p in brace_expand(name)
        if not glob.glob(os.path.join(src, p))
    ]
    point(
        not missing,
        f"{doc}: the {len(names)} traces/ paths it names exist",
        "missing: " + " ".join(missing),
    )


def check_no_old_path(src):
    hits = []
    for pat in ["README.md", "docs/*.md", "tests/*", "tools/*", ".ci/*", "traces/**/*"]:
        for f in glob.glob(os.path.join(src, pat), recursive=True):
            if os.path.isfile(f) and not f.endswith(".xz"):
                for no, line in enumerate(open(f, errors="replace"), 1):
                    if OLD_PATH in line:
                        hits.append(f"{os.path.relpath(f, src)}:{no}")
    point(not hits, "no file points at the old shared copy of the traces", "\n".join(hits))


def check_sums(src):
    real = os.path.join(src, "traces", "real")
    bad, listed = [], set()
    for line in open(os.path.join(real, "SHA256SUMS")):
        want, name = line.split()
        listed.add(name)
        try:
            got = hashlib.sha256(open(os.path.join(real, name), "rb").read()).hexdigest()
        except OSError as e:
            got = str(e)
        if got != want:
            bad.append(f"{name}: {got}")
    unlisted = [
        os.path.relpath(f, real)
        for f in glob.glob(os.path.join(real, "**", "*.xz"), recursive=True)
        if os.path.relpath(f, real) not in listed
    ]
    point(
        not bad and not unlisted and listed,
        f"traces/real: the {len(listed)} captures match SHA256SUMS",
        "\n".join(bad + ["not listed: " + u for u in unlisted]),
    )


def main():
    smmusim, src = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    readme, found = blocks(os.path.join(src, "README.md"), RUN_SECTIONS)
    point(
        found == set(RUN_SECTIONS),
        "README.md has the sections " + ", ".join(RUN_SECTIONS),
        "missing: " + ", ".join(set(RUN_SECTIONS) - found),
    )
    docs = [("README.md", readme)]
    for doc in RUN_DOCS:
        docs.append((doc, blocks(os.path.join(src, doc))[0]))
    for doc, bl in docs:
        cmds = [c for no, lang, lines in bl if lang == "sh" for c in commands(no, lines)]
        point(bool(cmds), f"{doc}: {len(cmds)} commands to run")
        if cmds:
            run_doc(smmusim, src, doc, cmds)
    for doc in ["README.md", "traces/README.md"] + sorted(
        os.path.relpath(f, src) for f in glob.glob(os.path.join(src, "docs", "*.md"))
    ):
        check_paths(src, doc)
    check_no_old_path(src)
    check_sums(src)
    print(f"1..{n}")
    sys.exit(1 if failed else 0)


main()
