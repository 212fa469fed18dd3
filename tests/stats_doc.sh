#!/bin/sh
# The docs/stats.md check catches what it is for: a description changed in
# the file, a row or a whole table missing, a stat listed outside the
# generated tables, an unknown region; and --update puts the file back.
# TAP output.  usage: stats_doc.sh STATS_DOC DOCS_STATS_MD
set -u
# shellcheck source=tests/tap.sh
. "$(dirname "$0")/tap.sh"
X=$1
DOC=$2

# NAME, EXPECTED "not ok" test number of stats_doc (0: all ok), sed script
case_() {
	name=$1
	want=$2
	shift 2
	sed "$@" "$DOC" >"$tmp/stats.md"
	"$X" --check "$tmp/stats.md" >"$tmp/out" 2>&1
	rc=$?
	got=$(sed -n 's/^not ok \([0-9]*\) .*/\1/p' "$tmp/out" | head -1)
	if [ "$want" = 0 ] && [ $rc = 0 ] && [ -z "$got" ]; then
		ok "$name"
	elif [ "$want" != 0 ] && [ $rc != 0 ] && [ "$got" = "$want" ]; then
		ok "$name"
	else
		bad "$name (exit $rc, first failure '$got', want '$want')"
		sed 's/^/# /' "$tmp/out"
	fi
}

case_ "docs/stats.md as it is passes" 0 -e ''
case_ "a description changed in the file" 3 \
	-e 's/^\(| `smmu.walks` | Stage-1\) page-table/\1 translation-table/'
case_ "a row deleted from a generated table" 3 -e '/^| `dev.retries` |/d'
case_ "a stat listed outside the generated tables" 1 \
	-e 's/^\(All values are in cycles.\)$/\1\n\n| `smmu.bogus` | x |/'
case_ "a whole part missing (region removed)" 2 \
	-e '/^<!-- stats-doc: counters check. -->$/,/^<!-- \/stats-doc -->$/d'
case_ "an unknown region" 1 \
	-e 's/^<!-- stats-doc: counters dev. -->$/<!-- stats-doc: counters nope -->/'

sed -e '/^| `dev.retries` |/d' -e 's/^\(| `smmu.walks` | Stage-1\) page/\1 X/' \
	"$DOC" >"$tmp/stats.md"
if "$X" --update "$tmp/stats.md" >/dev/null && cmp -s "$tmp/stats.md" "$DOC"; then
	ok "--update restores the generated tables"
else
	bad "--update restores the generated tables"
fi
tap_done
