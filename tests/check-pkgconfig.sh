#!/bin/sh
# check-pkgconfig.sh MAKE - installs libemo into a temporary prefix and
# builds a C and a C++ consumer with `pkg-config --cflags --libs libemo`,
# then checks the header alone compiles as C99, C11 and C++; then that a
# consumer and the installed Python package find the installed model, in a
# prefix and in a DESTDIR staging tree, and that uninstall removes it all.
set -eu
make=${1:-make}
top=$(pwd)
tmp=$(cd "$(mktemp -d)" && pwd -P)
trap 'rm -rf "$tmp"' EXIT
$make --no-print-directory -s install PREFIX="$tmp/prefix" >/dev/null
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"
flags=$(pkg-config --cflags --libs libemo)
cc -std=c11 -Wall -Wextra -Werror "$top/tests/consumer/consumer.c" \
   -o "$tmp/c" $flags
c++ -std=c++11 -Wall -Wextra -Werror "$top/tests/consumer/consumer.cpp" \
    -o "$tmp/cxx" $flags
LD_LIBRARY_PATH="$tmp/prefix/lib" "$tmp/c"
LD_LIBRARY_PATH="$tmp/prefix/lib" "$tmp/cxx"
# Static linking through pkg-config --static.
cc -std=c11 "$top/tests/consumer/consumer.c" -o "$tmp/cs" \
   $(pkg-config --cflags libemo) "$tmp/prefix/lib/libemo.a" \
   $(pkg-config --static --libs-only-l libemo | sed 's/-lemo//')
"$tmp/cs" >/dev/null
for std in c99 c11; do
    echo '#include <emo.h>' | cc -std=$std -pedantic -Wall -Wextra -Werror \
        -I"$tmp/prefix/include" -x c -fsyntax-only -
done
echo '#include <emo.h>' | c++ -std=c++98 -Wall -Wextra -Werror \
    -I"$tmp/prefix/include" -x c++ -fsyntax-only - 2>/dev/null ||
echo '#include <emo.h>' | c++ -std=c++11 -pedantic -Wall -Wextra -Werror \
    -I"$tmp/prefix/include" -x c++ -fsyntax-only -

# From install to first result: the installed model is found through
# emo_default_model_path() (C) and emo.default_model() (the installed
# Python package), with -rpath instead of LD_LIBRARY_PATH, and nothing
# is left after uninstall.  $EMO_MODEL would short-circuit the lookup.
unset EMO_MODEL EMO_LIBRARY
p=$tmp/prefix
cc -std=c11 -Wall -Wextra -Werror "$top/tests/consumer/model_path.c" \
   -o "$tmp/mp" $flags -Wl,-rpath,"$(pkg-config --variable=libdir libemo)"
want=$(pkg-config --variable=modeldir libemo)/default.emo
got=$("$tmp/mp")
[ "$got" = "$want" ] || { echo "pkgconfig: FAIL: model at '$got', want '$want'"; exit 1; }
pydir=$(dirname "$(find "$p" -path '*/emo/_config.py')")
pydir=${pydir%/emo}
got=$(cd "$tmp" && PYTHONPATH="$pydir" /usr/bin/python3 -c \
      'import emo; print(emo.library_path()); print(emo.default_model())')
[ "$got" = "$p/lib/libemo.so.1
$want" ] || { echo "pkgconfig: FAIL: python found '$got'"; exit 1; }
for m in man1/emo-detect.1 man1/emo-train.1 man1/emo-eval.1 \
         man1/emo-live.1 man3/libemo.3; do
    [ -s "$p/share/man/$m" ] || { echo "pkgconfig: FAIL: no $m"; exit 1; }
done
$make --no-print-directory -s uninstall PREFIX="$p" >/dev/null
left=$(find "$p" ! -type d)
[ -z "$left" ] || { echo "pkgconfig: FAIL: uninstall left:"; echo "$left"; exit 1; }

# The same staged for a package: DESTDIR, PREFIX=/usr/local.  Last, so
# that build/ ends configured for the default prefix again.
s=$tmp/stage
$make --no-print-directory -s install DESTDIR="$s" PREFIX=/usr/local >/dev/null
export PKG_CONFIG_PATH="$s/usr/local/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$s"
cc -std=c11 -Wall -Wextra -Werror "$top/tests/consumer/model_path.c" \
   -o "$tmp/mps" $(pkg-config --cflags --libs libemo)
want=$s/usr/local/share/libemo/models/default.emo
got=$(LD_LIBRARY_PATH="$s/usr/local/lib" "$tmp/mps")
[ "$got" = "$want" ] || { echo "pkgconfig: FAIL: staged model at '$got', want '$want'"; exit 1; }
pydir=$(dirname "$(find "$s" -path '*/emo/_config.py')")
got=$(cd "$tmp" && LD_LIBRARY_PATH="$s/usr/local/lib" \
      PYTHONPATH="${pydir%/emo}" /usr/bin/python3 -c \
      'import emo; print(emo.default_model())')
[ "$got" = "$want" ] || { echo "pkgconfig: FAIL: staged python found '$got'"; exit 1; }
case $pydir in
    "$s"/usr/local/lib/python3*/dist-packages/emo|"$s"/usr/local/lib/python3*/site-packages/emo) ;;
    *) echo "pkgconfig: FAIL: python package staged in $pydir"; exit 1 ;;
esac
$make --no-print-directory -s uninstall DESTDIR="$s" PREFIX=/usr/local >/dev/null
left=$(find "$s" ! -type d)
[ -z "$left" ] || { echo "pkgconfig: FAIL: staged uninstall left:"; echo "$left"; exit 1; }
echo "pkgconfig: ok (C, C++, static, header as C99/C11/C++; model found by C and Python, installed and staged; man pages; uninstall leaves no file)"
