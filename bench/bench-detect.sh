#!/bin/sh
# bench-detect.sh - face detection speed against OpenCV (see
# bench/detect_bench.py).  Called by bench/run.sh with the Python to use;
# expects `make all` done.  Env: BENCH_RUNS (default 15), BENCH_ROUNDS (3).
set -e
PYTHON=${1:-/usr/bin/python3}
cd "$(dirname "$0")/.."
if ! "$PYTHON" -c "import cv2" 2>/dev/null; then
    echo "bench-detect: skipped ($PYTHON has no cv2: apt-get install python3-opencv)"
    exit 0
fi
${MAKE:-make} --no-print-directory -s build/detect_bench
exec "$PYTHON" bench/detect_bench.py build/detect_bench . \
    "${BENCH_RUNS:-15}" "${BENCH_ROUNDS:-3}"
