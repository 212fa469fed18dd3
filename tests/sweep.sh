#!/bin/sh
# smmusim sweep and merge (issue 11 items 1-3; docs/sweeps.md): a 102-point
# study (two traces x three policy presets x 17 seeds) run with -j 2 gives
# the same table, byte for byte, as the same study emitted as GNU parallel
# jobs and as a Slurm array (the job commands run here by sh, one after
# the other) then merged; running it again skips every done point;
# JSON Lines and CSV hold the same rows; replay's rows, provenance,
# --label, --keep-going and a clean SIGINT.  TAP output.
# usage: sweep.sh SMMUSIM TRACES_DIR
set -u
# shellcheck source=tests/tap.sh
. "$(dirname "$0")/tap.sh"
S=$(realpath "$1")
T=$(realpath "$2")/scenarios
cd "$tmp" || exit 1

seeds=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17
study() {
	"$S" sweep "$T/munmap-dma.trace" "$T/mprotect-dma.trace" \
		--policy linux-6.1 --policy linux-6.6 --policy linux-6.12 \
		--set sim.seed=$seeds --stat 'smmu.iotlb.*' \
		--stat cpu.tlbi.issued.vae1is --label study=test "$@"
}

study -j 2 --out a.csv 2>err
rc=$?
rows=$(($(wc -l <a.csv) - 1))
if [ $rc -eq 0 ] && [ "$rows" -eq 102 ]; then
	ok "102 points with -j 2: 102 rows"
else
	bad_err "102 points with -j 2: exit $rc, $rows rows"
fi

cp a.csv a0.csv
study -j 2 --out a.csv 2>err
if cmp -s a.csv a0.csv && grep -q "102 points, 0 to run, 102 done" err; then
	ok "a second run skips every done point"
else
	bad_err "a second run changed the table"
fi

# interrupted half-way (the table lost its last 40 rows): the rest runs
head -63 a0.csv >b.csv
study -j 2 --out b.csv 2>err
if cmp -s b.csv a0.csv && grep -q "40 to run, 62 done" err; then
	ok "a sweep resumed where it stopped gives the same table"
else
	bad_err "a resumed sweep differs"
fi

study -j 1 --out c.csv 2>/dev/null
if cmp -s c.csv a0.csv; then
	ok "-j 1 and -j 2 give the same table"
else
	bad "-j 1 and -j 2 differ"
fi

study --emit parallel jobs >/dev/null 2>err
sh jobs/jobs.txt 2>err && "$S" merge jobs -o m.csv 2>>err
if [ "$(wc -l <jobs/jobs.txt)" -eq 102 ] && cmp -s m.csv a0.csv; then
	ok "--emit parallel: the jobs merged give the sweep's table"
else
	bad_err "--emit parallel: merged table differs"
	diff a0.csv m.csv | head -5 | sed 's/^/# /'
fi

sh jobs/jobs.txt 2>err
"$S" merge jobs -o m2.csv
if cmp -s m2.csv a0.csv && [ "$(cat jobs/*.jsonl | wc -l)" -eq 102 ]; then
	ok "the jobs run again skip their done point"
else
	bad "the jobs run again changed their rows"
fi

study --emit slurm sl >/dev/null 2>err
k=0
while [ $k -lt 102 ]; do
	SLURM_ARRAY_TASK_ID=$k sh sl/sweep.sbatch 2>>err || break
	k=$((k + 1))
done
"$S" merge sl -o s.csv 2>>err
if grep -q "^#SBATCH --array=0-101$" sl/sweep.sbatch && cmp -s s.csv a0.csv
then
	ok "--emit slurm: the array's tasks merged give the sweep's table"
else
	bad_err "--emit slurm: merged table differs"
fi

"$S" merge sl -o s.jsonl && study --out a.jsonl 2>/dev/null
if cmp -s s.jsonl a.jsonl &&
	python3 -c 'import csv, json, sys
rows = [json.loads(l) for l in open("a.jsonl")]
table = list(csv.DictReader(open("a.csv")))
assert len(rows) == len(table) == 102
for j, c in zip(rows, table):
    assert list(j) == list(c), "columns"
    for k in j:
        v = j[k]
        assert str(v).lower() if isinstance(v, bool) else str(v) == c[k], k
assert rows[0]["study"] == "test" and rows[0]["sim.seed"] == 1
assert rows[0]["version"] and len(rows[0]["trace_sha256"]) == 64
assert "-j" not in rows[0]["command"] and "--out" not in rows[0]["command"]
assert len({r["point"] for r in rows}) == 102
'; then
	ok "JSON Lines and CSV hold the same rows, provenance and labels"
else
	bad "JSON Lines and CSV rows differ"
fi

# A spec file says the same as the options.
cat >spec <<SPEC
# the study of the tests
trace  $T/munmap-dma.trace
trace  $T/mprotect-dma.trace
policy linux-6.1
policy linux-6.6
policy linux-6.12
set    sim.seed=$seeds
stat   smmu.iotlb.*
stat   cpu.tlbi.issued.vae1is
label  study=test
SPEC
"$S" sweep --spec spec -j 2 --out sp.csv 2>/dev/null
if python3 -c 'import csv
a = list(csv.DictReader(open("sp.csv")))
b = list(csv.DictReader(open("a0.csv")))
assert len(a) == len(b) == 102
for x, y in zip(a, b):
    assert x.pop("command").startswith("smmusim sweep --spec")
    y.pop("command")
    assert x == y
'; then
	ok "--spec FILE: the same rows (but the command line)"
else
	bad "--spec FILE differs"
fi

printf 'trace x\nrepeat 3\n' >bad.spec
"$S" sweep --spec bad.spec --out x.csv 2>err
if [ $? -eq 2 ] && grep -q "bad.spec:2:1: unknown directive 'repeat'" err; then
	ok "a bad spec line: FILE:LINE:COL, exit 2"
else
	bad_err "a bad spec line"
fi

"$S" sweep "$T/munmap-dma.trace" --stat no.such.stat --out x.csv 2>err
if [ $? -eq 2 ] && grep -q "unknown stat 'no.such.stat'" err; then
	ok "an unknown --stat is refused"
else
	bad_err "an unknown --stat"
fi

# replay: rows, provenance, labels
"$S" replay "$T/munmap-dma.trace" --policy linux-6.1 --policy linux-6.6 \
	--format csv --label run=r1 >r.csv
sum=$(sha256sum "$T/munmap-dma.trace" | cut -d' ' -f1)
if [ "$(wc -l <r.csv)" -eq 3 ] && grep -q "$sum" r.csv &&
	head -1 r.csv | grep -q "^version,revision,command,trace_sha256,trace_size,run,policy,"
then
	ok "replay --format csv: a header, one row per run, provenance, label"
else
	bad "replay --format csv"
fi

"$S" replay "$T/munmap-dma.trace" --format json >r.json
if python3 -c 'import json; d = json.load(open("r.json"))
f = d["fields"]
assert f["version"] == "0.2.0" and f["revision"] and f["command"].startswith("smmusim replay")
assert len(f["trace_sha256"]) == 64 and int(f["trace_size"]) > 0'; then
	ok "replay --format json carries version, revision, command, trace digest"
else
	bad "replay --format json provenance"
fi

printf 'smmusim-trace 1\nmm_create mm=1\ncpu_access cpu=0 mm=7 va=0x400000 op=w\nmmap mm=1 va=0x400000 len=16K prot=rw\ncpu_access cpu=0 mm=1 va=0x400000 op=w\n' >kg.trace
"$S" replay kg.trace --format jsonl >kg.out 2>err
rc1=$?
"$S" replay kg.trace --keep-going --format jsonl >kg.out 2>err
rc2=$?
if [ $rc1 -eq 2 ] && [ $rc2 -eq 0 ] &&
	grep -q "kg.trace:3:1: cpu_access: mm=7 does not exist" err &&
	grep -q '"refused_events":1' kg.out && grep -q "1 refused events skipped" err
then
	ok "--keep-going: the refused event named, counted, the rest replayed"
else
	bad_err "--keep-going"
fi

# 100,000,000 events, still running after a second in any build (10,000,000
# once took 1.1 s in the debugoptimized build, too close): gzip members of
# 200,000 events each, concatenated (RFC 1952 section 2.2)
printf 'smmusim-trace 1\nmm_create mm=1\nmmap mm=1 va=0x400000 len=16K prot=rw\n' |
	gzip >long.trace.gz
awk 'BEGIN { for (i = 0; i < 200000; i++) print "cpu_access cpu=0 mm=1 va=0x400000 op=w" }' |
	gzip >long.body.gz
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do cat long.body.gz long.body.gz long.body.gz long.body.gz long.body.gz; done >long.50.gz
for i in 1 2 3 4 5 6 7 8 9 10; do cat long.50.gz; done >>long.trace.gz
"$S" replay long.trace.gz --format json --out long.json 2>err &
pid=$!
sleep 1
# SIGTERM: a background job of sh ignores SIGINT
kill -TERM $pid
wait $pid
rc=$?
if [ $rc -eq 143 ] && grep -q '"interrupted":true' long.json &&
	grep -q "interrupted" err; then
	ok "SIGTERM: the report of what was measured, marked interrupted, exit 143"
else
	bad_err "SIGTERM: exit $rc"
fi

tap_done
