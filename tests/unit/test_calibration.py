"""Calibration: from a field's score to the probability that its value is right."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest

from idp.datamodel import (
    FieldResult,
    Page,
    PageSource,
    ProcessingOptions,
    ProcessingResult,
    Source,
)
from idp.fields.calibration import Calibration, calibrate_result, calibration_path, fit, fit_map
from idp.schemas import DEFAULT_SCHEMAS_DIR
from idp.settings import Settings


def test_probability_is_the_share_right_and_never_falls_as_the_score_rises() -> None:
    rng = random.Random(1)
    # Right with probability equal to the score: the map should find about that.
    values = [(s, rng.random() < s) for s in (rng.random() for _ in range(4000))]
    m = fit_map(values)
    assert m.probabilities == sorted(m.probabilities)
    for score in (0.2, 0.5, 0.8):
        assert m(score) == pytest.approx(score, abs=0.08)


def test_one_wrong_value_pulls_its_step_down_and_few_values_stay_modest() -> None:
    values = [(0.5 + i / 200, True) for i in range(100)]
    assert fit_map(values)(0.9) == pytest.approx(101 / 102, abs=1e-4)
    # A misread scored 0.95 (a dropped diacritic): the values at or under it can no longer
    # vouch for the high scores as before.
    m = fit_map([*values, (0.95, False)])
    assert m(0.96) < 101 / 102
    # Ten right values say less than a hundred.
    assert fit_map(values[:10])(0.9) < 0.95


def test_below_the_lowest_score_calibration_saw_nothing_is_vouched_for() -> None:
    m = fit_map([(0.4 + i / 100, True) for i in range(50)])
    assert m(0.39) == 0.0 and m(0.4) > 0.9


def test_each_reading_has_its_own_map_and_an_unknown_one_the_most_cautious() -> None:
    cal = fit([("text_layer", 0.5 + i / 100, True) for i in range(40)]
              + [("ocr", 0.5 + i / 100, i % 10 != 0) for i in range(40)], "test")
    assert cal(0.8, "text_layer") > cal(0.8, "ocr")
    assert cal(0.8, None) == cal(0.8, "ocr")
    again = Calibration.from_json(json.loads(json.dumps(cal.to_json())))
    assert again(0.8, "ocr") == cal(0.8, "ocr") and again.fitted_on == "test"


def test_the_validate_stage_applies_the_schemas_map(tmp_path: Path) -> None:
    folder = tmp_path / "schemas"
    shutil.copytree(DEFAULT_SCHEMAS_DIR, folder)
    settings = Settings(schemas_dir=folder)
    result = ProcessingResult(
        id="t", source=Source(filename="t.tiff"), schema_name="application",
        options=ProcessingOptions(schema_name="application"),
        pages=[Page(number=1, width=600, height=800, source=PageSource.OCR)],
        fields={"last_name": FieldResult(value="Jones", confidence=0.9, page=1, valid=True)},
    )
    path = calibration_path("application", settings)
    path.parent.mkdir(exist_ok=True)
    cal = fit([("ocr", 0.5 + i / 100, i % 20 != 0) for i in range(60)], "test")
    path.write_text(json.dumps(cal.to_json()))
    calibrate_result(result, settings)
    assert result.fields["last_name"].confidence == cal(0.9, "ocr") < 0.99
    path.unlink()
    result.fields["last_name"].confidence = 0.9
    calibrate_result(result, settings)
    assert result.fields["last_name"].confidence == 0.9  # no map: the score stays


def test_an_invalid_value_is_calibrated_by_the_invalid_values() -> None:
    cal = fit([("text_layer", 0.3 + i / 100, True) for i in range(60)]
              + [("invalid", 0.3 + i / 10, i % 2 == 0) for i in range(6)])
    assert cal(0.5, "text_layer") > 0.98
    assert cal(0.5, "invalid") <= 0.6
