"""Tools > Choose K: quality and size against K for the open image, the knee marked; click a
point to use that K. "Target quality" finds the smallest K reaching a PSNR (core.autok).

Computed on the preview copy (at most ~1 MP) so it takes seconds, on the dialog's own thread
(a :class:`~kmeans_gui.tool_runner.ToolRunner`): it never delays the main window's renders, runs
only while the dialog is open, and is cancelled when it closes. Sizes are scaled to the full
image and marked as estimates.
"""

from __future__ import annotations

import io
import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal, Slot
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import (
    QDialog,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core import metrics
from core.autok import smallest_k_for
from core.io import encode_indexed
from core.pipeline import human_bytes
from core.quantize import quantize

from .controller import Controller
from .tool_runner import ToolRunner

KS = [2, 4, 8, 16, 32, 64, 128, 256]


#: How far above the best finite PSNR a lossless result (infinite PSNR) is drawn.
LOSSLESS_MARGIN_DB = 6.0


def plotted_psnr(psnr: list[float]) -> list[float]:
    """PSNR values fit to draw: a lossless result (infinity) sits LOSSLESS_MARGIN_DB above the
    best finite one (an infinity made the whole curve NaN or flat)."""
    finite = [v for v in psnr if math.isfinite(v)]
    top = (max(finite) if finite else 0.0) + LOSSLESS_MARGIN_DB
    return [v if math.isfinite(v) else top for v in psnr]


def psnr_text(v: float) -> str:
    """``31.2 dB``, or ``lossless`` for an infinite PSNR."""
    return f"{v:.1f} dB" if math.isfinite(v) else "lossless"


def knee_index(ks: list[int], psnr: list[float]) -> int:
    """The knee: the point farthest above the chord from first to last (log2 K vs PSNR); the
    first lossless K when the curve reaches one before its knee."""
    lossless = [i for i, v in enumerate(psnr) if not math.isfinite(v)]
    if len(ks) < 3:
        return lossless[0] if lossless else len(ks) - 1
    x = np.log2(np.asarray(ks, float))
    y = np.asarray(plotted_psnr(psnr), float)
    x = (x - x[0]) / max(x[-1] - x[0], 1e-9)
    y = (y - y[0]) / max(y[-1] - y[0], 1e-9)
    knee = int(np.argmax(y - x))
    return min(knee, lossless[0]) if lossless else knee


def sweep(pixels: np.ndarray, full_pixels: int, seed: int, color_space: str, stop, progress) -> list[dict]:
    rows = []
    scale = full_pixels / float(pixels.shape[0] * pixels.shape[1])
    for i, k in enumerate(KS):
        progress(i / len(KS), f"K = {k}")
        q = quantize(pixels, k, seed=seed, color_space=color_space, should_stop=stop)
        recon = q.image()
        buf = io.BytesIO()
        encode_indexed(buf, q.palette, q.indices, "png")
        rows.append({"k": k, "psnr": metrics.psnr(pixels, recon), "delta_e": metrics.mean_delta_e(pixels, recon),
                     "png_bytes": int(buf.tell() * scale)})
        if not math.isfinite(rows[-1]["psnr"]):
            break  # lossless: every larger K gives the same image
    progress(1.0, "done")
    return rows


class KPlot(QWidget):
    """PSNR (left axis) and PNG size (right axis) against log2 K; click a point to pick it."""

    pointClicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chooseKPlot")
        self.setAccessibleName("chooseKPlot")
        self.setMinimumSize(520, 300)
        self.rows: list[dict] = []
        self.knee = -1
        self.current_k = 0

    def set_rows(self, rows: list[dict]) -> None:
        self.rows = rows
        self.knee = knee_index([r["k"] for r in rows], [r["psnr"] for r in rows]) if rows else -1
        self.update()

    def _plot_rect(self) -> QRectF:
        return QRectF(56, 16, self.width() - 120, self.height() - 64)

    def point_at_k(self, k: int, series: str = "psnr") -> QPointF:
        rect = self._plot_rect()
        ks = [r["k"] for r in self.rows]
        x = rect.left() + rect.width() * (math.log2(k) - math.log2(ks[0])) / max(1e-9, math.log2(ks[-1]) - math.log2(ks[0]))
        vals = [r[series] for r in self.rows]
        if series == "psnr":
            vals = plotted_psnr(vals)
        lo, hi = min(vals), max(vals)
        v = vals[ks.index(k)]
        y = rect.bottom() - rect.height() * (v - lo) / max(1e-9, hi - lo)
        return QPointF(x, y)

    def paintEvent(self, event) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor(252, 252, 252))
        rect = self._plot_rect()
        p.setPen(QColor(190, 190, 190))
        p.drawRect(rect)
        if not self.rows:
            p.setPen(QColor(120, 120, 120))
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, "Computing quality and size for K = 2 … 256")
            return
        for series, color in (("psnr", QColor("#1565c0")), ("png_bytes", QColor("#ef6c00"))):
            pts = [self.point_at_k(r["k"], series) for r in self.rows]
            p.setPen(QPen(color, 2))
            for a, b in zip(pts, pts[1:], strict=False):
                p.drawLine(a, b)
            p.setBrush(color)
            for pt in pts:
                p.drawEllipse(pt, 4, 4)
        p.setPen(QColor(40, 40, 40))
        for r in self.rows:
            pt = self.point_at_k(r["k"])
            p.drawText(QRectF(pt.x() - 20, rect.bottom() + 4, 40, 16), Qt.AlignmentFlag.AlignCenter, str(r["k"]))
        vals = [r["psnr"] for r in self.rows]
        sizes = [r["png_bytes"] for r in self.rows]
        top = max(vals)
        p.setPen(QColor("#1565c0"))
        p.drawText(QRectF(0, rect.top() - 6, 54, 16), Qt.AlignmentFlag.AlignRight,
                   f"{top:.0f} dB" if math.isfinite(top) else "lossless")
        p.drawText(QRectF(0, rect.bottom() - 10, 54, 16), Qt.AlignmentFlag.AlignRight,
                   f"{min(vals):.0f} dB" if math.isfinite(min(vals)) else "lossless")
        p.setPen(QColor("#ef6c00"))
        p.drawText(QRectF(rect.right() + 4, rect.top() - 6, 70, 16), Qt.AlignmentFlag.AlignLeft, human_bytes(max(sizes)))
        p.drawText(QRectF(rect.right() + 4, rect.bottom() - 10, 70, 16), Qt.AlignmentFlag.AlignLeft,
                   human_bytes(min(sizes)))
        if self.knee >= 0:
            kp = self.point_at_k(self.rows[self.knee]["k"])
            p.setPen(QPen(QColor("#2e7d32"), 2, Qt.PenStyle.DashLine))
            p.drawLine(QPointF(kp.x(), rect.top()), QPointF(kp.x(), rect.bottom()))
            p.drawText(QRectF(kp.x() + 4, rect.top() + 2, 120, 16), Qt.AlignmentFlag.AlignLeft,
                       f"knee: K = {self.rows[self.knee]['k']}")
        p.setPen(QColor(60, 60, 60))
        p.drawText(QRectF(rect.left(), self.height() - 18, rect.width(), 16), Qt.AlignmentFlag.AlignCenter,
                   "K (log scale) — blue: PSNR, orange: indexed PNG size (estimated); click a point to use it")

    def mousePressEvent(self, event) -> None:  # noqa: N802
        if not self.rows:
            return
        pos = event.position()
        best = min(self.rows, key=lambda r: abs(self.point_at_k(r["k"]).x() - pos.x()))
        if abs(self.point_at_k(best["k"]).x() - pos.x()) < 24:
            self.pointClicked.emit(best["k"])


class ChooseKDialog(QDialog):
    kChosen = Signal(int)

    def __init__(self, controller: Controller, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Choose K")
        self.controller = controller
        self.runner = ToolRunner("kmeans-choose-k", self)
        self.plot = KPlot()
        self.info = QLabel("")
        self.target = QDoubleSpinBox(minimum=15.0, maximum=60.0, value=35.0, singleStep=0.5, suffix=" dB")
        self.target.setObjectName("targetQuality")
        self.find_button = QPushButton("Find smallest K")
        self.find_button.setObjectName("findKButton")
        self.refresh_button = QPushButton("Recompute")
        row = QHBoxLayout()
        row.addWidget(QLabel("Target quality (PSNR)"))
        row.addWidget(self.target)
        row.addWidget(self.find_button)
        row.addStretch(1)
        row.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.info)
        layout.addLayout(row)
        self.plot.pointClicked.connect(self._choose)
        self.find_button.clicked.connect(self.find_k)
        self.refresh_button.clicked.connect(self.compute)
        self.runner.finished.connect(self._on_done)
        self.runner.failed.connect(lambda _tag, msg: self.info.setText(msg))
        controller.documentChanged.connect(self._on_document)
        self.resize(720, 440)
        self._stale = True  # the sweep runs when the dialog is shown

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        if self._stale:
            self.compute()

    def _on_document(self, _doc) -> None:
        self._stale = True
        if self.isVisible():
            self.compute()

    def closeEvent(self, event) -> None:  # noqa: N802
        """Closing stops the sweep; the next open starts it again."""
        self.runner.stop()
        self._stale = True
        self.info.setText("")
        super().closeEvent(event)

    def hideEvent(self, event) -> None:  # noqa: N802
        self.runner.stop()
        self._stale = True
        super().hideEvent(event)

    @Slot()
    def compute(self) -> None:
        doc = self.controller.document
        if doc is None:
            return
        self._stale = False
        px, opts = doc.preview_source, self.controller.options
        full = doc.loaded.width * doc.loaded.height
        self.plot.set_rows([])
        self.info.setText("Computing… (closing this window stops it)")
        self.runner.run("choose_k", lambda stop, progress: sweep(px, full, opts.seed, opts.color_space, stop, progress))

    @Slot()
    def find_k(self) -> None:
        doc = self.controller.document
        if doc is None:
            return
        px, target, opts = doc.preview_source, self.target.value(), self.controller.options
        self.info.setText(f"Searching the smallest K reaching {target:.1f} dB…")
        self.runner.run("auto_k", lambda stop, progress: smallest_k_for(px, psnr=target, seed=opts.seed,
                                                                        color_space=opts.color_space, should_stop=stop))

    @Slot(str, object)
    def _on_done(self, tag: str, payload) -> None:
        if tag == "choose_k":
            self.plot.set_rows(payload)
            knee = payload[self.plot.knee]
            self.info.setText(f"Knee at K = {knee['k']} ({psnr_text(knee['psnr'])}). Measured on the preview "
                              "copy; click a point to use that K.")
        elif tag == "auto_k":
            verdict = "reaches" if payload.reached else "is the best possible, short of"
            self.info.setText(f"K = {payload.k} {verdict} the target: {payload.psnr:.2f} dB, mean ΔE {payload.delta_e:.2f}")
            self._choose(payload.k)

    def _choose(self, k: int) -> None:
        self.kChosen.emit(int(k))
