"""Every error is RFC 9457 problem+json, and the service stays healthy after bad input:
the core's bad-input corpus, wrong content types, missing parts, oversize bodies."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.conftest import ServiceEnv, assert_healthy
from tests.data.bad_inputs import BAD_INPUTS, SMALL_LIMIT_BYTES, BadInput
from tests.data.pages import TEXT_LINES, text_pdf
from tests.fixtures.services import SettingsFactory

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def small_limits_api(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ServiceEnv]:
    from idp.settings import Settings

    settings = Settings(data_dir=tmp_path_factory.mktemp("errors") / "data")
    settings.limits.max_bytes = SMALL_LIMIT_BYTES
    settings.api.max_body_bytes = 2 * SMALL_LIMIT_BYTES
    settings.jobs.workers = 1
    env = ServiceEnv(settings)
    yield env
    env.close()


def _is_problem(r: object, status: int) -> dict[str, object]:
    assert r.status_code == status, (r.status_code, r.text[:300])  # type: ignore[attr-defined]
    assert r.headers["content-type"] == PROBLEM  # type: ignore[attr-defined]
    body: dict[str, object] = r.json()  # type: ignore[attr-defined]
    assert body["status"] == status and body["title"] and body["type"]
    return body


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[c.name for c in BAD_INPUTS])
def test_bad_input_corpus_is_refused_with_its_reason(
    small_limits_api: ServiceEnv, case: BadInput
) -> None:
    api = small_limits_api
    r = api.upload([(case.name, case.build())])
    if case.stage == "ingest":
        body = _is_problem(r, case.error.http_status)
        assert case.says.lower() in str(body["detail"]).lower()
        assert case.name in str(body["detail"])
    else:
        # Found only while reading pages: accepted, then failed with the reason as data;
        # the service stays healthy while the worker reads it and after.
        assert r.status_code == 202
        assert_healthy(api.client, case.name)
        done = api.wait(r.json()["documents"][0]["id"])
        assert done["status"] == "failed"
        assert done["errors"] and case.says.lower() in " ".join(done["errors"]).lower()
    assert_healthy(api.client, case.name)


def test_one_bad_file_refuses_the_whole_request(small_limits_api: ServiceEnv) -> None:
    api = small_limits_api
    before = api.client.get("/v1/documents", headers=api.auth("admin")).json()["items"]
    good = text_pdf([TEXT_LINES[:2]])
    r = api.upload([("good.pdf", good), ("bad.pdf", b"")])
    _is_problem(r, 422)
    after = api.client.get("/v1/documents", headers=api.auth("admin")).json()["items"]
    assert len(after) == len(before)


def test_wrong_content_types_and_missing_parts(small_limits_api: ServiceEnv) -> None:
    api = small_limits_api
    h = api.auth("uploader")
    _is_problem(api.client.post("/v1/documents", json={"files": ["a"]}, headers=h), 422)
    _is_problem(api.client.post("/v1/documents", content=b"%PDF-1.4",
                                headers={**h, "content-type": "application/pdf"}), 422)
    _is_problem(api.client.post("/v1/documents", data={"schema": "application"}, headers=h), 422)
    _is_problem(api.client.post("/v1/documents", files=[("other", ("a.pdf", b"%PDF-"))],
                                headers=h), 422)
    _is_problem(api.client.post("/v1/documents", content=b"--x\r\nbroken",
                                headers={**h, "content-type": "multipart/form-data; boundary=x"}),
                422)
    r = api.upload([("a.pdf", text_pdf([TEXT_LINES[:2]]))], schema="no_such_type")
    assert "unknown schema" in str(_is_problem(r, 422)["detail"])
    _is_problem(api.client.post("/v1/keys", content=b"{not json",
                                headers={**api.auth("admin"), "content-type": "application/json"}),
                422)
    assert_healthy(api.client, "wrong content types")


def test_oversize_bodies(small_limits_api: ServiceEnv) -> None:
    api = small_limits_api
    h = api.auth("uploader")
    huge = b"%PDF-1.4\n" + b"0" * (3 * SMALL_LIMIT_BYTES)
    r = api.client.post("/v1/documents", files=[("files", ("big.pdf", huge))], headers=h)
    assert "larger than" in str(_is_problem(r, 413)["detail"])

    def chunks() -> Iterator[bytes]:  # no Content-Length: cut off while streaming
        yield b"--b\r\nContent-Disposition: form-data; name=\"files\"; filename=\"x.pdf\"\r\n\r\n"
        for _ in range(10):
            yield b"0" * SMALL_LIMIT_BYTES
    r = api.client.post("/v1/documents", content=chunks(),
                        headers={**h, "content-type": "multipart/form-data; boundary=b"})
    _is_problem(r, 413)
    assert_healthy(api.client, "oversize bodies")


def test_http_level_errors_are_problems(small_limits_api: ServiceEnv) -> None:
    api = small_limits_api
    h = api.auth("admin")
    _is_problem(api.client.get("/v1/nothing-here", headers=h), 404)
    _is_problem(api.client.put("/v1/documents", headers=h), 405)
    _is_problem(api.client.get("/v1/documents", params={"cursor": "%%%"}, headers=h), 422)
    _is_problem(api.client.get("/v1/documents", params={"limit": "0"}, headers=h), 422)
    _is_problem(api.client.get("/v1/documents", params={"status": "nope"}, headers=h), 422)
    _is_problem(api.client.get("/v1/documents/" + "x" * 40, headers=h), 422)
    _is_problem(api.client.get("/v1/documents/unknown/pages/0", headers=h), 422)
    _is_problem(api.client.get("/v1/documents/unknown", headers=h), 404)
    _is_problem(api.client.post("/v1/webhooks", json={"url": "not a url"}, headers=h), 422)
    assert_healthy(api.client, "http-level errors")


def test_readiness_fails_as_a_problem_when_storage_is_down(
    service_settings: SettingsFactory,
) -> None:
    settings = service_settings("local", workers=0)
    settings.storage.backend = "s3"
    settings.storage.s3_endpoint = "127.0.0.1:1"
    env = ServiceEnv(settings, background=False)
    try:
        r = env.client.get("/readyz")
        body = _is_problem(r, 503)
        assert body["checks"] == {"database": "ok", "storage": "failed: StorageError"}
        up = env.upload([("a.pdf", text_pdf([TEXT_LINES[:2]]))])
        _is_problem(up, 503)
    finally:
        env.close()
