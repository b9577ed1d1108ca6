"""Compatibility facade: loading, encoding and saving live in :mod:`core.load`,
:mod:`core.encode` and :mod:`core.save`; old imports from ``core.io`` keep working."""

from __future__ import annotations

from .encode import (
    INDEXED_FORMATS,
    SAVE_FORMATS,
    SaveError,
    encode_indexed,
    format_for_path,
    to_pil_indexed,
)
from .load import (
    LOAD_FORMATS,
    MAX_PIXELS,
    ImageLoadError,
    LoadedImage,
    load_image,
    load_image_bytes,
)
from .save import SaveResult, save_indexed

__all__ = [
    "INDEXED_FORMATS", "LOAD_FORMATS", "MAX_PIXELS", "SAVE_FORMATS", "ImageLoadError", "LoadedImage",
    "SaveError", "SaveResult", "encode_indexed", "format_for_path", "load_image", "load_image_bytes",
    "save_indexed", "to_pil_indexed",
]
