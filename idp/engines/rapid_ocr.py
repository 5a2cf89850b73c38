"""PP-OCRv6 through rapidocr: text-line detection and recognition (ONNX models inside the
``rapidocr`` wheel, nothing downloaded), words with boxes and confidences.

Same interface as ``TesseractOcr``: ``read(image, dpi) -> list[Word]``. It reads small,
noisy print far better than Tesseract (FUNSD 100 dpi forms: word recall 0.63 against
0.48) at several times the cost, so the reading stage gives it the pages whose text is
small (see ``idp.reading``).

Each thread keeps its own engine: the ``RapidOCR`` object keeps per-call settings on
itself, and onnxruntime runs one thread per engine (on two shared cores its own thread
pool only adds contention). The library's coloured log lines are routed through
``logging`` like every other library's.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from typing import TYPE_CHECKING, Any

from idp.datamodel import Word
from idp.errors import EngineError

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

_local = threading.local()
_logging_routed = False


def _route_library_logging() -> None:
    """rapidocr logs to its own coloured stderr handler; hand its records to ours."""
    global _logging_routed
    if _logging_routed:
        return
    library = logging.getLogger("RapidOCR")
    for handler in list(library.handlers):
        library.removeHandler(handler)
    library.propagate = True
    # Its INFO lines (model files found, engine chosen) repeat on every load.
    library.setLevel(logging.WARNING)
    _logging_routed = True


def _engine() -> Any:
    """This thread's ``RapidOCR`` instance (created on first use, ~0.3 s)."""
    engine = getattr(_local, "engine", None)
    if engine is None:
        try:
            from rapidocr import RapidOCR
        except ImportError as exc:
            raise EngineError("the rapidocr package is not installed") from exc
        _route_library_logging()
        engine = RapidOCR(
            params={
                "Global.log_level": "warning",
                "EngineConfig.onnxruntime.intra_op_num_threads": 1,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            }
        )
        _route_library_logging()  # creating it may have added its handler again
        _local.engine = engine
    return engine


class RapidOcr:
    """Reads words, boxes and confidences from a page image with PP-OCRv6 (rapidocr)."""

    name = "rapidocr"

    def __init__(self, timeout_s: float = 120.0) -> None:
        """``timeout_s`` is checked after the call: onnxruntime cannot be interrupted, so
        a page that took longer fails instead of its words being used late."""
        self.timeout_s = timeout_s

    def read(self, image: np.ndarray, dpi: float | None = None) -> list[Word]:
        """Words on ``image`` (grey or BGR uint8) in its pixel coordinates, confidence 0–1.

        The page is taken as upright (orientation is decided before OCR), so rapidocr's
        per-line 180° classifier is skipped. Raises ``EngineError`` when the engine fails.
        """
        import cv2

        colour = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.ndim == 2 else image
        started = time.perf_counter()
        try:
            output = _engine()(colour, use_cls=False, return_word_box=True)
        except EngineError:
            raise
        except Exception as exc:  # the library raises bare exceptions of every kind
            raise EngineError(f"rapidocr failed: {type(exc).__name__}: {exc}"[:200]) from exc
        if time.perf_counter() - started > self.timeout_s:
            raise EngineError(f"OCR took longer than {self.timeout_s:g} s")
        return words_from_output(output)


def words_from_output(output: Any) -> list[Word]:
    """Words from a ``RapidOCROutput``: each word's quadrilateral as an upright box.

    Lines whose word boxes could not be computed become one word per line part split on
    spaces, sharing the line's box in proportion to their length.
    """
    words: list[Word] = []
    txts = getattr(output, "txts", None)
    if not txts:
        return words
    boxes, scores = output.boxes, output.scores
    word_results = getattr(output, "word_results", None) or ()
    by_line = len(word_results) == len(txts)
    for index, text in enumerate(txts):
        line_words = word_results[index] if by_line else ()
        if line_words:
            for word_text, score, quad in line_words:
                if quad is None:
                    continue
                words.extend(_word(word_text, float(score), _bbox(quad)))
        else:
            words.extend(_spread(str(text), float(scores[index]), _bbox(boxes[index])))
    return words


def _bbox(quad: Any) -> tuple[float, float, float, float]:
    xs = [float(p[0]) for p in quad]
    ys = [float(p[1]) for p in quad]
    return (min(xs), min(ys), max(xs), max(ys))


GLUED_AT_SLASH = re.compile(r"(?<=[^\W\d_]{2}/)(?=[^\W\d_]{2})")
"""A slash between two words ("Name/Phone", "Supervisor/Manager"): PP-OCRv6 reads the
pair as one word; the slash stays with the first (as printed forms are transcribed)."""
GLUED_AT_COLON = re.compile(r"(?<=[^\W\d_]:)(?=[^\W_])|(?<=#:)(?=[^\W_])")
"""A label and its value read as one word ("Date:15/06/2017", "ID:000849813504",
"Invoice#:OR1803"): printed labels are followed by a space that PP-OCRv6 often drops.
Only after a letter (or ``#``): times ("15:28:00") stay whole. The colon stays with the
label. SROIE receipts (40): word recall 0.869 -> 0.879."""


def _word(text: str, score: float, bbox: tuple[float, float, float, float]) -> list[Word]:
    text = text.strip()
    if not text:
        return []
    glued = GLUED_AT_COLON.sub(" ", GLUED_AT_SLASH.sub(" ", text))
    if " " in glued:
        return _spread(glued, score, bbox)
    x0, y0, x1, y1 = bbox
    if x1 <= x0 or y1 <= y0:
        return []
    return [Word(text=text, bbox=(round(x0, 1), round(y0, 1), round(x1, 1), round(y1, 1)),
                 confidence=round(min(max(score, 0.0), 1.0), 4))]


def _spread(text: str, score: float, bbox: tuple[float, float, float, float]) -> list[Word]:
    """Space-separated parts of ``text`` laid over ``bbox`` by their share of characters."""
    parts = text.split()
    if not parts:
        return []
    x0, y0, x1, y1 = bbox
    total = len(" ".join(parts))
    step = (x1 - x0) / max(total, 1)
    out: list[Word] = []
    offset = 0
    for part in parts:
        left = x0 + offset * step
        out.extend(_word(part, score, (left, y0, left + len(part) * step, y1)))
        offset += len(part) + 1
    return out


FIT_PAD = 2
"""Pixels left around the ink of a fitted word box: word boxes conventionally stand a
little off the letters (FUNSD's gold boxes do; recall 0.669 at 2 px, 0.608 at 0)."""
FIT_ROW_SHARE = 0.15
"""Rows of a word box with less than this share of its densest row's ink are left out:
they are the descenders and ascenders of the lines above and below, which a box grown
around a tightly set line takes in."""


def _word_rows(per_row: np.ndarray) -> tuple[int, int]:
    """First and last row of the word in a box whose rows hold ``per_row`` ink pixels:
    of the runs of inked rows (split by blank rows), the one with the most ink, less
    its rows with under ``FIT_ROW_SHARE`` of the densest row's ink. Strokes of the lines
    above and below that the box takes in are mostly a run of their own; only the
    letters' own columns are then measured (FUNSD, 4 unskewed forms: word recall 0.730
    with every row over the share counted, 0.806 with the word's run only)."""
    import numpy as np

    inked = np.concatenate(([0], (per_row > 0).astype(np.int8), [0]))
    edges = np.diff(inked)
    starts, ends = np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]
    best = max(range(len(starts)), key=lambda i: int(per_row[starts[i] : ends[i]].sum()))
    start, end = int(starts[best]), int(ends[best])
    rows = np.nonzero(per_row[start:end] >= FIT_ROW_SHARE * per_row.max())[0]
    if rows.size == 0:
        return start, end - 1
    return start + int(rows[0]), start + int(rows[-1])


def fit_boxes_to_ink(words: list[Word], binary: np.ndarray) -> list[Word]:
    """Each word's box fitted to the ink inside it on ``binary`` (black on white).

    PP-OCRv6 detection boxes are grown around the text (its "unclip"), and word boxes are
    cut from them by character positions, so they stand off the letters and take in the
    neighbouring lines' strokes; a short word's box then hardly overlaps the word. FUNSD
    word recall (IoU >= 0.5): 0.653 as given, 0.680 fitted. A box with no ink is kept.
    """
    import numpy as np

    height, width = binary.shape[:2]
    fitted: list[Word] = []
    for word in words:
        x0, y0, x1, y1 = (int(round(v)) for v in word.bbox)
        x0, y0 = max(0, x0), max(0, y0)
        x1, y1 = min(width, x1), min(height, y1)
        if x1 - x0 < 2 or y1 - y0 < 2:
            fitted.append(word)
            continue
        ink = binary[y0:y1, x0:x1] < 128
        per_row = ink.sum(axis=1)
        if per_row.max() == 0:
            fitted.append(word)
            continue
        top, bottom = _word_rows(per_row)
        cols = np.nonzero(ink[top : bottom + 1].sum(axis=0) > 0)[0]
        box = (
            float(max(0, x0 + cols[0] - FIT_PAD)),
            float(max(0, y0 + top - FIT_PAD)),
            float(min(width, x0 + cols[-1] + 1 + FIT_PAD)),
            float(min(height, y0 + bottom + 1 + FIT_PAD)),
        )
        fitted.append(word.model_copy(update={"bbox": box}))
    return fitted
