"""The write guard's API, as the GUI and the batch use it."""

from __future__ import annotations

import os
import threading

import numpy as np
import pytest

from core.atomic import atomic_write_bytes
from core.io import SaveError, save_indexed
from core.palette import export_palette
from core.write_guard import WriteRefused, check_destinations, printable, protected

PAL = np.array([[0, 0, 0], [255, 255, 255]], np.uint8)


@pytest.fixture
def files(tmp_path):
    src = tmp_path / "photo.png"
    src.write_bytes(b"original")
    (tmp_path / "link.png").hardlink_to(src)
    (tmp_path / "sym.png").symlink_to(src)
    (tmp_path / "other.png").write_bytes(b"unrelated")
    (tmp_path / "dir.png").mkdir()
    return tmp_path


@pytest.mark.parametrize("dests, overwrite, words", [
    (["photo.png"], True, "same file as the original"),
    (["link.png"], True, "same file as the original"),
    (["sym.png"], True, "same file as the original"),
    (["dir.png"], True, "is a folder"),
    (["other.png"], False, "already exists"),
    (["a.png", "a.png"], True, "written twice"),
    (["a.png", "./a.png"], True, "written twice"),
    (["missing/a.png"], True, "does not exist"),
])
def test_each_refusal_is_one_line_with_the_reason(files, dests, overwrite, words):
    with pytest.raises(WriteRefused) as err:
        check_destinations([files / d for d in dests], [files / "photo.png"], overwrite)
    assert words in str(err.value) and "\n" not in str(err.value)


def test_force_allows_only_an_unrelated_file(files):
    check_destinations([files / "other.png", files / "new.png"], [files / "photo.png"], overwrite=True)


def test_protected_block_covers_palette_export_and_save(files):
    with protected([files / "photo.png"]):
        with pytest.raises(WriteRefused):
            export_palette(files / "sym.png", PAL, overwrite=True)
        with pytest.raises(SaveError, match="original"):
            save_indexed(files / "link.png", PAL, np.zeros((2, 2), np.uint8), overwrite=True)
    assert (files / "photo.png").read_bytes() == b"original"
    export_palette(files / "other.gpl", PAL)  # outside the block: an ordinary write


def test_protection_is_per_thread(files):
    seen = []

    def other_thread():
        try:
            atomic_write_bytes(files / "other.png", b"x", overwrite=True)
            seen.append("written")
        except WriteRefused:
            seen.append("refused")

    with protected([files / "other.png"]):
        t = threading.Thread(target=other_thread)
        t.start()
        t.join()
    assert seen == ["written"]


def test_printable_shows_a_name_that_is_not_utf8_as_its_bytes():
    """The JSON output said bad\\xff.png and the stderr line bad\\udcff.png for the same file."""
    import os

    assert printable(os.fsdecode(b"bad\xff.png")) == "bad\\xff.png"
    assert printable("x\ud800") == "x\\ud800"  # any other lone surrogate, escaped too


def test_printable_escapes_controls_only():
    assert printable("a\nb\tc\x1b\x7fd é") == "a\\nb\\tc\\x1b\\x7fd é"
    assert printable("C:\\Users\\me") == "C:\\Users\\me"


def test_a_failed_write_names_the_users_file_not_the_temporary_one(tmp_path, monkeypatch):
    """A read-only folder fails at the temporary file: the error names the file asked for."""
    import errno

    from core.atomic import TEMP_PREFIX, atomic_write_bytes

    real_open = os.open

    def read_only(path, flags, mode=0o777):
        if os.path.basename(path).startswith(TEMP_PREFIX):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), path)
        return real_open(path, flags, mode)

    monkeypatch.setattr(os, "open", read_only)
    with pytest.raises(OSError) as caught:
        atomic_write_bytes(tmp_path / "out.png", b"data")
    assert caught.value.filename == str(tmp_path / "out.png") and caught.value.errno == errno.EROFS
    assert os.listdir(tmp_path) == []


def test_a_file_identity_protects_its_file_under_any_later_name(tmp_path):
    from PIL import Image

    from core.load import load_image
    from core.write_guard import FileIdentity, check_one

    src = tmp_path / "a.png"
    Image.new("RGB", (4, 4), (200, 10, 10)).save(src)
    identity = load_image(src).identity
    assert isinstance(identity, FileIdentity) and identity.path == src
    moved = src.rename(tmp_path / "b.png")
    before = moved.read_bytes()
    with pytest.raises(WriteRefused, match="original"):
        check_one(moved, [identity], overwrite=True)
    with protected([identity]), pytest.raises(WriteRefused, match="original"):
        atomic_write_bytes(moved, b"new", overwrite=True)
    assert moved.read_bytes() == before
    other = tmp_path / "c.png"
    other.write_bytes(b"x")
    check_one(other, [identity], overwrite=True)  # another file is still fine to replace
    check_one(src, [identity], overwrite=True)  # the old name is free now


def test_a_published_file_is_a_success_even_if_its_temporary_name_cannot_be_removed(tmp_path, monkeypatch):
    """In an append-only folder (chattr +a) the hard link is made but the temporary name cannot be
    removed: the command said "could not write (permission denied)" for a file it had written."""
    from core import atomic

    real_unlink = os.unlink

    def append_only(path, *a, **k):
        if os.path.basename(os.fspath(path)).startswith(atomic.TEMP_PREFIX):
            raise PermissionError(1, "Operation not permitted", os.fspath(path))
        return real_unlink(path, *a, **k)

    monkeypatch.setattr(atomic.os, "unlink", append_only)
    dest = tmp_path / "n.png"
    assert atomic_write_bytes(dest, b"data") == dest
    assert dest.read_bytes() == b"data"


def test_a_file_identity_does_not_follow_its_inode_number_to_a_new_file(tmp_path):
    """ext4 gives a freed inode number to the next new file: the identity of an original that
    was replaced must not make an unrelated later file (with that number) untouchable."""
    import types

    from core.write_guard import FileIdentity

    src = tmp_path / "a.png"
    src.write_bytes(b"original")
    st = os.stat(src)
    identity = FileIdentity.of(src, st)
    assert identity.matches(st)
    same_number = types.SimpleNamespace(st_dev=st.st_dev, st_ino=st.st_ino, st_size=st.st_size + 1,
                                        st_mtime_ns=st.st_mtime_ns + 1)
    assert not identity.matches(same_number)
    no_inodes = FileIdentity(src, st.st_dev, 0, st.st_size, st.st_mtime_ns)
    assert not no_inodes.matches(types.SimpleNamespace(st_dev=st.st_dev, st_ino=0, st_size=st.st_size,
                                                       st_mtime_ns=st.st_mtime_ns))
