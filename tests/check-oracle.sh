#!/bin/sh
# check-oracle.sh PYTHON - compares libemo's CNN engine with PyTorch on
# every preset (forward probabilities, two SGD steps).  Skips with a
# message when PYTHON cannot import torch and numpy.
PY=${1:-/usr/bin/python3}
cd "$(dirname "$0")/.." || exit 1
if ! "$PY" -c 'import torch, numpy' 2>/dev/null; then
    echo "== oracle: SKIPPED ($PY cannot import torch and numpy)"
    exit 0
fi
echo "== oracle: libemo vs PyTorch"
exec "$PY" tests/oracle_torch.py build/libemo.so.1
