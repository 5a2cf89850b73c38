"""Straight-through processing on held-out synthetic application forms (issue 12's KPI).

Every document goes through the whole pipeline (``process_document``) with the
``application`` schema, and the decide stage's verdict is counted:

- **straight-through rate**: documents accepted without review / all documents;
- **errors among accepted documents**: accepted documents with at least one wrong field,
  and which fields were wrong (the number that must stay 0);
- **review-reason histogram**: which reasons block acceptance, per field and per document;
- **signature presence**: ``declaration_signed`` right, over the signature styles of
  ``tests/synthetic/signature_styles.py`` (drawn, ``/s/``, printed name, stamp, empty).

The corpus is ``tests/synthetic/fields_corpus.py``'s (``benchmarks/bench_fields.py`` explains
the splits): **test** (default) has layouts and phrasings nothing was tuned on; the
calibration map (``idp/fields/calibration.py``: score → probability of being right) is
fitted on **dev** only (``--split dev --fit [--write]``, which runs the pipeline without the
stored map, so on scores) and thresholds likewise (``--calibrate``). Text PDFs by default;
``--n-scan`` adds scans (slow). Rows can be saved and re-reported under other thresholds
without running the pipeline again (``--save``/``--load``): a field's ``below_threshold``
reason is then recomputed from its confidence, all other reasons are kept as recorded.

Usage::

    python -m benchmarks.bench_stp                              # test split, text PDFs
    python -m benchmarks.bench_stp --n-scan 12                  # and 12 scans
    python -m benchmarks.bench_stp --split dev --fit --save dev.json [--write]
    python -m benchmarks.bench_stp --split dev --load dev.json scans.json --fit --write
    python -m benchmarks.bench_stp --split dev --calibrate [--write]
    python -m benchmarks.bench_stp --split dev --load text.json scans.json --calibrate
    python -m benchmarks.bench_stp --receipts 20                # real receipts (sroie-dev)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.synthetic import fields_corpus  # noqa: E402  (after the path set-up)
from tests.synthetic.fields_corpus import (  # noqa: E402
    Document,
)

BELOW = "below_threshold"
CALIBRATION_FLOOR = 0.05
"""No threshold is fitted below this: a value with (almost) no evidence is never trusted."""
CALIBRATION_TARGET = 0.99
"""Precision asked of the trusted values on dev, as ``bench_fields``."""
CALIBRATION_MARGIN = 0.02
"""A fitted threshold sits this far above the highest wrong dev value it has to exclude, so
that a wrong value scoring a little higher on new forms is still held back."""


def build_corpus(split: str, n_text: int, n_scan: int, seed: int, styles: bool) -> list[Document]:
    """The split's generated documents, the signature line's style varied when ``styles``."""
    return fields_corpus.build_corpus(split, n_text, n_scan, seed, signature_styles=styles)


def run(docs: list[Document]) -> list[dict[str, Any]]:
    """One row per document: its status, document reasons and every field's reading."""
    from idp.datamodel import ProcessingOptions
    from idp.pipeline import process_document

    options = ProcessingOptions(schema_name="application")
    out = []
    started = time.perf_counter()
    for i, doc in enumerate(docs, start=1):
        result = process_document(doc.data, doc.filename, options)
        fields = {}
        sources = {page.number: str(page.source) for page in result.pages}
        for name, truth in doc.spec.canonical().items():
            got = result.fields.get(name)
            fields[name] = {
                "truth": truth, "value": got.value if got else None,
                "confidence": got.confidence if got else 0.0,
                "source": sources.get(got.page) if got and got.page else None,
                "reasons": [str(r) for r in got.review_reasons] if got else ["not_found"],
            }
        out.append({
            "form": doc.spec.form_id, "layout": doc.spec.layout, "kind": doc.kind,
            "signature_style": doc.spec.fields["declaration_signed"].style,
            "status": str(result.status),
            "reasons": [str(r) for r in result.review_reasons if str(r) != "fields"],
            "fields": fields,
        })
        print(f"  [{i}/{len(docs)}] {doc.kind} {doc.spec.layout} {result.status} "
              f"(total {time.perf_counter() - started:.0f}s)", file=sys.stderr)
    return out


def field_reasons(field: dict[str, Any], threshold: float) -> list[str]:
    """A field's reasons with ``below_threshold`` recomputed against ``threshold``."""
    reasons = [r for r in field["reasons"] if r != BELOW]
    if field["value"] is not None and field["confidence"] < threshold:
        reasons.append(BELOW)
    return reasons


def accepted(doc: dict[str, Any], thresholds: dict[str, float]) -> bool:
    """The decide stage's verdict under ``thresholds`` (a failed document is never accepted)."""
    if doc["status"] == "failed" or doc["reasons"]:
        return False
    return not any(field_reasons(f, thresholds[n]) for n, f in doc["fields"].items())


def wrong_fields(doc: dict[str, Any]) -> list[str]:
    """The fields of ``doc`` whose value is not the truth."""
    return [n for n, f in doc["fields"].items() if f["value"] != f["truth"]]


def report(docs: list[dict[str, Any]], thresholds: dict[str, float], title: str) -> dict[str, Any]:
    """Print straight-through rate, wrong accepted, reasons and signature accuracy; return them."""
    print(f"\n== {title}")
    out: dict[str, Any] = {}
    for kind in sorted({d["kind"] for d in docs}) + ["all"]:
        group = [d for d in docs if kind in ("all", d["kind"])]
        ok = [d for d in group if accepted(d, thresholds)]
        bad = [d for d in ok if wrong_fields(d)]
        out[kind] = {"n": len(group), "accepted": len(ok), "wrong_accepted": len(bad)}
        print(f"{kind:5s} straight-through {len(ok)}/{len(group)} = "
              f"{len(ok) / len(group):.3f}; accepted with a wrong field: {len(bad)}")
        for d in bad:
            shown = {n: (d["fields"][n]["value"], d["fields"][n]["truth"]) for n in wrong_fields(d)}
            print(f"      WRONG ACCEPTED {d['kind']} {d['layout']} {d['form']}: "
                  f"{{field: (got, truth)}} {shown}")
    per_field: dict[str, Counter[str]] = defaultdict(Counter)
    documents: Counter[str] = Counter()
    only: Counter[str] = Counter()
    for d in docs:
        documents.update(d["reasons"])
        blocking = set(d["reasons"])
        for name, f in d["fields"].items():
            reasons = field_reasons(f, thresholds[name])
            per_field[name].update(reasons)
            blocking.update(f"{name}:{r}" for r in reasons)
        if len(blocking) == 1:
            only.update(blocking)
    print("review reasons per field (documents):")
    for name, counts in per_field.items():
        if counts:
            print(f"  {name:28s} " + ", ".join(f"{r} {c}" for r, c in counts.most_common()))
    print("document reasons: " + (", ".join(f"{r} {c}" for r, c in documents.most_common())
                                  or "none"))
    print("the only thing blocking a document: "
          + (", ".join(f"{r} {c}" for r, c in only.most_common()) or "none"))
    signed = [d for d in docs if d["signature_style"]]
    if signed:
        right = [d for d in signed if not wrong_fields(d) or "declaration_signed" not in
                 wrong_fields(d)]
        print(f"signature presence right: {len(right)}/{len(signed)} = "
              f"{len(right) / len(signed):.3f}")
        by_style: dict[str, list[bool]] = defaultdict(list)
        for d in signed:
            by_style[d["signature_style"]].append(d in right)
        print("  by style: " + ", ".join(f"{s} {sum(v)}/{len(v)}"
                                          for s, v in sorted(by_style.items())))
        out["signature"] = len(right) / len(signed)
    return out


def calibrate(docs: list[dict[str, Any]], thresholds: dict[str, float]) -> dict[str, float]:
    """Per-field thresholds fitted on dev so that no dev document is accepted with a wrong
    field, never lower than dev can vouch for.

    Only values that nothing but their threshold could hold back count (a value with another
    reason goes to review whatever its threshold). The **floor**, shared by every field, is
    the lowest score at which all such dev values pooled over the fields reach
    ``CALIBRATION_TARGET`` precision, and never under the lowest score dev saw a right value
    at: below that dev says nothing. A field with a wrong value at or above the floor gets
    its own threshold ``CALIBRATION_MARGIN`` above its highest wrong value.
    """
    from benchmarks.bench_fields import lowest_threshold

    rows = [
        {"field": name, "confidence": f["confidence"], "valid": True,
         "value": f["value"], "truth": f["truth"]}
        for d in docs for name, f in d["fields"].items()
        if f["value"] is not None and not [r for r in f["reasons"] if r != BELOW]
    ]
    seen = min((r["confidence"] for r in rows if r["value"] == r["truth"]), default=1.0)
    floor = max(lowest_threshold(rows, CALIBRATION_TARGET), seen, CALIBRATION_FLOOR)
    fitted = {}
    for name in thresholds:
        wrong = [r["confidence"] for r in rows if r["field"] == name and r["value"] != r["truth"]]
        fitted[name] = round(min(1.0, max([floor, *(c + CALIBRATION_MARGIN for c in wrong)])), 3)
    return fitted


def without_calibration() -> None:
    """Make this process's pipeline keep scores: schemas read from a copy of the schemas
    folder that has no ``calibration/`` maps."""
    import os
    import shutil
    import tempfile

    from idp.schemas import DEFAULT_SCHEMAS_DIR

    folder = Path(tempfile.mkdtemp(prefix="idp-schemas-"))
    for path in DEFAULT_SCHEMAS_DIR.iterdir():
        if path.is_file():
            shutil.copy(path, folder / path.name)
    os.environ["IDP_SCHEMAS_DIR"] = str(folder)
    from idp.settings import get_settings

    get_settings.cache_clear()


def fit_calibration(docs: list[dict[str, Any]]) -> Any:
    """The calibration map fitted on every found value of ``docs`` (rows with scores)."""
    from idp.fields.calibration import fit

    values = [(calibration_key(f), f["confidence"], f["value"] == f["truth"])
              for d in docs for f in d["fields"].values() if f["value"] is not None]
    kinds = Counter(d["kind"] for d in docs)
    described = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
    return fit(values, f"dev split of the generated application forms: {described}; "
                       f"{len(values)} values")


def calibration_key(field: dict[str, Any]) -> str:
    """The map a recorded field is calibrated by: ``invalid`` or how its page was read."""
    from idp.fields.calibration import INVALID

    return INVALID if "invalid" in field["reasons"] else str(field["source"])


def with_calibration(doc: dict[str, Any], calibration: Any) -> dict[str, Any]:
    """A row re-scored through ``calibration`` (its other reasons as recorded)."""
    fields = {n: {**f, "confidence": calibration(f["confidence"], calibration_key(f))
                  if f["value"] is not None else 0.0} for n, f in doc["fields"].items()}
    return {**doc, "fields": fields, "scores": False}


def receipts(n: int) -> int:
    """Straight-through on real receipts (sroie-dev's held-out receipts, ``learn_data``'s
    split): each image through the whole pipeline with the ``receipt`` schema; a field is
    right when it means the SROIE key (``idp.learn.compare.same_value``: company and address
    case- and punctuation-folded, dates as dates, totals as amounts)."""
    from benchmarks.learn_data import DATA_DIR, RECEIPT_FIELDS, RECEIPT_KINDS, sroie_split
    from benchmarks.learn_data import sroie_values as gold
    from idp.datamodel import ProcessingOptions
    from idp.learn.compare import same_value
    from idp.pipeline import process_document

    _, test_ids = sroie_split()
    ids = test_ids[:n]
    options = ProcessingOptions(schema_name="receipt")
    accepted, wrong_accepted = 0, 0
    found: Counter[str] = Counter()
    right: Counter[str] = Counter()
    trusted: Counter[str] = Counter()
    trusted_right: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    started = time.perf_counter()
    for i, receipt in enumerate(ids, start=1):
        image = DATA_DIR / "sroie-dev" / "img" / f"{receipt}.jpg"
        result = process_document(image.read_bytes(), image.name, options)
        values = gold(receipt)
        wrong = []
        for name, kind in zip(RECEIPT_FIELDS, RECEIPT_KINDS, strict=True):
            got = result.fields.get(name)
            if got is None or got.value is None:
                continue
            ok = same_value(kind, got.text or str(got.value), values.get(name, ""))
            found[name] += 1
            right[name] += ok
            if not got.review_reasons:
                trusted[name] += 1
                trusted_right[name] += ok
            if not ok:
                wrong.append(name)
            reasons.update(f"{name}:{r}" for r in got.review_reasons)
        if str(result.status) == "accepted":
            accepted += 1
            wrong_accepted += bool(wrong)
        print(f"  [{i}/{len(ids)}] {receipt} {result.status} "
              f"(total {time.perf_counter() - started:.0f}s)", file=sys.stderr)
    print(f"\n== sroie-dev receipts (held-out {len(ids)} of learn_data's test split), "
          "receipt schema, no trained model in this process")
    print(f"straight-through {accepted}/{len(ids)} = {accepted / len(ids):.3f}; "
          f"accepted with a wrong field: {wrong_accepted}")
    for name in RECEIPT_FIELDS:
        print(f"  {name:8s} found {found[name]}/{len(ids)}, right {right[name]}; "
              f"trusted (no review reason) {trusted[name]}, right {trusted_right[name]}")
    print("review reasons: " + ", ".join(f"{r} {c}" for r, c in reasons.most_common(8)))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["dev", "test"], default="test")
    parser.add_argument("--n-text", type=int, default=56)
    parser.add_argument("--n-scan", type=int, default=0)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--plain-signatures", action="store_true",
                        help="keep the corpus's plain drawn/empty signature lines")
    parser.add_argument("--save", type=Path, help="write per-document rows as JSON")
    parser.add_argument("--load", type=Path, nargs="+",
                        help="report from rows saved earlier (several files are pooled)")
    parser.add_argument("--calibrate", action="store_true", help="fit thresholds (dev only)")
    parser.add_argument("--fit", action="store_true",
                        help="fit the calibration map on scores (dev only; runs without the map)")
    parser.add_argument("--scores", action="store_true",
                        help="run without the calibration map (scores, not probabilities)")
    parser.add_argument("--write", action="store_true", help="write them into the schema")
    parser.add_argument("--receipts", type=int, metavar="N",
                        help="instead: N held-out sroie-dev receipts, receipt schema")
    args = parser.parse_args(argv)
    if args.receipts:
        return receipts(args.receipts)

    from benchmarks.bench_fields import write_thresholds
    from idp.fields.calibration import calibration_path
    from idp.schemas import DEFAULT_SCHEMAS_DIR, load_schema

    if args.fit and args.split != "dev":
        parser.error("--fit fits on the dev split only")
    if args.load:
        docs = [d for path in args.load for d in json.loads(path.read_text())]
        if args.fit and not all(d.get("scores") for d in docs):
            parser.error("--fit needs rows saved by a --fit run (scores, not probabilities)")
    else:
        if args.fit or args.scores:
            without_calibration()
        print(f"building {args.split}: {args.n_text} text PDFs, {args.n_scan} scans",
              file=sys.stderr)
        corpus = build_corpus(args.split, args.n_text, args.n_scan, args.seed,
                              styles=not args.plain_signatures)
        docs = run(corpus)
        for d in docs:
            d["scores"] = args.fit or args.scores
        if args.save:
            args.save.write_text(json.dumps(docs, ensure_ascii=False, indent=0))
    schema = load_schema("application")
    thresholds = {name: spec.threshold for name, spec in schema.fields.items()}
    report(docs, thresholds, f"{args.split} split, schema thresholds")
    if args.fit:
        fitted = fit_calibration(docs)
        print(f"\ncalibration map ({fitted.fitted_on}):")
        for source, steps in fitted.to_json()["maps"].items():
            for step in steps:
                print(f"  {source:10s} score >= {step['score']:.4f}: {step['probability']:.4f} "
                      f"({step['right']}/{step['values']} right)")
        docs = [with_calibration(d, fitted) for d in docs]
        report(docs, thresholds, f"{args.split} split, calibrated by the map just fitted")
        if args.write:
            path = calibration_path("application")
            path.parent.mkdir(exist_ok=True)
            path.write_text(json.dumps(fitted.to_json(), indent=1) + "\n")
            print(f"written to {path.relative_to(ROOT)}")
    if args.calibrate:
        if args.split != "dev":
            parser.error("--calibrate fits on the dev split only")
        fitted = calibrate(docs, thresholds)
        print("\nfitted thresholds (dev):")
        for name, value in fitted.items():
            print(f"  {name:28s} {thresholds[name]:.3f} -> {value:.3f}")
        report(docs, fitted, "dev split, fitted thresholds")
        if args.write:
            write_thresholds(DEFAULT_SCHEMAS_DIR / "application.yaml", fitted)
            print("written to schemas/application.yaml")
    return 0


if __name__ == "__main__":
    sys.exit(main())
