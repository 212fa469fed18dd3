#!/bin/sh
# CLI tests: the issue's verdicts through the command line, exit codes,
# JSON validity and error messages.  TAP output.
# usage: cli.sh SMMUSIM TRACES_DIR
set -u
# shellcheck source=tests/tap.sh
. "$(dirname "$0")/tap.sh"
S=$1
T=$2/scenarios

# expect NAME WANT_EXIT [grep-pattern-on-stderr] -- command...
expect() {
	name=$1 want=$2 pat=$3
	shift 4
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	check_exit "$name" "$want" "$pat" "" "$tmp/err" "$tmp/out"
}

# The device recovers faults by stall (Linux denies page requests).
ST="-o dev.fault_mode=stall"
expect "perm-upgrade linux-6.5 livelocks" 1 "fault-livelock" -- \
	"$S" replay "$T/perm-upgrade.trace" --policy linux-6.5 $ST
expect "perm-upgrade linux-6.6 clean" 0 "linux-6.6: none" -- \
	"$S" replay "$T/perm-upgrade.trace" --policy linux-6.6 $ST
expect "perm-upgrade linux-6.5 + hw BTM, CR2.PTM: livelocks" 1 \
	"fault-livelock" -- "$S" replay "$T/perm-upgrade.trace" \
	--policy linux-6.5 $ST -o smmu.btm=on
expect "perm-upgrade linux-6.5 + BTM what-if clean" 0 "linux-6.5: none" -- \
	"$S" replay "$T/perm-upgrade.trace" --policy linux-6.5 $ST \
	-o smmu.btm=on -o policy.smmu.btm=on
expect "perm-upgrade research-btm clean" 0 "research-btm: none" -- \
	"$S" replay "$T/perm-upgrade.trace" --policy research-btm $ST \
	-o smmu.btm=on
expect "perm-upgrade linux-6.5 PRI denied: no livelock" 0 "linux-6.5: none" \
	-- "$S" replay "$T/perm-upgrade.trace" --policy linux-6.5
expect "perm-upgrade linux-6.5 PRI service what-if livelocks" 1 \
	"fault-livelock" -- "$S" replay "$T/perm-upgrade.trace" \
	--policy linux-6.5 -o policy.smmu.pri=service
# The two flush-all scenarios: the bug switch must matter.
F="$T/flushall-overflow.trace"
expect "flushall-overflow fixed clean" 0 "linux-6.15: none" -- \
	"$S" replay "$F" --policy linux-6.15
expect "flushall-overflow bug: stale IOTLB" 1 "stale-translation" -- \
	"$S" replay "$F" --policy linux-6.15 \
	-o policy.smmu.flushall_overflow_bug=on
expect "flushall-overflow bug, x86 batch: stale" 1 "stale-translation" -- \
	"$S" replay "$F" --policy linux-6.15 -o policy.cpu.batch_flush=x86 \
	-o policy.smmu.flushall_overflow_bug=on
expect "flushall-per-page x86 clean" 0 "linux-6.15: none" -- \
	"$S" replay "$T/flushall-per-page.trace" --policy linux-6.15 \
	-o policy.cpu.batch_flush=x86
expect "policies lists research presets as what-ifs" 0 \
	"what-if, not mainline" -- "$S" policies
for p in linux-6.5 linux-6.6; do
	expect "munmap-dma $p clean" 0 "" -- \
		"$S" replay "$T/munmap-dma.trace" --policy $p
	expect "munmap-dma $p skip_invalidation" 1 "stale-translation" -- \
		"$S" replay "$T/munmap-dma.trace" --policy $p \
		-o policy.smmu.skip_invalidation=on
	expect "mprotect-dma $p clean" 0 "" -- \
		"$S" replay "$T/mprotect-dma.trace" --policy $p
	expect "mprotect-dma $p skip_invalidation" 1 "stale-permission" -- \
		"$S" replay "$T/mprotect-dma.trace" --policy $p \
		-o policy.smmu.skip_invalidation=on
done

# Side by side, JSON: parses, has the effective config, seed, stats.
expect "json side by side" 1 "" -- "$S" replay "$T/perm-upgrade.trace" \
	--policy linux-6.5 --policy linux-6.6 $ST --format json \
	--out "$tmp/r.json"
if python3 - "$tmp/r.json" <<'PY'; then ok "json content"; else bad "json content"; fi
import json, sys
d = json.load(open(sys.argv[1]))
runs = d["runs"]
assert [r["policy"] for r in runs] == ["linux-6.5", "linux-6.6"]
for r in runs:
    assert r["seed"] == 1 and "config" in r and "stats" in r and "latency" in r
    assert r["config"]["smmu.btm"] is False
    assert "smmu.iotlb.hits" in r["stats"] and "cpu.tlbi.issued.vale1is" in r["stats"]
assert runs[0]["config"]["policy.notifier.placement"] == "range_end"
assert runs[1]["config"]["policy.notifier.placement"] == "arch_flush"
v = runs[0]["violations"][0]
assert v["kind"] == "fault-livelock" and v["va"] == 0x401000 and v["line"] > 0 and v["cycle"] > 0
assert v["agent"] == "sid=0x10 ssid=1"
assert runs[1]["violations"] == []
PY

# Same trace + config + seed = byte-identical output.
"$S" replay "$T/munmap-dma.trace" --format json -o sim.seed=9 >"$tmp/a" 2>&1
"$S" replay "$T/munmap-dma.trace" --format json -o sim.seed=9 >"$tmp/b" 2>&1
if cmp -s "$tmp/a" "$tmp/b"; then ok "deterministic"; else bad "deterministic"; fi

# The CPU-events sample of docs/trace-format.md and the counters it quotes.
expect "cpu-events sample" 0 "" -- "$S" replay "$2/samples/cpu-events.trace" \
	-o cpu.feat_tlbirange=on -o cpu.feat_ttl=on --format json --out "$tmp/ce.json"
if python3 - "$tmp/ce.json" <<'PY'; then ok "cpu-events counters"; else bad "cpu-events counters"; fi
import json, sys
r = json.load(open(sys.argv[1]))["runs"][0]
s = r["stats"]
want = {"cpu.accesses": 26, "cpu.l1i.hits": 1, "cpu.l1i.misses": 1,
        "os.flush.arch_tlbbatch_add_pending": 8,
        "os.flush.arch_tlbbatch_flush": 1, "cpu.tlbi.no_effect": 4,
        "cpu.tlbi.issued.aside1": 1, "cpu.tlbi.received.aside1": 1,
        "cpu.tlbi.received.vmalle1is": 4, "cpu.dsb.ish": 8}
bad = {k: (s[k], v) for k, v in want.items() if s[k] != v}
assert not bad and r["violations_total"] == 0, bad
PY
expect "range tlbi without FEAT_TLBIRANGE" 2 "cpu.feat_tlbirange=on" -- \
	"$S" replay "$2/samples/cpu-events.trace" -o cpu.feat_ttl=on

# Bad input: exit 2 with the place named.
printf 'smmusim-trace 1\nmm_create mm=1\nmmap mm=1 va=0x400000 len=4K prot=rq\n' >"$tmp/bad1.trace"
expect "bad value names file:line:column" 2 "bad1.trace:3:35:" -- \
	"$S" replay "$tmp/bad1.trace"
printf 'smmusim-trace 2\n' >"$tmp/bad2.trace"
expect "wrong version" 2 "version" -- "$S" replay "$tmp/bad2.trace"
printf 'smmusim-trace 1\nfrobnicate mm=1\n' >"$tmp/bad3.trace"
expect "unknown event" 2 "bad3.trace:2:1:" -- "$S" replay "$tmp/bad3.trace"
printf 'smmusim-trace 1\n@100 mm_create mm=1\n@50 mm_create mm=2\n' >"$tmp/bad4.trace"
expect "out-of-order time stamp" 2 "bad4.trace:3:" -- "$S" replay "$tmp/bad4.trace"
printf 'smmusim-trace 1\nmm_create mm=1\nbind sid=0x400 ssid=1 mm=1\n' >"$tmp/bad5.trace"
expect "sid out of range" 2 "smmu.sid_bits" -- "$S" replay "$tmp/bad5.trace"
expect "missing file" 2 "cannot open" -- "$S" replay "$tmp/none.trace"
expect "unknown -o key" 2 "no.such.key" -- \
	"$S" replay "$T/perm-upgrade.trace" -o no.such.key=1
expect "-o out of range" 2 "1..256" -- \
	"$S" replay "$T/perm-upgrade.trace" -o cpu.count=0
expect "unknown policy" 2 "linux-6.6" -- \
	"$S" replay "$T/perm-upgrade.trace" --policy linux-2.4
expect "inconsistent keys" 2 "cpu.tlb.entries" -- \
	"$S" replay "$T/perm-upgrade.trace" -o cpu.tlb.entries=1000 -o cpu.tlb.ways=3
# -c FILE: the library's config files (smmusim_config_load_file); the file
# overrides the presets, -o overrides the file.
printf '# two PEs\ncpu.count = 2\n  smmu.btm=on  # trailing\n' >"$tmp/good.conf"
expect "-c file applies" 0 "^2$" -- \
	"$S" config --get cpu.count -c "$tmp/good.conf"
expect "-o overrides -c" 0 "^off$" -- \
	"$S" config --get smmu.btm -c "$tmp/good.conf" -o smmu.btm=off
printf 'cpu.count = 2\ncpu.count =  999\n' >"$tmp/bad.conf"
expect "-c bad value names file:line:column" 2 "bad.conf:2:14: cpu.count" -- \
	"$S" replay "$T/perm-upgrade.trace" -c "$tmp/bad.conf"
printf 'cpu.count = 2\n  oops\n' >"$tmp/syntax.conf"
expect "-c syntax error" 2 "syntax.conf:2:3: expected 'key = value'" -- \
	"$S" config --get cpu.count -c "$tmp/syntax.conf"
expect "-c missing file" 2 "cannot open config file" -- \
	"$S" config --get cpu.count -c "$tmp/none.conf"
expect "no arguments" 2 "" -- "$S"
expect "unknown flag" 2 "" -- "$S" replay "$T/perm-upgrade.trace" --frob
expect "config --list" 0 "policy.notifier.placement" -- "$S" config --list
expect "policies" 0 "linux-6.5" -- "$S" policies
expect "stats --list" 0 "^smmu.iotlb.hits	counter	count	" -- \
	"$S" stats --list
expect "stats --list names a family by its pattern" 0 \
	"^smmu.cmd.<op>	counter	" -- "$S" stats --list
expect "stats without --list" 2 "stats: use --list" -- "$S" stats
# every counter a run reports has its row in the table stats --list prints
"$S" stats --list | cut -f1 >"$tmp/defs"
"$S" replay "$T/perm-upgrade.trace" --format json --out "$tmp/r.json"
if python3 - "$tmp/defs" "$tmp/r.json" <<'PY'; then
import json, re, sys
pats = [re.compile("^" + re.sub(r"<[a-z]+>", "[a-z0-9_-]+",
                                 re.escape(l.strip()).replace(r"\<", "<")
                                 .replace(r"\>", ">")) + "$")
        for l in open(sys.argv[1]) if l.strip()]
run = json.load(open(sys.argv[2]))["runs"][0]
names = list(run["stats"]) + list(run["latency"])
missing = [n for n in names if not any(p.match(n) for p in pats)]
if missing:
    print("# not in stats --list:", missing[:5])
    sys.exit(1)
PY
	ok "every reported stat is listed by stats --list"
else
	bad "every reported stat is listed by stats --list"
fi
expect "--version" 0 "smmusim 0.2.0" -- "$S" --version
# A trace path that is not UTF-8 (an invalid byte, a truncated sequence, a
# surrogate, an overlong form) next to valid UTF-8 and a control byte: the
# JSON report is still valid UTF-8 JSON, each bad byte as \u00XX (issue 8).
bad="$tmp/$(printf 'bad\377-\303-\355\240\200-\300\257-\303\251-\001.trace')"
cp "$T/perm-upgrade.trace" "$bad"
"$S" replay "$bad" --format json --out "$tmp/u.json" >/dev/null 2>&1
if python3 - "$tmp/u.json" "$tmp" <<'PY'; then
import json, sys
raw = open(sys.argv[1], "rb").read()
run = json.loads(raw.decode("utf-8"))["runs"][0]
want = (sys.argv[2] + "/bad\u00ff-\u00c3-\u00ed\u00a0\u0080-\u00c0\u00af-"
        "\u00e9-\u0001.trace")
if run["trace"] != want:
    print("# trace:", ascii(run["trace"]))
    sys.exit(1)
PY
	ok "json report of a non-UTF-8 trace path is valid UTF-8 JSON"
else
	bad "json report of a non-UTF-8 trace path is valid UTF-8 JSON"
fi

tap_done
