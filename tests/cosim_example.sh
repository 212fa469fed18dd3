#!/bin/sh
# examples/cosim.c (issue 11 item 7): another program's access stream piped
# in, one completion line per access as it finishes (a walk, then the
# SMMU's TLB for the same page; an untouched page faulting once and
# recovered by a stall), the report's counters taken from memory, and a bad
# line named.  TAP output.
# usage: cosim_example.sh COSIM
set -u
# shellcheck source=tests/tap.sh
. "$(dirname "$0")/tap.sh"
C=$1

# the "device model": a program writing accesses to a pipe
printf '# a DMA engine\nr 0x400000\nr 0x400040 +100\nw 0x480000\n' |
	"$C" linux-6.6 >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ]; then ok "exit 0"; else bad_err "exit $rc, not 0"; fi
sed 's/^/# /' "$tmp/out"
expect() {
	if grep -Eq "$2" "$tmp/out"; then ok "$1"; else bad "$1: no /$2/"; fi
}
expect "first access walks" '^access 2: va=0x400000 ok pa=0x[0-9a-f]+ by walk latency=[0-9]+ faults=0$'
expect "second hits the TLB" '^access 3: va=0x400040 ok pa=0x[0-9a-f]+040 by smmu\.(iotlb|utlb) latency=[0-9]+ faults=0$'
expect "untouched page: one fault, recovered" '^access 4: va=0x480000 ok .* faults=1$'
expect "report from memory" '^dev\.access\.ok +3$'
[ "$(grep -c '^access' "$tmp/out")" -eq 3 ] && ok "one line per access" ||
	bad "one line per access"

printf 'r 0x400000\nq 12\n' | "$C" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 2 ] && grep -q '^cosim: <stdin>:2: expected' "$tmp/err"; then
	ok "bad line: exit 2, named"
else
	bad_err "bad line: exit $rc"
fi
tap_done
