"""The window's questions to the user, as plain functions (MainWindow wraps them in small
methods that tests and scripts replace)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from core import __version__
from core.load import IMAGE_EXTENSIONS

#: Every type the loader reads (the same endings a dropped folder's images are picked by).
IMAGE_FILTER = "Images (" + " ".join(f"*{ext}" for ext in sorted(IMAGE_EXTENSIONS)) + ")"
SAVE_FILTERS = {
    "png": "Indexed PNG (*.png)", "gif": "GIF (*.gif)", "webp": "WebP, lossless (*.webp)",
    "bmp": "BMP (*.bmp)", "tiff": "TIFF (*.tif *.tiff)",
}
SAVE_EXTENSIONS = {"png": ".png", "gif": ".gif", "webp": ".webp", "bmp": ".bmp", "tiff": ".tif"}


def _palette_filters() -> dict[str, str]:
    """Palette format -> file dialog filter, one per format the core writes."""
    from core.palette import EXPORT_FORMATS
    from core.palette_formats import PALETTE_FORMATS

    labels = {name: fmt.label for name, fmt in PALETTE_FORMATS.items()}
    labels.update({"png": "Swatch image", "json": "JSON", "css": "CSS custom properties"})
    return {name: f"{labels.get(name, name.upper())} (*{ext})" for name, ext in EXPORT_FORMATS.items()}


PALETTE_FILTERS = _palette_filters()


def agree(path: str, chosen_filter: str, filters: dict[str, str], extensions: dict[str, str]) -> tuple[str, str]:
    """The path and format the user meant: a name without an extension gets the chosen filter's
    (and that format); a name with a known extension decides the format itself."""
    p = Path(path)
    by_ext = {ext: name for name, ext in extensions.items()}
    by_ext.setdefault(".tiff", "tiff")
    chosen = next((name for name, f in filters.items() if f == chosen_filter), next(iter(filters)))
    if p.suffix.lower() in by_ext:
        return str(p), by_ext[p.suffix.lower()]
    return str(p) + extensions[chosen], chosen


def ask_open_path(parent: QWidget, start: str) -> str | None:
    path, _ = QFileDialog.getOpenFileName(parent, "Open image", start, f"{IMAGE_FILTER};;All files (*)")
    return path or None


def ask_open_paths(parent: QWidget, start: str) -> list[Path]:
    paths, _ = QFileDialog.getOpenFileNames(parent, "Compress files", start, f"{IMAGE_FILTER};;All files (*)")
    return [Path(p) for p in paths]


def ask_save_path(parent: QWidget, suggestion: Path, fmt: str) -> tuple[str | None, str]:
    """A save path and its format (see :func:`agree`); the suggestion carries ``fmt``'s extension."""
    suggestion = suggestion.with_suffix(SAVE_EXTENSIONS[fmt])
    path, chosen = QFileDialog.getSaveFileName(parent, "Save compressed image", str(suggestion),
                                               ";;".join(SAVE_FILTERS.values()), SAVE_FILTERS[fmt])
    if not path:
        return None, fmt
    return agree(path, chosen, SAVE_FILTERS, SAVE_EXTENSIONS)


def ask_palette_path(parent: QWidget, folder: str, stem: str = "palette", fmt: str = "gpl") -> tuple[str | None, str]:
    """A palette path and format; the suggested name has the extension of the preselected filter."""
    from core.palette import EXPORT_FORMATS

    fmt = fmt if fmt in PALETTE_FILTERS else "gpl"
    path, chosen = QFileDialog.getSaveFileName(parent, "Export palette", str(Path(folder) / f"{stem}{EXPORT_FORMATS[fmt]}"),
                                               ";;".join(PALETTE_FILTERS.values()), PALETTE_FILTERS[fmt])
    if not path:
        return None, fmt
    return agree(path, chosen, PALETTE_FILTERS, EXPORT_FORMATS)


def ask_batch_destination(parent: QWidget, count: int, k: int, start: str):
    """A folder (Path), "beside" (next to the originals with a -kK suffix), or None to cancel."""
    box = QMessageBox(parent)
    box.setWindowTitle("Compress several images" if count != 1 else "Compress an image")
    what = "1 image" if count == 1 else f"{count} images"
    box.setText(f"Compress {what} with the current settings (K = {k})?")
    box.setInformativeText("Existing files are never overwritten.")
    folder_btn = box.addButton("Choose Folder…", QMessageBox.ButtonRole.AcceptRole)
    beside_btn = box.addButton("Next to Originals", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    if box.clickedButton() is beside_btn:
        return "beside"
    if box.clickedButton() is folder_btn:
        folder = QFileDialog.getExistingDirectory(parent, "Output folder", start)
        return Path(folder) if folder else None
    return None


def show_summary(parent: QWidget, text: str) -> None:
    QMessageBox.information(parent, "Compression finished", text)


def about(parent: QWidget) -> None:
    QMessageBox.about(parent, "About K-Means Image Compressor",
                      f"<b>K-Means Image Compressor</b> {__version__}<br>"
                      "Compresses images by K-means color quantization: fully converged K-means on the "
                      "color histogram, in NumPy, with a live preview.<br><br>"
                      "Qt for Python, NumPy and Pillow.")
