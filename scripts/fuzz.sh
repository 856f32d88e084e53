#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/<target>_fuzzer.cpp, clang with ASan/UBSan) into build/fuzz, replays
# each target's regression inputs (tests/fuzz/regressions/<target>: every crash found so far) and fuzzes it for
# a bounded time from its seed corpus (tests/fuzz/corpus/<target>). Fails on any crash, leak, sanitizer report,
# time-out or uncaught exception; the input that did it is left in build/fuzz/crashes/.
#   scripts/fuzz.sh [SECONDS_PER_TARGET (default 30)] [TARGET ...]   (targets: default all)
# Inputs found to add coverage accumulate in build/fuzz/corpus/<target> (not in the repository).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"
[ $# -gt 0 ] && shift
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in tests/fuzz/*_fuzzer.cpp; do targets+=("$(basename "$f" _fuzzer.cpp)"); done
fi

cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" \
  -DCMAKE_CXX_COMPILER=clang++ -DTINYFORGE_FUZZ=ON -DTINYFORGE_TESTS=OFF >/dev/null
ninja -C build/fuzz -j "$(nproc)" "${targets[@]/%/_fuzzer}" >/dev/null

export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
mkdir -p build/fuzz/crashes
summary=()
for t in "${targets[@]}"; do
  fuzzer="build/fuzz/${t}_fuzzer"
  # Inputs larger than the seeds need are not more interesting, only slower.
  case "$t" in
    commit | layout | safetensors) max_len=4096 ;;
    *) max_len=8192 ;;
  esac
  regressions=(tests/fuzz/regressions/"$t"/*)
  if [ -e "${regressions[0]}" ]; then
    echo "== $t: replaying ${#regressions[@]} regression inputs"
    "$fuzzer" -runs=1 "${regressions[@]}" >"build/fuzz/$t.replay.log" 2>&1 || {
      tail -50 "build/fuzz/$t.replay.log"
      echo "FAILED: $t on a regression input (log: build/fuzz/$t.replay.log)" >&2
      exit 1
    }
  fi
  echo "== $t: fuzzing for $seconds s"
  mkdir -p "build/fuzz/corpus/$t"
  "$fuzzer" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="build/fuzz/crashes/$t-" "build/fuzz/corpus/$t" "tests/fuzz/corpus/$t" \
    >"build/fuzz/$t.log" 2>&1 || {
    tail -60 "build/fuzz/$t.log"
    echo "FAILED: $t crashed (log: build/fuzz/$t.log; input in build/fuzz/crashes/; keep it in" \
      "tests/fuzz/regressions/$t/ with the fix)" >&2
    exit 1
  }
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "build/fuzz/$t.log")
  corpus=$(find "build/fuzz/corpus/$t" "tests/fuzz/corpus/$t" -type f | wc -l)
  summary+=("$t: $runs executions, corpus $corpus inputs")
done
printf '%s\n' "== fuzzing passed" "${summary[@]}"
