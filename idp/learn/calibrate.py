"""Per-field confidence thresholds from held-out predictions.

A threshold is the lowest confidence at which the predictions at or above it are at least
``target`` right on the validation split, so a field the model is that sure of can skip
review, and never below ``FLOOR``: a validation split of a few dozen pages that happens to
hold no error below some confidence does not prove the model right there. A field that
never reaches the target gets 1.0: always reviewed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

TARGET_PRECISION = 0.98
FLOOR = 0.5
"""Lowest threshold calibration sets: a value the model is less than even about (for a
total or a date, less than 0.5 surer of it than of any other amount or date on the page)
is never trusted alone."""


@dataclass
class Calibration:
    """One field's threshold and what it means on the validation split."""

    threshold: float
    """Confidence at or above which a value is trusted."""
    precision: float
    """Share right among validation predictions at or above the threshold."""
    coverage: float
    """Share of validation predictions at or above the threshold."""


def calibrate(
    scored: Sequence[tuple[float, bool]], target: float = TARGET_PRECISION, floor: float = FLOOR
) -> Calibration:
    """The threshold for one field from ``(confidence, right)`` pairs."""
    if not scored:
        return Calibration(1.0, 0.0, 0.0)
    ordered = sorted(scored, key=lambda item: -item[0])
    best: Calibration | None = None
    right = 0
    for n, (confidence, ok) in enumerate(ordered, start=1):
        right += ok
        # only cut between distinct confidences: ties are all in or all out
        if n < len(ordered) and ordered[n][0] == confidence:
            continue
        if confidence < floor:
            break
        if right / n >= target:
            best = Calibration(round(confidence, 4), right / n, n / len(ordered))
    if best is None:
        return Calibration(1.0, 0.0, 0.0)
    return best


def share_right_above(scored: Sequence[tuple[float, bool]], threshold: float) -> tuple[float, int]:
    """Share right among ``(confidence, right)`` at or above ``threshold``, and how many."""
    above = [ok for confidence, ok in scored if confidence >= threshold]
    return (sum(above) / len(above) if above else 1.0), len(above)
