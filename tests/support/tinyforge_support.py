"""Helpers shared by the test suites: where the tinyforge binary is, how to run it, the catalog."""
import json
import os
import subprocess
from pathlib import Path

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
