#!/usr/bin/python3
"""Writes a Y4M video (C420jpeg, as ffmpeg writes it) of the sample
photograph moving across a textured background, for bench/bench-live.sh.

    /usr/bin/python3 bench/make-live-video.py OUT.y4m [FRAMES] [WxH]

The photograph (examples/data/astronaut.png, one frontal face) is scaled to
60 % of the frame height and swept left and right along a gentle wave, so
the face moves 4-8 pixels per frame, about what a webcam sees of a person
at a desk.  Deterministic (fixed seed).  Needs numpy and cv2.
"""
import os
import sys

import cv2
import numpy as np


def background(w, h, rng):
    """Smooth random texture plus a gradient: real-looking clutter for the
    detector without faces in it."""
    noise = rng.random((h // 8 + 1, w // 8 + 1, 3)).astype(np.float32)
    tex = cv2.resize(noise, (w, h), interpolation=cv2.INTER_CUBIC)
    grad = np.linspace(0.3, 0.8, w, dtype=np.float32)[None, :, None]
    img = 255 * (0.6 * tex + 0.4 * grad)
    return np.clip(img, 0, 255).astype(np.uint8)


def main():
    out = sys.argv[1]
    frames = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    w, h = (map(int, sys.argv[3].split("x")) if len(sys.argv) > 3
            else (640, 480))
    here = os.path.dirname(os.path.abspath(__file__))
    photo = cv2.imread(os.path.join(here, "..", "examples", "data",
                                    "astronaut.png"), cv2.IMREAD_COLOR)
    side = int(h * 0.6)
    photo = cv2.resize(photo, (side, side), interpolation=cv2.INTER_AREA)
    bg = background(w, h, np.random.default_rng(1))
    span = w - side
    with open(out, "wb") as f:
        f.write(b"YUV4MPEG2 W%d H%d F30:1 Ip A1:1 C420jpeg "
                b"XYSCSS=420JPEG\n" % (w, h))
        for i in range(frames):
            # Triangle wave over x (one sweep per 120 frames), sine over y.
            t = (i % 120) / 60.0
            x = int(span * (t if t <= 1 else 2 - t))
            y = int((h - side) / 2 + 0.15 * (h - side) * np.sin(i / 15.0))
            frame = bg.copy()
            frame[y:y + side, x:x + side] = photo
            yuv = cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420)
            f.write(b"FRAME\n")
            f.write(yuv.tobytes())


if __name__ == "__main__":
    main()
