"""The user's save and export requests, from the click to exactly one :class:`WriteDone`.

A request is bound to the document and the settings shown when it was made. If the full
result for them exists it is sent to the writer at once (an export of a known palette to the
renderer, which is free far more often); if the live loop is about to render it
(same document and settings still shown) the request waits for that render instead of doing
the work twice; if the settings or the document change first, the request goes to the writer,
which renders its own full result. Esc cancels requests that still need computing (they end as
"cancelled"); requests whose result is known are completed. Requests for one file are written
in the order they were made: one goes out only once the one before it has ended (the renderer
and the writer are two queues, and a fast export would otherwise land before a slow older one,
which would then replace it).
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from core.io import SaveError, format_for_path
from core.palette import export_format_for
from core.write_guard import WriteRefused

from .jobs import ExportJob, RenderResult, SaveJob, WriteDone
from .worker import WorkerThread
from .writing import check_destination, describe_failure

if TYPE_CHECKING:
    from core.pipeline import CompressOptions

    from .controller import Controller

WriteJob = SaveJob | ExportJob


def _file(path: Path) -> str:
    """One key for the names of one file (``./a.png`` and ``a.png``; symlinked folders)."""
    return os.path.realpath(path)


def _kind(job: WriteJob) -> str:
    return "save" if isinstance(job, SaveJob) else "export"


class WriteRequests(QObject):
    finished = Signal(object, object)  # WriteDone, kind ("save" | "export"): once per request

    def __init__(self, writer: WorkerThread, controller: Controller) -> None:
        super().__init__(controller)
        self._writer = writer
        self._c = controller
        self._parked: list[WriteJob] = []  # waiting for the live loop's full render
        self._sent: dict[int, WriteJob] = {}  # request -> job in the writer
        self._queued: list[WriteJob] = []  # ready, waiting for an earlier request for its file

    @property
    def pending(self) -> bool:
        return bool(self._parked or self._sent or self._queued)

    def in_flight(self, job) -> bool:
        """Whether ``job`` is a request sent and not yet ended (not a stale one)."""
        return self._sent.get(getattr(job, "request", None)) is job

    # -- new requests ------------------------------------------------------------------------

    def save(self, path: Path, fmt: str | None, skip_if_larger: bool) -> int:
        return self._request("save", path, "Nothing to save: open an image first", lambda: format_for_path(path, fmt),
                             lambda req, c: SaveJob(req, path, fmt, c.document, c.options, c.full_for(c.options),
                                                    skip_if_larger))

    def export(self, path: Path, sort: str) -> int:
        return self._request("export", path, "No palette yet: open an image first", lambda: export_format_for(path),
                             lambda req, c: ExportJob(req, path, sort, c.document, c.options,
                                                      c.full_for(c.options)))

    def _request(self, kind: str, path: Path, no_document: str, check_format, make_job) -> int:
        """A new request: refused at once (one message) or dispatched; returns its number."""
        c = self._c
        req = c._next_request()
        if c.document is None:
            self._end(WriteDone(req, path, "", no_document), kind)
            return req
        try:
            check_format()
            check_destination(path, c.document)
        except (ValueError, SaveError, WriteRefused) as e:
            self._end(WriteDone(req, path, "", describe_failure(e)), kind)
            return req
        self._dispatch(make_job(req, c))
        return req

    def _dispatch(self, job: WriteJob) -> None:
        c = self._c
        if job.result is None and job.document is c.document and job.options == c.options and c.loading is None:
            self._parked.append(job)
            c.ensure_full()
        else:
            self._send(job)

    def _send(self, job: WriteJob) -> None:
        target = _file(job.path)
        if any(_file(j.path) == target for j in (*self._sent.values(), *self._queued)):
            self._queued.append(job)  # after the request in flight for this file
            return
        self._sent[job.request] = job
        if isinstance(job, ExportJob) and job.result is not None:
            # Writing a known palette takes milliseconds: the renderer does it, so it never
            # waits seconds behind the writer's smallest-PNG encode of the figures.
            self._c.renderer.send(job)
        else:
            self._writer.send(job)

    # -- the live loop's news ------------------------------------------------------------------

    def waiting_for(self, options: CompressOptions) -> bool:
        return any(j.options == options for j in self._parked)

    def full_ready(self, result: RenderResult) -> None:
        """The full render some requests wait for is here: send them with it."""
        keep = []
        for job in self._parked:
            if job.document.id == result.doc_id and job.options == result.options:
                self._send(replace(job, result=result))
            else:
                keep.append(job)
        self._parked = keep

    def settings_changed(self) -> None:
        """The live loop will not render the parked requests' settings: the writer renders them."""
        parked, self._parked = self._parked, []
        for job in parked:
            self._send(job)

    # -- endings -------------------------------------------------------------------------------

    def cancel_all(self, reason: str) -> None:
        """Esc: requests still waiting for a render end as cancelled; known results are written."""
        parked, self._parked = self._parked, []
        waiting = [j for j in self._queued if j.result is None]
        self._queued = [j for j in self._queued if j.result is not None]
        for job in (*parked, *waiting):
            self._end(WriteDone(job.request, job.path, "", f"{_kind(job).capitalize()} {reason}"), _kind(job))
        for job in self._sent.values():
            if job.result is None:
                job.token.cancel()

    def on_done(self, done: WriteDone) -> None:
        job = self._sent.pop(done.request, None)
        if job is not None:
            self._end(done, _kind(job))
            self._next_for(job.path)

    def on_cancelled(self, job) -> bool:
        if self._sent.get(getattr(job, "request", None)) is not job:
            return False
        del self._sent[job.request]
        self._end(WriteDone(job.request, job.path, "", f"{_kind(job).capitalize()} cancelled: {job.path.name} "
                            "was not written"), _kind(job))
        self._next_for(job.path)
        return True

    def on_failed(self, job, message: str) -> bool:
        if self._sent.get(getattr(job, "request", None)) is not job:
            return False
        del self._sent[job.request]
        self._end(WriteDone(job.request, job.path, "", message), _kind(job))
        self._next_for(job.path)
        return True

    def _next_for(self, path: Path) -> None:
        """A request for ``path`` ended: send the next one waiting for that file, if any."""
        target = _file(path)
        for job in self._queued:
            if _file(job.path) == target:
                self._queued.remove(job)
                self._send(job)
                return

    def shutdown(self) -> None:
        """The window closes: nothing new starts; a write already running may finish."""
        self._parked.clear()
        self._queued.clear()
        for job in self._sent.values():
            if job.result is None:
                job.token.cancel()

    def _end(self, done: WriteDone, kind: str) -> None:
        self.finished.emit(done, kind)
