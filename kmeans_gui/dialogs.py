"""The window's questions to the user, as plain functions (MainWindow wraps them in small
methods that tests and scripts replace)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from core import __version__

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.gif *.bmp *.tif *.tiff *.webp)"
SAVE_FILTERS = {
    "png": "Indexed PNG (*.png)", "gif": "GIF (*.gif)", "webp": "WebP, lossless (*.webp)",
    "bmp": "BMP (*.bmp)", "tiff": "TIFF (*.tif *.tiff)",
}
PALETTE_FILTERS = ("Swatch image (*.png);;GIMP palette (*.gpl);;Adobe swatches (*.ase);;JSON (*.json);;"
                   "CSS custom properties (*.css);;Hex list (*.hex *.txt)")


def ask_open_path(parent: QWidget, start: str) -> str | None:
    path, _ = QFileDialog.getOpenFileName(parent, "Open image", start, f"{IMAGE_FILTER};;All files (*)")
    return path or None


def ask_open_paths(parent: QWidget, start: str) -> list[Path]:
    paths, _ = QFileDialog.getOpenFileNames(parent, "Compress files", start, IMAGE_FILTER)
    return [Path(p) for p in paths]


def ask_save_path(parent: QWidget, suggestion: Path, fmt: str) -> tuple[str | None, str]:
    """A save path and the format of the chosen filter."""
    path, chosen = QFileDialog.getSaveFileName(parent, "Save compressed image", str(suggestion),
                                               ";;".join(SAVE_FILTERS.values()), SAVE_FILTERS[fmt])
    chosen_fmt = next((k for k, v in SAVE_FILTERS.items() if v == chosen), fmt)
    return (path or None), chosen_fmt


def ask_palette_path(parent: QWidget, folder: str) -> str | None:
    path, _ = QFileDialog.getSaveFileName(parent, "Export palette", str(Path(folder) / "palette.gpl"), PALETTE_FILTERS)
    return path or None


def ask_batch_destination(parent: QWidget, count: int, k: int, start: str):
    """A folder (Path), "beside" (next to the originals with a -kK suffix), or None to cancel."""
    box = QMessageBox(parent)
    box.setWindowTitle("Compress several images")
    box.setText(f"Compress {count} images with the current settings (K = {k})?")
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
