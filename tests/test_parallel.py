"""The shared pool: fixed chunks, results identical with 1 and N threads."""

from __future__ import annotations

import numpy as np
import pytest

from core import distances, histogram, metrics, parallel
from core.quantize import quantize
from core.remap import apply_palette


@pytest.fixture
def small_chunks(monkeypatch):
    """Tiny chunks so a test-sized image really is split across the pool."""
    monkeypatch.setattr(histogram, "PIXEL_CHUNK", 1000)
    monkeypatch.setattr(distances, "PARALLEL_ROWS", 300)
    monkeypatch.setattr(metrics, "_CHUNK_PIXELS", 1000)
    yield
    parallel.set_threads(None)


def test_spans_are_fixed_and_cover_the_range():
    assert parallel.spans(10, 4) == [(0, 4), (4, 8), (8, 10)]
    assert parallel.spans(0, 4) == []


def test_map_chunks_keeps_chunk_order_for_any_thread_count():
    try:
        for n in (1, 2, 5):
            parallel.set_threads(n)
            assert parallel.map_chunks(lambda a, b: (a, b), 10, 3) == [(0, 3), (3, 6), (6, 9), (9, 10)]
    finally:
        parallel.set_threads(None)


def test_nested_maps_run_inline_instead_of_deadlocking():
    parallel.set_threads(2)
    try:
        out = parallel.map_chunks(lambda a, b: sum(parallel.map_chunks(lambda c, d: d - c, 10, 3)), 4, 1)
        assert out == [10, 10, 10, 10]
    finally:
        parallel.set_threads(None)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_set_threads_refuses_nonsense(bad):
    with pytest.raises(ValueError, match="threads"):
        parallel.set_threads(bad)


def test_environment_variable_sets_the_count(monkeypatch):
    monkeypatch.setenv(parallel.ENV_VAR, "1")
    parallel.set_threads(None)
    assert parallel.threads() == 1
    monkeypatch.setenv(parallel.ENV_VAR, "nonsense")
    parallel.set_threads(None)
    assert parallel.threads() >= 1
    monkeypatch.delenv(parallel.ENV_VAR)
    parallel.set_threads(None)


def _run_everything(img: np.ndarray, k: int):
    q = quantize(img, k, seed=3)
    other = quantize(img, k, seed=3, color_space="oklab")
    remapped = apply_palette(img, other.palette)
    recon = q.image()
    figs = (metrics.mse(img, recon), metrics.mean_delta_e(img, recon),
            metrics.figures(img, q.palette, q.indices), metrics.quantized_figures(img, q))
    return q, other, remapped, figs


@pytest.mark.parametrize("k", [8, 64])
def test_results_identical_with_one_and_many_threads(photo, small_chunks, k):
    from PIL import Image

    img = np.asarray(Image.fromarray(photo).resize((240, 200), Image.LANCZOS))
    parallel.set_threads(1)
    one = _run_everything(img, k)
    parallel.set_threads(4)
    many = _run_everything(img, k)
    for a, b in ((one[0], many[0]), (one[1], many[1])):
        np.testing.assert_array_equal(a.palette, b.palette)
        np.testing.assert_array_equal(a.indices, b.indices)
        assert a.inertia == b.inertia and a.inertia_history == b.inertia_history
    np.testing.assert_array_equal(one[2], many[2])
    assert one[3] == many[3]  # floats compared exactly: sums are added in chunk order


def test_a_failed_map_leaves_its_queued_chunks_unrun():
    """Ctrl-C or an error while waiting: the chunks not started yet are dropped, not run
    (at exit the pool would otherwise work through all of them first)."""
    import threading

    parallel.set_threads(2)
    ran: list[int] = []
    gate = threading.Event()

    def chunk(a: int, b: int) -> int:
        if a == 0:
            raise KeyboardInterrupt  # what the waiting thread sees on Ctrl-C
        gate.wait(2.0)
        ran.append(a)
        return a

    try:
        with pytest.raises(KeyboardInterrupt):
            parallel.map_chunks(chunk, 40, 1)
        gate.set()
        parallel._get_pool().submit(lambda: None).result()  # the pool has drained its queue
        parallel._get_pool().submit(lambda: None).result()
    finally:
        gate.set()
        parallel.set_threads(None)
    assert len(ran) <= 3  # only chunks already running when the first one failed


@pytest.mark.parametrize("n", [1, 2])
def test_start_returns_the_value_or_raises_the_error_for_any_thread_count(n):
    parallel.set_threads(n)
    try:
        assert parallel.start(lambda: 41 + 1).result() == 42
        job = parallel.start(lambda: 1 // 0)  # runs now (1 thread) or on the pool: raises only in result()
        with pytest.raises(ZeroDivisionError):
            job.result()
    finally:
        parallel.set_threads(None)


def test_the_pool_starts_without_concurrent_futures_and_never_holds_up_exit():
    """The pool's first use costs no import of concurrent.futures (logging and queue, ~7 ms of a
    small photo's run), and a call still running on it does not keep the process alive."""
    import subprocess
    import sys
    import time

    code = (
        "import sys, time\n"
        "from core import parallel\n"
        "parallel.set_threads(2)\n"
        "assert parallel.map_chunks(lambda a, b: a, 8, 1) == list(range(8))\n"
        "parallel.start(lambda: time.sleep(60))\n"
        "print('concurrent.futures' in sys.modules)\n"
    )
    t0 = time.monotonic()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=50)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
    assert time.monotonic() - t0 < 30  # the 60 s call was left behind at exit


def test_a_cancelled_task_never_runs_and_a_started_one_cannot_be_cancelled():
    import threading

    parallel.set_threads(1 + 1)
    try:
        pool = parallel._get_pool()
        gate, started = threading.Event(), threading.Event()
        ran: list[str] = []

        def block() -> str:
            started.set()
            gate.wait(5.0)
            return "first"

        first = pool.submit(block)
        second = pool.submit(block)  # both workers busy: the third waits in the queue
        started.wait(5.0)
        third = pool.submit(lambda: ran.append("third"))
        assert third.cancel() is True
        assert first.cancel() is False
        gate.set()
        assert first.result() == "first" and second.result() == "first"
        with pytest.raises(RuntimeError, match="cancelled"):
            third.result()
        pool.submit(lambda: None).result()
        assert ran == []
    finally:
        parallel.set_threads(None)
