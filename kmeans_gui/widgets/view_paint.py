"""Drawing helpers for the image view: clipped image blits, labels, the divider, a checkerboard.

Kept apart from the view's state and input handling; each function only paints.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPen

CANVAS = QColor(38, 40, 44)  # the view is a dark canvas in light and dark themes alike


def draw_image(p: QPainter, viewport: QRectF, target: QRectF, image: QImage) -> None:
    """Draw only the part of ``image`` (stretched over ``target``) that falls in ``viewport``.

    An explicit source rectangle keeps Qt from scaling the whole (possibly 12-megapixel)
    image and avoids format-dependent clipping differences between the before and after images.
    """
    visible = target.intersected(viewport)
    if visible.isEmpty() or target.width() <= 0 or target.height() <= 0:
        return
    sx = image.width() / target.width()
    sy = image.height() / target.height()
    source = QRectF((visible.left() - target.left()) * sx, (visible.top() - target.top()) * sy,
                    visible.width() * sx, visible.height() * sy)
    p.drawImage(visible, image, source)


def draw_label(p: QPainter, text: str, x: float, *, align_right: bool) -> None:
    """A small rounded caption at the top, starting (or ending, if ``align_right``) at ``x``."""
    w = p.fontMetrics().horizontalAdvance(text) + 16
    rect = QRectF(x - w if align_right else x, 8, w, 22)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(0, 0, 0, 150))
    p.drawRoundedRect(rect, 6, 6)
    p.setPen(QColor(240, 240, 240))
    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)


def draw_divider(p: QPainter, x: float, height: float) -> None:
    """The before/after line with its round handle at mid height."""
    p.setPen(QPen(QColor(255, 255, 255, 220), 2))
    p.drawLine(QPointF(x, 0), QPointF(x, height))
    p.setBrush(QColor(255, 255, 255, 230))
    p.drawEllipse(QPointF(x, height / 2), 9, 9)
    p.setPen(QColor(40, 40, 40))
    p.drawText(QRectF(x - 9, height / 2 - 9, 18, 18), Qt.AlignmentFlag.AlignCenter, "⇔")


def _checker_tile(cell: int) -> QImage:
    """One 2x2-cell tile of the checkerboard, light and dark grey."""
    tile = QImage(2 * cell, 2 * cell, QImage.Format.Format_RGB32)
    tile.fill(QColor(200, 200, 200))
    tp = QPainter(tile)
    tp.fillRect(cell, 0, cell, cell, QColor(150, 150, 150))
    tp.fillRect(0, cell, cell, cell, QColor(150, 150, 150))
    tp.end()
    return tile


_TILES: dict[int, QBrush] = {}


def draw_checkerboard(p: QPainter, visible: QRectF, cell: int = 10) -> None:
    """Grey checks behind transparent images, only over the visible rectangle.

    One fill with a tiled brush (cached per cell size): drawing each cell as its own
    rectangle took 5-6 ms per pass on a full-window view, twice per paint with the divider.
    """
    if visible.isEmpty():
        return
    brush = _TILES.get(cell)
    if brush is None:
        brush = _TILES[cell] = QBrush(_checker_tile(cell))
    p.save()
    p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)  # sharp cells on HiDPI too
    p.setBrushOrigin(0, 0)
    p.fillRect(visible, brush)
    p.restore()
