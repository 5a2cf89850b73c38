"""From a field's score to the probability that its value is right.

The extract, reread and validate stages leave each field a *score*: label agreement, the
document's label margins, reading confidence, validity and agreement folded into one
number that ranks values well but is no probability (a label the schema never listed scores
lower than a listed one although its value is as often right). A schema's **calibration**
maps the score to the share of values that were right at that score on forms kept for
calibration (the generated corpus's dev split, never its test split), one map per way the
page was read (a text layer or OCR, since only OCR misreads) and one for values that fail
their checks: isotonic regression
(pool-adjacent-violators) over those forms' values, each step's probability the posterior
mean ``(right + 1) / (values + 2)``, so a step only a few values vouch for stays modest
and one wrong value pulls its whole step down. Below the lowest score calibration saw,
it says nothing and the probability is 0.

The map is data, kept beside the schemas in ``calibration/<schema>.json`` (written by
``benchmarks/bench_stp.py --split dev --fit``); a schema without one keeps its scores. The
decide stage applies it before comparing with the schema's thresholds, which are then
probabilities.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from idp.datamodel import ProcessingResult
from idp.schemas import schemas_dir
from idp.settings import Settings

MIN_STEP = 8
"""A step of the map holds at least this many calibration values (the top one may hold
fewer), so that no probability rests on one or two values."""


@dataclass
class StepMap:
    """A non-decreasing step map from score to probability of being right."""

    scores: list[float]
    """Each step's lowest score, ascending."""
    probabilities: list[float]
    """Each step's probability, non-decreasing."""
    counts: list[list[int]] = field(default_factory=list)
    """Each step's ``[right, values]``, for the record."""

    def __call__(self, score: float) -> float:
        """The probability that a value with ``score`` is right."""
        i = bisect_right(self.scores, score + 1e-9) - 1
        return 0.0 if i < 0 else self.probabilities[i]

    def to_json(self) -> list[dict[str, Any]]:
        """The steps as they are stored."""
        return [
            {"score": s, "probability": p, "right": c[0], "values": c[1]}
            for s, p, c in zip(self.scores, self.probabilities, self.counts, strict=True)
        ]

    @classmethod
    def from_json(cls, steps: list[dict[str, Any]]) -> StepMap:
        """A map from its stored steps."""
        return cls(
            scores=[float(s["score"]) for s in steps],
            probabilities=[float(s["probability"]) for s in steps],
            counts=[[int(s["right"]), int(s["values"])] for s in steps],
        )


INVALID = "invalid"
"""The map for values that fail their format or rules, however they were read."""


@dataclass
class Calibration:
    """One step map per way the words were read (``text_layer``, ``ocr``), since a misread
    is possible on a scan only and the same score means less there, and one for invalid
    values (``invalid``)."""

    maps: dict[str, StepMap]
    fitted_on: str = ""
    """What the maps were fitted on (split, kinds, number of values)."""

    def __call__(self, score: float, source: str | None) -> float:
        """The probability that a value with ``score``, read from ``source``, is right; a
        source calibration never saw gets the most cautious map's word."""
        if source in self.maps:
            return self.maps[source](score)
        return min((m(score) for m in self.maps.values()), default=0.0)

    def to_json(self) -> dict[str, Any]:
        """The maps as they are stored."""
        return {"fitted_on": self.fitted_on,
                "maps": {name: m.to_json() for name, m in sorted(self.maps.items())}}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Calibration:
        """Maps from their stored form."""
        return cls(
            maps={name: StepMap.from_json(steps) for name, steps in data["maps"].items()},
            fitted_on=str(data.get("fitted_on", "")),
        )


def fit(values: list[tuple[str, float, bool]], fitted_on: str = "") -> Calibration:
    """One isotonic map per source from ``(source, score, right)`` triples."""
    sources = sorted({v[0] for v in values})
    return Calibration(
        maps={s: fit_map([(score, right) for src, score, right in values if src == s])
              for s in sources},
        fitted_on=fitted_on,
    )


def fit_map(values: list[tuple[float, bool]]) -> StepMap:
    """The isotonic map of ``(score, right)`` pairs, with steps of at least ``MIN_STEP``."""
    ordered = sorted(values)
    # Pool adjacent violators over blocks [lowest score, right, count].
    blocks: list[list[float]] = []
    for score, right in ordered:
        blocks.append([score, float(right), 1.0])
        while len(blocks) > 1 and (
            _rate(blocks[-2]) >= _rate(blocks[-1]) or blocks[-2][2] < MIN_STEP
        ):
            top = blocks.pop()
            blocks[-1][1] += top[1]
            blocks[-1][2] += top[2]
    probabilities: list[float] = []
    for block in blocks:
        p = round(_rate(block), 4)
        probabilities.append(max(p, probabilities[-1]) if probabilities else p)
    return StepMap(
        scores=[round(b[0], 4) for b in blocks],
        probabilities=probabilities,
        counts=[[int(b[1]), int(b[2])] for b in blocks],
    )


def _rate(block: list[float]) -> float:
    return (block[1] + 1.0) / (block[2] + 2.0)


def calibration_path(schema_name: str, settings: Settings | None = None) -> Path:
    """Where a schema's calibration map is kept."""
    return schemas_dir(settings) / "calibration" / f"{schema_name}.json"


_cache: dict[tuple[Path, float], Calibration] = {}


def load_calibration(schema_name: str, settings: Settings | None = None) -> Calibration | None:
    """The schema's calibration map, or ``None`` when it has none."""
    path = calibration_path(schema_name, settings)
    if not path.is_file():
        return None
    key = (path, path.stat().st_mtime)
    if key not in _cache:
        _cache.clear()
        _cache[key] = Calibration.from_json(json.loads(path.read_text(encoding="utf-8")))
    return _cache[key]


def calibrate_result(result: ProcessingResult, settings: Settings) -> None:
    """Turn every field's (and alternative's) score into a probability of being right."""
    if not result.schema_name:
        return
    calibration = load_calibration(result.schema_name, settings)
    if calibration is None:
        return
    sources = {page.number: str(page.source) for page in result.pages}
    for field_result in result.fields.values():
        if field_result.value is None:
            continue
        score = field_result.confidence
        key = sources.get(field_result.page or 0) if field_result.valid else INVALID
        field_result.confidence = calibration(score, key)
        # A losing value is no winner: the map says nothing of it. It keeps its score's
        # ratio to the winner's, so "nearly as sure" reads the same either side of the map.
        for alt in field_result.alternatives:
            ratio = alt.confidence / score if score > 0 else 0.0
            alt.confidence = round(min(ratio, 1.0) * field_result.confidence, 4)
