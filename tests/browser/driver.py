"""Driving headless Chromium in the browser tests: contexts, axe, waiting, signing in,
and counting the keys a person presses."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.live import LiveService

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
DESKTOP = {"width": 1400, "height": 1000}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser_context_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """``new_context(name, locale=…, viewport=…)``: a fresh Chromium profile."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        profiles: list[Any] = []

        def new_context(
            name: str, locale: str = "en-GB", viewport: dict[str, int] | None = None
        ) -> Any:
            ctx = pw.chromium.launch_persistent_context(
                str(tmp_path_factory.mktemp(f"chromium-{name}")),
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
                viewport=viewport or DESKTOP, locale=locale,
                has_touch=bool(viewport and viewport["width"] < 600),
            )
            profiles.append(ctx)
            return ctx

        yield new_context
        for ctx in profiles:
            ctx.close()


def assert_no_axe_violations(page: Any, label: str) -> None:
    """axe-core (run offline) finds nothing on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    violations = results.response["violations"]
    summary = [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in violations
    ]
    assert violations == [], f"axe violations on {label}: {json.dumps(summary, indent=1)}"


def wait_until(page: Any, expression: str, timeout: float = 60) -> None:
    """Poll a JS expression with ``page.evaluate`` (Playwright's ``wait_for_function`` evals
    a string inside the page, which the pages' Content-Security-Policy rightly forbids)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise TimeoutError(f"not true after {timeout}s: {expression}")
        time.sleep(0.1)


def shot(page: Any, name: str) -> None:
    """Keep a screenshot of the page as a test artefact."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in_by_keyboard(page: Any, svc: LiveService, role: str, lang: str = "en") -> None:
    """Tab to the key field, type the key, press Enter (axe checks the sign-in page)."""
    page.goto(f"{svc.base_url}/sign-in?lang={lang}")
    assert_no_axe_violations(page, f"sign-in ({lang})")
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "api_key":
            break
    assert page.evaluate("document.activeElement.id") == "api_key"
    page.keyboard.type(svc.keys[role])
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")


def focused(page: Any) -> str:
    """The id of the element with the focus."""
    return str(page.evaluate("document.activeElement.id"))


class KeyCounter:
    """Presses keys on a page and counts them as a person would: a chord (Alt+Shift+A) is
    one keystroke, typed text one per character."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.count = 0

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.count += 1

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.count += len(text)
