"""``kmeans-gui [PATH ...]``: the desktop app. With no path it opens the bundled sample photo;
with several (or a folder) it compresses them as a batch, as when they are dropped on it.

``kmeans-gui --self-test`` runs without a display: opens the sample through the real
worker thread at K=16, saves an indexed PNG to a temp folder, checks it and prints one line.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

_T0 = time.perf_counter()
#: How long closing the window waits for the workers before the app exits anyway.
CLOSE_WAIT_MS = 600
APP_NAME = "K-Means Image Compressor"
ORG_NAME = "kmeans-gui"


def _parse(argv: list[str]) -> argparse.Namespace:
    from core import __version__

    p = argparse.ArgumentParser(prog="kmeans-gui", description="Compress images by K-means color quantization.")
    p.add_argument("path", nargs="*", help="image to open (default: the bundled sample photo); several images or "
                                           "a folder are compressed as a batch, as when dropped on the window")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    p.add_argument("--self-test", action="store_true", help="headless smoke test; exit 0 when everything works")
    p.add_argument("--screenshot", metavar="PNG", help=argparse.SUPPRESS)
    p.add_argument("--exit-when-shown", action="store_true", help=argparse.SUPPRESS)  # start-up timing
    p.add_argument("--close-after", type=int, metavar="MS", help=argparse.SUPPRESS)  # close-while-busy tests
    return p.parse_args(argv)


def make_app(argv: list[str]):
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORG_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setDesktopFileName("kmeans-gui")
    return app


def self_test() -> int:
    """Open the bundled photo through the real worker, save K=16, verify, print one line."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PIL import Image
    from PySide6.QtCore import QEventLoop, QSettings, QTimer

    from .main_window import MainWindow
    from .resources_path import sample_photo_path

    app = make_app([])
    scratch = tempfile.TemporaryDirectory(prefix="kmeans-gui-selftest-")  # settings and output, removed after
    settings = QSettings(str(Path(scratch.name) / "selftest.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings)
    out = Path(scratch.name) / "sample-k16.png"
    t0 = time.perf_counter()
    state: dict = {}
    loop = QEventLoop()
    win.saveFinished.connect(lambda path, error: (state.update(error=error) if error else state.update(saved=path),
                                                 loop.quit()))
    win.controller.errorOccurred.connect(lambda msg: (state.update(error=msg), loop.quit()))
    win.controller.loadFailed.connect(lambda msg: (state.update(error=msg), loop.quit()))

    def start() -> None:
        if win.controller.shown is None:
            QTimer.singleShot(20, start)
            return
        win.save_to(out)

    win.controls.k_spin.setValue(16)
    win.open_path(sample_photo_path())
    QTimer.singleShot(20, start)
    QTimer.singleShot(120_000, lambda: (state.update(error="timed out"), loop.quit()))
    loop.exec()
    ok = False
    line = ""
    try:
        if "error" in state:
            line = f"self-test FAILED: {state['error']}"
        else:
            from core import deflate_join, png_write

            im = Image.open(out)
            colors = len(im.getcolors(256) or [])
            src = Image.open(sample_photo_path())
            # Without libdeflate a save still works, with larger files: a bundle missing it is broken.
            smallest = png_write.have_libdeflate()
            ok = im.mode == "P" and 1 <= colors <= 16 and im.size == src.size and smallest
            line = (f"self-test {'ok' if ok else 'FAILED'}: {out.name} {im.size[0]}x{im.size[1]}, {colors} colors, "
                    f"{out.stat().st_size:,} bytes (original {sample_photo_path().stat().st_size:,}), "
                    f"{time.perf_counter() - t0:.1f} s, worker threads joined, libdeflate "
                    f"{'found' if smallest else 'MISSING'}, pieces joined on all cores: "
                    f"{'yes' if deflate_join.available() else 'no (one piece)'}")
    finally:
        win.close()
        win.deleteLater()
        app.processEvents()
        scratch.cleanup()
    print(line)
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    import multiprocessing

    multiprocessing.freeze_support()  # the frozen app's PNG helper process must not start a window
    args = _parse(sys.argv[1:] if argv is None else argv)
    if args.self_test:
        return self_test()
    if not os.environ.get("QT_QPA_PLATFORM") and sys.platform.startswith("linux") \
            and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        print("kmeans-gui: no display found (set DISPLAY, or try `kmeans-gui --self-test` / `kmeans-compress`)",
              file=sys.stderr)
        return 2
    from .main_window import MainWindow
    from .resources_path import sample_photo_path

    app = make_app([])
    win = MainWindow()
    win.close_timeout_ms = CLOSE_WAIT_MS
    win.show()
    paths = [Path(p) for p in args.path] or [sample_photo_path()]
    path = paths[0]
    if len(paths) == 1 and not path.is_dir():
        win.open_path(path)
    else:  # the file manager's "Open With" on several files: a batch, after the window is up
        from PySide6.QtCore import QTimer

        QTimer.singleShot(0, lambda: win.open_paths(paths))
    if args.exit_when_shown:
        from PySide6.QtCore import QTimer

        QTimer.singleShot(0, lambda: (print(f"window shown after {time.perf_counter() - _T0:.2f} s"), win.close()))
    if args.close_after is not None:
        import faulthandler

        from PySide6.QtCore import QTimer

        # A close test that hangs shows where every thread waits (on stderr), then exits 1,
        # well before the test's own timeout would kill the process without a word.
        faulthandler.dump_traceback_later(args.close_after / 1000 + 60, exit=True)

        def close_now() -> None:
            print(f"closing at {time.time():.3f}", flush=True)
            win.close()

        QTimer.singleShot(args.close_after, close_now)
    if args.screenshot:
        from PySide6.QtCore import QTimer

        def shoot() -> None:
            if win.controller.busy or win.controller.full is None:
                QTimer.singleShot(200, shoot)
                return
            from core.atomic import atomic_write_bytes

            from .qt_images import qimage_png_bytes

            atomic_write_bytes(args.screenshot, qimage_png_bytes(win.grab().toImage()), overwrite=True,
                               protect=[path])  # through the write guard, like every write
            win.close()

        QTimer.singleShot(500, shoot)
    code = app.exec()
    from . import tool_runner

    if win.controller.threads_running() or tool_runner.retired_running():
        # A worker is inside a step that cannot be interrupted (decoding a huge file, say).
        # Its results are not wanted any more and every write is atomic, so leave now rather
        # than keep the user waiting: destroying a running QThread would abort the process.
        from . import encoder_process

        encoder_process.shutdown()
        encoder_process.release_before_exit()
        if args.close_after is not None:  # the close tests time the app's part apart from the kernel's
            print(f"leaving at {time.time():.3f}", flush=True)  # (unmapping a 64 MP load's memory)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    # Close and delete the window before the interpreter shuts down (a frozen app can
    # otherwise crash at exit).
    win.close()
    win.deleteLater()
    app.processEvents()
    return code


if __name__ == "__main__":
    sys.exit(main())
