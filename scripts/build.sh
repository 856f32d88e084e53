#!/usr/bin/env bash
# Builds tinyforge: build/release (the tool) and, with --sanitize, build/asan (unit tests under ASan/UBSan).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build/release -j "$jobs" >/dev/null
if [ "${1:-}" = "--sanitize" ]; then
  cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTINYFORGE_SANITIZE=ON >/dev/null
  ninja -C build/asan -j "$jobs" tinyforge_unit_tests >/dev/null
fi
