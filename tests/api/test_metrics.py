"""``/metrics`` scraped and read with a strict Prometheus text parser, who may scrape it,
and ``idp report`` over the same numbers. Documents and review steps go through the real
review API; processed documents are written as a finished job leaves them."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from idp.db import get_session_factory
from idp.db.models import Document, utcnow
from idp.storage import get_storage, record_key
from tests.api.prometheus_text import parse, value
from tests.api.test_review_api import Env, record_for

IDP = Path(sys.executable).with_name("idp")


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    e = Env(tmp_path)
    yield e
    e.close()


def add_done(env: Env, doc_id: str, status: str, pages: int, seconds: float) -> None:
    now = utcnow()
    record = record_for(doc_id)
    record["status"] = status
    record["timings"] = {"ingest": 0.01 * pages, "ocr": 0.5 * pages, "extract": 0.02}
    with get_session_factory(env.settings).begin() as s:
        s.add(Document(id=doc_id, batch_id="b", filename=f"{doc_id}.pdf", sha256="0" * 64,
                       schema_name="application", status=status, pages=pages,
                       created_at=now - timedelta(seconds=seconds), completed_at=now,
                       owner_key_id=env.key_ids["uploader"]))
    get_storage(env.settings).put(record_key(doc_id), json.dumps(record).encode())


def test_metrics_in_prometheus_text(env: Env) -> None:
    add_done(env, "a1", "accepted", 2, 10)
    add_done(env, "a2", "accepted", 1, 20)
    add_done(env, "f1", "failed", 1, 5)
    add_done(env, "r1", "needs_review", 3, 30)
    add_done(env, "r2", "needs_review", 1, 30)
    with get_session_factory(env.settings).begin() as s:
        s.add(Document(id="q1", batch_id="b", filename="q1.pdf", sha256="0" * 64,
                       status="queued", owner_key_id=env.key_ids["uploader"]))
    reviewer = env.auth("reviewer")
    assert env.client.post("/v1/review/r1/claim", headers=reviewer).status_code == 200
    env.client.put("/v1/review/r1/fields/household_size", json={"value": "4"}, headers=reviewer)
    assert env.client.post("/v1/review/r1/approve", headers=reviewer).status_code == 200

    r = env.client.get("/metrics", headers=env.auth("admin"))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain; version=0.0.4")
    types, samples = parse(r.text)
    assert types["idp_documents"] == "gauge" and types["idp_stage_seconds"] == "summary"
    assert value(samples, "idp_documents", status="accepted") == 3  # r1 now accepted
    assert value(samples, "idp_documents", status="queued") == 1
    assert value(samples, "idp_documents_processed_total") == 5
    assert value(samples, "idp_pages_processed_total") == 8
    assert value(samples, "idp_queue_depth", queue="review") == 1
    assert value(samples, "idp_queue_depth", queue="processing") == 1
    # a1 and a2 were accepted straight through; r1 was accepted only after review.
    assert value(samples, "idp_straight_through_total") == 2
    assert value(samples, "idp_straight_through_ratio") == pytest.approx(2 / 5)
    assert value(samples, "idp_review_decisions_total", decision="approved") == 1
    assert value(samples, "idp_review_corrections_total") == 1
    assert value(samples, "idp_review_decision_seconds_count") == 1
    assert value(samples, "idp_stage_seconds_count", stage="ocr") == 5
    assert value(samples, "idp_stage_seconds", stage="ocr", quantile="0.5") == 0.5
    assert value(samples, "idp_stage_seconds", stage="ocr", quantile="0.99") == 1.5
    assert value(samples, "idp_processing_seconds", quantile="0.5") == pytest.approx(20, abs=1)

    # Only admins, or a scraper with the metrics token.
    assert env.client.get("/metrics").status_code == 401
    assert env.client.get("/metrics", headers=env.auth("reviewer")).status_code == 403
    assert env.client.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 401
    env.settings.api.metrics_token = SecretStr("scrape-me-0123456789")
    r = env.client.get("/metrics", headers={"Authorization": "Bearer scrape-me-0123456789"})
    assert r.status_code == 200 and parse(r.text)[1]


def test_an_empty_service_has_well_formed_metrics(env: Env) -> None:
    _types, samples = parse(env.client.get("/metrics", headers=env.auth("admin")).text)
    assert math.isnan(value(samples, "idp_straight_through_ratio"))
    assert value(samples, "idp_documents_processed_total") == 0


def test_idp_report_prints_the_kpis(env: Env) -> None:
    add_done(env, "a1", "accepted", 2, 10)
    add_done(env, "f1", "failed", 1, 5)
    run_env = {**os.environ, "IDP_DATA_DIR": str(env.settings.data_dir), "OMP_THREAD_LIMIT": "1"}
    run_env.pop("IDP_DATABASE_URL", None)
    out = subprocess.run([str(IDP), "report", "--json", "--days", "3"], env=run_env,
                         capture_output=True, text=True, timeout=120, check=True)
    data = json.loads(out.stdout)
    assert data["processed"] == 2 and data["pages"] == 3
    assert data["straight_through_rate"] == 0.5
    assert data["daily"][-1]["processed"] == 2 and len(data["daily"]) == 3
    table = subprocess.run([str(IDP), "report"], env=run_env, capture_output=True, text=True,
                           timeout=120, check=True).stdout
    assert "straight-through rate              50%" in table
    assert "ocr" in table
