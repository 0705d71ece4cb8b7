#!/usr/bin/env python3
"""CNN engine speed: libemo (bench/nn_bench.c) against PyTorch CPU on the
same networks (the preset's text rebuilt in torch), threads 1 and 2.

    nn_bench.py NN_BENCH_BINARY [RUNS]
    nn_bench.py --torch PRESET fwd|train THREADS BATCH RUNS   (peer worker)

Prints, per case <net>-<fwd|train>-b<batch>-t<threads>:
    bench <case> libemo_ms=<x> peer=pytorch peer_ms=<y> ratio=<x/y>
(b1: latency of one call; b32 forward and b64 training: ms per image),
then achieved GFLOP/s beside OpenBLAS sgemm's, and the memory of a
forward pass (growth of the peak resident size during the calls) beside
the process's peak.  Every number is the median of RUNS calls after a warm-up,
each library measured in its own fresh process.
"""
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
NETS = [("default", "default"), ("caffenet250", "caffenet")]
CASES = [("fwd", 1), ("fwd", 32), ("train", 64)]


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


def torch_worker(preset, mode, threads, batch, runs):
    import torch
    import torch.nn.functional as F
    sys.path.insert(0, os.path.join(HERE, "..", "tests"))
    from oracle_torch import build_torch, input_shape
    torch.set_num_threads(threads)
    text = subprocess.run([os.environ["NN_BENCH"], "text", preset],
                          check=True, capture_output=True, text=True).stdout
    model, _ = build_torch(text)
    c, h, w = input_shape(text)
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
    before = proc_kb("VmRSS:")
    times = []
    for r in range(runs + 1):
        t = time.perf_counter()
        step()
        if r:
            times.append((time.perf_counter() - t) * 1e3)
    times.sort()
    rss = proc_kb("VmHWM:")
    print("median_ms=%.3f peak_rss_kb=%d pass_rss_kb=%d"
          % (times[len(times) // 2], rss, rss - before))


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
    sgemm = {t: float(run([binary, "sgemm", str(t), "1024"])["gflops"])
             for t in (1, 2)}
    info = []
    for net, preset in NETS:
        for mode, batch in CASES:
            for t in (1, 2):
                # the 250x250 nets train slowly: fewer repeats
                r = max(3, runs // 2) if preset == "caffenet" and \
                    mode == "train" else runs
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
    else:
        main()
