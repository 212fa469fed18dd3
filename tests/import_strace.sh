#!/bin/sh
# smmusim import strace through the CLI (issue 11): the real logs of
# tests/strace (a compiler, an interpreter, a compressor) import with
# --keep-going dropping nothing but the failed calls they name, and
# replay under linux-6.12 with exit 0 or 1, with and without a device;
# the hand-written sample's trace line by line (execve, brk, MAP_FIXED,
# implicit mapping, failed call, fork copy, thread before its clone3
# returns, unfinished/resumed, madvise, mremap); --maps; stdin and gzip;
# determinism of pattern=fraction; malformed lines (FILE:LINE:COL, exit 2;
# --keep-going: counted, the first shown); bad options.  TAP output.
# usage: import_strace.sh SMMUSIM STRACE_DIR
set -u
# shellcheck source=tests/tap.sh
. "$(dirname "$0")/tap.sh"
S=$1
D=$2

require_dir "$D" "strace logs (tests/strace)"

# replayable TRACE NAME [ARGS]: replay exits 0 or 1 (never 2)
replayable() {
	t=$1 name=$2
	shift 2
	"$S" replay "$t" --policy linux-6.12 "$@" >"$tmp/rep" 2>"$tmp/err"
	rc=$?
	if [ $rc -le 1 ]; then
		ok "$name replays under linux-6.12 (exit $rc)"
	else
		bad_err "$name: replay exit $rc" 3
	fi
}

# log:lines:calls:processes:mms:failed:ignored:implicit
for row in \
	gcc-c:170:157:3:4:9:2:6 \
	python3-c:2415:2310:44:80:214:80:78 \
	xz:40:39:1:2:0:0:2; do
	IFS=: read -r r lines calls procs mms failed ign impl <<EOT
$row
EOT
	t="$tmp/$r.trace"
	if ! "$S" import strace "$D/$r.strace.xz" -o "$t" --keep-going 2>"$tmp/err"; then
		bad_err "import $r" 3
		continue
	fi
	named=$(grep -c '^# [0-9]*: [a-z0-9_]* failed ([A-Z0-9]*): skipped$' "$t")
	if grep -q "^# strace: lines=$lines calls=$calls processes=$procs mms=$mms .* implicit=$impl\$" "$t" &&
		grep -q "^# strace: failed=$failed no_return=0 ignored=$ign signals=[0-9]* malformed=0\$" "$t" &&
		[ "$named" -eq "$failed" ] &&
		grep -q "skipped: $failed failed calls, 0 without result, $ign other calls, 0 malformed lines" "$tmp/err"; then
		ok "$r: $lines lines, $procs processes, $mms mms; only the $failed failed calls (each named) and $ign other calls skipped"
	else
		bad_err "$r: counts (want lines=$lines calls=$calls processes=$procs mms=$mms failed=$failed named=$named)" 2
	fi
	replayable "$t" "$r"
	if "$S" import strace "$D/$r.strace.xz" -o "$tmp/$r-dev.trace" \
		--device sid=0x10,ssid=1,pattern=faults 2>"$tmp/err" &&
		tp=$(sed -n 's/^# strace: .* touch_pages=\([0-9]*\) dev_accesses=\([0-9]*\) .*/\1:\2/p' "$tmp/$r-dev.trace") &&
		[ "${tp%:*}" = "${tp#*:}" ]; then
		ok "$r: pattern=faults: one dev_access per touched page ($tp)"
	else
		bad_err "$r: pattern=faults ($tp)" 2
	fi
	replayable "$tmp/$r-dev.trace" "$r with a device"
done

# The sample, line by line.
t="$tmp/sample.trace"
"$S" import strace "$D/sample.strace" -o "$t" --cpus 2 --device pattern=faults 2>"$tmp/err"
rc=$?
check_exit "sample imports" 0 "" ""
for want in \
	'mm_create mm=1' \
	'bind sid=0x10 ssid=1 mm=1 cpu=0' \
	'# 1: execve: mm=2 replaces mm=1 (the new image'"'"'s mappings are made by the kernel: not in the log)' \
	'mm_exit mm=1 cpu=0' \
	'unbind sid=0x10 ssid=1 cpu=0' \
	'mmap mm=2 va=0x555555559000 len=0x21000 prot=rw cpu=0' \
	'touch mm=2 va=0x555555559000 len=0x21000 op=w cpu=0' \
	'mmap mm=2 va=0x7f0000014000 len=0x1000 prot=rw cpu=0' \
	'mmap mm=2 va=0x555555554000 len=0x1000 prot=r cpu=0' \
	'mprotect mm=2 va=0x555555554000 len=0x1000 prot=r cpu=0' \
	'# 8: mmap failed (ENOMEM): skipped' \
	'bind sid=0x10 ssid=1 mm=3 cpu=1' \
	'mmap mm=3 va=0x7f0000015000 len=0xb000 prot=r cpu=1' \
	'munmap mm=3 va=0x7f0000010000 len=0x4000 cpu=1' \
	'mm_exit mm=3 cpu=1' \
	'mmap mm=2 va=0x7f0000200000 len=0x4000 prot=rw cpu=0' \
	'madvise mm=2 va=0x7f0000200000 len=0x2000 advice=dontneed cpu=0' \
	'mmap mm=2 va=0x7f0000300000 len=0x8000 prot=rw cpu=0' \
	'munmap mm=2 va=0x7f0000200000 len=0x4000 cpu=0' \
	'munmap mm=2 va=0x555555569000 len=0x11000 cpu=0' \
	'mm_exit mm=2 cpu=0' \
	'# strace: failed=1 no_return=0 ignored=2 signals=1 malformed=0'; do
	if grep -qxF -- "$want" "$t"; then
		ok "sample: $want"
	else
		bad "sample: no line '$want'"
	fi
done
if [ "$(grep -c '^mmap mm=3 ' "$t")" -eq 6 ] && [ "$(grep -c '^dev_access ' "$t")" -eq 48 ]; then
	ok "sample: the fork copies 6 mappings; 48 dev_access"
else
	bad "sample: fork copies / dev_access"
fi
replayable "$t" "sample" -o cpu.count=2

# Standard input, gzip, and the same trace.
gzip -c "$D/sample.strace" | "$S" import strace - -o "$tmp/stdin.trace" --cpus 2 \
	--device pattern=faults 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ] && diff "$t" "$tmp/stdin.trace" | grep -v '^[<>] # source' | grep -q '^[<>]'; then
	bad "gzip on stdin: another trace"
else
	check_exit "gzip on standard input: the same trace" 0 "" ""
fi

# pattern=fraction is deterministic (same seed, same trace), the seed matters.
for s in 7 7 8; do
	"$S" import strace "$D/xz.strace.xz" -o "$tmp/f$s-$$.trace" \
		--device pattern=fraction:0.25,seed=$s 2>/dev/null
	mv "$tmp/f$s-$$.trace" "$tmp/f$s.$(ls "$tmp" | grep -c "^f$s\.")"
done
if cmp -s "$tmp/f7.0" "$tmp/f7.1" && ! cmp -s "$tmp/f7.0" "$tmp/f8.0"; then
	ok "pattern=fraction: the same seed gives the same trace, another seed another"
else
	bad "pattern=fraction is not deterministic"
fi

# --maps: the first process's mappings before the first line.
cat >"$tmp/maps" <<'EOM'
555555554000-555555556000 r--p 00000000 08:01 1234 /usr/bin/cat
555555556000-55555555a000 r-xp 00002000 08:01 1234 /usr/bin/cat
55555555a000-55555557b000 rw-p 00000000 00:00 0 [heap]
7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0 [stack]
ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]
EOM
printf '%s\n' '7 mprotect(0x555555554000, 8192, PROT_READ) = 0' \
	'7 brk(0x55555559c000) = 0x55555559c000' '7 +++ exited with 0 +++' >"$tmp/m.strace"
"$S" import strace "$tmp/m.strace" --maps "$tmp/maps" -o "$tmp/m.trace" 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ] && grep -qx 'mmap mm=1 va=0x555555556000 len=0x4000 prot=rx cpu=0' "$tmp/m.trace" &&
	grep -qx 'mmap mm=1 va=0x55555557b000 len=0x21000 prot=rw cpu=0' "$tmp/m.trace" &&
	grep -q 'vsyscall\|beyond the 48-bit' "$tmp/m.trace" &&
	grep -q 'implicit=0$' "$tmp/m.trace"; then
	ok "--maps: mappings made first, the heap's end is the break, [vsyscall] noted"
else
	bad_err "--maps (exit $rc)" 3
fi
replayable "$tmp/m.trace" "--maps trace"

# Malformed lines: FILE:LINE:COL and exit 2; --keep-going skips them.
{
	sed -n 1,3p "$D/sample.strace"
	echo '100 1700000000.000004 mmap(NULL, 8192, PROT_READ|PROT_WRTE, MAP_PRIVATE, -1, 0) = 0x7f0000000000'
	echo 'garbage'
	echo '100 1700000000.000005 munmap(0x7f0000000000, 4096 = 0'
	echo '100 1700000000.000006 <... mmap resumed>) = 0x7f0000000000'
	echo '100 1700000000.000007 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 3, 0) = 0x7f0000000001'
} >"$tmp/bad.strace"
refused "malformed: FILE:LINE:COL at the unknown protection" \
	'bad.strace:4:50: unknown protection .PROT_WRTE' \
	"$S" import strace "$tmp/bad.strace" -o "$tmp/bad.trace"
"$S" import strace "$tmp/bad.strace" -o "$tmp/bad.trace" --keep-going 2>"$tmp/err"
rc=$?
check_exit "--keep-going: 5 malformed lines counted, the first shown" 0 \
	'0 other calls, 5 malformed lines' "" "$tmp/err"
if grep -q 'skipped: .*bad.strace:5:1: expected .NAME(ARGS) = RESULT' "$tmp/err" &&
	grep -q 'bad.strace:6:.*the arguments do not end' "$tmp/err" &&
	grep -q "bad.strace:7:.*without an unfinished mmap" "$tmp/err" &&
	grep -q 'bad.strace:8:.*not page aligned' "$tmp/err" &&
	grep -q '^# 4: skipped (keep going): ' "$tmp/bad.trace"; then
	ok "--keep-going: each skipped line named on stderr and in the trace"
else
	bad_err "--keep-going messages" 8
fi
printf '1 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 3, 0) = 0x1000' >"$tmp/cut.strace"
refused "a cut last line" 'cut.strace:1:.*truncated line' \
	"$S" import strace "$tmp/cut.strace" -o "$tmp/cut.trace"

# Bad options.
refused "--device with a bad pattern" "--device 'pattern=some': expected" \
	"$S" import strace "$D/sample.strace" -o "$tmp/x" --device pattern=some
refused "--device fraction above 1" "expected sid=S" \
	"$S" import strace "$D/sample.strace" -o "$tmp/x" --device pattern=fraction:1.5
refused "--cpus 0" "--cpus '0' is out of range (1..256" \
	"$S" import strace "$D/sample.strace" -o "$tmp/x" --cpus 0
refused "--maps on import qemu" "of 'import strace'" \
	"$S" import qemu "$D/sample.strace" -o "$tmp/x" --maps "$tmp/maps"
refused "a missing --maps file" 'cannot open' \
	"$S" import strace "$D/sample.strace" -o "$tmp/x" --maps "$tmp/none"

tap_done
