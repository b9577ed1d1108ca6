"""One shared thread pool for the core's linear passes; results never depend on the thread count.

NumPy releases the GIL inside most array operations, so threads working on separate chunks
of an array use all cores. Work is always split at fixed chunk boundaries (never "one chunk
per thread") and partial results are combined in chunk order, so the output is bit-identical
with 1 thread or 64. The pool is sized to ``os.cpu_count()``; ``KMEANS_THREADS=1`` in the
environment or :func:`set_threads` forces a size (1 runs everything in the calling thread).

The core's BLAS calls (the distance searches' matrix products, :mod:`core.distances`) are
small enough that OpenBLAS runs each on the calling thread, so its threads never compete with
this pool.

The pool is a few lines over ``threading`` (:class:`_Pool`) rather than
``concurrent.futures.ThreadPoolExecutor``: importing that module pulls in ``logging`` and
``queue``, ~7 ms on this project's machines, which a 0.25 MP photo paid on its first use of
the pool (5 % of its whole quantization).
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

#: Environment variable that fixes the number of threads (a whole number >= 1).
ENV_VAR = "KMEANS_THREADS"

class _Task(Generic[T]):
    """One call handed to the pool; :meth:`result` waits for it (the ``Future`` interface the
    callers use: ``result`` and ``cancel``)."""

    __slots__ = ("_fn", "_done", "_state", "_value", "_error")

    def __init__(self, fn: Callable[[], T]) -> None:
        self._fn = fn
        self._done = threading.Event()
        self._state = "queued"  # -> "running" -> "done", or -> "cancelled"
        self._value: T | None = None
        self._error: BaseException | None = None

    def run(self) -> None:
        """Run the call unless it was cancelled; keep its value or what it raised."""
        with _task_lock:
            if self._state != "queued":
                return
            self._state = "running"
        try:
            self._value = self._fn()
        except BaseException as e:  # noqa: BLE001 - raised again by result(), as a Future does
            self._error = e
        finally:
            self._fn = None  # type: ignore[assignment]
            with _task_lock:
                self._state = "done"
            self._done.set()

    def cancel(self) -> bool:
        """Drop the call if it has not started; True when it will never run."""
        with _task_lock:
            if self._state == "queued":
                self._state = "cancelled"
                self._done.set()
            return self._state == "cancelled"

    def result(self) -> T:
        """The call's value, waiting for it; raises what it raised (or RuntimeError if cancelled)."""
        self._done.wait()
        if self._state == "cancelled":
            raise RuntimeError("the task was cancelled")
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]


class _Pool:
    """Daemon worker threads taking calls from one queue, first in, first out."""

    def __init__(self, n: int) -> None:
        self._cond = threading.Condition()
        self._queue: deque[_Task] = deque()
        self._closed = False
        for i in range(n):
            threading.Thread(target=self._work, name=f"core_{i}", daemon=True).start()

    def submit(self, fn: Callable[..., T], *args: object) -> _Task[T]:
        """Queue ``fn(*args)``; the returned task's ``result()`` waits for it."""
        task: _Task[T] = _Task(lambda: fn(*args))
        with self._cond:
            if self._closed:
                raise RuntimeError("the pool was shut down")
            self._queue.append(task)
            self._cond.notify()
        return task

    def shutdown(self, wait: bool = False) -> None:
        """Stop taking calls; the workers finish what is queued, then end (``wait`` is not
        supported: callers never wait for the old pool)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._closed:
                    self._cond.wait()
                if not self._queue:
                    return
                task = self._queue.popleft()
            task.run()


_lock = threading.Lock()
_task_lock = threading.Lock()
_local = threading.local()
_pool: _Pool | None = None
_threads: int | None = None


def _from_env() -> int:
    raw = os.environ.get(ENV_VAR, "").strip()
    if raw:
        try:
            n = int(raw)
        except ValueError:
            n = 0
        if n >= 1:
            return n
    return max(1, os.cpu_count() or 1)


def threads() -> int:
    """Number of threads the core uses for chunked work."""
    global _threads
    if _threads is None:
        _threads = _from_env()
    return _threads


def set_threads(n: int | None) -> None:
    """Use ``n`` threads from now on (``None``: back to ``KMEANS_THREADS`` or the core count)."""
    global _pool, _threads
    if n is not None and (not isinstance(n, int) or isinstance(n, bool) or n < 1):
        raise ValueError(f"the number of threads must be a whole number >= 1, not {n!r}")
    with _lock:
        old, _pool = _pool, None
        _threads = n if n is not None else _from_env()
    if old is not None:
        old.shutdown(wait=False)


def _get_pool() -> _Pool:
    global _pool
    with _lock:
        if _pool is None:
            _pool = _Pool(threads())
        return _pool


def spans(n: int, size: int) -> list[tuple[int, int]]:
    """Fixed ``[start, stop)`` chunks of ``range(n)``, each ``size`` long except the last."""
    size = max(1, int(size))
    return [(a, min(n, a + size)) for a in range(0, n, size)]


def _run_inside(fn: Callable[[int, int], T], a: int, b: int) -> T:
    _local.inside = True  # a task that maps again runs inline: no waiting on its own pool
    try:
        return fn(a, b)
    finally:
        _local.inside = False


def map_chunks(fn: Callable[[int, int], T], n: int, size: int, *, pool: bool = True) -> list[T]:
    """``[fn(start, stop) for each fixed chunk of range(n)]``, run on the pool, in chunk order.

    ``fn`` must only read shared inputs and write disjoint slices of shared outputs.
    ``pool=False`` runs the same chunks in the calling thread: for work too small to pay for
    handing tasks to threads (NumPy keeps the GIL for most of a small call, so threads would
    only take turns). The chunks, and so the result, are the same either way.
    """
    parts = spans(n, size)
    if not pool or len(parts) <= 1 or threads() == 1 or getattr(_local, "inside", False):
        return [fn(a, b) for a, b in parts]
    executor = _get_pool()
    futures = [executor.submit(_run_inside, fn, a, b) for a, b in parts]
    try:
        return [f.result() for f in futures]
    except BaseException:
        # Ctrl-C, SIGTERM or a failed chunk: the queued chunks are not run (at exit the pool
        # would otherwise finish every one of them first: ~2 s of a 12 MP encode).
        for f in futures:
            f.cancel()
        raise


class _Done(Generic[T]):
    """A finished result with the ``Future.result()`` interface (work run in the caller)."""

    def __init__(self, fn: Callable[[], T]) -> None:
        self._value: T | None = None
        self._error: BaseException | None = None
        try:
            self._value = fn()
        except Exception as e:  # noqa: BLE001 - raised by result(), as a Future does
            self._error = e

    def result(self) -> T:
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]


def start(fn: Callable[[], T]) -> _Done[T] | _Task[T]:
    """Run ``fn()`` on the pool while the caller goes on; ``.result()`` waits for its value
    and raises what ``fn`` raised, whether it ran on the pool or at once.

    With one thread, or from inside a pool task, ``fn`` runs at once in the calling thread.
    Work of the caller that then maps on the pool shares the threads with ``fn``.
    """
    if threads() == 1 or getattr(_local, "inside", False):
        return _Done(fn)
    return _get_pool().submit(_run_inside, lambda _a, _b: fn(), 0, 0)
