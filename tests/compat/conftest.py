"""Fixtures of the transformers oracle."""
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from tinyforge_support import catalog, load_json, run_tinyforge, tinyforge_binary  # noqa: E402,F401


@pytest.fixture(scope="session")
def forge_cache(tmp_path_factory):
    """Forges a model type once per (model type, overrides) and returns its output folder."""
    cache = {}

    def forge(model_type, overrides=()):
        key = (model_type, tuple(overrides))
        if key not in cache:
            out = tmp_path_factory.mktemp(f"forge-{model_type}")
            args = ["create", out, "--model_types", model_type]
            for o in overrides:
                args += ["--set", o]
            run_tinyforge(*args)
            cache[key] = out
        return cache[key]

    return forge


# Every test outcome, one JSON line each, for scripts/coverage.py (COVERAGE.md is generated from these).
# Written by the controlling process only (under xdist the workers' reports reach it too).
RESULTS = Path(os.environ.get("TINYFORGE_RESULTS", Path(__file__).resolve().parents[2] / "build" / "test-results.jsonl"))


def pytest_sessionstart(session):
    if not hasattr(session.config, "workerinput"):
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text("")


def pytest_runtest_logreport(report):
    import json

    if os.environ.get("PYTEST_XDIST_WORKER"):
        return  # a worker: its controller records the report
    if report.when == "call" or report.outcome != "passed":
        outcome = "xfailed" if hasattr(report, "wasxfail") and report.skipped else report.outcome
        message = ""
        if report.outcome != "passed":
            lines = report.longreprtext.strip().splitlines()
            errors = [line[2:].strip() for line in lines if line.startswith("E ")]
            message = getattr(report, "wasxfail", "") or (errors[0] if errors else lines[-1] if lines else "")
        with RESULTS.open("a") as f:
            f.write(json.dumps({"nodeid": report.nodeid, "when": report.when, "outcome": outcome,
                                "message": message[:300]}) + "\n")


# Known gaps: cases that fail today, each with the reason (tests/compat/known_gaps.json, reviewed like code and
# listed in COVERAGE.md). They run as strict expected failures, so a fixed gap fails until its entry goes.
KNOWN_GAPS = Path(__file__).with_name("known_gaps.json")


def pytest_collection_modifyitems(config, items):
    import json

    if not KNOWN_GAPS.exists():
        return
    gaps = json.loads(KNOWN_GAPS.read_text())
    for item in items:
        reason = gaps.get(item.nodeid.split("::", 1)[-1])
        if reason:
            item.add_marker(pytest.mark.xfail(reason=reason, strict=True))
