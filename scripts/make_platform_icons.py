"""Make the Windows .ico and the macOS .icns from the committed icons (run by hand, output committed).

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/make_platform_icons.py

kmeans-gui.ico: the committed PNGs at 16..256 px, unchanged (Windows picks the size it needs).
kmeans-gui.icns: the SVG drawn by Qt at 32..1024 px inside Apple's icon grid (the body fills
about 824 of 1024 px, so it sits beside other Dock icons at the same visual size).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from PIL import Image

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICNS_SIZES = (32, 64, 128, 256, 512, 1024)
# The SVG's rounded square spans 240 of its 256 units; Apple's grid wants it at 824/1024.
MAC_BODY = (824 / 1024) / (240 / 256)


def render_svg(size: int, scale: float) -> Image.Image:
    """The SVG drawn at ``size`` px with its drawing scaled by ``scale`` around the centre."""
    from PySide6.QtCore import QBuffer, QIODevice, QRectF
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    img = QImage(size, size, QImage.Format.Format_ARGB32)
    img.fill(0)
    side = size * scale
    painter = QPainter(img)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    QSvgRenderer(str(ICONS / "kmeans-gui.svg")).render(painter, QRectF((size - side) / 2, (size - side) / 2, side, side))
    painter.end()
    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    img.save(buf, "PNG")
    return Image.open(io.BytesIO(bytes(buf.data()))).convert("RGBA")


def main() -> int:
    pngs = [Image.open(ICONS / f"kmeans-gui-{s}.png").convert("RGBA") for s in ICO_SIZES]
    pngs[-1].save(ICONS / "kmeans-gui.ico", sizes=[(s, s) for s in ICO_SIZES], append_images=pngs[:-1])
    mac = [render_svg(s, MAC_BODY) for s in ICNS_SIZES]
    mac[-1].save(ICONS / "kmeans-gui.icns", append_images=mac[:-1])
    for name in ("kmeans-gui.ico", "kmeans-gui.icns"):
        print(f"{ICONS / name}: {(ICONS / name).stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
