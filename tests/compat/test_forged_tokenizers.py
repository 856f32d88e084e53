"""Oracle for the tokenizers `create` writes into text repositories: the pinned transformers loads them with the
class tokenizer_config.json names and ends up with exactly our tokenizer.json, save_pretrained writes our bytes
back, the config's vocab_size and *_token_id agree with the tokenizer, the model runs on what the tokenizer
produces, and HF `tokenizers` encodes held-out text exactly as our C++ encoder does. A type whose v5 tokenizer is
a Python class (CTRLTokenizer: vocab.json + merges.txt, no tokenizer.json) is held to the same checks against that
class: its files written back byte for byte, and its own encoding of the held-out text equal to ours."""
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from tinyforge_support import catalog, run_tinyforge  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_oracle import SCALED  # noqa: E402  (the first 14 types, whose tokenizers are listed by hand below)
from tokenizer_oracle import (  # noqa: E402
    ADVERSARIAL, PYTHON_FIELDS, fortunes, parity_mismatches, python_tokenizer_result, requests_for)

# model type → (config sub-object holding the text fields or None, architecture to run)
TEXT_TYPES = {
    "bert": (None, "BertModel"),
    "gpt2": (None, "GPT2Model"),
    "roberta": (None, "RobertaModel"),
    "bart": (None, "BartModel"),
    "clip": ("text_config", "CLIPModel"),
    "llama": (None, "LlamaModel"),
    "mistral": (None, "MistralModel"),
    "gemma": (None, "GemmaModel"),
    "qwen2": (None, "Qwen2Model"),
    "whisper": (None, "WhisperForConditionalGeneration"),
    "t5": (None, "T5Model"),
}

def _compiled_text_types():
    """Every other catalogued type whose transformers config has a vocabulary: its base model carries the
    tokenizer checks (the compiled catalog gives each such type its v5 tokenizer class's template)."""
    from transformers import CONFIG_MAPPING

    out = {}
    for model_type, archs in sorted(catalog().items()):
        if not archs or model_type in TEXT_TYPES or model_type in SCALED or "vocab_size" not in CONFIG_MAPPING[model_type]().to_dict():
            continue
        bases = sorted((a for a in archs if a.endswith("Model")), key=len)
        out[model_type] = (None, bases[0] if bases else archs[0])
    return out


TEXT_TYPES.update(_compiled_text_types())
SAMPLES = ["Hello world, this is a tiny model.", "Ünïcödé déjà vu — 日本語のテキスト and emoji 👍🏽", "x" * 300]


# from_pretrained(local_dir) records these loader arguments in init_kwargs and save_pretrained writes them out; they
# describe how the files were loaded, not the tokenizer, so they are not expected in a repository.
LOADER_LINES = ['  "is_local": true,\n', '  "local_files_only": false,\n']


def assert_saved_back(saved, directory, names):
    """save_pretrained wrote exactly `names`, byte for byte ours (minus the loader's own lines)."""
    assert sorted(p.name for p in saved.iterdir()) == names
    for name in names:
        lines = (saved / name).read_text(encoding="utf-8").splitlines(keepends=True)
        back = "".join(line for line in lines if line not in LOADER_LINES)
        assert back == (directory / name).read_text(encoding="utf-8"), name


def is_python_tokenizer(tok):
    """A transformers Python tokenizer (no tokenizers backend): it reads and writes files of its own."""
    from transformers.tokenization_python import PythonBackend

    return isinstance(tok, PythonBackend)


def tokenizer_files(tok):
    """What save_pretrained writes for `tok`: tokenizer_config.json and tokenizer.json, or a Python tokenizer's own
    vocabulary files (CTRLTokenizer: vocab.json, merges.txt)."""
    own = list(type(tok).vocab_files_names.values()) if is_python_tokenizer(tok) else ["tokenizer.json"]
    return sorted(own + ["tokenizer_config.json"])


def repo(forge_cache, model_type):
    return Path(forge_cache(model_type)) / model_type / TEXT_TYPES[model_type][1]


def appended_on_top(model_type):
    """The plain tokens the type's template appends on top of the 1024 trained entries (Whisper's timestamps)."""
    catalog_dir = Path(__file__).resolve().parents[2] / "src" / "tinyforge" / "catalog"
    name = json.loads((catalog_dir / "data" / f"{model_type}.json").read_text())["tokenizer"]["template"]
    return json.loads((catalog_dir / "tokenizers" / f"{name}.json").read_text()).get("appended_tokens", [])


def text_config(model_type, directory):
    config = json.loads((directory / "config.json").read_text())
    sub = TEXT_TYPES[model_type][0]
    return config[sub] if sub else config


@pytest.mark.parametrize("model_type", list(TEXT_TYPES))
def test_tokenizer_loads_exactly_as_written_and_round_trips(model_type, forge_cache, tmp_path):
    from transformers import AutoTokenizer

    directory = repo(forge_cache, model_type)
    ours_config = json.loads((directory / "tokenizer_config.json").read_text())
    tok = AutoTokenizer.from_pretrained(directory)
    assert type(tok).__name__ == ours_config["tokenizer_class"]
    if is_python_tokenizer(tok):  # nothing of a tokenizers pipeline in the repository
        assert not (directory / "tokenizer.json").exists()
    else:
        assert json.loads(tok.backend_tokenizer.to_str()) == json.loads((directory / "tokenizer.json").read_text())
    tok.save_pretrained(tmp_path)
    assert_saved_back(tmp_path, directory, tokenizer_files(tok))


@pytest.mark.parametrize("model_type", list(TEXT_TYPES))
def test_config_follows_the_tokenizer(model_type, forge_cache):
    from transformers import AutoTokenizer

    directory = repo(forge_cache, model_type)
    tok = AutoTokenizer.from_pretrained(directory)
    config = text_config(model_type, directory)
    assert config["vocab_size"] == len(tok) <= 1024 + len(appended_on_top(model_type))
    # Each `<name>_token_id` of the config whose token the tokenizer has holds that token's id. OpenAIGPTTokenizer
    # and CTRLTokenizer have an unknown token only, which no config field holds (OpenAIGPTConfig and CTRLConfig
    # have pad/bos/eos ids): for them there is nothing to check.
    checked = 0
    for key, value in config.items():
        token = getattr(tok, key[: -len("_id")], None) if key.endswith("_token_id") else None
        if isinstance(token, str):
            assert value == tok.convert_tokens_to_ids(token), key
            checked += 1
    assert checked >= 1 or (set(tok.special_tokens_map) == {"unk_token"} and "unk_token_id" not in config)
    max_positions = json.loads((directory / "tokenizer_config.json").read_text())["model_max_length"]
    assert max_positions == tok.model_max_length
    # The model's own position limit, as transformers' config reads it (attribute_map aliases included); a model
    # without one (T5's relative positions, ALiBi, state spaces) leaves transformers' "unlimited" default.
    from transformers import AutoConfig

    config_obj = AutoConfig.from_pretrained(directory)
    limit = getattr(getattr(config_obj, "text_config", None) or config_obj, "max_position_embeddings", None)
    if isinstance(limit, int):
        assert max_positions <= limit
    else:
        assert max_positions > 10**6
    # Every architecture of the type ships the same tokenizer.
    for other in (directory.parent).iterdir():
        if other.is_dir():
            for name in tokenizer_files(tok):
                if name != "tokenizer_config.json":
                    assert (other / name).read_bytes() == (directory / name).read_bytes(), (other.name, name)


@pytest.mark.parametrize("model_type", list(TEXT_TYPES))
def test_model_runs_on_tokenizer_output(model_type, forge_cache):
    import torch
    import transformers
    from transformers import AutoTokenizer

    directory = repo(forge_cache, model_type)
    tok = AutoTokenizer.from_pretrained(directory)
    model = getattr(transformers, TEXT_TYPES[model_type][1]).from_pretrained(directory).eval()
    if tok.pad_token is None:  # padding is masked out: any token the tokenizer has serves (GPT-1, CTRL: only <unk>)
        tok.pad_token = tok.eos_token or tok.unk_token
    # At most the model's own position limit, which the tokenizer declares (OPT's tiny config has 20 positions).
    batch = tok(SAMPLES, padding=True, truncation=True, max_length=min(64, tok.model_max_length), return_tensors="pt")
    assert int(batch["input_ids"].max()) < text_config(model_type, directory)["vocab_size"]
    inputs = {k: v for k, v in batch.items() if k in ("input_ids", "attention_mask")}
    if model_type in ("bart", "t5"):
        inputs["decoder_input_ids"] = batch["input_ids"][:, :4]
    if model_type == "whisper":  # the tokenizer's ids are the decoder's
        config = model.config
        features = torch.randn(1, config.num_mel_bins, 2 * config.max_source_positions)
        inputs = {"input_features": features, "decoder_input_ids": batch["input_ids"][:1]}
    if model_type == "clip":  # the text tower is what the tokenizer feeds
        model = model.text_model
    with torch.no_grad():
        out = model(**inputs)
    # A type without a bare model (TrOCR's only class is its causal LM) answers with logits.
    hidden = getattr(out, "last_hidden_state", None)
    hidden = out.logits if hidden is None else hidden
    assert torch.isfinite(hidden).all()
    # Decoding gives the text back, up to spacing around punctuation (clean-up rules differ per class).
    decoded = tok.decode(tok(SAMPLES[0])["input_ids"], skip_special_tokens=True).replace("</w>", " ")
    assert "".join(decoded.split()).lower() == "".join(SAMPLES[0].split()).lower()


@pytest.mark.parametrize("model_type", list(TEXT_TYPES))
def test_hf_tokenizers_encode_as_we_do(model_type, forge_cache, tmp_path):
    """HF tokenizers on our tokenizer.json, or the transformers Python class itself on its own files (our encoder
    reads the repository folder then), encodes held-out text exactly as our C++ encoder does."""
    from tokenizers import Tokenizer
    from transformers import AutoTokenizer

    directory = repo(forge_cache, model_type)
    texts = fortunes()
    held = texts[:: max(1, len(texts) // 500)] + ADVERSARIAL
    tok = AutoTokenizer.from_pretrained(directory)
    if is_python_tokenizer(tok):
        mismatches, first = parity_mismatches(tok, directory, requests_for(held), tmp_path,
                                              reference=python_tokenizer_result, fields=PYTHON_FIELDS)
    else:
        path = directory / "tokenizer.json"
        mismatches, first = parity_mismatches(Tokenizer.from_file(str(path)), path, requests_for(held), tmp_path)
    assert not any(mismatches.values()), f"{mismatches}; first: {json.dumps(first, ensure_ascii=False)[:3000]}"


def test_vocab_size_set_by_the_user_sizes_the_tokenizer(tmp_path):
    run_tinyforge("create", tmp_path / "a", "--model_types", "bert", "--set", "vocab_size=300",
                  "--models_to_skip", ",".join(a for a in catalog()["bert"] if a != "BertModel"))
    from transformers import AutoTokenizer

    directory = tmp_path / "a" / "bert" / "BertModel"
    assert json.loads((directory / "config.json").read_text())["vocab_size"] == 300
    assert len(AutoTokenizer.from_pretrained(directory)) <= 300

    proc = run_tinyforge("create", tmp_path / "b", "--model_types", "gpt2", "--set", "vocab_size=100", check=False)
    assert proc.returncode != 0
    report = json.loads((tmp_path / "b" / "reports" / "failed_report.json").read_text())
    assert "too small" in json.dumps(report) and "at least" in json.dumps(report)
    assert not (tmp_path / "b" / "gpt2" / "GPT2Model").exists()


def test_whisper_prefix_and_generation_ids(forge_cache):
    from transformers import AutoTokenizer

    directory = repo(forge_cache, "whisper")
    tok = AutoTokenizer.from_pretrained(directory)
    config = json.loads((directory / "config.json").read_text())
    start = tok.convert_tokens_to_ids("<|startoftranscript|>")
    assert config["decoder_start_token_id"] == start
    ids = tok("hello").input_ids
    assert ids[:2] == [start, tok.convert_tokens_to_ids("<|notimestamps|>")] and ids[-1] == tok.eos_token_id
    # Language tokens follow <|startoftranscript|> in Whisper's order, as the tokenizer's prefix logic assumes.
    tok.set_prefix_tokens(language="french", task="transcribe")
    prefixed = tok("bonjour").input_ids
    assert tok.convert_ids_to_tokens(prefixed[:3]) == ["<|startoftranscript|>", "<|fr|>", "<|transcribe|>"]
    assert config["begin_suppress_tokens"] == [tok.convert_tokens_to_ids("\u0120"), tok.eos_token_id]


def test_wav2vec2_ctc_vocabulary(forge_cache, tmp_path):
    import torch
    from transformers import AutoProcessor, AutoTokenizer, Wav2Vec2ForCTC

    directory = Path(forge_cache("wav2vec2")) / "wav2vec2" / "Wav2Vec2ForCTC"
    tok = AutoTokenizer.from_pretrained(directory)
    assert type(tok).__name__ == "Wav2Vec2CTCTokenizer"
    tok.save_pretrained(tmp_path)
    assert_saved_back(tmp_path, directory, ["tokenizer_config.json", "vocab.json"])
    config = json.loads((directory / "config.json").read_text())
    assert config["vocab_size"] == len(tok)
    assert (config["pad_token_id"], config["bos_token_id"], config["eos_token_id"]) == (
        tok.pad_token_id, tok.bos_token_id, tok.eos_token_id)
    ids = tok("HELLO WORLD").input_ids
    assert tok.unk_token_id not in ids and tok.decode(ids, group_tokens=False) == "HELLO WORLD"
    assert type(AutoProcessor.from_pretrained(directory)).__name__ == "Wav2Vec2Processor"
    model = Wav2Vec2ForCTC.from_pretrained(directory).eval()
    with torch.no_grad():
        logits = model(torch.randn(1, 16000)).logits
    assert logits.shape[-1] == len(tok)


PIPELINES = [
    ("fill-mask", "bert", "BertForMaskedLM", "Paris is the [MASK] of France."),
    ("text-generation", "gpt2", "GPT2LMHeadModel", "Once upon a time"),
    ("text-generation", "llama", "LlamaForCausalLM", "Once upon a time"),
    ("text-generation", "qwen2", "Qwen2ForCausalLM", "Once upon a time"),
    ("text-classification", "roberta", "RobertaForSequenceClassification", "What a lovely day."),
    ("token-classification", "bert", "BertForTokenClassification", "Ada Lovelace lived in London."),
    ("feature-extraction", "bart", "BartModel", "Summarize this sentence."),
    ("zero-shot-image-classification", "clip", "CLIPModel", None),
    ("automatic-speech-recognition", "whisper", "WhisperForConditionalGeneration", None),
    ("automatic-speech-recognition", "wav2vec2", "Wav2Vec2ForCTC", None),
]


@pytest.mark.parametrize("task,model_type,arch,text", PIPELINES, ids=[f"{p[0]}-{p[1]}" for p in PIPELINES])
def test_transformers_pipelines_run_on_forged_repositories(task, model_type, arch, text, forge_cache):
    """The repository alone (model + tokenizer + processor files) is enough for transformers.pipeline."""
    from transformers import pipeline

    directory = str(Path(forge_cache(model_type)) / model_type / arch)
    pipe = pipeline(task, model=directory)
    if task == "zero-shot-image-classification":
        from PIL import Image

        out = pipe(Image.new("RGB", (40, 40), "red"), candidate_labels=["a red square", "a cat"])
        assert sorted(o["label"] for o in out) == ["a cat", "a red square"]
        return
    if task == "automatic-speech-recognition":
        import numpy as np

        audio = np.random.default_rng(0).standard_normal(16000).astype(np.float32)
        assert isinstance(pipe({"raw": audio, "sampling_rate": 16000})["text"], str)
        return
    kwargs = {"max_new_tokens": 4, "do_sample": False} if "generation" in task else {}
    out = pipe(text, **kwargs)
    assert out, f"{task} gave nothing"
    if task == "fill-mask":
        assert len(out) == 5 and all(o["token_str"] for o in out)
