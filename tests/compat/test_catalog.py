"""The checked-in catalog is exactly what tools/catalog/compile produces from the pinned transformers (no hand
edits drift in), and what the compiler could not express is refused with its reason."""
import json
import subprocess
from pathlib import Path

import pytest

from tinyforge_support import ROOT, run_tinyforge

DATA = ROOT / "src" / "tinyforge" / "catalog" / "data"


def test_checked_in_catalog_is_what_the_compiler_writes():
    proc = subprocess.run([str(ROOT / "tools" / "catalog" / "compile"), "--check", "--all", "-j", "1"],
                          capture_output=True, text=True, timeout=3000)
    assert "catalog drift" not in proc.stderr, proc.stderr[-3000:]
    report = json.loads(proc.stderr[proc.stderr.rindex("\n{") + 1:])
    # Types the compiler fails on have no file; a stale file for one of them would be drift too.
    for model_type in report["failed"]:
        assert not (DATA / f"{model_type}.json").exists(), model_type


def test_unscalable_fields_are_refused_with_the_reason(tmp_path):
    entries = [json.loads(p.read_text()) for p in sorted(DATA.glob("*.json")) if not p.name.startswith("_")]
    refusing = [(e["model_type"], sorted(e["unscalable"])[0], e["unscalable"]) for e in entries if e.get("unscalable")
                and any("tensors" in a for a in e["architectures"])]
    assert refusing, "the catalog names no unscalable field"
    model_type, field, reasons = refusing[0]
    proc = run_tinyforge("create", tmp_path, "--model_types", model_type, "--set", f"{field}=1", check=False)
    assert proc.returncode != 0
    assert f"--set {field}: refused for" in proc.stderr and reasons[field] in proc.stderr
    assert not any(Path(tmp_path, model_type).glob("*/model.safetensors"))


def test_set_num_labels_sizes_every_classifier(tmp_path):
    # num_labels is PreTrainedConfig's property over id2label; the classifier widths must follow it.
    import transformers
    run_tinyforge("create", tmp_path, "--model_types", "qwen3", "--set", "num_labels=5")
    heads = {"ForSequenceClassification": transformers.AutoModelForSequenceClassification,
             "ForTokenClassification": transformers.AutoModelForTokenClassification}
    checked = 0
    for repo in sorted((tmp_path / "qwen3").iterdir()):
        auto = next((a for suffix, a in heads.items() if repo.name.endswith(suffix)), None)
        if auto is None:
            continue
        model, info = auto.from_pretrained(repo, output_loading_info=True)
        assert model.config.num_labels == 5
        assert not any(info.values()), (repo.name, info)
        checked += 1
    assert checked == 2


def test_set_num_labels_out_of_range_is_refused(tmp_path):
    proc = run_tinyforge("create", tmp_path, "--model_types", "qwen3", "--set", "num_labels=-1", check=False)
    assert proc.returncode != 0 and "--set num_labels=-1: expected a whole number" in proc.stderr
    assert not (tmp_path / "qwen3").exists()


def _types_without_tester():
    entries = [json.loads(p.read_text()) for p in sorted(DATA.glob("*.json")) if not p.name.startswith("_")]
    return [e["model_type"] for e in entries if e.get("tester", "").startswith("no ModelTester recorded")
            and any("tensors" in a for a in e["architectures"])]


# The shrink rule's promise (tools/catalog/FORMAT.md): a type without a ModelTester still forges a tiny repository.
# Before it, GPT-SW3 kept GPT-2's full width (338 MB per repository).
SHRUNK_LIMIT = 2_000_000


@pytest.mark.parametrize("model_type", _types_without_tester())
def test_shrink_rule_makes_tiny_repositories(forge_cache, model_type):
    weights = sorted((forge_cache(model_type) / model_type).glob("*/model.safetensors"))
    assert weights, "nothing forged"
    for f in weights:
        assert f.stat().st_size <= SHRUNK_LIMIT, f"{f.parent.name}: {f.stat().st_size} bytes"
