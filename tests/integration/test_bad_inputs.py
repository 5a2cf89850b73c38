"""Every kind of bad input gives one clear error: from ``open_document`` directly, and from
a batch run of ``idp extract`` that mixes good and bad files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from idp.datamodel import ProcessingOptions, RecordStatus
from idp.errors import InputError
from idp.ingest import open_document
from idp.pipeline import process_document
from idp.settings import LimitSettings, Settings
from tests.data.bad_inputs import BAD_INPUTS, SMALL_LIMIT_BYTES, BadInput
from tests.data.pages import TEXT_LINES, image_bytes, text_page, text_pdf

IDP = Path(sys.executable).with_name("idp")


def test_the_corpus_has_at_least_twenty_kinds():
    assert len({case.name for case in BAD_INPUTS}) >= 20


@pytest.mark.parametrize(
    "case", [b for b in BAD_INPUTS if b.stage == "ingest"], ids=lambda b: b.name
)
def test_open_document_refuses_with_the_right_error(case: BadInput):
    limits = LimitSettings(max_bytes=SMALL_LIMIT_BYTES)
    with pytest.raises(InputError) as info:
        open_document(case.build(), case.name, limits)
    error = info.value
    assert type(error) is case.error, f"{case.name}: {type(error).__name__}: {error.message}"
    assert case.says.lower() in error.message.lower()
    assert "\n" not in error.message and "Traceback" not in error.message
    assert len(error.message) < 160


@pytest.mark.parametrize(
    "case", [b for b in BAD_INPUTS if b.stage == "read"], ids=lambda b: b.name
)
def test_documents_with_no_readable_page_fail_with_the_reason(case: BadInput):
    result = process_document(case.build(), case.name, ProcessingOptions(), Settings())
    assert result.status == RecordStatus.FAILED
    assert [e.stage for e in result.errors] == ["read"]
    assert case.says.lower() in result.errors[0].message.lower()


@pytest.mark.ocr
@pytest.mark.slow
def test_cli_batch_reports_each_bad_file_and_processes_the_good_ones(tmp_path):
    good_png = tmp_path / "good.png"
    good_png.write_bytes(image_bytes(text_page(TEXT_LINES[:5], dpi=200).image, dpi=200))
    # content decides, not the name: a PNG called .pdf is read as a PNG
    misnamed = tmp_path / "really-a-png.pdf"
    misnamed.write_bytes(good_png.read_bytes())
    good_pdf = tmp_path / "good.pdf"
    good_pdf.write_bytes(text_pdf([TEXT_LINES]))

    bad_paths: list[tuple[Path, str]] = []
    for case in BAD_INPUTS:
        path = tmp_path / case.name
        path.write_bytes(case.build())
        bad_paths.append((path, case.says))
    directory = tmp_path / "a-folder"
    directory.mkdir()
    bad_paths.append((directory, "directory"))
    bad_paths.append((tmp_path / "missing.pdf", "no such file"))

    inputs = [good_png, *[p for p, _ in bad_paths[:12]], misnamed, *[p for p, _ in bad_paths[12:]],
              good_pdf]
    expected_reason = {str(p): says for p, says in bad_paths}
    env = {
        **os.environ,
        "OMP_THREAD_LIMIT": "1",
        "IDP_LIMITS__MAX_BYTES": str(SMALL_LIMIT_BYTES),
        "IDP_DATA_DIR": str(tmp_path / "data"),
    }
    proc = subprocess.run(
        [str(IDP), "extract", *map(str, inputs)],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode == 2, proc.stderr[-2000:]  # some inputs failed
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(records) == len(inputs)
    for path, record in zip(inputs, records, strict=True):
        assert record["source"]["filename"] == path.name
        if str(path) in expected_reason:
            assert record["status"] == "failed", (path.name, record)
            assert len(record["errors"]) >= 1
            reason = record["errors"][0]
            assert "\n" not in reason
            assert expected_reason[str(path)].lower() in reason.lower(), (path.name, reason)
        else:
            assert record["status"] != "failed", (path.name, record["errors"])
            assert record["source"]["pages"] == 1
    assert records[0]["source"]["media_type"] == "image/png"
    assert records[13]["source"]["media_type"] == "image/png"  # the misnamed one
    assert records[-1]["source"]["media_type"] == "application/pdf"
    # one progress line per input on stderr, each bad one with its reason
    progress = [line for line in proc.stderr.splitlines() if line.startswith("[")]
    assert len(progress) == len(inputs)
