#!/bin/sh
# install-deps.sh - installs the Debian packages libemo needs when missing.
#   sh tools/install-deps.sh build   build + tests (make, make check, demo;
#                                    Open MPI for make mpi / check-mpi)
#   sh tools/install-deps.sh bench   plus the peers the benchmarks compare to
#   sh tools/install-deps.sh cross   plus cross compilers and qemu-user for
#                                    make check-cross (the foreign libraries
#                                    come from tools/cross-sysroot.sh)
# As root it runs apt-get; otherwise it uses sudo when available, or prints
# the command to run and fails.
set -eu
what=${1:-build}
pkgs="build-essential pkg-config libjpeg62-turbo-dev libpng-dev libopenblas-dev
libxml2-dev libtiff-dev check valgrind opencv-data abigail-tools python3
python3-numpy python3-opencv python3-torch libopenmpi-dev openmpi-bin"
[ "$what" = bench ] && pkgs="$pkgs ffmpeg time"
[ "$what" = cross ] && pkgs="$pkgs gcc-s390x-linux-gnu libc6-dev-s390x-cross
gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static"

missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "libemo: missing packages:$missing (no apt-get here: install them" \
         "with your package manager)" >&2
    exit 1
fi
if [ "$(id -u)" = 0 ]; then
    sudo=""
elif command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
else
    echo "libemo: missing packages:$missing" >&2
    echo "run as root: apt-get install -y$missing" >&2
    exit 1
fi
echo "libemo: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >&2
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >&2
