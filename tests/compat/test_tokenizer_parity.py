"""Tokenizer parity oracle: reference tokenizers built and trained with HF `tokenizers`' own Python API, one per
pipeline family; HF and `tinyforge tokenizer encode --jsonl` must give identical ids, type_ids, tokens, offsets,
special_tokens_mask, attention_mask, overflowing windows and decodes on held-out text (Debian fortunes in five
languages plus adversarial strings), singles, pairs and batches, with and without special tokens, truncation
and padding. sentencepiece charsmaps (Precompiled) come from real models trained by Debian's `spm_train`."""
import functools
import json
import os
import pathlib
import random
import shutil
import subprocess
import sys
import tempfile

import pytest
from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "support"))
from tokenizer_oracle import ADVERSARIAL, FORTUNES, fortunes  # noqa: E402

BIN = os.environ.get("TINYFORGE_BIN", str(pathlib.Path(__file__).resolve().parents[2] / "build/release/tinyforge"))



@functools.lru_cache(maxsize=None)
def _corpus_texts():
    if not FORTUNES.is_dir():
        pytest.fail("Debian fortunes are missing: run scripts/install-deps.sh --test")
    texts = fortunes()
    assert len(texts) > 2000
    train = texts[::2][:6000]
    held = texts[1::2]
    held = held[:: max(1, len(held) // 700)]
    return train, held + ADVERSARIAL


@pytest.fixture(scope="module")
def corpus():
    return _corpus_texts()


def _bert(train, vocab_size=1200):
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    tok.train_from_iterator(train, trainers.WordPieceTrainer(
        vocab_size=vocab_size, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]))
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    return tok


def _gpt2(train, vocab_size=1200):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=True)
    tok.train_from_iterator(train, trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=["<|endoftext|>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
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


def _llama(train, vocab_size=1400):
    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tok.normalizer = normalizers.Sequence([normalizers.Prepend("\u2581"), normalizers.Replace(" ", "\u2581")])
    tok.decoder = decoders.Sequence([decoders.Replace("\u2581", " "), decoders.ByteFallback(), decoders.Fuse(),
                                     decoders.Strip(" ", 1, 0)])
    specials = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)]
    tok.train_from_iterator(train, trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=specials,
                                                       limit_alphabet=200))
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A", pair="<s> $A <s>:1 $B:1", special_tokens=[("<s>", tok.token_to_id("<s>"))])
    return tok


def _metaspace_unigram(train, vocab_size=1000, n_train=1200):
    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Strip(), normalizers.Replace(
        Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always")
    tok.train_from_iterator(train[:n_train], trainers.UnigramTrainer(  # HF's Unigram trainer is the slow one
        vocab_size=vocab_size, special_tokens=["<pad>", "</s>", "<unk>"], unk_token="<unk>"))
    tok.post_processor = processors.TemplateProcessing(
        single="$A </s>", pair="$A </s> $B:1 </s>:1", special_tokens=[("</s>", tok.token_to_id("</s>"))])
    return tok


def _wordlevel(train, vocab_size=800):
    tok = Tokenizer(models.WordLevel(unk_token="<unk>"))
    tok.normalizer = normalizers.Sequence([normalizers.NFD(), normalizers.StripAccents(), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Whitespace(), pre_tokenizers.Digits(individual_digits=True)])
    tok.train_from_iterator(train, trainers.WordLevelTrainer(vocab_size=vocab_size, special_tokens=["<unk>", "<pad>"]))
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


def _spm_model(train, rule, user_symbols=()):
    """A real sentencepiece Unigram model (vocab + precompiled charsmap of the named normalization rule), trained
    by Debian's spm_train and read with the protobuf schema transformers ships."""
    from transformers.convert_slow_tokenizer import import_protobuf

    if shutil.which("spm_train") is None:
        pytest.fail("spm_train is missing: run scripts/install-deps.sh --test (Debian package sentencepiece)")
    with tempfile.TemporaryDirectory() as d:
        text = pathlib.Path(d, "train.txt")
        text.write_text("\n".join(t.replace("\n", " ") for t in train[:1000]) + "\n")
        out = subprocess.run(["spm_train", f"--input={text}", f"--model_prefix={d}/m", "--vocab_size=800",
                              "--model_type=unigram", f"--normalization_rule_name={rule}", "--hard_vocab_limit=false",
                              "--pad_id=0", "--eos_id=1", "--unk_id=2", "--bos_id=-1", "--minloglevel=2",
                              f"--user_defined_symbols={','.join(user_symbols)}"],
                             capture_output=True, text=True)
        assert out.returncode == 0, out.stderr[-2000:]
        proto = import_protobuf().ModelProto()
        proto.ParseFromString(pathlib.Path(d, "m.model").read_bytes())
    charsmap = proto.normalizer_spec.precompiled_charsmap
    assert len(charsmap) > 1000, "spm_train wrote no precompiled charsmap"
    return [(p.piece, p.score) for p in proto.pieces], charsmap


def _t5_precompiled(train):
    # What transformers' T5Tokenizer builds: Precompiled (nmt_nfkc) + WhitespaceSplit/Metaspace, `$A </s>`.
    from transformers import T5Tokenizer

    vocab, charsmap = _spm_model(train, "nmt_nfkc")
    return T5Tokenizer(vocab=vocab, _spm_precompiled_charsmap=charsmap, extra_ids=5).backend_tokenizer


def _albert_precompiled(train):
    # ALBERT's normalizer chain around a case-folding charsmap (nmt_nfkc_cf), built by transformers.
    from transformers import AlbertTokenizer

    vocab, charsmap = _spm_model(train, "nmt_nfkc_cf", ("[CLS]", "[SEP]", "[MASK]"))
    return AlbertTokenizer(vocab=vocab, _spm_precompiled_charsmap=charsmap, unk_token="<unk>").backend_tokenizer


def _set_model_fields(tok, **fields):
    """Model options the trainers do not set (ignore_merges, dropout), through tokenizer.json as HF reads it."""
    j = json.loads(tok.to_str())
    j["model"].update(fields)
    return Tokenizer.from_str(json.dumps(j))


def _bytelevel_noregex(train):
    # Llama-3-like byte-level BPE with ignore_merges, without the GPT-2 regex; Nmt + NFKD + regex Replaces
    # (one with empty matches, one multi-char); Digits runs; ByteLevel + a typed template in a Sequence.
    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.Sequence([
        normalizers.Nmt(), normalizers.NFKD(),
        normalizers.Replace(Regex(r"(?<=[0-9])(?=(?:[0-9]{3})+\b)"), "_"),
        normalizers.Replace(Regex("[aeiou]{2}"), "<\u00e6>")])
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=False),
        pre_tokenizers.ByteLevel(add_prefix_space=True, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(train, trainers.BpeTrainer(
        vocab_size=1100, special_tokens=["<s>", "</s>", "<sep>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tok = _set_model_fields(tok, ignore_merges=True)
    bos, eos, sep = (tok.token_to_id(t) for t in ("<s>", "</s>", "<sep>"))
    tok.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=True),
        processors.TemplateProcessing(
            single="<s>:2 $A:0 </s>:2", pair="<s>:2 $A:0 <sep>:3 $B:1 </s>:4",
            special_tokens=[("<s>", bos), ("</s>", eos), ("<sep>", sep)])])
    return tok


ADDED_PIECES = ["<mask>", "  <mask>", "[SPEC]  ", "hello world", "Hello World", "HELLO  WORLD", "word", "words",
                "sword", " word ", "ab", "b", "xab", "ab_", "\u00c9COLE", "\u00e9cole", "stra\u00dfe", "STRASSE",
                "<Both>", "a<Both>b", " <Both> ", "CASE", "case", "\u0645word", "word\u200d"]


def _added_tokens(train):
    # Added tokens of every kind: special or not, lstrip/rstrip/single_word, matched before or after the
    # (lowercasing) normalizer.
    tok = Tokenizer(models.BPE(unk_token="[UNK]"))
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Metaspace()
    tok.train_from_iterator(train, trainers.BpeTrainer(vocab_size=900, special_tokens=["[UNK]", "[CLS]", "[SEP]"]))
    tok.add_special_tokens([
        AddedToken("<mask>", lstrip=True, normalized=False), AddedToken("[SPEC]", rstrip=True, normalized=False),
        AddedToken("<Both>", lstrip=True, rstrip=True, single_word=True, normalized=False),
        AddedToken("\u00c9COLE", normalized=True)])  # special but normalized: decodes keep it (HF)
    tok.add_tokens([
        AddedToken("Hello World", normalized=True), AddedToken("word", single_word=True),
        AddedToken("Stra\u00dfe", normalized=True, lstrip=True), AddedToken("CASE", normalized=False),
        AddedToken("ab", single_word=True, normalized=False), AddedToken("b", normalized=False, rstrip=True)])
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", tok.token_to_id("[CLS]")), ("[SEP]", tok.token_to_id("[SEP]"))])
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
    "t5_unigram_precompiled_nmt_nfkc": _t5_precompiled,
    "albert_unigram_precompiled_nmt_nfkc_cf": _albert_precompiled,
    "bytelevel_noregex_ignore_merges_nmt": _bytelevel_noregex,
    "added_tokens_every_kind": _added_tokens,
}


@functools.lru_cache(maxsize=None)
def _cached_family(name):
    """A family trained once per test process (for the truncation/padding tests built on top of it)."""
    train, _ = _corpus_texts()
    return FAMILIES[name](train).to_str()


def _requests(held):
    reqs = [{"text": t} for t in held]
    reqs += [{"text": t, "add_special_tokens": False} for t in held[:100]]
    reqs += [{"text": a, "pair": b} for a, b in zip(held[:150], held[1:151])]
    return reqs


FIELDS = ["ids", "type_ids", "tokens", "offsets", "special_tokens_mask", "attention_mask", "overflowing"]
DECODES = ["decoded", "decoded_keep_special"]


def _encoding(e):
    out = {"ids": e.ids, "type_ids": e.type_ids, "tokens": e.tokens, "offsets": [list(o) for o in e.offsets],
           "special_tokens_mask": e.special_tokens_mask, "attention_mask": e.attention_mask,
           "overflowing": [_encoding(o) for o in e.overflowing]}
    return out


def _decode(tok, ids, skip):
    try:
        return tok.decode(ids, skip_special_tokens=skip)
    except BaseException:  # HF's decoders panic (pyo3 PanicException) where ours raise an error
        return {"error": True}


def _with_decodes(tok, e):
    r = _encoding(e)
    r["decoded"] = _decode(tok, e.ids, True)
    r["decoded_keep_special"] = _decode(tok, e.ids, False)
    return r


def _hf_result(tok, req):
    special = req.get("add_special_tokens", True)
    try:
        if "batch" in req:
            inputs = [(r["text"], r["pair"]) if "pair" in r else r["text"] for r in req["batch"]]
            return {"batch": [_with_decodes(tok, e) for e in tok.encode_batch(inputs, add_special_tokens=special)]}
        if "pair" in req:
            return _with_decodes(tok, tok.encode(req["text"], req["pair"], add_special_tokens=special))
        return _with_decodes(tok, tok.encode(req["text"], add_special_tokens=special))
    except BaseException:  # errors, and panics (a stride HF asserts on)
        return {"error": True}


def _normalize_ours(r):
    """Our JSON in the oracle's shape: errors as {"error": True}, absent overflowing as []."""
    if "error" in r:
        return {"error": True}
    if "batch" in r:
        return {"batch": [_normalize_ours(x) for x in r["batch"]]}
    r = dict(r)
    r["overflowing"] = [_normalize_ours(o) for o in r.get("overflowing", [])]
    for f in DECODES:
        if isinstance(r.get(f), dict):
            r[f] = {"error": True}
    return r


def _diff_fields(ref, mine):
    """Names of the fields that differ (recursing into batches)."""
    if "error" in ref or "error" in mine or ("batch" in ref) != ("batch" in mine):
        return [] if ref == mine else ["error"]
    if "batch" in ref:
        if len(ref["batch"]) != len(mine["batch"]):
            return ["batch"]
        return sorted({f for a, b in zip(ref["batch"], mine["batch"]) for f in _diff_fields(a, b)})
    return [f for f in FIELDS + DECODES if f in ref and mine.get(f) != ref[f]]


def run_ours(path, reqs, tmp_path, *flags, expect_rc=None):
    req_path = tmp_path / "requests.jsonl"
    req_path.write_text("".join(json.dumps(r) + "\n" for r in reqs))
    out = subprocess.run([BIN, "tokenizer", "encode", str(path), "--jsonl", str(req_path), *flags],
                         capture_output=True, text=True)
    assert out.returncode in ((0, 1) if expect_rc is None else (expect_rc,)), out.stderr
    ours = [json.loads(line) for line in out.stdout.split("\n") if line]
    assert len(ours) == len(reqs), out.stderr
    return [_normalize_ours(r) for r in ours]


def assert_parity(name, tok, reqs, tmp_path, ours=None):
    """HF (the oracle) and our binary agree on every request, field by field."""
    if ours is None:
        path = tmp_path / "tokenizer.json"
        tok.save(str(path))
        ours = run_ours(path, reqs, tmp_path)
    mismatches, first = {}, {}
    for req, mine in zip(reqs, ours):
        ref = _hf_result(tok, req)
        for f in _diff_fields(ref, mine):
            mismatches[f] = mismatches.get(f, 0) + 1
            first.setdefault(f, (req, ref.get(f, ref), mine.get(f, mine)))
    print(f"\n{name}: {len(reqs)} requests, mismatches per field: {mismatches}")
    assert not mismatches, f"{name}: {mismatches}; first: {json.dumps(first, ensure_ascii=False)[:3000]}"


def _spliced(held, pieces, n=300, seed=0):
    """Held-out texts with `pieces` spliced in at random places (word starts, word middles, ends)."""
    rng = random.Random(seed)
    out = []
    for text in held[:n]:
        for _ in range(rng.randint(1, 4)):
            at = rng.randint(0, len(text))
            text = text[:at] + rng.choice(pieces) + text[at:]
        out.append(text)
    return out + pieces + [" ".join(pieces), "".join(pieces)]


@pytest.mark.parametrize("family", list(FAMILIES))
def test_encode_decode_parity(family, corpus, tmp_path):
    _, held = corpus
    tok = Tokenizer.from_str(_cached_family(family))
    if family == "added_tokens_every_kind":
        held = _spliced(held, ADDED_PIECES) + held[300:]
    assert_parity(family, tok, _requests(held), tmp_path)


def _small_requests(held, n=120):
    texts = held[:n] + ADVERSARIAL
    return _requests(texts)[: len(texts) + 30 + 40]


SPLIT_PATTERNS = {"regex": Regex(r"[\s,.;:!?]+"), "string": " ", "regex_empty_matches": Regex(r"\s*"),
                  "string_multichar": "th"}


@pytest.mark.parametrize("behavior", ["removed", "isolated", "merged_with_previous", "merged_with_next", "contiguous"])
@pytest.mark.parametrize("pattern", list(SPLIT_PATTERNS))
@pytest.mark.parametrize("invert", [False, True])
def test_split_pre_tokenizer_parity(behavior, pattern, invert, corpus, tmp_path):
    """Split with every behaviour, inverted or not, on string and regex patterns (one that matches empty)."""
    train, held = corpus
    tok = Tokenizer(models.WordLevel(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Split(SPLIT_PATTERNS[pattern], behavior=behavior, invert=invert)
    tok.train_from_iterator(train[:2000], trainers.WordLevelTrainer(vocab_size=3000, special_tokens=["<unk>"]))
    assert_parity(f"split-{behavior}-{pattern}-{invert}", tok, _small_requests(held), tmp_path)


@pytest.mark.parametrize("scheme", ["always", "first", "never"])
@pytest.mark.parametrize("split", [True, False])
def test_metaspace_parity(scheme, split, corpus, tmp_path):
    """Metaspace with every prepend scheme, splitting or not (pairs show `first`), and a Strip decoder."""
    train, held = corpus
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Metaspace(prepend_scheme=scheme, split=split)
    tok.decoder = decoders.Sequence([decoders.Strip("\u2581", 0, 1), decoders.Metaspace(prepend_scheme=scheme,
                                                                                          split=split)])
    tok.train_from_iterator(train[:2000], trainers.BpeTrainer(vocab_size=700, special_tokens=["<unk>"]))
    assert_parity(f"metaspace-{scheme}-{split}", tok, _small_requests(held), tmp_path)


@pytest.mark.parametrize("dropout", [0.0, 1.0])
def test_bpe_deterministic_dropout_parity(dropout, corpus, tmp_path):
    """dropout 0 changes nothing and 1 applies no merge: both deterministic, both as HF."""
    train, held = corpus
    tok = _set_model_fields(Tokenizer.from_str(_cached_family("gpt2_bytelevel_bpe")), dropout=dropout,
                            ignore_merges=True)
    assert_parity(f"dropout-{dropout}", tok, _small_requests(held, 60), tmp_path)


def test_byte_fallback_without_byte_pieces_or_unk_parity(corpus, tmp_path):
    """byte_fallback on, but no <0xXX> pieces and no unk token (what transformers 5 builds from some sentencepiece
    BPE models): a character outside the vocab is dropped, and HF counts the offsets of the tokens after it as if
    it took no bytes ("一e" gives e the offsets of 一)."""
    train, held = corpus
    tok = Tokenizer(models.BPE(byte_fallback=True))
    tok.normalizer = normalizers.Sequence([normalizers.Prepend("\u2581"), normalizers.Replace(" ", "\u2581")])
    tok.train_from_iterator(train, trainers.BpeTrainer(vocab_size=600, special_tokens=["<s>"], limit_alphabet=60))
    pieces = ["\u4e00e", "e\u4e00e", "\u4e00\u4e00at", "a\u4e00t", "\u00e9", "\U0001F600at\U0001F600", "e\u4e00"]
    assert tok.encode("\u4e00e").tokens == ["\u2581", "e"]  # 一 has no piece: dropped
    assert_parity("byte_fallback_no_byte_pieces_no_unk", tok, _small_requests(_spliced(held, pieces, n=100)),
                  tmp_path)


def test_random_bpe_dropout_is_refused(tmp_path):
    tok = _set_model_fields(Tokenizer.from_str(_cached_family("gpt2_bytelevel_bpe")), dropout=0.5)
    path = tmp_path / "tokenizer.json"
    tok.save(str(path))
    out = subprocess.run([BIN, "tokenizer", "encode", str(path), "a"], capture_output=True, text=True)
    assert out.returncode == 2 and "model.dropout" in out.stderr and "random" in out.stderr


# Truncation and padding as tokenizer.json carries them (HF enable_truncation / enable_padding, then save).
TRUNC_PAD = {
    "bert-longest_first": ("bert_wordpiece", dict(max_length=12), None),
    "bert-only_first-left-stride": ("bert_wordpiece", dict(max_length=12, stride=3, strategy="only_first",
                                                           direction="left"), None),
    "bert-only_second-stride-pad_fixed": ("bert_wordpiece", dict(max_length=10, stride=2, strategy="only_second"),
                                          dict(length=16)),
    "bert-left-pad_left_multiple": ("bert_wordpiece", dict(max_length=14, direction="left"),
                                    dict(direction="left", pad_to_multiple_of=4, pad_id=0, pad_token="[PAD]")),
    "bert-max_below_specials": ("bert_wordpiece", dict(max_length=1), dict(length=3)),
    "bert-max_zero": ("bert_wordpiece", dict(max_length=0), None),
    "roberta-stride-multiple": ("roberta_bytelevel_bpe", dict(max_length=20, stride=3),
                                dict(pad_to_multiple_of=8, pad_id=1, pad_token="<pad>", pad_type_id=1)),
    "gpt2-bytelevel_post-longest": ("gpt2_bytelevel_bpe", dict(max_length=12, stride=2), dict()),
    "wordlevel-no_post_processor-left": ("wordlevel", dict(max_length=8, stride=1, direction="left"),
                                         dict(direction="left", pad_to_multiple_of=4)),
    "bertprocessing-only_first": ("suffix_bpe_split_punct", dict(max_length=8, stride=1, strategy="only_first"),
                                  dict(length=6)),
    "t5_template-only_second-left": ("t5_unigram_precompiled_nmt_nfkc", dict(max_length=6, stride=2,
                                                                      strategy="only_second", direction="left"),
                                     dict(length=8)),
    "sequence_post-typed_template": ("bytelevel_noregex_ignore_merges_nmt", dict(max_length=20, stride=1), dict()),
}


def _trunc_pad_requests(held):
    # Short texts: overflowing windows of a pair multiply (every window of one side with the other side).
    texts = [t[:100] for t in held[:50] + ADVERSARIAL[:6]] + ["a", "a b", "one two three four five six seven"]
    reqs = [{"text": t} for t in texts]
    reqs += [{"text": a, "pair": b} for a, b in zip(texts[:40], texts[5:45])]
    reqs += [{"text": a, "pair": b, "add_special_tokens": False} for a, b in zip(texts[:10], texts[20:30])]
    reqs += [{"text": t, "add_special_tokens": False} for t in texts[:10]]
    rng = random.Random(1)
    for size in [1, 2, 3, 4, 5, 5, 3]:
        batch = []
        for _ in range(size):
            batch.append({"text": rng.choice(texts)} if rng.random() < 0.5 else
                         {"text": rng.choice(texts), "pair": rng.choice(texts)})
        reqs.append({"batch": batch})
    return reqs


@pytest.mark.parametrize("case", list(TRUNC_PAD))
def test_truncation_padding_parity(case, corpus, tmp_path):
    """Every strategy and direction, strides (overflowing windows, for singles and pairs), fixed / longest /
    multiple-of padding on both sides, batches (encode_batch), and HF's errors (a sequence too short to cut)."""
    _, held = corpus
    family, trunc, pad = TRUNC_PAD[case]
    tok = Tokenizer.from_str(_cached_family(family))
    tok.enable_truncation(**trunc)
    if pad is not None:
        tok.enable_padding(**pad)
    reqs = _trunc_pad_requests(held)
    assert_parity(case, tok, reqs, tmp_path)
    if "only" in case:  # the impossible cuts must have been exercised
        assert any("error" in _hf_result(tok, r) for r in reqs)


def test_truncation_padding_flags_equal_hf(corpus, tmp_path):
    """--truncation / --padding / --pad_* flags set what HF's enable_truncation / enable_padding set."""
    _, held = corpus
    base = Tokenizer.from_str(_cached_family("bert_wordpiece"))
    path = tmp_path / "base.json"
    base.save(str(path))
    tok = Tokenizer.from_str(base.to_str())
    tok.enable_truncation(20, stride=5, strategy="only_first", direction="left")
    tok.enable_padding(direction="left", pad_id=tok.token_to_id("[SEP]"), pad_token="[SEP]", pad_type_id=3,
                       length=24, pad_to_multiple_of=7)
    reqs = _trunc_pad_requests(held)
    ours = run_ours(path, reqs, tmp_path, "--truncation", "20,5,only_first,left", "--padding", "24",
                    "--pad_to_multiple_of", "7", "--padding_direction", "left", "--pad_token", "[SEP]",
                    "--pad_type_id", "3")
    assert_parity("flags", tok, reqs, tmp_path, ours=ours)
    # And back off: "none" drops what the file says.
    tok.save(str(path))
    plain = Tokenizer.from_str(base.to_str())
    ours = run_ours(path, reqs, tmp_path, "--truncation", "none", "--padding", "none")
    assert_parity("flags-none", plain, reqs, tmp_path, ours=ours)


def test_batch_flag_pads_to_the_longest(corpus, tmp_path):
    _, held = corpus
    tok = Tokenizer.from_str(_cached_family("bert_wordpiece"))
    path = tmp_path / "tokenizer.json"
    tok.save(str(path))
    lines = [t.replace("\n", " ") for t in held[:20]]
    (tmp_path / "lines.txt").write_text("\n".join(lines) + "\n")
    out = subprocess.run([BIN, "tokenizer", "encode", str(path), "--file", str(tmp_path / "lines.txt"), "--json",
                          "--batch", "--padding", "longest", "--pad_to_multiple_of", "8"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    tok.enable_padding(pad_to_multiple_of=8)
    ref = [_encoding(e) for e in tok.encode_batch(lines)]
    ours = [_normalize_ours(json.loads(line)) for line in out.stdout.splitlines()]
    assert ours == ref
    assert len({len(e["ids"]) for e in ours}) == 1


def test_bad_truncation_and_padding_flags(corpus, tmp_path):
    tok = Tokenizer.from_str(_cached_family("bert_wordpiece"))
    path = tmp_path / "tokenizer.json"
    tok.save(str(path))
    with pytest.raises(Exception, match="stride"):  # HF refuses it too
        tok.enable_truncation(3, stride=2)

    def run(*flags):
        return subprocess.run([BIN, "tokenizer", "encode", str(path), "some text", *flags], capture_output=True,
                              text=True)

    out = run("--truncation", "3,2")
    assert out.returncode == 2 and "stride" in out.stderr
    out = run("--truncation", "8,0,sideways")
    assert out.returncode == 2 and "strategy" in out.stderr
    out = run("--padding", "ten")
    assert out.returncode == 2 and "--padding" in out.stderr
    out = run("--pad_token", "[NOPE]", "--padding", "4")
    assert out.returncode == 2 and "[NOPE]" in out.stderr
    out = run("--pad_to_multiple_of", "8")
    assert out.returncode == 2 and "--padding" in out.stderr
    # A single sequence cannot be cut with only_second: HF errors, and so does the CLI.
    out = run("--truncation", "4,0,only_second")
    assert out.returncode == 2 and "Second sequence not provided" in out.stderr


@pytest.mark.parametrize("family", list(FAMILIES) + ["truncation_padding", "dropout_zero"])
def test_to_json_equals_hf_to_str(family, corpus, tmp_path):
    """Our serialization of a loaded tokenizer.json is HF's Tokenizer.to_str(), and HF loads it back."""
    if family == "truncation_padding":
        tok = Tokenizer.from_str(_cached_family("bert_wordpiece"))
        tok.enable_truncation(16, stride=2, strategy="only_second", direction="left")
        tok.enable_padding(direction="left", pad_id=3, pad_type_id=1, pad_token="[SEP]", length=20,
                           pad_to_multiple_of=8)
    elif family == "dropout_zero":
        tok = _set_model_fields(Tokenizer.from_str(_cached_family("gpt2_bytelevel_bpe")), dropout=0.0)
    else:
        tok = Tokenizer.from_str(_cached_family(family))
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
