#!/bin/sh
# check-symbols.sh LIB SONAME - the shared library exports only emo_*
# symbols, has the right SONAME and a non-executable stack.
set -u
lib=$1 soname=$2 fail=0
bad=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVWi]$/ {print $3}' |
      sed 's/@.*//' | grep -v '^emo_' | grep -v '^LIBEMO_' || true)
if [ -n "$bad" ]; then
    echo "symbols: FAIL: exported symbols without the emo_ prefix:"; echo "$bad"
    fail=1
fi
got=$(readelf -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
if [ "$got" != "$soname" ]; then
    echo "symbols: FAIL: SONAME is '$got', expected '$soname'"; fail=1
fi
if readelf -lW "$lib" | grep GNU_STACK | grep -q RWE; then
    echo "symbols: FAIL: executable stack"; fail=1
fi
n=$(nm -D --defined-only "$lib" | grep -c ' T emo_')
if [ $fail = 0 ]; then
    echo "symbols: ok ($n emo_* functions, SONAME $soname, stack not executable)"
fi
exit $fail
