"""Real test pages generated on the fly: text rendered with DejaVu fonts, then degraded.

Nothing here is a fake of the thing under test: the images and PDFs are ordinary files
that the reading stage opens exactly as it would open an upload.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIR = "/usr/share/fonts/truetype/dejavu"
A4_POINTS = (595.28, 841.89)

# Ordinary back-office wording with a little Welsh, so both language packs matter.
TEXT_LINES = [
    "APPLICATION FOR A RESIDENT PARKING PERMIT",
    "Please complete every section in black ink and return the form to the council.",
    "Full name: Margaret Elizabeth Thompson",
    "Date of birth: 03/03/1985    Reference number: PK-20931",
    "Address: 14 Station Road, Aberystwyth, Ceredigion SY23 1AB",
    "Telephone: 01970 612345    Email: m.thompson@example.org",
    "Vehicle registration: CY19 KLM    Make and model: Ford Focus",
    "I declare that the information given on this form is correct.",
    "Cais am drwydded barcio i breswylwyr yng Nghymru.",
    "Amount paid: 45.00 GBP by debit card on 12 January 2024.",
    "The permit is valid for twelve months from the date of issue.",
    "Office use only: checked by the licensing team before approval.",
]


@dataclass
class GeneratedPage:
    """A page image with the words that were drawn on it, in order."""

    image: Image.Image
    words: list[str] = field(default_factory=list)


def text_page(
    lines: list[str] | None = None,
    dpi: int = 300,
    font_name: str = "DejaVuSans.ttf",
    point_size: float = 11.0,
) -> GeneratedPage:
    """An upright white A4 page with ``lines`` of black text at ``dpi``."""
    lines = TEXT_LINES if lines is None else lines
    width = round(A4_POINTS[0] / 72 * dpi)
    height = round(A4_POINTS[1] / 72 * dpi)
    img = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(f"{FONT_DIR}/{font_name}", round(point_size / 72 * dpi))
    margin = round(dpi * 0.9)
    step = round(point_size / 72 * dpi * 2.0)
    y = margin
    for line in lines:
        draw.text((margin, y), line, fill=0, font=font)
        y += step
    return GeneratedPage(img, [w for line in lines for w in line.split()])


def sparse_form_page(dpi: int = 200) -> Image.Image:
    """A nearly empty upright A4 page, like the second page of a stacked form: a small
    serif label over an empty signature rule, then a label over a value written on a
    fill-in rule that touches its descender zone. The rules are most of the ink."""
    width = round(A4_POINTS[0] / 72 * dpi)
    height = round(A4_POINTS[1] / 72 * dpi)
    img = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(img)
    small = ImageFont.truetype(f"{FONT_DIR}/DejaVuSerif.ttf", round(7.5 / 72 * dpi))
    value = ImageFont.truetype(f"{FONT_DIR}/DejaVuSans.ttf", round(10 / 72 * dpi))
    x = round(dpi * 0.6)
    line = max(1, round(dpi / 200))
    y = round(dpi * 0.55)
    draw.text((x, y), "Signature of applicant", fill=0, font=small)
    y += round(dpi * 0.38)
    draw.rectangle((x, y, x + round(dpi * 2.0), y + line), fill=0)
    y += round(dpi * 0.14)
    draw.text((x, y), "Application date", fill=0, font=small)
    y += round(dpi * 0.12)
    draw.text((x, y), "26 Feb 2024", fill=0, font=value)
    y += round(10 / 72 * dpi * 1.25)
    draw.rectangle((x, y, x + round(dpi * 2.6), y + line), fill=0)
    return img


def degrade(
    img: Image.Image,
    skew: float = 0.0,
    rotate: int = 0,
    noise: float = 0.0,
    blur: float = 0.0,
    jpeg_quality: int | None = None,
    seed: int = 7,
) -> Image.Image:
    """A scan-like copy: tilted by ``skew`` degrees, turned ``rotate`` degrees
    counter-clockwise (0/90/180/270), with Gaussian noise (std in grey levels), blur
    and JPEG compression."""
    out = img.convert("L")
    if skew:
        out = out.rotate(skew, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=255)
    if blur:
        out = out.filter(ImageFilter.GaussianBlur(blur))
    if noise:
        rng = np.random.default_rng(seed)
        arr = np.asarray(out, dtype=np.float32)
        arr = arr + rng.normal(0.0, noise, arr.shape)
        # salt-and-pepper specks as a photocopier leaves them
        specks = rng.random(arr.shape) < 0.002
        arr[specks] = rng.choice([0.0, 255.0], size=int(specks.sum()))
        out = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    if rotate:
        out = out.rotate(rotate, expand=True)
    if jpeg_quality is not None:
        buf = io.BytesIO()
        out.save(buf, format="JPEG", quality=jpeg_quality)
        out = Image.open(io.BytesIO(buf.getvalue()))
        out.load()
    return out


def image_bytes(img: Image.Image, fmt: str = "PNG", dpi: int = 300, **kwargs: object) -> bytes:
    """The image encoded as ``fmt`` with its resolution recorded."""
    buf = io.BytesIO()
    img.save(buf, format=fmt, dpi=(dpi, dpi), **kwargs)
    return buf.getvalue()


def multipage_tiff(images: list[Image.Image], dpi: int = 300) -> bytes:
    """A multi-page TIFF (group 4 for bilevel pages, LZW otherwise)."""
    buf = io.BytesIO()
    first, rest = images[0], images[1:]
    first.save(
        buf, format="TIFF", save_all=True, append_images=rest, dpi=(dpi, dpi),
        compression="tiff_lzw",
    )
    return buf.getvalue()


def text_pdf(pages: list[list[str]], encrypt: str | None = None) -> bytes:
    """A PDF with a real text layer, one list of lines per page (reportlab)."""
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4_POINTS, encrypt=encrypt)
    for lines in pages:
        c.setFont("Helvetica", 11)
        y = A4_POINTS[1] - 72
        for line in lines:
            c.drawString(72, y, line)
            y -= 22
        # a ruled box so the cheap render has something to show
        c.rect(72, 100, 200, 40)
        c.showPage()
    c.save()
    return buf.getvalue()


def pdf_with_pages(
    items: list[list[str] | Image.Image | tuple[Image.Image, str]], dpi: int = 300
) -> bytes:
    """A PDF mixing text-layer pages (lists of lines), image-only pages (images) and
    scans with a stamp in the text layer ((image, stamp) pairs)."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4_POINTS)
    for item in items:
        stamp = None
        if isinstance(item, tuple):
            item, stamp = item
        if isinstance(item, Image.Image):
            w_pt = item.width / dpi * 72
            h_pt = item.height / dpi * 72
            c.setPageSize((w_pt, h_pt))
            c.drawImage(ImageReader(item), 0, 0, width=w_pt, height=h_pt)
            if stamp:
                c.setFont("Helvetica-Bold", 14)
                c.drawString(w_pt - 250, h_pt - 40, stamp)
        else:
            c.setPageSize(A4_POINTS)
            c.setFont("Helvetica", 11)
            y = A4_POINTS[1] - 72
            for line in item:
                c.drawString(72, y, line)
                y -= 22
        c.showPage()
    c.save()
    return buf.getvalue()


def shuffled_lines(seed: int) -> list[str]:
    """The standard lines in a different order, so pages of one document differ."""
    lines = list(TEXT_LINES)
    random.Random(seed).shuffle(lines)
    return lines


def _norm(word: str) -> str:
    return word.strip(".,:;()[]\"'").lower()


def word_recall(expected: list[str], found: list[str]) -> float:
    """Share of ``expected`` words found among ``found`` (as a multiset, case and outer
    punctuation ignored): the word-level accuracy used by the OCR tests."""
    from collections import Counter

    want = Counter(_norm(w) for w in expected if _norm(w))
    have = Counter(_norm(w) for w in found if _norm(w))
    hit = sum(min(n, have[w]) for w, n in want.items())
    return hit / max(1, sum(want.values()))
