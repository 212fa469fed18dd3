#!/bin/sh
# smmusim developer entry point: install what is missing, build, then
#   demo   replay the bundled permission-upgrade scenario under two policies
#   test   run the whole test suite
#   asan   build and test with AddressSanitizer + UndefinedBehaviorSanitizer
#   release, portable, fuzz: the other builds CI runs (.ci/run)
# Works as root on a fresh Debian 12 (bookworm).  Idempotent: apt-get runs
# only when a package is missing, and says nothing when all is there.
set -eu
cd "$(dirname "$0")/.."

PKGS="meson ninja-build pkg-config gcc libc6-dev libck-dev libcmocka-dev
libjemalloc-dev liblzma-dev libzstd-dev man-db python3 xz-utils zlib1g-dev
zstd"

install_missing() {
	missing=""
	for p in $PKGS; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q "install ok installed"; then
			missing="$missing $p"
		fi
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "dev.sh: missing packages:$missing (run as root, or install them)" >&2
		exit 2
	fi
	echo "dev.sh: installing$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

# Run a command quietly; on failure show what it printed, so a CI log says
# why a set-up or build step failed instead of ending silently.
quiet() {
	out=$(mktemp)
	rc=0
	"$@" >"$out" 2>&1 || rc=$?
	if [ "$rc" -eq 0 ]; then
		rm -f "$out"
		return 0
	fi
	cat "$out" >&2
	rm -f "$out"
	echo "dev.sh: failed (exit $rc): $*" >&2
	return "$rc"
}

build() {
	dir=$1
	shift
	if [ ! -f "$dir/build.ninja" ]; then
		quiet meson setup "$dir" --werror "$@"
	fi
	quiet ninja -C "$dir"
}

# Install into a scratch root and build docs/examples/example.c against the
# installed headers and library through pkg-config, as a user would.
example_check() {
	root=$(mktemp -d)
	trap 'rm -rf "$root"' EXIT
	meson install -C build --destdir "$root" >/dev/null
	pc=$(dirname "$(find "$root" -name smmusim.pc | head -n 1)")
	lib=$(dirname "$(find "$root" -name 'libsmmusim.so*' | head -n 1)")
	flags=$(PKG_CONFIG_SYSROOT_DIR=$root PKG_CONFIG_PATH=$pc \
		pkg-config --cflags --libs smmusim)
	# shellcheck disable=SC2086
	cc -std=gnu11 -Wall -Wextra -Werror docs/examples/example.c $flags \
		-o "$root/example"
	LD_LIBRARY_PATH=$lib "$root/example" linux-6.6 >/dev/null
	echo "example: built against the installed library and ran clean"
}

cmd=${1:-demo}
# The fuzz step needs clang and its libFuzzer runtime.  On Debian 12 the
# runtime (libclang_rt.fuzzer*.a) is in libclang-rt-14-dev, which clang-14
# only recommends: a machine with clang but without recommends lacks it.
[ "$cmd" = fuzz ] && PKGS="$PKGS clang libclang-rt-14-dev"
install_missing
case "$cmd" in
demo)
	build build
	set +e
	# The device recovers its faults by stall, as Linux's SVA does
	# (mainline arm-smmu-v3 denies PRI page requests).
	build/smmusim replay traces/scenarios/perm-upgrade.trace \
		--policy linux-6.5 --policy linux-6.6 -o dev.fault_mode=stall
	rc=$?
	set -e
	case $rc in
	0) echo "(exit 0: no violation)" ;;
	1) echo "(exit 1: the oracle found a violation, as expected for linux-6.5)" ;;
	*) exit "$rc" ;;
	esac
	;;
test)
	build build
	meson test -C build --print-errorlogs
	example_check
	;;
asan)
	build build-asan -Db_sanitize=address,undefined -Db_lundef=false \
		-Dbuildtype=debug
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C build-asan --print-errorlogs
	;;
release)
	# The release build (-O3) with warnings as errors, and the goldens
	# byte for byte in it: the figures of docs/performance.md come from
	# this build.
	build build-release -Dbuildtype=release
	meson test -C build-release --print-errorlogs golden
	;;
portable)
	# The reader's word-at-a-time paths without SSE2, as on arm64 or any
	# machine without it (SM_TRACE_NO_SIMD: src/trace/trace_lines.h,
	# trace_values.h; SM_PGT_NO_SIMD: the leaf-run sweeps' slot masks,
	# src/hw/mem/pgtable.h): the reading and memory tests and the goldens
	# in that build.
	build build-portable "-Dc_args=-DSM_TRACE_NO_SIMD -DSM_PGT_NO_SIMD" \
		-Djemalloc=disabled
	meson test -C build-portable --print-errorlogs trace binary \
		compressed bad-input golden mem
	;;
fuzz)
	# Every fuzz target for 20 s over its seed corpus and every past
	# finding's reproducer (tests/fuzz/, docs/fuzzing.md): a regression
	# run, not a search; long runs: tools/fuzz.sh TARGET SECONDS.
	export CC=clang
	build build-fuzz -Dfuzz=true \
		-Dtests=false -Djemalloc=disabled \
		-Db_sanitize=address,undefined -Db_lundef=false \
		-Dc_args=-fsanitize=fuzzer-no-link
	ASAN_OPTIONS=quarantine_size_mb=16:detect_leaks=1 \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C build-fuzz --suite fuzz --print-errorlogs
	;;
*)
	echo "usage: tools/dev.sh [demo|test|asan|release|portable|fuzz]" >&2
	exit 2
	;;
esac
