"""Drawing one swatch and its padlock mark, in integer logical pixels (sharp at any device ratio)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QPainter, QPen

HIGHLIGHT = QColor(255, 200, 0)  # the highlighted color's frame, as in the image's highlight


def draw_swatch(p: QPainter, rect: QRect, color: np.ndarray, border: QColor, selected: bool) -> None:
    """Fill ``rect`` with ``color`` (RGB or RGBA; translucent colors over a checker) and frame it."""
    alpha = int(color[3]) if len(color) == 4 else 255
    if alpha < 255:
        p.fillRect(rect, QColor(210, 210, 210))
        p.fillRect(QRect(rect.x(), rect.y(), rect.width() // 2, rect.height() // 2), QColor(160, 160, 160))
        p.fillRect(QRect(rect.center().x() + 1, rect.center().y() + 1, rect.width() - rect.width() // 2,
                         rect.height() - rect.height() // 2), QColor(160, 160, 160))
    p.fillRect(rect, QColor(int(color[0]), int(color[1]), int(color[2]), alpha))
    if selected:
        frame(p, rect.adjusted(-1, -1, 1, 1), 3, HIGHLIGHT)
    else:
        frame(p, rect, 1, border)


def frame(p: QPainter, rect: QRect, thickness: int, color: QColor) -> None:
    """A frame ``thickness`` pixels wide just inside ``rect``, from four filled rectangles: a pen
    would straddle the edge and blend half-covered device pixels at fractional scales."""
    t = thickness
    x, y, w, h = rect.x(), rect.y(), rect.width(), rect.height()
    for r in (QRect(x, y, w, t), QRect(x, y + h - t, w, t), QRect(x, y + t, t, h - 2 * t),
              QRect(x + w - t, y + t, t, h - 2 * t)):
        p.fillRect(r, color)


def ink_for(color: np.ndarray) -> QColor:
    """Black on light colors, white on dark ones (Rec. 601 luma), so the mark always reads."""
    luma = 0.299 * int(color[0]) + 0.587 * int(color[1]) + 0.114 * int(color[2])
    return QColor(0, 0, 0) if luma > 140 else QColor(255, 255, 255)


def draw_padlock(p: QPainter, rect: QRect, color: np.ndarray) -> None:
    """A small padlock in the swatch's bottom-right corner: a body and a shackle above it."""
    side = rect.width()
    bw = max(5, side * 2 // 5) | 1  # odd, so the shackle centres on a pixel column
    bh = max(3, side * 3 // 10)
    body = QRect(rect.right() - 1 - bw, rect.bottom() - 1 - bh, bw, bh)
    shackle = QRect(body.x() + 1, body.y() - bh + 1, bw - 2, bh + 1)
    ink = ink_for(color)
    halo = QColor(255 - ink.red(), 255 - ink.green(), 255 - ink.blue(), 150)
    p.fillRect(body.adjusted(-1, -bh, 1, 1), halo)
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    p.setPen(QPen(ink, 1.2))
    p.drawArc(shackle.adjusted(0, 0, 0, shackle.height()), 0, 180 * 16)
    p.restore()
    p.fillRect(body, ink)
