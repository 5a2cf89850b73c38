#!/usr/bin/env bash
# Runs the whole test suite (lint, types, unit, integration, API, browser), installing
# what is missing first. PostgreSQL and Redis are used on 127.0.0.1 when running there;
# the test fixtures start them when they are installed but stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install.sh --test
export OMP_THREAD_LIMIT=1
.venv/bin/ruff check idp extractors tests benchmarks
.venv/bin/mypy
.venv/bin/lint-imports  # the layering contracts in pyproject.toml
exec .venv/bin/pytest "$@"
