"""File formats against their reference implementations: every model.safetensors we forge is byte for byte
what the `safetensors` package writes for the same tensors, and every config.json is text-identical to
Python's json.dumps(indent=2, sort_keys=True) of its own content."""
import json

import pytest
from safetensors.torch import load_file, save_file

from tinyforge_support import catalog

CATALOG = catalog()


@pytest.mark.parametrize("model_type", sorted(CATALOG))
def test_safetensors_bytes_equal_the_reference_writer(forge_cache, tmp_path, model_type):
    out = forge_cache(model_type)
    for arch in CATALOG[model_type]:
        ours = out / model_type / arch / "model.safetensors"
        tensors = load_file(str(ours))
        reference = tmp_path / f"{arch}.safetensors"
        save_file(tensors, str(reference), metadata={"format": "pt"})
        assert ours.read_bytes() == reference.read_bytes(), arch


@pytest.mark.parametrize("model_type", sorted(CATALOG))
def test_json_files_are_python_formatted(forge_cache, model_type):
    out = forge_cache(model_type)
    for arch in CATALOG[model_type]:
        for path in (out / model_type / arch).glob("*.json"):
            if path.name == "tokenizer.json":  # HF tokenizers' own (Rust) format: test_forged_tokenizers.py
                continue
            text = path.read_text()
            # transformers writes tokenizer files with ensure_ascii=False, configs with the default
            ascii_only = not path.name.startswith(("tokenizer_", "vocab"))
            assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=ascii_only) + "\n", path
