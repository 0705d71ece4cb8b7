#!/bin/sh
# check-fuzz.sh BUILD FUZZER... - replays, under ASan+UBSan, the inputs
# that once broke a parser (tests/fuzz/regress/<fuzzer>/) and the valid
# seeds tests/fuzz/seeds.c writes, through each fuzzer's entry point.
set -u
b=$1
shift
seeds=$b/fuzz/seeds-check
rm -rf "$seeds" && "$b/fuzz/seeds" "$seeds" || exit 1
status=0 total=0 fuzzers=$#
for name in "$@"; do
    set --
    for f in tests/fuzz/regress/"$name"/* "$seeds/$name"/*; do
        [ -f "$f" ] && set -- "$@" "$f"
    done
    total=$((total + $#))
    [ $# -eq 0 ] && continue
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "$b/fuzz/replay_$name" "$@" || { echo "fuzz replay: FAIL: $name"; status=1; }
done
[ $status -eq 0 ] && echo "fuzz replay: ok ($total inputs through $fuzzers fuzzers' entry points)"
exit $status
