#!/bin/sh
# The corpus of malformed inputs (issue 8): every file of tests/bad/ given
# to the CLI as its MANIFEST line says, asserting the exit status, the
# "FILE:LINE:COL: " position and a part of the message.  Entries with a
# TODO reason are reported as TAP "# TODO" (listed, not failed) until the
# fix lands.  Each case runs under `timeout`, so a hang is a failure (exit
# 124), not a stuck suite.  TAP output.
#
#   bad.sh SMMUSIM BADDIR TRACESDIR
set -u
# shellcheck source=tests/tap.sh
. "$(dirname "$0")/tap.sh"
S=$1
D=$2
T=$3
fields() { printf '%s' "$1" | cut -d'|' -f"$2" | sed 's/^ *//; s/ *$//'; }

# Run one case; the exit status of the CLI (or of timeout) in $rc,
# stderr in $tmp/err.
run_case() {
	file=$1
	cmd=$2
	set -- $cmd
	verb=$1
	shift
	case $verb in
	replay)
		timeout -k 5 20 "$S" replay "$@" "$D/$file" >/dev/null 2>"$tmp/err" ;;
	config)
		timeout -k 5 20 "$S" replay -c "$D/$file" \
			"$T/scenarios/perm-upgrade.trace" >/dev/null 2>"$tmp/err" ;;
	import-qemu)
		timeout -k 5 20 "$S" import qemu "$D/$file" -o "$tmp/out.trace" \
			>/dev/null 2>"$tmp/err" ;;
	import-ftrace)
		timeout -k 5 20 "$S" import ftrace "$D/$file" -o "$tmp/out.trace" \
			>/dev/null 2>"$tmp/err" ;;
	*)
		echo "bad MANIFEST command '$verb'" >"$tmp/err"
		return 99 ;;
	esac
}

while IFS= read -r line; do
	case $line in '' | '#'*) continue ;; esac
	file=$(fields "$line" 1)
	cmd=$(fields "$line" 2)
	want_rc=$(fields "$line" 3)
	pos=$(fields "$line" 4)
	msg=$(fields "$line" 5)
	todo=$(fields "$line" 6)
	run_case "$file" "$cmd"
	rc=$?
	if [ "$pos" = "-" ]; then
		prefix="$D/$file: "
	else
		prefix="$D/$file:$pos: "
	fi
	why=""
	if [ ! -f "$D/$file" ]; then
		why="no such file"
	elif [ "$rc" -ne "$want_rc" ]; then
		why="exit $rc, expected $want_rc"
	elif ! grep -qF -- "$prefix" "$tmp/err"; then
		why="no '$prefix'"
	elif ! grep -qF -- "$msg" "$tmp/err"; then
		why="no '$msg'"
	fi
	desc="$file ($cmd): exit $want_rc, $pos, $msg"
	if [ -n "$todo" ]; then
		if [ -n "$why" ]; then
			# a TAP TODO: listed, not counted as failed
			n=$((n + 1))
			echo "not ok $n - $desc # TODO $todo"
			echo "# $why; stderr: $(head -c 300 "$tmp/err")"
		else
			ok "$desc # TODO $todo (passes now: empty its TODO)"
		fi
	elif [ -n "$why" ]; then
		bad "$desc"
		echo "# $why; stderr: $(head -c 400 "$tmp/err")"
	else
		ok "$desc"
	fi
done <"$D/MANIFEST"

# Every file of the corpus has its line.
for f in "$D"/*; do
	b=${f##*/}
	[ "$b" = MANIFEST ] && continue
	if grep -q "^$b *|" "$D/MANIFEST"; then
		ok "$b is in MANIFEST"
	else
		bad "$b is in MANIFEST"
	fi
done
tap_done
