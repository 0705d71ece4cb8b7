#!/usr/bin/python3
"""The peer of bench-live.sh: the same pipeline built from OpenCV, one
thread, the way a program without libemo would run it on every frame:
CascadeClassifier.detectMultiScale (frontal-face default cascade, 1.1 / 5 /
30x30; OpenCV has no tracking), then for the largest face: crop, resize to
the model's N x N, 5x5 Gaussian, mean subtraction, the views (mirror,
+-10 degree rotations) and a forward pass of the SAME network with the
same weights in PyTorch on the CPU (tests/oracle_torch.py builds the
torch twin; OpenCV 4.6's DNN module cannot import the ONNX PyTorch 1.13
exports for it).  Detection only when no model is given or torch fails.

    /usr/bin/python3 bench/live_peer.py VIDEO.y4m FRAMES [MODEL.emo]

Prints one line: det_ms=<mean detection> fwd1_ms=<face prep + 1-view
forward> fwd4_ms=<same, 4 views> face_rate=<frames with a face>
backend=<pytorch|none>.
"""
import os
import sys
import time

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
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


def torch_twin(model_path):
    """The model as a torch module with libemo's weights, its face size
    and mean image (None without one)."""
    import torch
    sys.path.insert(0, os.path.join(HERE, "..", "bindings", "python"))
    sys.path.insert(0, os.path.join(HERE, "..", "tests"))
    import emo
    from oracle_torch import build_torch, tensors_of
    net = emo.Network.load(model_path)
    module, named = build_torch(net.text)
    with torch.no_grad():
        for name, mod in named:
            for i, t in enumerate(tensors_of(mod)):
                t.copy_(torch.from_numpy(np.asarray(net.get_param(name, i)))
                        .view_as(t))
    module.eval()
    pred = emo.Predictor(net)
    mean = pred.preprocessor.get_mean()
    return module, net.input_shape[1], mean


def make_forward(model_path):
    """(forward(batch) -> probabilities, face size, mean, backend).  The
    network runs in PyTorch (CPU, one thread): OpenCV 4.6's DNN module does
    not import the ONNX that PyTorch 1.13 exports for it."""
    import torch
    torch.set_num_threads(1)
    module, n, mean = torch_twin(model_path)

    def forward(x):
        with torch.no_grad():
            return torch.softmax(module(torch.from_numpy(x)), 1).numpy()
    forward(np.zeros((4, 1, n, n), np.float32))
    return forward, n, mean, "pytorch"


def views(face, mean, count):
    """The libemo views of a face in [0, 1], mean subtracted."""
    n = face.shape[0]
    out = [face]
    if count > 1:
        out.append(face[:, ::-1])
    for deg in (10, -10)[:max(0, count - 2)]:
        m = cv2.getRotationMatrix2D(((n - 1) / 2, (n - 1) / 2), deg, 1.0)
        out.append(cv2.warpAffine(face, m, (n, n),
                                  borderMode=cv2.BORDER_REPLICATE))
    batch = np.stack(out)[:, None].astype(np.float32)
    return batch - mean if mean is not None else batch


def main():
    path, limit = sys.argv[1], int(sys.argv[2])
    model = sys.argv[3] if len(sys.argv) > 3 else None
    cv2.setNumThreads(1)
    det = cv2.CascadeClassifier(CASCADE)
    forward, backend = None, "none"
    if model:
        try:
            forward, n, mean, backend = make_forward(model)
        except Exception as e:  # noqa: BLE001
            print("# live_peer: no network peer (%s)" % e, file=sys.stderr)
    t_det, t_fwd, hits = [], {1: [], 4: []}, 0
    for gray in frames(path, limit):
        t = time.perf_counter()
        faces = det.detectMultiScale(gray, 1.1, 5, minSize=(30, 30))
        t_det.append(time.perf_counter() - t)
        hits += len(faces) > 0
        if forward is None or len(faces) == 0:
            continue
        x, y, w, h = max(faces, key=lambda b: b[2] * b[3])
        for count in (1, 4):
            t = time.perf_counter()
            face = cv2.resize(gray[y:y + h, x:x + w], (n, n),
                              interpolation=cv2.INTER_LINEAR)
            face = cv2.GaussianBlur(face.astype(np.float32) / 255, (5, 5),
                                    1.0)
            forward(views(face, mean, count))
            t_fwd[count].append(time.perf_counter() - t)

    def ms(v):
        return 1000 * sum(v) / len(v) if v else 0.0
    print("det_ms=%.2f fwd1_ms=%.2f fwd4_ms=%.2f face_rate=%.3f backend=%s"
          % (ms(t_det), ms(t_fwd[1]), ms(t_fwd[4]), hits / len(t_det),
             backend))


if __name__ == "__main__":
    main()
