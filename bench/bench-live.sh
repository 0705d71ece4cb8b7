#!/bin/sh
# bench-live.sh PYTHON - end to end on video: a 640x480 Y4M clip of the
# sample photograph moving across a background (bench/make-live-video.py)
# streamed through build/emo-live (face tracking + preprocessing + CNN
# with 4 or 1 augmentation views), one thread.  Peer (bench/live_peer.py):
# the same pipeline from OpenCV's detectMultiScale on every frame (OpenCV
# has no tracking) and the same network with the same weights in PyTorch,
# one thread.  Prints
#   bench live-640x480-v<views>-t1 libemo_ms=<wall ms per frame>
#         peer=opencv+pytorch peer_ms=<ms per frame> ratio=<libemo/peer>
# and an "info" line per case with frames/s, CPU ms per frame (less
# sensitive than wall time to other work on the machine), the fraction of
# frames with a face (libemo's and OpenCV's) and emo-live's peak RSS.  Uses models/default.emo, or a fresh
# network of the default architecture when it is missing (same speed).
# Env: BENCH_LIVE_FRAMES (300), BENCH_PEER_FRAMES (60).
set -u
PY=${1:-/usr/bin/python3}
cd "$(dirname "$0")/.."
FRAMES=${BENCH_LIVE_FRAMES:-300}
PEER_FRAMES=${BENCH_PEER_FRAMES:-60}
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1

if ! "$PY" -c "import cv2, numpy" 2>/dev/null; then
    echo "bench-live: skipped ($PY has no cv2/numpy)"
    exit 0
fi
video=build/bench-live-640x480-$FRAMES.y4m
[ -f "$video" ] || "$PY" bench/make-live-video.py "$video" "$FRAMES" \
    640x480 || exit 1

# A network with the given preset's architecture and fresh weights: the
# speed does not depend on the weights.
fresh_model() {
    PYTHONPATH=bindings/python EMO_LIBRARY=build/libemo.so.1 "$PY" -c "
import emo, sys
emo.Network.preset(sys.argv[1]).save(sys.argv[2])" "$1" "$2"
}

model=models/default.emo
if [ ! -f "$model" ]; then
    model=build/bench-default-fresh.emo
    fresh_model default "$model" || exit 1
    echo "# bench-live: models/default.emo missing: default architecture" \
         "with fresh weights"
fi

# peer MODEL FRAMES: sets peer_det, peer_fwd1, peer_fwd4, peer_rate, peer_name
peer() {
    out=$("$PY" bench/live_peer.py "$video" "$2" "$1" 2>/dev/null |
          tail -1) || return 1
    field() { echo "$out" | sed -n "s/.*$1=\([0-9a-z.]*\).*/\1/p"; }
    peer_det=$(field det_ms) peer_fwd1=$(field fwd1_ms)
    peer_fwd4=$(field fwd4_ms) peer_rate=$(field face_rate)
    peer_name=opencv+$(field backend)
    [ "$peer_name" = opencv+none ] && peer_name=opencv
    [ -n "$peer_det" ]
}

# run CASE MODEL VIEWS [emo-live options...]
run() {
    case=$1 m=$2 views=$3
    shift 3
    if [ "$views" = 1 ]; then pfwd=$peer_fwd1; else pfwd=$peer_fwd4; fi
    log=build/bench-live-$case.log
    if ! /usr/bin/time -f "rss_kb=%M cpu_s=%U+%S" -o "$log.time" build/emo-live \
        --model "$m" --input "$video" --views "$views" --json /dev/null \
        --quiet "$@" 2> "$log"; then
        echo "# bench-live: $case failed:"; sed 's/^/#   /' "$log"
        return 1
    fi
    line=$(grep '^emo-live: frames=' "$log" | tail -1)
    get() { echo "$line" | sed "s/.* $1=\([0-9.]*\).*/\1/"; }
    frames=$(get frames) secs=$(get seconds) rate=$(get face_rate)
    pms=$(get predict_ms)
    rss=$(sed -n 's/.*rss_kb=\([0-9]*\).*/\1/p' "$log.time")
    cpu=$(sed -n 's/.*cpu_s=\([0-9.+]*\).*/\1/p' "$log.time")
    awk -v c="$case" -v f="$frames" -v s="$secs" -v pd="$peer_det" \
        -v pf="$pfwd" -v pn="$peer_name" \
        -v r="$rate" -v pr="$peer_rate" -v rss="$rss" -v pm="$pms" \
        -v cpu="$cpu" 'BEGIN {
        ms = 1000 * s / f
        p = pd + pf
        split(cpu, part, "+")
        cpu = part[1] + part[2]
        printf "bench %s libemo_ms=%.2f peer=%s peer_ms=%.2f ratio=%.3f\n",
               c, ms, pn, p, ms / p
        printf "info %s fps=%.1f predict_ms=%.2f cpu_ms=%.2f " \
               "face_rate=%.3f peer_face_rate=%.3f peer_detect_ms=%.2f " \
               "peer_net_ms=%.2f frames=%d rss_mb=%.1f\n",
               c, 1000 / ms, pm, 1000 * cpu / f, r, pr, pd, pf, f,
               rss / 1024
    }'
}

status=0
peer "$model" "$PEER_FRAMES" || { echo "# bench-live: peer failed"; exit 1; }
run live-640x480-v4-t1 "$model" 4 || status=1
run live-640x480-v1-t1 "$model" 1 || status=1
# The paper's pipeline: caffenet on 250x250 faces (fresh weights), one view.
caffe=build/bench-caffenet250-fresh.emo
if [ -f "$caffe" ] || fresh_model caffenet "$caffe"; then
    if peer "$caffe" 20; then
        run live-640x480-caffenet250-v1-t1 "$caffe" 1 --max-frames 60 ||
            status=1
    fi
fi
exit $status
