"""Rulings and ruled boxes found in the page image with OpenCV morphology.

Everything returned is in page units (the image's pixels divided by ``scale``), so the
rest of the layout stage never sees pixels. The ink mask is computed once per page and
shared with the checkbox and signature finders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from idp.datamodel import BBox

if TYPE_CHECKING:
    import numpy as np


def outer_boxes(
    mask: np.ndarray, holes: dict[int, tuple[int, int]] | None = None
) -> list[tuple[int, int, int, int]]:
    """Bounding boxes of every connected shape in ``mask``, also those inside another's hole.

    ``holes``, when given, receives the size of each shape's largest hole by its index.
    ``RETR_EXTERNAL`` would miss a tick box or rule drawn inside a ruled cell; ``RETR_CCOMP``
    puts every outer boundary at the top level, and is ~10x faster than connected components.
    """
    import cv2

    contours, hierarchy = cv2.findContours(mask, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return []
    out: list[tuple[int, int, int, int]] = []
    links = hierarchy[0]
    for contour, link in zip(contours, links, strict=True):
        if link[3] < 0:
            x, y, w, h = cv2.boundingRect(contour)
            if holes is not None and link[2] >= 0:
                # Largest hole of this shape (children are chained through "next").
                child, hw, hh = int(link[2]), 0, 0
                while child >= 0:
                    _, _, cw, ch = cv2.boundingRect(contours[child])
                    if cw * ch > hw * hh:
                        hw, hh = cw, ch
                    child = int(links[child][0])
                holes[len(out)] = (hw, hh)
            out.append((x, y, w, h))
    return out


H_MIN_POINTS = 30.0
"""Shortest horizontal ruling, in points: longer than any tick box side."""
V_MIN_POINTS = 14.0
"""Shortest vertical ruling, in points: a one-line form box is ~18 pt tall."""
MAX_THICKNESS_POINTS = 3.0
"""Thicker strokes are bars or bold glyph stems, not rulings."""


@dataclass
class PageImage:
    """The page image, its ink mask, and the pixels-per-page-unit factor."""

    gray: np.ndarray
    ink: np.ndarray
    """uint8 mask, 255 where there is ink."""
    scale: float
    """Image pixels per page unit."""
    points_per_unit: float
    """PDF points per page unit (1 for text-layer pages; 72/dpi for scans)."""
    scanned: bool = False
    """A scan (noise, blur) rather than a rendered text-layer page."""

    def to_page(self, x0: float, y0: float, x1: float, y1: float) -> BBox:
        """A pixel box in page units."""
        s = self.scale
        return (x0 / s, y0 / s, x1 / s, y1 / s)

    def to_pixels(self, box: BBox) -> tuple[int, int, int, int]:
        """A page-unit box in (clipped) integer pixels."""
        s = self.scale
        h, w = self.gray.shape[:2]
        x0 = int(max(0, min(w, box[0] * s)))
        y0 = int(max(0, min(h, box[1] * s)))
        x1 = int(max(0, min(w, round(box[2] * s))))
        y1 = int(max(0, min(h, round(box[3] * s))))
        return x0, y0, x1, y1

    def px(self, points: float) -> int:
        """A length in points as whole pixels (at least 1)."""
        return max(1, round(points / self.points_per_unit * self.scale))


@dataclass
class Rulings:
    """Horizontal and vertical rulings and the closed boxes (cells) they form."""

    horizontal: list[BBox] = field(default_factory=list)
    vertical: list[BBox] = field(default_factory=list)
    cells: list[BBox] = field(default_factory=list)
    """Regions fully enclosed by rulings, smallest first."""
    cell_groups: list[int] = field(default_factory=list)
    """For each cell, the id of the connected ruling grid it belongs to."""


def prepare_image(
    gray: np.ndarray,
    page_width: float,
    points_per_unit: float,
    scanned: bool,
    max_px_per_point: float = 2.1,
) -> PageImage:
    """Shrink the page to at most ``max_px_per_point`` and binarise it.

    A rendered text-layer page is clean, so a fixed threshold keeps thin rules that Otsu
    could drop; a scan gets Otsu's threshold.
    """
    import cv2
    import numpy as np

    if gray.ndim == 3:
        gray = cv2.cvtColor(gray, cv2.COLOR_BGR2GRAY)
    gray = np.ascontiguousarray(gray, dtype=np.uint8)
    px_per_point = gray.shape[1] / (page_width * points_per_unit) if page_width else 1.0
    size = None
    if px_per_point > max_px_per_point * 1.05:
        f = max_px_per_point / px_per_point
        size = (round(gray.shape[1] * f), round(gray.shape[0] * f))
    if scanned:
        if size:
            gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
        # No median blur: it erases the 1–2 px sides of a tick box; specks are dropped
        # later by size (openings for rules, a speck filter inside boxes).
        _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
        if float(gray.min()) > 160:  # a blank page: Otsu would split paper grain into "ink"
            ink[:] = 0
    else:
        _, ink = cv2.threshold(gray, 200, 255, cv2.THRESH_BINARY_INV)
        if size:
            # Shrinking the mask (not the page) keeps hairlines: any touched pixel stays ink.
            # INTER_AREA at a fractional factor costs ~15 ms a page; linear costs ~1 ms.
            ink = cv2.resize(ink, size, interpolation=cv2.INTER_LINEAR)
            _, ink = cv2.threshold(ink, 0, 255, cv2.THRESH_BINARY)
            gray = ink  # the model does not run on text-layer pages; only the size matters
    scale = gray.shape[1] / page_width if page_width else 1.0
    return PageImage(
        gray=gray, ink=ink, scale=scale, points_per_unit=points_per_unit, scanned=scanned
    )


def find_rulings(img: PageImage) -> Rulings:
    """Horizontal and vertical rulings (morphological opening) and the cells they enclose.

    Works on the ink mask max-pooled to half size: rules stay unbroken, and the opening
    with a long kernel, the costliest step of the text-layer path, gets ~6x cheaper.
    """
    import cv2
    import numpy as np

    ink = img.ink
    h2, w2 = ink.shape[0] // 2 * 2, ink.shape[1] // 2 * 2
    # 2×2 max-pooling: a rule one pixel wide survives in every half-size cell it touches.
    pooled = np.maximum(
        np.maximum(ink[0:h2:2, 0:w2:2], ink[1:h2:2, 0:w2:2]),
        np.maximum(ink[0:h2:2, 1:w2:2], ink[1:h2:2, 1:w2:2]),
    )
    half = PageImage(
        gray=pooled,
        ink=pooled,
        scale=img.scale / 2,
        points_per_unit=img.points_per_unit,
        scanned=img.scanned,
    )
    hk = half.px(H_MIN_POINTS)
    vk = half.px(V_MIN_POINTS)
    max_thick = half.px(MAX_THICKNESS_POINTS) + 1
    rect = cv2.MORPH_RECT
    horiz = cv2.morphologyEx(half.ink, cv2.MORPH_OPEN, cv2.getStructuringElement(rect, (hk, 1)))
    vert = cv2.morphologyEx(half.ink, cv2.MORPH_OPEN, cv2.getStructuringElement(rect, (1, vk)))
    out = Rulings()
    keep_h = np.zeros(horiz.shape, np.uint8)
    keep_v = np.zeros(vert.shape, np.uint8)
    for mask, keep, target, horizontal in (
        (horiz, keep_h, out.horizontal, True),
        (vert, keep_v, out.vertical, False),
    ):
        for x, y, w, h in outer_boxes(mask):
            area = cv2.countNonZero(mask[y : y + h, x : x + w])
            thick = area / max(w if horizontal else h, 1)
            if thick > max_thick:
                continue
            target.append(half.to_page(x, y, x + w, y + h))
            keep[y : y + h, x : x + w] = mask[y : y + h, x : x + w]
    if out.horizontal and out.vertical:
        _find_cells(half, keep_h, keep_v, out)
    return out


def _find_cells(img: PageImage, horiz: np.ndarray, vert: np.ndarray, out: Rulings) -> None:
    import cv2

    # Bridge the small gaps where a scanned ruling meets another one.
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3))
    grid = cv2.dilate(cv2.bitwise_or(horiz, vert), kernel)
    contours, hierarchy = cv2.findContours(grid, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return
    min_side = img.px(8.0)
    cells: list[tuple[float, BBox, int]] = []
    for k, contour in enumerate(contours):
        parent = hierarchy[0][k][3]
        if parent < 0:  # outer contour of a grid, not a hole in it
            continue
        x, y, w, h = cv2.boundingRect(contour)
        if w < min_side or h < min_side:
            continue
        # A hole must be nearly rectangular; an L-shaped gap between rulings is not a cell.
        if cv2.contourArea(contour) < 0.8 * w * h:
            continue
        cells.append((w * h, img.to_page(x - 1, y - 1, x + w + 1, y + h + 1), int(parent)))
    cells.sort(key=lambda c: c[0])
    out.cells = [c[1] for c in cells]
    out.cell_groups = [c[2] for c in cells]
