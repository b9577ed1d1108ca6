"""The smallest-PNG helper process: it encodes exactly, and closing stops it cleanly."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np
import pytest

from kmeans_gui import encoder_process


def test_the_helper_encodes_a_png_that_decodes_to_the_same_indices():
    import io

    from PIL import Image

    rng = np.random.default_rng(0)
    palette = rng.integers(0, 256, (16, 3), dtype=np.uint8)
    indices = rng.integers(0, 16, (40, 30), dtype=np.uint8)
    try:
        data = encoder_process.smallest_png(palette, indices, None)
    finally:
        encoder_process.shutdown()
    img = Image.open(io.BytesIO(data))
    assert img.mode == "P" and img.size == (30, 40)
    np.testing.assert_array_equal(np.asarray(img), indices)
    np.testing.assert_array_equal(np.asarray(img.getpalette()[:48], np.uint8).reshape(16, 3), palette)


def test_shutdown_kills_a_busy_child_and_waits_for_the_pool_thread():
    """The pool's manager thread must be gone when shutdown returns: left running, it could
    close its wake-up pipe while the interpreter's exit hook wrote to it (a traceback after a
    clean close, seen once in CI)."""
    pool = encoder_process._get_pool()
    busy = pool.submit(time.sleep, 60)
    deadline = time.monotonic() + 30
    while not busy.running() and time.monotonic() < deadline:
        time.sleep(0.01)
    manager = pool._executor_manager_thread
    children = list(pool._processes.values())
    assert manager is not None and manager.is_alive() and children
    started = time.monotonic()
    encoder_process.shutdown()
    assert time.monotonic() - started < 5.0  # the 60 s task is abandoned, not waited for
    assert not manager.is_alive()
    assert all(not p.is_alive() for p in children)
    assert encoder_process._pool is None


def test_a_process_that_closes_mid_encode_exits_without_a_traceback():
    code = (
        "import time\n"
        "from kmeans_gui import encoder_process\n"
        "pool = encoder_process._get_pool()\n"
        "f = pool.submit(time.sleep, 60)\n"
        "while not f.running(): time.sleep(0.01)\n"
        "encoder_process.shutdown()\n"
        "print('closed', flush=True)\n"
    )
    for _ in range(3):
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0 and "closed" in proc.stdout, proc.stderr
        assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr, proc.stderr


def test_an_encode_abandoned_by_the_window_closing_ends_as_cancelled_not_as_a_crash():
    """Closing twice discards a save mid-encode: it must end as cancelled ("was not written"),
    not as "the PNG encoder process stopped unexpectedly"."""
    import threading

    from core.kmeans import Cancelled

    rng = np.random.default_rng(1)
    palette = rng.integers(0, 256, (256, 3), dtype=np.uint8)
    y, x = np.mgrid[0:3000, 0:4000]
    indices = ((x // 3 + (y // 5) * 7 + (x * y) // 9001) % 256).astype(np.uint8)  # 12 MP: ~2 s to encode
    encoder_process._get_pool().submit(encoder_process._ready).result(timeout=60)
    outcome = []

    def encode() -> None:
        try:
            encoder_process.smallest_png(palette, indices, None)
            outcome.append("written")
        except Cancelled:
            outcome.append("cancelled")
        except OSError as e:
            outcome.append(str(e))

    t = threading.Thread(target=encode)
    t.start()
    time.sleep(0.3)  # the child is encoding (it takes ~2 s here, longer on a loaded machine)
    encoder_process.shutdown()  # as the window does when it closes
    t.join(30)
    assert outcome == ["cancelled"]


def test_the_helper_writes_the_same_tiff_and_webp_bytes_as_the_core():
    from core.save import encode_for_save

    rng = np.random.default_rng(1)
    palette = rng.integers(0, 256, (12, 3), dtype=np.uint8)
    indices = rng.integers(0, 12, (50, 40), dtype=np.uint8)
    try:
        for fmt, name in (("tiff", "x.tif"), ("webp", "x.webp")):
            assert encoder_process.encode_for_save(name, palette, indices, fmt=fmt) == \
                encode_for_save(name, palette, indices, fmt=fmt)
    finally:
        encoder_process.shutdown()


def test_a_save_error_in_the_helper_reaches_the_caller_as_itself():
    import pytest

    from core.encode import SaveError

    palette = np.zeros((2, 3), np.uint8)
    indices = np.zeros((1, 20_000), np.uint8)  # wider than WebP's 16,383 pixels
    try:
        with pytest.raises(SaveError):
            encoder_process.encode_for_save("wide.webp", palette, indices, fmt="webp")
    finally:
        encoder_process.shutdown()


@pytest.mark.skipif(os.name != "posix", reason="kill -9 and /proc are POSIX")
def test_the_helper_exits_when_the_window_process_is_killed_outright():
    """kill -9 of the window left the helper (and multiprocessing's resource tracker) running
    forever, re-parented to init; the helper now follows its parent out."""
    import os
    import signal

    code = (
        "import time\n"
        "from kmeans_gui import encoder_process\n"
        "pool = encoder_process._get_pool()\n"
        "f = pool.submit(time.sleep, 60)\n"
        "while not f.running(): time.sleep(0.01)\n"
        "print(*[p.pid for p in pool._processes.values()], flush=True)\n"
        "time.sleep(120)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        helpers = [int(pid) for pid in proc.stdout.readline().split()]
        assert helpers
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)

        def alive(pid: int) -> bool:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return False
            try:  # a zombie (exited, not yet reaped by init) counts as gone
                with open(f"/proc/{pid}/stat") as fh:
                    return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
            except OSError:
                return True

        deadline = time.monotonic() + 10
        while any(alive(p) for p in helpers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(alive(p) for p in helpers)
    finally:
        if proc.poll() is None:
            proc.kill()
