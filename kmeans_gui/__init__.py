"""Front-ends of K-Means Image Compressor: the PySide6 desktop app and the command line."""

from core import __version__

__all__ = ["__version__"]
