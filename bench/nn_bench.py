#!/usr/bin/env python3
"""CNN engine speed: libemo (bench/nn_bench.c) against PyTorch CPU and, for
forward passes, OpenCV's DNN module on the same networks (the preset's text
rebuilt in torch; for OpenCV that torch model exported to ONNX and read by
cv2.dnn), threads 1 and 2.

    nn_bench.py NN_BENCH_BINARY [RUNS]
    nn_bench.py --torch|--opencv NET fwd|train THREADS BATCH RUNS  (workers)

NET is a preset name or a network text file (docs/nets/vgg.txt).  Prints,
per case <net>-<fwd|train>-b<batch>-t<threads>:
    bench <case> libemo_ms=<x> peer=pytorch peer_ms=<y> ratio=<x/y>
    bench <case> libemo_ms=<x> peer=opencv-dnn peer_ms=<y> ratio=<x/y>
(b1: latency of one call, the median of 20x RUNS calls; b32 forward and
b64 training: ms per image),
then achieved GFLOP/s beside OpenBLAS sgemm's, and the memory of a
forward pass (growth of the peak resident size during the calls) beside
the process's peak.  Every number is the median of RUNS calls after a
warm-up of WARMUP_S seconds, each library measured in its own fresh
process.
"""
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
NETS = [("default", "default"), ("vgg", os.path.join(HERE, "..", "docs",
                                                     "nets", "vgg.txt")),
        ("caffenet250", "caffenet")]
CASES = [("fwd", 1), ("fwd", 32), ("train", 64)]
# Each library warms up for this long before the timed calls (at least
# one call): thread pools spin for a while after they start (OpenBLAS's
# idle worker for about 0.1-0.3 s after the library loads), and short
# batch-1 runs measured that start-up rather than a running program.
WARMUP_S = 0.5


def parse_kv(line):
    return dict(kv.split("=", 1) for kv in line.split())


def proc_kb(key):
    """A /proc/self/status value in kB (VmHWM is per process image, unlike
    ru_maxrss, which survives exec)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1])
    return -1


def torch_model(preset):
    """The network as a torch module (libemo's text rebuilt), its input
    shape."""
    sys.path.insert(0, os.path.join(HERE, "..", "tests"))
    from oracle_torch import build_torch, input_shape
    text = subprocess.run([os.environ["NN_BENCH"], "text", preset],
                          check=True, capture_output=True, text=True).stdout
    return build_torch(text)[0], input_shape(text)


def timed(step, runs):
    """Median ms of runs calls after a warm-up, and the memory line."""
    before = proc_kb("VmRSS:")
    # warm-up as nn_bench.c's: calls for WARMUP_S, at least one
    t_end = time.perf_counter() + WARMUP_S
    step()
    while time.perf_counter() < t_end:
        step()
    times = []
    for r in range(runs):
        t = time.perf_counter()
        step()
        times.append((time.perf_counter() - t) * 1e3)
    times.sort()
    rss = proc_kb("VmHWM:")
    print("median_ms=%.3f peak_rss_kb=%d pass_rss_kb=%d"
          % (times[len(times) // 2], rss, rss - before))


def onnx_ready(model):
    """The eval-mode model with dropout left out and each local response
    norm as one ONNX LRN node (torch traces it as pad + pooling, which
    cv2.dnn cannot read)."""
    import torch
    import torch.nn as nn

    class LRNFn(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, m):
            return m.forward(x)

        @staticmethod
        def symbolic(g, x, m):
            return g.op("LRN", x, size_i=m.size, alpha_f=m.alpha,
                        beta_f=m.beta, bias_f=m.k)

    class LRN(nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, x):
            return LRNFn.apply(x, self.m)

    mods = [LRN(m) if isinstance(m, nn.LocalResponseNorm) else m
            for m in model if not isinstance(m, nn.Dropout)]
    # fresh batch norms hold equal tensors, which the exporter shares
    # through Identity nodes that cv2.dnn 4.6 cannot read: make them differ
    with torch.no_grad():
        for m in mods:
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
    return nn.Sequential(*mods).eval()


def opencv_worker(preset, threads, batch, runs):
    """Forward through cv2.dnn of the torch model exported to ONNX (batch
    norm in inference form, as libemo's forward)."""
    import io
    import cv2
    import numpy as np
    import torch
    torch.set_num_threads(1)
    model, (c, h, w) = torch_model(preset)
    model = onnx_ready(model)
    onnx = io.BytesIO()
    with torch.no_grad():
        torch.onnx.export(model, torch.zeros(batch, c, h, w), onnx,
                          opset_version=11)
    cv2.setNumThreads(threads)
    net = cv2.dnn.readNetFromONNX(onnx.getvalue())
    net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
    x = (np.random.default_rng(1).random((batch, c, h, w)) - 0.5).astype(
        np.float32)

    # the same work: the peer's logits must be the torch model's
    net.setInput(x)
    with torch.no_grad():
        ref = model(torch.from_numpy(x)).numpy()
    err = np.abs(net.forward() - ref).max() / max(np.abs(ref).max(), 1e-12)
    if err > 1e-3:
        sys.exit("cv2.dnn disagrees with torch on %s: rel %.2e" % (preset,
                                                                 err))

    def step():
        net.setInput(x)
        net.forward()
    timed(step, runs)


def torch_worker(preset, mode, threads, batch, runs):
    import torch
    import torch.nn.functional as F
    torch.set_num_threads(threads)
    model, (c, h, w) = torch_model(preset)
    x = torch.rand(batch, c, h, w) - 0.5
    y = torch.arange(batch) % 7
    opt = torch.optim.SGD(model.parameters(), lr=0.001, momentum=0.9,
                          weight_decay=5e-4)

    def step():
        if mode == "train":
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
        else:
            with torch.no_grad():
                F.softmax(model(x), dim=1)
    model.train(mode == "train")
    timed(step, runs)


def run(cmd, env=None):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True,
                         env=env).stdout.strip().splitlines()[-1]
    return parse_kv(out)


def main():
    binary = os.path.abspath(sys.argv[1])
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    env = dict(os.environ, NN_BENCH=binary)
    try:
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False
        print("# nn: PyTorch not importable: libemo times only")
    try:
        import cv2  # noqa: F401
        have_cv = have_torch  # the ONNX file comes from torch
    except ImportError:
        have_cv = False
        print("# nn: cv2 not importable: no OpenCV DNN peer")
    sgemm = {t: float(run([binary, "sgemm", str(t), "1024"])["gflops"])
             for t in (1, 2)}
    info = []
    for net, preset in NETS:
        for mode, batch in CASES:
            for t in (1, 2):
                # the 250x250 nets and vgg train slowly: fewer repeats;
                # batch-1 calls are short (1.5-40 ms), and with 7 of them
                # one slow call moved the median by 10 %: 20x the calls
                r = max(3, runs // 2) if net != "default" and \
                    mode == "train" else runs
                if mode == "fwd" and batch == 1:
                    r = runs * 20
                case = "%s-%s-b%d-t%d" % (net, mode, batch, t)
                me = run([binary, mode, preset, str(t), str(batch), str(r)])
                per = 1 if batch == 1 else batch
                ms = float(me["median_ms"]) / per
                line = "bench %s libemo_ms=%.3f" % (case, ms)
                if have_torch:
                    peer = run([sys.executable, __file__, "--torch", preset,
                                mode, str(t), str(batch), str(r)], env)
                    pms = float(peer["median_ms"]) / per
                    line += " peer=pytorch peer_ms=%.3f ratio=%.2f" % (
                        pms, ms / pms)
                print(line, flush=True)
                if have_cv and mode == "fwd":
                    peer = run([sys.executable, __file__, "--opencv", preset,
                                mode, str(t), str(batch), str(r)], env)
                    pms = float(peer["median_ms"]) / per
                    print("bench %s libemo_ms=%.3f peer=opencv-dnn peer_ms="
                          "%.3f ratio=%.2f" % (case, ms, pms, ms / pms),
                          flush=True)
                work = int(me["flops"]) * (3 if mode == "train" else 1)
                info.append("bench-gflops %s libemo_gflops=%.1f "
                            "sgemm_gflops=%.1f" % (case, work / ms / 1e6,
                                                   sgemm[t]))
                if mode == "fwd" and t == 1:
                    line = ("bench-mem %s libemo_pass_mb=%.1f "
                            "libemo_peak_rss_mb=%.1f weights_mb=%.1f" % (
                                case, int(me["pass_rss_kb"]) / 1024,
                                int(me["peak_rss_kb"]) / 1024,
                                int(me["weights_kb"]) / 1024))
                    if have_torch:
                        line += (" pytorch_pass_mb=%.1f pytorch_peak_rss_mb="
                                 "%.1f" % (int(peer["pass_rss_kb"]) / 1024,
                                           int(peer["peak_rss_kb"]) / 1024))
                    info.append(line)
    for line in info:
        print(line)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--torch":
        torch_worker(sys.argv[2], sys.argv[3], int(sys.argv[4]),
                     int(sys.argv[5]), int(sys.argv[6]))
    elif len(sys.argv) > 1 and sys.argv[1] == "--opencv":
        opencv_worker(sys.argv[2], int(sys.argv[4]), int(sys.argv[5]),
                      int(sys.argv[6]))
    else:
        main()
