"""The synthetic application corpus split for field extraction, run through the pipeline.

Shared by the field tests (``tests/integration/test_fields.py``) and the field benchmark
(``benchmarks/bench_fields.py``, which explains the splits): building the dev/test corpus,
running it through ``process_document`` into one row per document and field, and scoring
rows (field F1, accuracy).
"""

from __future__ import annotations

import random
import sys
import time
from dataclasses import dataclass
from typing import Any, Literal

DEV_PARAPHRASES: dict[str, tuple[str, ...]] = {
    "first_name": ("Forename(s)", "Your first name", "Name (first)", "First name used"),
    "last_name": ("Surname (in capitals)", "Your family name", "Last name of applicant"),
    "date_of_birth": ("Birthday", "D.O.B.", "When were you born?", "Date of birth (dd/mm/yyyy)"),
    "national_insurance_number": ("N.I. number", "NI no", "Insurance number (NI)", "NINo."),
    "email": ("E-mail address", "Contact email", "Email (optional)", "Where can we email you"),
    "phone": ("Mobile number", "Telephone no", "Phone", "Best number to call"),
    "address": ("Home address", "Postal address", "Your address", "Address where you stay"),
    "postcode": ("Post code", "Postcode of address", "Zip/postcode"),
    "employment_status": ("Employment", "Are you working?", "Your employment situation"),
    "monthly_income": (
        "Income (monthly)", "Monthly earnings", "Earnings per month",
        "How much do you earn a month?",
    ),
    "household_size": (
        "Number in household", "Size of household", "People in your home",
        "How many live at the address?",
    ),
    "declaration_signed": ("Signature of the applicant", "Sign below", "Your signature"),
    "application_date": ("Date of application", "Dated", "Date of this form", "Signed on"),
}
"""Unlisted English phrasings for tuning; none is a ``TEST_PHRASINGS`` entry."""

DEV_OPTIONS: dict[str, tuple[str, ...]] = {
    "employed": ("Working", "Employee"),
    "self_employed": ("Own business", "Sole trader"),
    "unemployed": ("Jobseeker", "Without work"),
    "retired": ("Retired person", "No longer working (retired)"),
    "student": ("At college", "At university"),
}
"""Unlisted employment option labels for tuning; none is a ``TEST_OPTIONS`` entry."""

@dataclass
class Document:
    """One generated input file and the form it shows."""

    spec: Any
    kind: str
    """``text`` (text-layer PDF) or ``scan`` (degraded image, multi-page TIFF)."""
    filename: str
    data: bytes


def _paraphrase(spec: Any) -> Any:
    """Swap the English half of each label (and option) for a ``DEV_PARAPHRASES`` one."""
    rng = random.Random(f"{spec.seed}-paraphrase")

    def swap(label: str, phrasing: str) -> str:
        return f"{label.split(' / ')[0]} / {phrasing}" if " / " in label else phrasing

    for name, field in spec.fields.items():
        field.label = swap(field.label, rng.choice(DEV_PARAPHRASES[name]))
        if field.kind == "choice":
            field.options = [
                (member, swap(label, rng.choice(DEV_OPTIONS[member])))
                for member, label in field.options
            ]
            field.text = dict(field.options)[field.value]
    return spec


def scan_params(rng: random.Random, seed: int) -> Any:
    """An ordinary office scan: slight skew, noise, blur, JPEG; now and then a turned page."""
    from tests.synthetic.render import ScanParams

    return ScanParams(
        dpi=300,
        skew=rng.uniform(-2.0, 2.0),
        noise=rng.uniform(4.0, 12.0),
        blur=rng.choice([0.0, 0.4, 0.7]),
        jpeg_quality=rng.choice([None, 85, 70]),
        rotate=rng.choice([0, 0, 0, 0, 90, 180]),
        seed=seed,
    )


def build_corpus(
    split: str, n_text: int, n_scan: int, seed: int = 2026, signature_styles: bool = False
) -> list[Document]:
    """Generated documents of one split, text PDFs first, then scans of other forms; with
    ``signature_styles`` the signature line's style varies over ``signature_styles.STYLES``."""
    from tests.synthetic.render import render_pdf, render_scan, save_images
    from tests.synthetic.spec import DEV_LAYOUTS, TEST_LAYOUTS, generate_forms

    layouts = DEV_LAYOUTS if split == "dev" else TEST_LAYOUTS
    phrasings: Literal["hint", "test"] = "test" if split == "test" else "hint"
    forms = generate_forms(n_text + n_scan, seed=f"{seed}-{split}", layouts=layouts,
                           phrasings=phrasings)
    if split == "dev":
        forms = [_paraphrase(f) if i % 2 else f for i, f in enumerate(forms)]
    if signature_styles:
        from tests.synthetic.signature_styles import assign_signature_styles

        assign_signature_styles(forms, seed=f"{seed}-{split}-signatures")
    rng = random.Random(f"{seed}-{split}-scans")
    docs = []
    for i, spec in enumerate(forms):
        if i < n_text:
            docs.append(Document(spec, "text", f"{spec.form_id}.pdf", render_pdf(spec)))
        else:
            params = scan_params(rng, i)
            images = render_scan(spec, params)
            data = save_images(images, "tiff", params.dpi)
            docs.append(Document(spec, "scan", f"{spec.form_id}.tiff", data))
    return docs


def run_documents(docs: list[Document], progress: bool = True) -> list[dict[str, Any]]:
    """One row per document and field: truth, value, confidence, validity, extractor."""
    from idp.datamodel import ProcessingOptions
    from idp.pipeline import process_document

    rows = []
    options = ProcessingOptions(schema_name="application")
    started = time.perf_counter()
    for i, doc in enumerate(docs, start=1):
        t0 = time.perf_counter()
        result = process_document(doc.data, doc.filename, options)
        elapsed = time.perf_counter() - t0
        truth = doc.spec.canonical()
        for name, expected in truth.items():
            got = result.fields.get(name)
            rows.append({
                "form": doc.spec.form_id, "layout": doc.spec.layout, "kind": doc.kind,
                "diacritics": doc.spec.name_has_diacritics, "field": name,
                "truth": expected, "value": got.value if got else None,
                "confidence": got.confidence if got else 0.0,
                "valid": bool(got and got.valid), "extractor": got.extractor if got else None,
                "label": doc.spec.fields[name].label, "status": str(result.status),
                "seconds": round(elapsed, 3),
            })
        if progress:
            print(f"  [{i}/{len(docs)}] {doc.kind} {doc.spec.layout} {elapsed:.1f}s "
                  f"(total {time.perf_counter() - started:.0f}s)", file=sys.stderr)
    return rows


def f1(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Field-level precision, recall and F1: a wrong value is a false positive and a miss."""
    tp = sum(1 for r in rows if r["value"] is not None and r["value"] == r["truth"])
    fp = sum(1 for r in rows if r["value"] is not None and r["value"] != r["truth"])
    fn = sum(1 for r in rows if r["truth"] is not None and r["value"] != r["truth"])
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    score = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": score, "n": len(rows)}


def accuracy(rows: list[dict[str, Any]]) -> float:
    """Share of rows whose value equals the truth."""
    return sum(r["value"] == r["truth"] for r in rows) / len(rows) if rows else 0.0
