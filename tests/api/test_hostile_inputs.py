"""Hostile parameters, bodies and replays get a clear 4xx problem, never a 5xx, and
``/healthz`` and ``/readyz`` stay fine after each one.

The named cases are findings of a probe of the running service; the property-based test
at the end sends generated hostile values to every route's path and query parameters and
JSON bodies (schemathesis in ``test_schemathesis.py`` only sends values the spec allows).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from idp.db import get_session_factory
from idp.db.models import Document
from idp.jobs.messages import public_message
from tests.api.conftest import ServiceEnv, assert_healthy
from tests.api.test_review_api import Env, record_for
from tests.data.pages import TEXT_LINES, text_pdf


def _problem(r: Any, status: int | None = None) -> None:
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    if status is not None:
        assert r.status_code == status, r.text[:300]
    assert r.headers["content-type"].startswith("application/problem+json")


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    e = Env(tmp_path)
    yield e
    e.close()


def test_idempotency_key_replayed_after_erasure(idle_api: ServiceEnv) -> None:
    api = idle_api
    files = [("a.pdf", text_pdf([TEXT_LINES[:2]]))]
    first = api.upload(files, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == 202
    doc_id = first.json()["documents"][0]["id"]
    assert api.client.delete(f"/v1/documents/{doc_id}", headers=api.auth("admin")).status_code \
        == 204
    again = api.upload(files, headers={"Idempotency-Key": "k-1"})
    _problem(again, 409)
    assert "erased" in again.json()["detail"]
    assert_healthy(api.client)


@pytest.mark.parametrize("after", ["1e30", "99999999999999999999999", "-1", "NaN", "1.5",
                                   str(2**63), "0x10", ""])
def test_audit_cursor_out_of_range(env: Env, after: str) -> None:
    r = env.client.get(f"/v1/audit?after={after}", headers=env.auth("admin"))
    if after == "":
        assert r.status_code in (200, 422)
    else:
        _problem(r, 422)
    assert_healthy(env.client, after)


@pytest.mark.parametrize(
    "body",
    [
        {"value": "x", "bbox": [1e308, 0, 1, 1]},
        {"value": "x", "bbox": [-0.1, 0, 0.5, 0.5]},
        {"value": "x", "bbox": [0.5, 0.5, 0.4, 0.6]},  # x0 > x1
        {"value": "x", "bbox": [0.1, 0.6, 0.4, 0.5]},  # y0 > y1
        {"value": "x", "bbox": [0, 0, 1]},
        {"value": "x", "bbox": [0, 0, 1, 1, 1]},
        {"value": "x", "bbox": ["a", 0, 1, 1]},
        {"value": "x", "page": 99999},
        {"value": "x", "page": 2},  # the document has one page
        {"value": "x", "page": 0},
        {"value": "x", "page": 10**30},
        {"value": "x" * 5000},
        {"value": None},
    ],
)
def test_review_correction_refuses_impossible_positions(env: Env, body: dict[str, Any]) -> None:
    env.add_needs_review("doc-1", record_for("doc-1"))
    with get_session_factory(env.settings).begin() as s:
        doc = s.get(Document, "doc-1")
        assert doc is not None
        doc.pages = 1
    env.client.post("/v1/review/doc-1/claim", headers=env.auth("reviewer"))
    r = env.client.put("/v1/review/doc-1/fields/first_name", json=body,
                       headers=env.auth("reviewer"))
    _problem(r, 422)
    assert_healthy(env.client, body)


@pytest.mark.parametrize("raw", ['{"value": "x", "bbox": [NaN, 0, 1, 1]}',
                                 '{"value": "x", "bbox": [0, 0, Infinity, 1]}'])
def test_review_correction_refuses_non_finite_numbers(env: Env, raw: str) -> None:
    env.add_needs_review("doc-1", record_for("doc-1"))
    env.client.post("/v1/review/doc-1/claim", headers=env.auth("reviewer"))
    r = env.client.put("/v1/review/doc-1/fields/first_name", content=raw,
                       headers={**env.auth("reviewer"), "content-type": "application/json"})
    _problem(r, 422)
    assert_healthy(env.client, raw)


def test_document_errors_do_not_show_server_paths(env: Env) -> None:
    leaked = [
        'ocr: TesseractError: (1, "Error opening data file '
        '/usr/share/tesseract-ocr/5/tessdata/Latin.traineddata")',
        "FileNotFoundError: [Errno 2] No such file or directory: '/tmp/tmpab12/page-1.png'",
        'File "/opt/idp/.venv/lib/python3.11/site-packages/layoutparser/__init__.py", line 9',
    ]
    with get_session_factory(env.settings).begin() as s:
        s.add(Document(id="doc-f", batch_id="b", filename="f.pdf", sha256="0" * 64,
                       status="failed", errors=leaked, owner_key_id=env.key_ids["uploader"]))
    shown = env.client.get("/v1/documents/doc-f", headers=env.auth("admin")).json()["errors"]
    assert len(shown) == 3
    for message in shown:
        assert "/usr/" not in message and "/tmp/" not in message and "site-packages" not in message
    assert shown[0].startswith("ocr: TesseractError")
    assert public_message("date 03/04/2020 is not valid") == "date 03/04/2020 is not valid"


def test_first_jobs_racing_to_import_layoutparser() -> None:
    """Eight threads start their first job at once in a fresh process; none may see a
    half-imported layoutparser."""
    code = (
        "import threading\n"
        "from idp.jobs.warmup import preload_libraries\n"
        "errors = []\n"
        "barrier = threading.Barrier(8)\n"
        "def first_job():\n"
        "    barrier.wait()\n"
        "    try:\n"
        "        preload_libraries()\n"
        "        import layoutparser as lp\n"
        "        lp.TextBlock(lp.Rectangle(0, 0, 1, 1)); lp.Layout([])\n"
        "    except Exception as exc:\n"
        "        errors.append(repr(exc))\n"
        "threads = [threading.Thread(target=first_job) for _ in range(8)]\n"
        "[t.start() for t in threads]; [t.join() for t in threads]\n"
        "print(errors)\n"
        "raise SystemExit(1 if errors else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]


# --- property-based: every route, hostile parameters ------------------------------------

HOSTILE_VALUES = [
    "1e30", "-1", "0", "NaN", "Infinity", "-Infinity", str(2**64), "9" * 400, "0x7f",
    "%00", "\x00", "a\x00b", "../../etc/passwd", "..%2f..%2f", "%2e%2e", "' OR 1=1 --",
    "<script>alert(1)</script>", "{{7*7}}", "${jndi:ldap://x}", "\u202e\u0000", "😀" * 50,
    "x" * 5000, " ", "null", "true", "[]", "{}", "%", "%%", "%zz", "\r\nX-Injected: 1",
    "1.0", "1,2", "-0", "+1", "１２３",  # full-width digits
]
"""Values sent as path segments and query parameters (plus generated text)."""

_ROUTE_CACHE: list[tuple[str, str, list[str], list[str]]] = []


PAGE_ROUTES = [("GET", "/static/{name}", ["name"], []), ("GET", "/review", [], ["lang"]),
               ("GET", "/upload", [], ["lang"]), ("GET", "/sign-in", [], ["lang", "next"])]
"""Web pages (left out of the OpenAPI document)."""


def _routes(app: Any) -> list[tuple[str, str, list[str], list[str]]]:
    """Every operation of the OpenAPI document, and the pages: method, path, parameters."""
    if not _ROUTE_CACHE:
        for path, operations in app.openapi()["paths"].items():
            for method, op in operations.items():
                params = op.get("parameters", [])
                _ROUTE_CACHE.append((
                    method.upper(), path,
                    [p["name"] for p in params if p["in"] == "path"],
                    [p["name"] for p in params if p["in"] == "query"],
                ))
        _ROUTE_CACHE.extend(PAGE_ROUTES)
    return _ROUTE_CACHE


hostile_text = st.one_of(st.sampled_from(HOSTILE_VALUES), st.text(max_size=40))
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
              hostile_text),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=10,
)


def _send(env: Env, method: str, path: str, params: dict[str, str], body: Any) -> None:
    """Sends one hostile request: a 4xx problem or a success, then the service still healthy."""
    content = json.dumps(body).encode() if method in ("POST", "PUT", "PATCH") else None
    r = env.client.request(method, path, params=params, content=content,
                           headers={**env.auth("admin"), "content-type": "application/json"})
    assert r.status_code < 500, (method, path, params, body, r.status_code, r.text[:300])
    if r.status_code >= 400:
        assert r.headers["content-type"].startswith("application/problem+json"), (
            method, path, r.status_code)
    assert_healthy(env.client, (method, path, params, body))


@pytest.mark.slow
def test_every_route_with_every_hostile_value(env: Env) -> None:
    """Each hostile value in every path parameter of every route, and in each query
    parameter on its own; the health probes answer fine after every request."""
    env.add_needs_review("doc-1", record_for("doc-1"))
    for method, template, path_params, query_params in _routes(env.client.app):
        for value in HOSTILE_VALUES:
            path = template
            for name in path_params:
                path = path.replace("{" + name + "}", _quote(value))
            _send(env, method, path, dict.fromkeys(query_params, value), {"value": value})
            # Each query parameter alone (another one's refusal would hide its handling),
            # on a real document.
            path = template
            for name in path_params:
                path = path.replace("{" + name + "}", "doc-1")
            for name in query_params:
                _send(env, method, path, {name: value}, None)


@pytest.mark.slow
def test_no_route_answers_hostile_parameters_with_a_5xx(env: Env) -> None:
    env.add_needs_review("doc-1", record_for("doc-1"))
    env.client.post("/v1/review/doc-1/claim", headers=env.auth("reviewer"))
    routes = _routes(env.client.app)
    assert len(routes) >= 25
    auth = env.auth("admin")

    @given(
        index=st.integers(min_value=0, max_value=len(routes) - 1),
        path_values=st.lists(hostile_text, min_size=3, max_size=3),
        query_values=st.lists(hostile_text, min_size=4, max_size=4),
        body=json_values,
        use_doc=st.booleans(),
    )
    @hsettings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck),
               database=None)
    def probe(index: int, path_values: list[str], query_values: list[str], body: Any,
              use_doc: bool) -> None:
        method, path, path_params, query_params = routes[index]
        for name, value in zip(path_params, path_values, strict=False):
            if use_doc and name in ("doc_id", "document_id"):
                value = "doc-1"
            path = path.replace("{" + name + "}", _quote(value))
        params = dict(zip(query_params, query_values, strict=False))
        content = json.dumps(body).encode() if method in ("POST", "PUT", "PATCH") else None
        r = env.client.request(method, path, params=params, content=content,
                               headers={**auth, "content-type": "application/json"})
        assert r.status_code < 500, (method, path, params, body, r.status_code, r.text[:300])
        if r.status_code >= 400:
            assert r.headers["content-type"].startswith("application/problem+json"), (
                method, path, r.status_code)
        assert_healthy(env.client, (method, path, params, body))

    probe()


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="") or "%20"
