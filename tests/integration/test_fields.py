"""``idp extract FILE --schema application`` on generated forms: every field per the contract,
and a small accuracy check on layouts and phrasings the schema never saw.

Real everything: the synthetic generator writes ordinary PDF and TIFF files, and the CLI
runs the whole pipeline (pdfplumber / Tesseract, layout, extractors with MiniLM).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.synthetic.fields_corpus import accuracy, build_corpus, f1, run_documents

pytestmark = [pytest.mark.ml, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
CONTRACT: dict[str, Any] = {
    "first_name": lambda v: isinstance(v, str) and v == v.strip() and v != "",
    "last_name": lambda v: isinstance(v, str) and v == v.strip() and v != "",
    "date_of_birth": lambda v: isinstance(v, str) and ISO_DATE.match(v),
    "national_insurance_number": lambda v: re.fullmatch(r"[A-Z]{2}\d{6}[A-D]", v),
    "email": lambda v: re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", v),
    "phone": lambda v: re.fullmatch(r"0\d{9,10}", v),
    "address": lambda v: isinstance(v, str) and "\n" not in v and len(v) > 5,
    "postcode": lambda v: re.fullmatch(r"[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}", v),
    "employment_status": lambda v: v in {"employed", "self_employed", "unemployed", "retired",
                                         "student"},
    "monthly_income": lambda v: isinstance(v, str) and re.fullmatch(r"\d+\.\d{2}", v),
    "household_size": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "declaration_signed": lambda v: isinstance(v, bool),
    "application_date": lambda v: isinstance(v, str) and ISO_DATE.match(v),
}


@pytest.fixture(scope="module")
def test_documents(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, Any]]:
    """Two text PDFs and one scan from the held-out split, written as files."""
    folder = tmp_path_factory.mktemp("forms")
    docs = build_corpus("test", n_text=2, n_scan=1, seed=77)
    out = []
    for doc in docs:
        path = folder / doc.filename
        path.write_bytes(doc.data)
        out.append((path, doc))
    return out


def test_idp_extract_fills_every_field_per_the_contract(
    test_documents: list[tuple[Path, Any]],
) -> None:
    paths = [str(path) for path, _ in test_documents]
    proc = subprocess.run(
        [sys.executable, "-m", "idp.cli", "extract", *paths, "--schema", "application", "-q"],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(records) == len(paths)
    for record, (path, doc) in zip(records, test_documents, strict=True):
        assert record["source"]["filename"] == path.name
        assert record["schema"] == "application" and record["schema_version"] == "1"
        assert record["status"] in {"accepted", "needs_review"}
        fields = record["fields"]
        assert list(fields) == list(CONTRACT)
        truth = doc.spec.canonical()
        right = 0
        for name, check in CONTRACT.items():
            field = fields[name]
            assert {"value", "text", "confidence", "page", "bbox", "extractor", "valid",
                    "errors", "alternatives"} <= set(field), name
            if field["value"] is None:
                assert field["confidence"] == 0 and not field["valid"], name
                continue
            right += field["value"] == truth[name]
            assert check(field["value"]), (name, field["value"])
            assert 0.0 <= field["confidence"] <= 1.0
            assert field["page"] >= 1
            assert len(field["bbox"]) == 4 and all(0.0 <= v <= 1.0 for v in field["bbox"])
            assert field["bbox"][0] <= field["bbox"][2] and field["bbox"][1] <= field["bbox"][3]
            assert isinstance(field["errors"], list)
            if field["valid"]:
                assert field["errors"] == []
        assert right >= len(CONTRACT) - (1 if doc.kind == "text" else 3), (doc.filename, fields)


def test_accuracy_on_held_out_layouts_and_phrasings() -> None:
    """A small slice of the benchmark: text PDFs of every test layout, unseen phrasings."""
    docs = build_corpus("test", n_text=8, n_scan=0, seed=31)
    rows = run_documents(docs, progress=False)
    score = f1(rows)
    assert score["f1"] >= 0.95, score
    names = [r for r in rows if r["field"] in ("first_name", "last_name")]
    with_marks = [r for r in names if r["diacritics"]]
    assert with_marks, "the slice should hold names with diacritics"
    assert accuracy(with_marks) >= accuracy([r for r in names if not r["diacritics"]]) - 0.1
    for r in with_marks:
        if r["value"] is not None and r["value"].casefold() == r["truth"].casefold():
            assert r["value"] == r["truth"]  # accents intact, never folded away
