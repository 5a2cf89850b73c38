"""Tesseract through pytesseract: one ``image_to_data`` call per page, words with boxes."""

from __future__ import annotations

import functools
import logging
import os
import subprocess
import tempfile
from typing import TYPE_CHECKING

from idp.datamodel import Word
from idp.errors import EngineError

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)


class TesseractOcr:
    """Reads words, boxes and confidences from a page image with the Tesseract CLI."""

    def __init__(self, languages: str = "eng", timeout_s: float = 120.0, psm: int = 3) -> None:
        """Raises ``EngineError`` if a language pack in ``languages`` is not installed."""
        self.languages = languages
        self.timeout_s = timeout_s
        self.psm = psm
        # Tesseract's OpenMP threads make it 3–4× slower on two cores; pytesseract hands
        # os.environ to the subprocess, so this must be set before the first call.
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")
        installed = installed_languages()
        missing = [lang for lang in languages.split("+") if lang and lang not in installed]
        if missing:
            raise EngineError(
                f"Tesseract language pack {', '.join(missing)} is not installed "
                f"(installed: {', '.join(sorted(installed)) or 'none'})"
            )

    def read(self, image: np.ndarray, dpi: float | None = None) -> list[Word]:
        """Words on ``image`` (grey uint8) in its pixel coordinates, confidence 0–1.

        The image is written once as uncompressed BMP (~6 ms) and Tesseract is given the
        path: letting pytesseract re-encode a PIL image as PNG costs ~0.2 s, and Leptonica
        reads PGM about 0.2 s slower than BMP for a 300 dpi page (measured).
        Raises ``EngineError`` when Tesseract fails or runs past the timeout.
        """
        import cv2
        import pytesseract

        config = f"--psm {self.psm}"
        if dpi:
            config += f" --dpi {round(dpi)}"
        with tempfile.TemporaryDirectory(prefix="idp-ocr-") as tmp:
            path = os.path.join(tmp, "page.bmp")
            if not cv2.imwrite(path, image):
                raise EngineError("could not write the page image for OCR")
            try:
                data = pytesseract.image_to_data(
                    path,
                    lang=self.languages,
                    config=config,
                    timeout=self.timeout_s,
                    output_type=pytesseract.Output.DICT,
                )
            except RuntimeError as exc:  # pytesseract's timeout
                raise EngineError(f"OCR took longer than {self.timeout_s:g} s") from exc
            except pytesseract.TesseractNotFoundError as exc:
                raise EngineError("the tesseract program is not installed") from exc
            except (pytesseract.TesseractError, subprocess.SubprocessError, OSError) as exc:
                raise EngineError(f"tesseract failed: {str(exc).strip()[:200]}") from exc
        return words_from_data(data)


@functools.lru_cache(maxsize=1)
def installed_languages() -> frozenset[str]:
    """Tesseract's installed language packs (asked once per process).

    Read from ``tesseract --list-langs`` directly: ``pytesseract.get_languages()`` drops
    capitalised names, so script models such as ``Latin`` looked missing.
    """
    import pytesseract

    try:
        listing = subprocess.run(
            [pytesseract.pytesseract.tesseract_cmd, "--list-langs"],
            capture_output=True, text=True, timeout=30, check=True,
        ).stdout
    except FileNotFoundError as exc:
        raise EngineError("the tesseract program is not installed") from exc
    except (OSError, subprocess.SubprocessError) as exc:
        raise EngineError(f"tesseract cannot list its languages: {exc}") from exc
    return frozenset(line.strip() for line in listing.splitlines()[1:] if line.strip())


def words_from_data(data: dict[str, list]) -> list[Word]:
    """Words from pytesseract's ``image_to_data`` dict, dropping empty words and the
    non-word rows (page, block, line) that carry confidence -1."""
    words: list[Word] = []
    for text, conf, left, top, width, height in zip(
        data["text"],
        data["conf"],
        data["left"],
        data["top"],
        data["width"],
        data["height"],
        strict=True,
    ):
        text = str(text).strip()
        confidence = float(conf)
        if not text or confidence < 0:
            continue
        x0, y0 = float(left), float(top)
        words.append(
            Word(
                text=text,
                bbox=(x0, y0, x0 + float(width), y0 + float(height)),
                confidence=round(min(confidence, 100.0) / 100.0, 4),
            )
        )
    return words
