"""The generator itself: deterministic, truthful about what it draws, and split as promised."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pdfplumber
import pytest
import yaml
from PIL import Image

from tests.synthetic import (
    ALL_LAYOUTS,
    DEV_LAYOUTS,
    EMPLOYMENT_STATUSES,
    FIELD_NAMES,
    HINT_OPTIONS,
    HINT_PHRASINGS,
    TEST_LAYOUTS,
    TEST_OPTIONS,
    TEST_PHRASINGS,
    ScanParams,
    generate_forms,
    plan_corpus,
    plan_form,
    render_pdf,
    render_scan,
    save_images,
)
from tests.synthetic.measure import normalise

SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "application.yaml"


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def test_same_seed_same_forms_and_files() -> None:
    a, b = generate_forms(7, seed=3), generate_forms(7, seed=3)
    assert [f.to_dict() for f in a] == [f.to_dict() for f in b]
    assert render_pdf(a[2]) == render_pdf(b[2])
    params = ScanParams(dpi=150, skew=1.5, noise=8, blur=0.5, jpeg_quality=60, seed=4)
    assert render_scan(a[0], params)[0].tobytes() == render_scan(b[0], params)[0].tobytes()
    other = generate_forms(7, seed=4)
    assert [f.canonical() for f in a] != [f.canonical() for f in other]


def test_layouts_cycle_and_splits_are_disjoint() -> None:
    assert [f.layout for f in generate_forms(len(ALL_LAYOUTS))] == list(ALL_LAYOUTS)
    assert not set(DEV_LAYOUTS) & set(TEST_LAYOUTS)
    for name in FIELD_NAMES:
        for lang in ("en", "cy"):
            hint = {_fold(p) for p in HINT_PHRASINGS[name][lang]}
            test = {_fold(p) for p in TEST_PHRASINGS[name][lang]}
            assert not hint & test, (name, lang)
    for member in EMPLOYMENT_STATUSES:
        for lang in ("en", "cy"):
            assert not {_fold(p) for p in HINT_OPTIONS[member][lang]} & {
                _fold(p) for p in TEST_OPTIONS[member][lang]}


def test_test_phrasings_are_not_schema_hints() -> None:
    """Issue 3: the phrasings used for testing must not be among the schema's hints."""
    if not SCHEMA.exists():
        pytest.skip("no application schema yet")
    schema = yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))
    listed: set[str] = set()
    for spec in schema["fields"].values():
        for phrasings in (spec.get("label_hints") or {}).values():
            listed |= {_fold(p) for p in phrasings}
        for phrasings in (spec.get("enum") or {}).values():
            if isinstance(phrasings, list):
                listed |= {_fold(p) for p in phrasings}
    unseen = {_fold(p) for field in TEST_PHRASINGS.values() for ps in field.values() for p in ps}
    unseen |= {_fold(p) for opt in TEST_OPTIONS.values() for ps in opt.values() for p in ps}
    assert not unseen & listed, sorted(unseen & listed)


def test_canonical_values_have_the_schema_formats() -> None:
    for form in generate_forms(40, seed=9, phrasings="test"):
        c = form.canonical()
        for key in ("date_of_birth", "application_date"):
            dt.date.fromisoformat(c[key])
        assert re.fullmatch(r"[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]",
                            c["national_insurance_number"])
        assert re.fullmatch(r"0\d{10}", c["phone"])
        assert re.fullmatch(r"[A-Z]{1,2}\d{1,2} \d[A-Z]{2}", c["postcode"])
        assert re.fullmatch(r"\d+\.\d\d", c["monthly_income"])
        assert c["employment_status"] in EMPLOYMENT_STATUSES
        assert isinstance(c["household_size"], int) and 1 <= c["household_size"] <= 6
        assert isinstance(c["declaration_signed"], bool)
        assert c["email"] == c["email"].lower() and "@" in c["email"]
        name = form.fields["first_name"].text + form.fields["last_name"].text
        assert form.name_has_diacritics == (not name.isascii())


def test_truth_boxes_hold_the_printed_text() -> None:
    """Every truth key and value is in the PDF's text layer inside its truth box."""
    for form in generate_forms(len(ALL_LAYOUTS), seed=5):
        plan = plan_form(form)
        with pdfplumber.open(io.BytesIO(render_pdf(plan))) as pdf:
            assert len(pdf.pages) == len(plan.pages)
            for page, truth in zip(pdf.pages, plan.pages, strict=True):
                for kv in truth.key_values:
                    for text, box in ((kv["key"], kv["key_bbox"]),
                                      (kv["value"], kv["value_bbox"])):
                        x0, y0, x1, y1 = box
                        crop = page.crop((x0 * page.width - 1, y0 * page.height - 1,
                                          x1 * page.width + 1, y1 * page.height + 1))
                        got = normalise(crop.extract_text()).rstrip(":")
                        assert got == normalise(text), (form.layout, text, got)
                ticked = [cb for cb in truth.checkboxes if cb["checked"]]
                assert len(ticked) == len({cb["group"] for cb in truth.checkboxes})


def test_scans_turn_and_pack_into_files() -> None:
    form = generate_forms(2, seed=1, layouts=["stacked"])[0]
    upright = render_scan(form, ScanParams(dpi=100))[0]
    turned = render_scan(form, ScanParams(dpi=100, rotate=90))[0]
    assert turned.size == (upright.size[1], upright.size[0])
    images = render_scan(form, ScanParams(dpi=100, noise=10, seed=1))
    tiff = Image.open(io.BytesIO(save_images(images * 2, "tiff", 100)))
    assert getattr(tiff, "n_frames", 1) == 2 * len(images)
    pdf = save_images(images, "pdf", 100)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        assert len(doc.pages) == len(images)
        assert not doc.pages[0].chars  # image only: no text layer


def test_corpus_plan_covers_deliveries() -> None:
    docs = plan_corpus(n_text=7, n_scan=12, seed=2)
    scans = [d for d in docs if d.kind == "scan"]
    assert {d.fmt for d in scans} == {"png", "jpeg", "image_pdf", "tiff"}
    assert {d.rotation for d in scans} == {0, 90, 180, 270}
    assert all(d.page_count == 2 for d in scans if d.fmt == "tiff")
    assert all(abs(d.scan.skew) <= 3 for d in scans if d.scan)
