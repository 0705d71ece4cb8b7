#!/usr/bin/env python3
"""Agreement of libemo's face detector with OpenCV's detectMultiScale.

Builds gray frames from real photographs (astronaut.png scaled, shifted,
pasted several times on a background; CK+ and FER2013 faces from $EMO_DATA
upscaled and tiled, when present), runs cv2.CascadeClassifier and
`emo-detect --detect-only` with the same cascade and parameters, and
matches boxes one to one by IoU.  Passes when, per cascade, at least 95 %
of OpenCV's faces are matched by a libemo face with IoU >= 0.7 and
libemo's unmatched faces are at most 5 % of OpenCV's.

usage: detect_agreement.py EMO_DETECT SOURCE_DIR [--quick]
(--quick: one parameter set and fewer dataset frames, for `make check`)
"""
import json
import os
import subprocess
import sys
import tempfile

import cv2
import numpy as np

CASCADES = [
    "haarcascades/haarcascade_frontalface_default.xml",
    "haarcascades/haarcascade_frontalface_alt.xml",
    "haarcascades/haarcascade_frontalface_alt2.xml",
    "lbpcascades/lbpcascade_frontalface.xml",
    "lbpcascades/lbpcascade_frontalface_improved.xml",
]
CASCADE_DIRS = ["/usr/share/opencv4", "/usr/share/opencv",
                "/usr/local/share/opencv4"]
# (scale factor, min neighbours, min size)
PARAMS = [(1.1, 5, 30), (1.2, 3, 24)]
MIN_RECALL = 0.95
MAX_EXTRA = 0.05
MIN_IOU = 0.7


def find_cascade(rel):
    for d in CASCADE_DIRS:
        p = os.path.join(d, rel)
        if os.path.exists(p):
            return p
    return None


def iou(a, b):
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    ix = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    iy = max(0, min(ay + ah, by + bh) - max(ay, by))
    inter = ix * iy
    union = aw * ah + bw * bh - inter
    return inter / union if union > 0 else 0.0


def match(ref, got):
    """Greedy one-to-one matching by decreasing IoU; returns matched count."""
    pairs = sorted(((iou(r, g), i, j) for i, r in enumerate(ref)
                    for j, g in enumerate(got)), reverse=True)
    used_r, used_g, n = set(), set(), 0
    for v, i, j in pairs:
        if v < MIN_IOU:
            break
        if i in used_r or j in used_g:
            continue
        used_r.add(i)
        used_g.add(j)
        n += 1
    return n


def astronaut_frames(src):
    img = cv2.imread(os.path.join(src, "examples/data/astronaut.png"),
                     cv2.IMREAD_GRAYSCALE)
    frames = {"astronaut": img}
    for s in (0.5, 0.75, 1.3, 2.0):
        frames["astronaut_x%.2f" % s] = cv2.resize(
            img, None, fx=s, fy=s, interpolation=cv2.INTER_AREA
            if s < 1 else cv2.INTER_CUBIC)
    for dx, dy in ((37, 23), (-51, 64)):
        m = np.float32([[1, 0, dx], [0, 1, dy]])
        frames["astronaut_shift%+d%+d" % (dx, dy)] = cv2.warpAffine(
            img, m, (img.shape[1], img.shape[0]),
            borderMode=cv2.BORDER_REFLECT)
    # The face region pasted at several sizes on a 1280x720 background made
    # from the (blurred, enlarged) photograph itself.
    face = img[40:300, 140:320]
    bg = cv2.GaussianBlur(cv2.resize(img, (1280, 720)), (0, 0), 3)
    canvas = bg.copy()
    for (x, y, s) in ((60, 80, 0.6), (400, 200, 1.0), (800, 60, 1.6),
                      (1100, 500, 0.5)):
        f = cv2.resize(face, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
        h, w = f.shape
        h, w = min(h, 720 - y), min(w, 1280 - x)
        canvas[y:y + h, x:x + w] = f[:h, :w]
    frames["pasted_1280x720"] = canvas
    return frames


def dataset_frames(data, quick):
    """Tiles of upscaled 48x48 faces (4 x 3 per 640x480 frame)."""
    frames = {}
    rng = np.random.default_rng(7)
    for name, sub in (("ck48", "ck48"), ("fer", "fer2013/val")):
        root = os.path.join(data, sub)
        if not os.path.isdir(root):
            continue
        files = []
        for cls in sorted(os.listdir(root)):
            d = os.path.join(root, cls)
            if os.path.isdir(d):
                files += [os.path.join(d, f) for f in sorted(os.listdir(d))]
        if not files:
            continue
        ntiles = 3 if quick else 8
        pick = rng.choice(len(files), size=min(len(files), 12 * ntiles),
                          replace=False)
        for t in range(ntiles):
            canvas = np.full((480, 640), 128, np.uint8)
            for k in range(12):
                idx = t * 12 + k
                if idx >= len(pick):
                    break
                f = cv2.imread(files[pick[idx]], cv2.IMREAD_GRAYSCALE)
                if f is None:
                    continue
                f = cv2.resize(f, (144, 144), interpolation=cv2.INTER_CUBIC)
                r, c = divmod(k, 4)
                canvas[r * 160 + 8:r * 160 + 152, c * 160 + 8:c * 160 + 152] = f
            frames["%s_tile%d" % (name, t)] = canvas
    return frames


def run_libemo(exe, cascade, params, paths):
    sf, mn, ms = params
    cmd = [exe, "--detect-only", "--cascade", cascade, "--scale", str(sf),
           "--min-neighbors", str(mn), "--min-size", str(ms)] + paths
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    res = {}
    for line in out.stdout.splitlines():
        o = json.loads(line)
        if "error" in o:
            raise SystemExit("emo-detect failed on %s: %s" % (o["file"],
                                                              o["error"]))
        res[o["file"]] = [(f["x"], f["y"], f["w"], f["h"]) for f in o["faces"]]
    if len(res) != len(paths):
        raise SystemExit("emo-detect: %s" % out.stderr.strip())
    return res


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    exe, src = sys.argv[1], sys.argv[2]
    quick = "--quick" in sys.argv
    cv2.setNumThreads(1)
    frames = astronaut_frames(src)
    data = os.environ.get("EMO_DATA")
    if data and os.path.isdir(data):
        frames.update(dataset_frames(data, quick))
    else:
        print("detect-agreement: EMO_DATA not set, CK+/FER frames skipped")
    ok = True
    with tempfile.TemporaryDirectory(prefix="emo-detect-") as tmp:
        paths = {}
        for name, img in frames.items():
            p = os.path.join(tmp, name + ".png")
            cv2.imwrite(p, img)
            paths[name] = p
        for rel in CASCADES:
            cascade = find_cascade(rel)
            if not cascade:
                print("detect-agreement: %s not installed, skipped" % rel)
                continue
            cc = cv2.CascadeClassifier(cascade)
            for params in PARAMS[:1] if quick else PARAMS:
                got = run_libemo(exe, cascade, params,
                                 [paths[n] for n in frames])
                nref = nmatch = ngot = nexact = 0
                for name, img in frames.items():
                    ref = [tuple(int(v) for v in r) for r in
                           cc.detectMultiScale(img, params[0], params[1],
                                               minSize=(params[2],
                                                        params[2]))]
                    g = got[paths[name]]
                    nref += len(ref)
                    ngot += len(g)
                    nmatch += match(ref, g)
                    nexact += len(set(ref) & set(g))
                recall = nmatch / nref if nref else 1.0
                extra = (ngot - nmatch) / nref if nref else float(ngot > 0)
                good = recall >= MIN_RECALL and extra <= MAX_EXTRA
                ok &= good
                print("detect-agreement %-36s %.1f/%d/%-2d frames=%d "
                      "opencv=%d libemo=%d matched=%.1f%% extra=%.1f%% identical=%d %s"
                      % (os.path.basename(cascade), params[0], params[1],
                         params[2], len(frames), nref, ngot, 100 * recall,
                         100 * extra, nexact, "ok" if good else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
