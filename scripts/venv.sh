#!/usr/bin/env bash
# Ensures the oracle's virtual environment (pinned transformers, torch CPU, ...) exists and prints its path.
# Cached in ~/.cache/tinyforge/venv-<hash of the requirements>; TINYFORGE_VENV overrides the location.
set -euo pipefail
cd "$(dirname "$0")/.."
req_hash=$(cat tests/requirements.txt tests/requirements-nodeps.txt | sha256sum | cut -c1-12)
venv="${TINYFORGE_VENV:-$HOME/.cache/tinyforge/venv-$req_hash}"
if [ ! -x "$venv/bin/pytest" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q --disable-pip-version-check -r tests/requirements.txt >&2
  "$venv/bin/pip" install -q --disable-pip-version-check --no-deps -r tests/requirements-nodeps.txt >&2
fi
echo "$venv"
