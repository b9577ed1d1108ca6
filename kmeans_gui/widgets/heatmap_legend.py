"""The error heat-map's color bar: which color means how large a color difference (ΔE).

The widget only shows what it is given (the colormap, the tick values and the top of the
scale); the controller gets them from ``core.errormap``. Text and the bar's border use the
palette's text color, so the legend reads on light and dark themes, and the border keeps the
dark end of the bar distinct from a dark background.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QImage, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

EXPLAIN = ("Color difference ΔE (CIELAB) between the original and the compressed image: about 1 is "
           "a just noticeable difference side by side; above 5 it reads as a different color.")
BAR_HEIGHT = 12
MARGIN = 6


def bar_indices(width: int, steps: int = 256) -> np.ndarray:
    """Colormap step shown in each of ``width`` columns: column x covers the fraction
    [x / width, (x + 1) / width) of the scale and shows the step at its middle."""
    x = np.arange(width, dtype=np.float64)
    return np.minimum(steps - 1, ((x + 0.5) * steps / max(width, 1)).astype(np.intp))


class HeatmapLegend(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("heatmapLegend")
        self.setAccessibleName("heatmapLegend")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._colors: np.ndarray | None = None
        self._ticks: list[float] = []
        self._vmax = 0.0
        self._unit = "ΔE"
        self.setToolTip(EXPLAIN)
        self.setAccessibleDescription("Heat-map legend; no scale yet. " + EXPLAIN)

    def set_scale(self, colors: np.ndarray, ticks: list[float], vmax: float, unit: str = "ΔE") -> None:
        """Show ``colors`` (256, 3) uint8 from 0 (left) to ``vmax`` (right); a tick value v
        sits at fraction v / vmax along the bar."""
        colors = np.asarray(colors)
        if colors.ndim != 2 or colors.shape[1] != 3 or len(colors) < 2:
            raise ValueError(f"colors must be (N, 3), got {colors.shape}")
        if not vmax > 0:
            raise ValueError(f"vmax must be positive (got {vmax})")
        self._colors = colors.astype(np.uint8)
        self._ticks = [float(t) for t in ticks if 0 <= t <= vmax]
        self._vmax = float(vmax)
        self._unit = unit
        scale = f"Scale 0 to {vmax:g} {unit}; larger differences take the top color."
        self.setToolTip(f"{EXPLAIN}\n{scale}")
        self.setAccessibleDescription(f"Heat-map legend, dark blue (0) to yellow ({vmax:g} {unit}). {EXPLAIN}")
        self.updateGeometry()
        self.update()

    def scale(self) -> tuple[list[float], float, str]:
        """The ticks, top value and unit shown (empty ticks and 0 before ``set_scale``)."""
        return list(self._ticks), self._vmax, self._unit

    def sizeHint(self) -> QSize:
        return QSize(260, MARGIN * 2 + BAR_HEIGHT + 4 + self.fontMetrics().height())

    def minimumSizeHint(self) -> QSize:
        return QSize(120, self.sizeHint().height())

    def bar_rect(self) -> QRectF:
        """Where the color bar is painted (widget pixels; the unit is written left of it)."""
        fm = self.fontMetrics()
        left = MARGIN + fm.horizontalAdvance(self._unit) + 6 + fm.horizontalAdvance("0") / 2
        right = self.width() - MARGIN - fm.horizontalAdvance(self._label(self._vmax)) / 2 - 1
        return QRectF(round(left), MARGIN, max(1.0, round(right - left)), BAR_HEIGHT)

    @staticmethod
    def _label(v: float) -> str:
        return f"{v:g}"

    def _bar_image(self, width: int) -> QImage:
        """One row of ``width`` colormap colors (an owned copy), stretched down the bar."""
        assert self._colors is not None
        idx = bar_indices(width, len(self._colors))
        row = np.ascontiguousarray(self._colors[idx])
        return QImage(row.data, width, 1, 3 * width, QImage.Format.Format_RGB888).copy()

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self._colors is None:
            return
        p = QPainter(self)
        text = self.palette().color(QPalette.ColorRole.WindowText)
        bar = self.bar_rect()
        dpr = self.devicePixelRatioF()
        p.drawImage(bar, self._bar_image(max(1, round(bar.width() * dpr))))
        p.setPen(QPen(text, 1))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(bar.adjusted(-0.5, -0.5, 0.5, 0.5))
        fm = self.fontMetrics()
        p.drawText(QRectF(MARGIN, bar.top(), fm.horizontalAdvance(self._unit) + 2, bar.height()),
                   Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self._unit)
        for t in self._ticks:
            x = bar.left() + bar.width() * t / self._vmax
            p.drawLine(round(x), round(bar.bottom()), round(x), round(bar.bottom()) + 3)
            w = fm.horizontalAdvance(self._label(t)) + 2
            p.drawText(QRectF(x - w / 2, bar.bottom() + 4, w, fm.height()),
                       Qt.AlignmentFlag.AlignCenter, self._label(t))
