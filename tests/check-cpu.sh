#!/bin/sh
# check-cpu.sh MAKE PYTHON - the CPU as a test dimension.
#
# CI and developer machines alternate between CPU families (AMD Zen 3 with
# AVX2, Intel with AVX-512), and both OpenBLAS (which picks its kernels at
# run time) and libemo (whose loops GCC vectorises for ARCHFLAGS) compute
# differently on each.  So that one machine checks what the other family
# would see, this runs the kernel and gradient suites and the PyTorch
# oracle
#   1. under every OpenBLAS core type the CPU can execute
#      (OPENBLAS_CORETYPE; the core OpenBLAS then reports is printed), and
#   2. on libemo built for x86-64-v3 (AVX2 + FMA) and, where the CPU has
#      AVX-512, x86-64-v4, each in its own build directory.
# A core type or ISA level the CPU lacks is skipped with a line that says
# so.  The oracle runs lenet and default everywhere, and caffenet (whose
# near-ties fall differently with every kernel) under the core type of the
# other CPU family (Zen on an AVX-512 machine, Haswell on others); alexnet
# and caffenet with the native core run in check-oracle.  EMO_CPU_PRESETS
# overrides the list.
MAKE=${1:-make}
PY=${2:-/usr/bin/python3}
PRESETS=${EMO_CPU_PRESETS:-lenet default}
cd "$(dirname "$0")/.." || exit 1

flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null)
has() { for f in "$@"; do case " $flags " in *" $f "*) ;; *) return 1 ;; esac
        done; }
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
echo "== cpu: $cpu"
case $(uname -m) in
x86_64) ;;
*) echo "cpu: SKIPPED (core types and ISA levels are x86-64 ones)"; exit 0 ;;
esac

oracle_ok=1
"$PY" -c 'import torch, numpy' 2>/dev/null || {
    oracle_ok=0; echo "cpu: oracle SKIPPED ($PY cannot import torch and numpy)"; }

fail=0
suites() { # BUILD_DIR: kernel and gradient suites, quietly unless they fail
    for s in nn_kernels conv_fast nn_grad network; do
        out=$(CK_RUN_SUITE=$s "$1/check_libemo" 2>&1) ||
            { echo "$out"; return 1; }
        echo "$out" | grep '%:' | sed "s/^/    $s: /"
    done
}
oracle() { # LIB [extra presets]
    [ $oracle_ok = 1 ] || return 0
    lib=$1
    shift
    # shellcheck disable=SC2086
    "$PY" tests/oracle_torch.py "$lib" $PRESETS "$@" > "$tmp" 2>&1
    rc=$?
    sed 's/^/    /' "$tmp"
    return $rc
}
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
corename() {
    "$PY" -c 'import ctypes, ctypes.util as u
b = ctypes.CDLL(u.find_library("openblas") or "libopenblas.so.0")
b.openblas_get_corename.restype = ctypes.c_char_p
print(b.openblas_get_corename().decode())' 2>/dev/null || echo unknown
}

# 1. OpenBLAS core types (the library as built by `make`).
if has avx512f; then other=Zen; else other=Haswell; fi
for ct in SkylakeX Haswell Zen Sandybridge; do
    case $ct in
    SkylakeX) need="avx512f avx512bw avx512vl avx512dq" ;;
    Haswell|Zen) need="avx2 fma" ;;
    Sandybridge) need="avx" ;;
    esac
    if ! has $need; then
        echo "cpu: OPENBLAS_CORETYPE=$ct SKIPPED (the CPU lacks $need)"
        continue
    fi
    export OPENBLAS_CORETYPE=$ct
    echo "cpu: OPENBLAS_CORETYPE=$ct (OpenBLAS core: $(corename))"
    more=
    [ -z "${EMO_CPU_PRESETS:-}" ] && [ $ct = $other ] && more=caffenet
    # shellcheck disable=SC2086
    { suites build && oracle build/libemo.so.1 $more; } || fail=1
    unset OPENBLAS_CORETYPE
done

# 2. libemo built for each x86-64 ISA level the CPU runs.
for level in v3 v4; do
    case $level in
    v3) need="avx2 fma bmi2 movbe" ;;
    v4) need="avx512f avx512bw avx512vl avx512dq avx512cd" ;;
    esac
    if ! has $need; then
        echo "cpu: ARCHFLAGS=-march=x86-64-$level SKIPPED (the CPU lacks $need)"
        continue
    fi
    b=build-$level
    echo "cpu: ARCHFLAGS=-march=x86-64-$level (in $b/)"
    $MAKE --no-print-directory -s B=$b ARCHFLAGS=-march=x86-64-$level \
        lib $b/check_libemo > "$tmp" 2>&1 ||
        { tail -20 "$tmp"; fail=1; continue; }
    { suites $b && oracle $b/libemo.so.1; } || fail=1
done

if [ $fail = 0 ]; then echo "cpu: ok"; else echo "cpu: FAIL"; fi
exit $fail
