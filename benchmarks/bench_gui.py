"""GUI responsiveness on a 12-megapixel photo, offscreen (a script, not a test).

Measures, in the real window with the real worker thread:
- latency from a K change (spin box) to the new preview being painted, at K = 16 and 256
  (above K = 48 a quick draft is shown first, then the refined preview: both are timed);
- the longest stall of the GUI thread while the full-resolution job runs (a 10 ms QTimer
  ticks throughout; a late tick means the event loop was blocked).

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_gui.py
"""

from __future__ import annotations

import os
import statistics
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


def make_photo(path: Path) -> None:
    from skimage import data

    Image.fromarray(data.astronaut()).resize((4000, 3000), Image.LANCZOS).save(path, quality=92)


def wait_until(app, cond, timeout_s=120.0) -> None:
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


def main() -> None:
    from kmeans_gui.main_window import MainWindow

    app = QApplication([])
    app.aboutToQuit.connect(lambda: None)
    tmp = Path(tempfile.mkdtemp())
    photo = tmp / "photo12mp.jpg"
    make_photo(photo)
    win = MainWindow(QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat))
    win.resize(1280, 800)
    win.show()
    c = win.controller
    win.open_path(photo)
    wait_until(app, lambda: c.full is not None and not c.busy)

    shown: dict = {}
    refined: dict = {}
    c.previewChanged.connect(lambda r: shown.setdefault(r.params.k, time.perf_counter()))
    c.previewChanged.connect(lambda r: r.kind != "draft" and refined.setdefault(r.params.k, time.perf_counter()))

    print("| measure | K | median | max | runs |")
    print("|---|---|---|---|---|")
    for k in (16, 256):
        win.controls.k_spin.setValue(k - 2)
        wait_until(app, lambda: c.full is not None and c.full.params == c.params and not c.busy)
        latencies = []
        finals = []
        for i in range(5):
            target = k - (i % 2)  # alternate so every change is a real change
            shown.clear()
            refined.clear()
            wait_until(app, lambda: not c.busy)
            t0 = time.perf_counter()
            win.controls.k_spin.setValue(target)
            wait_until(app, lambda t=target: t in shown)
            win.view.repaint()  # the preview on screen, not just computed
            latencies.append((time.perf_counter() - t0) * 1000)
            wait_until(app, lambda t=target: t in refined)
            finals.append((refined[target] - t0) * 1000)
            wait_until(app, lambda: c.full is not None and c.full.params == c.params and not c.busy)
        print(f"| K change -> preview painted (ms) | {k} | {statistics.median(latencies):.0f} | "
              f"{max(latencies):.0f} | {len(latencies)} |")
        if max(finals) - max(latencies) > 1:  # a draft was shown first (large K)
            print(f"| K change -> refined preview shown (ms) | {k} | {statistics.median(finals):.0f} | "
                  f"{max(finals):.0f} | {len(finals)} |")

    for k in (16, 256):
        gaps = []
        clock = QElapsedTimer()
        clock.start()
        last = [clock.elapsed()]

        def tick(clock=clock, gaps=gaps, last=last) -> None:
            now = clock.elapsed()
            gaps.append(now - last[0])
            last[0] = now

        timer = QTimer()
        timer.setInterval(10)
        timer.timeout.connect(tick)
        win.controls.k_spin.setValue(k - 3)
        timer.start()
        t0 = time.perf_counter()
        wait_until(app, lambda: c.full is not None and c.full.params == c.params and not c.busy)
        timer.stop()
        full_s = time.perf_counter() - t0
        worst = max(gaps) - 10 if gaps else 0
        print(f"| longest GUI stall during full-res job (ms) | {k - 3} | - | {worst:.0f} | "
              f"{len(gaps)} ticks over {full_s:.1f} s |")
    win.close()


if __name__ == "__main__":
    main()
