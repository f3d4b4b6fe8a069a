"""Banner images for the demo posts, drawn in pure Python (no image library, no network)."""
from __future__ import annotations

import math
import struct
import zlib

PALETTES = [
    ((67, 56, 202), (129, 140, 248), (251, 191, 36)),
    ((22, 101, 52), (74, 222, 128), (254, 240, 138)),
    ((180, 83, 9), (251, 146, 60), (254, 243, 199)),
    ((15, 118, 110), (94, 234, 212), (253, 224, 71)),
    ((157, 23, 77), (244, 114, 182), (253, 230, 138)),
    ((30, 64, 175), (96, 165, 250), (252, 211, 77)),
]


def _mix(a, b, t):
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def banner_png(seed: int, *, width: int = 600, height: int = 315) -> bytes:
    """A 1.91:1 banner: a vertical gradient with two discs, different for each seed."""
    top, bottom, accent = PALETTES[seed % len(PALETTES)]
    discs = [  # (centre x, centre y, radius, colour)
        (width * (0.72 + 0.05 * (seed % 3)), height * 0.45, height * 0.42, _mix(bottom, (255, 255, 255), 0.35)),
        (width * (0.22 + 0.04 * (seed % 4)), height * 0.78, height * 0.16, accent),
    ]
    rows = []
    for y in range(height):
        colour = bytes(_mix(top, bottom, y / (height - 1)))
        row = bytearray(colour * width)
        for cx, cy, r, disc in discs:
            dy = y - cy
            if abs(dy) < r:
                half = math.sqrt(r * r - dy * dy)
                x0, x1 = max(0, int(cx - half)), min(width, int(cx + half))
                row[x0 * 3:x1 * 3] = bytes(disc) * (x1 - x0)
        rows.append(b"\x00" + bytes(row))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
            + _chunk(b"IEND", b""))
