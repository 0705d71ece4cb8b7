#!/bin/sh
# bench-nn.sh - CNN engine speed against PyTorch CPU (see bench/nn_bench.py).
# Called by bench/run.sh with the Python to use; expects `make lib` done.
# Env: BENCH_RUNS (default 7; halved for caffenet training).
set -e
PYTHON=${1:-/usr/bin/python3}
cd "$(dirname "$0")/.."
mkdir -p build
${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Iinclude -Iexamples/common \
    $(pkg-config --cflags openblas 2>/dev/null) bench/nn_bench.c \
    examples/common/cli.c -o build/nn_bench -Lbuild -lemo \
    $(pkg-config --libs openblas 2>/dev/null) -lm -Wl,-rpath,"$(pwd)/build"
exec "$PYTHON" bench/nn_bench.py build/nn_bench "${BENCH_RUNS:-7}"
