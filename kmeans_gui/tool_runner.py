"""Background work for a tool window (Choose K, the playground), on a thread of its own.

A tool's sweep never waits behind the main window's renders, and they never wait behind it.
The newest call replaces the one before (it is cancelled); ``stop`` cancels everything and
joins the thread, which the tool calls when its window closes.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot

from .jobs import CallDone, CallJob, JobCancelled, JobFailed
from .worker import WorkerThread

#: Tool threads told to stop but maybe still finishing a step (see :meth:`ToolRunner.stop`).
_RETIRED: set[WorkerThread] = set()


def join_retired(timeout_ms: int) -> bool:
    """Wait for every retired tool thread (the main window closes); True if all have ended."""
    ok = all(t.stop(timeout_ms) for t in list(_RETIRED))
    if ok:
        _RETIRED.clear()
    return ok


def retired_running() -> bool:
    return any(t.running() for t in _RETIRED)


class ToolRunner(QObject):
    finished = Signal(str, object)  # tag, payload
    failed = Signal(str, str)  # tag, one-line message
    progress = Signal(float, str)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._name = name
        self._thread: WorkerThread | None = None
        self._running: dict[str, CallJob] = {}

    def run(self, tag: str, fn: Callable) -> None:
        """Run ``fn(should_stop, progress)``; a previous call with the same tag is cancelled."""
        if self._thread is None:
            self._thread = WorkerThread(self._name, self)
            self._thread.worker.outcome.connect(self._on_outcome)
            self._thread.worker.progress.connect(self._on_progress)
        old = self._running.pop(tag, None)
        if old is not None:
            old.token.cancel()
        job = CallJob(tag, fn)
        self._running[tag] = job
        self._thread.send(job)

    @property
    def busy(self) -> bool:
        return bool(self._running)

    def cancel(self) -> None:
        for job in self._running.values():
            job.token.cancel()
        self._running.clear()

    def stop(self, timeout_ms: int | None = None) -> bool:
        """Cancel every call and let the thread end (a tool window calls this when it closes).

        Without ``timeout_ms`` it does not wait: the GUI thread must not block until the
        running step polls its cancel flag (up to a few hundred ms), so the thread is retired
        (kept alive until it ends) and the main window joins retired threads when it closes.
        """
        self.cancel()
        if self._thread is None:
            return True
        thread, self._thread = self._thread, None
        if timeout_ms is not None:
            return thread.stop(timeout_ms)
        for old in [t for t in _RETIRED if t.thread.isFinished()]:
            _RETIRED.discard(old)
        thread.setParent(None)  # outlives this window; a running QThread must never be destroyed
        _RETIRED.add(thread)
        thread.thread.quit()
        return False

    def thread_running(self) -> bool:
        return self._thread is not None and self._thread.running()

    @Slot(object)
    def _on_outcome(self, outcome) -> None:
        job = outcome.job
        if self._running.get(job.tag) is not job:
            return  # a call that was replaced or cancelled: its outcome is stale
        if isinstance(outcome, CallDone):
            del self._running[job.tag]
            self.finished.emit(job.tag, outcome.payload)
        elif isinstance(outcome, JobFailed):
            del self._running[job.tag]
            self.failed.emit(job.tag, outcome.message)
        elif isinstance(outcome, JobCancelled):
            del self._running[job.tag]

    @Slot(object, float, str)
    def _on_progress(self, job, fraction: float, stage: str) -> None:
        if self._running.get(getattr(job, "tag", "")) is job:
            self.progress.emit(fraction, stage)
