"""PNG chunk surgery: read, drop and add chunks without decoding pixels.

Used to load the pixels of a PNG whose metadata Pillow refuses (a huge text chunk, a
damaged ancillary chunk), and to write and find the marker that says "this file is one of
our outputs" (a ``tEXt`` chunk ``Software=kmeans-compress``), independent of file names.
GIF, JPEG and TIFF outputs carry the same text (comment, COM segment, Software tag), WebP
outputs an XMP packet naming it as the creator tool, and BMP outputs :data:`BMP_MARKER` in
the header's two reserved words (which the format leaves to the writing application).
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


#: The reserved words of a BMP file header (bytes 6-9) in our BMP outputs.
BMP_MARKER = b"KMcq"
#: The XMP packet of our WebP outputs.
WEBP_XMP = (b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
            b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
            b'xmlns:xmp="http://ns.adobe.com/xap/1.0/"><xmp:CreatorTool>' + MARKER_VALUE
            + b'</xmp:CreatorTool></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="r"?>')
#: Most segments or chunks walked through before giving up (a damaged file never loops long).
_MAX_STEPS = 1000


def mark_bmp(data: bytes) -> bytes:
    """``data`` (a BMP file) with :data:`BMP_MARKER` in its reserved header words."""
    return data[:6] + BMP_MARKER + data[10:] if data[:2] == b"BM" and len(data) >= 14 else data


def is_our_output(path: str | Path, head_bytes: int = 4096) -> bool:
    """Whether the file at ``path`` was written by this program. Reads the first
    ``head_bytes``, and for JPEG and WebP the headers of the segments or chunks before the
    marker's place (a large EXIF block or the image data is skipped over, not read)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(head_bytes)
            if head[:2] == b"\xff\xd8":
                return _jpeg_has_marker(fh)
            if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
                return _webp_has_marker(fh)
    except OSError:
        return False
    if head.startswith(PNG_SIGNATURE):
        return has_marker(head)
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return b"\x21\xfe" in head and MARKER_VALUE in head  # comment extension near the start
    if head[:4] in (b"II*\x00", b"MM\x00*"):  # TIFF: the Software tag's text precedes the pixels
        return MARKER_VALUE + b"\x00" in head
    return head[:2] == b"BM" and head[6:10] == BMP_MARKER


def _jpeg_has_marker(fh) -> bool:
    """Walk a JPEG's segments up to the image data, looking for our COM segment."""
    fh.seek(2)
    for _ in range(_MAX_STEPS):
        head = fh.read(4)
        if len(head) < 4 or head[0] != 0xFF:
            return False
        kind, length = head[1], struct.unpack(">H", head[2:])[0]
        if kind == 0xDA or length < 2:  # start of scan: the pixels follow, no marker before them
            return False
        if kind == 0xFE and length == len(MARKER_VALUE) + 2:
            return fh.read(len(MARKER_VALUE)) == MARKER_VALUE
        fh.seek(length - 2, 1)
    return False


def _webp_has_marker(fh) -> bool:
    """Walk a WebP's RIFF chunks (XMP comes after the image data) for our XMP packet."""
    fh.seek(12)
    for _ in range(_MAX_STEPS):
        head = fh.read(8)
        if len(head) < 8:
            return False
        kind, length = head[:4], struct.unpack("<I", head[4:])[0]
        if kind == b"XMP ":
            return MARKER_VALUE in fh.read(min(length, 65536))
        fh.seek(length + (length & 1), 1)
    return False
