"""The `create` command as a user meets it: layout, reports, determinism, bad input, and a killed run."""
import hashlib
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from safetensors import safe_open

from tinyforge_support import load_json, run_tinyforge, tinyforge_binary


def manifest(out):
    return (out / "reports" / "manifest.sha256").read_text()


def test_layout_and_reports(tmp_path):
    run_tinyforge("create", tmp_path, "--model_types", "bert")
    archs = sorted(p.name for p in (tmp_path / "bert").iterdir())
    assert "BertModel" in archs and "BertForMaskedLM" in archs
    for arch in archs:
        files = sorted(p.name for p in (tmp_path / "bert" / arch).iterdir())
        assert "config.json" in files and "model.safetensors" in files
    reports = tmp_path / "reports"
    summary = load_json(reports / "tiny_model_summary.json")
    assert sorted(summary) == archs
    for arch, entry in summary.items():
        assert set(entry) == {"tokenizer_classes", "processor_classes", "model_classes"}
        assert entry["model_classes"] == [arch]
    creation = load_json(reports / "tiny_model_creation_report.json")
    assert set(creation) == {"BertConfig"}
    assert creation["BertConfig"]["pytorch"]["BertModel"] == {
        "model": "BertModel", "checkpoint": str(tmp_path / "bert" / "BertModel")}
    assert load_json(reports / "failed_report.json") == {}
    assert (reports / "simple_report.txt").read_text().splitlines() == [f"{a}: OK" for a in archs]
    assert (reports / "simple_failed_report.txt").read_text() == ""
    # The manifest is sha256sum-compatible and covers every forged file.
    lines = manifest(tmp_path).splitlines()
    assert len(lines) == sum(len(list((tmp_path / "bert" / a).iterdir())) for a in archs)
    for line in lines:
        digest, rel = line.split("  ")
        assert hashlib.sha256((tmp_path / rel).read_bytes()).hexdigest() == digest


def test_hyphenated_aliases(tmp_path):
    run_tinyforge("create", tmp_path, "--model-types", "bert", "--models-to-skip", "BertModel", "--num-workers", "2")
    assert not (tmp_path / "bert" / "BertModel").exists()
    assert (tmp_path / "bert" / "BertForMaskedLM" / "config.json").exists()


def test_determinism_across_workers_and_seeds(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    run_tinyforge("create", a, "--all", "--num_workers", "1", "--seed", "3")
    run_tinyforge("create", b, "--all", "--num_workers", "2", "--seed", "3")
    run_tinyforge("create", c, "--all", "--num_workers", "2", "--seed", "4")
    assert manifest(a) == manifest(b)
    assert manifest(a).strip()
    weights = lambda out: {l.split("  ")[1]: l.split("  ")[0] for l in manifest(out).splitlines()
                           if l.endswith("model.safetensors")}
    wa, wc = weights(a), weights(c)
    assert wa.keys() == wc.keys()
    assert all(wa[k] != wc[k] for k in wa), "a different seed must change every checkpoint's weights"
    configs = lambda out: {k: v for k, v in (l.split("  ")[::-1] for l in manifest(out).splitlines())
                           if k.endswith("config.json")}
    assert configs(a) == configs(c), "the seed must not change configs"


def test_unknown_model_type_names_nearest_and_still_forges_the_rest(tmp_path):
    proc = run_tinyforge("create", tmp_path, "--model_types", "bert,bertt", check=False)
    assert proc.returncode != 0
    assert "unknown model type 'bertt'" in proc.stderr and "'bert'" in proc.stderr
    assert (tmp_path / "bert" / "BertModel" / "model.safetensors").exists()
    assert "bertt" in (tmp_path / "reports" / "simple_failed_report.txt").read_text()


def test_set_breaking_an_invariant_names_field_and_rule(tmp_path):
    proc = run_tinyforge("create", tmp_path, "--model_types", "bert", "--set", "hidden_size=30", check=False)
    assert proc.returncode != 0
    assert "'hidden_size' (30) must be divisible by 'num_attention_heads' (4)" in proc.stderr
    failed = load_json(tmp_path / "reports" / "failed_report.json")
    assert set(failed["BertConfig"]["pytorch"]) == {p for p in failed["BertConfig"]["pytorch"]}
    assert "BertModel" in failed["BertConfig"]["pytorch"]
    assert not (tmp_path / "bert" / "BertModel").exists()


def test_set_with_a_typo_is_rejected_before_anything_is_written(tmp_path):
    proc = run_tinyforge("create", tmp_path / "out", "--model_types", "bert", "--set", "hiden_size=64", check=False)
    assert proc.returncode != 0
    assert "no field 'hiden_size'" in proc.stderr and "hidden_size" in proc.stderr
    assert not (tmp_path / "out" / "bert").exists()


def test_scoped_set_applies_to_one_model_type(tmp_path):
    run_tinyforge("create", tmp_path, "--model_types", "bert", "--set", "bert:num_hidden_layers=1")
    assert load_json(tmp_path / "bert" / "BertModel" / "config.json")["num_hidden_layers"] == 1


def test_unwritable_output_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    proc = run_tinyforge("create", blocker / "out", "--model_types", "bert", check=False)
    assert proc.returncode != 0
    assert "cannot create output folder" in proc.stderr


def test_missing_selection_is_a_clear_error(tmp_path):
    proc = run_tinyforge("create", tmp_path, check=False)
    assert proc.returncode != 0
    assert "--all or --model_types" in proc.stderr


def complete(repo: Path) -> bool:
    """A repository is complete when its config parses and its safetensors file is whole."""
    try:
        json.loads((repo / "config.json").read_text())
        with safe_open(str(repo / "model.safetensors"), "pt") as f:
            for k in f.keys():
                f.get_tensor(k)
        return True
    except Exception:
        return False


def test_killed_run_never_leaves_a_half_written_repository(tmp_path):
    out = tmp_path / "out"
    # Big enough (about 40 MB per repository) that the run is still writing when it is killed.
    args = [str(tinyforge_binary()), "create", str(out), "--model_types", "bert", "--num_workers", "2",
            "--set", "hidden_size=256", "--set", "intermediate_size=1024", "--set", "num_hidden_layers=4",
            "--set", "vocab_size=30000", "--set", "num_attention_heads=8"]
    interrupted = 0
    for delay in (0.2, 0.5, 0.9):
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        entries = list((out / "bert").iterdir()) if (out / "bert").exists() else []
        visible = [p for p in entries if not p.name.startswith(".")]
        for repo in visible:
            assert complete(repo), f"{repo.name} is visible but incomplete after SIGKILL at {delay}s"
        interrupted += proc.returncode == -signal.SIGKILL and len(visible) < 9
        if delay < 0.9:
            shutil.rmtree(out, ignore_errors=True)
    assert interrupted, "no kill landed mid-run; the test did not exercise anything"
    # Leftover staging folders are hidden and cleaned by the next run.
    run_tinyforge("create", out, "--model_types", "bert")
    assert not [p for p in (out / "bert").iterdir() if p.name.startswith(".")]
    assert all(complete(p) for p in (out / "bert").iterdir())


def test_durable_mode_writes_the_same_bytes(tmp_path):
    """--durable (fsync per file) changes when bytes reach the disk, never which bytes."""
    run_tinyforge("create", tmp_path / "fast", "--model_types", "gpt2,bert")
    run_tinyforge("create", tmp_path / "durable", "--model_types", "gpt2,bert", "--durable")
    assert manifest(tmp_path / "fast") == manifest(tmp_path / "durable")


def test_tokenizer_cache_cold_warm_and_corrupt_give_the_same_bytes(tmp_path):
    """Trained tokenizers are reused from the cache folder: a cold run fills it, a warm run reads it, a corrupt
    or truncated entry is detected and trained again; the repositories are the same bytes every time, and the
    same as with the cache turned off."""
    cache = tmp_path / "cache"
    types = "gpt2,bert,t5"

    def create(name, cache_value):
        env = {**os.environ, "TINYFORGE_CACHE": str(cache_value)}
        run_tinyforge("create", tmp_path / name, "--model_types", types, env=env)
        return manifest(tmp_path / name)

    off = create("off", "off")
    assert create("cold", cache) == off
    entries = sorted((cache / "tokenizers").iterdir())
    assert len(entries) == 3, [p.name for p in entries]  # one per tokenizer template
    stamps = {p: p.stat().st_mtime_ns for p in entries}
    assert create("warm", cache) == off
    assert {p: p.stat().st_mtime_ns for p in entries} == stamps, "a warm run rewrote its cache entries"
    good = entries[0].read_bytes()
    body_start = good.index(b"\n") + 1
    entries[0].write_bytes(good[:body_start] + good[body_start:].replace(b'"', b"'", 1))  # corrupt the body
    entries[1].write_bytes(entries[1].read_bytes()[:100])  # truncated
    assert create("repaired", cache) == off
    assert entries[0].read_bytes() == good, "the corrupt entry was not rebuilt"
    assert sorted(p.name for p in (cache / "tokenizers").iterdir()) == [p.name for p in entries]
    # A cache folder that cannot be made (under a file: refused even to root) only costs the training.
    (tmp_path / "a-file").write_text("")
    assert create("unwritable", tmp_path / "a-file" / "cache") == off


def test_concurrent_runs_into_one_output_and_one_cache(tmp_path):
    """Parallel CI jobs forging into one OUTPUT_PATH and one --hf_cache: every run succeeds, none deletes another's
    staging, the result is what one run writes, and no temporary is left (issue 14)."""
    args = ["create", tmp_path / "out", "--model_types", "gpt2,bert", "--hf_cache", tmp_path / "hub",
            "--organization", "ci"]
    procs = [subprocess.Popen([str(tinyforge_binary()), *map(str, args)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True) for _ in range(6)]
    errors = [p.communicate()[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 6, errors
    run_tinyforge("create", tmp_path / "solo", "--model_types", "gpt2,bert")
    assert manifest(tmp_path / "out") == manifest(tmp_path / "solo")
    leftovers = [p for p in [*(tmp_path / "out").rglob("*"), *(tmp_path / "hub").rglob("*")]
                 if "tinyforge-tmp" in p.name]
    assert not leftovers, leftovers
    for repo in (tmp_path / "hub").glob("models--*"):  # besides .locks, where repository folders are made
        assert len(list((repo / "snapshots").iterdir())) == 1, repo.name  # one commit: same bytes every run


def edit_weights(repo, edit):
    """Rewrites repo/model.safetensors with edit(dict of numpy arrays)."""
    from safetensors.numpy import load_file, save_file
    tensors = load_file(repo / "model.safetensors")
    edit(tensors)
    save_file(tensors, repo / "model.safetensors", metadata={"format": "pt"})


def bert_repo(tmp_path):
    run_tinyforge("create", tmp_path / "out", "--model_types", "bert", "--models_to_skip",
                  ",".join(f"BertFor{x}" for x in ("MaskedLM", "MultipleChoice", "NextSentencePrediction",
                                                   "PreTraining", "QuestionAnswering", "SequenceClassification",
                                                   "TokenClassification")) + ",BertLMHeadModel")
    repo = tmp_path / "repo"
    shutil.copytree(tmp_path / "out" / "bert" / "BertModel", repo)
    return repo


def test_resize_refuses_byte_dtypes_and_shapes_config_does_not_imply(tmp_path):
    import numpy as np
    repo = bert_repo(tmp_path)
    key = "embeddings.word_embeddings.weight"
    before = (repo / "model.safetensors").read_bytes()
    edit_weights(repo, lambda t: t.__setitem__(key, (t[key] * 10).astype(np.int8)))
    proc = run_tinyforge("resize-token-embeddings", repo, "2000", check=False)
    assert proc.returncode != 0 and "stored as I8" in proc.stderr and "cast" in proc.stderr
    (repo / "model.safetensors").write_bytes(before)
    edit_weights(repo, lambda t: t.__setitem__(key, t[key].reshape(512, 64).copy()))
    proc = run_tinyforge("resize-token-embeddings", repo, "2000", check=False)
    assert proc.returncode != 0 and "stored as [512, 64] but config.json implies [1024, 32]" in proc.stderr
    assert load_json(repo / "config.json")["vocab_size"] == 1024  # nothing half-written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "repo"]


def test_reshard_sorts_tensor_names_with_huge_numbers(tmp_path):
    import numpy as np
    repo = bert_repo(tmp_path)
    edit_weights(repo, lambda t: t.update({"extra.12345678901234567890123.weight": np.zeros(2, np.float32),
                                           "extra.9.weight": np.zeros(2, np.float32)}))
    proc = run_tinyforge("reshard", repo, "--max_shard_size", "10KB", check=False)
    assert proc.returncode == 0, proc.stderr  # once: "error: stoull"
    index = load_json(repo / "model.safetensors.index.json")
    assert "extra.12345678901234567890123.weight" in index["weight_map"]


@pytest.mark.parametrize("spelling", ["slash", "dot", "symlink"])
def test_rewrites_convert_the_real_folder(tmp_path, spelling):
    repo = bert_repo(tmp_path)
    if spelling == "slash":
        run_tinyforge("cast", f"{repo}/", "--dtype", "float16")
    elif spelling == "dot":
        run_tinyforge("cast", ".", "--dtype", "float16", cwd=repo)
    else:
        (tmp_path / "link").symlink_to(repo)
        run_tinyforge("cast", tmp_path / "link", "--dtype", "float16")
        assert (tmp_path / "link").is_symlink()
    assert load_json(repo / "config.json")["dtype"] == "float16"
    assert sorted(p.name for p in repo.iterdir()) == [
        "README.md", "config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"]
    assert all("tinyforge-tmp" not in p.name for p in tmp_path.iterdir())


def test_hostile_config_sizes_are_refused_by_inspect(tmp_path):
    repo = bert_repo(tmp_path)
    config = load_json(repo / "config.json")
    config["num_hidden_layers"] = 1000000000
    (repo / "config.json").write_text(json.dumps(config))
    proc = run_tinyforge("inspect", repo, check=False, timeout=60)  # once: hung eating GBs
    assert proc.returncode != 0 and "num_hidden_layers" in proc.stderr and "65536" in proc.stderr


def test_model_card_metadata_and_reproduce_command(tmp_path):
    """Every repository carries a README.md model card that huggingface_hub parses, and the command it names
    writes the same repository bytes again; fixtures keep the card as it is, at their root."""
    import shlex
    from huggingface_hub import ModelCard
    from huggingface_hub.repocard import metadata_load
    run_tinyforge("create", tmp_path / "a", "--model_types", "bert,gpt2", "--seed", "3", "--set", "bert:hidden_size=48",
                  "--set", "hidden_act=gelu_new", "--set", "bert:classifier_dropout=0.25",
                  "--variants", "sharded,subfolder")
    for model_type, arch, task in [("bert", "BertForMaskedLM", "fill-mask"), ("gpt2", "GPT2LMHeadModel", "text-generation"),
                                   ("bert", "BertForPreTraining", None)]:
        repo = tmp_path / "a" / model_type / arch
        meta = metadata_load(repo / "README.md")
        card = ModelCard.load(repo / "README.md")
        assert card.data.to_dict() == meta
        assert meta.get("pipeline_tag") == task and meta["library_name"] == "transformers"
        assert meta["license"] == "apache-2.0"
        assert {"transformers", model_type, "tiny", "random", "tinyforge"} <= set(meta["tags"])
        assert "seed: 3" in card.text
        command = next(line for line in card.text.splitlines() if "tinyforge create" in line)
        command = command.split("`")[1]
        argv = shlex.split(command)
        assert argv[:3] == ["tinyforge", "create", "OUT"] and "--seed" in argv
        out = tmp_path / f"again-{model_type}"
        subprocess.run([str(tinyforge_binary()), "create", str(out), *argv[3:]], check=True, capture_output=True)
        again = out / model_type / arch
        assert sorted(p.name for p in again.iterdir()) == sorted(p.name for p in repo.iterdir())
        for f in repo.iterdir():
            assert (again / f.name).read_bytes() == f.read_bytes(), f.name
        for kind in ("sharded", "subfolder"):
            assert (repo.parent / f"{arch}-{kind}" / "README.md").read_bytes() == (repo / "README.md").read_bytes()
    # The overrides reached the command (and through it the config): gpt2 got hidden_act only.
    bert_card = (tmp_path / "a" / "bert" / "BertModel" / "README.md").read_text()
    assert "--set hidden_size=48" in bert_card and "--set classifier_dropout=0.25" in bert_card
    assert "hidden_size" not in (tmp_path / "a" / "gpt2" / "GPT2Model" / "README.md").read_text()


@pytest.mark.parametrize("spec, message", [("bin-sharded", "exclude each other"), ("fp16-bf16", "exclude each other"),
                                           ("bin-safetensors", "exclude each other"), ("sharded-sharded", "twice"),
                                           ("sharded-nope", "unknown variant 'nope'")])
def test_refused_fixture_combinations(tmp_path, spec, message):
    proc = run_tinyforge("create", tmp_path / "out", "--model_types", "bert", "--variants", spec, check=False)
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr
    assert not (tmp_path / "out" / "bert").exists()


def test_summary_names_resolve_as_the_pipeline_tests_look_them_up(tmp_path):
    """transformers' pipeline test mixin reads tiny_model_summary.json and getattr()s each tokenizer and
    processor class name from transformers, then loads it from the repository: every name must resolve and load."""
    import transformers
    run_tinyforge("create", tmp_path, "--model_types", "bert,wav2vec2,vit", "--models_to_skip",
                  "BertForMultipleChoice,BertForNextSentencePrediction,BertForPreTraining,BertLMHeadModel")
    summary = load_json(tmp_path / "reports" / "tiny_model_summary.json")
    assert {"BertModel", "Wav2Vec2ForCTC", "ViTForImageClassification"} <= set(summary)
    for arch, entry in summary.items():
        model_type = next(t for t in ("bert", "wav2vec2", "vit") if (tmp_path / t / arch).exists())
        assert entry["tokenizer_classes"] or entry["processor_classes"], arch
        for name in entry["tokenizer_classes"] + entry["processor_classes"]:
            getattr(transformers, name).from_pretrained(tmp_path / model_type / arch)
        assert [getattr(transformers, m).__name__ for m in entry["model_classes"]] == [arch]


def big_bert_args(out):
    """A bert run big enough (about 40 MB per repository) that it is still writing when it is killed."""
    return [str(tinyforge_binary()), "create", str(out), "--model_types", "bert", "--num_workers", "2",
            "--set", "hidden_size=256", "--set", "intermediate_size=1024", "--set", "num_hidden_layers=4",
            "--set", "vocab_size=30000", "--set", "num_attention_heads=8"]


def dead_pid():
    """The pid of a process that has ended (what a killed run's temporaries carry)."""
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_killed_hf_cache_run_leaves_a_cache_huggingface_hub_scans_cleanly(tmp_path):
    """kill -9 of `create --hf_cache` while it writes the cache: huggingface_hub's scan_cache_dir finds no corrupted
    repository, and the next run completes and leaves no temporary (issue 14)."""
    from huggingface_hub import scan_cache_dir
    hub = tmp_path / "hub"
    args = [str(tinyforge_binary()), "create", str(tmp_path / "out"), "--model_types", "bert", "--set",
            "hidden_size=128", "--set", "intermediate_size=512", "--set", "num_hidden_layers=4", "--hf_cache",
            str(hub), "--organization", "ci"]
    interrupted = 0
    for written in (1, 4, 7):  # kill once this many repositories have appeared in the cache
        shutil.rmtree(hub, ignore_errors=True)
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while proc.poll() is None and len(list(hub.glob("models--*"))) < written:
            time.sleep(0.002)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        interrupted += proc.returncode == -signal.SIGKILL
        report = scan_cache_dir(hub)
        assert not report.warnings, f"killed at {written} repositories: {report.warnings}"
    assert interrupted, "no kill landed mid-run; the test did not exercise anything"
    # A kill between writing a ref's or a blob's temporary and renaming it (too short a window to hit by timing).
    repo = next(hub.glob("models--*"))
    (repo / "refs" / f"main.tinyforge-tmp-{dead_pid()}-0").write_text("0123")
    (repo / "blobs" / f"{'0' * 40}.tinyforge-tmp-{dead_pid()}-1").write_text("half")
    proc = subprocess.run(args, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    report = scan_cache_dir(hub)
    assert not report.warnings, report.warnings
    assert len(report.repos) == 10 and all(set(r.refs) == {"main"} for r in report.repos), [
        (r.repo_id, sorted(r.refs)) for r in report.repos]  # 9 architectures and ci/tiny-random-bert
    leftovers = [p for p in hub.rglob("*") if "tinyforge-tmp" in p.name]
    assert not leftovers, leftovers


@pytest.mark.parametrize("command", [["reshard", "--max_shard_size", "2MB"], ["cast", "--dtype", "float16"]])
def test_killed_rewrite_leaves_the_repository_whole_and_no_staging_after_the_next(tmp_path, command):
    """kill -9 of a rewrite: the repository is the old or the new one, and the next rewrite removes the staging
    copy the killed one left (issue 14: it stayed forever, as large as the repository)."""
    subprocess.run(big_bert_args(tmp_path / "out") + ["--models_to_skip", ",".join(
        a for a in ("BertForMaskedLM", "BertForMultipleChoice", "BertForNextSentencePrediction", "BertForPreTraining",
                    "BertForQuestionAnswering", "BertForSequenceClassification", "BertForTokenClassification",
                    "BertLMHeadModel"))], check=True, capture_output=True)
    repo = tmp_path / "repo"
    shutil.copytree(tmp_path / "out" / "bert" / "BertModel", repo)
    left = 0
    for delay in (0.05, 0.1, 0.2, 0.3):
        proc = subprocess.Popen([str(tinyforge_binary()), command[0], str(repo), *command[1:]],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert run_tinyforge("inspect", repo, check=False).returncode == 0, f"repository broken at {delay}s"
        left += any("tinyforge-tmp" in p.name for p in tmp_path.iterdir())
        if proc.returncode != -signal.SIGKILL:
            break  # finished before the kill: later delays would not interrupt it either
    if not left:  # no kill landed inside the rewrite: plant what one leaves (a staging copy of a dead run)
        shutil.copytree(repo, tmp_path / f".repo.tinyforge-tmp-{dead_pid()}-0")
    run_tinyforge(command[0], repo, *command[1:])
    leftovers = [p.name for p in tmp_path.iterdir() if "tinyforge-tmp" in p.name]
    assert not leftovers, leftovers


def test_full_disk_names_the_full_disk_and_leaves_nothing_half_written(tmp_path):
    """A rewrite that runs out of space on a small tmpfs: the error says the disk is full and names the file, the
    repository is unchanged, and no staging or temporary file remains."""
    repo = bert_repo(tmp_path)
    size = sum(p.stat().st_size for p in repo.iterdir())
    disk = tmp_path / "disk"
    disk.mkdir()
    # Room for the repository and part of a rewritten copy of it.
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size * 3 // 2}", "tmpfs", str(disk)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN): {mounted.stderr.strip()}")
    try:
        small = disk / "repo"
        shutil.copytree(repo, small)
        before = {p.name: p.read_bytes() for p in small.iterdir()}
        proc = run_tinyforge("reshard", small, "--max_shard_size", "100KB", check=False)
        assert proc.returncode != 0, "the rewrite fit: the tmpfs is too large for this test"
        assert "No space left on device" in proc.stderr or "disk is full" in proc.stderr, proc.stderr
        assert str(disk) in proc.stderr, proc.stderr  # names where
        assert {p.name: p.read_bytes() for p in small.iterdir()} == before
        assert sorted(p.name for p in disk.iterdir()) == ["repo"]
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_help_lists_every_subcommand_though_a_call_builds_only_its_own():
    # A call builds only the options of the subcommand argv[1] names; --help and unknown names build them all.
    listed = run_tinyforge("--help").stdout
    for name in ("create", "list", "inspect", "reshard", "cast", "resize-token-embeddings", "tokenizer", "inputs",
                 "serve"):
        assert f"\n  {name} " in listed, name
    assert "--task" in run_tinyforge("inputs", "--help").stdout
    unknown = run_tinyforge("forge", check=False)
    assert unknown.returncode != 0 and "subcommand is required" in unknown.stderr + unknown.stdout


def test_serve_without_its_executable_names_it(tmp_path):
    # `tinyforge serve` execs tinyforge-serve from the binary's folder; a binary copied alone says what is missing.
    alone = tmp_path / "tinyforge"
    shutil.copy2(tinyforge_binary(), alone)
    proc = subprocess.run([alone, "serve", "--root", tmp_path], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert str(tmp_path / "tinyforge-serve") in proc.stderr and "could not be started" in proc.stderr
    # Next to the real binary it runs: its help is serve's.
    assert "--on_demand" in run_tinyforge("serve", "--help").stdout
