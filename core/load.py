"""Load any reasonable image safely, as sRGB pixels, from a file or from bytes.

Every Pillow failure (``OSError``, ``ValueError``, ``SyntaxError``, ``struct.error``, ...)
becomes :class:`ImageLoadError`, whose message is one sentence a user understands. What you
see is what you get: EXIF orientation applied (and removed from the kept EXIF, so viewers do
not rotate twice), 16-bit scaled, CMYK/palette/grayscale converted, transparency kept, ICC
converted to sRGB.

Thread safety: nothing here toggles process-wide state. The pixel cap is checked per call
on the size read from the header, by opening through Pillow's format registry without its
global ``MAX_IMAGE_PIXELS`` check. Damage or size in metadata never blocks the pixels: a PNG
whose metadata Pillow refuses is loaded again without it, and the user is told.
"""

from __future__ import annotations

import io
import os
import stat
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import (  # noqa: F401 - importing the plugins registers them with Image.OPEN
    BmpImagePlugin,
    GifImagePlugin,
    IcoImagePlugin,
    Image,
    ImageOps,
    ImagePalette,
    JpegImagePlugin,
    PngImagePlugin,
    PpmImagePlugin,
    TgaImagePlugin,
    TiffImagePlugin,
    WebPImagePlugin,
)

from . import pngchunks
from .load_pixels import convert_icc, to_8bit, to_pixels
from .warn_capture import captured
from .write_guard import FileIdentity, printable

#: Formats we decode (decided by content, not by extension).
LOAD_FORMATS = ("PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP", "PPM", "TGA", "ICO")
#: The file name endings of those formats: what a folder's images are picked by (batches) and
#: what the file dialogs offer.
IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp", ".ppm", ".tga",
                              ".ico"})
#: Largest image accepted: 64 megapixels. A 24 MP photo quantizes in well under 1 GiB;
#: 64 MP stays near it, and Pillow's own bomb warning starts at 89 MP.
MAX_PIXELS = 64_000_000
#: Pillow refuses a PNG text or ICC chunk that inflates beyond 1 MB, which blocks photos with
#: large (valid) camera profiles. Raised once at import (never toggled per call); the total
#: text budget stays Pillow's, and anything beyond it is dropped by the salvage path instead.
PngImagePlugin.MAX_TEXT_CHUNK = max(PngImagePlugin.MAX_TEXT_CHUNK, 16 * 1024 * 1024)

_SIGNATURES = {  # formats people try that we do not decode, found in the first 16 bytes
    b"ftypheic": "HEIC", b"ftypheix": "HEIC", b"ftypmif1": "HEIF", b"ftypavif": "AVIF",
    b"ftypavis": "AVIF", b"%PDF": "PDF", b"8BPS": "Photoshop PSD", b"jP  \r\n": "JPEG 2000",
    b"JXL \r\n": "JPEG XL",
}
_PREFIXES = {  # ... and those that start with a signature of their own
    b"qoif": "QOI", b"\xffO\xffQ": "JPEG 2000", b"\xff\x0a": "JPEG XL", b"DDS ": "DirectDraw DDS",
    b"\x01\xda": "SGI", b"%!PS": "PostScript / EPS", b"\xc5\xd0\xd3\xc6": "PostScript / EPS",
    b"#define": "XBM", b"Image type:": "IFUNC IM", b"gimp xcf": "GIMP XCF",
    b"<svg": "SVG",
}
_DECODE_ERRORS = (OSError, ValueError, SyntaxError, struct.error, EOFError, IndexError, KeyError,
                  TypeError, ZeroDivisionError, AttributeError)


class ImageLoadError(Exception):
    """The image could not be opened; ``str(err)`` is one user-facing sentence."""


@dataclass
class LoadedImage:
    """Decoded pixels plus what the user should know about the file."""

    pixels: np.ndarray  # (H, W, 3) or (H, W, 4) uint8, sRGB
    path: Path | None
    format: str
    file_bytes: int | None
    has_alpha: bool
    icc_profile: bytes | None = None  # only when it could not be converted to sRGB
    exif: bytes | None = None  # orientation already applied to the pixels and removed here
    notes: list[str] = field(default_factory=list)
    identity: FileIdentity | None = None  # the file read (device, inode): protected under any later name

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])


def check_readable(path: Path) -> int:
    """Refuse anything but a readable, non-empty regular file before opening it; returns its size."""
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


def load_image(path: str | os.PathLike, *, max_pixels: int = MAX_PIXELS) -> LoadedImage:
    """Open an image file as sRGB pixels, or raise :class:`ImageLoadError`."""
    path = Path(path)
    size = check_readable(path)
    try:
        with open(path, "rb") as fh:
            loaded = _decode(fh, path, size, max_pixels, path.name)
            loaded.identity = FileIdentity.of(path, os.fstat(fh.fileno()))
            return loaded
    except ImageLoadError:
        raise
    except PermissionError:
        raise ImageLoadError(f"{path.name}: permission denied") from None
    except MemoryError:
        raise ImageLoadError(f"{path.name}: not enough memory to open this image") from None
    except Image.DecompressionBombError:
        raise ImageLoadError(f"{path.name}: image is too large") from None
    except _DECODE_ERRORS as e:
        raise ImageLoadError(_describe_decode_error(path.name, e)) from None


#: Most bytes read from a stream (standard input): a 64-megapixel image as 16-bit RGBA
#: uncompressed is 512 MB; anything beyond 1 GiB is refused before memory runs out
#: (``cat /dev/zero | kmeans-compress -`` must end with a message, not by exhausting memory).
MAX_STREAM_BYTES = 1 << 30
_STREAM_CHUNK = 1 << 20


def read_stream(stream: BinaryIO, name: str, *, limit: int | None = None) -> bytes:
    """All of ``stream``, read in 1 MB chunks (so Ctrl-C is acted on between them), or
    :class:`ImageLoadError` once it holds more than ``limit`` bytes (default MAX_STREAM_BYTES)."""
    limit = MAX_STREAM_BYTES if limit is None else limit
    chunks: list[bytes] = []
    total = 0
    while True:
        try:
            chunk = stream.read(_STREAM_CHUNK)
        except OSError as e:
            raise ImageLoadError(f"{name}: could not be read ({e.strerror or e})") from None
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > limit:
            raise ImageLoadError(f"{name}: more than {limit // (1 << 20)} MB of data; give the image as a file")
        chunks.append(chunk)


def load_image_bytes(data: bytes, name: str = "pasted image", *, max_pixels: int = MAX_PIXELS) -> LoadedImage:
    """Like :func:`load_image` for bytes in memory (clipboard, drag from a browser, stdin)."""
    if not data:
        raise ImageLoadError(f"{name}: no image data")
    try:
        return _decode(io.BytesIO(data), None, len(data), max_pixels, name)
    except ImageLoadError:
        raise
    except MemoryError:
        raise ImageLoadError(f"{name}: not enough memory to open this image") from None
    except Image.DecompressionBombError:
        raise ImageLoadError(f"{name}: image is too large") from None
    except Exception as e:  # noqa: BLE001 - same translation as for files
        raise ImageLoadError(_describe_decode_error(name, e)) from None


def _describe_decode_error(name: str, e: BaseException) -> str:
    text = str(e).lower()
    if "truncated" in text or isinstance(e, EOFError) or "broken data stream" in text:
        return f"{name}: the file is truncated or damaged"
    return f"{name}: the file is damaged or not a supported image"


def _open_header(fh) -> Image.Image | None:
    """Pillow's ``Image.open`` without its process-global pixel check: only the header is read.

    A PNG whose header chunks are broken raises (so it can be salvaged); no format
    accepting the data returns None.
    """
    prefix = fh.read(16)
    for fmt in LOAD_FORMATS:
        factory, accept = Image.OPEN[fmt]
        matched = not accept or accept(prefix)
        if matched and not isinstance(matched, str):
            fh.seek(0)
            try:
                return factory(fh, "")
            except (SyntaxError, IndexError, TypeError, struct.error):
                if fmt == "PNG":  # the signature is certain: a broken chunk, maybe salvageable
                    raise
                continue  # loose signatures (TGA, ICO): try the next format, as Pillow does
    return None


def _unidentified(head: bytes, name: str) -> ImageLoadError:
    """The message for a file none of :data:`LOAD_FORMATS` accepts: the format by name when its
    signature is known (so a damaged file is not mistaken for an unsupported type)."""
    kind = next((k for sig, k in _SIGNATURES.items() if sig in head[:16]), None)
    kind = kind or next((k for sig, k in _PREFIXES.items() if head.startswith(sig)), None)
    if kind is None and len(head) >= 4 and head[0] == 0x0A and head[1] in (0, 2, 3, 4, 5) and head[2] in (0, 1):
        kind = "PCX"  # manufacturer 10, a known version, no or RLE encoding
    if kind is not None:
        return ImageLoadError(f"{name}: unsupported format ({kind}); save it as PNG, JPEG or TIFF first")
    return ImageLoadError(f"{name}: not an image, or an unsupported format")


def _open_and_load(fh, name: str, max_pixels: int, notes: list[str]) -> Image.Image:
    """Header, per-call pixel cap, then the pixels of the first frame."""
    im = _open_header(fh)
    if im is None:
        fh.seek(0)
        raise _unidentified(fh.read(64), name)
    width, height = im.size
    if width <= 0 or height <= 0:
        raise ImageLoadError(f"{name}: the image has no pixels")
    if width * height > max_pixels:
        raise ImageLoadError(
            f"{name}: image is too large ({width} x {height}, "
            f"{width * height / 1e6:.2f} megapixels; the limit is {max_pixels / 1e6:g})"
        )
    frames = getattr(im, "n_frames", 1) or 1
    if frames > 1:
        notes.append(f"first {'page' if im.format == 'TIFF' else 'frame'} of {frames} used")
    _read_black_white_bmp_as_indices(im, fh)
    im.load()
    _note_gray_tail(im, notes)
    return im


#: Trailing rows of exactly this gray, the whole width, mark a JPEG whose scan data ran out
#: (libjpeg fills the missing blocks with zero coefficients and only warns; Pillow hides it).
_JPEG_FILL = 128
#: At least one block row of them (fewer is an ordinary gray border).
_JPEG_FILL_MIN_ROWS = 8


def _note_gray_tail(im: Image.Image, notes: list[str]) -> None:
    """Note a sequential JPEG whose bottom rows are libjpeg's fill for missing data (a file cut
    short and closed with an end marker decodes so, with no error): the user is told the file
    is probably damaged; the pixels are still used."""
    if im.format != "JPEG" or im.mode not in ("L", "RGB") or im.info.get("progressive") or im.info.get("progression"):
        return
    width, height = im.size
    if height < _JPEG_FILL_MIN_ROWS:
        return
    if not np.all(np.asarray(im.crop((0, height - _JPEG_FILL_MIN_ROWS, width, height))) == _JPEG_FILL):
        return
    rows = np.asarray(im).reshape(height, -1)
    flat = np.all(rows == _JPEG_FILL, axis=1)
    n = height - (int(np.flatnonzero(~flat).max()) + 1 if not flat.all() else 0)
    notes.append(f"the bottom {n:,} of {height:,} rows are flat gray, as a JPEG cut short decodes: "
                 "the file is probably damaged")


def _read_black_white_bmp_as_indices(im: Image.Image, fh) -> None:
    """Pillow 13 takes a 4- or 8-bit BMP whose palette is exactly black, white for 1-bit data
    and decodes it all black. Such a file (uncompressed) is read as palette indices instead."""
    if im.format != "BMP" or im.mode != "1" or len(im.tile) != 1 or im.tile[0].codec_name != "raw":
        return
    fh.seek(14)
    header = fh.read(16)
    if len(header) < 16:
        return
    info_size = struct.unpack("<I", header[:4])[0]
    bits = struct.unpack("<H", header[10:12] if info_size == 12 else header[14:16])[0]
    if bits not in (4, 8):
        return
    tile = im.tile[0]
    im.tile = [tile._replace(args=("P" if bits == 8 else "P;4", *tile.args[1:]))]
    im._mode = "P"  # what the file holds: indices into a two-color palette
    im.palette = ImagePalette.raw("RGB", bytes([0, 0, 0, 255, 255, 255]))


def _decode(fh, path: Path | None, size: int, max_pixels: int, name: str) -> LoadedImage:
    """Decode with Pillow's warnings caught and turned into notes (never Python warning text on
    the user's terminal). Cut-short pixel data fails in Pillow itself; a warning that says
    "truncated" is about metadata (a TIFF directory, an EXIF block): the pixels are whole."""
    with captured() as caught:  # this thread's warnings only
        loaded = _decode_pixels(fh, path, size, max_pixels, name)
    said = sorted({text.strip().rstrip(".") for category, text in caught
                   if not issubclass(category, (Image.DecompressionBombWarning, DeprecationWarning))})
    for text in said:
        if "truncated" in text.lower():
            text = "the file is cut short: part of its metadata could not be read"
        else:
            text = f"the decoder warned: {printable(text)}"
        if text not in loaded.notes:
            loaded.notes.append(text)
    return loaded


def _decode_pixels(fh, path: Path | None, size: int, max_pixels: int, name: str) -> LoadedImage:
    notes: list[str] = []
    try:
        im = _open_and_load(fh, name, max_pixels, notes)
    except (ImageLoadError, MemoryError):
        raise
    except _DECODE_ERRORS as first:
        im = _salvage_png(fh, name, max_pixels, notes, first)
    fmt = im.format or "unknown"
    im, exif = _upright(im, notes)
    if im.mode == "CMYK" and not im.info.get("icc_profile"):
        notes.append("CMYK converted to RGB without a color profile")
    im = to_8bit(im, notes)  # before the profile: its conversion works on 8-bit samples
    im, icc = convert_icc(im, notes)
    pixels, has_alpha = to_pixels(im, notes)
    pixels.flags.writeable = False
    return LoadedImage(pixels=pixels, path=path, format=fmt, file_bytes=size, has_alpha=has_alpha,
                       icc_profile=icc, exif=exif if isinstance(exif, bytes) and exif else None, notes=notes)


def _salvage_png(fh, name: str, max_pixels: int, notes: list[str], first: BaseException) -> Image.Image:
    """Load a PNG again without the metadata that stopped Pillow; re-raise if that is not it."""
    fh.seek(0)
    data = fh.read()
    if not data.startswith(pngchunks.PNG_SIGNATURE):
        raise first
    stripped, dropped = pngchunks.strip_metadata(data)
    if not dropped:
        raise first
    try:
        im = _open_and_load(io.BytesIO(stripped), name, max_pixels, notes)
    except _DECODE_ERRORS:
        raise first from None
    kinds = ", ".join(sorted(set(dropped)))
    notes.append(f"metadata that could not be read was dropped ({kinds})")
    return im


def _upright(im: Image.Image, notes: list[str]) -> tuple[Image.Image, bytes | None]:
    """The image turned as EXIF says, and the EXIF to keep (without orientation once applied)."""
    exif = im.info.get("exif")
    try:
        orientation = im.getexif().get(0x0112, 1)
    except Exception:  # noqa: BLE001 - unreadable EXIF is ignored, not fatal
        return im, None
    if orientation not in range(2, 9):  # 1 = as stored; anything outside 2-8 is not a rotation
        return im, exif
    try:
        turned = ImageOps.exif_transpose(im)
    except Exception:  # noqa: BLE001 - a damaged EXIF block never blocks the pixels
        notes.append("EXIF orientation could not be applied; image shown as stored")
        return im, None
    notes.append("rotated as the camera recorded it (EXIF orientation)")
    return turned, _without_orientation(exif)


def _without_orientation(exif: bytes | None) -> bytes | None:
    """EXIF with the orientation tag removed: the pixels are already upright."""
    if not exif:
        return None
    try:
        e = Image.Exif()
        e.load(exif)
        e.pop(0x0112, None)
        return e.tobytes()
    except Exception:  # noqa: BLE001 - metadata we cannot rewrite is dropped, never copied wrong
        return None
