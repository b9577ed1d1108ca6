"""Shared fixtures. Qt must never need a display here: offscreen before any Qt import."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

settings.register_profile("ci", deadline=None, max_examples=60)
settings.load_profile("ci")


@pytest.fixture(scope="session")
def photo() -> np.ndarray:
    """A real photo (scikit-image's astronaut, downscaled to keep tests quick) or, without
    scikit-image, the bundled sample photo."""
    from PIL import Image

    try:
        from skimage import data

        img = Image.fromarray(data.astronaut())
    except ImportError:  # pragma: no cover - the test extra does not need scikit-image
        from kmeans_gui.resources_path import sample_photo_path

        img = Image.open(sample_photo_path()).convert("RGB")
    img = img.resize((160, 160), Image.LANCZOS)
    return np.asarray(img)


@pytest.fixture(scope="session")
def sample_photo() -> np.ndarray:
    """The bundled sample photo, as RGB pixels."""
    from PIL import Image

    from kmeans_gui.resources_path import sample_photo_path

    return np.asarray(Image.open(sample_photo_path()).convert("RGB"))


@pytest.fixture
def photo_path(tmp_path, photo):
    """The test photo saved as a PNG file."""
    from PIL import Image

    p = tmp_path / "photo.png"
    Image.fromarray(photo).save(p)
    return p


@pytest.fixture
def window(qtbot, tmp_path):
    """A shown main window with its own settings file, closed (threads joined) at the end."""
    from PySide6.QtCore import QSettings

    from kmeans_gui.main_window import MainWindow

    win = MainWindow(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()
