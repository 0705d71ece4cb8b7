#!/usr/bin/python3
"""Writes a Y4M video (C420jpeg, as ffmpeg writes it) of the sample
photograph moving across a textured background, for bench/bench-live.sh.

    /usr/bin/python3 bench/make-live-video.py OUT.y4m [FRAMES] [WxH]

The photograph (examples/data/astronaut.png, one frontal face) is scaled to
60 % of the frame height and swept left and right along a gentle wave, so
the face moves 4-8 pixels per frame, about what a webcam sees of a person
at a desk, in front of a blurred, mirrored enlargement of the photograph's
lower half (natural texture, no face).  Deterministic.  Needs numpy, cv2.
"""
import os
import sys

import cv2
import numpy as np


def background(photo, w, h):
    """A room-like background with natural image statistics and no face:
    the lower half of the photograph (space suit, helmet), mirrored,
    stretched to the frame and softened."""
    lower = photo[photo.shape[0] // 2:, ::-1]
    img = cv2.resize(lower, (w, h), interpolation=cv2.INTER_LINEAR)
    return cv2.GaussianBlur(img, (0, 0), 2.0)


def main():
    out = sys.argv[1]
    frames = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    w, h = (map(int, sys.argv[3].split("x")) if len(sys.argv) > 3
            else (640, 480))
    here = os.path.dirname(os.path.abspath(__file__))
    photo = cv2.imread(os.path.join(here, "..", "examples", "data",
                                    "astronaut.png"), cv2.IMREAD_COLOR)
    bg = background(photo, w, h)
    side = int(h * 0.6)
    photo = cv2.resize(photo, (side, side), interpolation=cv2.INTER_AREA)
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
