"""Draw a laid-out form as a text-layer PDF, and turn that into degraded scans.

A scan is the PDF rendered by pypdfium2 and then spoiled the way a real scanner spoils
paper: skew, blur, Gaussian noise, JPEG artefacts and a quarter or half turn.
"""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass

import numpy as np
from PIL import Image, ImageFilter
from reportlab.pdfgen.canvas import Canvas

from tests.synthetic.arrangements import plan_form
from tests.synthetic.layouts import (
    PAGE_H,
    PAGE_W,
    FormPlan,
    LineItem,
    PathItem,
    RectItem,
    TextItem,
    register_fonts,
)
from tests.synthetic.spec import FormSpec


def render_pdf(form: FormSpec | FormPlan) -> bytes:
    """The form as a PDF with a real text layer (fonts embedded), one page per planned page."""
    plan = form if isinstance(form, FormPlan) else plan_form(form)
    register_fonts()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(PAGE_W, PAGE_H), invariant=1, pageCompression=1)
    canvas.setTitle(f"Synthetic application {plan.spec.form_id}")
    for page in plan.pages:
        for item in page.items:
            if isinstance(item, TextItem):
                canvas.setFillColorRGB(*item.color)
                canvas.setFont(item.font, item.size)
                canvas.drawString(item.x, PAGE_H - item.baseline, item.text)
            elif isinstance(item, LineItem):
                canvas.setStrokeColorRGB(*item.color)
                canvas.setLineWidth(item.width)
                canvas.setLineCap(1)
                canvas.line(item.x0, PAGE_H - item.y0, item.x1, PAGE_H - item.y1)
            elif isinstance(item, RectItem):
                canvas.setStrokeColorRGB(*item.color)
                canvas.setFillColorRGB(*item.color)
                canvas.setLineWidth(item.width or 0.1)
                canvas.rect(item.x0, PAGE_H - item.y1, item.x1 - item.x0, item.y1 - item.y0,
                            stroke=0 if item.fill else 1, fill=1 if item.fill else 0)
            elif isinstance(item, PathItem):
                canvas.setStrokeColorRGB(*item.color)
                canvas.setLineWidth(item.width)
                canvas.setLineCap(1)
                canvas.setLineJoin(1)
                path = canvas.beginPath()
                path.moveTo(item.start[0], PAGE_H - item.start[1])
                for c1x, c1y, c2x, c2y, x, y in item.segments:
                    path.curveTo(c1x, PAGE_H - c1y, c2x, PAGE_H - c2y, x, PAGE_H - y)
                canvas.drawPath(path, stroke=1, fill=0)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


@dataclass(frozen=True)
class ScanParams:
    """How one page was spoiled. ``rotate`` turns the image counter-clockwise (0/90/180/270)."""

    dpi: int = 300
    skew: float = 0.0
    """Degrees, counter-clockwise positive; the brief's range is ±3."""
    noise: float = 0.0
    """Standard deviation of Gaussian noise, in grey levels (0–255)."""
    blur: float = 0.0
    """Gaussian blur radius in pixels."""
    jpeg_quality: int | None = None
    """Pass the image through JPEG at this quality (artefacts), or not at all."""
    rotate: int = 0
    seed: int = 0

    def to_dict(self) -> dict[str, object]:
        """JSON-ready parameters."""
        return asdict(self)


def rasterise(pdf: bytes, dpi: int = 300) -> list[Image.Image]:
    """Every page of ``pdf`` as a greyscale image at ``dpi``."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        images = []
        for i in range(len(doc)):
            bitmap = doc[i].render(scale=dpi / 72.0, grayscale=True)
            images.append(bitmap.to_pil().convert("L"))
        return images
    finally:
        doc.close()


def degrade(image: Image.Image, params: ScanParams) -> Image.Image:
    """Apply ``params`` to a clean page image (greyscale) and return the spoilt scan."""
    img = image.convert("L")
    if params.skew:
        img = img.rotate(params.skew, resample=Image.Resampling.BICUBIC, expand=False,
                         fillcolor=255)
    if params.blur:
        img = img.filter(ImageFilter.GaussianBlur(params.blur))
    if params.noise:
        rng = np.random.default_rng(params.seed)
        arr = np.array(img, dtype=np.float32)
        arr += rng.standard_normal(arr.shape, dtype=np.float32) * np.float32(params.noise)
        img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), mode="L")
    if params.jpeg_quality:
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=params.jpeg_quality)
        buf.seek(0)
        img = Image.open(buf).convert("L")
    if params.rotate % 360:
        transpose = {90: Image.Transpose.ROTATE_90, 180: Image.Transpose.ROTATE_180,
                     270: Image.Transpose.ROTATE_270}[params.rotate % 360]
        img = img.transpose(transpose)
    img.info["dpi"] = (params.dpi, params.dpi)
    return img


def render_scan(form: FormSpec | FormPlan | bytes, params: ScanParams | None = None,
                page: int | None = None) -> list[Image.Image]:
    """The form's pages as scans spoilt by ``params`` (all pages, or just ``page`` from 1)."""
    params = params or ScanParams()
    pdf = form if isinstance(form, bytes) else render_pdf(form)
    pages = rasterise(pdf, params.dpi)
    if page is not None:
        pages = [pages[page - 1]]
    return [degrade(p, ScanParams(**{**params.to_dict(), "seed": params.seed + i}))  # type: ignore[arg-type]
            for i, p in enumerate(pages)]


def save_images(images: list[Image.Image], fmt: str, dpi: int, jpeg_quality: int = 85) -> bytes:
    """Encode page images as ``png``, ``jpeg`` (first page only), ``tiff`` (multi-page, LZW) or
    ``pdf`` (an image-only PDF, JPEG-compressed)."""
    buf = io.BytesIO()
    if fmt == "png":
        images[0].save(buf, "PNG", dpi=(dpi, dpi))
    elif fmt == "jpeg":
        images[0].save(buf, "JPEG", quality=jpeg_quality, dpi=(dpi, dpi))
    elif fmt == "tiff":
        images[0].save(buf, "TIFF", save_all=True, append_images=images[1:],
                       compression="tiff_lzw", dpi=(dpi, dpi))
    elif fmt == "pdf":
        images[0].save(buf, "PDF", save_all=True, append_images=images[1:], resolution=dpi,
                       quality=jpeg_quality)
    else:
        raise ValueError(f"unknown image format {fmt!r}")
    return buf.getvalue()
