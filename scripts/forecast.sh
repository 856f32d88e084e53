#!/usr/bin/env bash
# The breadth forecast for the groups the catalog does not hold yet: compiles every model type of the census into a
# scratch catalog (never the checked-in one), builds tinyforge with it in a scratch worktree, runs the tiny oracle
# on every architecture of the types outside the selection, and prints per census group the classes the compiler
# expresses and those passing the tiny oracle (the selection's own tiny outcomes come from build/test-results.jsonl
# of the last full run).
#
#   scripts/forecast.sh [CENSUS_JSON] [WORKDIR]
#
# Defaults: ../shared/reference/breadth/transformers-5.23-census.json, build/forecast. Takes ~90 min of compiling
# and ~6 min of oracle on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
census=$(realpath "${1:-../shared/reference/breadth/transformers-5.23-census.json}")
work=$(realpath -m "${2:-$root/build/forecast}")
venv=$(scripts/venv.sh)
rm -rf "$work"
mkdir -p "$work"
git worktree remove --force "$work/tree" 2>/dev/null || true

tools/catalog/compile --forecast "$census" --into "$work/catalog" >"$work/compile.out" 2>"$work/compile.log"

git worktree add --detach "$work/tree" HEAD >/dev/null
trap 'git worktree remove --force "$work/tree" 2>/dev/null || true' EXIT
data="$work/tree/src/tinyforge/catalog/data"
for f in "$work"/catalog/*.json; do
  [ -e "$data/$(basename "$f")" ] || cp "$f" "$data/"
done
cmake -S "$work/tree" -B "$work/tree/build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$work/tree/build" -j "$(nproc)" tinyforge >/dev/null
bin="$work/tree/build/tinyforge"
"$bin" list >"$work/list.txt"

# The tiny oracle cases of the types the selection does not hold.
"$venv/bin/python" - "$work" "$root/src/tinyforge/catalog/data" <<'PY'
import sys
from pathlib import Path
work, selection = Path(sys.argv[1]), {p.stem for p in Path(sys.argv[2]).glob("*.json")}
ids = []
for line in (work / "list.txt").read_text().splitlines():
    model_type, _, archs = line.partition(":")
    if model_type.strip() not in selection:
        ids += [f"tests/compat/test_oracle.py::test_oracle[{model_type.strip()}-{a}-tiny]" for a in archs.split()]
(work / "ids.txt").write_text("\n".join(ids) + "\n")
PY
(cd "$work/tree" && PYTHONPATH="$root/scripts" FORECAST_TIMEOUT=240 TINYFORGE_BIN="$bin" \
  TINYFORGE_RESULTS="$work/oracle.jsonl" "$venv/bin/python" -m pytest -p no:cacheprovider -p forecast_timeout \
  -q -n "$(nproc)" $(cat "$work/ids.txt") >"$work/oracle.log" 2>&1) || true

"$venv/bin/python" scripts/forecast_table.py --census "$census" --work "$work" \
  --results build/test-results.jsonl "$work/oracle.jsonl" | tee "$work/table.md"
