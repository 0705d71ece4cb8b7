#!/bin/sh
# check-detect.sh - agreement of libemo's face detector with OpenCV's
# (tests/detect_agreement.py) on real photographs, when the Python given
# has cv2.  Usage: check-detect.sh PYTHON [--full]
PYTHON=${1:-/usr/bin/python3}
cd "$(dirname "$0")/.."
echo "== face detection agreement with OpenCV"
if ! "$PYTHON" -c "import cv2" 2>/dev/null; then
    echo "check-detect: skipped ($PYTHON has no cv2; apt-get install python3-opencv)"
    exit 0
fi
if [ ! -x build/emo-detect ]; then
    echo "check-detect: build/emo-detect missing (make examples)" >&2
    exit 1
fi
MODE=--quick
[ "$2" = "--full" ] && MODE=
exec "$PYTHON" tests/detect_agreement.py build/emo-detect . $MODE
