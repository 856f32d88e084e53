#!/usr/bin/env python3
"""The forecast table (scripts/forecast.sh): per census group, its architecture classes, those the compiler
expresses, those forgeable (compiled or hand-written), and their tiny oracle outcomes, read from the results."""
import argparse
import collections
import json
import re
from pathlib import Path

TINY = re.compile(r"test_oracle\[(?P<type>.+?)-(?P<arch>[A-Za-z]\w*)-tiny\]$")


def compile_summary(text):
    """The JSON summary `compile --forecast` prints last."""
    return json.loads(text[text.rfind("\n{\n") + 1:text.rfind("}") + 1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--census", required=True)
    ap.add_argument("--work", required=True, type=Path)
    ap.add_argument("--results", nargs="+", required=True, help="test-results.jsonl files (later ones win)")
    args = ap.parse_args()
    census = json.loads(Path(args.census).read_text())
    census = census if isinstance(census, list) else census["model_types"]
    summary = compile_summary((args.work / "compile.out").read_text())
    tiny = {}
    for path in args.results:
        for line in Path(path).read_text().splitlines():
            r = json.loads(line)
            m = TINY.search(r["nodeid"])
            if m and (r["when"] == "call" or r["outcome"] != "passed"):
                tiny[(m["type"], m["arch"])] = r["outcome"]
    forgeable = {}
    for line in (args.work / "list.txt").read_text().splitlines():
        model_type, _, archs = line.partition(":")
        forgeable[model_type.strip()] = archs.split()
    rows = collections.defaultdict(collections.Counter)
    for e in census:
        row = rows[e["group"]]
        row["classes"] += len(e["architectures"])
        row["expressed"] += len(summary["types"].get(e["model_type"], {}).get("expressed", []))
        for arch in forgeable.get(e["model_type"], []):
            row["forgeable"] += 1
            outcome = tiny.get((e["model_type"], arch))
            row["passed" if outcome == "passed" else "not run" if outcome is None else "failed"] += 1
    print("| group | classes | expressed by the compiler | forgeable | tiny oracle passed | failed | not run |")
    print("|---|---|---|---|---|---|---|")
    total = collections.Counter()
    for group in sorted(rows, key=lambda g: int(g.lstrip("G"))):
        r = rows[group]
        total.update(r)
        print(f"| {group} | {r['classes']} | {r['expressed']} | {r['forgeable']} | {r['passed']} | {r['failed']} "
              f"| {r['not run']} |")
    print(f"| all | {total['classes']} | {total['expressed']} | {total['forgeable']} | {total['passed']} "
          f"| {total['failed']} | {total['not run']} |")


if __name__ == "__main__":
    main()
