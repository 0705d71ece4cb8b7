#!/bin/sh
# cross-sysroot.sh - the foreign-architecture libraries `make check-cross`
# links against, unpacked into a folder (no dpkg database, no root needed).
#   sh tools/cross-sysroot.sh ARCH DIR     ARCH: a Debian arch (s390x, arm64)
# Installing <pkg>:ARCH with apt-get fails on version skew between the
# architectures (the host's libc6 is newer than the foreign one), so the
# -dev packages and the libraries they need are downloaded with a private
# apt state in DIR/apt (the host's sources.list, ARCH's package index) and
# unpacked with `dpkg -x` into DIR/root.  The C library itself is the cross
# toolchain's (libc6-dev-ARCH-cross, /usr/TRIPLET).  A rerun with the same
# package list does nothing; DIR/stamp records what was unpacked.
set -eu
arch=${1:?usage: cross-sysroot.sh ARCH DIR}
dir=${2:?usage: cross-sysroot.sh ARCH DIR}

# What DEPS_PC and check need, with the libraries their .so files need
# at link time (libxml2's headers include ICU's when it is built with it).
pkgs="libpng-dev libpng16-16 zlib1g-dev zlib1g libjpeg62-turbo-dev
libjpeg62-turbo libxml2-dev libxml2 libicu-dev libicu72 liblzma5
libopenblas-pthread-dev libopenblas0-pthread libgfortran5 check
libsubunit-dev libsubunit0 libtiff-dev libtiff6 libdeflate0 libjbig0
liblerc4 libwebp7 libzstd1 libwebp-dev
libwebpdemux2 libwebpmux3 libzstd-dev liblzma-dev libdeflate-dev"

# LERC is not built for big-endian s390x; its libtiff does without it.
[ "$arch" = s390x ] && pkgs=$(echo "$pkgs" | sed 's/liblerc4//')

stamp="$dir/stamp"
want=$(echo "$arch" $pkgs)
if [ -f "$stamp" ] && [ "$(sed -n 1p "$stamp")" = "$want" ]; then
    exit 0
fi

echo "cross-sysroot: $arch packages into $dir" >&2
rm -rf "$dir/root" "$dir/debs" "$stamp"
mkdir -p "$dir/apt/lists/partial" "$dir/apt/cache/archives/partial" \
         "$dir/debs" "$dir/root"
: > "$dir/apt/status"
dir=$(cd "$dir" && pwd)
set -- -o "Dir::State::Lists=$dir/apt/lists" -o "Dir::Cache=$dir/apt/cache" \
       -o "Dir::State::status=$dir/apt/status" -o "APT::Architecture=$arch" \
       -o "APT::Architectures=$arch" -o Debug::NoLocking=1 \
       -o APT::Sandbox::User=root
apt-get "$@" -qq update >&2
# shellcheck disable=SC2086
(cd "$dir/debs" && apt-get "$@" -qq download $pkgs >&2)
for deb in "$dir"/debs/*.deb; do
    dpkg -x "$deb" "$dir/root"
done

# Absolute symbolic links (/usr/lib/.../libfoo.so -> /lib/...) point at
# the host; make them point inside the root.
find "$dir/root" -type l | while read -r link; do
    target=$(readlink "$link")
    case $target in
        /*) ln -sfn "$dir/root$target" "$link" ;;
    esac
done
{ echo "$want"; (cd "$dir/debs" && ls); } > "$stamp"
