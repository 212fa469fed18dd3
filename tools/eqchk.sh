#!/bin/sh
# Behaviour check for host-speed work: does a change leave every simulated
# result as it was?  Runs two builds (the one before the change and the one
# after) over the same inputs and compares what they print, byte for byte:
#
#   reports  every traces/samples and traces/scenarios trace under every
#            policy preset, with the default fault mode and with
#            dev.fault_mode=stall (JSON, one sorted run per line; the
#            revision and command fields differ between builds, so only
#            the runs are compared)
#   real     the four linux-ftrace ddmix captures imported with their QEMU
#            logs and replayed under their kernel, linux-6.15 and default;
#            the two QEMU captures under linux-6.1 and qemu-7.2
#   speed    bench/replay-speed's full JSON report at 20,000 and 100,000
#            events, without its host figures (seconds, events/s, memory)
#   study    tools/study.sh's four tables (only with --study: ~1 min)
#
#   sh tools/eqchk.sh [--study] [--keep DIR] OLD_BUILD NEW_BUILD
#
# OLD_BUILD and NEW_BUILD are build folders (release builds are quickest;
# make OLD_BUILD from a worktree of the previous head:
# `git worktree add --detach ../old HEAD~1 && meson setup ../old/build-rel
# -Dbuildtype=release && ninja -C ../old/build-rel`).  Exit 0 when every
# part is identical; 1, naming the parts that differ, when not; 2 on a usage
# error.  --keep DIR keeps both builds' outputs there for a diff.
# (docs/performance.md: every host-speed merge of issue 12 was checked so.)
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
study=0
keep=
while [ $# -gt 0 ]; do
	case $1 in
	--study) study=1 ;;
	--keep)
		[ $# -ge 2 ] || { echo "eqchk: --keep needs a folder" >&2; exit 2; }
		keep=$2
		shift
		;;
	-*) echo "eqchk: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
	shift
done
if [ $# -ne 2 ]; then
	echo "usage: sh tools/eqchk.sh [--study] [--keep DIR] OLD_BUILD NEW_BUILD" >&2
	exit 2
fi
for b in "$1" "$2"; do
	for f in smmusim bench/replay-speed; do
		[ -x "$b/$f" ] || { echo "eqchk: $b/$f: not built" >&2; exit 2; }
	done
done
old=$(cd "$1" && pwd)
new=$(cd "$2" && pwd)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
presets="linux-6.1 linux-6.5 linux-6.6 linux-6.12 linux-6.15 research-btm research-pri qemu-7.2 gem5-default"
ftrace="linux61-ddmix-strict linux61-ddmix-lazy linux612-ddmix-strict linux612-ddmix-lazy"
qemu="linux61-virtio-blk-strict linux61-virtio-blk-lazy"

# A JSON report as one sorted line per run; anything else (an error) as is.
norm() {
	python3 -c 'import json, sys
text = sys.stdin.read()
try:
    doc = json.loads(text)
except ValueError:
    print("RAW", text.strip())
    sys.exit(0)
for run in doc["runs"]:
    print(json.dumps(run, sort_keys=True))'
}

# The real captures imported by each build (the imports are compared too,
# by their sha256; each build replays its own).
import_all() { # bin dir
	for c in $ftrace; do
		d=$root/traces/real/linux-ftrace/$c
		"$1" import ftrace "$d.ftrace.xz" --qemu-log "$d.qemu.log.xz" \
		    -o "$2/$c.trace" 2>&1 || true
	done
	for c in $qemu; do
		"$1" import qemu "$root/traces/real/qemu/$c.log.xz" \
		    -o "$2/$c.trace" 2>&1 || true
	done
}

reports() { # bin
	for t in "$root"/traces/samples/*.trace "$root"/traces/scenarios/*.trace; do
		for p in $presets; do
			echo "== ${t#"$root"/} $p"
			"$1" replay "$t" --policy "$p" --format json -q 2>&1 | norm
			"$1" replay "$t" --policy "$p" --format json -q \
			    -o dev.fault_mode=stall 2>&1 | norm
		done
	done
}

real() { # bin dir (replayed from dir: the reports name the trace by the path given)
	cd "$2"
	for c in $ftrace; do
		case $c in linux61*) k=linux-6.1 ;; *) k=linux-6.12 ;; esac
		for p in $k linux-6.15 default; do
			echo "== $c $p"
			"$1" replay "$c.trace" --policy "$p" --format json -q 2>&1 | norm
		done
	done
	for c in $qemu; do
		for p in linux-6.1 qemu-7.2; do
			echo "== $c $p"
			"$1" replay "$c.trace" --policy "$p" --format json -q 2>&1 | norm
		done
	done
	cd "$root"
}

speed() { # replay-speed
	for n in 20000 100000; do
		"$1" --events $n --report json 2>&1 |
		    grep -v -E '^(seconds|events/s|peak memory):' |
		    sed -E 's/"sim\.max_host_memory":[0-9]+//g'
	done
}

run_one() { # side build
	o=$work/$1
	mkdir -p "$o/tr" "$o/study"
	import_all "$2/smmusim" "$o/tr" >"$o/import.txt"
	for c in $ftrace $qemu; do sha256sum <"$o/tr/$c.trace"; done >>"$o/import.txt"
	reports "$2/smmusim" >"$o/reports.txt"
	real "$2/smmusim" "$o/tr" >"$o/real.txt"
	speed "$2/bench/replay-speed" >"$o/speed.txt"
	if [ $study = 1 ]; then
		if sh "$root/tools/study.sh" --out "$o/study" --smmusim "$2/smmusim" \
		    -j 2 >"$o/study.log" 2>&1; then
			cat "$o/study/cpu.csv" "$o/study/smmu.csv" "$o/study/dma.csv" \
			    "$o/study/crossovers.csv" >"$o/study.txt"
		else
			echo "study.sh failed" >"$o/study.txt"
		fi
	fi
}

run_one old "$old"
run_one new "$new"
parts="import reports real speed"
[ $study = 1 ] && parts="$parts study"
rc=0
for p in $parts; do
	if cmp -s "$work/old/$p.txt" "$work/new/$p.txt"; then
		echo "eqchk: $p: identical ($(wc -l <"$work/new/$p.txt") lines)"
	else
		echo "eqchk: $p: DIFFERS"
		rc=1
	fi
done
if [ -n "$keep" ]; then
	mkdir -p "$keep"
	cp -r "$work/old" "$work/new" "$keep/"
fi
exit $rc
