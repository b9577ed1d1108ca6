"""scikit-learn as the quality reference of the engine's tests."""

from __future__ import annotations

import numpy as np
import pytest

from core import metrics


def sklearn_mse(img: np.ndarray, k: int) -> float:
    """MSE of ``KMeans(k, random_state=0)`` on every pixel of ``img`` (an (H, W, 3) uint8 image),
    its centers rounded to colors as an image would store them; skips the test without scikit-learn."""
    cluster = pytest.importorskip("sklearn.cluster")
    ref = cluster.KMeans(k, random_state=0).fit(img.reshape(-1, 3).astype(float))
    palette = np.clip(np.rint(ref.cluster_centers_), 0, 255).astype(np.uint8)
    return metrics.mse(img, palette[ref.labels_].reshape(img.shape))
