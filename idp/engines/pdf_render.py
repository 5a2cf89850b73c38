"""PDF documents through pypdfium2: open, page sizes, character counts and rendering.

PDFium is not thread-safe, so every call into it goes through ``PDFIUM_LOCK``; the calls
are short (a few milliseconds a page), so holding the lock costs the OCR threads little.
"""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING, Any

from idp.errors import CorruptFileError, EncryptedFileError, LimitExceededError

if TYPE_CHECKING:
    import numpy as np

PDFIUM_LOCK = threading.RLock()
"""Serialises all PDFium calls in the process."""

# PDFium's FPDF_GetLastError codes for a document that fails to load.
_ERR_FORMAT = 3
_ERR_PASSWORD = 4
_ERR_SECURITY = 5


class PdfiumDocument:
    """One open PDF: page count, page geometry, text presence, grayscale rendering."""

    def __init__(self, data: bytes) -> None:
        """Open ``data``; raises ``EncryptedFileError`` or ``CorruptFileError``."""
        import pypdfium2 as pdfium

        with PDFIUM_LOCK:
            try:
                self._pdf = pdfium.PdfDocument(data)
            except pdfium.PdfiumError as exc:
                raise _load_error(exc, data) from None
            self.page_count = len(self._pdf)

    def page_size(self, index: int) -> tuple[float, float]:
        """Width and height in points of page ``index`` as displayed (after /Rotate)."""
        with PDFIUM_LOCK:
            width, height = self._pdf.get_page_size(index)
        return float(width), float(height)

    def page(self, index: int) -> Any:
        """The pypdfium2 page (call only while holding ``PDFIUM_LOCK``)."""
        return self._pdf[index]

    def render_gray(self, index: int, dpi: float, max_pixels: int | None = None) -> np.ndarray:
        """Page ``index`` rendered at ``dpi`` as a grayscale uint8 array, /Rotate applied.

        With ``max_pixels``, a page holding an image larger than that is refused with
        ``LimitExceededError`` before rendering: a 200 KB PDF can carry a 1.6-gigapixel
        image (PDFium decodes it whole, seconds and hundreds of MB for one page).
        """
        with PDFIUM_LOCK:
            page = self._pdf[index]
            try:
                if max_pixels is not None:
                    _check_images(page, max_pixels)
                bitmap = page.render(scale=dpi / 72.0, grayscale=True, may_draw_forms=False)
                # to_numpy() is a view on PDFium's buffer: copy before the bitmap goes.
                array = bitmap.to_numpy().copy()
                bitmap.close()
            finally:
                page.close()
        return array.reshape(array.shape[0], array.shape[1])

    def close(self) -> None:
        """Release PDFium's memory for this document."""
        with PDFIUM_LOCK:
            self._pdf.close()


def _check_images(page: Any, max_pixels: int) -> None:
    import pypdfium2.raw as pdfium_c

    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=4):
        width, height = obj.get_px_size()
        if width * height > max_pixels:
            raise LimitExceededError(
                f"page holds a {width}×{height}-pixel image, more than the limit of "
                f"{max_pixels} pixels"
            )


def _load_error(exc: Exception, data: bytes) -> Exception:
    # PDFium's last-error code is not reset by a failed load that sets none (an empty page
    # tree fails with the previous call's code), so the file itself is checked too.
    code = getattr(exc, "err_code", None)
    encrypted = b"/Encrypt" in data
    if code in (_ERR_PASSWORD, _ERR_SECURITY) and not encrypted:
        code = None
    if not encrypted and re.search(rb"/Type\s*/Pages\b[^>]*/Count\s+0\b", data):
        return CorruptFileError("PDF has no pages")
    if code == _ERR_PASSWORD:
        return EncryptedFileError("PDF is password-protected")
    if code == _ERR_SECURITY:
        return EncryptedFileError("PDF uses an encryption scheme that cannot be opened")
    if code == _ERR_FORMAT:
        return CorruptFileError("PDF is damaged or not a PDF (its structure cannot be read)")
    return CorruptFileError("PDF cannot be opened")
