#!/bin/sh
# Build the libFuzzer targets of tests/fuzz and run them (docs/fuzzing.md).
#
#   sh tools/fuzz.sh [TARGET|all] [SECONDS] [-- LIBFUZZER-FLAGS...]
#
# TARGET is one of replay, config, import_qemu, import_ftrace, import_strace,
# events, alloc, binary, reader
# (default: all, one after the other); SECONDS is each target's run time
# (default 60).  The
# build is build-fuzz/ (clang, ASan+UBSan, -fsanitize=fuzzer-no-link on the
# library), separate from the normal gcc build, which does not change.
# Inputs the fuzzer finds go to $FUZZ_OUT/TARGET/corpus (default
# build-fuzz/fuzz-out), never into tests/fuzz/corpus; crashes, hangs and leaks
# to $FUZZ_OUT/TARGET/ as crash-*, timeout-*, leak-*, oom-*.  Exit status:
# 0 when no target found anything, 1 otherwise, 2 on usage or build errors.
set -eu
cd "$(dirname "$0")/.."

TARGETS="replay config import_qemu import_ftrace import_strace events alloc binary reader"
target=${1:-all}
secs=${2:-60}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] && shift
[ "${1:-}" = "--" ] && shift

case $target in
all) ;;
replay | config | import_qemu | import_ftrace | import_strace | events | alloc | binary | reader) TARGETS=$target ;;
*)
	echo "usage: tools/fuzz.sh [replay|config|import_qemu|import_ftrace|import_strace|events|alloc|binary|reader|all] [SECONDS] [-- FLAGS]" >&2
	exit 2
	;;
esac
case $secs in
'' | *[!0-9]*)
	echo "fuzz.sh: SECONDS must be a number, not '$secs'" >&2
	exit 2
	;;
esac

if ! command -v clang >/dev/null; then
	echo "fuzz.sh: clang is needed (apt-get install clang)" >&2
	exit 2
fi
if [ ! -f build-fuzz/build.ninja ]; then
	log=$(mktemp)
	CC=clang meson setup build-fuzz -Dfuzz=true -Dtests=false \
		-Djemalloc=disabled -Db_sanitize=address,undefined \
		-Db_lundef=false -Dc_args=-fsanitize=fuzzer-no-link \
		>"$log" 2>&1 || {
		cat "$log" >&2
		rm -f "$log"
		exit 2
	}
	rm -f "$log"
fi
ninja -C build-fuzz >/dev/null || exit 2

# ASan's quarantine would otherwise fill most of the 256 MiB RSS limit;
# UBSan reports must stop the run so that libFuzzer saves the input.
export ASAN_OPTIONS="${ASAN_OPTIONS:-quarantine_size_mb=16:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
out=${FUZZ_OUT:-build-fuzz/fuzz-out}
status=0
for t in $TARGETS; do
	case $t in
	import_qemu) max_len=8192 ;;
	import_ftrace) max_len=32768 ;;
	import_strace) max_len=16384 ;;
	events) max_len=2048 ;;
	*) max_len=1024 ;;
	esac
	dict=""
	case $t in
	replay | alloc) dict=-dict=tests/fuzz/replay.dict ;;
	config | import_qemu | import_ftrace | import_strace) dict=-dict=tests/fuzz/$t.dict ;;
	esac
	mkdir -p "$out/$t/corpus"
	echo "fuzz.sh: $t for ${secs}s (inputs: $out/$t)" >&2
	# shellcheck disable=SC2086
	if ! build-fuzz/tests/fuzz/fuzz_$t "$out/$t/corpus" \
		tests/fuzz/corpus/$t $dict -max_len=$max_len -timeout=2 \
		-rss_limit_mb=256 -max_total_time="$secs" \
		-print_final_stats=1 -artifact_prefix="$out/$t/" "$@" \
		2>"$out/$t/log"; then
		status=1
		echo "fuzz.sh: $t found something: $out/$t/log" >&2
	fi
	grep -E '^#[0-9]+.*DONE|^stat::' "$out/$t/log" >&2 || true
done
exit $status
