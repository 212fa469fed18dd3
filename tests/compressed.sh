#!/bin/sh
# Compressed and piped input (issue 11 item 4): replay and import read
# plain, xz, gzip and zstd files, told by their magic bytes (not by name),
# and standard input ("-"), which several --policy read once; a damaged or
# truncated stream is exit 2 with the file and the byte.  The .xz and .gz
# copies are made here with Python's lzma and gzip modules; the .zst ones
# are tests/compressed/*.zst (Python has no zstd module).  TAP output.
#
#   compressed.sh SMMUSIM FIXTURES_DIR
set -u
# shellcheck source=tests/tap.sh
. "$(dirname "$0")/tap.sh"
S=$1
D=$2
T=$D/sample.trace

# PY MODE SRC DST: write DST from SRC (xz, gz: compressed; cut: the first
# half; flip: one byte in the middle changed; fliptail: one byte of the
# trailer changed, for gzip's CRC-32, as a flip in the middle of deflate
# data may decode to other text before any check fails).
py() {
	python3 - "$@" <<'EOF'
import gzip, lzma, sys
mode, src, dst = sys.argv[1:]
data = open(src, 'rb').read()
if mode == 'xz':
    data = lzma.compress(data)
elif mode == 'gz':
    data = gzip.compress(data)
elif mode == 'cut':
    data = data[:len(data) // 2]
elif mode in ('flip', 'fliptail'):
    b = bytearray(data)
    b[len(b) // 2 if mode == 'flip' else len(b) - 8] ^= 0x55
    data = bytes(b)
open(dst, 'wb').write(data)
EOF
}

py xz "$T" "$tmp/s.xz"
py gz "$T" "$tmp/s.gz"
cp "$D/sample.trace.zst" "$tmp/s.zst"
cp "$tmp/s.gz" "$tmp/gz-without-suffix"

# The report of FILE, its trace label made "T" so that reports of copies
# compare equal.
report() {
	f=$1
	shift
	"$S" replay "$f" "$@" --format json 2>"$tmp/err" |
		sed -e "s|\"trace\":\"[^\"]*\"|\"trace\":\"T\"|g" \
			-e 's|"fields":{[^}]*},||' # provenance names the file
}
P="--policy linux-6.5 --policy linux-6.6"
# shellcheck disable=SC2086
report "$T" $P >"$tmp/want.json"
[ -s "$tmp/want.json" ] || bad "plain replay gave a report"

for f in s.xz s.gz s.zst gz-without-suffix; do
	# shellcheck disable=SC2086
	report "$tmp/$f" $P >"$tmp/got.json"
	if cmp -s "$tmp/want.json" "$tmp/got.json"; then
		ok "replay $f: the plain file's report"
	else
		bad_err "replay $f: the plain file's report" 5
	fi
done

# Standard input, several policies: read once.
for f in s.xz s.zst; do
	# shellcheck disable=SC2086
	report - $P <"$tmp/$f" >"$tmp/got.json"
	if cmp -s "$tmp/want.json" "$tmp/got.json"; then
		ok "replay - <$f with two policies: the plain file's report"
	else
		bad_err "replay - <$f with two policies" 5
	fi
done

# Damaged and truncated streams: exit 2, the file and the byte named.
for f in s.xz s.gz; do
	py cut "$tmp/$f" "$tmp/cut-$f"
	refused "truncated $f: exit 2" \
		"cut-$f: truncated [a-z]* data: the compressed input ends at byte [0-9]*" \
		"$S" replay "$tmp/cut-$f"
done
py cut "$tmp/s.zst" "$tmp/cut-s.zst"
refused "truncated s.zst: exit 2" "cut-s.zst: truncated zstd data" \
	"$S" replay "$tmp/cut-s.zst"
for f in s.xz s.gz s.zst; do
	how=flip
	[ "$f" = s.gz ] && how=fliptail
	py $how "$tmp/$f" "$tmp/bad-$f"
	refused "corrupt $f: exit 2" \
		"bad-$f: corrupt [a-z]* data past byte [0-9]* of the compressed input" \
		"$S" replay "$tmp/bad-$f"
done

# A syntax error inside a compressed file keeps FILE:LINE:COLUMN.
printf 'smmusim-trace 1\nmm_create mm=1\nmmapp mm=1\n' >"$tmp/e.trace"
py gz "$tmp/e.trace" "$tmp/e.gz"
refused "error in a .gz: FILE:LINE:COLUMN" "e.gz:3:1: unknown event 'mmapp'" \
	"$S" replay "$tmp/e.gz"

# The importers: "-", .xz, .gz read the same log alike.
L=$D/qemu-sample.log.xz
"$S" import qemu "$L" -o "$tmp/want.trace" 2>/dev/null
xz -dc "$L" >"$tmp/q.log" 2>/dev/null ||
	python3 -c 'import lzma,sys; sys.stdout.buffer.write(lzma.open(sys.argv[1]).read())' "$L" >"$tmp/q.log"
py gz "$tmp/q.log" "$tmp/q.gz"
for how in stdin gz; do
	case $how in
	stdin) "$S" import qemu - -o "$tmp/got.trace" <"$tmp/q.log" 2>/dev/null ;;
	gz) "$S" import qemu "$tmp/q.gz" -o "$tmp/got.trace" 2>/dev/null ;;
	esac
	if [ -s "$tmp/want.trace" ] &&
		diff "$tmp/want.trace" "$tmp/got.trace" | grep -v '# source' |
		grep -q '^[<>]'; then
		bad "import qemu ($how): the .xz log's trace"
	elif [ -s "$tmp/got.trace" ]; then
		ok "import qemu ($how): the .xz log's trace"
	else
		bad "import qemu ($how): no trace"
	fi
done

tap_done
