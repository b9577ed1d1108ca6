"""Decoded Pillow images -> 8-bit sRGB NumPy pixels (bit depth, color profile, alpha)."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

try:
    from PIL import ImageCms
except ImportError:  # Pillow built without littlecms: profiles are carried, not converted
    ImageCms = None


def to_8bit(im: Image.Image) -> Image.Image:
    """16-bit and 32-bit grayscale scaled (not clipped) to 8 bits."""
    if im.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        a = np.asarray(im, dtype=np.uint32 if im.mode != "I" else np.int64)
        a = np.clip(a, 0, 65535).astype(np.uint32)
        return Image.fromarray(((a * 255 + 32767) // 65535).astype(np.uint8), "L")
    if im.mode == "F":
        a = np.asarray(im, dtype=np.float32)
        finite = a[np.isfinite(a)]  # the scale (0..1 or 0..255) from real values, not an infinity
        top = 1.0 if finite.size == 0 or finite.max() <= 1.0 else 255.0
        a = np.nan_to_num(a, nan=0.0, posinf=top, neginf=0.0)  # +inf white, -inf and NaN black
        return Image.fromarray(np.clip(a * (255.0 / top), 0, 255).round().astype(np.uint8), "L")
    return im


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


def to_pixels(im: Image.Image) -> tuple[np.ndarray, bool]:
    """Any Pillow mode -> (H, W, 3|4) uint8. Alpha is kept only if something is see-through."""
    im = to_8bit(im)
    transparent_info = "transparency" in im.info
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or transparent_info:
        rgba = np.asarray(im.convert("RGBA"))
        if np.any(rgba[..., 3] != 255):
            return np.ascontiguousarray(rgba), True
        return np.ascontiguousarray(rgba[..., :3]), False
    return np.ascontiguousarray(np.asarray(im if im.mode == "RGB" else im.convert("RGB"))), False
