#!/bin/sh
# replay -j N (issue 12 goal 2): the trace parsed once, the --policy runs on
# N threads, and everything the command prints -- the report, the message of
# a refused event or a bad line, the exit status, --keep-going's messages
# -- the same as -j 1, on every trace under traces/, the imports of the real
# captures, binary traces, standard input, and traces longer than the
# reader's chunks with an error at their end or refusals in every chunk; an
# interrupt reports the runs as interrupted.  TAP output.
#
#   jobs.sh SMMUSIM TRACES_DIR
set -u
# shellcheck source=tests/tap.sh
. "$(dirname "$0")/tap.sh"
S=$1
TR=$2

# The report without its provenance (the command line, the trace's digest
# and size, which differ between the runs compared): the JSON "fields", the
# text report's first lines.
noprov() {
	sed -e 's/^{"fields":{[^}]*},/{/' \
		-e '/^\(version\|revision\|command\|trace_sha256\|trace_size\): /d'
}

# run OUT ARGS...: stdout, then the exit status and stderr, into OUT.
run() {
	out=$1
	shift
	"$S" replay "$@" >"$tmp/rep" 2>"$tmp/err"
	echo "exit $?" >"$out"
	noprov <"$tmp/rep" >>"$out"
	# (an ASan build warns about the fibers' swapcontext, with its pid)
	grep -v '^==[0-9]*==WARNING: ASan' "$tmp/err" >>"$out"
}

# same NAME ARGS...: -j 2 and -j 3 print what -j 1 prints.
same() {
	name=$1
	shift
	run "$tmp/j1" "$@"
	for j in 2 3; do
		run "$tmp/jn" "$@" -j $j
		if cmp -s "$tmp/j1" "$tmp/jn"; then
			ok "$name: -j $j as -j 1"
		else
			bad "$name: -j $j differs from -j 1"
			diff "$tmp/j1" "$tmp/jn" | head -5 | sed 's/^/# /'
		fi
	done
}

require_dir "$TR/real/qemu" "QEMU logs (traces/real/qemu)"
"$S" import qemu "$TR/real/qemu/linux61-virtio-blk-lazy.log.xz" \
	-o "$tmp/qemu.trace" 2>/dev/null || bad "import qemu"
"$S" import ftrace "$TR/real/linux-ftrace/linux61-ddmix-lazy.ftrace.xz" \
	--qemu-log "$TR/real/linux-ftrace/linux61-ddmix-lazy.qemu.log.xz" \
	-o "$tmp/ftrace.trace" 2>/dev/null || bad "import ftrace"
"$S" convert "$tmp/ftrace.trace" "$tmp/ftrace.smt" 2>/dev/null

POL="--policy linux-6.1 --policy linux-6.6 --policy linux-6.12 --policy linux-6.15"
for t in "$TR"/samples/*.trace "$TR"/scenarios/*.trace; do
	# shellcheck disable=SC2086
	same "$(basename "$t")" "$t" $POL --format json
done
# shellcheck disable=SC2086
same "qemu import" "$tmp/qemu.trace" $POL --hw qemu-7.2 --format json
# shellcheck disable=SC2086
same "ftrace import, binary" "$tmp/ftrace.smt" $POL --hw qemu-7.2

# A refused event (linux-6.1 has no FEAT_TLBIRANGE) before a bad line: the
# refusal is what -j 1 reports.
{
	cat "$TR/samples/cpu-events.trace"
	echo "bogus mm=1"
} >"$tmp/refused-then-bad.trace"
# shellcheck disable=SC2086
same "refusal before a bad line" "$tmp/refused-then-bad.trace" $POL
# A bad line after many chunks of events.
{
	cat "$tmp/ftrace.trace"
	echo "bogus mm=1"
} >"$tmp/long-bad.trace"
same "bad last line of a long trace" "$tmp/long-bad.trace" \
	--policy linux-6.1 --policy linux-6.12
# Standard input, more threads than runs, a finish that fails (none of the
# traces has one: the host-memory cap is the simplest).
run "$tmp/j1" - --policy linux-6.1 --policy linux-6.6 <"$tmp/qemu.trace"
run "$tmp/jn" - --policy linux-6.1 --policy linux-6.6 -j 8 <"$tmp/qemu.trace"
cmp -s "$tmp/j1" "$tmp/jn" && ok "standard input, -j 8 for two runs" ||
	bad "standard input with -j 8 differs"
same "a small host-memory cap" "$tmp/ftrace.smt" --policy linux-6.1 \
	--policy linux-6.12 -o sim.max_host_memory=2M

# --keep-going: the refused events' messages in -j 1's order (by event, then
# run), the count in each report, the stop at a bad line after them.
# shellcheck disable=SC2086
same "--keep-going, refusals then a bad line" "$tmp/refused-then-bad.trace" \
	$POL --keep-going
# Refusals in every chunk of a long trace: an event of a domain that does not
# exist every 997 lines, whose untimed start also pushes the next time
# stamps into the past (thousands of refusals per run).
awk 'NR > 1 && NR % 997 == 0 && /^@/ {
	print; print "dma_unmap dom=9 va=0x1000 len=0x1000 cpu=0"; next } { print }' \
	"$tmp/ftrace.trace" >"$tmp/kg.trace"
same "--keep-going, refusals in every chunk" "$tmp/kg.trace" \
	--policy linux-6.1 --policy linux-6.12 --policy linux-6.15 --hw qemu-7.2 \
	--keep-going --format json
same "--keep-going, then out of host memory" "$tmp/ftrace.smt" \
	--policy linux-6.1 --policy linux-6.12 -o sim.max_host_memory=2M \
	--keep-going

# An interrupt: the runs finish what they were given and the report says
# so, exit 128 + SIGTERM, as -j 1 (tests/sweep.sh).  100,000,000 events in
# gzip members, still running after a second in any build (10,000,000 once
# took about a second).
printf 'smmusim-trace 1\nmm_create mm=1\nmmap mm=1 va=0x400000 len=16K prot=rw\n' |
	gzip >"$tmp/long.trace.gz"
awk 'BEGIN { for (i = 0; i < 200000; i++) print "cpu_access cpu=0 mm=1 va=0x400000 op=w" }' |
	gzip >"$tmp/long.body.gz"
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	cat "$tmp/long.body.gz" "$tmp/long.body.gz" "$tmp/long.body.gz" \
		"$tmp/long.body.gz" "$tmp/long.body.gz"
done >"$tmp/long.50.gz"
for i in 1 2 3 4 5 6 7 8 9 10; do
	cat "$tmp/long.50.gz"
done >>"$tmp/long.trace.gz"
"$S" replay "$tmp/long.trace.gz" --policy linux-6.1 --policy linux-6.12 -j 2 \
	--format json --out "$tmp/long.json" 2>"$tmp/err" &
pid=$!
sleep 1
kill -TERM $pid # (a background job of sh ignores SIGINT)
wait $pid
rc=$?
marked=$(grep -o '"interrupted":true' "$tmp/long.json" | wc -l)
if [ $rc -eq 143 ] && [ "$marked" -eq 2 ] && grep -q "interrupted" "$tmp/err"; then
	ok "-j 2, SIGTERM: both runs reported as interrupted, exit 143"
else
	bad "-j 2, SIGTERM: exit $rc, $marked runs marked interrupted"
	sed 's/^/# /' "$tmp/err"
fi

refused "-j 0 refused" "-j" \
	"$S" replay "$tmp/qemu.trace" -j 0
refused "-j x refused" "-j" "$S" replay "$tmp/qemu.trace" --jobs=x
tap_done
