"""Encodes that would hold Python's lock, run in a helper process so the window never freezes.

``core.encode``'s ``effort="smallest"`` keeps both cores busy for 1.5-2 s on a 12 MP image
(libdeflate on the core's thread pool, with Python code between the pieces), and Pillow's TIFF
(libtiff) and WebP encoders hold the GIL for their whole run (0.2-0.3 s and up to 2 s at
12 MP, stalling the event loop by as much). In a child process they cannot stall the event
loop; it costs one copy of the indices. The writer thread waits for the child (the GIL is
free meanwhile). One child is started on first use and kept; closing the window kills it, so
exit never waits for an encode.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool

import numpy as np

from core.kmeans import Cancelled

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None


def _encode(palette: np.ndarray, indices: np.ndarray, icc_profile: bytes | None) -> bytes:
    """Runs in the child: the smallest PNG."""
    from core.encode import encode_indexed

    buf = io.BytesIO()
    encode_indexed(buf, palette, indices, "png", icc_profile=icc_profile, effort="smallest")
    return buf.getvalue()


def _encode_for_save(path: str, palette: np.ndarray, indices: np.ndarray, fmt: str, icc_profile: bytes | None,
                     exif: bytes | None, effort: str) -> tuple[bytes, list[str]]:
    """Runs in the child: the bytes and notes ``core.save.save_indexed`` would write."""
    from core.save import encode_for_save

    return encode_for_save(path, palette, indices, fmt=fmt, icc_profile=icc_profile, exif=exif, effort=effort)


#: How often the helper checks that the window's process is still there.
PARENT_POLL_S = 0.5


def _watch_parent(parent: int) -> None:
    """Runs in the child: exit once the window's process is gone (killed outright, it cannot
    stop us), instead of living on as an orphan. The child writes no files, so exiting is safe."""
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_S)
    os._exit(0)


def _init_helper(parent: int) -> None:
    """Runs in the child at start: Ctrl-C in the terminal is the window's to handle, and the
    child follows the window's process out."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if os.name == "posix":
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="watch-parent").start()


def _get_pool() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            # "spawn": a fork of a process running Qt and worker threads is not safe.
            _pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_init_helper, initargs=(os.getpid(),))
        return _pool


def smallest_png(palette: np.ndarray, indices: np.ndarray, icc_profile: bytes | None,
                 should_stop=lambda: False) -> bytes:
    """The smallest indexed PNG for ``palette`` and ``indices``, encoded in the helper process.

    Polls ``should_stop`` every 50 ms while waiting and raises ``Cancelled`` (the child's result
    is then dropped). Falls back to encoding here if the helper process cannot start.
    """
    return _in_helper(_encode, (np.ascontiguousarray(palette), np.ascontiguousarray(indices), icc_profile),
                      should_stop)


def encode_for_save(path, palette: np.ndarray, indices: np.ndarray, *, fmt: str, icc_profile: bytes | None = None,
                    exif: bytes | None = None, effort: str = "smallest",
                    should_stop=lambda: False) -> tuple[bytes, list[str]]:
    """:func:`core.save.encode_for_save` in the helper process (a drop-in ``encode`` for
    :func:`core.save.save_indexed`); cancelled and falling back as :func:`smallest_png`."""
    return _in_helper(_encode_for_save, (str(path), np.ascontiguousarray(palette), np.ascontiguousarray(indices),
                                         fmt, icc_profile, exif, effort), should_stop)


def _in_helper(fn, args: tuple, should_stop):
    """``fn(*args)`` in the helper process, waited for without holding the GIL."""
    try:
        pool = _get_pool()
        future: Future = pool.submit(fn, *args)
    except (OSError, RuntimeError):
        return fn(*args)
    while True:
        if should_stop():
            future.cancel()
            raise Cancelled()
        try:
            return future.result(timeout=0.05)
        except FutureTimeout:
            continue
        except BrokenProcessPool:  # the helper died (killed, out of memory): a new one next time
            if getattr(pool, "_stopped_by_shutdown", False):  # the window closed: not a failure
                raise Cancelled() from None
            shutdown(closing=False)
            raise OSError("the encoder process stopped unexpectedly; try again") from None


def _ready() -> bool:
    """Runs in the child: imports the encoder so the first real encode does not wait for it."""
    import core.encode  # noqa: F401

    return True


def warm_up() -> None:
    """Start the helper process in the background (called when an image is opened)."""
    try:
        _get_pool().submit(_ready)
    except (OSError, RuntimeError):
        pass  # smallest_png falls back to encoding in-process


#: How long :func:`shutdown` waits for the pool's manager thread once the child is killed.
MANAGER_EXIT_WAIT_S = 1.0


def shutdown(closing: bool = True) -> None:
    """Stop the helper process now (the window is closing); a running encode is abandoned.

    The child is killed, then the pool's manager thread (which notices the death at once) is
    given up to ``MANAGER_EXIT_WAIT_S`` to finish. Left running, it could close its wake-up
    pipe while the interpreter's exit hook was writing to it (Python 3.11 checks and writes
    without a lock), which printed a traceback after a clean close (seen once in CI,
    closing a 12 MP photo mid-work).
    """
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is None:
        return
    pool._stopped_by_shutdown = closing  # the window closing: an encode waiting ends as cancelled
    manager = getattr(pool, "_executor_manager_thread", None)  # shutdown() forgets it
    for proc in list(getattr(pool, "_processes", {}).values()):
        proc.kill()  # do not wait seconds for an encode nobody wants any more
    pool.shutdown(wait=False, cancel_futures=True)
    if manager is not None and manager is not threading.current_thread():
        manager.join(MANAGER_EXIT_WAIT_S)


def release_before_exit() -> None:
    """Unlink the helper pool's semaphores before ``os._exit`` (which skips Python's exit
    handlers): run multiprocessing's own finalizers of priority >= 0, the semaphores' cleanup
    among them. Without it the resource tracker reported "5 leaked semaphore objects" on
    stderr after closing the window mid-encode."""
    try:
        from multiprocessing import util

        util._run_finalizers(0)  # noqa: SLF001 - the documented-in-source exit hook, run early
    except Exception:  # noqa: BLE001 - exiting anyway: the tracker still cleans up, just noisily
        pass

