"""Warnings caught per thread (core/warn_capture.py): a decode in one thread never takes
another thread's warnings, two threads capturing at once each get their own, and the
process's warning printer is back in place afterwards."""

from __future__ import annotations

import threading
import warnings

from core.warn_capture import captured


def test_each_thread_gets_its_own_warnings_and_the_printer_comes_back():
    printed: list[str] = []
    original = warnings.showwarning

    def printer(message, category, filename, lineno, file=None, line=None):
        printed.append(str(message))

    warnings.showwarning = printer
    try:
        inside = threading.Barrier(3)
        leave = threading.Barrier(3)
        got: dict[str, list] = {}

        def capturing(name: str) -> None:
            with captured() as sink:
                inside.wait()
                warnings.warn(f"from {name}", UserWarning, stacklevel=1)
                leave.wait()
            got[name] = [text for _, text in sink]

        def bystander() -> None:  # warns while both others capture
            inside.wait()
            warnings.warn_explicit("from the bystander", UserWarning, "elsewhere.py", 1)
            leave.wait()

        threads = [threading.Thread(target=capturing, args=("a",)), threading.Thread(target=capturing, args=("b",)),
                   threading.Thread(target=bystander)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        assert got == {"a": ["from a"], "b": ["from b"]}
        assert printed == ["from the bystander"]  # printed as usual, in nobody's list
        assert warnings.showwarning is printer
    finally:
        warnings.showwarning = original


def test_a_second_bad_file_gets_its_note_too(tmp_path):
    """Pillow warns from one code location; the once-per-location rule must not hide it."""
    import numpy as np
    from PIL import Image

    from core.load import load_image

    Image.fromarray(np.zeros((64, 64, 3), np.uint8)).save(tmp_path / "x.ico", sizes=[(64, 64)])
    data = bytearray((tmp_path / "x.ico").read_bytes())
    data[6] = 32  # the directory says 32 pixels wide; the image inside is 64
    (tmp_path / "odd.ico").write_bytes(bytes(data))
    for _ in range(3):
        assert "the decoder warned: Image was not the expected size" in load_image(tmp_path / "odd.ico").notes


def test_a_captured_warning_is_one_line_with_single_spaces():
    with captured() as sink:
        warnings.warn("Corrupt EXIF data.  Expecting to read 12 bytes\nbut only got 4. ", UserWarning, stacklevel=1)
    assert [text for _, text in sink] == ["Corrupt EXIF data. Expecting to read 12 bytes but only got 4."]
