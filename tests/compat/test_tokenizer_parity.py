"""Tokenizer parity oracle: reference tokenizers built and trained with HF `tokenizers`' own Python API, one per
pipeline family; HF and `tinyforge tokenizer encode --jsonl` must give identical ids, type_ids, tokens, offsets,
special_tokens_mask, attention_mask and decodes on held-out text (Debian fortunes in five languages plus
adversarial strings), singles and pairs, with and without special tokens."""
import json
import os
import pathlib
import subprocess

import pytest
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

FORTUNES = pathlib.Path("/usr/share/games/fortunes")
BIN = os.environ.get("TINYFORGE_BIN", str(pathlib.Path(__file__).resolve().parents[2] / "build/release/tinyforge"))

ADVERSARIAL = [
    "",
    " ",
    "   leading and trailing   ",
    "tabs\tand\nnewlines\r\nmixed \u00a0nbsp\u2003em-space",
    "e\u0301le\u0300ve cafe\u0301 n\u0303 a\u0308\u0308",  # combining marks
    "\U0001F468\u200D\U0001F469\u200D\U0001F467 family \U0001F44D\U0001F3FD ok \u2764\ufe0f",  # ZWJ emoji
    "\u0627\u0644\u0633\u0644\u0627\u0645 \u0639\u0644\u064a\u0643\u0645 \u05e9\u05dc\u05d5\u05dd (RTL) \u200f",
    "\u4f60\u597d\u4e16\u754c\u3002\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8 \ud55c\uad6d\uc5b4",
    "x" * 10000,
    "ab" * 3000 + " end",
    "unknown \U0001D11E \U0010FFFF \u0000 \ufffd \u2028 chars",
    "ALL CAPS Ünïcödé ĞİŞ ß ﬁ ½ Ⅻ ①",
    "numbers 1234567890 3.14159 1,000,000 ٣٤٥",
    "code: def f(x): return x**2 # comment\n\tif a != b && c || d { return; }",
    "it's I'm we'll they've she'd don't",
    "[CLS] [SEP] [MASK] <s> </s> <unk> <pad> <|endoftext|> inside text",
    "    ",
    "a\u0300\u0301\u0302\u0303\u0304",
]


def _fortunes():
    texts = []
    for path in sorted(FORTUNES.rglob("*")):
        if path.is_dir() or path.suffix in (".dat", ".u8") or path.is_symlink():
            continue
        try:
            data = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            continue
        texts.extend(t.strip("\n") for t in data.split("\n%\n") if t.strip())
    return texts


@pytest.fixture(scope="module")
def corpus():
    if not FORTUNES.is_dir():
        pytest.fail("Debian fortunes are missing: run scripts/install-deps.sh --test")
    texts = _fortunes()
    assert len(texts) > 2000
    train = texts[::2][:6000]
    held = texts[1::2]
    held = held[:: max(1, len(held) // 700)]
    return train, held + ADVERSARIAL


def _bert(train):
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    tok.train_from_iterator(train, trainers.WordPieceTrainer(
        vocab_size=1200, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]))
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    return tok


def _gpt2(train):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=True)
    tok.train_from_iterator(train, trainers.BpeTrainer(
        vocab_size=1200, special_tokens=["<|endoftext|>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    return tok


def _roberta(train):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(train, trainers.BpeTrainer(
        vocab_size=1000, special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tok.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 0), trim_offsets=True, add_prefix_space=True)
    return tok


def _llama(train):
    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tok.normalizer = normalizers.Sequence([normalizers.Prepend("\u2581"), normalizers.Replace(" ", "\u2581")])
    tok.decoder = decoders.Sequence([decoders.Replace("\u2581", " "), decoders.ByteFallback(), decoders.Fuse(),
                                     decoders.Strip(" ", 1, 0)])
    specials = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)]
    tok.train_from_iterator(train, trainers.BpeTrainer(vocab_size=1400, special_tokens=specials, limit_alphabet=200))
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A", pair="<s> $A <s>:1 $B:1", special_tokens=[("<s>", tok.token_to_id("<s>"))])
    return tok


def _metaspace_unigram(train):
    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Strip(), normalizers.Replace(
        Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always")
    tok.train_from_iterator(train, trainers.UnigramTrainer(
        vocab_size=1000, special_tokens=["<pad>", "</s>", "<unk>"], unk_token="<unk>"))
    tok.post_processor = processors.TemplateProcessing(
        single="$A </s>", pair="$A </s> $B:1 </s>:1", special_tokens=[("</s>", tok.token_to_id("</s>"))])
    return tok


def _wordlevel(train):
    tok = Tokenizer(models.WordLevel(unk_token="<unk>"))
    tok.normalizer = normalizers.Sequence([normalizers.NFD(), normalizers.StripAccents(), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Whitespace(), pre_tokenizers.Digits(individual_digits=True)])
    tok.train_from_iterator(train, trainers.WordLevelTrainer(vocab_size=800, special_tokens=["<unk>", "<pad>"]))
    return tok


def _mixed_bpe(train):
    # Exercises more components: NFC, Split regex behaviours, Punctuation, WhitespaceSplit, suffix BPE, decoders.
    tok = Tokenizer(models.BPE(unk_token="<unk>", end_of_word_suffix="</w>"))
    tok.normalizer = normalizers.Sequence([normalizers.NFC(), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation(behavior="isolated"),
        pre_tokenizers.Split(pattern=Regex(r"\d+"), behavior="merged_with_next")])
    tok.decoder = decoders.BPEDecoder(suffix="</w>")
    tok.train_from_iterator(train, trainers.BpeTrainer(
        vocab_size=900, special_tokens=["<unk>", "<cls>", "<sep>"], end_of_word_suffix="</w>", limit_alphabet=150))
    tok.post_processor = processors.BertProcessing(("<sep>", 2), ("<cls>", 1))
    return tok


def _prefix_bpe(train):
    tok = Tokenizer(models.BPE(unk_token="[UNK]", continuing_subword_prefix="##"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=False, strip_accents=False)
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.decoder = decoders.WordPiece(prefix="##")
    tok.train_from_iterator(train, trainers.BpeTrainer(
        vocab_size=900, special_tokens=["[UNK]", "[CLS]", "[SEP]"], continuing_subword_prefix="##", limit_alphabet=300))
    tok.add_tokens(["hello world", "<extra>"])
    return tok


FAMILIES = {
    "gpt2_bytelevel_bpe": _gpt2,
    "bert_wordpiece": _bert,
    "roberta_bytelevel_bpe": _roberta,
    "llama_byte_fallback_bpe": _llama,
    "t5like_unigram_metaspace": _metaspace_unigram,
    "wordlevel": _wordlevel,
    "suffix_bpe_split_punct": _mixed_bpe,
    "prefix_bpe_bert_normalizer": _prefix_bpe,
}


def _requests(held):
    reqs = [{"text": t} for t in held]
    reqs += [{"text": t, "add_special_tokens": False} for t in held[:100]]
    reqs += [{"text": a, "pair": b} for a, b in zip(held[:150], held[1:151])]
    return reqs


def _hf_result(tok, req):
    if "pair" in req:
        e = tok.encode(req["text"], req["pair"], add_special_tokens=req.get("add_special_tokens", True))
    else:
        e = tok.encode(req["text"], add_special_tokens=req.get("add_special_tokens", True))
    return {
        "ids": e.ids, "type_ids": e.type_ids, "tokens": e.tokens, "offsets": [list(o) for o in e.offsets],
        "special_tokens_mask": e.special_tokens_mask, "attention_mask": e.attention_mask,
        "decoded": tok.decode(e.ids, skip_special_tokens=True),
        "decoded_keep_special": tok.decode(e.ids, skip_special_tokens=False),
    }


FIELDS = ["ids", "type_ids", "tokens", "offsets", "special_tokens_mask", "attention_mask", "decoded",
          "decoded_keep_special"]


@pytest.mark.parametrize("family", list(FAMILIES))
def test_encode_decode_parity(family, corpus, tmp_path):
    train, held = corpus
    tok = FAMILIES[family](train)
    path = tmp_path / "tokenizer.json"
    tok.save(str(path))
    reqs = _requests(held)
    req_path = tmp_path / "requests.jsonl"
    req_path.write_text("".join(json.dumps(r) + "\n" for r in reqs))
    out = subprocess.run([BIN, "tokenizer", "encode", str(path), "--jsonl", str(req_path)],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    ours = [json.loads(line) for line in out.stdout.split("\n") if line]
    assert len(ours) == len(reqs)
    mismatches = {f: 0 for f in FIELDS}
    first = {}
    for req, mine in zip(reqs, ours):
        ref = _hf_result(tok, req)
        for f in FIELDS:
            if mine.get(f) != ref[f]:
                mismatches[f] += 1
                first.setdefault(f, (req, ref[f] if f.startswith("decoded") else ref[f][:40],
                                     mine.get(f) if f.startswith("decoded") else mine.get(f)[:40]))
    print(f"\n{family}: {len(reqs)} encodings, mismatches per field: {mismatches}")
    assert not any(mismatches.values()), f"{family}: {mismatches}; first: {json.dumps(first, ensure_ascii=False)[:3000]}"


@pytest.mark.parametrize("family", ["gpt2_bytelevel_bpe", "bert_wordpiece", "llama_byte_fallback_bpe", "wordlevel"])
def test_to_json_equals_hf_to_str(family, corpus, tmp_path):
    """Our serialization of a loaded tokenizer.json is HF's Tokenizer.to_str(), and HF loads it back."""
    train, _ = corpus
    tok = FAMILIES[family](train[:800])
    path = tmp_path / "tokenizer.json"
    tok.save(str(path))
    out = subprocess.run([BIN, "tokenizer", "show", str(path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    ours = out.stdout.rstrip("\n")
    assert json.loads(ours) == json.loads(tok.to_str())
    assert ours == tok.to_str()
    assert Tokenizer.from_str(ours).to_str() == tok.to_str()


def test_malformed_tokenizer_json_names_the_path(tmp_path):
    bad = {"version": "1.0", "model": {"type": "BPE", "vocab": {"a": 0}, "merges": [["a", "zz"]]}}
    path = tmp_path / "tokenizer.json"
    path.write_text(json.dumps(bad))
    out = subprocess.run([BIN, "tokenizer", "encode", str(path), "a"], capture_output=True, text=True)
    assert out.returncode == 2
    assert "model.merges[0]" in out.stderr and "zz" in out.stderr
    bad["model"] = {"type": "Mystery"}
    path.write_text(json.dumps(bad))
    out = subprocess.run([BIN, "tokenizer", "encode", str(path), "a"], capture_output=True, text=True)
    assert out.returncode == 2 and "Mystery" in out.stderr
