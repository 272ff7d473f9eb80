"""A QR-code-shaped PNG for invitation "QR codes", made with the standard library only.

The sandbox has no QR encoder (no third-party imaging dependency), so the image is NOT scannable: it has the three
finder patterns and the timing lines of a version-2 symbol (25×25 modules) and data modules drawn from a hash of
the text, so that the same text always gives the same bytes and different invitations look different. What the
product needs from it is what the platform gives: a base64 PNG to show.
"""

import base64
import hashlib
import struct
import zlib

MODULES = 25
SCALE = 8
QUIET = 4


def _finder(grid: list[list[bool]], top: int, left: int) -> None:
    for r in range(7):
        for c in range(7):
            ring = max(abs(r - 3), abs(c - 3))
            grid[top + r][left + c] = ring != 2
    for i in range(-1, 8):  # the light separator around it
        for r, c in ((top - 1, left + i), (top + 7, left + i), (top + i, left - 1), (top + i, left + 7)):
            if 0 <= r < MODULES and 0 <= c < MODULES:
                grid[r][c] = False


def _reserved(r: int, c: int) -> bool:
    near_finder = (r < 9 and c < 9) or (r < 9 and c >= MODULES - 8) or (r >= MODULES - 8 and c < 9)
    return near_finder or r == 6 or c == 6


def modules(text: str) -> list[list[bool]]:
    """The dark (True) and light modules for ``text``."""
    grid = [[False] * MODULES for _ in range(MODULES)]
    stream = b""
    counter = 0
    while len(stream) * 8 < MODULES * MODULES:
        stream += hashlib.sha256(f"{counter}:{text}".encode()).digest()
        counter += 1
    bits = "".join(f"{byte:08b}" for byte in stream)
    for r in range(MODULES):
        for c in range(MODULES):
            if not _reserved(r, c):
                grid[r][c] = bits[r * MODULES + c] == "1"
    for i in range(8, MODULES - 8):  # timing patterns
        grid[6][i] = grid[i][6] = i % 2 == 0
    _finder(grid, 0, 0)
    _finder(grid, 0, MODULES - 7)
    _finder(grid, MODULES - 7, 0)
    return grid


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(text: str) -> bytes:
    """An 8-bit greyscale PNG of ``modules(text)``, 8 pixels a module, with a 4-module quiet zone."""
    grid = modules(text)
    size = (MODULES + 2 * QUIET) * SCALE
    rows = []
    for r in range(-QUIET, MODULES + QUIET):
        line = bytearray()
        for c in range(-QUIET, MODULES + QUIET):
            dark = 0 <= r < MODULES and 0 <= c < MODULES and grid[r][c]
            line += (b"\x00" if dark else b"\xff") * SCALE
        rows.extend([b"\x00" + bytes(line)] * SCALE)  # filter type 0 per scanline
    header = struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + _chunk(b"IEND", b"")
    )


def png_base64(text: str) -> str:
    return base64.b64encode(png(text)).decode()
