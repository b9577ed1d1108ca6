"""core/ must never load Qt: checked in a fresh interpreter, and by ruff's TID251 rule."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_importing_core_loads_no_qt():
    code = (
        "import sys, core, core.kmeans, core.quantize, core.metrics, core.remap\n"
        "import core.io, core.palette, core.dither\n"
        "import kmeans_gui.cli\n"
        "bad = [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'PyQt'))]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


def test_core_sources_do_not_mention_qt_imports():
    for path in (ROOT / "core").glob("*.py"):
        text = path.read_text()
        assert "import PySide6" not in text and "from PySide6" not in text, path
        assert "kmeans_gui" not in text, path


def test_widgets_import_neither_the_core_nor_the_workers():
    """Widgets show what they are given and emit intents: only the controller side calls the core."""
    import ast

    for path in (ROOT / "kmeans_gui" / "widgets").glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [("." * node.level) + (node.module or "")]
            for name in names:
                assert not name.startswith("core"), f"{path.name} imports {name}"
                assert "worker" not in name and "controller" not in name and "render" not in name, \
                    f"{path.name} imports {name}"
