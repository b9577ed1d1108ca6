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
