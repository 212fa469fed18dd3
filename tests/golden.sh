#!/bin/sh
# Golden outputs (issue 7): the JSON reports of the scenarios and samples
# under every preset, of the imported QEMU traces (and the imported traces
# themselves, by sha256) under --hw qemu-7.2 and the default hardware, and
# of bench/replay-speed --events 20000, compared byte for byte with the
# files in tests/golden/.  Volatile fields (wall time, events/s, host
# memory) are never in them.  A refactoring that claims "behaviour
# unchanged" keeps every file identical; a change of behaviour regenerates
# them with --update and says why in its commit.  TAP output.
# usage: golden.sh SMMUSIM REPLAY_SPEED SRCDIR QEMU_LOG_DIR [--update]
set -u
# shellcheck source=tests/tap.sh
. "$(dirname "$0")/tap.sh"
S=$(realpath "$1")
R=$(realpath "$2")
SRC=$3
Q=$4
UPDATE=${5:-}
# Extra replay options (the always_yield run of tests/meson.build: the
# same files must come out).
EXTRA=${SMMUSIM_GOLDEN_EXTRA:-}
G="$SRC/tests/golden"
cd "$SRC" || exit 1

# NAME, then the command; its stdout is the golden output.
check() {
	name=$1
	shift
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	echo "exit $rc" >>"$tmp/out"
	if [ "$UPDATE" = "--update" ]; then
		cp "$tmp/out" "$G/$name"
		ok "$name (updated)"
	elif [ ! -f "$G/$name" ]; then
		bad "$name: no golden file $G/$name (run with --update)"
	elif cmp -s "$tmp/out" "$G/$name"; then
		ok "$name"
	else
		bad "$name differs from tests/golden/$name"
		diff "$G/$name" "$tmp/out" | head -c 2000 | sed 's/^/# /'
		head -3 "$tmp/err" | sed 's/^/# stderr: /'
	fi
}

# Pretty-print one JSON document per line so a diff names the field.
pretty() {
	python3 -c 'import json,sys
for line in sys.stdin:
    line = line.strip()
    if line.startswith("{"):
        d = json.loads(line)
        # provenance (version, git revision, command line, trace digest)
        # changes with every commit and path: not part of the result
        d.pop("fields", None)
        print(json.dumps(d, indent=1, sort_keys=False))
    elif line.split(":")[0] in ("events", "simulated cycles", "violations total"):
        print(line)'
}

replay_json() { # TRACE ARGS...
	t=$1
	shift
	# shellcheck disable=SC2086
	"$S" replay "$t" --format json "$@" $EXTRA --out "$tmp/r.json"
	rc=$?
	# a trace made in the scratch folder is named without that folder
	pretty <"$tmp/r.json" | sed "s#$tmp/##"
	return $rc
}

POL="--policy linux-6.1 --policy linux-6.5 --policy linux-6.6 --policy linux-6.12 --policy linux-6.15"
for t in traces/scenarios/*.trace traces/samples/*.trace; do
	b=$(basename "$t" .trace)
	# shellcheck disable=SC2086
	check "$b.default.json" replay_json "$t" $POL
	# shellcheck disable=SC2086
	check "$b.qemu-7.2.json" replay_json "$t" $POL --hw qemu-7.2
	# shellcheck disable=SC2086
	check "$b.gem5-default.json" replay_json "$t" $POL --hw gem5-default
done

# The per-page SVA invalidation of tools/study.sh's smmu side at 768 pages
# (linux-6.1, no RIL): its submissions fill the command queue, so the
# driver waits for room and reads CONS on its PEs' clocks; the goldens
# above never fill it (a host-speed change altered its sync waits unseen).
study_smmu() {
	sh "$SRC/tools/study-trace.sh" smmu 768 64 flush >"$tmp/s768.trace" &&
		replay_json "$tmp/s768.trace" --policy linux-6.1 \
			-o cpu.feat_tlbirange=on -o smmu.ril=off \
			-o policy.smmu.max_tlbi_ops=2097152
}
check "study-smmu-768-per-page.json" study_smmu

speed() {
	"$R" --events 20000 --report json | pretty
}
[ -z "$EXTRA" ] && check "replay-speed-20000.json" speed

require_dir "$Q" "QEMU logs (traces/real/qemu)"
for m in strict lazy; do
	log="$Q/linux61-virtio-blk-$m.log.xz"
	imp() { # from the log's folder: the trace names its source
		(cd "$Q" && "$S" import qemu "$(basename "$log")" \
			-o "$tmp/$m.trace") &&
			sha256sum <"$tmp/$m.trace" | cut -d' ' -f1 &&
			wc -l <"$tmp/$m.trace"
	}
	check "qemu-$m.import.txt" imp
	check "qemu-$m.qemu-7.2.json" replay_json "$tmp/$m.trace" --hw qemu-7.2
	check "qemu-$m.default.json" replay_json "$tmp/$m.trace"
done

tap_done
