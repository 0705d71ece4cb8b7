"""python3 -m emo [--model M] [--views N] [--detect-only] [--cascade F]
[--scale 1.1] [--min-neighbors 5] [--min-size 30] [--max-size 0]
[--choice largest|central|all] FILE...: one JSON line per image, as
examples/emo-detect prints them (same options and defaults: every face).
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
    ap.add_argument("--model", action="append",
                    help="model file (default: %s); repeated: an ensemble"
                    % (emo.default_model() or "models/default.emo"))
    ap.add_argument("--views", type=int, default=4,
                    help="augmentation views 1..8 (default 4)")
    ap.add_argument("--cascade", help="OpenCV cascade XML file")
    ap.add_argument("--detect-only", action="store_true",
                    help="faces only, no emotions (no model needed)")
    ap.add_argument("--scale", type=float, default=1.1)
    ap.add_argument("--min-neighbors", type=int, default=5)
    ap.add_argument("--min-size", type=int, default=30)
    ap.add_argument("--max-size", type=int, default=0)
    ap.add_argument("--choice", default="all",
                    choices=["largest", "central", "all"])
    return ap.parse_args(argv)


def _configure(pp, args):
    """The detection options, as emo-detect applies them."""
    pp.load_cascade(args.cascade)
    pp.set_float(emo.OPT_DETECT_SCALE_FACTOR, args.scale)
    pp.set_int(emo.OPT_DETECT_MIN_NEIGHBORS, args.min_neighbors)
    pp.set_int(emo.OPT_DETECT_MIN_SIZE, args.min_size)
    pp.set_int(emo.OPT_DETECT_MAX_SIZE, args.max_size)
    pp.set_int(emo.OPT_FACE_CHOICE, {"largest": emo.FACE_LARGEST,
                                     "central": emo.FACE_CENTRAL,
                                     "all": emo.FACE_ALL}[args.choice])


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
            models = args.model or [emo.default_model()]
            if models[0] is None:
                sys.exit("emo: no model (models/default.emo missing); use "
                         "--model M or --detect-only")
            pred = emo.Predictor(emo.Network.load(models[0]))
            for extra in models[1:]:
                pred.add_network(emo.Network.load(extra))
            pred.views = args.views
            pp = pred.preprocessor
        _configure(pp, args)
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
            msg = "%s: %s" % (e.name, e.detail) if e.detail else e.name
            out, status = {"file": path, "error": msg}, 1
        print(json.dumps(out), flush=True)
    return status


def _shape(image):
    if isinstance(image, emo.Image):
        return image.height, image.width
    return image.shape[:2]


if __name__ == "__main__":
    sys.exit(main())
