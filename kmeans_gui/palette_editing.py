"""Palette control in the window: lock, recolor, delete, merge, eyedropper, import; all undoable.

Every edit is a change of the settings (``CompressOptions.fixed``, ``.edits``, ``.palette``), so
it renders through the live loop like any other change, and Save and Export use it. Each one is
a :class:`SettingsCommand` on ``undo_stack``: undo puts the previous palette settings back, and
leaves K, dithering and the rest as they are now (Edit > Undo, Ctrl+Z; Redo, Ctrl+Shift+Z). Colors are named by value (see ``core.palette_edit``).
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QColor, QUndoCommand, QUndoStack
from PySide6.QtWidgets import QColorDialog, QFileDialog

from core.palette_edit import describe, lock_after_edits
from core.palette_formats import PaletteFileError, limit_colors, read_palette
from core.palette_text import parse_color
from core.pipeline import CompressOptions
from core.write_guard import printable

from . import settings_store

if TYPE_CHECKING:
    from .main_window import MainWindow


def parse_hex(text: str) -> tuple[int, int, int]:
    """``#rrggbb`` (or ``rrggbb``, ``#rgb``) -> (r, g, b); ValueError with one line otherwise."""
    color = parse_color(text.strip())
    if len(color) != 3:
        raise ValueError(f"{text!r}: give an opaque color, #rrggbb")
    return color


#: The settings a palette edit changes; undo and redo put back these only.
PALETTE_FIELDS = ("fixed", "palette", "edits")


class SettingsCommand(QUndoCommand):
    """One undoable palette edit: redo shows ``new``'s palette fields, undo ``old``'s.

    Only :data:`PALETTE_FIELDS` change: K, dithering and the rest stay as the user has set
    them since (undoing a recolor must not also undo a later K change). K comes back from the
    edit's time only when the current K could not hold the locked colors restored."""

    def __init__(self, editing: PaletteEditing, old: CompressOptions, new: CompressOptions, text: str) -> None:
        super().__init__(text)
        self.editing, self.old, self.new = editing, old, new

    def _show(self, then: CompressOptions) -> None:
        now = self.editing.win.controller.options
        target = replace(now, **{f: getattr(then, f) for f in PALETTE_FIELDS})
        if not target.palette and len(target.fixed) > target.k:
            target = replace(target, k=then.k)
        self.editing.apply(target)

    def redo(self) -> None:
        self._show(self.new)

    def undo(self) -> None:
        self._show(self.old)


#: Palette files above this size are read in the writer thread, not on the GUI thread.
LARGE_PALETTE_FILE_BYTES = 64 * 1024


class PaletteEditing(QObject):
    def __init__(self, win: MainWindow) -> None:
        super().__init__(win)
        self.win = win
        self.undo_stack = QUndoStack(self)
        pv = win.palette_view
        pv.lockToggled.connect(self._lock_toggled)
        pv.recolorRequested.connect(self._recolor_requested)
        pv.deleteRequested.connect(self.delete_color)
        pv.mergeRequested.connect(self.merge_colors)
        win.view.pointPicked.connect(self._picked)
        win.controller.callFinished.connect(self._on_call)
        win.controller.callEnded.connect(self._on_call_ended)

    # -- the settings ---------------------------------------------------------------------------

    def apply(self, options: CompressOptions) -> None:
        """Show ``options`` in the controls and render them (undo and redo come here)."""
        c = self.win.controller
        self.win.show_options(options)
        changes = {f: getattr(options, f) for f in ("k", "seed", "init", "n_init", "color_space", "dither",
                                                     "dither_strength", "dither_flat", "fixed", "palette", "edits")}
        c.set_options(**changes)

    def _push(self, new: CompressOptions, text: str) -> None:
        old = self.win.controller.options
        if new != old:
            self.undo_stack.push(SettingsCommand(self, old, new, text))

    def _color(self, i: int) -> tuple[int, ...] | None:
        shown = self.win.controller.shown
        if shown is None or not 0 <= i < len(shown.palette):
            self.win.show_error("No such color in the palette shown")
            return None
        return tuple(int(v) for v in shown.palette[i])

    def locked_indices(self, palette) -> list[int]:
        """Positions in ``palette`` of the locked colors (for the palette view's padlocks); a
        locked color that was recolored shows its padlock on its new color."""
        shown = {self._after_edits(c) for c in self.win.controller.options.fixed}
        return [i for i, c in enumerate(palette) if tuple(int(v) for v in c[:3]) in shown]

    def _after_edits(self, color) -> tuple[int, ...] | None:
        """What a locked color looks like after the pending recolors (None: deleted).

        A lock stays on the color K-means keeps: recoloring or deleting a locked color adds an
        edit of that exact color and leaves the lock alone. Moving the lock re-ran K-means
        around the new color, and the edit then matched a neighbor (two colors recolored)."""
        return lock_after_edits(color, self.win.controller.options.edits)

    def _locks_of(self, rgb: tuple[int, ...]) -> list[tuple[int, ...]]:
        """The locked colors shown as ``rgb`` (itself, or recolored to it)."""
        return [c for c in self.win.controller.options.fixed
                if tuple(c[:3]) == rgb or self._after_edits(c) == rgb]

    def _already_edited(self, color: tuple[int, ...]) -> bool:
        """Whether an edit of ``color`` is pending (asked, not yet on screen): a second Delete
        or recolor of the same swatch would otherwise hit a neighboring color."""
        shown = self.win.controller.shown
        done = shown.options.edits if shown is not None else ()
        edits = self.win.controller.options.edits
        # The edits made since the result on screen (by position: the same edit may recur).
        pending = edits[len(done):] if edits[: len(done)] == done else [e for e in edits if e not in done]
        if any(tuple(e[1][:3]) == tuple(color[:3]) or (e[0] == "merge" and tuple(e[2][:3]) == tuple(color[:3]))
               for e in pending):
            self.win._notify(f"#{color[0]:02x}{color[1]:02x}{color[2]:02x} is already being changed: "
                             "wait for the palette to update")
            return True
        return False

    # -- locks ------------------------------------------------------------------------------------

    @Slot(int, bool)
    def _lock_toggled(self, i: int, locked: bool) -> None:
        self.set_locked(i, locked)

    def set_locked(self, i: int, locked: bool) -> None:
        """Lock (keep exactly; K-means re-runs around it) or unlock palette color ``i``."""
        color = self._color(i)
        if color is None:
            return
        o = self.win.controller.options
        rgb = color[:3]
        mine = self._locks_of(rgb)
        if locked and mine:
            return  # already locked (perhaps under the color it had before a recolor)
        fixed = tuple(c for c in o.fixed if c not in mine)
        if locked:
            if len(fixed) + 1 > o.k:
                self.win.show_error(f"Cannot lock more than K = {o.k} colors")
                return
            fixed = (*fixed, rgb)
        word = "Lock" if locked else "Unlock"
        self._push(replace(o, fixed=fixed), f"{word} #{rgb[0]:02x}{rgb[1]:02x}{rgb[2]:02x}")

    # -- edits ------------------------------------------------------------------------------------

    @Slot(int)
    def _recolor_requested(self, i: int) -> None:
        color = self._color(i)
        if color is None:
            return
        chosen = self.win._ask_color(QColor(*color[:3]))
        if chosen:
            self.set_palette_color(i, chosen)

    def set_palette_color(self, i: int, hex_code: str) -> None:
        """Recolor palette color ``i`` to ``hex_code`` (#rrggbb): the pixels keep their index."""
        color = self._color(i)
        if color is None:
            return
        try:
            new = parse_hex(hex_code)
        except ValueError as e:
            self.win.show_error(str(e))
            return
        if tuple(new) == tuple(color[:3]):
            return  # the same color: nothing to change, nothing to undo
        if self._already_edited(color):
            return
        o = self.win.controller.options
        edit = ("recolor", color, (*new, *color[3:]))
        self._push(replace(o, edits=(*o.edits, edit)), describe(edit))  # a lock stays (see _after_edits)

    @Slot(int)
    def delete_color(self, i: int) -> None:
        """Delete palette color ``i``: its pixels go to the nearest remaining color."""
        color = self._color(i)
        if color is None:
            return
        if len(self.win.controller.shown.palette) <= 1:
            self.win.show_error("The last color cannot be deleted")
            return
        if self._already_edited(color):
            return
        o = self.win.controller.options
        edit = ("delete", color)
        self._push(replace(o, edits=(*o.edits, edit)), describe(edit))  # a lock stays (see _after_edits)

    @Slot(int, int)
    def merge_colors(self, a: int, b: int) -> None:
        """Merge color ``b`` into ``a``: both become their pixel-weighted mean."""
        ca, cb = self._color(a), self._color(b)
        if ca is None or cb is None or a == b or self._already_edited(ca) or self._already_edited(cb):
            return
        o = self.win.controller.options
        locked = [c for c in (ca, cb) if self._locks_of(tuple(c[:3]))]
        if locked:  # the merged color is neither: the lock would stay in K-means with no swatch to undo it
            c = locked[0]
            self.win.show_error(f"#{c[0]:02x}{c[1]:02x}{c[2]:02x} is locked: unlock it before merging it")
            return
        edit = ("merge", ca, cb)
        self._push(replace(o, edits=(*o.edits, edit)), describe(edit))

    # -- eyedropper and palette files ---------------------------------------------------------

    def start_eyedropper(self) -> None:
        if self.win.controller.document is None:
            self.win.show_error("Open an image first")
            return
        self.win.view.set_picking(True)
        self.win._notify("Click the image to add that color to the palette (locked)")

    @Slot(int, int)
    def _picked(self, x: int, y: int) -> None:
        self.add_color_at(x, y)

    def add_color_at(self, x: int, y: int) -> None:
        """Add the original's color at pixel (x, y) as a locked color."""
        doc = self.win.controller.document
        if doc is None:
            return
        rgb = tuple(int(v) for v in doc.loaded.pixels[y, x][:3])
        o = self.win.controller.options
        if any(tuple(c[:3]) == rgb for c in o.fixed):
            self.win._notify(f"#{rgb[0]:02x}{rgb[1]:02x}{rgb[2]:02x} is already locked")
            return
        if len(o.fixed) + 1 > o.k:
            self.win.show_error(f"Cannot lock more than K = {o.k} colors: raise K first")
            return
        self._push(replace(o, fixed=(*o.fixed, rgb)), f"Add #{rgb[0]:02x}{rgb[1]:02x}{rgb[2]:02x} from the image")

    def import_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.win, "Use a palette file", settings_store.text_value(
            self.win.settings, "lastFolder", str(Path.home())), "Palettes (*.gpl *.ase *.aco *.act *.pal *.txt *.hex *.png);;All files (*)")
        if path:
            self.import_palette(path)

    def import_palette(self, path: str | Path) -> bool:
        """Map the image to a palette file's colors (K-means off); at most 256, the most used kept.

        A large file (a GPL of 65,535 colors takes ~0.25 s to parse, a 15 MB one seconds) is read
        in the writer, so the window stays live; a small one at once."""
        try:
            size = os.stat(path).st_size
        except OSError:
            size = 0  # read_palette says what is wrong with it
        if size > LARGE_PALETTE_FILE_BYTES:
            doc = self.win.controller.document
            pixels = doc.preview_source if doc is not None else None

            def read_and_rank(_stop, _progress):
                pf = read_palette(path)
                ranked = limit_colors(pf.colors, pixels if len(pf.colors) > 256 else None, max_colors=256)
                return (Path(path), pf.notes, *ranked)

            self.win.controller.run_call("import", read_and_rank)
            self.win._notify(f"Reading {printable(Path(path).name)}…")
            return True
        try:
            pf = read_palette(path)
        except (PaletteFileError, OSError) as e:
            self.win.show_error(printable(str(e) if isinstance(e, PaletteFileError)
                                          else f"{Path(path).name}: {e.strerror or e}"))
            return False
        doc = self.win.controller.document
        pixels = doc.preview_source if doc is not None else None
        if len(pf.colors) <= 256:
            self._use_palette(Path(path), pf.notes, *limit_colors(pf.colors, None, max_colors=256))
        else:  # ranking colors by use in the image takes a few hundred ms: the writer does it
            self.win.controller.run_call("import", lambda stop, progress: (
                Path(path), pf.notes, *limit_colors(pf.colors, pixels, max_colors=256)))
            self.win._notify(f"Reading {Path(path).name}: keeping the 256 colors the image uses most…")
        return True

    @Slot(str, object)
    def _on_call(self, tag: str, payload) -> None:
        if tag == "import":
            self._use_palette(*payload)

    @Slot(str, str)
    def _on_call_ended(self, tag: str, why: str) -> None:
        """An import of a large palette that was cancelled (Esc, another task) or failed: said."""
        if tag == "import":
            self.win.show_error(f"Palette not imported: {printable(why)}" if why != "cancelled"
                                else "Palette import cancelled: the colors in use were kept")

    def _use_palette(self, path: Path, file_notes, colors, note: str | None) -> None:
        o = self.win.controller.options
        palette = tuple(tuple(int(v) for v in c) for c in colors)
        self._push(replace(o, palette=palette, edits=()), f"Use palette {path.name}")
        notes = [n for n in (note, *file_notes) if n]
        name = printable(path.name)
        self.win._notify(f"Palette {name}: {len(palette)} colors" + (f" — {printable('; '.join(notes))}" if notes else ""))
        if note:
            self.win.banner.show_message(f"{name}: {printable(note)}", "info", 8000)

    def use_kmeans(self) -> None:
        """Back to K-means colors (drops an imported palette)."""
        o = self.win.controller.options
        self._push(replace(o, palette=None, edits=()), "Use K-means colors")


def ask_color(parent, initial: QColor) -> str | None:
    color = QColorDialog.getColor(initial, parent, "Change color")
    return color.name() if color.isValid() else None
