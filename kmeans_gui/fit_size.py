"""Tools > Fit in Size…: the best-quality K (and dithering on or off) whose saved PNG fits,
with everything else as set in the window (locked colors, restarts, hand edits).

``core.target.fit_to_size`` searches on the full-resolution image in the writer thread, with
progress and Esc; the window then switches to the setting found and says which K it chose, or
names the smallest size it could reach.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QInputDialog

from core.encode import encode_indexed
from core.pipeline import human_bytes
from core.target import fit_to_size

from .encoder_process import smallest_png

if TYPE_CHECKING:
    from .main_window import MainWindow


class FitSize(QObject):
    def __init__(self, win: MainWindow) -> None:
        super().__init__(win)
        self.win = win
        self.last = None  # the last FitResult, for tests and the status line
        self._asked = (None, None)  # (document, options) the running search was asked for
        win.controller.callFinished.connect(self._done)
        win.controller.callEnded.connect(self._ended)

    def dialog(self) -> None:
        if self.win.controller.document is None:
            self.win.show_error("Open an image first")
            return
        kb = self.win._ask_max_kb()
        if kb:
            self.fit(kb * 1000)

    def fit(self, max_bytes: int) -> None:
        """Search the setting that fits in ``max_bytes`` (in the background)."""
        c = self.win.controller
        doc, o = c.document, c.options
        if doc is None:
            self.win.show_error("Open an image first")
            return
        if o.palette:
            self.win.show_error("Fit in Size chooses K, but a palette file sets the colors now: "
                                "use K-means colors first (Palette menu)")
            return
        px, icc = doc.loaded.pixels, doc.loaded.icc_profile
        self.win._notify(f"Searching the best K that fits in {human_bytes(max_bytes)}… (Esc cancels)")

        def search(stop, progress):
            def trial(t) -> None:
                progress(min(0.95, 0.08 * (len(tried) + 1)), f"K = {t.k}")
                tried.append(t)

            def saved_size(palette, indices) -> int:
                # The bytes Save writes: the smallest PNG with the photo's profile, encoded in
                # the helper process (the window stays live; Esc stops it).
                return len(smallest_png(palette, indices, icc, stop))

            def quick_size(palette, indices) -> int:
                buf = io.BytesIO()
                encode_indexed(buf, palette, indices, "png", icc_profile=icc, effort="fast")
                return buf.tell()

            tried: list = []
            # The search runs on the quick encoding's sizes, scaled to the saved one's; the K it
            # finds and K + 1 are measured as saved (a quick size alone chose a smaller K than fits).
            # Every candidate is made with the window's settings (locks, restarts, edits), so the
            # size found is the size Save writes.
            return fit_to_size(px, max_bytes, encode=saved_size, estimate=quick_size, should_stop=stop,
                               on_trial=trial, options=o)

        self._asked = (doc, o)
        c.run_call("fit", search)

    @Slot(str, object)
    def _done(self, tag: str, result) -> None:
        if tag != "fit":
            return
        c = self.win.controller
        if self._asked[0] is not c.document:  # (a settings change cancels the search itself)
            self.win._notify("Fit in Size result dropped: another image is open now")
            return
        self.last = result
        if not result.fits:
            self.win.show_error(f"Nothing fits in {human_bytes(result.max_bytes)}: the smallest file reached is "
                                f"{human_bytes(result.smallest_bytes)} (K = {result.k})")
            return
        self.win.show_options(self._options(result))
        self.win.controller.set_options(k=result.k, dither=result.dither)
        self.win._notify(f"K = {result.k}, dithering {'on' if result.dither != 'none' else 'off'}: "
                         f"{human_bytes(result.bytes)}, fits in {human_bytes(result.max_bytes)} "
                         f"(tried K = {', '.join(str(k) for k in result.ks_tried)})")

    def _options(self, result):
        from dataclasses import replace

        return replace(self.win.controller.options, k=result.k, dither=result.dither)

    @Slot(str, str)
    def _ended(self, tag: str, why: str) -> None:
        if tag == "fit":
            self.win.show_error("Fit in size cancelled" if why == "cancelled" else f"Fit in size failed: {why}")


def ask_max_kb(parent) -> int | None:
    kb, ok = QInputDialog.getInt(parent, "Fit in size", "Largest file size (KB):", 200, 1, 10_000_000)
    return kb if ok else None
