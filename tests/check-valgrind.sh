#!/bin/sh
# check-valgrind.sh BUILD SUITE... - memcheck over a build made for it
# (valgrind 3.19 cannot decode AVX-512, so `make check-valgrind` builds
# BUILD with -march=x86-64-v3): emo-detect on the demo photograph, then
# each named Check suite in one process (CK_FORK=no: memcheck follows no
# fork).  Any memcheck error or definite leak fails.  The suites are the
# fast ones: under valgrind everything runs 30-50 times slower.
set -u
b=$1
shift
echo "== memcheck (valgrind) on an x86-64-v3 build"
if ! command -v valgrind >/dev/null 2>&1; then
    echo "valgrind: skipped (not installed; sh tools/install-deps.sh build)"
    exit 0
fi
vg="valgrind -q --error-exitcode=99 --leak-check=full
    --errors-for-leak-kinds=definite --show-leak-kinds=definite"
img=examples/data/astronaut.png
status=0
run() { # NAME COMMAND...: 99 is memcheck's verdict, anything else the test's
    name=$1
    shift
    "$@" > "$b/valgrind-$name.log" 2>&1
    rc=$?
    if [ $rc -ne 0 ]; then
        cat "$b/valgrind-$name.log"
        [ $rc -eq 99 ] && why="memcheck errors" || why="exit status $rc"
        echo "valgrind: FAIL: $name ($why; log: $b/valgrind-$name.log)"
        status=1
    fi
}
model=
[ -f models/default.emo ] && model="--model models/default.emo" ||
    model=--detect-only
# shellcheck disable=SC2086
run emo-detect $vg "$b/emo-detect" $model "$img"
for s in "$@"; do
    # shellcheck disable=SC2086
    run "$s" env CK_FORK=no CK_RUN_SUITE="$s" $vg "$b/check_libemo"
done
[ $status -eq 0 ] &&
    echo "valgrind: ok (emo-detect on $img; suites: $*)"
exit $status
