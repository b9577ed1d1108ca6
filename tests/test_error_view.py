"""The error view through the window: the button changes what the image view paints; maps are right."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from core.errormap import delta_e_map
from kmeans_gui.qt_images import qimage_to_array

from .gui_helpers import open_and_wait, wait_settled


def test_error_map_button_changes_what_the_view_paints(qtbot, window, photo_path):
    window.controls.k_spin.setValue(4)
    open_and_wait(qtbot, window, photo_path)
    button = window.findChild(QPushButton, "errorMapButton")
    assert button is not None and button.isCheckable()
    before = qimage_to_array(window.view.grab().toImage())
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.view.mode() == "error" and window.act_error_map.isChecked()
    qtbot.waitUntil(lambda: window.error_view.map is not None and not window.controller.busy, timeout=20_000)
    after = qimage_to_array(window.view.grab().toImage())
    assert not np.array_equal(before, after)
    assert window.error_view.legend.isVisible()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.view.mode() == "result" and not window.error_view.legend.isVisible()
    assert not np.array_equal(qimage_to_array(window.view.grab().toImage()), after)


def test_error_map_values_are_the_per_pixel_delta_e(qtbot, window, photo_path, photo):
    window.controls.k_spin.setValue(6)
    open_and_wait(qtbot, window, photo_path)
    window.error_view.set_enabled(True)
    qtbot.waitUntil(lambda: window.error_view.map is not None and not window.controller.busy, timeout=20_000)
    result = window.controller.shown
    independent = delta_e_map(photo, np.take(result.palette, result.indices, axis=0))
    m = window.error_view.map
    assert m.mean == pytest.approx(float(independent.mean()), rel=1e-5)
    assert m.vmax >= 2 and m.ticks[0] == 0


def test_error_map_follows_k_changes_and_worst_region_zooms(qtbot, window, photo_path):
    open_and_wait(qtbot, window, photo_path)
    window.error_view.set_enabled(True)
    window.controls.k_spin.setValue(3)
    wait_settled(qtbot, window)
    qtbot.waitUntil(lambda: window.error_view.map is not None and not window.controller.busy, timeout=20_000)
    coarse = window.error_view.map.mean
    window.controls.k_spin.setValue(64)
    wait_settled(qtbot, window)
    qtbot.waitUntil(lambda: window.error_view.map is not None and not window.controller.busy, timeout=20_000)
    assert window.error_view.map.mean < coarse  # more colors, less error
    zoom = window.view.zoom
    window.act_worst.trigger()
    assert window.view.zoom > zoom


def test_go_to_worst_region_asked_while_the_map_is_measured_is_done_when_it_arrives(qtbot, window, photo_path):
    """Ctrl+Shift+M right after Ctrl+M said "No error map yet: turn on the error view first"
    although the view was on and measuring, and dropped the request (GUI review)."""
    open_and_wait(qtbot, window, photo_path)
    zoom = window.view.zoom
    window.act_error_map.trigger()
    assert window.error_view.map is None  # measured by the render worker, not yet here
    window.act_worst.trigger()
    assert "going to the worst region when it is ready" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: window.error_view.map is not None, timeout=20_000)
    assert window.view.zoom > zoom
    x, y, w, h = window.error_view.map.worst
    assert f"Worst region: {w} × {h} pixels at ({x}, {y})" in window.statusBar().currentMessage()


def test_fit_in_size_picks_the_largest_k_whose_saved_png_fits_and_save_writes_that_size(
        qtbot, window, photo_path, tmp_path):
    """Sizes are measured as Save writes them (the smallest PNG): a quick encoding's larger
    sizes chose a smaller K than fits, and the size reported was not the size written."""
    from dataclasses import replace

    from kmeans_gui.encoder_process import smallest_png
    from kmeans_gui.jobs import CancelToken
    from kmeans_gui.render import full_result

    window.controls.k_spin.setValue(200)
    open_and_wait(qtbot, window, photo_path)
    limit = 12_000
    window.fit_size.fit(limit)
    qtbot.waitUntil(lambda: window.fit_size.last is not None, timeout=120_000)
    r = window.fit_size.last
    assert r.fits and r.bytes <= limit
    assert window.controller.options.k == r.k and window.controls.k_spin.value() == r.k
    wait_settled(qtbot, window)
    out = tmp_path / "fit.png"
    done = []
    window.saveFinished.connect(lambda p, e: done.append(e))
    window.save_to(out)
    qtbot.waitUntil(lambda: bool(done), timeout=60_000)
    assert done == [""] and out.stat().st_size == r.bytes  # what was reported is what was written
    if r.k < 256:  # and one more color, saved the same way, would not have fitted
        doc = window.controller.document
        more = full_result(doc, replace(window.controller.options, k=r.k + 1), CancelToken())
        assert len(smallest_png(more.palette, more.indices, doc.loaded.icc_profile)) > limit


def test_fit_in_size_keeps_locked_colors_and_edits_and_save_writes_the_size_it_said(
        qtbot, window, photo_path, tmp_path):
    """The search ignored locked colors, restarts and edits: it announced a size 11 % off the
    file Save wrote (GUI review, 4 locks on 12 MP). Candidates are now made as the window makes them."""
    window.controls.k_spin.setValue(24)
    open_and_wait(qtbot, window, photo_path)
    for i in range(4):
        window.palette_view.set_locked(i, True)
    wait_settled(qtbot, window)
    window.delete_color(6)
    wait_settled(qtbot, window)
    o = window.controller.options
    assert len(o.fixed) == 4 and len(o.edits) == 1
    window.fit_size.fit(9_000)
    qtbot.waitUntil(lambda: window.fit_size.last is not None, timeout=120_000)
    r = window.fit_size.last
    assert r.fits and r.bytes <= 9_000 and r.k >= 4
    now = window.controller.options
    assert (now.fixed, now.edits, now.k) == (o.fixed, o.edits, r.k)
    wait_settled(qtbot, window)
    locked = {tuple(c) for c in o.fixed}
    assert locked <= {tuple(int(v) for v in c[:3]) for c in window.controller.full.palette}
    out = tmp_path / "fit.png"
    done = []
    window.saveFinished.connect(lambda p, e: done.append(e))
    window.save_to(out)
    qtbot.waitUntil(lambda: bool(done), timeout=60_000)
    assert done == [""] and out.stat().st_size == r.bytes


def test_fit_in_size_with_a_palette_file_says_it_cannot_choose_k(qtbot, window, photo_path):
    open_and_wait(qtbot, window, photo_path)
    window.controller.set_options(palette=((0, 0, 0), (255, 255, 255)))
    window.fit_size.fit(5_000)
    assert "palette file sets the colors" in window.banner.text()
    assert window.fit_size.last is None


def test_fit_in_size_that_cannot_fit_says_so(qtbot, window, photo_path):
    open_and_wait(qtbot, window, photo_path)
    window.fit_size.fit(50)
    qtbot.waitUntil(lambda: window.fit_size.last is not None, timeout=60_000)
    assert not window.fit_size.last.fits
    assert "Nothing fits" in window.banner.text() and "\n" not in window.banner.text()


def test_dither_strength_slider_rerenders(qtbot, window, photo_path):
    from PySide6.QtWidgets import QSlider

    window.controls.k_spin.setValue(6)
    window.controls.dither_box.setCurrentIndex(window.controls.dither_box.findData("fs"))
    open_and_wait(qtbot, window, photo_path)
    slider = window.findChild(QSlider, "ditherStrengthSlider")
    assert slider is not None and slider.isEnabled()
    full_strength = window.controller.full.indices.copy()
    slider.setValue(0)
    wait_settled(qtbot, window)
    assert window.controller.shown.options.dither_strength == 0.0
    none = window.controller.full
    # Strength 0 = no dithering: every pixel gets a nearest palette color, as the quantizer
    # gave it (a pixel exactly between two colors may get either of them).
    pal = none.quantized.palette.astype(np.int64)
    px = np.asarray(Image.open(photo_path).convert("RGB")).astype(np.int64)
    err_none = ((px - pal[none.indices]) ** 2).sum(axis=2)
    err_quantized = ((px - pal[none.quantized.indices]) ** 2).sum(axis=2)
    np.testing.assert_array_equal(err_none, err_quantized)
    assert not np.array_equal(none.indices, full_strength)


def test_opening_another_image_drops_the_old_images_error_map(qtbot, window, photo_path, tmp_path):
    """For a moment after an open, Go to Worst Region zoomed to the old image's block (GUI review)."""
    open_and_wait(qtbot, window, photo_path)
    window.error_view.set_enabled(True)
    qtbot.waitUntil(lambda: window.error_view.map is not None and not window.controller.busy, timeout=20_000)
    other = tmp_path / "other.png"
    Image.fromarray(np.full((90, 120, 3), 77, np.uint8)).save(other)
    maps, at_open = [], []
    window.controller.errorMapChanged.connect(maps.append)
    window.controller.documentChanged.connect(lambda _doc: at_open.append(window.error_view.map))
    window.open_path(other)
    qtbot.waitUntil(lambda: window.controller.document.path == other, timeout=20_000)
    assert at_open == [None]  # the moment the new image is there, no map of the old one is left
    assert maps and maps[0] is None
