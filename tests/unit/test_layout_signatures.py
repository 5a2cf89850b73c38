"""Signature lines: a rule by a signature label, signed when unexplained ink sits on it."""

from __future__ import annotations

import random

import cv2
import numpy as np

from idp.datamodel import PageSource, Word
from idp.layout import analyse_page
from idp.layout.signatures import is_signature_label
from tests.unit.test_layout_lines import blank_image, make_page, place, px


def scribble(img: np.ndarray, x0: float, x1: float, baseline: float, seed: int) -> None:
    rng = random.Random(seed)
    pts = [(px(x0 + 5), px(baseline - 8))]
    x = x0 + 5
    while x < x1 - 20:
        x += rng.uniform(8, 20)
        pts.append((px(x), px(baseline - rng.uniform(2, 20))))
    cv2.polylines(img, [np.array(pts)], False, 40, 2)


def _page(signed: bool, label: str = "Signature of applicant:"):
    img = blank_image()
    words = place(label, 50, 500)
    start = words[-1].bbox[2] + 10
    cv2.line(img, (px(start), px(511)), (px(start + 200), px(511)), 0, 1)
    if signed:
        scribble(img, start, start + 200, 510, seed=3)
    return make_page(words), img


def test_signed_line() -> None:
    page, img = _page(signed=True)
    analyse_page(page, img)
    assert len(page.signatures) == 1
    mark = page.signatures[0]
    assert mark.signed and mark.confidence >= 0.8
    assert mark.label == "Signature of applicant"
    # A handwritten mark is not text: no key-value pair is invented for it.
    assert page.key_values == []


def test_unsigned_line() -> None:
    page, img = _page(signed=False)
    analyse_page(page, img)
    assert [(m.signed, m.label) for m in page.signatures] == [(False, "Signature of applicant")]


def test_welsh_label_under_the_line() -> None:
    img = blank_image()
    cv2.line(img, (px(50), px(500)), (px(250), px(500)), 0, 1)
    scribble(img, 50, 250, 498, seed=4)
    page = make_page(place("Llofnod", 52, 503))
    analyse_page(page, img)
    assert [(m.signed, m.label) for m in page.signatures] == [(True, "Llofnod")]


def test_typed_name_on_the_line_is_a_pair() -> None:
    img = blank_image()
    cv2.line(img, (px(100), px(511)), (px(300), px(511)), 0, 1)
    words = place("Signed:", 50, 500) + place("Jane Smith", 110, 499)
    page = make_page(words)
    analyse_page(page, img)
    # A printed name is not a signature (issue 12: it passed as signed at 0.97); the name
    # is still kept as the line's pair.
    assert [(m.signed, m.kind) for m in page.signatures] == [(False, "printed_name")]
    assert page.signatures[0].confidence >= 0.8
    assert {kv.key: kv.value for kv in page.key_values} == {"Signed": "Jane Smith"}


def test_typed_slash_s_signature_signs() -> None:
    img = blank_image()
    cv2.line(img, (px(100), px(511)), (px(300), px(511)), 0, 1)
    page = make_page(place("Signed:", 50, 500) + place("/s/ Jane Smith", 110, 499))
    analyse_page(page, img)
    assert [(m.signed, m.kind) for m in page.signatures] == [(True, "typed")]
    assert page.signatures[0].confidence >= 0.9


def test_stamp_on_the_line_is_unsure_and_not_a_signature() -> None:
    img = blank_image()
    cv2.line(img, (px(100), px(511)), (px(300), px(511)), 0, 1)
    cv2.rectangle(img, (px(130), px(484)), (px(215), px(514)), 0, 3)
    page = make_page(place("Signed:", 50, 500) + place("RECEIVED", 138, 503))
    analyse_page(page, img)
    mark = page.signatures[0]
    assert (mark.signed, mark.kind) == (False, "stamp")
    assert mark.confidence < 0.75


def test_drawn_mark_over_a_printed_name_signs() -> None:
    page, img = _page(signed=True)
    page = make_page(page.words + place("Jane Smith", 200, 522))
    analyse_page(page, img)
    assert [(m.signed, m.kind) for m in page.signatures] == [(True, "drawn")]


def test_empty_line_is_unsigned_and_sure() -> None:
    page, img = _page(signed=False)
    analyse_page(page, img)
    mark = page.signatures[0]
    assert (mark.signed, mark.kind) == (False, "empty") and mark.confidence >= 0.9


def test_underscores_in_a_text_layer_are_a_signature_line() -> None:
    words = place("Signature:", 50, 500) + [Word(text="_" * 20, bbox=(110, 500, 250, 511))]
    page = make_page(words)
    analyse_page(page, None)
    assert [(m.signed, m.label) for m in page.signatures] == [(False, "Signature")]
    assert page.key_values == []


def test_date_signed_is_not_a_signature_label() -> None:
    assert is_signature_label("Signature")
    assert is_signature_label("Llofnod yr ymgeisydd")
    assert not is_signature_label("Date signed")
    assert not is_signature_label("Name of signatory")


def test_any_form_of_sign_labels_a_signature() -> None:
    # "Sign below" was no signature label, so its line was never looked at (issue 12).
    for label in ("Sign below", "Please sign here", "Signed by applicant", "Llofnodwch"):
        assert is_signature_label(label), label
    for label in ("Design", "Signing date", "Name of signatory"):
        assert not is_signature_label(label), label


def _scanned_line(text: str, confidence: float):
    """A scanned page with a signature line that carries ``text`` printed (ink and words)."""
    img = blank_image()
    cv2.line(img, (px(100), px(511)), (px(300), px(511)), 0, 1)
    words = place("Signed:", 50, 500) + place(text, 110, 499, confidence=confidence)
    for w in words[1:]:
        x0, y0, x1, y1 = w.bbox
        cv2.rectangle(img, (px(x0) + 1, px(y0) + 2), (px(x1) - 1, px(y1) - 1), 0, -1)
    return make_page(words, PageSource.OCR), img


def test_a_printed_name_read_unsure_on_a_scan_is_no_signature() -> None:
    # OCR read "Renée Øberg" at 0.64 on a scan; its ink passed for a drawn mark (signed at
    # 0.99, issue 12). A capitalised word is printed text even when read unsure.
    page, img = _scanned_line("Renée Øberg", 0.64)
    analyse_page(page, img)
    assert [(m.signed, m.kind) for m in page.signatures] == [(False, "printed_name")]


def test_slash_s_as_ocr_reads_it_on_a_scan_signs() -> None:
    for token in ("Isl", "_/s/", "|s|"):
        page, img = _scanned_line(f"{token} Jane Smith", 0.9)
        analyse_page(page, img)
        assert [(m.signed, m.kind) for m in page.signatures] == [(True, "typed")], token
