#!/usr/bin/env bash
# Runs a benchmark against its Python reference in the test suite's virtual environment.
#   bench/run.sh forge    tinyforge create --all vs transformers + save_pretrained
#   bench/run.sh tokenizers-train   tinyforge tokenizer train vs HF tokenizers trainers (single-threaded)
#   bench/run.sh tokenizers-retrain tinyforge tokenizer retrain of a 128k tokenizer vs train_new_from_iterator
#   bench/run.sh inputs   tinyforge inputs vs optimum's generate_dummy_inputs
#   bench/run.sh serve-wrk        wrk load on serve's resolve requests (req/s, p99, errors)
#   bench/run.sh serve-load       256 keep-alive clients + 32 slow ones on serve (errors, p99, memory)
#   bench/run.sh serve-snapshots  concurrent snapshot_downloads of every forged repository from serve
#   bench/run.sh serve-from-pretrained  from_pretrained of N models via serve vs the HF cache vs local folders
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
req_hash=$(cat tests/requirements.txt tests/requirements-nodeps.txt | sha256sum | cut -c1-12)
venv="${TINYFORGE_VENV:-$HOME/.cache/tinyforge/venv-$req_hash}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r tests/requirements.txt
  "$venv/bin/pip" install -q --disable-pip-version-check --no-deps -r tests/requirements-nodeps.txt
fi
case "${1:-forge}" in
  forge) "$venv/bin/python" bench/forge_vs_transformers.py --bin build/release/tinyforge ;;
  tokenizers-train) "$venv/bin/python" bench/tokenizers_train.py --bin build/release/tinyforge ;;
  tokenizers-retrain) "$venv/bin/python" bench/tokenizers_retrain.py --bin build/release/tinyforge ;;
  inputs) "$venv/bin/python" bench/inputs_vs_optimum.py --bin build/release/tinyforge ;;
  serve-wrk) bench/serve_wrk.sh ;;
  serve-load) "$venv/bin/python" bench/serve_load.py --bin build/release/tinyforge ;;
  serve-snapshots) "$venv/bin/python" bench/serve_snapshots.py --bin build/release/tinyforge ;;
  serve-from-pretrained) "$venv/bin/python" bench/serve_from_pretrained.py --bin build/release/tinyforge ;;
  *) echo "unknown benchmark '$1' (known: forge, tokenizers-train, tokenizers-retrain, inputs, serve-wrk, serve-load, serve-snapshots, serve-from-pretrained)" >&2; exit 2 ;;
esac
