"""Synthetic application forms with ground truth, for accuracy tests and benchmarks.

Deterministic from a seed and fast (no OCR): a form is drawn with reportlab (DejaVu /
Liberation fonts embedded) and, for scans, rendered by pypdfium2 and spoilt.

Public API
----------
``generate_forms(n, seed, layouts=ALL_LAYOUTS, phrasings="hint") -> list[FormSpec]``
    Forms cycling through ``layouts``. ``FormSpec.fields`` maps each ``application`` schema
    field to a ``FieldSpec`` (label as printed, ``text`` as printed, canonical ``value``);
    ``FormSpec.canonical()`` is the expected record values.
``plan_form(spec) -> FormPlan``
    The laid-out pages: drawing items plus positioned truth per page (``key_values``,
    ``checkboxes``, ``signatures``, ``tables``; boxes relative 0–1, origin top-left) and
    ``FormPlan.fields`` (label/value boxes of every schema field).
``render_pdf(spec_or_plan) -> bytes``
    A text-layer PDF.
``render_scan(spec_or_plan_or_pdf, ScanParams(dpi, skew, noise, blur, jpeg_quality, rotate,
seed)) -> list[PIL.Image]``
    Spoilt page images; ``save_images(images, "png"|"jpeg"|"tiff"|"pdf", dpi)`` encodes them
    (``pdf`` is an image-only PDF, ``tiff`` multi-page).
``plan_corpus(n_text, n_scan, seed, layouts, phrasings) -> list[CorpusDocument]`` and
``write_corpus(dir, documents=None, **plan_args)``
    Files plus ``truth.json`` (``{"documents": [CorpusDocument.truth(), ...]}``). Scans cycle
    through PNG, JPEG, image-only PDF and two-page TIFF, upright and turned 90/180/270°.
``python -m tests.synthetic DIR [--text N] [--scans N] [--seed S] [--layouts all|dev|test]
[--phrasings hint|test]``
    The same from the command line.
``tests.synthetic.measure``
    ``score_key_values`` / ``score_checkboxes`` / ``score_signatures`` of records against truth.

Splits (issue 3)
----------------
``HINT_PHRASINGS`` / ``HINT_OPTIONS`` may appear in a schema's label hints; ``TEST_PHRASINGS``
/ ``TEST_OPTIONS`` never may. ``DEV_LAYOUTS`` and ``TEST_LAYOUTS`` are disjoint. Bilingual
layouts print ``"<Welsh> / <English>"`` labels.
"""

from tests.synthetic.arrangements import plan_form
from tests.synthetic.corpus import CorpusDocument, load_truth, plan_corpus, write_corpus
from tests.synthetic.layouts import FormPlan, PagePlan
from tests.synthetic.render import (
    ScanParams,
    degrade,
    rasterise,
    render_pdf,
    render_scan,
    save_images,
)
from tests.synthetic.spec import (
    ALL_LAYOUTS,
    DEV_LAYOUTS,
    LAYOUTS,
    TEST_LAYOUTS,
    FieldSpec,
    FormSpec,
    generate_forms,
    make_form,
)
from tests.synthetic.vocab import (
    EMPLOYMENT_STATUSES,
    FIELD_NAMES,
    HINT_OPTIONS,
    HINT_PHRASINGS,
    TEST_OPTIONS,
    TEST_PHRASINGS,
)

__all__ = [
    "ALL_LAYOUTS",
    "DEV_LAYOUTS",
    "EMPLOYMENT_STATUSES",
    "FIELD_NAMES",
    "HINT_OPTIONS",
    "HINT_PHRASINGS",
    "LAYOUTS",
    "TEST_LAYOUTS",
    "TEST_OPTIONS",
    "TEST_PHRASINGS",
    "CorpusDocument",
    "FieldSpec",
    "FormPlan",
    "FormSpec",
    "PagePlan",
    "ScanParams",
    "degrade",
    "generate_forms",
    "load_truth",
    "make_form",
    "plan_corpus",
    "plan_form",
    "rasterise",
    "render_pdf",
    "render_scan",
    "save_images",
    "write_corpus",
]
