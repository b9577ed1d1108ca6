"""Figures as the Figures panel words them: one string per row, estimates marked as such."""

from __future__ import annotations

from core.pipeline import human_bytes

from .jobs import Figures


def times(x: float, decimals: int) -> str:
    """A size ratio as "2.35 ×"; below 1 (the PNG is larger, as for a few-pixel image) with
    two significant digits, so a 1 x 1 image reads "0.043 ×", not "0.0 ×"."""
    return f"{x:.2g} ×" if 0 < x < 1 else f"{x:.{decimals}f} ×"


def figure_rows(f: Figures) -> dict[str, str]:
    """Row key -> text, for :class:`~kmeans_gui.widgets.stats_panel.StatsPanel`."""
    est = "≈ " if f.png_kind == "estimate" else ""
    notes = {"estimate": " (estimate from the preview)", "fast": " (quick encoding; optimizing…)",
             "unoptimized": " (quick encoding; Save optimizes)", "smallest": ""}
    rows = {
        "colors": f"{f.colors}",
        "distinct": (f"{f.distinct:,}" + (" (binned)" if f.stage != "full" else "")) if f.distinct else "—",
        "bitcount": times(f.bitcount_ratio, 2),
        "original": human_bytes(f.original_bytes) if f.original_bytes else "— (pasted)",
        "png": est + human_bytes(f.png_bytes) + notes[f.png_kind],
    }
    raw_ratio = f.raw_bytes / f.png_bytes if f.png_bytes else 0.0
    if f.original_bytes and f.png_bytes:
        rows["ratio"] = f"{est}{times(f.original_bytes / f.png_bytes, 2)} / {times(raw_ratio, 1)}"
    else:
        rows["ratio"] = f"— / {est}{times(raw_ratio, 1)}"
    rows["psnr"] = "∞ (lossless)" if f.psnr == float("inf") else f"{f.psnr:.2f} dB"
    rows["delta_e"] = f"{f.delta_e:.2f}"
    rows["ssim"] = f"{f.ssim:.4f}"
    rows["iterations"] = f"{f.iterations} in {f.seconds * 1000:.0f} ms"
    return rows
