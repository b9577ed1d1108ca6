"""The app as a process: --self-test, and the PySide6 void-call regression (DESIGN.md)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_self_test_passes_offscreen_and_leaves_no_files(tmp_path):
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", TMPDIR=str(temp))
    res = subprocess.run([sys.executable, "-m", "kmeans_gui.app", "--self-test"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=180)
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.startswith("self-test ok:"), res.stdout
    assert "16 colors" in res.stdout
    assert list(temp.iterdir()) == []  # it used to leave two folders behind on every run


def test_twenty_thousand_void_qt_calls_do_not_abort():
    # PySide6-Essentials 6.12.0 on Python < 3.12 drops a reference to None on every Qt call
    # that returns nothing and aborts after ~5,000 of them; pyproject must never install it there.
    code = (
        "from PySide6.QtWidgets import QApplication, QLabel, QSlider\n"
        "app = QApplication([])\n"
        "label, slider = QLabel(), QSlider()\n"
        "for i in range(10_000):\n"
        "    label.setText(str(i)); slider.setValue(i % 100)\n"
        "app.processEvents()\n"
        "print('survived')\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0 and "survived" in res.stdout, res.stderr[-500:]


def test_gui_without_display_says_so_in_one_line():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    res = subprocess.run([sys.executable, "-m", "kmeans_gui.app"], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=60)
    assert res.returncode == 2
    assert "no display" in res.stderr and "Traceback" not in res.stderr


def test_several_paths_on_the_command_line_are_accepted():
    """A file manager's "Open With" on several images passes them all: that was a usage error
    (exit 2, no window)."""
    from kmeans_gui.app import _parse

    assert _parse(["a.png", "b.png"]).path == ["a.png", "b.png"]
    assert _parse([]).path == []


def test_open_paths_does_what_a_drop_does(qtbot, window, tmp_path, monkeypatch):
    import numpy as np
    from PIL import Image

    files = []
    for i in range(2):
        p = tmp_path / f"in{i}.png"
        Image.fromarray(np.full((8, 8, 3), 40 * i, np.uint8)).save(p)
        files.append(p)
    batches, opened = [], []
    monkeypatch.setattr(window, "compress_many", batches.append)
    monkeypatch.setattr(window, "open_path", opened.append)
    window.open_paths(files)
    window.open_paths([files[0]])
    window.open_paths([tmp_path])
    assert batches == [files, [tmp_path]] and opened == [files[0]]
