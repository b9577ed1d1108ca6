"""The image view (error-map mode, zoom to a region, a divider that stays on the image) and the
heat-map legend, tested as widgets on their own (no main window)."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPalette

from core.errormap import COLORMAP, legend_ticks
from kmeans_gui.widgets.heatmap_legend import HeatmapLegend
from kmeans_gui.widgets.image_view import TOOLTIP, ImageView

RED, BLUE, GREEN = QColor(220, 30, 30), QColor(30, 30, 220), QColor(30, 200, 60)


def solid(w: int, h: int, color: QColor) -> QImage:
    img = QImage(w, h, QImage.Format.Format_RGB888)
    img.fill(color)
    return img


@functools.cache
def shared_solid(w: int, h: int, rgb: tuple[int, int, int]) -> QImage:
    """One image per size and color for all views, so the property test's many 4000 x 3000
    views share two 36 MB images instead of allocating four each."""
    return solid(w, h, QColor(*rgb))


def make_view(qtbot, w=400, h=300, size=(200, 150)) -> ImageView:
    view = ImageView()
    qtbot.addWidget(view)
    view.resize(w, h)
    view.show()
    qtbot.waitExposed(view)
    before, after = shared_solid(*size, RED.getRgb()[:3]), shared_solid(*size, BLUE.getRgb()[:3])
    view.set_original(before, before)
    view.set_result(after, after)
    return view


def pixel(widget, x: float, y: float) -> QColor:
    return widget.grab().toImage().pixelColor(int(x), int(y))


def same(a: QColor, b: QColor, tol: int = 3) -> bool:
    return all(abs(u - v) <= tol for u, v in zip(a.getRgb()[:3], b.getRgb()[:3], strict=True))


def check_divider_on_image(view: ImageView) -> None:
    """The divider lies inside the part of the image that is on screen, and that part is not empty."""
    left, right = view.visible_span()
    img = view.image_rect()
    assert right - left >= 1
    assert max(0.0, img.left()) - 1e-6 <= left and right <= min(view.width(), img.right()) + 1e-6
    assert left - 1e-6 <= view.divider_x() <= right + 1e-6


# -- error-map mode ----------------------------------------------------------------------

def test_error_mode_paints_the_heatmap_on_the_compressed_side(qtbot):
    view = make_view(qtbot)
    right_side, left_side = (320, 200), (80, 200)  # below the labels, away from the divider
    assert view.mode() == "result"
    assert same(pixel(view, *right_side), BLUE) and same(pixel(view, *left_side), RED)
    view.set_error_map(solid(200, 150, GREEN), solid(50, 38, GREEN))
    assert same(pixel(view, *right_side), BLUE), "the map only shows in error mode"
    with qtbot.waitSignal(view.modeChanged) as sig:
        view.set_mode("error")
    assert sig.args == ["error"] and view.mode() == "error"
    assert same(pixel(view, *right_side), GREEN)
    assert same(pixel(view, *left_side), RED), "the original side is unchanged"
    view.show_original = True  # Space: the original everywhere, map or not
    assert same(pixel(view, *right_side), RED)
    view.show_original = False
    view.set_mode("result")
    assert same(pixel(view, *right_side), BLUE)
    with pytest.raises(ValueError):
        view.set_mode("heat")


def test_error_mode_without_a_map_shows_the_result_and_clear_result_drops_the_map(qtbot):
    view = make_view(qtbot)
    view.set_mode("error")
    assert not view.has_error_map()
    assert same(pixel(view, 320, 200), BLUE)
    view.set_error_map(None, solid(50, 38, GREEN))  # a preview map alone is enough
    assert view.has_error_map() and same(pixel(view, 320, 200), GREEN)
    view.clear_result()
    assert not view.has_error_map()


def test_a_small_preview_map_is_stretched_over_the_whole_image(qtbot):
    view = make_view(qtbot)
    view.split = False
    small = solid(40, 30, GREEN)
    for y in range(30):
        for x in range(20, 40):
            small.setPixelColor(x, y, QColor(200, 30, 200))
    view.set_error_map(None, small)
    view.set_mode("error")
    img = view.image_rect()
    grab = view.grab().toImage()
    y = int(img.center().y()) + 30
    assert same(grab.pixelColor(int(img.left() + 0.1 * img.width()), y), GREEN)
    assert same(grab.pixelColor(int(img.left() + 0.9 * img.width()), y), QColor(200, 30, 200))


# -- zoom to a region ----------------------------------------------------------------------

@pytest.mark.parametrize("rect", [QRectF(1000, 500, 64, 48), QRectF(0, 0, 64, 64), QRectF(3936, 2936, 64, 64),
                                  QRectF(200, 100, 1600, 300)])
def test_zoom_to_rect_fills_the_view_with_the_rect(qtbot, rect):
    view = make_view(qtbot, 800, 600, (4000, 3000))
    view.zoom_to_rect(rect)
    center = view.to_image(QPointF(view.width() / 2, view.height() / 2))
    assert center.x() == pytest.approx(rect.center().x()) and center.y() == pytest.approx(rect.center().y())
    assert view.zoom == pytest.approx(min(800 / rect.width(), 600 / rect.height()))
    top_left, bottom_right = view.to_image(QPointF(0, 0)), view.to_image(QPointF(800, 600))
    assert top_left.x() <= rect.left() + 1e-6 and bottom_right.x() >= rect.right() - 1e-6
    assert top_left.y() <= rect.top() + 1e-6 and bottom_right.y() >= rect.bottom() - 1e-6
    assert not view.fit_mode
    check_divider_on_image(view)


# -- the divider stays on the visible image -------------------------------------------------

def sees_both_sides(view: ImageView) -> bool:
    """Along a row of the visible image (below the labels and the handle), the grab shows the
    original and the result."""
    grab, img = view.grab().toImage(), view.image_rect()
    top, bottom = max(0.0, img.top()), min(float(view.height()), img.bottom())
    y = int(top + 0.75 * (bottom - top))
    row = [grab.pixelColor(x, y) for x in range(0, view.width(), 4)]
    return any(same(c, RED) for c in row) and any(same(c, BLUE) for c in row)


def test_divider_stays_on_the_image_at_100_percent_when_panning_and_zooming(qtbot):
    view = make_view(qtbot, 800, 600, (4000, 3000))
    view.actual_size()
    assert view.zoom == 1.0
    check_divider_on_image(view)
    for dx, dy in [(5000, 0), (-20000, 0), (0, 9000), (3000, -9000)]:  # far past every edge
        view.pan_by(dx, dy)
        check_divider_on_image(view)
        assert sees_both_sides(view)
    for _ in range(20):  # zoom out around a corner until the image is small in the view
        view.set_zoom(view.zoom / 1.25, QPointF(5, 5))
        check_divider_on_image(view)
    small = view.image_rect()
    assert small.width() < view.width() and small.height() < view.height()
    assert small.center().x() == pytest.approx(400) and small.center().y() == pytest.approx(300)  # centered
    assert sees_both_sides(view)
    for _ in range(30):
        view.set_zoom(view.zoom * 1.25, QPointF(790, 590))
        check_divider_on_image(view)
    assert sees_both_sides(view)
    view.resize(300, 700)
    check_divider_on_image(view)


def test_mouse_pan_and_divider_drag_keep_the_divider_on_the_image(qtbot):
    view = make_view(qtbot, 800, 600, (4000, 3000))
    view.actual_size()
    for _ in range(4):  # drag the image right until its left edge passes the view's center
        qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=QPoint(100, 500))
        qtbot.mouseMove(view, QPoint(790, 500))
        qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=QPoint(790, 500))
        check_divider_on_image(view)
    assert view.image_rect().left() == pytest.approx(400)  # stopped with the edge at the center
    x = int(view.divider_x())
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=QPoint(x, 300))
    qtbot.mouseMove(view, QPoint(5, 300))  # left of the image: the divider stops at its edge
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=QPoint(5, 300))
    check_divider_on_image(view)
    assert view.divider_x() == pytest.approx(view.visible_span()[0]) == pytest.approx(400)


OPS = st.one_of(
    st.tuples(st.just("zoom"), st.floats(0.2, 5.0), st.floats(0, 1), st.floats(0, 1)),
    st.tuples(st.just("pan"), st.floats(-6000, 6000), st.floats(-6000, 6000)),
    st.tuples(st.just("resize"), st.integers(240, 1200), st.integers(180, 900)),
    st.tuples(st.just("divider"), st.floats(0, 1)),
    st.tuples(st.just("actual"),), st.tuples(st.just("fit"),),
)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(OPS, min_size=1, max_size=12))
def test_divider_is_always_on_the_visible_image(qtbot, ops):
    view = make_view(qtbot, 800, 600, (4000, 3000))
    for op in ops:
        if op[0] == "zoom":
            view.set_zoom(view.zoom * op[1], QPointF(op[2] * view.width(), op[3] * view.height()))
        elif op[0] == "pan":
            view.pan_by(op[1], op[2])
        elif op[0] == "resize":
            view.resize(op[1], op[2])
        elif op[0] == "divider":
            view.divider = op[1]
        elif op[0] == "actual":
            view.actual_size()
        else:
            view.fit()
        check_divider_on_image(view)
    view.close()


def test_keyboard_moves_the_divider_and_pans(qtbot):
    view = make_view(qtbot, 800, 600, (4000, 3000))
    view.actual_size()
    view.setFocus()
    before = view.divider
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert view.divider > before
    center = view.center()
    qtbot.keyClick(view, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    assert view.center().x() > center.x()  # the view looks further right
    check_divider_on_image(view)


def test_image_view_accessibility(qtbot):
    view = make_view(qtbot)
    assert view.accessibleName() == "imageView"
    assert view.toolTip() == TOOLTIP == "Drag the divider to compare; Space shows the original; wheel zooms"
    assert "divider" in view.accessibleDescription()
    view.set_mode("error")
    assert "error" in view.accessibleDescription()


# -- the legend ---------------------------------------------------------------------------

def make_legend(qtbot, vmax=10.0, palette: QPalette | None = None) -> HeatmapLegend:
    legend = HeatmapLegend()
    qtbot.addWidget(legend)
    if palette is not None:
        legend.setPalette(palette)
        legend.setAutoFillBackground(True)
    legend.resize(300, legend.sizeHint().height())
    legend.set_scale(COLORMAP, legend_ticks(vmax), vmax)
    legend.show()
    qtbot.waitExposed(legend)
    return legend


def test_legend_paints_the_colormap_along_the_bar(qtbot):
    legend = make_legend(qtbot)
    bar = legend.bar_rect()
    grab = legend.grab().toImage()
    y = int(bar.center().y())
    for frac in (0.02, 0.25, 0.5, 0.75, 0.98):
        x = int(bar.left() + frac * bar.width())
        step = int((x - bar.left() + 0.5) * 256 / bar.width())
        got = grab.pixelColor(x, y)
        assert (got.red(), got.green(), got.blue()) == tuple(int(c) for c in COLORMAP[step])
    assert legend.scale() == (legend_ticks(10.0), 10.0, "ΔE")


def luminance(c: QColor) -> float:
    def lin(v: float) -> float:
        v /= 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
    return 0.2126 * lin(c.red()) + 0.7152 * lin(c.green()) + 0.0722 * lin(c.blue())


def contrast(a: QColor, b: QColor) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("window, text", [("#ffffff", "#000000"), ("#1e1f22", "#e8e8e8")],
                         ids=["light", "dark"])
def test_legend_ticks_and_border_read_on_light_and_dark_palettes(qtbot, window, text):
    pal = QPalette()
    pal.setColor(QPalette.ColorRole.Window, QColor(window))
    pal.setColor(QPalette.ColorRole.WindowText, QColor(text))
    legend = make_legend(qtbot, palette=pal)
    grab, bar, bg = legend.grab().toImage(), legend.bar_rect(), QColor(window)
    assert same(grab.pixelColor(2, 2), bg)
    # the border: just outside the bar's dark left end, a pixel in the text color
    border = [grab.pixelColor(x, int(bar.center().y())) for x in range(int(bar.left()) - 2, int(bar.left()))]
    assert max(contrast(c, bg) for c in border) >= 4.5
    # each tick has a mark under the bar and a label under the mark
    ticks, vmax, _ = legend.scale()
    for t in ticks:
        x = int(round(bar.left() + bar.width() * t / vmax))
        assert contrast(grab.pixelColor(x, int(bar.bottom()) + 2), bg) >= 4.5
        label = [grab.pixelColor(xx, yy) for xx in range(x - 6, x + 7)
                 for yy in range(int(bar.bottom()) + 5, min(grab.height(), int(bar.bottom()) + 20))]
        assert max(contrast(c, bg) for c in label) >= 3.0, f"tick {t} has no readable label"


def test_legend_accessibility_and_bad_input(qtbot):
    legend = make_legend(qtbot, vmax=5.0)
    assert legend.objectName() == legend.accessibleName() == "heatmapLegend"
    tip = legend.toolTip()
    assert "ΔE" in tip and "just noticeable" in tip and "above 5" in tip and "0 to 5 ΔE" in tip
    with pytest.raises(ValueError):
        legend.set_scale(COLORMAP[:, :2], [0.0], 5.0)
    with pytest.raises(ValueError):
        legend.set_scale(COLORMAP, [0.0], 0.0)
    assert np.array_equal(legend._colors, COLORMAP)


def test_transparent_pixels_show_a_checkerboard_on_both_sides_of_the_divider(qtbot):
    """Fully transparent original and result: every 10 x 10 cell (counted from the widget's
    corner) is light or dark grey, alternating like a chessboard, left and right of the divider.
    Which grey comes first does not matter."""
    view = ImageView()
    qtbot.addWidget(view)
    view.resize(400, 300)
    view.show()
    qtbot.waitExposed(view)
    clear = QImage(400, 300, QImage.Format.Format_ARGB32_Premultiplied)
    clear.fill(0)
    view.set_original(clear, clear)
    view.set_result(clear, clear)
    shot = view.grab().toImage()
    light, dark = QColor(200, 200, 200), QColor(150, 150, 150)
    image = view.image_rect()
    first = shot.pixelColor(int(image.left()) // 10 * 10 + 15, 45)
    odd_is_dark = same(first, dark) == (((int(image.left()) // 10 + 1) + 4) % 2 == 1)
    for cx in range(int(image.left()) // 10 + 1, int(image.right()) // 10 - 1, 3):
        for cy in range(4, 25, 5):  # below the labels' row
            if abs(cx * 10 + 5 - view.divider_x()) < 15:
                continue  # the divider's line and handle
            expected = dark if ((cx + cy) % 2 == 1) == odd_is_dark else light
            assert same(shot.pixelColor(cx * 10 + 5, cy * 10 + 5), expected), (cx, cy)
