"""``python -m kmeans_gui``: the desktop app (PyInstaller's entry point too)."""

import multiprocessing
import sys

if __name__ == "__main__":
    # In the frozen app, the PNG encoder's helper process (and multiprocessing's resource
    # tracker) start this same executable; freeze_support() runs their code and exits instead
    # of opening a second window.
    multiprocessing.freeze_support()
    from kmeans_gui.app import main

    sys.exit(main())
