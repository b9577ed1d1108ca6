"""The image view: compressed result with a draggable before/after divider, zoom and pan.

Paints QImages directly: a display-size copy at fit zoom (cheap), the full-resolution image
once the user zooms in past it, so large photos stay sharp at 100 %. Both sides share one
zoom and pan. Hold Space to see the original everywhere.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

ZOOM_STEP = 1.25
MIN_ZOOM, MAX_ZOOM = 0.02, 32.0


class ImageView(QWidget):
    zoomChanged = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("imageView")
        self.setAccessibleName("imageView")
        self.setAccessibleDescription("Compressed image; drag the divider to compare with the original")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(240, 180)
        self.setMouseTracking(True)
        self._after: tuple[QImage, QImage] | None = None  # (full, display)
        self._before: tuple[QImage, QImage] | None = None
        self._highlight: QImage | None = None
        self._size = QSize(0, 0)  # full-resolution image size
        self.zoom = 1.0
        self._center = QPointF(0, 0)  # image point at the widget's center
        self.fit_mode = True
        self.split = True
        self.divider = 0.5
        self.show_original = False
        self._drag: str | None = None
        self._last = QPointF()

    def sizeHint(self) -> QSize:
        return QSize(900, 650)

    # -- content -------------------------------------------------------------------------

    def set_original(self, full: QImage, display: QImage) -> None:
        new_size = full.size()
        self._before = (full, display)
        if new_size != self._size:
            self._size = new_size
            self._after = None
            self._highlight = None
            self.fit()
        self.update()

    def set_result(self, full: QImage, display: QImage) -> None:
        """Show a result; a preview smaller than the image is stretched to the same geometry."""
        self._after = (full, display)
        self.update()

    def clear_result(self) -> None:
        self._after = None
        self.update()

    def set_highlight(self, mask: QImage | None) -> None:
        self._highlight = mask
        self.update()

    def has_image(self) -> bool:
        return self._before is not None

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
        self._center += before - after
        self.zoomChanged.emit(self.zoom)
        self.update()

    def zoom_in(self) -> None:
        self.set_zoom(self.zoom * ZOOM_STEP)

    def zoom_out(self) -> None:
        self.set_zoom(self.zoom / ZOOM_STEP)

    def actual_size(self) -> None:
        self.set_zoom(1.0)

    def to_image(self, p: QPointF) -> QPointF:
        return self._center + (p - QPointF(self.width() / 2, self.height() / 2)) / self.zoom

    def image_rect(self) -> QRectF:
        tl = QPointF(self.width() / 2, self.height() / 2) - self._center * self.zoom
        return QRectF(tl.x(), tl.y(), self._size.width() * self.zoom, self._size.height() * self.zoom)

    def divider_x(self) -> float:
        return self.divider * self.width()

    # -- painting ------------------------------------------------------------------------

    def _pick(self, pair: tuple[QImage, QImage]) -> QImage:
        full, display = pair
        if display.width() >= full.width() or self.zoom * full.width() <= display.width() * 1.05:
            return display
        return full

    def _draw(self, p: QPainter, target: QRectF, image: QImage) -> None:
        """Draw only the visible part of ``image`` (stretched over ``target``).

        Passing an explicit source rectangle keeps Qt from scaling the whole (possibly
        12-megapixel) image and avoids format-dependent clipping differences between the
        before and after images.
        """
        visible = target.intersected(QRectF(self.rect()))
        if visible.isEmpty() or target.width() <= 0 or target.height() <= 0:
            return
        sx = image.width() / target.width()
        sy = image.height() / target.height()
        source = QRectF((visible.left() - target.left()) * sx, (visible.top() - target.top()) * sy,
                        visible.width() * sx, visible.height() * sy)
        p.drawImage(visible, image, source)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(38, 40, 44))
        if self._before is None:
            p.setPen(QColor(170, 170, 170))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter,
                       "Drop a photo here\nor press Ctrl+O to open one")
            return
        target = self.image_rect()
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.zoom < 2.0)
        self._checkerboard(p, target)
        after = self._after if (self._after is not None and not self.show_original) else self._before
        self._draw(p, target, self._pick(after))
        if self._highlight is not None and not self.show_original:
            p.setOpacity(0.75)
            self._draw(p, target, self._highlight)
            p.setOpacity(1.0)
        if self.split and self._after is not None and not self.show_original:
            x = self.divider_x()
            p.save()
            p.setClipRect(QRectF(0, 0, x, self.height()))
            self._draw(p, target, self._pick(self._before))
            p.restore()
            p.setPen(QPen(QColor(255, 255, 255, 220), 2))
            p.drawLine(QPointF(x, 0), QPointF(x, self.height()))
            p.setBrush(QColor(255, 255, 255, 230))
            p.drawEllipse(QPointF(x, self.height() / 2), 9, 9)
            p.setPen(QColor(40, 40, 40))
            p.drawText(QRectF(x - 9, self.height() / 2 - 9, 18, 18), Qt.AlignmentFlag.AlignCenter, "⇔")
            self._label(p, "Original", QPointF(8, 8))
            self._label(p, "Compressed", QPointF(self.width() - 100, 8))
        elif self.show_original:
            self._label(p, "Original", QPointF(8, 8))

    def _label(self, p: QPainter, text: str, at: QPointF) -> None:
        rect = QRectF(at.x(), at.y(), 92, 22)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(0, 0, 0, 150))
        p.drawRoundedRect(rect, 6, 6)
        p.setPen(QColor(240, 240, 240))
        p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)

    def _checkerboard(self, p: QPainter, target: QRectF) -> None:
        if self._before is None or not self._before[0].hasAlphaChannel():
            return
        p.save()
        p.setClipRect(target)
        s = 10
        p.fillRect(target, QColor(200, 200, 200))
        x0, y0 = int(target.left()) // s * s, int(target.top()) // s * s
        for y in range(y0, int(target.bottom()) + s, s):
            for x in range(x0 + ((y // s) % 2) * s, int(target.right()) + s, 2 * s):
                p.fillRect(x, y, s, s, QColor(150, 150, 150))
        p.restore()

    # -- input ---------------------------------------------------------------------------

    def resizeEvent(self, event) -> None:  # noqa: N802
        if self.fit_mode:
            self.fit()
        super().resizeEvent(event)

    def wheelEvent(self, event) -> None:  # noqa: N802
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.set_zoom(self.zoom * (ZOOM_STEP**steps), event.position())

    def mousePressEvent(self, event) -> None:  # noqa: N802
        pos = event.position()
        if self.split and self._after is not None and abs(pos.x() - self.divider_x()) < 12:
            self._drag = "divider"
        else:
            self._drag = "pan"
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        self._last = pos

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        pos = event.position()
        if self._drag == "divider":
            self.divider = min(1.0, max(0.0, pos.x() / max(1, self.width())))
            self.update()
        elif self._drag == "pan":
            self._center -= (pos - self._last) / self.zoom
            self.fit_mode = False
            self._last = pos
            self.update()
        elif self.split and self._after is not None and abs(pos.x() - self.divider_x()) < 12:
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

    def _space(self, event, held: bool) -> bool:
        """Hold Space to see the original; True if the event was that."""
        if event.key() != Qt.Key.Key_Space or event.isAutoRepeat():
            return False
        self.show_original = held
        self.update()
        return True

    def keyPressEvent(self, event) -> None:  # noqa: N802
        if not self._space(event, True):
            super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:  # noqa: N802
        if not self._space(event, False):
            super().keyReleaseEvent(event)
