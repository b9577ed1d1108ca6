"""Tools > K-means Playground: the tutorial's lessons, watchable.

Generate 2-D blobs (or take the open image's colors projected to 2-D), then Step through
K-means one iteration at a time, or Run it animated: points colored by cluster, centroids
with their trails, iteration and inertia shown. "Compare seeds" runs the same data from 8
seeds side by side, best and worst marked: why random initialization matters, and why
restarts help. The K-means itself is core.kmeans.kmeans, run in the worker.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Slot
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.blobs import colors_to_2d, compare_seeds, make_blobs
from core.kmeans import find_closest_centroids, kmeans

from .controller import Controller
from .scatter_raster import draw_dots
from .tool_runner import ToolRunner

CLUSTER_COLORS = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#bfef45",
                  "#fabed4", "#469990", "#dcbeff", "#9a6324", "#800000", "#aaffc3", "#808000", "#000075"]


class ScatterView(QWidget):
    """Points colored by cluster; centroids as crosses with the path they took."""

    def __init__(self, parent: QWidget | None = None, compact: bool = False) -> None:
        super().__init__(parent)
        self.compact = compact
        self.X = np.zeros((0, 2))
        self.labels = np.zeros(0, np.intp)
        self.point_colors: np.ndarray | None = None  # image colors, when showing an image
        self.trail: list[np.ndarray] = []
        self.caption = ""
        self.mark: str | None = None  # "best" / "worst"
        self._dots: tuple[tuple, QImage] | None = None  # ((width, height, dpr), image of the points)
        self.setMinimumSize(120 if compact else 420, 100 if compact else 360)

    def set_data(self, X: np.ndarray, colors: np.ndarray | None = None) -> None:
        self.X, self.point_colors = X, colors
        self.labels = np.zeros(len(X), np.intp)
        self.trail = []
        self._changed()

    def set_state(self, labels: np.ndarray, trail: list[np.ndarray]) -> None:
        self.labels, self.trail = labels, trail
        self._changed()

    def _changed(self) -> None:
        """The points or their colors changed: the cached dots image is out of date."""
        self._dots = None
        self.update()

    def _transform(self) -> tuple[np.ndarray, np.ndarray, float, float, float]:
        """(lo, hi, scale, ox, oy): data -> widget coordinates, the data's box fitted and centered."""
        lo, hi = self.X.min(axis=0), self.X.max(axis=0)
        span = np.maximum(hi - lo, 1e-9)
        m = 8.0
        w, h = self.width() - 2 * m, self.height() - 2 * m - (14 if self.compact else 0)
        s = float(min(w / span[0], h / span[1]))
        return lo, hi, s, m + (w - span[0] * s) / 2, m + (h - span[1] * s) / 2

    def _to_widget(self, pts: np.ndarray) -> np.ndarray:
        """(n, 2) data points -> (n, 2) widget coordinates (y up in the data, down on screen)."""
        lo, hi, s, ox, oy = self._transform()
        pts = np.asarray(pts, np.float64).reshape(-1, 2)
        return np.column_stack([ox + (pts[:, 0] - lo[0]) * s, oy + (hi[1] - pts[:, 1]) * s])

    def _dot_colors(self) -> np.ndarray:
        """(n, 3) uint8: the image's own colors before any step, else the cluster colors."""
        if self.point_colors is not None and not self.trail:
            return np.asarray(self.point_colors, np.uint8)[:, :3]
        table = np.array([QColor(c).getRgb()[:3] for c in CLUSTER_COLORS], np.uint8)
        return table[np.asarray(self.labels, np.intp) % len(table)]

    def _dots_image(self) -> QImage:
        """The points drawn once per change of data, state or size (repaints reuse it)."""
        dpr = self.devicePixelRatioF()
        key = (self.width(), self.height(), dpr)
        cached = self._dots
        if cached is not None and cached[0] == key:
            return cached[1]
        w, h = max(1, round(self.width() * dpr)), max(1, round(self.height() * dpr))
        xy = self._to_widget(self.X) * dpr if len(self.X) else np.zeros((0, 2))
        r = (1.6 if self.compact else 2.8) * dpr
        rgb = np.ascontiguousarray(draw_dots(w, h, xy, self._dot_colors(), r))
        img = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
        img.setDevicePixelRatio(dpr)
        self._dots = (key, img)
        return img

    def paintEvent(self, event) -> None:  # noqa: N802
        p = QPainter(self)
        p.drawImage(QPointF(0, 0), self._dots_image())
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.mark:
            p.setPen(QPen(QColor("#2e7d32" if self.mark == "best" else "#c62828"), 4))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(self.rect().adjusted(2, 2, -2, -2))
        if self.trail:
            k = len(self.trail[0])
            paths = self._to_widget(np.concatenate(self.trail)).reshape(len(self.trail), k, 2)
            s = 4 if self.compact else 8
            for j in range(k):
                color = QColor(CLUSTER_COLORS[j % len(CLUSTER_COLORS)]).darker(170)
                p.setPen(QPen(color, 1.5 if self.compact else 2))
                path = [QPointF(x, y) for x, y in paths[:, j].tolist()]
                p.drawPolyline(path)
                end = path[-1]
                p.setPen(QPen(QColor(0, 0, 0), 3 if not self.compact else 2))
                p.drawLine(end + QPointF(-s, -s), end + QPointF(s, s))
                p.drawLine(end + QPointF(-s, s), end + QPointF(s, -s))
        if self.caption:
            p.setPen(QColor(30, 30, 30))
            p.drawText(QRectF(0, self.height() - 16, self.width(), 16), Qt.AlignmentFlag.AlignCenter, self.caption)


class PlaygroundWindow(QWidget):
    def __init__(self, controller: Controller, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("K-means Playground")
        self.controller = controller
        self.runner = ToolRunner("kmeans-playground", self)
        self.result = None
        self.step_index = 0
        self.colors: np.ndarray | None = None

        self.view = ScatterView()
        self.view.setObjectName("playgroundView")
        self.view.setAccessibleName("playgroundView")
        self.source = QComboBox()
        self.source.addItem("2-D blobs", "blobs")
        self.source.addItem("Colors of the open image", "image")
        self.points = QSpinBox(minimum=10, maximum=5000, value=500)
        self.centers = QSpinBox(minimum=1, maximum=16, value=6)
        self.spread = QDoubleSpinBox(minimum=0.0, maximum=10.0, value=1.8, singleStep=0.25)
        self.data_seed = QSpinBox(minimum=0, maximum=99999, value=0)
        self.k = QSpinBox(minimum=1, maximum=16, value=6)
        self.init = QComboBox()
        self.init.addItem("Random points", "random")
        self.init.addItem("k-means++", "k-means++")
        self.seed = QSpinBox(minimum=0, maximum=99999, value=0)
        form = QFormLayout()
        for label, w in (("Data", self.source), ("Points", self.points), ("Centers", self.centers),
                         ("Spread", self.spread), ("Data seed", self.data_seed), ("K", self.k),
                         ("Initialization", self.init), ("Seed", self.seed)):
            form.addRow(label, w)

        self.step_button = QPushButton("Step")
        self.run_button = QPushButton("Run")
        self.reset_button = QPushButton("Reset")
        self.compare_button = QPushButton("Compare 8 seeds")
        for w, name in ((self.step_button, "stepButton"), (self.run_button, "runButton"),
                        (self.reset_button, "resetButton"), (self.compare_button, "compareSeedsButton")):
            w.setObjectName(name)
            w.setAccessibleName(name)
        self.iteration_label = QLabel("Iteration 0")
        self.iteration_label.setObjectName("iterationLabel")
        self.inertia_label = QLabel("Inertia —")
        self.inertia_label.setObjectName("inertiaLabel")
        self.lesson = QLabel()
        self.lesson.setWordWrap(True)
        self.lesson.setMaximumWidth(260)

        buttons = QHBoxLayout()
        for b in (self.step_button, self.run_button, self.reset_button):
            buttons.addWidget(b)
        side = QVBoxLayout()
        side.addLayout(form)
        side.addLayout(buttons)
        side.addWidget(self.compare_button)
        side.addWidget(self.iteration_label)
        side.addWidget(self.inertia_label)
        side.addWidget(self.lesson)
        side.addStretch(1)

        self.grid = QGridLayout()
        self.small: list[ScatterView] = []
        for i in range(8):
            v = ScatterView(compact=True)
            self.small.append(v)
            self.grid.addWidget(v, i // 4, i % 4)
        self.compare_panel = QWidget()
        self.compare_panel.setLayout(self.grid)
        self.compare_panel.hide()

        main = QVBoxLayout()
        main.addWidget(self.view, 1)
        main.addWidget(self.compare_panel, 1)
        layout = QHBoxLayout(self)
        layout.addLayout(side)
        layout.addLayout(main, 1)

        self.timer = QTimer(self)
        self.timer.setInterval(350)
        self.timer.timeout.connect(self._tick)
        self.step_button.clicked.connect(self.step)
        self.run_button.clicked.connect(self.run)
        self.reset_button.clicked.connect(self.reset)
        self.compare_button.clicked.connect(self.compare)
        for w in (self.points, self.centers, self.spread, self.data_seed):
            w.valueChanged.connect(self.regenerate)
        self.source.currentIndexChanged.connect(self.regenerate)
        for w in (self.k, self.seed):
            w.valueChanged.connect(self.reset)
        self.init.currentIndexChanged.connect(self.reset)
        self.runner.finished.connect(self._on_done)
        controller.documentChanged.connect(self._on_document)
        self.resize(1000, 620)
        self.regenerate()

    # -- data ----------------------------------------------------------------------------

    @Slot()
    def regenerate(self) -> None:
        doc = self.controller.document
        if self.source.currentData() == "image" and doc is not None:
            self.X, self.colors = colors_to_2d(doc.loaded.pixels, min(self.points.value(), 3000), self.data_seed.value())
        else:
            if self.source.currentData() == "image":
                self.source.setCurrentIndex(0)
                return
            self.X, _, _ = make_blobs(self.points.value(), self.centers.value(), self.spread.value(), self.data_seed.value())
            self.colors = None
        self.view.set_data(self.X, self.colors)
        self.reset()

    @Slot(object)
    def _on_document(self, _doc) -> None:
        """Another image opened: "Colors of the open image" shows its colors, not the last one's."""
        if self.source.currentData() == "image":
            self.regenerate()

    def closeEvent(self, event) -> None:  # noqa: N802
        """Closing stops the animation and any K-means run of the playground's own thread."""
        self.timer.stop()
        self.runner.stop()
        super().closeEvent(event)

    @Slot()
    def reset(self) -> None:
        self.timer.stop()
        self.runner.cancel()
        self.result = None
        self.step_index = 0
        self.view.set_state(np.zeros(len(self.X), np.intp), [])
        self.view.set_data(self.X, self.colors)
        self.iteration_label.setText("Iteration 0")
        self.inertia_label.setText("Inertia —")
        self.lesson.setText("Step: assign every point to its closest centroid, then move each centroid to the "
                            "mean of its points. Repeat until nothing moves.")
        self.compare_panel.hide()
        self.view.show()

    def _compute(self) -> None:
        """Run K-means once in the worker, recording every iteration; Step/Run replay it."""
        X, k, seed, init = self.X, min(self.k.value(), len(self.X)), self.seed.value(), self.init.currentData()

        def job(stop, progress):
            return kmeans(X, k, seed=seed, init=init, tol=0.0, record_centroids=True, should_stop=stop)

        self.runner.run("playground", job)

    @Slot(str, object)
    def _on_done(self, tag: str, payload) -> None:
        if tag == "playground" and self.result is None:
            self.result = payload
            self._show(self.step_index)
        elif tag == "compare":
            self._show_compare(payload)

    # -- stepping ------------------------------------------------------------------------

    def _show(self, index: int) -> None:
        r = self.result
        index = min(index, r.n_iter)
        self.step_index = index
        trail = list(r.centroid_history[: index + 1])
        labels = find_closest_centroids(self.X, trail[-1])
        self.view.set_state(labels, trail)
        self.iteration_label.setText(f"Iteration {index} of {r.n_iter}" + (" — converged" if index == r.n_iter else ""))
        self.inertia_label.setText(f"Inertia {r.inertia_history[index]:,.2f}")

    @Slot()
    def step(self) -> None:
        if self.result is None:
            self.step_index = 1
            self._compute()
            return
        self._show(self.step_index + 1)

    @Slot()
    def run(self) -> None:
        if self.result is None:
            self._compute()
        self.timer.start()

    @Slot()
    def _tick(self) -> None:
        if self.result is None:
            return
        if self.step_index >= self.result.n_iter:
            self.timer.stop()
            return
        self._show(self.step_index + 1)

    # -- seeds ---------------------------------------------------------------------------

    @Slot()
    def compare(self) -> None:
        X, k, init = self.X, min(self.k.value(), len(self.X)), self.init.currentData()
        seeds = list(range(self.seed.value(), self.seed.value() + 8))
        self.runner.run("compare", lambda stop, progress: compare_seeds(X, k, seeds, init, should_stop=stop))

    def _show_compare(self, runs: list[dict]) -> None:
        inertias = [r["inertia"] for r in runs]
        best, worst = int(np.argmin(inertias)), int(np.argmax(inertias))
        same = max(inertias) - min(inertias) <= 1e-9 * max(1.0, max(inertias))
        if same:
            worst = -1
        for i, (v, r) in enumerate(zip(self.small, runs, strict=False)):
            v.set_data(self.X, None)
            v.set_state(r["labels"], [r["centroids"]])
            v.caption = f"seed {r['seed']}: {r['inertia']:,.0f}"
            v.mark = "best" if i == best else "worst" if i == worst else None
            v.update()
        self.compare_panel.show()
        if same:
            self.lesson.setText("Same data, 8 starts, one answer: these blobs are easy. Try more centers, a larger "
                                "spread or random initialization to see starts disagree.")
        else:
            self.lesson.setText(f"Same data, 8 starts: inertia from {min(inertias):,.0f} (green) to "
                                f"{max(inertias):,.0f} (red). Restarts (n_init) keep the best one.")
