#!/usr/bin/env python3
"""Face detection speed: libemo against OpenCV's detectMultiScale.

Frames are built from a real photograph (astronaut.png: the photo scaled
to the frame height, centred, the sides filled by reflection, so the frame
has one face and photographic texture everywhere), written as gray PNG,
and both detectors run on the same pixels with the same cascade and
parameters (1.1 / 5 / 30x30).  OpenCV runs with cv2.setNumThreads(1);
libemo through bench/detect_bench.c (public API, buffers warm) at 1 and 2
threads.  Each case is measured RUNS times, medians reported, and the
whole comparison repeated ROUNDS times, keeping the round with the lowest
libemo+OpenCV median (the machine may be shared; the least disturbed
round is the fairest).

usage: detect_bench.py DETECT_BENCH SOURCE_DIR [RUNS] [ROUNDS]
prints: bench detect-<W>x<H>-t<N> libemo_ms=.. peer=opencv peer_ms=.. ratio=..
"""
import os
import subprocess
import sys
import tempfile
import time

import cv2
import numpy as np

CASCADE_REL = "haarcascades/haarcascade_frontalface_default.xml"
SIZES = [(640, 480), (1280, 720)]
THREADS = [1, 2]


def find_cascade():
    for d in ("/usr/share/opencv4", "/usr/share/opencv",
              "/usr/local/share/opencv4"):
        p = os.path.join(d, CASCADE_REL)
        if os.path.exists(p):
            return p
    raise SystemExit("bench-detect: %s not found" % CASCADE_REL)


def make_frame(photo, w, h):
    s = h / photo.shape[0]
    img = cv2.resize(photo, (int(round(photo.shape[1] * s)), h),
                     interpolation=cv2.INTER_AREA if s < 1 else
                     cv2.INTER_CUBIC)
    left = (w - img.shape[1]) // 2
    right = w - img.shape[1] - left
    return cv2.copyMakeBorder(img, 0, 0, left, right, cv2.BORDER_REFLECT)


def opencv_median(cc, img, runs):
    cc.detectMultiScale(img, 1.1, 5, minSize=(30, 30))
    t = []
    for _ in range(runs):
        t0 = time.perf_counter()
        cc.detectMultiScale(img, 1.1, 5, minSize=(30, 30))
        t.append((time.perf_counter() - t0) * 1e3)
    return float(np.median(t))


def libemo_median(exe, cascade, path, runs, threads):
    out = subprocess.run([exe, cascade, path, str(runs), str(threads)],
                         capture_output=True, text=True, check=True).stdout
    return float(out.split("median_ms=")[1].split()[0])


def main():
    exe, src = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 15
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    cv2.setNumThreads(1)
    cascade = find_cascade()
    cc = cv2.CascadeClassifier(cascade)
    photo = cv2.imread(os.path.join(src, "examples/data/astronaut.png"),
                       cv2.IMREAD_GRAYSCALE)
    with tempfile.TemporaryDirectory(prefix="emo-bench-") as tmp:
        for (w, h) in SIZES:
            img = make_frame(photo, w, h)
            path = os.path.join(tmp, "frame_%dx%d.png" % (w, h))
            cv2.imwrite(path, img)
            for th in THREADS:
                best = None
                for _ in range(rounds):
                    peer = opencv_median(cc, img, runs)
                    mine = libemo_median(exe, cascade, path, runs, th)
                    if best is None or mine + peer < sum(best):
                        best = (mine, peer)
                mine, peer = best
                print("bench detect-%dx%d-t%d libemo_ms=%.1f peer=opencv "
                      "peer_ms=%.1f ratio=%.2f" % (w, h, th, mine, peer,
                                                   mine / peer), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
