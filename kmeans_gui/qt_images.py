"""NumPy arrays <-> QImage. Safe in worker threads (QImage is; QPixmap is not).

Every QImage returned owns its memory (``.copy()``), so the NumPy buffer may be freed.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage

#: Largest image kept for fit-to-window display; bigger ones get a smooth downscaled copy.
DISPLAY_MAX_PIXELS = 1_000_000


def color_table(palette: np.ndarray) -> list[int]:
    """Palette (n, 3|4) uint8 -> Qt's list of 0xAARRGGBB ints."""
    p = palette.astype(np.uint32)
    alpha = p[:, 3] if palette.shape[1] == 4 else np.full(len(p), 255, np.uint32)
    return [int(v) for v in (alpha << 24) | (p[:, 0] << 16) | (p[:, 1] << 8) | p[:, 2]]


#: Rows copied per step into a QImage: each NumPy copy releases the GIL, and short steps let
#: the GUI thread run between them (one 12 MP copy in Qt held the GIL for 40-65 ms).
_BAND_BYTES = 4_000_000


def _fill(img: QImage, rows: np.ndarray, row_bytes: int, produce=None) -> QImage:
    """Copy ``rows`` (H, row_bytes) uint8 (or ``produce(a, b)`` for rows a..b) into ``img``."""
    h = img.height()
    bpl = img.bytesPerLine()
    dst = np.frombuffer(img.bits(), dtype=np.uint8, count=img.sizeInBytes()).reshape(h, bpl)
    band = max(1, _BAND_BYTES // max(1, bpl))
    for a in range(0, h, band):
        b = min(h, a + band)
        dst[a:b, :row_bytes] = rows[a:b] if produce is None else produce(a, b)
    return img


def indexed_to_qimage(indices: np.ndarray, palette: np.ndarray) -> QImage:
    """(H, W) uint8 indices + palette -> an (A)RGB32 QImage that owns its pixels.

    The palette lookup runs in NumPy band by band (GIL released), not in Qt's converter.
    """
    idx = np.asarray(indices, dtype=np.uint8)
    h, w = idx.shape
    p = palette.astype(np.uint32)
    alpha = p[:, 3] if palette.shape[1] == 4 else np.full(len(p), 255, np.uint32)
    rgb = p[:, :3] * alpha[:, None] // 255  # premultiplied, as Qt paints fastest
    lut = np.zeros(256, np.uint32)
    lut[: len(p)] = (alpha << 24) | (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]
    fmt = QImage.Format.Format_ARGB32_Premultiplied if palette.shape[1] == 4 else QImage.Format.Format_RGB32
    img = QImage(w, h, fmt)
    return _fill(img, None, w * 4, lambda a, b: np.take(lut, idx[a:b]).view(np.uint8).reshape(b - a, w * 4))


def highlight_mask(indices: np.ndarray, index: int) -> QImage:
    """A dark veil over every pixel whose palette index is not ``index`` (the palette click).

    An Indexed8 image with a two-color table: no per-pixel work in NumPy on the GUI thread.
    """
    idx = np.ascontiguousarray(indices, dtype=np.uint8)
    h, w = idx.shape
    img = QImage(idx.data, w, h, w, QImage.Format.Format_Indexed8)
    table = [0xC8141414] * 256  # alpha 200, grey 20
    table[index] = 0x00000000
    img.setColorTable(table)
    return img.copy()  # owns its pixels


def array_to_qimage(pixels: np.ndarray) -> QImage:
    """(H, W, 3|4) uint8 -> QImage owning a copy of the pixels (copied in bands)."""
    px = np.asarray(pixels, dtype=np.uint8)
    h, w, c = px.shape
    fmt = QImage.Format.Format_RGBA8888 if c == 4 else QImage.Format.Format_RGB888
    img = QImage(w, h, fmt)
    return _fill(img, px.reshape(h, w * c), w * c)


def display_copy(img: QImage, max_pixels: int = DISPLAY_MAX_PIXELS) -> QImage:
    """A smooth, downscaled copy for fit-to-window painting (the image itself if small)."""
    from PySide6.QtCore import Qt

    pixels = img.width() * img.height()
    if pixels <= max_pixels:
        return img
    s = (max_pixels / pixels) ** 0.5
    return img.scaled(max(1, int(img.width() * s)), max(1, int(img.height() * s)),
                      Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation)


def qimage_to_array(img: QImage) -> np.ndarray:
    """QImage -> (H, W, 4) uint8 RGBA copy (for the clipboard and tests)."""
    rgba = img.convertToFormat(QImage.Format.Format_RGBA8888)
    h, w = rgba.height(), rgba.width()
    buf = np.frombuffer(rgba.constBits(), dtype=np.uint8, count=rgba.sizeInBytes())
    return buf.reshape(h, rgba.bytesPerLine())[:, : w * 4].reshape(h, w, 4).copy()


def qimage_png_bytes(image: QImage) -> bytes:
    """A QImage (clipboard, drop) as PNG bytes for the core's loader."""
    from PySide6.QtCore import QBuffer

    buf = QBuffer()
    buf.open(QBuffer.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    return bytes(buf.data())
