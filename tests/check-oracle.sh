#!/bin/sh
# check-oracle.sh PYTHON - compares libemo's CNN engine with PyTorch on
# every preset (forward probabilities; SGD steps, each against a float64
# step that matches libemo's near-tie decisions, within a bound from
# float32 error analysis), then shows that the bound catches a wrong
# update: conv1's updates 0.1 % too large must fail, in the smallest net
# and in the one whose conv1 bound is the loosest.  Skips with a message
# when PYTHON cannot import torch and numpy.
PY=${1:-/usr/bin/python3}
cd "$(dirname "$0")/.." || exit 1
if ! "$PY" -c 'import torch, numpy' 2>/dev/null; then
    echo "== oracle: SKIPPED ($PY cannot import torch and numpy)"
    exit 0
fi
echo "== oracle: libemo vs PyTorch"
"$PY" tests/oracle_torch.py build/libemo.so.1 || exit 1
echo "== oracle self-test: a deliberately wrong update must be caught"
exec "$PY" tests/oracle_torch.py build/libemo.so.1 --break conv1 lenet caffenet
