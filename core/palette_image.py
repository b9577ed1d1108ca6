"""Swatch images: the palette drawn as a PNG, and the distinct colors of a small PNG read back.

Lospec and many artists share palettes as tiny PNG strips (one pixel or one square per
color). Reading keeps the colors in the order they first appear, row by row, so a strip
reads back in its own order.
"""

from __future__ import annotations

import io
import re

import numpy as np
from PIL import Image, UnidentifiedImageError

from .load_pixels import to_8bit
from .palette_common import PaletteFile, PaletteFileError, compact, file_stem, hex_color, shares
from .warn_capture import captured

#: A swatch image with more distinct colors than this is a picture, not a palette.
MAX_SWATCH_COLORS = 4096
#: Larger images are refused before decoding (a swatch strip is tiny).
MAX_SWATCH_PIXELS = 4096 * 4096


def swatch_png(palette: np.ndarray, counts: np.ndarray | None = None, *, proportional: bool = False,
               labels: bool = False, swatch: int = 64, width: int = 800) -> bytes:
    """A PNG of the palette: a grid of equal swatches, or one strip with widths by share."""
    from PIL import ImageDraw, ImageFont  # here: every command-line run would import them (~6 ms)

    n = len(palette)
    rgba = palette if palette.shape[1] == 4 else np.concatenate([palette, np.full((n, 1), 255, np.uint8)], axis=1)
    if proportional:
        height = swatch * 2
        img = Image.new("RGBA", (width, height), (255, 255, 255, 0))
        edges = np.rint(np.concatenate([[0], np.cumsum(shares(counts, n))]) * width).astype(int)
        draw = ImageDraw.Draw(img)
        for i in range(n):
            if edges[i + 1] > edges[i]:
                draw.rectangle([edges[i], 0, edges[i + 1] - 1, height - 1], fill=tuple(int(v) for v in rgba[i]))
    else:
        cols = min(n, max(1, width // swatch))
        rows = (n + cols - 1) // cols
        label_h = 16 if labels else 0
        img = Image.new("RGBA", (cols * swatch, rows * (swatch + label_h)), (255, 255, 255, 0))
        draw = ImageDraw.Draw(img)
        font = ImageFont.load_default()
        for i in range(n):
            x, y = (i % cols) * swatch, (i // cols) * (swatch + label_h)
            draw.rectangle([x, y, x + swatch - 1, y + swatch - 1], fill=tuple(int(v) for v in rgba[i]))
            if labels:
                draw.text((x + 2, y + swatch + 2), hex_color(rgba[i]), fill=(0, 0, 0, 255), font=font)
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()  # the exact colors, in order: read back as they are, labels or strip widths aside
    info.add_text(PALETTE_TEXT_KEY, " ".join(_exact_hex(c) for c in rgba))
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=True, pnginfo=info)
    return buf.getvalue()


#: The PNG text chunk holding a swatch image's exact colors (``#rrggbb`` or ``#rrggbbaa`` each).
PALETTE_TEXT_KEY = "kmeans-palette"
_HEX_COLOR = re.compile(r"#([0-9a-fA-F]{6}|[0-9a-fA-F]{8})")


def _exact_hex(rgba: np.ndarray) -> str:
    return "#" + "".join(f"{int(v):02x}" for v in (rgba if rgba[3] != 255 else rgba[:3]))


def _colors_from_text(text: object) -> np.ndarray | None:
    """The colors our swatch images store in their text chunk; None when absent or malformed."""
    if not isinstance(text, str) or len(text) > 10 * MAX_SWATCH_COLORS:
        return None
    tokens = text.split()
    if not tokens or len(tokens) > MAX_SWATCH_COLORS or not all(_HEX_COLOR.fullmatch(t) for t in tokens):
        return None
    rows = [bytes.fromhex(t[1:] + ("ff" if len(t) == 7 else "")) for t in tokens]
    return np.frombuffer(b"".join(rows), np.uint8).reshape(-1, 4)


def write_swatch(colors: np.ndarray, name: str = "") -> tuple[bytes, list[str]]:
    """Plain swatch grid without labels, so reading it back gives exactly the palette."""
    notes = []
    if colors.shape[1] == 4 and np.any(colors[:, 3] == 0):
        notes.append("fully transparent colors in a swatch PNG read back as background, not as colors")
    return swatch_png(colors, labels=False), notes


def read_swatch_image(data: bytes, filename: str) -> PaletteFile:
    """Distinct colors of a small image, in first-appearance order; transparent pixels skipped."""
    if data.startswith(b"\x89PNG") and b"IEND\xaeB`\x82" not in data:  # Pillow decodes a cut file silently
        raise PaletteFileError(f"{filename}: truncated PNG (no end chunk)")
    try:
        with captured():  # Pillow's warnings about a bad file: the errors below say enough
            im = Image.open(io.BytesIO(data), formats=["PNG"])
            if im.width * im.height > MAX_SWATCH_PIXELS:
                raise PaletteFileError(f"{filename}: {im.width}x{im.height} is too large for a swatch image")
            im.load()
    except PaletteFileError:
        raise
    except Image.DecompressionBombError:  # Pillow's own limit, far above ours: said in our words
        raise PaletteFileError(f"{filename}: too large for a swatch image") from None
    except UnidentifiedImageError:  # Pillow's message names an in-memory buffer, not the file
        raise PaletteFileError(f"{filename}: not a readable PNG image (not an image)") from None
    except Exception as e:  # Pillow raises many types for corrupt files
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise PaletteFileError(f"{filename}: not a readable PNG image ({reason})") from None
    stored = _colors_from_text(im.info.get(PALETTE_TEXT_KEY))
    if stored is not None:  # one of ours: its exact colors, whatever the labels drew
        return PaletteFile(compact(stored), file_stem(filename), [])
    im = to_8bit(im)  # 16-bit gray scaled, not clipped to white by convert()
    has_alpha = im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info
    rgba = np.asarray(im.convert("RGBA" if has_alpha else "RGB").convert("RGBA")).reshape(-1, 4)
    visible = rgba[rgba[:, 3] != 0]
    if not len(visible):
        raise PaletteFileError(f"{filename}: every pixel is transparent, so there are no colors")
    packed = visible.view(np.uint32).ravel()
    _, first = np.unique(packed, return_index=True)
    if len(first) > MAX_SWATCH_COLORS:
        raise PaletteFileError(f"{filename}: {len(first)} distinct colors; a swatch image may have at most "
                               f"{MAX_SWATCH_COLORS} (is it a photo?)")
    notes = ["transparent pixels skipped as background"] if len(visible) < len(rgba) else []
    return PaletteFile(compact(visible[np.sort(first)]), file_stem(filename), notes)
