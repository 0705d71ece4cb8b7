#!/usr/bin/python3
"""The peer of bench-live.sh: OpenCV's detectMultiScale (frontal-face
default cascade, 1.1 / 5 / 30x30, one thread) on every frame of a Y4M file,
the way a program without tracking would run.

    /usr/bin/python3 bench/live_peer.py VIDEO.y4m FRAMES

Prints "peer_ms=<mean per frame> face_rate=<fraction of frames with a
face>" for the first FRAMES frames.
"""
import sys
import time

import cv2
import numpy as np

CASCADE = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml"


def frames(path, limit):
    with open(path, "rb") as f:
        header = f.readline().split()
        w = int(next(t for t in header if t.startswith(b"W"))[1:])
        h = int(next(t for t in header if t.startswith(b"H"))[1:])
        cs = next((t[1:] for t in header if t.startswith(b"C")), b"420jpeg")
        extra = 0 if cs == b"mono" else 2 * ((w + 1) // 2) * ((h + 1) // 2)
        for _ in range(limit):
            if not f.readline().startswith(b"FRAME"):
                return
            y = f.read(w * h)
            f.read(extra)
            if len(y) < w * h:
                return
            yield np.frombuffer(y, np.uint8).reshape(h, w)


def main():
    path, limit = sys.argv[1], int(sys.argv[2])
    cv2.setNumThreads(1)
    det = cv2.CascadeClassifier(CASCADE)
    times, hits = [], 0
    for gray in frames(path, limit):
        t = time.perf_counter()
        faces = det.detectMultiScale(gray, 1.1, 5, minSize=(30, 30))
        times.append(time.perf_counter() - t)
        hits += len(faces) > 0
    print("peer_ms=%.2f face_rate=%.3f" % (1000 * sum(times) / len(times),
                                         hits / len(times)))


if __name__ == "__main__":
    main()
