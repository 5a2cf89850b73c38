"""Shared test set-up; fixtures live in tests/fixtures by concern."""

import os

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

pytest_plugins = ["tests.fixtures.corpus", "tests.fixtures.services"]
