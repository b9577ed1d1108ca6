"""The palette: one swatch per color, ordered by share (or luminance, hue), with tooltips.

Clicking a swatch copies its hex code to the clipboard and asks for that color's pixels to
be highlighted; clicking it again clears the highlight. The view shows what it is given (the
colors, their pixel counts, hex codes, display orders and locks) and emits what the user asks
for: lock, change, delete, merge. It changes no color itself; the window does, undoably.

Keyboard: arrows/Home/End move a focus ring, Enter copies and highlights, L locks, F2
changes, Delete deletes, Space marks two colors for "Merge selected", Shift+F10 opens the menu.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import QMenu, QScrollArea, QSizePolicy, QToolTip, QWidget

from . import palette_grid as grid
from .palette_edit import PaletteEditing
from .palette_paint import draw_padlock, draw_swatch, frame

KEYS_HELP = ("Arrow keys, Home and End move between colors; Enter copies the color and highlights its "
             "pixels; L locks or unlocks it; F2 changes it; Delete deletes it; Space marks it for "
             "Merge selected; Shift+F10 or the menu key opens the color menu")
_STEPS = {Qt.Key.Key_Left: "left", Qt.Key.Key_Right: "right", Qt.Key.Key_Up: "up", Qt.Key.Key_Down: "down",
          Qt.Key.Key_Home: "home", Qt.Key.Key_End: "end"}
_OWN_KEYS = set(_STEPS) | {Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Delete, Qt.Key.Key_Backspace,
                           Qt.Key.Key_L, Qt.Key.Key_F2, Qt.Key.Key_Space}
_CHORD = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier


def _own_key(event) -> bool:
    """A key this view acts on: one of its keys without Ctrl, Alt or Meta (those stay the window's)."""
    return event.key() in _OWN_KEYS and not (event.modifiers() & _CHORD)


class PaletteView(PaletteEditing, QWidget):
    colorClicked = Signal(int)  # palette index (in the result's palette), -1 = none
    lockToggled = Signal(int, bool)  # palette index, locked now
    recolorRequested = Signal(int)  # palette index
    deleteRequested = Signal(int)  # palette index
    mergeRequested = Signal(int, int)  # palette indices: the first chosen, then the one merged with it

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("paletteView")
        self.setAccessibleName("paletteView")
        self.setAccessibleDescription(f"Palette colors. {KEYS_HELP}.")
        self.setToolTip("Palette: click a color to copy it and highlight its pixels; double-click to change "
                        "it; right-click for lock, delete and merge")
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self._palette = np.zeros((0, 3), np.uint8)
        self._counts = np.zeros(0, np.int64)
        self._order = np.zeros(0, np.intp)
        self._hex: tuple[str, ...] = ()
        self._orders: dict[str, np.ndarray] = {}
        self._locked: set[int] = set()
        self._marked: list[int] = []  # at most two, oldest first
        self.sort_by = "frequency"
        self.selected = -1  # the highlighted color (palette index)
        self.focus_slot = -1  # the focus ring's display position
        self.merge_from = -1  # "Merge with…" waits for a second color when >= 0

    # -- data ------------------------------------------------------------------------------

    def set_palette(self, palette: np.ndarray, counts: np.ndarray, hex_codes: tuple[str, ...] = (),
                    orders: dict[str, np.ndarray] | None = None, locked: Iterable[int] | None = None) -> None:
        """Show ``palette`` (n, 3|4); ``orders`` maps a sort name to the display order.

        ``locked`` gives the locked indices; without it, colors locked before stay locked
        where the new palette still holds them exactly (fixed colors always do)."""
        old = {self._hex[i] for i in self._locked if i < len(self._hex)}
        self._palette = np.asarray(palette)
        self._counts = np.asarray(counts)
        self._hex = tuple(hex_codes) or tuple(f"#{c[0]:02x}{c[1]:02x}{c[2]:02x}" for c in self._palette.astype(int))
        self._orders = dict(orders or {})
        self._locked = ({i for i, h in enumerate(self._hex) if h in old} if locked is None
                        else {int(i) for i in locked if 0 <= int(i) < len(self._palette)})
        self._marked = []
        self.selected = -1
        self._end_merge()
        self._resort()

    def set_sort(self, by: str) -> None:
        self.sort_by = by
        self._resort()

    def _resort(self) -> None:
        default = np.arange(len(self._palette), dtype=np.intp)
        self._order = np.asarray(self._orders.get(self.sort_by, default), np.intp)
        self.focus_slot = min(self.focus_slot, len(self._order) - 1)
        self.updateGeometry()
        area = self._scroll_area()
        if area is not None:  # a scroll area around the view sizes itself to it (at once, not a pass later)
            area.updateGeometry()
        self.update()

    def colors(self) -> list[str]:
        """The colors shown, in display order, as ``#rrggbb``."""
        return [self._hex[i] for i in self._order]

    def share(self, index: int) -> float:
        total = float(self._counts.sum()) or 1.0
        return float(self._counts[index]) / total

    # -- layout ----------------------------------------------------------------------------

    def _cell(self, width: int | None = None) -> tuple[int, int]:
        return grid.cell(len(self._order), self.width() if width is None else width)

    def _columns(self) -> int:
        return grid.columns(self.width(), *self._cell())

    def _rect(self, slot: int) -> QRect:
        return grid.slot_rect(slot, self.width(), *self._cell())

    def swatch_size(self) -> int:
        """The swatches' side in logical pixels (smaller in compact mode)."""
        return self._cell()[0]

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        return grid.grid_height(len(self._order), width, *self._cell(width))

    def sizeHint(self) -> QSize:
        return QSize(300, self.heightForWidth(300))

    def minimumSizeHint(self) -> QSize:
        return QSize(grid.SWATCH + 2 * grid.GAP, grid.SWATCH + 2 * grid.GAP)

    def slot_at(self, pos: QPoint) -> int:
        swatch, gap = self._cell()
        cols = grid.columns(self.width(), swatch, gap)
        c, r = (pos.x() - gap) // (swatch + gap), (pos.y() - gap) // (swatch + gap)
        slot = r * cols + c
        if 0 <= c < cols and r >= 0 and slot < len(self._order) and self._rect(slot).contains(pos):
            return slot
        return -1

    def index_at(self, pos: QPoint) -> int:
        slot = self.slot_at(pos)
        return int(self._order[slot]) if slot >= 0 else -1

    def swatch_center(self, slot: int) -> QPoint:
        return self._rect(slot).center()

    def focused_index(self) -> int:
        """The palette index under the focus ring, or -1."""
        return int(self._order[self.focus_slot]) if 0 <= self.focus_slot < len(self._order) else -1

    def _scroll_area(self) -> QScrollArea | None:
        viewport = self.parentWidget()
        area = viewport.parentWidget() if viewport is not None else None
        return area if isinstance(area, QScrollArea) else None

    def _move_focus(self, slot: int) -> None:
        """Move the ring, scroll it into view, and say which color it is on (tooltip and screen reader)."""
        self.focus_slot = slot
        rect = self._rect(slot)
        area = self._scroll_area()
        if area is not None:
            area.ensureVisible(rect.center().x(), rect.center().y(), rect.width(), rect.height())
        self._describe_focus()
        if self.isVisible():
            QToolTip.showText(self.mapToGlobal(rect.bottomRight()), self.swatch_tip(self.focused_index()), self)
        self.update()

    def _describe_focus(self) -> None:
        idx = self.focused_index()
        here = self.swatch_tip(idx).split("\n")[0] + ". " if idx >= 0 else ""
        self.setAccessibleDescription(f"Palette colors. {here}{KEYS_HELP}.")

    # -- painting and input ------------------------------------------------------------------

    def paintEvent(self, event) -> None:  # noqa: N802
        p = QPainter(self)
        pal = self.palette()
        if not len(self._order):
            p.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "The palette appears here")
            return
        border = QColor(pal.color(QPalette.ColorRole.WindowText))
        border.setAlpha(110)  # visible on light and dark themes alike
        accent = pal.color(QPalette.ColorRole.Highlight)
        for slot, idx in enumerate(self._order):
            rect = self._rect(slot)
            if not event.rect().intersects(rect.adjusted(-grid.GAP, -grid.GAP, grid.GAP, grid.GAP)):
                continue
            color = self._palette[idx]
            draw_swatch(p, rect, color, border, selected=idx == self.selected)
            if idx in self._marked or idx == self.merge_from:
                p.setPen(QPen(accent, 2, Qt.PenStyle.DashLine))
                p.drawRect(rect.adjusted(2, 2, -3, -3))
            if idx in self._locked:
                draw_padlock(p, rect, color)
        if self.hasFocus() and 0 <= self.focus_slot < len(self._order):
            gap = self._cell()[1]  # the ring fills the gap around the focused swatch
            frame(p, self._rect(self.focus_slot).adjusted(-gap, -gap, gap, gap), 2, accent)

    def focusInEvent(self, event) -> None:  # noqa: N802
        if self.focus_slot < 0 and len(self._order):
            self.focus_slot = 0
        self._describe_focus()
        super().focusInEvent(event)
        self.update()

    def focusOutEvent(self, event) -> None:  # noqa: N802
        super().focusOutEvent(event)
        self.update()

    def mousePressEvent(self, event) -> None:  # noqa: N802
        slot = self.slot_at(event.position().toPoint())
        if slot < 0 or event.button() != Qt.MouseButton.LeftButton:
            return
        self.focus_slot = slot
        idx = int(self._order[slot])
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.toggle_mark(idx)
        else:
            self.activate(idx)

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802
        """Double-click changes the color (the first click already copied it)."""
        idx = self.index_at(event.position().toPoint())
        if idx >= 0 and event.button() == Qt.MouseButton.LeftButton:
            self.recolorRequested.emit(idx)

    def contextMenuEvent(self, event) -> None:  # noqa: N802
        keyboard = event.reason() == event.Reason.Keyboard
        idx = self.focused_index() if keyboard else self.index_at(event.pos())
        if idx >= 0:
            pos = self._rect(max(self.focus_slot, 0)).center() if keyboard else event.pos()
            self._show_menu(idx, self.mapToGlobal(pos))

    def _show_menu(self, index: int, global_pos: QPoint) -> None:
        menu = QMenu(self)
        menu.setAccessibleName("paletteMenu")
        for key, action in self.context_actions(index, menu).items():
            if key in ("recolor", "delete"):
                menu.addSeparator()
            menu.addAction(action)
        menu.exec(global_pos)
        menu.deleteLater()

    def keyPressEvent(self, event) -> None:  # noqa: N802
        key, mods = event.key(), event.modifiers()
        idx = self.focused_index()
        if key in _STEPS and not (mods & _CHORD) and len(self._order):
            self._move_focus(grid.moved(max(self.focus_slot, 0), _STEPS[key], len(self._order), self._columns()))
        elif key == Qt.Key.Key_Escape and (self.merge_from >= 0 or self._marked):
            self._end_merge()
            self._marked = []
            self.update()
        elif key == Qt.Key.Key_F10 and mods & Qt.KeyboardModifier.ShiftModifier and idx >= 0:
            self._show_menu(idx, self.mapToGlobal(self._rect(self.focus_slot).center()))
        elif idx < 0 or not _own_key(event):
            super().keyPressEvent(event)  # Escape and other keys go on to the window
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.activate(idx)
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.request_delete(idx)
        elif key == Qt.Key.Key_L:
            self.set_locked(idx, idx not in self._locked)
        elif key == Qt.Key.Key_F2:
            self.recolorRequested.emit(idx)
        else:  # Space
            self.toggle_mark(idx)

    def event(self, e) -> bool:
        if e.type() == QEvent.Type.ShortcutOverride and len(self._order) and (
                _own_key(e) or (e.key() == Qt.Key.Key_Escape and (self.merge_from >= 0 or self._marked))):
            e.accept()  # these keys act on the focused color, not on a window shortcut
            return True
        if e.type() == QEvent.Type.ToolTip:
            idx = self.index_at(e.pos())
            QToolTip.showText(e.globalPos(), self.swatch_tip(idx) if idx >= 0 else self.toolTip(), self)
            return True
        return super().event(e)

    def swatch_tip(self, idx: int) -> str:
        """The tooltip of color ``idx``: its codes, its share and what a click does."""
        c = self._palette[idx]
        return (f"{self._hex[idx]}  RGB({int(c[0])}, {int(c[1])}, {int(c[2])})"
                + (f"  alpha {int(c[3])}" if len(c) == 4 else "")
                + ("  (locked)" if idx in self._locked else "")
                + f"\n{self.share(idx) * 100:.1f}% of pixels — click to copy and highlight, "
                  "double-click to change, right-click for more")
