"""A corpus on disk: text-layer PDFs and spoilt scans of generated forms, with ``truth.json``.

Scans cycle through the formats and rotations the pipeline must handle, so even a small
corpus has a PNG, a JPEG, an image-only PDF, a multi-page TIFF, and pages turned 90°, 180°
and 270°.
"""

from __future__ import annotations

import dataclasses
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.synthetic.arrangements import plan_form
from tests.synthetic.layouts import FormPlan
from tests.synthetic.render import ScanParams, render_pdf, render_scan, save_images
from tests.synthetic.spec import ALL_LAYOUTS, FormSpec, PhrasingSet, make_form

SCAN_VARIANTS: tuple[tuple[str, int], ...] = (
    ("png", 0),
    ("image_pdf", 0),
    ("jpeg", 90),
    ("tiff", 0),
    ("png", 180),
    ("jpeg", 0),
    ("image_pdf", 270),
    ("png", 90),
    ("tiff", 180),
    ("jpeg", 0),
    ("png", 0),
    ("image_pdf", 180),
)
"""(file format, rotation) of the i-th scan, cycling. TIFFs always hold two pages."""

_EXTENSIONS = {"pdf": ".pdf", "image_pdf": ".pdf", "png": ".png", "jpeg": ".jpg",
               "tiff": ".tif"}


@dataclass
class CorpusDocument:
    """One file of the corpus: which form, how it was delivered, and what a reader should find."""

    name: str
    kind: str
    """``text_pdf`` or ``scan``."""
    fmt: str
    """``pdf``, ``image_pdf``, ``png``, ``jpeg`` or ``tiff``."""
    form: FormSpec
    plan: FormPlan
    scan: ScanParams | None = None

    @property
    def rotation(self) -> int:
        """Degrees the scan was turned (0 for a text PDF)."""
        return self.scan.rotate if self.scan else 0

    @property
    def page_count(self) -> int:
        """Pages in the file (a JPEG or PNG holds the form's first page only)."""
        return 1 if self.fmt in ("png", "jpeg") else len(self.plan.pages)

    def render(self) -> bytes:
        """The file's bytes."""
        pdf = render_pdf(self.plan)
        if self.scan is None:
            return pdf
        images = render_scan(pdf, self.scan)[: self.page_count]
        fmt = "pdf" if self.fmt == "image_pdf" else self.fmt
        return save_images(images, fmt, self.scan.dpi, self.scan.jpeg_quality or 90)

    def truth(self) -> dict[str, Any]:
        """What a perfect reading reports, page by page, plus the form's field truth."""
        pages = [
            {"number": p.number, "key_values": p.key_values, "checkboxes": p.checkboxes,
             "signatures": p.signatures, "tables": p.tables}
            for p in self.plan.pages[: self.page_count]
        ]
        return {
            "file": self.name, "kind": self.kind, "format": self.fmt,
            "layout": self.form.layout, "arrangement": self.form.arrangement,
            "language": self.form.language, "phrasing_set": self.form.phrasing_set,
            "form_id": self.form.form_id, "rotation": self.rotation,
            "scan": self.scan.to_dict() if self.scan else None,
            "name_has_diacritics": self.form.name_has_diacritics,
            "pages": pages,
            "fields": {k: v for k, v in self.plan.fields.items()
                       if v["page"] <= self.page_count},
            "canonical": {k: v for k, v in self.form.canonical().items()
                          if self.plan.fields[k]["page"] <= self.page_count},
            "fields_not_in_file": sorted(k for k, v in self.plan.fields.items()
                                         if v["page"] > self.page_count),
        }


def plan_corpus(
    n_text: int = 12,
    n_scan: int = 12,
    seed: int | str = 0,
    layouts: tuple[str, ...] | list[str] = ALL_LAYOUTS,
    phrasings: PhrasingSet = "hint",
    dpi: tuple[int, ...] = (200, 250, 300),
) -> list[CorpusDocument]:
    """Which documents a corpus holds (nothing is rendered yet); deterministic from ``seed``.

    Text PDFs and scans are different forms; both cycle through ``layouts``.
    """
    docs: list[CorpusDocument] = []
    for i in range(n_text):
        form = make_form(i, seed, layouts[i % len(layouts)], phrasings)
        docs.append(CorpusDocument(f"{form.form_id}-{form.layout}.pdf", "text_pdf", "pdf",
                                   form, plan_form(form)))
    for j in range(n_scan):
        i = n_text + j
        form = make_form(i, seed, layouts[j % len(layouts)], phrasings)
        fmt, rotate = SCAN_VARIANTS[j % len(SCAN_VARIANTS)]
        if fmt == "tiff":
            form = dataclasses.replace(form, split_pages=True)
        rng = random.Random(f"{seed}-scan-{i}")
        params = ScanParams(
            dpi=rng.choice(dpi),
            skew=round(rng.uniform(-3.0, 3.0), 2),
            noise=round(rng.uniform(4.0, 14.0), 1),
            blur=round(rng.uniform(0.0, 1.0), 2),
            jpeg_quality=rng.randint(45, 90) if fmt != "png" or rng.random() < 0.5 else None,
            rotate=rotate,
            seed=rng.randint(0, 2**31),
        )
        name = f"{form.form_id}-{form.layout}-scan-r{rotate}{_EXTENSIONS[fmt]}"
        docs.append(CorpusDocument(name, "scan", fmt, form, plan_form(form), params))
    return docs


def write_corpus(
    directory: str | Path,
    documents: list[CorpusDocument] | None = None,
    **plan_args: Any,
) -> list[CorpusDocument]:
    """Render ``documents`` (or ``plan_corpus(**plan_args)``) into ``directory`` with a
    ``truth.json`` holding ``{"documents": [CorpusDocument.truth(), ...]}``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    docs = documents if documents is not None else plan_corpus(**plan_args)
    for doc in docs:
        (directory / doc.name).write_bytes(doc.render())
    truth = {"documents": [doc.truth() for doc in docs]}
    (directory / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1),
                                          encoding="utf-8")
    return docs


def load_truth(directory: str | Path) -> list[dict[str, Any]]:
    """The ``documents`` list of a corpus's ``truth.json``."""
    data = json.loads((Path(directory) / "truth.json").read_text(encoding="utf-8"))
    return list(data["documents"])
