"""The image view: compressed result (or its error heat-map) with a before/after divider, zoom and pan.

Paints QImages directly: a display-size copy at fit zoom (cheap), the full-resolution image
once the user zooms in past it, so large photos stay sharp at 100 %. Both sides share one
zoom and pan. Hold Space to see the original everywhere.

Two rules keep the comparison visible: an image smaller than the view stays centered and a
larger one cannot be panned off the view's center, and the divider is a fraction of the *visible*
image span, not of the widget, so it can never land beside the image at any zoom or pan.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from .view_paint import CANVAS, draw_checkerboard, draw_divider, draw_image, draw_label

ZOOM_STEP = 1.25
MIN_ZOOM, MAX_ZOOM = 0.02, 32.0
MODES = ("result", "error")
TOOLTIP = "Drag the divider to compare; Space shows the original; wheel zooms"
DIVIDER_KEY_STEP = 0.05  # Left/Right move the divider by this fraction of the visible image
PAN_KEY_STEP = 0.125  # Ctrl+arrows pan by this fraction of the view


class ImageView(QWidget):
    zoomChanged = Signal(float)
    modeChanged = Signal(str)
    pointPicked = Signal(int, int)  # image pixel (x, y) clicked while picking (the eyedropper)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("imageView")
        self.setAccessibleName("imageView")
        self.setToolTip(TOOLTIP)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(240, 180)
        self.setMouseTracking(True)
        self._after: tuple[QImage, QImage] | None = None  # (full, display)
        self._before: tuple[QImage, QImage] | None = None
        self._error: tuple[QImage, QImage] | None = None
        self._highlight: QImage | None = None
        self._mode = "result"
        self._size = QSize(0, 0)  # full-resolution image size
        self.zoom = 1.0
        self._center = QPointF(0, 0)  # image point at the widget's center
        self.fit_mode = True
        self.split = True
        self.divider = 0.5  # fraction of the visible image span (see visible_span)
        self.show_original = False
        self._drag: str | None = None
        self._last = QPointF()
        self._describe()

    def sizeHint(self) -> QSize:
        return QSize(900, 650)

    # -- content -------------------------------------------------------------------------

    def set_original(self, full: QImage, display: QImage) -> None:
        new_size = full.size()
        self._before = (full, display)
        if new_size != self._size:
            self._size = new_size
            self._after = None
            self._error = None
            self._highlight = None
            self.fit()
        self.update()

    def set_result(self, full: QImage, display: QImage) -> None:
        """Show a result; a preview smaller than the image is stretched to the same geometry."""
        self._after = (full, display)
        self.update()

    def clear_result(self) -> None:
        """Forget the result and its error map (the map describes that result)."""
        self._after = None
        self._error = None
        self.update()

    def set_error_map(self, full: QImage | None, display: QImage | None) -> None:
        """Store the heat-map painted in "error" mode (None, None clears it).

        Either image may be missing (a preview map has no full-resolution twin yet); like a
        result, a map smaller than the image is stretched over the image's geometry.
        """
        full = full if full is not None else display
        display = display if display is not None else full
        self._error = None if full is None or display is None else (full, display)
        self.update()

    def has_error_map(self) -> bool:
        return self._error is not None

    def set_mode(self, mode: str) -> None:
        """Choose what the right of the divider shows: the compressed image or its heat-map."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        if mode != self._mode:
            self._mode = mode
            self._describe()
            self.modeChanged.emit(mode)
            self.update()

    def mode(self) -> str:
        return self._mode

    def set_highlight(self, mask: QImage | None) -> None:
        self._highlight = mask
        self.update()

    def has_image(self) -> bool:
        return self._before is not None

    def _describe(self) -> None:
        after = "the error heat-map (color difference)" if self._mode == "error" else "the compressed image"
        self.setAccessibleDescription(
            f"Before/after view: the original left of the divider, {after} right of it. "
            "Left and Right arrows move the divider, Ctrl+arrows pan, Space shows the original.")

    # -- geometry ------------------------------------------------------------------------

    def fit_zoom(self) -> float:
        if self._size.isEmpty():
            return 1.0
        return max(MIN_ZOOM, min(self.width() / self._size.width(), self.height() / self._size.height()))

    def fit(self) -> None:
        self.fit_mode = True
        self.zoom = self.fit_zoom()
        self._center = QPointF(self._size.width() / 2, self._size.height() / 2)
        self.zoomChanged.emit(self.zoom)
        self.update()

    def set_zoom(self, zoom: float, anchor: QPointF | None = None) -> None:
        zoom = max(MIN_ZOOM, min(MAX_ZOOM, zoom))
        anchor = anchor if anchor is not None else QPointF(self.width() / 2, self.height() / 2)
        before = self.to_image(anchor)
        self.zoom = zoom
        self.fit_mode = False
        after = self.to_image(anchor)
        self._set_center(self._center + before - after)
        self.zoomChanged.emit(self.zoom)

    def zoom_in(self) -> None:
        self.set_zoom(self.zoom * ZOOM_STEP)

    def zoom_out(self) -> None:
        self.set_zoom(self.zoom / ZOOM_STEP)

    def actual_size(self) -> None:
        self.set_zoom(1.0)

    def zoom_to_rect(self, rect: QRectF) -> None:
        """Zoom and pan so ``rect`` (image pixels) fills the view, centered (e.g. the worst region)."""
        if self._size.isEmpty() or rect.width() <= 0 or rect.height() <= 0:
            return
        self.zoom = max(MIN_ZOOM, min(MAX_ZOOM, self.width() / rect.width(), self.height() / rect.height()))
        self.fit_mode = False
        self._set_center(rect.center())
        self.zoomChanged.emit(self.zoom)

    def pan_by(self, dx: float, dy: float) -> None:
        """Move the image by (dx, dy) widget pixels."""
        self.fit_mode = False
        self._set_center(self._center - QPointF(dx, dy) / self.zoom)

    def _set_center(self, c: QPointF) -> None:
        """Keep the image on screen: along an axis where it fits in the view it is centered;
        a larger one pans only until its edge reaches the view's center."""
        def axis(v: float, size: int, view: int) -> float:
            return size / 2 if size * self.zoom <= view else min(max(v, 0.0), float(size))
        self._center = QPointF(axis(c.x(), self._size.width(), self.width()),
                               axis(c.y(), self._size.height(), self.height()))
        self.update()

    def center(self) -> QPointF:
        """The image point shown at the view's center."""
        return QPointF(self._center)

    def to_image(self, p: QPointF) -> QPointF:
        return self._center + (p - QPointF(self.width() / 2, self.height() / 2)) / self.zoom

    def image_rect(self) -> QRectF:
        tl = QPointF(self.width() / 2, self.height() / 2) - self._center * self.zoom
        return QRectF(tl.x(), tl.y(), self._size.width() * self.zoom, self._size.height() * self.zoom)

    def visible_span(self) -> tuple[float, float]:
        """Left and right widget x of the part of the image that is on screen."""
        r = self.image_rect()
        left = min(max(r.left(), 0.0), float(self.width()))
        return left, max(left, min(r.right(), float(self.width())))

    def divider_x(self) -> float:
        left, right = self.visible_span()
        return left + self.divider * (right - left)

    def _set_divider_at(self, x: float) -> None:
        left, right = self.visible_span()
        self.divider = min(1.0, max(0.0, (x - left) / max(1.0, right - left)))
        self.update()

    # -- painting ------------------------------------------------------------------------

    def _pick(self, pair: tuple[QImage, QImage]) -> QImage:
        full, display = pair
        if display.width() >= full.width() or self.zoom * full.width() <= display.width() * 1.05:
            return display
        return full

    def _after_side(self) -> tuple[tuple[QImage, QImage] | None, str]:
        """What the right of the divider shows, and its label."""
        if self._mode == "error":
            if self._error is not None:
                return self._error, "Error (ΔE)"
            return self._after, "Error (ΔE): not ready"
        return self._after, "Compressed"

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        p.fillRect(self.rect(), CANVAS)
        if self._before is None:
            p.setPen(QColor(170, 170, 170))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter,
                       "Drop a photo here\nor press Ctrl+O to open one")
            return
        target, view = self.image_rect(), QRectF(self.rect())
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.zoom < 2.0)
        if self._before[0].hasAlphaChannel():
            draw_checkerboard(p, target.intersected(view))
        after, label = self._after_side()
        showing_after = after is not None and not self.show_original
        draw_image(p, view, target, self._pick(after if showing_after else self._before))
        if self._highlight is not None and not self.show_original:
            p.setOpacity(0.75)
            draw_image(p, view, target, self._highlight)
            p.setOpacity(1.0)
        left, right = self.visible_span()
        if self.split and showing_after:
            x = self.divider_x()
            p.save()
            p.setClipRect(QRectF(0, 0, x, self.height()))
            # The original side is repainted from scratch: with transparency, the result drawn
            # underneath would otherwise show through the original's see-through pixels.
            p.fillRect(QRectF(0, 0, x, self.height()), CANVAS)
            if self._before[0].hasAlphaChannel():
                draw_checkerboard(p, target.intersected(view))
            draw_image(p, view, target, self._pick(self._before))
            p.restore()
            draw_divider(p, x, self.height())
            draw_label(p, "Original", left + 8, align_right=False)
            draw_label(p, label, right - 8, align_right=True)
        elif self.show_original:
            draw_label(p, "Original", left + 8, align_right=False)
        elif showing_after and self._mode == "error":
            draw_label(p, label, right - 8, align_right=True)

    # -- input ---------------------------------------------------------------------------

    def resizeEvent(self, event) -> None:  # noqa: N802
        if self.fit_mode:
            self.fit()
        else:
            self._set_center(self._center)
        super().resizeEvent(event)

    def wheelEvent(self, event) -> None:  # noqa: N802
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.set_zoom(self.zoom * (ZOOM_STEP**steps), event.position())

    def _near_divider(self, pos: QPointF) -> bool:
        return self.split and self._after is not None and abs(pos.x() - self.divider_x()) < 12

    def set_picking(self, on: bool) -> None:
        """Eyedropper: the next left click on the image emits ``pointPicked`` instead of panning."""
        self._picking = on
        self.setCursor(Qt.CursorShape.CrossCursor if on else Qt.CursorShape.ArrowCursor)

    def picking(self) -> bool:
        return getattr(self, "_picking", False)

    def mousePressEvent(self, event) -> None:  # noqa: N802
        pos = event.position()
        if self.picking() and event.button() == Qt.MouseButton.LeftButton:
            p = self.to_image(pos)
            x, y = int(p.x()), int(p.y())
            if 0 <= x < self._size.width() and 0 <= y < self._size.height():
                self.set_picking(False)
                self.pointPicked.emit(x, y)
            return
        if self._near_divider(pos):
            self._drag = "divider"
        else:
            self._drag = "pan"
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        self._last = pos

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        pos = event.position()
        if self._drag == "divider":
            self._set_divider_at(pos.x())
        elif self._drag == "pan":
            self.pan_by(pos.x() - self._last.x(), pos.y() - self._last.y())
            self._last = pos
        elif self._near_divider(pos):
            self.setCursor(Qt.CursorShape.SplitHCursor)
        else:
            self.setCursor(Qt.CursorShape.OpenHandCursor if self.has_image() else Qt.CursorShape.ArrowCursor)

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        self._drag = None
        self.setCursor(Qt.CursorShape.OpenHandCursor if self.has_image() else Qt.CursorShape.ArrowCursor)

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802
        if self.fit_mode:
            self.set_zoom(1.0, event.position())
        else:
            self.fit()

    def hold_original(self, held: bool) -> None:
        """Show the original everywhere while ``held`` (Space, see :mod:`kmeans_gui.space_compare`)."""
        self.show_original = held
        self.update()

    def _space(self, event, held: bool) -> bool:
        """Hold Space to see the original; True if the event was that."""
        if event.key() != Qt.Key.Key_Space or event.isAutoRepeat():
            return False
        self.hold_original(held)
        return True

    def _arrows(self, event) -> bool:
        """Left/Right move the divider, Ctrl+arrows pan (keyboard-only use); True if handled."""
        k = Qt.Key
        dx, dy = {k.Key_Left: (-1, 0), k.Key_Right: (1, 0), k.Key_Up: (0, -1), k.Key_Down: (0, 1)}.get(
            event.key(), (0, 0))
        if not (dx or dy) or not self.has_image():
            return False
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:  # look that way: the image moves back
            self.pan_by(-dx * PAN_KEY_STEP * self.width(), -dy * PAN_KEY_STEP * self.height())
            return True
        if dx:
            self.divider = min(1.0, max(0.0, self.divider + dx * DIVIDER_KEY_STEP))
            self.update()
        return bool(dx)

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if not self._space(event, True) and not self._arrows(event):
            super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:  # noqa: N802
        if not self._space(event, False):
            super().keyReleaseEvent(event)
