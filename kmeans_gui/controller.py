"""The controller: the document, the settings, the user's requests, and the two workers.

State, all of it here or one attribute away:

- ``document``: the image shown (``None`` before the first open); ``loading``: the open in
  flight. A settings change never cancels a load: the newest settings render once it is in.
- ``options``: the settings the controls show (one Qt-free ``CompressOptions``).
- ``loop`` (:mod:`kmeans_gui.render_loop`): the stages rendered and shown (draft / preview /
  full, each tagged with the options it was made for) and their figures.
- ``writes`` (:mod:`kmeans_gui.write_requests`): the user's save and export requests.

Two workers: the renderer (loads, the live loop's stages, error maps, and exports of a palette
already computed, a matter of milliseconds) and the writer (figures, saves, exports that need
their own render, batches), so an encode or a save never holds up the pictures of a drag.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot

from core.palette_edit import locks_after_edits
from core.pipeline import CompressOptions

from . import encoder_process
from .jobs import (
    BatchDone,
    BatchJob,
    CallDone,
    CallJob,
    Document,
    ErrorMapDone,
    ExportJob,
    FiguresDone,
    JobCancelled,
    JobFailed,
    Loaded,
    LoadFailed,
    LoadJob,
    RenderJob,
    RenderResult,
    SaveJob,
    WriteDone,
)
from .render_loop import RenderLoop
from .worker import WorkerThread
from .write_requests import WriteRequests

_WRITING = {SaveJob: "saving", ExportJob: "exporting"}


class Controller(QObject):
    documentChanged = Signal(object)  # Document
    optionsReverted = Signal(object)  # CompressOptions: Esc put the controls back to what is shown
    cancelled = Signal()  # Esc: everything the user asked for that still needed computing stopped
    renderFailed = Signal(str)  # a render of the live loop failed (the message also goes to errorOccurred)
    busyChanged = Signal(bool)
    progressChanged = Signal(float, str)
    loadFailed = Signal(str)
    loadCancelled = Signal(str)  # the name of the file whose open Esc stopped
    errorOccurred = Signal(str)
    writeFinished = Signal(object, object)  # WriteDone, kind ("save" | "export")
    batchFinished = Signal(object)  # BatchDone (the results, and whether Esc cut it short)
    batchCancelled = Signal()
    callFinished = Signal(str, object)  # tag, payload of run_call's function
    callEnded = Signal(str, str)  # tag, why it ended without a payload ("cancelled" or a message)
    batchProgress = Signal(float, str)  # the running batch's own progress (its dialog shows it)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.options = CompressOptions()
        self.document: Document | None = None
        self.loading: LoadJob | None = None
        self._requests = 0
        self._batch: BatchJob | None = None
        self._call: CallJob | None = None
        self._writing: SaveJob | ExportJob | None = None  # the write whose progress the bar shows

        self.renderer = WorkerThread("kmeans-render", self)
        self.writer = WorkerThread("kmeans-writer", self)
        # Compress Files runs on a thread of its own: on the writer it held up the window's
        # figures and saves until the whole batch had ended.
        self.batcher = WorkerThread("kmeans-batch", self)
        for t in (self.renderer, self.writer, self.batcher):
            t.worker.outcome.connect(self._on_outcome)
            t.worker.progress.connect(self._on_progress)
        self.writes = WriteRequests(self.writer, self)
        self.writes.finished.connect(self._write_finished)
        self.loop = RenderLoop(self)
        # The loop's signals, re-exported: the window listens to the controller only.
        self.resultShown = self.loop.resultShown
        self.figuresChanged = self.loop.figuresChanged
        self.errorMapChanged = self.loop.errorMapChanged
        self.stateChanged = self.loop.stateChanged
        self._handlers = {Loaded: self._loaded, LoadFailed: self._load_failed, RenderResult: self.loop.on_rendered,
                          FiguresDone: self.loop.on_figures, ErrorMapDone: self.loop.on_error_map,
                          WriteDone: self.writes.on_done, BatchDone: self._batch_done, CallDone: self._call_done,
                          JobCancelled: self._cancelled, JobFailed: self._failed}

    # -- what the loop shows ---------------------------------------------------------------

    @property
    def shown(self) -> RenderResult | None:
        return self.loop.shown

    @property
    def full(self) -> RenderResult | None:
        return self.loop.full

    @property
    def figures(self):
        return self.loop.figures

    @property
    def render_count(self) -> int:
        return self.loop.render_count

    # -- state queries ---------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return bool(self.loading or self.loop.busy or self.writes.pending or self._batch or self._call)

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

    def open_image(self, image, name: str) -> None:
        """Open a QImage (clipboard, drop); it is encoded for the core's loader in the worker."""
        self._open(LoadJob(self._next_request(), image=image, name=name))

    def _open(self, job: LoadJob) -> None:
        if self.loading is not None:
            self.loading.token.cancel()  # the newest open wins
        self.loading = job
        self.loop.cancel()  # the old document's render would only delay the load
        self.writes.settings_changed()  # requests waiting for that render: the writer renders them
        self.renderer.send(job)
        self.progressChanged.emit(0.0, "opening")
        self._emit_busy()

    def _next_request(self) -> int:
        self._requests += 1
        return self._requests

    def _loaded(self, out: Loaded) -> None:
        if self.loading is None or out.request != self.loading.request:
            return
        if self.loading.token.cancelled:  # Esc came while the image was being prepared
            self._cancelled(JobCancelled(self.loading))
            return
        self.loading = None
        self.document = out.document
        if self.options.edits:  # hand edits belong to the image they were made on; the locks
            # become what the user saw (a deleted one gone, a recolored one on its new color)
            o = self.options
            self.options = replace(o, edits=(), fixed=locks_after_edits(o.fixed, o.edits))
            self.optionsReverted.emit(self.options)
        self.loop.reset()
        self.writes.settings_changed()
        self.documentChanged.emit(out.document)
        self.request_render()

    def _load_failed(self, out: LoadFailed) -> None:
        if self.loading is None or out.request != self.loading.request:
            return
        self.loading = None
        self.loadFailed.emit(out.message)
        self.loop.carry_on()

    # -- settings and the live loop ----------------------------------------------------------

    def set_options(self, **changes) -> None:
        new = replace(self.options, **changes)
        if new == self.options:
            return
        if not new.palette and len(new.fixed) > new.k:
            # The core refuses more fixed colors than K: say so and keep what is shown.
            self.errorOccurred.emit(f"K = {new.k} is below the {len(new.fixed)} locked colors: unlock colors "
                                    "first (palette: L or right-click)")
            self.optionsReverted.emit(self.options)
            return
        if self._call is not None and self._call.tag == "fit":
            self._call.token.cancel()  # the user chose something else: Fit in Size must not override it
        self.options = new
        self.writes.settings_changed()
        self.request_render()

    def request_render(self) -> None:
        self.loop.request()

    def ensure_full(self) -> None:
        self.loop.ensure_full()

    # -- cancel ----------------------------------------------------------------------------

    def cancel(self) -> None:
        """Esc: stop all computation. What is shown stays, with the settings that made it."""
        self.loop.cancel()
        self.writes.cancel_all("cancelled (Esc)")
        for job in (self._batch, self._call, self.loading):
            if job is not None:
                job.token.cancel()
        s = self.shown
        if s is not None and s.options != self.options:
            self.options = s.options  # the controls go back to what made the picture
            self.optionsReverted.emit(s.options)
        self._emit_busy()  # Esc may have ended only queued requests: no outcome will follow
        self.cancelled.emit()

    def cancel_batch(self) -> None:
        """The batch dialog's Cancel: stop the batch only (files already written are kept);
        renders, saves and exports the user asked for go on."""
        if self._batch is not None:
            self._batch.token.cancel()

    # -- outcomes from the workers ---------------------------------------------------------

    @Slot(object)
    def _on_outcome(self, outcome) -> None:
        self._handlers[type(outcome)](outcome)
        self._emit_busy()

    def _cancelled(self, out: JobCancelled) -> None:
        job = out.job
        if self.loop.on_ended(job, failed=False):
            return
        if job is self.loading:
            self.loading = None
            self.loadCancelled.emit(job.path.name if job.path is not None else job.name)
            self.loop.resume()
        elif job is self._batch:
            self._batch = None
            self.batchCancelled.emit()
        elif job is self._call:
            self._call = None
            self.callEnded.emit(job.tag, "cancelled")
        else:
            self.writes.on_cancelled(job)

    def _failed(self, out: JobFailed) -> None:
        job = out.job
        if self.loop.on_ended(job, failed=True):
            self.writes.settings_changed()  # requests waiting for the failed render: the writer tries
            self.errorOccurred.emit(out.message)
            if isinstance(job, RenderJob):  # (a figures or error-map job failing leaves the render)
                self.renderFailed.emit(out.message)
        elif job is self._batch:
            self._batch = None
            self.batchCancelled.emit()  # closes the progress dialog
            self.errorOccurred.emit(out.message)
        elif job is self._call:
            self._call = None
            self.callEnded.emit(job.tag, out.message)
        elif not self.writes.on_failed(job, out.message) and job is self.loading:
            self.loading = None
            self.loadFailed.emit(out.message)
            self.loop.carry_on()

    @Slot(object, float, str)
    def _on_progress(self, job, fraction: float, stage: str) -> None:
        if isinstance(job, (SaveJob, ExportJob)):
            if self.writes.in_flight(job):
                # A write rendering its own result (its settings are no longer shown): the bar
                # is its own until it ends; the live loop's renders meanwhile are not shown.
                self._writing = job
                self.progressChanged.emit(0.9 * fraction, f"{_WRITING[type(job)]} {job.path.name}: {stage}")
        elif job is self.loop.inflight and job.stage == "full":
            if self._writing is None or not self.writes.in_flight(self._writing):
                self.progressChanged.emit(0.9 * fraction, stage)
        elif job is self._batch:
            self.batchProgress.emit(fraction, stage)
        elif job is self._call:
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
        self.batcher.send(self._batch)
        self._emit_busy()

    def run_call(self, tag: str, fn) -> None:
        """Run ``fn(should_stop, progress)`` in the writer (one at a time; Esc cancels it)."""
        if self._call is not None:
            self._call.token.cancel()
        self._call = CallJob(tag, fn)
        self.writer.send(self._call)
        self._emit_busy()

    def _call_done(self, out: CallDone) -> None:
        if out.job is self._call:
            self._call = None
            self.callFinished.emit(out.tag, out.payload)

    def _batch_done(self, out: BatchDone) -> None:
        self._batch = None
        self.batchFinished.emit(out)

    # -- shutdown --------------------------------------------------------------------------

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Cancel everything and join the threads; False if one is still busy after the timeout."""
        self.loop.cancel()
        for job in (self._batch, self._call, self.loading):
            if job is not None:
                job.token.cancel()
        self.writes.shutdown()
        threads = (self.renderer, self.writer, self.batcher)
        for t in threads:
            t.thread.quit()  # all asked at once; then one deadline for all of them
        deadline = time.monotonic() + timeout_ms / 1000
        ok = True
        for t in threads:
            ok = t.stop(max(0, int((deadline - time.monotonic()) * 1000))) and ok
        encoder_process.shutdown()
        return ok

    def threads_running(self) -> bool:
        return self.renderer.running() or self.writer.running() or self.batcher.running()
