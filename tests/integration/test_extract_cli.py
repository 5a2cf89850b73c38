"""``idp extract`` as a script uses it: folders (recursively, in name order), ``-`` for
standard input, and an exit status that says whether all, some or none of the inputs
gave a record (0, 2, 1)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from idp.cli import expand_inputs, extract_exit_code
from tests.data.pages import text_pdf

IDP = Path(sys.executable).with_name("idp")


def _run(args: list[str], tmp_path: Path, stdin: bytes | None = None) -> tuple[int, list[dict]]:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1", "IDP_DATA_DIR": str(tmp_path / "data")}
    proc = subprocess.run(
        [str(IDP), "extract", "--quiet", *args], input=stdin, capture_output=True, env=env,
        timeout=300, cwd=tmp_path,
    )
    assert b"Traceback" not in proc.stderr, proc.stderr[-2000:]
    return proc.returncode, [json.loads(line) for line in proc.stdout.splitlines()]


def test_exit_status_counts_failures() -> None:
    assert extract_exit_code(3, 0) == 0
    assert extract_exit_code(3, 1) == 2
    assert extract_exit_code(3, 3) == 1
    assert extract_exit_code(0, 0) == 1


def test_folders_are_read_recursively_in_name_order(tmp_path: Path) -> None:
    root = tmp_path / "in"
    (root / "b" / "deeper").mkdir(parents=True)
    (root / ".hidden").mkdir()
    for rel in ("z.pdf", "a.pdf", "b/deeper/c.pdf", "b/a.pdf", ".hidden/x.pdf", ".dot.pdf"):
        (root / rel).write_bytes(b"%PDF-")
    listed = [p.relative_to(root).as_posix() for p in expand_inputs([root])]
    assert listed == ["a.pdf", "b/a.pdf", "b/deeper/c.pdf", "z.pdf"]
    assert expand_inputs([Path("-"), root / "a.pdf"]) == [Path("-"), root / "a.pdf"]


def test_exit_codes_folders_and_stdin(tmp_path: Path) -> None:
    pdf = text_pdf([["Name: Megan Jones", "Date: 03/03/1985"]])
    folder = tmp_path / "batch"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "two.pdf").write_bytes(pdf)
    (folder / "one.pdf").write_bytes(pdf)
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.7 this is not a PDF")

    code, records = _run([str(folder)], tmp_path)
    assert code == 0
    assert [r["source"]["filename"] for r in records] == ["one.pdf", "two.pdf"]
    assert all(r["status"] != "failed" for r in records)

    code, records = _run([str(folder / "one.pdf"), str(tmp_path / "broken.pdf")], tmp_path)
    assert code == 2
    assert [r["status"] == "failed" for r in records] == [False, True]

    code, records = _run([str(tmp_path / "broken.pdf"), str(tmp_path / "missing.pdf")], tmp_path)
    assert code == 1 and len(records) == 2

    code, records = _run(["-"], tmp_path, stdin=pdf)
    assert code == 0
    assert records[0]["source"]["filename"] == "stdin"
    assert records[0]["source"]["pages"] == 1
