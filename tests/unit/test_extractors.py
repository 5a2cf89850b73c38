"""Extractors and the merge, on pages built by hand.

The read and layout stages are not under test here, so their output (words, checkboxes,
signature marks, key–value pairs) is written out directly; the extractors, label matcher,
normalisers and merge are the real ones.
"""

from __future__ import annotations

from typing import Any

import pytest

from extractors.choices import CheckboxGroupExtractor, group_boxes
from extractors.keyvalue import KeyValueExtractor
from extractors.patterns import PatternExtractor
from extractors.signature import SignatureExtractor
from idp.datamodel import (
    Checkbox,
    KeyValue,
    Page,
    PageSource,
    ProcessingOptions,
    ProcessingResult,
    RecordStatus,
    SignatureMark,
    Source,
    Word,
)
from idp.extraction import Candidate, ExtractionContext, Extractor, LabelMatcher
from idp.extraction.labels import label_parts
from idp.extraction.registry import get_extractors
from idp.fields import decide_status, extract_fields, validate_result
from idp.fields.extract import choose_winners, collect_candidates, score_candidates
from idp.layout import analyse_page
from idp.schemas import load_schema
from idp.settings import Settings
from idp.text import normalise_label

SETTINGS = Settings()
SCHEMA = load_schema("application", SETTINGS)
CHAR_W, ROW_H, SPACE = 6.0, 10.0, 3.0


def make_page(rows: list[list[tuple[float, str]]], number: int = 1, **layout: Any) -> Page:
    """A text-layer page: each row is segments ``(x, text)`` on one baseline, its pairs found
    by the layout stage as in the pipeline; ``layout`` overrides what that stage found."""
    words: list[Word] = []
    for r, row in enumerate(rows):
        y = 60.0 + r * 2.2 * ROW_H
        for x, text in row:
            for token in text.split():
                w = CHAR_W * len(token)
                words.append(Word(text=token, bbox=(x, y, x + w, y + ROW_H)))
                x += w + SPACE
    page = Page(number=number, width=600, height=800, source=PageSource.TEXT_LAYER,
                words=words)
    analyse_page(page, None)
    for name, value in layout.items():
        setattr(page, name, value)
    return page


def result_for(*pages: Page, learned: dict[str, list[str]] | None = None) -> ProcessingResult:
    return ProcessingResult(
        id="t", source=Source(filename="t.pdf"), schema_name="application", pages=list(pages),
        options=ProcessingOptions(schema_name="application", learned_hints=learned or {}),
    )


def context(*pages: Page, semantic: bool = False) -> ExtractionContext:
    embedder = None
    if semantic:
        from idp.engines.embedder import get_embedder

        embedder = get_embedder
    return ExtractionContext(SCHEMA, LabelMatcher(SCHEMA, embedder=embedder), list(pages))


def lexical_fields(page: Page, learned: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """Run the merge with the lexical and format extractors only (no model)."""
    result = result_for(page, learned=learned)
    candidates = collect_candidates(result, SCHEMA, use_semantic=False)
    return choose_winners(score_candidates(candidates, SCHEMA), SCHEMA)


def test_label_parts_split_bilingual_labels_and_drop_notes() -> None:
    assert label_parts("Enw cyntaf / First name:") == ["enw cyntaf / first name", "enw cyntaf",
                                                      "first name"]
    assert "surname" in label_parts("Surname (in capitals)")
    assert normalise_label("  DATE OF BIRTH*: ") == "date of birth"


def test_colon_pairs_right_pairs_and_below_pairs() -> None:
    page = make_page([
        [(50, "First name: Siân")],
        [(50, "Surname"), (250, "Jones")],
        [(50, "Postcode")],
        [(50, "SY23 1AB")],
    ])
    pairs = {(p.key, p.value, p.origin) for p in page.possible_pairs}
    assert ("First name:", "Siân", "colon") in pairs
    assert ("Surname", "Jones", "right") in pairs
    assert ("Postcode", "SY23 1AB", "below") in pairs
    assert all(0 <= v <= 1 for p in page.possible_pairs for v in p.value_bbox or [])


def test_layout_key_values_come_first() -> None:
    kv = KeyValue(key="Forename", value="Llŷr", confidence=0.9, page=1, origin="colon",
                  key_bbox=[0.1, 0.1, 0.2, 0.12], value_bbox=[0.3, 0.1, 0.4, 0.12])
    possible = kv.model_copy(update={"value": "Llŷr Jones", "origin": "below"})
    page = make_page([], key_values=[kv], possible_pairs=[possible])
    pair = context(page).pairs(page)[0]
    assert (pair.key, pair.value, pair.origin, pair.confidence) == ("Forename", "Llŷr",
                                                                    "colon", 0.9)


def test_keyvalue_fields_with_english_welsh_and_bilingual_labels() -> None:
    page = make_page([
        [(50, "Enw cyntaf / First name:"), (300, "Siân")],
        [(50, "Cyfenw:"), (300, "Ní Bhriain")],
        [(50, "Date of birth:"), (300, "3 March 1985")],
        [(50, "NI number:"), (300, "AB 12 34 56 C")],
        [(50, "Rhif ffôn:"), (300, "+44 7700 900123")],
        [(50, "Monthly income:"), (300, "£1,234.5")],
        [(50, "Household size:"), (300, "3")],
        [(50, "Date:"), (300, "01/02/2024")],
    ])
    fields = lexical_fields(page)
    assert fields["first_name"].value == "Siân"
    assert fields["first_name"].label == "Enw cyntaf / First name"
    assert fields["last_name"].value == "Ní Bhriain"
    assert fields["date_of_birth"].value == "1985-03-03"
    assert fields["national_insurance_number"].value == "AB123456C"
    assert fields["phone"].value == "07700900123"
    assert fields["monthly_income"].value == "1234.50"
    assert fields["household_size"].value == 3
    assert fields["application_date"].value == "2024-02-01"
    dob = fields["date_of_birth"]
    assert dob.extractor == "keyvalue" and dob.page == 1 and dob.valid
    assert dob.bbox is not None and all(0 <= v <= 1 for v in dob.bbox)
    assert dob.text == "3 March 1985"


def test_a_field_not_on_the_page_is_null_with_zero_confidence() -> None:
    fields = lexical_fields(make_page([[(50, "First name:"), (300, "Zoë")]]))
    assert fields["email"].value is None
    assert fields["email"].confidence == 0.0
    assert fields["email"].valid is False
    assert set(fields) == set(SCHEMA.fields)


def test_one_value_on_the_page_wins_only_one_field() -> None:
    # Both date labels sit next to the same single date; only one field may take it.
    page = make_page([[(50, "Date of birth"), (200, "Date"), (320, "03/03/1985")]])
    fields = lexical_fields(page)
    taken = [n for n in ("date_of_birth", "application_date") if fields[n].value == "1985-03-03"]
    assert len(taken) == 1


def test_a_learned_phrasing_matches_as_strongly_as_a_schema_hint() -> None:
    hinted = make_page([[(50, "First name:"), (300, "Seán")]])
    learned = make_page([[(50, "Name you go by:"), (300, "Seán")]])
    assert lexical_fields(learned)["first_name"].value is None
    with_hint = lexical_fields(hinted)["first_name"]
    with_learned = lexical_fields(learned, {"first_name": ["Name you go by"]})["first_name"]
    assert with_learned.value == "Seán"
    assert with_learned.confidence == with_hint.confidence


def test_fuzzy_labels_survive_ocr_slips_but_not_different_words() -> None:
    matcher = LabelMatcher(SCHEMA)
    assert matcher.lexical("Surnarne")["last_name"] >= 0.8  # "rn" read for "m"
    assert "date_of_birth" not in matcher.lexical("Dyddiad heddiw")  # shares only "dyddiad"


def test_patterns_find_unlabelled_identifiers() -> None:
    page = make_page([[(50, "Ref AB123456C and write to sian@example.org")]])
    found = PatternExtractor().extract(page, context(page))
    by_field = {c.field: c for c in found}
    assert by_field["national_insurance_number"].text == "AB123456C"
    assert by_field["email"].text == "sian@example.org"
    assert by_field["email"].label_score == 0.5  # no label: the format alone


def boxes(labels: list[str], ticked: set[str], y: float = 100.0) -> list[Checkbox]:
    out = []
    for i, label in enumerate(labels):
        x = 50 + 110 * i
        out.append(Checkbox(bbox=(x, y, x + 9, y + 9), checked=label in ticked, confidence=0.9,
                            label=label, label_bbox=(x + 13, y, x + 90, y + 10)))
    return out


def test_checkbox_group_to_enum_ignores_other_groups() -> None:
    contact = boxes(["Email", "Phone", "Post"], {"Phone"}, y=100)
    status = boxes(["Employed", "Self-employed", "Unemployed", "Retired", "Student"],
                   {"Retired"}, y=300)
    page = make_page([], checkboxes=contact + status)
    assert len(group_boxes(page.checkboxes)) == 2
    found = CheckboxGroupExtractor().extract(page, context(page))
    assert [(c.field, c.value, c.errors) for c in found] == [("employment_status", "retired", [])]


def test_two_ticked_boxes_are_both_proposed_with_an_error() -> None:
    page = make_page([], checkboxes=boxes(
        ["Employed", "Self employed", "Unemployed", "Retired", "Student"],
        {"Employed", "Student"}))
    found = CheckboxGroupExtractor().extract(page, context(page))
    assert {c.value for c in found} == {"employed", "student"}
    assert all(c.errors == ["more than one box is ticked"] for c in found)


@pytest.mark.parametrize("signed", [True, False])
def test_signature_mark_to_boolean(signed: bool) -> None:
    mark = SignatureMark(bbox=(50, 600, 250, 630), signed=signed, confidence=0.8, label="Llofnod")
    page = make_page([], signatures=[mark])
    (cand,) = SignatureExtractor().extract(page, context(page))
    assert (cand.field, cand.value, cand.label_score) == ("declaration_signed", signed, 1.0)


def test_registry_lists_built_ins_that_follow_the_protocol() -> None:
    names = [e.name for e in get_extractors()]
    assert names == ["keyvalue", "semantic", "patterns", "checkbox", "signature", "learned"]
    assert all(isinstance(e, Extractor) for e in get_extractors())


def test_a_failing_extractor_is_an_error_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken:
        name = "broken"

        def extract(self, page: Page, context: ExtractionContext) -> list[Candidate]:
            raise RuntimeError("boom")

    monkeypatch.setattr("idp.extraction.registry.get_extractors",
                        lambda: (Broken(), KeyValueExtractor()))
    result = result_for(make_page([[(50, "First name:"), (300, "Zoë")]]))
    candidates = collect_candidates(result, SCHEMA, use_semantic=False)
    assert [c.value for c in score_candidates(candidates, SCHEMA)] and result.errors
    assert "extractor broken failed: boom" in result.errors[0].message


def full_form(**overrides: str) -> Page:
    values = {
        "First name": "Siân", "Last name": "Jones", "Date of birth": "03/03/1985",
        "NI number": "AB123456C", "Email": "sian@example.org", "Telephone": "01970 612345",
        "Address": "14 Station Road, Aberystwyth", "Postcode": "SY23 1AB",
        "Monthly income": "£1,200.00", "Household size": "2", "Date": "01/02/2024",
    } | overrides
    rows = [[(50.0, f"{label}:"), (300.0, value)] for label, value in values.items()]
    status = boxes(["Employed", "Self-employed", "Unemployed", "Retired", "Student"],
                   {"Employed"}, y=60 + len(rows) * 2.2 * ROW_H + 20)
    mark = SignatureMark(bbox=(50, 700, 250, 730), signed=True, confidence=1.0,
                         label="Signature")
    return make_page(rows, checkboxes=status, signatures=[mark])


@pytest.mark.ml
def test_whole_stages_accept_a_clean_form_and_flag_a_bad_one() -> None:
    result = result_for(full_form())
    extract_fields(result, SETTINGS)
    validate_result(result, SETTINGS)
    decide_status(result, SETTINGS)
    assert result.schema_version == "1"
    assert {n: f.valid for n, f in result.fields.items()} == {n: True for n in SCHEMA.fields}
    assert result.fields["employment_status"].value == "employed"
    assert result.fields["declaration_signed"].value is True
    assert result.status == RecordStatus.ACCEPTED

    bad = result_for(full_form(**{"NI number": "QQ123456C", "Date of birth": "03/03/2030"}))
    extract_fields(bad, SETTINGS)
    validate_result(bad, SETTINGS)
    decide_status(bad, SETTINGS)
    assert bad.status == RecordStatus.NEEDS_REVIEW
    ni, dob = bad.fields["national_insurance_number"], bad.fields["date_of_birth"]
    assert ni.valid is False and "prefix" in ni.errors[0]
    assert dob.valid is False and any("past" in e for e in dob.errors)
    assert dob.confidence < SCHEMA.fields["date_of_birth"].threshold


def test_cross_field_rule_date_of_birth_before_application() -> None:
    result = result_for(full_form(**{"Date of birth": "03/03/1985", "Date": "01/02/1984"}))
    result.fields = lexical_fields(result.pages[0])
    validate_result(result, SETTINGS)
    assert result.fields["date_of_birth"].valid is False
    assert "must be before application_date" in result.fields["date_of_birth"].errors[-1]


@pytest.mark.ml
def test_semantic_matching_finds_phrasings_the_schema_never_listed() -> None:
    page = make_page([
        [(50, "Your family name"), (300, "Łukaszewicz")],
        [(50, "Monthly earnings"), (300, "£950")],
        [(50, "Size of household"), (300, "4")],
        [(50, "Contact email"), (300, "l.k@example.org")],
    ])
    result = result_for(page)
    extract_fields(result, SETTINGS)
    fields = result.fields
    assert fields["last_name"].value == "Łukaszewicz"
    assert fields["monthly_income"].value == "950.00"
    assert fields["household_size"].value == 4
    assert fields["email"].value == "l.k@example.org"
    assert fields["monthly_income"].extractor == "semantic"


@pytest.mark.ml
def test_semantic_option_labels_map_to_enum_members() -> None:
    page = make_page([], checkboxes=boxes(
        ["Working", "Sole trader", "Jobseeker", "On a pension", "At university"],
        {"Sole trader"}))
    found = CheckboxGroupExtractor().extract(page, context(page, semantic=True))
    assert [c.value for c in found] == ["self_employed"]


def test_a_second_document_type_needs_no_code() -> None:
    schema = load_schema("parking_permit", SETTINGS)
    page = make_page([
        [(50, "Full name:"), (300, "Margaret Thompson")],
        [(50, "Vehicle registration:"), (300, "CY19 KLM")],
        [(50, "Amount paid:"), (300, "45.00 GBP")],
        [(50, "Postcode:"), (300, "sy23 1ab")],
    ])
    result = result_for(page)
    result.schema_name = "parking_permit"
    candidates = collect_candidates(result, schema, use_semantic=False)
    fields = choose_winners(score_candidates(candidates, schema), schema)
    assert fields["full_name"].value == "Margaret Thompson"
    assert fields["vehicle_registration"].value == "CY19 KLM"
    assert fields["amount_paid"].value == "45.00"
    assert fields["postcode"].value == "SY23 1AB"
    assert fields["application_date"].value is None


def _named(field: str, text: str, label: str, score: float, rival: str, rival_score: float,
           y: float) -> Candidate:
    return Candidate(
        field=field, text=text, page=1, bbox=[0.5, y, 0.7, y + 0.02], extractor="semantic",
        label=label, label_score=score, source_id=f"1:{y}", label_id=f"label:{y}",
        features={"margin": score - rival_score, f"rival:{rival}": rival_score},
    )


def test_a_label_ambiguous_alone_is_not_on_a_form_whose_other_label_names_the_rival() -> None:
    # "Given name(s)" names first name 0.80 and last name 0.75 (MiniLM): alone, a coin toss.
    given = _named("first_name", "Minh", "Given name(s)", 0.80, "last_name", 0.75, 0.1)
    alone = score_candidates([given], SCHEMA)[0]
    assert alone.candidate.features["margin"] == pytest.approx(0.05)
    # Beside "Surname / family name" (last name 1.0, first name 0.81) reading the two labels
    # the other way round explains the form worse by 0.05 + 0.19.
    given = _named("first_name", "Minh", "Given name(s)", 0.80, "last_name", 0.75, 0.1)
    surname = _named("last_name", "Davies", "Surname / family name", 1.0, "first_name", 0.81, 0.2)
    both = score_candidates([given, surname], SCHEMA)
    assert both[0].candidate.features["margin"] == pytest.approx(0.24)
    assert both[0].score > alone.score
    # The surname label's own margin is the same gap: the swap is one reading.
    assert both[1].candidate.features["margin"] == pytest.approx(0.24)
    fields = choose_winners(both, SCHEMA)
    assert (fields["first_name"].value, fields["last_name"].value) == ("Minh", "Davies")


def test_a_rival_only_this_label_could_hold_keeps_the_label_ambiguous() -> None:
    # The other label cannot hold the rival field's value (it reads no name), so it is no
    # better home for last name: "Given name(s)" stays as ambiguous as it is alone.
    given = _named("first_name", "Minh", "Given name(s)", 0.80, "last_name", 0.75, 0.1)
    other = _named("last_name", "12 High St", "Surname / family name", 1.0, "first_name", 0.81,
                   0.2)
    scored = score_candidates([given, other], SCHEMA)
    assert not scored[1].valid
    assert scored[0].candidate.features["margin"] == pytest.approx(0.05)
