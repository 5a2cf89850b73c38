"""Generic key–value pairs on hand-placed pages: every relation, and what must not pair."""

from __future__ import annotations

import random

import cv2

from idp.datamodel import KeyValue, Page, PageSource
from idp.layout import analyse_page
from tests.unit.test_layout_checkboxes import draw_box
from tests.unit.test_layout_lines import blank_image, make_page, place, px


def pairs(page: Page) -> dict[str, str]:
    return {kv.key: kv.value for kv in page.key_values}


def find(page: Page, key: str) -> KeyValue:
    return next(kv for kv in page.key_values if kv.key == key)


def test_label_colon_value_on_one_line() -> None:
    page = make_page(place("Name: Jane Smith", 50, 100))
    analyse_page(page, None)
    kv = find(page, "Name")
    assert kv.value == "Jane Smith"
    assert kv.relation == "right"
    assert kv.page == 1
    # Boxes are relative to the page, within 0-1, the key left of the value.
    assert all(0.0 <= v <= 1.0 for v in kv.key_bbox + (kv.value_bbox or []))
    assert kv.key_bbox[2] <= (kv.value_bbox or [0.0])[0]
    assert kv.confidence > 0.9


def test_two_pairs_on_one_baseline_stay_apart() -> None:
    words = place("Name: Jane Smith", 50, 100) + place("Date of birth: 03/03/1985", 320, 100)
    page = make_page(words)
    analyse_page(page, None)
    assert pairs(page) == {"Name": "Jane Smith", "Date of birth": "03/03/1985"}


def test_value_at_a_tab_stop_and_labels_without_colons() -> None:
    words = (
        place("Reference:", 50, 100)
        + place("APP-12345", 200, 100)
        + place("First name", 50, 130)
        + place("Jane", 150, 130)
        + place("Surname", 320, 130)
        + place("Smith", 420, 130)
    )
    page = make_page(words)
    analyse_page(page, None)
    assert pairs(page) == {"Reference": "APP-12345", "First name": "Jane", "Surname": "Smith"}


def test_label_and_value_a_little_apart_in_one_segment() -> None:
    # "Number of people in household  4": the gap is wider than word spacing, not a tab.
    words = place("Number of people in household", 50, 100)
    words += place("4", words[-1].bbox[2] + 6, 100, size=11)
    page = make_page(words)
    analyse_page(page, None)
    assert pairs(page) == {"Number of people in household": "4"}


def test_value_below_a_colon_label() -> None:
    words = place("Address:", 50, 100) + place("12 High Street, Cardiff", 50, 114)
    page = make_page(words)
    analyse_page(page, None)
    assert find(page, "Address").value == "12 High Street, Cardiff"
    assert find(page, "Address").relation == "below"


def test_stacked_labels_and_underlined_values() -> None:
    img = blank_image()
    words = []
    y = 100.0
    for label, value in [
        ("Given name", "Jane"),
        ("Family name", "Smith"),
        ("Postcode", "CF10 1AA"),
    ]:
        words += place(label, 50, y, size=9) + place(value, 52, y + 14, size=11)
        cv2.line(img, (px(48), px(y + 27)), (px(300), px(y + 27)), 0, 1)
        y += 40
    page = make_page(words)
    analyse_page(page, img)
    assert pairs(page) == {"Given name": "Jane", "Family name": "Smith", "Postcode": "CF10 1AA"}
    assert {kv.relation for kv in page.key_values} == {"below"}


def test_label_inside_a_ruled_box() -> None:
    img = blank_image()
    words = []
    for x, (label, value) in zip(
        (50, 310), [("Date of birth", "03/03/1985"), ("Phone", "01234 567890")], strict=True
    ):
        cv2.rectangle(img, (px(x), px(100)), (px(x + 250), px(140)), 0, 2)
        words += place(label, x + 4, 103, size=7.5) + place(value, x + 6, 118, size=11)
    page = make_page(words)
    analyse_page(page, img)
    assert pairs(page) == {"Date of birth": "03/03/1985", "Phone": "01234 567890"}
    assert {kv.relation for kv in page.key_values} == {"inside"}


def test_two_column_ruled_table() -> None:
    img = blank_image()
    rows = [("Surname", "Jones"), ("Monthly income", "£1,250.00"), ("Postcode", "SA1 1AA")]
    words = []
    for r, (label, value) in enumerate(rows):
        top = 100 + r * 24
        cv2.line(img, (px(50), px(top)), (px(545), px(top)), 0, 1)
        words += place(label, 54, top + 7) + place(value, 225, top + 7)
    cv2.line(img, (px(50), px(172)), (px(545), px(172)), 0, 1)
    for x in (50, 220, 545):
        cv2.line(img, (px(x), px(100)), (px(x), px(172)), 0, 1)
    page = make_page(words)
    analyse_page(page, img)
    assert pairs(page) == dict(rows)
    assert {kv.relation for kv in page.key_values} == {"cell"}
    assert page.tables and page.tables[0].n_cols == 2


def test_checkbox_group_gives_the_ticked_option() -> None:
    img = blank_image()
    rng = random.Random(1)
    words = place("Preferred contact:", 50, 200)
    for k, (option, mark) in enumerate([("Email", "empty"), ("Phone", "cross"), ("Post", "empty")]):
        x = 160 + k * 70
        draw_box(img, x, 200, 9, mark, rng)
        words += place(option, x + 13, 199)
    page = make_page(words)
    analyse_page(page, img)
    kv = find(page, "Preferred contact")
    assert kv.value == "Phone"
    assert kv.relation == "checkbox"
    # The options are not pairs of their own.
    assert set(pairs(page)) == {"Preferred contact"}


def test_checkbox_options_under_their_question() -> None:
    words = place("Which best describes you?", 50, 100)
    words += (
        place("☐ Employed", 60, 116) + place("☒ Retired", 60, 132) + place("☐ Student", 60, 148)
    )
    page = make_page(words)
    analyse_page(page, None)
    assert pairs(page) == {"Which best describes you?": "Retired"}


def test_prose_makes_no_pairs() -> None:
    words = place("I declare that the information I have given on this form is correct.", 50, 100)
    words += place("I understand that giving false information may lead to prosecution.", 50, 114)
    page = make_page(words)
    analyse_page(page, None)
    assert page.key_values == []


def test_blank_fill_in_line_is_not_a_value() -> None:
    page = make_page(place("Name: ____________", 50, 100))
    analyse_page(page, None)
    assert page.key_values == []


def test_confidence_follows_the_words() -> None:
    sure = make_page(place("Name: Jane Smith", 50, 100))
    unsure = make_page(place("Name: Jane Smith", 50, 100, confidence=0.5), PageSource.OCR)
    analyse_page(sure, None)
    analyse_page(unsure, None)
    assert find(unsure, "Name").confidence < find(sure, "Name").confidence


def test_bilingual_label_keeps_both_languages() -> None:
    page = make_page(place("Dyddiad geni / Date of birth: 03/03/1985", 50, 100))
    analyse_page(page, None)
    assert pairs(page) == {"Dyddiad geni / Date of birth": "03/03/1985"}


def test_two_short_lines_without_a_form_cue_are_not_a_pair() -> None:
    # No colon, no fill-in rule, same type size: a heading and a line of text, not a field.
    words = place("Opening hours", 50, 100) + place("Monday to Friday", 50, 114)
    page = make_page(words)
    analyse_page(page, blank_image())
    assert page.key_values == []
