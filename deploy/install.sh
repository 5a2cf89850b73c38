#!/usr/bin/env bash
# Installs what idp needs on a Debian machine with Python 3.11, and is safe to repeat:
# apt packages (Tesseract with English and Welsh, Chromium for the browser tests, fonts),
# a virtual environment at .venv/ in the repository, and the project in it.
#   bash deploy/install.sh          # the service
#   bash deploy/install.sh --test   # the service and the test tools
set -euo pipefail
cd "$(dirname "$0")/.."

extra=""
apt_pkgs=(tesseract-ocr tesseract-ocr-eng tesseract-ocr-cym tesseract-ocr-script-latn fonts-dejavu-core)
if [ "${1:-}" = "--test" ]; then
  extra="[test]"
  apt_pkgs+=(chromium fonts-liberation)
fi

missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing apt packages: ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python=""
for candidate in python3.11 python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    python="$candidate"; break
  fi
done
[ -n "$python" ] || { echo "idp needs Python 3.11 (python3.11 not found)" >&2; exit 1; }

[ -x .venv/bin/python ] || "$python" -m venv .venv

# Reinstall only when the project's requirements changed since the last install.
stamp=".venv/.idp-installed${extra}"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "installing the project into .venv/ (first time: a few minutes)" >&2
  .venv/bin/pip install -q --upgrade pip
  # pip, not uv: pip takes the CPU build of torch pinned in pyproject.toml.
  .venv/bin/pip install -q -e ".${extra}"
  echo "$want" > "$stamp"
fi
