"""An upload of several documents becomes one record per document (issue 12): split into
page ranges, each typed, each extracted on its own pages only, so no field can take its value
from another document; one document of several pages stays one record, as before."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from idp.datamodel import ProcessingOptions, ReviewReason
from idp.pipeline import process_document, to_record, to_records
from idp.split import OTHER, part_id
from tests.synthetic import generate_forms, render_pdf
from tests.synthetic.bundles import letter_pdf, receipt_pdf

pytestmark = pytest.mark.ml

IDP = Path(sys.executable).with_name("idp")


def _merge(pdfs: list[bytes]) -> bytes:
    merged = pdfium.PdfDocument.new()
    for data in pdfs:
        part = pdfium.PdfDocument(data)
        merged.import_pages(part)
        part.close()
    out = io.BytesIO()
    merged.save(out)
    merged.close()
    return out.getvalue()


def _two_forms() -> tuple[dict, dict, bytes, bytes]:
    """Two one-page application forms whose people differ in every field we compare."""
    forms = generate_forms(12, seed="bundle-test", layouts=("inline", "table"))
    first = forms[0]
    for other in forms[1:]:
        a, b = first.canonical(), other.canonical()
        if all(a[k] != b[k] for k in ("first_name", "last_name", "date_of_birth", "postcode")):
            pdf_a, pdf_b = render_pdf(first), render_pdf(other)
            if len(pdfium.PdfDocument(pdf_a)) == len(pdfium.PdfDocument(pdf_b)) == 1:
                return a, b, pdf_a, pdf_b
    raise AssertionError("no two distinct one-page forms")


@pytest.fixture(scope="module")
def bundle() -> dict:
    import random

    a, b, pdf_a, pdf_b = _two_forms()
    rng = random.Random(3)
    data = _merge([pdf_a, receipt_pdf(rng), letter_pdf(rng, 1), pdf_b])
    result = process_document(data, "bundle.pdf", ProcessingOptions(schema_name="application"))
    return {"a": a, "b": b, "data": data, "result": result}


def test_a_bundle_gives_one_record_per_document_in_page_order(bundle: dict) -> None:
    result = bundle["result"]
    records = to_records(result)
    assert [r.bundle.pages for r in records if r.bundle] == [[1, 1], [2, 2], [3, 3], [4, 4]]
    assert [r.schema_name for r in records] == ["application", "receipt", None, "application"]
    assert [r.bundle.index for r in records if r.bundle] == [1, 2, 3, 4]
    assert {r.bundle.upload_id for r in records if r.bundle} == {result.id}
    assert [r.id for r in records] == [part_id(result.id, i) for i in (1, 2, 3, 4)]
    for record in records:
        assert record.source.pages == 1
        assert record.document_type is not None and record.document_type.confidence >= 0.6
        assert record.document_type.split_confidence >= 0.6
    letter = records[2].to_json_dict()
    assert letter["fields"] == {} and letter["document_type"]["schema"] is None
    assert OTHER in letter["document_type"]["candidates"]
    upload = to_record(result).to_json_dict()
    assert upload["fields"] == {} and upload["key_values"] == []
    assert [d["id"] for d in upload["documents"]] == [r.id for r in records]


def test_fields_never_cross_documents(bundle: dict) -> None:
    """Each form's record holds its own person, never the other form's; every field and
    pair points at a page of its own document."""
    first, _, _, second = to_records(bundle["result"])
    pairs = ((first, bundle["a"], bundle["b"]), (second, bundle["b"], bundle["a"]))
    for record, own, other in pairs:
        values = {name: f.value for name, f in record.fields.items()}
        for name in ("first_name", "last_name", "date_of_birth", "postcode"):
            assert values[name] != other[name], name
        assert sum(values[n] == own[n] for n in ("first_name", "last_name", "postcode")) >= 2
        for f in record.fields.values():
            assert f.page in (None, 1)
            assert all(alt.page in (None, 1) for alt in f.alternatives)
        assert {kv.page for kv in record.key_values} == {1}
        texts = " ".join(kv.value for kv in record.key_values)
        assert other["last_name"] not in texts


def test_each_document_sees_only_its_own_pages(bundle: dict) -> None:
    result = bundle["result"]
    for part in result.parts:
        assert part.bundle is not None
        first, last = part.bundle.pages
        own = [p.text for p in result.pages if first <= p.number <= last]
        assert [p.text for p in part.pages] == own
        assert [p.number for p in part.pages] == list(range(1, last - first + 2))


def test_one_document_of_two_pages_stays_one_record_as_before() -> None:
    spec = next(f for f in generate_forms(40, seed=2, layouts=("stacked",))
                if len(pdfium.PdfDocument(render_pdf(f))) == 2)
    data = render_pdf(spec)
    options = ProcessingOptions(schema_name="application")
    split = process_document(data, "form.pdf", options)
    whole = process_document(data, "form.pdf", options.model_copy(update={"split": False}))
    assert split.parts == []
    records = to_records(split)
    assert len(records) == 1
    dumped = records[0].to_json_dict()
    assert "bundle" not in dumped and "document_type" not in dumped and "documents" not in dumped
    assert {k: f.value for k, f in split.fields.items()} == {
        k: f.value for k, f in whole.fields.items()}


def test_a_reviewers_page_ranges_and_types_are_used_as_given(bundle: dict) -> None:
    options = ProcessingOptions(schema_name="application", page_ranges=[[1, 2], [3, 4]],
                                page_types=[None, "application"])
    result = process_document(bundle["data"], "bundle.pdf", options)
    records = to_records(result)
    assert [(r.bundle.pages if r.bundle else None, r.schema_name) for r in records] == [
        ([1, 2], None), ([3, 4], "application")]
    assert all(r.document_type and r.document_type.confidence == 1.0 for r in records)


def test_an_unsure_split_goes_to_review() -> None:
    from idp.datamodel import ProcessingResult, Source
    from idp.split import Part, part_result

    upload = ProcessingResult(id="u", source=Source(filename="b.pdf", pages=2))
    unsure = part_result(upload, Part(1, 1, None, 0.9, 0.55), 1, 2)
    sure = part_result(upload, Part(2, 2, None, 0.9, 0.95), 2, 2)
    assert ReviewReason.SPLIT_UNSURE in unsure.review_reasons
    assert sure.review_reasons == []


def test_idp_extract_prints_one_line_per_document(bundle: dict, tmp_path: Path) -> None:
    path = tmp_path / "bundle.pdf"
    path.write_bytes(bundle["data"])
    env = {**os.environ, "OMP_THREAD_LIMIT": "1", "IDP_DATA_DIR": str(tmp_path / "data")}
    proc = subprocess.run([str(IDP), "extract", "--schema", "application", str(path)],
                          capture_output=True, env=env, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["bundle"]["pages"] for r in lines] == [[1, 1], [2, 2], [3, 3], [4, 4]]
    assert [r["document_type"]["schema"] for r in lines] == [
        "application", "receipt", None, "application"]
    assert b"pages 2-2 (receipt)" in proc.stderr
    proc = subprocess.run([str(IDP), "extract", "--quiet", "--no-split", str(path)],
                          capture_output=True, env=env, timeout=300, cwd=tmp_path)
    assert len(proc.stdout.splitlines()) == 1
