# What every shell test of tests/ shares, written once.  Each test sources
# it first, from its own folder (meson passes the script's path as $0):
#
#   . "$(dirname "$0")/tap.sh"
#
# It gives the TAP counters (n: points so far, failed: points not ok), a
# scratch folder $tmp removed on exit, the verdict helpers below and
# tap_done, which prints the plan ("1..N", TAP's count at the end of the
# stream) and gives the script's exit status.  POSIX sh: meson runs the
# tests with /bin/sh.

n=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ok NAME / bad NAME: one TAP point, passed or failed.
ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}
bad() {
	n=$((n + 1))
	echo "not ok $n - $1"
	failed=$((failed + 1))
}

# bad_err NAME [LINES]: a failed point, then the first LINES lines (all of
# them without LINES) of the last command's stderr, $tmp/err, as comments.
bad_err() {
	bad "$1"
	if [ -n "${2:-}" ]; then
		sed 's/^/# /' "$tmp/err" | head -n "$2"
	else
		sed 's/^/# /' "$tmp/err"
	fi
}

# check_exit NAME WANT PATTERN GREP_OPTS FILE...: after a command whose exit
# status is in $rc and whose stderr is in $tmp/err: ok when $rc is WANT and,
# unless PATTERN is empty, grep -q GREP_OPTS finds PATTERN in one of the
# FILEs (GREP_OPTS "" for a regular expression, -F for a fixed string).
check_exit() {
	name=$1 want=$2 pat=$3 gopts=$4
	shift 4
	# shellcheck disable=SC2086
	if [ "$rc" -eq "$want" ] &&
		{ [ -z "$pat" ] || grep -q $gopts -- "$pat" "$@"; }; then
		ok "$name"
	else
		bad_err "$name (exit $rc, want $want; pattern '$pat')" 5
	fi
}

# refused NAME PATTERN CMD...: CMD exits 2 (bad input) and its stderr
# matches PATTERN (a grep regular expression), e.g. a FILE:LINE:COLUMN.
refused() {
	name=$1 pat=$2
	shift 2
	"$@" 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 2 ] && grep -q -- "$pat" "$tmp/err"; then
		ok "$name"
	else
		bad "$name: exit $rc: $(head -1 "$tmp/err")"
	fi
}

# require_dir DIR WHAT: the whole test fails at once, saying so, when the
# folder it reads is not there (the real captures are in the repository,
# traces/real/: a missing one is a broken checkout, never a skip).
require_dir() {
	if [ ! -d "$1" ]; then
		bad "$2 not found at $1"
		tap_done
		exit 1
	fi
}

# stat_of JSON NAME: one stat of the first run of a --format json report.
stat_of() {
	python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['runs'][0]['stats'][sys.argv[2]])" "$1" "$2"
}

# stats_check JSON COND...: each COND about the first run of a --format json
# report is STAT=V (exactly V) or STAT~V:PCT (within PCT percent of V); the
# STAT "violations" is the run's violations_total.  Prints the conditions
# that do not hold, "; "-joined, and fails when there is one.
stats_check() {
	python3 - "$@" <<'PY'
import json, sys
try:
    run = json.load(open(sys.argv[1]))["runs"][0]
except Exception as e:
    print("no JSON: %s" % e)
    sys.exit(1)
st = run["stats"]
bad = []
for c in sys.argv[2:]:
    if "~" in c:
        k, v = c.split("~")
        want, pct = v.split(":")
        got, want, pct = st.get(k), int(want), float(pct)
        if got is None or abs(got - want) > want * pct / 100:
            bad.append(f"{k}={got} (want {want} +-{pct}%)")
    else:
        k, v = c.split("=")
        got = run["violations_total"] if k == "violations" else st.get(k)
        if got != int(v):
            bad.append(f"{k}={got} (want {v})")
print("; ".join(bad))
sys.exit(1 if bad else 0)
PY
}

# tap_done: the plan, then the exit status (0 when no point failed).
tap_done() {
	echo "1..$n"
	[ "$failed" -eq 0 ]
}
