"""The live loop on a 12-megapixel photo, offscreen, on the real event loop (a script, not a test).

Measures, in the real window with its real worker threads:
- pictures shown per second during 3-second slider drags (K 8 -> 64 -> 8 and 64 -> 256), at a
  step every 16 ms (a fast drag) and every 60 ms (a slow one);
- time from the last change of a drag to the full-resolution result (and its figures) shown;
- time from Save to the file written, with the full result ready;
- the longest event-loop stall during all of it (a 10 ms QTimer ticks throughout; a late tick
  means the GUI thread was blocked).

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_gui.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402
from PySide6.QtCore import QElapsedTimer, QEventLoop, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


def make_photo(path: Path, name: str) -> None:
    from skimage import data

    Image.fromarray(getattr(data, name)()).resize((4000, 3000), Image.LANCZOS).save(path, quality=92)


def wait_until(cond, timeout_s=180.0) -> None:
    """Run the real event loop (idle between events, as in the app) until ``cond()``."""
    if cond():
        return
    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(2)
    poll.timeout.connect(lambda: cond() and loop.quit())
    poll.start()
    timed_out = []
    QTimer.singleShot(int(timeout_s * 1000), lambda: (timed_out.append(True), loop.quit()))
    loop.exec()
    poll.stop()
    if timed_out and not cond():
        raise TimeoutError


class StallMeter:
    """A 10 ms timer on the GUI thread; the longest gap beyond 10 ms is the longest stall."""

    def __init__(self) -> None:
        self.clock = QElapsedTimer()
        self.clock.start()
        self.last = self.clock.elapsed()
        self.worst = 0
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def _tick(self) -> None:
        now = self.clock.elapsed()
        self.worst = max(self.worst, now - self.last - 10)
        self.last = now

    def take(self) -> int:
        worst, self.worst = self.worst, 0
        return worst


def drag(slider, values: list[int], step_ms: int) -> None:
    loop = QEventLoop()
    it = iter(values)

    def step() -> None:
        v = next(it, None)
        if v is None:
            timer.stop()
            loop.quit()
        else:
            slider.setValue(v)

    timer = QTimer()
    timer.timeout.connect(step)
    timer.start(step_ms)
    loop.exec()


def path_of(a: int, b: int, c: int, n: int) -> list[int]:
    """``n`` slider values going a -> b -> c (or a -> b when c is None) evenly."""
    half = n // 2
    first = [round(a + (b - a) * i / half) for i in range(half)]
    second = [round(b + (c - b) * i / (n - half - 1)) for i in range(n - half)]
    return first + second


def main() -> None:
    from kmeans_gui.main_window import MainWindow

    QApplication([])
    tmp = Path(tempfile.mkdtemp())
    print("| photo | drag | step | pictures shown | per second | last change -> full shown (s) | "
          "-> figures (s) | Save -> written (s) | longest stall (ms) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in ("astronaut", "coffee"):
        bench_photo(MainWindow, tmp, name)


def bench_photo(MainWindow, tmp: Path, name: str) -> None:  # noqa: N803 - the window class
    """The drag rows of the table for one photo."""
    photo = tmp / f"{name}12mp.jpg"
    make_photo(photo, name)
    win = MainWindow(QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat))
    win.resize(1280, 800)
    win.show()
    c = win.controller
    win.controls.k_spin.setValue(8)
    win.open_path(photo)
    wait_until(lambda: c.full_for(c.options) is not None and c.figures is not None and not c.busy)
    shown: list = []
    c.resultShown.connect(lambda r: shown.append(time.perf_counter()))
    meter = StallMeter()
    for label, (a, b, e) in (("8->64->8", (8, 64, 8)), ("64->256", (64, 160, 256))):
        for step_ms in (16, 60):
            n = 3000 // step_ms
            values = path_of(a, b, e, n)
            win.controls.k_slider.setValue(values[0])
            wait_until(lambda: c.full_for(c.options) is not None and c.figures is not None and not c.busy)
            meter.take()
            shown.clear()
            t0 = time.perf_counter()
            drag(win.controls.k_slider, values[1:], step_ms)
            t_last = time.perf_counter()
            n_during = len(shown)
            wait_until(lambda: c.full_for(c.options) is not None and c.shown is c.full)
            t_full = time.perf_counter() - t_last
            wait_until(lambda: c.figures is not None and not c.busy)
            t_fig = time.perf_counter() - t_last
            out = tmp / f"{name}-{label.replace('>', '')}-{step_ms}.png"
            saved = []
            win.saveFinished.connect(lambda p, e, saved=saved: saved.append(e))
            ts = time.perf_counter()
            win.save_to(out)
            wait_until(lambda saved=saved: bool(saved))
            t_save = time.perf_counter() - ts
            win.saveFinished.disconnect()
            per_s = n_during / (t_last - t0)
            print(f"| {name} 12 MP | {label} | {step_ms} ms | {n_during} | {per_s:.1f} | {t_full:.2f} | "
                  f"{t_fig:.2f} | {t_save:.2f} | {meter.take()} |", flush=True)
    win.close()


if __name__ == "__main__":
    main()
