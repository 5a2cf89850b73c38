"""Cheap page-image preparation before OCR (OpenCV + numpy): find the text-line axis
and skew on a reduced copy (about 75 dpi), deskew, binarise, measure the text size and
choose what Tesseract is given (despeckled binary, grey, or an enlarged grey copy).

About 70 ms of CPU for a 300 dpi A4 page, against roughly a second of Tesseract.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

MAX_SKEW = 6.0
"""Largest skew (degrees) searched for; larger tilts are left to Tesseract."""
MIN_SKEW = 0.2
"""Smaller skews are not corrected: Tesseract copes and the rotation would cost more."""
MAX_POINTS = 40_000
"""Ink pixels sampled for the projection search; more adds time, not accuracy."""


@dataclass(frozen=True)
class LineGeometry:
    """Which way the text lines of a page run, and their tilt."""

    vertical: bool
    """Text lines run down the page (it lies on its side)."""
    angle: float
    """Tilt of the lines in degrees, counter-clockwise positive, in the image as given."""
    strength: float
    """Best-axis score over other-axis score; near 1 means no clear lines were found."""
    ink: int = 0
    """Ink pixels found on the reduced page."""
    across_angle: float = 0.0
    """Tilt of the best lines running across the page, whichever axis won."""


def to_gray(image: np.ndarray) -> np.ndarray:
    """A single-channel uint8 view or copy of ``image`` (grey, RGB or RGBA)."""
    import cv2
    import numpy as np

    if image.ndim == 3:
        code = cv2.COLOR_RGBA2GRAY if image.shape[2] == 4 else cv2.COLOR_RGB2GRAY
        image = cv2.cvtColor(image, code)
    if image.dtype != np.uint8:
        low, high = float(image.min()), float(image.max())
        image = ((image - low) * (255.0 / ((high - low) or 1.0))).astype(np.uint8)
    return image


def halve(gray: np.ndarray, target_long_side: int) -> np.ndarray:
    """The image halved (area average) until its long side is at most ``target_long_side``.

    Halving hits OpenCV's fast integer-area path (under 1 ms for a 300 dpi A4 page);
    arbitrary factors cost ten times more.
    """
    import cv2

    while max(gray.shape[:2]) > target_long_side and min(gray.shape[:2]) >= 16:
        h, w = gray.shape[:2]
        gray = cv2.resize(gray, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    return gray


MIN_CONTRAST = 60
"""Grey levels between the mean of the ink and of the paper below which a page is taken
to carry no ink at all (Otsu would otherwise split plain paper noise in two)."""


def ink_threshold(smooth: np.ndarray) -> int:
    """Otsu's threshold between ink and paper; on a page without ink (the two classes
    barely differ) a fixed mid-grey, so paper noise does not become ink.

    Computed from one histogram pass (Otsu over 256 bins is microseconds of numpy).
    """
    import cv2
    import numpy as np

    hist = cv2.calcHist([smooth], [0], None, [256], [0, 256]).ravel().astype(np.float64)
    total = hist.sum()
    if total <= 0:
        return 127
    levels = np.arange(256, dtype=np.float64)
    weight = np.cumsum(hist) / total  # share of pixels at or below each level
    mass = np.cumsum(hist * levels) / total
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mass[-1] * weight - mass) ** 2 / (weight * (1.0 - weight))
    between[~np.isfinite(between)] = -1.0
    cut = int(np.argmax(between))
    dark, light = weight[cut], 1.0 - weight[cut]
    if dark <= 0 or light <= 0:
        return 127
    dark_mean = mass[cut] / dark
    light_mean = (mass[-1] - mass[cut]) / light
    return cut if light_mean - dark_mean >= MIN_CONTRAST else 127


def ink_mask(gray: np.ndarray) -> np.ndarray:
    """Dark-on-light ink as a 0/1 uint8 mask (3×3 median, then ``ink_threshold``)."""
    import cv2

    smooth = cv2.medianBlur(gray, 3)
    _, mask = cv2.threshold(smooth, ink_threshold(smooth), 1, cv2.THRESH_BINARY_INV)
    return mask


def _profile_score(ys: np.ndarray, xs: np.ndarray, angle: float) -> float:
    """Peakiness (sum of squares) of the ink histogram taken along lines at ``angle``."""
    import numpy as np

    proj = ys + xs * math.tan(math.radians(angle))
    hist = np.bincount(np.rint(proj - proj.min()).astype(np.int64)).astype(np.float64)
    return float(np.dot(hist, hist))


def _best_angle(ys: np.ndarray, xs: np.ndarray) -> tuple[float, float]:
    steps = int(MAX_SKEW * 2)
    coarse = [a * 0.5 for a in range(-steps, steps + 1)]
    scores = [_profile_score(ys, xs, a) for a in coarse]
    best = coarse[max(range(len(coarse)), key=scores.__getitem__)]
    fine = [best + d * 0.05 for d in range(-10, 11)]
    fine_scores = [_profile_score(ys, xs, a) for a in fine]
    i = max(range(len(fine)), key=fine_scores.__getitem__)
    return round(fine[i], 2), fine_scores[i]


def find_line_geometry(small: np.ndarray) -> LineGeometry:
    """Whether text lines run across or down ``small`` (a reduced page), and their tilt.

    Ink histograms taken along text lines are very peaky, across them nearly flat; so the
    axis and angle with the peakiest histogram give the line direction (projection-profile
    method, searched on sampled ink pixels with ``np.bincount``, about 1 ms per angle).
    """
    import numpy as np

    ys, xs = np.nonzero(ink_mask(small))
    ink = len(ys)
    if ink < 50:
        return LineGeometry(vertical=False, angle=0.0, strength=1.0, ink=ink)
    if ink > MAX_POINTS:
        pick = np.random.default_rng(0).choice(ink, MAX_POINTS, replace=False)
        ys, xs = ys[pick], xs[pick]
    fy, fx = ys.astype(np.float64), xs.astype(np.float64)
    # Rows grow downwards, so lines rising to the right (a counter-clockwise tilt) satisfy
    # y + x·tan(a) = const.
    h_angle, h_score = _best_angle(fy, fx)
    v_angle, v_score = _best_angle(fx, fy)
    if v_score > h_score:
        return LineGeometry(True, v_angle, v_score / max(h_score, 1.0), ink, h_angle)
    return LineGeometry(False, h_angle, h_score / max(v_score, 1.0), ink, h_angle)


def rotate_quarter(gray: np.ndarray, degrees: int) -> np.ndarray:
    """The image turned clockwise by a multiple of 90 degrees."""
    import cv2

    turns = (degrees // 90) % 4
    if not turns:
        return gray
    code = (cv2.ROTATE_90_CLOCKWISE, cv2.ROTATE_180, cv2.ROTATE_90_COUNTERCLOCKWISE)[turns - 1]
    return cv2.rotate(gray, code)


def deskew(gray: np.ndarray, angle: float) -> np.ndarray:
    """The image turned by ``-angle`` degrees about its centre, same size, corners white.

    Below ``MIN_SKEW`` the image is returned as it is.
    """
    import cv2

    if abs(angle) < MIN_SKEW:
        return gray
    h, w = gray.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2.0, h / 2.0), -angle, 1.0)
    return cv2.warpAffine(
        gray,
        matrix,
        (w, h),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=255,
    )


def clean(gray: np.ndarray, despeckle: bool = True) -> np.ndarray:
    """Binarised (``ink_threshold``) black ink on white; with ``despeckle`` a 3×3 median
    first removes speckle. The median also erases strokes one or two pixels wide, so it
    is only for text of ``DESPECKLE_FROM`` pixels a line or more."""
    import cv2

    smooth = cv2.medianBlur(gray, 3) if despeckle else gray
    _, binary = cv2.threshold(smooth, ink_threshold(smooth), 255, cv2.THRESH_BINARY)
    return binary


DESPECKLE_FROM = 24.0
"""Median text-line height (pixels) from which pages are despeckled and binarised before
OCR (≈ 9 pt at 200 dpi, strokes 3 px or wider). On 300 dpi noisy pages this helps; on
FUNSD's 100 dpi scans the median erased strokes (word recall 0.05 instead of 0.37)."""
ENLARGE_BELOW = 16.0
"""Median text-line height below which Tesseract gets an enlarged grey copy."""
TARGET_LINE_HEIGHT = 20.0
"""Line height the enlarged copy aims at; FUNSD (100 dpi, lines ~11 px) word recall:
0.37 as is, 0.49 at ×1.5, 0.52 at ×1.75, 0.51 at ×2, for 1.3–1.45× Tesseract's time."""
MAX_ENLARGE = 2.0


def ink_contrast(gray: np.ndarray, binary: np.ndarray) -> float | None:
    """Grey levels between the paper and the ink: the median grey of the pixels
    ``binary`` (black on white, aligned with ``gray``) leaves white, less the median of
    those it makes ink; None on a page without ink. Dark print on white paper measures
    over 200; faint thermal print, grey dot-matrix or a grey paper background far less.
    Two masked histograms: a few milliseconds for a 300 dpi page."""
    import cv2
    import numpy as np

    ink = (binary < 128).astype(np.uint8)
    ink_hist = cv2.calcHist([gray], [0], ink, [256], [0, 256]).ravel()
    paper_hist = cv2.calcHist([gray], [0], 1 - ink, [256], [0, 256]).ravel()
    if ink_hist.sum() < 50 or paper_hist.sum() < 50:
        return None

    def median(hist: np.ndarray) -> float:
        return float(np.searchsorted(np.cumsum(hist), hist.sum() / 2.0))

    return median(paper_hist) - median(ink_hist)


def ink_rows(binary: np.ndarray) -> np.ndarray:
    """Ink pixels in each row of a black-on-white ``binary`` image (float64 per row)."""
    import cv2
    import numpy as np

    paper = cv2.reduce(binary, 1, cv2.REDUCE_SUM, dtype=cv2.CV_32S).ravel()
    return (binary.shape[1] * 255.0 - paper.astype(np.float64)) / 255.0


RULE_SHARE = 1 / 15
"""A horizontal run of ink at least this share of the page width is a rule, not text
(at 300 dpi about 14 mm; the widest letter stroke is a few millimetres)."""
RULE_LINES = 8.0
"""…and at least this many text-line heights long: on a 100 dpi scan letters touch, and
the middle rows of a word can be one run of ink as wide as a fifteenth of the page."""


RULE_ROW = 0.8
"""Share of a row's ink in long runs from which the row is a rule and not counted. A lower
share also drops rows of text crossed by a box edge or stippled shading: FUNSD scans
turned four ways came back upright 157/160 at 0.5, 160/160 at 0.8."""


def text_ink_rows(binary: np.ndarray, line_height: float | None = None) -> np.ndarray:
    """``ink_rows`` of ``binary`` with the rows that are mostly horizontal rule zeroed.

    Fill-in lines and underlines sit just below the text they belong to; counted as ink
    they look like descenders, and a sparse page of labels over rules then read as
    upside down (form-0013 page 2 of the synthetic corpus). A dilation of the paper with
    a wide one-row kernel leaves ink only inside runs at least that long, from which each
    run's full length is recovered. On large text (``line_height`` ≥ 20 px) every other
    column is enough (a rule stays continuous): ~10 ms for a 300 dpi page, not ~55 ms.
    """
    import cv2
    import numpy as np

    rows = ink_rows(binary)
    step = 2 if line_height is not None and line_height >= 20 else 1
    sampled = np.ascontiguousarray(binary[:, ::step]) if step > 1 else binary
    length = max(8.0, binary.shape[1] * RULE_SHARE, RULE_LINES * (line_height or 0.0))
    length = int(length / step)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1))
    paper = cv2.dilate(sampled, kernel)
    paper_sum = cv2.reduce(paper, 1, cv2.REDUCE_SUM, dtype=cv2.CV_32S).ravel()
    core = sampled.shape[1] - paper_sum / 255.0
    for y in np.nonzero(core > 0.5)[0]:
        inked = np.concatenate(([0], (paper[y] == 0).astype(np.int8), [0]))
        runs = int(np.count_nonzero(np.diff(inked) == 1))
        if step * (core[y] + runs * (length - 1)) >= RULE_ROW * rows[y]:
            rows[y] = 0.0
    return rows


def text_lines(rows: np.ndarray) -> list[tuple[int, int]]:
    """Start and end rows of the runs of inked rows (text lines on an upright page)."""
    import numpy as np

    if rows.size == 0 or rows.max() <= 0:
        return []
    inked = rows > max(1.0, float(rows.max()) * 0.02)
    edges = np.diff(np.concatenate(([0], inked.astype(np.int8), [0])))
    starts, ends = np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]
    return [(int(a), int(b)) for a, b in zip(starts, ends, strict=True) if b - a >= 4]


def without_black_margins(binary: np.ndarray) -> np.ndarray:
    """``binary`` with every row and column that is mostly ink made white: the black
    margins of a photocopied or microfilmed page would otherwise join all its text lines
    into one (FUNSD 0001239897: a 462-pixel "line", then despeckled to nothing)."""
    ink = binary < 128
    rows, cols = ink.mean(axis=1) > 0.5, ink.mean(axis=0) > 0.5
    if not rows.any() and not cols.any():
        return binary
    page = binary.copy()
    page[:, cols] = 255
    page[rows, :] = 255
    return page


def line_height(binary: np.ndarray) -> float | None:
    """Median height in pixels of the text lines of an upright black-on-white image."""
    import numpy as np

    heights = [end - start for start, end in text_lines(ink_rows(without_black_margins(binary)))]
    return float(np.median(heights)) if heights else None


def ocr_input(
    upright: np.ndarray, binary: np.ndarray, height: float | None
) -> tuple[np.ndarray, float]:
    """The image to hand Tesseract, and how much larger it is than ``upright``.

    By text-line ``height``: large text gets ``binary`` (despeckled); middling text the
    grey page, which Tesseract thresholds itself; small text (low-resolution scans,
    photos) an enlarged grey copy (cubic), which recovers strokes thresholding loses.
    """
    import cv2

    if height is None or height >= DESPECKLE_FROM:
        return binary, 1.0
    if height >= ENLARGE_BELOW:
        return upright, 1.0
    factor = min(MAX_ENLARGE, TARGET_LINE_HEIGHT / height)
    larger = cv2.resize(upright, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
    return larger, factor
