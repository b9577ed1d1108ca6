"""A corpus of good, odd and hostile image files, generated with Pillow and raw bytes."""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image


def gradient(w: int = 40, h: int = 30) -> np.ndarray:
    x = np.linspace(0, 255, w)
    y = np.linspace(0, 255, h)
    img = np.zeros((h, w, 3), np.uint8)
    img[..., 0] = x[None, :]
    img[..., 1] = y[:, None]
    img[..., 2] = 128
    return img


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def huge_header_png(width: int = 100_000, height: int = 100_000) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(b"\x00" * 10)) + png_chunk(b"IEND", b"")


def make_good(folder: Path) -> dict[str, Path]:
    """Valid files of many kinds; returns name -> path."""
    g = gradient()
    files: dict[str, Path] = {}

    def save(name: str, im: Image.Image, **kw) -> None:
        p = folder / name
        im.save(p, **kw)
        files[name] = p

    save("rgb.png", Image.fromarray(g))
    save("photo.jpg", Image.fromarray(g), quality=95)
    save("gray.png", Image.fromarray(g[..., 0]))
    la = np.stack([g[..., 0], np.tile(np.linspace(0, 255, 40).astype(np.uint8), (30, 1))], axis=2)
    save("la.png", Image.frombytes("LA", (40, 30), la.tobytes()))
    save("rgba.png", Image.fromarray(np.concatenate([g, np.full((30, 40, 1), 200, np.uint8)], axis=2)))
    sixteen = (np.tile(np.linspace(0, 65535, 40), (30, 1))).astype(np.uint16)
    save("gray16.png", Image.fromarray(sixteen))
    save("cmyk.jpg", Image.fromarray(g).convert("CMYK"), quality=95)
    pal = Image.fromarray(g).quantize(8)
    pal.info["transparency"] = 0
    save("palette_trns.png", pal, transparency=0)
    rgb_key = Image.fromarray(g)
    save("rgb_colorkey.png", rgb_key, transparency=tuple(int(v) for v in g[0, 0]))
    gif = Image.fromarray(g).quantize(16)
    save("transparent.gif", gif, transparency=3)
    frames = [Image.fromarray(np.full((20, 20, 3), c, np.uint8)) for c in (0, 120, 240)]
    p = folder / "animated.gif"
    frames[0].save(p, save_all=True, append_images=frames[1:], duration=100, loop=0)
    files["animated.gif"] = p
    tall = Image.fromarray(np.zeros((30, 20, 3), np.uint8) + np.arange(20, dtype=np.uint8)[None, :, None] * 10)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    save("exif_rotated.jpg", tall, exif=exif.tobytes(), quality=95)
    save("one.png", Image.fromarray(np.array([[[10, 20, 30]]], np.uint8)))
    save("thin.png", Image.fromarray(np.tile(g[:1, :1], (10000, 1, 1))))
    save("rgb.bmp", Image.fromarray(g))
    save("rgb.webp", Image.fromarray(g), lossless=True)
    save("rgb.tif", Image.fromarray(g))
    save("multi.tif", Image.fromarray(g), save_all=True, append_images=[Image.fromarray(255 - g)])
    save("uni cödé spaced.png", Image.fromarray(g))
    save("-dash.png", Image.fromarray(g))
    return files


def make_bad(folder: Path) -> dict[str, Path]:
    """Files that must be refused with a clear message; returns name -> path."""
    files: dict[str, Path] = {}
    good = io.BytesIO()
    Image.fromarray(gradient(200, 200)).save(good, "PNG")
    data = good.getvalue()

    def write(name: str, payload: bytes) -> None:
        p = folder / name
        p.write_bytes(payload)
        files[name] = p

    write("empty.png", b"")
    write("random.png", np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    write("text.png", b"hello, I am not an image\n" * 20)
    write("truncated.png", data[: len(data) // 2])
    jpg = io.BytesIO()
    Image.fromarray(gradient(200, 200)).save(jpg, "JPEG")
    write("truncated.jpg", jpg.getvalue()[: len(jpg.getvalue()) // 3])
    write("huge_header.png", huge_header_png())
    write("fake.heic", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 100)
    (folder / "folder.png").mkdir()
    files["folder.png"] = folder / "folder.png"
    fifo = folder / "pipe.png"
    os.mkfifo(fifo)
    files["pipe.png"] = fifo
    loop = folder / "loop.png"
    os.symlink(loop, loop)
    files["loop.png"] = loop
    files["missing.png"] = folder / "missing.png"
    return files
