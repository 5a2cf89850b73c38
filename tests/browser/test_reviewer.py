"""The reviewer page in headless Chromium: invalid corrections keep what was typed and say
why, undo, the page viewer (zoom, pan, rotate by keys and pointer), outlines beside the
text, one Tab stop per field, the keys for the whole review and how many keystrokes it
takes, Welsh, and phone width. Documents are seeded as the service leaves them (no OCR);
axe-core must find nothing in every state; screenshots go to ``tests/artifacts/``."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.driver import (
    PHONE,
    KeyCounter,
    assert_no_axe_violations,
    focused,
    shot,
    sign_in_by_keyboard,
    wait_until,
)
from tests.browser.live import LiveService, live_service
from tests.browser.seed import seed_for_review

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HOUSEHOLD = ("4O", "'4O' is not a whole number")
INCOME = ("l2OO", "'l2OO' is not an amount of money")


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One service for the module (starting one is slow on a busy machine); each test seeds
    its own documents and leaves the queue empty."""
    with live_service(tmp_path_factory.mktemp("reviewer"), workers=0) as service:
        yield service


def open_review(page: Any, svc: Any, lang: str = "en") -> None:
    sign_in_by_keyboard(page, svc, "reviewer", lang=lang)
    page.wait_for_selector("#field-list input")
    wait_until(page, "document.getElementById('page-image').complete && "
               "document.getElementById('page-image').naturalWidth > 0")


def in_viewport(page: Any, selector: str) -> bool:
    rect = page.evaluate(
        "s => { const r = document.querySelector(s).getBoundingClientRect();"
        " return [r.top, r.bottom, r.width, innerHeight, scrollY] }", selector)
    return bool(rect[0] >= 0 and rect[1] <= rect[3] and rect[2] > 0)


def transform(page: Any) -> str:
    return str(page.evaluate("document.getElementById('stage').style.transform"))


def test_reviewer_page_by_keyboard_and_pointer(
    svc: LiveService, browser_context_factory: Any
) -> None:
    seed_for_review(svc, "doc-a", "megan.pdf",
                    {"household_size": HOUSEHOLD, "monthly_income": INCOME})
    page = browser_context_factory("reviewer").new_page()
    open_review(page, svc)
    order = page.locator("#field-list > li").evaluate_all(
        "els => els.map(e => e.dataset.field)"
    )
    assert order[:2] == ["monthly_income", "household_size"] and len(order) == 13
    assert focused(page) == "f-monthly_income"
    # Why it needs review, the form's own label, the threshold and the candidates.
    reasons = page.inner_text("#reasons")
    assert "Monthly income" in reasons and "Household size" in reasons
    assert "not a whole number" in reasons
    meta = page.inner_text("#meta-household_size")
    assert "On the form: “Box G”" in meta and "Threshold: 99%" in meta
    assert page.inner_text("label[for=f-household_size]") == "Household size"
    assert "1200.00" in page.inner_text("#field-monthly_income .alternatives")
    # Approve and the page image are in view without scrolling.
    assert in_viewport(page, "#approve") and in_viewport(page, "#viewer")
    assert_no_axe_violations(page, "reviewer (open)")
    shot(page, "reviewer-open")

    # One Tab stop per field, both ways.
    page.keyboard.press("Tab")
    assert focused(page) == "f-household_size"
    page.keyboard.press("Tab")
    assert focused(page) == f"f-{order[2]}"
    page.keyboard.press("Shift+Tab")
    assert focused(page) == "f-household_size"
    # The active field's outline sits around its text, not over it.
    geometry = page.evaluate("""() => {
        const box = document.querySelector('#boxes .box.active');
        const img = document.getElementById('page-image').getBoundingClientRect();
        const r = box.getBoundingClientRect();
        return {field: box.dataset.field, bg: getComputedStyle(box).backgroundColor,
                left: r.left - (img.left + parseFloat(box.style.left) / 100 * img.width),
                top: r.top - (img.top + parseFloat(box.style.top) / 100 * img.height)};
    }""")
    assert geometry["field"] == "household_size"
    assert geometry["bg"] in ("rgba(0, 0, 0, 0)", "transparent")
    assert geometry["left"] <= -3 and geometry["top"] <= -3

    # An invalid correction stays as typed and says why; nothing claims it was saved.
    page.keyboard.type("forty")
    page.keyboard.press("Enter")
    wait_until(page, "document.getElementById('status').textContent.includes('not valid')")
    assert page.input_value("#f-household_size") == "forty"
    assert page.get_attribute("#f-household_size", "aria-invalid") == "true"
    assert "'forty' is not a whole number" in page.inner_text("#errors-household_size")
    assert "Saved" not in page.inner_text("#status")
    assert focused(page) == "f-household_size"
    assert_no_axe_violations(page, "reviewer (invalid correction)")
    shot(page, "reviewer-invalid-correction")
    # Undo puts back what was there before.
    page.evaluate("document.getElementById('status').textContent = ''")
    page.keyboard.press("Alt+Shift+KeyU")
    wait_until(page, "document.getElementById('status').textContent.includes('not valid') && "
               "document.getElementById('f-household_size').value === '4O'")
    # A valid value: saved, and the focus moves on to the next field needing attention.
    page.keyboard.type("4")
    page.keyboard.press("Enter")
    wait_until(page, "document.activeElement.id === 'f-monthly_income'")
    assert "invalid" not in (page.get_attribute("#field-household_size", "class") or "")
    # The candidate by keyboard.
    page.keyboard.press("Alt+ArrowDown")
    assert page.input_value("#f-monthly_income") == "1200.00"
    page.keyboard.press("Enter")
    wait_until(page, "document.getElementById('status').textContent.includes('Every field')")
    assert page.locator("#reasons").is_hidden()

    # The viewer: keys zoom, rotate, pan and fit; the pointer drags and Ctrl+wheel zooms.
    page.focus("#viewer")
    page.keyboard.press("+")
    assert "scale(1.25)" in transform(page)
    page.keyboard.press("r")
    assert "rotate(90deg)" in transform(page)
    before = transform(page)
    page.keyboard.press("ArrowLeft")
    assert transform(page) != before
    page.keyboard.press("0")
    assert transform(page).startswith("translate(0px, 0px) rotate(0deg) scale(1)")
    box = page.locator("#viewer").bounding_box()
    page.mouse.move(box["x"] + 200, box["y"] + 200)
    page.mouse.down()
    page.mouse.move(box["x"] + 120, box["y"] + 150, steps=4)
    page.mouse.up()
    assert transform(page).startswith("translate(-80px, -50px)")
    page.keyboard.down("Control")
    page.mouse.wheel(0, -100)
    page.keyboard.up("Control")
    wait_until(page, "document.getElementById('stage').style.transform.includes('scale(1.1)')")
    page.click("#zoom-in")
    page.click("#rotate")
    assert_no_axe_violations(page, "reviewer (zoomed, rotated)")
    shot(page, "reviewer-zoomed")
    page.click("#fit")

    # The last field: the image and Approve are still in view.
    page.focus(f"#f-{order[-1]}")
    assert in_viewport(page, "#approve") and in_viewport(page, "#viewer")
    page.keyboard.press("Alt+Shift+KeyA")
    page.wait_for_selector("#status:has-text('Approved')")
    assert focused(page) == "next"
    page.keyboard.press("Enter")
    page.wait_for_selector("#empty:not([hidden])")
    # An empty queue offers nothing to approve or reject.
    assert page.locator("#approve").is_hidden() and page.locator("#reject").is_hidden()
    assert_no_axe_violations(page, "reviewer (queue empty)")
    shot(page, "reviewer-empty")
    with svc.client("reviewer") as c:
        record = c.get("/v1/documents/doc-a/record").json()
    assert record["status"] == "accepted"
    assert record["fields"]["household_size"]["value"] == 4
    assert record["fields"]["monthly_income"]["value"] == "1200.00"
    actions = [h["action"] for h in record["fields"]["household_size"]["history"]]
    assert actions == ["correct", "correct", "correct", "approve"]


def test_keystrokes_to_review(svc: LiveService, browser_context_factory: Any) -> None:
    seed_for_review(svc, "doc-one", "one.pdf", {"household_size": HOUSEHOLD}, minutes_ago=9)
    seed_for_review(svc, "doc-two", "two.pdf",
                    {"household_size": HOUSEHOLD, "monthly_income": INCOME}, minutes_ago=5)
    seed_for_review(svc, "doc-three", "three.pdf", {}, minutes_ago=1)
    page = browser_context_factory("keys").new_page()
    open_review(page, svc)
    page.wait_for_selector("#doc-name:has-text('one.pdf')")
    # Fix one field and approve.
    keys = KeyCounter(page)
    assert focused(page) == "f-household_size"
    keys.type("4")
    keys.press("Enter")
    keys.press("Alt+Shift+KeyA")
    page.wait_for_selector("#status:has-text('Approved')")
    assert keys.count <= 6, keys.count
    one = keys.count

    # A 13-field form, two corrections, every field visited, approved.
    keys = KeyCounter(page)
    keys.press("Alt+Shift+KeyN")
    page.wait_for_selector("#doc-name:has-text('two.pdf')")
    wait_until(page, "document.activeElement.id === 'f-monthly_income'")
    keys.type("1200")
    keys.press("Enter")
    wait_until(page, "document.activeElement.id === 'f-household_size'")
    keys.type("4")
    keys.press("Enter")
    wait_until(page, "document.getElementById('status').textContent.includes('Every field')")
    visited = {focused(page)}
    for _ in range(11):
        keys.press("Tab")
        visited.add(focused(page))
    assert len({v for v in visited if v.startswith("f-")}) == 12  # all but the first
    keys.press("Alt+Shift+KeyA")
    page.wait_for_selector("#status:has-text('Approved')")
    assert keys.count <= 25, keys.count
    print(f"keystrokes: one field + approve = {one}; 13 fields, two corrections = {keys.count}")

    # Reject by key: a reason, then Enter.
    page.keyboard.press("Alt+Shift+KeyN")
    page.wait_for_selector("#doc-name:has-text('three.pdf')")
    page.keyboard.press("Alt+Shift+KeyR")
    assert focused(page) == "reject-reason"
    page.keyboard.type("Duplicate of an earlier application")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector("#status:has-text('Rejected')")
    with svc.client("admin") as c:
        got = {d: c.get(f"/v1/documents/{d}").json()["status"]
               for d in ("doc-one", "doc-two", "doc-three")}
    assert got == {"doc-one": "accepted", "doc-two": "accepted", "doc-three": "failed"}


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_reviewer_page_in_both_languages_at_both_widths(
    lang: str, svc: LiveService, browser_context_factory: Any
) -> None:
    seed_for_review(svc, f"doc-{lang}", "welsh.pdf", {"household_size": HOUSEHOLD})
    desktop = browser_context_factory(f"desk-{lang}", locale=f"{lang}-GB").new_page()
    open_review(desktop, svc, lang)
    assert desktop.locator("html").get_attribute("lang") == lang
    label = desktop.inner_text("label[for=f-household_size]")
    assert label == ("Nifer yn yr aelwyd" if lang == "cy" else "Household size")
    desktop.keyboard.type("forty")
    desktop.keyboard.press("Enter")
    wait_until(desktop, "document.getElementById('f-household_size').value === 'forty' && "
               "document.getElementById('errors-household_size').textContent.includes('forty')")
    errors = desktop.inner_text("#errors-household_size")
    assert errors == ("Nid yw 'forty' yn rhif cyfan" if lang == "cy"
                      else "'forty' is not a whole number")
    if lang == "cy":
        assert "Math: rhif cyfan" in desktop.inner_text("#meta-household_size")
        assert desktop.inner_text("#approve") == "Cymeradwyo"
    assert_no_axe_violations(desktop, f"reviewer invalid ({lang}, desktop)")
    shot(desktop, f"reviewer-{lang}-desktop")

    phone = browser_context_factory(f"phone-{lang}", locale=f"{lang}-GB",
                                    viewport=PHONE).new_page()
    open_review(phone, svc, lang)
    assert phone.evaluate("document.documentElement.scrollWidth <= innerWidth")
    assert in_viewport(phone, "#approve")
    assert_no_axe_violations(phone, f"reviewer ({lang}, phone)")
    shot(phone, f"reviewer-{lang}-phone")
    with svc.client("reviewer") as c:  # leave the queue empty for the next test
        r = c.post(f"/v1/review/doc-{lang}/reject", json={"reason": "test done"})
        assert r.status_code == 200
