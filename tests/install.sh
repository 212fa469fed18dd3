#!/bin/sh
# Packaging (issue 11 item 9): `meson install --destdir` into a scratch
# root, then what a user of the installed files gets: the binary, the
# shared library, the headers, the man page, the docs the installed
# `--help` points at, the Python module; smmusim.pc through pkg-config with
# no other package's .pc visible (only runtime libraries installed): --libs
# is -lsmmusim alone, --cflags has no define, --static adds the private
# libraries; a program built that way runs, and `import smmusim` works from
# the installed site-packages.  TAP output.
# usage: install.sh BUILD_DIR SOURCE_DIR
set -u
# shellcheck source=tests/tap.sh
. "$(dirname "$0")/tap.sh"
B=$1
SRC=$2
root=$tmp/root

if meson install -C "$B" --no-rebuild --quiet --destdir "$root" \
	>"$tmp/out" 2>"$tmp/err"; then
	ok "meson install --destdir"
else
	bad_err "meson install --destdir" 20
	tap_done
	exit
fi

# has NAME FIND-ARGS...: one installed file matches
has() {
	name=$1
	shift
	f=$(find "$root" "$@" | head -n 1)
	if [ -n "$f" ]; then ok "installed: $name"; else bad "installed: $name"; fi
}
has "bin/smmusim" -path '*/bin/smmusim' -type f
has "libsmmusim.so.0" -name 'libsmmusim.so.0'
has "smmusim.h" -path '*/include/smmusim/smmusim.h'
has "cosim.h" -path '*/include/smmusim/cosim.h'
has "man page" -path '*/man/man1/smmusim.1'
has "smmusim.pc" -path '*/pkgconfig/smmusim.pc'
has "python module" -path '*/smmusim/__init__.py'
has "python _config.py" -path '*/smmusim/_config.py'

exe=$(find "$root" -path '*/bin/smmusim' -type f | head -n 1)
lib=$(dirname "$(find "$root" -name 'libsmmusim.so.0' | head -n 1)")
pc=$(dirname "$(find "$root" -path '*/pkgconfig/smmusim.pc' | head -n 1)")

# The installed --help names the installed docs.
docdir=$(LD_LIBRARY_PATH=$lib "$exe" --help |
	sed -n 's|^documentation: docs/NAME.md above is \(.*\)/NAME.md;$|\1|p')
missing=
for d in trace-format stats api model policies; do
	[ -f "$root$docdir/$d.md" ] || missing="$missing $d.md"
done
if [ -n "$docdir" ] && [ -z "$missing" ]; then
	ok "--help points at the installed docs ($docdir)"
else
	bad "--help points at the installed docs: '$docdir', missing:$missing"
fi
if head -n 5 "$(find "$root" -path '*/man1/smmusim.1')" | grep -q '^\.TH SMMUSIM 1'; then
	ok "man page has its .TH"
else
	bad "man page has its .TH"
fi
if command -v man >/dev/null 2>&1; then
	if MANWIDTH=80 man -l "$(find "$root" -path '*/man1/smmusim.1')" \
		>"$tmp/man" 2>"$tmp/err" && grep -q 'EXIT STATUS' "$tmp/man"; then
		ok "man -l renders it"
	else
		bad_err "man -l renders it" 10
	fi
fi

# pkg-config with only our .pc visible, its prefix moved into the scratch
# root so that the flags point there.
prefix=$(sed -n 's/^prefix=//p' "$pc/smmusim.pc")
pkgc() {
	PKG_CONFIG_LIBDIR=$pc PKG_CONFIG_PATH= pkg-config \
		--define-variable=prefix="$root$prefix" "$@"
}
libs=$(pkgc --libs smmusim 2>"$tmp/err")
case $libs in
*-lsmmusim*) case $libs in
	*-lck* | *-llzma*) bad "--libs: private libraries leak: $libs" ;;
	*) ok "--libs without other .pc files: $libs" ;;
	esac ;;
*) bad_err "--libs without other .pc files: '$libs'" ;;
esac
cflags=$(pkgc --cflags smmusim 2>"$tmp/err")
case $cflags in
*-D*) bad "--cflags leaks a define: $cflags" ;;
*-I*) ok "--cflags: $cflags" ;;
*) bad_err "--cflags: '$cflags'" ;;
esac
static=$(pkgc --static --libs smmusim 2>"$tmp/err")
case $static in
*-lck*-llzma*-lz*-lzstd*) ok "--static --libs adds the private libraries" ;;
*) bad_err "--static --libs: '$static'" ;;
esac

# A program built against the installed files, as a user would.
# shellcheck disable=SC2086
if cc -std=gnu11 -Wall -Wextra -Werror "$SRC/examples/cosim.c" $cflags \
	$libs -o "$tmp/cosim" 2>"$tmp/err" &&
	printf 'r 0x400000\n' | LD_LIBRARY_PATH=$lib \
	LD_PRELOAD=${SMMUSIM_SAN_PRELOAD:-} ASAN_OPTIONS=detect_leaks=0 "$tmp/cosim" \
		>"$tmp/out" 2>"$tmp/err" &&
	grep -q '^access 1: va=0x400000 ok' "$tmp/out"; then
	ok "examples/cosim.c built with pkg-config runs"
else
	bad_err "examples/cosim.c built with pkg-config runs" 20
fi

# The Python module from the installed site-packages, the installed
# library named by SMMUSIM_LIB (its _config.py names the final path).
pydir=$(dirname "$(dirname "$(find "$root" -path '*/smmusim/__init__.py' | head -n 1)")")
cfg=$(find "$root" -path '*/smmusim/_config.py' | head -n 1)
if grep -q "LIBRARY = '.*/libsmmusim.so.0'" "$cfg" &&
	[ -f "$root$(sed -n "s/^LIBRARY = '\(.*\)'$/\1/p" "$cfg")" ]; then
	ok "_config.py names the installed library"
else
	bad "_config.py names the installed library: $(cat "$cfg")"
fi
# A sanitized library needs its runtime preloaded into python3
# (SMMUSIM_SAN_PRELOAD from tests/meson.build); nothing else gets it.
if (cd "$tmp" && PYTHONPATH=$pydir SMMUSIM_LIB=$lib/libsmmusim.so.0 \
	LD_PRELOAD=${SMMUSIM_SAN_PRELOAD:-} ASAN_OPTIONS=detect_leaks=0 \
	python3 -c 'import smmusim, sys
s = smmusim.Simulator(policy="linux-6.6")
s.submit({"type": "mm_create", "mm": 1})
s.finish()
assert s.stats()["sim.events"] == 1
assert smmusim.__file__.startswith(sys.argv[1]), smmusim.__file__' \
	"$pydir") >"$tmp/out" 2>"$tmp/err"; then
	ok "python3 -c 'import smmusim' from the installed files"
else
	bad_err "python3 -c 'import smmusim' from the installed files" 20
fi
tap_done
