"""pytest plugin of the tinyforge package (entry point `pytest11`), active wherever the package is installed.

Fixtures:
- `tiny_repo(arch, **config_overrides)`: forges the architecture once per session (per distinct arguments) and
  returns its folder, which `from_pretrained` loads.
- `tiny_hub`: a session `tinyforge serve --on_demand` that huggingface_hub (and so transformers) downloads from
  instead of huggingface.co, into a session cache: `ORG/tiny-random-{Arch}` and `ORG/tiny-random-{model_type}`
  with fixture kinds (`-sharded`, `-safetensors`, ...) for any ORG, e.g. `hf-internal-testing/tiny-random-gpt2`,
  are forged on their first request. Yields the endpoint URL.
`pytest --tinyforge-hub` starts that hub before collection and keeps it for the whole run, so tests that
download tiny models by Hub id run unchanged and offline.
"""

import hashlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import tinyforge

_HUB_KEY = pytest.StashKey()
_ENV = ("HF_ENDPOINT", "HF_HUB_CACHE", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")


def pytest_addoption(parser):
    parser.getgroup("tinyforge").addoption(
        "--tinyforge-hub", action="store_true",
        help="serve every Hugging Face Hub download of the run from a local `tinyforge serve --on_demand` "
             "(HF_ENDPOINT and a session HF_HUB_CACHE; ORG/tiny-random-* forged on first request)")


class _Hub:
    """A running `tinyforge serve --on_demand` under `folder` that huggingface_hub uses instead of the Hub:
    HF_ENDPOINT and HF_HUB_CACHE (the forged repositories must not land in the user's cache, where they would
    pass for the real ones) in os.environ for modules imported later, and huggingface_hub's constants, which it
    reads from the environment once at import, where it is already imported. close() undoes both."""

    def __init__(self, folder):
        self._server = tinyforge.serve(Path(folder) / "store", on_demand=True)
        self.url = self._server.__enter__()
        cache = str(Path(folder) / "hf-cache")
        self._env = {name: os.environ.get(name) for name in _ENV}
        os.environ.update(HF_ENDPOINT=self.url, HF_HUB_CACHE=cache)
        os.environ.pop("HF_HUB_OFFLINE", None)
        os.environ.pop("TRANSFORMERS_OFFLINE", None)
        self._patched = []
        constants = sys.modules.get("huggingface_hub.constants")
        if constants is not None:
            self._patch(constants, "ENDPOINT", self.url)
            self._patch(constants, "HUGGINGFACE_CO_URL_TEMPLATE", self.url + "/{repo_id}/resolve/{revision}/{filename}")
            self._patch(constants, "HF_URL_HOSTS", constants.HF_URL_HOSTS | {urlsplit(self.url).hostname})
            self._patch(constants, "HF_HUB_OFFLINE", False)
            self._patch(constants, "HF_HUB_CACHE", cache)
        hf_api = sys.modules.get("huggingface_hub.hf_api")
        if hf_api is not None:  # the module-level HfApi behind huggingface_hub.model_info & co.
            self._patch(hf_api.api, "endpoint", self.url)

    def _patch(self, owner, name, value):
        self._patched.append((owner, name, getattr(owner, name)))
        setattr(owner, name, value)

    def close(self):
        for owner, name, value in reversed(self._patched):
            setattr(owner, name, value)
        for name, value in self._env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._server.__exit__(None, None, None)


def pytest_configure(config):
    if config.getoption("tinyforge_hub"):
        folder = tempfile.mkdtemp(prefix="tinyforge-hub-")
        config.stash[_HUB_KEY] = (_Hub(folder), folder)


def pytest_unconfigure(config):
    hub, folder = config.stash.get(_HUB_KEY, (None, None))
    if hub is not None:
        hub.close()
        shutil.rmtree(folder, ignore_errors=True)
        del config.stash[_HUB_KEY]


@pytest.fixture(scope="session")
def tiny_hub(request, tmp_path_factory):
    """The endpoint URL of a session `tinyforge serve --on_demand` that huggingface_hub downloads from."""
    hub, _ = request.config.stash.get(_HUB_KEY, (None, None))
    if hub is not None:
        yield hub.url
        return
    hub = _Hub(tmp_path_factory.mktemp("tinyforge-hub"))
    try:
        yield hub.url
    finally:
        hub.close()


@pytest.fixture(scope="session")
def tiny_repo(tmp_path_factory):
    """tiny_repo("LlamaForCausalLM", hidden_size=32) -> folder of the forged repository (once per session per
    arguments). Keyword arguments are config overrides (`tinyforge create --set key=value`; dotted keys for
    sub-configs go as tiny_repo(arch, **{"text_config.hidden_size": 32}))."""
    cache = tmp_path_factory.mktemp("tinyforge-repos")
    types = {}  # architecture -> model type; serve's names take the last model type listing it, so do we
    for model_type, archs in tinyforge.list_models().items():
        types.update(dict.fromkeys(archs, (model_type, archs)))

    def forge(arch, **config_overrides):
        if arch not in types:
            raise ValueError(f"tiny_repo: {arch!r} is no architecture tinyforge can forge (see `tinyforge list`)")
        model_type, archs = types[arch]
        key = json.dumps([arch, config_overrides], sort_keys=True)
        out = cache / hashlib.sha256(key.encode()).hexdigest()[:16]
        folder = out / model_type / arch
        if not folder.is_dir():
            tinyforge.create(out, model_types=[model_type], set=config_overrides,
                             models_to_skip=[a for a in archs if a != arch])
        return folder

    return forge
