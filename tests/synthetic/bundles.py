"""Synthetic bundles: one upload holding several documents, with the truth of its split.

A bundle is 2–5 documents in any order: application forms (``tests.synthetic`` forms, one
or two pages), till receipts (a narrow slip, one page) and supporting letters (an employer's,
landlord's or doctor's letter, one or two pages; no schema describes them, so their type is
``other``). ``render_bundle`` draws it as one text-layer PDF or, for a scan, as one
image-only PDF whose pages are spoilt and some turned by a quarter or half turn.

``Bundle.truth()`` is ``{"documents": [{"type", "pages": [first, last]}, ...]}`` with pages
counted from 1 in the upload. Deterministic from the seed; ``split="test"`` draws forms
from the held-out layouts and phrasings and uses a different seed space than ``"dev"``.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass, field
from typing import Any, Literal

from reportlab.pdfgen.canvas import Canvas

from tests.synthetic import values
from tests.synthetic.layouts import PAGE_H, PAGE_W, register_fonts, text_width
from tests.synthetic.render import ScanParams, degrade, rasterise, render_pdf, save_images
from tests.synthetic.spec import DEV_LAYOUTS, TEST_LAYOUTS, make_form

Split = Literal["dev", "test"]
KINDS = ("application", "receipt", "letter")
TYPE_OF_KIND = {"application": "application", "receipt": "receipt", "letter": "other"}

SHOPS = (
    "GREENLEAF GROCERS LTD", "Corner Café", "BRIGHT HARDWARE SDN BHD", "City Pharmacy",
    "MORGAN & DAUGHTERS", "QUICKMART STORES", "Valley Books", "SUNRISE BAKERY",
    "TOWN HALL STATIONERS", "Harbour Fuel Station",
)
ITEMS = (
    "Milk 2L", "Bread wholemeal", "Eggs x12", "Coffee beans", "Paracetamol 16",
    "A4 paper ream", "Screws M4 x50", "Batteries AA", "Notebook", "Apples 1kg",
    "Unleaded fuel", "Tea bags 80", "Rice 5kg", "Soap", "Envelopes C5",
)
RECEIPT_HEADS = ("TAX INVOICE", "RECEIPT", "SALES RECEIPT", "CASH SALE", "")
ORGS = (
    ("Hillside Surgery", "Dr"), ("Morgan Property Lettings", "Ms"),
    ("Tyne Valley Engineering Ltd", "Mr"), ("St David's School", "Mrs"),
    ("Riverside Housing Association", "Mr"), ("Cardiff Community Advice", "Ms"),
)
PURPOSES = (
    "I write to confirm that {name} has been employed by us since {date} on a permanent "
    "contract of {hours} hours a week, and that the employment continues at the date of this "
    "letter.",
    "This letter confirms that {name} has rented the property at {address} from us since "
    "{date}. The rent is paid monthly and the tenancy continues.",
    "I can confirm that {name} is registered with this practice and has been under our care "
    "since {date}. Their condition affects their ability to work full time.",
    "We confirm that {name} has attended our service since {date} and we support the "
    "application they are making for household support.",
)
FILLER = (
    "Please do not hesitate to contact me if you need any further information about this "
    "matter; I am usually available on weekday mornings.",
    "The details given above are correct to the best of my knowledge and are taken from the "
    "records we hold.",
    "We understand that this letter will be used as supporting evidence and we are happy for "
    "it to be shared with the office dealing with the claim.",
    "Our records are reviewed every year, and the information above was last checked during "
    "the most recent review.",
    "If it would help, we can provide copies of the relevant documents on request, subject "
    "to the consent of the person concerned.",
)
CLOSINGS = ("Yours sincerely", "Yours faithfully", "Kind regards")


@dataclass
class BundleDoc:
    """One document of a bundle: what it is and its own PDF."""

    kind: str
    pdf: bytes
    pages: int

    @property
    def type(self) -> str:
        """The expected document type: a schema name or ``other``."""
        return TYPE_OF_KIND[self.kind]


@dataclass
class Bundle:
    """An upload of several documents; ``scan`` turns it into spoilt page images."""

    bundle_id: str
    documents: list[BundleDoc]
    scan: bool = False
    rotations: list[int] = field(default_factory=list)
    """Quarter turns per page of a scan (counter-clockwise degrees)."""

    @property
    def page_count(self) -> int:
        return sum(d.pages for d in self.documents)

    def truth(self) -> dict[str, Any]:
        """The expected split: each document's type and page range in the upload."""
        out, first = [], 1
        for doc in self.documents:
            last = first + doc.pages - 1
            out.append({"type": doc.type, "kind": doc.kind, "pages": [first, last]})
            first += doc.pages
        return {"bundle": self.bundle_id, "scan": self.scan, "documents": out}


def _canvas(width: float, height: float, out: io.BytesIO, title: str) -> Canvas:
    register_fonts()
    canvas = Canvas(out, pagesize=(width, height), invariant=1, pageCompression=1)
    canvas.setTitle(title)
    return canvas


def receipt_pdf(rng: random.Random) -> bytes:
    """A till receipt on an 80 mm slip: shop, address, date, items, total, payment."""
    shop = rng.choice(SHOPS)
    street, _, postcode_text, _ = values.make_address(rng)
    when, _ = values.make_date(rng, dt.date(2023, 1, 1), dt.date(2025, 12, 31))
    items = [(rng.choice(ITEMS), rng.randint(1, 3), rng.randint(50, 4000) / 100)
             for _ in range(rng.randint(2, 9))]
    total = round(sum(q * p for _, q, p in items), 2)
    lines: list[tuple[str, str, float]] = [(shop, "DejaVuSans-Bold", 11)]
    lines += [(part.strip(), "DejaVuSans", 8) for part in street.split(",")[:2]]
    lines += [(f"Tel: 0{rng.randint(1000, 9999)} {rng.randint(100000, 999999)}", "DejaVuSans", 8)]
    head = rng.choice(RECEIPT_HEADS)
    if head:
        lines += [(head, "DejaVuSans-Bold", 9)]
    lines += [(f"Date: {when}  {rng.randint(8, 20):02d}:{rng.randint(0, 59):02d}", "DejaVuSans", 8)]
    lines += [(f"Receipt no: {rng.randint(10000, 99999)}", "DejaVuSans", 8)]
    body: list[tuple[str, str]] = [(f"{q} x {name}", f"{q * p:.2f}") for name, q, p in items]
    tax = round(total * 0.2 / 1.2, 2)
    cash = total + rng.choice([0, 0.5, 5, 10, 20])
    tail = [(rng.choice(["Subtotal", "Sub total"]), f"{total:.2f}"),
            (rng.choice(["VAT 20%", "GST 6%", "Tax"]), f"{tax:.2f}"),
            (rng.choice(["TOTAL", "Total", "Grand total", "Total (GBP)"]), f"{total:.2f}"),
            (rng.choice(["Cash", "Card", "Tendered"]), f"{cash:.2f}"),
            ("Change", f"{cash - total:.2f}")]
    width = 226.0
    height = 60 + 13 * (len(lines) + len(body) + len(tail) + 3)
    out = io.BytesIO()
    canvas = _canvas(width, height, out, "Receipt")
    y = 28.0
    for text, font, size in lines:
        canvas.setFont(font, size)
        canvas.drawString((width - text_width(text, font, size)) / 2, height - y, text)
        y += size + 5
    y += 6
    for left, right in [*body, ("", ""), *tail]:
        bold = left.upper().startswith(("TOTAL", "GRAND"))
        font = "DejaVuSans-Bold" if bold else "DejaVuSans"
        canvas.setFont(font, 8.5)
        canvas.drawString(14, height - y, left)
        canvas.drawString(width - 14 - text_width(right, font, 8.5), height - y, right)
        y += 13
    canvas.setFont("DejaVuSans", 8)
    farewell = rng.choice(["Thank you for shopping with us", "Thank you, come again",
                           "Goods sold are not returnable"])
    canvas.drawString(40, height - y - 10, farewell)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if text_width(trial, font, size) > width and line:
            lines.append(line)
            line = word
        else:
            line = trial
    return [*lines, line] if line else lines


def letter_pdf(rng: random.Random, pages: int) -> bytes:
    """A supporting letter on A4: letterhead, addresses, date, salutation, prose, sign-off;
    a two-page letter continues on a page with no letterhead (sometimes numbered)."""
    org, title = rng.choice(ORGS)
    (first, _), (last, _) = values.make_name(rng, False)
    signer_first, _ = values.make_name(rng, False)[0]
    org_street, _, _, _ = values.make_address(rng)
    client_street, _, _, _ = values.make_address(rng)
    when, _ = values.make_date(rng, dt.date(2024, 1, 1), dt.date(2025, 12, 31))
    since, _ = values.make_date(rng, dt.date(2010, 1, 1), dt.date(2023, 12, 31))
    purpose = rng.choice(PURPOSES).format(
        name=f"{first} {last}", date=since, hours=rng.randint(8, 40), address=client_street)
    paragraphs = [purpose] + rng.sample(FILLER, k=min(len(FILLER), 2 + 2 * (pages - 1)))
    if pages > 1:
        paragraphs += rng.sample(FILLER, k=3)
    font, size, left, right = "DejaVuSerif", 10.5, 72.0, PAGE_W - 72.0
    numbered = pages > 1 and rng.random() < 0.5
    out = io.BytesIO()
    canvas = _canvas(PAGE_W, PAGE_H, out, "Letter")
    canvas.setFont("DejaVuSans-Bold", 15)
    canvas.drawString(left, PAGE_H - 70, org)
    canvas.setFont("DejaVuSans", 8.5)
    canvas.drawString(left, PAGE_H - 86, org_street)
    y = 130.0
    canvas.setFont(font, size)
    for text in [f"{title} {first} {last}" if title != "Dr" else f"{first} {last}",
                 *[p.strip() for p in client_street.split(",")]]:
        canvas.drawString(left, PAGE_H - y, text)
        y += 14
    y += 10
    canvas.drawString(right - text_width(when, font, size), PAGE_H - y, when)
    y += 30
    canvas.drawString(left, PAGE_H - y, rng.choice(["Dear Sir or Madam,", f"Dear {title} {last},",
                                                      "To whom it may concern,"]))
    y += 24
    page = 1
    for paragraph in paragraphs:
        for line in _wrap(paragraph, font, size, right - left):
            if y > PAGE_H - 90 and page < pages:
                if numbered:
                    canvas.setFont("DejaVuSans", 8)
                    canvas.drawString(PAGE_W / 2 - 20, 40, f"Page {page} of {pages}")
                canvas.showPage()
                page += 1
                canvas.setFont(font, size)
                y = 80.0
            canvas.drawString(left, PAGE_H - y, line)
            y += 14
        y += 10
        if page < pages and paragraph is paragraphs[len(paragraphs) // 2]:
            y = PAGE_H  # start the second half on the next page
    y += 10
    canvas.drawString(left, PAGE_H - y, rng.choice(CLOSINGS) + ",")
    canvas.drawString(left, PAGE_H - y - 56, f"{signer_first} {values.make_name(rng, False)[1][0]}")
    if numbered:
        canvas.setFont("DejaVuSans", 8)
        canvas.drawString(PAGE_W / 2 - 20, 40, f"Page {page} of {pages}")
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _page_count(pdf: bytes) -> int:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        return len(doc)
    finally:
        doc.close()


def make_bundle(index: int, seed: int | str = 0, split: Split = "dev",
                scan: bool = False) -> Bundle:
    """The ``index``-th bundle of ``split`` from ``seed``: 2–5 documents in random order."""
    rng = random.Random(f"bundle-{split}-{seed}-{index}")
    layouts = DEV_LAYOUTS if split == "dev" else TEST_LAYOUTS
    phrasing = "hint" if split == "dev" else "test"
    kinds = [rng.choice(KINDS) for _ in range(rng.randint(2, 5))]
    docs = []
    for i, kind in enumerate(kinds):
        if kind == "application":
            layout = rng.choice(layouts)
            pdf = render_pdf(make_form(index * 10 + i, f"{split}-{seed}", layout, phrasing))
        elif kind == "receipt":
            pdf = receipt_pdf(rng)
        else:
            pdf = letter_pdf(rng, 2 if rng.random() < 0.3 else 1)
        docs.append(BundleDoc(kind, pdf, _page_count(pdf)))
    bundle = Bundle(f"{split}-{seed}-{index}", docs, scan=scan)
    if scan:
        bundle.rotations = [rng.choice([0, 0, 0, 90, 180, 270]) for _ in range(bundle.page_count)]
    return bundle


def generate_bundles(n: int, seed: int | str = 0, split: Split = "dev",
                     scan: bool = False) -> list[Bundle]:
    """``n`` bundles of ``split`` from ``seed``."""
    return [make_bundle(i, seed, split, scan) for i in range(n)]


def render_bundle(bundle: Bundle, dpi: int = 200) -> bytes:
    """The bundle as one upload: a text-layer PDF, or for a scan an image-only PDF."""
    import pypdfium2 as pdfium

    if bundle.scan:
        images = []
        for doc in bundle.documents:
            images += rasterise(doc.pdf, dpi)
        rng = random.Random(bundle.bundle_id)
        spoilt = [
            degrade(image, ScanParams(dpi=dpi, skew=rng.uniform(-1.5, 1.5), noise=rng.uniform(0, 8),
                                      rotate=turn, seed=i))
            for i, (image, turn) in enumerate(zip(images, bundle.rotations, strict=True))
        ]
        return save_images(spoilt, "pdf", dpi)
    merged = pdfium.PdfDocument.new()
    try:
        for doc in bundle.documents:
            part = pdfium.PdfDocument(doc.pdf)
            merged.import_pages(part)
            part.close()
        out = io.BytesIO()
        merged.save(out)
        return out.getvalue()
    finally:
        merged.close()
