"""Workers: QObjects on their own QThreads that run typed jobs one at a time.

The window has two: a render worker (loads, the live loop's stages) and a writer (figures,
saves, exports, batches), so an encode or a save never holds up the pictures of a drag, and a
drag never holds up a save. Tool windows (Choose K, the playground) start a third of their own
and stop it when they close. Each job ends with exactly one outcome on ``outcome``: its result,
:class:`JobCancelled`, or :class:`JobFailed` with a one-line message.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal, Slot

from core.atomic import WriteRefused
from core.io import ImageLoadError, SaveError, load_image, load_image_bytes
from core.kmeans import Cancelled

from . import encoder_process, render, writing
from .jobs import (
    BatchDone,
    BatchJob,
    CallDone,
    CallJob,
    ErrorMapDone,
    ErrorMapJob,
    ExportJob,
    FiguresDone,
    FiguresJob,
    Job,
    JobCancelled,
    JobFailed,
    Loaded,
    LoadFailed,
    LoadJob,
    RenderJob,
    SaveJob,
)
from .qt_images import qimage_png_bytes


class Worker(QObject):
    """Runs each job it is sent with the handler its type names; emits one outcome per job."""

    outcome = Signal(object)  # a result dataclass, JobCancelled or JobFailed
    progress = Signal(object, float, str)  # job, fraction done, stage

    def __init__(self) -> None:
        super().__init__()
        self._handlers: dict[type, Callable[[object], object]] = {
            LoadJob: self._load,
            RenderJob: self._render,
            FiguresJob: self._figures,
            ErrorMapJob: self._error_map,
            SaveJob: lambda job: writing.save(job, self._reporter(job)),
            ExportJob: lambda job: writing.export(job, self._reporter(job)),
            BatchJob: self._batch,
            CallJob: self._call,
        }
        self._next_doc_id = 0

    @Slot(object)
    def run(self, job: Job) -> None:
        if job.token.cancelled:
            self.outcome.emit(JobCancelled(job))
            return
        try:
            result = self._handlers[type(job)](job)
        except Cancelled:
            result = JobCancelled(job)
        except (SaveError, WriteRefused, OSError, ValueError, MemoryError) as e:
            message = writing.describe_failure(e) if isinstance(job, (SaveJob, ExportJob)) else (str(e) or type(e).__name__)
            result = JobFailed(job, message)
        except Exception as e:  # noqa: BLE001 - a real bug: one line in the window, the trace on stderr
            traceback.print_exc(file=sys.stderr)
            result = JobFailed(job, f"internal error: {e}")
        self.outcome.emit(result)

    def _reporter(self, job: Job) -> Callable[[float, str], None]:
        return lambda fraction, stage="": self.progress.emit(job, float(fraction), stage)

    def _load(self, job: LoadJob) -> Loaded | LoadFailed:
        name = job.path.name if job.path is not None else job.name
        try:
            if job.image is not None:
                loaded = load_image_bytes(qimage_png_bytes(job.image), job.name)
                loaded.file_bytes = None  # our own re-encoding of the pasted pixels is no original file
            elif job.data is not None:
                loaded = load_image_bytes(job.data, job.name)
            else:
                loaded = load_image(job.path)
        except ImageLoadError as e:
            return LoadFailed(job.request, str(e))
        except MemoryError:
            return LoadFailed(job.request, f"{name}: not enough memory to open this image")
        except Exception:  # noqa: BLE001 - whatever a decoder raises, the user gets one line
            return LoadFailed(job.request, f"{name}: the file is damaged or not a supported image")
        if job.token.cancelled:
            raise Cancelled()
        # The PNG encoder's helper process starts now, here: its first save is then quick, and
        # starting it (~13 ms) stays off the GUI thread. The window joins this thread before it
        # shuts the helper down, so no helper starts after that.
        encoder_process.warm_up()
        self._next_doc_id += 1
        return Loaded(job.request, render.make_document(self._next_doc_id, loaded))

    def _render(self, job: RenderJob):
        return render.render(job, self._reporter(job))

    def _figures(self, job: FiguresJob) -> FiguresDone:
        if job.previous is None:
            return FiguresDone(job.result.serial, render.figures(job.result, job.document, job.token))
        return FiguresDone(job.result.serial, render.smallest_figures(job.previous, job.result, job.document,
                                                                      job.token))

    def _error_map(self, job: ErrorMapJob) -> ErrorMapDone:
        return ErrorMapDone(job.result.serial, render.error_map(job.result, job.document))

    def _batch(self, job: BatchJob) -> BatchDone:
        """The command line's batch code: planned (and refused) before any work, all cores."""
        from .batch import plan_batch, run_batch

        report = self._reporter(job)
        plan = plan_batch(list(job.files), job.options, job.out_dir)
        finished = [0]

        def on_result(_i: int, r) -> None:
            finished[0] += 1
            report(finished[0] / max(1, len(plan.jobs)), Path(r.input).name)

        results = run_batch(plan, job.options, on_result=on_result, should_stop=lambda: job.token.cancelled)
        return BatchDone(tuple(r for r in results if r is not None), cancelled=job.token.cancelled,
                         planned=len(plan.jobs))

    def _call(self, job: CallJob) -> CallDone:
        payload = job.fn(lambda: job.token.cancelled, self._reporter(job))
        if job.token.cancelled:
            raise Cancelled()
        return CallDone(job, payload)


class WorkerThread(QObject):
    """One worker on one QThread: ``send`` queues a job, outcomes arrive in the GUI thread."""

    _submit = Signal(object)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thread = QThread()
        self.thread.setObjectName(name)
        self.worker = Worker()
        self.worker.moveToThread(self.thread)
        self._submit.connect(self.worker.run)
        self.thread.start()

    def send(self, job: Job) -> None:
        self._submit.emit(job)

    def stop(self, timeout_ms: int) -> bool:
        """Ask the thread to finish its current job and quit; True if it has stopped."""
        self.thread.quit()
        return self.thread.wait(timeout_ms)

    def running(self) -> bool:
        return self.thread.isRunning()
