#!/usr/bin/env bash
# Runs the service on embedded defaults (local folder storage, SQLite, in-process workers)
# at http://127.0.0.1:8000, installing what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install.sh
export OMP_THREAD_LIMIT=1
echo "idp: get an admin key with: .venv/bin/idp keys create --role admin" >&2
exec .venv/bin/idp serve --host "${IDP_HOST:-127.0.0.1}" --port "${IDP_PORT:-8000}"
