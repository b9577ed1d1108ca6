"""Controller and worker on their own, with a fake core: generations, staleness, cancel."""

from __future__ import annotations

import time

import numpy as np
import pytest

import kmeans_gui.worker as worker_mod
from core.io import LoadedImage
from core.kmeans import Cancelled
from core.quantize import Quantized
from kmeans_gui.controller import Controller


class FakeCore:
    """Stands in for core.quantize: records calls, can be slow, honours should_stop."""

    def __init__(self, delay: float = 0.0) -> None:
        self.calls: list[tuple[int, bool]] = []
        self.delay = delay

    def __call__(self, pixels, k, *, seed=0, preview=False, should_stop=None, **kw):
        self.calls.append((k, preview))
        end = time.perf_counter() + self.delay
        while time.perf_counter() < end:
            if should_stop is not None and should_stop():
                raise Cancelled()
            time.sleep(0.005)
        n = min(k, 4)
        palette = (np.arange(n)[:, None] * [60, 30, 10] + seed).astype(np.uint8) % 255
        h, w = pixels.shape[:2]
        indices = (np.arange(h * w) % n).reshape(h, w).astype(np.uint8)
        return Quantized(palette=palette, indices=indices, counts=np.bincount(indices.ravel(), minlength=n),
                         inertia=0.0, n_iter=1, distinct_colors=n, k=k, seed=seed, color_space="rgb", preview=preview)


@pytest.fixture
def controller(qtbot):
    c = Controller()
    yield c
    assert c.shutdown()


def document(size=(40, 30)) -> tuple[LoadedImage, np.ndarray]:
    px = np.zeros((size[1], size[0], 3), np.uint8)
    return LoadedImage(pixels=px, path=None, format="PNG", file_bytes=1000, has_alpha=False), px


def test_burst_of_changes_renders_only_the_last(qtbot, controller, monkeypatch):
    fake = FakeCore()
    monkeypatch.setattr(worker_mod, "quantize", fake)
    doc, px = document()
    controller.set_document(doc, px)
    for k in range(2, 40):
        controller.set_params(k=k)
    qtbot.waitUntil(lambda: controller.full is not None and controller.full.params.k == 39, timeout=5_000)
    previews = [k for k, preview in fake.calls if preview]
    assert previews[-1] == 39
    assert len(previews) <= 3
    assert controller.current.params.k == 39


def test_stale_result_is_ignored_and_running_job_is_cancelled(qtbot, controller, monkeypatch):
    fake = FakeCore(delay=20.0)
    monkeypatch.setattr(worker_mod, "quantize", fake)
    doc, px = document()
    controller.set_document(doc, px)  # starts a slow (20 s) preview at K=16
    qtbot.waitUntil(lambda: len(fake.calls) == 1, timeout=5_000)
    fake.delay = 0.0
    t0 = time.perf_counter()
    controller.set_params(k=5)
    qtbot.waitUntil(lambda: controller.current is not None and controller.current.params.k == 5, timeout=5_000)
    assert time.perf_counter() - t0 < 10.0  # the 20 s job stopped at its next poll, not at its end
    assert all(r.params.k == 5 for r in [controller.current])


def test_cancel_stops_and_clears_busy(qtbot, controller, monkeypatch):
    fake = FakeCore(delay=30.0)
    monkeypatch.setattr(worker_mod, "quantize", fake)
    doc, px = document()
    controller.set_document(doc, px)
    qtbot.waitUntil(lambda: controller.busy and len(fake.calls) == 1, timeout=5_000)
    controller.cancel()
    qtbot.waitUntil(lambda: not controller.busy, timeout=10_000)  # long before the 30 s job ends
    assert controller.current is None


def test_worker_failure_becomes_one_line_error(qtbot, controller, monkeypatch):
    def broken(*a, **k):
        raise ValueError("K must be a whole number from 1 to 256")

    monkeypatch.setattr(worker_mod, "quantize", broken)
    doc, px = document()
    with qtbot.waitSignal(controller.errorOccurred, timeout=5_000) as sig:
        controller.set_document(doc, px)
    assert sig.args[0] == "K must be a whole number from 1 to 256"
    qtbot.waitUntil(lambda: not controller.busy, timeout=3_000)


def test_results_carry_their_parameters(qtbot, controller, monkeypatch):
    monkeypatch.setattr(worker_mod, "quantize", FakeCore())
    doc, px = document()
    controller.set_document(doc, px)
    controller.set_params(seed=9, dither="ordered")
    qtbot.waitUntil(lambda: controller.full is not None and controller.full.params.seed == 9, timeout=5_000)
    assert controller.full.params.dither == "ordered"
