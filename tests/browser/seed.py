"""Documents waiting for review, written into a live service's data folder exactly as the
service leaves one (database row, record, page image), so reviewer-page tests need no OCR.
"""

from __future__ import annotations

import io
import json
from datetime import timedelta
from typing import Any

from tests.browser.live import LiveService

# A complete, valid application form: (field, value, text on the page).
APPLICATION: list[tuple[str, Any, str]] = [
    ("first_name", "Megan", "Megan"),
    ("last_name", "Jones", "Jones"),
    ("date_of_birth", "1985-03-03", "03/03/1985"),
    ("national_insurance_number", "AB123456C", "AB 12 34 56 C"),
    ("email", "megan@example.org", "megan@example.org"),
    ("phone", "01970123456", "01970 123456"),
    ("address", "1 High Street, Aberystwyth", "1 High Street, Aberystwyth"),
    ("postcode", "SY23 1AB", "SY23 1AB"),
    ("employment_status", "employed", "Employed"),
    ("monthly_income", "1200.00", "£1,200.00"),
    ("household_size", 4, "4"),
    ("declaration_signed", True, "[signed]"),
    ("application_date", "2025-01-10", "10/01/2025"),
]
LABELS = {
    "first_name": "First name", "last_name": "Last name", "date_of_birth": "Date of birth",
    "national_insurance_number": "NI number", "email": "Email", "phone": "Phone",
    "address": "Address", "postcode": "Postcode", "employment_status": "Employment",
    "monthly_income": "Monthly income", "household_size": "Box G",
    "declaration_signed": "Signature", "application_date": "Date",
}


def application_record(
    doc_id: str, filename: str, broken: dict[str, tuple[str, str]]
) -> dict[str, Any]:
    """A 13-field application record; ``broken`` maps a field to (text read, error)."""
    fields: dict[str, Any] = {}
    for i, (name, value, text) in enumerate(APPLICATION):
        y0 = 0.08 + i * 0.065
        field: dict[str, Any] = {
            "value": value, "text": text, "confidence": 0.995, "page": 1,
            "bbox": [0.42, y0, 0.42 + 0.02 * min(len(text), 20), y0 + 0.03],
            "extractor": "keyvalue", "label": LABELS[name], "valid": True, "errors": [],
            "alternatives": [],
        }
        if name in broken:
            read, error = broken[name]
            field.update(value=None, text=read, confidence=0.31, valid=False, errors=[error])
        fields[name] = field
    if "monthly_income" in broken:
        fields["monthly_income"]["alternatives"] = [
            {"value": "1200.00", "confidence": 0.28, "extractor": "pattern"}
        ]
    return {
        "id": doc_id, "schema": "application", "schema_version": "1",
        "status": "needs_review",
        "source": {"filename": filename, "media_type": "application/pdf", "pages": 1},
        "fields": fields, "key_values": [], "errors": [], "timings": {},
    }


def page_png(record: dict[str, Any]) -> bytes:
    """A page image with each field's label and text where its box says."""
    from PIL import Image, ImageDraw

    width, height = 850, 1100
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    for name, f in record["fields"].items():
        x0, y0, _x1, _y1 = f["bbox"]
        draw.text((60, y0 * height + 4), LABELS.get(name, name) + ":", fill="black")
        draw.text((x0 * width + 2, y0 * height + 4), f["text"] or "", fill="black")
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def seed_for_review(
    svc: LiveService, doc_id: str, filename: str, broken: dict[str, tuple[str, str]],
    minutes_ago: int = 5, owner_key_id: str | None = None,
) -> dict[str, Any]:
    """Add a needs_review application document to the service; returns its record."""
    from idp.db import get_session_factory
    from idp.db.models import Document, utcnow
    from idp.settings import Settings
    from idp.storage import get_storage, page_image_key, record_key

    settings = Settings(data_dir=svc.data_dir)
    record = application_record(doc_id, filename, broken)
    with get_session_factory(settings).begin() as s:
        s.add(Document(id=doc_id, batch_id=doc_id, filename=filename, sha256="0" * 64,
                       schema_name="application", status="needs_review", pages=1,
                       created_at=utcnow() - timedelta(minutes=minutes_ago),
                       owner_key_id=owner_key_id))
    storage = get_storage(settings)
    storage.put(page_image_key(doc_id, 1), page_png(record), "image/png")
    storage.put(record_key(doc_id), json.dumps(record).encode(), "application/json")
    return record


def key_id(svc: LiveService, name: str) -> str:
    """The id of the service's key called ``name`` (``test uploader``…)."""
    from sqlalchemy import select

    from idp.db import get_session_factory
    from idp.db.models import ApiKey
    from idp.settings import Settings

    with get_session_factory(Settings(data_dir=svc.data_dir))() as s:
        return str(s.scalars(select(ApiKey.id).where(ApiKey.name == name)).one())


def seed_queued(svc: LiveService, n: int, owner_key_id: str) -> None:
    """``n`` documents waiting to be processed, a day old (no job: they stay queued)."""
    from idp.db import get_session_factory
    from idp.db.models import Document, utcnow
    from idp.settings import Settings

    with get_session_factory(Settings(data_dir=svc.data_dir)).begin() as s:
        for i in range(n):
            s.add(Document(id=f"old-{i:03d}", batch_id="old", filename=f"old-scan-{i:03d}.pdf",
                           sha256="0" * 64, status="queued", owner_key_id=owner_key_id,
                           created_at=utcnow() - timedelta(days=1, minutes=i)))
