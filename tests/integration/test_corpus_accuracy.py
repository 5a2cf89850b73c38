"""Accuracy of the core pipeline on the generated corpus (issue 2's targets).

Runs the real pipeline (real pdfplumber/pypdfium2 text layers, real Tesseract) without a
schema on 12 text-layer PDFs and 12 spoilt scans across every layout, and scores:

- key–value recall (key and value equal after whitespace normalisation): ≥ 0.95 on text
  PDFs, ≥ 0.90 on scans;
- checkbox states ≥ 0.99 right over every box on every page;
- rotated pages read as well as upright ones: each rotated scan is also read upright (same
  form, same spoiling, no turn) and the two recalls are compared.

A readable report with every miss and a diagnosis goes to ``benchmarks/out/``.
"""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path
from typing import Any

import pytest

from idp.datamodel import ProcessingOptions
from idp.pipeline import process_document, to_record
from tests.synthetic import CorpusDocument
from tests.synthetic.measure import Score, score_checkboxes, score_key_values, score_signatures

pytestmark = [pytest.mark.ocr, pytest.mark.slow]

REPORT = Path(__file__).resolve().parents[2] / "benchmarks" / "out" / "corpus_accuracy.txt"
ROTATION_TOLERANCE = 0.03
"""Rotated recall may trail upright recall of the same forms by at most this much."""


@dataclasses.dataclass
class Readings:
    """Truth and records for the corpus, plus upright twins of the rotated scans."""

    truth: list[dict[str, Any]]
    records: list[dict[str, Any]]
    twin_truth: list[dict[str, Any]]
    twin_records: list[dict[str, Any]]

    def subset(self, kind: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Truth and records of one kind (``text_pdf`` or ``scan``)."""
        pairs = [(t, r) for t, r in zip(self.truth, self.records, strict=True)
                 if t["kind"] == kind]
        return [t for t, _ in pairs], [r for _, r in pairs]


def _read(data: bytes, filename: str) -> dict[str, Any]:
    result = process_document(data, filename, ProcessingOptions(include_layout=True))
    return to_record(result).to_json_dict()


@pytest.fixture(scope="module")
def readings(accuracy_corpus: tuple[Path, list[CorpusDocument]]) -> Readings:
    directory, docs = accuracy_corpus
    truth = [doc.truth() for doc in docs]
    records = [_read((directory / doc.name).read_bytes(), doc.name) for doc in docs]
    twin_truth, twin_records = [], []
    for doc in docs:
        if doc.scan is None or doc.rotation == 0:
            continue
        twin = dataclasses.replace(doc, name=doc.name.replace(f"-r{doc.rotation}", "-r0twin"),
                                   scan=dataclasses.replace(doc.scan, rotate=0))
        twin_truth.append(twin.truth())
        twin_records.append(_read(twin.render(), twin.name))
    readings = Readings(truth, records, twin_truth, twin_records)
    _write_report(readings)
    return readings


def _write_report(r: Readings) -> None:
    lines = []
    for kind in ("text_pdf", "scan"):
        t, rec = r.subset(kind)
        strict = score_key_values(t, rec)
        lines.append(strict.report(f"key-value recall, {kind}"))
        lines.append(score_key_values(t, rec, strict=False).report(
            f"  (diagnostic) pairing recall ignoring case/accents/spaces, {kind}"))
        lines.append(score_checkboxes(t, rec).report(f"checkbox states, {kind}"))
        lines.append(score_signatures(t, rec).report(f"signature states, {kind}"))
        lines += [f"  KV MISS {m}" for m in strict.misses]
        lines += [f"  CHECKBOX MISS {m}" for m in score_checkboxes(t, rec).misses]
        lines += [f"  SIGNATURE MISS {m}" for m in score_signatures(t, rec).misses]
    rotated = [(t, rec) for t, rec in zip(r.truth, r.records, strict=True) if t["rotation"]]
    lines.append(score_key_values([t for t, _ in rotated], [x for _, x in rotated]).report(
        "key-value recall, rotated scans"))
    lines.append(score_key_values(r.twin_truth, r.twin_records).report(
        "key-value recall, the same forms upright"))
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    partial = REPORT.with_suffix(f".{os.getpid()}.tmp")  # concurrent runs must not interleave
    partial.write_text(f"# {stamp}\n" + "\n".join(lines) + "\n", encoding="utf-8")
    os.replace(partial, REPORT)


def _explain(score: Score) -> str:
    misses = "\n".join(f"  {m}" for m in score.misses[:40])
    return f"{score.report('recall')}\nmisses:\n{misses}\n(full report: {REPORT})"


def test_corpus_has_every_delivery(accuracy_corpus: tuple[Path, list[CorpusDocument]]) -> None:
    _, docs = accuracy_corpus
    formats = {doc.fmt for doc in docs}
    assert {"pdf", "image_pdf", "png", "jpeg", "tiff"} <= formats
    assert {90, 180} <= {doc.rotation for doc in docs}
    assert any(doc.fmt == "tiff" and doc.page_count == 2 for doc in docs)
    assert len({doc.form.layout for doc in docs if doc.kind == "scan"}) >= 5


def test_every_document_is_read(readings: Readings) -> None:
    for truth, record in zip(readings.truth, readings.records, strict=True):
        assert record["status"] != "failed", (truth["file"], record["errors"])
        assert record["source"]["pages"] == len(truth["pages"]), truth["file"]


def test_key_value_recall_on_text_pdfs(readings: Readings) -> None:
    score = score_key_values(*readings.subset("text_pdf"))
    assert score.overall.total >= 12 * 12
    assert score.overall.rate >= 0.95, _explain(score)


def test_key_value_recall_on_scans(readings: Readings) -> None:
    score = score_key_values(*readings.subset("scan"))
    assert score.overall.total >= 12 * 10
    assert score.overall.rate >= 0.90, _explain(score)


def test_checkbox_states(readings: Readings) -> None:
    score = score_checkboxes(readings.truth, readings.records)
    assert score.overall.total >= 24 * 8
    assert score.overall.rate >= 0.99, _explain(score)


def test_rotated_pages_read_as_well_as_upright(readings: Readings) -> None:
    assert readings.twin_truth, "the corpus has no rotated scans"
    rotated = [(t, r) for t, r in zip(readings.truth, readings.records, strict=True)
               if t["rotation"]]
    turned = score_key_values([t for t, _ in rotated], [r for _, r in rotated])
    upright = score_key_values(readings.twin_truth, readings.twin_records)
    assert turned.overall.total == upright.overall.total
    assert turned.overall.rate >= upright.overall.rate - ROTATION_TOLERANCE, (
        f"rotated {turned.overall} vs upright {upright.overall}\n{_explain(turned)}"
    )
    turned_boxes = score_checkboxes([t for t, _ in rotated], [r for _, r in rotated])
    upright_boxes = score_checkboxes(readings.twin_truth, readings.twin_records)
    assert turned_boxes.overall.rate >= upright_boxes.overall.rate - ROTATION_TOLERANCE
