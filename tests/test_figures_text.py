"""How the Figures panel words ratios, including images whose PNG is larger than the pixels."""

from __future__ import annotations

from kmeans_gui.figures_text import figure_rows, times
from kmeans_gui.jobs import Figures


def figures(**kw) -> Figures:
    base = dict(stage="full", size=(1, 1), colors=1, distinct=1, bitcount_ratio=24.0, psnr=float("inf"),
                delta_e=0.0, ssim=1.0, png_bytes=70, png_kind="smallest", original_bytes=69, raw_bytes=3,
                iterations=0, seconds=0.001)
    base.update(kw)
    return Figures(**base)


def test_ratios_below_one_keep_two_significant_digits():
    assert times(3 / 70, 1) == "0.043 ×"
    assert times(0.5, 2) == "0.5 ×"
    assert times(2.345, 2) == "2.35 ×" and times(12.0, 1) == "12.0 ×"


def test_a_one_pixel_image_never_reads_zero_times():
    rows = figure_rows(figures())
    assert "0.0 ×" not in rows["ratio"]
    assert rows["ratio"] == "0.99 × / 0.043 ×"  # 69 B file -> 70 B PNG; 3 raw bytes -> 70 B


def test_pasted_images_have_no_file_ratio():
    rows = figure_rows(figures(original_bytes=None, raw_bytes=3_000_000, png_bytes=300_000))
    assert rows["ratio"] == "— / 10.0 ×"


def test_sizes_are_shown_in_the_units_they_are_asked_in():
    """KB = 1000 bytes, as --max-bytes 200KB and Fit in Size's KB take them (a 400 KB request
    used to read back as "390.6 KB")."""
    from core.pipeline import human_bytes

    assert human_bytes(400_000) == "400.0 KB"
    assert human_bytes(273_695) == "273.7 KB"
    assert human_bytes(999) == "999 B" and human_bytes(2_500_000) == "2.5 MB"
