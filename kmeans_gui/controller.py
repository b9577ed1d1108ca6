"""The controller: the document, the settings, the live loop's stages, and the two workers.

State, all of it here:

- ``document``: the image shown (``None`` before the first open); ``loading``: the open in
  flight. A settings change never cancels a load: the newest settings render once it is in.
- ``options``: the settings the controls show (one Qt-free ``CompressOptions``).
- ``shown``: the result on screen, tagged with its stage and the options it was made for;
  ``full``: the full-resolution result for (document, options) once it exists.
- ``writes``: the user's save and export requests (see :mod:`kmeans_gui.write_requests`).

The live loop (render worker): a change starts a **draft** render of a small copy at once if
nothing renders; a draft in flight is never cancelled (it is short), so a continuous drag shows
one picture per draft instead of none. When a render ends with the settings unchanged, the loop
climbs a stage: draft -> **preview** (about the window's size) -> **full** after a pause. A
change cancels a preview or full render in flight and starts again from a draft. Figures for a
result are computed by the writer thread, after the picture is shown.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from core.pipeline import CompressOptions

from . import encoder_process
from .jobs import (
    BatchDone,
    BatchJob,
    Document,
    Figures,
    FiguresDone,
    FiguresJob,
    JobCancelled,
    JobFailed,
    Loaded,
    LoadFailed,
    LoadJob,
    RenderJob,
    RenderResult,
    Stage,
    WriteDone,
)
from .worker import WorkerThread
from .write_requests import WriteRequests

#: Pause after the preview before the full-resolution render starts.
FULL_DELAY_MS = 300


class Controller(QObject):
    documentChanged = Signal(object)  # Document
    resultShown = Signal(object)  # RenderResult now on screen
    figuresChanged = Signal(object)  # Figures of the result on screen, or None (being measured)
    stateChanged = Signal(str)  # what the view shows, in words ("Preview", "Cancelled", ...)
    optionsReverted = Signal(object)  # CompressOptions: Esc put the controls back to what is shown
    busyChanged = Signal(bool)
    progressChanged = Signal(float, str)
    loadFailed = Signal(str)
    errorOccurred = Signal(str)
    writeFinished = Signal(object, object)  # WriteDone, kind ("save" | "export")
    batchFinished = Signal(object)  # tuple[CompressResult, ...]
    batchCancelled = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.options = CompressOptions()
        self.document: Document | None = None
        self.loading: LoadJob | None = None
        self.shown: RenderResult | None = None
        self.full: RenderResult | None = None
        self.figures: Figures | None = None
        self.render_count = 0  # renders started (tests check that bursts are coalesced)
        self._requests = 0
        self._serial = 0
        self._inflight: RenderJob | None = None
        self._wanted: Stage | None = None  # the stage to render next for the current options
        self._figures_job: FiguresJob | None = None
        self._batch: BatchJob | None = None

        self.renderer = WorkerThread("kmeans-render", self)
        self.writer = WorkerThread("kmeans-writer", self)
        for t in (self.renderer, self.writer):
            t.worker.outcome.connect(self._on_outcome)
            t.worker.progress.connect(self._on_progress)
        self.writes = WriteRequests(self.writer, self)
        self.writes.finished.connect(self._write_finished)
        self._full_timer = QTimer(self)
        self._full_timer.setSingleShot(True)
        self._full_timer.setInterval(FULL_DELAY_MS)
        self._full_timer.timeout.connect(self._start_wanted)
        self._handlers = {Loaded: self._loaded, LoadFailed: self._load_failed, RenderResult: self._rendered,
                          FiguresDone: self._figures_done, WriteDone: self.writes.on_done,
                          BatchDone: self._batch_done, JobCancelled: self._cancelled, JobFailed: self._failed}

    # -- state queries ---------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return bool(self.loading or self._inflight or self._figures_job or self.writes.pending or self._batch)

    def _emit_busy(self) -> None:
        self.busyChanged.emit(self.busy)

    def full_for(self, options: CompressOptions) -> RenderResult | None:
        """The full-resolution result for the open document and ``options``, if rendered."""
        f = self.full
        ok = f is not None and self.document is not None and f.doc_id == self.document.id and f.options == options
        return f if ok else None

    # -- document --------------------------------------------------------------------------

    def open_path(self, path: str | Path) -> None:
        self._open(LoadJob(self._next_request(), path=Path(path)))

    def open_bytes(self, data: bytes, name: str = "pasted image") -> None:
        self._open(LoadJob(self._next_request(), data=data, name=name))

    def _open(self, job: LoadJob) -> None:
        if self.loading is not None:
            self.loading.token.cancel()  # the newest open wins
        self.loading = job
        self._cancel_render()  # the old document's render would only delay the load
        self.renderer.send(job)
        self.progressChanged.emit(0.0, "opening")
        self._emit_busy()

    def _next_request(self) -> int:
        self._requests += 1
        return self._requests

    def _loaded(self, out: Loaded) -> None:
        if self.loading is None or out.request != self.loading.request:
            return
        self.loading = None
        self.document = out.document
        self.shown = self.full = self.figures = None
        self.writes.settings_changed()
        encoder_process.warm_up()
        self.documentChanged.emit(out.document)
        self.request_render()

    def _load_failed(self, out: LoadFailed) -> None:
        if self.loading is None or out.request != self.loading.request:
            return
        self.loading = None
        self.loadFailed.emit(out.message)
        self._resume()

    # -- settings and the live loop ----------------------------------------------------------

    def set_options(self, **changes) -> None:
        new = replace(self.options, **changes)
        if new == self.options:
            return
        self.options = new
        self.writes.settings_changed()
        self.request_render()

    def request_render(self) -> None:
        """The settings or the document changed: render from the quickest stage up."""
        self._full_timer.stop()
        if self._figures_job is not None:
            self._figures_job.token.cancel()
        if self.document is None or self.loading is not None:
            return  # rendered when the load ends
        self._wanted = "draft" if self.document.draft_source is not self.document.preview_source else "preview"
        if self._inflight is not None:
            if self._inflight.stage != "draft":
                self._inflight.token.cancel()  # long: stop it; a draft is left to finish and be shown
            return
        self._start_wanted()

    def _resume(self) -> None:
        """After a failed open or a cancelled render: make the picture match the settings again."""
        if self.document is None or self.loading is not None or self._inflight is not None:
            return
        s = self.shown
        if s is None or s.options != self.options or s.doc_id != self.document.id:
            self.request_render()

    @Slot()
    def _start_wanted(self) -> None:
        if self.document is None or self.loading is not None or self._wanted is None or self._inflight is not None:
            return
        stage, self._wanted = self._wanted, None
        self._serial += 1
        self.render_count += 1
        self._inflight = RenderJob(self._serial, stage, self.document, self.options)
        self.renderer.send(self._inflight)
        self.stateChanged.emit(self._describe_work(stage))
        self._emit_busy()

    def _describe_work(self, stage: Stage) -> str:
        return {"draft": "Updating…", "preview": "Refining the preview…",
                "full": "Rendering full resolution…"}[stage]

    def _cancel_render(self) -> None:
        self._full_timer.stop()
        self._wanted = None
        if self._inflight is not None:
            self._inflight.token.cancel()

    def _rendered(self, r: RenderResult) -> None:
        if self._inflight is None or r.serial != self._inflight.serial:
            return
        self._inflight = None
        current = self.document is not None and r.doc_id == self.document.id
        if current and (self.shown is None or r.options == self.options or self.shown.options != self.options):
            # A picture for settings changed a moment ago is still the newest one: show it,
            # unless the screen already shows the current settings.
            self._show(r)
        if current and r.options == self.options and self._wanted is None:
            self._climb(r.stage)
        elif current and self._wanted is None and r.options != self.options:
            self._wanted = "draft"
        self._start_wanted()
        self._emit_busy()

    def _climb(self, stage: Stage) -> None:
        """The settings held still while ``stage`` rendered: go one stage sharper."""
        if stage == "draft":
            self._wanted = "preview"
        elif stage == "preview":
            self._wanted = "full"
            if self.writes.waiting_for(self.options):
                return  # a save is waiting for this: no pause
            self._full_timer.start()

    def _show(self, r: RenderResult) -> None:
        self.shown = r
        if r.stage == "full":
            self.full = r
            self.writes.full_ready(r)
        self.resultShown.emit(r)
        self.figures = None
        self.stateChanged.emit(self._describe_shown(r))
        if r.options == self.options and r.stage != "draft":
            self._measure(r)
        else:
            self.figuresChanged.emit(None)

    def _describe_shown(self, r: RenderResult) -> str:
        h, w = r.indices.shape
        if r.stage == "full":
            return f"Full resolution ({w} × {h})"
        return f"{'Draft' if r.stage == 'draft' else 'Preview'} ({w} × {h}) — full resolution follows"

    def _measure(self, r: RenderResult) -> None:
        if self._figures_job is not None:
            self._figures_job.token.cancel()
        self._figures_job = FiguresJob(r, self.document)
        self.writer.send(self._figures_job)

    def _figures_done(self, out: FiguresDone) -> None:
        job = self._figures_job
        if job is None or out.serial != job.result.serial:
            return
        self._figures_job = None
        if self.shown is not None and self.shown.serial == out.serial:
            self.figures = out.figures
            self.figuresChanged.emit(out.figures)
            if out.figures.png_kind == "fast":
                # The quick size is shown; now the smallest PNG, the bytes Save will write.
                self._figures_job = FiguresJob(job.result, job.document, out.figures)
                self.writer.send(self._figures_job)
        self._emit_busy()

    def ensure_full(self) -> None:
        """Render full resolution for the current settings now (no pause), unless it exists."""
        if self.document is None or self.full_for(self.options) is not None:
            return
        if self._inflight is not None and self._inflight.stage == "full" and self._inflight.options == self.options:
            return
        self._full_timer.stop()
        self._wanted = "full"  # a draft or preview in flight finishes first, then full follows
        self._start_wanted()

    # -- cancel ----------------------------------------------------------------------------

    def cancel(self) -> None:
        """Esc: stop all computation. What is shown stays, with the settings that made it."""
        self._cancel_render()
        if self._figures_job is not None:
            self._figures_job.token.cancel()
        self.writes.cancel_all("cancelled (Esc)")
        if self._batch is not None:
            self._batch.token.cancel()
        if self.loading is not None:
            self.loading.token.cancel()
        s = self.shown
        if s is not None and s.options != self.options:
            self.options = s.options  # the controls go back to what made the picture
            self.optionsReverted.emit(s.options)
        if self.figures is not None and self.figures.png_kind == "fast":
            self.figures = replace(self.figures, png_kind="unoptimized")
            self.figuresChanged.emit(self.figures)
        if s is not None and (s.stage != "full" or self.figures is None):
            self.stateChanged.emit(f"{self._describe_shown(s).split(' — ')[0]} — cancelled (change a setting to "
                                   "continue)")

    # -- outcomes from the workers ---------------------------------------------------------

    @Slot(object)
    def _on_outcome(self, outcome) -> None:
        self._handlers[type(outcome)](outcome)
        self._emit_busy()

    def _cancelled(self, out: JobCancelled) -> None:
        job = out.job
        if job is self._inflight:
            self._inflight = None
            if self._wanted is not None:
                self._start_wanted()
        elif job is self.loading:
            self.loading = None
            self._resume()
        elif job is self._figures_job:
            self._figures_job = None
        elif job is self._batch:
            self._batch = None
            self.batchCancelled.emit()
        else:
            self.writes.on_cancelled(job)

    def _failed(self, out: JobFailed) -> None:
        job = out.job
        if job is self._inflight:
            self._inflight = None
            self.errorOccurred.emit(out.message)
        elif job is self._figures_job:
            self._figures_job = None
            self.errorOccurred.emit(out.message)
        elif job is self._batch:
            self._batch = None
            self.errorOccurred.emit(out.message)
        elif not self.writes.on_failed(job, out.message) and job is self.loading:
            self.loading = None
            self.loadFailed.emit(out.message)

    @Slot(object, float, str)
    def _on_progress(self, job, fraction: float, stage: str) -> None:
        if job is self._inflight and job.stage == "full":
            self.progressChanged.emit(0.9 * fraction, stage)
        elif job is self._batch:
            self.progressChanged.emit(fraction, stage)

    # -- writing ---------------------------------------------------------------------------

    def save(self, path: str | Path, fmt: str | None = None, *, skip_if_larger: bool = False) -> int:
        """Save what the window shows (at full resolution); returns the request's number."""
        return self.writes.save(Path(path), fmt, skip_if_larger)

    def export_palette(self, path: str | Path, sort: str = "frequency") -> int:
        return self.writes.export(Path(path), sort)

    @Slot(object, object)
    def _write_finished(self, done: WriteDone, kind: str) -> None:
        self.writeFinished.emit(done, kind)

    def run_batch(self, files: list[Path], out_dir: Path | None, options: CompressOptions) -> None:
        self._batch = BatchJob(tuple(files), out_dir, options)
        self.writer.send(self._batch)
        self._emit_busy()

    def _batch_done(self, out: BatchDone) -> None:
        self._batch = None
        self.batchFinished.emit(out.results)

    # -- shutdown --------------------------------------------------------------------------

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Cancel everything and join both threads; False if one is still busy after the timeout."""
        self._full_timer.stop()
        self._cancel_render()
        if self._figures_job is not None:
            self._figures_job.token.cancel()
        if self.loading is not None:
            self.loading.token.cancel()
        if self._batch is not None:
            self._batch.token.cancel()
        self.writes.shutdown()
        ok = self.renderer.stop(timeout_ms)
        ok = self.writer.stop(timeout_ms) and ok
        encoder_process.shutdown()
        return ok

    def threads_running(self) -> bool:
        return self.renderer.running() or self.writer.running()
