#!/bin/sh
# check-cross.sh - libemo and its unit tests cross-built for another
# architecture and run under qemu-user: s390x (big-endian, float arithmetic
# evaluated in double) and arm64.  Run by `make check-cross` after the
# native build.  Usage: check-cross.sh MAKE ARCH
#   build/cross/sysroot-ARCH   the foreign -dev packages (tools/cross-sysroot.sh)
#   build/cross/ARCH           the build (make B=build/cross/ARCH)
# The unit tests run with EMO_TEST_SCALE (default 0.1: the slow cases do
# less work, see tests/testutil.h) and Check's timeouts times
# CK_TIMEOUT_MULTIPLIER (default 10).  Then the default model, written on
# x86, must give the native build's faces, labels and scores (within 1e-6)
# on the demo photograph, and re-save to the native build's bytes.
set -u
MAKE=${1:?usage: check-cross.sh MAKE ARCH}
arch=${2:?usage: check-cross.sh MAKE ARCH}
cd "$(dirname "$0")/.."
case $arch in
    s390x) triplet=s390x-linux-gnu qemu=qemu-s390x-static ;;
    arm64) triplet=aarch64-linux-gnu qemu=qemu-aarch64-static ;;
    *) echo "check-cross: unknown architecture '$arch' (s390x, arm64)" >&2
       exit 2 ;;
esac
echo "== cross: $arch ($triplet, $qemu)"
start=$(date +%s)
B=build/cross/$arch
sh tools/cross-sysroot.sh "$arch" "build/cross/sysroot-$arch" || exit 1
R=$(cd "build/cross/sysroot-$arch/root" && pwd)
libs="$R/usr/lib/$triplet:$R/lib/$triplet:$R/usr/lib/$triplet/openblas-pthread"
export PKG_CONFIG_SYSROOT_DIR="$R"
export PKG_CONFIG_LIBDIR="$R/usr/lib/$triplet/pkgconfig:$R/usr/lib/$triplet/openblas-pthread/pkgconfig:$R/usr/share/pkgconfig"
# The sysroot holds only the packages above; the C library is the cross
# toolchain's.  -rpath-link: the libraries that libxml2 and OpenBLAS need.
cc="$triplet-gcc -isystem $R/usr/include/$triplet -isystem $R/usr/include"
cc="$cc -L$R/usr/lib/$triplet -L$R/lib/$triplet -Wl,-rpath-link,$libs"
$MAKE --no-print-directory B="$B" CC="$cc" AR="$triplet-ar" ARCHFLAGS= \
    lib examples "$B/check_libemo" "$B/cross_model" || exit 1

run() {
    QEMU_LD_PREFIX=/usr/$triplet LD_LIBRARY_PATH=$libs "$qemu" "$@"
}
status=0
echo "== cross: $arch unit tests (EMO_TEST_SCALE=${EMO_TEST_SCALE:=0.1})"
EMO_TEST_SCALE=$EMO_TEST_SCALE \
    CK_TIMEOUT_MULTIPLIER=${CK_TIMEOUT_MULTIPLIER:-10} \
    run "$B/check_libemo" || status=1

echo "== cross: $arch default model against the native build"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
model=models/default.emo photo=examples/data/astronaut.png
build/cross_model "$model" "$photo" "$tmp/native.emo" > "$tmp/native.txt" &&
    run "$B/cross_model" "$model" "$photo" "$tmp/$arch.emo" > "$tmp/$arch.txt" ||
    status=1
# Same lines, same integers (box, label), scores within 1e-6.
if ! awk 'NR == FNR { want[FNR] = $0; n = FNR; next }
    { m++; if (split(want[FNR], a) != NF) bad = 1
      for (i = 1; i <= NF; i++) {
          d = $i - a[i]
          if (i <= 5 ? $i != a[i] : d > 1e-6 || d < -1e-6) bad = 1 } }
    END { exit bad || m != n || n == 0 }' "$tmp/native.txt" "$tmp/$arch.txt"
then
    echo "cross: FAIL: $arch predicts differently on $photo:" >&2
    sed 's/^/  native: /' "$tmp/native.txt" >&2
    sed "s/^/  $arch: /" "$tmp/$arch.txt" >&2
    status=1
else
    echo "cross: $arch faces, labels and scores match the native build:" \
         "$(cat "$tmp/$arch.txt")"
fi
if cmp "$tmp/native.emo" "$tmp/$arch.emo"; then
    echo "cross: $arch re-saves $model byte for byte as the native build does"
else
    echo "cross: FAIL: $model re-saved on $arch differs from the native" \
         "re-save" >&2
    status=1
fi
# The emo-detect program (JSON, 4 decimals) prints the same line.
if [ "$(build/emo-detect --model "$model" "$photo")" != \
     "$(run "$B/emo-detect" --model "$model" "$photo")" ]; then
    echo "cross: FAIL: emo-detect on $arch prints other results" >&2
    status=1
else
    echo "cross: $arch emo-detect prints the native JSON"
fi
took="$(($(date +%s) - start)) s (sysroot, build and tests)"
[ $status = 0 ] && echo "cross: $arch ok, $took" ||
    echo "cross: $arch FAILED, $took"
exit $status
