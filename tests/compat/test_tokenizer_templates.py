"""Oracle for the tokenizer family templates tools/catalog/tokenizer_templates.py compiles from transformers' classes.

The templates are compiled from the pinned transformers and are up to date (the nine older templates included,
byte for byte). For each template no catalogued model type uses yet, the tokenizer the forge would train from it
— `tinyforge tokenizer retrain` with the options the forge passes (the same function `create` calls; for
templates model types already use, its bytes equal the forged repository's) — loads with AutoTokenizer as the
class its tokenizer_config.json names and ends up with exactly our tokenizer.json, save_pretrained writes both
files back byte for byte, it has at most 1024 entries, HF `tokenizers` encodes held-out text exactly as our
encoder, and the retrain equals transformers' `train_new_from_iterator` on the class the compiler built, up to what
HF leaves to hash-map order."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from tinyforge_support import ROOT, run_tinyforge  # noqa: E402
from tokenizer_oracle import (  # noqa: E402
    ADVERSARIAL, fortunes, mostly_same, parity_mismatches, requests_for, unigram_differences)

sys.path.insert(0, str(ROOT / "tools" / "catalog"))
import tokenizer_templates  # noqa: E402

TEMPLATE_DIR = ROOT / "src" / "tinyforge" / "catalog" / "tokenizers"
CORPUS_DIR = ROOT / "src" / "tinyforge" / "tokenizers" / "corpus"
COMPILER = ROOT / "tools" / "catalog" / "tokenizer_templates.py"
TARGET = 1024  # the forge's default vocabulary size (create_dummy_models' TARGET_VOCAB_SIZE)

# Templates the compiler added for the catalog's widening to every text decoder: class -> template.
NEW = {
    "GPTNeoXTokenizer": "gpt_neox",
    "CohereTokenizer": "cohere",
    "OpenAIGPTTokenizer": "openai_gpt",
    "XGLMTokenizer": "xglm",
    "XLMRobertaTokenizer": "xlm_roberta",
    "TokenizersBackend": "tokenizers_backend",
}
# Templates model types already use, with an architecture `create` forges for them.
FORGED = {"gpt2": ("gpt2", "GPT2Model"), "bert": ("bert", "BertModel"), "qwen2": ("qwen2", "Qwen2Model")}
LOADER_LINES = ['  "is_local": true,\n', '  "local_files_only": false,\n']  # see test_forged_tokenizers.py


def template(name):
    return json.loads((TEMPLATE_DIR / f"{name}.json").read_text(encoding="utf-8"))


def corpus_files(tmpl):
    """The corpus the forge trains the template on (the embedded corpus is every file, in name order)."""
    return [CORPUS_DIR / f for f in tmpl.get("corpus_files", sorted(p.name for p in CORPUS_DIR.glob("*.txt")))]


def corpus_lines(tmpl):
    """The lines the forge reads from those files: non-empty, a trailing CR dropped."""
    lines = []
    for path in corpus_files(tmpl):
        lines += [line.removesuffix("\r") for line in path.read_text(encoding="utf-8").split("\n")]
    return [line for line in lines if line]


def limit_alphabet(tmpl, vocab_size=TARGET):
    """The forge's cap on a character-level alphabet (forge/tokenizer_files.cpp), or None."""
    if "limit_alphabet" not in tmpl:
        return None
    fixed = len(tmpl["tokenizer"]["added_tokens"]) + (256 if tmpl.get("byte_fallback_pieces") else 0)
    room = (vocab_size - fixed) // 4 if vocab_size > fixed else 0
    return min(tmpl["limit_alphabet"], max(16, room))


def retrain_template(name, out_dir):
    """What the forge trains from a template (no appended specials or byte-fallback pieces: the CLI has no such
    options, and no template below uses them)."""
    tmpl = template(name)
    assert "appended_special_tokens" not in tmpl and not tmpl.get("byte_fallback_pieces")
    out_dir.mkdir(parents=True, exist_ok=True)
    src = out_dir / "template_tokenizer.json"
    src.write_text(json.dumps(tmpl["tokenizer"], ensure_ascii=False), encoding="utf-8")
    args = ["tokenizer", "retrain", src, "--out", out_dir / "tokenizer.json", "--vocab_size", str(TARGET)]
    if "corpus_files" in tmpl:
        args += ["--corpus", *corpus_files(tmpl)]
    if (limit := limit_alphabet(tmpl)) is not None:
        args += ["--limit_alphabet", str(limit)]
    run_tinyforge(*args)
    src.unlink()
    # tokenizer_config.json as the forge renders it (model_max_length from the model config).
    config = dict(tmpl["tokenizer_config"], model_max_length=2048)
    (out_dir / "tokenizer_config.json").write_text(
        json.dumps(config, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    return out_dir


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = retrain_template(name, tmp_path_factory.mktemp(f"template-{name}"))
        return cache[name]

    return get


def test_compiled_templates_are_up_to_date():
    """Recompiling from the pinned transformers changes no template (the older nine included) and no mapping."""
    proc = subprocess.run([sys.executable, str(COMPILER), "--check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_mapping_names_every_template_and_no_skipped_class():
    mapping = json.loads((ROOT / "tools" / "catalog" / "tokenizer_templates.json").read_text())
    assert {c: mapping[c] for c in NEW} == NEW
    assert all((TEMPLATE_DIR / f"{name}.json").is_file() for name in mapping.values())
    assert not set(mapping) & set(tokenizer_templates.SKIPPED)
    for name in tokenizer_templates.SKIPPED:  # the skipped classes really have no tokenizers backend
        import transformers
        from transformers.tokenization_utils_tokenizers import TokenizersBackend

        assert not issubclass(getattr(transformers, name), TokenizersBackend), name


@pytest.mark.parametrize("name", list(FORGED))
def test_cli_retrain_is_what_create_forges(name, trained, forge_cache):
    """The CLI path the other tests use gives the forged repository's exact bytes."""
    model_type, arch = FORGED[name]
    forged = Path(forge_cache(model_type)) / model_type / arch
    assert (trained(name) / "tokenizer.json").read_bytes() == (forged / "tokenizer.json").read_bytes()


@pytest.mark.parametrize("tokenizer_class", list(NEW))
def test_loads_as_its_class_and_round_trips(tokenizer_class, trained, tmp_path):
    from transformers import AutoTokenizer

    directory = trained(NEW[tokenizer_class])
    config = json.loads((directory / "tokenizer_config.json").read_text())
    assert config["tokenizer_class"] == tokenizer_class
    tok = AutoTokenizer.from_pretrained(directory)
    assert type(tok).__name__ == tokenizer_class
    ours = json.loads((directory / "tokenizer.json").read_text(encoding="utf-8"))
    assert json.loads(tok.backend_tokenizer.to_str()) == ours
    assert len(tok) == len(tok.get_vocab()) <= TARGET
    assert len(tok) == TARGET  # the corpus is large enough to fill the vocabulary
    for key in ("bos_token", "eos_token", "unk_token", "pad_token", "sep_token", "cls_token", "mask_token"):
        if isinstance(config.get(key), str):  # every named special token is in the vocabulary
            assert tok.convert_tokens_to_ids(config[key]) == tok.get_vocab()[config[key]], key
    tok.save_pretrained(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tokenizer.json", "tokenizer_config.json"]
    for name in ("tokenizer.json", "tokenizer_config.json"):
        lines = (tmp_path / name).read_text(encoding="utf-8").splitlines(keepends=True)
        back = "".join(line for line in lines if line not in LOADER_LINES)
        assert back == (directory / name).read_text(encoding="utf-8"), name
    # It tokenizes and decodes text of its training languages.
    sample = "Hello world, this is a tiny model."
    decoded = tok.decode(tok(sample)["input_ids"], skip_special_tokens=True).replace("</w>", " ")
    assert "".join(decoded.split()).lower() == "".join(sample.split()).lower()


@pytest.mark.parametrize("tokenizer_class", list(NEW))
def test_hf_tokenizers_encode_as_we_do(tokenizer_class, trained, tmp_path):
    from tokenizers import Tokenizer

    path = trained(NEW[tokenizer_class]) / "tokenizer.json"
    texts = fortunes()
    held = texts[:: max(1, len(texts) // 500)] + ADVERSARIAL
    mismatches, first = parity_mismatches(Tokenizer.from_file(str(path)), path, requests_for(held), tmp_path)
    assert not any(mismatches.values()), f"{mismatches}; first: {json.dumps(first, ensure_ascii=False)[:3000]}"


def hf_retrained(tokenizer_class):
    """transformers' train_new_from_iterator on the class instance the compiler builds the template from, on the
    corpus and with the trainer options the forge uses."""
    import transformers

    family = next(f for f in tokenizer_templates.FAMILIES if f.tokenizer_class == tokenizer_class)
    tmpl = template(family.template)
    kwargs = {}
    if (limit := limit_alphabet(tmpl)) is not None:
        kwargs["limit_alphabet"] = limit
    tok = family.build(transformers)
    new = tok.train_new_from_iterator(corpus_lines(tmpl), vocab_size=TARGET, **kwargs)
    return json.loads(new._tokenizer.to_str())


@pytest.mark.parametrize("tokenizer_class", ["GPTNeoXTokenizer", "CohereTokenizer", "TokenizersBackend"])
def test_byte_level_retrain_equals_train_new_from_iterator(tokenizer_class, trained):
    """Byte-level BPE: HF is deterministic, the whole tokenizer.json is equal."""
    ours = json.loads((trained(NEW[tokenizer_class]) / "tokenizer.json").read_text(encoding="utf-8"))
    assert ours == hf_retrained(tokenizer_class)


def test_suffix_bpe_retrain_matches_train_new_from_iterator(trained):
    """OpenAIGPTTokenizer (</w> word ends): HF numbers the suffixed pieces ("a</w>") in hash-map order, and tied
    merges follow that order; the specials and the alphabet, the piece and merge sets (up to tie-dependent
    entries, as in test_tokenizer_trainers.py) and everything but the model are equal."""
    ours = json.loads((trained("openai_gpt") / "tokenizer.json").read_text(encoding="utf-8"))
    hf = hf_retrained("OpenAIGPTTokenizer")
    our_model, hf_model = ours.pop("model"), hf.pop("model")
    assert ours == hf
    our_vocab, hf_vocab = our_model.pop("vocab"), hf_model.pop("vocab")
    our_merges, hf_merges = our_model.pop("merges"), hf_model.pop("merges")
    assert our_model == hf_model
    assert len(our_vocab) == len(hf_vocab) == TARGET
    fixed = [t for t in hf_vocab if len(t) == 1 or t == "<unk>"]  # the specials and the (limited) alphabet
    assert len(fixed) == 1 + limit_alphabet(template("openai_gpt"))
    assert {t: our_vocab[t] for t in fixed} == {t: hf_vocab[t] for t in fixed} == {t: i for i, t in enumerate(fixed)}
    assert mostly_same(our_vocab, hf_vocab)
    assert mostly_same(map(tuple, our_merges), map(tuple, hf_merges))


@pytest.mark.parametrize("tokenizer_class", ["XGLMTokenizer", "XLMRobertaTokenizer"])
def test_unigram_retrain_matches_train_new_from_iterator(tokenizer_class, trained):
    """Unigram on the Latin-script corpus: equal up to the rounding of HF's EM sums in hash-map order (scores to
    1e-10 relative, see unigram_differences)."""
    ours = json.loads((trained(NEW[tokenizer_class]) / "tokenizer.json").read_text(encoding="utf-8"))
    hf = hf_retrained(tokenizer_class)
    n_specials = len(hf["added_tokens"])
    assert unigram_differences(ours["model"].pop("vocab"), hf["model"].pop("vocab"), n_specials) == []
    assert ours == hf
