#!/usr/bin/env bash
# Quick start, part 2: install what is needed and run the whole test suite:
#   1. unit tests (GoogleTest via ctest) under AddressSanitizer + UBSan;
#   2. the fuzzers (scripts/fuzz.sh: libFuzzer under ASan/UBSan, regression inputs replayed, then
#      TINYFORGE_FUZZ_SECONDS (default 30) per target);
#   3. the oracle and CLI tests (pytest, in a virtual environment with the pinned transformers, torch CPU,
#      safetensors), parallelised with pytest-xdist.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test

echo "== build (release + sanitizers)"
scripts/build.sh --sanitize

echo "== unit tests (ASan/UBSan)"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build/asan --output-on-failure -j "$(nproc)"

echo "== fuzzers (libFuzzer, ASan/UBSan)"
scripts/fuzz.sh "${TINYFORGE_FUZZ_SECONDS:-30}"

echo "== oracle (transformers) and CLI tests"
venv=$(scripts/venv.sh)
export TINYFORGE_BIN="$PWD/build/release/tinyforge"
workers="${TINYFORGE_TEST_WORKERS:-$(nproc)}"
rc=0
"$venv/bin/python" -m pytest -p no:cacheprovider -n "$workers" -q tests/compat tests/cli "$@" || rc=$?
# The coverage table of this run (COVERAGE.md in the repository is this file from a full run).
python3 scripts/coverage.py --out build/COVERAGE.md || true
exit $rc
