"""Playground and choose-K windows, driven through their buttons and plot."""

from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QPushButton, QSlider, QWidget

from kmeans_gui.playground import CLUSTER_COLORS


def test_playground_action_exists_and_step_advances_one_iteration(qtbot, window):
    action = next(a for a in window.actions() if "Playground" in a.text())
    action.trigger()
    pg = window.playground
    qtbot.addWidget(pg)
    assert pg.findChild(QWidget, "playgroundView") is not None
    step = pg.findChild(QPushButton, "stepButton")
    label = pg.findChild(QLabel, "iterationLabel")
    qtbot.mouseClick(step, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: pg.result is not None, timeout=10_000)
    assert label.text().startswith("Iteration 1 of")
    first_inertia = pg.findChild(QLabel, "inertiaLabel").text()
    qtbot.mouseClick(step, Qt.MouseButton.LeftButton)
    assert label.text().startswith("Iteration 2 of") or "converged" in label.text()
    assert len(pg.view.trail) == pg.step_index + 1
    assert first_inertia.startswith("Inertia")
    qtbot.mouseClick(pg.findChild(QPushButton, "resetButton"), Qt.MouseButton.LeftButton)
    assert label.text() == "Iteration 0"


def test_playground_run_reaches_convergence(qtbot, window):
    window.open_playground()
    pg = window.playground
    pg.timer.setInterval(10)
    qtbot.mouseClick(pg.findChild(QPushButton, "runButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: pg.result is not None and pg.step_index == pg.result.n_iter, timeout=15_000)
    assert "converged" in pg.iteration_label.text()


def test_compare_seeds_marks_best_and_worst(qtbot, window):
    window.open_playground()
    pg = window.playground
    pg.k.setValue(6)
    qtbot.mouseClick(pg.findChild(QPushButton, "compareSeedsButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: pg.compare_panel.isVisible(), timeout=15_000)
    marks = [v.mark for v in pg.small]
    inertias = [float(v.caption.split(": ")[1].replace(",", "")) for v in pg.small]
    assert marks.count("best") == 1
    assert marks.count("worst") == (1 if max(inertias) > min(inertias) else 0)
    assert all(v.caption.startswith("seed ") for v in pg.small)
    # Each small plot shows its run: a dot's center pixel has the color of its cluster (unless a
    # later dot of another cluster covers it, at the clusters' borders); the centroids' crosses
    # are drawn over the dots, so points under them are not counted.
    for v in pg.small[:3]:
        shot = v.grab().toImage()
        dpr = shot.devicePixelRatio()
        xy = v._to_widget(v.X)
        crosses = v._to_widget(v.trail[-1])
        clear = np.hypot(*(xy[:, None, :] - crosses[None, :, :]).transpose(2, 0, 1)).min(axis=1) > 7
        right = 0
        for i in np.flatnonzero(clear):
            want = QColor(CLUSTER_COLORS[int(v.labels[i]) % len(CLUSTER_COLORS)])
            got = shot.pixelColor(int(xy[i, 0] * dpr), int(xy[i, 1] * dpr))
            right += got.rgb() == want.rgb()
        assert right >= 0.85 * clear.sum() > 0
        colors = {shot.pixelColor(x, y).rgb() for x in range(0, shot.width(), 2) for y in range(0, shot.height(), 2)}
        assert all(QColor(c).rgb() in colors for c in CLUSTER_COLORS[:6])


def test_choose_k_click_sets_the_slider(qtbot, window, tmp_path, photo):
    p = tmp_path / "photo.png"
    Image.fromarray(photo).save(p)
    window.open_path(p)
    qtbot.waitUntil(lambda: window.controller.shown is not None, timeout=20_000)
    window.open_choose_k()
    dlg = window.choose_k
    plot = dlg.findChild(QWidget, "chooseKPlot")
    qtbot.waitUntil(lambda: bool(plot.rows), timeout=60_000)
    target = plot.point_at_k(64)
    qtbot.mouseClick(plot, Qt.MouseButton.LeftButton, pos=target.toPoint())
    assert window.findChild(QSlider, "kSlider").value() == 64
    psnrs = [r["psnr"] for r in plot.rows]
    assert psnrs == sorted(psnrs)  # more colors, better quality
    assert 0 <= plot.knee < len(plot.rows)
    dlg.close()


def test_playground_follows_the_open_image(qtbot, window, tmp_path):
    """With "Colors of the open image" chosen, opening another image shows that image's colors
    (the last image's stayed), and a two-color image converges at once even with K above 2."""
    import numpy as np

    from .gui_helpers import open_and_wait

    many = tmp_path / "many.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (40, 60, 3), dtype=np.uint8)).save(many)
    two = tmp_path / "two.png"
    Image.fromarray(np.where(np.arange(60)[None, :, None] < 30, [200, 40, 40], [20, 60, 220])
                    .repeat(40, 0).astype(np.uint8)).save(two)
    open_and_wait(qtbot, window, many)
    window.open_playground()
    pg = window.playground
    pg.source.setCurrentIndex(pg.source.findData("image"))
    pg.regenerate()
    assert len(np.unique(pg.colors, axis=0)) > 100
    open_and_wait(qtbot, window, two)
    assert len(np.unique(pg.colors, axis=0)) == 2
    pg.k.setValue(6)
    pg.timer.setInterval(10)
    qtbot.mouseClick(pg.findChild(QPushButton, "runButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: pg.result is not None and pg.step_index == pg.result.n_iter, timeout=15_000)
    assert pg.result.converged and pg.result.n_iter <= 3


def test_choose_k_on_an_image_of_few_colors_stops_at_lossless_and_draws_finite_points(qtbot, window, tmp_path):
    """A 6-gray image: PSNR is infinite from K = 8 on. The knee read "K = 256 (inf dB)" and the
    curve was drawn with NaN points."""
    import math

    import numpy as np

    from kmeans_gui.choose_k import knee_index

    levels = np.array([0, 40, 90, 140, 200, 255], np.uint8)
    gray = levels[(np.arange(60 * 80).reshape(60, 80) // 7) % 6]
    p = tmp_path / "six.png"
    Image.fromarray(np.dstack([gray] * 3)).save(p)
    window.open_path(p)
    qtbot.waitUntil(lambda: window.controller.shown is not None, timeout=20_000)
    window.open_choose_k()
    dlg = window.choose_k
    plot = dlg.findChild(QWidget, "chooseKPlot")
    qtbot.waitUntil(lambda: bool(plot.rows), timeout=60_000)
    assert [r["k"] for r in plot.rows] == [2, 4, 8]  # no point measuring past lossless
    assert math.isinf(plot.rows[-1]["psnr"])
    for r in plot.rows:
        pt = plot.point_at_k(r["k"])
        assert math.isfinite(pt.x()) and math.isfinite(pt.y())
    assert 0 <= plot.knee < 3 and "inf" not in dlg.info.text() and "nan" not in dlg.info.text()
    plot.grab()  # paints without error
    assert knee_index([2], [math.inf]) == 0 and knee_index([2, 4, 8, 16], [20, 30, math.inf, math.inf]) == 2
    dlg.close()
