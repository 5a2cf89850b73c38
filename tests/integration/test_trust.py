"""Nothing wrong goes through silently: a printed name does not sign, a stamp is unsure,
and an application declared as a parking permit goes to review as the wrong type."""

from __future__ import annotations

from idp.datamodel import ProcessingOptions, RecordStatus, ReviewReason
from idp.pipeline import process_document, to_record
from tests.synthetic.render import render_pdf
from tests.synthetic.spec import TEST_LAYOUTS, generate_forms


def _form(style: str, value: bool) -> bytes:
    spec = generate_forms(1, seed="trust", layouts=TEST_LAYOUTS, phrasings="test")[0]
    field = spec.fields["declaration_signed"]
    field.style, field.value = style, value
    return render_pdf(spec)


def test_printed_name_on_the_line_is_not_signed() -> None:
    result = process_document(_form("printed_name", False), "a.pdf",
                              ProcessingOptions(schema_name="application"))
    assert result.fields["declaration_signed"].value is False


def test_stamp_is_not_signed_and_goes_to_review() -> None:
    result = process_document(_form("stamp", False), "a.pdf",
                              ProcessingOptions(schema_name="application"))
    field = result.fields["declaration_signed"]
    assert field.value is False
    assert ReviewReason.SIGNATURE_UNSURE in field.review_reasons
    assert result.status == RecordStatus.NEEDS_REVIEW
    assert ReviewReason.FIELDS in result.review_reasons


def test_application_declared_as_parking_permit_is_the_wrong_type() -> None:
    data = _form("drawn", True)
    wrong = to_record(process_document(data, "a.pdf",
                                       ProcessingOptions(schema_name="parking_permit")))
    assert wrong.status == RecordStatus.NEEDS_REVIEW
    assert ReviewReason.WRONG_TYPE in wrong.review_reasons
    assert wrong.classification is not None
    assert wrong.classification.schema_name == "application"
    right = process_document(data, "a.pdf", ProcessingOptions(schema_name="application"))
    assert ReviewReason.WRONG_TYPE not in right.review_reasons
    assert right.classification is not None
    assert right.classification.schema_name == "application"
    assert set(right.classification.candidates) >= {"application", "parking_permit"}
