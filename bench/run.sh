#!/bin/sh
# run.sh PYTHON - runs every bench/bench-*.sh; each prints lines
#   bench <case> libemo_ms=<median> peer=<peer> peer_ms=<median> ratio=<x/y>
# Medians of repeats; thread counts are in the case names (-t1, -t2).
set -u
py=${1:-/usr/bin/python3}
echo "# libemo bench on $(nproc) cores," \
     "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
status=0
for b in bench/bench-*.sh; do
    [ -f "$b" ] || continue
    echo "# $b"
    sh "$b" "$py" || { echo "# $b failed"; status=1; }
done
exit $status
