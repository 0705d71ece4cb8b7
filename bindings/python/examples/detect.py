#!/usr/bin/python3
"""Faces and emotions in photographs, with the libemo Python binding.

    PYTHONPATH=bindings/python python3 bindings/python/examples/detect.py \\
        [--model M] [--views N] PHOTO...

For each face: its box, the voted emotion, the per-view votes and the two
runners-up.  With --detect-only (or without a model) only the boxes.
"""
import argparse
import sys

import emo


def describe(pred):
    ranked = sorted(pred.scores_by_name.items(), key=lambda kv: -kv[1])
    votes = ",".join(pred.class_names[v] for v in pred.view_labels)
    others = ", ".join("%s %.2f" % kv for kv in ranked[1:3])
    return "%-8s %.2f  (views: %s; then %s)" % (
        pred.label_name, pred.scores[pred.label], votes, others)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("photos", nargs="+")
    ap.add_argument("--model", default=emo.default_model())
    ap.add_argument("--views", type=int, default=4)
    ap.add_argument("--detect-only", action="store_true")
    args = ap.parse_args()

    if args.detect_only or args.model is None:
        if not args.detect_only:
            print("no model found: detecting faces only", file=sys.stderr)
        pp, predictor = emo.Preprocessor(), None
    else:
        predictor = emo.Predictor(emo.Network.load(args.model))
        predictor.views = args.views
        pp = predictor.preprocessor
    pp.set_int(emo.OPT_FACE_CHOICE, emo.FACE_ALL)

    status = 0
    for path in args.photos:
        try:
            image = emo.load_image(path)
        except emo.EmoError as e:
            print(e.detail or "%s: %s" % (path, e.name), file=sys.stderr)
            status = 1
            continue
        if predictor is None:
            faces = [(box, "") for box in pp.detect(image)]
        else:
            faces = [(p.box, describe(p))
                     for p in predictor.predict_frame(image)]
        print("%s: %d face(s)" % (path, len(faces)))
        for (x, y, w, h), text in faces:
            print("  %4d,%-4d %4dx%-4d %s" % (x, y, w, h, text))
    return status


if __name__ == "__main__":
    sys.exit(main())
