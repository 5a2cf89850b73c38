"""Embedded processing: a real ``idp serve`` killed mid-work resumes on restart with every
document processed exactly once; retries run out on a document that cannot be read."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, update

from idp.db import Document, Job, get_session_factory
from idp.db.migrate import upgrade_database
from idp.db.models import utcnow
from idp.jobs.intake import Upload, accept_uploads
from idp.jobs.process import claim_and_run
from idp.keys import create_key
from idp.settings import Settings
from idp.storage import get_storage, original_key, record_key
from tests.data.pages import TEXT_LINES, pdf_with_pages, text_page, text_pdf
from tests.fixtures.services import SettingsFactory, free_ports


def _serve(data_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "IDP_DATA_DIR": str(data_dir), "IDP_OCR__PAGE_WORKERS": "1",
           "IDP_JOBS__WORKERS": "1", "IDP_JOBS__POLL_INTERVAL_S": "0.1"}
    with open(log, "ab") as fh:
        proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "idp"), "serve", "--port", str(port)],
            env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise AssertionError(f"idp serve did not become ready; see {log}")


@pytest.mark.slow
def test_service_killed_mid_document_resumes_on_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    (port,) = free_ports(1)
    proc = _serve(data_dir, port, tmp_path / "serve.log")
    settings = Settings(data_dir=data_dir)
    try:
        with get_session_factory(settings).begin() as s:
            _, key = create_key(s, "uploader")
        auth = {"Authorization": f"Bearer {key}"}
        scan = pdf_with_pages([text_page(TEXT_LINES, dpi=200).image] * 3, dpi=200)
        files = [("files", (f"d{i}.pdf", scan, "application/pdf")) for i in range(3)]
        # One document of three pages (three copies of a whole form would be split).
        r = httpx.post(f"http://127.0.0.1:{port}/v1/documents", files=files, headers=auth,
                       data={"split": "false"}, timeout=30)
        assert r.status_code == 202
        ids = [d["id"] for d in r.json()["documents"]]

        def states() -> list[str]:
            with get_session_factory(settings)() as s:
                return [j.state for j in s.scalars(select(Job).where(Job.document_id.in_(ids)))]

        deadline = time.monotonic() + 60
        while "running" not in states():
            assert time.monotonic() < deadline, "no document started"
            time.sleep(0.1)
        time.sleep(0.5)
        os.killpg(proc.pid, signal.SIGKILL)  # the whole service dies mid-document
        proc.wait()
        assert states().count("done") < 3

        proc = _serve(data_dir, port, tmp_path / "serve.log")
        deadline = time.monotonic() + 180
        while states() != ["done"] * 3:
            assert time.monotonic() < deadline, f"not resumed: {states()}"
            time.sleep(0.3)
        with get_session_factory(settings)() as s:
            jobs = s.scalars(select(Job).where(Job.document_id.in_(ids))).all()
        assert [j.runs_completed for j in jobs] == [1, 1, 1]
        assert max(j.attempts for j in jobs) == 2  # the interrupted one ran again
        for doc_id in ids:
            body = httpx.get(f"http://127.0.0.1:{port}/v1/documents/{doc_id}/record",
                             headers=auth).json()
            assert body["status"] == "accepted" and body["source"]["pages"] == 3
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)


def test_a_document_whose_original_vanished_fails_after_its_retries(
    service_settings: SettingsFactory,
) -> None:
    settings = service_settings("local", max_attempts=2)
    upgrade_database(settings)
    storage = get_storage(settings)
    with get_session_factory(settings)() as s:
        owner, _ = create_key(s, "uploader")
        s.commit()
        docs, _ = accept_uploads(s, storage, settings, owner,
                                 [Upload("a.pdf", text_pdf([TEXT_LINES[:2]]))])
        s.commit()
    doc_id = docs[0].id
    storage.delete(original_key(doc_id))
    outcomes = []
    for _ in range(2):
        with get_session_factory(settings).begin() as s:  # skip the backoff wait
            s.execute(update(Job).where(Job.document_id == doc_id).values(not_before=utcnow()))
        _, outcome = claim_and_run(settings, "w", doc_id)
        outcomes.append(outcome)
    assert outcomes == ["queued", "failed"]
    assert not storage.exists(record_key(doc_id))


def test_processing_twice_is_impossible(service_settings: SettingsFactory) -> None:
    settings = service_settings("local")
    upgrade_database(settings)
    storage = get_storage(settings)
    with get_session_factory(settings)() as s:
        owner, _ = create_key(s, "uploader")
        s.commit()
        docs, _ = accept_uploads(s, storage, settings, owner,
                                 [Upload("a.pdf", text_pdf([TEXT_LINES[:2]]))])
        s.commit()
    doc_id = docs[0].id
    assert claim_and_run(settings, "w1", doc_id)[1] == "done"
    assert claim_and_run(settings, "w2", doc_id) == (None, "none")
    with get_session_factory(settings)() as s:
        job = s.scalars(select(Job).where(Job.document_id == doc_id)).one()
    assert job.runs_completed == 1 and job.attempts == 1


def test_progress_moves_between_stages(service_settings: SettingsFactory) -> None:
    import threading

    from idp.db import Document

    settings = service_settings("local")
    upgrade_database(settings)
    storage = get_storage(settings)
    scan = pdf_with_pages([text_page(TEXT_LINES, dpi=200).image] * 2, dpi=200)
    with get_session_factory(settings)() as s:
        owner, _ = create_key(s, "uploader")
        s.commit()
        docs, _ = accept_uploads(s, storage, settings, owner, [Upload("scan.pdf", scan)],
                                 "application")
        s.commit()
    doc_id = docs[0].id
    worker = threading.Thread(target=claim_and_run, args=(settings, "w", doc_id))
    worker.start()
    seen = []
    while worker.is_alive():
        with get_session_factory(settings)() as s:
            doc = s.get(Document, doc_id)
            assert doc is not None
            seen.append(doc.progress)
        time.sleep(0.05)
    worker.join()
    assert seen == sorted(seen)  # never goes backwards
    assert any(0.1 < p < 1.0 for p in seen), seen  # reported between stages


@pytest.mark.slow
def test_an_unreachable_store_does_not_use_up_attempts(
    service_settings: SettingsFactory,
) -> None:
    """The object store down is not the document's fault: the job goes back to the queue
    without using an attempt, until ``max_outage_retries`` such returns."""
    settings = service_settings("local", max_attempts=1, max_outage_retries=1)
    upgrade_database(settings)
    with get_session_factory(settings)() as s:
        owner, _ = create_key(s, "uploader")
        s.commit()
        docs, _ = accept_uploads(s, get_storage(settings), settings, owner,
                                 [Upload("a.pdf", text_pdf([TEXT_LINES[:2]]))])
        s.commit()
    doc_id = docs[0].id
    down = settings.model_copy(deep=True)  # the same database, an S3 server that is down
    down.storage.backend = "s3"
    down.storage.s3_endpoint = f"127.0.0.1:{free_ports(1)[0]}"
    down.storage.s3_bucket = "nobody-listens"
    outcomes = []
    for _ in range(2):
        with get_session_factory(settings).begin() as s:  # skip the backoff wait
            s.execute(update(Job).where(Job.document_id == doc_id).values(not_before=utcnow()))
        _, outcome = claim_and_run(down, "w", doc_id)
        outcomes.append(outcome)
    assert outcomes == ["queued", "failed"]  # with max_attempts=1, the first did not count
    with get_session_factory(settings)() as s:
        job = s.scalars(select(Job).where(Job.document_id == doc_id)).one()
        doc = s.get(Document, doc_id)
    assert (job.attempts, job.outage_retries, job.state) == (2, 1, "failed")
    assert doc is not None and doc.status == "failed"
    assert "StorageError" in doc.errors[0]  # failed with the reason
