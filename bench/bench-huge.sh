#!/bin/sh
# bench-huge.sh PYTHON - emo-detect on a 7999x7999 PNG with no face
# (bench/make-huge-png.py: 0.4 MB that decode to 64 MB, just under the
# default decoding limit), default options and model, one thread: with the
# detector's default working size (EMO_OPT_DETECT_MAX_PIXELS) against the
# same run scanning at full size (--detect-max-pixels 0), one run each.
# Prints
#   bench huge-7999x7999 libemo_ms=<wall ms> peer=full-size peer_ms=<ms>
#         ratio=<libemo/peer>
#   info huge-7999x7999 rss_mb=<peak RSS, MiB> full_size_rss_mb=<MiB>
# Needs /usr/bin/time (Debian package time).
set -u
PY=${1:-/usr/bin/python3}
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/time ]; then
    echo "bench-huge: skipped (no /usr/bin/time: apt-get install time)"
    exit 0
fi
export OPENBLAS_NUM_THREADS=1
png=build/bench-huge-7999.png
[ -f "$png" ] || "$PY" bench/make-huge-png.py "$png" 7999 || exit 1
mode=
[ -f models/default.emo ] || mode=--detect-only
# run ARGS...: "<wall ms> <peak RSS MiB>" of one emo-detect run
run() {
    /usr/bin/time -f '%e %M' -o build/bench-huge.time \
        build/emo-detect $mode "$@" "$png" > /dev/null || return 1
    awk '{printf "%.0f %.0f\n", $1 * 1000, $2 / 1024}' build/bench-huge.time
}
set -- $(run) $(run --detect-max-pixels 0)
[ $# -eq 4 ] || { echo "bench-huge: emo-detect failed"; exit 1; }
echo "bench huge-7999x7999 libemo_ms=$1 peer=full-size peer_ms=$3" \
     "ratio=$(awk "BEGIN {printf \"%.2f\", $1 / $3}")"
echo "info huge-7999x7999 rss_mb=$2 full_size_rss_mb=$4"
