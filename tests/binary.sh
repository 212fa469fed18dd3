#!/bin/sh
# The binary trace form (issue 12 goal 3; docs/trace-format.md, "Binary
# form"): every trace under traces/ (samples, scenarios, the imports of the
# QEMU logs of traces/real/qemu and of one ftrace capture) converted to
# binary and back gives the same events, field by field (trace_roundtrip),
# and the same `replay --format json` report from text, from binary, from
# compressed binary and from the text written back; a binary trace keeps
# the text's line numbers in messages; damaged binary input is exit 2 with
# "FILE: byte N: ...".  TAP output.
#
#   binary.sh SMMUSIM TRACE_ROUNDTRIP TRACES_DIR
set -u
# shellcheck source=tests/tap.sh
. "$(dirname "$0")/tap.sh"
S=$1
RT=$2
TR=$3

# The report without its provenance (the command line, the trace's digest
# and size, which differ between the runs compared): the JSON "fields", the
# text report's first lines.
noprov() {
	sed -e 's/^{"fields":{[^}]*},/{/' \
		-e '/^\(version\|revision\|command\|trace_sha256\|trace_size\): /d'
}

# The report of FILE, then its messages and exit status, with its name
# made "T", so that the reports of two forms of a trace compare equal.
report() {
	f=$1
	shift
	"$S" replay "$f" "$@" --format json >"$tmp/rep" 2>"$tmp/err"
	echo "exit $?"
	noprov <"$tmp/rep" | sed "s|\"trace\":\"[^\"]*\"|\"trace\":\"T\"|g"
	# (an ASan build warns about the fibers' swapcontext, with its pid)
	grep -v '^==[0-9]*==WARNING: ASan' "$tmp/err" | sed "s|$f|T|g"
}

# same_reports NAME TRACE OPTIONS...: the reports of the text, of its
# binary form (plain and xz), and of the text written back from binary.
same_reports() {
	name=$1 t=$2
	shift 2
	"$S" convert "$t" "$tmp/b.smt" 2>"$tmp/err" &&
		"$S" convert "$tmp/b.smt" "$tmp/back.trace" 2>"$tmp/err" ||
		{
			bad_err "$name: convert"
			return
		}
	xz -c "$tmp/b.smt" >"$tmp/b.smt.xz"
	report "$t" "$@" >"$tmp/want.json"
	for f in b.smt b.smt.xz back.trace; do
		report "$tmp/$f" "$@" >"$tmp/got.json"
		if [ -s "$tmp/want.json" ] && cmp -s "$tmp/want.json" "$tmp/got.json"; then
			ok "$name: same report from $f"
		else
			bad_err "$name: report from $f differs" 5
		fi
	done
}

require_dir "$TR/real/qemu" "QEMU logs (traces/real/qemu)"
for m in strict lazy; do
	"$S" import qemu "$TR/real/qemu/linux61-virtio-blk-$m.log.xz" \
		-o "$tmp/qemu-$m.trace" 2>/dev/null || bad "import qemu $m"
done
"$S" import ftrace "$TR/real/linux-ftrace/linux612-ddmix-lazy.ftrace.xz" \
	--qemu-log "$TR/real/linux-ftrace/linux612-ddmix-lazy.qemu.log.xz" \
	-o "$tmp/ftrace.trace" 2>/dev/null || bad "import ftrace"

ALL="$TR/samples/*.trace $TR/scenarios/*.trace $tmp/qemu-*.trace $tmp/ftrace.trace"
# shellcheck disable=SC2086
if "$RT" "$tmp" $ALL 2>"$tmp/err"; then
	ok "every trace round-trips, every field of every event"
else
	bad_err "round trip" 20
fi

POL="--policy linux-6.1 --policy linux-6.6 --policy linux-6.15"
for t in "$TR"/samples/*.trace "$TR"/scenarios/*.trace; do
	# shellcheck disable=SC2086
	same_reports "$(basename "$t")" "$t" $POL
done
for t in "$tmp"/qemu-*.trace; do
	same_reports "$(basename "$t")" "$t" --hw qemu-7.2
done
same_reports ftrace.trace "$tmp/ftrace.trace" --hw qemu-7.2 \
	--policy linux-6.1 --policy linux-6.12

# Compact: the binary form of an import is a fraction of its text.
"$S" convert "$tmp/qemu-strict.trace" "$tmp/q.smt" 2>/dev/null
tsz=$(wc -c <"$tmp/qemu-strict.trace")
bsz=$(wc -c <"$tmp/q.smt")
if [ "$bsz" -lt $((tsz / 4)) ]; then
	ok "binary is under a quarter of the text ($bsz of $tsz bytes)"
else
	bad "binary $bsz bytes, text $tsz"
fi

# Messages name the original text line: a refused event on line 7 (after
# comments and blank lines), and --parse-only counts.
cat >"$tmp/lines.trace" <<'T'
# a comment

smmusim-trace 1
mm_create mm=1   # ok
   # indented comment

    munmap mm=2 va=0x1000 len=4K
T
"$S" convert "$tmp/lines.trace" "$tmp/lines.smt" 2>/dev/null
refused "text: refused event names line 7" 'lines.trace:7:5: ' \
	"$S" replay "$tmp/lines.trace"
refused "binary: the same line and column" 'lines.smt:7:5: ' \
	"$S" replay "$tmp/lines.smt"
"$S" convert "$tmp/lines.smt" "$tmp/lines-back.trace" 2>/dev/null
refused "text from binary: the same line and column" \
	'lines-back.trace:7:5: ' "$S" replay "$tmp/lines-back.trace"
a=$("$S" replay --parse-only "$tmp/qemu-lazy.trace")
"$S" convert "$tmp/qemu-lazy.trace" "$tmp/ql.smt" 2>/dev/null
b=$("$S" replay --parse-only "$tmp/ql.smt")
if [ -n "$a" ] && [ "$a" = "$b" ]; then
	ok "--parse-only counts the same events ($b)"
else
	bad "--parse-only: text '$a', binary '$b'"
fi
zstd -q -c "$tmp/ql.smt" >"$tmp/ql.smt.zst"
gzip -c "$tmp/ql.smt" >"$tmp/ql.smt.gz"
for f in ql.smt.zst ql.smt.gz; do
	c=$("$S" replay --parse-only "$tmp/$f")
	[ "$c" = "$b" ] && ok "compressed binary $f read" ||
		bad "$f: '$c', want '$b'"
done
c=$("$S" replay --parse-only - <"$tmp/ql.smt")
[ "$c" = "$b" ] && ok "binary from standard input" || bad "stdin: '$c'"

# PY MODE SRC DST: a damaged copy of a binary trace.
py() {
	python3 - "$@" <<'EOF2'
import sys
mode, src, dst = sys.argv[1:]
b = bytearray(open(src, 'rb').read())
if mode == 'cut':
    b = b[:len(b) // 2]
elif mode == 'noend':
    b = b[:-3]
elif mode == 'header':
    b = b[:10]
elif mode == 'version':
    b[8] = 9
elif mode == 'layout':
    b[12] ^= 0xff
elif mode == 'tag':
    b[16] = 0x1f
elif mode == 'trail':
    b += b'\0'
elif mode == 'count':
    b[-1] ^= 1
elif mode == 'line':
    # mm_create mm=0 on line 0: each event has a line after the header's
    b = b[:16] + bytes([0, 0, 0]) + bytes([0xff, 1])
elif mode == 'value':
    # mm_create mm=... with a value of 2^32: a tag, the line delta, then
    # the zigzag varint of the mm
    b = b[:16] + bytes([0, 2]) + bytes([0x80, 0x80, 0x80, 0x80, 0x20]) + bytes([0xff, 1])
elif mode in ('line-long', 'value-long'):
    # the same records followed by the whole trace: the reader's fast
    # path (a long record's worth of bytes staged) must give up on them
    # and report the same
    bad = bytes([0, 0, 0]) if mode == 'line-long' else \
        bytes([0, 2]) + bytes([0x80, 0x80, 0x80, 0x80, 0x20])
    b = b[:16] + bad + b[16:]
open(dst, 'wb').write(bytes(b))
EOF2
}
Q=$tmp/ql.smt
for m in cut noend header version layout tag trail count line value \
	line-long value-long; do
	py "$m" "$Q" "$tmp/bad-$m.smt"
done
refused "truncated binary: the byte" 'bad-cut.smt: byte [0-9]*: truncated' \
	"$S" replay "$tmp/bad-cut.smt"
refused "no end record" 'bad-noend.smt: byte [0-9]*: truncated' \
	"$S" replay "$tmp/bad-noend.smt"
refused "short header" 'bad-header.smt: byte 10: truncated binary trace: the header' \
	"$S" replay "$tmp/bad-header.smt"
refused "other version" 'byte 8: unsupported binary trace version 9' \
	"$S" replay "$tmp/bad-version.smt"
refused "other layout" 'byte 10: binary trace of event layout' \
	"$S" replay "$tmp/bad-layout.smt"
refused "bad tag" 'byte 16: bad event tag 0x1f' "$S" replay "$tmp/bad-tag.smt"
refused "data after the end" 'byte [0-9]*: data after the end record' \
	"$S" replay "$tmp/bad-trail.smt"
refused "wrong count" 'byte [0-9]*: the end record counts' \
	"$S" replay "$tmp/bad-count.smt"
refused "line not after the previous" "bad-line.smt: byte 17: line 0+0 out of range (2..4294967295" \
	"$S" replay "$tmp/bad-line.smt"
refused "value out of range" "byte 18: value 4294967296 out of range for key 'mm'" \
	"$S" replay "$tmp/bad-value.smt"
refused "line out of range, more data after" \
	"bad-line-long.smt: byte 17: line 0+0 out of range (2..4294967295" \
	"$S" replay "$tmp/bad-line-long.smt"
refused "value out of range, more data after" \
	"byte 18: value 4294967296 out of range for key 'mm'" \
	"$S" replay "$tmp/bad-value-long.smt"
head -c 3000 "$Q" | xz -c >"$tmp/bad-cut.smt.xz"
refused "truncated binary inside xz" 'bad-cut.smt.xz: byte [0-9]*: truncated' \
	"$S" replay "$tmp/bad-cut.smt.xz"
refused "convert: damaged binary" 'bad-tag.smt: byte 16' \
	"$S" convert "$tmp/bad-tag.smt" "$tmp/out.trace"
[ ! -e "$tmp/out.trace" ] && ok "convert: no half-written output" ||
	bad "convert left $tmp/out.trace"
refused "convert: bad text names its line" 'lines-bad.trace:2:1: unknown event' \
	sh -c "printf 'smmusim-trace 1\nfoo\n' >'$tmp/lines-bad.trace' && '$S' convert '$tmp/lines-bad.trace' '$tmp/o.smt'"
python3 -c "print('smmusim-trace 1'); print(' ' * 70000 + 'mm_create mm=1')" >"$tmp/far.trace"
refused "convert: a keyword too far right" \
	'far.trace:2:70001: the binary form keeps a keyword at most 65536 columns' \
	"$S" convert "$tmp/far.trace" "$tmp/far.smt"
refused "convert onto its input" 'the output is the input' \
	"$S" convert "$Q" "$Q"
refused "convert: two arguments" 'convert: expected IN and OUT' "$S" convert "$Q"
# The keyword column of every time prefix: "@N " and "+N " of 1 to 20
# digits, "+0" written as no prefix, a keyword further right, mixed so
# that each record's time has other digits than the last one's.
python3 -c '
import random
random.seed(3)
print("smmusim-trace 1")
print("domain_create dom=1")
t = 0
for i in range(2000):
    r = random.random()
    va = hex(0x1000 * i)
    if r < 0.3:
        t += random.choice([0, 1, 9, 10, 99, 100, 12345, 10**9, 10**12])
        print("@%d dma_map dom=1 va=%s len=0x1000 cpu=0" % (t, va))
    elif r < 0.6:
        n = random.choice([0, 1, 9, 10, 999, 1000, 10**6, 10**15, 2**63])
        print("+%d dma_map dom=1 va=%s len=0x1000" % (n, va))
    elif r < 0.7:
        print("@%d   dma_map dom=1 va=%s len=0x1000" % (t, va))
    else:
        print("dma_map dom=1 va=%s len=0x1000" % va)
' >"$tmp/times.trace"
if "$RT" "$tmp" "$tmp/times.trace" 2>"$tmp/err"; then
	ok "time prefixes of every length round-trip, columns included"
else
	bad "time prefixes: $(cat "$tmp/err")"
fi
tap_done
