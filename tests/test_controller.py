"""The controller and its workers with a fake core: stages, what is cancelled, what is kept."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from PIL import Image

import core.compress as compress_mod
import kmeans_gui.render as render_mod
from core.kmeans import Cancelled
from core.quantize import Quantized
from kmeans_gui.controller import Controller


class FakeCore:
    """Stands in for core.quantize: records calls, can be slow, honours should_stop."""

    def __init__(self, delay: float = 0.0, draft_delay: float | None = None, full_delay: float | None = None) -> None:
        self.calls: list[tuple[int, bool, int]] = []  # (k, preview, pixels)
        self.delay = delay
        self.draft_delay = delay if draft_delay is None else draft_delay
        self.full_delay = delay if full_delay is None else full_delay
        self.fail_at_k: int | None = None

    def __call__(self, pixels, k, *, seed=0, preview=False, should_stop=None, plan=None, **kw):
        h, w = pixels.shape[:2]
        self.calls.append((k, preview, h * w))
        if k == self.fail_at_k:
            raise ValueError("the fake core refuses this K")
        is_draft = preview and h * w <= render_mod.DRAFT_PIXELS
        delay = self.draft_delay if is_draft else self.delay if preview else self.full_delay
        end = time.perf_counter() + delay
        while time.perf_counter() < end:
            if should_stop is not None and should_stop():
                raise Cancelled()
            time.sleep(0.002)
        n = min(k, 4)
        palette = (np.arange(n)[:, None] * [60, 30, 10] + seed).astype(np.uint8) % 255
        indices = (np.arange(h * w) % n).reshape(h, w).astype(np.uint8)
        return Quantized(palette=palette, indices=indices, counts=np.bincount(indices.ravel(), minlength=n),
                         inertia=0.0, n_iter=1, distinct_colors=n, k=k, seed=seed, color_space="rgb", preview=preview)


@pytest.fixture
def controller(qtbot):
    c = Controller()
    yield c
    assert c.shutdown()


@pytest.fixture
def image_path(tmp_path):
    """600 x 400: larger than the draft copy, so the loop starts with drafts."""
    px = np.random.default_rng(0).integers(0, 255, size=(400, 600, 3), dtype=np.uint8)
    path = tmp_path / "img.png"
    Image.fromarray(px).save(path)
    return path


def open_doc(qtbot, c: Controller, path) -> None:
    c.open_path(path)
    qtbot.waitUntil(lambda: c.document is not None and c.shown is not None, timeout=10_000)


def settled(c: Controller) -> bool:
    return c.full_for(c.options) is not None and c.shown is c.full and not c.busy


def test_a_burst_of_changes_while_a_draft_runs_renders_the_last(qtbot, controller, image_path, monkeypatch):
    fake = FakeCore(delay=0.0, draft_delay=0.2)
    monkeypatch.setattr(compress_mod, "quantize", fake)
    open_doc(qtbot, controller, image_path)
    qtbot.waitUntil(lambda: settled(controller), timeout=10_000)
    start = controller.render_count
    for k in range(2, 40):
        controller.set_options(k=k)
    qtbot.waitUntil(lambda: settled(controller), timeout=10_000)
    assert controller.shown.options.k == 39
    # One draft for the first change, one for the newest settings, then preview and full.
    assert controller.render_count - start <= 5
    assert [k for k, _, _ in fake.calls][-1] == 39


def test_a_draft_in_flight_is_shown_not_cancelled(qtbot, controller, image_path, monkeypatch):
    fake = FakeCore(delay=0.0, draft_delay=0.3)
    monkeypatch.setattr(compress_mod, "quantize", fake)
    open_doc(qtbot, controller, image_path)
    qtbot.waitUntil(lambda: settled(controller), timeout=10_000)
    shown = []
    controller.resultShown.connect(lambda r: shown.append((r.stage, r.options.k)))
    controller.set_options(k=5)
    controller.set_options(k=6)  # while the K = 5 draft runs
    qtbot.waitUntil(lambda: settled(controller), timeout=10_000)
    assert shown[0] == ("draft", 5)  # the picture in flight was finished and shown
    assert shown[-1] == ("full", 6)


def test_a_change_cancels_a_long_full_render(qtbot, controller, image_path, monkeypatch):
    fake = FakeCore(delay=0.0, full_delay=30.0)
    monkeypatch.setattr(compress_mod, "quantize", fake)
    open_doc(qtbot, controller, image_path)
    qtbot.waitUntil(lambda: controller.loop.inflight is not None and controller.loop.inflight.stage == "full", timeout=10_000)
    controller.set_options(k=7)  # must stop the 30 s full render at its next poll
    fake.full_delay = 0.0
    qtbot.waitUntil(lambda: settled(controller), timeout=10_000)
    assert controller.shown.options.k == 7


def test_cancel_stops_everything_and_clears_busy(qtbot, controller, image_path, monkeypatch):
    fake = FakeCore(delay=0.0)
    monkeypatch.setattr(compress_mod, "quantize", fake)
    open_doc(qtbot, controller, image_path)
    qtbot.waitUntil(lambda: settled(controller), timeout=10_000)
    fake.delay = fake.draft_delay = fake.full_delay = 30.0
    controller.set_options(k=9)
    qtbot.waitUntil(lambda: controller.busy, timeout=5_000)
    controller.cancel()
    qtbot.waitUntil(lambda: not controller.busy, timeout=5_000)
    assert controller.options == controller.shown.options  # the settings went back to the picture's


def test_a_failure_in_the_core_becomes_one_line(qtbot, controller, image_path, monkeypatch):
    fake = FakeCore()
    monkeypatch.setattr(compress_mod, "quantize", fake)
    open_doc(qtbot, controller, image_path)
    errors = []
    controller.errorOccurred.connect(errors.append)
    fake.fail_at_k = 13
    controller.set_options(k=13)
    qtbot.waitUntil(lambda: bool(errors) and not controller.busy, timeout=5_000)
    assert errors == ["the fake core refuses this K"]


def test_results_carry_the_options_they_were_made_for(qtbot, controller, image_path, monkeypatch):
    monkeypatch.setattr(compress_mod, "quantize", FakeCore())
    open_doc(qtbot, controller, image_path)
    controller.set_options(k=11, seed=3)
    qtbot.waitUntil(lambda: settled(controller), timeout=10_000)
    r = controller.shown
    assert (r.options.k, r.options.seed, r.stage) == (11, 3, "full")
    assert r.indices.shape == (400, 600)


def test_a_full_render_that_finishes_after_escape_is_dropped_and_starts_nothing(qtbot, controller, image_path,
                                                                                  monkeypatch):
    """Esc while a full render builds its picture (no poll there; ~0.3 s at 12 MP): the result
    must not reach the screen, and no figures (a long PNG encode) may start after it."""
    monkeypatch.setattr(compress_mod, "quantize", FakeCore(delay=0.0))
    running = threading.Event()
    build = render_mod.build_result

    def slow_build(job, *args):
        if job.stage == "full":
            running.set()
            time.sleep(0.4)
        return build(job, *args)

    monkeypatch.setattr(render_mod, "build_result", slow_build)
    open_doc(qtbot, controller, image_path)
    qtbot.waitUntil(lambda: settled(controller), timeout=10_000)
    running.clear()
    controller.set_options(k=9)
    qtbot.waitUntil(running.is_set, timeout=5_000)  # the K = 9 preview is shown, its full render runs
    preview = controller.shown
    assert preview.options.k == 9 and preview.stage != "full"
    shown_after_escape, figures_after_escape = [], []
    controller.cancel()
    controller.resultShown.connect(shown_after_escape.append)
    controller.figuresChanged.connect(figures_after_escape.append)
    qtbot.waitUntil(lambda: not controller.busy, timeout=5_000)
    qtbot.wait(200)  # anything the late result started would be running or done by now
    assert shown_after_escape == []
    assert [f for f in figures_after_escape if f is not None] == []
    assert not controller.busy
    assert controller.shown is preview and controller.options == preview.options


def _slow_full_build(monkeypatch, seconds: float = 0.4) -> threading.Event:
    """Full renders spend ``seconds`` building their picture, where nothing polls the token."""
    running = threading.Event()
    build = render_mod.build_result

    def slow_build(job, *args):
        if job.stage == "full":
            running.set()
            time.sleep(seconds)
        return build(job, *args)

    monkeypatch.setattr(render_mod, "build_result", slow_build)
    return running


def test_a_save_right_after_escape_is_done_not_left_waiting(qtbot, controller, image_path, monkeypatch,
                                                              tmp_path):
    """Save while the full render Esc cancelled is still stopping: the save must still end
    (here: written), not wait for a render that nobody will start."""
    monkeypatch.setattr(compress_mod, "quantize", FakeCore(delay=0.0))
    open_doc(qtbot, controller, image_path)
    qtbot.waitUntil(lambda: settled(controller), timeout=10_000)
    running = _slow_full_build(monkeypatch)
    controller.set_options(k=9)
    qtbot.waitUntil(running.is_set, timeout=5_000)
    controller.cancel()
    ended = []
    controller.writeFinished.connect(lambda done, kind: ended.append(done))
    controller.save(tmp_path / "after-esc.png")
    qtbot.waitUntil(lambda: bool(ended) and not controller.busy, timeout=10_000)
    assert len(ended) == 1 and ended[0].error == ""
    with Image.open(tmp_path / "after-esc.png") as im:
        assert len(im.getcolors()) == min(9, 4)  # the fake core's palette for K = 9
    assert not controller.busy


def test_escape_while_the_quick_figures_finish_starts_no_smallest_encode(qtbot, controller, image_path,
                                                                         monkeypatch):
    monkeypatch.setattr(compress_mod, "quantize", FakeCore(delay=0.0))
    measuring = threading.Event()
    quick = render_mod.figures
    smallest_calls = []

    def slow_quick_figures(result, document, token):
        out = quick(result, document, token)
        if result.stage == "full":
            measuring.set()
            time.sleep(0.4)  # Esc arrives here, after the figures' last poll
        return out

    monkeypatch.setattr(render_mod, "figures", slow_quick_figures)
    monkeypatch.setattr(render_mod, "smallest_figures", lambda *a: smallest_calls.append(a))
    open_doc(qtbot, controller, image_path)
    qtbot.waitUntil(measuring.is_set, timeout=10_000)
    controller.cancel()
    qtbot.waitUntil(lambda: not controller.busy, timeout=5_000)
    qtbot.wait(200)
    assert smallest_calls == []
    assert controller.figures is not None and controller.figures.png_kind == "unoptimized"
    assert not controller.busy


def test_the_figures_on_show_always_belong_to_the_picture_on_show(qtbot, controller, image_path, monkeypatch):
    monkeypatch.setattr(compress_mod, "quantize", FakeCore(delay=0.0))
    events = []
    controller.resultShown.connect(lambda r: events.append(("shown", r.stage)))
    controller.figuresChanged.connect(lambda f: events.append(("figures", None if f is None else f.stage)))
    open_doc(qtbot, controller, image_path)
    qtbot.waitUntil(lambda: settled(controller) and controller.figures is not None
                    and controller.figures.png_kind == "smallest", timeout=10_000)
    controller.set_options(k=7)
    qtbot.waitUntil(lambda: settled(controller) and controller.figures is not None
                    and controller.figures.png_kind == "smallest", timeout=10_000)
    on_show = None
    for kind, stage in events:
        if kind == "shown":
            on_show, measured = stage, False
        elif stage is None:
            measured = True  # the rows were cleared for the new picture
        else:
            assert measured and stage == on_show, events  # never the previous picture's figures
    assert ("shown", "full") in events


def test_escape_says_when_nothing_is_left_running(qtbot, controller, image_path, monkeypatch):
    monkeypatch.setattr(compress_mod, "quantize", FakeCore(delay=0.0))
    open_doc(qtbot, controller, image_path)
    qtbot.waitUntil(lambda: settled(controller), timeout=10_000)
    with qtbot.waitSignal(controller.busyChanged, timeout=1_000) as blocker:
        controller.cancel()  # even when Esc only ended requests that had no job in a worker yet
    assert blocker.args == [False]


def test_a_damaged_file_opened_during_a_render_does_not_stop_the_live_loop(qtbot, controller, image_path,
                                                                          monkeypatch, tmp_path):
    monkeypatch.setattr(compress_mod, "quantize", FakeCore(delay=0.0, full_delay=0.5))
    open_doc(qtbot, controller, image_path)
    qtbot.waitUntil(lambda: settled(controller), timeout=10_000)
    controller.set_options(k=9)
    qtbot.waitUntil(lambda: controller.loop.inflight is not None and controller.loop.inflight.stage == "full",
                    timeout=10_000)
    damaged = tmp_path / "damaged.jpg"
    damaged.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 200)
    failures = []
    controller.loadFailed.connect(failures.append)
    controller.open_path(damaged)
    qtbot.waitUntil(lambda: bool(failures), timeout=10_000)
    # The open stopped the render; its failure takes the current photo on to full resolution.
    qtbot.waitUntil(lambda: settled(controller) and controller.figures is not None, timeout=10_000)
    assert controller.shown.options.k == 9 and controller.shown.stage == "full"


def test_a_palette_export_does_not_wait_behind_the_smallest_png_encode(qtbot, controller, image_path,
                                                                       monkeypatch, tmp_path):
    """The writer spends seconds on the figures' smallest PNG at 12 MP; exporting the palette of
    the result on screen must not wait for it."""
    monkeypatch.setattr(compress_mod, "quantize", FakeCore(delay=0.0))
    encoding = threading.Event()
    smallest = render_mod.smallest_figures

    def slow_smallest(previous, result, document, token):
        encoding.set()
        end = time.perf_counter() + 5.0
        while time.perf_counter() < end and not token.cancelled:
            time.sleep(0.01)
        return smallest(previous, result, document, token)

    monkeypatch.setattr(render_mod, "smallest_figures", slow_smallest)
    open_doc(qtbot, controller, image_path)
    qtbot.waitUntil(lambda: settled_but_for_figures(controller) and encoding.is_set(), timeout=10_000)
    ended = []
    controller.writeFinished.connect(lambda done, kind: ended.append((done, kind)))
    controller.export_palette(tmp_path / "palette.gpl")
    qtbot.waitUntil(lambda: bool(ended), timeout=10_000)
    done, kind = ended[0]
    assert kind == "export" and done.error == "" and (tmp_path / "palette.gpl").exists()
    assert controller.loop.figures_job is not None  # done while the 5 s encode still holds the writer


def settled_but_for_figures(c: Controller) -> bool:
    return c.full_for(c.options) is not None and c.shown is c.full and c.loop.inflight is None
