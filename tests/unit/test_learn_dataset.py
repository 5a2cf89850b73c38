"""idp.learn without a model: reading order, value location, tags, decoding, calibration."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from idp.learn.calibrate import calibrate, share_right_above
from idp.learn.compare import parse_amount, parse_any_date, same_exact, same_value
from idp.learn.dataset import (
    FieldExample,
    LayoutWord,
    PageWords,
    bio_tags,
    locate_value,
    reading_order,
    words_from_lines,
)
from idp.learn.decode import decode_entities, decode_fields


def _line(text: str, y: float, x: float = 10.0) -> list[LayoutWord]:
    return words_from_lines([(text, (x, y, x + 8.0 * len(text), y + 12.0))])


def test_words_from_lines_apportions_the_box_by_characters() -> None:
    words = words_from_lines([("AB CDEF", (0.0, 0.0, 70.0, 10.0))])
    assert [w.text for w in words] == ["AB", "CDEF"]
    assert words[0].box == (0.0, 0.0, 20.0, 10.0)
    assert words[1].box == (30.0, 0.0, 70.0, 10.0)


def test_reading_order_joins_pieces_of_one_line_and_goes_top_down() -> None:
    amount = LayoutWord("60.30", (300.0, 101.0, 340.0, 113.0))
    label = LayoutWord("TOTAL", (10.0, 100.0, 60.0, 112.0))
    top = LayoutWord("SHOP", (10.0, 20.0, 60.0, 32.0))
    assert [w.text for w in reading_order([amount, label, top])] == ["SHOP", "TOTAL", "60.30"]


def test_locate_value_finds_every_exact_occurrence_on_word_boundaries() -> None:
    words = _line("TOTAL RM60.30", 10) + _line("CASH 60.30", 30) + _line("ITEM 160.30", 50)
    spans = locate_value(words, "60.30")
    assert spans == [[1], [3]]  # "RM" may be glued on; "160.30" is another amount


def test_locate_value_spans_lines_and_tolerates_misreads() -> None:
    words = _line("27, JALAN DEDAP 13,", 10) + _line("TAMAN J0HOR JAYA,", 30) + _line("TEL 07", 50)
    spans = locate_value(words, "27, JALAN DEDAP 13, TAMAN JOHOR JAYA,")
    assert spans == [list(range(0, 7))]
    assert locate_value(words, "NOWHERE TO BE SEEN AT ALL") == []


def test_bio_tags_mark_begin_and_inside_per_field() -> None:
    words = _line("ACME TRADING", 10) + _line("TOTAL 5.00", 30)
    example = FieldExample(PageWords(words, 200, 100), {"company": "Acme Trading", "total": "5.00"})
    assert bio_tags(example, ["company", "total"]) == [1, 2, 0, 3]


def test_decode_fields_keeps_the_strongest_run_and_cuts_the_amount() -> None:
    words = _line("SHOP NAME", 10) + _line("TOTAL RM12.50", 30)
    page = PageWords(words, 200, 100)
    # tags O, B-company, I-company, B-total, I-total
    probs = [
        [0.1, 0.8, 0.1, 0.0, 0.0],
        [0.1, 0.1, 0.8, 0.0, 0.0],
        [0.9, 0.0, 0.0, 0.1, 0.0],
        [0.1, 0.0, 0.0, 0.9, 0.0],
    ]
    found = decode_fields(page, probs, ["company", "total"], ["text", "money"])
    assert found["company"].text == "SHOP NAME"
    assert abs(found["company"].confidence - 0.9) < 1e-9
    assert found["total"].text == "12.50"
    assert found["total"].words == [3]


def test_decode_entities_continues_an_answer_on_the_next_line_only_when_close() -> None:
    words = [
        LayoutWord("Name:", (10, 10, 50, 20)),
        LayoutWord("John", (60, 10, 90, 20)),
        LayoutWord("Smith", (60, 22, 95, 32)),
        LayoutWord("Far", (60, 200, 95, 210)),
    ]
    page = PageWords(words, 300, 300)
    entities = decode_entities(page, [1, 3, 4, 4], ["question", "answer"])
    assert entities == [("question", [0]), ("answer", [1, 2]), ("answer", [3])]


def test_calibrate_picks_the_lowest_threshold_that_keeps_the_target() -> None:
    scored = [(0.99, True)] * 49 + [(0.95, False)] + [(0.9, True)] * 50 + [(0.5, False)] * 10
    cal = calibrate(scored, target=0.98)
    assert cal.threshold == 0.9
    assert cal.precision >= 0.98
    assert share_right_above(scored, cal.threshold) == (0.99, 100)
    assert calibrate([(0.9, False), (0.8, False)]).threshold == 1.0
    # all right, yet less than even confidence is never trusted
    assert calibrate([(0.9, True), (0.3, True), (0.2, True)]).threshold == 0.9


def test_values_compare_as_dates_amounts_and_compact_text() -> None:
    assert parse_any_date("12/28/2017") == date(2017, 12, 28)
    assert parse_any_date("18-03-18") == date(2018, 3, 18)
    assert parse_any_date("05 Jan 2018") == date(2018, 1, 5)
    assert parse_amount("RM 1,234.50") == Decimal("1234.50")
    assert parse_amount("1.234,50 €") == Decimal("1234.50")
    assert same_value("money", "43.70", "43.7")
    assert same_value("date", "19/10/2018", "19-10-2018")
    assert same_value("text", "Indah Gift & Home Deco.", "INDAH GIFT HOME DECO")
    assert not same_value("text", "INDAH GIFT", "INDAH GIFT & HOME DECO")
    assert same_exact("A  B", "A B") and not same_exact("a b", "A B")


def test_model_confidence_maps_its_threshold_onto_the_schema_threshold() -> None:
    from idp.learn.extractor import on_schema_scale

    assert on_schema_scale(0.7, 0.7, 0.95) == 0.95
    assert on_schema_scale(1.0, 0.7, 0.95) == 1.0
    assert on_schema_scale(0.35, 0.7, 0.95) < 0.95
    assert on_schema_scale(0.99, 1.0, 0.95) < 0.95  # an uncalibratable field is never trusted
