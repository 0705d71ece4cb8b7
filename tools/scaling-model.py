#!/usr/bin/env python3
"""scaling-model.py - the paper model of docs/scaling.md: time per step of
data-parallel training with emo-train-mpi on N ranks, and the per-rank
batch at which the ranks stay above 80 % efficiency.

Per step the reducer makes 3 * n_bn + 1 small, latency-bound allreduces
(batch-norm sums, the loss) and one of the 4 * params bytes of gradients:
  ring (the gradient):   2 (N - 1) / N * bytes / bandwidth + 2 (N - 1) alpha
  Rabenseifner (same):   2 (N - 1) / N * bytes / bandwidth + 2 log2(N) alpha
  small (each):          ceil(log2 N) alpha (recursive doubling)
Compute: c ms per image per rank (measured), b images per rank, no
overlap of communication with compute (the gradients are reduced after
backward).  Efficiency E = b c / (b c + t_comm); E >= 0.8 needs
b >= 4 t_comm / c; the tables give the global batch N b.  Prints
markdown."""
import math

NETS = [  # name, parameters, batch norms, ms per image (1 thread, Xeon)
    ("default", 1128167, 6, 522 / 64),
    ("vgg", 4689735, 8, 3044 / 64),
]
LINKS = [  # name, bytes/s, alpha seconds (per message, MPI over the link)
    ("10 Gb/s (TCP)", 10e9 / 8, 20e-6),
    ("100 Gb/s (RDMA)", 100e9 / 8, 3e-6),
]
RANKS = [2, 8, 64, 512]


def comm_ms(params, n_bn, n, bw, alpha, ring=True):
    if n == 1:
        return 0.0
    grad_bytes = 4 * params
    lat = 2 * (n - 1) * alpha if ring else 2 * math.log2(n) * alpha
    t = 2 * (n - 1) / n * grad_bytes / bw + lat
    t += (3 * n_bn + 1) * math.ceil(math.log2(n)) * alpha
    return 1e3 * t


# A rank per 32-core node: the measured 2-thread gain (1.74x for the
# default net, 1.95x for vgg: docs/RESULTS.md 3h) taken as 87 % per
# thread -- an extrapolation, not a measurement.
NODE_THREADS, THREAD_EFF = 32, 0.87


def main():
    print("| net | link | N | comm ms ring | comm ms Rabenseifner | 80 %: "
          "global batch, rank = 1 core | rank = 32-core node (ring) | "
          "node (Rabenseifner) |")
    print("|---|---|---|---|---|---|---|---|")
    for name, p, n_bn, c in NETS:
        c_node = c / (NODE_THREADS * THREAD_EFF)
        for link, bw, alpha in LINKS:
            for n in RANKS:
                tr = comm_ms(p, n_bn, n, bw, alpha, True)
                ts = comm_ms(p, n_bn, n, bw, alpha, False)
                print("| %s | %s | %d | %.2f | %.2f | %d | %d | %d |"
                      % (name, link, n, tr, ts,
                         n * math.ceil(4 * tr / c),
                         n * math.ceil(4 * tr / c_node),
                         n * math.ceil(4 * ts / c_node)))


if __name__ == "__main__":
    main()
