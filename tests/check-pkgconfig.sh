#!/bin/sh
# check-pkgconfig.sh MAKE - installs libemo into a temporary prefix and
# builds a C and a C++ consumer with `pkg-config --cflags --libs libemo`,
# then checks the header alone compiles as C99, C11 and C++.
set -eu
make=${1:-make}
top=$(pwd)
tmp=$(mktemp -d)
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
echo "pkgconfig: ok (C, C++, static, header as C99/C11/C++)"
