"""The save-format registry and the encoders: palette + index map -> file bytes.

Encoding is pure (bytes in memory, no file system); :mod:`core.save` decides where and whether
to write them.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
from PIL import Image

from . import pngchunks
from .png_encode import EFFORTS, encode_png

#: Formats we write, with the file extension each gets by default.
SAVE_FORMATS = {"png": ".png", "gif": ".gif", "webp": ".webp", "bmp": ".bmp", "tiff": ".tif",
                "png24": ".png", "jpeg": ".jpg"}
#: Formats that store the palette (the file really shrinks); the others are full color.
INDEXED_FORMATS = ("png", "gif", "bmp", "tiff", "webp")
_BY_EXTENSION = {".png": "png", ".gif": "gif", ".webp": "webp", ".bmp": "bmp", ".tif": "tiff",
                 ".tiff": "tiff", ".jpg": "jpeg", ".jpeg": "jpeg"}


class SaveError(Exception):
    """The image could not be saved; ``str(err)`` is one user-facing sentence."""


#: The largest width or height each format can store (PNG, BMP and TIFF go past any real image).
MAX_SIDE = {"gif": 65535, "jpeg": 65500, "webp": 16383}


def check_size_fits(fmt: str, width: int, height: int) -> None:
    """Refuse, in one sentence, an image too wide or tall for ``fmt`` (before any encoding)."""
    limit = MAX_SIDE.get(fmt)
    if limit is not None and max(width, height) > limit:
        raise SaveError(f"{fmt.upper()} cannot hold {width} x {height} pixels (at most {limit} per side); "
                        "save as PNG")


def extension_mismatch(path: str | os.PathLike, fmt: str) -> str | None:
    """A note when ``path``'s extension names another format than ``fmt`` (the bytes follow
    ``fmt``: an explicit ``--format`` wins, but the user should know the name now misleads)."""
    ext = Path(path).suffix.lower()
    named = _BY_EXTENSION.get(ext)
    if named is None or named == fmt or SAVE_FORMATS[fmt] == ext:  # png24 is a .png
        return None
    return f"{Path(path).name} holds {fmt.upper()} data (--format {fmt}), not what its extension {ext} says"


def format_for_path(path: str | os.PathLike, fmt: str | None = None) -> str:
    """The save format: explicit, or from the extension (.png, .gif, .webp, .bmp, .tif, .jpg)."""
    if fmt:
        fmt = fmt.lower()
        if fmt not in SAVE_FORMATS:
            raise SaveError(f"unknown format '{fmt}' (choose from {', '.join(SAVE_FORMATS)})")
        return fmt
    if os.path.isdir(path):
        raise SaveError(f"{Path(path).name or path}: is a folder; give a file name")
    if os.path.exists(path) and not os.path.isfile(path):  # /dev/null, a pipe: never written
        raise SaveError(f"{path}: is not a regular file (a pipe, socket or device); give a file name")
    ext = Path(path).suffix.lower()
    if ext.strip() in _BY_EXTENSION and ext.strip() != ext:
        raise SaveError(f"{Path(path).name!r}: the file type ends with a space; remove it")
    if not ext and str(path).endswith("."):
        raise SaveError(f"{Path(path).name}: the name ends with a dot and has no file type; "
                        "use .png, .gif, .webp, .bmp, .tif or .jpg")
    if ext not in _BY_EXTENSION:
        raise SaveError(f"{Path(path).name}: unknown file type '{ext or '(none)'}'; "
                        "use .png, .gif, .webp, .bmp, .tif or .jpg")
    return _BY_EXTENSION[ext]


def _order_for_transparency(palette: np.ndarray, indices: np.ndarray):
    """Put see-through entries first so the PNG tRNS chunk is as short as possible."""
    if palette.shape[1] != 4:
        return palette, indices
    order = np.argsort(palette[:, 3], kind="stable")
    if np.array_equal(order, np.arange(len(palette))):
        return palette, indices
    inverse = np.empty_like(order)
    inverse[order] = np.arange(len(order))
    return palette[order], inverse.astype(np.uint8)[indices]


def to_pil_indexed(palette: np.ndarray, indices: np.ndarray) -> Image.Image:
    """A Pillow 'P' image with exactly ``len(palette)`` entries (and tRNS alpha if any).

    See-through entries are moved first (GIF needs the transparent index at 0); the PNG
    encoder does not go through here and keeps the palette order as given."""
    palette, indices = _order_for_transparency(np.asarray(palette), np.asarray(indices, np.uint8))
    im = Image.fromarray(np.ascontiguousarray(indices), "P")
    im.putpalette(palette[:, :3].tobytes(), rawmode="RGB")
    if palette.shape[1] == 4 and np.any(palette[:, 3] != 255):
        alphas = palette[:, 3]
        last = int(np.flatnonzero(alphas != 255).max()) + 1
        im.info["transparency"] = alphas[:last].tobytes()
    return im


def stored_palette(palette: np.ndarray, fmt: str) -> np.ndarray:
    """The palette as a file in ``fmt`` (an indexed format) stores it, so figures reported for
    the file describe what a viewer of the file sees: GIF keeps one fully transparent entry
    (the one :func:`encode_indexed` writes as index 0) and makes every other entry opaque; BMP,
    indexed TIFF and JPEG keep no alpha at all. PNG and WebP keep every alpha value."""
    palette = np.asarray(palette, np.uint8)
    if palette.shape[1] != 4 or fmt not in ("gif", "bmp", "tiff", "jpeg") or np.all(palette[:, 3] == 255):
        return palette
    out = palette.copy()
    out[:, 3] = 255
    if fmt == "gif" and palette[:, 3].min() == 0:
        out[int(np.argmin(palette[:, 3])), 3] = 0  # the entry to_pil_indexed moves to index 0
    return out


def encode_indexed(fh, palette: np.ndarray, indices: np.ndarray, fmt: str, *,
                   icc_profile: bytes | None = None, exif: bytes | None = None,
                   effort: str = "fast") -> list[str]:
    """Encode a palette image into ``fh`` in format ``fmt``; returns notes for the user.

    ``effort`` matters for PNG: ``"fast"`` (default: previews, size estimates) is one zlib
    pass; ``"smallest"`` (what :func:`core.save.save_indexed` writes) compresses with libdeflate
    on all cores and costs ~0.1 s at 0.3 MP and 1.5-2 s at 12 MP. See :mod:`core.png_encode`.
    """
    if effort not in EFFORTS:
        raise ValueError(f"effort must be one of {', '.join(EFFORTS)}, not {effort!r}")
    notes: list[str] = []
    palette = np.asarray(palette, np.uint8)
    check_size_fits(fmt, indices.shape[1], indices.shape[0])
    if fmt == "png":
        fh.write(encode_png(palette, indices, effort=effort, icc_profile=icc_profile, exif=exif))
        return notes
    im = to_pil_indexed(palette, indices)
    extra = {}
    if icc_profile:
        extra["icc_profile"] = icc_profile
    if exif:
        extra["exif"] = exif
    has_alpha = "transparency" in im.info
    if exif and fmt in ("gif", "bmp", "tiff"):
        notes.append(f"{'indexed TIFF' if fmt == 'tiff' else fmt.upper()} output keeps no EXIF: "
                     "the metadata was dropped")
    if fmt == "gif":
        if has_alpha:
            alphas = palette[:, 3] if palette.shape[1] == 4 else np.full(len(palette), 255)
            if np.any((alphas > 0) & (alphas < 255)):
                notes.append("GIF has no partial transparency: half-transparent colors saved opaque")
            if alphas.min() == 0:  # fully transparent entries come first: index 0
                im.info.pop("transparency", None)
                im.save(fh, "GIF", optimize=False, transparency=0, comment=pngchunks.MARKER_VALUE)
                return notes
        im.info.pop("transparency", None)
        im.save(fh, "GIF", optimize=False, comment=pngchunks.MARKER_VALUE)
    elif fmt == "webp":
        rgb = im.convert("RGBA" if has_alpha else "RGB")
        rgb.save(fh, "WEBP", lossless=True, quality=100, method=4, exact=False, xmp=pngchunks.WEBP_XMP, **extra)
    elif fmt == "bmp":
        if has_alpha:
            notes.append("BMP has no transparency: transparent areas saved opaque")
            im.info.pop("transparency", None)
        if len(palette) == 2:  # a third (unused) entry: Pillow reads a black-white pair as 1-bit
            im.putpalette(np.concatenate([palette[:, :3], palette[:1, :3]]).tobytes())
        buf = io.BytesIO()
        im.save(buf, "BMP")
        fh.write(pngchunks.mark_bmp(buf.getvalue()))
    elif fmt == "tiff":
        if has_alpha:
            notes.append("indexed TIFF has no transparency: transparent areas saved opaque")
            im.info.pop("transparency", None)
        im.save(fh, "TIFF", compression="tiff_adobe_deflate", tiffinfo={305: pngchunks.MARKER_VALUE.decode()},
                **({"icc_profile": icc_profile} if icc_profile else {}))
    elif fmt == "png24":
        buf = io.BytesIO()
        im.convert("RGBA" if has_alpha else "RGB").save(buf, "PNG", optimize=effort == "smallest", **extra)
        fh.write(pngchunks.add_marker(buf.getvalue()))
        notes.append("PNG-24 stores full color per pixel: the file does not shrink like an indexed PNG")
    elif fmt == "jpeg":
        if has_alpha:
            notes.append("JPEG has no transparency: transparent areas saved opaque")
            im.info.pop("transparency", None)
        im.convert("RGB").save(fh, "JPEG", quality=92, comment=pngchunks.MARKER_VALUE, **extra)
        notes.append("JPEG re-adds colors and artifacts: the palette is not stored and the file may grow")
    else:
        raise SaveError(f"unknown format '{fmt}'")
    return notes
