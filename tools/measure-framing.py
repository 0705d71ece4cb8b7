#!/usr/bin/env python3
"""measure-framing.py - where libemo's face detector puts its box on faces
that are already framed the FER2013 way, so that a crop made from the
detector's box can be given the same framing (docs/preprocessing.md).

Each 48 x 48 FER+ image is upscaled (bilinear, --scale, default 4) and
optionally padded on every side by --pad times its side (edge replicated,
so that a face that fills the frame leaves the detector room), then
emo_preprocessor_choose_face runs with the library's default detection
options (largest face, 2 retries).  For each image with a box inside the
original area:
  ratio_w = image side / box width,  ratio_h = image side / box height
  dx = (image centre x - box centre x) / box width
  dy = (image centre y - box centre y) / box height
so the FER framing of that face is the box grown to ratio times its side
(EMO_OPT_CROP_MARGIN = ratio - 1) with its centre moved by (dx, dy) box
sides (EMO_OPT_CROP_SHIFT_Y = dy; dx should be about 0 by symmetry).

Prints the hit rate and the median and interquartile range of each value
(and the geometric mean of the ratio: box sides come in the pyramid's 10 %
steps, so the median sits on one of them); --csv writes one line per
image.

Photos (--photo, e.g. JAFFE's TIFFs or the sample photo) are a check from
the other side: their detector box is cut with each margin and shift of
a small grid (as emo_preprocessor_normalize does, 48 x 48, no blur), and
the mean of those faces is compared with the mean FER+ face (Pearson
correlation, and the row of the eyes: the darkest row of the upper half).
The framing whose mean face is most like FER's should be near the one
measured on FER itself.

  /usr/bin/python3 tools/measure-framing.py --ferplus ../shared/data/ferplus/valid
"""
import argparse
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "bindings", "python"))
import emo  # noqa: E402


def upscale(img, k):
    """Bilinear k-times upscale with pixel centres aligned (as
    emo__crop_resize_u8_f32 samples), rounded back to 8 bits."""
    h, w = img.shape
    ys = (np.arange(h * k) + 0.5) / k - 0.5
    xs = (np.arange(w * k) + 0.5) / k - 0.5
    y0 = np.clip(np.floor(ys).astype(int), 0, h - 1)
    x0 = np.clip(np.floor(xs).astype(int), 0, w - 1)
    y1 = np.clip(y0 + 1, 0, h - 1)
    x1 = np.clip(x0 + 1, 0, w - 1)
    fy = np.clip(ys - y0, 0, 1)[:, None]
    fx = np.clip(xs - x0, 0, 1)[None, :]
    f = img.astype(np.float64)
    top = f[y0][:, x0] * (1 - fx) + f[y0][:, x1] * fx
    bot = f[y1][:, x0] * (1 - fx) + f[y1][:, x1] * fx
    return np.clip(np.rint(top * (1 - fy) + bot * fy), 0, 255).astype(np.uint8)


def quartiles(v):
    q1, med, q3 = np.percentile(np.asarray(v, dtype=np.float64), [25, 50, 75])
    return med, q1, q3


def ferplus_files(folder, limit):
    names = []
    with open(os.path.join(folder, "label.csv")) as f:
        for line in f:
            name = line.split(",", 1)[0].strip()
            if name:
                names.append(name)
    names.sort()
    if limit and len(names) > limit:  # an even sample, reproducible
        step = len(names) / limit
        names = [names[int(i * step)] for i in range(limit)]
    return [os.path.join(folder, n) for n in names]


def measure_fer(pp, files, scale, pad, csv):
    rows, misses = [], 0
    for path in files:
        img = emo.load_image(path)
        side = img.shape[0] * scale
        big = upscale(img, scale)
        p = int(round(pad * side))
        if p:
            big = np.pad(big, p, mode="edge")
        box = pp.choose_face(np.ascontiguousarray(big))
        if box is None:
            misses += 1
            continue
        x, y, w, h = box.x - p, box.y - p, box.w, box.h
        r = (side / w, side / h, (side / 2 - (x + w / 2)) / w,
             (side / 2 - (y + h / 2)) / h)
        rows.append(r)
        if csv:
            csv.write("%s,%d,%d,%d,%d,%.5f,%.5f,%.5f,%.5f\n" %
                      ((os.path.basename(path), x, y, w, h) + r))
    return rows, misses


def fer_mean_face(files):
    acc = None
    for path in files:
        f = emo.load_image(path).astype(np.float64) / 255.0
        acc = f if acc is None else acc + f
    return acc / len(files)


def eye_row(face):
    """The darkest row of the upper half (rows 8..27 of 48), smoothed over
    3 rows, in rows of a 48-row face."""
    n = face.shape[0]
    prof = np.convolve(face.mean(axis=1), np.ones(3) / 3, mode="same")
    lo, hi = n * 8 // 48, n * 28 // 48
    return lo + int(np.argmin(prof[lo:hi]))


def photo_crops(paths):
    """(image, box) of every photo where the detector finds a face."""
    pp = emo.Preprocessor()
    pp.load_cascade()
    out = []
    for path in paths:
        img = emo.load_image(path)
        box = pp.choose_face(img)
        if box is None:
            print("  %s: no face" % path)
            continue
        out.append((img, box))
    return out


def framing_grid(crops, fer_mean, margins, shifts):
    pp = emo.Preprocessor()
    pp.set_int(emo.constants.OPT_BLUR, 0)
    pp.set_int(emo.constants.OPT_FACE_SIZE, fer_mean.shape[0])
    print("photo crops vs the mean FER+ face (eye row %d of %d): "
          "correlation / eye row" % (eye_row(fer_mean), fer_mean.shape[0]))
    print("  margin \\ shift " + " ".join("%+12.2f" % s for s in shifts))
    best = (-2.0, 0.0, 0.0)
    for m in margins:
        pp.set_float(emo.constants.OPT_CROP_MARGIN, m)
        cells = []
        for s in shifts:
            pp.set_float(emo.constants.OPT_CROP_SHIFT_Y, s)
            acc = None
            for img, box in crops:
                f = np.asarray(pp.normalize(img, box), dtype=np.float64)
                acc = f if acc is None else acc + f
            mean = acc / len(crops)
            r = float(np.corrcoef(mean.ravel(), fer_mean.ravel())[0, 1])
            best = max(best, (r, m, s))
            cells.append("%7.4f / %2d" % (r, eye_row(mean)))
        print("  %+6.2f          %s" % (m, " ".join(cells)))
    print("  => most FER-like: margin %+.2f, shift y %+.2f (r = %.4f)" %
          (best[1], best[2], best[0]))


def report_fer(label, rows, misses):
    n = len(rows) + misses
    print("%s: %d images, detector box on %d (%.1f %%)" %
          (label, n, len(rows), 100.0 * len(rows) / max(n, 1)))
    if not rows:
        return
    a = np.array(rows)
    for k, name in enumerate(["ratio_w (image/box)", "ratio_h (image/box)",
                              "dx (box widths)", "dy (box heights)"]):
        med, q1, q3 = quartiles(a[:, k])
        print("  %-20s median %+.4f  IQR [%+.4f, %+.4f] (width %.4f)" %
              (name, med, q1, q3, q3 - q1))
    gm = float(np.exp(np.mean(np.log(a[:, 1]))))
    print("  ratio_h geometric mean %.4f; dy mean %+.4f" %
          (gm, float(np.mean(a[:, 3]))))
    m = np.median(a[:, 1]) - 1.0
    print("  => crop margin %.3f, crop shift y %+.3f" %
          (m, np.median(a[:, 3])))


def measure_photos(crops, n_photos):
    """Box side and centre relative to each photo (what the detector sees
    in a head-and-shoulders photo)."""
    rel = []
    for img, box in crops:
        h, w = img.shape
        rel.append((box.w / w, (box.x + box.w / 2) / w,
                    (box.y + box.h / 2) / h))
    if rel:
        a = np.array(rel)
        print("photos: %d of %d with a face; box side / photo width median "
              "%.3f IQR [%.3f, %.3f]; centre (x, y) / photo median (%.3f, "
              "%.3f)" % ((len(rel), n_photos) + quartiles(a[:, 0]) +
                         (np.median(a[:, 1]), np.median(a[:, 2]))))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ferplus", action="append", default=[],
                    help="a FER+ folder with label.csv (repeatable)")
    ap.add_argument("--limit", type=int, default=0,
                    help="at most this many images per folder (0: all)")
    ap.add_argument("--scale", type=int, default=4)
    ap.add_argument("--pad", type=float, default=0.0,
                    help="edge-replicated border, times the image side")
    ap.add_argument("--photo", action="append", default=[],
                    help="a photo or a folder of photos (sanity check)")
    ap.add_argument("--csv", help="one line per FER image")
    ap.add_argument("--margins", default="-0.1,0,0.1,0.2,0.3",
                    help="margins of the photo grid")
    ap.add_argument("--shifts", default="-0.1,-0.05,0,0.05,0.1",
                    help="vertical shifts of the photo grid")
    args = ap.parse_args()
    pp = emo.Preprocessor()
    pp.load_cascade()
    csv = open(args.csv, "w") if args.csv else None
    if csv:
        csv.write("file,x,y,w,h,ratio_w,ratio_h,dx,dy\n")
    for folder in args.ferplus:
        rows, misses = measure_fer(pp, ferplus_files(folder, args.limit),
                                   args.scale, args.pad, csv)
        report_fer("%s x%d pad %.2f" % (folder, args.scale, args.pad), rows,
                   misses)
    photos = []
    for p in args.photo:
        if os.path.isdir(p):
            photos += sorted(os.path.join(p, f) for f in os.listdir(p)
                             if not f.startswith(".") and
                             f.lower().endswith((".tiff", ".tif", ".png",
                                                 ".jpg", ".jpeg", ".pgm")))
        else:
            photos.append(p)
    if photos:
        crops = photo_crops(photos)
        measure_photos(crops, len(photos))
        if args.ferplus and crops:
            fer = fer_mean_face(ferplus_files(args.ferplus[0], args.limit))
            framing_grid(crops, fer,
                         [float(x) for x in args.margins.split(",")],
                         [float(x) for x in args.shifts.split(",")])
    if csv:
        csv.close()


if __name__ == "__main__":
    main()
