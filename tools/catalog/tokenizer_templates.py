#!/usr/bin/env python3
"""Tokenizer family template compiler (development time only; run with the test venv's python).

For each v5 tokenizer class in FAMILIES it builds the pipeline the class itself builds — the class is instantiated
with a minimal vocabulary by transformers' own code — and writes `src/tinyforge/catalog/tokenizers/<name>.json` in
the format `src/tinyforge/forge/tokenizer_files.cpp` reads:

  description              one line for humans
  format                   absent for a tokenizer.json template; "ctrl" for CTRLTokenizer, a Python tokenizer
                           (vocab.json + merges.txt) trained as src/tinyforge/tokenizers/ctrl_bpe.h's pipeline:
                           such a template has no `tokenizer`
  appended_special_tokens  special tokens added after training, last in the vocabulary (T5's sentinels)
  appended_tokens          plain (non-special, normalized) tokens added after those, on top of the trained
                           vocabulary's default size (Whisper's timestamp tokens)
  <forge options>          limit_alphabet, byte_fallback_pieces, corpus_files, config_token_ids,
                           generation_config (see FAMILIES)
  tokenizer                the backend's `to_str()` with the vocabulary/merges emptied, every added-token and
                           post-processor id 0 (`tinyforge tokenizer retrain` numbers them again)
  tokenizer_config         what `save_pretrained` writes as tokenizer_config.json, without model_max_length (the
                           forge writes it from the model config)

It also writes `tools/catalog/tokenizer_templates.json` ({tokenizer class: template name}), which the catalog
compiler reads to pick each model type's template. Templates in PRESERVED are not compiled (this compiler does
not reproduce them byte for byte, or they are not a tokenizer.json); they are only listed in the mapping.

  tokenizer_templates.py            write every template and the mapping
  tokenizer_templates.py --check    write nothing; exit 1 naming every file that differs from what would be written
  tokenizer_templates.py CLASS ...  only these classes' templates (the mapping is always complete)
"""
import argparse
import contextlib
import io
import json
import os
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Callable

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIR = ROOT / "src" / "tinyforge" / "catalog" / "tokenizers"
MAPPING_FILE = ROOT / "tools" / "catalog" / "tokenizer_templates.json"

# The Latin-script part of the embedded corpus: a Unigram trainer keeps every character of its corpus, and the
# whole corpus has thousands (src/tinyforge/tokenizers/corpus/).
LATIN_CORPUS = ["code.txt", "english.txt", "european.txt"]

# Whisper's control tokens after the language and task tokens, in the order of Whisper's vocabulary (the language
# and task tokens come from transformers' LANGUAGES and TASK_IDS).
WHISPER_CONTROL_TOKENS = ["<|startoflm|>", "<|startofprev|>", "<|nocaptions|>", "<|notimestamps|>"]
# WhisperTokenizer.timestamp_ids: 30 s in steps of 0.02 s, both ends included.
WHISPER_TIME_PRECISION, WHISPER_TIMESTAMPS = 0.02, 1501


@dataclass
class Family:
    tokenizer_class: str
    template: str
    description: str
    build: Callable  # transformers module -> tokenizer instance
    options: dict = field(default_factory=dict)  # forge options, written after description, in this order
    appended: str | None = None  # regex: tokens moved to appended_special_tokens / appended_tokens


def gpt2_converted_backend(transformers):
    """TokenizersBackend: a PreTrainedTokenizerFast/TokenizersBackend repository of a typical modern decoder
    (gpt_bigcode/StarCoder, Granite, ... : byte-level BPE whose tokenizer.json was converted from GPT-2-style
    vocab.json + merges.txt) carries the pipeline of transformers' GPT2Converter: ByteLevel pre-tokenizer (GPT-2
    regex, no prefix space), ByteLevel decoder, ByteLevel(trim_offsets=False) post-processor (no special tokens
    added), with <|endoftext|> as bos/eos/unk. The converter is fed a minimal GPT-2-like vocabulary."""
    from transformers.convert_slow_tokenizer import GPT2Converter

    eot = "<|endoftext|>"
    original = SimpleNamespace(encoder={eot: 0}, bpe_ranks={}, add_prefix_space=False, add_bos_token=False)
    backend = GPT2Converter(original).converted()
    return transformers.TokenizersBackend(tokenizer_object=backend, bos_token=eot, eos_token=eot, unk_token=eot)


def ctrl(transformers):
    """CTRLTokenizer, a Python tokenizer, from a minimal vocab.json ({"<unk>": 0}) and an empty merges.txt: the
    forge trains it as the pipeline src/tinyforge/tokenizers/ctrl_bpe.h expresses it in ("format": "ctrl")."""
    with tempfile.TemporaryDirectory() as directory:  # read by __init__
        Path(directory, "vocab.json").write_text('{"<unk>": 0}', encoding="utf-8")
        Path(directory, "merges.txt").write_text("#version: 0.2\n", encoding="utf-8")
        return transformers.CTRLTokenizer(str(Path(directory, "vocab.json")), str(Path(directory, "merges.txt")))


def whisper_specials():
    from transformers.models.whisper.tokenization_whisper import LANGUAGES, TASK_IDS

    return ["<|startoftranscript|>", *(f"<|{code}|>" for code in LANGUAGES), *(f"<|{t}|>" for t in TASK_IDS),
            *WHISPER_CONTROL_TOKENS]


def whisper(transformers):
    """Whisper's vocabulary as openai/whisper-* lay it out: <|endoftext|>, the trained entries, then (appended)
    the other special tokens as extra special tokens, so all_special_ids ends at <|notimestamps|>, and the 1501
    plain timestamp tokens <|0.00|>..<|30.00|> (0.02 s apart) right after it, where transformers' timestamp
    decoding starts counting; then the class's own prefix post-processor."""
    tok = transformers.WhisperTokenizer()
    tok.add_special_tokens({"extra_special_tokens": [transformers.AddedToken(t, normalized=False, special=True)
                                                     for t in whisper_specials()]})
    tok.add_tokens([transformers.AddedToken(f"<|{i * WHISPER_TIME_PRECISION:.2f}|>")
                    for i in range(WHISPER_TIMESTAMPS)])
    tok.set_prefix_tokens()
    return tok


def whisper_generation_config():
    """The token-tied fields of openai/whisper-*'s generation_config.json that WhisperGenerationMixin.generate
    and the ASR pipeline read (each string names a token; the forge writes its id)."""
    from transformers.models.whisper.tokenization_whisper import LANGUAGES, TASK_IDS

    return {"is_multilingual": True,
            "lang_to_id": {f"<|{code}|>": f"<|{code}|>" for code in LANGUAGES},
            "max_initial_timestamp_index": 50,
            "no_timestamps_token_id": "<|notimestamps|>",
            "prev_sot_token_id": "<|startofprev|>",
            "task_to_id": {task: f"<|{task}|>" for task in TASK_IDS}}


FAMILIES = [
    Family("GPT2Tokenizer", "gpt2", "byte-level BPE, GPT-2-like: <|endoftext|> as bos/eos/unk",
           lambda t: t.GPT2Tokenizer()),
    Family("Qwen2Tokenizer", "qwen2", "byte-level BPE, Qwen2-like: NFC, Qwen's split regex, <|endoftext|>",
           lambda t: t.Qwen2Tokenizer()),
    Family("GemmaTokenizer", "gemma",
           "byte-fallback BPE, Gemma-like: spaces as ▁, <0x00>..<0xFF> byte pieces, <bos> A",
           lambda t: t.GemmaTokenizer(add_bos_token=True),
           {"limit_alphabet": 200, "byte_fallback_pieces": True}),
    Family("LlamaTokenizer", "llama",
           "byte-fallback BPE, Llama/Mistral-like: Metaspace, <0x00>..<0xFF> byte pieces, <s> A",
           lambda t: t.LlamaTokenizer(add_bos_token=True),
           {"limit_alphabet": 200, "byte_fallback_pieces": True}),
    Family("BertTokenizer", "bert", "WordPiece, BERT-like: BertNormalizer (lowercase), [CLS] A [SEP] B [SEP]",
           lambda t: t.BertTokenizer(), {"limit_alphabet": 150}),
    # RoBERTa's vocabulary starts <s> <pad> </s> <unk>; the class's default puts <pad> first.
    Family("RobertaTokenizer", "roberta", "byte-level BPE, RoBERTa/BART-like: <s> A </s></s> B </s>",
           lambda t: t.RobertaTokenizer(vocab={"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3, "<mask>": 4},
                                        merges=[])),
    Family("T5Tokenizer", "t5",
           "Unigram, T5-like: Metaspace, A </s> B </s>, <extra_id_0>..<extra_id_99> sentinels last",
           lambda t: t.T5Tokenizer(), {"corpus_files": LATIN_CORPUS}, appended=r"<extra_id_\d+>"),
    Family("WhisperTokenizer", "whisper",
           "byte-level BPE, Whisper-like: <|endoftext|>, the trained entries, then <|startoftranscript|>, the 100 "
           "language tokens in Whisper's order, task and control tokens and the timestamp tokens "
           "<|0.00|>..<|30.00|>",
           whisper,
           {"config_token_ids": {"decoder_start_token_id": "<|startoftranscript|>",
                                 "begin_suppress_tokens": ["\u0120", "<|endoftext|>"]},
            "generation_config": whisper_generation_config()},
           appended=r"<\|(?!endoftext\|>).*\|>"),
    Family("CLIPTokenizer", "clip",
           "byte-level BPE with </w> word ends, CLIP-like: NFC + lowercase, <|startoftext|> A <|endoftext|>",
           lambda t: t.CLIPTokenizer()),
    Family("GPTNeoXTokenizer", "gpt_neox",
           "byte-level BPE, GPT-NeoX-like: NFC, <|endoftext|> as bos/eos/unk, <|padding|>",
           lambda t: t.GPTNeoXTokenizer()),
    Family("CohereTokenizer", "cohere",
           "byte-level BPE, Cohere-like: NFC, digits split one by one, <PAD> <UNK> <CLS> <SEP> <MASK_TOKEN> "
           "<BOS_TOKEN> <|END_OF_TURN_TOKEN|>",
           lambda t: t.CohereTokenizer()),
    Family("OpenAIGPTTokenizer", "openai_gpt",
           "character BPE with </w> word ends, GPT-1-like: BertNormalizer (lowercase) + BertPreTokenizer, <unk>",
           lambda t: t.OpenAIGPTTokenizer(), {"limit_alphabet": 150}),
    Family("XGLMTokenizer", "xglm",
           "Unigram, XGLM-like: runs of spaces collapsed, Metaspace, </s> A, <madeupword0>..<madeupword6>",
           lambda t: t.XGLMTokenizer(), {"corpus_files": LATIN_CORPUS}),
    Family("XLMRobertaTokenizer", "xlm_roberta",
           "Unigram, XLM-RoBERTa-like: WhitespaceSplit + Metaspace, <s> A </s></s> B </s>",
           lambda t: t.XLMRobertaTokenizer(), {"corpus_files": LATIN_CORPUS}),
    # A Python tokenizer (no tokenizer.json): the template is its tokenizer_config.json and forge options.
    Family("CTRLTokenizer", "ctrl",
           "BPE over \\S+\\n? words, CTRL-like: vocab.json names non-final pieces with '@@' (merges.txt uses "
           "'</w>' word ends), <unk>, no special tokens added",
           ctrl, {"format": "ctrl", "limit_alphabet": 150}),
    Family("TokenizersBackend", "tokenizers_backend",
           "byte-level BPE, what transformers' GPT2Converter writes (a generic TokenizersBackend repository): "
           "<|endoftext|> as bos/eos/unk, ByteLevel post-processor",
           gpt2_converted_backend),
]

# Templates kept as they are, listed in the mapping only.
PRESERVED = {
    # Wav2Vec2CTCTokenizer is a Python tokenizer whose repository holds vocab.json, not tokenizer.json: its
    # template is a character alphabet the forge orders by corpus frequency ("format": "vocab.json").
    "Wav2Vec2CTCTokenizer": "wav2vec2",
}

# v5 tokenizer classes of text decoders that get no template: each is a Python (PreTrainedTokenizer) class with no
# tokenizers backend, so there is no tokenizer.json pipeline to build, and the files it loads (vocab.json +
# merges.txt, vocab.txt, emoji.json) are not what the forge writes.
SKIPPED = {
    # Moses tokenization (sacremoses, aggressive dash splits, escaping) before a '@@'-style BPE.
    "BioGptTokenizer": "Python-only (vocab.json + merges.txt); Moses pre-tokenization (sacremoses) and '@@' BPE",
    # jieba word segmentation (rjieba) then a greedy longest-match WordPiece without '##' over vocab.txt.
    "CpmAntTokenizer": "Python-only (vocab.txt); jieba segmentation (rjieba) has no tokenizers pre-tokenizer",
    # Its own sub-word matcher over vocab.txt with emoji.json, Japanese text and content normalization in Python.
    "GPTNeoXJapaneseTokenizer": "Python-only (vocab.txt + emoji.json); its Japanese sub-word matcher is Python",
}


def zero_post_processor_ids(pp):
    if not isinstance(pp, dict):
        return
    for special in (pp.get("special_tokens") or {}).values():
        special["ids"] = [0] * len(special["ids"])
    for key in ("cls", "sep"):
        if isinstance(pp.get(key), list) and len(pp[key]) == 2:
            pp[key][1] = 0
    for sub in pp.get("processors") or []:
        zero_post_processor_ids(sub)


# What save_pretrained writes besides tokenizer_config.json, per template format.
SAVED_FILES = {None: ["tokenizer.json"], "ctrl": ["merges.txt", "vocab.json"]}


def saved_tokenizer_config(tok, files):
    with tempfile.TemporaryDirectory() as directory:
        tok.save_pretrained(directory)
        names = sorted(os.listdir(directory))
        if names != sorted(files + ["tokenizer_config.json"]):
            raise SystemExit(f"{type(tok).__name__}: save_pretrained wrote {names}, not {files} + tokenizer_config.json")
        return json.loads(Path(directory, "tokenizer_config.json").read_text(encoding="utf-8"))


def compile_family(family, transformers):
    tok = family.build(transformers)
    if type(tok).__name__ != family.tokenizer_class:
        raise SystemExit(f"{family.tokenizer_class}: built a {type(tok).__name__}")
    template_format = family.options.get("format")
    if template_format is not None:  # a Python tokenizer: no pipeline to take from transformers
        config = saved_tokenizer_config(tok, SAVED_FILES[template_format])
        config.pop("model_max_length", None)
        template = {"description": family.description, **family.options, "tokenizer_config": config}
        return json.dumps(template, indent=2, ensure_ascii=False) + "\n"
    tokenizer = json.loads(tok.backend_tokenizer.to_str())
    appended = {"appended_special_tokens": [], "appended_tokens": []}
    kept = []
    for token in tokenizer["added_tokens"]:
        if family.appended and re.fullmatch(family.appended, token["content"]):
            # The forge appends special tokens unnormalized and plain ones normalized, none stripping.
            if token["single_word"] or token["lstrip"] or token["rstrip"] or token["normalized"] == token["special"]:
                raise SystemExit(f"{family.tokenizer_class}: appended token {token['content']} is neither an "
                                 "unnormalized special token nor a plain normalized one")
            appended["appended_special_tokens" if token["special"] else "appended_tokens"].append(token["content"])
        else:
            kept.append(dict(token, id=0))
    tokenizer["added_tokens"] = kept
    zero_post_processor_ids(tokenizer["post_processor"])
    model = tokenizer["model"]
    if model["type"] == "BPE":
        model["vocab"], model["merges"] = {}, []
    elif model["type"] in ("WordPiece", "WordLevel"):
        model["vocab"] = {}
    elif model["type"] == "Unigram":
        # The retrain keeps only the unknown piece; the template keeps the pieces that are its added tokens.
        contents = {t["content"] for t in kept}
        unk = model["vocab"][model["unk_id"]][0] if model["unk_id"] is not None else None
        model["vocab"] = [piece for piece in model["vocab"] if piece[0] in contents]
        pieces = [piece[0] for piece in model["vocab"]]
        model["unk_id"] = pieces.index(unk) if unk in pieces else None
    else:
        raise SystemExit(f"{family.tokenizer_class}: a {model['type']} model cannot be retrained")
    config = saved_tokenizer_config(tok, SAVED_FILES[None])
    config.pop("model_max_length", None)
    template = {"description": family.description}
    template.update((key, tokens) for key, tokens in appended.items() if tokens)
    template.update(family.options)
    template["tokenizer"] = tokenizer
    template["tokenizer_config"] = config
    return json.dumps(template, indent=2, ensure_ascii=False) + "\n"


def mapping_text():
    mapping = {f.tokenizer_class: f.template for f in FAMILIES}
    mapping.update(PRESERVED)
    return json.dumps(dict(sorted(mapping.items())), indent=2) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("classes", nargs="*", help="tokenizer classes to compile (default: all)")
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    by_class = {f.tokenizer_class: f for f in FAMILIES}
    for name in args.classes:
        if name in SKIPPED:
            raise SystemExit(f"{name} is skipped: {SKIPPED[name]}")
        if name not in by_class:
            raise SystemExit(f"{name}: no family (known: {', '.join(by_class)})")
    with contextlib.redirect_stderr(io.StringIO()):  # transformers' import-time and init warnings
        import transformers

        transformers.logging.set_verbosity_error()
        outputs = {TEMPLATE_DIR / f"{by_class[name].template}.json": compile_family(by_class[name], transformers)
                   for name in (args.classes or by_class)}
    outputs[MAPPING_FILE] = mapping_text()
    stale = []
    for path, text in outputs.items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(path.relative_to(ROOT))
        if not args.check:
            path.write_text(text, encoding="utf-8")
    if args.check and stale:
        print("out of date: " + ", ".join(map(str, stale)), file=sys.stderr)
        return 1
    for path in stale:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
