"""Take the README's screenshots of the main window, the playground and Choose K.

    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python scripts/screenshots.py docs/
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QEventLoop, QSettings, QTimer
from PySide6.QtWidgets import QApplication


def wait(app, cond, timeout_ms=60_000):
    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(50)
    timer.timeout.connect(lambda: cond() and loop.quit())
    timer.start()
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()


def main(out: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from kmeans_gui.main_window import MainWindow
    from kmeans_gui.resources_path import sample_photo_path

    app = QApplication([])
    win = MainWindow(QSettings(str(Path(tempfile.mkdtemp()) / "s.ini"), QSettings.Format.IniFormat))
    win.resize(1280, 800)
    win.show()
    win.open_path(sample_photo_path())
    wait(app, lambda: win.controller.full is not None and not win.controller.busy)
    win.grab().save(str(out / "screenshot.png"))
    win.controls.k_spin.setValue(64)
    win.error_view.set_enabled(True)
    wait(app, lambda: win.controller.full is not None and win.controller.full.options.k == 64
         and win.error_view.map is not None and not win.controller.busy)
    app.processEvents()
    win.grab().save(str(out / "error-map.png"))
    win.error_view.set_enabled(False)
    win.resize(1024, 640)
    win.controls.k_spin.setValue(256)
    wait(app, lambda: win.controller.full is not None and win.controller.full.options.k == 256
         and not win.controller.busy)
    app.processEvents()
    win.grab().save(str(out / "small-window-k256.png"))
    win.resize(1280, 800)
    win.controls.k_spin.setValue(16)
    wait(app, lambda: win.controller.full is not None and win.controller.full.options.k == 16
         and not win.controller.busy)
    win.open_playground()
    pg = win.playground
    pg.init.setCurrentIndex(0)
    pg.step()
    wait(app, lambda: pg.result is not None)
    pg._show(3)
    app.processEvents()
    pg.grab().save(str(out / "playground.png"))
    pg.compare()
    wait(app, lambda: pg.compare_panel.isVisible())
    pg.resize(1000, 760)
    app.processEvents()
    pg.grab().save(str(out / "playground-seeds.png"))
    win.open_choose_k()
    dlg = win.choose_k
    wait(app, lambda: bool(dlg.plot.rows))
    app.processEvents()
    dlg.grab().save(str(out / "choose-k.png"))
    dlg.close()
    win.close()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs"))
