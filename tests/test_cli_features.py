"""kmeans-compress: --lock, --palette, palette formats, --dither-strength, SSIM, --max-bytes,
--min-quality and --preset (issues 12, 13 and 15), run in-process through ``main``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.dither import dither as apply_dither
from core.load import load_image
from core.palette import EXPORT_FORMATS
from core.palette_formats import PALETTE_FORMATS, read_palette
from core.quantize import quantize
from core.save import encode_for_save
from kmeans_gui import cli_args
from kmeans_gui.cli import build_parser, main

from .corpus import gradient


@pytest.fixture(autouse=True)
def no_user_presets(tmp_path, monkeypatch):
    """Presets come from the built-ins and a presets.json under this test's own config folder."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


@pytest.fixture
def photo(tmp_path) -> Path:
    p = tmp_path / "photo.png"
    noisy = gradient(120, 90).astype(int) + np.random.default_rng(1).integers(-25, 25, size=(90, 120, 3))
    Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).save(p)
    return p


def err_lines(capsys) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if line.strip()]


def run_json(capsys, *argv) -> dict:
    assert main([*map(str, argv), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def palette_of(path: Path) -> set[tuple[int, ...]]:
    im = Image.open(path)
    return {tuple(c) for c in np.array(im.getpalette()).reshape(-1, 3).tolist()}


def colors_used(path: Path) -> set[tuple[int, ...]]:
    return {c for _, c in Image.open(path).convert("RGB").getcolors(1 << 16)}


def pictures(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.suffix == ".png" and p.name != "photo.png")


# --- --lock -----------------------------------------------------------------------------------

def test_lock_keeps_the_colors_exactly(photo, tmp_path):
    out = tmp_path / "out.png"
    assert main([str(photo), "--lock", "#ff0000, #ffffff", "-k", "8", "-o", str(out), "-q"]) == 0
    pal = palette_of(out)
    assert {(255, 0, 0), (255, 255, 255)} <= pal and len(pal) <= 8


def test_lock_matches_the_image_channels(photo, tmp_path, capsys):
    out = tmp_path / "out.png"
    data = run_json(capsys, photo, "--lock", "#ff000080", "-k", "4", "-o", out)
    assert (255, 0, 0) in palette_of(out) and any("without their alpha" in n for n in data["notes"])
    glass = tmp_path / "glass.png"
    rgba = np.zeros((20, 20, 4), np.uint8)
    rgba[..., 1], rgba[..., 3] = 200, np.linspace(40, 255, 20).astype(np.uint8)[None, :]
    Image.fromarray(rgba, "RGBA").save(glass)
    assert main([str(glass), "--lock", "#ff0000,#00c80080", "-k", "4", "-o", str(tmp_path / "g.png"), "-q"]) == 0
    im = Image.open(tmp_path / "g.png")
    rgb = np.array(im.getpalette()).reshape(-1, 3)
    alpha = np.full(len(rgb), 255)
    trns = np.frombuffer(im.info.get("transparency", b""), np.uint8)  # PNG tRNS: alpha per entry
    alpha[: len(trns)] = trns
    entries = {(*c, a) for c, a in zip(map(tuple, rgb.tolist()), alpha.tolist(), strict=True)}
    assert {(255, 0, 0, 255), (0, 200, 0, 128)} <= entries


@pytest.mark.parametrize("colors", ["#ff0000,#zzz", "#12345", "", "#ff0000,#f00", "#ff0000,#ffffff,#000000"])
def test_bad_or_too_many_locked_colors_exit_2_with_one_line(photo, tmp_path, capsys, colors):
    assert main([str(photo), "--lock", colors, "-k", "2"]) == 2
    lines = err_lines(capsys)
    assert len(lines) == 1 and ("--lock" in lines[0] or "color" in lines[0])
    assert pictures(tmp_path) == []


# --- --palette ----------------------------------------------------------------------------------

FIVE = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (0, 0, 0), (255, 255, 255)]


@pytest.fixture
def five_gpl(tmp_path) -> Path:
    p = tmp_path / "five.gpl"
    p.write_text("GIMP Palette\nName: five\n#\n" + "".join(f"{r} {g} {b}\tc\n" for r, g, b in FIVE))
    return p


@pytest.mark.parametrize("dither", ["none", "fs"])
def test_palette_file_output_uses_only_its_colors(photo, five_gpl, tmp_path, capsys, dither):
    out = tmp_path / "out.png"
    data = run_json(capsys, photo, "--palette", five_gpl, "--dither", dither, "-o", out)
    assert colors_used(out) <= set(FIVE) and len(colors_used(out)) >= 3
    assert data["k"] == data["colors"] == 5


def test_palette_file_maps_to_the_nearest_color_without_dithering(photo, five_gpl, tmp_path):
    out = tmp_path / "out.png"
    assert main([str(photo), "--palette", str(five_gpl), "-o", str(out), "-q"]) == 0
    pixels = np.asarray(Image.open(photo).convert("RGB"), np.int64).reshape(-1, 3)
    nearest = np.argmin(((pixels[:, None, :] - np.array(FIVE)[None]) ** 2).sum(-1), axis=1)
    got = np.asarray(Image.open(out).convert("RGB")).reshape(-1, 3)
    assert (got == np.array(FIVE)[nearest]).all()


def test_k_is_ignored_with_a_note(photo, five_gpl, tmp_path, capsys):
    assert main([str(photo), "--palette", str(five_gpl), "-k", "64", "-o", str(tmp_path / "o.png")]) == 0
    err = capsys.readouterr().err
    assert "-k ignored: --palette gives the colors" in err
    assert len(palette_of(tmp_path / "o.png")) <= 5


def test_a_palette_of_more_than_256_colors_keeps_the_most_used(photo, tmp_path, capsys):
    pal = tmp_path / "big.hex"
    rng = np.random.default_rng(3)
    colors = np.unique(rng.integers(0, 256, size=(400, 3)), axis=0)[:300]
    pal.write_text("".join(f"{r:02x}{g:02x}{b:02x}\n" for r, g, b in colors.tolist()))
    data = run_json(capsys, photo, "--palette", pal, "-o", tmp_path / "o.png")
    assert data["colors"] == 256
    assert any("kept the 256 the image uses most" in n for n in data["notes"])
    assert colors_used(tmp_path / "o.png") <= {tuple(c) for c in colors.tolist()}


@pytest.mark.parametrize("dither", ["none", "fs"])
def test_a_palette_keeps_a_sprites_transparent_background(tmp_path, five_gpl, capsys, dither):
    """The README's sprite example: a palette file has no transparent color, the sprite's
    background must still come out see-through (it came out opaque black)."""
    sprite = np.zeros((32, 32, 4), np.uint8)
    sprite[8:24, 8:24] = (200, 30, 60, 255)
    sprite[12:20, 12:20] = (250, 250, 240, 255)
    src, out = tmp_path / "sprite.png", tmp_path / "out.png"
    Image.fromarray(sprite, "RGBA").save(src)
    data = run_json(capsys, src, "--palette", five_gpl, "--dither", dither, "-o", out)
    got = np.asarray(Image.open(out).convert("RGBA"))
    np.testing.assert_array_equal(got[..., 3], sprite[..., 3])
    assert {tuple(c) for c in got[got[..., 3] != 0][:, :3].tolist()} <= set(FIVE)
    assert data["colors"] == len(FIVE) + 1


def test_a_full_palette_makes_way_for_the_transparent_entry_with_a_note():
    from core.palette_formats import with_transparent_entry

    colors = np.array([[i, 255 - i, (7 * i) % 256] for i in range(256)], np.uint8)
    pixels = np.zeros((4, 64, 4), np.uint8)
    pixels[:2] = np.concatenate([colors[:64], np.full((64, 1), 255, np.uint8)], axis=1)  # uses colors 0..63
    out, note = with_transparent_entry(colors, pixels)
    assert len(out) == 256 and out[0].tolist() == [0, 0, 0, 0]
    kept = {tuple(c) for c in out[1:, :3].tolist()}
    assert {tuple(c) for c in colors[:64].tolist()} <= kept  # the used ones stay
    assert note and "transparent entry" in note
    opaque = pixels.copy()
    opaque[..., 3] = 255
    same, none = with_transparent_entry(colors, opaque)  # nothing see-through: nothing changes
    assert none is None and len(same) == 256 and (same[:, 3] == 255).all()
    assert with_transparent_entry(colors, pixels[..., :3])[1] is None  # RGB image


@pytest.mark.parametrize("name,content", [
    ("bad.gpl", b"GIMP Palette\nthis is not a color\n"), ("empty.hex", b""), ("junk.ase", b"ASEF\x00\x01"),
    ("missing.gpl", None), ("what.xyz", b"hello"),
])
def test_malformed_palette_file_exits_2_with_one_line(photo, tmp_path, capsys, name, content):
    pal = tmp_path / name
    if content is not None:
        pal.write_bytes(content)
    assert main([str(photo), "--palette", str(pal)]) == 2
    lines = err_lines(capsys)
    assert len(lines) == 1 and "--palette" in lines[0] and name in lines[0]
    assert pictures(tmp_path) == []


@pytest.mark.parametrize("other", [["--lock", "#fff"], ["--max-bytes", "5KB"], ["--quality", "30dB"]])
def test_palette_with_k_choosing_or_locking_flags_exits_2(photo, five_gpl, capsys, other):
    assert main([str(photo), "--palette", str(five_gpl), *other]) == 2
    assert len(err_lines(capsys)) == 1


# --- --palette-format -------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", sorted(EXPORT_FORMATS))
def test_every_palette_format_is_written_and_reads_back(photo, tmp_path, fmt):
    out = tmp_path / "out.png"
    pal = tmp_path / f"colors{EXPORT_FORMATS[fmt]}"
    flag = ["--palette-out", str(pal)] if fmt == "png" else ["--palette-format", fmt]  # png: not onto the image
    assert main([str(photo), "-k", "8", "-o", str(out), *flag, "-q"]) == 0
    written = pal if fmt == "png" else out.with_suffix(EXPORT_FORMATS[fmt])
    expected = palette_of(out)
    if fmt in PALETTE_FORMATS:
        back = read_palette(written)
        assert {tuple(c) for c in back.colors[:, :3].tolist()} == expected
    elif fmt == "json":
        assert {tuple(c["rgb"]) for c in json.loads(written.read_text())["colors"]} == expected
    else:  # css: one custom property per color
        hexes = {line.split(":")[1].split(";")[0].strip() for line in written.read_text().splitlines() if "--" in line}
        assert hexes == {"#{:02x}{:02x}{:02x}".format(*c) for c in expected}


def test_palette_format_choices_are_the_export_formats():
    action = next(a for a in build_parser()._actions if a.dest == "palette_format")
    assert sorted(action.choices) == sorted(EXPORT_FORMATS) == sorted(
        ["aco", "act", "ase", "css", "gpl", "hex", "json", "pal", "png", "txt"])


def test_lost_alpha_is_noted(tmp_path, capsys):
    src = tmp_path / "glass.png"
    rgba = np.zeros((20, 20, 4), np.uint8)
    rgba[..., 0] = 200
    rgba[..., 3] = np.linspace(40, 255, 20).astype(np.uint8)[None, :]
    Image.fromarray(rgba, "RGBA").save(src)
    data = run_json(capsys, src, "-k", "4", "-o", tmp_path / "o.png", "--palette-format", "gpl")
    assert any("no alpha" in n and "opaque" in n for n in data["notes"])


# --- --dither-strength and SSIM ----------------------------------------------------------------

def test_strength_zero_equals_no_dithering_byte_for_byte(photo, tmp_path):
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    assert main([str(photo), "-k", "8", "--dither", "fs", "--dither-strength", "0", "-o", str(a), "-q"]) == 0
    assert main([str(photo), "-k", "8", "--dither", "none", "-o", str(b), "-q"]) == 0
    assert a.read_bytes() == b.read_bytes()


def test_strength_is_reported_and_turns_on_fs(photo, tmp_path, capsys):
    data = run_json(capsys, photo, "-k", "8", "--dither-strength", "60%", "-o", tmp_path / "o.png")
    assert data["dither"] == "fs" and data["dither_strength"] == pytest.approx(0.6)
    full = run_json(capsys, photo, "-k", "8", "--dither", "fs", "-o", tmp_path / "f.png")
    assert full["dither_strength"] == 1.0 and (tmp_path / "o.png").read_bytes() != (tmp_path / "f.png").read_bytes()


@pytest.mark.parametrize("value", ["1.5", "-0.1", "nan", "lots", "101%", ""])
def test_strength_out_of_range_exits_2(photo, tmp_path, capsys, value):
    assert main([str(photo), "--dither-strength", value]) == 2
    assert len(err_lines(capsys)) == 1 and pictures(tmp_path) == []


def test_ssim_is_in_json_and_in_range(photo, tmp_path, capsys):
    data = run_json(capsys, photo, "-k", "8", "-o", tmp_path / "o.png")
    assert 0 < data["ssim"] <= 1
    same = run_json(capsys, photo, "-k", "256", "-o", tmp_path / "all.png")
    assert same["ssim"] > data["ssim"]


# --- --max-bytes and --min-quality --------------------------------------------------------------

@pytest.mark.parametrize("text,size", [("200KB", 200_000), ("1.5MB", 1_500_000), ("64KiB", 65_536),
                                       ("5000", 5000), ("2 mib", 2 * 1024**2), ("300B", 300)])
def test_sizes_parse(text, size):
    assert cli_args.byte_size(text) == size


@pytest.mark.parametrize("text", ["0", "-5KB", "nan", "5XB", "", "inf", "0.5", "1.5", "4000.7B"])
def test_nonsense_sizes_exit_2(photo, tmp_path, capsys, text):
    assert main([str(photo), "--max-bytes", text]) == 2
    assert len(err_lines(capsys)) == 1 and pictures(tmp_path) == []


def test_max_bytes_fits_and_one_more_color_would_not(photo, tmp_path, capsys):
    limit = 4000
    data = run_json(capsys, photo, "--max-bytes", limit)
    out = Path(data["output"])
    k, dither = data["k"], data["dither"]
    assert out.name == f"photo-k{k}.png" and out.stat().st_size == data["bytes_out"] <= limit
    assert data["max_bytes"] == limit and k in data["ks_tried"]
    assert any(f"chose K = {k}" in n for n in data["notes"])
    if k < 256:  # independently: K + 1 with the same dithering, encoded as saved, is too big
        assert k + 1 in data["ks_tried"]
        pixels = load_image(photo).pixels
        q = quantize(pixels, k + 1, seed=0)
        indices = q.indices if dither == "none" else apply_dither(pixels, q.palette, dither)
        assert len(encode_for_save(out, q.palette, indices, fmt="png")[0]) > limit


def test_palette_format_follows_an_output_named_by_the_search(photo, tmp_path, capsys):
    data = run_json(capsys, photo, "--max-bytes", "5KB", "--palette-format", "gpl")
    out = Path(data["output"])
    assert out.with_suffix(".gpl") == Path(data["palette"])
    assert {tuple(c) for c in read_palette(data["palette"]).colors.tolist()} == palette_of(out)


def test_max_bytes_large_enough_gives_k_256(tmp_path, capsys):
    src = tmp_path / "tiny.png"
    Image.fromarray(gradient(24, 16)).save(src)
    data = run_json(capsys, src, "--max-bytes", "1MB", "-o", tmp_path / "o.png")
    assert data["k"] == 256 and data["ks_tried"][-1] == 256


def test_a_limit_only_one_color_fits_gives_k_1(photo, tmp_path, capsys):
    """K = 2 is the search's first step; when it does not fit, K = 1 still may (it was
    reported as "nothing fits" although -k 1 wrote a file under the limit)."""
    one = tmp_path / "one.png"
    assert main([str(photo), "-k", "1", "-o", str(one), "-q"]) == 0
    two = tmp_path / "two.png"
    assert main([str(photo), "-k", "2", "-o", str(two), "-q"]) == 0
    limit = one.stat().st_size
    assert limit < two.stat().st_size
    data = run_json(capsys, photo, "--max-bytes", limit, "-o", tmp_path / "o.png")
    assert data["k"] == 1 and data["bytes_out"] <= limit and 1 in data["ks_tried"]


def test_impossible_limit_exits_1_with_one_line_and_no_file(photo, tmp_path, capsys):
    assert main([str(photo), "--max-bytes", "50"]) == 1
    lines = err_lines(capsys)
    assert len(lines) == 1 and "nothing fits in 50 bytes" in lines[0] and "smallest file reached is" in lines[0]
    assert pictures(tmp_path) == []


def test_max_bytes_refuses_other_formats(photo, tmp_path, capsys):
    assert main([str(photo), "--max-bytes", "5KB", "-o", str(tmp_path / "o.gif")]) == 2
    assert len(err_lines(capsys)) == 1 and not (tmp_path / "o.gif").exists()


def test_min_quality_refuses_to_save_with_exit_99(photo, tmp_path, capsys):
    out = tmp_path / "o.png"
    assert main([str(photo), "-k", "2", "--min-quality", "45dB", "-o", str(out)]) == 99
    lines = err_lines(capsys)
    assert len(lines) == 1 and "below the minimum 45 dB" in lines[0]
    assert not out.exists() and pictures(tmp_path) == []
    assert main([str(photo), "-k", "64", "--min-quality", "20dB", "-o", str(out), "-q"]) == 0 and out.exists()


def test_min_quality_with_max_bytes_refuses_below_the_floor(photo, tmp_path, capsys):
    assert main([str(photo), "--max-bytes", "3KB", "--min-quality", "60dB"]) == 99
    lines = err_lines(capsys)
    assert len(lines) == 1 and "below the minimum 60 dB" in lines[0]
    assert pictures(tmp_path) == []


def test_two_floors_exit_2(photo, capsys):
    assert main([str(photo), "--quality", "30-40dB", "--min-quality", "35dB"]) == 2
    assert len(err_lines(capsys)) == 1


# --- --preset -------------------------------------------------------------------------------------

def test_builtin_preset_and_flags_that_win(photo, tmp_path, capsys):
    data = run_json(capsys, photo, "--preset", "web small", "-o", tmp_path / "a.png")
    assert data["k"] == 32 and data["dither"] == "fs"
    data = run_json(capsys, photo, "--preset", "web small", "-k", "64", "-o", tmp_path / "b.png")
    assert data["k"] == 64 and data["dither"] == "fs"
    data = run_json(capsys, photo, "--preset", "Web Small", "--dither", "none", "-o", tmp_path / "c.png")
    assert data["k"] == 32 and data["dither"] == "none"


def test_user_preset_from_the_config_file(photo, tmp_path, capsys):
    folder = tmp_path / "config" / "kmeans-gui"
    folder.mkdir(parents=True)
    (folder / "presets.json").write_text(json.dumps({"version": 1, "presets": [
        {"name": "Mine", "k": 5, "dither": "ordered", "dither_strength": 0.5, "color_space": "oklab"}]}))
    data = run_json(capsys, photo, "--preset", "mine", "-o", tmp_path / "o.png")
    assert (data["k"], data["dither"], data["dither_strength"]) == (5, "ordered", 0.5)


def test_unknown_preset_exits_2_listing_the_names(photo, tmp_path, capsys):
    assert main([str(photo), "--preset", "nope"]) == 2
    lines = err_lines(capsys)
    assert len(lines) == 1 and "unknown preset 'nope'" in lines[0]
    for name in ("Web small", "Icons", "Print", "Pixel art"):
        assert name in lines[0]
    assert pictures(tmp_path) == []


def test_dither_flat_leaves_flat_areas_undithered(tmp_path):
    """A flat panel next to a gradient: with --dither-flat 0 the panel gets no dither noise."""
    import numpy as np
    from PIL import Image

    from kmeans_gui.cli import run

    px = np.zeros((64, 128, 3), np.uint8)
    px[:, :64] = (117, 61, 200)  # flat, between palette colors once K is small
    px[:, 64:] = np.linspace(0, 255, 64, dtype=np.uint8)[None, :, None]
    src = tmp_path / "mix.png"
    Image.fromarray(px).save(src)
    pal = tmp_path / "four.hex"
    pal.write_text("#000000\n#ffffff\n#6432dc\n#8c46b4\n")  # the panel's color lies between two of them
    plain, flat = tmp_path / "plain.png", tmp_path / "flat.png"
    assert run([str(src), "--palette", str(pal), "--dither", "fs", "-o", str(plain), "-q"]) == 0
    assert run([str(src), "--palette", str(pal), "--dither", "fs", "--dither-flat", "0", "-o", str(flat), "-q"]) == 0
    panel_plain = np.asarray(Image.open(plain).convert("RGB"))[8:56, 8:56].reshape(-1, 3)
    panel_flat = np.asarray(Image.open(flat).convert("RGB"))[8:56, 8:56].reshape(-1, 3)
    assert len(np.unique(panel_flat, axis=0)) == 1 < len(np.unique(panel_plain, axis=0))
    import pytest

    with pytest.raises(SystemExit) as usage:
        run([str(src), "--dither-flat", "-1", "-o", str(tmp_path / "x.png")])
    assert usage.value.code == 2


def test_ranking_a_huge_palette_stays_within_its_distance_budget(monkeypatch):
    """65,535 palette colors against a noisy image: the image's colors are binned coarser
    until the distance table fits the budget (at 5-bit bins it took ~2 billion distances)."""
    from core import palette_formats

    computed = []
    real = palette_formats.sq_distances

    def counting(a, b):
        computed.append(len(a) * len(b))
        return real(a, b)

    monkeypatch.setattr(palette_formats, "sq_distances", counting)
    rng = np.random.default_rng(5)
    colors = np.unique(rng.integers(0, 256, size=(70_000, 3), dtype=np.uint8), axis=0)[:65_535]
    pixels = rng.integers(0, 256, size=(200, 200, 3), dtype=np.uint8)
    kept, note = palette_formats.limit_colors(colors, pixels, max_colors=256)
    assert len(kept) == 256 and "uses most" in note
    assert sum(computed) <= palette_formats.USAGE_BUDGET


@pytest.mark.parametrize("where", ["--palette-out", "-o"])
def test_the_palette_file_read_is_never_written_over_even_with_force(photo, tmp_path, capsys, where):
    pal = tmp_path / ("five.png" if where == "-o" else "five.gpl")
    if where == "-o":  # a swatch image as the palette, and the output named like it
        Image.fromarray(np.array([FIVE], np.uint8)).save(pal)
        args = [str(photo), "--palette", str(pal), "-o", str(pal), "--force"]
    else:
        pal.write_text("GIMP Palette\nName: five\n#\n" + "".join(f"{r} {g} {b}\tc\n" for r, g, b in FIVE))
        args = [str(photo), "--palette", str(pal), "--palette-out", str(pal), "-o", str(tmp_path / "o.png"),
                "--force"]
    before = pal.read_bytes()
    assert main(args) == 1
    assert pal.read_bytes() == before
    lines = err_lines(capsys)
    assert len(lines) == 1 and "refusing to overwrite" in lines[0]
    assert not (tmp_path / "o.png").exists()


def test_the_summary_line_says_1_color(photo, tmp_path, capsys):
    assert main([str(photo), "-k", "1", "-o", str(tmp_path / "o.png")]) == 0
    assert ": 1 color, " in capsys.readouterr().err


def test_the_windows_palette_path_keeps_transparency_too():
    """The window maps to a palette file through ``quantize_with`` directly (no CLI plan)."""
    from core.compress import quantize_with
    from core.pipeline import CompressOptions

    sprite = np.zeros((16, 16, 4), np.uint8)
    sprite[4:12, 4:12] = (250, 10, 10, 255)
    q, indices = quantize_with(sprite, CompressOptions(palette=tuple(FIVE)))
    assert q.palette[0].tolist() == [0, 0, 0, 0] and len(q.palette) == len(FIVE) + 1
    np.testing.assert_array_equal(q.palette[indices][..., 3], sprite[..., 3])


def test_a_palette_files_see_through_entry_is_not_used_on_an_image_without_alpha():
    """An .act transparent index (alpha 0, magenta) must not become an opaque magenta."""
    from core.compress import quantize_with
    from core.pipeline import CompressOptions

    photo = np.zeros((8, 8, 3), np.uint8)
    photo[:, :4] = (255, 0, 255)  # exactly the hidden entry's RGB
    photo[:, 4:] = (20, 200, 20)
    colors = ((255, 0, 255, 0), (200, 20, 200, 255), (20, 200, 20, 255))
    q, indices = quantize_with(photo, CompressOptions(palette=colors))
    assert q.palette.tolist() == [[200, 20, 200], [20, 200, 20]]
    assert q.palette[indices][:, :4].tolist() == [[[200, 20, 200]] * 4] * 8


def test_json_for_a_name_that_is_not_utf8_is_valid_utf8(tmp_path, capsys, photo):
    """A file name with a byte that is not UTF-8 became a lone surrogate in the JSON output."""
    import os

    if os.fsencode("x\udcff") != b"x\xff":
        pytest.skip("file names here are not bytes")
    src = tmp_path / os.fsdecode(b"ph\xffoto.png")
    src.write_bytes(Path(photo).read_bytes())
    assert main([str(src), "-k", "4", "-o", str(tmp_path / "out.png"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    for value in (data["input"], *data["notes"]):
        value.encode("utf-8")  # no lone surrogate left in the decoded strings
    assert data["input"].endswith("ph\\xffoto.png")


def test_a_device_as_output_is_a_usage_error_naming_it(photo, tmp_path, capsys):
    assert main([str(photo), "-k", "4", "-o", "/dev/null"]) == 2
    line = err_lines(capsys)[0]
    assert "/dev/null: is not a regular file" in line and "unknown file type" not in line


def test_a_pipe_as_palette_out_is_refused_before_the_image_is_written(photo, tmp_path, capsys):
    import os

    fifo = tmp_path / "pal.gpl"
    os.mkfifo(fifo)
    out = tmp_path / "out.png"
    assert main([str(photo), "-k", "4", "-o", str(out), "--palette-out", str(fifo), "--force"]) == 1
    assert "is not a regular file" in capsys.readouterr().err
    assert not out.exists()


def test_locked_colors_that_differ_only_in_alpha(photo, tmp_path, capsys):
    """On an image without alpha they are one color (every file failed, exit 1); two fully
    transparent colors are one repeated color (exit 2 before any work)."""
    out = tmp_path / "o.png"
    assert main([str(photo), "-k", "8", "--lock", "#ff000080,#ff0000", "-o", str(out)]) == 0
    assert "1 locked color equals another once alpha is dropped" in capsys.readouterr().err
    assert saved_rgb(out).count([255, 0, 0]) == 1
    assert main([str(photo), "-k", "8", "--lock", "#ff000000,#00ff0000", "-o", str(tmp_path / "p.png")]) == 2
    assert "repeats" in capsys.readouterr().err


def saved_rgb(path) -> list:
    """The palette entries of an indexed PNG (a locked color is kept even where no pixel uses it)."""
    with Image.open(path) as im:
        return np.asarray(im.getpalette(), np.uint8).reshape(-1, 3).tolist()


def test_palette_entries_that_look_alike_on_the_image_are_used_once():
    """'#ff0000' and '#ff000080' on an image without alpha, two fully transparent entries on a
    sprite: the output held duplicate entries (reported as colors)."""
    from core.compress import quantize_with
    from core.pipeline import CompressOptions

    photo = np.zeros((4, 4, 3), np.uint8)
    photo[:, 2:] = (0, 255, 0)
    q, _ = quantize_with(photo, CompressOptions(palette=((255, 0, 0, 255), (255, 0, 0, 128), (0, 255, 0, 255))))
    assert q.palette.tolist() == [[255, 0, 0], [0, 255, 0]] and q.k == 2
    sprite = np.zeros((4, 4, 4), np.uint8)
    sprite[:, 2:] = (0, 0, 255, 255)
    q, indices = quantize_with(sprite, CompressOptions(palette=((1, 2, 3, 0), (9, 9, 9, 0), (0, 0, 255, 255))))
    assert q.palette.tolist() == [[1, 2, 3, 0], [0, 0, 255, 255]]
    assert q.palette[indices][..., 3].tolist() == sprite[..., 3].tolist()
