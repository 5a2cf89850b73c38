"""Fixtures shared by the browser tests."""

from tests.browser.driver import browser_context_factory

__all__ = ["browser_context_factory"]
