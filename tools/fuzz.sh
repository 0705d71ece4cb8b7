#!/bin/sh
# fuzz.sh BUILD SECONDS FUZZER... - runs each libFuzzer target for SECONDS
# (make fuzz).  Corpora grow in BUILD/fuzz/corpus/<fuzzer>/ across runs;
# a crashing input is saved in BUILD/fuzz/crashes/ and the script fails.
# Add a fixed crasher to tests/fuzz/regress/<fuzzer>/ so `make check`
# replays it from then on.
set -u
b=$1 seconds=$2
shift 2
seeds=$b/fuzz/seed-corpus
rm -rf "$seeds" && "$b/fuzz/seeds" "$seeds" || exit 1
# OpenCV's own cascades as starting points (both file formats), when
# opencv-data is installed; the smallest ones keep each run fast.
mkdir -p "$seeds/cascade"
for f in lbpcascades/lbpcascade_frontalface.xml \
         haarcascades/haarcascade_licence_plate_rus_16stages.xml; do
    [ -f "/usr/share/opencv4/$f" ] && cp "/usr/share/opencv4/$f" "$seeds/cascade/"
done
status=0
for name in "$@"; do
    corpus=$b/fuzz/corpus/$name crashes=$b/fuzz/crashes/$name
    mkdir -p "$corpus" "$crashes" "$seeds/$name"
    regress=tests/fuzz/regress/$name
    [ -d "$regress" ] || regress=
    echo "== fuzz $name ($seconds s)"
    "$b/fuzz/fuzz_$name" -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=2048 -max_len=131072 -print_final_stats=1 \
        -artifact_prefix="$crashes/" "$corpus" "$seeds/$name" $regress \
        2> "$b/fuzz/$name.log"
    rc=$?
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb)' \
        "$b/fuzz/$name.log" | tr '\n' ' '
    echo
    if [ $rc -ne 0 ]; then
        echo "fuzz: FAIL: $name (log $b/fuzz/$name.log, input in $crashes/)"
        status=1
    fi
done
exit $status
