"""What a synthetic application form says: field labels, printed values and canonical truth.

``generate_forms`` draws ``FormSpec`` objects deterministically from a seed; ``layouts`` decides
where things go on the page and ``render`` draws them.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from tests.synthetic import values
from tests.synthetic.vocab import (
    CONTACT_GROUP,
    DECLARATION,
    EMPLOYMENT_STATUSES,
    FIELD_NAMES,
    HINT_OPTIONS,
    HINT_PHRASINGS,
    HOUSEHOLD_HEADER,
    RELATIONSHIPS,
    SECTIONS,
    TEST_OPTIONS,
    TEST_PHRASINGS,
    TITLES,
    Phrasings,
)

PhrasingSet = Literal["hint", "test"]

LAYOUTS: dict[str, tuple[str, str]] = {
    "inline": ("inline", "en"),
    "stacked": ("stacked", "en"),
    "boxed": ("boxed", "en"),
    "table": ("table", "en"),
    "two_column": ("two_column", "en"),
    "bilingual_inline": ("inline", "cy+en"),
    "bilingual_table": ("table", "cy+en"),
}
"""Layout name → (arrangement, language). ``cy+en`` prints ``"<Welsh> / <English>"`` labels."""

ALL_LAYOUTS: tuple[str, ...] = tuple(LAYOUTS)
DEV_LAYOUTS: tuple[str, ...] = ("inline", "boxed", "bilingual_inline")
"""Layouts to develop and tune on."""
TEST_LAYOUTS: tuple[str, ...] = ("stacked", "table", "two_column", "bilingual_table")
"""Layouts held out for measuring; disjoint from ``DEV_LAYOUTS``."""

RELATION_OF_ARRANGEMENT: dict[str, str] = {
    "inline": "right",
    "stacked": "below",
    "boxed": "inside",
    "table": "cell",
    "two_column": "right",
}
"""Where a value sits relative to its label in each arrangement (``KeyValue.relation``)."""

LABEL_FONTS = ("DejaVuSans", "DejaVuSerif", "LiberationSans", "LiberationSerif")
VALUE_FONTS = ("DejaVuSans", "DejaVuSerif", "LiberationSans")


@dataclass
class FieldSpec:
    """One field as printed on the form, with its truth.

    ``kind`` is ``text`` (a printed value), ``choice`` (a checkbox group; ``options`` lists
    ``(member, printed label)`` and ``text`` is the ticked option's label) or ``signature``
    (``text`` is empty; ``value`` says whether the line is signed).

    ``style`` says what a signature line shows (``tests/synthetic/signature_styles.py``);
    empty: a drawn mark when signed, nothing otherwise.
    """

    name: str
    label: str
    text: str
    value: Any
    kind: str = "text"
    options: list[tuple[str, str]] = field(default_factory=list)
    style: str = ""


@dataclass
class FormSpec:
    """A whole application form: everything needed to render it and to check a reading."""

    form_id: str
    seed: str
    layout: str
    phrasing_set: str
    language: str
    title: str
    sections: tuple[str, ...]
    reference: str
    fields: dict[str, FieldSpec]
    contact: FieldSpec
    """The 'preferred contact method' checkbox group (not a schema field)."""
    declaration: str
    household_header: tuple[str, str, str]
    household_rows: list[tuple[str, str, str]]
    household_table: bool
    label_font: str
    value_font: str
    mark_style: str
    """How ticked boxes are marked: ``tick``, ``cross`` or ``fill``."""
    split_pages: bool
    """Put sections 3–4 on a second page."""
    first_name_origin: str
    last_name_origin: str
    name_has_diacritics: bool

    @property
    def arrangement(self) -> str:
        """How labels and values are placed (inline, stacked, boxed, table, two_column)."""
        return LAYOUTS[self.layout][0]

    @property
    def relation(self) -> str:
        """Where values sit relative to labels on this form."""
        return RELATION_OF_ARRANGEMENT[self.arrangement]

    def canonical(self) -> dict[str, Any]:
        """The ``application`` record values this form should yield (field → value)."""
        return {name: self.fields[name].value for name in FIELD_NAMES}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description of the spec (used in ``truth.json``)."""
        data = asdict(self)
        data["fields"] = {k: asdict(v) for k, v in self.fields.items()}
        return data


def _bilingual(cy: str, en: str, language: str) -> str:
    return f"{cy} / {en}" if language == "cy+en" else en


def _label(rng: random.Random, phrasings: Phrasings, name: str, language: str) -> str:
    en = rng.choice(phrasings[name]["en"])
    cy = rng.choice(phrasings[name]["cy"])
    return _bilingual(cy, en, language)


def make_form(index: int, seed: int | str, layout: str, phrasing_set: PhrasingSet) -> FormSpec:
    """The ``index``-th form of a corpus drawn from ``seed``; same arguments, same form."""
    form_seed = f"{seed}-{index}-{layout}-{phrasing_set}"
    rng = random.Random(form_seed)
    language = LAYOUTS[layout][1]
    phrasings = HINT_PHRASINGS if phrasing_set == "hint" else TEST_PHRASINGS
    option_words = HINT_OPTIONS if phrasing_set == "hint" else TEST_OPTIONS

    diacritics = rng.random() < 0.5
    (first, first_origin), (last, last_origin) = values.make_name(rng, diacritics)
    dob_text, dob = values.make_date(rng, dt.date(1940, 1, 1), dt.date(2006, 12, 31))
    ni_text, ni = values.make_ni_number(rng)
    email_text, email = values.make_email(rng, first, last)
    phone_text, phone = values.make_phone(rng)
    address_text, address, pc_text, postcode = values.make_address(rng)
    income_text, income = values.make_amount(rng)
    household_size = rng.randint(1, 6)
    signed = rng.random() < 0.8
    app_text, app_date = values.make_date(rng, dt.date(2024, 1, 1), dt.date(2025, 12, 31))
    status = rng.choice(EMPLOYMENT_STATUSES)
    options = [
        (member, _bilingual(rng.choice(option_words[member]["cy"]),
                            rng.choice(option_words[member]["en"]), language))
        for member in EMPLOYMENT_STATUSES
    ]
    status_text = dict(options)[status]

    def text_field(name: str, text: str, value: Any) -> FieldSpec:
        return FieldSpec(name, _label(rng, phrasings, name, language), text, value)

    fields = {
        "first_name": text_field("first_name", first, first),
        "last_name": text_field("last_name", last, last),
        "date_of_birth": text_field("date_of_birth", dob_text, dob),
        "national_insurance_number": text_field("national_insurance_number", ni_text, ni),
        "email": text_field("email", email_text, email),
        "phone": text_field("phone", phone_text, phone),
        "address": text_field("address", address_text, address),
        "postcode": text_field("postcode", pc_text, postcode),
        "employment_status": FieldSpec(
            "employment_status", _label(rng, phrasings, "employment_status", language),
            status_text, status, kind="choice", options=options,
        ),
        "monthly_income": text_field("monthly_income", income_text, income),
        "household_size": text_field("household_size", str(household_size), household_size),
        "declaration_signed": FieldSpec(
            "declaration_signed", _label(rng, phrasings, "declaration_signed", language),
            "", signed, kind="signature",
        ),
        "application_date": text_field("application_date", app_text, app_date),
    }
    en_contact, cy_contact = CONTACT_GROUP["en"], CONTACT_GROUP["cy"]
    contact_options = [
        (en.lower(), _bilingual(cy, en, language))
        for en, cy in zip(en_contact[1:], cy_contact[1:], strict=True)
    ]
    contact_member = rng.choice(contact_options)
    contact = FieldSpec(
        "contact_method", _bilingual(cy_contact[0], en_contact[0], language),
        contact_member[1], contact_member[0], kind="choice", options=contact_options,
    )
    en_sections, cy_sections = SECTIONS["en"], SECTIONS["cy"]
    sections = tuple(
        _bilingual(cy, en, language) for en, cy in zip(en_sections, cy_sections, strict=True)
    )
    household_rows = []
    for _ in range(min(household_size - 1, 3)):
        (hf, _o), (hl, _o2) = values.make_name(rng, rng.random() < 0.5)
        household_rows.append((f"{hf} {hl}", rng.choice(RELATIONSHIPS), str(rng.randint(1, 90))))
    return FormSpec(
        form_id=f"form-{index:04d}",
        seed=form_seed,
        layout=layout,
        phrasing_set=phrasing_set,
        language=language,
        title=_bilingual(TITLES["cy"][0], rng.choice(TITLES["en"]), language),
        sections=sections,
        reference=f"APP-{rng.randint(10000, 99999)}",
        fields=fields,
        contact=contact,
        declaration=DECLARATION["en"] if language == "en" else DECLARATION["cy"],
        household_header=HOUSEHOLD_HEADER["en" if language == "en" else "cy"],
        household_rows=household_rows,
        household_table=rng.random() < 0.5,
        label_font=rng.choice(LABEL_FONTS),
        value_font=rng.choice(VALUE_FONTS),
        mark_style=rng.choice(["tick", "cross", "fill"]),
        split_pages=rng.random() < 0.15,
        first_name_origin=first_origin,
        last_name_origin=last_origin,
        name_has_diacritics=diacritics,
    )


def generate_forms(
    n: int,
    seed: int | str = 0,
    layouts: tuple[str, ...] | list[str] = ALL_LAYOUTS,
    phrasings: PhrasingSet = "hint",
) -> list[FormSpec]:
    """``n`` forms cycling through ``layouts`` (so each layout gets its share), from ``seed``."""
    unknown = [name for name in layouts if name not in LAYOUTS]
    if unknown:
        raise ValueError(f"unknown layouts {unknown}; choose from {list(LAYOUTS)}")
    return [make_form(i, seed, layouts[i % len(layouts)], phrasings) for i in range(n)]
