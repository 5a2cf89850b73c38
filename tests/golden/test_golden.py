"""Golden records: the pipeline's words, lines, key–value pairs and checkboxes on a handful of
generated documents (one text-layer PDF per layout, and two scans), compared with the JSON
kept in ``tests/golden/groundtruth/``.

Boxes are relative (0–1) and rounded to 2 decimals; text is compared fuzzily for OCR pages
(rapidfuzz) and boxes within a tolerance. The documents are generated at test time from
fixed seeds, so only the small JSON files are committed.

Regenerate after an intended change with ``IDP_REGENERATE_GOLDEN=1 pytest tests/golden`` and
review the diff; ``test_regenerate_flag_is_off_in_ci`` keeps CI from ever rewriting them.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from rapidfuzz.fuzz import ratio

from idp.datamodel import ProcessingOptions
from idp.pipeline import process_document
from tests.synthetic import ALL_LAYOUTS, CorpusDocument, ScanParams, make_form, plan_form

GROUNDTRUTH = Path(__file__).parent / "groundtruth"
REGENERATE = os.environ.get("IDP_REGENERATE_GOLDEN") == "1"
SEED = "golden"


def _text_doc(layout: str) -> CorpusDocument:
    form = make_form(ALL_LAYOUTS.index(layout), SEED, layout, "hint")
    return CorpusDocument(f"text-{layout}.pdf", "text_pdf", "pdf", form, plan_form(form))


def _scan_doc(name: str, layout: str, fmt: str, params: ScanParams) -> CorpusDocument:
    form = make_form(100 + ALL_LAYOUTS.index(layout), SEED, layout, "hint")
    return CorpusDocument(name, "scan", fmt, form, plan_form(form), params)


DOCUMENTS: dict[str, Any] = {
    **{f"text-{layout}": (lambda layout=layout: _text_doc(layout)) for layout in ALL_LAYOUTS},
    "scan-inline-png": lambda: _scan_doc(
        "scan-inline.png", "inline", "png",
        ScanParams(dpi=300, skew=1.2, noise=6.0, blur=0.4, jpeg_quality=80, seed=11)),
    "scan-boxed-r180-jpeg": lambda: _scan_doc(
        "scan-boxed-r180.jpg", "boxed", "jpeg",
        ScanParams(dpi=250, skew=-1.5, noise=8.0, blur=0.5, jpeg_quality=70, rotate=180,
                   seed=12)),
}
"""Golden document name → a function building it."""


def _r(box: list[float]) -> list[float]:
    return [round(v, 2) for v in box]


@cache
def _summarise(name: str) -> dict[str, Any]:
    """The pipeline's reading of one golden document, reduced to what golden files hold."""
    doc: CorpusDocument = DOCUMENTS[name]()
    result = process_document(doc.render(), doc.name, ProcessingOptions(include_layout=True))
    pages = []
    for page in result.pages:
        pages.append({
            "number": page.number,
            "source": page.source.value,
            "rotation": page.rotation,
            "words": [[w.text, *_r(page.relative(w.bbox))] for w in page.words],
            "lines": [[ln.text, *_r(page.relative(ln.bbox))] for ln in page.lines],
            "key_values": [{"key": kv.key, "value": kv.value, "relation": kv.relation,
                            "key_bbox": _r(kv.key_bbox)} for kv in page.key_values],
            "checkboxes": [{"checked": cb.checked, "label": cb.label,
                            "bbox": _r(page.relative(cb.bbox))} for cb in page.checkboxes],
        })
    return {"document": name, "kind": doc.kind, "status": result.status,
            "pages": pages}


def _dump(summary: dict[str, Any]) -> str:
    """JSON with one word, line, pair or checkbox per line, so diffs stay readable."""

    def one(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)

    head = {k: v for k, v in summary.items() if k != "pages"}
    out = ["{" + one(head)[1:-1] + ', "pages": [']
    for i, page in enumerate(summary["pages"]):
        scalars = {k: v for k, v in page.items() if not isinstance(v, list)}
        out.append(" {" + one(scalars)[1:-1] + ",")
        lists = [k for k, v in page.items() if isinstance(v, list)]
        for j, key in enumerate(lists):
            items = ",\n   ".join(one(item) for item in page[key])
            tail = "," if j < len(lists) - 1 else ""
            out.append(f'  "{key}": [\n   {items}\n  ]{tail}' if items else f'  "{key}": []{tail}')
        out.append(" }" + ("," if i < len(summary["pages"]) - 1 else ""))
    out.append("]}")
    return "\n".join(out) + "\n"


def _close(a: list[float], b: list[float], tolerance: float) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


def _compare(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """Differences that matter; empty when the reading still matches its golden file."""
    ocr = expected["kind"] == "scan"
    min_ratio, tol = (90.0, 0.02) if ocr else (100.0, 0.006)
    problems = []
    if actual["status"] != expected["status"]:
        problems.append(f"status {actual['status']} != {expected['status']}")
    if len(actual["pages"]) != len(expected["pages"]):
        return problems + [f"{len(actual['pages'])} pages != {len(expected['pages'])}"]
    for exp, act in zip(expected["pages"], actual["pages"], strict=True):
        where = f"page {exp['number']}"
        if act["rotation"] != exp["rotation"]:
            problems.append(f"{where}: rotation {act['rotation']} != {exp['rotation']}")
        exp_text = " ".join(w[0] for w in exp["words"])
        act_text = " ".join(w[0] for w in act["words"])
        if ratio(exp_text, act_text) < min_ratio:
            problems.append(f"{where}: text similarity {ratio(exp_text, act_text):.1f}")
        for line in exp["lines"]:
            target: str = line[0]
            best = max(act["lines"], key=lambda a: float(ratio(a[0], target)), default=None)
            if best is None or ratio(best[0], line[0]) < min_ratio - 5:
                problems.append(f"{where}: line {line[0]!r} not found")
            elif not _close(best[1:], line[1:], tol):
                problems.append(f"{where}: line {line[0]!r} moved {line[1:]} -> {best[1:]}")
        act_pairs = [(kv["key"], kv["value"]) for kv in act["key_values"]]
        for kv in exp["key_values"]:
            found = any(ratio(k, kv["key"]) >= min_ratio and ratio(v, kv["value"]) >= min_ratio
                        for k, v in act_pairs)
            if not found:
                problems.append(f"{where}: pair {kv['key']!r} -> {kv['value']!r} missing")
        if len(act["key_values"]) != len(exp["key_values"]):
            problems.append(f"{where}: {len(act['key_values'])} pairs != "
                            f"{len(exp['key_values'])}")
        exp_boxes = sorted((cb["bbox"], cb["checked"]) for cb in exp["checkboxes"])
        act_boxes = sorted((cb["bbox"], cb["checked"]) for cb in act["checkboxes"])
        if len(exp_boxes) != len(act_boxes):
            problems.append(f"{where}: {len(act_boxes)} checkboxes != {len(exp_boxes)}")
        else:
            for (eb, ec), (ab, ac) in zip(exp_boxes, act_boxes, strict=True):
                if ec != ac or not _close(eb, ab, tol):
                    problems.append(f"{where}: checkbox {eb} {ec} -> {ab} {ac}")
    return problems


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=[pytest.mark.ocr] if n.startswith("scan") else []) for n in DOCUMENTS],
)
def test_reading_matches_golden(name: str) -> None:
    path = GROUNDTRUTH / f"{name}.json"
    actual = _summarise(name)
    if REGENERATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_dump(actual), encoding="utf-8")
        pytest.skip(f"regenerated {path.name}")
    assert path.exists(), f"no golden file {path}; run with IDP_REGENERATE_GOLDEN=1"
    expected = json.loads(path.read_text(encoding="utf-8"))
    problems = _compare(expected, actual)
    assert not problems, "\n".join(problems[:30])


def test_golden_comparison_notices_a_change() -> None:
    """The comparison is not vacuous: a moved line, a lost pair, a flipped box all count."""
    expected = json.loads((GROUNDTRUTH / "text-inline.json").read_text(encoding="utf-8"))
    changed = json.loads(json.dumps(expected))
    page = changed["pages"][0]
    page["lines"][0][1] += 0.05
    page["key_values"][0]["value"] = "something else entirely"
    page["checkboxes"][0]["checked"] = not page["checkboxes"][0]["checked"]
    problems = _compare(expected, changed)
    assert any("moved" in p for p in problems)
    assert any("missing" in p for p in problems)
    assert any("checkbox" in p for p in problems)
    assert _compare(expected, expected) == []


def test_regenerate_flag_is_off_in_ci() -> None:
    if os.environ.get("CI"):
        assert not REGENERATE, "IDP_REGENERATE_GOLDEN must not be set in CI"
