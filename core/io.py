"""Load any reasonable image safely; encode and save indexed images atomically.

Loading translates every Pillow failure (``OSError``, ``ValueError``, ``SyntaxError``,
``DecompressionBombError``, ``struct.error``, ...) into :class:`ImageLoadError`, whose message
is one sentence a user understands. What you see is what you get: EXIF orientation applied,
16-bit scaled, CMYK/palette/grayscale converted, transparency kept, ICC converted to sRGB.
"""

from __future__ import annotations

import io
import os
import stat
import struct
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

try:
    from PIL import ImageCms
except ImportError:  # Pillow built without littlecms: profiles are carried, not converted
    ImageCms = None

from .atomic import WriteRefused, atomic_write_bytes

#: Formats we decode (decided by content, not by extension).
LOAD_FORMATS = ("PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP", "PPM", "TGA", "ICO")
#: Largest image accepted: 64 megapixels. A 24 MP photo quantizes in well under 1 GiB;
#: 64 MP stays near it, and Pillow's own bomb warning starts at 89 MP.
MAX_PIXELS = 64_000_000
#: Formats we write, with the file extension each gets by default.
SAVE_FORMATS = {"png": ".png", "gif": ".gif", "webp": ".webp", "bmp": ".bmp", "tiff": ".tif",
                "png24": ".png", "jpeg": ".jpg"}
#: Formats that store the palette (the file really shrinks); the others are full color.
INDEXED_FORMATS = ("png", "gif", "bmp", "tiff", "webp")

_SIGNATURES = {  # formats people try that we do not decode, for a precise message
    b"ftypheic": "HEIC", b"ftypheix": "HEIC", b"ftypmif1": "HEIF", b"ftypavif": "AVIF",
    b"%PDF": "PDF", b"8BPS": "Photoshop PSD",
}


class ImageLoadError(Exception):
    """The image could not be opened; ``str(err)`` is one user-facing sentence."""


class SaveError(Exception):
    """The image could not be saved; ``str(err)`` is one user-facing sentence."""


@dataclass
class LoadedImage:
    """Decoded pixels plus what the user should know about the file."""

    pixels: np.ndarray  # (H, W, 3) or (H, W, 4) uint8, sRGB
    path: Path | None
    format: str
    file_bytes: int | None
    has_alpha: bool
    icc_profile: bytes | None = None  # only when it could not be converted to sRGB
    exif: bytes | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])


def _check_path(path: Path) -> int:
    """Refuse anything but a readable, non-empty regular file before opening it."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise ImageLoadError(f"{path.name}: file not found") from None
    except PermissionError:
        raise ImageLoadError(f"{path.name}: permission denied") from None
    except OSError as e:  # symlink loops, name too long, ...
        raise ImageLoadError(f"{path.name}: cannot be opened ({e.strerror or e})") from None
    if stat.S_ISDIR(st.st_mode):
        raise ImageLoadError(f"{path.name}: is a folder, not an image file")
    if not stat.S_ISREG(st.st_mode):
        raise ImageLoadError(f"{path.name}: is not a regular file (a pipe, socket or device)")
    if st.st_size == 0:
        raise ImageLoadError(f"{path.name}: the file is empty")
    if not os.access(path, os.R_OK):
        raise ImageLoadError(f"{path.name}: permission denied")
    return int(st.st_size)


def _sniff_unsupported(head: bytes) -> str | None:
    for sig, name in _SIGNATURES.items():
        if sig in head[:16]:
            return name
    return None


def _to_8bit(im: Image.Image) -> Image.Image:
    """16-bit and 32-bit grayscale scaled (not clipped) to 8 bits."""
    if im.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        a = np.asarray(im, dtype=np.uint32 if im.mode != "I" else np.int64)
        a = np.clip(a, 0, 65535).astype(np.uint32)
        return Image.fromarray(((a * 255 + 32767) // 65535).astype(np.uint8), "L")
    if im.mode == "F":
        a = np.asarray(im, dtype=np.float32)
        top = 1.0 if np.nanmax(a) <= 1.0 else 255.0
        return Image.fromarray(np.clip(np.nan_to_num(a) * (255.0 / top), 0, 255).round().astype(np.uint8), "L")
    return im


def _convert_icc(im: Image.Image, notes: list[str]) -> tuple[Image.Image, bytes | None]:
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


def _to_pixels(im: Image.Image) -> tuple[np.ndarray, bool]:
    """Any Pillow mode -> (H, W, 3|4) uint8. Alpha is kept only if something is see-through."""
    im = _to_8bit(im)
    transparent_info = "transparency" in im.info
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or transparent_info:
        rgba = np.asarray(im.convert("RGBA"))
        if np.any(rgba[..., 3] != 255):
            return np.ascontiguousarray(rgba), True
        return np.ascontiguousarray(rgba[..., :3]), False
    return np.ascontiguousarray(np.asarray(im.convert("RGB"))), False


def load_image(path: str | os.PathLike, *, max_pixels: int = MAX_PIXELS) -> LoadedImage:
    """Open an image file as sRGB pixels, or raise :class:`ImageLoadError`."""
    path = Path(path)
    size = _check_path(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(64)
            fh.seek(0)
            return _decode(fh, head, path, size, max_pixels)
    except ImageLoadError:
        raise
    except PermissionError:
        raise ImageLoadError(f"{path.name}: permission denied") from None
    except MemoryError:
        raise ImageLoadError(f"{path.name}: not enough memory to open this image") from None
    except Image.DecompressionBombError:
        raise ImageLoadError(f"{path.name}: image is too large") from None
    except (OSError, ValueError, SyntaxError, struct.error, EOFError, IndexError, KeyError,
            TypeError, ZeroDivisionError, AttributeError) as e:
        raise ImageLoadError(_describe_decode_error(path, e)) from None


def load_image_bytes(data: bytes, name: str = "pasted image", *, max_pixels: int = MAX_PIXELS) -> LoadedImage:
    """Like :func:`load_image` for bytes in memory (clipboard, drag from a browser)."""
    if not data:
        raise ImageLoadError(f"{name}: no image data")
    try:
        return _decode(io.BytesIO(data), data[:64], None, len(data), max_pixels, name=name)
    except ImageLoadError:
        raise
    except Image.DecompressionBombError:
        raise ImageLoadError(f"{name}: image is too large") from None
    except Exception as e:  # noqa: BLE001 - same translation as for files
        raise ImageLoadError(_describe_decode_error(Path(name), e)) from None


def _describe_decode_error(path: Path, e: BaseException) -> str:
    text = str(e).lower()
    if "truncated" in text or isinstance(e, EOFError) or "broken data stream" in text:
        return f"{path.name}: the file is truncated or damaged"
    return f"{path.name}: the file is damaged or not a supported image"


def _decode(fh, head: bytes, path: Path | None, size: int, max_pixels: int, name: str | None = None) -> LoadedImage:
    name = name or (path.name if path else "image")
    notes: list[str] = []
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        saved_limit = Image.MAX_IMAGE_PIXELS
        try:
            # Our own cap (below Pillow's) is checked right after the header, with a better message.
            Image.MAX_IMAGE_PIXELS = None
            im = Image.open(fh, formats=LOAD_FORMATS)
        except UnidentifiedImageError:
            other = _sniff_unsupported(head)
            if other:
                raise ImageLoadError(f"{name}: unsupported format ({other})") from None
            raise ImageLoadError(f"{name}: not an image, or an unsupported format") from None
        except Image.DecompressionBombWarning:
            raise ImageLoadError(f"{name}: image is too large") from None
        finally:
            Image.MAX_IMAGE_PIXELS = saved_limit
        width, height = im.size
        if width <= 0 or height <= 0:
            raise ImageLoadError(f"{name}: the image has no pixels")
        if width * height > max_pixels:
            raise ImageLoadError(
                f"{name}: image is too large ({width} x {height}, "
                f"{width * height / 1e6:.0f} megapixels; the limit is {max_pixels / 1e6:.0f})"
            )
        fmt = im.format or "unknown"
        frames = getattr(im, "n_frames", 1) or 1
        if frames > 1:
            kind = "page" if fmt == "TIFF" else "frame"
            notes.append(f"first {kind} of {frames} used")
        try:
            im.load()
        except Image.DecompressionBombWarning:
            raise ImageLoadError(f"{name}: image is too large") from None
    exif = im.info.get("exif")
    try:
        orientation = im.getexif().get(0x0112, 1)
    except Exception:  # noqa: BLE001 - unreadable EXIF is ignored, not fatal
        orientation = 1
    if orientation not in (1, None):
        im = ImageOps.exif_transpose(im)
        notes.append("rotated as the camera recorded it (EXIF orientation)")
    if im.mode == "CMYK" and not im.info.get("icc_profile"):
        notes.append("CMYK converted to RGB without a color profile")
    im, icc = _convert_icc(im, notes)
    pixels, has_alpha = _to_pixels(im)
    pixels.flags.writeable = False
    return LoadedImage(pixels=pixels, path=path, format=fmt, file_bytes=size, has_alpha=has_alpha,
                       icc_profile=icc, exif=exif if isinstance(exif, bytes) else None, notes=notes)


# ----------------------------------------------------------------------------- saving


def format_for_path(path: str | os.PathLike, fmt: str | None = None) -> str:
    """The save format: explicit, or from the extension (.png, .gif, .webp, .bmp, .tif, .jpg)."""
    if fmt:
        fmt = fmt.lower()
        if fmt not in SAVE_FORMATS:
            raise SaveError(f"unknown format '{fmt}' (choose from {', '.join(SAVE_FORMATS)})")
        return fmt
    ext = Path(path).suffix.lower()
    by_ext = {".png": "png", ".gif": "gif", ".webp": "webp", ".bmp": "bmp", ".tif": "tiff",
              ".tiff": "tiff", ".jpg": "jpeg", ".jpeg": "jpeg"}
    if ext not in by_ext:
        raise SaveError(f"{Path(path).name}: unknown file type '{ext or '(none)'}'; use .png, .gif, .webp, .bmp or .tif")
    return by_ext[ext]


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
    """A Pillow 'P' image with exactly ``len(palette)`` entries (and tRNS alpha if any)."""
    palette, indices = _order_for_transparency(np.asarray(palette), np.asarray(indices, np.uint8))
    im = Image.fromarray(np.ascontiguousarray(indices), "P")
    im.putpalette(palette[:, :3].tobytes(), rawmode="RGB")
    if palette.shape[1] == 4 and np.any(palette[:, 3] != 255):
        alphas = palette[:, 3]
        last = int(np.flatnonzero(alphas != 255).max()) + 1
        im.info["transparency"] = alphas[:last].tobytes()
    return im


def encode_indexed(fh, palette: np.ndarray, indices: np.ndarray, fmt: str, *,
                   icc_profile: bytes | None = None, exif: bytes | None = None) -> list[str]:
    """Encode a palette image into ``fh`` in format ``fmt``; returns notes for the user."""
    notes: list[str] = []
    palette = np.asarray(palette, np.uint8)
    im = to_pil_indexed(palette, indices)
    extra = {}
    if icc_profile:
        extra["icc_profile"] = icc_profile
    if exif:
        extra["exif"] = exif
    has_alpha = "transparency" in im.info
    if fmt == "png":
        im.save(fh, "PNG", optimize=True, **({"transparency": im.info["transparency"]} if has_alpha else {}), **extra)
    elif fmt == "gif":
        if has_alpha:
            alphas = palette[:, 3] if palette.shape[1] == 4 else np.full(len(palette), 255)
            if np.any((alphas > 0) & (alphas < 255)):
                notes.append("GIF has no partial transparency: half-transparent colors saved opaque")
            if alphas.min() == 0:  # fully transparent entries come first: index 0
                im.info.pop("transparency", None)
                im.save(fh, "GIF", optimize=False, transparency=0)
                return notes
        im.info.pop("transparency", None)
        im.save(fh, "GIF", optimize=False)
    elif fmt == "webp":
        rgb = im.convert("RGBA" if has_alpha else "RGB")
        rgb.save(fh, "WEBP", lossless=True, quality=100, method=4, exact=False, **extra)
    elif fmt == "bmp":
        if has_alpha:
            notes.append("BMP has no transparency: transparent areas saved opaque")
            im.info.pop("transparency", None)
        im.save(fh, "BMP")
    elif fmt == "tiff":
        if has_alpha:
            notes.append("indexed TIFF has no transparency: transparent areas saved opaque")
            im.info.pop("transparency", None)
        im.save(fh, "TIFF", compression="tiff_adobe_deflate", **({"icc_profile": icc_profile} if icc_profile else {}))
    elif fmt == "png24":
        im.convert("RGBA" if has_alpha else "RGB").save(fh, "PNG", optimize=True, **extra)
        notes.append("PNG-24 stores full color per pixel: the file does not shrink like an indexed PNG")
    elif fmt == "jpeg":
        im.convert("RGB").save(fh, "JPEG", quality=92, **extra)
        notes.append("JPEG re-adds colors and artifacts: the palette is not stored and the file may grow")
    else:
        raise SaveError(f"unknown format '{fmt}'")
    return notes


@dataclass
class SaveResult:
    path: Path
    format: str
    bytes: int
    written: bool
    notes: list[str] = field(default_factory=list)


def save_indexed(
    path: str | os.PathLike,
    palette: np.ndarray,
    indices: np.ndarray,
    *,
    fmt: str | None = None,
    source: str | os.PathLike | None = None,
    overwrite: bool = False,
    force_source: bool = False,
    skip_if_larger: bool = False,
    original_bytes: int | None = None,
    icc_profile: bytes | None = None,
    exif: bytes | None = None,
    keep_metadata: bool = False,
) -> SaveResult:
    """Encode in memory, then write atomically.

    Never replaces ``source`` unless ``force_source``; refuses an existing file unless
    ``overwrite``; with ``skip_if_larger`` writes nothing when the result would not be
    smaller than ``original_bytes``. Metadata (EXIF) is dropped unless ``keep_metadata``;
    an ICC profile that could not be converted to sRGB is always carried.
    """
    fmt = format_for_path(path, fmt)
    buf = io.BytesIO()
    try:
        notes = encode_indexed(buf, palette, indices, fmt, icc_profile=icc_profile,
                               exif=exif if keep_metadata else None)
    except SaveError:
        raise
    except (OSError, ValueError, KeyError) as e:
        raise SaveError(f"{Path(path).name}: could not encode as {fmt.upper()} ({e})") from None
    data = buf.getvalue()
    if skip_if_larger and original_bytes is not None and len(data) >= original_bytes:
        return SaveResult(Path(path), fmt, len(data), False,
                          notes + [f"not written: {len(data):,} bytes is not smaller than the original {original_bytes:,}"])
    protect = [source] if (source is not None and not force_source) else []
    try:
        written = atomic_write_bytes(path, data, overwrite=overwrite or (force_source and source is not None), protect=protect)
    except WriteRefused as e:
        raise SaveError(str(e)) from None
    except OSError as e:
        raise SaveError(f"{Path(path).name}: could not write ({e.strerror or e})") from None
    return SaveResult(written, fmt, len(data), True, notes)
