"""Loading: right pixels for good files, one clear sentence for bad ones, never a hang."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from PIL import Image

from core.io import ImageLoadError, load_image, load_image_bytes

from .corpus import gradient, make_bad, make_good


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    return make_good(tmp_path_factory.mktemp("good"))


@pytest.fixture(scope="module")
def bad(tmp_path_factory):
    return make_bad(tmp_path_factory.mktemp("bad"))


def test_plain_png_pixels_are_exact(good):
    img = load_image(good["rgb.png"])
    np.testing.assert_array_equal(img.pixels, gradient())
    assert img.format == "PNG" and not img.has_alpha and img.file_bytes > 0


def test_pixels_are_read_only(good):
    img = load_image(good["rgb.png"])
    with pytest.raises(ValueError):
        img.pixels[0, 0, 0] = 1


@pytest.mark.parametrize("name", ["rgb.bmp", "rgb.webp", "rgb.tif", "uni cödé spaced.png", "-dash.png"])
def test_lossless_formats_and_odd_names(good, name):
    np.testing.assert_array_equal(load_image(good[name]).pixels, gradient())


def test_jpeg_and_cmyk_are_close_to_the_source(good):
    for name in ("photo.jpg", "cmyk.jpg"):
        px = load_image(good[name]).pixels.astype(int)
        assert px.shape == (30, 40, 3)
        assert np.abs(px - gradient()).mean() < 6, name


def test_grayscale_and_16_bit_are_scaled_not_clipped(good):
    gray = load_image(good["gray.png"]).pixels
    assert gray.shape == (30, 40, 3) and np.all(gray[..., 0] == gray[..., 2])
    g16 = load_image(good["gray16.png"]).pixels[0, :, 0]
    assert g16[0] == 0 and g16[-1] == 255
    assert np.all(np.diff(g16.astype(int)) >= 0) and len(np.unique(g16)) > 30


def test_alpha_kinds_are_kept(good):
    la = load_image(good["la.png"])
    assert la.has_alpha and la.pixels.shape[2] == 4 and la.pixels[0, 0, 3] == 0
    assert load_image(good["rgba.png"]).pixels[0, 0, 3] == 200
    trns = load_image(good["palette_trns.png"])
    assert trns.has_alpha and np.any(trns.pixels[..., 3] == 0)
    key = load_image(good["rgb_colorkey.png"])
    assert key.has_alpha and key.pixels[0, 0, 3] == 0 and key.pixels[-1, -1, 3] == 255
    gif = load_image(good["transparent.gif"])
    assert gif.has_alpha


def test_exif_orientation_applied_once(good):
    img = load_image(good["exif_rotated.jpg"])
    assert img.pixels.shape[:2] == (20, 30)  # 30x20 portrait stored, shown rotated
    assert any("EXIF" in n for n in img.notes)


def test_first_frame_is_used_and_said(good):
    anim = load_image(good["animated.gif"])
    assert anim.pixels.mean() < 5 and any("first frame of 3" in n for n in anim.notes)
    multi = load_image(good["multi.tif"])
    np.testing.assert_array_equal(multi.pixels, gradient())
    assert any("first page of 2" in n for n in multi.notes)


def test_tiny_and_thin(good):
    assert load_image(good["one.png"]).pixels.tolist() == [[[10, 20, 30]]]
    assert load_image(good["thin.png"]).pixels.shape == (10000, 1, 3)


@pytest.mark.parametrize(
    "name, words",
    [
        ("empty.png", "empty"),
        ("random.png", "not an image"),
        ("text.png", "not an image"),
        ("truncated.png", "truncated or damaged"),
        ("truncated.jpg", "truncated or damaged"),
        ("huge_header.png", "too large (100000 x 100000"),
        ("fake.heic", "unsupported format (HEIC)"),
        ("folder.png", "is a folder"),
        ("pipe.png", "not a regular file"),
        ("loop.png", "cannot be opened"),
        ("missing.png", "file not found"),
    ],
)
def test_bad_files_give_one_clear_sentence(bad, name, words):
    with pytest.raises(ImageLoadError) as err:
        load_image(bad[name])
    msg = str(err.value)
    assert words in msg
    assert "\n" not in msg and msg.startswith(bad[name].name)


def test_pixel_cap_is_checked_from_the_header(good):
    with pytest.raises(ImageLoadError, match="too large"):
        load_image(good["rgb.png"], max_pixels=100)


def test_bytes_loader(good):
    img = load_image_bytes(good["rgb.png"].read_bytes())
    np.testing.assert_array_equal(img.pixels, gradient())
    with pytest.raises(ImageLoadError):
        load_image_bytes(b"")
    with pytest.raises(ImageLoadError):
        load_image_bytes(b"garbage" * 10)


def test_unreadable_file(tmp_path, good, monkeypatch):
    # Tests run as root in CI, where chmod 0 does not stop reads: simulate the refusal.
    import core.load as core_load

    p = tmp_path / "locked.png"
    p.write_bytes(good["rgb.png"].read_bytes())
    monkeypatch.setattr(core_load.os, "access", lambda path, mode: False)
    with pytest.raises(ImageLoadError, match="permission denied"):
        load_image(p)


def test_embedded_srgb_profile_is_accepted_and_broken_profile_is_kept(tmp_path):
    from PIL import ImageCms

    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    ok = tmp_path / "srgb.png"
    Image.fromarray(gradient()).save(ok, icc_profile=srgb)
    img = load_image(ok)
    np.testing.assert_array_equal(img.pixels, gradient())
    assert img.icc_profile is None
    broken = tmp_path / "broken_icc.png"
    Image.fromarray(gradient()).save(broken, icc_profile=b"not a real profile" * 4)
    img = load_image(broken)
    np.testing.assert_array_equal(img.pixels, gradient())
    assert img.icc_profile is not None and any("profile" in n for n in img.notes)


def test_non_srgb_profile_is_converted(tmp_path):
    from PIL import ImageCms

    # A LAB-identity profile is certainly not sRGB: converting must change the pixels and say so.
    p = tmp_path / "wide.tif"
    lab_profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB"))
    Image.fromarray(gradient()).save(p, icc_profile=lab_profile.tobytes())
    img = load_image(p)
    assert img.pixels.shape == (30, 40, 3)
    # RGB samples cannot go through a Lab profile: it is dropped, never written onto the
    # output's RGB palette (color-managed viewers would misread every color).
    assert img.icc_profile is None
    assert any("Lab color profile dropped" in n for n in img.notes)


def test_a_lab_tiff_becomes_srgb_without_its_lab_profile(tmp_path):
    """Pillow saves a LAB image with a Lab identity profile; the colors come out in sRGB and the
    profile is not carried to the output (it described the Lab samples, not the result)."""
    from kmeans_gui.cli import main

    rgb = np.stack([*np.meshgrid(np.linspace(20, 235, 40), np.linspace(30, 220, 30)), np.full((30, 40), 128.0)],
                   axis=-1).round().astype(np.uint8)
    p = tmp_path / "lab.tif"
    Image.fromarray(rgb).convert("LAB").save(p)
    assert Image.open(p).info.get("icc_profile")  # the case this guards: a Lab profile on Lab data
    img = load_image(p)
    assert img.icc_profile is None
    assert any("Lab" in n and "sRGB" in n for n in img.notes)
    assert np.abs(img.pixels.astype(int) - rgb.astype(int)).mean() < 2.0
    out = tmp_path / "out.png"
    assert main([str(p), "-k", "8", "-o", str(out)]) == 0
    assert "icc_profile" not in Image.open(out).info


@pytest.mark.parametrize("bits_mode", ["P", "P4"])
def test_a_black_and_white_8_or_4_bit_bmp_keeps_its_white(tmp_path, bits_mode):
    """Pillow decodes a 4/8-bit BMP with the palette black, white as 1-bit data (all black)."""
    from core.load import load_image

    idx = (np.arange(7 * 5).reshape(5, 7) % 3 == 0).astype(np.uint8)
    p = tmp_path / "bw.bmp"
    if bits_mode == "P":
        im = Image.fromarray(idx, "P")
        im.putpalette([0, 0, 0, 255, 255, 255])
        im.save(p)
    else:  # a 4-bit BMP written by hand (Pillow writes none): rows bottom-up, padded to 4 bytes
        stride = ((7 * 4 + 31) // 32) * 4
        rows = b""
        for row in idx[::-1]:
            nib = list(row) + [0]
            packed = bytes((nib[i] << 4) | nib[i + 1] for i in range(0, 8, 2))
            rows += packed + bytes(stride - len(packed))
        pal = bytes([0, 0, 0, 0, 255, 255, 255, 0])
        offset = 14 + 40 + len(pal)
        header = struct.pack("<2sIHHI", b"BM", offset + len(rows), 0, 0, offset)
        info = struct.pack("<IiiHHIIiiII", 40, 7, 5, 1, 4, 0, len(rows), 2835, 2835, 2, 0)
        p.write_bytes(header + info + pal + rows)
    loaded = load_image(p)
    assert np.array_equal(loaded.pixels[..., 0], idx * 255)
    assert np.array_equal(loaded.pixels[..., 0], loaded.pixels[..., 2])


def test_bmp_output_of_two_colors_reads_back_the_same(tmp_path):
    from core.encode import encode_indexed
    from core.load import load_image

    idx = np.eye(6, dtype=np.uint8)
    p = tmp_path / "two.bmp"
    with open(p, "wb") as fh:
        encode_indexed(fh, np.array([[0, 0, 0], [255, 255, 255]], np.uint8), idx, "bmp")
    assert np.array_equal(np.asarray(Image.open(p).convert("L")), idx * 255)  # Pillow itself, too
    assert np.array_equal(load_image(p).pixels[..., 1], idx * 255)


def test_just_over_the_pixel_limit_says_by_how_much(tmp_path):
    """8001 x 8000 is 64.008 MP: "64 megapixels; the limit is 64" would read as a contradiction."""
    p = tmp_path / "wide.png"
    Image.new("L", (8001, 8000)).save(p)
    with pytest.raises(ImageLoadError, match=r"64\.01 megapixels; the limit is 64\)"):
        load_image(p)


@pytest.mark.parametrize("mode, values, kind", [
    ("I", np.linspace(-5000, 250_000, 40 * 30).reshape(30, 40).astype(np.int32), "32-bit"),
    ("F", np.linspace(-2.0, 1000.0, 40 * 30).reshape(30, 40).astype(np.float32), "floating-point"),
    ("F", np.linspace(-9.0, -1.0, 40 * 30).reshape(30, 40).astype(np.float32), "floating-point"),
])
def test_high_bit_depth_values_outside_the_usual_range_are_stretched_with_a_note(tmp_path, mode, values, kind):
    """Clipping would make these all white or all black: the gradient must survive, and be said."""
    p = tmp_path / "deep.tif"
    Image.fromarray(values, mode).save(p)
    loaded = load_image(p)
    gray = loaded.pixels[..., 0].astype(int).ravel()
    assert gray[0] == 0 and gray[-1] == 255
    assert np.all(np.diff(gray) >= 0)  # still a ramp
    assert len(np.unique(gray)) > 200
    assert any(n.startswith(f"{kind} grayscale values") and "stretched to 0-255" in n for n in loaded.notes)


def test_sixteen_bit_values_in_a_32_bit_image_keep_their_16_bit_scale(tmp_path):
    p = tmp_path / "sixteen.tif"
    Image.fromarray(np.full((4, 4), 32768, np.int32), "I").save(p)
    loaded = load_image(p)
    assert np.all(loaded.pixels == 128) and not loaded.notes


@pytest.mark.parametrize("fmt, ext, kind", [
    ("QOI", "qoi", "QOI"), ("JPEG2000", "jp2", "JPEG 2000"), ("PCX", "pcx", "PCX"), ("SGI", "sgi", "SGI"),
    ("DDS", "dds", "DirectDraw DDS"), ("XBM", "xbm", "XBM"), ("IM", "im", "IFUNC IM"),
])
def test_a_format_pillow_reads_but_we_do_not_is_named(tmp_path, fmt, ext, kind):
    """Files Pillow could decode but the loader's whitelist refuses: the message names the
    format (it said "not an image", which reads like a damaged file)."""
    from PIL import features

    if fmt == "JPEG2000" and not features.check("jpg_2000"):
        pytest.skip("this Pillow has no JPEG 2000 encoder to make the file")
    p = tmp_path / f"picture.{ext}"
    if fmt == "IM":  # written by hand: Pillow's IM writer is deprecated
        p.write_bytes(b"Image type: RGB image\r\nName: picture.im\r\nImage size (x*y): 40*30\r\n"
                      + b"\x00" * (512 - 72) + bytes(40 * 30 * 3))
    else:
        Image.fromarray(gradient()).convert("1" if fmt == "XBM" else "RGB").save(p, format=fmt)
    with pytest.raises(ImageLoadError) as err:
        load_image(p)
    assert str(err.value) == f"picture.{ext}: unsupported format ({kind}); save it as PNG, JPEG or TIFF first"


def _photo_jpeg(h: int = 240, w: int = 320, **kw) -> bytes:
    import io

    rng = np.random.default_rng(1)
    img = np.clip(gradient(w, h).astype(np.int16) + rng.integers(-20, 21, (h, w, 3)), 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "JPEG", quality=90, **kw)
    return buf.getvalue()


def test_a_jpeg_cut_short_and_closed_with_an_end_marker_is_noted(tmp_path):
    """libjpeg fills the missing blocks with flat gray and only warns, which Pillow hides: the
    file loads, but the user is told it is probably damaged (CLI review: no word before)."""
    data = _photo_jpeg()
    cut = data[: len(data) // 2] + b"\xff\xd9"
    loaded = load_image_bytes(cut, "half.jpg")
    assert np.all(loaded.pixels[-8:] == 128)
    said = [n for n in loaded.notes if "flat gray" in n]
    assert len(said) == 1 and "of 240 rows" in said[0] and "probably damaged" in said[0]
    assert not any("flat gray" in n for n in load_image_bytes(data, "whole.jpg").notes)


def test_a_jpeg_with_a_thin_gray_border_is_not_called_damaged(tmp_path):
    import io

    img = gradient(64, 48)
    img[-4:] = 128  # an ordinary gray border, thinner than a block row
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "JPEG", quality=100, subsampling=0)
    assert not any("flat gray" in n for n in load_image_bytes(buf.getvalue(), "border.jpg").notes)
