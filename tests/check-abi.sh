#!/bin/sh
# check-abi.sh LIB ABIDIR - compares the built library with the abidw
# baseline of the last release.  abidiff's exit status is a bit mask:
# 0 same, 4 = ABI change, 8 = incompatible change, 1/2 = tool error.
# Only added functions are allowed: any non-zero status fails unless the
# report's only changes are added functions.
set -u
lib=$1 dir=$2
base=$(ls "$dir"/*.abi 2>/dev/null | sort -V | tail -n 1)
if [ -z "$base" ]; then
    echo "abi: FAIL: no baseline in $dir (make abi-baseline at a release)"
    exit 1
fi
if ! command -v abidiff >/dev/null 2>&1; then
    echo "abi: FAIL: abidiff missing (apt-get install abigail-tools)"; exit 1
fi
# --hd2: types reachable only from private headers (the layout behind an
# opaque handle) are not ABI; the baseline is made with --headers-dir too.
report=$(abidiff --no-added-syms --hd2 include "$base" "$lib" 2>&1); rc=$?
if [ $rc -ne 0 ]; then
    echo "abi: FAIL: abidiff $base $lib exited $rc:"; echo "$report"; exit 1
fi
# The exported symbol list may only grow.
nm -D --defined-only "$lib" | awk '$2 == "T" {print $3}' | sed 's/@.*//' |
    sort > /tmp/emo-abi-now.$$
removed=$(comm -23 "$dir/symbols.txt" /tmp/emo-abi-now.$$)
added=$(comm -13 "$dir/symbols.txt" /tmp/emo-abi-now.$$ | wc -l)
rm -f /tmp/emo-abi-now.$$
if [ -n "$removed" ]; then
    echo "abi: FAIL: removed exported functions:"; echo "$removed"; exit 1
fi
# Symbol versions: the baseline's functions stay in LIBEMO_1 (what
# programs linked against 1.0 ask for); a function added since must be
# named in a later node of libemo/libemo.map, not caught by LIBEMO_1's
# emo_* pattern.
wrong=$(nm -D --defined-only "$lib" | awk '$2 == "T" {print $3}' |
    awk -v base="$dir/symbols.txt" '
        BEGIN { while ((getline l < base) > 0) old[l] = 1 }
        { n = split($0, a, "@+"); name = a[1]; ver = n > 1 ? a[n] : "";
          if ((name in old) != (ver == "LIBEMO_1"))
              print name " (" (ver == "" ? "unversioned" : ver) ", " \
                    ((name in old) ? "in" : "not in") " the baseline)" }')
if [ -n "$wrong" ]; then
    echo "abi: FAIL: functions in the wrong version node (libemo/libemo.map):"
    echo "$wrong"; exit 1
fi
echo "abi: ok against $(basename "$base") ($added functions added)"
