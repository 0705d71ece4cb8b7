"""python3 -m emo [--model M] [--views N] [--cascade F] [--detect-only]
FILE...: one JSON line per image, as examples/emo-detect prints them.
An unreadable file prints {"file": ..., "error": ...}; the exit status is
then 1 after all files."""
import argparse
import json
import sys

import emo


def _parse(argv):
    ap = argparse.ArgumentParser(prog="python3 -m emo",
                                 description="faces and emotions in images")
    ap.add_argument("files", nargs="+", metavar="FILE")
    ap.add_argument("--model", help="model file (default: %s)" %
                    (emo.default_model() or "models/default.emo"))
    ap.add_argument("--views", type=int, default=4,
                    help="augmentation views 1..4 (default 4)")
    ap.add_argument("--cascade", help="OpenCV cascade XML file")
    ap.add_argument("--detect-only", action="store_true",
                    help="faces only, no emotions (no model needed)")
    return ap.parse_args(argv)


def _faces(args, pp, pred, image):
    if args.detect_only:
        return [dict(zip("xywh", tuple(b))) for b in pp.detect(image)]
    return [p.to_json() for p in pred.predict_frame(image)]


def main(argv=None):
    args = _parse(argv)
    try:
        if args.detect_only:
            pred, pp = None, emo.Preprocessor()
        else:
            model = args.model or emo.default_model()
            if model is None:
                sys.exit("emo: no model (models/default.emo missing); use "
                         "--model M or --detect-only")
            pred = emo.Predictor(emo.Network.load(model))
            pred.views = args.views
            pp = pred.preprocessor
        if args.cascade:
            pp.load_cascade(args.cascade)
    except (emo.EmoError, ValueError) as e:
        sys.exit("emo: %s" % e)
    status = 0
    for path in args.files:
        try:
            image = emo.load_image(path)
            h, w = _shape(image)
            out = {"file": path, "width": w, "height": h,
                   "faces": _faces(args, pp, pred, image)}
        except emo.EmoError as e:
            out, status = {"file": path, "error": e.detail or e.name}, 1
        print(json.dumps(out), flush=True)
    return status


def _shape(image):
    if isinstance(image, emo.Image):
        return image.height, image.width
    return image.shape[:2]


if __name__ == "__main__":
    sys.exit(main())
