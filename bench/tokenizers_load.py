"""Loading a large tokenizer.json: tinyforge (`tokenizer encode TOKENIZER "hello world"`, one process: start, load,
encode one text) vs HF tokenizers' `Tokenizer.from_file` in a warm Python process, on synthetic tokenizers of
real-world size written here (never checked in):
- WordPiece (BERT pipeline) with N distinct pieces (default 300,000: words and "##" continuations);
- byte-level BPE (GPT-2 pipeline) with M merges (default 150,000) over the 256-character byte alphabet, each
  merge joining two earlier tokens into a new one, so the vocab (alphabet + merged tokens) is consistent.
Each at the full size and at a quarter of it, to show the time grows linearly. Best of --repeat runs.
Usage: python bench/tokenizers_load.py --bin build/release/tinyforge [--pieces 300000] [--merges 150000]"""
import argparse
import os
import pathlib
import random
import string
import subprocess
import tempfile
import time

os.environ["RAYON_NUM_THREADS"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors  # noqa: E402


def wordpiece(n, seed=0):
    rng = random.Random(seed)
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    pieces = list(dict.fromkeys(specials + list(string.ascii_lowercase + string.digits + string.punctuation)))
    seen = set(pieces)
    while len(pieces) < n:
        word = "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(2, 12)))
        word = "##" + word if rng.random() < 0.4 else word
        if word not in seen:
            seen.add(word)
            pieces.append(word)
    tok = Tokenizer(models.WordPiece({p: i for i, p in enumerate(pieces)}, unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    tok.decoder = decoders.WordPiece()
    tok.add_special_tokens(specials)
    return tok


def bpe(m, seed=0):
    rng = random.Random(seed)
    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    tokens = list(alphabet)
    seen = set(tokens)
    merges = []
    while len(merges) < m:
        # Favour recent (longer) tokens on one side, as real merge lists grow words from their parts.
        a = tokens[rng.randrange(len(tokens))] if rng.random() < 0.5 else tokens[-1 - rng.randrange(min(len(tokens), 64))]
        b = tokens[rng.randrange(len(alphabet))] if rng.random() < 0.7 else tokens[rng.randrange(len(tokens))]
        new = a + b
        if len(new) > 16 or new in seen:
            continue
        seen.add(new)
        tokens.append(new)
        merges.append((a, b))
    tok = Tokenizer(models.BPE({t: i for i, t in enumerate(tokens)}, merges))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=True)
    return tok


def best(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.environ.get("TINYFORGE_BIN", "build/release/tinyforge"))
    ap.add_argument("--pieces", type=int, default=300_000)
    ap.add_argument("--merges", type=int, default=150_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cases = []
        for scale in (4, 1):
            cases.append((f"WordPiece, {args.pieces // scale} pieces", wordpiece(args.pieces // scale)))
            cases.append((f"byte-level BPE, {args.merges // scale} merges", bpe(args.merges // scale)))
        for name, tok in cases:
            path = pathlib.Path(tmp) / "tokenizer.json"
            tok.save(str(path))
            size = path.stat().st_size / 1e6
            hf = best(lambda: Tokenizer.from_file(str(path)), args.repeat)
            ours = best(lambda: subprocess.run([args.bin, "tokenizer", "encode", str(path), "hello world"],
                                               check=True, capture_output=True), args.repeat)
            print(f"{name:34s} {size:6.1f} MB  HF from_file {hf:7.3f} s  tinyforge (process) {ours:7.3f} s  "
                  f"ratio (ours / HF) {ours / hf:5.2f}x", flush=True)


if __name__ == "__main__":
    main()
