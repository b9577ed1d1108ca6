"""Helpers for compressing many files from the GUI (the work itself is core.pipeline)."""

from __future__ import annotations

from pathlib import Path

from core.pipeline import CompressResult, summarize
from core.pipeline import collect_images as _collect


def collect_images(paths: list[Path]) -> list[Path]:
    """Dropped files and folders -> the image files to compress (folders not recursed)."""
    return _collect([str(p) for p in paths])


def summary_text(results: list[CompressResult]) -> str:
    """The summary dialog's text: totals first, then one line per failure."""
    lines = [summarize(results)]
    for r in results:
        if r.error:
            lines.append(f"{Path(r.input).name}: {r.error}")
    return "\n".join(lines)
