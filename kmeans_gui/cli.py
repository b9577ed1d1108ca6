"""``kmeans-compress``: K-means color quantization from the command line (no Qt imported).

Exit codes: 0 every input done, 1 some inputs failed (one ``path: reason`` line each on
stderr), 2 bad usage. A traceback never reaches the user.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

from core import __version__
from core.io import SAVE_FORMATS
from core.palette import EXPORT_FORMATS
from core.pipeline import (
    CompressOptions,
    CompressResult,
    collect_images,
    compress_file,
    human_bytes,
    summarize,
)


def _quality(text: str) -> float:
    """``35``, ``35dB`` or ``35 dB`` -> 35.0"""
    m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(?:db)?\s*", text, re.IGNORECASE)
    if not m:
        raise argparse.ArgumentTypeError(f"expected a PSNR in dB such as 35dB, not {text!r}")
    return float(m.group(1))


def _k(text: str) -> int:
    try:
        k = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"K must be a whole number, not {text!r}") from None
    if not 1 <= k <= 256:
        raise argparse.ArgumentTypeError(f"K must be between 1 and 256, not {k}")
    return k


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="kmeans-compress",
        description="Compress images by K-means color quantization into indexed PNG (or GIF, WebP, BMP, TIFF).",
        epilog="Examples:\n  kmeans-compress photo.jpg -k 16 -o small.png\n"
               "  kmeans-compress shots/ --out-dir small/ -k 32 --dither fs\n"
               "  kmeans-compress photo.jpg --quality 35dB --json\n"
               "  kmeans-compress -- -weird-name.png",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="image files or folders")
    p.add_argument("-k", "--colors", dest="k", type=_k, default=16, help="palette size K, 1..256 (default 16)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0); same seed, same output")
    where = p.add_mutually_exclusive_group()
    where.add_argument("-o", "--output", type=Path, help="output file (single input only)")
    where.add_argument("--out-dir", type=Path, help="folder for the outputs (created if missing)")
    p.add_argument("--format", choices=sorted(SAVE_FORMATS), help="output format (default: from -o, else png)")
    p.add_argument("--color-space", choices=["rgb", "oklab"], default="rgb", help="clustering space (default rgb)")
    p.add_argument("--dither", choices=["none", "fs", "ordered"], default="none", help="dithering (default none)")
    p.add_argument("--init", choices=["k-means++", "random"], default="k-means++", help="initialization")
    target = p.add_mutually_exclusive_group()
    target.add_argument("--quality", type=_quality, metavar="DB",
                        help="choose the smallest K reaching this PSNR, e.g. 35dB (overrides -k)")
    target.add_argument("--max-delta-e", type=float, metavar="DE",
                        help="choose the smallest K whose mean deltaE is at most DE (overrides -k)")
    p.add_argument("--palette-out", type=Path, metavar="FILE",
                   help="also write the palette (.png .gpl .ase .json .css .hex); single input only")
    p.add_argument("--palette-format", choices=sorted(EXPORT_FORMATS),
                   help="write the palette next to each output in this format")
    p.add_argument("--suffix", help="output name suffix (default -k<K>)")
    p.add_argument("-r", "--recursive", action="store_true", help="look into sub-folders of folder inputs")
    p.add_argument("--skip-if-larger", action="store_true", help="write nothing when the result is not smaller")
    p.add_argument("--effort", choices=["smallest", "fast"], default="smallest",
                   help="PNG encoding: smallest file (default) or fast (larger, for big batches of previews)")
    p.add_argument("--keep-metadata", action="store_true", help="keep EXIF metadata (stripped by default)")
    p.add_argument("--force", action="store_true", help="replace existing output files")
    p.add_argument("--json", action="store_true", help="print results as JSON on stdout")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress or summary on stderr")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return p


class Progress:
    """A one-line progress bar on stderr (only when stderr is a terminal)."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.enabled = total, enabled and total > 1 and sys.stderr.isatty()

    def show(self, done: int, name: str) -> None:
        if not self.enabled:
            return
        width = 24
        filled = int(width * done / self.total)
        sys.stderr.write(f"\r[{'#' * filled}{'-' * (width - filled)}] {done}/{self.total} {name[:40]:<40}")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r" + " " * 80 + "\r")


def _describe(r: CompressResult) -> str:
    if not r.written:
        return f"{r.input}: skipped, {'; '.join(r.notes[-1:])}"
    ratio = f"{r.bytes_in / r.bytes_out:.2f}x" if r.bytes_in and r.bytes_out else "?"
    return (f"{r.input} -> {r.output}: {r.colors} colors, {human_bytes(r.bytes_in)} -> {human_bytes(r.bytes_out)} "
            f"({ratio}), PSNR {r.psnr:.1f} dB, deltaE {r.delta_e:.2f}")


def run(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    inputs = collect_images(args.inputs, args.recursive)
    if not inputs:
        parser.error("no image files found in the given folders")
    if args.output is not None and len(inputs) > 1:
        parser.error("-o/--output takes a single input; use --out-dir for several")
    if args.palette_out is not None and len(inputs) > 1:
        parser.error("--palette-out takes a single input; use --palette-format for several")
    if args.out_dir is not None:
        try:
            args.out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            parser.error(f"cannot create {args.out_dir}: {e.strerror or e}")
    options = CompressOptions(
        k=args.k, seed=args.seed, color_space=args.color_space, dither=args.dither, init=args.init,
        format=args.format, skip_if_larger=args.skip_if_larger, overwrite=args.force,
        keep_metadata=args.keep_metadata, suffix=args.suffix, target_psnr=args.quality,
        target_delta_e=args.max_delta_e, effort=args.effort,
    )
    t0 = time.perf_counter()
    progress = Progress(len(inputs), not args.quiet and not args.json)
    results: list[CompressResult] = []
    for i, path in enumerate(inputs):
        progress.show(i, path.name)
        res = compress_file(path, args.output, options, out_dir=args.out_dir, palette_out=args.palette_out,
                            palette_format=args.palette_format)
        results.append(res)
        if res.error:
            progress.close()
            print(f"{path}: {res.error}", file=sys.stderr)
        elif not args.quiet and not args.json:
            progress.close()
            print(_describe(res), file=sys.stderr)
    progress.close()
    failed = sum(1 for r in results if r.error)
    if args.json:
        payload = [r.to_json() for r in results]
        print(json.dumps(payload[0] if len(payload) == 1 else payload, indent=2))
    elif not args.quiet and len(results) > 1:
        print(summarize(results, time.perf_counter() - t0), file=sys.stderr)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    try:
        return run(argv)
    except KeyboardInterrupt:
        print("kmeans-compress: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except SystemExit as e:  # argparse: usage errors exit 2, --help exits 0
        return int(e.code or 0) if isinstance(e.code, int) else 2
    except Exception as e:  # noqa: BLE001 - never a traceback in the user's face
        print(f"kmeans-compress: internal error: {e}", file=sys.stderr)
        return 1

if __name__ == "__main__":
    sys.exit(main())
