"""What the pipeline's stages share besides the result: heavy, transient, never serialised.

``ProcessingResult`` is the document's outcome and is written out as the record; the raw
bytes, the opened document, the page reader (with its OCR engine) and the image of the page
being worked on live here instead, as typed attributes, and the cleanup stage lets go of
them whatever happened before.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from idp.datamodel import Page
    from idp.errors import IdpError
    from idp.ingest import IngestedDocument
    from idp.reading import PageReading

PageSink = Callable[["Page", "np.ndarray | None"], None]
"""Told about each page as soon as it is read and laid out, in page order, with its upright
image (None when the page could not be read); the image is dropped after the call. The
service stores it (a PNG in object storage) and may set ``page.image_key``."""


class KeptPageImages:
    """Page images set aside on disk for a later stage and loaded back one at a time.

    The reread stage runs after every page is laid out and needs the images of a few OCR
    pages; keeping them in memory would hold ~9 MB per 300 dpi page for the whole document.
    They are written raw (``.npy``, ~20 ms a page): every lossless compression tried costs
    1–2.5 s on a noisy scan (PNG at any level, zlib), which would double a page's cost.
    The price is disk, ~8.4 MB per 300 dpi OCR page, only while the document is processed.
    """

    def __init__(self) -> None:
        self._folder: Path | None = None
        self._paths: dict[int, Path] = {}
        self._loaded: tuple[int, np.ndarray] | None = None

    def keep(self, number: int, image: np.ndarray) -> None:
        """Write page ``number``'s image aside."""
        import numpy as np

        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix="idp-pages-"))
        path = self._folder / f"page-{number}.npy"
        np.save(path, image, allow_pickle=False)
        self._paths[number] = path

    def load(self, number: int) -> np.ndarray | None:
        """Page ``number``'s image, or None if it was not kept. The last one loaded is
        held until the next call, so asking for one page twice reads it once."""
        import numpy as np

        if self._loaded is not None and self._loaded[0] == number:
            return self._loaded[1]
        self._loaded = None
        path = self._paths.get(number)
        if path is None:
            return None
        image = np.load(path, allow_pickle=False)
        self._loaded = (number, image)
        return image

    def __len__(self) -> int:
        return len(self._paths)

    def close(self) -> None:
        """Delete the images kept aside."""
        self._loaded = None
        self._paths.clear()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None


class PartPageImages(KeptPageImages):
    """The kept images of one document of a bundle, by its own page numbers (from 1); the
    upload's ``KeptPageImages`` owns the files and deletes them."""

    def __init__(self, whole: KeptPageImages, first: int, last: int) -> None:
        super().__init__()
        self._whole, self._first, self._last = whole, first, last

    def keep(self, number: int, image: np.ndarray) -> None:
        self._whole.keep(number + self._first - 1, image)

    def load(self, number: int) -> np.ndarray | None:
        if not 1 <= number <= self._last - self._first + 1:
            return None
        return self._whole.load(number + self._first - 1)

    def __len__(self) -> int:
        return sum(1 for n in self._whole._paths if self._first <= n <= self._last)

    def close(self) -> None:
        """Nothing: the upload's images are deleted with the upload's context."""


@dataclass
class StageContext:
    """The transient state of one document going through the stages."""

    data: bytes | None = None
    """The upload, until the ingest stage has opened it."""
    document: IngestedDocument | None = None
    """The opened document (PDF engine or decoded image file); closed by cleanup."""
    reader: Iterator[PageReading] | None = None
    """The page reader (it owns the OCR engine and read-ahead threads); closed by cleanup."""
    page: Page | None = None
    """The page being worked on by the page stages."""
    page_image: np.ndarray | None = None
    """That page's upright image; dropped once the page is stored. The only page image
    the context holds."""
    page_errors: list[IdpError | None] = field(default_factory=list)
    """Each page's reading error so far, None for a page that was read."""
    page_sink: PageSink | None = None
    """The caller's sink for finished pages (see ``PageSink``)."""
    kept_images: KeptPageImages | None = None
    """OCR page images kept aside for the reread stage (only when it can apply)."""
    sink_failure: BaseException | None = None
    """An exception the sink raised: the caller's failure, re-raised to the caller."""

    def close(self) -> None:
        """Let go of everything: stop the reader, close the document, drop images."""
        self.data = None
        self.page_image = None
        self.page = None
        if self.reader is not None:
            close = getattr(self.reader, "close", None)
            if close is not None:
                with contextlib.suppress(Exception):
                    close()
            self.reader = None
        if self.document is not None:
            self.document.close()
            self.document = None
        if self.kept_images is not None:
            self.kept_images.close()
            self.kept_images = None
