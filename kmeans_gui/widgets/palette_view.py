"""The palette: one swatch per color, ordered by share (or luminance, hue), with tooltips.

Clicking a swatch copies its hex code to the clipboard and asks for that color's pixels to
be highlighted; clicking it again clears the highlight. The view shows what it is given: the
colors, their pixel counts, their hex codes and one display order per sort.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

SWATCH = 26
GAP = 3


class PaletteView(QWidget):
    colorClicked = Signal(int)  # palette index (in the result's palette), -1 = none

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("paletteView")
        self.setAccessibleName("paletteView")
        self.setAccessibleDescription("Palette colors; click one to copy its hex code and highlight its pixels")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMouseTracking(True)
        self._palette = np.zeros((0, 3), np.uint8)
        self._counts = np.zeros(0, np.int64)
        self._order = np.zeros(0, np.intp)
        self._hex: tuple[str, ...] = ()
        self._orders: dict[str, np.ndarray] = {}
        self.sort_by = "frequency"
        self.selected = -1

    # -- data ------------------------------------------------------------------------------

    def set_palette(self, palette: np.ndarray, counts: np.ndarray, hex_codes: tuple[str, ...] = (),
                    orders: dict[str, np.ndarray] | None = None) -> None:
        """Show ``palette`` (n, 3|4); ``orders`` maps a sort name to the display order."""
        self._palette = np.asarray(palette)
        self._counts = np.asarray(counts)
        self._hex = tuple(hex_codes)
        self._orders = dict(orders or {})
        self.selected = -1
        self._resort()

    def set_sort(self, by: str) -> None:
        self.sort_by = by
        self._resort()

    def _resort(self) -> None:
        default = np.arange(len(self._palette), dtype=np.intp)
        self._order = np.asarray(self._orders.get(self.sort_by, default), np.intp)
        self.updateGeometry()
        self.update()

    def colors(self) -> list[str]:
        """The colors shown, in display order, as ``#rrggbb``."""
        return [self._hex[i] for i in self._order]

    def share(self, index: int) -> float:
        total = float(self._counts.sum()) or 1.0
        return float(self._counts[index]) / total

    # -- layout ----------------------------------------------------------------------------

    def _columns(self) -> int:
        return max(1, (self.width() - GAP) // (SWATCH + GAP))

    def _rect(self, slot: int) -> QRect:
        cols = self._columns()
        r, c = divmod(slot, cols)
        return QRect(GAP + c * (SWATCH + GAP), GAP + r * (SWATCH + GAP), SWATCH, SWATCH)

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        cols = max(1, (width - GAP) // (SWATCH + GAP))
        rows = max(1, -(-len(self._order) // cols))
        return GAP + rows * (SWATCH + GAP)

    def sizeHint(self) -> QSize:
        return QSize(300, self.heightForWidth(300))

    def minimumSizeHint(self) -> QSize:
        return QSize(SWATCH + 2 * GAP, SWATCH + 2 * GAP)

    def slot_at(self, pos: QPoint) -> int:
        for slot in range(len(self._order)):
            if self._rect(slot).contains(pos):
                return slot
        return -1

    def index_at(self, pos: QPoint) -> int:
        slot = self.slot_at(pos)
        return int(self._order[slot]) if slot >= 0 else -1

    def swatch_center(self, slot: int) -> QPoint:
        return self._rect(slot).center()

    # -- painting and input ------------------------------------------------------------------

    def paintEvent(self, event) -> None:  # noqa: N802
        p = QPainter(self)
        if not len(self._order):
            p.setPen(QColor(140, 140, 140))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "The palette appears here")
            return
        for slot, idx in enumerate(self._order):
            rect = self._rect(slot)
            c = self._palette[idx]
            alpha = int(c[3]) if len(c) == 4 else 255
            if alpha < 255:
                p.fillRect(rect, QColor(210, 210, 210))
                p.fillRect(rect.adjusted(0, 0, -SWATCH // 2, -SWATCH // 2), QColor(160, 160, 160))
            p.fillRect(rect, QColor(int(c[0]), int(c[1]), int(c[2]), alpha))
            selected = idx == self.selected
            p.setPen(QPen(QColor(255, 200, 0) if selected else QColor(0, 0, 0, 90), 3 if selected else 1))
            p.drawRect(rect.adjusted(0, 0, -1, -1))

    def mousePressEvent(self, event) -> None:  # noqa: N802
        idx = self.index_at(event.position().toPoint())
        if idx < 0:
            return
        QGuiApplication.clipboard().setText(self._hex[idx])
        self.selected = -1 if self.selected == idx else idx
        self.update()
        self.colorClicked.emit(self.selected)

    def event(self, e) -> bool:
        if e.type() == e.Type.ToolTip:
            idx = self.index_at(e.pos())
            if idx >= 0:
                c = self._palette[idx]
                text = (f"{self._hex[idx]}  RGB({int(c[0])}, {int(c[1])}, {int(c[2])})"
                        + (f"  alpha {int(c[3])}" if len(c) == 4 else "")
                        + f"\n{self.share(idx) * 100:.1f}% of pixels — click to copy and highlight")
                QToolTip.showText(e.globalPos(), text, self)
            else:
                QToolTip.hideText()
            return True
        return super().event(e)
