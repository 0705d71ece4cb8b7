#!/bin/sh
# bench-nn.sh - CNN engine speed against PyTorch CPU (see bench/nn_bench.py).
# Called by bench/run.sh with the Python to use; expects `make lib` done.
# Env: BENCH_RUNS (default 7; halved for caffenet training).
set -e
PYTHON=${1:-/usr/bin/python3}
cd "$(dirname "$0")/.."
${MAKE:-make} --no-print-directory -s build/nn_bench
exec "$PYTHON" bench/nn_bench.py build/nn_bench "${BENCH_RUNS:-7}"
