"""Images hidden inside nested form XObjects are checked at every depth; forms nested past
the limit, forms that contain themselves and forms reused into an object explosion are
refused rather than skipped."""

from __future__ import annotations

import zlib

import pytest

from idp.errors import LimitExceededError
from idp.ingest import open_document
from idp.settings import LimitSettings


def _pdf(objects: dict[int, bytes]) -> bytes:
    """A PDF from numbered object bodies (1 catalog, 2 pages, 3 page), with an xref."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for num in sorted(objects):
        offsets[num] = len(out)
        out += f"{num} 0 obj\n".encode() + objects[num] + b"\nendobj\n"
    xref = len(out)
    size = max(objects) + 1
    out += f"xref\n0 {size}\n0000000000 65535 f \n".encode()
    for num in range(1, size):
        out += f"{offsets.get(num, 0):010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {size} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _stream(header: str, data: bytes) -> bytes:
    return f"<< {header} /Length {len(data)} >>\nstream\n".encode() + data + b"\nendstream"


def _form(draws: list[tuple[str, int]]) -> bytes:
    names = " ".join(f"/{name} {num} 0 R" for name, num in draws)
    content = "".join(f"q /{name} Do Q " for name, _ in draws).encode()
    return _stream(f"/Type /XObject /Subtype /Form /BBox [0 0 10 10] "
                   f"/Resources << /XObject << {names} >> >>", content)


def _image(side: int) -> bytes:
    data = zlib.compress(bytes(side * side), 9)  # a huge all-black image in a small file
    return _stream(f"/Type /XObject /Subtype /Image /Width {side} /Height {side} "
                   "/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode", data)


def nested_pdf(depth: int, image_side: int) -> bytes:
    """A page that draws form 1, which draws form 2, … down to ``depth`` forms, the last of
    which draws an ``image_side``² image."""
    first_form = 10
    objects: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R "
            f"/Resources << /XObject << /F0 {first_form} 0 R >> >> >>").encode(),
        4: _stream("", b"q 100 0 0 100 0 0 cm /F0 Do Q"),
    }
    image = first_form + depth
    for level in range(depth):
        num = first_form + level
        child = num + 1 if level < depth - 1 else image
        objects[num] = _form([("X", child)])
    objects[image] = _image(image_side)
    return _pdf(objects)


def test_image_six_forms_deep_is_checked() -> None:
    limits = LimitSettings(max_pixels=1_000_000)
    doc = open_document(nested_pdf(6, 2000), "deep.pdf", limits)
    assert doc.pdf is not None
    try:
        with pytest.raises(LimitExceededError, match="pixel image"):
            doc.pdf.render_gray(0, 72, max_pixels=limits.max_pixels)
    finally:
        doc.close()


def test_small_image_six_forms_deep_is_accepted() -> None:
    doc = open_document(nested_pdf(6, 50), "deep.pdf", LimitSettings(max_pixels=1_000_000))
    assert doc.page_count == 1
    doc.close()


def test_forms_deeper_than_the_limit_are_refused_not_skipped() -> None:
    limits = LimitSettings(max_pixels=1_000_000, max_form_depth=12)
    with pytest.raises(LimitExceededError, match="nests form XObjects"):
        open_document(nested_pdf(30, 10), "deeper.pdf", limits)
    doc = open_document(nested_pdf(12, 10), "at-limit.pdf", limits)
    doc.close()


def test_a_form_that_draws_itself_terminates() -> None:
    objects: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R "
            b"/Resources << /XObject << /F0 10 0 R >> >> >>"),
        4: _stream("", b"/F0 Do"),
        10: _form([("A", 11)]),
        11: _form([("B", 10), ("I", 12)]),  # 10 → 11 → 10 → …
        12: _image(2000),
    }
    try:
        doc = open_document(_pdf(objects), "cycle.pdf", LimitSettings(max_pixels=1_000_000))
    except LimitExceededError:
        return  # refused: fine, what matters is that it ended
    doc.close()


def test_reused_forms_multiplying_objects_are_refused() -> None:
    # 7 levels, each drawing the next form 4 times: 4^7 ≈ 16 thousand objects. (Far larger
    # fan-outs already take PDFium minutes to load the page; the job's time limit ends those.)
    objects: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R "
            b"/Resources << /XObject << /F0 10 0 R >> >> >>"),
        4: _stream("", b"/F0 Do"),
    }
    for level in range(7):
        num = 10 + level
        child = num + 1
        objects[num] = _form([(f"X{i}", child) for i in range(4)])
    objects[17] = _stream("/Type /XObject /Subtype /Form /BBox [0 0 1 1]", b"0 0 1 1 re f")
    limits = LimitSettings(max_page_objects=5_000)
    with pytest.raises(LimitExceededError, match="draws more than"):
        open_document(_pdf(objects), "bomb.pdf", limits)
