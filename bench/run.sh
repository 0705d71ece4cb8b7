#!/bin/sh
# run.sh PYTHON - runs every bench/bench-*.sh; each prints lines
#   bench <case> libemo_ms=<median> peer=<peer> peer_ms=<median> ratio=<x/y>
# Medians of repeats; thread counts are in the case names (-t1, -t2).
set -u
py=${1:-/usr/bin/python3}
# The CPU and the kernels OpenBLAS chose for it (OPENBLAS_CORETYPE may
# force another) head every run: ratios differ between CPU families.
blas=$("$py" -c 'import ctypes, ctypes.util as u
b = ctypes.CDLL(u.find_library("openblas") or "libopenblas.so.0")
b.openblas_get_corename.restype = ctypes.c_char_p
print(b.openblas_get_corename().decode())' 2>/dev/null || echo unknown)
echo "# libemo bench on $(nproc) cores," \
     "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')," \
     "OpenBLAS core $blas${OPENBLAS_CORETYPE:+ (OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE)}"
status=0
for b in bench/bench-*.sh; do
    [ -f "$b" ] || continue
    echo "# $b"
    sh "$b" "$py" || { echo "# $b failed"; status=1; }
done
exit $status
