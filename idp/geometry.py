"""Box geometry, in one place: unions, overlaps, centres and page-relative boxes.

A box is ``(x0, y0, x1, y1)`` with the origin top-left, in whatever units its page uses
(PDF points for a text-layer page, pixels for a scan); ``to_relative`` turns one into the
0–1 box of the record contract. Functions accept any four-number sequence, so relative
boxes (lists, as the record stores them) work too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

BBox = tuple[float, float, float, float]
"""A box in page units: ``(x0, y0, x1, y1)``, origin top-left."""

Box = Sequence[float]
"""Any four-number box, absolute (``BBox``) or relative (the record's ``list[float]``)."""


def union(boxes: Iterable[Box]) -> BBox:
    """The smallest box holding all ``boxes`` (there must be at least one)."""
    boxes = list(boxes)
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def centre(box: Box) -> tuple[float, float]:
    """The box's centre point ``(x, y)``."""
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


def centre_in(box: Box, area: Box) -> bool:
    """Whether the centre of ``box`` lies inside ``area`` (edges included)."""
    cx, cy = centre(box)
    return area[0] <= cx <= area[2] and area[1] <= cy <= area[3]


def area(box: Box) -> float:
    """The box's area (0 for an empty or inverted box)."""
    return max(box[2] - box[0], 0.0) * max(box[3] - box[1], 0.0)


def intersection_area(a: Box, b: Box) -> float:
    """Area the two boxes share (0 when they do not overlap)."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def overlaps(a: Box, b: Box) -> bool:
    """Whether the two boxes share some area (touching edges do not count)."""
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


def overlap_of_smaller(a: Box | None, b: Box | None) -> float:
    """Intersection over the smaller box's area, 0–1 (0 when either box is missing)."""
    if not a or not b:
        return 0.0
    inter = intersection_area(a, b)
    if inter == 0.0:
        return 0.0
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1])) or 1e-9
    return inter / smaller


def to_relative(box: Box, width: float, height: float) -> list[float]:
    """The box as fractions of a ``width`` × ``height`` page, clamped to 0–1, 4 places."""
    w, h = width or 1.0, height or 1.0
    rel = [box[0] / w, box[1] / h, box[2] / w, box[3] / h]
    return [round(min(max(v, 0.0), 1.0), 4) for v in rel]
