"""PNG chunk surgery: read, drop and add chunks without decoding pixels.

Used to load the pixels of a PNG whose metadata Pillow refuses (a huge text chunk, a
damaged ancillary chunk), and to write and find the marker that says "this file is one of
our outputs" (a ``tEXt`` chunk ``Software=kmeans-compress``), independent of file names.
GIF, JPEG and TIFF outputs carry the same text (comment, COM segment, Software tag); BMP and
WebP outputs carry none.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MARKER_KEY = b"Software"
MARKER_VALUE = b"kmeans-compress"
#: Chunks that carry pixels or the meaning of pixels: never dropped when salvaging.
PIXEL_CHUNKS = {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS"}


def chunk(kind: bytes, data: bytes) -> bytes:
    """One encoded chunk with its length and CRC."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def iter_chunks(data: bytes) -> Iterator[tuple[bytes, bytes, bool]]:
    """Yield ``(kind, payload, crc_ok)`` for each complete chunk; stops at the end of the data."""
    pos = len(PNG_SIGNATURE)
    while pos + 12 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        end = pos + 8 + length
        if end + 4 > len(data):
            return
        payload = data[pos + 8:end]
        (crc,) = struct.unpack(">I", data[end:end + 4])
        yield kind, payload, crc == (zlib.crc32(kind + payload) & 0xFFFFFFFF)
        pos = end + 4
        if kind == b"IEND":
            return


def strip_metadata(data: bytes) -> tuple[bytes, list[str]]:
    """Keep only the pixel chunks (with a valid CRC); return the new PNG and what was dropped."""
    out = [PNG_SIGNATURE]
    dropped: list[str] = []
    for kind, payload, ok in iter_chunks(data):
        if kind in PIXEL_CHUNKS and (ok or kind in (b"IDAT", b"IEND")):
            out.append(chunk(kind, payload))  # a bad IDAT CRC is repaired: zlib still checks the data
        else:
            dropped.append(kind.decode("latin-1"))
    return b"".join(out), dropped


def add_marker(data: bytes) -> bytes:
    """Insert ``tEXt Software=kmeans-compress`` right after IHDR (before any pixel data)."""
    if not data.startswith(PNG_SIGNATURE):
        return data
    ihdr_end = len(PNG_SIGNATURE) + 8 + struct.unpack(">I", data[8:12])[0] + 4
    return data[:ihdr_end] + chunk(b"tEXt", MARKER_KEY + b"\0" + MARKER_VALUE) + data[ihdr_end:]


def has_marker(data: bytes) -> bool:
    """True for a PNG (header bytes are enough) that carries our ``Software`` text chunk."""
    if not data.startswith(PNG_SIGNATURE):
        return False
    for kind, payload, _ok in iter_chunks(data):
        if kind == b"tEXt" and payload == MARKER_KEY + b"\0" + MARKER_VALUE:
            return True
        if kind in (b"IDAT", b"IEND"):
            return False
    return False


def is_our_output(path: str | Path, head_bytes: int = 4096) -> bool:
    """Whether the file at ``path`` was written by this program (reads only its first bytes)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(head_bytes)
    except OSError:
        return False
    if head.startswith(PNG_SIGNATURE):
        return has_marker(head)
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return b"\x21\xfe" in head and MARKER_VALUE in head  # comment extension near the start
    if head[:2] == b"\xff\xd8":  # JPEG: a COM segment with the marker
        return b"\xff\xfe" + struct.pack(">H", len(MARKER_VALUE) + 2) + MARKER_VALUE in head
    if head[:4] in (b"II*\x00", b"MM\x00*"):  # TIFF: the Software tag's text precedes the pixels
        return MARKER_VALUE + b"\x00" in head
    return False  # BMP and WebP outputs carry no marker
