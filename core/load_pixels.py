"""Decoded Pillow images -> 8-bit sRGB NumPy pixels (bit depth, color profile, alpha)."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

try:
    from PIL import ImageCms
except ImportError:  # Pillow built without littlecms: profiles are carried, not converted
    ImageCms = None


def to_8bit(im: Image.Image, notes: list[str] | None = None) -> Image.Image:
    """16-bit and 32-bit grayscale scaled (not clipped) to 8 bits.

    Integers within 0..65535 are 16-bit samples (a 16-bit PNG opens as mode "I"); floats
    within 0..1 or 0..255 keep that scale. Anything else (negative values, 32-bit counts, a
    float image in other units) is stretched from its darkest to its brightest value, and
    ``notes`` says so: clipping would turn it all black or all white.
    """
    if im.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        a = np.asarray(im, dtype=np.uint32 if im.mode != "I" else np.int64)
        if a.size and (a.min() < 0 or a.max() > 65535):
            return _stretched(a.astype(np.float64), "32-bit", notes)
        return Image.fromarray(((a.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8), "L")
    if im.mode == "F":
        a = np.asarray(im, dtype=np.float32)
        finite = a[np.isfinite(a)]  # the scale (0..1 or 0..255) from real values, not an infinity
        if finite.size and (finite.min() < 0 or finite.max() > 255):
            return _stretched(a.astype(np.float64), "floating-point", notes)
        top = 1.0 if finite.size == 0 or finite.max() <= 1.0 else 255.0
        a = np.nan_to_num(a, nan=0.0, posinf=top, neginf=0.0)  # +inf white, -inf and NaN black
        return Image.fromarray(np.clip(a * (255.0 / top), 0, 255).round().astype(np.uint8), "L")
    return im


def _stretched(a: np.ndarray, kind: str, notes: list[str] | None) -> Image.Image:
    """``a`` mapped linearly from its finite min..max onto 0..255 (NaN black, infinities to
    the ends), with a note naming the range."""
    finite = a[np.isfinite(a)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    span = hi - lo if hi > lo else 1.0
    a = np.nan_to_num(a, nan=lo, posinf=hi, neginf=lo)
    if notes is not None:
        notes.append(f"{kind} grayscale values {lo:g} to {hi:g} stretched to 0-255")
    return Image.fromarray(np.clip((a - lo) * (255.0 / span), 0, 255).round().astype(np.uint8), "L")


def convert_icc(im: Image.Image, notes: list[str]) -> tuple[Image.Image, bytes | None]:
    """Convert an embedded ICC profile to sRGB; return the profile only if that failed."""
    icc = im.info.get("icc_profile")
    if not icc:
        return im, None
    if ImageCms is None:
        notes.append("embedded color profile kept as is (no color management available)")
        return im, icc
    try:
        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        desc = ImageCms.getProfileDescription(src).strip().lower()
        if "srgb" in desc:
            return im, None
        dst = ImageCms.createProfile("sRGB")
        out_mode = "RGBA" if im.mode in ("RGBA", "LA", "PA") else "RGB"
        if im.mode not in ("RGB", "RGBA", "CMYK", "L"):
            im = im.convert(out_mode)
        converted = ImageCms.profileToProfile(im, src, dst, outputMode=out_mode)
        notes.append(f"colors converted from '{desc}' to sRGB")
        return converted, None
    except Exception:  # noqa: BLE001 - a broken profile must not stop the load
        notes.append("embedded color profile kept as is (could not convert it to sRGB)")
        return im, icc


def to_pixels(im: Image.Image, notes: list[str] | None = None) -> tuple[np.ndarray, bool]:
    """Any Pillow mode -> (H, W, 3|4) uint8. Alpha is kept only if something is see-through;
    ``notes`` hears of a high-bit-depth image whose values had to be stretched."""
    im = to_8bit(im, notes)
    transparent_info = "transparency" in im.info
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or transparent_info:
        rgba = np.asarray(im.convert("RGBA"))
        if np.any(rgba[..., 3] != 255):
            return np.ascontiguousarray(rgba), True
        return np.ascontiguousarray(rgba[..., :3]), False
    return np.ascontiguousarray(np.asarray(im if im.mode == "RGB" else im.convert("RGB"))), False
