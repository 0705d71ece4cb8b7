#!/bin/sh
# check-detect.sh - agreement of libemo's face detector with OpenCV's
# (tests/detect_agreement.py) on real photographs, when the Python given
# has cv2.  Usage: check-detect.sh PYTHON [--full]
PYTHON=${1:-/usr/bin/python3}
cd "$(dirname "$0")/.."
echo "== face detection agreement with OpenCV"
if [ ! -x build/emo-detect ]; then
    echo "check-detect: build/emo-detect missing (make examples)" >&2
    exit 1
fi
# The CLI contract first: one JSON object per file, errors as objects,
# exit status 1 when any file failed, names escaped.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp examples/data/astronaut.png "$tmp/a \"quoted\" name.png"
printf 'not an image' > "$tmp/bad.png"
if build/emo-detect --detect-only "$tmp/a \"quoted\" name.png" \
    "$tmp/bad.png" "$tmp/missing.png" > "$tmp/out.json" 2>/dev/null; then
    echo "check-detect: emo-detect exited 0 despite unreadable files" >&2
    exit 1
fi
"$PYTHON" - "$tmp/out.json" <<'PY' || exit 1
import json, sys
lines = open(sys.argv[1]).read().splitlines()
objs = [json.loads(l) for l in lines]
assert len(objs) == 3, objs
assert objs[0]["file"].endswith('a "quoted" name.png'), objs[0]
assert objs[0]["width"] == 512 and len(objs[0]["faces"]) == 1, objs[0]
assert "error" in objs[1] and "error" in objs[2], objs
print("check-detect: emo-detect JSON and exit status ok")
PY
# --max-pixels refuses a larger image before decoding it, as an error object.
if build/emo-detect --detect-only --max-pixels 100000 \
    examples/data/astronaut.png > "$tmp/limit.json" 2>/dev/null ||
    ! grep -q '"error": "limit exceeded: .*100000-pixel limit"' "$tmp/limit.json"
then
    echo "check-detect: --max-pixels 100000 did not refuse a 512x512 image:" >&2
    cat "$tmp/limit.json" >&2
    exit 1
fi
echo "check-detect: emo-detect --max-pixels ok"
if ! "$PYTHON" -c "import cv2" 2>/dev/null; then
    echo "check-detect: skipped ($PYTHON has no cv2; apt-get install python3-opencv)"
    exit 0
fi
MODE=--quick
[ "$2" = "--full" ] && MODE=
"$PYTHON" tests/detect_agreement.py build/emo-detect . $MODE
