"""Tiny hand-built ICC v2 profiles (gray or RGB with a gamma curve) for load tests.

Pillow can only create sRGB, LAB and XYZ profiles; photos carry gray and wide-gamut RGB ones.
"""

from __future__ import annotations

import struct

_D50 = (0.9642, 1.0, 0.8249)


def _s15(v: float) -> bytes:
    return struct.pack(">i", int(round(v * 65536)))


def _xyz(x: float, y: float, z: float) -> bytes:
    return b"XYZ " + b"\0" * 4 + _s15(x) + _s15(y) + _s15(z)


def _curve(gamma: float) -> bytes:
    return b"curv" + b"\0" * 4 + struct.pack(">IH", 1, int(gamma * 256)) + b"\0\0"


def _desc(text: str) -> bytes:
    a = text.encode() + b"\0"
    return b"desc" + b"\0" * 4 + struct.pack(">I", len(a)) + a + b"\0" * (4 + 4 + 2 + 1 + 67)


def _profile(space: bytes, tags: list[tuple[bytes, bytes]]) -> bytes:
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for sig, body in tags:
        body += b"\0" * (-len(body) % 4)
        table += sig + struct.pack(">II", offset + len(data), len(body))
        data += body
    header = (struct.pack(">I", offset + len(data)) + b"lcms" + struct.pack(">I", 0x02100000) + b"mntr"
              + space + b"XYZ " + b"\0" * 12 + b"acsp" + b"APPL" + b"\0" * 20 + b"\0" * 4
              + _s15(_D50[0]) + _s15(_D50[1]) + _s15(_D50[2]) + b"\0" * 48)
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + data


def gray_profile(gamma: float = 2.2) -> bytes:
    """A gray profile ("Gray gamma 2.2"): what scanners and 16-bit gray TIFF/PNG files carry."""
    return _profile(b"GRAY", [(b"desc", _desc(f"Gray gamma {gamma:g}")), (b"wtpt", _xyz(*_D50)),
                              (b"kTRC", _curve(gamma))])


def rgb_profile(gamma: float = 1.0) -> bytes:
    """An RGB profile with sRGB's primaries and a plain gamma (not sRGB's curve)."""
    return _profile(b"RGB ", [(b"desc", _desc(f"Gamma {gamma:g} RGB")), (b"wtpt", _xyz(*_D50)),
                              (b"rXYZ", _xyz(0.4361, 0.2225, 0.0139)), (b"gXYZ", _xyz(0.3851, 0.7169, 0.0971)),
                              (b"bXYZ", _xyz(0.1431, 0.0606, 0.7141)), (b"rTRC", _curve(gamma)),
                              (b"gTRC", _curve(gamma)), (b"bTRC", _curve(gamma))])
