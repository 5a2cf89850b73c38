"""The uploader's and the operator's pages in headless Chromium against a live service:
a batch with a bad file (the good ones are accepted, the bad one says why), "my
documents" (filters, filename search, pages, readable record with boxes, rejection reason,
CSV and JSON export), and the admin dashboard drawing charts from the documents just
processed. axe-core must find nothing, in English and Welsh, at desktop and phone widths."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.driver import (
    PHONE,
    assert_no_axe_violations,
    shot,
    sign_in_by_keyboard,
    wait_until,
)
from tests.browser.live import LiveService, live_service
from tests.browser.seed import key_id, seed_for_review, seed_queued
from tests.synthetic.render import render_pdf
from tests.synthetic.spec import make_form

pytestmark = [pytest.mark.browser, pytest.mark.ml, pytest.mark.slow]

OUTCOMES = ("outcome-accepted", "outcome-needs_review", "outcome-failed")


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveService]:
    with live_service(tmp_path_factory.mktemp("docs"), workers=1) as service:
        yield service


def no_overflow(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= innerWidth"))


def test_upload_documents_record_and_dashboard(
    svc: LiveService, tmp_path: Path, browser_context_factory: Any
) -> None:
    files = []
    for i in range(2):
        path = tmp_path / f"application-{i + 1}.pdf"
        path.write_bytes(render_pdf(make_form(i, "docs", "inline", "hint")))
        files.append(path)
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.7\nthis is not really a PDF")
    files.insert(1, bad)

    # --- upload: one bad file does not sink the batch ------------------------------------
    up = browser_context_factory("uploader").new_page()
    sign_in_by_keyboard(up, svc, "uploader")
    up.set_input_files("#files", [str(p) for p in files])
    up.select_option("#schema", "application")
    up.click("#upload-form button[type=submit]")
    wait_until(up, "Array.from(document.querySelectorAll('#uploads tbody tr td:last-child'))"
               ".filter(td => td.querySelector('.outcome-accepted, .outcome-needs_review, "
               ".outcome-failed')).length === 3 && "
               "document.getElementById('status').textContent.includes('processed')", 240)
    rows = up.locator("#uploads tbody tr").all_inner_texts()
    assert "broken.pdf" in rows[1] and "Not accepted:" in rows[1]
    assert "could not be opened" in rows[1] or "not" in rows[1].split("Not accepted:")[1]
    for row in (rows[0], rows[2]):
        assert "Accepted" in row or "Needs review" in row
    assert "1 file(s) not accepted" in up.inner_text("#status")
    assert_no_axe_violations(up, "upload page (a bad file in the batch)")
    shot(up, "upload-bad-file")

    # --- my documents ------------------------------------------------------------------------
    owner = key_id(svc, "test uploader")
    seed_queued(svc, 20, owner)
    seed_for_review(svc, "doc-rejected", "rejected-form.pdf", {}, owner_key_id=owner)
    with svc.client("reviewer") as c:
        assert c.post("/v1/review/doc-rejected/claim").status_code == 200
        r = c.post("/v1/review/doc-rejected/reject", json={"reason": "Page two is missing"})
        assert r.status_code == 200
    up.goto(f"{svc.base_url}/documents")
    assert up.inner_text("#count") == "23 document(s)"
    assert up.locator("#documents tbody tr").count() == 20
    assert up.locator(".pagination a[rel=next]").count() == 1
    rejected = up.locator("#documents tbody tr", has_text="rejected-form.pdf").inner_text()
    assert "Failed" in rejected and "Reason: Page two is missing" in rejected
    assert_no_axe_violations(up, "documents page")
    shot(up, "documents")
    up.click(".pagination a[rel=next]")
    assert up.locator("#documents tbody tr").count() == 3
    assert "Page 2 of 2" in up.inner_text(".pagination")
    # Search by filename, filter by status, type and date.
    up.goto(f"{svc.base_url}/documents")
    up.fill("#q", "application-2")
    up.click(".filter-buttons button")
    assert up.locator("#documents tbody tr").count() == 1
    up.goto(f"{svc.base_url}/documents?status=queued")
    assert up.inner_text("#count") == "20 document(s)"
    up.goto(f"{svc.base_url}/documents?status=failed&schema=application")
    assert up.inner_text("#count") == "1 document(s)"
    up.goto(f"{svc.base_url}/documents?from=2999-01-01")
    assert up.inner_text("#none") == "No documents match."
    # Export what the filters list.
    got = up.request.get(f"{svc.base_url}/documents/export.csv?schema=application")
    assert got.status == 200 and got.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(got.text())))
    assert sorted(r["filename"] for r in table) == [
        "application-1.pdf", "application-2.pdf", "rejected-form.pdf"]
    assert "household_size" in table[0] and "first_name" in table[0]
    assert next(r for r in table if r["filename"] == "rejected-form.pdf")["reason"] == (
        "Page two is missing")
    got = up.request.get(f"{svc.base_url}/documents/export.json?q=application")
    assert got.status == 200
    assert sorted(r["source"]["filename"] for r in got.json()) == [
        "application-1.pdf", "application-2.pdf"]

    # A readable record: fields, confidence, the page with boxes.
    up.goto(f"{svc.base_url}/documents?q=application-1")
    up.click("#documents tbody a")
    up.wait_for_selector("#fields")
    assert up.locator("#fields tbody tr").count() == 13
    assert "First name" in up.inner_text("#fields")
    wait_until(up, "document.querySelectorAll('.page-frame .box').length >= 8")
    assert_no_axe_violations(up, "record page")
    shot(up, "record")

    # Welsh, and a phone.
    up.goto(f"{svc.base_url}/documents?lang=cy")
    assert up.locator("h1").inner_text() == "Fy nogfennau"
    assert_no_axe_violations(up, "documents page (cy)")
    phone = browser_context_factory("uploader-phone", viewport=PHONE).new_page()
    sign_in_by_keyboard(phone, svc, "uploader")
    assert no_overflow(phone)
    assert_no_axe_violations(phone, "upload page (phone)")
    for path in ("/documents", "/documents/doc-rejected", "/documents?lang=cy"):
        phone.goto(svc.base_url + path)
        assert no_overflow(phone), path
        assert_no_axe_violations(phone, f"{path} (phone)")
    shot(phone, "documents-phone")

    # --- the dashboard, from the documents processed above ------------------------------------
    admin = browser_context_factory("admin").new_page()
    sign_in_by_keyboard(admin, svc, "admin")
    admin.goto(f"{svc.base_url}/dashboard")
    kpis = admin.inner_text(".kpis")
    assert "3\ndocuments processed" in kpis or "3 documents processed" in kpis.replace("\n", " ")
    assert admin.locator("svg[data-chart=processed] rect.bar").count() == 1
    assert admin.locator("svg[data-chart=stp] circle.dot").count() == 1
    assert admin.locator("#stages tbody tr").count() >= 3
    assert_no_axe_violations(admin, "dashboard")
    shot(admin, "dashboard")
    admin.goto(f"{svc.base_url}/dashboard?lang=cy")
    assert admin.locator("h1").inner_text() == "Dangosfwrdd"
    assert_no_axe_violations(admin, "dashboard (cy)")
    dash_phone = browser_context_factory("admin-phone", viewport=PHONE).new_page()
    sign_in_by_keyboard(dash_phone, svc, "admin")
    dash_phone.goto(f"{svc.base_url}/dashboard")
    assert no_overflow(dash_phone)
    assert_no_axe_violations(dash_phone, "dashboard (phone)")
    # An uploader is not shown the dashboard.
    assert up.goto(f"{svc.base_url}/dashboard").status == 403
