"""sRGB <-> linear RGB <-> OKLab and CIELAB (D65) on float arrays of shape (..., 3), and the
conversion of colors to and from the features the quantizer clusters.

OKLab (Bjorn Ottosson, 2020) is what the quantizer clusters in when asked for perceptual
color: Euclidean distance there tracks perceived difference far better than in sRGB.
CIELAB is used for the deltaE figure people know ("below 1 is invisible, 2-3 is close").
"""

from __future__ import annotations

import numpy as np

_M1 = np.array(  # linear sRGB -> LMS
    [
        [0.4122214708, 0.5363325363, 0.0514459929],
        [0.2119034982, 0.6806995451, 0.1073969566],
        [0.0883024619, 0.2817188376, 0.6299787005],
    ]
)
_M2 = np.array(  # cube-rooted LMS -> OKLab
    [
        [0.2104542553, 0.7936177850, -0.0040720468],
        [1.9779984951, -2.4285922050, 0.4505937099],
        [0.0259040371, 0.7827717662, -0.8086757660],
    ]
)
_M1_INV = np.linalg.inv(_M1)
_M2_INV = np.linalg.inv(_M2)

_RGB_TO_XYZ = np.array(
    [
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ]
)
_WHITE_D65 = np.array([0.95047, 1.0, 1.08883])


def _mat(x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """``x @ m.T`` for (..., 3) arrays without a BLAS call (3x3 is too small to need one)."""
    return x[..., 0:1] * m[:, 0] + x[..., 1:2] * m[:, 1] + x[..., 2:3] * m[:, 2]


def srgb_to_linear(srgb: np.ndarray) -> np.ndarray:
    """sRGB in 0..255 (any dtype) -> linear RGB in 0..1."""
    c = np.asarray(srgb, dtype=np.float64) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(linear: np.ndarray) -> np.ndarray:
    """Linear RGB in 0..1 -> sRGB in 0..255 as float (clipped to the gamut, not rounded)."""
    c = np.clip(np.asarray(linear, dtype=np.float64), 0.0, 1.0)
    out = np.where(c <= 0.0031308, c * 12.92, 1.055 * c ** (1 / 2.4) - 0.055)
    return out * 255.0


def srgb_to_oklab(srgb: np.ndarray) -> np.ndarray:
    """sRGB 0..255 -> OKLab (L in 0..1, a and b roughly -0.4..0.4)."""
    lms = _mat(srgb_to_linear(srgb), _M1)
    return _mat(np.cbrt(lms), _M2)


def oklab_to_srgb(lab: np.ndarray) -> np.ndarray:
    """OKLab -> sRGB 0..255 float, clipped to the sRGB gamut."""
    lms = _mat(np.asarray(lab, dtype=np.float64), _M2_INV) ** 3
    return linear_to_srgb(_mat(lms, _M1_INV))


def srgb_to_cielab(srgb: np.ndarray) -> np.ndarray:
    """sRGB 0..255 -> CIELAB (D65 white; L in 0..100)."""
    return linear_to_cielab(srgb_to_linear(srgb))


#: ``srgb_to_linear`` of every 8-bit value: bit-identical to computing it, without the pow.
LINEAR_OF_U8 = srgb_to_linear(np.arange(256))


def u8_to_cielab(rgb: np.ndarray) -> np.ndarray:
    """(N, 3) uint8 sRGB -> CIELAB through a 256-entry table; equals :func:`srgb_to_cielab`."""
    lin = np.empty(rgb.shape, dtype=np.float64)
    for c in range(3):
        np.take(LINEAR_OF_U8, rgb[:, c], out=lin[:, c])
    return linear_to_cielab(lin)


def linear_to_cielab(linear: np.ndarray) -> np.ndarray:
    """Linear RGB in 0..1 -> CIELAB (D65 white)."""
    xyz = _mat(linear, _RGB_TO_XYZ) / _WHITE_D65
    eps, kappa = 216 / 24389, 24389 / 27
    f = np.where(xyz > eps, np.cbrt(xyz), (kappa * xyz + 16) / 116)
    L = 116 * f[..., 1] - 16
    a = 500 * (f[..., 0] - f[..., 1])
    b = 200 * (f[..., 1] - f[..., 2])
    return np.stack([L, a, b], axis=-1)


#: Spaces the quantizer can cluster in: "rgb" minimizes RGB error (MSE), "oklab" perceived error.
COLOR_SPACES = ("rgb", "oklab")


def to_features(rgb: np.ndarray, color_space: str) -> np.ndarray:
    """Colors (M, 3|4) in 0..255 -> clustering features (alpha scaled like the color axes)."""
    if color_space == "rgb":
        return np.asarray(rgb, dtype=np.float64)
    feats = srgb_to_oklab(rgb[:, :3])
    if rgb.shape[1] == 4:
        feats = np.concatenate([feats, rgb[:, 3:4] / 255.0], axis=1)
    return feats


def from_features(X: np.ndarray, color_space: str) -> np.ndarray:
    """Clustering features -> colors (M, 3|4) as uint8, rounded and clipped."""
    if color_space == "rgb":
        rgb = X
    else:
        rgb = oklab_to_srgb(X[:, :3])
        if X.shape[1] == 4:
            rgb = np.concatenate([rgb, X[:, 3:4] * 255.0], axis=1)
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)
