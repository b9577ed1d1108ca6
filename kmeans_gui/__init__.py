"""Front-ends of K-Means Image Compressor: the PySide6 desktop app and the command line.

Nothing is imported here: the command line's first module (:mod:`kmeans_gui.cli_entry`) must
run before NumPy and the core load, so that a Ctrl-C during that load ends quietly.
"""

__all__ = ["__version__"]


def __getattr__(name: str):
    if name == "__version__":
        from core import __version__

        return __version__
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
