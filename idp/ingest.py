"""Ingest: recognise the file by its content, hash it, check limits, split into pages.

``open_document`` is the only entry point. It trusts the bytes, not the file name, and
turns every way an upload can be wrong (empty, unsupported, damaged, encrypted, too big)
into one ``InputError`` subclass with a one-line message that says what is wrong.
Page images are decoded lazily by the reading stage, except the first page of an image
file: decoding it here makes a truncated JPEG or PNG fail the document at once.
"""

from __future__ import annotations

import hashlib
import io
import logging
import threading
import warnings
from typing import TYPE_CHECKING, Any

from idp.errors import (
    CorruptFileError,
    EmptyFileError,
    LimitExceededError,
    UnsupportedTypeError,
)
from idp.settings import LimitSettings

if TYPE_CHECKING:
    import numpy as np

    from idp.engines.pdf_render import PdfiumDocument
    from idp.engines.pdf_text import PdfiumTextLayer

log = logging.getLogger(__name__)

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
TIFF = "image/tiff"
SUPPORTED = (PDF, JPEG, PNG, TIFF)
_ASK_FOR = "send a PDF, JPEG, PNG or TIFF file"


def sniff_media_type(data: bytes) -> str:
    """The media type of ``data`` from its magic bytes, or ``UnsupportedTypeError``
    naming what the file seems to be."""
    head = data[:16]
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return TIFF
    what = describe_unsupported(data)
    # PDF readers accept junk before the header, but a file that is clearly something
    # else (a ZIP holding a PDF) is not a PDF.
    if what in ("plain text", "an unrecognised binary format") and b"%PDF-" in data[:1024]:
        return PDF
    raise UnsupportedTypeError(f"{what} is not supported; {_ASK_FOR}")


def describe_unsupported(data: bytes) -> str:
    """A reader's name for a file type the service does not take ("a Word document")."""
    head = data[:16]
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        if b"word/" in data[:65536]:
            return "a Word document (DOCX)"
        if b"xl/" in data[:65536]:
            return "an Excel workbook (XLSX)"
        if b"ppt/" in data[:65536]:
            return "a PowerPoint file (PPTX)"
        return "a ZIP archive"
    signatures: list[tuple[bytes, str]] = [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office file (DOC/XLS/PPT)"),
        (b"GIF87a", "a GIF image"),
        (b"GIF89a", "a GIF image"),
        (b"MZ", "a Windows program"),
        (b"\x7fELF", "a Linux program"),
        (b"\x1f\x8b", "a gzip archive"),
        (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
        (b"Rar!", "a RAR archive"),
        (b"{\\rtf", "an RTF document"),
        (b"%!PS", "a PostScript file"),
        (b"\x00\x00\x00\x0cjP  ", "a JPEG 2000 image"),
    ]
    for magic, name in signatures:
        if head.startswith(magic):
            return name
    if head[:2] == b"BM" and head[6:10] == b"\x00\x00\x00\x00":  # reserved fields are 0
        return "a BMP image"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "a WebP image"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        return "a HEIC/AVIF image" if brand in (b"heic", b"heix", b"avif", b"mif1") else (
            "a video or MP4 file"
        )
    text = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html")) or b"<html" in text[:512]:
        return "an HTML page"
    if b"<svg" in text[:1024]:
        return "an SVG image"
    if text.startswith(b"<?xml"):
        return "an XML file"
    if b"\x00" not in data[:4096]:
        try:
            data[:4096].decode("utf-8")
            return "plain text"
        except UnicodeDecodeError as exc:
            if exc.start >= 4090:  # a multi-byte character cut at the sample's end
                return "plain text"
    return "an unrecognised binary format"


class IngestedDocument:
    """An opened upload: what it is, its hash and size, and access to its pages."""

    def __init__(
        self,
        *,
        filename: str,
        media_type: str,
        sha256: str,
        size: int,
        page_count: int,
        pdf: PdfiumDocument | None = None,
        image: Any = None,
        first_page: np.ndarray | None = None,
        dpi: list[float | None] | None = None,
        pixels: list[int] | None = None,
    ) -> None:
        self.filename = filename
        self.media_type = media_type
        self.sha256 = sha256
        self.size = size
        self.page_count = page_count
        self.pdf = pdf
        self._image = image
        self._pages: dict[int, np.ndarray] = {} if first_page is None else {0: first_page}
        self._dpi = dpi or []
        self._pixels = pixels or []
        self._lock = threading.Lock()
        self._text_layer: PdfiumTextLayer | None = None

    @property
    def is_pdf(self) -> bool:
        """True for PDFs, False for image files."""
        return self.pdf is not None

    @property
    def text_layer(self) -> PdfiumTextLayer:
        """The PDF's text-layer reader (PDFs only)."""
        from idp.engines.pdf_text import PdfiumTextLayer

        if self.pdf is None:
            raise TypeError("not a PDF")
        if self._text_layer is None:
            self._text_layer = PdfiumTextLayer(self.pdf)
        return self._text_layer

    def image_page(self, index: int) -> tuple[np.ndarray, float | None]:
        """Page ``index`` of an image file as grayscale uint8, and its dpi if recorded.

        Raises ``CorruptFileError`` if that page cannot be decoded. Thread-safe: frames
        of one TIFF share a file position, so decoding is serialised.
        """
        with self._lock:
            page = self._pages.pop(index, None)
            if page is None:
                page = _decode_frame(self._image, index)
        return page, self._dpi[index] if index < len(self._dpi) else None

    def page_pixels(self, index: int, dpi: float) -> int:
        """Pixels page ``index`` takes once decoded (an image file's own size) or rendered
        at ``dpi`` (a PDF page, from its page box: nothing is drawn to find out)."""
        if self.pdf is None:
            return self._pixels[index] if index < len(self._pixels) else 0
        width, height = self.pdf.page_size(index)
        return round(width * height * (dpi / 72.0) ** 2)

    def close(self) -> None:
        """Release the PDF engine and decoded images."""
        if self.pdf is not None:
            self.pdf.close()
            self.pdf = None
        if self._image is not None:
            self._image.close()
            self._image = None
        self._pages.clear()


def open_document(data: bytes, filename: str, limits: LimitSettings) -> IngestedDocument:
    """Recognise, hash and open ``data``; raise an ``InputError`` subclass if it cannot be
    processed (empty, unsupported type, damaged, encrypted, over a limit)."""
    size = len(data)
    if size == 0:
        raise EmptyFileError("file is empty (0 bytes)")
    if size > limits.max_bytes:
        raise LimitExceededError(
            f"file is {size} bytes, more than the limit of {limits.max_bytes} bytes"
        )
    if not data.strip(b" \t\r\n\x00"):
        raise EmptyFileError("file holds only blank bytes")
    media_type = sniff_media_type(data)
    sha256 = hashlib.sha256(data).hexdigest()
    common = {"filename": filename, "media_type": media_type, "sha256": sha256, "size": size}
    if media_type == PDF:
        return _open_pdf(data, limits, common)
    return _open_image(data, media_type, limits, common)


def _open_pdf(data: bytes, limits: LimitSettings, common: dict[str, Any]) -> IngestedDocument:
    from idp.engines.pdf_render import PdfiumDocument

    pdf = PdfiumDocument(data)
    try:
        count = pdf.page_count
        if count == 0:
            raise CorruptFileError("PDF has no pages")
        if count > limits.max_pages:
            raise LimitExceededError(
                f"PDF has {count} pages, more than the limit of {limits.max_pages}"
            )
        for index in range(count):
            width, height = pdf.page_size(index)
            if max(width, height) > limits.max_page_points:
                raise LimitExceededError(
                    f"page {index + 1} is {width:.0f} × {height:.0f} points, larger than "
                    f"the limit of {limits.max_page_points:.0f} points a side"
                )
            if width * height > limits.max_page_area:
                # every page is rendered, text-layer pages too: refuse from the page box
                raise LimitExceededError(
                    f"page {index + 1} is {width:.0f} × {height:.0f} points, more than the "
                    f"limit of {limits.max_page_area:,.0f} square points"
                )
            _check_page_objects(pdf, index, limits)
    except Exception:
        pdf.close()
        raise
    return IngestedDocument(page_count=count, pdf=pdf, **common)


def _check_page_objects(pdf: PdfiumDocument, index: int, limits: LimitSettings) -> None:
    """Refuse a page whose form XObjects nest deeper than ``max_form_depth`` or that draws
    more than ``max_page_objects`` objects (each use of a form counted again).

    The walk goes one level past the depth limit, so a deeper form is seen and refused
    rather than left unchecked; PDFium does not expand a form that contains itself. Images
    are size-checked when the page is read (``PdfiumDocument.render_gray``), at every depth
    this check allows, so an oversized image fails its page, not the whole document.
    """
    from idp.engines.pdf_render import PDFIUM_LOCK

    page_no = index + 1
    with PDFIUM_LOCK:
        page = pdf.page(index)
        try:
            objects = page.get_objects(max_depth=limits.max_form_depth + 2)
            for seen, obj in enumerate(objects, start=1):
                if seen > limits.max_page_objects:
                    raise LimitExceededError(
                        f"page {page_no} draws more than {limits.max_page_objects} objects"
                    )
                if obj.level > limits.max_form_depth:
                    raise LimitExceededError(
                        f"page {page_no} nests form XObjects more than "
                        f"{limits.max_form_depth} deep"
                    )
        finally:
            page.close()


def _open_image(
    data: bytes, media_type: str, limits: LimitSettings, common: dict[str, Any]
) -> IngestedDocument:
    from PIL import Image

    kind = media_type.split("/")[1].upper()
    # Pillow's own bomb guard is process-wide; only ever raise it, so a configured limit
    # above Pillow's default is not refused by Pillow first. The size check below is ours.
    if Image.MAX_IMAGE_PIXELS is not None and limits.max_pixels > Image.MAX_IMAGE_PIXELS:
        Image.MAX_IMAGE_PIXELS = limits.max_pixels
    try:
        with warnings.catch_warnings():
            # Pillow warns about damaged metadata and big images on stderr; the checks
            # below give the one-line reason instead.
            warnings.simplefilter("ignore")
            image = Image.open(io.BytesIO(data))
            frames = getattr(image, "n_frames", 1)
    except Image.DecompressionBombError:
        raise LimitExceededError(
            f"{kind} image has more than {limits.max_pixels} pixels"
        ) from None
    except Exception:
        raise CorruptFileError(f"{kind} image is damaged (its header cannot be read)") from None
    try:
        if frames > limits.max_pages:
            raise LimitExceededError(
                f"{kind} has {frames} pages, more than the limit of {limits.max_pages}"
            )
        dpi: list[float | None] = []
        pixels: list[int] = []
        for index in range(frames):
            _seek(image, index, kind)
            width, height = image.size
            if width <= 0 or height <= 0:
                raise CorruptFileError(f"{kind} page {index + 1} has no pixels ({width}×{height})")
            if width * height > limits.max_pixels:
                raise LimitExceededError(
                    f"{kind} page {index + 1} is {width}×{height} pixels, more than the "
                    f"limit of {limits.max_pixels} pixels"
                )
            dpi.append(_image_dpi(image))
            pixels.append(width * height)
        if sum(pixels) > limits.max_document_pixels:
            raise LimitExceededError(
                f"{kind} pages hold {sum(pixels):,} pixels in all, more than the limit of "
                f"{limits.max_document_pixels:,} pixels a document"
            )
        first = _decode_frame(image, 0)
    except Exception:
        image.close()
        raise
    return IngestedDocument(
        page_count=frames, image=image, first_page=first, dpi=dpi, pixels=pixels, **common
    )


def _seek(image: Any, index: int, kind: str) -> None:
    try:
        image.seek(index)
    except Exception:
        raise CorruptFileError(f"{kind} page {index + 1} cannot be read") from None


def _image_dpi(image: Any) -> float | None:
    """The recorded resolution, or None when absent or implausible (many files say 72
    or 1 for "unknown"; Tesseract then estimates it from the text)."""
    dpi = image.info.get("dpi")
    try:
        value = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        return None
    # PNG stores pixels per metre, so 300 dpi comes back as 299.9994
    return float(round(value)) if 100 <= value <= 2400 else None


def _decode_frame(image: Any, index: int) -> np.ndarray:
    """Frame ``index`` as an upright (EXIF-applied) grayscale uint8 array."""
    import numpy as np
    from PIL import Image, ImageOps

    kind = (image.format or "image").upper()
    _seek(image, index, kind)
    try:
        frame = image.copy() if getattr(image, "n_frames", 1) > 1 else image
        frame.load()
        frame = ImageOps.exif_transpose(frame)
        if frame.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
            array = np.asarray(frame, dtype=np.float64)
            span = float(array.max() - array.min()) or 1.0
            return ((array - array.min()) * (255.0 / span)).astype(np.uint8)
        if frame.mode in ("RGBA", "LA", "PA") or (
            frame.mode == "P" and "transparency" in frame.info
        ):
            rgba = frame.convert("RGBA")
            white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            frame = Image.alpha_composite(white, rgba)
        return np.asarray(frame.convert("L"))
    except Exception as exc:
        log.debug("decoding %s page %s failed: %s", kind, index + 1, exc)
        where = f" page {index + 1}" if getattr(image, "n_frames", 1) > 1 else ""
        raise CorruptFileError(f"{kind} image{where} is truncated or damaged") from None
