"""PDF documents through pypdfium2: open, page sizes, images and rendering.

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

MAX_FORM_WALK = 64
"""Form XObject depth the image-size check descends to (beyond any depth ingest allows)."""

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

    def image_coverage(self, index: int) -> float:
        """Share of page ``index`` covered by its largest image (0 when it has none)."""
        import pypdfium2.raw as pdfium_c

        with PDFIUM_LOCK:
            page = self._pdf[index]
            try:
                width, height = page.get_size()
                best = 0.0
                for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=4):
                    left, bottom, right, top = obj.get_bounds()
                    w = min(right, width) - max(left, 0.0)
                    h = min(top, height) - max(bottom, 0.0)
                    if w > 0 and h > 0:
                        best = max(best, w * h / (width * height))
            finally:
                page.close()
        return min(best, 1.0)

    def scan_image(
        self, index: int, dpi: float, max_pixels: int | None = None
    ) -> tuple[np.ndarray, float]:
        """Page ``index`` of a scanned PDF as grayscale uint8, and its resolution.

        A page that is nothing but one image covering it (what scanners write) gives that
        image at its own resolution through PDFium's image bitmap, with masks applied:
        2–5× cheaper than rendering the page, and no resampling blur. An image much finer
        than ``dpi`` is reduced to ``dpi``. Any other page is rendered at ``dpi``.
        """
        with PDFIUM_LOCK:
            page = self._pdf[index]
            try:
                if max_pixels is not None:
                    _check_images(page, max_pixels)
                found = _sole_page_image(page)
            finally:
                page.close()
        if found is None:
            return self.render_gray(index, dpi, max_pixels), dpi
        gray, native_dpi = found
        if native_dpi > dpi * 1.4:
            import cv2

            factor = dpi / native_dpi
            gray = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
            native_dpi = dpi
        return gray, round(native_dpi, 1)

    def close(self) -> None:
        """Release PDFium's memory for this document."""
        with PDFIUM_LOCK:
            self._pdf.close()


def _sole_page_image(page: Any) -> tuple[np.ndarray, float] | None:
    """The page's only object if it is an image covering ≥ 95 % of the page, as grey
    uint8 at native resolution with its dpi; None for any other page."""
    import cv2
    import numpy as np
    import pypdfium2.raw as pdfium_c

    if page.get_rotation() % 360:
        return None
    objects = list(page.get_objects(max_depth=1))
    if len(objects) != 1 or objects[0].type != pdfium_c.FPDF_PAGEOBJ_IMAGE:
        return None
    image = objects[0]
    width, height = page.get_size()
    left, bottom, right, top = image.get_bounds()
    visible_w = min(right, width) - max(left, 0.0)
    visible_h = min(top, height) - max(bottom, 0.0)
    if visible_w <= 0 or visible_h <= 0 or visible_w * visible_h < 0.95 * width * height:
        return None
    # render=True applies the image's masks and decode array, at the image's own size;
    # the bitmap is PDFium's, so it is copied out and left to pypdfium2 to free.
    array = image.get_bitmap(render=True).to_numpy()
    if array.ndim == 2:
        gray = array.copy()
    elif array.shape[2] == 4:
        gray = cv2.cvtColor(array, cv2.COLOR_BGRA2GRAY)
        alpha = np.ascontiguousarray(array[..., 3])
        if alpha.min() < 255:
            # transparent parts show the white page: darkness scaled by coverage
            ink = cv2.multiply(255 - gray, alpha, scale=1.0 / 255.0)
            gray = 255 - ink
    else:
        gray = cv2.cvtColor(array, cv2.COLOR_BGR2GRAY)
    return gray, gray.shape[1] / ((right - left) / 72.0)


def _check_images(page: Any, max_pixels: int) -> None:
    import pypdfium2.raw as pdfium_c

    # Every depth ingest lets through (it refuses forms nested deeper than
    # limits.max_form_depth): an image six forms down must not escape the check.
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=MAX_FORM_WALK):
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
