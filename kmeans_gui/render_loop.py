"""The live loop: which stage renders next, what is shown, and the figures of what is shown.

A change starts a **draft** render of a small copy at once if nothing renders; a draft in
flight is never cancelled (it is short), so a continuous drag shows one picture per draft
instead of none. When a render ends with the settings unchanged, the loop climbs a stage:
draft -> **preview** (about the window's size) -> **full** after a short pause. A change
cancels a preview or full render in flight and starts again from a draft. A picture made for
settings changed a moment ago is still shown (it is the newest one), unless the screen already
shows the current settings. Figures (and the error map, when it is on) follow each shown
result: quality and a quick size first, then the smallest PNG, the bytes Save will write.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from .jobs import (
    ErrorMap,
    ErrorMapDone,
    ErrorMapJob,
    Figures,
    FiguresDone,
    FiguresJob,
    RenderJob,
    RenderResult,
    Stage,
)

if TYPE_CHECKING:
    from .controller import Controller

#: Pause after the preview before the full-resolution render starts.
FULL_DELAY_MS = 300


def edits_only(old, new) -> bool:
    """``new`` is ``old`` with hand edits appended (so the result of ``old`` can just be edited)."""
    n = len(old.edits)
    return len(new.edits) > n and new.edits[:n] == old.edits and replace(old, edits=new.edits) == new


def describe(r: RenderResult) -> str:
    """The Figures header for a shown result: which stage, what size."""
    h, w = r.indices.shape
    if r.stage == "full":
        return f"Full resolution ({w} × {h})"
    return f"{'Draft' if r.stage == 'draft' else 'Preview'} ({w} × {h}) — full resolution follows"


class RenderLoop(QObject):
    resultShown = Signal(object)  # RenderResult now on screen
    figuresChanged = Signal(object)  # Figures of the result on screen, or None (being measured)
    errorMapChanged = Signal(object)  # ErrorMap of the result on screen, or None
    stateChanged = Signal(str)

    def __init__(self, controller: Controller) -> None:
        super().__init__(controller)
        self._c = controller
        self.shown: RenderResult | None = None
        self.full: RenderResult | None = None
        self.figures: Figures | None = None
        self.error_map: ErrorMap | None = None
        self.error_mode = False  # compute error maps for what is shown
        self.render_count = 0  # renders started (tests check that bursts are coalesced)
        self.inflight: RenderJob | None = None
        self._wanted: Stage | None = None
        self._serial = 0
        self.figures_job: FiguresJob | None = None
        self.map_job: ErrorMapJob | None = None
        self._full_timer = QTimer(self)
        self._full_timer.setSingleShot(True)
        self._full_timer.setInterval(FULL_DELAY_MS)
        self._full_timer.timeout.connect(self._start_wanted)

    @property
    def busy(self) -> bool:
        return bool(self.inflight or self.figures_job or self.map_job)

    def reset(self) -> None:
        """A new document: nothing of the old one is shown any more (the error view is told
        too, or Go to Worst Region would zoom to the old image's block)."""
        had_map = self.error_map is not None
        self.shown = self.full = self.figures = self.error_map = None
        if had_map:
            self.errorMapChanged.emit(None)

    # -- scheduling --------------------------------------------------------------------------

    def request(self) -> None:
        """The settings or the document changed: render from the quickest stage up."""
        c = self._c
        self._full_timer.stop()
        for job in (self.figures_job, self.map_job):
            if job is not None:
                job.token.cancel()
        if c.document is None or c.loading is not None:
            return  # rendered when the load ends
        self._wanted = "draft" if c.document.draft_source is not c.document.preview_source else "preview"
        if self.inflight is not None:
            if self.inflight.stage != "draft":
                self.inflight.token.cancel()  # long: stop it; a draft is left to finish and be shown
            return
        self._start_wanted()

    def resume(self) -> None:
        """After a failed open or a cancelled load: make the picture match the settings again."""
        c = self._c
        if c.document is None or c.loading is not None or self.inflight is not None:
            return
        s = self.shown
        if s is None or s.options != c.options or s.doc_id != c.document.id:
            self.request()

    def carry_on(self) -> None:
        """After a failed open: the open had stopped the live loop (as Esc does); take it up
        again where it stopped, up to full resolution and its figures."""
        c = self._c
        if c.document is None or c.loading is not None:
            return
        s = self.shown
        if s is None or s.options != c.options or s.doc_id != c.document.id:
            self.request()
        elif s.stage != "full":
            self._climb(s.stage)  # a cancelled job still running starts it when it ends
            if s.stage == "draft":
                self._start_wanted()
        elif self.figures_job is None and (self.figures is None or self.figures.png_kind == "unoptimized"):
            self._send_figures(FiguresJob(s, c.document, self.figures))

    def ensure_full(self) -> None:
        """Render full resolution for the current settings now (no pause), unless it exists."""
        c = self._c
        if c.document is None or c.full_for(c.options) is not None:
            return
        running = self.inflight
        if (running is not None and running.stage == "full" and running.options == c.options
                and not running.token.cancelled):
            return
        self._full_timer.stop()
        # A draft or preview in flight finishes first, then full follows; so does a full render
        # Esc cancelled (it may still deliver: then it is shown and no second one starts).
        self._wanted = "full"
        self._start_wanted()

    @Slot()
    def _start_wanted(self) -> None:
        c = self._c
        if c.document is None or c.loading is not None or self._wanted is None or self.inflight is not None:
            return
        stage, self._wanted = self._wanted, None
        if stage == "full" and self.shown is not None and self.shown is c.full_for(c.options):
            return  # already on screen (a cancelled render delivered it after all)
        base = None
        s = self.shown
        if (s is not None and s.doc_id == c.document.id and (stage != "full" or s.stage == "full")
                and edits_only(s.options, c.options)):
            stage, base = s.stage, s  # an edit of what is on screen: shown at once, no K-means
        self._serial += 1
        self.render_count += 1
        self.inflight = RenderJob(self._serial, stage, c.document, c.options,
                                  self.error_mode and stage != "full", base)
        c.renderer.send(self.inflight)
        self.stateChanged.emit({"draft": "Updating…", "preview": "Refining the preview…",
                                "full": "Rendering full resolution…"}[stage])

    def cancel(self) -> None:
        """Stop rendering and measuring; what is shown stays."""
        self._full_timer.stop()
        self._wanted = None
        for job in (self.inflight, self.figures_job, self.map_job):
            if job is not None:
                job.token.cancel()
        if self.figures is not None and self.figures.png_kind == "fast":
            self.figures = replace(self.figures, png_kind="unoptimized")
            self.figuresChanged.emit(self.figures)
        s = self.shown
        if s is not None:
            done = s.stage == "full" and self.figures is not None
            self.stateChanged.emit(describe(s) if done else
                                   f"{describe(s).split(' — ')[0]} — cancelled (change a setting to continue)")

    # -- outcomes ----------------------------------------------------------------------------

    def on_rendered(self, r: RenderResult) -> None:
        if self.inflight is None or r.serial != self.inflight.serial:
            return
        # Esc while it ran (cancelled, nothing wanted next) but it finished before its next
        # poll: dropped, so what is shown stays and no figures start after the user said stop.
        stopped = self.inflight.token.cancelled and self._wanted is None
        self.inflight = None
        if stopped:
            return
        c = self._c
        current = c.document is not None and r.doc_id == c.document.id
        if current and (self.shown is None or r.options == c.options or self.shown.options != c.options):
            self._show(r)
        if current and r.options == c.options and self._wanted is None:
            self._climb(r.stage)
        elif current and self._wanted is None and r.options != c.options:
            self._wanted = "draft"
        self._start_wanted()

    def _climb(self, stage: Stage) -> None:
        """The settings held still while ``stage`` rendered: go one stage sharper."""
        if stage == "draft":
            self._wanted = "preview"
        elif stage == "preview":
            self._wanted = "full"
            if not self._c.writes.waiting_for(self._c.options):  # a waiting save skips the pause
                self._full_timer.start()

    def _show(self, r: RenderResult) -> None:
        c = self._c
        self.shown = r
        if r.stage == "full":
            self.full = r
            c.writes.full_ready(r)
        self.resultShown.emit(r)
        self.figures = None
        self.stateChanged.emit(describe(r))
        self.figuresChanged.emit(None)  # the rows show "—" until this result is measured
        if r.options == c.options and r.stage != "draft":
            self._send_figures(FiguresJob(r, c.document))
        self.error_map = r.error_map
        self.errorMapChanged.emit(r.error_map)
        if self.error_mode and r.error_map is None:
            self.request_error_map()

    def _send_figures(self, job: FiguresJob) -> None:
        if self.figures_job is not None:
            self.figures_job.token.cancel()
        self.figures_job = job
        self._c.writer.send(job)

    def on_figures(self, out: FiguresDone) -> None:
        job = self.figures_job
        if job is None or out.serial != job.result.serial:
            return
        self.figures_job = None
        if self.shown is not None and self.shown.serial == out.serial:
            figures = out.figures
            if job.token.cancelled and figures.png_kind == "fast":
                figures = replace(figures, png_kind="unoptimized")  # Esc came: no smallest encode now
            self.figures = figures
            self.figuresChanged.emit(figures)
            if figures.png_kind == "fast":
                # The quick size is shown; now the smallest PNG, the bytes Save will write.
                self._send_figures(FiguresJob(job.result, job.document, figures))

    # -- error map ---------------------------------------------------------------------------

    def set_error_mode(self, on: bool) -> None:
        self.error_mode = on
        if on and self.shown is not None and self.error_map is None:
            self.request_error_map()

    def request_error_map(self) -> None:
        c = self._c
        if self.shown is None or c.document is None or self.shown.doc_id != c.document.id:
            return
        if self.map_job is not None:
            self.map_job.token.cancel()
        self.map_job = ErrorMapJob(self.shown, c.document)
        c.renderer.send(self.map_job)

    def on_error_map(self, out: ErrorMapDone) -> None:
        if self.map_job is None or out.serial != self.map_job.result.serial:
            return
        self.map_job = None
        if self.shown is not None and self.shown.serial == out.serial:
            self.error_map = out.error_map
            self.errorMapChanged.emit(out.error_map)

    def on_ended(self, job, failed: bool) -> bool:
        """A job of the loop was cancelled or failed; True if it was one of the loop's."""
        if job is self.inflight:
            self.inflight = None
            if not failed and self._wanted is not None:
                self._start_wanted()
            elif failed:
                self.stateChanged.emit("Not rendered: see the message above")
        elif job is self.figures_job:
            self.figures_job = None
        elif job is self.map_job:
            self.map_job = None
        else:
            return False
        return True
