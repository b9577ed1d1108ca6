"""The controller: current document and settings, debounce, generations, the worker thread.

Widgets never call the core; the main window calls this, and this talks to the worker only
through queued signals. A settings change renders at once if the previous one is older than the
debounce interval; changes inside it are coalesced into one render when the interval ends. Each preview job (on the ~1 MP copy) gets a new generation; once the preview is
shown and the user pauses, a full-resolution job follows. Anything stale is dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from core.io import LoadedImage

from .worker import Job, Params, RenderResult, Worker

DEBOUNCE_MS = 60
FULL_DELAY_MS = 350


class Controller(QObject):
    submit = Signal(object)  # Job -> worker (queued)

    documentChanged = Signal(object)  # LoadedImage
    previewChanged = Signal(object)  # RenderResult (preview or full)
    statsChanged = Signal(object)  # dict
    busyChanged = Signal(bool)
    progressChanged = Signal(float, str)
    errorOccurred = Signal(str)
    saved = Signal(object)  # SaveResult
    exported = Signal(object)  # Path
    batchFinished = Signal(object)  # list[CompressResult]
    callFinished = Signal(str, object)  # tag, payload
    jobCancelled = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.params = Params()
        self.document: LoadedImage | None = None
        self.preview_source: np.ndarray | None = None
        self.original_images: tuple | None = None  # (full QImage, display QImage)
        self.current: RenderResult | None = None  # what the view shows
        self.full: RenderResult | None = None  # full-resolution result for the current params
        self.stats: dict = {}
        self._generation = 0
        self._pending: set[int] = set()
        self._pending_save: tuple[Path, str | None] | None = None
        self.render_count = 0  # renders started (tests check that bursts are coalesced)

        self._thread = QThread()
        self._thread.setObjectName("kmeans-worker")
        self.worker = Worker(self.latest_generation)
        self.worker.moveToThread(self._thread)
        self.submit.connect(self.worker.run)
        self.worker.rendered.connect(self._on_rendered)
        self.worker.statsReady.connect(self._on_stats)
        self.worker.progress.connect(self._on_progress)
        self.worker.failed.connect(self._on_failed)
        self.worker.cancelled.connect(self._on_cancelled)
        self.worker.done.connect(self._on_done)
        self.worker.finished.connect(self._finish)
        self._thread.start()

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._on_debounce)
        self._dirty = False
        self._full_timer = QTimer(self)
        self._full_timer.setSingleShot(True)
        self._full_timer.setInterval(FULL_DELAY_MS)
        self._full_timer.timeout.connect(self._start_full)

    # -- generations ---------------------------------------------------------------------

    def latest_generation(self) -> int:
        return self._generation  # read from the worker thread: an int read is atomic

    def _next(self) -> int:
        self._generation += 1
        return self._generation

    def _send(self, job: Job) -> None:
        self._pending.add(job.generation)
        self.busyChanged.emit(True)
        self.submit.emit(job)

    @Slot(int)
    def _finish(self, generation: int) -> None:
        self._pending.discard(generation)
        if not self._pending:
            self.busyChanged.emit(False)

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    # -- document ------------------------------------------------------------------------

    def open_path(self, path: str | Path) -> None:
        self._debounce.stop()
        self._full_timer.stop()
        self._send(Job(self._next(), "load", path=Path(path)))

    def open_bytes(self, data: bytes, name: str = "pasted image") -> None:
        self._send(Job(self._next(), "load", extra={"data": data, "name": name}))

    def set_document(self, loaded: LoadedImage, preview: np.ndarray, originals: tuple | None = None) -> None:
        self.document = loaded
        self.preview_source = preview
        self.original_images = originals
        self.current = self.full = None
        self.documentChanged.emit(loaded)
        self.request_render(immediate=True)

    # -- settings ------------------------------------------------------------------------

    def set_params(self, **changes) -> None:
        new = replace(self.params, **changes)
        if new == self.params:
            return
        self.params = new
        self.request_render()

    def request_render(self, immediate: bool = False) -> None:
        self._full_timer.stop()
        if self.document is None:
            self._next()  # nothing to show: just make anything in flight stale
            return
        if immediate or not self._debounce.isActive():
            # Leading edge: an isolated change renders at once (starting it makes older work
            # stale). Changes inside the interval only mark the settings dirty: the render in
            # flight is left to finish and be shown, and the newest settings render when the
            # interval ends, so a continuous drag shows a preview every interval or so instead
            # of cancelling every render before it can finish.
            self._dirty = False
            self._start_preview()
            self._debounce.start()
        else:
            self._dirty = True

    def cancel(self) -> None:
        """Stop whatever runs: renders become stale, a save or batch stops at its next file."""
        self._debounce.stop()
        self._full_timer.stop()
        self._pending_save = None
        self._next()
        self.worker.cancel_running_always_job()

    @Slot()
    def _on_debounce(self) -> None:
        if self._dirty:
            self._dirty = False
            self._start_preview()
            self._debounce.start()  # keep throttling while changes keep coming

    @Slot()
    def _start_preview(self) -> None:
        if self.document is None or self.preview_source is None:
            return
        self.render_count += 1
        self._send(self._render_job("preview", self.preview_source))

    @Slot()
    def _start_full(self) -> None:
        if self.document is None:
            return
        self._send(self._render_job("full", self.document.pixels))

    def _render_job(self, kind: str, pixels: np.ndarray) -> Job:
        doc = self.document
        return Job(self._next(), kind, self.params, pixels, full_pixels=doc.width * doc.height,
                   original_bytes=doc.file_bytes, extra={"full_size": (doc.height, doc.width)})

    def ensure_full(self) -> None:
        """Start the full-resolution render now if it is not ready or running."""
        if self.full is not None and self.full.params == self.params:
            return
        self._full_timer.stop()
        self._start_full()

    # -- writing -------------------------------------------------------------------------

    def save(self, path: str | Path, fmt: str | None = None) -> None:
        """Save the full-resolution result (rendering it first if needed)."""
        if self.document is None:
            self.errorOccurred.emit("Nothing to save: open an image first")
            return
        if self.full is not None and self.full.params == self.params:
            self._send(Job(self._generation, "save", path=Path(path), always=True,
                           extra={"result": self.full, "loaded": self.document, "fmt": fmt}))
        else:
            self._pending_save = (Path(path), fmt)
            self.ensure_full()

    def export_palette(self, path: str | Path, sort: str = "frequency") -> None:
        result = self.full if (self.full is not None and self.full.params == self.params) else self.current
        if result is None:
            self.errorOccurred.emit("No palette yet: open an image first")
            return
        self._send(Job(self._generation, "export", path=Path(path), always=True,
                       extra={"palette": result.palette, "counts": result.counts, "sort": sort}))

    def run_batch(self, files: list[Path], out_dir: Path | None, options) -> None:
        self._send(Job(self._generation, "batch", always=True,
                       extra={"files": files, "out_dir": out_dir, "options": options}))

    def run_call(self, tag: str, fn: Callable, *, cancellable_by_render: bool = False) -> int:
        """Run ``fn(should_stop, progress)`` in the worker; ``callFinished(tag, payload)`` follows."""
        gen = self._next() if cancellable_by_render else self._generation
        self._send(Job(gen, "call", always=not cancellable_by_render, extra={"fn": fn, "tag": tag}))
        return gen

    # -- results from the worker ------------------------------------------------------------

    @Slot(object)
    def _on_rendered(self, result: RenderResult) -> None:
        if result.generation != self._generation:
            return  # stale: newer work has started since
        if result.kind == "full" and result.params != self.params:
            return  # a full render is only kept for the settings now shown
        # A preview for settings changed a moment ago is still the newest picture: show it
        # (the render for the newest settings follows when the debounce interval ends).
        self.current = result
        if result.kind == "full":
            self.full = result
            if self._pending_save is not None:
                path, fmt = self._pending_save
                self._pending_save = None
                self.save(path, fmt)
        elif result.kind == "preview" and result.params == self.params:
            self._full_timer.start()
        self.previewChanged.emit(result)

    @Slot(int, object)
    def _on_stats(self, generation: int, stats: dict) -> None:
        if self.current is None or generation != self.current.generation:
            return
        self.stats = stats
        self.statsChanged.emit(stats)

    @Slot(int, float, str)
    def _on_progress(self, generation: int, fraction: float, stage: str) -> None:
        if generation == self._generation or generation in self._pending:
            self.progressChanged.emit(fraction, stage)

    @Slot(int, str, str)
    def _on_failed(self, generation: int, kind: str, message: str) -> None:
        if kind == "save":
            self._pending_save = None
        if kind in ("preview", "full", "load") and generation != self._generation:
            return
        self.errorOccurred.emit(message)

    @Slot(int, str)
    def _on_cancelled(self, generation: int, kind: str) -> None:
        self.jobCancelled.emit(kind)

    @Slot(int, str, object)
    def _on_done(self, generation: int, kind: str, payload: object) -> None:
        if kind == "load":
            if generation == self._generation:
                loaded, preview, before, before_display = payload
                self.set_document(loaded, preview, (before, before_display))
        elif kind == "save":
            self.saved.emit(payload)
        elif kind == "export":
            self.exported.emit(payload)
        elif kind == "batch":
            self.batchFinished.emit(payload)
        else:
            self.callFinished.emit(kind, payload)

    # -- shutdown ------------------------------------------------------------------------

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Cancel everything and join the worker thread (call from closeEvent)."""
        self._debounce.stop()
        self._full_timer.stop()
        self._next()
        self.worker.cancel_running_always_job()
        self._thread.quit()
        return self._thread.wait(timeout_ms)
