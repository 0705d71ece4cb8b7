#!/usr/bin/python3
"""Writes a gray PNG of N x N pixels (default 7999, just under the 64-Mpx
decoding limit) holding a diagonal gradient: a few hundred kB that decode
to 64 MB, the kind of file that makes a detector's cost explode.  For
bench/bench-huge.sh.  Standard library only; deterministic.

    python3 bench/make-huge-png.py OUT.png [N]
"""
import struct
import sys
import zlib


def chunk(kind, data):
    body = kind + data
    return (struct.pack(">I", len(data)) + body +
            struct.pack(">I", zlib.crc32(body) & 0xffffffff))


def main():
    out, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 7999
    # value (x + y) * 255 / (2n - 2): row y is a slice of one ramp
    ramp = bytes((k * 255) // (2 * n - 2) for k in range(2 * n - 1))
    z = zlib.compressobj(9)
    idat = [z.compress(b"\0" + ramp[y:y + n]) for y in range(n)]
    idat.append(z.flush())
    with open(out, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", n, n, 8, 0, 0, 0, 0)))
        f.write(chunk(b"IDAT", b"".join(idat)))
        f.write(chunk(b"IEND", b""))


if __name__ == "__main__":
    main()
