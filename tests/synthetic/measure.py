"""Score a reading of the corpus against its truth: key–value recall and checkbox states.

Predictions are read from the record JSON (``Record.to_json_dict()`` with ``--layout``), so
the same code scores an in-process run and the output of ``idp extract --layout``.

Matching rules (issue 2): a key–value pair counts when the key and the value equal the truth
after whitespace normalisation (Unicode NFC; runs of whitespace become one space; a trailing
colon on a key is ignored, since the truth stores the key without it). A checkbox is matched
to the nearest detected box on the same page whose centre is within ``BOX_TOLERANCE`` (page
fractions); a truth box with no detected box counts as wrong.
"""

from __future__ import annotations

import math
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

BOX_TOLERANCE = 0.02


def normalise(text: str | None) -> str:
    """NFC, whitespace runs collapsed to one space, trimmed."""
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def normalise_key(text: str | None) -> str:
    """A key normalised like a value, without a trailing colon."""
    return normalise(text).rstrip(":").rstrip()


@dataclass
class Tally:
    """Hits out of a total."""

    hits: int = 0
    total: int = 0

    @property
    def rate(self) -> float:
        """hits / total (1.0 when there is nothing to count)."""
        return self.hits / self.total if self.total else 1.0

    def add(self, hit: bool) -> None:
        """Count one item."""
        self.total += 1
        self.hits += int(hit)

    def __str__(self) -> str:
        return f"{self.rate:.3f} ({self.hits}/{self.total})"


@dataclass
class Score:
    """Tallies overall and by facet, plus every miss with a diagnosis."""

    overall: Tally = field(default_factory=Tally)
    by: dict[str, dict[str, Tally]] = field(default_factory=lambda: defaultdict(dict))
    misses: list[dict[str, Any]] = field(default_factory=list)

    def add(self, hit: bool, facets: dict[str, Any]) -> None:
        """Count one item under the overall tally and under each facet's value."""
        self.overall.add(hit)
        for facet, value in facets.items():
            self.by[facet].setdefault(str(value), Tally()).add(hit)

    def report(self, title: str) -> str:
        """A readable multi-line summary."""
        lines = [f"{title}: {self.overall}"]
        for facet, tallies in sorted(self.by.items()):
            parts = ", ".join(f"{k} {v}" for k, v in sorted(tallies.items()))
            lines.append(f"  by {facet}: {parts}")
        return "\n".join(lines)


def record_pages(record: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """Per page number: ``key_values``, and (with layout) relative ``checkboxes``/``signatures``."""
    pages: dict[int, dict[str, Any]] = defaultdict(
        lambda: {"key_values": [], "checkboxes": [], "signatures": []}
    )
    for kv in record.get("key_values") or []:
        pages[int(kv.get("page") or 1)]["key_values"].append(kv)
    for page in (record.get("layout") or {}).get("pages", []):
        w, h = float(page.get("width") or 1), float(page.get("height") or 1)

        def relative(b: list[float] | None, w: float = w, h: float = h) -> list[float] | None:
            return None if b is None else [b[0] / w, b[1] / h, b[2] / w, b[3] / h]

        entry = pages[int(page["number"])]
        entry["rotation"] = page.get("rotation", 0)
        for cb in page.get("checkboxes", []):
            entry["checkboxes"].append({**cb, "bbox": relative(cb["bbox"]),
                                        "label_bbox": relative(cb.get("label_bbox"))})
        for sig in page.get("signatures", []):
            entry["signatures"].append({**sig, "bbox": relative(sig["bbox"])})
    return pages


def _centre(b: list[float]) -> tuple[float, float]:
    return (b[0] + b[2]) / 2, (b[1] + b[3]) / 2


def _loose(text: str | None) -> str:
    """Case, accents and spaces ignored: for telling pairing errors from reading errors."""
    from tests.synthetic.values import ascii_fold

    return "".join(ascii_fold(normalise(text)).casefold().split()).rstrip(":")


def _same(a: str | None, b: str | None, strict: bool) -> bool:
    if strict:
        return a == b
    from rapidfuzz.fuzz import ratio

    return ratio(a or "", b or "") >= 80.0


def score_key_values(truth_docs: list[dict[str, Any]], records: list[dict[str, Any]],
                     score: Score | None = None, strict: bool = True) -> Score:
    """Key–value recall of ``records`` (one per truth document, same order).

    ``strict=False`` is a diagnostic, not the acceptance measure: a pair counts when key and
    value are each ≥ 80% similar ignoring case, accents and spaces, so what remains missed
    is a pairing (layout) error rather than a reading (OCR) error.
    """
    score = score or Score()
    norm_key, norm_value = (normalise_key, normalise) if strict else (_loose, _loose)
    for truth, record in zip(truth_docs, records, strict=True):
        pages = record_pages(record)
        for tpage in truth["pages"]:
            predicted = list(pages[tpage["number"]]["key_values"]) if tpage["number"] in pages \
                else []
            for kv in tpage["key_values"]:
                key, value = norm_key(kv["key"]), norm_value(kv["value"])
                hit_index = next(
                    (i for i, p in enumerate(predicted)
                     if _same(norm_key(p.get("key")), key, strict)
                     and _same(norm_value(p.get("value")), value, strict)),
                    None,
                )
                hit = hit_index is not None
                if hit_index is not None:
                    predicted.pop(hit_index)  # each predicted pair matches once
                score.add(hit, {"kind": truth["kind"], "layout": truth["layout"],
                                "relation": kv["relation"], "rotation": truth["rotation"],
                                "field": kv.get("field")})
                if not hit:
                    score.misses.append(_diagnose(truth, tpage["number"], kv, predicted))
    return score


def _diagnose(truth: dict[str, Any], page: int, kv: dict[str, Any],
              predicted: list[dict[str, Any]]) -> dict[str, Any]:
    key, value = normalise_key(kv["key"]), normalise(kv["value"])
    same_key = [p for p in predicted if normalise_key(p.get("key")) == key]
    same_value = [p for p in predicted if normalise(p.get("value")) == value]
    if same_key:
        why = f"key found, value read as {normalise(same_key[0].get('value'))!r}"
    elif same_value:
        why = f"value found, key read as {normalise_key(same_value[0].get('key'))!r}"
    else:
        why = "neither key nor value paired"
    return {"file": truth["file"], "layout": truth["layout"], "page": page,
            "relation": kv["relation"], "key": key, "value": value, "why": why}


def score_checkboxes(truth_docs: list[dict[str, Any]], records: list[dict[str, Any]],
                     score: Score | None = None, tolerance: float = BOX_TOLERANCE) -> Score:
    """Share of truth checkboxes found at their place with the right state."""
    score = score or Score()
    for truth, record in zip(truth_docs, records, strict=True):
        pages = record_pages(record)
        for tpage in truth["pages"]:
            predicted = list(pages[tpage["number"]]["checkboxes"]) if tpage["number"] in pages \
                else []
            for cb in tpage["checkboxes"]:
                cx, cy = _centre(cb["bbox"])
                best, best_d = None, tolerance
                for p in predicted:
                    px, py = _centre(p["bbox"])
                    d = math.hypot(px - cx, py - cy)
                    if d <= best_d:
                        best, best_d = p, d
                hit = best is not None and bool(best["checked"]) == bool(cb["checked"])
                if best is not None:
                    predicted.remove(best)
                score.add(hit, {"kind": truth["kind"], "layout": truth["layout"],
                                "rotation": truth["rotation"], "checked": cb["checked"],
                                "mark": cb.get("mark")})
                if not hit:
                    score.misses.append({
                        "file": truth["file"], "page": tpage["number"], "group": cb["group"],
                        "label": cb["label"], "checked": cb["checked"],
                        "why": "no box detected here" if best is None
                        else f"detected as checked={best['checked']}",
                    })
    return score


def score_signatures(truth_docs: list[dict[str, Any]], records: list[dict[str, Any]],
                     score: Score | None = None) -> Score:
    """Share of signature lines whose signed/unsigned state was read right (by page)."""
    score = score or Score()
    for truth, record in zip(truth_docs, records, strict=True):
        pages = record_pages(record)
        for tpage in truth["pages"]:
            found = pages[tpage["number"]]["signatures"] if tpage["number"] in pages else []
            for sig in tpage["signatures"]:
                cx, cy = _centre(sig["bbox"])
                near = sorted(found, key=lambda s: math.dist(_centre(s["bbox"]), (cx, cy)))
                hit = bool(near) and math.dist(_centre(near[0]["bbox"]), (cx, cy)) < 0.1 \
                    and bool(near[0]["signed"]) == bool(sig["signed"])
                score.add(hit, {"kind": truth["kind"], "signed": sig["signed"]})
                if not hit:
                    score.misses.append({
                        "file": truth["file"], "page": tpage["number"], "signed": sig["signed"],
                        "why": "no signature line detected near it" if not near
                        else f"nearest detected: signed={near[0]['signed']} at "
                        f"{[round(v, 3) for v in near[0]['bbox']]}",
                    })
    return score
