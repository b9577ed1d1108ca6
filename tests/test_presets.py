"""Presets: built-ins, the JSON file in the user's config folder, and what they change."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from core import presets as pr
from core.pipeline import CompressOptions, compress_file

names = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n"), min_size=1,
                max_size=pr.MAX_NAME).filter(lambda s: s.strip() and s.isprintable())
valid_presets = st.builds(
    pr.Preset,
    name=names,
    k=st.integers(pr.MIN_K, 256),
    dither=st.none() | st.sampled_from(["none", "fs", "ordered"]),
    color_space=st.none() | st.sampled_from(["rgb", "oklab"]),
    seed=st.none() | st.integers(0, 2**32 - 1),
    init=st.none() | st.sampled_from(["k-means++", "random"]),
    n_init=st.none() | st.integers(1, pr.MAX_N_INIT),
    dither_strength=st.none() | st.floats(0.0, 1.0),
)


@pytest.fixture
def config_home(tmp_path, monkeypatch) -> Path:
    """Point the user's config folder at a temp dir, on whatever system runs the tests."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.setenv("APPDATA", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def test_builtins_are_the_ones_the_issue_asks_for():
    by_name = {p.name: p for p in pr.BUILTIN_PRESETS}
    assert (by_name["Web small"].k, by_name["Web small"].dither) == (32, "fs")
    assert (by_name["Icons"].k, by_name["Icons"].dither) == (16, "none")
    assert (by_name["Print"].k, by_name["Print"].color_space) == (256, "oklab")
    assert (by_name["Pixel art"].k, by_name["Pixel art"].dither) == (8, "none")


@pytest.mark.parametrize("preset", pr.BUILTIN_PRESETS, ids=lambda p: p.name)
def test_builtin_changes_make_valid_options(preset):
    changes = pr.preset_to_options_changes(preset)
    opts = dataclasses.replace(CompressOptions(seed=7, n_init=3), **changes)
    assert opts.k == preset.k and opts.dither == preset.dither and opts.color_space == preset.color_space
    assert (opts.seed, opts.n_init) == (7, 3)  # a preset without seed/restarts keeps the user's


def test_changes_hold_only_the_fields_a_preset_sets():
    p = pr.Preset("Full", k=64, dither="ordered", color_space="oklab", seed=5, init="random", n_init=4,
                  dither_strength=0.5)
    assert pr.preset_to_options_changes(p) == {"k": 64, "dither": "ordered", "color_space": "oklab", "seed": 5,
                                               "init": "random", "n_init": 4, "dither_strength": 0.5}
    assert pr.preset_to_options_changes(pr.Preset("Bare", k=12)) == {"k": 12}
    assert set(pr.preset_to_options_changes(p)) <= {f.name for f in dataclasses.fields(CompressOptions)}
    assert dataclasses.replace(CompressOptions(), **pr.preset_to_options_changes(p)).dither_strength == 0.5


def test_pixel_art_preset_really_gives_at_most_8_colors(tmp_path):
    rng = np.random.default_rng(0)
    src = tmp_path / "noise.png"
    Image.fromarray(rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)).save(src)
    opts = dataclasses.replace(CompressOptions(), **pr.preset_to_options_changes(pr.find_preset("pixel art",
                                                                                               pr.BUILTIN_PRESETS)))
    res = compress_file(src, tmp_path / "out.png", opts)
    assert res.error is None and res.written
    with Image.open(tmp_path / "out.png") as im:
        assert im.mode == "P" and len(im.getcolors(256)) <= 8


@pytest.mark.parametrize("query", ["web small", "WEB SMALL", "  Web Small  ", "wEb sMaLl"])
def test_find_is_case_insensitive(query):
    assert pr.find_preset(query, pr.BUILTIN_PRESETS).name == "Web small"


def test_find_unknown_is_none_and_resolve_says_what_exists(config_home):
    assert pr.find_preset("Nope", pr.BUILTIN_PRESETS) is None
    with pytest.raises(pr.PresetError) as err:
        pr.resolve_preset("Nope")
    msg = str(err.value)
    assert "\n" not in msg and "'Nope'" in msg and "Web small" in msg and "Pixel art" in msg


@given(st.lists(valid_presets, max_size=6, unique_by=lambda p: p.name.casefold()))
def test_save_load_round_trip(tmp_path_factory, presets):
    path = tmp_path_factory.mktemp("rt") / "sub" / "presets.json"
    pr.save_user_presets(presets, path)
    loaded, problem = pr.load_user_presets(path)
    assert problem is None and loaded == presets
    assert [p.name for p in path.parent.iterdir()] == ["presets.json"]  # no temp file left behind


def test_save_replaces_atomically_and_keeps_json_readable(tmp_path):
    path = tmp_path / "presets.json"
    pr.save_user_presets([pr.Preset("A", k=4)], path)
    pr.save_user_presets([pr.Preset("B", k=5, dither="fs")], path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc == {"version": 1, "presets": [{"name": "B", "k": 5, "dither": "fs"}]}


def test_save_failure_is_a_one_line_preset_error(tmp_path):
    folder = tmp_path / "presets.json"
    folder.mkdir()  # a folder where the file should be
    with pytest.raises(pr.PresetError) as err:
        pr.save_user_presets([pr.Preset("A", k=4)], folder)
    assert "\n" not in str(err.value)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(pr.PresetError):
        pr.save_user_presets([], blocker / "presets.json")  # parent is a file


def test_missing_file_is_no_presets_and_no_error(tmp_path):
    assert pr.load_user_presets(tmp_path / "absent.json") == ([], None)


@pytest.mark.parametrize("content", [
    b"", b"{", b"\xff\xfe not utf-8", b"[]", b"null", b'{"presets": 3}', b'{"version": 99, "presets": []}',
    b'{"version": "1", "presets": []}', b'{"presets": [1, 2]}', b'{"presets": [{"name": "x"}]}',
    b'{"presets": [{"name": "x", "k": true}]}', b'{"presets": [{"name": "x", "k": 1000}]}',
    b'{"presets": [{"name": "", "k": 8}]}', b'{"presets": [{"name": "x", "k": 8, "dither": "lots"}]}',
    b'{"presets": [{"name": "x", "k": 8, "dither_strength": NaN}]}',
    b'{"presets": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",  # nested past Python's recursion limit
])
def test_malformed_file_gives_one_line_and_no_crash(tmp_path, content):
    path = tmp_path / "presets.json"
    path.write_bytes(content)
    loaded, problem = pr.load_user_presets(path)
    assert loaded == []
    assert problem and "\n" not in problem and str(path) in problem
    everything, problem2 = pr.load_presets(path)
    assert everything == list(pr.BUILTIN_PRESETS) and problem2 == problem


def test_bad_entries_are_skipped_good_ones_kept(tmp_path):
    path = tmp_path / "presets.json"
    path.write_text(json.dumps({"version": 1, "presets": [
        {"name": "Good", "k": 24, "future_field": "ignored"}, {"name": "Bad", "k": 0},
        {"name": "good", "k": 30}, "junk"]}))
    loaded, problem = pr.load_user_presets(path)
    assert loaded == [pr.Preset("Good", k=24)]
    assert "entry 2" in problem and "and 2 more" in problem and "\n" not in problem


@given(st.binary(max_size=300) | st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(
        st.sampled_from(["version", "presets", "name", "k", "dither", "seed", "n_init", "x"]), kids, max_size=5),
    max_leaves=20).map(lambda v: json.dumps({"presets": v} if isinstance(v, list) else v).encode()))
def test_any_file_content_loads_without_raising(tmp_path_factory, content):
    path = tmp_path_factory.mktemp("fuzz") / "presets.json"
    path.write_bytes(content)
    loaded, problem = pr.load_user_presets(path)
    assert all(isinstance(p, pr.Preset) for p in loaded)
    assert problem is None or "\n" not in problem


def test_user_preset_with_a_builtin_name_replaces_it(tmp_path):
    path = tmp_path / "presets.json"
    mine = pr.Preset("ICONS", k=12, dither="fs")
    pr.save_user_presets([mine], path)
    everything, _ = pr.load_presets(path)
    assert [p for p in everything if p.name.casefold() == "icons"] == [mine]
    assert len(everything) == len(pr.BUILTIN_PRESETS)


def test_with_preset_adds_or_replaces_by_name():
    a, b = pr.Preset("A", k=4), pr.Preset("B", k=5)
    assert pr.with_preset([a], b) == [a, b]
    a2 = pr.Preset("a", k=9)
    assert pr.with_preset([a, b], a2) == [a2, b]
    assert pr.Preset("  Web 64 ", k=64).name == "Web 64"


def test_config_dir_follows_each_system():
    assert pr.config_dir({"XDG_CONFIG_HOME": "/x/cfg", "HOME": "/h"}, "linux") == Path("/x/cfg/kmeans-gui")
    assert pr.config_dir({"XDG_CONFIG_HOME": "relative", "HOME": "/h"}, "linux") == Path("/h/.config/kmeans-gui")
    assert pr.config_dir({"HOME": "/h"}, "linux") == Path("/h/.config/kmeans-gui")
    assert pr.config_dir({"APPDATA": "/appdata", "HOME": "/h"}, "win32") == Path("/appdata/kmeans-gui")
    assert pr.config_dir({"HOME": "/h"}, "darwin") == Path("/h/Library/Application Support/kmeans-gui")
    assert pr.presets_path({"HOME": "/h"}, "linux").name == "presets.json"


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="XDG_CONFIG_HOME is the Linux/BSD config folder")
def test_env_var_decides_where_the_default_file_goes(config_home):
    saved = pr.save_user_presets([pr.Preset("Web 64", k=64, dither="fs", color_space="oklab")])
    assert saved == config_home / "kmeans-gui" / "presets.json" and saved.is_file()
    found = pr.find_preset("web 64")
    assert found is not None and found.k == 64
    assert pr.resolve_preset("WEB 64").color_space == "oklab"


@pytest.mark.parametrize("bad", [
    dict(name="x", k=1), dict(name="x", k=257), dict(name="x", k=8.0), dict(name=" ", k=8),
    dict(name="a\nb", k=8), dict(name="x", k=8, color_space="lab"), dict(name="x", k=8, seed=-1),
    dict(name="x", k=8, n_init=0), dict(name="x", k=8, init="kmeans"), dict(name="x", k=8, dither_strength=2),
    dict(name="x", k=8, dither_flat=True), dict(name="x", k=8, dither_flat=-1), dict(name="x", k=8, dither_flat="0"),
    dict(name="x", k=8, dither_flat=300),
])
def test_invalid_presets_are_refused_with_one_line(bad):
    with pytest.raises(pr.PresetError) as err:
        pr.Preset(**bad)
    assert "\n" not in str(err.value)


def test_add_user_preset_keeps_the_others_and_refuses_a_damaged_file(tmp_path):
    path = tmp_path / "presets.json"
    pr.add_user_preset(pr.Preset(name="A", k=12), path)
    pr.add_user_preset(pr.Preset(name="B", k=40), path)
    pr.add_user_preset(pr.Preset(name="a", k=13), path)  # same name, any case: replaced in place
    assert [(p.name, p.k) for p in pr.load_user_presets(path)[0]] == [("a", 13), ("B", 40)]
    damaged = path.read_text().replace("}", "}},", 1)
    path.write_text(damaged)
    with pytest.raises(pr.PresetError, match="fix or move"):
        pr.add_user_preset(pr.Preset(name="C", k=5), path)
    assert path.read_text() == damaged


def test_a_string_version_is_named_as_such_not_as_a_newer_app(tmp_path):
    path = tmp_path / "presets.json"
    path.write_text('{"version": "1", "presets": [{"name": "x", "k": 8}]}')
    loaded, problem = pr.load_user_presets(path)
    assert loaded == [] and "newer" not in problem and '"version" must be a whole number' in problem


def test_a_file_of_thousands_of_presets_is_not_read(tmp_path):
    path = tmp_path / "presets.json"
    many = [{"name": f"p{i}", "k": 8} for i in range(pr.MAX_PRESETS + 1)]
    path.write_text(json.dumps({"version": 1, "presets": many}))
    loaded, problem = pr.load_user_presets(path)
    assert loaded == [] and f"holds {pr.MAX_PRESETS + 1:,} presets" in problem
    path.write_text(json.dumps({"version": 1, "presets": many[:-1]}))
    assert len(pr.load_user_presets(path)[0]) == pr.MAX_PRESETS


@pytest.mark.parametrize("flat, expected", [(False, None), (0, 0.0), (2.5, 2.5)])
def test_flat_areas_setting_round_trips_and_becomes_the_options_value(tmp_path, flat, expected):
    path = tmp_path / "presets.json"
    pr.save_user_presets([pr.Preset("Clean", k=16, dither="fs", dither_flat=flat)], path)
    (loaded,), problem = pr.load_user_presets(path)
    assert problem is None and loaded.dither_flat == flat
    assert pr.preset_to_options_changes(loaded)["dither_flat"] == expected
    assert "dither_flat" not in pr.preset_to_options_changes(pr.Preset("Plain", k=16))


def test_a_preset_past_the_most_the_app_reads_is_refused_and_the_file_kept(tmp_path):
    """Saving a 501st preset made the whole file unreadable: every saved preset vanished."""
    path = tmp_path / "presets.json"
    pr.save_user_presets([pr.Preset(f"p{i}", k=8) for i in range(pr.MAX_PRESETS)], path)
    before = path.read_bytes()
    with pytest.raises(pr.PresetError, match="500 presets is the most"):
        pr.add_user_preset(pr.Preset("one more", k=8), path)
    assert path.read_bytes() == before
    pr.add_user_preset(pr.Preset("P3", k=16), path)  # replacing one by its name still works
    loaded, problem = pr.load_user_presets(path)
    assert problem is None and len(loaded) == pr.MAX_PRESETS and loaded[3] == pr.Preset("P3", k=16)
