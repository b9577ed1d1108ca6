"""Argument types and settings resolution for ``kmeans-compress`` (no Qt imported).

Each type turns one command-line value into a checked Python value or raises
``argparse.ArgumentTypeError`` with one line, so bad usage exits 2 before any work.
:func:`resolve_settings` fills what the user did not give from ``--preset``, then from the
built-in defaults, and remembers which flags were given (a preset never overrides them).
"""

from __future__ import annotations

import argparse
import math
import re

from core.encode import SaveError, format_for_path
from core.palette_formats import PaletteFileError, limit_colors, parse_colors, read_palette
from core.presets import PresetError, preset_to_options_changes, resolve_preset
from core.write_guard import printable

#: What a flag means when neither the command line nor a preset sets it.
DEFAULTS = {"k": 16, "seed": 0, "color_space": "rgb", "dither": "none", "init": "k-means++"}

_SIZE_UNITS = {"": 1, "b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3,
               "kib": 1024, "mib": 1024**2, "gib": 1024**3}
_NUMBER = r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)|nan|inf"


def number(text: str, what: str, lo: float, hi: float, unit: str = "") -> float:
    """A finite number in (lo, hi], optionally followed by ``unit`` (a regex)."""
    m = re.fullmatch(r"\s*(" + _NUMBER + r")\s*" + unit + r"\s*", text, re.IGNORECASE)
    value = float(m.group(1)) if m else math.nan
    if not math.isfinite(value) or not lo < value <= hi:
        raise argparse.ArgumentTypeError(f"{what} must be a number above {lo:g} and at most {hi:g}, not {text!r}")
    return value


def byte_size(text: str) -> int:
    """``200KB`` -> 200000, ``1.5MiB`` -> 1572864, ``5000`` -> 5000 (KB = 1000 bytes, KiB = 1024)."""
    m = re.fullmatch(r"\s*(" + _NUMBER + r")\s*([a-z]*)\s*", text, re.IGNORECASE)
    unit = m.group(2).lower() if m else ""
    value = float(m.group(1)) if m and unit in _SIZE_UNITS else math.nan
    size = value * _SIZE_UNITS.get(unit, 1) if math.isfinite(value) else math.nan
    if not math.isfinite(size) or size < 1 or size > 1024**4:
        raise argparse.ArgumentTypeError(
            f"the size limit must be a positive size such as 200KB, 1.5MB, 64KiB or 50000 (bytes), not {text!r}")
    if unit in ("", "b") and size != int(size):
        raise argparse.ArgumentTypeError(f"the size limit in bytes must be a whole number, not {text!r}")
    return int(size)  # 1.0005KB is 1000 bytes: a limit rounds down


def min_quality(text: str) -> float:
    """``30dB`` or ``30``: the PSNR floor in dB."""
    return number(text, "the PSNR minimum", 0, 100, r"(?:db)?")


def strength(text: str) -> float:
    """``0.6`` or ``60%``: dither strength from 0 (none) to 1 (classic Floyd-Steinberg)."""
    m = re.fullmatch(r"\s*(" + _NUMBER + r")\s*(%?)\s*", text, re.IGNORECASE)
    value = float(m.group(1)) / (100 if m.group(2) else 1) if m else math.nan
    if not math.isfinite(value) or not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"the dither strength must be from 0 to 1 (or 0% to 100%), not {text!r}")
    return value


def levels(text: str) -> float:
    """``--dither-flat``: a number of levels from 0 to 255."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not 0.0 <= value <= 255.0:
        raise argparse.ArgumentTypeError(f"--dither-flat takes levels from 0 to 255, not {text!r}")
    return value


def colors(text: str) -> tuple[tuple[int, ...], ...]:
    """``"#ff0000,#ffffff"`` -> ((255, 0, 0), (255, 255, 255)); RGBA when any color has alpha."""
    try:
        parsed = parse_colors(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(printable(str(e))) from None
    return tuple(tuple(int(v) for v in row) for row in parsed)


def resolve_settings(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Fill unset clustering flags from ``--preset`` (if any), then from :data:`DEFAULTS`.

    Sets ``k_given`` (the user typed -k), ``dither_chosen`` (by a flag or the preset: a size
    search then keeps it instead of trying both), ``strength_given``, ``n_init`` and, unless
    ``--dither-flat`` was given, ``dither_flat``. A preset
    that does not exist exits 2 with one line listing the names there are.
    """
    changes: dict = {}
    if args.preset:
        try:
            changes = preset_to_options_changes(resolve_preset(args.preset))
        except PresetError as e:
            parser.error(printable(str(e)))
    args.k_given = args.k is not None
    args.dither_chosen = args.dither is not None or "dither" in changes
    for name, default in DEFAULTS.items():
        if getattr(args, name) is None:
            setattr(args, name, changes.get(name, default))
    args.n_init = changes.get("n_init")
    if args.dither_flat is None:  # --dither-flat wins over the preset's
        args.dither_flat = changes.get("dither_flat")
    args.strength_given = args.dither_strength is not None
    if args.dither_strength is None:
        args.dither_strength = changes.get("dither_strength", 1.0)
    if args.strength_given and not args.dither_chosen:
        args.dither, args.dither_chosen = "fs", True  # asking for a strength means asking for dithering


def check_features(parser: argparse.ArgumentParser, args: argparse.Namespace) -> list[str]:
    """Refuse combinations that cannot work (exit 2, one line, before any work), read
    ``--palette`` into ``args.palette_colors`` and return the notes to show the user."""
    notes: list[str] = []
    args.palette_colors = None
    if (args.lock or args.palette is not None) and (args.quality or args.max_delta_e or args.max_bytes):
        which = "--lock" if args.lock else "--palette"
        parser.error(f"{which} cannot be combined with --quality, --max-delta-e or --max-bytes (those choose K)")
    if args.lock and len(args.lock) > args.k:
        parser.error(f"--lock gives {len(args.lock)} colors but K is {args.k}; raise -k")
    if args.min_quality is not None and args.quality and args.quality[0] is not None:
        parser.error("--min-quality and --quality MIN-MAX both set a floor; give one")
    if args.max_bytes is not None:
        _check_png_output(parser, args)
        if args.k_given:
            notes.append("-k ignored: --max-bytes chooses K")
    elif args.k_given and (args.quality or args.max_delta_e):
        notes.append(f"-k ignored: {'--quality' if args.quality else '--max-delta-e'} chooses K")
    if args.strength_given and args.dither == "none":
        notes.append("--dither-strength has no effect with --dither none")
    if args.palette is not None:
        try:
            pf = read_palette(args.palette)
        except PaletteFileError as e:  # one line naming the file
            parser.error(f"--palette {printable(str(e))}")
        unique, repeated = limit_colors(pf.colors, None, max_colors=len(pf.colors))  # repeats only
        args.palette_colors = tuple(tuple(int(v) for v in row) for row in unique)
        args.k = min(len(unique), 256)  # names the output (-k<colors>); more than 256 are cut per image
        notes += [*pf.notes, *([repeated] if repeated else [])]
        if args.k_given:
            notes.append("-k ignored: --palette gives the colors")
    return notes


def _check_png_output(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    fmt = args.format
    if fmt is None and args.output is not None and str(args.output) != "-":
        try:
            fmt = format_for_path(args.output, None)
        except (SaveError, ValueError):
            return  # an unknown extension is refused by the plan, with its own message
    if fmt not in (None, "png"):
        parser.error(f"--max-bytes measures PNG files; {fmt.upper()} output cannot be fitted to a size")
