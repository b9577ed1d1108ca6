"""Join raw deflate streams compressed separately into one stream (zlib's ``gzjoin`` technique).

libdeflate compresses best but has no streaming API, so a large PNG is compressed in chunks on
several threads, and the chunks' streams are joined here. Every stream but the last ends with a
block marked "final", somewhere inside its last byte. Joining clears that bit and then appends an
empty stored block, which pads the stream to a byte boundary, so the next stream follows byte
for byte (5 bytes per seam). Finding the final block's header takes an inflate pass that stops
at block boundaries (``inflate(Z_BLOCK)``), which only zlib's C API offers; it is reached through
``ctypes`` on the zlib library Python itself uses. About 3 ms per MB of output.

Where that library cannot be loaded (Windows ships zlib inside Python) :func:`available` is
False and callers compress in one piece.
"""

from __future__ import annotations

import ctypes
import sys
import threading

Z_OK = 0
Z_BLOCK = 5
#: ``data_type`` flags inflate sets on return (zlib.h): at a block boundary / in the final block.
_AT_BOUNDARY = 128
_FINAL_BLOCK = 64
#: An empty stored block's length fields (LEN = 0, NLEN = 0xFFFF), after its 3 header bits.
_EMPTY_STORED_LENGTHS = b"\x00\x00\xff\xff"


class _ZStream(ctypes.Structure):
    """zlib's ``z_stream`` (zlib.h). ``uLong`` is C ``unsigned long`` on every platform."""

    _fields_ = [
        ("next_in", ctypes.c_void_p), ("avail_in", ctypes.c_uint), ("total_in", ctypes.c_ulong),
        ("next_out", ctypes.c_void_p), ("avail_out", ctypes.c_uint), ("total_out", ctypes.c_ulong),
        ("msg", ctypes.c_char_p), ("state", ctypes.c_void_p),
        ("zalloc", ctypes.c_void_p), ("zfree", ctypes.c_void_p), ("opaque", ctypes.c_void_p),
        ("data_type", ctypes.c_int), ("adler", ctypes.c_ulong), ("reserved", ctypes.c_ulong),
    ]


_lock = threading.Lock()
_zlib: ctypes.CDLL | None = None
_loaded = False


def _library() -> ctypes.CDLL | None:
    """The system zlib (the one Python's ``zlib`` module links to), or None."""
    global _zlib, _loaded
    with _lock:
        if not _loaded:
            _loaded = True
            # The usual names first: find_library runs ldconfig (~2 ms).
            names = ("libz.so.1", "libz.1.dylib", None) if sys.platform != "win32" else ()
            for name in names:
                if name is None:
                    # Imported here: ctypes.util imports subprocess and tempfile (~20 ms).
                    from ctypes.util import find_library

                    name = find_library("z")
                    if not name:
                        continue
                try:
                    lib = ctypes.CDLL(name)
                    lib.zlibVersion.restype = ctypes.c_char_p
                    lib.inflateInit2_.argtypes = [ctypes.POINTER(_ZStream), ctypes.c_int, ctypes.c_char_p,
                                                  ctypes.c_int]
                    lib.inflate.argtypes = [ctypes.POINTER(_ZStream), ctypes.c_int]
                    lib.inflateEnd.argtypes = [ctypes.POINTER(_ZStream)]
                    lib.zlibVersion()
                except (OSError, AttributeError):
                    continue
                _zlib = lib
                break
        return _zlib


def available() -> bool:
    """Whether streams can be joined here (zlib's C library could be loaded)."""
    return _library() is not None


def final_block(stream: bytes, raw_length: int) -> tuple[int, int]:
    """Bit positions ``(final block's header, end of the stream)`` of one raw deflate stream.

    ``raw_length`` is the size of its uncompressed data (the inflate pass needs the room).
    Raises ValueError for a stream that is not valid deflate data of that size.
    """
    lib = _library()
    if lib is None:
        raise ValueError("zlib's C library is not available")
    zs = _ZStream()
    if lib.inflateInit2_(ctypes.byref(zs), -15, lib.zlibVersion(), ctypes.sizeof(zs)) != Z_OK:
        raise ValueError("inflateInit2 failed")
    source = ctypes.create_string_buffer(bytes(stream), len(stream))
    target = ctypes.create_string_buffer(max(1, raw_length))
    zs.next_in, zs.avail_in = ctypes.addressof(source), len(stream)
    zs.next_out, zs.avail_out = ctypes.addressof(target), raw_length
    header = 0  # the first block starts at bit 0
    try:
        while True:
            if lib.inflate(ctypes.byref(zs), Z_BLOCK) != Z_OK:
                raise ValueError("not a complete deflate stream")
            if zs.data_type & _AT_BOUNDARY:
                # data_type's low 3 bits: bits of the last byte read that inflate did not use.
                position = (len(stream) - zs.avail_in) * 8 - (zs.data_type & 7)
                if zs.data_type & _FINAL_BLOCK:  # just past the final block's end-of-block code
                    return header, position
                header = position
    finally:
        lib.inflateEnd(ctypes.byref(zs))


def _open_ended(stream: bytes, raw_length: int) -> bytes:
    """``stream`` with its final bit cleared, then an empty stored block: non-final, byte-aligned."""
    header, end = final_block(stream, raw_length)
    keep = (end + 7) // 8  # the bytes that hold the stream's bits
    out = bytearray(stream[:keep])
    out[header // 8] &= ~(1 << (header % 8)) & 0xFF
    if end % 8:
        out[-1] &= (1 << (end % 8)) - 1  # the bits after the end: the stored block's header, 0
    out.extend(bytes((end + 3 + 7) // 8 - keep))  # the rest of its 3 header bits, then padding
    return bytes(out) + _EMPTY_STORED_LENGTHS


def join(streams: list[bytes], raw_lengths: list[int]) -> bytes:
    """One raw deflate stream decoding to the concatenation of what ``streams`` decode to."""
    if len(streams) != len(raw_lengths) or not streams:
        raise ValueError("one raw length per stream, and at least one stream")
    parts = [_open_ended(s, n) for s, n in zip(streams[:-1], raw_lengths[:-1], strict=True)]
    return b"".join([*parts, bytes(streams[-1])])
