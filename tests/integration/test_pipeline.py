"""The pipeline's structure on real files: every stage named and timed, pages handed out one
at a time with their images dropped, the page-area and document-pixel limits, and a cleanup
that runs whatever happened before."""

from __future__ import annotations

import re
import resource
import tempfile
import time
import weakref
from pathlib import Path
from typing import Any

import pytest

from idp.datamodel import Page, ProcessingOptions, RecordStatus
from idp.errors import LimitExceededError
from idp.ingest import open_document
from idp.pipeline import AFTER_PAGES, BEFORE_PAGES, CLEANUP, PAGE_STAGES, process_document
from idp.settings import LimitSettings, OcrSettings, Settings
from tests.data.bad_inputs import huge_area_pdf
from tests.data.pages import TEXT_LINES, multipage_tiff, shuffled_lines, text_page, text_pdf


class RecordingSink:
    """A page sink that notes the order of pages and which earlier images are still alive."""

    def __init__(self) -> None:
        self.numbers: list[int] = []
        self.images: list[weakref.ref[Any]] = []
        self.alive_before: list[int] = []

    def __call__(self, page: Page, image: Any) -> None:
        self.alive_before.append(sum(1 for ref in self.images if ref() is not None))
        self.numbers.append(page.number)
        if image is not None:
            self.images.append(weakref.ref(image))


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_text_pdf_pages_reach_the_sink_in_order_and_each_image_is_dropped():
    data = text_pdf([TEXT_LINES, shuffled_lines(1), shuffled_lines(2), shuffled_lines(3)])
    sink = RecordingSink()
    result = process_document(data, "four.pdf", ProcessingOptions(), Settings(), page_sink=sink)
    assert result.status == RecordStatus.ACCEPTED, result.errors
    assert sink.numbers == [1, 2, 3, 4]
    assert len(sink.images) == 4
    # when page n is handed over, no earlier page's image is held any more
    assert sink.alive_before == [0, 0, 0, 0]
    assert all(ref() is None for ref in sink.images)


@pytest.mark.ocr
def test_scanned_pages_are_read_ahead_but_held_one_at_a_time():
    pages = [text_page(lines, dpi=150).image for lines in
             (TEXT_LINES[:4], shuffled_lines(4)[:4], shuffled_lines(5)[:4])]
    sink = RecordingSink()
    settings = Settings(ocr=OcrSettings(page_workers=2))
    # the pages repeat "Full name:", so the split stage would rightly call them three
    # documents of unsure type; this test is about holding pages, so keep the file whole
    result = process_document(multipage_tiff(pages, dpi=150), "three.tif",
                              ProcessingOptions(split=False), settings, page_sink=sink)
    assert result.status == RecordStatus.ACCEPTED, result.errors
    assert sink.numbers == [1, 2, 3]
    assert sink.alive_before == [0, 0, 0]
    assert [len(p.words) > 10 for p in result.pages] == [True, True, True]


def test_every_step_is_a_named_timed_stage_including_cleanup():
    result = process_document(text_pdf([TEXT_LINES]), "one.pdf", ProcessingOptions(), Settings())
    expected = [s.name for s in BEFORE_PAGES + PAGE_STAGES] + [CLEANUP.name]
    assert set(expected) <= set(result.timings)
    assert not {s.name for s in AFTER_PAGES} & set(result.timings)  # no schema: not run


@pytest.mark.ocr
@pytest.mark.ml
def test_scan_with_a_schema_runs_the_reread_stage_and_leaves_nothing_on_disk(tmp_path, monkeypatch):
    from tests.synthetic.fields_corpus import build_corpus

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    doc = build_corpus("test", n_text=0, n_scan=1, seed=5)[0]
    result = process_document(doc.data, doc.filename, ProcessingOptions(schema_name="application"))
    for name in ("ingest", "read", "layout", "store", "extract", "reread", "validate", "decide",
                 "cleanup"):
        assert name in result.timings, name
    assert result.fields["last_name"].value == doc.spec.canonical()["last_name"]
    assert list(tmp_path.glob("idp-pages-*")) == []


@pytest.mark.ocr
def test_cleanup_runs_when_the_sink_fails_and_its_error_reaches_the_caller(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    from tests.synthetic.fields_corpus import build_corpus

    doc = build_corpus("test", n_text=0, n_scan=1, seed=5)[0]

    def failing_sink(page: Page, image: Any) -> None:
        raise OSError("storage is down")

    with pytest.raises(OSError, match="storage is down"):
        process_document(doc.data, doc.filename, ProcessingOptions(schema_name="application"),
                         page_sink=failing_sink)
    assert list(tmp_path.glob("idp-pages-*")) == []


def test_huge_page_area_is_refused_from_the_page_box_without_rendering():
    data = huge_area_pdf()
    assert len(data) < 2000
    before = _max_rss_mb()
    started = time.perf_counter()
    with pytest.raises(LimitExceededError, match="square points"):
        open_document(data, "huge.pdf", LimitSettings())
    result = process_document(data, "huge.pdf", ProcessingOptions(), Settings())
    elapsed = time.perf_counter() - started
    assert result.status == RecordStatus.FAILED
    assert [e.stage for e in result.errors] == ["ingest"]
    assert "14400 × 14400 points" in result.errors[0].message
    # rendering it at 144 dpi would be an 830-megapixel bitmap: the peak stays put
    assert _max_rss_mb() - before < 100
    assert elapsed < 5  # a bound on cost, not a speed target: rendering takes far longer


def test_page_area_limit_is_a_setting():
    data = text_pdf([TEXT_LINES[:2]])  # A4: 595 × 842 pt, about 501,000 square points
    open_document(data, "a4.pdf", LimitSettings(max_page_area=600_000)).close()
    with pytest.raises(LimitExceededError, match="limit of 400,000 square points"):
        open_document(data, "a4.pdf", LimitSettings(max_page_area=400_000))


def test_image_file_over_the_document_pixel_limit_is_refused_when_opened():
    page = text_page(TEXT_LINES[:2], dpi=100).image  # 827 × 1170 pixels
    tiff = multipage_tiff([page, page, page], dpi=100)
    limits = LimitSettings(max_document_pixels=2 * 827 * 1170 + 10)
    with pytest.raises(LimitExceededError, match="pixels a document"):
        open_document(tiff, "three.tif", limits)
    open_document(tiff, "three.tif", LimitSettings(max_document_pixels=3 * 827 * 1170)).close()


def test_pdf_over_the_document_pixel_limit_fails_before_the_page_that_passes_it():
    data = text_pdf([TEXT_LINES, shuffled_lines(1), shuffled_lines(2)])
    # an A4 page at the text-page resolution (144 dpi) is 1191 × 1684 ≈ 2.0 Mpx
    settings = Settings(limits=LimitSettings(max_document_pixels=4_500_000))
    sink = RecordingSink()
    result = process_document(data, "three.pdf", ProcessingOptions(), settings, page_sink=sink)
    assert result.status == RecordStatus.FAILED
    assert [e.stage for e in result.errors] == ["read"]
    assert "page 3 brings the document past the limit of 4,500,000 pixels" in (
        result.errors[0].message
    )
    assert 3 not in sink.numbers  # refused before page 3 was rendered


def test_the_context_is_not_part_of_the_result():
    result = process_document(text_pdf([TEXT_LINES[:2]]), "a.pdf", ProcessingOptions(), Settings())
    dumped = result.model_dump()
    assert "transient" not in dumped and "context" not in dumped
    assert not hasattr(result, "transient")


def test_module_layout_keeps_tests_and_benchmarks_apart():
    root = Path(__file__).resolve().parents[2]
    importing = re.compile(r"^\s*(from|import) benchmarks\b", re.MULTILINE)
    offenders = [
        str(path.relative_to(root))
        for path in (root / "tests").rglob("*.py")
        if importing.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_kept_page_images_come_back_equal_and_leave_nothing_behind(tmp_path, monkeypatch):
    import numpy as np

    from idp.stage_context import KeptPageImages

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    image = np.random.default_rng(1).integers(0, 256, (330, 255), dtype=np.uint8)
    kept = KeptPageImages()
    kept.keep(2, image)
    assert kept.load(1) is None
    loaded = kept.load(2)
    assert loaded is not None and (loaded == image).all()
    assert len(list(tmp_path.glob("idp-pages-*/*"))) == 1
    kept.close()
    assert list(tmp_path.iterdir()) == []
