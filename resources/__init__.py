"""Bundled data: the sample photo, icons and the .desktop file (no code)."""
