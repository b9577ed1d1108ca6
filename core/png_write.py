"""Indexed PNG files written chunk by chunk, the pixel data compressed by libdeflate on all cores.

libdeflate (the ``deflate`` package) gives the smallest deflate streams at levels 11-12, but
one call is single-threaded: ~3 s for the 12 MB of a 12 MP image at level 11. The filtered
rows are therefore cut into fixed pieces of about :data:`PIECE_BYTES`, each compressed on the
core's thread pool (the package releases the GIL), and the pieces' streams are joined into one
(:mod:`core.deflate_join`). Measured on the 12 MP benchmark photo at K = 16, level 11, two
cores: 1.4-1.8 s instead of 2.7-3.2 s in one piece, 391.9-393.1 KB instead of 391.5 KB (each
piece starts without the previous one's history). Pieces of 1 MB rather than 2 MB (2026-12-03,
same run, best of 3): astronaut 8 bits 1.49 -> 1.44 s for +0.2 % (392,311 -> 393,105 B),
rocket 4 bits 0.70 -> 0.57 s (three pieces on two cores became six) for +0.2 %; images of 1-2 MB
of rows, which were one piece, now use both cores. The pieces depend only on the image, never
on the thread count, so the file is the same with one thread or many.

Every row uses filter type 0 (none): palette indices of photos are not smooth, so prediction
does not help (see :mod:`core.png_encode`).
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

from . import deflate_join, parallel
from .pngchunks import PNG_SIGNATURE, chunk

#: Target size of one independently compressed piece of the filtered rows.
PIECE_BYTES = 1 << 20
#: Largest IDAT chunk written (any size up to 2 GB is valid; each chunk adds 12 bytes).
IDAT_BYTES = 1 << 20
#: zlib header: deflate with a 32 KB window, "maximum compression" (a multiple of 31).
_ZLIB_HEADER = b"\x78\xda"


def have_libdeflate() -> bool:
    """``deflate`` is a dependency; without it (a broken install) callers fall back to zlib."""
    try:
        import deflate  # noqa: F401
    except ImportError:
        return False
    return True


def filtered_rows(indices: np.ndarray, depth: int) -> np.ndarray:
    """(H, 1 + row bytes) uint8: filter byte 0, then the row's indices packed ``depth`` bits each."""
    h, w = indices.shape
    if depth == 8:
        rows = np.zeros((h, 1 + w), np.uint8)
        rows[:, 1:] = indices
        return rows
    per_byte = 8 // depth
    padded = w + (-w) % per_byte
    values = np.zeros((h, padded), np.uint8)
    values[:, :w] = indices
    packed = np.zeros((h, padded // per_byte), np.uint8)
    for slot in range(per_byte):  # the leftmost pixel in the most significant bits
        packed |= values[:, slot::per_byte] << np.uint8(depth * (per_byte - 1 - slot))
    rows = np.zeros((h, 1 + packed.shape[1]), np.uint8)
    rows[:, 1:] = packed
    return rows


def zlib_stream(rows: np.ndarray, level: int) -> bytes:
    """The zlib stream of ``rows`` (H x row bytes, C order), compressed in pieces on the pool."""
    import deflate

    data = memoryview(np.ascontiguousarray(rows)).cast("B")
    row_bytes = rows.shape[1]
    per_piece = max(1, PIECE_BYTES // max(1, row_bytes))
    if len(rows) > per_piece and deflate_join.available():
        pieces = parallel.map_chunks(
            lambda a, b: deflate.deflate_compress(data[a * row_bytes:b * row_bytes], level), len(rows), per_piece)
        lengths = [(min(len(rows), a + per_piece) - a) * row_bytes for a in range(0, len(rows), per_piece)]
        try:
            body = deflate_join.join(pieces, lengths)
            if zlib.decompress(body, -15, len(data)) != data:  # cheap (~20 ms at 12 MP) guard on the joining
                raise ValueError("joined stream does not decode to the rows")
        except (ValueError, zlib.error):
            body = deflate.deflate_compress(data, level)
    else:
        body = deflate.deflate_compress(data, level)
    return _ZLIB_HEADER + bytes(body) + struct.pack(">I", zlib.adler32(data) & 0xFFFFFFFF)


def indexed_png(palette: np.ndarray, indices: np.ndarray, *, depth: int, level: int,
                icc_profile: bytes | None = None, exif: bytes | None = None) -> bytes:
    """PNG bytes: ``palette`` (K x 3 or K x 4 uint8) and ``indices`` (H x W) at ``depth`` bits.

    The palette is written exactly as given; a ``tRNS`` chunk runs to the last see-through
    entry. ``exif`` may carry Pillow's ``Exif\\0\\0`` prefix, which PNG's ``eXIf`` omits.
    """
    h, w = indices.shape
    if len(palette) > (1 << depth):
        raise ValueError(f"{len(palette)} palette entries do not fit in {depth} bits")
    if indices.size and int(indices.max()) >= len(palette):  # packed, it would spill into neighbors
        raise ValueError(f"an index is beyond the {len(palette)} palette entries")
    parts = [PNG_SIGNATURE, chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, 3, 0, 0, 0))]
    if icc_profile:
        parts.append(chunk(b"iCCP", b"ICC Profile\0\0" + zlib.compress(icc_profile, 9)))
    if exif:
        parts.append(chunk(b"eXIf", exif[6:] if exif.startswith(b"Exif\0\0") else exif))
    parts.append(chunk(b"PLTE", np.ascontiguousarray(palette[:, :3], np.uint8).tobytes()))
    if palette.shape[1] == 4 and np.any(palette[:, 3] != 255):
        last = int(np.flatnonzero(palette[:, 3] != 255).max()) + 1
        parts.append(chunk(b"tRNS", palette[:last, 3].astype(np.uint8).tobytes()))
    stream = zlib_stream(filtered_rows(indices, depth), level)
    parts += [chunk(b"IDAT", stream[i:i + IDAT_BYTES]) for i in range(0, len(stream), IDAT_BYTES)]
    parts.append(chunk(b"IEND", b""))
    return b"".join(parts)
