"""Fixtures of the transformers oracle."""
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
