"""One shared thread pool for the core's linear passes; results never depend on the thread count.

NumPy releases the GIL inside most array operations, so threads working on separate chunks
of an array use all cores. Work is always split at fixed chunk boundaries (never "one chunk
per thread") and partial results are combined in chunk order, so the output is bit-identical
with 1 thread or 64. The pool is sized to ``os.cpu_count()``; ``KMEANS_THREADS=1`` in the
environment or :func:`set_threads` forces a size (1 runs everything in the calling thread).

The core's BLAS calls (the distance searches' matrix products, :mod:`core.distances`) are
small enough that OpenBLAS runs each on the calling thread, so its threads never compete with
this pool.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

T = TypeVar("T")

#: Environment variable that fixes the number of threads (a whole number >= 1).
ENV_VAR = "KMEANS_THREADS"

_lock = threading.Lock()
_local = threading.local()
_pool: ThreadPoolExecutor | None = None
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


def _get_pool() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            # Imported here: concurrent.futures pulls in logging and queue (~5 ms), which a
            # small image never needs (its work stays in the calling thread).
            from concurrent.futures import ThreadPoolExecutor

            _pool = ThreadPoolExecutor(max_workers=threads(), thread_name_prefix="core")
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


def start(fn: Callable[[], T]) -> _Done[T] | Future:
    """Run ``fn()`` on the pool while the caller goes on; ``.result()`` waits for its value
    and raises what ``fn`` raised, whether it ran on the pool or at once.

    With one thread, or from inside a pool task, ``fn`` runs at once in the calling thread.
    Work of the caller that then maps on the pool shares the threads with ``fn``.
    """
    if threads() == 1 or getattr(_local, "inside", False):
        return _Done(fn)
    return _get_pool().submit(_run_inside, lambda _a, _b: fn(), 0, 0)
