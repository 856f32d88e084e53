"""Shared fixtures of the transformers oracle: where the tinyforge binary is and how to forge with it."""
import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def tinyforge_binary() -> Path:
    path = Path(os.environ.get("TINYFORGE_BIN", ROOT / "build" / "release" / "tinyforge"))
    if not path.exists():
        raise RuntimeError(f"tinyforge binary not found at {path}; build it first (scripts/test.sh does)")
    return path


def run_tinyforge(*args, check=True, **kwargs):
    proc = subprocess.run([str(tinyforge_binary()), *map(str, args)], capture_output=True, text=True, **kwargs)
    if check and proc.returncode != 0:
        raise AssertionError(f"tinyforge {' '.join(map(str, args))} failed ({proc.returncode}):\n{proc.stderr}")
    return proc


def catalog():
    """{model_type: [architectures]} as `tinyforge list` prints it."""
    out = run_tinyforge("list").stdout
    result = {}
    for line in out.splitlines():
        model_type, _, archs = line.partition(":")
        result[model_type.strip()] = archs.split()
    return result


def load_json(path):
    with open(path) as f:
        return json.load(f)


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
