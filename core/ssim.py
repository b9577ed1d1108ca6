"""Structural similarity (SSIM) of two images on their luma, in NumPy, in bands of rows.

SSIM (Wang et al. 2004) compares local means, contrasts and correlation in a Gaussian
window, so it punishes banding and blotches that PSNR weighs like any other error. This is
the standard form: 11x11 Gaussian window (sigma 1.5), K1 = 0.01, K2 = 0.03, data range 255,
population (not sample) covariances, averaged over the pixels whose window lies inside the
image -- the same number scikit-image's ``structural_similarity(gaussian_weights=True,
sigma=1.5, use_sample_covariance=False, data_range=255)`` returns.

Work is float32 in bands of rows (a few MB each, whatever the image size). Variances are
taken around 128, not 0, so float32 keeps them accurate to about 1e-3 of a level squared.
"""

from __future__ import annotations

import numpy as np

SIGMA = 1.5
RADIUS = 5  # scikit-image: int(truncate * sigma + 0.5) with truncate 3.5 -> an 11x11 window
C1 = (0.01 * 255) ** 2
C2 = (0.03 * 255) ** 2
BACKGROUND = 128.0  #: alpha is composited over mid grey, as in core.metrics
_LUMA = (0.299, 0.587, 0.114)  # ITU-R BT.601
_BAND_ROWS = 256


def gaussian_kernel(sigma: float = SIGMA, radius: int = RADIUS) -> np.ndarray:
    """Normalized 1-D Gaussian weights, length ``2 * radius + 1``."""
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    k = np.exp(-0.5 * (x / sigma) ** 2)
    return k / k.sum()


def filter_valid(a: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Separable filter of a 2-D array over both axes, "valid" part only (no padding):
    the result is ``2 * radius`` smaller in each dimension."""
    r = len(kernel) // 2
    h, w = a.shape[:2]
    k = kernel.astype(a.dtype)
    rows = a[r : h - r] * k[r]
    for i in range(r):  # the kernel is symmetric: pair the taps
        rows += (a[i : h - 2 * r + i] + a[2 * r - i : h - i]) * k[i]
    out = rows[:, r : w - r] * k[r]
    for i in range(r):
        out += (rows[:, i : w - 2 * r + i] + rows[:, 2 * r - i : w - i]) * k[i]
    return out


def blur(a: np.ndarray, sigma: float, radius: int | None = None) -> np.ndarray:
    """Gaussian blur of an (H, W) or (H, W, C) array with edges reflected (scipy's "reflect"),
    float32, same shape. For measuring what the eye averages (e.g. dithering noise)."""
    radius = int(3.5 * sigma + 0.5) if radius is None else radius
    a = np.asarray(a, np.float32)
    pad = [(radius, radius), (radius, radius)] + [(0, 0)] * (a.ndim - 2)
    return filter_valid(np.pad(a, pad, mode="symmetric"), gaussian_kernel(sigma, radius))


def luma(pixels: np.ndarray) -> np.ndarray:
    """(H, W, 3|4) uint8 -> (H, W) float32 BT.601 luma, alpha composited over mid grey."""
    rgb = pixels[..., :3].astype(np.float32)
    if pixels.shape[-1] == 4:
        a = pixels[..., 3:4].astype(np.float32) / 255.0
        rgb = rgb * a + np.float32(BACKGROUND) * (1.0 - a)
    return rgb[..., 0] * _LUMA[0] + rgb[..., 1] * _LUMA[1] + rgb[..., 2] * _LUMA[2]


def _ssim_sum(x: np.ndarray, y: np.ndarray, kernel: np.ndarray) -> float:
    """Sum of the SSIM map over the valid part of one band of luma rows."""
    mx = filter_valid(x, kernel)
    my = filter_valid(y, kernel)
    xc = x - np.float32(128.0)
    yc = y - np.float32(128.0)
    vx = filter_valid(xc * xc, kernel) - (mx - 128.0) ** 2
    vy = filter_valid(yc * yc, kernel) - (my - 128.0) ** 2
    cxy = filter_valid(xc * yc, kernel) - (mx - 128.0) * (my - 128.0)
    num = (2.0 * mx * my + C1) * (2.0 * cxy + C2)
    den = (mx * mx + my * my + C1) * (vx + vy + C2)
    return float(np.sum(num / den, dtype=np.float64))


def _global_ssim(x: np.ndarray, y: np.ndarray) -> float:
    """One window over the whole image: for images smaller than the 11x11 window."""
    x = x.astype(np.float64)
    y = y.astype(np.float64)
    mx, my = x.mean(), y.mean()
    vx, vy = x.var(), y.var()
    cxy = ((x - mx) * (y - my)).mean()
    return float((2 * mx * my + C1) * (2 * cxy + C2) / ((mx * mx + my * my + C1) * (vx + vy + C2)))


def ssim_luma(x: np.ndarray, y: np.ndarray) -> float:
    """Mean SSIM of two (H, W) luma arrays (0..255 scale)."""
    if x.shape != y.shape or x.ndim != 2:
        raise ValueError(f"images differ in shape: {x.shape} vs {y.shape}")
    h, w = x.shape
    win = 2 * RADIUS + 1
    if h < win or w < win:
        return _global_ssim(x, y)
    kernel = gaussian_kernel()
    total = 0.0
    for top in range(0, h - 2 * RADIUS, _BAND_ROWS):  # top = first output row of the band
        stop = min(h, top + _BAND_ROWS + 2 * RADIUS)
        bx = np.asarray(x[top:stop], np.float32)
        by = np.asarray(y[top:stop], np.float32)
        total += _ssim_sum(bx, by, kernel)
    return total / ((h - 2 * RADIUS) * (w - 2 * RADIUS))


def ssim(a: np.ndarray, b: np.ndarray, *, step: int = 1) -> float:
    """SSIM (-1..1, 1 = identical) of two (H, W, 3|4) uint8 images on their luma.

    ``step`` > 1 compares every step-th pixel in both directions: a quick estimate for
    previews (SSIM depends on scale, so this is not the full-resolution value). Images under
    11 pixels on a side are compared in one window covering the whole image.
    """
    if a.shape != b.shape:
        raise ValueError(f"images differ in shape: {a.shape} vs {b.shape}")
    if step > 1:
        a, b = a[::step, ::step], b[::step, ::step]
    h = a.shape[0]
    rows = 1024
    la = np.empty(a.shape[:2], np.float32)
    lb = np.empty(b.shape[:2], np.float32)
    for top in range(0, h, rows):  # luma in bands: no float copy of the whole RGB image
        la[top : top + rows] = luma(a[top : top + rows])
        lb[top : top + rows] = luma(b[top : top + rows])
    return ssim_luma(la, lb)


def ssim_indexed(pixels: np.ndarray, palette: np.ndarray, indices: np.ndarray, *, step: int = 1) -> float:
    """``ssim(pixels, palette[indices], step=step)`` without building the reconstruction.

    The palette image's luma is a lookup of each entry's luma (the same float32 values
    :func:`luma` gives pixel by pixel), so no (H, W, 3) copy and no per-pixel conversion.
    """
    if pixels.shape[:2] != indices.shape:
        raise ValueError(f"images differ in shape: {pixels.shape[:2]} vs {indices.shape}")
    a = pixels[::step, ::step] if step > 1 else pixels
    idx = indices[::step, ::step] if step > 1 else indices
    rows = 1024
    la = np.empty(a.shape[:2], np.float32)
    for top in range(0, a.shape[0], rows):
        la[top : top + rows] = luma(a[top : top + rows])
    table = luma(np.asarray(palette, np.uint8)[:, None, :])[:, 0]
    return ssim_luma(la, np.take(table, idx))
