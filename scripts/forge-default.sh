#!/usr/bin/env bash
# Quick start, part 1: install what is needed, build, and forge the default set (every model type in the
# embedded catalog) into ./tiny-models (or the folder given as $1).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
out="${1:-tiny-models}"
build/release/tinyforge create "$out" --all --num_workers "$(nproc)"
echo "tiny models are in $(cd "$out" && pwd)/<model_type>/<Architecture>/"
