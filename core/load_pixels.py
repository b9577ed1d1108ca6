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
    ``notes`` says so: clipping would turn it all black or all white. A transparent gray
    value (a 16-bit PNG's tRNS chunk) becomes an alpha channel ("LA"): the scaled value could
    match other, opaque grays. The embedded color profile, if any, stays in ``info``.
    """
    if im.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        a = np.asarray(im, dtype=np.uint32 if im.mode != "I" else np.int64)
        if a.size and (a.min() < 0 or a.max() > 65535):
            out = _stretched(a.astype(np.float64), "32-bit", notes)
        else:
            out = Image.fromarray(((a.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8), "L")
        key = im.info.get("transparency")
        if isinstance(key, int) and not isinstance(key, bool):
            alpha = np.where(a == key, 0, 255).astype(np.uint8)
            out = Image.fromarray(np.dstack([np.asarray(out), alpha]), "LA")
        return _with_profile(out, im)
    if im.mode == "F":
        a = np.asarray(im, dtype=np.float32)
        finite = a[np.isfinite(a)]  # the scale (0..1 or 0..255) from real values, not an infinity
        if finite.size and (finite.min() < 0 or finite.max() > 255):
            return _with_profile(_stretched(a.astype(np.float64), "floating-point", notes), im)
        top = 1.0 if finite.size == 0 or finite.max() <= 1.0 else 255.0
        a = np.nan_to_num(a, nan=0.0, posinf=top, neginf=0.0)  # +inf white, -inf and NaN black
        return _with_profile(Image.fromarray(np.clip(a * (255.0 / top), 0, 255).round().astype(np.uint8), "L"), im)
    return im


def _with_profile(out: Image.Image, original: Image.Image) -> Image.Image:
    """``out`` carrying ``original``'s embedded color profile (a new image has none)."""
    icc = original.info.get("icc_profile")
    if icc:
        out.info["icc_profile"] = icc
    return out


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
    """Convert an embedded ICC profile to sRGB; return the profile only if that failed.

    ``im`` must already be 8 bits per sample (:func:`to_8bit`): the conversion works on
    8-bit modes, and converting a 16-bit image to one would clip it. Transparency survives:
    the alpha channel (or the mask of a transparent color, tRNS) is put back on the result.
    """
    icc = im.info.get("icc_profile")
    if not icc:
        return im, None
    if im.mode == "LAB":  # Pillow converts Lab samples to sRGB itself; the profile only says "Lab"
        notes.append("colors converted from Lab to sRGB")
        return im.convert("RGB"), None
    if ImageCms is None:
        notes.append("embedded color profile kept as is (no color management available)")
        return im, icc
    try:
        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        desc = ImageCms.getProfileDescription(src).strip().lower()
        if "srgb" in desc:
            return im, None
        dst = ImageCms.createProfile("sRGB")
        alpha = _alpha_of(im)
        # The profile describes the color samples only: gray ones (L, LA, a gray palette)
        # go in as L, the rest as RGB; alpha is set aside and put back afterwards.
        gray = im.mode in ("L", "LA", "La") or src.profile.xcolor_space.strip().upper() == "GRAY"
        source = im if im.mode in ("RGB", "CMYK", "L") else im.convert("L" if gray else "RGB")
        converted = ImageCms.profileToProfile(source, src, dst, outputMode="RGB")
        if alpha is not None:
            converted.putalpha(alpha)
        notes.append(f"colors converted from '{desc}' to sRGB")
        return converted, None
    except Exception:  # noqa: BLE001 - a broken profile must not stop the load
        space = _profile_space(icc)
        if space.upper() not in ("", "RGB"):
            # The output is an RGB palette: a Lab, CMYK or gray profile written with it would
            # make color-managed viewers misread every color (and PNG forbids it there).
            notes.append(f"embedded {space} color profile dropped (could not convert it to sRGB)")
            return im, None
        notes.append("embedded color profile kept as is (could not convert it to sRGB)")
        return im, icc


def _profile_space(icc: bytes) -> str:
    """The color space a profile describes ("RGB", "GRAY", "CMYK", "Lab", ...), "" if unreadable.

    Read from the header (bytes 16-19, in a header signed "acsp" at bytes 36-39), so that a
    profile littleCMS refuses can still be told apart."""
    if len(icc) < 40 or icc[36:40] != b"acsp":
        return ""
    return icc[16:20].decode("ascii", "replace").strip()


def _alpha_of(im: Image.Image) -> Image.Image | None:
    """The alpha channel of ``im`` (from its mode or its transparent color), None if it has none."""
    if im.mode in ("RGBA", "LA", "RGBa", "La"):
        return im.getchannel("A")
    if im.mode == "PA" or "transparency" in im.info:  # alpha from the palette or the tRNS color
        return im.convert("RGBA").getchannel("A")
    return None


def to_pixels(im: Image.Image, notes: list[str] | None = None) -> tuple[np.ndarray, bool]:
    """Any Pillow mode -> (H, W, 3|4) uint8. Alpha is kept only if something is see-through;
    ``notes`` hears of a high-bit-depth image whose values had to be stretched."""
    im = to_8bit(im, notes)  # a no-op when the loader already did it (before the profile)
    transparent_info = "transparency" in im.info
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or transparent_info:
        rgba = np.asarray(im.convert("RGBA"))
        if np.any(rgba[..., 3] != 255):
            return np.ascontiguousarray(rgba), True
        return np.ascontiguousarray(rgba[..., :3]), False
    return np.ascontiguousarray(np.asarray(im if im.mode == "RGB" else im.convert("RGB"))), False
