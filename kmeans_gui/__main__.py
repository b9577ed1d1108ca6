"""``python -m kmeans_gui``: the desktop app (PyInstaller's entry point too)."""

import sys

from kmeans_gui.app import main

if __name__ == "__main__":
    sys.exit(main())
